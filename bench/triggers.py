#!/usr/bin/env python3
"""Stream-trigger benchmark (issue 8): latency from an acknowledged PutItem to the handler, and how
fast a handler keeps up with a write workload.

Usage: bench/triggers.py DDBLOCAL_BINARY [RESULTS_FILE]   (default bench/results.triggers.txt)
Knobs (environment): BENCH_TRIG_LAT=200 sequential writes per latency run,
BENCH_TRIG_N=5000 items per throughput run, BENCH_TRIG_WRITERS=4 writer connections.

One ddblocal (-sharedDb -inMemory) with four mappings on four tables:
  exec      `exec:{ date +%s%N; cat; echo; } >> FILE`, BatchSize 1: a process per batch that
            stamps the time it started (the shell and date are its whole start-up cost)
  python    `python:FILE`, BatchSize 1: the persistent worker stamps time.time_ns() on entry
  builtin   builtin:cruddur-message-groups on the Cruddur table (cruddur.md §3): a new message
            rewrites its conversation's two group rows (a GSI Query, 2 DeleteItem, 2 PutItem)
  sink      `exec:cat >/dev/null`, BatchSize 100 (throughput of the exec runner)
Latency: per write, "invoked" = the handler's own timestamp minus the client's clock when the
PutItem answer arrived (exec, python); "processed" = when GET /_ddblocal/triggers/wait answered
200 (the handler finished and the checkpoint moved) minus the same instant. The next write is sent
only after that, so every write is measured alone. "invoked" can be at or below zero: the server
starts a handler in the same loop turn as it queues the PutItem answer, and a persistent python
worker can stamp its entry before the client has read that answer. Throughput: WRITERS connections write N
items as fast as they can; records/s = stream records processed (the builtin's own writes
included) / (drained - first write); drain time = drained - last write acknowledged.
"""
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

AUTH = ('AWS4-HMAC-SHA256 Credential=ddblocal/20240101/us-east-1/dynamodb/aws4_request, '
        'SignedHeaders=host, Signature=abc')
LAT = int(os.environ.get('BENCH_TRIG_LAT', '200'))
N = int(os.environ.get('BENCH_TRIG_N', '5000'))
WRITERS = int(os.environ.get('BENCH_TRIG_WRITERS', '4'))
GROUPS = 50
PY_HANDLER = r'''
import os, time
OUT = os.environ["BENCH_TRIG_PY_OUT"]
def lambda_handler(event, context):
    t = time.time_ns()
    with open(OUT, "a") as f:
        for r in event["Records"]:
            f.write("%d %s\n" % (t, r["dynamodb"]["Keys"]["pk"]["S"]))
'''


class Conn:
    """A keep-alive connection to ddblocal."""

    def __init__(self, port):
        self.port = port
        self.c = http.client.HTTPConnection('127.0.0.1', port, timeout=120)

    def call(self, op, body, prefix='DynamoDB_20120810'):
        self.c.request('POST', '/', json.dumps(body), {
            'X-Amz-Target': '%s.%s' % (prefix, op), 'Content-Type': 'application/x-amz-json-1.0',
            'Authorization': AUTH})
        r = self.c.getresponse()
        data = r.read()
        if r.status != 200:
            raise RuntimeError('%s: HTTP %d %s' % (op, r.status, data[:300]))
        return json.loads(data) if data else {}

    def wait(self, timeout=60):
        self.c.request('GET', '/_ddblocal/triggers/wait?timeout=%d' % timeout)
        r = self.c.getresponse()
        data = r.read()
        if r.status != 200:
            raise RuntimeError('triggers did not drain in %d s: %s' % (timeout, data[:2000]))

    def status(self):
        self.c.request('GET', '/_ddblocal/triggers')
        r = self.c.getresponse()
        return json.loads(r.read())['EventSourceMappings']


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    p = s.getsockname()[1]
    s.close()
    return p


def start(binary, work, mappings, env):
    tf = os.path.join(work, 'triggers.json')
    with open(tf, 'w') as f:
        json.dump({'EventSourceMappings': mappings}, f)
    port = free_port()
    log = open(os.path.join(work, 'ddblocal.log'), 'wb')
    proc = subprocess.Popen([binary, '-sharedDb', '-inMemory', '-port', str(port), '-triggers', tf],
                            stdout=log, stderr=subprocess.STDOUT, cwd=work, env=dict(os.environ, **env))
    deadline = time.time() + 20
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError('ddblocal exited with status %d (log %s)' % (proc.returncode, log.name))
        try:
            c = http.client.HTTPConnection('127.0.0.1', port, timeout=2)
            c.request('GET', '/_ddblocal/health')
            c.getresponse().read()
            c.close()
            return proc, port
        except OSError:
            time.sleep(0.02)
    proc.kill()
    raise RuntimeError('ddblocal did not answer')


