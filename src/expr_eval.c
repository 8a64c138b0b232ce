/*
 * expr_eval.c: evaluation of checked expressions against items (cJSON attribute maps):
 * conditions with DynamoDB's comparison semantics, update actions, projections, and the exact
 * decimal arithmetic of update expressions.
 *
 * Comparison rules: operands of different types are never equal and never ordered; numbers
 * compare exactly (num.h); strings and binaries bytewise; sets compare as sets; <, <=, >, >=
 * and BETWEEN apply to N, S and B only; a missing attribute makes every comparison false.
 *
 * Arithmetic keeps Java BigDecimal's scale, as DynamoDB Local stores the result of SET "+" /
 * "-" and ADD without normalizing it: "1.5" + "1.5" = "3.0", "2.50" + "2.50" = "5.00",
 * "1E+2" + "5E+1" = "150" (plain notation); the limits (38 significant digits, magnitude) are
 * checked on the exact result (test_expr.c arithmetic cases, cases.json #171).
 */
#include "expr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- exact decimal add in BigDecimal semantics ----------------------------------------- */

/* A decimal as unscaled digits (most significant first, no sign) and a scale. */
typedef struct bigdec {
    int neg;
    char *dig;                   /* '0'..'9', at least one digit */
    int ndig;
    long scale;
} bigdec_t;

/* Parses Java BigDecimal syntax; returns 0 or -1. dig is malloc'd. */
static int bigdec_parse(const char *s, bigdec_t *out)
{
    size_t len = strlen(s), i = 0;
    out->neg = 0;
    if (i < len && (s[i] == '+' || s[i] == '-')) out->neg = s[i++] == '-';
    out->dig = xmalloc(len + 2);
    out->ndig = 0;
    out->scale = 0;
    int point = 0;
    for (; i < len; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9') {
            out->dig[out->ndig++] = c;
            if (point) out->scale++;
        } else if (c == '.' && !point) {
            point = 1;
        } else {
            break;
        }
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        long ex = strtol(s + i + 1, NULL, 10);
        out->scale -= ex;
    }
    if (!out->ndig) out->dig[out->ndig++] = '0';
    return 0;
}

/* Compares magnitudes of two digit strings of equal length. */
static int mag_cmp(const char *a, const char *b, int n)
{
    return memcmp(a, b, (size_t)n);
}

num_status_t expr_num_add(const char *as, const char *bs, int sub, char *out)
{
    bigdec_t a, b;
    bigdec_parse(as, &a);
    bigdec_parse(bs, &b);
    if (sub) b.neg = !b.neg;
    long scale = a.scale > b.scale ? a.scale : b.scale;
    /* align: each operand gets (scale - own scale) zeros appended */
    long pa = scale - a.scale, pb = scale - b.scale;
    long la = a.ndig + pa, lb = b.ndig + pb;
    long n = (la > lb ? la : lb) + 1;
    num_status_t st = NUM_OK;
    if (n > 100000) { free(a.dig); free(b.dig); return NUM_ERR_PRECISION; }
    char *x = xmalloc((size_t)n), *y = xmalloc((size_t)n), *r = xmalloc((size_t)n + 1);
    memset(x, '0', (size_t)n);
    memset(y, '0', (size_t)n);
    memcpy(x + (n - la), a.dig, (size_t)a.ndig);
    memcpy(y + (n - lb), b.dig, (size_t)b.ndig);
    int neg;
    if (a.neg == b.neg) {
        int carry = 0;
        for (long k = n - 1; k >= 0; k--) {
            int d = (x[k] - '0') + (y[k] - '0') + carry;
            r[k] = (char)('0' + d % 10);
            carry = d / 10;
        }
        neg = a.neg;
    } else {
        const char *big = x, *small = y;
        neg = a.neg;
        if (mag_cmp(x, y, (int)n) < 0) { big = y; small = x; neg = b.neg; }
        int borrow = 0;
        for (long k = n - 1; k >= 0; k--) {
            int d = (big[k] - '0') - (small[k] - '0') - borrow;
            borrow = d < 0;
            r[k] = (char)('0' + (d < 0 ? d + 10 : d));
        }
    }
    /* plain notation of unscaled r with scale */
    long start = 0;
    while (start < n - 1 && r[start] == '0') start++;
    int zero = 1;
    for (long k = start; k < n; k++) if (r[k] != '0') zero = 0;
    if (zero) neg = 0;
    sb_t sb;
    sb_init(&sb);
    if (neg) sb_putc(&sb, '-');
    long nd = n - start;
    if (scale <= 0) {
        sb_add(&sb, r + start, (size_t)nd);
        if (!zero) for (long k = 0; k < -scale; k++) sb_putc(&sb, '0');
    } else if (nd > scale) {
        sb_add(&sb, r + start, (size_t)(nd - scale));
        sb_putc(&sb, '.');
        sb_add(&sb, r + start + (nd - scale), (size_t)scale);
    } else {
        sb_puts(&sb, "0.");
        for (long k = 0; k < scale - nd; k++) sb_putc(&sb, '0');
        sb_add(&sb, r + start, (size_t)nd);
    }
    num_t chk;
    st = num_parse(&chk, sb_cstr(&sb), sb.len);
    if (st == NUM_OK && sb.len >= NUM_FMT_MAX) st = NUM_ERR_PRECISION;
    if (st == NUM_OK) memcpy(out, sb.buf, sb.len + 1);
    sb_fini(&sb);
    free(x);
    free(y);
    free(r);
    free(a.dig);
    free(b.dig);
    return st;
}

