#!/usr/bin/python3
"""The Cruddur week-5 messaging flow as an acceptance test (../shared/reference/cruddur.md).

    /usr/bin/python3 compat/cruddur/run.py --ddblocal ./build/ddblocal [--only VARIANT ...] [-v] [--keep]
    /usr/bin/python3 compat/cruddur/run.py --oracle ../shared/oracle/dynamodb-local [--port 8710]

With --ddblocal it starts ddblocal once per variant, each time in a fresh directory (-sharedDb
-dbPath DIR on a free port) with one trigger on cruddur-messages:

    builtin          -trigger cruddur-messages=builtin:cruddur-message-groups
    python           -trigger TableName=cruddur-messages,BatchSize=1,Handler=python:compat/cruddur/cruddur_messaging_stream.py
                     (a handler written like the app's Lambda: Records[0] only, hard-coded region
                     and AWS endpoint, which ddblocal's python runner redirects; BatchSize 1 as in
                     the app's SAM template)
    python-batch100  -trigger cruddur-messages=python:compat/cruddur/cruddur_messaging_stream.py
                     (the default BatchSize 100: reproduces the app's stale-preview defect, §9.1)

and runs the app's flow: schema load (CreateTable with the GSI), seed (PutItems), the stream
enabled with UpdateTable NEW_IMAGE as the console does, a new message (pattern C), a new
conversation (pattern D), a burst of two messages in one request; after each it waits on
POST /_ddblocal/triggers/wait and checks, with consistent reads, the conversation rows (pattern B),
the messages (pattern A), the stream records the handler's writes produced, the trigger status
and the server's log lines. Then it restarts ddblocal on the same directory and checks that the
stream and the checkpoint persisted: the next message is handled, nothing is delivered twice.

With --oracle the same flow runs against DynamoDB Local, which has no triggers: the test plays the
event source mapping itself (reads the stream, calls cruddur_messaging_stream.lambda_handler, its
resource pointed at the server, with BatchSize 1 and then 100) to check the test's own
expectations of the python and python-batch100 variants.

Prints one line per check; exit status 0 when all pass, 1 otherwise."""
import argparse
import datetime
import http.client
import importlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import app  # noqa: E402

HANDLER_FILE = 'compat/cruddur/cruddur_messaging_stream.py'
# How a handler variant treats a batch: ALL records in order (the builtin, any BatchSize), or
# the FIRST record only (the Lambda) with BatchSize 1 (as the app's template sets it) or 100 (the
# default, which shows the app's stale-preview defect, cruddur.md §9.1).
ALL, FIRST_OF_1, FIRST_OF_100 = 'all', 'first-of-1', 'first-of-100'
VARIANTS = {
    # name: (-trigger value, Handler in the status, mode)
    'builtin': ('cruddur-messages=builtin:cruddur-message-groups', 'builtin:cruddur-message-groups', ALL),
    'python': ('TableName=cruddur-messages,BatchSize=1,Handler=python:' + HANDLER_FILE, 'python:' + HANDLER_FILE,
               FIRST_OF_1),
    'python-batch100': ('cruddur-messages=python:' + HANDLER_FILE, 'python:' + HANDLER_FILE, FIRST_OF_100),
}

# `trigger <FunctionName> <uuid first 8>: <n> records <first seq>..<last seq> shard <id> <ms> ms <outcome>`
INVOCATION_LINE = re.compile(r'trigger \S+ [0-9a-f]{8}: (\d+) records \d+\.\.\d+ shard \S+ \d+ ms ')


# --- reporting -------------------------------------------------------------------------------------
class Checks:
    def __init__(self, verbose):
        self.verbose, self.passed, self.failed, self.prefix = verbose, 0, 0, ''

    def ok(self, what, cond, detail=''):
        if cond:
            self.passed += 1
            print('  ok    %s%s' % (self.prefix, what))
        else:
            self.failed += 1
            print('  FAIL  %s%s%s' % (self.prefix, what, (': ' + detail) if detail else ''))
        return bool(cond)

    def eq(self, what, got, want):
        return self.ok(what, got == want, 'got %s, want %s' % (short(got), short(want)))


def short(v, n=400):
    s = json.dumps(v, default=str, sort_keys=True) if not isinstance(v, str) else repr(v)
    return s if len(s) <= n else s[:n] + '...'


