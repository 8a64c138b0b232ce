"""Condition and projection expressions and the legacy Expected / AttributesToGet, black box.

Every expectation here was observed on DynamoDB Local 1.25.1 (the oracle); see
shared/reference/dynamodb-local.md §7.1 for the messages it states.  Exact texts are checked
through the `raw` fixture because boto3 validates some inputs before sending them.

Conditions are tried with `UpdateItem ... UpdateExpression: REMOVE zz` on one stored item, which
never changes the item, so one table serves every condition case.

Check order DynamoDB Local applies to an expression request (pinned by test_order_*):
  1. ExpressionAttributeNames empty, then ExpressionAttributeValues empty
  2. placeholder keys (`#name` / `:value` syntax), then each value's AttributeValue
     (also number range: "ExpressionAttributeValues contains invalid value: ... for key :v")
  3. expression empty / too long (4096 characters) / syntax error
  4. reserved words and unknown function names, whichever comes first in the text
  5. one walk in text order: undefined #names and :values, operand types, function arity,
     BETWEEN bounds, attribute_type names, IN with more than 100 operands, redundant parentheses
  6. unused names, then unused values (listed in java.util.HashMap order)
  7. evaluation: ConditionalCheckFailedException
"""
import os
import re

import pytest

VALIDATION = 'com.amazon.coral.validate#ValidationException'
CCF = 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException'
CCF_MSG = 'The conditional request failed'
CE = 'Invalid ConditionExpression: '
PE = 'Invalid ProjectionExpression: '
TYPES = '{N,BS,L,B,NULL,M,S,SS,NS,BOOL}'
MIX = ('Can not use both expression and non-expression parameters in the same request: '
       'Non-expression parameters: {%s} Expression parameters: {%s}')
OVERLAP = ('Two document paths overlap with each other; must remove or rewrite one of these '
           'paths; path one: %s, path two: %s')

_names = [0]


def unique(prefix):
    _names[0] += 1
    return '%s_%d_%d' % (prefix, os.getpid() % 100000, _names[0])


def N(x):
    return {'N': x}


def S(x):
    return {'S': x}


def B(x):
    return {'B': x}


ITEM = {
    'id': S('c'), 'n': N('5'), 's': S('hello'), 'u': S('h\u00e9llo'), 'b': B('AQID'),
    'hb': B('gA=='), 'ss': {'SS': ['a', 'b']}, 'ns': {'NS': ['1', '2', '3']},
    'bs': {'BS': ['AQ==']}, 'l': {'L': [S('x'), N('1'), {'M': {'k': S('v')}}]},
    'm': {'M': {'a': N('1'), 'b': {'M': {'c': S('deep')}}}}, 't': {'BOOL': True},
    'nul': {'NULL': True},
}


def create(raw, name):
    st, _, body, _ = raw.call('CreateTable', {
        'TableName': name, 'BillingMode': 'PAY_PER_REQUEST',
        'KeySchema': [{'AttributeName': 'id', 'KeyType': 'HASH'}],
        'AttributeDefinitions': [{'AttributeName': 'id', 'AttributeType': 'S'}]})
    assert st == 200, body
    return name


@pytest.fixture(scope='module')
def tbl(raw):
    name = create(raw, unique('ex'))
    st, _, body, _ = raw.call('PutItem', {'TableName': name, 'Item': ITEM})
    assert st == 200, body
    return name


def cond(raw, tbl, expr, values=None, names=None, **extra):
    body = {'TableName': tbl, 'Key': {'id': S('c')}, 'UpdateExpression': 'REMOVE zz',
            'ConditionExpression': expr}
    if values is not None:
        body['ExpressionAttributeValues'] = values
    if names is not None:
        body['ExpressionAttributeNames'] = names
    body.update(extra)
    st, _, resp, _ = raw.call('UpdateItem', body)
    return st, resp


def outcome(st, resp):
    """'ok', 'ccf' or the ValidationException message."""
    if st == 200:
        return 'ok'
    if resp.get('__type') == CCF:
        assert resp['Message'] == CCF_MSG
        return 'ccf'
    assert st == 400 and resp['__type'] == VALIDATION, resp
    return resp['Message']


def V(**kw):
    return {':' + k: v for k, v in kw.items()}


# ---------------------------------------------------------------------------------------------
# evaluation: (expression, ExpressionAttributeValues, expected 'ok' | 'ccf')

