"""Random Fe-based compositions for timing `crucible predict`: 3-10 alloying elements from the
steels' elements, Fe the balance, fractions written to 4 decimals.

    python3 make_candidates.py N OUT.csv
"""
import random
import sys

ELEMENTS = ["C", "Mn", "Si", "Cr", "Ni", "Mo", "V", "N", "Nb", "Co", "W", "Al", "Ti", "Cu", "B", "P", "S"]


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    rng = random.Random(0)
    with open(out, "w") as f:
        f.write("formula\n")
        for _ in range(n):
            els = rng.sample(ELEMENTS, rng.randint(3, 10))
            xs = [rng.uniform(0.0005, 0.05) for _ in els]
            fe = 1.0 - sum(xs)
            f.write("Fe%.4f" % fe + "".join("%s%.4f" % (e, x) for e, x in zip(els, xs)) + "\n")


if __name__ == "__main__":
    main()
