/*
 * catalog.c: table metadata in DynamoDB Local's layout (dynamodb-local.md §10.2-§10.5): the dm
 * row, the TableInfo JSON (unknown members preserved), the per-table SQLite table with its
 * indexKey_N columns allocated per attribute, and the SQL indexes named as DynamoDB Local names
 * them. TableInfo.SQLiteIndex is the only authority on which column holds which attribute.
 */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void table_free(table_t *t)
{
    if (!t) return;
    free(t->name);
    cJSON_Delete(t->info);
    for (int i = 0; i < t->nidx; i++) free(t->idx[i].name);
    free(t->idx);
    for (int i = 0; i < t->ncols; i++) { free(t->cols[i].attr); free(t->cols[i].col); }
    free(t->cols);
    free(t);
}

void catalog_forget(store_t *st, const char *name)
{
    table_entry_t **pp = &st->tables;
    while (*pp) {
        table_entry_t *te = *pp;
        if (!name || !strcmp(te->t->name, name)) {
            *pp = te->next;
            table_free(te->t);    /* name may be this table's own name: stop using it now */
            free(te);
            if (name) return;     /* names are unique in the cache */
        } else {
            pp = &te->next;
        }
    }
}

/* Fills a keydef from a SQLiteIndex entry; col points into the TableInfo JSON. */
static void keydef_from_entry(keydef_t *kd, const cJSON *ent)
{
    const cJSON *attr = jget(ent, "DynamoDBAttribute");
    const char *n = jstr(attr, "AttributeName"), *ty = jstr(attr, "AttributeType");
    kd->name = n ? (char *)n : NULL;
    kd->type = ty ? ty[0] : 'S';
    kd->col = jstr(ent, "SQLiteColumnName");
}

static void keys_of_index(const cJSON *sqlidx, const char *name, keydef_t *hash, keydef_t *range)
{
    memset(hash, 0, sizeof *hash);
    memset(range, 0, sizeof *range);
    const cJSON *ents = jget(sqlidx, name);
    for (const cJSON *ent = ents ? ents->child : NULL; ent; ent = ent->next) {
        const char *kt = jstr(ent, "KeyType");
        if (kt && !strcmp(kt, "RANGE")) keydef_from_entry(range, ent);
        else keydef_from_entry(hash, ent);
    }
}

static void add_col(table_t *t, const cJSON *ent)
{
    keydef_t kd;
    keydef_from_entry(&kd, ent);
    if (!kd.col || strncmp(kd.col, "indexKey_", 9) != 0 || !kd.name) return;
    for (int i = 0; i < t->ncols; i++)
        if (!strcmp(t->cols[i].col, kd.col)) return;
    t->cols = xrealloc(t->cols, (size_t)(t->ncols + 1) * sizeof *t->cols);
    t->cols[t->ncols].attr = xstrdup(kd.name);
    t->cols[t->ncols].type = kd.type;
    t->cols[t->ncols].col = xstrdup(kd.col);
    t->ncols++;
}

static void add_index(table_t *t, const cJSON *desc, int gsi, const cJSON *sqlidx)
{
    const char *name = jstr(desc, "IndexName");
    if (!name) return;
    t->idx = xrealloc(t->idx, (size_t)(t->nidx + 1) * sizeof *t->idx);
    index_def_t *ix = &t->idx[t->nidx++];
    memset(ix, 0, sizeof *ix);
    ix->name = xstrdup(name);
    ix->gsi = gsi;
    ix->desc = desc;
    keys_of_index(sqlidx, name, &ix->hash, &ix->range);
}

/* Builds a table_t from a dm row's values. Takes ownership of info. */
static table_t *table_build(store_t *st, const char *name, cJSON *info)
{
    table_t *t = xcalloc(1, sizeof *t);
    t->name = xstrdup(name);
    t->info = info;
    const cJSON *sqlidx = jget(info, "SQLiteIndex");
    keys_of_index(sqlidx, "", &t->hash, &t->range);
    const cJSON *lsis = jget(info, "LSIList"), *gsis = jget(info, "GSIDescList");
    for (const cJSON *j = lsis ? lsis->child : NULL; j; j = j->next) add_index(t, j, 0, sqlidx);
    for (const cJSON *j = gsis ? gsis->child : NULL; j; j = j->next) {
        const char *status = jstr(j, "IndexStatus");
        if (!status || strcmp(status, "DELETING")) add_index(t, j, 1, sqlidx);   /* DELETING: gone but listed */
    }
    const cJSON *ui = jget(info, "UniqueIndexes"), *ug = jget(info, "UniqueGSIIndexes");
    for (const cJSON *j = ui ? ui->child : NULL; j; j = j->next) add_col(t, j);
    for (const cJSON *g = ug ? ug->child : NULL; g; g = g->next)
        for (const cJSON *j = g->child; j; j = j->next) add_col(t, j);
    /* hashRangeValue exists once a GSI was added to a hash+range table */
    sb_t sql;
    sb_init(&sql);
    sb_printf(&sql, "SELECT 1 FROM pragma_table_info('%s') WHERE name='hashRangeValue'", name);
    err_t e = {0};
    sqlite3_stmt *s = store_stmt(st, sb_cstr(&sql), &e);
    if (s) { t->has_hrv = sqlite3_step(s) == SQLITE_ROW; sqlite3_reset(s); }
    err_fini(&e);
    sb_fini(&sql);
    return t;
}

