/*
 * op_txn.c: TransactWriteItems and TransactGetItems.
 *
 * A write transaction is all-or-nothing because the request already runs in one SQLite
 * transaction (proto.c rolls it back when the handler fails). Each action runs through the
 * single-item handler of op_item.c (PutItem, UpdateItem, DeleteItem, and item_condition_check
 * for ConditionCheck) on its own sub-request, in action order. An action only reads and writes
 * its own item, and one item may appear only once, so running them one after the other decides
 * every condition as if all were checked first. A failed condition does not stop the others:
 * DynamoDB Local reports a reason for every action, and a validation error in any action wins
 * over the cancellation (test_transactions.py). The writes of a cancelled transaction are
 * rolled back with the request.
 *
 * ClientRequestToken: the request's signature (SHA-1 of TransactItems as sent; the token and
 * ReturnConsumedCapacity are not part of it) is kept in DynamoDB Local's tr table for 10
 * minutes; the same token with the same items answers success again without writing, with
 * other items IdempotentParameterMismatchException.
 */
#include "core.h"
#include "expr.h"

#include <math.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#define TXN_MAX_ACTIONS 100
#define TXN_TOKEN_MAX 36
#define TXN_TOKEN_MS (10 * 60 * 1000)
#define TXN_MAX_PAYLOAD (4 * 1024 * 1024)

const field_spec_t spec_transact_write_items[] = {
    {"TransactItems", FT_LIST}, {"ReturnConsumedCapacity", FT_STRING},
    {"ReturnItemCollectionMetrics", FT_STRING}, {"ClientRequestToken", FT_STRING}, {NULL, 0},
};
const field_spec_t spec_transact_get_items[] = {
    {"TransactItems", FT_LIST}, {"ReturnConsumedCapacity", FT_STRING}, {NULL, 0},
};

enum { TA_CHECK, TA_PUT, TA_DELETE, TA_UPDATE };
static const char *const KIND_MEMBER[] = {"ConditionCheck", "Put", "Delete", "Update"};
static const char *const KIND_WIRE[] = {"conditionCheck", "put", "delete", "update"};

/* One action: its kind, body, table and key (once known), capacity units and outcome. */
typedef struct taction {
    int kind;
    cJSON *body;
    table_t *t;
    rowkey_t k;
    int have_key;
    int failed;                  /* 1 its condition failed, 2 a ValidationError reason */
    char *reason_msg;            /* the ValidationError's message */
    char *item_json;             /* the "Item" member of its reason (ALL_OLD), or NULL */
    double units;
} taction_t;

static int null_member(req_t *r, int i, const char *kind, const char *member)
{
    return err_validation(&r->err, "Value null at 'transactItems.%d.member.%s.%s' failed to satisfy constraint: "
                          "Member must not be null", i, kind, member);
}

/* The request's TransactItems list with DynamoDB Local's length messages. */
static int check_items_list(req_t *r, const cJSON *items, int empty_is_null)
{
    if (!items || (empty_is_null && !items->child))
        return err_validation(&r->err, "Value null at 'transactItems' failed to satisfy constraint: Member must not "
                              "be null");
    if (!items->child)
        return err_validation(&r->err, "Value [] at 'transactItems' failed to satisfy constraint: Member must have "
                              "length greater than or equal to 1");
    if (cJSON_GetArraySize(items) > TXN_MAX_ACTIONS)
        return err_validation(&r->err, "Member must have length less than or equal to 100");
    return 0;
}

/* The table and key an action names, when they are valid (errors ignored: the action's own
 * checks report them). Returns 1 when known. */
static int peek_key(req_t *r, taction_t *a)
{
    err_t e = {0};
    const char *name = jstr(a->body, "TableName");
    const cJSON *key = jget(a->body, a->kind == TA_PUT ? "Item" : "Key");
    int ok = name && key && catalog_get(r->st, name, &a->t, &e) == 1 &&
             key_extract(a->t, key, a->kind == TA_PUT ? 0 : KEY_PARAM, &a->k, &e) == 0;
    err_fini(&e);
    return ok;
}

/* Size of the stored item of a's key, 0 when absent. */
static int64_t stored_size(req_t *r, taction_t *a)
{
    cJSON *item = NULL;
    err_t save = r->err;
    memset(&r->err, 0, sizeof r->err);
    int64_t size = item_load(r, a->t, &a->k, &item) == 0 && item ? item_size(item) : 0;
    cJSON_Delete(item);
    err_fini(&r->err);
    r->err = save;
    return size;
}

