#!/usr/bin/env bash
# How long a `rapport` command that does next to nothing takes from start to exit, against the
# same program with FFmpeg's libraries mapped at start as they were while it linked them (before
# motion energy moved into rapport-mea): the reference preloads the four libraries rapport-mea
# links, which brings in everything they depend on, as linking them did. Both in one run.
# Usage: bench/startup/run.sh [BUILD_DIR] [RUNS]   (default build/release, 300 runs)
set -euo pipefail
build="${1:-$(cd "$(dirname "$0")/../.." && pwd)/build/release}"
runs="${2:-300}"
rapport="$build/src/app/rapport"
mea="$build/src/app/rapport-mea"
for program in "$rapport" "$mea"; do
  [[ -x "$program" ]] || { echo "missing $program: build the release preset" >&2; exit 1; }
done
# A sanitized build (build/dev) would refuse the preload ahead of its runtime: let it.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
video_libraries=$(ldd "$mea" | awk '/lib(avformat|avcodec|avutil|swscale)\./ { print $3 }' | tr '\n' ' ')
[[ -n "$video_libraries" ]] || { echo "rapport-mea links no FFmpeg library?" >&2; exit 1; }

# Mean milliseconds per run of the command, over $runs runs (after 20 to warm the page cache).
per_run_ms() {
  local i start end
  for ((i = 0; i < 20; i++)); do "$@" >/dev/null 2>&1 || true; done
  start=$(date +%s%N)
  for ((i = 0; i < runs; i++)); do "$@" >/dev/null 2>&1 || true; done
  end=$(date +%s%N)
  awk -v ns=$((end - start)) -v n="$runs" 'BEGIN { printf "%.2f", ns / 1e6 / n }'
}

echo "shared libraries mapped at start: rapport $(ldd "$rapport" | wc -l);" \
  "with the video libraries $(LD_PRELOAD="$video_libraries" ldd "$rapport" | wc -l)"
echo
echo "| command | with FFmpeg mapped (before), ms | rapport now, ms | before / now |"
echo "|---|---:|---:|---:|"
for words in "--version" "score --help" "sync ccf --help"; do
  # shellcheck disable=SC2086
  then_ms=$(LD_PRELOAD="$video_libraries" per_run_ms "$rapport" $words)
  # shellcheck disable=SC2086
  now_ms=$(per_run_ms "$rapport" $words)
  echo "| \`rapport $words\` | $then_ms | $now_ms |" \
    "$(awk -v a="$then_ms" -v b="$now_ms" 'BEGIN { printf "%.1f", a / b }') |"
done
