#!/usr/bin/env bash
# The finetune-settings study, from the repository root:
#   bash experiments/finetune-settings/run.sh [grid|ensembles|rotated|gpmean|descgp]   (default: the first two)
# grid: fine-tuned and from-scratch single networks on four small regression sets, 5-fold CV
#   with fold seeds 0-2, for learning rate {1e-3, 3e-3} x weight decay {1e-4, 1e-2}.
# ensembles: deep ensembles of 5 (members differ by seed, same rows) at lr 3e-3, wd 1e-4. The
#   same ensembles at weight decay 1e-2 are the runs of experiments/finetune-steels round 4
#   (ens-seed*.json) and experiments/transfer-small-data (*-ensembles*.json).
# rotated: the same ensembles with members that early-stop on their own validation parts
#   (--rotate-val; experiments/finetune-steels round 7) -> *-rotated-*.json
# gpmean: the same ensembles (one shared split) also scored with each member's own GP mean
#   (--member-gp-own, as `crucible finetune --ensemble 5 --gp-mean gp`), the three compound
#   sets only -> *-gpmean-*.json
# descgp: ensembles of 5 with the Magpie + fractions descriptor branch, scored with network
#   means and each member's own GP mean (as `crucible finetune --ensemble 5 --descriptors
#   magpie+fractions --gp-mean gp`, the steels' best), the three compound sets -> *-descgp-*.json
# Two runs at a time, one libtorch thread each; a result that exists is not rerun.
set -euo pipefail
cargo build --example finetune_cv
BIN=${FINETUNE_CV:-target/debug/examples/finetune_cv}
O=experiments/finetune-settings/results
T=experiments/transfer-small-data/data
mkdir -p "$O"
sets() {
  echo "data/matbench/steels_yield.csv MPa steels"
  echo "$T/perovskites_castelli-300.csv eV perovskites"
  echo "$T/log_kvrh-300.csv log10GPa log_kvrh"
  echo "$T/log_gvrh-300.csv log10GPa log_gvrh"
}
jobs() {
  if [ "$1" = grid ]; then
    for lrwd in "1e-3 1e-4" "1e-3 1e-2" "3e-3 1e-4" "3e-3 1e-2"; do
      for s in 0 1 2; do sets | sed "s/\$/ $lrwd $s 1/"; done
    done
  elif [ "$1" = gpmean ]; then
    for s in 0 1 2; do sets | grep -v steels | sed "s/\$/ 3e-3 1e-4 $s 5 gpmean/"; done
  elif [ "$1" = descgp ]; then
    for s in 0 1 2; do sets | grep -v steels | sed "s/\$/ 3e-3 1e-4 $s 5 descgp/"; done
  elif [ "$1" = rotated ]; then
    for s in 0 1 2; do sets | sed "s/\$/ 3e-3 1e-4 $s 5 rotated/"; done
  else
    for s in 0 1 2; do sets | sed "s/\$/ 3e-3 1e-4 $s 5/"; done
  fi
}
run_one() {
  set -- $1 # file unit name lr wd seed members [rotated]
  local out="$O/$3-lr$4-wd$5-seed$6" more="--no-ensembles"
  if [ "$7" -gt 1 ]; then out="$O/$3-ensembles-lr$4-wd$5-seed$6"; more="--members $7 --no-bootstrap"; fi
  if [ "${8:-}" = rotated ]; then out="$O/$3-rotated-lr$4-wd$5-seed$6"; more="$more --rotate-val"; fi
  if [ "${8:-}" = gpmean ]; then out="$O/$3-gpmean-lr$4-wd$5-seed$6"; more="$more --member-gp-own"; fi
  if [ "${8:-}" = descgp ]; then
    out="$O/$3-descgp-lr$4-wd$5-seed$6"
    [ -s "$out.json" ] && return 0
    "$BIN" --data "$1" --unit "$2" --seed "$6" --models ft-desc,scratch-desc --desc-sets magpie+fractions \
      --desc-lrs "$4" --desc-wds "$5" --desc-freezes none --members "$7" --no-bootstrap --member-gp-own \
      --out "$out.json" >"$out.log" 2>&1
    return 0
  fi
  [ -s "$out.json" ] && return 0
  "$BIN" --data "$1" --unit "$2" --seed "$6" --models ft,scratch --freezes none --lrs "$4" --wds "$5" \
    $more --out "$out.json" >"$out.log" 2>&1
}
export -f run_one; export BIN O
for part in ${@:-grid ensembles}; do
  jobs "$part" | xargs -P 2 -I{} bash -c 'run_one "{}"'
done
