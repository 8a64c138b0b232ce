/*
 * op_table.c: the table operations: CreateTable, DescribeTable, ListTables, UpdateTable,
 * DeleteTable and DescribeLimits, with DynamoDB Local 1.25.1's validation messages and its
 * TableDescription shape and member order (dynamodb-local.md §9).
 */
#include "core.h"

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
    if (t->ppr_ms) {
        sb_printf(sb, ",\"BillingModeSummary\":{\"BillingMode\":\"%s\",\"LastUpdateToPayPerRequestDateTime\":",
                  t->billing_ppr ? "PAY_PER_REQUEST" : "PROVISIONED");
        put_epoch(sb, t->ppr_ms);
        sb_putc(sb, '}');
    }
    for (int pass = 0; pass < 2; pass++) {
        int first = 1;
        for (int i = 0; i < t->nidx; i++) {
            index_def_t *ix = &t->idx[i];
            if (ix->gsi != pass) continue;
            int64_t icount = 0, ibytes = 0;
            if (catalog_stats(r->st, t, ix, &icount, &ibytes, &r->err) < 0) { sb_fini(&arn); return -1; }
            sb_puts(sb, first ? (pass ? ",\"GlobalSecondaryIndexes\":[" : ",\"LocalSecondaryIndexes\":[") : ",");
            first = 0;
            sb_puts(sb, "{\"IndexName\":");
            sb_json_str(sb, ix->name, strlen(ix->name));
            sb_puts(sb, ",\"KeySchema\":");
            write_keyschema(sb, jget(ix->desc, "KeySchema"));
            sb_puts(sb, ",\"Projection\":");
            write_projection(sb, jget(ix->desc, "Projection"));
            if (pass) {
                const char *status = jstr(ix->desc, "IndexStatus");
                const cJSON *pt = jget(ix->desc, "ProvisionedThroughput");
                const cJSON *rc = jget(pt, "ReadCapacityUnits"), *wc = jget(pt, "WriteCapacityUnits");
                sb_printf(sb, ",\"IndexStatus\":\"%s\",\"ProvisionedThroughput\":{\"ReadCapacityUnits\":%lld,"
                          "\"WriteCapacityUnits\":%lld}", status ? status : "ACTIVE",
                          (long long)(cJSON_IsNumber(rc) ? rc->valuedouble : 0),
                          (long long)(cJSON_IsNumber(wc) ? wc->valuedouble : 0));
            }
            sb_printf(sb, ",\"IndexSizeBytes\":%lld,\"ItemCount\":%lld,\"IndexArn\":",
                      (long long)ibytes, (long long)icount);
            sb_reset(&arn);
            sb_printf(&arn, DDB_ARN_PREFIX "table/%s/index/%s", t->name, ix->name);
            sb_json_str(sb, arn.buf, arn.len);
            sb_putc(sb, '}');
        }
        if (!first) sb_putc(sb, ']');
    }
    sb_fini(&arn);
    sb_printf(sb, ",\"DeletionProtectionEnabled\":%s}", t->del_prot == 1 ? "true" : "false");
    return 0;
}

/* ---- CreateTable --------------------------------------------------------------------------- */

static const char *def_type(const cJSON *defs, const char *name)
{
    for (const cJSON *d = defs ? defs->child : NULL; d; d = d->next) {
        const char *n = jstr(d, "AttributeName");
        if (n && !strcmp(n, name)) return jstr(d, "AttributeType");
    }
    return NULL;
}

/* Checks a KeySchema: one HASH, at most one RANGE; names defined. what: "" for the table. */
static int check_keyschema(req_t *r, const cJSON *ks, const cJSON *defs)
{
    int nhash = 0, nrange = 0;
    for (const cJSON *k = ks ? ks->child : NULL; k; k = k->next) {
        const char *kt = jstr(k, "KeyType"), *n = jstr(k, "AttributeName");
        if (!n) return err_validation(&r->err, "1 validation error detected: Value null at 'keySchema.1.member.attributeName' failed to satisfy constraint: Member must not be null");
        if (!kt || (strcmp(kt, "HASH") && strcmp(kt, "RANGE")))
            return err_validation(&r->err, "1 validation error detected: Value '%s' at 'keySchema.1.member.keyType' failed to satisfy constraint: Member must satisfy enum value set: [HASH, RANGE]", kt ? kt : "null");
        if (!strcmp(kt, "HASH")) nhash++; else nrange++;
    }
    if (nhash > 1)
        return err_validation(&r->err, "Too many hash keys specified.  All Dynamo DB tables must have exactly one hash key");
    if (nhash == 0)
        return err_validation(&r->err, "No Hash Key specified in schema.  All Dynamo DB tables must have exactly one hash key");
    if (nrange > 1)
        return err_validation(&r->err, "Too many range keys specified.  All Dynamo DB tables must have exactly one or zero range keys");
    for (const cJSON *k = ks->child; k; k = k->next) {
        const char *kt = jstr(k, "KeyType"), *n = jstr(k, "AttributeName");
        if (!def_type(defs, n))
            return err_validation(&r->err, "%s Key not specified in Attribute Definitions.  Type unknown.",
                                  !strcmp(kt, "HASH") ? "Hash" : "Range");
    }
    return 0;
}

