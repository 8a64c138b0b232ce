/*
 * trig_filter.c: FilterCriteria patterns, the EventBridge content-filtering syntax that Lambda
 * applies to stream records before it batches them (lambda-triggers.md §5).
 *
 * A pattern is compiled once (when the mapping is parsed, so a bad pattern stops ddblocal
 * before it listens) into a tree of fields; matching walks the tree against one record.
 *
 * Semantics follow EventBridge's, which sees an event as its flattened leaves (strings,
 * numbers, booleans, null; arrays contribute each of their elements):
 *   - an object in the pattern names a nested path; an array holds the rules for a leaf, OR-ed;
 *     different fields are AND-ed; "$or": [pattern, ...] OR-s whole sub-patterns;
 *   - rules: "string", number (numeric equality), true/false, null, {"prefix"}, {"suffix"},
 *     {"equals-ignore-case"}, {"prefix"/"suffix": {"equals-ignore-case"}}, {"wildcard"},
 *     {"anything-but": value | [values] | {"prefix"|"suffix"|"equals-ignore-case"|"wildcard"}},
 *     {"numeric": [op, n (, op, n)]}, {"exists": true|false};
 *   - rules only ever match leaves: an object value is not a leaf, so {"exists": true} does not
 *     match it and {"exists": false} does. That is why a DynamoDB attribute is tested one level
 *     down, at its type: {"NewImage": {"status": {"S": [{"exists": true}]}}};
 *   - when the value is an array, a rule matches if it matches any element, and a nested
 *     pattern matches if it matches any element object as a whole;
 *   - "numeric" and number literals only match JSON numbers. DynamoDB N values are JSON
 *     strings in the record ({"N": "300"}), so on AWS a numeric rule under "N" never matches
 *     them and ddblocal does the same (a filter that works locally must work on AWS).
 * Numbers are compared exactly with num.h: pattern numbers from their JSON text, record numbers
 * (which cJSON keeps only as doubles) from the shortest text that reads back as the same double.
 */
#include "trig.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum {
    R_STR = 1,       /* "x": the same string */
    R_NUM,           /* 5: a number equal to 5 */
    R_BOOL,          /* true / false */
    R_NULL,          /* null */
    R_PREFIX,
    R_SUFFIX,
    R_EIC,           /* equals-ignore-case */
    R_PREFIX_EIC,
    R_SUFFIX_EIC,
    R_WILDCARD,
    R_EXISTS,
    R_NUMERIC,
    R_BUT,           /* anything-but: a leaf that matches none of the rules in but[] */
} rkind_t;

typedef struct rule {
    rkind_t kind;
    char *s;                     /* string operand */
    size_t slen;
    num_t n;                     /* R_NUM */
    int b;                       /* R_BOOL, R_EXISTS */
    int has_lo, lo_incl, has_hi, hi_incl;   /* R_NUMERIC ("=" is lo and hi inclusive) */
    num_t lo, hi;
    struct rule *but;            /* R_BUT */
    int nbut;
} rule_t;

typedef struct pat pat_t;

typedef enum { F_RULES = 1, F_SUB, F_OR } fkind_t;

typedef struct field {
    fkind_t kind;
    char *key;                   /* F_RULES, F_SUB */
    rule_t *rules;               /* F_RULES */
    int nrules;
    pat_t *sub;                  /* F_SUB */
    pat_t **alts;                /* F_OR */
    int nalts;
} field_t;

struct pat {
    field_t *fields;
    int nfields;
};

struct trig_filter {
    pat_t *root;
};

/* ---- compiling ---------------------------------------------------------------------------- */

/* The source text of every number of the pattern, in document order, tied to its cJSON node:
 * cJSON keeps only a double, and "0.1" must stay exactly 0.1. */
typedef struct {
    const cJSON **node;
    const char **text;
    size_t *len;
    int n, cap;
} numtab_t;

typedef struct {
    numtab_t nums;
    char *err;
    size_t errlen;
    char path[512];              /* the dotted path being compiled, for messages */
} cctx_t;

static int cfail(cctx_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int cfail(cctx_t *c, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->err && c->errlen) {
        if (c->path[0])
            snprintf(c->err, c->errlen, "invalid at \"%s\": %s", c->path, msg);
        else
            snprintf(c->err, c->errlen, "invalid: %s", msg);
    }
    return -1;
}

