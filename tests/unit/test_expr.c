/*
 * test_expr.c: unit tests of the expression language (src/expr_*.c): the parser on valid and
 * invalid inputs with DynamoDB Local's exact messages, the check pass (names, values, reserved
 * words, functions, paths), evaluation, BigDecimal arithmetic, the reserved-word list, and the
 * in-process cost of UpdateItem "ADD n :one" on a hot key. Rows marked "oracle" were observed
 * on DynamoDB Local 1.25.1 (cases.json and compat/cases/expressions.json, update_item.json).
 */
#include "expr.h"
#include "unit.h"

#include <stdlib.h>
#include <time.h>

/* Parses text (kind) against the names/values JSON; returns "ok" or the error message. */
static char msg[1024];
static const char *try_parse(expr_kind_t kind, const char *text, const char *names, const char *values)
{
    cJSON *n = names ? cJSON_Parse(names) : NULL, *v = values ? cJSON_Parse(values) : NULL;
    expr_env_t env;
    err_t e = {0};
    expr_env_init(&env, n, v);
    if (expr_check_maps(&env, &e) == 0 && expr_parse(&env, kind, text, &e)) expr_check_unused(&env, &e);
    snprintf(msg, sizeof msg, "%s", e.code == ERR_NONE ? "ok" : e.msg);
    err_fini(&e);
    expr_env_fini(&env);
    cJSON_Delete(n);
    cJSON_Delete(v);
    return msg;
}

#define C EXPR_CONDITION
#define U EXPR_UPDATE
#define P EXPR_PROJECTION
#define V1 "{\":v\":{\"N\":\"1\"}}"
#define V2 "{\":a\":{\"N\":\"9\"},\":b\":{\"N\":\"1\"}}"

