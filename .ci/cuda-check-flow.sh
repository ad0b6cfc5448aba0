#!/usr/bin/env bash
# benches/cuda_check.sh only meets a GPU when a session is lent one, so its flow is checked
# here, on the CPU: a stand-in trainer runs every `--device cuda` on the CPU and the
# paper-size Transformer at the CPU-default size, which no call can train for 2000 epochs
# within its budget. Two calls share one LONG_RUN; the first must leave a checkpoint and the
# second must continue it with --resume.
set -euo pipefail
cd "$(dirname "$0")/.."
trainer=${CARGO_TARGET_DIR:-$PWD/target}/release/trainer
data=${REMUL_DATA_DIR:-$PWD/../shared/data}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat > "$work/trainer" <<EOF
#!/usr/bin/env bash
args=()
for a in "\$@"; do
  case \$a in
    cuda) args+=(cpu) ;;
    --paper-size) ;;
    *) args+=("\$a") ;;
  esac
done
exec "$trainer" "\${args[@]}"
EOF
chmod +x "$work/trainer"

fail() { echo "cuda_check.sh flow: $*" >&2; exit 1; }
for call in 1 2; do
  TRAINER=$work/trainer TRAINER_UNFUSED=$work/trainer DATA_DIR=$data LONG_RUN=$work/long/tf \
    benches/cuda_check.sh "$work/out-$call" 100 > "$work/call-$call.txt" 2>&1 ||
    { cat "$work/call-$call.txt"; fail "call $call exited non-zero"; }
  summary=$work/out-$call/summary.txt
  for run in mlp-gpu-10 mlp-cpu-10 tf-paper-cpu-3 tf-paper-gpu-4 mlp-gpu-unfused-10 tf-paper-gpu-unfused-4; do
    grep -Eq "^$run: rc 0, .* [0-9.]+ ms/step" "$summary" || { cat "$summary"; fail "no step time for $run"; }
  done
  grep -Eq "^  rc [0-9]+, [0-9]+ s, [1-9][0-9]* of 2000 epochs done" "$summary" ||
    { cat "$summary"; tail -20 "$work/long/tf.log"; fail "call $call trained no epoch of the long run"; }
done
grep -q "resuming from the checkpoint" "$work/long/tf.log" || fail "the second call did not resume"
sed -n 's/^  rc .*, \([0-9]*\) of 2000 epochs done/\1/p' "$work"/out-{1,2}/summary.txt | paste -sd' ' |
  awk '{ if ($2 <= $1) exit 1; print "cuda_check.sh flow: long run at epoch " $1 ", then " $2 " after --resume" }' ||
  fail "the second call did not add epochs"
