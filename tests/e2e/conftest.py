"""End-to-end test fixtures: the same tests run against ddblocal and against DynamoDB Local.

Choose the server under test with one of:
  --url http://127.0.0.1:8000     an already running server (ddblocal or the oracle)
  --ddblocal ./build/ddblocal     start this binary (-inMemory, free port) for the session
  --oracle ../shared/oracle/dynamodb-local   start Amazon's DynamoDB Local (-inMemory, free port)
Tests that need to start their own server process (CLI, file format) use `server_factory`.
Tests that pin a behaviour only ddblocal has are marked `ddblocal_only`; deliberate deviations
from DynamoDB Local are `xfail`ed on the oracle with `deviation(reason)` and listed in compat/.
"""
import json
import os
import re
import socket
import subprocess
import tempfile
import time
import http.client
import urllib.parse

import boto3
import botocore.config
import pytest

AUTH = ('AWS4-HMAC-SHA256 Credential=x/20240101/us-east-1/dynamodb/aws4_request, '
        'SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=abc')


def pytest_addoption(parser):
    parser.addoption('--url', default=None, help='endpoint of a running server')
    parser.addoption('--ddblocal', default=None, help='path of the ddblocal binary to start')
    parser.addoption('--oracle', default=None, help='path of the DynamoDB Local launcher script')


def pytest_configure(config):
    config.addinivalue_line('markers', 'ddblocal_only: behaviour that only ddblocal has')
    config.addinivalue_line('markers', 'oracle_only: needs DynamoDB Local itself')
    config.addinivalue_line('markers', 'pending(issue, what): needs a capability of a later issue '
                            '(issue None: not planned yet); xfail (strict) on ddblocal until it lands, '
                            'so the marker must go then')


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_http(port, proc=None, timeout=120.0):
    """Waits until GET / answers (DynamoDB Local and ddblocal answer 400 without credentials)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError('server exited with status %s' % proc.returncode)
        try:
            c = http.client.HTTPConnection('127.0.0.1', port, timeout=2)
            c.request('GET', '/')
            c.getresponse().read()
            c.close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError('server on port %d did not answer' % port)


class Server:
    """A server process started by the tests."""

    def __init__(self, kind, exe, args, cwd=None):
        self.kind, self.exe, self.args, self.cwd = kind, exe, list(args), cwd
        self.proc = None
        self.port = None
        self.stdout_path = None

    def start(self, timeout=120.0):
        args = list(self.args)
        if '-port' not in args:
            self.port = free_port()
            args = ['-port', str(self.port)] + args
        else:
            self.port = int(args[args.index('-port') + 1])
        fd, self.stdout_path = tempfile.mkstemp(prefix='ddb-server-', suffix='.log')
        os.close(fd)
        self.log = open(self.stdout_path, 'w+b')
        self.proc = subprocess.Popen([self.exe] + args, stdout=self.log, stderr=subprocess.STDOUT,
                                     cwd=self.cwd)
        wait_http(self.port, self.proc, timeout)
        return self

    @property
    def url(self):
        return 'http://127.0.0.1:%d' % self.port

    def output(self):
        with open(self.stdout_path, 'rb') as f:
            return f.read().decode('utf-8', 'replace')

    def stop(self, sig=15, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode if self.proc else None


class Target:
    """What the session tests: kind is 'ddblocal', 'oracle' or 'url'."""

    def __init__(self, config):
        self.url = config.getoption('--url')
        self.binary = config.getoption('--ddblocal')
        self.oracle = config.getoption('--oracle')
        self.kind = 'ddblocal' if self.binary else 'oracle' if self.oracle else 'url'
        if not (self.url or self.binary or self.oracle):
            default = os.path.join(os.path.dirname(__file__), '..', '..', 'build', 'ddblocal')
            self.binary, self.kind = os.path.abspath(default), 'ddblocal'

    @property
    def is_oracle(self):
        return self.kind == 'oracle'

    def server(self, args, cwd=None):
        """A not yet started server of the kind under test with these flags."""
        if self.oracle:
            return Server('oracle', os.path.abspath(self.oracle), args, cwd)
        if self.binary:
            return Server('ddblocal', os.path.abspath(self.binary), args, cwd)
        pytest.skip('needs --ddblocal or --oracle to start servers')


@pytest.fixture(scope='session')
def target(request):
    return Target(request.config)


@pytest.fixture(scope='session')
def endpoint(target):
    """URL of the session's shared in-memory server."""
    if target.url:
        yield target.url
        return
    srv = target.server(['-inMemory']).start()
    yield srv.url
    srv.stop()


@pytest.fixture
def server_factory(target):
    started = []

    def make(args, cwd=None, start=True):
        srv = target.server(args, cwd)
        started.append(srv)
        return srv.start() if start else srv
    yield make
    for s in started:
        s.stop()


def pytest_collection_modifyitems(config, items):
    t = Target(config)
    for item in items:
        if 'ddblocal_only' in item.keywords and t.kind == 'oracle':
            item.add_marker(pytest.mark.skip(reason='ddblocal-only behaviour'))
        if 'oracle_only' in item.keywords and t.kind != 'oracle':
            item.add_marker(pytest.mark.skip(reason='needs the oracle'))
        pending = item.get_closest_marker('pending')
        if pending and t.kind != 'oracle':
            issue, what = pending.args
            why = '%s comes with issue %d' % (what, issue) if issue else '%s is not implemented yet' % what
            item.add_marker(pytest.mark.xfail(strict=True, reason=why))


def make_client(url, service='dynamodb', key='x', region='us-east-1'):
    return boto3.client(service, endpoint_url=url, region_name=region,
                        aws_access_key_id=key, aws_secret_access_key='y',
                        config=botocore.config.Config(retries={'max_attempts': 0}))


@pytest.fixture(scope='session')
def ddb(endpoint):
    return make_client(endpoint)


@pytest.fixture(scope='session')
def streams(endpoint):
    return make_client(endpoint, 'dynamodbstreams')


class Raw:
    """Sends raw DynamoDB JSON requests and returns (status, headers, parsed body)."""

    def __init__(self, url):
        u = urllib.parse.urlparse(url)
        self.host, self.port = u.hostname, u.port

    def call(self, op, body, target_prefix='DynamoDB_20120810', auth=AUTH, raw_body=None,
             headers=None):
        h = {'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Date': '20240101T000000Z'}
        if op is not None:
            h['X-Amz-Target'] = '%s.%s' % (target_prefix, op) if target_prefix else op
        if auth is not None:
            h['Authorization'] = auth
        h.update(headers or {})
        data = raw_body if raw_body is not None else json.dumps(body).encode()
        c = http.client.HTTPConnection(self.host, self.port, timeout=60)
        c.request('POST', '/', body=data, headers=h)
        r = c.getresponse()
        payload = r.read()
        c.close()
        parsed = json.loads(payload) if payload else None
        return r.status, dict(r.getheaders()), parsed, payload


@pytest.fixture(scope='session')
def raw(endpoint):
    return Raw(endpoint)


_counter = [0]


@pytest.fixture
def table_name(request):
    """A table name unique to the test."""
    _counter[0] += 1
    base = re.sub(r'[^A-Za-z0-9_.-]', '_', request.node.name)[:200]
    return '%s_%d_%d' % (base, os.getpid() % 10000, _counter[0])
