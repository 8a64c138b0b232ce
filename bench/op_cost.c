/*
 * op_cost.c: the in-process CPU cost of the request paths that make bench measures over HTTP
 * (GetItem, Query, Scan of 100, BatchWriteItem of 25 puts), through ddb_call() with no HTTP, so
 * that a change to ddblocal's own work can be measured in a stable way on a busy machine (process
 * CPU time, best of several rounds). The tables and items are those of bench/helper.py setup.
 * Usage: op_cost [-disk DIR] ITERATIONS [WORKLOAD...]   (WORKLOAD: get query scan batch put putstream;
 *   putstream: PutItem into "bench_stream", a NEW_AND_OLD_IMAGES stream table, as PutStream)
 * Environment: OPCOST_FILL=N adds N items to table "bench" before measuring.
 * Build (after make): cc -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Iinclude -o /tmp/op_cost \
 *   bench/op_cost.c build/libddbcore.a $(pkg-config --libs sqlite3 libcjson libcrypto) -lm
 * Prints "OPCOST <workload> <us CPU per operation>" per workload.
 */
#include "ddblocal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define AUTH "AWS4-HMAC-SHA256 Credential=x/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=abc"
#define PAYLOAD "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"

enum { NKEYS = 500, MSGS = 10000 };

static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int call(ddb_t *d, const char *op, const char *body, size_t len)
{
    char target[64];
    ddb_response_t r;
    snprintf(target, sizeof target, "DynamoDB_20120810.%s", op);
    ddb_call(d, target, AUTH, body, len, &r);
    int ok = r.status == 200;
    if (!ok) fprintf(stderr, "op_cost: %s: %d %.*s\n", op, r.status, (int)r.body_len, r.body);
    ddb_response_fini(&r);
    return ok;
}

static int populate(ddb_t *d)
{
    char body[512];
    const char *t1 = "{\"TableName\":\"bench\",\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"}],"
                     "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}],"
                     "\"ProvisionedThroughput\":{\"ReadCapacityUnits\":5,\"WriteCapacityUnits\":5}}";
    const char *t2 = "{\"TableName\":\"msgs\",\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"},"
                     "{\"AttributeName\":\"sk\",\"KeyType\":\"RANGE\"}],\"AttributeDefinitions\":["
                     "{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"},{\"AttributeName\":\"sk\",\"AttributeType\":\"S\"}],"
                     "\"BillingMode\":\"PAY_PER_REQUEST\"}";
    const char *t3 = "{\"TableName\":\"bench_stream\",\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"}],"
                     "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}],"
                     "\"ProvisionedThroughput\":{\"ReadCapacityUnits\":5,\"WriteCapacityUnits\":5},"
                     "\"StreamSpecification\":{\"StreamEnabled\":true,\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"}}";
    if (!call(d, "CreateTable", t1, strlen(t1)) || !call(d, "CreateTable", t2, strlen(t2)) ||
        !call(d, "CreateTable", t3, strlen(t3)))
        return 0;
    for (int i = 0; i < NKEYS; i++) {
        int n = snprintf(body, sizeof body, "{\"TableName\":\"bench\",\"Item\":{\"pk\":{\"S\":\"k%d\"},"
                         "\"n\":{\"N\":\"%d\"},\"data\":{\"S\":\"" PAYLOAD "\"}}}", i, i);
        if (!call(d, "PutItem", body, (size_t)n)) return 0;
    }
    for (int i = 0; i < MSGS; i++) {
        int n = snprintf(body, sizeof body, "{\"TableName\":\"msgs\",\"Item\":{\"pk\":{\"S\":\"MSG#bench\"},"
                         "\"sk\":{\"S\":\"2024-01-01T%08d\"},\"user\":{\"S\":\"andrew\"},\"handle\":{\"S\":\"andrewbrown\"},"
                         "\"message\":{\"S\":\"Hello, this is message %d of the conversation.\"}}}", i, i);
        if (!call(d, "PutItem", body, (size_t)n)) return 0;
    }
    return 1;
}

static const char QUERY[] = "{\"TableName\":\"msgs\",\"KeyConditionExpression\":\"pk = :pk AND begins_with(sk, :y)\","
                            "\"ExpressionAttributeValues\":{\":pk\":{\"S\":\"MSG#bench\"},\":y\":{\"S\":\"2024\"}},"
                            "\"ScanIndexForward\":false,\"Limit\":20}";
