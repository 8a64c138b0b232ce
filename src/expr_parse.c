/*
 * expr_parse.c: recursive-descent parser of DynamoDB expressions into an AST (expr.h).
 *
 * One function per precedence level of a condition: OR, AND, NOT, then a comparison / BETWEEN
 * / IN / function; operands are paths, :values, functions and parenthesized operands; an
 * update is a list of SET / REMOVE / ADD / DELETE sections; a projection a list of paths.
 *
 * Syntax errors are reported as DynamoDB Local's ANTLR parser reports them: the offending token
 * is the first token at which no alternative can continue (the parser backtracks between a
 * parenthesized condition and a parenthesized operand and keeps the furthest failure), and the
 * "near" text is the source from the token before it to the token after it
 * (test_expr.c syntax cases; cases.json #42 "= = :v", #55 "SET", #60 ",,b", #167 "size(n").
 */
#include "expr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct parser {
    expr_env_t *env;
    expr_t *x;
    const expr_tok_t *t;
    int i;                       /* current token */
    int fail;                    /* furthest token at which parsing failed, -1 none */
} parser_t;

static expr_tok_kind_t peek(const parser_t *p) { return p->t[p->i].kind; }
static expr_tok_kind_t peek_at(const parser_t *p, int k)
{
    int j = p->i + k;
    return j < p->x->ntoks ? p->t[j].kind : TK_EOF;
}

/* Records a failure at the current token; always returns NULL. */
static void *fail(parser_t *p)
{
    if (p->i > p->fail) p->fail = p->i;
    return NULL;
}

static expr_node_t *new_node(parser_t *p, expr_node_kind_t kind, int tok)
{
    expr_node_t *n = expr_alloc(p->env, sizeof *n);
    n->kind = kind;
    n->tok = tok;
    return n;
}

/* n is a node just made by new_node() (the arena aborts rather than return NULL). */
static void add_arg(parser_t *p, expr_node_t *n, expr_node_t *arg, int *cap)
{
    /* cppcheck-suppress ctunullpointer */
    if (n->nargs == *cap) {
        int ncap = *cap ? *cap * 2 : 4;
        expr_node_t **v = expr_alloc(p->env, (size_t)ncap * sizeof *v);
        if (n->nargs) memcpy(v, n->args, (size_t)n->nargs * sizeof *v);
        n->args = v;
        *cap = ncap;
    }
    n->args[n->nargs++] = arg;
}

/* path: (ID | #name) ( '.' (ID | #name) | '[' INDEX ']' )* */
static int parse_path(parser_t *p, expr_path_t *out)
{
    int cap = 4;
    out->n = 0;
    out->el = expr_alloc(p->env, (size_t)cap * sizeof *out->el);
    if (peek(p) != TK_ID && peek(p) != TK_NAME) { fail(p); return -1; }
    for (;;) {
        if (out->n == cap) {
            expr_pel_t *v = expr_alloc(p->env, (size_t)cap * 2 * sizeof *v);
            memcpy(v, out->el, (size_t)cap * sizeof *v);
            out->el = v;
            cap *= 2;
        }
        expr_pel_t *e = &out->el[out->n];
        if (out->n == 0 || peek(p) == TK_DOT) {
            if (out->n) p->i++;
            if (peek(p) != TK_ID && peek(p) != TK_NAME) { fail(p); return -1; }
            e->tok = p->i++;
            e->index = -1;
            out->n++;
        } else if (peek(p) == TK_LBRACK) {
            p->i++;
            if (peek(p) != TK_INDEX) { fail(p); return -1; }
            e->tok = p->i;
            const expr_tok_t *t = &p->t[p->i++];
            long v = 0;
            for (int k = 0; k < t->len; k++) {
                v = v * 10 + (p->x->text[t->pos + k] - '0');
                if (v > 1000000000L) v = 1000000000L;
            }
            e->index = v;
            if (peek(p) != TK_RBRACK) { fail(p); return -1; }
            p->i++;
            out->n++;
        } else {
            return 0;
        }
    }
}

static expr_node_t *parse_operand(parser_t *p);

