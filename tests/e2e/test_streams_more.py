"""DynamoDB Streams, the rest of issue 7: shard rollover and retention, stream files written by one
program and read by the other, and the AWS CLI's `aws dynamodbstreams`.

(1) Rollover and retention (ddblocal only): DynamoDB Local has no clock hook and its 4-hour
    rollover / 24-hour retention were never observed (shared/reference/dynamodb-local.md §11.1).
    ddblocal reads DDBLOCAL_STREAM_CLOCK_OFFSET_MS at start (README "Streams"); the test restarts
    it on one -dbPath with growing offsets. What is pinned (src/stream.c stream_maintain,
    src/op_stream.c):
    - a write (or any Streams call) when the open shard is 4 h old closes it (EndingSequenceNumber
      = its last record) and opens a child (ParentShardId) starting at the next number;
    - a record is deleted once it is 24 h old; a closed shard once it has been closed 24 h; a
      DISABLED stream once it has been disabled 24 h (gone from ListStreams, DescribeStream 400);
    - a closed shard whose records are all trimmed still reads: TRIM_HORIZON gives no records and
      no NextShardIterator; an iterator at a trimmed number of a shard that still has newer
      records is TrimmedDataAccessException;
    - nothing younger than 24 h is lost, sequence numbers keep rising across restarts.
(2) The fixture written by DynamoDB Local 1.25.1 (§10.13) read by the server under test (both
    ddblocal and the oracle): its four streams, shards, sequence ranges and records, and the next
    write gets 67. ddblocal's stream clock is pinned just after the fixture was written so the
    test does not depend on the day it runs; on the oracle a rollover is tolerated (records are
    read across the shard lineage) and the test skips once the fixture is past 24 h.
(3) Cross (--ddblocal and DDB_ORACLE): ddblocal writes a NEW_AND_OLD_IMAGES stream with puts,
    updates, deletes, a BatchWriteItem and a TransactWriteItems; DynamoDB Local opens the file and
    reads every record identically (eventID, eventName, Keys, images, SizeBytes, sequence numbers,
    times); it writes one more item and ddblocal reads that record after a restart.
(4) AWS CLI v2: `aws dynamodbstreams list-streams / describe-stream / get-shard-iterator /
    get-records` read every change of such a workload, in order, on ddblocal and on the oracle.
"""
import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
import time

import pytest
from botocore.exceptions import ClientError

from conftest import Raw, Server, make_client

HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCE = os.path.abspath(os.path.join(HERE, '..', '..', '..', 'shared', 'reference'))
if not os.path.isdir(REFERENCE):
    REFERENCE = '/work/shared/reference'
FIXTURE = os.path.join(REFERENCE, 'fixtures', 'shared-local-instance.db')
SHARED = 'shared-local-instance.db'
AWS = '/usr/bin/aws'

CLOCK = 'DDBLOCAL_STREAM_CLOCK_OFFSET_MS'
HOUR = 3600 * 1000
STREAMS = 'DynamoDBStreams_20120810'
TRIMMED = 'com.amazonaws.dynamodb.v20120810#TrimmedDataAccessException'
NOT_FOUND = 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException'
ARN = 'arn:aws:dynamodb:ddblocal:000000000000:table/'

# the fixture's streams (§10.13; `ddbl_format.py describe`)
MUSIC_OLD = ARN + 'Music/stream/2026-11-24T04:03:55.123'
MUSIC_NEW = ARN + 'Music/stream/2026-11-24T04:10:37.733'
TODROP = ARN + 'ToDrop/stream/2026-11-24T04:10:37.791'
DPTEST = ARN + 'DPTest/stream/2026-11-24T04:25:58.511'
FIXTURE_LAST_WRITE_MS = 1795494366070      # us record 66
MUSIC_NEW_SHARD_MS = 1795493437734         # its open shard's creation time
FIXTURE_PINNED_MS = 1795496400000          # 2026-11-24T05:00:00Z: after it, before any rollover


# ---------------------------------------------------------------------------------------------
# helpers

@contextlib.contextmanager
def clock_offset(ms):
    """DDBLOCAL_STREAM_CLOCK_OFFSET_MS for the servers started inside (Popen inherits it)."""
    old = os.environ.get(CLOCK)
    if ms is None:
        os.environ.pop(CLOCK, None)
    else:
        os.environ[CLOCK] = str(int(ms))
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(CLOCK, None)
        else:
            os.environ[CLOCK] = old


def start_on(kind, exe, path, offset_ms=None):
    with clock_offset(offset_ms):
        return Server(kind, exe, ['-sharedDb', '-dbPath', str(path)]).start()


