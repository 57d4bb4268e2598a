#!/usr/bin/env bash
# Times `rapport sync mea` on a 720p video against FFmpeg decoding the same file alone, with the
# same decoder threading, and prints a Markdown table of medians and ratios for
# docs/benchmarks.md. The goal is motion energy within 1.3x of decoding alone.
#
# Usage: bench/sync/mea_bench.sh [--rapport PATH] [--runs N] [--threads "1 0"] [--seconds S]
#                                [--codec h264|mpeg4]
#   --rapport PATH   the rapport binary (release build); default build/release/src/app/rapport
#   --runs N         timed runs of each command per thread setting; default 5
#   --threads LIST   decoder thread counts to try, 0 = automatic; default "1 0"
#   --seconds S      length of the generated 25 fps video; default 60
#   --codec C        h264 (libx264, the default when that encoder is there) or mpeg4 (MPEG-4
#                    part 2: about three times cheaper to decode, so the analysis weighs more)
# The video is generated once with the ffmpeg command-line tool and kept under bench/out/mea/.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
rapport="$root/build/release/src/app/rapport"
runs=5
threads_list="1 0"
seconds=60
codec_name=

while [ $# -gt 0 ]; do
  case "$1" in
    --rapport) rapport=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --threads) threads_list=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --codec) codec_name=$2; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "mea_bench: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

if [ ! -x "$rapport" ]; then
  echo "mea_bench: no rapport binary at $rapport; build the release preset first:" >&2
  echo "  cmake --preset release && cmake --build --preset release --target rapport" >&2
  exit 1
fi
command -v ffmpeg >/dev/null || { echo "mea_bench: ffmpeg is missing (scripts/install-deps.sh)" >&2; exit 1; }

out="$root/bench/out/mea"
mkdir -p "$out"
if [ -z "$codec_name" ]; then
  encoders=$(ffmpeg -hide_banner -encoders 2>/dev/null || true)
  if grep -q ' libx264 ' <<<"$encoders"; then codec_name=h264; else codec_name=mpeg4; fi
fi
case "$codec_name" in
  h264) codec=(-c:v libx264 -preset fast -crf 23) ;;
  mpeg4) codec=(-c:v mpeg4 -q:v 4) ;;
  *) echo "mea_bench: --codec must be h264 or mpeg4" >&2; exit 2 ;;
esac
video="$out/testsrc2-720p25-${seconds}s-$codec_name.mp4"
if [ ! -s "$video" ]; then
  echo "generating $video ..." >&2
  ffmpeg -nostdin -hide_banner -loglevel error -y \
    -f lavfi -i "testsrc2=s=1280x720:r=25:d=$seconds" "${codec[@]}" -pix_fmt yuv420p "$video.tmp.mp4"
  mv "$video.tmp.mp4" "$video"
fi
frames=$((seconds * 25))

# Runs a command once; appends "wall user+sys" in seconds to the file $1.
time_once() {
  local log=$1
  shift
  local TIMEFORMAT='%R %U %S'
  { time "$@" >/dev/null 2>&1; } 2>"$out/time.txt"
  awk '{ printf "%s %.3f\n", $1, $2 + $3 }' "$out/time.txt" >>"$log"
}

median() {  # column $2 of file $1
  awk -v c="$2" '{ print $c }' "$1" | sort -g | awk '{ v[NR] = $1 } END {
    if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo "| decoder threads | ffmpeg decode alone, wall s | rapport sync mea, wall s | wall ratio | ffmpeg CPU s | mea CPU s | CPU ratio |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for threads in $threads_list; do
  decode_log="$out/decode-$threads.txt"
  mea_log="$out/mea-$threads.txt"
  : >"$decode_log"
  : >"$mea_log"
  for _ in $(seq "$runs"); do
    # Alternating the two spreads any drift in machine load over both.
    time_once "$decode_log" ffmpeg -nostdin -hide_banner -loglevel error -threads "$threads" \
      -i "$video" -an -f null -
    time_once "$mea_log" "$rapport" sync mea "$video" --roi left:0,0,640,720 \
      --roi right:640,0,640,720 --threads "$threads" --out "$out/mea.txt"
  done
  rows=$(wc -l <"$out/mea.txt")
  if [ "$rows" -ne "$frames" ]; then
    echo "mea_bench: expected $frames rows, got $rows" >&2
    exit 1
  fi
  dw=$(median "$decode_log" 1); mw=$(median "$mea_log" 1)
  dc=$(median "$decode_log" 2); mc=$(median "$mea_log" 2)
  label=$threads
  [ "$threads" = 0 ] && label="0 (auto, $(nproc) cores)"
  awk -v l="$label" -v dw="$dw" -v mw="$mw" -v dc="$dc" -v mc="$mc" 'BEGIN {
    printf "| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |\n", l, dw, mw, mw / dw, dc, mc, mc / dc }'
done
echo
echo "video: $(basename "$video"), 1280x720, $frames frames; medians of $runs alternating runs;" \
  "two regions covering the frame"
