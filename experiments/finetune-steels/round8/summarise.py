"""Round 8 of the steels study: the confirmatory test fixed in the README before the runs.
Ensembles of 5 with the Magpie + fractions branch on one shared split, at the product's
defaults, fine-tuned from surrogates/base and from scratch, on the 50 new test folds of fold
seeds 5-14 (`round7/own-shared-seed*.json`, written by `round7/run.sh own-shared`), with
rounds 6-7's 25 folds (`round6/defaults-seed*.json`, seeds 0-4) pooled only as a secondary
figure.

    python3 experiments/finetune-steels/round8/summarise.py
"""
import json
import statistics as st
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "round4"))
from summarise import msd  # noqa: E402

NEW = tuple(range(5, 15))
OLD = tuple(range(0, 5))
FT, SC = "fine-tuned + descriptors", "from scratch + descriptors"
GPM_OWN = ", deep ensemble, GP mean per member (own rows)"
GPM_R6 = ", deep ensemble, GP mean per member"  # round 6: the same GPs (checked 60/60 in round 7)
ENS = ", deep ensemble"


def path(s):
    if s in NEW:
        return HERE.parent / "round7" / f"own-shared-seed{s}.json"
    return HERE.parent / "round6" / f"defaults-seed{s}.json"


def load(key, seeds):
    out = {}
    for s in seeds:
        p = path(s)
        if not p.exists():
            continue
        k = key.replace(GPM_OWN, GPM_R6) if s in OLD else key
        vals = [f.get(k) for f in json.loads(p.read_text())["folds"]]
        if len(vals) == 5 and all(v is not None for v in vals):
            out[s] = vals
    return out


def paired(a, b):
    seeds = [s for s in a if s in b]
    d = [x - y for s in seeds for x, y in zip(a[s], b[s])]
    per_seed = [st.mean(x - y for x, y in zip(a[s], b[s])) for s in seeds]
    if len(d) < 2:
        return "(not run)"
    se = st.stdev(d) / len(d) ** 0.5
    se_seed = st.stdev(per_seed) / len(per_seed) ** 0.5 if len(per_seed) > 1 else float("nan")
    m = st.mean(d)
    return (f"{m:+.1f} (s.e. {se:.1f} over {len(d)} folds, {se_seed:.1f} over {len(per_seed)} seeds; "
            f"lower in {sum(x < 0 for x in d)}/{len(d)}; t {m / se:+.1f} / {m / se_seed:+.1f})")


def calibration(seeds):
    rows = {"fine-tuned, GP mean per member": [], "from scratch, GP mean per member": [],
            "fine-tuned, network means": [], "from scratch, network means": []}
    keys = {"fine-tuned, GP mean per member": f"{FT}: ensemble, GP mean per member (own rows), recalibrated",
            "from scratch, GP mean per member": f"{SC}: ensemble, GP mean per member (own rows), recalibrated",
            "fine-tuned, network means": f"{FT}: ensemble, recalibrated on validation",
            "from scratch, network means": f"{SC}: ensemble, recalibrated on validation"}
    for s in seeds:
        p = path(s)
        if s not in NEW or not p.exists():
            continue
        for f in json.loads(p.read_text())["folds"]:
            for r, k in keys.items():
                rows[r].append(f["calibration"][k])
    print("| ensemble of 5 + branch | folds | NLL recal. | within 1σ | within 2σ |")
    print("|---|---|---|---|---|")
    for r, c in rows.items():
        if c:
            print(f"| {r} | {len(c)} | {st.mean(x[0] for x in c):.2f} | {100 * st.mean(x[1] for x in c):.0f} % "
                  f"| {100 * st.mean(x[2] for x in c):.0f} % |")


def table(seeds, title):
    print(f"\n{title}\n")
    arms = [
        ("fine-tuned, GP mean per member", FT + GPM_OWN),
        ("from scratch, GP mean per member", SC + GPM_OWN),
        ("fine-tuned, network means", FT + ENS),
        ("from scratch, network means", SC + ENS),
        ("fine-tuned, single network", FT),
        ("from scratch, single network", SC),
        ("Magpie random forest", "Magpie + random forest"),
    ]
    v = {label: load(k, seeds) for label, k in arms}
    rf = v["Magpie random forest"]
    print("| arm | folds | MAE | folds under 90 | − forest |")
    print("|---|---|---|---|---|")
    for label, _ in arms:
        x = v[label]
        allv = [y for s in sorted(x) for y in x[s]]
        if len(allv) < 2:
            print(f"| {label} | {len(allv)} | (not run) | | |")
            continue
        under = sum(y < 90 for y in allv)
        print(f"| {label} | {len(allv)} | {msd(allv)} | {under} | {paired(x, rf) if label != 'Magpie random forest' else ''} |")
    print("\n| fine-tuned − from scratch | paired difference |")
    print("|---|---|")
    for label, a, b in (("GP mean per member (primary)", "fine-tuned, GP mean per member", "from scratch, GP mean per member"),
                        ("network means", "fine-tuned, network means", "from scratch, network means"),
                        ("single networks", "fine-tuned, single network", "from scratch, single network")):
        print(f"| {label} | {paired(v[a], v[b])} |")


def main():
    table(NEW, "The 50 new folds (fold seeds 5-14): the confirmatory test")
    print()
    calibration(NEW)
    table(OLD + NEW, "Secondary: pooled with rounds 6-7's 25 folds (fold seeds 0-14)")


if __name__ == "__main__":
    main()
