"""Synthetic alloy-like compositions for descriptor pretraining (no measured labels).

Half are dilute alloys: a base metal with 1-12 solutes whose fractions are drawn
log-uniformly between 1e-4 and 1 before scaling, the way steels, superalloys and light alloys
are written; half are concentrated alloys: 2-6 metals with Dirichlet fractions. The labels are
Magpie descriptors computed by `crucible featurize` from the element tables, so nothing here
comes from a measurement.

    python3 experiments/pretrain-base/synthetic-alloys/make_compositions.py OUT.csv [N] [SEED]
"""
import random
import sys

BASES = {"Fe": 0.35, "Ni": 0.15, "Co": 0.1, "Ti": 0.1, "Al": 0.1, "Cu": 0.1, "Zr": 0.05, "Mg": 0.05}
SOLUTES = ("C N B Si P S Mn Cr Ni Mo V Nb Co W Al Ti Cu Zr Hf Ta Re Y La Ce Mg Zn Sn Fe").split()
METALS = ("Fe Ni Co Cr Mn Ti Al Cu Zr Nb Mo V W Ta Hf Mg Zn Sn Pd Ag Y La Ce Si B").split()


def dilute(rng):
    base = rng.choices(list(BASES), weights=list(BASES.values()))[0]
    solutes = rng.sample([e for e in SOLUTES if e != base], rng.randint(1, 12))
    raw = [10 ** rng.uniform(-4, 0) for _ in solutes]
    rest = 1 - rng.uniform(0.5, 0.95)
    fr = [rest * r / sum(raw) for r in raw]
    return [(base, 1 - rest)] + list(zip(solutes, fr))


def concentrated(rng):
    els = rng.sample(METALS, rng.randint(2, 6))
    w = [rng.gammavariate(1.0, 1.0) for _ in els]
    return [(e, x / sum(w)) for e, x in zip(els, w)]


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 40000
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 0)
    seen = set()
    with open(out, "w") as f:
        f.write("formula\n")
        while len(seen) < n:
            comp = dilute(rng) if rng.random() < 0.5 else concentrated(rng)
            formula = "".join(f"{e}{x:.8f}".rstrip("0") for e, x in comp if x >= 1e-6)
            if formula not in seen:
                seen.add(formula)
                f.write(formula + "\n")


if __name__ == "__main__":
    main()
