#!/usr/bin/env bash
# What counting subscribers costs a poll: two Release servers on the demo data, Feeds:Subscribers:Enabled true and
# false, answering a reader's revalidation (a NetNewsWire User-Agent, If-None-Match: 304) under wrk, in alternating
# rounds; prints each round and the medians. Polite polling and the render limits are off (one address).
#
#   bash scripts/subscriber-cost.sh            # 3 rounds of 5 s
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
WORK=${WORK:-/tmp/feeds-subscriber-cost}
source scripts/feeds-lib.sh
need wrk
build_feeds
app="$PWD/$FEEDS_APP"
trap stop_feeds EXIT
declare -A port=([on]=5131 [off]=5132)
for counting in on off; do
  rm -rf "$WORK/$counting" && mkdir -p "$WORK/$counting"
  enabled=$([ "$counting" = on ] && echo true || echo false)
  (cd "$WORK/$counting" && exec env ASPNETCORE_ENVIRONMENT=Development dotnet "$app" --urls "http://127.0.0.1:${port[$counting]}" \
    "${UNLIMITED[@]}" --Logging:LogLevel:Default=Warning "--Feeds:Subscribers:Enabled=$enabled" > log 2>&1) &
  FEEDS_PIDS+=($!)
done
user_agent='NetNewsWire (RSS Reader; https://netnewswire.com/)'
for counting in on off; do
  wait_for "http://127.0.0.1:${port[$counting]}/feeds/all.rss"
  wrk -t1 -c8 -d2s -H "User-Agent: $user_agent" "http://127.0.0.1:${port[$counting]}/feeds/all.rss" > /dev/null
done
declare -A rates
for round in $(seq 1 "$ROUNDS"); do
  for counting in on off; do
    url="http://127.0.0.1:${port[$counting]}/feeds/all.rss"
    etag=$(curl -fsI "$url" | tr -d '\r' | awk -F': ' 'tolower($1) == "etag" { print $2 }')
    rate=$(wrk -t2 -c32 -d"${DURATION}s" -H "User-Agent: $user_agent" -H "If-None-Match: $etag" "$url" | awk '/^Requests\/sec:/ { print $2 }')
    echo "round $round, counting $counting: $rate 304s/s"
    rates[$counting]+="$rate "
  done
done
median() { tr ' ' '\n' <<< "$1" | awk 'NF' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
on=$(median "${rates[on]}")
off=$(median "${rates[off]}")
echo "medians: counting on $on, off $off 304s/s: $(awk -v a="$on" -v b="$off" 'BEGIN { printf "%.2f", a / b }') of the rate without counting"
