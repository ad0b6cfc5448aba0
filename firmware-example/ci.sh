#!/usr/bin/env bash
# CI for the firmware example (called by .ci/run; works from any directory):
# lints, the default models in QEMU with the DSP kernel and with the
# portable one, a deliberate HardFault and panic that must exit 1 (not hang),
# the board build (defmt over RTT), and flash/RAM from the toolchain's own
# llvm-size. Runs as root on a fresh Debian 12 machine; exits non-zero on
# any failure.
set -euo pipefail
cd "$(dirname "$0")"

step() { printf '\n=== firmware: %s (%s)\n' "$1" "$(date +%T)"; }
release=target/thumbv7em-none-eabihf/release
results=target/ci
unset REMUL_MODEL # the default model unless a step sets one

step "tools"
if ! command -v qemu-system-arm > /dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends qemu-system-arm > /dev/null
fi
qemu-system-arm --version | head -n 1
rustup target add thumbv7em-none-eabihf
host_bin="$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin"
if [ ! -x "$host_bin/llvm-size" ]; then
  rustup component add llvm-tools # the toolchain's own llvm-size and llvm-nm
fi
rm -rf "$results"
mkdir -p "$results"

step "format and clippy"
cargo fmt --check
nice cargo clippy --locked --release -- -D warnings
nice cargo clippy --locked --release --features rtt -- -D warnings

# Builds every binary, then `cargo run --release` (QEMU under `timeout`,
# qemu-run.sh), with the given cargo arguments; keeps the ELF and the log
# under target/ci/NAME.
run_in_qemu() {
  local name="$1"
  shift
  step "QEMU: $name"
  nice cargo build --locked --release "$@"
  cargo run --locked --release "$@" | tee "$results/$name.log"
  cp "$release/firmware-example" "$results/$name.elf"
}

run_in_qemu mlp
# The size probes measure the runtime without `canonical` (the feature's
# code is counted apart, in the README), on a model that does not need it.
step "size probes: the runtime without canonical"
REMUL_MODEL=../models/mocap-transformer.bin nice cargo build --locked --release \
  --no-default-features --features dsp --bin baseline --bin size_inference --bin size_equivariance
cp "$release/size_inference" "$release/size_equivariance" "$release/baseline" "$results/"

step "QEMU: a HardFault and a panic end with exit code 1"
for crash in hardfault panic; do
  status=0
  ./qemu-run.sh "$release/$crash" || status=$?
  if [ "$status" -ne 1 ]; then
    echo "FAIL: $crash ended with exit code $status, expected 1" >&2
    exit 1
  fi
done
for probe in baseline size_inference size_equivariance; do
  ./qemu-run.sh "$release/$probe" # their golden check must pass too
done

REMUL_MODEL=../models/mocap-transformer.bin run_in_qemu transformer
# The exactly equivariant MLP: its canonical rotation runs on the device too.
REMUL_MODEL=../models/mocap-mlp-equivariant.bin run_in_qemu mlp-equivariant
run_in_qemu mlp-portable --no-default-features --features canonical
REMUL_MODEL=../models/mocap-transformer.bin run_in_qemu transformer-portable --no-default-features
# f32 blobs: the VFMA chains must give the host's bits (their golden vectors).
REMUL_MODEL=../runtime-nostd/tests/data/mlp-f32.bin run_in_qemu mlp-f32
REMUL_MODEL=../runtime-nostd/tests/data/transformer-f32.bin run_in_qemu transformer-f32

step "board build: defmt over RTT, panic-probe, STM32F411 memory map (not run)"
nice cargo build --locked --release --features rtt
cp "$release/firmware-example" "$results/board-rtt.elf"

step "flash and RAM (llvm-size)"
"$host_bin/llvm-size" "$results"/*.elf "$results"/{size_inference,size_equivariance,baseline}
flash() { "$host_bin/llvm-size" "$1" | awk 'NR == 2 { print $1 + $2 }'; }
symbol() { "$host_bin/llvm-nm" --print-size --radix=d "$1" | awk -v s="$2" '$4 ~ s { print $2 + 0 }'; }
blob=$(symbol "$results/size_inference" BLOB)
golden=$(symbol "$results/size_inference" GOLDEN_INPUTS)
scaffold=$(($(flash "$results/baseline") - blob - golden)) # it keeps the blob and golden inputs too
inference=$(($(flash "$results/size_inference") - blob - golden - scaffold))
with_check=$(($(flash "$results/size_equivariance") - blob - golden - scaffold))
echo "runtime code (flash of size_inference - blob $blob B - golden inputs $golden B - the baseline binary's other $scaffold B):"
echo "  from_bytes + predict (MLP and Transformer, int8 and f32): $inference B"
echo "  plus the on-device equivariance check:                   $with_check B"
# Nothing in the runtime may panic: a panic path links the panic handler
# and core::fmt's integer printing (2.3 KB).
if "$host_bin/llvm-nm" "$results/size_inference" | grep -q rust_begin_unwind; then
  echo "FAIL: size_inference links a panic handler: something in the runtime can panic" >&2
  exit 1
fi

step "targets: int8 dense layers at <= 2 instructions/MAC with SMLAD (MLP and Transformer), the MLP's RAM <= 8 KiB, the runtime's flash <= 16 KiB"
layer_of() { sed -n 's/^dense layer: .*, \([0-9.]*\) instructions\/MAC$/\1/p' "$results/$1.log"; }
ram=$(sed -n 's/^RAM: .* = \([0-9]*\) B of .*/\1/p' "$results/mlp.log")
awk -v mlp="$(layer_of mlp)" -v transformer="$(layer_of transformer)" -v ram="$ram" -v code="$inference" 'BEGIN {
  ok = mlp != "" && transformer != "" && ram != "" && mlp <= 2.0 && transformer <= 2.0 && ram <= 8192 && code <= 16384
  printf "dense layer: MLP %s, Transformer %s instructions/MAC; MLP RAM %s B; runtime code %s B: %s\n", mlp, transformer, ram, code, ok ? "ok" : "FAIL"
  exit !ok
}'

step "summary"
for name in mlp transformer mlp-equivariant mlp-portable transformer-portable mlp-f32 transformer-f32; do
  echo "-- $name"
  grep -E "^(model:|golden|predict:|dense|quantize and|E' =|flash:|RAM:|result:)" "$results/$name.log"
done