# --- servers ---------------------------------------------------------------------------------------
def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def http_call(url, method, path, timeout=90):
    host, port = url.split('//', 1)[1].rsplit(':', 1)
    c = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        c.request(method, path, body=b'' if method == 'POST' else None)
        r = c.getresponse()
        raw = r.read()
    finally:
        c.close()
    try:
        return r.status, json.loads(raw) if raw else None
    except ValueError:
        return r.status, raw.decode('utf-8', 'replace')


class Server:
    """A server process started by this test, its URL and its stderr in a file."""

    def __init__(self, argv, workdir, env=None, cwd=None, timeout=120, log='stderr.log'):
        self.log_path = os.path.join(workdir, log)
        self.log = open(self.log_path, 'w+')
        self.argv = argv
        self.port = int(argv[argv.index('-port') + 1])
        self.url = 'http://127.0.0.1:%d' % self.port
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=self.log, stdin=subprocess.DEVNULL,
                                     cwd=cwd, env=env, start_new_session=True)
        deadline = time.time() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError('%s exited with status %s:\n%s' % (argv[0], self.proc.returncode, self.stderr()))
            try:
                http_call(self.url, 'GET', '/', timeout=2)
                return
            except OSError:
                if time.time() > deadline:
                    self.stop()
                    raise RuntimeError('%s did not answer on port %d' % (argv[0], self.port))
                time.sleep(0.1)

    def stderr(self):
        with open(self.log_path) as f:
            return f.read()

    def stop(self):
        """SIGTERM, then the exit status (None if it had to be killed)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return None
        self.log.close()
        return self.proc.returncode


# --- the stream, as a reader and as the oracle's stand-in event source mapping ---------------------
class StreamReader:
    """Reads every record of cruddur-messages' latest stream, each once, in shard order."""

    def __init__(self, url):
        self.ddb = app.client(url)
        self.streams = app.client(url, service='dynamodbstreams')
        self.arn, self.after = None, {}

    def new_records(self):
        if not self.arn:
            self.arn = self.ddb.describe_table(TableName=app.TABLE)['Table']['LatestStreamArn']
        out = []
        shards = self.streams.describe_stream(StreamArn=self.arn)['StreamDescription']['Shards']
        for shard in shards:
            sid = shard['ShardId']
            args = {'StreamArn': self.arn, 'ShardId': sid}
            if sid in self.after:
                args.update(ShardIteratorType='AFTER_SEQUENCE_NUMBER', SequenceNumber=self.after[sid])
            else:
                args.update(ShardIteratorType='TRIM_HORIZON')
            it = self.streams.get_shard_iterator(**args)['ShardIterator']
            while it:
                page = self.streams.get_records(ShardIterator=it)
                if not page['Records']:
                    break
                for rec in page['Records']:
                    self.after[sid] = rec['dynamodb']['SequenceNumber']
                    out.append(rec)
                it = page.get('NextShardIterator')
        return out


def lambda_event(rec, arn):
    """A GetRecords record (as boto3 parsed it) as a Lambda event record."""
    rec = json.loads(json.dumps(rec, default=lambda t: t.timestamp()))
    rec['eventSourceARN'] = arn
    return rec


class SelfFeed:
    """For DynamoDB Local: plays an event source mapping (StartingPosition LATEST, attached
    before the stream existed: every record of the stream) with batch_size, and the handler module
    in this process, pointed at the server. Records a handler writes form later batches."""

    def __init__(self, url, batch_size):
        self.batch_size = batch_size
        import boto3
        self.reader = StreamReader(url)
        self.mod = importlib.import_module('cruddur_messaging_stream')
        self.mod.dynamodb = boto3.resource('dynamodb', endpoint_url=url, region_name='ca-central-1',
                                           aws_access_key_id='lambda', aws_secret_access_key='lambda')
        self.invocations = 0

    def drain(self):
        while True:
            recs = self.reader.new_records()
            if not recs:
                return
            for i in range(0, len(recs), self.batch_size):
                self.invocations += 1
                event = {'Records': [lambda_event(r, self.reader.arn) for r in recs[i:i + self.batch_size]]}
                with open(os.devnull, 'w') as quiet:
                    old, sys.stdout = sys.stdout, quiet
                    try:
                        self.mod.lambda_handler(event, None)
                    finally:
                        sys.stdout = old


