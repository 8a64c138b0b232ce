/*
 * op_batch.c: BatchGetItem and BatchWriteItem. Both validate the whole request before reading
 * or writing anything, in DynamoDB Local's two phases (tests/e2e/test_batch.py):
 *   1. the shape of the request: something requested, no empty list, the item limit (100 keys,
 *      25 writes), each request's shape and attribute values, in request order;
 *   2. per table in Java HashMap order of the table names: the name, the table, projections,
 *      then each key against the schema and duplicate keys.
 * Writes go through item_store()/item_remove() (indexes and stream records), in the one SQLite
 * transaction of the request. UnprocessedKeys is used only when the 16 MB response limit is
 * reached; UnprocessedItems is always empty.
 */
#include "core.h"
#include "expr.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BATCH_GET_MAX 100
#define BATCH_WRITE_MAX 25
#define BATCH_GET_MAX_BYTES (16 * 1024 * 1024)

const field_spec_t spec_batch_get_item[] = {
    {"RequestItems", FT_MAP}, {"ReturnConsumedCapacity", FT_STRING}, {NULL, 0},
};
const field_spec_t spec_batch_write_item[] = {
    {"RequestItems", FT_MAP}, {"ReturnConsumedCapacity", FT_STRING},
    {"ReturnItemCollectionMetrics", FT_STRING}, {NULL, 0},
};

static int shape_error(req_t *r, const cJSON *j, const char *want)
{
    if (cJSON_IsArray(j)) return err_set(&r->err, ERR_SERIALIZATION, "Start of list found where not expected");
    if (cJSON_IsObject(j))
        return err_set(&r->err, ERR_SERIALIZATION, "Start of structure or map found where not expected");
    return err_set(&r->err, ERR_SERIALIZATION, "Unexpected value where %s was expected", want);
}

/* The tables of a RequestItems map in Java HashMap order (DynamoDB Local walks them so).
 * initial: 0 for a map sized to its members, 16 for a default HashMap. Returns a malloc'd
 * array of n members. */
static const cJSON **tables_in_order(const cJSON *ri, int initial, int *n)
{
    *n = cJSON_GetArraySize(ri);
    const cJSON **tabs = xmalloc((size_t)(*n ? *n : 1) * sizeof *tabs);
    const char **names = xmalloc((size_t)(*n ? *n : 1) * sizeof *names);
    int *order = xmalloc((size_t)(*n ? *n : 1) * sizeof *order);
    int i = 0;
    for (const cJSON *j = ri->child; j; j = j->next, i++) names[i] = j->string;
    item_hashmap_order(names, *n, initial, order);
    for (i = 0; i < *n; i++) {
        const cJSON *j = ri->child;
        for (int m = 0; m < order[i]; m++) j = j->next;
        tabs[i] = j;
    }
    free(names);
    free(order);
    return tabs;
}

/* Java's String.hashCode() over the UTF-16 units of a UTF-8 string (C0 80 is U+0000). */
static uint32_t java_str_hash(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    uint32_t h = 0;
    while (*p) {
        uint32_t c = *p++;
        int more = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
        c &= more == 3 ? 0x07 : more == 2 ? 0x0F : more == 1 ? 0x1F : 0x7F;
        for (; more && (*p & 0xC0) == 0x80; more--) c = (c << 6) | (*p++ & 0x3F);
        if (c >= 0x10000) {
            c -= 0x10000;
            h = 31 * h + (0xD800 + (c >> 10));
            h = 31 * h + (0xDC00 + (c & 0x3FF));
        } else {
            h = 31 * h + c;
        }
    }
    return h;
}

static uint32_t pow31(int n)
{
    uint32_t p = 1;
    while (n--) p *= 31;
    return p;
}

/* The hashCode() of a key map as DynamoDB Local holds it (a java.util.Map of the AWS SDK v1's
 * AttributeValue, whose hashCode folds S, N, B, ... in that order): the sum over attributes of
 * name.hashCode() ^ value.hashCode(). */
