#!/usr/bin/python3
"""Replay the corpus against ddblocal and compare every answer with DynamoDB Local's recording.

    compat/replay.py --ddblocal build/ddblocal     (starts it: -inMemory -port <free port>)
    compat/replay.py --url http://127.0.0.1:8000   (a server that is already running)
    compat/replay.py --oracle ../shared/oracle/dynamodb-local   (DynamoDB Local vs its recordings)
    options: --only GROUP ...  --case NAME ...  --oracle-check (ignore deviations.json: for
             replaying against DynamoDB Local itself)  -v (every difference, not only the first three)

Outcomes per case: identical; deviation (a listed deliberate difference, pinned in
compat/deviations.json, answered as pinned); pending (ddblocal answers UnknownOperationException:
operation not implemented yet); failed.  Exit status 1 if any case failed."""
import argparse, collections, json, sys
import lib


def check_case(url, case, by_name, key, dev, verbose):
    """('identical'|'deviation'|'pending'|'failed', detail)"""
    last = len(case['steps']) - 1
    for i, step, status, body in lib.run_case(url, case, by_name, key):
        expect, compare = step.get('expect', {}), None
        if step.get('setup') and i != last:
            compare = lib.SETUP_COMPARE
        if dev and i == dev.get('step', last):
            expect, compare = dev['expect'], dev.get('compare')
        pending = lib.is_pending(expect, body)
        if pending:
            op = str(step.get('target') or '?').split('.')[-1]
            return 'pending', op if pending is True else '%s %s' % (op, pending)
        d = lib.diff(expect, status, body, compare, step.get('loose_gsi', False))
        if d:
            what = 'step %d%s (%s)' % (i + 1, ' [setup]' if step.get('setup') else '',
                                       str(step.get('target')).split('.')[-1])
            return 'failed', '%s: %s' % (what, '; '.join(d if verbose else d[:3]) +
                                         ('' if verbose or len(d) <= 3 else '; …%d more' % (len(d) - 3)))
    return ('deviation' if dev else 'identical'), ''


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument('--ddblocal', help='ddblocal binary to start')
    g.add_argument('--url', help='an already running server')
    g.add_argument('--oracle', help='start DynamoDB Local instead and check it against its own '
                   'recordings (implies --oracle-check)')
    ap.add_argument('--only', nargs='*')
    ap.add_argument('--case', nargs='*')
    ap.add_argument('--oracle-check', action='store_true', help='ignore deviations.json')
    ap.add_argument('-v', '--verbose', action='store_true')
    ap.add_argument('-j', '--jobs', type=int, default=8, help='cases replayed at once (default 8; 1 to debug)')
    args = ap.parse_args()

    corpus = lib.load_corpus()
    by_name = lib.all_cases(corpus)
    devs = {} if args.oracle_check or args.oracle else json.load(open(lib.DEVIATIONS))
    for name in devs:
        if name not in by_name:
            print('deviations.json: unknown case %s' % name)
            return 2
    todo = [(group, c) for group, _, data in corpus if not args.only or group in args.only
            for c in data['cases'] if not args.case or c['name'] in args.case]
    binary = args.ddblocal or args.oracle
    proc, url = lib.start_server(binary, timeout=120) if binary else (None, args.url)
    prefix = lib.new_key_prefix()

    def check(job):
        n, (group, case) = job
        try:
            return check_case(url, case, by_name, '%s%d' % (prefix, n), devs.get(case['name']), args.verbose)
        except OSError as e:
            return 'failed', 'no answer: %s' % e
    try:
        results = lib.run_parallel(check, list(enumerate(todo)), args.jobs)
    finally:
        if proc:
            lib.stop_server(proc)
    counts, pending_ops = collections.Counter(), collections.Counter()
    for (group, case), (outcome, detail) in zip(todo, results):
        counts[outcome] += 1
        if outcome == 'failed':
            print('FAIL %s/%s %s' % (group, case['name'], detail))
        elif outcome == 'pending':
            pending_ops[detail] += 1
    n = len(todo)
    if pending_ops:
        print('pending: %d (not implemented: %s)' % (counts['pending'], ', '.join(
            '%s %d' % kv for kv in sorted(pending_ops.items()))))
    print('deviations: %d (listed in compat/DEVIATIONS.md, answered as pinned)' % counts['deviation'])
    print('%d passed, %d failed' % (counts['identical'] + counts['deviation'], counts['failed']))
    print('fidelity: %.1f%% of cases identical to DynamoDB Local' % (100.0 * counts['identical'] / max(n, 1)))
    return 1 if counts['failed'] else 0


if __name__ == '__main__':
    sys.exit(main())
