#!/usr/bin/env python3
"""Evaluations until the top-1% / top-5% steels are found, per arm, from results/<arm>-<seed>.csv
(the shortlist of each run: candidate_id is the evaluation order, pool_index the steel)."""
import csv, math, statistics, sys
from pathlib import Path

here = Path(__file__).resolve().parent
pool = list(csv.DictReader(open(here / "../../data/matbench/steels_yield.csv")))
y = [float(r["target"]) for r in pool]
order = sorted(range(len(y)), key=lambda i: -y[i])

def top(frac):
    k = math.ceil(frac * len(y))
    cut = y[order[k - 1]]
    return {i for i in range(len(y)) if y[i] >= cut}

tops = {"top-1%": top(0.01), "top-5%": top(0.05)}
arms = ["random", "fractions", "embedding", "finetuned"]
rows = []
for arm in arms:
    found = {}
    for f in sorted((here / "results").glob(f"{arm}-*.csv")):
        seed = int(f.stem.split("-")[1])
        when = {int(r["pool_index"]): int(r["candidate_id"]) + 1 for r in csv.DictReader(open(f))}
        budget = len(when)
        res = {}
        for name, s in tops.items():
            hits = [when[i] for i in s if i in when]
            res[f"first {name}"] = min(hits) if hits else None
            res[f"all {name}"] = max(hits) if len(hits) == len(s) else None
        found[seed] = (res, budget)
    rows.append((arm, found))

common = set.intersection(*[set(f) for _, f in rows if f]) if all(f for _, f in rows) else set()
print(f"top-1%: {len(tops['top-1%'])} steels, top-5%: {len(tops['top-5%'])}; seeds common to all arms: {sorted(common)}")
cols = ["first top-1%", "all top-1%", "first top-5%", "all top-5%"]
print("| arm | seeds | " + " | ".join(cols) + " |")
print("|---" * (len(cols) + 2) + "|")
for arm, found in rows:
    seeds = sorted(common) if common else sorted(found)
    cells = []
    for c in cols:
        v = [found[s][0][c] for s in seeds]
        done = [x for x in v if x is not None]
        cell = f"{statistics.mean(done):.1f} ± {statistics.stdev(done):.1f}" if len(done) > 1 else "–"
        if len(done) < len(v):
            cell += f" ({len(v) - len(done)} not within {found[seeds[0]][1]})"
        cells.append(cell)
    print(f"| {arm} | {len(seeds)} | " + " | ".join(cells) + " |")

# Paired: seeds on which each surrogate arm needed fewer / as many / more evaluations than
# the GP on fractions (same seed, same initial design).
base = dict(rows)["fractions"]
for arm, found in rows:
    if arm == "fractions" or not common:
        continue
    cells = []
    for c in cols:
        w = t = l = 0
        for s in sorted(common):
            a, b = found[s][0][c], base[s][0][c]
            a = math.inf if a is None else a
            b = math.inf if b is None else b
            w, t, l = w + (a < b), t + (a == b), l + (a > b)
        cells.append(f"{w}/{t}/{l}")
    print(f"{arm} vs fractions (fewer/same/more evaluations), {' | '.join(f'{c}: {x}' for c, x in zip(cols, cells))}")
