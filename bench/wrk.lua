-- Drives one page as a signed-in member. Settings come from the environment:
-- BENCH_METHOD, BENCH_BODY, BENCH_COOKIE, BENCH_CSRF, BENCH_HTMX, BENCH_DELAY_MS.
local method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
wrk.method = method
wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE") or ""
if os.getenv("BENCH_HTMX") == "1" then
  wrk.headers["HX-Request"] = "true"
end
if method == "POST" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["X-CSRFToken"] = os.getenv("BENCH_CSRF") or ""
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non2xx = 0
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
  local bad = 0
  for _, thread in ipairs(threads) do
    bad = bad + (thread:get("non2xx") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT {\"requests\": %d, \"duration_us\": %d, \"connect\": %d, \"read\": %d, " ..
    "\"write\": %d, \"status\": %d, \"timeout\": %d, \"non2xx\": %d, " ..
    "\"p50_us\": %d, \"p95_us\": %d, \"p99_us\": %d}\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    bad, latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