# --- the flow --------------------------------------------------------------------------------------
def group_rows_of(ddb, user, group):
    """Every row of user's partition for the conversation (consistent, no year filter)."""
    items = ddb.query(TableName=app.TABLE, ConsistentRead=True, KeyConditionExpression='pk = :pk',
                      ExpressionAttributeValues={':pk': app.S('GRP#' + user['uuid'])})['Items']
    return [i for i in items if i.get('message_group_uuid') == app.S(group)]


def summary(records):
    """[(eventName, first four characters of pk)] of stream records."""
    return [(r['eventName'], r['dynamodb']['Keys']['pk']['S'][:4]) for r in records]


def run_flow(chk, url, wait, mode):
    """The app's flow against the server at url. wait() lets the triggers drain and returns
    (ok, detail). mode: ALL, FIRST_OF_1 or FIRST_OF_100 (see VARIANTS). Returns how many
    stream records the flow produced."""
    ddb = app.client(url)
    brown, bayko, londo = app.USERS['andrewbrown'], app.USERS['bayko'], app.USERS['londo']
    g1 = app.SEED['message_group_uuid']

    # schema-load: ACTIVE at once, GSI included
    t = app.schema_load(ddb)['TableDescription']
    chk.eq('CreateTable: TableStatus', t['TableStatus'], 'ACTIVE')
    chk.eq('CreateTable: GSI', [(g['IndexName'], g['IndexStatus'], g['Projection']) for g in t.get('GlobalSecondaryIndexes', [])],
           [(app.INDEX, 'ACTIVE', {'ProjectionType': 'ALL'})])

    # seed: no waiter, PutItems answer {}
    base = app.now() - datetime.timedelta(hours=1)
    items = app.seed_items(base)
    answers = [ddb.put_item(TableName=app.TABLE, Item=i) for i in items]
    chk.eq('seed: %d PutItems answer {}' % len(items),
           [sorted(k for k in a if k != 'ResponseMetadata') for a in answers], [[]] * len(items))
    # the console step
    ddb.update_table(TableName=app.TABLE, StreamSpecification={'StreamEnabled': True, 'StreamViewType': 'NEW_IMAGE'})
    d = ddb.describe_table(TableName=app.TABLE)['Table']
    chk.eq('UpdateTable: StreamSpecification', d.get('StreamSpecification'),
           {'StreamEnabled': True, 'StreamViewType': 'NEW_IMAGE'})
    chk.ok('UpdateTable: LatestStreamArn', '/stream/' in d.get('LatestStreamArn', ''), short(d.get('LatestStreamArn')))
    stream = StreamReader(url)

    year = app.timestamp(app.now())[:4]
    before = app.list_message_groups(ddb, brown['uuid'], app.timestamp(base)[:4], consistent=True)
    chk.eq('pattern B before: andrewbrown', [(g['uuid'], g['handle'], g['message']) for g in before],
           [(g1, 'bayko', app.SEED['group_message'])])
    ok, detail = wait()
    chk.ok('nothing to deliver before the first message', ok, detail)
    chk.eq('no stream records from the seed (written before the stream)', summary(stream.new_records()), [])

    # pattern C: a new message in the seeded conversation
    text_c = 'Pattern C: a brand new message from andrewbrown'
    c = app.create_message(ddb, g1, brown, text_c, app.now())
    sk_c = c['sk']['S']
    ok, detail = wait()
    chk.ok('pattern C: triggers drained', ok, detail)
    for user, other in ((brown, bayko), (bayko, brown)):
        rows = group_rows_of(ddb, user, g1)
        chk.eq('pattern C: %s has one row of the conversation' % user['handle'], len(rows), 1)
        chk.eq('pattern C: %s row is the new message (whole item)' % user['handle'], rows,
               [app.group_row(user, other, g1, sk_c, text_c)])
    gsi = ddb.query(TableName=app.TABLE, IndexName=app.INDEX, KeyConditionExpression='message_group_uuid = :g',
                    ExpressionAttributeValues={':g': app.S(g1)})['Items']
    chk.eq('pattern C: GSI rows of the conversation', sorted((i['pk']['S'], i['sk']['S']) for i in gsi),
           sorted(('GRP#' + u['uuid'], sk_c) for u in (brown, bayko)))
    recs = stream.new_records()
    chk.eq('pattern C: stream records (message, then a REMOVE and an INSERT per group row)', summary(recs),
           [('INSERT', 'MSG#')] + [('REMOVE', 'GRP#'), ('INSERT', 'GRP#')] * 2)
    total = len(recs)
    groups = app.list_message_groups(ddb, brown['uuid'], year, consistent=True)
    chk.eq('pattern B after C: andrewbrown', [(g['uuid'], g['handle'], g['message'], g['created_at']) for g in groups],
           [(g1, 'bayko', text_c, sk_c)])
    msgs = app.list_messages(ddb, g1, year, consistent=True)
    chk.eq('pattern A after C: newest message last', (msgs[-1]['message'], msgs[-1]['handle'], msgs[-1]['created_at']),
           (text_c, 'andrewbrown', sk_c))
    if year == app.timestamp(base)[:4]:
        chk.eq('pattern A after C: seed + new message', len(msgs), len(app.SEED['messages']) + 1)

    # pattern D: a new conversation, its group rows written by the app itself
    text_d = 'Pattern D: hello Londo, new conversation'
    g3, items_d, r = app.create_message_group(ddb, brown, londo, text_d, app.now())
    sk_d = items_d[0]['sk']['S']
    chk.eq('pattern D: BatchWriteItem answer', r.get('UnprocessedItems'), {})
    ok, detail = wait()
    chk.ok('pattern D: triggers drained', ok, detail)
    groups = app.list_message_groups(ddb, brown['uuid'], year, consistent=True)
    chk.eq('pattern D: list_message_groups(andrewbrown), newest first',
           [(g['uuid'], g['handle'], g['display_name'], g['message'], g['created_at']) for g in groups],
           [(g3, 'londo', 'Londo Mollari', text_d, sk_d), (g1, 'bayko', 'Andrew Bayko', text_c, sk_c)])
    groups = app.list_message_groups(ddb, londo['uuid'], year, consistent=True)
    chk.eq('pattern D: list_message_groups(londo)',
           [(g['uuid'], g['handle'], g['message'], g['created_at']) for g in groups], [(g3, 'andrewbrown', text_d, sk_d)])
    msgs = app.list_messages(ddb, g3, year, consistent=True)
    chk.eq('pattern D: list_messages of the new conversation',
           [(m['handle'], m['message'], m['created_at']) for m in msgs], [('andrewbrown', text_d, sk_d)])
    for user, other in ((brown, londo), (londo, brown)):
        chk.eq('pattern D: %s row (whole item)' % user['handle'], group_rows_of(ddb, user, g3),
               [app.group_row(user, other, g3, sk_d, text_d)])
    recs = stream.new_records()
    # The Lambda with BatchSize 1 gets the message record alone and rewrites both rows with the
    # values they already hold; with BatchSize 100 its Records[0] is a group row (nothing done);
    # the builtin sees the rows already hold them and writes nothing.
    want = [('INSERT', 'GRP#'), ('INSERT', 'GRP#'), ('INSERT', 'MSG#')]
    if mode == FIRST_OF_1:
        want += [('REMOVE', 'GRP#'), ('INSERT', 'GRP#')] * 2
    chk.eq('pattern D: stream records', summary(recs), want)
    total += len(recs)

    # a burst: two messages in one request, so one batch when BatchSize > 1 (cruddur.md §9.1)
    t1 = app.now()
    burst = [app.message_row(bayko, g1, app.timestamp(t1), 'burst message 1'),
             app.message_row(bayko, g1, app.timestamp(t1 + datetime.timedelta(milliseconds=1)),
                             'burst message 2 (the latest)')]
    ddb.batch_write_item(RequestItems={app.TABLE: [{'PutRequest': {'Item': i}} for i in burst]})
    ok, detail = wait()
    chk.ok('burst: triggers drained', ok, detail)
    # both records come in one batch when BatchSize > 1; the Lambda then sees only the first
    shown = burst[0] if mode == FIRST_OF_100 else burst[1]
    for user, other in ((brown, bayko), (bayko, brown)):
        chk.eq('burst: %s row shows %s' % (user['handle'], shown['message']['S']), group_rows_of(ddb, user, g1),
               [app.group_row(user, other, g1, shown['sk']['S'], shown['message']['S'])])
    recs = stream.new_records()
    chk.eq('burst: stream records', summary(recs),
           [('INSERT', 'MSG#')] * 2 + [('REMOVE', 'GRP#'), ('INSERT', 'GRP#')] * (2 if mode == FIRST_OF_100 else 4))
    total += len(recs)
    n_items = len(ddb.scan(TableName=app.TABLE, ConsistentRead=True)['Items'])
    chk.eq('items at the end (2 + seed messages + 1 + 3 + 2)', n_items, 2 + len(app.SEED['messages']) + 1 + 3 + 2)
    return total


