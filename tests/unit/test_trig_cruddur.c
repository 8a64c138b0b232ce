/*
 * test_trig_cruddur.c: builtin:cruddur-message-groups called directly with hand-built Lambda
 * events against an in-memory instance (../shared/reference/cruddur.md §4, §7): the group rows
 * of the message's conversation are rewritten to its sk and text, REMOVE and GRP# records are
 * ignored, a repeated event writes nothing (checked on the table's stream), every record of a
 * batch counts (not only Records[0], §9.1), all GSI pages are read, and failures of the calls
 * are function errors.
 */
#include "trig.h"
#include "unit.h"

#include <stdarg.h>
#include <stdlib.h>

#define AUTH "AWS4-HMAC-SHA256 Credential=ddblocal/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0"
#define TABLE "cruddur-messages"
#define G1 "5ae290ed-55d1-47a0-bc6d-fe2bc2700399"
#define G2 "fe0c0fc4-620f-4e69-8bf8-9b7ff90e4dab"
#define BROWN "8f1d6e2a-3b4c-4d5e-9f60-7a8b9c0d1e2f"
#define BAYKO "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f"
#define LONDO "7e6d5c4b-3a29-4180-8f7e-6d5c4b3a2918"
#define T0 "2026-11-24T04:10:42.304463+00:00"
#define T0B "2026-11-24T04:10:50.000000+00:00"
#define T1 "2026-11-24T04:11:00.318143+00:00"
#define T1B "2026-11-24T04:11:10.000000+00:00"
#define T2 "2026-11-24T04:12:30.000001+00:00"

static ddb_t *D;

/* Calls op with a printf-formatted body; returns the parsed answer (caller frees) and its
 * status in *status. */
