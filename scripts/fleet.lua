-- wrk script for scripts/fleet-trial.sh: a poller of 500 readers (X-Forwarded-For, each address in a /24 of its
-- own) over every document listed in FLEET_DOCUMENTS (one "path<TAB>etag" per line), CONDITIONAL per cent of
-- requests revalidating with the ETag the document had when the list was made, as polite readers do. Counts the
-- answers by status and prints them as one line, FLEET_STATUS 200=... 304=... 429=... 503=... other=...
local threads = {}
local documents = {}
local counts

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  for line in io.lines(os.getenv("FLEET_DOCUMENTS")) do
    local path, etag = line:match("^([^\t]+)\t(.*)$")
    table.insert(documents, { path, etag })
  end
  counts = { ["200"] = 0, ["304"] = 0, ["429"] = 0, ["503"] = 0, other = 0 }
  math.randomseed(os.time() * 1000 + id)
end

local conditional = tonumber(os.getenv("CONDITIONAL") or "92") / 100

function request()
  local document = documents[math.random(#documents)]
  local n = math.random(0, 499)
  local headers = { ["X-Forwarded-For"] = string.format("100.%d.%d.1", 64 + math.floor(n / 100), n % 100), ["Accept-Encoding"] = "gzip" }
  if math.random() < conditional then
    headers["If-None-Match"] = document[2]
  end
  return wrk.format("GET", document[1], headers)
end

function response(status, headers, body)
  local key = tostring(status)
  if counts[key] == nil then key = "other" end
  counts[key] = counts[key] + 1
  for k, v in pairs(counts) do wrk.thread:set(k, v) end
end

function done(summary, latency, requests)
  local line = "FLEET_STATUS"
  for _, name in ipairs({ "200", "304", "429", "503", "other" }) do
    local total = 0
    for _, thread in ipairs(threads) do total = total + (thread:get(name) or 0) end
    line = line .. string.format(" %s=%d", name, total)
  end
  io.write(string.format("FLEET_RATE %.0f %.2f %.2f %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests))
  io.write(line .. "\n")
end
