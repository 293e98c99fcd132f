-- count_flow.lua -- runs the shared call flow (../shared/anchors/wrk/call_flow.lua,
-- path given in TURNS_FLOW_LUA) unchanged and, after its own WRK_JSON line,
-- prints how many requests of each kind wrk sent:
--   TURNS_JSON {"generated":N,"ps_generated":P,"threads":T}
-- P is exact: call_flow.lua sends request i of a thread to ring slot i % M at
-- step floor(i / M) % 5, and steps 1..3 are /voice/process-speech.
-- `bench/turns` compares 2 * P with the rows of the daemon's turns table.

local flow = os.getenv("TURNS_FLOW_LUA")
if not flow then
   error("TURNS_FLOW_LUA is not set (path of call_flow.lua)")
end
dofile(flow)

local flow_setup, flow_done = setup, done
local all_threads = {}

function setup(thread)
   table.insert(all_threads, thread)
   flow_setup(thread)
end

function done(summary, latency, requests)
   flow_done(summary, latency, requests)
   local generated, ps = 0, 0
   for _, t in ipairs(all_threads) do
      local n = t:get("flow_n") or 0
      local m = t:get("flow_calls_per_thread") or 1
      generated = generated + n
      local full, rem = math.floor(n / m), n % m
      for r = 0, full - 1 do
         local step = r % 5
         if step >= 1 and step <= 3 then ps = ps + m end
      end
      local step = full % 5
      if step >= 1 and step <= 3 then ps = ps + rem end
   end
   io.write(string.format('TURNS_JSON {"generated":%d,"ps_generated":%d,"threads":%d}\n',
                          generated, ps, #all_threads))
end
