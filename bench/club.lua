-- Club night: the members of one club, each signed in with their own session, open the
-- week's pages and move their status of the week's paper. Settings from the environment:
--   BENCH_CLUB_FILE  lines "session SESSIONID CSRFTOKEN", "get HTMX PATH" (HTMX 0 or 1)
--                    and "post PATH" (the status change of the week's paper)
--   BENCH_WRITES     share of requests that are a status change, 0 to 1 (1: writes only)
--   BENCH_DELAY_MS   pause before each request on a connection (pacing)
-- Each request comes from a random member; a read asks for a random page of the mix, a
-- write moves that member's status to one of the passes other than the last one sent.
local writes = tonumber(os.getenv("BENCH_WRITES") or "0")
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
local statuses = { "pass1", "pass2", "pass3" }

local sessions, gets, post_path = {}, {}, nil
for line in io.lines(os.getenv("BENCH_CLUB_FILE")) do
  local kind, a, b = line:match("^(%S+) (%S+) ?(%S*)$")
  if kind == "session" then
    table.insert(sessions, { id = a, csrf = b })
  elseif kind == "get" then
    table.insert(gets, { htmx = a == "1", path = b })
  elseif kind == "post" then
    post_path = a
  end
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_id", #threads)
end

-- Built once per thread: each member's request for each page, and for each status.
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
    posts[m] = {}
    for s, status in ipairs(statuses) do
      posts[m][s] = wrk.format("POST", post_path, {
        Cookie = cookie,
        ["HX-Request"] = "true",
        ["Content-Type"] = "application/x-www-form-urlencoded",
        ["X-CSRFToken"] = session.csrf,
      }, "status=" .. status)
    end
    last[m] = math.random(#statuses)
  end
end

function request()
  local m = math.random(#sessions)
  sent = sent + 1
  if writes > 0 and math.random() < writes then
    sent_writes = sent_writes + 1
    -- Another pass than the last one sent for this member, so the row really changes.
    local s = (last[m] + math.random(#statuses - 1) - 1) % #statuses + 1
    last[m] = s
    return posts[m][s]
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
