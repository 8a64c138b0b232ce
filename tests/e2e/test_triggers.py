"""Stream triggers (issue 8): every event-source-mapping parameter, the handler kinds' failure
modes, the exact event, the admin endpoints and the configuration errors, end to end against a
ddblocal started per test (DynamoDB Local has no triggers: ddblocal_only).

The rules come from ../shared/reference/lambda-triggers.md and the common brief's agreed
behaviour. Every handler is the recording handler of trigger_helpers.py: each invocation's event
goes to a JSON-lines file, so the assertions are about what a handler really received. Results
are awaited with GET /_ddblocal/triggers/wait (DDBLOCAL_TRIGGER_BACKOFF_MS=10 keeps retries
fast); a test sleeps only to space its own writes in time.
"""
import json
import os
import re
import time

import pytest

from trigger_helpers import (PY, Recorder, admin, client, create_table, mapping_status, on_failure_lines,
                             pk_of, put, put_many, raw_call, run_refused, seq_of, start, status,
                             stream_records, trigger_log_lines, wait, kill_pid)

pytestmark = pytest.mark.ddblocal_only

T = 'Trig'
LOG_RE = re.compile(r'^trigger (\S+) ([0-9A-Za-z-]{8}): (\d+) records (\d+)\.\.(\d+) shard (\S+) (\d+) ms (.+)$')


def mapping(rec_or_handler, name, table=T, **kw):
    m = {'TableName': table, 'FunctionName': name, 'StartingPosition': 'TRIM_HORIZON',
         'Handler': rec_or_handler.exec_handler if isinstance(rec_or_handler, Recorder) else rec_or_handler}
    m.update(kw)
    return m


def prewrite(server_factory, tmp_path, pks, table=T, view='NEW_AND_OLD_IMAGES', batch=False):
    """Writes the items (one PutItem each, in order; batch: BatchWriteItem) with no trigger
    configured, then stops the server: the next start on the same -dbPath finds every record in
    the stream at once, which makes batch composition deterministic. Returns the stream ARN."""
    srv = start(server_factory, tmp_path)
    arn = create_table(srv, table, view)
    if batch:
        put_many(srv, table, pks)
    else:
        for pk in pks:
            put(srv, table, pk)
    assert srv.stop() == 0
    return arn


def flat(rec):
    return [pk for b in rec.pks() for pk in b]


def fn_lines(srv, name):
    """The invocation lines of function name (other `trigger NAME` lines, e.g. about a missing stream,
    do not match LOG_RE)."""
    return [m for m in (LOG_RE.match(ln) for ln in trigger_log_lines(srv) if ln.startswith('trigger %s ' % name)) if m]


# ---- BatchSize --------------------------------------------------------------------------------

@pytest.mark.parametrize('size, n, expect', [(1, 5, [1, 1, 1, 1, 1]), (3, 7, [3, 3, 1]),
                                             (None, 250, [100, 100, 50])])
def test_batch_size(server_factory, tmp_path, size, n, expect):
    pks = ['r%03d' % i for i in range(n)]
    arn = prewrite(server_factory, tmp_path, pks, batch=n > 20)
    rec = Recorder(tmp_path, 'bs')
    kw = {} if size is None else {'BatchSize': size}
    srv = start(server_factory, tmp_path, [mapping(rec, 'bs', **kw)])
    wait(srv)
    batches = rec.batches()
    assert [len(b) for b in batches] == expect
    seqs = [seq_of(r) for b in batches for r in b]
    assert seqs == sorted(seqs, key=int) and len(set(seqs)) == n
    assert seqs == [seq_of(r) for r in stream_records(srv, arn)]
    st = mapping_status(srv, 'bs')
    assert st['BatchSize'] == (size or 100)
    assert st['Invocations'] == len(expect) and st['Errors'] == 0
    assert st['LastProcessingResult'] == 'OK'


# ---- MaximumBatchingWindowInSeconds -----------------------------------------------------------

def test_batching_window(server_factory, tmp_path):
    win, nowin = Recorder(tmp_path, 'win'), Recorder(tmp_path, 'nowin')
    srv = start(server_factory, tmp_path, [mapping(win, 'win', MaximumBatchingWindowInSeconds=4),
                                           mapping(nowin, 'nowin')])
    create_table(srv, T)
    t0 = time.time()
    for pk in ('a', 'b', 'c'):
        put(srv, T, pk)
        if pk != 'c':
            time.sleep(0.8)      # written apart: 1.6 s between the first and the last record
    wait(srv)
    assert win.pks() == [['a', 'b', 'c']]
    # the window holds the first record back until it expires (4 s after it was seen)
    assert win.calls()[0]['time'] - t0 >= 3.0
    assert nowin.pks() == [['a'], ['b'], ['c']]
    assert mapping_status(srv, 'win')['MaximumBatchingWindowInSeconds'] == 4


def test_batching_window_full_batch_goes_at_once(server_factory, tmp_path):
    """A batch is sent when it is full, whatever the window."""
    arn = prewrite(server_factory, tmp_path, ['r%d' % i for i in range(5)])
    rec = Recorder(tmp_path, 'full')
    srv = start(server_factory, tmp_path, [mapping(rec, 'full', BatchSize=5, MaximumBatchingWindowInSeconds=300)])
    t0 = time.time()
    wait(srv, 60)
    assert rec.pks() == [['r%d' % i for i in range(5)]]
    assert time.time() - t0 < 30
    assert arn


# ---- StartingPosition ------------------------------------------------------------------------

def test_trim_horizon_sees_older_records(server_factory, tmp_path):
    prewrite(server_factory, tmp_path, ['old1', 'old2'])
    rec = Recorder(tmp_path, 'th')
    srv = start(server_factory, tmp_path, [mapping(rec, 'th')])
    put(srv, T, 'new1')
    wait(srv)
    assert flat(rec) == ['old1', 'old2', 'new1']
    assert mapping_status(srv, 'th')['StartingPosition'] == 'TRIM_HORIZON'


def test_latest_skips_older_records_and_survives_restart(server_factory, tmp_path):
    prewrite(server_factory, tmp_path, ['old1', 'old2'])
    rec = Recorder(tmp_path, 'lt')
    m = mapping(rec, 'lt', StartingPosition='LATEST')
    srv = start(server_factory, tmp_path, [m])
    wait(srv)
    put(srv, T, 'new1')
    wait(srv)
    assert flat(rec) == ['new1']
    assert mapping_status(srv, 'lt')['StartingPosition'] == 'LATEST'
    assert srv.stop() == 0
    # written while the mapping is not running: LATEST was fixed when the mapping first existed
    srv = start(server_factory, tmp_path)
    put(srv, T, 'while-stopped1')
    put(srv, T, 'while-stopped2')
    assert srv.stop() == 0
    srv = start(server_factory, tmp_path, [m])
    wait(srv)
    put(srv, T, 'new2')
    wait(srv)
    assert flat(rec) == ['new1', 'while-stopped1', 'while-stopped2', 'new2']


# ---- MaximumRetryAttempts, OnFailure ----------------------------------------------------------

def test_retry_until_success(server_factory, tmp_path):
    prewrite(server_factory, tmp_path, ['a', 'b'])
    rec = Recorder(tmp_path, 'flaky', fail_times=3)
    srv = start(server_factory, tmp_path, [mapping(rec, 'flaky')])
    wait(srv)
    assert rec.pks() == [['a', 'b']] * 4     # the same batch, until it succeeds
    st = mapping_status(srv, 'flaky')
    assert st['MaximumRetryAttempts'] == -1
    assert st['Invocations'] == 4 and st['Errors'] == 3
    assert st['LastProcessingResult'] == 'OK'
    assert st['Checkpoints'] and st['Checkpoints'][0]['SequenceNumber'] == seq_of(rec.batches()[-1][-1])
    results = [m.group(8) for m in fn_lines(srv, 'flaky')]
    assert len(results) == 4
    assert all(r.startswith('FunctionError') for r in results[:3]) and results[3] == 'OK'


