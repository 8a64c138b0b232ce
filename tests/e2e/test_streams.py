"""DynamoDB Streams, black box: StreamSpecification in CreateTable/UpdateTable/DescribeTable, the
DynamoDB Streams API (ListStreams, DescribeStream, GetShardIterator, GetRecords) and which writes
produce which records.

Every expectation here was observed on DynamoDB Local 1.25.1 (the oracle); see
shared/reference/dynamodb-local.md §10.11 (sm/ss/us tables), §11 (streams), §12 (TTL records),
§16 #7 and #9 (bugs ddblocal does not copy: xfailed on the oracle, strict).

Most tests run in a database of their own (a fresh access key: DynamoDB Local keeps one database
per access key), so sequence numbers and ListStreams answers are exact.

Behaviours observed on the oracle that the reference does not describe (pinned below):
- Sequence counter: one AtomicLong-like counter c per database, starting at 0. Creating a shard
  (CreateTable or UpdateTable enabling a stream) does c += 1 and the shard starts at c; every item
  change (a write that would produce an INSERT/MODIFY/REMOVE) takes c and then c += 1, on EVERY
  table, with or without a stream (a put to a stream-less table consumes a number). Writes that
  change nothing (identical overwrite, delete of a missing item, failed condition, UpdateItem
  that changes nothing) consume nothing. So two tables created back to back start at 1 and 2 and
  the first record is 2; a table created after record 1 starts at 3 (test_sequence_*).
- A closed shard without records has EndingSequenceNumber = StartingSequenceNumber.
- ListStreams pages in ARN (StreamID) string order: rows with ARN > ExclusiveStartStreamArn, the
  first Limit of them in ARN order; the page is then sorted newest first; LastEvaluatedStreamArn
  is the page's greatest ARN when more rows follow. ListStreams Limit > 100 has its own message.
- DescribeStream: "Invalid StreamArn" when StreamArn is missing, Limit > 100 message,
  ExclusiveStartShardId length 28..65; shards listed are those with ShardId > ExclusiveStartShardId.
- GetShardIterator check order and messages: "No ShardId specified.", "Invalid
  ShardIteratorType.", "...streamArn cannot be empty or null.", SequenceNumber length 21..40,
  "Invalid SequenceNumber for the shard" (below the shard's start); a number that is not a Java
  long (e.g. 999999999999999999999 or letters) gives 500 (§16 #7).
- GetRecords: iterator parse -> expiry -> Limit; an iterator is valid while its creation time is
  within 15 minutes of now in EITHER direction; an unknown shard in the iterator is 400
  ResourceNotFoundException "Invalid ShardId in ShardIterator"; a position before the shard's
  first record is 400 TrimmedDataAccessException.
- BatchWriteItem applies the tables of RequestItems in Java HashMap order of the table names
  (default capacity 16), the requests of one table in request order.
- UpdateItem that changes nothing writes no record; UpdateItem on a missing key (even REMOVE
  only) creates the item: INSERT.
"""
import base64
import json
import os
import re
import tempfile
import time

import pytest
from botocore.exceptions import ClientError

from conftest import make_client, Raw

ON_ORACLE = "config.getoption('--oracle') is not None"

VALIDATION = 'com.amazon.coral.validate#ValidationException'
NOT_FOUND = 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException'
EXPIRED = 'com.amazonaws.dynamodb.v20120810#ExpiredIteratorException'
TRIMMED = 'com.amazonaws.dynamodb.v20120810#TrimmedDataAccessException'
STREAMS = 'DynamoDBStreams_20120810'

MSG_NO_VIEW = ('Invalid StreamViewType: Stream ViewType must not be null or empty when enabling '
               'streams.')
MSG_VIEW_WHEN_DISABLED = ('Invalid StreamViewType: Stream StreamEnabled was false but a '
                          'StreamViewType was present.')
MSG_ENABLED_NULL = 'Stream StreamEnabled was null'
MSG_ALREADY = 'Table already has an enabled stream'
MSG_NOTHING = 'Table has no stream to disable'
MSG_NO_TABLE = 'Cannot do operations on a non-existent table'
MSG_TRIMMED = 'The operation attempted to read past the oldest stream record in a shard.'

VIEWS = ['KEYS_ONLY', 'NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES']
LABEL = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$')
SHARD = re.compile(r'^shardId-\d{20}-[0-9a-f]{8}$')
UUID = re.compile(r'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')
FAKE_SHARD = 'shardId-00000000000000000000-00000000'
AUTH = ('AWS4-HMAC-SHA256 Credential={key}/20240101/us-east-1/dynamodb/aws4_request, '
        'SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=abc')


# ---------------------------------------------------------------------------------------------
# helpers

_keys = [0]


class DB:
    """A database of its own: boto3 dynamodb + dynamodbstreams clients and raw calls, all with
    one fresh access key."""

    def __init__(self, url):
        _keys[0] += 1
        self.key = 'st%d%d' % (os.getpid() % 100000, _keys[0])
        self.ddb = make_client(url, key=self.key)
        self.streams = make_client(url, 'dynamodbstreams', key=self.key)
        self.raw = Raw(url)

    def call(self, op, body, prefix=None):
        """(status, parsed body) of a raw request; stream operations use the streams target."""
        if prefix is None:
            prefix = STREAMS if op in ('ListStreams', 'DescribeStream', 'GetShardIterator',
                                       'GetRecords') else 'DynamoDB_20120810'
        st, _, body, _ = self.raw.call(op, body, target_prefix=prefix,
                                       auth=AUTH.format(key=self.key))
        return st, body

    def call_ordered(self, op, body):
        """Like call, but the body parsed into lists of (name, value) pairs (member order)."""
        prefix = STREAMS if op in ('GetRecords',) else 'DynamoDB_20120810'
        st, _, _, payload = self.raw.call(op, body, target_prefix=prefix,
                                          auth=AUTH.format(key=self.key))
        return st, json.loads(payload, object_pairs_hook=lambda pairs: pairs)

    def err(self, op, body):
        st, b = self.call(op, body)
        return st, b.get('__type'), b.get('Message')

    # tables ---------------------------------------------------------------------------------
    def create(self, name, view=None, keys=(('pk', 'S'),), enabled=True):
        body = {'TableName': name,
                'KeySchema': [{'AttributeName': n, 'KeyType': 'HASH' if i == 0 else 'RANGE'}
                              for i, (n, _) in enumerate(keys)],
                'AttributeDefinitions': [{'AttributeName': n, 'AttributeType': t}
                                         for n, t in keys],
                'BillingMode': 'PAY_PER_REQUEST'}
        if view:
            body['StreamSpecification'] = {'StreamEnabled': enabled, 'StreamViewType': view}
        return self.ddb.create_table(**body)['TableDescription']

    def enable(self, name, view='KEYS_ONLY'):
        return self.ddb.update_table(TableName=name, StreamSpecification={
            'StreamEnabled': True, 'StreamViewType': view})['TableDescription']

    def disable(self, name):
        return self.ddb.update_table(TableName=name, StreamSpecification={
            'StreamEnabled': False})['TableDescription']

    def arn(self, name):
        return self.ddb.describe_table(TableName=name)['Table'].get('LatestStreamArn')

    def put(self, name, pk, **attrs):
        item = {'pk': {'S': pk}}
        item.update(attrs)
        self.ddb.put_item(TableName=name, Item=item)

    # streams --------------------------------------------------------------------------------
    def describe(self, arn, **kw):
        return self.streams.describe_stream(StreamArn=arn, **kw)['StreamDescription']

    def shard(self, arn):
        return self.describe(arn)['Shards'][-1]['ShardId']

    def iterator(self, arn, typ='TRIM_HORIZON', shard=None, seq=None):
        kw = {'SequenceNumber': seq} if seq is not None else {}
        return self.streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard or self.shard(arn), ShardIteratorType=typ,
            **kw)['ShardIterator']

    def get(self, it, **kw):
        st, b = self.call('GetRecords', dict(ShardIterator=it, **kw))
        assert st == 200, b
        return b

    def records(self, table_or_arn, typ='TRIM_HORIZON', seq=None):
        arn = table_or_arn if table_or_arn.startswith('arn:') else self.arn(table_or_arn)
        return self.get(self.iterator(arn, typ, seq=seq))['Records']

    def seqs(self, table_or_arn):
        return [(r['eventName'], int(r['dynamodb']['SequenceNumber']))
                for r in self.records(table_or_arn)]

    def starts(self, table_or_arn):
        arn = table_or_arn if table_or_arn.startswith('arn:') else self.arn(table_or_arn)
        return [int(s['SequenceNumberRange']['StartingSequenceNumber'])
                for s in self.describe(arn)['Shards']]


@pytest.fixture
def db(endpoint):
    return DB(endpoint)


def seqnum(n):
    return '%021d' % n


def decode_iterator(it):
    """(arn, version, shard id, sequence number, creation ms) of a DynamoDB Local iterator."""
    arn, ver, payload = it.split('|')
    shard, seq, ms = base64.b64decode(payload).decode().split('|')
    return arn, ver, shard, seq, ms


def forge(arn, shard, seq=1, ms=None, ver='001'):
    ms = int(time.time() * 1000) if ms is None else ms
    payload = '%s|%021d|%030d' % (shard, seq, ms)
    return '%s|%s|%s' % (arn, ver, base64.b64encode(payload.encode()).decode())


def java_hash(s):
    """Java's String.hashCode (UTF-16 units, 32-bit wrap-around)."""
    h = 0
    data = s.encode('utf-16-be')
    for i in range(0, len(data), 2):
        h = (31 * h + int.from_bytes(data[i:i + 2], 'big')) & 0xffffffff
    return h


def hashmap_order(names, capacity=16):
    """Iteration order of a java.util.HashMap (default capacity 16, doubled above 0.75 x
    capacity entries) filled with `names` in this order."""
    n = len(names)
    while n > 0.75 * capacity:
        capacity *= 2

    def bucket(s):
        h = java_hash(s)
        return (h ^ (h >> 16)) & (capacity - 1)
    return [name for _, _, name in sorted((bucket(s), i, s) for i, s in enumerate(names))]


