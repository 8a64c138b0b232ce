-- wrk script: TransactWriteItems of 10 actions: 5 Puts with fresh keys and 5 Updates
-- (ADD n :one, with a condition) on five counters of the thread.
-- Usage: wrk ... -s txn_write.lua http://127.0.0.1:PORT/ -- <tag> [<table>]
-- Table: "bench" by default, hash key pk (S), as put.lua; make bench writes into "bench_txn",
-- created empty at setup on every system. Put keys "<tag>-<thread>-<counter>-<i>",
-- counter keys "<tag>-<thread>-c<i>" (created by the first Update).
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

local counter, tag, tname = 0, "tx", "bench"
local headers = {
  ["Content-Type"]  = "application/x-amz-json-1.0",
  ["X-Amz-Date"]    = "20240101T000000Z",  -- dynalite insists on a date header, as SDKs send
  ["X-Amz-Target"]  = "DynamoDB_20120810.TransactWriteItems",
  ["Authorization"] = "AWS4-HMAC-SHA256 Credential=x/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=abc",
}
local payload = string.rep("x", 100)

function init(args)
  tag = args[1] or "tx"
  tname = args[2] or "bench"
  tid = tid or 0
end

function request()
  counter = counter + 1
  local acts = {}
  for i = 1, 5 do
    acts[#acts + 1] = string.format(
      '{"Put":{"TableName":"%s","Item":{"pk":{"S":"%s-%d-%d-%d"},"n":{"N":"%d"},"data":{"S":"%s"}}}}',
      tname, tag, tid, counter, i, counter, payload)
    acts[#acts + 1] = string.format(
      '{"Update":{"TableName":"%s","Key":{"pk":{"S":"%s-%d-c%d"}},"UpdateExpression":"ADD n :one",' ..
      '"ConditionExpression":"attribute_not_exists(n) OR n >= :zero",' ..
      '"ExpressionAttributeValues":{":one":{"N":"1"},":zero":{"N":"0"}}}}',
      tname, tag, tid, i)
  end
  local body = '{"TransactItems":[' .. table.concat(acts, ",") .. ']}'
  return wrk.format("POST", "/", headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKRESULT {"requests":%d,"duration_us":%d,"non2xx":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d,"lat_p50_us":%d,"lat_p99_us":%d}\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
