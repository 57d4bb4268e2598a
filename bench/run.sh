#!/usr/bin/env bash
# Runs every benchmark script over the release build (build/release, or $1) and prints their
# results; docs/benchmarks.md records them with the command that produced them.
# Usage: bench/run.sh [RELEASE_BUILD_DIR]
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../build/release}"
status=0
run() {
  echo "== $*"
  "$@" || { echo "!! failed: $*"; status=1; }
  echo
}
run "$here/http/run.sh" "$build"
run "$here/matching/run.sh" "$build"
[[ -x "$here/sync/run.sh" ]] && run "$here/sync/run.sh" "$build"
[[ -x "$here/startup/run.sh" ]] && run "$here/startup/run.sh" "$build"
[[ -x "$here/sync/mea_bench.sh" ]] && run "$here/sync/mea_bench.sh" --rapport "$build/src/app/rapport"
# The browser's CPU for the rapport signals (Debian's chromium and web/dist; about 8 minutes).
run node "$here/web/features_cpu.mjs" "$build"
exit $status
