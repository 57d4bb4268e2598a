#!/usr/bin/env bash
# The long run of the fuzz targets (fuzz/README.md, figures in docs/security.md):
#   scripts/fuzz-long.sh [TARGET...] [--runs N]
# Builds the fuzz preset, then runs each TARGET (default: every fuzz/*_fuzz.cc) for N executions
# (default 10,000,000) from its seeds, one after the other, with leak detection. Each target keeps
# a scratch corpus in build/fuzz/long/TARGET/corpus, which grows from one run to the next and is
# never written into the repository; a crashing, leaking or slow input is saved in
# build/fuzz/long/TARGET/artifacts/ and the whole log in build/fuzz/long/TARGET/run.log.
# Prints, per target: executions, executions per second, corpus size, coverage (libFuzzer's cov:
# edges and ft: features), peak memory, time taken, and what was found. Exits 1 when any target
# found a crash, a leak or a timeout.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

usage() {
  echo "usage: scripts/fuzz-long.sh [TARGET...] [--runs N]" >&2
  echo "targets: $(all_targets | tr '\n' ' ')" >&2
}

all_targets() {
  for f in fuzz/*_fuzz.cc; do
    basename "$f" _fuzz.cc
  done
}

runs=10000000
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs)
      [ $# -ge 2 ] || { usage; exit 2; }
      runs=$2
      shift 2
      ;;
    --runs=*)
      runs=${1#--runs=}
      shift
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    -*)
      echo "error: unknown option $1" >&2
      usage
      exit 2
      ;;
    *)
      targets+=("$1")
      shift
      ;;
  esac
done
if ! [[ "$runs" =~ ^[1-9][0-9]*$ ]]; then
  echo "error: --runs must be a positive whole number, not '$runs'" >&2
  exit 2
fi
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(all_targets)
fi
for t in "${targets[@]}"; do
  if [ ! -f "fuzz/${t}_fuzz.cc" ]; then
    echo "error: no fuzz target '$t' (fuzz/${t}_fuzz.cc)" >&2
    usage
    exit 2
  fi
done

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)"

# Stack traces with names and lines, from whichever LLVM symbolizer is installed.
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ]; then
  for s in llvm-symbolizer-19 llvm-symbolizer llvm-symbolizer-14; do
    if command -v "$s" >/dev/null 2>&1; then
      export ASAN_SYMBOLIZER_PATH
      ASAN_SYMBOLIZER_PATH=$(command -v "$s")
      break
    fi
  done
fi

# The value of libFuzzer's final statistic NAME in LOG, or "?".
stat() {
  local value
  value=$(sed -n "s/^stat::$1: *//p" "$2" | tail -n 1)
  echo "${value:-?}"
}

# The value after "NAME: " in the last status line of LOG ("#123 DONE cov: ... ft: ..."), or "?".
status_field() {
  local value
  value=$(grep -E '^#[0-9]+' "$2" | grep -o "$1: [^ ]*" | tail -n 1 | cut -d' ' -f2)
  echo "${value:-?}"
}

found_any=0
rows=()
for t in "${targets[@]}"; do
  dir="build/fuzz/long/$t"
  mkdir -p "$dir/corpus" "$dir/artifacts"
  log="$dir/run.log"
  echo "== $t: $runs executions (log: $log)"
  start=$(date +%s)
  set +e
  UBSAN_OPTIONS=print_stacktrace=1 "build/fuzz/fuzz/${t}_fuzz" -runs="$runs" -detect_leaks=1 \
    -timeout=30 -print_final_stats=1 -artifact_prefix="$dir/artifacts/" "$dir/corpus" \
    "fuzz/corpus/$t" >"$log" 2>&1
  status=$?
  set -e
  seconds=$(($(date +%s) - start))

  found=none
  if grep -q "ERROR: LeakSanitizer" "$log"; then
    found=leak
  elif grep -q "ERROR: libFuzzer: timeout" "$log"; then
    found=timeout
  elif grep -qE "ERROR: (AddressSanitizer|libFuzzer)|runtime error:" "$log"; then
    found=crash
  elif [ "$status" -ne 0 ]; then
    found="exit status $status"
  fi
  [ "$found" = none ] || found_any=1

  units=$(find "$dir/corpus" -type f | wc -l)
  kib=$(find "$dir/corpus" -type f -printf '%s\n' | awk '{ n += $1 } END { printf "%d", (n + 1023) / 1024 }')
  rows+=("$(printf '%-16s %12s %8s %16s %8s %8s %8s %8s  %s' "$t" \
    "$(stat number_of_executed_units "$log")" "$(stat average_exec_per_sec "$log")" \
    "$units inputs/${kib}KiB" "$(status_field cov "$log")" "$(status_field ft "$log")" \
    "$(stat peak_rss_mb "$log")MB" "${seconds}s" "$found")")
  echo "${rows[-1]}"
done

echo
printf '%-16s %12s %8s %16s %8s %8s %8s %8s  %s\n' target executions exec/s corpus cov ft \
  "peak rss" time found
printf '%s\n' "${rows[@]}"
if [ "$found_any" -ne 0 ]; then
  echo "A target found something: see its artifacts/ and run.log under build/fuzz/long/." >&2
  exit 1
fi
