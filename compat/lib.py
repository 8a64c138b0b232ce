"""Shared code of compat/record.py and compat/replay.py: the corpus, starting a server, sending
requests and normalizing answers.  Python 3 standard library only."""
import base64, glob, http.client, json, os, random, re, socket, string, subprocess, time
from decimal import Decimal, InvalidOperation

HERE = os.path.dirname(os.path.abspath(__file__))
CASES_DIR = os.path.join(HERE, 'cases')
DEVIATIONS = os.path.join(HERE, 'deviations.json')
AUTH = ('AWS4-HMAC-SHA256 Credential={key}/20240101/us-east-1/dynamodb/aws4_request, '
        'SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=abc')
SETUP_COMPARE = ['status', '__type']   # setup steps only have to leave the same state behind
UNKNOWN_OP = ('com.amazonaws.dynamodb.v20120810#UnknownOperationException',
              'An unknown operation was requested.')


# --- corpus -----------------------------------------------------------------------------------
def load_corpus(only=None):
    """[(group, path, data)] for compat/cases/*.json, in file name order."""
    out = []
    for path in sorted(glob.glob(os.path.join(CASES_DIR, '*.json'))):
        group = os.path.basename(path)[:-5]
        if not only or group in only:
            with open(path, encoding='utf-8') as f:
                out.append((group, path, json.load(f)))
    return out


def all_cases(corpus):
    """{name: case} over every file (refs may point into other files)."""
    return {c['name']: c for _, _, data in (corpus) for c in data['cases']}


def load_all_cases():
    return all_cases(load_corpus())


def resolve(step, by_name):
    """A step with "ref": <case name> repeats the last step of that case (as a setup step)."""
    if 'ref' not in step:
        return step
    src = by_name[step['ref']]['steps'][-1]
    out = {k: v for k, v in src.items() if k not in ('expect', 'pause_before')}
    out.update({k: v for k, v in step.items() if k != 'ref'})
    out.setdefault('setup', True)
    return out


def save(path, data):
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(data, f, indent=1, ensure_ascii=False)
        f.write('\n')


# --- servers ----------------------------------------------------------------------------------
def free_port(lo=20000, hi=20999):
    for _ in range(200):
        port = random.randint(lo, hi)
        with socket.socket() as s:
            try:
                s.bind(('127.0.0.1', port))
                return port
            except OSError:
                continue
    raise RuntimeError('no free port in %d-%d' % (lo, hi))


