#!/usr/bin/env bash
# Abuse test: one client floods Feeds with requests that would each need a render (archive pages at arbitrary
# cursors, every ?limit of every feed and tag, unique junk query strings, unknown tags) while a second client
# polls documents already rendered, as readers do: every request conditional, half with the current ETag (304)
# and half with an outdated one (a 200 from memory; conditional requests are never limited). Feeds runs with its
# default settings on the embedded database; the two clients are told apart by X-Forwarded-For from
# 127.0.0.1, listed as a trusted proxy (as a CDN edge would be). Reports the second client's throughput and
# p99 alone and under the flood, their ratio, both clients' status counts and the server's memory, and fails
# when a goal of issue 9 is missed:
#   - the second client keeps >= 0.5x its unloaded throughput, and its p99 stays <= 5x unloaded + 5 ms;
#   - resident memory after the flood is at most Feeds:CacheSizeMegabytes above where it started;
#   - the flood is answered 200, 304, 30x, 404, 429 or 503 only, every 429 and 503 with Retry-After.
#
#   bash scripts/abuse.sh                  # 6,000 articles, 3 rounds of 20 s, 16 flood connections
#   DURATION=10 ROUNDS=1 bash scripts/abuse.sh
#   FLOOD_CLIENT=many bash scripts/abuse.sh  # the flood names 10,000 addresses in 10,000 /24s (issue 28)
#
# Needs wrk (installed from Debian when missing, as root). Port 5095 on 127.0.0.1; about 2 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

ARTICLES=${ARTICLES:-6000}
DURATION=${DURATION:-20}
ROUNDS=${ROUNDS:-3}
FLOOD_CONNECTIONS=${FLOOD_CONNECTIONS:-16}
CLIENT_CONNECTIONS=${CLIENT_CONNECTIONS:-8}
WORK=${WORK:-/tmp/feeds-abuse}
PORT=${PORT:-5095}
CACHE_MB=256

source scripts/feeds-lib.sh
need wrk
mkdir -p "$WORK"
dataset="$WORK/articles-$ARTICLES.ndjson"
sample_articles "$ARTICLES" "$dataset"
build_feeds
db="$WORK/feeds.db"
rm -f "$db" "$db-wal" "$db-shm"
feeds_command import "$db" "$dataset" 2> /dev/null

# The limits stay on: they are what this measures.
start_feeds "$PORT" "$db" "$WORK/server.log" --Feeds:TrustedProxies:0=127.0.0.1
server=${FEEDS_PIDS[-1]}
trap stop_feeds EXIT
wait_for "http://127.0.0.1:$PORT/health/ready"

# The second client's documents, rendered once before (from another address), with their ETags.
targets="$WORK/targets.txt"
: > "$targets"
paths=(/feeds/all /feeds/news)
for feed in all news industry category-01 category-02 category-07 tags/%E6%A8%99%E7%B1%A41 tags/%E4%B8%BB%E9%A1%8C3; do
  for format in rss atom json; do paths+=("/feeds/$feed.$format"); done
done
for path in "${paths[@]}"; do
  etag=$(curl -s -o /dev/null -D - -H 'X-Forwarded-For: 192.0.2.1' -H 'Accept-Encoding: gzip' "http://127.0.0.1:$PORT$path" \
    | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')
  [ -n "$etag" ] || { echo "no ETag for $path" >&2; exit 1; }
  echo "$path $etag" >> "$targets"
  echo "$path W/\"an-outdated-version\"" >> "$targets"
done

rss() { awk '/VmRSS/{print int($2 / 1024)}' "/proc/$server/status"; }
client() {
  SOAK_TARGETS="$targets" SOAK_CLIENT=198.51.100.9 SOAK_CONDITIONAL=1 \
    wrk -t1 -c"$CLIENT_CONNECTIONS" -d"${DURATION}s" --timeout 10s -s scripts/soak.lua "http://127.0.0.1:$PORT"
}
# "req/s p99-ms" of a client run's output.
figures() { awk '/^requests /{r=$(NF-1)} /^latency /{p=$6} END{print r, p}' <<< "$1"; }

memory_start=$(rss)
echo "server memory at start: $memory_start MB RSS; $ARTICLES articles; ${#paths[@]} documents polled; flood: $FLOOD_CONNECTIONS connections"
alone_rates=() loaded_rates=() alone_p99=() loaded_p99=() bad=0
for round in $(seq 1 "$ROUNDS"); do
  out=$(client)
  read -r rate p99 <<< "$(figures "$out")"
  alone_rates+=("$rate") alone_p99+=("$p99")
  echo "round $round, client alone:        $rate req/s, p99 $p99 ms; $(grep '^status' <<< "$out")"

  ABUSE_CLIENT=${FLOOD_CLIENT:-203.0.113.66} wrk -t1 -c"$FLOOD_CONNECTIONS" -d"$((DURATION + 2))s" --timeout 10s -s scripts/abuse.lua \
    "http://127.0.0.1:$PORT" > "$WORK/flood-$round.txt" &
  flood=$!
  sleep 1
  out=$(client)
  wait $flood
  read -r rate p99 <<< "$(figures "$out")"
  loaded_rates+=("$rate") loaded_p99+=("$p99")
  echo "round $round, client under flood:  $rate req/s, p99 $p99 ms; $(grep '^status' <<< "$out")"
  grep '^flood' "$WORK/flood-$round.txt" | sed "s/^/round $round, /"
  bad=$((bad + $(awk -F= '/^ABUSE_BAD=/{print $2}' "$WORK/flood-$round.txt")))
done
memory_end=$(rss)

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
alone=$(median "${alone_rates[@]}") loaded=$(median "${loaded_rates[@]}")
alone99=$(median "${alone_p99[@]}") loaded99=$(median "${loaded_p99[@]}")
echo
echo "medians of $ROUNDS rounds: client alone $alone req/s (p99 $alone99 ms), under flood $loaded req/s (p99 $loaded99 ms)"
awk -v a="$alone" -v l="$loaded" -v a99="$alone99" -v l99="$loaded99" -v m0="$memory_start" -v m1="$memory_end" -v cache="$CACHE_MB" -v bad="$bad" 'BEGIN {
  ratio = l / a; limit99 = 5 * a99 + 5
  printf "throughput under flood: %.2f of unloaded (goal >= 0.5)\n", ratio
  printf "p99 under flood: %.2f ms (goal <= 5 x %.2f + 5 = %.2f ms)\n", l99, a99, limit99
  printf "memory: %d MB at start, %d MB after the flood (goal <= %d MB)\n", m0, m1, m0 + cache
  printf "flood answers outside 200/304/30x/404/429/503-with-Retry-After: %d (goal 0)\n", bad
  failed = (ratio < 0.5) + (l99 > limit99) + (m1 > m0 + cache) + (bad > 0)
  print failed == 0 ? "ABUSE: all goals met" : "ABUSE: goals missed"
  exit failed > 0
}'
