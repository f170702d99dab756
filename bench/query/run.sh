#!/usr/bin/env bash
# Query benchmark: the seed's SQL over a lake of vehicle records (raw gzip NDJSON as Firehose writes
# it, and the flattened gzip Parquet stage table), on lakebox (in process and through the Athena
# API), DuckDB run directly on the same files, and ClickHouse 18.16 on the same records in a
# MergeTree table. Same machine, one run. See bench/query/README.md.
#
#   bench/query/run.sh --build-dir build/release            full: 1,000,000 records, 7 repetitions
#   bench/query/run.sh --build-dir build/release --quick    smoke test: 50,000 records, 5 repetitions
#
# Results go to bench/results/query-<time>/ (summary.md, runs.tsv, data.tsv, raw/); the table is
# printed too. Servers run as children on 127.0.0.1 only, with temp data dirs, stopped on exit.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$BENCH_DIR/../.." && pwd)
BENCH_NAME=query
COMMAND_LINE="$0 $*"
source "$REPO/bench/lib.sh"

usage() {
  cat <<'EOF'
Usage: bench/query/run.sh [options]

  --build-dir DIR       lakebox build dir holding lakebox, bench/query_bench and bench/make_query_lake
                        (default build/release)
  --quick               smoke test: 50,000 records, 5 repetitions
  --records N           vehicle records in the lake (default 1,000,000; 50,000 with --quick)
  --hours H             hours of event time, i.e. raw hour partitions (default 24)
  --object-seconds S    event-time seconds per raw object: Firehose's buffer interval (default 60)
  --reps N              repetitions of every query on every system (default 7; 5 with --quick)
  --only LIST           comma-separated subset of inproc,athena,clickhouse (default: all three;
                        inproc = lakebox's engine in process beside DuckDB direct)
  --memory-limit SIZE   DuckDB memory_limit for lakebox (engine and serve) and DuckDB direct (default 2GB)
  --tmp-dir DIR         where the lake and the servers' data go; a real disk (default /var/tmp)
  --keep                keep the temp dir (the lake and its catalog) and print where it is
  -h, --help            this text
EOF
}

BUILD_DIR=build/release
QUICK=0
RECORDS=""
HOURS=24
OBJECT_SECONDS=60
REPS=""
ONLY="inproc,athena,clickhouse"
MEMORY_LIMIT=2GB
TMP_PARENT=/var/tmp
KEEP=0
while (($#)); do
  case $1 in
    --build-dir) BUILD_DIR=$2; shift 2 ;;
    --quick) QUICK=1; shift ;;
    --records) RECORDS=$2; shift 2 ;;
    --hours) HOURS=$2; shift 2 ;;
    --object-seconds) OBJECT_SECONDS=$2; shift 2 ;;
    --reps) REPS=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    --memory-limit) MEMORY_LIMIT=$2; shift 2 ;;
    --tmp-dir) TMP_PARENT=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
done
if ((QUICK)); then
  RECORDS=${RECORDS:-50000}; REPS=${REPS:-5}
else
  RECORDS=${RECORDS:-1000000}; REPS=${REPS:-7}
fi
want() { [[ ",$ONLY," == *",$1,"* ]]; }
for s in ${ONLY//,/ }; do
  case $s in inproc | athena | clickhouse) ;; *) die "--only: unknown part '$s'" ;; esac
done

BUILD_DIR=$(resolve_build_dir "$BUILD_DIR" "$REPO")
LAKEBOX=$BUILD_DIR/lakebox
QUERY_BENCH=$BUILD_DIR/bench/query_bench
MAKE_LAKE=$BUILD_DIR/bench/make_query_lake
CLIENT="python3 $BENCH_DIR/client.py"
for bin in "$LAKEBOX" "$QUERY_BENCH" "$MAKE_LAKE"; do
  [ -x "$bin" ] || die "$bin not found: cmake --build $BUILD_DIR --target lakebox query_bench make_query_lake"
done

SUFFIX=""
((QUICK)) && SUFFIX=-quick
RESULTS=$REPO/bench/results/query-$(date +%Y%m%d-%H%M%S)$SUFFIX
RAW=$RESULTS/raw
RUNS=$RESULTS/runs.tsv
mkdir -p "$RAW"
WORK=$(mktemp -d "$TMP_PARENT/lakebox-bench-query.XXXXXX")
LB_PID="" CH_PID=""

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  lakebox_stop
  [ -z "${CH_PID:-}" ] || stop_pid "$CH_PID" TERM 60 || true
  if ((KEEP)); then log "kept $WORK (lake and catalog in $WORK/data)"; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

environment_header "$REPO" "$TMP_PARENT" \
  "quick=$QUICK records=$RECORDS hours=$HOURS object_seconds=$OBJECT_SECONDS reps=$REPS only=$ONLY memory_limit=$MEMORY_LIMIT" \
  >"$RESULTS/environment.txt"
echo "command: $COMMAND_LINE" >>"$RESULTS/environment.txt"
cat "$RESULTS/environment.txt" >&2

# --- The lake: raw objects, the stage table, the ClickHouse CSV; then the crawlers.
DATA=$WORK/data
CH_CSV=$WORK/clickhouse.csv
log "writing $RECORDS records: raw gzip NDJSON over $HOURS hours, the Parquet stage table, the ClickHouse CSV"
printf 'set\tobjects\trecords\tjson_bytes\tstored_bytes\n' >"$RESULTS/data.tsv"
ch_csv_args=()
want clickhouse && ch_csv_args=(--clickhouse-csv "$CH_CSV")
start=$(date +%s.%N)
"$MAKE_LAKE" --bucket-dir "$DATA/s3/lake" --records "$RECORDS" --hours "$HOURS" --object-seconds "$OBJECT_SECONDS" \
  --memory-limit "$MEMORY_LIMIT" "${ch_csv_args[@]}" >>"$RESULTS/data.tsv"
