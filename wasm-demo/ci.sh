#!/usr/bin/env bash
# CI for the web demo (called by .ci/run; runs from any folder, as root on a
# fresh Debian 12 with the pinned toolchain, the wasm32 target, Python 3 and
# Node 20). Steps: format, clippy (wasm32 and host), the host tests of the
# export layer, the wasm build, the Node test of the exports, and the page in
# headless Chromium checked against the host runtime, with a screenshot in
# target/ci-artifacts/. Exits non-zero on any failure.
#
# Environment: TRAINER (default target/release/trainer; built if missing),
# CHROMIUM (default chromium; installed with apt if missing).
set -euo pipefail
demo="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$demo")"
manifest=(--manifest-path "$demo/Cargo.toml")
artifacts="$repo/target/ci-artifacts"
work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2> /dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n=== wasm-demo: %s (%s)\n' "$1" "$(date +%T)"; }
started=$SECONDS

step "Chromium"
chromium_bin="${CHROMIUM:-chromium}"
if ! command -v "$chromium_bin" > /dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # With its recommends, as checked in shared/docs/embedded-feasibility.md §3.
  apt-get install -y -qq chromium fonts-dejavu-core > /dev/null
fi
# The Debian wrapper prints a harmless shell warning on --version.
"$chromium_bin" --version 2> /dev/null

step "format"
cargo fmt "${manifest[@]}" -- --check

step "clippy: wasm32 and host (tests, example)"
nice cargo clippy "${manifest[@]}" --locked --release --target wasm32-unknown-unknown -- -D warnings
nice cargo clippy "${manifest[@]}" --locked --all-targets -- -D warnings

step "host tests: the exports run natively against the runtime"
nice cargo test "${manifest[@]}" --locked

step "build: remul_demo.wasm and the page's files"
"$demo/build.sh" --locked

step "the trainer (host runtime) for the reference numbers"
trainer="${TRAINER:-$repo/target/release/trainer}"
if [[ ! -x "$trainer" ]]; then
  (cd "$repo" && nice cargo build --release -p remul-trainer)
fi
samples="$demo/web/mocap-test-samples.json"
python3 - "$samples" "$work/sample-inputs.json" << 'EOF'
import json, sys
samples = json.load(open(sys.argv[1]))["samples"]
json.dump([s["input"] for s in samples], open(sys.argv[2], "w"))
EOF
"$trainer" predict --model "$repo/models/mocap-mlp.bin" --input "$work/sample-inputs.json" \
  --output "$work/sample-predictions.json"

step "Node: the wasm exports (golden vectors, host predictions, errors)"
node "$demo/tests/node-test.mjs" "$demo/web/remul_demo.wasm" "$samples" "$work/sample-predictions.json"

step "browser: the page in headless Chromium against the host runtime"
# The host's numbers per case: rotated input and truth, E and E' from the
# runtime called directly (host_expected), the prediction from the trainer.
m=32
seed=0
expected() { # MODEL OUT CASE...
  local model="$1" out="$2"
  shift 2
  nice cargo run "${manifest[@]}" --locked -q --example host_expected -- \
    "$repo/models/$model" "$samples" "$m" "$seed" "$@" > "$work/$out.json"
  python3 -c 'import json, sys; json.dump([c["input"] for c in json.load(open(sys.argv[1]))], open(sys.argv[2], "w"))' \
    "$work/$out.json" "$work/$out-inputs.json"
  "$trainer" predict --model "$repo/models/$model" --input "$work/$out-inputs.json" \
    --output "$work/$out-predictions.json"
}
mlp_cases=(0:y:0 2:y:45 5:x:-120)
transformer_cases=(3:z:90)
expected mocap-mlp.bin mlp "${mlp_cases[@]}"
expected mocap-transformer.bin transformer "${transformer_cases[@]}"

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$demo/web" > "$work/server.log" 2>&1 &
server_pid=$!
base="http://127.0.0.1:$port/index.html"
python3 - "$base" << 'EOF'
import sys, time, urllib.request
for _ in range(100):
    try:
        urllib.request.urlopen(sys.argv[1], timeout=1).read()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit("the server did not start")
EOF
echo "serving $demo/web on $base"

browse() { # URL, then extra flags; a fresh profile each time, no network
  local url="$1"
  shift
  timeout 120 "$chromium_bin" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$(mktemp -d "$work/profile.XXXX")" --virtual-time-budget=10000 "$@" "$url" \
    2>> "$work/chromium.log"
}
page() { # CASE (SAMPLE:AXIS:DEGREES) [MODEL]: the page's URL for it
  IFS=: read -r sample axis degrees <<< "$1"
  echo "$base?sample=$sample&axis=$axis&angle=$degrees&m=$m&seed=$seed${2:+&model=$2}"
}
doms=()
for case in "${mlp_cases[@]}"; do
  browse "$(page "$case")" --dump-dom > "$work/dom-mlp-$case.html"
  doms+=("$work/dom-mlp-$case.html")
done
python3 "$demo/tests/check_dom.py" prediction "$work/mlp.json" "$work/mlp-predictions.json" "${doms[@]}"
doms=()
for case in "${transformer_cases[@]}"; do
  browse "$(page "$case" mocap-transformer.bin)" --dump-dom > "$work/dom-transformer-$case.html"
  doms+=("$work/dom-transformer-$case.html")
done
python3 "$demo/tests/check_dom.py" prediction "$work/transformer.json" "$work/transformer-predictions.json" "${doms[@]}"
# A file that is not a blob, and a missing one: an error in the page, not a broken page.
browse "$base?model=mocap-test-samples.json" --dump-dom > "$work/dom-not-a-blob.html"
python3 "$demo/tests/check_dom.py" error "bad magic" "$work/dom-not-a-blob.html"
browse "$base?model=missing.bin" --dump-dom > "$work/dom-missing.html"
python3 "$demo/tests/check_dom.py" error "HTTP 404" "$work/dom-missing.html"

step "screenshots"
mkdir -p "$artifacts"
browse "$base" --window-size=1280,900 --hide-scrollbars --screenshot="$artifacts/wasm-demo.png" > /dev/null
browse "$(page 2:x:-60)" --window-size=1280,900 --hide-scrollbars \
  --screenshot="$artifacts/wasm-demo-rotated.png" > /dev/null
for shot in wasm-demo.png wasm-demo-rotated.png; do
  [[ -s "$artifacts/$shot" ]] || { echo "no screenshot $artifacts/$shot" >&2; exit 1; }
  echo "artifact: $artifacts/$shot ($(wc -c < "$artifacts/$shot") bytes)"
done

step "done in $((SECONDS - started)) s"
