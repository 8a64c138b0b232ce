/*
 * op_table.c: the table operations: CreateTable, DescribeTable, ListTables, UpdateTable,
 * DeleteTable and DescribeLimits, with DynamoDB Local 1.25.1's validation messages and its
 * TableDescription shape and member order (dynamodb-local.md §9).
 */
#include "core.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const field_spec_t spec_create_table[] = {
    {"TableName", FT_STRING}, {"AttributeDefinitions", FT_LIST}, {"KeySchema", FT_LIST},
    {"LocalSecondaryIndexes", FT_LIST}, {"GlobalSecondaryIndexes", FT_LIST},
    {"BillingMode", FT_STRING}, {"ProvisionedThroughput", FT_MAP},
    {"StreamSpecification", FT_MAP}, {"SSESpecification", FT_MAP}, {"Tags", FT_LIST},
    {"DeletionProtectionEnabled", FT_BOOL}, {"TableClass", FT_STRING}, {NULL, 0},
};
const field_spec_t spec_describe_table[] = {{"TableName", FT_STRING}, {NULL, 0}};
const field_spec_t spec_list_tables[] = {
    {"ExclusiveStartTableName", FT_STRING}, {"Limit", FT_INT}, {NULL, 0},
};
const field_spec_t spec_update_table[] = {
    {"TableName", FT_STRING}, {"AttributeDefinitions", FT_LIST}, {"BillingMode", FT_STRING},
    {"ProvisionedThroughput", FT_MAP}, {"GlobalSecondaryIndexUpdates", FT_LIST},
    {"StreamSpecification", FT_MAP}, {"SSESpecification", FT_MAP},
    {"DeletionProtectionEnabled", FT_BOOL}, {"TableClass", FT_STRING}, {NULL, 0},
};
const field_spec_t spec_delete_table[] = {{"TableName", FT_STRING}, {NULL, 0}};
const field_spec_t spec_describe_limits[] = {{NULL, 0}};

/* ---- TableDescription ---------------------------------------------------------------------- */

static void write_keyschema(sb_t *sb, const cJSON *ks)
{
    sb_putc(sb, '[');
    for (const cJSON *k = ks ? ks->child : NULL; k; k = k->next) {
        if (k != ks->child) sb_putc(sb, ',');
        const char *n = jstr(k, "AttributeName"), *t = jstr(k, "KeyType");
        sb_puts(sb, "{\"AttributeName\":");
        sb_json_str(sb, n ? n : "", strlen(n ? n : ""));
        sb_printf(sb, ",\"KeyType\":\"%s\"}", t ? t : "HASH");
    }
    sb_putc(sb, ']');
}

static void write_projection(sb_t *sb, const cJSON *p)
{
    const char *pt = jstr(p, "ProjectionType");
    sb_printf(sb, "{\"ProjectionType\":\"%s\"", pt ? pt : "ALL");
    const cJSON *nk = jget(p, "NonKeyAttributes");
    if (nk) {
        sb_puts(sb, ",\"NonKeyAttributes\":[");
        for (const cJSON *j = nk->child; j; j = j->next) {
            if (j != nk->child) sb_putc(sb, ',');
            sb_json_str(sb, j->valuestring, strlen(j->valuestring));
        }
        sb_putc(sb, ']');
    }
    sb_putc(sb, '}');
}

/* Fills v with t's LSIs (gsi 0) or GSIs (gsi 1) in DynamoDB Local's order, the iteration order
 * of a default java.util.HashMap keyed by index name (test_create_5_lsis_and_20_gsis).
 * Returns the count. */
static int indexes_in_map_order(const table_t *t, int gsi, const index_def_t **v, index_def_t *deleting)
{
    const index_def_t *all[64] = {0};
    const char *names[64] = {0};
    int order[64] = {0}, n = 0, nd = 0;
    for (int i = 0; i < t->nidx && n < 64; i++)
        if (t->idx[i].gsi == gsi) { all[n] = &t->idx[i]; names[n++] = t->idx[i].name; }
    /* GSIs being deleted are listed (DELETING) but are no longer indexes of t */
    const cJSON *gd = gsi ? jget(t->info, "GSIDescList") : NULL;
    for (const cJSON *d = gd ? gd->child : NULL; d && n < 64 && nd < 4; d = d->next) {
        const char *st = jstr(d, "IndexStatus");
        if (!st || strcmp(st, "DELETING") || !jstr(d, "IndexName")) continue;
        memset(&deleting[nd], 0, sizeof deleting[nd]);
        deleting[nd].name = (char *)jstr(d, "IndexName");
        deleting[nd].gsi = 1;
        deleting[nd].desc = d;
        all[n] = &deleting[nd];
        names[n++] = deleting[nd++].name;
    }
    item_hashmap_order(names, n, 16, order);
    for (int i = 0; i < n; i++) v[i] = all[order[i]];
    return n;
}

static void write_index(sb_t *sb, const table_t *t, const index_def_t *ix, int64_t count, int64_t bytes)
{
    sb_puts(sb, "{\"IndexName\":");
    sb_json_str(sb, ix->name, strlen(ix->name));
    sb_puts(sb, ",\"KeySchema\":");
    write_keyschema(sb, jget(ix->desc, "KeySchema"));
    sb_puts(sb, ",\"Projection\":");
    write_projection(sb, jget(ix->desc, "Projection"));
    if (ix->gsi) {
        const char *status = jstr(ix->desc, "IndexStatus");
        const cJSON *pt = jget(ix->desc, "ProvisionedThroughput");
        const cJSON *rc = jget(pt, "ReadCapacityUnits"), *wc = jget(pt, "WriteCapacityUnits");
        const cJSON *bf = jget(ix->desc, "Backfilling");
        sb_printf(sb, ",\"IndexStatus\":\"%s\"%s,\"ProvisionedThroughput\":{\"ReadCapacityUnits\":%lld,"
                  "\"WriteCapacityUnits\":%lld}", status ? status : "ACTIVE",
                  bf ? (cJSON_IsTrue(bf) ? ",\"Backfilling\":true" : ",\"Backfilling\":false") : "",
                  (long long)(cJSON_IsNumber(rc) ? rc->valuedouble : 0),
                  (long long)(cJSON_IsNumber(wc) ? wc->valuedouble : 0));
    }
    /* a CREATING or DELETING index has no sizes (DynamoDB Local, §9) */
    if (!ix->gsi || !jstr(ix->desc, "IndexStatus") || !strcmp(jstr(ix->desc, "IndexStatus"), "ACTIVE"))
        sb_printf(sb, ",\"IndexSizeBytes\":%lld,\"ItemCount\":%lld", (long long)bytes, (long long)count);
    sb_puts(sb, ",\"IndexArn\":");
    sb_t arn;
    sb_init(&arn);
    sb_printf(&arn, DDB_ARN_PREFIX "table/%s/index/%s", t->name, ix->name);
    sb_json_str(sb, arn.buf, arn.len);
    sb_fini(&arn);
    sb_putc(sb, '}');
}

