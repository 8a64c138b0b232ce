/*
 * op_item.c: the single-item operations PutItem, GetItem, UpdateItem and DeleteItem. They
 * share key extraction, ReturnValues, ConsumedCapacity, conditions (ConditionExpression and the
 * legacy Expected / ConditionalOperator, with ReturnValuesOnConditionCheckFailure) and the rules
 * for mixing expression and non-expression parameters, as static helpers here. The expression
 * language itself is expr_*.c.
 */
#include "core.h"
#include "expr.h"

#include <math.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>

const field_spec_t spec_put_item[] = {
    {"TableName", FT_STRING}, {"Item", FT_MAP}, {"Expected", FT_MAP}, {"ReturnValues", FT_STRING},
    {"ReturnConsumedCapacity", FT_STRING}, {"ReturnItemCollectionMetrics", FT_STRING},
    {"ConditionalOperator", FT_STRING}, {"ConditionExpression", FT_STRING},
    {"ExpressionAttributeNames", FT_MAP}, {"ExpressionAttributeValues", FT_MAP},
    {"ReturnValuesOnConditionCheckFailure", FT_STRING}, {NULL, 0},
};
const field_spec_t spec_get_item[] = {
    {"TableName", FT_STRING}, {"Key", FT_MAP}, {"AttributesToGet", FT_LIST},
    {"ConsistentRead", FT_BOOL}, {"ReturnConsumedCapacity", FT_STRING},
    {"ProjectionExpression", FT_STRING}, {"ExpressionAttributeNames", FT_MAP}, {NULL, 0},
};
const field_spec_t spec_update_item[] = {
    {"TableName", FT_STRING}, {"Key", FT_MAP}, {"AttributeUpdates", FT_MAP}, {"Expected", FT_MAP},
    {"ConditionalOperator", FT_STRING}, {"ReturnValues", FT_STRING}, {"ReturnConsumedCapacity", FT_STRING},
    {"ReturnItemCollectionMetrics", FT_STRING}, {"UpdateExpression", FT_STRING},
    {"ConditionExpression", FT_STRING}, {"ExpressionAttributeNames", FT_MAP},
    {"ExpressionAttributeValues", FT_MAP}, {"ReturnValuesOnConditionCheckFailure", FT_STRING}, {NULL, 0},
};
const field_spec_t spec_delete_item[] = {
    {"TableName", FT_STRING}, {"Key", FT_MAP}, {"Expected", FT_MAP}, {"ConditionalOperator", FT_STRING},
    {"ReturnValues", FT_STRING}, {"ReturnConsumedCapacity", FT_STRING},
    {"ReturnItemCollectionMetrics", FT_STRING}, {"ConditionExpression", FT_STRING},
    {"ExpressionAttributeNames", FT_MAP}, {"ExpressionAttributeValues", FT_MAP},
    {"ReturnValuesOnConditionCheckFailure", FT_STRING}, {NULL, 0},
};

/* ReturnConsumedCapacity: 0 NONE, 1 TOTAL, 2 INDEXES, matched case-insensitively. DynamoDB
 * Local answers an unknown value with an unrelated message, after every other check
 * (test_items.py test_return_consumed_capacity_invalid). */
static int capacity_mode(req_t *r, int *mode)
{
    const char *s = jstr(r->in, "ReturnConsumedCapacity");
    *mode = 0;
    if (!s || !strcasecmp(s, "NONE")) return 0;
    if (!strcasecmp(s, "TOTAL")) { *mode = 1; return 0; }
    if (!strcasecmp(s, "INDEXES")) { *mode = 2; return 0; }
    return err_validation(&r->err, "Cannot have null key for GetItem, DeleteItem, or UpdateItem");
}

/* Writes a capacity number as Java prints a double ("1.0", "0.5"). */
static void put_units(sb_t *sb, double u)
{
    if (u == floor(u)) sb_printf(sb, "%.1f", u);
    else sb_printf(sb, "%g", u);
}

/* Whether item has the key attributes of index ix (it is then written to the index). */
static int in_index(const index_def_t *ix, const cJSON *item)
{
    return item && jget(item, ix->hash.name) && (!ix->range.name || jget(item, ix->range.name));
}

/* Capacity of a write: the table's units plus as much again for each index the item is in
 * (DynamoDB Local: PutItem with an LSI, INDEXES -> 2.0 = 1.0 table + 1.0 lsi1). */
static void write_write_capacity(sb_t *sb, const table_t *t, int mode, double units,
                                 const cJSON *item, const cJSON *old, int first_member)
{
    double total = units;
    for (int i = 0; i < t->nidx; i++)
        if (in_index(&t->idx[i], item) || in_index(&t->idx[i], old)) total += units;
    sb_puts(sb, first_member ? "\"ConsumedCapacity\":{\"TableName\":" : ",\"ConsumedCapacity\":{\"TableName\":");
    sb_json_str(sb, t->name, strlen(t->name));
    sb_puts(sb, ",\"CapacityUnits\":");
    put_units(sb, total);
    if (mode == 2) {
        sb_puts(sb, ",\"Table\":{\"CapacityUnits\":");
        put_units(sb, units);
        sb_putc(sb, '}');
        for (int pass = 0; pass < 2; pass++) {
            int first = 1;
            for (int i = 0; i < t->nidx; i++) {
                const index_def_t *ix = &t->idx[i];
                if (ix->gsi != pass || !(in_index(ix, item) || in_index(ix, old))) continue;
                sb_puts(sb, first ? (pass ? ",\"GlobalSecondaryIndexes\":{" : ",\"LocalSecondaryIndexes\":{") : ",");
                first = 0;
                sb_json_str(sb, ix->name, strlen(ix->name));
                sb_puts(sb, ":{\"CapacityUnits\":");
                put_units(sb, units);
                sb_putc(sb, '}');
            }
            if (!first) sb_putc(sb, '}');
        }
    }
    sb_putc(sb, '}');
}