/* ---- values ---------------------------------------------------------------------------- */

static const cJSON *tval(const cJSON *av, const char **type)
{
    const cJSON *v = NULL;
    *type = av ? av_type(av, &v) : NULL;
    return v;
}

static int num_cmp_text(const char *a, const char *b)
{
    num_t x, y;
    num_parse(&x, a, strlen(a));
    num_parse(&y, b, strlen(b));
    return num_cmp(&x, &y);
}

/* Decodes base64 text into a malloc'd buffer; returns its length. */
static long b64(const char *s, unsigned char **out)
{
    size_t len = strlen(s);
    *out = xmalloc(len / 4 * 3 + 3);
    long n = b64_decode(s, len, *out);
    return n < 0 ? 0 : n;
}

static int bin_cmp(const char *a, const char *b)
{
    unsigned char *x, *y;
    long nx = b64(a, &x), ny = b64(b, &y);
    long m = nx < ny ? nx : ny;
    int c = memcmp(x, y, (size_t)m);
    if (!c) c = (nx > ny) - (nx < ny);
    free(x);
    free(y);
    return c;
}

/* Orders two scalars of type t ('S', 'N', 'B'). */
static int scalar_cmp(char t, const char *a, const char *b)
{
    if (t == 'N') return num_cmp_text(a, b);
    if (t == 'B') return bin_cmp(a, b);
    return strcmp(a, b);
}

static int av_equal(const cJSON *a, const cJSON *b);

static int set_contains(char t, const cJSON *set, const char *s)
{
    for (const cJSON *j = set->child; j; j = j->next)
        if (!scalar_cmp(t, j->valuestring, s)) return 1;
    return 0;
}

static int value_equal(const char *type, const cJSON *x, const cJSON *y)
{
    switch (type[0]) {
    case 'S': case 'N': case 'B':
        if (!type[1]) return !scalar_cmp(type[0], x->valuestring, y->valuestring);
        if (type[1] == 'S') {
            if (cJSON_GetArraySize(x) != cJSON_GetArraySize(y)) return 0;
            for (const cJSON *j = x->child; j; j = j->next)
                if (!set_contains(type[0], y, j->valuestring)) return 0;
            return 1;
        }
        if (type[1] == 'O') return cJSON_IsTrue(x) == cJSON_IsTrue(y);   /* BOOL */
        return 1;                                                        /* NULL */
    case 'L': {
        const cJSON *i = x->child, *j = y->child;
        for (; i && j; i = i->next, j = j->next)
            if (!av_equal(i, j)) return 0;
        return !i && !j;
    }
    case 'M': {
        if (cJSON_GetArraySize(x) != cJSON_GetArraySize(y)) return 0;
        for (const cJSON *i = x->child; i; i = i->next) {
            const cJSON *o = cJSON_GetObjectItemCaseSensitive(y, i->string);
            if (!o || !av_equal(i, o)) return 0;
        }
        return 1;
    }
    }
    return 0;
}

static int av_equal(const cJSON *a, const cJSON *b)
{
    const char *ta, *tb;
    const cJSON *x = tval(a, &ta), *y = tval(b, &tb);
    if (!ta || !tb || strcmp(ta, tb)) return 0;
    return value_equal(ta, x, y);
}

