/*
 * core.h: the private interface between the layers of the core library (everything but the
 * server, HTTP and main). Like SQLite's sqliteInt.h: one place that declares the instance, the
 * request context, the operation table and the modules' entry points.
 *
 * Layering: only store.c and catalog.c include sqlite3.h; operation handlers (op_*.c) see a
 * parsed JSON request (cJSON) and write a JSON response into req->out; they never see HTTP.
 */
#ifndef DDB_CORE_H
#define DDB_CORE_H

#include <stdint.h>
#include <cjson/cJSON.h>

#include "ddblocal.h"
#include "err.h"
#include "sb.h"
#include "num.h"

#define DDB_ARN_PREFIX "arn:aws:dynamodb:ddblocal:000000000000:"
#define DDB_MAX_ITEM_SIZE 409600
#define DDB_MAX_HASH_KEY 2048
#define DDB_MAX_RANGE_KEY 1024
#define DDB_MAX_DEPTH 31     /* L/M containers inside one another (the item is the 32nd) */

/* ---- storage (store.c, catalog.c) ------------------------------------------------------ */

typedef struct store store_t;   /* one SQLite database in DynamoDB Local's format */

/* A key or index key attribute. type is 'S', 'N' or 'B'. */
typedef struct keydef {
    char *name;                  /* NULL when absent (no range key) */
    char type;
    const char *col;             /* SQLite column holding it ("hashKey", "indexKey_3") */
} keydef_t;

enum { PROJ_ALL, PROJ_KEYS_ONLY, PROJ_INCLUDE };

typedef struct index_def {
    char *name;
    int gsi;                     /* 1 GSI, 0 LSI */
    keydef_t hash, range;
    const cJSON *desc;           /* its entry of TableInfo GSIDescList / LSIList (borrowed) */
} index_def_t;

/* A column holding an index key attribute that is not a table key attribute. */
typedef struct colmap {
    char *attr;
    char type;
    char *col;
} colmap_t;

/* Table metadata, loaded from a dm row and cached by the store until the table changes. */
typedef struct table {
    char *name;
    keydef_t hash, range;        /* range.name == NULL for a hash-only table */
    cJSON *info;                 /* TableInfo JSON, owned; unknown members preserved */
    int64_t created_ms, ppr_ms, dp_update_ms;
    int64_t rcu, wcu;
    int billing_ppr;             /* dm.BillingMode: 1 = PAY_PER_REQUEST */
    int del_prot;                /* dm.DeletionProtectionEnabled: -1 'null', 0, 1 */
    int has_hrv;                 /* the table has a hashRangeValue column */
    index_def_t *idx; int nidx;  /* LSIs first, then GSIs */
    colmap_t *cols; int ncols;   /* index key columns (indexKey_N) */
    /* the table's enabled stream as stream.c last read it from sm/ss (stream_known 0: not yet
     * read; stream_view 0: no enabled stream). Fixed buffers: nothing to free. */
    int stream_known, stream_view;
    int64_t stream_shard_ms;     /* creation time of its open shard */
    char stream_arn[400], stream_shard[64];
    /* store.c's prepared point statements of this table (get, delete, put, insert; NULL until
     * first used), then stream.c's change record insert (stmt[4]), borrowed from the store's
     * statement cache; store_clear_stmts() resets them */
    void *stmt[5];
} table_t;

/* An item row's key, encoded for the SQLite columns and hashed as DynamoDB Local hashes. */
typedef struct rowkey {
    unsigned char hk[DDB_MAX_HASH_KEY + 64]; size_t hk_len;
    unsigned char rk[DDB_MAX_RANGE_KEY + 64]; size_t rk_len;
    unsigned char hv[20], rv[20], hrv[20];
    int has_range;
} rowkey_t;

/* Opens (creating the schema when new) the database at path, or an in-memory one when path is
 * NULL. Returns NULL with the reason in e. */
store_t *store_open(const char *path, err_t *e);
/* -optimizeDbBeforeStartup: VACUUM and ANALYZE the DynamoDB Local database file at path
 * (files without DynamoDB Local's cf table are left alone). Returns 0 or -1 with e set. */
int store_optimize(const char *path, err_t *e);
/* Checkpoints and closes. store_close(NULL) is a no-op. */
void store_close(store_t *st);
/* 1 when every item row of st was written by this process, through item_write(): the
 * database was created empty by store_open() (always so in memory). Such a row is already in
 * the form item_write() gives it, so it may be copied to an answer without item_is_canonical().
 * A file that existed may hold rows DynamoDB Local wrote. */
