/*
 * fuzz_expr.c: libFuzzer harness for the expression language (src/expr_*.c). The input's first
 * byte picks the kind (condition, update, projection, key condition); the rest is the
 * expression text, parsed and checked against fixed ExpressionAttributeNames/Values; a
 * condition that checks is evaluated against a fixed item, an update applied to a copy and a
 * projection applied. Any crash, leak or sanitizer report is a bug.
 *
 *   make fuzz   (or: clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -Isrc -Iinclude
 *                tests/fuzz/fuzz_expr.c <core sources> -lcjson -lsqlite3 -lz -lcrypto -lm)
 */
#include "expr.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char NAMES[] = "{\"#n\":\"n\",\"#m\":\"m\",\"#a\":\"a\"}";
static const char VALUES[] = "{\":v\":{\"N\":\"1.5\"},\":s\":{\"S\":\"x\"},\":l\":{\"L\":[{\"N\":\"1\"}]},"
                             "\":ss\":{\"SS\":[\"a\"]},\":t\":{\"S\":\"N\"}}";
static const char ITEM[] = "{\"n\":{\"N\":\"5\"},\"s\":{\"S\":\"bob\"},\"ss\":{\"SS\":[\"a\",\"b\"]},"
                           "\"m\":{\"M\":{\"a\":{\"N\":\"1\"},\"l\":{\"L\":[{\"S\":\"z\"}]}}},\"l\":{\"L\":[{\"S\":\"z\"}]}}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 8192) return 0;
    static const expr_kind_t KINDS[] = {EXPR_CONDITION, EXPR_UPDATE, EXPR_PROJECTION, EXPR_KEY_CONDITION};
    expr_kind_t kind = KINDS[data[0] % 4];
    char *text = malloc(size);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = 0;
    cJSON *names = cJSON_Parse(NAMES), *values = cJSON_Parse(VALUES), *item = cJSON_Parse(ITEM);
    expr_env_t env;
    err_t e = {0};
    expr_env_init(&env, names, values);
    if (expr_check_maps(&env, &e) == 0) {
        expr_t *x = expr_parse(&env, kind, text, &e);
        if (x) {
            expr_check_unused(&env, &e);
            err_fini(&e);
            if (kind == EXPR_UPDATE) {
                cJSON *copy = cJSON_Duplicate(item, 1);
                expr_apply_update(x, copy, &e);
                cJSON_Delete(copy);
            } else if (kind == EXPR_PROJECTION) {
                cJSON_Delete(expr_project(x, item));
            } else {
                expr_eval_cond(x, item, &e);
            }
        }
    }
    err_fini(&e);
    expr_env_fini(&env);
    cJSON_Delete(names);
    cJSON_Delete(values);
    cJSON_Delete(item);
    free(text);
    return 0;
}