static int cancel(req_t *r, taction_t *a, int n);

/* Whether an action's ValidationException is one DynamoDB Local reports as a cancellation
 * reason (Code ValidationError) rather than as the request's error: those found while the
 * action meets its item (key and index key types, key attributes updated, the update applied
 * to the stored item). compat tx-reason-type-mismatch, tx-index-key-type-reason,
 * tx-reason-update-key-attribute; an expression's static errors stay plain. */
static int is_reason(const err_t *e)
{
    static const char *const PREFIX[] = {
        "One or more parameter values were invalid: Type mismatch",
        "An operand in the update expression has an incorrect data type",
        "The document path provided in the update expression is invalid for update",
        "Item size to update has exceeded the maximum allowed size",
    };
    if (e->code != ERR_VALIDATION || !e->msg) return 0;
    for (size_t i = 0; i < sizeof PREFIX / sizeof PREFIX[0]; i++)
        if (!strncmp(e->msg, PREFIX[i], strlen(PREFIX[i]))) return 1;
    return 0;
}

/* Runs one action on a sub-request. Returns 0 (done, or its condition failed: a->failed),
 * -1 with r->err set. */
static int run_action(req_t *r, taction_t *a, int cap)
{
    req_t sub = {.ddb = r->ddb, .st = r->st, .in = a->body, .now_ms = r->now_ms};
    sb_init(&sub.out);
    int64_t before = 0;
    int known = cap && peek_key(r, a);
    if (known) before = stored_size(r, a);
    int rc;
    const char *rvf = jstr(a->body, "ReturnValuesOnConditionCheckFailure");
    if (a->kind == TA_CHECK && rvf && strcmp(rvf, "NONE") && strcmp(rvf, "ALL_OLD"))
        /* a ConditionCheck ignores an unknown value (test_write_return_values_on_failure_none_or_unknown) */
        cJSON_DeleteItemFromObjectCaseSensitive(a->body, "ReturnValuesOnConditionCheckFailure");
    switch (a->kind) {
    case TA_CHECK: rc = item_condition_check(&sub); break;
    case TA_PUT: rc = op_put_item(&sub); break;
    case TA_DELETE: rc = op_delete_item(&sub); break;
    default: rc = op_update_item(&sub); break;
    }
    sb_fini(&sub.out);
    if (rc < 0 && is_reason(&sub.err)) {
        a->failed = 2;
        a->reason_msg = xstrdup(sub.err.msg ? sub.err.msg : "");
        err_fini(&sub.err);
        return 0;
    }
    if (rc < 0 && sub.err.code == ERR_VALIDATION && sub.err.msg &&
        !strncmp(sub.err.msg, "One or more parameter values were invalid: Cannot update attribute", 66)) {
        /* cancels at once with this one reason (compat tx-reason-update-key-attribute) */
        taction_t one = {.kind = a->kind, .failed = 2, .reason_msg = sub.err.msg};
        cancel(r, &one, 1);
        err_fini(&sub.err);
        return -1;
    }
    if (rc < 0 && sub.err.code != ERR_CONDITIONAL_CHECK) {
        if (sub.err.code == ERR_NONE) err_set(&sub.err, ERR_INTERNAL, "The request processing has failed because of "
                                              "an unknown error, exception or failure.");
        err_fini(&r->err);
        r->err = sub.err;
        return -1;
    }
    if (rc < 0) {
        a->failed = 1;
        if (sub.err.extra) a->item_json = xstrdup(sub.err.extra + 1);   /* without the leading ',' */
    }
    err_fini(&sub.err);
    /* the action's checks passed: its table and key are valid */
    a->have_key = peek_key(r, a);
    if (cap) {
        int64_t after = (a->kind == TA_PUT || a->kind == TA_UPDATE) && a->have_key ? stored_size(r, a) : 0;
        int64_t size = known && before > after ? before : after;
        /* a check reads (4 KB units, at least one), a write writes (1 KB units; a delete of
         * nothing 2.0) */
        if (a->kind == TA_CHECK) a->units = 4.0 * (before > 4096 ? ceil((double)before / 4096.0) : 1.0);
        else a->units = size ? 4.0 * ceil((double)size / 1024.0) : 2.0;
    }
    return 0;
}

