"""The Python side of experiments/evo-benchmarks: pymoo's NSGA-II and the `cma` package on
the same problems, population sizes, generations and number of seeds as examples/evo_bench.rs.

    python pymoo_bench.py [nsga2|cmaes|all] [SEEDS]

Prints the same CSV as the Rust side: side,algorithm,problem,seed,evaluations,metric,value,wall_s,cpu_s
"""
import sys
import time

import numpy as np


def nsga2(problem, seed):
    from pymoo.algorithms.moo.nsga2 import NSGA2
    from pymoo.indicators.hv import HV
    from pymoo.optimize import minimize
    from pymoo.problems import get_problem

    if problem == "dtlz2":
        p = get_problem("dtlz2", n_var=12, n_obj=3)
    else:
        p = get_problem(problem, n_var=30)
    # pymoo's defaults: SBX (eta 15, prob 0.9), polynomial mutation (eta 20, 1/n per
    # variable), binary tournament on rank and crowding, duplicates eliminated.
    algorithm = NSGA2(pop_size=100)
    start, cpu = time.perf_counter(), time.process_time()
    res = minimize(p, algorithm, ("n_gen", 200), seed=seed, verbose=False)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    hv = HV(ref_point=np.full(p.n_obj, 1.1))(res.F)
    return res.algorithm.evaluator.n_eval, hv, wall, cpu


def sphere(x):
    return float(np.sum(x * x))


def rosenbrock(x):
    return float(np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2))


def cmaes(problem, seed):
    import cma

    f = sphere if problem == "sphere" else rosenbrock
    x0 = np.random.default_rng(seed).uniform(-5.0, 5.0, 10)
    state = {"n": 0, "hit": None}

    def objective(x):
        state["n"] += 1
        v = f(np.asarray(x))
        if state["hit"] is None and v <= 1e-8:
            state["hit"] = state["n"]
        return v

    # Same start rule as crucible: one uniform point in [-5, 5]^10, sigma0 = 0.3 of the range,
    # default population, the same box, IPOP restarts (population doubled) up to 9 times.
    options = {"seed": seed + 1, "bounds": [-5.0, 5.0], "ftarget": 1e-8, "maxfevals": 100_000, "verbose": -9}
    start, cpu = time.perf_counter(), time.process_time()
    cma.fmin2(objective, x0, 3.0, options, restarts=9, incpopsize=2)
    return state["n"], state["hit"], time.perf_counter() - start, time.process_time() - cpu


def main():
    which = sys.argv[1] if len(sys.argv) > 1 else "all"
    seeds = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    print("side,algorithm,problem,seed,evaluations,metric,value,wall_s,cpu_s")
    if which in ("nsga2", "all"):
        for problem in ["zdt1", "zdt2", "zdt3", "dtlz2"]:
            for seed in range(seeds):
                evals, hv, wall, cpu = nsga2(problem, seed)
                print(f"pymoo,nsga2,{problem},{seed},{evals},hv,{hv:.6f},{wall:.4f},{cpu:.4f}", flush=True)
    if which in ("cmaes", "all"):
        for problem in ["sphere", "rosenbrock"]:
            for seed in range(seeds):
                evals, hit, wall, cpu = cmaes(problem, seed)
                v = "" if hit is None else str(hit)
                print(f"cma,cmaes,{problem},{seed},{evals},evals_to_1e-8,{v},{wall:.4f},{cpu:.4f}", flush=True)


if __name__ == "__main__":
    main()
