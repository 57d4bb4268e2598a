#!/usr/bin/env bash
# Server throughput: durable appointment writes per second under 64 keep-alive connections, as a
# ratio to GET /healthz of the same server in the same run (see bench/http/http_bench.cc).
# Usage: bench/http/run.sh [RELEASE_BUILD_DIR] [SECONDS_PER_PHASE]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../../build/release}"
seconds="${2:-5}"
bench="$build/bench/http/http_bench"
if [[ ! -x "$bench" ]]; then
  echo "no $bench: build the http_bench target in a Release build first"; exit 1
fi
"$bench" --connections 64 --seconds "$seconds"
