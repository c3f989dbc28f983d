#!/usr/bin/env bash
# Round 7, at the product's defaults (lr 3e-3, weight decay 1e-4), ensembles of 5 with the
# Magpie + fractions branch, scored with network means and per-member GP means (--member-gp),
# fold seeds 0-4 (compare: round6/defaults-seed*.json, the same arms with a shared split):
#   rotate:  fine-tuned and from scratch, members early-stop on different parts (--rotate-val)
#            -> rotate-seed*.json
#   learned: from scratch with learned element embeddings instead of mat2vec's
#            (--scratch-init learned), shared split -> learned-seed*.json
#   own:     rotate's ensembles again, scored with the product's GP mean per member
#            (--member-gp-own: each member's GP on the rows it trained on, as
#            `crucible finetune --ensemble 5 --rotate-validation --gp-mean gp`) -> own-seed*.json
#   own-shared: the same on one shared split (as `crucible finetune --ensemble 5 --gp-mean gp`)
#            -> own-shared-seed*.json
# From the repository root:
#   bash experiments/finetune-steels/round7/run.sh [rotate] [learned] [own]   (default: the first two)
#   SEEDS="0 1" bash experiments/finetune-steels/round7/run.sh rotate
# Two runs at a time, one libtorch thread each; a result that exists is not rerun.
set -euo pipefail
cargo build --example finetune_cv
BIN=${FINETUNE_CV:-target/debug/examples/finetune_cv}
O=experiments/finetune-steels/round7
run_one() {
  set -- $1 # part seed
  local models=ft-desc,scratch-desc extra=--rotate-val
  if [ "$1" = learned ]; then models=scratch-desc; extra="--scratch-init learned"; fi
  if [ "$1" = own ]; then extra="--rotate-val --member-gp-own"; fi
  if [ "$1" = own-shared ]; then extra="--member-gp-own"; fi
  local out="$O/$1-seed$2" gp=--member-gp
  case "$1" in own*) gp="" ;; esac
  [ -s "$out.json" ] && return 0
  "$BIN" --seed "$2" --models "$models" --desc-sets magpie+fractions --desc-lrs 3e-3 --desc-wds 1e-4 \
    --desc-freezes none --members 5 --no-bootstrap $gp $extra --out "$out.json" >"$out.log" 2>&1
}
export -f run_one; export BIN O
jobs=""
for part in ${@:-rotate learned}; do
  for s in ${SEEDS:-0 1 2 3 4}; do jobs="$jobs$part $s"$'\n'; done
done
printf "%s" "$jobs" | xargs -P 2 -I{} bash -c 'run_one "{}"'
