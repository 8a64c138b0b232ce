/*
 * store.c: the SQLite database in DynamoDB Local 1.25.1's file format (dynamodb-local.md §10):
 * opening and creating it, transactions, a prepared-statement cache, and item rows.
 *
 * On disk the file runs in WAL mode with synchronous=NORMAL while ddblocal has it open (an
 * acknowledged write survives kill -9) and is switched back to DynamoDB Local's rollback
 * journal (journal_mode=delete) on a clean close, so DynamoDB Local opens it unchanged.
 */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const SCHEMA =
    "CREATE TABLE IF NOT EXISTS cf (version TEXT);"
    "CREATE TABLE IF NOT EXISTS dm (TableName TEXT, CreationDateTime INTEGER, LastDecreaseDate INTEGER, "
    "LastIncreaseDate INTEGER, NumberOfDecreasesToday INTEGER, ReadCapacityUnits INTEGER, "
    "WriteCapacityUnits INTEGER, TableInfo BLOB, BillingMode INTEGER DEFAULT 0, PayPerRequestDateTime "
    "INTEGER DEFAULT 0, DeletionProtectionEnabled INTEGER DEFAULT 0, DeletionProtectionUpdateTime INTEGER "
    "DEFAULT 0, PRIMARY KEY(TableName));"
    "CREATE TABLE IF NOT EXISTS sm (StreamID TEXT, StreamStatus TEXT, TableName TEXT, StreamInfo BLOB, "
    "CreationDateTime INTEGER, DeletionDateTime INTEGER, PRIMARY KEY(StreamID));"
    "CREATE TABLE IF NOT EXISTS ss (StreamID TEXT, ShardID TEXT, CreationDateTime INTEGER, "
    "DeletionDateTime INTEGER, InitialSequenceNumberStart INTEGER, SequenceNumberEnd INTEGER, "
    "ParentShardID TEXT, PRIMARY KEY(ShardID));"
    "CREATE TABLE IF NOT EXISTS us (StreamID TEXT, ShardID TEXT, SequenceNumber INTEGER, CreationDateTime "
    "INTEGER, StreamRecord BLOB, OperationType TEXT, PRIMARY KEY(SequenceNumber));"
    "CREATE TABLE IF NOT EXISTS tr (TransactionId TEXT, TransactionSignature BLOB, CreationDateTime "
    "INTEGER, PRIMARY KEY(TransactionId));"
    /* ddblocal's own: the records of a shard by number. DynamoDB Local's us is keyed by
     * SequenceNumber only, and every table's records share that one sequence, so reading a
     * shard walked past every other table's later records (GetRecords slowed from 2.6 to 17 ms
     * as another stream grew by 174k records). SQLite keeps the index up to date when DynamoDB
     * Local writes the file too; DynamoDB Local never looks at it. */
    "CREATE INDEX IF NOT EXISTS ddblocal_us_shard ON us (ShardID, SequenceNumber);";

int store_error(store_t *st, err_t *e)
{
    return err_set(e, ERR_INTERNAL, "The request processing has failed because of an unknown "
                   "error, exception or failure. (%s)", st && st->db ? sqlite3_errmsg(st->db) : "sqlite");
}

int store_exec(store_t *st, const char *sql, err_t *e)
{
    char *msg = NULL;
    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        err_set(e, ERR_INTERNAL, "The request processing has failed because of an unknown error, "
                "exception or failure. (%s)", msg ? msg : "sqlite");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static unsigned hash_str(const char *s)
{
    unsigned h = 2166136261u;
    while (*s) h = (h ^ (unsigned char)*s++) * 16777619u;
    return h;
}

sqlite3_stmt *store_stmt(store_t *st, const char *sql, err_t *e)
{
    unsigned b = hash_str(sql) % STMT_BUCKETS;
    for (stmt_entry_t *s = st->stmts[b]; s; s = s->next) {
        if (!strcmp(s->sql, sql)) {
            sqlite3_reset(s->stmt);
            sqlite3_clear_bindings(s->stmt);
            return s->stmt;
        }
    }
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
        store_error(st, e);
        return NULL;
    }
    stmt_entry_t *s = xmalloc(sizeof *s);
    s->sql = xstrdup(sql);
    s->stmt = stmt;
    s->next = st->stmts[b];
    st->stmts[b] = s;
    return stmt;
}

