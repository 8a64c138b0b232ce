/*
 * key.c: primary keys: checking an item's or a Key's key attributes against the table schema
 * (DynamoDB Local's messages and order), encoding them for the SQLite key columns (bytewise
 * order = DynamoDB order, §10.6) and hashing them as DynamoDB Local does (§10.7).
 */
#include "core.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char SALT[8] = {'L', 'o', 'c', 'a', 'l', 'D', 'd', 'b'};

static void sha1_salted(const void *a, size_t alen, const void *b, size_t blen, unsigned char out[20])
{
    /* the salted state is computed once and copied per hash: EVP_DigestInit_ex() on
     * EVP_sha1() looks the algorithm up again every time (OpenSSL 3) */
    static EVP_MD_CTX *salted, *ctx;
    if (!ctx) {
        salted = EVP_MD_CTX_new();
        ctx = EVP_MD_CTX_new();
        EVP_DigestInit_ex(salted, EVP_sha1(), NULL);
        EVP_DigestUpdate(salted, SALT, sizeof SALT);
    }
    unsigned int n = 20;
    EVP_MD_CTX_copy_ex(ctx, salted);
    if (alen) EVP_DigestUpdate(ctx, a, alen);
    if (blen) EVP_DigestUpdate(ctx, b, blen);
    EVP_DigestFinal_ex(ctx, out, &n);
}

long key_encode_value(char type, const cJSON *val, unsigned char *out, size_t cap, err_t *e)
{
    const char *s = val->valuestring;
    size_t len = strlen(s);
    if (type == 'S') {
        if (json_strlen(s) > cap) return err_validation(e, "Hash primary key values must be under 2048 bytes, and range primary key values must be under 1024 bytes");
        return (long)json_unmod(s, out);
    }
    if (type == 'B') {
        if (len / 4 * 3 > cap + 3) return err_validation(e, "Hash primary key values must be under 2048 bytes, and range primary key values must be under 1024 bytes");
        unsigned char *tmp = xmalloc(len / 4 * 3 + 3);
        long n = b64_decode(s, len, tmp);
        if (n < 0 || (size_t)n > cap) {
            free(tmp);
            if (n < 0) return err_set(e, ERR_SERIALIZATION, "Base64 encoded binary value is invalid");
            return err_validation(e, "Hash primary key values must be under 2048 bytes, and range primary key values must be under 1024 bytes");
        }
        memcpy(out, tmp, (size_t)n);
        free(tmp);
        return n;
    }
    num_t n;
    if (num_parse(&n, s, len) != NUM_OK) return err_validation(e, "A value provided cannot be converted into a number");
    return (long)num_key_encode(&n, out);
}

void key_hash(char type, const cJSON *val, unsigned char out[20])
{
    const char *s = val->valuestring;
    size_t len = strlen(s);
    if (type == 'S') {
        unsigned char *tmp = xmalloc(len + 1);
        sha1_salted(tmp, json_unmod(s, tmp), NULL, 0, out);
        free(tmp);
    } else if (type == 'B') {
        unsigned char *tmp = xmalloc(len / 4 * 3 + 3);
        long n = b64_decode(s, len, tmp);
        sha1_salted(tmp, n > 0 ? (size_t)n : 0, NULL, 0, out);
        free(tmp);
    } else {
        num_t n;
        unsigned char buf[NUM_BIGDEC_MAX];
        num_parse(&n, s, len);
        sha1_salted(buf, num_bigdec_encode(&n, buf), NULL, 0, out);
    }
}

void key_hash_pair(const unsigned char hv[20], const unsigned char rv[20], unsigned char out[20])
{
    sha1_salted(hv, 20, rv, 20, out);
}

static int empty_key_error(const keydef_t *kd, err_t *e)
{
    return err_validation(e, "One or more parameter values are not valid. The AttributeValue for "
                          "a key attribute cannot contain an empty %s value. Key: %s",
                          kd->type == 'S' ? "string" : "binary", kd->name);
}

/* Checks one key attribute of item and encodes it into out (cap bytes) and its hash.
 * Order: present, a scalar type, the schema's type, not empty, length (test_order_put). */
static long one_key(const keydef_t *kd, const cJSON *item, unsigned char *out, size_t cap,
                    unsigned char *hash, err_t *e)
{
    const cJSON *av = jget(item, kd->name), *v;
    if (!av) return err_validation(e, "One of the required keys was not given a value");
    const char *type = av_type(av, &v);
    if (!type || type[1] != 0 || type[0] == 'M' || type[0] == 'L')
        return err_validation(e, "Invalid attribute value type");
    if (type[0] != kd->type)
        return err_validation(e, "One or more parameter values were invalid: Type mismatch for key");
    if (kd->type != 'N' && v->valuestring[0] == 0) return empty_key_error(kd, e);
    long n = key_encode_value(kd->type, v, out, cap, e);
    if (n < 0) return -1;
    if (hash) key_hash(kd->type, v, hash);
    return n;
}

int key_extract(const table_t *t, const cJSON *item, int flags, rowkey_t *k, err_t *e)
{
    int hash = flags & KEY_HASH;
    if ((flags & KEY_PARAM) && cJSON_GetArraySize(item) != (t->range.name ? 2 : 1))
        return err_validation(e, "The number of conditions on the keys is invalid");
    long n = one_key(&t->hash, item, k->hk, DDB_MAX_HASH_KEY, hash ? k->hv : NULL, e);
    if (n < 0) return -1;
    k->hk_len = (size_t)n;
    k->has_range = t->range.name != NULL;
    if (!k->has_range) return 0;
    n = one_key(&t->range, item, k->rk, DDB_MAX_RANGE_KEY, hash ? k->rv : NULL, e);
    if (n < 0) return -1;
    k->rk_len = (size_t)n;
    if (hash) key_hash_pair(k->hv, k->rv, k->hrv);
    return 0;
}
