#!/usr/bin/env bash
# Builds remul_demo.wasm and puts it, the default model and the test samples
# next to the page (web/), so that any static server can serve web/.
# Runs from any folder; arguments go to cargo build (ci.sh passes --locked).
set -euo pipefail
demo="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$demo")"

target_dir="${CARGO_TARGET_DIR:-$demo/target}"
nice cargo build --release --target wasm32-unknown-unknown --manifest-path "$demo/Cargo.toml" "$@"

# Copies, not links: a server may refuse links, and these are build outputs
# (gitignored); the sources stay in ../models and target/.
cp "$target_dir/wasm32-unknown-unknown/release/remul_demo.wasm" "$demo/web/remul_demo.wasm"
cp "$repo/models/mocap-mlp.bin" "$demo/web/model.bin"
cp "$repo/models/mocap-transformer.bin" "$demo/web/mocap-transformer.bin"
cp "$repo/models/mocap-test-samples.json" "$demo/web/mocap-test-samples.json"
echo "web/remul_demo.wasm: $(wc -c < "$demo/web/remul_demo.wasm") bytes"
