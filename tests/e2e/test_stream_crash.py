"""Crash test of DynamoDB Streams (issue 7): a server killed with SIGKILL in the middle of a write
workload on a table with a NEW_AND_OLD_IMAGES stream loses, duplicates and reorders no change.

Four senders each run their own sequence of writes (PutItem -> UpdateItem -> DeleteItem on keys
of their own), every write carrying a unique write id (the item's `w`; a delete is "del:<key>").
After the restart on the same -dbPath the stream is read back (every shard, TRIM_HORIZON) and:
- every acknowledged write has exactly one record, and no write has two;
- the records of each sender come in the order it sent them, sequence numbers strictly rise;
- a record exists only for a write that was applied: the only unacknowledged writes with a record
  are the ones in flight at the kill (at most one per sender), and replaying the records in
  sequence order gives exactly the table's contents.
"""
import http.client
import json
import signal
import threading
import time

from conftest import make_client

AUTH = ('AWS4-HMAC-SHA256 Credential=x/20240101/us-east-1/dynamodb/aws4_request, '
        'SignedHeaders=host, Signature=abc')
SENDERS = 4


def call(port, op, body):
    c = http.client.HTTPConnection('127.0.0.1', port, timeout=10)
    try:
        c.request('POST', '/', json.dumps(body), {
            'X-Amz-Target': 'DynamoDB_20120810.' + op,
            'Content-Type': 'application/x-amz-json-1.0', 'Authorization': AUTH})
        r = c.getresponse()
        return r.status, json.loads(r.read() or b'{}')
    finally:
        c.close()


def writes(sender):
    """The sender's writes, endlessly: (write id, operation, body)."""
    i = 0
    while True:
        key = {'pk': {'S': 's%d-%06d' % (sender, i)}}
        wid = 's%d-%06d-put' % (sender, i)
        yield wid, 'PutItem', {'TableName': 'Log', 'Item': dict(key, w={'S': wid}, n={'N': str(i)})}
        wid = 's%d-%06d-upd' % (sender, i)
        yield wid, 'UpdateItem', {'TableName': 'Log', 'Key': key, 'UpdateExpression': 'SET w = :w, n = n + :one',
                                  'ExpressionAttributeValues': {':w': {'S': wid}, ':one': {'N': '1'}}}
        if i % 2:
            yield 'del:' + key['pk']['S'], 'DeleteItem', {'TableName': 'Log', 'Key': key}
        i += 1


def sender(port, n, log, stop):
    """log gets (write id, acknowledged) per write attempted, in order."""
    for wid, op, body in writes(n):
        if stop.is_set():
            return
        log.append((wid, False))
        try:
            status, _ = call(port, op, body)
        except (OSError, http.client.HTTPException, ValueError):
            return
        if status != 200:
            return
        log[-1] = (wid, True)


def read_stream(streams, arn):
    """Every record of the stream, all shards, in sequence number order."""
    recs = []
    for shard in streams.describe_stream(StreamArn=arn)['StreamDescription']['Shards']:
        it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard['ShardId'],
                                        ShardIteratorType='TRIM_HORIZON')['ShardIterator']
        while it:
            page = streams.get_records(ShardIterator=it, Limit=1000)
            recs += page['Records']
            if not page['Records']:
                break
            it = page.get('NextShardIterator')
    return sorted(recs, key=lambda r: int(r['dynamodb']['SequenceNumber']))


def write_id(rec):
    d = rec['dynamodb']
    return 'del:' + d['Keys']['pk']['S'] if rec['eventName'] == 'REMOVE' else d['NewImage']['w']['S']


def test_stream_records_survive_kill_9(target, tmp_path):
    srv = target.server(['-sharedDb', '-dbPath', str(tmp_path)]).start()
    client = make_client(srv.url)
    arn = client.create_table(
        TableName='Log', KeySchema=[{'AttributeName': 'pk', 'KeyType': 'HASH'}],
        AttributeDefinitions=[{'AttributeName': 'pk', 'AttributeType': 'S'}], BillingMode='PAY_PER_REQUEST',
        StreamSpecification={'StreamEnabled': True, 'StreamViewType': 'NEW_AND_OLD_IMAGES'},
    )['TableDescription']['LatestStreamArn']

    logs, stop, threads = [[] for _ in range(SENDERS)], threading.Event(), []
    for n in range(SENDERS):
        th = threading.Thread(target=sender, args=(srv.port, n, logs[n], stop))
        th.start()
        threads.append(th)
    deadline = time.time() + 10
    while sum(len(g) for g in logs) < 600 and time.time() < deadline:
        time.sleep(0.01)
    srv.stop(signal.SIGKILL)          # in the middle of the workload: the senders are still sending
    stop.set()
    for th in threads:
        th.join()
    acked = [[w for w, ok in g if ok] for g in logs]
    in_flight = {g[-1][0] for g in logs if g and not g[-1][1]}
    assert sum(len(a) for a in acked) >= 200

    srv2 = target.server(['-sharedDb', '-dbPath', str(tmp_path)]).start()
    try:
        client = make_client(srv2.url)
        streams = make_client(srv2.url, 'dynamodbstreams')
        recs = read_stream(streams, arn)
        seqs = [int(r['dynamodb']['SequenceNumber']) for r in recs]
        assert seqs == sorted(set(seqs))
        ids = [write_id(r) for r in recs]
        assert len(ids) == len(set(ids)), 'a write with two records'
        recorded = set(ids)
        for a in acked:
            missing = [w for w in a if w not in recorded]
            assert not missing, 'acknowledged writes without a record: %s' % missing[:5]
        assert recorded - {w for a in acked for w in a} <= in_flight
        for n in range(SENDERS):
            mine = [w for w in ids if w.startswith('s%d-' % n) or w.startswith('del:s%d-' % n)]
            assert mine[:len(acked[n])] == acked[n]
            assert len(mine) - len(acked[n]) <= 1

        state = {}
        for r in recs:
            pk = r['dynamodb']['Keys']['pk']['S']
            if r['eventName'] == 'REMOVE':
                assert pk in state
                state.pop(pk)
            else:
                assert (pk in state) == (r['eventName'] == 'MODIFY')
                assert r['dynamodb'].get('OldImage') == state.get(pk)
                state[pk] = r['dynamodb']['NewImage']
        items, kwargs = [], {'TableName': 'Log', 'ConsistentRead': True}
        while True:
            page = client.scan(**kwargs)
            items += page['Items']
            if 'LastEvaluatedKey' not in page:
                break
            kwargs['ExclusiveStartKey'] = page['LastEvaluatedKey']
        assert {i['pk']['S']: i for i in items} == state
    finally:
        srv2.stop()