static void write_capacity(sb_t *sb, const table_t *t, int mode, double units, int first_member)
{
    sb_puts(sb, first_member ? "\"ConsumedCapacity\":{\"TableName\":" : ",\"ConsumedCapacity\":{\"TableName\":");
    sb_json_str(sb, t->name, strlen(t->name));
    sb_puts(sb, ",\"CapacityUnits\":");
    put_units(sb, units);
    if (mode == 2) {
        sb_puts(sb, ",\"Table\":{\"CapacityUnits\":");
        put_units(sb, units);
        sb_putc(sb, '}');
    }
    sb_putc(sb, '}');
}

/* Index key attributes must have the index's type and be non-empty (§7.1). */
static int check_index_keys(req_t *r, const table_t *t, const cJSON *item)
{
    /* checked in this order (tests/e2e/test_indexes.py PUT_ERRORS): 1. a key of any index that
     * is not a scalar  2. each GSI, then each LSI, in DescribeTable's order (the first index
     * with the attribute is named): the scalar type, then an empty value; UpdateItem names no
     * index (it has no Item) */
    const index_def_t *v[64];
    const char *names[64];
    int order[64], n = 0, update = !jget(r->in, "Item");
    for (int gsi = 1; gsi >= 0; gsi--) {
        int first = n, m = 0;
        for (int i = 0; i < t->nidx && n < 64; i++)
            if (t->idx[i].gsi == gsi) { v[n] = &t->idx[i]; names[m++] = t->idx[i].name; n++; }
        const index_def_t *tmp[64] = {0};
        item_hashmap_order(names, m, 16, order);
        for (int i = 0; i < m; i++) tmp[i] = v[first + order[i]];
        memcpy(&v[first], tmp, (size_t)m * sizeof tmp[0]);
    }
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < n; i++) {
            const index_def_t *ix = v[i];
            const keydef_t *kds[2] = {&ix->hash, &ix->range};
            for (int k = 0; k < 2; k++) {
                const keydef_t *kd = kds[k];
                if (!kd->name) continue;
                const cJSON *av = jget(item, kd->name), *val;
                if (!av) continue;
                const char *type = av_type(av, &val);
                int scalar = type && !type[1] && (type[0] == 'S' || type[0] == 'N' || type[0] == 'B');
                if (pass == 0) {
                    if (!scalar) return err_validation(&r->err, "Invalid attribute value type");
                    continue;
                }
                if (type[0] != kd->type)
                    return err_validation(&r->err, "One or more parameter values were invalid: Type mismatch for Index Key");
                if ((type[0] == 'S' || type[0] == 'B') && val->valuestring[0] == 0) {
                    const char *what = type[0] == 'S' ? "string" : "binary";
                    if (update)
                        return err_validation(&r->err, "One or more parameter values are not valid. The update expression "
                                              "attempted to update a secondary index key to a value that is not supported. "
                                              "The AttributeValue for a key attribute cannot contain an empty %s value.", what);
                    return err_validation(&r->err, "One or more parameter values are not valid. A value specified for a "
                                          "secondary index key is not supported. The AttributeValue for a key attribute "
                                          "cannot contain an empty %s value. IndexName: %s, IndexKey: %s",
                                          what, ix->name, kd->name);
                }
            }
        }
    return 0;
}

static int return_values(req_t *r, int *all_old)
{
    const char *rv = jstr(r->in, "ReturnValues");
    *all_old = 0;
    if (!rv || !strcmp(rv, "NONE")) return 0;
    if (!strcmp(rv, "ALL_OLD")) { *all_old = 1; return 0; }
    return err_validation(&r->err, "Return values set to invalid value");
}

/* Writes the row of item (serialized as json) and its change record. */
static int store_json(req_t *r, table_t *t, const rowkey_t *k, const cJSON *old, const cJSON *item,
                      const sb_t *json, int64_t size)
{
    if (store_put_item(r->st, t, k, item, json->buf, json->len, size, &r->err) < 0) return -1;
    return stream_on_write(r->st, t, old, item, r->now_ms, &r->err);
}

int item_store(req_t *r, table_t *t, const rowkey_t *k, const cJSON *old, const cJSON *item, int64_t size)
{
    sb_t json;
    sb_init(&json);
    item_write(&json, item);
    int rc = store_json(r, t, k, old, item, &json, size);
    sb_fini(&json);
    return rc;
}

int item_remove(req_t *r, table_t *t, const rowkey_t *k, const cJSON *old)
{
    if (store_delete_item(r->st, t, k, &r->err) < 0) return -1;
    return stream_on_write(r->st, t, old, NULL, r->now_ms, &r->err);
}

static int unreadable(req_t *r, const table_t *t)
{
    return err_set(&r->err, ERR_INTERNAL, "The request processing has failed because of an unknown "
                   "error, exception or failure. (unreadable ObjectJSON in %s)", t->name);
}