/* ---- paths ----------------------------------------------------------------------------- */

/* The member of map m (an "M" value) called name. */
static cJSON *map_member(const cJSON *m, const expr_pel_t *el)
{
    for (cJSON *j = m->child; j; j = j->next)
        if (strlen(j->string) == el->name_len && !memcmp(j->string, el->name, el->name_len)) return j;
    return NULL;
}

/* Steps from an AttributeValue (or the item, for k == 0) into element k of a path. */
static cJSON *step(const cJSON *cur, const expr_pel_t *el, int top)
{
    if (top) return el->index >= 0 ? NULL : map_member(cur, el);
    const char *t;
    const cJSON *v = tval(cur, &t);
    if (!t) return NULL;
    if (el->index >= 0) {
        if (strcmp(t, "L")) return NULL;
        return cJSON_GetArrayItem(v, (int)(el->index > 1 << 30 ? 1 << 30 : el->index));
    }
    if (strcmp(t, "M")) return NULL;
    return map_member(v, el);
}

const cJSON *expr_path_get(const expr_path_t *p, const cJSON *item)
{
    const cJSON *cur = item;
    for (int k = 0; cur && k < p->n; k++) cur = step(cur, &p->el[k], k == 0);
    return cur;
}

/* ---- conditions ------------------------------------------------------------------------ */

typedef struct evalctx {
    const cJSON *item;
    cJSON *tmp;                  /* values made during evaluation (size results) */
    err_t *e;
} evalctx_t;

/* The value of an operand, or NULL when it does not exist (missing path, size of a type
 * without a size). */
static const cJSON *operand(evalctx_t *c, const expr_node_t *n)
{
    switch (n->kind) {
    case EN_PATH: return expr_path_get(&n->path, c->item);
    case EN_VALUE: return n->value;
    case EN_FUNC:
        if (n->func == EF_SIZE) {
            const char *t;
            const cJSON *v = tval(operand(c, n->args[0]), &t);
            if (!t) return NULL;
            long size;
            if (!strcmp(t, "S")) {   /* Java String length: UTF-16 code units */
                size = 0;
                for (const unsigned char *q = (const unsigned char *)v->valuestring; *q; q++)
                    if ((*q & 0xC0) != 0x80) size += *q >= 0xF0 ? 2 : 1;
            }
            else if (!strcmp(t, "B")) {
                unsigned char *buf;
                size = b64(v->valuestring, &buf);
                free(buf);
            } else if (t[1] == 'S' || !strcmp(t, "L") || !strcmp(t, "M")) size = cJSON_GetArraySize(v);
            else return NULL;
            cJSON *av = cJSON_CreateObject();
            char buf[32];
            snprintf(buf, sizeof buf, "%ld", size);
            cJSON_AddStringToObject(av, "N", buf);
            cJSON_AddItemToArray(c->tmp, av);
            return av;
        }
        return NULL;
    default:
        return NULL;
    }
}

static int compare(int op, const cJSON *a, const cJSON *b)
{
    if (!a || !b) return op == TK_NE;   /* a missing attribute is <> anything (expressions.json ex-cond-eval-036) */
    const char *ta, *tb;
    const cJSON *x = tval(a, &ta), *y = tval(b, &tb);
    if (!ta || !tb) return 0;
    if (op == TK_EQ) return !strcmp(ta, tb) && value_equal(ta, x, y);
    if (op == TK_NE) return strcmp(ta, tb) || !value_equal(ta, x, y);
    if (strcmp(ta, tb) || ta[1] || !strchr("SNB", ta[0])) return 0;
    int r = scalar_cmp(ta[0], x->valuestring, y->valuestring);
    switch (op) {
    case TK_LT: return r < 0;
    case TK_LE: return r <= 0;
    case TK_GT: return r > 0;
    case TK_GE: return r >= 0;
    }
    return 0;
}

static int begins_with(const cJSON *a, const cJSON *b)
{
    const char *ta, *tb;
    const cJSON *x = tval(a, &ta), *y = tval(b, &tb);
    if (!ta || !tb || strcmp(ta, tb)) return 0;
    if (!strcmp(ta, "S")) return !strncmp(x->valuestring, y->valuestring, strlen(y->valuestring));
    if (!strcmp(ta, "B")) {
        unsigned char *p, *q;
        long np = b64(x->valuestring, &p), nq = b64(y->valuestring, &q);
        int r = nq <= np && !memcmp(p, q, (size_t)nq);
        free(p);
        free(q);
        return r;
    }
    return 0;
}

