"""Table operations: CreateTable, DescribeTable, ListTables, UpdateTable (billing mode,
throughput, deletion protection), DeleteTable and DescribeLimits.

Pins DynamoDB Local 1.25.1's exact answers: error types and messages (sent raw, since boto3
validates some inputs itself), which error wins when a request has several problems, and the
member order of table descriptions (reference dynamodb-local.md section 9).
Sections per operation: serialization, validation, functionality.
"""
import json
import re
import zlib

import pytest

VE = 'com.amazon.coral.validate#ValidationException'
RNF = 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException'
RIU = 'com.amazonaws.dynamodb.v20120810#ResourceInUseException'

NAME_MSG = ("Invalid table/index name.  Table/index names must be between 3 and 255 characters "
            "long, and may contain only the characters a-z, A-Z, 0-9, '_', '-', and '.'")
MISSING_TABLE = 'Cannot do operations on a non-existent table'
NO_KEY_SCHEMA = ('No defined key schema.  A key schema containing at least a hash key must be '
                 'defined for all tables')
NO_HASH = 'No Hash Key specified in schema.  All Dynamo DB tables must have exactly one hash key'
TOO_BIG = ('Key Schema too big.  Key Schema must at most consist of the hash and range key of a '
           'table')
TWO_HASH = 'Too many hash keys specified.  All Dynamo DB tables must have exactly one hash key'
KEY_ORDER = ('Invalid key order. Hash Key must be specified first in key schema, Range Key must '
             'be specifed second')
NOT_HASH_OR_RANGE = 'One or more keys is not specified as being hash or range.'
ATTR_NAME_REQUIRED = 'Attribute name must be specified.'
SAME_KEY_NAME = 'Two keys can not have the same name'
NO_ATTR_SCHEMA = 'No Attribute Schema Defined'
HASH_UNDEFINED = 'Hash Key not specified in Attribute Definitions.  Type unknown.'
RANGE_UNDEFINED = 'Range Key not specified in Attribute Definitions.  Type unknown.'
ENUM_BNS = 'Member must satisfy enum value set: [B, N, S]'
NO_DATATYPE = 'Invalid Attribute value. Must contain exactly one of the supported datatypes.'
DUP_ATTR = 'Cannot have two attributes with the same name'
MISMATCH = ('The number of attributes in key schema must match the number of attributes defined '
            'in attribute definitions.')
NAME_LEN = ('Names of key attributes and attributes projected into an index must be between 1 '
            'and 255 characters, inclusive')
NO_PT = 'No provisioned throughput specified for the table'
PT_MIN = 'Table read and write throughput must be at least 1, and cannot be null'
PT_MAX = 'Cannot increase provisioned throughput to more than 40,000 units per table'
GSI_NO_PT = 'No provisioned throughput specified for the global secondary index'
GSI_PT_MIN = ("Global Secondary Index's read and write throughput must be at least 1, and cannot "
              "be null")
GSI_PT_MAX = ('Cannot increase provisioned throughput to more than 40,000 units per global '
              'secondary index')
STREAM_NO_TYPE = ('Invalid StreamViewType: Stream ViewType must not be null or empty when '
                  'enabling streams.')
STREAM_FALSE_WITH_TYPE = ('Invalid StreamViewType: Stream StreamEnabled was false but a '
                          'StreamViewType was present.')
STREAM_NULL = 'Stream StreamEnabled was null'
GSI_EMPTY = 'GSI list is empty/invalid'
LSI_ON_HASH = 'Local Secondary indices are not allowed on hash tables, only hash and range tables'
LSI_RANGE_UNDEFINED = ('Local Secondary Index range key not specified in Attribute '
                       'Definitions.Type unknown.')
LSI_SAME_HASH = 'Local Secondary indices must have the same hash key as the main table'
LSI_NEEDS_RANGE = 'Local secondary indices must have a range key'
NO_PROJECTION = 'Indexes must have a projection specified'
LSI_DUP = 'Two local secondary indices have the same name'
GSI_DUP = 'Two global secondary indices have the same name'
LSI_GSI_SAME = 'Local Secondary Indices AND Global Secondary Indices must have different names'
INCLUDE_EMPTY = ('If Projection type INCLUDE is specified, some non-key attributes to include in '
                 'the projection must be specified as well')
NONKEY_NOT_INCLUDE = 'No attributes should be specified to be projected unless projection type is INCLUDE'
BAD_PROJECTION = 'Projection type must be INCLUDE, ALL, or KEYS_ONLY'
LSI_MAX = 'Cannot have more than 5 local secondary indexes per table'
GSI_MAX = 'GlobalSecondaryIndex count exceeds the per-table limit'
PROJECTED_MAX = 'No more than 20 attributes per table can be projected into Local Secondary Indices'
GSI_HASH_UNDEFINED = ('Global Secondary Index hash key not specified in Attribute '
                      'Definitions.Type unknown.')
GSI_RANGE_UNDEFINED = ('Global Secondary Index range key not specified in Attribute '
                       'Definitions.Type unknown.')
NOTHING = 'Nothing to update'
SAME_PT = 'The requested throughput value equals the current value'
PROTECTED = ('Resource cannot be deleted as it is currently protected against deletion. Disable '
             'deletion protection first.')

DESCRIPTION_ORDER = ['AttributeDefinitions', 'TableName', 'KeySchema', 'TableStatus',
                     'CreationDateTime', 'ProvisionedThroughput', 'TableSizeBytes', 'ItemCount',
                     'TableArn', 'BillingModeSummary', 'LocalSecondaryIndexes',
                     'GlobalSecondaryIndexes', 'StreamSpecification', 'LatestStreamLabel',
                     'LatestStreamArn', 'DeletionProtectionEnabled']
PT_ORDER = ['LastIncreaseDateTime', 'LastDecreaseDateTime', 'NumberOfDecreasesToday',
            'ReadCapacityUnits', 'WriteCapacityUnits']
LIMITS = (b'{"AccountMaxReadCapacityUnits":80000,"AccountMaxWriteCapacityUnits":80000,'
          b'"TableMaxReadCapacityUnits":40000,"TableMaxWriteCapacityUnits":40000}')


# --- helpers ----------------------------------------------------------------------------------

def hk(name='id'):
    return {'AttributeName': name, 'KeyType': 'HASH'}


def rk(name='r'):
    return {'AttributeName': name, 'KeyType': 'RANGE'}


def ad(name, typ='S'):
    return {'AttributeName': name, 'AttributeType': typ}


def pt(r=1, w=1):
    return {'ReadCapacityUnits': r, 'WriteCapacityUnits': w}


def lsi(name='lsi1', attr='l', proj=None, hash_attr='id'):
    return {'IndexName': name, 'KeySchema': [hk(hash_attr), rk(attr)],
            'Projection': proj if proj is not None else {'ProjectionType': 'ALL'}}


def gsi(name='gsi1', attr='g', proj=None, **kw):
    d = {'IndexName': name, 'KeySchema': [hk(attr)],
         'Projection': proj if proj is not None else {'ProjectionType': 'ALL'}}
    d.update(kw)
    return d


def include(n, first=0):
    return {'ProjectionType': 'INCLUDE', 'NonKeyAttributes': ['n%d' % i for i in range(first, first + n)]}


def body(name, hash_only=False, **patch):
    """A valid hash+range (or hash-only) PAY_PER_REQUEST CreateTable request, patched: a value
    of None removes the member."""
    d = {'TableName': name,
         'KeySchema': [hk()] if hash_only else [hk(), rk()],
         'AttributeDefinitions': [ad('id')] if hash_only else [ad('id'), ad('r')],
         'BillingMode': 'PAY_PER_REQUEST'}
    for k, v in patch.items():
        if v is None:
            d.pop(k, None)
        else:
            d[k] = v
    return d


def order(payload):
    """The parsed body with every object as a list of (key, value) pairs, in wire order."""
    return json.loads(payload, object_pairs_hook=lambda pairs: pairs)


def keys(pairs):
    return [k for k, _ in pairs]


def member(pairs, name):
    for k, v in pairs:
        if k == name:
            return v
    raise KeyError(name)


def expect_error(resp, typ, message, status=400):
    st, _, b, _ = resp
    assert (st, b) == (status, {'__type': typ, 'Message': message})


def is_dynamodb_local(target, raw):
    """True when the server under test is Amazon's DynamoDB Local: with --url, recognised by its
    500 answer to a body that is not JSON (section 16 #6, which ddblocal does not copy)."""
    if target.is_oracle:
        return True
    if target.kind != 'url':
        return False
    return raw.call('ListTables', None, raw_body=b'{')[0] == 500


@pytest.fixture
def deviation_2(request, target, raw):
    """Marks the test as a strict xfail on DynamoDB Local: it pins the fix of bug 16 #2
    (deletion protection reset by any UpdateTable that does not mention it)."""
    if is_dynamodb_local(target, raw):
        request.node.add_marker(pytest.mark.xfail(
            strict=True, reason='DynamoDB Local 1.25.1 bug (reference section 16 #2): an '
                                'UpdateTable without DeletionProtectionEnabled resets it to false'))


@pytest.fixture
def tables(raw):
    """Registers table names to delete after the test, whatever the test's outcome."""
    names = []
    yield names
    for n in names:
        if not isinstance(n, str):
            continue
        raw.call('UpdateTable', {'TableName': n, 'DeletionProtectionEnabled': False})
        raw.call('DeleteTable', {'TableName': n})


@pytest.fixture
def create(raw, tables):
    """Sends CreateTable raw and registers the table for cleanup."""
    def do(b):
        tables.append(b.get('TableName'))
        return raw.call('CreateTable', b)
    return do


@pytest.fixture
def made(create, table_name):
    """Creates a table (hash 'id' S, range 'r' S, PAY_PER_REQUEST unless patched); returns
    (name, TableDescription as parsed)."""
    def do(name=None, **patch):
        n = name or table_name
        st, _, b, payload = create(body(n, **patch))
        assert st == 200, b
        return n, b['TableDescription']
    return do