EVAL = [
    # comparisons on N, S, B
    ('n = :v', V(v=N('5')), 'ok'),
    ('n = :v', V(v=N('5.000')), 'ok'),
    ('n = :v', V(v=N('0.5E1')), 'ok'),
    ('n = :v', V(v=N('6')), 'ccf'),
    ('n <> :v', V(v=N('6')), 'ok'),
    ('n <> :v', V(v=N('5')), 'ccf'),
    ('n < :v', V(v=N('6')), 'ok'),
    ('n < :v', V(v=N('5')), 'ccf'),
    ('n <= :v', V(v=N('5')), 'ok'),
    ('n > :v', V(v=N('4.99999999999999999999999999999999999')), 'ok'),
    ('n >= :v', V(v=N('5')), 'ok'),
    ('n >= :v', V(v=N('5.0000001')), 'ccf'),
    ('n > :v', V(v=N('-1E+100')), 'ok'),
    ('s = :v', V(v=S('hello')), 'ok'),
    ('s > :v', V(v=S('B')), 'ok'),              # bytewise: 'h' > 'B'
    ('s < :v', V(v=S('\u00e9')), 'ok'),         # UTF-8 bytes: 0x68 < 0xc3
    ('s < :v', V(v=S('hello!')), 'ok'),
    ('s >= :v', V(v=S('hellp')), 'ccf'),
    ('b = :v', V(v=B('AQID')), 'ok'),
    ('hb > :v', V(v=B('fw==')), 'ok'),          # unsigned: 0x80 > 0x7f
    ('b < :v', V(v=B('AQIE')), 'ok'),
    ('b <= :v', V(v=B('AQI=')), 'ccf'),
    # type mismatch: = is false, <> is true, ordering is false
    ('n = :v', V(v=S('5')), 'ccf'),
    ('n <> :v', V(v=S('5')), 'ok'),
    ('n < :v', V(v=S('a')), 'ccf'),
    ('s < :v', V(v=N('1')), 'ccf'),
    # other types: equality only
    ('t = :v', V(v={'BOOL': True}), 'ok'),
    ('t = :v', V(v={'BOOL': False}), 'ccf'),
    ('nul = :v', V(v={'NULL': True}), 'ok'),
    ('nul <> :v', V(v={'NULL': True}), 'ccf'),
    ('l = :v', V(v={'L': [S('x'), N('1.0'), {'M': {'k': S('v')}}]}), 'ok'),
    ('l = :v', V(v={'L': [S('x')]}), 'ccf'),
    ('m = :v', V(v={'M': {'b': {'M': {'c': S('deep')}}, 'a': N('1')}}), 'ok'),
    ('ss = :v', V(v={'SS': ['b', 'a']}), 'ok'),
    ('ns = :v', V(v={'NS': ['3', '2.0', '1']}), 'ok'),
    # missing attributes
    ('zz = :v', V(v=N('1')), 'ccf'),
    ('zz <> :v', V(v=N('1')), 'ok'),
    ('zz < :v', V(v=N('1')), 'ccf'),
    ('NOT zz = :v', V(v=N('1')), 'ok'),
    # value on the left, path on the right, two values
    (':v = n', V(v=N('5')), 'ok'),
    (':v < n', V(v=N('4')), 'ok'),
    (':v = :v', V(v=N('4')), 'ok'),
    (':v BETWEEN :v AND :v', V(v=N('4')), 'ok'),
    # BETWEEN
    ('n BETWEEN :a AND :b', V(a=N('1'), b=N('9')), 'ok'),
    ('n BETWEEN :a AND :b', V(a=N('5'), b=N('5')), 'ok'),
    ('n BETWEEN :a AND :b', V(a=N('6'), b=N('9')), 'ccf'),
    ('n BETWEEN :a AND :b', V(a=S('5'), b=S('6')), 'ccf'),
    ('s BETWEEN :a AND :b', V(a=S('a'), b=S('i')), 'ok'),
    ('b BETWEEN :a AND :b', V(a=B('AQ=='), b=B('Ag==')), 'ok'),
    ('zz BETWEEN :a AND :b', V(a=N('1'), b=N('9')), 'ccf'),
    # IN
    ('n IN (:a)', V(a=N('5')), 'ok'),
    ('n IN (:a, :b)', V(a=N('1'), b=N('5')), 'ok'),
    ('n IN (:a, :b)', V(a=N('1'), b=N('2')), 'ccf'),
    ('n IN (:a)', V(a=S('5')), 'ccf'),
    ('s IN (:a, :b)', V(a=S('x'), b=S('hello')), 'ok'),
    ('l[0] IN (:a)', V(a=S('x')), 'ok'),
    # keywords are case-insensitive, function names are not (see ERRORS)
    ('n = :v and s = :w', V(v=N('5'), w=S('hello')), 'ok'),
    ('n between :v and :v', V(v=N('5')), 'ok'),
    ('not n in (:v)', V(v=N('4')), 'ok'),
    ('n = :v Or s = :v', V(v=N('5')), 'ok'),
    # precedence: NOT > AND > OR; parentheses
    ('attribute_exists(n) OR attribute_exists(zz) AND attribute_exists(zz)', None, 'ok'),
    ('(attribute_exists(n) OR attribute_exists(zz)) AND attribute_exists(zz)', None, 'ccf'),
    ('attribute_exists(zz) AND attribute_exists(zz) OR attribute_exists(n)', None, 'ok'),
    ('NOT attribute_exists(n) OR attribute_exists(s)', None, 'ok'),
    ('NOT (attribute_exists(n) OR attribute_exists(s))', None, 'ccf'),
    ('NOT attribute_exists(zz) AND attribute_exists(n)', None, 'ok'),
    ('NOT NOT attribute_exists(n)', None, 'ok'),
    ('(attribute_exists(n))', None, 'ok'),
    ('(NOT attribute_exists(n))', None, 'ccf'),
    ('n = :a OR s = :b AND t = :c', V(a=N('0'), b=S('hello'), c={'BOOL': False}), 'ccf'),
    ('n = :a AND s = :b OR t = :c', V(a=N('0'), b=S('x'), c={'BOOL': True}), 'ok'),
    ('n BETWEEN :a AND :b AND :c = t', V(a=N('0'), b=N('9'), c={'BOOL': True}), 'ok'),
    ('(n) = :v', V(v=N('5')), 'ok'),
    ('n = (:v)', V(v=N('5')), 'ok'),
    ('n IN ((:v))', V(v=N('5')), 'ok'),
    # attribute_exists / attribute_not_exists with nested paths and list indexes
    ('attribute_exists(n)', None, 'ok'),
    ('attribute_exists(zz)', None, 'ccf'),
    ('attribute_not_exists(zz)', None, 'ok'),
    ('attribute_not_exists(n)', None, 'ccf'),
    ('attribute_exists(m.b.c)', None, 'ok'),
    ('attribute_exists(m.a.b)', None, 'ccf'),
    ('attribute_exists(m.zz)', None, 'ccf'),
    ('attribute_exists(l[0])', None, 'ok'),
    ('attribute_exists(l[2].k)', None, 'ok'),
    ('attribute_not_exists(l[5])', None, 'ok'),
    ('attribute_exists(s[0])', None, 'ccf'),
    ('attribute_exists(l.k)', None, 'ccf'),
    ('attribute_exists(id)', None, 'ok'),
    ('m.b.c = :v', V(v=S('deep')), 'ok'),
    ('l[1] = :v', V(v=N('1')), 'ok'),
    ('l[2].k = :v', V(v=S('v')), 'ok'),
    ('l[0] = :v', V(v=N('1')), 'ccf'),
    # begins_with
    ('begins_with(s, :p)', V(p=S('he')), 'ok'),
    ('begins_with(s, :p)', V(p=S('hello')), 'ok'),
    ('begins_with(s, :p)', V(p=S('')), 'ok'),
    ('begins_with(s, :p)', V(p=S('el')), 'ccf'),
    ('begins_with(b, :p)', V(p=B('AQI=')), 'ok'),
    ('begins_with(hb, :p)', V(p=B('gA==')), 'ok'),
    ('begins_with(:p, s)', V(p=S('h')), 'ccf'),
    ('begins_with(ss, :p)', V(p=S('a')), 'ccf'),
    ('begins_with(n, :p)', V(p=S('5')), 'ccf'),
    ('begins_with(zz, :p)', V(p=S('a')), 'ccf'),
    ('begins_with(m.b.c, :p)', V(p=S('de')), 'ok'),
    # contains: substring, set member, list element
    ('contains(s, :p)', V(p=S('ell')), 'ok'),
    ('contains(s, :p)', V(p=S('xyz')), 'ccf'),
    ('contains(s, :p)', V(p=N('1')), 'ccf'),
    ('contains(:p, s)', V(p=S('hello')), 'ok'),
    ('contains(b, :p)', V(p=B('Ag==')), 'ok'),
    ('contains(ss, :p)', V(p=S('a')), 'ok'),
    ('contains(ss, :p)', V(p=S('c')), 'ccf'),
    ('contains(ss, :p)', V(p={'SS': ['a']}), 'ccf'),
    ('contains(ns, :p)', V(p=N('1.0')), 'ok'),
    ('contains(bs, :p)', V(p=B('AQ==')), 'ok'),
    ('contains(l, :p)', V(p=S('x')), 'ok'),
    ('contains(l, :p)', V(p=N('1')), 'ok'),
    ('contains(l, :p)', V(p={'M': {'k': S('v')}}), 'ok'),
    ('contains(l, :p)', V(p=S('y')), 'ccf'),
    ('contains(n, :p)', V(p=N('5')), 'ccf'),
    ('contains(zz, :p)', V(p=N('5')), 'ccf'),
    # size of every type (string size in characters: 'h\u00e9llo' is 5)
    ('size(s) = :k', V(k=N('5')), 'ok'),
    ('size(u) = :k', V(k=N('5')), 'ok'),
    ('size(b) = :k', V(k=N('3')), 'ok'),
    ('size(ss) = :k', V(k=N('2')), 'ok'),
    ('size(ns) = :k', V(k=N('3')), 'ok'),
    ('size(bs) = :k', V(k=N('1')), 'ok'),
    ('size(l) = :k', V(k=N('3')), 'ok'),
    ('size(m) = :k', V(k=N('2')), 'ok'),
    ('size(m.b) = :k', V(k=N('1')), 'ok'),
    ('size(n) > :k', V(k=N('-1')), 'ccf'),
    ('size(t) > :k', V(k=N('-1')), 'ccf'),
    ('size(nul) > :k', V(k=N('-1')), 'ccf'),
    ('size(zz) > :k', V(k=N('-1')), 'ccf'),
    ('NOT size(zz) = :k', V(k=N('1')), 'ok'),
    ('size(:k) = :one', V(k=S('N'), one=N('1')), 'ok'),
    ('n = size(s)', None, 'ok'),
    ('size(s) IN (n)', None, 'ok'),
    ('size(s) BETWEEN :a AND :b', V(a=N('5'), b=N('5')), 'ok'),
    ('size((n)) = :k', V(k=N('1')), 'ccf'),
    # placeholders
    ('#a = :v', V(v=N('5')), 'ok'),
    ('#m.#b.#c = :v', V(v=S('deep')), 'ok'),
    ('#dot = :v', V(v=N('1')), 'ccf'),                 # "m.a" is one name, not a path
    ('attribute_exists(#dot)', None, 'ccf'),
    ('#l[2].#k = :v', V(v=S('v')), 'ok'),
    ('#st = :v', V(v=N('5')), 'ccf'),                  # a reserved word through a name
    ('s = :e', V(e=S('')), 'ccf'),                     # an empty string value is accepted
    ('n = :v\n', V(v=N('5')), 'ok'),
    ('  n\t=\r\n:v  ', V(v=N('5')), 'ok'),
]

NAMES_FOR = {'#a': 'n', '#m': 'm', '#b': 'b', '#c': 'c', '#dot': 'm.a', '#l': 'l', '#k': 'k',
             '#st': 'status'}


def names_used(expr):
    """The #names of NAMES_FOR that expr uses, or None."""
    return {k: v for k, v in NAMES_FOR.items()
            if re.search(re.escape(k) + r'(?![A-Za-z0-9_])', expr)} or None


@pytest.mark.parametrize('expr,values,expected', EVAL, ids=[e[0] for e in EVAL])
def test_condition_eval(raw, tbl, expr, values, expected):
    st, resp = cond(raw, tbl, expr, values, names_used(expr))
    assert outcome(st, resp) == expected


ATTR_TYPES = ['S', 'N', 'B', 'SS', 'NS', 'BS', 'L', 'M', 'BOOL', 'NULL']
ATTR_OF = {'S': 's', 'N': 'n', 'B': 'b', 'SS': 'ss', 'NS': 'ns', 'BS': 'bs', 'L': 'l', 'M': 'm',
           'BOOL': 't', 'NULL': 'nul'}


