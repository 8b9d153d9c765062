#!/usr/bin/env bash
# Load test: Feeds side by side with nginx serving the very same bytes and headers as a static file (the
# ceiling), measured with wrk in one run on this machine. Reports requests per second, p50 and p99 latency,
# each scenario's ratio to its nginx counterpart, and the server's memory.
#
#   bash scripts/load-test.sh                        # 100,000 articles, 3 rounds of 5 s per scenario
#   ARTICLES=20000 DURATION=3 ROUNDS=1 bash scripts/load-test.sh
#
# The scenarios run in alternating rounds (nginx, Feeds, nginx, Feeds, ...) and each figure is the median
# of its rounds: on a shared 2-core machine a single run of a scenario can be off by 20 %.
#
# Polite polling and the render limits are off (Feeds:PolitePolling:Enabled, Feeds:RenderLimits:Enabled): every
# wrk connection comes from one address, which is what they limit (scripts/abuse.sh measures them). Every
# scenario reports its answers other than 2xx/3xx (wrk's count), which should be 0.
# Installs wrk and nginx from Debian when missing (needs root). Every request goes to 127.0.0.1 and every
# load loop is bounded in time (wrk -d) or count.
set -euo pipefail
cd "$(dirname "$0")/.."

ARTICLES=${ARTICLES:-100000}
DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
WORK=${WORK:-/tmp/feeds-load}
FEEDS_PORT=5081
UNCACHED_PORT=5082
NGINX_PORT=5083
FEED_PATH="/feeds/category-01.rss?limit=50"

source scripts/feeds-lib.sh
need wrk
need nginx

mkdir -p "$WORK"
dataset="$WORK/articles-$ARTICLES.ndjson"
sample_articles "$ARTICLES" "$dataset"
build_feeds
db=$(kept_database "$WORK" "feeds-$ARTICLES")
if [ ! -s "$db" ]; then
  /usr/bin/time -f "import of $ARTICLES articles: %e s, peak memory %M KB" \
    dotnet "$FEEDS_APP" import "$dataset" "--Feeds:Database:ConnectionString=Data Source=$db" 2> >(grep -v '^imported\|^checked' >&2)
fi
# A database kept from an earlier run gets the newer migrations once, before two servers start on it.
feeds_command migrate "$db" > /dev/null

cleanup() {
  stop_feeds
  if [ -f "$WORK/nginx/nginx.pid" ]; then kill "$(cat "$WORK/nginx/nginx.pid")" 2> /dev/null || true; fi
}
trap cleanup EXIT

start_feeds $FEEDS_PORT "$db" "$WORK/feeds-$FEEDS_PORT.log" "${UNLIMITED[@]}"
cached_pid=${FEEDS_PIDS[-1]}
start_feeds $UNCACHED_PORT "$db" "$WORK/feeds-$UNCACHED_PORT.log" "${UNLIMITED[@]}" --Feeds:CacheEnabled=false
wait_for "http://127.0.0.1:$FEEDS_PORT$FEED_PATH"
wait_for "http://127.0.0.1:$UNCACHED_PORT$FEED_PATH"

# The ceiling: nginx serves what Feeds sends for this feed, as files (gzip_static for the gzip form).
site="$WORK/nginx/html"
mkdir -p "$site"
url="http://127.0.0.1:$FEEDS_PORT$FEED_PATH"
curl -fs "$url" -o "$site/feed.rss"
curl -fs -H 'Accept-Encoding: gzip' "$url" -o "$site/feed.rss.gz"
header() { curl -fsI "$url" | tr -d '\r' | awk -v name="$1" -F': ' 'tolower($1) == name { print $2 }'; }
feeds_etag=$(header etag)
last_modified=$(header last-modified)
touch -d "$last_modified" "$site/feed.rss" "$site/feed.rss.gz"
cat > "$WORK/nginx/nginx.conf" << CONF
worker_processes auto;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  types { application/rss+xml rss; }
  charset utf-8;
  charset_types application/rss+xml;
  gzip_static on;
  gzip_vary on;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $site;
    add_header Cache-Control "public, max-age=600";
    add_header X-Content-Type-Options nosniff;
  }
}
CONF
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf"
static="http://127.0.0.1:$NGINX_PORT/feed.rss"
wait_for "$static"
nginx_etag=$(curl -fsI "$static" | tr -d '\r' | awk -F': ' 'tolower($1) == "etag" { print $2 }')

