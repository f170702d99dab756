#!/usr/bin/env bash
# Crawler benchmark: how long lakebox's Glue crawler takes over a lake of many small objects (full
# crawl, then an incremental crawl with nothing new) and over ~1 GB of JSON in a few large objects,
# and how fast it samples JSON (objects of ~1 MB, read whole). See bench/crawler/README.md.
#
#   bench/crawler/run.sh --build-dir build/release            full: 3 repetitions
#   bench/crawler/run.sh --build-dir build/release --quick    smoke test: 1 repetition, smaller lake
#
# Results go to bench/results/crawler-<time>/ (summary.md, runs.tsv, data.tsv, raw/); the table is
# printed too. The server runs as a child on 127.0.0.1 with a temp data dir, stopped on exit.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$BENCH_DIR/../.." && pwd)

usage() {
  cat <<'EOF'
Usage: bench/crawler/run.sh [options]

  --build-dir DIR       lakebox build dir holding lakebox and bench/make_crawler_lake (default build/release)
  --quick               smoke test: 1 repetition, 2,000 small objects, 100 MB of large objects,
                        64 sampling objects
  --reps N              repetitions of every measurement (default 3; 1 with --quick)
  --small-objects N     small objects (default 10,000), 5 records each, over 100 partition folders
  --large-bytes B       JSON bytes in the large objects (default 1,000,000,000)
  --large-objects K     number of large objects (default 8)
  --sample-objects M    objects of ~1 MB of JSON for the sampling throughput (default 256)
  --tmp-dir DIR         where the server's temp data dir goes; a real disk (default /var/tmp)
  -h, --help            this text
EOF
}

BUILD_DIR=build/release
QUICK=0
REPS=""
SMALL_OBJECTS=""
LARGE_BYTES=""
LARGE_OBJECTS=8
SAMPLE_OBJECTS=""
TMP_PARENT=/var/tmp
while (($#)); do
  case $1 in
    --build-dir) BUILD_DIR=$2; shift 2 ;;
    --quick) QUICK=1; shift ;;
    --reps) REPS=$2; shift 2 ;;
    --small-objects) SMALL_OBJECTS=$2; shift 2 ;;
    --large-bytes) LARGE_BYTES=$2; shift 2 ;;
    --large-objects) LARGE_OBJECTS=$2; shift 2 ;;
    --sample-objects) SAMPLE_OBJECTS=$2; shift 2 ;;
    --tmp-dir) TMP_PARENT=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
done
if ((QUICK)); then
  REPS=${REPS:-1}; SMALL_OBJECTS=${SMALL_OBJECTS:-2000}; LARGE_BYTES=${LARGE_BYTES:-100000000}
  SAMPLE_OBJECTS=${SAMPLE_OBJECTS:-64}
else
  REPS=${REPS:-3}; SMALL_OBJECTS=${SMALL_OBJECTS:-10000}; LARGE_BYTES=${LARGE_BYTES:-1000000000}
  SAMPLE_OBJECTS=${SAMPLE_OBJECTS:-256}
