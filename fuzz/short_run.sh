#!/bin/sh
# The short run of one fuzz target (a CTest test of the fuzz preset):
#   short_run.sh FUZZER SEEDS SCRATCH [libFuzzer flags...]
# Runs FUZZER over the seeds in SEEDS and then the flags' worth of mutated inputs, from a fixed
# random seed and with leak detection. New inputs go to SCRATCH/corpus, emptied first, so the
# repository's seeds are only read; a crashing input is kept in SCRATCH/../artifacts.
set -eu
fuzzer=$1
seeds=$2
scratch=$3
shift 3
artifacts=$(dirname "$scratch")/artifacts
rm -rf "$scratch"
mkdir -p "$scratch/corpus" "$artifacts"
# Stack traces with names and lines, from whichever LLVM symbolizer is installed.
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ]; then
  for s in llvm-symbolizer-19 llvm-symbolizer llvm-symbolizer-14; do
    if command -v "$s" >/dev/null 2>&1; then
      ASAN_SYMBOLIZER_PATH=$(command -v "$s")
      export ASAN_SYMBOLIZER_PATH
      break
    fi
  done
fi
exec "$fuzzer" -seed=1 -detect_leaks=1 -timeout=30 -print_final_stats=1 \
  -artifact_prefix="$artifacts/$(basename "$scratch")-" "$@" "$scratch/corpus" "$seeds"
