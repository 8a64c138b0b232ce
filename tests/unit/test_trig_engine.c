/*
 * test_trig_engine.c: the stream trigger engine (src/trig.c) through the public embedding API:
 * mappings added as JSON (ddb_trigger_add), c: handlers (ddb_trigger_register) that record every
 * event they get, items written with ddb_call, ddb_trigger_wait to drain. Each test pins one rule
 * of ../shared/reference/lambda-triggers.md (the section is named at the test): batches and
 * order (§3), the event (§1), starting positions, retries, bisect, partial batch responses (§4,
 * every row of its table), filters (§5), OnFailure records (§6), restarts, drain.
 */
#include "ddblocal.h"
#include "trig.h"
#include "unit.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define AUTH "AWS4-HMAC-SHA256 Credential=ddblocal/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0"
#define DDB "DynamoDB_20120810."
#define STREAMS "DynamoDBStreams_20120810."

/* ---- helpers ---------------------------------------------------------------------------- */

static char tmpdir[256];

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_trig_XXXXXX");
    CHECK(mkdtemp(tmpdir) != NULL);
}

static void rm_tmpdir(void)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    CHECK(system(cmd) == 0);
}

static ddb_t *open_mem(void)
{
    ddb_config_t cfg = {0};
    cfg.in_memory = 1;
    char err[256];
    ddb_t *d = ddb_open(&cfg, err, sizeof err);
    CHECK(d != NULL);
    return d;
}

static ddb_t *open_dir(void)
{
    ddb_config_t cfg = {0};
    cfg.db_path = tmpdir;
    cfg.shared_db = 1;
    char err[256];
    ddb_t *d = ddb_open(&cfg, err, sizeof err);
    CHECK(d != NULL);
    return d;
}

/* Calls op with the formatted body; checks 200; returns the body (free it). */
static char *callf(ddb_t *d, const char *op, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static char *callf(ddb_t *d, const char *op, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *body = malloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(body, (size_t)n + 1, fmt, ap);
    va_end(ap);
    ddb_response_t r;
    ddb_call(d, op, AUTH, body, strlen(body), &r);
    if (r.status != 200) fprintf(stderr, "%s %s -> %d %s\n", op, body, r.status, r.body);
    CHECK_INT(r.status, 200);
    free(body);
    char *out = r.body;
    r.body = NULL;
    ddb_response_fini(&r);
    return out;
}

static void create_table(ddb_t *d, const char *name, int stream)
{
    char spec[200] = "";
    if (stream) snprintf(spec, sizeof spec, ",\"StreamSpecification\":{\"StreamEnabled\":true,\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"}");
    free(callf(d, DDB "CreateTable",
               "{\"TableName\":\"%s\",\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}],"
               "\"AttributeDefinitions\":[{\"AttributeName\":\"id\",\"AttributeType\":\"S\"}],"
               "\"BillingMode\":\"PAY_PER_REQUEST\"%s}", name, spec));
}

static void set_stream(ddb_t *d, const char *table, int on)
{
    free(callf(d, DDB "UpdateTable", "{\"TableName\":\"%s\",\"StreamSpecification\":{\"StreamEnabled\":%s%s}}", table,
               on ? "true" : "false", on ? ",\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"" : ""));
}

static void put(ddb_t *d, const char *table, const char *id, const char *v)
{
    free(callf(d, DDB "PutItem", "{\"TableName\":\"%s\",\"Item\":{\"id\":{\"S\":\"%s\"},\"v\":{\"S\":\"%s\"}}}", table,
               id, v ? v : "x"));
}

static char *latest_stream(ddb_t *d, const char *table)
{
    char *b = callf(d, DDB "DescribeTable", "{\"TableName\":\"%s\"}", table);
    cJSON *j = cJSON_Parse(b);
    const cJSON *arn = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "Table"), "LatestStreamArn");
    char *out = strdup(cJSON_IsString(arn) ? arn->valuestring : "");
    cJSON_Delete(j);
    free(b);
    return out;
}

static void add(ddb_t *d, const char *json)
{
    char err[512] = "";
    int rc = ddb_trigger_add(d, json, err, sizeof err);
    if (rc) fprintf(stderr, "ddb_trigger_add: %s\n", err);
    CHECK_INT(rc, 0);
}

static int wait_drained(ddb_t *d)
{
    return ddb_trigger_wait(d, 10000);
}

/* A c: handler that records what it gets. Its log lists the key ids of each batch, comma
 * separated, batches separated by '|'. */
typedef struct recorder {
    char log[1 << 15];
    int calls;
    int fail_first;          /* fail the first calls */
    int fail_always;
    const char *poison;      /* fail while the batch holds this id */
    const char *response;    /* returned by the first call: "$N" = SequenceNumber of record N */
    int responded;
    ddb_t *d;                /* write back: for each id "src*", put "dst-<id>" into writeback */
    const char *writeback;
    char *last_event;
} recorder_t;

static int on_batch(void *arg, const char *event, size_t len, char **response)
{
    recorder_t *r = arg;
    CHECK(strlen(event) == len);
    free(r->last_event);
    r->last_event = strdup(event);
    cJSON *ev = cJSON_Parse(event);
    CHECK(ev != NULL);
    const cJSON *recs = cJSON_GetObjectItemCaseSensitive(ev, "Records");
    CHECK(cJSON_GetArraySize(recs) > 0);
    size_t n = strlen(r->log);
    if (r->calls++) n += (size_t)snprintf(r->log + n, sizeof r->log - n, "|");
    int poisoned = 0, i = 0;
    const char *seqs[10] = {0};
    for (const cJSON *rec = recs ? recs->child : NULL; rec; rec = rec->next, i++) {
        const cJSON *dd = cJSON_GetObjectItemCaseSensitive(rec, "dynamodb");
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(dd, "Keys"), "id"), "S");
        const char *s = cJSON_IsString(id) ? id->valuestring : "?";
        if (i < 10) seqs[i] = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(dd, "SequenceNumber"));
        n += (size_t)snprintf(r->log + n, sizeof r->log - n, "%s%s", i ? "," : "", s);
        if (r->poison && !strcmp(s, r->poison)) poisoned = 1;
        if (r->writeback && !strncmp(s, "src", 3)) {
            char dst[100];
            snprintf(dst, sizeof dst, "dst-%s", s);
            put(r->d, r->writeback, dst, "written by the handler");
        }
    }
    int rc = 0;
    if (r->fail_always || r->calls <= r->fail_first || poisoned) rc = 1;
    if (!rc && r->response && !r->responded) {
        r->responded = 1;
        char out[1024];
        size_t k = 0;
        for (const char *p = r->response; *p && k + 30 < sizeof out; p++) {
            if (*p == '$' && p[1] >= '1' && p[1] <= '9') {
                const char *s = seqs[p[1] - '1'];
                k += (size_t)snprintf(out + k, sizeof out - k, "%s", s ? s : "none");
                p++;
            } else {
                out[k++] = *p;
            }
        }
        out[k] = 0;
        *response = strdup(out);
    }
    cJSON_Delete(ev);
    return rc;
}

static void recorder_fini(recorder_t *r)
{
    free(r->last_event);
    r->last_event = NULL;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return strdup("");
    static char buf[1 << 22];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    return strdup(buf);
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

/* A member of the status of mapping i, as JSON text (free it). */
static char *status_of(ddb_t *d, int i, const char *name)
{
    char *s = ddb_trigger_status(d);
    cJSON *j = cJSON_Parse(s);
    const cJSON *m = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "EventSourceMappings"), i);
    char *out = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(m, name));
    cJSON_Delete(j);
    free(s);
    return out ? out : strdup("(missing)");
}

/* Runs SQL on the instance's database file through a second connection (aging records, moving
 * shards in time: what the stream clock hook does for a whole process). */