static int same_item(const taction_t *a, const taction_t *b)
{
    return a->have_key && b->have_key && !strcmp(a->t->name, b->t->name) && a->k.hk_len == b->k.hk_len &&
           !memcmp(a->k.hk, b->k.hk, a->k.hk_len) && a->k.rk_len == b->k.rk_len &&
           !memcmp(a->k.rk, b->k.rk, a->k.rk_len);
}

/* The distinct table names of the actions in default Java HashMap order (DynamoDB Local's
 * order of ConsumedCapacity). *names is malloc'd, its strings borrowed. */
static int tables_of(taction_t *a, int n, const char ***names)
{
    const char **v = xmalloc((size_t)n * sizeof *v);
    int m = 0;
    for (int i = 0; i < n; i++) {
        if (!a[i].t) continue;
        int seen = 0;
        for (int j = 0; j < m && !seen; j++) seen = !strcmp(v[j], a[i].t->name);
        if (!seen) v[m++] = a[i].t->name;
    }
    int *order = xmalloc((size_t)(m ? m : 1) * sizeof *order);
    const char **sorted = xmalloc((size_t)(m ? m : 1) * sizeof *sorted);
    item_hashmap_order(v, m, 16, order);
    for (int i = 0; i < m; i++) sorted[i] = v[order[i]];
    free(order);
    free(v);
    *names = sorted;
    return m;
}

/* {"TableName":..,"CapacityUnits":u,"<Kind>CapacityUnits":u[,"Table":{..}]} */
static void write_txn_capacity(sb_t *sb, const char *table, double u, const char *kind, int mode, int first)
{
    sb_puts(sb, first ? "{\"TableName\":" : ",{\"TableName\":");
    sb_json_str(sb, table, strlen(table));
    sb_puts(sb, ",\"CapacityUnits\":");
    item_put_units(sb, u);
    sb_printf(sb, ",\"%sCapacityUnits\":", kind);
    item_put_units(sb, u);
    if (mode == 2) {
        if (!strcmp(kind, "Write")) {
            sb_puts(sb, ",\"Table\":{\"WriteCapacityUnits\":");
            item_put_units(sb, u);
            sb_puts(sb, ",\"CapacityUnits\":");
        } else {
            sb_puts(sb, ",\"Table\":{\"CapacityUnits\":");
        }
        item_put_units(sb, u);
        sb_putc(sb, '}');
    }
    sb_putc(sb, '}');
}

/* The cancellation: reasons in action order, "[None, ConditionalCheckFailed]" in Message. */
static int cancel(req_t *r, taction_t *a, int n)
{
    sb_t reasons, codes;
    sb_init(&reasons);
    sb_init(&codes);
    sb_puts(&reasons, ",\"CancellationReasons\":[");
    for (int i = 0; i < n; i++) {
        if (i) { sb_putc(&reasons, ','); sb_puts(&codes, ", "); }
        if (!a[i].failed) {
            sb_puts(&reasons, "{\"Code\":\"None\"}");
            sb_puts(&codes, "None");
            continue;
        }
        if (a[i].failed == 2) {
            sb_puts(&reasons, "{\"Code\":\"ValidationError\",\"Message\":");
            sb_json_str(&reasons, a[i].reason_msg, strlen(a[i].reason_msg));
            sb_putc(&reasons, '}');
            sb_puts(&codes, "ValidationError");
            continue;
        }
        sb_putc(&reasons, '{');
        if (a[i].item_json) { sb_puts(&reasons, a[i].item_json); sb_putc(&reasons, ','); }
        /* a ConditionCheck's reason ends with a period, the others' do not (probed) */
        sb_printf(&reasons, "\"Code\":\"ConditionalCheckFailed\",\"Message\":\"The conditional request failed%s\"}",
                  a[i].kind == TA_CHECK ? "." : "");
        sb_puts(&codes, "ConditionalCheckFailed");
    }
    sb_putc(&reasons, ']');
    err_set(&r->err, ERR_TXN_CANCELED, "Transaction cancelled, please refer cancellation reasons for specific "
            "reasons [%s]", sb_cstr(&codes));
    err_set_before_take(&r->err, sb_take(&reasons, NULL));
    sb_fini(&codes);
    return -1;
}

