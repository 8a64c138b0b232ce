"""BatchGetItem and BatchWriteItem, black box: limits, validation, order, capacity, indexes.

Every expectation here was observed on DynamoDB Local 1.25.1 (the oracle); see
shared/reference/dynamodb-local.md §7 (messages) and §14 (capacity). Exact error texts are
checked through the `raw` fixture because boto3 validates some inputs before sending them.

Observed rules pinned below (several are not in the reference):
  BatchGetItem check order: RequestItems present/non-empty -> per table (request order):
      Keys non-empty -> 100 keys in total -> duplicate keys (compared as given: N "1" and "1.0"
      are NOT duplicates) -> AttributesToGet with ProjectionExpression -> table name format
      -> table exists -> key rules -> expressions.
  BatchWriteItem check order: RequestItems present/non-empty -> 25 requests in total ->
      per table: list non-empty -> table name format -> table exists -> per request, in order:
      shape (both/neither of Put/Delete) -> key rules -> duplicate key (normalized numbers).
      Nothing is written unless the whole request is valid.
  Responses[table] lists found items in java.util.HashMap(n) order of the requested keys, n =
      number of keys requested for that table (AttributeValue.hashCode of the AWS SDK v1).
  UnprocessedKeys: keys are taken in that same order; an item is returned while the running sum
      of whole-item sizes (§10.8, before projection) stays <= 16 MiB; the rest is unprocessed
      and carries the table's ConsistentRead / ProjectionExpression / names.
  Capacity: BatchGetItem per table 0.5 x ceil(size/4096) per found item (x2 consistent),
      missing items 0; BatchWriteItem per table ceil(max(old,new)/1024) per put or delete of
      an existing item, a delete of a MISSING item costs 2.0.
  An invalid ReturnConsumedCapacity -> "Cannot have null key for GetItem, DeleteItem, or
  UpdateItem"; an invalid ReturnItemCollectionMetrics is accepted.
"""
import json
import os

import pytest
from botocore.exceptions import ClientError


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
MSG_TOO_BIG = 'Item size has exceeded the maximum allowed size'
MSG_TWO_TYPES = ('Supplied AttributeValue has more than one datatypes set, must contain exactly '
                 'one of the supported datatypes')
MSG_DUPS = 'Provided list of item keys contains duplicates'
MSG_GET_TOO_MANY = 'Too many items requested for the BatchGetItem call'
MSG_WRITE_TOO_MANY = 'Too many items requested for the BatchWriteItem call'
MSG_GET_NONE = 'BatchGetItem must have some requests set'
MSG_WRITE_NONE = 'BatchWriteItem cannot have a null or no requests set'
MSG_NULL_AV = 'The supplied Item contains a null AttributeValue'
MSG_BOTH_PROJ = ('Can not use both expression and non-expression parameters in the same request: '
                 'Non-expression parameters: {AttributesToGet} Expression parameters: '
                 '{ProjectionExpression}')
MSG_EMPTY_SS = 'One or more parameter values were invalid: An string set  may not be empty'
MSG_INDEX_TYPE = 'One or more parameter values were invalid: Type mismatch for Index Key'

MIB16 = 16 * 1024 * 1024


def empty_key_msg(name):
    return ('One or more parameter values are not valid. The AttributeValue for a key attribute '
            'cannot contain an empty string value. Key: %s' % name)


def get_empty_list(t):
    return 'The list of keys in RequestItems for BatchGetItem is required: %s has empty list' % t


def write_empty_list(t):
    return 'The batch write request list for a table cannot be null or empty: %s' % t


# ---------------------------------------------------------------------------------------------
# helpers

_names = [0]


def unique(prefix):
    _names[0] += 1
    return '%s_%d_%d' % (prefix, os.getpid() % 100000, _names[0])


def create(ddb, name, keys, **extra):
    ddb.create_table(
        TableName=name,
        KeySchema=[{'AttributeName': n, 'KeyType': 'HASH' if i == 0 else 'RANGE'}
                   for i, (n, _) in enumerate(keys)],
        AttributeDefinitions=[{'AttributeName': n, 'AttributeType': t} for n, t in keys]
        + extra.pop('more_attrs', []),
        BillingMode='PAY_PER_REQUEST', **extra)
    return name


def err(raw, op, body):
    status, _, parsed, _ = raw.call(op, body)
    assert status == 400, (status, parsed)
    return parsed['__type'], parsed['Message']


def ok(raw, op, body):
    status, _, parsed, payload = raw.call(op, body)
    assert status == 200, (status, parsed)
    return parsed, payload


def S(v):
    return {'S': v}


def N(v):
    return {'N': str(v)}


def java_hash(s):
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


def av_hash(av):
    """com.amazonaws.services.dynamodbv2.model.AttributeValue.hashCode() for S and N values."""
    (t, v), = av.items()
    h = 1
    for f in ('S', 'N', 'B', 'SS', 'NS', 'BS', 'M', 'L', 'NULL', 'BOOL'):
        h = (31 * h + (java_hash(v) if f == t else 0)) & 0xffffffff
    return h


def key_hash(key):
    """java.util.AbstractMap.hashCode() of a key map: sum of name.hashCode() ^ value.hashCode()."""
    return sum(java_hash(k) ^ av_hash(v) for k, v in key.items()) & 0xffffffff


def key_order(keys):
    """Iteration order of a HashMap(n) holding these keys (bucket, then insertion order)."""
    cap = hashmap_capacity(len(keys))

    def bucket(k):
        h = key_hash(k)
        return (h ^ (h >> 16)) & (cap - 1)
    return sorted(keys, key=bucket)


def item_size(item):
    def vs(av):
        (t, v), = av.items()
        if t in ('S', 'N'):
            return len(v.encode())
        if t in ('BOOL', 'NULL'):
            return 1
        raise AssertionError(t)
    return sum(len(k.encode()) + vs(v) for k, v in item.items())


def sized_item(key_value, size, key_name='id'):
    """An item {key_name: S(key_value), 'v': S('x'*...)} of exactly `size` bytes (§10.8)."""
    pad = size - len(key_name) - len(key_value.encode()) - 1
    return {key_name: S(key_value), 'v': S('x' * pad)}


def get_all(raw, table, keys):
    got, _ = ok(raw, 'BatchGetItem', {'RequestItems': {table: {'Keys': keys}}})
    return got['Responses'][table]


def by_id(items, attr='id'):
    return sorted(items, key=lambda x: json.dumps(x[attr]))


# ---------------------------------------------------------------------------------------------
# tables shared by the module

