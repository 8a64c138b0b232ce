/*
 * op_query.c: Query and Scan, on a table or one of its secondary indexes (issue 5).
 *
 * A request is checked in DynamoDB Local's order (the check lists above op_query and
 * op_scan), its key condition (KeyConditionExpression or legacy KeyConditions) is reduced to
 * a partition value and a range on the sort column, and the rows are read by index.c as an
 * SQLite index range scan in the order of the SQL index DynamoDB Local would use
 * (dynamodb-local.md §10.3, §10.10). Limit counts scanned rows (before the filter); a page also
 * stops at 1 MB of whole items. LastEvaluatedKey holds the table key, plus the index key for
 * index reads. Scan goes in hashValue order; a parallel scan segment is a slice of the 2^160
 * hash space.
 */
#include "core.h"
#include "expr.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const field_spec_t spec_query[] = {
    {"TableName", FT_STRING}, {"IndexName", FT_STRING}, {"Select", FT_STRING},
    {"AttributesToGet", FT_LIST}, {"Limit", FT_INT}, {"ConsistentRead", FT_BOOL},
    {"KeyConditions", FT_MAP}, {"QueryFilter", FT_MAP}, {"ConditionalOperator", FT_STRING},
    {"ScanIndexForward", FT_BOOL}, {"ExclusiveStartKey", FT_MAP}, {"ReturnConsumedCapacity", FT_STRING},
    {"ProjectionExpression", FT_STRING}, {"FilterExpression", FT_STRING},
    {"KeyConditionExpression", FT_STRING}, {"ExpressionAttributeNames", FT_MAP},
    {"ExpressionAttributeValues", FT_MAP}, {NULL, 0},
};
const field_spec_t spec_scan[] = {
    {"TableName", FT_STRING}, {"IndexName", FT_STRING}, {"AttributesToGet", FT_LIST},
    {"Limit", FT_INT}, {"Select", FT_STRING}, {"ScanFilter", FT_MAP},
    {"ConditionalOperator", FT_STRING}, {"ExclusiveStartKey", FT_MAP},
    {"ReturnConsumedCapacity", FT_STRING}, {"TotalSegments", FT_INT}, {"Segment", FT_INT},
    {"ProjectionExpression", FT_STRING}, {"FilterExpression", FT_STRING},
    {"ExpressionAttributeNames", FT_MAP}, {"ExpressionAttributeValues", FT_MAP},
    {"ConsistentRead", FT_BOOL}, {NULL, 0},
};

#define PAGE_BYTES (1024 * 1024)
#define KEYBUF (DDB_MAX_HASH_KEY + 64)

enum { SEL_ALL, SEL_PROJECTED, SEL_SPECIFIC, SEL_COUNT };
enum { RK_NONE, RK_EQ, RK_LT, RK_LE, RK_GT, RK_GE, RK_BETWEEN, RK_BEGINS };

/* One encoded key value. */
typedef struct kval {
    unsigned char b[KEYBUF];
    size_t n;
} kval_t;

/* The reduced key condition: partition value and a range on the sort attribute. */
typedef struct keycond {
    kval_t hash;
    int rop;
    kval_t a, b;                 /* operands (BETWEEN: a lower, b upper) */
} keycond_t;

/* Everything one Query or Scan needs while it runs. */
typedef struct qx {
    req_t *r;
    table_t *t;
    const index_def_t *ix;       /* NULL: the table */
    int query;
    int select;
    const cJSON *atg;            /* AttributesToGet */
    expr_env_t env;
    expr_t *proj, *filter;
    const keydef_t *hk, *rk;     /* the partition and sort attributes read (table's or index's) */
    keycond_t kc;
    int64_t limit;               /* -1: none */
    int consistent, cap;
    sb_t *items;                 /* the answer (r->out), rows written in place after "Items":[ */
    int count, scanned;
    int64_t bytes;               /* Σ itemSize of the scanned items (capacity) */
    int64_t page_bytes;          /* Σ itemSize of the matching items (the 1 MB page) */
    double fetch_units;          /* table reads for attributes an index does not project */
    int fetch;
    sb_t last;                   /* the stored JSON of the last scanned item (LastEvaluatedKey), */
    size_t last_off, last_len;   /* or where it is in items when last_in_items */
    int last_in_items;
    int raw;                     /* rows may be copied as stored (no filter, no projection) */
    int ours;                    /* every row is item_write()'s (store_rows_ours) */
    int stopped;                 /* the page ended at Limit or 1 MB */
} qx_t;

/* ---- small helpers ------------------------------------------------------------------------- */

static int key_type_ok(const cJSON *av, char type, const cJSON **val)
{
    const char *ty = av_type(av, val);
    return ty && ty[1] == 0 && ty[0] == type;
}

static int encode(const keydef_t *kd, const cJSON *val, kval_t *out, err_t *e)
{
    long n = key_encode_value(kd->type, val, out->b, sizeof out->b, e);
    if (n < 0) return -1;
    out->n = (size_t)n;
    return 0;
}

static int kcmp(const kval_t *a, const kval_t *b)
{
    size_t n = a->n < b->n ? a->n : b->n;
    int c = memcmp(a->b, b->b, n);
    if (c) return c;
    return a->n < b->n ? -1 : a->n > b->n;
}

/* Whether v satisfies the range condition of kc. */
static int in_range(const keycond_t *kc, const kval_t *v)
{
    switch (kc->rop) {
    case RK_EQ: return kcmp(v, &kc->a) == 0;
    case RK_LT: return kcmp(v, &kc->a) < 0;
    case RK_LE: return kcmp(v, &kc->a) <= 0;
    case RK_GT: return kcmp(v, &kc->a) > 0;
    case RK_GE: return kcmp(v, &kc->a) >= 0;
    case RK_BETWEEN: return kcmp(v, &kc->a) >= 0 && kcmp(v, &kc->b) <= 0;
    case RK_BEGINS: return v->n >= kc->a.n && !memcmp(v->b, kc->a.b, kc->a.n);
    default: return 1;
    }
}

/* ---- request checks shared by Query and Scan ----------------------------------------------- */