def item_size(item):
    """itemSize of §10.8 for S, B, BOOL, NULL, L, M, SS and small integers N (1 + digits/2)."""
    def val(v):
        (t, x), = v.items()
        if t == 'S':
            return len(x.encode())
        if t == 'B':
            return len(x) if isinstance(x, bytes) else len(base64.b64decode(x))
        if t in ('BOOL', 'NULL'):
            return 1
        if t == 'SS':
            return sum(len(e.encode()) for e in x)
        if t == 'N':
            return 1 + (len(x.lstrip('0') or '0') + 1) // 2
        if t == 'L':
            return 3 + sum(1 + val(e) for e in x)
        if t == 'M':
            return 3 + sum(1 + len(k.encode()) + val(e) for k, e in x.items())
        raise AssertionError(t)
    return sum(len(k.encode()) + val(v) for k, v in item.items())


# ---------------------------------------------------------------------------------------------
# StreamSpecification in CreateTable, UpdateTable, DescribeTable

def check_stream_desc(desc, table, view):
    assert desc['StreamSpecification'] == {'StreamEnabled': True, 'StreamViewType': view}
    label = desc['LatestStreamLabel']
    assert LABEL.match(label), label
    assert desc['LatestStreamArn'] == (
        'arn:aws:dynamodb:ddblocal:000000000000:table/%s/stream/%s' % (table, label))


@pytest.mark.parametrize('view', VIEWS)
def test_create_table_with_stream(db, view):
    desc = db.create('tbl', view)
    check_stream_desc(desc, 'tbl', view)
    table = db.ddb.describe_table(TableName='tbl')['Table']
    check_stream_desc(table, 'tbl', view)
    assert table['LatestStreamArn'] == desc['LatestStreamArn']


@pytest.mark.parametrize('view', VIEWS)
def test_update_table_enables_stream(db, view):
    desc = db.create('tbl')
    assert 'StreamSpecification' not in desc and 'LatestStreamArn' not in desc
    desc = db.enable('tbl', view)
    check_stream_desc(desc, 'tbl', view)
    check_stream_desc(db.ddb.describe_table(TableName='tbl')['Table'], 'tbl', view)


def test_create_table_stream_disabled_has_no_stream(db):
    db.create('tbl', None)
    st, b = db.call('CreateTable', {
        'TableName': 'tb2', 'KeySchema': [{'AttributeName': 'pk', 'KeyType': 'HASH'}],
        'AttributeDefinitions': [{'AttributeName': 'pk', 'AttributeType': 'S'}],
        'BillingMode': 'PAY_PER_REQUEST', 'StreamSpecification': {'StreamEnabled': False}})
    assert st == 200
    for k in ('StreamSpecification', 'LatestStreamArn', 'LatestStreamLabel'):
        assert k not in b['TableDescription']
    assert db.streams.list_streams()['Streams'] == []


SPEC_ERRORS = [
    ({'StreamEnabled': True}, MSG_NO_VIEW),
    ({'StreamEnabled': True, 'StreamViewType': ''}, MSG_NO_VIEW),
    ({'StreamEnabled': True, 'StreamViewType': 'BOGUS'}, 'Invalid StreamViewType: BOGUS'),
    ({'StreamEnabled': True, 'StreamViewType': 'keys_only'}, 'Invalid StreamViewType: keys_only'),
    ({'StreamEnabled': False, 'StreamViewType': 'KEYS_ONLY'}, MSG_VIEW_WHEN_DISABLED),
    ({'StreamViewType': 'KEYS_ONLY'}, MSG_ENABLED_NULL),
    ({}, MSG_ENABLED_NULL),
]


@pytest.mark.parametrize('spec,message', SPEC_ERRORS)
def test_create_table_stream_spec_errors(db, spec, message):
    assert db.err('CreateTable', {
        'TableName': 'tbl', 'KeySchema': [{'AttributeName': 'pk', 'KeyType': 'HASH'}],
        'AttributeDefinitions': [{'AttributeName': 'pk', 'AttributeType': 'S'}],
        'BillingMode': 'PAY_PER_REQUEST', 'StreamSpecification': spec}) == (400, VALIDATION,
                                                                            message)
    assert db.ddb.list_tables()['TableNames'] == []
    assert db.streams.list_streams()['Streams'] == []   # and no stream was created


@pytest.mark.parametrize('enabled_first', [False, True])
@pytest.mark.parametrize('spec,message', SPEC_ERRORS)
def test_update_table_stream_spec_errors(db, spec, message, enabled_first):
    """The specification's own checks come before the table's state (already enabled)."""
    db.create('tbl', 'NEW_IMAGE' if enabled_first else None)
    assert db.err('UpdateTable', {'TableName': 'tbl', 'StreamSpecification': spec}) == (
        400, VALIDATION, message)


@pytest.mark.parametrize('view', VIEWS)
def test_enable_when_enabled(db, view):
    db.create('tbl', 'KEYS_ONLY')
    arn = db.arn('tbl')
    assert db.err('UpdateTable', {'TableName': 'tbl', 'StreamSpecification': {
        'StreamEnabled': True, 'StreamViewType': view}}) == (400, VALIDATION, MSG_ALREADY)
    assert db.arn('tbl') == arn


def test_disable_when_never_enabled(db):
    db.create('tbl')
    assert db.err('UpdateTable', {'TableName': 'tbl', 'StreamSpecification': {
        'StreamEnabled': False}}) == (400, VALIDATION, MSG_NOTHING)


def test_disable_twice(db):
    db.create('tbl', 'KEYS_ONLY')
    db.disable('tbl')
    assert db.err('UpdateTable', {'TableName': 'tbl', 'StreamSpecification': {
        'StreamEnabled': False}}) == (400, VALIDATION, MSG_NOTHING)


@pytest.mark.parametrize('spec', [{'StreamEnabled': False},
                                  {'StreamEnabled': True, 'StreamViewType': 'BAD'}])
def test_update_stream_unknown_table(db, spec):
    assert db.err('UpdateTable', {'TableName': 'nope', 'StreamSpecification': spec}) == (
        400, NOT_FOUND, MSG_NO_TABLE)
    assert db.streams.list_streams()['Streams'] == []


def test_disable_keeps_latest_arn_and_label(db):
    created = db.create('tbl', 'NEW_AND_OLD_IMAGES')
    desc = db.disable('tbl')
    assert 'StreamSpecification' not in desc
    assert desc['LatestStreamArn'] == created['LatestStreamArn']
    assert desc['LatestStreamLabel'] == created['LatestStreamLabel']
    table = db.ddb.describe_table(TableName='tbl')['Table']
    assert 'StreamSpecification' not in table
    assert table['LatestStreamArn'] == created['LatestStreamArn']
    assert table['LatestStreamLabel'] == created['LatestStreamLabel']


def test_reenable_creates_new_stream(db):
    first = db.create('tbl', 'KEYS_ONLY')
    db.disable('tbl')
    time.sleep(0.01)
    second = db.enable('tbl', 'OLD_IMAGE')
    check_stream_desc(second, 'tbl', 'OLD_IMAGE')
    assert second['LatestStreamArn'] != first['LatestStreamArn']
    assert second['LatestStreamLabel'] > first['LatestStreamLabel']
    old = db.describe(first['LatestStreamArn'])
    assert (old['StreamStatus'], old['StreamViewType']) == ('DISABLED', 'KEYS_ONLY')
    new = db.describe(second['LatestStreamArn'])
    assert (new['StreamStatus'], new['StreamViewType']) == ('ENABLED', 'OLD_IMAGE')
    assert new['Shards'][0]['ShardId'] != old['Shards'][0]['ShardId']


def test_delete_table_response_keeps_spec_and_disables_stream(db):
    created = db.create('tbl', 'NEW_IMAGE')
    db.put('tbl', 'a')
    desc = db.ddb.delete_table(TableName='tbl')['TableDescription']
    assert desc['StreamSpecification'] == {'StreamEnabled': True, 'StreamViewType': 'NEW_IMAGE'}
    assert desc['LatestStreamArn'] == created['LatestStreamArn']
    arn = created['LatestStreamArn']
    d = db.describe(arn)
    assert d['StreamStatus'] == 'DISABLED'
    rng = d['Shards'][0]['SequenceNumberRange']
    assert rng == {'StartingSequenceNumber': seqnum(1), 'EndingSequenceNumber': seqnum(1)}
    # records stay readable; the closed shard's last page has no NextShardIterator
    page = db.get(db.iterator(arn))
    assert [r['eventName'] for r in page['Records']] == ['INSERT']
    assert 'NextShardIterator' not in page
    assert [s['StreamArn'] for s in db.streams.list_streams()['Streams']] == [arn]


def test_recreate_lists_all_incarnations(db):
    arns = []
    for view in ('KEYS_ONLY', 'NEW_IMAGE', 'OLD_IMAGE'):
        arns.append(db.create('tbl', view)['LatestStreamArn'])
        db.ddb.delete_table(TableName='tbl')
        time.sleep(0.01)
    db.create('tbl')
    listed = db.streams.list_streams(TableName='tbl')['Streams']
    assert [s['StreamArn'] for s in listed] == arns[::-1]
    assert all(db.describe(a)['StreamStatus'] == 'DISABLED' for a in arns)


@pytest.mark.xfail(ON_ORACLE, strict=True,
                   reason='DynamoDB Local 1.25.1 bug (reference §16 #9): a table re-created after '
                          'DeleteTable shows the previous incarnation\'s LatestStreamArn/Label')
