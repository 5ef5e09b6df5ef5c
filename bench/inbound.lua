-- wrk script for bench/inbound.sh: POST pre-signed Twilio inbound webhooks, each with its own
-- MessageSid, read from INBOUND_FILE (one "signature<TAB>form body" per line). Each thread
-- starts at its own offset so no two requests repeat a sid until the file wraps.
local requests = {}
local next_index = 1
local thread_count = 0

function setup(thread)
  thread:set("id", thread_count)
  thread_count = thread_count + 1
end

function init(args)
  local file = assert(io.open(os.getenv("INBOUND_FILE"), "r"))
  for line in file:lines() do
    local sig, body = line:match("^([^\t]+)\t(.*)$")
    if sig then
      requests[#requests + 1] = { sig = sig, body = body }
    end
  end
  file:close()
  local threads = tonumber(os.getenv("INBOUND_THREADS") or "2")
  next_index = math.floor(#requests * id / threads) + 1
end

function request()
  local r = requests[next_index]
  next_index = next_index + 1
  if next_index > #requests then next_index = 1 end
  return wrk.format("POST", "/webhooks/twilio/sms", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Twilio-Signature"] = r.sig,
  }, r.body)
end
