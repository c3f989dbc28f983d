#!/usr/bin/env bash
# Deep ensembles of 5 (members differ by seed, same rows) at the new default, lr 3e-3 with
# weight decay 1e-4, fine-tuned and from scratch, on the four sets and fold seeds 0-2. The same
# ensembles at weight decay 1e-2 are the runs of experiments/finetune-steels round 4
# (ens-seed*.json) and experiments/transfer-small-data (*-ensembles*.json).
#   bash experiments/finetune-settings/run-ensembles.sh          (from the repository root)
set -euo pipefail
cargo build --example finetune_cv
BIN=${FINETUNE_CV:-target/debug/examples/finetune_cv}
O=experiments/finetune-settings/results
T=experiments/transfer-small-data/data
mkdir -p "$O"
jobs() {
  for s in 0 1 2; do
    echo "data/matbench/steels_yield.csv MPa steels $s"
    echo "$T/perovskites_castelli-300.csv eV perovskites $s"
    echo "$T/log_kvrh-300.csv log10GPa log_kvrh $s"
    echo "$T/log_gvrh-300.csv log10GPa log_gvrh $s"
  done
}
run_one() {
  set -- $1
  local out="$O/$3-ensembles-lr3e-3-wd1e-4-seed$4"
  [ -s "$out.json" ] && return 0
  "$BIN" --data "$1" --unit "$2" --seed "$4" --models ft,scratch --freezes none --lrs 3e-3 --wds 1e-4 \
    --members 5 --no-bootstrap --out "$out.json" >"$out.log" 2>&1
}
export -f run_one; export BIN O
jobs | xargs -P 2 -I{} bash -c 'run_one "{}"'
