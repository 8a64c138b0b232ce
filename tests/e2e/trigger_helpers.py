"""Shared helpers of the stream-trigger tests (test_triggers.py, test_trigger_crash.py).

A test starts its own ddblocal with triggers through conftest's server_factory, gives each
mapping a recording handler (HANDLER_PY below, run as `exec:` or `python:`) that appends every
invocation's event to a JSON-lines file, and waits with the admin endpoint
GET /_ddblocal/triggers/wait instead of sleeping.

The recording handler's behaviour is read from a JSON control file on every invocation, so a test
can change it between two runs of the server without changing the handler string (the mapping's
derived UUID, and so its checkpoints, depend on the handler string).
"""
import contextlib
import http.client
import json
import os
import shlex
import signal
import subprocess
import sys
import time
import urllib.parse

from conftest import make_client

PY = '/usr/bin/python3' if os.path.exists('/usr/bin/python3') else sys.executable
AUTH = ('AWS4-HMAC-SHA256 Credential=ddblocal/20240101/us-east-1/dynamodb/aws4_request, '
        'SignedHeaders=host, Signature=abc')

# The recording handler. As a program (exec:): argv = LOG CONF [ignored...], event on stdin.
# As a module (python:FILE): LOG and CONF come from the environment of the test's server
# (TRIG_LOG/TRIG_CONF are not set by ddblocal; the python worker inherits ddblocal's environment),
# or from the function name suffix. Each invocation appends one JSON line
#   {"n": <invocation index>, "pid", "time", "env": {...}, "event": <the event as received>,
#    "raw": <stdin text, exec only>}
# then acts on the control file CONF, a JSON object (all members optional):
#   fail_times N        fail (exit 1 / raise) on the first N invocations
#   fail_always         fail on every invocation
#   fail_pk_prefix P    fail when any record's Keys.pk.S starts with P
#   crash_times N       on the first N invocations die: "crash" is "kill9" (SIGKILL itself) or
#                       "exit" (os._exit(3), which also ends a python: worker)
#   sleep S, sleep_from M, sleep_times N   sleep S seconds on invocations M..N-1 (default all)
#   respond V, respond_times N   print/return V on the first N invocations (default every one);
#                       strings "$seq:PK" inside V become the SequenceNumber of the batch's record
#                       with Keys.pk.S == PK; respond_raw T prints the text T as is
#   echo_prefix P       for each INSERT of a pk starting with P, PutItem {pk: "echo-"+pk} into
#                       the same table through DDBLOCAL_ENDPOINT (a handler writing back)
#   boto3_echo_prefix P the same through boto3 with a wrong endpoint_url and region, which ddblocal
#                       must override (python: handlers only)
HANDLER_PY = r'''
import http.client, json, os, sys, time

ENV_KEYS = ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_DYNAMODB_STREAMS",
            "DDBLOCAL_ENDPOINT", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY", "AWS_LAMBDA_FUNCTION_NAME", "DDBLOCAL_TRIGGER_UUID",
            "DDBLOCAL_REQUEST_ID")


def _subst(v, seqs):
    if isinstance(v, str) and v.startswith("$seq:"):
        return seqs.get(v[5:], v)
    if isinstance(v, list):
        return [_subst(x, seqs) for x in v]
    if isinstance(v, dict):
        return {k: _subst(x, seqs) for k, x in v.items()}
    return v


def _pk(r):
    return r.get("dynamodb", {}).get("Keys", {}).get("pk", {}).get("S", "")


def _put(table, item):
    ep = os.environ["DDBLOCAL_ENDPOINT"].split("//", 1)[1]
    host, port = ep.split(":")
    c = http.client.HTTPConnection(host, int(port), timeout=10)
    auth = ("AWS4-HMAC-SHA256 Credential=%s/20240101/%s/dynamodb/aws4_request, SignedHeaders=host, "
            "Signature=abc" % (os.environ.get("AWS_ACCESS_KEY_ID", "x"), os.environ.get("AWS_REGION", "us-east-1")))
    c.request("POST", "/", json.dumps({"TableName": table, "Item": item}),
              {"X-Amz-Target": "DynamoDB_20120810.PutItem", "Content-Type": "application/x-amz-json-1.0",
               "Authorization": auth})
    r = c.getresponse()
    body = r.read()
    c.close()
    if r.status != 200:
        raise RuntimeError("PutItem %d %s" % (r.status, body))


def handle(event, raw, log, conf_path, context=None):
    """Returns (ok, response text or None); may not return (crash)."""
    try:
        with open(conf_path) as f:
            conf = json.load(f)
    except (OSError, ValueError):
        conf = {}
    try:
        with open(log) as f:
            n = sum(1 for _ in f)
    except OSError:
        n = 0
    line = {"n": n, "pid": os.getpid(), "time": time.time(),
            "env": {k: os.environ.get(k) for k in ENV_KEYS}, "event": event}
    if raw is not None:
        line["raw"] = raw
    if context is not None:
        line["context"] = {"function_name": getattr(context, "function_name", None),
                           "aws_request_id": getattr(context, "aws_request_id", None)}
    with open(log, "a") as f:
        f.write(json.dumps(line) + "\n")
        f.flush()
        os.fsync(f.fileno())
    recs = (event or {}).get("Records") or []
    if n < conf.get("crash_times", 0):
        if conf.get("crash") == "kill9":
            os.kill(os.getpid(), 9)
        os._exit(3)
    if conf.get("sleep") and conf.get("sleep_from", 0) <= n < conf.get("sleep_times", 1 << 30):
        time.sleep(conf["sleep"])
    for r in recs:
        if r.get("eventName") == "INSERT":
            pk = _pk(r)
            table = r["eventSourceARN"].split(":table/", 1)[1].split("/", 1)[0]
            if conf.get("echo_prefix") and pk.startswith(conf["echo_prefix"]):
                _put(table, {"pk": {"S": "echo-" + pk}})
            if conf.get("boto3_echo_prefix") and pk.startswith(conf["boto3_echo_prefix"]):
                import boto3
                c = boto3.client("dynamodb", endpoint_url="http://dynamodb.ca-central-1.amazonaws.com",
                                 region_name="ca-central-1")
                c.put_item(TableName=table, Item={"pk": {"S": "echo-" + pk}})
    if conf.get("fail_always") or n < conf.get("fail_times", 0):
        return False, None
    p = conf.get("fail_pk_prefix")
    if p and any(_pk(r).startswith(p) for r in recs):
        return False, None
    if "respond_raw" in conf and n < conf.get("respond_times", 1 << 30):
        return True, conf["respond_raw"]
    if "respond" in conf and n < conf.get("respond_times", 1 << 30):
        seqs = {_pk(r): r["dynamodb"]["SequenceNumber"] for r in recs}
        return True, json.dumps(_subst(conf["respond"], seqs))
    return True, None


def lambda_handler(event, context):
    ok, resp = handle(event, None, os.environ["TRIG_LOG"], os.environ["TRIG_CONF"], context)
    if not ok:
        raise RuntimeError("recording handler: failing as told")
    return None if resp is None or resp == "" else json.loads(resp)


if __name__ == "__main__":
    raw = sys.stdin.read()
    ok, resp = handle(json.loads(raw), raw, sys.argv[1], sys.argv[2])
    if resp:
        sys.stdout.write(resp)
    sys.exit(0 if ok else 1)
'''