def simple_table(conn, name):
    conn.call('CreateTable', {
        'TableName': name, 'KeySchema': [{'AttributeName': 'pk', 'KeyType': 'HASH'}],
        'AttributeDefinitions': [{'AttributeName': 'pk', 'AttributeType': 'S'}], 'BillingMode': 'PAY_PER_REQUEST',
        'StreamSpecification': {'StreamEnabled': True, 'StreamViewType': 'NEW_AND_OLD_IMAGES'}})


def cruddur_table(conn, schema_path):
    with open(schema_path) as f:
        schema = json.load(f)
    schema['StreamSpecification'] = {'StreamEnabled': True, 'StreamViewType': 'NEW_IMAGE'}
    conn.call('CreateTable', schema)
    for g in range(GROUPS):
        for u in ('a', 'b'):
            conn.call('PutItem', {'TableName': 'cruddur-messages', 'Item': {
                'pk': {'S': 'GRP#user-%s-%03d' % (u, g)}, 'sk': {'S': '2026-11-24T00:00:00.000000+00:00'},
                'message_group_uuid': {'S': 'group-%03d' % g}, 'message': {'S': 'filler'},
                'user_uuid': {'S': 'user-%s-%03d' % ('b' if u == 'a' else 'a', g)},
                'user_display_name': {'S': 'User'}, 'user_handle': {'S': 'user'}}})


