/*
 * op_item.c: the single-item operations PutItem, GetItem and DeleteItem. They share key
 * extraction, ReturnValues, ConsumedCapacity and the checks of parameters that later
 * capabilities implement (expressions) as static helpers here.
 */
#include "core.h"

#include <math.h>
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

/* ReturnConsumedCapacity: 0 NONE, 1 TOTAL, 2 INDEXES. */
static int capacity_mode(req_t *r, int *mode)
{
    const char *s = jstr(r->in, "ReturnConsumedCapacity");
    *mode = 0;
    if (!s || !strcmp(s, "NONE")) return 0;
    if (!strcmp(s, "TOTAL")) { *mode = 1; return 0; }
    if (!strcmp(s, "INDEXES")) { *mode = 2; return 0; }
    return err_validation(&r->err, "1 validation error detected: Value '%s' at 'returnConsumedCapacity' "
                          "failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]", s);
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
    *item = cJSON_ParseWithLength(json, len);
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

int op_put_item(req_t *r)
{
    const char *name = jstr(r->in, "TableName");
    cJSON *item = jget(r->in, "Item");
    int all_old, cap;
    if (check_table_name(name, &r->err) < 0) return -1;
    if (!item) return err_validation(&r->err, "Item to put in PutItem cannot be null");
    if (return_values(r, &all_old) < 0 || capacity_mode(r, &cap) < 0) return -1;
    if (av_check_map(item, &r->err) < 0) return -1;
    if (refuse_unsupported(r, UNSUPPORTED_WRITE) < 0) return -1;
    table_t *t;
    if (require_table(r, name, &t) < 0) return -1;
    rowkey_t k;
    if (key_extract(t, item, 0, &k, &r->err) < 0) return -1;
    if (check_index_keys(r, t, item) < 0) return -1;
    int64_t size = item_size(item);
    if (size > DDB_MAX_ITEM_SIZE)
        return err_validation(&r->err, "Item size has exceeded the maximum allowed size");
    cJSON *old = NULL;
    if (all_old && load_item(r, t, &k, &old) < 0) return -1;
    sb_t json;
    sb_init(&json);
    item_write(&json, item);
    int rc = store_put_item(r->st, t, &k, item, json.buf, json.len, size, &r->err);
    sb_fini(&json);
    if (rc < 0) { cJSON_Delete(old); return -1; }
    sb_putc(&r->out, '{');
    if (old) {
        sb_puts(&r->out, "\"Attributes\":");
        item_write(&r->out, old);
    }
    if (cap) write_write_capacity(&r->out, t, cap, ceil((double)size / 1024.0), item, old, !old);
    sb_putc(&r->out, '}');
    cJSON_Delete(old);
    return 0;
}

int op_get_item(req_t *r)
{
    const char *name = jstr(r->in, "TableName");
    cJSON *key = jget(r->in, "Key");
    const cJSON *atg = jget(r->in, "AttributesToGet");
    int cap;
    if (check_table_name(name, &r->err) < 0) return -1;
    if (!key) return err_validation(&r->err, "Cannot have null key for GetItem, DeleteItem, or UpdateItem");
    if (capacity_mode(r, &cap) < 0) return -1;
    if (av_check_map(key, &r->err) < 0) return -1;
    static const char *const unsupported[] = {"ProjectionExpression", "ExpressionAttributeNames", NULL};
    if (refuse_unsupported(r, unsupported) < 0) return -1;
    if (atg) {
        if (!atg->child)
            return err_validation(&r->err, "1 validation error detected: Value '[]' at 'attributesToGet' failed to satisfy constraint: Member must have length greater than or equal to 1");
        for (const cJSON *a = atg->child; a; a = a->next) {
            if (!cJSON_IsString(a)) return err_set(&r->err, ERR_SERIALIZATION, "Expected a string in AttributesToGet");
            for (const cJSON *b = atg->child; b != a; b = b->next)
                if (!strcmp(a->valuestring, b->valuestring))
                    return err_validation(&r->err, "One or more parameter values were invalid: Duplicate value in attribute name: %s", a->valuestring);
        }
    }
    table_t *t;
    if (require_table(r, name, &t) < 0) return -1;
    rowkey_t k;
    if (key_extract(t, key, 1, &k, &r->err) < 0) return -1;
    cJSON *item;
    if (load_item(r, t, &k, &item) < 0) return -1;
    sb_putc(&r->out, '{');
    if (item) {
        sb_puts(&r->out, "\"Item\":");
        if (atg) item_write_only(&r->out, item, atg);
        else item_write(&r->out, item);
    }
    if (cap) {
        int64_t size = item ? item_size(item) : 0;
        double units = ceil((double)(size ? size : 1) / 4096.0) * (cJSON_IsTrue(jget(r->in, "ConsistentRead")) ? 1.0 : 0.5);
        write_capacity(&r->out, t, cap, units, !item);
    }
    sb_putc(&r->out, '}');
    cJSON_Delete(item);
    return 0;
}

int op_delete_item(req_t *r)
{
    const char *name = jstr(r->in, "TableName");
    cJSON *key = jget(r->in, "Key");
    int all_old, cap;
    if (check_table_name(name, &r->err) < 0) return -1;
    if (!key) return err_validation(&r->err, "Cannot have null key for GetItem, DeleteItem, or UpdateItem");
    if (return_values(r, &all_old) < 0 || capacity_mode(r, &cap) < 0) return -1;
    if (av_check_map(key, &r->err) < 0) return -1;
    if (refuse_unsupported(r, UNSUPPORTED_WRITE) < 0) return -1;
    table_t *t;
    if (require_table(r, name, &t) < 0) return -1;
    rowkey_t k;
    if (key_extract(t, key, 1, &k, &r->err) < 0) return -1;
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