void store_clear_stmts(store_t *st)
{
    for (table_entry_t *te = st->tables; te; te = te->next)
        memset(te->t->stmt, 0, sizeof te->t->stmt);
    for (int i = 0; i < STMT_BUCKETS; i++) {
        for (stmt_entry_t *s = st->stmts[i], *next; s; s = next) {
            next = s->next;
            sqlite3_finalize(s->stmt);
            free(s->sql);
            free(s);
        }
        st->stmts[i] = NULL;
    }
}

store_t *store_open(const char *path, err_t *e)
{
    /* SQLite's memory statistics take a global mutex on every allocation; ddblocal reads none.
     * Only possible before SQLite initializes (else SQLITE_MISUSE, and nothing changes). */
    static int configured;
    if (!configured) {
        configured = 1;
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    }
    store_t *st = xcalloc(1, sizeof *st);
    st->in_memory = path == NULL;
    /* In memory, SQLite's memdb VFS rather than ":memory:": a ":memory:" database keeps every
     * page in the page cache, whose commit-time truncation walks the whole cache, so PutItem
     * grew from 8 to 19 us at 300k items; with memdb it stays at 8.5 us. The name is private
     * (no leading '/'), one per credentials. */
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
    static unsigned memdb_seq;
    char memname[64];
    snprintf(memname, sizeof memname, "file:ddblocal-%u?vfs=memdb", memdb_seq++);
    const char *open_name = path ? path : memname;
    if (sqlite3_open_v2(open_name, &st->db, flags, NULL) != SQLITE_OK) {
        err_set(e, ERR_INTERNAL, "The request processing has failed because of an unknown error, "
                "exception or failure. (cannot open %s: %s)", open_name,
                st->db ? sqlite3_errmsg(st->db) : "out of memory");
        sqlite3_close(st->db);
        free(st);
        return NULL;
    }
    /* memdb caps a database at 1 GiB by default (SQLITE_MEMDB_DEFAULT_MAXSIZE): writes past it
     * failed with "database or disk is full". DynamoDB Local -inMemory grows until its heap is
     * spent, so an in-memory database here is bounded only by memory. */
    if (st->in_memory) {
        sqlite3_int64 limit = (sqlite3_int64)1 << 50;
        sqlite3_file_control(st->db, "main", SQLITE_FCNTL_SIZE_LIMIT, &limit);
    }
    /* a new file gets DynamoDB Local's page size before anything is written; an in-memory
     * database keeps SQLite's 4 KiB pages, which make 100k-item tables 2.4x faster to write
     * (nothing outside ddblocal ever reads it) */
    if (!st->in_memory && store_exec(st, "PRAGMA page_size=1024", e) < 0) goto fail;
    if (!st->in_memory) {
        if (store_exec(st, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL", e) < 0) goto fail;
    } else {
        /* exclusive locking: the private memdb has no other connection, and the pager then
         * keeps its lock and cache between transactions instead of re-validating them at
         * each one (PutItem 6.7 -> 6.1 us CPU in bench/op_cost.c) */
        if (store_exec(st, "PRAGMA journal_mode=MEMORY; PRAGMA synchronous=OFF; PRAGMA locking_mode=EXCLUSIVE",
                       e) < 0)
            goto fail;
    }
    if (store_exec(st, "BEGIN IMMEDIATE", e) < 0) goto fail;
    if (store_exec(st, SCHEMA, e) < 0) { store_exec(st, "ROLLBACK", e); goto fail; }
    sqlite3_stmt *q;
    int have = 0;
    if (sqlite3_prepare_v2(st->db, "SELECT count(*) FROM cf", -1, &q, NULL) == SQLITE_OK) {
        if (sqlite3_step(q) == SQLITE_ROW) have = sqlite3_column_int(q, 0);
        sqlite3_finalize(q);
    }
    /* a database created here holds only rows item_write() wrote (store_rows_ours) */
    st->rows_ours = !have;
    if (!have && store_exec(st, "INSERT INTO cf (version) VALUES ('v2.4.0')", e) < 0) {
        store_exec(st, "ROLLBACK", e);
        goto fail;
    }
    if (store_exec(st, "COMMIT", e) < 0) goto fail;
    return st;
fail:
    sqlite3_close(st->db);
    free(st);
    return NULL;
}

int store_rows_ours(const store_t *st)
{
    return st->rows_ours;
}

int store_optimize(const char *path, err_t *e)
{
    sqlite3 *db;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        err_set(e, ERR_INTERNAL, "cannot open %s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return -1;
    }
    sqlite3_stmt *q;
    int ours = sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type='table' AND name='cf'",
                                  -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW;
    sqlite3_finalize(q);
    char *msg = NULL;
    int rc = ours ? sqlite3_exec(db, "VACUUM; ANALYZE; PRAGMA journal_mode=DELETE", NULL, NULL, &msg) : SQLITE_OK;
    if (rc != SQLITE_OK) err_set(e, ERR_INTERNAL, "cannot optimize %s: %s", path, msg ? msg : "sqlite");
    sqlite3_free(msg);
    sqlite3_close(db);
    return rc == SQLITE_OK ? 0 : -1;
}

void store_close(store_t *st)
{
    if (!st) return;
    store_clear_stmts(st);
    catalog_forget(st, NULL);
    if (!st->in_memory) {
        err_t e = {0};
        /* leave the file as DynamoDB Local writes it: rollback journal, no -wal file */
        store_exec(st, "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE", &e);
        err_fini(&e);
    }
    sqlite3_close(st->db);
    free(st);
}

int store_begin(store_t *st, err_t *e)
{
    sqlite3_stmt *s = store_stmt(st, "BEGIN", e);
    if (!s) return -1;
    if (sqlite3_step(s) != SQLITE_DONE) return store_error(st, e);
    return 0;
}

int store_commit(store_t *st, err_t *e)
{
    sqlite3_stmt *s = store_stmt(st, "COMMIT", e);
    if (!s) return -1;
    if (sqlite3_step(s) != SQLITE_DONE) return store_error(st, e);
    sqlite3_reset(s);
    return 0;
}

void store_rollback(store_t *st)
{
    if (sqlite3_get_autocommit(st->db)) return;
    err_t e = {0};
    store_exec(st, "ROLLBACK", &e);
    err_fini(&e);
    /* metadata may have been changed inside the rolled back transaction */
    catalog_forget(st, NULL);
}

enum { TS_GET, TS_DELETE, TS_PUT, TS_INSERT };

/* The statement slot of t for its point statement which (TS_*), built by sql_of on first use
 * and then kept in t (no SQL text built or looked up per request): reset, bindings kept. NULL
 * with e set on failure. */
static sqlite3_stmt *table_stmt(store_t *st, table_t *t, int which, void (*sql_of)(sb_t *, const table_t *),
                                err_t *e)
{
    sqlite3_stmt *s = t->stmt[which];
    if (s) {
        sqlite3_reset(s);
        return s;
    }
    sb_t sql;
    sb_init(&sql);
    sql_of(&sql, t);
    s = store_stmt(st, sb_cstr(&sql), e);
    sb_fini(&sql);
    t->stmt[which] = s;
    return s;
}

static void get_sql(sb_t *sql, const table_t *t)
{
    sb_printf(sql, "SELECT ObjectJSON FROM \"%s\" WHERE hashKey=?1%s", t->name, t->range.name ? " AND rangeKey=?2" : "");
}

static void delete_sql(sb_t *sql, const table_t *t)
{
    sb_printf(sql, "DELETE FROM \"%s\" WHERE hashKey=?1%s", t->name, t->range.name ? " AND rangeKey=?2" : "");
}

/* The point statement which (TS_GET or TS_DELETE) of t with k bound: the one shape of every
 * point read and delete. NULL with e set on failure. */
static sqlite3_stmt *key_stmt(store_t *st, table_t *t, int which, const rowkey_t *k, err_t *e)
{
    sqlite3_stmt *s = table_stmt(st, t, which, which == TS_GET ? get_sql : delete_sql, e);
    if (!s) return NULL;
    sqlite3_bind_blob(s, 1, k->hk, (int)k->hk_len, SQLITE_STATIC);
    if (t->range.name) sqlite3_bind_blob(s, 2, k->rk, (int)k->rk_len, SQLITE_STATIC);
    return s;
}

int store_get_item_sb(store_t *st, table_t *t, const rowkey_t *k, sb_t *out, err_t *e)
{
    sqlite3_stmt *s = key_stmt(st, t, TS_GET, k, e);
    if (!s) return -1;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) { sqlite3_reset(s); return 0; }
    if (rc != SQLITE_ROW) { sqlite3_reset(s); return store_error(st, e); }
    const void *p = sqlite3_column_blob(s, 0);
    int n = sqlite3_column_bytes(s, 0);
    if (p && n > 0) sb_add(out, p, (size_t)n);
    sqlite3_reset(s);
    return 1;
}

static void put_sql(sb_t *sql, const table_t *t)
{
    sb_printf(sql, "INSERT OR REPLACE INTO \"%s\" (hashKey,hashValue,itemSize,ObjectJSON", t->name);
    if (t->range.name) sb_puts(sql, ",rangeKey,rangeValue");
    if (t->has_hrv) sb_puts(sql, ",hashRangeValue");
    for (int i = 0; i < t->ncols; i++) sb_printf(sql, ",%s", t->cols[i].col);
    sb_puts(sql, ") VALUES (?1,?2,?3,?4");
    int p = 5;
    if (t->range.name) { sb_printf(sql, ",?%d,?%d", p, p + 1); p += 2; }
    if (t->has_hrv) sb_printf(sql, ",?%d", p++);
    for (int i = 0; i < t->ncols; i++) sb_printf(sql, ",?%d", p++);
    sb_putc(sql, ')');
}

static void insert_sql(sb_t *sql, const table_t *t)
{
    put_sql(sql, t);
    memmove(sql->buf + 7, sql->buf + 18, sql->len - 18 + 1);     /* "INSERT OR REPLACE" -> "INSERT" */
    sql->len -= 11;
}

/* Writes the row of item with statement which (TS_PUT: replacing, TS_INSERT: failing on an
 * existing key). Returns 1 written, 0 the key exists (TS_INSERT only), -1 error. */
static int put_row(store_t *st, table_t *t, int which, const rowkey_t *k, const cJSON *item,
                   const char *json, size_t len, int64_t size, err_t *e)
{
    sqlite3_stmt *s = table_stmt(st, t, which, which == TS_PUT ? put_sql : insert_sql, e);
    if (!s) return -1;
    if (t->ncols) sqlite3_clear_bindings(s);         /* an absent index key stays NULL (sparse) */
    int p;
    sqlite3_bind_blob(s, 1, k->hk, (int)k->hk_len, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, k->hv, 20, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, size);
    sqlite3_bind_blob(s, 4, json, (int)len, SQLITE_STATIC);
    p = 5;
    if (t->range.name) {
        sqlite3_bind_blob(s, p++, k->rk, (int)k->rk_len, SQLITE_STATIC);
        sqlite3_bind_blob(s, p++, k->rv, 20, SQLITE_STATIC);
    }
    if (t->has_hrv) {
        if (t->range.name) sqlite3_bind_blob(s, p, k->hrv, 20, SQLITE_STATIC);
        else sqlite3_bind_int(s, p, 0);
        p++;
    }
    unsigned char *bufs[64] = {0};
    int nb = 0;
    for (int i = 0; i < t->ncols; i++, p++) {
        const cJSON *av = jget(item, t->cols[i].attr), *v;
        const char *type = av ? av_type(av, &v) : NULL;
        if (!type || type[1] != 0 || type[0] != t->cols[i].type) continue;   /* NULL: sparse */
        unsigned char *buf = xmalloc(strlen(v->valuestring) + NUM_KEY_MAX);
        long n = key_encode_value(type[0], v, buf, strlen(v->valuestring) + NUM_KEY_MAX, e);
        if (n < 0) { free(buf); continue; }
        sqlite3_bind_blob(s, p, buf, (int)n, SQLITE_TRANSIENT);
        if (nb < 64) bufs[nb++] = buf; else free(buf);
    }
    int rc = sqlite3_step(s);
    int xrc = sqlite3_extended_errcode(st->db);
    for (int i = 0; i < nb; i++) free(bufs[i]);
    sqlite3_reset(s);
    if (rc == SQLITE_DONE) return 1;
    if (which == TS_INSERT && rc == SQLITE_CONSTRAINT &&
        (xrc == SQLITE_CONSTRAINT_PRIMARYKEY || xrc == SQLITE_CONSTRAINT_UNIQUE))
        return 0;
    return store_error(st, e);
}

int store_put_item(store_t *st, table_t *t, const rowkey_t *k, const cJSON *item,
                   const char *json, size_t len, int64_t size, err_t *e)
{
    return put_row(st, t, TS_PUT, k, item, json, len, size, e) < 0 ? -1 : 0;
}

int store_insert_item(store_t *st, table_t *t, const rowkey_t *k, const cJSON *item,
                      const char *json, size_t len, int64_t size, err_t *e)
{
    return put_row(st, t, TS_INSERT, k, item, json, len, size, e);
}

int store_delete_item(store_t *st, table_t *t, const rowkey_t *k, err_t *e)
{
    sqlite3_stmt *s = key_stmt(st, t, TS_DELETE, k, e);
    if (!s) return -1;
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) return store_error(st, e);
    return sqlite3_changes(st->db) > 0;
}