/* Writes ,"LocalSecondaryIndexes":[...] (gsi 0) or ,"GlobalSecondaryIndexes":[...] (gsi 1),
 * nothing when t has none, with live counts. */
static int write_indexes(req_t *r, table_t *t, int gsi, sb_t *sb)
{
    const index_def_t *v[64];
    index_def_t deleting[4];
    int n = indexes_in_map_order(t, gsi, v, deleting);
    for (int i = 0; i < n; i++) {
        int64_t count = 0, bytes = 0;
        if (v[i]->hash.name && catalog_stats(r->st, t, v[i], &count, &bytes, &r->err) < 0) return -1;
        sb_puts(sb, i ? "," : gsi ? ",\"GlobalSecondaryIndexes\":[" : ",\"LocalSecondaryIndexes\":[");
        write_index(sb, t, v[i], count, bytes);
    }
    if (n) sb_putc(sb, ']');
    return 0;
}

/* Writes {"AttributeDefinitions":...,...} for t, with live counts. */
static int write_description(req_t *r, table_t *t, sb_t *sb)
{
    int64_t count, bytes;
    if (catalog_stats(r->st, t, NULL, &count, &bytes, &r->err) < 0) return -1;
    sb_puts(sb, "{\"AttributeDefinitions\":[");
    const cJSON *attrs = jget(t->info, "Attributes");
    for (const cJSON *a = attrs ? attrs->child : NULL; a; a = a->next) {
        if (a != attrs->child) sb_putc(sb, ',');
        const char *n = jstr(a, "AttributeName"), *ty = jstr(a, "AttributeType");
        sb_puts(sb, "{\"AttributeName\":");
        sb_json_str(sb, n ? n : "", strlen(n ? n : ""));
        sb_printf(sb, ",\"AttributeType\":\"%s\"}", ty ? ty : "S");
    }
    sb_puts(sb, "],\"TableName\":");
    sb_json_str(sb, t->name, strlen(t->name));
    sb_puts(sb, ",\"KeySchema\":[{\"AttributeName\":");
    sb_json_str(sb, t->hash.name, strlen(t->hash.name));
    sb_puts(sb, ",\"KeyType\":\"HASH\"}");
    if (t->range.name) {
        sb_puts(sb, ",{\"AttributeName\":");
        sb_json_str(sb, t->range.name, strlen(t->range.name));
        sb_puts(sb, ",\"KeyType\":\"RANGE\"}");
    }
    sb_puts(sb, "],\"TableStatus\":\"ACTIVE\",\"CreationDateTime\":");
    put_epoch(sb, t->created_ms);
    sb_printf(sb, ",\"ProvisionedThroughput\":{\"LastIncreaseDateTime\":0.000,\"LastDecreaseDateTime\":0.000,"
              "\"NumberOfDecreasesToday\":0,\"ReadCapacityUnits\":%lld,\"WriteCapacityUnits\":%lld},"
              "\"TableSizeBytes\":%lld,\"ItemCount\":%lld,\"TableArn\":",
              (long long)t->rcu, (long long)t->wcu, (long long)bytes, (long long)count);
    sb_t arn;
    sb_init(&arn);
    sb_printf(&arn, DDB_ARN_PREFIX "table/%s", t->name);
    sb_json_str(sb, arn.buf, arn.len);
    sb_fini(&arn);
    if (t->ppr_ms) {
        sb_printf(sb, ",\"BillingModeSummary\":{\"BillingMode\":\"%s\",\"LastUpdateToPayPerRequestDateTime\":",
                  t->billing_ppr ? "PAY_PER_REQUEST" : "PROVISIONED");
        put_epoch(sb, t->ppr_ms);
        sb_putc(sb, '}');
    }
    if (write_indexes(r, t, 0, sb) < 0 || write_indexes(r, t, 1, sb) < 0) return -1;
    if (stream_describe_table(r->st, t, sb, &r->err) < 0) return -1;
    sb_printf(sb, ",\"DeletionProtectionEnabled\":%s}", t->del_prot == 1 ? "true" : "false");
    return 0;
}

/* ---- CreateTable --------------------------------------------------------------------------- */

/* DynamoDB Local's messages (dynamodb-local.md §7.1; tests/e2e/test_tables.py pins each). */
#define MSG_NO_KEY_SCHEMA "No defined key schema.  A key schema containing at least a hash key must be defined for all tables"
#define MSG_NO_HASH "No Hash Key specified in schema.  All Dynamo DB tables must have exactly one hash key"
#define MSG_TOO_BIG "Key Schema too big.  Key Schema must at most consist of the hash and range key of a table"
#define MSG_TWO_HASH "Too many hash keys specified.  All Dynamo DB tables must have exactly one hash key"
#define MSG_KEY_ORDER "Invalid key order. Hash Key must be specified first in key schema, Range Key must be specifed second"
#define MSG_NOT_HASH_OR_RANGE "One or more keys is not specified as being hash or range."
#define MSG_ATTR_NAME_REQUIRED "Attribute name must be specified."
#define MSG_SAME_KEY_NAME "Two keys can not have the same name"
#define MSG_NO_ATTR_SCHEMA "No Attribute Schema Defined"
#define MSG_NO_DATATYPE "Invalid Attribute value. Must contain exactly one of the supported datatypes."
#define MSG_DUP_ATTR "Cannot have two attributes with the same name"
#define MSG_NAME_LEN "Names of key attributes and attributes projected into an index must be between 1 and 255 characters, inclusive"
#define MSG_MISMATCH "The number of attributes in key schema must match the number of attributes defined in attribute definitions."
#define MSG_NO_PT "No provisioned throughput specified for the table"
#define MSG_PT_MIN "Table read and write throughput must be at least 1, and cannot be null"
#define MSG_PT_MAX "Cannot increase provisioned throughput to more than 40,000 units per table"
#define MSG_GSI_NO_PT "No provisioned throughput specified for the global secondary index"
#define MSG_GSI_PT_MIN "Global Secondary Index's read and write throughput must be at least 1, and cannot be null"
#define MSG_GSI_PT_MAX "Cannot increase provisioned throughput to more than 40,000 units per global secondary index"
#define MSG_NO_PROJECTION "Indexes must have a projection specified"
#define MSG_BAD_PROJECTION "Projection type must be INCLUDE, ALL, or KEYS_ONLY"
#define MSG_INCLUDE_EMPTY "If Projection type INCLUDE is specified, some non-key attributes to include in the projection must be specified as well"
#define MSG_NONKEY_NOT_INCLUDE "No attributes should be specified to be projected unless projection type is INCLUDE"
#define MSG_PROJECTED_MAX "No more than 20 attributes per table can be projected into Local Secondary Indices"
#define MSG_BILLING_ENUM "1 validation error detected: Value '%s' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]"

#define MAX_THROUGHPUT 40000
#define MAX_LSIS 5
#define MAX_GSIS 20
#define MAX_PROJECTED 100

