-- wrk script for scripts/abuse.sh: one client (X-Forwarded-For: ABUSE_CLIENT) asking for documents that
-- each would need a render if Feeds let it: archive pages at arbitrary cursors, every ?limit of every feed and
-- tag in every format, feeds with unique junk query strings, and tags that do not exist. Counts every status,
-- and 503s or 429s without Retry-After, which Feeds must never send. ABUSE_CLIENT=many: each request names one
-- of 10,000 addresses, each in a /24 of its own (100.X.Y.1), as a flood from many networks would. ABUSE_PREFIX=/zh-hans
-- asks for the Simplified-Chinese twins instead, whose first renders convert their articles.
local threads = {}
local counts
local counter = 0
local feeds = { "all", "news", "industry" }
for i = 1, 12 do table.insert(feeds, string.format("category-%02d", i)) end
for i = 0, 49 do table.insert(feeds, "tags/%E6%A8%99%E7%B1%A4" .. i) end        -- 標籤0..49
for i = 0, 6 do table.insert(feeds, "tags/%E4%B8%BB%E9%A1%8C" .. i) end          -- 主題0..6
local formats = { "rss", "atom", "json" }
-- Month starts in .NET ticks (UTC): September, October and November 2026.
local months = { { "2026-09", 639238176000000000 }, { "2026-10", 639264096000000000 }, { "2026-11", 639290880000000000 } }
local month_ticks = 31 * 24 * 3600 * 10000000

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  counts = { ["200"] = 0, ["304"] = 0, ["30x"] = 0, ["400"] = 0, ["404"] = 0, ["429"] = 0, ["503"] = 0, other = 0, missing_retry_after = 0 }
  math.randomseed(os.time() * 1000 + id)
end

local function pick(list) return list[math.random(#list)] end

function request()
  counter = counter + 1
  local client = os.getenv("ABUSE_CLIENT") or "203.0.113.66"
  if client == "many" then
    local n = math.random(0, 9999)
    client = string.format("100.%d.%d.1", 64 + math.floor(n / 100), n % 100)
  end
  local headers = { ["X-Forwarded-For"] = client, ["Accept-Encoding"] = "gzip" }
  local prefix = os.getenv("ABUSE_PREFIX") or ""
  local kind = math.random()
  local path
  if kind < 0.35 then
    local month = pick(months)
    path = string.format("/feeds/%s/archive/%s.%s?before=%.0f-%d", pick(feeds), month[1], pick(formats),
      month[2] + math.random() * month_ticks, math.random(1, 6000))
  elseif kind < 0.70 then
    path = string.format("/feeds/%s.%s?limit=%d", pick(feeds), pick(formats), math.random(1, 100))
  elseif kind < 0.85 then
    path = string.format("/feeds/%s.%s?junk=%d-%d", pick(feeds), pick(formats), id, counter)
  else
    path = string.format("/feeds/tags/no-such-tag-%d-%d.rss", id, counter)
  end
  return wrk.format("GET", prefix .. path, headers)
end

function response(status, headers, body)
  local key
  if status == 200 or status == 304 or status == 400 or status == 404 or status == 429 or status == 503 then
    key = tostring(status)
  elseif status >= 300 and status < 400 then
    key = "30x"
  else
    key = "other"
  end
  counts[key] = counts[key] + 1
  if (status == 429 or status == 503) and headers["Retry-After"] == nil then
    counts.missing_retry_after = counts.missing_retry_after + 1
  end
  for k, v in pairs(counts) do wrk.thread:set(k, v) end
end

function done(summary, latency, requests)
  local names = { "200", "304", "30x", "400", "404", "429", "503", "other", "missing_retry_after" }
  local totals = {}
  for _, name in ipairs(names) do
    totals[name] = 0
    for _, thread in ipairs(threads) do totals[name] = totals[name] + (thread:get(name) or 0) end
  end
  local seconds = summary.duration / 1e6
  io.write(string.format("flood: %d requests in %.1f s: %.0f req/s, p99 %.2f ms\n", summary.requests, seconds, summary.requests / seconds, latency:percentile(99) / 1000))
  io.write(string.format("flood status: 200 %d, 304 %d, 30x %d, 400 %d, 404 %d, 429 %d, 503 %d, other %d; 429/503 without Retry-After %d\n",
    totals["200"], totals["304"], totals["30x"], totals["400"], totals["404"], totals["429"], totals["503"], totals.other, totals.missing_retry_after))
  io.write(string.format("ABUSE_BAD=%d\n", totals.other + totals["400"] + totals.missing_retry_after))
end