static void sql(const char *stmt)
{
    char db[400];
    snprintf(db, sizeof db, "%s/shared-local-instance.db", tmpdir);
    sqlite3 *db3;
    CHECK_INT(sqlite3_open(db, &db3), SQLITE_OK);
    char *msg = NULL;
    int rc = sqlite3_exec(db3, stmt, NULL, NULL, &msg);
    if (rc != SQLITE_OK) fprintf(stderr, "%s: %s\n", stmt, msg);
    CHECK_INT(rc, SQLITE_OK);
    sqlite3_free(msg);
    sqlite3_close(db3);
}

/* ---- §3 batches and order ---------------------------------------------------------------- */

static void test_batch_sizes(void)
{
    ddb_t *d = open_mem();
    recorder_t r1 = {0}, r2 = {0}, r100 = {0};
    CHECK_INT(ddb_trigger_register(d, "bs1", on_batch, &r1), 0);
    CHECK_INT(ddb_trigger_register(d, "bs2", on_batch, &r2), 0);
    CHECK_INT(ddb_trigger_register(d, "bs100", on_batch, &r100), 0);
    CHECK_INT(ddb_trigger_register(d, "bs1", on_batch, &r1), -1);   /* taken */
    create_table(d, "tbl", 1);
    add(d, "{\"TableName\":\"tbl\",\"Handler\":\"c:bs1\",\"StartingPosition\":\"LATEST\",\"BatchSize\":1}");
    add(d, "{\"TableName\":\"tbl\",\"Handler\":\"c:bs2\",\"StartingPosition\":\"LATEST\",\"BatchSize\":2}");
    add(d, "{\"TableName\":\"tbl\",\"Handler\":\"c:bs100\",\"StartingPosition\":\"LATEST\"}");
    for (int i = 1; i <= 5; i++) {
        char id[8];
        snprintf(id, sizeof id, "k%d", i);
        put(d, "tbl", id, NULL);
    }
    CHECK_INT(wait_drained(d), 0);
    CHECK_STR(r1.log, "k1|k2|k3|k4|k5");
    CHECK_STR(r2.log, "k1,k2|k3,k4|k5");
    CHECK_STR(r100.log, "k1,k2,k3,k4,k5");
    char *s = status_of(d, 2, "LastProcessingResult");
    CHECK_STR(s, "\"OK\"");
    free(s);
    s = status_of(d, 0, "Invocations");
    CHECK_STR(s, "5");
    free(s);
    ddb_close(d);
    recorder_fini(&r1);
    recorder_fini(&r2);
    recorder_fini(&r100);
}

/* The event (§1, §1.1): each record is the GetRecords record plus eventSourceARN, last;
 * ApproximateCreationDateTime a number written 1795493460.0. */
static void test_event_shape(void)
{
    ddb_t *d = open_mem();
    recorder_t r = {0};
    ddb_trigger_register(d, "h", on_batch, &r);
    create_table(d, "tbl", 1);
    add(d, "{\"TableName\":\"tbl\",\"Handler\":\"c:h\",\"StartingPosition\":\"TRIM_HORIZON\"}");
    put(d, "tbl", "a", "one");
    put(d, "tbl", "a", "two");
    free(callf(d, DDB "DeleteItem", "{\"TableName\":\"tbl\",\"Key\":{\"id\":{\"S\":\"a\"}}}"));
    CHECK_INT(wait_drained(d), 0);
    CHECK_STR(r.log, "a,a,a");
    char *arn = latest_stream(d, "tbl");
    char *desc = callf(d, STREAMS "DescribeStream", "{\"StreamArn\":\"%s\"}", arn);
    cJSON *dj = cJSON_Parse(desc);
    const cJSON *sh = cJSON_GetArrayItem(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(dj, "StreamDescription"), "Shards"), 0);
    const char *shard = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(sh, "ShardId"));
    char *it = callf(d, STREAMS "GetShardIterator", "{\"StreamArn\":\"%s\",\"ShardId\":\"%s\",\"ShardIteratorType\":\"TRIM_HORIZON\"}",
                     arn, shard);
    cJSON *ij = cJSON_Parse(it);
    char *recs = callf(d, STREAMS "GetRecords", "{\"ShardIterator\":\"%s\"}",
                       cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ij, "ShardIterator")));
    /* expected event: the GetRecords records' text, rewritten as Lambda writes it */
    const char *p = strstr(recs, "\"Records\":[");
    CHECK(p != NULL);
    char want[8192];
    size_t k = (size_t)snprintf(want, sizeof want, "{\"Records\":[");
    int depth = 0;
    for (p = p ? p + 11 : ""; *p && !(depth == 0 && *p == ']'); p++) {
        if (*p == '{') depth++;
        if (*p == '}' && --depth == 0) {
            k += (size_t)snprintf(want + k, sizeof want - k, ",\"eventSourceARN\":\"%s\"}", arn);
            continue;
        }
        if (!strncmp(p, ".000,", 5)) {
            k += (size_t)snprintf(want + k, sizeof want - k, ".0,");
            p += 4;
            continue;
        }
        want[k++] = *p;
    }
    want[k] = 0;
    strcat(want, "]}");
    CHECK_STR(r.last_event, want);
    CHECK(strstr(r.last_event, "\"eventName\":\"MODIFY\"") != NULL);
    CHECK(strstr(r.last_event, "\"ApproximateCreationDateTime\":1") != NULL);
    free(recs);
    cJSON_Delete(ij);
    free(it);
    cJSON_Delete(dj);
    free(desc);
    free(arn);
    ddb_close(d);
    recorder_fini(&r);
}

/* §2 StartingPosition: TRIM_HORIZON from the oldest record, LATEST after the mapping exists. */
static void test_starting_position(void)
{
    ddb_t *d = open_mem();
    recorder_t th = {0}, la = {0};
    ddb_trigger_register(d, "th", on_batch, &th);
    ddb_trigger_register(d, "la", on_batch, &la);
    create_table(d, "tbl", 1);
    put(d, "tbl", "old1", NULL);
    put(d, "tbl", "old2", NULL);
    add(d, "{\"TableName\":\"tbl\",\"Handler\":\"c:th\",\"StartingPosition\":\"TRIM_HORIZON\"}");
    add(d, "{\"TableName\":\"tbl\",\"Handler\":\"c:la\",\"StartingPosition\":\"LATEST\"}");
    put(d, "tbl", "new1", NULL);
    put(d, "tbl", "new2", NULL);
    CHECK_INT(wait_drained(d), 0);
    CHECK_STR(th.log, "old1,old2,new1,new2");
    CHECK_STR(la.log, "new1,new2");
    ddb_close(d);
    recorder_fini(&th);
    recorder_fini(&la);
}

/* §3 MaximumBatchingWindowInSeconds: a batch that is not full waits for the window; a full one
 * goes at once. */
