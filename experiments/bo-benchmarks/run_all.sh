#!/usr/bin/env bash
# Every BO benchmark of README.md, resumable: each step appends per seed to results/*.csv and
# skips seeds already there. Run from the repository root:
#   bash experiments/bo-benchmarks/run_all.sh            # crucible + BoTorch, analytic + pool + timing
# PY: a python with torch + botorch (see README, "BoTorch environment").
set -euo pipefail
PY=${PY:-/tmp/bo-venv/bin/python}
SEEDS=${SEEDS:-0-19}
POOL_SEEDS=${POOL_SEEDS:-0-49}
D=experiments/bo-benchmarks
R=$D/results
cargo build --example bo_bench
B=target/debug/examples/bo_bench
[ -f $R/initial_designs.csv ] || $B init --seeds 0-29 --out $R/initial_designs.csv

# crucible BO with the current defaults is labelled `bo-ls025` (length-scale prior median
# 0.25·√d, chosen by the ablation, ablation.sh); `bo` rows are the earlier default (0.75·√d:
# add `--ls-median 0.75`; its pool rows also predate the screened GP fits).
crucible_runs() {
  for p in branin hartmann6 mixture; do
    $B analytic --problem $p --method random --seeds $SEEDS --budget 100 \
      --init $R/initial_designs.csv --out $R/analytic_crucible.csv
    $B analytic --problem $p --method bo --label bo-ls025 --seeds $SEEDS --budget 100 \
      --init $R/initial_designs.csv --out $R/ablation_prior.csv
  done
  $B pool --method random --seeds $POOL_SEEDS --out $R/pool_steels.csv
  $B pool --method bo --label bo-ls025 --seeds 0-33 --out $R/pool_steels.csv
}
botorch_runs() {
  for p in branin hartmann6 mixture; do
    $PY $D/botorch_bench.py analytic --problem $p --seeds $SEEDS --budget 100 \
      --init $R/initial_designs.csv --out $R/analytic_botorch.csv
  done
}
# The two sides in parallel (one thread each), then the timings one after the other.
crucible_runs & botorch_runs & wait
# (timing.csv holds the measurement before the screened GP fits.)
$B timing --n 50,200,1000 --q 1,4 --reps 3 --out $R/timing_v2.csv
$PY $D/botorch_bench.py timing --n 50,200,1000 --q 1,4 --reps 3 --out $R/timing_v2.csv
