#!/usr/bin/env bash
# Installs the Debian 12 packages lineaged builds and tests with, if any are
# missing. Idempotent and quick when everything is there. Needs root or sudo.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache git clang-format
  libboost1.81-dev libboost-url1.81-dev
  librocksdb-dev
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  nlohmann-json3-dev libsimdjson-dev
  rapidjson-dev libjemalloc-dev
  prometheus-cpp-dev libabsl-dev libspdlog-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  zlib1g-dev libssl-dev liblz4-dev
  curl prometheus openssl
  # Fuzzing and sanitizer builds (scripts/fuzz.sh, scripts/ci-extra.sh): clang with
  # libFuzzer and the sanitizer runtimes, which libclang-common only recommends.
  clang libclang-rt-14-dev
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
