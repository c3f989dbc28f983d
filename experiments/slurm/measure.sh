#!/usr/bin/env bash
# The overhead crucible's Slurm launcher adds per job, and its throughput with 50 jobs in flight.
# Needs a Slurm cluster answering `sinfo` (scripts/slurm_test_cluster.sh start) and a built
# crucible (`cargo build`). Usage: experiments/slurm/measure.sh [N_SEQUENTIAL] [N_IN_FLIGHT]
set -euo pipefail
cd "$(dirname "$0")/../.."
N1=${1:-20}
N2=${2:-50}
BIN=${CRUCIBLE_BIN:-$PWD/target/debug/crucible}
sinfo --noheader >/dev/null 2>&1 || { echo "no Slurm cluster answers sinfo" >&2; exit 1; }
[ -x "$BIN" ] || { echo "build crucible first (cargo build)" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# A campaign of $2 candidates, $3 per batch, $4 jobs at once; the "simulator" is echo, which
# answers at once. $5: the launcher lines.
config() {
    cat >"$TMP/$1.yaml" <<EOF
name: $1
seed: 1
space:
  parameters:
    - {name: x, type: continuous, range: [0, 1]}
properties: {y: {}}
objectives: [{property: y, goal: maximize}]
optimizer: {kind: random, initial: $3, batch_size: $3}
oracle:
  kind: command
  command:
    argv: [/bin/echo, '{"y": 1}']
    timeout: 5m
    parallel: $4
    $5
budget: {evaluations: $2}
output: {dir: $TMP/$1}
EOF
}

SLURM='launcher: slurm
    slurm: {partition: debug, time: 5m, cpus_per_task: 1}'
config local-seq "$N1" 1 1 'launcher: local'
config slurm-seq "$N1" 1 1 "$SLURM"
config slurm-50 "$N2" "$N2" "$N2" "$SLURM"

run() {
    local t0 t1
    t0=$(date +%s.%N)
    "$BIN" run "$TMP/$1.yaml" -q >/dev/null
    t1=$(date +%s.%N)
    echo "$1 $(echo "$t1 - $t0" | bc)" >>"$TMP/walls"
}
# Slurm alone, for comparison: the same jobs submitted by hand (sbatch --wrap), each writing a
# file when done; a bash loop checks for the files every 20 ms.
baseline() {
    local name=$1 n=$2 at_once=$3 t0 t1 i
    mkdir -p "$TMP/$name"
    t0=$(date +%s.%N)
    for i in $(seq "$n"); do
        sbatch --parsable --partition=debug --time=5 --cpus-per-task=1 --output=/dev/null \
            --wrap "echo '{\"y\": 1}' > $TMP/$name/$i.tmp && mv $TMP/$name/$i.tmp $TMP/$name/$i" >/dev/null
        if [ "$at_once" = 1 ]; then
            until [ -e "$TMP/$name/$i" ]; do sleep 0.02; done
        fi
    done
    for i in $(seq "$n"); do
        until [ -e "$TMP/$name/$i" ]; do sleep 0.02; done
    done
    t1=$(date +%s.%N)
    echo "$name $(echo "$t1 - $t0" | bc)" >>"$TMP/walls"
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
run local-seq
baseline base-seq "$N1" 1
run slurm-seq
baseline base-50 "$N2" 0
run slurm-50
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$TMP" <<'EOF'
import json, os, statistics, sys
tmp = sys.argv[1]
walls = dict(l.split() for l in open(os.path.join(tmp, "walls")))
def jobs(name):
    out = []
    root = os.path.join(tmp, name, "slurm")
    for d in os.listdir(root):
        p = os.path.join(root, d, "job.json")
        if not os.path.exists(p):
            continue
        rec = json.load(open(p))
        assert len(rec["jobs"]) == 1, rec
        j = rec["jobs"][0]
        assert "measured" in j["result"], j
        end = os.stat(os.path.join(root, d, str(j["n"]), "exit")).st_mtime
        out.append((j["created_unix"], j["submitted_unix"], end, j["finished_unix"]))
    return out
def med(xs):
    return "%.2f" % statistics.median(xs)
local = float(walls["local-seq"])
print("| run | candidates | wall | per candidate | sbatch | submitted → exit file (Slurm) | exit file → collected (crucible) |")
print("|---|---|---|---|---|---|---|")
n1 = len(jobs("slurm-seq"))
print("| crucible, local launcher, 1 at a time | %d | %.1f s | %.2f s | – | – | – |" % (n1, local, local / n1))
for name, n in [("base-seq", n1), ("base-50", len(jobs("slurm-50")))]:
    w = float(walls[name])
    print("| Slurm alone (sbatch --wrap), %s | %d | %.1f s | %.2f s | – | – | – |" % (
        "1 at a time" if name == "base-seq" else "all in flight", n, w, w / n))
for name, label in [("slurm-seq", "crucible on Slurm, 1 at a time"), ("slurm-50", "crucible on Slurm, all in flight")]:
    js = jobs(name)
    w = float(walls[name])
    print("| %s | %d | %.1f s | %.2f s | %s s | %s s | %s s |" % (
        label, len(js), w, w / len(js),
        med([s - c for c, s, e, f in js]), med([e - s for c, s, e, f in js]), med([f - e for c, s, e, f in js])))
js = jobs("slurm-50")
first, last_sub, last_done = min(c for c, *_ in js), max(s for _, s, _, _ in js), max(f for *_, f in js)
print()
print("all in flight: %d submitted in %.2f s; last result %.1f s after the first submission: %.2f jobs/s" % (
    len(js), last_sub - first, last_done - first, len(js) / (last_done - first)))
print("per job, 1 at a time: crucible on Slurm minus Slurm alone: %.2f s; minus the local launcher: %.2f s" % (
    (float(walls["slurm-seq"]) - float(walls["base-seq"])) / n1, (float(walls["slurm-seq"]) - local) / n1))
print("all in flight: crucible on Slurm %.1f s, Slurm alone %.1f s" % (float(walls["slurm-50"]), float(walls["base-50"])))
EOF
