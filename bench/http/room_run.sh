#!/usr/bin/env bash
# Telehealth rooms under load: ROOMS rooms, therapist and client in each streaming rapport-signal
# features at 10 Hz for SECONDS, with server CPU, memory per room and the client's frame -> the
# therapist's live strip latency, against the same rooms chatting at the same rate (see
# bench/http/room_bench.cc). Usage: bench/http/room_run.sh [RELEASE_BUILD_DIR] [ROOMS] [SECONDS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../../build/release}"
bench="$build/bench/http/room_bench"
if [[ ! -x "$bench" ]]; then
  echo "no $bench: build the room_bench target in a Release build first"; exit 1
fi
"$bench" --rooms "${2:-500}" --seconds "${3:-60}"
