#!/usr/bin/env bash
# Abuse test (issues 9 and 28): Feeds with its default limits on the embedded database, a polite poller measured
# alone and under each shape of abuse, each shape on a fresh server. The poller asks for documents already
# rendered, as readers behind a CDN do: every request conditional, half with the current ETag (304) and half
# with an outdated one (a 200 from memory), each from a new reader address (X-Forwarded-For from 127.0.0.1,
# listed as a trusted proxy), so polite polling never refuses it. Each shape prints its figures and whether
# each goal holds; the script fails when one is missed.
#   flood     one client (203.0.113.66) asks for what would each need a render: archive pages at arbitrary
#             cursors, every ?limit of every feed, junk query strings, unknown tags (scripts/abuse.lua);
#   many      the same from 10,000 addresses in 10,000 /24s (X-Forwarded-For 100.X.Y.1);
#   twins     the flood of one client at the Simplified-Chinese twins (/zh-hans/), whose renders convert text;
#   loopback  the same from 10,000 loopback sources in 10,000 /24s (127.X.Y.1), one connection per request;
#   idle      25,000 idle connections held for DURATION (two processes: one has 20,000 descriptors here);
#   crawl     every feed x format x limit Feeds offers, then every archive page of every feed and format;
#   changes   1,000 published changes to the newest articles (sqlite3 UPDATEs, one every 20 ms).
# Goals: under flood, many, twins and loopback the poller keeps >= 0.5x its unloaded throughput and p99 <= 5x + 5 ms;
# the flood gets 200, 304, 30x, 404, 429 or 503 only, every 429 and 503 with Retry-After; under idle the
# poller is answered (>= 0.5x) and the server accepts again afterwards; after changes the poller keeps >= 0.8x
# and the render cache counts no more bytes than its budget; after every shape resident memory is within the
# documented bound (README, "Bounded state"): 200 MB + 2 x Feeds:CacheSizeMegabytes.
#
#   bash scripts/abuse.sh                            # every shape, 6,000 articles, 20 s per measurement
#   SHAPES="many crawl" DURATION=10 bash scripts/abuse.sh
#
# Needs wrk and sqlite3 (installed from Debian when missing, as root). Port 5095 on 127.0.0.1; about 6 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

ARTICLES=${ARTICLES:-6000}
DURATION=${DURATION:-20}
SHAPES=${SHAPES:-flood many twins loopback idle crawl changes}
FLOOD_CONNECTIONS=${FLOOD_CONNECTIONS:-16}
CLIENT_CONNECTIONS=${CLIENT_CONNECTIONS:-8}
IDLE_CONNECTIONS=${IDLE_CONNECTIONS:-25000}
WORK=${WORK:-/tmp/feeds-abuse}
PORT=${PORT:-5095}
CACHE_MB=256
# The README's bound on a server's resident memory ("Bounded state"): 200 MB + 2 x Feeds:CacheSizeMegabytes.
MEMORY_BOUND_MB=$((200 + 2 * CACHE_MB))

source scripts/feeds-lib.sh
need wrk
need sqlite3
mkdir -p "$WORK"
dataset="$WORK/articles-$ARTICLES.ndjson"
sample_articles "$ARTICLES" "$dataset"
build_feeds
imported=$(kept_database "$WORK" "abuse-$ARTICLES")
[ -s "$imported" ] || feeds_command import "$imported" "$dataset" 2> /dev/null
tool() { dotnet run -c Release scripts/abuse-clients.cs -- "$@"; }
tool > /dev/null 2>&1 || true # built once, before anything is measured
trap stop_feeds EXIT
failed=0
goal() { # goal TEXT HELD
  if [ "$2" = 1 ]; then echo "  goal held: $1"; else echo "  GOAL MISSED: $1"; failed=$((failed + 1)); fi
}
holds() { awk "BEGIN { exit !($1) }" && echo 1 || echo 0; }

# fresh_server ARGS...: a server with the limits on (they are what this measures) over a copy of the imported
# database, its documents for the poller rendered once (from another address) with their ETags in $targets.
fresh_server() {
  stop_feeds; FEEDS_PIDS=()
  db="$WORK/feeds.db"
  rm -f "$db" "$db-wal" "$db-shm"
  cp "$imported" "$db"
  start_feeds "$PORT" "$db" "$WORK/server.log" --Feeds:TrustedProxies:0=127.0.0.1 "$@"
  server=${FEEDS_PIDS[-1]}
  wait_for "http://127.0.0.1:$PORT/health/ready"
  read_targets
  poll 3 > /dev/null # warmed up, as a server that has run a while is
  memory_start=$(rss)
}
targets="$WORK/targets.txt"
paths=(/feeds/all /feeds/news)
for feed in all news industry category-01 category-02 category-07 tags/%E6%A8%99%E7%B1%A41 tags/%E4%B8%BB%E9%A1%8C3; do
  for format in rss atom json; do paths+=("/feeds/$feed.$format"); done