/* What the CreateTable checks share: the request's parts and what earlier steps found. */
typedef struct create_ctx {
    req_t *r;
    const cJSON *ks, *defs, *lsis, *gsis;
    const char *hash, *range;    /* the table's key attribute names (range NULL: hash only) */
    int ppr;                     /* BillingMode PAY_PER_REQUEST */
    int projected;               /* NonKeyAttributes counted over all indexes, repeats included */
} create_ctx_t;

/* Java's String.length() of a UTF-8 string: UTF-16 units. */
static size_t utf16_len(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p & 0xC0) != 0x80) n++;
        if (*p >= 0xF0) n++;     /* a supplementary character is a surrogate pair */
    }
    return n;
}

static int check_attr_name_len(req_t *r, const char *name)
{
    size_t n = utf16_len(name);
    if (n < 1 || n > 255) return err_validation(&r->err, MSG_NAME_LEN);
    return 0;
}

static const char *def_type(const cJSON *defs, const char *name)
{
    for (const cJSON *d = defs ? defs->child : NULL; d; d = d->next) {
        const char *n = jstr(d, "AttributeName");
        if (n && name && !strcmp(n, name)) return jstr(d, "AttributeType");
    }
    return NULL;
}

static int is_one_of(const char *s, const char *const *set)
{
    for (; s && *set; set++)
        if (!strcmp(s, *set)) return 1;
    return 0;
}

/* Validates a key schema (the table's or an index's) as DynamoDB Local does, in this order:
 *   1. missing                                   -> No defined key schema
 *   2. more than two elements                    -> Key Schema too big        (3-keys-and-*)
 *   3. per element: the element null, KeyType null, then AttributeName null
 *                                                -> Key schema element is invalid. /
 *                                                   One or more keys is not specified ... /
 *                                                   Attribute name must be specified.
 *   4. empty                                     -> No Hash Key
 *   5. first element not HASH: a HASH later      -> Invalid key order, else No Hash Key
 *   6. second element HASH                       -> Too many hash keys
 *   7. both elements name one attribute          -> Two keys can not have the same name
 * Any KeyType other than HASH in second place makes it the range key (keytype-unknown: 'FOO'
 * first answers No Hash Key; HASH then 'FOO' is accepted as hash and range). Types and
 * lengths of the names are checked later, against AttributeDefinitions. Sets *hash and
 * *range (NULL when absent). */
static int check_key_schema(req_t *r, const cJSON *ks, const char **hash, const char **range)
{
    *hash = *range = NULL;
    if (!ks) return err_validation(&r->err, MSG_NO_KEY_SCHEMA);
    int n = cJSON_GetArraySize(ks);
    if (n > 2) return err_validation(&r->err, MSG_TOO_BIG);
    for (const cJSON *k = ks->child; k; k = k->next) {
        if (cJSON_IsNull(k)) return err_validation(&r->err, "Key schema element is invalid.");
        if (!jstr(k, "KeyType")) return err_validation(&r->err, MSG_NOT_HASH_OR_RANGE);
        if (!jstr(k, "AttributeName")) return err_validation(&r->err, MSG_ATTR_NAME_REQUIRED);
    }
    if (n == 0) return err_validation(&r->err, MSG_NO_HASH);
    const cJSON *first = ks->child, *second = first->next;
    if (strcmp(jstr(first, "KeyType"), "HASH") != 0) {
        if (second && !strcmp(jstr(second, "KeyType"), "HASH"))
            return err_validation(&r->err, MSG_KEY_ORDER);
        return err_validation(&r->err, MSG_NO_HASH);
    }
    if (second && !strcmp(jstr(second, "KeyType"), "HASH"))
        return err_validation(&r->err, MSG_TWO_HASH);
    *hash = jstr(first, "AttributeName");
    *range = second ? jstr(second, "AttributeName") : NULL;
    if (*range && !strcmp(*hash, *range)) return err_validation(&r->err, MSG_SAME_KEY_NAME);
    return 0;
}

/* Step: AttributeDefinitions. Missing -> No Attribute Schema Defined; then per element, in
 * order: name null, name length, name seen before, type null, type not B/N/S
 * (attrdefs-duplicate, attrtype-missing-and-hash-undefined; the enum message has no
 * "1 validation error" prefix in DynamoDB Local). */
static int check_attr_defs(create_ctx_t *c)
{
    req_t *r = c->r;
    static const char *const types[] = {"S", "N", "B", NULL};
    if (!c->defs) return err_validation(&r->err, MSG_NO_ATTR_SCHEMA);
    for (const cJSON *d = c->defs->child; d; d = d->next) {
        const char *n = jstr(d, "AttributeName"), *ty = jstr(d, "AttributeType");
        if (!n) return err_validation(&r->err, MSG_ATTR_NAME_REQUIRED);
        if (check_attr_name_len(r, n) < 0) return -1;
        for (const cJSON *e = c->defs->child; e != d; e = e->next)
            if (!strcmp(jstr(e, "AttributeName"), n)) return err_validation(&r->err, MSG_DUP_ATTR);
        if (!ty) return err_validation(&r->err, MSG_NO_DATATYPE);
        if (!is_one_of(ty, types))
            return err_validation(&r->err, "Member must satisfy enum value set: [B, N, S]");
    }
    return 0;
}

/* Step: the table's key schema. */
static int check_table_keys(create_ctx_t *c)
{
    return check_key_schema(c->r, c->ks, &c->hash, &c->range);
}

/* Step: the table's key attributes are defined (key-name-256-and-undefined: before any name
 * length check of the key schema itself). */
static int check_table_keys_defined(create_ctx_t *c)
{
    if (!def_type(c->defs, c->hash))
        return err_validation(&c->r->err, "Hash Key not specified in Attribute Definitions.  Type unknown.");
    if (c->range && !def_type(c->defs, c->range))
        return err_validation(&c->r->err, "Range Key not specified in Attribute Definitions.  Type unknown.");
    return 0;
}

/* Validates an index's Projection: type, NonKeyAttributes, then the per-table count of
 * projected attributes (summed over all indexes so far, repeats counted:
 * projected-summed-over-indexes, projected-counted-with-repeats). */
static int check_projection(create_ctx_t *c, const cJSON *p)
{
    req_t *r = c->r;
    static const char *const types[] = {"INCLUDE", "ALL", "KEYS_ONLY", NULL};
    const char *pt = jstr(p, "ProjectionType");
    const cJSON *nk = jget(p, "NonKeyAttributes");
    int nnk = nk ? cJSON_GetArraySize(nk) : 0;
    if (!pt) return err_validation(&r->err, MSG_NO_PROJECTION);
    if (!is_one_of(pt, types)) return err_validation(&r->err, MSG_BAD_PROJECTION);
    if (!strcmp(pt, "INCLUDE") && nnk == 0) return err_validation(&r->err, MSG_INCLUDE_EMPTY);
    if (strcmp(pt, "INCLUDE") != 0 && nnk > 0) return err_validation(&r->err, MSG_NONKEY_NOT_INCLUDE);
    for (const cJSON *j = nk ? nk->child : NULL; j; j = j->next) {
        if (!cJSON_IsString(j)) return err_validation(&r->err, MSG_ATTR_NAME_REQUIRED);
        if (check_attr_name_len(r, j->valuestring) < 0) return -1;
        for (const cJSON *e = nk->child; e != j; e = e->next)
            if (cJSON_IsString(e) && !strcmp(e->valuestring, j->valuestring))
                return err_validation(&r->err, MSG_DUP_ATTR);
    }
    c->projected += nnk;
    if (c->projected > MAX_PROJECTED) return err_validation(&r->err, MSG_PROJECTED_MAX);
    return 0;
}