def drained_by_ddblocal(url):
    def wait():
        status, body = http_call(url, 'POST', '/_ddblocal/triggers/wait?timeout=60')
        return status == 200 and body == {'Drained': True}, '%s %s' % (status, short(body))
    return wait


def trigger_status(chk, url, handler):
    """The one mapping's status (checked for table, handler, state, errors), or {}."""
    status, body = http_call(url, 'GET', '/_ddblocal/triggers')
    maps = (body or {}).get('EventSourceMappings', []) if status == 200 else []
    chk.eq('GET /_ddblocal/triggers: one mapping', (status, len(maps)), (200, 1))
    m = maps[0] if maps else {}
    chk.eq('status: table, handler, state', (m.get('TableName'), m.get('Handler'), m.get('State')),
           ('cruddur-messages', handler, 'Enabled'))
    chk.eq('status: result, errors, in flight', (m.get('LastProcessingResult'), m.get('Errors'), m.get('InFlight')),
           ('OK', 0, False))
    return m


def check_log(chk, server, rc, invocations, records):
    """The server stopped cleanly and logged one OK line per invocation, covering records."""
    log = server.stderr()
    # invocation lines only (the engine also logs, with the same prefix, waiting for the table
    # or its stream and starting to read it)
    lines = [ln for ln in log.splitlines() if INVOCATION_LINE.match(ln)]
    chk.eq('exit status after SIGTERM', rc, 0)
    chk.eq('one log line per invocation', len(lines), invocations)
    chk.eq('every invocation OK in the log', [ln for ln in lines if not ln.endswith(' OK')], [])
    chk.eq('records delivered (log lines)', sum(int(INVOCATION_LINE.match(ln).group(1)) for ln in lines), records)
    if chk.failed and chk.verbose:
        print('--- stderr (last 60 lines) ---\n%s' % '\n'.join(log.splitlines()[-60:]))


