"""Stream trigger handlers run by the server (src/trig_run.c) through the real binary: exec:
(response, exit status, timeout killing the process group, environment), python: (the persistent
worker: boto3 forced to ddblocal, exceptions, timeout and respawn, import errors, print), invoke:
(a Lambda-style Invoke endpoint: success, X-Amz-Function-Error, connection refused), the admin
endpoints (/_ddblocal/triggers, /_ddblocal/triggers/wait, /_ddblocal/health) and the server staying
responsive while a handler runs. ddblocal only: DynamoDB Local has no triggers.
"""
import http.client
import http.server
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time

import pytest

from conftest import free_port, make_client

pytestmark = pytest.mark.ddblocal_only

PY = sys.executable


def start(server_factory, tmp_path, *specs, shared=True, env=None):
    """A ddblocal in tmp_path (the handlers' working directory) with these -trigger specs."""
    os.environ['DDBLOCAL_TRIGGER_BACKOFF_MS'] = '20'
    os.environ.update(env or {})
    args = ['-inMemory'] + (['-sharedDb'] if shared else [])
    for s in specs:
        args += ['-trigger', s]
    return server_factory(args, cwd=str(tmp_path))


def spec(handler, table='src', **params):
    """-trigger Name=Value,...,Handler=HANDLER (TRIM_HORIZON unless given)."""
    params.setdefault('StartingPosition', 'TRIM_HORIZON')
    parts = ['TableName=%s' % table] + ['%s=%s' % kv for kv in params.items()]
    return ','.join(parts + ['Handler=' + handler])


def client(srv, key='ddblocal', region='us-east-1'):
    return make_client(srv.url, key=key, region=region)


def make_table(c, name='src', stream=True):
    kw = {}
    if stream:
        kw['StreamSpecification'] = {'StreamEnabled': True, 'StreamViewType': 'NEW_AND_OLD_IMAGES'}
    c.create_table(TableName=name, KeySchema=[{'AttributeName': 'pk', 'KeyType': 'HASH'}],
                   AttributeDefinitions=[{'AttributeName': 'pk', 'AttributeType': 'S'}],
                   BillingMode='PAY_PER_REQUEST', **kw)


def put(c, pk, table='src', **attrs):
    item = {'pk': {'S': pk}}
    item.update({k: {'S': v} for k, v in attrs.items()})
    c.put_item(TableName=table, Item=item)


def request(srv, method, path, body=None, timeout=60):
    """(status, headers, parsed JSON body)."""
    conn = http.client.HTTPConnection('127.0.0.1', srv.port, timeout=timeout)
    conn.request(method, path, body=body)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, json.loads(data) if data else None


def wait(srv, timeout=20, method='POST'):
    return request(srv, method, '/_ddblocal/triggers/wait?timeout=%s' % timeout)


def drained(srv, timeout=20):
    status, _, body = wait(srv, timeout)
    assert status == 200, (body, srv.output())
    assert body == {'Drained': True}


def status_of(srv):
    status, _, body = request(srv, 'GET', '/_ddblocal/triggers')
    assert status == 200
    return body['EventSourceMappings']


def events(path):
    """The events a handler appended to path, one JSON per line."""
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def keys(evs):
    return [r['dynamodb']['Keys']['pk']['S'] for e in evs for r in e['Records']]


def write(path, text):
    with open(path, 'w') as f:
        f.write(text)
    return str(path)


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead too (reaped later by its parent)
    try:
        with open('/proc/%d/stat' % pid) as f:
            return f.read().split(') ')[1][0] != 'Z'
    except OSError:
        return False


# ---- exec: ------------------------------------------------------------------------------------

# appends the event to events.jsonl; the first time it reports the batch's second record failed
EXEC_LOG = r'''
import json, os, sys
event = json.loads(sys.stdin.read())
with open('events.jsonl', 'a') as f:
    f.write(json.dumps(event) + '\n')
if not os.path.exists('answered') and len(event['Records']) > 1:
    open('answered', 'w').close()
    second = event['Records'][1]['dynamodb']['SequenceNumber']
    sys.stdout.write(json.dumps({'batchItemFailures': [{'itemIdentifier': second}]}))
'''