@pytest.mark.parametrize('attr_type', ATTR_TYPES)
def test_attribute_type_every_type(raw, tbl, attr_type):
    """attribute_type(path, :t) holds for exactly the stored type, for each of the ten names."""
    path = ATTR_OF[attr_type]
    for t in ATTR_TYPES:
        st, resp = cond(raw, tbl, 'attribute_type(%s, :t)' % path, V(t=S(t)))
        assert outcome(st, resp) == ('ok' if t == attr_type else 'ccf'), (path, t)


def test_attribute_type_missing_attribute(raw, tbl):
    st, resp = cond(raw, tbl, 'attribute_type(zz, :t)', V(t=S('S')))
    assert outcome(st, resp) == 'ccf'
    st, resp = cond(raw, tbl, 'NOT attribute_type(zz, :t)', V(t=S('S')))
    assert outcome(st, resp) == 'ok'


# ---------------------------------------------------------------------------------------------
# errors: (expression, values, names, expected message)

ERRORS = [
    # empty and syntax errors: token and near text (previous token .. next token)
    ('', None, None, CE + 'The expression can not be empty;'),
    (' ', None, None, CE + 'Syntax error; token: "<EOF>", near: " "'),
    ('n = ', V(v=N('1')), None, None),  # filled below: unused checked after syntax
    ('n =', None, None, CE + 'Syntax error; token: "<EOF>", near: "="'),
    ('n', None, None, CE + 'Syntax error; token: "<EOF>", near: "n"'),
    (':v', V(v=N('1')), None, CE + 'Syntax error; token: "<EOF>", near: ":v"'),
    ('(n = :v', V(v=N('1')), None, CE + 'Syntax error; token: "<EOF>", near: ":v"'),
    ('n = :v)', V(v=N('1')), None, CE + 'Syntax error; token: ")", near: ":v)"'),
    ('n = :v AND', V(v=N('1')), None, CE + 'Syntax error; token: "<EOF>", near: "AND"'),
    ('n = :v OR', V(v=N('1')), None, CE + 'Syntax error; token: "<EOF>", near: "OR"'),
    ('AND n = :v', V(v=N('1')), None, CE + 'Syntax error; token: "AND", near: "AND n"'),
    ('NOT', None, None, CE + 'Syntax error; token: "<EOF>", near: "NOT"'),
    ('n $ :v', V(v=N('1')), None, CE + 'Syntax error; token: "$", near: "n $ :v"'),
    ('n = :v ;', V(v=N('1')), None, CE + 'Syntax error; token: ";", near: ":v ;"'),
    ('n = "a"', None, None, CE + 'Syntax error; token: """, near: "= "a"'),
    ("n = 'a'", None, None, CE + 'Syntax error; token: "\'", near: "= \'a"'),
    ('n = 5', None, None, CE + 'Syntax error; token: "5", near: "= 5"'),
    ('n == :v', V(v=N('1')), None, CE + 'Syntax error; token: "=", near: "== :v"'),
    ('n != :v', V(v=N('1')), None, CE + 'Syntax error; token: "!", near: "n !="'),
    ('n = = :v', V(v=N('1')), None, CE + 'Syntax error; token: "=", near: "= = :v"'),
    ('n <> :v <> :v', V(v=N('1')), None, CE + 'Syntax error; token: "<>", near: ":v <> :v"'),
    ('n < :v < :v', V(v=N('1')), None, CE + 'Syntax error; token: "<", near: ":v < :v"'),
    ('n = :v n = :v', V(v=N('1')), None, CE + 'Syntax error; token: "n", near: ":v n ="'),
    ('n = :v XOR s = :v', V(v=N('1')), None, CE + 'Syntax error; token: "XOR", near: ":v XOR s"'),
    ('n = :v AND (n = :v OR)', V(v=N('1')), None, CE + 'Syntax error; token: ")", near: "OR)"'),
    ('n + :v = :v', V(v=N('1')), None, CE + 'Syntax error; token: "+", near: "n + :v"'),
    ('n BETWEEN :v', V(v=N('1')), None, CE + 'Syntax error; token: "<EOF>", near: ":v"'),
    ('n BETWEEN :v AND', V(v=N('1')), None, CE + 'Syntax error; token: "<EOF>", near: "AND"'),
    ('n BETWEEN :v AND :v AND :v', V(v=N('1')), None,
     CE + 'Syntax error; token: "<EOF>", near: ":v"'),
    ('n IN ()', None, None, CE + 'Syntax error; token: ")", near: "()"'),
    ('n IN :v', V(v=N('1')), None, CE + 'Syntax error; token: ":v", near: "IN :v"'),
    ('n IN (:v,)', V(v=N('1')), None, CE + 'Syntax error; token: ")", near: ",)"'),
    ('size(n', None, None, CE + 'Syntax error; token: "<EOF>", near: "n"'),
    ('size()', None, None, CE + 'Syntax error; token: ")", near: "()"'),
    ('attribute_exists()', None, None, CE + 'Syntax error; token: ")", near: "()"'),
    ('()', None, None, CE + 'Syntax error; token: ")", near: "()"'),
    ('n.', None, None, CE + 'Syntax error; token: "<EOF>", near: "."'),
    ('n[', None, None, CE + 'Syntax error; token: "<EOF>", near: "["'),
    ('n[a] = :v', V(v=N('1')), None, CE + 'Syntax error; token: "a", near: "[a]"'),
    ('n[-1] = :v', V(v=N('1')), None, CE + 'Syntax error; token: "-", near: "[-1"'),
    ('n[1.5] = :v', V(v=N('1')), None, CE + 'Syntax error; token: ".", near: "1.5"'),
    ('m.* = :v', V(v=N('1')), None, CE + 'Syntax error; token: "*", near: ".* ="'),
    ('#', None, None, CE + 'Syntax error; token: "#", near: "#"'),
    (':', None, None, CE + 'Syntax error; token: ":", near: ":"'),
    ('name = = :v', V(v=N('1')), None, CE + 'Syntax error; token: "=", near: "= = :v"'),
    ('n = :v AND #q = :v ) ', V(v=N('1')), None, CE + 'Syntax error; token: ")", near: ":v ) "'),
    # redundant parentheses
    ('((attribute_exists(n)))', None, None, CE + 'The expression has redundant parentheses;'),
    ('((n = :v))', V(v=N('1')), None, CE + 'The expression has redundant parentheses;'),
    ('((n)) = :v', V(v=N('1')), None, CE + 'The expression has redundant parentheses;'),
    ('(n = :v) AND ((n = :v))', V(v=N('1')), None, CE + 'The expression has redundant parentheses;'),
    # reserved words (checked on path elements, not through #names)
    ('name = :v', V(v=N('1')), None,
     CE + 'Attribute name is a reserved keyword; reserved keyword: name'),
    ('status = :v', V(v=N('1')), None,
     CE + 'Attribute name is a reserved keyword; reserved keyword: status'),
    ('attribute_exists(m.new)', None, None,
     CE + 'Attribute name is a reserved keyword; reserved keyword: new'),
    ('attribute_exists(Date)', None, None,
     CE + 'Attribute name is a reserved keyword; reserved keyword: Date'),
    ('attribute_exists(l[0].COUNT)', None, None,
     CE + 'Attribute name is a reserved keyword; reserved keyword: COUNT'),
    ('attribute_exists(user)', None, None,
     CE + 'Attribute name is a reserved keyword; reserved keyword: user'),
    ('attribute_exists(data)', None, None,
     CE + 'Attribute name is a reserved keyword; reserved keyword: data'),
    ('attribute_exists(#s)', None, {'#s': 'status'}, 'ccf'),
    # functions
    ('foo(n)', None, None, CE + 'Invalid function name; function: foo'),
    ('foo(n) = :v', V(v=N('1')), None, CE + 'Invalid function name; function: foo'),
    ('SIZE(s) > :v', V(v=N('1')), None, CE + 'Invalid function name; function: SIZE'),
    ('Attribute_Exists(n)', None, None, CE + 'Invalid function name; function: Attribute_Exists'),
    ('list_append(l, l) = :v', V(v=N('1')), None,
     CE + 'The function is not allowed in a condition expression; function: list_append'),
    ('if_not_exists(n, :v) = :v', V(v=N('1')), None,
     CE + 'The function is not allowed in a condition expression; function: if_not_exists'),
    ('size(s)', None, None,
     CE + 'The function is not allowed to be used this way in an expression; function: size'),
    ('attribute_exists(n) = :v', V(v=N('1')), None,
     CE + 'The function is not allowed to be used this way in an expression; function: '
     'attribute_exists'),
    ('begins_with(s, :v) = :v', V(v=S('h')), None,
     CE + 'The function is not allowed to be used this way in an expression; function: '
     'begins_with'),
    ('attribute_exists(n, s)', None, None,
     CE + 'Incorrect number of operands for operator or function; operator or function: '
     'attribute_exists, number of operands: 2'),
    ('attribute_not_exists(n, s)', None, None,
     CE + 'Incorrect number of operands for operator or function; operator or function: '
     'attribute_not_exists, number of operands: 2'),
    ('begins_with(s)', None, None,
     CE + 'Incorrect number of operands for operator or function; operator or function: '
     'begins_with, number of operands: 1'),
    ('contains(s)', None, None,
     CE + 'Incorrect number of operands for operator or function; operator or function: '
     'contains, number of operands: 1'),
    ('contains(s, s, s)', None, None,
     CE + 'Incorrect number of operands for operator or function; operator or function: '
     'contains, number of operands: 3'),
    ('attribute_type(n)', None, None,
     CE + 'Incorrect number of operands for operator or function; operator or function: '
     'attribute_type, number of operands: 1'),
    ('size(s, s) = :v', V(v=N('1')), None,
     CE + 'Incorrect number of operands for operator or function; operator or function: '
     'size, number of operands: 2'),
    ('attribute_exists(:v)', V(v=S('N')), None,
     CE + 'Operator or function requires a document path; operator or function: '
     'attribute_exists'),
    ('attribute_not_exists(:v)', V(v=S('N')), None,
     CE + 'Operator or function requires a document path; operator or function: '
     'attribute_not_exists'),
    ('attribute_type(:v, :v)', V(v=S('N')), None, 'ccf'),
    ('attribute_type(n, n)', None, None,
     CE + 'The first operand must be distinct from the remaining operands for this operator or '
     'function; operator: attribute_type, first operand: [n]'),
    # operand types
    ('begins_with(s, :v)', V(v=N('1')), None,
     CE + 'Incorrect operand type for operator or function; operator or function: begins_with, '
     'operand type: N'),
    ('size(size(s)) > :v', V(v=N('1')), None,
     CE + 'Incorrect operand type for operator or function; operator or function: size, '
     'operand type: N'),
    ('t < :v', V(v={'BOOL': True}), None,
     CE + 'Incorrect operand type for operator or function; operator or function: <, '
     'operand type: BOOL'),
    ('ss < :v', V(v={'SS': ['b']}), None,
     CE + 'Incorrect operand type for operator or function; operator or function: <, '
     'operand type: SS'),
    ('l < :v', V(v={'L': [N('2')]}), None,
     CE + 'Incorrect operand type for operator or function; operator or function: <, '
     'operand type: L'),
    # attribute_type names
    ('attribute_type(n, :t)', V(t=S('FOO')), None,
     CE + 'Invalid attribute type name found; type: FOO, valid types: ' + TYPES),
    ('attribute_type(n, :t)', V(t=S('n')), None,
     CE + 'Invalid attribute type name found; type: n, valid types: ' + TYPES),
    ('attribute_type(n, :t)', V(t=S('bool')), None,
     CE + 'Invalid attribute type name found; type: bool, valid types: ' + TYPES),
    ('attribute_type(n, :t)', V(t=S('')), None,
     CE + 'Invalid attribute type name found; type: , valid types: ' + TYPES),
    ('attribute_type(n, :t)', V(t=N('1')), None,
     CE + 'Incorrect operand type for operator or function; operator or function: '
     'attribute_type, operand type: N'),
    ('attribute_type(n, :t)', V(t={'SS': ['N']}), None,
     CE + 'Incorrect operand type for operator or function; operator or function: '
     'attribute_type, operand type: SS'),
    # BETWEEN bounds
    ('n BETWEEN :a AND :b', V(a=N('9'), b=N('1')), None,
     CE + 'The BETWEEN operator requires upper bound to be greater than or equal to lower '
     'bound; lower bound operand: AttributeValue: {N:9}, upper bound operand: '
     'AttributeValue: {N:1}'),
    ('n BETWEEN :a AND :b', V(a=S('b'), b=S('a')), None,
     CE + 'The BETWEEN operator requires upper bound to be greater than or equal to lower '
     'bound; lower bound operand: AttributeValue: {S:b}, upper bound operand: '
     'AttributeValue: {S:a}'),
    ('n BETWEEN :a AND :b', V(a=S('9'), b=N('1')), None,
     CE + 'The BETWEEN operator requires same data type for lower and upper bounds; lower '
     'bound operand: AttributeValue: {S:9}, upper bound operand: AttributeValue: {N:1}'),
    # undefined names and values
    ('n = :u', None, None,
     CE + 'An expression attribute value used in expression is not defined; attribute value: :u'),
    ('n = :1', V(v=N('1')), None,
     CE + 'An expression attribute value used in expression is not defined; attribute value: :1'),
    ('#1 = :v', V(v=N('1')), None,
     CE + 'An expression attribute name used in the document path is not defined; attribute '
     'name: #1'),
    ('attribute_exists(m.#x)', None, None,
     CE + 'An expression attribute name used in the document path is not defined; attribute '
     'name: #x'),
    # unused
    ('n = :v', V(v=N('1'), w=N('2')), None,
     'Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}'),
    ('attribute_exists(n)', None, {'#n': 'n'},
     'Value provided in ExpressionAttributeNames unused in expressions: keys: {#n}'),
    ('n = :v', V(v=N('1'), a=N('1'), b=N('1'), c=N('1')), None,
     'Value provided in ExpressionAttributeValues unused in expressions: keys: {:a, :b, :c}'),
    ('n = :v', V(v=N('1')), {'#b': 'x', '#a': 'y', '#c': 'z'},
     'Value provided in ExpressionAttributeNames unused in expressions: keys: {#c, #a, #b}'),
    ('n = :v', V(v=N('1'), w=N('1')), {'#c': 'z'},
     'Value provided in ExpressionAttributeNames unused in expressions: keys: {#c}'),
    # placeholder maps
    ('n = :v', V(v=N('1')), {},
     'ExpressionAttributeNames must not be empty'),
    ('attribute_exists(n)', {}, None, 'ExpressionAttributeValues must not be empty'),
    ('attribute_exists(n)', {}, {}, 'ExpressionAttributeNames must not be empty'),
    ('n = = :v', {}, {}, 'ExpressionAttributeNames must not be empty'),
    ('n = :v', V(v=N('1')), {'n': 'n'},
     'ExpressionAttributeNames contains invalid key: Syntax error; key: "n"'),
    ('n = = :v', V(v=N('1')), {'a': 'b'},
     'ExpressionAttributeNames contains invalid key: Syntax error; key: "a"'),
    ('n = :v', V(v=N('1')), {'#': 'x'},
     'ExpressionAttributeNames contains invalid key: Syntax error; key: "#"'),
    ('n = :v', V(v=N('1')), {'#a b': 'x'},
     'ExpressionAttributeNames contains invalid key: Syntax error; key: "#a b"'),
    ('n = :v', V(v=N('1')), {'#a-b': 'x'},
     'ExpressionAttributeNames contains invalid key: Syntax error; key: "#a-b"'),
    ('n = :v', V(v=N('1')), {'##a': 'x'},
     'ExpressionAttributeNames contains invalid key: Syntax error; key: "##a"'),
    ('n = :v', V(v=N('1')), {'#\u00e9': 'x'},
     'ExpressionAttributeNames contains invalid key: Syntax error; key: "#\u00e9"'),
    ('n = :v', V(v=N('1')), {':a': 'x'},
     'ExpressionAttributeNames contains invalid key: Syntax error; key: ":a"'),
    ('n = :v', V(v=N('1')), {'#a_b': 'x'},
     'Value provided in ExpressionAttributeNames unused in expressions: keys: {#a_b}'),
    ('n = :v', V(v=N('1')), {'#a': ''},
     'ExpressionAttributeNames contains invalid value: Empty attribute name for key #a'),
    ('n = :v', {':v': N('1'), 'v': N('1')}, None,
     'ExpressionAttributeValues contains invalid key: Syntax error; key: "v"'),
    ('n = :v', {':v': N('1'), ':': N('1')}, None,
     'ExpressionAttributeValues contains invalid key: Syntax error; key: ":"'),
    ('n = :v', {':v': N('1'), ':a:b': N('1')}, None,
     'ExpressionAttributeValues contains invalid key: Syntax error; key: ":a:b"'),
    ('n = :v', {':v': N('1'), '::a': N('1')}, None,
     'ExpressionAttributeValues contains invalid key: Syntax error; key: "::a"'),
    ('n = :v', {':v': N('1'), ':a.b': N('1')}, None,
     'ExpressionAttributeValues contains invalid key: Syntax error; key: ":a.b"'),
    ('n = :v', {':v': N('1'), '#a': N('1')}, None,
     'ExpressionAttributeValues contains invalid key: Syntax error; key: "#a"'),
    ('n = :v', {':v': N('1'), 'a': N('1')}, {'a': 'x'},
     'ExpressionAttributeNames contains invalid key: Syntax error; key: "a"'),
    # invalid AttributeValues in ExpressionAttributeValues
    ('n = :v', {':v': {'S': 'x', 'N': '1'}}, None,
     'ExpressionAttributeValues contains invalid value: Supplied AttributeValue has more than '
     'one datatypes set, must contain exactly one of the supported datatypes for key :v'),
    ('n = :v', {':v': {}}, None,
     'ExpressionAttributeValues contains invalid value: Supplied AttributeValue is empty, must '
     'contain exactly one of the supported datatypes for key :v'),
    ('n = :v', {':v': N('abc')}, None,
     'ExpressionAttributeValues contains invalid value: A value provided cannot be converted '
     'into a number for key :v'),
    ('n = :v', {':v': {'SS': []}}, None,
     'ExpressionAttributeValues contains invalid value: One or more parameter values were '
     'invalid: An string set  may not be empty for key :v'),
    ('n = :v', {':v': N('1E+126')}, None,
     'ExpressionAttributeValues contains invalid value: Number overflow. Attempting to store a '
     'number with magnitude larger than supported range for key :v'),
    ('n = :v', {':v': N('1E-131')}, None,
     'ExpressionAttributeValues contains invalid value: Number underflow. Attempting to store a '
     'number with magnitude smaller than supported range for key :v'),
    ('n = :v', {':v': N('1.00000000000000000000000000000000000001')}, None,
     'ExpressionAttributeValues contains invalid value: DynamoDB only supports precision up to '
     '38 digits for key :v'),
    ('n = = :v', {':v': {'S': 'x', 'N': '1'}}, None,
     'ExpressionAttributeValues contains invalid value: Supplied AttributeValue has more than '
     'one datatypes set, must contain exactly one of the supported datatypes for key :v'),
]
ERRORS[2] = ('n = ', V(v=N('1')), None, CE + 'Syntax error; token: "<EOF>", near: "= "')