/* Collects the number tokens of text (already known to be valid JSON). */
static void scan_numbers(const char *text, const char ***starts, size_t **lens, int *n)
{
    int cap = 0;
    *starts = NULL;
    *lens = NULL;
    *n = 0;
    for (const char *p = text; *p;) {
        if (*p == '"') {
            for (p++; *p && *p != '"'; p++)
                if (*p == '\\' && p[1])
                    p++;
            if (*p)
                p++;
        } else if (*p == '-' || isdigit((unsigned char)*p)) {
            const char *s = p;
            while (*p && strchr("+-0123456789.eE", *p))
                p++;
            if (*n == cap) {
                cap = cap ? cap * 2 : 8;
                *starts = xrealloc(*starts, (size_t)cap * sizeof **starts);
                *lens = xrealloc(*lens, (size_t)cap * sizeof **lens);
            }
            (*starts)[*n] = s;
            (*lens)[*n] = (size_t)(p - s);
            (*n)++;
        } else {
            p++;
        }
    }
}

/* Ties the k-th number node of v (document order) to the k-th token. */
static void tie_numbers(numtab_t *t, const cJSON *v, const char **starts, const size_t *lens, int ntok)
{
    for (; v; v = v->next) {
        if (cJSON_IsNumber(v) && t->n < ntok) {
            if (t->n == t->cap) {
                t->cap = t->cap ? t->cap * 2 : 8;
                t->node = xrealloc(t->node, (size_t)t->cap * sizeof *t->node);
                t->text = xrealloc(t->text, (size_t)t->cap * sizeof *t->text);
                t->len = xrealloc(t->len, (size_t)t->cap * sizeof *t->len);
            }
            t->node[t->n] = v;
            t->text[t->n] = starts[t->n];
            t->len[t->n] = lens[t->n];
            t->n++;
        }
        if (v->child)
            tie_numbers(t, v->child, starts, lens, ntok);
    }
}

/* The exact value of a pattern number. */
static int pattern_number(cctx_t *c, const cJSON *v, num_t *out)
{
    for (int i = 0; i < c->nums.n; i++)
        if (c->nums.node[i] == v) {
            num_status_t st = num_parse(out, c->nums.text[i], c->nums.len[i]);
            if (st != NUM_OK)
                return cfail(c, "the number %.*s is out of range: %s", (int)c->nums.len[i],
                             c->nums.text[i], num_strerror(st));
            return 0;
        }
    return cfail(c, "internal error: a number without its text");
}

/* The exact value of a number the record holds (a double): the shortest decimal text that
 * reads back as the same double. 0 on success, -1 if it is outside DynamoDB's range. */
static int record_number(const cJSON *v, num_t *out)
{
    char buf[40];
    double d = v->valuedouble;
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    return num_parse(out, buf, strlen(buf)) == NUM_OK ? 0 : -1;
}

static void rule_fini(rule_t *r)
{
    free(r->s);
    for (int i = 0; i < r->nbut; i++)
        rule_fini(&r->but[i]);
    free(r->but);
}

static void pat_free(pat_t *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->nfields; i++) {
        field_t *f = &p->fields[i];
        free(f->key);
        for (int k = 0; k < f->nrules; k++)
            rule_fini(&f->rules[k]);
        free(f->rules);
        pat_free(f->sub);
        for (int k = 0; k < f->nalts; k++)
            pat_free(f->alts[k]);
        free(f->alts);
    }
    free(p->fields);
    free(p);
}

static void set_str(rule_t *r, rkind_t kind, const char *s)
{
    r->kind = kind;
    r->s = xstrdup(s);
    r->slen = strlen(s);
}

/* A string operand of an operator; an object {"equals-ignore-case": "..."} as well where the
 * operator allows it (eic_kind != 0). */
static int string_operand(cctx_t *c, const char *op, const cJSON *v, rule_t *r, rkind_t kind, rkind_t eic_kind)
{
    if (cJSON_IsString(v)) {
        set_str(r, kind, v->valuestring);
        return 0;
    }
    if (eic_kind && cJSON_IsObject(v) && v->child && !v->child->next &&
        strcmp(v->child->string, "equals-ignore-case") == 0 && cJSON_IsString(v->child)) {
        set_str(r, eic_kind, v->child->valuestring);
        return 0;
    }
    return cfail(c, "\"%s\" needs a string%s", op, eic_kind ? " or {\"equals-ignore-case\": string}" : "");
}

