#!/usr/bin/python3
"""Record the corpus's expectations from DynamoDB Local (the oracle).

    compat/record.py --oracle ../shared/oracle/dynamodb-local [--only GROUP ...] [--case NAME ...]
    compat/record.py --url http://127.0.0.1:20001            (an oracle that is already running)

Starts `ORACLE -inMemory -port <free port>`, replays every case (each in its own database: a
fresh access key per case) and rewrites every step's "expect" with the oracle's answer."""
import argparse, sys
import lib


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument('--oracle', help='DynamoDB Local launcher to start')
    g.add_argument('--url', help='an already running DynamoDB Local')
    ap.add_argument('--only', nargs='*', help='case files (groups) to record, e.g. tables items')
    ap.add_argument('--case', nargs='*', help='record only these cases')
    ap.add_argument('-j', '--jobs', type=int, default=8, help='cases replayed at once (default 8)')
    args = ap.parse_args()

    corpus = lib.load_corpus()
    by_name = lib.all_cases(corpus)
    todo = [c for group, _, data in corpus if not args.only or group in args.only
            for c in data['cases'] if not args.case or c['name'] in args.case]
    proc, url = lib.start_server(args.oracle, timeout=120) if args.oracle else (None, args.url)
    prefix = lib.new_key_prefix()

    def record(job):
        n, case = job
        return [(i, {'status': status, 'body': body})
                for i, _, status, body in lib.run_case(url, case, by_name, '%s%d' % (prefix, n))]
    try:
        results = lib.run_parallel(record, list(enumerate(todo)), args.jobs)
    finally:
        if proc:
            lib.stop_server(proc)
    changed = 0
    for case, answers in zip(todo, results):
        for i, new in answers:
            changed += case['steps'][i].get('expect') != new
            case['steps'][i]['expect'] = new
    for group, path, data in corpus:
        if any(c in todo for c in data['cases']):
            lib.save(path, data)
    print('%d cases recorded, %d step answers changed' % (len(todo), changed))

if __name__ == '__main__':
    sys.exit(main())
