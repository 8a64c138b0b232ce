"""Cruddur's DynamoDB side as the app exercises it (../shared/reference/cruddur.md §3-§5), written
from that description: schema load, the seed, and the four access patterns with the requests the
app sends. Used by run.py; also a small loader for trying ddblocal by hand:

    /usr/bin/python3 compat/cruddur/app.py --endpoint http://localhost:8000 load

(CreateTable of data/cruddur/schema.json, the seed of data/cruddur/seed.json, and the stream
enabled with NEW_IMAGE, as the bootcamp's console step does).  The data is described in
data/cruddur/README.md."""
import argparse
import datetime
import json
import os
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, 'data', 'cruddur')
TABLE = 'cruddur-messages'
INDEX = 'message-group-sk-index'


def load_json(name):
    with open(os.path.join(DATA, name)) as f:
        return json.load(f)


SCHEMA = load_json('schema.json')
USERS = {u['handle']: u for u in load_json('users.json')}
SEED = load_json('seed.json')


def timestamp(t):
    """The app's sort key format: ISO-8601 with microseconds and offset. Always with the fraction
    (the app's isoformat() drops it when the microseconds are 0, cruddur.md §9.11)."""
    return t.isoformat(timespec='microseconds')


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def S(v):
    return {'S': v}


def client(endpoint, region='us-east-1', service='dynamodb'):
    import boto3
    from botocore.config import Config
    return boto3.client(service, endpoint_url=endpoint, region_name=region,
                        aws_access_key_id='cruddur', aws_secret_access_key='cruddur',
                        config=Config(retries={'max_attempts': 1}, connect_timeout=5, read_timeout=60))


# --- schema-load, seed --------------------------------------------------------------------------
def schema_load(ddb):
    return ddb.create_table(**SCHEMA)


def group_row(owner, other, group, sk, message):
    return {'pk': S('GRP#' + owner['uuid']), 'sk': S(sk), 'message_group_uuid': S(group),
            'message': S(message), 'user_uuid': S(other['uuid']),
            'user_display_name': S(other['display_name']), 'user_handle': S(other['handle'])}


def message_row(sender, group, sk, message, message_uuid=None):
    return {'pk': S('MSG#' + group), 'sk': S(sk), 'message_uuid': S(message_uuid or str(uuid.uuid4())),
            'message': S(message), 'user_uuid': S(sender['uuid']),
            'user_display_name': S(sender['display_name']), 'user_handle': S(sender['handle'])}


def seed_items(base):
    """The seed's items in write order: the two group rows (sk = base, the filler text), then the
    conversation, message i at base + i minutes (the app's seed starts at "now" and so writes
    into the future, §9.3; pass a base in the past)."""
    a, b = (USERS[h] for h in SEED['participants'])
    group = SEED['message_group_uuid']
    items = [group_row(a, b, group, timestamp(base), SEED['group_message']),
             group_row(b, a, group, timestamp(base), SEED['group_message'])]
    step = datetime.timedelta(minutes=SEED['minutes_between_messages'])
    for i, (handle, text) in enumerate(SEED['messages']):
        items.append(message_row(USERS[handle], group, timestamp(base + i * step), text))
    return items


def seed(ddb, base):
    """One PutItem per item, as the seed script does; returns the items."""
    items = seed_items(base)
    for item in items:
        ddb.put_item(TableName=TABLE, Item=item)
    return items


def enable_stream(ddb):
    return ddb.update_table(TableName=TABLE, StreamSpecification={
        'StreamEnabled': True, 'StreamViewType': 'NEW_IMAGE'})


# --- the access patterns ---------------------------------------------------------------------------
def list_messages(ddb, group, year, consistent=False):
    """Pattern A: the newest 20 messages of a conversation, returned oldest first."""
    extra = {'ConsistentRead': True} if consistent else {}
    r = ddb.query(TableName=TABLE, KeyConditionExpression='pk = :pk AND begins_with(sk,:year)',
                  ScanIndexForward=False, Limit=20,
                  ExpressionAttributeValues={':year': S(year), ':pk': S('MSG#' + group)}, **extra)
    return [{'uuid': i['message_uuid']['S'], 'display_name': i['user_display_name']['S'],
             'handle': i['user_handle']['S'], 'message': i['message']['S'],
             'created_at': i['sk']['S']} for i in reversed(r['Items'])]


def list_message_groups(ddb, user_uuid, year, consistent=False):
    """Pattern B: the conversations of a user, newest first."""
    extra = {'ConsistentRead': True} if consistent else {}
    r = ddb.query(TableName=TABLE, KeyConditionExpression='pk = :pk AND begins_with(sk,:year)',
                  ScanIndexForward=False, Limit=20,
                  ExpressionAttributeValues={':year': S(year), ':pk': S('GRP#' + user_uuid)}, **extra)
    return [{'uuid': i['message_group_uuid']['S'], 'display_name': i['user_display_name']['S'],
             'handle': i['user_handle']['S'], 'message': i['message']['S'],
             'created_at': i['sk']['S']} for i in r['Items']]


def create_message(ddb, group, sender, text, at):
    """Pattern C: one PutItem of a message row; the stream handler updates the group rows."""
    item = message_row(sender, group, timestamp(at), text)
    ddb.put_item(TableName=TABLE, Item=item)
    return item


def create_message_group(ddb, sender, other, text, at):
    """Pattern D: one BatchWriteItem with both group rows and the first message, one timestamp."""
    group, sk = str(uuid.uuid4()), timestamp(at)
    items = [group_row(sender, other, group, sk, text), group_row(other, sender, group, sk, text),
             message_row(sender, group, sk, text)]
    r = ddb.batch_write_item(RequestItems={TABLE: [{'PutRequest': {'Item': i}} for i in items]})
    return group, items, r


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--endpoint', default='http://localhost:8000')
    ap.add_argument('--region', default=os.environ.get('AWS_DEFAULT_REGION', 'us-east-1'))
    ap.add_argument('command', choices=['load'])
    args = ap.parse_args()
    ddb = client(args.endpoint, args.region)
    schema_load(ddb)
    items = seed(ddb, now() - datetime.timedelta(hours=1))
    enable_stream(ddb)
    print('created %s, %d items, stream enabled (NEW_IMAGE)' % (TABLE, len(items)))


if __name__ == '__main__':
    main()
