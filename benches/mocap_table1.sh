#!/usr/bin/env bash
# Table 1 (MLP rows) on mocap running: plain MLP, data augmentation and REMUL
# (β = 1), three seeds each, with the paper's protocol (2000 epochs, batch 12,
# Adam 5e-4, test at the best validation epoch), then the table.
#   benches/mocap_table1.sh [RUNS_DIR] [extra trainer flags...]
# Two runs go at a time (one per core); a run takes about 3 minutes of one core.
# An interrupted script continues where it stopped (finished runs are kept,
# unfinished ones resume from their checkpoints).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-runs/table1-mlp}
shift || true
export TRAINER=${TRAINER:-target/release/trainer}
[ -x "$TRAINER" ] || cargo build --release -p remul-trainer
mkdir -p "$runs"
export RUNS=$runs
run_one() { # [extra flags] penalty seed
  local penalty=${*: -2:1} seed=${*: -1}
  set -- "${@:1:$#-2}"
  local dir="$RUNS/$penalty-s$seed"
  [ -f "$dir/metrics.json" ] && return 0
  local resume=()
  [ -f "$dir/checkpoint/state.json" ] && resume=(--resume)
  "$TRAINER" --task mocap --model mlp --penalty "$penalty" --beta 1 --seed "$seed" \
    --out "$dir" --quiet "${resume[@]}" "$@" > "$dir.log" 2>&1
}
export -f run_one
for seed in 1 2 3; do for penalty in none augment constant; do echo "$penalty $seed"; done; done |
  xargs -P 2 -L 1 bash -c 'run_one "$@"' run_one "$@"
"$TRAINER" report "$runs"/*/
