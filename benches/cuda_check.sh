#!/usr/bin/env bash
# The CUDA backend on one NVIDIA GPU, in one pass that fits a time budget:
#  1. the Table 1 MLP (REMUL, β = 1, seed 1) for 10 epochs on the GPU and on the CPU from the
#     same seed: the two loss curves side by side, and the time per step of each;
#  2. time per step of the MLP and the paper-size Transformer (10 blocks, 384 channels, 8
#     heads): this build (fusion and autotune on), a build without them when TRAINER_UNFUSED
#     names one (`--features cuda-base`), PyTorch on the same GPU when it is installed
#     (benches/torch_reference.py), and the paper-size Transformer on the CPU (in the
#     background, one core);
#  3. with MLP_FULL=1: the MLP for the paper's full 2000 epochs on the GPU, exported as an int8
#     blob that the runtime then evaluates on the host (skipped if it would not fit the budget);
#  4. the paper-size Transformer, REMUL, the paper's 2000 epochs, trained for the rest of the
#     budget in LONG_RUN (default OUT_DIR/tf-paper-long): interrupted at the end of the budget
#     with a checkpoint, continued with --resume by the next call given the same LONG_RUN.
#
#   benches/cuda_check.sh OUT_DIR [BUDGET_S]
#
# Needs: a trainer built with `CUDARC_CUDA_VERSION=13000 cargo build --release -p remul-trainer
# --features cuda` (TRAINER, default target/release/trainer), the mocap files (DATA_DIR, default
# ../shared/data), the NVIDIA driver, NVRTC 13.0 (found under CUDA_PATH, /usr/local/cuda or a
# `nvidia-cuda-nvrtc` wheel) and a CUDA folder with include/. Everything lands in OUT_DIR, the
# figures in OUT_DIR/summary.txt.
set -uo pipefail
out=${1:?usage: cuda_check.sh OUT_DIR [BUDGET_S]}
budget=${2:-480}
trainer=${TRAINER:-target/release/trainer}
unfused=${TRAINER_UNFUSED:-}
long_run=${LONG_RUN:-$out/tf-paper-long}
mkdir -p "$(dirname "$long_run")"
data=${DATA_DIR:-../shared/data}
mkdir -p "$out"
summary="$out/summary.txt"
: > "$summary"
say() { echo "$*" | tee -a "$summary"; }
left() { echo $((budget - SECONDS)); }

# NVRTC must not be newer than the driver; take the toolkit's first, then a wheel's.
if [ -z "${CUDA_PATH:-}" ]; then
  for d in /usr/local/cuda /opt/cuda; do [ -d "$d/include" ] && export CUDA_PATH=$d && break; done
fi
nvrtc=$(ls -d "${CUDA_PATH:-/nonexistent}"/lib64/libnvrtc.so.13* /usr/local/cuda*/lib64/libnvrtc.so.13* \
  /usr/local/lib/python3*/dist-packages/nvidia/cu13/lib/libnvrtc.so.13* \
  /opt/*/.venv/lib/python3*/site-packages/nvidia/cu13/lib/libnvrtc.so.13* 2>/dev/null | head -1)
[ -n "$nvrtc" ] && export LD_LIBRARY_PATH=$(dirname "$nvrtc")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
say "gpu: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1)"
say "cpu: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
say "CUDA_PATH=${CUDA_PATH:-unset} nvrtc=${nvrtc:-not found}"

common=(--task mocap --data-dir "$data" --offline --quiet)
# Runs that only time steps end with a one-sample E and E': with the default 100 samples, the
# final evaluation of the paper-size Transformer takes minutes on a CPU.
timing=(--eval-group-samples 1)
# Milliseconds per step after epoch FROM (default 2: the GPU's first epochs include kernel
# compilation), from the run's per-epoch CSV; 17 steps per epoch (200 samples, batch 12).
step_ms() {
  awk -F, -v from="${2:-2}" 'NR > 1 && $1 == from { e0 = $1; t0 = $7 } NR > 1 && $1 > from { e = $1; t = $7 }
    END { if (e > e0) printf "%.2f", (t - t0) / ((e - e0) * 17) * 1000; else print "n/a" }' "$1/epochs.csv"
}
train() { # NAME TIMEOUT_S trainer-flags...  (the binary: $bin, default $trainer)
  local name=$1 limit=$2
  shift 2
  local start=$SECONDS
  timeout -s INT -k 30 "$limit" "${bin:-$trainer}" train "${common[@]}" --checkpoint-every 100000 \
    --out "$out/$name" "$@" > "$out/$name.log" 2>&1
  local rc=$?
  say "$name: rc $rc, $((SECONDS - start)) s, $(step_ms "$out/$name" "${from:-2}" 2>/dev/null) ms/step after epoch ${from:-2}"
  return $rc
}