# =============================================================================================
# CreateTable: serialization
# =============================================================================================

def test_create_hash_table_exact_shape(create, table_name):
    st, headers, b, payload = create(body(table_name, hash_only=True))
    assert st == 200
    top = order(payload)
    assert keys(top) == ['TableDescription']
    d = member(top, 'TableDescription')
    assert keys(d) == ['AttributeDefinitions', 'TableName', 'KeySchema', 'TableStatus',
                       'CreationDateTime', 'ProvisionedThroughput', 'TableSizeBytes', 'ItemCount',
                       'TableArn', 'BillingModeSummary', 'DeletionProtectionEnabled']
    assert keys(member(d, 'AttributeDefinitions')[0]) == ['AttributeName', 'AttributeType']
    assert keys(member(d, 'KeySchema')[0]) == ['AttributeName', 'KeyType']
    assert keys(member(d, 'ProvisionedThroughput')) == PT_ORDER
    assert keys(member(d, 'BillingModeSummary')) == ['BillingMode',
                                                     'LastUpdateToPayPerRequestDateTime']
    t = b['TableDescription']
    created = t.pop('CreationDateTime')
    assert t.pop('BillingModeSummary') == {'BillingMode': 'PAY_PER_REQUEST',
                                           'LastUpdateToPayPerRequestDateTime': created}
    assert t == {
        'AttributeDefinitions': [{'AttributeName': 'id', 'AttributeType': 'S'}],
        'TableName': table_name,
        'KeySchema': [{'AttributeName': 'id', 'KeyType': 'HASH'}],
        'TableStatus': 'ACTIVE',
        'ProvisionedThroughput': {'LastIncreaseDateTime': 0, 'LastDecreaseDateTime': 0,
                                  'NumberOfDecreasesToday': 0, 'ReadCapacityUnits': 0,
                                  'WriteCapacityUnits': 0},
        'TableSizeBytes': 0, 'ItemCount': 0,
        'TableArn': 'arn:aws:dynamodb:ddblocal:000000000000:table/' + table_name,
        'DeletionProtectionEnabled': False}


def test_create_timestamps_have_three_decimals(create, table_name):
    st, _, _, payload = create(body(table_name))
    assert st == 200
    text = payload.decode()
    assert re.search(r'"CreationDateTime":\d{10}\.\d{3},', text)
    assert '"LastIncreaseDateTime":0.000,"LastDecreaseDateTime":0.000,' in text
    assert re.search(r'"LastUpdateToPayPerRequestDateTime":\d{10}\.\d{3}\}', text)


def test_create_response_headers_and_compact_body(create, table_name):
    st, headers, _, payload = create(body(table_name))
    assert st == 200
    h = {k.lower(): v for k, v in headers.items()}
    assert h['content-type'] == 'application/x-amz-json-1.0'
    assert int(h['x-amz-crc32']) == zlib.crc32(payload)
    assert int(h['content-length']) == len(payload)
    assert b'\n' not in payload and b': ' not in payload


def test_create_provisioned_has_no_billing_mode_summary(create, table_name):
    st, _, b, payload = create(body(table_name, BillingMode=None, ProvisionedThroughput=pt(4, 7)))
    assert st == 200
    d = member(order(payload), 'TableDescription')
    assert keys(d) == ['AttributeDefinitions', 'TableName', 'KeySchema', 'TableStatus',
                       'CreationDateTime', 'ProvisionedThroughput', 'TableSizeBytes', 'ItemCount',
                       'TableArn', 'DeletionProtectionEnabled']
    p = b['TableDescription']['ProvisionedThroughput']
    assert (p['ReadCapacityUnits'], p['WriteCapacityUnits']) == (4, 7)
    assert p['NumberOfDecreasesToday'] == 0


def test_create_explicit_provisioned_mode(create, table_name):
    st, _, b, _ = create(body(table_name, BillingMode='PROVISIONED', ProvisionedThroughput=pt(2, 3)))
    assert st == 200
    assert 'BillingModeSummary' not in b['TableDescription']
    assert b['TableDescription']['ProvisionedThroughput']['WriteCapacityUnits'] == 3


def test_create_indexes_exact_shape(create, table_name):
    req = body(table_name,
               AttributeDefinitions=[ad('id'), ad('r'), ad('l', 'N'), ad('g')],
               LocalSecondaryIndexes=[lsi(proj={'ProjectionType': 'INCLUDE',
                                                'NonKeyAttributes': ['x', 'y']})],
               GlobalSecondaryIndexes=[gsi(proj={'ProjectionType': 'KEYS_ONLY'})])
    st, _, b, payload = create(req)
    assert st == 200
    d = member(order(payload), 'TableDescription')
    assert keys(d) == ['AttributeDefinitions', 'TableName', 'KeySchema', 'TableStatus',
                       'CreationDateTime', 'ProvisionedThroughput', 'TableSizeBytes', 'ItemCount',
                       'TableArn', 'BillingModeSummary', 'LocalSecondaryIndexes',
                       'GlobalSecondaryIndexes', 'DeletionProtectionEnabled']
    assert keys(member(d, 'LocalSecondaryIndexes')[0]) == [
        'IndexName', 'KeySchema', 'Projection', 'IndexSizeBytes', 'ItemCount', 'IndexArn']
    assert keys(member(d, 'GlobalSecondaryIndexes')[0]) == [
        'IndexName', 'KeySchema', 'Projection', 'IndexStatus', 'ProvisionedThroughput',
        'IndexSizeBytes', 'ItemCount', 'IndexArn']
    arn = 'arn:aws:dynamodb:ddblocal:000000000000:table/' + table_name
    t = b['TableDescription']
    assert t['AttributeDefinitions'] == [ad('id'), ad('r'), ad('l', 'N'), ad('g')]
    assert t['LocalSecondaryIndexes'] == [{
        'IndexName': 'lsi1', 'KeySchema': [hk(), rk('l')],
        'Projection': {'ProjectionType': 'INCLUDE', 'NonKeyAttributes': ['x', 'y']},
        'IndexSizeBytes': 0, 'ItemCount': 0, 'IndexArn': arn + '/index/lsi1'}]
    assert t['GlobalSecondaryIndexes'] == [{
        'IndexName': 'gsi1', 'KeySchema': [hk('g')], 'Projection': {'ProjectionType': 'KEYS_ONLY'},
        'IndexStatus': 'ACTIVE', 'ProvisionedThroughput': {'ReadCapacityUnits': 0,
                                                           'WriteCapacityUnits': 0},
        'IndexSizeBytes': 0, 'ItemCount': 0, 'IndexArn': arn + '/index/gsi1'}]


def test_create_stream_shape(create, table_name):
    st, _, b, payload = create(body(table_name, StreamSpecification={
        'StreamEnabled': True, 'StreamViewType': 'NEW_AND_OLD_IMAGES'}))
    assert st == 200
    d = member(order(payload), 'TableDescription')
    assert keys(d)[-4:] == ['StreamSpecification', 'LatestStreamLabel', 'LatestStreamArn',
                            'DeletionProtectionEnabled']
    t = b['TableDescription']
    assert t['StreamSpecification'] == {'StreamEnabled': True,
                                        'StreamViewType': 'NEW_AND_OLD_IMAGES'}
    assert re.fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}', t['LatestStreamLabel'])
    assert t['LatestStreamArn'] == t['TableArn'] + '/stream/' + t['LatestStreamLabel']


# =============================================================================================
# CreateTable: validation (one problem per request)
# =============================================================================================

HR = [ad('id'), ad('r')]
ADL = HR + [ad('l', 'N')]
ADG = HR + [ad('g')]
ADLG = ADL + [ad('g')]

