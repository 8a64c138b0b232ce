/*
 * trig.c: the stream trigger engine (trig.h): event source mappings that read a table's stream
 * and invoke a handler with batches of records in the exact AWS Lambda event, with Lambda's
 * delivery rules (../shared/reference/lambda-triggers.md §3-§6): one batch in flight per
 * mapping and shard, parent shards before their children, checkpoints after each success,
 * retries with backoff, BisectBatchOnFunctionError, ReportBatchItemFailures, FilterCriteria,
 * MaximumBatchingWindowInSeconds, MaximumRetryAttempts, MaximumRecordAgeInSeconds and OnFailure
 * records. Plus the public ddb_trigger_* API of include/ddblocal.h.
 *
 * Everything runs on the loop thread, between requests (trig_poll), never inside a request's
 * transaction: builtin: and c: handlers run to completion inside trig_poll and may write to the
 * very tables they are triggered by; exec:, python: and invoke: go to the server's runner and
 * come back through trig_done, whose outcome the next trig_poll applies.
 *
 * Persistent state lives in two extra tables of each database (DynamoDB Local ignores tables it
 * does not know): ddblocal_trigger_mapping (when a mapping first existed, as the stream sequence
 * counter then, which is what LATEST means across restarts; the stream it reads) and
 * ddblocal_trigger_checkpoint (the last processed sequence number per mapping and shard). A
 * checkpoint is written in its own small transaction after every success, skip or discard, so a
 * crash re-delivers at most the batch that was in flight (at least once, as Lambda).
 *
 * Which stream: a mapping given a stream ARN reads that stream; a mapping given a table follows
 * the table's streams: the stream enabled when it first existed (or the first one enabled after
 * it), and when that stream is disabled and another enabled, it finishes the old stream and
 * moves to the next one from its start. A missing table or stream is a state, not an error.
 *
 * Batches and failures (§4): a shard holds the records read for delivery; its pending batches
 * are prefixes of them (ranges), the first one current. A failed batch is retried after a
 * backoff (100 ms doubling to 5 s). With BisectBatchOnFunctionError a failed batch of several
 * records becomes two halves, first half first, without counting an attempt; a partial batch
 * response checkpoints the records before the lowest reported one and retries the rest (an
 * attempt, except with bisect, where that is the split). A batch whose oldest record is older
 * than MaximumRecordAgeInSeconds when an attempt fails is given up at once (no split first);
 * so is one past MaximumRetryAttempts. A batch that never reached the function (no runner,
 * connection refused) is retried without counting. Giving up writes the OnFailure record and
 * moves the checkpoint past the batch.
 */
#include "trig.h"
#include "store_int.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_PAYLOAD (6 * 1024 * 1024)   /* Lambda's synchronous invocation payload limit */
#define READ_CHUNK 1000                 /* records per stream_read (GetRecords' maximum) */
#define SCAN_MAX 10000                  /* records examined per shard and poll (filters skip) */
#define WAIT_POLL_MS 250                /* Lambda polls a shard 4 times a second */
#define RECHECK_MS 1000                 /* stream state re-read while nothing is written */
#define BACKOFF_BASE_MS 100
#define BACKOFF_MAX_MS 5000
#define NO_RUNNER "no runner (embedded use supports builtin: and c: only)"

/* ---- state ------------------------------------------------------------------------------- */

typedef struct callback {
    char *name;
    ddb_trigger_fn fn;
    void *arg;
    struct callback *next;
} callback_t;

/* A record held for delivery: its event text is text[off..off+len) of its shard. */
typedef struct held {
    int64_t seq;
    size_t off, len;
} held_t;

/* A pending batch: the held records [0, end) once the batches before it are gone. */
typedef struct range {
    int end;
    int64_t cover;      /* the checkpoint once it is done: its last record, or a later record
                           read and filtered out with it */
    int attempts;       /* failed attempts counted against MaximumRetryAttempts */
    int tries;          /* consecutive failures of any kind: the backoff exponent */
    int invokes;        /* invocations with these records (OnFailure approximateInvokeCount) */
} range_t;

typedef struct shard {
    char *id, *parent;
    int64_t end;                 /* SequenceNumberEnd, -1 while open */
    int64_t ckpt;                /* last processed sequence number, when has_ckpt */
    int has_ckpt;
    int done;                    /* closed and processed to its end */
    int listed;                  /* seen by the last refresh */
    sb_t text;                   /* event texts of the held records */
    held_t *held; int nheld, capheld;
    range_t *ranges; int nranges;   /* pending batches, ranges[0] the current one */
    int64_t due_ms;              /* the current batch not before (retry backoff) */
    int64_t window_ms;           /* when the batching window of unsent records began, 0: none */
    int64_t held_to;             /* while the window is open: the last record read (held or
                                    filtered out) */
    /* the invocation in flight (runner) */
    uint64_t call_id;
    char *event; size_t event_len;
    char request_id[37];
    int64_t started;             /* monotonic ms */
    /* its outcome, reported by trig_done and applied by the next trig_poll */
    int has_result;
    trig_result_t res;
    char *resp; size_t resp_len;
    char *detail;
    int64_t took_ms;
} shard_t;

typedef struct tmap {
    trig_mapping_t *m;
    store_t *st;
    int64_t created_seq;         /* the sequence counter when the mapping first existed */
    char *cur;                   /* the stream read, NULL: none yet */
    int cur_enabled;             /* cur was ENABLED at the last look */
    int64_t cur_start;           /* cur's first sequence number (orders a table's streams) */
    shard_t **shards; int nshards;
    char reason[600];            /* StateTransitionReason */
    const char *result;          /* LastProcessingResult */
    int64_t invocations, errors;
    int64_t seen_seq;            /* st->stream_seq at the last pass */
    int64_t check_ms;            /* the last pass */
    int64_t wake_ms;             /* timed work (retry, window, waiting for a stream); 0 none */
    int force;                   /* a pass is due at once */
    int idle;                    /* the last pass found nothing to do */
    int waiting;                 /* no table or stream: poll every WAIT_POLL_MS */
} tmap_t;

struct trig_engine {
    tmap_t **maps; int nmaps;
    callback_t *cbs;
    trig_runner_t runner; int has_runner;
    uint64_t next_id;
    int64_t backoff_ms;
    int polling;                 /* inside trig_poll (a handler calling back in is ignored) */
    uint64_t rnd[2];
};

/* ---- small helpers ----------------------------------------------------------------------- */

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct trig_engine *engine(ddb_t *ddb)
{
    if (!ddb->trig) {
        struct trig_engine *e = xcalloc(1, sizeof *e);
        const char *b = getenv("DDBLOCAL_TRIGGER_BACKOFF_MS");
        e->backoff_ms = b && atoll(b) > 0 ? atoll(b) : BACKOFF_BASE_MS;
        int fd = open("/dev/urandom", O_RDONLY);
        if (fd < 0 || read(fd, e->rnd, sizeof e->rnd) != (ssize_t)sizeof e->rnd) {
            e->rnd[0] = (uint64_t)time(NULL) ^ 0x9E3779B97F4A7C15ull;
            e->rnd[1] = (uint64_t)getpid() * 0xBF58476D1CE4E5B9ull + (uint64_t)mono_ms();
        }
        if (fd >= 0) close(fd);
        if (!e->rnd[0] && !e->rnd[1]) e->rnd[0] = 1;
        ddb->trig = e;
    }
    return ddb->trig;
}

