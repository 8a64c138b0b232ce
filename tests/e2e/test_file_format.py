"""The SQLite database file (shared/reference/dynamodb-local.md §10).

(a) a server writes a -sharedDb file; after SIGTERM the file passes
    shared/reference/tools/ddbl_format.py verify and has DynamoDB Local's schema;
(b) a server opens the fixture written by DynamoDB Local 1.25.1 and serves its tables and items;
(c) with --ddblocal and DDB_ORACLE=<path of dynamodb-local>: ddblocal and DynamoDB Local take
    turns on one file, each reading what the other wrote.
"""
import base64
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from conftest import Server, make_client

HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCE = os.path.abspath(os.path.join(HERE, '..', '..', '..', 'shared', 'reference'))
if not os.path.isdir(REFERENCE):
    REFERENCE = '/work/shared/reference'
VERIFIER = os.path.join(REFERENCE, 'tools', 'ddbl_format.py')
FIXTURE = os.path.join(REFERENCE, 'fixtures', 'shared-local-instance.db')
SHARED = 'shared-local-instance.db'

# the numbers of §10.13 (Music, Artist 'A'): as sent, and as DynamoDB Local returns them
NUMBERS = [
    ('0', '0'), ('1', '1'), ('-1', '-1'), ('10', '10'), ('20', '20'), ('00042', '42'),
    ('5.000', '5'), ('100', '100'), ('-100', '-100'), ('1.5', '1.5'), ('-1.5', '-1.5'),
    ('0.001', '0.001'), ('-0.001', '-0.001'), ('-99.99', '-99.99'), ('3.14159', '3.14159'),
    ('123456789012345678901234567890.12345678', '123456789012345678901234567890.12345678'),
    ('1E+125', '1' + '0' * 125), ('-1E+125', '-1' + '0' * 125),
    ('1E-130', '0.' + '0' * 129 + '1'), ('-1E-130', '-0.' + '0' * 129 + '1'),
    ('9.9999999999999999999999999999999999999E+125', '9' * 38 + '0' * 88),
]


