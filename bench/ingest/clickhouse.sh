# shellcheck shell=bash
# ClickHouse part of the ingest benchmark (sourced by run.sh).
#
# Debian's clickhouse-server (18.16), installed here if missing, runs as a child process with a
# temp config and data dir on 127.0.0.1. Records go in as they are, NDJSON over HTTP
# (INSERT INTO t FORMAT JSONEachRow), into typed columns: input_format_import_nested_json=1 maps
# the vehicle_status/gps_info objects onto dotted columns, date_time_input_format=best_effort reads
# the ISO 8601 event_time into a DateTime (milliseconds are dropped), and
# input_format_skip_unknown_fields=1 drops `alerts`: 18.16 cannot import an array of objects.
# Every request is one INSERT, i.e. one new MergeTree part; 18.16 writes parts without fsync, so
# an acknowledged insert is not durable in the sense lakebox's and PostgreSQL's are.

CH_SERVER=${CH_SERVER:-/usr/sbin/clickhouse-server}
CH_BATCHES=${CH_BATCHES:-500 10000}
CH_COLUMNS='vehicle_id String, vendor String, model String, event_time DateTime,
  `vehicle_status.speed_kmh` Float64, `vehicle_status.engine_temp_c` Float64,
  `vehicle_status.fuel_level` Float64, `vehicle_status.odometer_km` UInt64,
  `vehicle_status.doors_locked` UInt8,
  `gps_info.latitude` Float64, `gps_info.longitude` Float64, `gps_info.altitude_m` Float64,
  `gps_info.heading` Float64'

ch_install() {
  [ -x "$CH_SERVER" ] && return 0
  log "installing Debian's clickhouse-server (not part of scripts/bootstrap: only this benchmark needs it)"
  [ "$(id -u)" -eq 0 ] || die "clickhouse-server is missing; install it as root: apt-get install clickhouse-server"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$RAW/clickhouse-install.log" 2>&1
  # The package's maintainer script tries to start a system service; policy-rc.d or the absence of
  # systemd stops that, and this benchmark runs its own server anyway.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clickhouse-server \
    >>"$RAW/clickhouse-install.log" 2>&1 || die "apt-get install clickhouse-server failed (see $RAW/clickhouse-install.log)"
}

# ch_query SQL [URL-PARAMS]: runs SQL over HTTP; fails on a non-200 answer.
ch_query() {
  curl -sS --fail-with-body "http://127.0.0.1:$CH_PORT/?${2:-}" --data-binary "$1"
}

ch_start() {
  ch_install
  CH_DIR=$WORK/clickhouse
  mkdir -p "$CH_DIR/data"
  CH_PORT=$(free_port)
  local tcp_port
  tcp_port=$(free_port)
  cat >"$CH_DIR/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <logger>
    <level>warning</level>
    <log>$CH_DIR/server.log</log>
    <errorlog>$CH_DIR/server.err.log</errorlog>
    <size>100M</size>
    <count>1</count>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>$CH_PORT</http_port>
  <tcp_port>$tcp_port</tcp_port>
  <max_connections>256</max_connections>
  <keep_alive_timeout>30</keep_alive_timeout>
  <max_concurrent_queries>100</max_concurrent_queries>
  <uncompressed_cache_size>1073741824</uncompressed_cache_size>
  <mark_cache_size>1073741824</mark_cache_size>
  <path>$CH_DIR/data/</path>
  <tmp_path>$CH_DIR/data/tmp/</tmp_path>
  <user_files_path>$CH_DIR/data/user_files/</user_files_path>
  <format_schema_path>$CH_DIR/data/format_schemas/</format_schema_path>
  <users_config>$CH_DIR/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
</yandex>
EOF
  cat >"$CH_DIR/users.xml" <<'EOF'
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>10000000000</max_memory_usage></default></profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
    <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
EOF
  "$CH_SERVER" --config-file="$CH_DIR/config.xml" >"$RAW/clickhouse-server.log" 2>&1 &
  CH_PID=$!
  wait_until 60 ch_query "SELECT 1" || die "ClickHouse did not start (see $RAW/clickhouse-server.log, $CH_DIR/server.err.log)"
  log "ClickHouse $(ch_query 'SELECT version()') on 127.0.0.1:$CH_PORT (pid $CH_PID)"
}

ch_stop() {
  [ -n "${CH_PID:-}" ] || return 0
  [ -f "${CH_DIR:-}/server.err.log" ] && cp "$CH_DIR/server.err.log" "$RAW/clickhouse-server.err.log"
  stop_pid "$CH_PID" TERM 60 || true
  CH_PID=""
}

# One measurement: wrk replays BATCH-record NDJSON bodies as INSERTs from CONNS connections into a
# fresh table (so every run starts without parts to merge).
ch_measure() {
  local batch=$1 conns=$2 rep=$3
  local name="clickhouse-b$batch-c$conns-r$rep"
  ch_query "DROP TABLE IF EXISTS t" >/dev/null
  ch_query "CREATE TABLE t ($CH_COLUMNS) ENGINE = MergeTree ORDER BY (vendor, vehicle_id, event_time)" >/dev/null
  local url="http://127.0.0.1:$CH_PORT/?query=INSERT%20INTO%20t%20FORMAT%20JSONEachRow"
  url+="&input_format_import_nested_json=1&input_format_skip_unknown_fields=1&date_time_input_format=best_effort"

  start_sampler "$CH_PID" "$RAW/$name.mem"
  local line
  line=$(run_wrk "$name" "$url" "$DATA/ndjson-$batch/index.tsv" clickhouse "$conns")
  stop_sampler

  local acked in_table note=""
  acked=$(bench_field "$line" acked_records)
  in_table=$(ch_query "SELECT count() FROM t")
  # wrk stops with up to CONNS requests in flight; the server may still commit those.
  if ((in_table < acked)); then
    note="LOST: table holds $in_table rows, $acked acknowledged"
    DATA_CHECK_FAILED=1
  elif ((in_table > acked + conns * batch)); then
    note="table holds $in_table rows, more than $acked acknowledged + $conns in flight"
    DATA_CHECK_FAILED=1
  fi
  local bad
  bad=$(bench_field "$line" bad)
  ((bad == 0)) || note="${note:+$note; }$bad failed requests: $(grep -m1 '^BENCH_FIRST_ERROR' "$RAW/$name.wrk.txt" | cut -c19-200)"
  record_run clickhouse "$batch" "$conns" max "$rep" "$(bench_field "$line" duration_us)" \
    "$(bench_field "$line" requests)" "$(bench_field "$line" ok)" "$bad" "$acked" \
    "$(bench_field "$line" lat_p50_us)" "$(bench_field "$line" lat_p99_us)" rss "$RAW/$name.mem" "$note"
  log "clickhouse b=$batch c=$conns rep=$rep: $acked rows acked, $in_table in table, p99 $(($(bench_field "$line" lat_p99_us) / 1000)) ms${note:+ ($note)}"
}

run_clickhouse() {
  ch_start
  local batch rep conns
  for batch in $CH_BATCHES; do
    for ((rep = 1; rep <= REPS; rep++)); do
      for conns in $CONNS; do ch_measure "$batch" "$conns" "$rep"; done
    done
  done
  ch_stop
}