/* SHA-1 of the TransactItems as sent (the signature kept with a client token). */
static void sign_items(const cJSON *items, unsigned char sig[20])
{
    char *s = cJSON_PrintUnformatted(items);
    unsigned int n = 20;
    EVP_Digest(s, strlen(s), sig, &n, EVP_sha1(), NULL);
    free(s);
}

/* A replayed token: success again without writing; DynamoDB Local reports read capacity. */
static int replay(req_t *r, taction_t *a, int n, int cap)
{
    for (int i = 0; i < n; i++) {
        const char *name = jstr(a[i].body, "TableName");
        if (name && catalog_get(r->st, name, &a[i].t, &r->err) < 0) return -1;
    }
    sb_putc(&r->out, '{');
    if (cap) {
        const char **names;
        int m = tables_of(a, n, &names);
        sb_puts(&r->out, "\"ConsumedCapacity\":[");
        for (int i = 0; i < m; i++) write_txn_capacity(&r->out, names[i], 2.0, "Read", cap, i == 0);
        sb_putc(&r->out, ']');
        free(names);
    }
    sb_putc(&r->out, '}');
    return 0;
}

/*
 * TransactWriteItems, checks in DynamoDB Local's order (test_transactions.py):
 *   1. ClientRequestToken length   2. TransactItems present, 1..100 actions
 *   3. each action: exactly one of ConditionCheck/Put/Delete/Update, its required members
 *   4. the client token (replay, or IdempotentParameterMismatch)   5. ReturnConsumedCapacity
 *   6. each action in order: its own checks (as the single-item operation), its condition
 *   7. the same item twice   8. any failed condition: TransactionCanceledException
 */
int op_transact_write_items(req_t *r)
{
    const char *token = jstr(r->in, "ClientRequestToken");
    const cJSON *items = jget(r->in, "TransactItems");
    if (token && strlen(token) > TXN_TOKEN_MAX)
        return err_validation(&r->err, "Value %s at 'clientRequestToken' failed to satisfy constraint: Member must "
                              "have length less than or equal to 36", token);
    if (check_items_list(r, items, 0) < 0) return -1;
    int n = cJSON_GetArraySize(items), rc = -1;
    taction_t *a = xcalloc((size_t)n, sizeof *a);
    int i = 0;
    for (cJSON *j = items->child; j; j = j->next, i++) {
        if (!cJSON_IsObject(j)) {
            err_set(&r->err, ERR_SERIALIZATION, "Start of list found where not expected");
            goto done;
        }
        int kinds = 0;
        for (int k = 0; k < 4; k++) {
            cJSON *b = jget(j, KIND_MEMBER[k]);
            if (!b) continue;
            if (!cJSON_IsObject(b)) {
                err_set(&r->err, ERR_SERIALIZATION, "Unexpected value where a structure was expected");
                goto done;
            }
            kinds++;
            a[i].kind = k;
            a[i].body = b;
        }
        if (!kinds) {
            err_validation(&r->err, "Invalid Request: TransactWriteRequest should contain Delete or Put or Update request");
            goto done;
        }
        if (kinds > 1) {
            err_validation(&r->err, "TransactItems can only contain one of Check, Put, Update or Delete");
            goto done;
        }
        const char *wire = KIND_WIRE[a[i].kind];
        if (a[i].kind == TA_PUT ? !jget(a[i].body, "Item") : !jget(a[i].body, "Key")) {
            null_member(r, i + 1, wire, a[i].kind == TA_PUT ? "item" : "key");
            goto done;
        }
        if (!jget(a[i].body, "TableName")) { null_member(r, i + 1, wire, "tableName"); goto done; }
        if (a[i].kind == TA_CHECK && !jget(a[i].body, "ConditionExpression")) {
            null_member(r, i + 1, wire, "conditionExpression");
            goto done;
        }
    }

    /* the payload: the items put, at most 4 MB (compat tx-4mb-plus-one) */
    int64_t payload = 0;
    for (i = 0; i < n; i++) {
        if (a[i].kind != TA_PUT) continue;
        cJSON *item = jget(a[i].body, "Item");
        if (!cJSON_IsObject(item)) { err_set(&r->err, ERR_SERIALIZATION, "Unexpected value where a structure was expected"); goto done; }
        if (av_check_map(item, DDB_MAX_ITEM_SIZE, &r->err) < 0) goto done;
        payload += item_size(item);
    }
    if (payload > TXN_MAX_PAYLOAD) {
        err_validation(&r->err, "Transaction payload size cannot exceed 4MB. Payload Size: %lld", (long long)payload);
        goto done;
    }
    unsigned char sig[20];
    int cap;
    if (token) {
        unsigned char old[20];
        int64_t created;
        sign_items(items, sig);
        int found = store_txn_token_get(r->st, token, old, &created, &r->err);
        if (found < 0) goto done;
        if (found && r->now_ms - created < TXN_TOKEN_MS) {
            if (memcmp(old, sig, 20)) { err_set(&r->err, ERR_IDEMPOTENT_MISMATCH, "%s", ""); goto done; }
            if (item_capacity_mode(r, &cap) < 0) goto done;
            rc = replay(r, a, n, cap);
            goto done;
        }
    }
    if (item_capacity_mode(r, &cap) < 0) goto done;

    /* in action order: the same item as an earlier action that held (a failed one does not
     * count: compat tx-two-failing-checks-same-item, test_write_check_order), then the
     * action itself */
    int failed = 0;
    for (i = 0; i < n; i++) {
        a[i].have_key = peek_key(r, &a[i]);
        for (int j = 0; j < i; j++)
            if (!a[j].failed && same_item(&a[j], &a[i])) {
                err_validation(&r->err, "Transaction request cannot include multiple operations on one item");
                goto done;
            }
        if (run_action(r, &a[i], cap) < 0) goto done;
        failed |= a[i].failed;
    }
    if (failed) { cancel(r, a, n); goto done; }
    if (token && store_txn_token_put(r->st, token, sig, r->now_ms, &r->err) < 0) goto done;

    sb_putc(&r->out, '{');
    if (cap) {
        /* per table, the sum of the distinct action costs (DynamoDB Local keeps them in a set) */
        const char **names;
        int m = tables_of(a, n, &names);
        sb_puts(&r->out, "\"ConsumedCapacity\":[");
        for (int t = 0; t < m; t++) {
            double sum = 0;
            for (i = 0; i < n; i++) {
                if (!a[i].t || strcmp(a[i].t->name, names[t])) continue;
                int seen = 0;
                for (int j = 0; j < i && !seen; j++)
                    seen = a[j].t && !strcmp(a[j].t->name, names[t]) && a[j].units == a[i].units;
                if (!seen) sum += a[i].units;
            }
            write_txn_capacity(&r->out, names[t], sum, "Write", cap, t == 0);
        }
        sb_putc(&r->out, ']');
        free(names);
    }
    sb_putc(&r->out, '}');
    rc = 0;
done:
    for (i = 0; i < n; i++) { free(a[i].item_json); free(a[i].reason_msg); }
    free(a);
    return rc;
}