/* A random UUID v4 (request ids), xorshift128+ seeded from /dev/urandom. */
static void uuid4(struct trig_engine *e, char out[37])
{
    uint64_t v[2];
    for (int i = 0; i < 2; i++) {
        uint64_t s1 = e->rnd[0];
        const uint64_t s0 = e->rnd[1];
        e->rnd[0] = s0;
        s1 ^= s1 << 23;
        e->rnd[1] = s1 ^ s0 ^ (s1 >> 17) ^ (s0 >> 26);
        v[i] = e->rnd[1] + s0;
    }
    uint64_t a = (v[0] & ~0xF000ull) | 0x4000ull;
    uint64_t b = (v[1] & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;
    snprintf(out, 37, "%08x-%04x-%04x-%04x-%012llx", (unsigned)(a >> 32), (unsigned)((a >> 16) & 0xFFFF),
             (unsigned)(a & 0xFFFF), (unsigned)(b >> 48), (unsigned long long)(b & 0xFFFFFFFFFFFFull));
}

/* Notes about a mapping (state changes, discards, storage errors) on stderr. They start with
 * "ddblocal: " so that the lines starting with "trigger " are exactly the invocation lines of
 * the agreed format (apply()), one per invocation, as log readers count them. */
static void logm(const tmap_t *tm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logm(const tmap_t *tm, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "ddblocal: trigger %s %.8s: ", tm->m->function_name, tm->m->uuid);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* ISO-8601 UTC with milliseconds, as Lambda's OnFailure records write times. */
static void iso_time(int64_t ms, char out[80])
{
    if (ms < 0) ms = 0;
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    snprintf(out, 80, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

static void seq_str(int64_t seq, char out[24])
{
    snprintf(out, 24, "%021lld", (long long)seq);
}

/* The database's sequence counter as stream.c keeps it (st->stream_seq = c + 1, c the number the
 * next change takes), read the way stream.c's load_seq reads it when nothing has been written
 * since the database was opened. Every stream record and every new stream moves it, which is
 * what makes trig_poll cheap: an unchanged counter means no new records. 0 on error. */
static int64_t store_seq(store_t *st)
{
    if (st->stream_seq) return st->stream_seq;
    err_t e = {0};
    sqlite3_stmt *s = store_stmt(st, "SELECT (SELECT max(SequenceNumber) FROM us), "
                                 "(SELECT max(InitialSequenceNumberStart) FROM ss)", &e);
    if (s && sqlite3_step(s) == SQLITE_ROW) {
        int64_t a = sqlite3_column_type(s, 0) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, 0);
        int64_t b = sqlite3_column_type(s, 1) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, 1);
        int64_t c = a >= 0 ? a + 1 : 0;
        if (b > c) c = b;
        st->stream_seq = c + 1;
    }
    if (s) sqlite3_reset(s);
    err_fini(&e);
    return st->stream_seq;
}

/* ---- persistent state ---------------------------------------------------------------------- */

static const char *const TRIG_SCHEMA =
    "CREATE TABLE IF NOT EXISTS ddblocal_trigger_mapping (UUID TEXT PRIMARY KEY, CreatedSeq INTEGER, "
    "CreatedMs INTEGER, Config TEXT, StreamArn TEXT);"
    "CREATE TABLE IF NOT EXISTS ddblocal_trigger_checkpoint (UUID TEXT, StreamArn TEXT, ShardID TEXT, "
    "SequenceNumber INTEGER, PRIMARY KEY(UUID, ShardID));";

static void mapping_config(const trig_mapping_t *m, sb_t *sb);

/* Creates the tables if needed and reads (recording it on first start) when the mapping first
 * existed and which stream it reads. 0, or -1 with e set. */
static int load_mapping(tmap_t *tm, err_t *e)
{
    store_t *st = tm->st;
    if (store_exec(st, TRIG_SCHEMA, e) < 0) return -1;
    int64_t seq = store_seq(st);
    if (!seq) return err_set(e, ERR_INTERNAL, "cannot read the stream sequence counter");
    sb_t cfg;
    sb_init(&cfg);
    mapping_config(tm->m, &cfg);
    sqlite3_stmt *s = store_stmt(st, "INSERT OR IGNORE INTO ddblocal_trigger_mapping (UUID, CreatedSeq, "
                                 "CreatedMs, Config, StreamArn) VALUES (?1, ?2, ?3, ?4, NULL)", e);
    int rc = -1;
    if (s) {
        sqlite3_bind_text(s, 1, tm->m->uuid, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, seq - 1);
        sqlite3_bind_int64(s, 3, stream_clock(now_ms()));
        sqlite3_bind_text(s, 4, sb_cstr(&cfg), (int)cfg.len, SQLITE_STATIC);
        rc = sqlite3_step(s) == SQLITE_DONE ? 0 : store_error(st, e);
        sqlite3_reset(s);
    }
    sb_fini(&cfg);
    if (rc < 0) return -1;
    if (!(s = store_stmt(st, "SELECT CreatedSeq, StreamArn FROM ddblocal_trigger_mapping WHERE UUID=?1", e)))
        return -1;
    sqlite3_bind_text(s, 1, tm->m->uuid, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_ROW) {
        sqlite3_reset(s);
        return store_error(st, e);
    }
    tm->created_seq = sqlite3_column_int64(s, 0);
    const unsigned char *arn = sqlite3_column_text(s, 1);
    free(tm->cur);
    tm->cur = arn ? xstrdup((const char *)arn) : NULL;
    sqlite3_reset(s);
    return 0;
}

static void save_stream(tmap_t *tm)
{
    err_t e = {0};
    sqlite3_stmt *s = store_stmt(tm->st, "UPDATE ddblocal_trigger_mapping SET StreamArn=?2 WHERE UUID=?1", &e);
    if (s) {
        sqlite3_bind_text(s, 1, tm->m->uuid, -1, SQLITE_STATIC);
        if (tm->cur) sqlite3_bind_text(s, 2, tm->cur, -1, SQLITE_STATIC);
        if (sqlite3_step(s) != SQLITE_DONE) store_error(tm->st, &e);
        sqlite3_reset(s);
    }
    if (e.code != ERR_NONE) logm(tm, "cannot record the stream read: %s", e.msg ? e.msg : "");
    err_fini(&e);
}

/* Moves sh's checkpoint to seq, in memory and (its own transaction) in the database. */
static void save_ckpt(tmap_t *tm, shard_t *sh, int64_t seq)
{
    sh->ckpt = seq;
    sh->has_ckpt = 1;
    store_t *st = tm->st;
    err_t e = {0};
    int rc = store_begin(st, &e);
    if (rc == 0) {
        sqlite3_stmt *s = store_stmt(st, "INSERT OR REPLACE INTO ddblocal_trigger_checkpoint (UUID, StreamArn, "
                                     "ShardID, SequenceNumber) VALUES (?1, ?2, ?3, ?4)", &e);
        if (!s) {
            rc = -1;
        } else {
            sqlite3_bind_text(s, 1, tm->m->uuid, -1, SQLITE_STATIC);
            sqlite3_bind_text(s, 2, tm->cur ? tm->cur : "", -1, SQLITE_STATIC);
            sqlite3_bind_text(s, 3, sh->id, -1, SQLITE_STATIC);
            sqlite3_bind_int64(s, 4, seq);
            if (sqlite3_step(s) != SQLITE_DONE) rc = store_error(st, &e);
            sqlite3_reset(s);
        }
    }
    if (rc == 0) rc = store_commit(st, &e);
    if (rc < 0) {
        store_rollback(st);
        logm(tm, "cannot save the checkpoint of shard %s: %s", sh->id, e.msg ? e.msg : "");
    }
    err_fini(&e);
}

static int load_ckpt(tmap_t *tm, shard_t *sh)
{
    err_t e = {0};
    sqlite3_stmt *s = store_stmt(tm->st, "SELECT SequenceNumber FROM ddblocal_trigger_checkpoint WHERE UUID=?1 "
                                 "AND ShardID=?2", &e);
    int rc = -1;
    if (s) {
        sqlite3_bind_text(s, 1, tm->m->uuid, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, sh->id, -1, SQLITE_STATIC);
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) {
            sh->ckpt = sqlite3_column_int64(s, 0);
            sh->has_ckpt = 1;
        }
        rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_error(tm->st, &e);
        sqlite3_reset(s);
    }
    if (rc < 0) logm(tm, "cannot read the checkpoint of shard %s: %s", sh->id, e.msg ? e.msg : "");
    err_fini(&e);
    return rc;
}

/* The stream clock time a record was written (us.CreationDateTime, exact, where the event's
 * ApproximateCreationDateTime is rounded down to the minute); -1 when it is gone. */
static int64_t record_time(store_t *st, const char *shard, int64_t seq)
{
    err_t e = {0};
    int64_t t = -1;
    sqlite3_stmt *s = store_stmt(st, "SELECT CreationDateTime FROM us WHERE SequenceNumber=?1 AND ShardID=?2", &e);
    if (s) {
        sqlite3_bind_int64(s, 1, seq);
        sqlite3_bind_text(s, 2, shard, -1, SQLITE_STATIC);
        if (sqlite3_step(s) == SQLITE_ROW) t = sqlite3_column_int64(s, 0);
        sqlite3_reset(s);
    }
    err_fini(&e);
    return t;
}

/* ---- shards -------------------------------------------------------------------------------- */

static void shard_clear_result(shard_t *sh)
{
    free(sh->resp);
    free(sh->detail);
    sh->resp = sh->detail = NULL;
    sh->resp_len = 0;
    sh->has_result = 0;
}

static void shard_free(shard_t *sh)
{
    if (!sh) return;
    free(sh->id);
    free(sh->parent);
    sb_fini(&sh->text);
    free(sh->held);
    free(sh->ranges);
    free(sh->event);
    shard_clear_result(sh);
    free(sh);
}

static void drop_shards(tmap_t *tm)
{
    for (int i = 0; i < tm->nshards; i++) shard_free(tm->shards[i]);
    free(tm->shards);
    tm->shards = NULL;
    tm->nshards = 0;
}

static shard_t *find_shard(tmap_t *tm, const char *id)
{
    for (int i = 0; i < tm->nshards; i++)
        if (!strcmp(tm->shards[i]->id, id)) return tm->shards[i];
    return NULL;
}

static int shard_busy(const shard_t *sh)
{
    return sh->call_id || sh->has_result;
}

/* Re-reads the shards of tm->cur (oldest first): new shards with their saved checkpoints,
 * closed ends; shards trimmed by retention are forgotten (unless an invocation is out). */
static int refresh_shards(tmap_t *tm)
{
    shard_row_t *rows;
    int n;
    err_t e = {0};
    if (stream_shards(tm->st, tm->cur, &rows, &n, &e) < 0) {
        logm(tm, "cannot list the shards of %s: %s", tm->cur, e.msg ? e.msg : "");
        err_fini(&e);
        return -1;
    }
    for (int i = 0; i < tm->nshards; i++) tm->shards[i]->listed = 0;
    shard_t **next = xcalloc((size_t)n + (size_t)tm->nshards + 1, sizeof *next);
    int k = 0;
    for (int i = 0; i < n; i++) {
        shard_t *sh = find_shard(tm, rows[i].id);
        if (!sh) {
            sh = xcalloc(1, sizeof *sh);
            sb_init(&sh->text);
            sh->id = xstrdup(rows[i].id);
            sh->parent = rows[i].parent ? xstrdup(rows[i].parent) : NULL;
            load_ckpt(tm, sh);
        }
        sh->end = rows[i].end;
        sh->listed = 1;
        next[k++] = sh;
    }
    for (int i = 0; i < tm->nshards; i++) {
        shard_t *sh = tm->shards[i];
        if (sh->listed) continue;
        if (shard_busy(sh)) {
            next[k++] = sh;   /* trimmed while its batch is out: kept until it comes back */
            sh->done = 1;
        } else {
            if (sh->nheld) logm(tm, "shard %s expired with %d undelivered records", sh->id, sh->nheld);
            shard_free(sh);
        }
    }
    free(tm->shards);
    tm->shards = next;
    tm->nshards = k;
    shard_rows_free(rows, n);
    return 0;
}

/* Where reading sh goes on: after its checkpoint, else at the starting position. */
static int64_t shard_pos(const tmap_t *tm, const shard_t *sh)
{
    if (sh->has_ckpt) return sh->ckpt + 1;
    return tm->m->latest ? tm->created_seq : 0;
}

/* ---- which stream ------------------------------------------------------------------------ */

static void set_reason(tmap_t *tm, int waiting, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_reason(tmap_t *tm, int waiting, const char *fmt, ...)
{
    char buf[sizeof tm->reason];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (strcmp(buf, tm->reason) != 0) {
        snprintf(tm->reason, sizeof tm->reason, "%s", buf);
        if (waiting) logm(tm, "%s", buf);
    }
    tm->waiting = waiting;
}

typedef struct stream_info {
    char *arn;
    int enabled;
    int64_t start;   /* its first shard's InitialSequenceNumberStart; -1: no shard left */
} stream_info_t;

/* The streams of tm's table (or the one stream of tm's EventSourceArn), by first sequence
 * number. */
static int list_streams(tmap_t *tm, stream_info_t **out, int *n)
{
    err_t e = {0};
    const trig_mapping_t *m = tm->m;
    sqlite3_stmt *s = store_stmt(tm->st, m->stream_arn
        ? "SELECT StreamID, StreamStatus, (SELECT min(InitialSequenceNumberStart) FROM ss WHERE "
          "ss.StreamID=sm.StreamID) FROM sm WHERE StreamID=?1"
        : "SELECT StreamID, StreamStatus, (SELECT min(InitialSequenceNumberStart) FROM ss WHERE "
          "ss.StreamID=sm.StreamID) AS st FROM sm WHERE TableName=?1 ORDER BY st, CreationDateTime", &e);
    *out = NULL;
    *n = 0;
    if (!s) goto fail;
    sqlite3_bind_text(s, 1, m->stream_arn ? m->stream_arn : m->table, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        *out = xrealloc(*out, (size_t)(*n + 1) * sizeof **out);
        stream_info_t *si = &(*out)[(*n)++];
        si->arn = xstrdup((const char *)sqlite3_column_text(s, 0));
        const unsigned char *status = sqlite3_column_text(s, 1);
        si->enabled = status && !strcmp((const char *)status, "ENABLED");
        si->start = sqlite3_column_type(s, 2) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, 2);
    }
    sqlite3_reset(s);
    if (rc == SQLITE_DONE) return 0;
    store_error(tm->st, &e);
fail:
    logm(tm, "cannot list streams: %s", e.msg ? e.msg : "");
    err_fini(&e);
    return -1;
}

static void free_streams(stream_info_t *v, int n)
{
    for (int i = 0; i < n; i++) free(v[i].arn);
    free(v);
}

static void switch_stream(tmap_t *tm, const char *arn, int64_t start)
{
    drop_shards(tm);
    free(tm->cur);
    tm->cur = arn ? xstrdup(arn) : NULL;
    tm->cur_start = start;
    save_stream(tm);
    if (arn) logm(tm, "reading stream %s", arn);
}

/* Decides the stream tm reads and its StateTransitionReason; refreshes its shards. A stream
 * that is finished (disabled, every shard processed to its end: all_done) gives way to the
 * next stream of the table, read from its start. */
static void sync_stream(tmap_t *tm, int all_done)
{
    const trig_mapping_t *m = tm->m;
    stream_info_t *v;
    int n;
    if (list_streams(tm, &v, &n) < 0) return;
    const stream_info_t *cur = NULL, *enabled = NULL;
    /* an invocation out holds the event of a shard: the stream stays until it is back */
    int busy = 0;
    for (int i = 0; i < tm->nshards; i++) busy |= shard_busy(tm->shards[i]);
    for (int i = 0; i < n; i++) {
        if (tm->cur && !strcmp(v[i].arn, tm->cur)) cur = &v[i];
        if (v[i].enabled) enabled = &v[i];
    }
    if (m->stream_arn) {
        if (!cur && n == 1 && !busy) {
            switch_stream(tm, v[0].arn, v[0].start);
            cur = &v[0];
        }
        if (!cur) {
            if (tm->cur && !busy) switch_stream(tm, NULL, 0);
            set_reason(tm, 1, "Stream %s does not exist", m->stream_arn);
        } else {
            set_reason(tm, 0, "User action");
        }
    } else {
        const stream_info_t *pick = NULL;
        if (busy) {
            /* stays */
        } else if (!tm->cur) {
            /* the stream enabled when the mapping first existed, else the first one enabled
             * after it (its first shard starts after the counter then) */
            for (int i = 0; i < n && !pick; i++)
                if (v[i].start >= 0 && (v[i].enabled || v[i].start > tm->created_seq)) pick = &v[i];
        } else if (!cur || (!cur->enabled && all_done)) {
            /* finished (or trimmed away): the next stream of the table */
            int64_t after = cur && cur->start >= 0 ? cur->start : tm->cur_start ? tm->cur_start : tm->created_seq;
            for (int i = 0; i < n && !pick; i++)
                if (v[i].start > after && (!cur || &v[i] != cur)) pick = &v[i];
            if (!pick && !cur) switch_stream(tm, NULL, 0);
        }
        if (pick) {
            switch_stream(tm, pick->arn, pick->start);
            cur = pick;
        }
        table_t *t = NULL;
        err_t e = {0};
        int found = catalog_get(tm->st, m->table, &t, &e);
        err_fini(&e);
        if (found == 0)
            set_reason(tm, !cur, "Table %s does not exist", m->table);
        else if (!enabled)
            set_reason(tm, !cur, "Table %s has no stream enabled", m->table);
        else
            set_reason(tm, 0, "User action");
    }
    if (cur) {
        tm->cur_enabled = cur->enabled;
        if (cur->start >= 0) tm->cur_start = cur->start;
    }
    free_streams(v, n);
    if (tm->cur) refresh_shards(tm);
}

/* ---- events ------------------------------------------------------------------------------- */

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    return p;
}

