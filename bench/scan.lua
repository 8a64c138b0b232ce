-- wrk script: one 100-item Scan page (Limit 100) of the "bench" table.
-- Usage: wrk ... -s scan.lua http://127.0.0.1:PORT/
local headers = {
  ["Content-Type"]  = "application/x-amz-json-1.0",
  ["X-Amz-Date"]    = "20240101T000000Z",
  ["X-Amz-Target"]  = "DynamoDB_20120810.Scan",
  ["Authorization"] = "AWS4-HMAC-SHA256 Credential=x/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=abc",
}
local body = '{"TableName":"bench","Limit":100}'

function request()
  return wrk.format("POST", "/", headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKRESULT {"requests":%d,"duration_us":%d,"non2xx":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d,"lat_p50_us":%d,"lat_p99_us":%d}\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
