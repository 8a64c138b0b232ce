/*
 * test_key.c: key columns and hashes against vectors printed by the reference verifier
 * (shared/reference/tools/ddbl_format.py encode TYPE VALUE), and the key checks' messages.
 */
#include "core.h"
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>

static const struct { char type; const char *value, *column_hex, *hash_hex; } VEC[] = {
    {'S', "h", "68", "d5656b3174b6b27a2c24133f403bd18c188fa493"},
    {'S', "\xc3\xa9\xf0\x9f\x98\x80", "c3a9f09f9880", "67bf48e25ded5ee762408e21dbf101cbb1fa2ca0"},
    {'B', "AQI=", "0102", "d47a7f89a62b905b0369a5c8b1cdacea873cd252"},
    {'N', "0", "3d", "86bda0276f70d53ac1923831b7b96effd90aa3c8"},
    {'N', "-1.5", NULL, "7f385df00dc8758931bb5de94d84c9eefec17715"},
    {'N', "1E+125", NULL, "960dc5ff79b4d97cd0b2c65ece730b17dc8c85c6"},
    {'N', "123.456", NULL, "8852733a5232a42aebfca6cddf4efbcc9cdb0f41"},
};

static void hex(const unsigned char *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", p[i]);
    out[2 * n] = 0;
}

static void test_vectors(void)
{
    for (size_t i = 0; i < sizeof VEC / sizeof VEC[0]; i++) {
        cJSON *v = cJSON_CreateString(VEC[i].value);
        unsigned char buf[256], h[20];
        char txt[600];
        err_t e = {0};
        long n = key_encode_value(VEC[i].type, v, buf, sizeof buf, &e);
        CHECK(n >= 0);
        if (VEC[i].column_hex) { hex(buf, (size_t)n, txt); CHECK_STR(txt, VEC[i].column_hex); }
        key_hash(VEC[i].type, v, h);
        hex(h, 20, txt);
        CHECK_STR(txt, VEC[i].hash_hex);
        cJSON_Delete(v);
        err_fini(&e);
    }
}

/* A table with an S hash key "id" and an N range key "n", for key_extract(). */
static table_t *make_table(void)
{
    table_t *t = calloc(1, sizeof *t);
    t->name = "t";
    t->hash = (keydef_t){"id", 'S', "hashKey"};
    t->range = (keydef_t){"n", 'N', "rangeKey"};
    return t;
}

static const struct { const char *item; int is_key; const char *msg; } KEYCASES[] = {
    {"{\"id\":{\"S\":\"a\"},\"n\":{\"N\":\"1\"}}", 1, NULL},
    {"{\"id\":{\"S\":\"a\"}}", 1, "The number of conditions on the keys is invalid"},
    {"{\"id\":{\"S\":\"a\"},\"n\":{\"N\":\"1\"},\"x\":{\"S\":\"y\"}}", 1, "The number of conditions on the keys is invalid"},
    {"{\"id\":{\"N\":\"1\"},\"n\":{\"N\":\"1\"}}", 1, "One or more parameter values were invalid: Type mismatch for key"},
    {"{\"id\":{\"NULL\":true},\"n\":{\"N\":\"1\"}}", 0, "Invalid attribute value type"},
    {"{\"n\":{\"N\":\"1\"}}", 0, "One of the required keys was not given a value"},
    {"{\"id\":{\"S\":\"\"},\"n\":{\"N\":\"1\"}}", 0, "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: id"},
    {"{\"id\":{\"S\":\"a\"},\"n\":{\"N\":\"1\"},\"x\":{\"S\":\"y\"}}", 0, NULL},
};

static void test_extract(void)
{
    table_t *t = make_table();
    for (size_t i = 0; i < sizeof KEYCASES / sizeof KEYCASES[0]; i++) {
        cJSON *item = cJSON_Parse(KEYCASES[i].item);
        rowkey_t k;
        err_t e = {0};
        int rc = key_extract(t, item, KEYCASES[i].is_key ? KEY_PARAM : KEY_HASH, &k, &e);
        if (KEYCASES[i].msg) { CHECK(rc < 0); CHECK_STR(e.msg ? e.msg : "", KEYCASES[i].msg); }
        else CHECK(rc == 0);
        err_fini(&e);
        cJSON_Delete(item);
    }
    free(t);
}

static void test_key_limits(void)
{
    table_t *t = make_table();
    char *big = malloc(3000);
    for (int len = 2047; len <= 2049; len++) {
        memset(big, 'k', (size_t)len);
        big[len] = 0;
        cJSON *item = cJSON_CreateObject();
        cJSON *h = cJSON_AddObjectToObject(item, "id");
        cJSON_AddStringToObject(h, "S", big);
        cJSON *n = cJSON_AddObjectToObject(item, "n");
        cJSON_AddStringToObject(n, "N", "1");
        rowkey_t *k = malloc(sizeof *k);
        err_t e = {0};
        int rc = key_extract(t, item, KEY_HASH, k, &e);
        CHECK(len <= 2048 ? rc == 0 : rc < 0);
        err_fini(&e);
        free(k);
        cJSON_Delete(item);
    }
    free(big);
    free(t);
}

UNIT_MAIN(T(test_vectors), T(test_extract), T(test_key_limits))