/* The end of the JSON value that starts at p (text stream_read wrote, so well-formed). */
static const char *value_end(const char *p, const char *end)
{
    if (p >= end) return end;
    if (*p == '"') {
        for (p++; p < end; p++) {
            if (*p == '\\') p++;
            else if (*p == '"') return p + 1;
        }
        return end;
    }
    if (*p == '{' || *p == '[') {
        int depth = 0;
        for (; p < end; p++) {
            if (*p == '"') {
                p = value_end(p, end) - 1;
            } else if (*p == '{' || *p == '[') {
                depth++;
            } else if ((*p == '}' || *p == ']') && --depth == 0) {
                return p + 1;
            }
        }
        return end;
    }
    while (p < end && !strchr(",}] \t\r\n", *p)) p++;
    return p;
}

typedef struct member {
    const char *key, *kend, *val, *vend;
} member_t;

/* The next member of an object whose members continue at *pp: 1, or 0 at its end. */
static int next_member(const char **pp, const char *end, member_t *mb)
{
    const char *p = skip_ws(*pp, end);
    if (p < end && *p == ',') p = skip_ws(p + 1, end);
    if (p >= end || *p != '"') return 0;
    mb->key = p;
    mb->kend = value_end(p, end);
    p = skip_ws(mb->kend, end);
    if (p >= end || *p != ':') return 0;
    mb->val = skip_ws(p + 1, end);
    mb->vend = value_end(mb->val, end);
    *pp = mb->vend;
    return 1;
}

