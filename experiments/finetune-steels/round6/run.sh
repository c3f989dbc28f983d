#!/usr/bin/env bash
# Round 6: ensembles of 5 with the Magpie + fractions branch, scored with the members' network
# means and with each member's own GP on its embedding as its mean, averaged (--member-gp).
# Fine-tuned and from scratch; fold seeds 0-2. From the repository root:
#   bash experiments/finetune-steels/round6/run.sh [round4|defaults]     (default: both)
#   SEEDS="3 4" bash experiments/finetune-steels/round6/run.sh defaults  (fresh fold seeds)
# round4: round 4's settings (lr 3e-3, weight decay 1e-2) -> member-gp-seed*.json
# defaults: the product's defaults (lr 3e-3, weight decay 1e-4) -> defaults-seed*.json
# Two runs at a time, one libtorch thread each; a result that exists is not rerun.
set -euo pipefail
cargo build --example finetune_cv
BIN=${FINETUNE_CV:-target/debug/examples/finetune_cv}
O=experiments/finetune-steels/round6
run_one() {
  set -- $1 # part seed
  local wd=1e-2 out="$O/member-gp-seed$2"
  if [ "$1" = defaults ]; then wd=1e-4; out="$O/defaults-seed$2"; fi
  [ -s "$out.json" ] && return 0
  "$BIN" --seed "$2" --models ft-desc,scratch-desc --desc-sets magpie+fractions --desc-lrs 3e-3 \
    --desc-wds "$wd" --desc-freezes none --members 5 --no-bootstrap --member-gp --out "$out.json" >"$out.log" 2>&1
}
export -f run_one; export BIN O
for part in ${1:-round4 defaults}; do
  printf "$part %s\n" ${SEEDS:-0 1 2} | xargs -P 2 -I{} bash -c 'run_one "{}"'
done
