"""A stream handler written the way Cruddur's Lambda `cruddur-messaging-stream` is written
(../shared/reference/cruddur.md §7; our own code, from that description): it keeps each
conversation's "last message" rows up to date when a message row lands on the table's stream.

Its quirks are kept on purpose, because ddblocal must run such a handler unchanged:
- the boto3 resource is created at import time with a hard-coded region and the real AWS
  endpoint (ddblocal's python: runner redirects it to ddblocal; -sharedDb makes the region moot);
- only Records[0] is read (§9.1: run it with BatchSize 1, as the app's SAM template does);
- REMOVE records are skipped; group (GRP#) rows are left alone;
- every group row of the conversation is deleted and put again with the new sort key and text.
It returns nothing (no batchItemFailures)."""
import json

import boto3
from boto3.dynamodb.conditions import Key

dynamodb = boto3.resource(
    'dynamodb',
    region_name='ca-central-1',
    endpoint_url='http://dynamodb.ca-central-1.amazonaws.com',
)

TABLE_NAME = 'cruddur-messages'
INDEX_NAME = 'message-group-sk-index'


def lambda_handler(event, context):
    print('event-data', json.dumps(event))

    record = event['Records'][0]
    if record['eventName'] == 'REMOVE':
        print('skip REMOVE event')
        return

    keys = record['dynamodb']['Keys']
    pk = keys['pk']['S']
    sk = keys['sk']['S']
    if not pk.startswith('MSG#'):
        return

    group_uuid = pk.replace('MSG#', '', 1)
    message = record['dynamodb']['NewImage']['message']['S']
    print('message group', group_uuid, 'new last message at', sk)

    table = dynamodb.Table(TABLE_NAME)
    result = table.query(
        IndexName=INDEX_NAME,
        KeyConditionExpression=Key('message_group_uuid').eq(group_uuid),
    )
    print('group rows', len(result['Items']))

    for row in result['Items']:
        table.delete_item(Key={'pk': row['pk'], 'sk': row['sk']})
        table.put_item(Item={
            'pk': row['pk'],
            'sk': sk,
            'message_group_uuid': row['message_group_uuid'],
            'message': message,
            'user_display_name': row['user_display_name'],
            'user_handle': row['user_handle'],
            'user_uuid': row['user_uuid'],
        })