static int contains(const cJSON *a, const cJSON *b)
{
    const char *ta, *tb;
    const cJSON *x = tval(a, &ta), *y = tval(b, &tb);
    if (!ta || !tb) return 0;
    if (!strcmp(ta, "S") && !strcmp(tb, "S")) return strstr(x->valuestring, y->valuestring) != NULL;
    if (!strcmp(ta, "B") && !strcmp(tb, "B")) {
        unsigned char *p, *q;
        long np = b64(x->valuestring, &p), nq = b64(y->valuestring, &q);
        int r = 0;
        for (long k = 0; k + nq <= np && !r; k++) r = !memcmp(p + k, q, (size_t)nq);
        free(p);
        free(q);
        return r;
    }
    if (strlen(ta) == 2 && ta[1] == 'S' && !tb[1] && ta[0] == tb[0])
        return set_contains(ta[0], x, y->valuestring);
    if (!strcmp(ta, "L")) {
        for (const cJSON *j = x->child; j; j = j->next)
            if (av_equal(j, b)) return 1;
    }
    return 0;
}

static int eval(evalctx_t *c, const expr_node_t *n)
{
    switch (n->kind) {
    case EN_AND: return eval(c, n->args[0]) && eval(c, n->args[1]);
    case EN_OR: return eval(c, n->args[0]) || eval(c, n->args[1]);
    case EN_NOT: return !eval(c, n->args[0]);
    case EN_CMP: return compare(n->op, operand(c, n->args[0]), operand(c, n->args[1]));
    case EN_BETWEEN: {
        const cJSON *v = operand(c, n->args[0]);
        return compare(TK_GE, v, operand(c, n->args[1])) && compare(TK_LE, v, operand(c, n->args[2]));
    }
    case EN_IN: {
        const cJSON *v = operand(c, n->args[0]);
        for (int k = 1; k < n->nargs; k++)
            if (compare(TK_EQ, v, operand(c, n->args[k]))) return 1;
        return 0;
    }
    case EN_FUNC:
        switch (n->func) {
        case EF_ATTRIBUTE_EXISTS: return expr_path_get(&n->args[0]->path, c->item) != NULL;
        case EF_ATTRIBUTE_NOT_EXISTS: return expr_path_get(&n->args[0]->path, c->item) == NULL;
        case EF_ATTRIBUTE_TYPE: {
            const char *t, *want;
            tval(expr_path_get(&n->args[0]->path, c->item), &t);
            tval(operand(c, n->args[1]), &want);
            if (!t || !want || strcmp(want, "S")) return 0;
            return !strcmp(cJSON_GetObjectItemCaseSensitive(operand(c, n->args[1]), "S")->valuestring, t);
        }
        case EF_BEGINS_WITH: return begins_with(operand(c, n->args[0]), operand(c, n->args[1]));
        case EF_CONTAINS: return contains(operand(c, n->args[0]), operand(c, n->args[1]));
        default: return 0;
        }
    default:
        return 0;
    }
}

int expr_eval_cond(const expr_t *x, const cJSON *item, err_t *e)
{
    cJSON empty = {0};
    empty.type = cJSON_Object;
    if (!x->root) return 1;
    evalctx_t c = {item ? item : &empty, cJSON_CreateArray(), e};
    int r = eval(&c, x->root);
    cJSON_Delete(c.tmp);
    return r;
}

/* ---- updates --------------------------------------------------------------------------- */

static int bad_operand(err_t *e)
{
    return err_validation(e, "An operand in the update expression has an incorrect data type");
}

static int bad_path(err_t *e)
{
    return err_validation(e, "The document path provided in the update expression is invalid for update");
}