log "lake written in $(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN {printf "%.1f", e - s}') s; $(du -sh "$DATA/s3/lake/raw" | cut -f1) raw, $(du -sh "$DATA/s3/lake/stage" | cut -f1) stage"
column -t -s $'\t' "$RESULTS/data.tsv" >&2

cat >"$WORK/lakebox.toml" <<EOF
[query]
memory_limit = "$MEMORY_LIMIT"
[log]
level = "warn"
EOF
lakebox_start "$LAKEBOX" "$DATA" "$RAW/lakebox-crawl.log" "$WORK/lakebox.toml"
log "crawling raw/ and stage/ (lakebox serve on $LB_ENDPOINT)"
$CLIENT crawl "$LB_ENDPOINT" >"$RESULTS/tables.tsv" || die "crawl failed (see $RAW/lakebox-crawl.log)"
lakebox_stop
cut -f1,2,4,5 "$RESULTS/tables.tsv" | sed 's/^/  table: /' >&2
"$QUERY_BENCH" --data-dir "$DATA" --print-queries >"$RESULTS/queries.tsv"

printf 'system\tquery\trep\twall_ms\tserver_ms\tbytes_scanned\trows\textra\n' >"$RUNS"

# --- In process: lakebox's engine, lakebox's views in plain DuckDB, DuckDB direct; interleaved.
if want inproc; then
  log "in process: lakebox engine, lakebox's views in DuckDB, DuckDB direct ($REPS repetitions, interleaved)"
  "$QUERY_BENCH" --data-dir "$DATA" --memory-limit "$MEMORY_LIMIT" --benchmark_repetitions="$REPS" \
    --benchmark_enable_random_interleaving=true --benchmark_out="$RAW/query_bench.json" \
    --benchmark_out_format=json >"$RAW/query_bench.txt" 2>&1 || { tail -20 "$RAW/query_bench.txt" >&2; die "query_bench failed"; }
  grep '^CHECK' "$RAW/query_bench.txt" >&2 || true
  python3 "$BENCH_DIR/summarize.py" gbench "$RAW/query_bench.json" >>"$RUNS"
fi

# --- Athena API of a running lakebox serve.
if want athena; then
  lakebox_start "$LAKEBOX" "$DATA" "$RAW/lakebox-athena.log" "$WORK/lakebox.toml"
  log "Athena API on $LB_ENDPOINT ($REPS repetitions after a warm-up round)"
  $CLIENT athena "$LB_ENDPOINT" "$RESULTS/queries.tsv" "$REPS" "$RUNS" || die "Athena runs failed (see $RAW/lakebox-athena.log)"
  echo "lakebox serve peak RSS during the Athena runs: $(peak_rss_kb "$LB_PID") kB" >>"$RESULTS/environment.txt"
  lakebox_stop
fi

# --- ClickHouse 18.16 on the same records in a MergeTree table.
if want clickhouse; then
  source "$REPO/bench/ingest/clickhouse.sh"
  ch_start
  ch_query "CREATE DATABASE vehicles" >/dev/null
  ch_query "CREATE TABLE vehicles.vehicles_stage (vehicle_id String, vendor String, model String, event_time String,
    vehicle_status_speed_kmh Float64, vehicle_status_engine_temp_c Float64, vehicle_status_fuel_level Float64,
    vehicle_status_odometer_km Int32, vehicle_status_doors_locked UInt8, gps_info_latitude Float64,
    gps_info_longitude Float64, gps_info_altitude_m Float64, gps_info_heading Float64, alerts Int64,
    year String, month String, day String, hour String)
    ENGINE = MergeTree ORDER BY (vendor, vehicle_id, event_time)" >/dev/null
  start=$(date +%s.%N)
  curl -sS --fail-with-body "http://127.0.0.1:$CH_PORT/?query=INSERT%20INTO%20vehicles.vehicles_stage%20FORMAT%20CSV" \
    --data-binary @"$CH_CSV" >/dev/null || die "loading ClickHouse failed"
  ch_query "OPTIMIZE TABLE vehicles.vehicles_stage FINAL" >/dev/null
  load_s=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN {printf "%.1f", e - s}')
  ch_rows=$(ch_query "SELECT count() FROM vehicles.vehicles_stage")
  ch_bytes=$(ch_query "SELECT sum(bytes_on_disk) FROM system.parts WHERE database = 'vehicles' AND active" 2>/dev/null ||
    ch_query "SELECT sum(bytes) FROM system.parts WHERE database = 'vehicles' AND active")
  echo "clickhouse: $ch_rows rows loaded from CSV and merged (OPTIMIZE FINAL) in $load_s s; $ch_bytes bytes on disk" >>"$RESULTS/environment.txt"
  log "ClickHouse: $ch_rows rows loaded in $load_s s; $REPS repetitions after a warm-up round"
  [ "$ch_rows" -eq "$RECORDS" ] || die "ClickHouse holds $ch_rows rows, not $RECORDS"
  $CLIENT clickhouse "$CH_PORT" "$RESULTS/queries.tsv" "$REPS" "$RUNS" || die "ClickHouse runs failed"
  ch_stop
fi

python3 "$BENCH_DIR/summarize.py" table --runs "$RUNS" --data "$RESULTS/data.tsv" --queries "$RESULTS/queries.tsv" --tables "$RESULTS/tables.tsv" \
  --environment "$RESULTS/environment.txt" >"$RESULTS/summary.md"
{
  echo
  cat "$RESULTS/summary.md"
  echo
  echo "Results: $RESULTS"
} >&2
