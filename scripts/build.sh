#!/usr/bin/env bash
# Configures (once) and builds lineaged into ./build. Extra arguments go to
# cmake's configure step, e.g. -DLINEAGED_BUILD_BENCHMARKS=OFF.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=${LINEAGED_BUILD_DIR:-build}
if [ ! -f "$BUILD_DIR/build.ninja" ] || [ $# -gt 0 ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
fi
# Two jobs fit the 2-core, 24 GiB machines this runs on; more thrash.
cmake --build "$BUILD_DIR" -j "${LINEAGED_BUILD_JOBS:-$(nproc)}"