def start_server(argv0, timeout=60):
    """Start `argv0 -inMemory -port P`; wait until GET / answers.  Returns (proc, url)."""
    port = free_port()
    log = open(os.devnull, 'w')
    proc = subprocess.Popen([argv0, '-inMemory', '-port', str(port)], stdout=log, stderr=log,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError('%s exited with status %s' % (argv0, proc.returncode))
        try:
            c = http.client.HTTPConnection('127.0.0.1', port, timeout=2)
            c.request('GET', '/')
            c.getresponse().read()
            c.close()
            return proc, 'http://127.0.0.1:%d' % port
        except OSError:
            time.sleep(0.1)
    stop_server(proc)
    raise RuntimeError('%s did not answer on port %d within %d s' % (argv0, port, timeout))


def stop_server(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --- requests ---------------------------------------------------------------------------------
def new_key_prefix():
    """Each replay run uses fresh access keys, so runs against one server do not collide."""
    return 'c' + ''.join(random.choice(string.ascii_lowercase) for _ in range(6))


def send(url, step, key):
    """Send one step; returns (status, body) with body parsed as JSON when possible.
    Each case uses its own access key: DynamoDB Local keeps one database per (key, region)."""
    host, port = url.split('//', 1)[1].rsplit(':', 1)
    headers = {'X-Amz-Date': '20240101T000000Z', 'Content-Type': 'application/x-amz-json-1.0'}
    auth = step.get('auth', AUTH.format(key=key))
    if auth is not None:
        headers['Authorization'] = auth
    if step.get('target') is not None:
        headers['X-Amz-Target'] = step['target']
    body = step['raw_body'].encode() if 'raw_body' in step else json.dumps(step['request']).encode()
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        conn.request(step.get('method', 'POST'), '/', body=body, headers=headers)
        r = conn.getresponse()
        raw = r.read()
    finally:
        conn.close()
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw.decode('utf-8', 'replace')
    return r.status, parsed


def run_case(url, case, by_name, key):
    """Yield (index, resolved step, status, body) for each step of a case, in order."""
    for i, step in enumerate(case['steps']):
        if step.get('wait') == 'indexes_active':
            wait_indexes_active(url, step['table'], key)
            continue
        step = resolve(step, by_name)
        if step.get('pause_before'):
            time.sleep(step['pause_before'])
        status, body = send(url, step, key)
        yield i, step, status, body


def wait_indexes_active(url, table, key, timeout=60):
    """A "wait" step: poll DescribeTable until every GSI of the table is ACTIVE (DynamoDB Local
    backfills a new GSI asynchronously).  Not compared; gives up silently after `timeout`."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        status, body = send(url, {'target': 'DynamoDB_20120810.DescribeTable',
                                  'request': {'TableName': table}}, key)
        gsis = body.get('Table', {}).get('GlobalSecondaryIndexes', []) if status == 200 else []
        if all(g.get('IndexStatus') == 'ACTIVE' for g in gsis):
            return
        time.sleep(0.1)


# --- normalization and comparison -------------------------------------------------------------
CLOCK = {'CreationDateTime', 'LastUpdateToPayPerRequestDateTime', 'LatestStreamLabel',
         'StreamLabel', 'ApproximateCreationDateTime', 'CreationRequestDateTime'}
OPAQUE = {'ShardIterator', 'NextShardIterator'}
SETS = {'SS', 'NS', 'BS'}
UUID = re.compile(r'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')
STREAM_ARN = re.compile(r'(arn:aws:dynamodb:[^:]*:[^:]*:table/[^/]+/stream/).*$')


def _num(s):
    try:
        return Decimal(s)
    except (InvalidOperation, TypeError):
        return Decimal(0)


def _next_token(tok):
    try:
        d = json.loads(base64.b64decode(tok))
        d.pop('creationTime', None)
        return d
    except (ValueError, TypeError):
        return tok


def normalize(v, loose_gsi=False):
    """Replace what must differ between two servers (clock values, random ids, iterators) and
    put set members in a canonical order.  Attribute-map member order needs nothing: parsed
    JSON objects compare without order."""
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            if k in CLOCK and x is not None:
                out[k] = '<time>'
            elif k in OPAQUE and x is not None:
                out[k] = '<iterator>'
            elif k == 'NextToken' and isinstance(x, str):
                out[k] = _next_token(x)
            elif k in SETS and isinstance(x, list) and len(v) == 1:
                out[k] = sorted(x, key=_num) if k == 'NS' else sorted(x)
            else:
                out[k] = normalize(x, loose_gsi)
        if loose_gsi and 'IndexStatus' in out and 'IndexName' in out:
            # A new GSI's backfill state depends on timing (cases.md "Timing").
            out['IndexStatus'] = '<CREATING|ACTIVE>'
            for k in ('Backfilling', 'IndexSizeBytes', 'ItemCount'):
                out.pop(k, None)
        return out
    if isinstance(v, list):
        return [normalize(x, loose_gsi) for x in v]
    if isinstance(v, str):
        if UUID.match(v):
            return '<uuid>'
        return STREAM_ARN.sub(r'\1<label>', v)
    return v


UNSUPPORTED = 'ddblocal does not support '


def is_pending(expect, body):
    """ddblocal answers "unknown operation" where DynamoDB Local did not, or refuses a parameter
    of a later capability ("ddblocal does not support X yet"): not implemented yet. Returns the
    missing parameter's name, True, or False."""
    def typ(b):
        return b.get('__type') if isinstance(b, dict) else None
    if not isinstance(body, dict):
        return False
    msg = body.get('Message') or ''
    if msg.startswith(UNSUPPORTED) and not (expect.get('body') or {}).get('Message', '').startswith(UNSUPPORTED):
        return msg[len(UNSUPPORTED):].split(' ')[0]
    return (typ(body), msg) == UNKNOWN_OP and typ(expect.get('body')) != UNKNOWN_OP[0]


def run_parallel(fn, items, jobs):
    """fn over items with `jobs` threads (cases are independent: one database each); results
    in input order."""
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as ex:
        return list(ex.map(fn, items))


def diff(expect, status, body, compare=None, loose_gsi=False):
    """Differences between an expectation {"status", "body"} and an answer, as short strings.
    compare: None (everything) or a subset of ["status", "__type", "Message"]."""
    out = []
    if status != expect.get('status'):
        out.append('status %s, expected %s' % (status, expect.get('status')))
    eb = expect.get('body')
    if compare is not None:
        for k in compare:
            if k in ('__type', 'Message'):
                a = eb.get(k) if isinstance(eb, dict) else None
                b = body.get(k) if isinstance(body, dict) else None
                if a != b:
                    out.append('%s %s, expected %s' % (k, _short(b), _short(a)))
        return out
    _walk(normalize(eb, loose_gsi), normalize(body, loose_gsi), '', out)
    return out


def _walk(a, b, path, out):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in a:
            p = path + '.' + k if path else k
            if k not in b:
                out.append('%s missing (expected %s)' % (p, _short(a[k])))
            else:
                _walk(a[k], b[k], p, out)
        for k in b:
            if k not in a:
                out.append('%s unexpected %s' % (path + '.' + k if path else k, _short(b[k])))
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            _walk(x, y, '%s[%d]' % (path, i), out)
    elif a != b or type(a) is bool and type(b) is not bool or type(b) is bool and type(a) is not bool:
        out.append('%s %s, expected %s' % (path or 'body', _short(b), _short(a)))


def _short(v, n=160):
    s = json.dumps(v, sort_keys=True, ensure_ascii=False) if not isinstance(v, str) or len(v) > 0 else '""'
    return s if len(s) <= n else s[:n] + '…(%d chars)' % len(s)