def test_recreate_after_delete_has_no_stale_stream_arn(db):
    db.create('tbl', 'KEYS_ONLY')
    db.ddb.delete_table(TableName='tbl')
    desc = db.create('tbl')
    table = db.ddb.describe_table(TableName='tbl')['Table']
    for d in (desc, table):
        assert 'LatestStreamArn' not in d and 'LatestStreamLabel' not in d
        assert 'StreamSpecification' not in d


def test_recreate_after_delete_stale_arn_on_oracle(db, target):
    """What DynamoDB Local does (§16 #9), pinned only on the oracle."""
    if not target.is_oracle:
        pytest.skip('pins DynamoDB Local\'s bug, which ddblocal does not copy')
    old = db.create('tbl', 'KEYS_ONLY')
    db.ddb.delete_table(TableName='tbl')
    table = db.create('tbl')
    assert table['LatestStreamArn'] == old['LatestStreamArn']
    assert 'StreamSpecification' not in table


# ---------------------------------------------------------------------------------------------
# ListStreams

def test_list_streams_empty(db):
    assert db.call('ListStreams', {}) == (200, {'Streams': []})


def test_list_streams_entry_shape_newest_first(db):
    a = db.create('tba', 'KEYS_ONLY')
    time.sleep(0.01)
    db.create('tbn')
    b = db.create('tbb', 'NEW_IMAGE')
    st, body = db.call('ListStreams', {})
    assert st == 200
    assert body == {'Streams': [
        {'StreamArn': b['LatestStreamArn'], 'TableName': 'tbb',
         'StreamLabel': b['LatestStreamLabel']},
        {'StreamArn': a['LatestStreamArn'], 'TableName': 'tba',
         'StreamLabel': a['LatestStreamLabel']}]}


@pytest.mark.parametrize('name,expect', [('tba', ['tba']), ('tbn', []), ('nope', []),
                                         ('ab', [])])
def test_list_streams_table_filter(db, name, expect):
    db.create('tba', 'KEYS_ONLY')
    db.create('tbb', 'KEYS_ONLY')
    db.create('tbn')
    st, body = db.call('ListStreams', {'TableName': name})
    assert st == 200
    assert [s['TableName'] for s in body['Streams']] == expect


@pytest.fixture
def five_streams(db):
    """Streams created in the order tab_tc, tab_ta, tab_te, tab_tb, tab_td (ARN order is
    alphabetical, creation order is not)."""
    arns = {}
    for n in ['tc', 'ta', 'te', 'tb', 'td']:
        arns[n] = db.create('tab_' + n, 'KEYS_ONLY')['LatestStreamArn']
        time.sleep(0.005)
    return db, arns


def names_of(body):
    return [s['TableName'][4:] for s in body['Streams']]


@pytest.mark.parametrize('limit,names,last', [
    (None, ['td', 'tb', 'te', 'ta', 'tc'], None),
    (1, ['ta'], 'ta'),
    (2, ['tb', 'ta'], 'tb'),
    (3, ['tb', 'ta', 'tc'], 'tc'),
    (4, ['td', 'tb', 'ta', 'tc'], 'td'),
    (5, ['td', 'tb', 'te', 'ta', 'tc'], None),
    (100, ['td', 'tb', 'te', 'ta', 'tc'], None),
])
def test_list_streams_limit_pages_in_arn_order(five_streams, limit, names, last):
    db, arns = five_streams
    st, body = db.call('ListStreams', {'Limit': limit} if limit else {})
    assert st == 200
    assert names_of(body) == names
    assert body.get('LastEvaluatedStreamArn') == (arns[last] if last else None)


@pytest.mark.parametrize('start,limit,names,last', [
    ('td', None, ['te'], None),
    ('tb', None, ['td', 'te', 'tc'], None),
    ('tb', 2, ['td', 'tc'], 'td'),
    ('te', None, [], None),
    ('ta', None, ['td', 'tb', 'te', 'tc'], None),
    ('ta', 2, ['tb', 'tc'], 'tc'),
    ('tc', 2, ['td', 'te'], None),
])
def test_list_streams_exclusive_start(five_streams, start, limit, names, last):
    db, arns = five_streams
    req = {'ExclusiveStartStreamArn': arns[start]}
    if limit:
        req['Limit'] = limit
    st, body = db.call('ListStreams', req)
    assert st == 200
    assert names_of(body) == names
    assert body.get('LastEvaluatedStreamArn') == (arns[last] if last else None)


@pytest.mark.parametrize('start,names', [
    ('x', []),
    ('zzz', []),
    ('B', ['td', 'tb', 'te', 'ta', 'tc']),
    ('arn:aws:dynamodb:ddblocal:000000000000:table/tab_tc', ['td', 'te', 'tc']),
    ('arn:aws:dynamodb:ddblocal:000000000000:table/tab_tc/stream/2099-01-01T00:00:00.000',
     ['td', 'te']),
])
def test_list_streams_exclusive_start_is_a_string_bound(five_streams, start, names):
    db, _ = five_streams
    st, body = db.call('ListStreams', {'ExclusiveStartStreamArn': start})
    assert st == 200
    assert names_of(body) == names


def test_list_streams_paginate_all(five_streams):
    db, arns = five_streams
    seen, req = [], {'Limit': 2}
    while True:
        body = db.streams.list_streams(**req)
        seen += [s['StreamArn'] for s in body['Streams']]
        if 'LastEvaluatedStreamArn' not in body:
            break
        req['ExclusiveStartStreamArn'] = body['LastEvaluatedStreamArn']
    assert sorted(seen) == sorted(arns.values()) and len(seen) == 5


def test_list_streams_one_table_several_streams(db):
    arns = []
    for view in VIEWS[:3]:
        arns.append(db.enable('tbl', view)['LatestStreamArn'] if arns
                    else db.create('tbl', view)['LatestStreamArn'])
        db.disable('tbl')
        time.sleep(0.01)
    body = db.streams.list_streams(TableName='tbl')
    assert [s['StreamArn'] for s in body['Streams']] == arns[::-1]
    body = db.streams.list_streams(TableName='tbl', Limit=2)
    assert [s['StreamArn'] for s in body['Streams']] == [arns[1], arns[0]]
    assert body['LastEvaluatedStreamArn'] == arns[1]
    body = db.streams.list_streams(TableName='tbl', Limit=2, ExclusiveStartStreamArn=arns[1])
    assert [s['StreamArn'] for s in body['Streams']] == [arns[2]]
    assert 'LastEvaluatedStreamArn' not in body


@pytest.mark.parametrize('limit,message', [
    (0, "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1"),
    (-1, "1 validation error detected: Value '-1' at 'limit' failed to satisfy constraint: "
         "Member must have value greater than or equal to 1"),
    (101, 'One or more parameter values were invalid: Limit cannot be greater than the maximum '
          'allowed size: 100'),
])
def test_list_streams_limit_errors(db, limit, message):
    assert db.err('ListStreams', {'Limit': limit}) == (400, VALIDATION, message)


# ---------------------------------------------------------------------------------------------
# DescribeStream

def test_describe_stream_shape(db):
    created = db.create('tbl', 'NEW_AND_OLD_IMAGES', keys=(('pk', 'S'), ('sk', 'N')))
    arn = created['LatestStreamArn']
    st, body = db.call('DescribeStream', {'StreamArn': arn})
    assert st == 200
    d = body['StreamDescription']
    assert list(d) == ['StreamArn', 'StreamLabel', 'StreamStatus', 'StreamViewType',
                       'CreationRequestDateTime', 'TableName', 'KeySchema', 'Shards']
    assert d['StreamArn'] == arn
    assert d['StreamLabel'] == created['LatestStreamLabel']
    assert (d['StreamStatus'], d['StreamViewType'], d['TableName']) == (
        'ENABLED', 'NEW_AND_OLD_IMAGES', 'tbl')
    assert d['KeySchema'] == [{'AttributeName': 'pk', 'KeyType': 'HASH'},
                              {'AttributeName': 'sk', 'KeyType': 'RANGE'}]
    # CreationRequestDateTime is the stream's creation instant (= the label, = CreateTable time)
    assert abs(d['CreationRequestDateTime'] - created['CreationDateTime'].timestamp()) < 1
    assert len(d['Shards']) == 1
    shard = d['Shards'][0]
    assert list(shard) == ['ShardId', 'SequenceNumberRange']
    assert SHARD.match(shard['ShardId']) and len(shard['ShardId']) == 37
    assert shard['SequenceNumberRange'] == {'StartingSequenceNumber': seqnum(1)}
    # the shard id's 20 digits are a creation time in epoch milliseconds
    ms = int(shard['ShardId'][8:28])
    assert abs(ms / 1000.0 - d['CreationRequestDateTime']) < 60


def test_describe_stream_closed_shard_after_disable(db):
    arn = db.create('tbl', 'KEYS_ONLY')['LatestStreamArn']
    db.put('tbl', 'a')
    db.put('tbl', 'b')
    db.disable('tbl')
    d = db.describe(arn)
    assert d['StreamStatus'] == 'DISABLED'
    assert d['Shards'][0]['SequenceNumberRange'] == {
        'StartingSequenceNumber': seqnum(1), 'EndingSequenceNumber': seqnum(2)}
    db.put('tbl', 'c')  # no record in the closed stream
    assert db.seqs(arn) == [('INSERT', 1), ('INSERT', 2)]


def test_describe_stream_empty_closed_shard(db):
    arn = db.create('tbl', 'KEYS_ONLY')['LatestStreamArn']
    db.disable('tbl')
    assert db.describe(arn)['Shards'][0]['SequenceNumberRange'] == {
        'StartingSequenceNumber': seqnum(1), 'EndingSequenceNumber': seqnum(1)}
    page = db.get(db.iterator(arn))
    assert page == {'Records': []}


@pytest.mark.parametrize('limit', [1, 100])
def test_describe_stream_limit_ok(db, limit):
    arn = db.create('tbl', 'KEYS_ONLY')['LatestStreamArn']
    assert len(db.describe(arn, Limit=limit)['Shards']) == 1


