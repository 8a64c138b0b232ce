/*
 * ddblocal.h: the public embedding API of ddblocal, a DynamoDB Local compatible emulator.
 *
 * Two layers:
 *   - the core (libddbcore.a: storage, operations, protocol) links without libuv and answers
 *     requests in-process through ddb_call();
 *   - the server (libddbserver.a: libuv + llhttp) serves a ddb_t over HTTP with ddb_serve().
 *
 * Ownership: every argument is borrowed for the duration of the call. A ddb_response_t filled
 * by ddb_call() owns its body until ddb_response_fini(). A ddb_t is used by one thread at a time.
 */
#ifndef DDBLOCAL_H
#define DDBLOCAL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DDB_VERSION "1.25.1"          /* the DynamoDB Local version we answer as */
#define DDB_SERVER_NAME "ddblocal 0.1.0"

typedef struct ddb ddb_t;

/* Options, mirroring DynamoDB Local's command line flags. Zero-initialise, then set. */
typedef struct ddb_config {
    int port;                     /* -port (default 8000; 0 = any free port) */
    int in_memory;                /* -inMemory */
    int shared_db;                /* -sharedDb */
    const char *db_path;          /* -dbPath (NULL = current directory) */
    const char *cors;             /* -cors allow-list, or NULL */
    int delay_transient_statuses; /* -delayTransientStatuses */
    int optimize_db;              /* -optimizeDbBeforeStartup */
} ddb_config_t;

/* A response produced by ddb_call(). */
typedef struct ddb_response {
    int status;                   /* HTTP status: 200, 400, 413 or 500 */
    char *body;                   /* JSON body, NUL-terminated, owned by the response */
    size_t body_len;
} ddb_response_t;

/*
 * Opens an emulator instance. The config is copied. Databases are opened lazily, on the first
 * request for each (access key, region), exactly as DynamoDB Local does, except that the
 * -dbPath directory is checked now. Returns NULL and writes a one-line reason into err on
 * failure (err may be NULL).
 */
ddb_t *ddb_open(const ddb_config_t *cfg, char *err, size_t errlen);

/* Closes every database (checkpointing it) and frees the instance. ddb_close(NULL) is a no-op. */
void ddb_close(ddb_t *ddb);

/* The configuration the instance was opened with. */
const ddb_config_t *ddb_get_config(const ddb_t *ddb);

/*
 * Answers one request as DynamoDB Local answers a POST /: target is the X-Amz-Target header
 * value and authorization the Authorization header value (either may be NULL when the header is
 * absent); body/len is the request body. Always fills *out (never fails); the caller frees it
 * with ddb_response_fini(). A 200 response is the only kind that carries x-amz-crc32.
 */
void ddb_call(ddb_t *ddb, const char *target, const char *authorization,
              const char *body, size_t len, ddb_response_t *out);

/* Frees the body of a response filled by ddb_call(). */
void ddb_response_fini(ddb_response_t *resp);

/* Runs periodic background work (TTL sweeps, index backfills); the server calls it every
 * second. Safe to call at any time from the thread that uses the instance. */
void ddb_tick(ddb_t *ddb);

/*
 * Stream triggers (event source mappings): handlers invoked with the exact AWS Lambda DynamoDB
 * event for the records of a table's stream. Parameters are AWS's (EventSourceArn or TableName,
 * FunctionName/Handler, BatchSize, StartingPosition, ...; README "Stream triggers").
 * Handlers: "exec:CMD", "python:FILE[:FUNCTION]", "invoke:URL" (these three need the server
 * layer), "builtin:NAME", and "c:NAME" for a callback registered below.
 */

/* Adds one mapping given as a JSON object. Returns 0, or -1 with a one-line reason in err. */
int ddb_trigger_add(ddb_t *ddb, const char *mapping_json, char *err, size_t errlen);
/* Adds the mappings of a -triggers file ({"EventSourceMappings":[...]} or [...]): all or none. */
int ddb_trigger_load(ddb_t *ddb, const char *path, char *err, size_t errlen);
/* Adds the mapping of one -trigger flag value ("TABLE=HANDLER" or "Name=Value,...,Handler=H"). */
int ddb_trigger_flag(ddb_t *ddb, const char *spec, char *err, size_t errlen);

/* A C handler: event/len is the Lambda event JSON. Returns 0 when the batch succeeded, setting
 * *response to a malloc'd JSON text (e.g. {"batchItemFailures":[...]}) or leaving it NULL;
 * non-zero is a function error (the batch is retried under the mapping's rules). Called on the
 * thread that drives the instance; it may call ddb_call() on the same instance. */
typedef int (*ddb_trigger_fn)(void *arg, const char *event, size_t len, char **response);
/* Registers fn as handler "c:NAME" (before adding mappings that use it). 0, or -1 if taken. */
int ddb_trigger_register(ddb_t *ddb, const char *name, ddb_trigger_fn fn, void *arg);

/* Embedded use without ddb_serve(): runs due trigger work (builtin: and c: handlers run inside).
 * Returns the milliseconds until more timed work is due, or -1 when idle. */
long ddb_trigger_poll(ddb_t *ddb);
/* Polls until every mapping has processed every record written so far (handlers' own writes
 * included). Returns 0 when drained, -1 after timeout_ms. */
int ddb_trigger_wait(ddb_t *ddb, long timeout_ms);
/* The mappings with their state as JSON (what GET /_ddblocal/triggers answers); free() it. */
char *ddb_trigger_status(ddb_t *ddb);

/*
 * Server layer (libddbserver.a, links libuv and llhttp).
 * Binds 0.0.0.0:<cfg->port> (and [::] when available), calls on_listening with the port
 * actually bound, and serves until SIGINT/SIGTERM or ddb_serve_stop(). Returns 0 after a clean
 * stop, or -1 with a one-line reason in err when it cannot listen (port in use, ...).
 */
typedef void (*ddb_listening_cb)(int bound_port, void *arg);
int ddb_serve(ddb_t *ddb, ddb_listening_cb on_listening, void *arg, char *err, size_t errlen);

/* Asks a running ddb_serve() to stop; async-signal-safe. */
void ddb_serve_stop(void);

#ifdef __cplusplus
}
#endif
#endif /* DDBLOCAL_H */
