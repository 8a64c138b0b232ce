-- wrk script: DynamoDB Streams GetRecords of one TRIM_HORIZON shard iterator, Limit 1000, on every
-- request (a DynamoDB Local iterator stays valid for 15 minutes and can be read again and again).
-- Usage: wrk ... -s get_records.lua http://127.0.0.1:PORT/ -- <shard iterator> [<records expected>]
-- The first answer of each thread and every 64th after it are checked to hold exactly the expected
-- number of records (count of "eventID"); WRKRESULT gains "checked" and "short" (answers that did not).
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

local seen = 0
want, checked, short = 1000, 0, 0  -- globals: done() (main state, no init) reads them with thread:get

local function jsonstr(s)
  return '"' .. s:gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
end

function init(args)
  local it = args[1] or ""
  want = tonumber(args[2]) or 1000
  wrk.method = "POST"
  wrk.path = "/"
  wrk.headers["Content-Type"]  = "application/x-amz-json-1.0"
  wrk.headers["X-Amz-Date"]    = "20240101T000000Z"
  wrk.headers["X-Amz-Target"]  = "DynamoDBStreams_20120810.GetRecords"
  wrk.headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=x/20240101/us-east-1/dynamodbstreams/aws4_request, SignedHeaders=host, Signature=abc"
  wrk.body = string.format('{"ShardIterator":%s,"Limit":%d}', jsonstr(it), want)
end

function response(status, headers, body)
  seen = seen + 1
  if seen % 64 ~= 1 then return end
  checked = checked + 1
  local n, pos = 0, 1
  while true do
    local s = string.find(body, '"eventID"', pos, true)
    if not s then break end
    n, pos = n + 1, s + 9
  end
  if status ~= 200 or n ~= want then short = short + 1 end
end

function done(summary, latency, requests)
  local e = summary.errors
  local c, s = 0, 0
  want = threads[1] and threads[1]:get("want") or want
  for _, t in ipairs(threads) do
    c = c + (t:get("checked") or 0)
    s = s + (t:get("short") or 0)
  end
  io.write(string.format(
    'WRKRESULT {"requests":%d,"duration_us":%d,"non2xx":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d,"lat_p50_us":%d,"lat_p99_us":%d,"records_per_op":%d,"checked":%d,"short":%d}\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99), want, c, s))
end