fi
# A relative build dir is taken from the current directory, else from the repository root.
if [ -d "$BUILD_DIR" ]; then BUILD_DIR=$(cd "$BUILD_DIR" && pwd); else
  case $BUILD_DIR in /*) ;; *) BUILD_DIR=$REPO/$BUILD_DIR ;; esac
fi
LAKEBOX=$BUILD_DIR/lakebox
MAKE_LAKE=$BUILD_DIR/bench/make_crawler_lake
GLUE="python3 $BENCH_DIR/glue.py"

log() { printf '[crawler %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[ -x "$LAKEBOX" ] || die "$LAKEBOX not found: cmake --build $BUILD_DIR --target lakebox"
[ -x "$MAKE_LAKE" ] || die "$MAKE_LAKE not found: cmake --build $BUILD_DIR --target make_crawler_lake"
command -v curl >/dev/null || die "curl is missing"

SUFFIX=""
((QUICK)) && SUFFIX=-quick
RESULTS=$REPO/bench/results/crawler-$(date +%Y%m%d-%H%M%S)$SUFFIX
RAW=$RESULTS/raw
RUNS=$RESULTS/runs.tsv
mkdir -p "$RAW"
WORK=$(mktemp -d "$TMP_PARENT/lakebox-bench-crawler.XXXXXX")
LB_PID=""

# stop_server: SIGTERM, then SIGKILL after 60 s.
stop_server() {
  [ -n "$LB_PID" ] || return 0
  kill -TERM "$LB_PID" 2>/dev/null || true
  for ((i = 0; i < 600; i++)); do
    kill -0 "$LB_PID" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$LB_PID" 2>/dev/null; then
    log "lakebox did not stop within 60 s; killing it"
    kill -KILL "$LB_PID" 2>/dev/null || true
  fi
  wait "$LB_PID" 2>/dev/null || true
  LB_PID=""
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_server
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
  echo "options: quick=$QUICK reps=$REPS small_objects=$SMALL_OBJECTS large_bytes=$LARGE_BYTES large_objects=$LARGE_OBJECTS sample_objects=$SAMPLE_OBJECTS"
  echo "data dir under: $TMP_PARENT ($(df -PT "$TMP_PARENT" | awk 'NR == 2 {print $2}')); objects are in the page cache (just written)"
} >"$RESULTS/environment.txt"
cat "$RESULTS/environment.txt" >&2

DATA=$WORK/data
BUCKET_DIR=$DATA/s3/lake
printf 'set\tobjects\trecords\tjson_bytes\tstored_bytes\n' >"$RESULTS/data.tsv"
log "writing $SMALL_OBJECTS small objects (5 records each, 100 partitions)"
printf 'small\t%s\n' "$("$MAKE_LAKE" --bucket-dir "$BUCKET_DIR" --prefix small/ --objects "$SMALL_OBJECTS" \
  --partitions 100 --records 5)" >>"$RESULTS/data.tsv"
log "writing $LARGE_BYTES JSON bytes in $LARGE_OBJECTS large objects"
printf 'large\t%s\n' "$("$MAKE_LAKE" --bucket-dir "$BUCKET_DIR" --prefix large/ --objects "$LARGE_OBJECTS" \
  --partitions 0 --bytes "$LARGE_BYTES" --seed 8)" >>"$RESULTS/data.tsv"
# Just under the crawler's 1 MiB sample per object, so every byte is parsed and none is skipped.
log "writing $SAMPLE_OBJECTS objects of ~1 MB of JSON"
printf 'sample\t%s\n' "$("$MAKE_LAKE" --bucket-dir "$BUCKET_DIR" --prefix sample/ --objects "$SAMPLE_OBJECTS" \
  --partitions 16 --bytes $((SAMPLE_OBJECTS * 1000000)) --seed 9)" >>"$RESULTS/data.tsv"
column -t -s $'\t' "$RESULTS/data.tsv" >&2

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ENDPOINT=http://127.0.0.1:$PORT
"$LAKEBOX" serve --data-dir "$DATA" --listen "127.0.0.1:$PORT" >"$RAW/lakebox.log" 2>&1 &
LB_PID=$!
for ((i = 0; i < 150; i++)); do
  curl -fsS "$ENDPOINT/healthz" >/dev/null 2>&1 && break
  kill -0 "$LB_PID" 2>/dev/null || die "lakebox exited at startup (see $RAW/lakebox.log)"
  sleep 0.2
done
curl -fsS "$ENDPOINT/healthz" >/dev/null 2>&1 || die "lakebox not healthy after 30 s (see $RAW/lakebox.log)"
log "lakebox serve on $ENDPOINT (pid $LB_PID)"

printf 'scenario\trep\tstatus\twall_s\truntime_s\tobjects_listed\tobjects_read\tobjects_skipped\tbytes_sampled\ttables_created\ttables_updated\tpartitions_added\n' >"$RUNS"
# measure SCENARIO REP CRAWLER: one crawl, appended to runs.tsv.
measure() {
  local line
  line=$($GLUE crawl "$ENDPOINT" "$3") || die "crawl $1 (rep $2) did not succeed: $line"
  printf '%s\t%s\t%s\n' "$1" "$2" "$line" >>"$RUNS"
  log "$1 rep $2: $(cut -f2,3 <<<"$line" | awk -F'\t' '{printf "wall %.3f s, server %.3f s", $1, $2}')"
}

# Every repetition crawls with new crawlers into new databases: nothing remembered, nothing in the
# catalog, so each full crawl is a first crawl.
for ((rep = 1; rep <= REPS; rep++)); do
  $GLUE setup "$ENDPOINT" "bench_small_$rep" "small-$rep" s3://lake/small/
  measure small-full "$rep" "small-$rep"
  measure small-noop "$rep" "small-$rep"
  $GLUE setup "$ENDPOINT" "bench_large_$rep" "large-$rep" s3://lake/large/
  measure large-full "$rep" "large-$rep"
  $GLUE setup "$ENDPOINT" "bench_sample_$rep" "sample-$rep" s3://lake/sample/
  measure sample-full "$rep" "sample-$rep"
done
awk '/^VmHWM:/ {print "server peak RSS: " $2 " kB"}' "/proc/$LB_PID/status" >>"$RESULTS/environment.txt"
stop_server

python3 "$BENCH_DIR/summarize.py" --runs "$RUNS" --data "$RESULTS/data.tsv" >"$RESULTS/summary.md"
{
  echo
  cat "$RESULTS/summary.md"
  echo
  echo "Results: $RESULTS"
} >&2
