#!/usr/bin/env python3
"""BoTorch side of the BO benchmarks (README.md in this folder). Needs torch + botorch in a
throw-away virtual environment (see the README); nothing here is imported by crucible.

    python botorch_bench.py analytic --problem branin|hartmann6|mixture --seeds 0-19 \
        --budget 100 --init results/initial_designs.csv --out results/analytic_botorch.csv
    python botorch_bench.py timing --n 50,200,1000 --q 1,4 --reps 3 --out results/timing.csv

Standard BoTorch usage: SingleTaskGP with its defaults (botorch 0.18: RBF kernel with the
dimension-scaled log-normal length-scale prior, Standardize on the outcome) plus Normalize on the
inputs, fitted with fit_gpytorch_mll; LogExpectedImprovement (q = 1) or qLogExpectedImprovement
(q > 1, joint optimisation); optimize_acqf with num_restarts=10, raw_samples=512. Mixture problem:
the sum-to-one rule as an equality constraint, and cardinality 3 by enumerating the 10 supports of
3 out of 5 components: 512 raw samples spread over the supports, 10 restarts each refined within
its support (the other two components fixed at 0; see next_points). One thread (torch.set_num_threads(1)). Results are appended per seed; seeds
already in the output file are skipped.
"""
import argparse
import csv
import itertools
import math
import os
import sys
import time
import warnings

import numpy as np
import torch

torch.set_num_threads(1)
torch.set_default_dtype(torch.float64)

from botorch.acquisition import LogExpectedImprovement, qLogExpectedImprovement  # noqa: E402
from botorch.fit import fit_gpytorch_mll  # noqa: E402
from botorch.models import SingleTaskGP  # noqa: E402
from botorch.models.transforms import Normalize  # noqa: E402
from botorch.optim import optimize_acqf  # noqa: E402
from botorch.optim.initializers import initialize_q_batch  # noqa: E402
from gpytorch.mlls import ExactMarginalLogLikelihood  # noqa: E402

warnings.filterwarnings("ignore")

CHECKPOINTS = [10, 15, 20, 25, 30, 40, 50, 60, 70, 80, 90, 100]
MIXTURE_PEAKS_5_MAX = 1.000_011_969_231  # src/oracle/functions.rs


def branin(x):
    x1, x2 = x[0], x[1]
    b, c, t = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1 ** 2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


ALPHA = np.array([1.0, 1.2, 3.0, 3.2])
A = np.array([[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8],
              [17, 8, 0.05, 10, 0.1, 14]])
