"""PutItem, GetItem and DeleteItem, black box: serialization, validation, functionality.

Every expectation here was observed on DynamoDB Local 1.25.1 (the oracle); see
shared/reference/dynamodb-local.md §3.3 (attribute-map order), §7 (messages), §8 (numbers),
§10.8 (item size), §14 (consumed capacity). Exact error texts are checked through the `raw`
fixture because boto3 validates some inputs before sending them.

Check order that DynamoDB Local applies (pinned by the test_order_* tests below):
  PutItem:    TableName format -> table exists -> ReturnValues -> Item present
              -> each attribute in request order (AttributeValue shape, numbers, sets, nesting,
                 running item size) -> each key attribute in key-schema order (present,
                 scalar type, declared type, empty, length)
              An invalid ReturnConsumedCapacity is reported only after all of these.
  GetItem:    TableName format -> AttributesToGet shape (even before the table lookup)
              -> table exists -> Key present -> key AttributeValues -> key rules
  DeleteItem: TableName format -> table exists -> ReturnValues -> Key present -> key rules
"""
import base64
import http.client
import json
import os

import pytest
from botocore.exceptions import ClientError

from conftest import AUTH, Raw

VALIDATION = 'com.amazon.coral.validate#ValidationException'
NOT_FOUND = 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException'

MSG_BAD_NAME = ("Invalid table/index name.  Table/index names must be between 3 and 255 "
                "characters long, and may contain only the characters a-z, A-Z, 0-9, '_', '-', "
                "and '.'")
MSG_NO_TABLE = 'Cannot do operations on a non-existent table'
MSG_KEY_COUNT = 'The number of conditions on the keys is invalid'
MSG_NULL_KEY = 'Cannot have null key for GetItem, DeleteItem, or UpdateItem'
MSG_MISSING_KEY = 'One of the required keys was not given a value'
MSG_KEY_TYPE = 'One or more parameter values were invalid: Type mismatch for key'
MSG_INVALID_AV_TYPE = 'Invalid attribute value type'
MSG_KEY_LEN = ('Hash primary key values must be under 2048 bytes, and range primary key values '
               'must be under 1024 bytes')
MSG_TOO_BIG = 'Item size has exceeded the maximum allowed size'
MSG_NESTING = ('Nesting Levels have exceeded supported limits: Attributes in the item have nested '
               'levels beyond supported limit')
MSG_NOT_NUMBER = 'A value provided cannot be converted into a number'
MSG_PRECISION = 'DynamoDB only supports precision up to 38 digits'
MSG_OVERFLOW = ('Number overflow. Attempting to store a number with magnitude larger than '
                'supported range')
MSG_UNDERFLOW = ('Number underflow. Attempting to store a number with magnitude smaller than '
                 'supported range')
MSG_RV = 'Return values set to invalid value'
MSG_TWO_TYPES = ('Supplied AttributeValue has more than one datatypes set, must contain exactly '
                 'one of the supported datatypes')
MSG_NO_TYPE = ('Supplied AttributeValue is empty, must contain exactly one of the supported '
               'datatypes')


def empty_key_msg(kind, name):
    return ('One or more parameter values are not valid. The AttributeValue for a key attribute '
            'cannot contain an empty %s value. Key: %s' % (kind, name))


# ---------------------------------------------------------------------------------------------
# helpers

_names = [0]


def unique(prefix):
    _names[0] += 1
    return '%s_%d_%d' % (prefix, os.getpid() % 100000, _names[0])


def create(ddb, name, keys, **extra):
    """keys: [(name, type), ...], hash first. Returns the table name."""
    ddb.create_table(
        TableName=name,
        KeySchema=[{'AttributeName': n, 'KeyType': 'HASH' if i == 0 else 'RANGE'}
                   for i, (n, _) in enumerate(keys)],
        AttributeDefinitions=[{'AttributeName': n, 'AttributeType': t} for n, t in keys]
        + extra.pop('more_attrs', []),
        BillingMode='PAY_PER_REQUEST', **extra)
    return name


def java_hash(s):
    """Java's String.hashCode() over UTF-16 code units, as an unsigned 32-bit value."""
    h = 0
    b = s.encode('utf-16-le')
    for i in range(0, len(b), 2):
        h = (31 * h + int.from_bytes(b[i:i + 2], 'little')) & 0xffffffff
    return h


def hashmap_capacity(n):
    c = 1
    while c < n:
        c *= 2
    while n > 0.75 * c:
        c *= 2
    return c


def java_order(names, capacity=None):
    """Iteration order of a java.util.HashMap(n) filled with names in this order (§3.3)."""
    cap = capacity or hashmap_capacity(len(names))

    def bucket(k):
        h = java_hash(k)
        return (h ^ (h >> 16)) & (cap - 1)
    return sorted(names, key=bucket)   # stable: same bucket keeps insertion order


def item_size(item):
    """itemSize of §10.8 for the value kinds these tests use (S, B, BOOL, NULL, L, M)."""
    def vs(av):
        (t, v), = av.items()
        if t == 'S':
            return len(v.encode())
        if t == 'B':
            return len(base64.b64decode(v))
        if t in ('BOOL', 'NULL'):
            return 1
        if t == 'L':
            return 3 + sum(1 + vs(x) for x in v)
        if t == 'M':
            return 3 + sum(1 + len(k.encode()) + vs(x) for k, x in v.items())
        raise AssertionError(t)
    return sum(len(k.encode()) + vs(v) for k, v in item.items())


def err(raw, op, body):
    """Sends a request that must fail with 400; returns (__type, Message)."""
    status, _, parsed, _ = raw.call(op, body)
    assert status == 400, (status, parsed)
    return parsed['__type'], parsed['Message']


def ok(raw, op, body):
    status, _, parsed, payload = raw.call(op, body)
    assert status == 200, (status, parsed)
    return parsed, payload


def nested(depth, inner, kind='L'):
    v = inner
    for _ in range(depth):
        v = {'L': [v]} if kind == 'L' else {'M': {'k': v}}
    return v


# ---------------------------------------------------------------------------------------------
# tables shared by the module (created once, deleted at the end)

@pytest.fixture(scope='module')
def tables(ddb):
    t = {
        'h': create(ddb, unique('items_h'), [('id', 'S')]),
        'hr': create(ddb, unique('items_hr'), [('pk', 'S'), ('sk', 'N')]),
        'n': create(ddb, unique('items_n'), [('id', 'N')]),
        'b': create(ddb, unique('items_b'), [('b', 'B')]),
        'hrs': create(ddb, unique('items_hrs'), [('pk', 'S'), ('sk', 'S')]),
        'idx': create(
            ddb, unique('items_idx'), [('pk', 'S'), ('sk', 'S')],
            more_attrs=[{'AttributeName': 'lk', 'AttributeType': 'N'},
                        {'AttributeName': 'gk', 'AttributeType': 'S'}],
            LocalSecondaryIndexes=[{'IndexName': 'lsi1',
                                    'KeySchema': [{'AttributeName': 'pk', 'KeyType': 'HASH'},
                                                  {'AttributeName': 'lk', 'KeyType': 'RANGE'}],
                                    'Projection': {'ProjectionType': 'ALL'}}],
            GlobalSecondaryIndexes=[{'IndexName': 'gsi1',
                                     'KeySchema': [{'AttributeName': 'gk', 'KeyType': 'HASH'}],
                                     'Projection': {'ProjectionType': 'KEYS_ONLY'}}]),
    }
    yield t
    for name in t.values():
        try:
            ddb.delete_table(TableName=name)
        except ClientError:
            pass


@pytest.fixture
def key(request):
    """A hash-key string unique to the test (tables are shared by the module)."""
    return 'k_' + request.node.name[:100]


# =============================================================================================
# serialization: types, numbers, sets, order of returned members

ALL_TYPES = {
    's': {'S': 'héllo wörld 日本 😀'},
    'n': {'N': '-12.5'},
    'b': {'B': base64.b64encode(b'\x00\x01\xff').decode()},
    't': {'BOOL': True},
    'f': {'BOOL': False},
    'z': {'NULL': True},
    'm': {'M': {'a': {'S': 'x'}, 'b': {'L': [{'N': '1'}, {'NULL': True}]}}},
    'l': {'L': [{'S': 'a'}, {'N': '2'}, {'M': {}}, {'L': []}, {'BOOL': False}]},
    'ss': {'SS': ['x', 'y']},
    'ns': {'NS': ['1', '2.5']},
    'bs': {'BS': [base64.b64encode(b'\x01').decode(), base64.b64encode(b'\x02').decode()]},
    'es': {'S': ''},
    'eb': {'B': ''},
}