int catalog_get(store_t *st, const char *name, table_t **out, err_t *e)
{
    for (table_entry_t *te = st->tables; te; te = te->next)
        if (!strcmp(te->t->name, name)) { *out = te->t; return 1; }
    sqlite3_stmt *s = store_stmt(st, "SELECT CreationDateTime, ReadCapacityUnits, WriteCapacityUnits, "
                                 "TableInfo, BillingMode, PayPerRequestDateTime, DeletionProtectionEnabled, "
                                 "DeletionProtectionUpdateTime FROM dm WHERE TableName=?1", e);
    if (!s) return -1;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) { sqlite3_reset(s); return 0; }
    if (rc != SQLITE_ROW) { sqlite3_reset(s); return store_error(st, e); }
    const char *infotxt = sqlite3_column_blob(s, 3);
    cJSON *info = infotxt ? cJSON_ParseWithLength(infotxt, (size_t)sqlite3_column_bytes(s, 3)) : NULL;
    if (!info) {
        sqlite3_reset(s);
        return err_set(e, ERR_INTERNAL, "The request processing has failed because of an unknown "
                       "error, exception or failure. (unreadable TableInfo of %s)", name);
    }
    int64_t created = sqlite3_column_int64(s, 0), rcu = sqlite3_column_int64(s, 1),
            wcu = sqlite3_column_int64(s, 2), billing = sqlite3_column_int64(s, 4),
            ppr = sqlite3_column_int64(s, 5), dpu = sqlite3_column_int64(s, 7);
    const char *dp = (const char *)sqlite3_column_text(s, 6);
    int del_prot = !dp || !strcmp(dp, "null") ? -1 : (!strcmp(dp, "true") || !strcmp(dp, "1"));
    sqlite3_reset(s);
    table_t *t = table_build(st, name, info);
    t->created_ms = created;
    t->rcu = rcu;
    t->wcu = wcu;
    t->billing_ppr = billing == 1;
    t->ppr_ms = ppr;
    t->del_prot = del_prot;
    t->dp_update_ms = dpu;
    table_entry_t *te = xmalloc(sizeof *te);
    te->t = t;
    te->next = st->tables;
    st->tables = te;
    *out = t;
    return 1;
}

int catalog_list(store_t *st, char ***names, int *n, err_t *e)
{
    sqlite3_stmt *s = store_stmt(st, "SELECT TableName FROM dm ORDER BY CAST(TableName AS BLOB)", e);
    if (!s) return -1;
    int cap = 16, cnt = 0;
    char **v = xmalloc((size_t)cap * sizeof *v);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (cnt == cap) v = xrealloc(v, (size_t)(cap *= 2) * sizeof *v);
        v[cnt++] = xstrdup((const char *)sqlite3_column_text(s, 0));
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        for (int i = 0; i < cnt; i++) free(v[i]);
        free(v);
        return store_error(st, e);
    }
    *names = v;
    *n = cnt;
    return 0;
}

/* ---- creating a table ---------------------------------------------------------------------- */

static const char *attr_type(const cJSON *defs, const char *name)
{
    for (const cJSON *d = defs ? defs->child : NULL; d; d = d->next) {
        const char *n = jstr(d, "AttributeName");
        if (n && !strcmp(n, name)) return jstr(d, "AttributeType");
    }
    return "S";
}

static cJSON *sqlite_entry(const char *attr, const char *type, const char *keytype, const char *col)
{
    cJSON *ent = cJSON_CreateObject();
    cJSON *a = cJSON_AddObjectToObject(ent, "DynamoDBAttribute");
    cJSON_AddStringToObject(a, "AttributeName", attr);
    cJSON_AddStringToObject(a, "AttributeType", type);
    cJSON_AddStringToObject(ent, "KeyType", keytype);
    cJSON_AddStringToObject(ent, "SQLiteColumnName", col);
    cJSON_AddStringToObject(ent, "SQLiteDataType", type[0] == 'S' ? "TEXT" : "BLOB");
    return ent;
}

/* The column for attr: a table key column, an already allocated one, or a new indexKey_N. */
static const char *column_for(cJSON *unique, cJSON *unique_gsi, const char *attr, int *next_col,
                              int *is_new, char *buf)
{
    *is_new = 0;
    for (const cJSON *j = unique->child; j; j = j->next) {
        const cJSON *a = jget(j, "DynamoDBAttribute");
        if (!strcmp(jstr(a, "AttributeName"), attr)) return jstr(j, "SQLiteColumnName");
    }
    for (const cJSON *g = unique_gsi->child; g; g = g->next)
        for (const cJSON *j = g->child; j; j = j->next) {
            const cJSON *a = jget(j, "DynamoDBAttribute");
            if (!strcmp(jstr(a, "AttributeName"), attr)) return jstr(j, "SQLiteColumnName");
        }
    sprintf(buf, "indexKey_%d", (*next_col)++);
    *is_new = 1;
    return buf;
}