int store_txn_token_get(store_t *st, const char *token, unsigned char sig[20], int64_t *created_ms,
                        err_t *e)
{
    sqlite3_stmt *s = store_stmt(st, "SELECT TransactionSignature, CreationDateTime FROM tr "
                                 "WHERE TransactionId=?1", e);
    if (!s) return -1;
    sqlite3_bind_text(s, 1, token, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) { sqlite3_reset(s); return 0; }
    if (rc != SQLITE_ROW) { sqlite3_reset(s); return store_error(st, e); }
    const void *p = sqlite3_column_blob(s, 0);
    memset(sig, 0, 20);
    if (p) memcpy(sig, p, sqlite3_column_bytes(s, 0) < 20 ? (size_t)sqlite3_column_bytes(s, 0) : 20);
    *created_ms = sqlite3_column_int64(s, 1);
    sqlite3_reset(s);
    return 1;
}

int store_txn_token_put(store_t *st, const char *token, const unsigned char sig[20], int64_t now_ms,
                        err_t *e)
{
    sqlite3_stmt *s = store_stmt(st, "INSERT OR REPLACE INTO tr (TransactionId, TransactionSignature, "
                                 "CreationDateTime) VALUES (?1,?2,?3)", e);
    if (!s) return -1;
    sqlite3_bind_text(s, 1, token, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, sig, 20, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, now_ms);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : store_error(st, e);
}
