"""Learning curve of the steels study: fine-tuned against from scratch on N rows of each
fold's training part (`curve/results/<set>-n<N>-seed<s>.json`), with the full-size runs of
experiments/finetune-settings at the same settings and folds.

    python3 experiments/finetune-steels/curve/summarise.py
"""
import json
import statistics as st
from pathlib import Path

HERE = Path(__file__).resolve().parent
FULL = HERE.parents[1] / "finetune-settings" / "results"
SEEDS = (0, 1, 2)
SETS = (("steels", (50, 100, 150), "MPa", 1), ("log_kvrh", (50, 100), "log10 GPa", 3))
ARMS = (
    ("fine-tuned, single network", "fine-tuned from base"),
    ("from scratch, single network", "from scratch"),
    ("fine-tuned, ensemble of 5", "fine-tuned from base, deep ensemble"),
    ("from scratch, ensemble of 5", "from scratch, deep ensemble"),
    ("Magpie random forest", "Magpie + random forest"),
)


def load(name, n, key):
    out = {}
    for s in SEEDS:
        p = FULL / f"{name}-ensembles-lr3e-3-wd1e-4-seed{s}.json" if n is None else HERE / "results" / f"{name}-n{n}-seed{s}.json"
        if p.exists():
            vals = [f.get(key) for f in json.loads(p.read_text())["folds"]]
            if len(vals) == 5 and all(v is not None for v in vals):
                out[s] = vals
    return out


def paired(a, b, dig):
    seeds = [s for s in a if s in b]
    d = [x - y for s in seeds for x, y in zip(a[s], b[s])]
    if len(d) < 2:
        return ""
    se = st.stdev(d) / len(d) ** 0.5
    return f"{st.mean(d):+.{dig}f} (s.e. {se:.{dig}f}; lower in {sum(x < 0 for x in d)}/{len(d)})"


def main():
    for name, sizes, unit, dig in SETS:
        print(f"\n{name} (MAE, {unit}; 15 test folds, fold seeds 0-2)\n")
        print("| training rows | fine-tuned single | from scratch single | ft − scratch, single "
              "| fine-tuned ens. of 5 | from scratch ens. of 5 | ft − scratch, ensembles | forest | ft ens. − forest |")
        print("|---|---|---|---|---|---|---|---|---|")
        for n in (*sizes, None):
            v = {label: load(name, n, key) for label, key in ARMS}

            def m(label):
                x = [y for s in sorted(v[label]) for y in v[label][s]]
                return f"{st.mean(x):.{dig}f}" if len(x) > 1 else "(not run)"
            print(f"| {n or 'all (full size)'} | {m(ARMS[0][0])} | {m(ARMS[1][0])} "
                  f"| {paired(v[ARMS[0][0]], v[ARMS[1][0]], dig)} | {m(ARMS[2][0])} | {m(ARMS[3][0])} "
                  f"| {paired(v[ARMS[2][0]], v[ARMS[3][0]], dig)} | {m(ARMS[4][0])} "
                  f"| {paired(v[ARMS[2][0]], v[ARMS[4][0]], dig)} |")


if __name__ == "__main__":
    main()