/* The hash and range attribute of a validated key schema: by position, as DynamoDB Local reads
 * it (the first element is HASH; any KeyType of the second makes it the range key). */
static void key_names(const cJSON *schema, const char **hash, const char **range)
{
    const cJSON *first = schema ? schema->child : NULL;
    *hash = first ? jstr(first, "AttributeName") : NULL;
    *range = first && first->next ? jstr(first->next, "AttributeName") : NULL;
}

static cJSON *copy_keyschema(const cJSON *schema)
{
    cJSON *out = cJSON_CreateArray();
    const char *h, *r;
    key_names(schema, &h, &r);
    cJSON *k = cJSON_CreateObject();
    cJSON_AddStringToObject(k, "AttributeName", h);
    cJSON_AddStringToObject(k, "KeyType", "HASH");
    cJSON_AddItemToArray(out, k);
    if (r) {
        k = cJSON_CreateObject();
        cJSON_AddStringToObject(k, "AttributeName", r);
        cJSON_AddStringToObject(k, "KeyType", "RANGE");
        cJSON_AddItemToArray(out, k);
    }
    return out;
}

static cJSON *copy_projection(const cJSON *p)
{
    cJSON *out = cJSON_CreateObject();
    const char *pt = jstr(p, "ProjectionType");
    cJSON_AddStringToObject(out, "ProjectionType", pt ? pt : "ALL");
    const cJSON *nk = jget(p, "NonKeyAttributes");
    if (nk && pt && !strcmp(pt, "INCLUDE"))
        cJSON_AddItemToObject(out, "NonKeyAttributes", cJSON_Duplicate(nk, 1));
    return out;
}

static cJSON *gsi_throughput(const cJSON *g, int ppr)
{
    cJSON *pt = cJSON_CreateObject();
    const cJSON *p = jget(g, "ProvisionedThroughput");
    cJSON *r = jget(p, "ReadCapacityUnits"), *w = jget(p, "WriteCapacityUnits");
    cJSON_AddNumberToObject(pt, "ReadCapacityUnits", ppr || !cJSON_IsNumber(r) ? 0 : r->valuedouble);
    cJSON_AddNumberToObject(pt, "WriteCapacityUnits", ppr || !cJSON_IsNumber(w) ? 0 : w->valuedouble);
    return pt;
}

/* SQLite table names are case-insensitive, so two DynamoDB tables whose names differ only in
 * case cannot both exist in DynamoDB Local's layout (DynamoDB Local answers 500 there):
 * refused with a 400 (compat/DEVIATIONS.md, tb-createtable-names-differing-in-case). */
static int check_case_clash(store_t *st, const char *name, err_t *e)
{
    sqlite3_stmt *s = store_stmt(st, "SELECT name FROM sqlite_master WHERE type='table' AND name=?1 COLLATE NOCASE", e);
    if (!s) return -1;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    char other[256] = "";
    if (rc == SQLITE_ROW) snprintf(other, sizeof other, "%s", (const char *)sqlite3_column_text(s, 0));
    sqlite3_reset(s);
    if (rc == SQLITE_ROW)
        return err_set(e, ERR_RESOURCE_IN_USE, "Cannot create preexisting table: table %s exists, and table "
                       "names that differ only in case share one SQLite table in DynamoDB Local's file format", other);
    return rc == SQLITE_DONE ? 0 : store_error(st, e);
}

