/*
 * index.c: range reads over a table and its secondary indexes, in DynamoDB Local's file layout
 * (dynamodb-local.md §10.3, §10.10). Query and Scan (op_query.c) describe what they want as a
 * range_spec_t (the partition column and value, the ORDER BY columns of the SQL index, bounds,
 * the ExclusiveStartKey position, a parallel scan segment) and receive rows one at a time;
 * every key range becomes an SQLite index range scan on the BLOB key columns, never a read of
 * the whole partition. Only this file and the other storage files see sqlite3.h.
 */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

/* Appends " AND <col> <op> ?<n>" to sql. */
static void add_cmp(sb_t *sql, const char *col, const char *op, int n)
{
    sb_printf(sql, " AND %s %s ?%d", col, op, n);
}

int index_range(store_t *st, const table_t *t, const range_spec_t *rs, range_row_fn fn, void *ctx,
                err_t *e)
{
    sb_t sql;
    sb_init(&sql);
    sb_printf(&sql, "SELECT ObjectJSON, itemSize FROM \"%s\" WHERE ", t->name);
    if (rs->hcol) sb_printf(&sql, "%s = ?1", rs->hcol);
    else sb_puts(&sql, "1");
    for (int i = 0; i < rs->nnotnull; i++) sb_printf(&sql, " AND %s IS NOT NULL", rs->notnull[i]);
    if (rs->lo_op) add_cmp(&sql, rs->ord[0], rs->lo_op == 2 ? ">" : ">=", 2);
    if (rs->hi_op) add_cmp(&sql, rs->ord[0], rs->hi_op == 2 ? "<" : "<=", 3);
    if (rs->has_start && rs->nord == 1) {
        add_cmp(&sql, rs->ord[0], rs->desc ? "<" : ">", 4);
    } else if (rs->has_start && rs->nord == 2) {
        /* (o0, o1) > (s0, s1), written so that "o0 >= s0" drives the index range */
        add_cmp(&sql, rs->ord[0], rs->desc ? "<=" : ">=", 4);
        sb_printf(&sql, " AND (%s %s ?4 OR %s %s ?5)", rs->ord[0], rs->desc ? "<" : ">", rs->ord[1],
                  rs->desc ? "<" : ">");
    } else if (rs->has_start && rs->nord == 3) {
        sb_printf(&sql, " AND (%s, %s, %s) %s (?4, ?5, ?9)", rs->ord[0], rs->ord[1], rs->ord[2], rs->desc ? "<" : ">");
    }
    if (rs->seg_lo) add_cmp(&sql, "hashValue", ">=", 6);
    if (rs->seg_hi) add_cmp(&sql, "hashValue", "<", 7);
    for (int i = 0; i < rs->nord; i++)
        sb_printf(&sql, "%s%s%s", i ? ", " : " ORDER BY ", rs->ord[i], rs->desc ? " DESC" : "");
    if (rs->limit >= 0) sb_puts(&sql, " LIMIT ?8");
    sqlite3_stmt *s = store_stmt(st, sb_cstr(&sql), e);
    sb_fini(&sql);
    if (!s) return -1;
    if (rs->hcol) sqlite3_bind_blob(s, 1, rs->hk, (int)rs->hk_len, SQLITE_STATIC);
    if (rs->lo_op) sqlite3_bind_blob(s, 2, rs->lo, (int)rs->lo_len, SQLITE_STATIC);
    if (rs->hi_op) sqlite3_bind_blob(s, 3, rs->hi, (int)rs->hi_len, SQLITE_STATIC);
    if (rs->has_start && rs->nord >= 1) sqlite3_bind_blob(s, 4, rs->start[0], (int)rs->start_len[0], SQLITE_STATIC);
    if (rs->has_start && rs->nord >= 2) sqlite3_bind_blob(s, 5, rs->start[1], (int)rs->start_len[1], SQLITE_STATIC);
    if (rs->has_start && rs->nord == 3) sqlite3_bind_blob(s, 9, rs->start[2], (int)rs->start_len[2], SQLITE_STATIC);
    if (rs->seg_lo) sqlite3_bind_blob(s, 6, rs->seg_lo, 20, SQLITE_STATIC);
    if (rs->seg_hi) sqlite3_bind_blob(s, 7, rs->seg_hi, 20, SQLITE_STATIC);
    if (rs->limit >= 0) sqlite3_bind_int64(s, 8, rs->limit);
    int rc, stop = 0;
    while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        const void *p = sqlite3_column_blob(s, 0);
        int n = sqlite3_column_bytes(s, 0);
        stop = fn(ctx, p ? p : "", (size_t)n, sqlite3_column_int64(s, 1));
        if (stop < 0) { sqlite3_reset(s); return -1; }
    }
    if (!stop && rc != SQLITE_DONE) { sqlite3_reset(s); return store_error(st, e); }
    sqlite3_reset(s);
    return 0;
}

/* ---- transient index statuses ------------------------------------------------------------- */

/* A CREATING or DELETING index and the time its status ends. Kept in memory only: after a
 * restart a transient status found in a file ends at once (index_settle). */
typedef struct pending {
    store_t *st;
    char *table, *index;
    int64_t due_ms;
    struct pending *next;
} pending_t;

static pending_t *pendings;

void index_pending_add(store_t *st, const char *table, const char *index, int64_t due_ms)
{
    pending_t *p = xcalloc(1, sizeof *p);
    p->st = st;
    p->table = xstrdup(table);
    p->index = xstrdup(index);
    p->due_ms = due_ms;
    p->next = pendings;
    pendings = p;
}

void index_pending_forget(store_t *st, const char *table)
{
    for (pending_t **pp = &pendings; *pp;) {
        pending_t *p = *pp;
        if (p->st == st && (!table || !strcmp(p->table, table))) {
            *pp = p->next;
            free(p->table);
            free(p->index);
            free(p);
        } else {
            pp = &p->next;
        }
    }
}

static int is_pending(store_t *st, const char *table, const char *index)
{
    for (pending_t *p = pendings; p; p = p->next)
        if (p->st == st && !strcmp(p->table, table) && !strcmp(p->index, index)) return 1;
    return 0;
}

int index_settle(store_t *st, const char *table, int64_t now, err_t *e)
{
    for (pending_t **pp = &pendings; *pp;) {
        pending_t *p = *pp;
        if (p->st != st || (table && strcmp(p->table, table)) || p->due_ms > now) { pp = &p->next; continue; }
        *pp = p->next;
        int rc = catalog_index_done(st, p->table, p->index, e);
        free(p->table);
        free(p->index);
        free(p);
        if (rc < 0) return -1;
    }
    if (!table) return 0;
    table_t *t;
    int found = catalog_get(st, table, &t, e);
    if (found <= 0) return found;
    const cJSON *gd = jget(t->info, "GSIDescList");
    for (const cJSON *d = gd ? gd->child : NULL; d; d = d->next) {
        const char *status = jstr(d, "IndexStatus"), *name = jstr(d, "IndexName");
        if (!status || !name || (strcmp(status, "CREATING") && strcmp(status, "DELETING"))) continue;
        if (is_pending(st, table, name)) continue;
        char *n = xstrdup(name);
        int rc = catalog_index_done(st, table, n, e);   /* t and d are invalid afterwards */
        free(n);
        if (rc < 0) return -1;
        return index_settle(st, table, now, e);
    }
    return 0;
}
