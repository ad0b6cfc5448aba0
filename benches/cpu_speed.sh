#!/usr/bin/env bash
# One command, one machine, side by side: the trainer's plain and REMUL
# training steps on each CPU backend (burn-flex, the trainer's, and
# burn-ndarray) against PyTorch's steps of the same models (the paper's
# mocap MLP and the CPU-default Transformer), batch 12, one thread each,
# and beside them a plain step on 24 rows, as many as a REMUL step's.
#
#   benches/cpu_speed.sh [--install-torch] [--rounds N] [OUT_DIR]
#
# --install-torch installs PyTorch and NumPy from PyPI first (CI never
# needs them). --rounds N (default 1) times everything N times, ours and
# PyTorch's in turn, and reports each figure's median over the rounds with
# its range: on a shared VM a step's time drifts by 20 % within minutes, so
# a ratio is only worth its rounds. Writes OUT_DIR/cpu_speed.md (default
# benches/results/cpu-speed) and prints it; without PyTorch the table has
# our columns only.
set -euo pipefail
cd "$(dirname "$0")/.."

install=0
rounds=1
out=benches/results/cpu-speed
while [ $# -gt 0 ]; do
  case "$1" in
    --install-torch) install=1 ;;
    --rounds) rounds=${2:-}; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    -*) echo "unknown option: $1" >&2; exit 2 ;;
    *) out=$1 ;;
  esac
  shift
done
case "$rounds" in
  ''|*[!0-9]*|0) echo "--rounds needs a positive whole number" >&2; exit 2 ;;
esac
mkdir -p "$out"
data=${REMUL_DATA_DIR:-../shared/data}

if [ "$install" = 1 ]; then
  python3 -m pip install -q --disable-pip-version-check torch numpy
fi

# One thread everywhere: PyTorch's own setting, and no BLAS threads.
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

have_torch=0
if python3 -c 'import torch, numpy' 2>/dev/null; then
  have_torch=1
else
  echo "PyTorch is not installed: the table has no PyTorch column (--install-torch installs it)" >&2
fi
rm -f "$out"/torch.json "$out"/torch-round*.json
for round in $(seq 1 "$rounds"); do
  echo "== round $round of $rounds, ours: cargo bench -p remul-benches --bench step_cost" >&2
  cargo bench -p remul-benches --bench step_cost -- \
    'step/(flex|ndarray)/(mlp|transformer)/(plain|remul|plain-24rows)$' --save-baseline "round$round" >&2
  if [ "$have_torch" = 1 ]; then
    echo "== round $round of $rounds, PyTorch: benches/torch_reference.py" >&2
    python3 benches/torch_reference.py "$data" --model both --threads 1 \
      --steps 2000 --json "$out/torch-round$round.json" >&2
  fi
done

target=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')

python3 - "$target/criterion" "$out" "$rounds" "$out/cpu_speed.md" <<'EOF'
import json, os, platform, statistics, sys

criterion, out, rounds, report = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]

def ours(backend, model, mode):
    """The criterion median of each round, ms."""
    values = []
    for r in range(1, rounds + 1):
        path = os.path.join(criterion, f"step_{backend}_{model}", mode, f"round{r}", "estimates.json")
        with open(path) as f:
            values.append(json.load(f)["median"]["point_estimate"] / 1e6)
    return values

torch_rounds = []
for r in range(1, rounds + 1):
    path = os.path.join(out, f"torch-round{r}.json")
    if os.path.exists(path):
        with open(path) as f:
            torch_rounds.append(json.load(f))
version = torch_rounds[0]["torch"] if torch_rounds else None

def theirs(model, mode):
    return [t["ms_per_step"][f"{model}/{mode}"] for t in torch_rounds
            if f"{model}/{mode}" in t["ms_per_step"]]

def cell(values):
    """The median, with the range when there are several rounds."""
    if not values:
        return "—"
    m = statistics.median(values)
    return f"{m:.2f}" if len(values) == 1 else f"{m:.2f} ({min(values):.2f}–{max(values):.2f})"

def ratio(a, b):
    """The median over rounds of each round's a/b."""
    return statistics.median(x / y for x, y in zip(a, b)) if a and b else None

cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")),
           platform.processor())
spread = " (in brackets: the range over rounds)" if rounds > 1 else ""
lines = [f"CPU: {cpu}, one thread, batch 12, {rounds} round(s); ms per step, the median over "
         f"rounds{spread} of criterion's median for ours and of the mean over 2000 steps after "
         f"200 warm-up steps for PyTorch {version or '(not run)'}. Ratios: the median over "
         "rounds of each round's ratio.", "",
         "plain-24rows: a plain step on 24 rows, as many as a REMUL step's forward pass "
         "takes.", "",
         "| model | step | burn-flex | burn-ndarray | PyTorch | flex / PyTorch |",
         "|---|---|---|---|---|---|"]
for model in ["mlp", "transformer"]:
    for mode in ["plain", "remul", "plain-24rows"]:
        flex, nd, t = ours("flex", model, mode), ours("ndarray", model, mode), theirs(model, mode)
        r = ratio(flex, t)
        lines.append(f"| {model} | {mode} | {cell(flex)} | {cell(nd)} | {cell(t)} | "
                     f"{f'{r:.2f}' if r else '—'} |")
lines.append("")
for model in ["mlp", "transformer"]:
    r = ratio(ours("flex", model, "remul"), ours("flex", model, "plain"))
    t = ratio(theirs(model, "remul"), theirs(model, "plain"))
    lines.append(f"REMUL / plain, {model}: burn-flex {r:.2f}" + (f", PyTorch {t:.2f}" if t else ""))
for model in ["mlp", "transformer"]:
    r = ratio(ours("flex", model, "remul"), ours("flex", model, "plain-24rows"))
    t = ratio(theirs(model, "remul"), theirs(model, "plain-24rows"))
    lines.append(f"REMUL / plain on 24 rows, {model}: burn-flex {r:.2f}"
                 + (f", PyTorch {t:.2f}" if t else ""))
text = "\n".join(lines) + "\n"
with open(report, "w") as f:
    f.write(text)
print(text, end="")
EOF