/* Non-expression and expression parameters may not be mixed; the maps need an expression. */
static int check_param_kinds(qx_t *q)
{
    static const char *const legacy_q[] = {"AttributesToGet", "KeyConditions", "QueryFilter", "ConditionalOperator", NULL};
    static const char *const legacy_s[] = {"AttributesToGet", "ScanFilter", "ConditionalOperator", NULL};
    static const char *const expr_q[] = {"ProjectionExpression", "FilterExpression", "KeyConditionExpression", NULL};
    static const char *const expr_s[] = {"ProjectionExpression", "FilterExpression", NULL};
    const char *const *legacy = q->query ? legacy_q : legacy_s, *const *exprs = q->query ? expr_q : expr_s;
    sb_t a, b;
    sb_init(&a);
    sb_init(&b);
    /* KeyConditions is named only beside a KeyConditionExpression (cases:
     * qs-query-err-filter-and-queryfilter, qs-query-err-kce-and-keyconditions) */
    int kce = jget(q->r->in, "KeyConditionExpression") != NULL;
    for (int i = 0; legacy[i]; i++)
        if (jget(q->r->in, legacy[i]) && (kce || strcmp(legacy[i], "KeyConditions")))
            sb_printf(&a, "%s%s", a.len ? ", " : "", legacy[i]);
    for (int i = 0; exprs[i]; i++)
        if (jget(q->r->in, exprs[i])) sb_printf(&b, "%s%s", b.len ? ", " : "", exprs[i]);
    if (!a.len && b.len && jget(q->r->in, "KeyConditions")) sb_puts(&a, "KeyConditions");
    int rc = 0;
    if (a.len && b.len)
        rc = err_validation(&q->r->err, "Can not use both expression and non-expression parameters in the same "
                            "request: Non-expression parameters: {%s} Expression parameters: {%s}",
                            sb_cstr(&a), sb_cstr(&b));
    else if (!b.len && jget(q->r->in, "ExpressionAttributeNames"))
        rc = err_validation(&q->r->err, "ExpressionAttributeNames can only be specified when using expressions");
    else if (!b.len && jget(q->r->in, "ExpressionAttributeValues"))
        rc = err_validation(&q->r->err, "ExpressionAttributeValues can only be specified when using expressions: "
                            "%s", q->query ? "KeyConditionExpression and FilterExpression are null" : "FilterExpression is null");
    else if (jget(q->r->in, "ConditionalOperator") && !jget(q->r->in, q->query ? "QueryFilter" : "ScanFilter"))
        rc = err_validation(&q->r->err, "ConditionalOperator cannot be used without Filter or Expected");
    sb_fini(&a);
    sb_fini(&b);
    return rc;
}

/* Select and the projection parameters (cases.json: scan-select-count-with-projection). */
static int check_select(qx_t *q)
{
    const char *s = jstr(q->r->in, "Select");
    int has_pe = jget(q->r->in, "ProjectionExpression") != NULL, has_atg = q->atg != NULL;
    if (!s) { q->select = has_pe || has_atg ? SEL_SPECIFIC : -1; return 0; }
    if (!strcmp(s, "ALL_ATTRIBUTES")) q->select = SEL_ALL;
    else if (!strcmp(s, "ALL_PROJECTED_ATTRIBUTES")) q->select = SEL_PROJECTED;
    else if (!strcmp(s, "SPECIFIC_ATTRIBUTES")) q->select = SEL_SPECIFIC;
    else if (!strcmp(s, "COUNT")) q->select = SEL_COUNT;
    else return err_validation(&q->r->err, "Select must be ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES, COUNT, or SPECIFIC_ATTRIBUTES");
    const char *what = has_pe ? "ProjectionExpression" : "AttributesToGet";
    if (q->select == SEL_COUNT && (has_pe || has_atg))
        return err_validation(&q->r->err, "Cannot specify the %s when choosing to get only the Count", what);
    if (q->select == SEL_ALL && (has_pe || has_atg))
        return err_validation(&q->r->err, "Cannot specify the %s when choosing to get ALL_ATTRIBUTES", what);
    if (q->select == SEL_PROJECTED && (has_pe || has_atg))
        return err_validation(&q->r->err, "Cannot specify the %s when choosing to get ALL_PROJECTED_ATTRIBUTES", what);
    if (q->select == SEL_SPECIFIC && !has_pe && !has_atg)
        return err_validation(&q->r->err, "Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES");
    return 0;
}

static int check_attributes_to_get(qx_t *q)
{
    const cJSON *atg = q->atg;
    if (!atg) return 0;
    if (!atg->child) return err_validation(&q->r->err, "AttributesToGet cannot be empty");
    for (const cJSON *a = atg->child; a; a = a->next) {
        if (!cJSON_IsString(a)) return err_set(&q->r->err, ERR_SERIALIZATION, "Expected a string in AttributesToGet");
        if (!a->valuestring[0]) return err_validation(&q->r->err, "Empty attribute name");
        for (const cJSON *b = atg->child; b != a; b = b->next)
            if (!strcmp(a->valuestring, b->valuestring))
                return err_validation(&q->r->err, "Cannot have two attributes with the same name");
    }
    return 0;
}

static int check_limit(qx_t *q)
{
    const cJSON *l = jget(q->r->in, "Limit");
    q->limit = -1;
    if (!l) return 0;
    if (l->valuedouble < 1) return err_validation(&q->r->err, "Limit must be greater than or equal to 1");
    q->limit = (int64_t)l->valuedouble;
    return 0;
}

/* The index named by IndexName (q->ix), and the key attributes read. */
static int find_index(qx_t *q)
{
    const char *in = jstr(q->r->in, "IndexName");
    q->hk = &q->t->hash;
    q->rk = q->t->range.name ? &q->t->range : NULL;
    if (!in) return 0;
    for (int i = 0; i < q->t->nidx; i++)
        if (!strcmp(q->t->idx[i].name, in)) q->ix = &q->t->idx[i];
    if (!q->ix) return err_validation(&q->r->err, "The table does not have the specified index: %s", in);
    q->hk = &q->ix->hash;
    q->rk = q->ix->range.name ? &q->ix->range : NULL;
    return 0;
}

static const char *proj_type(const index_def_t *ix)
{
    const char *pt = jstr(jget(ix->desc, "Projection"), "ProjectionType");
    return pt ? pt : "ALL";
}

/* Whether attribute name is in index ix (a key attribute or a projected one). */
static int projected(const qx_t *q, const char *name)
{
    const index_def_t *ix = q->ix;
    if (!ix || !strcmp(proj_type(ix), "ALL")) return 1;
    if (!strcmp(name, q->t->hash.name) || (q->t->range.name && !strcmp(name, q->t->range.name))) return 1;
    if (!strcmp(name, ix->hash.name) || (ix->range.name && !strcmp(name, ix->range.name))) return 1;
    const cJSON *nk = jget(jget(ix->desc, "Projection"), "NonKeyAttributes");
    for (const cJSON *j = nk ? nk->child : NULL; j; j = j->next)
        if (cJSON_IsString(j) && !strcmp(j->valuestring, name)) return 1;
    return 0;
}

