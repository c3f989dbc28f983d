"""Round 4 of the steels study: 15-fold summaries (5-fold CV × fold seeds 0, 1, 2; fixed
settings) of every arm, with paired per-fold differences against the Magpie random forest and
against the plain fine-tuned and from-scratch networks of experiments/pretrain-base.

    python3 experiments/finetune-steels/round4/summarise.py
"""
import json
import statistics as st
from pathlib import Path

HERE = Path(__file__).resolve().parent
BASE = HERE.parents[1] / "pretrain-base"

# (label, file stem pattern with {s} for the fold seed, key in each fold's record)
ARMS = [
    ("fine-tuned (reference)", BASE / "steels-base{s}.json", "fine-tuned from base"),
    ("fine-tuned, GP mean (reference)", BASE / "steels-base{s}.json", "fine-tuned from base, GP on embedding (GP mean)"),
    ("from scratch (reference)", BASE / "steels-scratch-seed{s}.json", "from scratch"),
    ("fine-tuned, L2-SP 1", HERE / "l2sp1-seed{s}.json", "fine-tuned from base"),
    ("fine-tuned, top 1 block re-initialised", HERE / "reinit1-seed{s}.json", "fine-tuned from base"),
    ("fine-tuned, all 3 blocks re-initialised", HERE / "reinit3-seed{s}.json", "fine-tuned from base"),
    ("fine-tuned, all 3 blocks re-initialised, GP mean", HERE / "reinit3-seed{s}.json", "fine-tuned from base, GP on embedding (GP mean)"),
    ("fine-tuned + Magpie + fractions", HERE / "desc-mf-seed{s}.json", "fine-tuned + descriptors"),
    ("fine-tuned + Magpie + fractions, GP mean", HERE / "desc-mf-seed{s}.json", "fine-tuned + descriptors, GP on embedding (GP mean)"),
    ("from scratch + Magpie + fractions", HERE / "desc-mf-seed{s}.json", "from scratch + descriptors"),
    ("fine-tuned, ensemble of 5 (seeds)", HERE / "ens-seed{s}.json", "fine-tuned from base, deep ensemble"),
    ("from scratch, ensemble of 5 (seeds)", HERE / "ens-seed{s}.json", "from scratch, deep ensemble"),
    ("from scratch, GP mean", HERE / "ens-seed{s}.json", "from scratch, GP on embedding (GP mean)"),
    ("fine-tuned, ensemble of 5 (bootstrap)", HERE / "ens-boot-seed{s}.json", "fine-tuned from base, deep ensemble"),
    ("from scratch, ensemble of 5 (bootstrap)", HERE / "ens-boot-seed{s}.json", "from scratch, deep ensemble"),
    ("fine-tuned, all 3 blocks re-initialised, ensemble of 5 (seeds)", HERE / "reinit3-ens-seed{s}.json", "fine-tuned from base, deep ensemble"),
    ("fine-tuned + Magpie + fractions, ensemble of 5 (seeds)", HERE / "desc-mf-ens-seed{s}.json", "fine-tuned + descriptors, deep ensemble"),
    ("from scratch + Magpie + fractions, ensemble of 5 (seeds)", HERE / "desc-mf-ens-seed{s}.json", "from scratch + descriptors, deep ensemble"),
    ("fine-tuned from 3 encoders pretrained with different seeds, ensemble of 5 (seeds)", HERE / "pool3-ens-seed{s}.json", "fine-tuned from base, deep ensemble"),
    ("fine-tuned from 3 encoders + Magpie + fractions, ensemble of 5 (seeds)", HERE / "pool3-desc-mf-ens-seed{s}.json", "fine-tuned + descriptors, deep ensemble"),
    ("Magpie random forest", BASE / "steels-base{s}.json", "Magpie + random forest"),
]


