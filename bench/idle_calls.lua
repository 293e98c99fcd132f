-- idle_calls.lua -- wrk script used by bench/run to open many live calls and
-- leave them idle: each wrk thread sends exactly IDLE_CALLS / IDLE_THREADS
-- call-creating webhooks (distinct CallSids, never completed), then only
-- GET IDLE_POLL_PATH until bench/run stops wrk with SIGINT once the server
-- counts IDLE_CALLS live calls.
--
-- Environment:
--   IDLE_CALLS      calls to open in all (required; a multiple of IDLE_THREADS)
--   IDLE_THREADS    the -t given to wrk (default 2)
--   IDLE_PATH       webhook that creates a call (default /voice/inbound;
--                   the Python prototype has only /voice/outbound)
--   IDLE_POLL_PATH  what to GET afterwards (default /)
--   IDLE_RUN_ID     integer mixed into every CallSid (default os.time())
-- done() prints: IDLE_JSON {"sent":N,"requests":R,"err_status":E,...}

local threads = {}
local run_id = nil

function setup(thread)
   if run_id == nil then
      run_id = math.floor(tonumber(os.getenv("IDLE_RUN_ID") or "") or os.time()) % 2147483647
   end
   table.insert(threads, thread)
   thread:set("idle_thread_id", #threads)
   thread:set("idle_run_id", run_id)
end

local quota, head, tail, poll, sid_prefix
local skip_verify = false
idle_sent = 0

function init(args)
   local total = tonumber(os.getenv("IDLE_CALLS") or "")
   local nthreads = tonumber(os.getenv("IDLE_THREADS") or "2")
   if not total or total < 1 or total % nthreads ~= 0 then
      error("IDLE_CALLS must be a positive multiple of IDLE_THREADS")
   end
   quota = total / nthreads
   local host = wrk.host .. (wrk.port and (":" .. wrk.port) or "")
   head = "POST " .. (os.getenv("IDLE_PATH") or "/voice/inbound") .. " HTTP/1.1\r\n" ..
      "Host: " .. host .. "\r\n" ..
      "Content-Type: application/x-www-form-urlencoded\r\n" ..
      "Content-Length: "
   tail = "&From=%2B14155550100&To=%2B919876543210&CallStatus=ringing&Direction=inbound"
   poll = "GET " .. (os.getenv("IDLE_POLL_PATH") or "/") .. " HTTP/1.1\r\n" ..
      "Host: " .. host .. "\r\n\r\n"
   sid_prefix = string.format("CA%08x%04x", idle_run_id or 0, idle_thread_id or 0)
   -- wrk calls request() once on the first thread only to check the
   -- request; that one is never sent and must not use up a call.
   skip_verify = (idle_thread_id == 1)
end

function request()
   if idle_sent >= quota then
      return poll
   end
   local body = "CallSid=" .. sid_prefix .. string.format("%020d", idle_sent) .. tail
   if skip_verify then
      skip_verify = false
   else
      idle_sent = idle_sent + 1
   end
   return head .. #body .. "\r\n\r\n" .. body
end

function done(summary, latency, requests)
   local sent = 0
   for _, t in ipairs(threads) do
      sent = sent + (t:get("idle_sent") or 0)
   end
   local e = summary.errors
   io.write(string.format(
      'IDLE_JSON {"sent":%d,"requests":%d,"duration_s":%.3f,"err_connect":%d,"err_read":%d,' ..
      '"err_write":%d,"err_status":%d,"err_timeout":%d}\n',
      sent, summary.requests, summary.duration / 1e6,
      e.connect, e.read, e.write, e.status, e.timeout))
end
