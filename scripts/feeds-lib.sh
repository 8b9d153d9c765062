# Sourced by the scripts that measure Feeds (load-test.sh, soak.sh, peers.sh, abuse.sh), from the repository
# root: how they install what they need, build Feeds, and start and stop its servers, written once.

# need PROGRAM [PACKAGE]: installs PACKAGE (default: PROGRAM) from Debian when PROGRAM is missing (needs root).
need() {
  command -v "$1" > /dev/null && return
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${2:-$1}" > /dev/null
}

# sample_articles COUNT FILE: COUNT generated articles in FILE (kept from an earlier run).
sample_articles() {
  [ -s "$2" ] && return
  echo "generating $1 articles" >&2
  dotnet run scripts/generate-articles.cs -- "$1" > "$2"
}

# The Release build every script measures.
FEEDS_APP=src/Feeds/bin/Release/net10.0/Feeds.dll
build_feeds() {
  dotnet build -c Release src/Feeds -nologo -v q > /dev/null
}

# kept_database DIR NAME: the path of a database kept between runs, named by the schema scripts, so that a
# database made by another (say, an unreleased) schema is never measured.
kept_database() {
  echo "$1/$2-schema-$(cat sql/sqlite/*.sql | sha256sum | cut -c1-12).db"
}

# feeds_command COMMAND DATABASE ARGS...: runs `import` or `migrate` on the SQLite file DATABASE.
feeds_command() {
  local command=$1 db=$2
  shift 2
  dotnet "$FEEDS_APP" "$command" "$@" "--Feeds:Database:ConnectionString=Data Source=$db"
}

# Load from one address needs these off: polite polling and the render limits limit exactly that
# (scripts/abuse.sh measures them, with them on).
UNLIMITED=(--Feeds:PolitePolling:Enabled=false --Feeds:RenderLimits:Enabled=false)

# start_feeds PORT DATABASE LOG ARGS...: a server on 127.0.0.1:PORT over the SQLite file DATABASE, without demo
# data, logging warnings only, to LOG. Its pid is the last of FEEDS_PIDS; stop_feeds stops them all.
FEEDS_PIDS=()
start_feeds() {
  local port=$1 db=$2 log=$3
  shift 3
  dotnet "$FEEDS_APP" --urls "http://127.0.0.1:$port" "--Feeds:Database:ConnectionString=Data Source=$db" \
    --Feeds:DemoData=false --Logging:LogLevel:Default=Warning "$@" > "$log" 2>&1 &
  FEEDS_PIDS+=($!)
}
stop_feeds() {
  [ ${#FEEDS_PIDS[@]} -eq 0 ] || kill "${FEEDS_PIDS[@]}" 2> /dev/null || true
}

# wait_for URL: returns once URL answers 2xx; exits the script when nothing does within 30 s.
wait_for() {
  for _ in $(seq 1 150); do
    curl -fs -o /dev/null "$1" && return 0
    sleep 0.2
  done
  echo "nothing answers at $1" >&2
  exit 1
}
