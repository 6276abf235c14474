#!/usr/bin/env bash
# Quick start: install what is missing, build, check formatting and layering,
# and run the whole test suite with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# The release build, and in CI the sanitizer build, need several GB; say so up
# front rather than as a compiler crash halfway through.
free_kb=$(df -Pk . | awk 'NR == 2 {print $4}')
if [ "${free_kb:-0}" -lt $((8 * 1024 * 1024)) ]; then
  echo "test.sh: warning: only $((free_kb / 1024)) MB free here; the build and tests need about 8 GB" >&2
fi
scripts/check-format.sh
scripts/check-layering.sh
scripts/build.sh
# Every test's scratch directory (tests/testing/temp_dir.cc honours TMPDIR) goes
# under one directory per run, removed when the run ends: a test that aborts
# (a sanitizer report, a crash trial) cannot leave its RocksDB files behind.
LINEAGED_TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/lineaged-tests.XXXXXX")
trap 'rm -rf "$LINEAGED_TEST_TMP"' EXIT
export TMPDIR=$LINEAGED_TEST_TMP
ctest --test-dir "${LINEAGED_BUILD_DIR:-build}" --output-on-failure -j "$(nproc)" "$@"
# In CI only (CI=true): sanitizer builds, fuzzing and crash trials
# (docs/reliability.md); LINEAGED_CI_EXTRA=0 skips them.
if [ "${CI:-}" = "true" ] && [ "${LINEAGED_CI_EXTRA:-1}" != 0 ]; then
  scripts/ci-extra.sh
fi
