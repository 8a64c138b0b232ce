"""Query and Scan, black box: key conditions, filters, projections, Select, paging, capacity,
scan order and parallel scan.

Every expectation here was observed on DynamoDB Local 1.25.1 (the oracle); see
shared/reference/dynamodb-local.md §7 (messages), §10.6 (key order), §10.7 (salted hashes),
§10.10 (ordering, pagination, parallel scan), §14 (consumed capacity), and cruddur.md (access
patterns). Exact error texts go through the `raw` fixture (boto3 validates some inputs itself).

Behaviour pinned here that the reference does not state (observed on the oracle):
  - Key order: N numerically, S by UTF-8 bytes (so U+1F600 sorts after U+FB00, unlike UTF-16),
    B by unsigned bytes; ScanIndexForward false reverses it.
  - A page that stops at Limit always carries LastEvaluatedKey, even when no item follows; the
    next page is then empty and has none.
  - The 1 MB page limit: items are added while the running total of itemSize (§10.8) of the
    *matching* items is below 1,048,576; the page stops before the next item once the total has
    reached it (8 items of exactly 131,072 bytes fill a page; 131,071 bytes gives 9). When the
    limit is reached on the partition's last item there is no LastEvaluatedKey. Items removed by
    a filter do not count. The size is the whole item's, whatever the projection.
  - ConsumedCapacity of Query/Scan = ceil(Σ itemSize of the page's items / 4096) × 0.5 (× 2 with
    ConsistentRead); an empty page costs 0.0.
  - Scan allows a FilterExpression (and ScanFilter) on key attributes; Query does not.
  - Parallel scan: segment i of N holds the items whose salted hash h (SHA1("LocalDdb" ‖ hash key
    bytes) as a 160-bit integer) satisfies i·M//N <= h < (i+1)·M//N, M = 2^160 − 1.
  - Odd messages: Segment with TotalSegments 0 → "... Member must have value less than or equal
    to -1"; ReturnConsumedCapacity "BOGUS" → "Cannot have null key for GetItem, DeleteItem, or
    UpdateItem"; an ExclusiveStartKey of the wrong type → "Type mismatch for attribute to update".
  - Legacy KeyConditions with NE → 500 InternalFailure (a DynamoDB Local defect, not pinned).
"""
import base64
import hashlib
import json
import math
import os
from decimal import Decimal

import pytest
from botocore.exceptions import ClientError


NS = 'com.amazon.coral.validate#'
DDB = 'com.amazonaws.dynamodb.v20120810#'
TYPES = {'ValidationException': NS + 'ValidationException',
         'ResourceNotFoundException': DDB + 'ResourceNotFoundException',
         'LimitExceededException': DDB + 'LimitExceededException'}
MB = 1024 * 1024
MAX_HASH = 2 ** 160 - 1
SALT = b'LocalDdb'


# ---------------------------------------------------------------------------------------------
# helpers

_names = [0]


def unique(prefix):
    _names[0] += 1
    return '%s_%d_%d' % (prefix, os.getpid() % 100000, _names[0])


def create(raw, name, keys, **extra):
    """keys: [(name, type), ...], hash first. Returns the table name."""
    body = {'TableName': name,
            'KeySchema': [{'AttributeName': n, 'KeyType': 'HASH' if i == 0 else 'RANGE'}
                          for i, (n, _) in enumerate(keys)],
            'AttributeDefinitions': [{'AttributeName': n, 'AttributeType': t} for n, t in keys]
            + extra.pop('more_attrs', []),
            'BillingMode': 'PAY_PER_REQUEST'}
    body.update(extra)
    ok(raw, 'CreateTable', body)
    return name


def err(raw, op, body):
    """Sends a request that must fail with 400; returns (__type, Message)."""
    status, _, parsed, _ = raw.call(op, body)
    assert status == 400, (status, parsed)
    return parsed['__type'], parsed['Message']


def ok(raw, op, body):
    status, _, parsed, payload = raw.call(op, body)
    assert status == 200, (status, parsed)
    return parsed


def ok_bytes(raw, op, body):
    status, _, parsed, payload = raw.call(op, body)
    assert status == 200, (status, parsed)
    return payload


def put_all(raw, table, items):
    for it in items:
        ok(raw, 'PutItem', {'TableName': table, 'Item': it})


def b64(b):
    return base64.b64encode(b).decode()