class Streams:
    """Raw DynamoDB Streams calls (JSON exactly as sent: images compare with stored JSON)."""

    def __init__(self, url):
        self.raw = Raw(url)

    def call(self, op, body):
        st, _, parsed, _ = self.raw.call(op, body, target_prefix=STREAMS)
        return st, parsed

    def ok(self, op, body):
        st, parsed = self.call(op, body)
        assert st == 200, (op, body, parsed)
        return parsed

    def list(self, **kw):
        return self.ok('ListStreams', kw)['Streams']

    def describe(self, arn):
        return self.ok('DescribeStream', {'StreamArn': arn})['StreamDescription']

    def shards(self, arn):
        return self.describe(arn)['Shards']

    def iterator(self, arn, shard, typ='TRIM_HORIZON', seq=None):
        body = {'StreamArn': arn, 'ShardId': shard, 'ShardIteratorType': typ}
        if seq is not None:
            body['SequenceNumber'] = '%021d' % int(seq)
        return self.ok('GetShardIterator', body)['ShardIterator']

    def read_shard(self, arn, shard, closed, typ='TRIM_HORIZON', seq=None):
        """(records, last page) of one shard from the iterator: a closed shard to its end (no
        NextShardIterator), an open one until a page comes back empty."""
        it = self.iterator(arn, shard, typ, seq)
        recs = []
        for _ in range(100):
            page = self.ok('GetRecords', {'ShardIterator': it, 'Limit': 7})
            recs += page['Records']
            it = page.get('NextShardIterator')
            if it is None:
                assert closed, 'an open shard always has a NextShardIterator'
                return recs, page
            if not closed and not page['Records']:
                return recs, page
        raise AssertionError('shard %s did not end' % shard)

    def read_all(self, arn):
        """Every record of the stream, shard after shard in DescribeStream order."""
        recs = []
        for sh in self.shards(arn):
            closed = 'EndingSequenceNumber' in sh['SequenceNumberRange']
            recs += self.read_shard(arn, sh['ShardId'], closed)[0]
        return recs


def seqs(records):
    return [int(r['dynamodb']['SequenceNumber']) for r in records]


def summary(records):
    """(eventName, Keys, NewImage, OldImage) of each record."""
    return [(r['eventName'], r['dynamodb']['Keys'], r['dynamodb'].get('NewImage'),
             r['dynamodb'].get('OldImage')) for r in records]


def strictly_increasing(values):
    return all(a < b for a, b in zip(values, values[1:]))


def create_table(client, name, view):
    client.create_table(
        TableName=name, BillingMode='PAY_PER_REQUEST',
        KeySchema=[{'AttributeName': 'pk', 'KeyType': 'HASH'},
                   {'AttributeName': 'sk', 'KeyType': 'RANGE'}],
        AttributeDefinitions=[{'AttributeName': 'pk', 'AttributeType': 'S'},
                              {'AttributeName': 'sk', 'AttributeType': 'N'}],
        StreamSpecification={'StreamEnabled': True, 'StreamViewType': view})
    return client.describe_table(TableName=name)['Table']['LatestStreamArn']


def K(pk, sk=1):
    return {'pk': {'S': pk}, 'sk': {'N': str(sk)}}


def I(pk, sk=1, **attrs):
    item = K(pk, sk)
    item.update(attrs)
    return item