static int compile_numeric(cctx_t *c, const cJSON *v, rule_t *r)
{
    r->kind = R_NUMERIC;
    int n = cJSON_IsArray(v) ? cJSON_GetArraySize(v) : 0;
    if (n != 2 && n != 4)
        return cfail(c, "\"numeric\" needs [op, number] or [op, number, op, number] with op one of = < <= > >=");
    const cJSON *e = v->child;
    for (int i = 0; i < n; i += 2, e = e->next->next) {
        const cJSON *num = e->next;
        if (!cJSON_IsString(e))
            return cfail(c, "\"numeric\": an operator must be one of = < <= > >=");
        if (!cJSON_IsNumber(num))
            return cfail(c, "\"numeric\": the operand of \"%s\" must be a number", e->valuestring);
        num_t x;
        if (pattern_number(c, num, &x))
            return -1;
        const char *op = e->valuestring;
        if (strcmp(op, "=") == 0) {
            if (n != 2)
                return cfail(c, "\"numeric\": \"=\" cannot be combined with another bound");
            r->has_lo = r->has_hi = r->lo_incl = r->hi_incl = 1;
            r->lo = r->hi = x;
        } else if (strcmp(op, ">") == 0 || strcmp(op, ">=") == 0) {
            if (r->has_lo)
                return cfail(c, "\"numeric\": two lower bounds");
            r->has_lo = 1;
            r->lo_incl = op[1] == '=';
            r->lo = x;
        } else if (strcmp(op, "<") == 0 || strcmp(op, "<=") == 0) {
            if (r->has_hi)
                return cfail(c, "\"numeric\": two upper bounds");
            r->has_hi = 1;
            r->hi_incl = op[1] == '=';
            r->hi = x;
        } else {
            return cfail(c, "\"numeric\": unknown operator \"%s\" (use = < <= > >=)", op);
        }
    }
    return 0;
}

/* A plain value as an equality rule (strings, numbers, booleans, null). */
static int compile_literal(cctx_t *c, const cJSON *v, rule_t *r, int allow_null_bool)
{
    if (cJSON_IsString(v)) {
        set_str(r, R_STR, v->valuestring);
        return 0;
    }
    if (cJSON_IsNumber(v)) {
        r->kind = R_NUM;
        return pattern_number(c, v, &r->n);
    }
    if (allow_null_bool && cJSON_IsBool(v)) {
        r->kind = R_BOOL;
        r->b = cJSON_IsTrue(v);
        return 0;
    }
    if (allow_null_bool && cJSON_IsNull(v)) {
        r->kind = R_NULL;
        return 0;
    }
    return -2;
}