def encode_bigdecimal(s):
    """§10.7: the bytes DynamoDB Local hashes and sizes for an N value."""
    d = Decimal(s)
    if d == 0:
        return bytes([0x80])
    sign = -1 if d < 0 else 1
    t = abs(d).normalize().as_tuple()
    digits = ''.join(map(str, t.digits))
    e = len(digits) + t.exponent
    if e % 2:
        digits, e = '0' + digits, e + 1
    if len(digits) % 2:
        digits += '0'
    pairs = [int(digits[i:i + 2]) for i in range(0, len(digits), 2)]
    first = (192 + e // 2) & 0xff
    if sign < 0:
        out = [first ^ 0xff] + [101 - p for p in pairs]
        if len(pairs) < 20:
            out.append(102)
    else:
        out = [first] + [p + 1 for p in pairs]
    return bytes(out)


def key_input(av):
    (t, v), = av.items()
    return v.encode() if t == 'S' else base64.b64decode(v) if t == 'B' else encode_bigdecimal(v)


def salted(av):
    """hashValue of §10.7 as an integer."""
    return int.from_bytes(hashlib.sha1(SALT + key_input(av)).digest(), 'big')


def value_size(av):
    (t, v), = av.items()
    if t == 'S':
        return len(v.encode())
    if t == 'N':
        return len(encode_bigdecimal(v))
    if t == 'B':
        return len(base64.b64decode(v))
    if t in ('BOOL', 'NULL'):
        return 1
    if t == 'SS':
        return sum(len(x.encode()) for x in v)
    if t == 'NS':
        return sum(len(encode_bigdecimal(x)) for x in v)
    if t == 'L':
        return 3 + sum(1 + value_size(x) for x in v)
    if t == 'M':
        return 3 + sum(1 + len(k.encode()) + value_size(x) for k, x in v.items())
    raise AssertionError(t)


def item_size(item):
    return sum(len(k.encode()) + value_size(v) for k, v in item.items())


def read_units(items, consistent=False):
    return math.ceil(sum(item_size(i) for i in items) / 4096) * 0.5 * (2 if consistent else 1)


def segment_of(h, total):
    """The segment (§10.10) holding salted hash h."""
    for i in range(total):
        if i * MAX_HASH // total <= h < (i + 1) * MAX_HASH // total:
            return i
    return total - 1


def query_all(raw, body, limit=None):
    """Pages through a Query (or Scan, body['_op']); returns the list of pages."""
    op = body.pop('_op', 'Query')
    pages, start = [], None
    while True:
        b = dict(body)
        if limit:
            b['Limit'] = limit
        if start:
            b['ExclusiveStartKey'] = start
        page = ok(raw, op, b)
        pages.append(page)
        start = page.get('LastEvaluatedKey')
        if not start:
            return pages
        assert len(pages) < 1000


# ---------------------------------------------------------------------------------------------
# data: one partition 'p' per sort-key type, values in ascending order, plus a neighbour partition

NUMS = ['-' + '9' * 38, '-1000', '-100', '-12.5', '-1', '-0.5', '-0.001', '-0.' + '0' * 129 + '1',
        '0', '0.' + '0' * 129 + '1', '0.001', '0.5', '1', '1.5', '10', '12.5', '100', '1000',
        '1' + '0' * 125]
STRS = sorted(['A', 'B', 'Z', 'a', 'a b', 'aa', 'ab', 'abc', 'ab\u00e9', 'b', 'z', '~', '\u00e9',
               '\u00ff', '\u0100\u0100', '\u65e5\u672c', '\ufb00', '\U0001F600', 'a\U0001F600',
               'ab~'], key=lambda s: s.encode())
BINS = sorted([b'\x00', b'\x00\x00', b'\x01', b'a', b'ab', b'abc', b'b', b'\x7f', b'\x80',
               b'\xfe', b'\xff', b'\xff\x00'])
SORTED = {
    'N': [{'N': n} for n in sorted(NUMS, key=Decimal)],
    'S': [{'S': s} for s in STRS],
    'B': [{'B': b64(b)} for b in BINS],
}


def order_key(av):
    (t, v), = av.items()
    return Decimal(v) if t == 'N' else v.encode() if t == 'S' else base64.b64decode(v)


def data_items(t):
    """The items of partition 'p' of the table with sort key type t, in key order."""
    return [{'pk': {'S': 'p'}, 'sk': sk, 'v': {'N': str(i)},
             'tag': {'S': 'odd' if i % 2 else 'even'}} for i, sk in enumerate(SORTED[t])]


@pytest.fixture(scope='module')
def tables(raw):
    t = {}
    for typ in 'NSB':
        t[typ] = create(raw, unique('qs_' + typ), [('pk', 'S'), ('sk', typ)])
        put_all(raw, t[typ], data_items(typ))
        # neighbours on both sides of 'p' in key order, so ranges must stop at the partition
        put_all(raw, t[typ], [{'pk': {'S': 'o'}, 'sk': SORTED[typ][0]},
                              {'pk': {'S': 'q'}, 'sk': SORTED[typ][-1]}])
    t['h'] = create(raw, unique('qs_h'), [('id', 'S')])
    yield t
    for name in t.values():
        raw.call('DeleteTable', {'TableName': name})


# =============================================================================================
# key conditions on S, N and B sort keys, both directions

def _kc_cases():
    cases = []

    def add(typ, expr, vals, pred, cid):
        cases.append(pytest.param(typ, expr, vals, pred, id='%s-%s' % (typ, cid)))

    def lit(typ, v):
        return {typ: v}
    for typ, mid, absent, lo, hi in (
            ('N', '1', '2', '-1', '10'), ('N', '-0.5', '-0.75', '-12.5', '0.001'),
            ('S', 'ab', 'ac', 'a', '\u00e9'), ('B', b64(b'ab'), b64(b'ac'), b64(b'\x00\x00'),
                                               b64(b'\x80'))):
        k = order_key({typ: mid})
        a = order_key({typ: absent})
        lo_k, hi_k = order_key({typ: lo}), order_key({typ: hi})
        sfx = 'neg' if mid.startswith('-') else ''
        add(typ, 'pk = :p AND sk = :v', {':v': lit(typ, mid)}, lambda x, k=k: x == k, 'eq' + sfx)
        add(typ, 'pk = :p AND sk = :v', {':v': lit(typ, absent)}, lambda x, a=a: x == a,
            'eq-absent' + sfx)
        add(typ, 'pk = :p AND sk < :v', {':v': lit(typ, mid)}, lambda x, k=k: x < k, 'lt' + sfx)
        add(typ, 'pk = :p AND sk <= :v', {':v': lit(typ, mid)}, lambda x, k=k: x <= k, 'le' + sfx)
        add(typ, 'pk = :p AND sk > :v', {':v': lit(typ, mid)}, lambda x, k=k: x > k, 'gt' + sfx)
        add(typ, 'pk = :p AND sk >= :v', {':v': lit(typ, mid)}, lambda x, k=k: x >= k, 'ge' + sfx)
        add(typ, 'pk = :p AND sk < :v', {':v': lit(typ, absent)}, lambda x, a=a: x < a,
            'lt-absent' + sfx)
        add(typ, 'pk = :p AND sk >= :v', {':v': lit(typ, absent)}, lambda x, a=a: x >= a,
            'ge-absent' + sfx)
        add(typ, 'pk = :p AND sk BETWEEN :lo AND :hi', {':lo': lit(typ, lo), ':hi': lit(typ, hi)},
            lambda x, lo_k=lo_k, hi_k=hi_k: lo_k <= x <= hi_k, 'between' + sfx)
        add(typ, 'pk = :p AND sk BETWEEN :lo AND :lo', {':lo': lit(typ, mid)},
            lambda x, k=k: x == k, 'between-same' + sfx)
        add(typ, ':p = pk AND :v < sk', {':v': lit(typ, mid)}, lambda x, k=k: x > k,
            'reversed-operands' + sfx)
    # extremes: tiny, huge and negative numbers
    for cid, expr, vals, pred in (
            ('gt-tiny', 'pk = :p AND sk > :v', {':v': {'N': '0'}}, lambda x: x > 0),
            ('lt-negative-tiny', 'pk = :p AND sk < :v', {':v': {'N': '-1E-130'}},
             lambda x: x < Decimal('-1E-130')),
            ('le-negative-tiny', 'pk = :p AND sk <= :v', {':v': {'N': '-1E-130'}},
             lambda x: x <= Decimal('-1E-130')),
            ('ge-tiny', 'pk = :p AND sk >= :v', {':v': {'N': '1E-130'}},
             lambda x: x >= Decimal('1E-130')),
            ('eq-huge', 'pk = :p AND sk = :v', {':v': {'N': '1E+125'}},
             lambda x: x == Decimal('1E+125')),
            ('eq-huge-negative', 'pk = :p AND sk = :v', {':v': {'N': '-' + '9' * 38}},
             lambda x: x == Decimal('-' + '9' * 38)),
            ('eq-denormal-spelling', 'pk = :p AND sk = :v', {':v': {'N': '1.50E0'}},
             lambda x: x == Decimal('1.5')),
            ('between-negatives', 'pk = :p AND sk BETWEEN :lo AND :hi',
             {':lo': {'N': '-100'}, ':hi': {'N': '-0.001'}},
             lambda x: Decimal('-100') <= x <= Decimal('-0.001')),
            ('between-all', 'pk = :p AND sk BETWEEN :lo AND :hi',
             {':lo': {'N': '-1E+125'}, ':hi': {'N': '1E+125'}}, lambda x: True),
            ('lt-zero-spelled-negative', 'pk = :p AND sk < :v', {':v': {'N': '-0'}},
             lambda x: x < 0)):
        add('N', expr, vals, pred, cid)
    for cid, pre in (('a', 'a'), ('ab', 'ab'), ('A', 'A'), ('e-acute', '\u00e9'),
                     ('emoji', '\U0001F600'), ('a-emoji', 'a\U0001F600'), ('none', 'zz'),
                     ('whole', 'abc')):
        p = pre.encode()
        add('S', 'pk = :p AND begins_with(sk, :v)', {':v': {'S': pre}},
            lambda x, p=p: x.startswith(p), 'begins-' + cid)
    for cid, pre in (('a', b'a'), ('00', b'\x00'), ('ff', b'\xff'), ('80', b'\x80'),
                     ('none', b'\x02')):
        add('B', 'pk = :p AND begins_with(sk, :v)', {':v': {'B': b64(pre)}},
            lambda x, p=pre: x.startswith(p), 'begins-' + cid)
    for cid, expr, vals, pred in (
            ('ufb00-before-emoji', 'pk = :p AND sk > :v', {':v': {'S': '\ufb00'}},
             lambda x: x > '\ufb00'.encode()),
            ('upper-before-lower', 'pk = :p AND sk < :v', {':v': {'S': 'a'}},
             lambda x: x < b'a'),
            ('prefix-sorts-first', 'pk = :p AND sk BETWEEN :lo AND :hi',
             {':lo': {'S': 'ab'}, ':hi': {'S': 'ab~'}}, lambda x: b'ab' <= x <= b'ab~')):
        add('S', expr, vals, pred, cid)
    for cid, expr, vals, pred in (
            ('unsigned-80-after-7f', 'pk = :p AND sk > :v', {':v': {'B': b64(b'\x7f')}},
             lambda x: x > b'\x7f'),
            ('shorter-first', 'pk = :p AND sk < :v', {':v': {'B': b64(b'\x00\x00')}},
             lambda x: x < b'\x00\x00')):
        add('B', expr, vals, pred, cid)
    return cases


@pytest.mark.parametrize('forward', [True, False], ids=['fwd', 'back'])
@pytest.mark.parametrize('typ,expr,vals,pred', _kc_cases())
def test_key_condition(raw, tables, typ, expr, vals, pred, forward):
    values = {':p': {'S': 'p'}}
    values.update(vals)
    got = ok(raw, 'Query', {'TableName': tables[typ], 'KeyConditionExpression': expr,
                            'ExpressionAttributeValues': values, 'ScanIndexForward': forward})
    want = [it for it in data_items(typ) if pred(order_key(it['sk']))]
    if not forward:
        want.reverse()
    assert [it['sk'] for it in got['Items']] == [it['sk'] for it in want]
    assert got['Items'] == want
    assert got['Count'] == got['ScannedCount'] == len(want)
    assert 'LastEvaluatedKey' not in got


def test_key_condition_names_and_parentheses(raw, tables):
    got = ok(raw, 'Query', {'TableName': tables['N'],
                            'KeyConditionExpression': '(#h = :p) AND (#r BETWEEN :a AND :b)',
                            'ExpressionAttributeNames': {'#h': 'pk', '#r': 'sk'},
                            'ExpressionAttributeValues': {':p': {'S': 'p'}, ':a': {'N': '0'},
                                                          ':b': {'N': '1'}}})
    assert [i['sk']['N'] for i in got['Items']] == ['0', '0.' + '0' * 129 + '1', '0.001', '0.5',
                                                     '1']


def test_key_condition_other_partition(raw, tables):
    got = ok(raw, 'Query', {'TableName': tables['S'], 'KeyConditionExpression': 'pk = :p',
                            'ExpressionAttributeValues': {':p': {'S': 'q'}}})
    assert got == {'Items': [{'pk': {'S': 'q'}, 'sk': SORTED['S'][-1]}], 'Count': 1,
                   'ScannedCount': 1}


def test_query_missing_partition_is_empty(raw, tables):
    got = ok(raw, 'Query', {'TableName': tables['N'], 'KeyConditionExpression': 'pk = :p',
                            'ExpressionAttributeValues': {':p': {'S': 'nothing'}}})
    assert got == {'Items': [], 'Count': 0, 'ScannedCount': 0}


def test_query_hash_only_table(raw, tables):
    ok(raw, 'PutItem', {'TableName': tables['h'], 'Item': {'id': {'S': 'one'}, 'x': {'N': '1'}}})
    got = ok(raw, 'Query', {'TableName': tables['h'], 'KeyConditionExpression': 'id = :p',
                            'ExpressionAttributeValues': {':p': {'S': 'one'}}})
    assert got == {'Items': [{'id': {'S': 'one'}, 'x': {'N': '1'}}], 'Count': 1,
                   'ScannedCount': 1}


def test_query_hash_only_table_range_condition(raw, tables):
    assert err(raw, 'Query', {'TableName': tables['h'],
                              'KeyConditionExpression': 'id = :p AND x = :p',
                              'ExpressionAttributeValues': {':p': {'S': 'one'}}}) == (
        TYPES['ValidationException'], 'Query key condition not supported')


def test_query_boto3_paginator(ddb, tables):
    pages = list(ddb.get_paginator('query').paginate(
        TableName=tables['N'], KeyConditionExpression='pk = :p',
        ExpressionAttributeValues={':p': {'S': 'p'}}, PaginationConfig={'PageSize': 4}))
    items = [i for p in pages for i in p['Items']]
    assert items == data_items('N')
    assert [p['Count'] for p in pages] == [4, 4, 4, 4, 3]


# =============================================================================================
# legacy KeyConditions and QueryFilter

LEGACY_OPS = [
    ('EQ', ['ab'], lambda x: x == b'ab'),
    ('LE', ['ab'], lambda x: x <= b'ab'),
    ('LT', ['ab'], lambda x: x < b'ab'),
    ('GE', ['ab'], lambda x: x >= b'ab'),
    ('GT', ['ab'], lambda x: x > b'ab'),
    ('BEGINS_WITH', ['a'], lambda x: x.startswith(b'a')),
    ('BETWEEN', ['B', 'ab'], lambda x: b'B' <= x <= b'ab'),
]


@pytest.mark.parametrize('forward', [True, False], ids=['fwd', 'back'])
@pytest.mark.parametrize('op,args,pred', LEGACY_OPS, ids=[o[0] for o in LEGACY_OPS])
def test_legacy_key_conditions(raw, tables, op, args, pred, forward):
    got = ok(raw, 'Query', {'TableName': tables['S'], 'ScanIndexForward': forward, 'KeyConditions': {
        'pk': {'ComparisonOperator': 'EQ', 'AttributeValueList': [{'S': 'p'}]},
        'sk': {'ComparisonOperator': op, 'AttributeValueList': [{'S': a} for a in args]}}})
    want = [it for it in data_items('S') if pred(order_key(it['sk']))]
    if not forward:
        want.reverse()
    assert got['Items'] == want


QUERY_FILTERS = [
    ('EQ', [{'N': '3'}], lambda v, t: v == 3),
    ('NE', [{'N': '3'}], lambda v, t: v != 3),
    ('LT', [{'N': '3'}], lambda v, t: v < 3),
    ('LE', [{'N': '3'}], lambda v, t: v <= 3),
    ('GT', [{'N': '3'}], lambda v, t: v > 3),
    ('GE', [{'N': '3'}], lambda v, t: v >= 3),
    ('BETWEEN', [{'N': '3'}, {'N': '6'}], lambda v, t: 3 <= v <= 6),
    ('IN', [{'N': '1'}, {'N': '5'}, {'N': '99'}], lambda v, t: v in (1, 5)),
    ('NOT_NULL', [], lambda v, t: True),
    ('NULL', [], lambda v, t: False),
]


@pytest.mark.parametrize('op,args,pred', QUERY_FILTERS, ids=[q[0] for q in QUERY_FILTERS])
def test_legacy_query_filter(raw, tables, op, args, pred):
    cond = {'ComparisonOperator': op}
    if args:
        cond['AttributeValueList'] = args
    got = ok(raw, 'Query', {'TableName': tables['N'], 'QueryFilter': {'v': cond}, 'KeyConditions': {
        'pk': {'ComparisonOperator': 'EQ', 'AttributeValueList': [{'S': 'p'}]}}})
    want = [it for it in data_items('N') if pred(int(it['v']['N']), it['tag']['S'])]
    assert got['Items'] == want
    assert got['Count'] == len(want) and got['ScannedCount'] == len(NUMS)


def test_legacy_query_filter_string_ops(raw, tables):
    base = {'TableName': tables['N'], 'KeyConditions': {
        'pk': {'ComparisonOperator': 'EQ', 'AttributeValueList': [{'S': 'p'}]}}}
    for op, arg, want in (('CONTAINS', 'dd', 'odd'), ('NOT_CONTAINS', 'dd', 'even'),
                          ('BEGINS_WITH', 'ev', 'even')):
        got = ok(raw, 'Query', dict(base, QueryFilter={'tag': {
            'ComparisonOperator': op, 'AttributeValueList': [{'S': arg}]}}))
        assert {i['tag']['S'] for i in got['Items']} == {want}, op


def test_legacy_query_filter_conditional_operator_or(raw, tables):
    got = ok(raw, 'Query', {'TableName': tables['N'], 'ConditionalOperator': 'OR', 'KeyConditions': {
        'pk': {'ComparisonOperator': 'EQ', 'AttributeValueList': [{'S': 'p'}]}},
        'QueryFilter': {'v': {'ComparisonOperator': 'EQ', 'AttributeValueList': [{'N': '0'}]},
                        'tag': {'ComparisonOperator': 'EQ', 'AttributeValueList': [{'S': 'odd'}]}}})
    assert [int(i['v']['N']) for i in got['Items']] == [0] + list(range(1, len(NUMS), 2))


def test_legacy_attributes_to_get(raw, tables):
    got = ok(raw, 'Query', {'TableName': tables['N'], 'AttributesToGet': ['v', 'nope'], 'Limit': 2,
                            'KeyConditions': {'pk': {'ComparisonOperator': 'EQ',
                                                     'AttributeValueList': [{'S': 'p'}]}}})
    assert got['Items'] == [{'v': {'N': '0'}}, {'v': {'N': '1'}}]
    assert got['LastEvaluatedKey'] == {'pk': {'S': 'p'}, 'sk': SORTED['N'][1]}


# =============================================================================================
# FilterExpression, Limit before the filter

@pytest.mark.parametrize('limit', [1, 2, 3, 5, 8, 19, 20, 100])
def test_limit_applies_before_filter(raw, tables, limit):
    got = ok(raw, 'Query', {'TableName': tables['N'], 'KeyConditionExpression': 'pk = :p',
                            'FilterExpression': 'tag = :t', 'Limit': limit,
                            'ExpressionAttributeValues': {':p': {'S': 'p'}, ':t': {'S': 'odd'}}})
    scanned = data_items('N')[:limit]
    want = [i for i in scanned if i['tag']['S'] == 'odd']
    assert got['Items'] == want
    assert got['Count'] == len(want)
    assert got['ScannedCount'] == len(scanned)
    if limit <= len(NUMS):
        assert got['LastEvaluatedKey'] == {'pk': {'S': 'p'}, 'sk': scanned[-1]['sk']}
    else:
        assert 'LastEvaluatedKey' not in got


def test_filter_matching_nothing_pages_through(raw, tables):
    pages = query_all(raw, {'TableName': tables['N'], 'KeyConditionExpression': 'pk = :p',
                            'FilterExpression': 'v > :big',
                            'ExpressionAttributeValues': {':p': {'S': 'p'}, ':big': {'N': '99'}}},
                      limit=5)
    assert [(p['Count'], p['ScannedCount']) for p in pages] == [(0, 5), (0, 5), (0, 5), (0, 4)]


@pytest.mark.parametrize('expr,vals,want', [
    ('v BETWEEN :a AND :b', {':a': {'N': '2'}, ':b': {'N': '4'}}, [2, 3, 4]),
    ('v IN (:a, :b)', {':a': {'N': '2'}, ':b': {'N': '4'}}, [2, 4]),
    ('attribute_not_exists(v)', {}, []),
    ('attribute_exists(tag) AND v < :a', {':a': {'N': '2'}}, [0, 1]),
    ('NOT (v >= :a)', {':a': {'N': '1'}}, [0]),
    ('begins_with(tag, :a) AND v < :b', {':a': {'S': 'o'}, ':b': {'N': '6'}}, [1, 3, 5]),
    ('size(tag) = :a', {':a': {'N': '4'}}, list(range(0, len(NUMS), 2))),
    ('v = :a OR v = :b', {':a': {'N': '0'}, ':b': {'N': '18'}}, [0, 18]),
    ('contains(tag, :a) AND v <> :b', {':a': {'S': 'dd'}, ':b': {'N': '1'}},
     list(range(3, len(NUMS), 2))),
], ids=['between', 'in', 'not-exists', 'exists-and', 'not', 'begins-with', 'size', 'or',
        'contains'])
def test_filter_expression(raw, tables, expr, vals, want):
    values = {':p': {'S': 'p'}}
    values.update(vals)
    got = ok(raw, 'Query', {'TableName': tables['N'], 'KeyConditionExpression': 'pk = :p',
                            'FilterExpression': expr, 'ExpressionAttributeValues': values})
    assert [int(i['v']['N']) for i in got['Items']] == want
    assert got['ScannedCount'] == len(NUMS)


# =============================================================================================
# validation: every error and its message (the table name is filled in by the test)

QUERY_ERRORS = [
    ('no-key-condition', {},
     'ValidationException', 'Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.'),
    ('empty-key-condition', {'KeyConditionExpression': '', 'ExpressionAttributeValues': {':p': {'S': 'p'}}},
     'ValidationException', 'Invalid KeyConditionExpression: The expression can not be empty;'),
    ('or', {'KeyConditionExpression': 'pk = :p OR sk = :s', 'ExpressionAttributeValues': {':p': {'S': 'p'}, ':s': {'N': '1'}}},
     'ValidationException', 'Invalid operator used in KeyConditionExpression: OR'),
    ('not', {'KeyConditionExpression': 'NOT pk = :p', 'ExpressionAttributeValues': {':p': {'S': 'p'}}},
     'ValidationException', 'Invalid operator used in KeyConditionExpression: NOT'),
    ('hash-lt', {'KeyConditionExpression': 'pk < :p', 'ExpressionAttributeValues': {':p': {'S': 'p'}}},
     'ValidationException', 'Query key condition not supported'),
    ('hash-begins-with', {'KeyConditionExpression': 'begins_with(pk, :p)', 'ExpressionAttributeValues': {':p': {'S': 'p'}}},
     'ValidationException', 'Query key condition not supported'),
    ('hash-between', {'KeyConditionExpression': 'pk BETWEEN :p AND :q', 'ExpressionAttributeValues': {':p': {'S': 'p'}, ':q': {'S': 'q'}}},
     'ValidationException', 'Query key condition not supported'),
    ('sk-ne', {'KeyConditionExpression': 'pk = :p AND sk <> :s', 'ExpressionAttributeValues': {':p': {'S': 'p'}, ':s': {'N': '1'}}},
     'ValidationException', 'Invalid operator used in KeyConditionExpression: <>'),
    ('sk-in', {'KeyConditionExpression': 'pk = :p AND sk IN (:s)', 'ExpressionAttributeValues': {':p': {'S': 'p'}, ':s': {'N': '1'}}},
     'ValidationException', 'Invalid operator used in KeyConditionExpression: IN'),
    ('sk-contains', {'KeyConditionExpression': 'pk = :p AND contains(sk, :s)', 'ExpressionAttributeValues': {':p': {'S': 'p'}, ':s': {'N': '1'}}},
     'ValidationException', 'Invalid operator used in KeyConditionExpression: contains'),
    ('sk-exists', {'KeyConditionExpression': 'pk = :p AND attribute_exists(sk)', 'ExpressionAttributeValues': {':p': {'S': 'p'}}},
     'ValidationException', 'Invalid operator used in KeyConditionExpression: attribute_exists'),
    ('only-sk', {'KeyConditionExpression': 'sk = :s', 'ExpressionAttributeValues': {':s': {'N': '1'}}},
     'ValidationException', 'Query condition missed key schema element'),
    ('non-key', {'KeyConditionExpression': 'pk = :p AND v = :s', 'ExpressionAttributeValues': {':p': {'S': 'p'}, ':s': {'N': '1'}}},
     'ValidationException', 'Query condition missed key schema element'),
    ('only-nonkey', {'KeyConditionExpression': 'v = :s', 'ExpressionAttributeValues': {':s': {'N': '1'}}},
     'ValidationException', 'Query condition missed key schema element'),
    ('two-sk', {'KeyConditionExpression': 'pk = :p AND sk > :s AND sk < :t', 'ExpressionAttributeValues': {':p': {'S': 'p'}, ':s': {'N': '1'}, ':t': {'N': '3'}}},
     'ValidationException', 'KeyConditionExpressions must only contain one condition per key'),
    ('two-hash', {'KeyConditionExpression': 'pk = :p AND pk = :p', 'ExpressionAttributeValues': {':p': {'S': 'p'}}},
     'ValidationException', 'KeyConditionExpressions must only contain one condition per key'),
    ('hash-wrong-type', {'KeyConditionExpression': 'pk = :p', 'ExpressionAttributeValues': {':p': {'N': '1'}}},
     'ValidationException', 'One or more parameter values were invalid: Condition parameter type does not match schema type'),
    ('sk-wrong-type', {'KeyConditionExpression': 'pk = :p AND sk = :s', 'ExpressionAttributeValues': {':p': {'S': 'p'}, ':s': {'S': '1'}}},
     'ValidationException', 'One or more parameter values were invalid: Condition parameter type does not match schema type'),
    ('begins-with-n', {'KeyConditionExpression': 'pk = :p AND begins_with(sk, :s)', 'ExpressionAttributeValues': {':p': {'S': 'p'}, ':s': {'N': '1'}}},
     'ValidationException', 'Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N'),
    ('between-reversed', {'KeyConditionExpression': 'pk = :p AND sk BETWEEN :a AND :b', 'ExpressionAttributeValues': {':p': {'S': 'p'}, ':a': {'N': '9'}, ':b': {'N': '1'}}},
     'ValidationException', 'Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:9}, upper bound operand: AttributeValue: {N:1}'),
    ('between-wrong-type', {'KeyConditionExpression': 'pk = :p AND sk BETWEEN :a AND :b', 'ExpressionAttributeValues': {':p': {'S': 'p'}, ':a': {'N': '1'}, ':b': {'S': '9'}}},
     'ValidationException', 'Invalid KeyConditionExpression: The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:9}'),
    ('undefined-value', {'KeyConditionExpression': 'pk = :p'},
     'ValidationException', 'Invalid KeyConditionExpression: An expression attribute value used in expression is not defined; attribute value: :p'),
    ('undefined-name', {'KeyConditionExpression': '#k = :p', 'ExpressionAttributeValues': {':p': {'S': 'p'}}},
     'ValidationException', 'Invalid KeyConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #k'),
    ('unused-value', {'KeyConditionExpression': 'pk = :p', 'ExpressionAttributeValues': {':p': {'S': 'p'}, ':x': {'S': 'x'}}},
     'ValidationException', 'Value provided in ExpressionAttributeValues unused in expressions: keys: {:x}'),
    ('unused-name', {'KeyConditionExpression': 'pk = :p', 'ExpressionAttributeValues': {':p': {'S': 'p'}}, 'ExpressionAttributeNames': {'#x': 'x'}},
     'ValidationException', 'Value provided in ExpressionAttributeNames unused in expressions: keys: {#x}'),
    ('syntax', {'KeyConditionExpression': 'pk = = :p', 'ExpressionAttributeValues': {':p': {'S': 'p'}}},
     'ValidationException', 'Invalid KeyConditionExpression: Syntax error; token: "=", near: "= = :p"'),
    ('reserved', {'KeyConditionExpression': 'pk = :p AND size = :p', 'ExpressionAttributeValues': {':p': {'S': 'p'}}},
     'ValidationException', 'Query condition missed key schema element'),
    ('value-vs-value', {'KeyConditionExpression': ':p = :p', 'ExpressionAttributeValues': {':p': {'S': 'p'}}},
     'ValidationException', 'Invalid condition in KeyConditionExpression: No key attribute specified'),
    ('path-vs-path', {'KeyConditionExpression': 'pk = sk', 'ExpressionAttributeValues': {':p': {'S': 'p'}}},
     'ValidationException', 'Value provided in ExpressionAttributeValues unused in expressions: keys: {:p}'),
    ('nested-path', {'KeyConditionExpression': 'pk.x = :p', 'ExpressionAttributeValues': {':p': {'S': 'p'}}},
     'ValidationException', "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: pk"),
    ('size-fn', {'KeyConditionExpression': 'size(pk) = :p', 'ExpressionAttributeValues': {':p': {'S': 'p'}}},
     'ValidationException', 'KeyConditionExpressions cannot contain nested operations'),
    ('filter-on-hash', {'KeyConditionExpression': 'pk = :p', 'FilterExpression': 'pk = :p', 'ExpressionAttributeValues': {':p': {'S': 'p'}}},
     'ValidationException', 'Filter Expression can only contain non-primary key attributes: Primary key attribute: pk'),
    ('filter-on-range', {'KeyConditionExpression': 'pk = :p', 'FilterExpression': 'sk > :z', 'ExpressionAttributeValues': {':p': {'S': 'p'}, ':z': {'N': '0'}}},
     'ValidationException', 'Filter Expression can only contain non-primary key attributes: Primary key attribute: sk'),
    ('filter-syntax', {'KeyConditionExpression': 'pk = :p', 'FilterExpression': 'v = ', 'ExpressionAttributeValues': {':p': {'S': 'p'}}},
     'ValidationException', 'Invalid FilterExpression: Syntax error; token: "<EOF>", near: "= "'),
    ('limit-0', {'KeyConditionExpression': 'pk = :p', 'ExpressionAttributeValues': {':p': {'S': 'p'}}, 'Limit': 0},
     'ValidationException', 'Limit must be greater than or equal to 1'),
    ('limit-negative', {'KeyConditionExpression': 'pk = :p', 'ExpressionAttributeValues': {':p': {'S': 'p'}}, 'Limit': -1},
     'ValidationException', 'Limit must be greater than or equal to 1'),
    ('select-bogus', {'KeyConditionExpression': 'pk = :p', 'ExpressionAttributeValues': {':p': {'S': 'p'}}, 'Select': 'BOGUS'},
     'ValidationException', 'Select must be ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES, COUNT, or SPECIFIC_ATTRIBUTES'),
    ('select-all-projected-no-index', {'KeyConditionExpression': 'pk = :p', 'ExpressionAttributeValues': {':p': {'S': 'p'}}, 'Select': 'ALL_PROJECTED_ATTRIBUTES'},
     'ValidationException', 'ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName'),
    ('select-specific-without', {'KeyConditionExpression': 'pk = :p', 'ExpressionAttributeValues': {':p': {'S': 'p'}}, 'Select': 'SPECIFIC_ATTRIBUTES'},
     'ValidationException', 'Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES'),
    ('select-count-with-projection', {'KeyConditionExpression': 'pk = :p', 'ExpressionAttributeValues': {':p': {'S': 'p'}}, 'Select': 'COUNT', 'ProjectionExpression': 'v'},
     'ValidationException', 'Cannot specify the ProjectionExpression when choosing to get only the Count'),
    ('select-all-with-projection', {'KeyConditionExpression': 'pk = :p', 'ExpressionAttributeValues': {':p': {'S': 'p'}}, 'Select': 'ALL_ATTRIBUTES', 'ProjectionExpression': 'v'},
     'ValidationException', 'Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES'),
    ('select-count-with-atg', {'KeyConditions': {'pk': {'ComparisonOperator': 'EQ', 'AttributeValueList': [{'S': 'p'}]}}, 'Select': 'COUNT', 'AttributesToGet': ['v']},
     'ValidationException', 'Cannot specify the AttributesToGet when choosing to get only the Count'),
    ('select-all-with-atg', {'KeyConditions': {'pk': {'ComparisonOperator': 'EQ', 'AttributeValueList': [{'S': 'p'}]}}, 'Select': 'ALL_ATTRIBUTES', 'AttributesToGet': ['v']},
     'ValidationException', 'Cannot specify the AttributesToGet when choosing to get ALL_ATTRIBUTES'),
    ('projection-and-atg', {'KeyConditionExpression': 'pk = :p', 'ExpressionAttributeValues': {':p': {'S': 'p'}}, 'ProjectionExpression': 'v', 'AttributesToGet': ['v']},
     'ValidationException', 'Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression, KeyConditionExpression}'),
    ('kce-and-keyconditions', {'KeyConditionExpression': 'pk = :p', 'ExpressionAttributeValues': {':p': {'S': 'p'}}, 'KeyConditions': {'pk': {'ComparisonOperator': 'EQ', 'AttributeValueList': [{'S': 'p'}]}}},
     'ValidationException', 'Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {KeyConditions} Expression parameters: {KeyConditionExpression}'),
    ('filter-and-queryfilter', {'KeyConditions': {'pk': {'ComparisonOperator': 'EQ', 'AttributeValueList': [{'S': 'p'}]}}, 'FilterExpression': 'v = :z', 'QueryFilter': {'v': {'ComparisonOperator': 'EQ', 'AttributeValueList': [{'N': '1'}]}}, 'ExpressionAttributeValues': {':z': {'N': '1'}}},
     'ValidationException', 'Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {QueryFilter} Expression parameters: {FilterExpression}'),
    ('atg-duplicate', {'KeyConditions': {'pk': {'ComparisonOperator': 'EQ', 'AttributeValueList': [{'S': 'p'}]}}, 'AttributesToGet': ['v', 'v']},
     'ValidationException', 'Cannot have two attributes with the same name'),
    ('projection-duplicate', {'KeyConditionExpression': 'pk = :p', 'ExpressionAttributeValues': {':p': {'S': 'p'}}, 'ProjectionExpression': 'v, v'},
     'ValidationException', 'Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [v], path two: [v]'),
    ('projection-overlap', {'KeyConditionExpression': 'pk = :p', 'ExpressionAttributeValues': {':p': {'S': 'p'}}, 'ProjectionExpression': 'm, m.a'},
     'ValidationException', 'Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [m], path two: [m, a]'),
    ('unknown-index', {'KeyConditionExpression': 'pk = :p', 'ExpressionAttributeValues': {':p': {'S': 'p'}}, 'IndexName': 'nope'},
     'ValidationException', 'The table does not have the specified index: nope'),
    ('bad-index-name', {'KeyConditionExpression': 'pk = :p', 'ExpressionAttributeValues': {':p': {'S': 'p'}}, 'IndexName': 'x'},
     'ValidationException', 'The table does not have the specified index: x'),
    ('esk-missing-range', {'KeyConditionExpression': 'pk = :p', 'ExpressionAttributeValues': {':p': {'S': 'p'}}, 'ExclusiveStartKey': {'pk': {'S': 'p'}}},
     'ValidationException', "Exclusive Start Key must have same size as table's key schema"),
    ('esk-other-partition', {'KeyConditionExpression': 'pk = :p', 'ExpressionAttributeValues': {':p': {'S': 'p'}}, 'ExclusiveStartKey': {'pk': {'S': 'q'}, 'sk': {'N': '1'}}},
     'ValidationException', 'The provided starting key does not match the range key predicate'),
    ('esk-wrong-type', {'KeyConditionExpression': 'pk = :p', 'ExpressionAttributeValues': {':p': {'S': 'p'}}, 'ExclusiveStartKey': {'pk': {'S': 'p'}, 'sk': {'S': '1'}}},
     'ValidationException', 'Type mismatch for attribute to update'),
    ('esk-extra-attr', {'KeyConditionExpression': 'pk = :p', 'ExpressionAttributeValues': {':p': {'S': 'p'}}, 'ExclusiveStartKey': {'pk': {'S': 'p'}, 'sk': {'N': '1'}, 'v': {'N': '1'}}},
     'ValidationException', "Exclusive Start Key must have same size as table's key schema"),
    ('esk-wrong-names', {'KeyConditionExpression': 'pk = :p', 'ExpressionAttributeValues': {':p': {'S': 'p'}}, 'ExclusiveStartKey': {'pk': {'S': 'p'}, 'zz': {'N': '1'}}},
     'ValidationException', 'The provided starting key is invalid'),
    ('esk-outside-range', {'KeyConditionExpression': 'pk = :p AND sk > :z', 'ExpressionAttributeValues': {':p': {'S': 'p'}, ':z': {'N': '2'}}, 'ExclusiveStartKey': {'pk': {'S': 'p'}, 'sk': {'N': '1'}}},
     'ValidationException', 'The provided starting key does not match the range key predicate'),
    ('esk-empty', {'KeyConditionExpression': 'pk = :p', 'ExpressionAttributeValues': {':p': {'S': 'p'}}, 'ExclusiveStartKey': {}},
     'ValidationException', "Exclusive Start Key must have same size as table's key schema"),
    ('bogus-return-consumed-capacity', {'KeyConditionExpression': 'pk = :p', 'ExpressionAttributeValues': {':p': {'S': 'p'}}, 'ReturnConsumedCapacity': 'BOGUS'},
     'ValidationException', 'Cannot have null key for GetItem, DeleteItem, or UpdateItem'),  # sic
    ('table-missing', {'TableName': 'no_such_table', 'KeyConditionExpression': 'pk = :p', 'ExpressionAttributeValues': {':p': {'S': 'p'}}},
     'ResourceNotFoundException', 'Cannot do operations on a non-existent table'),
    ('table-bad-name', {'TableName': 'x', 'KeyConditionExpression': 'pk = :p', 'ExpressionAttributeValues': {':p': {'S': 'p'}}},
     'ValidationException', "Invalid table/index name.  Table/index names must be between 3 and 255 characters long, and may contain only the characters a-z, A-Z, 0-9, '_', '-', and '.'"),
    ('legacy-in', {'KeyConditions': {'pk': {'ComparisonOperator': 'EQ', 'AttributeValueList': [{'S': 'p'}]}, 'sk': {'ComparisonOperator': 'IN', 'AttributeValueList': [{'N': '1'}]}}},
     'ValidationException', 'Attempted conditional constraint is not an indexable operation'),
    ('legacy-null', {'KeyConditions': {'pk': {'ComparisonOperator': 'EQ', 'AttributeValueList': [{'S': 'p'}]}, 'sk': {'ComparisonOperator': 'NULL'}}},
     'ValidationException', 'Only scalar types can be used as Range Key values'),
    ('legacy-not-null', {'KeyConditions': {'pk': {'ComparisonOperator': 'EQ', 'AttributeValueList': [{'S': 'p'}]}, 'sk': {'ComparisonOperator': 'NOT_NULL'}}},
     'ValidationException', 'Only scalar types can be used as Range Key values'),
    ('legacy-contains', {'KeyConditions': {'pk': {'ComparisonOperator': 'EQ', 'AttributeValueList': [{'S': 'p'}]}, 'sk': {'ComparisonOperator': 'CONTAINS', 'AttributeValueList': [{'N': '1'}]}}},
     'ValidationException', 'Attempted conditional constraint is not an indexable operation'),
    ('legacy-hash-le', {'KeyConditions': {'pk': {'ComparisonOperator': 'LE', 'AttributeValueList': [{'S': 'p'}]}}},
     'ValidationException', 'Query key condition not supported'),
    ('legacy-bogus-op', {'KeyConditions': {'pk': {'ComparisonOperator': 'BOGUS', 'AttributeValueList': [{'S': 'p'}]}}},
     'ValidationException', 'Comparison type does not exist in DynamoDB'),
    ('legacy-eq-two-values', {'KeyConditions': {'pk': {'ComparisonOperator': 'EQ', 'AttributeValueList': [{'S': 'p'}, {'S': 'q'}]}}},
     'ValidationException', 'One or more parameter values were invalid: Invalid number of argument(s) for the EQ ComparisonOperator'),
    ('legacy-eq-no-values', {'KeyConditions': {'pk': {'ComparisonOperator': 'EQ', 'AttributeValueList': []}}},
     'ValidationException', 'One or more parameter values were invalid: Invalid number of argument(s) for the EQ ComparisonOperator'),
    ('legacy-between-one', {'KeyConditions': {'pk': {'ComparisonOperator': 'EQ', 'AttributeValueList': [{'S': 'p'}]}, 'sk': {'ComparisonOperator': 'BETWEEN', 'AttributeValueList': [{'N': '1'}]}}},
     'ValidationException', 'One or more parameter values were invalid: Invalid number of argument(s) for the BETWEEN ComparisonOperator'),
    ('legacy-only-range', {'KeyConditions': {'sk': {'ComparisonOperator': 'EQ', 'AttributeValueList': [{'N': '1'}]}}},
     'ValidationException', 'Query condition missed key schema element'),
    ('legacy-nonkey', {'KeyConditions': {'pk': {'ComparisonOperator': 'EQ', 'AttributeValueList': [{'S': 'p'}]}, 'v': {'ComparisonOperator': 'EQ', 'AttributeValueList': [{'N': '1'}]}}},
     'ValidationException', 'Query condition missed key schema element'),
    ('legacy-wrong-type', {'KeyConditions': {'pk': {'ComparisonOperator': 'EQ', 'AttributeValueList': [{'N': '1'}]}}},
     'ValidationException', 'One or more parameter values were invalid: Condition parameter type does not match schema type'),
    ('legacy-begins-with-n', {'KeyConditions': {'pk': {'ComparisonOperator': 'EQ', 'AttributeValueList': [{'S': 'p'}]}, 'sk': {'ComparisonOperator': 'BEGINS_WITH', 'AttributeValueList': [{'N': '1'}]}}},
     'ValidationException', 'One or more parameter values were invalid: ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type'),
    ('legacy-empty', {'KeyConditions': {}},
     'ValidationException', 'Conditions can be of length 1 or 2 only'),
    ('queryfilter-on-key', {'KeyConditions': {'pk': {'ComparisonOperator': 'EQ', 'AttributeValueList': [{'S': 'p'}]}}, 'QueryFilter': {'sk': {'ComparisonOperator': 'EQ', 'AttributeValueList': [{'N': '1'}]}}},
     'ValidationException', 'QueryFilter can only contain non-primary key attributes: Primary key attribute: sk'),
    ('queryfilter-bad-arity', {'KeyConditions': {'pk': {'ComparisonOperator': 'EQ', 'AttributeValueList': [{'S': 'p'}]}}, 'QueryFilter': {'v': {'ComparisonOperator': 'NULL', 'AttributeValueList': [{'N': '1'}]}}},
     'ValidationException', 'One or more parameter values were invalid: Invalid number of argument(s) for the NULL ComparisonOperator'),
    ('conditional-operator-without-filter', {'KeyConditions': {'pk': {'ComparisonOperator': 'EQ', 'AttributeValueList': [{'S': 'p'}]}}, 'ConditionalOperator': 'OR'},
     'ValidationException', 'ConditionalOperator cannot be used without Filter or Expected'),
    ('conditional-operator-with-kce', {'KeyConditionExpression': 'pk = :p', 'ExpressionAttributeValues': {':p': {'S': 'p'}}, 'ConditionalOperator': 'OR'},
     'ValidationException', 'Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {ConditionalOperator} Expression parameters: {KeyConditionExpression}'),
]


SCAN_ERRORS = [
    ('limit-0', {'Limit': 0},
     'ValidationException', 'Limit must be greater than or equal to 1'),
    ('segment-without-total', {'Segment': 0},
     'ValidationException', 'If segment is specified, total segment must also be specified'),
    ('total-without-segment', {'TotalSegments': 2},
     'ValidationException', 'If total segments is specified, a particular segment must also be specified for this request'),
    ('segment-negative', {'Segment': -1, 'TotalSegments': 2},
     'ValidationException', "1 validation error detected: Value '-1' at 'segment' failed to satisfy constraint: Member must have value less than or equal to 1"),
    ('segment-equal-total', {'Segment': 2, 'TotalSegments': 2},
     'ValidationException', "1 validation error detected: Value '2' at 'segment' failed to satisfy constraint: Member must have value less than or equal to 1"),
    ('total-zero', {'Segment': 0, 'TotalSegments': 0},
     'ValidationException', "1 validation error detected: Value '0' at 'segment' failed to satisfy constraint: Member must have value less than or equal to -1"),
    ('total-too-big', {'Segment': 0, 'TotalSegments': 1000001},
     'ValidationException', "1 validation error detected: Value '1000001' at 'totalSegments' failed to satisfy constraint: Member must have value less than or equal to 1000000"),
    ('total-negative', {'Segment': 0, 'TotalSegments': -1},
     'ValidationException', "1 validation error detected: Value '0' at 'segment' failed to satisfy constraint: Member must have value less than or equal to -2"),
    ('select-bogus', {'Select': 'BOGUS'},
     'ValidationException', 'Select must be ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES, COUNT, or SPECIFIC_ATTRIBUTES'),
    ('select-all-projected-no-index', {'Select': 'ALL_PROJECTED_ATTRIBUTES'},
     'ValidationException', 'ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName'),
    ('select-specific-without', {'Select': 'SPECIFIC_ATTRIBUTES'},
     'ValidationException', 'Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES'),
    ('select-count-with-projection', {'Select': 'COUNT', 'ProjectionExpression': 'v'},
     'ValidationException', 'Cannot specify the ProjectionExpression when choosing to get only the Count'),
    ('projection-and-atg', {'ProjectionExpression': 'v', 'AttributesToGet': ['v']},
     'ValidationException', 'Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}'),
    ('filter-and-scanfilter', {'FilterExpression': 'v = :z', 'ExpressionAttributeValues': {':z': {'N': '1'}}, 'ScanFilter': {'v': {'ComparisonOperator': 'EQ', 'AttributeValueList': [{'N': '1'}]}}},
     'ValidationException', 'Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {ScanFilter} Expression parameters: {FilterExpression}'),
    ('filter-undefined-value', {'FilterExpression': 'v = :z'},
     'ValidationException', 'Invalid FilterExpression: An expression attribute value used in expression is not defined; attribute value: :z'),
    ('filter-unused-value', {'FilterExpression': 'v = :z', 'ExpressionAttributeValues': {':z': {'N': '1'}, ':y': {'N': '1'}}},
     'ValidationException', 'Value provided in ExpressionAttributeValues unused in expressions: keys: {:y}'),
    ('filter-syntax', {'FilterExpression': 'v = = :z', 'ExpressionAttributeValues': {':z': {'N': '1'}}},
     'ValidationException', 'Invalid FilterExpression: Syntax error; token: "=", near: "= = :z"'),
    ('unknown-index', {'IndexName': 'nope'},
     'ValidationException', 'The table does not have the specified index: nope'),
    ('esk-missing-range', {'ExclusiveStartKey': {'pk': {'S': 'p'}}},
     'ValidationException', "Exclusive Start Key must have same size as table's key schema"),
    ('esk-wrong-type', {'ExclusiveStartKey': {'pk': {'S': 'p'}, 'sk': {'S': '1'}}},
     'ValidationException', 'Type mismatch for attribute to update'),
    ('esk-wrong-names', {'ExclusiveStartKey': {'pk': {'S': 'p'}, 'zz': {'N': '1'}}},
     'ValidationException', 'The provided starting key is invalid'),
    ('esk-empty', {'ExclusiveStartKey': {}},
     'ValidationException', "Exclusive Start Key must have same size as table's key schema"),
    ('table-missing', {'TableName': 'no_such_table'},
     'ResourceNotFoundException', 'Cannot do operations on a non-existent table'),
    ('scanfilter-bad-op', {'ScanFilter': {'v': {'ComparisonOperator': 'BOGUS', 'AttributeValueList': [{'N': '1'}]}}},
     'ValidationException', 'Comparison type does not exist in DynamoDB'),
    ('scanfilter-bad-arity', {'ScanFilter': {'v': {'ComparisonOperator': 'BETWEEN', 'AttributeValueList': [{'N': '1'}]}}},
     'ValidationException', 'One or more parameter values were invalid: Invalid number of argument(s) for the BETWEEN ComparisonOperator'),
    ('conditional-operator-without-filter', {'ConditionalOperator': 'AND'},
     'ValidationException', 'ConditionalOperator cannot be used without Filter or Expected'),
]


@pytest.mark.parametrize('body,typ,msg', [pytest.param(b, t, m, id=i) for i, b, t, m in QUERY_ERRORS])
def test_query_validation(raw, tables, body, typ, msg):
    req = {'TableName': tables['N']}
    req.update(body)
    assert err(raw, 'Query', req) == (TYPES[typ], msg)


@pytest.mark.parametrize('body,typ,msg', [pytest.param(b, t, m, id=i) for i, b, t, m in SCAN_ERRORS])
def test_scan_validation(raw, tables, body, typ, msg):
    req = {'TableName': tables['N']}
    req.update(body)
    assert err(raw, 'Scan', req) == (TYPES[typ], msg)


ORDER = [
    # (what is wrong, first error reported) -- DynamoDB Local's check order
    ('missing table beats missing key condition',
     {'TableName': 'no_such_table'}, 'Cannot do operations on a non-existent table'),
    ('bad table name beats everything', {'TableName': 'x', 'Limit': 0},
     "Invalid table/index name.  Table/index names must be between 3 and 255 characters long, and "
     "may contain only the characters a-z, A-Z, 0-9, '_', '-', and '.'"),
    ('limit before key condition', {'Limit': 0},
     'Limit must be greater than or equal to 1'),
    ('missing key condition before select', {'Select': 'BOGUS'},
     'Either the KeyConditions or KeyConditionExpression parameter must be specified in the '
     'request.'),
    ('key condition contents before select',
     {'Select': 'BOGUS', 'KeyConditionExpression': 'pk = :p OR pk = :p',
      'ExpressionAttributeValues': {':p': {'S': 'p'}}},
     'Invalid operator used in KeyConditionExpression: OR'),
    ('key condition before filter',
     {'KeyConditionExpression': 'pk = :p OR pk = :p', 'FilterExpression': 'pk = :p',
      'ExpressionAttributeValues': {':p': {'S': 'p'}}},
     'Invalid operator used in KeyConditionExpression: OR'),
    ('limit before select',
     {'Limit': 0, 'Select': 'BOGUS'}, 'Limit must be greater than or equal to 1'),
    ('limit before unknown index', {'IndexName': 'nope', 'Limit': 0},
     'Limit must be greater than or equal to 1'),
    ('mixed parameters before missing values',
     {'KeyConditionExpression': 'pk = :p', 'KeyConditions': {}},
     'Can not use both expression and non-expression parameters in the same request: '
     'Non-expression parameters: {KeyConditions} Expression parameters: {KeyConditionExpression}'),
    ('unknown index before key condition', {'IndexName': 'nope'},
     'The table does not have the specified index: nope'),
]


@pytest.mark.parametrize('body,msg', [pytest.param(b, m, id=i) for i, b, m in ORDER])
def test_query_validation_order(raw, tables, body, msg):
    req = {'TableName': tables['N']}
    req.update(body)
    assert err(raw, 'Query', req)[1] == msg


def test_query_legacy_ne_is_not_a_success(raw, tables):
    """KeyConditions NE: DynamoDB Local answers 500 InternalFailure (a defect); never a 200."""
    status, _, _, _ = raw.call('Query', {'TableName': tables['N'], 'KeyConditions': {
        'pk': {'ComparisonOperator': 'EQ', 'AttributeValueList': [{'S': 'p'}]},
        'sk': {'ComparisonOperator': 'NE', 'AttributeValueList': [{'N': '1'}]}}})
    assert status in (400, 500)


# =============================================================================================
# projections and Select

def test_projection_expression(raw, tables):
    got = ok(raw, 'Query', {'TableName': tables['N'], 'KeyConditionExpression': 'pk = :p',
                            'ProjectionExpression': 'v, #t, nope', 'Limit': 3,
                            'ExpressionAttributeNames': {'#t': 'tag'},
                            'ExpressionAttributeValues': {':p': {'S': 'p'}}})
    assert got['Items'] == [{'v': {'N': str(i)}, 'tag': {'S': 'odd' if i % 2 else 'even'}}
                            for i in range(3)]
    assert got['LastEvaluatedKey'] == {'pk': {'S': 'p'}, 'sk': SORTED['N'][2]}


def test_projection_of_keys_only(raw, tables):
    got = ok(raw, 'Query', {'TableName': tables['B'], 'KeyConditionExpression': 'pk = :p',
                            'ProjectionExpression': 'sk',
                            'ExpressionAttributeValues': {':p': {'S': 'p'}}})
    assert got['Items'] == [{'sk': sk} for sk in SORTED['B']]


def test_projection_nested_paths(raw, tables):
    item = {'pk': {'S': 'nest'}, 'sk': {'S': 'x'},
            'm': {'M': {'a': {'N': '1'}, 'b': {'L': [{'S': 'l0'}, {'S': 'l1'}, {'S': 'l2'}]},
                        'c': {'S': 'c'}}},
            'l': {'L': [{'M': {'x': {'N': '1'}, 'y': {'N': '2'}}}, {'N': '7'}]}}
    ok(raw, 'PutItem', {'TableName': tables['S'], 'Item': item})
    got = ok(raw, 'Query', {'TableName': tables['S'], 'KeyConditionExpression': 'pk = :p',
                            'ProjectionExpression': 'm.a, m.b[2], l[0].y, l[5], m.zz',
                            'ExpressionAttributeValues': {':p': {'S': 'nest'}}})
    assert got['Items'] == [{'m': {'M': {'a': {'N': '1'}, 'b': {'L': [{'S': 'l2'}]}}},
                             'l': {'L': [{'M': {'y': {'N': '2'}}}]}}]


@pytest.mark.parametrize('select,extra,want', [
    ('ALL_ATTRIBUTES', {}, 'items'),
    ('COUNT', {}, 'count'),
    ('SPECIFIC_ATTRIBUTES', {'ProjectionExpression': 'v'}, 'v'),
    ('SPECIFIC_ATTRIBUTES', {'AttributesToGet': ['v'], 'KeyConditions': {
        'pk': {'ComparisonOperator': 'EQ', 'AttributeValueList': [{'S': 'p'}]}}}, 'v'),
], ids=['all', 'count', 'specific-projection', 'specific-attributes-to-get'])
def test_select(raw, tables, select, extra, want):
    body = {'TableName': tables['N'], 'Select': select, 'Limit': 4}
    if 'KeyConditions' not in extra:
        body.update({'KeyConditionExpression': 'pk = :p',
                     'ExpressionAttributeValues': {':p': {'S': 'p'}}})
    body.update(extra)
    got = ok(raw, 'Query', body)
    lek = {'pk': {'S': 'p'}, 'sk': SORTED['N'][3]}
    if want == 'count':
        assert got == {'Count': 4, 'ScannedCount': 4, 'LastEvaluatedKey': lek}
    elif want == 'items':
        assert got == {'Items': data_items('N')[:4], 'Count': 4, 'ScannedCount': 4,
                       'LastEvaluatedKey': lek}
    else:
        assert got['Items'] == [{'v': {'N': str(i)}} for i in range(4)]


def test_select_count_with_filter(raw, tables):
    got = ok(raw, 'Query', {'TableName': tables['N'], 'KeyConditionExpression': 'pk = :p',
                            'Select': 'COUNT', 'FilterExpression': 'tag = :t',
                            'ExpressionAttributeValues': {':p': {'S': 'p'}, ':t': {'S': 'odd'}}})
    assert got == {'Count': len(NUMS) // 2, 'ScannedCount': len(NUMS)}


def test_select_count_on_scan(raw, tables):
    got = ok(raw, 'Scan', {'TableName': tables['S'], 'Select': 'COUNT',
                           'FilterExpression': 'pk = :p', 'ExpressionAttributeValues': {
                               ':p': {'S': 'q'}}})
    assert got['Count'] == 1 and got['ScannedCount'] >= len(STRS) + 2


# =============================================================================================
# pagination: ExclusiveStartKey / LastEvaluatedKey

@pytest.mark.parametrize('typ', 'NSB')
@pytest.mark.parametrize('limit', [1, 3, 7])
@pytest.mark.parametrize('forward', [True, False], ids=['fwd', 'back'])
def test_paging_every_page(raw, tables, typ, limit, forward):
    pages = query_all(raw, {'TableName': tables[typ], 'KeyConditionExpression': 'pk = :p',
                            'ScanIndexForward': forward,
                            'ExpressionAttributeValues': {':p': {'S': 'p'}}}, limit=limit)
    want = data_items(typ)
    if not forward:
        want.reverse()
    chunks = [want[i:i + limit] for i in range(0, len(want), limit)]
    if len(want) % limit == 0:
        chunks.append([])   # the last full page still carries a LastEvaluatedKey
    assert [p['Items'] for p in pages] == chunks
    for page, chunk in zip(pages, chunks):
        if len(chunk) == limit:
            assert page['LastEvaluatedKey'] == {'pk': {'S': 'p'}, 'sk': chunk[-1]['sk']}
        else:
            assert 'LastEvaluatedKey' not in page


def test_paging_limit_exactly_the_partition(raw, tables):
    first = ok(raw, 'Query', {'TableName': tables['S'], 'KeyConditionExpression': 'pk = :p',
                              'Limit': len(STRS), 'ExpressionAttributeValues': {':p': {'S': 'p'}}})
    assert first['Count'] == len(STRS)
    assert first['LastEvaluatedKey'] == {'pk': {'S': 'p'}, 'sk': SORTED['S'][-1]}
    second = ok(raw, 'Query', {'TableName': tables['S'], 'KeyConditionExpression': 'pk = :p',
                               'Limit': len(STRS), 'ExclusiveStartKey': first['LastEvaluatedKey'],
                               'ExpressionAttributeValues': {':p': {'S': 'p'}}})
    assert second == {'Items': [], 'Count': 0, 'ScannedCount': 0}


def test_exclusive_start_key_need_not_exist(raw, tables):
    got = ok(raw, 'Query', {'TableName': tables['N'], 'KeyConditionExpression': 'pk = :p',
                            'ExclusiveStartKey': {'pk': {'S': 'p'}, 'sk': {'N': '2'}},
                            'ExpressionAttributeValues': {':p': {'S': 'p'}}})
    assert [i['sk']['N'] for i in got['Items']] == ['10', '12.5', '100', '1000', '1' + '0' * 125]


def test_exclusive_start_key_backwards(raw, tables):
    got = ok(raw, 'Query', {'TableName': tables['N'], 'KeyConditionExpression': 'pk = :p',
                            'ScanIndexForward': False, 'Limit': 3,
                            'ExclusiveStartKey': {'pk': {'S': 'p'}, 'sk': {'N': '0'}},
                            'ExpressionAttributeValues': {':p': {'S': 'p'}}})
    assert [i['sk']['N'] for i in got['Items']] == ['-0.' + '0' * 129 + '1', '-0.001', '-0.5']


def test_exclusive_start_key_with_range_condition(raw, tables):
    got = ok(raw, 'Query', {'TableName': tables['S'],
                            'KeyConditionExpression': 'pk = :p AND begins_with(sk, :a)',
                            'ExclusiveStartKey': {'pk': {'S': 'p'}, 'sk': {'S': 'ab'}},
                            'ExpressionAttributeValues': {':p': {'S': 'p'}, ':a': {'S': 'ab'}}})
    assert [i['sk']['S'] for i in got['Items']] == ['abc', 'ab~', 'ab\u00e9']


def test_last_evaluated_key_bytes(raw, tables):
    """Exact bytes: members Items, Count, ScannedCount, LastEvaluatedKey; keys in HashMap order."""
    payload = ok_bytes(raw, 'Query', {'TableName': tables['N'], 'KeyConditionExpression': 'pk = :p',
                                      'ProjectionExpression': 'v', 'Limit': 1,
                                      'ExpressionAttributeValues': {':p': {'S': 'p'}}})
    assert payload == (b'{"Items":[{"v":{"N":"0"}}],"Count":1,"ScannedCount":1,'
                       b'"LastEvaluatedKey":{"sk":{"N":"-' + b'9' * 38 + b'"},"pk":{"S":"p"}}}')


def test_response_bytes_with_capacity(raw, tables):
    payload = ok_bytes(raw, 'Query', {'TableName': tables['N'], 'KeyConditionExpression': 'pk = :p',
                                      'Select': 'COUNT', 'ReturnConsumedCapacity': 'TOTAL',
                                      'ExpressionAttributeValues': {':p': {'S': 'nothing'}}})
    assert payload == (b'{"Count":0,"ScannedCount":0,"ConsumedCapacity":{"TableName":"%s",'
                       b'"CapacityUnits":0.0}}' % tables['N'].encode())


# =============================================================================================
# consumed capacity

@pytest.fixture(scope='module')
def sized(raw):
    """Four items of known size in one partition."""
    name = create(raw, unique('qs_cap'), [('pk', 'S'), ('sk', 'N')])
    items = [{'pk': {'S': 'c'}, 'sk': {'N': str(i)}, 'd': {'S': 'x' * (3000 + 1000 * i)},
              'f': {'N': str(i)}} for i in range(4)]
    put_all(raw, name, items)
    yield name, items
    raw.call('DeleteTable', {'TableName': name})


@pytest.mark.parametrize('extra,pick,consistent', [
    ({}, [0, 1, 2, 3], False),
    ({'ConsistentRead': True}, [0, 1, 2, 3], True),
    ({'Limit': 1}, [0], False),
    ({'Limit': 2}, [0, 1], False),
    ({'Select': 'COUNT'}, [0, 1, 2, 3], False),
    ({'ProjectionExpression': 'f'}, [0, 1, 2, 3], False),
    # a filter does not lower the cost: every scanned item counts
    ({'FilterExpression': 'f = :one'}, [0, 1, 2, 3], False),
    ({'FilterExpression': 'f = :one', 'ConsistentRead': True}, [0, 1, 2, 3], True),
    ({'FilterExpression': 'f > :one', 'Limit': 2}, [0, 1], False),
], ids=['all', 'consistent', 'limit1', 'limit2', 'count', 'projection', 'filter', 'filter-consistent',
        'filter2'])
def test_query_capacity_total(raw, sized, extra, pick, consistent):
    name, items = sized
    body = {'TableName': name, 'KeyConditionExpression': 'pk = :p',
            'ReturnConsumedCapacity': 'TOTAL',
            'ExpressionAttributeValues': {':p': {'S': 'c'}}}
    if 'FilterExpression' in extra:
        body['ExpressionAttributeValues'][':one'] = {'N': '1'}
    body.update(extra)
    got = ok(raw, 'Query', body)
    assert got['ConsumedCapacity'] == {
        'TableName': name, 'CapacityUnits': read_units([items[i] for i in pick], consistent)}


def test_query_capacity_indexes_on_table(raw, sized):
    name, items = sized
    got = ok(raw, 'Query', {'TableName': name, 'KeyConditionExpression': 'pk = :p',
                            'ReturnConsumedCapacity': 'INDEXES', 'Limit': 1,
                            'ExpressionAttributeValues': {':p': {'S': 'c'}}})
    units = read_units(items[:1])
    assert got['ConsumedCapacity'] == {'TableName': name, 'CapacityUnits': units,
                                       'Table': {'CapacityUnits': units}}


@pytest.mark.parametrize('rcc', ['NONE', None])
def test_query_capacity_absent(raw, sized, rcc):
    name, _ = sized
    body = {'TableName': name, 'KeyConditionExpression': 'pk = :p',
            'ExpressionAttributeValues': {':p': {'S': 'c'}}}
    if rcc:
        body['ReturnConsumedCapacity'] = rcc
    assert 'ConsumedCapacity' not in ok(raw, 'Query', body)


@pytest.mark.parametrize('extra,consistent', [({}, False), ({'ConsistentRead': True}, True),
                                              ({'Select': 'COUNT'}, False)])
def test_scan_capacity_total(raw, sized, extra, consistent):
    name, items = sized
    got = ok(raw, 'Scan', dict({'TableName': name, 'ReturnConsumedCapacity': 'TOTAL'}, **extra))
    assert got['ConsumedCapacity'] == {'TableName': name,
                                       'CapacityUnits': read_units(items, consistent)}


def test_scan_capacity_indexes(raw, sized):
    name, items = sized
    got = ok(raw, 'Scan', {'TableName': name, 'ReturnConsumedCapacity': 'INDEXES'})
    units = read_units(items)
    assert got['ConsumedCapacity'] == {'TableName': name, 'CapacityUnits': units,
                                       'Table': {'CapacityUnits': units}}


def test_query_capacity_empty_result(raw, sized):
    name, _ = sized
    got = ok(raw, 'Query', {'TableName': name, 'KeyConditionExpression': 'pk = :p',
                            'ReturnConsumedCapacity': 'TOTAL',
                            'ExpressionAttributeValues': {':p': {'S': 'none'}}})
    assert got['ConsumedCapacity'] == {'TableName': name, 'CapacityUnits': 0.0}


# =============================================================================================
# Cruddur: a large partition, newest first, 20 at a time

@pytest.fixture(scope='module')
def messages(raw):
    name = create(raw, unique('qs_msgs'), [('pk', 'S'), ('sk', 'S')])
    items = []
    for i in range(300):
        year = '2025' if i < 50 else '2026'
        items.append({'pk': {'S': 'MSG#5ae290ed'}, 'sk': {'S': '%s-%02d-%02dT%02d:%02d:00.000000+00:00' % (
            year, 1 + i % 12, 1 + i % 28, i % 24, i % 60)},
            'message': {'S': 'message %d' % i}, 'user_handle': {'S': 'andrewbrown'}})
    # sk values must be unique; make them so with the index in the seconds field
    for i, it in enumerate(items):
        it['sk']['S'] = it['sk']['S'][:17] + '%02d.%06d+00:00' % (i % 60, i)
    put_all(raw, name, items)
    put_all(raw, name, [{'pk': {'S': 'MSG#other'}, 'sk': {'S': '2026-01-01'}}])
    yield name, sorted(items, key=lambda it: it['sk']['S'].encode())
    raw.call('DeleteTable', {'TableName': name})


def test_cruddur_newest_first_pages(raw, messages):
    name, items = messages
    newest = [it for it in reversed(items) if it['sk']['S'].startswith('2026')]
    assert len(newest) == 250
    pages = query_all(raw, {'TableName': name, 'ScanIndexForward': False,
                            'KeyConditionExpression': 'pk = :pk AND begins_with(sk, :year)',
                            'ExpressionAttributeValues': {':pk': {'S': 'MSG#5ae290ed'},
                                                          ':year': {'S': '2026'}}}, limit=20)
    assert len(pages) == 13
    assert [p['Items'] for p in pages] == [newest[i:i + 20] for i in range(0, 250, 20)]
    for p in pages[:-1]:
        assert p['Count'] == p['ScannedCount'] == 20
        assert p['LastEvaluatedKey'] == {'pk': {'S': 'MSG#5ae290ed'}, 'sk': p['Items'][-1]['sk']}
    assert pages[-1]['Count'] == 10 and 'LastEvaluatedKey' not in pages[-1]


def test_cruddur_first_page_with_capacity(raw, messages):
    name, items = messages
    got = ok(raw, 'Query', {'TableName': name, 'ScanIndexForward': False, 'Limit': 20,
                            'ReturnConsumedCapacity': 'TOTAL',
                            'KeyConditionExpression': 'pk = :pk AND begins_with(sk,:year)',
                            'ExpressionAttributeValues': {':year': {'S': '2026'},
                                                          ':pk': {'S': 'MSG#5ae290ed'}}})
    want = list(reversed(items))[:20]
    assert got['Items'] == want
    assert got['ConsumedCapacity'] == {'TableName': name, 'CapacityUnits': read_units(want)}


def test_large_partition_all_pages_forward(raw, messages):
    name, items = messages
    pages = query_all(raw, {'TableName': name, 'KeyConditionExpression': 'pk = :pk',
                            'ExpressionAttributeValues': {':pk': {'S': 'MSG#5ae290ed'}}}, limit=20)
    assert len(pages) == 16 and pages[-1]['Items'] == []
    assert [i for p in pages for i in p['Items']] == items


def test_large_partition_middle_range(raw, messages):
    name, items = messages
    lo, hi = items[100]['sk'], items[139]['sk']
    got = ok(raw, 'Query', {'TableName': name,
                            'KeyConditionExpression': 'pk = :pk AND sk BETWEEN :lo AND :hi',
                            'ExpressionAttributeValues': {':pk': {'S': 'MSG#5ae290ed'},
                                                          ':lo': lo, ':hi': hi}})
    assert got['Items'] == items[100:140]


# =============================================================================================
# the 1 MB page limit (itemSize of the matching items, §10.8)

def _big_items(n, size):
    """n items of exactly `size` bytes (itemSize) in partition 'p', sk 'a', 'b', ..."""
    return [{'pk': {'S': 'p'}, 'sk': {'S': chr(97 + i)}, 'd': {'S': 'x' * (size - 7)}}
            for i in range(n)]


@pytest.mark.parametrize('n,size,count,lek', [
    (12, 131072, 8, 'h'),       # 8 × 131,072 = 1 MB exactly: the page stops there
    (12, 131071, 9, 'i'),       # 8 items are 8 bytes short: a 9th is added
    (12, 131073, 8, 'h'),
    (8, 131072, 8, None),       # limit reached on the last item: no LastEvaluatedKey
    (15, 100008, 11, 'k'),      # ~100 KB items: 11 per page (1,100,088 bytes)
], ids=['exact-1mb', 'just-under', 'just-over', 'exact-at-end', '100kb-items'])
def test_one_mb_page_limit(raw, n, size, count, lek):
    name = create(raw, unique('qs_mb'), [('pk', 'S'), ('sk', 'S')])
    try:
        items = _big_items(n, size)
        assert item_size(items[0]) == size
        put_all(raw, name, items)
        for op, body in (('Query', {'KeyConditionExpression': 'pk = :p',
                                    'ExpressionAttributeValues': {':p': {'S': 'p'}}}),
                         ('Scan', {})):
            got = ok(raw, op, dict(body, TableName=name, ProjectionExpression='sk'))
            assert (got['Count'], got['ScannedCount']) == (count, count), op
            assert got.get('LastEvaluatedKey') == (
                {'pk': {'S': 'p'}, 'sk': {'S': lek}} if lek else None), op
        if lek:
            rest = ok(raw, 'Query', {'TableName': name, 'KeyConditionExpression': 'pk = :p',
                                     'ExclusiveStartKey': {'pk': {'S': 'p'}, 'sk': {'S': lek}},
                                     'ProjectionExpression': 'sk',
                                     'ExpressionAttributeValues': {':p': {'S': 'p'}}})
            assert rest['Count'] == n - count and 'LastEvaluatedKey' not in rest
    finally:
        raw.call('DeleteTable', {'TableName': name})


def test_one_mb_limit_ignores_filtered_items_and_counts_capacity(raw):
    name = create(raw, unique('qs_mbf'), [('pk', 'S'), ('sk', 'S')])
    try:
        items = _big_items(15, 100008)
        put_all(raw, name, items)
        q = {'TableName': name, 'KeyConditionExpression': 'pk = :p',
             'ReturnConsumedCapacity': 'TOTAL', 'ExpressionAttributeValues': {':p': {'S': 'p'}}}
        got = ok(raw, 'Query', dict(q, FilterExpression='d = :no',
                                    ExpressionAttributeValues={':p': {'S': 'p'},
                                                               ':no': {'S': 'no'}}))
        assert (got['Count'], got['ScannedCount']) == (0, 15)
        assert 'LastEvaluatedKey' not in got
        got = ok(raw, 'Query', q)
        assert got['Count'] == 11
        assert got['ConsumedCapacity'] == {'TableName': name, 'CapacityUnits': 134.5}
        # Limit below the size limit wins
        got = ok(raw, 'Query', dict(q, Limit=3, Select='COUNT'))
        assert got['Count'] == 3 and got['LastEvaluatedKey']['sk'] == {'S': 'c'}
    finally:
        raw.call('DeleteTable', {'TableName': name})


# =============================================================================================
# Scan: order by salted hash, paging, parallel segments

@pytest.fixture(scope='module')
def scan_tables(raw):
    t = {'S': create(raw, unique('qs_scan_s'), [('id', 'S')]),
         'N': create(raw, unique('qs_scan_n'), [('id', 'N')]),
         'B': create(raw, unique('qs_scan_b'), [('id', 'B')]),
         'HR': create(raw, unique('qs_scan_hr'), [('pk', 'S'), ('sk', 'N')])}
    keys = {'S': [{'S': 'k%03d' % i} for i in range(64)] + [{'S': '\u00e9\U0001F600'}],
            'N': [{'N': n} for n in ('0', '1', '-1', '1.5', '-12.5', '100', '12345678901234567890',
                                     '0.001', '-0.001', '99', '1' + '0' * 125, '7', '8', '9')],
            'B': [{'B': b64(bytes([i]))} for i in range(0, 256, 9)]}
    for typ, ks in keys.items():
        put_all(raw, t[typ], [{'id': k, 'n': {'N': str(i)}} for i, k in enumerate(ks)])
    hr = [{'pk': {'S': 'h%d' % (i % 5)}, 'sk': {'N': str(i)}} for i in range(25)]
    put_all(raw, t['HR'], hr)
    keys['HR'] = hr
    yield t, keys
    for name in t.values():
        raw.call('DeleteTable', {'TableName': name})


def _scan_order(typ, keys):
    if typ == 'HR':
        return sorted(keys, key=lambda it: (salted(it['pk']), Decimal(it['sk']['N'])))
    return sorted(keys, key=salted)


def _key_of(typ, item):
    return {'pk': item['pk'], 'sk': item['sk']} if typ == 'HR' else item['id']


@pytest.mark.parametrize('typ', ['S', 'N', 'B', 'HR'])
def test_scan_order_is_salted_hash_order(raw, scan_tables, typ):
    t, keys = scan_tables
    got = ok(raw, 'Scan', {'TableName': t[typ]})
    assert [_key_of(typ, i) for i in got['Items']] == [
        k if typ == 'HR' else k for k in _scan_order(typ, keys[typ])]


@pytest.mark.parametrize('typ', ['S', 'HR'])
@pytest.mark.parametrize('limit', [1, 7, 10])
def test_scan_paging_every_page(raw, scan_tables, typ, limit):
    t, keys = scan_tables
    pages = query_all(raw, {'_op': 'Scan', 'TableName': t[typ]}, limit=limit)
    order = _scan_order(typ, keys[typ])
    chunks = [order[i:i + limit] for i in range(0, len(order), limit)]
    if len(order) % limit == 0:
        chunks.append([])
    assert [[_key_of(typ, i) for i in p['Items']] for p in pages] == chunks
    for p, c in zip(pages, chunks):
        if len(c) == limit:
            last = c[-1]
            assert p['LastEvaluatedKey'] == (last if typ == 'HR' else {'id': last})


@pytest.mark.parametrize('total', [1, 2, 3, 4, 7, 16, 100])
@pytest.mark.parametrize('typ', ['S', 'N', 'B', 'HR'])
def test_parallel_scan_segments(raw, scan_tables, typ, total):
    t, keys = scan_tables
    order = _scan_order(typ, keys[typ])
    hkey = (lambda k: k['pk']) if typ == 'HR' else (lambda k: k)
    for seg in range(min(total, 20)):
        got = ok(raw, 'Scan', {'TableName': t[typ], 'Segment': seg, 'TotalSegments': total})
        want = [k for k in order if segment_of(salted(hkey(k)), total) == seg]
        assert [_key_of(typ, i) for i in got['Items']] == want, seg


def test_parallel_scan_paging_within_segment(raw, scan_tables):
    t, keys = scan_tables
    order = [k for k in _scan_order('S', keys['S']) if segment_of(salted(k), 2) == 1]
    pages = query_all(raw, {'_op': 'Scan', 'TableName': t['S'], 'Segment': 1,
                            'TotalSegments': 2}, limit=5)
    assert [i['id'] for p in pages for i in p['Items']] == order


def test_parallel_scan_start_key_outside_segment(raw, scan_tables):
    t, keys = scan_tables
    outside = next(k for k in keys['S'] if segment_of(salted(k), 4) != 0)
    assert err(raw, 'Scan', {'TableName': t['S'], 'Segment': 0, 'TotalSegments': 4,
                             'ExclusiveStartKey': {'id': outside}}) == (
        TYPES['ValidationException'], 'Exclusive start key must lie within the segment')


def test_scan_filter_with_limit(raw, scan_tables):
    t, keys = scan_tables
    order = _scan_order('S', keys['S'])
    got = ok(raw, 'Scan', {'TableName': t['S'], 'Limit': 10, 'FilterExpression': 'n < :x',
                           'ExpressionAttributeValues': {':x': {'N': '32'}}})
    first = order[:10]
    idx = {json.dumps(k): i for i, k in enumerate(keys['S'])}
    assert [i['id'] for i in got['Items']] == [k for k in first if idx[json.dumps(k)] < 32]
    assert got['ScannedCount'] == 10
    assert got['LastEvaluatedKey'] == {'id': first[-1]}


def test_scan_exclusive_start_key_need_not_exist(raw, scan_tables):
    t, keys = scan_tables
    start = {'S': 'not-an-item'}
    got = ok(raw, 'Scan', {'TableName': t['S'], 'ExclusiveStartKey': {'id': start}})
    want = [k for k in _scan_order('S', keys['S']) if salted(k) > salted(start)]
    assert [i['id'] for i in got['Items']] == want


def test_scan_legacy_scan_filter_and_attributes_to_get(raw, scan_tables):
    t, keys = scan_tables
    got = ok(raw, 'Scan', {'TableName': t['N'], 'AttributesToGet': ['id'],
                           'ScanFilter': {'id': {'ComparisonOperator': 'GT',
                                                 'AttributeValueList': [{'N': '9'}]}}})
    want = [k for k in _scan_order('N', keys['N']) if Decimal(k['N']) > 9]
    assert [i for i in got['Items']] == [{'id': k} for k in want]


def test_scan_boto3_paginator(ddb, scan_tables):
    t, keys = scan_tables
    pages = list(ddb.get_paginator('scan').paginate(TableName=t['S'],
                                                    PaginationConfig={'PageSize': 16}))
    assert [p['Count'] for p in pages] == [16, 16, 16, 16, 1]
    assert [i['id'] for p in pages for i in p['Items']] == _scan_order('S', keys['S'])
