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

crucible_runs() {
  for p in branin hartmann6 mixture; do
    for m in random bo; do
      $B analytic --problem $p --method $m --seeds $SEEDS --budget 100 \
        --init $R/initial_designs.csv --out $R/analytic_crucible.csv
    done
  done
  for m in random bo; do
    $B pool --method $m --seeds $POOL_SEEDS --out $R/pool_steels.csv
  done
}
botorch_runs() {
  for p in branin hartmann6 mixture; do
    $PY $D/botorch_bench.py analytic --problem $p --seeds $SEEDS --budget 100 \
      --init $R/initial_designs.csv --out $R/analytic_botorch.csv
  done
}
# The two sides in parallel (one thread each), then the timings one after the other.
crucible_runs & botorch_runs & wait
$B timing --n 50,200,1000 --q 1,4 --reps 3 --out $R/timing.csv
$PY $D/botorch_bench.py timing --n 50,200,1000 --q 1,4 --reps 3 --out $R/timing.csv
