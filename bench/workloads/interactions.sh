# shellcheck shell=bash
# (f) A like/comment storm on one hot video, (g) chat between many random pairs, and the
# storage ceiling both are compared with: raw RocksDB synced batched writes. Sourced by bench/run.

STORM_CONNECTIONS=64

workload_storm() {
  local out hot
  fresh_reed98 storm
  hot=$(head -n 1 "$WORK/reed98.vars/videos.txt")
  reeld_start storm "$DATA"
  log "(f) Reel like/comment storm on video $hot, $STORM_CONNECTIONS connections, closed loop"
  out=$(raw_path f-storm reel closed)
  loadgen_run "$out" "$REEL_PORT" --connections $STORM_CONNECTIONS --threads 2 --mix "$(mix_file storm -e "s|@HOT@|$hot|g")" \
    "${REED98_VARS[@]}" "${TIMING[@]}"
  record f-storm reel closed "$out" "$(jq -nc --argjson n "$(curl -sf "http://127.0.0.1:$REEL_PORT/douyin/comment/list/?video_id=$hot" |
    jq '.comment_list | length')" '{comments_listed: $n}')"
  reeld_stop
}

# pairs.txt: "<token of A>&to_user_id=<B>" for random distinct A and B (5,000 pairs), so that
# {pair} never names a chat with oneself.
chat_pairs() {
  local vars="$WORK/reed98.vars"
  [ -s "$vars/pairs.txt" ] && return 0
  paste -d' ' "$vars/tokens.txt" "$vars/users.txt" | awk -v seed=7 '
    { token[NR] = $1; user[NR] = $2 }
    END { srand(seed); for (k = 0; k < 5000; k++) { a = int(rand() * NR) + 1; b = a
            while (b == a) b = int(rand() * NR) + 1
            print token[a] "&to_user_id=" user[b] } }' >"$vars/pairs.txt"
}

workload_chat() {
  local out
  chat_pairs
  fresh_reed98 chat
  reeld_start chat "$DATA"
  log "(g) Reel chat between random pairs of Reed98 users, $STORM_CONNECTIONS connections, closed loop"
  out=$(raw_path g-chat reel closed)
  loadgen_run "$out" "$REEL_PORT" --connections $STORM_CONNECTIONS --threads 2 --mix "$(mix_file chat)" \
    --var pair="$WORK/reed98.vars/pairs.txt" "${TIMING[@]}"
  record g-chat reel closed "$out"
  reeld_stop
}

# The storage ceiling in two shapes: many small synced batches (what likes, comments, chat
# messages and publishes commit) and large ones (what fan-out pages commit).
workload_storage() {
  local out
  log "baseline: RocksDB synced writes, 32 threads x batches of 4 puts"
  out=$(raw_path storage rocksdb small)
  rm -rf "$WORK/rocksdb-baseline"
  "$BIN/rocksdb_baseline" --dir "$WORK/rocksdb-baseline" --threads 32 --batch 4 --duration "$DUR" --json "$out" >/dev/null
  jq -r '"  \(.batches_per_s | floor) synced batches/s, \(.puts_per_s | floor) puts/s, batch p99 \(.batch_latency_us.p99 / 1000) ms"' "$out" >&2
  record storage rocksdb small "$out"
  log "baseline: RocksDB synced writes, 2 threads x batches of 1,000 puts"
  out=$(raw_path storage rocksdb large)
  rm -rf "$WORK/rocksdb-baseline"
  "$BIN/rocksdb_baseline" --dir "$WORK/rocksdb-baseline" --threads 2 --batch 1000 --duration "$DUR" --json "$out" >/dev/null
  jq -r '"  \(.batches_per_s | floor) synced batches/s, \(.puts_per_s | floor) puts/s, batch p99 \(.batch_latency_us.p99 / 1000) ms"' "$out" >&2
  record storage rocksdb large "$out"
  rm -rf "$WORK/rocksdb-baseline"
}
