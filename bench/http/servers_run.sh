#!/usr/bin/env bash
# Two app servers behind HAProxy against one, on one PostgreSQL database, in one run: http_bench
# --only servers starts the app servers in one process, each with a store of its own, and
# measures /healthz, Rapport Check submissions and the caseload dashboard on the first server
# directly, through HAProxy in front of the first alone (what HAProxy costs), and through HAProxy
# in front of both. This script starts a throw-away PostgreSQL server and HAProxy on loopback
# ports, and stops both at the end. Goal: two servers at least 1.6 times the submissions of one
# when the database is not the limit.
# Usage: bench/http/servers_run.sh [RELEASE_BUILD_DIR] [SECONDS_PER_PHASE] [SERVERS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../../build/release}"
seconds="${2:-5}"
count="${3:-2}"
bench="$build/bench/http/http_bench"
if [[ ! -x "$bench" ]]; then
  echo "no $bench: build the http_bench target in a Release build first"; exit 1
fi
if ! command -v haproxy >/dev/null; then
  echo "HAProxy is not installed (haproxy)"; exit 1
fi
source "$here/pg_bench_server.sh"

# Loopback ports: the balancer's two front ends, then one per app server.
first=$((40000 + RANDOM % 20000))
via_one=$first
via_all=$((first + 1))
servers=()
backends=""
for ((i = 0; i < count; i++)); do
  servers+=($((first + 2 + i)))
  backends+="  server app$i 127.0.0.1:$((first + 2 + i)) check"$'\n'
done
cat >"$folder/haproxy.cfg" <<CFG
global
  maxconn 4096
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  option http-keep-alive
  default-server inter 500ms fall 2 rise 1
frontend one
  bind 127.0.0.1:$via_one
  default_backend one
frontend all
  bind 127.0.0.1:$via_all
  default_backend all
backend one
  option httpchk GET /readyz
  server app0 127.0.0.1:${servers[0]} check
backend all
  balance roundrobin
  option httpchk GET /readyz
$backends
CFG
haproxy -f "$folder/haproxy.cfg" -D -p "$folder/haproxy.pid"
stop_all() {
  kill "$(cat "$folder/haproxy.pid")" 2>/dev/null || true
  stop_pg
}
trap stop_all EXIT

ports="$(IFS=,; echo "${servers[*]}")"
"$bench" --seconds "$seconds" --db "$uri" --only servers --ports "$ports" \
  --via "$via_one,$via_all"