/* Appends to missing the attributes named in n that the index does not project, once each. */
static void unprojected_names(const qx_t *q, const expr_node_t *n, sb_t *missing, const char **seen, int *nseen)
{
    if (!n) return;
    if (n->kind == EN_PATH && n->path.n && n->path.el[0].name && !projected(q, n->path.el[0].name)) {
        const char *name = n->path.el[0].name;
        int dup = 0;
        for (int i = 0; i < *nseen; i++) if (!strcmp(seen[i], name)) dup = 1;
        if (!dup && *nseen < 64) {
            seen[(*nseen)++] = name;
            sb_printf(missing, "%s%s", missing->len ? ", " : "", name);
        }
    }
    for (int i = 0; i < n->nargs; i++) unprojected_names(q, n->args[i], missing, seen, nseen);
}

/* A GSI filter may name projected attributes only (test_gsi_projection_rules gsi_inc-10). */
static int filter_unprojected(qx_t *q)
{
    const char *seen[64];
    int nseen = 0, rc = 0;
    sb_t missing;
    sb_init(&missing);
    unprojected_names(q, q->filter->root, &missing, seen, &nseen);
    if (missing.len)
        rc = err_validation(&q->r->err, "One or more parameter values were invalid: Secondary index %s does not "
                            "project one or more filter attributes: [%s]", q->ix->name, sb_cstr(&missing));
    sb_fini(&missing);
    return rc;
}

/* Index reads: Select ALL_ATTRIBUTES and projections need the attributes in the index for a
 * GSI (cases.json: query-gsi-select-all-attributes-keys-only, ...-nonprojected-attr); an LSI
 * fetches them from the table, which costs read units on the table. */
static int check_index_select(qx_t *q)
{
    if (q->select == SEL_PROJECTED && !q->ix)
        return err_validation(&q->r->err, "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName");
    if (q->select < 0) q->select = q->ix ? SEL_PROJECTED : SEL_ALL;
    if (!q->ix) return 0;
    int all = !strcmp(proj_type(q->ix), "ALL");
    if (q->select == SEL_ALL && !all) {
        if (q->ix->gsi)
            return err_validation(&q->r->err, "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not "
                                  "supported for global secondary index %s because its projection type is not ALL", q->ix->name);
        q->fetch = 1;
    }
    if (all) return 0;
    if (q->ix->gsi && q->filter && filter_unprojected(q) < 0) return -1;
    if (q->select != SEL_SPECIFIC) return 0;
    sb_t missing;
    sb_init(&missing);
    if (q->atg) {
        for (const cJSON *a = q->atg->child; a; a = a->next)
            if (!projected(q, a->valuestring)) sb_printf(&missing, "%s%s", missing.len ? ", " : "", a->valuestring);
    } else if (q->proj) {
        for (int i = 0; i < q->proj->npaths; i++) {
            const expr_path_t *p = &q->proj->paths[i];
            if (p->n && p->el[0].name && !projected(q, p->el[0].name))
                sb_printf(&missing, "%s%s", missing.len ? ", " : "", p->el[0].name);
        }
    }
    int rc = 0;
    if (missing.len && q->ix->gsi)
        rc = err_validation(&q->r->err, "One or more parameter values were invalid: Global secondary index %s does not "
                            "project [%s]", q->ix->name, sb_cstr(&missing));
    else if (missing.len)
        q->fetch = 1;
    sb_fini(&missing);
    return rc;
}

/* ---- key conditions ------------------------------------------------------------------------ */

#define MSG_MISSED "Query condition missed key schema element"
#define MSG_TYPE "One or more parameter values were invalid: Condition parameter type does not match schema type"

/* Records one condition on attribute name: the partition key must be compared with EQ; the
 * sort key may have any of the range operators. vals are AttributeValues. */
static int add_key_cond(qx_t *q, const char *name, int op, const cJSON *v1, const cJSON *v2, int *seen_h, int *seen_r)
{
    const keydef_t *kd;
    int is_hash;
    if (!strcmp(name, q->hk->name)) { kd = q->hk; is_hash = 1; }
    else if (q->rk && !strcmp(name, q->rk->name)) { kd = q->rk; is_hash = 0; }
    else return err_validation(&q->r->err, MSG_MISSED);
    if (is_hash ? *seen_h : *seen_r)
        return err_validation(&q->r->err, "KeyConditionExpressions must only contain one condition per key");
    if (is_hash && op != RK_EQ)
        return err_validation(&q->r->err, "Query key condition not supported");
    const cJSON *a, *b = NULL;
    if (!key_type_ok(v1, kd->type, &a) || (v2 && !key_type_ok(v2, kd->type, &b)))
        return err_validation(&q->r->err, MSG_TYPE);
    if (is_hash) {
        *seen_h = 1;
        return encode(kd, a, &q->kc.hash, &q->r->err);
    }
    *seen_r = 1;
    q->kc.rop = op;
    if (encode(kd, a, &q->kc.a, &q->r->err) < 0) return -1;
    if (b && encode(kd, b, &q->kc.b, &q->r->err) < 0) return -1;
    if (op == RK_BETWEEN && kcmp(&q->kc.a, &q->kc.b) > 0) {
        const cJSON *x = v1->child, *y = v2->child;
        return err_validation(&q->r->err, "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to "
                              "be greater than or equal to lower bound; lower bound operand: AttributeValue: {%s:%s}, "
                              "upper bound operand: AttributeValue: {%s:%s}", x->string, x->valuestring,
                              y->string, y->valuestring);
    }
    return 0;
}

static const char *path_name(const expr_node_t *n)
{
    if (!n || n->kind != EN_PATH || n->path.n != 1 || !n->path.el[0].name) return NULL;
    return n->path.el[0].name;
}

/* The operands of one key condition: no functions, no document paths, one key attribute
 * (tests/e2e/test_query_scan.py size-fn, nested-path, value-vs-value). */
static int key_operands(qx_t *q, const expr_node_t *n)
{
    int paths = 0;
    for (int i = 0; i < n->nargs; i++) {
        const expr_node_t *a = n->args[i];
        if (a->kind != EN_PATH && a->kind != EN_VALUE)
            return err_validation(&q->r->err, "KeyConditionExpressions cannot contain nested operations");
        if (a->kind == EN_PATH && path_name(a)) paths++;
        else if (a->kind == EN_PATH)
            return err_validation(&q->r->err, "Key attributes must be scalars; list random access '[]' and map lookup "
                                  "'.' are not allowed: Key: %s", a->path.el[0].name ? a->path.el[0].name : "");
    }
    if (!paths) return err_validation(&q->r->err, "Invalid condition in KeyConditionExpression: No key attribute specified");
    return 0;
}