/* Loads the stored item of key k into a parsed cJSON (NULL when absent). Returns 0 / -1. */
static int load_item(req_t *r, table_t *t, const rowkey_t *k, cJSON **item)
{
    sb_t json;
    sb_init(&json);
    *item = NULL;
    int rc = store_get_item_sb(r->st, t, k, &json, &r->err);
    if (rc > 0 && !(*item = json_parse(json.buf, json.len, NULL))) rc = unreadable(r, t);
    sb_fini(&json);
    return rc < 0 ? -1 : 0;
}

/*
 * Stores item (key k, item size size) when nothing needs the old item but a stream record (no
 * condition, ReturnValues or capacity). A new key is inserted without a read (the usual case
 * of a batch of puts, and of PutItem with fresh keys). An existing row, with a stream on t
 * (stream_wants_old), is read and parsed for the record's OldImage, as item_store() would.
 * Without a stream the change still consumes a sequence number exactly when stream_on_write()
 * would (the item differs from the stored one): equal items write the same bytes up to member
 * order within a HashMap bucket, so a stored row in item_write()'s form (store_rows_ours or
 * item_is_canonical) that differs in length from the new one differs in content; otherwise the
 * stored row is parsed and compared as stream_on_write() compares. Returns 0 / -1.
 */
int item_put_new(req_t *r, table_t *t, const rowkey_t *k, const cJSON *item, int64_t size)
{
    sb_t old, json;
    sb_init(&old);
    sb_init(&json);
    item_write(&json, item);
    int rc = store_insert_item(r->st, t, k, item, json.buf, json.len, size, &r->err);
    if (rc != 0) {
        sb_fini(&json);
        return rc < 0 ? -1 : stream_on_write(r->st, t, NULL, item, r->now_ms, &r->err);
    }
    if (stream_wants_old(r->st, t)) {
        cJSON *o;
        rc = load_item(r, t, k, &o);
        if (rc == 0) rc = store_json(r, t, k, o, item, &json, size);
        cJSON_Delete(o);
        sb_fini(&json);
        return rc;
    }
    int changed = 1;
    rc = store_get_item_sb(r->st, t, k, &old, &r->err);
    if (rc > 0) {
        if (old.len == json.len && !memcmp(old.buf, json.buf, json.len)) {
            changed = 0;
        } else if (old.len == json.len || !(store_rows_ours(r->st) || item_is_canonical(old.buf, old.len))) {
            cJSON *o = json_parse(old.buf, old.len, NULL);
            if (!o) rc = unreadable(r, t);
            else changed = !cJSON_Compare(o, item, 1);
            cJSON_Delete(o);
        }
    }
    if (rc >= 0)
        rc = store_put_item(r->st, t, k, item, json.buf, json.len, size, &r->err) < 0 ? -1 :
             changed ? stream_on_write(r->st, t, NULL, item, r->now_ms, &r->err) : 0;
    sb_fini(&old);
    sb_fini(&json);
    return rc < 0 ? -1 : 0;
}

/* ---- conditions and expression parameters ---------------------------------------------- */

/* What an item operation's expression parameters hold once checked. */
typedef struct exprs {
    expr_env_t env;
    expr_t *cond;                /* ConditionExpression or Expected, NULL when none */
    expr_t *update;              /* UpdateExpression */
    expr_t *proj;                /* ProjectionExpression */
    int rv_fail_old;             /* ReturnValuesOnConditionCheckFailure ALL_OLD */
} exprs_t;

enum { OPK_PUT, OPK_DELETE, OPK_UPDATE, OPK_GET };

/*
 * The rules for mixing parameters, checked right after ReturnValues (test_expr probes): legacy
 * and expression parameters together; ExpressionAttributeNames / Values without an expression
 * that could use them; ConditionalOperator without Expected.
 */
static int check_mixing(req_t *r, int opk)
{
    static const char *const LEGACY[] = {"AttributeUpdates", "AttributesToGet", "Expected", "ConditionalOperator"};
    static const char *const EXPRS[] = {"UpdateExpression", "ConditionExpression", "ProjectionExpression"};
    sb_t legacy, exprs;
    sb_init(&legacy);
    sb_init(&exprs);
    for (size_t i = 0; i < sizeof LEGACY / sizeof LEGACY[0]; i++)
        if (jget(r->in, LEGACY[i]) && !(opk == OPK_GET && i != 1) && !(opk != OPK_GET && i == 1))
            sb_printf(&legacy, "%s%s", legacy.len ? ", " : "", LEGACY[i]);
    for (size_t i = 0; i < sizeof EXPRS / sizeof EXPRS[0]; i++)
        if (jget(r->in, EXPRS[i]) && ((opk == OPK_GET) == (i == 2)) && !(i == 0 && opk != OPK_UPDATE))
            sb_printf(&exprs, "%s%s", exprs.len ? ", " : "", EXPRS[i]);
    int rc = 0, have_expr = exprs.len > 0;
    if (legacy.len && exprs.len)
        rc = err_validation(&r->err, "Can not use both expression and non-expression parameters in the same request: "
                            "Non-expression parameters: {%s} Expression parameters: {%s}", sb_cstr(&legacy), sb_cstr(&exprs));
    sb_fini(&legacy);
    sb_fini(&exprs);
    if (rc < 0) return -1;
    if (jget(r->in, "ExpressionAttributeNames") && !have_expr)
        return err_validation(&r->err, "ExpressionAttributeNames can only be specified when using expressions");
    if (jget(r->in, "ExpressionAttributeValues") && opk != OPK_GET && !jget(r->in, "ConditionExpression") &&
        !(opk == OPK_UPDATE && jget(r->in, "UpdateExpression")))
        return err_validation(&r->err, "ExpressionAttributeValues can only be specified when using expressions: %s",
                              opk == OPK_UPDATE ? "UpdateExpression and ConditionExpression are null"
                                                : "ConditionExpression is null");
    const cJSON *expected = jget(r->in, "Expected");
    if (opk != OPK_GET && jget(r->in, "ConditionalOperator") && !(expected && expected->child))
        return err_validation(&r->err, "ConditionalOperator cannot be used without Filter or Expected");
    return 0;
}