static uint32_t java_key_hash(const cJSON *key)
{
    uint32_t sum = 0;
    for (const cJSON *a = key->child; a; a = a->next) {
        const cJSON *v;
        const char *type = av_type(a, &v);
        uint32_t fh = 0;
        int field = 0;
        if (type && !strcmp(type, "S")) { fh = java_str_hash(v->valuestring); field = 0; }
        else if (type && !strcmp(type, "N")) { fh = java_str_hash(v->valuestring); field = 1; }
        else if (type && !strcmp(type, "B")) {
            size_t len = strlen(v->valuestring);
            unsigned char *buf = xmalloc(len + 3);
            long n = b64_decode(v->valuestring, len, buf);
            fh = 1;
            for (long i = n - 1; i >= 0; i--) fh = 31 * fh + (uint32_t)(int32_t)(signed char)buf[i];
            free(buf);
            field = 2;
        }
        uint32_t vh = pow31(10) + pow31(9 - field) * fh;
        sum += java_str_hash(a->string) ^ vh;
    }
    return sum;
}

static int same_key(const rowkey_t *a, const rowkey_t *b)
{
    return a->hk_len == b->hk_len && !memcmp(a->hk, b->hk, a->hk_len) && a->rk_len == b->rk_len &&
           !memcmp(a->rk, b->rk, a->rk_len);
}

/* One ConsumedCapacity entry: the table's units plus, for writes (iu != NULL), the units of
 * each index written, listed with INDEXES (LSIs, then GSIs) as PutItem lists them. */
static void write_capacity_entry(sb_t *sb, const table_t *t, double units, const double *iu, int mode,
                                 int first)
{
    double total = units;
    for (int i = 0; iu && i < t->nidx; i++) total += iu[i];
    sb_puts(sb, first ? "{\"TableName\":" : ",{\"TableName\":");
    sb_json_str(sb, t->name, strlen(t->name));
    sb_puts(sb, ",\"CapacityUnits\":");
    item_put_units(sb, total);
    if (mode == 2) {
        sb_puts(sb, ",\"Table\":{\"CapacityUnits\":");
        item_put_units(sb, units);
        sb_putc(sb, '}');
        for (int pass = 0; iu && pass < 2; pass++) {
            int firstix = 1;
            for (int i = 0; i < t->nidx; i++) {
                if (t->idx[i].gsi != pass || iu[i] == 0) continue;
                sb_puts(sb, !firstix ? "," : pass ? ",\"GlobalSecondaryIndexes\":{" : ",\"LocalSecondaryIndexes\":{");
                firstix = 0;
                sb_json_str(sb, t->idx[i].name, strlen(t->idx[i].name));
                sb_puts(sb, ":{\"CapacityUnits\":");
                item_put_units(sb, iu[i]);
                sb_putc(sb, '}');
            }
            if (!firstix) sb_putc(sb, '}');
        }
    }
    sb_putc(sb, '}');
}

/* Whether item has the key attributes of index ix (it is then written to the index). */
static int in_index(const index_def_t *ix, const cJSON *item)
{
    return item && jget(item, ix->hash.name) && (!ix->range.name || jget(item, ix->range.name));
}

/* ---- BatchWriteItem ------------------------------------------------------------------- */

typedef struct wreq {
    cJSON *item;                 /* PutRequest.Item, or NULL for a delete */
    cJSON *key;                  /* DeleteRequest.Key */
    table_t *t;
    rowkey_t k;
} wreq_t;

/* Applies one BatchWriteItem request and adds its capacity to *units (and to iunits[ix] for
 * each index the item is or was in): a put bills its size in KB (the old item's when larger),
 * a delete the old item's, 2.0 when there was none, as DynamoDB Local counts. Returns 0 / -1
 * with r->err set. */
