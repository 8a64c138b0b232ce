/*
 * stream.c: DynamoDB Streams change records (dynamodb-local.md §10.11, §11) in DynamoDB Local's
 * own tables: sm (one row per stream), ss (shards), us (records). Every item write reaches
 * stream_on_write() through item_store()/item_remove() (op_item.c), in the writer's
 * transaction, so a record exists exactly when its write does.
 *
 * One sequence counter per database, as DynamoDB Local keeps it: every real change of any
 * table (with a stream or not) consumes a number; no-ops (identical overwrite, delete of a
 * missing item, failed condition) do not. After a restart it continues at max + 1.
 *
 * The stream clock is the wall clock plus DDBLOCAL_STREAM_CLOCK_OFFSET_MS: shards roll over
 * after 4 hours and records, shards and disabled streams are trimmed after 24 hours of it.
 * op_stream.c answers the Streams API from the readers at the end of this file.
 */
#include "store_int.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ROLLOVER_MS (4LL * 3600 * 1000)
#define RETENTION_MS (24LL * 3600 * 1000)

static const char *const VIEWS[] = {NULL, "KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"};
enum { V_KEYS = 1, V_NEW, V_OLD, V_BOTH };

int64_t stream_clock(int64_t now_ms)
{
    static int loaded;
    static int64_t offset;
    if (!loaded) {
        const char *s = getenv("DDBLOCAL_STREAM_CLOCK_OFFSET_MS");
        offset = s ? strtoll(s, NULL, 10) : 0;
        loaded = 1;
    }
    return now_ms + offset;
}

/* ---- random identifiers ------------------------------------------------------------------ */

static uint64_t rnd_state[2];

static uint64_t rnd(void)
{
    if (!rnd_state[0] && !rnd_state[1]) {
        int fd = open("/dev/urandom", O_RDONLY);
        if (fd < 0 || read(fd, rnd_state, sizeof rnd_state) != (ssize_t)sizeof rnd_state) {
            rnd_state[0] = (uint64_t)time(NULL) ^ 0x9E3779B97F4A7C15ull;
            rnd_state[1] = (uint64_t)getpid() * 0xBF58476D1CE4E5B9ull + 1;
        }
        if (fd >= 0) close(fd);
    }
    uint64_t s1 = rnd_state[0];
    const uint64_t s0 = rnd_state[1];
    rnd_state[0] = s0;
    s1 ^= s1 << 23;
    rnd_state[1] = s1 ^ s0 ^ (s1 >> 17) ^ (s0 >> 26);
    return rnd_state[1] + s0;
}

/* A random UUID v4 in lower-case hex (37 bytes with the NUL): the 128 bits of a and b, most
 * significant first, as "%08x-%04x-%04x-%04x-%012x" of their fields (written by hand: one per
 * change record, and snprintf was a visible share of a streamed PutItem). */
static void uuid4(char out[37])
{
    static const char hex[] = "0123456789abcdef";
    uint64_t a = rnd(), b = rnd();
    a = (a & ~0xF000ull) | 0x4000ull;
    b = (b & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;
    char *p = out;
    for (int i = 60; i >= 0; i -= 4) {
        if (i == 28 || i == 12) *p++ = '-';
        *p++ = hex[(a >> i) & 0xF];
    }
    for (int i = 60; i >= 0; i -= 4) {
        if (i == 60 || i == 44) *p++ = '-';
        *p++ = hex[(b >> i) & 0xF];
    }
    *p = 0;
}

/* ---- the sequence counter ---------------------------------------------------------------- */

static int64_t col_i64(sqlite3_stmt *s, int i)
{
    return sqlite3_column_type(s, i) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, i);
}

static char *col_str(sqlite3_stmt *s, int i)
{
    const unsigned char *p = sqlite3_column_text(s, i);
    return p ? xstrndup((const char *)p, (size_t)sqlite3_column_bytes(s, i)) : NULL;
}

/* The counter c as DynamoDB Local keeps it (tests/e2e/test_streams.py test_sequence_counter):
 * a new stream does c += 1 and its shard starts at c; an item change takes c, then c += 1; a
 * fresh database has c = 0. st->stream_seq holds c + 1 (0: not read yet). Read on first use:
 * max(last record + 1, last shard start). */
