"""Summary tables of experiments/evo-benchmarks from the two CSV files run.sh writes."""
import csv
import statistics as st
import sys
from collections import defaultdict


def load(paths):
    rows = defaultdict(list)
    for p in paths:
        with open(p) as f:
            for r in csv.DictReader(f):
                rows[(r["algorithm"], r["problem"], r["side"])].append(r)
    return rows


def main():
    rows = load(sys.argv[1:])
    print("| problem | crucible HV (mean ± sd) | pymoo HV (mean ± sd) | crucible wall / CPU (median) | pymoo wall / CPU (median) | ratio wall / CPU |")
    print("| --- | --- | --- | --- | --- | --- |")
    for prob in ["zdt1", "zdt2", "zdt3", "dtlz2"]:
        c, p = rows.get(("nsga2", prob, "crucible"), []), rows.get(("nsga2", prob, "pymoo"), [])
        if not c or not p:
            continue
        hv = lambda rs: [float(r["value"]) for r in rs]
        wall = lambda rs: st.median(float(r["wall_s"]) for r in rs)
        cpu = lambda rs: st.median(float(r["cpu_s"]) for r in rs)
        sd = lambda v: st.stdev(v) if len(v) > 1 else 0.0
        print(
            f"| {prob} ({len(c)}/{len(p)} seeds) | {st.mean(hv(c)):.4f} ± {sd(hv(c)):.4f} | "
            f"{st.mean(hv(p)):.4f} ± {sd(hv(p)):.4f} | {wall(c):.3f} / {cpu(c):.3f} s | "
            f"{wall(p):.3f} / {cpu(p):.3f} s | {wall(c) / wall(p):.2f} / {cpu(c) / cpu(p):.2f} |"
        )
    print()
    print("| problem | crucible evals to 1e-8 (median [min, max], reached) | cma evals to 1e-8 (median [min, max], reached) | crucible wall / CPU (median) | cma wall / CPU (median) |")
    print("| --- | --- | --- | --- | --- |")
    for prob in ["sphere", "rosenbrock"]:
        c, p = rows.get(("cmaes", prob, "crucible"), []), rows.get(("cmaes", prob, "cma"), [])
        if not c or not p:
            continue

        def desc(rs):
            hits = [int(r["value"]) for r in rs if r["value"]]
            if not hits:
                return f"never (0/{len(rs)})"
            return f"{st.median(hits):.0f} [{min(hits)}, {max(hits)}] ({len(hits)}/{len(rs)})"

        wall = lambda rs: st.median(float(r["wall_s"]) for r in rs)
        cpu = lambda rs: st.median(float(r["cpu_s"]) for r in rs)
        print(f"| {prob} 10-D | {desc(c)} | {desc(p)} | {wall(c):.3f} / {cpu(c):.3f} s | {wall(p):.3f} / {cpu(p):.3f} s |")


if __name__ == "__main__":
    main()