# (id, patch of the valid hash+range request, message); all ValidationException.
CREATE_INVALID = [
    ('name-missing', dict(TableName=None), NAME_MSG),
    ('name-empty', dict(TableName=''), NAME_MSG),
    ('name-2-chars', dict(TableName='ab'), NAME_MSG),
    ('name-256-chars', dict(TableName='a' * 256), NAME_MSG),
    ('name-dollar', dict(TableName='abc$'), NAME_MSG),
    ('name-space', dict(TableName='ab cd'), NAME_MSG),
    ('name-slash', dict(TableName='ab/cd'), NAME_MSG),
    ('keyschema-missing', dict(KeySchema=None), NO_KEY_SCHEMA),
    ('keyschema-empty', dict(KeySchema=[]), NO_HASH),
    ('keyschema-3-keys', dict(KeySchema=[hk(), rk(), rk('q')]), TOO_BIG),
    ('keytype-unknown', dict(KeySchema=[{'AttributeName': 'id', 'KeyType': 'FOO'}, rk()]), NO_HASH),
    ('keytype-lowercase', dict(KeySchema=[{'AttributeName': 'id', 'KeyType': 'hash'}, rk()]), NO_HASH),
    ('keytype-missing', dict(KeySchema=[{'AttributeName': 'id'}, rk()]), NOT_HASH_OR_RANGE),
    ('key-attributename-missing', dict(KeySchema=[{'KeyType': 'HASH'}, rk()]), ATTR_NAME_REQUIRED),
    ('key-attributename-empty', dict(KeySchema=[hk(''), rk()]), HASH_UNDEFINED),
    ('range-first', dict(KeySchema=[rk(), hk()]), KEY_ORDER),
    ('range-only', dict(KeySchema=[rk('id')]), NO_HASH),
    ('two-ranges', dict(KeySchema=[rk('id'), rk()]), NO_HASH),
    ('two-hashes', dict(KeySchema=[hk(), hk('r')]), TWO_HASH),
    ('hash-and-range-same-attribute', dict(KeySchema=[hk(), rk('id')]), SAME_KEY_NAME),
    ('key-name-256-chars', dict(KeySchema=[hk('k' * 256)], AttributeDefinitions=[ad('k' * 256)]),
     NAME_LEN),
    ('attrdefs-missing', dict(AttributeDefinitions=None), NO_ATTR_SCHEMA),
    ('attrdefs-empty', dict(AttributeDefinitions=[]), HASH_UNDEFINED),
    ('attrtype-unknown', dict(AttributeDefinitions=[ad('id', 'BOOL'), ad('r')]), ENUM_BNS),
    ('attrtype-lowercase', dict(AttributeDefinitions=[ad('id', 's'), ad('r')]), ENUM_BNS),
    ('attrtype-missing', dict(AttributeDefinitions=[{'AttributeName': 'id'}, ad('r')]), NO_DATATYPE),
    ('attrname-missing', dict(AttributeDefinitions=[{'AttributeType': 'S'}, ad('r')]),
     ATTR_NAME_REQUIRED),
    ('attrdefs-duplicate', dict(AttributeDefinitions=HR + [ad('id')]), DUP_ATTR),
    ('attrdefs-duplicate-other-type', dict(AttributeDefinitions=HR + [ad('id', 'N')]), DUP_ATTR),
    ('hash-not-defined', dict(AttributeDefinitions=[ad('r'), ad('x')]), HASH_UNDEFINED),
    ('range-not-defined', dict(AttributeDefinitions=[ad('id'), ad('x')]), RANGE_UNDEFINED),
    ('range-not-defined-short-list', dict(AttributeDefinitions=[ad('id')]), RANGE_UNDEFINED),
    ('extra-attrdef', dict(AttributeDefinitions=HR + [ad('x')]), MISMATCH),
    ('extra-attrdef-not-used-by-index', dict(AttributeDefinitions=ADG + [ad('x')],
                                             GlobalSecondaryIndexes=[gsi()]), MISMATCH),
    # billing mode and throughput
    ('no-billing-no-throughput', dict(BillingMode=None), NO_PT),
    ('provisioned-no-throughput', dict(BillingMode='PROVISIONED'), NO_PT),
    ('throughput-zero', dict(BillingMode=None, ProvisionedThroughput=pt(0, 1)), PT_MIN),
    ('throughput-zero-write', dict(BillingMode=None, ProvisionedThroughput=pt(1, 0)), PT_MIN),
    ('throughput-negative', dict(BillingMode=None, ProvisionedThroughput=pt(-1, 1)), PT_MIN),
    ('throughput-write-missing', dict(BillingMode=None,
                                      ProvisionedThroughput={'ReadCapacityUnits': 1}), PT_MIN),
    ('throughput-empty', dict(BillingMode='PROVISIONED', ProvisionedThroughput={}), PT_MIN),
    ('throughput-read-40001', dict(BillingMode=None, ProvisionedThroughput=pt(40001, 1)), PT_MAX),
    ('throughput-write-40001', dict(BillingMode=None, ProvisionedThroughput=pt(1, 40001)), PT_MAX),
    ('throughput-10e12', dict(BillingMode=None, ProvisionedThroughput=pt(10 ** 12, 1)), PT_MAX),
    ('throughput-zero-beats-huge', dict(BillingMode=None, ProvisionedThroughput=pt(0, 40001)), PT_MIN),
    ('throughput-huge-then-zero', dict(BillingMode=None, ProvisionedThroughput=pt(40001, 0)), PT_MIN),
    # streams
    ('stream-no-view-type', dict(StreamSpecification={'StreamEnabled': True}), STREAM_NO_TYPE),
    ('stream-disabled-with-view-type', dict(StreamSpecification={
        'StreamEnabled': False, 'StreamViewType': 'KEYS_ONLY'}), STREAM_FALSE_WITH_TYPE),
    ('stream-empty', dict(StreamSpecification={}), STREAM_NULL),
    ('stream-only-view-type', dict(StreamSpecification={'StreamViewType': 'KEYS_ONLY'}), STREAM_NULL),
    ('stream-bad-view-type', dict(StreamSpecification={
        'StreamEnabled': True, 'StreamViewType': 'FOO'}), 'Invalid StreamViewType: FOO'),
    # local secondary indexes
    ('lsi-on-hash-table', dict(KeySchema=[hk()], AttributeDefinitions=[ad('id'), ad('l')],
                               LocalSecondaryIndexes=[lsi()]), LSI_ON_HASH),
    ('lsi-range-not-defined', dict(LocalSecondaryIndexes=[lsi()]), LSI_RANGE_UNDEFINED),
    ('lsi-other-hash', dict(AttributeDefinitions=ADL, LocalSecondaryIndexes=[
        lsi(hash_attr='l', attr='r')]), LSI_SAME_HASH),
    ('lsi-hash-only', dict(AttributeDefinitions=ADL, LocalSecondaryIndexes=[
        {'IndexName': 'lsi1', 'KeySchema': [hk()], 'Projection': {'ProjectionType': 'ALL'}}]),
     LSI_NEEDS_RANGE),
    ('lsi-name-missing', dict(AttributeDefinitions=ADL, LocalSecondaryIndexes=[
        {'KeySchema': [hk(), rk('l')], 'Projection': {'ProjectionType': 'ALL'}}]), NAME_MSG),
    ('lsi-name-2-chars', dict(AttributeDefinitions=ADL, LocalSecondaryIndexes=[lsi('l1')]), NAME_MSG),
    ('lsi-name-bad-char', dict(AttributeDefinitions=ADL, LocalSecondaryIndexes=[lsi('a$b')]),
     NAME_MSG),
    ('lsi-projection-missing', dict(AttributeDefinitions=ADL, LocalSecondaryIndexes=[
        {'IndexName': 'lsi1', 'KeySchema': [hk(), rk('l')]}]), NO_PROJECTION),
    ('lsi-projection-empty', dict(AttributeDefinitions=ADL, LocalSecondaryIndexes=[lsi(proj={})]),
     NO_PROJECTION),
    ('lsi-keyschema-missing', dict(AttributeDefinitions=ADL, LocalSecondaryIndexes=[
        {'IndexName': 'lsi1', 'Projection': {'ProjectionType': 'ALL'}}]), NO_KEY_SCHEMA),
    ('lsi-duplicate-names', dict(AttributeDefinitions=ADL, LocalSecondaryIndexes=[lsi(), lsi()]),
     LSI_DUP),
    ('lsi-include-without-attributes', dict(AttributeDefinitions=ADL, LocalSecondaryIndexes=[
        lsi(proj={'ProjectionType': 'INCLUDE'})]), INCLUDE_EMPTY),
    ('lsi-all-with-attributes', dict(AttributeDefinitions=ADL, LocalSecondaryIndexes=[
        lsi(proj={'ProjectionType': 'ALL', 'NonKeyAttributes': ['x']})]), NONKEY_NOT_INCLUDE),
    ('lsi-bad-projection-type', dict(AttributeDefinitions=ADL, LocalSecondaryIndexes=[
        lsi(proj={'ProjectionType': 'FOO'})]), BAD_PROJECTION),
    ('lsi-duplicate-nonkey', dict(AttributeDefinitions=ADL, LocalSecondaryIndexes=[
        lsi(proj={'ProjectionType': 'INCLUDE', 'NonKeyAttributes': ['x', 'x']})]), DUP_ATTR),
    ('lsi-6', dict(AttributeDefinitions=HR + [ad('l%d' % i) for i in range(6)],
                   LocalSecondaryIndexes=[lsi('lsi%d' % i, 'l%d' % i) for i in range(6)]), LSI_MAX),
    ('lsi-101-projected', dict(AttributeDefinitions=ADL, LocalSecondaryIndexes=[
        lsi(proj=include(101))]), PROJECTED_MAX),
    # global secondary indexes
    ('gsi-empty-list', dict(GlobalSecondaryIndexes=[]), GSI_EMPTY),
    ('gsi-hash-not-defined', dict(GlobalSecondaryIndexes=[gsi()]), GSI_HASH_UNDEFINED),
    ('gsi-range-not-defined', dict(AttributeDefinitions=ADG, GlobalSecondaryIndexes=[
        {'IndexName': 'gsi1', 'KeySchema': [hk('g'), rk('q')], 'Projection': {'ProjectionType': 'ALL'}}]),
     GSI_RANGE_UNDEFINED),
    ('gsi-projection-missing', dict(AttributeDefinitions=ADG, GlobalSecondaryIndexes=[
        {'IndexName': 'gsi1', 'KeySchema': [hk('g')]}]), NO_PROJECTION),
    ('gsi-keyschema-missing', dict(AttributeDefinitions=ADG, GlobalSecondaryIndexes=[
        {'IndexName': 'gsi1', 'Projection': {'ProjectionType': 'ALL'}}]), NO_KEY_SCHEMA),
    ('gsi-name-missing', dict(AttributeDefinitions=ADG, GlobalSecondaryIndexes=[
        {'KeySchema': [hk('g')], 'Projection': {'ProjectionType': 'ALL'}}]), NAME_MSG),
    ('gsi-name-2-chars', dict(AttributeDefinitions=ADG, GlobalSecondaryIndexes=[gsi('g1')]), NAME_MSG),
    ('gsi-name-256-chars', dict(AttributeDefinitions=ADG, GlobalSecondaryIndexes=[gsi('i' * 256)]),
     NAME_MSG),
    ('gsi-range-only', dict(AttributeDefinitions=ADG, GlobalSecondaryIndexes=[
        {'IndexName': 'gsi1', 'KeySchema': [rk('g')], 'Projection': {'ProjectionType': 'ALL'}}]), NO_HASH),
    ('gsi-3-keys', dict(AttributeDefinitions=ADG, GlobalSecondaryIndexes=[
        {'IndexName': 'gsi1', 'KeySchema': [hk('g'), rk('id'), rk('r')],
         'Projection': {'ProjectionType': 'ALL'}}]), TOO_BIG),
    ('gsi-duplicate-names', dict(AttributeDefinitions=ADG, GlobalSecondaryIndexes=[gsi(), gsi()]),
     GSI_DUP),
    ('lsi-and-gsi-same-name', dict(AttributeDefinitions=ADLG, LocalSecondaryIndexes=[lsi('idx')],
                                   GlobalSecondaryIndexes=[gsi('idx')]), LSI_GSI_SAME),
    ('gsi-include-without-attributes', dict(AttributeDefinitions=ADG, GlobalSecondaryIndexes=[
        gsi(proj={'ProjectionType': 'INCLUDE'})]), INCLUDE_EMPTY),
    ('gsi-include-empty-attributes', dict(AttributeDefinitions=ADG, GlobalSecondaryIndexes=[
        gsi(proj={'ProjectionType': 'INCLUDE', 'NonKeyAttributes': []})]), INCLUDE_EMPTY),
    ('gsi-keys-only-with-attributes', dict(AttributeDefinitions=ADG, GlobalSecondaryIndexes=[
        gsi(proj={'ProjectionType': 'KEYS_ONLY', 'NonKeyAttributes': ['x']})]), NONKEY_NOT_INCLUDE),
    ('gsi-nonkey-empty-name', dict(AttributeDefinitions=ADG, GlobalSecondaryIndexes=[
        gsi(proj={'ProjectionType': 'INCLUDE', 'NonKeyAttributes': ['']})]), NAME_LEN),
    ('gsi-21', dict(AttributeDefinitions=HR + [ad('g%d' % i) for i in range(21)],
                    GlobalSecondaryIndexes=[gsi('gsi%d' % i, 'g%d' % i) for i in range(21)]), GSI_MAX),
    ('gsi-101-projected', dict(AttributeDefinitions=ADG, GlobalSecondaryIndexes=[
        gsi(proj=include(101))]), PROJECTED_MAX),
    ('projected-summed-over-indexes', dict(
        AttributeDefinitions=ADG + [ad('h')],
        GlobalSecondaryIndexes=[gsi(proj=include(60)), gsi('gsi2', 'h', proj=include(50, 60))]),
     PROJECTED_MAX),
    ('projected-counted-with-repeats', dict(
        AttributeDefinitions=ADG + [ad('h')],
        GlobalSecondaryIndexes=[gsi(proj=include(60)), gsi('gsi2', 'h', proj=include(50))]),
     PROJECTED_MAX),
    ('gsi-provisioned-no-throughput', dict(BillingMode=None, ProvisionedThroughput=pt(),
                                           AttributeDefinitions=ADG, GlobalSecondaryIndexes=[gsi()]),
     GSI_NO_PT),
    ('gsi-throughput-zero', dict(BillingMode=None, ProvisionedThroughput=pt(), AttributeDefinitions=ADG,
                                 GlobalSecondaryIndexes=[gsi(ProvisionedThroughput=pt(0, 1))]),
     GSI_PT_MIN),
    ('gsi-throughput-40001', dict(BillingMode=None, ProvisionedThroughput=pt(), AttributeDefinitions=ADG,
                                  GlobalSecondaryIndexes=[gsi(ProvisionedThroughput=pt(40001, 1))]),
     GSI_PT_MAX),
]


