# shellcheck shell=bash
# (c) The DeathStarBench social-network mix on Reed98 (60% home timeline, 30% user timeline,
# 10% publish) and (d) a read-heavy 65:1 mix, each next to Redis running the same mix.
# Sourced by bench/run.

DSB_RATE=2000
DSB_RATE_CONNECTIONS=100
MIX_CONNECTIONS=64

workload_dsb() {
  local out
  fresh_reed98 dsb
  reeld_start dsb "$DATA"
  log "(c) Reel DeathStarBench mix, open loop at $DSB_RATE req/s"
  out=$(raw_path c-dsb reel rate)
  loadgen_run "$out" "$REEL_PORT" --connections $DSB_RATE_CONNECTIONS --threads 2 --rate $DSB_RATE \
    --mix "$(mix_file dsb)" "${REED98_VARS[@]}" "${TIMING[@]}"
  record c-dsb reel rate "$out"
  wait_fanout "$REEL_PORT" 120 >/dev/null
  log "(c) Reel DeathStarBench mix, $MIX_CONNECTIONS connections, closed loop"
  out=$(raw_path c-dsb reel closed)
  loadgen_run "$out" "$REEL_PORT" --connections $MIX_CONNECTIONS --threads 2 --mix "$(mix_file dsb)" "${REED98_VARS[@]}" "${TIMING[@]}"
  record c-dsb reel closed "$out"
  reeld_stop

  log "(c) baseline: Redis, the same mix, open loop at $DSB_RATE req/s"
  out=$(raw_path c-dsb redis rate)
  redis_run "$out" --mix home:60,user:30,publish:10 --connections $DSB_RATE_CONNECTIONS --rate $DSB_RATE \
    --duration "$DUR" --warmup "$WARM" --timeline-ms 500
  record c-dsb redis rate "$out"
  log "(c) baseline: Redis, the same mix, $MIX_CONNECTIONS connections, closed loop"
  out=$(raw_path c-dsb redis closed)
  redis_run "$out" --mix home:60,user:30,publish:10 --connections $MIX_CONNECTIONS --duration "$DUR" --warmup "$WARM" \
    --timeline-ms 500
  record c-dsb redis closed "$out"
}

workload_readheavy() {
  local out
  fresh_reed98 readheavy
  reeld_start readheavy "$DATA"
  log "(d) Reel read-heavy 65:1 mix, $MIX_CONNECTIONS connections, closed loop"
  out=$(raw_path d-readheavy reel closed)
  loadgen_run "$out" "$REEL_PORT" --connections $MIX_CONNECTIONS --threads 2 --mix "$(mix_file readheavy)" \
    "${REED98_VARS[@]}" "${TIMING[@]}"
  record d-readheavy reel closed "$out"
  reeld_stop
  log "(d) baseline: Redis, the same mix, $MIX_CONNECTIONS connections, closed loop"
  out=$(raw_path d-readheavy redis closed)
  redis_run "$out" --mix home:40,user:25,publish:1 --connections $MIX_CONNECTIONS --duration "$DUR" --warmup "$WARM" \
    --timeline-ms 500
  record d-readheavy redis closed "$out"
}