static cJSON *req(const char *op, int *status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static cJSON *req(const char *op, int *status, const char *fmt, ...)
{
    char target[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *body = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(body, (size_t)n + 1, fmt, ap);
    va_end(ap);
    snprintf(target, sizeof target, "DynamoDB_20120810.%s", op);
    ddb_response_t r;
    ddb_call(D, target, AUTH, body, (size_t)n, &r);
    if (status) *status = r.status;
    else if (r.status != 200) fprintf(stderr, "%s %s -> %d %s\n", op, body, r.status, r.body);
    cJSON *j = cJSON_Parse(r.body);
    ddb_response_fini(&r);
    free(body);
    return j;
}

/* A group row: pk GRP#owner, the conversation, the other participant. */
static void put_group(const char *owner, const char *sk, const char *group, const char *message,
                      const char *uuid, const char *name, const char *handle)
{
    cJSON *j = req("PutItem", NULL,
        "{\"TableName\":\"" TABLE "\",\"Item\":{\"pk\":{\"S\":\"GRP#%s\"},\"sk\":{\"S\":\"%s\"},"
        "\"message_group_uuid\":{\"S\":\"%s\"},\"message\":{\"S\":\"%s\"},\"user_uuid\":{\"S\":\"%s\"},"
        "\"user_display_name\":{\"S\":\"%s\"},\"user_handle\":{\"S\":\"%s\"}}}",
        owner, sk, group, message, uuid, name, handle);
    cJSON_Delete(j);
}

/* A fresh instance with the table (and its GSI) of cruddur.md §3, a NEW_IMAGE stream, and the
 * two conversations: brown-bayko (G1) and brown-londo (G2). */
static void setup(void)
{
    ddb_config_t cfg = {0};
    cfg.in_memory = 1;
    cfg.shared_db = 1;
    char err[256];
    D = ddb_open(&cfg, err, sizeof err);
    CHECK(D != NULL);
    cJSON_Delete(req("CreateTable", NULL,
        "{\"TableName\":\"" TABLE "\",\"AttributeDefinitions\":[{\"AttributeName\":\"message_group_uuid\",\"AttributeType\":\"S\"},"
        "{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"},{\"AttributeName\":\"sk\",\"AttributeType\":\"S\"}],"
        "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"},{\"AttributeName\":\"sk\",\"KeyType\":\"RANGE\"}],"
        "\"ProvisionedThroughput\":{\"ReadCapacityUnits\":5,\"WriteCapacityUnits\":5},"
        "\"GlobalSecondaryIndexes\":[{\"IndexName\":\"message-group-sk-index\",\"KeySchema\":[{\"AttributeName\":\"message_group_uuid\",\"KeyType\":\"HASH\"},"
        "{\"AttributeName\":\"sk\",\"KeyType\":\"RANGE\"}],\"Projection\":{\"ProjectionType\":\"ALL\"},"
        "\"ProvisionedThroughput\":{\"ReadCapacityUnits\":5,\"WriteCapacityUnits\":5}}]}"));
    cJSON_Delete(req("UpdateTable", NULL, "{\"TableName\":\"" TABLE "\",\"StreamSpecification\":"
                     "{\"StreamEnabled\":true,\"StreamViewType\":\"NEW_IMAGE\"}}"));
    put_group(BROWN, T0, G1, "this is a filler message", BAYKO, "Andrew Bayko", "bayko");
    put_group(BAYKO, T0, G1, "this is a filler message", BROWN, "Andrew Brown", "andrewbrown");
    put_group(BROWN, T0B, G2, "hello Londo", LONDO, "Londo Mollari", "londo");
    put_group(LONDO, T0B, G2, "hello Londo", BROWN, "Andrew Brown", "andrewbrown");
}

static void teardown(void)
{
    ddb_close(D);
    D = NULL;
}

/* The Items of pattern B (all group rows of one user, consistent read), caller frees. */
static cJSON *groups_of(const char *user)
{
    cJSON *j = req("Query", NULL, "{\"TableName\":\"" TABLE "\",\"ConsistentRead\":true,"
                   "\"KeyConditionExpression\":\"pk = :pk\",\"ExpressionAttributeValues\":"
                   "{\":pk\":{\"S\":\"GRP#%s\"}}}", user);
    cJSON *items = cJSON_DetachItemFromObjectCaseSensitive(j, "Items");
    cJSON_Delete(j);
    return items;
}

static const char *s_attr(const cJSON *item, const char *name)
{
    const cJSON *av = cJSON_GetObjectItemCaseSensitive(item, name);
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(av, "S");
    return cJSON_IsString(s) ? s->valuestring : "(absent)";
}

/* user has exactly one row of group, with sk and message; the other participant kept. */
static void check_row(const char *user, const char *group, const char *sk, const char *message,
                      const char *other)
{
    cJSON *items = groups_of(user);
    int n = 0;
    for (const cJSON *it = items ? items->child : NULL; it; it = it->next) {
        if (strcmp(s_attr(it, "message_group_uuid"), group)) continue;
        n++;
        CHECK_STR(s_attr(it, "sk"), sk);
        CHECK_STR(s_attr(it, "message"), message);
        CHECK_STR(s_attr(it, "user_uuid"), other);
    }
    CHECK_INT(n, 1);
    if (n != 1) { char *t = cJSON_PrintUnformatted(items); fprintf(stderr, "  %s rows: %s\n", user, t); free(t); }
    cJSON_Delete(items);
}

/* How many records the table's stream holds (all of them, from TRIM_HORIZON). */
static int stream_records(void)
{
    cJSON *t = req("DescribeTable", NULL, "{\"TableName\":\"" TABLE "\"}");
    const char *arn = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(t, "Table"), "LatestStreamArn"));
    CHECK(arn != NULL);
    char target[] = "DynamoDBStreams_20120810.DescribeStream";
    char body[1024];
    ddb_response_t r;
    snprintf(body, sizeof body, "{\"StreamArn\":\"%s\"}", arn ? arn : "");
    ddb_call(D, target, AUTH, body, strlen(body), &r);
    cJSON *s = cJSON_Parse(r.body);
    ddb_response_fini(&r);
    const cJSON *shards = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(s, "StreamDescription"), "Shards");
    int total = 0;
    for (const cJSON *sh = shards ? shards->child : NULL; sh; sh = sh->next) {
        snprintf(body, sizeof body, "{\"StreamArn\":\"%s\",\"ShardId\":\"%s\",\"ShardIteratorType\":\"TRIM_HORIZON\"}",
                 arn, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(sh, "ShardId")));
        ddb_call(D, "DynamoDBStreams_20120810.GetShardIterator", AUTH, body, strlen(body), &r);
        cJSON *it = cJSON_Parse(r.body);
        ddb_response_fini(&r);
        char *iter = xstrdup(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "ShardIterator")));
        cJSON_Delete(it);
        for (int page = 0; page < 100; page++) {
            sb_t b2;
            sb_init(&b2);
            sb_printf(&b2, "{\"ShardIterator\":\"%s\"}", iter);
            ddb_call(D, "DynamoDBStreams_20120810.GetRecords", AUTH, b2.buf, b2.len, &r);
            sb_fini(&b2);
            cJSON *g = cJSON_Parse(r.body);
            ddb_response_fini(&r);
            int got = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(g, "Records"));
            total += got;
            const char *next = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(g, "NextShardIterator"));
            free(iter);
            iter = next && got ? xstrdup(next) : NULL;
            cJSON_Delete(g);
            if (!iter) break;
        }
        free(iter);
    }
    cJSON_Delete(s);
    cJSON_Delete(t);
    return total;
}