def check_on_failure(line, st, event, arn, condition, invokes):
    rc = line['requestContext']
    assert rc['condition'] == condition
    assert rc['functionArn'] == st['FunctionArn']
    assert re.fullmatch(r'[0-9a-f-]{36}', rc['requestId'])
    if invokes is not None:
        assert rc['approximateInvokeCount'] == invokes
    assert line['responseContext']['statusCode'] == 200
    assert line['responseContext']['executedVersion'] == '$LATEST'
    assert line['version'] == '1.0'
    assert re.match(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d', line['timestamp'])
    info = line['DDBStreamBatchInfo']
    recs = event['Records']
    assert info['startSequenceNumber'] == seq_of(recs[0])
    assert info['endSequenceNumber'] == seq_of(recs[-1])
    assert info['batchSize'] == len(recs)
    assert info['streamArn'] == arn
    assert info['shardId'] == st['Checkpoints'][0]['ShardId']
    assert re.match(r'\d{4}-\d\d-\d\dT', info['approximateArrivalOfFirstRecord'])
    assert re.match(r'\d{4}-\d\d-\d\dT', info['approximateArrivalOfLastRecord'])
    assert line['payload'] == event


def test_retry_attempts_exhausted_goes_to_on_failure(server_factory, tmp_path):
    arn = prewrite(server_factory, tmp_path, ['poison-1', 'poison-2'])
    rec = Recorder(tmp_path, 'bad', fail_pk_prefix='poison')
    dest = os.path.join(str(tmp_path), 'failures.jsonl')
    srv = start(server_factory, tmp_path, [mapping(
        rec, 'bad', MaximumRetryAttempts=2, DestinationConfig={'OnFailure': {'Destination': 'file://' + dest}})])
    wait(srv)
    assert rec.pks() == [['poison-1', 'poison-2']] * 3       # 1 attempt + 2 retries
    lines = on_failure_lines(dest)
    assert len(lines) == 1
    st = mapping_status(srv, 'bad')
    check_on_failure(lines[0], st, rec.calls()[0]['event'], arn, 'RetryAttemptsExhausted', 3)
    assert lines[0]['responseContext']['functionError'] == 'Unhandled'
    assert st['LastProcessingResult'] == 'PROBLEM: Function call failed'
    assert st['Errors'] == 3
    # the shard moved on: later records are delivered
    put(srv, T, 'ok-1')
    wait(srv)
    assert rec.pks()[3:] == [['ok-1']]
    assert len(on_failure_lines(dest)) == 1
    assert mapping_status(srv, 'bad')['LastProcessingResult'] == 'OK'


def test_retry_attempts_zero(server_factory, tmp_path):
    prewrite(server_factory, tmp_path, ['poison-1'])
    rec = Recorder(tmp_path, 'zero', fail_pk_prefix='poison')
    dest = os.path.join(str(tmp_path), 'zero-failures.jsonl')
    srv = start(server_factory, tmp_path, [mapping(
        rec, 'zero', MaximumRetryAttempts=0, DestinationConfig={'OnFailure': {'Destination': dest}})])
    wait(srv)
    assert rec.pks() == [['poison-1']]
    lines = on_failure_lines(dest)
    assert len(lines) == 1 and lines[0]['requestContext']['approximateInvokeCount'] == 1


# ---- MaximumRecordAgeInSeconds ----------------------------------------------------------------

def test_record_age_exceeded(server_factory, tmp_path):
    arn = prewrite(server_factory, tmp_path, ['old-1', 'old-2'])
    rec = Recorder(tmp_path, 'age', fail_pk_prefix='old')
    dest = os.path.join(str(tmp_path), 'age-failures.jsonl')          # a plain path destination
    srv = start(server_factory, tmp_path, [mapping(
        rec, 'age', MaximumRecordAgeInSeconds=3600, DestinationConfig={'OnFailure': {'Destination': dest}})],
        env={'DDBLOCAL_STREAM_CLOCK_OFFSET_MS': '7200000'})
    wait(srv)
    lines = on_failure_lines(dest)
    assert lines, 'records two hours old were not discarded'
    assert all(ln['requestContext']['condition'] == 'RecordAgeExceeded' for ln in lines)
    assert sum(ln['DDBStreamBatchInfo']['batchSize'] for ln in lines) == 2
    assert [pk_of(r) for ln in lines for r in ln['payload']['Records']] == ['old-1', 'old-2']
    assert all(ln['DDBStreamBatchInfo']['streamArn'] == arn for ln in lines)
    st = mapping_status(srv, 'age')
    assert st['MaximumRecordAgeInSeconds'] == 3600
    # records already too old are discarded without an invocation
    tried = rec.pks()
    assert tried == []
    assert all(ln['requestContext']['approximateInvokeCount'] == 0 for ln in lines)
    assert all('functionError' not in ln['responseContext'] for ln in lines)
    put(srv, T, 'new-1')
    wait(srv)
    assert rec.pks()[len(tried):] == [['new-1']]
    assert len(on_failure_lines(dest)) == len(lines)


# ---- BisectBatchOnFunctionError ---------------------------------------------------------------

@pytest.mark.parametrize('retries', [0, 1])
def test_bisect_isolates_poison_record(server_factory, tmp_path, retries):
    pks = ['a', 'b', 'c', 'poison', 'e', 'f']
    prewrite(server_factory, tmp_path, pks)
    rec = Recorder(tmp_path, 'bis', fail_pk_prefix='poison')
    dest = os.path.join(str(tmp_path), 'bis-failures.jsonl')
    srv = start(server_factory, tmp_path, [mapping(
        rec, 'bis', BatchSize=6, BisectBatchOnFunctionError=True, MaximumRetryAttempts=retries,
        DestinationConfig={'OnFailure': {'Destination': 'file://' + dest}})])
    wait(srv)
    batches = rec.pks()
    assert batches[0] == pks
    ok = [pk for b in batches if not any(p.startswith('poison') for p in b) for pk in b]
    assert ok == ['a', 'b', 'c', 'e', 'f']       # each once, in order
    assert all(len(b) < len(pks) for b in batches[1:])   # split, never the whole batch again
    lines = on_failure_lines(dest)
    assert len(lines) == 1
    assert [pk_of(r) for r in lines[0]['payload']['Records']] == ['poison']
    assert lines[0]['DDBStreamBatchInfo']['batchSize'] == 1
    assert lines[0]['requestContext']['condition'] == 'RetryAttemptsExhausted'
    assert sum(1 for b in batches if b == ['poison']) == retries + 1
    assert mapping_status(srv, 'bis')['BisectBatchOnFunctionError'] is True


# ---- ReportBatchItemFailures ------------------------------------------------------------------

R5 = ['r0', 'r1', 'r2', 'r3', 'r4']


def report_run(server_factory, tmp_path, conf, report=True):
    prewrite(server_factory, tmp_path, R5)
    rec = Recorder(tmp_path, 'rep', respond_times=1, **conf)
    kw = {'BatchSize': 5}
    if report:
        kw['FunctionResponseTypes'] = ['ReportBatchItemFailures']
    srv = start(server_factory, tmp_path, [mapping(rec, 'rep', **kw)])
    wait(srv)
    return srv, rec


def test_partial_failure_retries_from_lowest_identifier(server_factory, tmp_path):
    srv, rec = report_run(server_factory, tmp_path, {'respond': {'batchItemFailures': [
        {'itemIdentifier': '$seq:r3'}, {'itemIdentifier': '$seq:r1'}]}})
    # r0 is checkpointed, r1 onward retried
    assert rec.pks() == [R5, ['r1', 'r2', 'r3', 'r4']]
    assert mapping_status(srv, 'rep')['FunctionResponseTypes'] == ['ReportBatchItemFailures']
    results = [m.group(8) for m in fn_lines(srv, 'rep')]
    assert results[0] == 'PartialFailure from %s' % rec.batches()[0][1]['dynamodb']['SequenceNumber']


def test_partial_failure_of_first_record_retries_all(server_factory, tmp_path):
    srv, rec = report_run(server_factory, tmp_path, {'respond': {'batchItemFailures': [
        {'itemIdentifier': '$seq:r0'}]}})
    assert rec.pks() == [R5, R5]


@pytest.mark.parametrize('text', ['{"batchItemFailures":[]}', '{"batchItemFailures":null}', '{}', 'null', ''])
def test_partial_response_success(server_factory, tmp_path, text):
    srv, rec = report_run(server_factory, tmp_path, {'respond_raw': text})
    assert rec.pks() == [R5]
    st = mapping_status(srv, 'rep')
    assert st['Errors'] == 0 and st['LastProcessingResult'] == 'OK'


@pytest.mark.parametrize('failures', [[{'itemIdentifier': ''}], [{'itemIdentifier': None}],
                                      [{'ItemIdentifier': '$seq:r2'}], [{}]],
                         ids=['empty', 'null', 'wrong-key', 'no-key'])
def test_partial_response_whole_batch_failed(server_factory, tmp_path, failures):
    srv, rec = report_run(server_factory, tmp_path, {'respond': {'batchItemFailures': failures}})
    assert rec.pks() == [R5, R5]


def test_partial_response_ignored_without_function_response_types(server_factory, tmp_path):
    srv, rec = report_run(server_factory, tmp_path, {'respond': {'batchItemFailures': [
        {'itemIdentifier': '$seq:r2'}]}}, report=False)
    assert rec.pks() == [R5]
    assert mapping_status(srv, 'rep')['FunctionResponseTypes'] in ([], None)


def test_partial_failure_counts_as_an_attempt(server_factory, tmp_path):
    """Without bisect a partial failure is a failed attempt: with MaximumRetryAttempts 0 the
    records from the reported one onward are discarded at once."""
    prewrite(server_factory, tmp_path, R5)
    rec = Recorder(tmp_path, 'rep0', respond={'batchItemFailures': [{'itemIdentifier': '$seq:r2'}]})
    dest = os.path.join(str(tmp_path), 'rep0-failures.jsonl')
    srv = start(server_factory, tmp_path, [mapping(
        rec, 'rep0', BatchSize=5, MaximumRetryAttempts=0, FunctionResponseTypes=['ReportBatchItemFailures'],
        DestinationConfig={'OnFailure': {'Destination': dest}})])
    wait(srv)
    assert rec.pks() == [R5]
    [line] = on_failure_lines(dest)
    info = line['DDBStreamBatchInfo']
    seqs = [seq_of(r) for r in rec.batches()[0]]
    assert (info['startSequenceNumber'], info['endSequenceNumber'], info['batchSize']) == (seqs[2], seqs[4], 3)
    assert [pk_of(r) for r in line['payload']['Records']] == ['r2', 'r3', 'r4']
    assert line['requestContext']['condition'] == 'RetryAttemptsExhausted'


def test_partial_failure_with_bisect_splits_at_the_reported_record(server_factory, tmp_path):
    """With bisect on too, the batch is split at the returned sequence number and only the rest is
    retried; splitting uses no retry attempt."""
    prewrite(server_factory, tmp_path, R5)
    rec = Recorder(tmp_path, 'repb', respond={'batchItemFailures': [{'itemIdentifier': '$seq:r2'}]},
                   respond_times=1)
    dest = os.path.join(str(tmp_path), 'repb-failures.jsonl')
    srv = start(server_factory, tmp_path, [mapping(
        rec, 'repb', BatchSize=5, MaximumRetryAttempts=0, BisectBatchOnFunctionError=True,
        FunctionResponseTypes=['ReportBatchItemFailures'], DestinationConfig={'OnFailure': {'Destination': dest}})])
    wait(srv)
    assert rec.pks() == [R5, ['r2', 'r3', 'r4']]
    assert on_failure_lines(dest) == []


# ---- FilterCriteria ---------------------------------------------------------------------------

# DynamoDB numbers are strings in the record ({"N": "15"}): numeric matching, which applies to JSON
# numbers as in EventBridge, is tested on dynamodb.SizeBytes; an N value is matched as a string.
FILTERS = {
    'f_insert': [{'eventName': ['INSERT']}],
    'f_eq': [{'dynamodb': {'NewImage': {'color': {'S': ['red']}}}}],
    'f_num': [{'dynamodb': {'SizeBytes': [{'numeric': ['>', 30, '<=', 45]}]}}],
    # exists applies to leaves: the attribute's type key, as the AWS DynamoDB filtering page shows
    'f_absent': [{'dynamodb': {'NewImage': {'color': {'S': [{'exists': False}]}}}}],
    'f_prefix': [{'dynamodb': {'Keys': {'pk': {'S': [{'prefix': 'user#'}]}}}}],
    'f_or': [{'dynamodb': {'NewImage': {'color': {'S': ['red']}}}},
             {'dynamodb': {'NewImage': {'n': {'N': ['25']}}}}],
}
EXPECT = {
    'f_insert': lambda name, pk, img, size: name == 'INSERT',
    'f_eq': lambda name, pk, img, size: img.get('color') == 'red',
    'f_num': lambda name, pk, img, size: 30 < size <= 45,
    'f_absent': lambda name, pk, img, size: 'color' not in img,
    'f_prefix': lambda name, pk, img, size: pk.startswith('user#'),
    'f_or': lambda name, pk, img, size: img.get('color') == 'red' or img.get('n') == 25,
}
WRITES = [('user#1', {'color': 'red', 'n': 5}), ('user#2', {'color': 'blue', 'n': 15}),
          ('order#1', {'n': 25}), ('user#1', {'color': 'blue', 'n': 12}), ('order#2', {'color': 'red', 'n': 20}),
          ('user#3', {'n': 11}), ('order#3', {'color': 'green', 'n': 30})]


def test_filter_criteria(server_factory, tmp_path):
    recs = {n: Recorder(tmp_path, n) for n in FILTERS}
    srv = start(server_factory, tmp_path, [
        mapping(recs[n], n, FilterCriteria={'Filters': [{'Pattern': json.dumps(p)} for p in FILTERS[n]]})
        for n in FILTERS])
    arn = create_table(srv, T, 'NEW_IMAGE')
    seen, events = set(), []
    for pk, img in WRITES:
        put(srv, T, pk, **img)
        events.append(('MODIFY' if pk in seen else 'INSERT', pk, img))
        seen.add(pk)
    wait(srv)
    stream = stream_records(srv, arn)
    assert [(r['eventName'], pk_of(r)) for r in stream] == [(e[0], e[1]) for e in events]
    sizes = [r['dynamodb']['SizeBytes'] for r in stream]
    assert any(30 < z <= 45 for z in sizes) and not all(30 < z <= 45 for z in sizes), sizes
    last = seq_of(stream[-1])
    for n in FILTERS:
        delivered = [(r['eventName'], pk_of(r)) for b in recs[n].batches() for r in b]
        want = [(name, pk) for (name, pk, img), size in zip(events, sizes) if EXPECT[n](name, pk, img, size)]
        assert want and len(want) < len(events), n       # the case filters something, not everything
        assert delivered == want, n
        # filtered records do not block: the checkpoint is past the last record of the stream
        st = mapping_status(srv, n)
        assert [c['SequenceNumber'] for c in st['Checkpoints']] == [last], n
    # filtered-out records are not failures
    assert mapping_status(srv, 'f_eq')['Errors'] == 0


# ---- Enabled ----------------------------------------------------------------------------------

def test_disabled_mapping(server_factory, tmp_path):
    off, on = Recorder(tmp_path, 'off'), Recorder(tmp_path, 'on')
    srv = start(server_factory, tmp_path, [mapping(off, 'off', Enabled=False), mapping(on, 'on')])
    create_table(srv, T)
    put(srv, T, 'a')
    put(srv, T, 'b')
    wait(srv)
    assert flat(on) == ['a', 'b']
    assert off.calls() == []
    st = mapping_status(srv, 'off')
    assert st['State'] == 'Disabled' and st['Invocations'] == 0
    assert mapping_status(srv, 'on')['State'] == 'Enabled'


# ---- restart ----------------------------------------------------------------------------------

def test_restart_resumes_after_last_acknowledged_batch(server_factory, tmp_path):
    pks = ['r%d' % i for i in range(6)]
    prewrite(server_factory, tmp_path, pks)
    rec = Recorder(tmp_path, 'res', sleep=5, sleep_from=2, sleep_times=3)   # the third batch hangs
    m = mapping(rec, 'res', BatchSize=2, Timeout=60)
    srv = start(server_factory, tmp_path, [m])
    deadline = time.time() + 30
    while len(rec.calls()) < 3 and time.time() < deadline:
        time.sleep(0.05)
    assert rec.pks() == [['r0', 'r1'], ['r2', 'r3'], ['r4', 'r5']]
    srv.stop()                                   # while ['r4', 'r5'] is in flight
    kill_pid(rec.calls()[2]['pid'])
    rec.configure()
    first_run = len(rec.calls())
    srv = start(server_factory, tmp_path, [m])
    wait(srv)
    again = rec.pks()[first_run:]
    assert again in ([], [['r4', 'r5']])         # only the in-flight batch may come again
    put(srv, T, 'r6')
    wait(srv)
    assert rec.pks()[first_run + len(again):] == [['r6']]
    everything = flat(rec)
    assert all(everything.count(p) == 1 for p in pks[:4])


# ---- Timeout and crashing handlers ------------------------------------------------------------

def test_timeout_kills_and_retries(server_factory, tmp_path):
    prewrite(server_factory, tmp_path, ['a'])
    rec = Recorder(tmp_path, 'slow', sleep=6, sleep_times=1)
    srv = start(server_factory, tmp_path, [mapping(rec, 'slow', Timeout=1)])
    t0 = time.time()
    wait(srv)
    assert time.time() - t0 < 5.5, 'the handler ran past its Timeout'
    assert rec.pks() == [['a'], ['a']]
    st = mapping_status(srv, 'slow')
    assert st['Invocations'] == 2 and st['Errors'] == 1
    results = [m.group(8) for m in fn_lines(srv, 'slow')]
    assert len(results) == 2 and re.fullmatch(r'Timeout(: .*)?', results[0]) and results[1] == 'OK'
    pid = rec.calls()[0]['pid']
    deadline = time.time() + 3
    while os.path.exists('/proc/%d' % pid) and time.time() < deadline:
        time.sleep(0.05)
    alive = os.path.exists('/proc/%d' % pid)
    kill_pid(pid)
    assert not alive, 'the timed-out handler process was left running'


def test_exec_handler_killing_itself_is_retried(server_factory, tmp_path):
    prewrite(server_factory, tmp_path, ['a', 'b'])
    rec = Recorder(tmp_path, 'k9', crash='kill9', crash_times=2)
    srv = start(server_factory, tmp_path, [mapping(rec, 'k9')])
    wait(srv)
    assert rec.pks() == [['a', 'b']] * 3
    st = mapping_status(srv, 'k9')
    assert st['Errors'] == 2 and st['LastProcessingResult'] == 'OK'
    results = [m.group(8) for m in fn_lines(srv, 'k9')]
    assert [r.split(':')[0] for r in results] == ['FunctionError', 'FunctionError', 'OK']


def test_python_handler_exiting_is_retried(server_factory, tmp_path):
    prewrite(server_factory, tmp_path, ['a', 'b'])
    rec = Recorder(tmp_path, 'pyx', crash='exit', crash_times=1)
    srv = start(server_factory, tmp_path, [mapping('python:' + rec.script, 'pyx')],
                env={'TRIG_LOG': rec.log, 'TRIG_CONF': rec.conf_path, 'DDBLOCAL_PYTHON': PY})
    wait(srv)
    assert rec.pks() == [['a', 'b']] * 2
    st = mapping_status(srv, 'pyx')
    assert st['Errors'] == 1 and st['LastProcessingResult'] == 'OK'
    put(srv, T, 'c')                  # the worker was replaced and keeps working
    wait(srv)
    assert rec.pks()[2:] == [['c']]


def test_python_handler_exception_and_context(server_factory, tmp_path):
    prewrite(server_factory, tmp_path, ['a'])
    rec = Recorder(tmp_path, 'pye', fail_times=1)
    srv = start(server_factory, tmp_path, [mapping('python:%s:lambda_handler' % rec.script, 'pye')],
                env={'TRIG_LOG': rec.log, 'TRIG_CONF': rec.conf_path, 'DDBLOCAL_PYTHON': PY})
    wait(srv)
    calls = rec.calls()
    assert [c['event']['Records'][0]['dynamodb']['Keys'] for c in calls] == [{'pk': {'S': 'a'}}] * 2
    assert calls[0]['context']['function_name'] == 'pye'
    assert re.fullmatch(r'[0-9a-f-]{36}', calls[0]['context']['aws_request_id'])
    assert calls[0]['context']['aws_request_id'] != calls[1]['context']['aws_request_id']
    assert calls[0]['pid'] == calls[1]['pid']          # one persistent worker per mapping
    assert 'recording handler: failing as told' in srv.output()


# ---- handlers writing back into the table ------------------------------------------------------

def test_exec_handler_writes_back(server_factory, tmp_path):
    rec = Recorder(tmp_path, 'echo', echo_prefix='src-')
    srv = start(server_factory, tmp_path, [mapping(rec, 'echo', BatchSize=1)])
    create_table(srv, T)
    for i in range(3):
        put(srv, T, 'src-%d' % i)
    wait(srv)
    got = flat(rec)
    assert sorted(got) == sorted(['src-%d' % i for i in range(3)] + ['echo-src-%d' % i for i in range(3)])
    for i in range(3):        # each echo comes after its source
        assert got.index('echo-src-%d' % i) > got.index('src-%d' % i)
    items = client(srv).scan(TableName=T, ConsistentRead=True)['Items']
    assert len(items) == 6
    assert client(srv).list_tables()['TableNames'] == [T]


def test_python_boto3_handler_writes_back_through_forced_endpoint(server_factory, tmp_path):
    rec = Recorder(tmp_path, 'pyecho', boto3_echo_prefix='src-')
    srv = start(server_factory, tmp_path, [mapping('python:' + rec.script, 'pyecho')],
                env={'TRIG_LOG': rec.log, 'TRIG_CONF': rec.conf_path, 'DDBLOCAL_PYTHON': PY})
    create_table(srv, T)
    put(srv, T, 'src-1')
    wait(srv)
    assert flat(rec) == ['src-1', 'echo-src-1']
    assert client(srv).get_item(TableName=T, Key={'pk': {'S': 'echo-src-1'}}, ConsistentRead=True)['Item']


# ---- every write path -------------------------------------------------------------------------

def test_every_write_path_produces_records(server_factory, tmp_path):
    rec = Recorder(tmp_path, 'paths')
    srv = start(server_factory, tmp_path, [mapping(rec, 'paths')])
    arn = create_table(srv, T)
    c = client(srv)
    k = lambda pk: {'pk': {'S': pk}}  # noqa: E731
    c.put_item(TableName=T, Item=dict(k('a'), v={'N': '1'}))
    c.update_item(TableName=T, Key=k('a'), UpdateExpression='SET v = :v', ExpressionAttributeValues={':v': {'N': '2'}})
    c.update_item(TableName=T, Key=k('b'), UpdateExpression='SET v = :v', ExpressionAttributeValues={':v': {'N': '3'}})
    c.delete_item(TableName=T, Key=k('a'))
    c.batch_write_item(RequestItems={T: [{'PutRequest': {'Item': k('c')}}, {'PutRequest': {'Item': k('d')}},
                                         {'DeleteRequest': {'Key': k('b')}}]})
    c.transact_write_items(TransactItems=[
        {'Put': {'TableName': T, 'Item': k('e')}},
        {'Update': {'TableName': T, 'Key': k('c'), 'UpdateExpression': 'SET v = :v',
                    'ExpressionAttributeValues': {':v': {'N': '4'}}}},
        {'Delete': {'TableName': T, 'Key': k('d')}}])
    wait(srv)
    delivered = [r for b in rec.batches() for r in b]
    got = [(r['eventName'], pk_of(r)) for r in delivered]
    assert got[:4] == [('INSERT', 'a'), ('MODIFY', 'a'), ('INSERT', 'b'), ('REMOVE', 'a')]
    assert sorted(got[4:7]) == [('INSERT', 'c'), ('INSERT', 'd'), ('REMOVE', 'b')]
    assert sorted(got[7:]) == [('INSERT', 'e'), ('MODIFY', 'c'), ('REMOVE', 'd')]
    # the records are exactly the stream's, plus eventSourceARN
    stream = stream_records(srv, arn)
    assert [{k2: v for k2, v in r.items() if k2 != 'eventSourceARN'} for r in delivered] == stream


# ---- the event --------------------------------------------------------------------------------

def test_event_shape(server_factory, tmp_path):
    rec = Recorder(tmp_path, 'shape')
    srv = start(server_factory, tmp_path, [mapping(rec, 'shape')])
    create_table(srv, T, 'NEW_IMAGE')
    put(srv, T, 'a', message='hello', n=7)
    client(srv).delete_item(TableName=T, Key={'pk': {'S': 'a'}})
    wait(srv)
    code, desc = raw_call(srv, 'DescribeTable', {'TableName': T})
    arn = desc['Table']['LatestStreamArn']
    calls = rec.calls()
    raw = ''.join(c['raw'] for c in calls)
    event = json.loads(calls[0]['raw'])           # json keeps the members in document order
    assert list(event) == ['Records']
    recs = [r for c in calls for r in json.loads(c['raw'])['Records']]
    assert len(recs) == 2
    for r in recs:
        assert list(r) == ['eventID', 'eventName', 'eventVersion', 'eventSource', 'awsRegion', 'dynamodb',
                           'eventSourceARN']
        assert r['eventVersion'] == '1.1' and r['eventSource'] == 'aws:dynamodb' and r['awsRegion'] == 'ddblocal'
        assert r['eventSourceARN'] == arn
        d = r['dynamodb']
        assert isinstance(d['ApproximateCreationDateTime'], (int, float))
        assert d['StreamViewType'] == 'NEW_IMAGE'
        assert re.fullmatch(r'\d{21}', d['SequenceNumber'])
    assert not re.search(r'"ApproximateCreationDateTime":"', raw)
    assert recs[0]['dynamodb']['NewImage'] == {'pk': {'S': 'a'}, 'message': {'S': 'hello'}, 'n': {'N': '7'}}
    assert recs[1]['eventName'] == 'REMOVE' and 'NewImage' not in recs[1]['dynamodb']
    # the dynamodb block is what GetRecords gives for the same record, member for member
    stream = stream_records(srv, arn)
    assert [r['dynamodb'] for r in recs] == [r['dynamodb'] for r in stream]
    assert [list(r['dynamodb']) for r in recs] == [list(r['dynamodb']) for r in stream]
    assert [r['eventID'] for r in recs] == [r['eventID'] for r in stream]


def test_handler_environment(server_factory, tmp_path):
    rec = Recorder(tmp_path, 'env')
    srv = start(server_factory, tmp_path, [mapping(rec, 'env', Region='eu-west-2', AccessKeyId='akid')],
                flags=[])
    create_table(srv, T)
    put(srv, T, 'a')
    put(srv, T, 'b')
    wait(srv)
    st = mapping_status(srv, 'env')
    calls = rec.calls()
    assert calls
    env = calls[0]['env']
    for k in ('AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL_DYNAMODB_STREAMS', 'DDBLOCAL_ENDPOINT'):
        assert env[k] == 'http://127.0.0.1:%d' % srv.port, k
    assert env['AWS_REGION'] == env['AWS_DEFAULT_REGION'] == 'eu-west-2'
    assert env['AWS_ACCESS_KEY_ID'] == 'akid' and env['AWS_SECRET_ACCESS_KEY'] == 'ddblocal'
    assert env['AWS_LAMBDA_FUNCTION_NAME'] == 'env'
    assert env['DDBLOCAL_TRIGGER_UUID'] == st['UUID']
    assert re.fullmatch(r'[0-9a-f-]{36}', env['DDBLOCAL_REQUEST_ID'])
    assert st['FunctionArn'] == 'arn:aws:lambda:eu-west-2:000000000000:function:env'


def test_region_selects_the_database_without_shared_db(server_factory, tmp_path):
    """Without -sharedDb the mapping reads the database of its AccessKeyId and Region."""
    from conftest import make_client
    rec = Recorder(tmp_path, 'reg')
    path = os.path.join(str(tmp_path), 'db')
    os.makedirs(path)
    tf = os.path.join(str(tmp_path), 't.json')
    with open(tf, 'w') as f:
        json.dump([mapping(rec, 'reg', Region='eu-west-2', AccessKeyId='akid')], f)
    srv = server_factory(['-dbPath', path, '-triggers', tf], cwd=str(tmp_path))
    for key, region, pk in (('other', 'eu-west-2', 'wrong-key'), ('akid', 'us-east-1', 'wrong-region'),
                            ('akid', 'eu-west-2', 'right')):
        c = make_client(srv.url, key=key, region=region)
        c.create_table(TableName=T, KeySchema=[{'AttributeName': 'pk', 'KeyType': 'HASH'}],
                       AttributeDefinitions=[{'AttributeName': 'pk', 'AttributeType': 'S'}],
                       BillingMode='PAY_PER_REQUEST',
                       StreamSpecification={'StreamEnabled': True, 'StreamViewType': 'KEYS_ONLY'})
        c.put_item(TableName=T, Item={'pk': {'S': pk}})
    wait(srv)
    assert flat(rec) == ['right']


# ---- ordering, several mappings ---------------------------------------------------------------

def test_order_within_shard(server_factory, tmp_path):
    rec = Recorder(tmp_path, 'ord')
    srv = start(server_factory, tmp_path, [mapping(rec, 'ord', BatchSize=7)])
    arn = create_table(srv, T)
    c = client(srv)
    for i in range(40):
        pk = 'k%d' % (i % 5)
        c.update_item(TableName=T, Key={'pk': {'S': pk}}, UpdateExpression='ADD n :one',
                      ExpressionAttributeValues={':one': {'N': '1'}})
    wait(srv)
    batches = rec.batches()
    assert all(1 <= len(b) <= 7 for b in batches)
    seqs = [int(seq_of(r)) for b in batches for r in b]
    assert seqs == sorted(set(seqs))
    assert seqs == [int(seq_of(r)) for r in stream_records(srv, arn)]
    for k in range(5):       # per item, the counter goes 1, 2, ..., 8
        ns = [int(r['dynamodb']['NewImage']['n']['N']) for b in batches for r in b if pk_of(r) == 'k%d' % k]
        assert ns == list(range(1, 9))


def test_several_mappings_each_get_every_record(server_factory, tmp_path):
    recs = [Recorder(tmp_path, 'm%d' % i) for i in range(3)]
    srv = start(server_factory, tmp_path, [mapping(r, 'm%d' % i, BatchSize=1 + 2 * i, ParallelizationFactor=1 + 4 * i)
                                           for i, r in enumerate(recs)])
    create_table(srv, T)
    pks = ['p%02d' % i for i in range(12)]
    for pk in pks:
        put(srv, T, pk)
    wait(srv)
    for i, r in enumerate(recs):
        assert flat(r) == pks
        assert max(len(b) for b in r.batches()) <= 1 + 2 * i
    uuids = {m['UUID'] for m in status(srv)}
    assert len(uuids) == 3


# ---- a table without a stream -----------------------------------------------------------------

def test_mapping_on_table_without_stream(server_factory, tmp_path):
    rec = Recorder(tmp_path, 'ns')
    srv = start(server_factory, tmp_path, flags=['-trigger', '%s=%s' % (T, rec.exec_handler)])
    create_table(srv, T, view=None)
    put(srv, T, 'before-stream')
    wait(srv)
    [st] = status(srv)
    assert st['EventSourceArn'] is None
    assert st['TableName'] == T and st['StartingPosition'] == 'LATEST'
    assert 'stream' in (st['StateTransitionReason'] or '').lower(), st
    assert any(T in ln and 'stream' in ln.lower() for ln in srv.output().splitlines()
               if not LOG_RE.match(ln)), srv.output()
    arn = client(srv).update_table(TableName=T, StreamSpecification={
        'StreamEnabled': True, 'StreamViewType': 'NEW_IMAGE'})['TableDescription']['LatestStreamArn']
    put(srv, T, 'after-stream')
    wait(srv)
    assert flat(rec) == ['after-stream']
    assert status(srv)[0]['EventSourceArn'] == arn


def test_mapping_on_stream_arn(server_factory, tmp_path):
    """EventSourceArn naming the stream (in a file, and as the TABLE of -trigger TABLE=HANDLER):
    the mapping reads that stream."""
    arn = prewrite(server_factory, tmp_path, ['a'])
    rec, flag = Recorder(tmp_path, 'sa'), Recorder(tmp_path, 'sflag')
    m = {'EventSourceArn': arn, 'FunctionName': 'sa', 'Handler': rec.exec_handler, 'StartingPosition': 'TRIM_HORIZON'}
    srv = start(server_factory, tmp_path, [m], flags=['-trigger', '%s=%s' % (arn, flag.exec_handler)])
    wait(srv)
    put(srv, T, 'b')
    wait(srv)
    assert flat(rec) == ['a', 'b']
    assert flat(flag) == ['b']          # LATEST
    st = mapping_status(srv, 'sa')
    assert st['EventSourceArn'] == arn and st['TableName'] == T
    [other] = [x for x in status(srv) if x['FunctionName'] != 'sa']
    assert other['EventSourceArn'] == arn and other['TableName'] == T


def test_python_handler_environment(server_factory, tmp_path):
    rec = Recorder(tmp_path, 'pyenv')
    srv = start(server_factory, tmp_path, [mapping('python:' + rec.script, 'pyenv', BatchSize=1, Region='eu-west-1')],
                env={'TRIG_LOG': rec.log, 'TRIG_CONF': rec.conf_path, 'DDBLOCAL_PYTHON': PY})
    create_table(srv, T)
    put(srv, T, 'a')
    put(srv, T, 'b')
    wait(srv)
    calls = rec.calls()
    assert len(calls) == 2
    st = mapping_status(srv, 'pyenv')
    for c in calls:
        env = c['env']
        for k in ('AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL_DYNAMODB_STREAMS',
                  'DDBLOCAL_ENDPOINT'):
            assert env[k] == 'http://127.0.0.1:%d' % srv.port, k
        assert env['AWS_REGION'] == env['AWS_DEFAULT_REGION'] == 'eu-west-1'
        assert env['AWS_LAMBDA_FUNCTION_NAME'] == 'pyenv'
        assert env['DDBLOCAL_TRIGGER_UUID'] == st['UUID']
        # the persistent worker gets each invocation's request id
        assert env['DDBLOCAL_REQUEST_ID'] == c['context']['aws_request_id']
    assert calls[0]['env']['DDBLOCAL_REQUEST_ID'] != calls[1]['env']['DDBLOCAL_REQUEST_ID']


# ---- configuration ----------------------------------------------------------------------------

def base(**kw):
    m = {'TableName': T, 'FunctionName': 'f', 'Handler': 'exec:true', 'StartingPosition': 'LATEST'}
    m.update(kw)
    return m


INVALID = [
    ('BatchSize', base(BatchSize=0)),
    ('BatchSize', base(BatchSize=10001)),
    ('BatchSize', base(BatchSize='ten')),
    ('MaximumBatchingWindowInSeconds', base(MaximumBatchingWindowInSeconds=301)),
    ('MaximumRetryAttempts', base(MaximumRetryAttempts=-2)),
    ('MaximumRetryAttempts', base(MaximumRetryAttempts=10001)),
    ('MaximumRecordAgeInSeconds', base(MaximumRecordAgeInSeconds=59)),
    ('MaximumRecordAgeInSeconds', base(MaximumRecordAgeInSeconds=604801)),
    ('StartingPosition', base(StartingPosition='AT_TIMESTAMP')),
    ('StartingPosition', {k: v for k, v in base().items() if k != 'StartingPosition'}),
    ('TumblingWindowInSeconds', base(TumblingWindowInSeconds=60)),
    ('Frobnicate', base(Frobnicate=1)),
    ('FilterCriteria', base(FilterCriteria={'Filters': [{'Pattern': '{not json'}]})),
    ('FilterCriteria', base(FilterCriteria={'Filters': [{'Pattern': '{"eventName":["INSERT"]}'}] * 6})),
    ('Handler', base(Handler='bogus:thing')),
    ('Timeout', base(Timeout=0)),
    ('Timeout', base(Timeout=901)),
    ('ParallelizationFactor', base(ParallelizationFactor=11)),
    ('FunctionResponseTypes', base(FunctionResponseTypes=['Bogus'])),
    ('BisectBatchOnFunctionError', base(BisectBatchOnFunctionError='yes')),
    ('Enabled', base(Enabled='no')),
    ('TableName', {'FunctionName': 'f', 'Handler': 'exec:true', 'StartingPosition': 'LATEST'}),
    ('EventSourceArn', base(EventSourceArn='not-an-arn')),
]


@pytest.mark.parametrize('param, m', INVALID, ids=['%s-%d' % (p, i) for i, (p, _) in enumerate(INVALID)])
def test_invalid_mapping_refused(target, tmp_path, param, m):
    if param == 'EventSourceArn':
        m = {k: v for k, v in m.items() if k != 'TableName'}
    tf = os.path.join(str(tmp_path), 't.json')
    with open(tf, 'w') as f:
        json.dump({'EventSourceMappings': [m]}, f)
    rc, err = run_refused(target.binary, ['-inMemory', '-port', '0', '-triggers', tf], str(tmp_path))
    assert rc == 1, err
    lines = [ln for ln in err.splitlines() if ln.startswith('ddblocal: ')]
    assert lines and param in lines[0], err


@pytest.mark.parametrize('args, word', [
    (['-trigger', 'BatchSize=abc,StartingPosition=LATEST,TableName=Tbl,Handler=exec:true'], 'BatchSize'),
    (['-trigger', 'TableName=Tbl,Nope=1,Handler=exec:true'], 'Nope'),
    (['-trigger', 'Tbl=bogus:x'], 'Handler'),
    (['-triggers', '/nonexistent/triggers.json'], '/nonexistent/triggers.json'),
    (['-triggers', 'NOTJSON'], 'NOTJSON'),
], ids=['flag-batch', 'flag-unknown', 'flag-handler', 'file-missing', 'file-not-json'])
def test_invalid_flags_refused(target, tmp_path, args, word):
    with open(os.path.join(str(tmp_path), 'NOTJSON'), 'w') as f:
        f.write('{"EventSourceMappings": [')
    rc, err = run_refused(target.binary, ['-inMemory', '-port', '0'] + args, str(tmp_path))
    assert rc == 1, err
    lines = [ln for ln in err.splitlines() if ln.startswith('ddblocal: ')]
    assert lines and word in lines[0], err


def test_triggers_file_bare_array_and_trigger_flags(server_factory, tmp_path):
    a, b, c = Recorder(tmp_path, 'fa'), Recorder(tmp_path, 'fb'), Recorder(tmp_path, 'fc')
    tf = os.path.join(str(tmp_path), 'bare.json')
    with open(tf, 'w') as f:
        json.dump([mapping(a, 'fa', BatchSize=2)], f)
    # Handler is last and takes the rest of the string, commas included
    spec = 'TableName=%s,FunctionName=fc,BatchSize=3,StartingPosition=TRIM_HORIZON,Handler=%s x,y' % (T, c.exec_handler)
    srv = start(server_factory, tmp_path, flags=['-triggers', tf, '-trigger', '%s=%s' % (T, b.exec_handler),
                                                 '-trigger', spec])
    create_table(srv, T)
    for pk in ('a', 'b', 'c', 'd'):
        put(srv, T, pk)
    wait(srv)
    for r in (a, b, c):
        assert flat(r) == ['a', 'b', 'c', 'd']
    by = {m['Handler']: m for m in status(srv)}
    assert by[a.exec_handler]['BatchSize'] == 2
    assert by[b.exec_handler]['BatchSize'] == 100 and by[b.exec_handler]['StartingPosition'] == 'LATEST'
    assert by[c.exec_handler + ' x,y']['BatchSize'] == 3 and by[c.exec_handler + ' x,y']['FunctionName'] == 'fc'


# ---- admin endpoints and the log --------------------------------------------------------------

MEMBERS = {'UUID', 'FunctionName', 'FunctionArn', 'Handler', 'TableName', 'EventSourceArn', 'State',
           'StateTransitionReason', 'LastProcessingResult', 'BatchSize', 'MaximumBatchingWindowInSeconds',
           'StartingPosition', 'MaximumRetryAttempts', 'MaximumRecordAgeInSeconds', 'BisectBatchOnFunctionError',
           'FunctionResponseTypes', 'Checkpoints', 'Invocations', 'Errors', 'InFlight'}


def test_admin_status_wait_health(server_factory, tmp_path):
    rec = Recorder(tmp_path, 'adm')
    srv = start(server_factory, tmp_path, [mapping(rec, 'adm', BatchSize=10, UUID='11111111-2222-3333-4444-555555555555')])
    [st] = status(srv)
    assert MEMBERS <= set(st), MEMBERS - set(st)
    assert st['UUID'] == '11111111-2222-3333-4444-555555555555'
    assert st['LastProcessingResult'] == 'No records processed'
    assert st['Invocations'] == 0 and st['InFlight'] is False and st['State'] == 'Enabled'
    arn = create_table(srv, T)
    put(srv, T, 'a')
    code, body = admin(srv, 'POST', '/_ddblocal/triggers/wait?timeout=20')
    assert (code, body) == (200, {'Drained': True})
    code, body = admin(srv, 'GET', '/_ddblocal/triggers/wait')
    assert (code, body) == (200, {'Drained': True})
    [st] = status(srv)
    assert st['EventSourceArn'] == arn and st['Invocations'] == 1 and st['LastProcessingResult'] == 'OK'
    assert st['Checkpoints'] == [{'ShardId': st['Checkpoints'][0]['ShardId'],
                                  'SequenceNumber': seq_of(rec.batches()[0][0])}]
    shards = [s['ShardId'] for s in raw_call(srv, 'DescribeStream', {'StreamArn': arn},
                                                'DynamoDBStreams_20120810')[1]['StreamDescription']['Shards']]
    assert st['Checkpoints'][0]['ShardId'] in shards
    assert admin(srv, 'GET', '/_ddblocal/health') == (200, {'status': 'ok'})
    import http.client
    c = http.client.HTTPConnection('127.0.0.1', srv.port, timeout=10)
    c.request('GET', '/')
    assert c.getresponse().status == 400       # DynamoDB Local's answer stays
    c.close()


def test_wait_times_out_on_blocked_mapping(server_factory, tmp_path):
    rec = Recorder(tmp_path, 'blk', fail_always=True)
    srv = start(server_factory, tmp_path, [mapping(rec, 'blk')])
    create_table(srv, T)
    put(srv, T, 'a')
    t0 = time.time()
    code, body = admin(srv, 'GET', '/_ddblocal/triggers/wait?timeout=1')
    took = time.time() - t0
    assert code == 408 and body['Drained'] is False
    assert 0.8 <= took < 10
    [st] = body['EventSourceMappings']
    assert st['FunctionName'] == 'blk' and st['Errors'] >= 1
    assert st['LastProcessingResult'] == 'PROBLEM: Function call failed'
    assert len(rec.calls()) >= 2          # still retrying (infinite retries by default)
    assert all(b == ['a'] for b in rec.pks())


def test_log_line_per_invocation(server_factory, tmp_path):
    rec = Recorder(tmp_path, 'logged', fail_times=1)
    srv = start(server_factory, tmp_path, [mapping(rec, 'logged', BatchSize=2)])
    arn = create_table(srv, T)
    put_many(srv, T, ['a', 'b', 'c'])
    wait(srv)
    st = mapping_status(srv, 'logged')
    lines = fn_lines(srv, 'logged')
    assert len(lines) == st['Invocations'] == len(rec.calls())
    stream = stream_records(srv, arn)
    shard = st['Checkpoints'][0]['ShardId']
    for m, batch in zip(lines, rec.batches()):
        assert m.group(2) == st['UUID'][:8]
        assert int(m.group(3)) == len(batch)
        assert m.group(4) == seq_of(batch[0]) and m.group(5) == seq_of(batch[-1])
        assert m.group(6) == shard
    assert lines[0].group(8).startswith('FunctionError')
    assert [m.group(8) for m in lines[1:]] == ['OK'] * (len(lines) - 1)
    assert [r for b in rec.batches()[1:] for r in b] == [
        dict(r, eventSourceARN=arn) for r in stream]


# ---- invoke: handlers (an HTTP Lambda endpoint) -----------------------------------------------

class FakeLambda:
    """A Lambda invoke endpoint in the test process: answers each POST with the next of the given
    (status, headers, body) replies (then 200 with an empty body) and records the requests."""

    def __init__(self, replies=()):
        import http.server
        import threading
        self.replies, self.requests = list(replies), []
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get('Content-Length') or 0))
                outer.requests.append((self.path, json.loads(body)))
                reply = outer.replies.pop(0) if outer.replies else (200, {}, '')
                status, headers, text = reply[:3]
                if len(reply) > 3:
                    time.sleep(reply[3])          # a function that runs this long
                data = text.encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *a):
                pass
        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def pks(self):
        return [[pk_of(r) for r in ev['Records']] for _, ev in self.requests]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def fake_lambda():
    made = []

    def make(replies=()):
        f = FakeLambda(replies)
        made.append(f)
        return f
    yield make
    for f in made:
        f.close()