@pytest.mark.parametrize('attr', sorted(ALL_TYPES))
def test_put_get_round_trip_each_type(raw, tables, key, attr):
    item = {'id': {'S': key}, attr: ALL_TYPES[attr]}
    ok(raw, 'PutItem', {'TableName': tables['h'], 'Item': item})
    got, _ = ok(raw, 'GetItem', {'TableName': tables['h'], 'Key': {'id': {'S': key}}})
    assert got == {'Item': item}


def test_put_get_all_types_together_boto3(ddb, tables, key):
    item = json.loads(json.dumps(ALL_TYPES))
    for k in ('b', 'eb'):
        item[k] = {'B': base64.b64decode(ALL_TYPES[k]['B'])}
    item['bs'] = {'BS': [base64.b64decode(x) for x in ALL_TYPES['bs']['BS']]}
    item['id'] = {'S': key}
    ddb.put_item(TableName=tables['h'], Item=item)
    got = ddb.get_item(TableName=tables['h'], Key={'id': {'S': key}})['Item']
    assert got == item


def test_string_escapes_round_trip(raw, tables, key):
    s = 'a\u0000b\n\t"/\\ \u00e9\U0001F600'
    item = {'id': {'S': key}, 'v': {'S': s}}
    ok(raw, 'PutItem', {'TableName': tables['h'], 'Item': item})
    got, payload = ok(raw, 'GetItem', {'TableName': tables['h'], 'Key': {'id': {'S': key}}})
    assert got['Item']['v']['S'] == s
    # §3.3: non-BMP characters as upper-case surrogate escapes, control characters escaped,
    # '/' not escaped, BMP characters raw UTF-8.
    assert b'\\uD83D\\uDE00' in payload
    assert b'\\u0000' in payload and b'\\n' in payload and b'\\t' in payload
    assert b'"/' in payload and '\u00e9'.encode() in payload


NORMALIZED = [
    ('00042', '42'), ('5.000', '5'), ('-0.001', '-0.001'), ('0', '0'), ('-0', '0'),
    ('0.0', '0'), ('0E+10', '0'), ('1e2', '100'), ('1.5E1', '15'), ('+5', '5'), ('.5', '0.5'),
    ('5.', '5'), ('-.5', '-0.5'), ('0001.1000', '1.1'), ('1E-2', '0.01'),
    ('1E+125', '1' + '0' * 125), ('-1E+125', '-1' + '0' * 125),
    ('1E-130', '0.' + '0' * 129 + '1'), ('-1E-130', '-0.' + '0' * 129 + '1'),
    ('9.9999999999999999999999999999999999999E+125', '9' * 38 + '0' * 88),
    ('12345678901234567890123456789012345678', '12345678901234567890123456789012345678'),
    ('1234567890123456789012345678901234567800', '1234567890123456789012345678901234567800'),
    ('12345678901234567890123456789012345678.0', '12345678901234567890123456789012345678'),
    ('000000000000000000000000000000000000000001', '1'),
    ('100E-132', '0.' + '0' * 129 + '1'), ('1E+0125', '1' + '0' * 125),
]


@pytest.mark.parametrize('given,stored', NORMALIZED, ids=[g[:20] for g, _ in NORMALIZED])
def test_number_normalized(raw, tables, key, given, stored):
    ok(raw, 'PutItem', {'TableName': tables['h'],
                        'Item': {'id': {'S': key}, 'n': {'N': given}}})
    got, _ = ok(raw, 'GetItem', {'TableName': tables['h'], 'Key': {'id': {'S': key}}})
    assert got['Item']['n'] == {'N': stored}


def test_number_key_normalized_lookup(raw, tables):
    ok(raw, 'PutItem', {'TableName': tables['n'], 'Item': {'id': {'N': '1.50'}, 'v': {'S': 'x'}}})
    got, _ = ok(raw, 'GetItem', {'TableName': tables['n'], 'Key': {'id': {'N': '0001.5'}}})
    assert got == {'Item': {'id': {'N': '1.5'}, 'v': {'S': 'x'}}}
    ok(raw, 'PutItem', {'TableName': tables['n'], 'Item': {'id': {'N': '-0.0'}}})
    got, _ = ok(raw, 'GetItem', {'TableName': tables['n'], 'Key': {'id': {'N': '0E+5'}}})
    assert got == {'Item': {'id': {'N': '0'}}}


SETS = [
    ({'SS': ['b', 'a', 'c', 'B', '\u00e9', 'aa', '']},
     {'SS': ['', 'B', 'a', 'aa', 'b', 'c', '\u00e9']}),
    ({'NS': ['10', '9', '-1', '1.5', '0', '-10', '1E+2']},
     {'NS': ['-10', '-1', '0', '1.5', '9', '10', '100']}),
    ({'NS': ['00042', '5.000']}, {'NS': ['5', '42']}),
    ({'BS': ['Ag==', 'AQ==', '/w==', 'AAA=', 'AA==']},
     {'BS': ['AA==', 'AAA=', 'AQ==', 'Ag==', '/w==']}),
    ({'BS': ['AQ==', '']}, {'BS': ['', 'AQ==']}),
    ({'SS': ['']}, {'SS': ['']}),
]


@pytest.mark.parametrize('given,returned', SETS, ids=['ss', 'ns', 'ns-norm', 'bs', 'bs-empty',
                                                      'ss-empty-string'])
def test_sets_returned_sorted(raw, tables, key, given, returned):
    ok(raw, 'PutItem', {'TableName': tables['h'], 'Item': {'id': {'S': key}, 's': given}})
    got, _ = ok(raw, 'GetItem', {'TableName': tables['h'], 'Key': {'id': {'S': key}}})
    assert got['Item']['s'] == returned


def test_item_attribute_order_is_java_hashmap_order(raw, tables, key):
    """§3.3: members come in java.util.HashMap(n) order; checked on the raw bytes."""
    names = ['id', 'zeta', 'alpha', 'b', 'Bb', 'mid', 'x1', 'x2', 'Aa', 'BB', 'q']
    item = {n: {'S': 'v'} for n in names}
    item['id'] = {'S': key}
    ok(raw, 'PutItem', {'TableName': tables['h'], 'Item': item})
    _, payload = ok(raw, 'GetItem', {'TableName': tables['h'], 'Key': {'id': {'S': key}}})
    order = list(json.loads(payload)['Item'].keys())
    assert order == java_order(names)
    # 'Aa' and 'BB' have the same hashCode: same bucket, request order kept.
    assert order.index('Aa') < order.index('BB')


def test_item_attribute_order_example_pk_sk_v(raw, tables):
    """§3.3's example: an item put as pk, sk, v comes back as sk, v, pk (exact bytes)."""
    item = {'pk': {'S': 'order'}, 'sk': {'S': 's'}, 'v': {'N': '1'}}
    ok(raw, 'PutItem', {'TableName': tables['hrs'], 'Item': item})
    _, payload = ok(raw, 'GetItem', {'TableName': tables['hrs'],
                                     'Key': {'pk': {'S': 'order'}, 'sk': {'S': 's'}}})
    assert payload == b'{"Item":{"sk":{"S":"s"},"v":{"N":"1"},"pk":{"S":"order"}}}'


def test_same_bucket_keeps_request_order(raw, tables, key):
    # 'Aa' and 'BB' collide in String.hashCode(): their order follows the request.
    for first, second in (('Aa', 'BB'), ('BB', 'Aa')):
        body = '{"TableName":"%s","Item":{"id":{"S":"%s"},"%s":{"N":"1"},"%s":{"N":"2"}}}' % (
            tables['h'], key, first, second)
        status, _, _, _ = raw.call('PutItem', None, raw_body=body.encode())
        assert status == 200
        _, payload = ok(raw, 'GetItem', {'TableName': tables['h'], 'Key': {'id': {'S': key}}})
        keys = list(json.loads(payload)['Item'].keys())
        assert keys == java_order(['id', first, second])
        assert keys.index(first) < keys.index(second)


