#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (ASan+UBSan) in
# ./build-fuzz and runs each for SECONDS (default 60). Fails if any target
# crashes, leaks, trips a sanitizer or breaks one of its checks; the input is
# then in build-fuzz/fuzz/crashes/. Seeds are made from tests/data each run;
# what a run discovers stays in build-fuzz/fuzz/corpus/ for the next one.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     e.g. scripts/fuzz.sh 600 router_fuzzer
#
# Reproduce a crash: build-fuzz/tests/fuzz/<target> build-fuzz/fuzz/crashes/<file>
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET=${1:-60}
shift || true
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
  TARGETS=(event_parser_fuzzer router_fuzzer node_id_fuzzer key_codec_fuzzer)
fi
BUILD_DIR=${LINEAGED_FUZZ_BUILD_DIR:-build-fuzz}
WORK="$BUILD_DIR/fuzz"

if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DLINEAGED_FUZZ=ON -DLINEAGED_BUILD_TESTS=OFF -DLINEAGED_BUILD_BENCHMARKS=OFF
fi
cmake --build "$BUILD_DIR" --target lineaged_fuzzers -j "${LINEAGED_BUILD_JOBS:-$(nproc)}"

# --- Seeds, made fresh from tests/data (nothing is copied into the repository).
rm -rf "$WORK/seeds"
mkdir -p "$WORK/seeds" "$WORK/corpus" "$WORK/crashes"
seeds() { mkdir -p "$WORK/seeds/$1" && echo "$WORK/seeds/$1"; }

dir=$(seeds event_parser_fuzzer)
find tests/data/corpus -name '*.json' -print0 | while IFS= read -r -d '' f; do
  cp "$f" "$dir/$(echo "$f" | tr '/' '_')"
done
# The target also reads its input as a batch body: a JSON array and NDJSON.
airflow=tests/data/corpus/compat/airflow/events
# (Events are pretty-printed; JSON strings hold no raw newline, so tr joins lines safely.)
{ printf '['; tr -d '\n' <"$airflow/line_01.json"; printf ','; tr -d '\n' <"$airflow/line_02.json"
  printf ']'; } >"$dir/batch_array"
for n in 03 04; do tr -d '\n' <"$airflow/line_$n.json"; echo; done >"$dir/batch_ndjson"

# Raw HTTP requests: events of tests/data posted as the clients do, and queries.
dir=$(seeds router_fuzzer)
request() {  # request NAME METHOD TARGET [HEADER...] < body (any bytes)
  local name=$1 method=$2 target=$3
  shift 3
  cat >"$dir/.body"
  {
    printf '%s %s HTTP/1.1\r\nHost: localhost\r\n' "$method" "$target"
    for h in "$@"; do printf '%s\r\n' "$h"; done
    printf 'Content-Length: %d\r\n\r\n' "$(wc -c <"$dir/.body")"
    cat "$dir/.body"
  } >"$dir/$name"
  rm -f "$dir/.body"
}
json='Content-Type: application/json'
request post_simple POST /api/v1/lineage "$json" \
  <tests/data/corpus/invalid-and-valid-fluentd/event_simple.json
request post_unicode POST /api/v1/lineage "$json" \
  <tests/data/corpus/marquez-edge-cases/event_unicode.json
request post_dataset_event POST /api/v1/lineage "$json" \
  <tests/data/corpus/client-python/serde_example_dataset_event.json
request post_batch POST /api/v1/lineage/batch "$json" <"$WORK/seeds/event_parser_fuzzer/batch_array"
request post_ndjson POST /api/v1/lineage/batch 'Content-Type: application/x-ndjson' \
  <"$WORK/seeds/event_parser_fuzzer/batch_ndjson"