def workload(client, table):
    """Puts, an update, deletes, a BatchWriteItem and a TransactWriteItems; returns the expected
    (eventName, Keys, NewImage, OldImage) per record, images in DynamoDB JSON (B as base64)."""
    ev = []
    a = I('a', v={'N': '1'}, b={'B': 'AAH+/w=='}, s={'SS': ['y', 'x']})
    client.put_item(TableName=table, Item=json_to_boto(a))
    ev.append(('INSERT', K('a'), sorted_sets(a), None))
    b = I('b', 2, m={'M': {'k': {'S': 'v'}, 'l': {'L': [{'N': '1'}, {'NULL': True}]}}})
    client.put_item(TableName=table, Item=json_to_boto(b))
    ev.append(('INSERT', K('b', 2), b, None))
    client.put_item(TableName=table, Item=json_to_boto(b))                       # identical: none
    client.update_item(TableName=table, Key=json_to_boto(K('a')),
                       UpdateExpression='SET v = v + :d, w = :w REMOVE b',
                       ExpressionAttributeValues={':d': {'N': '10'}, ':w': {'S': 'w\u00e9'}})
    a2 = I('a', v={'N': '11'}, s={'SS': ['x', 'y']}, w={'S': 'w\u00e9'})
    ev.append(('MODIFY', K('a'), a2, sorted_sets(a)))
    b2 = I('b', 2, m={'S': 'replaced'})
    client.put_item(TableName=table, Item=json_to_boto(b2))                      # MODIFY by put
    ev.append(('MODIFY', K('b', 2), b2, b))
    client.delete_item(TableName=table, Key=json_to_boto(K('b', 2)))
    ev.append(('REMOVE', K('b', 2), None, b2))
    client.delete_item(TableName=table, Key=json_to_boto(K('zz')))               # missing: none
    c, d = I('c', 3, n={'N': '0'}), I('d', -4.5)
    client.batch_write_item(RequestItems={table: [
        {'DeleteRequest': {'Key': json_to_boto(K('a'))}},
        {'PutRequest': {'Item': json_to_boto(c)}},
        {'PutRequest': {'Item': json_to_boto(d)}}]})
    # one table's puts in request order, then its deletes (test_streams.py)
    ev += [('INSERT', K('c', 3), c, None), ('INSERT', K('d', '-4.5'), d, None),
           ('REMOVE', K('a'), None, a2)]
    e = I('e', 5, t={'BOOL': True})
    client.transact_write_items(TransactItems=[
        {'Put': {'TableName': table, 'Item': json_to_boto(e)}},
        {'Update': {'TableName': table, 'Key': json_to_boto(K('c', 3)),
                    'UpdateExpression': 'SET n = n + :one',
                    'ExpressionAttributeValues': {':one': {'N': '1'}}}},
        {'Delete': {'TableName': table, 'Key': json_to_boto(K('d', '-4.5'))}},
        {'ConditionCheck': {'TableName': table, 'Key': json_to_boto(K('zz')),
                            'ConditionExpression': 'attribute_not_exists(pk)'}}])
    c2 = I('c', 3, n={'N': '1'})
    ev += [('INSERT', K('e', 5), e, None), ('MODIFY', K('c', 3), c2, c),
           ('REMOVE', K('d', '-4.5'), None, d)]
    with pytest.raises(ClientError):   # a cancelled transaction writes no record
        client.transact_write_items(TransactItems=[
            {'Put': {'TableName': table, 'Item': json_to_boto(I('never'))}},
            {'ConditionCheck': {'TableName': table, 'Key': json_to_boto(K('nope')),
                                'ConditionExpression': 'attribute_exists(pk)'}}])
    return ev


def sorted_sets(item):
    """DynamoDB Local returns SS sorted."""
    return {k: ({'SS': sorted(v['SS'])} if 'SS' in v else v) for k, v in item.items()}


def json_to_boto(av_map):
    """DynamoDB JSON (B as base64 text) -> boto3 parameters (B as bytes)."""
    import base64

    def conv(v):
        (t, x), = v.items()
        if t == 'B':
            return {'B': base64.b64decode(x)}
        if t == 'L':
            return {'L': [conv(e) for e in x]}
        if t == 'M':
            return {'M': {k: conv(e) for k, e in x.items()}}
        return v
    return {k: conv(v) for k, v in av_map.items()}


# =============================================================================================
# (1) rollover and retention through the clock hook