def test_nested_map_order_is_java_hashmap_order(raw, tables, key):
    inner = ['k9', 'a', 'longer_name', 'Z', 'mm', 'b7', 'c']
    item = {'id': {'S': key}, 'm': {'M': {n: {'BOOL': True} for n in inner}}}
    ok(raw, 'PutItem', {'TableName': tables['h'], 'Item': item})
    _, payload = ok(raw, 'GetItem', {'TableName': tables['h'], 'Key': {'id': {'S': key}}})
    assert list(json.loads(payload)['Item']['m']['M'].keys()) == java_order(inner)


def test_attributes_to_get_order(raw, tables, key):
    # Names chosen so that each falls in its own bucket of a capacity-4 HashMap.
    names = ['id', 'a', 'b', 'c', 'zz1', 'zz2']
    item = {n: {'N': str(i)} for i, n in enumerate(names)}
    item['id'] = {'S': key}
    ok(raw, 'PutItem', {'TableName': tables['h'], 'Item': item})
    got, payload = ok(raw, 'GetItem', {'TableName': tables['h'], 'Key': {'id': {'S': key}},
                                       'AttributesToGet': ['c', 'b', 'a']})
    assert payload == b'{"Item":{"a":{"N":"1"},"b":{"N":"2"},"c":{"N":"3"}}}'


def test_put_all_old_order_matches_get(raw, tables, key):
    names = ['id', 'q', 'alpha', 'w', 'e', 'rr', 'tt', 'yy']
    item = {n: {'S': n} for n in names}
    item['id'] = {'S': key}
    ok(raw, 'PutItem', {'TableName': tables['h'], 'Item': item})
    _, get_payload = ok(raw, 'GetItem', {'TableName': tables['h'], 'Key': {'id': {'S': key}}})
    _, put_payload = ok(raw, 'PutItem', {'TableName': tables['h'], 'Item': {'id': {'S': key}},
                                         'ReturnValues': 'ALL_OLD'})
    assert put_payload == get_payload.replace(b'{"Item":', b'{"Attributes":', 1)
    assert list(json.loads(put_payload)['Attributes'].keys()) == java_order(names)


# =============================================================================================
# validation: table names, AttributeValues, numbers, sets, nesting, keys, sizes

def test_put_missing_table(raw):
    assert err(raw, 'PutItem', {'TableName': 'no_such_table_items',
                                'Item': {'id': {'S': 'x'}}}) == (NOT_FOUND, MSG_NO_TABLE)


def test_get_missing_table(raw):
    assert err(raw, 'GetItem', {'TableName': 'no_such_table_items',
                                'Key': {'id': {'S': 'x'}}}) == (NOT_FOUND, MSG_NO_TABLE)


def test_delete_missing_table(raw):
    assert err(raw, 'DeleteItem', {'TableName': 'no_such_table_items',
                                   'Key': {'id': {'S': 'x'}}}) == (NOT_FOUND, MSG_NO_TABLE)


def test_missing_table_boto3(ddb):
    with pytest.raises(ClientError) as e:
        ddb.get_item(TableName='no_such_table_items', Key={'id': {'S': 'x'}})
    assert e.value.response['Error']['Code'] == 'ResourceNotFoundException'


@pytest.mark.parametrize('op', ['PutItem', 'GetItem', 'DeleteItem'])
@pytest.mark.parametrize('name', ['ab', 'a' * 256, 'abc!', None])
def test_bad_table_name(raw, op, name):
    body = {'Item': {'id': {'S': 'x'}}} if op == 'PutItem' else {'Key': {'id': {'S': 'x'}}}
    if name is not None:
        body['TableName'] = name
    assert err(raw, op, body) == (VALIDATION, MSG_BAD_NAME)


def test_table_name_255_is_valid(raw):
    assert err(raw, 'PutItem', {'TableName': 'a' * 255,
                                'Item': {'id': {'S': 'x'}}}) == (NOT_FOUND, MSG_NO_TABLE)


BAD_VALUES = [
    ({'S': 'x', 'N': '1'}, MSG_TWO_TYPES),
    ({}, MSG_NO_TYPE),
    ({'NULL': False},
     'One or more parameter values were invalid: Null attribute value types must have the '
     'value of true'),
    ({'SS': []}, 'One or more parameter values were invalid: An string set  may not be empty'),
    ({'NS': []}, 'One or more parameter values were invalid: An number set  may not be empty'),
    ({'BS': []}, 'One or more parameter values were invalid: Binary sets should not be empty'),
    ({'SS': ['a', 'a']},
     'One or more parameter values were invalid: Input collection [a, a] contains duplicates'),
    ({'SS': ['x', 'a', 'x']},
     'One or more parameter values were invalid: Input collection [x, a, x] contains duplicates'),
    ({'NS': ['1', '1.0']}, 'Input collection contains duplicates'),
    ({'NS': ['2', '02']}, 'Input collection contains duplicates'),
    ({'NS': ['1', '1E0']}, 'Input collection contains duplicates'),
    ({'BS': ['AQ==', 'AQ==']},
     'One or more parameter values were invalid: Input collection of type BS contains '
     'duplicates.'),
    ({'NS': ['1', 'x']}, MSG_NOT_NUMBER),
    ({'NS': ['1E+126']}, MSG_OVERFLOW),
    ({'N': 'abc'}, MSG_NOT_NUMBER),
    ({'N': ''}, MSG_NOT_NUMBER),
    ({'N': ' 1'}, MSG_NOT_NUMBER),
    ({'N': '1 '}, MSG_NOT_NUMBER),
    ({'N': '0x10'}, MSG_NOT_NUMBER),
    ({'N': 'NaN'}, MSG_NOT_NUMBER),
    ({'N': 'Infinity'}, MSG_NOT_NUMBER),
    ({'N': '1e'}, MSG_NOT_NUMBER),
    ({'N': '--1'}, MSG_NOT_NUMBER),
    ({'N': '1.2.3'}, MSG_NOT_NUMBER),
    ({'N': '1E+126'}, MSG_OVERFLOW),
    ({'N': '-1E+126'}, MSG_OVERFLOW),
    ({'N': '1E-131'}, MSG_UNDERFLOW),
    ({'N': '1234567890123456789012345678901234567890'}, MSG_PRECISION),
    ({'N': '1.234567890123456789012345678901234567891'}, MSG_PRECISION),
    ({'L': [{'N': 'x'}]}, MSG_NOT_NUMBER),
    ({'M': {'a': {'SS': []}}},
     'One or more parameter values were invalid: An string set  may not be empty'),
]


@pytest.mark.parametrize('value,message', BAD_VALUES, ids=[json.dumps(v)[:30] for v, _ in
                                                            BAD_VALUES])
def test_put_bad_attribute_value(raw, tables, value, message):
    assert err(raw, 'PutItem', {'TableName': tables['h'],
                                'Item': {'id': {'S': 'bad'}, 'a': value}}) == (VALIDATION, message)


def test_put_empty_string_and_binary_non_key_ok(raw, tables, key):
    ok(raw, 'PutItem', {'TableName': tables['h'],
                        'Item': {'id': {'S': key}, 'a': {'S': ''}, 'b': {'B': ''}}})


def test_nesting_31_levels_accepted(raw, tables, key):
    for kind in 'LM':
        ok(raw, 'PutItem', {'TableName': tables['h'],
                            'Item': {'id': {'S': key}, 'a': nested(31, {'S': 'x'}, kind)}})
    got, _ = ok(raw, 'GetItem', {'TableName': tables['h'], 'Key': {'id': {'S': key}}})
    assert got['Item']['a'] == nested(31, {'S': 'x'}, 'M')


@pytest.mark.parametrize('depth,inner', [(32, {'S': 'x'}), (33, {'S': 'x'}), (31, {'L': []}),
                                         (31, {'M': {}})])
@pytest.mark.parametrize('kind', ['L', 'M'])
def test_nesting_32_levels_rejected(raw, tables, depth, inner, kind):
    """At most 31 L/M containers inside one another (the item itself is the 32nd level)."""
    assert err(raw, 'PutItem', {'TableName': tables['h'],
                                'Item': {'id': {'S': 'deep'}, 'a': nested(depth, inner, kind)}}
               ) == (VALIDATION, MSG_NESTING)


