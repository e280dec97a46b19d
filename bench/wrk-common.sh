# Shared by bench/wrk-foundation and bench/wrk-feeds: runs wrk on named URLs in interleaved
# rounds and prints medians with each URL's throughput as a ratio to the first one (the
# baseline of the same run). Callers set: rounds, duration, order (array of names, baseline
# first) and urls (associative array name -> URL).

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
to_ms() {
  tr ' ' '\n' | grep -v '^$' |
    awk '/us$/ {sub("us",""); print $1/1000; next} /ms$/ {sub("ms",""); print $1; next} /s$/ {sub("s",""); print $1*1000}'
}

wrk_table() {
  declare -A rps p50 p99
  local name round out
  for round in $(seq "$rounds"); do
    for name in "${order[@]}"; do
      out=$(wrk -t2 -c64 -d"$duration" --latency "${urls[$name]}")
      if echo "$out" | grep -qE "Non-2xx|Socket errors"; then
        echo "round $round $name: $(echo "$out" | grep -E 'Non-2xx|Socket errors' | tr '\n' ' ')" >&2
      fi
      rps[$name]+="$(echo "$out" | awk '/Requests\/sec/ {print $2}') "
      p50[$name]+="$(echo "$out" | awk '$1=="50%" {print $2}') "
      p99[$name]+="$(echo "$out" | awk '$1=="99%" {print $2}') "
      echo "round $round $name: $(echo "$out" | awk '/Requests\/sec/ {print $2}') req/s" >&2
    done
  done
  local baseline r
  baseline=$(echo "${rps[${order[0]}]}" | median)
  echo
  echo "wrk -t2 -c64 -d$duration, median of $rounds rounds, $(nproc) cores, loopback"
  printf "| %-12s | %10s | %8s | %8s | %14s |\n" endpoint "req/s" "p50 ms" "p99 ms" "ratio to ${order[0]}"
  printf "|%s|%s|%s|%s|%s|\n" "--------------" "------------" "----------" "----------" "----------------"
  for name in "${order[@]}"; do
    r=$(echo "${rps[$name]}" | median)
    printf "| %-12s | %10.0f | %8s | %8s | %14.3f |\n" "$name" "$r" "$(echo "${p50[$name]}" | to_ms | median)" \
      "$(echo "${p99[$name]}" | to_ms | median)" "$(awk -v a="$r" -v b="$baseline" 'BEGIN {print a / b}')"
  done
}
