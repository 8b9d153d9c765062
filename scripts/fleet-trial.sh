#!/usr/bin/env bash
# Fleet trial (issue 30): three Release instances of Feeds on one SQLite database and one Redis, behind nginx as
# the balancer (the README's site), with 3,000+ documents (site, 2 sections, 12 categories and TAGS + 7 tags, in RSS,
# Atom and JSON Feed) and a poller of 500 reader addresses, CONDITIONAL (92) per cent revalidating. Measured in
# one run, side by side:
#   1. round robin against `hash $request_uri consistent` (the README's balancer): requests/s, p50/p99, CPU per
#      request, resident memory of each instance against Feeds:CacheSizeMegabytes, Redis memory;
#   2. the same fleet (hash) behind Varnish with xkey purges (the README's VCL), an edit pushed every EDIT_EVERY
#      seconds while the poller runs through the CDN: the share of 429s, the time from each edit's commit to the
#      edge serving it (p50, p99), and the CDN's hit ratio.
#
#   bash scripts/fleet-trial.sh
#   ARTICLES=20000 TAGS=1000 DURATION=30 EDITS=15 bash scripts/fleet-trial.sh
#
# Installs wrk, nginx, redis-server, varnish and varnish-modules from Debian when missing (needs root). Every
# request goes to 127.0.0.1; every load loop is bounded in time (wrk -d) or count. Polite polling and the render
# budgets are on, as in production: the readers are told apart by X-Forwarded-For through the trusted proxies.
set -euo pipefail
cd "$(dirname "$0")/.."

ARTICLES=${ARTICLES:-20000}
TAGS=${TAGS:-1000}
DURATION=${DURATION:-30}
EDITS=${EDITS:-15}
EDIT_EVERY=${EDIT_EVERY:-3}
CACHE_MB=${CACHE_MB:-256}
CONNECTIONS=${CONNECTIONS:-64}
CONDITIONAL=${CONDITIONAL:-92}
BALANCINGS=${BALANCINGS:-round-robin hash}
WORK=${WORK:-/tmp/feeds-fleet}
BALANCER_PORT=5120
EDGE_PORT=5121
REDIS_PORT=6399
INSTANCE_PORTS=(5122 5123 5124)
TOKEN=fleet-trial-push-token-0123456789