def test_nesting_mixed_and_sets_at_the_bottom(raw, tables, key):
    v = {'S': 'x'}
    for i in range(31):
        v = {'M': {'k': v}} if i % 2 else {'L': [v]}
    ok(raw, 'PutItem', {'TableName': tables['h'], 'Item': {'id': {'S': key}, 'a': v}})
    ok(raw, 'PutItem', {'TableName': tables['h'],
                        'Item': {'id': {'S': key}, 'a': nested(31, {'SS': ['a']})}})
    assert err(raw, 'PutItem', {'TableName': tables['h'],
                                'Item': {'id': {'S': key}, 'a': {'M': {'k': v}}}}
               ) == (VALIDATION, MSG_NESTING)


# ---- keys

def test_put_missing_item(raw, tables):
    assert err(raw, 'PutItem', {'TableName': tables['h']}) == (
        VALIDATION, 'Item to put in PutItem cannot be null')


@pytest.mark.parametrize('item', [{}, {'foo': {'S': 'x'}}])
def test_put_missing_key_attribute(raw, tables, item):
    assert err(raw, 'PutItem', {'TableName': tables['h'], 'Item': item}) == (
        VALIDATION, MSG_MISSING_KEY)


def test_put_missing_range_key(raw, tables):
    assert err(raw, 'PutItem', {'TableName': tables['hr'], 'Item': {'pk': {'S': 'p'}}}) == (
        VALIDATION, MSG_MISSING_KEY)


@pytest.mark.parametrize('value', [{'N': '1'}, {'B': 'AQ=='}])
def test_put_key_wrong_type(raw, tables, value):
    assert err(raw, 'PutItem', {'TableName': tables['h'], 'Item': {'id': value}}) == (
        VALIDATION, MSG_KEY_TYPE)


@pytest.mark.parametrize('value', [{'NULL': True}, {'BOOL': True}, {'SS': ['a']}, {'L': []},
                                   {'M': {}}, {'NS': ['1']}])
def test_put_key_non_scalar_type(raw, tables, value):
    assert err(raw, 'PutItem', {'TableName': tables['h'], 'Item': {'id': value}}) == (
        VALIDATION, MSG_INVALID_AV_TYPE)


def test_put_empty_string_key(raw, tables):
    assert err(raw, 'PutItem', {'TableName': tables['h'], 'Item': {'id': {'S': ''}}}) == (
        VALIDATION, empty_key_msg('string', 'id'))


def test_put_empty_binary_key(raw, tables):
    assert err(raw, 'PutItem', {'TableName': tables['b'], 'Item': {'b': {'B': ''}}}) == (
        VALIDATION, empty_key_msg('binary', 'b'))


def test_put_empty_string_range_key(raw, tables):
    assert err(raw, 'PutItem', {'TableName': tables['hrs'],
                                'Item': {'pk': {'S': 'p'}, 'sk': {'S': ''}}}) == (
        VALIDATION, empty_key_msg('string', 'sk'))


def test_hash_key_length_limit(raw, tables):
    ok(raw, 'PutItem', {'TableName': tables['h'], 'Item': {'id': {'S': 'k' * 2048}}})
    got, _ = ok(raw, 'GetItem', {'TableName': tables['h'], 'Key': {'id': {'S': 'k' * 2048}}})
    assert got == {'Item': {'id': {'S': 'k' * 2048}}}
    assert err(raw, 'PutItem', {'TableName': tables['h'], 'Item': {'id': {'S': 'k' * 2049}}}
               ) == (VALIDATION, MSG_KEY_LEN)


def test_hash_key_length_counts_utf8_bytes(raw, tables):
    ok(raw, 'PutItem', {'TableName': tables['h'], 'Item': {'id': {'S': '\u00e9' * 1024}}})
    assert err(raw, 'PutItem', {'TableName': tables['h'],
                                'Item': {'id': {'S': '\u00e9' * 1024 + 'a'}}}
               ) == (VALIDATION, MSG_KEY_LEN)


def test_binary_hash_key_length_limit(raw, tables):
    ok(raw, 'PutItem', {'TableName': tables['b'],
                        'Item': {'b': {'B': base64.b64encode(b'x' * 2048).decode()}}})
    assert err(raw, 'PutItem', {'TableName': tables['b'],
                                'Item': {'b': {'B': base64.b64encode(b'x' * 2049).decode()}}}
               ) == (VALIDATION, MSG_KEY_LEN)


def test_range_key_length_limit(raw, tables):
    ok(raw, 'PutItem', {'TableName': tables['hrs'],
                        'Item': {'pk': {'S': 'p'}, 'sk': {'S': 'r' * 1024}}})
    assert err(raw, 'PutItem', {'TableName': tables['hrs'],
                                'Item': {'pk': {'S': 'p'}, 'sk': {'S': 'r' * 1025}}}
               ) == (VALIDATION, MSG_KEY_LEN)


def test_get_key_length_limit(raw, tables):
    got, _ = ok(raw, 'GetItem', {'TableName': tables['h'], 'Key': {'id': {'S': 'z' * 2048}}})
    assert got == {}
    assert err(raw, 'GetItem', {'TableName': tables['h'], 'Key': {'id': {'S': 'z' * 2049}}}
               ) == (VALIDATION, MSG_KEY_LEN)


def test_range_key_39_digits_reports_precision(raw, tables):
    assert err(raw, 'PutItem', {'TableName': tables['hr'],
                                'Item': {'pk': {'S': 'p'}, 'sk': {'N': '1' * 39}}}
               ) == (VALIDATION, MSG_PRECISION)


GET_KEY_ERRORS = [
    ('hr', {'pk': {'S': 'p'}}, MSG_KEY_COUNT),
    ('hr', {'pk': {'N': '1'}, 'sk': {'N': '1'}}, MSG_KEY_TYPE),
    ('h', {'id': {'S': 'x'}, 'other': {'S': 'y'}}, MSG_KEY_COUNT),
    ('h', {}, MSG_KEY_COUNT),
    ('h', {'idx': {'S': 'g'}}, MSG_MISSING_KEY),
    ('hr', {'pk': {'S': 'a'}, 'x': {'N': '1'}}, MSG_MISSING_KEY),
    ('hr', {'pk': {'S': 'a'}, 'sk': {'N': '1'}, 'x': {'N': '1'}}, MSG_KEY_COUNT),
    ('hr', {'pk': {'N': '1'}, 'sk': {'N': '1'}, 'x': {'N': '1'}}, MSG_KEY_COUNT),
    ('h', {'id': {'N': 'abc'}}, MSG_NOT_NUMBER),
    ('h', {'id': {'S': 'g'}, 'x': {'N': 'abc'}}, MSG_NOT_NUMBER),
    ('h', {'id': {'S': 'g', 'N': '1'}}, MSG_TWO_TYPES),
    ('h', {'id': {'S': ''}}, empty_key_msg('string', 'id')),
    ('b', {'b': {'B': ''}}, empty_key_msg('binary', 'b')),
    ('h', {'id': {'NULL': True}}, MSG_INVALID_AV_TYPE),
    ('h', {'id': {'BOOL': True}}, MSG_INVALID_AV_TYPE),
    ('hr', {'pk': {'S': 'a'}, 'sk': {'N': '1' * 39}}, MSG_PRECISION),
]


@pytest.mark.parametrize('op', ['GetItem', 'DeleteItem'])
@pytest.mark.parametrize('table,key_value,message', GET_KEY_ERRORS,
                         ids=['%s-%s' % (t, json.dumps(k)[:30]) for t, k, _ in GET_KEY_ERRORS])
def test_key_errors(raw, tables, op, table, key_value, message):
    assert err(raw, op, {'TableName': tables[table], 'Key': key_value}) == (VALIDATION, message)


@pytest.mark.parametrize('op', ['GetItem', 'DeleteItem'])
def test_missing_key_parameter(raw, tables, op):
    assert err(raw, op, {'TableName': tables['h']}) == (VALIDATION, MSG_NULL_KEY)


def test_get_wrong_key_type_boto3(ddb, tables):
    with pytest.raises(ClientError) as e:
        ddb.get_item(TableName=tables['h'], Key={'id': {'N': '1'}})
    assert e.value.response['Error'] == {'Code': 'ValidationException', 'Message': MSG_KEY_TYPE}