/* The checks every index starts with: its name, a duplicate earlier in its own list, then
 * (for a GSI) an LSI of the same name, then its projection. Name before duplicate:
 * gsi-bad-name-and-duplicate; duplicate before projection: duplicate-before-second-gsi-include;
 * projection before key schema: gsi-projection-missing-and-hash-undefined. */
static int check_index_head(create_ctx_t *c, const cJSON *list, const cJSON *x, int gsi)
{
    req_t *r = c->r;
    const char *name = jstr(x, "IndexName");
    if (check_table_name(name, &r->err) < 0) return -1;
    for (const cJSON *y = list->child; y != x; y = y->next) {
        const char *other = jstr(y, "IndexName");
        if (other && !strcmp(other, name))
            return err_validation(&r->err, gsi ? "Two global secondary indices have the same name"
                                               : "Two local secondary indices have the same name");
    }
    for (const cJSON *y = gsi && c->lsis ? c->lsis->child : NULL; y; y = y->next) {
        const char *other = jstr(y, "IndexName");
        if (other && !strcmp(other, name))
            return err_validation(&r->err, "Local Secondary Indices AND Global Secondary Indices must have different names");
    }
    return check_projection(c, jget(x, "Projection"));
}

/* One LSI: head, key schema, then: a range key, the table's hash key, a defined range key
 * (lsi-hash-only, lsi-other-hash, lsi-range-not-defined). */
static int check_lsi(create_ctx_t *c, const cJSON *x)
{
    req_t *r = c->r;
    const char *h, *rg;
    if (check_index_head(c, c->lsis, x, 0) < 0) return -1;
    if (check_key_schema(r, jget(x, "KeySchema"), &h, &rg) < 0) return -1;
    if (!rg) return err_validation(&r->err, "Local secondary indices must have a range key");
    if (strcmp(h, c->hash) != 0)
        return err_validation(&r->err, "Local Secondary indices must have the same hash key as the main table");
    if (!def_type(c->defs, rg))
        return err_validation(&r->err, "Local Secondary Index range key not specified in Attribute Definitions.Type unknown.");
    return 0;
}

/* Step: LocalSecondaryIndexes: not on a hash-only table, at most five, then each in order
 * (lsi-on-hash-table-and-6-lsis, 6-lsis-and-21-gsis). An empty list is accepted. */
static int check_lsis(create_ctx_t *c)
{
    if (!c->lsis || !c->lsis->child) return 0;
    if (!c->range)
        return err_validation(&c->r->err, "Local Secondary indices are not allowed on hash tables, only hash and range tables");
    if (cJSON_GetArraySize(c->lsis) > MAX_LSIS)
        return err_validation(&c->r->err, "Cannot have more than 5 local secondary indexes per table");
    for (const cJSON *x = c->lsis->child; x; x = x->next)
        if (check_lsi(c, x) < 0) return -1;
    return 0;
}

/* Step: the GSI list itself: not empty, at most twenty (gsi-empty-list, gsi-21). */
static int check_gsi_list(create_ctx_t *c)
{
    if (!c->gsis) return 0;
    if (!c->gsis->child) return err_validation(&c->r->err, "GSI list is empty/invalid");
    if (cJSON_GetArraySize(c->gsis) > MAX_GSIS)
        return err_validation(&c->r->err, "GlobalSecondaryIndex count exceeds the per-table limit");
    return 0;
}

/* Step: BillingMode. DynamoDB Local answers 500 for an unknown mode at this point; we answer
 * the service's 400 (§16 #6). An empty string counts as absent. */
static int check_billing_mode(create_ctx_t *c)
{
    static const char *const modes[] = {"PROVISIONED", "PAY_PER_REQUEST", NULL};
    const char *bm = jstr(c->r->in, "BillingMode");
    if (bm && *bm && !is_one_of(bm, modes)) return err_validation(&c->r->err, MSG_BILLING_ENUM, bm);
    c->ppr = bm && !strcmp(bm, "PAY_PER_REQUEST");
    return 0;
}

/* The three throughput messages of the table or of a GSI. */
typedef struct tp_msgs {
    const char *none, *min, *max;
} tp_msgs_t;

static const tp_msgs_t table_tp = {MSG_NO_PT, MSG_PT_MIN, MSG_PT_MAX};
static const tp_msgs_t gsi_tp = {MSG_GSI_NO_PT, MSG_GSI_PT_MIN, MSG_GSI_PT_MAX};

/* A capacity unit member as DynamoDB Local coerces it: a number (truncated) or a string holding
 * an integer ("5"). Returns 0, or -1 when absent or unusable (reported as null). */
static int read_units(const cJSON *pt, const char *name, int64_t *out)
{
    const cJSON *j = jget(pt, name);
    if (cJSON_IsNumber(j)) {
        double v = j->valuedouble;
        *out = v >= 9e18 ? INT64_MAX : v <= -9e18 ? INT64_MIN : (int64_t)v;
        return 0;
    }
    if (!cJSON_IsString(j) || !*j->valuestring) return -1;
    char *end;
    errno = 0;
    long long v = strtoll(j->valuestring, &end, 10);
    if (*end || errno) return -1;
    *out = v;
    return 0;
}

/* Reads a ProvisionedThroughput: missing, then both units present and at least 1. */
static int read_throughput(req_t *r, const cJSON *pt, const tp_msgs_t *m, int64_t *rcu, int64_t *wcu)
{
    if (!pt) return err_validation(&r->err, "%s", m->none);
    if (read_units(pt, "ReadCapacityUnits", rcu) < 0 || read_units(pt, "WriteCapacityUnits", wcu) < 0 ||
        *rcu < 1 || *wcu < 1)
        return err_validation(&r->err, "%s", m->min);
    return 0;
}

static int check_throughput_max(req_t *r, int64_t rcu, int64_t wcu, const tp_msgs_t *m)
{
    if (rcu > MAX_THROUGHPUT || wcu > MAX_THROUGHPUT) return err_validation(&r->err, "%s", m->max);
    return 0;
}

/* Missing, at least 1, at most 40,000: the minimum wins (throughput-huge-then-zero). */
static int check_throughput(req_t *r, const cJSON *pt, const tp_msgs_t *m)
{
    int64_t rcu, wcu;
    if (read_throughput(r, pt, m, &rcu, &wcu) < 0) return -1;
    return check_throughput_max(r, rcu, wcu, m);
}