def run_ddblocal(chk, binary, variant, keep):
    spec, handler, mode = VARIANTS[variant]
    work = tempfile.mkdtemp(prefix='cruddur-%s-' % variant)
    db = os.path.join(work, 'db')
    os.mkdir(db)
    env = dict(os.environ, DDBLOCAL_PYTHON=sys.executable)
    argv = [os.path.abspath(binary), '-sharedDb', '-dbPath', db, '-port', str(free_port()), '-trigger', spec]
    print('%s: %s' % (variant, ' '.join(argv[1:])))
    started = time.time()
    server = Server(argv, work, env=env, cwd=ROOT)
    chk.prefix = variant + ': '
    inv, total = -1, -1
    try:
        status, body = http_call(server.url, 'GET', '/_ddblocal/health')
        chk.eq('GET /_ddblocal/health', (status, body), (200, {'status': 'ok'}))
        total = run_flow(chk, server.url, drained_by_ddblocal(server.url), mode)
        inv = trigger_status(chk, server.url, handler).get('Invocations', -1)
        if mode != FIRST_OF_1:
            chk.ok('status: invocations (batches of up to 100 records)', 5 <= inv <= total, 'got %s for %d records' % (inv, total))
        else:
            chk.eq('status: invocations (BatchSize 1: one per record)', inv, total)
    finally:
        rc = server.stop()
    check_log(chk, server, rc, inv, total)
    print('%s: flow with %d stream records, %d invocations: %.2f s' % (variant, total, inv, time.time() - started))

    # A restart on the same directory: the stream and the checkpoint persist, nothing already
    # delivered is delivered again, and the next message is handled as before.
    chk.prefix = variant + ' after restart: '
    argv[argv.index('-port') + 1] = str(free_port())
    server = Server(argv, work, env=env, cwd=ROOT, log='stderr-restart.log')
    inv = -1
    try:
        ddb = app.client(server.url)
        brown, bayko = app.USERS['andrewbrown'], app.USERS['bayko']
        g1 = app.SEED['message_group_uuid']
        text = 'After the restart: are the conversations still there?'
        c = app.create_message(ddb, g1, bayko, text, app.now())
        ok, detail = drained_by_ddblocal(server.url)()
        chk.ok('triggers drained', ok, detail)
        for user, other in ((brown, bayko), (bayko, brown)):
            chk.eq('%s row is the new message' % user['handle'], group_rows_of(ddb, user, g1),
                   [app.group_row(user, other, g1, c['sk']['S'], text)])
        recs = StreamReader(server.url).new_records()
        chk.eq('stream: earlier records kept, then the new message and its 4 rewrites',
               (len(recs), summary(recs[total:])),
               (total + 5, [('INSERT', 'MSG#')] + [('REMOVE', 'GRP#'), ('INSERT', 'GRP#')] * 2))
        m = trigger_status(chk, server.url, handler)
        inv = m.get('Invocations', -1)
        chk.eq('status: checkpoint at the last record',
               [(cp.get('ShardId'), cp.get('SequenceNumber')) for cp in m.get('Checkpoints', [])],
               [(s['ShardId'], recs[-1]['dynamodb']['SequenceNumber'])
                for s in StreamReader(server.url).streams.describe_stream(
                    StreamArn=ddb.describe_table(TableName=app.TABLE)['Table']['LatestStreamArn'])['StreamDescription']['Shards']])
    finally:
        rc = server.stop()
    check_log(chk, server, rc, inv, 5)
    if keep:
        print('kept %s' % work)
    else:
        shutil.rmtree(work, ignore_errors=True)