static int key_is(const member_t *mb, const char *k)
{
    size_t n = strlen(k);
    return (size_t)(mb->kend - mb->key) == n + 2 && !memcmp(mb->key + 1, k, n);
}

static void put_member(sb_t *out, const member_t *mb)
{
    sb_add(out, mb->key, (size_t)(mb->kend - mb->key));
    sb_putc(out, ':');
    sb_add(out, mb->val, (size_t)(mb->vend - mb->val));
}

/* Writes one GetRecords record (stream_read's text [p, end)) as the Lambda event has it
 * (lambda-triggers.md §1.1): every member as is, except ApproximateCreationDateTime written as
 * the reference event writes it (1795493460.0 where DynamoDB Local writes 1795493460.000, still
 * a JSON number) and userIdentity's members renamed principalId / type; then "eventSourceARN"
 * last. *seq is its sequence number. Returns -1 when the text is not a record. */
static int event_record(sb_t *out, const char *p, const char *end, const char *arn, int64_t *seq)
{
    p = skip_ws(p, end);
    if (p >= end || *p != '{') return -1;
    p++;
    *seq = -1;
    sb_putc(out, '{');
    member_t mb;
    int n = 0;
    while (next_member(&p, end, &mb)) {
        if (n++) sb_putc(out, ',');
        if (key_is(&mb, "dynamodb") && *mb.val == '{') {
            sb_add(out, mb.key, (size_t)(mb.kend - mb.key));
            sb_puts(out, ":{");
            const char *q = mb.val + 1;
            member_t d;
            int k = 0;
            while (next_member(&q, mb.vend, &d)) {
                if (k++) sb_putc(out, ',');
                if (key_is(&d, "ApproximateCreationDateTime") && memchr(d.val, '.', (size_t)(d.vend - d.val)) &&
                    !memchr(d.val, 'e', (size_t)(d.vend - d.val)) && !memchr(d.val, 'E', (size_t)(d.vend - d.val))) {
                    const char *v = d.vend;
                    while (v[-1] == '0' && v[-2] != '.') v--;
                    sb_add(out, d.key, (size_t)(d.kend - d.key));
                    sb_putc(out, ':');
                    sb_add(out, d.val, (size_t)(v - d.val));
                    continue;
                }
                if (key_is(&d, "SequenceNumber") && *d.val == '"') *seq = strtoll(d.val + 1, NULL, 10);
                put_member(out, &d);
            }
            sb_putc(out, '}');
        } else if (key_is(&mb, "userIdentity") && *mb.val == '{') {
            sb_puts(out, "\"userIdentity\":{");
            const char *q = mb.val + 1;
            member_t u;
            int k = 0;
            while (next_member(&q, mb.vend, &u)) {
                if (k++) sb_putc(out, ',');
                if (key_is(&u, "PrincipalId")) sb_puts(out, "\"principalId\"");
                else if (key_is(&u, "Type")) sb_puts(out, "\"type\"");
                else sb_add(out, u.key, (size_t)(u.kend - u.key));
                sb_putc(out, ':');
                sb_add(out, u.val, (size_t)(u.vend - u.val));
            }
            sb_putc(out, '}');
        } else {
            put_member(out, &mb);
        }
    }
    if (n) sb_putc(out, ',');
    sb_puts(out, "\"eventSourceARN\":");
    sb_json_str(out, arn, strlen(arn));
    sb_putc(out, '}');
    return *seq >= 0 ? 0 : -1;
}

/* 1 when the record (event text) passes the mapping's FilterCriteria: any filter matches. */
static int record_kept(const trig_mapping_t *m, const char *text, size_t len)
{
    if (m->nfilters == 0) return 1;
    cJSON *rec = json_parse(text, len, NULL);
    int keep = 0;
    for (int i = 0; rec && i < m->nfilters && !keep; i++) keep = trig_filter_match(m->filters[i], rec);
    cJSON_Delete(rec);
    return keep;
}

/* The event of the current batch (held records [0, ranges[0].end)) into out. */
static void build_event(const shard_t *sh, sb_t *out)
{
    sb_puts(out, "{\"Records\":[");
    for (int i = 0; i < sh->ranges[0].end; i++) {
        if (i) sb_putc(out, ',');
        sb_add(out, sh->text.buf + sh->held[i].off, sh->held[i].len);
    }
    sb_puts(out, "]}");
}

static void hold(shard_t *sh, const char *text, size_t len, int64_t seq)
{
    if (sh->nheld == sh->capheld) {
        sh->capheld = sh->capheld ? sh->capheld * 2 : 16;
        sh->held = xrealloc(sh->held, (size_t)sh->capheld * sizeof *sh->held);
    }
    held_t *h = &sh->held[sh->nheld++];
    h->seq = seq;
    h->off = sh->text.len;
    h->len = len;
    sb_add(&sh->text, text, len);
}

/* Forgets the first k held records (delivered, or discarded) and the ranges they end. */
static void unhold(shard_t *sh, int k)
{
    if (k <= 0) return;
    size_t cut = k < sh->nheld ? sh->held[k].off : sh->text.len;
    memmove(sh->text.buf, sh->text.buf + cut, sh->text.len - cut);
    sh->text.len -= cut;
    memmove(sh->held, sh->held + k, (size_t)(sh->nheld - k) * sizeof *sh->held);
    sh->nheld -= k;
    for (int i = 0; i < sh->nheld; i++) sh->held[i].off -= cut;
    int r = 0;
    while (r < sh->nranges && sh->ranges[r].end <= k) r++;
    memmove(sh->ranges, sh->ranges + r, (size_t)(sh->nranges - r) * sizeof *sh->ranges);
    sh->nranges -= r;
    for (int i = 0; i < sh->nranges; i++) sh->ranges[i].end -= k;
}

/* ---- outcomes ----------------------------------------------------------------------------- */

static int64_t backoff(const struct trig_engine *e, int tries)
{
    int64_t d = e->backoff_ms;
    for (int i = 1; i < tries && d < BACKOFF_MAX_MS; i++) d *= 2;
    int64_t cap = e->backoff_ms > BACKOFF_MAX_MS ? e->backoff_ms : BACKOFF_MAX_MS;
    return d < cap ? d : cap;
}

/* Appends the OnFailure invocation record (lambda-triggers.md §6) of the current batch, with
 * the event as "payload" (as S3 destinations have it), to the destination file: one line,
 * flushed and synced so a test can read it at once. */