@pytest.mark.parametrize('expr,values,names,expected', ERRORS,
                         ids=['%d:%s' % (i, e[0]) for i, e in enumerate(ERRORS)])
def test_condition_errors(raw, tbl, expr, values, names, expected):
    st, resp = cond(raw, tbl, expr, values, names)
    assert outcome(st, resp) == expected


# ---------------------------------------------------------------------------------------------
# check order (see the module docstring)

ORDER = [
    # reserved word and unknown function: the first in the text wins
    ('name = :q AND foo(n)', V(q=S('x')), None,
     CE + 'Attribute name is a reserved keyword; reserved keyword: name'),
    ('foo(:u) AND name = :q', V(q=S('x')), None, CE + 'Invalid function name; function: foo'),
    # reserved words before undefined names and values, wherever they are
    ('#u = :u AND :q = name', V(q=S('x')), None,
     CE + 'Attribute name is a reserved keyword; reserved keyword: name'),
    ('attribute_type(n, :q) AND name = :q', V(q=S('x')), None,
     CE + 'Attribute name is a reserved keyword; reserved keyword: name'),
    # undefined names and values: the first in the text wins
    (':u = :q AND #u = :q', V(q=S('x')), None,
     CE + 'An expression attribute value used in expression is not defined; attribute value: :u'),
    ('#u = :q AND :u = :q', V(q=S('x')), None,
     CE + 'An expression attribute name used in the document path is not defined; attribute '
     'name: #u'),
    # semantic checks are made in the same walk as undefined names
    ('n BETWEEN :a AND :b AND #x = :a', V(a=N('9'), b=N('1')), None,
     CE + 'The BETWEEN operator requires upper bound to be greater than or equal to lower '
     'bound; lower bound operand: AttributeValue: {N:9}, upper bound operand: '
     'AttributeValue: {N:1}'),
    ('#x = :a AND n BETWEEN :a AND :b', V(a=N('9'), b=N('1')), None,
     CE + 'An expression attribute name used in the document path is not defined; attribute '
     'name: #x'),
    ('begins_with(s, :a) AND attribute_exists(:a)', V(a=N('9')), None,
     CE + 'Incorrect operand type for operator or function; operator or function: begins_with, '
     'operand type: N'),
    ('attribute_exists(:a) AND begins_with(s, :a)', V(a=N('9')), None,
     CE + 'Operator or function requires a document path; operator or function: '
     'attribute_exists'),
    # semantic errors before unused names/values; unused names before unused values
    ('n BETWEEN :a AND :b', V(a=N('9'), b=N('1'), c=S('x')), {'#z': 'z'},
     CE + 'The BETWEEN operator requires upper bound to be greater than or equal to lower '
     'bound; lower bound operand: AttributeValue: {N:9}, upper bound operand: '
     'AttributeValue: {N:1}'),
    ('n = :q', V(q=S('x'), r=S('x')), {'#c': 'd'},
     'Value provided in ExpressionAttributeNames unused in expressions: keys: {#c}'),
    # syntax before everything in the expression
    ('name = = :v', V(v=N('1')), {'#z': 'z'}, CE + 'Syntax error; token: "=", near: "= = :v"'),
    # placeholder map checks before syntax
    ('n = = :v', {':v': N('1'), 'bad': N('1')}, None,
     'ExpressionAttributeValues contains invalid key: Syntax error; key: "bad"'),
    ('', {':v': N('1'), 'bad': N('1')}, None,
     'ExpressionAttributeValues contains invalid key: Syntax error; key: "bad"'),
    # the expression size before its syntax
    ('n = = :v' + ' ' * 4096, V(v=N('1')), None,
     CE + 'Expression size has exceeded the maximum allowed size; expression size: 4104'),
]


