#!/usr/bin/env bash
# Smoke test of lineaged_lineage_gen: for a tiny size it writes the number of events it reports,
# half START and half COMPLETE, reaches the requested edge count, and the same seed gives the same
# bytes (another seed does not). Usage: lineage_gen_smoke_test.sh <lineaged_lineage_gen> <work dir>
set -euo pipefail
gen=$1
dir=$2
rm -rf "$dir"
mkdir -p "$dir"

fail() { echo "FAIL: $*" >&2; exit 1; }
field() { sed -n "s/.*[ ]$1=\([^ ]*\).*/\1/p" "$2" | head -1; }

"$gen" --edges=500 --seed=7 --out="$dir/a.ndjson" --mid_datasets_out="$dir/mid.txt" >"$dir/a.txt"
"$gen" --edges=500 --seed=7 --out="$dir/b.ndjson" >"$dir/b.txt"
"$gen" --edges=500 --seed=8 --out="$dir/c.ndjson" >"$dir/c.txt"
cat "$dir/a.txt"

events=$(field events "$dir/a.txt")
edges=$(field edges "$dir/a.txt")
runs=$(field runs "$dir/a.txt")
[ -n "$events" ] && [ "$events" -gt 0 ] || fail "no event count printed"
[ "$edges" -ge 500 ] || fail "edges=$edges below the target 500"
[ "$events" -eq $((2 * runs)) ] || fail "events=$events is not 2 x runs=$runs"
lines=$(wc -l <"$dir/a.ndjson")
[ "$lines" -eq "$events" ] || fail "$lines lines in the NDJSON, $events events reported"
starts=$(grep -c '^{"eventType":"START"' "$dir/a.ndjson")
completes=$(grep -c '^{"eventType":"COMPLETE"' "$dir/a.ndjson")
[ "$starts" -eq "$runs" ] && [ "$completes" -eq "$runs" ] || fail "$starts START, $completes COMPLETE"
grep -q '"schema":{' "$dir/a.ndjson" || fail "no schema facet"
cmp -s "$dir/a.ndjson" "$dir/b.ndjson" || fail "same seed, different output"
cmp -s "$dir/a.txt" "$dir/b.txt" || fail "same seed, different summary"
! cmp -s "$dir/a.ndjson" "$dir/c.ndjson" || fail "another seed, same output"
grep -q '^SAMPLE mid_dataset=dataset:postgres://warehouse-' "$dir/a.txt" || fail "no mid dataset"
[ -s "$dir/mid.txt" ] || fail "empty --mid_datasets_out"

"$gen" --jobs=100 --seed=7 --runs_per_job=1 --out="$dir/j.ndjson" >"$dir/j.txt"
jobs=$(field jobs "$dir/j.txt")
[ "$jobs" -ge 100 ] || fail "jobs=$jobs below the target 100"
[ "$(wc -l <"$dir/j.ndjson")" -eq $((2 * jobs)) ] || fail "--jobs: not 2 events per job"
echo PASS