int store_rows_ours(const store_t *st);
int store_begin(store_t *st, err_t *e);
int store_commit(store_t *st, err_t *e);
void store_rollback(store_t *st);

/* Table metadata. Lookups return 1 found (with *out borrowed from the cache, valid until the
 * next DDL on that table), 0 not found, -1 error. */
int catalog_get(store_t *st, const char *name, table_t **out, err_t *e);
/* Names of all tables in byte order; *names and each name malloc'd. */
int catalog_list(store_t *st, char ***names, int *n, err_t *e);
/* Creates the SQLite table, its indexes and the dm row from a validated CreateTable request. */
int catalog_create(store_t *st, const cJSON *req, int64_t now_ms, err_t *e);
/* Drops the table and its dm row. */
int catalog_drop(store_t *st, const char *name, err_t *e);
/* Writes the dm columns of t (billing, throughput, deletion protection, TableInfo) back. */
int catalog_save(store_t *st, table_t *t, err_t *e);
/* Live statistics: item count and Σ itemSize, for the table (index NULL) or one index. */
int catalog_stats(store_t *st, table_t *t, const index_def_t *index, int64_t *count,
                  int64_t *bytes, err_t *e);

/* UpdateTable GSI Create: adds index cr (a validated Create member) to t with status CREATING,
 * Backfilling false: TableInfo entries, new indexKey_N columns (never reusing a number),
 * hashRangeValue when it is the table's first GSI, the rows' values filled from ObjectJSON and
 * the SQL index, in the caller's transaction. Takes ownership of attrs (the new
 * Attributes list). t is invalid afterwards (the cache is refreshed). Returns 0 / -1. */
int catalog_add_gsi(store_t *st, table_t *t, const cJSON *cr, cJSON *attrs, err_t *e);
/* UpdateTable GSI Delete: drops the SQL index and the mapping (the column stays, §10.3) and
 * marks the GSIDescList entry DELETING. Takes ownership of attrs. t is invalid afterwards. */
int catalog_drop_gsi(store_t *st, table_t *t, const char *index, cJSON *attrs, err_t *e);
/* Ends a transient index status: CREATING -> ACTIVE, DELETING -> removed. Returns 1 when
 * something changed, 0 when not (no such table or index), -1 on error. */
int catalog_index_done(store_t *st, const char *table, const char *index, err_t *e);
/* Transient index statuses (index.c): a change is recorded with the time it ends; settling
 * ends those of table whose time has come (all of them when table is NULL) and, with
 * table set, any CREATING/DELETING status no pending change explains (left by an earlier run).
 * Returns 0 / -1. */
void index_pending_add(store_t *st, const char *table, const char *index, int64_t due_ms);
int index_settle(store_t *st, const char *table, int64_t now, err_t *e);
/* Forgets the pending changes of a store (closing it) or of one table (deleted). */
void index_pending_forget(store_t *st, const char *table);

/* Item rows. store_get_item_sb appends the stored ObjectJSON of key k to out and returns 1,
 * or 0 when there is no such row (out unchanged), -1 with e set on failure. */
int store_get_item_sb(store_t *st, table_t *t, const rowkey_t *k, sb_t *out, err_t *e);
/* Inserts or replaces the row of item (validated, keys checked) with its JSON text. */
int store_put_item(store_t *st, table_t *t, const rowkey_t *k, const cJSON *item,
                   const char *json, size_t len, int64_t size, err_t *e);
/* The same when no row of key k exists: 1 inserted, 0 there is one (nothing written), -1. */
int store_insert_item(store_t *st, table_t *t, const rowkey_t *k, const cJSON *item,
                      const char *json, size_t len, int64_t size, err_t *e);
/* Deletes the row; returns 1 when a row was deleted, 0 when there was none. */
int store_delete_item(store_t *st, table_t *t, const rowkey_t *k, err_t *e);

/* ---- range reads (index.c) ------------------------------------------------------------- */

/* What Query and Scan read: rows of one table, optionally restricted to one partition
 * (hcol = hk), in the order of the SQL index given by ord[] (ascending, or descending with
 * desc), starting after an ExclusiveStartKey position. Column names are borrowed. */
typedef struct range_spec {
    const char *hcol;                        /* partition column, NULL: every row (Scan) */
    const unsigned char *hk; size_t hk_len;  /* its encoded value */
    const char *notnull[2]; int nnotnull;    /* columns that must be set (sparse indexes) */
    const char *ord[3]; int nord;            /* ORDER BY columns (index keys, tie-breaker) */
    int lo_op, hi_op;                        /* bounds on ord[0]: 0 none, 1 inclusive, 2 strict */
    const unsigned char *lo, *hi; size_t lo_len, hi_len;
    int desc;
    int has_start;                           /* resume after (start[0], start[1]) in ord order */
    const unsigned char *start[3]; size_t start_len[3];
    const unsigned char *seg_lo, *seg_hi;    /* parallel scan: hashValue in [lo, hi), 20 bytes */
    int64_t limit;                           /* at most this many rows; -1 no limit */
} range_spec_t;