/* ID '(' operand (',' operand)* ')' */
static expr_node_t *parse_function(parser_t *p)
{
    expr_node_t *n = new_node(p, EN_FUNC, p->i);
    int cap = 0;
    p->i += 2;
    for (;;) {
        expr_node_t *a = parse_operand(p);
        if (!a) return NULL;
        add_arg(p, n, a, &cap);
        if (peek(p) == TK_COMMA) { p->i++; continue; }
        if (peek(p) != TK_RPAREN) return fail(p);
        p->i++;
        return n;
    }
}

static expr_node_t *parse_operand(parser_t *p)
{
    switch (peek(p)) {
    case TK_LPAREN: {
        p->i++;
        expr_node_t *n = parse_operand(p);
        if (!n) return NULL;
        if (peek(p) != TK_RPAREN) return fail(p);
        p->i++;
        n->paren++;
        return n;
    }
    case TK_VALUE: {
        expr_node_t *n = new_node(p, EN_VALUE, p->i++);
        return n;
    }
    case TK_ID:
        if (peek_at(p, 1) == TK_LPAREN) return parse_function(p);
        /* fall through */
    case TK_NAME: {
        expr_node_t *n = new_node(p, EN_PATH, p->i);
        if (parse_path(p, &n->path) < 0) return NULL;
        return n;
    }
    default:
        return fail(p);
    }
}

static expr_node_t *parse_or(parser_t *p);

static int is_cmp(expr_tok_kind_t k) { return k >= TK_EQ && k <= TK_GE; }

/* A comparison, BETWEEN, IN or function condition, or a parenthesized condition. */
static expr_node_t *parse_primary(parser_t *p)
{
    if (peek(p) == TK_LPAREN) {
        int save = p->i;
        p->i++;
        expr_node_t *c = parse_or(p);
        if (c && peek(p) == TK_RPAREN) {
            p->i++;
            c->paren++;
            return c;
        }
        if (c) fail(p);
        p->i = save;   /* maybe a parenthesized operand: "(a) = :v" */
    }
    int start = p->i;
    expr_node_t *l = parse_operand(p);
    if (!l) return NULL;
    expr_tok_kind_t k = peek(p);
    if (is_cmp(k)) {
        expr_node_t *n = new_node(p, EN_CMP, p->i);
        n->op = k;
        p->i++;
        expr_node_t *r = parse_operand(p);
        if (!r) return NULL;
        int cap = 0;
        add_arg(p, n, l, &cap);
        add_arg(p, n, r, &cap);
        return n;
    }
    if (k == TK_BETWEEN) {
        expr_node_t *n = new_node(p, EN_BETWEEN, p->i);
        int cap = 0;
        p->i++;
        add_arg(p, n, l, &cap);
        expr_node_t *lo = parse_operand(p);
        if (!lo) return NULL;
        add_arg(p, n, lo, &cap);
        if (peek(p) != TK_AND) return fail(p);
        p->i++;
        expr_node_t *hi = parse_operand(p);
        if (!hi) return NULL;
        add_arg(p, n, hi, &cap);
        return n;
    }
    if (k == TK_IN) {
        expr_node_t *n = new_node(p, EN_IN, p->i);
        int cap = 0;
        p->i++;
        add_arg(p, n, l, &cap);
        if (peek(p) != TK_LPAREN) return fail(p);
        p->i++;
        for (;;) {
            expr_node_t *a = parse_operand(p);
            if (!a) return NULL;
            add_arg(p, n, a, &cap);
            if (peek(p) == TK_COMMA) { p->i++; continue; }
            if (peek(p) != TK_RPAREN) return fail(p);
            p->i++;
            return n;
        }
    }
    if (l->kind == EN_FUNC && !l->paren) return l;   /* attribute_exists(a), ... */
    (void)start;
    return fail(p);
}

static expr_node_t *parse_not(parser_t *p)
{
    if (peek(p) == TK_NOT) {
        expr_node_t *n = new_node(p, EN_NOT, p->i++);
        expr_node_t *c = parse_not(p);
        if (!c) return NULL;
        int cap = 0;
        add_arg(p, n, c, &cap);
        return n;
    }
    return parse_primary(p);
}

