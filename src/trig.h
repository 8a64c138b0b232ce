/*
 * trig.h: stream triggers, the private interface between their modules. A trigger is an event
 * source mapping (ESM) as AWS Lambda has them (../shared/reference/lambda-triggers.md): it reads
 * one table's stream and invokes a handler with batches of records in the exact Lambda event.
 *
 *   trig_config.c  parses a mapping (AWS parameter names, defaults, ranges) and the -trigger flag
 *   trig_filter.c  FilterCriteria patterns (the EventBridge syntax Lambda supports)
 *   trig.c         the engine (core, no libuv): checkpoints, batches, events, retries, bisect,
 *                  partial batch responses, OnFailure, drain state, status JSON, the public
 *                  ddb_trigger_* API; runs builtin: and c: handlers itself
 *   trig_cruddur.c builtin:cruddur-message-groups
 *   trig_run.c     (server layer, libuv) runs exec:, python: and invoke: handlers asynchronously
 *                  and reports back with trig_done()
 *
 * Everything runs on the one loop thread. The engine never runs inside a request's SQLite
 * transaction: the server calls trig_poll() between requests, so handlers that write back into
 * the same tables (Cruddur) cannot deadlock, and their writes feed the stream again.
 */
#ifndef DDB_TRIG_H
#define DDB_TRIG_H

#include <stdint.h>
#include <cjson/cJSON.h>

#include "core.h"

/* ---- a mapping (trig_config.c) --------------------------------------------------------- */

typedef enum { TK_EXEC = 1, TK_PYTHON, TK_INVOKE, TK_BUILTIN, TK_CALLBACK } trig_kind_t;

typedef struct trig_filter trig_filter_t;

typedef struct trig_mapping {
    char *uuid;            /* UUID: given, else derived (stable across restarts) from the table or
                              stream ARN and the handler, so checkpoints survive a restart */
    char *function_name;   /* FunctionName, else derived from the handler ("handler", file stem) */
    char *function_arn;    /* arn:aws:lambda:<region>:000000000000:function:<function_name> */
    char *table;           /* the table (TableName, or the table of EventSourceArn) */
    char *stream_arn;      /* EventSourceArn when it names one stream; NULL: follow the table's
                              latest stream */
    char *handler;         /* the handler as given: "exec:...", "python:FILE[:FUNC]", ... */
    trig_kind_t kind;
    char *target;          /* the handler after "kind:" (command, file, URL, builtin/callback name) */
    char *py_file, *py_func;  /* python: file and function (default "lambda_handler") */
    int batch_size;        /* BatchSize: 1..10000, default 100 */
    int window_s;          /* MaximumBatchingWindowInSeconds: 0..300, default 0 */
    int latest;            /* StartingPosition: 1 LATEST, 0 TRIM_HORIZON */
    int max_retry;         /* MaximumRetryAttempts: -1 (infinite, default) or 0..10000 */
    int max_age_s;         /* MaximumRecordAgeInSeconds: -1 (infinite, default) or 60..604800 */
    int bisect;            /* BisectBatchOnFunctionError, default 0 */
    int report_failures;   /* FunctionResponseTypes contains "ReportBatchItemFailures" */
    int parallelization;   /* ParallelizationFactor 1..10 (accepted; batches of a shard still run
                              one at a time, which keeps every ordering guarantee) */
    trig_filter_t **filters; int nfilters;   /* FilterCriteria.Filters (OR), at most 5 */
    char *on_failure;      /* DestinationConfig.OnFailure.Destination: a local file path
                              ("file://" stripped); records are appended as JSON lines */
    int enabled;           /* Enabled, default 1 */
    int timeout_s;         /* Timeout (the function's timeout, seconds): 1..900, default 3 */
    char *region;          /* Region: the database region when not -sharedDb and the region
                              handlers are given; default us-east-1 */
    char *access_key;      /* AccessKeyId: likewise; default "ddblocal" */
} trig_mapping_t;

/* Parses one mapping object. Unknown parameters, wrong types, out-of-range values, a bad
 * StartingPosition, an unknown handler kind, an invalid filter pattern, more than 5 filters,
 * TumblingWindowInSeconds (not supported) are refused: returns NULL with a one-line message
 * naming the parameter in err. callback_known(name) says whether "c:NAME" is registered
 * (NULL: none are). */
trig_mapping_t *trig_mapping_parse(const cJSON *obj, int (*callback_known)(void *, const char *),
                                   void *arg, char *err, size_t errlen);
/* The -trigger flag value as a mapping object (caller frees with cJSON_Delete), or NULL with err:
 *   TABLE=HANDLER                                   (StartingPosition LATEST, other defaults)
 *   Name=Value,Name=Value,...,Handler=HANDLER       (AWS names; Handler last, taking the rest)
 */
