-- wrk script for scripts/soak.sh: each request picks a document at random from the targets file (one
-- "path etag" per line); most send If-None-Match with the ETag read before the run (stale once the data
-- changes, so those get a 200), the rest are unconditional. Status codes are counted per class.
-- SOAK_CONDITIONAL sets the conditional share (default 0.6); SOAK_CLIENT sends it as X-Forwarded-For, and
-- SOAK_CLIENT=readers names a new reader (10.X.Y.Z, counting up) in every request, as a CDN's many readers would:
-- each reader is answered in full once per version, so polite polling never refuses them.
local targets = {}
local threads = {}
local counts
local reader

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(os.getenv("SOAK_TARGETS")) do
    local path, etag = line:match("^(%S+)%s+(.+)$")
    if path then
      table.insert(targets, { path = path, etag = etag })
    end
  end
  counts = { ["2xx"] = 0, ["304"] = 0, ["4xx"] = 0, ["429"] = 0, ["5xx"] = 0, other = 0 }
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 1000)
  reader = math.random(0, 2 ^ 23)
end

local function client()
  local name = os.getenv("SOAK_CLIENT")
  if name ~= "readers" then
    return name
  end
  reader = (reader + 1) % 2 ^ 24
  return string.format("10.%d.%d.%d", math.floor(reader / 65536), math.floor(reader / 256) % 256, reader % 256)
end

function request()
  local target = targets[math.random(#targets)]
  local headers = { ["Accept-Encoding"] = "gzip" }
  headers["X-Forwarded-For"] = client()
  if math.random() < (tonumber(os.getenv("SOAK_CONDITIONAL") or "") or 0.6) then
    headers["If-None-Match"] = target.etag
  end
  return wrk.format("GET", target.path, headers)
end

function response(status, headers, body)
  if status == 304 then
    counts["304"] = counts["304"] + 1
  elseif status == 429 then
    counts["429"] = counts["429"] + 1
  elseif status >= 200 and status < 300 then
    counts["2xx"] = counts["2xx"] + 1
  elseif status >= 400 and status < 500 then
    counts["4xx"] = counts["4xx"] + 1
  elseif status >= 500 then
    counts["5xx"] = counts["5xx"] + 1
  else
    counts.other = counts.other + 1
  end
  -- Expose the running totals to done() through the thread table.
  for k, v in pairs(counts) do
    wrk.thread:set(k, v)
  end
end

function done(summary, latency, requests)
  local totals = { ["2xx"] = 0, ["304"] = 0, ["4xx"] = 0, ["429"] = 0, ["5xx"] = 0, other = 0 }
  for _, thread in ipairs(threads) do
    for k, _ in pairs(totals) do
      totals[k] = totals[k] + (thread:get(k) or 0)
    end
  end
  local seconds = summary.duration / 1e6
  io.write(string.format("requests %d in %.1f s: %.0f req/s\n", summary.requests, seconds, summary.requests / seconds))
  io.write(string.format("latency p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
  io.write(string.format("status 200 %d, 304 %d, 4xx %d (429 %d), 5xx %d, other %d\n", totals["2xx"], totals["304"], totals["4xx"], totals["429"], totals["5xx"], totals.other))
  io.write(string.format("socket errors: connect %d, read %d, write %d, timeout %d\n", summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
  io.write(string.format("SOAK_5XX=%d\n", totals["5xx"]))
end
