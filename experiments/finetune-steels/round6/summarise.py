"""Round 6 of the steels study: ensembles of 5 with the Magpie + fractions branch, each member's
own GP on its embedding as its mean (averaged), against the same ensembles' network means, 15
folds (5-fold CV x fold seeds 0, 1, 2), paired per fold.

    python3 experiments/finetune-steels/round6/summarise.py
"""
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "round4"))
from summarise import ARMS as ROUND4, diff, load, msd  # noqa: E402

R4 = dict((label, (pattern, key)) for label, pattern, key in ROUND4)
RUN = HERE / "member-gp-seed{s}.json"
DEFAULTS = HERE / "defaults-seed{s}.json"
ARMS = [
    ("fine-tuned + branch, ensemble of 5 (network means)", "fine-tuned + descriptors, deep ensemble"),
    ("fine-tuned + branch, ensemble of 5, GP mean per member", "fine-tuned + descriptors, deep ensemble, GP mean per member"),
    ("from scratch + branch, ensemble of 5 (network means)", "from scratch + descriptors, deep ensemble"),
    ("from scratch + branch, ensemble of 5, GP mean per member", "from scratch + descriptors, deep ensemble, GP mean per member"),
    ("fine-tuned + branch, single network, GP mean", "fine-tuned + descriptors, GP on embedding (GP mean)"),
    ("from scratch + branch, single network, GP mean", "from scratch + descriptors, GP on embedding (GP mean)"),
]


# the same ensembles at the product's defaults (weight decay 1e-4 instead of 1e-2)
AT_DEFAULTS = [
    ("at the defaults: fine-tuned + branch, ensemble of 5 (network means)", "fine-tuned + descriptors, deep ensemble"),
    ("at the defaults: fine-tuned + branch, ensemble of 5, GP mean per member", "fine-tuned + descriptors, deep ensemble, GP mean per member"),
    ("at the defaults: from scratch + branch, ensemble of 5 (network means)", "from scratch + descriptors, deep ensemble"),
    ("at the defaults: from scratch + branch, ensemble of 5, GP mean per member", "from scratch + descriptors, deep ensemble, GP mean per member"),
]


def main():
    v = {label: load(RUN, key) for label, key in ARMS}
    v.update({label: load(DEFAULTS, key) for label, key in AT_DEFAULTS})
    refs = [
        ("forest", load(*R4["Magpie random forest"])),
        ("round 4's fine-tuned + branch ensemble", load(*R4["fine-tuned + Magpie + fractions, ensemble of 5 (seeds)"])),
        ("from scratch + branch, ensemble (network means)", v[ARMS[2][0]]),
        ("from scratch + branch, ensemble, GP mean per member", v[ARMS[3][0]]),
    ]
    refs += [
        ("from scratch at the defaults, network means", v[AT_DEFAULTS[2][0]]),
        ("from scratch at the defaults, GP mean per member", v[AT_DEFAULTS[3][0]]),
    ]
    print("| arm | folds | MAE | " + " | ".join(f"− {n}" for n, _ in refs) + " |")
    print("|---" * (3 + len(refs)) + "|")
    for label, _ in ARMS + AT_DEFAULTS:
        if not v[label]:
            print(f"| {label} | 0 | (not run) |" + " |" * len(refs))
            continue
        allv = [x for s in sorted(v[label]) for x in v[label][s]]
        cells = " | ".join(diff(v[label], r) if r else "" for _, r in refs)
        print(f"| {label} | {len(allv)} | {msd(allv)} | {cells} |")


def confirm():
    """The defaults arms on fresh fold seeds 3 and 4, run after seeds 0-2 were seen."""
    v = {label: load(DEFAULTS, key, (3, 4)) for label, key in AT_DEFAULTS}
    forest = load(DEFAULTS, "Magpie + random forest", (3, 4))
    refs = [("forest", forest), ("from scratch, network means", v[AT_DEFAULTS[2][0]]),
            ("from scratch, GP mean per member", v[AT_DEFAULTS[3][0]])]
    print("\nFresh fold seeds 3 and 4 (10 test folds), at the defaults:\n")
    print("| arm | folds | MAE | " + " | ".join(f"− {n}" for n, _ in refs) + " |")
    print("|---" * (3 + len(refs)) + "|")
    for label, _ in AT_DEFAULTS + [("Magpie random forest", None)]:
        x = forest if label == "Magpie random forest" else v[label]
        if not x:
            print(f"| {label} | 0 | (not run) |" + " |" * len(refs))
            continue
        allv = [y for s in sorted(x) for y in x[s]]
        print(f"| {label} | {len(allv)} | {msd(allv)} | " + " | ".join(diff(x, r) if r else "" for _, r in refs) + " |")


if __name__ == "__main__":
    main()
    confirm()
