-- wrk script: every request is the next line of a feed file written by bench/load.py, so each
-- request carries its own pre-made session or pre-signed body; no request is sent twice unless
-- the feed runs out (then it starts over, and `done` reports how many were sent beyond it).
--
--   wrk ... -s bench/feed.lua URL -- FEED THREADS [CAPTURE]
--
-- A feed line is: path TAB "Name: value" TAB ... TAB body. Thread k of THREADS takes lines k,
-- k+THREADS, ... With CAPTURE, each 2xx answer's "sessionId" is appended to CAPTURE.<k>.
-- `done` prints one line, "BENCH {json}", that bench/load.py reads.

local thread_count = 0
local threads = {}

function setup(thread)
  thread:set("id", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

local function parse(line)
  local fields = {}
  for field in line:gmatch("[^\t]+") do
    fields[#fields + 1] = field
  end
  local headers = {}
  for k = 2, #fields - 1 do
    local name, value = fields[k]:match("^([^:]+): (.*)$")
    headers[name] = value
  end
  return wrk.format("POST", fields[1], headers, fields[#fields])
end

local feed = {}
local position = 0
local capture = nil
-- Read back by `done` through thread:get, so these are globals of the thread's Lua state.
fed, sent, ok, failures, failure_sample = 0, 0, 0, {}, ""

function init(args)
  local stride, line_number = tonumber(args[2]), 0
  for line in io.lines(args[1]) do
    if line_number % stride == id then
      feed[#feed + 1] = parse(line)
    end
    line_number = line_number + 1
  end
  fed = #feed
  if args[3] then
    capture = io.open(args[3] .. "." .. id, "w")
  end
end

function request()
  position = position % #feed + 1
  sent = sent + 1
  return feed[position]
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    ok = ok + 1
    if capture then
      capture:write(body:match('"sessionId":"([^"]+)"'), "\n")
    end
  else
    failures[status] = (failures[status] or 0) + 1
    failure_sample = status .. " " .. body:sub(1, 300)
  end
end

local function json_string(text)
  return '"' .. text:gsub('\\', '\\\\'):gsub('"', '\\"'):gsub('%c', ' ') .. '"'
end

function done(summary, latency, requests)
  local fed_total, beyond, ok_total, by_status, sample = 0, 0, 0, {}, ""
  for _, thread in ipairs(threads) do
    fed_total = fed_total + thread:get("fed")
    beyond = beyond + math.max(0, thread:get("sent") - thread:get("fed"))
    ok_total = ok_total + thread:get("ok")
    for status, count in pairs(thread:get("failures")) do
      by_status[status] = (by_status[status] or 0) + count
    end
    if thread:get("failure_sample") ~= "" then
      sample = thread:get("failure_sample")
    end
  end
  local failed = {}
  for status, count in pairs(by_status) do
    failed[#failed + 1] = string.format('"%d":%d', status, count)
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH {"fed":%d,"beyond_feed":%d,"ok":%d,"answered":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,' ..
    '"socket_errors":%d,"timeouts":%d,"failures":{%s},"failure_sample":%s}\n',
    fed_total, beyond, ok_total, summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(99), errors.connect + errors.read + errors.write, errors.timeout,
    table.concat(failed, ","), json_string(sample)))
end