/* Step: every GSI's throughput, before anything else about the GSIs, when the table is
 * provisioned (gsi-no-throughput-and-gsi-hash-undefined, gsi-huge-throughput-and-bad-gsi-name);
 * ignored on demand (test_create_on_demand_gsi_throughput_ignored). */
static int check_gsi_throughput(create_ctx_t *c)
{
    for (const cJSON *x = c->gsis && !c->ppr ? c->gsis->child : NULL; x; x = x->next)
        if (check_throughput(c->r, jget(x, "ProvisionedThroughput"), &gsi_tp) < 0)
            return -1;
    return 0;
}

/* Step: each GSI in order: head, key schema, defined key attributes. */
static int check_gsis(create_ctx_t *c)
{
    req_t *r = c->r;
    for (const cJSON *x = c->gsis ? c->gsis->child : NULL; x; x = x->next) {
        const char *h, *rg;
        if (check_index_head(c, c->gsis, x, 1) < 0) return -1;
        if (check_key_schema(r, jget(x, "KeySchema"), &h, &rg) < 0) return -1;
        if (!def_type(c->defs, h))
            return err_validation(&r->err, "Global Secondary Index hash key not specified in Attribute Definitions.Type unknown.");
        if (rg && !def_type(c->defs, rg))
            return err_validation(&r->err, "Global Secondary Index range key not specified in Attribute Definitions.Type unknown.");
    }
    return 0;
}

static int in_key_schema(const cJSON *ks, const char *name)
{
    for (const cJSON *k = ks ? ks->child : NULL; k; k = k->next) {
        const char *n = jstr(k, "AttributeName");
        if (n && !strcmp(n, name)) return 1;
    }
    return 0;
}

static int in_index_keys(const cJSON *list, const char *name)
{
    for (const cJSON *x = list ? list->child : NULL; x; x = x->next)
        if (in_key_schema(jget(x, "KeySchema"), name)) return 1;
    return 0;
}

/* Step: every defined attribute is a key of the table or of an index (extra-attrdef; after
 * the indexes: gsi-hash-undefined-and-mismatch; before throughput: mismatch-and-no-throughput). */
static int check_defs_used(create_ctx_t *c)
{
    for (const cJSON *d = c->defs->child; d; d = d->next) {
        const char *n = jstr(d, "AttributeName");
        if (!in_key_schema(c->ks, n) && !in_index_keys(c->lsis, n) && !in_index_keys(c->gsis, n))
            return err_validation(&c->r->err, MSG_MISMATCH);
    }
    return 0;
}

/* Step: the table's throughput when provisioned; on demand it is ignored whatever it holds
 * (quirk 7.2 #7, test_create_pay_per_request_with_zero_throughput_is_accepted). */
static int check_table_throughput(create_ctx_t *c)
{
    if (c->ppr) return 0;
    return check_throughput(c->r, jget(c->r->in, "ProvisionedThroughput"), &table_tp);
}

/* A Boolean member as DynamoDB Local coerces it: true/false, "true"/"false", a number (non-zero
 * is true). Returns 1, 0, or -1 when absent or unusable. */
static int json_flag(const cJSON *j)
{
    if (cJSON_IsBool(j)) return cJSON_IsTrue(j);
    if (cJSON_IsNumber(j)) return j->valuedouble != 0;
    if (cJSON_IsString(j) && !strcmp(j->valuestring, "true")) return 1;
    if (cJSON_IsString(j) && !strcmp(j->valuestring, "false")) return 0;
    return -1;
}

/* Validates a StreamSpecification: StreamEnabled present; when true a known StreamViewType,
 * when false none at all (stream-* cases of test_create_invalid). */
static int check_stream_spec(req_t *r, const cJSON *ss)
{
    static const char *const views[] = {"KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", NULL};
    int en = json_flag(jget(ss, "StreamEnabled"));
    const char *vt = jstr(ss, "StreamViewType");
    if (en < 0) return err_validation(&r->err, "Stream StreamEnabled was null");
    if (!en) {
        if (vt) return err_validation(&r->err, "Invalid StreamViewType: Stream StreamEnabled was false but a StreamViewType was present.");
        return 0;
    }
    if (!vt || !*vt)
        return err_validation(&r->err, "Invalid StreamViewType: Stream ViewType must not be null or empty when enabling streams.");
    if (!is_one_of(vt, views)) return err_validation(&r->err, "Invalid StreamViewType: %s", vt);
    return 0;
}

/* Step: the stream specification, last of all (bad-stream-and-mismatch,
 * zero-throughput-and-bad-stream). */
static int check_create_stream(create_ctx_t *c)
{
    const cJSON *ss = jget(c->r->in, "StreamSpecification");
    return ss ? check_stream_spec(c->r, ss) : 0;
}

/* CreateTable's validation, in DynamoDB Local's order: the first failing step answers. The
 * table name is checked before (bad-name-and-no-keyschema) and the table's existence after
 * (test_create_validation_before_existence) all of these. */
static int (*const create_steps[])(create_ctx_t *) = {
    check_table_keys,           /* no-keyschema-and-no-attrdefs, 3-keys-and-no-attrdefs */
    check_attr_defs,            /* no-attrdefs-and-no-throughput */
    check_table_keys_defined,   /* hash-undefined-and-6-lsis */
    check_lsis,                 /* lsi-bad-projection-and-gsi-include */
    check_gsi_list,             /* 6-lsis-and-21-gsis; before the billing mode */
    check_billing_mode,
    check_gsi_throughput,       /* gsi-no-throughput-and-table-no-throughput */
    check_gsis,
    check_defs_used,            /* gsi-no-throughput-and-mismatch, mismatch-and-no-throughput */
    check_table_throughput,     /* zero-throughput-and-bad-stream */
    check_create_stream,
};

int op_create_table(req_t *r)
{
    const cJSON *in = r->in;
    const char *name = jstr(in, "TableName");
    create_ctx_t c = {
        .r = r, .ks = jget(in, "KeySchema"), .defs = jget(in, "AttributeDefinitions"),
        .lsis = jget(in, "LocalSecondaryIndexes"), .gsis = jget(in, "GlobalSecondaryIndexes"),
    };
    if (check_table_name(name, &r->err) < 0) return -1;
    for (size_t i = 0; i < sizeof create_steps / sizeof create_steps[0]; i++)
        if (create_steps[i](&c) < 0) return -1;
    table_t *t;
    int rc = catalog_get(r->st, name, &t, &r->err);
    if (rc < 0) return -1;
    if (rc == 1) return err_set(&r->err, ERR_RESOURCE_IN_USE, "Cannot create preexisting table");
    if (catalog_create(r->st, in, r->now_ms, &r->err) < 0) return -1;
    if (catalog_get(r->st, name, &t, &r->err) != 1) return -1;
    const cJSON *ss = jget(in, "StreamSpecification");
    if (json_flag(jget(ss, "StreamEnabled")) == 1) {
        if (stream_enable(r->st, t, jstr(ss, "StreamViewType"), r->now_ms, &r->err) < 0) return -1;
        if (catalog_get(r->st, name, &t, &r->err) != 1) return -1;
    }
    sb_puts(&r->out, "{\"TableDescription\":");
    if (write_description(r, t, &r->out) < 0) return -1;
    sb_putc(&r->out, '}');
    return 0;
}