@pytest.mark.parametrize('how,count', [('lower', 1), ('same', 0), ('aaa', 1)])
def test_describe_stream_exclusive_start_shard(db, how, count):
    arn = db.create('tbl', 'KEYS_ONLY')['LatestStreamArn']
    sid = db.shard(arn)
    start = {'lower': FAKE_SHARD, 'same': sid, 'aaa': 'a' * 65}[how]
    assert len(db.describe(arn, ExclusiveStartShardId=start)['Shards']) == count


@pytest.mark.parametrize('body,status,typ,message', [
    ({}, 400, VALIDATION, 'Invalid StreamArn'),
    ({'StreamArn': ''}, 400, NOT_FOUND, 'Requested resource not found: Stream:  not found'),
    ({'StreamArn': 'x'}, 400, NOT_FOUND, 'Requested resource not found: Stream: x not found'),
    ({'StreamArn': 'arn:aws:dynamodb:ddblocal:000000000000:table/t/stream/2020-01-01T00:00:00.000'},
     400, NOT_FOUND, 'Requested resource not found: Stream: arn:aws:dynamodb:ddblocal:'
                     '000000000000:table/t/stream/2020-01-01T00:00:00.000 not found'),
    ({'StreamArn': 'x', 'Limit': 0}, 400, VALIDATION,
     "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member "
     "must have value greater than or equal to 1"),
    ({'StreamArn': 'x', 'Limit': 101}, 400, VALIDATION,
     'One or more parameter values were invalid: Limit cannot be greater than the maximum: 100'),
    ({'StreamArn': 'x', 'ExclusiveStartShardId': 'shardId-nope'}, 400, VALIDATION,
     "1 validation error detected: Value 'shardId-nope' at 'exclusiveStartShardId' failed to "
     "satisfy constraint: Member must have length greater than or equal to 28"),
    ({'StreamArn': 'x', 'ExclusiveStartShardId': 'a' * 66}, 400, VALIDATION,
     "1 validation error detected: Value '%s' at 'exclusiveStartShardId' failed to satisfy "
     "constraint: Member must have length less than or equal to 65" % ('a' * 66)),
    ({'StreamArn': 'x', 'Limit': 0, 'ExclusiveStartShardId': 'short'}, 400, VALIDATION,
     "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member "
     "must have value greater than or equal to 1"),
])
def test_describe_stream_errors(db, body, status, typ, message):
    assert db.err('DescribeStream', body) == (status, typ, message)


def test_describe_stream_wrong_suffix(db):
    arn = db.create('tbl', 'KEYS_ONLY')['LatestStreamArn']
    for bad in (arn + 'x', arn.replace('/tbl/', '/tbz/')):
        assert db.err('DescribeStream', {'StreamArn': bad}) == (
            400, NOT_FOUND, 'Requested resource not found: Stream: %s not found' % bad)


def test_describe_stream_boto3_not_found(db):
    with pytest.raises(ClientError) as e:
        db.streams.describe_stream(
            StreamArn='arn:aws:dynamodb:ddblocal:000000000000:table/x/stream/2020-01-01T00:00:00.000')
    assert e.value.response['Error']['Code'] == 'ResourceNotFoundException'


# ---------------------------------------------------------------------------------------------
# GetShardIterator

@pytest.fixture
def two_tables(db):
    """tab1 and tab2 (KEYS_ONLY) created back to back: shards start at 1 and 2. Then puts:
    tab1 k0 (2), k1 (3), k2 (4), tab2 x (5), tab1 k9 (6)."""
    db.create('tab1', 'KEYS_ONLY')
    db.create('tab2', 'KEYS_ONLY')
    for k in ('k0', 'k1', 'k2'):
        db.put('tab1', k)
    db.put('tab2', 'x')
    db.put('tab1', 'k9')
    return db


def test_sequence_two_tables(two_tables):
    db = two_tables
    assert db.starts('tab1') == [1] and db.starts('tab2') == [2]
    assert db.seqs('tab1') == [('INSERT', 2), ('INSERT', 3), ('INSERT', 4), ('INSERT', 6)]
    assert db.seqs('tab2') == [('INSERT', 5)]


@pytest.mark.parametrize('typ,seq,at,got', [
    ('TRIM_HORIZON', None, 2, [2, 3, 4, 6]),
    ('LATEST', None, 7, []),
    ('AT_SEQUENCE_NUMBER', 2, 2, [2, 3, 4, 6]),
    ('AT_SEQUENCE_NUMBER', 4, 4, [4, 6]),
    ('AT_SEQUENCE_NUMBER', 5, 5, [6]),
    ('AT_SEQUENCE_NUMBER', 6, 6, [6]),
    ('AT_SEQUENCE_NUMBER', 7, 7, []),
    ('AT_SEQUENCE_NUMBER', 8, 8, []),
    ('AFTER_SEQUENCE_NUMBER', 4, 5, [6]),
    ('AFTER_SEQUENCE_NUMBER', 5, 6, [6]),
    ('AFTER_SEQUENCE_NUMBER', 6, 7, []),
    ('AFTER_SEQUENCE_NUMBER', 7, 8, []),
])
def test_get_shard_iterator_types(two_tables, typ, seq, at, got):
    db = two_tables
    arn = db.arn('tab1')
    sid = db.shard(arn)
    it = db.iterator(arn, typ, seq=seqnum(seq) if seq is not None else None)
    i_arn, ver, i_shard, i_seq, ms = decode_iterator(it)
    assert (i_arn, ver, i_shard, i_seq) == (arn, '001', sid, seqnum(at))
    assert len(ms) == 30 and abs(int(ms) / 1000.0 - time.time()) < 60
    page = db.get(it)
    assert [int(r['dynamodb']['SequenceNumber']) for r in page['Records']] == got
    assert decode_iterator(page['NextShardIterator'])[3] == seqnum(max(got + [at - 1]) + 1)


def test_at_sequence_before_first_record_is_trimmed(two_tables):
    """tab1's shard starts at 1 but its first record is 2: an iterator at 1 is accepted, reading
    it is TrimmedDataAccessException."""
    db = two_tables
    it = db.iterator(db.arn('tab1'), 'AT_SEQUENCE_NUMBER', seq=seqnum(1))
    assert db.err('GetRecords', {'ShardIterator': it}) == (400, TRIMMED, MSG_TRIMMED)


@pytest.mark.parametrize('seq', [seqnum(0), '-' + '0' * 20, seqnum(1)])
def test_sequence_number_below_shard(two_tables, seq):
    db = two_tables
    arn = db.arn('tab2')  # starts at 2
    for typ in ('AT_SEQUENCE_NUMBER', 'AFTER_SEQUENCE_NUMBER'):
        assert db.err('GetShardIterator', {
            'StreamArn': arn, 'ShardId': db.shard(arn), 'ShardIteratorType': typ,
            'SequenceNumber': seq}) == (400, VALIDATION, 'Invalid SequenceNumber for the shard')


@pytest.mark.parametrize('seq', ['0' * 39 + '3', '+' + '0' * 19 + '3'])
def test_sequence_number_lenient_forms(two_tables, seq):
    db = two_tables
    arn = db.arn('tab1')
    it = db.iterator(arn, 'AT_SEQUENCE_NUMBER', seq=seq)
    assert decode_iterator(it)[3] == seqnum(3)


@pytest.mark.xfail(ON_ORACLE, strict=True,
                   reason='DynamoDB Local 1.25.1 bug (reference §16 #7): a sequence number that '
                          'is not a Java long gives 500 InternalFailure')
@pytest.mark.parametrize('seq', ['999999999999999999999', 'a' * 21])
@pytest.mark.parametrize('typ', ['AT_SEQUENCE_NUMBER', 'AFTER_SEQUENCE_NUMBER'])
def test_sequence_number_beyond_shard_is_400(db, seq, typ):
    arn = db.create('tbl', 'KEYS_ONLY')['LatestStreamArn']
    st, t, msg = db.err('GetShardIterator', {'StreamArn': arn, 'ShardId': db.shard(arn),
                                             'ShardIteratorType': typ, 'SequenceNumber': seq})
    assert (st, t) == (400, VALIDATION)
    assert msg in ('Invalid SequenceNumber for the shard',
                   'One or more parameter values were invalid: Invalid SequenceNumber')


def test_sequence_number_beyond_shard_500_on_oracle(db, target):
    if not target.is_oracle:
        pytest.skip('pins DynamoDB Local\'s bug, which ddblocal does not copy')
    arn = db.create('tbl', 'KEYS_ONLY')['LatestStreamArn']
    st, t, _ = db.err('GetShardIterator', {
        'StreamArn': arn, 'ShardId': db.shard(arn), 'ShardIteratorType': 'AT_SEQUENCE_NUMBER',
        'SequenceNumber': '999999999999999999999'})
    assert (st, t) == (500, 'com.amazonaws.dynamodb.v20120810#InternalFailure')


MSG_SEQ_SHORT = ("1 validation error detected: Value '%s' at 'sequenceNumber' failed to satisfy "
                 "constraint: Member must have length greater than or equal to 21")


