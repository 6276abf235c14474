#!/usr/bin/env bash
# Configures (once) and builds lineaged into ./build. Extra arguments go to
# cmake's configure step, e.g. -DLINEAGED_BUILD_BENCHMARKS=OFF.
set -euo pipefail
cd "$(dirname "$0")/.."

# Paths relative to the clone in ccache's keys, so a second clone on the same
# machine reuses the first one's objects (as scripts/ci-extra.sh does).
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-true}
BUILD_DIR=${LINEAGED_BUILD_DIR:-build}
if [ ! -f "$BUILD_DIR/build.ninja" ] || [ $# -gt 0 ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
fi
# Two jobs fit the 2-core, 24 GiB machines this runs on; more thrash.
cmake --build "$BUILD_DIR" -j "${LINEAGED_BUILD_JOBS:-$(nproc)}"
