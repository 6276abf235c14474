#!/usr/bin/env bash
# The checks CI adds to scripts/test.sh (which runs this when CI=true; too slow
# for every local run). Each step is timed; all run even if one fails, and the
# script fails if any did. docs/reliability.md describes them and their results.
#
#   1. asan:   builds ./build-san with clang, ASan+UBSan and libFuzzer's
#              coverage instrumentation (LINEAGED_FUZZ=ON with the tests), and
#              runs the whole test suite there
#   2. fuzz:   each libFuzzer target of that same build for 60 s (scripts/fuzz.sh)
#   3. crash:  3 kill -9 crash trials (scripts/crash-trials.sh, ./build)
#
# One sanitizer tree serves both the suite and the fuzzers: on the 2-core CI
# machine a second sanitizer build of the same libraries costs more than the
# rest of this script. It is built at -O1 with line tables only, which is
# enough for sanitizer reports and much cheaper to compile than -O2 -g.
#
# Expects scripts/test.sh to have built ./build. LINEAGED_CI_FUZZ_SECONDS and
# LINEAGED_CI_CRASH_TRIALS change the fuzz time and the number of trials;
# LINEAGED_CI_EXTRA=0 makes scripts/test.sh skip this script.
set -euo pipefail
cd "$(dirname "$0")/.."

JOBS=${LINEAGED_BUILD_JOBS:-$(nproc)}
# Paths relative to the clone in ccache's keys: a later CI run from a fresh
# clone elsewhere on the same machine still hits the cache.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-true}
SUPPRESSIONS="$PWD/tests/sanitizers"
export ASAN_OPTIONS="detect_leaks=1:detect_stack_use_after_return=1:strict_init_order=1"
export LSAN_OPTIONS="suppressions=$SUPPRESSIONS/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$SUPPRESSIONS/ubsan.supp"

passed=0
failed=0
failures=()
# step NAME COMMAND...: runs and times one step.
step() {
  local name=$1 start rc=0
  shift
  start=$(date +%s)
  echo "ci-extra: --- $name: $*"
  "$@" || rc=$?
  local took=$(($(date +%s) - start))
  if [ $rc -eq 0 ]; then
    passed=$((passed + 1))
    echo "ci-extra: --- $name passed in ${took}s"
  else
    failed=$((failed + 1))
    failures+=("$name")
    echo "ci-extra: --- $name FAILED (exit $rc) in ${took}s"
  fi
}

SAN_DIR=build-san

# Sanitizer reports of every process the tests start (the server, the Atlas
# emulator) go to files here: a report in a child the test did not check
# (say, a leak at the server's SIGTERM exit) still fails the step.
asan() {
  if [ ! -f "$SAN_DIR/build.ninja" ]; then
    CC=clang CXX=clang++ cmake -S . -B "$SAN_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only -DNDEBUG" -DLINEAGED_FUZZ=ON \
      -DLINEAGED_BUILD_TESTS=ON -DLINEAGED_BUILD_BENCHMARKS=OFF
  fi
  cmake --build "$SAN_DIR" -j "$JOBS"
  local reports rc=0
  reports=$(mktemp -d "${TMPDIR:-/tmp}/lineaged-asan-XXXXXX")
  ASAN_OPTIONS="$ASAN_OPTIONS:log_path=$reports/asan" \
    UBSAN_OPTIONS="$UBSAN_OPTIONS:log_path=$reports/ubsan" \
    ctest --test-dir "$SAN_DIR" --output-on-failure -j "$JOBS" || rc=$?
  if [ -n "$(ls -A "$reports")" ]; then
    echo "ci-extra: sanitizer reports:" >&2
    for report in "$reports"/*; do echo "--- $report" >&2; head -80 "$report" >&2; done
    rc=1
  fi
  rm -rf "$reports"
  return $rc
}

total_start=$(date +%s)
step asan asan
step fuzz env LINEAGED_FUZZ_BUILD_DIR="$SAN_DIR" scripts/fuzz.sh "${LINEAGED_CI_FUZZ_SECONDS:-60}"
step crash scripts/crash-trials.sh "${LINEAGED_CI_CRASH_TRIALS:-3}"
echo "ci-extra: took $(($(date +%s) - total_start))s${failures:+; failed: ${failures[*]}}"
# The closing line CI reads: steps, not test cases.
echo "ci-extra: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