@pytest.mark.ddblocal_only
def test_rollover_and_retention_over_restarts(target, tmp_path):
    if target.kind != 'ddblocal':
        pytest.skip('needs --ddblocal: the clock hook is ddblocal\'s')
    exe = os.path.abspath(target.binary)

    def phase(offset_h, fn):
        srv = start_on('ddblocal', exe, tmp_path, offset_h * HOUR)
        try:
            return fn(make_client(srv.url), Streams(srv.url))
        finally:
            assert srv.stop() == 0

    # --- t = 0: a stream, three records; a second table's stream disabled right away
    def p0(c, s):
        arn = create_table(c, 'Roll', 'NEW_AND_OLD_IMAGES')
        c.put_item(TableName='Roll', Item=json_to_boto(I('a0', v={'N': '1'})))
        c.put_item(TableName='Roll', Item=json_to_boto(I('a1')))
        c.update_item(TableName='Roll', Key=json_to_boto(K('a0')), UpdateExpression='SET v = :v',
                      ExpressionAttributeValues={':v': {'N': '2'}})
        gone = create_table(c, 'Gone', 'KEYS_ONLY')
        c.put_item(TableName='Gone', Item=json_to_boto(I('g')))
        c.update_table(TableName='Gone', StreamSpecification={'StreamEnabled': False})
        shards = s.shards(arn)
        assert len(shards) == 1 and 'EndingSequenceNumber' not in shards[0]['SequenceNumberRange']
        recs = s.read_all(arn)
        assert [r['eventName'] for r in recs] == ['INSERT', 'INSERT', 'MODIFY']
        return arn, gone, shards[0]['ShardId'], recs
    arn, gone, s0, recs_a = phase(0, p0)

    # --- t = 5 h: the first write rolls the 5-hour-old shard over
    def p5(c, s):
        assert [x['StreamArn'] for x in s.list(TableName='Gone')] == [gone]
        assert s.describe(gone)['StreamStatus'] == 'DISABLED'
        c.put_item(TableName='Roll', Item=json_to_boto(I('b0', v={'N': '5'})))
        c.delete_item(TableName='Roll', Key=json_to_boto(K('a1')))
        shards = s.shards(arn)
        assert [x['ShardId'] for x in shards[:1]] == [s0] and len(shards) == 2
        parent, child = shards
        assert 'ParentShardId' not in parent
        assert parent['SequenceNumberRange']['EndingSequenceNumber'] == \
            recs_a[-1]['dynamodb']['SequenceNumber']
        assert child['ParentShardId'] == s0
        assert 'EndingSequenceNumber' not in child['SequenceNumberRange']
        assert child['ShardId'] > s0   # ids start with the creation time
        old = s.read_shard(arn, s0, True)[0]
        new = s.read_shard(arn, child['ShardId'], False)[0]
        assert old == recs_a
        assert [(r['eventName'], r['dynamodb']['Keys']) for r in new] == [
            ('INSERT', K('b0')), ('REMOVE', K('a1'))]
        assert new[1]['dynamodb']['OldImage'] == I('a1')
        start = int(child['SequenceNumberRange']['StartingSequenceNumber'])
        assert seqs(old)[-1] < start <= seqs(new)[0]
        assert strictly_increasing(seqs(old + new))
        assert s.read_all(arn) == old + new
        return child['ShardId'], new
    s1, recs_b = phase(5, p5)

    # --- t = 8 h: the child is 3 h old: no rollover
    def p8(c, s):
        c.put_item(TableName='Roll', Item=json_to_boto(I('c0')))
        shards = s.shards(arn)
        assert [x['ShardId'] for x in shards] == [s0, s1]
        recs = s.read_shard(arn, s1, False)[0]
        assert recs[:2] == recs_b and len(recs) == 3
        assert recs[2]['dynamodb']['Keys'] == K('c0')
        assert strictly_increasing(seqs(recs))
        return recs[2]
    rec_c = phase(8, p8)

    # --- t = 26 h: the records of t = 0 are trimmed; the disabled stream is gone; the child,
    #     open 21 h, rolls over at the first Streams call even without a write
    def p26(c, s):
        assert s.list(TableName='Gone') == []
        st, body = s.call('DescribeStream', {'StreamArn': gone})
        assert st == 400 and body['__type'] == NOT_FOUND
        shards = s.shards(arn)
        assert [x['ShardId'] for x in shards[:2]] == [s0, s1] and len(shards) == 3
        assert shards[0]['SequenceNumberRange']['EndingSequenceNumber'] == \
            recs_a[-1]['dynamodb']['SequenceNumber']          # closed shard kept (closed 21 h)
        assert shards[1]['SequenceNumberRange']['EndingSequenceNumber'] == \
            rec_c['dynamodb']['SequenceNumber']
        assert shards[2]['ParentShardId'] == s1
        # the fully trimmed parent: no records, and the read ends (no NextShardIterator)
        recs, last = s.read_shard(arn, s0, True)
        assert recs == [] and 'NextShardIterator' not in last
        recs, last = s.read_shard(arn, s0, True, 'AT_SEQUENCE_NUMBER', seqs(recs_a)[0])
        assert recs == [] and 'NextShardIterator' not in last
        # nothing younger than 24 h is lost
        assert s.read_shard(arn, s1, True)[0] == recs_b + [rec_c]
        c.put_item(TableName='Roll', Item=json_to_boto(I('d0')))
        recs_d = s.read_shard(arn, shards[2]['ShardId'], False)[0]
        assert [r['dynamodb']['Keys'] for r in recs_d] == [K('d0')]
        assert s.read_all(arn) == recs_b + [rec_c] + recs_d
        return shards[2]['ShardId'], recs_d
    s2, recs_d = phase(26, p26)

    # --- t = 29.5 h: the records of t = 5 h are trimmed, the parent closed at 5 h is gone; the
    #     child keeps its t = 8 h record; an iterator at a trimmed number is refused
    def p29(c, s):
        shards = s.shards(arn)
        assert [x['ShardId'] for x in shards] == [s1, s2]
        assert shards[0]['ParentShardId'] == s0            # the parent id stays
        assert s.read_shard(arn, s1, True)[0] == [rec_c]
        it = s.iterator(arn, s1, 'AT_SEQUENCE_NUMBER', seqs(recs_b)[0])
        st, body = s.call('GetRecords', {'ShardIterator': it})
        assert st == 400 and body['__type'] == TRIMMED, body
        assert body.get('Message') == \
            'The operation attempted to read past the oldest stream record in a shard.'
        c.put_item(TableName='Roll', Item=json_to_boto(I('e0')))
        recs = s.read_all(arn)
        assert recs[:2] == [rec_c] + recs_d
        assert [r['dynamodb']['Keys'] for r in recs[2:]] == [K('e0')]
        assert strictly_increasing(seqs(recs))
        assert seqs(recs)[-1] == seqs(recs_d)[-1] + 1
        # the table itself keeps every item
        items = c.scan(TableName='Roll')['Items']
        assert sorted(i['pk']['S'] for i in items) == ['a0', 'b0', 'c0', 'd0', 'e0']
    phase(29.5, p29)