static int load_seq(store_t *st, err_t *e)
{
    if (st->stream_seq) return 0;
    sqlite3_stmt *s = store_stmt(st, "SELECT (SELECT max(SequenceNumber) FROM us), "
                                 "(SELECT max(InitialSequenceNumberStart) FROM ss)", e);
    if (!s) return -1;
    if (sqlite3_step(s) != SQLITE_ROW) { sqlite3_reset(s); return store_error(st, e); }
    int64_t a = col_i64(s, 0), b = col_i64(s, 1);
    sqlite3_reset(s);
    int64_t c = a >= 0 ? a + 1 : 0;
    if (b > c) c = b;
    st->stream_seq = c + 1;
    return 0;
}

/* ---- the enabled stream of a table (cached in table_t) ------------------------------------ */

static int view_of(const char *v)
{
    for (int i = 1; i <= V_BOTH; i++)
        if (v && !strcmp(v, VIEWS[i])) return i;
    return 0;
}

static int load_table_stream(store_t *st, table_t *t, err_t *e)
{
    if (t->stream_known) return 0;
    t->stream_view = 0;
    sqlite3_stmt *s = store_stmt(st, "SELECT StreamID, StreamInfo FROM sm WHERE TableName=?1 AND "
                                 "StreamStatus='ENABLED' ORDER BY CreationDateTime DESC LIMIT 1", e);
    if (!s) return -1;
    sqlite3_bind_text(s, 1, t->name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        snprintf(t->stream_arn, sizeof t->stream_arn, "%s", (const char *)sqlite3_column_text(s, 0));
        const char *info = (const char *)sqlite3_column_blob(s, 1);
        cJSON *j = info ? cJSON_ParseWithLength(info, (size_t)sqlite3_column_bytes(s, 1)) : NULL;
        t->stream_view = view_of(jstr(j, "streamViewType"));
        cJSON_Delete(j);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return store_error(st, e);
    if (t->stream_view) {
        s = store_stmt(st, "SELECT ShardID, CreationDateTime FROM ss WHERE StreamID=?1 AND "
                       "SequenceNumberEnd IS NULL ORDER BY CreationDateTime DESC LIMIT 1", e);
        if (!s) return -1;
        sqlite3_bind_text(s, 1, t->stream_arn, -1, SQLITE_STATIC);
        rc = sqlite3_step(s);
        t->stream_shard[0] = 0;
        if (rc == SQLITE_ROW) {
            snprintf(t->stream_shard, sizeof t->stream_shard, "%s", (const char *)sqlite3_column_text(s, 0));
            t->stream_shard_ms = sqlite3_column_int64(s, 1);
        }
        sqlite3_reset(s);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) return store_error(st, e);
    }
    t->stream_known = 1;
    return 0;
}

/* Only with an enabled stream, whose records hold the old image. Without one, a change still
 * consumes a sequence number and an identical overwrite or a delete of a missing item does not
 * (test_sequence_no_change_consumes_nothing), so writers still tell those apart (item_put_new()
 * compares the stored row's bytes), but need not parse the old item. */
int stream_wants_old(store_t *st, table_t *t)
{
    err_t e = {0};
    int rc = load_table_stream(st, t, &e);
    err_fini(&e);
    return rc < 0 || t->stream_view != 0;
}

int stream_enabled(store_t *st, table_t *t, char *view, err_t *e)
{
    if (load_table_stream(st, t, e) < 0) return -1;
    if (!t->stream_view) return 0;
    if (view) snprintf(view, 32, "%s", VIEWS[t->stream_view]);
    return 1;
}

/* ---- shards -------------------------------------------------------------------------------- */