/* One comparison, BETWEEN or begins_with of a KeyConditionExpression. */
static int key_leaf(qx_t *q, const expr_node_t *n, int *sh, int *sr)
{
    if (n->kind == EN_CMP) {
        static const int ops[] = {[TK_EQ] = RK_EQ, [TK_LT] = RK_LT, [TK_LE] = RK_LE, [TK_GT] = RK_GT, [TK_GE] = RK_GE};
        static const int flip[] = {[RK_EQ] = RK_EQ, [RK_LT] = RK_GT, [RK_LE] = RK_GE, [RK_GT] = RK_LT, [RK_GE] = RK_LE};
        if (n->op == TK_NE) return err_validation(&q->r->err, "Invalid operator used in KeyConditionExpression: <>");
        const expr_node_t *l = n->args[0], *rr = n->args[1];
        int op = ops[n->op];
        if (key_operands(q, n) < 0) return -1;
        if (!path_name(l) && path_name(rr)) { const expr_node_t *tmp = l; l = rr; rr = tmp; op = flip[op]; }
        if (!path_name(l) || rr->kind != EN_VALUE) return err_validation(&q->r->err, MSG_MISSED);
        return add_key_cond(q, path_name(l), op, rr->value, NULL, sh, sr);
    }
    if (n->kind == EN_BETWEEN) {
        if (key_operands(q, n) < 0) return -1;
        if (!path_name(n->args[0]) || n->args[1]->kind != EN_VALUE || n->args[2]->kind != EN_VALUE)
            return err_validation(&q->r->err, MSG_MISSED);
        return add_key_cond(q, path_name(n->args[0]), RK_BETWEEN, n->args[1]->value, n->args[2]->value, sh, sr);
    }
    if (n->kind == EN_FUNC && n->func == EF_BEGINS_WITH && n->nargs == 2) {
        if (key_operands(q, n) < 0) return -1;
        if (!path_name(n->args[0]) || n->args[1]->kind != EN_VALUE) return err_validation(&q->r->err, MSG_MISSED);
        const cJSON *v;
        const char *ty = av_type(n->args[1]->value, &v);
        if (ty && strcmp(ty, "S") && strcmp(ty, "B"))
            return err_validation(&q->r->err, "Invalid KeyConditionExpression: Incorrect operand type for operator or "
                                  "function; operator or function: begins_with, operand type: %s", ty);
        return add_key_cond(q, path_name(n->args[0]), RK_BEGINS, n->args[1]->value, NULL, sh, sr);
    }
    if (n->kind == EN_OR) return err_validation(&q->r->err, "Invalid operator used in KeyConditionExpression: OR");
    if (n->kind == EN_NOT) return err_validation(&q->r->err, "Invalid operator used in KeyConditionExpression: NOT");
    if (n->kind == EN_IN) return err_validation(&q->r->err, "Invalid operator used in KeyConditionExpression: IN");
    if (n->kind == EN_FUNC)
        return err_validation(&q->r->err, "Invalid operator used in KeyConditionExpression: %s",
                              n->func == EF_ATTRIBUTE_EXISTS ? "attribute_exists" : n->func == EF_ATTRIBUTE_NOT_EXISTS ?
                              "attribute_not_exists" : n->func == EF_CONTAINS ? "contains" : n->func == EF_ATTRIBUTE_TYPE ?
                              "attribute_type" : "size");
    return err_validation(&q->r->err, MSG_MISSED);
}

/* Finds OR/NOT anywhere first (DynamoDB Local reports the operator before the key schema). */
static int find_bad_op(qx_t *q, const expr_node_t *n)
{
    if (!n) return 0;
    if (n->kind == EN_OR) return err_validation(&q->r->err, "Invalid operator used in KeyConditionExpression: OR");
    if (n->kind == EN_NOT) return err_validation(&q->r->err, "Invalid operator used in KeyConditionExpression: NOT");
    for (int i = 0; i < n->nargs; i++)
        if (find_bad_op(q, n->args[i]) < 0) return -1;
    return 0;
}

/* The leaves of a chain of ANDs, left to right (a third leaf repeats a key:
 * tests/e2e/test_query_scan.py two-sk). */
static int key_and(qx_t *q, const expr_node_t *n, int *sh, int *sr)
{
    if (n->kind != EN_AND) return key_leaf(q, n, sh, sr);
    return key_and(q, n->args[0], sh, sr) < 0 ? -1 : key_and(q, n->args[1], sh, sr);
}

static int key_from_expr(qx_t *q, const expr_t *x)
{
    int sh = 0, sr = 0;
    const expr_node_t *n = x->root;
    if (find_bad_op(q, n) < 0) return -1;
    if (n->kind == EN_AND) {
        /* a hash-only key has no second condition (test_query_hash_only_table_range_condition) */
        if (!q->rk) return err_validation(&q->r->err, "Query key condition not supported");
        if (key_and(q, n, &sh, &sr) < 0) return -1;
    } else if (key_leaf(q, n, &sh, &sr) < 0) {
        return -1;
    }
    if (!sh) return err_validation(&q->r->err, MSG_MISSED);
    return 0;
}

