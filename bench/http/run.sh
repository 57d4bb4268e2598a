#!/usr/bin/env bash
# Server throughput: durable appointment writes and Rapport Check submissions per second under 64
# keep-alive connections, as ratios to GET /healthz of the same server in the same run, with the
# submissions' p50/p99 latency; then the caseload dashboard of a therapist with 300 clients of 40
# sessions each and an agreed treatment plan each, p50/p99; then that caseload's treatment plan
# overview read by 4 clients, req/s against /healthz and p50/p99 (see bench/http/http_bench.cc).
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