static void test_window(void)
{
    ddb_t *d = open_mem();
    recorder_t w = {0}, f = {0};
    ddb_trigger_register(d, "w", on_batch, &w);
    ddb_trigger_register(d, "f", on_batch, &f);
    create_table(d, "tbl", 1);
    create_table(d, "tb2", 1);
    add(d, "{\"TableName\":\"tbl\",\"Handler\":\"c:w\",\"StartingPosition\":\"LATEST\",\"BatchSize\":10,"
           "\"MaximumBatchingWindowInSeconds\":1}");
    add(d, "{\"TableName\":\"tb2\",\"Handler\":\"c:f\",\"StartingPosition\":\"LATEST\",\"BatchSize\":3,"
           "\"MaximumBatchingWindowInSeconds\":300}");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    put(d, "tbl", "a", NULL);
    put(d, "tbl", "b", NULL);
    long w1 = ddb_trigger_poll(d);
    CHECK(w1 > 0 && w1 <= 1000);
    CHECK_INT(w.calls, 0);
    put(d, "tbl", "c", NULL);
    ddb_trigger_poll(d);
    CHECK_INT(w.calls, 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if ((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 < 700)
        CHECK_INT(ddb_trigger_wait(d, 100), -1);   /* the window is still open: not drained */
    CHECK_INT(wait_drained(d), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    CHECK(ms >= 990);
    CHECK_STR(w.log, "a,b,c");
    /* a full batch does not wait for its 300 s window */
    put(d, "tb2", "x", NULL);
    put(d, "tb2", "y", NULL);
    CHECK(ddb_trigger_poll(d) > 1000);
    CHECK_INT(f.calls, 0);
    put(d, "tb2", "z", NULL);
    CHECK_INT(ddb_trigger_wait(d, 2000), 0);
    CHECK_STR(f.log, "x,y,z");
    ddb_close(d);
    recorder_fini(&w);
    recorder_fini(&f);
}

/* ---- §4 errors ---------------------------------------------------------------------------- */

/* MaximumRetryAttempts 2: three invocations, then the batch is discarded with an OnFailure
 * record (§6) and the shard moves on. */
static void test_retries_on_failure(void)
{
    make_tmpdir();
    char dest[400], json[1024];
    snprintf(dest, sizeof dest, "%s/failures.jsonl", tmpdir);
    ddb_t *d = open_mem();
    recorder_t r = {0};
    r.fail_first = 3;
    ddb_trigger_register(d, "h", on_batch, &r);
    create_table(d, "tbl", 1);
    snprintf(json, sizeof json, "{\"TableName\":\"tbl\",\"FunctionName\":\"fails\",\"Handler\":\"c:h\",\"StartingPosition\":\"LATEST\","
             "\"MaximumRetryAttempts\":2,\"DestinationConfig\":{\"OnFailure\":{\"Destination\":\"file://%s\"}}}", dest);
    add(d, json);
    put(d, "tbl", "a", NULL);
    put(d, "tbl", "b", NULL);
    CHECK_INT(wait_drained(d), 0);
    CHECK_STR(r.log, "a,b|a,b|a,b");
    put(d, "tbl", "c", NULL);
    CHECK_INT(wait_drained(d), 0);
    CHECK_STR(r.log, "a,b|a,b|a,b|c");
    char *text = read_file(dest);
    CHECK_INT(count_lines(text), 1);
    cJSON *j = cJSON_Parse(text);
    CHECK(j != NULL);
    const cJSON *rc = cJSON_GetObjectItemCaseSensitive(j, "requestContext");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rc, "condition")), "RetryAttemptsExhausted");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rc, "functionArn")),
              "arn:aws:lambda:us-east-1:000000000000:function:fails");
    CHECK_INT(cJSON_GetObjectItemCaseSensitive(rc, "approximateInvokeCount")->valueint, 3);
    CHECK_INT(strlen(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rc, "requestId"))), 36);
    const cJSON *resp = cJSON_GetObjectItemCaseSensitive(j, "responseContext");
    CHECK_INT(cJSON_GetObjectItemCaseSensitive(resp, "statusCode")->valueint, 200);
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(resp, "executedVersion")), "$LATEST");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(resp, "functionError")), "Unhandled");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "version")), "1.0");
    CHECK(strlen(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "timestamp"))) == 24);
    const cJSON *bi = cJSON_GetObjectItemCaseSensitive(j, "DDBStreamBatchInfo");
    CHECK_INT(cJSON_GetObjectItemCaseSensitive(bi, "batchSize")->valueint, 2);
    char *arn = latest_stream(d, "tbl");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(bi, "streamArn")), arn);
    const cJSON *payload = cJSON_GetObjectItemCaseSensitive(j, "payload");
    const cJSON *recs = cJSON_GetObjectItemCaseSensitive(payload, "Records");
    CHECK_INT(cJSON_GetArraySize(recs), 2);
    const char *s0 = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(recs, 0), "dynamodb"), "SequenceNumber"));
    const char *s1 = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(recs, 1), "dynamodb"), "SequenceNumber"));
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(bi, "startSequenceNumber")), s0 ? s0 : "");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(bi, "endSequenceNumber")), s1 ? s1 : "");
    CHECK(strlen(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(bi, "approximateArrivalOfFirstRecord"))) == 24);
    CHECK(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(bi, "approximateArrivalOfLastRecord")) != NULL);
    const char *shard = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(bi, "shardId"));
    CHECK(shard && !strncmp(shard, "shardId-", 8));
    char *errs = status_of(d, 0, "Errors");
    CHECK_STR(errs, "3");
    free(errs);
    cJSON_Delete(j);
    free(text);
    free(arn);
    ddb_close(d);
    recorder_fini(&r);
    rm_tmpdir();
}

/* Default MaximumRetryAttempts -1: the shard is blocked until the handler succeeds. */
static void test_infinite_retries(void)
{
    ddb_t *d = open_mem();
    recorder_t r = {0};
    r.fail_first = 4;
    ddb_trigger_register(d, "h", on_batch, &r);
    create_table(d, "tbl", 1);
    add(d, "{\"TableName\":\"tbl\",\"Handler\":\"c:h\",\"StartingPosition\":\"LATEST\",\"BatchSize\":1}");
    put(d, "tbl", "a", NULL);
    put(d, "tbl", "b", NULL);
    CHECK_INT(wait_drained(d), 0);
    CHECK_STR(r.log, "a|a|a|a|a|b");
    /* a handler that never succeeds keeps the mapping from draining */
    r.fail_always = 1;
    put(d, "tbl", "c", NULL);
    CHECK_INT(ddb_trigger_wait(d, 300), -1);
    char *s = status_of(d, 0, "LastProcessingResult");
    CHECK_STR(s, "\"PROBLEM: Function call failed\"");
    free(s);
    r.fail_always = 0;
    CHECK_INT(wait_drained(d), 0);
    CHECK(strstr(r.log, "|b|c|c") != NULL);
    size_t n = strlen(r.log);
    CHECK(n > 2 && !strcmp(r.log + n - 2, "|c"));
    ddb_close(d);
    recorder_fini(&r);
}

/* BisectBatchOnFunctionError: halves until the poisoned record is alone; only it is discarded. */
static void test_bisect(void)
{
    make_tmpdir();
    char dest[400], json[1024];
    snprintf(dest, sizeof dest, "%s/failures.jsonl", tmpdir);
    ddb_t *d = open_mem();
    recorder_t r = {0};
    r.poison = "p";
    ddb_trigger_register(d, "h", on_batch, &r);
    create_table(d, "tbl", 1);
    snprintf(json, sizeof json, "{\"TableName\":\"tbl\",\"Handler\":\"c:h\",\"StartingPosition\":\"LATEST\",\"BatchSize\":4,"
             "\"BisectBatchOnFunctionError\":true,\"MaximumRetryAttempts\":1,"
             "\"DestinationConfig\":{\"OnFailure\":{\"Destination\":\"%s\"}}}", dest);
    add(d, json);
    put(d, "tbl", "a", NULL);
    put(d, "tbl", "b", NULL);
    put(d, "tbl", "p", NULL);
    put(d, "tbl", "d", NULL);
    put(d, "tbl", "e", NULL);
    CHECK_INT(wait_drained(d), 0);
    /* [a b p d] fails -> [a b] ok, [p d] fails -> [p] fails twice (1 retry) -> discarded, [d] ok; then [e] */
    CHECK_STR(r.log, "a,b,p,d|a,b|p,d|p|p|d|e");
    char *text = read_file(dest);
    CHECK_INT(count_lines(text), 1);
    cJSON *j = cJSON_Parse(text);
    const cJSON *bi = cJSON_GetObjectItemCaseSensitive(j, "DDBStreamBatchInfo");
    CHECK_INT(cJSON_GetObjectItemCaseSensitive(bi, "batchSize")->valueint, 1);
    CHECK(strstr(text, "\"id\":{\"S\":\"p\"}") != NULL);
    CHECK(strstr(text, "\"id\":{\"S\":\"d\"}") == NULL);
    cJSON_Delete(j);
    free(text);
    ddb_close(d);
    recorder_fini(&r);
    rm_tmpdir();
}

/* ReportBatchItemFailures, every row of the §4 table. Records a, b, c in one batch; the
 * handler answers the row's response once, then succeeds. */