@pytest.mark.parametrize('patch,message', [c[1:] for c in CREATE_INVALID],
                         ids=[c[0] for c in CREATE_INVALID])
def test_create_invalid(create, raw, table_name, patch, message):
    req = body(table_name, **patch)
    expect_error(create(req), VE, message)
    name = req.get('TableName')
    if isinstance(name, str) and re.fullmatch(r'[A-Za-z0-9_.-]{3,255}', name):
        expect_error(raw.call('DescribeTable', {'TableName': req['TableName']}), RNF, MISSING_TABLE)


def test_create_empty_body(raw):
    expect_error(raw.call('CreateTable', {}), VE, NAME_MSG)


# Which error wins when a request has several problems.
CREATE_PRECEDENCE = [
    ('bad-name-and-no-keyschema', dict(TableName='ab', KeySchema=None), NAME_MSG),
    ('no-name-and-no-keyschema', dict(TableName=None, KeySchema=None, AttributeDefinitions=None),
     NAME_MSG),
    ('no-keyschema-and-no-attrdefs', dict(KeySchema=None, AttributeDefinitions=None), NO_KEY_SCHEMA),
    ('no-keyschema-and-bad-attrtype', dict(KeySchema=None, AttributeDefinitions=[ad('id', 'X')]),
     NO_KEY_SCHEMA),
    ('3-keys-and-bad-attrtype', dict(KeySchema=[hk(), rk(), rk('q')],
                                     AttributeDefinitions=[ad('id', 'X')]), TOO_BIG),
    ('3-keys-and-no-attrdefs', dict(KeySchema=[hk(), rk(), rk('q')], AttributeDefinitions=[]), TOO_BIG),
    ('two-hashes-and-undefined', dict(KeySchema=[hk('a'), hk('b')], AttributeDefinitions=[]), TWO_HASH),
    ('range-first-and-undefined', dict(KeySchema=[rk('a'), hk('b')], AttributeDefinitions=[]),
     KEY_ORDER),
    ('same-key-name-and-undefined', dict(KeySchema=[hk('a'), rk('a')], AttributeDefinitions=[]),
     SAME_KEY_NAME),
    ('keytype-missing-and-undefined', dict(KeySchema=[{'AttributeName': 'a'}], AttributeDefinitions=[]),
     NOT_HASH_OR_RANGE),
    ('duplicate-attrdef-and-hash-undefined', dict(AttributeDefinitions=[ad('x'), ad('x')]), DUP_ATTR),
    ('attrtype-missing-and-hash-undefined', dict(AttributeDefinitions=[{'AttributeName': 'x'}]),
     NO_DATATYPE),
    ('no-attrdefs-and-no-throughput', dict(AttributeDefinitions=None, BillingMode=None), NO_ATTR_SCHEMA),
    ('bad-attrtype-and-no-throughput', dict(AttributeDefinitions=[ad('id', 'X'), ad('r')],
                                            BillingMode=None), ENUM_BNS),
    ('key-name-256-and-undefined', dict(KeySchema=[hk('k' * 256)], AttributeDefinitions=[]),
     HASH_UNDEFINED),
    ('mismatch-and-no-throughput', dict(AttributeDefinitions=HR + [ad('z')], BillingMode=None), MISMATCH),
    ('mismatch-and-zero-throughput', dict(AttributeDefinitions=HR + [ad('z')], BillingMode=None,
                                          ProvisionedThroughput=pt(0, 0)), MISMATCH),
    ('mismatch-and-huge-throughput', dict(AttributeDefinitions=HR + [ad('z')], BillingMode=None,
                                          ProvisionedThroughput=pt(40001, 1)), MISMATCH),
    ('zero-throughput-and-bad-stream', dict(BillingMode=None, ProvisionedThroughput=pt(0, 0),
                                            StreamSpecification={'StreamEnabled': True}), PT_MIN),
    ('bad-stream-and-mismatch', dict(AttributeDefinitions=HR + [ad('z')],
                                     StreamSpecification={'StreamEnabled': True}), MISMATCH),
    ('bad-stream-and-hash-undefined', dict(AttributeDefinitions=[],
                                           StreamSpecification={'StreamEnabled': True}), HASH_UNDEFINED),
    ('bad-stream-and-gsi-include', dict(AttributeDefinitions=ADG, StreamSpecification={'StreamEnabled': True},
                                        GlobalSecondaryIndexes=[gsi(proj={'ProjectionType': 'INCLUDE'})]),
     INCLUDE_EMPTY),
    ('hash-undefined-and-6-lsis', dict(AttributeDefinitions=[ad('r')] + [ad('l%d' % i) for i in range(6)],
                                       LocalSecondaryIndexes=[lsi('lsi%d' % i, 'l%d' % i) for i in range(6)]),
     HASH_UNDEFINED),
    ('lsi-on-hash-table-and-6-lsis', dict(KeySchema=[hk()], AttributeDefinitions=[ad('id')] + [
        ad('l%d' % i) for i in range(6)], LocalSecondaryIndexes=[lsi('lsi%d' % i, 'l%d' % i) for i in range(6)]),
     LSI_ON_HASH),
    ('lsi-on-hash-table-and-bad-lsi-name', dict(KeySchema=[hk()], AttributeDefinitions=[ad('id'), ad('l')],
                                                LocalSecondaryIndexes=[lsi('ab')]), LSI_ON_HASH),
    ('6-lsis-and-21-gsis', dict(
        AttributeDefinitions=HR + [ad('x%d' % i) for i in range(21)],
        LocalSecondaryIndexes=[lsi('lsi%d' % i, 'x%d' % i) for i in range(6)],
        GlobalSecondaryIndexes=[gsi('gsi%d' % i, 'x%d' % i) for i in range(21)]), LSI_MAX),
    ('21-gsis-with-bad-names', dict(AttributeDefinitions=HR + [ad('g%d' % i) for i in range(21)],
                                    GlobalSecondaryIndexes=[gsi('g%d' % i, 'g%d' % i) for i in range(21)]),
     GSI_MAX),
    ('gsi-no-throughput-and-gsi-hash-undefined', dict(BillingMode=None, ProvisionedThroughput=pt(),
                                                      GlobalSecondaryIndexes=[gsi()]), GSI_NO_PT),
    ('gsi-no-throughput-and-gsi-keyschema-missing', dict(
        BillingMode=None, ProvisionedThroughput=pt(), AttributeDefinitions=ADG,
        GlobalSecondaryIndexes=[{'IndexName': 'gsi1', 'Projection': {'ProjectionType': 'ALL'}}]), GSI_NO_PT),
    ('gsi-no-throughput-and-table-no-throughput', dict(BillingMode=None, AttributeDefinitions=ADG,
                                                       GlobalSecondaryIndexes=[gsi()]), GSI_NO_PT),
    ('gsi-no-throughput-and-mismatch', dict(BillingMode=None, ProvisionedThroughput=pt(),
                                            AttributeDefinitions=ADG + [ad('z')],
                                            GlobalSecondaryIndexes=[gsi()]), GSI_NO_PT),
    ('gsi-no-throughput-and-gsi-include', dict(BillingMode=None, ProvisionedThroughput=pt(0, 0),
                                               AttributeDefinitions=ADG, GlobalSecondaryIndexes=[
                                                   gsi(proj={'ProjectionType': 'INCLUDE'})]), GSI_NO_PT),
    ('gsi-huge-throughput-and-table-huge', dict(BillingMode=None, ProvisionedThroughput=pt(40001, 1),
                                                AttributeDefinitions=ADG, GlobalSecondaryIndexes=[
                                                    gsi(ProvisionedThroughput=pt(40001, 1))]), GSI_PT_MAX),
    ('gsi-huge-throughput-and-bad-gsi-name', dict(BillingMode=None, ProvisionedThroughput=pt(),
                                                  AttributeDefinitions=ADG, GlobalSecondaryIndexes=[
                                                      gsi('ab', ProvisionedThroughput=pt(40001, 1))]),
     GSI_PT_MAX),
    ('gsi-bad-name-and-include', dict(AttributeDefinitions=ADG, GlobalSecondaryIndexes=[
        gsi('ab', proj={'ProjectionType': 'INCLUDE'})]), NAME_MSG),
    ('gsi-bad-name-and-hash-undefined', dict(GlobalSecondaryIndexes=[gsi('ab')]), NAME_MSG),
    ('gsi-bad-name-and-duplicate', dict(AttributeDefinitions=ADG, GlobalSecondaryIndexes=[gsi('ab'), gsi('ab')]),
     NAME_MSG),
    ('gsi-projection-missing-and-hash-undefined', dict(GlobalSecondaryIndexes=[
        {'IndexName': 'gsi1', 'KeySchema': [hk('g')]}]), NO_PROJECTION),
    ('gsi-include-and-mismatch', dict(AttributeDefinitions=ADG + [ad('z')], GlobalSecondaryIndexes=[
        gsi(proj={'ProjectionType': 'INCLUDE'})]), INCLUDE_EMPTY),
    ('gsi-hash-undefined-and-mismatch', dict(AttributeDefinitions=HR + [ad('z')],
                                             GlobalSecondaryIndexes=[gsi()]), GSI_HASH_UNDEFINED),
    ('first-gsi-include-then-duplicate', dict(AttributeDefinitions=ADG, GlobalSecondaryIndexes=[
        gsi(proj={'ProjectionType': 'INCLUDE'}), gsi()]), INCLUDE_EMPTY),
    ('duplicate-before-second-gsi-include', dict(AttributeDefinitions=ADG, GlobalSecondaryIndexes=[
        gsi(), gsi(proj={'ProjectionType': 'INCLUDE'})]), GSI_DUP),
    ('lsi-bad-projection-and-gsi-include', dict(AttributeDefinitions=ADLG, LocalSecondaryIndexes=[
        lsi(proj={'ProjectionType': 'FOO'})], GlobalSecondaryIndexes=[gsi(proj={'ProjectionType': 'INCLUDE'})]),
     BAD_PROJECTION),
    ('lsi-include-and-gsi-bad-projection', dict(AttributeDefinitions=ADLG, LocalSecondaryIndexes=[
        lsi(proj={'ProjectionType': 'INCLUDE'})], GlobalSecondaryIndexes=[gsi(proj={'ProjectionType': 'FOO'})]),
     INCLUDE_EMPTY),
    ('lsi-duplicate-and-gsi-projection-missing', dict(
        AttributeDefinitions=ADLG, LocalSecondaryIndexes=[lsi(), lsi()],
        GlobalSecondaryIndexes=[{'IndexName': 'gsi1', 'KeySchema': [hk('g')]}]), LSI_DUP),
    ('lsi-duplicate-and-gsi-duplicate', dict(AttributeDefinitions=ADLG, LocalSecondaryIndexes=[lsi(), lsi()],
                                             GlobalSecondaryIndexes=[gsi(), gsi()]), LSI_DUP),
    ('lsi-gsi-same-name-and-gsi-duplicate', dict(AttributeDefinitions=ADLG, LocalSecondaryIndexes=[lsi('idx')],
                                                 GlobalSecondaryIndexes=[gsi('idx'), gsi('idx')]),
     LSI_GSI_SAME),
    ('lsi-bad-projection-and-gsi-no-throughput', dict(
        BillingMode=None, ProvisionedThroughput=pt(), AttributeDefinitions=ADLG,
        LocalSecondaryIndexes=[lsi(proj={'ProjectionType': 'FOO'})], GlobalSecondaryIndexes=[gsi()]),
     BAD_PROJECTION),
    ('lsi-range-undefined-and-gsi-hash-undefined', dict(LocalSecondaryIndexes=[lsi()],
                                                        GlobalSecondaryIndexes=[gsi()]), LSI_RANGE_UNDEFINED),
    ('bad-lsi-name-and-bad-gsi-name', dict(AttributeDefinitions=ADLG, LocalSecondaryIndexes=[lsi('x$y')],
                                           GlobalSecondaryIndexes=[gsi('ab')]), NAME_MSG),
]


