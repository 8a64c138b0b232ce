"""Crash test of TransactWriteItems (issue 6): a server killed with SIGKILL in the middle of a
stream of transactions leaves every transaction either fully applied or not at all, and every
acknowledged one applied.

Each transaction moves an amount from account A to account B (so A + B stays constant), adds 1
to a counter item and puts a log item holding the amount. After the restart on the same
-dbPath: A + B is unchanged, B's gain equals the sum of the logged amounts, the counter equals
the number of log items, and every acknowledged transaction's log item is there.
"""
import http.client
import json
import random
import signal
import threading
import time

import pytest

from conftest import make_client

ON_ORACLE = "config.getoption('--oracle') is not None"

AUTH = ('AWS4-HMAC-SHA256 Credential=x/20240101/us-east-1/dynamodb/aws4_request, '
        'SignedHeaders=host, Signature=abc')
START = 1000000


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


def transfer(seq, amount):
    n = lambda v: {'N': str(v)}
    return {'TransactItems': [
        {'Update': {'TableName': 'Bank', 'Key': {'id': {'S': 'A'}},
                    'UpdateExpression': 'SET bal = bal - :x', 'ConditionExpression': 'bal >= :x',
                    'ExpressionAttributeValues': {':x': n(amount)}}},
        {'Update': {'TableName': 'Bank', 'Key': {'id': {'S': 'B'}},
                    'UpdateExpression': 'SET bal = bal + :x',
                    'ExpressionAttributeValues': {':x': n(amount)}}},
        {'Update': {'TableName': 'Bank', 'Key': {'id': {'S': 'counter'}},
                    'UpdateExpression': 'ADD n :one', 'ExpressionAttributeValues': {':one': n(1)}}},
        {'Put': {'TableName': 'Bank', 'Item': {'id': {'S': 'log-%06d' % seq}, 'amount': n(amount)}}},
    ]}


def sender(port, first, step, acked, stop):
    seq = first
    rnd = random.Random(first)
    while not stop.is_set():
        amount = rnd.randint(1, 50)
        try:
            status, body = call(port, 'TransactWriteItems', transfer(seq, amount))
        except (OSError, http.client.HTTPException, ValueError):
            return
        if status == 200:
            acked.append((seq, amount))
        seq += step


@pytest.mark.xfail(ON_ORACLE, strict=False,
                   reason='DynamoDB Local can lose an acknowledged TransactWriteItems on SIGKILL '
                          '(compat/DEVIATIONS.md C17); depends on where the kill lands')
def test_transactions_survive_kill_9(target, tmp_path):
    srv = target.server(['-sharedDb', '-dbPath', str(tmp_path)]).start()
    client = make_client(srv.url)
    client.create_table(TableName='Bank', KeySchema=[{'AttributeName': 'id', 'KeyType': 'HASH'}],
                        AttributeDefinitions=[{'AttributeName': 'id', 'AttributeType': 'S'}],
                        BillingMode='PAY_PER_REQUEST')
    for k, v in (('A', START), ('B', START)):
        client.put_item(TableName='Bank', Item={'id': {'S': k}, 'bal': {'N': str(v)}})
    client.put_item(TableName='Bank', Item={'id': {'S': 'counter'}, 'n': {'N': '0'}})

    acked, stop, threads = [], threading.Event(), []
    for t in range(4):
        th = threading.Thread(target=sender, args=(srv.port, t, 4, acked, stop))
        th.start()
        threads.append(th)
    deadline = time.time() + 10
    while len(acked) < 300 and time.time() < deadline:
        time.sleep(0.01)
    srv.stop(signal.SIGKILL)          # in the middle of the stream: the senders are still sending
    stop.set()
    for th in threads:
        th.join()
    assert len(acked) >= 100

    srv2 = target.server(['-sharedDb', '-dbPath', str(tmp_path)]).start()
    try:
        client = make_client(srv2.url)
        items, kwargs = [], {'TableName': 'Bank', 'ConsistentRead': True}
        while True:
            page = client.scan(**kwargs)
            items += page['Items']
            if 'LastEvaluatedKey' not in page:
                break
            kwargs['ExclusiveStartKey'] = page['LastEvaluatedKey']
        by_id = {i['id']['S']: i for i in items}
        a, b = int(by_id['A']['bal']['N']), int(by_id['B']['bal']['N'])
        logs = {k: int(v['amount']['N']) for k, v in by_id.items() if k.startswith('log-')}
        assert a + b == 2 * START
        assert b - START == sum(logs.values())
        assert int(by_id['counter']['n']['N']) == len(logs)
        for seq, amount in acked:
            assert logs.get('log-%06d' % seq) == amount
    finally:
        srv2.stop()