def test_invoke_handler_success_and_partial_response(server_factory, tmp_path, fake_lambda):
    prewrite(server_factory, tmp_path, ['a', 'b', 'c'])
    fl = fake_lambda()
    srv = start(server_factory, tmp_path, [mapping('invoke:http://127.0.0.1:%d' % fl.port, 'inv', BatchSize=3,
                                                   FunctionResponseTypes=['ReportBatchItemFailures'])])
    wait(srv)
    assert fl.pks() == [['a', 'b', 'c']]
    path, ev = fl.requests[0]
    assert path == '/2015-03-31/functions/inv/invocations'
    assert ev['Records'][0]['eventSourceARN'].startswith('arn:aws:dynamodb:')
    # a 200 answer is the function's response: a partial batch failure retries from b
    fl.replies = [(200, {'Content-Type': 'application/json'}, json.dumps(
        {'batchItemFailures': [{'itemIdentifier': None}]}))]
    put(srv, T, 'd')
    wait(srv)
    assert fl.pks()[1:] == [['d'], ['d']]


def test_invoke_handler_function_error_and_other_status(server_factory, tmp_path, fake_lambda):
    prewrite(server_factory, tmp_path, ['a'])
    fl = fake_lambda([(200, {'X-Amz-Function-Error': 'Unhandled'}, '{"errorMessage":"boom"}'),
                      (400, {}, '{"message":"bad request"}')])
    dest = os.path.join(str(tmp_path), 'inv-failures.jsonl')
    srv = start(server_factory, tmp_path, [mapping('invoke:http://127.0.0.1:%d' % fl.port, 'inverr',
                                                   MaximumRetryAttempts=1,
                                                   DestinationConfig={'OnFailure': {'Destination': dest}})])
    wait(srv)
    assert fl.pks() == [['a'], ['a']]          # both answers are function errors: 1 try + 1 retry
    lines = on_failure_lines(dest)
    assert len(lines) == 1 and lines[0]['requestContext']['approximateInvokeCount'] == 2
    assert mapping_status(srv, 'inverr')['Errors'] == 2


