# shellcheck shell=bash
# (e) A celebrity publish: the time from the acknowledgement until every sampled follower sees
# the video, for 10k and 100k followers, pulled through the hybrid path (reeld's default
# --celebrity-threshold 10000) or pushed (threshold raised above the follower count), with the
# fan-out rate from reel_fanout_inbox_entries_total. Baseline: Redis, one pipelined ZADD per
# follower. The pushed variants first time a publish's fan-out alone (the rate: entries / job
# duration as timed by reeld), then measure visibility with followers polling their feeds.
# Sourced by bench/run; CELEBRITY_VARIANTS and CELEBRITY_SAMPLE come from it.

PUSH_THRESHOLD=1000000

# celebrity_template N MODE: imports (once per run) a synthetic graph in which user0 and user1
# are followed by all N other users; echoes the template's directory.
celebrity_template() {
  local n=$1 mode=$2 dir="$WORK/celebrity-$1-$2" threshold=10000
  [ "$mode" = pushed ] && threshold=$PUSH_THRESHOLD
  if [ ! -d "$dir/data" ]; then
    log "(e) importing a synthetic graph: $((n + 1)) users, 2 celebrities with $n followers each ($mode)"
    "$REELD" import --data-dir "$dir/data" --users $((n + 1)) --mean-followers 2 --zipf 0 --celebrities 2 \
      --celebrity-followers "$n" --videos-per-user 1 --video "$WORK/videos/tiny.mp4" --password "$PASSWORD" \
      --out "$dir/vars" --celebrity-threshold "$threshold" >>"$WORK/logs/import.log" || die "import failed"
    tail -n +2 "$dir/vars/tokens.txt" >"$dir/vars/follower-tokens.txt"
  fi
  echo "$dir"
}

# fanout_alone OUT N DIR PORTS: the fan-out of a publish to N followers with nothing else
# running (celebrity_probe.py --quiet: one warm-up publish, then the measured one), the
# celebrity of template DIR publishing through the first of PORTS; the metrics of every node
# of PORTS are read and the job's figures come from the node that ran it.
fanout_alone() {
  local out=$1 n=$2 dir=$3 ports=$4
  /usr/bin/python3 "$REPO/bench/workloads/celebrity_probe.py" --port "${ports%%,*}" --metrics-ports "$ports" --quiet \
    --token "$(head -n 1 "$dir/vars/tokens.txt")" --follower-tokens "$dir/vars/follower-tokens.txt" \
    --video "$WORK/videos/tiny.mp4" --expect-entries "$n" --timeout 60 --out "$out" || die "fan-out probe failed"
  jq -r '"  \(.inbox_entries) inbox entries in \(.server_fanout_s) s as timed by reeld: \(.server_entries_per_s)/s"' "$out" >&2
}

workload_celebrity() {
  local variant n mode dir threshold out expect
  for variant in $CELEBRITY_VARIANTS; do
    n=${variant%%:*}
    mode=${variant##*:}
    threshold=10000
    expect=0
    if [ "$mode" = pushed ]; then threshold=$PUSH_THRESHOLD; expect=$n; fi
    dir=$(celebrity_template "$n" "$mode")
    rm -rf "$WORK/data-celebrity"
    cp -a "$dir/data" "$WORK/data-celebrity"
    reeld_start "celebrity-$n-$mode" "$WORK/data-celebrity" --celebrity-threshold "$threshold"
    log "  reeld answered /readyz after $READY_S s"
    if [ "$mode" = pushed ]; then
      # The fan-out rate, timed alone first (the Redis baseline also runs alone); the
      # visibility probe below then publishes again while followers poll their feeds.
      log "(e) Reel fan-out to $n followers, nothing else running"
      out=$(raw_path e-fanout reel "$n")
      fanout_alone "$out" "$n" "$dir" "$REEL_PORT"
      record e-fanout reel "$n" "$out"
    fi
    log "(e) Reel celebrity publish to $n followers ($mode): polling $CELEBRITY_SAMPLE followers' home timelines"
    out=$(raw_path e-celebrity reel "$n-$mode")
    /usr/bin/python3 "$REPO/bench/workloads/celebrity_probe.py" --port "$REEL_PORT" \
      --token "$(head -n 1 "$dir/vars/tokens.txt")" --follower-tokens "$dir/vars/follower-tokens.txt" \
      --sample "$CELEBRITY_SAMPLE" --video "$WORK/videos/tiny.mp4" --expect-entries "$expect" --timeout 60 \
      --seed "$ROUND" --out "$out" || die "celebrity probe failed"
    jq -r '"  ack \(.ack_ms) ms; \(.seen)/\(.sampled) sampled followers saw it, all by \(.visible_all_s // "never") s; fan-out done at \(.fanout_done_s // "?") s, \(.inbox_entries) inbox entries (\(.inbox_entries_per_s // 0 | floor)/s)"' "$out" >&2
    record e-celebrity reel "$n-$mode" "$out" "{\"startup_s\": $READY_S}"
    reeld_stop
    rm -rf "$WORK/data-celebrity"
  done
  for n in $(tr ' ' '\n' <<<"$CELEBRITY_VARIANTS" | cut -d: -f1 | sort -un); do
    log "(e) baseline: Redis, one publish pipelining a ZADD (and trim) to each of $n followers"
    out=$(raw_path e-celebrity redis "$n")
    redis_flush
    "$BIN/redis_fanout" --port "$REDIS_PORT" --celebrity "$n" --json "$out" >/dev/null 2>>"$WORK/logs/redis_fanout.log" ||
      die "redis_fanout failed"
    jq -r '"  complete in \(.complete_s) s, \(.fanout.inbox_entries_per_s | floor) entries/s"' "$out" >&2
    record e-celebrity redis "$n" "$out"
  done
}