# =============================================================================================
# (2) the fixture written by DynamoDB Local, read by the server under test

def fixture_records():
    """{stream arn: [us rows as (seq, created ms, op, record dict)]} in sequence order."""
    db = sqlite3.connect('file:%s?mode=ro' % FIXTURE, uri=True)
    out = {}
    for seq, arn, ms, op, rec in db.execute(
            'SELECT SequenceNumber, StreamID, CreationDateTime, OperationType, StreamRecord '
            'FROM us ORDER BY SequenceNumber'):
        out.setdefault(arn, []).append((seq, ms, op, json.loads(rec)))
    return out


def check_against_fixture(got, rows):
    assert seqs(got) == [seq for seq, _, _, _ in rows]
    for r, (seq, ms, op, rec) in zip(got, rows):
        d = rec['Dynamodb']
        assert r['eventID'] == rec['EventID']
        assert r['eventName'] == op
        assert r['eventVersion'] == '1.1'
        assert r['eventSource'] == 'aws:dynamodb' and r['awsRegion'] == 'ddblocal'
        assert r['dynamodb']['SequenceNumber'] == '%021d' % seq
        assert r['dynamodb']['ApproximateCreationDateTime'] == ms // 60000 * 60
        for member in ('Keys', 'NewImage', 'OldImage', 'SizeBytes', 'StreamViewType'):
            assert r['dynamodb'].get(member) == d.get(member), (seq, member)


def test_fixture_shard_rollover_numbering(target, tmp_path):
    """The fixture's open Music shard (last record 66, counter at 67) read 5 hours after it
    opened: it has rolled over, the child starts at 68 (opening a shard moves the counter on by
    one, as opening a stream does) and the next write takes 68. Pinned on DynamoDB Local 1.25.1."""
    now = time.time() * 1000
    if target.is_oracle and not (MUSIC_NEW_SHARD_MS + 4 * HOUR <= now < FIXTURE_LAST_WRITE_MS + 24 * HOUR):
        pytest.skip('the oracle runs on the real clock: needs 4 to 24 hours after the fixture was written')
    shutil.copy(FIXTURE, str(tmp_path / SHARED))
    with clock_offset(MUSIC_NEW_SHARD_MS + 5 * HOUR - int(now)):
        srv = target.server(['-sharedDb', '-dbPath', str(tmp_path)]).start()
    try:
        s, c = Streams(srv.url), make_client(srv.url)
        shards = s.shards(MUSIC_NEW)
        assert [(x['ShardId'][-8:], x.get('ParentShardId', '')[-8:]) for x in shards][0] == ('4a0f34cb', '')
        child = shards[-1]
        assert child['ParentShardId'] == 'shardId-00000001795493437734-4a0f34cb'
        assert child['SequenceNumberRange'] == {'StartingSequenceNumber': '%021d' % 68}
        c.put_item(TableName='Music', Item={'Artist': {'S': 'NEXT'}, 'Seq': {'N': '1'}})
        assert seqs(s.read_all(MUSIC_NEW))[-1] == 68
    finally:
        srv.stop()