/* Evaluates a SET value against the old item into a new AttributeValue (caller owns). */
static cJSON *set_value(evalctx_t *c, const expr_node_t *n)
{
    switch (n->kind) {
    case EN_VALUE:
        return cJSON_Duplicate(n->value, 1);
    case EN_PATH: {
        const cJSON *v = expr_path_get(&n->path, c->item);
        if (!v) {
            err_validation(c->e, "The provided expression refers to an attribute that does not exist in the item");
            return NULL;
        }
        return cJSON_Duplicate(v, 1);
    }
    case EN_FUNC:
        if (n->func == EF_IF_NOT_EXISTS) {
            const cJSON *v = expr_path_get(&n->args[0]->path, c->item);
            if (v) return cJSON_Duplicate(v, 1);
            return set_value(c, n->args[1]);
        }
        if (n->func == EF_LIST_APPEND) {
            cJSON *a = set_value(c, n->args[0]);
            if (!a) return NULL;
            cJSON *b = set_value(c, n->args[1]);
            if (!b) { cJSON_Delete(a); return NULL; }
            const char *ta, *tb;
            const cJSON *la = tval(a, &ta), *lb = tval(b, &tb);
            if (!ta || !tb || strcmp(ta, "L") || strcmp(tb, "L")) {
                bad_operand(c->e);
                cJSON_Delete(a);
                cJSON_Delete(b);
                return NULL;
            }
            cJSON *la_m = (cJSON *)la;
            while (lb->child) {
                cJSON *j = cJSON_DetachItemViaPointer((cJSON *)lb, lb->child);
                cJSON_AddItemToArray(la_m, j);
            }
            cJSON_Delete(b);
            return a;
        }
        return NULL;
    case EN_PLUS: case EN_MINUS: {
        cJSON *a = set_value(c, n->args[0]);
        if (!a) return NULL;
        cJSON *b = set_value(c, n->args[1]);
        if (!b) { cJSON_Delete(a); return NULL; }
        const char *ta, *tb;
        const cJSON *x = tval(a, &ta), *y = tval(b, &tb);
        cJSON *r = NULL;
        if (!ta || !tb || strcmp(ta, "N") || strcmp(tb, "N")) {
            bad_operand(c->e);
        } else {
            char buf[NUM_FMT_MAX];
            num_status_t st = expr_num_add(x->valuestring, y->valuestring, n->kind == EN_MINUS, buf);
            if (st != NUM_OK) err_validation(c->e, "%s", num_strerror(st));
            else {
                r = cJSON_CreateObject();
                cJSON_AddStringToObject(r, "N", buf);
            }
        }
        cJSON_Delete(a);
        cJSON_Delete(b);
        return r;
    }
    default:
        return NULL;
    }
}

/* The container that holds the last element of p in item, creating nothing. Returns the item
 * itself (an attribute map) for a one-element path, the "M" object or "L" array otherwise;
 * NULL when the parent does not exist or has the wrong type. */
static cJSON *parent_of(const expr_path_t *p, cJSON *item, int *is_list)
{
    *is_list = 0;
    if (p->n == 1) return item;
    cJSON *cur = item;
    for (int k = 0; cur && k < p->n - 1; k++) cur = step(cur, &p->el[k], k == 0);
    if (!cur) return NULL;
    const char *t;
    cJSON *v = (cJSON *)tval(cur, &t);
    const expr_pel_t *last = &p->el[p->n - 1];
    if (last->index >= 0) {
        if (strcmp(t, "L")) return NULL;
        *is_list = 1;
        return v;
    }
    return strcmp(t, "M") ? NULL : v;
}

static char *name_dup(const expr_pel_t *el)
{
    return xstrndup(el->name, el->name_len);
}

/* Stores v (taken) at path p. */
static int put_at(const expr_path_t *p, cJSON *item, cJSON *v, err_t *e)
{
    int is_list;
    cJSON *parent = parent_of(p, item, &is_list);
    if (!parent) { cJSON_Delete(v); return bad_path(e); }
    const expr_pel_t *last = &p->el[p->n - 1];
    if (is_list) {
        int size = cJSON_GetArraySize(parent);
        if (last->index >= size) cJSON_AddItemToArray(parent, v);
        else cJSON_ReplaceItemInArray(parent, (int)last->index, v);
        return 0;
    }
    cJSON *old = map_member(parent, last);
    if (old) {
        free(v->string);
        v->string = xstrdup(old->string);
        v->type &= ~cJSON_StringIsConst;
        cJSON_ReplaceItemViaPointer(parent, old, v);
    } else {
        char *name = name_dup(last);
        cJSON_AddItemToObject(parent, name, v);
        free(name);
    }
    return 0;
}

