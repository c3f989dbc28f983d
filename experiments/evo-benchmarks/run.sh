#!/usr/bin/env bash
# Reproduces experiments/evo-benchmarks: crucible (examples/evo_bench.rs) and pymoo / cma
# (pymoo_bench.py, in a throw-away virtual environment) on the same problems and seeds, then
# the summary table. Usage: bash experiments/evo-benchmarks/run.sh [SEEDS]   (default 10)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../.."
seeds="${1:-10}"
venv="${EVO_VENV:-/tmp/evo-venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q pymoo cma
fi
mkdir -p "$here/results"
cargo build --example evo_bench
# One thread each: pymoo is single-threaded Python/numpy; the machine is shared.
export RAYON_NUM_THREADS=1 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
nice -n 10 target/debug/examples/evo_bench all "$seeds" > "$here/results/crucible.csv"
nice -n 10 "$venv/bin/python" "$here/pymoo_bench.py" all "$seeds" > "$here/results/python.csv"
"$venv/bin/python" "$here/summarize.py" "$here/results/crucible.csv" "$here/results/python.csv"