static void write_on_failure(tmap_t *tm, shard_t *sh, const char *condition, const char *request_id,
                             trig_result_t last, int64_t now_wall)
{
    const trig_mapping_t *m = tm->m;
    const range_t *r = &sh->ranges[0];
    int64_t first = sh->held[0].seq, last_seq = sh->held[r->end - 1].seq;
    char ts[80], a1[80], a2[80], s1[24], s2[24];
    iso_time(stream_clock(now_wall), ts);
    int64_t t1 = record_time(tm->st, sh->id, first), t2 = record_time(tm->st, sh->id, last_seq);
    iso_time(t1 >= 0 ? t1 : 0, a1);
    iso_time(t2 >= 0 ? t2 : 0, a2);
    seq_str(first, s1);
    seq_str(last_seq, s2);
    sb_t sb;
    sb_init(&sb);
    sb_puts(&sb, "{\"requestContext\":{\"requestId\":");
    sb_json_str(&sb, request_id, strlen(request_id));
    sb_puts(&sb, ",\"functionArn\":");
    sb_json_str(&sb, m->function_arn, strlen(m->function_arn));
    sb_printf(&sb, ",\"condition\":\"%s\",\"approximateInvokeCount\":%d},", condition, r->invokes);
    sb_puts(&sb, "\"responseContext\":{\"statusCode\":200,\"executedVersion\":\"$LATEST\"");
    /* only a function that failed has one: not after a partial batch response (the function
     * returned) or when it never got the batch (not delivered, then too old) */
    if (last == TR_FUNCTION_ERROR || last == TR_TIMEOUT) sb_puts(&sb, ",\"functionError\":\"Unhandled\"");
    sb_printf(&sb, "},\"version\":\"1.0\",\"timestamp\":\"%s\",\"DDBStreamBatchInfo\":{\"shardId\":", ts);
    sb_json_str(&sb, sh->id, strlen(sh->id));
    sb_printf(&sb, ",\"startSequenceNumber\":\"%s\",\"endSequenceNumber\":\"%s\","
              "\"approximateArrivalOfFirstRecord\":\"%s\",\"approximateArrivalOfLastRecord\":\"%s\","
              "\"batchSize\":%d,\"streamArn\":", s1, s2, a1, a2, r->end);
    sb_json_str(&sb, tm->cur ? tm->cur : "", strlen(tm->cur ? tm->cur : ""));
    sb_puts(&sb, "},\"payload\":");
    build_event(sh, &sb);
    sb_puts(&sb, "}\n");
    FILE *f = fopen(m->on_failure, "a");
    if (!f || fwrite(sb.buf, 1, sb.len, f) != sb.len || fflush(f) != 0 || fsync(fileno(f)) != 0)
        logm(tm, "cannot write the OnFailure record to %s", m->on_failure);
    if (f) fclose(f);
    sb_fini(&sb);
}

/* The current batch is given up: OnFailure record, log, checkpoint past it. */
static void discard(tmap_t *tm, shard_t *sh, const char *condition, const char *request_id, trig_result_t last,
                    int64_t now_wall)
{
    range_t *r = &sh->ranges[0];
    char s1[24], s2[24];
    seq_str(sh->held[0].seq, s1);
    seq_str(sh->held[r->end - 1].seq, s2);
    if (tm->m->on_failure) write_on_failure(tm, sh, condition, request_id, last, now_wall);
    logm(tm, "discarded %d records %s..%s shard %s (%s after %d invocations)%s%s", r->end, s1, s2, sh->id, condition,
         r->invokes, tm->m->on_failure ? ", OnFailure record written to " : "",
         tm->m->on_failure ? tm->m->on_failure : "");
    save_ckpt(tm, sh, r->cover);
    unhold(sh, r->end);
}

/* What a response says under ReportBatchItemFailures (lambda-triggers.md §4): 0 the whole
 * batch succeeded; 1 records from *k (an index of the batch) on failed; -1 the whole batch
 * failed (an unusable response), with a reason in why. */
static int partial_response(const shard_t *sh, const char *resp, size_t len, int *k, const char **why)
{
    const char *p = skip_ws(resp ? resp : "", resp ? resp + len : "");
    if (!resp || p == resp + len) return 0;                     /* nothing */
    cJSON *j = cJSON_ParseWithLength(resp, len);
    int rc = 0;
    *why = NULL;
    if (!j) { *why = "the response is not JSON"; return -1; }
    if (cJSON_IsNull(j)) goto out;                               /* null */
    if (!cJSON_IsObject(j)) { *why = "the response is not an object"; rc = -1; goto out; }
    const cJSON *bif = cJSON_GetObjectItemCaseSensitive(j, "batchItemFailures");
    if (!bif || cJSON_IsNull(bif)) goto out;                     /* {}, batchItemFailures null */
    if (!cJSON_IsArray(bif)) { *why = "batchItemFailures is not a list"; rc = -1; goto out; }
    int n = sh->ranges[0].end, low = n;
    for (const cJSON *it = bif->child; it; it = it->next) {
        const cJSON *id = cJSON_IsObject(it) ? cJSON_GetObjectItemCaseSensitive(it, "itemIdentifier") : NULL;
        if (!cJSON_IsString(id) || !id->valuestring[0]) {
            *why = "a batchItemFailures entry has no itemIdentifier";
            rc = -1;
            goto out;
        }
        int found = -1;
        for (int i = 0; i < n && found < 0; i++) {
            char s[24];
            seq_str(sh->held[i].seq, s);
            if (!strcmp(s, id->valuestring)) found = i;
        }
        if (found < 0) { *why = "an itemIdentifier is not a SequenceNumber of the batch"; rc = -1; goto out; }
        if (found < low) low = found;
    }
    if (low < n) {
        *k = low;
        rc = 1;
    }
out:
    cJSON_Delete(j);
    return rc;
}

/* Splits the current batch after its first half records. */
static void split(shard_t *sh, int half)
{
    range_t r = sh->ranges[0];
    sh->ranges = xrealloc(sh->ranges, (size_t)(sh->nranges + 1) * sizeof *sh->ranges);
    memmove(sh->ranges + 1, sh->ranges, (size_t)sh->nranges * sizeof *sh->ranges);
    sh->nranges++;
    sh->ranges[0] = r;
    sh->ranges[0].end = half;
    sh->ranges[0].cover = sh->held[half - 1].seq;
    sh->ranges[0].tries = sh->ranges[1].tries = 0;
}

/* Applies the outcome of the current batch's invocation. */
static void apply(struct trig_engine *e, tmap_t *tm, shard_t *sh, trig_result_t res, const char *resp, size_t len,
                  const char *detail, int64_t took, const char *request_id, int64_t now)
{
    const trig_mapping_t *m = tm->m;
    range_t *r = &sh->ranges[0];
    int n = r->end;
    char s1[24], s2[24];
    seq_str(sh->held[0].seq, s1);
    seq_str(sh->held[n - 1].seq, s2);
    int k = 0, outcome = 0;   /* 0 success, 1 partial from k, -1 failed, -2 not delivered */
    const char *why = NULL;
    char what[400];
    if (res == TR_OK) {
        if (m->report_failures) outcome = partial_response(sh, resp, len, &k, &why);
        if (outcome == 0) snprintf(what, sizeof what, "OK");
        else if (outcome == 1) snprintf(what, sizeof what, "PartialFailure from %021lld", (long long)sh->held[k].seq);
        else snprintf(what, sizeof what, "FunctionError: %s", why);
    } else if (res == TR_NOT_DELIVERED) {
        outcome = -2;
        snprintf(what, sizeof what, "NotDelivered: %s", detail ? detail : "");
    } else {
        outcome = -1;
        if (res == TR_TIMEOUT) snprintf(what, sizeof what, "Timeout");
        else snprintf(what, sizeof what, "FunctionError: %s", detail ? detail : "");
    }
    for (char *c = what; *c; c++)   /* an error message may span lines; the log line may not */
        if ((unsigned char)*c < 0x20) *c = ' ';
    /* the agreed invocation line: trigger <FunctionName> <uuid first 8>: <n> records
     * <first seq>..<last seq> shard <shard id> <ms> ms <outcome> */
    fprintf(stderr, "trigger %s %.8s: %d records %s..%s shard %s %lld ms %s\n", m->function_name, m->uuid, n, s1, s2,
            sh->id, (long long)took, what);
    if (outcome == 0) {
        tm->result = "OK";
        save_ckpt(tm, sh, r->cover);
        unhold(sh, n);
        return;
    }
    tm->errors++;
    tm->result = "PROBLEM: Function call failed";
    int64_t now_wall = now_ms();
    if (outcome == 1 && k > 0) {
        /* everything before the lowest reported record succeeded */
        save_ckpt(tm, sh, sh->held[k - 1].seq);
        unhold(sh, k);
        r = &sh->ranges[0];
        n = r->end;
        if (m->bisect) {   /* "split at the returned sequence number": no attempt consumed */
            sh->due_ms = now;
            return;
        }
    }
    if (m->max_age_s >= 0) {
        int64_t t = record_time(tm->st, sh->id, sh->held[0].seq);
        if (t >= 0 && stream_clock(now_wall) - t > (int64_t)m->max_age_s * 1000) {
            discard(tm, sh, "RecordAgeExceeded", request_id, res, now_wall);
            return;
        }
    }
    r->tries++;
    if (outcome != -2) {
        if (m->bisect && n > 1) {
            split(sh, n / 2);
            sh->due_ms = now;
            return;
        }
        r->attempts++;
        if (m->max_retry >= 0 && r->attempts > m->max_retry) {
            discard(tm, sh, "RetryAttemptsExhausted", request_id, res, now_wall);
            return;
        }
    }
    sh->due_ms = now + backoff(e, r->tries);
}

