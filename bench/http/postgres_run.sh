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
bin="$(pg_config --bindir 2>/dev/null || true)"
[[ -x "$bin/initdb" ]] || bin=/usr/lib/postgresql/15/bin
if [[ ! -x "$bin/initdb" ]]; then
  echo "PostgreSQL 15's server programs are not installed (postgresql-15)"; exit 1
fi

folder="$(mktemp -d /tmp/rapport-pg-bench-XXXXXX)"
as_owner=()
if [[ "$(id -u)" -eq 0 ]]; then
  chown nobody "$folder"
  as_owner=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
fi
chmod 755 "$folder"
port=$((20000 + RANDOM % 20000))
stop() {
  "${as_owner[@]}" "$bin/pg_ctl" -D "$folder/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$folder"
}
trap stop EXIT
"${as_owner[@]}" "$bin/initdb" -D "$folder/data" -U rapport -A trust -E UTF8 --locale=C \
  >"$folder/initdb.log" 2>&1
cat >>"$folder/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$folder'
port = $port
fsync = on
synchronous_commit = on
shared_buffers = 256MB
CONF
"${as_owner[@]}" "$bin/pg_ctl" -D "$folder/data" -l "$folder/server.log" -w start >/dev/null
"${as_owner[@]}" "$bin/createdb" -h "$folder" -p "$port" -U rapport bench
uri="postgresql://rapport@/bench?host=$folder&port=$port"

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