int catalog_create(store_t *st, const cJSON *req, int64_t now, err_t *e)
{
    const char *name = jstr(req, "TableName");
    if (check_case_clash(st, name, e) < 0) return -1;
    const cJSON *defs = jget(req, "AttributeDefinitions");
    const char *bm = jstr(req, "BillingMode");
    int ppr = bm && !strcmp(bm, "PAY_PER_REQUEST");
    const char *hname, *rname;
    key_names(jget(req, "KeySchema"), &hname, &rname);
    const char *htype = attr_type(defs, hname), *rtype = rname ? attr_type(defs, rname) : NULL;

    cJSON *info = cJSON_CreateObject();
    cJSON *attrs = cJSON_AddArrayToObject(info, "Attributes");
    for (const cJSON *d = defs ? defs->child : NULL; d; d = d->next) {
        cJSON *a = cJSON_CreateObject();
        cJSON_AddStringToObject(a, "AttributeName", jstr(d, "AttributeName"));
        cJSON_AddStringToObject(a, "AttributeType", jstr(d, "AttributeType"));
        cJSON_AddItemToArray(attrs, a);
    }
    const cJSON *lsis = jget(req, "LocalSecondaryIndexes"), *gsis = jget(req, "GlobalSecondaryIndexes");
    if (lsis && cJSON_GetArraySize(lsis) > 0) {
        cJSON *l = cJSON_AddArrayToObject(info, "LSIList");
        for (const cJSON *x = lsis->child; x; x = x->next) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "IndexName", jstr(x, "IndexName"));
            cJSON_AddItemToObject(o, "KeySchema", copy_keyschema(jget(x, "KeySchema")));
            cJSON_AddItemToObject(o, "Projection", copy_projection(jget(x, "Projection")));
            cJSON_AddItemToArray(l, o);
        }
    }
    cJSON *gl = cJSON_AddArrayToObject(info, "GSIList");
    cJSON *gd = cJSON_AddArrayToObject(info, "GSIDescList");
    for (const cJSON *x = gsis ? gsis->child : NULL; x; x = x->next) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "IndexName", jstr(x, "IndexName"));
        cJSON_AddItemToObject(o, "KeySchema", copy_keyschema(jget(x, "KeySchema")));
        cJSON_AddItemToObject(o, "Projection", copy_projection(jget(x, "Projection")));
        cJSON_AddItemToObject(o, "ProvisionedThroughput", gsi_throughput(x, ppr));
        cJSON_AddItemToArray(gl, o);
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "IndexName", jstr(x, "IndexName"));
        cJSON_AddItemToObject(d, "KeySchema", copy_keyschema(jget(x, "KeySchema")));
        cJSON_AddItemToObject(d, "Projection", copy_projection(jget(x, "Projection")));
        cJSON_AddStringToObject(d, "IndexStatus", "ACTIVE");
        cJSON_AddItemToObject(d, "ProvisionedThroughput", gsi_throughput(x, ppr));
        cJSON_AddNumberToObject(d, "IndexSizeBytes", 0);
        cJSON_AddNumberToObject(d, "ItemCount", 0);
        char arn[700];
        snprintf(arn, sizeof arn, DDB_ARN_PREFIX "table/%s/index/%s", name, jstr(x, "IndexName"));
        cJSON_AddStringToObject(d, "IndexArn", arn);
        cJSON_AddItemToArray(gd, d);
    }
    cJSON *sqlidx = cJSON_AddObjectToObject(info, "SQLiteIndex");
    cJSON *unique = cJSON_AddArrayToObject(info, "UniqueIndexes");
    cJSON *unique_gsi = cJSON_AddArrayToObject(info, "UniqueGSIIndexes");
    cJSON *main = cJSON_AddArrayToObject(sqlidx, "");
    cJSON_AddItemToArray(main, sqlite_entry(hname, htype, "HASH", "hashKey"));
    cJSON_AddItemToArray(unique, sqlite_entry(hname, htype, "HASH", "hashKey"));
    if (rname) {
        cJSON_AddItemToArray(main, sqlite_entry(rname, rtype, "RANGE", "rangeKey"));
        cJSON_AddItemToArray(unique, sqlite_entry(rname, rtype, "RANGE", "rangeKey"));
    }

    sb_t create, post;
    sb_init(&create);
    sb_init(&post);
    sb_printf(&create, "CREATE TABLE IF NOT EXISTS \"%s\" (hashKey %s DEFAULT NULL", name,
              htype[0] == 'S' ? "TEXT" : "BLOB");
    if (rname) sb_printf(&create, ", rangeKey %s DEFAULT NULL", rtype[0] == 'S' ? "TEXT" : "BLOB");
    int next_col = 0, is_new;
    char buf[32];
    /* LSI columns belong to CREATE TABLE */
    for (const cJSON *x = lsis ? lsis->child : NULL; x; x = x->next) {
        const char *lh, *lr;
        key_names(jget(x, "KeySchema"), &lh, &lr);
        const char *lt = attr_type(defs, lr);
        const char *col = column_for(unique, unique_gsi, lr, &next_col, &is_new, buf);
        char colbuf[32];
        snprintf(colbuf, sizeof colbuf, "%s", col);
        if (is_new) {
            sb_printf(&create, ", %s %s DEFAULT NULL", colbuf, lt[0] == 'S' ? "TEXT" : "BLOB");
            cJSON_AddItemToArray(unique, sqlite_entry(lr, lt, "RANGE", colbuf));
        }
        cJSON *ent = cJSON_AddArrayToObject(sqlidx, jstr(x, "IndexName"));
        cJSON_AddItemToArray(ent, sqlite_entry(hname, htype, "HASH", "hashKey"));
        cJSON_AddItemToArray(ent, sqlite_entry(lr, lt, "RANGE", colbuf));
        if (strcmp(colbuf, "rangeKey") != 0)
            sb_printf(&post, "CREATE INDEX IF NOT EXISTS \"%s*LSI*%s\" ON \"%s\" (hashKey, %s, rangeValue);",
                      name, lr, name, colbuf);
    }
    sb_printf(&create, ", hashValue BLOB NOT NULL%s, itemSize INTEGER DEFAULT 0, ObjectJSON BLOB NOT NULL, "
              "PRIMARY KEY(hashKey%s));", rname ? ", rangeValue BLOB NOT NULL" : "", rname ? ", rangeKey" : "");
    /* GSI columns are added afterwards, as DynamoDB Local does */
    if (rname && gsis && gsis->child)
        sb_printf(&create, "ALTER TABLE \"%s\" ADD COLUMN hashRangeValue BLOB NOT NULL DEFAULT 0;", name);
    for (const cJSON *x = gsis ? gsis->child : NULL; x; x = x->next) {
        const char *gh, *gr;
        key_names(jget(x, "KeySchema"), &gh, &gr);
        cJSON *group = cJSON_CreateArray();
        cJSON *ent = cJSON_AddArrayToObject(sqlidx, jstr(x, "IndexName"));
        char hcol[32] = "", rcol[32] = "";
        for (int pass = 0; pass < 2; pass++) {
            const char *attr = pass ? gr : gh;
            if (!attr) continue;
            const char *at = attr_type(defs, attr);
            const char *col = column_for(unique, unique_gsi, attr, &next_col, &is_new, buf);
            char *dst = pass ? rcol : hcol;
            snprintf(dst, 32, "%s", col);
            /* a new column may also have been allocated for this GSI's other key earlier */
            int in_group = 0;
            for (const cJSON *g = group->child; g; g = g->next)
                if (!strcmp(jstr(g, "SQLiteColumnName"), dst)) in_group = 1;
            if (is_new)
                sb_printf(&create, "ALTER TABLE \"%s\" ADD COLUMN %s %s DEFAULT NULL;", name, dst,
                          at[0] == 'S' ? "TEXT" : "BLOB");
            if (!in_group)
                cJSON_AddItemToArray(group, sqlite_entry(attr, at, pass ? "RANGE" : "HASH", dst));
            cJSON_AddItemToArray(ent, sqlite_entry(attr, at, pass ? "RANGE" : "HASH", dst));
        }
        cJSON_AddItemToArray(unique_gsi, group);
        /* the SQL index and its tie-breaker (§10.3) */
        int has_h = (gh && !strcmp(gh, hname)) || (gr && !strcmp(gr, hname));
        int has_r = rname && ((gh && !strcmp(gh, rname)) || (gr && !strcmp(gr, rname)));
        const char *tie;
        if (!rname) tie = has_h ? NULL : "hashValue";
        else if (has_h && has_r) tie = "";     /* the GSI key is the table key: no index */
        else if (has_h) tie = "rangeValue";
        else if (has_r) tie = "hashValue";
        else tie = "hashRangeValue";
        if (tie && !*tie) continue;
        sb_printf(&post, "CREATE INDEX IF NOT EXISTS \"%s*%s\" ON \"%s\" (%s%s%s%s%s);", name,
                  jstr(x, "IndexName"), name, hcol, rcol[0] ? ", " : "", rcol, tie ? ", " : "",
                  tie ? tie : "");
    }
    sb_printf(&post, "CREATE INDEX IF NOT EXISTS \"%s*HVI\" ON \"%s\" (hashValue);", name, name);

    int rc = store_exec(st, sb_cstr(&create), e);
    if (rc == 0) rc = store_exec(st, sb_cstr(&post), e);
    sb_fini(&create);
    sb_fini(&post);
    if (rc < 0) { cJSON_Delete(info); return -1; }

    char *infotxt = cJSON_PrintUnformatted(info);
    cJSON_Delete(info);
    const cJSON *pt = jget(req, "ProvisionedThroughput");
    const cJSON *rcu = jget(pt, "ReadCapacityUnits"), *wcu = jget(pt, "WriteCapacityUnits");
    const cJSON *dp = jget(req, "DeletionProtectionEnabled");
    sqlite3_stmt *s = store_stmt(st, "INSERT INTO dm (TableName, CreationDateTime, LastDecreaseDate, "
                                 "LastIncreaseDate, NumberOfDecreasesToday, ReadCapacityUnits, WriteCapacityUnits, "
                                 "TableInfo, BillingMode, PayPerRequestDateTime, DeletionProtectionEnabled, "
                                 "DeletionProtectionUpdateTime) VALUES (?1, ?2, 0, 0, 0, ?3, ?4, ?5, ?6, ?7, ?8, ?2)", e);
    if (!s) { free(infotxt); return -1; }
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, now);
    sqlite3_bind_int64(s, 3, ppr || !cJSON_IsNumber(rcu) ? 0 : (int64_t)rcu->valuedouble);
    sqlite3_bind_int64(s, 4, ppr || !cJSON_IsNumber(wcu) ? 0 : (int64_t)wcu->valuedouble);
    sqlite3_bind_blob(s, 5, infotxt, (int)strlen(infotxt), SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 6, ppr);
    sqlite3_bind_int64(s, 7, ppr ? now : 0);
    sqlite3_bind_text(s, 8, !dp ? "null" : cJSON_IsTrue(dp) ? "true" : "false", -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    free(infotxt);
    if (rc != SQLITE_DONE) return store_error(st, e);
    catalog_forget(st, name);
    return 0;
}

