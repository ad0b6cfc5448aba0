#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for trying `trainer sweep
# --slurm` and for the trainer's Slurm test. Needs root and the Debian
# packages slurmctld, slurmd, slurm-client and munge (`--install` fetches
# them with apt). Everything it writes is in DIR; nothing under /etc changes.
#
#   slurm/local-cluster.sh start DIR [--install]   # then: export SLURM_CONF=DIR/slurm.conf
#   slurm/local-cluster.sh stop DIR
#
# `start` waits until the node is idle (at most 60 s) and prints the
# SLURM_CONF line; `stop` stops the daemons by their pid files.
set -euo pipefail

usage() {
  echo "usage: $0 start DIR [--install] | stop DIR" >&2
  exit 2
}
[ $# -ge 2 ] || usage
action="$1"
mkdir -p "$2"
dir="$(cd "$2" && pwd)"

# Stops each daemon and waits (at most 20 s each) until it has exited, so
# that a new cluster can take its ports.
stop() {
  local pid_file pid
  for pid_file in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munge/munged.pid"; do
    [ -s "$pid_file" ] || continue
    pid="$(cat "$pid_file")"
    kill "$pid" 2> /dev/null || true
    for _ in $(seq 200); do
      kill -0 "$pid" 2> /dev/null || break
      # A daemon whose parent has gone may stay a zombie: that is exited.
      [ "$(ps -o stat= -p "$pid" 2> /dev/null | cut -c1)" = Z ] && break
      sleep 0.1
    done
    rm -f "$pid_file"
  done
}

start() {
  if [ "${1:-}" = "--install" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      slurmctld slurmd slurm-client munge > /dev/null
  fi
  for program in munged slurmctld slurmd sinfo; do
    command -v "$program" > /dev/null || {
      echo "$program not found: install slurmctld slurmd slurm-client munge (or pass --install)" >&2
      exit 1
    }
  done
  [ "$(id -u)" -eq 0 ] || { echo "slurmd must run as root" >&2; exit 1; }
  stop # a cluster left from an earlier start in DIR
  mkdir -p "$dir/spool/ctld" "$dir/spool/d" "$dir/munge" "$dir/log"
  chown munge:munge "$dir/munge"
  # munged wants its socket folder owned by itself and not writable by others.
  chmod 0755 "$dir/munge"
  local key=/etc/munge/munge.key
  if [ ! -s "$key" ]; then
    echo "$key missing: reinstall munge, or create it with mungekey as root" >&2
    exit 1
  fi
  sudo_munge=(runuser -u munge --)
  # munged runs as the munge user: its socket, pid, log and seed are in a
  # folder of that user's.
  "${sudo_munge[@]}" munged --socket="$dir/munge/munge.socket" --pid-file="$dir/munge/munged.pid" \
    --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munge.seed"
  local cpus memory
  cpus="$(nproc)"
  memory=$(($(awk '/MemTotal/ { print $2 }' /proc/meminfo) / 1024 / 2))
  cat > "$dir/slurm.conf" << CONF
ClusterName=local
SlurmctldHost=localhost
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/spool/ctld
SlurmdSpoolDir=$dir/spool/d
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ReturnToService=2
JobRequeue=1
MpiDefault=none
SchedulerType=sched/backfill
NodeName=localhost CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=local Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF="$dir/slurm.conf"
  slurmctld
  slurmd
  for _ in $(seq 60); do
    if sinfo --noheader --states=idle --format=%n 2> /dev/null | grep -q localhost; then
      echo "export SLURM_CONF=$dir/slurm.conf"
      return 0
    fi
    sleep 1
  done
  echo "the node did not come up within 60 s; logs in $dir/log" >&2
  exit 1
}

case "$action" in
  start) start "${3:-}" ;;
  stop) stop ;;
  *) usage ;;
esac