static int compile_but(cctx_t *c, const cJSON *v, rule_t *r)
{
    r->kind = R_BUT;
    if (cJSON_IsArray(v)) {
        int n = cJSON_GetArraySize(v);
        if (n == 0)
            return cfail(c, "\"anything-but\" needs at least one value");
        r->but = xcalloc((size_t)n, sizeof *r->but);
        int strings = 0, numbers = 0;
        for (const cJSON *e = v->child; e; e = e->next) {
            strings += cJSON_IsString(e);
            numbers += cJSON_IsNumber(e);
            int rc = compile_literal(c, e, &r->but[r->nbut], 0);
            if (rc == -2)
                return cfail(c, "\"anything-but\" takes strings or numbers");
            if (rc)
                return -1;
            r->nbut++;
        }
        if (strings && numbers)
            return cfail(c, "\"anything-but\" takes strings or numbers, not both");
        return 0;
    }
    r->but = xcalloc(1, sizeof *r->but);
    if (cJSON_IsObject(v)) {
        if (!v->child || v->child->next)
            return cfail(c, "\"anything-but\" takes a value, a list, or one of prefix, suffix, equals-ignore-case, wildcard");
        const char *op = v->child->string;
        const cJSON *a = v->child;
        int rc;
        if (strcmp(op, "prefix") == 0)
            rc = string_operand(c, op, a, r->but, R_PREFIX, 0);
        else if (strcmp(op, "suffix") == 0)
            rc = string_operand(c, op, a, r->but, R_SUFFIX, 0);
        else if (strcmp(op, "wildcard") == 0)
            rc = string_operand(c, op, a, r->but, R_WILDCARD, 0);
        else if (strcmp(op, "equals-ignore-case") == 0) {
            if (cJSON_IsArray(a)) {
                /* a list of strings, any casing of any of them is excluded */
                int n = cJSON_GetArraySize(a);
                if (n == 0)
                    return cfail(c, "\"anything-but\": \"equals-ignore-case\" needs at least one string");
                free(r->but);
                r->but = xcalloc((size_t)n, sizeof *r->but);
                for (const cJSON *e = a->child; e; e = e->next) {
                    if (!cJSON_IsString(e))
                        return cfail(c, "\"anything-but\": \"equals-ignore-case\" takes strings");
                    set_str(&r->but[r->nbut++], R_EIC, e->valuestring);
                }
                return 0;
            }
            rc = string_operand(c, op, a, r->but, R_EIC, 0);
        } else
            return cfail(c, "\"anything-but\": unknown operator \"%s\"", op);
        if (rc)
            return rc;
        r->nbut = 1;
        return 0;
    }
    int rc = compile_literal(c, v, r->but, 0);
    if (rc == -2)
        return cfail(c, "\"anything-but\" takes a string, a number, a list of them, or an operator object");
    if (rc)
        return -1;
    r->nbut = 1;
    return 0;
}

static int compile_rule(cctx_t *c, const cJSON *v, rule_t *r)
{
    int rc = compile_literal(c, v, r, 1);
    if (rc != -2)
        return rc;
    if (cJSON_IsArray(v))
        return cfail(c, "a rule cannot be an array");
    /* an operator object: exactly one member */
    if (!v->child)
        return cfail(c, "an empty object is not a rule");
    if (v->child->next)
        return cfail(c, "a rule object has exactly one operator (got \"%s\" and \"%s\")", v->child->string,
                     v->child->next->string);
    const char *op = v->child->string;
    const cJSON *a = v->child;
    if (strcmp(op, "prefix") == 0)
        return string_operand(c, op, a, r, R_PREFIX, R_PREFIX_EIC);
    if (strcmp(op, "suffix") == 0)
        return string_operand(c, op, a, r, R_SUFFIX, R_SUFFIX_EIC);
    if (strcmp(op, "equals-ignore-case") == 0)
        return string_operand(c, op, a, r, R_EIC, 0);
    if (strcmp(op, "wildcard") == 0)
        return string_operand(c, op, a, r, R_WILDCARD, 0);
    if (strcmp(op, "exists") == 0) {
        if (!cJSON_IsBool(a))
            return cfail(c, "\"exists\" needs true or false");
        r->kind = R_EXISTS;
        r->b = cJSON_IsTrue(a);
        return 0;
    }
    if (strcmp(op, "numeric") == 0)
        return compile_numeric(c, a, r);
    if (strcmp(op, "anything-but") == 0)
        return compile_but(c, a, r);
    return cfail(c, "unknown operator \"%s\" (known: prefix, suffix, equals-ignore-case, wildcard, "
                    "anything-but, numeric, exists)", op);
}

static pat_t *compile_pat(cctx_t *c, const cJSON *obj);

/* Appends ".key" to the path of messages; *saved is where to cut it back. */
static void push_path(cctx_t *c, const char *key, size_t *saved)
{
    *saved = strlen(c->path);
    if (*saved + strlen(key) + 2 >= sizeof c->path)
        return;   /* too deep to show: the message names the part that fits */
    if (*saved)
        strcat(c->path, ".");
    strcat(c->path, key);
}

