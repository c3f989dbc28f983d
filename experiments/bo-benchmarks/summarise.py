#!/usr/bin/env python3
"""Markdown tables from results/*.csv (standard library only):
    python3 experiments/bo-benchmarks/summarise.py
"""
import csv
import os
import statistics as st
from collections import defaultdict

R = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
# crucible's current default BO (length-scale prior median 0.25·√d, from the ablation); "bo" is
# the earlier default (0.75·√d), kept for comparison.
CURRENT = "bo-ls025"


def rows(name):
    path = os.path.join(R, name)
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return list(csv.DictReader(f))


def ms(v, fmt="{:.3g}"):
    if not v:
        return "not yet run"
    sd = st.stdev(v) if len(v) > 1 else 0.0
    return f"{fmt.format(st.mean(v))} ± {fmt.format(sd)}"


def analytic_rows():
    """Rows of both files, the first one per (problem, method, seed, evals)."""
    out = {}
    current = [r for r in rows("ablation_prior.csv") if r["method"] == CURRENT]
    for r in rows("analytic_crucible.csv") + rows("analytic_botorch.csv") + current:
        out.setdefault((r["problem"], r["method"], r["seed"], r["evals"]), r)
    return list(out.values())


def analytic():
    data = defaultdict(list)  # (problem, method, evals) -> regrets
    seeds = defaultdict(set)
    for r in analytic_rows():
        method = {CURRENT: "crucible BO", "bo": "crucible BO, earlier default", "random": "random search",
                  "botorch": "BoTorch"}[r["method"]]
        data[(r["problem"], method, int(r["evals"]))].append(float(r["regret"]))
        seeds[(r["problem"], method)].add(int(r["seed"]))
    print("| problem | method | seeds | regret @ 25 | regret @ 50 | regret @ 100 | median @ 25 / 50 / 100 |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for p in ["branin", "hartmann6", "mixture"]:
        for m in ["random search", "crucible BO", "crucible BO, earlier default", "BoTorch"]:
            cells = [ms(data[(p, m, e)]) for e in (25, 50, 100)]
            med = " / ".join(f"{st.median(data[(p, m, e)]):.2g}" if data[(p, m, e)] else "–" for e in (25, 50, 100))
            print(f"| {p} | {m} | {len(seeds[(p, m)])} | {' | '.join(cells)} | {med} |")
    # Per-seed wins (same seeds, same initial designs).
    print()
    print("| problem | evals | crucible BO better / tied / worse than BoTorch (same seeds) | earlier default |")
    print("| --- | --- | --- | --- |")
    per = {}
    for r in analytic_rows():
        per[(r["problem"], r["method"], int(r["seed"]), int(r["evals"]))] = float(r["regret"])
    for p in ["branin", "hartmann6", "mixture"]:
        for e in (25, 50, 100):
            cells = []
            for method in (CURRENT, "bo"):
                w = t = l = 0
                for (pp, m, s, ee), v in per.items():
                    if pp == p and m == method and ee == e and (p, "botorch", s, e) in per:
                        b = per[(p, "botorch", s, e)]
                        if abs(v - b) <= 1e-3 * max(abs(v), abs(b), 1e-12) or (v < 1e-6 and b < 1e-6):
                            t += 1
                        elif v < b:
                            w += 1
                        else:
                            l += 1
                cells.append(f"{w} / {t} / {l}")
            print(f"| {p} | {e} | {' | '.join(cells)} |")


def ablation():
    """Every crucible BO variant of ablation_*.csv (and the earlier default `bo`) against BoTorch."""
    per = {}
    for r in analytic_rows() + rows("ablation_prior.csv") + rows("ablation_hartmann50.csv"):
        per.setdefault((r["problem"], r["method"], int(r["seed"]), int(r["evals"])), float(r["regret"]))
    methods = sorted({m for (_, m, _, _) in per if m.startswith(("bo", "h-")) and m != "botorch"})
    print("| problem | variant | seeds | mean regret @ 25 / 50 / 100 | median @ 25 / 50 / 100 "
          "| better / worse than BoTorch @ 25 / 50 / 100 |")
    print("| --- | --- | --- | --- | --- | --- |")
    for p in ["branin", "hartmann6", "mixture"]:
        for m in methods + ["botorch"]:
            seeds = sorted({s for (pp, mm, s, e) in per if pp == p and mm == m and e == 50})
            if not seeds:
                continue
            means, meds, wins = [], [], []
            for e in (25, 50, 100):
                if any((p, m, s, e) not in per for s in seeds):
                    means.append("–")
                    meds.append("–")
                    wins.append("–")
                    continue
                v = [per[(p, m, s, e)] for s in seeds]
                means.append(f"{st.mean(v):.3g}")
                meds.append(f"{st.median(v):.2g}")
                w = l = 0
                for s in seeds:
                    b = per.get((p, "botorch", s, e))
                    if b is None or m == "botorch":
                        continue
                    a = per[(p, m, s, e)]
                    if abs(a - b) <= 1e-3 * max(abs(a), abs(b), 1e-12) or (a < 1e-6 and b < 1e-6):
                        continue
                    w, l = (w + 1, l) if a < b else (w, l + 1)
                wins.append(f"{w}/{l}")
            print(f"| {p} | {m} | {len(seeds)} | {' / '.join(means)} | {' / '.join(meds)} | {'  '.join(wins)} |")


def pool():
    data = defaultdict(lambda: defaultdict(list))
    got = rows("pool_steels.csv")
    methods = [("random", "random search"), (CURRENT, "GP on fractions (crucible BO)"),
               ("bo", "GP on fractions, earlier default"), ("bo-embed", "GP on the pretrained embedding, earlier default")]
    common = set.intersection(*[{r["seed"] for r in got if r["method"] == m} for m, _ in methods
                                if any(r["method"] == m for r in got)])
    for r in got:
        if r["seed"] not in common:
            continue  # same seeds for both methods
        for k in ("first_top1", "all_top1", "first_top5", "all_top5"):
            data[r["method"]][k].append(float(r[k]))
    print("| method | seeds | first top-1% | all top-1% | first top-5% | all top-5% |")
    print("| --- | --- | --- | --- | --- | --- |")
    for m, name in methods:
        d = data[m]
        n = len(d["all_top5"])
        cells = [ms(d[k], "{:.1f}") for k in ("first_top1", "all_top1", "first_top5", "all_top5")]
        print(f"| {name} | {n} | {' | '.join(cells)} |")
    print("| fine-tuned surrogate (re-trained during the run) | 10 | see `experiments/pool-surrogate` "
          "(campaigns, q = 5) | | | |")


def cpu_and_wall(name):
    """CPU and wall seconds per (impl, n, q) from a timing CSV."""
    cpu, wall = defaultdict(list), defaultdict(list)
    for r in rows(name):
        k = (r["impl"], int(r["n"]), int(r["q"]))
        cpu[k].append(float(r["cpu_s"]))
        wall[k].append(float(r["seconds"]))
    return cpu, wall


def ratio(a, b):
    """Median of `a` over median of `b`, or a dash when either was not run."""
    return f"{st.median(a) / st.median(b):.2f}" if a and b else "–"


def wall_medians(wall):
    """The wall-clock medians of every configuration that was run, on one line."""
    return "; ".join(
        f"{i} n={n} q={q}: {st.median(wall[(i, n, q)]):.2f} s"
        for i in ("crucible", "botorch") for n in (50, 200, 1000) for q in (1, 4) if wall[(i, n, q)])


def timing_v2():
    """After the screened fits (timing_v2.csv: both sides run back to back)."""
    cpu, wall = cpu_and_wall("timing_v2.csv")
    old, _ = cpu_and_wall("timing.csv")
    med = lambda d, k: f"{st.median(d[k]):.3g} s" if d[k] else "not yet run"
    print("| observations | q | crucible | BoTorch | crucible / BoTorch | crucible / first study's BoTorch "
          "| first study: crucible / BoTorch |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for n in (50, 200, 1000):
        for q in (1, 4):
            c, b = ("crucible", n, q), ("botorch", n, q)
            print(f"| {n} | {q} | {med(cpu, c)} | {med(cpu, b)} | {ratio(cpu[c], cpu[b])} "
                  f"| {ratio(cpu[c], old[b])} | {ratio(old[c], old[b])} |")
    print("\nCPU seconds, median over the repetitions. Wall-clock medians: " + wall_medians(wall))


def timing():
    cpu, wall = cpu_and_wall("timing.csv")
    med = lambda k: f"{st.median(cpu[k]):.3g} s" if cpu[k] else "not yet run"
    print("| observations | q | crucible | BoTorch | crucible / BoTorch "
          "| crucible before the `inverse` change (dev / opt-level 3) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for n in (50, 200, 1000):
        for q in (1, 4):
            c, b = ("crucible", n, q), ("botorch", n, q)
            before = f"{med(('crucible-before', n, q))} / {med(('crucible-opt3-before', n, q))}"
            print(f"| {n} | {q} | {med(c)} | {med(b)} | {ratio(cpu[c], cpu[b])} | {before} |")
    print("\nCPU seconds, median over the repetitions. Wall-clock medians (shared machine, inflated ")
    print("by other processes): " + wall_medians(wall))


if __name__ == "__main__":
    import sys
    if "--ablation" in sys.argv:
        ablation()
        sys.exit()
    print("## Analytic\n")
    analytic()
    print("\n## Pool\n")
    pool()
    print("\n## Timing (current)\n")
    timing_v2()
    print("\n## Timing (before the screened fits)\n")
    timing()