@pytest.mark.parametrize('patch,message', [c[1:] for c in CREATE_PRECEDENCE],
                         ids=[c[0] for c in CREATE_PRECEDENCE])
def test_create_error_precedence(create, table_name, patch, message):
    expect_error(create(body(table_name, **patch)), VE, message)


def test_create_validation_before_existence(made, raw):
    name, _ = made(hash_only=True)
    expect_error(raw.call('CreateTable', body(name, AttributeDefinitions=[])), VE, HASH_UNDEFINED)
    expect_error(raw.call('CreateTable', body(name, hash_only=True,
                                              StreamSpecification={'StreamEnabled': True})),
                 VE, STREAM_NO_TYPE)


# =============================================================================================
# CreateTable: functionality
# =============================================================================================

def test_create_existing_table(made, raw):
    name, _ = made(hash_only=True)
    expect_error(raw.call('CreateTable', body(name)), RIU, 'Cannot create preexisting table')


@pytest.mark.parametrize('name', ['abc', 'a.b-c_D9', 'A' * 255, '0123', '...', '---', '___'])
def test_create_valid_names(create, raw, tables, name):
    st, _, b, _ = create(body(name, hash_only=True))
    assert st == 200
    assert b['TableDescription']['TableName'] == name
    st, _, b, _ = raw.call('DescribeTable', {'TableName': name})
    assert st == 200 and b['Table']['TableName'] == name


def test_create_key_attribute_name_255(create, table_name):
    n = 'k' * 255
    st, _, b, _ = create(body(table_name, KeySchema=[hk(n)], AttributeDefinitions=[ad(n, 'B')]))
    assert st == 200
    assert b['TableDescription']['KeySchema'] == [hk(n)]


@pytest.mark.parametrize('types', [('S', 'N'), ('N', 'B'), ('B', 'S')])
def test_create_key_types(create, table_name, types):
    st, _, b, _ = create(body(table_name, AttributeDefinitions=[ad('id', types[0]), ad('r', types[1])]))
    assert st == 200
    assert b['TableDescription']['AttributeDefinitions'] == [ad('id', types[0]), ad('r', types[1])]


def test_create_attribute_definitions_keep_request_order(create, table_name):
    defs = [ad('g'), ad('r', 'N'), ad('id', 'B')]
    st, _, b, _ = create(body(table_name, AttributeDefinitions=defs, GlobalSecondaryIndexes=[gsi()]))
    assert st == 200
    assert b['TableDescription']['AttributeDefinitions'] == defs


def test_create_pay_per_request_with_throughput_is_accepted(create, table_name):
    # quirk 7.2 #7: the service refuses this; DynamoDB Local reports 0/0
    st, _, b, _ = create(body(table_name, ProvisionedThroughput=pt(5, 5)))
    assert st == 200
    p = b['TableDescription']['ProvisionedThroughput']
    assert (p['ReadCapacityUnits'], p['WriteCapacityUnits']) == (0, 0)
    assert b['TableDescription']['BillingModeSummary']['BillingMode'] == 'PAY_PER_REQUEST'


def test_create_pay_per_request_with_zero_throughput_is_accepted(create, table_name):
    st, _, b, _ = create(body(table_name, ProvisionedThroughput=pt(0, 0)))
    assert st == 200


def test_create_throughput_40000_is_the_maximum(create, table_name):
    st, _, b, _ = create(body(table_name, BillingMode=None, ProvisionedThroughput=pt(40000, 40000)))
    assert st == 200
    p = b['TableDescription']['ProvisionedThroughput']
    assert (p['ReadCapacityUnits'], p['WriteCapacityUnits']) == (40000, 40000)


def test_create_provisioned_gsi_throughput_reported(create, table_name):
    st, _, b, _ = create(body(table_name, BillingMode=None, ProvisionedThroughput=pt(4, 5),
                              AttributeDefinitions=ADG,
                              GlobalSecondaryIndexes=[gsi(ProvisionedThroughput=pt(2, 3))]))
    assert st == 200
    g = b['TableDescription']['GlobalSecondaryIndexes'][0]
    assert g['ProvisionedThroughput'] == {'ReadCapacityUnits': 2, 'WriteCapacityUnits': 3}


def test_create_on_demand_gsi_throughput_ignored(create, table_name):
    st, _, b, _ = create(body(table_name, AttributeDefinitions=ADG,
                              GlobalSecondaryIndexes=[gsi(ProvisionedThroughput=pt(7, 7))]))
    assert st == 200
    g = b['TableDescription']['GlobalSecondaryIndexes'][0]
    assert g['ProvisionedThroughput'] == {'ReadCapacityUnits': 0, 'WriteCapacityUnits': 0}