def verify(path):
    r = subprocess.run([sys.executable, VERIFIER, 'verify', path], capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


def ro(path):
    return sqlite3.connect('file:%s?mode=ro' % path, uri=True)


def columns(db, table):
    return [(r[1], r[2]) for r in db.execute('PRAGMA table_info("%s")' % table)]


def sql_indexes(db, table):
    return sorted(r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type='index' AND tbl_name=?", (table,)))


def create_music(client, name):
    client.create_table(
        TableName=name,
        KeySchema=[{'AttributeName': 'Artist', 'KeyType': 'HASH'},
                   {'AttributeName': 'Seq', 'KeyType': 'RANGE'}],
        AttributeDefinitions=[{'AttributeName': n, 'AttributeType': t} for n, t in
                              (('Artist', 'S'), ('Seq', 'N'), ('Year', 'N'), ('Genre', 'S'),
                               ('Bin', 'B'))],
        LocalSecondaryIndexes=[{'IndexName': 'ByYear',
                                'KeySchema': [{'AttributeName': 'Artist', 'KeyType': 'HASH'},
                                              {'AttributeName': 'Year', 'KeyType': 'RANGE'}],
                                'Projection': {'ProjectionType': 'ALL'}}],
        GlobalSecondaryIndexes=[{'IndexName': 'GenreBin',
                                 'KeySchema': [{'AttributeName': 'Genre', 'KeyType': 'HASH'},
                                               {'AttributeName': 'Bin', 'KeyType': 'RANGE'}],
                                 'Projection': {'ProjectionType': 'INCLUDE',
                                                'NonKeyAttributes': ['Title']}}],
        BillingMode='PAY_PER_REQUEST')


def create_simple(client, name, keys, billing=None):
    kw = dict(BillingMode='PAY_PER_REQUEST') if billing is None else dict(
        ProvisionedThroughput={'ReadCapacityUnits': billing[0], 'WriteCapacityUnits': billing[1]})
    client.create_table(
        TableName=name,
        KeySchema=[{'AttributeName': n, 'KeyType': 'HASH' if i == 0 else 'RANGE'}
                   for i, (n, _) in enumerate(keys)],
        AttributeDefinitions=[{'AttributeName': n, 'AttributeType': t} for n, t in keys], **kw)


EVERY_TYPE = {
    'Artist': {'S': 'B'}, 'Seq': {'N': '1'},
    'Str': {'S': 'h\u00e9llo \u2713 \U0001F600'}, 'Empty': {'S': ''}, 'Num': {'N': '-0.5'},
    'Bin': {'B': base64.b64decode('AAH+/w==')}, 'T': {'BOOL': True}, 'F': {'BOOL': False},
    'Nul': {'NULL': True}, 'SS': {'SS': ['b', 'a']}, 'NS': {'NS': ['3', '1', '2.5']},
    'BS': {'BS': [b'\x02', b'\x01']},
    'L': {'L': [{'S': 'a'}, {'N': '1'}, {'B': b'\x07'}, {'SS': ['z']}, {'M': {}}, {'L': []}]},
    'M': {'M': {'k': {'S': 'v'}, 'n': {'N': '1'},
                'nested': {'M': {'deep': {'L': [{'S': 'x'}, {'BOOL': True}, {'NULL': True}]}}}}},
    'Year': {'N': '1999'}, 'Genre': {'S': 'rock'}, 'Title': {'S': 't'},
}


def write_everything(client):
    """Creates the tables of §10.13's kinds and fills them; returns {table: [items]}."""
    written = {}
    create_music(client, 'Music')
    music = []
    for i, (sent, _) in enumerate(NUMBERS):
        item = {'Artist': {'S': 'A'}, 'Seq': {'N': sent}, 'Year': {'N': str(2000 + i)},
                'Genre': {'S': 'g%d' % (i % 3)}, 'Bin': {'B': bytes([i])},
                'Title': {'S': 'song %d' % i}, 'Extra': {'N': sent}}
        music.append(item)
    music.append(EVERY_TYPE)
    music.append({'Artist': {'S': 'C'}, 'Seq': {'N': '1'}})   # in neither index
    for item in music:
        client.put_item(TableName='Music', Item=item)
    written['Music'] = music

    client.create_table(
        TableName='HashOnly', BillingMode='PROVISIONED',
        ProvisionedThroughput={'ReadCapacityUnits': 7, 'WriteCapacityUnits': 8},
        KeySchema=[{'AttributeName': 'id', 'KeyType': 'HASH'}],
        AttributeDefinitions=[{'AttributeName': 'id', 'AttributeType': 'N'},
                              {'AttributeName': 's', 'AttributeType': 'S'}],
        GlobalSecondaryIndexes=[{
            'IndexName': 'bys',
            'KeySchema': [{'AttributeName': 's', 'KeyType': 'HASH'},
                          {'AttributeName': 'id', 'KeyType': 'RANGE'}],
            'Projection': {'ProjectionType': 'ALL'},
            'ProvisionedThroughput': {'ReadCapacityUnits': 1, 'WriteCapacityUnits': 1}}])
    written['HashOnly'] = [{'id': {'N': n}, 's': {'S': 'v'}} for n in ('0', '-1.5', '1E+125')]
    create_simple(client, 'StrKeys', [('h', 'S'), ('r', 'S')])
    written['StrKeys'] = [{'h': {'S': 'h'}, 'r': {'S': r}} for r in
                          ('A', 'B', 'a', 'a b', 'aa', 'b', 'z', '~', '\u00e9', '\u00ff',
                           '\u65e5\u672c', '\U0001F600')]
    written['StrKeys'].append({'h': {'S': 'a\u0000b\n\t"/'}, 'r': {'S': 'x'}})
    create_simple(client, 'BinKeys', [('h', 'B'), ('r', 'B')], billing=(3, 4))
    written['BinKeys'] = [{'h': {'B': b'\x01\x02'}, 'r': {'B': bytes.fromhex(r)}, 'v': {'N': '1'}}
                          for r in ('00', '0000', '01', '61', '6162', '62', '7f', '80', 'ff',
                                    'ff00')]
    create_simple(client, 'NumRange', [('id', 'S'), ('n', 'N')])
    written['NumRange'] = [{'id': {'S': 'row'}, 'n': {'N': s}} for s, _ in NUMBERS]
    for t in ('HashOnly', 'StrKeys', 'BinKeys', 'NumRange'):
        for item in written[t]:
            client.put_item(TableName=t, Item=item)
    client.put_item(TableName='Music', Item={'Artist': {'S': 'D'}, 'Seq': {'N': '1'}})
    client.delete_item(TableName='Music', Key={'Artist': {'S': 'D'}, 'Seq': {'N': '1'}})
    return written


def key_of(table, item):
    keys = {'Music': ('Artist', 'Seq'), 'HashOnly': ('id',), 'StrKeys': ('h', 'r'),
            'BinKeys': ('h', 'r'), 'NumRange': ('id', 'n')}[table]
    return {k: item[k] for k in keys}


def normalized(item):
    """The item as DynamoDB Local returns it: numbers normalized, sets sorted."""
    norm = dict(NUMBERS)

    def fix(av):
        (t, v), = av.items()
        if t == 'N':
            return {'N': norm.get(v, str(v))}
        if t == 'NS':
            from decimal import Decimal
            return {'NS': sorted(v, key=Decimal)}
        if t in ('SS', 'BS'):
            return {t: sorted(v)}
        if t == 'L':
            return {'L': [fix(x) for x in v]}
        if t == 'M':
            return {'M': {k: fix(x) for k, x in v.items()}}
        return av
    return {k: fix(v) for k, v in item.items()}


def check_items(client, written):
    for table, items in written.items():
        for item in items:
            got = client.get_item(TableName=table, Key=key_of(table, item), ConsistentRead=True)
            assert got.get('Item') == normalized(item), (table, item)
        count = client.describe_table(TableName=table)['Table']['ItemCount']
        assert count == len(items), table


# =============================================================================================
# (a) what the server under test writes

@pytest.fixture(scope='module')
def written_file(target, tmp_path_factory):
    path = tmp_path_factory.mktemp('ddb-written')
    srv = target.server(['-sharedDb', '-dbPath', str(path)])
    srv.start()
    try:
        client = make_client(srv.url)
        written = write_everything(client)
        check_items(client, written)
        described = {t: client.describe_table(TableName=t)['Table'] for t in written}
    finally:
        code = srv.stop(15)
    return {'dir': str(path), 'file': os.path.join(str(path), SHARED), 'written': written,
            'described': described, 'stop': code}


def test_written_file_exists_alone(written_file):
    names = sorted(os.listdir(written_file['dir']))
    assert names == [SHARED]   # journal mode delete: no -wal / -shm / -journal left behind


def test_written_file_passes_verifier(written_file):
    code, out = verify(written_file['file'])
    assert code == 0, out
    assert ', 0 mismatches' in out
    n_items = sum(len(v) for v in written_file['written'].values())
    assert '5 tables, %d items' % n_items in out


def test_written_file_pragmas(written_file):
    db = ro(written_file['file'])
    assert db.execute('PRAGMA page_size').fetchone()[0] == 1024
    assert db.execute('PRAGMA journal_mode').fetchone()[0] == 'delete'
    assert db.execute('PRAGMA encoding').fetchone()[0] == 'UTF-8'
    assert db.execute('PRAGMA user_version').fetchone()[0] == 0
    assert db.execute('PRAGMA auto_vacuum').fetchone()[0] == 0


def test_written_file_catalog_tables(written_file):
    db = ro(written_file['file'])
    assert db.execute('SELECT version FROM cf').fetchall() == [('v2.4.0',)]
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {'cf', 'dm', 'sm', 'ss', 'us', 'tr'} <= tables
    assert tables - {'cf', 'dm', 'sm', 'ss', 'us', 'tr'} == set(written_file['written'])
    assert [c for c, _ in columns(db, 'dm')] == [
        'TableName', 'CreationDateTime', 'LastDecreaseDate', 'LastIncreaseDate',
        'NumberOfDecreasesToday', 'ReadCapacityUnits', 'WriteCapacityUnits', 'TableInfo',
        'BillingMode', 'PayPerRequestDateTime', 'DeletionProtectionEnabled',
        'DeletionProtectionUpdateTime']
    assert [c for c, _ in columns(db, 'us')] == [
        'StreamID', 'ShardID', 'SequenceNumber', 'CreationDateTime', 'StreamRecord',
        'OperationType']
    assert [c for c, _ in columns(db, 'tr')] == [
        'TransactionId', 'TransactionSignature', 'CreationDateTime']


def test_written_file_dm_rows(written_file):
    db = ro(written_file['file'])
    rows = {r[0]: r[1:] for r in db.execute(
        'SELECT TableName, BillingMode, ReadCapacityUnits, WriteCapacityUnits, '
        'DeletionProtectionEnabled, typeof(DeletionProtectionEnabled), typeof(TableInfo) '
        'FROM dm')}
    assert set(rows) == set(written_file['written'])
    assert rows['Music'][:3] == (1, 0, 0)
    assert rows['HashOnly'][:3] == (0, 7, 8)
    assert rows['BinKeys'][:3] == (0, 3, 4)
    for name, row in rows.items():
        assert row[3] in ('null', 'false'), (name, row)   # stored as text (§10.5)
        assert row[4] == 'text'
        assert row[5] == 'blob'


def test_written_file_music_schema(written_file):
    db = ro(written_file['file'])
    assert columns(db, 'Music') == [
        ('hashKey', 'TEXT'), ('rangeKey', 'BLOB'), ('indexKey_0', 'BLOB'),
        ('hashValue', 'BLOB'), ('rangeValue', 'BLOB'), ('itemSize', 'INTEGER'),
        ('ObjectJSON', 'BLOB'), ('hashRangeValue', 'BLOB'), ('indexKey_1', 'TEXT'),
        ('indexKey_2', 'BLOB')]
    assert sql_indexes(db, 'Music') == ['Music*GenreBin', 'Music*HVI', 'Music*LSI*Year',
                                        'sqlite_autoindex_Music_1']
    info = json.loads(db.execute("SELECT TableInfo FROM dm WHERE TableName='Music'").fetchone()[0])
    cols = {e['DynamoDBAttribute']['AttributeName']: e['SQLiteColumnName']
            for entries in info['SQLiteIndex'].values() for e in entries}
    assert cols == {'Artist': 'hashKey', 'Seq': 'rangeKey', 'Year': 'indexKey_0',
                    'Genre': 'indexKey_1', 'Bin': 'indexKey_2'}
    assert set(info['SQLiteIndex']) == {'', 'ByYear', 'GenreBin'}


def test_written_file_hash_only_schema(written_file):
    db = ro(written_file['file'])
    assert columns(db, 'HashOnly') == [
        ('hashKey', 'BLOB'), ('hashValue', 'BLOB'), ('itemSize', 'INTEGER'),
        ('ObjectJSON', 'BLOB'), ('indexKey_0', 'TEXT')]
    assert sql_indexes(db, 'HashOnly') == ['HashOnly*HVI', 'HashOnly*bys',
                                           'sqlite_autoindex_HashOnly_1']
    assert columns(db, 'BinKeys') == [
        ('hashKey', 'BLOB'), ('rangeKey', 'BLOB'), ('hashValue', 'BLOB'), ('rangeValue', 'BLOB'),
        ('itemSize', 'INTEGER'), ('ObjectJSON', 'BLOB')]
    assert columns(db, 'StrKeys')[:2] == [('hashKey', 'TEXT'), ('rangeKey', 'TEXT')]


def test_written_file_keys_are_blobs(written_file):
    db = ro(written_file['file'])
    for table in written_file['written']:
        cols = [c for c, _ in columns(db, table) if c in ('hashKey', 'rangeKey')
                or c.startswith('indexKey_')]
        for c in cols:
            kinds = {r[0] for r in db.execute('SELECT typeof("%s") FROM "%s"' % (c, table))}
            assert kinds <= {'blob', 'null'}, (table, c, kinds)
            if c in ('hashKey', 'rangeKey'):
                assert kinds == {'blob'}
    # S keys too: a text comparison finds nothing, a blob comparison finds the row
    assert db.execute("SELECT count(*) FROM StrKeys WHERE hashKey='h'").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM StrKeys WHERE hashKey=x'68'").fetchone()[0] == 12


def test_written_file_numbers_sort_bytewise(written_file):
    db = ro(written_file['file'])
    objs = [json.loads(r[0]) for r in db.execute(
        "SELECT ObjectJSON FROM NumRange ORDER BY rangeKey")]
    from decimal import Decimal
    values = [Decimal(o['n']['N']) for o in objs]
    assert values == sorted(values) and len(values) == len(NUMBERS)
    assert sorted(o['n']['N'] for o in objs) == sorted(n for _, n in NUMBERS)


def test_written_file_sizes_match_description(written_file):
    db = ro(written_file['file'])
    for table, desc in written_file['described'].items():
        count, size = db.execute('SELECT count(*), coalesce(sum(itemSize), 0) FROM "%s"'
                                 % table).fetchone()
        assert (desc['ItemCount'], desc['TableSizeBytes']) == (count, size), table


def test_written_file_reopens(target, written_file, tmp_path):
    """The server under test reopens its own file after a restart."""
    shutil.copy(written_file['file'], str(tmp_path))
    srv = target.server(['-sharedDb', '-dbPath', str(tmp_path)]).start()
    try:
        client = make_client(srv.url)
        assert sorted(client.list_tables()['TableNames']) == sorted(written_file['written'])
        check_items(client, written_file['written'])
    finally:
        srv.stop()


def test_written_file_reopens_and_queries_lsi(target, written_file, tmp_path):
    shutil.copy(written_file['file'], str(tmp_path))
    srv = target.server(['-sharedDb', '-dbPath', str(tmp_path)]).start()
    try:
        client = make_client(srv.url)
        q = client.query(TableName='Music', IndexName='ByYear',
                         KeyConditionExpression='Artist = :a AND #y > :y',
                         ExpressionAttributeNames={'#y': 'Year'},
                         ExpressionAttributeValues={':a': {'S': 'A'}, ':y': {'N': '2019'}})
        assert [i['Year']['N'] for i in q['Items']] == ['2020']
    finally:
        srv.stop()


# =============================================================================================
# (b) the fixture written by DynamoDB Local 1.25.1

def fixture_rows(table):
    db = ro(FIXTURE)
    return [(r[0], json.loads(r[1])) for r in db.execute(
        'SELECT itemSize, ObjectJSON FROM "%s"' % table)]


@pytest.fixture(scope='module')
def fixture_server(target, tmp_path_factory):
    path = tmp_path_factory.mktemp('ddb-fixture')
    shutil.copy(FIXTURE, str(path / SHARED))
    srv = target.server(['-sharedDb', '-dbPath', str(path)]).start()
    yield srv
    srv.stop()


@pytest.fixture(scope='module')
def fclient(fixture_server):
    return make_client(fixture_server.url)


def test_fixture_verifies():
    code, out = verify(FIXTURE)
    assert code == 0, out
    assert '6 tables, 61 items, 30 stream records, 626 checks, 0 mismatches' in out


def test_fixture_list_tables(fclient):
    assert fclient.list_tables()['TableNames'] == ['BinKeys', 'ExtTable', 'HashOnly', 'Music',
                                                   'StrKeys', 'TtlNew']


@pytest.mark.parametrize('table,count,size', [
    ('StrKeys', 17, 97), ('BinKeys', 10, 83), ('HashOnly', 3, 24), ('ExtTable', 5, 122),
    ('TtlNew', 0, 0)])
def test_fixture_describe_counts(fclient, table, count, size):
    t = fclient.describe_table(TableName=table)['Table']
    assert (t['ItemCount'], t['TableSizeBytes']) == (count, size)
    assert sum(s for s, _ in fixture_rows(table)) == size


def test_fixture_describe_music(fclient, target):
    t = fclient.describe_table(TableName='Music')['Table']
    # 26 items, 1283 bytes; ddblocal may already have removed the expired item TTL/1 (§16 #1)
    ttl_size = [s for s, o in fixture_rows('Music') if o['Artist']['S'] == 'TTL'][0]
    if target.is_oracle:
        assert (t['ItemCount'], t['TableSizeBytes']) == (26, 1283)
    else:
        assert (t['ItemCount'], t['TableSizeBytes']) in ((26, 1283), (25, 1283 - ttl_size))
    assert [k['AttributeName'] for k in t['KeySchema']] == ['Artist', 'Seq']
    assert t['BillingModeSummary']['BillingMode'] == 'PAY_PER_REQUEST'
    assert [i['IndexName'] for i in t['LocalSecondaryIndexes']] == ['ByYear']
    gsi = t['GlobalSecondaryIndexes'][0]
    assert gsi['IndexName'] == 'GenreBin'
    assert gsi['Projection'] == {'ProjectionType': 'INCLUDE', 'NonKeyAttributes': ['Title']}
    assert t['TableArn'] == 'arn:aws:dynamodb:ddblocal:000000000000:table/Music'


def test_fixture_deletion_protection_text(fixture_server):
    """dm.DeletionProtectionEnabled holds the text 'false' / 'null' (§10.5)."""
    from conftest import Raw
    raw = Raw(fixture_server.url)
    for table, expect in (('Music', False), ('HashOnly', False), ('BinKeys', False)):
        status, _, parsed, _ = raw.call('DescribeTable', {'TableName': table})
        assert status == 200
        assert parsed['Table']['DeletionProtectionEnabled'] is expect


def test_fixture_describe_hash_only(fclient):
    t = fclient.describe_table(TableName='HashOnly')['Table']
    assert t['ProvisionedThroughput']['ReadCapacityUnits'] == 7
    assert t['ProvisionedThroughput']['WriteCapacityUnits'] == 8
    assert [g['IndexName'] for g in t['GlobalSecondaryIndexes']] == ['bys']
    assert [k['AttributeName'] for k in t['GlobalSecondaryIndexes'][0]['KeySchema']] == ['s', 'id']


@pytest.mark.parametrize('sent,returned', NUMBERS, ids=[n[:12] for n, _ in NUMBERS])
def test_fixture_music_numbers(fixture_server, sent, returned):
    from conftest import Raw
    status, _, parsed, _ = Raw(fixture_server.url).call('GetItem', {
        'TableName': 'Music', 'Key': {'Artist': {'S': 'A'}, 'Seq': {'N': sent}}})
    assert status == 200
    assert parsed['Item']['Seq'] == {'N': returned}
    assert parsed['Item']['Artist'] == {'S': 'A'}


def test_fixture_music_query_order(fclient):
    from decimal import Decimal
    items = fclient.query(TableName='Music', KeyConditionExpression='Artist = :a',
                          ExpressionAttributeValues={':a': {'S': 'A'}})['Items']
    seqs = [Decimal(i['Seq']['N']) for i in items]
    assert len(seqs) == 21 and seqs == sorted(seqs)


def test_fixture_music_every_type_item(fixture_server):
    from conftest import Raw
    _, _, parsed, _ = Raw(fixture_server.url).call('GetItem', {
        'TableName': 'Music', 'Key': {'Artist': {'S': 'B'}, 'Seq': {'N': '1'}}})
    stored = [o for _, o in fixture_rows('Music') if o['Artist']['S'] == 'B'][0]
    assert parsed['Item'] == stored
    assert parsed['Item']['Num'] == {'N': '9.5'}
    assert parsed['Item']['SS'] == {'SS': ['a', 'b', 'c', 'd']}
    assert parsed['Item']['Bin'] == {'B': 'AAH+/w=='}


@pytest.mark.parametrize('table', ['StrKeys', 'BinKeys', 'HashOnly', 'ExtTable'])
def test_fixture_items_round_trip(fixture_server, table):
    from conftest import Raw
    raw = Raw(fixture_server.url)
    keys = {'StrKeys': ('h', 'r'), 'BinKeys': ('h', 'r'), 'HashOnly': ('id',),
            'ExtTable': ('id', 'n')}[table]
    for _, obj in fixture_rows(table):
        if obj.get('h') == {'S': '\ud800'}:
            continue   # lone surrogate: §16 #10, ddblocal may reject it
        status, _, parsed, _ = raw.call('GetItem', {'TableName': table,
                                                    'Key': {k: obj[k] for k in keys}})
        assert status == 200
        assert parsed == {'Item': obj}, obj


def test_fixture_str_keys_order_and_odd_strings(fclient):
    items = fclient.query(TableName='StrKeys', KeyConditionExpression='h = :h',
                          ExpressionAttributeValues={':h': {'S': 'h'}})['Items']
    assert [i['r']['S'] for i in items] == ['A', 'B', 'a', 'a b', 'aa', 'b', 'z', '~', '\u00e9',
                                            '\u00ff', '\u65e5\u672c', '\U0001F600']
    for h in ('\u00e9\U0001F600', 'a\u0000b\n\t"/'):
        got = fclient.get_item(TableName='StrKeys', Key={'h': {'S': h}, 'r': {'S': 'x'}})
        assert got['Item'] == {'h': {'S': h}, 'r': {'S': 'x'}}
    got = fclient.get_item(TableName='StrKeys', Key={'h': {'S': 'tx'}, 'r': {'S': '1'}})
    assert got['Item'] == {'h': {'S': 'tx'}, 'r': {'S': '1'}}


def test_fixture_bin_keys_order(fclient):
    items = fclient.query(TableName='BinKeys', KeyConditionExpression='h = :h',
                          ExpressionAttributeValues={':h': {'B': b'\x01\x02'}})['Items']
    assert [i['r']['B'].hex() for i in items] == ['00', '0000', '01', '61', '6162', '62', '7f',
                                                  '80', 'ff', 'ff00']


def test_fixture_ext_table_query(fclient):
    items = fclient.query(TableName='ExtTable', KeyConditionExpression='id = :i AND n > :z',
                          ExpressionAttributeValues={':i': {'S': 'row'}, ':z': {'N': '0'}})['Items']
    assert [i['n']['N'] for i in items] == ['0.5', '3', '42', '100']


def test_fixture_gsi_and_lsi_queries(fclient):
    items = fclient.query(TableName='HashOnly', IndexName='bys',
                          KeyConditionExpression='s = :s',
                          ExpressionAttributeValues={':s': {'S': 'v'}})['Items']
    assert [i['id']['N'] for i in items] == ['0', '1', '2']
    items = fclient.query(TableName='Music', IndexName='ByYear',
                          KeyConditionExpression='Artist = :a',
                          ExpressionAttributeValues={':a': {'S': 'EXT'}})['Items']
    assert [i['Seq']['N'] for i in items] == ['-12.5']


def test_fixture_write_then_verify(target, tmp_path):
    """Writing into DynamoDB Local's file keeps it consistent (server stopped before verify)."""
    shutil.copy(FIXTURE, str(tmp_path / SHARED))
    srv = target.server(['-sharedDb', '-dbPath', str(tmp_path)]).start()
    try:
        c = make_client(srv.url)
        c.put_item(TableName='Music', Item={'Artist': {'S': 'NEW'}, 'Seq': {'N': '-7.25'},
                                            'Year': {'N': '1'}, 'Genre': {'S': 'g'},
                                            'Bin': {'B': b'\x00'}, 'Title': {'S': 't'}})
        c.put_item(TableName='HashOnly', Item={'id': {'N': '99'}, 's': {'S': 'w'}})
        c.delete_item(TableName='BinKeys', Key={'h': {'B': b'\x01\x02'}, 'r': {'B': b'\x00'}})
        c.put_item(TableName='ExtTable', Item={'id': {'S': 'row'}, 'n': {'N': '7'}})
    finally:
        srv.stop()
    code, out = verify(str(tmp_path / SHARED))
    assert code == 0, out
    db = ro(str(tmp_path / SHARED))
    assert db.execute('SELECT count(*) FROM BinKeys').fetchone()[0] == 9
    assert db.execute('SELECT count(*) FROM HashOnly WHERE indexKey_1 IS NOT NULL'
                      ).fetchone()[0] == 4
    assert db.execute("SELECT version FROM cf").fetchall() == [('v2.4.0',)]


# =============================================================================================
# (c) ddblocal and DynamoDB Local on one file, one after the other

def other_servers(target):
    oracle = os.environ.get('DDB_ORACLE')
    if target.kind != 'ddblocal' or not oracle:
        pytest.skip('needs --ddblocal and DDB_ORACLE=<path of dynamodb-local>')
    return os.path.abspath(target.binary), os.path.abspath(oracle)


def run_on(kind, exe, path, fn):
    srv = Server(kind, exe, ['-sharedDb', '-dbPath', str(path)]).start()
    try:
        return fn(make_client(srv.url))
    finally:
        srv.stop()


def test_cross_ddblocal_writes_oracle_reads(target, tmp_path):
    ddblocal, oracle = other_servers(target)
    written = run_on('ddblocal', ddblocal, tmp_path, write_everything)
    assert verify(str(tmp_path / SHARED))[0] == 0

    def read(c):
        assert sorted(c.list_tables()['TableNames']) == sorted(written)
        check_items(c, written)
        c.put_item(TableName='Music', Item={'Artist': {'S': 'ORA'}, 'Seq': {'N': '2.5'},
                                            'Year': {'N': '3'}, 'Genre': {'S': 'g9'},
                                            'Bin': {'B': b'\x09'}})
        q = c.query(TableName='Music', IndexName='GenreBin',
                    KeyConditionExpression='Genre = :g',
                    ExpressionAttributeValues={':g': {'S': 'g0'}})['Items']
        return len(q)
    n_g0 = run_on('oracle', oracle, tmp_path, read)
    assert n_g0 == len([i for i in written['Music'] if i.get('Genre') == {'S': 'g0'}])
    assert verify(str(tmp_path / SHARED))[0] == 0

    def reread(c):
        got = c.get_item(TableName='Music', Key={'Artist': {'S': 'ORA'}, 'Seq': {'N': '2.5'}})
        assert got['Item']['Genre'] == {'S': 'g9'}
        c.delete_item(TableName='Music', Key={'Artist': {'S': 'ORA'}, 'Seq': {'N': '2.5'}})
        check_items(c, written)
    run_on('ddblocal', ddblocal, tmp_path, reread)


def test_cross_oracle_writes_ddblocal_reads(target, tmp_path):
    ddblocal, oracle = other_servers(target)
    written = run_on('oracle', oracle, tmp_path, write_everything)

    def read(c):
        assert sorted(c.list_tables()['TableNames']) == sorted(written)
        check_items(c, written)
        for t in written:
            d = c.describe_table(TableName=t)['Table']
            assert d['ItemCount'] == len(written[t])
        c.put_item(TableName='StrKeys', Item={'h': {'S': 'h'}, 'r': {'S': 'from ddblocal'}})
        c.delete_item(TableName='BinKeys', Key={'h': {'B': b'\x01\x02'}, 'r': {'B': b'\x00'}})
    run_on('ddblocal', ddblocal, tmp_path, read)
    assert verify(str(tmp_path / SHARED))[0] == 0

    def reread(c):
        got = c.get_item(TableName='StrKeys', Key={'h': {'S': 'h'}, 'r': {'S': 'from ddblocal'}})
        assert 'Item' in got
        assert c.describe_table(TableName='BinKeys')['Table']['ItemCount'] == 9
        items = c.query(TableName='StrKeys', KeyConditionExpression='h = :h',
                        ExpressionAttributeValues={':h': {'S': 'h'}})['Items']
        assert len(items) == 13
    run_on('oracle', oracle, tmp_path, reread)


def test_written_file_gsi_added_by_update_table(target, tmp_path):
    """A GSI added by UpdateTable gets its column by ALTER TABLE and is backfilled (§10.3)."""
    srv = target.server(['-sharedDb', '-dbPath', str(tmp_path)]).start()
    try:
        client = make_client(srv.url)
        create_simple(client, 'Later', [('id', 'N')], billing=(7, 8))
        client.put_item(TableName='Later', Item={'id': {'N': '1'}, 's': {'S': 'v'}})
        client.update_table(TableName='Later',
                            AttributeDefinitions=[{'AttributeName': 's', 'AttributeType': 'S'},
                                                  {'AttributeName': 'id', 'AttributeType': 'N'}],
                            GlobalSecondaryIndexUpdates=[{'Create': {
                                'IndexName': 'bys',
                                'KeySchema': [{'AttributeName': 's', 'KeyType': 'HASH'},
                                              {'AttributeName': 'id', 'KeyType': 'RANGE'}],
                                'Projection': {'ProjectionType': 'ALL'},
                                'ProvisionedThroughput': {'ReadCapacityUnits': 1,
                                                          'WriteCapacityUnits': 1}}}])
        for _ in range(300):   # DynamoDB Local backfills while the index is CREATING
            gsi = client.describe_table(TableName='Later')['Table']['GlobalSecondaryIndexes'][0]
            if gsi['IndexStatus'] == 'ACTIVE':
                break
            time.sleep(0.1)
    finally:
        srv.stop()
    path = os.path.join(str(tmp_path), 'shared-local-instance.db')
    assert verify(path)[0] == 0
    db = ro(path)
    assert columns(db, 'Later')[-1] == ('indexKey_0', 'TEXT')
    assert db.execute('SELECT count(*) FROM Later WHERE indexKey_0 IS NOT NULL').fetchone()[0] == 1


def test_acknowledged_writes_survive_kill_9(target, tmp_path):
    """Every acknowledged write is committed: after SIGKILL and a restart on the same -dbPath all
    items are there, deletes stay deleted, and the file is still in DynamoDB Local's format."""
    srv = target.server(['-sharedDb', '-dbPath', str(tmp_path)]).start()
    client = make_client(srv.url)
    create_simple(client, 'Durable', [('id', 'S'), ('n', 'N')])
    for i in range(50):
        client.put_item(TableName='Durable', Item={'id': {'S': 'k'}, 'n': {'N': str(i)},
                                                   'v': {'S': 'value %d' % i}})
    client.delete_item(TableName='Durable', Key={'id': {'S': 'k'}, 'n': {'N': '7'}})
    srv.stop(signal.SIGKILL)
    srv2 = target.server(['-sharedDb', '-dbPath', str(tmp_path)]).start()
    try:
        client = make_client(srv2.url)
        assert client.describe_table(TableName='Durable')['Table']['ItemCount'] == 49
        for i in range(50):
            got = client.get_item(TableName='Durable', Key={'id': {'S': 'k'}, 'n': {'N': str(i)}})
            assert got.get('Item') == (None if i == 7 else {
                'id': {'S': 'k'}, 'n': {'N': str(i)}, 'v': {'S': 'value %d' % i}})
    finally:
        srv2.stop()
    assert verify(str(tmp_path / SHARED))[0] == 0


def test_optimize_db_before_startup_keeps_everything(target, tmp_path):
    """-optimizeDbBeforeStartup on DynamoDB Local's own file: it starts, the data are intact and
    the file is still in DynamoDB Local's format."""
    shutil.copy(FIXTURE, str(tmp_path / SHARED))
    srv = target.server(['-sharedDb', '-dbPath', str(tmp_path), '-optimizeDbBeforeStartup']).start()
    try:
        client = make_client(srv.url)
        assert sorted(client.list_tables()['TableNames']) == [
            'BinKeys', 'ExtTable', 'HashOnly', 'Music', 'StrKeys', 'TtlNew']
        got = client.get_item(TableName='StrKeys', Key={'h': {'S': 'h'}, 'r': {'S': '\u65e5\u672c'}})
        assert got['Item'] == {'h': {'S': 'h'}, 'r': {'S': '\u65e5\u672c'}}
    finally:
        srv.stop()
    assert verify(str(tmp_path / SHARED))[0] == 0


def test_cross_trigger_tables(target, tmp_path):
    """The stream-trigger tables ddblocal adds (ddblocal_trigger_mapping, _checkpoint) do not
    bother DynamoDB Local: it opens the file, sees only the user's table, writes to it; ddblocal
    then resumes its mapping at the checkpoint and delivers only DynamoDB Local's new record."""
    import urllib.request
    ddblocal, oracle = other_servers(target)
    db = tmp_path / 'db'
    db.mkdir()
    log = tmp_path / 'events.jsonl'
    trig = ['-trigger', 'TableName=Trig,StartingPosition=TRIM_HORIZON,Handler=exec:cat >> %s; echo >> %s'
            % (log, log)]

    def ddblocal_run(fn):
        srv = Server('ddblocal', ddblocal, ['-sharedDb', '-dbPath', str(db)] + trig).start()
        try:
            fn(make_client(srv.url))
            with urllib.request.urlopen(srv.url + '/_ddblocal/triggers/wait?timeout=20', timeout=30) as r:
                assert json.load(r)['Drained'] is True
        finally:
            srv.stop()

    def first(c):
        c.create_table(TableName='Trig', AttributeDefinitions=[{'AttributeName': 'k', 'AttributeType': 'S'}],
                       KeySchema=[{'AttributeName': 'k', 'KeyType': 'HASH'}], BillingMode='PAY_PER_REQUEST',
                       StreamSpecification={'StreamEnabled': True, 'StreamViewType': 'NEW_IMAGE'})
        for k in ('a', 'b'):
            c.put_item(TableName='Trig', Item={'k': {'S': k}})
    ddblocal_run(first)
    con = sqlite3.connect(str(db / SHARED))
    names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    con.close()
    assert {'ddblocal_trigger_mapping', 'ddblocal_trigger_checkpoint'} <= names

    def oracle_side(c):
        assert c.list_tables()['TableNames'] == ['Trig']
        assert sorted(i['k']['S'] for i in c.scan(TableName='Trig')['Items']) == ['a', 'b']
        c.put_item(TableName='Trig', Item={'k': {'S': 'from-oracle'}})
    run_on('oracle', oracle, db, oracle_side)
    ddblocal_run(lambda c: None)
    keys = [rec['dynamodb']['Keys']['k']['S'] for line in log.read_text().splitlines() if line.strip()
            for rec in json.loads(line)['Records']]
    assert keys == ['a', 'b', 'from-oracle']