int op_describe_table(req_t *r)
{
    const char *name = jstr(r->in, "TableName");
    table_t *t;
    if (check_table_name(name, &r->err) < 0) return -1;
    if (index_settle(r->st, name, r->now_ms, &r->err) < 0) return -1;
    if (require_table(r, name, &t) < 0) return -1;
    sb_puts(&r->out, "{\"Table\":");
    if (write_description(r, t, &r->out) < 0) return -1;
    sb_putc(&r->out, '}');
    return 0;
}

int op_list_tables(req_t *r)
{
    const cJSON *lim = jget(r->in, "Limit");
    int limit = 100;
    if (lim) {
        limit = (int)lim->valuedouble;
        if (limit < 1) return err_validation(&r->err, "Limit must be greater than or equal to 1");
        if (limit > 100) return err_validation(&r->err, "Limit in ListTables must be <= 100");
    }
    /* after Limit: limit-0-before-start */
    const char *start = jstr(r->in, "ExclusiveStartTableName");
    if (start && check_table_name(start, &r->err) < 0) return -1;
    char **names;
    int n;
    if (catalog_list(r->st, &names, &n, &r->err) < 0) return -1;
    sb_puts(&r->out, "{\"TableNames\":[");
    int shown = 0, i = 0;
    if (start)
        while (i < n && strcmp(names[i], start) <= 0) i++;
    const char *last = NULL;
    for (; i < n && shown < limit; i++, shown++) {
        if (shown) sb_putc(&r->out, ',');
        sb_json_str(&r->out, names[i], strlen(names[i]));
        last = names[i];
    }
    sb_putc(&r->out, ']');
    if (i < n && last) {
        sb_puts(&r->out, ",\"LastEvaluatedTableName\":");
        sb_json_str(&r->out, last, strlen(last));
    }
    sb_putc(&r->out, '}');
    for (int k = 0; k < n; k++) free(names[k]);
    free(names);
    return 0;
}

/* UpdateTable's validation of billing mode and throughput against table t, in DynamoDB Local's
 * order (test_update_provisioned_invalid, test_update_on_demand_invalid):
 *   1. BillingMode known (DynamoDB Local: 500; we answer the service's 400)
 *   2. ProvisionedThroughput, when given, has both units of at least 1 (even when it is then
 *      ignored: same-mode-zero-throughput)
 *   3. a provisioned table: the same units as now -> "equals the current value", whatever else
 *      the request holds (same-with-mode, same-with-protection; also with PAY_PER_REQUEST)
 *   4. ending up provisioned: units required when coming from on demand (to-provisioned-no-pt),
 *      at most 40,000 (huge-read, to-provisioned-huge); on demand they are ignored
 *      (test_update_throughput_on_on_demand_table_is_ignored).
 * Sets *to_ppr, *has_pt and the units. */
static int check_update_throughput(req_t *r, const table_t *t, int *to_ppr, int *has_pt,
                                   int64_t *rcu, int64_t *wcu)
{
    static const char *const modes[] = {"PROVISIONED", "PAY_PER_REQUEST", NULL};
    const char *bm = jstr(r->in, "BillingMode");
    const cJSON *pt = jget(r->in, "ProvisionedThroughput");
    if (bm && *bm && !is_one_of(bm, modes)) return err_validation(&r->err, MSG_BILLING_ENUM, bm);
    *to_ppr = bm && *bm ? !strcmp(bm, "PAY_PER_REQUEST") : t->billing_ppr;
    *has_pt = pt != NULL;
    if (pt && read_throughput(r, pt, &table_tp, rcu, wcu) < 0) return -1;
    if (pt && !t->billing_ppr && *rcu == t->rcu && *wcu == t->wcu)
        return err_validation(&r->err, "The requested throughput value equals the current value");
    if (*to_ppr) return 0;
    if (!pt && t->billing_ppr) return err_validation(&r->err, MSG_NO_PT);
    return pt ? check_throughput_max(r, *rcu, *wcu, &table_tp) : 0;
}

/* ---- UpdateTable GlobalSecondaryIndexUpdates ------------------------------------------------ */

static const char *def_type_of(const cJSON *a, const cJSON *b, const char *name)
{
    const char *ty = a ? def_type(a, name) : NULL;
    return ty ? ty : b ? def_type(b, name) : NULL;
}

static void add_attr(cJSON *out, const char *name, const cJSON *req_defs, const cJSON *old)
{
    if (!name) return;
    for (const cJSON *a = out->child; a; a = a->next)
        if (!strcmp(jstr(a, "AttributeName"), name)) return;
    const char *ty = def_type_of(req_defs, old, name);
    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "AttributeName", name);
    cJSON_AddStringToObject(a, "AttributeType", ty ? ty : "S");
    cJSON_AddItemToArray(out, a);
}

static void add_keys_of(cJSON *out, const cJSON *ks, const cJSON *req_defs, const cJSON *old)
{
    for (const cJSON *k = ks ? ks->child : NULL; k; k = k->next) add_attr(out, jstr(k, "AttributeName"), req_defs, old);
}

/* Takes ownership of attrs (AttributeDefinitions); returns them in the iteration order of a
 * java.util.HashMap keyed by name, filled with the old definitions first (in their order), then
 * the new ones (cases: ix-life-create-gsi-backfill: [sk, x, pk] after a GSI on x). */
static cJSON *hashmap_attrs(cJSON *attrs, const cJSON *old)
{
    const char *names[64];
    cJSON *v[64];
    int order[64], n = 0;
    for (int pass = 0; pass < 2; pass++)
        for (cJSON *a = attrs->child; a && n < 64; a = a->next) {
            const char *an = jstr(a, "AttributeName");
            int was = 0;
            for (const cJSON *o = old ? old->child : NULL; o && an; o = o->next)
                if (jstr(o, "AttributeName") && !strcmp(jstr(o, "AttributeName"), an)) was = 1;
            if (!an || was != !pass) continue;
            v[n] = a;
            names[n++] = an;
        }
    if (n != cJSON_GetArraySize(attrs)) return attrs;
    item_hashmap_order(names, n, 16, order);
    cJSON *out = cJSON_CreateArray();
    for (int i = 0; i < n; i++) cJSON_AddItemToArray(out, cJSON_Duplicate(v[order[i]], 1));
    cJSON_Delete(attrs);
    return out;
}

/* The Attributes after an index change, in DynamoDB Local's order (test_indexes.py; probed:
 * [name, id] after a GSI on name; [zz, g, sk, id, lk] for definitions {zz, sk, g}, a GSI (g, sk)
 * on (id, sk) with an LSI on lk): request definitions no key uses, then the GSIs' keys in
 * index order, the table's sort and partition keys, the LSIs' sort keys. skip names a GSI
 * being deleted; extra a Create member being added. */
