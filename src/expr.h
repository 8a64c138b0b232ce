/*
 * expr.h: DynamoDB's expression language, shared by ConditionExpression, FilterExpression,
 * KeyConditionExpression, ProjectionExpression and UpdateExpression.
 *
 * Stages, as in jq and Alternator: expr_lex.c turns text into tokens (one lexer for every
 * kind); expr_parse.c builds an AST by recursive descent and reports the first syntax error the
 * way DynamoDB Local's ANTLR parser words it ("Syntax error; token: \"=\", near: \"= = :v\"");
 * expr_check.c resolves #names and :values against the request's maps and runs the semantic
 * checks (reserved words, functions, operand types, overlapping paths) in DynamoDB Local's
 * order; expr_eval.c evaluates conditions, applies updates and projections to items. Evaluation
 * never reports syntax errors: only data-dependent errors (operand types met at run time,
 * arithmetic overflow, invalid document paths for update).
 *
 * Ownership: every AST node, path and string of a request's expressions lives in the expr_env_t
 * arena and is freed by expr_env_fini(). Attribute values are borrowed from the request JSON.
 */
#ifndef DDB_EXPR_H
#define DDB_EXPR_H

#include "core.h"

typedef enum {
    EXPR_CONDITION, EXPR_FILTER, EXPR_KEY_CONDITION, EXPR_PROJECTION, EXPR_UPDATE,
} expr_kind_t;

/* ---- tokens (expr_lex.c) --------------------------------------------------------------- */

typedef enum {
    TK_EOF, TK_COMMA, TK_LPAREN, TK_RPAREN, TK_DOT, TK_LBRACK, TK_RBRACK,
    TK_EQ, TK_NE, TK_LT, TK_LE, TK_GT, TK_GE, TK_PLUS, TK_MINUS,
    TK_IN, TK_BETWEEN, TK_NOT, TK_AND, TK_OR, TK_SET, TK_ADD, TK_DELETE, TK_REMOVE,
    TK_INDEX, TK_ID, TK_NAME, TK_VALUE, TK_UNKNOWN,
} expr_tok_kind_t;

typedef struct expr_tok {
    expr_tok_kind_t kind;
    int pos, len;                /* byte span in the expression text */
} expr_tok_t;

/* Splits text into tokens as DynamoDB Local's lexer does (whitespace dropped, keywords
 * case-insensitive, any other character an UNKNOWN token), ending with TK_EOF. Returns the
 * number of tokens; *toks is malloc'd (caller frees). Never fails. */
int expr_lex(const char *text, int len, expr_tok_t **toks);

/* 1 when word[0..len) is one of DynamoDB's ~570 reserved words (case-insensitive). The list is
 * data/reserved-words.txt, compiled into expr_lex.c. */
int expr_is_reserved(const char *word, size_t len);
/* The compiled reserved-word list (upper case, sorted), for tests. */
extern const char *const expr_reserved_words[];
extern const int expr_nreserved;

/* ---- AST (expr_parse.c) ---------------------------------------------------------------- */

/* One element of a document path: a map key (name != NULL) or a list index. */
typedef struct expr_pel {
    const char *name;            /* resolved attribute name (arena), NULL for an index */
    size_t name_len;             /* bytes in name (names may hold "\0" as C0 80) */
    long index;
    int tok;                     /* token index of the element (for messages) */
} expr_pel_t;

typedef struct expr_path {
    int n;
    expr_pel_t *el;
} expr_path_t;

typedef enum {
    EN_PATH, EN_VALUE, EN_FUNC,
    EN_CMP, EN_BETWEEN, EN_IN, EN_AND, EN_OR, EN_NOT,
    EN_PLUS, EN_MINUS,
} expr_node_kind_t;

typedef enum {
    EF_UNKNOWN, EF_ATTRIBUTE_EXISTS, EF_ATTRIBUTE_NOT_EXISTS, EF_ATTRIBUTE_TYPE, EF_BEGINS_WITH,
    EF_CONTAINS, EF_SIZE, EF_IF_NOT_EXISTS, EF_LIST_APPEND,
} expr_func_t;

typedef struct expr_node {
    expr_node_kind_t kind;
    int op;                      /* EN_CMP: TK_EQ..TK_GE */
    expr_func_t func;            /* EN_FUNC */
    int tok;                     /* first token (function name, path start, value) */
    int nargs;
    struct expr_node **args;
    expr_path_t path;            /* EN_PATH */
    const cJSON *value;          /* EN_VALUE: the AttributeValue (borrowed), after the check */
    int paren;                   /* wrapped in parentheses */
} expr_node_t;