int catalog_drop(store_t *st, const char *name, err_t *e)
{
    sb_t sql;
    sb_init(&sql);
    sb_printf(&sql, "DROP TABLE IF EXISTS \"%s\"", name);
    store_clear_stmts(st);
    int rc = store_exec(st, sb_cstr(&sql), e);
    sb_fini(&sql);
    if (rc < 0) return -1;
    sqlite3_stmt *s = store_stmt(st, "DELETE FROM dm WHERE TableName=?1", e);
    if (!s) return -1;
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) return store_error(st, e);
    catalog_forget(st, name);
    return 0;
}

int catalog_save(store_t *st, table_t *t, err_t *e)
{
    char *infotxt = cJSON_PrintUnformatted(t->info);
    sqlite3_stmt *s = store_stmt(st, "UPDATE dm SET ReadCapacityUnits=?2, WriteCapacityUnits=?3, TableInfo=?4, "
                                 "BillingMode=?5, PayPerRequestDateTime=?6, DeletionProtectionEnabled=?7, "
                                 "DeletionProtectionUpdateTime=?8 WHERE TableName=?1", e);
    if (!s) { free(infotxt); return -1; }
    sqlite3_bind_text(s, 1, t->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, t->rcu);
    sqlite3_bind_int64(s, 3, t->wcu);
    sqlite3_bind_blob(s, 4, infotxt, (int)strlen(infotxt), SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 5, t->billing_ppr);
    sqlite3_bind_int64(s, 6, t->ppr_ms);
    sqlite3_bind_text(s, 7, t->del_prot < 0 ? "null" : t->del_prot ? "true" : "false", -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 8, t->dp_update_ms);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    free(infotxt);
    if (rc != SQLITE_DONE) return store_error(st, e);
    return 0;
}