def test_invoke_handler_not_delivered_is_not_an_attempt(server_factory, tmp_path, fake_lambda):
    prewrite(server_factory, tmp_path, ['a'])
    fl = fake_lambda([(500, {}, 'oops'), (429, {}, 'slow down'), (503, {}, '')])
    dest = os.path.join(str(tmp_path), 'nd-failures.jsonl')
    srv = start(server_factory, tmp_path, [mapping('invoke:http://127.0.0.1:%d/custom/path' % fl.port, 'nd',
                                                   MaximumRetryAttempts=0,
                                                   DestinationConfig={'OnFailure': {'Destination': dest}})])
    wait(srv)
    # 5xx and 429 never reached the function: retried without using the (zero) retries
    assert fl.pks() == [['a']] * 4
    assert {p for p, _ in fl.requests} == {'/custom/path'}      # a URL with a path is used as is
    assert on_failure_lines(dest) == []
    results = [m.group(8) for m in fn_lines(srv, 'nd')]
    assert [r.split(':')[0] for r in results] == ['NotDelivered'] * 3 + ['OK']


def test_invoke_handler_connection_refused_blocks_without_discarding(server_factory, tmp_path):
    from conftest import free_port
    prewrite(server_factory, tmp_path, ['a'])
    dest = os.path.join(str(tmp_path), 'cr-failures.jsonl')
    srv = start(server_factory, tmp_path, [mapping('invoke:http://127.0.0.1:%d' % free_port(), 'cr',
                                                   MaximumRetryAttempts=0,
                                                   DestinationConfig={'OnFailure': {'Destination': dest}})])
    code, body = admin(srv, 'GET', '/_ddblocal/triggers/wait?timeout=1')
    assert code == 408 and body['Drained'] is False
    assert on_failure_lines(dest) == []
    assert any(m.group(8).startswith('NotDelivered') for m in fn_lines(srv, 'cr'))