/* Checks the maps and parses the request's expressions (UpdateExpression first, then
 * ConditionExpression, then unused names and values), or builds the legacy Expected
 * condition. */
static int parse_exprs(req_t *r, exprs_t *x, int opk)
{
    const char *upd = jstr(r->in, "UpdateExpression"), *cond = jstr(r->in, "ConditionExpression");
    const char *proj = jstr(r->in, "ProjectionExpression");
    if (expr_check_maps(&x->env, &r->err) < 0) return -1;
    if (opk == OPK_UPDATE && upd && !(x->update = expr_parse(&x->env, EXPR_UPDATE, upd, &r->err))) return -1;
    if (opk != OPK_GET && cond && !(x->cond = expr_parse(&x->env, EXPR_CONDITION, cond, &r->err))) return -1;
    if (opk == OPK_GET && proj && !(x->proj = expr_parse(&x->env, EXPR_PROJECTION, proj, &r->err))) return -1;
    if (expr_check_unused(&x->env, &r->err) < 0) return -1;
    const cJSON *expected = jget(r->in, "Expected");
    if (opk != OPK_GET && expected &&
        !(x->cond = expr_from_expected(&x->env, expected, jstr(r->in, "ConditionalOperator"), &r->err)))
        return -1;
    if (opk != OPK_GET) {
        const char *rv = jstr(r->in, "ReturnValuesOnConditionCheckFailure");
        if (rv && strcmp(rv, "NONE") && strcmp(rv, "ALL_OLD"))
            return err_validation(&r->err, "1 validation error detected: Value '%s' at "
                                  "'returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must "
                                  "satisfy enum value set: [ALL_OLD, NONE]", rv);
        x->rv_fail_old = rv && !strcmp(rv, "ALL_OLD");
    }
    return 0;
}

/* Evaluates the condition against the stored item (NULL when absent): ConditionalCheckFailed
 * (with "Item" for ReturnValuesOnConditionCheckFailure ALL_OLD) when it is false. */
static int check_condition(req_t *r, exprs_t *x, const cJSON *old)
{
    if (!x->cond) return 0;
    int rc = expr_eval_cond(x->cond, old, &r->err);
    if (rc < 0) return -1;
    if (rc) return 0;
    err_set(&r->err, ERR_CONDITIONAL_CHECK, "The conditional request failed");
    if (x->rv_fail_old && old) {
        sb_t sb;
        sb_init(&sb);
        sb_puts(&sb, ",\"Item\":");
        item_write(&sb, old);
        err_set_extra_take(&r->err, sb_take(&sb, NULL));
    }
    return -1;
}

/*
 * PutItem, checks in DynamoDB Local's order (test_items.py test_order_put):
 *   1. TableName format      2. the table exists        3. ReturnValues
 *   4. mixing of expression and legacy parameters (check_mixing)
 *   5. Item present          6. each attribute in request order, item size as a running total
 *   7. key attributes in key-schema order (hash, then range)   8. index key types
 *   9. ReturnConsumedCapacity   10. expression maps, ConditionExpression, unused names/values,
 *   Expected   11. the condition against the stored item
 */
int op_put_item(req_t *r)
{
    const char *name = jstr(r->in, "TableName");
    cJSON *item = jget(r->in, "Item");
    table_t *t;
    rowkey_t k;
    int all_old, cap;
    if (check_table_name(name, &r->err) < 0) return -1;
    if (require_table(r, name, &t) < 0) return -1;
    if (return_values(r, &all_old) < 0) return -1;
    if (check_mixing(r, OPK_PUT) < 0) return -1;
    if (!item) return err_validation(&r->err, "Item to put in PutItem cannot be null");
    int64_t size;
    if (av_check_item(item, DDB_MAX_ITEM_SIZE, &size, &r->err) < 0) return -1;
    if (key_extract(t, item, KEY_HASH, &k, &r->err) < 0) return -1;
    if (check_index_keys(r, t, item) < 0) return -1;
    if (capacity_mode(r, &cap) < 0) return -1;
    exprs_t x = {0};
    expr_env_init(&x.env, jget(r->in, "ExpressionAttributeNames"), jget(r->in, "ExpressionAttributeValues"));
    if (parse_exprs(r, &x, OPK_PUT) < 0) { expr_env_fini(&x.env); return -1; }

    cJSON *old = NULL;
    if (!all_old && !cap && !x.cond) {
        expr_env_fini(&x.env);
        if (item_put_new(r, t, &k, item, size) < 0) return -1;
        sb_puts(&r->out, "{}");
        return 0;
    }
    if (load_item(r, t, &k, &old) < 0) {
        expr_env_fini(&x.env);
        return -1;
    }
    int crc = check_condition(r, &x, old);
    expr_env_fini(&x.env);
    if (crc < 0 || item_store(r, t, &k, old, item, size) < 0) { cJSON_Delete(old); return -1; }
    sb_putc(&r->out, '{');
    int first = 1;
    if (old && all_old) {
        sb_puts(&r->out, "\"Attributes\":");
        item_write(&r->out, old);
        first = 0;
    }
    if (cap) {
        int64_t billed = old && item_size(old) > size ? item_size(old) : size;
        write_write_capacity(&r->out, t, cap, ceil((double)billed / 1024.0), item, old, first);
    }
    sb_putc(&r->out, '}');
    cJSON_Delete(old);
    return 0;
}

