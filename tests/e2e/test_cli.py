"""The command line (reference §6): flags, banner, -version, -help, argument errors, port in use,
-dbPath checks, SIGTERM, and the container form `-jar DynamoDBLocal.jar ...`. Runs against
ddblocal and DynamoDB Local; deviations (§16 #3, #5, #12) are xfailed on the oracle or
ddblocal_only where DynamoDB Local would hang.
"""
import os
import re
import signal
import socket
import subprocess
import tempfile

import pytest

from conftest import wait_http

ON_ORACLE = "config.getoption('--oracle') is not None"

USAGE = """\
usage: java -Djava.library.path=./DynamoDBLocal_lib -jar DynamoDBLocal.jar
            [-port <port-no.>] [-inMemory] [-delayTransientStatuses]
            [-dbPath <path>][-sharedDb][-disableTelemetry] [-[-version]
            [-cors <allow-list>]
 -cors <arg>                Enable CORS support for javascript against a
                            specific allow-list list the domains separated
                            by , use '*' for public access (default is
                            '*')
 -dbPath <path>             Specify the location of your database file.
                            Default is the current directory.
 -delayTransientStatuses    When specified, DynamoDB Local will introduce
                            delays to hold various transient table and
                            index statuses so that it simulates actual
                            service more closely. Currently works only for
                            CREATING and DELETING online index statuses.
 -disableTelemetry          When specified, DynamoDB Local will not send
                            any telemetry.
 -help                      Display DynamoDB Local usage and options.
 -inMemory                  When specified, DynamoDB Local will run in
                            memory.
 -optimizeDbBeforeStartup   Optimize the underlying backing store database
                            tables before starting up the server
 -port <port-no.>           Specify a port number. Default is 8000
 -sharedDb                  When specified, DynamoDB Local will use a
                            single database instead of separate databases
                            for each credential and region. As a result,
                            all clients will interact with the same set of
                            tables, regardless of their region and
                            credential configuration. (Useful for
                            interacting with Local through the JS Shell in
                            addition to other SDKs)
 -version                   Display DynamoDB Local Version.
"""


def exe(target):
    path = target.binary or target.oracle
    if not path:
        pytest.skip('needs --ddblocal or --oracle')
    return os.path.abspath(path)


def run(target, args, timeout=60):
    """Runs the program to completion: (status, stdout, stderr)."""
    p = subprocess.run([exe(target)] + list(args), capture_output=True, timeout=timeout)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def banner(port, in_memory='true', db_path='null', shared='false', cors='null'):
    return ('Initializing DynamoDB Local with the following configuration:\n'
            'Port:\t%s\nInMemory:\t%s\nVersion:\t1.25.1\nDbPath:\t%s\nSharedDb:\t%s\n'
            'shouldDelayTransientStatuses:\tfalse\nCorsParams:\t%s\n\n'
            % (port, in_memory, db_path, shared, cors))


# ---- informational flags ---------------------------------------------------------------------

def test_version(target):
    status, out, err = run(target, ['-version'])
    assert (status, out) == (0, '1.25.1\n')


def test_version_before_validation(target):
    status, out, _ = run(target, ['-port', '70000', '-version'])
    assert (status, out) == (0, '1.25.1\n')


def test_help(target):
    status, out, _ = run(target, ['-help'])
    assert status == 0
    assert out == USAGE


def test_help_wins_over_version(target):
    assert run(target, ['-version', '-help'])[1] == USAGE


# ---- banner and start ------------------------------------------------------------------------

def test_banner_in_memory(server_factory, target):
    srv = server_factory(['-inMemory'])
    out = srv.output()
    assert out.startswith(banner(srv.port))
    if not target.is_oracle:
        assert re.search(r'^ddblocal listening on 0\.0\.0\.0:%d$' % srv.port, out, re.M)


def test_banner_shared_db_path_and_cors(server_factory, tmp_path):
    srv = server_factory(['-sharedDb', '-dbPath', '.', '-cors', 'http://a, http://b'],
                         cwd=str(tmp_path))
    assert srv.output().startswith(banner(srv.port, 'false', '.', 'true', 'http://a, http://b'))


def test_double_dash_and_stray_arguments_accepted(server_factory):
    """commons-cli takes --cors as -cors and ignores arguments that are not options."""
    srv = server_factory(['--inMemory', 'stray', '--cors', 'http://a'])
    assert srv.output().startswith(banner(srv.port, cors='http://a'))