def test_create_5_lsis_and_20_gsis(create, table_name):
    st, _, b, _ = create(body(
        table_name, AttributeDefinitions=HR + [ad('x%d' % i) for i in range(20)],
        LocalSecondaryIndexes=[lsi('lsi%d' % i, 'x%d' % i) for i in range(5)],
        GlobalSecondaryIndexes=[gsi('gsi%d' % i, 'x%d' % i) for i in range(20)]))
    assert st == 200
    t = b['TableDescription']
    # Indexes come back in Java HashMap order of their names (bucket of String.hashCode, as
    # attribute maps do, section 3.3), not in request order
    assert [i['IndexName'] for i in t['LocalSecondaryIndexes']] == ['lsi4', 'lsi2', 'lsi3', 'lsi0',
                                                                    'lsi1']
    assert [i['IndexName'] for i in t['GlobalSecondaryIndexes']] == [
        'gsi15', 'gsi14', 'gsi17', 'gsi0', 'gsi16', 'gsi1', 'gsi19', 'gsi2', 'gsi18', 'gsi3',
        'gsi4', 'gsi5', 'gsi6', 'gsi7', 'gsi8', 'gsi9', 'gsi11', 'gsi10', 'gsi13', 'gsi12']
    assert t['AttributeDefinitions'] == HR + [ad('x%d' % i) for i in range(20)]


def test_create_100_projected_attributes(create, table_name):
    st, _, b, _ = create(body(table_name, AttributeDefinitions=ADG,
                              GlobalSecondaryIndexes=[gsi(proj=include(100))]))
    assert st == 200
    proj = b['TableDescription']['GlobalSecondaryIndexes'][0]['Projection']
    assert proj['NonKeyAttributes'] == ['n%d' % i for i in range(100)]


def test_create_index_edge_cases_accepted(create, table_name):
    # LSI on the table's own range key, INCLUDE of a key attribute, GSI on the table's keys,
    # an index named like its table, a 255-character index name
    st, _, b, _ = create(body(table_name, LocalSecondaryIndexes=[
        lsi(table_name[:255], 'r', proj={'ProjectionType': 'INCLUDE', 'NonKeyAttributes': ['id']})],
        GlobalSecondaryIndexes=[{'IndexName': 'i' * 255, 'KeySchema': [hk(), rk()],
                                 'Projection': {'ProjectionType': 'ALL'}}]))
    assert st == 200
    t = b['TableDescription']
    assert t['LocalSecondaryIndexes'][0]['Projection'] == {'ProjectionType': 'INCLUDE',
                                                           'NonKeyAttributes': ['id']}
    assert t['GlobalSecondaryIndexes'][0]['IndexName'] == 'i' * 255


def test_create_empty_lsi_list_accepted(create, table_name):
    st, _, b, _ = create(body(table_name, LocalSecondaryIndexes=[]))
    assert st == 200


def test_create_stream_disabled(create, table_name):
    st, _, b, _ = create(body(table_name, StreamSpecification={'StreamEnabled': False}))
    assert st == 200
    t = b['TableDescription']
    for m in ('StreamSpecification', 'LatestStreamArn', 'LatestStreamLabel'):
        assert m not in t


@pytest.mark.parametrize('view', ['KEYS_ONLY', 'NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES'])
def test_create_stream_view_types(create, table_name, view):
    st, _, b, _ = create(body(table_name, StreamSpecification={'StreamEnabled': True,
                                                                'StreamViewType': view}))
    assert st == 200
    assert b['TableDescription']['StreamSpecification']['StreamViewType'] == view


def test_create_ignores_sse_tags_and_table_class(create, table_name):
    st, _, b, payload = create(body(table_name, hash_only=True,
                                    SSESpecification={'Enabled': True, 'SSEType': 'KMS',
                                                      'KMSMasterKeyId': 'abc'},
                                    Tags=[{'Key': 'a', 'Value': 'b'}],
                                    TableClass='STANDARD_INFREQUENT_ACCESS'))
    assert st == 200
    assert keys(member(order(payload), 'TableDescription')) == [
        'AttributeDefinitions', 'TableName', 'KeySchema', 'TableStatus', 'CreationDateTime',
        'ProvisionedThroughput', 'TableSizeBytes', 'ItemCount', 'TableArn', 'BillingModeSummary',
        'DeletionProtectionEnabled']


def test_create_unknown_members_ignored(create, table_name):
    st, _, b, _ = create(body(table_name, Foo='bar', OnDemandThroughput={'MaxReadRequestUnits': 5}))
    assert st == 200


def test_create_deletion_protection(create, table_name):
    st, _, b, _ = create(body(table_name, DeletionProtectionEnabled=True))
    assert st == 200
    assert b['TableDescription']['DeletionProtectionEnabled'] is True


def test_create_with_boto3_matches_describe(ddb, tables, table_name):
    tables.append(table_name)
    t = ddb.create_table(TableName=table_name, KeySchema=[hk(), rk()], AttributeDefinitions=HR,
                         BillingMode='PAY_PER_REQUEST')['TableDescription']
    d = ddb.describe_table(TableName=table_name)['Table']
    assert t == d
    assert d['TableStatus'] == 'ACTIVE'


def test_create_table_usable_at_once(ddb, made):
    name, _ = made()
    ddb.put_item(TableName=name, Item={'id': {'S': 'a'}, 'r': {'S': 'b'}})
    assert ddb.get_item(TableName=name, Key={'id': {'S': 'a'}, 'r': {'S': 'b'}})['Item'] == {
        'id': {'S': 'a'}, 'r': {'S': 'b'}}


# =============================================================================================
# DescribeTable
# =============================================================================================

@pytest.mark.parametrize('req', [{}, {'TableName': ''}, {'TableName': 'ab'}, {'TableName': 'a!b'},
                                 {'TableName': 'x' * 256}])
def test_describe_invalid_name(raw, req):
    expect_error(raw.call('DescribeTable', req), VE, NAME_MSG)


def test_describe_missing_table(raw, table_name):
    expect_error(raw.call('DescribeTable', {'TableName': table_name}), RNF, MISSING_TABLE)


def test_describe_full_member_order(made, raw, table_name):
    name, created = made(AttributeDefinitions=ADLG, LocalSecondaryIndexes=[lsi()],
                         GlobalSecondaryIndexes=[gsi()],
                         StreamSpecification={'StreamEnabled': True, 'StreamViewType': 'KEYS_ONLY'},
                         DeletionProtectionEnabled=True)
    st, _, b, payload = raw.call('DescribeTable', {'TableName': name})
    assert st == 200
    top = order(payload)
    assert keys(top) == ['Table']
    assert keys(member(top, 'Table')) == DESCRIPTION_ORDER
    assert b['Table'] == created


def test_describe_live_counts(made, ddb, raw):
    name, _ = made(hash_only=True)
    items = [
        {'id': {'S': 'a'}},                                              # 2 + 1 = 3
        {'id': {'S': 'bb'}, 'n': {'N': '123.456'}},                      # 4 + (1 + 5) = 10
        {'id': {'S': 'c'}, 'b': {'B': b'xyz'}, 't': {'BOOL': True}},     # 3 + 4 + 2 = 9
    ]
    for it in items:
        ddb.put_item(TableName=name, Item=it)
    t = raw.call('DescribeTable', {'TableName': name})[2]['Table']
    assert (t['ItemCount'], t['TableSizeBytes']) == (3, 22)
    ddb.delete_item(TableName=name, Key={'id': {'S': 'bb'}})
    t = raw.call('DescribeTable', {'TableName': name})[2]['Table']
    assert (t['ItemCount'], t['TableSizeBytes']) == (2, 12)
    ddb.put_item(TableName=name, Item={'id': {'S': 'a'}, 's': {'S': 'hello'}})  # 3 -> 9
    t = raw.call('DescribeTable', {'TableName': name})[2]['Table']
    assert (t['ItemCount'], t['TableSizeBytes']) == (2, 18)


def test_describe_index_counts_are_sparse(made, ddb, raw):
    name, _ = made(AttributeDefinitions=ADLG, LocalSecondaryIndexes=[lsi()],
                   GlobalSecondaryIndexes=[gsi(proj={'ProjectionType': 'KEYS_ONLY'})])
    ddb.put_item(TableName=name, Item={'id': {'S': 'a'}, 'r': {'S': '1'}})                 # 5
    ddb.put_item(TableName=name, Item={'id': {'S': 'a'}, 'r': {'S': '2'}, 'l': {'N': '1'}})  # 8
    ddb.put_item(TableName=name, Item={'id': {'S': 'b'}, 'r': {'S': '3'}, 'g': {'S': 'gg'},
                                       'x': {'S': 'xxxx'}})                               # 13
    t = raw.call('DescribeTable', {'TableName': name})[2]['Table']
    assert (t['ItemCount'], t['TableSizeBytes']) == (3, 26)
    # index sizes count whole items, whatever the projection (section 9)
    l, g = t['LocalSecondaryIndexes'][0], t['GlobalSecondaryIndexes'][0]
    assert (l['ItemCount'], l['IndexSizeBytes']) == (1, 8)
    assert (g['ItemCount'], g['IndexSizeBytes']) == (1, 13)


def test_describe_with_boto3(ddb, made):
    name, created = made(hash_only=True)
    t = ddb.describe_table(TableName=name)['Table']
    assert t['TableName'] == name and t['KeySchema'] == [hk()]
    with pytest.raises(ddb.exceptions.ResourceNotFoundException):
        ddb.describe_table(TableName=name + '_nope')


# =============================================================================================
# ListTables
# =============================================================================================

