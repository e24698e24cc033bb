-- Club night: the members of one club, each signed in with their own session, open the
-- week's pages and change things at once. Settings from the environment:
--   BENCH_CLUB_FILE  lines "session SESSIONID CSRFTOKEN", "get HTMX PATH" (HTMX 0 or 1)
--                    and "post WEIGHT PATH FIELD V1,V2,…" (a write: its share among the
--                    writes, its htmx POST, and the values its one form field takes)
--   BENCH_WRITES     share of requests that are writes, 0 to 1 (1: writes only)
--   BENCH_DELAY_MS   pause before each request on a connection (pacing)
-- Each request comes from a random member; a read asks for a random page of the mix, a
-- write picks a kind by weight and sends another value than that member's last one of
-- that kind, so every write changes a row (a status change, an RSVP).
local writes = tonumber(os.getenv("BENCH_WRITES") or "0")
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0")

local sessions, gets, kinds, total_weight = {}, {}, {}, 0
for line in io.lines(os.getenv("BENCH_CLUB_FILE")) do
  local kind, rest = line:match("^(%S+) (.*)$")
  if kind == "session" then
    local id, csrf = rest:match("^(%S+) (%S+)$")
    table.insert(sessions, { id = id, csrf = csrf })
  elseif kind == "get" then
    local htmx, path = rest:match("^(%S+) (%S+)$")
    table.insert(gets, { htmx = htmx == "1", path = path })
  elseif kind == "post" then
    local weight, path, field, values = rest:match("^(%S+) (%S+) (%S+) (%S+)$")
    local list = {}
    for value in values:gmatch("[^,]+") do
      table.insert(list, value)
    end
    total_weight = total_weight + tonumber(weight)
    table.insert(kinds, { weight = tonumber(weight), path = path, field = field, values = list })
  end
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_id", #threads)
end

-- Built once per thread: each member's request for each page, and for each write.
local reads, posts, last = {}, {}, {}

function init(args)
  math.randomseed(os.time() * 1000 + (thread_id or 0))
  non2xx, sent_writes, sent = 0, 0, 0
  for m, session in ipairs(sessions) do
    local cookie = "sessionid=" .. session.id .. "; csrftoken=" .. session.csrf
    reads[m] = {}
    for g, page in ipairs(gets) do
      local headers = { Cookie = cookie }
      if page.htmx then
        headers["HX-Request"] = "true"
      end
      reads[m][g] = wrk.format("GET", page.path, headers)
    end
    posts[m], last[m] = {}, {}
    for k, kind in ipairs(kinds) do
      posts[m][k] = {}
      for v, value in ipairs(kind.values) do
        posts[m][k][v] = wrk.format("POST", kind.path, {
          Cookie = cookie,
          ["HX-Request"] = "true",
          ["Content-Type"] = "application/x-www-form-urlencoded",
          ["X-CSRFToken"] = session.csrf,
        }, kind.field .. "=" .. value)
      end
      last[m][k] = math.random(#kind.values)
    end
  end
end

local function pick_kind()
  local roll = math.random() * total_weight
  for k, kind in ipairs(kinds) do
    roll = roll - kind.weight
    if roll <= 0 then
      return k
    end
  end
  return #kinds
end

function request()
  local m = math.random(#sessions)
  sent = sent + 1
  if writes > 0 and math.random() < writes then
    sent_writes = sent_writes + 1
    local k = pick_kind()
    local count = #kinds[k].values
    -- Another value than the last one sent for this member, so the row really changes.
    local v = (last[m][k] + math.random(count - 1) - 1) % count + 1
    last[m][k] = v
    return posts[m][k][v]
  end
  return reads[m][math.random(#gets)]
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function delay()
  return delay_ms
end

function done(summary, latency, requests)
  local bad, writes_sent, all_sent = 0, 0, 0
  for _, thread in ipairs(threads) do
    bad = bad + (thread:get("non2xx") or 0)
    writes_sent = writes_sent + (thread:get("sent_writes") or 0)
    all_sent = all_sent + (thread:get("sent") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT {\"requests\": %d, \"duration_us\": %d, \"connect\": %d, \"read\": %d, " ..
    "\"write\": %d, \"status\": %d, \"timeout\": %d, \"non2xx\": %d, \"sent\": %d, " ..
    "\"sent_writes\": %d, \"p50_us\": %d, \"p95_us\": %d, \"p99_us\": %d}\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    bad, all_sent, writes_sent,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
