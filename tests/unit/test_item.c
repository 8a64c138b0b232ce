/*
 * test_item.c: the item size rule (dynamodb-local.md §10.8), the attribute-map member order
 * (Java HashMap order, §3.3), JSON string escaping (§3.3) and AttributeValue validation.
 */
#include "core.h"
#include "unit.h"

#include <stdlib.h>

static const struct { const char *item; long long size; } SIZES[] = {
    {"{\"pk\":{\"S\":\"k\"}}", 3},
    {"{\"Artist\":{\"S\":\"TTL\"},\"Seq\":{\"N\":\"1\"}}", 14},           /* §11.6 */
    {"{\"a\":{\"N\":\"123.456\"}}", 1 + 5},
    {"{\"b\":{\"B\":\"AQI=\"}}", 1 + 2},
    {"{\"t\":{\"BOOL\":true},\"z\":{\"NULL\":true}}", 4},
    {"{\"s\":{\"SS\":[\"ab\",\"c\"]}}", 1 + 3},
    {"{\"l\":{\"L\":[{\"S\":\"x\"},{\"N\":\"1\"}]}}", 1 + 3 + (1 + 1) + (1 + 2)},
    {"{\"m\":{\"M\":{\"k\":{\"S\":\"v\"}}}}", 1 + 3 + 1 + 1 + 1},
};

static void test_size(void)
{
    for (size_t i = 0; i < sizeof SIZES / sizeof SIZES[0]; i++) {
        cJSON *item = cJSON_Parse(SIZES[i].item);
        CHECK_INT(item_size(item), SIZES[i].size);
        cJSON_Delete(item);
    }
}

/* Orders observed from DynamoDB Local 1.25.1 (shared/reference/cases.json, §3.3). */
static const struct { const char *in, *out; } ORDERS[] = {
    {"{\"pk\":{\"S\":\"p\"},\"sk\":{\"N\":\"1\"},\"v\":{\"S\":\"x\"}}",
     "{\"sk\":{\"N\":\"1\"},\"v\":{\"S\":\"x\"},\"pk\":{\"S\":\"p\"}}"},
    {"{\"id\":{\"S\":\"x\"},\"n\":{\"N\":\"5\"},\"name\":{\"S\":\"bob\"},\"ss\":{\"SS\":[\"a\",\"b\"]},\"m\":{\"M\":{\"a\":{\"N\":\"1\"}}},\"l\":{\"L\":[{\"S\":\"z\"}]}}",
     "{\"name\":{\"S\":\"bob\"},\"ss\":{\"SS\":[\"a\",\"b\"]},\"id\":{\"S\":\"x\"},\"l\":{\"L\":[{\"S\":\"z\"}]},\"m\":{\"M\":{\"a\":{\"N\":\"1\"}}},\"n\":{\"N\":\"5\"}}"},
};

static void test_order(void)
{
    for (size_t i = 0; i < sizeof ORDERS / sizeof ORDERS[0]; i++) {
        cJSON *item = cJSON_Parse(ORDERS[i].in);
        sb_t sb;
        sb_init(&sb);
        item_write(&sb, item);
        CHECK_STR(sb_cstr(&sb), ORDERS[i].out);
        sb_fini(&sb);
        cJSON_Delete(item);
    }
}

static const struct { const char *in, *out; } ESCAPES[] = {
    {"a\nb\t\"/\\", "\"a\\nb\\t\\\"/\\\\\""},
    {"\x01", "\"\\u0001\""},
    {"\xc3\xa9", "\"\xc3\xa9\""},
    {"\xf0\x9f\x98\x80", "\"\\uD83D\\uDE00\""},
};

static void test_escape(void)
{
    for (size_t i = 0; i < sizeof ESCAPES / sizeof ESCAPES[0]; i++) {
        sb_t sb;
        sb_init(&sb);
        sb_json_str(&sb, ESCAPES[i].in, strlen(ESCAPES[i].in));
        CHECK_STR(sb_cstr(&sb), ESCAPES[i].out);
        sb_fini(&sb);
    }
}

static const struct { const char *av, *msg, *normalized; } AVS[] = {
    {"{\"S\":\"x\"}", NULL, "{\"S\":\"x\"}"},
    {"{\"N\":\"00042\"}", NULL, "{\"N\":\"42\"}"},
    {"{\"N\":5}", NULL, "{\"N\":\"5\"}"},
    {"{\"SS\":[\"b\",\"a\"]}", NULL, "{\"SS\":[\"a\",\"b\"]}"},
    {"{\"NS\":[\"10\",\"9\"]}", NULL, "{\"NS\":[\"9\",\"10\"]}"},
    {"{}", "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes", NULL},
    {"{\"S\":\"x\",\"N\":\"1\"}", "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes", NULL},
    {"{\"SS\":[]}", "One or more parameter values were invalid: An string set  may not be empty", NULL},
    {"{\"SS\":[\"a\",\"a\"]}", "One or more parameter values were invalid: Input collection [a, a] contains duplicates", NULL},
    {"{\"NS\":[\"1\",\"1.0\"]}", "Input collection contains duplicates", NULL},
    {"{\"NULL\":false}", "One or more parameter values were invalid: Null attribute value types must have the value of true", NULL},
    {"{\"N\":\"abc\"}", "A value provided cannot be converted into a number", NULL},
    {"{\"B\":\"!!!notbase64\"}", "Base64 encoded binary value is invalid: !!!notbase64", NULL},
};