@pytest.fixture(scope='module')
def tables(ddb):
    t = {
        'h': create(ddb, unique('batch_h'), [('id', 'S')]),
        'h2': create(ddb, unique('batch_h2'), [('id', 'S')]),
        'hr': create(ddb, unique('batch_hr'), [('pk', 'S'), ('sk', 'N')]),
        'idx': create(
            ddb, unique('batch_idx'), [('pk', 'S'), ('sk', 'S')],
            more_attrs=[{'AttributeName': 'lk', 'AttributeType': 'N'},
                        {'AttributeName': 'gk', 'AttributeType': 'S'}],
            LocalSecondaryIndexes=[{'IndexName': 'lsi1',
                                    'KeySchema': [{'AttributeName': 'pk', 'KeyType': 'HASH'},
                                                  {'AttributeName': 'lk', 'KeyType': 'RANGE'}],
                                    'Projection': {'ProjectionType': 'ALL'}}],
            GlobalSecondaryIndexes=[{'IndexName': 'gsi1',
                                     'KeySchema': [{'AttributeName': 'gk', 'KeyType': 'HASH'},
                                                   {'AttributeName': 'sk', 'KeyType': 'RANGE'}],
                                     'Projection': {'ProjectionType': 'ALL'}}]),
    }
    yield t
    for name in t.values():
        try:
            ddb.delete_table(TableName=name)
        except ClientError:
            pass


@pytest.fixture
def key(request):
    return 'k_' + request.node.name[:80]


@pytest.fixture
def fresh(ddb, table_name):
    """A hash-key table of its own (for tests that count capacity or need an empty table)."""
    create(ddb, table_name, [('id', 'S')])
    yield table_name
    ddb.delete_table(TableName=table_name)


# =============================================================================================
# BatchGetItem: functionality

def test_get_over_two_tables(raw, tables, key):
    ok(raw, 'PutItem', {'TableName': tables['h'], 'Item': {'id': S(key), 'v': N(1)}})
    ok(raw, 'PutItem', {'TableName': tables['hr'], 'Item': {'pk': S(key), 'sk': N(2), 'w': S('x')}})
    got, _ = ok(raw, 'BatchGetItem', {'RequestItems': {
        tables['h']: {'Keys': [{'id': S(key)}]},
        tables['hr']: {'Keys': [{'pk': S(key), 'sk': N(2)}]}}})
    assert got == {'Responses': {tables['h']: [{'id': S(key), 'v': N(1)}],
                                 tables['hr']: [{'pk': S(key), 'sk': N(2), 'w': S('x')}]},
                   'UnprocessedKeys': {}}


def test_get_missing_items_omitted_and_table_listed_empty(raw, tables, key):
    ok(raw, 'PutItem', {'TableName': tables['h'], 'Item': {'id': S(key)}})
    got, _ = ok(raw, 'BatchGetItem', {'RequestItems': {
        tables['h']: {'Keys': [{'id': S(key)}, {'id': S(key + 'missing')}]},
        tables['hr']: {'Keys': [{'pk': S(key + 'missing'), 'sk': N(1)}]}}})
    assert got == {'Responses': {tables['h']: [{'id': S(key)}], tables['hr']: []},
                   'UnprocessedKeys': {}}


def test_get_member_order_responses_then_unprocessed(raw, tables, key):
    _, payload = ok(raw, 'BatchGetItem', {'RequestItems': {tables['h']: {'Keys': [{'id': S(key)}]}}})
    assert payload == ('{"Responses":{"%s":[]},"UnprocessedKeys":{}}' % tables['h']).encode()


def test_get_member_order_with_capacity(raw, fresh):
    ok(raw, 'PutItem', {'TableName': fresh, 'Item': {'id': S('a')}})
    _, payload = ok(raw, 'BatchGetItem', {'RequestItems': {fresh: {'Keys': [{'id': S('a')}]}},
                                          'ReturnConsumedCapacity': 'TOTAL'})
    assert payload == ('{"Responses":{"%s":[{"id":{"S":"a"}}]},"UnprocessedKeys":{},'
                       '"ConsumedCapacity":[{"TableName":"%s","CapacityUnits":0.5}]}'
                       % (fresh, fresh)).encode()


@pytest.mark.parametrize('split', [(100, 0), (60, 40), (1, 99)])
def test_get_100_keys_over_tables(raw, tables, key, split):
    a, b = split
    keys_h = [{'id': S('%s_%d' % (key, i))} for i in range(a)]
    keys_hr = [{'pk': S(key), 'sk': N(i)} for i in range(b)]
    for k in keys_h[:5]:
        ok(raw, 'PutItem', {'TableName': tables['h'], 'Item': k})
    req = {tables['h']: {'Keys': keys_h}}
    if b:
        req[tables['hr']] = {'Keys': keys_hr}
    got, _ = ok(raw, 'BatchGetItem', {'RequestItems': req})
    assert by_id(got['Responses'][tables['h']]) == by_id(keys_h[:5])
    assert got['UnprocessedKeys'] == {}


@pytest.mark.parametrize('split', [(101, 0), (61, 40), (1, 100)])
def test_get_101_keys_over_tables(raw, tables, key, split):
    a, b = split
    req = {tables['h']: {'Keys': [{'id': S('%s_%d' % (key, i))} for i in range(a)]}}
    if b:
        req[tables['hr']] = {'Keys': [{'pk': S(key), 'sk': N(i)} for i in range(b)]}
    assert err(raw, 'BatchGetItem', {'RequestItems': req}) == (VALIDATION, MSG_GET_TOO_MANY)


@pytest.mark.parametrize('n', [2, 3, 5, 7, 13, 20, 30])
def test_get_item_order_is_hashmap_order_of_requested_keys(raw, fresh, n):
    keys = [{'id': S('x%d' % (i * 7919 % 1000))} for i in range(n)]
    for k in keys:
        ok(raw, 'PutItem', {'TableName': fresh, 'Item': k})
    assert get_all(raw, fresh, keys) == key_order(keys)
    assert get_all(raw, fresh, keys[::-1]) == key_order(keys[::-1])


def test_get_item_order_counts_missing_keys(raw, fresh):
    """The map is sized by the keys requested, found or not: 13 keys -> 32 buckets."""
    keys = [{'id': S('m%d' % i)} for i in range(13)]
    found = keys[::2]
    for k in found:
        ok(raw, 'PutItem', {'TableName': fresh, 'Item': k})
    assert get_all(raw, fresh, keys) == [k for k in key_order(keys) if k in found]