@pytest.mark.parametrize('body,typ,message', [
    ({}, VALIDATION, 'No ShardId specified.'),
    ({'StreamArn': 'S'}, VALIDATION, 'No ShardId specified.'),
    ({'StreamArn': 'S', 'ShardIteratorType': 'LATEST'}, VALIDATION, 'No ShardId specified.'),
    ({'StreamArn': 'S', 'ShardId': 'H'}, VALIDATION, 'Invalid ShardIteratorType.'),
    ({'StreamArn': 'S', 'ShardId': 'H', 'ShardIteratorType': 'BAD'}, VALIDATION,
     'Invalid ShardIteratorType.'),
    ({'StreamArn': 'S', 'ShardId': 'H', 'ShardIteratorType': 'latest'}, VALIDATION,
     'Invalid ShardIteratorType.'),
    ({'StreamArn': 'x', 'ShardId': 'short', 'ShardIteratorType': 'BAD'}, VALIDATION,
     'Invalid ShardIteratorType.'),
    ({'StreamArn': 'S', 'ShardId': 'H', 'ShardIteratorType': 'AT_SEQUENCE_NUMBER'}, VALIDATION,
     'One or more parameter values were invalid: Invalid SequenceNumber'),
    ({'StreamArn': 'x', 'ShardId': 'H', 'ShardIteratorType': 'AFTER_SEQUENCE_NUMBER'},
     VALIDATION, 'One or more parameter values were invalid: Invalid SequenceNumber'),
    ({'StreamArn': 'S', 'ShardId': 'H', 'ShardIteratorType': 'LATEST', 'SequenceNumber': '1'},
     VALIDATION, 'One or more parameter values were invalid: SequenceNumber should not be '
                 'passed for this iterator type'),
    ({'StreamArn': 'x', 'ShardId': 'H', 'ShardIteratorType': 'TRIM_HORIZON',
      'SequenceNumber': seqnum(1)},
     VALIDATION, 'One or more parameter values were invalid: SequenceNumber should not be '
                 'passed for this iterator type'),
    ({'StreamArn': 'S', 'ShardId': 'H', 'ShardIteratorType': 'AT_SEQUENCE_NUMBER',
      'SequenceNumber': 'abc'}, VALIDATION, MSG_SEQ_SHORT % 'abc'),
    ({'StreamArn': 'S', 'ShardId': 'H', 'ShardIteratorType': 'AT_SEQUENCE_NUMBER',
      'SequenceNumber': ''}, VALIDATION, MSG_SEQ_SHORT % ''),
    ({'StreamArn': 'S', 'ShardId': 'H', 'ShardIteratorType': 'AT_SEQUENCE_NUMBER',
      'SequenceNumber': '1' * 20}, VALIDATION, MSG_SEQ_SHORT % ('1' * 20)),
    ({'StreamArn': 'S', 'ShardId': 'H', 'ShardIteratorType': 'AT_SEQUENCE_NUMBER',
      'SequenceNumber': '1' * 41}, VALIDATION,
     "1 validation error detected: Value '%s' at 'sequenceNumber' failed to satisfy constraint: "
     "Member must have length less than or equal to 40" % ('1' * 41)),
    ({'ShardId': FAKE_SHARD, 'ShardIteratorType': 'LATEST'}, VALIDATION,
     'One or more parameter values were invalid: streamArn cannot be empty or null.'),
    ({'StreamArn': 'x', 'ShardId': FAKE_SHARD, 'ShardIteratorType': 'LATEST'}, NOT_FOUND,
     'Stream does not exist'),
    ({'StreamArn': 'x', 'ShardId': FAKE_SHARD, 'ShardIteratorType': 'AT_SEQUENCE_NUMBER',
      'SequenceNumber': seqnum(1)}, NOT_FOUND, 'Stream does not exist'),
])
def test_get_shard_iterator_errors(db, body, typ, message):
    arn = db.create('tbl', 'KEYS_ONLY')['LatestStreamArn']
    body = dict(body)
    if body.get('StreamArn') == 'S':
        body['StreamArn'] = arn
    if body.get('ShardId') == 'H':
        body['ShardId'] = db.shard(arn)
    assert db.err('GetShardIterator', body) == (400, typ, message)


@pytest.mark.parametrize('shard', [FAKE_SHARD, 'short', 'a' * 66])
def test_get_shard_iterator_unknown_shard(db, shard):
    arn = db.create('tbl', 'KEYS_ONLY')['LatestStreamArn']
    assert db.err('GetShardIterator', {'StreamArn': arn, 'ShardId': shard,
                                       'ShardIteratorType': 'LATEST'}) == (
        400, NOT_FOUND, 'Shard does not exist')


def test_get_shard_iterator_shard_of_other_stream(db):
    a = db.create('tba', 'KEYS_ONLY')['LatestStreamArn']
    b = db.create('tbb', 'KEYS_ONLY')['LatestStreamArn']
    assert db.err('GetShardIterator', {'StreamArn': a, 'ShardId': db.shard(b),
                                       'ShardIteratorType': 'TRIM_HORIZON'}) == (
        400, NOT_FOUND, 'Shard does not exist')


def test_get_shard_iterator_on_disabled_stream(db):
    arn = db.create('tbl', 'KEYS_ONLY')['LatestStreamArn']
    db.put('tbl', 'a')
    db.disable('tbl')
    assert [r['eventName'] for r in db.records(arn)] == ['INSERT']
    assert db.records(arn, 'LATEST') == []


# ---------------------------------------------------------------------------------------------
# GetRecords: record format

def test_record_format_exact(db):
    db.create('tbl', 'NEW_AND_OLD_IMAGES')
    db.ddb.put_item(TableName='tbl', Item={'pk': {'S': 'k'}, 'a': {'N': '1'}})
    db.ddb.put_item(TableName='tbl', Item={'pk': {'S': 'k'}, 'a': {'N': '2'}})
    arn = db.arn('tbl')
    st, body = db.call_ordered('GetRecords', {'ShardIterator': db.iterator(arn)})
    assert st == 200
    assert [k for k, _ in body] == ['Records', 'NextShardIterator']
    rec = dict(body)['Records'][1]
    assert [k for k, _ in rec] == ['eventID', 'eventName', 'eventVersion', 'eventSource',
                                   'awsRegion', 'dynamodb']
    r = dict(rec)
    assert UUID.match(r['eventID'])
    assert (r['eventName'], r['eventVersion'], r['eventSource'], r['awsRegion']) == (
        'MODIFY', '1.1', 'aws:dynamodb', 'ddblocal')
    d = dict(r['dynamodb'])
    assert [k for k, _ in r['dynamodb']] == ['ApproximateCreationDateTime', 'Keys', 'NewImage',
                                             'OldImage', 'SequenceNumber', 'SizeBytes',
                                             'StreamViewType']
    assert (d['SequenceNumber'], d['SizeBytes'], d['StreamViewType']) == (
        seqnum(2), 15, 'NEW_AND_OLD_IMAGES')
    # the same record through boto3
    recs = db.records(arn)
    assert recs[1]['dynamodb']['Keys'] == {'pk': {'S': 'k'}}
    assert recs[1]['dynamodb']['NewImage'] == {'a': {'N': '2'}, 'pk': {'S': 'k'}}
    assert recs[1]['dynamodb']['OldImage'] == {'a': {'N': '1'}, 'pk': {'S': 'k'}}
    assert recs[0]['eventID'] != recs[1]['eventID']


def test_approximate_creation_time_rounded_to_minute(db):
    db.create('tbl', 'KEYS_ONLY')
    before = time.time()
    db.put('tbl', 'a')
    st, _, _, payload = db.raw.call('GetRecords', {'ShardIterator': db.iterator(db.arn('tbl'))},
                                    target_prefix=STREAMS, auth=AUTH.format(key=db.key))
    text = payload.decode()
    m = re.search(r'"ApproximateCreationDateTime":(\d+\.\d+)', text)
    assert m and m.group(1).endswith('.000'), text
    t = float(m.group(1))
    assert t % 60 == 0
    assert before - 61 <= t <= time.time()


IMAGES = {  # view -> event -> members of dynamodb besides the constant ones
    'KEYS_ONLY': {'INSERT': [], 'MODIFY': [], 'REMOVE': []},
    'NEW_IMAGE': {'INSERT': ['NewImage'], 'MODIFY': ['NewImage'], 'REMOVE': []},
    'OLD_IMAGE': {'INSERT': [], 'MODIFY': ['OldImage'], 'REMOVE': ['OldImage']},
    'NEW_AND_OLD_IMAGES': {'INSERT': ['NewImage'], 'MODIFY': ['NewImage', 'OldImage'],
                           'REMOVE': ['OldImage']},
}


@pytest.mark.parametrize('view', VIEWS)
def test_images_per_view_type(db, view):
    db.create('tbl', view, keys=(('pk', 'S'), ('sk', 'N')))
    old = {'pk': {'S': 'p'}, 'sk': {'N': '1'}, 'v': {'S': 'old'}}
    new = {'pk': {'S': 'p'}, 'sk': {'N': '1'}, 'v': {'S': 'newer'}, 'b': {'BOOL': True}}
    keys = {'pk': {'S': 'p'}, 'sk': {'N': '1'}}
    db.ddb.put_item(TableName='tbl', Item=old)
    db.ddb.put_item(TableName='tbl', Item=new)
    db.ddb.delete_item(TableName='tbl', Key=keys)
    recs = db.records('tbl')
    assert [r['eventName'] for r in recs] == ['INSERT', 'MODIFY', 'REMOVE']
    imgs = {'INSERT': (old, None), 'MODIFY': (new, old), 'REMOVE': (None, new)}
    for r in recs:
        d = r['dynamodb']
        want = IMAGES[view][r['eventName']]
        assert [k for k in ('NewImage', 'OldImage') if k in d] == want
        assert d['Keys'] == keys
        assert d['StreamViewType'] == view
        n, o = imgs[r['eventName']]
        size = item_size(keys)
        if 'NewImage' in want:
            assert d['NewImage'] == n
            size += item_size(n)
        if 'OldImage' in want:
            assert d['OldImage'] == o
            size += item_size(o)
        assert d['SizeBytes'] == size