/* ---- TransactGetItems ------------------------------------------------------------------ */

typedef struct tget {
    cJSON *body;
    table_t *t;
    rowkey_t k;
    expr_env_t env;
    expr_t *proj;
    double units;
} tget_t;

/* One Get's checks. A key that does not match the schema is, in DynamoDB Local, a
 * TransactionCanceledException with the key message and no reasons (§7.2 quirk 1). */
static int check_get(req_t *r, tget_t *g)
{
    const char *name = jstr(g->body, "TableName");
    cJSON *key = jget(g->body, "Key");
    if (!key) return err_validation(&r->err, "Get Condition for key not in key list");
    /* no name check here: a missing name is "Requested resource not found", a malformed one a
     * missing table (compat tx-get-no-table-name, tx-get-bad-name) */
    if (!name) return err_validation(&r->err, "Requested resource not found");
    if (require_table(r, name, &g->t) < 0) return -1;
    if (!cJSON_IsObject(key)) return err_set(&r->err, ERR_SERIALIZATION, "Unexpected value where a structure was expected");
    if (av_check_map(key, 0, &r->err) < 0) return -1;
    if (key_extract(g->t, key, KEY_PARAM, &g->k, &r->err) < 0) {
        /* an empty key value stays a ValidationException (compat tx-get-empty-string-key) */
        if (r->err.code == ERR_VALIDATION && r->err.msg && strncmp(r->err.msg, "One or more parameter values are not valid", 42))
            r->err.code = ERR_TXN_CANCELED;
        return -1;
    }
    const char *pe = jstr(g->body, "ProjectionExpression");
    if (jget(g->body, "ExpressionAttributeNames") && !pe)
        return err_validation(&r->err, "ExpressionAttributeNames can only be specified when using expressions");
    if (expr_check_maps(&g->env, &r->err) < 0) return -1;
    if (pe && !(g->proj = expr_parse(&g->env, EXPR_PROJECTION, pe, &r->err))) return -1;
    return expr_check_unused(&g->env, &r->err);
}

