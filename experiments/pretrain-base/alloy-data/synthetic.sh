#!/bin/bash
# Pretraining with synthetic alloy compositions labelled by element-table descriptors
# (experiments/pretrain-base/README.md, "Alloy-like pretraining data"). Writes into $TMP
# (default: a fresh temporary folder); takes about 23 minutes on one thread here.
set -euo pipefail
cd "$(dirname "$0")/../../.."
TMP=${TMP:-$(mktemp -d)}
CRUCIBLE=${CRUCIBLE:-target/debug/crucible}
python3 experiments/pretrain-base/alloy-data/make_compositions.py "$TMP/synth.csv" 40000 0
"$CRUCIBLE" featurize --data "$TMP/synth.csv" --out "$TMP/synth_feat.csv"
COLS="mean_CovalentRadius avgdev_CovalentRadius mean_Electronegativity avgdev_Electronegativity mean_NValence avgdev_NValence avgdev_MeltingT mean_GSmagmom"
python3 - "$TMP" $COLS <<'PY'
import csv, sys
tmp, keep = sys.argv[1], sys.argv[2:]
w = csv.writer(open(f"{tmp}/synth_desc.csv", "w"))
w.writerow(["formula"] + keep)
for row in csv.DictReader(open(f"{tmp}/synth_feat.csv")):
    w.writerow([row["formula"]] + [row[k] for k in keep])
PY
SPECS=""
for c in $COLS; do SPECS="$SPECS $TMP/synth_desc.csv:$c:regression"; done
D=data/matbench
"$CRUCIBLE" pretrain --data $D/mp_e_form.csv $D/mp_gap.csv $D/mp_is_metal.csv $SPECS \
    --out "$TMP/synth-candidate" --epochs 30 --patience 10 --batch-size 256 --lr 1e-3 --seed 0 --threads 1
echo "checkpoint: $TMP/synth-candidate"
