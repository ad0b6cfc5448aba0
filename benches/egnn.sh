#!/usr/bin/env bash
# The paper's comparison with an exactly equivariant network: EGNN (`--model
# egnn`) against the MLP and the Transformer with REMUL, and Fig. 1's loss
# landscape.
#   benches/egnn.sh [RUNS_DIR] [SEEDS] [extra trainer flags...]
# SEEDS is a quoted list (default "1 2 3"). Runs:
#   n-body: EGNN, Transformer + REMUL (β = 1), MLP + REMUL (β = 1); 2500 epochs
#     (5000 steps), every seed.
#   mocap running: EGNN on the skeleton's bones and on all pairs, first seed;
#     the graph with the lower validation MSE then trains the other seeds.
#     MOCAP_EPOCHS (default 300) epochs: an all-pairs EGNN step costs ~0.4 s
#     on one core, so the paper's 2000 epochs would take hours per run.
#   `trainer landscape` on the first seed's n-body Transformer (its REMUL loss,
#     and L_obj alone) and EGNN.
# Two runs go at a time (one per core); an interrupted script continues where
# it stopped. Prints one `trainer report` table per task.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-runs/egnn}
seeds=${2:-1 2 3}
shift 2 || shift $# || true
export TRAINER=${TRAINER:-target/release/trainer}
[ -x "$TRAINER" ] || cargo build --release -p remul-trainer
export MOCAP_EPOCHS=${MOCAP_EPOCHS:-300}
mkdir -p "$runs/nbody" "$runs/mocap"
export RUNS=$runs
first_seed=${seeds%% *}

run_one() { # [extra flags] task name seed
  local task=${*: -3:1} name=${*: -2:1} seed=${*: -1}
  set -- "${@:1:$#-3}"
  local dir="$RUNS/$task/$name-s$seed"
  [ -f "$dir/metrics.json" ] && return 0
  local flags=(--task "$task" --seed "$seed" --out "$dir" --quiet)
  case $name in
    egnn-bones) flags+=(--model egnn --graph bones --penalty none) ;;
    egnn-all | egnn) flags+=(--model egnn --graph all --penalty none) ;;
    transformer-remul) flags+=(--model transformer --penalty constant --beta 1) ;;
    mlp-remul) flags+=(--model mlp --penalty constant --beta 1) ;;
  esac
  case $task in
    nbody) flags+=(--epochs 2500 --validate-every 50) ;;
    mocap) flags+=(--epochs "$MOCAP_EPOCHS") ;;
  esac
  [ -f "$dir/checkpoint/state.json" ] && flags+=(--resume)
  echo "training $dir"
  "$TRAINER" "${flags[@]}" "$@" > "$dir.log" 2>&1
}
export -f run_one

val_mse() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["val_mse"])' "$1"; }

# The long mocap selection runs first, so the n-body runs fill the other core.
{
  echo "mocap egnn-all $first_seed"
  echo "mocap egnn-bones $first_seed"
  for seed in $seeds; do for name in egnn transformer-remul mlp-remul; do
    echo "nbody $name $seed"
  done; done
} | xargs -P 2 -L 1 bash -c 'run_one "$@"' run_one "$@"

bones=$(val_mse "$runs/mocap/egnn-bones-s$first_seed/metrics.json")
all=$(val_mse "$runs/mocap/egnn-all-s$first_seed/metrics.json")
graph=$(python3 -c "print('bones' if $bones < $all else 'all')")
echo "mocap EGNN, validation MSE: bones $bones, all pairs $all -> --graph $graph"
for seed in $seeds; do
  [ "$seed" = "$first_seed" ] || echo "mocap egnn-$graph $seed"
done | xargs -P 2 -L 1 bash -c 'run_one "$@"' run_one "$@"

for name in transformer-remul egnn; do
  dir="$runs/nbody/$name-s$first_seed"
  [ -f "$dir/landscape.csv" ] || "$TRAINER" landscape --run "$dir" "$@"
done
# The Transformer's L_obj alone, as EGNN's loss is (its L_equi is zero).
dir="$runs/nbody/transformer-remul-s$first_seed"
[ -f "$dir/objective-only/landscape.csv" ] ||
  "$TRAINER" landscape --run "$dir" --alpha 1 --beta 0 --output "$dir/objective-only" "$@"

echo "n-body"
"$TRAINER" report "$runs/nbody"
echo "mocap running"
"$TRAINER" report "$runs/mocap"