static int apply_write(req_t *r, wreq_t *x, int cap, double *units, double *iunits)
{
    cJSON *old = NULL;
    if (x->item && !cap)
        return item_put_new(r, x->t, &x->k, x->item, (int64_t)x->item->valuedouble);
    if (item_load(r, x->t, &x->k, &old) < 0) return -1;
    int rc;
    double u;
    if (x->item) {
        int64_t size = (int64_t)x->item->valuedouble, osize = old ? item_size(old) : 0;
        rc = item_store(r, x->t, &x->k, old, x->item, size);
        u = ceil((double)(size > osize ? size : osize) / 1024.0);
    } else {
        rc = item_remove(r, x->t, &x->k, old);
        u = old ? ceil((double)item_size(old) / 1024.0) : 2.0;
    }
    *units += u;
    for (int ix = 0; ix < x->t->nidx; ix++)
        if (in_index(&x->t->idx[ix], x->item) || in_index(&x->t->idx[ix], old)) iunits[ix] += u;
    cJSON_Delete(old);
    return rc;
}

int op_batch_write_item(req_t *r)
{
    const cJSON *ri = jget(r->in, "RequestItems");
    if (!ri || !ri->child) return err_validation(&r->err, "BatchWriteItem cannot have a null or no requests set");
    int count = 0;
    for (const cJSON *tj = ri->child; tj; tj = tj->next) {
        if (cJSON_IsNull(tj)) return err_validation(&r->err, "The batch write request list for a table cannot be null "
                                                    "or empty: %s", tj->string);
        if (!cJSON_IsArray(tj)) return shape_error(r, tj, "a list");
        int n = cJSON_GetArraySize(tj);
        if (!n) return err_validation(&r->err, "The batch write request list for a table cannot be null or empty: %s",
                                      tj->string);
        count += n;
    }
    if (count > BATCH_WRITE_MAX) return err_validation(&r->err, "Too many items requested for the BatchWriteItem call");

    /* phase 1: the shape of each request and its attribute values, in request order */
    for (const cJSON *tj = ri->child; tj; tj = tj->next) {
        for (const cJSON *wj = tj->child; wj; wj = wj->next) {
            if (!cJSON_IsObject(wj)) return shape_error(r, wj, "a structure");
            cJSON *put = jget(wj, "PutRequest"), *del = jget(wj, "DeleteRequest");
            if (!put == !del)
                return err_validation(&r->err, "Supplied AttributeValue has more than one datatypes set, must contain "
                                      "exactly one of the supported datatypes");
            cJSON *m = put ? jget(put, "Item") : jget(del, "Key");
            if (!m) return err_validation(&r->err, "The supplied Item contains a null AttributeValue");
            if (!cJSON_IsObject(m)) return shape_error(r, m, "a structure");
            int64_t size = 0;
            if (av_check_item(m, put ? DDB_MAX_ITEM_SIZE : 0, &size, &r->err) < 0) return -1;
            m->valuedouble = (double)size;     /* an object's unused number: the item size (apply_write) */
        }
    }

    /* phase 2: per table in HashMap order, the table, the keys, duplicates */
    int ntab, nw = 0, rc = -1;
    const cJSON **tabs = tables_in_order(ri, 0, &ntab);
    wreq_t *w = xcalloc((size_t)count, sizeof *w);
    table_t **tabt = xcalloc((size_t)ntab, sizeof *tabt);
    int *wfirst = xcalloc((size_t)ntab + 1, sizeof *wfirst);
    const cJSON **t16 = NULL;
    for (int i = 0; i < ntab; i++) {
        const cJSON *tj = tabs[i];
        if (check_table_name(tj->string, &r->err) < 0 || require_table(r, tj->string, &tabt[i]) < 0) goto done;
        int first = nw;
        wfirst[i] = nw;
        for (const cJSON *wj = tj->child; wj; wj = wj->next) {
            wreq_t *x = &w[nw];
            cJSON *put = jget(wj, "PutRequest");
            x->t = tabt[i];
            if (put) {
                x->item = jget(put, "Item");
                if (key_extract(x->t, x->item, KEY_HASH, &x->k, &r->err) < 0) goto done;
                if (item_check_index_keys(r, x->t, x->item) < 0) goto done;
            } else {
                x->key = jget(jget(wj, "DeleteRequest"), "Key");
                if (key_extract(x->t, x->key, KEY_PARAM, &x->k, &r->err) < 0) goto done;
            }
            for (int j = first; j < nw; j++)
                if (same_key(&w[j].k, &x->k)) {
                    err_validation(&r->err, "Provided list of item keys contains duplicates");
                    goto done;
                }
            nw++;
        }
    }
    wfirst[ntab] = nw;
    int cap;
    if (item_capacity_mode(r, &cap) < 0) goto done;

    /* phase 3: the writes; capacity per table (a put: its size in KB; a delete: the old
     * item's, 2.0 when there was none, as DynamoDB Local counts) */
    double *units = xcalloc((size_t)ntab, sizeof *units);
    double **iunits = xcalloc((size_t)ntab, sizeof *iunits);
    for (int j = 0; j < ntab; j++) iunits[j] = xcalloc((size_t)tabt[j]->nidx + 1, sizeof **iunits);
    /* DynamoDB Local applies the tables in default HashMap order of their names and, within a
     * table, every put before the deletes (the order of their stream records:
     * test_streams.py test_batch_write_tables_in_hashmap_order, test_batch_write_puts_then_deletes) */
    int n16;
    t16 = tables_in_order(ri, 16, &n16);
    for (int i = 0; i < n16 && r->err.code == ERR_NONE; i++) {
        int j = 0;
        while (tabs[j] != t16[i]) j++;
        for (int pass = 0; pass < 2; pass++)                  /* puts, then deletes */
            for (int k = wfirst[j]; k < wfirst[j + 1] && r->err.code == ERR_NONE; k++)
                if ((w[k].item == NULL) == pass) apply_write(r, &w[k], cap, &units[j], iunits[j]);
    }
    if (r->err.code != ERR_NONE) {
        for (int j = 0; j < ntab; j++) free(iunits[j]);
        free(iunits);
        free(units);
        goto done;
    }
    sb_puts(&r->out, "{\"UnprocessedItems\":{}");
    if (cap) {
        /* DynamoDB Local lists them in default HashMap order of the table names */
        sb_puts(&r->out, ",\"ConsumedCapacity\":[");
        for (int i = 0; i < n16; i++)
            for (int j = 0; j < ntab; j++)
                if (tabs[j] == t16[i]) write_capacity_entry(&r->out, tabt[j], units[j], iunits[j], cap, i == 0);
        sb_putc(&r->out, ']');
    }
    sb_putc(&r->out, '}');
    for (int j = 0; j < ntab; j++) free(iunits[j]);
    free(iunits);
    free(units);
    rc = 0;
done:
    free(t16);
    free(wfirst);
    free(tabs);
    free(tabt);
    free(w);
    return rc;
}