def test_get_numbers_1_and_1_0_are_not_duplicates(raw, tables, key):
    """The duplicate check compares numbers as given: the item comes back twice."""
    ok(raw, 'PutItem', {'TableName': tables['hr'], 'Item': {'pk': S(key), 'sk': N(1)}})
    got, _ = ok(raw, 'BatchGetItem', {'RequestItems': {tables['hr']: {
        'Keys': [{'pk': S(key), 'sk': N('1')}, {'pk': S(key), 'sk': N('1.0')}]}}})
    assert got['Responses'][tables['hr']] == [{'pk': S(key), 'sk': N(1)}] * 2


@pytest.mark.parametrize('spec,expected', [
    ({'ProjectionExpression': 'v'}, {'v': N(1)}),
    ({'ProjectionExpression': '#v, m.a', 'ExpressionAttributeNames': {'#v': 'v'}},
     {'v': N(1), 'm': {'M': {'a': S('x')}}}),
    ({'ProjectionExpression': 'l[1], id'}, {'l': {'L': [S('b')]}, 'id': S('?')}),
    ({'AttributesToGet': ['v', 'nope']}, {'v': N(1)}),
    ({'AttributesToGet': ['m']}, {'m': {'M': {'a': S('x'), 'b': S('y')}}}),
    ({'ProjectionExpression': 'nope'}, {}),
], ids=['pe', 'pe-names-nested', 'pe-list', 'atg', 'atg-map', 'pe-nothing'])
def test_get_projection_per_table(raw, tables, key, spec, expected):
    item = {'id': S(key), 'v': N(1), 'm': {'M': {'a': S('x'), 'b': S('y')}},
            'l': {'L': [S('a'), S('b')]}}
    ok(raw, 'PutItem', {'TableName': tables['h'], 'Item': item})
    ok(raw, 'PutItem', {'TableName': tables['h2'], 'Item': item})
    req = {tables['h']: dict({'Keys': [{'id': S(key)}]}, **spec),
           tables['h2']: {'Keys': [{'id': S(key)}]}}
    got, _ = ok(raw, 'BatchGetItem', {'RequestItems': req})
    if 'id' in expected:
        expected = dict(expected, id=S(key))
    assert got['Responses'][tables['h']] == ([expected] if expected else [{}])
    assert got['Responses'][tables['h2']] == [item]


def test_get_projection_of_nothing_returns_empty_item(raw, tables, key):
    ok(raw, 'PutItem', {'TableName': tables['h'], 'Item': {'id': S(key)}})
    _, payload = ok(raw, 'BatchGetItem', {'RequestItems': {tables['h']: {
        'Keys': [{'id': S(key)}], 'ProjectionExpression': 'nope'}}})
    assert payload == ('{"Responses":{"%s":[{}]},"UnprocessedKeys":{}}' % tables['h']).encode()


@pytest.mark.parametrize('consistent,mode,expected', [
    (None, 'TOTAL', [0.5, 0.5, 1.5, 0.0]),
    (False, 'TOTAL', [0.5, 0.5, 1.5, 0.0]),
    (True, 'TOTAL', [1.0, 1.0, 3.0, 0.0]),
])
def test_get_capacity_per_item(raw, fresh, consistent, mode, expected):
    """Per found item 0.5 x ceil(size/4096) (1.0 x with ConsistentRead); missing items cost 0."""
    ok(raw, 'PutItem', {'TableName': fresh, 'Item': sized_item('a', 10)})
    ok(raw, 'PutItem', {'TableName': fresh, 'Item': sized_item('b', 4096)})
    ok(raw, 'PutItem', {'TableName': fresh, 'Item': sized_item('c', 8193)})
    for want, k in zip(expected, ['a', 'b', 'c', 'zz']):
        spec = {'Keys': [{'id': S(k)}]}
        if consistent is not None:
            spec['ConsistentRead'] = consistent
        got, _ = ok(raw, 'BatchGetItem', {'RequestItems': {fresh: spec},
                                          'ReturnConsumedCapacity': mode})
        assert got['ConsumedCapacity'] == [{'TableName': fresh, 'CapacityUnits': want}], k


def test_get_capacity_sums_items_and_projection_does_not_matter(raw, fresh):
    for k in 'abc':
        ok(raw, 'PutItem', {'TableName': fresh, 'Item': sized_item(k, 5000)})
    got, _ = ok(raw, 'BatchGetItem', {'RequestItems': {fresh: {
        'Keys': [{'id': S(k)} for k in 'abcd'], 'ProjectionExpression': 'id'}},
        'ReturnConsumedCapacity': 'TOTAL'})
    assert got['ConsumedCapacity'] == [{'TableName': fresh, 'CapacityUnits': 3.0}]


def test_get_capacity_indexes_and_none(raw, fresh):
    ok(raw, 'PutItem', {'TableName': fresh, 'Item': {'id': S('a')}})
    req = {fresh: {'Keys': [{'id': S('a')}], 'ConsistentRead': True}}
    got, _ = ok(raw, 'BatchGetItem', {'RequestItems': req, 'ReturnConsumedCapacity': 'INDEXES'})
    assert got['ConsumedCapacity'] == [{'TableName': fresh, 'CapacityUnits': 1.0,
                                        'Table': {'CapacityUnits': 1.0}}]
    got, _ = ok(raw, 'BatchGetItem', {'RequestItems': req, 'ReturnConsumedCapacity': 'NONE'})
    assert 'ConsumedCapacity' not in got


def test_get_capacity_one_entry_per_table(raw, tables, key):
    ok(raw, 'PutItem', {'TableName': tables['h'], 'Item': {'id': S(key)}})
    got, _ = ok(raw, 'BatchGetItem', {'RequestItems': {
        tables['h']: {'Keys': [{'id': S(key)}]},
        tables['h2']: {'Keys': [{'id': S(key)}]}}, 'ReturnConsumedCapacity': 'TOTAL'})
    assert sorted(got['ConsumedCapacity'], key=lambda c: c['TableName']) == sorted(
        [{'TableName': tables['h'], 'CapacityUnits': 0.5},
         {'TableName': tables['h2'], 'CapacityUnits': 0.0}], key=lambda c: c['TableName'])


def test_get_boto3(ddb, tables, key):
    ddb.put_item(TableName=tables['h'], Item={'id': S(key), 'b': {'B': b'\x00\x01'}})
    got = ddb.batch_get_item(RequestItems={tables['h']: {'Keys': [{'id': S(key)}],
                                                         'ConsistentRead': True}})
    assert got['Responses'] == {tables['h']: [{'id': S(key), 'b': {'B': b'\x00\x01'}}]}
    assert got['UnprocessedKeys'] == {}


