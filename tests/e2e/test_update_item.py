"""UpdateItem: UpdateExpression, ReturnValues, legacy AttributeUpdates, black box.

Every expectation here was observed on DynamoDB Local 1.25.1 (the oracle); see
shared/reference/dynamodb-local.md §7.1, §7.2 (6: ALL_OLD on a created item is {}) and §8.
Exact texts are checked through the `raw` fixture.

Quirks of DynamoDB Local pinned here (the real service differs on some):
- SET stores a value exactly as sent: `SET x = :v` with :v = "1.50", "00042.000" or "1E+2"
  stores and returns that text (PutItem normalizes).  Arithmetic keeps Java BigDecimal scale:
  1.5 + 1.5 = "3.0", 0.10 - 0.1 = "0.00", 1.50 + 1 = "2.50", 1E+2 + 1E+1 = "110".  ADD on a
  number does the same (1.5 ADD 1.50 = "3.00"); ADD on a number set normalizes the members.
- UPDATED_OLD / UPDATED_NEW return the whole top-level attribute of each updated path that
  exists in the old / new item (not only the updated sub-path); `SET l[10] = :v` appends, and
  UPDATED_NEW then returns {} because l[10] does not exist in the new item.
- REMOVE of a missing attribute or list element is not an error; on a missing item it creates
  the item with its key only.

Check order (pinned by test_order_*): placeholder maps -> UpdateExpression size/syntax ->
ConditionExpression syntax -> reserved words / function names -> names, values, operand types
(update first, then condition) -> unused names, values -> overlapping paths -> key attributes ->
condition evaluation -> paths against the item -> operand types at run time -> arithmetic
(precision, overflow) -> item size.
"""
import os

import pytest

VALIDATION = 'com.amazon.coral.validate#ValidationException'
CCF = 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException'
UE = 'Invalid UpdateExpression: '
CE = 'Invalid ConditionExpression: '
OVERLAP = ('Two document paths overlap with each other; must remove or rewrite one of these '
           'paths; path one: %s, path two: %s')
CONFLICT = ('Two document paths conflict with each other; must remove or rewrite one of these '
            'paths; path one: %s, path two: %s')
MIX = ('Can not use both expression and non-expression parameters in the same request: '
       'Non-expression parameters: {%s} Expression parameters: {%s}')
BAD_PATH = 'The document path provided in the update expression is invalid for update'
NO_ATTR = 'The provided expression refers to an attribute that does not exist in the item'
BAD_OPERAND = 'An operand in the update expression has an incorrect data type'
KEY_UPDATE = ('One or more parameter values were invalid: Cannot update attribute id. This '
              'attribute is part of the key')
PRECISION = 'DynamoDB only supports precision up to 38 digits'
OVERFLOW = 'Number overflow. Attempting to store a number with magnitude larger than supported range'
UNDERFLOW = ('Number underflow. Attempting to store a number with magnitude smaller than '
             'supported range')


def N(x):
    return {'N': x}


def S(x):
    return {'S': x}


_names = [0]


def unique(prefix):
    _names[0] += 1
    return '%s_%d_%d' % (prefix, os.getpid() % 100000, _names[0])


BASE = {
    'n': N('5'), 'd': N('1.5'), 's': S('hello'), 'ss': {'SS': ['a', 'b']}, 'ns': {'NS': ['1', '2']},
    'l': {'L': [S('x'), N('1'), {'M': {'k': S('v')}}]},
    'm': {'M': {'a': N('1'), 'b': {'M': {'c': S('deep')}}}},
}


@pytest.fixture(scope='module')
def tbl(raw):
    name = unique('up')
    st, _, body, _ = raw.call('CreateTable', {
        'TableName': name, 'BillingMode': 'PAY_PER_REQUEST',
        'KeySchema': [{'AttributeName': 'id', 'KeyType': 'HASH'}],
        'AttributeDefinitions': [{'AttributeName': 'id', 'AttributeType': 'S'}]})
    assert st == 200, body
    return name


def fresh_key(raw, tbl, item=None):
    key = unique('k')
    st, _, body, _ = raw.call('PutItem', {'TableName': tbl,
                                          'Item': dict(item or BASE, id=S(key))})
    assert st == 200, body
    return key


def update(raw, tbl, key, ue, values=None, names=None, rv=None, **extra):
    body = {'TableName': tbl, 'Key': {'id': S(key)}}
    if ue is not None:
        body['UpdateExpression'] = ue
    if values is not None:
        body['ExpressionAttributeValues'] = values
    if names is not None:
        body['ExpressionAttributeNames'] = names
    if rv is not None:
        body['ReturnValues'] = rv
    body.update(extra)
    st, _, resp, _ = raw.call('UpdateItem', body)
    return st, resp


def get(raw, tbl, key):
    st, _, body, _ = raw.call('GetItem', {'TableName': tbl, 'Key': {'id': S(key)},
                                          'ConsistentRead': True})
    assert st == 200
    return body.get('Item')


def V(**kw):
    return {':' + k: v for k, v in kw.items()}


# ---------------------------------------------------------------------------------------------
# successful updates: (UpdateExpression, values, names, UPDATED_NEW attributes)