done
read_targets() {
  : > "$targets"
  for path in "${paths[@]}"; do
    etag=$(curl -s -o /dev/null -D - -H 'X-Forwarded-For: 192.0.2.1' -H 'Accept-Encoding: gzip' "http://127.0.0.1:$PORT$path" \
      | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')
    [ -n "$etag" ] || { echo "no ETag for $path" >&2; exit 1; }
    echo "$path $etag" >> "$targets"
    echo "$path W/\"an-outdated-version\"" >> "$targets"
  done
}
rss() { awk '/VmRSS/{print int($2 / 1024)}' "/proc/$server/status"; }
# poll SECONDS: the polite poller's "req/s p99-ms"; its status counts after it in poll_status.
poll() {
  SOAK_TARGETS="$targets" SOAK_CLIENT=readers SOAK_CONDITIONAL=1 \
    wrk -t1 -c"$CLIENT_CONNECTIONS" -d"${1}s" --timeout 10s -s scripts/soak.lua "http://127.0.0.1:$PORT" > "$WORK/poll.txt"
  awk '/^requests /{r=$(NF-1)} /^latency /{p=$6} END{print r, p}' "$WORK/poll.txt"
}
poll_status() { grep -E '^(status|socket)' "$WORK/poll.txt" | paste -sd ';'; }
memory_goal() {
  local now; now=$(rss)
  goal "resident memory $memory_start MB at start, $now MB after (bound: $MEMORY_BOUND_MB MB)" "$(holds "$now <= $MEMORY_BOUND_MB")"
}
cache_bytes() {
  curl -s "http://127.0.0.1:$PORT/metrics" | awk '/^feeds_cache_bytes\{.*cache="renderings"/{print int($2 / 1048576)}'
}

# A flood beside the poller: the poller's ratio and p99 against alone, the flood's answers, memory.
flood_shape() {
  local shape=$1 rate p99 rate_loaded p99_loaded
  fresh_server
  read -r rate p99 <<< "$(poll "$DURATION")"
  echo "  poller alone:       $rate req/s, p99 $p99 ms; $(poll_status)"
  case $shape in
    flood) ABUSE_CLIENT=203.0.113.66 wrk -t1 -c"$FLOOD_CONNECTIONS" -d"$((DURATION + 2))s" --timeout 10s -s scripts/abuse.lua "http://127.0.0.1:$PORT" > "$WORK/flood.txt" & ;;
    twins) ABUSE_CLIENT=203.0.113.66 ABUSE_PREFIX=/zh-hans wrk -t1 -c"$FLOOD_CONNECTIONS" -d"$((DURATION + 2))s" --timeout 10s -s scripts/abuse.lua "http://127.0.0.1:$PORT" > "$WORK/flood.txt" & ;;
    many) ABUSE_CLIENT=many wrk -t1 -c"$FLOOD_CONNECTIONS" -d"$((DURATION + 2))s" --timeout 10s -s scripts/abuse.lua "http://127.0.0.1:$PORT" > "$WORK/flood.txt" & ;;
    loopback) tool flood "$PORT" "$((DURATION + 2))" "$FLOOD_CONNECTIONS" > "$WORK/flood.txt" & ;;
  esac
  local flood=$!
  sleep 1
  read -r rate_loaded p99_loaded <<< "$(poll "$DURATION")"
  wait $flood
  echo "  poller under flood: $rate_loaded req/s, p99 $p99_loaded ms; $(poll_status)"
  grep '^flood' "$WORK/flood.txt" | sed 's/^/  /'
  goal "poller keeps $(awk -v a="$rate" -v l="$rate_loaded" 'BEGIN{printf "%.2f", l / a}')x (>= 0.5)" "$(holds "$rate_loaded >= 0.5 * $rate")"
  goal "poller p99 $p99_loaded ms (<= 5 x $p99 + 5 ms)" "$(holds "$p99_loaded <= 5 * $p99 + 5")"
  goal "flood answered 200/304/30x/404/429/503 only, Retry-After on each 429 and 503" "$(holds "$(awk -F= '/^ABUSE_BAD=/{print $2}' "$WORK/flood.txt") == 0")"
  memory_goal
}