class Recorder:
    """One recording handler: its log file, control file and handler strings."""

    def __init__(self, tmp_path, name, **conf):
        self.dir = str(tmp_path)
        self.script = os.path.join(self.dir, 'rec_handler.py')
        if not os.path.exists(self.script):
            with open(self.script, 'w') as f:
                f.write(HANDLER_PY)
        self.log = os.path.join(self.dir, name + '.jsonl')
        self.conf_path = os.path.join(self.dir, name + '.conf.json')
        self.configure(**conf)

    def configure(self, **conf):
        with open(self.conf_path, 'w') as f:
            json.dump(conf, f)

    @property
    def exec_handler(self):
        return 'exec:' + ' '.join(shlex.quote(a) for a in (PY, self.script, self.log, self.conf_path))

    def calls(self):
        """Every invocation logged so far, in order."""
        try:
            with open(self.log) as f:
                return [json.loads(line) for line in f if line.strip()]
        except FileNotFoundError:
            return []

    def batches(self):
        """The records of each invocation."""
        return [c['event']['Records'] for c in self.calls()]

    def pks(self):
        """Per invocation, the list of Keys.pk.S of its records."""
        return [[pk_of(r) for r in b] for b in self.batches()]


def pk_of(rec):
    return rec['dynamodb']['Keys']['pk']['S']


def seq_of(rec):
    return rec['dynamodb']['SequenceNumber']


@contextlib.contextmanager
def environ(env):
    """Sets env (name -> value or None) in os.environ for the block: servers started inside it
    inherit the variables."""
    old = {k: os.environ.get(k) for k in env}
    try:
        for k, v in env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = str(v)
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


FAST = {'DDBLOCAL_TRIGGER_BACKOFF_MS': '10'}


def start(server_factory, tmp_path, mappings=None, args=(), env=None, db='disk', flags=()):
    """Starts ddblocal (-sharedDb; -dbPath tmp_path/db unless db == 'mem') with the mappings
    written to a -triggers file (none: no triggers) plus extra args; env adds variables
    (DDBLOCAL_TRIGGER_BACKOFF_MS=10 by default)."""
    a = ['-sharedDb']
    if db == 'mem':
        a.append('-inMemory')
    else:
        path = os.path.join(str(tmp_path), 'db')
        os.makedirs(path, exist_ok=True)
        a += ['-dbPath', path]
    if mappings:
        tf = os.path.join(str(tmp_path), 'triggers-%d.json' % time.monotonic_ns())
        with open(tf, 'w') as f:
            json.dump({'EventSourceMappings': mappings}, f)
        a += ['-triggers', tf]
    a += list(flags) + list(args)
    e = dict(FAST)
    e.update(env or {})
    with environ(e):
        return server_factory(a, cwd=str(tmp_path))