/* AttributesToGet: non-empty, no empty name, no duplicates, not with ProjectionExpression. */
static int check_attributes_to_get(req_t *r, const cJSON *atg)
{
    if (!atg) return 0;
    if (jget(r->in, "ProjectionExpression"))
        return err_validation(&r->err, "Can not use both expression and non-expression parameters in the same "
                              "request: Non-expression parameters: {AttributesToGet} Expression parameters: "
                              "{ProjectionExpression}");
    if (!atg->child) return err_validation(&r->err, "AttributesToGet cannot be empty");
    for (const cJSON *a = atg->child; a; a = a->next) {
        if (!cJSON_IsString(a)) return err_set(&r->err, ERR_SERIALIZATION, "Expected a string in AttributesToGet");
        if (!a->valuestring[0]) return err_validation(&r->err, "Empty attribute name");
        for (const cJSON *b = atg->child; b != a; b = b->next)
            if (!strcmp(a->valuestring, b->valuestring))
                return err_validation(&r->err, "Cannot have two attributes with the same name");
    }
    return 0;
}

/*
 * GetItem, checks in DynamoDB Local's order (test_items.py test_order_get_delete):
 *   1. TableName format   2. AttributesToGet   3. the table exists   4. Key present
 *   5. Key attribute values   6. the key itself   7. ReturnConsumedCapacity
 *   8. ExpressionAttributeNames without ProjectionExpression, the names map, the projection,
 *   unused names
 */
int op_get_item(req_t *r)
{
    const char *name = jstr(r->in, "TableName");
    cJSON *key = jget(r->in, "Key");
    const cJSON *atg = jget(r->in, "AttributesToGet");
    table_t *t;
    rowkey_t k;
    int cap;
    if (check_table_name(name, &r->err) < 0) return -1;
    if (check_attributes_to_get(r, atg) < 0) return -1;
    if (require_table(r, name, &t) < 0) return -1;
    if (!key) return err_validation(&r->err, "Cannot have null key for GetItem, DeleteItem, or UpdateItem");
    if (av_check_map(key, 0, &r->err) < 0) return -1;
    if (key_extract(t, key, KEY_PARAM, &k, &r->err) < 0) return -1;
    if (capacity_mode(r, &cap) < 0) return -1;
    if (check_mixing(r, OPK_GET) < 0) return -1;
    exprs_t x = {0};
    expr_env_init(&x.env, jget(r->in, "ExpressionAttributeNames"), NULL);
    if (parse_exprs(r, &x, OPK_GET) < 0) { expr_env_fini(&x.env); return -1; }

    if (!atg && !x.proj && !cap) {
        /* the fast path: a row in item_write()'s form (store_rows_ours or item_is_canonical)
         * is copied to the answer as stored */
        expr_env_fini(&x.env);
        sb_puts(&r->out, "{\"Item\":");
        size_t at = r->out.len;
        int rc = store_get_item_sb(r->st, t, &k, &r->out, &r->err);
        if (rc < 0) return -1;
        if (rc == 0) {
            r->out.len = 0;
            sb_puts(&r->out, "{}");
            return 0;
        }
        if (store_rows_ours(r->st) || item_is_canonical(r->out.buf + at, r->out.len - at)) {
            sb_putc(&r->out, '}');
            return 0;
        }
        cJSON *item = json_parse(r->out.buf + at, r->out.len - at, NULL);
        if (!item) return unreadable(r, t);
        r->out.len = at;
        item_write(&r->out, item);
        sb_putc(&r->out, '}');
        cJSON_Delete(item);
        return 0;
    }
    cJSON *item;
    if (load_item(r, t, &k, &item) < 0) { expr_env_fini(&x.env); return -1; }
    sb_putc(&r->out, '{');
    if (item) {
        sb_puts(&r->out, "\"Item\":");
        if (atg) item_write_only(&r->out, item, atg);
        else if (x.proj) {
            cJSON *p = expr_project(x.proj, item);
            item_write(&r->out, p);
            cJSON_Delete(p);
        } else item_write(&r->out, item);
    }
    expr_env_fini(&x.env);
    if (cap) {
        /* the whole item is billed, even with AttributesToGet; a missing item costs 0.5 */
        int64_t size = item ? item_size(item) : 0;
        double units = ceil((double)(size ? size : 1) / 4096.0) * (cJSON_IsTrue(jget(r->in, "ConsistentRead")) ? 1.0 : 0.5);
        write_capacity(&r->out, t, cap, units, !item);
    }
    sb_putc(&r->out, '}');
    cJSON_Delete(item);
    return 0;
}