static trig_mapping_t mapping(const char *table)
{
    trig_mapping_t m;
    memset(&m, 0, sizeof m);
    m.table = (char *)table;
    m.kind = TK_BUILTIN;
    m.target = (char *)"cruddur-message-groups";
    m.region = (char *)"ca-central-1";   /* the Lambda's region: -sharedDb makes it irrelevant */
    m.access_key = (char *)"ddblocal";
    m.batch_size = 100;
    m.enabled = 1;
    m.timeout_s = 3;
    return m;
}

/* One stream record as the engine hands it over (NEW_IMAGE view). message NULL: Keys only. */
static void add_record(sb_t *ev, const char *name, const char *pk, const char *sk,
                       const char *message)
{
    static int seq = 1000;
    sb_printf(ev, "%s{\"eventID\":\"00000000-0000-4000-8000-%012d\",\"eventName\":\"%s\","
              "\"eventVersion\":\"1.1\",\"eventSource\":\"aws:dynamodb\",\"awsRegion\":\"ddblocal\","
              "\"dynamodb\":{\"ApproximateCreationDateTime\":1795493460.0,"
              "\"Keys\":{\"sk\":{\"S\":\"%s\"},\"pk\":{\"S\":\"%s\"}}",
              ev->buf[ev->len - 1] == '[' ? "" : ",", seq, name, sk, pk);
    if (message)
        sb_printf(ev, ",\"NewImage\":{\"pk\":{\"S\":\"%s\"},\"sk\":{\"S\":\"%s\"},"
                  "\"message\":{\"S\":\"%s\"},\"user_handle\":{\"S\":\"andrewbrown\"}}", pk, sk, message);
    sb_printf(ev, ",\"SequenceNumber\":\"%021d\",\"SizeBytes\":100,\"StreamViewType\":\"NEW_IMAGE\"},"
              "\"eventSourceARN\":\"arn:aws:dynamodb:ddblocal:000000000000:table/" TABLE
              "/stream/2026-11-24T04:10:39.607\"}", seq);
    seq++;
}

/* Runs the builtin on the event in ev ("{\"Records\":[" + records); returns its result. */
static int invoke(const char *table, sb_t *ev, sb_t *detail)
{
    sb_puts(ev, "]}");
    cJSON *event = json_parse(sb_cstr(ev), ev->len, NULL);   /* NUL kept, as the engine does */
    CHECK(event != NULL);
    trig_builtin_fn fn = trig_builtin_find("cruddur-message-groups");
    CHECK(fn != NULL);
    trig_mapping_t m = mapping(table);
    sb_t resp;
    sb_init(&resp);
    sb_reset(detail);
    int rc = fn ? fn(D, &m, event, &resp, detail) : -2;
    CHECK_INT(resp.len, 0);   /* no batchItemFailures: it either does the batch or fails it */
    sb_fini(&resp);
    cJSON_Delete(event);
    return rc;
}

static void event_start(sb_t *ev)
{
    sb_init(ev);
    sb_puts(ev, "{\"Records\":[");
}

static void test_find(void)
{
    CHECK(trig_builtin_find("cruddur-message-groups") != NULL);
    CHECK(trig_builtin_find("cruddur") == NULL);
    CHECK(trig_builtin_find("") == NULL);
    CHECK(trig_builtin_find(NULL) == NULL);
}

/* Pattern C's record rewrites both rows of its conversation, only those, once each; the
 * same event again (at-least-once redelivery) writes nothing. */
