#!/usr/bin/env bash
# The finetune-settings study: fine-tuned and from-scratch single networks on four small
# regression sets, 5-fold CV with fold seeds 0-2, for learning rate {1e-3, 3e-3} x weight
# decay {1e-4, 1e-2}. Two runs at a time, one libtorch thread each.
#   bash experiments/finetune-settings/run.sh          (from the repository root)
set -euo pipefail
cargo build --example finetune_cv
BIN=${FINETUNE_CV:-target/debug/examples/finetune_cv}
O=experiments/finetune-settings/results
T=experiments/transfer-small-data/data
mkdir -p "$O"
jobs() {
  for lrwd in "1e-3 1e-4" "1e-3 1e-2" "3e-3 1e-4" "3e-3 1e-2"; do
    set -- $lrwd
    for s in 0 1 2; do
      echo "data/matbench/steels_yield.csv MPa steels $1 $2 $s"
      echo "$T/perovskites_castelli-300.csv eV perovskites $1 $2 $s"
      echo "$T/log_kvrh-300.csv log10GPa log_kvrh $1 $2 $s"
      echo "$T/log_gvrh-300.csv log10GPa log_gvrh $1 $2 $s"
    done
  done
}
run_one() {
  set -- $1
  local out="$O/$3-lr$4-wd$5-seed$6"
  [ -s "$out.json" ] && return 0
  "$BIN" --data "$1" --unit "$2" --seed "$6" --models ft,scratch --freezes none --lrs "$4" --wds "$5" \
    --no-ensembles --out "$out.json" >"$out.log" 2>&1
}
export -f run_one; export BIN O
jobs | xargs -P 2 -I{} bash -c 'run_one "{}"'
