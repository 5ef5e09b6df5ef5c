-- wrk script for evo's SendMessage: POST /messages with a distinct recipient per request.
--
-- Environment (read with os.getenv, in every thread's Lua state):
--   EVO_BENCH_ENDPOINT  endpoint id to send from (required)
--   EVO_BENCH_KEY       API key, sent as "Authorization: Bearer KEY" (required)
--   EVO_BENCH_THREADS   the -t value given to wrk (default 2); spaces the recipients apart
--   EVO_BENCH_OFFSET    added to every recipient number, so a second run uses new numbers
--   EVO_BENCH_DELAY_MS  pause per connection between requests (a paced run), default 0
--
-- Recipient of request n on thread t: +1555 followed by 7 digits of
--   (n * threads + t) mod 10^7
-- so two threads never produce the same number and every request in a run gets a new one
-- until 10 million requests have been sent (then it wraps).
--
-- done() prints a human summary and one machine-readable line starting with "BENCH_RESULT".

local endpoint = os.getenv("EVO_BENCH_ENDPOINT")
local key = os.getenv("EVO_BENCH_KEY")
local nthreads = tonumber(os.getenv("EVO_BENCH_THREADS") or "2") or 2
local offset = tonumber(os.getenv("EVO_BENCH_OFFSET") or "0") or 0
if endpoint == nil or endpoint == "" or key == nil or key == "" then
  error("EVO_BENCH_ENDPOINT and EVO_BENCH_KEY must be set")
end

local SPACE = 10000000 -- 7 digits

-- EVO_BENCH_DELAY_MS > 0 paces each connection: it waits that long after every response, so
-- the offered rate is about connections / (delay + latency).
local pace_ms = tonumber(os.getenv("EVO_BENCH_DELAY_MS") or "0") or 0
if pace_ms > 0 then
  function delay()
    return pace_ms
  end
end

-- Main Lua state: one entry per wrk thread, read back in done().
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

-- Per-thread state (each wrk thread has its own Lua state).
local headers
local counter = 0
local tid = 0
errors = 0        -- non-2xx responses seen by this thread (read by done via thread:get)
first_error = ""  -- status and start of body of the first non-2xx response

function init(args)
  tid = tonumber(id) or 0
  headers = {
    ["Authorization"] = "Bearer " .. key,
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/json",
  }
end

function request()
  local n = (offset + counter * nthreads + tid) % SPACE
  counter = counter + 1
  local body = string.format(
    '{"endpointId":"%s","toAddress":"+1555%07d","body":"evo bench message %d-%d"}',
    endpoint, n, tid, counter)
  return wrk.format("POST", "/messages", headers, body)
end

function response(status, hdrs, body)
  if status < 200 or status > 299 then
    errors = errors + 1
    if first_error == "" then
      first_error = tostring(status) .. " " .. string.sub(tostring(body or ""), 1, 300)
    end
  end
end

function done(summary, latency, requests)
  local non2xx = 0
  local sample = ""
  for _, t in ipairs(threads) do
    non2xx = non2xx + (tonumber(t:get("errors")) or 0)
    local fe = t:get("first_error")
    if sample == "" and fe ~= nil and fe ~= "" then
      sample = fe
    end
  end
  local e = summary.errors
  local socket_errors = e.connect + e.read + e.write + e.timeout
  local secs = summary.duration / 1e6
  local rps = summary.requests / secs
  local p50 = latency:percentile(50) / 1000
  local p99 = latency:percentile(99) / 1000
  io.write(string.format("SendMessage: %.0f req/s over %.2f s\n", rps, secs))
  io.write(string.format("  latency p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
    p50, p99, latency.max / 1000))
  io.write(string.format("  requests %d, 2xx %d, non-2xx %d\n",
    summary.requests, summary.requests - non2xx, non2xx))
  io.write(string.format("  socket errors %d (connect %d, read %d, write %d, timeout %d)\n",
    socket_errors, e.connect, e.read, e.write, e.timeout))
  if sample ~= "" then
    io.write("  first non-2xx: " .. sample .. "\n")
  end
  io.write(string.format(
    "BENCH_RESULT rps=%.1f p50_ms=%.3f p99_ms=%.3f requests=%d non2xx=%d socket_errors=%d\n",
    rps, p50, p99, summary.requests, non2xx, socket_errors))
end