/* ---- invoking ------------------------------------------------------------------------------- */

static callback_t *find_callback(struct trig_engine *e, const char *name)
{
    for (callback_t *c = e->cbs; c; c = c->next)
        if (!strcmp(c->name, name)) return c;
    return NULL;
}

/* Invokes the current batch of sh: builtin: and c: at once (outcome applied here), the other
 * kinds through the runner (in flight until trig_done). */
static void invoke(ddb_t *ddb, tmap_t *tm, shard_t *sh, int64_t now)
{
    struct trig_engine *e = ddb->trig;
    const trig_mapping_t *m = tm->m;
    sb_t ev;
    sb_init(&ev);
    build_event(sh, &ev);
    sb_cstr(&ev);
    char rid[37];
    uuid4(e, rid);
    tm->invocations++;
    sh->ranges[0].invokes++;
    int64_t t0 = mono_ms();
    trig_result_t res = TR_NOT_DELIVERED;
    char *resp = NULL;
    size_t resp_len = 0;
    sb_t detail;
    sb_init(&detail);
    if (m->kind == TK_CALLBACK) {
        callback_t *cb = find_callback(e, m->target);
        if (!cb) {
            sb_printf(&detail, "no callback c:%s is registered", m->target);
        } else {
            int rc = cb->fn(cb->arg, ev.buf, ev.len, &resp);
            if (rc == 0) {
                res = TR_OK;
                resp_len = resp ? strlen(resp) : 0;
            } else {
                res = TR_FUNCTION_ERROR;
                sb_printf(&detail, "c:%s returned %d", m->target, rc);
            }
        }
    } else if (m->kind == TK_BUILTIN) {
        trig_builtin_fn fn = trig_builtin_find(m->target);
        cJSON *j = json_parse(ev.buf, ev.len, NULL);
        if (!fn) {
            sb_printf(&detail, "no builtin %s", m->target);
        } else {
            sb_t out;
            sb_init(&out);
            res = fn(ddb, m, j, &out, &detail) == 0 ? TR_OK : TR_FUNCTION_ERROR;
            resp = sb_take(&out, &resp_len);
            if (res == TR_OK) sb_reset(&detail);
            else if (!detail.len) sb_printf(&detail, "builtin:%s failed", m->target);
        }
        cJSON_Delete(j);
    } else if (!e->has_runner) {
        sb_puts(&detail, NO_RUNNER);
    } else {
        uint64_t id = ++e->next_id;
        sh->call_id = id;
        sh->event_len = ev.len;
        sh->event = sb_take(&ev, NULL);
        snprintf(sh->request_id, sizeof sh->request_id, "%s", rid);
        sh->started = t0;
        trig_call_t call = {id, m, sh->event, sh->event_len, sh->request_id, now + (int64_t)m->timeout_s * 1000};
        if (e->runner.start(e->runner.arg, &call) == 0) {
            sb_fini(&detail);
            return;
        }
        sh->call_id = 0;
        free(sh->event);
        sh->event = NULL;
        sb_puts(&detail, "the runner could not start the handler");
    }
    sb_fini(&ev);
    apply(e, tm, sh, res, resp, resp_len, detail.len ? sb_cstr(&detail) : NULL, mono_ms() - t0, rid, now);
    free(resp);
    sb_fini(&detail);
}

/* ---- one pass over a mapping ------------------------------------------------------------------ */

enum { STEP_IDLE, STEP_WORK, STEP_WAIT };

static void wake_at(tmap_t *tm, int64_t when)
{
    if (!tm->wake_ms || when < tm->wake_ms) tm->wake_ms = when;
}

/* Reads records after sh's position into a new batch (filters applied, at most BatchSize
 * records and MAX_PAYLOAD bytes), honouring the batching window, and invokes it. Records read
 * while a window is open stay held (sh->held with no range yet), so a long window with many
 * writes reads each record once. */
static int fill(ddb_t *ddb, tmap_t *tm, shard_t *sh, int64_t now)
{
    const trig_mapping_t *m = tm->m;
    int kept = sh->nheld;
    int64_t consumed = kept ? sh->held_to : -1;
    int64_t pos = kept ? sh->held_to + 1 : shard_pos(tm, sh);
    size_t size = 13 + sh->text.len + (size_t)(kept ? kept - 1 : 0);   /* {"Records":[...]} */
    int scanned = 0, at_end = 0, full = kept >= m->batch_size;
    sb_t buf, rec;
    sb_init(&buf);
    sb_init(&rec);
    err_t e = {0};
    while (!full && !at_end && scanned < SCAN_MAX) {
        int want = m->batch_size - kept;
        if (m->nfilters && want < 100) want = 100;
        if (want > READ_CHUNK) want = READ_CHUNK;
        int64_t last;
        sb_reset(&buf);
        int n = stream_read(tm->st, sh->id, pos, want, &buf, &last, &e);
        if (n < 0) {
            logm(tm, "cannot read shard %s: %s", sh->id, e.msg ? e.msg : "");
            err_fini(&e);
            break;
        }
        if (n < want) at_end = 1;
        const char *p = buf.buf, *end = buf.buf + buf.len;
        for (int i = 0; i < n; i++) {
            p = skip_ws(p, end);
            if (p < end && *p == ',') p = skip_ws(p + 1, end);
            const char *q = value_end(p, end);
            int64_t seq;
            sb_reset(&rec);
            if (event_record(&rec, p, q, tm->cur, &seq) < 0) {
                logm(tm, "unreadable record in shard %s after %lld", sh->id, (long long)pos);
                at_end = 1;
                break;
            }
            p = q;
            scanned++;
            if (!record_kept(m, rec.buf, rec.len)) {
                consumed = seq;
                continue;
            }
            if (kept > 0 && size + rec.len + 1 > MAX_PAYLOAD) {
                full = 1;
                at_end = 0;
                break;
            }
            hold(sh, rec.buf, rec.len, seq);
            size += rec.len + (kept ? 1 : 0);
            consumed = seq;
            if (++kept == m->batch_size) {
                full = 1;
                at_end = 0;
                break;
            }
        }
        pos = last + 1;
    }
    sb_fini(&buf);
    sb_fini(&rec);
    if (kept == 0) {
        sh->window_ms = 0;
        if (scanned == 0) {
            if (sh->end < 0 || !at_end) return STEP_IDLE;
            sh->done = 1;      /* its children may start: another pass */
            return STEP_WORK;
        }
        save_ckpt(tm, sh, consumed);   /* only filtered records: move past them */
        return STEP_WORK;
    }
    if (!full && m->window_s > 0 && !(sh->end >= 0 && at_end)) {
        if (!sh->window_ms) sh->window_ms = now;
        int64_t due = sh->window_ms + (int64_t)m->window_s * 1000;
        if (now < due) {
            sh->held_to = consumed;
            wake_at(tm, due);
            return STEP_WAIT;
        }
    }
    sh->window_ms = 0;
    sh->ranges = xrealloc(sh->ranges, sizeof *sh->ranges);
    sh->nranges = 1;
    sh->ranges[0] = (range_t){.end = kept, .cover = consumed};
    if (m->max_age_s >= 0) {
        /* Lambda never sends records older than MaximumRecordAgeInSeconds: the leading ones
         * (records are in time order) go to OnFailure without an invocation. */
        int64_t wall = now_ms(), limit = stream_clock(wall) - (int64_t)m->max_age_s * 1000;
        int old = 0;
        while (old < kept) {
            int64_t t = record_time(tm->st, sh->id, sh->held[old].seq);
            if (t < 0 || t >= limit) break;
            old++;
        }
        if (old > 0) {
            char rid[37];
            uuid4(ddb->trig, rid);
            sh->held_to = consumed;
            sh->ranges[0] = (range_t){.end = old, .cover = old == kept ? consumed : sh->held[old - 1].seq};
            discard(tm, sh, "RecordAgeExceeded", rid, TR_OK, wall);
            return STEP_WORK;
        }
    }
    invoke(ddb, tm, sh, now);
    return STEP_WORK;
}