# ---------------------------------------------------------------------------------------------
# BatchGetItem: the 16 MB response limit

@pytest.fixture(scope='module')
def big(ddb, raw):
    """50 items of exactly 409,600 bytes, keys '00'..'49'."""
    name = create(ddb, unique('batch_big'), [('id', 'S')])
    for i in range(50):
        ok(raw, 'PutItem', {'TableName': name, 'Item': sized_item('%02d' % i, 409600)})
    yield name
    ddb.delete_table(TableName=name)


def test_get_unprocessed_keys_at_16_mib(raw, big):
    keys = [{'id': S('%02d' % i)} for i in range(50)]
    got, _ = ok(raw, 'BatchGetItem', {'RequestItems': {big: {'Keys': keys}},
                                      'ReturnConsumedCapacity': 'TOTAL'})
    order = key_order(keys)
    # 40 x 409,600 = 16,384,000 <= 16 MiB; a 41st item would exceed it.
    assert [x['id'] for x in got['Responses'][big]] == [k['id'] for k in order[:40]]
    assert got['UnprocessedKeys'] == {big: {'Keys': order[40:]}}
    assert got['ConsumedCapacity'] == [{'TableName': big, 'CapacityUnits': 2000.0}]


def test_get_unprocessed_keys_keep_table_parameters(raw, big):
    keys = [{'id': S('%02d' % i)} for i in range(50)]
    spec = {'Keys': keys, 'ConsistentRead': True, 'ProjectionExpression': '#i',
            'ExpressionAttributeNames': {'#i': 'id'}}
    got, payload = ok(raw, 'BatchGetItem', {'RequestItems': {big: spec},
                                            'ReturnConsumedCapacity': 'TOTAL'})
    # the limit counts whole items even though only the key is returned
    assert len(got['Responses'][big]) == 40 and len(payload) < 5000
    un = got['UnprocessedKeys'][big]
    assert un == {'Keys': key_order(keys)[40:], 'ConsistentRead': True,
                  'ProjectionExpression': '#i', 'ExpressionAttributeNames': {'#i': 'id'}}
    assert got['ConsumedCapacity'] == [{'TableName': big, 'CapacityUnits': 4000.0}]
    # the unprocessed keys can be sent back as they are
    again, _ = ok(raw, 'BatchGetItem', {'RequestItems': got['UnprocessedKeys']})
    assert sorted(x['id']['S'] for x in again['Responses'][big]) == sorted(
        k['id']['S'] for k in key_order(keys)[40:])
    assert again['UnprocessedKeys'] == {}


def test_get_unprocessed_attributes_to_get(raw, big):
    keys = [{'id': S('%02d' % i)} for i in range(45)]
    got, _ = ok(raw, 'BatchGetItem', {'RequestItems': {big: {'Keys': keys,
                                                             'AttributesToGet': ['id']}}})
    assert got['UnprocessedKeys'] == {big: {'Keys': key_order(keys)[40:],
                                            'AttributesToGet': ['id']}}


@pytest.mark.parametrize('extra,unprocessed', [(MIB16 - 40 * 409600, 0),
                                               (MIB16 - 40 * 409600 + 1, 1)])
def test_get_16_mib_boundary(raw, ddb, table_name, extra, unprocessed):
    create(ddb, table_name, [('id', 'S')])
    try:
        for i in range(40):
            ok(raw, 'PutItem', {'TableName': table_name, 'Item': sized_item('%02d' % i, 409600)})
        ok(raw, 'PutItem', {'TableName': table_name, 'Item': sized_item('zz', extra)})
        keys = [{'id': S('%02d' % i)} for i in range(40)] + [{'id': S('zz')}]
        got, _ = ok(raw, 'BatchGetItem', {'RequestItems': {table_name: {
            'Keys': keys, 'ProjectionExpression': 'id'}}})
        assert len(got['Responses'][table_name]) == 41 - unprocessed
        if unprocessed:
            assert got['UnprocessedKeys'] == {table_name: {'Keys': key_order(keys)[40:],
                                                           'ProjectionExpression': 'id'}}
        else:
            assert got['UnprocessedKeys'] == {}
    finally:
        ddb.delete_table(TableName=table_name)


# ---------------------------------------------------------------------------------------------
# BatchGetItem: validation