int catalog_stats(store_t *st, table_t *t, const index_def_t *ix, int64_t *count, int64_t *bytes,
                  err_t *e)
{
    sb_t sql;
    sb_init(&sql);
    sb_printf(&sql, "SELECT count(*), coalesce(sum(itemSize),0) FROM \"%s\"", t->name);
    if (ix) {
        sb_printf(&sql, " WHERE %s IS NOT NULL", ix->hash.col ? ix->hash.col : "hashKey");
        if (ix->range.col) sb_printf(&sql, " AND %s IS NOT NULL", ix->range.col);
    }
    sqlite3_stmt *s = store_stmt(st, sb_cstr(&sql), e);
    sb_fini(&sql);
    if (!s) return -1;
    if (sqlite3_step(s) != SQLITE_ROW) { sqlite3_reset(s); return store_error(st, e); }
    *count = sqlite3_column_int64(s, 0);
    *bytes = sqlite3_column_int64(s, 1);
    sqlite3_reset(s);
    return 0;
}

/* ---- GSIs added and deleted by UpdateTable (§10.3, §10.4) ------------------------------------ */

/* The next free indexKey_N of table name: one above the highest column ever added (a deleted
 * GSI keeps its column, and its number is never reused: fixture HashOnly). */
static int next_index_col(store_t *st, const char *name, err_t *e)
{
    sb_t sql;
    sb_init(&sql);
    sb_printf(&sql, "SELECT name FROM pragma_table_info('%s') WHERE name LIKE 'indexKey_%%'", name);
    sqlite3_stmt *s = store_stmt(st, sb_cstr(&sql), e);
    sb_fini(&sql);
    if (!s) return -1;
    int next = 0;
    while (sqlite3_step(s) == SQLITE_ROW) {
        int n = atoi((const char *)sqlite3_column_text(s, 0) + 9);
        if (n + 1 > next) next = n + 1;
    }
    sqlite3_reset(s);
    return next;
}

/* Fills the new index columns (and hashRangeValue when it was just added) of every existing row
 * from its ObjectJSON, in the caller's transaction. An item whose attribute has another type
 * than the index key stays out of the index (NULL). */
static int backfill(store_t *st, table_t *t, const colmap_t *cols, int ncols, int hrv, err_t *e)
{
    sb_t sql;
    sb_init(&sql);
    sb_printf(&sql, "UPDATE \"%s\" SET ", t->name);
    for (int i = 0; i < ncols; i++) sb_printf(&sql, "%s%s=?%d", i ? "," : "", cols[i].col, i + 2);
    if (hrv) sb_printf(&sql, "%shashRangeValue=?%d", ncols ? "," : "", ncols + 2);
    sb_puts(&sql, " WHERE rowid=?1");
    sqlite3_stmt *up = NULL, *sel = NULL;
    int rc = -1;
    if (sqlite3_prepare_v2(st->db, sb_cstr(&sql), -1, &up, NULL) != SQLITE_OK) { store_error(st, e); goto done; }
    sb_reset(&sql);
    sb_printf(&sql, "SELECT rowid, ObjectJSON, hashValue%s FROM \"%s\"", t->range.name ? ", rangeValue" : "", t->name);
    if (sqlite3_prepare_v2(st->db, sb_cstr(&sql), -1, &sel, NULL) != SQLITE_OK) { store_error(st, e); goto done; }
    int step;
    while ((step = sqlite3_step(sel)) == SQLITE_ROW) {
        const char *json = sqlite3_column_blob(sel, 1);
        cJSON *item = json_parse(json ? json : "{}", (size_t)sqlite3_column_bytes(sel, 1), NULL);
        sqlite3_bind_int64(up, 1, sqlite3_column_int64(sel, 0));
        for (int i = 0; i < ncols; i++) {
            const cJSON *av = item ? jget(item, cols[i].attr) : NULL, *v;
            const char *type = av ? av_type(av, &v) : NULL;
            unsigned char buf[DDB_MAX_HASH_KEY + 64];
            err_t e2 = {0};
            long n = type && !type[1] && type[0] == cols[i].type ?
                     key_encode_value(type[0], v, buf, sizeof buf, &e2) : -1;
            err_fini(&e2);
            if (n >= 0) sqlite3_bind_blob(up, i + 2, buf, (int)n, SQLITE_TRANSIENT);
            else sqlite3_bind_null(up, i + 2);
        }
        if (hrv) {
            unsigned char out[20];
            const void *hv = sqlite3_column_blob(sel, 2), *rv = sqlite3_column_blob(sel, 3);
            if (hv && rv && sqlite3_column_bytes(sel, 2) == 20 && sqlite3_column_bytes(sel, 3) == 20) {
                key_hash_pair(hv, rv, out);
                sqlite3_bind_blob(up, ncols + 2, out, 20, SQLITE_TRANSIENT);
            }
        }
        cJSON_Delete(item);
        int r2 = sqlite3_step(up);
        sqlite3_reset(up);
        sqlite3_clear_bindings(up);
        if (r2 != SQLITE_DONE) { store_error(st, e); goto done; }
    }
    if (step != SQLITE_DONE) { store_error(st, e); goto done; }
    rc = 0;
done:
    sqlite3_finalize(up);
    sqlite3_finalize(sel);
    sb_fini(&sql);
    return rc;
}