/* Sorts, checks and normalizes a set AttributeValue built by ADD. */
static int fix_set(cJSON *av, err_t *e)
{
    return av_check(av, 1, e);   /* ADD ns :v stores the set normalized (update_item.json up-ok-065) */
}

static int apply_add(const expr_action_t *a, cJSON *item, const cJSON *old_item, err_t *e)
{
    const cJSON *cur = expr_path_get(&a->path, old_item);
    const char *tv, *tc;
    const cJSON *v = tval(a->value->value, &tv);
    if (strcmp(tv, "N") && !(strlen(tv) == 2 && tv[1] == 'S')) return bad_operand(e);
    if (!cur) return put_at(&a->path, item, cJSON_Duplicate(a->value->value, 1), e);
    const cJSON *cv = tval(cur, &tc);
    if (strcmp(tc, tv)) return bad_operand(e);
    cJSON *r = cJSON_CreateObject();
    if (!strcmp(tv, "N")) {
        char buf[NUM_FMT_MAX];
        num_status_t st = expr_num_add(cv->valuestring, v->valuestring, 0, buf);
        if (st != NUM_OK) { cJSON_Delete(r); return err_validation(e, "%s", num_strerror(st)); }
        cJSON_AddStringToObject(r, "N", buf);
    } else {
        cJSON *arr = cJSON_Duplicate(cv, 1);
        for (const cJSON *j = v->child; j; j = j->next)
            if (!set_contains(tv[0], arr, j->valuestring)) cJSON_AddItemToArray(arr, cJSON_CreateString(j->valuestring));
        cJSON_AddItemToObject(r, tv, arr);
        if (fix_set(r, e) < 0) { cJSON_Delete(r); return -1; }
    }
    return put_at(&a->path, item, r, e);
}

static int apply_delete(const expr_action_t *a, cJSON *item, const cJSON *old_item, err_t *e)
{
    const cJSON *cur = expr_path_get(&a->path, old_item);
    const char *tv, *tc;
    const cJSON *v = tval(a->value->value, &tv);
    if (!(strlen(tv) == 2 && tv[1] == 'S')) return bad_operand(e);
    if (!cur) {
        int is_list;
        if (!parent_of(&a->path, item, &is_list)) return bad_path(e);
        return 0;
    }
    const cJSON *cv = tval(cur, &tc);
    if (strcmp(tc, tv)) return bad_operand(e);
    cJSON *arr = cJSON_CreateArray();
    for (const cJSON *j = cv->child; j; j = j->next)
        if (!set_contains(tv[0], v, j->valuestring)) cJSON_AddItemToArray(arr, cJSON_CreateString(j->valuestring));
    if (!arr->child) {
        cJSON_Delete(arr);
        int is_list;
        cJSON *parent = parent_of(&a->path, item, &is_list);
        const expr_pel_t *last = &a->path.el[a->path.n - 1];
        if (parent && is_list) cJSON_DeleteItemFromArray(parent, (int)last->index);
        else if (parent) {
            cJSON *m = map_member(parent, last);
            if (m) cJSON_Delete(cJSON_DetachItemViaPointer(parent, m));
        }
        return 0;
    }
    cJSON *r = cJSON_CreateObject();
    cJSON_AddItemToObject(r, tv, arr);
    return put_at(&a->path, item, r, e);
}

static int cmp_remove(const void *x, const void *y)
{
    const expr_action_t *a = *(const expr_action_t *const *)x, *b = *(const expr_action_t *const *)y;
    long ia = a->path.el[a->path.n - 1].index, ib = b->path.el[b->path.n - 1].index;
    return (ib > ia) - (ib < ia);   /* higher list indexes first */
}

