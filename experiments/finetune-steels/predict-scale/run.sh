#!/usr/bin/env bash
# Time `crucible predict` for a single fine-tuned network (--ensemble 1) against the default
# deep ensemble of 5, both fine-tuned from surrogates/base on the steels, on the same N random
# Fe-based compositions, one after the other (so that both see the same machine load).
# From the repository root:  bash experiments/finetune-steels/predict-scale/run.sh [N]
set -euo pipefail
N=${1:-50000}
cargo build
BIN=${CRUCIBLE:-target/debug/crucible}
T=$(mktemp -d)
python3 experiments/finetune-steels/predict-scale/make_candidates.py "$N" "$T/c.csv"
D=data/matbench/steels_yield.csv
"$BIN" finetune --from surrogates/base --data $D --target target --out "$T/single" --ensemble 1 -q
"$BIN" finetune --from surrogates/base --data $D --target target --out "$T/ens" -q
for m in single ens; do
  /usr/bin/time -f "$m: wall %e s, peak RSS %M kB" "$BIN" predict --model "$T/$m" --data "$T/c.csv" --out "$T/$m.csv" -q
done
rm -rf "$T"
