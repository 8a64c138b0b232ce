-- wrk script: BatchWriteItem of 25 PutRequests with fresh keys on every request.
-- Usage: wrk ... -s batch_write.lua http://127.0.0.1:PORT/ -- <tag> [<table>]
-- Table: "bench" by default, hash key pk (S), as put.lua; make bench writes into "bench_batch",
-- created empty at setup on every system. Keys are "<tag>-<thread>-<counter>-<i>".
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

local counter, tag, tname = 0, "bw", "bench"
local headers = {
  ["Content-Type"]  = "application/x-amz-json-1.0",
  ["X-Amz-Date"]    = "20240101T000000Z",  -- dynalite insists on a date header, as SDKs send
  ["X-Amz-Target"]  = "DynamoDB_20120810.BatchWriteItem",
  ["Authorization"] = "AWS4-HMAC-SHA256 Credential=x/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=abc",
}
local payload = string.rep("x", 100)

function init(args)
  tag = args[1] or "bw"
  tname = args[2] or "bench"
  tid = tid or 0
end

function request()
  counter = counter + 1
  local reqs = {}
  for i = 1, 25 do
    reqs[i] = string.format(
      '{"PutRequest":{"Item":{"pk":{"S":"%s-%d-%d-%d"},"n":{"N":"%d"},"data":{"S":"%s"}}}}',
      tag, tid, counter, i, counter, payload)
  end
  local body = '{"RequestItems":{"' .. tname .. '":[' .. table.concat(reqs, ",") .. ']}}'
  return wrk.format("POST", "/", headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKRESULT {"requests":%d,"duration_us":%d,"non2xx":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d,"lat_p50_us":%d,"lat_p99_us":%d}\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