int expr_apply_update(const expr_t *x, cJSON *item, err_t *e)
{
    cJSON *old = cJSON_Duplicate(item, 1);
    evalctx_t c = {old, NULL, e};
    int rc = 0;
    /* values first, all against the item as it was (SET a = :v, b = a gives b the old a) */
    cJSON **vals = xcalloc((size_t)(x->nacts ? x->nacts : 1), sizeof *vals);
    const expr_action_t **removes = xcalloc((size_t)(x->nacts ? x->nacts : 1), sizeof *removes);
    int nrem = 0;
    for (int k = 0; k < x->nacts && rc == 0; k++)
        if (x->acts[k].kind == EU_SET && !(vals[k] = set_value(&c, x->acts[k].value))) rc = -1;
    for (int k = 0; k < x->nacts && rc == 0; k++) {
        const expr_action_t *a = &x->acts[k];
        switch (a->kind) {
        case EU_SET:
            rc = put_at(&a->path, item, vals[k], e);
            vals[k] = NULL;
            break;
        case EU_ADD:
            rc = apply_add(a, item, old, e);
            break;
        case EU_DELETE:
            rc = apply_delete(a, item, old, e);
            break;
        case EU_REMOVE:
            removes[nrem++] = a;
            break;
        }
    }
    if (rc == 0 && nrem) {
        qsort(removes, (size_t)nrem, sizeof *removes, cmp_remove);
        for (int k = 0; k < nrem && rc == 0; k++) {
            const expr_path_t *p = &removes[k]->path;
            int is_list;
            cJSON *parent = parent_of(p, item, &is_list);
            if (!parent) {
                rc = bad_path(e);
                break;
            }
            const expr_pel_t *last = &p->el[p->n - 1];
            if (is_list) {
                if (last->index < cJSON_GetArraySize(parent)) cJSON_DeleteItemFromArray(parent, (int)last->index);
            } else {
                cJSON *m = map_member(parent, last);
                if (m) cJSON_Delete(cJSON_DetachItemViaPointer(parent, m));
            }
        }
    }
    for (int k = 0; k < x->nacts; k++) cJSON_Delete(vals[k]);
    free(vals);
    free(removes);
    cJSON_Delete(old);
    return rc;
}

/* ---- projection ------------------------------------------------------------------------ */

/* Copies the parts of value av (an AttributeValue) selected by paths[0..n) from depth d on. */
static cJSON *project_value(const cJSON *av, const expr_path_t *const *paths, int n, int d);

static int pel_match(const expr_pel_t *el, const cJSON *member, int index)
{
    if (el->index >= 0) return el->index == index;
    return member && strlen(member->string) == el->name_len && !memcmp(member->string, el->name, el->name_len);
}

/* For a container's child (member or index), the paths that go through it. Returns the
 * projected child or NULL. */
static cJSON *project_child(const cJSON *child, const cJSON *member, int index,
                            const expr_path_t *const *paths, int n, int d)
{
    const expr_path_t **sel = xmalloc((size_t)n * sizeof *sel);
    int m = 0, whole = 0;
    for (int k = 0; k < n; k++) {
        if (paths[k]->n <= d || !pel_match(&paths[k]->el[d], member, index)) continue;
        if (paths[k]->n == d + 1) whole = 1;
        sel[m++] = paths[k];
    }
    cJSON *r = NULL;
    if (whole) r = cJSON_Duplicate(child, 1);
    else if (m) r = project_value(child, sel, m, d + 1);
    free(sel);
    return r;
}

static cJSON *project_value(const cJSON *av, const expr_path_t *const *paths, int n, int d)
{
    const char *t;
    const cJSON *v = tval(av, &t);
    if (!t) return NULL;
    int is_map = !strcmp(t, "M");
    if (!is_map && strcmp(t, "L")) return NULL;
    cJSON *out = is_map ? cJSON_CreateObject() : cJSON_CreateArray();
    int idx = 0, any = 0;
    for (const cJSON *j = v->child; j; j = j->next, idx++) {
        cJSON *r = project_child(j, is_map ? j : NULL, is_map ? -1 : idx, paths, n, d);
        if (!r) continue;
        any = 1;
        if (is_map) cJSON_AddItemToObject(out, j->string, r);
        else cJSON_AddItemToArray(out, r);
    }
    if (!any) { cJSON_Delete(out); return NULL; }
    cJSON *wrap = cJSON_CreateObject();
    cJSON_AddItemToObject(wrap, t, out);
    return wrap;
}

cJSON *expr_project(const expr_t *x, const cJSON *item)
{
    cJSON *out = cJSON_CreateObject();
    const expr_path_t **paths = xmalloc((size_t)(x->npaths ? x->npaths : 1) * sizeof *paths);
    for (int k = 0; k < x->npaths; k++) paths[k] = &x->paths[k];
    for (const cJSON *j = item->child; j; j = j->next) {
        cJSON *r = project_child(j, j, -1, paths, x->npaths, 0);
        if (r) cJSON_AddItemToObject(out, j->string, r);
    }
    free(paths);
    return out;
}