/* Legacy KeyConditions: {attr: {ComparisonOperator, AttributeValueList}}. */
static int key_from_legacy(qx_t *q, cJSON *kc)
{
    static const struct { const char *name; int op, nargs; } OPS[] = {
        {"EQ", RK_EQ, 1}, {"LT", RK_LT, 1}, {"LE", RK_LE, 1}, {"GT", RK_GT, 1}, {"GE", RK_GE, 1},
        {"BETWEEN", RK_BETWEEN, 2}, {"BEGINS_WITH", RK_BEGINS, 1},
    };
    int sh = 0, sr = 0, n = cJSON_GetArraySize(kc);
    if (n < 1 || n > 2) return err_validation(&q->r->err, "Conditions can be of length 1 or 2 only");
    for (cJSON *c = kc->child; c; c = c->next) {
        const char *opname = jstr(c, "ComparisonOperator");
        cJSON *vals = jget(c, "AttributeValueList");
        if (!opname) return err_validation(&q->r->err, "Value null at 'keyConditions.%s.member.comparisonOperator' failed to satisfy constraint: Member must not be null", c->string);
        int op = -1, nargs = 0;
        for (size_t i = 0; i < sizeof OPS / sizeof OPS[0]; i++)
            if (!strcmp(OPS[i].name, opname)) { op = OPS[i].op; nargs = OPS[i].nargs; }
        if (op < 0) {
            static const char *const known[] = {"NE", "IN", "CONTAINS", "NOT_CONTAINS", "NULL", "NOT_NULL", NULL};
            int k = 0;
            while (known[k] && strcmp(known[k], opname)) k++;
            if (!known[k]) return err_validation(&q->r->err, "Comparison type does not exist in DynamoDB");
            if (!strcmp(opname, "NULL") || !strcmp(opname, "NOT_NULL"))
                return err_validation(&q->r->err, "Only scalar types can be used as Range Key values");
            return err_validation(&q->r->err, "Attempted conditional constraint is not an indexable operation");
        }
        if (!cJSON_IsArray(vals) || cJSON_GetArraySize(vals) != nargs)
            return err_validation(&q->r->err, "One or more parameter values were invalid: Invalid number of argument(s) "
                                  "for the %s ComparisonOperator", opname);
        for (cJSON *v = vals->child; v; v = v->next)
            if (av_check(v, 1, &q->r->err) < 0) return -1;
        if (op == RK_BEGINS) {
            const cJSON *v;
            const char *ty = av_type(vals->child, &v);
            if (ty && strcmp(ty, "S") && strcmp(ty, "B"))
                return err_validation(&q->r->err, "One or more parameter values were invalid: ComparisonOperator "
                                      "BEGINS_WITH is not valid for %s AttributeValue type", ty);
        }
        if (add_key_cond(q, c->string, op, vals->child, nargs == 2 ? vals->child->next : NULL, &sh, &sr) < 0) return -1;
    }
    if (!sh) return err_validation(&q->r->err, MSG_MISSED);
    return 0;
}

/* Query filters may not name the key attributes of the table or the index read
 * (cases.json: query-filter-on-key). */
static int filter_key_attr(const qx_t *q, const expr_node_t *n, const char **hit)
{
    if (!n) return 0;
    const char *name = n->kind == EN_PATH && n->path.n ? n->path.el[0].name : NULL;
    if (name && (!strcmp(name, q->hk->name) || (q->rk && !strcmp(name, q->rk->name)))) { *hit = name; return 1; }
    for (int i = 0; i < n->nargs; i++)
        if (filter_key_attr(q, n->args[i], hit)) return 1;
    return 0;
}

/* ---- reading ------------------------------------------------------------------------------- */

/* Writes the attributes of item that the index projects (Select ALL_PROJECTED_ATTRIBUTES). */
static void write_projected(qx_t *q, sb_t *sb, const cJSON *item)
{
    if (!q->ix || !strcmp(proj_type(q->ix), "ALL")) { item_write(sb, item); return; }
    cJSON *m = cJSON_CreateObject();
    for (const cJSON *a = item->child; a; a = a->next)
        if (projected(q, a->string)) cJSON_AddItemReferenceToObject(m, a->string, (cJSON *)a);
    item_write(sb, m);
    cJSON_Delete(m);
}

/* Keeps a copy of the stored JSON of the row just scanned (LastEvaluatedKey). */
static void keep_last(qx_t *q, const char *json, size_t len)
{
    sb_reset(&q->last);
    sb_add(&q->last, json, len);
    q->last_in_items = 0;
}

static int on_row(void *ctx, const char *json, size_t len, int64_t size)
{
    qx_t *q = ctx;
    /* the page is full: it ends before this row, which exists (test_one_mb_page_limit
     * exact-at-end: a page filled by the last item has no LastEvaluatedKey) */
    if (q->page_bytes >= PAGE_BYTES) { q->stopped = 1; return 1; }
    if (q->raw && (q->select == SEL_COUNT || q->ours || item_is_canonical(json, len))) {
        /* the fast path: the row is written as stored, unparsed */
        q->scanned++;
        q->bytes += size;
        if (q->fetch) q->fetch_units += ceil((double)(size ? size : 1) / 4096.0);
        q->count++;
        q->page_bytes += size;
        if (q->select != SEL_COUNT) {
            sb_t *b = q->items;          /* the separating comma and the row, one growth check */
            sb_grow(b, len + 1);
            if (q->count > 1) b->buf[b->len++] = ',';
            q->last_off = b->len;
            q->last_len = len;
            q->last_in_items = 1;
            memcpy(b->buf + b->len, json, len);
            b->len += len;
            b->buf[b->len] = 0;
        } else {
            keep_last(q, json, len);
        }
        if (q->limit >= 0 && q->scanned >= q->limit) { q->stopped = 1; return 1; }
        return 0;
    }
    keep_last(q, json, len);
    cJSON *item = json_parse(json, len, NULL);
    if (!item) return err_set(&q->r->err, ERR_INTERNAL, "The request processing has failed because of an unknown "
                              "error, exception or failure. (unreadable ObjectJSON in %s)", q->t->name);
    q->scanned++;
    q->bytes += size;
    if (q->fetch) q->fetch_units += ceil((double)(size ? size : 1) / 4096.0);
    int pass = 1;
    if (q->filter) {
        pass = expr_eval_cond(q->filter, item, &q->r->err);
        if (pass < 0) { cJSON_Delete(item); return -1; }
    }
    if (pass) {
        q->count++;
        q->page_bytes += size;
        if (q->select != SEL_COUNT) {
            if (q->count > 1) sb_putc(q->items, ',');
            if (q->atg) {
                item_write_only(q->items, item, q->atg);
            } else if (q->proj) {
                cJSON *p = expr_project(q->proj, item);
                item_write(q->items, p);
                cJSON_Delete(p);
            } else if (q->select == SEL_PROJECTED) {
                write_projected(q, q->items, item);
            } else {
                item_write(q->items, item);
            }
        }
    }
    cJSON_Delete(item);
    if (q->limit >= 0 && q->scanned >= q->limit) { q->stopped = 1; return 1; }
    return 0;
}

/* The GSI tie-breaker column of §10.3 (NULL: none). */
static const char *gsi_tie(const table_t *t, const index_def_t *ix)
{
    int has_h = !strcmp(ix->hash.name, t->hash.name) || (ix->range.name && !strcmp(ix->range.name, t->hash.name));
    int has_r = t->range.name && (!strcmp(ix->hash.name, t->range.name) ||
                                  (ix->range.name && !strcmp(ix->range.name, t->range.name)));
    if (!t->range.name) return has_h ? NULL : "hashValue";
    if (has_h && has_r) return NULL;
    if (has_h) return "rangeValue";
    if (has_r) return "hashValue";
    return t->has_hrv ? "hashRangeValue" : "hashValue";
}

