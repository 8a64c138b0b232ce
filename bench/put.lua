-- wrk script: PutItem with a fresh key on every request.
-- Usage: wrk ... -s put.lua http://127.0.0.1:PORT/ -- <tag> [<table>]     (table: "bench" by default;
-- the PutStream workload puts into "bench_stream", whose stream is NEW_AND_OLD_IMAGES)
-- Keys are "<tag>-<thread>-<counter>", so runs with different tags never overwrite each other.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

local counter, tag, tname = 0, "p", "bench"
local headers = {
  ["Content-Type"]  = "application/x-amz-json-1.0",
  ["X-Amz-Date"]    = "20240101T000000Z",  -- dynalite insists on a date header, as SDKs send
  ["X-Amz-Target"]  = "DynamoDB_20120810.PutItem",
  ["Authorization"] = "AWS4-HMAC-SHA256 Credential=x/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=abc",
}
local payload = string.rep("x", 100)

function init(args)
  tag = args[1] or "p"
  tname = args[2] or "bench"
  tid = tid or 0
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"TableName":"%s","Item":{"pk":{"S":"%s-%d-%d"},"n":{"N":"%d"},"data":{"S":"%s"}}}',
    tname, tag, tid, counter, counter, payload)
  return wrk.format("POST", "/", headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKRESULT {"requests":%d,"duration_us":%d,"non2xx":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d,"lat_p50_us":%d,"lat_p99_us":%d}\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
