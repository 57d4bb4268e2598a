# A throw-away PostgreSQL 15 server for a benchmark, sourced by the scripts beside it: starts it
# on a Unix socket in a temporary folder (fsync on, as in production), creates the database
# `bench`, sets $folder (the folder, also for the caller's own files) and $uri, and stops it and
# removes the folder when the script exits.
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
stop_pg() {
  "${as_owner[@]}" "$bin/pg_ctl" -D "$folder/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$folder"
}
trap stop_pg EXIT
"${as_owner[@]}" "$bin/initdb" -D "$folder/data" -U rapport -A trust -E UTF8 --locale=C \
  >"$folder/initdb.log" 2>&1
cat >>"$folder/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$folder'
port = $port
fsync = on
synchronous_commit = on
shared_buffers = 256MB
max_connections = 200
CONF
"${as_owner[@]}" "$bin/pg_ctl" -D "$folder/data" -l "$folder/server.log" -w start >/dev/null
"${as_owner[@]}" "$bin/createdb" -h "$folder" -p "$port" -U rapport bench
uri="postgresql://rapport@/bench?host=$folder&port=$port"
