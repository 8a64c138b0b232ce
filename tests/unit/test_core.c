/*
 * test_core.c: the core called in-process through the public API (no socket, no libuv):
 * credentials and target dispatch (dynamodb-local.md §2, §4.1), the error envelope, and a
 * table/item round trip. Each case is one line: target, Authorization, body -> status, body.
 */
#include "ddblocal.h"
#include "unit.h"

#include <stdlib.h>

#define AUTH "AWS4-HMAC-SHA256 Credential=x/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=abc"
#define UOE "{\"__type\":\"com.amazonaws.dynamodb.v20120810#UnknownOperationException\",\"Message\":\"An unknown operation was requested.\"}"

static const struct { const char *target, *auth, *body; int status; const char *want; } CASES[] = {
    {"DynamoDB_20120810.ListTables", NULL, "{}", 400,
     "{\"__type\":\"com.amazonaws.dynamodb.v20120810#MissingAuthenticationToken\",\"Message\":\"Request must contain either a valid (registered) AWS access key ID or X.509 certificate.\"}"},
    {"DynamoDB_20120810.ListTables", "AWS4-HMAC-SHA256 Credential=AK_ONE/20240101/us-east-1/dynamodb/aws4_request", "{}", 400,
     "{\"__type\":\"com.amazonaws.dynamodb.v20120810#UnrecognizedClientException\",\"Message\":\"The Access Key ID or security token is invalid.\"}"},
    {"DynamoDB_20120810.ListTables", AUTH, "{}", 200, "{\"TableNames\":[]}"},
    {"DynamoDB_20120810.Foo", AUTH, "{}", 400, UOE},
    {"DynamoDBStreams_20120810.ListTables", AUTH, "{}", 400, UOE},
    {NULL, AUTH, "{}", 400, UOE},
    {"ListTables", AUTH, "{}", 400, UOE},
    {"DynamoDB_20111205.ListTables", AUTH, "{}", 400,
     "{\"__type\":\"com.amazonaws.dynamodb.v20120810#InvalidAction\",\"Message\":\"DynamoDB Local does not support v1 API.\"}"},
    {"dynamodb_20120810.listtables", AUTH, "{}", 400,
     "{\"__type\":\"com.amazonaws.dynamodb.v20120810#InvalidAction\",\"Message\":\"The action or operation requested is invalid. Verify that the action is typed correctly.\"}"},
    {"DynamoDB_20120810.TagResource", AUTH, "{}", 400,
     "{\"__type\":\"com.amazonaws.dynamodb.v20120810#UnknownOperationException\",\"Message\":\"Tagging is not currently supported in DynamoDB Local.\"}"},
    {"DynamoDB_20120810.ListTables", AUTH, "[]", 400,
     "{\"__type\":\"com.amazon.coral.service#SerializationException\",\"Message\":\"Start of list found where not expected\"}"},
    {"DynamoDB_20120810.ListTables", AUTH, "{} xyz", 200, "{\"TableNames\":[]}"},
    /* invalid UTF-8 and raw control characters: DynamoDB Local answers 500 (D1); found by
     * fuzz_request (corpus regress-invalid-utf8-name: such a name could be stored, then not read) */
    {"DynamoDB_20120810.ListTables", AUTH, "{\"ExclusiveStartTableName\":\"ab\xff\"}", 400,
     "{\"__type\":\"com.amazon.coral.service#SerializationException\",\"Message\":\"Invalid UTF-8 in the request body\"}"},
    {"DynamoDB_20120810.ListTables", AUTH, "{\"ExclusiveStartTableName\":\"ab\xf4\xae\xae\xae\"}", 400,
     "{\"__type\":\"com.amazon.coral.service#SerializationException\",\"Message\":\"Invalid UTF-8 in the request body\"}"},
    {"DynamoDB_20120810.ListTables", AUTH, "{\"ExclusiveStartTableName\":\"a\x01b\"}", 400,
     "{\"__type\":\"com.amazon.coral.service#SerializationException\",\"Message\":\"Unescaped control character in a JSON string\"}"},
    {"DynamoDB_20120810.ListTables", AUTH, "{\"Limit\":\"5\"}", 200, "{\"TableNames\":[]}"},
    {"DynamoDB_20120810.ListTables", AUTH, "{\"Limit\":0}", 400,
     "{\"__type\":\"com.amazon.coral.validate#ValidationException\",\"Message\":\"Limit must be greater than or equal to 1\"}"},
    {"DynamoDB_20120810.DescribeLimits", AUTH, "{}", 200,
     "{\"AccountMaxReadCapacityUnits\":80000,\"AccountMaxWriteCapacityUnits\":80000,\"TableMaxReadCapacityUnits\":40000,\"TableMaxWriteCapacityUnits\":40000}"},
    {"DynamoDB_20120810.CreateTable", AUTH, "{\"TableName\":\"t1\",\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}],\"AttributeDefinitions\":[{\"AttributeName\":\"id\",\"AttributeType\":\"S\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}", 400,
     "{\"__type\":\"com.amazon.coral.validate#ValidationException\",\"Message\":\"Invalid table/index name.  Table/index names must be between 3 and 255 characters long, and may contain only the characters a-z, A-Z, 0-9, '_', '-', and '.'\"}"},
    {"DynamoDB_20120810.CreateTable", AUTH, "{\"TableName\":\"tbl\",\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}],\"AttributeDefinitions\":[{\"AttributeName\":\"id\",\"AttributeType\":\"S\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}", 200, NULL},
    {"DynamoDB_20120810.PutItem", AUTH, "{\"TableName\":\"tbl\",\"Item\":{\"id\":{\"S\":\"a\"},\"n\":{\"N\":\"0005.50\"}}}", 200, "{}"},
    {"DynamoDB_20120810.GetItem", AUTH, "{\"TableName\":\"tbl\",\"Key\":{\"id\":{\"S\":\"a\"}}}", 200, "{\"Item\":{\"n\":{\"N\":\"5.5\"},\"id\":{\"S\":\"a\"}}}"},
    {"DynamoDB_20120810.DeleteItem", AUTH, "{\"TableName\":\"tbl\",\"Key\":{\"id\":{\"S\":\"a\"}},\"ReturnValues\":\"ALL_OLD\"}", 200, "{\"Attributes\":{\"n\":{\"N\":\"5.5\"},\"id\":{\"S\":\"a\"}}}"},
    {"DynamoDB_20120810.DeleteItem", AUTH, "{\"TableName\":\"tbl\",\"Key\":{\"id\":{\"S\":\"a\"}}}", 200, "{\"ConsumedCapacity\":{\"TableName\":\"tbl\",\"CapacityUnits\":1.0}}"},
    {"DynamoDB_20120810.GetItem", AUTH, "{\"TableName\":\"tbl\",\"Key\":{\"id\":{\"S\":\"a\"}}}", 200, "{}"},
    {"DynamoDB_20120810.ListTables", "AWS4-HMAC-SHA256 Credential=other/20240101/eu-west-1/dynamodb/aws4_request", "{}", 200, "{\"TableNames\":[]}"},
    {"DynamoDB_20120810.ListTables", AUTH, "{}", 200, "{\"TableNames\":[\"tbl\"]}"},
};

