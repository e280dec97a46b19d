# shellcheck shell=bash
# (k) The cluster: three reeld nodes (64 partitions, each on all three, primary/backup) and one
# etcd member on loopback, each workload next to the single-node reeld of the same round:
# home-feed reads, the DSB mix at 1,000 req/s, publish at 300/s, a celebrity's fan-out, and
# the failover window over kills of a primary. Sourced by bench/run; CLUSTER_KILLS and
# CLUSTER_FANOUT_FOLLOWERS come from it.

CLUSTER_DSB_RATE=1000
CLUSTER_PUBLISH_RATE=300
CLUSTER_PROBE="$REPO/bench/workloads/cluster_probe.py"
declare -a CLUSTER_HTTP=() CLUSTER_PEER=() CLUSTER_PIDS=() CLUSTER_FLAGS=()

# pick_ports N: N distinct loopback ports that nothing listens on, from 18600 up, into PICKED.
# Run in this shell, not in $(...): lib.sh's free_port cannot hand out several at once.
pick_ports() {
  local p=18600
  PICKED=()
  while ((${#PICKED[@]} < $1)); do
    ss -Hltn "sport = :$p" | grep -q . || PICKED+=("$p")
    p=$((p + 1))
  done
}

# forget_pid PID: drops a dead process from STARTED_PIDS, so that cleanup never signals a
# later process that got its pid.
forget_pid() {
  local keep=() p
  for p in "${STARTED_PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
  STARTED_PIDS=("${keep[@]}")
}

# cluster_node_start I: starts node nI (0-based I) on its ports and data dir. Its pid goes
# first in STARTED_PIDS, so that cleanup stops the nodes before etcd (a node stopping
# without etcd waits for it).
cluster_node_start() {
  local i=$1
  # Line-buffered: what a node printed is in its log even when it is SIGKILLed.
  stdbuf -oL -eL "$REELD" --listen 127.0.0.1:"${CLUSTER_HTTP[i]}" --data-dir "$CLUSTER_DIR/n$((i + 1))" \
    --etcd "http://127.0.0.1:$CLUSTER_ETCD_PORT" --node-name "n$((i + 1))" --advertise 127.0.0.1 \
    --cluster-port "${CLUSTER_PEER[i]}" --bootstrap-nodes 3 "${CLUSTER_FLAGS[@]}" \
    >>"$WORK/logs/$CLUSTER_NAME.n$((i + 1)).reeld.log" 2>&1 &
  CLUSTER_PIDS[i]=$!
  STARTED_PIDS=("$!" "${STARTED_PIDS[@]}")
}

# cluster_settle: waits until the partition map is settled (cluster_probe.py settle); sets
# SETTLE_S.
cluster_settle() {
  local answer
  answer=$(/usr/bin/python3 "$CLUSTER_PROBE" settle --ports "$CLUSTER_TARGET" --timeout 120) ||
    die "the cluster's partition map did not settle (see $RES/logs/$CLUSTER_NAME.*)"
  SETTLE_S=$(jq -r .settle_s <<<"$answer")
}

# cluster_start NAME DATA [reeld flags...]: one etcd member and three nodes n1..n3, each on a
# fresh copy of DATA (an imported data dir; the copies share its token secret and media);
# returns once every node answers /readyz and the map is settled. Sets CLUSTER_TARGET (the
# HTTP ports, comma-separated).
cluster_start() {
  CLUSTER_NAME=cluster-$1 CLUSTER_DIR="$WORK/cluster-$1"
  local template=$2 i start=$SECONDS
  shift 2
  CLUSTER_FLAGS=("$@")
  rm -rf "$CLUSTER_DIR"
  mkdir -p "$CLUSTER_DIR"
  for i in 1 2 3; do cp -a "$template" "$CLUSTER_DIR/n$i"; done
  pick_ports 8
  CLUSTER_ETCD_PORT=${PICKED[0]}
  CLUSTER_HTTP=("${PICKED[@]:2:3}") CLUSTER_PEER=("${PICKED[@]:5:3}")
  CLUSTER_TARGET=$(IFS=,; echo "${CLUSTER_HTTP[*]}")
  # One member, not scripts/cluster's three: etcd holds only leases, the map and the
  # controller's election (no request goes through it), it is never the one killed here, and
  # on two cores two more members would take CPU from the nodes being measured. The timings
  # are scripts/cluster's, so that a lease expires as it would there.
  etcd --name e1 --data-dir "$CLUSTER_DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$CLUSTER_ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$CLUSTER_ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:${PICKED[1]}" --initial-advertise-peer-urls "http://127.0.0.1:${PICKED[1]}" \
    --initial-cluster "e1=http://127.0.0.1:${PICKED[1]}" --initial-cluster-state new \
    --heartbeat-interval 50 --election-timeout 500 --logger zap --log-outputs stderr --log-level warn \
    >>"$WORK/logs/$CLUSTER_NAME.etcd.log" 2>&1 &
  CLUSTER_ETCD_PID=$!
  STARTED_PIDS+=("$CLUSTER_ETCD_PID")
  wait_http "http://127.0.0.1:$CLUSTER_ETCD_PORT/health" 30
  for i in 0 1 2; do cluster_node_start "$i"; done
  for i in 0 1 2; do wait_http "http://127.0.0.1:${CLUSTER_HTTP[i]}/readyz" 120; done
  cluster_settle
  log "  cluster of 3 nodes (HTTP $CLUSTER_TARGET) ready and settled $((SECONDS - start)) s after start"
}

# cluster_stop: SIGTERM to the three nodes at once (one at a time, each would first see its
# partitions fail over to the others), then etcd; warns when a node's log reports a crash.
cluster_stop() {
  local pid
  for pid in "${CLUSTER_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${CLUSTER_PIDS[@]}" "$CLUSTER_ETCD_PID"; do
    stop_pid "$pid"
    forget_pid "$pid"
  done
  CLUSTER_PIDS=()
  if grep -qiE "fatal|abort|terminate called|sanitizer|segmentation" "$WORK/logs/$CLUSTER_NAME".*.log 2>/dev/null; then
    log "  warning: the cluster's logs report a failure (see $RES/logs/$CLUSTER_NAME.*)"
  fi
  rm -rf "$CLUSTER_DIR"
}

# round_has WORKLOAD SYSTEM VARIANT: the run index already holds that figure for this round.
round_has() {
  jq -en --arg w "$1" --arg s "$2" --arg v "$3" --argjson r "$ROUND" \
    '[inputs | select(.workload == $w and .system == $s and .variant == $v and .round == $r)] | length > 0' \
    "$RES/runs.jsonl" >/dev/null
}

# k_load WORKLOAD SYSTEM VARIANT PORTS MIX [loadgen flags...]: one bounded load of a mix on
# Reed98 through PORTS (the single reeld, or the cluster's nodes), recorded as a (k) figure.
k_load() {
  local workload=$1 system=$2 variant=$3 ports=$4 mix=$5 out
  shift 5
  out=$(raw_path "$workload" "$system" "$variant")
  loadgen_run "$out" "$ports" --threads 2 --mix "$(mix_file "$mix")" "${REED98_VARS[@]}" "${TIMING[@]}" "$@"
  record "$workload" "$system" "$variant" "$out"
}

workload_cluster_reads() {
  if ! round_has a-home reel closed; then  # (a) did not run in this round: measure its figure
    fresh_reed98 kreads
    reeld_start kreads "$DATA"
    log "(k) single-node reeld, home timeline, $READ_CONNECTIONS connections, closed loop (as (a))"
    k_load k-home single closed "$REEL_PORT" home --connections "$READ_CONNECTIONS"
    reeld_stop
  fi
  cluster_start reads "$WORK/reed98.data"
  log "(k) cluster, home timeline, $READ_CONNECTIONS connections over 3 nodes, closed loop"
  k_load k-home cluster closed "$CLUSTER_TARGET" home --connections "$READ_CONNECTIONS"
  cluster_stop
}

workload_cluster_dsb() {
  fresh_reed98 kdsb
  reeld_start kdsb "$DATA"
  log "(k) single-node reeld, DeathStarBench mix, open loop at $CLUSTER_DSB_RATE req/s"
  k_load k-dsb single rate "$REEL_PORT" dsb --connections "$DSB_RATE_CONNECTIONS" --rate "$CLUSTER_DSB_RATE"
  reeld_stop
  cluster_start dsb "$WORK/reed98.data"
  log "(k) cluster, DeathStarBench mix over 3 nodes, open loop at $CLUSTER_DSB_RATE req/s"
  k_load k-dsb cluster rate "$CLUSTER_TARGET" dsb --connections "$DSB_RATE_CONNECTIONS" --rate "$CLUSTER_DSB_RATE"
  cluster_stop
}

workload_cluster_publish() {
  fresh_reed98 kpublish
  reeld_start kpublish "$DATA"
  log "(k) single-node reeld, publish with fan-out, open loop at $CLUSTER_PUBLISH_RATE/s"
  publish_measure "$(raw_path k-publish single rate)" k-publish single rate "$REEL_PORT" \
    --connections "$PUBLISH_CONNECTIONS" --rate "$CLUSTER_PUBLISH_RATE"
  reeld_stop
  cluster_start publish "$WORK/reed98.data"
  log "(k) cluster, publish with fan-out over 3 nodes, open loop at $CLUSTER_PUBLISH_RATE/s"
  publish_measure "$(raw_path k-publish cluster rate)" k-publish cluster rate "$CLUSTER_TARGET" \
    --connections "$PUBLISH_CONNECTIONS" --rate "$CLUSTER_PUBLISH_RATE"
  cluster_stop
}

workload_cluster_fanout() {
  local n=$CLUSTER_FANOUT_FOLLOWERS dir out
  dir=$(celebrity_template "$n" pushed)
  if ! round_has e-fanout reel "$n"; then  # (e) did not time this size in this round
    rm -rf "$WORK/data-kfanout"
    cp -a "$dir/data" "$WORK/data-kfanout"
    reeld_start kfanout "$WORK/data-kfanout" --celebrity-threshold "$PUSH_THRESHOLD"
    log "(k) single-node reeld, fan-out to $n followers (pushed), nothing else running (as (e))"
    out=$(raw_path k-fanout single "$n")
    fanout_alone "$out" "$n" "$dir" "$REEL_PORT"
    record k-fanout single "$n" "$out"
    reeld_stop
    rm -rf "$WORK/data-kfanout"
  fi
  cluster_start fanout "$dir/data" --celebrity-threshold "$PUSH_THRESHOLD"
  log "(k) cluster, fan-out to $n followers (pushed), nothing else running"
  out=$(raw_path k-fanout cluster "$n")
  fanout_alone "$out" "$n" "$dir" "$CLUSTER_TARGET"
  record k-fanout cluster "$n" "$out"
  cluster_stop
}

# failover_kill K OUT: kill number K (0-based) under writes (cluster_probe.py kill), then the
# victim's restart on its data and the wait for a settled map; OUT gets the probe's JSON with
# restart_ready_s and settle_s added.
failover_kill() {
  local k=$1 out=$2 nodes i victim pid start
  nodes=$(for i in 0 1 2; do printf '%s:%s,' "${CLUSTER_HTTP[i]}" "${CLUSTER_PIDS[i]}"; done)
  /usr/bin/python3 "$CLUSTER_PROBE" kill --nodes "${nodes%,}" --index "$k" --users "$WORK/reed98.vars/users.txt" \
    --tokens "$WORK/reed98.vars/tokens.txt" --out "$out.probe" >/dev/null || die "the failover probe failed"
  victim=$(jq -r .victim_index "$out.probe")
  pid=${CLUSTER_PIDS[victim]}
  { wait "$pid" || true; } 2>/dev/null  # reaped quietly: bash would report the SIGKILL
  forget_pid "$pid"
  start=$(date +%s.%N)
  cluster_node_start "$victim"
  wait_http "http://127.0.0.1:${CLUSTER_HTTP[victim]}/readyz" 120
  local ready
  ready=$(awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN { printf "%.3f", a - b }')
  cluster_settle
  jq -c --argjson r "$ready" --argjson s "$SETTLE_S" '. + {restart_ready_s: $r, settle_s: $s}' "$out.probe" >"$out"
  rm -f "$out.probe"
  jq -r '"  kill \(.victim_index + 1) (node n\(.victim_index + 1), led \(.victim_led)\(if .victim_was_controller then ", controller" else "" end)): window \(.window_s // "not closed") s (all partitions \(.other_partitions_window_s // "?") s), \(.http_503) × 503, \(.timeouts) timeouts; back ready \(.restart_ready_s) s, settled \(.settle_s) s later"' "$out" >&2
}

workload_cluster_failover() {
  local k out kills=()
  cluster_start failover "$WORK/reed98.data"
  log "(k) cluster failover: $CLUSTER_KILLS kills of a primary (SIGKILL) while 64 writers follow/unfollow through the others"
  for k in $(seq 0 $((CLUSTER_KILLS - 1))); do
    out="$WORK/failover-r$ROUND-$k.json"
    # bash reports the victim's SIGKILL as a job notice ("... Killed stdbuf ..."): not news here.
    failover_kill "$k" "$out" 2> >(grep --line-buffered -v '^.*line [0-9]*: *[0-9]* Killed ' >&2)
    kills+=("$out")
  done
  out=$(raw_path k-failover cluster kills)
  jq -sc '{config: .[0].config, kills: ., windows_s: map(.window_s)}' "${kills[@]}" >"$out"
  rm -f "${kills[@]}"
  jq -r '"  windows: \(.windows_s | map(tostring) | join(", ")) s"' "$out" >&2
  record k-failover cluster kills "$out"
  cluster_stop
}