static int check_throughput(req_t *r, const cJSON *pt, const char *what)
{
    const cJSON *rc = jget(pt, "ReadCapacityUnits"), *wc = jget(pt, "WriteCapacityUnits");
    if (!cJSON_IsNumber(rc) || !cJSON_IsNumber(wc) || rc->valuedouble < 1 || wc->valuedouble < 1)
        return err_validation(&r->err, "%s read and write throughput must be at least 1, and cannot be null", what);
    return 0;
}

static int check_projection(req_t *r, const cJSON *p)
{
    const char *pt = jstr(p, "ProjectionType");
    const cJSON *nk = jget(p, "NonKeyAttributes");
    if (pt && !strcmp(pt, "INCLUDE") && (!nk || !nk->child))
        return err_validation(&r->err, "If Projection type INCLUDE is specified, some non-key attributes to include in the projection must be specified as well");
    if (pt && strcmp(pt, "INCLUDE") && nk)
        return err_validation(&r->err, "One or more parameter values were invalid: ProjectionType is %s, but NonKeyAttributes is specified", pt);
    return 0;
}

int op_create_table(req_t *r)
{
    const cJSON *in = r->in;
    const char *name = jstr(in, "TableName");
    if (check_table_name(name, &r->err) < 0) return -1;
    const cJSON *defs = jget(in, "AttributeDefinitions"), *ks = jget(in, "KeySchema");
    if (!ks || !ks->child)
        return err_validation(&r->err, "1 validation error detected: Value null at 'keySchema' failed to satisfy constraint: Member must not be null");
    if (!defs || !defs->child)
        return err_validation(&r->err, "1 validation error detected: Value null at 'attributeDefinitions' failed to satisfy constraint: Member must not be null");
    for (const cJSON *d = defs->child; d; d = d->next) {
        const char *ty = jstr(d, "AttributeType");
        if (!ty || (strcmp(ty, "S") && strcmp(ty, "N") && strcmp(ty, "B")))
            return err_validation(&r->err, "Member must satisfy enum value set: [B, N, S]");
    }
    if (check_keyschema(r, ks, defs) < 0) return -1;
    /* every defined attribute must be used by a key schema */
    const cJSON *lsis = jget(in, "LocalSecondaryIndexes"), *gsis = jget(in, "GlobalSecondaryIndexes");
    int ndefs = cJSON_GetArraySize(defs), used = 0;
    for (const cJSON *d = defs->child; d; d = d->next) {
        const char *n = jstr(d, "AttributeName");
        int u = 0;
        for (const cJSON *k = ks->child; k && !u; k = k->next) u = n && !strcmp(n, jstr(k, "AttributeName"));
        for (int pass = 0; pass < 2 && !u; pass++)
            for (const cJSON *x = (pass ? gsis : lsis) ? (pass ? gsis : lsis)->child : NULL; x && !u; x = x->next) {
                const cJSON *xk = jget(x, "KeySchema");
                for (const cJSON *k = xk ? xk->child : NULL; k && !u; k = k->next)
                    u = n && jstr(k, "AttributeName") && !strcmp(n, jstr(k, "AttributeName"));
            }
        used += u;
    }
    const char *hname = NULL, *rname = NULL;
    for (const cJSON *k = ks->child; k; k = k->next)
        if (!strcmp(jstr(k, "KeyType"), "HASH")) hname = jstr(k, "AttributeName"); else rname = jstr(k, "AttributeName");
    if (lsis && lsis->child && !rname)
        return err_validation(&r->err, "Local Secondary indices are not allowed on hash tables, only hash and range tables");
    if (used != ndefs)
        return err_validation(&r->err, "The number of attributes in key schema must match the number of attributes defined in attribute definitions.");
    const char *bm = jstr(in, "BillingMode");
    if (bm && strcmp(bm, "PAY_PER_REQUEST") && strcmp(bm, "PROVISIONED"))
        return err_validation(&r->err, "1 validation error detected: Value '%s' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]", bm);
    int ppr = bm && !strcmp(bm, "PAY_PER_REQUEST");
    /* indexes */
    for (int pass = 0; pass < 2; pass++) {
        const cJSON *list = pass ? gsis : lsis;
        for (const cJSON *x = list ? list->child : NULL; x; x = x->next) {
            const char *iname = jstr(x, "IndexName");
            for (const cJSON *y = list->child; y != x; y = y->next)
                if (!strcmp(jstr(y, "IndexName"), iname))
                    return err_validation(&r->err, pass ? "Two global secondary indices have the same name" : "Two local secondary indices have the same name");
            const cJSON *xk = jget(x, "KeySchema");
            if (check_keyschema(r, xk, defs) < 0) return -1;
            if (!pass) {
                const char *lh = NULL;
                for (const cJSON *k = xk->child; k; k = k->next)
                    if (!strcmp(jstr(k, "KeyType"), "HASH")) lh = jstr(k, "AttributeName");
                if (strcmp(lh, hname) != 0)
                    return err_validation(&r->err, "Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex");
            }
            if (check_projection(r, jget(x, "Projection")) < 0) return -1;
            if (pass && !ppr) {
                const cJSON *pt = jget(x, "ProvisionedThroughput");
                if (!pt)
                    return err_validation(&r->err, "No provisioned throughput specified for the global secondary index");
                if (check_throughput(r, pt, "Index") < 0) return -1;
            }
        }
    }
    if (!ppr) {
        const cJSON *pt = jget(in, "ProvisionedThroughput");
        if (!pt) return err_validation(&r->err, "No provisioned throughput specified for the table");
        if (check_throughput(r, pt, "Table") < 0) return -1;
    }
    const cJSON *ss = jget(in, "StreamSpecification");
    if (ss && cJSON_IsTrue(jget(ss, "StreamEnabled")) && !jstr(ss, "StreamViewType"))
        return err_validation(&r->err, "Invalid StreamViewType: Stream ViewType must not be null or empty when enabling streams.");
    table_t *t;
    int rc = catalog_get(r->st, name, &t, &r->err);
    if (rc < 0) return -1;
    if (rc == 1) return err_set(&r->err, ERR_RESOURCE_IN_USE, "Cannot create preexisting table");
    if (catalog_create(r->st, in, r->now_ms, &r->err) < 0) return -1;
    if (catalog_get(r->st, name, &t, &r->err) != 1) return -1;
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
    const char *start = jstr(r->in, "ExclusiveStartTableName");
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

int op_update_table(req_t *r)
{
    const cJSON *in = r->in;
    const char *name = jstr(in, "TableName");
    table_t *t;
    if (check_table_name(name, &r->err) < 0) return -1;
    if (require_table(r, name, &t) < 0) return -1;
    const char *bm = jstr(in, "BillingMode");
    const cJSON *pt = jget(in, "ProvisionedThroughput"), *dp = jget(in, "DeletionProtectionEnabled");
    const cJSON *ss = jget(in, "StreamSpecification"), *gu = jget(in, "GlobalSecondaryIndexUpdates");
    if (ss || (gu && gu->child))
        return err_validation(&r->err, "ddblocal does not support %s in UpdateTable yet",
                              ss ? "StreamSpecification" : "GlobalSecondaryIndexUpdates");
    if (!bm && !pt && !dp && !jget(in, "SSESpecification") && !jstr(in, "TableClass"))
        return err_validation(&r->err, "Nothing to update");
    if (bm && strcmp(bm, "PAY_PER_REQUEST") && strcmp(bm, "PROVISIONED"))
        return err_validation(&r->err, "1 validation error detected: Value '%s' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]", bm);
    int to_ppr = bm ? !strcmp(bm, "PAY_PER_REQUEST") : t->billing_ppr;
    if (pt) {
        if (check_throughput(r, pt, "Table") < 0) return -1;
        int64_t rc = (int64_t)jget(pt, "ReadCapacityUnits")->valuedouble, wc = (int64_t)jget(pt, "WriteCapacityUnits")->valuedouble;
        if (to_ppr)
            return err_validation(&r->err, "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST");
        if (!t->billing_ppr && rc == t->rcu && wc == t->wcu && !bm && !dp)
            return err_validation(&r->err, "The requested throughput value equals the current value");
        t->rcu = rc;
        t->wcu = wc;
    } else if (bm && !to_ppr && t->billing_ppr) {
        return err_validation(&r->err, "One or more parameter values were invalid: ProvisionedThroughput must be specified when BillingMode is PROVISIONED");
    }
    if (bm) {
        if (to_ppr && !t->billing_ppr) { t->ppr_ms = r->now_ms; t->rcu = t->wcu = 0; }
        t->billing_ppr = to_ppr;
    }
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
    return catalog_drop(r->st, name, &r->err);
}

int op_describe_limits(req_t *r)
{
    sb_puts(&r->out, "{\"AccountMaxReadCapacityUnits\":80000,\"AccountMaxWriteCapacityUnits\":80000,"
            "\"TableMaxReadCapacityUnits\":40000,\"TableMaxWriteCapacityUnits\":40000}");
    return 0;
}