def _get_errors(t):
    h, hr = t['h'], t['hr']
    k = {'id': S('a')}
    return [
        ('no-request-items', {}, (VALIDATION, MSG_GET_NONE)),
        ('empty-request-items', {'RequestItems': {}}, (VALIDATION, MSG_GET_NONE)),
        ('empty-keys', {'RequestItems': {h: {'Keys': []}}}, (VALIDATION, get_empty_list(h))),
        ('no-keys', {'RequestItems': {h: {}}}, (VALIDATION, get_empty_list(h))),
        ('missing-table', {'RequestItems': {'nope_table': {'Keys': [k]}}}, (NOT_FOUND, MSG_NO_TABLE)),
        ('second-table-missing', {'RequestItems': {h: {'Keys': [k]}, 'nope_table': {'Keys': [k]}}},
         (NOT_FOUND, MSG_NO_TABLE)),
        ('bad-name', {'RequestItems': {'x': {'Keys': [k]}}}, (VALIDATION, MSG_BAD_NAME)),
        ('duplicates', {'RequestItems': {h: {'Keys': [k, k]}}}, (VALIDATION, MSG_DUPS)),
        ('duplicates-hr', {'RequestItems': {hr: {'Keys': [{'pk': S('a'), 'sk': N(1)}] * 2}}},
         (VALIDATION, MSG_DUPS)),
        ('type-mismatch', {'RequestItems': {h: {'Keys': [{'id': N(1)}]}}}, (VALIDATION, MSG_KEY_TYPE)),
        ('extra-key-attr', {'RequestItems': {h: {'Keys': [{'id': S('a'), 'x': S('b')}]}}},
         (VALIDATION, MSG_KEY_COUNT)),
        ('empty-key', {'RequestItems': {h: {'Keys': [{}]}}}, (VALIDATION, MSG_KEY_COUNT)),
        ('missing-range', {'RequestItems': {hr: {'Keys': [{'pk': S('a')}]}}},
         (VALIDATION, MSG_KEY_COUNT)),
        ('empty-string-key', {'RequestItems': {h: {'Keys': [{'id': S('')}]}}},
         (VALIDATION, empty_key_msg('id'))),
        ('two-types', {'RequestItems': {h: {'Keys': [{'id': {'S': 'a', 'N': '1'}}]}}},
         (VALIDATION, MSG_TWO_TYPES)),
        ('atg-and-pe', {'RequestItems': {h: {'Keys': [k], 'AttributesToGet': ['v'],
                                             'ProjectionExpression': 'v'}}},
         (VALIDATION, MSG_BOTH_PROJ)),
        ('undefined-name', {'RequestItems': {h: {'Keys': [k], 'ProjectionExpression': '#x'}}},
         (VALIDATION, 'Invalid ProjectionExpression: An expression attribute name used in the '
                      'document path is not defined; attribute name: #x')),
        ('unused-name', {'RequestItems': {h: {'Keys': [k], 'ProjectionExpression': 'v',
                                              'ExpressionAttributeNames': {'#x': 'y'}}}},
         (VALIDATION, 'Value provided in ExpressionAttributeNames unused in expressions: '
                      'keys: {#x}')),
        ('names-without-expression', {'RequestItems': {h: {
            'Keys': [k], 'ExpressionAttributeNames': {'#x': 'y'}}}},
         (VALIDATION, 'ExpressionAttributeNames can only be specified when using expressions')),
        ('empty-names', {'RequestItems': {h: {'Keys': [k], 'ProjectionExpression': 'v',
                                              'ExpressionAttributeNames': {}}}},
         (VALIDATION, 'ExpressionAttributeNames must not be empty')),
        ('syntax', {'RequestItems': {h: {'Keys': [k], 'ProjectionExpression': 'v,,'}}},
         (VALIDATION, 'Invalid ProjectionExpression: Syntax error; token: ",", near: ",,"')),
        ('reserved', {'RequestItems': {h: {'Keys': [k], 'ProjectionExpression': 'status'}}},
         (VALIDATION, 'Invalid ProjectionExpression: Attribute name is a reserved keyword; '
                      'reserved keyword: status')),
        ('overlap', {'RequestItems': {h: {'Keys': [k], 'ProjectionExpression': 'a.b, a'}}},
         (VALIDATION, 'Invalid ProjectionExpression: Two document paths overlap with each other; '
                      'must remove or rewrite one of these paths; path one: [a, b], path two: [a]')),
        ('same-path-twice', {'RequestItems': {h: {'Keys': [k], 'ProjectionExpression': 'v, v'}}},
         (VALIDATION, 'Invalid ProjectionExpression: Two document paths overlap with each other; '
                      'must remove or rewrite one of these paths; path one: [v], path two: [v]')),
        ('empty-atg', {'RequestItems': {h: {'Keys': [k], 'AttributesToGet': []}}},
         (VALIDATION, 'AttributesToGet cannot be empty')),
        ('duplicate-atg', {'RequestItems': {h: {'Keys': [k], 'AttributesToGet': ['v', 'v']}}},
         (VALIDATION, 'One or more parameter values were invalid: Duplicate value in attribute '
                      'name: v')),
        ('bad-return-consumed-capacity', {'RequestItems': {h: {'Keys': [k]}},
                                          'ReturnConsumedCapacity': 'BAD'},
         (VALIDATION, MSG_NULL_KEY)),
    ]


GET_ERROR_IDS = [c[0] for c in _get_errors({'h': 'h', 'hr': 'hr'})]


@pytest.mark.parametrize('case', GET_ERROR_IDS)
def test_get_error(raw, tables, case):
    _, body, expected = [c for c in _get_errors(tables) if c[0] == case][0]
    assert err(raw, 'BatchGetItem', body) == expected


@pytest.mark.parametrize('case,expected', [
    # 101 keys, duplicates and empty lists are found before the table is looked up
    ('too-many-missing-table', (VALIDATION, MSG_GET_TOO_MANY)),
    ('duplicates-missing-table', (VALIDATION, MSG_DUPS)),
    ('empty-list-missing-table', (VALIDATION, get_empty_list('nope_table'))),
    ('empty-list-bad-name', (VALIDATION, get_empty_list('no'))),
    ('both-projections-missing-table', (VALIDATION, MSG_BOTH_PROJ)),
    ('bad-name-before-missing-table', (VALIDATION, MSG_BAD_NAME)),
    # the table is looked up before its keys are checked
    ('missing-table-before-key-type', (NOT_FOUND, MSG_NO_TABLE)),
    # duplicates are found before any key is checked
    ('duplicates-before-key-type', (VALIDATION, MSG_DUPS)),
    ('both-projections-before-duplicates', (VALIDATION, MSG_BOTH_PROJ)),
])
def test_get_check_order(raw, tables, case, expected):
    h, k = tables['h'], {'id': S('a')}
    bodies = {
        'too-many-missing-table': {'nope_table': {'Keys': [{'id': S(str(i))} for i in range(101)]}},
        'duplicates-missing-table': {'nope_table': {'Keys': [k, k]}},
        'empty-list-missing-table': {'nope_table': {'Keys': []}},
        'empty-list-bad-name': {'no': {'Keys': []}},
        'both-projections-missing-table': {'nope_table': {'Keys': [k], 'AttributesToGet': ['v'],
                                                          'ProjectionExpression': 'v'}},
        'bad-name-before-missing-table': {'no': {'Keys': [k]}, 'nope_table': {'Keys': [k]}},
        'missing-table-before-key-type': {'nope_table': {'Keys': [{'id': N(1)}]}},
        'duplicates-before-key-type': {h: {'Keys': [{'id': N(1)}, k, k]}},
        'both-projections-before-duplicates': {h: {'Keys': [k, k], 'AttributesToGet': ['v'],
                                                   'ProjectionExpression': 'v'}},
    }
    assert err(raw, 'BatchGetItem', {'RequestItems': bodies[case]}) == expected


# =============================================================================================
# BatchWriteItem: functionality

def put(item):
    return {'PutRequest': {'Item': item}}


def delete(k):
    return {'DeleteRequest': {'Key': k}}


def test_write_put_and_delete_over_tables(raw, tables, key):
    ok(raw, 'PutItem', {'TableName': tables['h'], 'Item': {'id': S(key + 'old')}})
    got, payload = ok(raw, 'BatchWriteItem', {'RequestItems': {
        tables['h']: [put({'id': S(key), 'v': N(1)}), delete({'id': S(key + 'old')})],
        tables['hr']: [put({'pk': S(key), 'sk': N(1)}), put({'pk': S(key), 'sk': N(2)})]}})
    assert payload == b'{"UnprocessedItems":{}}'
    assert get_all(raw, tables['h'], [{'id': S(key)}, {'id': S(key + 'old')}]) == [
        {'id': S(key), 'v': N(1)}]
    assert len(get_all(raw, tables['hr'], [{'pk': S(key), 'sk': N(i)} for i in (1, 2)])) == 2