# ---- re-enabling ------------------------------------------------------------------------------

def test_enabling_a_disabled_mapping_resumes(server_factory, tmp_path):
    rec = Recorder(tmp_path, 'later')
    m = mapping(rec, 'later', Enabled=False)
    srv = start(server_factory, tmp_path, [m])
    create_table(srv, T)
    put(srv, T, 'a')
    put(srv, T, 'b')
    wait(srv)
    assert rec.calls() == []
    uuid = mapping_status(srv, 'later')['UUID']
    assert srv.stop() == 0
    srv = start(server_factory, tmp_path, [dict(m, Enabled=True)])
    wait(srv)
    assert flat(rec) == ['a', 'b']
    assert mapping_status(srv, 'later')['UUID'] == uuid


def test_stream_disabled_and_enabled_again(server_factory, tmp_path):
    """A mapping that follows the table moves to the table's new stream."""
    rec = Recorder(tmp_path, 'follow')
    srv = start(server_factory, tmp_path, [mapping(rec, 'follow')])
    old = create_table(srv, T)
    put(srv, T, 'a')
    wait(srv)
    c = client(srv)
    c.update_table(TableName=T, StreamSpecification={'StreamEnabled': False})
    put(srv, T, 'no-stream')
    new = c.update_table(TableName=T, StreamSpecification={
        'StreamEnabled': True, 'StreamViewType': 'KEYS_ONLY'})['TableDescription']['LatestStreamArn']
    assert new != old
    put(srv, T, 'c')
    wait(srv)
    assert flat(rec) == ['a', 'c']
    assert mapping_status(srv, 'follow')['EventSourceArn'] == new