static void test_rewrite_and_redeliver(void)
{
    setup();
    int before = stream_records();
    CHECK_INT(before, 4);
    sb_t ev, detail;
    sb_init(&detail);
    event_start(&ev);
    add_record(&ev, "INSERT", "MSG#" G1, T1, "Pattern C: a brand new message from andrewbrown");
    sb_t again;
    sb_init(&again);
    sb_add(&again, ev.buf, ev.len);
    CHECK_INT(invoke(TABLE, &ev, &detail), 0);
    CHECK_STR(sb_cstr(&detail), "");
    check_row(BROWN, G1, T1, "Pattern C: a brand new message from andrewbrown", BAYKO);
    check_row(BAYKO, G1, T1, "Pattern C: a brand new message from andrewbrown", BROWN);
    check_row(BROWN, G2, T0B, "hello Londo", LONDO);
    check_row(LONDO, G2, T0B, "hello Londo", BROWN);
    int after = stream_records();
    CHECK_INT(after, before + 4);   /* a REMOVE and an INSERT per group row, as the Lambda */
    CHECK_INT(invoke(TABLE, &again, &detail), 0);
    CHECK_INT(stream_records(), after);
    check_row(BROWN, G1, T1, "Pattern C: a brand new message from andrewbrown", BAYKO);
    check_row(BAYKO, G1, T1, "Pattern C: a brand new message from andrewbrown", BROWN);
    sb_fini(&ev);
    sb_fini(&again);
    sb_fini(&detail);
    teardown();
}

/* REMOVE records (even of message rows, which carry no NewImage under NEW_IMAGE) and GRP#
 * records (the handler's own puts; pattern D's rows) change nothing. */
static void test_ignored_records(void)
{
    setup();
    int before = stream_records();
    sb_t ev, detail;
    sb_init(&detail);
    event_start(&ev);
    add_record(&ev, "REMOVE", "MSG#" G1, T1, NULL);
    add_record(&ev, "REMOVE", "GRP#" BROWN, T0, NULL);
    add_record(&ev, "INSERT", "GRP#" BROWN, T1, "a group row, not a message");
    add_record(&ev, "MODIFY", "GRP#" BAYKO, T2, "another group row");
    add_record(&ev, "INSERT", "MSG#", T2, "no conversation id");
    CHECK_INT(invoke(TABLE, &ev, &detail), 0);
    CHECK_STR(sb_cstr(&detail), "");
    CHECK_INT(stream_records(), before);
    check_row(BROWN, G1, T0, "this is a filler message", BAYKO);
    check_row(BAYKO, G1, T0, "this is a filler message", BROWN);
    sb_fini(&ev);
    sb_fini(&detail);
    teardown();
}

/* A batch of several messages ends at the last one (the Lambda's Records[0] would leave the
 * first: cruddur.md §9.1), whatever records sit between them; a MODIFY of a message counts. */
static void test_whole_batch(void)
{
    setup();
    sb_t ev, detail;
    sb_init(&detail);
    event_start(&ev);
    add_record(&ev, "INSERT", "MSG#" G1, T1, "burst message 1");
    add_record(&ev, "INSERT", "MSG#" G2, T1B, "to londo");
    add_record(&ev, "REMOVE", "GRP#" BROWN, T0, NULL);
    add_record(&ev, "INSERT", "MSG#" G1, T2, "burst message 2 (the latest)");
    CHECK_INT(invoke(TABLE, &ev, &detail), 0);
    check_row(BROWN, G1, T2, "burst message 2 (the latest)", BAYKO);
    check_row(BAYKO, G1, T2, "burst message 2 (the latest)", BROWN);
    check_row(BROWN, G2, T1B, "to londo", LONDO);
    check_row(LONDO, G2, T1B, "to londo", BROWN);
    sb_reset(&ev);
    sb_puts(&ev, "{\"Records\":[");
    add_record(&ev, "MODIFY", "MSG#" G2, T1B, "to londo, edited");
    CHECK_INT(invoke(TABLE, &ev, &detail), 0);
    check_row(LONDO, G2, T1B, "to londo, edited", BROWN);
    sb_fini(&ev);
    sb_fini(&detail);
    teardown();
}

/* More group rows than one Query page holds (1 MB): four rows of 350 KB (the page ends after the item that crosses 1 MB). All are rewritten,
 * and the padding, not one of the kept attributes, is dropped as the Lambda drops it. */
