#!/usr/bin/env bash
# Surrogate-driven NSGA-II on steels: `configs/quickstart.yaml` (fine-tuned 5-member ensemble as
# the oracle, NSGA-II, population 64, 1,920 evaluations) side by side with the same campaign
# searched by random sampling, same seed and budget. Writes results/steels_front.csv
# (hypervolume and time per generation) and steels_front.png / .svg (the quickstart's front).
# Run from the repository root: bash experiments/evo-benchmarks/steels_front.sh
set -euo pipefail
here=experiments/evo-benchmarks
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build -q --bin crucible --example front_study
bin=target/debug/crucible
# The random twin: the quickstart with `kind: random` (and no NSGA-II-only keys).
sed -e 's/  kind: nsga2/  kind: random/' -e '/  population: 64/d' -e '/  uncertainty: lcb/d' \
    -e 's/name: quickstart-steels/name: quickstart-steels-random/' configs/quickstart.yaml > configs/.steels-random-twin.yaml
trap 'rm -rf "$work" configs/.steels-random-twin.yaml' EXIT
for cfg in quickstart .steels-random-twin; do
  /usr/bin/time -f "$cfg: %e s wall, %U s user" "$bin" run "configs/$cfg.yaml" --out "$work/$cfg" -q
done
"$bin" rank "$work/quickstart" --top 5 --diverse -q
"$bin" report "$work/quickstart" -q
cp "$work/quickstart/report/pareto.png" "$here/steels_front.png"
cp "$work/quickstart/report/pareto.svg" "$here/steels_front.svg"
target/debug/examples/front_study "$work/quickstart" "$work/.steels-random-twin" > "$here/results/steels_front.csv"
grep -h "surrogate predicts" "$work"/*/report/summary.md 2>/dev/null || true
awk -F, 'NR == 1 || $2 % 5 == 0 || $2 == 29' "$here/results/steels_front.csv"