def message(i, tag):
    g = i % GROUPS
    sk = '2026-11-24T01:%02d:%02d.%06d+00:00' % (i // 3600 % 60, i // 60 % 60, i % 1000000)
    return {'TableName': 'cruddur-messages', 'Item': {
        'pk': {'S': 'MSG#group-%03d' % g}, 'sk': {'S': sk}, 'message': {'S': '%s message %d' % (tag, i)},
        'message_uuid': {'S': '%s-%d' % (tag, i)}, 'user_uuid': {'S': 'user-a-%03d' % g},
        'user_display_name': {'S': 'User'}, 'user_handle': {'S': 'user'}}}


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


def latency(conn, table, item_of, stamp_file=None):
    """Sequential writes; returns (invoked ms list or None, processed ms list)."""
    acks, processed = [], []
    for i in range(LAT):
        conn.call('PutItem', item_of(i))
        t_ack = time.time_ns()
        conn.wait()
        processed.append((time.time_ns() - t_ack) / 1e6)
        acks.append(t_ack)
    if not stamp_file:
        return None, processed
    stamps = read_stamps(stamp_file)
    if len(stamps) != LAT:
        raise RuntimeError('%s: %d handler stamps for %d writes' % (table, len(stamps), LAT))
    return [(s - a) / 1e6 for s, a in zip(stamps, acks)], processed


def read_stamps(path):
    stamps = []
    with open(path) as f:
        for line in f:
            w = line.split(' ', 1)[0].strip()
            if w.isdigit() and len(w) >= 18:
                stamps.append(int(w))
    return stamps


def stream_count(conn, table, after_seq):
    """Records of table's stream with a sequence number above after_seq, and the highest one."""
    arn = conn.call('DescribeTable', {'TableName': table})['Table']['LatestStreamArn']
    shards = conn.call('DescribeStream', {'StreamArn': arn}, 'DynamoDBStreams_20120810')['StreamDescription']['Shards']
    n, top = 0, after_seq
    for sh in shards:
        it = conn.call('GetShardIterator', {'StreamArn': arn, 'ShardId': sh['ShardId'],
                                            'ShardIteratorType': 'TRIM_HORIZON'},
                       'DynamoDBStreams_20120810')['ShardIterator']
        while it:
            page = conn.call('GetRecords', {'ShardIterator': it, 'Limit': 1000}, 'DynamoDBStreams_20120810')
            for r in page['Records']:
                s = int(r['dynamodb']['SequenceNumber'])
                if s > after_seq:
                    n += 1
                top = max(top, s)
            if not page['Records']:
                break
            it = page.get('NextShardIterator')
    return n, top


def throughput(port, conn, table, body_of):
    """WRITERS connections write N items; returns (writes/s, records processed, records/s,
    drain ms after the last write)."""
    _, before = stream_count(conn, table, 0)
    errors = []

    def run(w):
        c = Conn(port)
        try:
            for i in range(w, N, WRITERS):
                c.call('PutItem', body_of(i))
        except Exception as e:   # noqa: BLE001 (reported below)
            errors.append(e)
    threads = [threading.Thread(target=run, args=(w,)) for w in range(WRITERS)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    t_w = time.perf_counter()
    conn.wait(120)
    t_d = time.perf_counter()
    if errors:
        raise RuntimeError('writer failed: %s' % errors[0])
    n, _ = stream_count(conn, table, before)
    return N / (t_w - t0), n, n / (t_d - t0), (t_d - t_w) * 1000


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    binary = os.path.abspath(sys.argv[1])
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, 'results.triggers.txt')
    schema = os.path.join(here, '..', 'data', 'cruddur', 'schema.json')
    work = tempfile.mkdtemp(prefix='ddbtrig.')
    exec_out = os.path.join(work, 'exec.stamps')
    py_out = os.path.join(work, 'py.stamps')
    py_file = os.path.join(work, 'stamp.py')
    with open(py_file, 'w') as f:
        f.write(PY_HANDLER)
    mappings = [
        {'TableName': 'lat_exec', 'FunctionName': 'lat-exec', 'StartingPosition': 'TRIM_HORIZON', 'BatchSize': 1,
         'Handler': 'exec:{ date +%%s%%N; cat; echo; } >> %s' % exec_out},
        {'TableName': 'lat_py', 'FunctionName': 'lat-python', 'StartingPosition': 'TRIM_HORIZON', 'BatchSize': 1,
         'Handler': 'python:' + py_file},
        {'TableName': 'cruddur-messages', 'FunctionName': 'cruddur', 'StartingPosition': 'LATEST',
         'Handler': 'builtin:cruddur-message-groups'},
        {'TableName': 'sink', 'FunctionName': 'sink', 'StartingPosition': 'TRIM_HORIZON', 'BatchSize': 100,
         'Handler': 'exec:cat >/dev/null'},
    ]
    env = {'BENCH_TRIG_PY_OUT': py_out}
    if os.path.exists('/usr/bin/python3') and 'DDBLOCAL_PYTHON' not in os.environ:
        env['DDBLOCAL_PYTHON'] = '/usr/bin/python3'
    proc, port = start(binary, work, mappings, env)
    rows = []
    try:
        conn = Conn(port)
        for t in ('lat_exec', 'lat_py', 'sink'):
            simple_table(conn, t)
        cruddur_table(conn, schema)
        conn.wait()

        inv, done = latency(conn, 'lat_exec', lambda i: {'TableName': 'lat_exec', 'Item': {'pk': {'S': 'e%d' % i}}},
                            exec_out)
        rows.append(('exec', inv, done))
        inv, done = latency(conn, 'lat_py', lambda i: {'TableName': 'lat_py', 'Item': {'pk': {'S': 'p%d' % i}}}, py_out)
        rows.append(('python', inv, done))
        _, done = latency(conn, 'cruddur-messages', lambda i: message(i, 'lat'))
        rows.append(('builtin', None, done))
        # the builtin really did its work: the last message's group rows carry its text
        last = message(LAT - 1, 'lat')['Item']
        q = conn.call('Query', {'TableName': 'cruddur-messages', 'IndexName': 'message-group-sk-index',
                                'KeyConditionExpression': 'message_group_uuid = :g',
                                'ExpressionAttributeValues': {':g': {'S': last['pk']['S'][4:]}}})
        if q['Count'] != 2 or any(it['message'] != last['message'] for it in q['Items']):
            raise RuntimeError('builtin:cruddur-message-groups did not update the group rows: %s' % q)

        tput = [('builtin',) + throughput(port, conn, 'cruddur-messages', lambda i: message(i, 'tput')),
                ('exec sink',) + throughput(port, conn, 'sink',
                                            lambda i: {'TableName': 'sink', 'Item': {'pk': {'S': 's%d' % i}}})]
        st = {m['FunctionName']: m for m in conn.status()}
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()

    lines = ['Stream triggers (%s, %s, %d CPUs, load %s)' % (
        time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()), binary, os.cpu_count(),
        open('/proc/loadavg').read().split()[0]),
        '',
        'Latency, %d sequential PutItems each (ms from the PutItem answer):' % LAT,
        '  %-8s %12s %12s %14s %14s' % ('handler', 'invoked p50', 'invoked p99', 'processed p50', 'processed p99')]
    for name, inv, done in rows:
        lines.append('  %-8s %12s %12s %14.2f %14.2f' % (
            name, '%.2f' % statistics.median(inv) if inv else '-', '%.2f' % pct(inv, 99) if inv else '-',
            statistics.median(done), pct(done, 99)))
    lines += ['', 'Throughput, %d PutItems from %d connections as fast as they go:' % (N, WRITERS),
              '  %-10s %10s %10s %12s %12s %12s' % ('handler', 'writes/s', 'records', 'records/s', 'drain ms',
                                                     'invocations')]
    for name, wps, n, rps, drain in tput:
        inv = st['cruddur' if name == 'builtin' else 'sink']['Invocations']
        lines.append('  %-10s %10.0f %10d %12.0f %12.1f %12d' % (name, wps, n, rps, drain, inv))
    lines += ['', '(builtin records include its own follow-up writes: a REMOVE and an INSERT per group row;',
              ' invocations are the mapping\'s totals, latency runs included)']
    text = '\n'.join(lines) + '\n'
    sys.stdout.write(text)
    with open(out, 'w') as f:
        f.write(text)
    print('(written to %s)' % out)


if __name__ == '__main__':
    main()