static const struct {
    int report, bisect;
    const char *response;
    const char *want;
} PARTIAL[] = {
    /* records from the lowest listed sequence number on are retried */
    {1, 0, "{\"batchItemFailures\":[{\"itemIdentifier\":\"$2\"}]}", "a,b,c|b,c"},
    {1, 0, "{\"batchItemFailures\":[{\"itemIdentifier\":\"$3\"},{\"itemIdentifier\":\"$2\"}]}", "a,b,c|b,c"},
    {1, 0, "{\"batchItemFailures\":[{\"itemIdentifier\":\"$1\"}]}", "a,b,c|a,b,c"},
    {1, 1, "{\"batchItemFailures\":[{\"itemIdentifier\":\"$3\"}]}", "a,b,c|c"},
    /* the whole batch succeeded */
    {1, 0, "{\"batchItemFailures\":[]}", "a,b,c"},
    {1, 0, "{\"batchItemFailures\":null}", "a,b,c"},
    {1, 0, "{}", "a,b,c"},
    {1, 0, "null", "a,b,c"},
    {1, 0, "", "a,b,c"},
    {1, 0, NULL, "a,b,c"},
    /* the whole batch failed */
    {1, 0, "{\"batchItemFailures\":[{\"itemIdentifier\":\"\"}]}", "a,b,c|a,b,c"},
    {1, 0, "{\"batchItemFailures\":[{\"itemIdentifier\":null}]}", "a,b,c|a,b,c"},
    {1, 0, "{\"batchItemFailures\":[{\"itemIdentifer\":\"$2\"}]}", "a,b,c|a,b,c"},
    {1, 0, "{\"batchItemFailures\":[\"$2\"]}", "a,b,c|a,b,c"},
    {1, 0, "{\"batchItemFailures\":[{\"itemIdentifier\":\"000000000000000999999\"}]}", "a,b,c|a,b,c"},
    {1, 0, "{\"batchItemFailures\":[{\"itemIdentifier\":\"$2\"},{}]}", "a,b,c|a,b,c"},
    {1, 0, "not json", "a,b,c|a,b,c"},
    /* without ReportBatchItemFailures a response is ignored */
    {0, 0, "{\"batchItemFailures\":[{\"itemIdentifier\":\"$2\"}]}", "a,b,c"},
    {0, 0, "not json", "a,b,c"},
};

static void test_partial_batch_response(void)
{
    for (size_t i = 0; i < sizeof PARTIAL / sizeof PARTIAL[0]; i++) {
        ddb_t *d = open_mem();
        recorder_t r = {0};
        r.response = PARTIAL[i].response;
        ddb_trigger_register(d, "h", on_batch, &r);
        create_table(d, "tbl", 1);
        char json[512];
        snprintf(json, sizeof json, "{\"TableName\":\"tbl\",\"Handler\":\"c:h\",\"StartingPosition\":\"LATEST\",\"BatchSize\":3%s%s}",
                 PARTIAL[i].report ? ",\"FunctionResponseTypes\":[\"ReportBatchItemFailures\"]" : "",
                 PARTIAL[i].bisect ? ",\"BisectBatchOnFunctionError\":true" : "");
        add(d, json);
        put(d, "tbl", "a", NULL);
        put(d, "tbl", "b", NULL);
        put(d, "tbl", "c", NULL);
        CHECK_INT(wait_drained(d), 0);
        if (strcmp(r.log, PARTIAL[i].want)) fprintf(stderr, "partial case %zu (%s)\n", i, PARTIAL[i].response);
        CHECK_STR(r.log, PARTIAL[i].want);
        ddb_close(d);
        recorder_fini(&r);
    }
}

/* §5 FilterCriteria: records that do not match are skipped, and a read of only such records
 * still moves the checkpoint. */
static void test_filters(void)
{
    ddb_t *d = open_mem();
    recorder_t r = {0};
    ddb_trigger_register(d, "h", on_batch, &r);
    create_table(d, "tbl", 1);
    add(d, "{\"TableName\":\"tbl\",\"Handler\":\"c:h\",\"StartingPosition\":\"LATEST\","
           "\"FilterCriteria\":{\"Filters\":[{\"Pattern\":\"{\\\"eventName\\\":[\\\"INSERT\\\"]}\"}]}}");
    put(d, "tbl", "a", "1");
    put(d, "tbl", "a", "2");   /* MODIFY: filtered out */
    put(d, "tbl", "b", "1");
    CHECK_INT(wait_drained(d), 0);
    CHECK_STR(r.log, "a,b");
    char *before = status_of(d, 0, "Checkpoints");
    put(d, "tbl", "b", "2");   /* only a filtered record */
    CHECK_INT(wait_drained(d), 0);
    CHECK_INT(r.calls, 1);
    char *after = status_of(d, 0, "Checkpoints");
    CHECK(strcmp(before, after) != 0);
    free(before);
    free(after);
    ddb_close(d);
    recorder_fini(&r);
}

/* §5 patterns on the images and on userIdentity; several filters are an OR. */
static void test_filter_patterns(void)
{
    make_tmpdir();
    ddb_t *d = open_dir();
    recorder_t r = {0}, u = {0};
    ddb_trigger_register(d, "h", on_batch, &r);
    ddb_trigger_register(d, "u", on_batch, &u);
    create_table(d, "tbl", 1);
    add(d, "{\"TableName\":\"tbl\",\"Handler\":\"c:h\",\"StartingPosition\":\"LATEST\",\"FilterCriteria\":{\"Filters\":["
           "{\"Pattern\":\"{\\\"dynamodb\\\":{\\\"NewImage\\\":{\\\"v\\\":{\\\"S\\\":[\\\"keep\\\"]}}}}\"},"
           "{\"Pattern\":\"{\\\"eventName\\\":[\\\"REMOVE\\\"]}\"}]}}");
    add(d, "{\"TableName\":\"tbl\",\"Handler\":\"c:u\",\"StartingPosition\":\"LATEST\",\"FilterCriteria\":{\"Filters\":["
           "{\"Pattern\":\"{\\\"userIdentity\\\":{\\\"type\\\":[\\\"Service\\\"],\\\"principalId\\\":[\\\"dynamodb.amazonaws.com\\\"]}}\"}]}}");
    put(d, "tbl", "a", "keep");
    put(d, "tbl", "b", "drop");
    put(d, "tbl", "c", "keep");
    free(callf(d, DDB "DeleteItem", "{\"TableName\":\"tbl\",\"Key\":{\"id\":{\"S\":\"b\"}}}"));
    free(callf(d, DDB "DeleteItem", "{\"TableName\":\"tbl\",\"Key\":{\"id\":{\"S\":\"c\"}}}"));
    sql("UPDATE us SET StreamRecord=CAST(substr(CAST(StreamRecord AS TEXT),1,length(CAST(StreamRecord AS TEXT))-1)"
        "||',\"userIdentity\":{\"PrincipalId\":\"dynamodb.amazonaws.com\",\"Type\":\"Service\"}}' AS BLOB) "
        "WHERE OperationType='REMOVE' AND SequenceNumber=(SELECT max(SequenceNumber) FROM us)");
    CHECK_INT(wait_drained(d), 0);
    CHECK_STR(r.log, "a,c,b,c");
    CHECK_STR(u.log, "c");   /* only the "TTL" deletion */
    ddb_close(d);
    recorder_fini(&r);
    recorder_fini(&u);
    rm_tmpdir();
}

/* builtin: handlers run inside the poll like c: ones (a non-Cruddur record changes nothing). */
static void test_builtin(void)
{
    ddb_t *d = open_mem();
    create_table(d, "tbl", 1);
    add(d, "{\"TableName\":\"tbl\",\"Handler\":\"builtin:cruddur-message-groups\",\"StartingPosition\":\"LATEST\"}");
    put(d, "tbl", "a", NULL);
    CHECK_INT(wait_drained(d), 0);
    char *s = status_of(d, 0, "Invocations");
    CHECK_STR(s, "1");
    free(s);
    s = status_of(d, 0, "LastProcessingResult");
    CHECK_STR(s, "\"OK\"");
    free(s);
    s = status_of(d, 0, "FunctionName");
    CHECK_STR(s, "\"cruddur-message-groups\"");
    free(s);
    ddb_close(d);
}