@pytest.mark.parametrize('split', [(25, 0), (13, 12), (1, 24)])
def test_write_25_requests_over_tables(raw, tables, key, split):
    a, b = split
    req = {tables['h']: [put({'id': S('%s_%d' % (key, i))}) for i in range(a)]}
    if b:
        req[tables['hr']] = [put({'pk': S(key), 'sk': N(i)}) for i in range(b)]
    got, _ = ok(raw, 'BatchWriteItem', {'RequestItems': req})
    assert got == {'UnprocessedItems': {}}
    assert len(get_all(raw, tables['h'], [{'id': S('%s_%d' % (key, i))} for i in range(a)])) == a


@pytest.mark.parametrize('split', [(26, 0), (13, 13), (1, 25)])
def test_write_26_requests_over_tables(raw, tables, key, split):
    a, b = split
    req = {tables['h']: [put({'id': S('%s_%d' % (key, i))}) for i in range(a)]}
    if b:
        req[tables['hr']] = [put({'pk': S(key), 'sk': N(i)}) for i in range(b)]
    assert err(raw, 'BatchWriteItem', {'RequestItems': req}) == (VALIDATION, MSG_WRITE_TOO_MANY)
    assert get_all(raw, tables['h'], [{'id': S('%s_0' % key)}]) == []


def test_write_put_replaces_whole_item(raw, tables, key):
    ok(raw, 'PutItem', {'TableName': tables['h'], 'Item': {'id': S(key), 'a': N(1), 'b': N(2)}})
    ok(raw, 'BatchWriteItem', {'RequestItems': {tables['h']: [put({'id': S(key), 'c': N(3)})]}})
    assert get_all(raw, tables['h'], [{'id': S(key)}]) == [{'id': S(key), 'c': N(3)}]


def test_write_delete_of_missing_item_is_fine(raw, tables, key):
    got, _ = ok(raw, 'BatchWriteItem', {'RequestItems': {tables['h']: [delete({'id': S(key)})]}})
    assert got == {'UnprocessedItems': {}}


def test_write_same_key_in_two_tables_is_fine(raw, tables, key):
    ok(raw, 'BatchWriteItem', {'RequestItems': {tables['h']: [put({'id': S(key)})],
                                                tables['h2']: [put({'id': S(key)})]}})
    assert get_all(raw, tables['h2'], [{'id': S(key)}]) == [{'id': S(key)}]


def test_write_numbers_normalized_in_keys(raw, tables, key):
    ok(raw, 'BatchWriteItem', {'RequestItems': {tables['hr']: [put({'pk': S(key), 'sk': N('01.50')})]}})
    assert get_all(raw, tables['hr'], [{'pk': S(key), 'sk': N('1.5')}]) == [
        {'pk': S(key), 'sk': N('1.5')}]


def test_write_boto3(ddb, tables, key):
    got = ddb.batch_write_item(RequestItems={tables['h']: [
        {'PutRequest': {'Item': {'id': S(key), 'b': {'B': b'\xff'}}}}]})
    assert got['UnprocessedItems'] == {}
    assert ddb.get_item(TableName=tables['h'], Key={'id': S(key)})['Item'] == {
        'id': S(key), 'b': {'B': b'\xff'}}


@pytest.mark.parametrize('ops,expected', [
    ([('put', 'a', 10)], 1.0),
    ([('put', 'a', 1024)], 1.0),
    ([('put', 'a', 1025)], 2.0),
    ([('put', 'a', 5000)], 5.0),
    ([('put', 'a', 10), ('put', 'b', 10)], 2.0),
    ([('pre', 'a', 5000), ('put', 'a', 10)], 5.0),        # max(old, new)
    ([('pre', 'a', 10), ('put', 'a', 5000)], 5.0),
    ([('pre', 'a', 10), ('del', 'a', 0)], 1.0),
    ([('pre', 'a', 5000), ('del', 'a', 0)], 5.0),
    ([('del', 'zz', 0)], 2.0),                            # a delete of a missing item: 2.0
    ([('put', 'a', 10), ('put', 'b', 10), ('del', 'zz', 0)], 4.0),
], ids=['small', '1024', '1025', '5000', 'two', 'shrink', 'grow', 'del', 'del-big',
        'del-missing', 'mix'])
def test_write_capacity(raw, fresh, ops, expected):
    reqs = []
    for op, k, size in ops:
        if op == 'pre':
            ok(raw, 'PutItem', {'TableName': fresh, 'Item': sized_item(k, size)})
        elif op == 'put':
            reqs.append(put(sized_item(k, size)))
        else:
            reqs.append(delete({'id': S(k)}))
    got, _ = ok(raw, 'BatchWriteItem', {'RequestItems': {fresh: reqs},
                                        'ReturnConsumedCapacity': 'TOTAL'})
    assert got == {'UnprocessedItems': {},
                   'ConsumedCapacity': [{'TableName': fresh, 'CapacityUnits': expected}]}


def test_write_capacity_indexes_and_none(raw, fresh):
    got, payload = ok(raw, 'BatchWriteItem', {'RequestItems': {fresh: [put({'id': S('a')})]},
                                              'ReturnConsumedCapacity': 'INDEXES'})
    assert payload == ('{"UnprocessedItems":{},"ConsumedCapacity":[{"TableName":"%s",'
                       '"CapacityUnits":1.0,"Table":{"CapacityUnits":1.0}}]}' % fresh).encode()
    got, _ = ok(raw, 'BatchWriteItem', {'RequestItems': {fresh: [put({'id': S('a')})]},
                                        'ReturnConsumedCapacity': 'NONE'})
    assert got == {'UnprocessedItems': {}}


def test_write_capacity_one_entry_per_table(raw, tables, key):
    got, _ = ok(raw, 'BatchWriteItem', {'RequestItems': {
        tables['h']: [put({'id': S(key)}), put({'id': S(key + '2')})],
        tables['h2']: [put({'id': S(key)})]}, 'ReturnConsumedCapacity': 'TOTAL'})
    assert sorted(got['ConsumedCapacity'], key=lambda c: c['TableName']) == sorted(
        [{'TableName': tables['h'], 'CapacityUnits': 2.0},
         {'TableName': tables['h2'], 'CapacityUnits': 1.0}], key=lambda c: c['TableName'])


