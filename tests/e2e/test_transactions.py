"""TransactWriteItems and TransactGetItems, black box: limits, cancellation, idempotency,
validation, capacity, indexes.

Every expectation here was observed on DynamoDB Local 1.25.1 (the oracle); see
shared/reference/dynamodb-local.md §7.2 and §13. Observed rules pinned below (several are not in
the reference):
  - A ConditionCheck's failure reason says "The conditional request failed." (with a period,
    also with ReturnValuesOnConditionCheckFailure ALL_OLD); a Put/Update/Delete condition's
    reason says "The conditional request failed" (no period).
  - Key errors of an action (type mismatch) and an update of a key attribute are cancellation
    reasons {"Code":"ValidationError"}; other validation errors (expressions, empty key strings,
    missing key attributes, item size, empty sets, tables) are plain ValidationExceptions.
  - "multiple operations on one item" is reported only when no condition failed: two failing
    ConditionChecks on one item are a cancellation; and it wins over key type errors.
  - The 4 MB limit is on the sum of the Put items' sizes (§10.8): "Transaction payload size
    cannot exceed 4MB. Payload Size: N".
  - ClientRequestToken: a replay is 200 and not re-applied (ReturnConsumedCapacity may differ);
    a cancelled transaction does not record its token; more than 36 characters is rejected.
  - TransactGetItems: key errors -> TransactionCanceledException without CancellationReasons
    (§7.2 quirk 1); empty or missing TransactItems -> "Value null at 'transactItems' ...".
  - ReturnValues and an unknown ReturnValuesOnConditionCheckFailure inside an action are
    accepted and ignored; ReturnItemCollectionMetrics returns nothing.
  - ConsumedCapacity per table is the sum of the DISTINCT per-action capacities (two puts of
    small items: 4.0, not 8.0), with WriteCapacityUnits/ReadCapacityUnits members.
"""
import os
import time

import pytest
from botocore.exceptions import ClientError


VALIDATION = 'com.amazon.coral.validate#ValidationException'
NOT_FOUND = 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException'
CANCELED = 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException'
MISMATCH = 'com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException'

MSG_BAD_NAME = ("Invalid table/index name.  Table/index names must be between 3 and 255 "
                "characters long, and may contain only the characters a-z, A-Z, 0-9, '_', '-', "
                "and '.'")
MSG_NO_TABLE = 'Cannot do operations on a non-existent table'
MSG_KEY_COUNT = 'The number of conditions on the keys is invalid'
MSG_NULL_KEY = 'Cannot have null key for GetItem, DeleteItem, or UpdateItem'
MSG_MISSING_KEY = 'One of the required keys was not given a value'
MSG_KEY_TYPE = 'One or more parameter values were invalid: Type mismatch for key'
MSG_TOO_BIG = 'Item size has exceeded the maximum allowed size'
MSG_SAME_ITEM = 'Transaction request cannot include multiple operations on one item'
MSG_TWO_OPS = 'TransactItems can only contain one of Check, Put, Update or Delete'
MSG_NO_OP = 'Invalid Request: TransactWriteRequest should contain Delete or Put or Update request'
MSG_TOO_MANY = 'Member must have length less than or equal to 100'
MSG_EMPTY = ("Value [] at 'transactItems' failed to satisfy constraint: Member must have length "
             "greater than or equal to 1")
MSG_NULL_ITEMS = "Value null at 'transactItems' failed to satisfy constraint: Member must not be null"
MSG_EMPTY_SS = 'One or more parameter values were invalid: An string set  may not be empty'
MSG_INDEX_TYPE = 'One or more parameter values were invalid: Type mismatch for Index Key'
CCF_CHECK = {'Code': 'ConditionalCheckFailed', 'Message': 'The conditional request failed.'}
CCF_WRITE = {'Code': 'ConditionalCheckFailed', 'Message': 'The conditional request failed'}
NONE = {'Code': 'None'}
MB4 = 4 * 1024 * 1024


def empty_key_msg(name):
    return ('One or more parameter values are not valid. The AttributeValue for a key attribute '
            'cannot contain an empty string value. Key: %s' % name)


def cancel_msg(codes):
    return ('Transaction cancelled, please refer cancellation reasons for specific reasons [%s]'
            % ', '.join(codes))


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


def ok(raw, op, body):
    status, _, parsed, payload = raw.call(op, body)
    assert status == 200, (status, parsed)
    return parsed, payload


def fail(raw, op, body):
    status, _, parsed, _ = raw.call(op, body)
    assert status == 400, (status, parsed)
    return parsed


def err(raw, op, body):
    parsed = fail(raw, op, body)
    assert set(parsed) == {'__type', 'Message'}, parsed
    return parsed['__type'], parsed['Message']


def S(v):
    return {'S': v}


def N(v):
    return {'N': str(v)}


def sized_item(key_value, size, key_name='id'):
    pad = size - len(key_name) - len(key_value.encode()) - 1
    return {key_name: S(key_value), 'v': S('x' * pad)}


def Put(t, item, **kw):
    return {'Put': dict({'TableName': t, 'Item': item}, **kw)}


def Delete(t, k, **kw):
    return {'Delete': dict({'TableName': t, 'Key': k}, **kw)}


def Update(t, k, expr, values=None, **kw):
    body = {'TableName': t, 'Key': k, 'UpdateExpression': expr}
    if values:
        body['ExpressionAttributeValues'] = values
    body.update(kw)
    return {'Update': body}


def Check(t, k, cond, **kw):
    return {'ConditionCheck': dict({'TableName': t, 'Key': k, 'ConditionExpression': cond}, **kw)}


def Get(t, k, **kw):
    return {'Get': dict({'TableName': t, 'Key': k}, **kw)}


def token():
    """A ClientRequestToken unique to this run (tokens live 10 minutes in the server)."""
    return unique('tok%d' % (time.time() * 1000 % 10 ** 9))[:36]


def get(raw, t, k):
    got, _ = ok(raw, 'GetItem', {'TableName': t, 'Key': k, 'ConsistentRead': True})
    return got.get('Item')