static void test_cases(void)
{
    ddb_config_t cfg = {0};
    cfg.in_memory = 1;
    char err[256];
    ddb_t *d = ddb_open(&cfg, err, sizeof err);
    CHECK(d != NULL);
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        ddb_response_t r;
        ddb_call(d, CASES[i].target, CASES[i].auth, CASES[i].body, strlen(CASES[i].body), &r);
        if (r.status != CASES[i].status) fprintf(stderr, "case %zu: %s\n", i, r.body);
        CHECK_INT(r.status, CASES[i].status);
        if (CASES[i].want) CHECK_STR(r.body, CASES[i].want);
        ddb_response_fini(&r);
    }
    ddb_close(d);
}

static void test_open_errors(void)
{
    ddb_config_t cfg = {0};
    char err[512];
    cfg.in_memory = 1;
    cfg.db_path = "/tmp";
    CHECK(ddb_open(&cfg, err, sizeof err) == NULL);
    CHECK_STR(err, "dbPath and inMemory cannot be set at the same time.");
    cfg.in_memory = 0;
    cfg.db_path = "/nonexistent/ddblocal";
    CHECK(ddb_open(&cfg, err, sizeof err) == NULL);
    CHECK(strstr(err, "/nonexistent/ddblocal") != NULL);
}

UNIT_MAIN(T(test_cases), T(test_open_errors))