@pytest.mark.parametrize('metrics', ['SIZE', 'NONE', 'BAD'])
def test_write_item_collection_metrics_not_returned(raw, tables, key, metrics):
    """ReturnItemCollectionMetrics is accepted (even an unknown value) and returns nothing,
    also on a table with an LSI."""
    got, _ = ok(raw, 'BatchWriteItem', {'RequestItems': {
        tables['idx']: [put({'pk': S(key), 'sk': S('1'), 'lk': N(1)})]},
        'ReturnItemCollectionMetrics': metrics})
    assert got == {'UnprocessedItems': {}}


def test_write_bad_return_consumed_capacity(raw, tables, key):
    assert err(raw, 'BatchWriteItem', {'RequestItems': {tables['h']: [put({'id': S(key)})]},
                                       'ReturnConsumedCapacity': 'BAD'}) == (VALIDATION, MSG_NULL_KEY)
    assert get_all(raw, tables['h'], [{'id': S(key)}]) == []


# ---------------------------------------------------------------------------------------------
# BatchWriteItem: validation, and nothing written unless all is valid

def _write_errors(t):
    h, hr = t['h'], t['hr']
    return [
        ('no-request-items', {}, (VALIDATION, MSG_WRITE_NONE)),
        ('empty-request-items', {'RequestItems': {}}, (VALIDATION, MSG_WRITE_NONE)),
        ('empty-list', {'RequestItems': {h: []}}, (VALIDATION, write_empty_list(h))),
        ('missing-table', {'RequestItems': {'nope_table': [put({'id': S('a')})]}},
         (NOT_FOUND, MSG_NO_TABLE)),
        ('bad-name', {'RequestItems': {'x': [put({'id': S('a')})]}}, (VALIDATION, MSG_BAD_NAME)),
        ('dup-put-put', {'RequestItems': {h: [put({'id': S('a')}), put({'id': S('a'), 'v': N(1)})]}},
         (VALIDATION, MSG_DUPS)),
        ('dup-put-delete', {'RequestItems': {h: [put({'id': S('a')}), delete({'id': S('a')})]}},
         (VALIDATION, MSG_DUPS)),
        ('dup-delete-delete', {'RequestItems': {h: [delete({'id': S('a')})] * 2}},
         (VALIDATION, MSG_DUPS)),
        ('dup-normalized-number', {'RequestItems': {hr: [delete({'pk': S('a'), 'sk': N('1')}),
                                                         delete({'pk': S('a'), 'sk': N('1.0')})]}},
         (VALIDATION, MSG_DUPS)),
        ('put-and-delete-in-one', {'RequestItems': {h: [{'PutRequest': {'Item': {'id': S('a')}},
                                                         'DeleteRequest': {'Key': {'id': S('a')}}}]}},
         (VALIDATION, MSG_TWO_TYPES)),
        ('empty-request', {'RequestItems': {h: [{}]}}, (VALIDATION, MSG_TWO_TYPES)),
        ('put-without-item', {'RequestItems': {h: [{'PutRequest': {}}]}}, (VALIDATION, MSG_NULL_AV)),
        ('delete-without-key', {'RequestItems': {h: [{'DeleteRequest': {}}]}},
         (VALIDATION, MSG_NULL_AV)),
        ('put-empty-item', {'RequestItems': {h: [put({})]}}, (VALIDATION, MSG_MISSING_KEY)),
        ('put-without-key', {'RequestItems': {h: [put({'x': S('a')})]}}, (VALIDATION, MSG_MISSING_KEY)),
        ('put-without-range', {'RequestItems': {hr: [put({'pk': S('a')})]}},
         (VALIDATION, MSG_MISSING_KEY)),
        ('delete-empty-key', {'RequestItems': {h: [delete({})]}}, (VALIDATION, MSG_KEY_COUNT)),
        ('delete-extra-attr', {'RequestItems': {h: [delete({'id': S('a'), 'x': S('b')})]}},
         (VALIDATION, MSG_KEY_COUNT)),
        ('put-type-mismatch', {'RequestItems': {h: [put({'id': N(1)})]}}, (VALIDATION, MSG_KEY_TYPE)),
        ('delete-type-mismatch', {'RequestItems': {h: [delete({'id': N(1)})]}},
         (VALIDATION, MSG_KEY_TYPE)),
        ('put-empty-string-key', {'RequestItems': {h: [put({'id': S('')})]}},
         (VALIDATION, empty_key_msg('id'))),
        ('put-empty-set', {'RequestItems': {h: [put({'id': S('a'), 's': {'SS': []}})]}},
         (VALIDATION, MSG_EMPTY_SS)),
        ('put-too-big', {'RequestItems': {h: [put(sized_item('a', 409601))]}},
         (VALIDATION, MSG_TOO_BIG)),
        ('put-bool-key', {'RequestItems': {h: [put({'id': {'BOOL': True}})]}},
         (VALIDATION, 'Invalid attribute value type')),
    ]


WRITE_ERROR_IDS = [c[0] for c in _write_errors({'h': 'h', 'hr': 'hr'})]


@pytest.mark.parametrize('case', WRITE_ERROR_IDS)
def test_write_error(raw, tables, case):
    _, body, expected = [c for c in _write_errors(tables) if c[0] == case][0]
    assert err(raw, 'BatchWriteItem', body) == expected


def test_write_409600_bytes_accepted(raw, tables, key):
    ok(raw, 'BatchWriteItem', {'RequestItems': {tables['h']: [put(sized_item(key, 409600))]}})


INVALID_SECOND = {
    'type-mismatch': lambda t: {t['h']: [put({'id': N(1)})]},
    'missing-key': lambda t: {t['h']: [put({'x': S('a')})]},
    'empty-set': lambda t: {t['h']: [put({'id': S('z'), 's': {'SS': []}})]},
    'too-big': lambda t: {t['h']: [put(sized_item('z', 409601))]},
    'empty-string-key': lambda t: {t['h']: [put({'id': S('')})]},
    'bad-delete': lambda t: {t['h']: [delete({'id': S('a'), 'x': S('b')})]},
    'duplicate': lambda t: {t['h']: [put({'id': S('FIRST')})]},
    'other-table-missing-range': lambda t: {t['hr']: [put({'pk': S('a')})]},
    'other-table-missing': lambda t: {'nope_table': [put({'id': S('a')})]},
}


