"""Smoke test with the AWS CLI v2 (/usr/bin/aws), the way users drive DynamoDB Local from a shell:
create-table, list-tables, put-item, get-item, describe-table, delete-item, delete-table."""
import json
import os
import shutil
import subprocess

import pytest

AWS = '/usr/bin/aws'

pytestmark = pytest.mark.skipif(not os.path.exists(AWS) and not shutil.which('aws'),
                                reason='AWS CLI not installed')


@pytest.fixture
def aws(endpoint):
    env = dict(os.environ, AWS_ACCESS_KEY_ID='cli', AWS_SECRET_ACCESS_KEY='y',
               AWS_DEFAULT_REGION='us-east-1', AWS_PAGER='', AWS_MAX_ATTEMPTS='1',
               AWS_CONFIG_FILE='/dev/null', AWS_SHARED_CREDENTIALS_FILE='/dev/null')

    def run(*args, check=True):
        p = subprocess.run([AWS if os.path.exists(AWS) else 'aws', 'dynamodb', *args,
                            '--endpoint-url', endpoint, '--output', 'json'],
                           env=env, capture_output=True, text=True, timeout=120)
        if check:
            assert p.returncode == 0, p.stderr
            return json.loads(p.stdout) if p.stdout.strip() else None
        return p
    return run


@pytest.fixture
def cli_table(aws, table_name):
    yield table_name
    aws('delete-table', '--table-name', table_name, check=False)


def test_cli_round_trip(aws, cli_table):
    name = cli_table
    out = aws('create-table', '--table-name', name,
              '--attribute-definitions', 'AttributeName=pk,AttributeType=S',
              'AttributeName=sk,AttributeType=N',
              '--key-schema', 'AttributeName=pk,KeyType=HASH', 'AttributeName=sk,KeyType=RANGE',
              '--billing-mode', 'PAY_PER_REQUEST')
    t = out['TableDescription']
    assert t['TableName'] == name and t['TableStatus'] == 'ACTIVE'
    assert t['KeySchema'] == [{'AttributeName': 'pk', 'KeyType': 'HASH'},
                              {'AttributeName': 'sk', 'KeyType': 'RANGE'}]
    assert t['BillingModeSummary']['BillingMode'] == 'PAY_PER_REQUEST'
    assert t['TableArn'] == 'arn:aws:dynamodb:ddblocal:000000000000:table/' + name

    names = aws('list-tables')['TableNames']
    assert name in names

    item = {'pk': {'S': 'user#1'}, 'sk': {'N': '00042'}, 'name': {'S': 'Ünïcode ☃'},
            'tags': {'SS': ['b', 'a']}, 'n': {'NULL': True}}
    assert aws('put-item', '--table-name', name, '--item', json.dumps(item)) is None

    key = json.dumps({'pk': {'S': 'user#1'}, 'sk': {'N': '42'}})
    got = aws('get-item', '--table-name', name, '--key', key)['Item']
    assert got == {'pk': {'S': 'user#1'}, 'sk': {'N': '42'}, 'name': {'S': 'Ünïcode ☃'},
                   'tags': {'SS': ['a', 'b']}, 'n': {'NULL': True}}

    d = aws('describe-table', '--table-name', name)['Table']
    assert d['ItemCount'] == 1 and d['TableSizeBytes'] > 0
    assert d['KeySchema'] == t['KeySchema']  # (CLI 2.9 predates DeletionProtectionEnabled)

    out = aws('delete-item', '--table-name', name, '--key', key, '--return-values', 'ALL_OLD')
    assert out['Attributes']['name'] == {'S': 'Ünïcode ☃'}
    assert aws('get-item', '--table-name', name, '--key', key) is None

    out = aws('delete-table', '--table-name', name)
    assert out['TableDescription']['TableName'] == name
    assert name not in aws('list-tables')['TableNames']


def test_cli_errors(aws, cli_table):
    p = aws('describe-table', '--table-name', cli_table, check=False)
    assert p.returncode == 254
    assert 'ResourceNotFoundException' in p.stderr
    assert 'Cannot do operations on a non-existent table' in p.stderr
    aws('create-table', '--table-name', cli_table,
        '--attribute-definitions', 'AttributeName=id,AttributeType=S',
        '--key-schema', 'AttributeName=id,KeyType=HASH',
        '--provisioned-throughput', 'ReadCapacityUnits=1,WriteCapacityUnits=1')
    p = aws('create-table', '--table-name', cli_table,
            '--attribute-definitions', 'AttributeName=id,AttributeType=S',
            '--key-schema', 'AttributeName=id,KeyType=HASH',
            '--billing-mode', 'PAY_PER_REQUEST', check=False)
    assert p.returncode == 254
    assert 'ResourceInUseException' in p.stderr and 'Cannot create preexisting table' in p.stderr
    p = aws('update-table', '--table-name', cli_table, '--provisioned-throughput',
            'ReadCapacityUnits=1,WriteCapacityUnits=1', check=False)
    assert p.returncode == 254
    assert 'The requested throughput value equals the current value' in p.stderr


def test_cli_describe_limits(aws):
    assert aws('describe-limits') == {
        'AccountMaxReadCapacityUnits': 80000, 'AccountMaxWriteCapacityUnits': 80000,
        'TableMaxReadCapacityUnits': 40000, 'TableMaxWriteCapacityUnits': 40000}
