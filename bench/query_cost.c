/*
 * query_cost.c: the in-process cost of one Query (20 newest items of a partition, the Cruddur
 * message list) at several partition sizes, through ddb_call() with no HTTP, to show that the
 * cost does not grow with the partition. Built and run by bench/run.sh against
 * build/libddbcore.a; prints one line per size ("QCOST <items> <us per Query>").
 * Usage: query_cost ITERATIONS SIZE...
 */
#include "ddblocal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define AUTH "AWS4-HMAC-SHA256 Credential=x/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=abc"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int call(ddb_t *d, const char *op, const char *body, size_t len)
{
    char target[64];
    ddb_response_t r;
    snprintf(target, sizeof target, "DynamoDB_20120810.%s", op);
    ddb_call(d, target, AUTH, body, len, &r);
    int ok = r.status == 200;
    if (!ok) fprintf(stderr, "query_cost: %s: %d %.*s\n", op, r.status, (int)r.body_len, r.body);
    ddb_response_fini(&r);
    return ok;
}

static const char QUERY[] = "{\"TableName\":\"msgs\",\"KeyConditionExpression\":\"pk = :pk AND begins_with(sk, :y)\","
                            "\"ExpressionAttributeValues\":{\":pk\":{\"S\":\"MSG#bench\"},\":y\":{\"S\":\"2024\"}},"
                            "\"ScanIndexForward\":false,\"Limit\":20}";

/* An in-memory instance holding one partition of size messages (NULL on failure). */
static ddb_t *populate(int size)
{
    ddb_config_t cfg = {0};
    cfg.in_memory = 1;
    char err[256], body[512];
    ddb_t *d = ddb_open(&cfg, err, sizeof err);
    if (!d) { fprintf(stderr, "query_cost: %s\n", err); return NULL; }
    const char *ct = "{\"TableName\":\"msgs\",\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"},"
                     "{\"AttributeName\":\"sk\",\"KeyType\":\"RANGE\"}],\"AttributeDefinitions\":["
                     "{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"},{\"AttributeName\":\"sk\",\"AttributeType\":\"S\"}],"
                     "\"BillingMode\":\"PAY_PER_REQUEST\"}";
    if (!call(d, "CreateTable", ct, strlen(ct))) { ddb_close(d); return NULL; }
    for (int i = 0; i < size; i++) {
        int n = snprintf(body, sizeof body, "{\"TableName\":\"msgs\",\"Item\":{\"pk\":{\"S\":\"MSG#bench\"},"
                         "\"sk\":{\"S\":\"2024-01-01T%08d\"},\"user\":{\"S\":\"andrew\"},\"handle\":{\"S\":\"andrewbrown\"},"
                         "\"message\":{\"S\":\"Hello, this is message %d of the conversation.\"}}}", i, i);
        if (!call(d, "PutItem", body, (size_t)n)) { ddb_close(d); return NULL; }
    }
    return d;
}

/* Microseconds per Query over iters calls. */
static double measure(ddb_t *d, int iters)
{
    double t0 = now();
    for (int i = 0; i < iters; i++) call(d, "Query", QUERY, sizeof QUERY - 1);
    return (now() - t0) / iters * 1e6;
}

/* The sizes are measured in alternation, best of 5 rounds each, so that a busy moment of the
 * machine does not land on one size only. */
int main(int argc, char **argv)
{
    enum { MAXN = 8, ROUNDS = 5 };
    if (argc < 3 || argc - 2 > MAXN) { fprintf(stderr, "usage: query_cost ITERATIONS SIZE...\n"); return 2; }
    int iters = atoi(argv[1]), n = argc - 2, rc = 0;
    ddb_t *d[MAXN] = {0};
    double best[MAXN];
    for (int i = 0; i < n; i++) {
        if (!(d[i] = populate(atoi(argv[i + 2])))) { rc = 1; goto done; }
        measure(d[i], iters / 10 + 1);                                  /* warm-up */
        best[i] = 1e30;
    }
    for (int r = 0; r < ROUNDS; r++)
        for (int i = 0; i < n; i++) {
            double us = measure(d[i], iters);
            if (us < best[i]) best[i] = us;
        }
    for (int i = 0; i < n; i++) printf("QCOST %d %.2f\n", atoi(argv[i + 2]), best[i]);
done:
    for (int i = 0; i < n; i++) ddb_close(d[i]);
    return rc;
}
