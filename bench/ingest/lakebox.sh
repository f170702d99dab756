# shellcheck shell=bash
# lakebox part of the ingest benchmark (sourced by run.sh).
#
# `lakebox serve` on a temp data dir and a free loopback port; one Direct PUT stream, GZIP,
# BufferingHints 128 MiB / 60 s. wrk replays the pre-built 500-record PutRecordBatch bodies at each
# connection count (as fast as answers come), then at half the best throughput (paced) to read the
# p99 ack latency at half load. Every ack means fsync'd in the WAL (lakebox's durability contract).
# At the end the server flushes and stops, and the lake must hold every acknowledged record.

LB_STREAM=bench

lb_target() {  # lb_target OPERATION JSON: one Firehose API call; fails on a non-200 answer.
  curl -sS --fail-with-body "http://127.0.0.1:$LB_PORT/" \
    -H "X-Amz-Target: Firehose_20150804.$1" -H 'Content-Type: application/x-amz-json-1.1' --data-binary "$2"
}

lb_start() {
  [ -x "$LAKEBOX" ] || die "$LAKEBOX not found: build it (cmake --build $BUILD_DIR --target lakebox)"
  LB_DIR=$WORK/lakebox
  mkdir -p "$LB_DIR"
  LB_PORT=$(free_port)
  cat >"$LB_DIR/lakebox.toml" <<EOF
[server]
listen = "127.0.0.1:$LB_PORT"

[storage]
data_dir = "$LB_DIR/data"

[log]
level = "warn"
EOF
  "$LAKEBOX" serve --config "$LB_DIR/lakebox.toml" >"$RAW/lakebox-server.log" 2>&1 &
  LB_PID=$!
  wait_until 60 curl -sf "http://127.0.0.1:$LB_PORT/healthz" ||
    die "lakebox serve did not come up (see $RAW/lakebox-server.log)"
  lb_target CreateDeliveryStream "$(
    cat <<EOF
{"DeliveryStreamName": "$LB_STREAM", "DeliveryStreamType": "DirectPut",
 "ExtendedS3DestinationConfiguration": {
   "RoleARN": "arn:aws:iam::000000000000:role/firehose-bench",
   "BucketARN": "arn:aws:s3:::lake",
   "BufferingHints": {"SizeInMBs": 128, "IntervalInSeconds": 60},
   "CompressionFormat": "GZIP"}}
EOF
  )" >"$RAW/lakebox-create-stream.json" || die "CreateDeliveryStream failed: $(cat "$RAW/lakebox-create-stream.json")"
  LB_ACKED=0          # records acknowledged over all runs
  LB_IN_FLIGHT_MAX=0  # records wrk may have left in flight when its runs ended
  log "lakebox $("$LAKEBOX" --version 2>/dev/null) on 127.0.0.1:$LB_PORT (pid $LB_PID), stream $LB_STREAM"
}

# lb_measure CONNS REP MODE [RATE]: one wrk run against the Firehose endpoint.
lb_measure() {
  local conns=$1 rep=$2 mode=$3 rate=${4:-}
  local name="lakebox-b500-c$conns-$mode-r$rep"
  start_sampler "$LB_PID" "$RAW/$name.mem"
  local line
  line=$(run_wrk "$name" "http://127.0.0.1:$LB_PORT/" "$DATA/firehose-500/index.tsv" firehose "$conns" "$rate")
  stop_sampler
  kill -0 "$LB_PID" 2>/dev/null || die "lakebox serve died during $name (see $RAW/lakebox-server.log)"

  local acked bad s503 failed note=""
  acked=$(bench_field "$line" acked_records)
  bad=$(bench_field "$line" bad)
  s503=$(bench_field "$line" status_503)
  failed=$(bench_field "$line" failed_records)
  LB_ACKED=$((LB_ACKED + acked))
  LB_IN_FLIGHT_MAX=$((LB_IN_FLIGHT_MAX + conns * 500))
  ((bad == 0)) || note="$bad failed requests ($s503 x 503): $(grep -m1 '^BENCH_FIRST_ERROR' "$RAW/$name.wrk.txt" | cut -c19-200)"
  ((failed == 0)) || note="${note:+$note; }$failed records in FailedPutCount"
  [ -n "$rate" ] && note="${note:+$note; }paced at $rate req/s"
  record_run lakebox 500 "$conns" "$mode" "$rep" "$(bench_field "$line" duration_us)" \
    "$(bench_field "$line" requests)" "$(bench_field "$line" ok)" "$bad" "$acked" \
    "$(bench_field "$line" lat_p50_us)" "$(bench_field "$line" lat_p99_us)" rss "$RAW/$name.mem" "$note"
  log "lakebox c=$conns $mode rep=$rep: $acked records acked, p50 $(($(bench_field "$line" lat_p50_us) / 1000)) ms, p99 $(($(bench_field "$line" lat_p99_us) / 1000)) ms${note:+ ($note)}"
}