# ---- item size (§10.8 itemSize, limit 409,600 inclusive)

def filler_item(key, total, extra=None):
    """An item whose §10.8 itemSize is exactly total (key 'id' must be a string)."""
    item = {'id': {'S': key}}
    item.update(extra or {})
    base = item_size(item) + len('d')
    item['d'] = {'S': 'x' * (total - base)}
    assert item_size(item) == total
    return item


@pytest.mark.parametrize('extra', [
    None,
    {'l': {'L': [{'S': 'a'}, {'S': 'bc'}, {'L': []}]}},
    {'m': {'M': {'k': {'S': 'a'}, 'kk': {'M': {}}}}},
    {'b': {'B': 'AQID'}, 't': {'BOOL': True}, 'z': {'NULL': True}},
    {'u': {'S': '\u00e9\U0001F600'}},
], ids=['plain', 'list', 'map', 'binary-bool-null', 'utf8'])
def test_item_size_limit_exact(raw, tables, key, extra):
    ok(raw, 'PutItem', {'TableName': tables['h'], 'Item': filler_item(key, 409600, extra)})
    assert err(raw, 'PutItem', {'TableName': tables['h'],
                                'Item': filler_item(key, 409601, extra)}) == (
        VALIDATION, MSG_TOO_BIG)


@pytest.mark.parametrize('number,size', [
    ('1', 2), ('123.456', 5), ('-1', 3), ('00042', 2), ('1E+125', 2), ('0', 1),
    ('12345678901234567890123456789012345678', 20), ('-1.5', 4)])
def test_item_size_counts_numbers_as_encoded_bigdecimal(raw, tables, key, number, size):
    """An N value counts as the length of its base-100 form (§10.7), not of its text."""
    item = {'id': {'S': key}, 'n': {'N': number}}
    fixed = 2 + len(key.encode()) + 1 + size + 1   # id, n, and the name 'd'
    item['d'] = {'S': 'x' * (409600 - fixed)}
    ok(raw, 'PutItem', {'TableName': tables['h'], 'Item': item})
    item['d'] = {'S': 'x' * (409601 - fixed)}
    assert err(raw, 'PutItem', {'TableName': tables['h'], 'Item': item}) == (
        VALIDATION, MSG_TOO_BIG)


def test_item_size_counts_sets(raw, tables, key):
    extra = {'ss': {'SS': ['a', 'bc']}, 'ns': {'NS': ['1', '10']}, 'bs': {'BS': ['AQ==', 'AQI=']}}
    fixed = 2 + len(key.encode()) + (2 + 3) + (2 + 4) + (2 + 3) + 1
    item = {'id': {'S': key}}
    item.update(extra)
    item['d'] = {'S': 'x' * (409600 - fixed)}
    ok(raw, 'PutItem', {'TableName': tables['h'], 'Item': item})
    item['d'] = {'S': 'x' * (409601 - fixed)}
    assert err(raw, 'PutItem', {'TableName': tables['h'], 'Item': item}) == (
        VALIDATION, MSG_TOO_BIG)


def test_item_at_limit_round_trips(raw, tables, key):
    item = filler_item(key, 409600)
    ok(raw, 'PutItem', {'TableName': tables['h'], 'Item': item})
    got, _ = ok(raw, 'GetItem', {'TableName': tables['h'], 'Key': {'id': {'S': key}}})
    assert got == {'Item': item}


# ---- ReturnValues, ReturnConsumedCapacity, AttributesToGet parameters

@pytest.mark.parametrize('rv', ['ALL_NEW', 'UPDATED_OLD', 'UPDATED_NEW', 'FOO', 'all_old', ''])
def test_put_return_values_invalid(raw, tables, rv):
    assert err(raw, 'PutItem', {'TableName': tables['h'], 'Item': {'id': {'S': 'rv'}},
                                'ReturnValues': rv}) == (VALIDATION, MSG_RV)


@pytest.mark.parametrize('rv', ['ALL_NEW', 'UPDATED_OLD', 'UPDATED_NEW', 'FOO'])
def test_delete_return_values_invalid(raw, tables, rv):
    assert err(raw, 'DeleteItem', {'TableName': tables['h'], 'Key': {'id': {'S': 'rv'}},
                                   'ReturnValues': rv}) == (VALIDATION, MSG_RV)


@pytest.mark.parametrize('op,body', [
    ('PutItem', {'Item': {'id': {'S': 'rcc'}}}),
    ('GetItem', {'Key': {'id': {'S': 'rcc'}}}),
    ('DeleteItem', {'Key': {'id': {'S': 'rcc'}}}),
])
def test_return_consumed_capacity_invalid(raw, tables, op, body):
    """DynamoDB Local reports an unknown ReturnConsumedCapacity with this unrelated message."""
    body = dict(body, TableName=tables['h'], ReturnConsumedCapacity='FOO')
    assert err(raw, op, body) == (VALIDATION, MSG_NULL_KEY)


def test_attributes_to_get_empty(raw, tables):
    assert err(raw, 'GetItem', {'TableName': tables['h'], 'Key': {'id': {'S': 'g'}},
                                'AttributesToGet': []}) == (
        VALIDATION, 'AttributesToGet cannot be empty')


def test_attributes_to_get_duplicates(raw, tables):
    assert err(raw, 'GetItem', {'TableName': tables['h'], 'Key': {'id': {'S': 'g'}},
                                'AttributesToGet': ['a', 'b', 'a']}) == (
        VALIDATION, 'Cannot have two attributes with the same name')


def test_attributes_to_get_empty_name(raw, tables):
    assert err(raw, 'GetItem', {'TableName': tables['h'], 'Key': {'id': {'S': 'g'}},
                                'AttributesToGet': ['']}) == (VALIDATION, 'Empty attribute name')


def test_attributes_to_get_with_projection_expression(raw, tables):
    assert err(raw, 'GetItem', {'TableName': tables['h'], 'Key': {'id': {'S': 'g'}},
                                'AttributesToGet': ['a'], 'ProjectionExpression': 'a'}) == (
        VALIDATION, 'Can not use both expression and non-expression parameters in the same '
        'request: Non-expression parameters: {AttributesToGet} Expression parameters: '
        '{ProjectionExpression}')


# ---- order of checks when several problems exist