/* Opens a new shard of stream arn starting at sequence number start; its id into id (64). */
static int open_shard(store_t *st, const char *arn, int64_t start, const char *parent, int64_t now,
                      char *id, err_t *e)
{
    snprintf(id, 64, "shardId-%020lld-%08x", (long long)now, (unsigned)(rnd() & 0xFFFFFFFFu));
    sqlite3_stmt *s = store_stmt(st, "INSERT INTO ss (StreamID, ShardID, CreationDateTime, DeletionDateTime, "
                                 "InitialSequenceNumberStart, SequenceNumberEnd, ParentShardID) "
                                 "VALUES (?1, ?2, ?3, NULL, ?4, NULL, ?5)", e);
    if (!s) return -1;
    sqlite3_bind_text(s, 1, arn, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, now);
    sqlite3_bind_int64(s, 4, start);
    if (parent) sqlite3_bind_text(s, 5, parent, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : store_error(st, e);
}

/* Closes the open shards of stream arn (all streams of table when arn is NULL): the end is
 * the shard's last record, or its start when it has none (fixture: DPTest 66-66). */
static int close_shards(store_t *st, const char *arn, const char *table, int64_t now, err_t *e)
{
    sqlite3_stmt *s = store_stmt(st, arn
        ? "UPDATE ss SET DeletionDateTime=?2, SequenceNumberEnd=COALESCE((SELECT max(SequenceNumber) "
          "FROM us WHERE us.ShardID=ss.ShardID), InitialSequenceNumberStart) "
          "WHERE SequenceNumberEnd IS NULL AND StreamID=?1"
        : "UPDATE ss SET DeletionDateTime=?2, SequenceNumberEnd=COALESCE((SELECT max(SequenceNumber) "
          "FROM us WHERE us.ShardID=ss.ShardID), InitialSequenceNumberStart) "
          "WHERE SequenceNumberEnd IS NULL AND StreamID IN (SELECT StreamID FROM sm WHERE TableName=?1 "
          "AND StreamStatus='ENABLED')", e);
    if (!s) return -1;
    sqlite3_bind_text(s, 1, arn ? arn : table, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, now);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : store_error(st, e);
}

/* Rolls t's open shard over: closes it and opens a child starting at start. */
static int rollover(store_t *st, table_t *t, int64_t start, int64_t now, err_t *e)
{
    char parent[64], id[64];
    snprintf(parent, sizeof parent, "%s", t->stream_shard);
    if (close_shards(st, t->stream_arn, NULL, now, e) < 0) return -1;
    if (open_shard(st, t->stream_arn, start, parent[0] ? parent : NULL, now, id, e) < 0) return -1;
    snprintf(t->stream_shard, sizeof t->stream_shard, "%s", id);
    t->stream_shard_ms = now;
    return 0;
}

/* ---- enabling and disabling ------------------------------------------------------------- */

/* Drops the cached table_t of name (its stream fields change). name may be that table_t's own
 * name, which catalog_forget frees while it still compares with it: it gets a copy. */
static void forget_table(store_t *st, const char *name)
{
    char *copy = xstrdup(name);
    catalog_forget(st, copy);
    free(copy);
}

int stream_enable(store_t *st, table_t *t, const char *view, int64_t now_ms, err_t *e)
{
    int64_t now = stream_clock(now_ms);
    if (load_seq(st, e) < 0) return -1;
    char arn[400];
    for (;; now++) {   /* a label is unique: enable, disable, enable within one millisecond */
        time_t secs = (time_t)(now / 1000);
        struct tm tm;
        gmtime_r(&secs, &tm);
        snprintf(arn, sizeof arn, DDB_ARN_PREFIX "table/%s/stream/%04d-%02d-%02dT%02d:%02d:%02d.%03d", t->name,
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(now % 1000));
        sqlite3_stmt *s = store_stmt(st, "SELECT 1 FROM sm WHERE StreamID=?1", e);
        if (!s) return -1;
        sqlite3_bind_text(s, 1, arn, -1, SQLITE_STATIC);
        int rc = sqlite3_step(s);
        sqlite3_reset(s);
        if (rc == SQLITE_DONE) break;
        if (rc != SQLITE_ROW) return store_error(st, e);
    }
    sb_t info;
    sb_init(&info);
    sb_printf(&info, "{\"streamViewType\":\"%s\",\"keySchema\":[{\"AttributeName\":", view);
    sb_json_str(&info, t->hash.name, strlen(t->hash.name));
    sb_puts(&info, ",\"KeyType\":\"HASH\"}");
    if (t->range.name) {
        sb_puts(&info, ",{\"AttributeName\":");
        sb_json_str(&info, t->range.name, strlen(t->range.name));
        sb_puts(&info, ",\"KeyType\":\"RANGE\"}");
    }
    sb_puts(&info, "]}");
    sqlite3_stmt *s = store_stmt(st, "INSERT INTO sm (StreamID, StreamStatus, TableName, StreamInfo, "
                                 "CreationDateTime, DeletionDateTime) VALUES (?1, 'ENABLED', ?2, ?3, ?4, NULL)", e);
    if (!s) { sb_fini(&info); return -1; }
    sqlite3_bind_text(s, 1, arn, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, t->name, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 3, info.buf, (int)info.len, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, now);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    sb_fini(&info);
    if (rc != SQLITE_DONE) return store_error(st, e);
    char id[64];
    if (open_shard(st, arn, st->stream_seq++, NULL, now, id, e) < 0) return -1;
    forget_table(st, t->name);
    return 0;
}

int stream_disable(store_t *st, const char *table, int64_t now_ms, err_t *e)
{
    int64_t now = stream_clock(now_ms);
    if (close_shards(st, NULL, table, now, e) < 0) return -1;
    sqlite3_stmt *s = store_stmt(st, "UPDATE sm SET StreamStatus='DISABLED', DeletionDateTime=?2 "
                                 "WHERE TableName=?1 AND StreamStatus='ENABLED'", e);
    if (!s) return -1;
    sqlite3_bind_text(s, 1, table, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, now);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) return store_error(st, e);
    int n = sqlite3_changes(st->db);
    forget_table(st, table);
    return n > 0;
}

