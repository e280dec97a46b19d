#!/usr/bin/env bash
# bench/upload_memory.sh REELD [PORT]: how much memory one 64 MiB upload costs the server.
# Starts REELD on loopback with a fresh data dir, registers a user, uploads 64 MiB of random
# bytes to /douyin/publish/action/ (refused as "not a video" after hashing and probing, so
# the whole body is read), sampling RssAnon (heap) and RssFile (mapped files, page cache)
# of /proc/<pid>/status every 5 ms. Prints the peak growth of each.
set -euo pipefail
BIN=$1; PORT=${2:-18612}; D=$(mktemp -d)
trap 'kill "$PID" 2>/dev/null || true; rm -rf "$D"' EXIT
"$BIN" --listen 127.0.0.1:"$PORT" --data-dir "$D/data" >"$D/log" 2>&1 &
PID=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done
TOKEN=$(curl -s -X POST "http://127.0.0.1:$PORT/douyin/user/register/?username=mem$RANDOM&password=secret123" |
  python3 -c 'import sys, json; print(json.load(sys.stdin)["token"])')
head -c $((64 * 1024 * 1024 - 4096)) /dev/urandom >"$D/big.bin"
(while kill -0 "$PID" 2>/dev/null; do
  awk '/^RssAnon|^RssFile/ {printf "%s ", $2} END {print ""}' "/proc/$PID/status"
  sleep 0.005
done) >"$D/samples" &
SAMPLER=$!
sleep 0.2
curl -s -o /dev/null -F "token=$TOKEN" -F "title=t" -F "data=@$D/big.bin" "http://127.0.0.1:$PORT/douyin/publish/action/"
sleep 0.3
kill "$SAMPLER"
awk 'NR == 1 {a0 = $1; f0 = $2} {if ($1 > a) a = $1; if ($2 > f) f = $2}
  END {printf "RssAnon peak +%d MiB, RssFile peak +%d MiB\n", (a - a0) / 1024, (f - f0) / 1024}' "$D/samples"