static expr_node_t *parse_and(parser_t *p)
{
    expr_node_t *l = parse_not(p);
    while (l && peek(p) == TK_AND) {
        expr_node_t *n = new_node(p, EN_AND, p->i++);
        expr_node_t *r = parse_not(p);
        if (!r) return NULL;
        int cap = 0;
        add_arg(p, n, l, &cap);
        add_arg(p, n, r, &cap);
        l = n;
    }
    return l;
}

static expr_node_t *parse_or(parser_t *p)
{
    expr_node_t *l = parse_and(p);
    while (l && peek(p) == TK_OR) {
        expr_node_t *n = new_node(p, EN_OR, p->i++);
        expr_node_t *r = parse_and(p);
        if (!r) return NULL;
        int cap = 0;
        add_arg(p, n, l, &cap);
        add_arg(p, n, r, &cap);
        l = n;
    }
    return l;
}

/* set_value: operand (('+' | '-') operand)? | '(' set_value ')' */
static expr_node_t *parse_set_value(parser_t *p)
{
    if (peek(p) == TK_LPAREN) {   /* "(:a + :b)"; else a parenthesized operand */
        int save = p->i;
        p->i++;
        expr_node_t *n = parse_set_value(p);
        if (n && peek(p) == TK_RPAREN && (n->kind == EN_PLUS || n->kind == EN_MINUS)) {
            p->i++;
            n->paren++;
            return n;
        }
        p->i = save;
    }
    expr_node_t *l = parse_operand(p);
    if (!l) return NULL;
    if (peek(p) == TK_PLUS || peek(p) == TK_MINUS) {
        expr_node_t *n = new_node(p, peek(p) == TK_PLUS ? EN_PLUS : EN_MINUS, p->i);
        p->i++;
        expr_node_t *r = parse_operand(p);
        if (!r) return NULL;
        int cap = 0;
        add_arg(p, n, l, &cap);
        add_arg(p, n, r, &cap);
        return n;
    }
    return l;
}

static int add_action(parser_t *p, int *cap, expr_upd_kind_t kind)
{
    if (p->x->nacts == *cap) {
        int ncap = *cap ? *cap * 2 : 8;
        expr_action_t *v = expr_alloc(p->env, (size_t)ncap * sizeof *v);
        if (p->x->nacts) memcpy(v, p->x->acts, (size_t)p->x->nacts * sizeof *v);
        p->x->acts = v;
        *cap = ncap;
    }
    expr_action_t *a = &p->x->acts[p->x->nacts];
    a->kind = kind;
    if (parse_path(p, &a->path) < 0) return -1;
    if (kind == EU_SET) {
        if (peek(p) != TK_EQ) { fail(p); return -1; }
        p->i++;
        if (!(a->value = parse_set_value(p))) return -1;
    } else if (kind == EU_ADD || kind == EU_DELETE) {
        if (peek(p) != TK_VALUE) { fail(p); return -1; }
        a->value = new_node(p, EN_VALUE, p->i++);
    }
    p->x->nacts++;
    return 0;
}

static int parse_update(parser_t *p)
{
    int cap = 0;
    do {
        expr_upd_kind_t kind;
        switch (peek(p)) {
        case TK_SET: kind = EU_SET; break;
        case TK_REMOVE: kind = EU_REMOVE; break;
        case TK_ADD: kind = EU_ADD; break;
        case TK_DELETE: kind = EU_DELETE; break;
        default: fail(p); return -1;
        }
        p->i++;
        for (int first = 1;; first = 0) {
            if (add_action(p, &cap, kind) < 0) return -1;
            p->x->acts[p->x->nacts - 1].section = first;
            if (peek(p) != TK_COMMA) break;
            p->i++;
        }
    } while (peek(p) != TK_EOF);
    return 0;
}