static void test_av(void)
{
    for (size_t i = 0; i < sizeof AVS / sizeof AVS[0]; i++) {
        cJSON *av = cJSON_Parse(AVS[i].av);
        err_t e = {0};
        int rc = av_check(av, 1, &e);
        if (AVS[i].msg) {
            CHECK(rc < 0);
            CHECK_STR(e.msg ? e.msg : "", AVS[i].msg);
        } else {
            CHECK(rc == 0);
            char *s = cJSON_PrintUnformatted(av);
            CHECK_STR(s, AVS[i].normalized);
            free(s);
        }
        err_fini(&e);
        cJSON_Delete(av);
    }
}

static void test_nesting(void)
{
    for (int depth = 30; depth <= 32; depth++) {
        sb_t sb;
        sb_init(&sb);
        for (int i = 0; i < depth; i++) sb_puts(&sb, "{\"L\":[");
        sb_puts(&sb, "{\"S\":\"x\"}");
        for (int i = 0; i < depth; i++) sb_puts(&sb, "]}");
        cJSON *av = cJSON_Parse(sb_cstr(&sb));
        err_t e = {0};
        int rc = av_check(av, 1, &e);
        CHECK(depth <= 31 ? rc == 0 : rc < 0);   /* 31 containers, the item is the 32nd level */
        err_fini(&e);
        cJSON_Delete(av);
        sb_fini(&sb);
    }
}

/* A row item_write() wrote reads back and writes again byte for byte the same: what lets a
 * store of only such rows (store_rows_ours) copy them to answers unparsed. */
static const char *const REWRITES[] = {
    "{\"pk\":{\"S\":\"a\\nb\\t\\\"/\\\\ \\u0001\\u001f\\u007f\\u0000z\"}}",
    "{\"s\":{\"S\":\"\xc3\xa9\\u00e9\\u2028\xe2\x80\xa8\\uD83D\\uDE00\xf0\x9f\x98\x80\"},\"e\":{\"S\":\"\"}}",
    "{\"a\":{\"S\":\"x\"},\"e\":{\"S\":\"y\"},\"i\":{\"S\":\"z\"},\"m\":{\"M\":{\"e\":{\"N\":\"1\"},\"a\":{\"N\":\"2\"},"
    "\"\xc3\xa9\":{\"NULL\":true}}},\"l\":{\"L\":[{\"M\":{}},{\"L\":[]},{\"BOOL\":false},{\"SS\":[\"b\",\"a\"]}]},"
    "\"n\":{\"NS\":[\"1\",\"-0.5\"]},\"b\":{\"BS\":[\"AQI=\",\"\"]},\"B\":{\"B\":\"AA==\"}}",
    "{\"k0\":{\"S\":\"0\"},\"k1\":{\"S\":\"1\"},\"k2\":{\"S\":\"2\"},\"k3\":{\"S\":\"3\"},\"k4\":{\"S\":\"4\"},"
    "\"k5\":{\"S\":\"5\"},\"k6\":{\"S\":\"6\"},\"k7\":{\"S\":\"7\"},\"k8\":{\"S\":\"8\"},\"k9\":{\"S\":\"9\"},"
    "\"ka\":{\"S\":\"a\"},\"kb\":{\"S\":\"b\"},\"kc\":{\"S\":\"c\"},\"Aa\":{\"S\":\"d\"},\"BB\":{\"S\":\"e\"}}",
};

static void test_rewrite_stable(void)
{
    for (size_t i = 0; i < sizeof REWRITES / sizeof REWRITES[0]; i++) {
        cJSON *item = json_parse(REWRITES[i], strlen(REWRITES[i]), NULL);
        CHECK(item != NULL);
        if (!item) continue;
        sb_t a, b;
        sb_init(&a);
        sb_init(&b);
        item_write(&a, item);
        cJSON *again = json_parse(a.buf, a.len, NULL);
        CHECK(again != NULL);
        if (again) item_write(&b, again);
        CHECK_STR(sb_cstr(&b), sb_cstr(&a));
        sb_fini(&a);
        sb_fini(&b);
        cJSON_Delete(item);
        cJSON_Delete(again);
    }
}

UNIT_MAIN(T(test_size), T(test_order), T(test_escape), T(test_av), T(test_nesting), T(test_rewrite_stable))