# ---- robustness -------------------------------------------------------------------------------

def test_event_payload_limit(server_factory, tmp_path):
    """A batch is cut before the event reaches 6 MB (Lambda's invocation payload limit)."""
    rec = Recorder(tmp_path, 'big')
    srv = start(server_factory, tmp_path, [mapping(rec, 'big', BatchSize=100)])
    create_table(srv, T, 'NEW_IMAGE')
    c = client(srv)
    blob = 'x' * 350000
    pks = ['big%02d' % i for i in range(20)]        # 20 x 350 KB: 7 MB of records
    for pk in pks:
        c.put_item(TableName=T, Item={'pk': {'S': pk}, 'blob': {'S': blob}})
    wait(srv, 60)
    assert flat(rec) == pks
    sizes = [len(call['raw'].encode()) for call in rec.calls()]
    assert max(sizes) <= 6 * 1024 * 1024, sizes


def test_handler_that_ignores_its_input(server_factory, tmp_path):
    """exec: handlers that exit without reading a large event (a closed pipe) neither hurt the
    server nor lose their verdict."""
    srv = start(server_factory, tmp_path, [mapping('exec:true', 'ignore', BatchSize=100),
                                           mapping('exec:exit 1', 'reject', BatchSize=100, MaximumRetryAttempts=0)])
    create_table(srv, T, 'NEW_IMAGE')
    c = client(srv)
    for i in range(40):
        c.put_item(TableName=T, Item={'pk': {'S': 'p%02d' % i}, 'blob': {'S': 'y' * 30000}})
    wait(srv, 60)
    ok, bad = mapping_status(srv, 'ignore'), mapping_status(srv, 'reject')
    assert ok['Errors'] == 0 and ok['LastProcessingResult'] == 'OK' and ok['Invocations'] >= 1
    assert bad['Errors'] == bad['Invocations'] >= 1
    assert client(srv).list_tables()['TableNames'] == [T]


