/*
 * store_int.h: private to the storage layer (store.c, catalog.c): the store structure, the
 * prepared statement cache and the table metadata cache. Only files that include this header
 * see sqlite3.h.
 */
#ifndef DDB_STORE_INT_H
#define DDB_STORE_INT_H

#include <sqlite3.h>
#include "core.h"

#define STMT_BUCKETS 256

typedef struct stmt_entry {
    char *sql;
    sqlite3_stmt *stmt;
    struct stmt_entry *next;
} stmt_entry_t;

typedef struct table_entry {
    table_t *t;
    struct table_entry *next;
} table_entry_t;

struct store {
    sqlite3 *db;
    int in_memory;
    int rows_ours;                /* every item row was written by this process (store_rows_ours) */
    stmt_entry_t *stmts[STMT_BUCKETS];
    table_entry_t *tables;        /* metadata cache */
    int64_t stream_seq;           /* next stream sequence number, 0: not read yet (stream.c) */
    int64_t stream_maint_ms;      /* last stream_maintain run */
};

/* A cached prepared statement for sql, reset and with its bindings cleared. NULL with e set on
 * failure. The statement stays owned by the cache. */
sqlite3_stmt *store_stmt(store_t *st, const char *sql, err_t *e);
/* Runs SQL without results. */
int store_exec(store_t *st, const char *sql, err_t *e);
/* Sets e to an InternalFailure describing the SQLite error; returns -1. */
int store_error(store_t *st, err_t *e);
/* Forgets every cached statement (after DDL that drops tables). */
void store_clear_stmts(store_t *st);
/* Forgets the cached metadata of one table (NULL: all). */
void catalog_forget(store_t *st, const char *name);
void table_free(table_t *t);

#endif
