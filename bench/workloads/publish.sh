# shellcheck shell=bash
# (b) Publish with fan-out on Reed98. The upload is the small video that the import stored, so
# publish takes the instant path and measures the write and fan-out path; the full new-video
# pipeline (FFmpeg validation and cover) is measured apart, next to Reel's media library
# called directly. Baselines: Redis ZADD-per-follower fan-out at the same rate and shape.
# Sourced by bench/run.

PUBLISH_RATE=600
PUBLISH_CONNECTIONS=64
PUBLISH_CLOSED_CONNECTIONS=32

# publish_run OUT VARIANT [loadgen flags...]: one publish load on the single reeld, then the
# fan-out drain (publish_measure).
publish_run() {
  publish_measure "$1" b-publish reel "$2" "$REEL_PORT" "${@:3}"
}

# publish_measure OUT WORKLOAD SYSTEM VARIANT PORTS [loadgen flags...]: one publish load through
# PORTS (one reeld, or a cluster's nodes comma-separated), then the wait until no node has a
# pending fan-out job; records the inbox entries written and the rate from the load's start
# to the end of the drain.
publish_measure() {
  local out=$1 workload=$2 system=$3 variant=$4 ports=$5 e0 e1 t0 t1 drain
  shift 5
  e0=$(metric "$ports" reel_fanout_inbox_entries_total)
  t0=$(date +%s.%N)
  loadgen_run "$out" "$ports" --mix "$(mix_file publish)" "${REED98_VARS[@]}" "${TIMING[@]}" "$@"
  drain=$(wait_fanout "$ports" 300)
  t1=$(date +%s.%N)
  e1=$(metric "$ports" reel_fanout_inbox_entries_total)
  log "  fan-out: $((e1 - e0)) inbox entries, drained ${drain} s after the load"
  record "$workload" "$system" "$variant" "$out" "$(jq -nc --argjson e "$((e1 - e0))" --arg t0 "$t0" --arg t1 "$t1" \
    --arg d "$drain" '{inbox_entries: $e, inbox_entries_per_s: ($e / (($t1 | tonumber) - ($t0 | tonumber))), drain_s: ($d | tonumber)}')"
}

# new_video_pipeline: uploads never-seen videos one at a time; each pays FFmpeg validation
# and cover extraction. Writes a JSON with the per-video times.
new_video_pipeline() {
  local out=$1 token file t code times=() failures=0 i=0
  token=$(head -n 1 "$WORK/reed98.vars/tokens.txt")
  for file in "$WORK"/videos/new-*.mp4; do
    i=$((i + 1))
    printf '\r  uploading new video %d of %d' "$i" "$NEW_VIDEOS" >&2
    t=$(curl -s -o "$WORK/upload.json" -w '%{time_total}' --max-time 60 -F "data=@$file;type=video/mp4" \
      "http://127.0.0.1:$REEL_PORT/douyin/publish/action/?token=$token&title=new$i") || t=
    code=$(jq -r '.status_code // "none"' "$WORK/upload.json" 2>/dev/null || echo none)
    if [ "$code" = 0 ] && [ -n "$t" ]; then times+=("$t"); else failures=$((failures + 1)); fi
  done
  printf '\r%50s\r' '' >&2
  printf '%s\n' "${times[@]}" | jq -sc --argjson f "$failures" '
    (map(. * 1000) | sort) as $ms | ($ms | length) as $n |
    def pct(q): if $n == 0 then 0 else $ms[([(q * $n | ceil), 1] | max) - 1] end;
    {config: {tool: "curl", video_bytes: null}, videos: $n, failures: $f,
     videos_per_s: (if $n == 0 then 0 else 1000 * $n / ($ms | add) end),
     per_video_ms: {p50: pct(0.5), p90: pct(0.9), max: ($ms | max // 0), mean: (if $n == 0 then 0 else ($ms | add) / $n end)}}' >"$out"
  jq -r '"  \(.videos) new videos, \(.per_video_ms.p50) ms median each, \(.failures) failed"' "$out" >&2
}

workload_publish() {
  local out
  fresh_reed98 publish
  reeld_start publish "$DATA"
  log "(b) Reel publish (instant path) with fan-out, open loop at $PUBLISH_RATE/s"
  publish_run "$(raw_path b-publish reel rate)" rate --connections $PUBLISH_CONNECTIONS --rate $PUBLISH_RATE
  log "(b) Reel publish, $PUBLISH_CLOSED_CONNECTIONS connections, closed loop"
  publish_run "$(raw_path b-publish reel closed)" closed --connections $PUBLISH_CLOSED_CONNECTIONS
  log "(b) Reel new-video pipeline: $NEW_VIDEOS never-seen uploads of $(stat -c %s "$WORK/videos/new-1.mp4") bytes, one at a time"
  out=$(raw_path b-newvideo reel sequential)
  new_video_pipeline "$out"
  record b-newvideo reel sequential "$out"
  reeld_stop

  log "(b) baseline: media library alone (validation + cover + store) on the same $NEW_VIDEOS videos"
  out=$(raw_path b-newvideo media sequential)
  rm -rf "$WORK/media-baseline"
  "$BIN/media_ingest_baseline" --root "$WORK/media-baseline" --json "$out" "$WORK"/videos/new-*.mp4 >/dev/null ||
    log "  media_ingest_baseline rejected a video"
  jq -r '"  \(.videos) videos, \(.per_video_ms.p50) ms median each"' "$out" >&2
  record b-newvideo media sequential "$out"

  log "(b) baseline: Redis fan-out publish, open loop at $PUBLISH_RATE/s"
  out=$(raw_path b-publish redis rate)
  redis_run "$out" --mix publish:1 --connections $PUBLISH_CONNECTIONS --rate $PUBLISH_RATE --duration "$DUR" \
    --warmup "$WARM" --timeline-ms 500
  record b-publish redis rate "$out" "$(jq -c '.fanout' "$out")"
  log "(b) baseline: Redis fan-out publish, $PUBLISH_CLOSED_CONNECTIONS connections, closed loop"
  out=$(raw_path b-publish redis closed)
  redis_run "$out" --mix publish:1 --connections $PUBLISH_CLOSED_CONNECTIONS --duration "$DUR" --warmup "$WARM" \
    --timeline-ms 500
  record b-publish redis closed "$out" "$(jq -c '.fanout' "$out")"
}