def client(srv):
    return make_client(srv.url, key='ddblocal')


def streams_client(srv):
    return make_client(srv.url, 'dynamodbstreams', key='ddblocal')


def create_table(srv, name, view='NEW_AND_OLD_IMAGES', sort_key=False):
    """Creates a table (pk S hash, optional sk S range) with a stream of that view (None: no
    stream); returns the LatestStreamArn (or None)."""
    ks = [{'AttributeName': 'pk', 'KeyType': 'HASH'}]
    ad = [{'AttributeName': 'pk', 'AttributeType': 'S'}]
    if sort_key:
        ks.append({'AttributeName': 'sk', 'KeyType': 'RANGE'})
        ad.append({'AttributeName': 'sk', 'AttributeType': 'S'})
    kw = dict(TableName=name, KeySchema=ks, AttributeDefinitions=ad, BillingMode='PAY_PER_REQUEST')
    if view:
        kw['StreamSpecification'] = {'StreamEnabled': True, 'StreamViewType': view}
    return client(srv).create_table(**kw)['TableDescription'].get('LatestStreamArn')


def put(srv, table, pk, **attrs):
    item = {'pk': {'S': pk}}
    for k, v in attrs.items():
        item[k] = {'N': str(v)} if isinstance(v, (int, float)) else {'S': v}
    client(srv).put_item(TableName=table, Item=item)


def put_many(srv, table, pks):
    c = client(srv)
    for i in range(0, len(pks), 25):
        c.batch_write_item(RequestItems={table: [
            {'PutRequest': {'Item': {'pk': {'S': pk}, 'i': {'N': str(i + j)}}}}
            for j, pk in enumerate(pks[i:i + 25])]})


def admin(srv, method, path, timeout=60):
    """(status, parsed JSON body) of an admin endpoint."""
    c = http.client.HTTPConnection('127.0.0.1', srv.port, timeout=timeout)
    try:
        c.request(method, path)
        r = c.getresponse()
        body = r.read()
        return r.status, (json.loads(body) if body else None)
    finally:
        c.close()


def status(srv):
    """The mappings of GET /_ddblocal/triggers."""
    code, body = admin(srv, 'GET', '/_ddblocal/triggers')
    assert code == 200, (code, body)
    return body['EventSourceMappings']


def mapping_status(srv, function_name):
    found = [m for m in status(srv) if m['FunctionName'] == function_name]
    assert len(found) == 1, status(srv)
    return found[0]


def wait(srv, timeout=30):
    """Waits for the drain; asserts it happened."""
    code, body = admin(srv, 'GET', '/_ddblocal/triggers/wait?timeout=%s' % timeout, timeout + 30)
    assert code == 200 and body == {'Drained': True}, (code, body, srv.output()[-3000:])
    return body


def stream_records(srv, arn):
    """Every record of the stream (all shards, TRIM_HORIZON) as raw GetRecords JSON."""
    s = streams_client(srv)
    out = []
    for shard in s.describe_stream(StreamArn=arn)['StreamDescription']['Shards']:
        it = s.get_shard_iterator(StreamArn=arn, ShardId=shard['ShardId'],
                                  ShardIteratorType='TRIM_HORIZON')['ShardIterator']
        while it:
            code, page = raw_call(srv, 'GetRecords', {'ShardIterator': it, 'Limit': 1000},
                                  'DynamoDBStreams_20120810')
            assert code == 200, page
            out += page['Records']
            if not page['Records']:
                break
            it = page.get('NextShardIterator')
    return out


def raw_call(srv, op, body, prefix='DynamoDB_20120810'):
    c = http.client.HTTPConnection('127.0.0.1', srv.port, timeout=30)
    try:
        c.request('POST', '/', json.dumps(body), {
            'X-Amz-Target': '%s.%s' % (prefix, op), 'Content-Type': 'application/x-amz-json-1.0',
            'Authorization': AUTH})
        r = c.getresponse()
        data = r.read()
        return r.status, json.loads(data) if data else None
    finally:
        c.close()


def on_failure_lines(path):
    try:
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        return []


def trigger_log_lines(srv):
    """The `trigger ...` lines of the server's output."""
    return [ln for ln in srv.output().splitlines() if ln.startswith('trigger ')]


def run_refused(binary, args, cwd, timeout=20):
    """Runs ddblocal expecting it to refuse its configuration: (exit status, stderr text)."""
    p = subprocess.run([os.path.abspath(binary)] + list(args), cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout)
    return p.returncode, p.stderr.decode('utf-8', 'replace')


def kill_pid(pid):
    """Kills a handler process a test's server left behind (the pid the handler logged)."""
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)


def url_port(url):
    return urllib.parse.urlparse(url).port