@pytest.mark.parametrize('item,size', [
    ({'pk': {'S': 'k'}}, 3),
    ({'pk': {'S': 'k'}, 'Seq': {'N': '1'}}, 3 + 3 + 2),
    ({'pk': {'S': 'k'}, 'b': {'B': b'\x01\x02\x03'}}, 3 + 1 + 3),
    ({'pk': {'S': 'k'}, 'b': {'B': b'\x00' * 10}}, 3 + 1 + 10),
    ({'pk': {'S': 'k'}, 'n': {'NULL': True}, 't': {'BOOL': False}}, 3 + 2 + 2),
    ({'pk': {'S': 'k'}, 'l': {'L': [{'S': 'ab'}, {'BOOL': True}]}}, 3 + 1 + 3 + 3 + 2),
    ({'pk': {'S': 'k'}, 'm': {'M': {'x': {'S': 'yz'}}}}, 3 + 1 + 3 + 1 + 1 + 2),
    ({'pk': {'S': 'k'}, 'ss': {'SS': ['a', 'bcd']}}, 3 + 2 + 4),
    ({'pk': {'S': 'é'}, 'ü': {'S': '€'}}, 4 + 5),
])
def test_size_bytes_rule(db, item, size):
    """NEW_IMAGE INSERT: SizeBytes = itemSize(Keys) + itemSize(NewImage)."""
    db.create('tbl', 'NEW_IMAGE')
    db.ddb.put_item(TableName='tbl', Item=item)
    rec = db.records('tbl')[0]['dynamodb']
    assert rec['SizeBytes'] == item_size({'pk': item['pk']}) + size
    assert item_size(item) == size


def test_records_of_artist_seq_example(db):
    """{Artist:"TTL", Seq:1} KEYS_ONLY has SizeBytes 14 (§11.6)."""
    db.create('tbl', 'KEYS_ONLY', keys=(('Artist', 'S'), ('Seq', 'N')))
    db.ddb.put_item(TableName='tbl', Item={'Artist': {'S': 'TTL'}, 'Seq': {'N': '1'}})
    assert db.records('tbl')[0]['dynamodb']['SizeBytes'] == 14


@pytest.mark.parametrize('names', [
    ['pk', 'sk', 'v'],
    ['pk', 'zeta', 'alpha', 'Beta', 'gamma', 'delta'],
    ['pk'] + ['attr%02d' % i for i in range(12)],           # 13 members: capacity 32
    ['pk'] + ['a%d' % i for i in range(20)] + ['Z', 'yy'],
])
def test_image_member_order_is_default_hashmap(db, names):
    """Stream images follow a default-capacity java.util.HashMap (§3.3), whatever the request
    order."""
    keys = (('pk', 'S'), ('sk', 'S')) if 'sk' in names else (('pk', 'S'),)
    db.create('tbl', 'NEW_AND_OLD_IMAGES', keys=keys)
    item = {n: {'S': 'v' + n} for n in reversed(names)}
    db.ddb.put_item(TableName='tbl', Item=item)
    item2 = dict(item, **{names[-1]: {'S': 'changed'}})
    db.ddb.put_item(TableName='tbl', Item=item2)
    st, body = db.call_ordered('GetRecords', {'ShardIterator': db.iterator(db.arn('tbl'))})
    assert st == 200
    recs = dict(body)['Records']
    for rec in recs:
        d = dict(dict(rec)['dynamodb'])
        for img in ('NewImage', 'OldImage'):
            if img in d:
                got = [k for k, _ in d[img]]
                assert sorted(got) == sorted(names)
                assert got == hashmap_order(got), got
        assert [k for k, _ in d['Keys']] == hashmap_order([k for k, _ in keys])


def test_image_order_documented_example(db):
    """An item put as pk, sk, v appears in a stream image as {v, sk, pk} (§3.3)."""
    db.create('tbl', 'NEW_IMAGE', keys=(('pk', 'S'), ('sk', 'S')))
    db.ddb.put_item(TableName='tbl', Item={'pk': {'S': 'a'}, 'sk': {'S': 'b'}, 'v': {'S': 'c'}})
    st, body = db.call_ordered('GetRecords', {'ShardIterator': db.iterator(db.arn('tbl'))})
    d = dict(dict(dict(body)['Records'][0])['dynamodb'])
    assert [k for k, _ in d['NewImage']] == ['v', 'sk', 'pk']
    assert [k for k, _ in d['Keys']] == ['sk', 'pk']


# ---------------------------------------------------------------------------------------------
# GetRecords: paging, limits, iterators

def test_get_records_limit_and_next_iterator(db):
    db.create('tbl', 'KEYS_ONLY')
    for i in range(5):
        db.put('tbl', 'k%d' % i)
    it = db.iterator(db.arn('tbl'))
    got = []
    for want in ([1, 2], [3, 4], [5], []):
        page = db.get(it, Limit=2)
        got.append([int(r['dynamodb']['SequenceNumber']) for r in page['Records']])
        assert got[-1] == want
        it = page['NextShardIterator']
    db.put('tbl', 'k9')
    assert [int(r['dynamodb']['SequenceNumber']) for r in db.get(it)['Records']] == [6]


def test_get_records_limit_1000(db):
    db.create('tbl', 'KEYS_ONLY')
    for i in range(0, 30, 25):
        db.ddb.batch_write_item(RequestItems={'tbl': [
            {'PutRequest': {'Item': {'pk': {'S': 'k%03d' % j}}}} for j in range(i, i + 25)]})
    page = db.get(db.iterator(db.arn('tbl')), Limit=1000)
    assert len(page['Records']) == 50
    assert [int(r['dynamodb']['SequenceNumber']) for r in page['Records']] == list(range(1, 51))


def test_get_records_empty_open_shard_has_fresh_iterator(db):
    db.create('tbl', 'KEYS_ONLY')
    it = db.iterator(db.arn('tbl'), 'LATEST')
    time.sleep(0.01)
    page = db.get(it)
    assert page['Records'] == []
    a, b = decode_iterator(it), decode_iterator(page['NextShardIterator'])
    assert a[:4] == b[:4]
    assert int(b[4]) > int(a[4])


def test_get_records_closed_shard_end(db):
    arn = db.create('tbl', 'KEYS_ONLY')['LatestStreamArn']
    for k in 'abc':
        db.put('tbl', k)
    db.disable('tbl')
    it = db.iterator(arn)
    page = db.get(it, Limit=2)
    assert len(page['Records']) == 2 and 'NextShardIterator' in page
    page = db.get(page['NextShardIterator'], Limit=2)
    assert len(page['Records']) == 1 and 'NextShardIterator' not in page


def test_iterator_format(db):
    arn = db.create('tbl', 'KEYS_ONLY')['LatestStreamArn']
    sid = db.shard(arn)
    it = db.iterator(arn)
    assert it.startswith(arn + '|001|')
    payload = base64.b64decode(it.split('|')[2]).decode()
    assert re.match(r'^%s\|\d{21}\|\d{30}$' % re.escape(sid), payload), payload


@pytest.mark.parametrize('age_s,ok', [
    (0, True), (14 * 60, True), (14 * 60 + 59, True), (15 * 60 + 1, False), (16 * 60, False),
    (2 * 3600, False), (-14 * 60, True), (-16 * 60, False), (-2 * 3600, False), (None, False),
])
def test_iterator_expiry(db, age_s, ok):
    """An iterator is valid while its creation time is within 15 minutes of now, in either
    direction (forged creation times)."""
    arn = db.create('tbl', 'KEYS_ONLY')['LatestStreamArn']
    db.put('tbl', 'a')
    ms = 0 if age_s is None else int((time.time() - age_s) * 1000)
    it = forge(arn, db.shard(arn), 1, ms)
    if ok:
        assert len(db.get(it)['Records']) == 1
    else:
        assert db.err('GetRecords', {'ShardIterator': it}) == (400, EXPIRED, '')


def test_expired_iterator_boto3(db):
    arn = db.create('tbl', 'KEYS_ONLY')['LatestStreamArn']
    it = forge(arn, db.shard(arn), 1, int((time.time() - 3600) * 1000))
    with pytest.raises(ClientError) as e:
        db.streams.get_records(ShardIterator=it)
    assert e.value.response['Error']['Code'] == 'ExpiredIteratorException'


def iterator_variants(arn, sid):
    now = int(time.time() * 1000)
    good = forge(arn, sid, 1, now)
    pre, ver, payload = good.split('|')
    b64 = lambda s: base64.b64encode(s.encode()).decode()  # noqa: E731
    return {
        'empty': '',
        'x': 'x',
        'long': 'a' * 2049,
        'version 002': forge(arn, sid, 1, now, ver='002'),
        'version 002 expired': forge(arn, sid, 1, 0, ver='002'),
        'two parts': pre + '|001',
        'not base64': pre + '|001|!!!',
        'payload two fields': pre + '|001|' + b64('a|b'),
        'payload two fields shard': pre + '|001|' + b64('%s|%s' % (sid, seqnum(1))),
        'letters seq': pre + '|001|' + b64('%s|abc|%030d' % (sid, now)),
        'letters time': pre + '|001|' + b64('%s|%s|abc' % (sid, seqnum(1))),
        'expired, letters seq': pre + '|001|' + b64('%s|abc|%030d' % (sid, 0)),
    }


@pytest.mark.parametrize('name', ['empty', 'x', 'long', 'version 002', 'version 002 expired',
                                  'two parts', 'not base64', 'payload two fields',
                                  'payload two fields shard', 'letters seq', 'letters time',
                                  'expired, letters seq'])
def test_invalid_iterators(db, name):
    arn = db.create('tbl', 'KEYS_ONLY')['LatestStreamArn']
    it = iterator_variants(arn, db.shard(arn))[name]
    assert db.err('GetRecords', {'ShardIterator': it}) == (400, VALIDATION,
                                                           'Invalid ShardIterator')


def test_missing_iterator(db):
    assert db.err('GetRecords', {}) == (400, VALIDATION, 'Invalid ShardIterator')


@pytest.mark.parametrize('shard', [FAKE_SHARD, 'abc'])
def test_iterator_unknown_shard(db, shard):
    arn = db.create('tbl', 'KEYS_ONLY')['LatestStreamArn']
    assert db.err('GetRecords', {'ShardIterator': forge(arn, shard)}) == (
        400, NOT_FOUND, 'Invalid ShardId in ShardIterator')


def test_iterator_unknown_shard_expired_first(db):
    assert db.err('GetRecords', {'ShardIterator': forge('x', FAKE_SHARD, 1, 0)}) == (
        400, EXPIRED, '')


