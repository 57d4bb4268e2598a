#!/usr/bin/env bash
# The server on PostgreSQL against the server on SQLite, in one run: the same http_bench (durable
# writes, Rapport Check submissions, the caseload dashboard of 300 clients x 40 sessions, plan
# reads) once on an SQLite file and once on a PostgreSQL 15 database of a throw-away server this
# script starts on a Unix socket (fsync on, as in production) and stops at the end. Prints both
# runs and the p99 ratios PostgreSQL / SQLite (goal: at most 2).
# Usage: bench/http/postgres_run.sh [RELEASE_BUILD_DIR] [SECONDS_PER_PHASE]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../../build/release}"
seconds="${2:-5}"
bench="$build/bench/http/http_bench"
if [[ ! -x "$bench" ]]; then
  echo "no $bench: build the http_bench target in a Release build first"; exit 1
fi
source "$here/pg_bench_server.sh"

echo "== SQLite"
"$bench" --seconds "$seconds" | tee "$folder/sqlite.txt"
echo
echo "== PostgreSQL"
"$bench" --seconds "$seconds" --db "$uri" | tee "$folder/postgres.txt"

# The p99 (ms) of a line of the output, found by its start.
p99() { grep -m1 "^$2" "$1" | sed -E 's/.*p99 ([0-9.]+) ms.*/\1/'; }
echo
echo "== PostgreSQL / SQLite"
for line in "POST Rapport Check:" "GET /dashboard" "GET /caseload" "GET /plan"; do
  s="$(p99 "$folder/sqlite.txt" "$line")"
  p="$(p99 "$folder/postgres.txt" "$line")"
  awk -v l="$line" -v s="$s" -v p="$p" \
    'BEGIN { printf "%-22s p99 SQLite %8.2f ms, PostgreSQL %8.2f ms, ratio %5.2f\n", l, s, p, p / s }'
done