/* The start position values, for the ORDER BY columns of rs, from the ExclusiveStartKey. */
typedef struct startpos {
    rowkey_t k;
    kval_t ih, ir;               /* index key values */
} startpos_t;

static const unsigned char *col_value(const startpos_t *sp, const qx_t *q, const char *col, size_t *n)
{
    if (!strcmp(col, "hashValue")) { *n = 20; return sp->k.hv; }
    if (!strcmp(col, "rangeValue")) { *n = 20; return sp->k.rv; }
    if (!strcmp(col, "hashRangeValue")) { *n = 20; return sp->k.hrv; }
    if (!strcmp(col, "hashKey")) { *n = sp->k.hk_len; return sp->k.hk; }
    if (!strcmp(col, "rangeKey")) { *n = sp->k.rk_len; return sp->k.rk; }
    if (q->ix && q->ix->hash.col && !strcmp(col, q->ix->hash.col)) { *n = sp->ih.n; return sp->ih.b; }
    *n = sp->ir.n;
    return sp->ir.b;
}

/* ExclusiveStartKey: the table key plus, for an index, the index key; checked as DynamoDB
 * Local checks it (sizes, then the attributes, then the key condition). */
static int check_start_key(qx_t *q, cJSON *esk, startpos_t *sp)
{
    const char *names[4] = {0};
    int n = 0;
    const keydef_t *kds[4] = {&q->t->hash, q->t->range.name ? &q->t->range : NULL,
                              q->ix ? &q->ix->hash : NULL, q->ix && q->ix->range.name ? &q->ix->range : NULL};
    for (int i = 0; i < 4; i++) {
        if (!kds[i]) continue;
        int dup = 0;
        for (int j = 0; j < n; j++) if (!strcmp(names[j], kds[i]->name)) dup = 1;
        if (!dup) names[n++] = kds[i]->name;
    }
    if (av_check_map(esk, 0, &q->r->err) < 0) return -1;
    if (cJSON_GetArraySize(esk) != n)
        return err_validation(&q->r->err, "Exclusive Start Key must have same size as table's key schema");
    for (int i = 0; i < 4; i++) {
        if (!kds[i]) continue;
        const cJSON *av = jget(esk, kds[i]->name), *v;
        if (!av) return err_validation(&q->r->err, "The provided starting key is invalid");
        if (!key_type_ok(av, kds[i]->type, &v))
            return err_validation(&q->r->err, "Type mismatch for attribute to update");
    }
    err_t e2 = {0};
    if (key_extract(q->t, esk, KEY_HASH, &sp->k, &e2) < 0) {
        err_fini(&e2);
        return err_validation(&q->r->err, "The provided starting key is invalid");
    }
    if (q->ix) {
        const cJSON *v;
        key_type_ok(jget(esk, q->ix->hash.name), q->ix->hash.type, &v);
        if (encode(&q->ix->hash, v, &sp->ih, &q->r->err) < 0) return -1;
        if (q->ix->range.name) {
            key_type_ok(jget(esk, q->ix->range.name), q->ix->range.type, &v);
            if (encode(&q->ix->range, v, &sp->ir, &q->r->err) < 0) return -1;
        }
    }
    if (q->query) {
        const cJSON *v;
        kval_t hv, rv;
        key_type_ok(jget(esk, q->hk->name), q->hk->type, &v);
        if (encode(q->hk, v, &hv, &q->r->err) < 0) return -1;
        int ok = kcmp(&hv, &q->kc.hash) == 0;
        if (ok && q->rk && q->kc.rop) {
            key_type_ok(jget(esk, q->rk->name), q->rk->type, &v);
            if (encode(q->rk, v, &rv, &q->r->err) < 0) return -1;
            ok = in_range(&q->kc, &rv);
        }
        if (!ok) return err_validation(&q->r->err, "The provided starting key does not match the range key predicate");
    }
    return 0;
}

/* floor(i * (2^160 - 1) / n) as 20 big-endian bytes (§10.10). */
static void segment_bound(uint32_t i, uint32_t n, unsigned char out[20])
{
    uint32_t prod[6];
    uint64_t carry = 0;
    for (int k = 5; k >= 1; k--) {           /* 0xffffffff limbs times i, low limb last */
        uint64_t v = (uint64_t)0xffffffffu * i + carry;
        prod[k] = (uint32_t)v;
        carry = v >> 32;
    }
    prod[0] = (uint32_t)carry;
    uint64_t rem = 0;
    uint32_t quo[6];
    for (int k = 0; k < 6; k++) {
        uint64_t cur = (rem << 32) | prod[k];
        quo[k] = (uint32_t)(cur / n);
        rem = cur % n;
    }
    for (int k = 1; k < 6; k++)
        for (int b = 0; b < 4; b++) out[(k - 1) * 4 + b] = (unsigned char)(quo[k] >> (24 - 8 * b));
}