OK = [
    # SET values, arithmetic and number text (see the module docstring)
    ('SET x = :v', V(v=N('1.50')), None, {'x': N('1.50')}),
    ('SET x = :v', V(v=N('00042.000')), None, {'x': N('00042.000')}),
    ('SET x = :v', V(v=N('1E+2')), None, {'x': N('1E+2')}),
    ('SET x = :v', V(v=N('-0')), None, {'x': N('-0')}),
    ('SET d = d + d', None, None, {'d': N('3.0')}),
    ('SET d = d - d', None, None, {'d': N('0.0')}),
    ('SET n = n + :v', V(v=N('1')), None, {'n': N('6')}),
    ('SET n = n - :v', V(v=N('10')), None, {'n': N('-5')}),
    ('SET n = :v - n', V(v=N('10')), None, {'n': N('5')}),
    ('SET x = :v + :w', V(v=N('1.50'), w=N('1')), None, {'x': N('2.50')}),
    ('SET x = :v + :w', V(v=N('1E+2'), w=N('1')), None, {'x': N('101')}),
    ('SET x = :v + :w', V(v=N('1E+2'), w=N('0')), None, {'x': N('100')}),
    ('SET x = :v + :w', V(v=N('1E+2'), w=N('1E+1')), None, {'x': N('110')}),
    ('SET x = :v - :w', V(v=N('1E+2'), w=N('1E+2')), None, {'x': N('0')}),
    ('SET x = :v - :w', V(v=N('0.10'), w=N('0.1')), None, {'x': N('0.00')}),
    ('SET x = :v + :w', V(v=N('-0.5'), w=N('10')), None, {'x': N('9.5')}),
    ('SET x = :v + :w', V(v=N('12345678901234567890123456789012345678'), w=N('1')), None,
     {'x': N('12345678901234567890123456789012345679')}),
    ('SET x = :v + :w', V(v=N('99999999999999999999999999999999999999'), w=N('1')), None,
     {'x': N('100000000000000000000000000000000000000')}),
    ('SET x = :v + :w', V(v=N('1.000000000000000000000000000000000000'), w=N('1')), None,
     {'x': N('2.000000000000000000000000000000000000')}),
    ('SET x = :v + :w', V(v=N('1.0000000000000000000000000000000000000'), w=N('10')), None,
     {'x': N('11.0000000000000000000000000000000000000')}),
    ('SET x = (:v + :w)', V(v=N('1'), w=N('2')), None, {'x': N('3')}),
    ('SET x = :v, y = :v', V(v={'SS': ['b', 'a']}), None,
     {'x': {'SS': ['a', 'b']}, 'y': {'SS': ['a', 'b']}}),
    ('SET x = :v', V(v={'NS': ['1.50', '2']}), None, {'x': {'NS': ['1.50', '2']}}),
    ('SET x = :v', V(v={'M': {'q': N('1.0')}}), None, {'x': {'M': {'q': N('1.0')}}}),
    ('SET x = :v', V(v=S('')), None, {'x': S('')}),
    ('SET x = s', None, None, {'x': S('hello')}),
    ('SET x = m.b', None, None, {'x': {'M': {'c': S('deep')}}}),
    ('SET x = l[2].k', None, None, {'x': S('v')}),
    ('SET s = :v, x = s', V(v=S('new')), None, {'s': S('new'), 'x': S('hello')}),  # reads old
    # if_not_exists
    ('SET n = if_not_exists(zz, :v)', V(v=N('3')), None, {'n': N('3')}),
    ('SET n = if_not_exists(n, :v)', V(v=N('3')), None, {'n': N('5')}),
    ('SET n = if_not_exists(m.a, :v)', V(v=N('3')), None, {'n': N('1')}),
    ('SET c = if_not_exists(c, :z) + :one', V(z=N('0'), one=N('1')), None, {'c': N('1')}),
    ('SET n = if_not_exists(n, :z) + :one', V(z=N('0'), one=N('1')), None, {'n': N('6')}),
    ('SET x = if_not_exists(x, if_not_exists(y, :v))', V(v=N('1')), None, {'x': N('1')}),
    # list_append, both orders
    ('SET l = list_append(l, :v)', V(v={'L': [N('2')]}), None,
     {'l': {'L': BASE['l']['L'] + [N('2')]}}),
    ('SET l = list_append(:v, l)', V(v={'L': [N('2')]}), None,
     {'l': {'L': [N('2')] + BASE['l']['L']}}),
    ('SET x = list_append(:v, :v)', V(v={'L': [N('2')]}), None, {'x': {'L': [N('2'), N('2')]}}),
    ('SET x = list_append(:v, :w)', V(v={'L': []}, w={'L': []}), None, {'x': {'L': []}}),
    ('SET x = list_append(if_not_exists(x, :e), :v)', V(e={'L': []}, v={'L': [S('a')]}), None,
     {'x': {'L': [S('a')]}}),
    # nested paths and list indexes
    ('SET m.b.c = :v', V(v=N('2')), None,
     {'m': {'M': {'a': N('1'), 'b': {'M': {'c': N('2')}}}}}),
    ('SET m.z = :v', V(v=N('2')), None,
     {'m': {'M': {'a': N('1'), 'z': N('2'), 'b': {'M': {'c': S('deep')}}}}}),
    ('SET #m.#x = :v', V(v=N('2')), {'#m': 'm', '#x': 'name'},
     {'m': {'M': {'a': N('1'), 'name': N('2'), 'b': {'M': {'c': S('deep')}}}}}),
    ('SET l[1] = :v', V(v=N('2')), None, {'l': {'L': [S('x'), N('2'), {'M': {'k': S('v')}}]}}),
    ('SET l[2].k = :v', V(v=N('2')), None, {'l': {'L': [S('x'), N('1'), {'M': {'k': N('2')}}]}}),
    ('SET l[0] = :v, l[1] = :v', V(v=N('2')), None,
     {'l': {'L': [N('2'), N('2'), {'M': {'k': S('v')}}]}}),
    ('SET m.a = :v, m.b = :v', V(v=N('2')), None, {'m': {'M': {'a': N('2'), 'b': N('2')}}}),
    ('SET l[10] = :v', V(v=N('2')), None, {}),
    ('SET l[3] = :v', V(v=N('2')), None, {'l': {'L': BASE['l']['L'] + [N('2')]}}),
    # keywords are case-insensitive, clauses in any order
    ('set x = :v', V(v=N('1')), None, {'x': N('1')}),
    ('SET x = :v remove zz', V(v=N('1')), None, {'x': N('1')}),
    ('REMOVE zz SET x = :v', V(v=N('1')), None, {'x': N('1')}),
    ('ADD x :v SET y = :v', V(v=N('1')), None, {'x': N('1'), 'y': N('1')}),
    # REMOVE
    ('REMOVE n, s', None, None, {}),
    ('REMOVE l[0], l[2]', None, None, {'l': {'L': [N('1')]}}),
    ('REMOVE l[5]', None, None, {}),
    ('REMOVE m.b.c', None, None, {}),              # m.b.c no longer exists in the new item
    ('REMOVE m.zz', None, None, {}),
    ('REMOVE zz', None, None, {}),
    ('REMOVE #st', None, {'#st': 'status'}, {}),
    # ADD numbers and sets
    ('ADD n :v', V(v=N('1')), None, {'n': N('6')}),
    ('ADD n :v', V(v=N('-5')), None, {'n': N('0')}),
    ('ADD d :v', V(v=N('1.50')), None, {'d': N('3.00')}),
    ('ADD x :v', V(v=N('2.50')), None, {'x': N('2.50')}),
    ('ADD ss :v', V(v={'SS': ['a', 'c']}), None, {'ss': {'SS': ['a', 'b', 'c']}}),
    ('ADD ns :v', V(v={'NS': ['3.0', '1.5']}), None, {'ns': {'NS': ['1', '1.5', '2', '3']}}),
    ('ADD x :v', V(v={'SS': ['a', 'c']}), None, {'x': {'SS': ['a', 'c']}}),
    ('ADD x :v', V(v={'BS': ['AQ==']}), None, {'x': {'BS': ['AQ==']}}),
    ('ADD m.z :v', V(v=N('3')), None,
     {'m': {'M': {'a': N('1'), 'z': N('3'), 'b': {'M': {'c': S('deep')}}}}}),
    ('ADD m.a :v', V(v=N('3')), None,
     {'m': {'M': {'a': N('4'), 'b': {'M': {'c': S('deep')}}}}}),
    ('ADD l[1] :v', V(v=N('3')), None, {'l': {'L': [S('x'), N('4'), {'M': {'k': S('v')}}]}}),
    ('ADD n :v, x :v', V(v=N('1')), None, {'n': N('6'), 'x': N('1')}),
    # DELETE from sets
    ('DELETE ss :v', V(v={'SS': ['a', 'z']}), None, {'ss': {'SS': ['b']}}),
    ('DELETE ss :v', V(v={'SS': ['z']}), None, {'ss': {'SS': ['a', 'b']}}),
    ('DELETE ss :v', V(v={'SS': ['a', 'b']}), None, {}),
    ('DELETE ns :v', V(v={'NS': ['1.0']}), None, {'ns': {'NS': ['2']}}),
    ('DELETE zz :v', V(v={'SS': ['a']}), None, {}),
    # all four clauses
    ('SET a = :v REMOVE s ADD n :v DELETE ss :w', V(v=N('1'), w={'SS': ['a']}), None,
     {'a': N('1'), 'n': N('6'), 'ss': {'SS': ['b']}}),
]