P = np.array([[0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886],
              [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
              [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650],
              [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381]])


def hartmann6(x):
    x = np.asarray(x)
    return -float(np.sum(ALPHA * np.exp(-np.sum(A * (x - P) ** 2, axis=1))))


def mixture_peaks5(x):
    d, w2 = 5, 2 * 0.15 ** 2
    total = 0.0
    for k, h in enumerate([1.0, 0.8, 0.6]):
        c = np.zeros(d)
        for off, w in enumerate([0.6, 0.3, 0.1]):
            c[(k + off) % d] += w
        total += h * math.exp(-float(np.sum((c - np.asarray(x)) ** 2)) / w2)
    return total


# name: (function, dimension, bounds, minimise, optimum)
PROBLEMS = {
    "branin": (branin, 2, [(-5.0, 10.0), (0.0, 15.0)], True, 0.397887357729738),
    "hartmann6": (hartmann6, 6, [(0.0, 1.0)] * 6, True, -3.322368011415515),
    "mixture": (mixture_peaks5, 5, [(0.0, 1.0)] * 5, False, MIXTURE_PEAKS_5_MAX),
}


def seeds(text):
    if "-" in text:
        a, b = text.split("-")
        return list(range(int(a), int(b) + 1))
    return [int(s) for s in text.split(",")]


def done_keys(path, ncols):
    if not os.path.exists(path):
        return set()
    with open(path) as f:
        return {",".join(line.strip().split(",")[:ncols]) for line in list(f)[1:] if line.strip()}


def append(path, header, lines):
    new = not os.path.exists(path)
    with open(path, "a") as f:
        if new:
            f.write(header + "\n")
        f.write("\n".join(lines) + "\n")
        f.flush()
        os.fsync(f.fileno())


def read_initial(path, problem, seed, d):
    rows = []
    with open(path) as f:
        for r in csv.DictReader(f):
            if r["problem"] == problem and int(r["seed"]) == seed:
                rows.append((int(r["index"]), [float(r[f"x{j}"]) for j in range(d)]))
    if not rows:
        sys.exit(f"no initial design for {problem} seed {seed} in {path}")
    return [x for _, x in sorted(rows)]


def fit_model(X, Y, bounds):
    model = SingleTaskGP(X, Y, input_transform=Normalize(d=X.shape[-1], bounds=bounds))
    fit_gpytorch_mll(ExactMarginalLogLikelihood(model.likelihood, model))
    return model


def next_points(model, Y, bounds, q, mixture):
    """One acquisition maximisation; Y is in maximise form."""
    if q == 1:
        acq = LogExpectedImprovement(model, best_f=Y.max())
    else:
        acq = qLogExpectedImprovement(model, best_f=Y.max())
    if not mixture:
        x, _ = optimize_acqf(acq, bounds=bounds, q=q, num_restarts=10, raw_samples=512)
        return x
    # Cardinality 3 of 5: raw samples uniform over the 10 supports (Dirichlet(1,1,1) on each),
    # the 10 restart points chosen from them as optimize_acqf does (initialize_q_batch), then
    # each restart refined by optimize_acqf within its own support (the other two components
    # fixed at 0) under the sum-to-one equality constraint; the best result is kept.
    # (optimize_acqf_mixed over the 10 supports with its own initialiser spends ~90% of its
    # time in hit-and-run polytope sampling: ~9 s per iteration against ~1 s here.)
    d = bounds.shape[-1]
    eq = [(torch.arange(d), torch.ones(d), 1.0)]
    supports = list(itertools.combinations(range(d), 3))
    pick = torch.randint(len(supports), (512,))
    w = torch.distributions.Dirichlet(torch.ones(3)).sample((512,))
    raw = torch.zeros(512, d)
    for i in range(512):
        raw[i, list(supports[pick[i]])] = w[i]
    with torch.no_grad():
        vals = acq(raw.unsqueeze(1))
    starts, _ = initialize_q_batch(raw.unsqueeze(1), vals, n=10)
    best_x, best_v = None, -math.inf
    for s in {tuple(int(j) for j in torch.nonzero(x[0] > 0).flatten()) for x in starts}:
        ic = torch.stack([x for x in starts if tuple(int(j) for j in torch.nonzero(x[0] > 0).flatten()) == s])
        fixed = {j: 0.0 for j in range(d) if j not in s}
        x, v = optimize_acqf(acq, bounds=bounds, q=q, num_restarts=len(ic), batch_initial_conditions=ic,
                             fixed_features=fixed, equality_constraints=eq)
        if float(v) > best_v:
            best_x, best_v = x, float(v)
    x = best_x
    # Numerical clean-up: fractions in [0, 1] summing to one.
    x = x.clamp(0.0, 1.0)
    return x / x.sum(dim=-1, keepdim=True)


def analytic(args):
    f, d, b, minimise, optimum = PROBLEMS[args.problem]
    bounds = torch.tensor(b).T
    mixture = args.problem == "mixture"
    sign = -1.0 if minimise else 1.0
    header = "problem,method,seed,evals,regret,wall_s"
    done = done_keys(args.out, 3)
    for seed in seeds(args.seeds):
        key = f"{args.problem},botorch,{seed}"
        if key in done or key in done_keys(args.out, 3):  # another process may have run it
            print(f"{key}: done already, skipped", file=sys.stderr)
            continue
        torch.manual_seed(seed)
        t0 = time.time()
        xs = read_initial(args.init, args.problem, seed, d)
        values = [f(x) for x in xs]
        X = torch.tensor(xs)
        while len(values) < args.budget:
            Y = sign * torch.tensor(values).unsqueeze(-1)
            model = fit_model(X, Y, bounds)
            x = next_points(model, Y, bounds, 1, mixture)
            X = torch.cat([X, x])
            values.append(f(x[0].tolist()))
        wall = time.time() - t0
        lines, best = [], (math.inf if minimise else -math.inf)
        for i, v in enumerate(values):
            best = min(best, v) if minimise else max(best, v)
            if i + 1 in CHECKPOINTS:
                regret = best - optimum if minimise else optimum - best
                lines.append(f"{key},{i + 1},{regret:.6e},{wall:.2f}")
        append(args.out, header, lines)
        print(f"{lines[-1]} ({wall:.1f} s)", file=sys.stderr)


def timing(args):
    f, d, b, _, _ = PROBLEMS["hartmann6"]
    bounds = torch.tensor(b).T
    header = "impl,n,q,rep,seconds,cpu_s"
    done = done_keys(args.out, 4)
    # Warm-up (first-call overheads), not timed.
    rng = np.random.default_rng(0)
    X = torch.tensor(rng.random((20, d)))
    Y = -torch.tensor([hartmann6(x) for x in X.numpy()]).unsqueeze(-1)
    for q in (1, 4):
        next_points(fit_model(X, Y, bounds), Y, bounds, q, False)
    for n in [int(v) for v in args.n.split(",")]:
        for q in [int(v) for v in args.q.split(",")]:
            for rep in range(args.reps):
                key = f"botorch,{n},{q},{rep}"
                if key in done:
                    continue
                rng = np.random.default_rng(1000 * n + rep)
                X = torch.tensor(rng.random((n, d)))
                Y = -torch.tensor([hartmann6(x) for x in X.numpy()]).unsqueeze(-1)
                torch.manual_seed(rep)
                t0, c0 = time.time(), time.process_time()
                model = fit_model(X, Y, bounds)
                x = next_points(model, Y, bounds, q, False)
                secs, cpu = time.time() - t0, time.process_time() - c0
                assert x.shape == (q, d)
                print(f"n = {n:5}  q = {q}  rep {rep}: {secs:.3f} s wall, {cpu:.3f} s CPU", file=sys.stderr)
                append(args.out, header, [f"{key},{secs:.4f},{cpu:.4f}"])


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("analytic")
    a.add_argument("--problem", required=True, choices=sorted(PROBLEMS))
    a.add_argument("--seeds", default="0-19")
    a.add_argument("--budget", type=int, default=100)
    a.add_argument("--init", required=True)
    a.add_argument("--out", required=True)
    t = sub.add_parser("timing")
    t.add_argument("--n", default="50,200,1000")
    t.add_argument("--q", default="1,4")
    t.add_argument("--reps", type=int, default=3)
    t.add_argument("--out", required=True)
    args = p.parse_args()
    analytic(args) if args.cmd == "analytic" else timing(args)


if __name__ == "__main__":
    main()