static cJSON *merged_attrs(const table_t *t, const cJSON *req_defs, const char *skip, const cJSON *extra)
{
    const cJSON *old = jget(t->info, "Attributes");
    const cJSON *gl = jget(t->info, "GSIList"), *ll = jget(t->info, "LSIList");
    cJSON *keys = cJSON_CreateArray(), *out = cJSON_CreateArray();
    const cJSON *gsis[64];
    const char *names[64];
    int order[64], n = 0;
    for (const cJSON *g = gl ? gl->child : NULL; g && n < 63; g = g->next)
        if (jstr(g, "IndexName") && (!skip || strcmp(jstr(g, "IndexName"), skip))) {
            gsis[n] = g;
            names[n++] = jstr(g, "IndexName");
        }
    if (extra) { gsis[n] = extra; names[n++] = jstr(extra, "IndexName"); }
    item_hashmap_order(names, n, 16, order);    /* the GSIs in DescribeTable's order */
    for (int i = 0; i < n; i++) add_keys_of(keys, jget(gsis[order[i]], "KeySchema"), req_defs, old);
    add_attr(keys, t->range.name, req_defs, old);
    add_attr(keys, t->hash.name, req_defs, old);
    for (const cJSON *l = ll ? ll->child : NULL; l; l = l->next) add_keys_of(keys, jget(l, "KeySchema"), req_defs, old);
    for (const cJSON *d = req_defs ? req_defs->child : NULL; d; d = d->next) {
        const char *an = jstr(d, "AttributeName");
        int used = 0;
        for (const cJSON *k = keys->child; k && an; k = k->next) if (!strcmp(jstr(k, "AttributeName"), an)) used = 1;
        if (an && !used) add_attr(out, an, req_defs, old);
    }
    for (const cJSON *k = keys->child; k; k = k->next) add_attr(out, jstr(k, "AttributeName"), req_defs, old);
    cJSON_Delete(keys);
    return hashmap_attrs(out, old);
}

/* Whether t has an index change in progress (a GSI CREATING or DELETING). */
static const char *transient_index(const table_t *t, const char **status)
{
    const cJSON *gd = jget(t->info, "GSIDescList");
    for (const cJSON *d = gd ? gd->child : NULL; d; d = d->next) {
        const char *st = jstr(d, "IndexStatus");
        if (st && (!strcmp(st, "CREATING") || !strcmp(st, "DELETING"))) { *status = st; return jstr(d, "IndexName"); }
    }
    return NULL;
}

static const index_def_t *find_gsi(const table_t *t, const char *name)
{
    for (int i = 0; i < t->nidx; i++)
        if (t->idx[i].gsi && !strcmp(t->idx[i].name, name)) return &t->idx[i];
    return NULL;
}

#define MSG_ONE_INDEX "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table"

/*
 * One GlobalSecondaryIndexUpdates change, checked in this order (probed against DynamoDB Local
 * 1.25.1; tests/e2e/test_indexes.py):
 *   1. more than one change -> LimitExceededException
 *   Create: 2. the index is being created (ResourceInUseException), or exists   3. another index is CREATING/DELETING (LimitExceeded)
 *           4. AttributeDefinitions given   5. key attributes defined   6. projection
 *           7. throughput on a provisioned table
 *   Delete: 2. it is being created (ResourceInUseException)   3. another change in progress
 *           (LimitExceeded)   4. the index exists (ResourceNotFoundException)
 *           (an LSI: ValidationException)
 *   Update: the index exists (ValidationException); its throughput is set.
 * The change takes effect at once (backfill in this transaction); CREATING and DELETING
 * statuses last 0.5 s and 1 s (30 s and 15 s with -delayTransientStatuses), as measured.
 */
static int update_gsis(req_t *r, table_t *t, const cJSON *gu)
{
    if (cJSON_GetArraySize(gu) > 1) return err_set(&r->err, ERR_LIMIT_EXCEEDED, MSG_ONE_INDEX);
    const cJSON *u = gu->child;
    const cJSON *cr = jget(u, "Create"), *del = jget(u, "Delete"), *upd = jget(u, "Update");
    if (!!cr + !!del + !!upd != 1)
        return err_validation(&r->err, "One or more parameter values were invalid: One of GlobalSecondaryIndexUpdate "
                              "Create, Update, or Delete must be specified");
    const cJSON *x = cr ? cr : del ? del : upd;
    const char *iname = jstr(x, "IndexName");
    if (check_table_name(iname, &r->err) < 0) return -1;
    const cJSON *req_defs = jget(r->in, "AttributeDefinitions");
    const char *tstatus = NULL, *tname = transient_index(t, &tstatus);
    int delay = r->ddb->cfg.delay_transient_statuses;
    if ((cr || del) && tname && !strcmp(tname, iname) && !strcmp(tstatus, "CREATING"))
        return err_set(&r->err, ERR_RESOURCE_IN_USE, "Attempt to change a resource which is still in use: Index is being created.");
    if (cr) {
        int exists = find_gsi(t, iname) != NULL;
        for (int i = 0; i < t->nidx; i++) if (!strcmp(t->idx[i].name, iname)) exists = 1;
        if (exists) return err_validation(&r->err, "Attempting to create an index which already exists");
        if (tname) return err_set(&r->err, ERR_LIMIT_EXCEEDED, MSG_ONE_INDEX);
        if (!req_defs || !req_defs->child) return err_validation(&r->err, MSG_NO_ATTR_SCHEMA);
        const cJSON *ks = jget(cr, "KeySchema");
        if (!ks || !ks->child) return err_validation(&r->err, MSG_NO_KEY_SCHEMA);
        for (const cJSON *k = ks->child; k; k = k->next) {
            const char *an = jstr(k, "AttributeName");
            if (!an || !def_type_of(req_defs, jget(t->info, "Attributes"), an))
                return err_validation(&r->err, "Global Secondary Index %s key not specified in Attribute "
                                      "Definitions.Type unknown.", k == ks->child ? "hash" : "range");
        }
        const cJSON *p = jget(cr, "Projection");
        static const char *const types[] = {"INCLUDE", "ALL", "KEYS_ONLY", NULL};
        const char *pt = jstr(p, "ProjectionType");
        const cJSON *nk = jget(p, "NonKeyAttributes");
        if (!pt) return err_validation(&r->err, MSG_NO_PROJECTION);
        if (!is_one_of(pt, types)) return err_validation(&r->err, MSG_BAD_PROJECTION);
        if (!strcmp(pt, "INCLUDE") && (!nk || !nk->child)) return err_validation(&r->err, MSG_INCLUDE_EMPTY);
        if (strcmp(pt, "INCLUDE") && nk && nk->child) return err_validation(&r->err, MSG_NONKEY_NOT_INCLUDE);
        if (!t->billing_ppr && !jget(cr, "ProvisionedThroughput")) return err_validation(&r->err, MSG_GSI_NO_PT);
        char *name = xstrdup(t->name), *in = xstrdup(iname);
        int rc = catalog_add_gsi(r->st, t, cr, merged_attrs(t, req_defs, NULL, cr), &r->err);
        if (rc == 0) index_pending_add(r->st, name, in, r->now_ms + (delay ? 30000 : 500));
        free(name);
        free(in);
        return rc;
    }
    if (del) {
        if (tname && !strcmp(tname, iname) && !strcmp(tstatus, "CREATING"))
            return err_set(&r->err, ERR_RESOURCE_IN_USE, "Attempt to change a resource which is still in use: Index is being created.");
        if (tname) return err_set(&r->err, ERR_LIMIT_EXCEEDED, MSG_ONE_INDEX);
        for (int i = 0; i < t->nidx; i++)
            if (!t->idx[i].gsi && !strcmp(t->idx[i].name, iname))
                return err_validation(&r->err, "Cannot delete an index that is not a GlobalSecondaryIndex");
        if (!find_gsi(t, iname)) return err_set(&r->err, ERR_RESOURCE_NOT_FOUND, "Requested resource not found");
        char *name = xstrdup(t->name), *in = xstrdup(iname);
        int rc = catalog_drop_gsi(r->st, t, in, merged_attrs(t, req_defs, in, NULL), &r->err);
        if (rc == 0) index_pending_add(r->st, name, in, r->now_ms + (delay ? 15000 : 1000));
        free(name);
        free(in);
        return rc;
    }
    const index_def_t *ix = find_gsi(t, iname);
    if (!ix) return err_validation(&r->err, "Invalid global secondary index name");
    const cJSON *pt = jget(upd, "ProvisionedThroughput");
    if (pt && !t->billing_ppr) {
        cJSON *gd = jget(t->info, "GSIDescList"), *gl = jget(t->info, "GSIList");
        cJSON *lists[2] = {gd, gl};
        for (int l = 0; l < 2; l++)
            for (cJSON *d = lists[l] ? lists[l]->child : NULL; d; d = d->next)
                if (!strcmp(jstr(d, "IndexName"), iname))
                    cJSON_ReplaceItemInObjectCaseSensitive(d, "ProvisionedThroughput", cJSON_Duplicate(pt, 1));
        return catalog_save(r->st, t, &r->err);
    }
    return 0;
}