/* Enabled false: listed, never polls. */
static void test_disabled(void)
{
    ddb_t *d = open_mem();
    recorder_t r = {0};
    ddb_trigger_register(d, "h", on_batch, &r);
    create_table(d, "tbl", 1);
    add(d, "{\"TableName\":\"tbl\",\"Handler\":\"c:h\",\"StartingPosition\":\"TRIM_HORIZON\",\"Enabled\":false}");
    put(d, "tbl", "a", NULL);
    CHECK_INT(wait_drained(d), 0);
    ddb_trigger_poll(d);
    CHECK_INT(r.calls, 0);
    char *s = status_of(d, 0, "State");
    CHECK_STR(s, "\"Disabled\"");
    free(s);
    ddb_close(d);
    recorder_fini(&r);
}

/* Restarts: acknowledged batches are not delivered again, the rest is (at least once), and
 * LATEST means after the mapping first existed, even across a restart. */
static void test_restart(void)
{
    make_tmpdir();
    const char *m1 = "{\"TableName\":\"tbl\",\"Handler\":\"c:h\",\"StartingPosition\":\"TRIM_HORIZON\",\"BatchSize\":1}";
    const char *m2 = "{\"TableName\":\"tbl\",\"Handler\":\"c:g\",\"StartingPosition\":\"LATEST\"}";
    recorder_t r = {0}, g = {0};
    r.poison = "c";
    ddb_t *d = open_dir();
    ddb_trigger_register(d, "h", on_batch, &r);
    ddb_trigger_register(d, "g", on_batch, &g);
    create_table(d, "tbl", 1);
    put(d, "tbl", "a", NULL);
    add(d, m1);
    add(d, m2);
    put(d, "tbl", "b", NULL);
    put(d, "tbl", "c", NULL);
    put(d, "tbl", "d", NULL);
    CHECK_INT(ddb_trigger_wait(d, 300), -1);   /* c fails forever */
    CHECK(!strncmp(r.log, "a|b|c|c", 7));
    CHECK_STR(g.log, "b,c,d");
    ddb_close(d);

    /* written while no mapping is there */
    d = open_dir();
    put(d, "tbl", "e", NULL);
    ddb_close(d);

    recorder_t r2 = {0}, g2 = {0};
    d = open_dir();
    ddb_trigger_register(d, "h", on_batch, &r2);
    ddb_trigger_register(d, "g", on_batch, &g2);
    add(d, m1);
    add(d, m2);
    put(d, "tbl", "f", NULL);
    CHECK_INT(wait_drained(d), 0);
    CHECK_STR(r2.log, "c|d|e|f");
    CHECK_STR(g2.log, "e,f");
    ddb_close(d);
    recorder_fini(&r);
    recorder_fini(&g);
    recorder_fini(&r2);
    recorder_fini(&g2);
    rm_tmpdir();
}

/* MaximumRecordAgeInSeconds: a failing batch whose records grew too old is discarded
 * (RecordAgeExceeded). The records are aged by moving their creation time back in the file. */
static void test_record_age(void)
{
    make_tmpdir();
    char dest[400], json[1024], db[400];
    snprintf(dest, sizeof dest, "%s/failures.jsonl", tmpdir);
    snprintf(db, sizeof db, "%s/shared-local-instance.db", tmpdir);
    ddb_t *d = open_dir();
    recorder_t r = {0};
    r.poison = "old";
    ddb_trigger_register(d, "h", on_batch, &r);
    create_table(d, "tbl", 1);
    snprintf(json, sizeof json, "{\"TableName\":\"tbl\",\"Handler\":\"c:h\",\"StartingPosition\":\"LATEST\","
             "\"MaximumRecordAgeInSeconds\":60,\"DestinationConfig\":{\"OnFailure\":{\"Destination\":\"%s\"}}}", dest);
    add(d, json);
    put(d, "tbl", "old", NULL);
    CHECK_INT(ddb_trigger_wait(d, 200), -1);   /* failing, retried, too young to give up */
    CHECK(r.calls >= 2);
    sqlite3 *db3;
    CHECK_INT(sqlite3_open(db, &db3), SQLITE_OK);
    CHECK_INT(sqlite3_exec(db3, "UPDATE us SET CreationDateTime=CreationDateTime-61000", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db3);
    CHECK_INT(wait_drained(d), 0);
    char *text = read_file(dest);
    CHECK_INT(count_lines(text), 1);
    CHECK(strstr(text, "\"condition\":\"RecordAgeExceeded\"") != NULL);
    put(d, "tbl", "young", NULL);
    CHECK_INT(wait_drained(d), 0);
    size_t n = strlen(r.log);
    CHECK(n > 6 && !strcmp(r.log + n - 6, "|young"));
    free(text);
    ddb_close(d);
    recorder_fini(&r);
    rm_tmpdir();
}

/* §3: a handler writing to its own table: its records come back to it; drain waits for them. */
static void test_write_back(void)
{
    ddb_t *d = open_mem();
    recorder_t r = {0};
    r.d = d;
    r.writeback = "tbl";
    ddb_trigger_register(d, "h", on_batch, &r);
    create_table(d, "tbl", 1);
    add(d, "{\"TableName\":\"tbl\",\"Handler\":\"c:h\",\"StartingPosition\":\"LATEST\"}");
    put(d, "tbl", "src1", NULL);
    put(d, "tbl", "src2", NULL);
    CHECK_INT(wait_drained(d), 0);
    CHECK_STR(r.log, "src1,src2|dst-src1,dst-src2");
    ddb_close(d);
    recorder_fini(&r);
}

/* A table without a stream, or no table at all, is a state; the mapping starts reading when
 * the stream appears. A replaced stream: the old one is finished, then the new one is read. */
static void test_stream_states(void)
{
    ddb_t *d = open_mem();
    recorder_t r = {0};
    ddb_trigger_register(d, "h", on_batch, &r);
    add(d, "{\"TableName\":\"tbl\",\"Handler\":\"c:h\",\"StartingPosition\":\"LATEST\"}");
    char *s = status_of(d, 0, "StateTransitionReason");
    CHECK_STR(s, "\"Table tbl does not exist\"");
    free(s);
    CHECK_INT(wait_drained(d), 0);
    create_table(d, "tbl", 0);
    put(d, "tbl", "nostream", NULL);
    CHECK_INT(wait_drained(d), 0);
    s = status_of(d, 0, "StateTransitionReason");
    CHECK_STR(s, "\"Table tbl has no stream enabled\"");
    free(s);
    s = status_of(d, 0, "EventSourceArn");
    CHECK_STR(s, "null");
    free(s);
    set_stream(d, "tbl", 1);
    char *arn1 = latest_stream(d, "tbl");
    put(d, "tbl", "a", NULL);
    CHECK_INT(wait_drained(d), 0);
    CHECK_STR(r.log, "a");
    s = status_of(d, 0, "EventSourceArn");
    CHECK(strstr(s, arn1) != NULL);
    free(s);
    /* replaced: b on the old stream before polling, c on the new one */
    put(d, "tbl", "b", NULL);
    set_stream(d, "tbl", 0);
    put(d, "tbl", "lost", NULL);   /* no stream: no record */
    set_stream(d, "tbl", 1);
    char *arn2 = latest_stream(d, "tbl");
    CHECK(strcmp(arn1, arn2) != 0);
    put(d, "tbl", "c", NULL);
    CHECK_INT(wait_drained(d), 0);
    CHECK_STR(r.log, "a|b|c");
    CHECK(r.last_event && strstr(r.last_event, arn2) != NULL);
    s = status_of(d, 0, "EventSourceArn");
    CHECK(strstr(s, arn2) != NULL);
    free(s);
    s = status_of(d, 0, "StateTransitionReason");
    CHECK_STR(s, "\"User action\"");
    free(s);
    free(arn1);
    free(arn2);
    ddb_close(d);
    recorder_fini(&r);
}

/* §3: a parent shard is processed to its end before its child, and a batch never mixes
 * shards, even when the child is listed first. */
static void test_shard_rollover(void)
{
    make_tmpdir();
    ddb_t *d = open_dir();
    recorder_t r = {0};
    ddb_trigger_register(d, "h", on_batch, &r);
    create_table(d, "tbl", 1);
    add(d, "{\"TableName\":\"tbl\",\"Handler\":\"c:h\",\"StartingPosition\":\"TRIM_HORIZON\",\"BatchSize\":10}");
    put(d, "tbl", "a", NULL);
    put(d, "tbl", "b", NULL);
    sql("UPDATE ss SET CreationDateTime=CreationDateTime-18000000");   /* 5 hours old: rolls over */
    char *arn = latest_stream(d, "tbl");
    free(callf(d, STREAMS "DescribeStream", "{\"StreamArn\":\"%s\"}", arn));
    sql("UPDATE ss SET CreationDateTime=CreationDateTime+36000000 WHERE SequenceNumberEnd IS NOT NULL");
    put(d, "tbl", "c", NULL);
    put(d, "tbl", "d", NULL);
    char *desc = callf(d, STREAMS "DescribeStream", "{\"StreamArn\":\"%s\"}", arn);
    CHECK(strstr(desc, "ParentShardId") != NULL);
    CHECK_INT(wait_drained(d), 0);
    CHECK_STR(r.log, "a,b|c,d");
    char *ck = status_of(d, 0, "Checkpoints");
    cJSON *j = cJSON_Parse(ck);
    CHECK_INT(cJSON_GetArraySize(j), 2);
    cJSON_Delete(j);
    free(ck);
    free(desc);
    free(arn);
    ddb_close(d);
    recorder_fini(&r);
    rm_tmpdir();
}

/* §1: TTL deletions carry userIdentity; the event has it with lower-case keys. The record is
 * given one in the file (ddblocal has no TTL sweep yet). */
static void test_user_identity(void)
{
    make_tmpdir();
    ddb_t *d = open_dir();
    recorder_t r = {0};
    ddb_trigger_register(d, "h", on_batch, &r);
    create_table(d, "tbl", 1);
    put(d, "tbl", "a", NULL);
    free(callf(d, DDB "DeleteItem", "{\"TableName\":\"tbl\",\"Key\":{\"id\":{\"S\":\"a\"}}}"));
    sql("UPDATE us SET StreamRecord=CAST(substr(CAST(StreamRecord AS TEXT),1,length(CAST(StreamRecord AS TEXT))-1)"
        "||',\"userIdentity\":{\"PrincipalId\":\"dynamodb.amazonaws.com\",\"Type\":\"Service\"}}' AS BLOB) "
        "WHERE OperationType='REMOVE'");
    add(d, "{\"TableName\":\"tbl\",\"Handler\":\"c:h\",\"StartingPosition\":\"TRIM_HORIZON\"}");
    CHECK_INT(wait_drained(d), 0);
    CHECK_STR(r.log, "a,a");
    CHECK(r.last_event && strstr(r.last_event, "\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"},\"userIdentity\":"
                                 "{\"principalId\":\"dynamodb.amazonaws.com\",\"type\":\"Service\"},\"eventSourceARN\":") != NULL);
    ddb_close(d);
    recorder_fini(&r);
    rm_tmpdir();
}