static int compile_field(cctx_t *c, const cJSON *v, field_t *f)
{
    if (strcmp(v->string, "$or") == 0) {
        f->kind = F_OR;
        int n = cJSON_IsArray(v) ? cJSON_GetArraySize(v) : 0;
        if (n < 1)
            return cfail(c, "\"$or\" needs an array of patterns");
        f->alts = xcalloc((size_t)n, sizeof *f->alts);
        for (const cJSON *e = v->child; e; e = e->next) {
            if (!cJSON_IsObject(e))
                return cfail(c, "\"$or\" needs an array of patterns (objects)");
            pat_t *p = compile_pat(c, e);
            if (!p)
                return -1;
            f->alts[f->nalts++] = p;
        }
        return 0;
    }
    f->key = xstrdup(v->string);
    size_t saved;
    push_path(c, v->string, &saved);
    int rc = 0;
    if (cJSON_IsObject(v)) {
        f->kind = F_SUB;
        f->sub = compile_pat(c, v);
        rc = f->sub ? 0 : -1;
    } else if (cJSON_IsArray(v)) {
        f->kind = F_RULES;
        int n = cJSON_GetArraySize(v);
        f->rules = xcalloc((size_t)(n ? n : 1), sizeof *f->rules);
        for (const cJSON *e = v->child; e && rc == 0; e = e->next) {
            rc = compile_rule(c, e, &f->rules[f->nrules]);
            f->nrules++;           /* counted even when it failed, so it is freed */
        }
    } else {
        rc = cfail(c, "the value must be an array of rules or an object of fields");
    }
    c->path[saved] = '\0';
    return rc;
}

static pat_t *compile_pat(cctx_t *c, const cJSON *obj)
{
    pat_t *p = xcalloc(1, sizeof *p);
    int n = cJSON_GetArraySize(obj);
    p->fields = xcalloc((size_t)(n ? n : 1), sizeof *p->fields);
    for (const cJSON *e = obj->child; e; e = e->next) {
        int rc = compile_field(c, e, &p->fields[p->nfields]);
        p->nfields++;
        if (rc) {
            pat_free(p);
            return NULL;
        }
    }
    return p;
}

trig_filter_t *trig_filter_compile(const char *pattern, char *err, size_t errlen)
{
    const char *end = NULL;
    cJSON *doc = cJSON_ParseWithOpts(pattern, &end, 1);
    if (!doc) {
        size_t off = end && end >= pattern ? (size_t)(end - pattern) : 0;
        snprintf(err, errlen, "not valid JSON (at offset %zu)", off);
        return NULL;
    }
    if (!cJSON_IsObject(doc)) {
        cJSON_Delete(doc);
        snprintf(err, errlen, "not a JSON object");
        return NULL;
    }
    cctx_t c;
    memset(&c, 0, sizeof c);
    c.err = err;
    c.errlen = errlen;
    const char **starts;
    size_t *lens;
    int ntok;
    scan_numbers(pattern, &starts, &lens, &ntok);
    tie_numbers(&c.nums, doc->child, starts, lens, ntok);
    pat_t *root = compile_pat(&c, doc);
    free(starts);
    free(lens);
    free(c.nums.node);
    free(c.nums.text);
    free(c.nums.len);
    cJSON_Delete(doc);
    if (!root)
        return NULL;
    trig_filter_t *f = xcalloc(1, sizeof *f);
    f->root = root;
    return f;
}

void trig_filter_free(trig_filter_t *f)
{
    if (!f)
        return;
    pat_free(f->root);
    free(f);
}

/* ---- matching ----------------------------------------------------------------------------- */

static int eq_ignore_case(const char *a, size_t an, const char *b, size_t bn)
{
    if (an != bn)
        return 0;
    for (size_t i = 0; i < an; i++)
        if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i]))
            return 0;
    return 1;
}

/* '*' matches any run of characters, "\\*" a literal star. */
static int wildcard(const char *p, const char *s)
{
    const char *star = NULL, *mark = NULL;
    while (*s) {
        if (*p == '*') {
            star = ++p;
            mark = s;
            continue;
        }
        int escaped = *p == '\\' && p[1] == '*';
        char pc = escaped ? '*' : *p;
        if (*p && pc == *s) {
            p += escaped ? 2 : 1;
            s++;
        } else if (star) {
            p = star;
            s = ++mark;
        } else {
            return 0;
        }
    }
    while (*p == '*')
        p++;
    return *p == '\0';
}

