# shellcheck shell=bash disable=SC2034  # its variables are read by bench/run and the workload files
# Helpers that bench/run and the workload files share: servers, loads, metrics, the run index.
# Sourced, never run. Expects REPO, BUILD, RES (results dir), WORK (scratch dir), DUR, WARM,
# QUICK and ROUND to be set by bench/run.

BIN="$BUILD/bench"
REELD="$BUILD/app/reeld"
REED98="$REPO/../shared/datasets/socfb-Reed98/socfb-Reed98.edges"
PASSWORD=bench-password
declare -a STARTED_PIDS=()

log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# A TCP port on 127.0.0.1 that nothing listens on, from 18500 up.
next_port=18500
free_port() {
  while ss -Hltn "sport = :$next_port" | grep -q .; do next_port=$((next_port + 1)); done
  echo $((next_port++))
}

# Waits until URL answers 2xx, at most $2 seconds; shows progress while waiting.
wait_http() {
  local url=$1 limit=${2:-60} start=$SECONDS shown=0
  until curl -sf -o /dev/null --max-time 2 "$url"; do
    sleep 0.1
    if ((SECONDS - start >= shown + 5)); then
      shown=$((SECONDS - start))
      log "  waiting for $url to answer 200 ($shown s)"
    fi
    ((SECONDS - start < limit)) || die "$url not ready after $limit s"
  done
  READY_S=$((SECONDS - start))
}

# Stops one process we started: TERM, then KILL after 15 s.
stop_pid() {
  local pid=$1 start=$SECONDS
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    log "  process $pid still running 15 s after TERM: killing it"
    kill -KILL "$pid" 2>/dev/null || true
  elif ((SECONDS - start > 2)); then
    log "  process $pid took $((SECONDS - start)) s to stop after TERM"
  fi
  wait "$pid" 2>/dev/null || true
}

stop_all_started() {
  local pid
  for pid in "${STARTED_PIDS[@]}"; do stop_pid "$pid"; done
  STARTED_PIDS=()
}

# reeld_start NAME DATA_DIR [flags...]: serves DATA_DIR on a free port; sets REEL_PORT, REEL_PID.
reeld_start() {
  local name=$1 data=$2
  shift 2
  REEL_PORT=$(free_port)
  "$REELD" --listen 127.0.0.1:"$REEL_PORT" --data-dir "$data" "$@" >>"$WORK/logs/$name.reeld.log" 2>&1 &
  REEL_PID=$!
  STARTED_PIDS+=("$REEL_PID")
  wait_http "http://127.0.0.1:$REEL_PORT/readyz" 120
}

reeld_stop() {
  [ -n "${REEL_PID:-}" ] || return 0
  stop_pid "$REEL_PID"
  if grep -qiE "fatal|abort|terminate called|sanitizer|segmentation" "$WORK/logs/"*.reeld.log 2>/dev/null; then
    log "  warning: reeld logs report a failure (see $RES/logs/)"
  fi
  REEL_PID=
}

# A fresh copy of the Reed98 data dir imported once per run; sets DATA.
fresh_reed98() {
  DATA="$WORK/data-$1"
  rm -rf "$DATA"
  cp -a "$WORK/reed98.data" "$DATA"
}