def test_exec_gets_the_event_and_its_stdout_is_the_response(server_factory, tmp_path):
    """The event arrives on stdin; stdout {"batchItemFailures":[...]} makes the engine retry from
    that record, so the handler's stdout demonstrably reached it."""
    script = write(tmp_path / 'h.py', EXEC_LOG)
    srv = start(server_factory, tmp_path, spec('exec:%s %s' % (PY, script), BatchSize=10,
                                               MaximumBatchingWindowInSeconds=1,
                                               FunctionResponseTypes='ReportBatchItemFailures'))
    c = client(srv)
    make_table(c)
    for k in ('a', 'b', 'c'):
        put(c, k)
    drained(srv)
    evs = events(tmp_path / 'events.jsonl')
    assert keys(evs) == ['a', 'b', 'c', 'b', 'c'], srv.output()
    rec = evs[0]['Records'][0]
    assert rec['eventSource'] == 'aws:dynamodb' and rec['eventName'] == 'INSERT'
    assert rec['eventSourceARN'].startswith('arn:aws:dynamodb:')
    assert 'PartialFailure' in srv.output()


COUNTING_FAILURE = r'''
import os, sys
n = int(open('count').read()) if os.path.exists('count') else 0
open('count', 'w').write(str(n + 1))
sys.stdin.read()
if n < 2:
    sys.stderr.write('first line\nfailing on purpose %d\n\n' % n)
    sys.exit(3)
'''


def test_exec_non_zero_exit_is_a_function_error_and_retried(server_factory, tmp_path):
    script = write(tmp_path / 'h.py', COUNTING_FAILURE)
    srv = start(server_factory, tmp_path, spec('exec:%s %s' % (PY, script), FunctionName='fails'))
    c = client(srv)
    make_table(c)
    put(c, 'a')
    drained(srv)
    assert open(tmp_path / 'count').read() == '3'
    out = srv.output()
    # stderr passes through, and its last line completes the detail
    assert 'first line' in out
    assert 'FunctionError: exit status 3: failing on purpose 0' in out, out
    assert 'FunctionError: exit status 3: failing on purpose 1' in out
    st = status_of(srv)[0]
    assert st['Errors'] == 2 and st['LastProcessingResult'] == 'OK'


def test_exec_killed_by_a_signal_is_a_function_error(server_factory, tmp_path):
    srv = start(server_factory, tmp_path,
                spec('exec:cat > /dev/null; kill -9 $$', MaximumRetryAttempts=0))
    c = client(srv)
    make_table(c)
    put(c, 'a')
    drained(srv)
    assert 'FunctionError: killed by signal 9' in srv.output()


SLOW_ONCE = r'''
if [ ! -e slow-done ]; then
  touch slow-done
  sleep 60 &
  echo $! > sleep.pid
  wait
fi
cat > /dev/null
echo ok >> finished
'''


def test_exec_timeout_kills_the_process_group(server_factory, tmp_path):
    script = write(tmp_path / 'h.sh', SLOW_ONCE)
    srv = start(server_factory, tmp_path, spec('exec:sh %s' % script, Timeout=1))
    c = client(srv)
    make_table(c)
    put(c, 'a')
    t0 = time.time()
    drained(srv)
    assert time.time() - t0 < 10
    assert 'Timeout' in srv.output()
    # the background sleep was in the handler's process group: killed with it
    pid = int(open(tmp_path / 'sleep.pid').read())
    deadline = time.time() + 5
    while pid_alive(pid) and time.time() < deadline:
        time.sleep(0.05)
    assert not pid_alive(pid)
    assert open(tmp_path / 'finished').read() == 'ok\n'