ORDER_PUT = [
    ('bad name before missing Item', {'TableName': 'ab'}, MSG_BAD_NAME),
    ('bad name before bad number',
     {'TableName': 'ab', 'Item': {'id': {'S': 'a'}, 'n': {'N': 'abc'}}}, MSG_BAD_NAME),
    ('bad name before bad ReturnConsumedCapacity',
     {'TableName': 'ab', 'Item': {'id': {'S': 'a'}}, 'ReturnConsumedCapacity': 'FOO'},
     MSG_BAD_NAME),
    ('missing table before missing Item', {'TableName': '@missing'}, MSG_NO_TABLE),
    ('missing table before bad number',
     {'TableName': '@missing', 'Item': {'id': {'S': 'a'}, 'n': {'N': 'abc'}}}, MSG_NO_TABLE),
    ('missing table before two types',
     {'TableName': '@missing', 'Item': {'id': {'S': 'a'}, 'n': {'N': '1', 'S': 'x'}}},
     MSG_NO_TABLE),
    ('missing table before nesting',
     {'TableName': '@missing', 'Item': {'id': {'S': 'a'}, 'n': nested(40, {'S': 'x'})}},
     MSG_NO_TABLE),
    ('missing table before size',
     {'TableName': '@missing', 'Item': {'id': {'S': 'a'}, 'n': {'S': 'x' * 409700}}},
     MSG_NO_TABLE),
    ('missing table before missing key',
     {'TableName': '@missing', 'Item': {'x': {'S': 'a'}}}, MSG_NO_TABLE),
    ('missing table before ReturnValues',
     {'TableName': '@missing', 'Item': {'id': {'S': 'a'}}, 'ReturnValues': 'FOO'}, MSG_NO_TABLE),
    ('missing table before ReturnConsumedCapacity',
     {'TableName': '@missing', 'Item': {'id': {'S': 'a'}}, 'ReturnConsumedCapacity': 'FOO'},
     MSG_NO_TABLE),
    ('ReturnValues before missing Item', {'TableName': '@h', 'ReturnValues': 'FOO'}, MSG_RV),
    ('ReturnValues before bad number',
     {'TableName': '@h', 'Item': {'id': {'S': 'a'}, 'n': {'N': 'abc'}}, 'ReturnValues': 'FOO'},
     MSG_RV),
    ('ReturnValues before missing key',
     {'TableName': '@h', 'Item': {'x': {'S': 'a'}}, 'ReturnValues': 'FOO'}, MSG_RV),
    ('ReturnValues before ReturnConsumedCapacity',
     {'TableName': '@h', 'Item': {'id': {'S': 'a'}}, 'ReturnValues': 'FOO',
      'ReturnConsumedCapacity': 'FOO'}, MSG_RV),
    ('missing Item before ReturnConsumedCapacity',
     {'TableName': '@h', 'ReturnConsumedCapacity': 'FOO'},
     'Item to put in PutItem cannot be null'),
    ('bad number before ReturnConsumedCapacity',
     {'TableName': '@h', 'Item': {'id': {'S': 'a'}, 'n': {'N': 'abc'}},
      'ReturnConsumedCapacity': 'FOO'}, MSG_NOT_NUMBER),
    ('missing key before ReturnConsumedCapacity',
     {'TableName': '@h', 'Item': {'x': {'S': 'a'}}, 'ReturnConsumedCapacity': 'FOO'},
     MSG_MISSING_KEY),
    ('bad number before missing key',
     {'TableName': '@h', 'Item': {'x': {'S': 'a'}, 'n': {'N': 'abc'}}}, MSG_NOT_NUMBER),
    ('bad number before key type',
     {'TableName': '@h', 'Item': {'id': {'N': '1'}, 'n': {'N': 'abc'}}}, MSG_NOT_NUMBER),
    ('size before missing key',
     {'TableName': '@h', 'Item': {'x': {'S': 'x' * 409700}}}, MSG_TOO_BIG),
    ('size before key type',
     {'TableName': '@h', 'Item': {'id': {'N': '1'}, 'x': {'S': 'x' * 409700}}}, MSG_TOO_BIG),
    ('size before empty key',
     {'TableName': '@h', 'Item': {'id': {'S': ''}, 'x': {'S': 'x' * 409700}}}, MSG_TOO_BIG),
    ('size before key length',
     {'TableName': '@h', 'Item': {'id': {'S': 'k' * 2049}, 'x': {'S': 'x' * 409700}}},
     MSG_TOO_BIG),
    # attributes are checked in request order, the size as a running total
    ('first bad attribute wins: number then nesting',
     {'TableName': '@h', 'Item': {'id': {'S': 'a'}, 'a': {'N': 'abc'},
                                  'n': nested(40, {'S': 'x'})}}, MSG_NOT_NUMBER),
    ('first bad attribute wins: nesting then number',
     {'TableName': '@h', 'Item': {'id': {'S': 'a'}, 'n': nested(40, {'S': 'x'}),
                                  'a': {'N': 'abc'}}}, MSG_NESTING),
    ('first bad attribute wins: empty set then number',
     {'TableName': '@h', 'Item': {'id': {'S': 'a'}, 'b': {'SS': []}, 'a': {'N': 'abc'}}},
     'One or more parameter values were invalid: An string set  may not be empty'),
    ('first bad attribute wins: two types then number',
     {'TableName': '@h', 'Item': {'id': {'S': 'a'}, 'b': {'S': 'a', 'N': '1'},
                                  'a': {'N': 'abc'}}}, MSG_TWO_TYPES),
    ('first bad attribute wins: number then two types',
     {'TableName': '@h', 'Item': {'id': {'S': 'a'}, 'a': {'N': 'abc'},
                                  'b': {'S': 'a', 'N': '1'}}}, MSG_NOT_NUMBER),
    ('running size: big, big, bad number',
     {'TableName': '@h', 'Item': {'id': {'S': 'a'}, 'x': {'S': 'x' * 300000},
                                  'y': {'S': 'x' * 300000}, 'n': {'N': 'abc'}}}, MSG_TOO_BIG),
    ('running size: big, bad number, big',
     {'TableName': '@h', 'Item': {'id': {'S': 'a'}, 'x': {'S': 'x' * 300000},
                                  'n': {'N': 'abc'}, 'y': {'S': 'x' * 300000}}}, MSG_NOT_NUMBER),
    ('too large before bad number after it',
     {'TableName': '@h', 'Item': {'id': {'S': 'a'}, 'x': {'S': 'x' * 409700},
                                  'n': {'N': 'abc'}}}, MSG_TOO_BIG),
    ('39-digit key number before key length',
     {'TableName': '@hr', 'Item': {'pk': {'S': 'k' * 2049}, 'sk': {'N': '1' * 39}}},
     MSG_PRECISION),
    # key attributes in key-schema order: hash first
    ('hash type mismatch before missing range',
     {'TableName': '@hr', 'Item': {'pk': {'N': '1'}}}, MSG_KEY_TYPE),
    ('hash NULL before missing range',
     {'TableName': '@hr', 'Item': {'pk': {'NULL': True}}}, MSG_INVALID_AV_TYPE),
    ('missing hash before range type mismatch',
     {'TableName': '@hrs', 'Item': {'sk': {'N': '1'}}}, MSG_MISSING_KEY),
    ('missing hash before empty range',
     {'TableName': '@hrs', 'Item': {'sk': {'S': ''}}}, MSG_MISSING_KEY),
    ('empty hash before missing range',
     {'TableName': '@hr', 'Item': {'pk': {'S': ''}}}, empty_key_msg('string', 'pk')),
    ('empty hash before range type mismatch (range first in request)',
     {'TableName': '@hr', 'Item': {'sk': {'S': '1'}, 'pk': {'S': ''}}},
     empty_key_msg('string', 'pk')),
    ('empty hash before range NULL',
     {'TableName': '@hr', 'Item': {'pk': {'S': ''}, 'sk': {'NULL': True}}},
     empty_key_msg('string', 'pk')),
    ('hash length before range type mismatch',
     {'TableName': '@hr', 'Item': {'pk': {'S': 'k' * 2049}, 'sk': {'S': '1'}}}, MSG_KEY_LEN),
]


@pytest.mark.parametrize('case,body,message', ORDER_PUT, ids=[c for c, _, _ in ORDER_PUT])
def test_order_put(raw, tables, case, body, message):
    body = dict(body)
    name = body.get('TableName')
    if name == '@missing':
        body['TableName'] = 'no_such_table_items'
    elif name and name.startswith('@'):
        body['TableName'] = tables[name[1:]]
    status, _, parsed, _ = raw.call('PutItem', body)
    assert status == 400
    assert parsed['Message'] == message
    assert parsed['__type'] == (NOT_FOUND if message == MSG_NO_TABLE else VALIDATION)


ORDER_GET = [
    ('GetItem', 'bad name before missing Key', {'TableName': 'ab'}, MSG_BAD_NAME),
    ('GetItem', 'bad name before AttributesToGet',
     {'TableName': 'ab', 'Key': {'id': {'S': 'g'}}, 'AttributesToGet': []}, MSG_BAD_NAME),
    ('GetItem', 'missing table before missing Key', {'TableName': '@missing'}, MSG_NO_TABLE),
    ('GetItem', 'missing table before bad key number',
     {'TableName': '@missing', 'Key': {'id': {'N': 'abc'}}}, MSG_NO_TABLE),
    ('GetItem', 'missing table before empty Key', {'TableName': '@missing', 'Key': {}},
     MSG_NO_TABLE),
    ('GetItem', 'AttributesToGet before missing table',
     {'TableName': '@missing', 'Key': {'id': {'S': 'g'}}, 'AttributesToGet': []},
     'AttributesToGet cannot be empty'),
    ('GetItem', 'AttributesToGet duplicates before missing table',
     {'TableName': '@missing', 'Key': {'id': {'S': 'g'}}, 'AttributesToGet': ['a', 'a']},
     'Cannot have two attributes with the same name'),
    ('GetItem', 'AttributesToGet before key errors',
     {'TableName': '@h', 'Key': {'idx': {'S': 'g'}}, 'AttributesToGet': []},
     'AttributesToGet cannot be empty'),
    ('GetItem', 'missing table before ReturnConsumedCapacity',
     {'TableName': '@missing', 'Key': {'id': {'S': 'g'}}, 'ReturnConsumedCapacity': 'FOO'},
     MSG_NO_TABLE),
    ('DeleteItem', 'bad name before missing Key', {'TableName': 'ab'}, MSG_BAD_NAME),
    ('DeleteItem', 'missing table before missing Key', {'TableName': '@missing'}, MSG_NO_TABLE),
    ('DeleteItem', 'missing table before ReturnValues',
     {'TableName': '@missing', 'Key': {'id': {'S': 'a'}}, 'ReturnValues': 'FOO'}, MSG_NO_TABLE),
    ('DeleteItem', 'ReturnValues before missing Key',
     {'TableName': '@h', 'ReturnValues': 'FOO'}, MSG_RV),
    ('DeleteItem', 'ReturnValues before key type',
     {'TableName': '@h', 'Key': {'id': {'N': '1'}}, 'ReturnValues': 'FOO'}, MSG_RV),
    ('DeleteItem', 'ReturnValues before bad number',
     {'TableName': '@h', 'Key': {'id': {'N': 'x'}}, 'ReturnValues': 'FOO'}, MSG_RV),
]