static int step(ddb_t *ddb, tmap_t *tm, shard_t *sh, int64_t now)
{
    if (sh->call_id) return STEP_WAIT;
    if (sh->has_result) {
        apply(ddb->trig, tm, sh, sh->res, sh->resp, sh->resp_len, sh->detail, sh->took_ms, sh->request_id, now);
        shard_clear_result(sh);
        free(sh->event);
        sh->event = NULL;
        return STEP_WORK;
    }
    if (sh->nranges) {
        if (now < sh->due_ms) {
            wake_at(tm, sh->due_ms);
            return STEP_WAIT;
        }
        invoke(ddb, tm, sh, now);
        return STEP_WORK;
    }
    return fill(ddb, tm, sh, now);
}

/* Runs the stream retention and rollover GetRecords runs (stream_maintain, at most once a
 * second), so a mapping never delivers a record GetRecords no longer returns. */
static void retention(tmap_t *tm)
{
    int64_t now = stream_clock(now_ms());
    if (tm->st->stream_maint_ms && now - tm->st->stream_maint_ms < 1000 && now >= tm->st->stream_maint_ms)
        return;
    err_t e = {0};
    if (store_begin(tm->st, &e) == 0) {
        if (stream_maintain(tm->st, now_ms(), &e) < 0 || store_commit(tm->st, &e) < 0) {
            store_rollback(tm->st);
            logm(tm, "stream retention failed: %s", e.msg ? e.msg : "");
        }
    }
    err_fini(&e);
}

/* One pass: the stream state, then at most one batch per shard whose parent is done. */
static void pass(ddb_t *ddb, tmap_t *tm, int64_t now)
{
    tm->wake_ms = 0;
    tm->force = 0;
    tm->check_ms = now;
    tm->seen_seq = store_seq(tm->st);
    retention(tm);
    sync_stream(tm, 0);
    int work = 0, wait = 0;
    for (int i = 0; i < tm->nshards; i++) {
        shard_t *sh = tm->shards[i];
        if (sh->done && !shard_busy(sh)) continue;
        shard_t *parent = sh->parent ? find_shard(tm, sh->parent) : NULL;
        if (parent && (!parent->done || shard_busy(parent))) continue;
        int s = step(ddb, tm, sh, now);
        if (s == STEP_WORK) work = 1;
        else if (s == STEP_WAIT) wait = 1;
    }
    if (!work && !wait && tm->cur && !tm->cur_enabled && !tm->m->stream_arn) {
        int all = 1;
        for (int i = 0; i < tm->nshards; i++)
            if (!tm->shards[i]->done) all = 0;
        if (all) {
            char *before = tm->cur ? xstrdup(tm->cur) : NULL;
            sync_stream(tm, 1);
            if (tm->cur && (!before || strcmp(before, tm->cur))) work = 1;   /* read the next stream now */
            free(before);
        }
    }
    if (work) tm->force = 1;
    if (tm->waiting) wake_at(tm, now + WAIT_POLL_MS);
    tm->idle = !work && !wait;
}

/* ---- the engine API -------------------------------------------------------------------------- */

void trig_set_runner(ddb_t *ddb, const trig_runner_t *runner)
{
    struct trig_engine *e = engine(ddb);
    if (runner) e->runner = *runner;
    e->has_runner = runner != NULL;
}

/* A short JSON summary of the mapping's parameters (the Config column). */
static void mapping_config(const trig_mapping_t *m, sb_t *sb)
{
    sb_puts(sb, "{\"FunctionName\":");
    sb_json_str(sb, m->function_name, strlen(m->function_name));
    sb_puts(sb, ",\"Handler\":");
    sb_json_str(sb, m->handler, strlen(m->handler));
    sb_puts(sb, ",\"TableName\":");
    sb_json_str(sb, m->table ? m->table : "", strlen(m->table ? m->table : ""));
    sb_printf(sb, ",\"StartingPosition\":\"%s\",\"BatchSize\":%d}", m->latest ? "LATEST" : "TRIM_HORIZON",
              m->batch_size);
}

/* The checks trig_add makes before anything changes. */
static int check_mapping(struct trig_engine *e, const trig_mapping_t *m, char *err, size_t errlen)
{
    for (int i = 0; i < e->nmaps; i++)
        if (!strcmp(e->maps[i]->m->uuid, m->uuid)) {
            snprintf(err, errlen, "UUID %s is used by two mappings (give each its own UUID or FunctionName)", m->uuid);
            return -1;
        }
    if (m->kind == TK_CALLBACK && !find_callback(e, m->target)) {
        snprintf(err, errlen, "Handler %s: no callback %s is registered (ddb_trigger_register)", m->handler, m->target);
        return -1;
    }
    if (m->kind == TK_BUILTIN && !trig_builtin_find(m->target)) {
        snprintf(err, errlen, "Handler %s: no such builtin", m->handler);
        return -1;
    }
    if (!m->table && !m->stream_arn) {
        snprintf(err, errlen, "a mapping needs EventSourceArn or TableName");
        return -1;
    }
    return 0;
}

/* Adds m (ownership taken; freed on failure) once check_mapping passed. */
static int attach(ddb_t *ddb, trig_mapping_t *m, char *err, size_t errlen)
{
    struct trig_engine *e = engine(ddb);
    err_t ee = {0};
    tmap_t *tm = xcalloc(1, sizeof *tm);
    tm->m = m;
    tm->result = "No records processed";
    if (!(tm->st = ddb_db_for(ddb, m->access_key ? m->access_key : "ddblocal", m->region ? m->region : "us-east-1", &ee)) ||
        load_mapping(tm, &ee) < 0) {
        snprintf(err, errlen, "mapping %s: cannot open its database: %s", m->uuid, ee.msg ? ee.msg : "");
        err_fini(&ee);
        free(tm->cur);
        free(tm);
        trig_mapping_free(m);
        return -1;
    }
    e->maps = xrealloc(e->maps, (size_t)(e->nmaps + 1) * sizeof *e->maps);
    e->maps[e->nmaps++] = tm;
    tm->force = 1;
    if (m->enabled) sync_stream(tm, 0);
    else snprintf(tm->reason, sizeof tm->reason, "User action");
    return 0;
}

int trig_add(ddb_t *ddb, trig_mapping_t *m, char *err, size_t errlen)
{
    if (check_mapping(engine(ddb), m, err, errlen) < 0) {
        trig_mapping_free(m);
        return -1;
    }
    return attach(ddb, m, err, errlen);
}

void trig_done(ddb_t *ddb, uint64_t id, trig_result_t res, const char *resp, size_t len, const char *detail)
{
    struct trig_engine *e = ddb->trig;
    if (!e || !id) return;
    for (int i = 0; i < e->nmaps; i++) {
        tmap_t *tm = e->maps[i];
        for (int j = 0; j < tm->nshards; j++) {
            shard_t *sh = tm->shards[j];
            if (sh->call_id != id) continue;
            sh->call_id = 0;
            sh->has_result = 1;
            sh->res = res;
            sh->resp = len ? xstrndup(resp, len) : NULL;
            sh->resp_len = len;
            sh->detail = detail ? xstrdup(detail) : NULL;
            sh->took_ms = mono_ms() - sh->started;
            tm->force = 1;
            return;
        }
    }
}

int64_t trig_poll(ddb_t *ddb, int64_t now)
{
    struct trig_engine *e = ddb->trig;
    if (!e || e->polling) return -1;
    e->polling = 1;
    int64_t next = -1;
    for (int i = 0; i < e->nmaps; i++) {
        tmap_t *tm = e->maps[i];
        if (!tm->m->enabled) continue;
        int due = tm->force || store_seq(tm->st) != tm->seen_seq || (tm->wake_ms && now >= tm->wake_ms) ||
                  now - tm->check_ms >= RECHECK_MS;
        if (due) pass(ddb, tm, now);
        int64_t w = tm->force ? 0 : tm->wake_ms ? (tm->wake_ms > now ? tm->wake_ms - now : 0) : -1;
        if (w >= 0 && (next < 0 || w < next)) next = w;
    }
    e->polling = 0;
    return next;
}

int trig_drained(ddb_t *ddb)
{
    struct trig_engine *e = ddb->trig;
    if (!e) return 1;
    for (int i = 0; i < e->nmaps; i++) {
        tmap_t *tm = e->maps[i];
        if (!tm->m->enabled) continue;
        if (!tm->idle || tm->force || store_seq(tm->st) != tm->seen_seq) return 0;
        for (int j = 0; j < tm->nshards; j++) {
            const shard_t *sh = tm->shards[j];
            if (shard_busy(sh) || sh->nranges || sh->nheld || sh->window_ms) return 0;
        }
    }
    return 1;
}