def test_exec_environment(server_factory, tmp_path):
    script = write(tmp_path / 'h.py', 'import json, os, sys\nsys.stdin.read()\n'
                   'json.dump(dict(os.environ), open("env.json", "w"))\n')
    srv = start(server_factory, tmp_path,
                spec('exec:%s %s' % (PY, script), FunctionName='envfn', Region='eu-west-2',
                     AccessKeyId='akey'),
                env={'DDBLOCAL_TEST_PASSTHROUGH': 'kept'})
    c = client(srv, key='akey', region='eu-west-2')
    make_table(c)
    put(c, 'a')
    drained(srv)
    env = json.load(open(tmp_path / 'env.json'))
    url = 'http://127.0.0.1:%d' % srv.port
    for name in ('AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL_DYNAMODB_STREAMS',
                 'DDBLOCAL_ENDPOINT'):
        assert env[name] == url
    assert env['AWS_REGION'] == env['AWS_DEFAULT_REGION'] == 'eu-west-2'
    assert env['AWS_ACCESS_KEY_ID'] == 'akey'
    assert env['AWS_SECRET_ACCESS_KEY'] == 'ddblocal'
    assert env['AWS_LAMBDA_FUNCTION_NAME'] == 'envfn'
    assert env['DDBLOCAL_TRIGGER_UUID'] == status_of(srv)[0]['UUID']
    assert len(env['DDBLOCAL_REQUEST_ID']) == 36
    assert env['DDBLOCAL_TEST_PASSTHROUGH'] == 'kept'


def test_server_answers_while_a_handler_runs(server_factory, tmp_path):
    srv = start(server_factory, tmp_path, spec('exec:cat > /dev/null; sleep 2'))
    c = client(srv)
    make_table(c)
    put(c, 'a')
    deadline = time.time() + 5
    while not status_of(srv)[0]['InFlight'] and time.time() < deadline:
        time.sleep(0.02)
    assert status_of(srv)[0]['InFlight']
    t0 = time.time()
    assert c.get_item(TableName='src', Key={'pk': {'S': 'a'}})['Item']['pk'] == {'S': 'a'}
    assert time.time() - t0 < 0.5
    assert status_of(srv)[0]['InFlight']  # still sleeping
    drained(srv)


def test_stop_kills_running_handlers(server_factory, tmp_path):
    srv = start(server_factory, tmp_path, spec('exec:echo $$ > sh.pid; sleep 60', Timeout=900))
    c = client(srv)
    make_table(c)
    put(c, 'a')
    deadline = time.time() + 5
    while not os.path.exists(tmp_path / 'sh.pid') and time.time() < deadline:
        time.sleep(0.02)
    pid = int(open(tmp_path / 'sh.pid').read())
    assert pid_alive(pid)
    t0 = time.time()
    assert srv.stop() == 0
    assert time.time() - t0 < 5
    deadline = time.time() + 5
    while pid_alive(pid) and time.time() < deadline:
        time.sleep(0.05)
    assert not pid_alive(pid)


# ---- python: ----------------------------------------------------------------------------------

WRITE_BACK = r'''
import os
import re
import boto3

# Cruddur's way: a region and the real endpoint hard-coded at import time
dynamodb = boto3.resource('dynamodb', region_name='ca-central-1',
                          endpoint_url='http://dynamodb.ca-central-1.amazonaws.com')
client = boto3.client('dynamodb', 'ca-central-1', endpoint_url='https://dynamodb.ca-central-1.amazonaws.com',
                      aws_access_key_id='AKIAREALKEY', aws_secret_access_key='secret')
imports = 0
imports += 1

def handler(event, context):
    table = dynamodb.Table('dst')
    for r in event['Records']:
        if r['eventName'] != 'INSERT':
            continue
        pk = r['dynamodb']['Keys']['pk']['S']
        table.put_item(Item={'pk': pk, 'fn': context.function_name, 'rid': context.aws_request_id,
                             'arn': context.invoked_function_arn, 'ver': context.function_version,
                             'group': context.log_group_name, 'mem': context.memory_limit_in_mb,
                             'left': context.get_remaining_time_in_millis(), 'imports': imports,
                             'pid': os.getpid(), 'env_rid': os.environ['DDBLOCAL_REQUEST_ID']})
        client.put_item(TableName='dst', Item={'pk': {'S': pk + '-client'}})
    print('handled %d records' % len(event['Records']))
    return None
'''