@pytest.mark.parametrize('ue,values,names,attrs', OK, ids=['%d:%s' % (i, o[0]) for i, o in
                                                          enumerate(OK)])
def test_update_ok(raw, tbl, ue, values, names, attrs):
    key = fresh_key(raw, tbl)
    st, resp = update(raw, tbl, key, ue, values, names, rv='UPDATED_NEW')
    assert st == 200, resp
    assert resp == ({'Attributes': attrs} if attrs else {})


def test_numbers_stored_as_sent_by_set(raw, tbl):
    key = fresh_key(raw, tbl, {'d': N('1.5'), 'l': {'L': [N('1')]}})
    st, resp = update(raw, tbl, key, 'SET a = :a, b = :b, c = :c, d = d + d, l[10] = :a',
                      V(a=N('1.50'), b=N('00042.000'), c=N('1E+2')))
    assert (st, resp) == (200, {})
    assert get(raw, tbl, key) == {'id': S(key), 'a': N('1.50'), 'b': N('00042.000'),
                                  'c': N('1E+2'), 'd': N('3.0'), 'l': {'L': [N('1'), N('1.50')]}}


def test_put_item_normalizes_where_set_does_not(raw, tbl):
    key = fresh_key(raw, tbl, {'a': N('1.50'), 'c': N('1E+2')})
    assert get(raw, tbl, key) == {'id': S(key), 'a': N('1.5'), 'c': N('100')}


def test_remove_last_list_elements_and_nested(raw, tbl):
    key = fresh_key(raw, tbl)
    st, resp = update(raw, tbl, key, 'REMOVE l[0], l[1], l[2], m.a, m.b')
    assert st == 200
    item = get(raw, tbl, key)
    assert item['l'] == {'L': []} and item['m'] == {'M': {}}


def test_delete_last_set_element_removes_attribute(raw, tbl):
    key = fresh_key(raw, tbl)
    update(raw, tbl, key, 'DELETE ss :v', V(v={'SS': ['b', 'a']}))
    assert 'ss' not in get(raw, tbl, key)


def test_update_with_boto3(ddb, tbl, raw):
    key = fresh_key(raw, tbl)
    r = ddb.update_item(TableName=tbl, Key={'id': S(key)},
                        UpdateExpression='SET #c = if_not_exists(#c, :z) + :one ADD ss :s',
                        ExpressionAttributeNames={'#c': 'count'},
                        ExpressionAttributeValues={':z': N('0'), ':one': N('1'),
                                                   ':s': {'SS': ['q']}},
                        ReturnValues='UPDATED_NEW')
    assert r['Attributes'] == {'count': N('1'), 'ss': {'SS': ['a', 'b', 'q']}}


# ---------------------------------------------------------------------------------------------
# ReturnValues

RV = [
    ('SET n = :v', 'NONE', None),
    ('SET n = :v', 'ALL_OLD', 'old'),
    ('SET n = :v', 'ALL_NEW', 'new'),
    ('SET n = :v', 'UPDATED_OLD', {'n': N('5')}),
    ('SET n = :v', 'UPDATED_NEW', {'n': N('7')}),
    ('SET m.b.c = :v', 'UPDATED_OLD', {'m': BASE['m']}),          # the whole top-level attribute
    ('SET m.b.c = :v', 'UPDATED_NEW', {'m': {'M': {'a': N('1'), 'b': {'M': {'c': N('7')}}}}}),
    ('SET m.z = :v', 'UPDATED_OLD', None),                        # m.z did not exist before
    ('SET l[1] = :v', 'UPDATED_OLD', {'l': BASE['l']}),
    ('SET l[10] = :v', 'UPDATED_NEW', None),
    ('REMOVE n, s', 'UPDATED_OLD', {'n': N('5'), 's': S('hello')}),
    ('REMOVE n, s', 'UPDATED_NEW', None),
    ('REMOVE l[0], l[2]', 'UPDATED_OLD', {'l': BASE['l']}),
    ('REMOVE l[5]', 'UPDATED_OLD', None),
    ('REMOVE zz', 'UPDATED_OLD', None),
    ('ADD x :v', 'UPDATED_OLD', None),
    ('ADD x :v', 'UPDATED_NEW', {'x': N('7')}),
    ('SET x = :v', 'ALL_OLD', 'old'),
]


@pytest.mark.parametrize('ue,rv,expected', RV, ids=['%d:%s:%s' % (i, r[0], r[1]) for i, r in
                                                   enumerate(RV)])
def test_return_values(raw, tbl, ue, rv, expected):
    key = fresh_key(raw, tbl)
    values = V(v=N('7')) if ':v' in ue else None
    st, resp = update(raw, tbl, key, ue, values, rv=rv)
    assert st == 200, resp
    if expected == 'old':
        expected = dict(BASE, id=S(key))
    elif expected == 'new':
        expected = get(raw, tbl, key)
    assert resp == ({'Attributes': expected} if expected else {})


@pytest.mark.parametrize('ue,values,rv,expected', [
    ('SET x = :v', V(v=N('5')), 'ALL_OLD', None),
    ('SET x = :v', V(v=N('5')), 'UPDATED_OLD', None),
    ('SET x = :v', V(v=N('5')), 'ALL_NEW', {'x': N('5'), 'id': 'KEY'}),
    ('SET x = :v', V(v=N('5')), 'UPDATED_NEW', {'x': N('5')}),
    ('REMOVE x', None, 'ALL_NEW', {'id': 'KEY'}),
    ('REMOVE x', None, 'ALL_OLD', None),
    ('DELETE x :v', V(v={'SS': ['a']}), 'ALL_NEW', {'id': 'KEY'}),
    ('ADD x :v', V(v=N('5')), 'ALL_NEW', {'x': N('5'), 'id': 'KEY'}),
])
def test_update_creates_missing_item(raw, tbl, ue, values, rv, expected):
    key = unique('new')
    st, resp = update(raw, tbl, key, ue, values, rv=rv)
    if expected:
        expected = {k: (S(key) if v == 'KEY' else v) for k, v in expected.items()}
    assert (st, resp) == (200, {'Attributes': expected} if expected else {})
    assert get(raw, tbl, key) is not None