def test_fixture_streams_read(target, tmp_path):
    if target.is_oracle and time.time() * 1000 - FIXTURE_LAST_WRITE_MS > 24 * HOUR:
        pytest.skip('the fixture\'s stream records are past DynamoDB Local\'s 24 h retention')
    shutil.copy(FIXTURE, str(tmp_path / SHARED))
    # ddblocal: the stream clock pinned 34 min after the fixture's last write (the oracle
    # ignores the variable)
    with clock_offset(FIXTURE_PINNED_MS - int(time.time() * 1000)):
        srv = target.server(['-sharedDb', '-dbPath', str(tmp_path)]).start()
    try:
        s, c = Streams(srv.url), make_client(srv.url)
        pinned = not target.is_oracle
        listed = s.list()
        assert [x['StreamArn'] for x in listed] == [DPTEST, TODROP, MUSIC_NEW, MUSIC_OLD]
        assert [(x['TableName'], x['StreamLabel']) for x in listed] == [
            ('DPTest', '2026-11-24T04:25:58.511'), ('ToDrop', '2026-11-24T04:10:37.791'),
            ('Music', '2026-11-24T04:10:37.733'), ('Music', '2026-11-24T04:03:55.123')]
        assert [x['StreamArn'] for x in s.list(TableName='Music')] == [MUSIC_NEW, MUSIC_OLD]
        assert [x['StreamArn'] for x in s.list(TableName='ToDrop')] == [TODROP]
        t = c.describe_table(TableName='Music')['Table']
        assert t['LatestStreamArn'] == MUSIC_NEW
        assert t['StreamSpecification'] == {'StreamEnabled': True, 'StreamViewType': 'KEYS_ONLY'}

        music_keys = [{'AttributeName': 'Artist', 'KeyType': 'HASH'},
                      {'AttributeName': 'Seq', 'KeyType': 'RANGE'}]
        for arn, status, view, keys, shard, start, end in (
                (MUSIC_OLD, 'DISABLED', 'NEW_AND_OLD_IMAGES', music_keys,
                 'shardId-00000001795493035388-52765e91', 1, 26),
                (TODROP, 'DISABLED', 'KEYS_ONLY', [{'AttributeName': 'k', 'KeyType': 'HASH'}],
                 'shardId-00000001795493437792-3153f5d2', 54, 54),
                (DPTEST, 'DISABLED', 'KEYS_ONLY', [{'AttributeName': 'id', 'KeyType': 'HASH'}],
                 'shardId-00000001795494358581-f5fc9166', 66, 66),
                (MUSIC_NEW, 'ENABLED', 'KEYS_ONLY', music_keys,
                 'shardId-00000001795493437734-4a0f34cb', 52, None)):
            d = s.describe(arn)
            assert (d['StreamArn'], d['StreamStatus'], d['StreamViewType'], d['KeySchema'],
                    d['TableName']) == (arn, status, view, keys, arn.split('/')[1])
            assert d['StreamLabel'] == arn.rsplit('/', 1)[1]
            first = d['Shards'][0]
            assert first['ShardId'] == shard and 'ParentShardId' not in first
            rng = {'StartingSequenceNumber': '%021d' % start}
            if end is not None:
                rng['EndingSequenceNumber'] = '%021d' % end
            if arn == MUSIC_NEW and (pinned or len(d['Shards']) == 1):
                assert d['Shards'] == [first] and first['SequenceNumberRange'] == rng
            elif arn == MUSIC_NEW:   # the oracle rolled the shard over (4 h after 04:10:37)
                assert first['SequenceNumberRange'] == dict(
                    rng, EndingSequenceNumber='%021d' % 66)
            else:
                assert d['Shards'] == [first] and first['SequenceNumberRange'] == rng

        rows = fixture_records()
        assert sorted(len(v) for v in rows.values()) == [1, 3, 26]
        old = s.read_all(MUSIC_OLD)
        check_against_fixture(old, rows[MUSIC_OLD])
        assert seqs(old) == list(range(1, 27))
        check_against_fixture(s.read_all(TODROP), rows[TODROP])
        assert s.read_all(DPTEST) == []
        cur = s.read_all(MUSIC_NEW)
        check_against_fixture(cur, rows[MUSIC_NEW])
        assert seqs(cur) == [52, 56, 66]
        # TRIM_HORIZON of the current shard is its first record
        recs, _ = s.read_shard(MUSIC_NEW, 'shardId-00000001795493437734-4a0f34cb',
                               'EndingSequenceNumber' in s.shards(MUSIC_NEW)[0]
                               ['SequenceNumberRange'])
        assert seqs(recs) == [52, 56, 66]

        c.put_item(TableName='Music', Item={'Artist': {'S': 'NEXT'}, 'Seq': {'N': '1'}})
        cur = s.read_all(MUSIC_NEW)
        # 4 hours after the shard opened it rolls over, and opening the child moves the counter
        # on by one (DynamoDB Local: the child starts at 68, not 67); ddblocal's clock is pinned
        # before that
        rolled = not pinned and time.time() * 1000 - MUSIC_NEW_SHARD_MS >= 4 * HOUR
        assert seqs(cur) == [52, 56, 66, 68 if rolled else 67]
        if rolled:
            child = s.shards(MUSIC_NEW)[-1]
            assert child['ParentShardId'] == 'shardId-00000001795493437734-4a0f34cb'
            assert child['SequenceNumberRange']['StartingSequenceNumber'] == '%021d' % 68
        assert cur[-1]['eventName'] == 'INSERT'
        assert cur[-1]['dynamodb']['Keys'] == {'Artist': {'S': 'NEXT'}, 'Seq': {'N': '1'}}
        assert cur[-1]['dynamodb']['SizeBytes'] == 15
        assert cur[-1]['dynamodb']['StreamViewType'] == 'KEYS_ONLY'
        assert 'NewImage' not in cur[-1]['dynamodb']
        if pinned:
            assert len(s.shards(MUSIC_NEW)) == 1
        # the old stream is untouched by the write
        assert seqs(s.read_all(MUSIC_OLD)) == list(range(1, 27))
    finally:
        srv.stop()