gzip -c "$airflow"/line_05.json |
  request post_gzip POST /api/v1/lineage "$json" 'Content-Encoding: gzip'
{
  printf 'POST /api/v1/lineage HTTP/1.1\r\nHost: localhost\r\n%s\r\n' "$json"
  printf 'Transfer-Encoding: chunked\r\n\r\n'
  event=tests/data/corpus/client-python/serde_example_run_event.json
  printf '%x\r\n' "$(wc -c <"$event")"
  cat "$event"
  printf '\r\n0\r\n\r\n'
} >"$dir/post_chunked"
request get_dataset GET \
  '/api/v1/lineage?nodeId=dataset%3Apostgres%3A%2F%2Fh%3A5432%3Adb.public.t&depth=2' </dev/null
request get_job GET '/api/v1/lineage?nodeId=job:airflow:dag.task&depth=20' </dev/null
request get_field GET '/api/v1/lineage?nodeId=datasetField:bigquery:p.d.t:col' </dev/null
request get_dead_letters GET '/api/v1/exporters/atlas/dead-letters?limit=5' </dev/null
request retry_dead_letter POST /api/v1/exporters/atlas/dead-letters/12/retry </dev/null
request get_namespace_dataset GET '/api/v1/namespaces/s3%3A%2F%2Fbucket/datasets/path%2Fto%2Ffile' \
  </dev/null
request get_healthz GET /healthz 'Connection: close' </dev/null

dir=$(seeds node_id_fuzzer)
i=0
for id in 'dataset:postgres://h:5432:db.public.t' 'job:airflow:dag.task' \
  'datasetField:s3://bucket:path/file:col' 'run:43d7db3b-8984-4cda-b237-8c6919b36670' \
  'dataset:ns:name#43d7db3b-8984-4cda-b237-8c6919b36670' 'job:ns:dag:task' 'dataset:gs://b:k'; do
  printf '%s' "$id" >"$dir/id_$((i += 1))"
done

seeds key_codec_fuzzer >/dev/null

# --- Run, LINEAGED_FUZZ_JOBS targets at a time (default: one per core).
declare -A MAX_LEN=([event_parser_fuzzer]=65536 [router_fuzzer]=16384 [node_id_fuzzer]=512
  [key_codec_fuzzer]=1024)
run_target() {  # run_target TARGET: writes $WORK/TARGET.result
  local target=$1 rc=0
  local log="$WORK/$target.log"
  local extra=()
  [ "$target" = router_fuzzer ] && extra+=(-dict=tests/fuzz/http.dict)
  mkdir -p "$WORK/corpus/$target"
  # Leaks are errors too (LeakSanitizer runs at exit and after each crash).
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$BUILD_DIR/tests/fuzz/$target" "$WORK/corpus/$target" "$WORK/seeds/$target" \
    -max_total_time="$SECONDS_PER_TARGET" -max_len="${MAX_LEN[$target]:-4096}" -timeout=30 \
    -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$WORK/crashes/$target-" \
    "${extra[@]}" >"$log" 2>&1 || rc=$?
  local runs last
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 | sed -E 's/^#[0-9]+[[:space:]]+[A-Z]+[[:space:]]+//')
  if [ $rc -eq 0 ]; then
    echo "ok $target: ok, ${runs:-?} inputs in ${SECONDS_PER_TARGET}s, $last" >"$WORK/$target.result"
  else
    echo "FAILED $target: FAILED (exit $rc), see $log" >"$WORK/$target.result"
  fi
}

JOBS=${LINEAGED_FUZZ_JOBS:-$(nproc)}
for target in "${TARGETS[@]}"; do
  rm -f "$WORK/$target.result"
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
  echo "fuzz: $target for ${SECONDS_PER_TARGET}s (log $WORK/$target.log)"
  run_target "$target" &
done
wait
status=0
for target in "${TARGETS[@]}"; do
  result=$(cat "$WORK/$target.result" 2>/dev/null || echo "FAILED $target: no result")
  echo "fuzz: ${result#* }"
  if [ "${result%% *}" != ok ]; then
    status=1
    echo "---- $target failed; the end of its log:" >&2
    tail -60 "$WORK/$target.log" >&2 || true
  fi
done
exit $status