static const char SCAN[] = "{\"TableName\":\"bench\",\"Limit\":100}";

static unsigned counter;

/* One operation of workload w; 0 on failure. */
static int one(ddb_t *d, const char *w)
{
    static char body[8192];
    if (!strcmp(w, "get")) {
        int n = snprintf(body, sizeof body, "{\"TableName\":\"bench\",\"Key\":{\"pk\":{\"S\":\"k%u\"}}}",
                         (counter++ * 7919u) % NKEYS);
        return call(d, "GetItem", body, (size_t)n);
    }
    if (!strcmp(w, "query")) return call(d, "Query", QUERY, sizeof QUERY - 1);
    if (!strcmp(w, "scan")) return call(d, "Scan", SCAN, sizeof SCAN - 1);
    if (!strcmp(w, "put") || !strcmp(w, "putstream")) {   /* bench/put.lua: a fresh key each time */
        int n = snprintf(body, sizeof body, "{\"TableName\":\"%s\",\"Item\":{\"pk\":{\"S\":\"p-%u\"},"
                         "\"n\":{\"N\":\"%u\"},\"data\":{\"S\":\"" PAYLOAD "\"}}}",
                         w[3] ? "bench_stream" : "bench", counter, counter);
        counter++;
        return call(d, "PutItem", body, (size_t)n);
    }
    if (!strcmp(w, "batch")) {
        size_t n = (size_t)snprintf(body, sizeof body, "{\"RequestItems\":{\"bench\":[");
        counter++;
        for (int i = 1; i <= 25; i++)
            n += (size_t)snprintf(body + n, sizeof body - n,
                                  "%s{\"PutRequest\":{\"Item\":{\"pk\":{\"S\":\"bw-%u-%d\"},\"n\":{\"N\":\"%u\"},"
                                  "\"data\":{\"S\":\"" PAYLOAD "\"}}}}", i > 1 ? "," : "", counter, i, counter);
        n += (size_t)snprintf(body + n, sizeof body - n, "]}}");
        return call(d, "BatchWriteItem", body, n);
    }
    fprintf(stderr, "op_cost: unknown workload %s\n", w);
    return 0;
}

int main(int argc, char **argv)
{
    enum { ROUNDS = 5 };
    ddb_config_t cfg = {0};
    int a = 1;
    cfg.in_memory = 1;
    if (argc > 2 && !strcmp(argv[1], "-disk")) { cfg.in_memory = 0; cfg.shared_db = 1; cfg.db_path = argv[2]; a = 3; }
    if (argc <= a) { fprintf(stderr, "usage: op_cost [-disk DIR] ITERATIONS [get query scan batch put putstream]\n"); return 2; }
    int iters = atoi(argv[a++]);
    const char *all[] = {"get", "query", "scan", "batch"};
    const char **w = argc > a ? (const char **)argv + a : all;
    int nw = argc > a ? argc - a : 4;
    char err[256];
    ddb_t *d = ddb_open(&cfg, err, sizeof err);
    if (!d) { fprintf(stderr, "op_cost: %s\n", err); return 1; }
    if (!populate(d)) { ddb_close(d); return 1; }
    /* OPCOST_FILL=N: N more items in "bench" first, as make bench's PutItem runs leave there */
    int fill = getenv("OPCOST_FILL") ? atoi(getenv("OPCOST_FILL")) : 0;
    for (int i = 0; i < fill; i += 25) {
        counter = 1000000000u + (unsigned)i;
        if (!one(d, "batch")) { ddb_close(d); return 1; }
    }
    counter = 0;
    for (int i = 0; i < nw; i++) {
        double best = 1e30;
        int scale = !strcmp(w[i], "batch") ? 25 : !strcmp(w[i], "scan") ? 10 : 1;
        int n = iters / scale + 1;
        for (int k = 0; k < n / 10; k++) one(d, w[i]);                /* warm-up */
        for (int r = 0; r < ROUNDS; r++) {
            double t0 = cpu_now();
            for (int k = 0; k < n; k++)
                if (!one(d, w[i])) { ddb_close(d); return 1; }
            double us = (cpu_now() - t0) / n * 1e6;
            if (us < best) best = us;
        }
        printf("OPCOST %s %.2f\n", w[i], best);
    }
    ddb_close(d);
    return 0;
}