/*
 * DeleteItem, checks in DynamoDB Local's order (test_items.py test_order_get_delete):
 *   1. TableName format   2. the table exists   3. ReturnValues   4. Key present
 *   5. Key attribute values   6. the key itself   7. ReturnConsumedCapacity
 *   (with 3b. mixing of parameters and 8. expressions and the condition, as in PutItem)
 */
int op_delete_item(req_t *r)
{
    const char *name = jstr(r->in, "TableName");
    cJSON *key = jget(r->in, "Key");
    table_t *t;
    rowkey_t k;
    int all_old, cap;
    if (check_table_name(name, &r->err) < 0) return -1;
    if (require_table(r, name, &t) < 0) return -1;
    if (return_values(r, &all_old) < 0) return -1;
    if (check_mixing(r, OPK_DELETE) < 0) return -1;
    if (!key) return err_validation(&r->err, "Cannot have null key for GetItem, DeleteItem, or UpdateItem");
    if (av_check_map(key, 0, &r->err) < 0) return -1;
    if (key_extract(t, key, KEY_PARAM, &k, &r->err) < 0) return -1;
    if (capacity_mode(r, &cap) < 0) return -1;
    exprs_t x = {0};
    expr_env_init(&x.env, jget(r->in, "ExpressionAttributeNames"), jget(r->in, "ExpressionAttributeValues"));
    if (parse_exprs(r, &x, OPK_DELETE) < 0) { expr_env_fini(&x.env); return -1; }

    cJSON *old = NULL;
    if (load_item(r, t, &k, &old) < 0) { expr_env_fini(&x.env); return -1; }
    int crc = check_condition(r, &x, old);
    expr_env_fini(&x.env);
    if (crc < 0) { cJSON_Delete(old); return -1; }
    if (old && item_remove(r, t, &k, old) < 0) { cJSON_Delete(old); return -1; }
    sb_putc(&r->out, '{');
    int first = 1;
    if (old && all_old) {
        sb_puts(&r->out, "\"Attributes\":");
        item_write(&r->out, old);
        first = 0;
    }
    /* DynamoDB Local returns ConsumedCapacity for a delete of a missing item even unasked (§14) */
    if (cap || !old)
        write_write_capacity(&r->out, t, cap ? cap : 1, old ? ceil((double)item_size(old) / 1024.0) : 1.0,
                             NULL, old, first);
    sb_putc(&r->out, '}');
    cJSON_Delete(old);
    return 0;
}

/* ReturnValues of UpdateItem: 0 NONE, 1 ALL_OLD, 2 UPDATED_OLD, 3 ALL_NEW, 4 UPDATED_NEW. */
static int update_return_values(req_t *r, int *mode)
{
    static const char *const RV[] = {"NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"};
    const char *rv = jstr(r->in, "ReturnValues");
    *mode = 0;
    if (!rv) return 0;
    for (int i = 0; i < 5; i++)
        if (!strcmp(rv, RV[i])) { *mode = i; return 0; }
    return err_validation(&r->err, "Return values set to invalid value");
}

static int type_mismatch(req_t *r)
{
    return err_validation(&r->err, "Type mismatch for attribute to update");
}

/* DynamoDB Local's long type names in AttributeUpdates messages. */
static const char *long_type(const char *t)
{
    static const char *const TN[][2] = {
        {"S", "STRING"}, {"N", "NUMBER"}, {"B", "BINARY"}, {"SS", "STRING_SET"}, {"NS", "NUMBER_SET"},
        {"BS", "BINARY_SET"}, {"M", "MAP"}, {"L", "LIST"}, {"NULL", "NULL"}, {"BOOL", "BOOLEAN"},
    };
    for (size_t i = 0; i < sizeof TN / sizeof TN[0]; i++)
        if (!strcmp(TN[i][0], t)) return TN[i][1];
    return t;
}

/* Checks the legacy AttributeUpdates map (values validated in place). */
static int check_attribute_updates(req_t *r, const cJSON *au)
{
    for (const cJSON *j = au->child; j; j = j->next) {
        if (!cJSON_IsObject(j)) return err_set(&r->err, ERR_SERIALIZATION, "Expected a structure for AttributeValueUpdate");
        const char *action = jstr(j, "Action");
        cJSON *v = jget(j, "Value");
        if (action && strcmp(action, "PUT") && strcmp(action, "ADD") && strcmp(action, "DELETE"))
            return err_validation(&r->err, "Member must satisfy enum value set: [ADD, DELETE, PUT]");
        if (v && av_check(v, 1, &r->err) < 0) return -1;
        if ((!action || !strcmp(action, "PUT") || !strcmp(action, "ADD")) && !v)
            return err_validation(&r->err, "One or more parameter values were invalid: Only DELETE action is allowed "
                                  "when no attribute value is specified");
    }
    return 0;
}