@pytest.mark.parametrize('expr,values,names,expected', ORDER,
                         ids=['%d:%s' % (i, e[0][:40]) for i, e in enumerate(ORDER)])
def test_order_condition_checks(raw, tbl, expr, values, names, expected):
    st, resp = cond(raw, tbl, expr, values, names)
    assert outcome(st, resp) == expected


# ---------------------------------------------------------------------------------------------
# limits

@pytest.mark.parametrize('count,expected', [
    (100, 'ok'),
    (101, CE + 'The IN operator is provided with too many operands; number of operands: 101'),
])
def test_in_operand_limit(raw, tbl, count, expected):
    values = {':v%d' % i: N(str(i)) for i in range(count)}
    expr = 'n IN (' + ', '.join(values) + ')'
    assert outcome(*cond(raw, tbl, expr, values)) == expected


@pytest.mark.parametrize('length,expected', [
    (4096, 'ok'),
    (4097, CE + 'Expression size has exceeded the maximum allowed size; expression size: 4097'),
    (8192, CE + 'Expression size has exceeded the maximum allowed size; expression size: 8192'),
])
def test_condition_expression_length(raw, tbl, length, expected):
    base = 'attribute_exists(n)'
    assert outcome(*cond(raw, tbl, base + ' ' * (length - len(base)))) == expected


def test_condition_long_attribute_name_is_fine(raw, tbl):
    expr = 'attribute_exists(' + 'a' * 4000 + ')'
    assert outcome(*cond(raw, tbl, expr)) == 'ccf'


# ---------------------------------------------------------------------------------------------
# ConditionExpression on PutItem and DeleteItem, ReturnValuesOnConditionCheckFailure

@pytest.fixture
def fresh(raw):
    name = create(raw, unique('exf'))
    item = {'id': S('k'), 'n': N('5'), 'ss': {'SS': ['a', 'b']}, 'l': {'L': [S('a')]},
            'nul': {'NULL': True}, 'm': {'M': {'x': N('1.50')}}}
    st, _, body, _ = raw.call('PutItem', {'TableName': name, 'Item': item})
    assert st == 200, body
    return name, item


def get(raw, tbl, key='k'):
    st, _, body, _ = raw.call('GetItem', {'TableName': tbl, 'Key': {'id': S(key)}})
    assert st == 200
    return body.get('Item')