def test_python_handler_writes_back_through_a_forced_endpoint(server_factory, tmp_path):
    h = write(tmp_path / 'writer.py', WRITE_BACK)
    # separate databases per key and region: the writes must land in the mapping's own
    srv = start(server_factory, tmp_path, spec('python:%s:handler' % h, FunctionName='writer'),
                shared=False)
    c = client(srv)
    make_table(c)
    make_table(c, 'dst', stream=False)
    put(c, 'a')
    drained(srv)
    put(c, 'b')
    drained(srv)
    items = {i['pk']['S']: i for i in c.scan(TableName='dst')['Items']}
    assert set(items) == {'a', 'a-client', 'b', 'b-client'}, srv.output()
    a, b = items['a'], items['b']
    assert a['fn'] == {'S': 'writer'} and a['ver'] == {'S': '$LATEST'} and a['mem'] == {'S': '128'}
    assert a['arn']['S'].endswith(':function:writer') and a['group'] == {'S': '/aws/lambda/writer'}
    assert 0 < int(a['left']['N']) <= 3000
    assert a['rid'] == a['env_rid'] and a['rid'] != b['rid']
    # one persistent worker: the module was imported once, by one process
    assert a['imports'] == b['imports'] == {'N': '1'} and a['pid'] == b['pid']
    assert 'handled 1 records' in srv.output()
    # nothing went to a ca-central-1 database
    assert make_client(srv.url, key='ddblocal', region='ca-central-1').list_tables()['TableNames'] == []


RAISES_ONCE = r'''
calls = 0

def lambda_handler(event, context):
    global calls
    calls += 1
    if calls == 1:
        raise ValueError('boom %d' % len(event['Records']))
    with open('ok.txt', 'a') as f:
        f.write('%d\n' % calls)
    return {'batchItemFailures': []}
'''


def test_python_exception_is_a_function_error(server_factory, tmp_path):
    h = write(tmp_path / 'raises.py', RAISES_ONCE)
    srv = start(server_factory, tmp_path, spec('python:%s' % h))
    c = client(srv)
    make_table(c)
    put(c, 'a')
    drained(srv)
    out = srv.output()
    assert 'FunctionError: ValueError: boom 1' in out, out
    assert 'Traceback' in out  # the traceback goes to ddblocal's stderr
    # the retry ran in the same worker (module state kept)
    assert open(tmp_path / 'ok.txt').read() == '2\n'
    assert status_of(srv)[0]['Errors'] == 1


SLEEPS_ONCE = r'''
import os, time

def lambda_handler(event, context):
    with open('pids', 'a') as f:
        f.write('%d\n' % os.getpid())
    if not os.path.exists('slept'):
        open('slept', 'w').close()
        time.sleep(30)
    with open('done', 'a') as f:
        f.write('%d\n' % len(event['Records']))
'''


def test_python_timeout_kills_and_respawns_the_worker(server_factory, tmp_path):
    h = write(tmp_path / 'sleeper.py', SLEEPS_ONCE)
    srv = start(server_factory, tmp_path, spec('python:%s' % h, Timeout=1))
    c = client(srv)
    make_table(c)
    put(c, 'a')
    t0 = time.time()
    drained(srv)
    assert time.time() - t0 < 10
    assert 'Timeout' in srv.output()
    pids = [int(p) for p in open(tmp_path / 'pids').read().split()]
    assert len(pids) == 2 and pids[0] != pids[1]
    assert not pid_alive(pids[0])
    assert open(tmp_path / 'done').read() == '1\n'


