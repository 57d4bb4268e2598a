#!/usr/bin/env bash
# Matching 1,000 clients against 500 therapists, and the outcome report of 20,000 ended episodes
# (see bench/matching/matching_bench.cc). Usage: bench/matching/run.sh [RELEASE_BUILD_DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../../build/release}"
bench="$build/bench/matching/matching_bench"
if [[ ! -x "$bench" ]]; then
  echo "no $bench: build the matching_bench target in a Release build first"; exit 1
fi
"$bench" --clients 1000 --therapists 500 --episodes 20000