/* Applies AttributeUpdates to item in place. */
static int apply_attribute_updates(req_t *r, const cJSON *au, cJSON *item)
{
    for (const cJSON *j = au->child; j; j = j->next) {
        const char *action = jstr(j, "Action");
        const cJSON *v = jget(j, "Value");
        cJSON *cur = cJSON_GetObjectItemCaseSensitive(item, j->string);
        if (!action || !strcmp(action, "PUT")) {
            if (cur) cJSON_ReplaceItemInObjectCaseSensitive(item, j->string, cJSON_Duplicate(v, 1));
            else cJSON_AddItemToObject(item, j->string, cJSON_Duplicate(v, 1));
            continue;
        }
        if (!strcmp(action, "DELETE") && !v) {
            if (cur) cJSON_Delete(cJSON_DetachItemViaPointer(item, cur));
            continue;
        }
        /* ADD and DELETE of a value go through the expression evaluator */
        expr_env_t env;
        expr_env_init(&env, NULL, NULL);
        expr_t *x = expr_alloc(&env, sizeof *x);
        x->kind = EXPR_UPDATE;
        x->nacts = 1;
        x->acts = expr_alloc(&env, sizeof *x->acts);
        x->acts[0].kind = !strcmp(action, "ADD") ? EU_ADD : EU_DELETE;
        x->acts[0].path.n = 1;
        x->acts[0].path.el = expr_alloc(&env, sizeof *x->acts[0].path.el);
        x->acts[0].path.el->name = j->string;
        x->acts[0].path.el->name_len = strlen(j->string);
        x->acts[0].path.el->index = -1;
        x->acts[0].value = expr_alloc(&env, sizeof *x->acts[0].value);
        x->acts[0].value->kind = EN_VALUE;
        x->acts[0].value->value = v;
        const char *tv = av_type(v, NULL), *tc = cur ? av_type(cur, NULL) : NULL;
        int rc = 0;
        if (!strcmp(action, "ADD") && !strcmp(tv, "L")) {
            /* legacy ADD appends to a list */
            if (!cur) cJSON_AddItemToObject(item, j->string, cJSON_Duplicate(v, 1));
            else if (strcmp(tc, "L")) rc = type_mismatch(r);
            else {
                cJSON *dst = cJSON_GetObjectItemCaseSensitive(cur, "L");
                for (const cJSON *e = cJSON_GetObjectItemCaseSensitive(v, "L")->child; e; e = e->next)
                    cJSON_AddItemToArray(dst, cJSON_Duplicate(e, 1));
            }
        } else if (!strcmp(action, "ADD") && strcmp(tv, "N") && !(strlen(tv) == 2 && tv[1] == 'S')) {
            rc = err_validation(&r->err, "One or more parameter values were invalid: ADD action is not supported "
                                "for the type %s", long_type(tv));
        } else if (!strcmp(action, "DELETE") && !(strlen(tv) == 2 && tv[1] == 'S')) {
            rc = err_validation(&r->err, "One or more parameter values were invalid: DELETE action with value is not "
                                "supported for the type %s", long_type(tv));
        } else if (cur && strcmp(tc, tv)) {
            rc = type_mismatch(r);
        } else {
            rc = expr_apply_update(x, item, &r->err);
        }
        expr_env_fini(&env);
        if (rc < 0) return -1;
    }
    return 0;
}

/* Whether the first element of path names a key attribute: "Cannot update attribute id". */
static int check_key_update(req_t *r, const table_t *t, const char *name, size_t len)
{
    const char *keys[2] = {t->hash.name, t->range.name};
    for (int i = 0; i < 2; i++)
        if (keys[i] && strlen(keys[i]) == len && !memcmp(keys[i], name, len))
            return err_validation(&r->err, "One or more parameter values were invalid: Cannot update attribute %s. "
                                  "This attribute is part of the key", keys[i]);
    return 0;
}

/* The top-level attributes of item that an update touched (UPDATED_OLD / UPDATED_NEW return
 * the whole attribute even for a nested path: update_item.json up-rv-05). */
static cJSON *updated_part(const exprs_t *x, const cJSON *au, const cJSON *item)
{
    if (!item) return NULL;
    cJSON *out = cJSON_CreateObject();
    int n = x->update ? x->update->nacts : 0;
    const cJSON *j = au ? au->child : NULL;
    for (int i = 0; i < n || j; i++) {
        char *name;
        if (i < n) {
            /* the whole attribute, when the updated path itself exists in this version */
            if (!expr_path_get(&x->update->acts[i].path, item)) continue;
            name = xstrndup(x->update->acts[i].path.el[0].name, x->update->acts[i].path.el[0].name_len);
        } else {
            name = xstrdup(j->string);
            j = j->next;
        }
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(item, name);
        if (v && !cJSON_GetObjectItemCaseSensitive(out, name))
            cJSON_AddItemToObject(out, name, cJSON_Duplicate(v, 1));
        free(name);
    }
    return out;
}

/*
 * UpdateItem, checks in DynamoDB Local's order (test_expressions.py, cases.json #44-#57):
 *   1. TableName format   2. the table exists   3. ReturnValues   4. mixing of parameters
 *   5. Key present   6. Key attribute values   7. the key itself   8. ReturnConsumedCapacity
 *   9. expression maps, UpdateExpression, ConditionExpression, unused names/values, Expected,
 *   AttributeUpdates   10. the condition against the stored item   11. key attributes not
 *   updatable   12. the update (operand types, document paths, number limits)   13. item size
 *   and index key types of the new item
 */
