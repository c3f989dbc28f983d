#!/usr/bin/env bash
# A real one-node Slurm cluster on this machine, for crucible's Slurm tests (tests/slurm.rs).
#
#   scripts/slurm_test_cluster.sh start    install (Debian, as root), configure, start, wait for idle
#   scripts/slurm_test_cluster.sh stop     stop the daemons this script started
#   scripts/slurm_test_cluster.sh status   say whether the cluster answers
#
# What `start` does:
# - installs Debian's `slurm-wlm` and `munge` with apt-get when `slurmctld` is missing;
# - writes /etc/slurm/slurm.conf for one node (this host, CPUs = nproc, partition `debug`),
#   unless a slurm.conf not written by this script is there already (then it stops: it never
#   overwrites a real site's configuration);
# - creates a munge key when there is none, starts `munged`, `slurmctld` and `slurmd` directly
#   (no systemd), and waits until `sinfo` shows the node idle.
# State, spool, logs and pid files live under $CRUCIBLE_SLURM_STATE (default
# /var/spool/crucible-slurm). Exit status: 0 on success; 1 when it cannot (the reason is on
# stderr, on one line starting with "cannot:").
set -uo pipefail

STATE=${CRUCIBLE_SLURM_STATE:-/var/spool/crucible-slurm}
CONF=/etc/slurm/slurm.conf
MARK="# Written by crucible scripts/slurm_test_cluster.sh (a one-node test cluster)."
MUNGE_SOCKET_DIR=/run/munge

cannot() {
    echo "cannot: $*" >&2
    exit 1
}

log() { echo "slurm_test_cluster: $*" >&2; }

answers() { timeout 10 sinfo --noheader >/dev/null 2>&1; }

# Kill the process in pid file $1, if it is running; wait for it to go.
stop_pidfile() {
    local f=$1 pid
    [ -f "$f" ] || return 0
    pid=$(cat "$f" 2>/dev/null)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
    fi
    rm -f "$f"
}

install_packages() {
    if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sbatch >/dev/null \
        && command -v munged >/dev/null; then
        return 0
    fi
    [ "$(id -u)" = 0 ] || cannot "Slurm is not installed and installing it needs root"
    command -v apt-get >/dev/null || cannot "Slurm is not installed and there is no apt-get (not Debian?)"
    log "installing slurm-wlm and munge with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y --no-install-recommends slurm-wlm munge >"$STATE/apt.log" 2>&1; then
        apt-get update >>"$STATE/apt.log" 2>&1
        apt-get install -y --no-install-recommends slurm-wlm munge >>"$STATE/apt.log" 2>&1 \
            || cannot "apt-get install slurm-wlm munge failed (see $STATE/apt.log)"
    fi
}

write_conf() {
    if [ -f "$CONF" ] && ! grep -qF "$MARK" "$CONF"; then
        cannot "$CONF exists and was not written by this script; refusing to overwrite a real configuration"
    fi
    local host cpus mem_mb
    host=$(hostname -s)
    cpus=$(nproc)
    mem_mb=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)
    mkdir -p /etc/slurm "$STATE/ctld" "$STATE/d"
    cat >"$CONF.tmp" <<EOF
$MARK
# Safe to delete; \`scripts/slurm_test_cluster.sh start\` writes it again.
ClusterName=crucible-test
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
ReturnToService=2
MinJobAge=300
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/d
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
    mv "$CONF.tmp" "$CONF"
}

start_munge() {
    if [ ! -s /etc/munge/munge.key ]; then
        log "creating a munge key"
        mkdir -p /etc/munge
        if command -v mungekey >/dev/null; then
            mungekey --create --keyfile=/etc/munge/munge.key --force >/dev/null 2>&1
        else
            dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 2>/dev/null
        fi
        chown munge:munge /etc/munge/munge.key 2>/dev/null
        chmod 400 /etc/munge/munge.key
    fi
    mkdir -p "$MUNGE_SOCKET_DIR" /var/lib/munge /var/log/munge
    chown munge:munge "$MUNGE_SOCKET_DIR" /var/lib/munge /var/log/munge 2>/dev/null
    chmod 755 "$MUNGE_SOCKET_DIR"
    if timeout 5 munge -n >/dev/null 2>&1; then
        return 0
    fi
    # munged refuses to run as root by default; run it as its own user when there is one.
    if id munge >/dev/null 2>&1; then
        runuser -u munge -- munged --pid-file="$MUNGE_SOCKET_DIR/munged.pid" || cannot "munged did not start"
    else
        munged --force --pid-file="$MUNGE_SOCKET_DIR/munged.pid" || cannot "munged did not start"
    fi
    cp "$MUNGE_SOCKET_DIR/munged.pid" "$STATE/munged.pid" 2>/dev/null
    for _ in $(seq 50); do
        timeout 5 munge -n >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    cannot "munged started but 'munge -n' fails"
}

start() {
    if answers && sinfo --noheader -o '%t' 2>/dev/null | grep -q idle; then
        log "already running"
        return 0
    fi
    [ "$(id -u)" = 0 ] || cannot "starting the daemons needs root"
    mkdir -p "$STATE" || cannot "cannot create $STATE"
    install_packages
    write_conf
    start_munge
    stop_pidfile "$STATE/slurmd.pid"
    stop_pidfile "$STATE/slurmctld.pid"
    # -c: a clean start (no jobs from an earlier test cluster); -i: ignore a state that fails to load.
    slurmctld -c -i >>"$STATE/slurmctld.out" 2>&1 || cannot "slurmctld did not start (see $STATE/slurmctld.log)"
    slurmd >>"$STATE/slurmd.out" 2>&1 || cannot "slurmd did not start (see $STATE/slurmd.log)"
    local state=""
    for _ in $(seq 120); do
        state=$(timeout 5 sinfo --noheader -o '%t' 2>/dev/null | head -1)
        case $state in
            idle) log "node idle: sbatch works (partition debug, $(nproc) CPUs)"; return 0 ;;
            down* | drain* | unk*) scontrol update nodename="$(hostname -s)" state=resume >/dev/null 2>&1 ;;
        esac
        sleep 0.5
    done
    cannot "the node did not become idle within 60 s (state: '${state:-no answer}'; see $STATE/slurmctld.log and $STATE/slurmd.log)"
}

stop() {
    stop_pidfile "$STATE/slurmd.pid"
    stop_pidfile "$STATE/slurmctld.pid"
    stop_pidfile "$STATE/munged.pid"
    log "stopped"
}

status() {
    if answers; then
        sinfo
        return 0
    fi
    echo "no Slurm cluster answers here" >&2
    return 1
}

case ${1:-} in
    start) start ;;
    stop) stop ;;
    status) status ;;
    *)
        echo "usage: $0 start|stop|status" >&2
        exit 2
        ;;
esac
