"""Draw the small training sets of the transfer study: 300 rows with distinct formulas from
each larger Matbench set in data/matbench, with a fixed seed, so the study is reproducible.

    python3 experiments/transfer-small-data/make_data.py
"""
import csv
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent / "data"
SETS = ["perovskites_castelli", "log_kvrh", "log_gvrh"]
N, SEED = 300, 0


def main():
    OUT.mkdir(exist_ok=True)
    for name in SETS:
        with open(ROOT / "data" / "matbench" / f"{name}.csv", newline="") as f:
            rows = list(csv.DictReader(f))
        seen, unique = set(), []
        for r in rows:  # first occurrence of each formula: no composition in two folds
            if r["formula"] not in seen:
                seen.add(r["formula"])
                unique.append(r)
        pick = random.Random(SEED).sample(unique, N)
        with open(OUT / f"{name}-{N}.csv", "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["formula", "target"])
            w.writerows([r["formula"], r["target"]] for r in pick)
        print(f"{name}: {len(rows)} rows, {len(unique)} distinct formulas -> {N}")


if __name__ == "__main__":
    main()