/* Builds the read of q and runs it. */
static int run(qx_t *q, cJSON *esk, int forward, int seg, int total)
{
    range_spec_t rs;
    memset(&rs, 0, sizeof rs);
    rs.limit = -1;
    rs.desc = !forward;
    const table_t *t = q->t;
    const index_def_t *ix = q->ix;
    if (q->query) {
        rs.hcol = ix ? ix->hash.col : "hashKey";
        rs.hk = q->kc.hash.b;
        rs.hk_len = q->kc.hash.n;
        if (ix && ix->range.col) rs.ord[rs.nord++] = ix->range.col;
        else if (!ix && t->range.name) rs.ord[rs.nord++] = "rangeKey";
        if (ix && !ix->gsi && ix->range.col && strcmp(ix->range.col, "rangeKey")) rs.ord[rs.nord++] = "rangeValue";
        if (ix && ix->gsi && gsi_tie(t, ix) && rs.nord < 2) rs.ord[rs.nord++] = gsi_tie(t, ix);
        if (ix && ix->range.col) rs.notnull[rs.nnotnull++] = ix->range.col;
        switch (q->kc.rop) {
        case RK_EQ: rs.lo_op = rs.hi_op = 1; rs.lo = rs.hi = q->kc.a.b; rs.lo_len = rs.hi_len = q->kc.a.n; break;
        case RK_LT: rs.hi_op = 2; rs.hi = q->kc.a.b; rs.hi_len = q->kc.a.n; break;
        case RK_LE: rs.hi_op = 1; rs.hi = q->kc.a.b; rs.hi_len = q->kc.a.n; break;
        case RK_GT: rs.lo_op = 2; rs.lo = q->kc.a.b; rs.lo_len = q->kc.a.n; break;
        case RK_GE: rs.lo_op = 1; rs.lo = q->kc.a.b; rs.lo_len = q->kc.a.n; break;
        case RK_BETWEEN:
            rs.lo_op = rs.hi_op = 1;
            rs.lo = q->kc.a.b; rs.lo_len = q->kc.a.n;
            rs.hi = q->kc.b.b; rs.hi_len = q->kc.b.n;
            break;
        case RK_BEGINS: {
            rs.lo_op = 1; rs.lo = q->kc.a.b; rs.lo_len = q->kc.a.n;
            /* the smallest value above every string with the prefix: strip trailing FF bytes,
             * increment the last; no upper bound when the prefix is all FF (or empty) */
            memcpy(q->kc.b.b, q->kc.a.b, q->kc.a.n);
            size_t n = q->kc.a.n;
            while (n && q->kc.b.b[n - 1] == 0xff) n--;
            if (n) { q->kc.b.b[n - 1]++; rs.hi_op = 2; rs.hi = q->kc.b.b; rs.hi_len = n; }
            break;
        }
        default: break;
        }
    } else if (ix && !ix->gsi) {
        /* an LSI scan: partitions in the table's scan order, then the index key, then the
         * table sort key (cases: ix-scan-lsi-*) */
        rs.ord[rs.nord++] = "hashValue";
        if (ix->range.col && strcmp(ix->range.col, "rangeKey")) rs.ord[rs.nord++] = ix->range.col;
        rs.ord[rs.nord++] = "rangeKey";
        if (ix->range.col) rs.notnull[rs.nnotnull++] = ix->range.col;
    } else if (ix) {
        rs.ord[rs.nord++] = ix->hash.col;
        if (ix->range.col) rs.ord[rs.nord++] = ix->range.col;
        const char *tie = ix->gsi ? gsi_tie(t, ix) : "rangeValue";
        if (tie) rs.ord[rs.nord++] = tie;
        rs.notnull[rs.nnotnull++] = ix->hash.col;
        if (ix->range.col) rs.notnull[rs.nnotnull++] = ix->range.col;
    } else {
        rs.ord[rs.nord++] = "hashValue";
        if (t->range.name) rs.ord[rs.nord++] = "rangeKey";
    }
    unsigned char lo[20], hi[20];
    if (total > 1) {
        segment_bound((uint32_t)seg, (uint32_t)total, lo);
        rs.seg_lo = lo;
        if (seg + 1 < total) { segment_bound((uint32_t)seg + 1, (uint32_t)total, hi); rs.seg_hi = hi; }
    }
    startpos_t sp;
    if (esk) {
        if (check_start_key(q, esk, &sp) < 0) return -1;
        if ((rs.seg_lo && memcmp(sp.k.hv, rs.seg_lo, 20) < 0) || (rs.seg_hi && memcmp(sp.k.hv, rs.seg_hi, 20) >= 0))
            return err_validation(&q->r->err, "Exclusive start key must lie within the segment");
        if (rs.nord == 0) return 0;        /* a one-item partition: nothing after its key */
        rs.has_start = 1;
        for (int i = 0; i < rs.nord; i++) rs.start[i] = col_value(&sp, q, rs.ord[i], &rs.start_len[i]);
    }
    if (q->limit >= 0) rs.limit = q->limit;
    return index_range(q->r->st, t, &rs, on_row, q, &q->r->err);
}

/* Writes the LastEvaluatedKey from the last scanned item: table sort key, index keys, table
 * partition key, in that member order (DynamoDB Local: {sk, g, pk} for a GSI on g, {sk, l, pk}
 * for an LSI on l; tests/e2e/test_query_scan.py). */
static void write_last_key(qx_t *q, sb_t *sb)
{
    const keydef_t *kds[4] = {q->t->range.name ? &q->t->range : NULL, q->ix ? &q->ix->hash : NULL,
                              q->ix && q->ix->range.name ? &q->ix->range : NULL, &q->t->hash};
    const char *done[4];
    int n = 0;
    cJSON *last = q->last_in_items ? json_parse(q->items->buf + q->last_off, q->last_len, NULL)
                                   : json_parse(q->last.buf, q->last.len, NULL);
    if (!last) return;                   /* parsed once already */
    sb_puts(sb, ",\"LastEvaluatedKey\":{");
    for (int i = 0; i < 4; i++) {
        if (!kds[i]) continue;
        int dup = 0;
        for (int j = 0; j < n; j++) if (!strcmp(done[j], kds[i]->name)) dup = 1;
        if (i < 3 && !strcmp(kds[i]->name, q->t->hash.name)) dup = 1;   /* the partition key goes last */
        const cJSON *av = jget(last, kds[i]->name);
        if (dup || !av) continue;
        if (n) sb_putc(sb, ',');
        done[n++] = kds[i]->name;
        sb_json_str(sb, kds[i]->name, strlen(kds[i]->name));
        sb_putc(sb, ':');
        const cJSON *v;
        const char *ty = av_type(av, &v);     /* a key value: S, N or B */
        sb_printf(sb, "{\"%s\":", ty);
        sb_json_str(sb, v->valuestring, strlen(v->valuestring));
        sb_putc(sb, '}');
    }
    sb_putc(sb, '}');
    cJSON_Delete(last);
}

static void write_capacity(qx_t *q, sb_t *sb)
{
    double f = q->consistent ? 1.0 : 0.5;
    double units = ceil((double)q->bytes / 4096.0) * f;
    double table = q->ix ? q->fetch_units * f : units;
    double total = q->ix ? units + table : units;
    sb_puts(sb, ",\"ConsumedCapacity\":{\"TableName\":");
    sb_json_str(sb, q->t->name, strlen(q->t->name));
    sb_puts(sb, ",\"CapacityUnits\":");
    item_put_units(sb, total);
    if (q->cap == 2) {
        sb_puts(sb, ",\"Table\":{\"CapacityUnits\":");
        item_put_units(sb, table);
        sb_putc(sb, '}');
        if (q->ix) {
            sb_puts(sb, q->ix->gsi ? ",\"GlobalSecondaryIndexes\":{" : ",\"LocalSecondaryIndexes\":{");
            sb_json_str(sb, q->ix->name, strlen(q->ix->name));
            sb_puts(sb, ":{\"CapacityUnits\":");
            item_put_units(sb, units);
            sb_puts(sb, "}}");
        }
    }
    sb_putc(sb, '}');
}

