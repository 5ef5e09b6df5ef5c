-- wrk script for the carrier simulator: POST …/Messages.json, a new recipient per request.
--
--   evo carrier-sim --listen 127.0.0.1:5090 --account-sid ACbench --auth-token t &
--   SIM_SID=ACbench SIM_BASIC=$(printf 'ACbench:t' | base64) \
--     wrk -t2 -c64 -d20s -s bench/carrier-sim.lua http://127.0.0.1:5090
--
-- SIM_BASIC is the base64 of "SID:TOKEN" (wrk's Lua cannot encode it). done() prints how many
-- requests were answered 201; compare with GET /sim/stats.

local sid = os.getenv("SIM_SID") or error("SIM_SID must be set")
local basic = os.getenv("SIM_BASIC") or error("SIM_BASIC must be set")
local path = "/2010-04-01/Accounts/" .. sid .. "/Messages.json"

local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

local headers = {
  ["Authorization"] = "Basic " .. basic,
  ["Content-Type"] = "application/x-www-form-urlencoded",
}
local counter = 0
created = 0

function request()
  counter = counter + 1
  local body = string.format("To=%%2B1555%03d%04d&From=%%2B15550100001&Body=bench+%d",
    tonumber(id) or 0, counter % 10000, counter)
  return wrk.format("POST", path, headers, body)
end

function response(status)
  if status == 201 then created = created + 1 end
end

function done(summary)
  local total = 0
  for _, t in ipairs(threads) do total = total + (tonumber(t:get("created")) or 0) end
  io.write(string.format("201 responses: %d of %d requests (%.0f/s)\n",
    total, summary.requests, total / (summary.duration / 1e6)))
end