cJSON *trig_flag_parse(const char *spec, char *err, size_t errlen);
/* A -triggers file: {"EventSourceMappings":[mapping, ...]} or a bare array of mappings. Returns
 * the array (detached, caller frees) or NULL with err (file unreadable, not JSON, wrong shape). */
cJSON *trig_file_read(const char *path, char *err, size_t errlen);
void trig_mapping_free(trig_mapping_t *m);

/* ---- filters (trig_filter.c) ----------------------------------------------------------- */

/* Compiles one FilterCriteria pattern (a JSON text). NULL with err when it is not a valid
 * pattern. */
trig_filter_t *trig_filter_compile(const char *pattern, char *err, size_t errlen);
/* 1 when record (one element of the Lambda event's Records, eventSourceARN and the renamed
 * userIdentity included) matches the pattern. */
int trig_filter_match(const trig_filter_t *f, const cJSON *record);
void trig_filter_free(trig_filter_t *f);

/* ---- the engine (trig.c) --------------------------------------------------------------- */

typedef enum {
    TR_OK = 0,            /* the handler returned; resp is its response (may be empty) */
    TR_FUNCTION_ERROR,    /* exception, non-zero exit, crash, X-Amz-Function-Error: a retry */
    TR_TIMEOUT,           /* killed after Timeout: a function error too */
    TR_NOT_DELIVERED      /* never reached the function (connection refused, cannot spawn):
                             retried without counting as an attempt, like Lambda throttling */
} trig_result_t;

/* One invocation handed to the runner. Everything is valid until trig_done() for its id. */
typedef struct trig_call {
    uint64_t id;
    const trig_mapping_t *m;
    const char *event; size_t event_len;   /* the Lambda event JSON */
    const char *request_id;                /* aws_request_id (a UUID) */
    int64_t deadline_ms;                   /* when the runner must give up (now + Timeout) */
} trig_call_t;

/* The server's runner of exec:, python: and invoke: handlers. start returns 0 when the call is
 * under way (trig_done follows later, never from inside start), -1 when it could not start
 * (counted as TR_NOT_DELIVERED). endpoint is what handlers are told to use
 * ("http://127.0.0.1:PORT"). */
typedef struct trig_runner {
    int (*start)(void *arg, const trig_call_t *call);
    void *arg;
} trig_runner_t;
void trig_set_runner(ddb_t *ddb, const trig_runner_t *runner);

/* Adds a parsed mapping (ownership taken). Logs one line when its table has no stream yet. */
int trig_add(ddb_t *ddb, trig_mapping_t *m, char *err, size_t errlen);
/* Reports the end of invocation id: resp/len is the handler's response (JSON text or empty),
 * detail a short reason for the log and status (may be NULL). */
void trig_done(ddb_t *ddb, uint64_t id, trig_result_t res, const char *resp, size_t len,
               const char *detail);
/* Runs due work: reads new records, starts invocations (running builtin: and c: handlers to
 * completion), applies retries. Cheap when nothing changed (compares the stores' sequence
 * counters). Returns the milliseconds until it next has timed work (a batching window, a retry
 * backoff, a 250 ms poll while any mapping waits for a table or stream), -1 when it only needs
 * calling after a write or a trig_done. */
int64_t trig_poll(ddb_t *ddb, int64_t now_ms);
/* 1 when every enabled mapping has delivered (or filtered, or discarded) every record of its
 * stream, nothing is in flight and nothing waits for a retry or a window. */
int trig_drained(ddb_t *ddb);
/* 1 when any mapping is configured. */
int trig_any(const ddb_t *ddb);
/* The admin listing: {"EventSourceMappings":[{UUID, FunctionName, FunctionArn, Handler,
 * TableName, EventSourceArn, State, StateTransitionReason, LastProcessingResult, BatchSize, ...,
 * "Checkpoints":[{"ShardId","SequenceNumber"}], "Invocations", "Errors", "InFlight"}]} */
void trig_status(ddb_t *ddb, sb_t *sb);
void trig_free(ddb_t *ddb);
/* The Authorization header value in-process calls use for m's database (credentials m->access_key,
 * region m->region; DynamoDB Local does not check signatures). */
void trig_auth(const trig_mapping_t *m, char *out, size_t cap);

/* ---- builtin handlers (trig_cruddur.c) ------------------------------------------------- */

/* A handler inside the core. Returns 0 on success (resp may stay empty), -1 as a function error
 * with a reason in detail. It may call ddb_call() with trig_auth(m). */
typedef int (*trig_builtin_fn)(ddb_t *ddb, const trig_mapping_t *m, const cJSON *event, sb_t *resp,
                               sb_t *detail);
/* The builtin called name, or NULL. */
trig_builtin_fn trig_builtin_find(const char *name);

#endif