int stream_describe_table(store_t *st, table_t *t, sb_t *sb, err_t *e)
{
    char view[32];
    int en = stream_enabled(st, t, view, e);
    if (en < 0) return -1;
    if (en) sb_printf(sb, ",\"StreamSpecification\":{\"StreamEnabled\":true,\"StreamViewType\":\"%s\"}", view);
    /* only streams of this incarnation of the table (§16 #9 not copied) */
    sqlite3_stmt *s = store_stmt(st, "SELECT StreamID FROM sm WHERE TableName=?1 AND CreationDateTime>=?2 "
                                 "ORDER BY CreationDateTime DESC LIMIT 1", e);
    if (!s) return -1;
    sqlite3_bind_text(s, 1, t->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, t->created_ms);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        const char *arn = (const char *)sqlite3_column_text(s, 0);
        const char *label = strstr(arn, "/stream/");
        label = label ? label + 8 : "";
        sb_puts(sb, ",\"LatestStreamLabel\":");
        sb_json_str(sb, label, strlen(label));
        sb_puts(sb, ",\"LatestStreamArn\":");
        sb_json_str(sb, arn, strlen(arn));
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_error(st, e);
}

/* ---- change records ----------------------------------------------------------------------- */

/* Writes the members of map in the order of a default-capacity Java HashMap (stream images,
 * §3.3); with keys set, only the table's key attributes. */
static void write_image(sb_t *sb, const table_t *t, const cJSON *map, int keys)
{
    const cJSON *js[64];
    const char *names[64];
    int order[64], m = 0;
    int n = cJSON_GetArraySize(map);
    const cJSON **jv = n > 64 ? xmalloc((size_t)n * sizeof *jv) : js;
    const char **nv = n > 64 ? xmalloc((size_t)n * sizeof *nv) : names;
    int *ov = n > 64 ? xmalloc((size_t)n * sizeof *ov) : order;
    for (const cJSON *j = map->child; j; j = j->next) {
        if (keys && strcmp(j->string, t->hash.name) && (!t->range.name || strcmp(j->string, t->range.name)))
            continue;
        jv[m] = j;
        nv[m++] = j->string;
    }
    item_hashmap_order(nv, m, 16, ov);
    sb_putc(sb, '{');
    for (int i = 0; i < m; i++) {
        const cJSON *j = jv[ov[i]];
        if (i) sb_putc(sb, ',');
        sb_json_str(sb, j->string, strlen(j->string));
        sb_putc(sb, ':');
        item_write_value(sb, j);
    }
    sb_putc(sb, '}');
    if (jv != js) { free(jv); free(nv); free(ov); }
}

static int64_t keys_size(const table_t *t, const cJSON *item)
{
    const cJSON *h = jget(item, t->hash.name), *r = t->range.name ? jget(item, t->range.name) : NULL;
    return (h ? item_attr_size(h) : 0) + (r ? item_attr_size(r) : 0);
}