# On the host's CPU, bounded so that it cannot hold up check 4 (which waits for it).
(from=1 train tf-paper-cpu-3 $((budget / 3)) --model transformer --paper-size --device cpu \
  --epochs 3 --validate-every 1000 "${timing[@]}") &
cpu_job=$!
say "== 1. MLP, REMUL β=1, seed 1, 10 epochs: GPU and CPU"
if ! train mlp-gpu-10 240 --model mlp --device cuda --epochs 10 --validate-every 5; then
  tail -20 "$out/mlp-gpu-10.log"
  ls -d /usr/local/cuda* /opt/* 2>/dev/null
  kill "$cpu_job" 2>/dev/null
  exit 1
fi
train mlp-cpu-10 120 --model mlp --device cpu --epochs 10 --validate-every 5
paste -d, "$out/mlp-gpu-10/epochs.csv" "$out/mlp-cpu-10/epochs.csv" 2>/dev/null |
  awk -F, 'NR > 1 { printf "  epoch %s  L_obj gpu %s cpu %s  L_equi gpu %s cpu %s  val gpu %s cpu %s\n", $1, $2, $10, $3, $11, $6, $14 }' |
  tee -a "$summary"

say "== 2. time per step: fusion and autotune on, off, and PyTorch on the same GPU"
train tf-paper-gpu-4 180 --model transformer --paper-size --device cuda --epochs 4 --validate-every 1000 \
  "${timing[@]}"
if [ -n "$unfused" ]; then
  bin=$unfused train mlp-gpu-unfused-10 240 --model mlp --device cuda --epochs 10 --validate-every 5
  bin=$unfused train tf-paper-gpu-unfused-4 180 --model transformer --paper-size --device cuda \
    --epochs 4 --validate-every 1000 "${timing[@]}"
else
  say "  (no TRAINER_UNFUSED: the build without fusion is not measured)"
fi
if python3 -c 'import torch; assert torch.cuda.is_available()' 2>/dev/null; then
  python3 "$(dirname "$0")/torch_reference.py" "$data" --device cuda --model mlp --steps 1000 \
    --json "$out/torch-mlp.json" 2>&1 | tee -a "$summary"
  python3 "$(dirname "$0")/torch_reference.py" "$data" --device cuda --model transformer \
    --paper-size --warmup 30 --steps 300 --json "$out/torch-tf-paper.json" 2>&1 | tee -a "$summary"
else
  say "  (no PyTorch with CUDA here: its column is not measured)"
fi

mlp_ms=$(step_ms "$out/mlp-gpu-10")
if [ "${MLP_FULL:-0}" != 1 ]; then
  say "== 3. skipped (MLP_FULL=1 runs it)"
elif [[ $mlp_ms =~ ^[0-9.]+$ ]] && awk -v ms="$mlp_ms" -v left="$(left)" 'BEGIN { exit !(ms * 34000 / 1000 * 1.3 + 60 < left * 0.5) }'; then
  say "== 3. MLP, 2000 epochs on the GPU, int8 export, runtime eval"
  train mlp-gpu-full $(($(left) - 30)) --model mlp --device cuda --epochs 2000 --export "$out/mlp-gpu.bin"
  grep -E '"(test_mse_x100|best_epoch|e|e_prime|step_ms|wall_time_s)"' "$out/mlp-gpu-full/metrics.json" | tee -a "$summary"
  "$trainer" eval --model "$out/mlp-gpu.bin" --task mocap --data-dir "$data" --offline 2>&1 | tee -a "$summary"
else
  say "== 3. skipped: 2000 MLP epochs at $mlp_ms ms/step do not fit $(left) s"
fi

# The CPU job must not hold a core the long run's host thread needs.
wait "$cpu_job"
say "== 4. paper-size Transformer, REMUL β=1, 2000 epochs, in $long_run ($(left) s left)"
if [ -f "$long_run/metrics.json" ]; then
  say "  finished earlier"
elif [ "$(left)" -gt 60 ]; then
  resume=()
  [ -f "$long_run/checkpoint/state.json" ] && resume=(--resume)
  start=$SECONDS
  timeout -s INT -k 60 $(($(left) - 45)) "$trainer" train "${common[@]}" --out "$long_run" \
    --model transformer --paper-size --device cuda --epochs 2000 --validate-every 50 \
    --checkpoint-every 25 "${resume[@]}" >> "$long_run.log" 2>&1
  rc=$?
  done_epochs=$(($(cat "$long_run/epochs.csv" 2>/dev/null | wc -l) - 1))
  say "  rc $rc, $((SECONDS - start)) s, $((done_epochs < 0 ? 0 : done_epochs)) of 2000 epochs done"
  [ "$done_epochs" -le 0 ] && tail -5 "$long_run.log" | tee -a "$summary"
fi
[ -f "$long_run/metrics.json" ] &&
  grep -E '"(test_mse_x100|best_epoch|e|e_prime|step_ms|parameters)"' "$long_run/metrics.json" | tee -a "$summary"
say "total $SECONDS s"
