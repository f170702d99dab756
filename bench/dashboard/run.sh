#!/usr/bin/env bash
# Dashboard benchmark: the built-in Vehicles dashboard over a 1,000,000-record stage table (the
# issue's goals: each visual's query under 200 ms, first paint under 1 s on loopback).
#  1. bench/tools/make_query_lake writes the lake (raw gzip NDJSON + the flattened Parquet stage
#     table), lakebox serve crawls it;
#  2. each dataset's SQL (GET /v1/dashboards/vehicles) is timed in process by query_bench
#     --queries: lakebox's engine beside DuckDB direct on the same Parquet files (the peer);
#  3. through the running server: GET .../datasets/<ds> one at a time and all at once, each
#     round after the server's dataset cache expired (bench/dashboard/client.py);
#  4. Chromium loads the dashboard page in a fresh context REPS times (first_paint.mjs).
#
#   bench/dashboard/run.sh --build-dir build/release            full: 1,000,000 records, 7 reps
#   bench/dashboard/run.sh --build-dir build/release --quick    smoke test: 50,000 records, 3 reps
#
# Results: bench/results/dashboard-<time>/ (summary.md, runs.tsv, paint.jsonl, raw/).
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$BENCH_DIR/../.." && pwd)
BENCH_NAME=dashboard
COMMAND_LINE="$0 $*"
source "$REPO/bench/lib.sh"

usage() {
  cat <<'EOF'
Usage: bench/dashboard/run.sh [options]

  --build-dir DIR       lakebox build dir holding lakebox, bench/query_bench and bench/make_query_lake
                        (default build/release)
  --quick               smoke test: 50,000 records, 3 repetitions
  --records N           vehicle records in the stage table (default 1,000,000)
  --reps N              repetitions (default 7)
  --dashboard NAME      the dashboard to time (default vehicles, the built-in one)
  --memory-limit SIZE   DuckDB memory_limit (default 2GB)
  --tmp-dir DIR         where the lake goes; a real disk (default /var/tmp)
  -h, --help            this text
EOF
}

BUILD_DIR=build/release
QUICK=0
RECORDS=""
REPS=""
DASHBOARD=vehicles
MEMORY_LIMIT=2GB
TMP_PARENT=/var/tmp
while (($#)); do
  case $1 in
    --build-dir) BUILD_DIR=$2; shift 2 ;;
    --quick) QUICK=1; shift ;;
    --records) RECORDS=$2; shift 2 ;;
    --reps) REPS=$2; shift 2 ;;
    --dashboard) DASHBOARD=$2; shift 2 ;;
    --memory-limit) MEMORY_LIMIT=$2; shift 2 ;;
    --tmp-dir) TMP_PARENT=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
done
if ((QUICK)); then
  RECORDS=${RECORDS:-50000}; REPS=${REPS:-3}
else
  RECORDS=${RECORDS:-1000000}; REPS=${REPS:-7}
fi

BUILD_DIR=$(resolve_build_dir "$BUILD_DIR" "$REPO")
LAKEBOX=$BUILD_DIR/lakebox
QUERY_BENCH=$BUILD_DIR/bench/query_bench
MAKE_LAKE=$BUILD_DIR/bench/make_query_lake
for bin in "$LAKEBOX" "$QUERY_BENCH" "$MAKE_LAKE"; do
  [ -x "$bin" ] || die "$bin not found: cmake --build $BUILD_DIR --target lakebox query_bench make_query_lake"
done
[ -d "$REPO/web/node_modules/playwright-core" ] || die "web/node_modules missing: run scripts/bootstrap"
CLIENT="python3 $BENCH_DIR/client.py"

SUFFIX=""
((QUICK)) && SUFFIX=-quick
RESULTS=$REPO/bench/results/dashboard-$(date +%Y%m%d-%H%M%S)$SUFFIX
RAW=$RESULTS/raw
RUNS=$RESULTS/runs.tsv
mkdir -p "$RAW"
WORK=$(mktemp -d "$TMP_PARENT/lakebox-bench-dashboard.XXXXXX")
LB_PID=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  lakebox_stop
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

