#!/usr/bin/env bash
# What watching for changes costs a running server as the tags grow (200, 4,000, 40,000): for each, 60,000
# generated articles are imported into a fresh SQLite file, the server starts on it, and its /metrics and CPU
# time are read over IDLE seconds with no writes, then after one article is edited by an import.
#   bash scripts/poll-cost.sh            (about 7 minutes; IDLE=60, PORT=5097, TAGS="200 4000 40000")
set -euo pipefail
cd "$(dirname "$0")/.."
IDLE=${IDLE:-60}
PORT=${PORT:-5097}
TAGS=${TAGS:-"200 4000 40000"}
dotnet build -c Release src/Feeds -v q -nologo > /dev/null
dll=$PWD/src/Feeds/bin/Release/net10.0/Feeds.dll
ticks=$(getconf CLK_TCK)

metric() { # metric NAME OUTCOME: the sample's value in the last scrape, 0 when absent
  awk -v name="$1" -v outcome="outcome=\"$2\"" 'index($0, name "{") == 1 && index($0, outcome) { print $NF; found = 1 } END { if (!found) print 0 }' "$work/metrics"
}
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

printf '| tags | first poll (every feed) | idle poll | idle CPU | poll after an edit | rows it reads |\n|---:|---:|---:|---:|---:|---:|\n'
for tags in $TAGS; do
  work=$(mktemp -d)
  dotnet run scripts/generate-articles.cs -- 60000 "$tags" > "$work/articles.ndjson"
  (cd "$work" && dotnet "$dll" import articles.ndjson --Feeds:DemoData=false > import.log 2>&1)
  (cd "$work" && exec dotnet "$dll" --urls "http://127.0.0.1:$PORT" --Feeds:DemoData=false > server.log 2>&1) &
  server=$!
  until curl -sf "http://127.0.0.1:$PORT/health/ready" > /dev/null; do sleep 0.5; done
  pid=$(pgrep -f "Feeds.dll --urls http://127.0.0.1:$PORT" | head -1)
  sleep 3
  curl -s "http://127.0.0.1:$PORT/metrics" > "$work/metrics"
  all=$(echo "$(metric feeds_poll_duration_seconds_sum all) $(metric feeds_poll_duration_seconds_count all)" | awk '{ printf "%.1f ms", 1000 * $1 / $2 }')
  idle_sum=$(metric feeds_poll_duration_seconds_sum unchanged); idle_count=$(metric feeds_poll_duration_seconds_count unchanged)
  cpu_start=$(cpu "$pid")
  sleep "$IDLE"
  cpu_end=$(cpu "$pid")
  curl -s "http://127.0.0.1:$PORT/metrics" > "$work/metrics"
  idle=$(echo "$(metric feeds_poll_duration_seconds_sum unchanged) $idle_sum $(metric feeds_poll_duration_seconds_count unchanged) $idle_count" \
    | awk '{ printf "%.2f ms (%d polls)", 1000 * ($1 - $2) / ($3 - $4), $3 - $4 }')
  idle_cpu=$(awk -v used="$((cpu_end - cpu_start))" -v ticks="$ticks" -v seconds="$IDLE" 'BEGIN { printf "%.2f %%", 100 * used / ticks / seconds }')
  # Five edits, one import each, a few polls apart; the first poll after an edit runs code for the first time,
  # so the figure is the mean of the other four.
  for edit in 1 2 3 4 5; do
    head -1 "$work/articles.ndjson" | sed "s/\"title\":\"/\"title\":\"改寫$edit /" > "$work/edit.ndjson"
    (cd "$work" && dotnet "$dll" import edit.ndjson --Feeds:DemoData=false > edit.log 2>&1)
    sleep 5
    if [ "$edit" = 1 ]; then
      curl -s "http://127.0.0.1:$PORT/metrics" > "$work/metrics"
      first="$(metric feeds_poll_duration_seconds_sum changed) $(metric feeds_poll_duration_seconds_count changed) $(metric feeds_poll_rows_total changed)"
    fi
  done
  curl -s "http://127.0.0.1:$PORT/metrics" > "$work/metrics"
  last="$(metric feeds_poll_duration_seconds_sum changed) $(metric feeds_poll_duration_seconds_count changed) $(metric feeds_poll_rows_total changed)"
  changed=$(echo "$last $first" | awk '{ printf "%.2f ms (%d polls)", 1000 * ($1 - $4) / ($2 - $5), $2 - $5 }')
  rows=$(echo "$last $first" | awk '{ printf "%.0f", ($3 - $6) / ($2 - $5) }')
  kill "$server" 2> /dev/null || true
  wait "$server" 2> /dev/null || true
  printf '| %s | %s | %s | %s | %s | %s |\n' "$tags" "$all" "$idle" "$idle_cpu" "$changed" "$rows"
  rm -rf "$work"
done
