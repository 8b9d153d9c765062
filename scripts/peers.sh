#!/usr/bin/env bash
# Feeds beside the peers a site would pick instead (Django's syndication, Node's feed package, nginx serving
# the same bytes), measured with their own harness (../shared/peers/bench.sh, wrk -t2 -c32) in one run on
# this machine, on their dataset (10,000 articles, 12 categories; the 50 newest of "express" as RSS).
#
#   bash scripts/peers.sh                  # 3 alternating rounds of 10 s per scenario
#   ROUNDS=1 DURATION=5s bash scripts/peers.sh
#
# Each round runs every target once (django, node, nginx, nginx-gzstatic, Feeds, Feeds uncached, and Kestrel
# alone serving Feeds' answer from memory: scripts/kestrel-floor.cs); the table gives each figure's median over
# the rounds, Feeds' ratios to the goals of issue 15, and how far Kestrel alone gets. Feeds runs twice
# on the peers' dataset, imported as it is: by default, and with Feeds:CacheEnabled=false (every request
# renders). Polite polling and the render limits are off: wrk's 32 connections come from one address, which is
# what they limit. Needs root for the Debian packages and a copy of the peers (PEERS_SOURCE) to write in.
set -euo pipefail
cd "$(dirname "$0")/.."

PEERS_SOURCE=${PEERS_SOURCE:-../shared/peers}
PEERS=${PEERS:-/tmp/peers}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
FEEDS_PORT=5098
UNCACHED_PORT=5099
FLOOR_PORT=5096

source scripts/feeds-lib.sh
[ -d "$PEERS" ] || cp -r "$PEERS_SOURCE" "$PEERS"
if ! command -v gunicorn > /dev/null || ! command -v nginx > /dev/null || ! command -v wrk > /dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    python3-django gunicorn python3-gevent uvicorn python3-uvloop python3-httptools nginx-light wrk procps curl > /dev/null
fi
[ -d "$PEERS/node_peer/node_modules/better-sqlite3" ] || (cd "$PEERS/node_peer" && npm ci --no-audit --no-fund > /dev/null)
dataset="$PEERS/data/articles.ndjson"
[ -s "$dataset" ] || (mkdir -p "$PEERS/data" && python3 "$PEERS/gen_articles.py" --seed 42 --articles 10000 --categories 12 --out "$dataset")

build_feeds
dotnet build -c Release scripts/kestrel-floor.cs -nologo -v q -o "$PEERS/kestrel-floor" > /dev/null
db=$(kept_database "$PEERS" feeds)
if [ ! -s "$db" ]; then
  feeds_command import "$db" "$dataset" > /dev/null
fi
feeds_command migrate "$db" > /dev/null

trap stop_feeds EXIT
start_feeds $FEEDS_PORT "$db" "$PEERS/feeds-$FEEDS_PORT.log" "${UNLIMITED[@]}" --Feeds:DefaultLimit=50
start_feeds $UNCACHED_PORT "$db" "$PEERS/feeds-$UNCACHED_PORT.log" "${UNLIMITED[@]}" --Feeds:DefaultLimit=50 --Feeds:CacheEnabled=false
wait_for "http://127.0.0.1:$FEEDS_PORT/feeds/express.rss"
wait_for "http://127.0.0.1:$UNCACHED_PORT/feeds/express.rss"
# Kestrel alone serving Feeds' answer from memory: what of the gap to nginx no Kestrel server closes.
dotnet "$PEERS/kestrel-floor/kestrel-floor.dll" "http://127.0.0.1:$FEEDS_PORT/feeds/express.rss" $FLOOR_PORT \
  > "$PEERS/kestrel-floor.log" 2>&1 &
FEEDS_PIDS+=($!)
wait_for "http://127.0.0.1:$FLOOR_PORT/feeds/express.rss"

results="$PEERS/results/feeds-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$results"
setup=()
for round in $(seq 1 "$ROUNDS"); do
  echo "round $round of $ROUNDS"
  (cd "$PEERS" && ./bench.sh "${setup[@]}" -r 1 -w 5 -d "$DURATION" -o "$results/round-$round" \
    django node nginx nginx-gzstatic "feeds=http://127.0.0.1:$FEEDS_PORT" "feeds-uncached=http://127.0.0.1:$UNCACHED_PORT" \
    "kestrel-floor=http://127.0.0.1:$FLOOR_PORT" > "$results/round-$round.log" 2>&1)
  setup=(--no-setup)
done

python3 - "$results" "$ROUNDS" << 'PY'
import glob, json, statistics, sys
results, rounds = sys.argv[1], sys.argv[2]
runs = {}
for path in sorted(glob.glob(f"{results}/round-*/results.jsonl")):
    for line in open(path):
        row = json.loads(line)
        if row.get("kind") == "run":
            runs.setdefault((row["target"], row["scenario"]), []).append(row)
def rps(target, scenario):
    values = [row["rps"] or 0 for row in runs.get((target, scenario), [])]
    return statistics.median(values) if values else float("nan")
def errors(target):
    return sum(sum(row["sock_err"].values()) + row["non2xx3xx"] for (t, _), rows in runs.items() if t == target for row in rows)
targets = []
for target, _ in runs:
    if target not in targets:
        targets.append(target)
print(f"\nwrk -t2 -c32, medians of {rounds} alternating rounds (req/s); every round's figures in {results}\n")
print("| server | 200 | 304 | 200 gzip | errors |")
print("|---|---:|---:|---:|---:|")
for target in targets:
    print(f"| {target} | {rps(target, 'plain'):,.0f} | {rps(target, 'etag'):,.0f} | {rps(target, 'gzip'):,.0f} | {errors(target)} |")
django = next((t for t in targets if t.startswith("django")), None)
def ratio(a, b):
    return a / b if b else float("nan")
print("\n| goal | measured |")
print("|---|---:|")
if django:
    print(f"| uncached 200 >= 10x Django | {ratio(rps('feeds-uncached', 'plain'), rps(django, 'plain')):.1f}x |")
print(f"| uncached 200 >= 5x Node | {ratio(rps('feeds-uncached', 'plain'), rps('node', 'plain')):.1f}x |")
print(f"| cached 200 >= 0.8x nginx | {ratio(rps('feeds', 'plain'), rps('nginx-gzstatic', 'plain')):.2f}x |")
print(f"| gzip >= 0.8x gzip_static | {ratio(rps('feeds', 'gzip'), rps('nginx-gzstatic', 'gzip')):.2f}x |")
print(f"| 304 >= 0.5x nginx | {ratio(rps('feeds', 'etag'), rps('nginx-gzstatic', 'etag')):.2f}x |")
print("\n| Kestrel alone (kestrel-floor) | of nginx | Feeds of it |")
print("|---|---:|---:|")
for scenario, name in (("plain", "200"), ("etag", "304"), ("gzip", "200 gzip")):
    floor = rps("kestrel-floor", scenario)
    print(f"| {name} | {ratio(floor, rps('nginx-gzstatic', scenario)):.2f}x | {ratio(rps('feeds', scenario), floor):.2f}x |")
PY