def test_iterator_position_zero_is_trimmed(db):
    arn = db.create('tbl', 'KEYS_ONLY')['LatestStreamArn']
    db.put('tbl', 'a')
    assert db.err('GetRecords', {'ShardIterator': forge(arn, db.shard(arn), 0)}) == (
        400, TRIMMED, MSG_TRIMMED)


def test_iterator_beyond_end_waits(db):
    arn = db.create('tbl', 'KEYS_ONLY')['LatestStreamArn']
    db.put('tbl', 'a')
    page = db.get(forge(arn, db.shard(arn), 99))
    assert page['Records'] == []
    assert decode_iterator(page['NextShardIterator'])[3] == seqnum(99)


MSG_LIMIT_LOW = ("1 validation error detected: Value '%d' at 'limit' failed to satisfy "
                 "constraint: Member must have value greater than or equal to 1")
MSG_LIMIT_HIGH = 'One or more parameter values were invalid: Limit should be less than or equal to 1000'


@pytest.mark.parametrize('limit,typ,message', [
    (0, VALIDATION, MSG_LIMIT_LOW % 0),
    (-5, VALIDATION, MSG_LIMIT_LOW % -5),
    (1001, VALIDATION, MSG_LIMIT_HIGH),
])
def test_get_records_limit_errors(db, limit, typ, message):
    arn = db.create('tbl', 'KEYS_ONLY')['LatestStreamArn']
    it = db.iterator(arn)
    assert db.err('GetRecords', {'ShardIterator': it, 'Limit': limit}) == (400, typ, message)


@pytest.mark.parametrize('limit', [0, 1001])
@pytest.mark.parametrize('which,typ,message', [
    ('garbage', VALIDATION, 'Invalid ShardIterator'),
    ('expired', EXPIRED, ''),
])
def test_get_records_check_order(db, limit, which, typ, message):
    """The iterator is parsed, then its age checked, then Limit."""
    arn = db.create('tbl', 'KEYS_ONLY')['LatestStreamArn']
    it = 'x' if which == 'garbage' else forge(arn, db.shard(arn), 1, 0)
    assert db.err('GetRecords', {'ShardIterator': it, 'Limit': limit}) == (400, typ, message)


# ---------------------------------------------------------------------------------------------
# which writes produce records; sequence numbers

def test_put_update_delete_events(db):
    db.create('tbl', 'NEW_AND_OLD_IMAGES')
    db.put('tbl', 'a', v={'N': '1'})                       # INSERT
    db.put('tbl', 'a', v={'N': '1'})                       # identical: nothing
    db.put('tbl', 'a', v={'N': '2'})                       # MODIFY
    db.ddb.delete_item(TableName='tbl', Key={'pk': {'S': 'zz'}})   # missing: nothing
    with pytest.raises(ClientError):
        db.ddb.put_item(TableName='tbl', Item={'pk': {'S': 'a'}},
                        ConditionExpression='attribute_not_exists(pk)')   # failed: nothing
    db.ddb.delete_item(TableName='tbl', Key={'pk': {'S': 'a'}})    # REMOVE
    db.put('tbl', 'a', v={'N': '3'})                       # INSERT again
    assert db.seqs('tbl') == [('INSERT', 1), ('MODIFY', 2), ('REMOVE', 3), ('INSERT', 4)]


def test_update_item_events(db):
    db.create('tbl', 'NEW_AND_OLD_IMAGES')
    upd = dict(TableName='tbl', Key={'pk': {'S': 'u'}})
    db.ddb.update_item(UpdateExpression='SET a = :v', ExpressionAttributeValues={
        ':v': {'N': '1'}}, **upd)                           # INSERT
    db.ddb.update_item(UpdateExpression='SET a = :v', ExpressionAttributeValues={
        ':v': {'N': '1'}}, **upd)                           # same value: nothing
    db.ddb.update_item(UpdateExpression='REMOVE zz', **upd)  # nothing to remove: nothing
    db.ddb.update_item(UpdateExpression='ADD a :v', ExpressionAttributeValues={
        ':v': {'N': '4'}}, **upd)                           # MODIFY
    db.ddb.update_item(TableName='tbl', Key={'pk': {'S': 'new'}},
                       UpdateExpression='REMOVE zz')       # creates {pk}: INSERT
    recs = db.records('tbl')
    assert [(r['eventName'], int(r['dynamodb']['SequenceNumber'])) for r in recs] == [
        ('INSERT', 1), ('MODIFY', 2), ('INSERT', 3)]
    assert recs[0]['dynamodb']['NewImage'] == {'a': {'N': '1'}, 'pk': {'S': 'u'}}
    assert recs[1]['dynamodb']['OldImage'] == {'a': {'N': '1'}, 'pk': {'S': 'u'}}
    assert recs[1]['dynamodb']['NewImage'] == {'a': {'N': '5'}, 'pk': {'S': 'u'}}
    assert recs[2]['dynamodb']['NewImage'] == {'pk': {'S': 'new'}}
    assert recs[2]['dynamodb']['SizeBytes'] == 10


def test_batch_write_puts_then_deletes(db):
    """Within one table, BatchWriteItem applies every PutRequest (in request order), then every
    DeleteRequest (in request order); a delete of a missing item consumes no number."""
    db.create('tbl', 'KEYS_ONLY')
    db.put('tbl', 'd')
    db.put('tbl', 'e')
    db.ddb.batch_write_item(RequestItems={'tbl': [
        {'DeleteRequest': {'Key': {'pk': {'S': 'e'}}}},
        {'PutRequest': {'Item': {'pk': {'S': 'z'}}}},
        {'DeleteRequest': {'Key': {'pk': {'S': 'd'}}}},
        {'PutRequest': {'Item': {'pk': {'S': 'a'}}}},
        {'DeleteRequest': {'Key': {'pk': {'S': 'missing'}}}},
        {'PutRequest': {'Item': {'pk': {'S': 'm'}}}},
    ]})
    recs = db.records('tbl')
    assert [(r['eventName'], r['dynamodb']['Keys']['pk']['S'],
             int(r['dynamodb']['SequenceNumber'])) for r in recs] == [
        ('INSERT', 'd', 1), ('INSERT', 'e', 2), ('INSERT', 'z', 3), ('INSERT', 'a', 4),
        ('INSERT', 'm', 5), ('REMOVE', 'e', 6), ('REMOVE', 'd', 7)]


def test_batch_write_puts_only_request_order(db):
    db.create('tbl', 'KEYS_ONLY')
    keys = ['q', 'b', 'x', 'a', 'm']
    db.ddb.batch_write_item(RequestItems={'tbl': [
        {'PutRequest': {'Item': {'pk': {'S': k}}}} for k in keys]})
    assert [r['dynamodb']['Keys']['pk']['S'] for r in db.records('tbl')] == keys


def test_batch_write_tables_in_hashmap_order(db):
    names = ['batA', 'batQ', 'batz', 'bat_m', 'batM', 'bat1']
    for n in names:
        db.create(n, 'KEYS_ONLY')
    order = ['batz', 'bat1', 'batQ', 'batA', 'bat_m', 'batM']
    db.ddb.batch_write_item(RequestItems={
        n: [{'PutRequest': {'Item': {'pk': {'S': 'k'}}}}] for n in order})
    first = {n: db.seqs(n)[0][1] for n in names}
    got = sorted(names, key=first.get)
    assert got == hashmap_order(order) == ['bat_m', 'bat1', 'batQ', 'batA', 'batM', 'batz']
    assert sorted(first.values()) == list(range(6, 12))


def test_transact_write_action_order(db):
    db.create('tb1', 'NEW_AND_OLD_IMAGES')
    db.create('tb2', 'NEW_AND_OLD_IMAGES')
    db.put('tb2', 'z')   # 2
    db.put('tb1', 'c')   # 3
    db.ddb.transact_write_items(TransactItems=[
        {'Put': {'TableName': 'tb2', 'Item': {'pk': {'S': 't2'}}}},
        {'Update': {'TableName': 'tb1', 'Key': {'pk': {'S': 't1'}},
                    'UpdateExpression': 'SET b = :v',
                    'ExpressionAttributeValues': {':v': {'S': 'x'}}}},
        {'Delete': {'TableName': 'tb2', 'Key': {'pk': {'S': 'z'}}}},
        {'ConditionCheck': {'TableName': 'tb1', 'Key': {'pk': {'S': 'c'}},
                            'ConditionExpression': 'attribute_exists(pk)'}},
    ])
    assert db.seqs('tb1') == [('INSERT', 3), ('INSERT', 5)]
    assert db.seqs('tb2') == [('INSERT', 2), ('INSERT', 4), ('REMOVE', 6)]


def test_failed_transaction_writes_no_record_but_consumes_numbers(db):
    """A cancelled transaction writes no record, but its Put took sequence number 1."""
    db.create('tbl', 'KEYS_ONLY')
    with pytest.raises(ClientError):
        db.ddb.transact_write_items(TransactItems=[
            {'Put': {'TableName': 'tbl', 'Item': {'pk': {'S': 'a'}}}},
            {'ConditionCheck': {'TableName': 'tbl', 'Key': {'pk': {'S': 'nope'}},
                                'ConditionExpression': 'attribute_exists(pk)'}}])
    db.put('tbl', 'b')
    assert db.seqs('tbl') == [('INSERT', 2)]
    assert db.ddb.get_item(TableName='tbl', Key={'pk': {'S': 'a'}}).get('Item') is None


def test_sequence_first_table_starts_at_one(db):
    db.create('tbl', 'KEYS_ONLY')
    assert db.starts('tbl') == [1]
    for k in 'abc':
        db.put('tbl', k)
    assert db.seqs('tbl') == [('INSERT', 1), ('INSERT', 2), ('INSERT', 3)]