int stream_on_write(store_t *st, table_t *t, const cJSON *old, const cJSON *item, int64_t now_ms,
                    err_t *e)
{
    if (!old && !item) return 0;                                  /* delete of a missing item */
    if (old && item && cJSON_Compare(old, item, 1)) return 0;     /* identical overwrite */
    if (load_seq(st, e) < 0 || load_table_stream(st, t, e) < 0) return -1;
    int64_t seq = st->stream_seq++ - 1;
    if (!t->stream_view) return 0;
    int64_t now = stream_clock(now_ms);
    if (!t->stream_shard[0] || now - t->stream_shard_ms >= ROLLOVER_MS) {
        /* opening a shard moves the counter on by one, as for a new stream: the child starts
         * at the next number and this record takes it (DynamoDB Local: last record 66, child
         * shard and next record 68; tests/e2e/test_streams_more.py test_fixture_streams_read) */
        seq = st->stream_seq++ - 1;
        if (rollover(st, t, seq, now, e) < 0) return -1;
    }
    const char *op = !old ? "INSERT" : !item ? "REMOVE" : "MODIFY";
    int v = t->stream_view;
    int with_new = item && (v == V_NEW || v == V_BOTH), with_old = old && (v == V_OLD || v == V_BOTH);
    char id[37];
    uuid4(id);
    sb_t rec;
    sb_init(&rec);
    sb_puts(&rec, "{\"EventID\":\"");
    sb_add(&rec, id, 36);
    sb_puts(&rec, "\",\"version\":\"1.1\",\"Dynamodb\":{\"Keys\":");
    write_image(&rec, t, item ? item : old, 1);
    int64_t size = keys_size(t, item ? item : old);
    if (with_new) {
        sb_puts(&rec, ",\"NewImage\":");
        write_image(&rec, t, item, 0);
        size += item_size(item);
    }
    if (with_old) {
        sb_puts(&rec, ",\"OldImage\":");
        write_image(&rec, t, old, 0);
        size += item_size(old);
    }
    sb_printf(&rec, ",\"SizeBytes\":%lld,\"StreamViewType\":\"%s\"}}", (long long)size, VIEWS[v]);
    /* the table's slot of it saves hashing the SQL text in store_stmt() per record */
    sqlite3_stmt *s = t->stmt[4];
    if (s) sqlite3_reset(s);
    else s = t->stmt[4] = store_stmt(st, "INSERT INTO us (StreamID, ShardID, SequenceNumber, CreationDateTime, "
                                     "StreamRecord, OperationType) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", e);
    if (!s) { sb_fini(&rec); return -1; }
    sqlite3_bind_text(s, 1, t->stream_arn, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, t->stream_shard, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, seq);
    sqlite3_bind_int64(s, 4, now);
    sqlite3_bind_blob(s, 5, rec.buf, (int)rec.len, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, op, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    sb_fini(&rec);
    return rc == SQLITE_DONE ? 0 : store_error(st, e);
}

/* ---- retention and rollover --------------------------------------------------------------- */

int stream_maintain(store_t *st, int64_t now_ms, err_t *e)
{
    int64_t now = stream_clock(now_ms);
    if (st->stream_maint_ms && now - st->stream_maint_ms < 1000 && now >= st->stream_maint_ms) return 0;
    st->stream_maint_ms = now;
    if (load_seq(st, e) < 0) return -1;
    int64_t cut = now - RETENTION_MS;
    sqlite3_stmt *s = store_stmt(st, "DELETE FROM us WHERE CreationDateTime<?1", e);
    if (!s) return -1;
    sqlite3_bind_int64(s, 1, cut);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) return store_error(st, e);
    static const char *const trims[] = {
        "DELETE FROM ss WHERE SequenceNumberEnd IS NOT NULL AND DeletionDateTime<?1",
        "DELETE FROM ss WHERE StreamID IN (SELECT StreamID FROM sm WHERE StreamStatus='DISABLED' AND DeletionDateTime<?1)",
        "DELETE FROM sm WHERE StreamStatus='DISABLED' AND DeletionDateTime<?1",
    };
    for (size_t i = 0; i < sizeof trims / sizeof trims[0]; i++) {
        if (!(s = store_stmt(st, trims[i], e))) return -1;
        sqlite3_bind_int64(s, 1, cut);
        rc = sqlite3_step(s);
        sqlite3_reset(s);
        if (rc != SQLITE_DONE) return store_error(st, e);
    }
    /* shards of enabled streams open for 4 hours roll over even without writes */
    s = store_stmt(st, "SELECT sm.TableName FROM ss JOIN sm ON sm.StreamID=ss.StreamID WHERE "
                   "sm.StreamStatus='ENABLED' AND ss.SequenceNumberEnd IS NULL AND ss.CreationDateTime<=?1", e);
    if (!s) return -1;
    sqlite3_bind_int64(s, 1, now - ROLLOVER_MS);
    char **names = NULL;
    int n = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        names = xrealloc(names, (size_t)(n + 1) * sizeof *names);
        names[n++] = col_str(s, 0);
    }
    sqlite3_reset(s);
    int ret = rc == SQLITE_DONE ? 0 : store_error(st, e);
    for (int i = 0; i < n; i++) {
        table_t *t;
        if (ret == 0 && names[i] && catalog_get(st, names[i], &t, e) == 1 && load_table_stream(st, t, e) == 0 &&
            t->stream_view && rollover(st, t, st->stream_seq++, now, e) < 0)   /* c += 1, start at c */
            ret = -1;
        free(names[i]);
    }
    free(names);
    return ret;
}

