#!/usr/bin/env bash
# Crash trials: does a 201 mean durable, whenever the server dies?
#
#   scripts/crash-trials.sh [N]     N trials (default 20) on one data directory
#
# Each trial starts build/lineaged on the trial's data directory (which
# recovers whatever the previous kill left), drives it with
# build/bench/lineaged_http_load (which logs every event answered 201 to an
# ack log), kills the server with SIGKILL after a random 0.2-4 s, restarts it
# (it must become ready: the store opens clean after the crash), stops it with
# SIGTERM (exit 0), and runs lineaged_crash_verify: every event acknowledged in
# this and earlier trials must be in the store, every stored event valid and
# stored once (tests/crash/store_check.h). Fails on the first trial that does
# not pass, keeping its directory. Only processes this script started are
# signalled, by PID.
#
# LINEAGED_CRASH_SEED=n repeats a run's kill delays. LINEAGED_BUILD_DIR picks
# the build (default ./build; scripts/build.sh is run first).
set -euo pipefail
cd "$(dirname "$0")/.."

TRIALS=${1:-20}
BUILD_DIR=${LINEAGED_BUILD_DIR:-build}
SEED=${LINEAGED_CRASH_SEED:-$$}
RANDOM=$SEED

scripts/build.sh >/dev/null
SERVER_BIN="$BUILD_DIR/lineaged"
LOAD_BIN="$BUILD_DIR/bench/lineaged_http_load"
VERIFY_BIN="$BUILD_DIR/tests/crash/lineaged_crash_verify"
for bin in "$SERVER_BIN" "$LOAD_BIN" "$VERIFY_BIN"; do
  [ -x "$bin" ] || { echo "crash-trials: $bin is missing (needs the benchmarks and tests built)" >&2; exit 2; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/lineaged-crash-XXXXXX")
DATA="$WORK/data"
ACKS="$WORK/acks.log"
server_pid=""
server_wrapper=""
load_pid=""
keep_work=0

cleanup() {
  # Only our own children, by PID.
  if [ -n "$load_pid" ] && kill -0 "$load_pid" 2>/dev/null; then kill -KILL "$load_pid" 2>/dev/null || true; fi
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then kill -KILL "$server_pid" 2>/dev/null || true; fi
  if [ -n "$server_wrapper" ]; then wait "$server_wrapper" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  if [ $keep_work -eq 0 ]; then rm -rf "$WORK"; else echo "crash-trials: kept $WORK" >&2; fi
}
trap cleanup EXIT

fail() {
  echo "crash-trials: FAILED in trial $trial: $*" >&2
  for log in "$WORK"/server-*.log; do
    [ -f "$log" ] && { echo "--- $log (end)" >&2; tail -20 "$log" >&2; }
  done
  keep_work=1
  exit 1
}

# start_server NAME: starts the server, waits until /readyz answers 200. The
# server runs under a wrapper subshell that records its PID and exit status, so
# this shell reports no "Killed" job notice for it.
start_server() {
  rm -f "$WORK/port" "$WORK/server.pid" "$WORK/server.exit"
  (
    "$SERVER_BIN" serve --http_address=127.0.0.1 --http_port=0 --grpc_port=-1 \
      --port_file="$WORK/port" --data_dir="$DATA" --log_level=warn --http_threads=1 \
      >"$WORK/server-$1.log" 2>&1 &
    echo $! >"$WORK/server.pid"
    status=0
    wait $! || status=$?
    echo $status >"$WORK/server.exit"
  ) 2>/dev/null &
  server_wrapper=$!
  for _ in $(seq 1 600); do
    [ -s "$WORK/server.pid" ] && server_pid=$(cat "$WORK/server.pid")
    if [ -n "$server_pid" ] && [ -s "$WORK/port" ]; then
      port=$(cat "$WORK/port")
      if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz")" = 200 ]; then
        return 0
      fi
    fi
    kill -0 "$server_wrapper" 2>/dev/null || fail "the server ($1) exited while starting"
    sleep 0.1
  done
  fail "the server ($1) was not ready after 60 s"
}

# stop_server SIGNAL SECONDS: signals the server and sets rc to its exit status
# (or "timeout").
stop_server() {
  kill "-$1" "$server_pid"
  wait_pid "$server_wrapper" "$2"
  if [ "$rc" != timeout ]; then rc=$(cat "$WORK/server.exit"); fi
  server_pid=""
}

# wait_pid PID SECONDS: waits up to SECONDS for our child PID to exit, then
# sets rc to its exit status, or to "timeout" if it is still running.
wait_pid() {
  local pid=$1 limit=$2
  for _ in $(seq 1 $((limit * 10))); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    rc=timeout
    return
  fi
  rc=0
  wait "$pid" || rc=$?
}

echo "crash-trials: $TRIALS trials, seed $SEED, work dir $WORK"
touch "$ACKS"
passed=0
total_acked=0
for trial in $(seq 1 "$TRIALS"); do
  start_server "trial$trial"
  acked_before=$(wc -l <"$ACKS")
  "$LOAD_BIN" --port="$port" --connections=8 --duration_seconds=600 --warmup_seconds=0 \
    --timeout_seconds=5 --ack_log="$ACKS" >"$WORK/load-$trial.log" 2>&1 &
  load_pid=$!
  # A random moment 0.2-4.0 s into the load.
  delay_ms=$((200 + RANDOM % 3801))
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"

  stop_server KILL 10
  [ "$rc" = 137 ] || fail "the server was not killed by SIGKILL (exit $rc)"
  # The load generator stops on SIGTERM; a second one stops it at once.
  kill -TERM "$load_pid" 2>/dev/null || true
  wait_pid "$load_pid" 10
  if [ "$rc" = timeout ]; then
    kill -TERM "$load_pid" 2>/dev/null || true
    wait_pid "$load_pid" 10
  fi
  # Its exit status does not matter (1 if the kill came before it connected);
  # only the ack log does.
  [ "$rc" != timeout ] || fail "the load generator did not stop"
  load_pid=""
  acked=$(($(wc -l <"$ACKS") - acked_before))

  # Restart on what the kill left: the store must open and serve.
  start_server "restart$trial"
  stop_server TERM 60
  [ "$rc" = 0 ] || fail "the restarted server did not stop cleanly (exit $rc)"

  "$VERIFY_BIN" --data_dir="$DATA" --ack_log="$ACKS" >"$WORK/verify-$trial.log" 2>&1 || {
    cat "$WORK/verify-$trial.log" >&2
    fail "lineaged_crash_verify"
  }
  verify=$(grep '^crash-verify: ok' "$WORK/verify-$trial.log")
  total_acked=$(wc -l <"$ACKS")
  passed=$((passed + 1))
  line="trial $trial: killed after ${delay_ms} ms, $acked acknowledged in this trial; ${verify#crash-verify: }"
  echo "crash-trials: $line"
done
echo "crash-trials: $passed/$TRIALS passed, $total_acked acknowledged events, all present after kill -9 (seed $SEED)"
