#!/usr/bin/env bash
# ETL benchmark: the seed's job vehicles_to_stage (raw gzip NDJSON → relationalize → gzip Parquet
# partitioned by vendor) against DuckDB's plain COPY on the same files, same machine, one run.
# See bench/etl/README.md.
#
#   bench/etl/run.sh --build-dir build/release            full: 10^9 bytes of raw JSON, 3 repetitions
#   bench/etl/run.sh --build-dir build/release --quick    smoke test: 10^8 bytes, 1 repetition
#
# Results go to bench/results/etl-<time>/ (summary.md, runs.tsv, data.tsv, environment.txt, raw/);
# the table is printed too. The lake is written to a temp dir (--tmp-dir), deleted on exit.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$BENCH_DIR/../.." && pwd)
BENCH_NAME=etl
COMMAND_LINE="$0 $*"
source "$REPO/bench/lib.sh"

usage() {
  cat <<'EOF'
Usage: bench/etl/run.sh [options]

  --build-dir DIR         lakebox build dir holding bench/etl_bench (default build/release)
  --quick                 smoke test: 10^8 bytes of raw JSON, 1 repetition
  --bytes B               raw JSON bytes in the lake, uncompressed (default 1,000,000,000; 10^8 with --quick)
  --reps N                repetitions of every system (default 3; 1 with --quick)
  --only LIST             comma-separated subset of lakebox,duckdb-root,duckdb-full (default: all three)
  --records-per-minute N  producer rate, which with --object-seconds sizes the raw objects (default 5000,
                          the seed's Lambda)
  --object-seconds S      Firehose buffer interval: seconds of records per raw object (default 900, the seed's)
  --memory-limit SIZE     DuckDB memory_limit of the job service and of DuckDB alone (default 2GB, serve's)
  --threads N             DuckDB threads (default 0: one per core)
  --compression CODEC     Parquet compression of every system: gzip (default, the seed's), snappy, zstd, none
  --perf                  after the measured runs, one more lakebox run under `perf record` (raw/perf-*.txt)
  --tmp-dir DIR           where the lake goes; a real disk (default /var/tmp)
  --keep                  keep the temp dir (the lake, its catalog and the last outputs) and print where it is
  -h, --help              this text
EOF
}

BUILD_DIR=build/release
QUICK=0
BYTES=""
REPS=""
ONLY="lakebox,duckdb-root,duckdb-full"
RECORDS_PER_MINUTE=5000
OBJECT_SECONDS=900
MEMORY_LIMIT=2GB
THREADS=0
COMPRESSION=gzip
PERF=0
TMP_PARENT=/var/tmp
KEEP=0
while (($#)); do
  case $1 in
    --build-dir) BUILD_DIR=$2; shift 2 ;;
    --quick) QUICK=1; shift ;;
    --bytes) BYTES=$2; shift 2 ;;
    --reps) REPS=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    --records-per-minute) RECORDS_PER_MINUTE=$2; shift 2 ;;
    --object-seconds) OBJECT_SECONDS=$2; shift 2 ;;
    --memory-limit) MEMORY_LIMIT=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --compression) COMPRESSION=$2; shift 2 ;;
    --perf) PERF=1; shift ;;
    --tmp-dir) TMP_PARENT=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
done
if ((QUICK)); then
  BYTES=${BYTES:-100000000}; REPS=${REPS:-1}
else
  BYTES=${BYTES:-1000000000}; REPS=${REPS:-3}
fi
want() { [[ ",$ONLY," == *",$1,"* ]]; }
for s in ${ONLY//,/ }; do
  case $s in lakebox | duckdb-root | duckdb-full) ;; *) die "--only: unknown system '$s'" ;; esac
done

BUILD_DIR=$(resolve_build_dir "$BUILD_DIR" "$REPO")
ETL_BENCH=$BUILD_DIR/bench/etl_bench
[ -x "$ETL_BENCH" ] || die "$ETL_BENCH not found: cmake --build $BUILD_DIR --target etl_bench"
if ((PERF)); then command -v perf >/dev/null || die "--perf: perf is missing"; fi

