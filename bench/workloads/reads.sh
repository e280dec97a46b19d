# shellcheck shell=bash
# (a) Home-timeline and global-feed reads on Reed98, next to the HTTP ceiling (bare Pistache)
# and Redis ZREVRANGE reads driven with the same shape. Sourced by bench/run.

READ_CONNECTIONS=400
READ_RATE=10000         # the home-timeline latency target's rate
READ_RATE_CONNECTIONS=100
WRITE_CONNECTIONS=64    # closed-loop writes elsewhere compare with bare Pistache at this count

workload_reads() {
  local out
  fresh_reed98 reads
  reeld_start reads "$DATA"
  log "(a) Reel home timeline, $READ_CONNECTIONS connections, closed loop"
  out=$(raw_path a-home reel closed)
  loadgen_run "$out" "$REEL_PORT" --connections $READ_CONNECTIONS --threads 2 --mix "$(mix_file home)" "${REED98_VARS[@]}" "${TIMING[@]}"
  record a-home reel closed "$out"
  log "(a) Reel global feed, $READ_CONNECTIONS connections, closed loop"
  out=$(raw_path a-global reel closed)
  loadgen_run "$out" "$REEL_PORT" --connections $READ_CONNECTIONS --threads 2 --mix "$(mix_file global)" "${REED98_VARS[@]}" "${TIMING[@]}"
  record a-global reel closed "$out"
  log "(a) Reel home timeline, open loop at $READ_RATE req/s"
  out=$(raw_path a-home reel rate)
  loadgen_run "$out" "$REEL_PORT" --connections $READ_RATE_CONNECTIONS --threads 2 --rate $READ_RATE \
    --mix "$(mix_file home)" "${REED98_VARS[@]}" "${TIMING[@]}"
  record a-home reel rate "$out"
  reeld_stop

  bare_start
  log "(a) baseline: bare Pistache, $READ_CONNECTIONS connections, closed loop"
  out=$(raw_path a-http bare closed)
  loadgen_run "$out" "$BARE_PORT" --connections $READ_CONNECTIONS --threads 2 --get / "${TIMING[@]}"
  record a-http bare closed "$out"
  log "(a) baseline: bare Pistache, open loop at $READ_RATE req/s"
  out=$(raw_path a-http bare rate)
  loadgen_run "$out" "$BARE_PORT" --connections $READ_RATE_CONNECTIONS --threads 2 --rate $READ_RATE --get / "${TIMING[@]}"
  record a-http bare rate "$out"
  log "(a) baseline: bare Pistache, $WRITE_CONNECTIONS connections, closed loop"
  out=$(raw_path a-http bare closed64)
  loadgen_run "$out" "$BARE_PORT" --connections $WRITE_CONNECTIONS --threads 2 --get / "${TIMING[@]}"
  record a-http bare closed64 "$out"
  bare_stop

  log "(a) baseline: Redis ZREVRANGE home reads, $READ_CONNECTIONS connections, closed loop"
  out=$(raw_path a-home redis closed)
  redis_run "$out" --mix home:1 --connections $READ_CONNECTIONS --duration "$DUR" --warmup "$WARM" --timeline-ms 500
  record a-home redis closed "$out"
  log "(a) baseline: Redis ZREVRANGE home reads, open loop at $READ_RATE req/s"
  out=$(raw_path a-home redis rate)
  redis_run "$out" --mix home:1 --connections $READ_RATE_CONNECTIONS --rate $READ_RATE --duration "$DUR" \
    --warmup "$WARM" --timeline-ms 500
  record a-home redis rate "$out"
}