def test_put_condition_passes_and_replaces(raw, fresh):
    tbl, item = fresh
    st, _, body, _ = raw.call('PutItem', {
        'TableName': tbl, 'Item': {'id': S('k'), 'z': N('1')},
        'ConditionExpression': 'n = :v AND contains(ss, :a)',
        'ExpressionAttributeValues': {':v': N('5'), ':a': S('a')}, 'ReturnValues': 'ALL_OLD'})
    assert (st, body) == (200, {'Attributes': item})
    assert get(raw, tbl) == {'id': S('k'), 'z': N('1')}


def test_put_condition_fails_without_item(raw, fresh):
    tbl, item = fresh
    st, _, body, _ = raw.call('PutItem', {
        'TableName': tbl, 'Item': {'id': S('k')}, 'ConditionExpression': 'attribute_not_exists(id)'})
    assert (st, body) == (400, {'__type': CCF, 'Message': CCF_MSG})
    assert get(raw, tbl) == item


@pytest.mark.parametrize('op', ['PutItem', 'DeleteItem', 'UpdateItem'])
def test_condition_failed_returns_all_old(raw, fresh, op):
    tbl, item = fresh
    body = {'TableName': tbl, 'ConditionExpression': 'n = :v',
            'ExpressionAttributeValues': {':v': N('4')},
            'ReturnValuesOnConditionCheckFailure': 'ALL_OLD'}
    if op == 'PutItem':
        body['Item'] = {'id': S('k')}
    else:
        body['Key'] = {'id': S('k')}
    if op == 'UpdateItem':
        body['UpdateExpression'] = 'REMOVE n'
    st, _, resp, _ = raw.call(op, body)
    assert (st, resp) == (400, {'__type': CCF, 'Message': CCF_MSG, 'Item': item})
    assert get(raw, tbl) == item


@pytest.mark.parametrize('op', ['PutItem', 'DeleteItem', 'UpdateItem'])
def test_condition_failed_none_has_no_item(raw, fresh, op):
    tbl, _ = fresh
    body = {'TableName': tbl, 'ConditionExpression': 'attribute_not_exists(n)',
            'ReturnValuesOnConditionCheckFailure': 'NONE'}
    if op == 'PutItem':
        body['Item'] = {'id': S('k')}
    else:
        body['Key'] = {'id': S('k')}
    if op == 'UpdateItem':
        body['UpdateExpression'] = 'REMOVE n'
    st, _, resp, _ = raw.call(op, body)
    assert (st, resp) == (400, {'__type': CCF, 'Message': CCF_MSG})


@pytest.mark.parametrize('op', ['PutItem', 'DeleteItem', 'UpdateItem'])
def test_condition_failed_all_old_on_missing_item_has_no_item(raw, fresh, op):
    tbl, _ = fresh
    body = {'TableName': tbl, 'ConditionExpression': 'attribute_exists(n)',
            'ReturnValuesOnConditionCheckFailure': 'ALL_OLD'}
    if op == 'PutItem':
        body['Item'] = {'id': S('nope')}
    else:
        body['Key'] = {'id': S('nope')}
    if op == 'UpdateItem':
        body['UpdateExpression'] = 'REMOVE n'
    st, _, resp, _ = raw.call(op, body)
    assert (st, resp) == (400, {'__type': CCF, 'Message': CCF_MSG})
    assert get(raw, tbl, 'nope') is None


def test_condition_failed_all_old_with_legacy_expected(raw, fresh):
    tbl, item = fresh
    st, _, resp, _ = raw.call('PutItem', {
        'TableName': tbl, 'Item': {'id': S('k')}, 'Expected': {'n': {'Value': N('4')}},
        'ReturnValuesOnConditionCheckFailure': 'ALL_OLD'})
    assert (st, resp) == (400, {'__type': CCF, 'Message': CCF_MSG, 'Item': item})


@pytest.mark.parametrize('value', ['ALL_NEW', 'BAD', 'all_old', 'UPDATED_OLD'])
def test_return_values_on_condition_check_failure_enum(raw, fresh, value):
    tbl, _ = fresh
    st, _, resp, _ = raw.call('PutItem', {
        'TableName': tbl, 'Item': {'id': S('k')}, 'ConditionExpression': 'attribute_exists(n)',
        'ReturnValuesOnConditionCheckFailure': value})
    assert (st, resp['Message']) == (400, "1 validation error detected: Value '%s' at "
                                     "'returnValuesOnConditionCheckFailure' failed to satisfy "
                                     "constraint: Member must satisfy enum value set: "
                                     "[ALL_OLD, NONE]" % value)


def test_delete_condition_passes(raw, fresh):
    tbl, item = fresh
    st, _, resp, _ = raw.call('DeleteItem', {
        'TableName': tbl, 'Key': {'id': S('k')}, 'ConditionExpression': 'm.x = :v',
        'ExpressionAttributeValues': {':v': N('1.5')}, 'ReturnValues': 'ALL_OLD'})
    assert (st, resp) == (200, {'Attributes': item})
    assert get(raw, tbl) is None


def test_delete_condition_on_missing_item(raw, fresh):
    tbl, _ = fresh
    st, _, resp, _ = raw.call('DeleteItem', {
        'TableName': tbl, 'Key': {'id': S('nope')}, 'ConditionExpression': 'attribute_exists(id)'})
    assert (st, resp['__type']) == (400, CCF)
    st, _, resp, _ = raw.call('DeleteItem', {
        'TableName': tbl, 'Key': {'id': S('nope')},
        'ConditionExpression': 'attribute_not_exists(id)'})
    # DynamoDB Local reports consumed capacity, unasked, when DeleteItem finds no item
    assert (st, resp) == (200, {'ConsumedCapacity': {'TableName': tbl, 'CapacityUnits': 1.0}})


def test_delete_condition_errors_are_condition_expression(raw, fresh):
    tbl, _ = fresh
    st, _, resp, _ = raw.call('DeleteItem', {
        'TableName': tbl, 'Key': {'id': S('k')}, 'ConditionExpression': 'n = = :v',
        'ExpressionAttributeValues': {':v': N('1')}})
    assert resp['Message'] == CE + 'Syntax error; token: "=", near: "= = :v"'


def test_put_condition_error_before_item_validation(raw, fresh):
    """An unused value is reported even though the Item lacks the key."""
    tbl, _ = fresh
    st, _, resp, _ = raw.call('PutItem', {
        'TableName': tbl, 'Item': {'id': S('k')}, 'ConditionExpression': 'attribute_exists(n)',
        'ExpressionAttributeValues': {':v': N('1')}})
    assert resp['Message'] == ('Value provided in ExpressionAttributeValues unused in '
                               'expressions: keys: {:v}')


@pytest.mark.parametrize('op', ['PutItem', 'DeleteItem'])
@pytest.mark.parametrize('member,message', [
    ('ExpressionAttributeNames', 'ExpressionAttributeNames can only be specified when using '
     'expressions'),
    ('ExpressionAttributeValues', 'ExpressionAttributeValues can only be specified when using '
     'expressions: ConditionExpression is null'),
])
def test_placeholders_without_expression(raw, fresh, op, member, message):
    tbl, _ = fresh
    body = {'TableName': tbl,
            member: {'#a': 'n'} if member == 'ExpressionAttributeNames' else {':a': N('1')}}
    if op == 'PutItem':
        body['Item'] = {'id': S('k')}
    else:
        body['Key'] = {'id': S('k')}
    st, _, resp, _ = raw.call(op, body)
    assert (st, resp['Message']) == (400, message)


# ---------------------------------------------------------------------------------------------
# legacy Expected and ConditionalOperator

EXP_ITEM = {'id': S('e'), 'n': N('5'), 's': S('hello'), 'ss': {'SS': ['a', 'b']},
            'l': {'L': [S('a')]}, 'nul': {'NULL': True}}


def A(op, *vals):
    return {'ComparisonOperator': op, 'AttributeValueList': list(vals)}


