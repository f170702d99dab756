#!/usr/bin/env bash
# Ingest benchmark: lakebox's Firehose PutRecordBatch against ClickHouse and PostgreSQL, same vehicle
# records, same machine, one run. See bench/ingest/README.md for what is measured and how.
#
#   bench/ingest/run.sh --build-dir build/release            full: 3 repetitions x 10 s per point
#   bench/ingest/run.sh --build-dir build/release --quick    smoke test: 1 repetition x 3 s
#
# Results go to bench/results/ingest-<time>/ (summary.md, runs.tsv, raw/); the table is printed too.
# Servers run as children on 127.0.0.1 only, with temp data dirs, and are stopped on exit.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$BENCH_DIR/../.." && pwd)

usage() {
  cat <<'EOF'
Usage: bench/ingest/run.sh [options]

  --build-dir DIR   lakebox build dir holding lakebox and bench/make_ingest_bodies (default build/release)
  --quick           smoke test: 1 repetition, 3 s per point, 20,000 records
  --only LIST       comma-separated subset of lakebox,clickhouse,postgres (default: all three)
  --conns "A B C"   connection counts (default "2 4 8")
  --duration S      seconds per measured point (default 10; 3 with --quick)
  --reps N          repetitions per point (default 3; 1 with --quick)
  --records N       records in the data set, a multiple of 10,000 (default 200,000; 20,000 with --quick)
  --data DIR        reuse a data set written by make_ingest_bodies instead of generating one
  --tmp-dir DIR     where the servers' temp data dirs go; must be a real disk (default /var/tmp)
  -h, --help        this text

Environment: WRK_THREADS (wrk threads, default 1: the load generator must not eat the server's CPU).
EOF
}

BUILD_DIR=build/release
QUICK=0
ONLY="lakebox,clickhouse,postgres"
CONNS="2 4 8"
DURATION=""
REPS=""
RECORDS=""
DATA=""
TMP_PARENT=/var/tmp
WRK_THREADS=${WRK_THREADS:-1}
while (($#)); do
  case $1 in
    --build-dir) BUILD_DIR=$2; shift 2 ;;
    --quick) QUICK=1; shift ;;
    --only) ONLY=$2; shift 2 ;;
    --conns) CONNS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --reps) REPS=$2; shift 2 ;;
    --records) RECORDS=$2; shift 2 ;;
    --data) DATA=$2; shift 2 ;;
    --tmp-dir) TMP_PARENT=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
done
if ((QUICK)); then
  DURATION=${DURATION:-3}; REPS=${REPS:-1}; RECORDS=${RECORDS:-20000}
else
  DURATION=${DURATION:-10}; REPS=${REPS:-3}; RECORDS=${RECORDS:-200000}
fi
# A relative build dir is taken from the current directory, else from the repository root.
if [ -d "$BUILD_DIR" ]; then BUILD_DIR=$(cd "$BUILD_DIR" && pwd); else
  case $BUILD_DIR in /*) ;; *) BUILD_DIR=$REPO/$BUILD_DIR ;; esac
fi
LAKEBOX=$BUILD_DIR/lakebox
MAKE_BODIES=$BUILD_DIR/bench/make_ingest_bodies

source "$BENCH_DIR/common.sh"
source "$BENCH_DIR/lakebox.sh"
source "$BENCH_DIR/clickhouse.sh"
source "$BENCH_DIR/postgres.sh"

want() { [[ ",$ONLY," == *",$1,"* ]]; }
for s in ${ONLY//,/ }; do
  case $s in lakebox | clickhouse | postgres) ;; *) die "--only: unknown system '$s'" ;; esac
done
command -v wrk >/dev/null || die "wrk is missing (scripts/bootstrap installs it)"
if want lakebox; then [ -x "$LAKEBOX" ] || die "$LAKEBOX not found: cmake --build $BUILD_DIR --target lakebox"; fi

SUFFIX=""
((QUICK)) && SUFFIX=-quick
RESULTS=$REPO/bench/results/ingest-$(date +%Y%m%d-%H%M%S)$SUFFIX
RAW=$RESULTS/raw
RUNS=$RESULTS/runs.tsv
mkdir -p "$RAW"
WORK=$(mktemp -d "$TMP_PARENT/lakebox-bench-ingest.XXXXXX")
chmod 755 "$WORK"  # PostgreSQL runs as `nobody` below it
DATA_CHECK_FAILED=0
SAMPLER_PID="" LB_PID="" CH_PID="" PG_PID=""

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_sampler
  [ -z "$LB_PID" ] || stop_pid "$LB_PID" TERM 120 || true
  [ -z "$CH_PID" ] || stop_pid "$CH_PID" TERM 60 || true
  [ -z "$PG_PID" ] || stop_pid "$PG_PID" INT 60 || true
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "git: $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo none)"
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(uname -r)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "options: quick=$QUICK conns='$CONNS' duration=${DURATION}s reps=$REPS records=$RECORDS wrk_threads=$WRK_THREADS only=$ONLY"
  echo "data dirs under: $TMP_PARENT ($(df -PT "$TMP_PARENT" | awk 'NR == 2 {print $2}'))"
} >"$RESULTS/environment.txt"
cat "$RESULTS/environment.txt" >&2

if [ -z "$DATA" ]; then
  [ -x "$MAKE_BODIES" ] || die "$MAKE_BODIES not found: cmake --build $BUILD_DIR --target make_ingest_bodies"
  DATA=$WORK/data
  log "writing $RECORDS records as request bodies into $DATA"
  "$MAKE_BODIES" --records "$RECORDS" --out-dir "$DATA" --stream "$LB_STREAM" >"$RAW/make_ingest_bodies.txt"
fi
for set in firehose-500 ndjson-500 ndjson-10000; do
  [ -s "$DATA/$set/index.tsv" ] || die "$DATA/$set/index.tsv missing (write the data set with make_ingest_bodies)"
done
cp "$DATA/manifest.tsv" "$RESULTS/manifest.tsv"

printf 'system\tbatch\tconns\tmode\trep\tduration_us\trequests\tok\tbad\tacked_records\tp50_us\tp99_us\tmem_kind\tmem_min_kb\tmem_max_kb\tnote\n' >"$RUNS"
want lakebox && run_lakebox
want clickhouse && run_clickhouse
want postgres && run_postgres

summary_args=(--runs "$RUNS" --manifest "$RESULTS/manifest.tsv")
want lakebox && summary_args+=(--lake-check "$RESULTS/lakebox-lake-check.tsv")
python3 "$BENCH_DIR/summarize.py" table "${summary_args[@]}" >"$RESULTS/summary.md"
{
  echo
  cat "$RESULTS/summary.md"
  echo
  echo "Results: $RESULTS"
} >&2
if ((DATA_CHECK_FAILED)); then
  log "DATA CHECK FAILED: a system holds fewer (or more) records than it acknowledged; see notes above"
  exit 1
fi