/* trig_poll does one batch per shard per call and answers 0 while more is ready (the server
 * interleaves requests); once drained it answers -1 and invokes nothing. */
static void test_no_spin(void)
{
    ddb_t *d = open_mem();
    recorder_t r = {0};
    ddb_trigger_register(d, "h", on_batch, &r);
    CHECK_INT(ddb_trigger_poll(d), -1);   /* nothing configured */
    add(d, "{\"TableName\":\"tbl\",\"Handler\":\"c:h\",\"StartingPosition\":\"LATEST\",\"BatchSize\":1}");
    long w = ddb_trigger_poll(d);
    CHECK(w > 0 && w <= 250);             /* waiting for the table */
    create_table(d, "tbl", 1);
    put(d, "tbl", "a", NULL);
    put(d, "tbl", "b", NULL);
    put(d, "tbl", "c", NULL);
    CHECK_INT(ddb_trigger_poll(d), 0);
    CHECK_INT(r.calls, 1);
    CHECK_INT(ddb_trigger_poll(d), 0);
    CHECK_INT(r.calls, 2);
    CHECK_INT(wait_drained(d), 0);
    CHECK_INT(r.calls, 3);
    CHECK_INT(ddb_trigger_poll(d), -1);
    CHECK_INT(r.calls, 3);
    ddb_close(d);
    recorder_fini(&r);
}

/* A mapping given a stream ARN reads that stream only: it does not follow a replacement. */
static void test_fixed_stream(void)
{
    ddb_t *d = open_mem();
    recorder_t r = {0}, g = {0};
    ddb_trigger_register(d, "h", on_batch, &r);
    ddb_trigger_register(d, "g", on_batch, &g);
    create_table(d, "tbl", 1);
    char *arn1 = latest_stream(d, "tbl"), json[1024];
    snprintf(json, sizeof json, "{\"EventSourceArn\":\"%s\",\"Handler\":\"c:h\",\"StartingPosition\":\"TRIM_HORIZON\"}", arn1);
    add(d, json);
    snprintf(json, sizeof json, "{\"EventSourceArn\":\"%.*s2000-01-01T00:00:00.000\",\"Handler\":\"c:g\","
             "\"StartingPosition\":\"TRIM_HORIZON\"}", (int)(strstr(arn1, "/stream/") + 8 - arn1), arn1);
    add(d, json);
    put(d, "tbl", "a", NULL);
    set_stream(d, "tbl", 0);
    set_stream(d, "tbl", 1);
    put(d, "tbl", "b", NULL);
    CHECK_INT(wait_drained(d), 0);
    CHECK_STR(r.log, "a");
    CHECK_STR(g.log, "");
    char *s = status_of(d, 0, "EventSourceArn");
    CHECK(strstr(s, arn1) != NULL);
    free(s);
    s = status_of(d, 1, "StateTransitionReason");
    CHECK(strstr(s, "does not exist") != NULL);
    free(s);
    free(arn1);
    ddb_close(d);
    recorder_fini(&r);
    recorder_fini(&g);
}

/* ---- a randomized check of the delivery rules ------------------------------------------ */

/* A handler that answers at random (success, function error, partial batch response with a
 * record of the batch, a malformed response), across random restarts of the instance, and
 * keeps what it acknowledged: with
 * ReportBatchItemFailures, the records before the lowest reported one; else the whole batch on
 * success. Invariants checked per call: a batch is contiguous, in order, and never holds an
 * acknowledged record; the records it skipped past were given up (checked at the end against
 * the OnFailure records). */
#define RN 60
typedef struct chaos {
    unsigned seed;
    int report;
    int acked[RN], acks;            /* times each record was acknowledged */
    int skipped[RN];                /* passed over without acknowledgement: must be discarded */
    int next;                       /* the first record not acknowledged or passed over */
    int calls, bad;
} chaos_t;

static unsigned chaos_rand(chaos_t *c)
{
    c->seed = c->seed * 1103515245u + 12345u;
    return (c->seed >> 16) & 0x7fff;
}