/* Called per row with the row's ObjectJSON (not NUL-terminated) and itemSize. Returns 0 to go
 * on, 1 to stop, -1 to stop with an error the callback has set. */
typedef int (*range_row_fn)(void *ctx, const char *json, size_t len, int64_t size);

/* Reads the rows of t described by rs in order, calling fn for each. Returns 0, or -1 with e
 * set (a storage error, or the callback's -1). */
int index_range(store_t *st, const table_t *t, const range_spec_t *rs, range_row_fn fn, void *ctx,
                err_t *e);

/* ---- change records (stream.c) --------------------------------------------------------- */

/* 1 when a write to t must know the item as it was before, parsed (the table has an enabled
 * stream, or its stream state could not be read): writers then load it and pass it to
 * item_store()/item_remove(). 0: item_put_new() may be used. */
int stream_wants_old(store_t *st, table_t *t);
/* Records one item change (old -> item; either may be NULL) on t's stream, if it has one, in
 * the caller's transaction: INSERT, MODIFY or REMOVE; nothing for an identical overwrite.
 * Returns 0 / -1 with e set. */
int stream_on_write(store_t *st, table_t *t, const cJSON *old, const cJSON *item, int64_t now_ms,
                    err_t *e);
/* The stream clock: now plus DDBLOCAL_STREAM_CLOCK_OFFSET_MS (read once; a test hook that
 * makes shard rollover and retention happen without waiting). */
int64_t stream_clock(int64_t now_ms);
/* StreamSpecification of UpdateTable / CreateTable / DeleteTable (§11.7). stream_enable creates
 * a new stream (new ARN, label, shard) for t with view type view; stream_disable marks the
 * table's enabled stream DISABLED and closes its shard, returning 1, or 0 when there was none.
 * Both forget t's cached metadata. Return -1 with e set on storage errors. */
int stream_enable(store_t *st, table_t *t, const char *view, int64_t now_ms, err_t *e);
int stream_disable(store_t *st, const char *table, int64_t now_ms, err_t *e);
/* 1 when t has an enabled stream (its view type copied into view, 32 bytes), 0 when not. */
int stream_enabled(store_t *st, table_t *t, char *view, err_t *e);
/* DescribeTable's stream members (StreamSpecification while enabled, then LatestStreamLabel and
 * LatestStreamArn of the latest stream created since the table was), each with a leading comma. */
int stream_describe_table(store_t *st, table_t *t, sb_t *sb, err_t *e);

/* What the Streams API reads (stream.c for op_stream.c). Strings are malloc'd. */
typedef struct stream_row {
    char *arn, *table, *status, *info;   /* sm row; info is StreamInfo JSON */
    int64_t created_ms;
} stream_row_t;
typedef struct shard_row {
    char *id, *parent;                   /* parent NULL when none */
    int64_t created_ms, start, end;      /* end -1 while open */
} shard_row_t;
/* Trims records, shards and streams past retention and rolls over shards older than 4 hours
 * (stream clock); at most once a second. */
int stream_maintain(store_t *st, int64_t now_ms, err_t *e);
/* Every stream (table NULL) or those of one table name, in StreamArn string order. */
int stream_list(store_t *st, const char *table, stream_row_t **out, int *n, err_t *e);
/* One stream: 1 found, 0 not, -1 error. */
int stream_get(store_t *st, const char *arn, stream_row_t *out, err_t *e);
void stream_rows_free(stream_row_t *v, int n);
/* The shards of a stream, oldest first. */
int stream_shards(store_t *st, const char *arn, shard_row_t **out, int *n, err_t *e);
void shard_rows_free(shard_row_t *v, int n);
/* Writes up to limit records of shard from sequence number from on as GetRecords records
 * (comma separated) into sb; *last is the last written sequence number (0: none). Returns
 * how many it wrote, or -1. */
int stream_read(store_t *st, const char *shard, int64_t from, int limit, sb_t *sb, int64_t *last,
                err_t *e);
/* The sequence numbers of the first and last record of shard (both 0: no record). 0 / -1. */
int stream_shard_bounds(store_t *st, const char *shard, int64_t *first, int64_t *last, err_t *e);