int catalog_add_gsi(store_t *st, table_t *t, const cJSON *cr, cJSON *attrs, err_t *e)
{
    cJSON *info = t->info;
    const char *iname = jstr(cr, "IndexName"), *name = t->name;
    cJSON_DeleteItemFromObjectCaseSensitive(info, "Attributes");
    cJSON_AddItemToObject(info, "Attributes", attrs);
    const char *gh, *gr;
    key_names(jget(cr, "KeySchema"), &gh, &gr);
    cJSON *gl = jget(info, "GSIList"), *gd = jget(info, "GSIDescList"), *sqlidx = jget(info, "SQLiteIndex");
    cJSON *unique = jget(info, "UniqueIndexes"), *unique_gsi = jget(info, "UniqueGSIIndexes");
    if (!gl) gl = cJSON_AddArrayToObject(info, "GSIList");
    if (!gd) gd = cJSON_AddArrayToObject(info, "GSIDescList");
    if (!unique_gsi) unique_gsi = cJSON_AddArrayToObject(info, "UniqueGSIIndexes");
    if (!unique) unique = cJSON_AddArrayToObject(info, "UniqueIndexes");
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "IndexName", iname);
    cJSON_AddItemToObject(o, "KeySchema", copy_keyschema(jget(cr, "KeySchema")));
    cJSON_AddItemToObject(o, "Projection", copy_projection(jget(cr, "Projection")));
    cJSON_AddItemToObject(o, "ProvisionedThroughput", gsi_throughput(cr, t->billing_ppr));
    cJSON_AddItemToArray(gl, o);
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "IndexName", iname);
    cJSON_AddItemToObject(d, "KeySchema", copy_keyschema(jget(cr, "KeySchema")));
    cJSON_AddItemToObject(d, "Projection", copy_projection(jget(cr, "Projection")));
    cJSON_AddStringToObject(d, "IndexStatus", "CREATING");
    cJSON_AddFalseToObject(d, "Backfilling");
    cJSON_AddItemToObject(d, "ProvisionedThroughput", gsi_throughput(cr, t->billing_ppr));
    sb_t arn;
    sb_init(&arn);
    sb_printf(&arn, DDB_ARN_PREFIX "table/%s/index/%s", name, iname);
    cJSON_AddStringToObject(d, "IndexArn", sb_cstr(&arn));
    sb_fini(&arn);
    cJSON_AddItemToArray(gd, d);

    int next_col = next_index_col(st, name, e);
    if (next_col < 0) return -1;
    sb_t alter, post;
    sb_init(&alter);
    sb_init(&post);
    int hrv = t->range.name && !t->has_hrv;
    if (hrv) sb_printf(&alter, "ALTER TABLE \"%s\" ADD COLUMN hashRangeValue BLOB NOT NULL DEFAULT 0;", name);
    colmap_t fresh[2];
    int nfresh = 0;
    cJSON *group = cJSON_CreateArray();
    cJSON *ent = cJSON_AddArrayToObject(sqlidx, iname);
    char hcol[32] = "", rcol[32] = "", buf[32];
    for (int pass = 0; pass < 2; pass++) {
        const char *attr = pass ? gr : gh;
        if (!attr) continue;
        const char *at = attr_type(attrs, attr);
        int is_new;
        const char *col = column_for(unique, unique_gsi, attr, &next_col, &is_new, buf);
        char *dst = pass ? rcol : hcol;
        snprintf(dst, 32, "%s", col);
        int in_group = 0;
        for (const cJSON *g = group->child; g; g = g->next)
            if (!strcmp(jstr(g, "SQLiteColumnName"), dst)) in_group = 1;
        if (pass && !strcmp(hcol, rcol)) is_new = 0;     /* both keys on one new attribute */
        if (is_new) {
            sb_printf(&alter, "ALTER TABLE \"%s\" ADD COLUMN %s %s DEFAULT NULL;", name, dst, at[0] == 'S' ? "TEXT" : "BLOB");
            fresh[nfresh].attr = (char *)attr;
            fresh[nfresh].type = at[0];
            fresh[nfresh].col = dst;
            nfresh++;
        }
        if (!in_group) cJSON_AddItemToArray(group, sqlite_entry(attr, at, pass ? "RANGE" : "HASH", dst));
        cJSON_AddItemToArray(ent, sqlite_entry(attr, at, pass ? "RANGE" : "HASH", dst));
    }
    cJSON_AddItemToArray(unique_gsi, group);
    const char *hname = t->hash.name, *rname = t->range.name;
    int has_h = (gh && !strcmp(gh, hname)) || (gr && !strcmp(gr, hname));
    int has_r = rname && ((gh && !strcmp(gh, rname)) || (gr && !strcmp(gr, rname)));
    const char *tie;
    if (!rname) tie = has_h ? NULL : "hashValue";
    else if (has_h && has_r) tie = "";
    else if (has_h) tie = "rangeValue";
    else if (has_r) tie = "hashValue";
    else tie = "hashRangeValue";
    if (!tie || *tie)
        sb_printf(&post, "CREATE INDEX IF NOT EXISTS \"%s*%s\" ON \"%s\" (%s%s%s%s%s);", name, iname, name, hcol,
                  rcol[0] ? ", " : "", rcol, tie ? ", " : "", tie ? tie : "");
    int rc = alter.len ? store_exec(st, sb_cstr(&alter), e) : 0;
    if (rc == 0 && (nfresh || hrv)) rc = backfill(st, t, fresh, nfresh, hrv, e);
    if (rc == 0 && post.len) rc = store_exec(st, sb_cstr(&post), e);
    sb_fini(&alter);
    sb_fini(&post);
    if (rc == 0) rc = catalog_save(st, t, e);
    store_clear_stmts(st);     /* statements naming the old column list */
    char *copy = xstrdup(name);   /* name belongs to t, which catalog_forget frees */
    catalog_forget(st, copy);
    free(copy);
    return rc;
}

