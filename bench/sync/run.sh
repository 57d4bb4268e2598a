#!/usr/bin/env bash
# Synchrony speed, in one run on one machine:
#   1. `ccf` on a 50-minute, 25 fps session (60 s window, 30 s increment, +-5 s lag) against
#      rMEA's MEAccf on the same file;
#   2. 1,000 seeded segment-shuffled surrogates of that session;
#   3. the whole task of `rapport sync ccf` (read the file, ccf, write the CSV) against rMEA's
#      readMEA + MEAccf + writeMEA on the same file.
# Usage: bench/sync/run.sh [RELEASE_BUILD_DIR] [RMEA]
#   RMEA: a local rMEA source checkout (sourced) or an R library folder where rMEA is installed.
#   RELEASE_BUILD_DIR must hold the targets sync_bench and rapport, e.g.
#     cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DRAPPORT_BUILD_BENCH=ON
#     cmake --build build/release --target sync_bench rapport
# The rMEA comparison needs R and rMEA (see RMEA); without them it is skipped and
# only rapport's own figures are printed. Nothing is downloaded.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../../build/release}"
rmea_dir="${2:-}"
threads="${THREADS:-2}"
bench="$build/bench/sync/sync_bench"
rapport="$build/src/app/rapport"
if [[ ! -x "$bench" ]]; then
  echo "no $bench: build the sync_bench target in a Release build first"; exit 1
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
session="$tmp/session_50min.txt"
"$bench" generate "$session" 50 7

echo "== rapport (median of 15 runs; surrogates on $threads threads)"
"$bench" time "$session" 15 1000 "$threads" | tee "$tmp/rapport.txt"
echo "== the whole task: read, ccf, write (median of 15 runs, one thread)"
"$bench" task "$session" "$tmp/task.csv" 15 | tee "$tmp/task.txt"
if [[ -x "$rapport" ]]; then
  start=$(date +%s%N)
  "$rapport" sync ccf "$session" --fisher-z --abs --threads 1 --out "$tmp/ccf.csv"
  end=$(date +%s%N)
  echo "cli_ccf_including_file_io_ms $(( (end - start) / 1000000 ))"
fi

if ! command -v Rscript >/dev/null 2>&1; then
  echo "== rMEA: skipped (R is not installed)"; exit 0
fi
if [[ -z "$rmea_dir" || ! ( -d "$rmea_dir/R" || -d "$rmea_dir/rMEA" ) ]]; then
  echo "== rMEA: skipped (give a local rMEA source checkout, or an R library folder holding rMEA)"
  exit 0
fi
echo "== rMEA: MEAccf, and the whole task (median of 3 runs each)"
Rscript "$here/time_rmea.R" "$rmea_dir" "$session" 3 | tee "$tmp/rmea.txt"
one=$(awk '/^ccf_ms_1_thread/ {print $2}' "$tmp/rapport.txt")
one_cpu=$(awk '/^ccf_ms_1_thread/ {print $4}' "$tmp/rapport.txt")
many=$(awk '/^ccf_ms_[0-9]+_threads/ {print $2}' "$tmp/rapport.txt")
rmea=$(awk '/^rmea_meaccf_seconds/ {print $2}' "$tmp/rmea.txt")
rmea_cpu=$(awk '/^rmea_meaccf_seconds/ {print $4}' "$tmp/rmea.txt")
task=$(awk '/^task_ms/ {print $2}' "$tmp/task.txt")
task_cpu=$(awk '/^task_ms/ {print $4}' "$tmp/task.txt")
rmea_task=$(awk '/^rmea_task_seconds/ {print $2}' "$tmp/rmea.txt")
rmea_task_cpu=$(awk '/^rmea_task_seconds/ {print $4}' "$tmp/rmea.txt")
awk -v one="$one" -v one_cpu="$one_cpu" -v many="$many" -v rmea="$rmea" -v rmea_cpu="$rmea_cpu" \
    -v t="$threads" -v task="$task" -v task_cpu="$task_cpu" -v rmea_task="$rmea_task" \
    -v rmea_task_cpu="$rmea_task_cpu" 'BEGIN {
  printf "speed-up over rMEA, wall time: %.0fx on one thread, %.0fx on %d threads\n",
         rmea * 1000 / one, rmea * 1000 / many, t
  printf "speed-up over rMEA, CPU time (one thread each): %.0fx\n", rmea_cpu * 1000 / one_cpu
  printf "whole task (read, ccf, write) over rMEA: %.0fx wall, %.0fx CPU\n",
         rmea_task * 1000 / task, rmea_task_cpu * 1000 / task_cpu }'
