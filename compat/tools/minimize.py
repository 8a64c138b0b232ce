#!/usr/bin/python3
"""Drop setup steps a case does not need, asking the oracle.

    compat/tools/minimize.py --oracle ../shared/oracle/dynamodb-local [--ops UpdateItem ...]

For every case, try each `ref` setup step whose operation is in --ops (default: everything but
CreateTable, DeleteTable, PutItem, DeleteItem), last
first: replay the case without it against the oracle, and drop it for good if every remaining
step still answers as replay.py requires (setup steps: status and __type; the others: all).  Fewer setup steps means a case is not
pending on an operation its answer does not depend on.  Run record.py afterwards."""
import argparse, os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
import lib

FOUNDATION = {'CreateTable', 'DeleteTable', 'PutItem', 'DeleteItem'}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--oracle', required=True)
    ap.add_argument('--ops', nargs='*')
    ap.add_argument('-j', '--jobs', type=int, default=8)
    args = ap.parse_args()
    corpus = lib.load_corpus()
    by_name = lib.all_cases(corpus)
    cases = [c for _, _, data in corpus for c in data['cases']]
    proc, url = lib.start_server(args.oracle, timeout=120)
    prefix = lib.new_key_prefix()

    def same(case, key):
        last = len(case['steps']) - 1
        for i, step, status, body in lib.run_case(url, case, by_name, key):
            compare = lib.SETUP_COMPARE if step.get('setup') and i != last else None
            if lib.diff(step['expect'], status, body, compare, step.get('loose_gsi', False)):
                return False
        return True

    def minimize(job):
        n, case = job
        dropped = 0
        for k in range(len(case['steps']) - 2, -1, -1):
            ref = case['steps'][k].get('ref')
            if not ref:
                continue
            op = by_name[ref]['steps'][-1]['target'].split('.')[-1]
            if (op in args.ops) if args.ops else (op not in FOUNDATION):
                trial = dict(case, steps=case['steps'][:k] + case['steps'][k + 1:])
                if same(trial, '%s%dx%d' % (prefix, n, k)):
                    case['steps'] = trial['steps']
                    dropped += 1
        return dropped
    try:
        dropped = sum(lib.run_parallel(minimize, list(enumerate(cases)), args.jobs))
    finally:
        lib.stop_server(proc)
    for _, path, data in corpus:
        lib.save(path, data)
    print('%d setup steps dropped' % dropped)


if __name__ == '__main__':
    sys.exit(main())