/* ---- attribute values, items and keys (av.c, item.c, key.c) ---------------------------- */

/* Validates one AttributeValue as DynamoDB Local does and normalizes it in place (N values
 * rewritten in normalized form). depth is the nesting level of av (1 for a top attribute).
 * Returns 0, or -1 with a ValidationException / SerializationException in e. */
int av_check(cJSON *av, int depth, err_t *e);
/* Validates every attribute of an item map ({"name": AttributeValue, ...}) in request order;
 * removes earlier duplicates of a name (the last one wins, as in DynamoDB Local). With
 * max_size > 0 the item size is checked as a running total after each attribute, which decides
 * which error DynamoDB Local reports first (test_items.py test_order_put). */
int av_check_map(cJSON *map, int64_t max_size, err_t *e);
/* The same, with max_size > 0, also giving the item size (item_size) of the checked map. */
int av_check_item(cJSON *map, int64_t max_size, int64_t *item_size_out, err_t *e);
/* Size of one attribute (name + value) under the item size rule. */
int64_t item_attr_size(const cJSON *attr);
/* The type tag of a validated AttributeValue ("S", "N", ...) and its value node. */
const char *av_type(const cJSON *av, const cJSON **val);
/* Strict base64 decoding; returns the decoded length or -1. out needs 3*len/4 bytes. */
long b64_decode(const char *in, size_t len, unsigned char *out);

/* Parses JSON (trailing text ignored, as DynamoDB Local ignores it) keeping "\u0000" inside
 * strings as the bytes C0 80 (json.c). Returns NULL when the text is not JSON. */
cJSON *json_parse(const char *text, size_t len, const char **end);
/* NULL when text is well-formed UTF-8 without raw control characters inside strings, else the
 * reason (DynamoDB Local answers such bodies with a 500; we answer 400 SerializationException,
 * compat/DEVIATIONS.md D1). */
const char *json_check_text(const char *text, size_t len);
/* Copies a parsed string into out with C0 80 turned back into 00; returns the length. out
 * needs strlen(s) bytes. */
size_t json_unmod(const char *s, unsigned char *out);
/* The length of a parsed string in bytes of real UTF-8 (C0 80 counts as one byte). */
size_t json_strlen(const char *s);

/* DynamoDB Local's item size rule (§10.8). */
int64_t item_size(const cJSON *item);
/* Fills order[] with the permutation of names[0..n) in java.util.HashMap iteration order, for a
 * map created with the given initial capacity (0: new HashMap<>(n), as DynamoDB Local builds
 * attribute maps; 16: a default HashMap). */
void item_hashmap_order(const char *const *names, int n, int initial, int *order);
/* Whether json (a stored ObjectJSON) is byte for byte what item_write() writes for the item
 * it holds: checked conservatively without parsing (compact, printable ASCII, no escapes, every
 * map in HashMap order), so a row may be copied to a response as stored. */
int item_is_canonical(const char *json, size_t len);
/* Writes an attribute map in DynamoDB Local's member order (Java HashMap order, §3.3). */
void item_write(sb_t *sb, const cJSON *map);
/* Writes one attribute value ({"S":...}) as item_write writes it. */
void item_write_value(sb_t *sb, const cJSON *av);
/* Writes only the attributes listed in names (AttributesToGet), in DynamoDB Local's order. */
void item_write_only(sb_t *sb, const cJSON *map, const cJSON *names);

/* Checks the key attributes of item/key against table t and encodes them into *k.
 * flags: KEY_PARAM for a Key parameter (exactly the key attributes) rather than a whole item;
 * KEY_HASH to also compute the hash columns (only writes of a row need them). */
enum { KEY_PARAM = 1, KEY_HASH = 2 };
int key_extract(const table_t *t, const cJSON *item, int flags, rowkey_t *k, err_t *e);
/* Encodes one key value of type 'S'/'N'/'B' into its SQLite column bytes. Returns length or
 * -1 (e set). */
long key_encode_value(char type, const cJSON *val, unsigned char *out, size_t cap, err_t *e);
/* SHA1("LocalDdb" || bytes of a key value) as DynamoDB Local hashes keys (§10.7). */
void key_hash(char type, const cJSON *val, unsigned char out[20]);
void key_hash_pair(const unsigned char hv[20], const unsigned char rv[20], unsigned char out[20]);

/* ---- the one write path of items (op_item.c) -------------------------------------------- */