/* ---- readers for the Streams API ----------------------------------------------------------- */

static void read_stream_row(sqlite3_stmt *s, stream_row_t *r)
{
    r->arn = col_str(s, 0);
    r->table = col_str(s, 1);
    r->status = col_str(s, 2);
    const void *p = sqlite3_column_blob(s, 3);
    r->info = xstrndup(p ? p : "", (size_t)sqlite3_column_bytes(s, 3));
    r->created_ms = sqlite3_column_int64(s, 4);
}

int stream_list(store_t *st, const char *table, stream_row_t **out, int *n, err_t *e)
{
    sqlite3_stmt *s = store_stmt(st, table
        ? "SELECT StreamID, TableName, StreamStatus, StreamInfo, CreationDateTime FROM sm WHERE TableName=?1 "
          "ORDER BY StreamID"
        : "SELECT StreamID, TableName, StreamStatus, StreamInfo, CreationDateTime FROM sm ORDER BY StreamID", e);
    if (!s) return -1;
    if (table) sqlite3_bind_text(s, 1, table, -1, SQLITE_STATIC);
    *out = NULL;
    *n = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        *out = xrealloc(*out, (size_t)(*n + 1) * sizeof **out);
        read_stream_row(s, &(*out)[(*n)++]);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        stream_rows_free(*out, *n);
        *out = NULL;
        *n = 0;
        return store_error(st, e);
    }
    return 0;
}

int stream_get(store_t *st, const char *arn, stream_row_t *out, err_t *e)
{
    sqlite3_stmt *s = store_stmt(st, "SELECT StreamID, TableName, StreamStatus, StreamInfo, CreationDateTime "
                                 "FROM sm WHERE StreamID=?1", e);
    if (!s) return -1;
    sqlite3_bind_text(s, 1, arn, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) read_stream_row(s, out);
    sqlite3_reset(s);
    if (rc == SQLITE_ROW) return 1;
    return rc == SQLITE_DONE ? 0 : store_error(st, e);
}

void stream_rows_free(stream_row_t *v, int n)
{
    for (int i = 0; i < n; i++) {
        free(v[i].arn);
        free(v[i].table);
        free(v[i].status);
        free(v[i].info);
    }
    free(v);
}

int stream_shards(store_t *st, const char *arn, shard_row_t **out, int *n, err_t *e)
{
    sqlite3_stmt *s = store_stmt(st, "SELECT ShardID, ParentShardID, CreationDateTime, InitialSequenceNumberStart, "
                                 "SequenceNumberEnd FROM ss WHERE StreamID=?1 ORDER BY CreationDateTime, rowid", e);
    if (!s) return -1;
    sqlite3_bind_text(s, 1, arn, -1, SQLITE_STATIC);
    *out = NULL;
    *n = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        *out = xrealloc(*out, (size_t)(*n + 1) * sizeof **out);
        shard_row_t *r = &(*out)[(*n)++];
        r->id = col_str(s, 0);
        r->parent = col_str(s, 1);
        if (r->parent && !r->parent[0]) { free(r->parent); r->parent = NULL; }
        r->created_ms = sqlite3_column_int64(s, 2);
        r->start = sqlite3_column_int64(s, 3);
        r->end = col_i64(s, 4);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        shard_rows_free(*out, *n);
        *out = NULL;
        *n = 0;
        return store_error(st, e);
    }
    return 0;
}

void shard_rows_free(shard_row_t *v, int n)
{
    for (int i = 0; i < n; i++) {
        free(v[i].id);
        free(v[i].parent);
    }
    free(v);
}