def test_python_import_error_fails_every_call(server_factory, tmp_path):
    h = write(tmp_path / 'broken.py', 'import no_such_module_anywhere\n\ndef lambda_handler(e, c):\n    return 1\n')
    srv = start(server_factory, tmp_path, spec('python:%s' % h, MaximumRetryAttempts=1))
    c = client(srv)
    make_table(c)
    put(c, 'a')
    drained(srv)  # two attempts, then discarded
    out = srv.output()
    assert out.count("FunctionError: ModuleNotFoundError: No module named 'no_such_module_anywhere'") == 2, out
    st = status_of(srv)[0]
    assert st['Errors'] == 2 and st['LastProcessingResult'] == 'PROBLEM: Function call failed'


def test_python_missing_function(server_factory, tmp_path):
    h = write(tmp_path / 'nofn.py', 'def other(e, c):\n    return 1\n')
    srv = start(server_factory, tmp_path, spec('python:%s:absent' % h, MaximumRetryAttempts=0))
    c = client(srv)
    make_table(c)
    put(c, 'a')
    drained(srv)
    assert 'Runtime.HandlerNotFound' in srv.output()


def test_python_worker_crash_is_a_function_error(server_factory, tmp_path):
    h = write(tmp_path / 'crash.py', 'import os\n\ndef lambda_handler(e, c):\n'
              '    if not os.path.exists("crashed"):\n        open("crashed", "w").close()\n'
              '        os._exit(7)\n    open("after", "w").write("ok")\n')
    srv = start(server_factory, tmp_path, spec('python:%s' % h))
    c = client(srv)
    make_table(c)
    put(c, 'a')
    drained(srv)
    assert 'python worker exited (exit status 7)' in srv.output()
    assert open(tmp_path / 'after').read() == 'ok'


# ---- invoke: ----------------------------------------------------------------------------------