static int on_chaos(void *arg, const char *event, size_t len, char **response)
{
    chaos_t *c = arg;
    (void)len;
    c->calls++;
    cJSON *ev = cJSON_Parse(event);
    const cJSON *recs = cJSON_GetObjectItemCaseSensitive(ev, "Records");
    int idx[100], n = 0;
    char seqs[100][24];
    for (const cJSON *r = recs ? recs->child : NULL; r && n < 100; r = r->next, n++) {
        const cJSON *dd = cJSON_GetObjectItemCaseSensitive(r, "dynamodb");
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(dd, "Keys"), "id"), "S"));
        idx[n] = id ? atoi(id + 1) : -1;
        snprintf(seqs[n], sizeof seqs[n], "%s", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(dd, "SequenceNumber")));
    }
    cJSON_Delete(ev);
    if (n == 0 || idx[0] < c->next) c->bad++;                  /* redelivery of settled records */
    for (int i = 1; i < n; i++)
        if (idx[i] != idx[i - 1] + 1) c->bad++;                 /* not contiguous, not in order */
    for (int i = c->next; n && i < idx[0] && i < RN; i++) c->skipped[i] = 1;
    if (n) c->next = idx[0];
    unsigned pick = chaos_rand(c) % 8;
    int ack = 0;                                                /* records acknowledged */
    int rc = 0;
    if (pick <= 2) {                                            /* success */
        ack = n;
    } else if (pick <= 4) {                                     /* function error */
        rc = 1;
    } else if (pick <= 6) {                                     /* partial: from a random record */
        int k = (int)(chaos_rand(c) % (unsigned)n);
        char buf[200];
        snprintf(buf, sizeof buf, "{\"batchItemFailures\":[{\"itemIdentifier\":\"%s\"}]}", seqs[k]);
        *response = strdup(buf);
        ack = c->report ? k : n;
    } else {                                                    /* malformed */
        *response = strdup("{\"batchItemFailures\":[{\"itemIdentifier\":null}]}");
        ack = c->report ? 0 : n;
    }
    for (int i = 0; i < ack; i++) {
        if (idx[i] >= 0 && idx[i] < RN) c->acked[idx[i]]++;
        c->acks++;
    }
    if (ack) c->next = idx[ack - 1] + 1;
    return rc;
}

static void test_chaos(void)
{
    for (unsigned round = 0; round < 24; round++) {
        make_tmpdir();
        char dest[400], json[1024];
        snprintf(dest, sizeof dest, "%s/failures.jsonl", tmpdir);
        ddb_t *d = open_dir();
        chaos_t c = {0};
        c.seed = round * 7919u + 1;
        c.report = round & 1;
        int bisect = (round >> 1) & 1, batch = 1 + (int)(chaos_rand(&c) % 7), retry = (int)(chaos_rand(&c) % 3);
        ddb_trigger_register(d, "chaos", on_chaos, &c);
        create_table(d, "tbl", 1);
        /* every third round: only INSERTs pass, and records are rewritten (MODIFY, filtered out) */
        int filter = round % 3 == 2;
        snprintf(json, sizeof json, "{\"TableName\":\"tbl\",\"Handler\":\"c:chaos\",\"StartingPosition\":\"LATEST\","
                 "\"BatchSize\":%d,\"MaximumRetryAttempts\":%d,\"BisectBatchOnFunctionError\":%s%s%s,"
                 "\"DestinationConfig\":{\"OnFailure\":{\"Destination\":\"%s\"}}}", batch, retry, bisect ? "true" : "false",
                 c.report ? ",\"FunctionResponseTypes\":[\"ReportBatchItemFailures\"]" : "",
                 filter ? ",\"FilterCriteria\":{\"Filters\":[{\"Pattern\":\"{\\\"eventName\\\":[\\\"INSERT\\\"]}\"}]}" : "",
                 dest);
        add(d, json);
        for (int i = 0; i < RN; i++) {
            char id[8];
            snprintf(id, sizeof id, "r%02d", i);
            put(d, "tbl", id, NULL);
            if (filter && chaos_rand(&c) % 2) {
                snprintf(id, sizeof id, "r%02d", (int)(chaos_rand(&c) % (unsigned)(i + 1)));
                put(d, "tbl", id, "rewritten");
            }
            unsigned dice = chaos_rand(&c) % 12;
            if (dice < 4) ddb_trigger_poll(d);
            if (dice == 4) {   /* a restart: acknowledged records must stay acknowledged */
                ddb_close(d);
                d = open_dir();
                ddb_trigger_register(d, "chaos", on_chaos, &c);
                add(d, json);
            }
        }
        CHECK_INT(wait_drained(d), 0);
        /* the OnFailure records: each discarded record once */
        int discarded[RN] = {0};
        char *text = read_file(dest);
        for (char *line = text, *nl; *line; line = nl + 1) {
            nl = strchr(line, '\n');
            if (!nl) break;
            *nl = 0;
            cJSON *j = cJSON_Parse(line);
            const cJSON *recs = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "payload"), "Records");
            int nrec = cJSON_GetArraySize(recs);
            CHECK_INT(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "DDBStreamBatchInfo"), "batchSize")->valueint, nrec);
            for (const cJSON *r = recs ? recs->child : NULL; r; r = r->next) {
                const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
                    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r, "dynamodb"), "Keys"), "id"), "S"));
                if (id) discarded[atoi(id + 1)]++;
            }
            cJSON_Delete(j);
        }
        free(text);
        int lost = 0, twice = 0, skipped_not_discarded = 0;
        for (int i = 0; i < RN; i++) {
            if (c.acked[i] + discarded[i] != 1) {
                if (c.acked[i] + discarded[i] == 0) lost++;
                else twice++;
            }
            if (c.skipped[i] && !discarded[i]) skipped_not_discarded++;
        }
        if (lost || twice || c.bad || skipped_not_discarded)
            fprintf(stderr, "chaos round %u (batch %d retry %d bisect %d report %d): lost %d twice %d bad %d skipped %d\n",
                    round, batch, retry, bisect, c.report, lost, twice, c.bad, skipped_not_discarded);
        CHECK_INT(lost, 0);
        CHECK_INT(twice, 0);
        CHECK_INT(c.bad, 0);
        CHECK_INT(skipped_not_discarded, 0);
        CHECK(c.calls >= RN / batch);
        ddb_close(d);
        rm_tmpdir();
    }
}

/* ---- the runner (exec:, python:, invoke:) ------------------------------------------------- */

typedef struct fake_runner {
    int started;
    uint64_t id;
    char event[4096];
    int fail_start;
} fake_runner_t;

static int fake_start(void *arg, const trig_call_t *call)
{
    fake_runner_t *f = arg;
    if (f->fail_start) return -1;
    f->started++;
    f->id = call->id;
    snprintf(f->event, sizeof f->event, "%.*s", (int)call->event_len, call->event);
    CHECK_INT(strlen(call->request_id), 36);
    CHECK(call->deadline_ms > 0);
    return 0;
}

static void test_runner(void)
{
    ddb_t *d = open_mem();
    create_table(d, "tbl", 1);
    /* no runner: not delivered, retried without counting (MaximumRetryAttempts 0 never discards) */
    add(d, "{\"TableName\":\"tbl\",\"Handler\":\"exec:cat\",\"StartingPosition\":\"LATEST\",\"MaximumRetryAttempts\":0}");
    put(d, "tbl", "a", NULL);
    CHECK_INT(ddb_trigger_wait(d, 150), -1);
    char *s = status_of(d, 0, "Errors");
    CHECK(atoi(s) >= 2);
    free(s);
    s = status_of(d, 0, "Checkpoints");
    CHECK_STR(s, "[]");
    free(s);
    /* a runner: the call is in flight until trig_done */
    fake_runner_t f = {0};
    trig_runner_t run = {fake_start, &f};
    trig_set_runner(d, &run);
    int64_t now = 0;
    for (int i = 0; i < 200 && !f.started; i++) {
        now = (int64_t)time(NULL) * 1000 + 10000 + i;
        trig_poll(d, now);
    }
    CHECK_INT(f.started, 1);
    CHECK(strstr(f.event, "\"id\":{\"S\":\"a\"}") != NULL);
    s = status_of(d, 0, "InFlight");
    CHECK_STR(s, "true");
    free(s);
    CHECK(!trig_drained(d));
    trig_poll(d, now + 1);
    CHECK_INT(f.started, 1);                   /* one batch in flight per shard */
    trig_done(d, f.id + 1000, TR_OK, "", 0, NULL);   /* unknown id: ignored */
    trig_done(d, f.id, TR_NOT_DELIVERED, NULL, 0, "connection refused");
    trig_poll(d, now + 2);
    trig_poll(d, now + 20000);                 /* after the backoff: invoked again */
    CHECK_INT(f.started, 2);
    trig_done(d, f.id, TR_OK, "{}", 2, NULL);
    trig_poll(d, now + 20001);
    trig_poll(d, now + 20002);
    CHECK(trig_drained(d));
    s = status_of(d, 0, "LastProcessingResult");
    CHECK_STR(s, "\"OK\"");
    free(s);
    ddb_close(d);
}