environment_header "$REPO" "$TMP_PARENT" "quick=$QUICK records=$RECORDS reps=$REPS dashboard=$DASHBOARD memory_limit=$MEMORY_LIMIT" \
  >"$RESULTS/environment.txt"
echo "command: $COMMAND_LINE" >>"$RESULTS/environment.txt"
echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo missing)" >>"$RESULTS/environment.txt"
cat "$RESULTS/environment.txt" >&2

# --- 1. The lake, crawled.
DATA=$WORK/data
log "writing $RECORDS records (raw gzip NDJSON and the Parquet stage table)"
"$MAKE_LAKE" --bucket-dir "$DATA/s3/lake" --records "$RECORDS" --hours 24 --object-seconds 60 \
  --memory-limit "$MEMORY_LIMIT" >"$RESULTS/data.tsv"
cat >"$WORK/lakebox.toml" <<EOF
[query]
memory_limit = "$MEMORY_LIMIT"
[log]
level = "warn"
EOF
lakebox_start "$LAKEBOX" "$DATA" "$RAW/lakebox.log" "$WORK/lakebox.toml"
log "crawling (lakebox serve on $LB_ENDPOINT)"
python3 "$REPO/bench/query/client.py" crawl "$LB_ENDPOINT" >"$RESULTS/tables.tsv" || die "crawl failed (see $RAW/lakebox.log)"
$CLIENT queries "$LB_ENDPOINT" "$DASHBOARD" >"$RESULTS/queries.tsv" || die "no dashboard $DASHBOARD"
lakebox_stop
sed 's/^/  dataset: /' "$RESULTS/queries.tsv" >&2

printf 'system\tquery\trep\twall_ms\tserver_ms\tbytes_scanned\trows\textra\n' >"$RUNS"

# --- 2. In process: lakebox's engine and DuckDB direct, interleaved.
log "in process: each dataset's SQL on lakebox's engine and on DuckDB direct ($REPS repetitions)"
"$QUERY_BENCH" --data-dir "$DATA" --memory-limit "$MEMORY_LIMIT" --queries "$RESULTS/queries.tsv" \
  --benchmark_repetitions="$REPS" --benchmark_enable_random_interleaving=true \
  --benchmark_out="$RAW/query_bench.json" --benchmark_out_format=json >"$RAW/query_bench.txt" 2>&1 ||
  { tail -20 "$RAW/query_bench.txt" >&2; die "query_bench failed"; }
python3 "$REPO/bench/query/summarize.py" gbench "$RAW/query_bench.json" | grep -v '^lakebox-views' >>"$RUNS"

# --- 3 and 4. Through the server: the dataset endpoint, then the page in Chromium.
lakebox_start "$LAKEBOX" "$DATA" "$RAW/lakebox.log" "$WORK/lakebox.toml"
log "dataset endpoint on $LB_ENDPOINT ($REPS rounds, each after the cache expired)"
$CLIENT datasets "$LB_ENDPOINT" "$DASHBOARD" "$REPS" "$RUNS" || die "dataset runs failed (see $RAW/lakebox.log)"
refresh=$(curl -fsS "$LB_ENDPOINT/v1/dashboards/$DASHBOARD" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("RefreshSeconds", 0))')
log "first paint in Chromium ($REPS loads, ${refresh} s apart so that each finds the cache expired)"
node "$BENCH_DIR/first_paint.mjs" "$LB_ENDPOINT/#/dashboards/$DASHBOARD" "$REPS" "$refresh" >"$RESULTS/paint.jsonl" ||
  die "first paint runs failed"
echo "lakebox serve peak RSS: $(peak_rss_kb "$LB_PID") kB" >>"$RESULTS/environment.txt"
lakebox_stop

python3 "$BENCH_DIR/summarize.py" --runs "$RUNS" --paint "$RESULTS/paint.jsonl" --queries "$RESULTS/queries.tsv" \
  --environment "$RESULTS/environment.txt" >"$RESULTS/summary.md"
{
  echo
  cat "$RESULTS/summary.md"
  echo
  echo "Results: $RESULTS"
} >&2