typedef enum { EU_SET, EU_REMOVE, EU_ADD, EU_DELETE } expr_upd_kind_t;

typedef struct expr_action {
    expr_upd_kind_t kind;
    expr_path_t path;
    expr_node_t *value;          /* SET: the value; ADD/DELETE: the literal; REMOVE: NULL */
    int section;                 /* 1 for the first action after a SET/REMOVE/ADD/DELETE keyword */
} expr_action_t;

typedef struct expr {
    expr_kind_t kind;
    const char *text;            /* borrowed from the request */
    int len;
    expr_tok_t *toks;            /* arena */
    int ntoks;
    expr_node_t *root;           /* condition kinds */
    expr_action_t *acts;         /* update: actions in text order */
    int nacts;
    expr_path_t *paths;          /* projection */
    int npaths;
} expr_t;

/* ---- environment of one request (expr_check.c) ----------------------------------------- */

typedef struct expr_chunk expr_chunk_t;

typedef struct expr_env {
    const cJSON *names, *values; /* ExpressionAttributeNames / Values (borrowed, may be NULL) */
    int nnames, nvalues;
    unsigned char *name_used, *value_used;
    expr_chunk_t *arena;
} expr_env_t;

/* Prepares an environment over the request's maps (either may be NULL). */
void expr_env_init(expr_env_t *env, const cJSON *names, const cJSON *values);
/* Frees every expression parsed in env and the environment's memory. */
void expr_env_fini(expr_env_t *env);
/* Arena allocation (zeroed); freed by expr_env_fini. */
void *expr_alloc(expr_env_t *env, size_t n);

/* Validates the keys and values of ExpressionAttributeNames/Values as DynamoDB Local does
 * ("... contains invalid key: Syntax error; key: \"v\"", "... contains invalid value: ... for
 * key :v"). Values are validated with av_check (numbers kept as sent). Returns 0 / -1. */
int expr_check_maps(expr_env_t *env, err_t *e);

/* Parses and checks one expression of the given kind (syntax, names, values, reserved words,
 * functions, operand types, paths). Returns the expression (arena) or NULL with a
 * ValidationException in e ("Invalid ConditionExpression: ..."). */
expr_t *expr_parse(expr_env_t *env, expr_kind_t kind, const char *text, err_t *e);

/* After every expression of the request is parsed: unused names, then unused values
 * ("Value provided in ExpressionAttributeNames unused in expressions: keys: {#n}"). */
int expr_check_unused(expr_env_t *env, err_t *e);

/* Builds a condition from the legacy Expected map (with ConditionalOperator "AND"/"OR" or
 * NULL) so that it is evaluated like a ConditionExpression. Values are validated in place.
 * Returns NULL with e set on a malformed entry. */
expr_t *expr_from_expected(expr_env_t *env, const cJSON *expected, const char *op, err_t *e);

/* The "Invalid ConditionExpression" style prefix of a kind. */
const char *expr_kind_name(expr_kind_t kind);

/* Internal to the expr_* files: the parser (expr_parse.c) calls the semantic pass. */
int expr_check_tree(expr_env_t *env, expr_t *x, err_t *e);

/* ---- evaluation (expr_eval.c) ---------------------------------------------------------- */

/* Evaluates a condition against item (NULL: no item). Returns 1 true, 0 false, -1 with e set
 * (a run-time error such as a BETWEEN with bounds out of order). */
int expr_eval_cond(const expr_t *x, const cJSON *item, err_t *e);

/* Applies an update expression to *item in place (the item is created when NULL; key
 * attributes are expected to be there already). Returns 0, or -1 with DynamoDB Local's error
 * ("An operand in the update expression has an incorrect data type", "The document path
 * provided in the update expression is invalid for update", number limits). On error the item
 * may be partly updated: callers apply updates to a copy. */
int expr_apply_update(const expr_t *x, cJSON *item, err_t *e);

/* A new item holding only the projected paths of item (ProjectionExpression). */
cJSON *expr_project(const expr_t *x, const cJSON *item);

/* Resolves a path in item; returns the AttributeValue or NULL. */
const cJSON *expr_path_get(const expr_path_t *p, const cJSON *item);

/* Exact decimal a + b (sub: a - b) in Java BigDecimal semantics: the result keeps
 * max(scale a, scale b) ("1.5" + "1.5" = "3.0"), then DynamoDB's limits are checked. Writes the
 * text into out (NUM_FMT_MAX bytes). Returns NUM_OK or the limit broken. */
num_status_t expr_num_add(const char *a, const char *b, int sub, char *out);

#endif
