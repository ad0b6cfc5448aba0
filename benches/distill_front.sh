#!/usr/bin/env bash
# The accuracy/size front of int8 students on mocap running: MLPs of about
# 50 K, 100 K, 200 K and 400 K parameters (hidden 128, 208, 330, 500), each
# trained quantization-aware (`--qat`) with REMUL (α = β = 1) on the labels
# alone and distilled from an ensemble of paper-size MLPs (2 plain, 2
# REMUL), 3 seeds each. Every student's int8 blob is measured through the
# runtime (`trainer eval`), seed 1's in the firmware in QEMU (flash, RAM,
# instructions per prediction); then the table and plots. Teachers and
# label-only students train with decoupled weight decay 0.1 (AdamW), the
# distilled students without: each choice made on the validation split.
#   benches/distill_front.sh [RUNS_DIR] [trainer data flags...]
# e.g. benches/distill_front.sh runs/front --data-dir ../shared/data --offline
# Two runs go at a time (one per core); the whole front takes about 70
# minutes on two cores. An interrupted script continues where it stopped.
# Outputs: benches/results/distill-front/{front.md,front.csv,*.png}, or
# $RESULTS. The default student's recipe (models/README.md) is
#   RECIPE="--alpha 0 --beta 0 --noisy-weight 1 --noise 0.1 --rotated-weight 0.05
#     --canonical-axes 0,13 --orientation-input 4"
#   RESULTS=benches/results/distill-front/oriented benches/distill_front.sh runs/front-oriented ...
# with the same teachers and label-only students (linked from the first
# front's folder, they are not trained again).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-runs/front}
shift || true
export TRAINER=${TRAINER:-target/release/trainer}
[ -x "$TRAINER" ] || cargo build --release -p remul-trainer
results=${RESULTS:-benches/results/distill-front}
mkdir -p "$runs"/{teachers,label,distilled,firmware} "$results"
export RUNS=$runs
export SIZES=${SIZES:-128 208 330 500}
export SEEDS=${SEEDS:-1 2 3}
# The student recipe, chosen on the validation split (benches/README.md,
# "Distillation"): the teachers' mean on noisy inputs (σ = 0.1) and its
# rotated copy, and neither the labels nor REMUL's own L_equi.
export RECIPE=${RECIPE:---alpha 0 --beta 0 --noisy-weight 1 --noise 0.1 --rotated-weight 1}
# The teachers' and the label-only students' recipe, chosen on the
# validation split the same way (benches/results/distill-front/recipe.md):
# decoupled weight decay 0.1 (AdamW), which helps them and not the
# distilled students.
export TEACHER_RECIPE=${TEACHER_RECIPE:---decoupled-weight-decay 0.1}
export LABEL_RECIPE=${LABEL_RECIPE:---decoupled-weight-decay 0.1}

# One run: [extra flags] KIND NAME; KIND is teacher-none, teacher-constant,
# label or distilled. Finished runs are kept; unfinished ones resume.
run_one() {
  local kind=${*: -2:1} name=${*: -1}
  set -- "${@:1:$#-2}"
  local dir flags
  case $kind in
  teacher-*)
    dir="$RUNS/teachers/${kind#teacher-}-$name"
    # shellcheck disable=SC2206 # TEACHER_RECIPE is a list of flags
    flags=(--model mlp --penalty "${kind#teacher-}" --beta 1 --seed "${name#s}" $TEACHER_RECIPE)
    ;;
  label | distilled)
    local hidden=${name%-*} seed=${name#*-s}
    dir="$RUNS/$kind/$name"
    flags=(--model mlp --hidden "${hidden#h}" --qat --seed "$seed" --export "$dir/model.bin")
    if [ "$kind" = distilled ]; then
      local t="$RUNS/teachers"
      # shellcheck disable=SC2086 # RECIPE is a list of flags
      flags=(distill --teacher "$t/none-s1" --teacher "$t/none-s2" --teacher "$t/constant-s1"
        --teacher "$t/constant-s2" $RECIPE "${flags[@]}")
    else
      # shellcheck disable=SC2206 # LABEL_RECIPE is a list of flags
      flags+=($LABEL_RECIPE)
    fi
    ;;
  esac
  [ -f "$dir/metrics.json" ] && return 0
  mkdir -p "$dir"
  [ -f "$dir/checkpoint/state.json" ] && flags+=(--resume)
  "$TRAINER" "${flags[@]}" --task mocap --out "$dir" --quiet "$@" > "$dir.log" 2>&1
}
export -f run_one

echo "== teachers: paper-size MLPs, plain and REMUL, seeds 1 and 2"
for seed in 1 2; do for p in none constant; do echo "teacher-$p s$seed"; done; done |
  xargs -P 2 -L 1 bash -c 'run_one "$@"' run_one "$@"
"$TRAINER" ensemble "$runs"/teachers/{none,constant}-s{1,2} "$@" | tee "$runs/ensemble.txt"

echo "== students: hidden $SIZES, seeds $SEEDS, labels only and distilled"
# Largest first, so that the longest runs do not end up alone on one core.
for h in $(echo "$SIZES" | tr ' ' '\n' | sort -rn); do for seed in $SEEDS; do
  for kind in distilled label; do echo "$kind h$h-s$seed"; done
done; done | xargs -P 2 -L 1 bash -c 'run_one "$@"' run_one "$@"

echo "== int8 blobs through the runtime (trainer eval)"
for blob in "$runs"/{label,distilled}/*/model.bin; do
  out="${blob%/model.bin}/eval.txt"
  [ -s "$out" ] || "$TRAINER" eval --model "$blob" --task mocap "$@" > "$out"
done

echo "== firmware in QEMU (seed 1 of each size; flash, RAM, instructions)"
for h in $SIZES; do
  for kind in label distilled; do
    log="$runs/firmware/$kind-h$h.log"
    [ -s "$log" ] && grep -q '^result: PASS' "$log" && continue
    blob="$(realpath "$runs/$kind/h$h-s1/model.bin")"
    (cd firmware-example && REMUL_MODEL="$blob" cargo run --locked --release > "../$log.tmp" 2>&1)
    mv "$log.tmp" "$log"
  done
done

echo "== table and plots"
python3 benches/front_table.py "$runs" "$results"
cat "$results/front.md"