SUFFIX=""
((QUICK)) && SUFFIX=-quick
RESULTS=$REPO/bench/results/etl-$(date +%Y%m%d-%H%M%S)$SUFFIX
RAW=$RESULTS/raw
RUNS=$RESULTS/runs.tsv
mkdir -p "$RAW"
WORK=$(mktemp -d "$TMP_PARENT/lakebox-bench-etl.XXXXXX")
SAMPLER_PID=""

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  [ -z "$SAMPLER_PID" ] || stop_pid "$SAMPLER_PID" TERM 5 || true
  if ((KEEP)); then log "kept $WORK (lake and catalog in $WORK/data)"; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

environment_header "$REPO" "$TMP_PARENT" \
  "quick=$QUICK bytes=$BYTES reps=$REPS only=$ONLY records_per_minute=$RECORDS_PER_MINUTE \
object_seconds=$OBJECT_SECONDS memory_limit=$MEMORY_LIMIT threads=$THREADS compression=$COMPRESSION" \
  >"$RESULTS/environment.txt"
echo "command: $COMMAND_LINE" >>"$RESULTS/environment.txt"
cat "$RESULTS/environment.txt" >&2

# The machine's load during the whole benchmark, every 5 s: other work on the 2 cores shows here.
(while true; do echo "$(date +%H:%M:%S) $(cut -d' ' -f1-4 /proc/loadavg)"; sleep 5; done) >"$RAW/loadavg.txt" &
SAMPLER_PID=$!

# --- The lake: raw gzip NDJSON as Firehose delivers it, crawled into vehicles.vehicles_raw.
DATA=$WORK/data
log "writing $BYTES bytes of raw JSON ($RECORDS_PER_MINUTE records/min, ${OBJECT_SECONDS} s per object) and crawling it"
printf 'objects\trecords\tjson_bytes\tstored_bytes\tpartitions\tcrawl_s\n' >"$RESULTS/data.tsv"
"$ETL_BENCH" make-lake --data-dir "$DATA" --bytes "$BYTES" --records-per-minute "$RECORDS_PER_MINUTE" \
  --object-seconds "$OBJECT_SECONDS" >>"$RESULTS/data.tsv" 2>"$RAW/make-lake.log" ||
  die "make-lake failed (see $RAW/make-lake.log)"
column -t -s $'\t' "$RESULTS/data.tsv" >&2
RECORDS=$(awk -F'\t' 'NR == 2 {print $2}' "$RESULTS/data.tsv")

# --- The runs, interleaved per repetition so that a burst of load hits every system alike.
# runs.tsv: one line per run; the lakebox-only and DuckDB-only columns are "-" for the other.
RUN_COLUMNS=(system rep load1 state wall_s sync_s records_in rows_out child_rows objects_out bytes_out peak_rss_kb
  user_s sys_s batches listing_s reading_s writing_s committing_s load_s root_s child_s)
