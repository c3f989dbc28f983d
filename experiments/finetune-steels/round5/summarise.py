"""Round 5 of the steels study: encoders pretrained with alloy-like data, 15 folds (5-fold CV ×
fold seeds 0, 1, 2; fixed settings), paired against round 4's arms on the same folds.

    python3 experiments/finetune-steels/round5/summarise.py
"""
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "round4"))
from summarise import ARMS as ROUND4, diff, load, msd  # noqa: E402

R4 = dict((label, (pattern, key)) for label, pattern, key in ROUND4)
REFS = [
    ("forest", "Magpie random forest"),
    ("fine-tuned from base", "fine-tuned (reference)"),
    ("fine-tuned from base, ensemble", "fine-tuned, ensemble of 5 (seeds)"),
    ("from scratch, ensemble", "from scratch, ensemble of 5 (seeds)"),
    ("linear probe on base", None),
]
PROBE = HERE.parents[1] / "pretrain-base" / "steels-base{s}.json"

ARMS = [
    ("glass intermediate: fine-tuned", "glass-inter-ens-seed{s}.json", "fine-tuned from base"),
    ("glass intermediate: fine-tuned, ensemble of 5", "glass-inter-ens-seed{s}.json", "fine-tuned from base, deep ensemble"),
    ("glass intermediate: linear probe", "glass-inter-probe-seed{s}.json", "linear probe"),
    ("synthetic alloys: fine-tuned", "synth-ens-seed{s}.json", "fine-tuned from base"),
    ("synthetic alloys: fine-tuned, ensemble of 5", "synth-ens-seed{s}.json", "fine-tuned from base, deep ensemble"),
    ("synthetic alloys: linear probe", "synth-probe-seed{s}.json", "linear probe"),
    ("glass weighted 0.2 as a 4th pretraining task: fine-tuned", "glass-w02-ens-seed{s}.json", "fine-tuned from base"),
    ("glass weighted 0.2: fine-tuned, ensemble of 5", "glass-w02-ens-seed{s}.json", "fine-tuned from base, deep ensemble"),
    ("glass weighted 0.2: linear probe", "glass-w02-probe-seed{s}.json", "linear probe"),
    ("fine-tuned, ensemble of 5, learning rates 1e-3, 3e-3, 1e-2 in turn", "hp-ens-seed{s}.json", "fine-tuned from base, deep ensemble"),
    ("from scratch, ensemble of 5, learning rates 1e-3, 3e-3, 1e-2 in turn", "hp-ens-seed{s}.json", "from scratch, deep ensemble"),
    ("glass as a 4th pretraining task: fine-tuned", "glass-v1-seed{s}.json", "fine-tuned from base"),
    ("glass as a 4th pretraining task: linear probe", "glass-v1-seed{s}.json", "linear probe"),
    ("glass + elastic pretraining tasks: fine-tuned", "glass-elastic-ens-seed{s}.json", "fine-tuned from base"),
    ("glass + elastic pretraining tasks: fine-tuned, ensemble of 5", "glass-elastic-ens-seed{s}.json", "fine-tuned from base, deep ensemble"),
    ("glass + elastic pretraining tasks: linear probe", "glass-elastic-probe-seed{s}.json", "linear probe"),
]


def main():
    refs = []
    for name, label in REFS:
        refs.append((name, load(*R4[label]) if label else load(PROBE, "linear probe")))
    print("| arm | folds | MAE | " + " | ".join(f"− {n}" for n, _ in refs) + " |")
    print("|---" * (3 + len(refs)) + "|")
    for label, pattern, key in ARMS:
        v = load(HERE / pattern, key)
        if not v:
            print(f"| {label} | 0 | (not run) |" + " |" * len(refs))
            continue
        allv = [x for s in sorted(v) for x in v[s]]
        cells = " | ".join(diff(v, r) for _, r in refs)
        print(f"| {label} | {len(allv)} | {msd(allv)} | {cells} |")


# Ensembles of 10 with the descriptor branch, against round 4's ensembles of 5 on the same folds
BIGGER = [
    ("fine-tuned + Magpie + fractions, ensemble of 10", "fine-tuned + descriptors, deep ensemble"),
    ("from scratch + Magpie + fractions, ensemble of 10", "from scratch + descriptors, deep ensemble"),
]


def bigger():
    five = [
        ("fine-tuned + branch, 5", load(*R4["fine-tuned + Magpie + fractions, ensemble of 5 (seeds)"])),
        ("from scratch + branch, 5", load(*R4["from scratch + Magpie + fractions, ensemble of 5 (seeds)"])),
    ]
    ten = [(label, load(HERE / "desc-mf-ens10-seed{s}.json", key)) for label, key in BIGGER]
    refs = [("forest", load(*R4["Magpie random forest"]))] + five + [(f"{ten[1][0].split(',')[0]}, 10", ten[1][1])]
    print("\n| arm | folds | MAE | " + " | ".join(f"− {n}" for n, _ in refs) + " |")
    print("|---" * (3 + len(refs)) + "|")
    for label, v in ten:
        if not v:
            continue
        allv = [x for s in sorted(v) for x in v[s]]
        print(f"| {label} | {len(allv)} | {msd(allv)} | " + " | ".join(diff(v, r) for _, r in refs) + " |")


def diverse():
    """Learning rates in turn: fine-tuned minus from scratch, paired."""
    ft = load(HERE / "hp-ens-seed{s}.json", "fine-tuned from base, deep ensemble")
    sc = load(HERE / "hp-ens-seed{s}.json", "from scratch, deep ensemble")
    if ft and sc:
        print(f"\nlearning rates in turn, fine-tuned minus from scratch (ensembles of 5): {diff(ft, sc)}")


if __name__ == "__main__":
    main()
    bigger()
    diverse()
