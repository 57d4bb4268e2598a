#!/usr/bin/env bash
# A risk answer reaching a person: 201 -> the therapist's live banner with and without 64 other
# clients submitting, and outbox deliveries per second to a real SMTP server on loopback (see
# bench/http/alert_bench.cc). Usage: bench/http/alert_run.sh [RELEASE_BUILD_DIR] [RISKS] [MAILS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../../build/release}"
bench="$build/bench/http/alert_bench"
if [[ ! -x "$bench" ]]; then
  echo "no $bench: build the alert_bench target in a Release build first"; exit 1
fi
RAPPORT_SOURCE_DIR="$(cd "$here/../.." && pwd)" "$bench" --risks "${2:-60}" --mails "${3:-500}"