class Lambda:
    """A tiny Lambda Invoke endpoint: records every call; answers from a script of replies."""

    def __init__(self, port=0):
        self.calls = []
        self.replies = []  # (status, headers, body) per call; then 200 {"ok":true}
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def do_POST(self):
                body = self.rfile.read(int(self.headers['Content-Length']))
                outer.calls.append((self.path, dict(self.headers), json.loads(body)))
                status, headers, reply = outer.replies.pop(0) if outer.replies else (200, {}, b'{"ok":true}')
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header('Content-Length', str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', port), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def lam():
    servers = []

    def make(port=0):
        s = Lambda(port)
        servers.append(s)
        return s
    yield make
    for s in servers:
        s.close()


def test_invoke_posts_the_event(server_factory, tmp_path, lam):
    fn = lam()
    srv = start(server_factory, tmp_path,
                spec('invoke:http://127.0.0.1:%d' % fn.port, FunctionName='myfn'))
    c = client(srv)
    make_table(c)
    put(c, 'a')
    put(c, 'b')
    drained(srv)
    assert fn.calls
    path, headers, event = fn.calls[0]
    assert path == '/2015-03-31/functions/myfn/invocations'
    assert headers['Content-Type'] == 'application/json'
    assert headers['X-Amz-Invocation-Type'] == 'RequestResponse'
    assert keys([e for _, _, e in fn.calls]) == ['a', 'b']
    assert status_of(srv)[0]['LastProcessingResult'] == 'OK'


def test_invoke_url_with_a_path_is_used_as_is(server_factory, tmp_path, lam):
    fn = lam()
    srv = start(server_factory, tmp_path,
                spec('invoke:http://localhost:%d/custom/path?x=1' % fn.port, FunctionName='myfn'))
    c = client(srv)
    make_table(c)
    put(c, 'a')
    drained(srv)
    assert fn.calls[0][0] == '/custom/path?x=1'


def test_invoke_function_error_header_is_retried(server_factory, tmp_path, lam):
    fn = lam()
    fn.replies.append((200, {'X-Amz-Function-Error': 'Unhandled'},
                       b'{"errorMessage":"bad thing","errorType":"KeyError"}'))
    srv = start(server_factory, tmp_path, spec('invoke:http://127.0.0.1:%d' % fn.port))
    c = client(srv)
    make_table(c)
    put(c, 'a')
    drained(srv)
    assert len(fn.calls) == 2
    assert fn.calls[0][2] == fn.calls[1][2]
    assert 'FunctionError: Unhandled: KeyError: bad thing' in srv.output()
    assert status_of(srv)[0]['Errors'] == 1


def test_invoke_other_status_is_a_function_error_and_5xx_not_delivered(server_factory, tmp_path, lam):
    fn = lam()
    fn.replies += [(503, {}, b'{}'), (429, {}, b'{}'), (404, {}, b'{"Message":"no such function"}')]
    # one retry allowed: the 404 uses it up, 503 and 429 do not count (the function never ran)
    srv = start(server_factory, tmp_path, spec('invoke:http://127.0.0.1:%d' % fn.port,
                                               MaximumRetryAttempts=1))
    c = client(srv)
    make_table(c)
    put(c, 'a')
    drained(srv)
    assert len(fn.calls) == 4
    out = srv.output()
    assert 'NotDelivered: HTTP 503' in out and 'NotDelivered: HTTP 429' in out
    assert 'FunctionError: HTTP 404' in out
    assert status_of(srv)[0]['LastProcessingResult'] == 'OK'



def test_invoke_connection_refused_is_retried_until_delivered(server_factory, tmp_path, lam):
    port = free_port()
    # no retries allowed: refused connections must not use up the (single) attempt
    srv = start(server_factory, tmp_path, spec('invoke:http://127.0.0.1:%d' % port,
                                               MaximumRetryAttempts=0))
    c = client(srv)
    make_table(c)
    put(c, 'a')
    status, _, body = wait(srv, 1)
    assert status == 408 and body['Drained'] is False
    assert 'NotDelivered: cannot connect to 127.0.0.1:%d' % port in srv.output()
    fn = lam(port)
    drained(srv, 30)
    assert keys([e for _, _, e in fn.calls]) == ['a']


# ---- admin endpoints --------------------------------------------------------------------------

def test_admin_list_health_and_wait(server_factory, tmp_path):
    srv = start(server_factory, tmp_path, spec('exec:cat > /dev/null', FunctionName='lister',
                                               BatchSize=7))
    status, headers, body = request(srv, 'GET', '/_ddblocal/health')
    assert status == 200 and body == {'status': 'ok'}
    assert headers['content-type'] == 'application/json'
    status, headers, body = request(srv, 'GET', '/_ddblocal/triggers')
    assert status == 200 and headers['content-type'] == 'application/json'
    [m] = body['EventSourceMappings']
    assert m['FunctionName'] == 'lister' and m['BatchSize'] == 7 and m['TableName'] == 'src'
    assert m['Handler'] == 'exec:cat > /dev/null' and m['State'] == 'Enabled'
    c = client(srv)
    make_table(c)
    put(c, 'a')
    for method in ('GET', 'POST'):
        status, headers, body = wait(srv, 10, method)
        assert status == 200 and body == {'Drained': True}
        assert headers['content-type'] == 'application/json'
    assert status_of(srv)[0]['Invocations'] >= 1
    status, _, body = request(srv, 'GET', '/_ddblocal/triggers/wait?timeout=abc')
    assert status == 400


def test_wait_times_out_with_a_failing_handler(server_factory, tmp_path):
    srv = start(server_factory, tmp_path, spec('exec:exit 1'))
    c = client(srv)
    make_table(c)
    put(c, 'a')
    t0 = time.time()
    status, headers, body = wait(srv, 1)
    took = time.time() - t0
    assert status == 408 and 0.9 < took < 5
    assert headers['content-type'] == 'application/json'
    assert body['Drained'] is False
    assert body['EventSourceMappings'][0]['LastProcessingResult'] == 'PROBLEM: Function call failed'
    assert body['EventSourceMappings'][0]['Errors'] >= 1


def test_wait_keeps_pipelined_answers_in_order(server_factory, tmp_path):
    srv = start(server_factory, tmp_path, spec('exec:exit 1'))
    c = client(srv)
    make_table(c)
    put(c, 'a')
    s = socket.create_connection(('127.0.0.1', srv.port))
    s.sendall(b'GET /_ddblocal/triggers/wait?timeout=0.5 HTTP/1.1\r\nHost: x\r\n\r\n'
              b'GET /_ddblocal/health HTTP/1.1\r\nHost: x\r\n\r\n')
    s.settimeout(10)
    data = b''
    while data.count(b'HTTP/1.1 ') < 2 or not data.endswith(b'{"status":"ok"}'):
        chunk = s.recv(65536)
        assert chunk
        data += chunk
    s.close()
    first, second = data.index(b'HTTP/1.1 408'), data.index(b'HTTP/1.1 200')
    assert first < second


def test_other_paths_keep_dynamodb_local_answers(server_factory, tmp_path):
    srv = start(server_factory, tmp_path, spec('exec:cat > /dev/null'))
    status, headers, _ = request(srv, 'GET', '/_ddblocal/unknown')
    status_root, headers_root, _ = request(srv, 'GET', '/')
    assert (status, headers['content-type']) == (status_root, headers_root['content-type'])
    assert headers['content-type'] == 'application/x-amz-json-1.0'


def test_exec_large_event_and_oversized_response(server_factory, tmp_path):
    """A ~5.7 MB event arrives whole on stdin (written asynchronously, well past a pipe buffer);
    a response over Lambda's 6 MB limit is a function error."""
    script = write(tmp_path / 'h.py', 'import json, os, sys\nevent = json.loads(sys.stdin.read())\n'
                   'open("sizes", "a").write("%d\\n" % len(event["Records"]))\n'
                   'if not os.path.exists("big-done"):\n    open("big-done", "w").close()\n'
                   '    sys.stdout.write("x" * (6 * 1024 * 1024 + 1))\n')
    srv = start(server_factory, tmp_path, spec('exec:%s %s' % (PY, script), BatchSize=100,
                                               MaximumBatchingWindowInSeconds=2))
    c = client(srv)
    make_table(c)
    for i in range(15):
        put(c, 'k%02d' % i, blob='v' * 380000)
    drained(srv, 60)
    assert open(tmp_path / 'sizes').read().split() == ['15', '15'], srv.output()
    assert 'FunctionError: response larger than 6 MB' in srv.output()


# ---- command line -----------------------------------------------------------------------------

def test_triggers_file_and_flags_combine_in_order(server_factory, tmp_path):
    path = write(tmp_path / 'esm.json', json.dumps({'EventSourceMappings': [
        {'TableName': 'src', 'FunctionName': 'from-file', 'Handler': 'exec:cat > /dev/null',
         'StartingPosition': 'TRIM_HORIZON'}]}))
    srv = server_factory(['-inMemory', '-sharedDb', '-trigger', spec('exec:true', FunctionName='flag1'),
                          '-triggers', path, '-trigger', 'src=exec:true'], cwd=str(tmp_path))
    names = [m['FunctionName'] for m in status_of(srv)]
    assert names[:2] == ['flag1', 'from-file'] and len(names) == 3


@pytest.mark.parametrize('args, named', [
    (['-trigger', 'src=nosuchkind:x'], 'nosuchkind'),
    (['-triggers', '/nonexistent/esm.json'], '/nonexistent/esm.json'),
    (['-trigger', 'TableName=src,BatchSize=0,Handler=exec:true'], 'BatchSize'),
])
def test_invalid_trigger_configuration_exits_before_listening(server_factory, tmp_path, args, named):
    port = free_port()
    srv = server_factory(['-inMemory', '-port', str(port)] + args, cwd=str(tmp_path), start=False)
    p = subprocess.run([srv.exe] + srv.args, capture_output=True, text=True, timeout=30,
                       cwd=str(tmp_path))
    assert p.returncode == 1
    line = re.search(r'^ddblocal: .+', p.stderr, re.M)
    assert line and named in line.group(0), p.stderr
    assert 'listening' not in p.stdout
