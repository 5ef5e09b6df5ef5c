-- wrk script for bench/delivery.sh: POST /messages to one recipient, each body different.
--
-- Environment (read with os.getenv, in every thread's Lua state):
--   EVO_BENCH_ENDPOINT  endpoint id to send from (required)
--   EVO_BENCH_KEY       API key, sent as "Authorization: Bearer KEY" (required)
--   EVO_BENCH_TO        recipient (default +15556667777)
--   EVO_BENCH_QUOTA     responses per thread after which the thread stops (0 = no limit, the
--                       default). A thread that stops creates the file EVO_BENCH_DONE_DIR/done.ID,
--                       so the caller knows when to end wrk early (SIGINT): wrk itself always
--                       sleeps for its whole -d.
--
-- Every body is "evo delivery bench T-N" (thread T, request N): short, one GSM-7 segment.
-- done() prints a human summary and one machine-readable line starting with "BENCH_RESULT".

local endpoint = os.getenv("EVO_BENCH_ENDPOINT")
local key = os.getenv("EVO_BENCH_KEY")
local to = os.getenv("EVO_BENCH_TO") or "+15556667777"
local quota = tonumber(os.getenv("EVO_BENCH_QUOTA") or "0") or 0
local done_dir = os.getenv("EVO_BENCH_DONE_DIR") or ""
if endpoint == nil or endpoint == "" or key == nil or key == "" then
  error("EVO_BENCH_ENDPOINT and EVO_BENCH_KEY must be set")
end
if quota > 0 and done_dir == "" then
  error("EVO_BENCH_QUOTA needs EVO_BENCH_DONE_DIR")
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
local stopped = false
responses = 0    -- responses seen by this thread
errors = 0       -- non-2xx responses seen by this thread
first_error = "" -- status and start of body of the first non-2xx response

function init(args)
  tid = tonumber(id) or 0
  headers = {
    ["Authorization"] = "Bearer " .. key,
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/json",
  }
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"endpointId":"%s","toAddress":"%s","body":"evo delivery bench %d-%d"}',
    endpoint, to, tid, counter)
  return wrk.format("POST", "/messages", headers, body)
end

function response(status, hdrs, body)
  responses = responses + 1
  if status < 200 or status > 299 then
    errors = errors + 1
    if first_error == "" then
      first_error = tostring(status) .. " " .. string.sub(tostring(body or ""), 1, 300)
    end
  end
  if quota > 0 and responses >= quota and not stopped then
    stopped = true
    local f = io.open(done_dir .. "/done." .. tid, "w")
    if f then f:close() end
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local non2xx = 0
  local answered = 0
  local sample = ""
  for _, t in ipairs(threads) do
    non2xx = non2xx + (tonumber(t:get("errors")) or 0)
    answered = answered + (tonumber(t:get("responses")) or 0)
    local fe = t:get("first_error")
    if sample == "" and fe ~= nil and fe ~= "" then
      sample = fe
    end
  end
  local e = summary.errors
  local socket_errors = e.connect + e.read + e.write + e.timeout
  local secs = summary.duration / 1e6
  local ok = answered - non2xx
  local p50 = latency:percentile(50) / 1000
  local p99 = latency:percentile(99) / 1000
  io.write(string.format("SendMessage: %d answered (%d 2xx, %d non-2xx) in %.2f s: %.0f 2xx/s\n",
    answered, ok, non2xx, secs, ok / secs))
  io.write(string.format("  latency p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
    p50, p99, latency.max / 1000))
  io.write(string.format("  socket errors %d (connect %d, read %d, write %d, timeout %d)\n",
    socket_errors, e.connect, e.read, e.write, e.timeout))
  if sample ~= "" then
    io.write("  first non-2xx: " .. sample .. "\n")
  end
  io.write(string.format(
    "BENCH_RESULT rps=%.1f p50_ms=%.3f p99_ms=%.3f answered=%d ok=%d non2xx=%d socket_errors=%d secs=%.3f\n",
    ok / secs, p50, p99, answered, ok, non2xx, socket_errors, secs))
end
