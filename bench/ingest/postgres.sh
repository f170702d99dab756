# shellcheck shell=bash
# PostgreSQL 15 part of the ingest benchmark (sourced by run.sh).
#
# A temp cluster on 127.0.0.1 (run as user `nobody`, since PostgreSQL refuses root), durable as
# shipped (fsync=on, synchronous_commit=on, full_page_writes=on), with room for a 10 s burst
# (shared_buffers 1GB, max_wal_size 8GB: no checkpoint in the middle of a run) and wal_level=minimal
# (nothing to replicate). Table `t (doc jsonb)`. Each connection is one psql that \copy's 500-record
# NDJSON files in autocommit mode, so every batch is its own transaction and commit; psql's \timing
# gives the latency of each COPY (send + parse + insert + commit). A connection stops by itself at
# the deadline (checked after each batch), so the measured window is DURATION seconds.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_USER=nobody
# Most \copy's a connection may issue in one run (bounds the loop; far above what 2 cores commit).
PG_MAX_BATCHES_PER_SECOND=400

pg_psql() {
  psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"
}

pg_start() {
  [ -x "$PG_BIN/postgres" ] || die "PostgreSQL 15 not found in $PG_BIN (apt-get install postgresql-15)"
  PG_DIR=$WORK/postgres
  mkdir -p "$PG_DIR"
  chown "$PG_USER:" "$PG_DIR"
  PG_PORT=$(free_port)
  setpriv --reuid="$PG_USER" --regid=nogroup --clear-groups -- \
    "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --no-instructions \
    >"$RAW/postgres-initdb.log" 2>&1 || die "initdb failed (see $RAW/postgres-initdb.log)"
  cat >>"$PG_DIR/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = ''
shared_buffers = 1GB
max_wal_size = 8GB
checkpoint_timeout = 30min
wal_level = minimal
max_wal_senders = 0
fsync = on
synchronous_commit = on
full_page_writes = on
EOF
  setpriv --reuid="$PG_USER" --regid=nogroup --clear-groups -- \
    "$PG_BIN/postgres" -D "$PG_DIR/data" >"$RAW/postgres-server.log" 2>&1 &
  PG_PID=$!
  wait_until 60 "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" ||
    die "PostgreSQL did not start (see $RAW/postgres-server.log)"
  pg_psql -c "CREATE TABLE t (doc jsonb)" >/dev/null
  log "PostgreSQL $(pg_psql -At -c 'SHOW server_version') on 127.0.0.1:$PG_PORT (pid $PG_PID)"
}

pg_stop() {
  [ -n "${PG_PID:-}" ] || return 0
  stop_pid "$PG_PID" INT 60 || true  # SIGINT = fast shutdown
  PG_PID=""
}

# pg_script CONN CONNS FILE: writes connection CONN's psql script: \copy the 500-record files in
# turn, starting at its own offset, checking the deadline after each one.
pg_script() {
  local conn=$1 conns=$2 out=$3
  local index=$DATA/ndjson-500/index.tsv
  local max=$((PG_MAX_BATCHES_PER_SECOND * DURATION))
  awk -F'\t' -v conn="$conn" -v conns="$conns" -v max="$max" '
    { path[NR - 1] = $1 }
    END {
      print "\\timing on"
      n = NR; start = int(conn * n / conns)
      for (k = 0; k < max; k++) {
        printf "\\copy t (doc) from '\''%s'\'' with (format csv, quote e'\''\\x01'\'', delimiter e'\''\\x02'\'')\n", path[(start + k) % n]
        print "SELECT extract(epoch from clock_timestamp()) > :deadline AS done \\gset"
        print "\\if :done"
        print "\\q"
        print "\\endif"
      }
    }' "$index" >"$out"
}

# One measurement: CONNS psql processes for DURATION seconds.
pg_measure() {
  local conns=$1 rep=$2
  local name="postgres-b500-c$conns-r$rep"
  pg_psql -c "TRUNCATE t" -c "CHECKPOINT" >/dev/null
  local c
  for ((c = 0; c < conns; c++)); do pg_script "$c" "$conns" "$WORK/pg-$c.sql"; done

  start_sampler "$PG_PID" "$RAW/$name.mem"
  local t0 deadline
  t0=$(date +%s.%N)
  deadline=$(awk -v t="$t0" -v d="$DURATION" 'BEGIN { printf "%.3f", t + d }')
  local pids=()
  for ((c = 0; c < conns; c++)); do
    # psql prints "COPY 500" then "Time: x ms" for each \copy (and a Time line for each deadline check).
    timeout $((DURATION + 120)) psql -X -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres \
      -v ON_ERROR_STOP=1 -v deadline="$deadline" -f "$WORK/pg-$c.sql" >"$RAW/$name.conn$c.out" 2>&1 &
    pids+=($!)
  done
  local failed=0
  for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
  local t1
  t1=$(date +%s.%N)
  stop_sampler

  cat "$RAW/$name".conn*.out | awk '/^COPY / { c = 1; next } /^Time: / { if (c) print $2; c = 0 }' >"$RAW/$name.latency_ms"
  local copies rows in_table
  copies=$(cat "$RAW/$name".conn*.out | grep -c '^COPY ' || true)
  rows=$(cat "$RAW/$name".conn*.out | awk '/^COPY / { s += $2 } END { print s + 0 }')
  in_table=$(pg_psql -At -c "SELECT count(*) FROM t")
  local note=""
  [ "$failed" -eq 0 ] || note="$failed psql exited non-zero (see $RAW/$name.conn*.out)"
  # Each COPY is acknowledged only after its commit, and psql ran to the end: the table must hold
  # exactly the rows acknowledged.
  if [ "$in_table" != "$rows" ]; then
    note="${note:+$note; }LOST: table holds $in_table rows, $rows acknowledged"
    DATA_CHECK_FAILED=1
  fi
  local lat
  lat=$(percentiles "$RAW/$name.latency_ms")
  local p50_us p99_us dur_us
  p50_us=$(awk -v v="${lat% *}" 'BEGIN { printf "%d", v * 1000 }')
  p99_us=$(awk -v v="${lat#* }" 'BEGIN { printf "%d", v * 1000 }')
  dur_us=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%d", (b - a) * 1e6 }')
  record_run postgres 500 "$conns" max "$rep" "$dur_us" "$copies" "$copies" 0 "$rows" "$p50_us" "$p99_us" \
    pss "$RAW/$name.mem" "$note"
  log "postgres c=$conns rep=$rep: $rows rows in $(awk -v d="$dur_us" 'BEGIN { printf "%.1f", d / 1e6 }') s, p50 ${lat% *} ms, p99 ${lat#* } ms${note:+ ($note)}"
}

run_postgres() {
  pg_start
  local rep conns
  for ((rep = 1; rep <= REPS; rep++)); do
    for conns in $CONNS; do pg_measure "$conns" "$rep"; done
  done
  pg_stop
}
