/*
 * op_item.c: the single-item operations PutItem, GetItem and DeleteItem. They share key
 * extraction, ReturnValues, ConsumedCapacity and the checks of parameters that later
 * capabilities implement (expressions) as static helpers here.
 */
#include "core.h"

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
const field_spec_t spec_delete_item[] = {
    {"TableName", FT_STRING}, {"Key", FT_MAP}, {"Expected", FT_MAP}, {"ConditionalOperator", FT_STRING},
    {"ReturnValues", FT_STRING}, {"ReturnConsumedCapacity", FT_STRING},
    {"ReturnItemCollectionMetrics", FT_STRING}, {"ConditionExpression", FT_STRING},
    {"ExpressionAttributeNames", FT_MAP}, {"ExpressionAttributeValues", FT_MAP},
    {"ReturnValuesOnConditionCheckFailure", FT_STRING}, {NULL, 0},
};

/* Refuses the expression and legacy-condition parameters until the expression language lands,
 * rather than ignoring a condition the caller relies on. */
static int refuse_unsupported(req_t *r, const char *const *names)
{
    for (; *names; names++)
        if (jget(r->in, *names))
            return err_validation(&r->err, "ddblocal does not support %s yet", *names);
    return 0;
}

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
    for (int i = 0; i < t->nidx; i++) {
        const index_def_t *ix = &t->idx[i];
        const keydef_t *kds[2] = {&ix->hash, &ix->range};
        for (int k = 0; k < 2; k++) {
            const keydef_t *kd = kds[k];
            if (!kd->name) continue;
            const cJSON *av = jget(item, kd->name), *v;
            if (!av) continue;
            const char *type = av_type(av, &v);
            if (!type || type[1] || type[0] != kd->type)
                return err_validation(&r->err, "One or more parameter values were invalid: Type mismatch for Index Key");
            if ((type[0] == 'S' || type[0] == 'B') && v->valuestring[0] == 0)
                return err_validation(&r->err, "One or more parameter values are not valid. A value specified for a "
                                      "secondary index key is not supported. The AttributeValue for a key attribute "
                                      "cannot contain an empty %s value. IndexName: %s, IndexKey: %s",
                                      type[0] == 'S' ? "string" : "binary", ix->name, kd->name);
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

/* Loads the stored item of key k into a parsed cJSON (NULL when absent). Returns 0 / -1. */
static int load_item(req_t *r, table_t *t, const rowkey_t *k, cJSON **item)
{
    char *json;
    size_t len;
    *item = NULL;
    int rc = store_get_item(r->st, t, k, &json, &len, &r->err);
    if (rc <= 0) return rc;
    *item = json_parse(json, len, NULL);
    free(json);
    if (!*item)
        return err_set(&r->err, ERR_INTERNAL, "The request processing has failed because of an unknown "
                       "error, exception or failure. (unreadable ObjectJSON in %s)", t->name);
    return 0;
}

static const char *const UNSUPPORTED_WRITE[] = {
    "ConditionExpression", "Expected", "ConditionalOperator", "ExpressionAttributeNames",
    "ExpressionAttributeValues", NULL,
};

/*
 * PutItem, checks in DynamoDB Local's order (test_items.py test_order_put):
 *   1. TableName format      2. the table exists        3. ReturnValues
 *   4. Item present          5. each attribute in request order, item size as a running total
 *   6. key attributes in key-schema order (hash, then range)   7. index key types
 *   8. ReturnConsumedCapacity
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
    if (!item) return err_validation(&r->err, "Item to put in PutItem cannot be null");
    if (av_check_map(item, DDB_MAX_ITEM_SIZE, &r->err) < 0) return -1;
    if (key_extract(t, item, KEY_HASH, &k, &r->err) < 0) return -1;
    if (check_index_keys(r, t, item) < 0) return -1;
    if (capacity_mode(r, &cap) < 0) return -1;
    if (refuse_unsupported(r, UNSUPPORTED_WRITE) < 0) return -1;

    int64_t size = item_size(item);
    cJSON *old = NULL;
    if ((all_old || cap) && load_item(r, t, &k, &old) < 0) return -1;
    sb_t json;
    sb_init(&json);
    item_write(&json, item);
    int rc = store_put_item(r->st, t, &k, item, json.buf, json.len, size, &r->err);
    sb_fini(&json);
    if (rc < 0) { cJSON_Delete(old); return -1; }
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
    static const char *const unsupported[] = {"ProjectionExpression", "ExpressionAttributeNames", NULL};
    if (refuse_unsupported(r, unsupported) < 0) return -1;

    cJSON *item;
    if (load_item(r, t, &k, &item) < 0) return -1;
    sb_putc(&r->out, '{');
    if (item) {
        sb_puts(&r->out, "\"Item\":");
        if (atg) item_write_only(&r->out, item, atg);
        else item_write(&r->out, item);
    }
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
    if (!key) return err_validation(&r->err, "Cannot have null key for GetItem, DeleteItem, or UpdateItem");
    if (av_check_map(key, 0, &r->err) < 0) return -1;
    if (key_extract(t, key, KEY_PARAM, &k, &r->err) < 0) return -1;
    if (capacity_mode(r, &cap) < 0) return -1;
    if (refuse_unsupported(r, UNSUPPORTED_WRITE) < 0) return -1;

    cJSON *old = NULL;
    if (load_item(r, t, &k, &old) < 0) return -1;
    if (old && store_delete_item(r->st, t, &k, &r->err) < 0) { cJSON_Delete(old); return -1; }
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