def test_update_without_expression_creates_item(raw, tbl):
    key = unique('bare')
    st, resp = update(raw, tbl, key, None, rv='ALL_NEW')
    assert (st, resp) == (200, {'Attributes': {'id': S(key)}})


@pytest.mark.parametrize('rv', ['BAD', 'all_new', 'ALL'])
def test_return_values_invalid(raw, tbl, rv):
    st, resp = update(raw, tbl, 'k', 'SET x = :v', V(v=N('1')), rv=rv)
    assert (st, resp['Message']) == (400, 'Return values set to invalid value')


def test_condition_on_update(raw, tbl):
    key = fresh_key(raw, tbl)
    st, resp = update(raw, tbl, key, 'SET n = n + :one', V(one=N('1'), five=N('5')),
                      rv='UPDATED_NEW', ConditionExpression='n = :five')
    assert (st, resp) == (200, {'Attributes': {'n': N('6')}})
    st, resp = update(raw, tbl, key, 'SET n = n + :one', V(one=N('1'), five=N('5')),
                      rv='UPDATED_NEW', ConditionExpression='n = :five')
    assert (st, resp['__type']) == (400, CCF)
    assert get(raw, tbl, key)['n'] == N('6')


def test_condition_on_update_of_missing_item(raw, tbl):
    key = unique('cond')
    st, resp = update(raw, tbl, key, 'SET x = :v', V(v=N('1')),
                      ConditionExpression='attribute_exists(id)')
    assert (st, resp['__type']) == (400, CCF)
    assert get(raw, tbl, key) is None
    st, resp = update(raw, tbl, key, 'SET x = :v', V(v=N('1')),
                      ConditionExpression='attribute_not_exists(id)')
    assert (st, resp) == (200, {})


# ---------------------------------------------------------------------------------------------
# errors: (UpdateExpression, values, names, message)

