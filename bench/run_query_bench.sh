#!/usr/bin/env bash
# Read-API latency at several store sizes. For each case: a fresh `lineaged serve` on a temporary
# data dir and an ephemeral port, lineaged_lineage_gen to fill it through /api/v1/lineage/batch,
# a pause for RocksDB to settle, lineaged_query_load on the lineage, list and search endpoints,
# then the server is stopped (its PID only) and the data dir removed. Prints a markdown table.
#
# Usage: bench/run_query_bench.sh [options]
#   --build_dir DIR        where lineaged and bench/ are built (default: build)
#   --cases "C ..."        edges:N or jobs:N (default: "edges:10000 edges:100000 edges:1000000
#                          jobs:100000")
#   --requests N           measured requests per query (default 2000)
#   --warmup N             warm-up requests per query (default 200)
#   --settle_seconds S     pause between ingest and queries (default 10)
#   --runs_per_job N       passed to the generator (default 3)
#   --queries Q            passed to lineaged_query_load (default: its own)
#   --log_dir DIR          keep every tool's output here (default: a temp dir, printed)
#   --max_load L           before measuring, wait while the 1-minute load average is above L
#                          (default 2.5: the machine has 2 cores) ...
#   --max_wait_seconds S   ... but at most S seconds per case (default 600), then measure anyway
# Run from anywhere; needs bash, awk, mktemp. The machine's load is printed before each case.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=build
cases="edges:10000 edges:100000 edges:1000000 jobs:100000"
requests=2000
warmup=200
settle_seconds=10
runs_per_job=3
queries=""
log_dir=""
max_load=2.5
max_wait_seconds=600
while [ $# -gt 0 ]; do
  case "$1" in
    --build_dir) build_dir=$2; shift 2 ;;
    --cases) cases=$2; shift 2 ;;
    --requests) requests=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --settle_seconds) settle_seconds=$2; shift 2 ;;
    --runs_per_job) runs_per_job=$2; shift 2 ;;
    --queries) queries=$2; shift 2 ;;
    --log_dir) log_dir=$2; shift 2 ;;
    --max_load) max_load=$2; shift 2 ;;
    --max_wait_seconds) max_wait_seconds=$2; shift 2 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done

server=$build_dir/lineaged
gen=$build_dir/bench/lineaged_lineage_gen
load=$build_dir/bench/lineaged_query_load
for binary in "$server" "$gen" "$load"; do
  [ -x "$binary" ] || { echo "missing $binary: build it first" >&2; exit 2; }
done
[ -n "$log_dir" ] || log_dir=$(mktemp -d /tmp/lineaged-query-bench-logs.XXXXXX)
mkdir -p "$log_dir"
echo "logs: $log_dir" >&2

server_pid=""
work=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=""
  if [ -n "$work" ]; then rm -rf "$work"; fi
  work=""
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Value of key=value in the first line of file $2 that starts with $3.
field() { awk -v key="$1" -v prefix="$3" 'index($0, prefix) == 1 {
  for (i = 1; i <= NF; i++) if (index($i, key "=") == 1) { print substr($i, length(key) + 2); exit }
}' "$2"; }

us_to_ms() { awk -v us="$1" 'BEGIN { if (us == "") print "-"; else printf "%.2f", us / 1000 }'; }

stores=()
rows=()
for case in $cases; do
  kind=${case%%:*}
  size=${case#*:}
  case "$kind" in edges|jobs) ;; *) echo "bad case $case" >&2; exit 2 ;; esac
  name="${kind}_${size}"
  work=$(mktemp -d /tmp/lineaged-query-bench.XXXXXX)
  echo "== $case: load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  "$server" serve --http_address=127.0.0.1 --http_port=0 --grpc_port=-1 \
    --port_file="$work/port" --data_dir="$work/data" --log_level=warn \
    >"$log_dir/$name.server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 300); do
    [ -s "$work/port" ] && break
    kill -0 "$server_pid" 2>/dev/null || { echo "server exited, see $log_dir/$name.server.log" >&2; exit 1; }
    sleep 0.1
  done
  [ -s "$work/port" ] || { echo "server did not start" >&2; exit 1; }
  url="http://127.0.0.1:$(cat "$work/port")"

  gen_out=$log_dir/$name.gen.txt
  if ! "$gen" "--$kind=$size" --runs_per_job="$runs_per_job" --url="$url" \
      --mid_datasets_out="$work/mid.txt" >"$gen_out" 2>&1; then
    echo "generator failed for $case:" >&2
    cat "$gen_out" >&2
    exit 1
  fi
  cat "$gen_out" >&2
  sleep "$settle_seconds"
  waited=0
  while awk -v l="$(cut -d' ' -f1 /proc/loadavg)" -v max="$max_load" 'BEGIN { exit !(l > max) }' &&
      [ "$waited" -lt "$max_wait_seconds" ]; do
    sleep 15
    waited=$((waited + 15))
  done
  load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)

  load_out=$log_dir/$name.query.txt
  load_args=(--url="$url" --nodes_file="$work/mid.txt" --requests="$requests"
             --warmup="$warmup" --server_pid="$server_pid"
             --job_namespace="$(field job_namespace "$gen_out" "SAMPLE job_namespace=")"
             --dataset_namespace="$(field dataset_namespace "$gen_out" "SAMPLE job_namespace=")"
             --search="$(field search "$gen_out" "SAMPLE job_namespace=")")
  [ -z "$queries" ] || load_args+=(--queries="$queries")
  echo "   load before queries: $load_at_start (waited ${waited}s)" >&2
  "$load" "${load_args[@]}" >"$load_out" 2>&1 || true  # unimplemented endpoints answer 404
  cat "$load_out" >&2

  stores+=("| $case | $(field jobs "$gen_out" GENERATED) | $(field datasets "$gen_out" GENERATED) | $(field edges "$gen_out" GENERATED) | $(field runs "$gen_out" GENERATED) | $(field events "$gen_out" GENERATED) | $(field events_per_sec "$gen_out" POSTED) | $load_at_start → $(cut -d' ' -f1-3 /proc/loadavg) |")
  while read -r line; do
    echo "$line" >"$work/result.txt"
    get() { field "$1" "$work/result.txt" RESULT; }
    if [ "$(get errors)" != "0" ]; then
      rows+=("| $case | $(get query) | — | — | — | — | — | — | — | status $(get status) |")
      continue
    fi
    nodes="$(get nodes_min)–$(get nodes_max)"
    [ "$(get total)" = "-" ] || nodes="$nodes of $(get total)"
    rows+=("| $case | $(get query) | $nodes | $(us_to_ms "$(get p50_us)") | $(us_to_ms "$(get p90_us)") | $(us_to_ms "$(get p99_us)") | $(us_to_ms "$(get max_us)") | $(get server_cpu_us) | $(awk -v b="$(get bytes_avg)" 'BEGIN { printf "%.1f", b / 1024 }') | |")
  done < <(grep '^RESULT ' "$load_out")
  cleanup
done

echo
echo "| case | jobs | datasets | edges | runs | events | ingest events/s | load avg before → after queries |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
printf '%s\n' "${stores[@]}"
echo
echo "| case | query | nodes returned | p50 ms | p90 ms | p99 ms | max ms | server CPU µs/req | KiB/answer | notes |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
printf '%s\n' "${rows[@]}"