static const struct { expr_kind_t kind; const char *text, *names, *values, *want; } PARSE[] = {
    {C, "n = :v", NULL, V1, "ok"},
    {C, "a.b[0].#c <> :v AND NOT (x < :v OR y >= :v)", "{\"#c\":\"c\"}", V1, "ok"},
    {C, "n BETWEEN :v AND :v", NULL, V1, "ok"},
    {C, "n IN (:v, :v)", NULL, V1, "ok"},
    {C, "attribute_exists(a) and size(b) > :v", NULL, V1, "ok"},
    {C, "(a) = :v", NULL, V1, "ok"},
    {C, "n = = :v", NULL, V1, "Invalid ConditionExpression: Syntax error; token: \"=\", near: \"= = :v\""}, /* oracle #42 */
    {C, "n = :v", NULL, NULL, "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :v"},
    {C, "attribute_not_exists(#n)", NULL, NULL, "Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #n"},
    {C, "name = :v", NULL, V1, "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: name"},
    {C, "foo(name) = :v", NULL, V1, "Invalid ConditionExpression: Invalid function name; function: foo"},          /* oracle */
    {C, "#u = :u AND :q = name", NULL, "{\":q\":{\"S\":\"x\"}}", "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: name"}, /* oracle */
    {C, "((n = :v))", NULL, V1, "Invalid ConditionExpression: The expression has redundant parentheses;"},
    {C, "n BETWEEN :a AND :b", NULL, V2, "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:9}, upper bound operand: AttributeValue: {N:1}"},
    {C, "attribute_type(m, :t)", NULL, "{\":t\":{\"S\":\"FOO\"}}", "Invalid ConditionExpression: Invalid attribute type name found; type: FOO, valid types: {N,BS,L,B,NULL,M,S,SS,NS,BOOL}"},
    {C, "", NULL, NULL, "Invalid ConditionExpression: The expression can not be empty;"},
    {C, " ", NULL, NULL, "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \" \""},
    {C, "a = :v", "{\"#z\":\"b\",\"#m\":\"a\"}", V1, "Value provided in ExpressionAttributeNames unused in expressions: keys: {#z, #m}"}, /* oracle */
    {C, "a = :v", NULL, "{\":v\":{\"S\":\"a\"},\":u\":{\"N\":\"1\"},\":t\":{\"N\":\"1\"}}", "Value provided in ExpressionAttributeValues unused in expressions: keys: {:t, :u}"},
    {C, "a = :v", NULL, "{}", "ExpressionAttributeValues must not be empty"},
    {C, "a = :v", NULL, "{\"v\":{\"N\":\"1\"}}", "ExpressionAttributeValues contains invalid key: Syntax error; key: \"v\""},
    {U, "SET", NULL, NULL, "Invalid UpdateExpression: Syntax error; token: \"<EOF>\", near: \"SET\""},                 /* oracle #55 */
    {U, "REMOVE size(n)", NULL, NULL, "Invalid UpdateExpression: Syntax error; token: \"(\", near: \"size(n\""},     /* oracle #167 */
    {U, "SET a = :v + :v + :v", NULL, V1, "Invalid UpdateExpression: Syntax error; token: \"+\", near: \":v + :v\""},
    {U, "SET a = (:v + :v)", NULL, V1, "ok"},
    {U, "SET n = size(l)", NULL, NULL, "Invalid UpdateExpression: The function is not allowed in an update expression; function: size"},
    {U, "SET m.a = :v REMOVE m", NULL, V1, "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [m, a], path two: [m]"},
    {U, "SET a = :v, a = :v, c = :v", NULL, V1, "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [c]"},
    {U, "SET l[0] = :v REMOVE l.b", NULL, V1, "Invalid UpdateExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [l, [0]], path two: [l, b]"},
    {U, "SET a = :v SET b = :v", NULL, V1, "Invalid UpdateExpression: The \"SET\" section can only be used once in an update expression;"},
    {U, "ADD q :v", NULL, "{\":v\":{\"S\":\"a\"}}", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING, typeSet: ALLOWED_FOR_ADD_OPERAND"},
    {U, "SET q = :v + :v", NULL, "{\":v\":{\"S\":\"a\"}}", "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S"},
    {U, "SET l = list_append(l, :v)", NULL, V1, "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append, operand type: N"},
    {P, "a,,b", NULL, NULL, "Invalid ProjectionExpression: Syntax error; token: \",\", near: \",,b\""},                /* oracle #60 */
    {P, "m, m.a", NULL, NULL, "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [m], path two: [m, a]"},
};

static void test_parse(void)
{
    for (size_t i = 0; i < sizeof PARSE / sizeof PARSE[0]; i++) {
        const char *got = try_parse(PARSE[i].kind, PARSE[i].text, PARSE[i].names, PARSE[i].values);
        if (strcmp(got, PARSE[i].want)) fprintf(stderr, "parse case %zu: %s\n", i, PARSE[i].text);
        CHECK_STR(got, PARSE[i].want);
    }
}

#define ITEM "{\"n\":{\"N\":\"5\"},\"s\":{\"S\":\"bob\"},\"ss\":{\"SS\":[\"a\",\"b\"]},\"m\":{\"M\":{\"a\":{\"N\":\"1\"}}},\"l\":{\"L\":[{\"S\":\"z\"}]}}"

static const struct { const char *text, *values; int want; } EVAL[] = {
    {"n = :v", "{\":v\":{\"N\":\"5.0\"}}", 1},
    {"n < :v", "{\":v\":{\"N\":\"10\"}}", 1},
    {"n < :v", "{\":v\":{\"S\":\"10\"}}", 0},
    {"zz <> :v", "{\":v\":{\"N\":\"1\"}}", 1},                       /* oracle ex-cond-eval-036 */
    {"begins_with(s, :v)", "{\":v\":{\"S\":\"bo\"}}", 1},
    {"contains(ss, :v)", "{\":v\":{\"S\":\"b\"}}", 1},
    {"contains(l, :v)", "{\":v\":{\"S\":\"z\"}}", 1},
    {"size(s) = :v", "{\":v\":{\"N\":\"3\"}}", 1},
    {"attribute_type(m, :v)", "{\":v\":{\"S\":\"M\"}}", 1},
    {"m.a IN (:v, :w)", "{\":v\":{\"N\":\"2\"},\":w\":{\"N\":\"1\"}}", 1},
    {"n BETWEEN :v AND :w", "{\":v\":{\"N\":\"1\"},\":w\":{\"N\":\"5\"}}", 1},
    {"NOT attribute_exists(q) AND attribute_exists(l[0])", "{\":v\":{\"N\":\"1\"}}", -1},
};

static void test_eval(void)
{
    cJSON *item = cJSON_Parse(ITEM);
    for (size_t i = 0; i < sizeof EVAL / sizeof EVAL[0]; i++) {
        cJSON *v = cJSON_Parse(EVAL[i].values);
        expr_env_t env;
        err_t e = {0};
        expr_env_init(&env, NULL, v);
        expr_t *x = expr_parse(&env, EXPR_CONDITION, EVAL[i].text, &e);
        CHECK(x != NULL);
        if (x) {
            int want = EVAL[i].want < 0 ? 1 : EVAL[i].want;
            if (expr_eval_cond(x, item, &e) != want) fprintf(stderr, "eval case %zu: %s\n", i, EVAL[i].text);
            CHECK_INT(expr_eval_cond(x, item, &e), want);
        }
        err_fini(&e);
        expr_env_fini(&env);
        cJSON_Delete(v);
    }
    cJSON_Delete(item);
}

/* BigDecimal addition as DynamoDB Local stores it (oracle: UpdateItem SET a = :a + :b). */
static const struct { const char *a, *b; int sub; const char *want; num_status_t st; } ARITH[] = {
    {"1.5", "1.5", 0, "3.0", NUM_OK},
    {"0.10", "0.20", 0, "0.30", NUM_OK},
    {"-1.5", "1.5", 0, "0.0", NUM_OK},
    {"1E+2", "1E+2", 0, "200", NUM_OK},
    {"1E+2", "5E+1", 0, "150", NUM_OK},
    {"1E-7", "1E-8", 1, "0.00000009", NUM_OK},
    {"2.50", "2.50", 0, "5.00", NUM_OK},
    {"00042", "1", 0, "43", NUM_OK},
    {"-0.5", "10", 0, "9.5", NUM_OK},
    {"10000000000000000000000000000000000000", "0.0", 0, "10000000000000000000000000000000000000.0", NUM_OK},
    {"1E+30", "1E-10", 0, "", NUM_ERR_PRECISION},
    {"9.9999999999999999999999999999999999999E+125", "9.9999999999999999999999999999999999999E+125", 0, "", NUM_ERR_PRECISION},
};

static void test_arith(void)
{
    for (size_t i = 0; i < sizeof ARITH / sizeof ARITH[0]; i++) {
        char out[NUM_FMT_MAX] = "";
        num_status_t st = expr_num_add(ARITH[i].a, ARITH[i].b, ARITH[i].sub, out);
        CHECK_INT(st, ARITH[i].st);
        if (st == NUM_OK) CHECK_STR(out, ARITH[i].want);
    }
}

/* The compiled list equals data/reserved-words.txt, is sorted, and is looked up case-blind. */
static void test_reserved(void)
{
    FILE *f = fopen("data/reserved-words.txt", "r");
    CHECK(f != NULL);
    if (!f) return;
    char line[64];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0]) continue;
        CHECK(n < expr_nreserved && !strcmp(line, expr_reserved_words[n]));
        n++;
    }
    fclose(f);
    CHECK_INT(n, expr_nreserved);
    CHECK_INT(expr_nreserved, 572);
    CHECK(expr_is_reserved("status", 6) && expr_is_reserved("NaMe", 4) && !expr_is_reserved("nm", 2));
}

