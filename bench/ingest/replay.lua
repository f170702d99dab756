-- wrk script of the ingest benchmark: replays pre-built request bodies (bench/tools/make_ingest_bodies)
-- round-robin, checks every answer, and prints one machine-readable "BENCH ..." line at the end.
--
--   wrk -t T -c C -d 10s --latency --timeout 30s -s replay.lua URL -- INDEX MODE
--
-- INDEX  an index.tsv written by make_ingest_bodies (path, records, payload bytes, file bytes per line);
--        every listed file is loaded in init, so nothing is read from disk while measuring.
-- MODE   firehose:   POST as Firehose_20150804.PutRecordBatch; a record is acknowledged when the answer
--                    is 200 and it is not among FailedPutCount.
--        clickhouse: POST as the body of the INSERT in URL's query; 200 acknowledges the whole batch.
-- BENCH_RATE (environment, optional): requests per second per wrk thread. When set, requests follow a
--        fixed schedule (one every 1/rate s from the thread's start, whichever connection is free takes
--        the next slot), so the load stays at that rate instead of as fast as the server answers.
--        wrk measures latency from the moment a request is written, so a server that falls behind the
--        schedule is not charged for the queueing (wrk2's coordinated-omission correction is absent).

local threads = {}
local thread_count = 0

function setup(thread)
  thread:set("id", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

local requests = {}
local next_index = 1
local records_per_request = 0

-- Counters read by done() through thread:get.
acked_records = 0
failed_records = 0
ok_responses = 0
bad_responses = 0
status_503 = 0
first_error = ""

local function read_file(path)
  local f = assert(io.open(path, "rb"))
  local data = f:read("*a")
  f:close()
  return data
end

function init(args)
  local index, mode = args[1], args[2]
  assert(index and (mode == "firehose" or mode == "clickhouse"), "usage: -- INDEX firehose|clickhouse")
  local headers
  if mode == "firehose" then
    headers = {["X-Amz-Target"] = "Firehose_20150804.PutRecordBatch",
               ["Content-Type"] = "application/x-amz-json-1.1"}
  else
    headers = {["Content-Type"] = "application/x-ndjson"}
  end
  firehose_mode = (mode == "firehose")
  for line in io.lines(index) do
    local path, records = line:match("^([^\t]+)\t(%d+)\t")
    records = tonumber(records)
    assert(records_per_request == 0 or records == records_per_request, "all bodies must hold the same record count")
    records_per_request = records
    table.insert(requests, wrk.format("POST", nil, headers, read_file(path)))
  end
  assert(#requests > 0, "no bodies in " .. index)
  -- Threads start at different bodies, so they do not send the same bytes in lockstep.
  next_index = math.floor(id * #requests * 0.618) % #requests + 1
end

function request()
  local r = requests[next_index]
  next_index = next_index % #requests + 1
  return r
end

function response(status, headers, body)
  if status == 200 then
    local failed = 0
    if firehose_mode then
      failed = tonumber(body:match('"FailedPutCount"%s*:%s*(%d+)'))
      if failed == nil then
        bad_responses = bad_responses + 1
        if first_error == "" then first_error = "200 without FailedPutCount: " .. body:sub(1, 200) end
        return
      end
    end
    ok_responses = ok_responses + 1
    acked_records = acked_records + records_per_request - failed
    failed_records = failed_records + failed
  else
    bad_responses = bad_responses + 1
    if status == 503 then status_503 = status_503 + 1 end
    if first_error == "" then first_error = status .. ": " .. body:sub(1, 200) end
  end
end

local rate = tonumber(os.getenv("BENCH_RATE") or "")
if rate and rate > 0 then
  local ffi = require("ffi")
  ffi.cdef [[
    typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
    int clock_gettime(int clock_id, bench_timespec* ts);
  ]]
  local ts = ffi.new("bench_timespec")
  local function now_ms()
    ffi.C.clock_gettime(1, ts)  -- CLOCK_MONOTONIC
    return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
  end
  local interval_ms = 1000 / rate
  local next_slot_ms = nil

  function delay()
    local now = now_ms()
    if next_slot_ms == nil then next_slot_ms = now end
    local wait = next_slot_ms - now
    next_slot_ms = next_slot_ms + interval_ms
    if wait < 0 then return 0 end
    return math.floor(wait)
  end
end

function done(summary, latency, requests_summary)
  local acked, failed, ok, bad, s503, err = 0, 0, 0, 0, 0, ""
  for _, t in ipairs(threads) do
    acked = acked + t:get("acked_records")
    failed = failed + t:get("failed_records")
    ok = ok + t:get("ok_responses")
    bad = bad + t:get("bad_responses")
    s503 = s503 + t:get("status_503")
    if err == "" then err = t:get("first_error") end
  end
  local e = summary.errors
  io.write(string.format(
      "BENCH duration_us=%d requests=%d ok=%d bad=%d status_503=%d acked_records=%d failed_records=%d " ..
      "errors_connect=%d errors_read=%d errors_write=%d errors_timeout=%d " ..
      "lat_p50_us=%d lat_p90_us=%d lat_p99_us=%d lat_p999_us=%d lat_max_us=%d lat_mean_us=%.1f\n",
      summary.duration, summary.requests, ok, bad, s503, acked, failed,
      e.connect, e.read, e.write, e.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
      latency.max, latency.mean))
  if err ~= "" then
    io.write("BENCH_FIRST_ERROR " .. err:gsub("[\r\n]", " ") .. "\n")
  end
end