int trig_any(const ddb_t *ddb)
{
    return ddb->trig && ddb->trig->nmaps > 0;
}

static void put_str(sb_t *sb, const char *name, const char *v)
{
    sb_printf(sb, ",\"%s\":", name);
    if (v) sb_json_str(sb, v, strlen(v));
    else sb_puts(sb, "null");
}

void trig_status(ddb_t *ddb, sb_t *sb)
{
    struct trig_engine *e = ddb->trig;
    sb_puts(sb, "{\"EventSourceMappings\":[");
    for (int i = 0; e && i < e->nmaps; i++) {
        const tmap_t *tm = e->maps[i];
        const trig_mapping_t *m = tm->m;
        if (i) sb_putc(sb, ',');
        sb_puts(sb, "{\"UUID\":");
        sb_json_str(sb, m->uuid, strlen(m->uuid));
        put_str(sb, "FunctionName", m->function_name);
        put_str(sb, "FunctionArn", m->function_arn);
        put_str(sb, "Handler", m->handler);
        put_str(sb, "TableName", m->table);
        put_str(sb, "EventSourceArn", tm->cur);
        put_str(sb, "State", m->enabled ? "Enabled" : "Disabled");
        put_str(sb, "StateTransitionReason", tm->reason);
        put_str(sb, "LastProcessingResult", tm->result);
        sb_printf(sb, ",\"BatchSize\":%d,\"MaximumBatchingWindowInSeconds\":%d,\"StartingPosition\":\"%s\","
                  "\"MaximumRetryAttempts\":%d,\"MaximumRecordAgeInSeconds\":%d,\"BisectBatchOnFunctionError\":%s,"
                  "\"FunctionResponseTypes\":[%s],\"Checkpoints\":[",
                  m->batch_size, m->window_s, m->latest ? "LATEST" : "TRIM_HORIZON", m->max_retry, m->max_age_s,
                  m->bisect ? "true" : "false", m->report_failures ? "\"ReportBatchItemFailures\"" : "");
        int n = 0, inflight = 0;
        for (int j = 0; j < tm->nshards; j++) {
            const shard_t *sh = tm->shards[j];
            if (sh->call_id) inflight = 1;
            if (!sh->has_ckpt) continue;
            if (n++) sb_putc(sb, ',');
            sb_puts(sb, "{\"ShardId\":");
            sb_json_str(sb, sh->id, strlen(sh->id));
            sb_printf(sb, ",\"SequenceNumber\":\"%021lld\"}", (long long)sh->ckpt);
        }
        sb_printf(sb, "],\"Invocations\":%lld,\"Errors\":%lld,\"InFlight\":%s}", (long long)tm->invocations,
                  (long long)tm->errors, inflight ? "true" : "false");
    }
    sb_puts(sb, "]}");
}

void trig_free(ddb_t *ddb)
{
    struct trig_engine *e = ddb->trig;
    if (!e) return;
    for (int i = 0; i < e->nmaps; i++) {
        tmap_t *tm = e->maps[i];
        drop_shards(tm);
        free(tm->cur);
        trig_mapping_free(tm->m);
        free(tm);
    }
    free(e->maps);
    for (callback_t *c = e->cbs, *next; c; c = next) {
        next = c->next;
        free(c->name);
        free(c);
    }
    free(e);
    ddb->trig = NULL;
}

void trig_auth(const trig_mapping_t *m, char *out, size_t cap)
{
    snprintf(out, cap, "AWS4-HMAC-SHA256 Credential=%s/20240101/%s/dynamodb/aws4_request, SignedHeaders=host, "
             "Signature=0", m->access_key ? m->access_key : "ddblocal", m->region ? m->region : "us-east-1");
}

/* ---- the public API (ddblocal.h) ---------------------------------------------------------------- */

static int callback_known(void *arg, const char *name)
{
    ddb_t *ddb = arg;
    return ddb->trig && find_callback(ddb->trig, name) != NULL;
}

int ddb_trigger_add(ddb_t *ddb, const char *mapping_json, char *err, size_t errlen)
{
    char tmp[8];
    if (!err) { err = tmp; errlen = sizeof tmp; }
    cJSON *j = mapping_json ? cJSON_Parse(mapping_json) : NULL;
    if (!j) {
        snprintf(err, errlen, "the mapping is not valid JSON");
        return -1;
    }
    trig_mapping_t *m = trig_mapping_parse(j, callback_known, ddb, err, errlen);
    cJSON_Delete(j);
    if (!m) return -1;
    return trig_add(ddb, m, err, errlen);
}

int ddb_trigger_load(ddb_t *ddb, const char *path, char *err, size_t errlen)
{
    char tmp[8], why[512];
    if (!err) { err = tmp; errlen = sizeof tmp; }
    cJSON *arr = trig_file_read(path, err, errlen);
    if (!arr) return -1;
    int n = cJSON_GetArraySize(arr), rc = 0;
    trig_mapping_t **ms = xcalloc((size_t)n + 1, sizeof *ms);
    struct trig_engine *e = engine(ddb);
    int i = 0;
    for (const cJSON *c = arr->child; c; c = c->next, i++) {
        if (!(ms[i] = trig_mapping_parse(c, callback_known, ddb, why, sizeof why)) ||
            check_mapping(e, ms[i], why, sizeof why) < 0) {
            rc = -1;
            break;
        }
        for (int k = 0; k < i && rc == 0; k++)
            if (!strcmp(ms[k]->uuid, ms[i]->uuid)) {
                snprintf(why, sizeof why, "UUID %s is used by two mappings (give each its own UUID or FunctionName)",
                         ms[i]->uuid);
                rc = -1;
            }
        if (rc) break;
    }
    if (rc) {
        snprintf(err, errlen, "%s: mapping %d: %s", path, i + 1, why);
        for (int k = 0; k < n; k++) trig_mapping_free(ms[k]);
    } else {
        int before = e->nmaps;
        for (int k = 0; k < n; k++) {
            if (rc == 0 && attach(ddb, ms[k], why, sizeof why) < 0) {
                snprintf(err, errlen, "%s: mapping %d: %s", path, k + 1, why);
                rc = -1;
            } else if (rc) {
                trig_mapping_free(ms[k]);
            }
        }
        while (rc && e->nmaps > before) {   /* all or none */
            tmap_t *tm = e->maps[--e->nmaps];
            drop_shards(tm);
            free(tm->cur);
            trig_mapping_free(tm->m);
            free(tm);
        }
    }
    free(ms);
    cJSON_Delete(arr);
    return rc;
}

int ddb_trigger_flag(ddb_t *ddb, const char *spec, char *err, size_t errlen)
{
    char tmp[8];
    if (!err) { err = tmp; errlen = sizeof tmp; }
    cJSON *j = trig_flag_parse(spec, err, errlen);
    if (!j) return -1;
    trig_mapping_t *m = trig_mapping_parse(j, callback_known, ddb, err, errlen);
    cJSON_Delete(j);
    if (!m) return -1;
    return trig_add(ddb, m, err, errlen);
}

int ddb_trigger_register(ddb_t *ddb, const char *name, ddb_trigger_fn fn, void *arg)
{
    struct trig_engine *e = engine(ddb);
    if (!name || !*name || !fn || find_callback(e, name)) return -1;
    callback_t *c = xcalloc(1, sizeof *c);
    c->name = xstrdup(name);
    c->fn = fn;
    c->arg = arg;
    c->next = e->cbs;
    e->cbs = c;
    return 0;
}

long ddb_trigger_poll(ddb_t *ddb)
{
    return (long)trig_poll(ddb, now_ms());
}

int ddb_trigger_wait(ddb_t *ddb, long timeout_ms)
{
    int64_t deadline = now_ms() + timeout_ms;
    for (;;) {
        int64_t now = now_ms();
        int64_t w = trig_poll(ddb, now);
        if (trig_drained(ddb)) return 0;
        if (now >= deadline) return -1;
        if (w == 0) continue;
        int64_t nap = w < 0 || w > 10 ? 10 : w;
        if (nap > deadline - now) nap = deadline - now;
        struct timespec ts = {(time_t)(nap / 1000), (long)(nap % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
}

char *ddb_trigger_status(ddb_t *ddb)
{
    sb_t sb;
    sb_init(&sb);
    trig_status(ddb, &sb);
    sb_cstr(&sb);
    return sb_take(&sb, NULL);
}
