# shellcheck shell=bash
# Helpers for the whole-system benchmark scripts (bench/*/run.sh), sourced, not run. Used by
# bench/query/run.sh; the function names are those of bench/ingest/common.sh, so a script sourcing
# this file can also source bench/ingest/clickhouse.sh (ch_start, ch_query, ch_stop: ClickHouse
# 18.16 as a child process, which expects WORK and RAW to be set).
#
# Set BENCH_NAME (the log prefix) before sourcing.

log() { printf '[%s %s] %s\n' "${BENCH_NAME:-bench}" "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# A free TCP port on 127.0.0.1 (the kernel picks it; it is released again before the server binds it).
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_until SECONDS COMMAND...: runs COMMAND every 0.2 s until it succeeds; fails after SECONDS.
wait_until() {
  local limit=$1; shift
  local tries=$((limit * 5))
  for ((i = 0; i < tries; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  return 1
}

# stop_pid PID SIGNAL SECONDS: sends SIGNAL, waits up to SECONDS for the process to exit, then SIGKILL.
stop_pid() {
  local pid=$1 sig=$2 limit=$3
  kill -0 "$pid" 2>/dev/null || return 0
  kill "-$sig" "$pid" 2>/dev/null || true
  for ((i = 0; i < limit * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    sleep 0.1
  done
  log "pid $pid did not exit within ${limit}s after SIG$sig; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  return 1
}

# resolve_build_dir DIR REPO: a relative build dir is taken from the current directory, else from
# the repository root; prints the absolute path.
resolve_build_dir() {
  local dir=$1 repo=$2
  if [ -d "$dir" ]; then (cd "$dir" && pwd); else
    case $dir in /*) echo "$dir" ;; *) echo "$repo/$dir" ;; esac
  fi
}

# environment_header REPO TMP_PARENT OPTIONS: the lines every benchmark's environment.txt starts with.
environment_header() {
  local repo=$1 tmp_parent=$2 options=$3
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "git: $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo none)$(git -C "$repo" diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(uname -r)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "options: $options"
  echo "data dirs under: $tmp_parent ($(df -PT "$tmp_parent" | awk 'NR == 2 {print $2}'))"
}

# lakebox_start LAKEBOX DATA_DIR LOG [CONFIG]: `lakebox serve` on a free port of 127.0.0.1 as a
# child; sets LB_PID and LB_ENDPOINT, and waits for /healthz (30 s).
lakebox_start() {
  local lakebox=$1 data_dir=$2 logfile=$3 config=${4:-}
  local port
  port=$(free_port)
  LB_ENDPOINT=http://127.0.0.1:$port
  if [ -n "$config" ]; then
    "$lakebox" serve --config "$config" --data-dir "$data_dir" --listen "127.0.0.1:$port" >"$logfile" 2>&1 &
  else
    "$lakebox" serve --data-dir "$data_dir" --listen "127.0.0.1:$port" >"$logfile" 2>&1 &
  fi
  LB_PID=$!
  for ((i = 0; i < 150; i++)); do
    curl -fsS "$LB_ENDPOINT/healthz" >/dev/null 2>&1 && return 0
    kill -0 "$LB_PID" 2>/dev/null || die "lakebox exited at startup (see $logfile)"
    sleep 0.2
  done
  die "lakebox not healthy after 30 s (see $logfile)"
}

# lakebox_stop: SIGTERM to the server lakebox_start started, SIGKILL after 60 s.
lakebox_stop() {
  [ -n "${LB_PID:-}" ] || return 0
  stop_pid "$LB_PID" TERM 60 || true
  LB_PID=""
}

# peak_rss_kb PID: the process's peak resident set (VmHWM) in KiB, 0 if gone.
peak_rss_kb() {
  awk '/^VmHWM:/ {print $2; found = 1} END {if (!found) print 0}' "/proc/$1/status" 2>/dev/null || echo 0
}