@pytest.mark.parametrize('op,case,body,message', ORDER_GET, ids=['%s: %s' % (o, c) for o, c, _, _
                                                                 in ORDER_GET])
def test_order_get_delete(raw, tables, op, case, body, message):
    body = dict(body)
    name = body.get('TableName')
    if name == '@missing':
        body['TableName'] = 'no_such_table_items'
    elif name and name.startswith('@'):
        body['TableName'] = tables[name[1:]]
    status, _, parsed, _ = raw.call(op, body)
    assert status == 400
    assert parsed['Message'] == message
    assert parsed['__type'] == (NOT_FOUND if message == MSG_NO_TABLE else VALIDATION)


# =============================================================================================
# functionality

def test_put_overwrites_whole_item(ddb, tables, key):
    ddb.put_item(TableName=tables['h'], Item={'id': {'S': key}, 'a': {'N': '1'}, 'b': {'S': 'x'}})
    ddb.put_item(TableName=tables['h'], Item={'id': {'S': key}, 'c': {'BOOL': True}})
    got = ddb.get_item(TableName=tables['h'], Key={'id': {'S': key}})
    assert got['Item'] == {'id': {'S': key}, 'c': {'BOOL': True}}


def test_get_missing_item_returns_empty_object(raw, tables):
    got, payload = ok(raw, 'GetItem', {'TableName': tables['h'], 'Key': {'id': {'S': 'nope'}}})
    assert payload == b'{}'


def test_put_return_values(raw, tables, key):
    t = tables['h']
    body = {'TableName': t, 'Item': {'id': {'S': key}, 'v': {'N': '1'}}, 'ReturnValues': 'ALL_OLD'}
    _, payload = ok(raw, 'PutItem', body)
    assert payload == b'{}'
    body['Item'] = {'id': {'S': key}, 'v': {'N': '2'}}
    got, _ = ok(raw, 'PutItem', body)
    assert got == {'Attributes': {'id': {'S': key}, 'v': {'N': '1'}}}
    body['ReturnValues'] = 'NONE'
    _, payload = ok(raw, 'PutItem', body)
    assert payload == b'{}'


def test_delete_return_values(raw, tables, key):
    t = tables['h']
    ok(raw, 'PutItem', {'TableName': t, 'Item': {'id': {'S': key}, 'v': {'SS': ['b', 'a']}}})
    got, _ = ok(raw, 'DeleteItem', {'TableName': t, 'Key': {'id': {'S': key}},
                                    'ReturnValues': 'ALL_OLD'})
    assert got == {'Attributes': {'id': {'S': key}, 'v': {'SS': ['a', 'b']}}}
    got, _ = ok(raw, 'GetItem', {'TableName': t, 'Key': {'id': {'S': key}}})
    assert got == {}


def test_delete_existing_item_returns_empty_object(raw, tables, key):
    for rv in ('NONE', None):
        ok(raw, 'PutItem', {'TableName': tables['h'], 'Item': {'id': {'S': key}}})
        body = {'TableName': tables['h'], 'Key': {'id': {'S': key}}}
        if rv:
            body['ReturnValues'] = rv
        _, payload = ok(raw, 'DeleteItem', body)
        assert payload == b'{}'


@pytest.mark.parametrize('extra', [{}, {'ReturnValues': 'ALL_OLD'},
                                   {'ReturnConsumedCapacity': 'NONE'},
                                   {'ReturnConsumedCapacity': 'TOTAL'}])
def test_delete_missing_item_reports_capacity_unasked(raw, tables, extra):
    """§14 quirk: deleting a missing item returns ConsumedCapacity even when not asked for."""
    body = dict({'TableName': tables['h'], 'Key': {'id': {'S': 'never-there'}}}, **extra)
    _, payload = ok(raw, 'DeleteItem', body)
    assert payload == (b'{"ConsumedCapacity":{"TableName":"%s","CapacityUnits":1.0}}'
                       % tables['h'].encode())


def test_delete_missing_item_indexes(raw, tables):
    _, payload = ok(raw, 'DeleteItem', {'TableName': tables['h'],
                                        'Key': {'id': {'S': 'never-there'}},
                                        'ReturnConsumedCapacity': 'INDEXES'})
    assert payload == (b'{"ConsumedCapacity":{"TableName":"%s","CapacityUnits":1.0,'
                       b'"Table":{"CapacityUnits":1.0}}}' % tables['h'].encode())


def test_delete_is_idempotent_and_range_exact(ddb, tables):
    t = tables['hr']
    for sk in ('1', '2'):
        ddb.put_item(TableName=t, Item={'pk': {'S': 'del'}, 'sk': {'N': sk}})
    ddb.delete_item(TableName=t, Key={'pk': {'S': 'del'}, 'sk': {'N': '1'}})
    ddb.delete_item(TableName=t, Key={'pk': {'S': 'del'}, 'sk': {'N': '1'}})
    assert 'Item' not in ddb.get_item(TableName=t, Key={'pk': {'S': 'del'}, 'sk': {'N': '1'}})
    assert ddb.get_item(TableName=t, Key={'pk': {'S': 'del'}, 'sk': {'N': '2.0'}})['Item'] == {
        'pk': {'S': 'del'}, 'sk': {'N': '2'}}


def test_binary_key_round_trip(ddb, tables):
    for b in (b'\x00', b'\x00\x00', b'\xff\x00', b'a'):
        ddb.put_item(TableName=tables['b'], Item={'b': {'B': b}, 'v': {'B': b + b}})
        assert ddb.get_item(TableName=tables['b'], Key={'b': {'B': b}})['Item'] == {
            'b': {'B': b}, 'v': {'B': b + b}}


def test_consistent_read_same_result(ddb, tables, key):
    ddb.put_item(TableName=tables['h'], Item={'id': {'S': key}, 'v': {'N': '7'}})
    a = ddb.get_item(TableName=tables['h'], Key={'id': {'S': key}}, ConsistentRead=True)
    b = ddb.get_item(TableName=tables['h'], Key={'id': {'S': key}}, ConsistentRead=False)
    assert a['Item'] == b['Item'] == {'id': {'S': key}, 'v': {'N': '7'}}


def test_attributes_to_get(raw, tables, key):
    ok(raw, 'PutItem', {'TableName': tables['h'],
                        'Item': {'id': {'S': key}, 'n': {'N': '5'}, 'name': {'S': 'bob'},
                                 'x': {'S': 'y'}}})
    got, _ = ok(raw, 'GetItem', {'TableName': tables['h'], 'Key': {'id': {'S': key}},
                                 'AttributesToGet': ['n', 'name', 'missing']})
    assert got == {'Item': {'name': {'S': 'bob'}, 'n': {'N': '5'}}}
    got, payload = ok(raw, 'GetItem', {'TableName': tables['h'], 'Key': {'id': {'S': key}},
                                       'AttributesToGet': ['zz']})
    assert payload == b'{"Item":{}}'


# ---- consumed capacity (§14): write units ceil(max(old, new) / 1 KB), read 0.5 per 4 KB