# =============================================================================================
# (3) cross: ddblocal writes the stream, DynamoDB Local reads it, and back

def other_servers(target):
    oracle = os.environ.get('DDB_ORACLE')
    if target.kind != 'ddblocal' or not oracle:
        pytest.skip('needs --ddblocal and DDB_ORACLE=<path of dynamodb-local>')
    return os.path.abspath(target.binary), os.path.abspath(oracle)


def run_on(kind, exe, path, fn):
    srv = start_on(kind, exe, path)
    try:
        return fn(make_client(srv.url), Streams(srv.url))
    finally:
        srv.stop()


def test_cross_stream_ddblocal_writes_oracle_reads(target, tmp_path):
    ddblocal, oracle = other_servers(target)

    def write(c, s):
        arn = create_table(c, 'Cross', 'NEW_AND_OLD_IMAGES')
        ev = workload(c, 'Cross')
        recs = s.read_all(arn)
        assert summary(recs) == ev
        assert strictly_increasing(seqs(recs))
        return arn, recs, s.describe(arn)
    arn, recs, desc = run_on('ddblocal', ddblocal, tmp_path, write)

    def read(c, s):
        assert [x['StreamArn'] for x in s.list()] == [arn]
        assert s.describe(arn) == desc
        got = s.read_all(arn)
        assert got == recs            # eventID, names, keys, images, sizes, numbers, times
        c.put_item(TableName='Cross', Item={'pk': {'S': 'ora'}, 'sk': {'N': '7'},
                                            'x': {'S': 'from DynamoDB Local'}})
        c.delete_item(TableName='Cross', Key={'pk': {'S': 'e'}, 'sk': {'N': '5'}})
        after = s.read_all(arn)
        assert after[:len(recs)] == recs
        return after[len(recs):]
    added = run_on('oracle', oracle, tmp_path, read)
    assert [(r['eventName'], r['dynamodb']['Keys']) for r in added] == [
        ('INSERT', K('ora', 7)), ('REMOVE', K('e', 5))]
    assert added[0]['dynamodb']['NewImage'] == I('ora', 7, x={'S': 'from DynamoDB Local'})
    assert seqs(added) == [seqs(recs)[-1] + 1, seqs(recs)[-1] + 2]

    def reread(c, s):
        got = s.read_all(arn)
        assert got == recs + added
        c.put_item(TableName='Cross', Item={'pk': {'S': 'again'}, 'sk': {'N': '1'}})
        last = s.read_all(arn)[-1]
        assert int(last['dynamodb']['SequenceNumber']) == seqs(added)[-1] + 1
    run_on('ddblocal', ddblocal, tmp_path, reread)


