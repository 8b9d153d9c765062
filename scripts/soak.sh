#!/usr/bin/env bash
# Bounded soak: Feeds (Release, embedded SQLite) under wrk for DURATION seconds with CONNECTIONS connections,
# a mix of every kind of document (category, section, site and tag feeds in three formats, archive pages,
# feed pages, the index and OPML), 60 % conditional requests, while imports add and change articles every
# 15 seconds. Reports requests per second, p50/p99, status counts, memory at start and end, and fails when
# any answer was a 5xx.
#
#   bash scripts/soak.sh                         # 120 s, 256 connections, 20,000 articles
#   DURATION=30 CONNECTIONS=64 bash scripts/soak.sh
#
# Installs wrk from Debian when missing (needs root). Polite polling and the render limits are off
# (Feeds:PolitePolling:Enabled, Feeds:RenderLimits:Enabled): all of wrk's connections come from one address,
# which is exactly what they limit. scripts/abuse.sh measures them.
set -euo pipefail
cd "$(dirname "$0")/.."

ARTICLES=${ARTICLES:-20000}
DURATION=${DURATION:-120}
CONNECTIONS=${CONNECTIONS:-256}
THREADS=${THREADS:-2}
WORK=${WORK:-/tmp/feeds-soak}
PORT=${PORT:-5091}

source scripts/feeds-lib.sh
need wrk
mkdir -p "$WORK"
dataset="$WORK/articles-$ARTICLES.ndjson"
sample_articles "$ARTICLES" "$dataset"
build_feeds
db="$WORK/feeds.db"
rm -f "$db" "$db-wal" "$db-shm"
feeds_command import "$db" "$dataset" 2> /dev/null

start_feeds "$PORT" "$db" "$WORK/server.log" "${UNLIMITED[@]}"
server=${FEEDS_PIDS[-1]}
trap stop_feeds EXIT
wait_for "http://127.0.0.1:$PORT/health/ready"

# The targets, each with the ETag it has now.
targets="$WORK/targets.txt"
: > "$targets"
paths=(/ /feeds.opml /feeds/all /feeds/news /feeds/category-01 /feeds/news/archive/2026-10.atom /feeds/all/archive/2026-09.json /feeds/industry/archive/2026-08.rss)
for feed in all news industry $(printf 'category-%02d ' $(seq 1 12)) tags/%E6%A8%99%E7%B1%A41 tags/%E6%A8%99%E7%B1%A47 tags/%E4%B8%BB%E9%A1%8C3; do
  for format in rss atom json; do paths+=("/feeds/$feed.$format"); done
done
paths+=("/feeds/all.rss?limit=100" "/feeds/news.atom?limit=50")
for path in "${paths[@]}"; do
  etag=$(curl -s -o /dev/null -D - "http://127.0.0.1:$PORT$path" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')
  [ -n "$etag" ] || { echo "no ETag for $path" >&2; exit 1; }
  echo "$path $etag" >> "$targets"
done

rss() { awk '/VmRSS/{print $2}' "/proc/$server/status"; }
echo "server memory at start: $(( $(rss) / 1024 )) MB RSS; ${#paths[@]} documents; $DURATION s, $CONNECTIONS connections"

# Writers during the run: every 15 s an import changes 250 titles and adds 250 articles.
(
  round=0
  while sleep 15; do
    round=$((round + 1))
    batch="$WORK/batch-$round.ndjson"
    head -n 250 "$dataset" | sed "s/最新動態/最新動態（第${round}次更新）/" > "$batch"
    sed -n "$((round * 250 + 1)),$((round * 250 + 250))p" "$dataset" | sed "s/\"gen-/\"soak${round}-/" >> "$batch"
    start=$(date +%s%N)
    feeds_command import "$db" "$batch" 2> /dev/null
    echo "import $round: 500 lines in $(( ($(date +%s%N) - start) / 1000000 )) ms"
  done
) &
writer=$!
trap 'stop_feeds; kill $writer 2> /dev/null || true' EXIT

SOAK_TARGETS="$targets" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s -s scripts/soak.lua "http://127.0.0.1:$PORT" | tee "$WORK/wrk.txt"
kill $writer 2> /dev/null || true
echo "server memory at end: $(( $(rss) / 1024 )) MB RSS"
grep -q '^SOAK_5XX=0$' "$WORK/wrk.txt" || { echo "5xx answers during the soak" >&2; exit 1; }