/* Position of the entry named name in array list, or -1. */
static int index_pos(const cJSON *list, const char *name)
{
    int i = 0;
    for (const cJSON *j = list ? list->child : NULL; j; j = j->next, i++) {
        const char *n = jstr(j, "IndexName");
        if (n && !strcmp(n, name)) return i;
    }
    return -1;
}

int catalog_drop_gsi(store_t *st, table_t *t, const char *iname, cJSON *attrs, err_t *e)
{
    cJSON *info = t->info;
    cJSON *gl = jget(info, "GSIList"), *gd = jget(info, "GSIDescList"), *ug = jget(info, "UniqueGSIIndexes");
    int pos = index_pos(gl, iname);
    if (pos >= 0) {
        cJSON_DeleteItemFromArray(gl, pos);
        if (ug && pos < cJSON_GetArraySize(ug)) cJSON_DeleteItemFromArray(ug, pos);
    }
    cJSON_DeleteItemFromObjectCaseSensitive(jget(info, "SQLiteIndex"), iname);
    int dpos = index_pos(gd, iname);
    if (dpos >= 0) {
        cJSON *d = cJSON_GetArrayItem(gd, dpos);
        cJSON_DeleteItemFromObjectCaseSensitive(d, "Backfilling");
        cJSON_ReplaceItemInObjectCaseSensitive(d, "IndexStatus", cJSON_CreateString("DELETING"));
    }
    cJSON_DeleteItemFromObjectCaseSensitive(info, "Attributes");
    cJSON_AddItemToObject(info, "Attributes", attrs);
    sb_t sql;
    sb_init(&sql);
    sb_printf(&sql, "DROP INDEX IF EXISTS \"%s*%s\"", t->name, iname);
    store_clear_stmts(st);
    int rc = store_exec(st, sb_cstr(&sql), e);
    sb_fini(&sql);
    if (rc == 0) rc = catalog_save(st, t, e);
    char *copy = xstrdup(t->name);
    catalog_forget(st, copy);
    free(copy);
    return rc;
}

int catalog_index_done(store_t *st, const char *name, const char *iname, err_t *e)
{
    table_t *t;
    int found = catalog_get(st, name, &t, e);
    if (found <= 0) return found;
    cJSON *gd = jget(t->info, "GSIDescList");
    int pos = index_pos(gd, iname);
    if (pos < 0) return 0;
    cJSON *d = cJSON_GetArrayItem(gd, pos);
    const char *status = jstr(d, "IndexStatus");
    if (status && !strcmp(status, "DELETING")) {
        cJSON_DeleteItemFromArray(gd, pos);
    } else if (status && !strcmp(status, "CREATING")) {
        cJSON_DeleteItemFromObjectCaseSensitive(d, "Backfilling");
        cJSON_ReplaceItemInObjectCaseSensitive(d, "IndexStatus", cJSON_CreateString("ACTIVE"));
    } else {
        return 0;
    }
    int rc = catalog_save(st, t, e);
    catalog_forget(st, name);
    return rc < 0 ? -1 : 1;
}