static int parse_projection(parser_t *p)
{
    int cap = 4;
    p->x->paths = expr_alloc(p->env, (size_t)cap * sizeof *p->x->paths);
    for (;;) {
        if (p->x->npaths == cap) {
            expr_path_t *v = expr_alloc(p->env, (size_t)cap * 2 * sizeof *v);
            memcpy(v, p->x->paths, (size_t)cap * sizeof *v);
            p->x->paths = v;
            cap *= 2;
        }
        if (parse_path(p, &p->x->paths[p->x->npaths]) < 0) return -1;
        p->x->npaths++;
        if (peek(p) != TK_COMMA) break;
        p->i++;
    }
    if (peek(p) != TK_EOF) { fail(p); return -1; }
    return 0;
}

const char *expr_kind_name(expr_kind_t kind)
{
    switch (kind) {
    case EXPR_CONDITION: return "ConditionExpression";
    case EXPR_FILTER: return "FilterExpression";
    case EXPR_KEY_CONDITION: return "KeyConditionExpression";
    case EXPR_PROJECTION: return "ProjectionExpression";
    case EXPR_UPDATE: return "UpdateExpression";
    }
    return "Expression";
}

/* "Syntax error; token: \"=\", near: \"= = :v\"" at token index at. */
static int syntax_error(parser_t *p, int at, err_t *e)
{
    const expr_tok_t *t = p->t;
    int n = p->x->ntoks;
    if (at >= n) at = n - 1;
    int from = at > 0 ? t[at - 1].pos : t[at].kind == TK_EOF ? 0 : t[at].pos;
    int to_tok = at + 1 < n ? at + 1 : at;
    int to = t[to_tok].pos + t[to_tok].len;
    if (t[at].kind == TK_EOF) to = t[at].pos;
    const char *s = p->x->text;
    if (t[at].kind == TK_EOF)
        return err_validation(e, "Invalid %s: Syntax error; token: \"<EOF>\", near: \"%.*s\"",
                              expr_kind_name(p->x->kind), to - from, s + from);
    return err_validation(e, "Invalid %s: Syntax error; token: \"%.*s\", near: \"%.*s\"",
                          expr_kind_name(p->x->kind), t[at].len, s + t[at].pos, to - from, s + from);
}

expr_t *expr_parse(expr_env_t *env, expr_kind_t kind, const char *text, err_t *e)
{
    expr_t *x = expr_alloc(env, sizeof *x);
    x->kind = kind;
    x->text = text;
    x->len = (int)strlen(text);
    if (x->len == 0) {
        err_validation(e, "Invalid %s: The expression can not be empty;", expr_kind_name(kind));
        return NULL;
    }
    long units = 0;   /* Java String length: UTF-16 code units */
    for (const unsigned char *q = (const unsigned char *)text; *q; q++)
        if ((*q & 0xC0) != 0x80) units += *q >= 0xF0 ? 2 : 1;
    if (units > 4096) {
        if (kind == EXPR_CONDITION)
            err_validation(e, "Invalid %s: Expression size has exceeded the maximum allowed size; expression size: %ld",
                           expr_kind_name(kind), units);
        else
            err_validation(e, "Invalid %s: Expression size has exceeded the maximum allowed size;", expr_kind_name(kind));
        return NULL;
    }
    expr_tok_t *toks;
    x->ntoks = expr_lex(text, x->len, &toks);
    x->toks = expr_alloc(env, (size_t)x->ntoks * sizeof *toks);
    memcpy(x->toks, toks, (size_t)x->ntoks * sizeof *toks);
    free(toks);

    parser_t p = {env, x, x->toks, 0, -1};
    int ok;
    if (kind == EXPR_UPDATE) {
        ok = parse_update(&p) == 0;
    } else if (kind == EXPR_PROJECTION) {
        ok = parse_projection(&p) == 0;
    } else {
        x->root = parse_or(&p);
        ok = x->root && peek(&p) == TK_EOF;
        if (x->root && !ok) fail(&p);
    }
    if (!ok) {
        syntax_error(&p, p.fail < 0 ? p.i : p.fail, e);
        return NULL;
    }
    if (expr_check_tree(env, x, e) < 0) return NULL;
    return x;
}
