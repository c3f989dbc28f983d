#!/usr/bin/env bash
# Round 6: ensembles of 5 with the Magpie + fractions branch (round 4's settings), scored with
# the members' network means (round 4's number, as a check) and with each member's own GP on
# its embedding as its mean, averaged (--member-gp). Fine-tuned and from scratch; fold seeds 0-2.
#   bash experiments/finetune-steels/round6/run.sh          (from the repository root)
set -euo pipefail
cargo build --example finetune_cv
BIN=${FINETUNE_CV:-target/debug/examples/finetune_cv}
O=experiments/finetune-steels/round6
run_one() {
  local s=$1 out="$O/member-gp-seed$1"
  [ -s "$out.json" ] && return 0
  "$BIN" --seed "$s" --models ft-desc,scratch-desc --desc-sets magpie+fractions --desc-lrs 3e-3 \
    --desc-wds 1e-2 --desc-freezes none --members 5 --no-bootstrap --member-gp --out "$out.json" >"$out.log" 2>&1
}
export -f run_one; export BIN O
printf '%s\n' 0 1 2 | xargs -P 2 -I{} bash -c 'run_one {}'