def run_oracle(chk, oracle, port, batch_size, mode):
    work = tempfile.mkdtemp(prefix='cruddur-oracle-')
    argv = [os.path.abspath(oracle), '-inMemory', '-sharedDb', '-port', str(port)]
    print('oracle, BatchSize %d: %s' % (batch_size, ' '.join(argv)))
    server = Server(argv, work, timeout=300)
    chk.prefix = 'oracle BatchSize %d: ' % batch_size
    try:
        feed = [None]

        def wait():
            if feed[0] is None:
                feed[0] = SelfFeed(server.url, batch_size)
            feed[0].drain()
            return True, ''
        total = run_flow(chk, server.url, wait, mode)
        if batch_size == 1:
            chk.eq('invocations (BatchSize 1: one per record)', feed[0].invocations, total)
        print('oracle: %d stream records, %d invocations' % (total, feed[0].invocations))
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument('--ddblocal', help='the ddblocal binary')
    g.add_argument('--oracle', help='DynamoDB Local launcher (../shared/oracle/dynamodb-local)')
    ap.add_argument('--only', choices=sorted(VARIANTS), action='append', help='run one handler variant')
    ap.add_argument('--port', type=int, default=8710, help='oracle port (default 8710)')
    ap.add_argument('--keep', action='store_true', help='keep the database directories and logs')
    ap.add_argument('-v', '--verbose', action='store_true', help="print the server's stderr on failure")
    args = ap.parse_args()
    chk = Checks(args.verbose)
    try:
        if args.oracle:
            run_oracle(chk, args.oracle, args.port, 1, FIRST_OF_1)
            run_oracle(chk, args.oracle, args.port, 100, FIRST_OF_100)
        else:
            for variant in args.only or list(VARIANTS):
                run_ddblocal(chk, args.ddblocal, variant, args.keep)
    except Exception as e:  # a crash of the flow is a failure with its reason, not a traceback only
        import traceback
        traceback.print_exc()
        chk.ok('flow ran to the end', False, '%s: %s' % (type(e).__name__, e))
    print('cruddur: %d checks passed, %d failed' % (chk.passed, chk.failed))
    return 1 if chk.failed else 0


if __name__ == '__main__':
    sys.exit(main())
