#!/usr/bin/env bash
# Learning curve: does pretraining help more when there are fewer rows to fine-tune on?
# Fine-tuned from surrogates/base and from scratch, single networks and ensembles of 5 (one
# shared split, network means), at the product's defaults (lr 3e-3, weight decay 1e-4), on a
# seeded draw of N rows of each fold's training part (--train-size N); the test folds are those
# of the full-size runs. Fold seeds 0-2.
#   steels_yield: N = 50, 100, 150  (full size, ~250: experiments/finetune-settings results/
#                 steels-ensembles-lr3e-3-wd1e-4-seed*.json)
#   log_kvrh-300: N = 50, 100       (full size, 240: log_kvrh-ensembles-lr3e-3-wd1e-4-seed*.json)
# From the repository root:
#   bash experiments/finetune-steels/curve/run.sh      -> curve/results/<set>-n<N>-seed<s>.json
# Two runs at a time, one libtorch thread each; a result that exists is not rerun.
set -euo pipefail
cargo build --example finetune_cv
BIN=${FINETUNE_CV:-target/debug/examples/finetune_cv}
O=experiments/finetune-steels/curve/results
mkdir -p "$O"
jobs() {
  for s in 0 1 2; do
    for n in 50 100 150; do echo "data/matbench/steels_yield.csv MPa steels $n $s"; done
    for n in 50 100; do echo "experiments/transfer-small-data/data/log_kvrh-300.csv log10GPa log_kvrh $n $s"; done
  done
}
run_one() {
  set -- $1 # file unit name size seed
  local out="$O/$3-n$4-seed$5"
  [ -s "$out.json" ] && return 0
  "$BIN" --data "$1" --unit "$2" --seed "$5" --train-size "$4" --models ft,scratch --freezes none \
    --lrs 3e-3 --wds 1e-4 --members 5 --no-bootstrap --out "$out.json" >"$out.log" 2>&1
}
export -f run_one; export BIN O
jobs | xargs -P 2 -I{} bash -c 'run_one "{}"'