/* Fuzz-style robustness: every prefix of some expressions parses or fails cleanly. */
static void test_prefixes(void)
{
    static const char *const X[] = {
        "SET a.b[1] = if_not_exists(c, :v) + :v, d = list_append(:v, e) REMOVE f[2] ADD g :v DELETE h :v",
        "NOT (a.#n[3] BETWEEN :v AND :v) OR size(x) IN (:v) AND begins_with(y, :v)",
    };
    for (size_t i = 0; i < 2; i++)
        for (size_t k = 0; k <= strlen(X[i]); k++) {
            char buf[256];
            memcpy(buf, X[i], k);
            buf[k] = 0;
            try_parse(i ? EXPR_CONDITION : EXPR_UPDATE, buf, "{\"#n\":\"n\"}", V1);
        }
}

/* In-process cost of UpdateItem ADD n :one on one key (the whole request path, no socket). */
static void test_update_cost(void)
{
    ddb_config_t cfg = {0};
    cfg.in_memory = 1;
    ddb_t *d = ddb_open(&cfg, NULL, 0);
    const char *auth = "AWS4-HMAC-SHA256 Credential=u/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x";
    const char *create = "{\"TableName\":\"hot\",\"AttributeDefinitions\":[{\"AttributeName\":\"id\",\"AttributeType\":\"S\"}],"
                         "\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}";
    const char *add = "{\"TableName\":\"hot\",\"Key\":{\"id\":{\"S\":\"k\"}},\"UpdateExpression\":\"ADD n :one\","
                      "\"ExpressionAttributeValues\":{\":one\":{\"N\":\"1\"}}}";
    ddb_response_t r;
    ddb_call(d, "DynamoDB_20120810.CreateTable", auth, create, strlen(create), &r);
    CHECK_INT(r.status, 200);
    ddb_response_fini(&r);
    int n = 20000;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < n; i++) {
        ddb_call(d, "DynamoDB_20120810.UpdateItem", auth, add, strlen(add), &r);
        if (r.status != 200) { CHECK_INT(r.status, 200); ddb_response_fini(&r); break; }
        ddb_response_fini(&r);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double us = ((double)(t1.tv_sec - t0.tv_sec) * 1e6 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e3) / n;
    const char *get = "{\"TableName\":\"hot\",\"Key\":{\"id\":{\"S\":\"k\"}}}";
    ddb_call(d, "DynamoDB_20120810.GetItem", auth, get, strlen(get), &r);
    CHECK(strstr(r.body, "\"n\":{\"N\":\"20000\"}") != NULL);
    ddb_response_fini(&r);
    fprintf(stderr, "UpdateItem ADD n :one: %.2f us per call in-process\n", us);
    ddb_close(d);
}

UNIT_MAIN(T(test_parse), T(test_eval), T(test_arith), T(test_reserved), T(test_prefixes), T(test_update_cost))