ERRORS = [
    # syntax
    ('', None, None, UE + 'The expression can not be empty;'),
    ('SET', None, None, UE + 'Syntax error; token: "<EOF>", near: "SET"'),
    ('REMOVE', None, None, UE + 'Syntax error; token: "<EOF>", near: "REMOVE"'),
    ('SET a = :v,', V(v=N('1')), None, UE + 'Syntax error; token: "<EOF>", near: ","'),
    ('SET a :v', V(v=N('1')), None, UE + 'Syntax error; token: ":v", near: "a :v"'),
    ('SET = :v', V(v=N('1')), None, UE + 'Syntax error; token: "=", near: "SET = :v"'),
    ('SET a = ', None, None, UE + 'Syntax error; token: "<EOF>", near: "= "'),
    ('ADD a', None, None, UE + 'Syntax error; token: "<EOF>", near: "a"'),
    ('ADD a :v, b', V(v=N('1')), None, UE + 'Syntax error; token: "<EOF>", near: "b"'),
    ('DELETE a', None, None, UE + 'Syntax error; token: "<EOF>", near: "a"'),
    ('SET a = :v REMOVE', V(v=N('1')), None, UE + 'Syntax error; token: "<EOF>", near: "REMOVE"'),
    ('UPDATE a = :v', V(v=N('1')), None, UE + 'Syntax error; token: "UPDATE", near: "UPDATE a"'),
    ('SET a = :v, SET b = :v', V(v=N('1')), None,
     UE + 'Syntax error; token: "SET", near: ", SET b"'),
    ('SET a = :v + :v + :v', V(v=N('1')), None, UE + 'Syntax error; token: "+", near: ":v + :v"'),
    ('SET a = :v - :v - :v', V(v=N('1')), None, UE + 'Syntax error; token: "-", near: ":v - :v"'),
    ('SET n = n + n + n', None, None, UE + 'Syntax error; token: "+", near: "n + n"'),
    ('SET a = :v * :v', V(v=N('1')), None, UE + 'Syntax error; token: "*", near: ":v * :v"'),
    ('SET a = -:v', V(v=N('1')), None, UE + 'Syntax error; token: "-", near: "= -:v"'),
    ('SET a = b = :v', V(v=N('1')), None, UE + 'Syntax error; token: "=", near: "b = :v"'),
    ('SET a = :v AND b = :v', V(v=N('1')), None,
     UE + 'Syntax error; token: "AND", near: ":v AND b"'),
    ('SET a = :v WHERE', V(v=N('1')), None, UE + 'Syntax error; token: "WHERE", near: ":v WHERE"'),
    ('SET l[01] = :v', V(v=N('1')), None, UE + 'Syntax error; token: "1", near: "01]"'),
    ('REMOVE size(n)', None, None, UE + 'Syntax error; token: "(", near: "size(n"'),
    ('REMOVE :v', V(v=N('1')), None, UE + 'Syntax error; token: ":v", near: "REMOVE :v"'),
    ('ADD :v :v', V(v=N('1')), None, UE + 'Syntax error; token: ":v", near: "ADD :v :v"'),
    # sections
    ('SET a = :v SET b = :v', V(v=N('1')), None,
     UE + 'The "SET" section can only be used once in an update expression;'),
    ('REMOVE a REMOVE b', None, None,
     UE + 'The "REMOVE" section can only be used once in an update expression;'),
    ('ADD a :v ADD b :v', V(v=N('1')), None,
     UE + 'The "ADD" section can only be used once in an update expression;'),
    ('DELETE a :v DELETE b :v', V(v={'SS': ['a']}), None,
     UE + 'The "DELETE" section can only be used once in an update expression;'),
    # reserved words, functions
    ('SET status = :v', V(v=N('1')), None,
     UE + 'Attribute name is a reserved keyword; reserved keyword: status'),
    ('SET m.new = :v', V(v=N('1')), None,
     UE + 'Attribute name is a reserved keyword; reserved keyword: new'),
    ('REMOVE name', None, None, UE + 'Attribute name is a reserved keyword; reserved keyword: name'),
    ('ADD m.q.value :v', V(v=N('1')), None,
     UE + 'Attribute name is a reserved keyword; reserved keyword: value'),
    ('SET a = if_not_exists(#x, size)', None, {'#x': 'x'}, NO_ATTR),  # size: not reserved
    ('SET a = size(l)', None, None,
     UE + 'The function is not allowed in an update expression; function: size'),
    ('SET a = attribute_exists(l)', None, None,
     UE + 'The function is not allowed in an update expression; function: attribute_exists'),
    ('SET a = foo(l)', None, None, UE + 'Invalid function name; function: foo'),
    ('SET a = LIST_APPEND(l, l)', None, None, UE + 'Invalid function name; function: LIST_APPEND'),
    ('SET a = list_append(l)', None, None,
     UE + 'Incorrect number of operands for operator or function; operator or function: '
     'list_append, number of operands: 1'),
    ('SET a = list_append(l, l, l)', None, None,
     UE + 'Incorrect number of operands for operator or function; operator or function: '
     'list_append, number of operands: 3'),
    ('SET n = if_not_exists(n)', None, None,
     UE + 'Incorrect number of operands for operator or function; operator or function: '
     'if_not_exists, number of operands: 1'),
    ('SET n = if_not_exists(:v, n)', V(v=N('3')), None,
     UE + 'Operator or function requires a document path; operator or function: if_not_exists'),
    # static operand types (values known before reading the item)
    ('SET l = list_append(l, :v)', V(v=N('1')), None,
     UE + 'Incorrect operand type for operator or function; operator or function: list_append, '
     'operand type: N'),
    ('SET l = list_append(:v, l)', V(v=S('2')), None,
     UE + 'Incorrect operand type for operator or function; operator or function: list_append, '
     'operand type: S'),
    ('SET n = n + :v', V(v=S('3')), None,
     UE + 'Incorrect operand type for operator or function; operator or function: +, operand '
     'type: S'),
    ('SET n = :v - n', V(v={'SS': ['a']}), None,
     UE + 'Incorrect operand type for operator or function; operator or function: -, operand '
     'type: SS'),
    ('ADD n :v', V(v=S('3')), None,
     UE + 'Incorrect operand type for operator or function; operator: ADD, operand type: STRING, '
     'typeSet: ALLOWED_FOR_ADD_OPERAND'),
    ('ADD l :v', V(v={'L': [N('1')]}), None,
     UE + 'Incorrect operand type for operator or function; operator: ADD, operand type: LIST, '
     'typeSet: ALLOWED_FOR_ADD_OPERAND'),
    ('ADD x :v', V(v={'M': {}}), None,
     UE + 'Incorrect operand type for operator or function; operator: ADD, operand type: MAP, '
     'typeSet: ALLOWED_FOR_ADD_OPERAND'),
    ('ADD x :v', V(v={'BOOL': True}), None,
     UE + 'Incorrect operand type for operator or function; operator: ADD, operand type: '
     'BOOLEAN, typeSet: ALLOWED_FOR_ADD_OPERAND'),
    ('DELETE ss :v', V(v=S('a')), None,
     UE + 'Incorrect operand type for operator or function; operator: DELETE, operand type: '
     'STRING, typeSet: ALLOWED_FOR_DELETE_OPERAND'),
    ('DELETE ss :v', V(v=N('1')), None,
     UE + 'Incorrect operand type for operator or function; operator: DELETE, operand type: '
     'NUMBER, typeSet: ALLOWED_FOR_DELETE_OPERAND'),
    # undefined / unused
    ('SET #x = :v', V(v=N('1')), None,
     UE + 'An expression attribute name used in the document path is not defined; attribute '
     'name: #x'),
    ('SET a.#x = :v', V(v=N('1')), None,
     UE + 'An expression attribute name used in the document path is not defined; attribute '
     'name: #x'),
    ('SET a = :u', None, None,
     UE + 'An expression attribute value used in expression is not defined; attribute value: :u'),
    ('SET a = :v', V(v=N('1'), w=N('2')), None,
     'Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}'),
    ('SET a = :v', V(v=N('1')), {'#w': 'x'},
     'Value provided in ExpressionAttributeNames unused in expressions: keys: {#w}'),
    ('REMOVE a', V(v=N('1')), None,
     'Value provided in ExpressionAttributeValues unused in expressions: keys: {:v}'),
    ('REMOVE a', {}, None, 'ExpressionAttributeValues must not be empty'),
    ('REMOVE a', None, {}, 'ExpressionAttributeNames must not be empty'),
    ('REMOVE a', {'v': N('1')}, None,
     'ExpressionAttributeValues contains invalid key: Syntax error; key: "v"'),
    ('SET a = :v', {':v': N('1E+126')}, None,
     'ExpressionAttributeValues contains invalid value: Number overflow. Attempting to store a '
     'number with magnitude larger than supported range for key :v'),
    ('SET a = :v', {':v': {'NULL': False}}, None,
     'ExpressionAttributeValues contains invalid value: One or more parameter values were '
     'invalid: Null attribute value types must have the value of true for key :v'),
    ('SET a = :v', {':v': {'SS': ['a', 'a']}}, None,
     'ExpressionAttributeValues contains invalid value: One or more parameter values were '
     'invalid: Input collection [a, a] contains duplicates for key :v'),
    # overlapping and conflicting paths
    ('SET n = :v, n = :v', V(v=N('1')), None, UE + OVERLAP % ('[n]', '[n]')),
    ('SET a = :v, a.b = :v', V(v=N('1')), None, UE + OVERLAP % ('[a]', '[a, b]')),
    ('SET a.b = :v, a = :v', V(v=N('1')), None, UE + OVERLAP % ('[a, b]', '[a]')),
    ('SET l[0] = :v, l[0] = :v', V(v=N('1')), None, UE + OVERLAP % ('[l, [0]]', '[l, [0]]')),
    ('SET l[0] = :v REMOVE l[0]', V(v=N('1')), None, UE + OVERLAP % ('[l, [0]]', '[l, [0]]')),
    ('SET l[0] = :v REMOVE l', V(v=N('1')), None, UE + OVERLAP % ('[l, [0]]', '[l]')),
    ('SET m.a = :v REMOVE m', V(v=N('2')), None, UE + OVERLAP % ('[m, a]', '[m]')),
    ('SET a = :v REMOVE a', V(v=N('1')), None, UE + OVERLAP % ('[a]', '[a]')),
    ('SET a = :v ADD a :v', V(v=N('1')), None, UE + OVERLAP % ('[a]', '[a]')),
    ('SET a = :v DELETE a :w', V(v=N('1'), w={'SS': ['a']}), None,
     UE + OVERLAP % ('[a]', '[a]')),
    ('ADD a :v, a :v', V(v=N('1')), None, UE + OVERLAP % ('[a]', '[a]')),
    ('DELETE ss :v, ss :v', V(v={'SS': ['a']}), None, UE + OVERLAP % ('[ss]', '[ss]')),
    ('REMOVE a, a', None, None, UE + OVERLAP % ('[a]', '[a]')),
    ('REMOVE m.a, m', None, None, UE + OVERLAP % ('[m, a]', '[m]')),
    ('REMOVE m, m.a', None, None, UE + OVERLAP % ('[m]', '[m, a]')),
    ('SET m.a = :v, m.a.b = :v', V(v=N('1')), None, UE + OVERLAP % ('[m, a]', '[m, a, b]')),
    ('SET l[0].a = :v, l[0] = :v', V(v=N('1')), None,
     UE + OVERLAP % ('[l, [0], a]', '[l, [0]]')),
    ('SET #a = :v, a = :v', V(v=N('1')), {'#a': 'a'}, UE + OVERLAP % ('[a]', '[a]')),
    ('SET m[0] = :v, m.a = :v', V(v=N('1')), None, UE + CONFLICT % ('[m, [0]]', '[m, a]')),
    ('SET m.a = :v, m[0] = :v', V(v=N('1')), None, UE + CONFLICT % ('[m, a]', '[m, [0]]')),
    # key attributes
    ('SET id = :v', V(v=S('y')), None, KEY_UPDATE),
    ('REMOVE id', None, None, KEY_UPDATE),
    ('ADD id :v', V(v=N('1')), None, KEY_UPDATE),
    ('SET id.x = :v', V(v=N('1')), None, KEY_UPDATE),
    ('SET #k = :v', V(v=S('y')), {'#k': 'id'}, KEY_UPDATE),
    # paths against the stored item
    ('SET m.q.c = :v', V(v=N('2')), None, BAD_PATH),
    ('SET nope.child = :v', V(v=N('1')), None, BAD_PATH),
    ('SET s.x = :v', V(v=N('2')), None, BAD_PATH),
    ('SET s[0] = :v', V(v=N('2')), None, BAD_PATH),
    ('SET m[0] = :v', V(v=N('1')), None, BAD_PATH),
    ('SET zz[0] = :v', V(v=N('1')), None, BAD_PATH),
    ('SET m.a.#y = :v', V(v=N('1')), {'#y': 'name'}, BAD_PATH),
    ('REMOVE zz.y', None, None, BAD_PATH),
    ('REMOVE s.y', None, None, BAD_PATH),
    ('REMOVE s[0]', None, None, BAD_PATH),
    ('ADD m.q.z :v', V(v=N('3')), None, BAD_PATH),
    ('SET n = zz + :v', V(v=N('3')), None, NO_ATTR),
    ('SET l = list_append(zz, :v)', V(v={'L': [N('2')]}), None, NO_ATTR),
    ('SET x = m.zz', None, None, NO_ATTR),
    ('SET x = l[9]', None, None, NO_ATTR),
    # operand types known only from the item
    ('ADD s :v', V(v=N('1')), None, BAD_OPERAND),
    ('ADD l[0] :v', V(v=N('3')), None, BAD_OPERAND),
    ('ADD ss :v', V(v={'NS': ['1']}), None, BAD_OPERAND),
    ('ADD n :v', V(v={'NS': ['1']}), None, BAD_OPERAND),
    ('DELETE n :v', V(v={'NS': ['1']}), None, BAD_OPERAND),
    ('DELETE ss :v', V(v={'NS': ['1']}), None, BAD_OPERAND),
    ('SET n = s + :v', V(v=N('1')), None, BAD_OPERAND),
    ('SET x = list_append(s, :v)', V(v={'L': []}), None, BAD_OPERAND),
    ('SET x = list_append(:v, if_not_exists(n, :v))', V(v={'L': []}), None, BAD_OPERAND),
    ('SET a = list_append(if_not_exists(l, :v), :v)', V(v=N('1')), None,
     UE + 'Incorrect operand type for operator or function; operator or function: list_append, '
     'operand type: N'),
    # arithmetic results
    ('SET x = :v + :w', V(v=N('1'), w=N('0.00000000000000000000000000000000000001')), None,
     PRECISION),
    ('SET x = :v + :w', V(v=N('12345678901234567890123456789012345678'), w=N('0.5')), None,
     PRECISION),
    ('SET x = :v + :v', V(v=N('9.9999999999999999999999999999999999999E+125')), None, PRECISION),
    ('SET x = :v + :w', V(v=N('9E+125'), w=N('9E+125')), None, OVERFLOW),
    ('SET x = :v - :w', V(v=N('-9E+125'), w=N('9E+125')), None, OVERFLOW),
    ('SET x = :v - :w', V(v=N('2E-130'), w=N('1.5E-130')), None, UNDERFLOW),
    ('SET x = :v + :w', V(v=N('1E-130'), w=N('1')), None, PRECISION),
    ('ADD n :v', V(v=N('0.000000000000000000000000000000000000001')), None, PRECISION),
    ('ADD x :v', V(v=N('1E+126')), None,
     'ExpressionAttributeValues contains invalid value: Number overflow. Attempting to store a '
     'number with magnitude larger than supported range for key :v'),
]