def load(pattern, key, seeds=(0, 1, 2)):
    """Per fold seed that was run: the 5 fold values."""
    out = {}
    for s in seeds:
        stem = ("" if s == 0 else f"-seed{s}") if "steels-base" in str(pattern) else s
        path = Path(str(pattern).format(s=stem))
        if path.exists():
            vals = [f.get(key) for f in json.loads(path.read_text())["folds"]]
            if len(vals) == 5 and all(v is not None for v in vals):
                out[s] = vals
    return out


def msd(v):
    return f"{st.mean(v):.1f} ± {st.stdev(v):.1f}"


def diff(a, b):
    """Paired differences over the fold seeds both have."""
    seeds = [s for s in a if s in b]
    d = [x - y for s in seeds for x, y in zip(a[s], b[s])]
    se = st.stdev(d) / len(d) ** 0.5
    return f"{st.mean(d):+.1f} (s.e. {se:.1f}; lower in {sum(x < 0 for x in d)}/{len(d)})"


def main():
    arms = [(label, load(p, k)) for label, p, k in ARMS]
    ref = dict(arms)
    rf, ft, sc = ref["Magpie random forest"], ref["fine-tuned (reference)"], ref["from scratch (reference)"]
    se = ref["from scratch, ensemble of 5 (seeds)"]
    print("| arm | folds | MAE | − random forest | − fine-tuned (ref.) | − from scratch (ref.) | − from scratch, ensemble |")
    print("|---|---|---|---|---|---|---|")
    for label, v in arms:
        if not v:
            print(f"| {label} | 0 | (not run) | | | | |")
            continue
        allv = [x for s in sorted(v) for x in v[s]]
        print(f"| {label} | {len(allv)} | {msd(allv)} | {diff(v, rf)} | {diff(v, ft)} | {diff(v, sc)} | {diff(v, se)} |")


CALIBRATION = [
    ("fine-tuned, ensemble of 5 (seeds)", "ens-seed{s}.json", "fine-tuned from base: ensemble"),
    ("from scratch, ensemble of 5 (seeds)", "ens-seed{s}.json", "from scratch: ensemble"),
    ("fine-tuned, ensemble of 5 (bootstrap)", "ens-boot-seed{s}.json", "fine-tuned from base: ensemble"),
    ("from scratch, ensemble of 5 (bootstrap)", "ens-boot-seed{s}.json", "from scratch: ensemble"),
    ("fine-tuned + Magpie + fractions, ensemble of 5 (seeds)", "desc-mf-ens-seed{s}.json", "fine-tuned + descriptors: ensemble"),
    ("fine-tuned from 3 pretraining seeds, ensemble of 5 (seeds)", "pool3-ens-seed{s}.json", "fine-tuned from base: ensemble"),
    ("fine-tuned from 3 pretraining seeds + Magpie + fractions, ensemble of 5 (seeds)", "pool3-desc-mf-ens-seed{s}.json", "fine-tuned + descriptors: ensemble"),
    ("from scratch + Magpie + fractions, ensemble of 5 (seeds)", "desc-mf-ens-seed{s}.json", "from scratch + descriptors: ensemble"),
]


def calibration():
    print("\n| ensemble | folds | NLL raw | NLL recalibrated | within 1σ / 2σ, recalibrated |")
    print("|---|---|---|---|---|")
    for label, pattern, key in CALIBRATION:
        raw, rec = [], []
        for s in (0, 1, 2):
            path = HERE / pattern.format(s=s)
            if path.exists():
                for f in json.loads(path.read_text())["folds"]:
                    raw.append(f["calibration"][f"{key}, raw"])
                    rec.append(f["calibration"][f"{key}, recalibrated on validation"])
        if not rec:
            continue
        col = lambda rows, i: [r[i] for r in rows]
        print(
            f"| {label} | {len(rec)} | {msd(col(raw, 0))} | {st.mean(col(rec, 0)):.2f} ± {st.stdev(col(rec, 0)):.2f} "
            f"| {100 * st.mean(col(rec, 1)):.0f} % / {100 * st.mean(col(rec, 2)):.0f} % |"
        )


if __name__ == "__main__":
    main()
    calibration()