(IFS=$'\t'; echo "${RUN_COLUMNS[*]}") >"$RUNS"
load1() { cut -d' ' -f1 /proc/loadavg; }
mb_per_s() { awk -v b="$BYTES" -v w="$1" 'BEGIN {printf "%.1f", b / 1e6 / w}'; }
DATA_CHECK_FAILED=0
check_rows() {  # check_rows SYSTEM REP ROWS
  if [ "$3" != "$RECORDS" ]; then
    log "DATA CHECK FAILED: $1 rep $2 wrote $3 root rows, the lake holds $RECORDS records"
    DATA_CHECK_FAILED=1
  fi
}
run_lakebox() {  # run_lakebox REP
  local load line
  load=$(load1)
  line=$("$ETL_BENCH" lakebox --data-dir "$DATA" --memory-limit "$MEMORY_LIMIT" --threads "$THREADS" \
    --compression "$COMPRESSION" 2>>"$RAW/lakebox.log") || die "lakebox rep $1 failed: $line (see $RAW/lakebox.log)"
  IFS=$'\t' read -r state wall records_in records_out _objects_in _bytes_in objects_out bytes_out rss user sys \
    batches listing reading writing committing child_rows _error <<<"$line"
  printf 'lakebox\t%s\t%s\t%s\t%s\t-\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t-\t-\t-\n' "$1" "$load" \
    "$state" "$wall" "$records_in" "$records_out" "$child_rows" "$objects_out" "$bytes_out" "$rss" "$user" "$sys" \
    "$batches" "$listing" "$reading" "$writing" "$committing" >>"$RUNS"
  check_rows lakebox "$1" "$records_out"
  log "lakebox rep $1: $wall s ($(mb_per_s "$wall") MB/s of raw JSON), peak RSS $((rss / 1024)) MB"
}
run_duckdb() {  # run_duckdb MODE REP
  local load line
  load=$(load1)
  line=$("$ETL_BENCH" duckdb --data-dir "$DATA" --out "$WORK/duckdb-$1" --mode "$1" --memory-limit "$MEMORY_LIMIT" \
    --threads "$THREADS" --compression "$COMPRESSION" 2>>"$RAW/duckdb.log") ||
    die "duckdb $1 rep $2 failed: $line (see $RAW/duckdb.log)"
  IFS=$'\t' read -r _mode wall sync root_rows child_rows objects_out bytes_out rss user sys load_s root_s child_s \
    <<<"$line"
  printf 'duckdb-%s\t%s\t%s\tok\t%s\t%s\t-\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t-\t-\t-\t-\t-\t%s\t%s\t%s\n' "$1" "$2" "$load" \
    "$wall" "$sync" "$root_rows" "$child_rows" "$objects_out" "$bytes_out" "$rss" "$user" "$sys" "$load_s" "$root_s" \
    "$child_s" >>"$RUNS"
  check_rows "duckdb-$1" "$2" "$root_rows"
  log "duckdb-$1 rep $2: $wall s ($(mb_per_s "$wall") MB/s of raw JSON), peak RSS $((rss / 1024)) MB"
}
for ((rep = 1; rep <= REPS; rep++)); do
  want lakebox && run_lakebox "$rep"
  want duckdb-root && run_duckdb root "$rep"
  want duckdb-full && run_duckdb full "$rep"
done
# What the last lakebox run wrote, for the record.
if want lakebox; then
  (cd "$DATA/s3/lake" && find stage stage_alerts -type f -printf '%s\t%p\n' | sort -k2) >"$RAW/lakebox-output.tsv"
fi

if ((PERF)); then
  log "one more lakebox run under perf record (not in the table)"
  perf record -F 499 -o "$WORK/perf.data" -- "$ETL_BENCH" lakebox --data-dir "$DATA" --memory-limit "$MEMORY_LIMIT" \
    --threads "$THREADS" --compression "$COMPRESSION" >"$RAW/perf-run.tsv" 2>>"$RAW/lakebox.log" ||
    log "the perf run failed"
  if [ -s "$WORK/perf.data" ]; then
    perf report -i "$WORK/perf.data" --no-children --sort dso,symbol --percent-limit 0.5 --stdio 2>/dev/null |
      grep -E '^ +[0-9]' | sed -E 's/[ -]+$//' >"$RAW/perf-self.txt" || true
    perf report -i "$WORK/perf.data" --no-children --sort dso --stdio 2>/dev/null | grep -E '^ +[0-9]' |
      sed -E 's/ +$//' >"$RAW/perf-dso.txt" || true
  fi
fi
stop_pid "$SAMPLER_PID" TERM 5 || true
SAMPLER_PID=""

python3 "$BENCH_DIR/summarize.py" --runs "$RUNS" --data "$RESULTS/data.tsv" --environment "$RESULTS/environment.txt" \
  --loadavg "$RAW/loadavg.txt" >"$RESULTS/summary.md"
{
  echo
  cat "$RESULTS/summary.md"
  echo
  echo "Results: $RESULTS"
} >&2
if ((DATA_CHECK_FAILED)); then
  log "DATA CHECK FAILED: a run wrote a different number of rows than the lake holds; see above"
  exit 1
fi
