#!/usr/bin/env bash
# Installs the Debian packages Rapport needs, only those that are missing. Safe to run again.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  libboost-dev nlohmann-json3-dev libfmt-dev libsqlite3-dev libpq-dev libsodium-dev
  libhowardhinnant-date-dev tzdata libcli11-dev
  libavformat-dev libavcodec-dev libavutil-dev libswscale-dev ffmpeg
  libcurl4-openssl-dev libssl-dev python3-aiosmtpd openssl
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-format-19 clang-tidy-19
  # The development build: clang++-19 with its sanitizer runtimes and libFuzzer (the fuzz targets,
  # fuzz/README.md), and lld, which links the large sanitized test programs in a fraction of ld's
  # time.
  clang-19 libclang-rt-19-dev lld
  postgresql-15
  nodejs npm chromium sqlite3 wrk
  coturn
  # The high-availability deployment (deploy/) and its failover test. Patroni reaches etcd through
  # python3-etcd, one of several alternatives it depends on: named here, since the others are not
  # wanted. Installing etcd-server and haproxy may start their own services on their default
  # ports; the test starts its own on free ones and never uses those.
  patroni python3-etcd etcd-server haproxy
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    # nodejs from another origin can bring its own npm: accept any working npm.
    if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then continue; fi
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "Installing missing packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "error: these packages are missing and installing them needs root: ${missing[*]}" >&2
  echo "       run: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
