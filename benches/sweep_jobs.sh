#!/usr/bin/env bash
# The wall time of one β sweep trained with `--jobs 1` and with `--jobs 2`,
# one after the other on this machine (same build, same flags), and whether
# the two give the same sweep.csv. Mocap running, the paper's MLP, four β,
# 100 epochs each (the mocap files must be in $REMUL_DATA_DIR or are
# downloaded).
#
#   benches/sweep_jobs.sh [OUT_DIR]        # default runs/sweep-jobs
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-runs/sweep-jobs}"
cargo build --release -q -p remul-trainer
trainer=target/release/trainer
flags=(--task mocap --model mlp --betas 0,0.1,1,10 --seeds 1 --epochs 100 --quiet)
echo "cores: $(nproc); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
mkdir -p "$out"
for jobs in 1 2; do
  rm -rf "$out/jobs-$jobs"
  start=$(date +%s.%N)
  "$trainer" sweep "${flags[@]}" --jobs "$jobs" --out "$out/jobs-$jobs" > /dev/null 2> "$out/jobs-$jobs.log" ||
    { cat "$out/jobs-$jobs.log" >&2; exit 1; }
  end=$(date +%s.%N)
  printf -- '--jobs %s: %.1f s wall for 4 runs\n' "$jobs" "$(echo "$end - $start" | bc)"
done
if cmp -s "$out/jobs-1/sweep.csv" "$out/jobs-2/sweep.csv"; then
  echo "sweep.csv: the same bytes with --jobs 1 and --jobs 2"
else
  echo "sweep.csv differs between --jobs 1 and --jobs 2" >&2
  exit 1
fi