def test_table_deleted_and_created_again(server_factory, tmp_path):
    rec = Recorder(tmp_path, 'again')
    srv = start(server_factory, tmp_path, [mapping(rec, 'again')])
    create_table(srv, T)
    put(srv, T, 'a')
    wait(srv)
    client(srv).delete_table(TableName=T)
    wait(srv)
    arn = create_table(srv, T)
    put(srv, T, 'b')
    wait(srv)
    assert flat(rec) == ['a', 'b']
    assert mapping_status(srv, 'again')['EventSourceArn'] == arn


def test_in_memory_server_and_prompt_shutdown(server_factory, tmp_path):
    rec, pyrec = Recorder(tmp_path, 'mem'), Recorder(tmp_path, 'mempy')
    srv = start(server_factory, tmp_path, [mapping(rec, 'mem'), mapping('python:' + pyrec.script, 'mempy')],
                db='mem', env={'TRIG_LOG': pyrec.log, 'TRIG_CONF': pyrec.conf_path, 'DDBLOCAL_PYTHON': PY})
    create_table(srv, T)
    for pk in ('a', 'b', 'c'):
        put(srv, T, pk)
    wait(srv)
    assert flat(rec) == ['a', 'b', 'c'] and flat(pyrec) == ['a', 'b', 'c']
    worker = pyrec.calls()[0]['pid']
    t0 = time.time()
    assert srv.stop() == 0
    assert time.time() - t0 < 5
    deadline = time.time() + 5
    while os.path.exists('/proc/%d' % worker) and time.time() < deadline:
        time.sleep(0.05)
    alive = os.path.exists('/proc/%d' % worker)
    kill_pid(worker)
    assert not alive, 'the python worker outlived the server'


def test_exec_handler_cwd_and_stderr(server_factory, tmp_path):
    """exec: runs with /bin/sh -c in ddblocal's working directory; its stderr reaches ddblocal's."""
    srv = start(server_factory, tmp_path, [mapping(
        'exec:cat >/dev/null; pwd > where.txt; echo "marker-$AWS_LAMBDA_FUNCTION_NAME-stderr" >&2', 'shell')])
    create_table(srv, T)
    put(srv, T, 'a')
    wait(srv)
    with open(os.path.join(str(tmp_path), 'where.txt')) as f:
        assert os.path.realpath(f.read().strip()) == os.path.realpath(str(tmp_path))
    assert 'marker-shell-stderr' in srv.output()


def test_admin_without_triggers(server_factory, tmp_path):
    srv = start(server_factory, tmp_path)
    assert status(srv) == []
    assert admin(srv, 'GET', '/_ddblocal/triggers/wait?timeout=1') == (200, {'Drained': True})
    assert admin(srv, 'GET', '/_ddblocal/health') == (200, {'status': 'ok'})


def test_two_mappings_with_one_uuid_refused(target, tmp_path):
    tf = os.path.join(str(tmp_path), 't.json')
    u = '11111111-2222-3333-4444-555555555555'
    with open(tf, 'w') as f:
        json.dump([base(UUID=u), base(UUID=u, FunctionName='g')], f)
    rc, err = run_refused(target.binary, ['-inMemory', '-port', '0', '-triggers', tf], str(tmp_path))
    assert rc == 1, err
    lines = [ln for ln in err.splitlines() if ln.startswith('ddblocal: ')]
    assert lines and 'UUID' in lines[0], err


def test_shard_rollover(server_factory, tmp_path):
    """After the 4-hour rollover the mapping finishes the parent shard, then reads its child."""
    arn = prewrite(server_factory, tmp_path, ['a', 'b'])
    rec = Recorder(tmp_path, 'roll')
    srv = start(server_factory, tmp_path, [mapping(rec, 'roll', BatchSize=10)],
                env={'DDBLOCAL_STREAM_CLOCK_OFFSET_MS': str(5 * 3600 * 1000)})
    put(srv, T, 'c')
    put(srv, T, 'd')
    wait(srv)
    code, desc = raw_call(srv, 'DescribeStream', {'StreamArn': arn}, 'DynamoDBStreams_20120810')
    shards = desc['StreamDescription']['Shards']
    assert len(shards) == 2, shards         # the old shard closed, a child opened
    assert flat(rec) == ['a', 'b', 'c', 'd']
    assert all(len({r['eventSourceARN'] for r in b}) == 1 for b in rec.batches())
    st = mapping_status(srv, 'roll')
    child = [s['ShardId'] for s in shards if 'EndingSequenceNumber' not in s['SequenceNumberRange']]
    assert child and child[0] in [c['ShardId'] for c in st['Checkpoints']]
    # a batch never mixes shards
    by_seq = {}
    for s in shards:
        rng = s['SequenceNumberRange']
        by_seq[s['ShardId']] = (int(rng['StartingSequenceNumber']), int(rng.get('EndingSequenceNumber', 10 ** 30)))
    for b in rec.batches():
        seqs = [int(seq_of(r)) for r in b]
        assert any(lo <= min(seqs) and max(seqs) <= hi for lo, hi in by_seq.values()), b


def test_python_handler_timeout(server_factory, tmp_path):
    """A python: handler running past Timeout is a timeout; its worker is replaced."""
    prewrite(server_factory, tmp_path, ['a'])
    rec = Recorder(tmp_path, 'pyslow', sleep=5, sleep_times=1)
    srv = start(server_factory, tmp_path, [mapping('python:' + rec.script, 'pyslow', Timeout=1)],
                env={'TRIG_LOG': rec.log, 'TRIG_CONF': rec.conf_path, 'DDBLOCAL_PYTHON': PY})
    t0 = time.time()
    wait(srv)
    assert time.time() - t0 < 4.5
    assert rec.pks() == [['a'], ['a']]
    results = [m.group(8) for m in fn_lines(srv, 'pyslow')]
    assert len(results) == 2 and results[0].startswith('Timeout') and results[1] == 'OK'
    put(srv, T, 'b')
    wait(srv)
    assert rec.pks()[2:] == [['b']]


def test_invoke_handler_timeout(server_factory, tmp_path, fake_lambda):
    prewrite(server_factory, tmp_path, ['a'])
    fl = fake_lambda([(200, {}, '', 3)])
    srv = start(server_factory, tmp_path, [mapping('invoke:http://127.0.0.1:%d' % fl.port, 'invslow', Timeout=1)])
    wait(srv)
    assert fl.pks() == [['a'], ['a']]
    st = mapping_status(srv, 'invslow')
    assert st['Errors'] == 1 and st['LastProcessingResult'] == 'OK'
    results = [m.group(8) for m in fn_lines(srv, 'invslow')]
    assert len(results) == 2 and results[0].startswith('Timeout') and results[1] == 'OK'


def test_server_answers_while_a_handler_runs(server_factory, tmp_path):
    rec = Recorder(tmp_path, 'busy', sleep=3, sleep_times=1)
    srv = start(server_factory, tmp_path, [mapping(rec, 'busy', Timeout=10)])
    create_table(srv, T)
    put(srv, T, 'a')
    deadline = time.time() + 10
    while not rec.calls() and time.time() < deadline:
        time.sleep(0.02)
    assert rec.calls()
    assert mapping_status(srv, 'busy')['InFlight'] is True
    t0 = time.time()
    put(srv, T, 'b')
    assert client(srv).get_item(TableName=T, Key={'pk': {'S': 'b'}}, ConsistentRead=True)['Item']
    code, _ = admin(srv, 'GET', '/_ddblocal/triggers/wait?timeout=0')
    assert code == 408
    assert time.time() - t0 < 1.0, 'requests waited for the handler'
    wait(srv)
    assert flat(rec) == ['a', 'b']


def test_builtin_cruddur_message_groups(server_factory, tmp_path):
    """builtin:cruddur-message-groups through -trigger TABLE=HANDLER (cruddur.md §7): a new message
    rewrites both group rows of its conversation; the builtin's own writes feed the stream."""
    schema_path = os.path.join(os.path.dirname(__file__), '..', '..', 'data', 'cruddur', 'schema.json')
    with open(schema_path) as f:
        schema = json.load(f)
    srv = start(server_factory, tmp_path, flags=['-trigger', 'cruddur-messages=builtin:cruddur-message-groups'])
    schema['StreamSpecification'] = {'StreamEnabled': True, 'StreamViewType': 'NEW_IMAGE'}
    c = client(srv)
    arn = c.create_table(**schema)['TableDescription']['LatestStreamArn']
    old_sk, new_sk = '2026-11-24T04:10:42.304463+00:00', '2026-11-24T04:11:00.318143+00:00'
    for owner, other in (('u1', 'u2'), ('u2', 'u1')):
        c.put_item(TableName='cruddur-messages', Item={
            'pk': {'S': 'GRP#' + owner}, 'sk': {'S': old_sk}, 'message_group_uuid': {'S': 'g1'},
            'message': {'S': 'filler'}, 'user_uuid': {'S': other}, 'user_display_name': {'S': other.upper()},
            'user_handle': {'S': other}})
    wait(srv)
    before = len(stream_records(srv, arn))
    c.put_item(TableName='cruddur-messages', Item={
        'pk': {'S': 'MSG#g1'}, 'sk': {'S': new_sk}, 'message': {'S': 'hello'}, 'message_uuid': {'S': 'm1'},
        'user_uuid': {'S': 'u1'}, 'user_display_name': {'S': 'U1'}, 'user_handle': {'S': 'u1'}})
    wait(srv)
    rows = c.query(TableName='cruddur-messages', IndexName='message-group-sk-index',
                   KeyConditionExpression='message_group_uuid = :g',
                   ExpressionAttributeValues={':g': {'S': 'g1'}})['Items']
    assert sorted((r['pk']['S'], r['sk']['S'], r['message']['S'], r['user_handle']['S']) for r in rows) == [
        ('GRP#u1', new_sk, 'hello', 'u2'), ('GRP#u2', new_sk, 'hello', 'u1')]
    new = stream_records(srv, arn)[before:]
    assert sorted((r['eventName'], pk_of(r)) for r in new) == [
        ('INSERT', 'GRP#u1'), ('INSERT', 'GRP#u2'), ('INSERT', 'MSG#g1'), ('REMOVE', 'GRP#u1'), ('REMOVE', 'GRP#u2')]
    [st] = status(srv)
    assert st['Errors'] == 0 and st['LastProcessingResult'] == 'OK'
    assert st['Checkpoints'][0]['SequenceNumber'] == seq_of(stream_records(srv, arn)[-1])