EXPECTED = [
    ({'n': {'Value': N('5')}}, 'ok'),
    ({'n': {'Value': N('6')}}, 'ccf'),
    ({'n': {'Exists': True, 'Value': N('5')}}, 'ok'),
    ({'n': {'Exists': False}}, 'ccf'),
    ({'zz': {'Exists': False}}, 'ok'),
    ({'n': A('EQ', N('5'))}, 'ok'),
    ({'n': A('EQ', S('5'))}, 'ccf'),
    ({'n': A('NE', N('5'))}, 'ccf'),
    ({'zz': A('NE', N('5'))}, 'ok'),
    ({'n': A('LT', N('6'))}, 'ok'),
    ({'n': A('LE', N('5'))}, 'ok'),
    ({'n': A('GT', N('4'))}, 'ok'),
    ({'n': A('GE', N('6'))}, 'ccf'),
    ({'n': A('NOT_NULL')}, 'ok'),
    ({'zz': A('NULL')}, 'ok'),
    ({'n': A('NULL')}, 'ccf'),
    ({'nul': A('NOT_NULL')}, 'ok'),
    ({'s': A('CONTAINS', S('ell'))}, 'ok'),
    ({'s': A('NOT_CONTAINS', S('ell'))}, 'ccf'),
    ({'ss': A('CONTAINS', S('a'))}, 'ok'),
    ({'l': A('CONTAINS', S('a'))}, 'ok'),
    ({'s': A('BEGINS_WITH', S('he'))}, 'ok'),
    ({'n': A('IN', N('1'), N('5'))}, 'ok'),
    ({'n': A('IN', N('1'), N('2'))}, 'ccf'),
    ({'n': A('BETWEEN', N('1'), N('5'))}, 'ok'),
    ({'n': A('EQ', {'SS': ['a']})}, 'ccf'),
    ({'n': A('EQ', {'L': []})}, 'ccf'),
    ({'n': {'Value': N('5')}, 's': {'Value': S('x')}}, 'ccf'),
    ({'n': {'Exists': True}},
     'One or more parameter values were invalid: Value must be provided when Exists is true '
     'for Attribute: n'),
    ({'n': {'Exists': False, 'Value': N('5')}},
     'One or more parameter values were invalid: Value cannot be used when Exists is false for '
     'Attribute: n'),
    ({'n': {}},
     'One or more parameter values were invalid: Value must be provided when Exists is null '
     'for Attribute: n'),
    ({'n': A('BETWEEN', N('6'), N('1'))},
     'The BETWEEN condition was provided a range where the lower bound is greater than the '
     'upper bound'),
    ({'n': A('EQ')},
     'One or more parameter values were invalid: Invalid number of argument(s) for the EQ '
     'ComparisonOperator'),
    ({'n': A('EQ', N('1'), N('2'))},
     'One or more parameter values were invalid: Invalid number of argument(s) for the EQ '
     'ComparisonOperator'),
    ({'n': A('NULL', N('1'))},
     'One or more parameter values were invalid: Invalid number of argument(s) for the NULL '
     'ComparisonOperator'),
    ({'n': A('BETWEEN', N('1'))},
     'One or more parameter values were invalid: Invalid number of argument(s) for the BETWEEN '
     'ComparisonOperator'),
    ({'n': A('IN')},
     'One or more parameter values were invalid: Invalid number of argument(s) for the IN '
     'ComparisonOperator'),
    ({'n': A('FOO', N('1'))}, 'Comparison type does not exist in DynamoDB'),
    ({'n': A('LT', {'SS': ['a']})},
     'One or more parameter values were invalid: ComparisonOperator LT is not valid for SS '
     'AttributeValue type'),
    ({'n': A('LT', {'L': []})},
     'One or more parameter values were invalid: ComparisonOperator LT is not valid for L '
     'AttributeValue type'),
    ({'n': A('BEGINS_WITH', N('1'))},
     'One or more parameter values were invalid: ComparisonOperator BEGINS_WITH is not valid '
     'for N AttributeValue type'),
    ({'n': A('CONTAINS', {'SS': ['a']})},
     'One or more parameter values were invalid: ComparisonOperator CONTAINS is not valid for '
     'SS AttributeValue type'),
    ({'n': A('IN', {'SS': ['a']})},
     'One or more parameter values were invalid: ComparisonOperator IN is not valid for SS '
     'AttributeValue type'),
    ({'n': dict(A('EQ', N('5')), Value=N('5'))},
     'One or more parameter values were invalid: Value and AttributeValueList cannot be used '
     'together for Attribute: n'),
    ({'n': dict(A('EQ', N('5')), Exists=True)},
     'One or more parameter values were invalid: Exists and ComparisonOperator cannot be used '
     'together for Attribute: n'),
    ({'n': {'ComparisonOperator': 'EQ'}},
     'One or more parameter values were invalid: Value or AttributeValueList must be used with '
     'ComparisonOperator: EQ for Attribute: n'),
    ({'n': {'AttributeValueList': [N('5')]}},
     'One or more parameter values were invalid: AttributeValueList can only be used with a '
     'ComparisonOperator for Attribute: n'),
    ({'n': A('BETWEEN', S('a'), N('1'))},
     'One or more parameter values were invalid: AttributeValues inside AttributeValueList '
     'must be of same type'),
    ({'n': A('EQ', N('x'))}, 'A value provided cannot be converted into a number'),
]


@pytest.fixture(scope='module')
def exptbl(raw):
    return create(raw, unique('exp'))


def put_expected(raw, tbl, expected, **extra):
    st, _, body, _ = raw.call('PutItem', {'TableName': tbl, 'Item': EXP_ITEM})
    assert st == 200
    body = {'TableName': tbl, 'Item': EXP_ITEM, 'Expected': expected}
    body.update(extra)
    st, _, resp, _ = raw.call('PutItem', body)
    return st, resp


@pytest.mark.parametrize('expected,result', EXPECTED, ids=[str(i) for i in range(len(EXPECTED))])
def test_legacy_expected(raw, exptbl, expected, result):
    assert outcome(*put_expected(raw, exptbl, expected)) == result


@pytest.mark.parametrize('op,result', [('AND', 'ccf'), ('OR', 'ok')])
def test_legacy_conditional_operator(raw, exptbl, op, result):
    exp = {'n': {'Value': N('5')}, 'zz': {'Exists': True, 'Value': N('1')}}
    assert outcome(*put_expected(raw, exptbl, exp, ConditionalOperator=op)) == result


def test_legacy_expected_empty_map_is_no_condition(raw, exptbl):
    assert outcome(*put_expected(raw, exptbl, {})) == 'ok'


def test_legacy_conditional_operator_without_expected(raw, exptbl):
    assert outcome(*put_expected(raw, exptbl, {}, ConditionalOperator='OR')) == \
        'ConditionalOperator cannot be used without Filter or Expected'


MIXES = [
    ({'Expected': {'n': {'Exists': False}}, 'ConditionExpression': 'attribute_exists(n)'},
     MIX % ('Expected', 'ConditionExpression')),
    ({'ConditionalOperator': 'OR', 'ConditionExpression': 'attribute_exists(n)'},
     MIX % ('ConditionalOperator', 'ConditionExpression')),
    ({'Expected': {'n': {'Exists': False}}, 'ConditionalOperator': 'OR',
      'ConditionExpression': 'attribute_exists(n)'},
     MIX % ('Expected, ConditionalOperator', 'ConditionExpression')),
    ({'Expected': {'n': {'Exists': False}}, 'ExpressionAttributeNames': {'#a': 'n'}},
     'ExpressionAttributeNames can only be specified when using expressions'),
    ({'Expected': {'n': {'Exists': False}}, 'ExpressionAttributeValues': {':a': N('1')}},
     'ExpressionAttributeValues can only be specified when using expressions: '
     'ConditionExpression is null'),
    ({'Expected': {'n': {'Exists': False}}, 'ExpressionAttributeValues': {':a': N('1')},
      'ExpressionAttributeNames': {'#a': 'n'}},
     'ExpressionAttributeNames can only be specified when using expressions'),
]


@pytest.mark.parametrize('extra,message', MIXES, ids=[str(i) for i in range(len(MIXES))])
def test_put_mixing_expression_and_legacy(raw, exptbl, extra, message):
    body = {'TableName': exptbl, 'Item': EXP_ITEM}
    body.update(extra)
    st, _, resp, _ = raw.call('PutItem', body)
    assert (st, resp['Message']) == (400, message)


def test_delete_mixing_expression_and_legacy(raw, exptbl):
    st, _, resp, _ = raw.call('DeleteItem', {
        'TableName': exptbl, 'Key': {'id': S('e')}, 'ConditionExpression': 'attribute_exists(n)',
        'Expected': {'n': {'Value': N('5')}}, 'ConditionalOperator': 'OR'})
    assert resp['Message'] == MIX % ('Expected, ConditionalOperator', 'ConditionExpression')


def test_delete_legacy_expected(raw, exptbl):
    raw.call('PutItem', {'TableName': exptbl, 'Item': EXP_ITEM})
    st, _, resp, _ = raw.call('DeleteItem', {
        'TableName': exptbl, 'Key': {'id': S('e')}, 'Expected': {'n': A('GT', N('5'))}})
    assert resp['__type'] == CCF
    st, _, resp, _ = raw.call('DeleteItem', {
        'TableName': exptbl, 'Key': {'id': S('e')}, 'Expected': {'n': A('GE', N('5'))},
        'ReturnValues': 'ALL_OLD'})
    assert (st, resp) == (200, {'Attributes': EXP_ITEM})


