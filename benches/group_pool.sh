#!/usr/bin/env bash
# The paper's Fig. 7 on mocap running (MLP, the Table 1 protocol): REMUL
# (α = β = 1) against augmentation (α = 0, β = 1) when L_equi's rotations come
# from a fixed pool of K group elements (`--group-pool K`) instead of fresh
# draws, for K in 1 2 4 8 16 64 and fresh.
#   benches/group_pool.sh [RUNS_DIR] [SEEDS] [extra trainer flags...]
# SEEDS is a quoted list (default "1 2 3"). Two runs go at a time (one per
# core), about 2.5 minutes of one core each; an interrupted script continues
# where it stopped. Prints one `trainer report` table per pool size.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-runs/group-pool}
seeds=${2:-1 2 3}
shift 2 || shift $# || true
export TRAINER=${TRAINER:-target/release/trainer}
[ -x "$TRAINER" ] || cargo build --release -p remul-trainer
pools="1 2 4 8 16 64 fresh"
for k in $pools; do mkdir -p "$runs/k$k"; done
export RUNS=$runs
run_one() { # [extra flags] pool penalty seed
  local pool=${*: -3:1} penalty=${*: -2:1} seed=${*: -1}
  set -- "${@:1:$#-3}"
  local dir="$RUNS/k$pool/$penalty-s$seed"
  [ -f "$dir/metrics.json" ] && return 0
  local flags=(--task mocap --model mlp --penalty "$penalty" --beta 1 --seed "$seed" --out "$dir" --quiet)
  [ "$pool" != fresh ] && flags+=(--group-pool "$pool")
  [ -f "$dir/checkpoint/state.json" ] && flags+=(--resume)
  "$TRAINER" "${flags[@]}" "$@" > "$dir.log" 2>&1
}
export -f run_one
for seed in $seeds; do for k in $pools; do for penalty in constant augment; do
  echo "$k $penalty $seed"
done; done; done | xargs -P 2 -L 1 bash -c 'run_one "$@"' run_one "$@"
for k in $pools; do
  echo "K = $k"
  "$TRAINER" report "$runs/k$k"
done
