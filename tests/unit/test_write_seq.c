/*
 * test_write_seq.c: writes to a table without a stream skip parsing the stored item
 * (item_put_new), yet must consume a stream sequence number exactly when the item really
 * changes, as DynamoDB Local does (its one sequence is shared by all tables, so a later
 * stream's first sequence number shows how many were consumed). Each scenario runs in a fresh
 * in-memory instance and is compared with an instance that made no write at all.
 */
#include "ddblocal.h"
#include "unit.h"

#include <cjson/cJSON.h>
#include <stdlib.h>

#define AUTH "AWS4-HMAC-SHA256 Credential=x/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=abc"

/* Calls op with body; returns the parsed answer (NULL unless 200). */
static cJSON *call(ddb_t *d, const char *op, const char *body)
{
    char target[64];
    ddb_response_t r;
    snprintf(target, sizeof target, "%s.%s", strcmp(op, "DescribeStream") ? "DynamoDB_20120810"
             : "DynamoDBStreams_20120810", op);
    ddb_call(d, target, AUTH, body, strlen(body), &r);
    cJSON *j = r.status == 200 ? cJSON_ParseWithLength(r.body, r.body_len) : NULL;
    if (r.status != 200) fprintf(stderr, "%s: %d %.*s\n", op, r.status, (int)r.body_len, r.body);
    ddb_response_fini(&r);
    return j;
}

static void table(ddb_t *d, const char *name, int stream)
{
    char body[512];
    snprintf(body, sizeof body, "{\"TableName\":\"%s\",\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}],"
             "\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"}],"
             "\"BillingMode\":\"PAY_PER_REQUEST\"%s}", name,
             stream ? ",\"StreamSpecification\":{\"StreamEnabled\":true,\"StreamViewType\":\"KEYS_ONLY\"}" : "");
    cJSON_Delete(call(d, "CreateTable", body));
}

/* The first sequence number of a new stream table after the writes of scenario. */
static long long first_seq(const char *const *writes)
{
    ddb_config_t cfg = {0};
    cfg.in_memory = 1;
    char err[256];
    ddb_t *d = ddb_open(&cfg, err, sizeof err);
    CHECK(d != NULL);
    if (!d) return -1;
    table(d, "plain", 0);
    for (int i = 0; writes && writes[i]; i += 2) {
        cJSON *j = call(d, writes[i], writes[i + 1]);
        CHECK(j != NULL);
        cJSON_Delete(j);
    }
    table(d, "probe", 1);
    cJSON_Delete(call(d, "PutItem", "{\"TableName\":\"probe\",\"Item\":{\"pk\":{\"S\":\"p\"}}}"));
    cJSON *t = call(d, "DescribeTable", "{\"TableName\":\"probe\"}");
    const cJSON *arn = cJSON_GetObjectItem(cJSON_GetObjectItem(t, "Table"), "LatestStreamArn");
    char body[600];
    snprintf(body, sizeof body, "{\"StreamArn\":\"%s\"}", cJSON_IsString(arn) ? arn->valuestring : "");
    cJSON *s = call(d, "DescribeStream", body);
    const cJSON *shard = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(s, "StreamDescription"), "Shards"), 0);
    const cJSON *start = cJSON_GetObjectItem(cJSON_GetObjectItem(shard, "SequenceNumberRange"), "StartingSequenceNumber");
    long long v = cJSON_IsString(start) ? atoll(start->valuestring) : -1;
    CHECK(v >= 0);
    cJSON_Delete(t);
    cJSON_Delete(s);
    ddb_close(d);
    return v;
}

#define PUT(item) "PutItem", "{\"TableName\":\"plain\",\"Item\":" item "}"

static void test_changes_counted(void)
{
    static const char *const none[] = {NULL};
    static const char *const writes[] = {
        PUT("{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"1\"}}"),                 /* new: 1 */
        PUT("{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"1\"}}"),                 /* identical bytes: 0 */
        PUT("{\"v\":{\"N\":\"1\"},\"pk\":{\"S\":\"a\"}}"),                 /* same item, other order: 0 */
        PUT("{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"2\"}}"),                 /* same length, changed: 1 */
        PUT("{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"22\"}}"),                /* other length: 1 */
        /* "a" and "e" share a HashMap bucket: stored bytes differ by member order only: 0 */
        PUT("{\"pk\":{\"S\":\"b\"},\"a\":{\"S\":\"x\"},\"e\":{\"S\":\"y\"}}"),   /* new: 1 */
        PUT("{\"pk\":{\"S\":\"b\"},\"e\":{\"S\":\"y\"},\"a\":{\"S\":\"x\"}}"),   /* 0 */
        PUT("{\"pk\":{\"S\":\"b\"},\"e\":{\"S\":\"x\"},\"a\":{\"S\":\"y\"}}"),   /* same length, changed: 1 */
        "BatchWriteItem", "{\"RequestItems\":{\"plain\":[{\"PutRequest\":{\"Item\":{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"22\"}}}},"
                          "{\"PutRequest\":{\"Item\":{\"pk\":{\"S\":\"c\"}}}}]}}",            /* 0 + new: 1 */
        NULL,
    };
    long long base = first_seq(none), seq = first_seq(writes);
    CHECK_INT(seq - base, 6);
}

UNIT_MAIN(T(test_changes_counted))
