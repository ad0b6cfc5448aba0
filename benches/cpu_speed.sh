#!/usr/bin/env bash
# One command, one machine, side by side: the trainer's plain and REMUL
# training steps on each CPU backend (burn-flex, the trainer's, and
# burn-ndarray) against PyTorch's steps of the same models (the paper's
# mocap MLP and the CPU-default Transformer), batch 12, one thread each.
#
#   benches/cpu_speed.sh [--install-torch] [OUT_DIR]
#
# --install-torch installs PyTorch and NumPy from PyPI first (CI never
# needs them). Writes OUT_DIR/cpu_speed.md (default benches/results/cpu-speed)
# and prints it; without PyTorch the table has our columns only.
set -euo pipefail
cd "$(dirname "$0")/.."

install=0
out=benches/results/cpu-speed
for arg in "$@"; do
  case "$arg" in
    --install-torch) install=1 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    -*) echo "unknown option: $arg" >&2; exit 2 ;;
    *) out=$arg ;;
  esac
done
mkdir -p "$out"
data=${REMUL_DATA_DIR:-../shared/data}

if [ "$install" = 1 ]; then
  python3 -m pip install -q --disable-pip-version-check torch numpy
fi

# One thread everywhere: PyTorch's own setting, and no BLAS threads.
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

echo "== ours: cargo bench -p remul-benches --bench step_cost" >&2
cargo bench -p remul-benches --bench step_cost -- \
  'step/(flex|ndarray)/(mlp|transformer)/(plain|remul)$' >&2

torch_json="$out/torch.json"
rm -f "$torch_json"
if python3 -c 'import torch, numpy' 2>/dev/null; then
  echo "== PyTorch: benches/torch_reference.py" >&2
  python3 benches/torch_reference.py "$data" --model both --threads 1 \
    --steps 2000 --json "$torch_json" >&2
else
  echo "PyTorch is not installed: the table has no PyTorch column (--install-torch installs it)" >&2
fi

target=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')

python3 - "$target/criterion" "$torch_json" "$out/cpu_speed.md" <<'EOF'
import json, os, platform, sys

criterion, torch_json, report = sys.argv[1:]

def ours(backend, model, mode):
    path = os.path.join(criterion, f"step_{backend}_{model}", mode, "new", "estimates.json")
    with open(path) as f:
        return json.load(f)["median"]["point_estimate"] / 1e6

torch = {}
version = None
if os.path.exists(torch_json):
    with open(torch_json) as f:
        t = json.load(f)
    torch, version = t["ms_per_step"], t["torch"]

cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")),
           platform.processor())
lines = [f"CPU: {cpu}, one thread, batch 12; ms per step (criterion median; PyTorch "
         f"{version or 'not run'}: mean over 2000 steps after 200 warm-up steps).", "",
         "| model | step | burn-flex | burn-ndarray | PyTorch | flex / PyTorch |",
         "|---|---|---|---|---|---|"]
for model in ["mlp", "transformer"]:
    for mode in ["plain", "remul"]:
        flex, nd = ours("flex", model, mode), ours("ndarray", model, mode)
        t = torch.get(f"{model}/{mode}")
        ratio = f"{flex / t:.2f}" if t else "—"
        lines.append(f"| {model} | {mode} | {flex:.2f} | {nd:.2f} | "
                     f"{f'{t:.2f}' if t else '—'} | {ratio} |")
lines.append("")
for model in ["mlp", "transformer"]:
    r = ours("flex", model, "remul") / ours("flex", model, "plain")
    t = (torch[f"{model}/remul"] / torch[f"{model}/plain"]) if torch else None
    lines.append(f"REMUL / plain, {model}: burn-flex {r:.2f}"
                 + (f", PyTorch {t:.2f}" if t else ""))
text = "\n".join(lines) + "\n"
with open(report, "w") as f:
    f.write(text)
print(text, end="")
EOF