/* UpdateTable StreamSpecification (§11.7): the specification's own checks, then not with
 * capacity changes, then enable (a new stream; not when one is enabled) or disable (the
 * enabled one; an error when there is none). t is invalid afterwards. */
static int update_stream(req_t *r, table_t *t, const cJSON *ss)
{
    if (check_stream_spec(r, ss) < 0) return -1;
    if (jget(r->in, "BillingMode") || jget(r->in, "ProvisionedThroughput"))
        return err_validation(&r->err, "Cannot change IOPS and Streams at the same time.");
    int en = stream_enabled(r->st, t, NULL, &r->err);
    if (en < 0) return -1;
    if (json_flag(jget(ss, "StreamEnabled")) == 1) {
        if (en) return err_validation(&r->err, "Table already has an enabled stream");
        return stream_enable(r->st, t, jstr(ss, "StreamViewType"), r->now_ms, &r->err);
    }
    int rc = stream_disable(r->st, t->name, r->now_ms, &r->err);
    if (rc < 0) return -1;
    return rc ? 0 : err_validation(&r->err, "Table has no stream to disable");
}

int op_update_table(req_t *r)
{
    const cJSON *in = r->in;
    const char *name = jstr(in, "TableName");
    table_t *t;
    if (check_table_name(name, &r->err) < 0) return -1;
    if (require_table(r, name, &t) < 0) return -1;   /* before all else: test_update_missing_table_wins */
    const cJSON *dp = jget(in, "DeletionProtectionEnabled");
    const cJSON *ss = jget(in, "StreamSpecification"), *gu = jget(in, "GlobalSecondaryIndexUpdates");
    if (ss) {
        if (update_stream(r, t, ss) < 0) return -1;
        if (require_table(r, name, &t) < 0) return -1;
        if (!(gu && gu->child) && !dp) {
            sb_puts(&r->out, "{\"TableDescription\":");
            if (write_description(r, t, &r->out) < 0) return -1;
            sb_putc(&r->out, '}');
            return 0;
        }
    }
    if (gu && gu->child) {
        if (index_settle(r->st, name, r->now_ms, &r->err) < 0) return -1;
        if (require_table(r, name, &t) < 0) return -1;
        if (update_gsis(r, t, gu) < 0) return -1;
        if (require_table(r, name, &t) < 0) return -1;
        if (!jget(in, "BillingMode") && !jget(in, "ProvisionedThroughput") && !dp) {
            sb_puts(&r->out, "{\"TableDescription\":");
            if (write_description(r, t, &r->out) < 0) return -1;
            sb_putc(&r->out, '}');
            return 0;
        }
    }
    /* SSESpecification, TableClass and AttributeDefinitions alone are nothing to update */
    if (!jget(in, "BillingMode") && !jget(in, "ProvisionedThroughput") && !dp)
        return err_validation(&r->err, "Nothing to update");
    int to_ppr = 0, has_pt = 0;
    int64_t rcu = 0, wcu = 0;
    if (check_update_throughput(r, t, &to_ppr, &has_pt, &rcu, &wcu) < 0) return -1;
    if (to_ppr && !t->billing_ppr) { t->ppr_ms = r->now_ms; t->rcu = t->wcu = 0; }
    if (!to_ppr && has_pt) { t->rcu = rcu; t->wcu = wcu; }
    t->billing_ppr = to_ppr;
    if (dp) {   /* only when asked: DynamoDB Local's reset bug (§16 #2) is not copied */
        t->del_prot = cJSON_IsTrue(dp);
        t->dp_update_ms = r->now_ms;
    }
    if (catalog_save(r->st, t, &r->err) < 0) return -1;
    sb_puts(&r->out, "{\"TableDescription\":");
    if (write_description(r, t, &r->out) < 0) return -1;
    sb_putc(&r->out, '}');
    return 0;
}

int op_delete_table(req_t *r)
{
    const char *name = jstr(r->in, "TableName");
    table_t *t;
    if (check_table_name(name, &r->err) < 0) return -1;
    if (require_table(r, name, &t) < 0) return -1;
    if (t->del_prot == 1)
        return err_validation(&r->err, "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.");
    sb_puts(&r->out, "{\"TableDescription\":");
    if (write_description(r, t, &r->out) < 0) return -1;
    sb_putc(&r->out, '}');
    index_pending_forget(r->st, name);
    if (catalog_drop(r->st, name, &r->err) < 0) return -1;
    return stream_disable(r->st, name, r->now_ms, &r->err) < 0 ? -1 : 0;
}

int op_describe_limits(req_t *r)
{
    sb_puts(&r->out, "{\"AccountMaxReadCapacityUnits\":80000,\"AccountMaxWriteCapacityUnits\":80000,"
            "\"TableMaxReadCapacityUnits\":40000,\"TableMaxWriteCapacityUnits\":40000}");
    return 0;
}