/*
 * TransactGetItems, checks in DynamoDB Local's order: TransactItems present (an empty list
 * counts as missing) and at most 100, each a Get; then per Get: Key, TableName, the table,
 * the key's values, the key against the schema, the projection; then the same item twice.
 * Each item costs 2.0 read units per 4 KB, a missing one 2.0.
 */
int op_transact_get_items(req_t *r)
{
    const cJSON *items = jget(r->in, "TransactItems");
    if (check_items_list(r, items, 1) < 0) return -1;
    int n = cJSON_GetArraySize(items), rc = -1, i = 0, cap;
    tget_t *g = xcalloc((size_t)n, sizeof *g);
    for (const cJSON *j = items->child; j; j = j->next, i++) {
        g[i].body = cJSON_IsObject(j) ? jget(j, "Get") : NULL;
        expr_env_init(&g[i].env, g[i].body ? jget(g[i].body, "ExpressionAttributeNames") : NULL, NULL);
        if (!g[i].body) {
            err_validation(&r->err, "Value null at 'transactItems' failed to satisfy constraint: Member must not be null");
            n = i + 1;
            goto done;
        }
    }
    for (i = 0; i < n; i++) {
        if (check_get(r, &g[i]) < 0) goto done;
        for (int j = 0; j < i; j++)
            if (g[j].t == g[i].t && g[j].k.hk_len == g[i].k.hk_len && !memcmp(g[j].k.hk, g[i].k.hk, g[i].k.hk_len) &&
                g[j].k.rk_len == g[i].k.rk_len && !memcmp(g[j].k.rk, g[i].k.rk, g[i].k.rk_len)) {
                err_validation(&r->err, "Transaction request cannot include multiple operations on one item");
                goto done;
            }
    }
    if (item_capacity_mode(r, &cap) < 0) goto done;

    sb_t resp;
    sb_init(&resp);
    sb_puts(&resp, "\"Responses\":[");
    for (i = 0; i < n; i++) {
        cJSON *item;
        if (item_load(r, g[i].t, &g[i].k, &item) < 0) { sb_fini(&resp); goto done; }
        g[i].units = item ? 2.0 * ceil((double)item_size(item) / 4096.0) : 2.0;
        if (i) sb_putc(&resp, ',');
        if (item) {
            sb_puts(&resp, "{\"Item\":");
            if (g[i].proj) {
                cJSON *p = expr_project(g[i].proj, item);
                item_write(&resp, p);
                cJSON_Delete(p);
            } else item_write(&resp, item);
            sb_putc(&resp, '}');
        } else sb_puts(&resp, "{}");
        cJSON_Delete(item);
    }
    sb_putc(&resp, ']');
    sb_putc(&r->out, '{');
    if (cap) {
        /* per table in default HashMap order of the names */
        const char **names = xmalloc((size_t)n * sizeof *names);
        int m = 0;
        for (i = 0; i < n; i++) {
            int seen = 0;
            for (int j = 0; j < m && !seen; j++) seen = !strcmp(names[j], g[i].t->name);
            if (!seen) names[m++] = g[i].t->name;
        }
        int *order = xmalloc((size_t)m * sizeof *order);
        item_hashmap_order(names, m, 16, order);
        sb_puts(&r->out, "\"ConsumedCapacity\":[");
        for (int t = 0; t < m; t++) {
            double sum = 0;
            for (i = 0; i < n; i++)
                if (!strcmp(g[i].t->name, names[order[t]])) sum += g[i].units;
            write_txn_capacity(&r->out, names[order[t]], sum, "Read", cap, t == 0);
        }
        sb_puts(&r->out, "],");
        free(order);
        free(names);
    }
    sb_add(&r->out, resp.buf, resp.len);
    sb_fini(&resp);
    sb_putc(&r->out, '}');
    rc = 0;
done:
    for (i = 0; i < n; i++) expr_env_fini(&g[i].env);
    free(g);
    return rc;
}
