#!/usr/bin/env bash
# Quick start: install what is missing, build, check formatting and layering,
# and run the whole test suite with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/check-format.sh
scripts/check-layering.sh
scripts/build.sh
ctest --test-dir "${LINEAGED_BUILD_DIR:-build}" --output-on-failure -j "$(nproc)" "$@"
# In CI only (CI=true): sanitizer builds, fuzzing and crash trials
# (docs/reliability.md); LINEAGED_CI_EXTRA=0 skips them.
if [ "${CI:-}" = "true" ] && [ "${LINEAGED_CI_EXTRA:-1}" != 0 ]; then
  scripts/ci-extra.sh
fi