# An exact duplicate path is reported with a "path two" that is not its twin: observed, rule
# unknown (the twin is reported when the duplicates end the list of a section in these cases).
DUPLICATE_REPORTS = [
    ('SET a = :v, a = :v, c = :v', '[a]', '[c]'),
    ('SET a = :v, c = :v, a = :v', '[a]', '[c]'),
    ('SET c = :v, a = :v, a = :v', '[a]', '[a]'),
    ('SET a = :v, b = :v, a = :v', '[a]', '[b]'),
    ('SET c = :v, a = :v, b = :v, a = :v', '[a]', '[b]'),
    ('SET a = :v, b = :v, c = :v, d = :v, a = :v', '[a]', '[d]'),
    ('SET d = :v, c = :v, b = :v, a = :v, a = :v', '[a]', '[a]'),
    ('SET a = :v, a = :v REMOVE b', '[a]', '[b]'),
    ('SET b = :v, a = :v REMOVE a', '[a]', '[a]'),
    ('SET a = :v REMOVE c, b, a', '[a]', '[c]'),
    ('SET a = :v, b = :v, c = :v REMOVE d, e, c', '[c]', '[e]'),
    ('SET a = :v, m.x = :v REMOVE m', '[m, x]', '[m]'),
    ('SET m.a = :v, x = :v, m = :v', '[m, a]', '[m]'),
    ('SET x = :v, m = :v, m.a = :v', '[m]', '[m, a]'),
]


@pytest.mark.parametrize('ue,one,two', DUPLICATE_REPORTS, ids=[d[0] for d in DUPLICATE_REPORTS])
def test_update_duplicate_path_report(raw, tbl, ue, one, two):
    key = fresh_key(raw, tbl)
    st, resp = update(raw, tbl, key, ue, V(v=N('1')))
    assert (st, resp['Message']) == (400, UE + OVERLAP % (one, two))


@pytest.mark.parametrize('ue,values,names,message', ERRORS,
                         ids=['%d:%s' % (i, e[0][:40]) for i, e in enumerate(ERRORS)])
