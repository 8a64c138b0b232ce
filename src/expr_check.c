/*
 * expr_check.c: the semantic pass over a parsed expression, and the request-wide checks of
 * ExpressionAttributeNames / ExpressionAttributeValues.
 *
 * The tree is walked in pre-order, as DynamoDB Local's ANTLR listener walks it: a function's
 * name is checked on entry (so "foo(name)" reports the function before the reserved word),
 * path elements and placeholders as they are met, operand counts and literal operand types on
 * exit. Update expressions then check repeated sections and overlapping or conflicting paths;
 * after every expression of a request, expr_check_unused() reports unused names and values in
 * java.util.HashSet order (test_expr.c, cases.json #37 #38).
 */
#include "expr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct expr_chunk {
    struct expr_chunk *next;
    size_t used, cap;
    max_align_t data[];
};

/* One standard-size chunk is kept between requests (per thread), so a request whose
 * expressions fit in 4 KiB allocates nothing: malloc/free of the arena was the largest single
 * cost of a hot-key UpdateItem. */
#define CHUNK_CAP 4096
static _Thread_local expr_chunk_t *spare;

void *expr_alloc(expr_env_t *env, size_t n)
{
    n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    expr_chunk_t *c = env->arena;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > CHUNK_CAP ? n : CHUNK_CAP;
        if (cap == CHUNK_CAP && spare) {
            c = spare;
            spare = NULL;
        } else {
            c = xmalloc(sizeof *c + cap);
        }
        c->next = env->arena;
        c->used = 0;
        c->cap = cap;
        env->arena = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

void expr_env_init(expr_env_t *env, const cJSON *names, const cJSON *values)
{
    memset(env, 0, sizeof *env);
    env->names = names;
    env->values = values;
    env->nnames = names ? cJSON_GetArraySize(names) : 0;
    env->nvalues = values ? cJSON_GetArraySize(values) : 0;
    if (env->nnames) env->name_used = expr_alloc(env, (size_t)env->nnames);
    if (env->nvalues) env->value_used = expr_alloc(env, (size_t)env->nvalues);
}

void expr_env_fini(expr_env_t *env)
{
    for (expr_chunk_t *c = env->arena, *next; c; c = next) {
        next = c->next;
        if (!spare && c->cap == CHUNK_CAP) spare = c;
        else free(c);
    }
    env->arena = NULL;
}

/* '#' or ':' followed by one or more of [A-Za-z0-9_]. */
static int valid_key(const char *k, char sigil)
{
    if (k[0] != sigil || !k[1]) return 0;
    for (const char *p = k + 1; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return 0;
    return 1;
}

int expr_check_maps(expr_env_t *env, err_t *e)
{
    if (env->names && !env->names->child)
        return err_validation(e, "ExpressionAttributeNames must not be empty");
    if (env->values && !env->values->child)
        return err_validation(e, "ExpressionAttributeValues must not be empty");
    if (env->names) {
        for (const cJSON *j = env->names->child; j; j = j->next) {
            if (!valid_key(j->string, '#'))
                return err_validation(e, "ExpressionAttributeNames contains invalid key: Syntax error; key: \"%s\"", j->string);
            if (!cJSON_IsString(j))
                return err_set(e, ERR_SERIALIZATION, "Expected a string in ExpressionAttributeNames");
            if (!j->valuestring[0])
                return err_validation(e, "ExpressionAttributeNames contains invalid value: Empty attribute name for key %s", j->string);
        }
    }
    if (env->values) {
        for (cJSON *j = env->values->child; j; j = j->next) {
            if (!valid_key(j->string, ':'))
                return err_validation(e, "ExpressionAttributeValues contains invalid key: Syntax error; key: \"%s\"", j->string);
        }
        for (cJSON *j = env->values->child; j; j = j->next) {
            err_t sub = {0};
            const cJSON *tv = NULL;
            const char *type = cJSON_IsObject(j) ? av_type(j, &tv) : NULL;
            /* numbers are kept as sent (SET n = :d stores the text of :d): checked at depth 2 */
            int depth = type && type[0] == 'N' && type[1] != 'U' ? 2 : 1;
            if (cJSON_IsNull(j)) {
                err_validation(&sub, "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
            } else {
                av_check(j, depth, &sub);
            }
            if (sub.code != ERR_NONE) {
                if (sub.code == ERR_VALIDATION)
                    err_validation(e, "ExpressionAttributeValues contains invalid value: %s for key %s", sub.msg, j->string);
                else
                    err_set(e, sub.code, "%s", sub.msg);
                err_fini(&sub);
                return -1;
            }
        }
    }
    return 0;
}

/* ---- the tree walk ---------------------------------------------------------------------- */

typedef struct checker {
    expr_env_t *env;
    expr_t *x;
    err_t *e;
} checker_t;

static int invalid(checker_t *c, const char *fmt, const char *detail, int len)
{
    return err_validation(c->e, "Invalid %s: %s; %.*s", expr_kind_name(c->x->kind), fmt, len, detail);
}

static const char *tok_text(const checker_t *c, int tok, int *len)
{
    *len = c->x->toks[tok].len;
    return c->x->text + c->x->toks[tok].pos;
}

/* Pass A: reserved words of plain names (their text becomes the element's name). */
static int reserved_path(checker_t *c, expr_path_t *p)
{
    for (int k = 0; k < p->n; k++) {
        expr_pel_t *el = &p->el[k];
        if (el->index >= 0 || c->x->toks[el->tok].kind != TK_ID) continue;
        int len;
        const char *s = tok_text(c, el->tok, &len);
        if (expr_is_reserved(s, (size_t)len)) {
            char buf[96];
            snprintf(buf, sizeof buf, "reserved keyword: %.*s", len, s);
            return invalid(c, "Attribute name is a reserved keyword", buf, (int)strlen(buf));
        }
        char *name = expr_alloc(c->env, (size_t)len + 1);
        memcpy(name, s, (size_t)len);
        el->name = name;
        el->name_len = (size_t)len;
    }
    return 0;
}

/* Pass B: #name placeholders. */
static int check_path(checker_t *c, expr_path_t *p)
{
    for (int k = 0; k < p->n; k++) {
        expr_pel_t *el = &p->el[k];
        if (el->index >= 0 || c->x->toks[el->tok].kind != TK_NAME) continue;
        int len;
        const char *s = tok_text(c, el->tok, &len);
        int idx = 0;
        const cJSON *found = NULL;
        if (c->env->names)
            for (const cJSON *j = c->env->names->child; j; j = j->next, idx++)
                if (strlen(j->string) == (size_t)len && !memcmp(j->string, s, (size_t)len)) { found = j; break; }
        if (!found) {
            char buf[160];
            snprintf(buf, sizeof buf, "attribute name: %.*s", len > 128 ? 128 : len, s);
            return invalid(c, "An expression attribute name used in the document path is not defined", buf,
                           (int)strlen(buf));
        }
        c->env->name_used[idx] = 1;
        el->name = found->valuestring;
        el->name_len = strlen(found->valuestring);
    }
    return 0;
}

static int check_value(checker_t *c, expr_node_t *n)
{
    int len, idx = 0;
    const char *s = tok_text(c, n->tok, &len);
    if (c->env->values)
        for (const cJSON *j = c->env->values->child; j; j = j->next, idx++)
            if (strlen(j->string) == (size_t)len && !memcmp(j->string, s, (size_t)len)) {
                c->env->value_used[idx] = 1;
                n->value = j;
                return 0;
            }
    char buf[160];
    snprintf(buf, sizeof buf, "attribute value: %.*s", len > 128 ? 128 : len, s);
    return invalid(c, "An expression attribute value used in expression is not defined", buf, (int)strlen(buf));
}

static const struct { const char *name; expr_func_t f; int update; } FUNCS[] = {
    {"attribute_exists", EF_ATTRIBUTE_EXISTS, 0}, {"attribute_not_exists", EF_ATTRIBUTE_NOT_EXISTS, 0},
    {"attribute_type", EF_ATTRIBUTE_TYPE, 0}, {"begins_with", EF_BEGINS_WITH, 0},
    {"contains", EF_CONTAINS, 0}, {"size", EF_SIZE, 0},
    {"if_not_exists", EF_IF_NOT_EXISTS, 1}, {"list_append", EF_LIST_APPEND, 1},
};

static const char *func_name(expr_func_t f)
{
    for (size_t k = 0; k < sizeof FUNCS / sizeof FUNCS[0]; k++)
        if (FUNCS[k].f == f) return FUNCS[k].name;
    return "?";
}

static const char *value_type(const expr_node_t *n)
{
    return n->kind == EN_VALUE && n->value ? av_type(n->value, NULL) : NULL;
}

static int operand_type_error(checker_t *c, const char *op, const char *type)
{
    char buf[96];
    snprintf(buf, sizeof buf, "operator or function: %s, operand type: %s", op, type);
    return invalid(c, "Incorrect operand type for operator or function", buf, (int)strlen(buf));
}

static int operand_count_error(checker_t *c, const char *op, int n)
{
    char buf[96];
    snprintf(buf, sizeof buf, "operator or function: %s, number of operands: %d", op, n);
    return invalid(c, "Incorrect number of operands for operator or function", buf, (int)strlen(buf));
}

static int path_required(checker_t *c, const char *op)
{
    char buf[96];
    snprintf(buf, sizeof buf, "operator or function: %s", op);
    return invalid(c, "Operator or function requires a document path", buf, (int)strlen(buf));
}

static void path_text(const expr_path_t *p, sb_t *sb);

/* Where a node sits: 0 a condition, 1 an operand of a condition, 2 a value in an update. */
enum { CTX_COND, CTX_OPERAND, CTX_UPDATE };

static int check_node(checker_t *c, expr_node_t *n, int ctx);

/* Pass A: function names and where functions may appear. */
static int name_func(checker_t *c, expr_node_t *n, int ctx)
{
    int len;
    const char *s = tok_text(c, n->tok, &len);
    n->func = EF_UNKNOWN;
    int update = 0;
    for (size_t k = 0; k < sizeof FUNCS / sizeof FUNCS[0]; k++)
        if (strlen(FUNCS[k].name) == (size_t)len && !memcmp(FUNCS[k].name, s, (size_t)len)) {
            n->func = FUNCS[k].f;
            update = FUNCS[k].update;
        }
    char buf[96];
    snprintf(buf, sizeof buf, "function: %.*s", len > 64 ? 64 : len, s);
    if (n->func == EF_UNKNOWN)
        return invalid(c, "Invalid function name", buf, (int)strlen(buf));
    if (ctx == CTX_UPDATE && !update)
        return invalid(c, "The function is not allowed in an update expression", buf, (int)strlen(buf));
    if (ctx != CTX_UPDATE && update)
        return invalid(c, "The function is not allowed in a condition expression", buf, (int)strlen(buf));
    int boolean = n->func != EF_SIZE;
    if ((ctx == CTX_COND) != boolean && ctx != CTX_UPDATE)
        return invalid(c, "The function is not allowed to be used this way in an expression", buf, (int)strlen(buf));
    return 0;
}

/* Pass A over a tree: redundant parentheses, function names, reserved words, in pre-order. */
static int names_node(checker_t *c, expr_node_t *n, int ctx)
{
    if (n->paren >= 2)
        return err_validation(c->e, "Invalid %s: The expression has redundant parentheses;", expr_kind_name(c->x->kind));
    if (n->kind == EN_PATH) return reserved_path(c, &n->path);
    if (n->kind == EN_FUNC && name_func(c, n, ctx) < 0) return -1;
    int sub = ctx;
    if (n->kind == EN_CMP || n->kind == EN_BETWEEN || n->kind == EN_IN) sub = CTX_OPERAND;
    else if (n->kind == EN_FUNC) sub = ctx == CTX_UPDATE ? CTX_UPDATE : CTX_OPERAND;
    for (int k = 0; k < n->nargs; k++)
        if (names_node(c, n->args[k], sub) < 0) return -1;
    return 0;
}

static int check_func(checker_t *c, expr_node_t *n, int ctx)
{
    for (int k = 0; k < n->nargs; k++)
        if (check_node(c, n->args[k], ctx == CTX_UPDATE ? CTX_UPDATE : CTX_OPERAND) < 0) return -1;

    const char *name = func_name(n->func);
    int want = n->func == EF_ATTRIBUTE_EXISTS || n->func == EF_ATTRIBUTE_NOT_EXISTS || n->func == EF_SIZE ? 1 : 2;
    if (n->nargs != want) return operand_count_error(c, name, n->nargs);
    const char *t0 = value_type(n->args[0]), *t1 = value_type(n->args[1 % n->nargs]);
    switch (n->func) {
    case EF_ATTRIBUTE_EXISTS: case EF_ATTRIBUTE_NOT_EXISTS: case EF_IF_NOT_EXISTS:
        if (n->args[0]->kind != EN_PATH) return path_required(c, name);
        break;
    case EF_ATTRIBUTE_TYPE:
        if (n->args[0]->kind == EN_PATH && n->args[1]->kind == EN_PATH) {
            sb_t sb;
            sb_init(&sb);
            path_text(&n->args[0]->path, &sb);
            err_validation(c->e, "Invalid %s: The first operand must be distinct from the remaining operands for this "
                           "operator or function; operator: attribute_type, first operand: %s",
                           expr_kind_name(c->x->kind), sb_cstr(&sb));
            sb_fini(&sb);
            return -1;
        }
        if (t1 && strcmp(t1, "S")) return operand_type_error(c, name, t1);
        if (t1) {
            static const char *const TYPES[] = {"S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"};
            const char *tn = cJSON_GetObjectItemCaseSensitive(n->args[1]->value, "S")->valuestring;
            int ok = 0;
            for (size_t k = 0; k < sizeof TYPES / sizeof TYPES[0]; k++) ok |= !strcmp(tn, TYPES[k]);
            if (!ok) {
                char tb[200];
                snprintf(tb, sizeof tb, "type: %.64s, valid types: {N,BS,L,B,NULL,M,S,SS,NS,BOOL}", tn);
                return invalid(c, "Invalid attribute type name found", tb, (int)strlen(tb));
            }
        }
        break;
    case EF_BEGINS_WITH:
        if (t0 && strcmp(t0, "S") && strcmp(t0, "B")) return operand_type_error(c, name, t0);
        if (t1 && strcmp(t1, "S") && strcmp(t1, "B")) return operand_type_error(c, name, t1);
        break;
    case EF_SIZE:
        if (n->args[0]->kind == EN_FUNC) return operand_type_error(c, name, "N");
        break;
    case EF_LIST_APPEND:
        if (t0 && strcmp(t0, "L")) return operand_type_error(c, name, t0);
        if (t1 && strcmp(t1, "L")) return operand_type_error(c, name, t1);
        break;
    default:
        break;
    }
    return 0;
}

/* "AttributeValue: {N:9}" */
static void av_text(sb_t *sb, const cJSON *av)
{
    const cJSON *v;
    const char *t = av_type(av, &v);
    sb_printf(sb, "AttributeValue: {%s:", t);
    if (cJSON_IsString(v)) sb_puts(sb, v->valuestring);
    sb_putc(sb, '}');
}

/* BETWEEN with two literal bounds: same type, lower <= upper. */
static int between_bounds(checker_t *c, expr_node_t *n)
{
    const char *tl = value_type(n->args[1]), *th = value_type(n->args[2]);
    if (!tl || !th) return 0;
    const char *what = NULL;
    if (strcmp(tl, th)) {
        what = "The BETWEEN operator requires same data type for lower and upper bounds";
    } else if (!tl[1] && strchr("SNB", tl[0])) {
        const char *a = cJSON_GetObjectItemCaseSensitive(n->args[1]->value, tl)->valuestring;
        const char *b = cJSON_GetObjectItemCaseSensitive(n->args[2]->value, tl)->valuestring;
        int r;
        if (tl[0] == 'N') {
            num_t x, y;
            num_parse(&x, a, strlen(a));
            num_parse(&y, b, strlen(b));
            r = num_cmp(&x, &y);
        } else {
            r = strcmp(a, b);
        }
        if (r > 0) what = "The BETWEEN operator requires upper bound to be greater than or equal to lower bound";
    }
    if (!what) return 0;
    sb_t sb;
    sb_init(&sb);
    sb_puts(&sb, "lower bound operand: ");
    av_text(&sb, n->args[1]->value);
    sb_puts(&sb, ", upper bound operand: ");
    av_text(&sb, n->args[2]->value);
    invalid(c, what, sb_cstr(&sb), (int)sb.len);
    sb_fini(&sb);
    return -1;
}

static int check_node(checker_t *c, expr_node_t *n, int ctx)
{
    switch (n->kind) {
    case EN_PATH:
        if (ctx == CTX_COND) return -1;   /* not produced by the parser */
        return check_path(c, &n->path);
    case EN_VALUE:
        return check_value(c, n);
    case EN_FUNC:
        return check_func(c, n, ctx);
    case EN_AND: case EN_OR: case EN_NOT:
        for (int k = 0; k < n->nargs; k++)
            if (check_node(c, n->args[k], CTX_COND) < 0) return -1;
        return 0;
    case EN_CMP: case EN_BETWEEN: case EN_IN:
        for (int k = 0; k < n->nargs; k++)
            if (check_node(c, n->args[k], CTX_OPERAND) < 0) return -1;
        if (n->kind == EN_CMP && n->op >= TK_LT) {
            static const char *const OPS[] = {"<", "<=", ">", ">="};
            for (int k = 0; k < 2; k++) {
                const char *t = value_type(n->args[k]);
                if (t && (t[1] || !strchr("SNB", t[0])))
                    return operand_type_error(c, OPS[n->op - TK_LT], t);
            }
        }
        if (n->kind == EN_BETWEEN && between_bounds(c, n) < 0) return -1;
        if (n->kind == EN_IN && n->nargs - 1 > 100) {
            char buf[64];
            snprintf(buf, sizeof buf, "number of operands: %d", n->nargs - 1);
            return invalid(c, "The IN operator is provided with too many operands", buf, (int)strlen(buf));
        }
        return 0;
    case EN_PLUS: case EN_MINUS:
        for (int k = 0; k < n->nargs; k++)
            if (check_node(c, n->args[k], CTX_UPDATE) < 0) return -1;
        for (int k = 0; k < n->nargs; k++) {
            const char *t = value_type(n->args[k]);
            if (t && strcmp(t, "N")) return operand_type_error(c, n->kind == EN_PLUS ? "+" : "-", t);
        }
        return 0;
    }
    return 0;
}

/* "[m, a]" or "[l, [0]]" */
static void path_text(const expr_path_t *p, sb_t *sb)
{
    sb_putc(sb, '[');
    for (int k = 0; k < p->n; k++) {
        if (k) sb_puts(sb, ", ");
        if (p->el[k].index >= 0) sb_printf(sb, "[%ld]", p->el[k].index);
        else sb_add(sb, p->el[k].name, p->el[k].name_len);
    }
    sb_putc(sb, ']');
}

/*
 * Overlapping and conflicting paths, found as DynamoDB Local finds them: the paths are inserted,
 * last first, into a trie; a path that ends on or passes through a leaf overlaps, and a map key
 * next to a list index (or the reverse) at one level conflicts. "path two" is not the path met
 * but the one reached from that trie node by always taking the greatest child (DynamoDB Local
 * takes the first key of a hash map there), which is what it prints (update_item.json
 * up-duplicate-*, cases.json #51 #52 #62).
 */
typedef struct trie {
    const expr_pel_t *el;
    struct trie *kids;           /* first child */
    struct trie *next;           /* sibling */
} trie_t;

static int pel_eq(const expr_pel_t *a, const expr_pel_t *b)
{
    if ((a->index >= 0) != (b->index >= 0)) return 0;
    if (a->index >= 0) return a->index == b->index;
    return a->name_len == b->name_len && !memcmp(a->name, b->name, a->name_len);
}

static int pel_cmp(const expr_pel_t *a, const expr_pel_t *b)
{
    if (a->index >= 0 || b->index >= 0) return (a->index > b->index) - (a->index < b->index);
    size_t m = a->name_len < b->name_len ? a->name_len : b->name_len;
    int r = memcmp(a->name, b->name, m);
    return r ? r : (a->name_len > b->name_len) - (a->name_len < b->name_len);
}

/* The child DynamoDB Local reaches first: the last key in java.util.HashMap order (names), the
 * greatest index (list elements). */
static trie_t *first_kid(const trie_t *t)
{
    int n = 0;
    for (trie_t *k = t->kids; k; k = k->next) n++;
    trie_t **kids = xmalloc((size_t)n * sizeof *kids);
    const char **names = xmalloc((size_t)n * sizeof *names);
    int *order = xmalloc((size_t)n * sizeof *order), i = n, named = 1;
    for (trie_t *k = t->kids; k; k = k->next) {   /* the list is newest first */
        kids[--i] = k;
        names[i] = k->el->name;
        if (k->el->index >= 0) named = 0;
    }
    trie_t *best = kids[n - 1];
    if (named) {
        char **z = xmalloc((size_t)n * sizeof *z);
        for (i = 0; i < n; i++) names[i] = z[i] = xstrndup(kids[i]->el->name, kids[i]->el->name_len);
        item_hashmap_order(names, n, 16, order);
        best = kids[order[n - 1]];
        for (i = 0; i < n; i++) free(z[i]);
        free(z);
    } else {
        for (i = 0; i < n; i++)
            if (pel_cmp(kids[i]->el, best->el) > 0) best = kids[i];
    }
    free(kids);
    free(names);
    free(order);
    return best;
}

static int path_error(checker_t *c, const char *what, const expr_path_t *p, int depth, const trie_t *node)
{
    sb_t sb;
    sb_init(&sb);
    sb_puts(&sb, "path one: ");
    path_text(p, &sb);
    sb_puts(&sb, ", path two: [");
    for (int k = 0; k < depth; k++) {
        if (k) sb_puts(&sb, ", ");
        if (p->el[k].index >= 0) sb_printf(&sb, "[%ld]", p->el[k].index);
        else sb_add(&sb, p->el[k].name, p->el[k].name_len);
    }
    for (int k = depth; node && node->kids; k++) {
        const trie_t *f = first_kid(node);   /* node->kids is set: f is never NULL */
        if (k) sb_puts(&sb, ", ");
        /* cppcheck-suppress nullPointerRedundantCheck */
        if (f->el->index >= 0) sb_printf(&sb, "[%ld]", f->el->index);
        /* cppcheck-suppress nullPointerRedundantCheck */
        else sb_add(&sb, f->el->name, f->el->name_len);
        node = f;
    }
    sb_putc(&sb, ']');
    invalid(c, what, sb_cstr(&sb), (int)sb.len);
    sb_fini(&sb);
    return -1;
}

static int trie_insert(checker_t *c, trie_t *root, const expr_path_t *p)
{
    trie_t *node = root;
    for (int d = 0; d < p->n; d++) {
        const expr_pel_t *el = &p->el[d];
        trie_t *child = NULL;
        for (trie_t *k = node->kids; k; k = k->next)
            if (pel_eq(k->el, el)) child = k;
        if (!child) {
            if (node->kids && (first_kid(node)->el->index >= 0) != (el->index >= 0))
                return path_error(c, "Two document paths conflict with each other; must remove or rewrite one of "
                                  "these paths", p, d, node);
            for (; d < p->n; d++) {
                trie_t *t = expr_alloc(c->env, sizeof *t);
                t->el = &p->el[d];
                t->next = node->kids;
                node->kids = t;
                node = t;
            }
            return 0;
        }
        if (!child->kids || d == p->n - 1)
            return path_error(c, "Two document paths overlap with each other; must remove or rewrite one of these "
                              "paths", p, d, node);
        node = child;
    }
    return 0;
}

static int check_paths(checker_t *c, expr_path_t *const *paths, int n)
{
    trie_t root = {0};
    for (int i = n - 1; i >= 0; i--)
        if (trie_insert(c, &root, paths[i]) < 0) return -1;
    return 0;
}

int expr_check_tree(expr_env_t *env, expr_t *x, err_t *e)
{
    checker_t c = {env, x, e};
    if (x->kind == EXPR_PROJECTION) {
        expr_path_t **v = expr_alloc(env, (size_t)x->npaths * sizeof *v);
        for (int k = 0; k < x->npaths; k++)
            if (reserved_path(&c, &x->paths[k]) < 0) return -1;
        for (int k = 0; k < x->npaths; k++) {
            if (check_path(&c, &x->paths[k]) < 0) return -1;
            v[k] = &x->paths[k];
        }
        return check_paths(&c, v, x->npaths);
    }
    if (x->kind != EXPR_UPDATE) {
        if (names_node(&c, x->root, CTX_COND) < 0) return -1;
        return check_node(&c, x->root, CTX_COND);
    }

    int seen[4] = {0};
    static const char *const SECT[] = {"SET", "REMOVE", "ADD", "DELETE"};
    for (int k = 0; k < x->nacts; k++)
        if (x->acts[k].section && seen[x->acts[k].kind]++)
            return err_validation(e, "Invalid UpdateExpression: The \"%s\" section can only be used once in an "
                                  "update expression;", SECT[x->acts[k].kind]);
    for (int k = 0; k < x->nacts; k++) {
        expr_action_t *a = &x->acts[k];
        if (reserved_path(&c, &a->path) < 0) return -1;
        if (a->value && names_node(&c, a->value, CTX_UPDATE) < 0) return -1;
    }
    for (int k = 0; k < x->nacts; k++) {
        expr_action_t *a = &x->acts[k];
        if (check_path(&c, &a->path) < 0) return -1;
        if (a->value && check_node(&c, a->value, CTX_UPDATE) < 0) return -1;
        if (a->kind == EU_ADD || a->kind == EU_DELETE) {
            const char *t = value_type(a->value);
            int ok = a->kind == EU_ADD ? !strcmp(t, "N") || (strlen(t) == 2 && t[1] == 'S')
                                       : strlen(t) == 2 && t[1] == 'S';
            if (!ok) {
                static const char *const TN[][2] = {
                    {"S", "STRING"}, {"N", "NUMBER"}, {"B", "BINARY"}, {"SS", "STRING_SET"},
                    {"NS", "NUMBER_SET"}, {"BS", "BINARY_SET"}, {"M", "MAP"}, {"L", "LIST"},
                    {"NULL", "NULL"}, {"BOOL", "BOOLEAN"},
                };
                const char *tn = t;
                for (size_t k2 = 0; k2 < sizeof TN / sizeof TN[0]; k2++)
                    if (!strcmp(TN[k2][0], t)) tn = TN[k2][1];
                return err_validation(e, "Invalid UpdateExpression: Incorrect operand type for operator or function; "
                                      "operator: %s, operand type: %s, typeSet: ALLOWED_FOR_%s_OPERAND",
                                      a->kind == EU_ADD ? "ADD" : "DELETE", tn, a->kind == EU_ADD ? "ADD" : "DELETE");
            }
        }
    }
    expr_path_t **v = expr_alloc(env, (size_t)x->nacts * sizeof *v);
    for (int k = 0; k < x->nacts; k++) v[k] = &x->acts[k].path;
    return check_paths(&c, v, x->nacts);
}


static int report_unused(const cJSON *map, const unsigned char *used, const char *what, err_t *e)
{
    int n = 0, total = 0;
    for (const cJSON *j = map ? map->child : NULL; j; j = j->next, total++)
        if (!used[total]) n++;
    if (!n) return 0;
    const char **names = xmalloc((size_t)n * sizeof *names);
    int *order = xmalloc((size_t)n * sizeof *order), k = 0, i = 0;
    for (const cJSON *j = map->child; j; j = j->next, i++)
        if (!used[i]) names[k++] = j->string;
    item_hashmap_order(names, n, 16, order);
    sb_t sb;
    sb_init(&sb);
    for (k = 0; k < n; k++) {
        if (k) sb_puts(&sb, ", ");
        sb_puts(&sb, names[order[k]]);
    }
    err_validation(e, "Value provided in %s unused in expressions: keys: {%s}", what, sb_cstr(&sb));
    sb_fini(&sb);
    free(names);
    free(order);
    return -1;
}

int expr_check_unused(expr_env_t *env, err_t *e)
{
    if (report_unused(env->names, env->name_used, "ExpressionAttributeNames", e) < 0) return -1;
    return report_unused(env->values, env->value_used, "ExpressionAttributeValues", e);
}

/* ---- legacy Expected ------------------------------------------------------------------- */

static expr_node_t *mk(expr_env_t *env, expr_node_kind_t kind, int nargs)
{
    expr_node_t *n = expr_alloc(env, sizeof *n);
    n->kind = kind;
    n->nargs = nargs;
    if (nargs) n->args = expr_alloc(env, (size_t)nargs * sizeof *n->args);
    return n;
}

static expr_node_t *mk_path(expr_env_t *env, const char *name)
{
    expr_node_t *n = mk(env, EN_PATH, 0);
    n->path.n = 1;
    n->path.el = expr_alloc(env, sizeof *n->path.el);
    n->path.el[0].name = name;
    n->path.el[0].name_len = strlen(name);
    n->path.el[0].index = -1;
    return n;
}

static expr_node_t *mk_value(expr_env_t *env, const cJSON *av)
{
    expr_node_t *n = mk(env, EN_VALUE, 0);
    n->value = av;
    return n;
}

static expr_node_t *mk2(expr_env_t *env, expr_node_kind_t kind, expr_node_t *a, expr_node_t *b)
{
    expr_node_t *n = mk(env, kind, 2);
    n->args[0] = a;
    n->args[1] = b;
    return n;
}

static expr_node_t *mk_func(expr_env_t *env, expr_func_t f, expr_node_t *a, expr_node_t *b)
{
    expr_node_t *n = mk(env, EN_FUNC, b ? 2 : 1);
    n->func = f;
    n->args[0] = a;
    if (b) n->args[1] = b;
    return n;
}

static expr_node_t *mk_not(expr_env_t *env, expr_node_t *a)
{
    expr_node_t *n = mk(env, EN_NOT, 1);
    n->args[0] = a;
    return n;
}

/* Compares two scalar AttributeValues of the same type: N numerically, S and B bytewise. */
static int cmp_scalar(const char *type, const cJSON *a, const cJSON *b)
{
    if (type[0] == 'N') {
        num_t x, y;
        num_parse(&x, a->valuestring, strlen(a->valuestring));
        num_parse(&y, b->valuestring, strlen(b->valuestring));
        return num_cmp(&x, &y);
    }
    if (type[0] == 'B') {
        size_t la = strlen(a->valuestring), lb = strlen(b->valuestring);
        unsigned char *x = xmalloc(la / 4 * 3 + 3), *y = xmalloc(lb / 4 * 3 + 3);
        long nx = b64_decode(a->valuestring, la, x), ny = b64_decode(b->valuestring, lb, y);
        long m = nx < ny ? nx : ny;
        int c = m > 0 ? memcmp(x, y, (size_t)m) : 0;
        if (!c) c = (nx > ny) - (nx < ny);
        free(x);
        free(y);
        return c;
    }
    return strcmp(a->valuestring, b->valuestring);
}

/* The operand rules of a legacy ComparisonOperator, in DynamoDB Local's order
 * (test_expressions.py EXPECTED): each operand's type must suit the operator, then all
 * operands share one type, then BETWEEN's bounds are in order. */
static int check_legacy_operands(const char *op, const cJSON *first, err_t *e)
{
    /* operators that take any type (EQ, NE) or none (NULL, NOT_NULL) */
    int scalar_only = strcmp(op, "EQ") && strcmp(op, "NE") && strcmp(op, "NULL") && strcmp(op, "NOT_NULL");
    int no_number = !strcmp(op, "BEGINS_WITH");
    const char *type0 = NULL;
    for (const cJSON *j = first; j; j = j->next) {
        const char *t = av_type(j, NULL);
        if (!t) continue;
        if ((scalar_only && (t[1] || t[0] == 'M' || t[0] == 'L')) || (no_number && !strcmp(t, "N")))
            return err_validation(e, "One or more parameter values were invalid: ComparisonOperator %s is not valid "
                                  "for %s AttributeValue type", op, t);
    }
    for (const cJSON *j = first; j; j = j->next) {
        const char *t = av_type(j, NULL);
        if (!type0) type0 = t;
        else if (t && strcmp(t, type0))
            return err_validation(e, "One or more parameter values were invalid: AttributeValues inside "
                                  "AttributeValueList must be of same type");
    }
    if (!strcmp(op, "BETWEEN") && first && first->next && type0) {
        const cJSON *lo, *hi;
        av_type(first, &lo);
        av_type(first->next, &hi);
        if (cmp_scalar(type0, lo, hi) > 0)
            return err_validation(e, "The BETWEEN condition was provided a range where the lower bound is greater "
                                  "than the upper bound");
    }
    return 0;
}

/* One Expected entry as a condition node. */
static expr_node_t *expected_entry(expr_env_t *env, const cJSON *ent, err_t *e)
{
    const char *name = ent->string;
    if (!cJSON_IsObject(ent)) {
        err_set(e, ERR_SERIALIZATION, "Expected a structure for ExpectedAttributeValue");
        return NULL;
    }
    const cJSON *value = jget(ent, "Value"), *exists = jget(ent, "Exists");
    const cJSON *op = jget(ent, "ComparisonOperator"), *list = jget(ent, "AttributeValueList");
    if (value && av_check((cJSON *)value, 1, e) < 0) return NULL;
    if (list) {
        if (!cJSON_IsArray(list)) {
            err_set(e, ERR_SERIALIZATION, "Expected a list for AttributeValueList");
            return NULL;
        }
        for (cJSON *j = list->child; j; j = j->next)
            if (av_check(j, 1, e) < 0) return NULL;
    }
    if (op) {
        if (!cJSON_IsString(op)) {
            err_set(e, ERR_SERIALIZATION, "Expected a string for ComparisonOperator");
            return NULL;
        }
        if (value && list) {
            err_validation(e, "One or more parameter values were invalid: Value and AttributeValueList cannot be used "
                           "together for Attribute: %s", name);
            return NULL;
        }
        if (exists) {
            err_validation(e, "One or more parameter values were invalid: Exists and ComparisonOperator cannot be used "
                           "together for Attribute: %s", name);
            return NULL;
        }
        static const struct { const char *name; int nargs; } OPS[] = {
            {"EQ", 1}, {"NE", 1}, {"LE", 1}, {"LT", 1}, {"GE", 1}, {"GT", 1}, {"NOT_NULL", 0}, {"NULL", 0},
            {"CONTAINS", 1}, {"NOT_CONTAINS", 1}, {"BEGINS_WITH", 1}, {"IN", -1}, {"BETWEEN", 2},
        };
        int k = -1;
        for (size_t i = 0; i < sizeof OPS / sizeof OPS[0]; i++)
            if (!strcmp(OPS[i].name, op->valuestring)) k = (int)i;
        if (k < 0) {
            err_validation(e, "Comparison type does not exist in DynamoDB");
            return NULL;
        }
        int n = list ? cJSON_GetArraySize(list) : value ? 1 : 0;
        if (OPS[k].nargs != 0 && !list && !value) {
            err_validation(e, "One or more parameter values were invalid: Value or AttributeValueList must be used "
                           "with ComparisonOperator: %s for Attribute: %s", op->valuestring, name);
            return NULL;
        }
        if ((OPS[k].nargs >= 0 && n != OPS[k].nargs) || (OPS[k].nargs < 0 && n < 1)) {
            err_validation(e, "One or more parameter values were invalid: Invalid number of argument(s) for the %s "
                           "ComparisonOperator", op->valuestring);
            return NULL;
        }
        if (check_legacy_operands(op->valuestring, list ? list->child : value, e) < 0) return NULL;
        expr_node_t *path = mk_path(env, name);
        const cJSON *a0 = list ? list->child : value;
        const char *o = op->valuestring;
        if (!strcmp(o, "NOT_NULL")) return mk_func(env, EF_ATTRIBUTE_EXISTS, path, NULL);
        if (!strcmp(o, "NULL")) return mk_func(env, EF_ATTRIBUTE_NOT_EXISTS, path, NULL);
        if (!strcmp(o, "CONTAINS")) return mk_func(env, EF_CONTAINS, path, mk_value(env, a0));
        if (!strcmp(o, "NOT_CONTAINS"))
            return mk2(env, EN_AND, mk_func(env, EF_ATTRIBUTE_EXISTS, path, NULL),
                       mk_not(env, mk_func(env, EF_CONTAINS, path, mk_value(env, a0))));
        if (!strcmp(o, "BEGINS_WITH")) return mk_func(env, EF_BEGINS_WITH, path, mk_value(env, a0));
        if (!strcmp(o, "NE")) {
            expr_node_t *eq = mk2(env, EN_CMP, path, mk_value(env, a0));
            eq->op = TK_EQ;
            return mk_not(env, eq);
        }
        if (!strcmp(o, "IN") || !strcmp(o, "BETWEEN")) {
            expr_node_t *nd = mk(env, !strcmp(o, "IN") ? EN_IN : EN_BETWEEN, n + 1);
            nd->args[0] = path;
            int i = 1;
            for (const cJSON *j = list->child; j; j = j->next) nd->args[i++] = mk_value(env, j);
            return nd;
        }
        static const struct { const char *name; int tok; } CMP[] = {
            {"EQ", TK_EQ}, {"LE", TK_LE}, {"LT", TK_LT}, {"GE", TK_GE}, {"GT", TK_GT},
        };
        expr_node_t *nd = mk2(env, EN_CMP, path, mk_value(env, a0));
        for (size_t i = 0; i < sizeof CMP / sizeof CMP[0]; i++)
            if (!strcmp(CMP[i].name, o)) nd->op = CMP[i].tok;
        return nd;
    }
    if (list) {
        err_validation(e, "One or more parameter values were invalid: AttributeValueList can only be used with a "
                       "ComparisonOperator for Attribute: %s", name);
        return NULL;
    }
    int ex = 1;
    if (exists) {
        if (!cJSON_IsBool(exists)) {
            err_set(e, ERR_SERIALIZATION, "Expected a boolean for Exists");
            return NULL;
        }
        ex = cJSON_IsTrue(exists);
    }
    if (ex && !value) {
        err_validation(e, "One or more parameter values were invalid: Value must be provided when Exists is %s for "
                       "Attribute: %s", exists ? "true" : "null", name);
        return NULL;
    }
    if (!ex && value) {
        err_validation(e, "One or more parameter values were invalid: Value cannot be used when Exists is false for "
                       "Attribute: %s", name);
        return NULL;
    }
    expr_node_t *path = mk_path(env, name);
    if (!ex) return mk_func(env, EF_ATTRIBUTE_NOT_EXISTS, path, NULL);
    expr_node_t *nd = mk2(env, EN_CMP, path, mk_value(env, value));
    nd->op = TK_EQ;
    return nd;
}

expr_t *expr_from_expected(expr_env_t *env, const cJSON *expected, const char *op, err_t *e)
{
    if (!cJSON_IsObject(expected)) {
        err_set(e, ERR_SERIALIZATION, "Expected a map for Expected");
        return NULL;
    }
    int use_or = 0;
    if (op) {
        if (!strcmp(op, "OR")) use_or = 1;
        else if (strcmp(op, "AND")) {
            err_validation(e, "1 validation error detected: Value '%s' at 'conditionalOperator' failed to satisfy "
                           "constraint: Member must satisfy enum value set: [AND, OR]", op);
            return NULL;
        }
    }
    expr_t *x = expr_alloc(env, sizeof *x);
    x->kind = EXPR_CONDITION;
    for (const cJSON *ent = expected->child; ent; ent = ent->next) {
        expr_node_t *n = expected_entry(env, ent, e);
        if (!n) return NULL;
        x->root = x->root ? mk2(env, use_or ? EN_OR : EN_AND, x->root, n) : n;
    }
    return x;
}