/* Writes a stored image member (a map) in stream image order. */
static void write_stored(sb_t *sb, const char *name, const cJSON *map)
{
    if (!cJSON_IsObject(map)) return;
    sb_printf(sb, ",\"%s\":", name);
    write_image(sb, NULL, map, 0);
}

int stream_read(store_t *st, const char *shard, int64_t from, int limit, sb_t *sb, int64_t *last, err_t *e)
{
    sqlite3_stmt *s = store_stmt(st, "SELECT SequenceNumber, CreationDateTime, OperationType, StreamRecord FROM us "
                                 "WHERE SequenceNumber>=?2 AND ShardID=?1 ORDER BY SequenceNumber LIMIT ?3", e);
    if (!s) return -1;
    sqlite3_bind_text(s, 1, shard, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, from);
    sqlite3_bind_int(s, 3, limit);
    *last = 0;
    int rc, n = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(s, 0), created = sqlite3_column_int64(s, 1);
        const char *op = (const char *)sqlite3_column_text(s, 2);
        const char *p = sqlite3_column_blob(s, 3);
        cJSON *rec = p ? json_parse(p, (size_t)sqlite3_column_bytes(s, 3), NULL) : NULL;
        const cJSON *d = jget(rec, "Dynamodb");
        const char *id = jstr(rec, "EventID"), *ver = jstr(rec, "version"), *vt = jstr(d, "StreamViewType");
        if (n++) sb_putc(sb, ',');
        sb_puts(sb, "{\"eventID\":");
        sb_json_str(sb, id ? id : "", strlen(id ? id : ""));
        sb_printf(sb, ",\"eventName\":\"%s\",\"eventVersion\":", op ? op : "");
        sb_json_str(sb, ver ? ver : "1.1", strlen(ver ? ver : "1.1"));
        sb_puts(sb, ",\"eventSource\":\"aws:dynamodb\",\"awsRegion\":\"ddblocal\",\"dynamodb\":{"
                "\"ApproximateCreationDateTime\":");
        put_epoch(sb, created - created % 60000);
        write_stored(sb, "Keys", jget(d, "Keys"));
        write_stored(sb, "NewImage", jget(d, "NewImage"));
        write_stored(sb, "OldImage", jget(d, "OldImage"));
        const cJSON *size = jget(d, "SizeBytes");
        sb_printf(sb, ",\"SequenceNumber\":\"%021lld\",\"SizeBytes\":%lld,\"StreamViewType\":", (long long)seq,
                  (long long)(cJSON_IsNumber(size) ? size->valuedouble : 0));
        sb_json_str(sb, vt ? vt : "", strlen(vt ? vt : ""));
        sb_putc(sb, '}');
        const cJSON *ui = jget(rec, "userIdentity");
        if (cJSON_IsObject(ui)) {
            const char *pid = jstr(ui, "PrincipalId"), *ty = jstr(ui, "Type");
            sb_puts(sb, ",\"userIdentity\":{\"PrincipalId\":");
            sb_json_str(sb, pid ? pid : "", strlen(pid ? pid : ""));
            sb_puts(sb, ",\"Type\":");
            sb_json_str(sb, ty ? ty : "", strlen(ty ? ty : ""));
            sb_putc(sb, '}');
        }
        sb_putc(sb, '}');
        cJSON_Delete(rec);
        *last = seq;
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? n : store_error(st, e);
}

/* Both ends come from ddblocal's index on us (ShardID, SequenceNumber) (store.c SCHEMA). */
int stream_shard_bounds(store_t *st, const char *shard, int64_t *first, int64_t *last, err_t *e)
{
    static const char *const sql[2] = {
        "SELECT SequenceNumber FROM us WHERE ShardID=?1 ORDER BY SequenceNumber LIMIT 1",
        "SELECT SequenceNumber FROM us WHERE ShardID=?1 ORDER BY SequenceNumber DESC LIMIT 1",
    };
    int64_t *out[2] = {first, last};
    for (int i = 0; i < 2; i++) {
        sqlite3_stmt *s = store_stmt(st, sql[i], e);
        if (!s) return -1;
        sqlite3_bind_text(s, 1, shard, -1, SQLITE_STATIC);
        int rc = sqlite3_step(s);
        *out[i] = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
        sqlite3_reset(s);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) return store_error(st, e);
    }
    return 0;
}