def tw(raw, items, **kw):
    return raw.call('TransactWriteItems', dict({'TransactItems': items}, **kw))


# ---------------------------------------------------------------------------------------------
# tables shared by the module

@pytest.fixture(scope='module')
def tables(ddb):
    t = {
        'h': create(ddb, unique('tx_h'), [('id', 'S')]),
        'h2': create(ddb, unique('tx_h2'), [('id', 'S')]),
        'hr': create(ddb, unique('tx_hr'), [('pk', 'S'), ('sk', 'N')]),
        'idx': create(
            ddb, unique('tx_idx'), [('pk', 'S'), ('sk', 'S')],
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
    create(ddb, table_name, [('id', 'S')])
    yield table_name
    ddb.delete_table(TableName=table_name)


# =============================================================================================
# TransactWriteItems: functionality

def test_write_all_four_actions_over_tables(raw, tables, key):
    h, hr = tables['h'], tables['hr']
    ok(raw, 'PutItem', {'TableName': h, 'Item': {'id': S(key + 'u'), 'n': N(1)}})
    ok(raw, 'PutItem', {'TableName': h, 'Item': {'id': S(key + 'd')}})
    ok(raw, 'PutItem', {'TableName': hr, 'Item': {'pk': S(key), 'sk': N(1), 'ok': {'BOOL': True}}})
    got, payload = ok(raw, 'TransactWriteItems', {'TransactItems': [
        Put(h, {'id': S(key + 'p'), 'v': S('new')}),
        Update(h, {'id': S(key + 'u')}, 'SET n = n + :o', {':o': N(1)}),
        Delete(h, {'id': S(key + 'd')}),
        Check(hr, {'pk': S(key), 'sk': N(1)}, 'ok = :t', ExpressionAttributeValues={':t': {'BOOL': True}}),
    ]})
    assert payload == b'{}'
    assert get(raw, h, {'id': S(key + 'p')}) == {'id': S(key + 'p'), 'v': S('new')}
    assert get(raw, h, {'id': S(key + 'u')}) == {'id': S(key + 'u'), 'n': N(2)}
    assert get(raw, h, {'id': S(key + 'd')}) is None


@pytest.mark.parametrize('n', [1, 25, 100])
def test_write_up_to_100_actions(raw, tables, key, n):
    items = [Put(tables['h'] if i % 2 else tables['h2'], {'id': S('%s_%d' % (key, i))})
             for i in range(n)]
    got, _ = ok(raw, 'TransactWriteItems', {'TransactItems': items})
    assert got == {}
    assert get(raw, tables['h2'], {'id': S('%s_0' % key)}) == {'id': S('%s_0' % key)}


def test_write_update_creates_item_and_without_expression(raw, tables, key):
    ok(raw, 'TransactWriteItems', {'TransactItems': [
        Update(tables['h'], {'id': S(key)}, 'SET a = :a', {':a': N(5)}),
        {'Update': {'TableName': tables['h'], 'Key': {'id': S(key + '2')}}}]})
    assert get(raw, tables['h'], {'id': S(key)}) == {'id': S(key), 'a': N(5)}
    assert get(raw, tables['h'], {'id': S(key + '2')}) == {'id': S(key + '2')}


def test_write_same_key_in_two_tables_is_fine(raw, tables, key):
    ok(raw, 'TransactWriteItems', {'TransactItems': [Put(tables['h'], {'id': S(key)}),
                                                     Put(tables['h2'], {'id': S(key)})]})


def test_write_return_values_in_put_ignored(raw, tables, key):
    ok(raw, 'PutItem', {'TableName': tables['h'], 'Item': {'id': S(key), 'old': N(1)}})
    got, _ = ok(raw, 'TransactWriteItems', {'TransactItems': [
        Put(tables['h'], {'id': S(key)}, ReturnValues='ALL_OLD')],
        'ReturnItemCollectionMetrics': 'SIZE'})
    assert got == {}


def test_write_boto3(ddb, tables, key):
    ddb.transact_write_items(TransactItems=[
        {'Put': {'TableName': tables['h'], 'Item': {'id': S(key), 'b': {'B': b'\x01'}}}}])
    with pytest.raises(ClientError) as e:
        ddb.transact_write_items(TransactItems=[
            {'ConditionCheck': {'TableName': tables['h'], 'Key': {'id': S(key)},
                                'ConditionExpression': 'attribute_not_exists(id)'}}])
    assert e.value.response['Error']['Code'] == 'TransactionCanceledException'
    assert e.value.response['CancellationReasons'] == [CCF_CHECK]


# ---------------------------------------------------------------------------------------------
# all or nothing, cancellation reasons

FAILING = {
    'check': lambda t, k: Check(t, k, 'attribute_not_exists(id)'),
    'put': lambda t, k: Put(t, k, ConditionExpression='attribute_not_exists(id)'),
    'update': lambda t, k: Update(t, k, 'SET z = :z', {':z': N(1), ':n': N(99)},
                                  ConditionExpression='n = :n'),
    'delete': lambda t, k: Delete(t, k, ConditionExpression='n = :n',
                                  ExpressionAttributeValues={':n': N(99)}),
}


@pytest.mark.parametrize('kind', sorted(FAILING))
def test_write_failing_condition_in_action_3_applies_nothing(raw, tables, key, kind):
    h, h2 = tables['h'], tables['h2']
    ok(raw, 'PutItem', {'TableName': h, 'Item': {'id': S(key + 'c'), 'n': N(1)}})
    ok(raw, 'PutItem', {'TableName': h2, 'Item': {'id': S(key + 'd'), 'n': N(1)}})
    body = fail(raw, 'TransactWriteItems', {'TransactItems': [
        Put(h, {'id': S(key + 'a')}),
        Delete(h2, {'id': S(key + 'd')}),
        FAILING[kind](h, {'id': S(key + 'c')}),
        Update(h2, {'id': S(key + 'e')}, 'SET x = :x', {':x': N(1)}),
    ]})
    reason = CCF_CHECK if kind == 'check' else CCF_WRITE
    codes = ['None', 'None', 'ConditionalCheckFailed', 'None']
    assert body == {'__type': CANCELED, 'CancellationReasons': [NONE, NONE, reason, NONE],
                    'Message': cancel_msg(codes)}
    assert get(raw, h, {'id': S(key + 'a')}) is None
    assert get(raw, h2, {'id': S(key + 'd')}) == {'id': S(key + 'd'), 'n': N(1)}
    assert get(raw, h2, {'id': S(key + 'e')}) is None
    assert get(raw, h, {'id': S(key + 'c')}) == {'id': S(key + 'c'), 'n': N(1)}


@pytest.mark.parametrize('kind', sorted(FAILING))
def test_write_all_old_item_in_reason(raw, tables, key, kind):
    h = tables['h']
    old = {'id': S(key), 'n': N(1), 'm': {'M': {'a': S('x')}}}
    ok(raw, 'PutItem', {'TableName': h, 'Item': old})
    action = FAILING[kind](h, {'id': S(key)})
    list(action.values())[0]['ReturnValuesOnConditionCheckFailure'] = 'ALL_OLD'
    body = fail(raw, 'TransactWriteItems', {'TransactItems': [action]})
    reason = dict(CCF_CHECK if kind == 'check' else CCF_WRITE, Item=old)
    assert body == {'__type': CANCELED, 'CancellationReasons': [reason],
                    'Message': cancel_msg(['ConditionalCheckFailed'])}


def test_write_all_old_exact_bytes(raw, tables, key):
    h = tables['h']
    ok(raw, 'PutItem', {'TableName': h, 'Item': {'id': S('order'), 'v': N(1)}})
    status, _, _, payload = tw(raw, [
        Put(h, {'id': S(key)}),
        Delete(h, {'id': S('order')}, ConditionExpression='v = :v',
               ExpressionAttributeValues={':v': N(2)}, ReturnValuesOnConditionCheckFailure='ALL_OLD')])
    assert status == 400
    assert payload == (
        b'{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException",'
        b'"CancellationReasons":[{"Code":"None"},{"Item":{"v":{"N":"1"},"id":{"S":"order"}},'
        b'"Code":"ConditionalCheckFailed","Message":"The conditional request failed"}],'
        b'"Message":"Transaction cancelled, please refer cancellation reasons for specific '
        b'reasons [None, ConditionalCheckFailed]"}')


def test_write_all_old_on_missing_item_has_no_item(raw, tables, key):
    body = fail(raw, 'TransactWriteItems', {'TransactItems': [
        Put(tables['h'], {'id': S(key)}, ConditionExpression='attribute_exists(id)',
            ReturnValuesOnConditionCheckFailure='ALL_OLD')]})
    assert body['CancellationReasons'] == [CCF_WRITE]


@pytest.mark.parametrize('rv', ['NONE', 'BAD'])
def test_write_return_values_on_failure_none_or_unknown(raw, tables, key, rv):
    ok(raw, 'PutItem', {'TableName': tables['h'], 'Item': {'id': S(key)}})
    ok(raw, 'TransactWriteItems', {'TransactItems': [
        Check(tables['h'], {'id': S(key)}, 'attribute_exists(id)',
              ReturnValuesOnConditionCheckFailure=rv)]})
    body = fail(raw, 'TransactWriteItems', {'TransactItems': [
        Check(tables['h'], {'id': S(key)}, 'attribute_not_exists(id)',
              ReturnValuesOnConditionCheckFailure='NONE')]})
    assert body['CancellationReasons'] == [CCF_CHECK]


def test_write_several_failures_listed_in_action_order(raw, tables, key):
    h = tables['h']
    ok(raw, 'PutItem', {'TableName': h, 'Item': {'id': S(key + '1')}})
    body = fail(raw, 'TransactWriteItems', {'TransactItems': [
        Put(h, {'id': S(key + '0')}, ConditionExpression='attribute_exists(id)'),
        Put(h, {'id': S(key + '2')}),
        Check(h, {'id': S(key + '1')}, 'attribute_not_exists(id)'),
        Put(h, {'id': N(1)}),
    ]})
    assert body == {'__type': CANCELED,
                    'CancellationReasons': [CCF_WRITE, NONE, CCF_CHECK,
                                            {'Code': 'ValidationError', 'Message': MSG_KEY_TYPE}],
                    'Message': cancel_msg(['ConditionalCheckFailed', 'None',
                                           'ConditionalCheckFailed', 'ValidationError'])}
    assert get(raw, h, {'id': S(key + '2')}) is None


@pytest.mark.parametrize('action,message', [
    (lambda t, k: Put(t, {'id': N(1)}), MSG_KEY_TYPE),
    (lambda t, k: Delete(t, {'id': N(1)}), MSG_KEY_TYPE),
    (lambda t, k: Check(t, {'id': N(1)}, 'attribute_exists(id)'), MSG_KEY_TYPE),
    (lambda t, k: Update(t, {'id': N(1)}, 'SET a = :a', {':a': N(1)}), MSG_KEY_TYPE),
], ids=['put-type', 'delete-type', 'check-type', 'update-type'])
def test_write_validation_error_reason(raw, tables, key, action, message):
    h = tables['h']
    body = fail(raw, 'TransactWriteItems', {'TransactItems': [
        Put(h, {'id': S(key + 'first')}), action(h, {'id': S(key)})]})
    assert body == {'__type': CANCELED,
                    'CancellationReasons': [NONE, {'Code': 'ValidationError', 'Message': message}],
                    'Message': cancel_msg(['None', 'ValidationError'])}
    assert get(raw, h, {'id': S(key + 'first')}) is None


@pytest.mark.parametrize('position', [0, 1, 2])
def test_write_update_of_key_attribute_single_reason(raw, tables, key, position):
    """An update of a key attribute cancels with ONE reason, whatever the number of actions."""
    h = tables['h']
    ok(raw, 'PutItem', {'TableName': h, 'Item': {'id': S(key)}})
    items = [Put(h, {'id': S(key + 'a')}), Put(h, {'id': S(key + 'b')})]
    items.insert(position, Update(h, {'id': S(key)}, 'SET id = :v', {':v': S('x')}))
    body = fail(raw, 'TransactWriteItems', {'TransactItems': items})
    assert body == {'__type': CANCELED, 'CancellationReasons': [{
        'Code': 'ValidationError',
        'Message': 'One or more parameter values were invalid: Cannot update attribute id. '
                   'This attribute is part of the key'}],
        'Message': cancel_msg(['ValidationError'])}
    assert get(raw, h, {'id': S(key + 'a')}) is None


# ---------------------------------------------------------------------------------------------
# TransactWriteItems: plain validation errors

def _write_errors(t):
    h, hr = t['h'], t['hr']
    k = {'id': S('a')}
    return [
        ('missing', {}, (VALIDATION, MSG_NULL_ITEMS)),
        ('empty', {'TransactItems': []}, (VALIDATION, MSG_EMPTY)),
        ('101', {'TransactItems': [Put(h, {'id': S(str(i))}) for i in range(101)]},
         (VALIDATION, MSG_TOO_MANY)),
        ('empty-action', {'TransactItems': [{}]}, (VALIDATION, MSG_NO_OP)),
        ('put-and-delete', {'TransactItems': [dict(Put(h, k), **Delete(h, k))]},
         (VALIDATION, MSG_TWO_OPS)),
        ('check-and-update', {'TransactItems': [dict(Check(h, k, 'attribute_exists(id)'),
                                                     **Update(h, k, 'SET a = :a', {':a': N(1)}))]},
         (VALIDATION, MSG_TWO_OPS)),
        ('put-put', {'TransactItems': [Put(h, k), Put(h, dict(k, v=N(1)))]}, (VALIDATION, MSG_SAME_ITEM)),
        ('put-update', {'TransactItems': [Put(h, k), Update(h, k, 'SET a = :a', {':a': N(1)})]},
         (VALIDATION, MSG_SAME_ITEM)),
        ('update-delete', {'TransactItems': [Update(h, k, 'SET a = :a', {':a': N(1)}), Delete(h, k)]},
         (VALIDATION, MSG_SAME_ITEM)),
        ('check-put', {'TransactItems': [Check(h, k, 'attribute_exists(v) OR attribute_not_exists(v)'),
                                         Put(h, k)]}, (VALIDATION, MSG_SAME_ITEM)),
        ('same-normalized-number', {'TransactItems': [Put(hr, {'pk': S('a'), 'sk': N('1')}),
                                                      Put(hr, {'pk': S('a'), 'sk': N('01.0')})]},
         (VALIDATION, MSG_SAME_ITEM)),
        ('missing-table', {'TransactItems': [Put('nope_table', k)]}, (NOT_FOUND, MSG_NO_TABLE)),
        ('bad-name', {'TransactItems': [Put('no', k)]}, (VALIDATION, MSG_BAD_NAME)),
        ('update-operand', {'TransactItems': [Update(h, k, 'SET n = n + :o', {':o': S('1')})]},
         (VALIDATION, 'Invalid UpdateExpression: Incorrect operand type for operator or function; '
                      'operator or function: +, operand type: S')),
        ('undefined-value', {'TransactItems': [Put(h, k, ConditionExpression='a = :v')]},
         (VALIDATION, 'Invalid ConditionExpression: An expression attribute value used in '
                      'expression is not defined; attribute value: :v')),
        ('unused-value', {'TransactItems': [Put(h, k, ConditionExpression='a = b',
                                                ExpressionAttributeValues={':v': S('x')})]},
         (VALIDATION, 'Value provided in ExpressionAttributeValues unused in expressions: '
                      'keys: {:v}')),
        ('check-without-condition', {'TransactItems': [{'ConditionCheck': {'TableName': h, 'Key': k}}]},
         (VALIDATION, "Value null at 'transactItems.1.member.conditionCheck.conditionExpression' "
                      "failed to satisfy constraint: Member must not be null")),
        ('empty-string-key', {'TransactItems': [Put(h, {'id': S('')})]},
         (VALIDATION, empty_key_msg('id'))),
        ('put-without-key', {'TransactItems': [Put(h, {'x': S('a')})]}, (VALIDATION, MSG_MISSING_KEY)),
        ('delete-extra-key', {'TransactItems': [Delete(h, {'id': S('a'), 'x': S('a')})]},
         (VALIDATION, MSG_KEY_COUNT)),
        ('empty-set', {'TransactItems': [Put(h, {'id': S('a'), 's': {'SS': []}})]},
         (VALIDATION, MSG_EMPTY_SS)),
        ('too-big', {'TransactItems': [Put(h, sized_item('a', 409601))]}, (VALIDATION, MSG_TOO_BIG)),
        ('bad-return-consumed-capacity', {'TransactItems': [Put(h, k)], 'ReturnConsumedCapacity': 'BAD'},
         (VALIDATION, MSG_NULL_KEY)),
        ('token-37', {'TransactItems': [Put(h, k)], 'ClientRequestToken': 'x' * 37},
         (VALIDATION, "Value %s at 'clientRequestToken' failed to satisfy constraint: Member must "
                      "have length less than or equal to 36" % ('x' * 37))),
    ]


WRITE_ERROR_IDS = [c[0] for c in _write_errors({'h': 'h', 'hr': 'hr'})]


@pytest.mark.parametrize('case', WRITE_ERROR_IDS)
def test_write_error(raw, tables, case):
    _, body, expected = [c for c in _write_errors(tables) if c[0] == case][0]
    assert err(raw, 'TransactWriteItems', body) == expected


def test_write_validation_error_inside_action_applies_nothing(raw, tables, key):
    """§7.2 quirk 2: a plain ValidationException, and the earlier actions are not applied."""
    h = tables['h']
    ok(raw, 'PutItem', {'TableName': h, 'Item': {'id': S(key), 'n': N(1)}})
    assert err(raw, 'TransactWriteItems', {'TransactItems': [
        Put(h, {'id': S(key + 'a')}),
        Update(h, {'id': S(key)}, 'SET n = n + :o', {':o': S('1')})]})[0] == VALIDATION
    assert get(raw, h, {'id': S(key + 'a')}) is None


@pytest.mark.parametrize('case,expected', [
    # two ConditionChecks on one item: the failing conditions are reported first
    ('two-failing-checks-same-item', (CANCELED, [CCF_CHECK, CCF_CHECK])),
    ('failing-check-then-put-same-item', (CANCELED, [CCF_CHECK, NONE])),
    ('passing-checks-same-item', (VALIDATION, MSG_SAME_ITEM)),
    # the same-item check comes before key type errors of other actions
    ('same-item-before-key-type', (VALIDATION, MSG_SAME_ITEM)),
    # a failing condition does not hide the key type error of another action
    ('check-then-key-type', (CANCELED, [CCF_CHECK, {'Code': 'ValidationError',
                                                     'Message': MSG_KEY_TYPE}])),
    # expression errors come before conditions are evaluated
    ('check-then-expression-error', (VALIDATION, 'Invalid UpdateExpression: Incorrect operand '
                                     'type for operator or function; operator or function: +, '
                                     'operand type: S')),
    ('check-then-missing-table', (NOT_FOUND, MSG_NO_TABLE)),
])
def test_write_check_order(raw, tables, key, case, expected):
    h = tables['h']
    k = {'id': S(key)}
    ok(raw, 'PutItem', {'TableName': h, 'Item': {'id': S(key), 'n': N(1)}})
    fails, passes = 'attribute_not_exists(id)', 'attribute_exists(id)'
    bodies = {
        'two-failing-checks-same-item': [Check(h, k, fails), Check(h, k, fails)],
        'failing-check-then-put-same-item': [Check(h, k, fails), Put(h, k)],
        'passing-checks-same-item': [Check(h, k, passes), Check(h, k, passes)],
        'same-item-before-key-type': [Check(h, k, passes), Put(h, k), Put(h, {'id': N(1)})],
        'check-then-key-type': [Check(h, k, fails), Put(h, {'id': N(1)})],
        'check-then-expression-error': [Check(h, k, fails),
                                        Update(h, {'id': S('x')}, 'SET n = n + :o', {':o': S('1')})],
        'check-then-missing-table': [Check(h, k, fails), Put('nope_table', k)],
    }
    body = fail(raw, 'TransactWriteItems', {'TransactItems': bodies[case]})
    if expected[0] == CANCELED:
        assert body['__type'] == CANCELED and body['CancellationReasons'] == expected[1]
    else:
        assert (body['__type'], body['Message']) == expected
    assert get(raw, h, k) == {'id': S(key), 'n': N(1)}


# ---------------------------------------------------------------------------------------------
# 4 MB

@pytest.mark.parametrize('last,accepted', [(MB4 - 10 * 409600, True),
                                           (MB4 - 10 * 409600 + 1, False)])
def test_write_4_mb_boundary(raw, fresh, last, accepted):
    items = [Put(fresh, sized_item('%02d' % i, 409600)) for i in range(10)]
    items.append(Put(fresh, sized_item('zz', last)))
    status, _, body, _ = tw(raw, items)
    if accepted:
        assert status == 200 and body == {}
    else:
        assert (status, body) == (400, {
            '__type': VALIDATION,
            'Message': 'Transaction payload size cannot exceed 4MB. Payload Size: %d' % (MB4 + 1)})
        assert get(raw, fresh, {'id': S('00')}) is None


def test_write_4_mb_counts_put_items_only(raw, fresh):
    items = [Put(fresh, sized_item('%02d' % i, 409600)) for i in range(11)]
    assert err(raw, 'TransactWriteItems', {'TransactItems': items}) == (
        VALIDATION, 'Transaction payload size cannot exceed 4MB. Payload Size: %d' % (11 * 409600))


# ---------------------------------------------------------------------------------------------
# ClientRequestToken

def test_token_replay_not_reapplied(raw, tables, key):
    h = tables['h']
    ok(raw, 'PutItem', {'TableName': h, 'Item': {'id': S(key), 'n': N(1)}})
    req = {'TransactItems': [Update(h, {'id': S(key)}, 'ADD n :o', {':o': N(1)})],
           'ClientRequestToken': token()}
    assert ok(raw, 'TransactWriteItems', req)[1] == b'{}'
    assert ok(raw, 'TransactWriteItems', req)[1] == b'{}'
    assert get(raw, h, {'id': S(key)}) == {'id': S(key), 'n': N(2)}


def test_token_different_request_mismatch(raw, tables, key):
    h = tables['h']
    tok = token()
    ok(raw, 'TransactWriteItems', {'TransactItems': [Put(h, {'id': S(key)})],
                                   'ClientRequestToken': tok})
    status, _, _, payload = tw(raw, [Put(h, {'id': S(key + 'other')})], ClientRequestToken=tok)
    assert status == 400
    assert payload == (b'{"__type":"com.amazonaws.dynamodb.v20120810#'
                       b'IdempotentParameterMismatchException","Message":""}')
    assert get(raw, h, {'id': S(key + 'other')}) is None


def test_token_replay_with_capacity_requested(raw, tables, key):
    h = tables['h']
    tok = token()
    ok(raw, 'TransactWriteItems', {'TransactItems': [Put(h, {'id': S(key)})],
                                   'ClientRequestToken': tok})
    got, _ = ok(raw, 'TransactWriteItems', {'TransactItems': [Put(h, {'id': S(key)})],
                                            'ClientRequestToken': tok,
                                            'ReturnConsumedCapacity': 'TOTAL'})
    assert got == {'ConsumedCapacity': [{'TableName': h, 'CapacityUnits': 2.0,
                                         'ReadCapacityUnits': 2.0}]}


def test_token_not_recorded_by_cancelled_transaction(raw, tables, key):
    h = tables['h']
    tok = token()
    req = [Put(h, {'id': S(key)}, ConditionExpression='attribute_exists(id)')]
    for _ in range(2):
        assert fail(raw, 'TransactWriteItems', {'TransactItems': req,
                                                'ClientRequestToken': tok})['__type'] == CANCELED
    ok(raw, 'TransactWriteItems', {'TransactItems': [Put(h, {'id': S(key)})],
                                   'ClientRequestToken': tok})
    assert get(raw, h, {'id': S(key)}) == {'id': S(key)}


def test_token_of_36_characters_accepted(raw, tables, key):
    """(An empty token is a token too: see compat transactions tx-token-empty-string.)"""
    tok = (token() + 'x' * 36)[:36]
    ok(raw, 'TransactWriteItems', {'TransactItems': [Put(tables['h'], {'id': S(key)})],
                                   'ClientRequestToken': tok})


# ---------------------------------------------------------------------------------------------
# ConsumedCapacity

@pytest.mark.parametrize('setup,actions,expected', [
    ([], [('put', 'a', 10)], 4.0),
    ([('a', 10)], [('put', 'a', 10)], 4.0),
    ([], [('put', 'a', 5000)], 20.0),
    ([('a', 10)], [('check', 'a')], 4.0),
    ([], [('check', 'zz')], 4.0),
    ([('a', 5000)], [('check', 'a')], 8.0),
    ([('a', 10)], [('delete', 'a')], 4.0),
    ([], [('delete', 'zz')], 2.0),
    ([('a', 10)], [('update', 'a')], 4.0),
    ([], [('update', 'a')], 4.0),
    # the sum of the distinct per-action capacities
    ([], [('put', 'a', 10), ('put', 'b', 10)], 4.0),
    ([], [('put', 'a', 10), ('put', 'b', 10), ('put', 'c', 10), ('check', 'zz')], 4.0),
    ([], [('put', 'a', 5000), ('put', 'b', 10)], 24.0),
    ([], [('put', 'a', 10), ('put', 'b', 5000)], 24.0),
    ([], [('put', 'a', 5000), ('put', 'b', 5000)], 20.0),
    ([], [('delete', 'zz'), ('put', 'a', 10)], 6.0),
], ids=['put', 'put-over', 'put-5000', 'check', 'check-missing', 'check-5000', 'delete',
        'delete-missing', 'update', 'update-new', 'two-puts', 'three-puts-check', 'big-small',
        'small-big', 'big-big', 'delete-missing-put'])
def test_write_capacity(raw, fresh, setup, actions, expected):
    for k, size in setup:
        ok(raw, 'PutItem', {'TableName': fresh, 'Item': sized_item(k, size)})
    items = []
    for a in actions:
        if a[0] == 'put':
            items.append(Put(fresh, sized_item(a[1], a[2])))
        elif a[0] == 'check':
            items.append(Check(fresh, {'id': S(a[1])}, 'attribute_exists(v) OR attribute_not_exists(v)'))
        elif a[0] == 'delete':
            items.append(Delete(fresh, {'id': S(a[1])}))
        else:
            items.append(Update(fresh, {'id': S(a[1])}, 'SET w = :w', {':w': N(1)}))
    got, _ = ok(raw, 'TransactWriteItems', {'TransactItems': items,
                                            'ReturnConsumedCapacity': 'TOTAL'})
    assert got == {'ConsumedCapacity': [{'TableName': fresh, 'CapacityUnits': expected,
                                         'WriteCapacityUnits': expected}]}


def test_write_capacity_indexes_exact_bytes(raw, fresh):
    _, payload = ok(raw, 'TransactWriteItems', {'TransactItems': [Put(fresh, {'id': S('a')})],
                                                'ReturnConsumedCapacity': 'INDEXES'})
    assert payload == ('{"ConsumedCapacity":[{"TableName":"%s","CapacityUnits":4.0,'
                       '"WriteCapacityUnits":4.0,"Table":{"WriteCapacityUnits":4.0,'
                       '"CapacityUnits":4.0}}]}' % fresh).encode()


def test_write_capacity_per_table(raw, tables, key):
    got, _ = ok(raw, 'TransactWriteItems', {'TransactItems': [
        Put(tables['h'], {'id': S(key)}), Put(tables['hr'], {'pk': S(key), 'sk': N(1)})],
        'ReturnConsumedCapacity': 'TOTAL'})
    assert sorted(got['ConsumedCapacity'], key=lambda c: c['TableName']) == sorted([
        {'TableName': tables['h'], 'CapacityUnits': 4.0, 'WriteCapacityUnits': 4.0},
        {'TableName': tables['hr'], 'CapacityUnits': 4.0, 'WriteCapacityUnits': 4.0}],
        key=lambda c: c['TableName'])


def test_write_capacity_none(raw, fresh):
    got, _ = ok(raw, 'TransactWriteItems', {'TransactItems': [Put(fresh, {'id': S('a')})],
                                            'ReturnConsumedCapacity': 'NONE'})
    assert got == {}


# ---------------------------------------------------------------------------------------------
# secondary indexes maintained by transactions

def query_index(raw, table, index, cond, values):
    got, _ = ok(raw, 'Query', {'TableName': table, 'IndexName': index,
                               'KeyConditionExpression': cond,
                               'ExpressionAttributeValues': values})
    return got['Items']


def test_write_maintains_gsi_and_lsi(raw, tables, key):
    t = tables['idx']
    ok(raw, 'TransactWriteItems', {'TransactItems': [
        Put(t, {'pk': S(key), 'sk': S('a'), 'lk': N(3), 'gk': S(key + 'g')}),
        Put(t, {'pk': S(key), 'sk': S('b'), 'lk': N(2), 'gk': S(key + 'g')}),
        Put(t, {'pk': S(key), 'sk': S('c'), 'lk': N(1)})]})
    gsi = query_index(raw, t, 'gsi1', 'gk = :g', {':g': S(key + 'g')})
    assert [x['sk'] for x in gsi] == [S('a'), S('b')]
    lsi = query_index(raw, t, 'lsi1', 'pk = :p', {':p': S(key)})
    assert [x['sk'] for x in lsi] == [S('c'), S('b'), S('a')]
    ok(raw, 'TransactWriteItems', {'TransactItems': [
        Update(t, {'pk': S(key), 'sk': S('a')}, 'SET gk = :h, lk = :l', {':h': S(key + 'h'), ':l': N(0)}),
        Delete(t, {'pk': S(key), 'sk': S('b')}),
        Update(t, {'pk': S(key), 'sk': S('c')}, 'SET gk = :g', {':g': S(key + 'g')})]})
    assert [x['sk'] for x in query_index(raw, t, 'gsi1', 'gk = :g', {':g': S(key + 'g')})] == [S('c')]
    assert [x['sk'] for x in query_index(raw, t, 'gsi1', 'gk = :g', {':g': S(key + 'h')})] == [S('a')]
    lsi = query_index(raw, t, 'lsi1', 'pk = :p', {':p': S(key)})
    assert [(x['sk'], x['lk']) for x in lsi] == [(S('a'), N(0)), (S('c'), N(1))]


def test_write_cancelled_leaves_indexes_unchanged(raw, tables, key):
    t = tables['idx']
    body = fail(raw, 'TransactWriteItems', {'TransactItems': [
        Put(t, {'pk': S(key), 'sk': S('a'), 'lk': N(3), 'gk': S(key + 'g')}),
        Check(t, {'pk': S(key), 'sk': S('zz')}, 'attribute_exists(pk)')]})
    assert body['__type'] == CANCELED
    assert query_index(raw, t, 'gsi1', 'gk = :g', {':g': S(key + 'g')}) == []
    assert query_index(raw, t, 'lsi1', 'pk = :p', {':p': S(key)}) == []


def test_write_index_key_type_mismatch(raw, tables, key):
    t = tables['idx']
    body = fail(raw, 'TransactWriteItems', {'TransactItems': [
        Put(t, {'pk': S(key), 'sk': S('a'), 'gk': S(key + 'g')}),
        Put(t, {'pk': S(key), 'sk': S('b'), 'lk': S('x')})]})
    assert body == {'__type': CANCELED, 'CancellationReasons': [
        NONE, {'Code': 'ValidationError', 'Message': MSG_INDEX_TYPE}],
        'Message': cancel_msg(['None', 'ValidationError'])}
    assert query_index(raw, t, 'gsi1', 'gk = :g', {':g': S(key + 'g')}) == []


# =============================================================================================
# TransactGetItems

def test_get_items_in_request_order_with_missing_as_empty(raw, tables, key):
    h, hr = tables['h'], tables['hr']
    ok(raw, 'PutItem', {'TableName': h, 'Item': {'id': S(key), 'v': N(1)}})
    ok(raw, 'PutItem', {'TableName': hr, 'Item': {'pk': S(key), 'sk': N(1), 'w': S('x')}})
    got, payload = ok(raw, 'TransactGetItems', {'TransactItems': [
        Get(hr, {'pk': S(key), 'sk': N(1)}), Get(h, {'id': S(key + 'missing')}),
        Get(h, {'id': S(key)}, ProjectionExpression='v')]})
    assert got == {'Responses': [{'Item': {'pk': S(key), 'sk': N(1), 'w': S('x')}}, {},
                                 {'Item': {'v': N(1)}}]}


def test_get_exact_bytes(raw, tables):
    h = tables['h']
    ok(raw, 'PutItem', {'TableName': h, 'Item': {'id': S('gx'), 'v': N(1)}})
    _, payload = ok(raw, 'TransactGetItems', {'TransactItems': [
        Get(h, {'id': S('gx')}), Get(h, {'id': S('gx-missing')})]})
    assert payload == b'{"Responses":[{"Item":{"v":{"N":"1"},"id":{"S":"gx"}}},{}]}'


@pytest.mark.parametrize('spec,expected', [
    ({'ProjectionExpression': '#w', 'ExpressionAttributeNames': {'#w': 'w'}}, {'w': S('y')}),
    ({'ProjectionExpression': 'w, nope'}, {'w': S('y')}),
    ({'ProjectionExpression': 'm.a, l[0]'}, {'m': {'M': {'a': N(1)}}, 'l': {'L': [S('p')]}}),
    ({'ProjectionExpression': 'nope'}, {}),
], ids=['names', 'missing-attr', 'nested', 'nothing'])
def test_get_projection(raw, tables, key, spec, expected):
    ok(raw, 'PutItem', {'TableName': tables['h'], 'Item': {
        'id': S(key), 'w': S('y'), 'm': {'M': {'a': N(1), 'b': N(2)}}, 'l': {'L': [S('p'), S('q')]}}})
    got, _ = ok(raw, 'TransactGetItems', {'TransactItems': [Get(tables['h'], {'id': S(key)}, **spec)]})
    assert got == {'Responses': [{'Item': expected}]}


@pytest.mark.parametrize('n', [1, 100])
def test_get_up_to_100(raw, tables, key, n):
    got, _ = ok(raw, 'TransactGetItems', {'TransactItems': [
        Get(tables['h'], {'id': S('%s_%d' % (key, i))}) for i in range(n)]})
    assert got == {'Responses': [{}] * n}


def _get_errors(t):
    h, hr = t['h'], t['hr']
    k = {'id': S('a')}
    return [
        ('missing', {}, (VALIDATION, MSG_NULL_ITEMS)),
        ('empty', {'TransactItems': []}, (VALIDATION, MSG_NULL_ITEMS)),
        ('empty-action', {'TransactItems': [{}]}, (VALIDATION, MSG_NULL_ITEMS)),
        ('101', {'TransactItems': [Get(h, {'id': S(str(i))}) for i in range(101)]},
         (VALIDATION, MSG_TOO_MANY)),
        ('same-item', {'TransactItems': [Get(h, k), Get(h, k)]}, (VALIDATION, MSG_SAME_ITEM)),
        ('missing-table', {'TransactItems': [Get('nope_table', k)]}, (NOT_FOUND, MSG_NO_TABLE)),
        ('bad-name', {'TransactItems': [Get('no', k)]}, (NOT_FOUND, MSG_NO_TABLE)),
        ('no-table-name', {'TransactItems': [{'Get': {'Key': k}}]},
         (VALIDATION, 'Requested resource not found')),
        ('no-key', {'TransactItems': [{'Get': {'TableName': h}}]},
         (VALIDATION, 'Get Condition for key not in key list')),
        ('type-mismatch', {'TransactItems': [Get(h, {'id': N(1)})]}, (CANCELED, MSG_KEY_TYPE)),
        ('empty-key', {'TransactItems': [Get(h, {})]}, (CANCELED, MSG_KEY_COUNT)),
        ('extra-key-attr', {'TransactItems': [Get(h, {'id': S('a'), 'x': S('b')})]},
         (CANCELED, MSG_KEY_COUNT)),
        ('missing-range', {'TransactItems': [Get(hr, {'pk': S('a')})]}, (CANCELED, MSG_KEY_COUNT)),
        ('empty-string-key', {'TransactItems': [Get(h, {'id': S('')})]},
         (VALIDATION, empty_key_msg('id'))),
        ('undefined-name', {'TransactItems': [Get(h, k, ProjectionExpression='#x')]},
         (VALIDATION, 'Invalid ProjectionExpression: An expression attribute name used in the '
                      'document path is not defined; attribute name: #x')),
        ('unused-name', {'TransactItems': [Get(h, k, ProjectionExpression='w',
                                               ExpressionAttributeNames={'#x': 'w'})]},
         (VALIDATION, 'Value provided in ExpressionAttributeNames unused in expressions: '
                      'keys: {#x}')),
        ('names-without-expression', {'TransactItems': [Get(h, k, ExpressionAttributeNames={'#x': 'w'})]},
         (VALIDATION, 'ExpressionAttributeNames can only be specified when using expressions')),
        ('reserved', {'TransactItems': [Get(h, k, ProjectionExpression='status')]},
         (VALIDATION, 'Invalid ProjectionExpression: Attribute name is a reserved keyword; '
                      'reserved keyword: status')),
        ('bad-return-consumed-capacity', {'TransactItems': [Get(h, k)], 'ReturnConsumedCapacity': 'BAD'},
         (VALIDATION, MSG_NULL_KEY)),
        # checked action by action
        ('ok-then-missing-table', {'TransactItems': [Get(h, k, ProjectionExpression='w'),
                                                     Get('nope_table', k)]},
         (NOT_FOUND, MSG_NO_TABLE)),
        ('key-type-then-missing-table', {'TransactItems': [Get(h, {'id': N(1)}), Get('nope_table', k)]},
         (CANCELED, MSG_KEY_TYPE)),
    ]


GET_ERROR_IDS = [c[0] for c in _get_errors({'h': 'h', 'hr': 'hr'})]


@pytest.mark.parametrize('case', GET_ERROR_IDS)
def test_get_error(raw, tables, case):
    """§7.2 quirk 1: key errors are TransactionCanceledException without CancellationReasons."""
    _, body, expected = [c for c in _get_errors(tables) if c[0] == case][0]
    assert err(raw, 'TransactGetItems', body) == expected


@pytest.mark.parametrize('mode,expected', [
    ('TOTAL', [{'TableName': None, 'CapacityUnits': 2.0, 'ReadCapacityUnits': 2.0}]),
    ('INDEXES', [{'TableName': None, 'CapacityUnits': 2.0, 'ReadCapacityUnits': 2.0,
                  'Table': {'CapacityUnits': 2.0}}]),
])
def test_get_capacity_small_or_missing(raw, fresh, mode, expected):
    ok(raw, 'PutItem', {'TableName': fresh, 'Item': {'id': S('a')}})
    for k in ('a', 'zz'):
        got, _ = ok(raw, 'TransactGetItems', {'TransactItems': [Get(fresh, {'id': S(k)})],
                                              'ReturnConsumedCapacity': mode})
        assert got['ConsumedCapacity'] == [dict(e, TableName=fresh) for e in expected]


def test_get_capacity_big_item(raw, fresh):
    ok(raw, 'PutItem', {'TableName': fresh, 'Item': sized_item('a', 5000)})
    got, _ = ok(raw, 'TransactGetItems', {'TransactItems': [Get(fresh, {'id': S('a')})],
                                          'ReturnConsumedCapacity': 'TOTAL'})
    assert got['ConsumedCapacity'] == [{'TableName': fresh, 'CapacityUnits': 4.0,
                                        'ReadCapacityUnits': 4.0}]


def test_get_capacity_member_order(raw, fresh):
    _, payload = ok(raw, 'TransactGetItems', {'TransactItems': [Get(fresh, {'id': S('a')})],
                                              'ReturnConsumedCapacity': 'TOTAL'})
    assert payload == ('{"ConsumedCapacity":[{"TableName":"%s","CapacityUnits":2.0,'
                       '"ReadCapacityUnits":2.0}],"Responses":[{}]}' % fresh).encode()


def test_get_sees_transaction_writes(raw, tables, key):
    h = tables['h']
    ok(raw, 'TransactWriteItems', {'TransactItems': [Put(h, {'id': S(key), 'v': N(7)})]})
    got, _ = ok(raw, 'TransactGetItems', {'TransactItems': [Get(h, {'id': S(key)})]})
    assert got == {'Responses': [{'Item': {'id': S(key), 'v': N(7)}}]}


def test_get_boto3(ddb, tables, key):
    ddb.put_item(TableName=tables['h'], Item={'id': S(key), 'b': {'B': b'\x02'}})
    got = ddb.transact_get_items(TransactItems=[{'Get': {'TableName': tables['h'],
                                                         'Key': {'id': S(key)}}}])
    assert got['Responses'] == [{'Item': {'id': S(key), 'b': {'B': b'\x02'}}}]
