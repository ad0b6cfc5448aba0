#!/usr/bin/env bash
# Builds the demo and serves it on http://127.0.0.1:${PORT:-8000}/ (Ctrl-C
# stops). Runs from any folder.
set -euo pipefail
demo="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
port="${PORT:-8000}"
"$demo/build.sh"
echo "open http://127.0.0.1:$port/"
exec python3 -m http.server "$port" --bind 127.0.0.1 --directory "$demo/web"