int op_update_item(req_t *r)
{
    const char *name = jstr(r->in, "TableName");
    cJSON *key = jget(r->in, "Key");
    const cJSON *au = jget(r->in, "AttributeUpdates");
    table_t *t;
    rowkey_t k;
    int rv, cap;
    if (check_table_name(name, &r->err) < 0) return -1;
    if (require_table(r, name, &t) < 0) return -1;
    if (update_return_values(r, &rv) < 0) return -1;
    if (check_mixing(r, OPK_UPDATE) < 0) return -1;
    if (!key) return err_validation(&r->err, "Cannot have null key for GetItem, DeleteItem, or UpdateItem");
    if (av_check_map(key, 0, &r->err) < 0) return -1;
    if (key_extract(t, key, KEY_PARAM | KEY_HASH, &k, &r->err) < 0) return -1;
    if (capacity_mode(r, &cap) < 0) return -1;
    exprs_t x = {0};
    expr_env_init(&x.env, jget(r->in, "ExpressionAttributeNames"), jget(r->in, "ExpressionAttributeValues"));
    cJSON *old = NULL, *item = NULL, *ret = NULL;
    int rc = -1;
    if (parse_exprs(r, &x, OPK_UPDATE) < 0) goto done;
    if (au && check_attribute_updates(r, au) < 0) goto done;
    if (load_item(r, t, &k, &old) < 0) goto done;
    if (check_condition(r, &x, old) < 0) goto done;
    if (x.update) {
        for (int i = 0; i < x.update->nacts; i++) {
            const expr_pel_t *el = &x.update->acts[i].path.el[0];
            if (check_key_update(r, t, el->name, el->name_len) < 0) goto done;
        }
    } else if (au) {
        for (const cJSON *j = au->child; j; j = j->next)
            if (check_key_update(r, t, j->string, strlen(j->string)) < 0) goto done;
    }
    item = old ? cJSON_Duplicate(old, 1) : cJSON_Duplicate(key, 1);
    if (x.update && expr_apply_update(x.update, item, &r->err) < 0) goto done;
    if (au && apply_attribute_updates(r, au, item) < 0) goto done;
    int64_t size = item_size(item);
    if (size > DDB_MAX_ITEM_SIZE) {
        err_validation(&r->err, "Item size to update has exceeded the maximum allowed size");
        goto done;
    }
    if (check_index_keys(r, t, item) < 0) goto done;

    if (item_store(r, t, &k, old, item, size) < 0) goto done;

    sb_putc(&r->out, '{');
    int first = 1;
    if (rv == 1 && old) ret = cJSON_Duplicate(old, 1);
    else if (rv == 2) ret = updated_part(&x, au, old);
    else if (rv == 3) ret = cJSON_Duplicate(item, 1);
    else if (rv == 4) ret = updated_part(&x, au, item);
    if (ret && ret->child) {
        sb_puts(&r->out, "\"Attributes\":");
        item_write(&r->out, ret);
        first = 0;
    }
    if (cap) {
        int64_t billed = old && item_size(old) > size ? item_size(old) : size;
        write_write_capacity(&r->out, t, cap, ceil((double)billed / 1024.0), item, old, first);
    }
    sb_putc(&r->out, '}');
    rc = 0;
done:
    expr_env_fini(&x.env);
    cJSON_Delete(old);
    cJSON_Delete(item);
    cJSON_Delete(ret);
    return rc;
}

/* ---- shared with batches and transactions (op_batch.c, op_txn.c) ------------------------ */

/* Loads the stored item of key k into *item (NULL when absent; caller frees). Returns 0 / -1. */
int item_load(req_t *r, table_t *t, const rowkey_t *k, cJSON **item)
{
    return load_item(r, t, k, item);
}

/* Index key attributes of item have their index's type and are not empty (§7.1). */
int item_check_index_keys(req_t *r, const table_t *t, const cJSON *item)
{
    return check_index_keys(r, t, item);
}

/* Checks an AttributesToGet list (non-empty, strings, no duplicates) as GetItem does. */
int item_check_attributes_to_get(req_t *r, const cJSON *atg)
{
    return check_attributes_to_get(r, atg);
}

/* Writes a capacity number as DynamoDB Local prints it ("1.0", "0.5"). */
void item_put_units(sb_t *sb, double u)
{
    put_units(sb, u);
}

/*
 * A TransactWriteItems ConditionCheck on r->in (TableName, Key, ConditionExpression, the
 * expression maps, ReturnValuesOnConditionCheckFailure): the checks of DeleteItem, then the
 * condition against the stored item. Writes nothing. Returns 0, or -1 with r->err set
 * (ConditionalCheckFailed with "Item" for ALL_OLD when the condition is false).
 */
int item_condition_check(req_t *r)
{
    const char *name = jstr(r->in, "TableName");
    cJSON *key = jget(r->in, "Key");
    table_t *t;
    rowkey_t k;
    if (check_table_name(name, &r->err) < 0) return -1;
    if (require_table(r, name, &t) < 0) return -1;
    if (!key) return err_validation(&r->err, "Cannot have null key for GetItem, DeleteItem, or UpdateItem");
    if (av_check_map(key, 0, &r->err) < 0) return -1;
    if (key_extract(t, key, KEY_PARAM, &k, &r->err) < 0) return -1;
    exprs_t x = {0};
    expr_env_init(&x.env, jget(r->in, "ExpressionAttributeNames"), jget(r->in, "ExpressionAttributeValues"));
    cJSON *old = NULL;
    int rc = -1;
    if (parse_exprs(r, &x, OPK_DELETE) < 0 || load_item(r, t, &k, &old) < 0) goto done;
    rc = check_condition(r, &x, old);
done:
    expr_env_fini(&x.env);
    cJSON_Delete(old);
    return rc;
}

/* ReturnConsumedCapacity of r->in: 0 NONE, 1 TOTAL, 2 INDEXES (DynamoDB Local's odd message
 * for an unknown value). Returns 0 / -1. */
int item_capacity_mode(req_t *r, int *mode)
{
    return capacity_mode(r, mode);
}
