#!/usr/bin/python3
"""One-off importer: ../shared/reference/cases.json (one ordered, state-sharing script) ->
compat/cases/<group>.json (self-contained cases).

Each recorded entry becomes one case whose last step is the recorded request.  The state it
needs is rebuilt by setup steps: references ({"ref": name}) to every earlier entry that changed
state (a 200 answer to a writing operation) on the tables the case uses, closed transitively
(a BatchWriteItem over two tables pulls in both tables' histories).  Every case runs in its own
database (replay uses a fresh access key per case), so cases do not see each other.
Run `make compat-record` afterwards to fill in the expectations of the setup steps, then
tools/minimize.py to drop the setup steps a case does not need.  (Already done: rerunning this
overwrites the case files, including the cases added since.)"""
import json, os, re, sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, '../../../shared/reference/cases.json')
WRITES = {'CreateTable', 'UpdateTable', 'DeleteTable', 'PutItem', 'UpdateItem', 'DeleteItem',
          'BatchWriteItem', 'TransactWriteItems', 'ExecuteStatement', 'BatchExecuteStatement',
          'ExecuteTransaction', 'UpdateTimeToLive'}
GSI_CREATE = 'updatetable-create-gsi-ok'


def tables(req):
    out = set()
    def walk(v):
        if isinstance(v, dict):
            for k, x in v.items():
                if k == 'TableName' and isinstance(x, str):
                    out.add(x)
                elif k == 'RequestItems' and isinstance(x, dict):
                    out.update(x)
                elif k == 'Statement' and isinstance(x, str):
                    out.update(re.findall(r'(?:FROM|INTO|UPDATE)\s+"?([A-Za-z0-9_.-]+)"?', x, re.I))
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
    walk(req)
    return out


def group(c):
    n, op = c['name'], c['target'].split('.')[1]
    if n.startswith('streams-') or 'stream' in n and op == 'UpdateTable':
        return 'streams'
    if 'gsi' in n or 'lsi' in n or n == 'setup-create-string-range':
        return 'indexes'
    for prefix, g in (('number-', 'numbers'), ('ttl-', 'ttl'), ('partiql-', 'partiql'),
                      ('batch', 'batch'), ('transact', 'transactions'), ('query-', 'query_scan'),
                      ('scan-', 'query_scan'), ('legacy-keyconditions', 'query_scan'),
                      ('legacy-scanfilter', 'query_scan'), ('condition-', 'expressions'),
                      ('expression-', 'expressions'), ('update-', 'expressions'),
                      ('legacy-expected', 'expressions'), ('legacy-attributeupdates', 'expressions')):
        if n.startswith(prefix):
            return g
    if op in ('CreateTable', 'UpdateTable', 'DeleteTable', 'DescribeTable', 'ListTables'):
        return 'tables'
    return 'items'


def main():
    src = json.load(open(SRC))
    seen, names = {}, []
    for i, c in enumerate(src):               # names must be unique: suffix repeats with the table
        n = c['name']
        if n in seen:
            n = '%s-%s' % (n, c['request'].get('TableName', i))
        seen[n] = i
        names.append(n)
    writers = [i for i, c in enumerate(src) if c['status'] == 200 and c['target'].split('.')[1] in WRITES
               and not (c['target'].endswith('ExecuteStatement') and c['request']['Statement'].lstrip().upper().startswith('SELECT'))]
    groups = {}
    for i, c in enumerate(src):
        need = tables(c['request'])
        while True:                            # transitive closure over earlier writes
            more = set(need)
            for j in writers:
                if j < i and tables(src[j]['request']) & need:
                    more |= tables(src[j]['request'])
            if more == need:
                break
            need = more
        steps = [{'ref': names[j], 'expect': {}} for j in writers if j < i and tables(src[j]['request']) & need]
        main_step = {'target': c['target'], 'request': c['request'],
                     'expect': {'status': c['status'], 'body': c['response']}}
        steps.append(main_step)
        # DynamoDB Local backfills a new GSI asynchronously: wait until it is ACTIVE before using
        # the table again (except in the case that looks at it right away).
        if c['name'] == 'describetable-right-after-gsi-create':
            steps[-1]['loose_gsi'] = True      # CREATING or ACTIVE, depending on timing
        else:
            for k in [k for k, s in enumerate(steps) if s.get('ref') == GSI_CREATE][::-1]:
                steps.insert(k + 1, {'wait': 'indexes_active', 'table': 'ct_h'})
        case = {'name': names[i], 'source': 'cases.json#%d' % i, 'steps': steps}
        groups.setdefault(group(c), []).append(case)
    for g, cases in groups.items():
        path = os.path.join(HERE, '..', 'cases', g + '.json')
        with open(path, 'w') as f:
            json.dump({'cases': cases}, f, indent=1, ensure_ascii=False)
            f.write('\n')
        print('%-12s %3d cases' % (g, len(cases)))


if __name__ == '__main__':
    main()
