#!/usr/bin/env bash
# Length-scale prior ablation (README, "Ablation"): crucible BO on the three analytic problems
# with other length-scale priors, same seeds and initial designs as the main comparison.
# Usage (repository root): bash experiments/bo-benchmarks/ablation.sh LABEL MEDIAN LOG_SD [PROBLEMS]
#   e.g. ablation.sh ls2 2.0 1.25 "hartmann6 branin mixture"
# B: the bo_bench binary (default target/debug/examples/bo_bench).
set -euo pipefail
LABEL=$1; MEDIAN=$2; SD=$3; PROBLEMS=${4:-"hartmann6 branin mixture"}
SEEDS=${SEEDS:-0-19}
R=experiments/bo-benchmarks/results
B=${B:-target/debug/examples/bo_bench}
for p in $PROBLEMS; do
  $B analytic --problem $p --method bo --label "bo-$LABEL" --ls-median "$MEDIAN" --ls-sd "$SD" \
    --seeds $SEEDS --budget 100 --init $R/initial_designs.csv --out $R/ablation_prior.csv
done