@pytest.mark.parametrize('req,message', [
    ({'Limit': 0}, 'Limit must be greater than or equal to 1'),
    ({'Limit': -1}, 'Limit must be greater than or equal to 1'),
    ({'Limit': 101}, 'Limit in ListTables must be <= 100'),
    ({'Limit': 1000}, 'Limit in ListTables must be <= 100'),
    ({'ExclusiveStartTableName': 'a'}, NAME_MSG),
    ({'ExclusiveStartTableName': ''}, NAME_MSG),
    ({'ExclusiveStartTableName': 'a$bc'}, NAME_MSG),
    ({'ExclusiveStartTableName': 'x' * 256}, NAME_MSG),
    ({'Limit': 0, 'ExclusiveStartTableName': 'a'}, 'Limit must be greater than or equal to 1'),
    ({'Limit': 101, 'ExclusiveStartTableName': 'a'}, 'Limit in ListTables must be <= 100'),
], ids=['limit-0', 'limit-negative', 'limit-101', 'limit-1000', 'start-1-char', 'start-empty',
        'start-bad-char', 'start-256', 'limit-0-before-start', 'limit-101-before-start'])
def test_list_invalid(raw, req, message):
    expect_error(raw.call('ListTables', req), VE, message)


def make_named(raw, tables, names):
    for n in names:
        tables.append(n)
        st, _, b, _ = raw.call('CreateTable', body(n, hash_only=True))
        assert st == 200, b


def test_list_byte_order(raw, tables, table_name):
    p = table_name + '_'
    # no two names differ only in case: DynamoDB Local answers 500 to that (SQLite table names)
    suffixes = ['b', 'a', 'C', 'x.y', '-z', '0', 'D', '_']
    make_named(raw, tables, [p + s for s in suffixes])
    st, _, b, payload = raw.call('ListTables', {'ExclusiveStartTableName': p[:-1], 'Limit': 100})
    mine = [n for n in b['TableNames'] if n.startswith(p)]
    assert mine == [p + s for s in ['-z', '0', 'C', 'D', '_', 'a', 'b', 'x.y']]
    all_names = b['TableNames']
    assert all_names == sorted(all_names, key=lambda s: s.encode())


def test_list_paging(raw, tables, table_name):
    p = table_name + '_'
    names = [p + c for c in 'abcde']
    make_named(raw, tables, names)
    st, _, b, payload = raw.call('ListTables', {'ExclusiveStartTableName': p, 'Limit': 2})
    assert st == 200
    assert keys(order(payload)) == ['TableNames', 'LastEvaluatedTableName']
    assert b == {'TableNames': names[:2], 'LastEvaluatedTableName': names[1]}
    b = raw.call('ListTables', {'ExclusiveStartTableName': names[1], 'Limit': 2})[2]
    assert b == {'TableNames': names[2:4], 'LastEvaluatedTableName': names[3]}
    b = raw.call('ListTables', {'ExclusiveStartTableName': names[2], 'Limit': 1})[2]
    assert b == {'TableNames': names[3:4], 'LastEvaluatedTableName': names[3]}


def test_list_start_name_need_not_exist(raw, tables, table_name):
    p = table_name + '_'
    make_named(raw, tables, [p + 'a', p + 'c'])
    b = raw.call('ListTables', {'ExclusiveStartTableName': p + 'b', 'Limit': 1})[2]
    assert b['TableNames'] == [p + 'c']
    b = raw.call('ListTables', {'ExclusiveStartTableName': p + 'a', 'Limit': 1})[2]
    assert b['TableNames'] == [p + 'c']


def test_list_no_last_evaluated_when_page_reaches_end(raw, tables, table_name):
    # 'zzzz' sorts after the names of the other tests' tables
    p = 'zzzz' + table_name + '_'
    make_named(raw, tables, [p + 'a', p + 'b'])
    st, _, b, payload = raw.call('ListTables', {'ExclusiveStartTableName': p, 'Limit': 2})
    assert b == {'TableNames': [p + 'a', p + 'b']}
    b = raw.call('ListTables', {'ExclusiveStartTableName': p + 'a', 'Limit': 5})[2]
    assert b == {'TableNames': [p + 'b']}
    b = raw.call('ListTables', {'ExclusiveStartTableName': p + 'b'})[2]
    assert b == {'TableNames': []}


def test_list_limit_100_accepted(raw):
    st, _, b, _ = raw.call('ListTables', {'Limit': 100})
    assert st == 200 and isinstance(b['TableNames'], list)


def test_list_shows_created_and_hides_deleted(ddb, raw, made):
    name, _ = made(hash_only=True)
    names = []
    for page in ddb.get_paginator('list_tables').paginate(PaginationConfig={'PageSize': 3}):
        names += page['TableNames']
    assert name in names
    raw.call('DeleteTable', {'TableName': name})
    b = raw.call('ListTables', {'ExclusiveStartTableName': name[:-1] if len(name) > 3 else 'aaa'})[2]
    assert name not in b['TableNames']


# =============================================================================================
# UpdateTable: billing mode, throughput, deletion protection
# =============================================================================================

@pytest.mark.parametrize('req', [{}, {'TableName': 'ab'}, {'TableName': 'a b c'}])
def test_update_invalid_name(raw, req):
    expect_error(raw.call('UpdateTable', req), VE, NAME_MSG)


@pytest.mark.parametrize('extra', [{}, {'ProvisionedThroughput': pt(0, 5)},
                                   {'ProvisionedThroughput': pt(40001, 5)},
                                   {'BillingMode': 'PROVISIONED'}],
                         ids=['nothing', 'zero-throughput', 'huge-throughput', 'provisioned-no-pt'])
def test_update_missing_table_wins(raw, table_name, extra):
    req = dict({'TableName': table_name}, **extra)
    expect_error(raw.call('UpdateTable', req), RNF, MISSING_TABLE)


@pytest.fixture
def prov(made):
    """A PROVISIONED hash-only table with throughput 5/5."""
    name, _ = made(hash_only=True, BillingMode=None, ProvisionedThroughput=pt(5, 5))
    return name


@pytest.fixture
def ondemand(made):
    name, _ = made(hash_only=True)
    return name


@pytest.mark.parametrize('extra,message', [
    ({}, NOTHING),
    ({'ProvisionedThroughput': pt(5, 5)}, SAME_PT),
    ({'BillingMode': 'PROVISIONED', 'ProvisionedThroughput': pt(5, 5)}, SAME_PT),
    ({'DeletionProtectionEnabled': True, 'ProvisionedThroughput': pt(5, 5)}, SAME_PT),
    ({'ProvisionedThroughput': pt(0, 5)}, PT_MIN),
    ({'ProvisionedThroughput': pt(0, 0)}, PT_MIN),
    ({'ProvisionedThroughput': {'ReadCapacityUnits': 6}}, PT_MIN),
    ({'ProvisionedThroughput': {}}, PT_MIN),
    ({'ProvisionedThroughput': pt(40001, 5)}, PT_MAX),
    ({'ProvisionedThroughput': pt(5, 40001)}, PT_MAX),
], ids=['nothing', 'same-throughput', 'same-with-mode', 'same-with-protection', 'zero-read',
        'zero-both', 'write-missing', 'empty-throughput', 'huge-read', 'huge-write'])
def test_update_provisioned_invalid(raw, prov, extra, message):
    expect_error(raw.call('UpdateTable', dict({'TableName': prov}, **extra)), VE, message)
    t = raw.call('DescribeTable', {'TableName': prov})[2]['Table']
    assert t['DeletionProtectionEnabled'] is False
    assert t['ProvisionedThroughput']['ReadCapacityUnits'] == 5


@pytest.mark.parametrize('extra,message', [
    ({}, NOTHING),
    ({'BillingMode': 'PROVISIONED'}, NO_PT),
    ({'BillingMode': 'PROVISIONED', 'ProvisionedThroughput': pt(0, 1)}, PT_MIN),
    ({'BillingMode': 'PROVISIONED', 'ProvisionedThroughput': pt(40001, 1)}, PT_MAX),
    ({'ProvisionedThroughput': pt(0, 0)}, PT_MIN),
    ({'BillingMode': 'PAY_PER_REQUEST', 'ProvisionedThroughput': pt(0, 0)}, PT_MIN),
], ids=['nothing', 'to-provisioned-no-pt', 'to-provisioned-zero', 'to-provisioned-huge',
        'zero-throughput', 'same-mode-zero-throughput'])
def test_update_on_demand_invalid(raw, ondemand, extra, message):
    expect_error(raw.call('UpdateTable', dict({'TableName': ondemand}, **extra)), VE, message)


def test_update_throughput(raw, prov):
    st, _, b, payload = raw.call('UpdateTable', {'TableName': prov,
                                                 'ProvisionedThroughput': pt(6, 4)})
    assert st == 200
    d = member(order(payload), 'TableDescription')
    assert keys(d) == ['AttributeDefinitions', 'TableName', 'KeySchema', 'TableStatus',
                       'CreationDateTime', 'ProvisionedThroughput', 'TableSizeBytes', 'ItemCount',
                       'TableArn', 'DeletionProtectionEnabled']
    assert b['TableDescription']['ProvisionedThroughput'] == {
        'LastIncreaseDateTime': 0, 'LastDecreaseDateTime': 0, 'NumberOfDecreasesToday': 0,
        'ReadCapacityUnits': 6, 'WriteCapacityUnits': 4}
    assert raw.call('DescribeTable', {'TableName': prov})[2]['Table'] == b['TableDescription']
    # only one side differing is a change
    st, _, b, _ = raw.call('UpdateTable', {'TableName': prov, 'ProvisionedThroughput': pt(6, 5)})
    assert st == 200
    assert b['TableDescription']['ProvisionedThroughput']['WriteCapacityUnits'] == 5
    expect_error(raw.call('UpdateTable', {'TableName': prov, 'ProvisionedThroughput': pt(6, 5)}),
                 VE, SAME_PT)


def test_update_throughput_to_40000(raw, prov):
    st, _, b, _ = raw.call('UpdateTable', {'TableName': prov,
                                           'ProvisionedThroughput': pt(40000, 40000)})
    assert st == 200
    assert b['TableDescription']['ProvisionedThroughput']['ReadCapacityUnits'] == 40000