@pytest.mark.ddblocal_only
def test_jar_form_of_container_command(server_factory, tmp_path):
    """§6.5: `-jar DynamoDBLocal.jar` and JVM options before it are ignored."""
    os.mkdir(tmp_path / 'data')
    srv = server_factory(['-Xmx256m', '-Djava.library.path=./DynamoDBLocal_lib', '-jar',
                          'DynamoDBLocal.jar', '-sharedDb', '-dbPath', './data'],
                         cwd=str(tmp_path))
    assert srv.output().startswith(banner(srv.port, 'false', './data', 'true'))


@pytest.mark.ddblocal_only
def test_port_zero_binds_a_free_port(target):
    p = subprocess.Popen([exe(target), '-inMemory', '-port', '0'], stdout=subprocess.PIPE)
    try:
        port = None
        for _ in range(20):
            line = p.stdout.readline().decode()
            m = re.match(r'ddblocal listening on 0\.0\.0\.0:(\d+)$', line.strip())
            if m:
                port = int(m.group(1))
                break
        assert port and port > 0
        wait_http(port, p, 10)
    finally:
        p.terminate()
        p.wait(10)


@pytest.mark.xfail(ON_ORACLE, strict=True, reason='the JVM exits 143 on SIGTERM')
def test_sigterm_exits_cleanly(server_factory):
    srv = server_factory(['-inMemory'])
    assert srv.stop(signal.SIGTERM) == 0


@pytest.mark.xfail(ON_ORACLE, strict=True, reason='the JVM exits 130 on SIGINT')
def test_sigint_exits_cleanly(server_factory):
    srv = server_factory(['-inMemory'])
    assert srv.stop(signal.SIGINT) == 0


# ---- argument errors (§6.3): same messages; status 1 here, 0 in DynamoDB Local (§16 #5) -------

ERRORS = [
    (['-port', 'abc'], 'Invalid Port. Port number must lie between 1 and 65535.', False),
    (['-port', '70000'], 'Invalid Port. Port number must lie between 1 and 65535.', False),
    (['-port', '8000.0'], 'Invalid Port. Port number must lie between 1 and 65535.', False),
    (['-inMemory', '-dbPath', '.'], 'dbPath and inMemory cannot be set at the same time.', False),
    (['-dbPath', '/nonexistent/ddblocal'], 'Invalid directory for database creation.', False),
    (['-dbPath', '/etc/passwd'], 'Invalid directory for database creation.', False),
    (['-inMemory', '-optimizeDbBeforeStartup'],
     'optimizeDbBeforeStartup option must be used with dbPath to determine the location of '
     'database files to optimize.', False),
    (['-foo'], 'Error while parsing options. Unrecognized option: -foo\n'
               'Error processing the supplied command line arguments', True),
    (['-inMemory', '-port'], 'Error while parsing options. Missing argument for option: port\n'
                             'Error processing the supplied command line arguments', True),
    (['-cors', '-inMemory'], 'Error while parsing options. Missing argument for option: cors\n'
                             'Error processing the supplied command line arguments', True),
]
IDS = ['port-abc', 'port-70000', 'port-float', 'inmemory-dbpath', 'dbpath-missing',
       'dbpath-file', 'optimize-without-dbpath', 'unknown', 'port-no-arg', 'cors-no-arg']


@pytest.mark.parametrize('args,message,usage', ERRORS, ids=IDS)
def test_argument_error_message(target, args, message, usage):
    status, out, err = run(target, args)
    assert err.strip() == message
    assert out == (USAGE if usage else '')


@pytest.mark.xfail(ON_ORACLE, strict=True, reason='DynamoDB Local exits 0 on argument errors '
                                                  '(§16 #5)')
@pytest.mark.parametrize('args', [e[0] for e in ERRORS], ids=IDS)
def test_argument_error_exit_status(target, args):
    assert run(target, args)[0] != 0


# ---- fail fast where DynamoDB Local hangs (§16 #3, #12) ----------------------------------------

@pytest.mark.ddblocal_only
def test_port_in_use_fails_at_once(target):
    s = socket.socket()
    s.bind(('0.0.0.0', 0))
    s.listen(1)
    port = s.getsockname()[1]
    try:
        status, out, err = run(target, ['-inMemory', '-port', str(port)], timeout=10)
    finally:
        s.close()
    assert status != 0
    assert str(port) in err
    assert 'address already in use' in err.lower()


@pytest.mark.ddblocal_only
@pytest.mark.skipif(os.geteuid() == 0, reason='root can write anywhere')
def test_unwritable_db_path_fails_at_once(target):
    with tempfile.TemporaryDirectory() as d:
        os.chmod(d, 0o555)
        try:
            status, out, err = run(target, ['-sharedDb', '-dbPath', d], timeout=10)
        finally:
            os.chmod(d, 0o755)
    assert status != 0
    assert d in err
    assert 'uid %d' % os.getuid() in err and 'gid %d' % os.getgid() in err
    assert 'permission denied' in err.lower()