struct req;
/* Every item write goes through these (PutItem, UpdateItem, DeleteItem, batches, transactions,
 * TTL): the row with its index columns, then the change record, in the caller's transaction.
 * old is the item as it was (NULL when absent); it must be the real one whenever
 * stream_wants_old(t). item_store writes item (validated, key k, size its item size);
 * item_remove deletes the row of k. Return 0 / -1 with r->err set. */
int item_store(struct req *r, table_t *t, const rowkey_t *k, const cJSON *old, const cJSON *item,
               int64_t size);
int item_remove(struct req *r, table_t *t, const rowkey_t *k, const cJSON *old);
/* item_store() for a writer that needs nothing of the old item itself (no condition,
 * ReturnValues or capacity): a new key is inserted without a read; an existing row is only
 * compared with the new one, unparsed when it can be, unless stream_wants_old(t). 0 / -1. */
int item_put_new(struct req *r, table_t *t, const rowkey_t *k, const cJSON *item, int64_t size);

/* Per-item machinery of op_item.c shared with batches and transactions (op_batch.c,
 * op_txn.c); contracts at their definitions. item_condition_check runs a TransactWriteItems
 * ConditionCheck held in r->in. */
int item_load(struct req *r, table_t *t, const rowkey_t *k, cJSON **item);
int item_check_index_keys(struct req *r, const table_t *t, const cJSON *item);
int item_check_attributes_to_get(struct req *r, const cJSON *atg);
void item_put_units(sb_t *sb, double u);
int item_condition_check(struct req *r);
int item_capacity_mode(struct req *r, int *mode);

/* Transaction client tokens in DynamoDB Local's tr table (store.c). get returns 1 with the
 * 20-byte signature and creation time, 0 when the token is unknown, -1 on error; put inserts
 * or replaces the row, in the caller's transaction. */
int store_txn_token_get(store_t *st, const char *token, unsigned char sig[20], int64_t *created_ms,
                        err_t *e);
int store_txn_token_put(store_t *st, const char *token, const unsigned char sig[20], int64_t now_ms,
                        err_t *e);

/* ---- instance, requests and operations (ddb.c, proto.c, ops.c) ------------------------- */

typedef struct dbslot {
    char *name;                  /* file name, or the credentials for in-memory databases */
    store_t *st;
    struct dbslot *next;
} dbslot_t;

struct ddb {
    ddb_config_t cfg;
    char *db_path;               /* -dbPath, or "." */
    char *cors;
    dbslot_t *dbs;
    struct trig_engine *trig;    /* stream triggers (trig.c); NULL until a mapping is added */
};

typedef struct req {
    ddb_t *ddb;
    store_t *st;
    cJSON *in;                   /* the request body (an object) */
    sb_t out;                    /* the response body */
    err_t err;
    int64_t now_ms;
} req_t;

/* Field types of the central request check. */
typedef enum { FT_STRING = 1, FT_INT, FT_BOOL, FT_MAP, FT_LIST, FT_ANY } field_type_t;

typedef struct field_spec {
    const char *name;
    field_type_t type;
} field_spec_t;

enum { OPF_READ = 1, OPF_WRITE = 2, OPF_STREAMS = 4, OPF_TAGGING = 8 };

#define DDB_OP(wire, stem, flags) \
    int op_##stem(req_t *r); \
    extern const field_spec_t spec_##stem[];
#include "ops.def"
#undef DDB_OP

typedef struct op_def {
    const char *wire;
    int (*handler)(req_t *r);
    const field_spec_t *spec;
    int flags;
} op_def_t;

/* Finds an operation by wire name within a prefix (streams or not); NULL when unknown. */
const op_def_t *ops_find(const char *name, size_t len, int streams);
/* Checks and coerces the request's top-level fields against the spec (wrong JSON types that
 * cannot be coerced -> SerializationException). */
int ops_check_spec(const field_spec_t *spec, cJSON *in, err_t *e);

/* Returns the database chosen by the credentials, opening it on first use. */
store_t *ddb_db_for(ddb_t *ddb, const char *access_key, const char *region, err_t *e);

/* Small helpers for handlers (ops.c). */
cJSON *jget(const cJSON *obj, const char *name);    /* the last member of that name */
const char *jstr(const cJSON *obj, const char *name); /* string member or NULL */
int64_t now_ms(void);
/* Validates a TableName value (NULL = missing) with DynamoDB Local's message. */
int check_table_name(const char *name, err_t *e);
/* Looks up the request's table: missing -> ResourceNotFoundException. */
int require_table(req_t *r, const char *name, table_t **t);
/* Writes "<ms/1000>.<ms%1000>" as DynamoDB Local writes epoch times. */
void put_epoch(sb_t *sb, int64_t ms);

#endif
