#!/usr/bin/env bash
# Cargo's runner: the ELF in QEMU's Cortex-M4 board (mps2-an386), semihosting
# on (text out, exit code back), `-icount shift=0` so that SysTick counts
# retired instructions exactly (1 tick = 40). Always under `timeout`: a
# firmware that never exits would otherwise hang QEMU forever.
# Usage: qemu-run.sh ELF [extra QEMU args]; QEMU_TIMEOUT (seconds, default 120).
set -uo pipefail
elf="$1"
shift
timeout "${QEMU_TIMEOUT:-120}" qemu-system-arm -cpu cortex-m4 -machine mps2-an386 -nographic \
  -semihosting-config enable=on,target=native -icount shift=0 -kernel "$elf" "$@"
status=$?
if [ "$status" -eq 124 ]; then
  echo "qemu-run.sh: QEMU did not exit within ${QEMU_TIMEOUT:-120} s" >&2
fi
exit "$status"