static void write_response(qx_t *q)
{
    sb_t *out = &q->r->out;
    if (q->select != SEL_COUNT) sb_puts(out, "],");
    sb_printf(out, "\"Count\":%d,\"ScannedCount\":%d", q->count, q->scanned);
    if (q->stopped && (q->last_in_items || q->last.len)) write_last_key(q, out);
    if (q->cap) write_capacity(q, out);
    sb_putc(out, '}');
}

/* Parses the expressions of the request (after the maps are checked) and the legacy filter. */
static int parse_exprs(qx_t *q)
{
    cJSON *in = q->r->in;
    const char *kce = jstr(in, "KeyConditionExpression"), *fe = jstr(in, "FilterExpression"),
               *pe = jstr(in, "ProjectionExpression");
    if (expr_check_maps(&q->env, &q->r->err) < 0) return -1;
    expr_t *kx = NULL;
    if (q->query && kce && !(kx = expr_parse(&q->env, EXPR_KEY_CONDITION, kce, &q->r->err))) return -1;
    if (fe && !(q->filter = expr_parse(&q->env, EXPR_FILTER, fe, &q->r->err))) return -1;
    if (pe && !(q->proj = expr_parse(&q->env, EXPR_PROJECTION, pe, &q->r->err))) return -1;
    if (expr_check_unused(&q->env, &q->r->err) < 0) return -1;
    if (kx && key_from_expr(q, kx) < 0) return -1;
    const char *hit = NULL;
    if (q->query && q->filter && filter_key_attr(q, q->filter->root, &hit))
        return err_validation(&q->r->err, "Filter Expression can only contain non-primary key attributes: Primary key "
                              "attribute: %s", hit);
    const char *fname = q->query ? "QueryFilter" : "ScanFilter";
    const cJSON *lf = jget(in, fname);
    if (lf) {
        if (q->query)
            for (const cJSON *c = lf->child; c; c = c->next)
                if (!strcmp(c->string, q->hk->name) || (q->rk && !strcmp(c->string, q->rk->name)))
                    return err_validation(&q->r->err, "QueryFilter can only contain non-primary key attributes: "
                                          "Primary key attribute: %s", c->string);
        if (lf->child && !(q->filter = expr_from_expected(&q->env, lf, jstr(in, "ConditionalOperator"), &q->r->err)))
            return -1;
    }
    return 0;
}

/*
 * Query, checks in this order (tests/e2e/test_query_scan.py; cases.json query-*):
 *   1. TableName, IndexName format   2. Select value   3. Limit   4. expression and
 *   non-expression parameters mixed, maps without expressions   5. Select against projections
 *   6. AttributesToGet   7. the table exists   8. the index exists   9. ConsistentRead on a GSI
 *  10. a key condition given   11. maps, expressions, unused names and values, the key
 *   condition against the schema   12. Select/projection against the index projection
 *  13. ReturnConsumedCapacity   14. ExclusiveStartKey
 */
static int query_or_scan(req_t *r, int query)
{
    qx_t q;
    memset(&q, 0, sizeof q);
    q.r = r;
    q.query = query;
    cJSON *in = r->in;
    const char *name = jstr(in, "TableName");
    q.atg = jget(in, "AttributesToGet");
    q.consistent = cJSON_IsTrue(jget(in, "ConsistentRead"));
    int seg = 0, total = 0;
    if (check_table_name(name, &r->err) < 0) return -1;
    if (check_param_kinds(&q) < 0) return -1;
    if (check_limit(&q) < 0) return -1;
    if (!query) {
        const cJSON *sg = jget(in, "Segment"), *ts = jget(in, "TotalSegments");
        if (sg && !ts) return err_validation(&r->err, "If segment is specified, total segment must also be specified");
        if (ts && !sg)
            return err_validation(&r->err, "If total segments is specified, a particular segment must also be specified "
                                  "for this request");
        if (sg) {
            seg = (int)sg->valuedouble;
            total = (int)ts->valuedouble;
            if (seg < 0 || seg >= total)
                return err_validation(&r->err, "1 validation error detected: Value '%d' at 'segment' failed to satisfy "
                                      "constraint: Member must have value less than or equal to %d", seg, total - 1);
            if (total > 1000000)
                return err_validation(&r->err, "1 validation error detected: Value '%d' at 'totalSegments' failed to "
                                      "satisfy constraint: Member must have value less than or equal to 1000000", total);
        }
    }
    if (check_attributes_to_get(&q) < 0) return -1;
    if (require_table(r, name, &q.t) < 0) return -1;
    if (find_index(&q) < 0) return -1;
    if (q.ix && q.ix->gsi && q.consistent)
        return err_validation(&r->err, "Consistent read cannot be true when %s a GSI", query ? "querying" : "scanning");
    cJSON *kc = jget(in, "KeyConditions");
    if (query && !kc && !jget(in, "KeyConditionExpression"))
        return err_validation(&r->err, "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.");
    q.items = &r->out;
    sb_init(&q.last);
    expr_env_init(&q.env, jget(in, "ExpressionAttributeNames"), jget(in, "ExpressionAttributeValues"));
    int rc = -1;
    if (parse_exprs(&q) < 0) goto done;
    if (query && kc && key_from_legacy(&q, kc) < 0) goto done;
    if (check_select(&q) < 0) goto done;
    if (check_index_select(&q) < 0) goto done;
    if (item_capacity_mode(r, &q.cap) < 0) goto done;   /* its odd message: test_query_scan.py bogus-return-consumed-capacity */
    q.raw = !q.filter && (q.select == SEL_COUNT || (!q.atg && !q.proj && (q.select == SEL_ALL ||
            (q.select == SEL_PROJECTED && (!q.ix || !strcmp(proj_type(q.ix), "ALL"))))));
    q.ours = store_rows_ours(r->st);
    /* the rows go straight into the answer (an error discards it) */
    sb_putc(&r->out, '{');
    if (q.select != SEL_COUNT) sb_puts(&r->out, "\"Items\":[");
    const cJSON *sif = jget(in, "ScanIndexForward");
    if (run(&q, jget(in, "ExclusiveStartKey"), !sif || cJSON_IsTrue(sif), seg, total) < 0) goto done;
    write_response(&q);
    rc = 0;
done:
    expr_env_fini(&q.env);
    sb_fini(&q.last);
    return rc;
}

int op_query(req_t *r)
{
    return query_or_scan(r, 1);
}

/* Scan: the checks of Query without the key condition, plus Segment/TotalSegments after Limit
 * (cases.json scan-segment-*). */
int op_scan(req_t *r)
{
    return query_or_scan(r, 0);
}