# Flushes, stops the server (which delivers everything buffered) and checks the lake against the acks.
lb_verify_and_stop() {
  log "lakebox: flushing and stopping, then counting the records in the lake"
  curl -sS --fail-with-body -X POST "http://127.0.0.1:$LB_PORT/v1/flush" >"$RAW/lakebox-flush.json" 2>&1 ||
    log "POST /v1/flush failed: $(cat "$RAW/lakebox-flush.json")"
  stop_pid "$LB_PID" TERM 600 || log "lakebox serve had to be killed: its lake may be incomplete"
  LB_PID=""
  local bucket=$LB_DIR/data/s3/lake objects=0 lines=0 unknown=0 counts
  if [ -d "$bucket" ]; then
    objects=$(find "$bucket" -type f | wc -l)
    # Every line of the lake must be one of the records sent: a mangled record is a lost one.
    cut -f1 "$DATA/ndjson-500/index.tsv" | xargs cat >"$WORK/sent.ndjson"
    # Each object is one gzip stream; gzip -dc reads them concatenated and fails on a corrupt one
    # (pipefail makes the whole pipeline fail then).
    if counts=$(find "$bucket" -type f -print0 | sort -z | xargs -0 -r cat | gzip -dc |
      awk -v sent="$WORK/sent.ndjson" '
        BEGIN { while ((getline line < sent) > 0) known[line] = 1 }
        { if (!($0 in known)) unknown++ }
        END { print NR + 0, unknown + 0 }'); then
      lines=${counts% *} unknown=${counts#* }
    else
      log "lakebox: some object does not gunzip"
      DATA_CHECK_FAILED=1
    fi
  fi
  local wal_left
  wal_left=$(find "$LB_DIR/data" -path "$bucket" -prune -o -type f -name '*.wal*' -print 2>/dev/null | wc -l)
  local verdict=ok
  if ((unknown > 0)); then
    verdict="$unknown lines in the lake are not records that were sent"
    DATA_CHECK_FAILED=1
  elif ((lines < LB_ACKED)); then
    verdict="LOST $((LB_ACKED - lines)) acknowledged records"
    DATA_CHECK_FAILED=1
  elif ((lines > LB_ACKED + LB_IN_FLIGHT_MAX)); then
    verdict="$((lines - LB_ACKED)) more records than acknowledged (+ at most $LB_IN_FLIGHT_MAX in flight)"
    DATA_CHECK_FAILED=1
  fi
  printf 'acked\t%s\nin_flight_max\t%s\nlake_records\t%s\nunknown_lines\t%s\nobjects\t%s\nwal_files_left\t%s\nverdict\t%s\n' \
    "$LB_ACKED" "$LB_IN_FLIGHT_MAX" "$lines" "$unknown" "$objects" "$wal_left" "$verdict" >"$RESULTS/lakebox-lake-check.tsv"
  log "lakebox lake check: $LB_ACKED acknowledged (+ <= $LB_IN_FLIGHT_MAX in flight at wrk's stops), $lines in $objects objects: $verdict"
}

run_lakebox() {
  lb_start
  local rep conns
  for ((rep = 1; rep <= REPS; rep++)); do
    for conns in $CONNS; do lb_measure "$conns" "$rep" max; done
  done
  # Half load: half the best median request rate, at that run's connection count.
  local best
  best=$(python3 "$BENCH_DIR/summarize.py" half-load --runs "$RUNS")
  if [ -n "$best" ]; then
    local best_conns=${best% *} half_rate=${best#* }
    log "lakebox half load: $half_rate req/s on $best_conns connections"
    for ((rep = 1; rep <= REPS; rep++)); do lb_measure "$best_conns" "$rep" half "$half_rate"; done
  else
    log "lakebox: no successful run to take half of; skipping the half-load runs"
  fi
  lb_verify_and_stop
}