@pytest.mark.parametrize('steps,starts,records', [
    # table creations (c+=1, shard starts at c) and item changes (take c, then c+=1)
    (['S1', 'S2', 'P1', 'P2'], {'1': [1], '2': [2]}, {'1': [2], '2': [3]}),
    (['S1', 'P1', 'S2', 'P2'], {'1': [1], '2': [3]}, {'1': [1], '2': [3]}),
    (['S1', 'S2', 'S3', 'P1'], {'1': [1], '2': [2], '3': [3]}, {'1': [3]}),
    (['S1', 'P1', 'P1', 'P1', 'S2', 'S3', 'P2', 'S4'],
     {'2': [5], '3': [6], '4': [8]}, {'1': [1, 2, 3], '2': [6]}),
    # a stream-less table's writes consume numbers too
    (['S1', 'N2', 'P1', 'P2', 'P2', 'P1'], {'1': [1]}, {'1': [1, 4]}),
    (['N2', 'P2', 'S1', 'P1'], {'1': [2]}, {'1': [2]}),
    (['N1', 'N2', 'S3', 'P3'], {'3': [1]}, {'3': [1]}),
])
def test_sequence_counter(db, steps, starts, records):
    """One counter per database (reference §11.2 and the module docstring): S<n> creates table
    t<n> with a stream, N<n> without, P<n> puts a new item into t<n>."""
    count = {}
    for s in steps:
        kind, n = s[0], s[1:]
        if kind in 'SN':
            db.create('tt' + n, 'KEYS_ONLY' if kind == 'S' else None)
        else:
            count[n] = count.get(n, 0) + 1
            db.put('tt' + n, 'k%d' % count[n])
    for n, want in starts.items():
        assert db.starts('tt' + n) == want
    for n, want in records.items():
        assert [s for _, s in db.seqs('tt' + n)] == want


def test_sequence_no_change_consumes_nothing(db):
    db.create('tnn')
    db.put('tnn', 'a')                                                      # 0
    db.ddb.delete_item(TableName='tnn', Key={'pk': {'S': 'zz'}})
    db.put('tnn', 'a')
    with pytest.raises(ClientError):
        db.ddb.put_item(TableName='tnn', Item={'pk': {'S': 'q'}},
                        ConditionExpression='attribute_exists(pk)')
    db.create('tbl', 'KEYS_ONLY')
    assert db.starts('tbl') == [2]


def test_sequence_disable_enable(db):
    db.create('tbl', 'KEYS_ONLY')
    db.put('tbl', 'a')                     # 1
    first = db.arn('tbl')
    db.disable('tbl')
    db.put('tbl', 'b')                     # 2, no record
    db.put('tbl', 'c')                     # 3, no record
    db.enable('tbl')                       # shard starts at 5
    db.put('tbl', 'd')                     # 5
    assert db.starts(first) == [1]
    assert db.starts('tbl') == [5]
    assert db.seqs('tbl') == [('INSERT', 5)]
    assert db.seqs(first) == [('INSERT', 1)]


def test_sequence_disable_enable_without_writes(db):
    db.create('tbl', 'KEYS_ONLY')
    db.put('tbl', 'a')
    db.disable('tbl')
    db.enable('tbl')
    db.put('tbl', 'd')
    assert db.starts('tbl') == [3]
    assert db.seqs('tbl') == [('INSERT', 3)]


def test_sequence_not_reset_by_delete_table(db):
    db.create('tbl', 'KEYS_ONLY')
    db.put('tbl', 'a')
    db.put('tbl', 'b')
    db.ddb.delete_table(TableName='tbl')
    arn = db.create('tbl', 'KEYS_ONLY')['LatestStreamArn']
    db.put('tbl', 'a')
    assert db.starts(arn) == [4]
    assert db.seqs(arn) == [('INSERT', 4)]


def test_sequence_numbers_are_21_digits(db):
    db.create('tbl', 'KEYS_ONLY')
    db.put('tbl', 'a')
    rec = db.records('tbl')[0]['dynamodb']
    assert re.match(r'^\d{21}$', rec['SequenceNumber'])
    rng = db.describe(db.arn('tbl'))['Shards'][0]['SequenceNumberRange']
    assert re.match(r'^\d{21}$', rng['StartingSequenceNumber'])


def test_records_across_streams_of_one_table(db):
    db.create('tbl', 'NEW_IMAGE')
    db.put('tbl', 'a')
    first = db.arn('tbl')
    db.disable('tbl')
    time.sleep(0.01)
    db.enable('tbl', 'OLD_IMAGE')
    db.put('tbl', 'a', v={'S': 'x'})
    r1 = db.records(first)
    r2 = db.records('tbl')
    assert [(r['eventName'], r['dynamodb']['StreamViewType']) for r in r1] == [
        ('INSERT', 'NEW_IMAGE')]
    assert [(r['eventName'], r['dynamodb']['StreamViewType']) for r in r2] == [
        ('MODIFY', 'OLD_IMAGE')]
    assert r2[0]['dynamodb']['OldImage'] == {'pk': {'S': 'a'}}


def test_streams_of_two_tables_are_separate(db):
    db.create('tba', 'KEYS_ONLY')
    db.create('tbb', 'KEYS_ONLY')
    db.put('tba', 'x')
    db.put('tbb', 'y')
    assert [r['dynamodb']['Keys']['pk']['S'] for r in db.records('tba')] == ['x']
    assert [r['dynamodb']['Keys']['pk']['S'] for r in db.records('tbb')] == ['y']


def test_stream_records_with_boto3_paginated_consumer(db):
    """A consumer as users write it: ListStreams -> DescribeStream -> GetShardIterator ->
    GetRecords until empty."""
    db.create('tbl', 'NEW_AND_OLD_IMAGES', keys=(('pk', 'S'), ('sk', 'N')))
    for i in range(7):
        db.ddb.put_item(TableName='tbl', Item={'pk': {'S': 'p'}, 'sk': {'N': str(i)},
                                                'v': {'N': str(i * i)}})
    db.ddb.update_item(TableName='tbl', Key={'pk': {'S': 'p'}, 'sk': {'N': '3'}},
                       UpdateExpression='SET v = :v', ExpressionAttributeValues={':v': {'N': '0'}})
    db.ddb.delete_item(TableName='tbl', Key={'pk': {'S': 'p'}, 'sk': {'N': '0'}})
    arn = db.streams.list_streams(TableName='tbl')['Streams'][0]['StreamArn']
    shard = db.streams.describe_stream(StreamArn=arn)['StreamDescription']['Shards'][0]
    it = db.streams.get_shard_iterator(StreamArn=arn, ShardId=shard['ShardId'],
                                       ShardIteratorType='TRIM_HORIZON')['ShardIterator']
    events = []
    while True:
        page = db.streams.get_records(ShardIterator=it, Limit=3)
        if not page['Records']:
            break
        events += [(r['eventName'], r['dynamodb']['Keys']['sk']['N']) for r in page['Records']]
        it = page['NextShardIterator']
    assert events == [('INSERT', str(i)) for i in range(7)] + [('MODIFY', '3'), ('REMOVE', '0')]


# ---------------------------------------------------------------------------------------------
# TTL deletions (§12)

@pytest.mark.pending(None, 'TTL (UpdateTimeToLive and its deletions)')
def test_ttl_deletion_record(db):
    db.create('tbl', 'NEW_AND_OLD_IMAGES')
    db.ddb.update_time_to_live(TableName='tbl', TimeToLiveSpecification={
        'Enabled': True, 'AttributeName': 'exp'})
    db.ddb.put_item(TableName='tbl', Item={'pk': {'S': 'gone'},
                                           'exp': {'N': str(int(time.time()) - 10)}})
    it = db.iterator(db.arn('tbl'))
    recs, deadline = [], time.time() + 60
    while time.time() < deadline and len(recs) < 2:
        page = db.get(it)
        recs += page['Records']
        it = page['NextShardIterator']
        time.sleep(0.5)
    assert [r['eventName'] for r in recs] == ['INSERT', 'REMOVE']
    assert 'userIdentity' not in recs[0]
    rem = recs[1]
    assert rem['userIdentity'] == {'PrincipalId': 'dynamodb.amazonaws.com', 'Type': 'Service'}
    assert list(rem) == ['eventID', 'eventName', 'eventVersion', 'eventSource', 'awsRegion',
                         'dynamodb', 'userIdentity']
    assert rem['dynamodb']['OldImage']['pk'] == {'S': 'gone'}
    assert 'NewImage' not in rem['dynamodb']


# ---------------------------------------------------------------------------------------------
# restart with a file

def test_streams_survive_restart(server_factory):
    d = tempfile.mkdtemp(prefix='ddb-streams-')
    args = ['-sharedDb', '-dbPath', d]
    srv = server_factory(args)
    db = DB(srv.url)
    created = db.create('tbl', 'NEW_IMAGE')
    arn = created['LatestStreamArn']
    for k in 'abc':
        db.put('tbl', k)
    before = db.records(arn)
    shard = db.describe(arn)['Shards']
    srv.stop()
    srv2 = server_factory(args)
    db2 = DB(srv2.url)
    assert db2.arn('tbl') == arn
    table = db2.ddb.describe_table(TableName='tbl')['Table']
    assert table['StreamSpecification'] == {'StreamEnabled': True, 'StreamViewType': 'NEW_IMAGE'}
    assert table['LatestStreamLabel'] == created['LatestStreamLabel']
    assert db2.describe(arn)['Shards'] == shard
    assert db2.records(arn) == before
    assert [s['StreamArn'] for s in db2.streams.list_streams()['Streams']] == [arn]
    db2.put('tbl', 'd')
    assert db2.seqs(arn) == [('INSERT', 1), ('INSERT', 2), ('INSERT', 3), ('INSERT', 4)]
    # an iterator taken before the restart still works
    it = forge(arn, shard[0]['ShardId'], 4)
    assert [r['dynamodb']['Keys'] for r in db2.get(it)['Records']] == [{'pk': {'S': 'd'}}]
