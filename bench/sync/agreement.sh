#!/usr/bin/env bash
# Agreement check of `rapport sync ccf --rmea-compat` with rMEA's MEAccf (needs R and a local
# copy of rMEA's source; skips cleanly without them). Nothing is downloaded or installed.
#   bench/sync/agreement.sh RMEA_SOURCE_DIR [RAPPORT_BINARY] [MEA_FILE...]
# Compares the window x lag matrices (r, |Fisher z|, and smoothed + scaled |Fisher z|) on the
# given files plus three synthetic sessions (10, 50 and 90 minutes, with missing values).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
rmea_dir="${1:-}"
rapport="${2:-$here/../../build/release/src/app/rapport}"
shift $(( $# > 2 ? 2 : $# ))
if ! command -v Rscript >/dev/null 2>&1; then
  echo "agreement: skipped (R is not installed)"; exit 0
fi
if [[ -z "$rmea_dir" || ! -d "$rmea_dir/R" ]]; then
  echo "agreement: skipped (give the path of a local rMEA source checkout)"; exit 0
fi
if [[ ! -x "$rapport" ]]; then
  echo "agreement: no rapport binary at $rapport (build it first)"; exit 1
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
files=("$@")
for spec in "10 11" "50 12" "90 13"; do
  set -- $spec
  files+=("$(Rscript "$here/make_synthetic.R" "$tmp" "$1" "$2" | tr -d ' ')")
done
Rscript "$here/compare_rmea.R" "$rmea_dir" "$rapport" "$tmp" "${files[@]}"