/* ---- BatchGetItem --------------------------------------------------------------------- */

typedef struct gtab {
    const cJSON *req;            /* the table's KeysAndAttributes */
    table_t *t;
    rowkey_t *keys;
    const cJSON **keyj;
    int nkeys;
    int *order;                  /* the keys in DynamoDB Local's HashMap order */
    const cJSON *atg;
    expr_env_t env;
    expr_t *proj;
    int consistent;
    double units;
} gtab_t;

/* Phase 2 for one table: the table, its projection parameters, its keys. */
static int check_get_table(req_t *r, const cJSON *tj, gtab_t *g)
{
    if (check_table_name(tj->string, &r->err) < 0) return -1;
    if (require_table(r, tj->string, &g->t) < 0) return -1;
    const char *pe = jstr(tj, "ProjectionExpression");
    g->atg = jget(tj, "AttributesToGet");
    if (g->atg && pe)
        return err_validation(&r->err, "Can not use both expression and non-expression parameters in the same request: "
                              "Non-expression parameters: {AttributesToGet} Expression parameters: "
                              "{ProjectionExpression}");
    if (g->atg && item_check_attributes_to_get(r, g->atg) < 0) return -1;
    if (jget(tj, "ExpressionAttributeNames") && !pe)
        return err_validation(&r->err, "ExpressionAttributeNames can only be specified when using expressions");
    if (expr_check_maps(&g->env, &r->err) < 0) return -1;
    if (pe && !(g->proj = expr_parse(&g->env, EXPR_PROJECTION, pe, &r->err))) return -1;
    if (expr_check_unused(&g->env, &r->err) < 0) return -1;
    g->consistent = cJSON_IsTrue(jget(tj, "ConsistentRead"));
    int i = 0;
    for (const cJSON *kj = jget(tj, "Keys")->child; kj; kj = kj->next, i++) {
        if (key_extract(g->t, kj, KEY_PARAM, &g->keys[i], &r->err) < 0) return -1;
        g->keyj[i] = kj;
    }
    /* DynamoDB Local reads the keys from a HashMap sized for them: bucket order, then request
     * order within a bucket (test_batch.py; compat bt-get-two-items-order) */
    uint32_t cap = 1;
    while (cap < (uint32_t)g->nkeys) cap <<= 1;
    while ((double)g->nkeys > 0.75 * cap) cap <<= 1;
    uint32_t *bucket = xmalloc((size_t)g->nkeys * sizeof *bucket);
    for (i = 0; i < g->nkeys; i++) {
        uint32_t h = java_key_hash(g->keyj[i]);
        bucket[i] = (h ^ (h >> 16)) & (cap - 1);
        g->order[i] = i;
    }
    for (i = 1; i < g->nkeys; i++)       /* stable insertion sort by bucket */
        for (int j = i; j > 0 && bucket[g->order[j - 1]] > bucket[g->order[j]]; j--) {
            int tmp = g->order[j];
            g->order[j] = g->order[j - 1];
            g->order[j - 1] = tmp;
        }
    free(bucket);
    return 0;
}

