"""Tables of the transfer study from results/*.json: per data set, every arm's MAE over the
fold seeds that were run (5 folds each), and paired per-fold differences of the fine-tuned
network against the Magpie random forest and against the same network from scratch.

    python3 experiments/transfer-small-data/summarise.py
"""
import json
import statistics as st
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
SETS = [("perovskites_castelli", "eV"), ("log_kvrh", "log10 GPa"), ("log_gvrh", "log10 GPa")]
SINGLE = [
    "fine-tuned from base",
    "fine-tuned from base, GP on embedding (GP mean)",
    "from scratch",
    "from scratch, GP on embedding (GP mean)",
    "linear probe",
    "Magpie + random forest",
    "Magpie + ridge",
    "predict the training mean",
]
ENSEMBLE = ["fine-tuned from base, deep ensemble", "from scratch, deep ensemble", "Magpie + random forest"]


def folds(paths):
    out = []
    for p in paths:
        if p.exists():
            out += json.loads(p.read_text())["folds"]
    return out


def msd(v):
    return f"{st.mean(v):.3f} ± {st.stdev(v):.3f}"


def diff(a, b):
    d = [x - y for x, y in zip(a, b)]
    se = st.stdev(d) / len(d) ** 0.5
    return f"{st.mean(d):+.3f} (s.e. {se:.3f}; lower in {sum(x < 0 for x in d)}/{len(d)})"


def table(title, fs, arms):
    if not fs:
        return
    print(f"\n{title} ({len(fs)} folds)\n")
    print("| model | MAE | − random forest | − from scratch |")
    print("|---|---|---|---|")
    rf = [f["Magpie + random forest"] for f in fs]
    scratch_key = "from scratch, deep ensemble" if "from scratch, deep ensemble" in fs[0] else "from scratch"
    sc = [f[scratch_key] for f in fs]
    for k in arms:
        v = [f[k] for f in fs]
        print(f"| {k} | {msd(v)} | {diff(v, rf)} | {diff(v, sc)} |")


def descriptor_table(name, unit, ens, desc):
    """The fine-tuned network and ensemble with the Magpie + fractions descriptor branch against
    the same without it (same folds)."""
    if len(desc) != len(ens) or not desc:
        return
    print(f"\n{name}, fine-tuned ensembles of 5 with the Magpie + fractions branch, MAE in {unit} ({len(desc)} folds)\n")
    print("| model | MAE | − random forest | − the same without the branch |")
    print("|---|---|---|---|")
    rf = [f["Magpie + random forest"] for f in ens]
    pairs = [("fine-tuned + descriptors", "fine-tuned from base"),
             ("fine-tuned + descriptors, deep ensemble", "fine-tuned from base, deep ensemble")]
    for k, without in pairs:
        v = [f[k] for f in desc]
        print(f"| {k} | {msd(v)} | {diff(v, rf)} | {diff(v, [f[without] for f in ens])} |")


def main():
    for name, unit in SETS:
        single = [RESULTS / f"{name}.json", RESULTS / f"{name}-seed1.json", RESULTS / f"{name}-seed2.json"]
        table(f"{name}, single networks, MAE in {unit}", folds(single), SINGLE)
        ens = [RESULTS / f"{name}-ensembles.json", RESULTS / f"{name}-ensembles-seed1.json", RESULTS / f"{name}-ensembles-seed2.json"]
        table(f"{name}, ensembles of 5 (seeds), MAE in {unit}", folds(ens), ENSEMBLE)
        desc = [RESULTS / f"{name}-desc-ensembles.json"] + [RESULTS / f"{name}-desc-ensembles-seed{s}.json" for s in (1, 2)]
        descriptor_table(name, unit, folds(ens), folds(desc))


if __name__ == "__main__":
    main()