idle_shape() {
  local rate p99 rate_loaded p99_loaded half=$((IDLE_CONNECTIONS / 2))
  fresh_server
  read -r rate p99 <<< "$(poll "$DURATION")"
  echo "  poller alone:       $rate req/s, p99 $p99 ms; $(poll_status)"
  rm -f "$WORK"/idle-*.txt
  tool idle "$PORT" "$half" "$((DURATION + 10))" 11 > "$WORK/idle-1.txt" 2>&1 &
  local first=$!
  tool idle "$PORT" "$((IDLE_CONNECTIONS - half))" "$((DURATION + 10))" 12 > "$WORK/idle-2.txt" 2>&1 &
  local second=$!
  for _ in $(seq 1 60); do [ "$(cat "$WORK"/idle-*.txt | grep -c 'connections open')" -lt 2 ] || break; sleep 0.5; done
  echo "  held: $(grep -h 'connections open' "$WORK"/idle-*.txt | paste -sd ';')"
  read -r rate_loaded p99_loaded <<< "$(poll "$DURATION")"
  echo "  poller while $IDLE_CONNECTIONS idle connections are held: $rate_loaded req/s, p99 $p99_loaded ms; $(poll_status)"
  wait $first $second
  grep -h 'closed by the server' "$WORK"/idle-*.txt | sed 's/^/  /'
  goal "poller answered while held: $(awk -v a="$rate" -v l="$rate_loaded" 'BEGIN{printf "%.2f", l / a}')x (>= 0.5)" "$(holds "$rate_loaded >= 0.5 * $rate")"
  sleep 1
  goal "the server accepts again afterwards" "$(curl -fs -o /dev/null -m 5 "http://127.0.0.1:$PORT/feeds/all.rss" && echo 1 || echo 0)"
  memory_goal
}

crawl_shape() {
  # Without limits: the crawl renders every document, the most memory any crawl can take.
  fresh_server "${UNLIMITED[@]}"
  tool crawl "$PORT" 1,2,5,10,20,50,100 > "$WORK/crawl.txt"
  sed 's/^/  /' "$WORK/crawl.txt" | grep -v '^  CRAWL_'
  goal "every document crawled answered 200" "$(holds "$(awk -F= '/^CRAWL_NOT_200=/{print $2}' "$WORK/crawl.txt") == 0")"
  echo "  render cache: $(cache_bytes) MB counted (budget $((CACHE_MB / 2)) MB)"
  memory_goal
}

changes_shape() {
  local rate p99 rate_after p99_after cached
  fresh_server
  read -r rate p99 <<< "$(poll "$DURATION")"
  echo "  poller before:      $rate req/s, p99 $p99 ms; $(poll_status)"
  # The newest 20 articles of each of three categories, edited in turn: each edit moves their feeds and tags.
  local ids
  ids=$(sqlite3 "$db" "SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY category_id ORDER BY published_at DESC) AS n FROM articles) WHERE n <= 7 LIMIT 20;" | tr '\n' ' ')
  read -r -a ids <<< "$ids"
  for i in $(seq 1 1000); do
    sqlite3 -cmd ".timeout 5000" "$db" "UPDATE articles SET title = title || ' $i' WHERE id = ${ids[$((i % ${#ids[@]}))]};"
    # Readers keep asking, so each new version is rendered and compressed whole, as popular documents are.
    [ $((i % 10)) -ne 0 ] || for path in "${paths[@]}"; do curl -s -o /dev/null -H 'Accept-Encoding: gzip' -H "X-Forwarded-For: 10.200.$((i / 256)).$((i % 256))" "http://127.0.0.1:$PORT$path"; done
    sleep 0.02
  done
  sleep 2
  read_targets
  read -r rate_after p99_after <<< "$(poll "$DURATION")"
  echo "  poller after 1,000 changes: $rate_after req/s, p99 $p99_after ms; $(poll_status)"
  goal "poller keeps $(awk -v a="$rate" -v l="$rate_after" 'BEGIN{printf "%.2f", l / a}')x after the changes (>= 0.8)" "$(holds "$rate_after >= 0.8 * $rate")"
  cached=$(cache_bytes)
  goal "render cache counts $cached MB (<= its budget of $((CACHE_MB / 2)) MB)" "$(holds "$cached <= $CACHE_MB / 2")"
  memory_goal
}

for shape in $SHAPES; do
  echo "== $shape"
  case $shape in
    flood | many | twins | loopback) flood_shape "$shape" ;;
    idle) idle_shape ;;
    crawl) crawl_shape ;;
    changes) changes_shape ;;
    *) echo "unknown shape $shape" >&2; exit 2 ;;
  esac
done
echo
if [ "$failed" -eq 0 ]; then echo "ABUSE: all goals met"; else echo "ABUSE: $failed goals missed"; exit 1; fi