/* Writes a table's KeysAndAttributes with only the keys from position from on. */
static void write_unprocessed(sb_t *sb, const gtab_t *g, int from, int first)
{
    if (!first) sb_putc(sb, ',');
    sb_json_str(sb, g->req->string, strlen(g->req->string));
    sb_puts(sb, ":{\"Keys\":[");
    for (int i = from; i < g->nkeys; i++) {
        if (i > from) sb_putc(sb, ',');
        item_write(sb, g->keyj[g->order[i]]);
    }
    sb_putc(sb, ']');
    for (const cJSON *m = g->req->child; m; m = m->next) {
        if (!strcmp(m->string, "Keys") || cJSON_IsNull(m)) continue;
        char *s = cJSON_PrintUnformatted(m);
        sb_putc(sb, ',');
        sb_json_str(sb, m->string, strlen(m->string));
        sb_putc(sb, ':');
        sb_puts(sb, s);
        free(s);
    }
    sb_putc(sb, '}');
}

int op_batch_get_item(req_t *r)
{
    const cJSON *ri = jget(r->in, "RequestItems");
    if (!ri || !ri->child) return err_validation(&r->err, "BatchGetItem must have some requests set");
    int count = 0;
    for (const cJSON *tj = ri->child; tj; tj = tj->next) {
        if (!cJSON_IsObject(tj)) return shape_error(r, tj, "a structure");
        const cJSON *keys = jget(tj, "Keys");
        if (keys && !cJSON_IsArray(keys)) return shape_error(r, keys, "a list");
        if (!keys || !keys->child)
            return err_validation(&r->err, "The list of keys in RequestItems for BatchGetItem is required: %s has "
                                  "empty list", tj->string);
        count += cJSON_GetArraySize(keys);
    }
    if (count > BATCH_GET_MAX) return err_validation(&r->err, "Too many items requested for the BatchGetItem call");
    /* duplicates compare the keys as sent ("1" and "1.0" are two keys), before the table is
     * known (compat bt-get-duplicates-missing-table, bt-get-number-1-and-1.0) */
    for (const cJSON *tj = ri->child; tj; tj = tj->next) {
        if (jget(tj, "AttributesToGet") && jget(tj, "ProjectionExpression"))
            return err_validation(&r->err, "Can not use both expression and non-expression parameters in the same "
                                  "request: Non-expression parameters: {AttributesToGet} Expression parameters: "
                                  "{ProjectionExpression}");
        for (cJSON *kj = jget(tj, "Keys")->child; kj; kj = kj->next) {
            if (!cJSON_IsObject(kj)) return shape_error(r, kj, "a structure");
            for (const cJSON *pj = jget(tj, "Keys")->child; pj != kj; pj = pj->next)
                if (cJSON_Compare(pj, kj, 1))
                    return err_validation(&r->err, "Provided list of item keys contains duplicates");
        }
        const cJSON *atg = jget(tj, "AttributesToGet");
        for (const cJSON *a = atg ? atg->child : NULL; a; a = a->next)
            for (const cJSON *b = atg->child; b != a; b = b->next)
                if (cJSON_IsString(a) && cJSON_IsString(b) && !strcmp(a->valuestring, b->valuestring))
                    return err_validation(&r->err, "One or more parameter values were invalid: Duplicate value in "
                                          "attribute name: %s", a->valuestring);
    }
    for (const cJSON *tj = ri->child; tj; tj = tj->next)
        for (cJSON *kj = jget(tj, "Keys")->child; kj; kj = kj->next)
            if (av_check_map(kj, 0, &r->err) < 0) return -1;

    int ntab, rc = -1;
    const cJSON **tabs = tables_in_order(ri, 0, &ntab);
    gtab_t *g = xcalloc((size_t)ntab, sizeof *g);
    for (int i = 0; i < ntab; i++) {
        g[i].req = tabs[i];
        g[i].nkeys = cJSON_GetArraySize(jget(tabs[i], "Keys"));
        g[i].keys = xmalloc((size_t)g[i].nkeys * sizeof *g[i].keys);
        g[i].keyj = xcalloc((size_t)g[i].nkeys, sizeof *g[i].keyj);
        g[i].order = xcalloc((size_t)g[i].nkeys, sizeof *g[i].order);
        expr_env_init(&g[i].env, jget(tabs[i], "ExpressionAttributeNames"), NULL);
    }
    for (int i = 0; i < ntab; i++)
        if (check_get_table(r, tabs[i], &g[i]) < 0) goto done;
    int cap;
    if (item_capacity_mode(r, &cap) < 0) goto done;

    /* the reads, until the response would pass 16 MB; the rest is UnprocessedKeys */
    sb_t unp;
    sb_init(&unp);
    int64_t total = 0, full = 0;
    sb_puts(&r->out, "{\"Responses\":{");
    for (int i = 0; i < ntab; i++) {
        gtab_t *x = &g[i];
        if (i) sb_putc(&r->out, ',');
        sb_json_str(&r->out, x->req->string, strlen(x->req->string));
        sb_puts(&r->out, ":[");
        int nout = 0;
        for (int k = 0; k < x->nkeys; k++) {
            if (full) { write_unprocessed(&unp, x, k, unp.len == 0); break; }
            cJSON *item;
            if (item_load(r, x->t, &x->keys[x->order[k]], &item) < 0) { sb_fini(&unp); goto done; }
            if (!item) continue;
            int64_t size = item_size(item);
            if (total + size > BATCH_GET_MAX_BYTES) {
                full = 1;
                cJSON_Delete(item);
                write_unprocessed(&unp, x, k, unp.len == 0);
                break;
            }
            total += size;
            x->units += ceil((double)size / 4096.0) * (x->consistent ? 1.0 : 0.5);
            if (nout++) sb_putc(&r->out, ',');
            if (x->atg) item_write_only(&r->out, item, x->atg);
            else if (x->proj) {
                cJSON *p = expr_project(x->proj, item);
                item_write(&r->out, p);
                cJSON_Delete(p);
            } else item_write(&r->out, item);
            cJSON_Delete(item);
        }
        sb_putc(&r->out, ']');
    }
    sb_puts(&r->out, "},\"UnprocessedKeys\":{");
    if (unp.len) sb_add(&r->out, unp.buf, unp.len);
    sb_putc(&r->out, '}');
    sb_fini(&unp);
    if (cap) {
        sb_puts(&r->out, ",\"ConsumedCapacity\":[");
        for (int i = 0; i < ntab; i++) write_capacity_entry(&r->out, g[i].t, g[i].units, NULL, cap, i == 0);
        sb_putc(&r->out, ']');
    }
    sb_putc(&r->out, '}');
    rc = 0;
done:
    for (int i = 0; i < ntab; i++) {
        free(g[i].keys);
        free(g[i].keyj);
        free(g[i].order);
        expr_env_fini(&g[i].env);
    }
    free(g);
    free(tabs);
    return rc;
}