def test_update_errors(raw, tbl, ue, values, names, message):
    key = fresh_key(raw, tbl)
    st, resp = update(raw, tbl, key, ue, values, names)
    assert (st, resp['__type'], resp['Message']) == (400, VALIDATION, message)
    assert get(raw, tbl, key) == dict(BASE, id=S(key))


# ---------------------------------------------------------------------------------------------
# check order across the update and the condition

ORDER = [
    # update syntax before condition syntax
    ('SET', 'n = = :v', V(v=N('1')), UE + 'Syntax error; token: "<EOF>", near: "SET"'),
    ('SET a = :v', 'n = = :v', V(v=N('1')), CE + 'Syntax error; token: "=", near: "= = :v"'),
    # placeholders before any syntax
    ('SET', 'n = = :v', {':v': N('1'), 'x': N('1')},
     'ExpressionAttributeValues contains invalid key: Syntax error; key: "x"'),
    # unused values are counted over both expressions
    ('SET a = :v', 'n = :w', V(v=N('1'), w=N('5')), 'ok'),
    ('SET a = :v', 'n = :w', V(v=N('1'), w=N('1'), x=N('1')),
     'Value provided in ExpressionAttributeValues unused in expressions: keys: {:x}'),
    # overlapping paths before the condition is evaluated and before key checks
    ('SET a = :v, a = :v REMOVE id', 'n = :w', V(v=N('1'), w=N('0')),
     UE + OVERLAP % ('[a]', '[id]')),
    # the condition is evaluated before the key-attribute check
    ('SET id = :v', 'n = :w', V(v=S('1'), w=N('0')), 'ccf'),
    ('SET id = :v', 'n = :w', V(v=S('1'), w=N('5')), KEY_UPDATE),
    # the condition is evaluated before the paths are applied to the item
    ('SET zz.y = :v', 'n = :w', V(v=N('1'), w=N('0')), 'ccf'),
    ('SET zz.y = :v', 'n = :w', V(v=N('1'), w=N('5')), BAD_PATH),
    ('ADD s :v', 'n = :w', V(v=N('1'), w=N('0')), 'ccf'),
    ('SET x = :v + :v', 'n = :w', V(v=N('9E+125'), w=N('0')), 'ccf'),
    # update-side operand errors before condition-side ones
    ('SET n = n + :s', 'begins_with(s, :n)', V(s=S('1'), n=N('1')),
     UE + 'Incorrect operand type for operator or function; operator or function: +, operand '
     'type: S'),
    ('SET x = :s', 'begins_with(s, :n) AND foo(n)', V(s=S('1'), n=N('1')),
     CE + 'Invalid function name; function: foo'),
]


@pytest.mark.parametrize('ue,ce,values,expected', ORDER,
                         ids=['%d:%s|%s' % (i, o[0], o[1]) for i, o in enumerate(ORDER)])
def test_order_update_checks(raw, tbl, ue, ce, values, expected):
    key = fresh_key(raw, tbl)
    st, resp = update(raw, tbl, key, ue, values, ConditionExpression=ce)
    if expected == 'ok':
        assert st == 200, resp
    elif expected == 'ccf':
        assert (st, resp['__type']) == (400, CCF)
    else:
        assert (st, resp['__type'], resp['Message']) == (400, VALIDATION, expected)


@pytest.mark.parametrize('length,expected', [
    (4096, None), (4097, UE + 'Expression size has exceeded the maximum allowed size;')])
def test_update_expression_length(raw, tbl, length, expected):
    key = fresh_key(raw, tbl)
    st, resp = update(raw, tbl, key, 'REMOVE zz' + ' ' * (length - 9))
    if expected is None:
        assert st == 200
    else:
        assert (st, resp['Message']) == (400, expected)


# ---------------------------------------------------------------------------------------------
# item size after the update

def test_item_size_after_update(raw, tbl):
    # id "big..." + p: the stored item is 409,600 - 9,593 - 1 bytes; adding q (1 + n) must fit
    key = unique('big')
    base = 2 + len(key) + 1 + 400000
    room = 409600 - base - 1
    st, _, body, _ = raw.call('PutItem', {'TableName': tbl,
                                          'Item': {'id': S(key), 'p': S('x' * 400000)}})
    assert st == 200
    st, resp = update(raw, tbl, key, 'SET q = :v', V(v=S('y' * (room + 1))))
    assert (st, resp['Message']) == (400, 'Item size to update has exceeded the maximum allowed '
                                     'size')
    st, resp = update(raw, tbl, key, 'SET q = :v', V(v=S('y' * room)))
    assert (st, resp) == (200, {})


def test_item_size_update_creating_item(raw, tbl):
    key = unique('big')
    st, resp = update(raw, tbl, key, 'SET q = :v, r = :v', V(v=S('y' * 300000)))
    assert (st, resp['Message']) == (400, 'Item size to update has exceeded the maximum allowed '
                                     'size')
    assert get(raw, tbl, key) is None


# ---------------------------------------------------------------------------------------------
# legacy AttributeUpdates

AU = [
    ({'n': {'Action': 'ADD', 'Value': N('1.5')}}, {'n': N('6.5')}),
    ({'x': {'Action': 'ADD', 'Value': N('1')}}, {'x': N('1')}),
    ({'ss': {'Action': 'ADD', 'Value': {'SS': ['c']}}}, {'ss': {'SS': ['a', 'b', 'c']}}),
    ({'l': {'Action': 'ADD', 'Value': {'L': [S('b')]}}}, {'l': {'L': BASE['l']['L'] + [S('b')]}}),
    ({'x': {'Action': 'ADD', 'Value': {'L': [S('b')]}}}, {'x': {'L': [S('b')]}}),
    ({'ss': {'Action': 'DELETE', 'Value': {'SS': ['a']}}}, {'ss': {'SS': ['b']}}),
    ({'ss': {'Action': 'DELETE', 'Value': {'SS': ['a', 'b']}}}, {}),
    ({'ss': {'Action': 'DELETE'}}, {}),
    ({'n': {'Action': 'DELETE'}}, {}),
    ({'x': {'Action': 'DELETE', 'Value': {'SS': ['a']}}}, {}),
    ({'n': {'Action': 'PUT', 'Value': N('1.50')}}, {'n': N('1.5')}),   # normalized, unlike SET
    ({'n': {'Value': N('7')}}, {'n': N('7')}),                         # PUT is the default
    ({}, {}),
    ({'s': {'Action': 'ADD', 'Value': S('x')}},
     'One or more parameter values were invalid: ADD action is not supported for the type '
     'STRING'),
    ({'n': {'Action': 'ADD', 'Value': S('x')}},
     'One or more parameter values were invalid: ADD action is not supported for the type '
     'STRING'),
    ({'n': {'Action': 'ADD'}},
     'One or more parameter values were invalid: Only DELETE action is allowed when no '
     'attribute value is specified'),
    ({'n': {'Action': 'PUT'}},
     'One or more parameter values were invalid: Only DELETE action is allowed when no '
     'attribute value is specified'),
    ({'n': {}},
     'One or more parameter values were invalid: Only DELETE action is allowed when no '
     'attribute value is specified'),
    ({'n': {'Action': 'DELETE', 'Value': N('1')}},
     'One or more parameter values were invalid: DELETE action with value is not supported for '
     'the type NUMBER'),
    ({'ss': {'Action': 'DELETE', 'Value': S('a')}},
     'One or more parameter values were invalid: DELETE action with value is not supported for '
     'the type STRING'),
    ({'ss': {'Action': 'DELETE', 'Value': {'NS': ['1']}}}, 'Type mismatch for attribute to update'),
    ({'n': {'Action': 'FOO', 'Value': N('7')}}, 'Member must satisfy enum value set: '
     '[ADD, DELETE, PUT]'),
    ({'id': {'Action': 'PUT', 'Value': S('x')}}, KEY_UPDATE),
    ({'id': {'Action': 'DELETE'}}, KEY_UPDATE),
    ({'n': {'Action': 'PUT', 'Value': N('x')}},
     'A value provided cannot be converted into a number'),
    ({'n': {'Action': 'PUT', 'Value': {}}},
     'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes'),
]


