# shellcheck shell=bash
# (h) Login above the Argon2 capacity (reeld's defaults: one hashing thread, a bounded hash
# queue, a per-address rate limit), while a second load reads home timelines at a fixed rate:
# the limit must be enforced (429 rate limited, 503 busy) and feed latency must stay low.
# The same feed load runs alone first, on the same server. Sourced by bench/run.

LOGIN_RATE=100
LOGIN_CONNECTIONS=200
LOGIN_FEED_RATE=2000
LOGIN_FEED_CONNECTIONS=50
# Queued logins wait up to hash-queue x ~80 ms (10 s): the full run lets them finish; the
# quick run counts the slowest as timeouts.
LOGIN_TIMEOUT_MS=${LOGIN_TIMEOUT_MS:-15000}

login_counts() {
  local port=$1
  jq -nc --argjson ok "$(route_count "$port" /douyin/user/login 2xx)" \
    --argjson c4 "$(route_count "$port" /douyin/user/login 4xx)" \
    --argjson c5 "$(route_count "$port" /douyin/user/login 5xx)" '{ok: $ok, rejected_4xx: $c4, rejected_5xx: $c5}'
}

workload_login() {
  local out feed before after t0 t1 login_pid
  fresh_reed98 login
  reeld_start login "$DATA"
  log "(h) Reel home-timeline reads alone, open loop at $LOGIN_FEED_RATE req/s"
  feed=$(raw_path h-feed reel alone)
  loadgen_run "$feed" "$REEL_PORT" --connections $LOGIN_FEED_CONNECTIONS --rate $LOGIN_FEED_RATE --mix "$(mix_file home)" \
    "${REED98_VARS[@]}" "${TIMING[@]}"
  record h-feed reel alone "$feed"

  log "(h) Reel login at $LOGIN_RATE/s ($LOGIN_CONNECTIONS connections) with the same feed reads alongside"
  before=$(login_counts "$REEL_PORT")
  t0=$(date +%s.%N)
  out=$(raw_path h-login reel rate)
  "$BIN/loadgen" --target 127.0.0.1:"$REEL_PORT" --json "$out" --connections $LOGIN_CONNECTIONS --rate $LOGIN_RATE \
    --timeout-ms "$LOGIN_TIMEOUT_MS" --mix "$(mix_file login)" --var name="$WORK/reed98.vars/names.txt" \
    --duration "$DUR" --warmup "$WARM" --timeline-ms 500 >>"$WORK/logs/loadgen.log" 2>&1 &
  login_pid=$!
  feed=$(raw_path h-feed reel withlogin)
  loadgen_run "$feed" "$REEL_PORT" --connections $LOGIN_FEED_CONNECTIONS --rate $LOGIN_FEED_RATE --mix "$(mix_file home)" \
    "${REED98_VARS[@]}" "${TIMING[@]}"
  log "  waiting for the queued logins to finish"
  wait "$login_pid" || log "  login loadgen exited with $?"
  t1=$(date +%s.%N)
  after=$(login_counts "$REEL_PORT")
  [ -s "$out" ] || die "login loadgen wrote no result"
  summarize "$out"
  record h-feed reel withlogin "$feed"
  record h-login reel rate "$out" "$(jq -nc --argjson b "$before" --argjson a "$after" --arg t0 "$t0" --arg t1 "$t1" '
    (($t1 | tonumber) - ($t0 | tonumber)) as $s |
    {ok: ($a.ok - $b.ok), rate_limited_429: ($a.rejected_4xx - $b.rejected_4xx), busy_503: ($a.rejected_5xx - $b.rejected_5xx),
     seconds: $s, ok_per_s: (($a.ok - $b.ok) / $s)}')"
  jq -r '.extra | "  logins: \(.ok) accepted (\(.ok_per_s * 10 | floor / 10)/s), \(.rate_limited_429) rate limited (429), \(.busy_503) busy (503)"' \
    <(tail -n 1 "$RES/runs.jsonl") >&2
  reeld_stop
}