def test_cross_stream_oracle_writes_ddblocal_reads(target, tmp_path):
    """The same workload written by DynamoDB Local reads the same in ddblocal."""
    ddblocal, oracle = other_servers(target)

    def write(c, s):
        arn = create_table(c, 'Cross', 'NEW_AND_OLD_IMAGES')
        ev = workload(c, 'Cross')
        recs = s.read_all(arn)
        assert summary(recs) == ev
        return arn, recs, s.describe(arn)
    arn, recs, desc = run_on('oracle', oracle, tmp_path, write)

    def read(c, s):
        assert s.describe(arn) == desc
        assert s.read_all(arn) == recs
        c.put_item(TableName='Cross', Item={'pk': {'S': 'ddb'}, 'sk': {'N': '1'}})
        return s.read_all(arn)[len(recs):]
    added = run_on('ddblocal', ddblocal, tmp_path, read)
    assert seqs(added) == [seqs(recs)[-1] + 1]

    def reread(c, s):
        assert s.read_all(arn) == recs + added
    run_on('oracle', oracle, tmp_path, reread)


# =============================================================================================
# (4) the AWS CLI reads the stream

_cli_keys = [0]


@pytest.mark.skipif(not os.path.exists(AWS) and not shutil.which('aws'),
                    reason='AWS CLI not installed')
def test_aws_cli_reads_every_change(endpoint):
    _cli_keys[0] += 1
    key = 'clistream%d%d' % (os.getpid() % 100000, _cli_keys[0])   # a database of its own
    env = dict(os.environ, AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY='y',
               AWS_DEFAULT_REGION='us-east-1', AWS_PAGER='', AWS_MAX_ATTEMPTS='1',
               AWS_CONFIG_FILE='/dev/null', AWS_SHARED_CREDENTIALS_FILE='/dev/null')

    def aws(*args):
        p = subprocess.run([AWS if os.path.exists(AWS) else 'aws', 'dynamodbstreams', *args,
                            '--endpoint-url', endpoint, '--output', 'json'],
                           env=env, capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stderr
        return json.loads(p.stdout)

    c = make_client(endpoint, key=key)
    arn = create_table(c, 'CliStream', 'NEW_AND_OLD_IMAGES')
    ev = workload(c, 'CliStream')

    listed = aws('list-streams', '--table-name', 'CliStream')['Streams']
    assert [x['StreamArn'] for x in listed] == [arn]
    assert listed[0]['TableName'] == 'CliStream'
    assert aws('list-streams')['Streams'] == listed
    d = aws('describe-stream', '--stream-arn', arn)['StreamDescription']
    assert d['StreamStatus'] == 'ENABLED' and d['StreamViewType'] == 'NEW_AND_OLD_IMAGES'
    assert d['KeySchema'] == [{'AttributeName': 'pk', 'KeyType': 'HASH'},
                              {'AttributeName': 'sk', 'KeyType': 'RANGE'}]
    assert len(d['Shards']) == 1
    shard = d['Shards'][0]
    it = aws('get-shard-iterator', '--stream-arn', arn, '--shard-id', shard['ShardId'],
             '--shard-iterator-type', 'TRIM_HORIZON')['ShardIterator']
    recs = []
    for _ in range(20):
        page = aws('get-records', '--shard-iterator', it, '--limit', '4')
        recs += page['Records']
        it = page['NextShardIterator']   # an open shard always has one
        if not page['Records']:
            break
    assert summary(recs) == ev
    numbers = seqs(recs)
    assert strictly_increasing(numbers)
    assert numbers[0] >= int(shard['SequenceNumberRange']['StartingSequenceNumber'])
    for r in recs:
        assert r['eventSource'] == 'aws:dynamodb' and r['eventVersion'] == '1.1'
        assert r['dynamodb']['StreamViewType'] == 'NEW_AND_OLD_IMAGES'
        assert r['dynamodb']['SizeBytes'] > 0
    # AFTER_SEQUENCE_NUMBER of the fourth record gives the rest
    it = aws('get-shard-iterator', '--stream-arn', arn, '--shard-id', shard['ShardId'],
             '--shard-iterator-type', 'AFTER_SEQUENCE_NUMBER',
             '--sequence-number', recs[3]['dynamodb']['SequenceNumber'])['ShardIterator']
    rest = aws('get-records', '--shard-iterator', it)['Records']
    assert [r['eventID'] for r in rest] == [r['eventID'] for r in recs[4:]]
    # LATEST then a write: only that write
    it = aws('get-shard-iterator', '--stream-arn', arn, '--shard-id', shard['ShardId'],
             '--shard-iterator-type', 'LATEST')['ShardIterator']
    c.put_item(TableName='CliStream', Item={'pk': {'S': 'late'}, 'sk': {'N': '9'}})
    late = aws('get-records', '--shard-iterator', it)['Records']
    assert summary(late) == [('INSERT', K('late', 9), K('late', 9), None)]
    assert int(late[0]['dynamodb']['SequenceNumber']) > numbers[-1]