@pytest.mark.parametrize('upd,expected', AU, ids=[str(i) for i in range(len(AU))])
def test_attribute_updates(raw, tbl, upd, expected):
    key = fresh_key(raw, tbl)
    st, resp = update(raw, tbl, key, None, rv='ALL_NEW', AttributeUpdates=upd)
    if isinstance(expected, dict):
        new = dict(BASE, id=S(key))
        for k in upd:
            new.pop(k, None)
        new.update(expected)
        assert (st, resp) == (200, {'Attributes': new})
    else:
        assert (st, resp['Message']) == (400, expected)


def test_attribute_updates_with_expected(raw, tbl):
    key = fresh_key(raw, tbl)
    st, resp = update(raw, tbl, key, None, rv='UPDATED_OLD',
                      AttributeUpdates={'n': {'Action': 'PUT', 'Value': N('1')}},
                      Expected={'n': {'Value': N('6')}})
    assert (st, resp['__type']) == (400, CCF)
    st, resp = update(raw, tbl, key, None, rv='UPDATED_OLD',
                      AttributeUpdates={'n': {'Action': 'PUT', 'Value': N('1')}},
                      Expected={'n': {'Value': N('5')}})
    assert (st, resp) == (200, {'Attributes': {'n': N('5')}})


def test_attribute_updates_create_item(raw, tbl):
    key = unique('au')
    st, resp = update(raw, tbl, key, None, rv='ALL_OLD',
                      AttributeUpdates={'n': {'Action': 'PUT', 'Value': N('1')}})
    assert (st, resp) == (200, {})
    key = unique('au')
    st, resp = update(raw, tbl, key, None, rv='ALL_NEW',
                      AttributeUpdates={'n': {'Action': 'DELETE'}})
    assert (st, resp) == (200, {'Attributes': {'id': S(key)}})


UPD_MIX = [
    ({'AttributeUpdates': {'n': {'Value': N('1')}}, 'UpdateExpression': 'SET a = :v',
      'ExpressionAttributeValues': V(v=N('1'))}, MIX % ('AttributeUpdates', 'UpdateExpression')),
    ({'AttributeUpdates': {'n': {'Value': N('1')}}, 'ConditionExpression': 'attribute_exists(n)'},
     MIX % ('AttributeUpdates', 'ConditionExpression')),
    ({'Expected': {'n': {'Value': N('5')}}, 'UpdateExpression': 'SET a = :v',
      'ExpressionAttributeValues': V(v=N('1'))}, MIX % ('Expected', 'UpdateExpression')),
    ({'Expected': {'n': {'Value': N('5')}}, 'UpdateExpression': 'SET a = :v',
      'ExpressionAttributeValues': V(v=N('1')), 'ConditionExpression': 'attribute_exists(n)'},
     MIX % ('Expected', 'UpdateExpression, ConditionExpression')),
    ({'Expected': {'n': {'Value': N('5')}}, 'UpdateExpression': 'SET a = :v',
      'ExpressionAttributeValues': V(v=N('1')), 'ConditionExpression': 'attribute_exists(n)',
      'AttributeUpdates': {'n': {'Value': N('1')}}},
     MIX % ('AttributeUpdates, Expected', 'UpdateExpression, ConditionExpression')),
    ({'Expected': {'n': {'Value': N('5')}}, 'ConditionExpression': 'attribute_exists(n)',
      'AttributeUpdates': {'n': {'Value': N('1')}}},
     MIX % ('AttributeUpdates, Expected', 'ConditionExpression')),
    ({'ConditionalOperator': 'OR', 'ConditionExpression': 'attribute_exists(n)',
      'AttributeUpdates': {'n': {'Value': N('1')}}},
     MIX % ('AttributeUpdates, ConditionalOperator', 'ConditionExpression')),
    ({'ConditionalOperator': 'OR', 'UpdateExpression': 'SET a = :v',
      'ExpressionAttributeValues': V(v=N('1'))}, MIX % ('ConditionalOperator', 'UpdateExpression')),
    ({'AttributeUpdates': {'n': {'Value': N('1')}}, 'ExpressionAttributeNames': {'#a': 'n'}},
     'ExpressionAttributeNames can only be specified when using expressions'),
    ({'AttributeUpdates': {'n': {'Value': N('1')}}, 'ExpressionAttributeValues': V(a=N('1'))},
     'ExpressionAttributeValues can only be specified when using expressions: UpdateExpression '
     'and ConditionExpression are null'),
    ({'ExpressionAttributeValues': V(v=N('1'))},
     'ExpressionAttributeValues can only be specified when using expressions: UpdateExpression '
     'and ConditionExpression are null'),
    ({'ExpressionAttributeNames': {'#v': 'n'}},
     'ExpressionAttributeNames can only be specified when using expressions'),
    ({'ConditionalOperator': 'OR', 'AttributeUpdates': {'n': {'Value': N('1')}}},
     'ConditionalOperator cannot be used without Filter or Expected'),
    ({'UpdateExpression': 'REMOVE zz', 'ConditionExpression': ''},
     CE + 'The expression can not be empty;'),
]


@pytest.mark.parametrize('extra,message', UPD_MIX, ids=[str(i) for i in range(len(UPD_MIX))])
def test_update_mixing_and_placeholders(raw, tbl, extra, message):
    key = fresh_key(raw, tbl)
    st, resp = update(raw, tbl, key, None, **extra)
    assert (st, resp['Message']) == (400, message)
