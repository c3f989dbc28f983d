#!/usr/bin/env bash
# Retrospective steels-pool campaigns through `crucible run`, three arms per seed, same seed
# (hence the same initial design) for all arms; each run's shortlist CSV goes to results/.
# Usage: bash experiments/pool-surrogate/run.sh [SEEDS...]   (default 0-9); resumable: a
# seed/arm whose CSV exists is skipped. Then: python3 experiments/pool-surrogate/summarise.py
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
# CRUCIBLE: the binary to run (default: the dev build); copy it aside first if the tree is
# being rebuilt while this runs.
bin="${CRUCIBLE:-$here/../../target/debug/crucible}"
seeds=("$@")
[ ${#seeds[@]} -gt 0 ] || seeds=(0 1 2 3 4 5 6 7 8 9)
mkdir -p results runs
for seed in "${seeds[@]}"; do
  for arm in ${ARMS:-random fractions embedding finetuned}; do
    out="results/$arm-$seed.csv"
    [ -f "$out" ] && continue
    # runs/ is one folder down: paths in the config gain one "../".
    sed -e "s/^seed: 0$/seed: $seed/" -e "s#\.\./\.\./#../../../#g" "$arm.yaml" > "runs/$arm-$seed.yaml"
    rm -rf "runs/$arm-$seed"
    start=$(date +%s.%N)
    "$bin" run "runs/$arm-$seed.yaml" --out "runs/$arm-$seed" > "runs/$arm-$seed.log" 2>&1
    end=$(date +%s.%N)
    "$bin" rank "runs/$arm-$seed" --top 1000 --out "$out.tmp" > /dev/null
    mv "$out.tmp" "$out"
    echo "$arm seed $seed: $(echo "$end - $start" | bc) s" | tee -a results/timing.txt
  done
done