@pytest.mark.parametrize('case', sorted(INVALID_SECOND))
def test_write_whole_request_validated_before_writing(raw, tables, key, case):
    """An invalid 2nd request leaves the 1st unwritten (also the 1st's deletes undone)."""
    ok(raw, 'PutItem', {'TableName': tables['h'], 'Item': {'id': S(key + 'old')}})
    first = [put({'id': S(key)}), delete({'id': S(key + 'old')})]
    second = INVALID_SECOND[case](tables)
    if case == 'duplicate':
        second = {tables['h']: [put({'id': S(key)})]}
    if tables['h'] in second:
        req = {tables['h']: first + second[tables['h']]}
    else:
        req = {tables['h']: first}
        req.update(second)
    status, _, parsed, _ = raw.call('BatchWriteItem', {'RequestItems': req})
    assert status == 400, parsed
    assert get_all(raw, tables['h'], [{'id': S(key)}, {'id': S(key + 'old')}]) == [
        {'id': S(key + 'old')}]


@pytest.mark.parametrize('case,expected', [
    # 26 requests are counted before the table is looked up
    ('too-many-missing-table', (VALIDATION, MSG_WRITE_TOO_MANY)),
    ('empty-list-missing-table', (VALIDATION, write_empty_list('nope_table'))),
    # unlike BatchGetItem, the table is looked up before duplicates are searched
    ('missing-table-before-duplicates', (NOT_FOUND, MSG_NO_TABLE)),
    ('missing-table-before-key-type', (NOT_FOUND, MSG_NO_TABLE)),
    ('bad-name-before-missing-table', (VALIDATION, MSG_BAD_NAME)),
    # requests are checked in order: a duplicate before a later bad key, a bad key before a
    # later duplicate
    ('duplicate-then-type', (VALIDATION, MSG_DUPS)),
    ('type-then-duplicate', (VALIDATION, MSG_KEY_TYPE)),
    ('shape-then-type', (VALIDATION, MSG_TWO_TYPES)),
])
def test_write_check_order(raw, tables, case, expected):
    h, a = tables['h'], put({'id': S('a')})
    bad = put({'id': N(1)})
    bodies = {
        'too-many-missing-table': {'nope_table': [put({'id': S(str(i))}) for i in range(26)]},
        'empty-list-missing-table': {'nope_table': []},
        'missing-table-before-duplicates': {'nope_table': [a, a]},
        'missing-table-before-key-type': {'nope_table': [bad]},
        'bad-name-before-missing-table': {'no': [a], 'nope_table': [a]},
        'duplicate-then-type': {h: [a, a, bad]},
        'type-then-duplicate': {h: [bad, a, a]},
        'shape-then-type': {h: [{}, bad]},
    }
    assert err(raw, 'BatchWriteItem', {'RequestItems': bodies[case]}) == expected


# =============================================================================================
# secondary indexes maintained by batch writes

def query_gsi(raw, table, gk):
    got, _ = ok(raw, 'Query', {'TableName': table, 'IndexName': 'gsi1',
                               'KeyConditionExpression': 'gk = :g',
                               'ExpressionAttributeValues': {':g': S(gk)}})
    return got['Items']


def query_lsi(raw, table, pk):
    got, _ = ok(raw, 'Query', {'TableName': table, 'IndexName': 'lsi1',
                               'KeyConditionExpression': 'pk = :p',
                               'ExpressionAttributeValues': {':p': S(pk)}})
    return got['Items']


def test_write_maintains_gsi_and_lsi(raw, tables, key):
    t = tables['idx']
    items = [{'pk': S(key), 'sk': S('s%d' % i), 'lk': N(10 - i), 'gk': S(key + 'g')}
             for i in range(4)]
    ok(raw, 'BatchWriteItem', {'RequestItems': {t: [put(x) for x in items]}})
    assert [x['sk'] for x in query_gsi(raw, t, key + 'g')] == [S('s0'), S('s1'), S('s2'), S('s3')]
    assert [x['lk'] for x in query_lsi(raw, t, key)] == [N(7), N(8), N(9), N(10)]
    # overwrite one item with another GSI key, delete another
    ok(raw, 'BatchWriteItem', {'RequestItems': {t: [
        put({'pk': S(key), 'sk': S('s0'), 'lk': N(1), 'gk': S(key + 'h')}),
        delete({'pk': S(key), 'sk': S('s1')})]}})
    assert [x['sk'] for x in query_gsi(raw, t, key + 'g')] == [S('s2'), S('s3')]
    assert query_gsi(raw, t, key + 'h') == [
        {'pk': S(key), 'sk': S('s0'), 'lk': N(1), 'gk': S(key + 'h')}]
    assert [x['lk'] for x in query_lsi(raw, t, key)] == [N(1), N(7), N(8)]


def test_write_index_key_type_mismatch_writes_nothing(raw, tables, key):
    t = tables['idx']
    assert err(raw, 'BatchWriteItem', {'RequestItems': {t: [
        put({'pk': S(key), 'sk': S('a'), 'gk': S(key + 'g')}),
        put({'pk': S(key), 'sk': S('b'), 'lk': S('not a number')})]}}) == (VALIDATION, MSG_INDEX_TYPE)
    assert query_gsi(raw, t, key + 'g') == []


def test_write_capacity_indexes_with_gsi_and_lsi(raw, tables, key):
    t = tables['idx']
    got, _ = ok(raw, 'BatchWriteItem', {'RequestItems': {t: [
        put({'pk': S(key), 'sk': S('a'), 'lk': N(1), 'gk': S('g')})]},
        'ReturnConsumedCapacity': 'INDEXES'})
    assert got['ConsumedCapacity'] == [{
        'TableName': t, 'CapacityUnits': 3.0, 'Table': {'CapacityUnits': 1.0},
        'LocalSecondaryIndexes': {'lsi1': {'CapacityUnits': 1.0}},
        'GlobalSecondaryIndexes': {'gsi1': {'CapacityUnits': 1.0}}}]


def test_get_from_index_table(raw, tables, key):
    t = tables['idx']
    ok(raw, 'BatchWriteItem', {'RequestItems': {t: [put({'pk': S(key), 'sk': S('a'), 'lk': N(1)})]}})
    got, _ = ok(raw, 'BatchGetItem', {'RequestItems': {t: {'Keys': [{'pk': S(key), 'sk': S('a')}],
                                                           'ProjectionExpression': 'lk'}},
                                      'ReturnConsumedCapacity': 'INDEXES'})
    assert got['Responses'] == {t: [{'lk': N(1)}]}
    assert got['ConsumedCapacity'] == [{'TableName': t, 'CapacityUnits': 0.5,
                                        'Table': {'CapacityUnits': 0.5}}]
