#!/usr/bin/env bash
# A soak: MINUTES (default 30) of mixed clinic traffic at a steady rate against a real
# `rapport serve` process on the http_bench caseload (300 clients of 40 sessions with agreed
# plans), with the server's memory and open files sampled from /proc (bench/http/soak.cc).
# Usage: bench/http/soak_run.sh [RELEASE_BUILD_DIR] [MINUTES]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../../build/release}"
minutes="${2:-30}"
for program in "$build/bench/http/http_bench" "$build/bench/http/soak" "$build/src/app/rapport"; do
  if [[ ! -x "$program" ]]; then
    echo "no $program: build the http_bench, soak and rapport targets in a Release build first"
    exit 1
  fi
done
folder="$(mktemp -d /tmp/rapport-soak.XXXXXX)"
"$build/bench/http/http_bench" --keep "$folder" >/dev/null
mkdir -p "$folder/web"
port=$((40000 + RANDOM % 20000))
"$build/src/app/rapport" serve --db "$folder/bench.db" --listen "127.0.0.1:$port" \
  --web "$folder/web" 2>"$folder/server.log" &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$folder"' EXIT
for _ in $(seq 100); do
  if curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then break; fi
  sleep 0.1
done
status=0
"$build/bench/http/soak" --port "$port" --pid "$server" --db "$folder/bench.db" \
  --minutes "$minutes" || status=$?
echo "server log lines: $(wc -l <"$folder/server.log"), of them errors: $(grep -ci 'error\|fail' "$folder/server.log" || true)"
exit $status