source scripts/feeds-lib.sh
need wrk
need nginx
need redis-server
need varnishd varnish
ls /usr/lib/*/varnish/vmods/libvmod_xkey.so > /dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq varnish-modules > /dev/null
export CONDITIONAL

mkdir -p "$WORK"
dataset="$WORK/articles-$ARTICLES-$TAGS.ndjson"
[ -s "$dataset" ] || dotnet run scripts/generate-articles.cs -- "$ARTICLES" "$TAGS" > "$dataset"
build_feeds
kept=$(kept_database "$WORK" "fleet-$ARTICLES-$TAGS")
if [ ! -s "$kept" ]; then
  feeds_command import "$kept" "$dataset" > /dev/null
fi
feeds_command migrate "$kept" > /dev/null
db="$WORK/run.db"

# Every document: the site, sections, categories and tags (their slugs as generate-articles.cs names them), three formats.
feeds="all news industry $(seq -f 'category-%02g' 1 12)"
for i in $(seq 0 $((TAGS - 1))); do feeds+=" tags/%E6%A8%99%E7%B1%A4$i"; done   # 標籤i
for i in $(seq 0 6); do feeds+=" tags/%E4%B8%BB%E9%A1%8C$i"; done                 # 主題i
paths="$WORK/paths.txt"
for feed in $feeds; do for format in rss atom json; do echo "/feeds/$feed.$format"; done; done > "$paths"

redis_pid=
varnish_pid=
cleanup() {
  stop_feeds
  [ -z "$redis_pid" ] || kill "$redis_pid" 2> /dev/null || true
  [ -z "$varnish_pid" ] || kill "$varnish_pid" 2> /dev/null || true
  if [ -f "$WORK/nginx/nginx.pid" ]; then kill "$(cat "$WORK/nginx/nginx.pid")" 2> /dev/null || true; fi
}
trap cleanup EXIT

# A fenced block of the README's section $1, in language $2.
readme_block() {
  awk -v section="$1" -v language="$2" '
    index($0, section) == 1 { inside = 1; next }
    inside && /^### / { exit }
    inside && $0 == "```" language { block = 1; next }
    block && $0 == "```" { exit }
    block { print }' README.md
}

# start_fleet BALANCING: a fresh copy of the database, an empty Redis, three instances and nginx balancing by
# BALANCING (hash: the README's site; round-robin: the same without its hash line).
start_fleet() {
  cleanup
  FEEDS_PIDS=()
  rm -f "$db" "$db-wal" "$db-shm"
  cp "$kept" "$db"
  redis-server --port "$REDIS_PORT" --save '' --appendonly no --maxmemory 1gb --maxmemory-policy allkeys-lru > "$WORK/redis.log" 2>&1 &
  redis_pid=$!
  for port in "${INSTANCE_PORTS[@]}"; do
    start_feeds "$port" "$db" "$WORK/feeds-$port.log" \
      "--Feeds:Redis:Configuration=127.0.0.1:$REDIS_PORT" "--Feeds:CacheSizeMegabytes=$CACHE_MB" \
      --Feeds:TrustedProxies:0=127.0.0.0/8 "--Feeds:Push:Token=$TOKEN" "--Feeds:PublicBaseUrl=http://127.0.0.1:$BALANCER_PORT/" \
      --Feeds:Edge:Cdn=xkey "--Feeds:Edge:PurgeUrl=http://127.0.0.1:$EDGE_PORT/" --Feeds:Edge:SharedMaxAge=01:00:00
  done
  local servers=""
  for port in "${INSTANCE_PORTS[@]}"; do servers+="    server 127.0.0.1:$port;\n"; done
  local site
  site=$(readme_block "### Many instances (Redis)" nginx | grep -v 'server 10\.' \
    | sed "s/listen 80;/listen 127.0.0.1:$BALANCER_PORT;/; s/    keepalive 32;/$servers    keepalive 32;/")
  [ "$1" = hash ] || site=$(grep -v 'hash \$request_uri' <<< "$site")
  mkdir -p "$WORK/nginx"
  cat > "$WORK/nginx/nginx.conf" << CONF
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
$site
}
CONF
  nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf"
  for port in "${INSTANCE_PORTS[@]}"; do wait_for "http://127.0.0.1:$port/health/live"; done
  wait_for "http://127.0.0.1:$BALANCER_PORT/feeds/all.rss"
}

# warm_up BASE: every document once, each by one of the poller's readers, as a cold fleet meets its first readers;
# writes "path<TAB>etag" for the poller.
warm_up() {
  local i=0
  while read -r path; do
    local reader="100.$((64 + i % 500 / 100)).$((i % 100)).1"
    etag=$(curl -fs -o /dev/null -D - -H "X-Forwarded-For: $reader" "$1$path" | tr -d '\r' | awk -F': ' 'tolower($1) == "etag" { print $2 }')
    printf '%s\t%s\n' "$path" "$etag"
    i=$((i + 1))
  done < "$paths" > "$WORK/documents.tsv"
}

# User and system time of the instances, in clock ticks.
cpu_ticks() { for pid in "${FEEDS_PIDS[@]}"; do cat "/proc/$pid/stat"; done | awk '{ total += $14 + $15 } END { print total }'; }
# Resident memory of each instance (its peak), and the bytes its caches count against CacheSizeMegabytes.
memory_line() {
  local i=0
  for pid in "${FEEDS_PIDS[@]}"; do
    local counted
    counted=$(curl -fs "http://127.0.0.1:${INSTANCE_PORTS[$i]}/metrics" | awk '/^feeds_cache_bytes/ { total += $2 } END { printf "%d", total / 1048576 }')
    awk -v counted="$counted" '/VmRSS/ { rss = int($2 / 1024) } /VmHWM/ { peak = int($2 / 1024) } END { printf "%s MB (peak %s, caches %s MB) ", rss, peak, counted }' "/proc/$pid/status"
    i=$((i + 1))
  done
}
redis_memory() { redis-cli -p "$REDIS_PORT" info memory | tr -d '\r' | awk -F: '$1 == "used_memory_human" { print $2 }'; }
export FLEET_DOCUMENTS="$WORK/documents.tsv"

declare -A results
for balancing in $BALANCINGS; do
  echo "== $balancing: starting three instances and nginx"
  start_fleet "$balancing"
  baseline=$(memory_line)
  warm_up "http://127.0.0.1:$BALANCER_PORT"
  before=$(cpu_ticks)
  out=$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s scripts/fleet.lua "http://127.0.0.1:$BALANCER_PORT")
  after=$(cpu_ticks)
  read -r rate p50 p99 requests < <(awk '/^FLEET_RATE/ { print $2, $3, $4, $5 }' <<< "$out")
  status=$(awk '/^FLEET_STATUS/ { $1 = ""; print }' <<< "$out")
  cpu=$(awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v n="$requests" 'BEGIN { printf "%.3f", t * 1000 / hz / n }')
  for port in "${INSTANCE_PORTS[@]}"; do curl -fs "http://127.0.0.1:$port/metrics" > "$WORK/metrics-$balancing-$port.txt"; done
  results[$balancing]="$rate req/s, p50 $p50 ms, p99 $p99 ms, CPU $cpu ms/request;$status;$baseline;$(memory_line);$(redis_memory)"
done

echo "== hash behind Varnish, an edit every $EDIT_EVERY s"
start_fleet hash
vcl="$WORK/feeds.vcl"
readme_block "### Behind a CDN" vcl | sed "s/\.port = \"8080\";/.port = \"$BALANCER_PORT\";/" > "$vcl"
rm -rf "$WORK/varnish"
varnishd -F -j none -n "$WORK/varnish" -a "127.0.0.1:$EDGE_PORT" -f "$vcl" -s malloc,1g -T none > "$WORK/varnish.log" 2>&1 &
varnish_pid=$!
wait_for "http://127.0.0.1:$EDGE_PORT/health/live"
sleep 3   # the probe's window
warm_up "http://127.0.0.1:$EDGE_PORT"
hits() { varnishstat -n "$WORK/varnish" -1 -f MAIN.cache_hit -f MAIN.cache_miss | awk '{ print $2 }' | paste -sd' '; }
read -r hits_before misses_before < <(hits)
wrk -t2 -c"$CONNECTIONS" -d"$((EDITS * EDIT_EVERY + 5))s" --latency -s scripts/fleet.lua "http://127.0.0.1:$EDGE_PORT" > "$WORK/edge-wrk.txt" &
wrk_pid=$!
# Each edit retitles the newest article (in category-01, news, the site and two tags) through the push endpoint of
# one instance; the edge has it once category-01's RSS through Varnish carries the new title.
line=$(grep -m1 '"id":"gen-0000000"' "$dataset")
latencies="$WORK/latencies.txt"
: > "$latencies"
for edit in $(seq 1 "$EDITS"); do
  sleep "$EDIT_EVERY"
  marker="更正$edit-$RANDOM"
  sed "s/\"title\":\"/\"title\":\"$marker /" <<< "$line" > "$WORK/edit.json"
  curl -fs -o /dev/null -X PUT -H "Authorization: Bearer $TOKEN" --data-binary @"$WORK/edit.json" "http://127.0.0.1:${INSTANCE_PORTS[0]}/cms/articles/gen-0000000"
  committed=$(date +%s.%N)
  for _ in $(seq 1 300); do
    if curl -fs -H 'X-Forwarded-For: 192.0.2.1' "http://127.0.0.1:$EDGE_PORT/feeds/category-01.rss" | grep -q "$marker"; then break; fi
    sleep 0.05
  done
  awk -v a="$committed" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f\n", b - a }' >> "$latencies"
done
wait "$wrk_pid"
read -r hits_after misses_after < <(hits)
edge=$(cat "$WORK/edge-wrk.txt")
edge_status=$(awk '/^FLEET_STATUS/ { $1 = ""; print }' <<< "$edge")
read -r edge_rate edge_p50 edge_p99 edge_requests < <(awk '/^FLEET_RATE/ { print $2, $3, $4, $5 }' <<< "$edge")
edge_429=$(grep -o '429=[0-9]*' <<< "$edge_status" | cut -d= -f2)

printf '\n%s, %s cores; %s articles, %s documents; 3 instances, Feeds:CacheSizeMegabytes=%s; wrk -t2 -c%s -d%ss, 500 readers, %s %% conditional\n' \
  "$(uname -m)" "$(nproc)" "$ARTICLES" "$(wc -l < "$paths")" "$CACHE_MB" "$CONNECTIONS" "$DURATION" "$CONDITIONAL"
for balancing in $BALANCINGS; do
  IFS=';' read -r speed answers baseline memory redis <<< "${results[$balancing]}"
  printf '%-12s %s\n             answers:%s\n             memory per instance: %s at start, %s after; Redis %s\n' \
    "$balancing" "$speed" "$answers" "$baseline" "$memory" "$redis"
done
printf 'through Varnish (hash, purges), %s edits %s s apart: %s req/s, p99 %s ms; answers:%s (429: %s of %s)\n' \
  "$EDITS" "$EDIT_EVERY" "$edge_rate" "$edge_p99" "$edge_status" "$(awk -v a="$edge_429" -v n="$edge_requests" 'BEGIN { printf "%.3f %%", 100 * a / n }')" "$edge_requests"
printf 'edge hit ratio during the edits: %s\n' "$(awk -v h=$((hits_after - hits_before)) -v m=$((misses_after - misses_before)) 'BEGIN { printf "%.1f %% (%d hits, %d misses)", 100 * h / (h + m), h, m }')"
printf 'commit to edge: p50 %s s, p99 %s s, max %s s over %s edits\n' \
  "$(sort -g "$latencies" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')" \
  "$(sort -g "$latencies" | awk '{ v[NR] = $1 } END { i = int(NR * 0.99 + 0.999); print v[i < 1 ? 1 : i] }')" \
  "$(sort -g "$latencies" | tail -1)" "$EDITS"