# metric PORTS NAME: the sum of one metric over all its label sets and over the nodes of
# PORTS (one port, or a cluster's ports comma-separated); 0 when absent.
metric() {
  local p
  for p in ${1//,/ }; do curl -sf "http://127.0.0.1:$p/metrics" || exit 1; done |
    awk -v m="$2" '$1 == m || index($1, m "{") == 1 { s += $2 } END { printf "%.0f\n", s }'
}
route_count() {  # route_count PORT ROUTE CLASS: requests of one route and status class (2xx/4xx/5xx)
  curl -sf "http://127.0.0.1:$1/metrics" |
    awk -v r="route=\"$2\"" -v c="class=\"$3\"" '$1 ~ /^reel_http_requests_total/ && index($1, r) && index($1, c) { s += $2 } END { printf "%.0f\n", s }'
}

# wait_fanout PORTS [LIMIT]: waits until reeld (every node of PORTS) has no pending fan-out
# job, at most LIMIT s, printing progress; echoes the seconds it waited.
wait_fanout() {
  local port=$1 limit=${2:-120} start now pending entries
  start=$(date +%s.%N)
  while true; do
    pending=$(metric "$port" reel_fanout_pending_jobs)
    now=$(date +%s.%N)
    [ "$pending" = 0 ] && break
    if awk -v a="$now" -v b="$start" -v l="$limit" 'BEGIN { exit !(a - b > l) }'; then
      log "  fan-out still has $pending jobs after $limit s: giving up waiting"
      break
    fi
    entries=$(metric "$port" reel_fanout_inbox_entries_total)
    printf '\r  fan-out: %6s jobs pending, %9s inbox entries written' "$pending" "$entries" >&2
    sleep 0.2
  done
  printf '\r%70s\r' '' >&2
  awk -v a="$now" -v b="$start" 'BEGIN { printf "%.3f\n", a - b }'
}

# loadgen_run OUT PORTS [loadgen flags...]: one bounded load; prints a one-line summary. PORTS
# is one port or a cluster's ports comma-separated (connections go to them in turn).
loadgen_run() {
  local out=$1 targets=() p
  for p in ${2//,/ }; do targets+=(--target 127.0.0.1:"$p"); done
  shift 2
  "$BIN/loadgen" "${targets[@]}" --json "$out" "$@" >>"$WORK/logs/loadgen.log" 2>&1 ||
    log "  loadgen exited with $? (see $RES/logs/loadgen.log)"
  [ -s "$out" ] || die "loadgen wrote no result to $out"
  summarize "$out"
}

summarize() {
  jq -r '"  \(.total.requests) requests, \(.total.throughput_rps | floor) req/s, p50 \(.total.latency_us.p50 / 1000) ms, p99 \(.total.latency_us.p99 / 1000) ms, errors http \(.total.errors_http) api \(.total.errors_api) timeouts \(.total.timeouts) connect \(.total.connect_errors)\(if .unsustainable then " (rate unsustainable)" else "" end)"' "$1" >&2
}

# raw_path WORKLOAD SYSTEM VARIANT: where this round's raw JSON goes.
raw_path() { echo "$RES/raw/$1.$2.$3.r$ROUND.json"; }

# record WORKLOAD SYSTEM VARIANT RAW_FILE [EXTRA_JSON]: one line of the run index.
record() {
  local extra=${5:-'{}'}
  jq -nc --arg w "$1" --arg s "$2" --arg v "$3" --argjson r "$ROUND" --arg f "${4#"$RES/"}" --argjson x "$extra" \
    '{workload: $w, system: $s, variant: $v, round: $r, raw: $f, extra: $x}' >>"$RES/runs.jsonl"
}

# Common loadgen flags of a measured run, and the Reed98 variables of the mixes.
TIMING=(--duration "$DUR" --warmup "$WARM" --timeline-ms 500 --status-check)
REED98_VARS=(--var token="$WORK/reed98.vars/tokens.txt" --var user="$WORK/reed98.vars/users.txt")

# mix_file NAME [sed expressions...]: a mix of bench/workloads/mixes with placeholders such as
# @HOT@ or @BODY@ filled in; echoes the path of the filled-in copy.
mix_file() {
  local name=$1 out="$WORK/mixes/$1.jsonl"
  shift
  mkdir -p "$WORK/mixes"
  sed -e "s|@BODY@|$WORK/publish.body|g" -e "s|@BOUNDARY@|$BOUNDARY|g" "$@" "$REPO/bench/workloads/mixes/$name.jsonl" >"$out"
  echo "$out"
}


# Redis: one in-memory server for the whole run, flushed before each baseline.
redis_start() {
  REDIS_PORT=$(free_port)
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
    >"$WORK/logs/redis.log" 2>&1 &
  REDIS_PID=$!
  STARTED_PIDS+=("$REDIS_PID")
  for _ in $(seq 100); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
  die "redis-server did not start (see $RES/logs/redis.log)"
}
redis_flush() { redis-cli -p "$REDIS_PORT" flushall >/dev/null; }

# redis_run OUT [redis_fanout flags...]: a Redis baseline on the Reed98 graph, inboxes preloaded.
redis_run() {
  local out=$1
  shift
  redis_flush
  "$BIN/redis_fanout" --port "$REDIS_PORT" --edges "$REED98" --preload --json "$out" "$@" >/dev/null \
    2>>"$WORK/logs/redis_fanout.log" || die "redis_fanout failed (see $RES/logs/redis_fanout.log)"
  summarize "$out"
}

# bare_start: the HTTP ceiling on a free port; sets BARE_PORT.
bare_start() {
  BARE_PORT=$(free_port)
  "$BIN/bare_pistache" 127.0.0.1:"$BARE_PORT" 2 >"$WORK/logs/bare.log" 2>&1 &
  BARE_PID=$!
  STARTED_PIDS+=("$BARE_PID")
  for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$BARE_PORT/" && return 0; sleep 0.1; done
  die "bare_pistache did not start"
}
bare_stop() { stop_pid "$BARE_PID"; }