def test_update_provisioned_mode_on_provisioned_table_is_accepted(raw, prov):
    st, _, b, _ = raw.call('UpdateTable', {'TableName': prov, 'BillingMode': 'PROVISIONED'})
    assert st == 200
    assert 'BillingModeSummary' not in b['TableDescription']


def test_update_switch_modes(raw, prov):
    created = raw.call('DescribeTable', {'TableName': prov})[2]['Table']['CreationDateTime']
    st, _, b, payload = raw.call('UpdateTable', {'TableName': prov,
                                                 'BillingMode': 'PAY_PER_REQUEST'})
    assert st == 200
    assert 'BillingModeSummary' in keys(member(order(payload), 'TableDescription'))
    t = b['TableDescription']
    assert t['BillingModeSummary']['BillingMode'] == 'PAY_PER_REQUEST'
    switched = t['BillingModeSummary']['LastUpdateToPayPerRequestDateTime']
    assert switched >= created
    p = t['ProvisionedThroughput']
    assert (p['ReadCapacityUnits'], p['WriteCapacityUnits']) == (0, 0)
    st, _, b, _ = raw.call('UpdateTable', {'TableName': prov, 'BillingMode': 'PROVISIONED',
                                           'ProvisionedThroughput': pt(2, 3)})
    assert st == 200
    t = b['TableDescription']
    assert t['BillingModeSummary'] == {'BillingMode': 'PROVISIONED',
                                       'LastUpdateToPayPerRequestDateTime': switched}
    p = t['ProvisionedThroughput']
    assert (p['ReadCapacityUnits'], p['WriteCapacityUnits']) == (2, 3)
    assert raw.call('DescribeTable', {'TableName': prov})[2]['Table'] == t


def test_update_to_on_demand_with_throughput(raw, prov):
    st, _, b, _ = raw.call('UpdateTable', {'TableName': prov, 'BillingMode': 'PAY_PER_REQUEST',
                                           'ProvisionedThroughput': pt(6, 6)})
    assert st == 200
    t = b['TableDescription']
    assert t['BillingModeSummary']['BillingMode'] == 'PAY_PER_REQUEST'
    assert t['ProvisionedThroughput']['ReadCapacityUnits'] == 0


def test_update_on_demand_same_mode_is_accepted(raw, ondemand):
    before = raw.call('DescribeTable', {'TableName': ondemand})[2]['Table']
    st, _, b, _ = raw.call('UpdateTable', {'TableName': ondemand,
                                           'BillingMode': 'PAY_PER_REQUEST'})
    assert st == 200
    assert b['TableDescription'] == before


def test_update_throughput_on_on_demand_table_is_ignored(raw, ondemand):
    st, _, b, _ = raw.call('UpdateTable', {'TableName': ondemand,
                                           'ProvisionedThroughput': pt(3, 3)})
    assert st == 200
    t = b['TableDescription']
    assert t['ProvisionedThroughput']['ReadCapacityUnits'] == 0
    assert t['BillingModeSummary']['BillingMode'] == 'PAY_PER_REQUEST'


def test_update_deletion_protection(raw, ondemand):
    st, _, b, _ = raw.call('UpdateTable', {'TableName': ondemand, 'DeletionProtectionEnabled': True})
    assert st == 200 and b['TableDescription']['DeletionProtectionEnabled'] is True
    st, _, b, _ = raw.call('UpdateTable', {'TableName': ondemand, 'DeletionProtectionEnabled': True})
    assert st == 200 and b['TableDescription']['DeletionProtectionEnabled'] is True
    assert raw.call('DescribeTable', {'TableName': ondemand})[2]['Table'][
        'DeletionProtectionEnabled'] is True
    st, _, b, _ = raw.call('UpdateTable', {'TableName': ondemand, 'DeletionProtectionEnabled': False})
    assert st == 200 and b['TableDescription']['DeletionProtectionEnabled'] is False
    st, _, b, _ = raw.call('UpdateTable', {'TableName': ondemand, 'DeletionProtectionEnabled': False})
    assert st == 200 and b['TableDescription']['DeletionProtectionEnabled'] is False


def test_update_throughput_keeps_deletion_protection(raw, prov, deviation_2):
    assert raw.call('UpdateTable', {'TableName': prov, 'DeletionProtectionEnabled': True})[0] == 200
    st, _, b, _ = raw.call('UpdateTable', {'TableName': prov, 'ProvisionedThroughput': pt(7, 7)})
    assert st == 200
    assert b['TableDescription']['DeletionProtectionEnabled'] is True
    expect_error(raw.call('DeleteTable', {'TableName': prov}), VE, PROTECTED)


def test_update_billing_mode_keeps_deletion_protection(raw, ondemand, deviation_2):
    assert raw.call('UpdateTable', {'TableName': ondemand,
                                    'DeletionProtectionEnabled': True})[0] == 200
    st, _, b, _ = raw.call('UpdateTable', {'TableName': ondemand, 'BillingMode': 'PROVISIONED',
                                           'ProvisionedThroughput': pt(1, 1)})
    assert st == 200
    assert raw.call('DescribeTable', {'TableName': ondemand})[2]['Table'][
        'DeletionProtectionEnabled'] is True


def test_update_with_boto3(ddb, prov):
    t = ddb.update_table(TableName=prov, ProvisionedThroughput=pt(9, 8))['TableDescription']
    assert t['ProvisionedThroughput']['ReadCapacityUnits'] == 9
    with pytest.raises(ddb.exceptions.ClientError) as e:
        ddb.update_table(TableName=prov)
    assert e.value.response['Error'] == {'Code': 'ValidationException', 'Message': NOTHING}


# =============================================================================================
# DeleteTable
# =============================================================================================

@pytest.mark.parametrize('req', [{}, {'TableName': 'a'}, {'TableName': 'abc#'}])
def test_delete_invalid_name(raw, req):
    expect_error(raw.call('DeleteTable', req), VE, NAME_MSG)


def test_delete_missing_table(raw, table_name):
    expect_error(raw.call('DeleteTable', {'TableName': table_name}), RNF, MISSING_TABLE)


def test_delete_response_shape(raw, made):
    name, created = made(AttributeDefinitions=ADG, GlobalSecondaryIndexes=[gsi()])
    st, headers, b, payload = raw.call('DeleteTable', {'TableName': name})
    assert st == 200
    top = order(payload)
    assert keys(top) == ['TableDescription']
    assert keys(member(top, 'TableDescription')) == [
        'AttributeDefinitions', 'TableName', 'KeySchema', 'TableStatus', 'CreationDateTime',
        'ProvisionedThroughput', 'TableSizeBytes', 'ItemCount', 'TableArn', 'BillingModeSummary',
        'GlobalSecondaryIndexes', 'DeletionProtectionEnabled']
    # DynamoDB Local answers ACTIVE where the service says DELETING (section 15)
    assert b['TableDescription'] == created
    assert b['TableDescription']['TableStatus'] == 'ACTIVE'
    expect_error(raw.call('DescribeTable', {'TableName': name}), RNF, MISSING_TABLE)
    expect_error(raw.call('DeleteTable', {'TableName': name}), RNF, MISSING_TABLE)


def test_delete_reports_items(raw, ddb, made):
    name, _ = made(hash_only=True)
    ddb.put_item(TableName=name, Item={'id': {'S': 'abc'}})
    st, _, b, _ = raw.call('DeleteTable', {'TableName': name})
    assert st == 200
    assert (b['TableDescription']['ItemCount'], b['TableDescription']['TableSizeBytes']) == (1, 5)


def test_delete_protected(raw, made):
    name, _ = made(hash_only=True, DeletionProtectionEnabled=True)
    expect_error(raw.call('DeleteTable', {'TableName': name}), VE, PROTECTED)
    assert raw.call('DescribeTable', {'TableName': name})[0] == 200
    assert raw.call('UpdateTable', {'TableName': name, 'DeletionProtectionEnabled': False})[0] == 200
    st, _, b, _ = raw.call('DeleteTable', {'TableName': name})
    assert st == 200 and b['TableDescription']['DeletionProtectionEnabled'] is False


def test_delete_protected_via_update(raw, made):
    name, _ = made(hash_only=True)
    raw.call('UpdateTable', {'TableName': name, 'DeletionProtectionEnabled': True})
    expect_error(raw.call('DeleteTable', {'TableName': name}), VE, PROTECTED)


def test_delete_then_recreate_is_empty(raw, ddb, made):
    name, _ = made(hash_only=True)
    ddb.put_item(TableName=name, Item={'id': {'S': 'x'}})
    assert raw.call('DeleteTable', {'TableName': name})[0] == 200
    name2, t = made(name, hash_only=True, AttributeDefinitions=[ad('id', 'N')])
    assert name2 == name
    assert t['AttributeDefinitions'] == [ad('id', 'N')]
    assert (t['ItemCount'], t['TableSizeBytes']) == (0, 0)
    assert 'Item' not in ddb.get_item(TableName=name, Key={'id': {'N': '1'}})


def test_delete_with_boto3(ddb, made):
    name, _ = made(hash_only=True)
    t = ddb.delete_table(TableName=name)['TableDescription']
    assert t['TableName'] == name
    with pytest.raises(ddb.exceptions.ResourceNotFoundException):
        ddb.delete_table(TableName=name)


# =============================================================================================
# DescribeLimits
# =============================================================================================

def test_describe_limits_exact_body(raw):
    st, headers, b, payload = raw.call('DescribeLimits', {})
    assert st == 200
    assert payload == LIMITS
    h = {k.lower(): v for k, v in headers.items()}
    assert int(h['x-amz-crc32']) == zlib.crc32(payload)


def test_describe_limits_ignores_members(raw):
    st, _, _, payload = raw.call('DescribeLimits', {'TableName': 'whatever', 'Foo': 1})
    assert (st, payload) == (200, LIMITS)


def test_describe_limits_boto3(ddb):
    r = ddb.describe_limits()
    r.pop('ResponseMetadata')
    assert r == json.loads(LIMITS)