/* A timeout is a function error: counted against MaximumRetryAttempts. */
static void test_runner_timeout(void)
{
    make_tmpdir();
    char dest[400], json[1024];
    snprintf(dest, sizeof dest, "%s/failures.jsonl", tmpdir);
    ddb_t *d = open_mem();
    create_table(d, "tbl", 1);
    snprintf(json, sizeof json, "{\"TableName\":\"tbl\",\"Handler\":\"python:h.py\",\"StartingPosition\":\"LATEST\","
             "\"MaximumRetryAttempts\":1,\"Timeout\":7,\"DestinationConfig\":{\"OnFailure\":{\"Destination\":\"%s\"}}}", dest);
    add(d, json);
    fake_runner_t f = {0};
    trig_runner_t run = {fake_start, &f};
    trig_set_runner(d, &run);
    put(d, "tbl", "a", NULL);
    int64_t now = 1000000;
    trig_poll(d, now);
    CHECK_INT(f.started, 1);
    trig_done(d, f.id, TR_TIMEOUT, NULL, 0, "after 7 s");
    trig_poll(d, now + 1);
    trig_poll(d, now + 10000);
    CHECK_INT(f.started, 2);
    trig_done(d, f.id, TR_FUNCTION_ERROR, NULL, 0, "Traceback:\n  line 1\nValueError");
    /* the log: one line per invocation even when the reason spans lines */
    char logpath[400];
    snprintf(logpath, sizeof logpath, "%s/stderr.log", tmpdir);
    fflush(stderr);
    int saved = dup(2);
    FILE *lf = fopen(logpath, "w");
    dup2(fileno(lf), 2);
    trig_poll(d, now + 10001);
    trig_poll(d, now + 10002);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    fclose(lf);
    char *log = read_file(logpath);
    CHECK(strstr(log, "trigger h ") == log);
    CHECK(strstr(log, " ms FunctionError: Traceback:   line 1 ValueError\nddblocal: trigger h ") != NULL);
    CHECK(strstr(log, "discarded 1 records") != NULL);
    free(log);
    CHECK(trig_drained(d));
    char *text = read_file(dest);
    CHECK_INT(count_lines(text), 1);
    CHECK(strstr(text, "\"approximateInvokeCount\":2") != NULL);
    CHECK(strstr(text, "\"functionError\":\"Unhandled\"") != NULL);
    free(text);
    ddb_close(d);
    rm_tmpdir();
}

/* The Authorization of in-process handler calls is accepted by the core. */
static void test_auth(void)
{
    ddb_t *d = open_mem();
    trig_mapping_t m = {0};
    m.access_key = "AKID1";
    m.region = "eu-west-1";
    char auth[256];
    trig_auth(&m, auth, sizeof auth);
    CHECK_STR(auth, "AWS4-HMAC-SHA256 Credential=AKID1/20240101/eu-west-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0");
    ddb_response_t r;
    ddb_call(d, DDB "ListTables", auth, "{}", 2, &r);
    CHECK_INT(r.status, 200);
    ddb_response_fini(&r);
    ddb_close(d);
}

/* ddb_trigger_load is all or none; duplicate mappings are refused. */
static void test_load(void)
{
    make_tmpdir();
    char path[400];
    snprintf(path, sizeof path, "%s/triggers.json", tmpdir);
    ddb_t *d = open_mem();
    recorder_t r = {0};
    ddb_trigger_register(d, "h", on_batch, &r);
    FILE *f = fopen(path, "w");
    fputs("{\"EventSourceMappings\":[{\"TableName\":\"tbl\",\"Handler\":\"c:h\",\"StartingPosition\":\"LATEST\"},"
          "{\"TableName\":\"tbl\",\"Handler\":\"c:h\",\"StartingPosition\":\"LATEST\",\"BatchSize\":0}]}", f);
    fclose(f);
    char err[512] = "";
    CHECK_INT(ddb_trigger_load(d, path, err, sizeof err), -1);
    CHECK(strstr(err, "mapping 2") != NULL);
    char *s = ddb_trigger_status(d);
    CHECK_STR(s, "{\"EventSourceMappings\":[]}");
    free(s);
    f = fopen(path, "w");
    fputs("[{\"TableName\":\"tbl\",\"Handler\":\"c:h\",\"StartingPosition\":\"LATEST\"},"
          "{\"TableName\":\"tbl\",\"Handler\":\"c:h\",\"StartingPosition\":\"LATEST\"}]", f);
    fclose(f);
    CHECK_INT(ddb_trigger_load(d, path, err, sizeof err), -1);
    CHECK(strstr(err, "UUID") != NULL);
    f = fopen(path, "w");
    fputs("[{\"TableName\":\"tbl\",\"Handler\":\"c:h\",\"StartingPosition\":\"LATEST\"},"
          "{\"TableName\":\"tbl\",\"FunctionName\":\"second\",\"Handler\":\"c:h\",\"StartingPosition\":\"LATEST\"}]", f);
    fclose(f);
    CHECK_INT(ddb_trigger_load(d, path, err, sizeof err), 0);
    CHECK_INT(ddb_trigger_add(d, "{\"TableName\":\"tbl\",\"Handler\":\"c:h\",\"StartingPosition\":\"LATEST\"}", err, sizeof err), -1);
    CHECK_INT(ddb_trigger_add(d, "{\"TableName\":\"tbl\",\"Handler\":\"c:nope\",\"StartingPosition\":\"LATEST\"}", err, sizeof err), -1);
    CHECK_INT(ddb_trigger_flag(d, "tbl=c:h", err, sizeof err), -1);   /* the first mapping again */
    CHECK_INT(ddb_trigger_flag(d, "TableName=tbl,FunctionName=third,StartingPosition=LATEST,Handler=c:h", err, sizeof err), 0);
    create_table(d, "tbl", 1);
    put(d, "tbl", "a", NULL);
    CHECK_INT(wait_drained(d), 0);
    CHECK_STR(r.log, "a|a|a");   /* three mappings, each gets every record */
    ddb_close(d);
    recorder_fini(&r);
    rm_tmpdir();
}

/* The 6 MB payload limit splits batches that would exceed it. */
static void test_payload_limit(void)
{
    ddb_t *d = open_mem();
    recorder_t r = {0};
    ddb_trigger_register(d, "h", on_batch, &r);
    create_table(d, "tbl", 1);
    add(d, "{\"TableName\":\"tbl\",\"Handler\":\"c:h\",\"StartingPosition\":\"LATEST\",\"BatchSize\":100}");
    static char big[380001];
    memset(big, 'x', sizeof big - 1);
    for (int i = 0; i < 20; i++) {
        char id[8];
        snprintf(id, sizeof id, "k%02d", i);
        put(d, "tbl", id, big);
    }
    CHECK_INT(wait_drained(d), 0);
    CHECK_INT(r.calls, 2);
    CHECK(strstr(r.log, "k00,k01") == r.log);
    CHECK(strstr(r.log, ",k19") != NULL);
    CHECK(strlen(r.last_event) <= 6 * 1024 * 1024);
    ddb_close(d);
    recorder_fini(&r);
}

/* Retries come after 1 ms, 2 ms, ... instead of 100 ms, 200 ms, ... */
static void setup(void)
{
    setenv("DDBLOCAL_TRIGGER_BACKOFF_MS", "1", 1);
}

UNIT_MAIN(T(setup), T(test_batch_sizes), T(test_event_shape), T(test_starting_position), T(test_window),
          T(test_retries_on_failure), T(test_infinite_retries), T(test_bisect), T(test_partial_batch_response),
          T(test_filters), T(test_filter_patterns), T(test_builtin), T(test_disabled), T(test_restart), T(test_record_age), T(test_write_back),
          T(test_stream_states), T(test_fixed_stream), T(test_shard_rollover), T(test_user_identity), T(test_no_spin), T(test_chaos), T(test_runner),
          T(test_runner_timeout), T(test_auth), T(test_load), T(test_payload_limit))
