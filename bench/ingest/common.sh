# shellcheck shell=bash
# Helpers shared by the ingest benchmark's per-system parts (sourced by run.sh; not run alone).
# Expects from run.sh: WORK (temp dir), RAW (raw outputs dir), RUNS (runs.tsv), DURATION, WRK_THREADS.

BENCH_NAME=ingest
# log, die, free_port, wait_until, stop_pid: the helpers every benchmark script shares.
# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

# Memory of a server, sampled every 0.5 s while a measurement runs. One line per sample:
#   <unix time> <VmRSS of PID in KiB> <sum of Pss of PID and its children in KiB>
# RSS is the figure for one-process servers (lakebox, ClickHouse); PostgreSQL is a process per
# connection sharing its buffers, so its figure is the PSS sum (shared pages counted once).
mem_sample() {
  local pid=$1 rss pss=0 p v
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null) || return 0
  for p in "$pid" $(pgrep -P "$pid" 2>/dev/null); do
    v=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null)
    pss=$((pss + ${v:-0}))
  done
  echo "$(date +%s.%N) ${rss:-0} $pss"
}

# start_sampler PID FILE: samples in the background (bounded: at most DURATION + 600 s) into FILE.
start_sampler() {
  local pid=$1 file=$2
  local max=$(((DURATION + 600) * 2))
  (
    for ((i = 0; i < max; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      mem_sample "$pid"
      sleep 0.5
    done
  ) >"$file" &
  SAMPLER_PID=$!
}
stop_sampler() {
  [ -n "${SAMPLER_PID:-}" ] || return 0
  kill "$SAMPLER_PID" 2>/dev/null || true
  wait "$SAMPLER_PID" 2>/dev/null || true
  SAMPLER_PID=""
}

# mem_range FILE COLUMN: "min max" in KiB of column 2 (RSS) or 3 (PSS) of a sampler file.
mem_range() {
  awk -v c="$2" 'NF >= 3 { if (min == "" || $c < min) min = $c; if ($c > max) max = $c }
                 END { if (min == "") print "0 0"; else print min, max }' "$1"
}

# bench_field LINE NAME: the value of NAME=... in a "BENCH ..." line of replay.lua.
bench_field() {
  local v
  v=$(tr ' ' '\n' <<<"$1" | awk -F= -v k="$2" '$1 == k {print $2}')
  echo "${v:-0}"
}

# run_wrk NAME URL INDEX MODE CONNS [RATE]: one wrk measurement of DURATION seconds; its full output
# goes to RAW/NAME.wrk.txt, and the "BENCH ..." line to stdout. RATE = total requests/s (paced).
run_wrk() {
  local name=$1 url=$2 index=$3 mode=$4 conns=$5 rate=${6:-}
  local threads=$((conns < WRK_THREADS ? conns : WRK_THREADS))
  local per_thread=""
  [ -n "$rate" ] && per_thread=$(awk -v r="$rate" -v t="$threads" 'BEGIN { printf "%.3f", r / t }')
  BENCH_RATE="$per_thread" timeout $((DURATION + 120)) \
    wrk -t "$threads" -c "$conns" -d "${DURATION}s" --timeout 30s --latency \
    -s "$BENCH_DIR/replay.lua" "$url" -- "$index" "$mode" >"$RAW/$name.wrk.txt" 2>&1 ||
    log "wrk exited non-zero for $name (see $RAW/$name.wrk.txt)"
  grep -m1 '^BENCH ' "$RAW/$name.wrk.txt" || echo "BENCH"
}

# record_run SYSTEM BATCH CONNS MODE REP DURATION_US REQUESTS OK BAD ACKED P50_US P99_US MEMKIND MEMFILE NOTE
# Appends one measured run to RUNS (run.sh's summarize.py turns these into the table).
record_run() {
  local memkind=${13} memfile=${14} note=${15:-}
  local col=2
  [ "$memkind" = pss ] && col=3
  local mem
  mem=$(mem_range "$memfile" "$col")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
    "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$8" "$9" "${10}" "${11}" "${12}" "$memkind" \
    "${mem% *}" "${mem#* }" "$note" >>"$RUNS"
}

# percentiles FILE: "p50 p99" (nearest rank) of the numbers in FILE, one per line.
percentiles() {
  sort -g "$1" | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "0 0"; exit }
    i50 = int(NR * 0.50 + 0.999999); i99 = int(NR * 0.99 + 0.999999)
    if (i50 < 1) i50 = 1; if (i99 < 1) i99 = 1
    print v[i50], v[i99] }'
}
