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

# Raw HTTP requests: events of tests/data posted as the clients do, and queries,
# with the API keys router_fuzzer configures (a few without, or with the wrong one).
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
ingest_key='Authorization: Bearer fuzz-ingest-key-0123456789'
read_key='Authorization: Bearer fuzz-read-key-0123456789'
admin_key='Authorization: Bearer fuzz-admin-key-0123456789'
request post_simple POST /api/v1/lineage "$json" "$ingest_key" \
  <tests/data/corpus/invalid-and-valid-fluentd/event_simple.json
request post_unicode POST /api/v1/lineage "$json" "$admin_key" \
  <tests/data/corpus/marquez-edge-cases/event_unicode.json
request post_dataset_event POST /api/v1/lineage "$json" "$ingest_key" \
  <tests/data/corpus/client-python/serde_example_dataset_event.json
request post_no_key POST /api/v1/lineage "$json" \
  <tests/data/corpus/client-python/serde_example_dataset_event.json
request post_read_key POST /api/v1/lineage "$json" "$read_key" </dev/null
request post_batch POST /api/v1/lineage/batch "$json" "$ingest_key" \
  <"$WORK/seeds/event_parser_fuzzer/batch_array"
request post_ndjson POST /api/v1/lineage/batch 'Content-Type: application/x-ndjson' "$ingest_key" \
  <"$WORK/seeds/event_parser_fuzzer/batch_ndjson"
gzip -c "$airflow"/line_05.json |
  request post_gzip POST /api/v1/lineage "$json" 'Content-Encoding: gzip' "$ingest_key"
{
  printf 'POST /api/v1/lineage HTTP/1.1\r\nHost: localhost\r\n%s\r\n%s\r\n' "$json" "$ingest_key"
  printf 'Transfer-Encoding: chunked\r\n\r\n'
  event=tests/data/corpus/client-python/serde_example_run_event.json
  printf '%x\r\n' "$(wc -c <"$event")"
  cat "$event"
  printf '\r\n0\r\n\r\n'
} >"$dir/post_chunked"
get() {  # get NAME TARGET [HEADER...]: a GET with the read key
  local name=$1 target=$2
  shift 2
  request "$name" GET "$target" "$read_key" "$@" </dev/null
}
get get_dataset '/api/v1/lineage?nodeId=dataset%3Apostgres%3A%2F%2Fh%3A5432%3Adb.public.t&depth=2'
get get_job '/api/v1/lineage?nodeId=job:airflow:dag.task&depth=20'
get get_field '/api/v1/lineage?nodeId=datasetField:bigquery:p.d.t:id'
get get_column_lineage '/api/v1/column-lineage?nodeId=dataset:bigquery:p.d.t&withDownstream=true'
get get_dead_letters '/api/v1/exporters/atlas/dead-letters?limit=5'
get get_namespaces '/api/v1/namespaces?limit=10&offset=0'
get get_namespace /api/v1/namespaces/airflow
get get_datasets '/api/v1/namespaces/postgres%3A%2F%2Fh%3A5432/datasets?limit=5'
get get_namespace_dataset '/api/v1/namespaces/s3%3A%2F%2Fbucket/datasets/path%2Fto%2Ffile'
get get_dataset_versions /api/v1/namespaces/bigquery/datasets/p.d.t/versions
get get_jobs '/api/v1/jobs?limit=3'
get get_job_resource /api/v1/namespaces/spark/jobs/app%3Ajob%201
get get_job_versions /api/v1/namespaces/airflow/jobs/dag.task/versions
get get_job_runs '/api/v1/namespaces/airflow/jobs/dag.task/runs?limit=1'
get get_run /api/v1/jobs/runs/0193689c-9a6e-7b6d-8d4c-1d2f3a4b5c6d
get get_run_facets '/api/v1/jobs/runs/0193689c-9a6e-7b6d-8d4c-1d2f3a4b5c6d/facets?type=run'
get get_sources /api/v1/sources
get get_tags /api/v1/tags
get get_search '/api/v1/search?q=dag&filter=JOB&sort=NAME&limit=10'
get get_events '/api/v1/events/lineage?before=2030-01-01T00:00:00Z&sortDirection=asc&limit=2'
get get_stats '/api/v1/stats/lineage-events?period=WEEK&timezone=UTC'
get get_placeholders /api/v1/fuzz/a%2Fb/and/c%20d
request put_namespace PUT /api/v1/namespaces/team "$json" "$admin_key" \
  <<<'{"ownerName":"me","description":"ours"}'
request put_tag PUT /api/v1/tags/PII "$json" "$admin_key" <<<'{"description":"personal"}'
request tag_dataset POST /api/v1/namespaces/bigquery/datasets/p.d.t/tags/PII "$admin_key" </dev/null
request tag_field POST /api/v1/namespaces/bigquery/datasets/p.d.t/fields/id/tags/PII "$admin_key" \
  </dev/null
request delete_job DELETE /api/v1/namespaces/spark/jobs/app%3Ajob%201 "$admin_key" </dev/null
request retry_dead_letter POST /api/v1/exporters/atlas/dead-letters/12/retry "$admin_key" </dev/null
request get_no_key GET /api/v1/namespaces </dev/null
request get_wrong_key GET /api/v1/namespaces 'Authorization: Bearer not-a-key-0123456789' \
  </dev/null
request get_healthz GET /healthz 'Connection: close' </dev/null

dir=$(seeds node_id_fuzzer)
i=0
for id in 'dataset:postgres://h:5432:db.public.t' 'job:airflow:dag.task' \
  'datasetField:s3://bucket:path/file:col' 'run:43d7db3b-8984-4cda-b237-8c6919b36670' \
  'dataset:ns:name#43d7db3b-8984-4cda-b237-8c6919b36670' 'job:ns:dag:task' 'dataset:gs://b:k' \
  'dataset:ns:t#43d7db3b-8984-4cda-b237-8c6919b3667e#43d7db3b-8984-4cda-b237-8c6919b36670'; do
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
  UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$PWD/tests/sanitizers/ubsan.supp" \
    "$BUILD_DIR/tests/fuzz/$target" "$WORK/corpus/$target" "$WORK/seeds/$target" \
    -max_total_time="$SECONDS_PER_TARGET" -max_len="${MAX_LEN[$target]:-4096}" -timeout=30 \
    -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$WORK/crashes/$target-" \
    "${extra[@]}" >"$log" 2>&1 || rc=$?
  local runs last
  # (A target that dies while starting has neither line.)
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 | sed -E 's/^#[0-9]+[[:space:]]+[A-Z]+[[:space:]]+//' ||
    true)
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