declare -A runs
# One wrk run: "requests/s p50-ms p99-ms" appended to the scenario's list.
run() {
  local name=$1 target=$2
  shift 2
  local out
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" "$target")
  runs[$name]+=$(awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /^Requests\/sec:/ { r = $2 } $1 == "50%" { a = ms($2) } $1 == "99%" { b = ms($2) } /Non-2xx or 3xx/ { bad = $NF }
    END { printf "%s %s %s %d;", r, a, b, bad }' <<< "$out")
}
# The median of one column (1: requests/s, 2: p50, 3: p99) of a scenario's runs.
median() { tr ';' '\n' <<< "${runs[$1]}" | awk -v c="$2" 'NF { print $c }' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "warming up"
wrk -t1 -c8 -d2s "$url" > /dev/null
wrk -t1 -c8 -d2s "http://127.0.0.1:$UNCACHED_PORT$FEED_PATH" > /dev/null
# Resident memory, and the private (anonymous) part of it: the rest is code and ICU data mapped from files.
memory() { awk '/VmRSS/ { rss = int($2 / 1024) } /RssAnon/ { anon = int($2 / 1024) } END { printf "%s MB (%s MB private)", rss, anon }' "/proc/$cached_pid/status"; }
memory_before=$(memory)

for round in $(seq 1 "$ROUNDS"); do
  echo "round $round of $ROUNDS"
  run nginx-200 "$static"
  run feeds-200 "$url"
  run nginx-gzip "$static" -H 'Accept-Encoding: gzip'
  run feeds-gzip "$url" -H 'Accept-Encoding: gzip'
  run nginx-304 "$static" -H "If-None-Match: $nginx_etag"
  run feeds-304 "$url" -H "If-None-Match: $feeds_etag"
  run feeds-uncached "http://127.0.0.1:$UNCACHED_PORT$FEED_PATH"
done
memory_after=$(memory)

# 510 distinct feeds in the cache: 12 categories, 2 sections and the site, 2 formats, 17 limits.
for slug in all news industry $(seq -f 'category-%02g' 1 12); do
  for format in rss atom; do
    for limit in $(seq 34 50); do
      curl -fs -o /dev/null -H 'Accept-Encoding: gzip' "http://127.0.0.1:$FEEDS_PORT/feeds/$slug.$format?limit=$limit"
    done
  done
done
memory_cached=$(memory)

ratio() { awk -v a="$(median "$1" 1)" -v b="$(median "$2" 1)" 'BEGIN { printf "%.2f", a / b }'; }
printf '\n%s, %s cores, %s articles, %s-item feed of %s bytes (%s gzip), wrk -t%s -c%s -d%ss, medians of %s alternating rounds\n' \
  "$(uname -m)" "$(nproc)" "$ARTICLES" 50 "$(stat -c %s "$site/feed.rss")" "$(stat -c %s "$site/feed.rss.gz")" "$THREADS" "$CONNECTIONS" "$DURATION" "$ROUNDS"
printf '%-16s %12s %10s %10s %12s   %s\n' scenario 'requests/s' 'p50 ms' 'p99 ms' 'not 2xx/3xx' 'ratio to the ceiling (target)'
for name in nginx-200 feeds-200 nginx-gzip feeds-gzip nginx-304 feeds-304 feeds-uncached; do
  case $name in
    feeds-200) note="$(ratio feeds-200 nginx-200) of nginx-200 (>= 0.8)" ;;
    feeds-gzip) note="$(ratio feeds-gzip nginx-gzip) of nginx-gzip (>= 0.8)" ;;
    feeds-304) note="$(ratio feeds-304 nginx-304) of nginx-304 (>= 0.5)" ;;
    feeds-uncached) note="$(ratio feeds-uncached nginx-200) of nginx-200 (>= 0.1)" ;;
    *) note="" ;;
  esac
  errors=$(tr ';' '\n' <<< "${runs[$name]}" | awk 'NF { s += $4 } END { print s + 0 }')
  printf '%-16s %12s %10s %10s %12s   %s\n' "$name" "$(median "$name" 1)" "$(median "$name" 2)" "$(median "$name" 3)" "$errors" "$note"
done
printf 'Feeds memory (RSS): %s before load, %s after, %s with 510 feeds cached (< 300 MB)\n' \
  "$memory_before" "$memory_after" "$memory_cached"