/* 1 when the leaf v (string, number, boolean or null) satisfies r. */
static int rule_match(const rule_t *r, const cJSON *v)
{
    const char *s = cJSON_IsString(v) ? v->valuestring : NULL;
    size_t sn = s ? strlen(s) : 0;
    num_t x;
    switch (r->kind) {
    case R_STR:
        return s && sn == r->slen && memcmp(s, r->s, sn) == 0;
    case R_NUM:
        return cJSON_IsNumber(v) && record_number(v, &x) == 0 && num_cmp(&x, &r->n) == 0;
    case R_BOOL:
        return cJSON_IsBool(v) && cJSON_IsTrue(v) == r->b;
    case R_NULL:
        return cJSON_IsNull(v);
    case R_PREFIX:
        return s && sn >= r->slen && memcmp(s, r->s, r->slen) == 0;
    case R_SUFFIX:
        return s && sn >= r->slen && memcmp(s + sn - r->slen, r->s, r->slen) == 0;
    case R_EIC:
        return s && eq_ignore_case(s, sn, r->s, r->slen);
    case R_PREFIX_EIC:
        return s && sn >= r->slen && eq_ignore_case(s, r->slen, r->s, r->slen);
    case R_SUFFIX_EIC:
        return s && sn >= r->slen && eq_ignore_case(s + sn - r->slen, r->slen, r->s, r->slen);
    case R_WILDCARD:
        return s && wildcard(r->s, s);
    case R_EXISTS:
        return r->b;   /* a leaf is there */
    case R_NUMERIC:
        if (!cJSON_IsNumber(v) || record_number(v, &x) != 0)
            return 0;
        if (r->has_lo) {
            int c = num_cmp(&x, &r->lo);
            if (c < 0 || (c == 0 && !r->lo_incl))
                return 0;
        }
        if (r->has_hi) {
            int c = num_cmp(&x, &r->hi);
            if (c > 0 || (c == 0 && !r->hi_incl))
                return 0;
        }
        return 1;
    case R_BUT:
        for (int i = 0; i < r->nbut; i++)
            if (rule_match(&r->but[i], v))
                return 0;
        return 1;
    }
    return 0;
}

/* Calls rule matching on every leaf under v (v itself, or the elements of an array, nested
 * arrays flattened). Returns 1 on the first match; *leaves counts the leaves seen. */
static int any_leaf(const field_t *f, const cJSON *v, int *leaves)
{
    if (cJSON_IsArray(v)) {
        for (const cJSON *e = v->child; e; e = e->next)
            if (any_leaf(f, e, leaves))
                return 1;
        return 0;
    }
    if (cJSON_IsObject(v))
        return 0;   /* not a leaf */
    (*leaves)++;
    for (int i = 0; i < f->nrules; i++)
        if (rule_match(&f->rules[i], v))
            return 1;
    return 0;
}

static int pat_match(const pat_t *p, const cJSON *obj);

/* A nested pattern against a value: an object, or any object inside an array; anything else
 * has no fields, which only patterns made of {"exists": false} accept. */
static int sub_match(const pat_t *p, const cJSON *v)
{
    if (cJSON_IsArray(v)) {
        int objects = 0;
        for (const cJSON *e = v->child; e; e = e->next) {
            if (cJSON_IsObject(e) || cJSON_IsArray(e)) {
                objects++;
                if (sub_match(p, e))
                    return 1;
            }
        }
        return objects ? 0 : pat_match(p, NULL);
    }
    return pat_match(p, cJSON_IsObject(v) ? v : NULL);
}

static int field_match(const field_t *f, const cJSON *obj)
{
    if (f->kind == F_OR) {
        for (int i = 0; i < f->nalts; i++)
            if (pat_match(f->alts[i], obj))
                return 1;
        return 0;
    }
    const cJSON *v = obj ? cJSON_GetObjectItemCaseSensitive(obj, f->key) : NULL;
    if (f->kind == F_SUB)
        return sub_match(f->sub, v);
    int leaves = 0;
    if (v && any_leaf(f, v, &leaves))
        return 1;
    if (leaves)
        return 0;
    /* no leaf at this path: only {"exists": false} matches */
    for (int i = 0; i < f->nrules; i++)
        if (f->rules[i].kind == R_EXISTS && !f->rules[i].b)
            return 1;
    return 0;
}

static int pat_match(const pat_t *p, const cJSON *obj)
{
    for (int i = 0; i < p->nfields; i++)
        if (!field_match(&p->fields[i], obj))
            return 0;
    return 1;
}

int trig_filter_match(const trig_filter_t *f, const cJSON *record)
{
    return pat_match(f->root, cJSON_IsObject(record) ? record : NULL);
}