# ---------------------------------------------------------------------------------------------
# ProjectionExpression and AttributesToGet on GetItem

P_ITEM = {'id': S('p'), 'a': N('1'), 'b': S('x'),
          'm': {'M': {'x': N('1'), 'y': {'M': {'z': S('deep')}}, 'w': {'L': [N('7'), N('8')]}}},
          'l': {'L': [S('a'), {'M': {'k': S('v'), 'j': S('u')}}, S('c')]},
          'ss': {'SS': ['a', 'b']}}


@pytest.fixture(scope='module')
def ptbl(raw):
    name = create(raw, unique('pe'))
    st, _, body, _ = raw.call('PutItem', {'TableName': name, 'Item': P_ITEM})
    assert st == 200, body
    return name


PROJECTIONS = [
    ('a', None, {'a': N('1')}),
    ('a, b', None, {'a': N('1'), 'b': S('x')}),
    ('id', None, {'id': S('p')}),
    ('m.x', None, {'m': {'M': {'x': N('1')}}}),
    ('m.y.z', None, {'m': {'M': {'y': {'M': {'z': S('deep')}}}}}),
    ('m.w[1]', None, {'m': {'M': {'w': {'L': [N('8')]}}}}),
    ('l[1].k', None, {'l': {'L': [{'M': {'k': S('v')}}]}}),
    ('l[1]', None, {'l': {'L': [{'M': {'k': S('v'), 'j': S('u')}}]}}),
    ('l[0], l[2]', None, {'l': {'L': [S('a'), S('c')]}}),
    ('l[2], l[0]', None, {'l': {'L': [S('a'), S('c')]}}),   # list order kept, not request order
    ('l[1].k, l[1].j, l[0]', None, {'l': {'L': [S('a'), {'M': {'j': S('u'), 'k': S('v')}}]}}),
    ('l[1].nope, l[0]', None, {'l': {'L': [S('a')]}}),
    ('m.w[0], m.y', None, {'m': {'M': {'y': {'M': {'z': S('deep')}}, 'w': {'L': [N('7')]}}}}),
    ('m.y.z, m.x, l[1].j', None, {'m': {'M': {'x': N('1'), 'y': {'M': {'z': S('deep')}}}},
                                  'l': {'L': [{'M': {'j': S('u')}}]}}),
    ('nope', None, {}),
    ('m.nope', None, {}),
    ('m.y.q', None, {}),
    ('l[9]', None, {}),
    ('a[0]', None, {}),
    ('b.c', None, {}),
    ('ss[0]', None, {}),
    ('nope, a', None, {'a': N('1')}),
    ('#n', {'#n': 'm'}, {'m': P_ITEM['m']}),
    ('#n.x', {'#n': 'm'}, {'m': {'M': {'x': N('1')}}}),
    ('#n.#n', {'#n': 'm'}, {}),
    ('#d', {'#d': 'm.x'}, {}),
    ('#s', {'#s': 'ss'}, {'ss': {'SS': ['a', 'b']}}),
]


@pytest.mark.parametrize('pe,names,item', PROJECTIONS, ids=[p[0] for p in PROJECTIONS])
def test_projection(raw, ptbl, pe, names, item):
    body = {'TableName': ptbl, 'Key': {'id': S('p')}, 'ProjectionExpression': pe}
    if names:
        body['ExpressionAttributeNames'] = names
    st, _, resp, _ = raw.call('GetItem', body)
    assert (st, resp) == (200, {'Item': item})


PROJECTION_ERRORS = [
    ('', None, PE + 'The expression can not be empty;'),
    (' ', None, PE + 'Syntax error; token: "<EOF>", near: " "'),
    ('a,', None, PE + 'Syntax error; token: "<EOF>", near: ","'),
    ('a b', None, PE + 'Syntax error; token: "b", near: "a b"'),
    ('a = :v', None, PE + 'Syntax error; token: "=", near: "a = :v"'),
    ('size(a)', None, PE + 'Syntax error; token: "(", near: "size(a"'),
    ('m.*', None, PE + 'Syntax error; token: "*", near: ".*"'),
    ('a,,b', None, PE + 'Syntax error; token: ",", near: ",,b"'),
    ('name', None, PE + 'Attribute name is a reserved keyword; reserved keyword: name'),
    ('a, m.name', None, PE + 'Attribute name is a reserved keyword; reserved keyword: name'),
    ('#x', None, PE + 'An expression attribute name used in the document path is not defined; '
     'attribute name: #x'),
    ('a', {'#n': 'm'}, 'Value provided in ExpressionAttributeNames unused in expressions: keys: '
     '{#n}'),
    ('a', {}, 'ExpressionAttributeNames must not be empty'),
    ('m, m.x', None, PE + OVERLAP % ('[m]', '[m, x]')),
    ('m.x, m', None, PE + OVERLAP % ('[m, x]', '[m]')),
    ('a, a', None, PE + OVERLAP % ('[a]', '[a]')),
    ('m.x, m.x', None, PE + OVERLAP % ('[m, x]', '[m, x]')),
    ('l[1], l[1].k', None, PE + OVERLAP % ('[l, [1]]', '[l, [1], k]')),
    ('#a, a', {'#a': 'a'}, PE + OVERLAP % ('[a]', '[a]')),
    ('a' + ' ' * 4096, None, PE + 'Expression size has exceeded the maximum allowed size;'),
]


@pytest.mark.parametrize('pe,names,message', PROJECTION_ERRORS,
                         ids=['%d:%s' % (i, p[0][:20]) for i, p in enumerate(PROJECTION_ERRORS)])
def test_projection_errors(raw, ptbl, pe, names, message):
    body = {'TableName': ptbl, 'Key': {'id': S('p')}, 'ProjectionExpression': pe}
    if names is not None:
        body['ExpressionAttributeNames'] = names
    st, _, resp, _ = raw.call('GetItem', body)
    assert (st, resp['__type'], resp['Message']) == (400, VALIDATION, message)


def test_projection_length_limit_exact(raw, ptbl):
    st, _, resp, _ = raw.call('GetItem', {'TableName': ptbl, 'Key': {'id': S('p')},
                                          'ProjectionExpression': 'a' + ' ' * 4095})
    assert (st, resp) == (200, {'Item': {'a': N('1')}})


def test_projection_ignores_expression_attribute_values(raw, ptbl):
    """GetItem has no ExpressionAttributeValues member: it is ignored, not reported unused."""
    st, _, resp, _ = raw.call('GetItem', {'TableName': ptbl, 'Key': {'id': S('p')},
                                          'ProjectionExpression': 'a',
                                          'ExpressionAttributeValues': {':v': N('1')}})
    assert (st, resp) == (200, {'Item': {'a': N('1')}})


def test_projection_of_missing_item(raw, ptbl):
    st, _, resp, _ = raw.call('GetItem', {'TableName': ptbl, 'Key': {'id': S('zz')},
                                          'ProjectionExpression': 'a'})
    assert (st, resp) == (200, {})


def test_projection_with_boto3(ddb, ptbl):
    r = ddb.get_item(TableName=ptbl, Key={'id': S('p')}, ProjectionExpression='#m.y, l[0]',
                     ExpressionAttributeNames={'#m': 'm'})
    assert r['Item'] == {'m': {'M': {'y': {'M': {'z': S('deep')}}}}, 'l': {'L': [S('a')]}}


ATG = [
    (['a', 'm', 'nope'], None, {'Item': {'a': N('1'), 'm': P_ITEM['m']}}),
    (['m.x'], None, {'Item': {}}),
    (['a', 'a'], None, 'Cannot have two attributes with the same name'),
    ([], None, 'AttributesToGet cannot be empty'),
    (['a'], {'ProjectionExpression': 'a'},
     MIX % ('AttributesToGet', 'ProjectionExpression')),
    (['a'], {'ExpressionAttributeNames': {'#a': 'a'}},
     'ExpressionAttributeNames can only be specified when using expressions'),
]


@pytest.mark.parametrize('atg,extra,expected', ATG, ids=[str(i) for i in range(len(ATG))])
def test_attributes_to_get(raw, ptbl, atg, extra, expected):
    body = {'TableName': ptbl, 'Key': {'id': S('p')}, 'AttributesToGet': atg}
    body.update(extra or {})
    st, _, resp, _ = raw.call('GetItem', body)
    if isinstance(expected, dict):
        assert (st, resp) == (200, expected)
    else:
        assert (st, resp['Message']) == (400, expected)