@pytest.mark.parametrize('size,write,read_ev,read_cons', [
    (1024, 1.0, 0.5, 1.0), (1025, 2.0, 0.5, 1.0), (4096, 4.0, 0.5, 1.0),
    (4097, 5.0, 1.0, 2.0), (8193, 9.0, 1.5, 3.0), (409600, 400.0, 50.0, 100.0)])
def test_consumed_capacity_by_size(raw, tables, key, size, write, read_ev, read_cons):
    t = tables['h']
    got, _ = ok(raw, 'PutItem', {'TableName': t, 'Item': filler_item(key, size),
                                 'ReturnConsumedCapacity': 'TOTAL'})
    assert got == {'ConsumedCapacity': {'TableName': t, 'CapacityUnits': write}}
    got, _ = ok(raw, 'GetItem', {'TableName': t, 'Key': {'id': {'S': key}},
                                 'ReturnConsumedCapacity': 'TOTAL', 'AttributesToGet': ['id']})
    assert got['ConsumedCapacity'] == {'TableName': t, 'CapacityUnits': read_ev}
    got, _ = ok(raw, 'GetItem', {'TableName': t, 'Key': {'id': {'S': key}},
                                 'ReturnConsumedCapacity': 'TOTAL', 'ConsistentRead': True})
    assert got['ConsumedCapacity'] == {'TableName': t, 'CapacityUnits': read_cons}
    got, _ = ok(raw, 'DeleteItem', {'TableName': t, 'Key': {'id': {'S': key}},
                                    'ReturnConsumedCapacity': 'TOTAL'})
    assert got == {'ConsumedCapacity': {'TableName': t, 'CapacityUnits': write}}


def test_put_capacity_uses_larger_of_old_and_new(raw, tables, key):
    t = tables['h']
    ok(raw, 'PutItem', {'TableName': t, 'Item': filler_item(key, 5000)})
    got, _ = ok(raw, 'PutItem', {'TableName': t, 'Item': filler_item(key, 100),
                                 'ReturnConsumedCapacity': 'TOTAL'})
    assert got['ConsumedCapacity']['CapacityUnits'] == 5.0
    got, _ = ok(raw, 'PutItem', {'TableName': t, 'Item': filler_item(key, 3000),
                                 'ReturnConsumedCapacity': 'TOTAL'})
    assert got['ConsumedCapacity']['CapacityUnits'] == 3.0


def test_consumed_capacity_shapes(raw, tables, key):
    t = tables['h']
    tb = t.encode()
    _, p = ok(raw, 'PutItem', {'TableName': t, 'Item': {'id': {'S': key}},
                               'ReturnConsumedCapacity': 'TOTAL'})
    assert p == b'{"ConsumedCapacity":{"TableName":"%s","CapacityUnits":1.0}}' % tb
    _, p = ok(raw, 'PutItem', {'TableName': t, 'Item': {'id': {'S': key}},
                               'ReturnConsumedCapacity': 'INDEXES'})
    assert p == (b'{"ConsumedCapacity":{"TableName":"%s","CapacityUnits":1.0,'
                 b'"Table":{"CapacityUnits":1.0}}}' % tb)
    _, p = ok(raw, 'PutItem', {'TableName': t, 'Item': {'id': {'S': key}},
                               'ReturnConsumedCapacity': 'NONE'})
    assert p == b'{}'
    _, p = ok(raw, 'GetItem', {'TableName': t, 'Key': {'id': {'S': key}},
                               'ReturnConsumedCapacity': 'INDEXES'})
    assert p == (b'{"Item":{"id":{"S":"%s"}},"ConsumedCapacity":{"TableName":"%s",'
                 b'"CapacityUnits":0.5,"Table":{"CapacityUnits":0.5}}}' % (key.encode(), tb))
    _, p = ok(raw, 'GetItem', {'TableName': t, 'Key': {'id': {'S': 'absent'}},
                               'ReturnConsumedCapacity': 'TOTAL'})
    assert p == b'{"ConsumedCapacity":{"TableName":"%s","CapacityUnits":0.5}}' % tb
    _, p = ok(raw, 'DeleteItem', {'TableName': t, 'Key': {'id': {'S': key}},
                                  'ReturnConsumedCapacity': 'INDEXES', 'ReturnValues': 'ALL_OLD'})
    assert p == (b'{"Attributes":{"id":{"S":"%s"}},"ConsumedCapacity":{"TableName":"%s",'
                 b'"CapacityUnits":1.0,"Table":{"CapacityUnits":1.0}}}' % (key.encode(), tb))


def test_consumed_capacity_lsi_indexes(raw, tables):
    t = tables['idx']
    got, _ = ok(raw, 'PutItem', {'TableName': t,
                                 'Item': {'pk': {'S': 'p'}, 'sk': {'S': 'icm'}, 'lk': {'N': '1'}},
                                 'ReturnConsumedCapacity': 'INDEXES',
                                 'ReturnItemCollectionMetrics': 'SIZE'})
    assert got == {'ConsumedCapacity': {'TableName': t, 'CapacityUnits': 2.0,
                                        'Table': {'CapacityUnits': 1.0},
                                        'LocalSecondaryIndexes': {'lsi1': {'CapacityUnits': 1.0}}}}


def test_return_consumed_capacity_is_case_insensitive(raw, tables, key):
    got, _ = ok(raw, 'PutItem', {'TableName': tables['h'], 'Item': {'id': {'S': key}},
                                 'ReturnConsumedCapacity': 'total'})
    assert got == {'ConsumedCapacity': {'TableName': tables['h'], 'CapacityUnits': 1.0}}


def test_index_key_type_mismatch(raw, tables):
    for attr in ('lk', 'gk'):
        value = {'S': 'x'} if attr == 'lk' else {'N': '1'}
        assert err(raw, 'PutItem', {'TableName': tables['idx'],
                                    'Item': {'pk': {'S': 'p'}, 'sk': {'S': '1'}, attr: value}}
                   ) == (VALIDATION,
                         'One or more parameter values were invalid: Type mismatch for Index Key')


def test_index_key_empty_string(raw, tables):
    assert err(raw, 'PutItem', {'TableName': tables['idx'],
                                'Item': {'pk': {'S': 'p'}, 'sk': {'S': '1'}, 'gk': {'S': ''}}}
               ) == (VALIDATION,
                     'One or more parameter values are not valid. A value specified for a '
                     'secondary index key is not supported. The AttributeValue for a key '
                     'attribute cannot contain an empty string value. IndexName: gsi1, '
                     'IndexKey: gk')


def test_in_memory_database_grows_past_1_gib(server_factory):
    """-inMemory is bounded by memory only: SQLite's memdb stops a database at 1 GiB unless told
    otherwise, and ddblocal's writes past that failed ("database or disk is full"). 2,900 items
    of 390,000 bytes (1.13 GB) are written on a server of their own; the first and the last
    read back whole."""
    srv = server_factory(['-inMemory'])
    r = Raw(srv.url)
    st, _, body, _ = r.call('CreateTable', {
        'TableName': 'Big', 'AttributeDefinitions': [{'AttributeName': 'pk', 'AttributeType': 'S'}],
        'KeySchema': [{'AttributeName': 'pk', 'KeyType': 'HASH'}],
        'ProvisionedThroughput': {'ReadCapacityUnits': 1, 'WriteCapacityUnits': 1}})
    assert st == 200, body
    data = 'x' * 390000
    c = http.client.HTTPConnection(r.host, r.port, timeout=60)
    hdr = {'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': 'DynamoDB_20120810.PutItem',
           'Authorization': AUTH}
    for i in range(2900):
        c.request('POST', '/', body=json.dumps({'TableName': 'Big', 'Item': {
            'pk': {'S': 'k%d' % i}, 'i': {'N': str(i)}, 'data': {'S': data}}}), headers=hdr)
        resp = c.getresponse()
        payload = resp.read()
        assert resp.status == 200, (i, payload[:300])
    c.close()
    for i in (0, 2899):
        st, _, body, _ = r.call('GetItem', {'TableName': 'Big', 'Key': {'pk': {'S': 'k%d' % i}}})
        assert st == 200 and body['Item']['i'] == {'N': str(i)} and body['Item']['data'] == {'S': data}
