"""Round 7 of the steels study, at the product's defaults (lr 3e-3, weight decay 1e-4),
ensembles of 5 with the Magpie + fractions branch, 25 folds (5-fold CV x fold seeds 0-4),
paired per fold against round 6's runs of the same arms (`round6/defaults-seed*.json`):

- members that early-stop on their own validation parts (`rotate-seed*.json`);
- from scratch with learned element embeddings instead of mat2vec's (`learned-seed*.json`).

    python3 experiments/finetune-steels/round7/summarise.py
"""
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "round4"))
from summarise import diff, load, msd  # noqa: E402

SEEDS = (0, 1, 2, 3, 4)
SHARED = HERE.parent / "round6" / "defaults-seed{s}.json"
ROTATE = HERE / "rotate-seed{s}.json"
LEARNED = HERE / "learned-seed{s}.json"
FT, SC = "fine-tuned + descriptors", "from scratch + descriptors"
ENS, GPM = ", deep ensemble", ", deep ensemble, GP mean per member"
ARMS = [
    ("fine-tuned, shared split, network means", SHARED, FT + ENS),
    ("fine-tuned, shared split, GP mean per member", SHARED, FT + GPM),
    ("fine-tuned, rotated parts, network means", ROTATE, FT + ENS),
    ("fine-tuned, rotated parts, GP mean per member", ROTATE, FT + GPM),
    ("from scratch, shared split, network means", SHARED, SC + ENS),
    ("from scratch, shared split, GP mean per member", SHARED, SC + GPM),
    ("from scratch, rotated parts, network means", ROTATE, SC + ENS),
    ("from scratch, rotated parts, GP mean per member", ROTATE, SC + GPM),
    ("from scratch, learned element embeddings, network means", LEARNED, SC + ENS),
    ("from scratch, learned element embeddings, GP mean per member", LEARNED, SC + GPM),
    ("from scratch, learned element embeddings, single network", LEARNED, SC),
    ("from scratch (mat2vec), single network", SHARED, SC),
    ("fine-tuned, single network", SHARED, FT),
    ("Magpie random forest", SHARED, "Magpie + random forest"),
]
# for each arm, the arm it is paired with in the "same arm, shared split" column
PAIRED = {
    "fine-tuned, rotated parts, network means": "fine-tuned, shared split, network means",
    "fine-tuned, rotated parts, GP mean per member": "fine-tuned, shared split, GP mean per member",
    "from scratch, rotated parts, network means": "from scratch, shared split, network means",
    "from scratch, rotated parts, GP mean per member": "from scratch, shared split, GP mean per member",
    "from scratch, learned element embeddings, network means": "from scratch, shared split, network means",
    "from scratch, learned element embeddings, GP mean per member": "from scratch, shared split, GP mean per member",
    "from scratch, learned element embeddings, single network": "from scratch (mat2vec), single network",
}
# fine-tuned minus from scratch, same protocol and mean
VERSUS = [
    ("shared split, network means", ARMS[0][0], ARMS[4][0]),
    ("shared split, GP mean per member", ARMS[1][0], ARMS[5][0]),
    ("rotated parts, network means", ARMS[2][0], ARMS[6][0]),
    ("rotated parts, GP mean per member", ARMS[3][0], ARMS[7][0]),
    ("shared split, network means, against learned embeddings", ARMS[0][0], ARMS[8][0]),
    ("shared split, GP mean per member, against learned embeddings", ARMS[1][0], ARMS[9][0]),
    ("single networks, against learned embeddings", ARMS[12][0], ARMS[10][0]),
]


def table(v, seeds):
    rf = {s: x for s, x in v["Magpie random forest"].items() if s in seeds}
    print("| arm | folds | MAE | − forest | − the same with mat2vec and a shared split |")
    print("|---|---|---|---|---|")
    for label, _, _ in ARMS:
        x = {s: y for s, y in v[label].items() if s in seeds}
        if not x:
            print(f"| {label} | 0 | (not run) | | |")
            continue
        allv = [y for s in sorted(x) for y in x[s]]
        ref = PAIRED.get(label)
        same = diff(x, v[ref]) if ref and any(s in v[ref] for s in x) else ""
        print(f"| {label} | {len(allv)} | {msd(allv)} | {diff(x, rf) if label != 'Magpie random forest' else ''} | {same} |")
    print("\n| fine-tuned − from scratch | paired difference |")
    print("|---|---|")
    for label, a, b in VERSUS:
        x = {s: y for s, y in v[a].items() if s in seeds and s in v[b]}
        print(f"| {label} | {diff(x, v[b]) if x else '(not run)'} |")


def main():
    v = {label: load(p, key, SEEDS) for label, p, key in ARMS}
    print("All fold seeds run (0-4):\n")
    table(v, SEEDS)
    print("\nFold seeds 0-2 (the folds of rounds 4-6):\n")
    table(v, (0, 1, 2))
    print("\nFold seeds 3-4 (fresh in round 6):\n")
    table(v, (3, 4))


OWN = HERE / "own-seed{s}.json"
OWN_SHARED = HERE / "own-shared-seed{s}.json"
OWN_KEY = ", deep ensemble, GP mean per member (own rows)"


def product():
    """The product's GP mean per member (each member's GP on the rows it trained on, std
    recalibrated), on one shared split and with rotated parts, against the same ensembles'
    network means, with the calibration of both."""
    import json
    import statistics as st
    print("\nThe product's GP mean per member (--gp-mean gp with an ensemble):\n")
    print("| arm | folds | MAE | − the same ensemble, network means | NLL recal. | 1σ / 2σ | network means: NLL recal. | 1σ / 2σ |")
    print("|---|---|---|---|---|---|---|---|")
    for split, pattern in (("shared split", OWN_SHARED), ("rotated parts", OWN)):
        for arm in (FT, SC):
            gp = load(pattern, arm + OWN_KEY, SEEDS)
            net = load(pattern, arm + ENS, SEEDS)
            if not gp:
                continue
            allv = [y for s in sorted(gp) for y in gp[s]]
            short = arm.removesuffix(" + descriptors")
            cal = {"gp": [], "net": []}
            for s in sorted(gp):
                for f in json.loads(Path(str(pattern).format(s=s)).read_text())["folds"]:
                    c = f.get("calibration", {})
                    cal["gp"].append(c[f"{arm}: ensemble, GP mean per member (own rows), recalibrated"])
                    cal["net"].append(c[f"{arm}: ensemble, recalibrated on validation"])

            def fmt(c):
                return (f"{st.mean(x[0] for x in c):.2f}",
                        f"{100 * st.mean(x[1] for x in c):.0f} % / {100 * st.mean(x[2] for x in c):.0f} %")

            (n1, c1), (n2, c2) = fmt(cal["gp"]), fmt(cal["net"])
            print(f"| {short}, {split} | {len(allv)} | {msd(allv)} | {diff(gp, net)} | {n1} | {c1} | {n2} | {c2} |")


if __name__ == "__main__":
    main()
    product()