static void test_all_pages(void)
{
    setup();
    size_t padn = 350 * 1024;
    char *pad = malloc(padn + 1);
    memset(pad, 'x', padn);
    pad[padn] = 0;
    const char *owners[4] = {"u-one", "u-two", "u-three", "u-four"};
    for (int i = 0; i < 4; i++) {
        cJSON *j = req("PutItem", NULL, "{\"TableName\":\"" TABLE "\",\"Item\":{\"pk\":{\"S\":\"GRP#%s\"},"
                       "\"sk\":{\"S\":\"" T0 "\"},\"message_group_uuid\":{\"S\":\"g-big\"},"
                       "\"message\":{\"S\":\"old\"},\"user_uuid\":{\"S\":\"%s\"},\"pad\":{\"S\":\"%s\"}}}",
                       owners[i], owners[(i + 1) % 4], pad);
        cJSON_Delete(j);
    }
    free(pad);
    /* the premise: one page does not hold them */
    cJSON *q = req("Query", NULL, "{\"TableName\":\"" TABLE "\",\"IndexName\":\"message-group-sk-index\","
                   "\"KeyConditionExpression\":\"message_group_uuid = :g\",\"ExpressionAttributeValues\":"
                   "{\":g\":{\"S\":\"%s\"}}}", "g-big");
    CHECK(cJSON_GetObjectItemCaseSensitive(q, "LastEvaluatedKey") != NULL);
    CHECK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(q, "Items")) < 4);
    cJSON_Delete(q);
    sb_t ev, detail;
    sb_init(&detail);
    event_start(&ev);
    add_record(&ev, "INSERT", "MSG#g-big", T2, "to everyone");
    CHECK_INT(invoke(TABLE, &ev, &detail), 0);
    for (int i = 0; i < 4; i++) {
        check_row(owners[i], "g-big", T2, "to everyone", owners[(i + 1) % 4]);
        cJSON *items = groups_of(owners[i]);
        CHECK(items && items->child &&
              cJSON_GetObjectItemCaseSensitive(items->child, "pad") == NULL);
        CHECK(items && items->child &&
              cJSON_GetObjectItemCaseSensitive(items->child, "user_handle") == NULL);
        cJSON_Delete(items);
    }
    sb_fini(&ev);
    sb_fini(&detail);
    teardown();
}

/* Strings reach the rows exactly: quotes, backslashes, control characters, non-BMP, NUL. */
static void test_exact_strings(void)
{
    setup();
    const char *text = "say \\\"hi\\\" \\\\ tab\\t nul\\u0000 end \\ud83d\\ude00 \xc3\xa9";
    sb_t ev, detail;
    sb_init(&detail);
    event_start(&ev);
    add_record(&ev, "INSERT", "MSG#" G1, T1, text);
    CHECK_INT(invoke(TABLE, &ev, &detail), 0);
    /* read back as the wire has it */
    char body[256];
    snprintf(body, sizeof body, "{\"TableName\":\"" TABLE "\",\"Key\":{\"pk\":{\"S\":\"GRP#" BROWN
             "\"},\"sk\":{\"S\":\"" T1 "\"}},\"ProjectionExpression\":\"message\"}");
    ddb_response_t r;
    ddb_call(D, "DynamoDB_20120810.GetItem", AUTH, body, strlen(body), &r);
    CHECK_INT(r.status, 200);
    CHECK_STR(r.body, "{\"Item\":{\"message\":{\"S\":\"say \\\"hi\\\" \\\\ tab\\t nul\\u0000 end "
              "\\uD83D\\uDE00 \xc3\xa9\"}}}");
    ddb_response_fini(&r);
    sb_fini(&ev);
    sb_fini(&detail);
    teardown();
}

/* Failures are function errors with the DynamoDB error in the detail: no table; a message
 * record without NewImage (a KEYS_ONLY stream); an event without Records. */
static void test_errors(void)
{
    setup();
    sb_t ev, detail;
    sb_init(&detail);
    event_start(&ev);
    add_record(&ev, "INSERT", "MSG#" G1, T1, "hello");
    CHECK_INT(invoke("no-such-table", &ev, &detail), -1);
    CHECK(strstr(sb_cstr(&detail), "Query no-such-table") != NULL);
    CHECK(strstr(sb_cstr(&detail), "ResourceNotFoundException") != NULL);
    CHECK(strstr(sb_cstr(&detail), "non-existent table") != NULL);

    sb_reset(&ev);
    sb_puts(&ev, "{\"Records\":[");
    add_record(&ev, "INSERT", "MSG#" G1, T1, NULL);
    CHECK_INT(invoke(TABLE, &ev, &detail), -1);
    CHECK(strstr(sb_cstr(&detail), "NewImage.message.S") != NULL);
    check_row(BROWN, G1, T0, "this is a filler message", BAYKO);

    sb_reset(&ev);
    sb_puts(&ev, "{\"Other\":[");
    CHECK_INT(invoke(TABLE, &ev, &detail), -1);
    CHECK_STR(sb_cstr(&detail), "event has no Records array");
    sb_fini(&ev);
    sb_fini(&detail);
    teardown();
}

UNIT_MAIN(T(test_find), T(test_rewrite_and_redeliver), T(test_ignored_records), T(test_whole_batch),
          T(test_all_pages), T(test_exact_strings), T(test_errors))