def test_no_descriptor_or_process_leak(server_factory, tmp_path, fake_lambda):
    """Hundreds of exec:, python: and invoke: invocations leave no open descriptors and no zombie
    children behind."""
    fl = fake_lambda()
    pyrec = Recorder(tmp_path, 'leakpy')
    srv = start(server_factory, tmp_path, [
        mapping('exec:cat >/dev/null', 'leakexec', BatchSize=1),
        mapping('exec:cat >/dev/null; exit 1', 'leakfail', BatchSize=1, MaximumRetryAttempts=0),
        mapping('python:' + pyrec.script, 'leakpy', BatchSize=1),
        mapping('invoke:http://127.0.0.1:%d' % fl.port, 'leakinv', BatchSize=1)],
        env={'TRIG_LOG': pyrec.log, 'TRIG_CONF': pyrec.conf_path, 'DDBLOCAL_PYTHON': PY})
    create_table(srv, T, 'KEYS_ONLY')
    pid = srv.proc.pid

    def fds():
        return len(os.listdir('/proc/%d/fd' % pid))

    def zombies():
        out = []
        for p in os.listdir('/proc'):
            if p.isdigit():
                try:
                    with open('/proc/%s/stat' % p) as f:
                        fields = f.read().rsplit(')', 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == pid and fields[0] == 'Z':
                    out.append(p)
        return out
    put(srv, T, 'warm')
    wait(srv)
    before = fds()
    for i in range(60):
        put(srv, T, 'k%03d' % i)
    wait(srv, 120)
    assert len(fl.requests) == 61 and len(pyrec.calls()) == 61
    assert mapping_status(srv, 'leakexec')['Invocations'] == 61
    assert mapping_status(srv, 'leakfail')['Errors'] == 61
    assert fds() <= before + 2, (before, fds())
    assert zombies() == []


def test_event_carries_every_type_exactly(server_factory, tmp_path):
    """Strings with escapes and non-ASCII text, binary, sets, nested documents and 38-digit
    numbers reach the handler exactly as GetRecords gives them."""
    rec = Recorder(tmp_path, 'types')
    srv = start(server_factory, tmp_path, [mapping(rec, 'types')])
    arn = create_table(srv, T)
    item = {
        'pk': {'S': 'k\u00e9y "quoted" \\ back\tslash \u2603 \U0001F600 \u0001'},
        's': {'S': '</script>\u2028\u2029 \\u0041'},
        'n': {'N': '12345678901234567890123456789012345678'},
        'small': {'N': '-0.000000000000000000000000000000000001'},
        'big': {'N': '9.9999999999999999999999999999999999999E+125'},
        'b': {'B': 'AAEC/w=='},
        'ss': {'SS': ['a', 'b\u00e9']}, 'ns': {'NS': ['1', '-2.5', '1E+10']}, 'bs': {'BS': ['AQ==', 'Ag==']},
        'bool': {'BOOL': False}, 'null': {'NULL': True},
        'l': {'L': [{'S': 'x'}, {'N': '1'}, {'M': {'deep': {'L': [{'NULL': True}]}}}]},
        'm': {'M': {'a b': {'S': ''}, '\u00fc': {'BOOL': True}}},
    }
    code, body = raw_call(srv, 'PutItem', {'TableName': T, 'Item': item})
    assert code == 200, body
    code, body = raw_call(srv, 'UpdateItem', {'TableName': T, 'Key': {'pk': item['pk']},
                                              'UpdateExpression': 'SET n = n + :one',
                                              'ExpressionAttributeValues': {':one': {'N': '1'}}})
    assert code == 200, body
    wait(srv)
    delivered = [r for b in rec.batches() for r in b]
    stream = stream_records(srv, arn)
    assert [r['dynamodb'] for r in delivered] == [r['dynamodb'] for r in stream]
    assert delivered[0]['dynamodb']['Keys'] == {'pk': item['pk']}
    assert delivered[1]['dynamodb']['NewImage']['n'] == {'N': '12345678901234567890123456789012345679'}


def test_retry_backoff_doubles_from_100_ms(server_factory, tmp_path):
    prewrite(server_factory, tmp_path, ['a'])
    rec = Recorder(tmp_path, 'backoff', fail_times=4)
    srv = start(server_factory, tmp_path, [mapping(rec, 'backoff')], env={'DDBLOCAL_TRIGGER_BACKOFF_MS': None})
    wait(srv)
    times = [c['time'] for c in rec.calls()]
    assert len(times) == 5
    gaps = [b - a for a, b in zip(times, times[1:])]
    for gap, backoff in zip(gaps, (0.1, 0.2, 0.4, 0.8)):
        assert backoff * 0.9 <= gap < backoff + 1.5, gaps


def test_python_worker_exits_when_the_server_is_killed(server_factory, tmp_path):
    import signal
    rec = Recorder(tmp_path, 'orphan')
    srv = start(server_factory, tmp_path, [mapping('python:' + rec.script, 'orphan')],
                env={'TRIG_LOG': rec.log, 'TRIG_CONF': rec.conf_path, 'DDBLOCAL_PYTHON': PY})
    create_table(srv, T)
    put(srv, T, 'a')
    wait(srv)
    worker = rec.calls()[0]['pid']
    srv.stop(signal.SIGKILL)
    deadline = time.time() + 5
    while os.path.exists('/proc/%d' % worker) and time.time() < deadline:
        time.sleep(0.05)
    alive = os.path.exists('/proc/%d' % worker)
    kill_pid(worker)
    assert not alive, 'the python worker outlived a killed server'


def test_trigger_flag_with_json_values(server_factory, tmp_path):
    """-trigger Name=Value pairs take JSON values (FilterCriteria) and plain ones (lists, booleans,
    numbers); Handler may contain '=' and ','."""
    rec = Recorder(tmp_path, 'flagjson')
    pattern = json.dumps({'eventName': ['INSERT']})
    spec = ('TableName=%s,FunctionName=flagjson,StartingPosition=TRIM_HORIZON,BatchSize=7,'
            'BisectBatchOnFunctionError=true,FunctionResponseTypes=ReportBatchItemFailures,'
            'FilterCriteria=%s,MaximumRetryAttempts=3,Handler=exec:X=1,Y=2 %s'
            % (T, json.dumps({'Filters': [{'Pattern': pattern}]}), rec.exec_handler[5:]))
    srv = start(server_factory, tmp_path, flags=['-trigger', spec])
    create_table(srv, T)
    put(srv, T, 'a')
    put(srv, T, 'a', v='changed')
    put(srv, T, 'b')
    wait(srv)
    assert [(r['eventName'], pk_of(r)) for b in rec.batches() for r in b] == [('INSERT', 'a'), ('INSERT', 'b')]
    [st] = status(srv)
    assert st['Handler'] == 'exec:X=1,Y=2 ' + rec.exec_handler[5:]
    assert (st['BatchSize'], st['BisectBatchOnFunctionError'], st['MaximumRetryAttempts'],
            st['FunctionResponseTypes']) == (7, True, 3, ['ReportBatchItemFailures'])


def test_records_past_retention(server_factory, tmp_path):
    """Records trimmed after 24 hours are gone for a mapping too (TRIM_HORIZON is the oldest
    retained record, as for GetRecords); newer ones still flow."""
    arn = prewrite(server_factory, tmp_path, ['old-1', 'old-2'])
    rec = Recorder(tmp_path, 'ret')
    srv = start(server_factory, tmp_path, [mapping(rec, 'ret')],
                env={'DDBLOCAL_STREAM_CLOCK_OFFSET_MS': str(25 * 3600 * 1000)})
    put(srv, T, 'new-1')
    wait(srv)
    assert [pk_of(r) for r in stream_records(srv, arn)] == ['new-1']
    assert flat(rec) == ['new-1']


def test_old_stream_finished_before_the_new_one(server_factory, tmp_path):
    """Records written just before the stream is disabled are still delivered (the old stream stays
    readable), before the records of the table's next stream."""
    rec = Recorder(tmp_path, 'finish', sleep=1, sleep_times=1)
    srv = start(server_factory, tmp_path, [mapping(rec, 'finish', BatchSize=1)])
    create_table(srv, T)
    c = client(srv)
    put(srv, T, 'a')                    # its handler is still running while the rest happens
    put(srv, T, 'x1')
    put(srv, T, 'x2')
    c.update_table(TableName=T, StreamSpecification={'StreamEnabled': False})
    c.update_table(TableName=T, StreamSpecification={'StreamEnabled': True, 'StreamViewType': 'NEW_IMAGE'})
    put(srv, T, 'y')
    wait(srv)
    assert flat(rec) == ['a', 'x1', 'x2', 'y']


def test_python_handler_partial_response(server_factory, tmp_path):
    """A python: handler's return value is its response: a partial batch failure as a dict."""
    prewrite(server_factory, tmp_path, R5)
    rec = Recorder(tmp_path, 'pyrep', respond={'batchItemFailures': [{'itemIdentifier': '$seq:r3'}]},
                   respond_times=1)
    srv = start(server_factory, tmp_path, [mapping('python:' + rec.script, 'pyrep', BatchSize=5,
                                                   FunctionResponseTypes=['ReportBatchItemFailures'])],
                env={'TRIG_LOG': rec.log, 'TRIG_CONF': rec.conf_path, 'DDBLOCAL_PYTHON': PY})
    wait(srv)
    assert rec.pks() == [R5, ['r3', 'r4']]
