/*
 * av.c: AttributeValue validation and normalization, with DynamoDB Local's messages
 * (dynamodb-local.md §7.1, §8). Numbers are normalized in place; sets are checked for
 * emptiness and duplicates and sorted (DynamoDB Local returns sets in ascending order);
 * duplicate attribute names keep the last value.
 */
#include "core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const TYPES[] = {"S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"};

static int b64val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

long b64_decode(const char *in, size_t len, unsigned char *out)
{
    if (len % 4) return -1;
    size_t o = 0;
    for (size_t i = 0; i < len; i += 4) {
        int v[4];
        int pad = 0;
        for (int k = 0; k < 4; k++) {
            unsigned char c = (unsigned char)in[i + k];
            if (c == '=' && i + 4 == len && k >= 2) {
                v[k] = 0;
                pad++;
            } else {
                if (pad) return -1;
                v[k] = b64val(c);
                if (v[k] < 0) return -1;
            }
        }
        unsigned triple = ((unsigned)v[0] << 18) | ((unsigned)v[1] << 12) | ((unsigned)v[2] << 6) | (unsigned)v[3];
        out[o++] = (unsigned char)(triple >> 16);
        if (pad < 2) out[o++] = (unsigned char)(triple >> 8);
        if (pad < 1) out[o++] = (unsigned char)triple;
    }
    return (long)o;
}

/* The entry of TYPES that name is, NULL when none: by its first two bytes rather than a strcmp
 * per type (every attribute value's type is looked up several times per item written). */
static const char *type_named(const char *name)
{
    int set = name[0] && name[1] == 'S' && !name[2];
    switch (name[0]) {
    case 'S': return !name[1] ? TYPES[0] : set ? TYPES[3] : NULL;
    case 'N': return !name[1] ? TYPES[1] : set ? TYPES[4] : !strcmp(name + 1, "ULL") ? TYPES[8] : NULL;
    case 'B': return !name[1] ? TYPES[2] : set ? TYPES[5] : !strcmp(name + 1, "OOL") ? TYPES[9] : NULL;
    case 'M': return !name[1] ? TYPES[6] : NULL;
    case 'L': return !name[1] ? TYPES[7] : NULL;
    default: return NULL;
    }
}

const char *av_type(const cJSON *av, const cJSON **val)
{
    for (const cJSON *j = av->child; j; j = j->next) {
        const char *t = cJSON_IsNull(j) ? NULL : type_named(j->string);
        if (t) {
            if (val) *val = j;
            return t;
        }
    }
    if (val) *val = NULL;
    return NULL;
}

/* Coerces a scalar to a string node in place the way Jackson does for String fields. */
static int want_string(cJSON *v, err_t *e)
{
    if (cJSON_IsString(v)) return 0;
    if (cJSON_IsNumber(v) || cJSON_IsBool(v)) {
        char buf[64];
        if (cJSON_IsBool(v)) strcpy(buf, cJSON_IsTrue(v) ? "true" : "false");
        else if (v->valuedouble == (double)(long long)v->valuedouble) snprintf(buf, sizeof buf, "%lld", (long long)v->valuedouble);
        else snprintf(buf, sizeof buf, "%.17g", v->valuedouble);
        char *s = xstrdup(buf);
        v->type = cJSON_String;
        v->valuestring = s;
        return 0;
    }
    if (cJSON_IsObject(v))
        return err_set(e, ERR_SERIALIZATION, "Start of structure or map found where not expected");
    if (cJSON_IsArray(v))
        return err_set(e, ERR_SERIALIZATION, "Start of list found where not expected");
    return err_set(e, ERR_SERIALIZATION, "Unexpected value type in AttributeValue");
}

/* Validates a number; normalizes its text only for top-level attributes (depth 1): DynamoDB
 * Local stores numbers inside L and M as sent (test_items.py NORMALIZED cases). */
static int check_number(cJSON *v, int depth, err_t *e)
{
    if (want_string(v, e) < 0) return -1;
    num_t n;
    num_status_t st = num_parse(&n, v->valuestring, strlen(v->valuestring));
    if (st != NUM_OK) return err_validation(e, "%s", num_strerror(st));
    if (depth > 1) return 0;
    char buf[NUM_FMT_MAX];
    num_format(&n, buf);
    if (strcmp(buf, v->valuestring) != 0) {
        free(v->valuestring);
        v->valuestring = xstrdup(buf);
    }
    return 0;
}

static int check_binary(cJSON *v, err_t *e)
{
    if (want_string(v, e) < 0) return -1;
    size_t len = strlen(v->valuestring);
    unsigned char *tmp = xmalloc(len / 4 * 3 + 3);
    long n = b64_decode(v->valuestring, len, tmp);
    free(tmp);
    if (n < 0)   /* DynamoDB Local: 500; the service: SerializationException */
        return err_set(e, ERR_SERIALIZATION, "Base64 encoded binary value is invalid: %.64s", v->valuestring);
    return 0;
}

/* Byte order of two strings (UTF-8 order). */
static int cmp_str(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    return strcmp(x->valuestring, y->valuestring);
}

static int cmp_num(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    num_t p, q;
    num_parse(&p, x->valuestring, strlen(x->valuestring));
    num_parse(&q, y->valuestring, strlen(y->valuestring));
    return num_cmp(&p, &q);
}

static int cmp_bin(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    size_t lx = strlen(x->valuestring), ly = strlen(y->valuestring);
    unsigned char *bx = xmalloc(lx / 4 * 3 + 3), *by = xmalloc(ly / 4 * 3 + 3);
    long nx = b64_decode(x->valuestring, lx, bx), ny = b64_decode(y->valuestring, ly, by);
    long m = nx < ny ? nx : ny;
    int c = memcmp(bx, by, (size_t)(m > 0 ? m : 0));
    if (!c) c = (nx > ny) - (nx < ny);
    free(bx);
    free(by);
    return c;
}

/* Sorts the members of a set array in place; returns 1 when two members compare equal, and
 * then leaves the array in input order. */
static int sort_set(cJSON *arr, int (*cmp)(const void *, const void *))
{
    int n = cJSON_GetArraySize(arr);
    if (n < 2) return 0;
    cJSON **v = xmalloc((size_t)n * sizeof *v);
    int i = 0;
    for (cJSON *j = arr->child; j; j = j->next) v[i++] = j;
    qsort(v, (size_t)n, sizeof *v, cmp);
    for (i = 0; i + 1 < n; i++) {
        if (cmp(&v[i], &v[i + 1]) == 0) { free(v); return 1; }
    }
    for (i = 0; i < n; i++) {
        v[i]->prev = i ? v[i - 1] : v[n - 1];
        v[i]->next = i + 1 < n ? v[i + 1] : NULL;
    }
    arr->child = v[0];
    free(v);
    return 0;
}

/* "[a, a]": a Java List's toString of the input strings. */
static char *list_text(const cJSON *arr)
{
    sb_t sb;
    sb_init(&sb);
    sb_putc(&sb, '[');
    for (const cJSON *j = arr->child; j; j = j->next) {
        if (j != arr->child) sb_puts(&sb, ", ");
        sb_puts(&sb, j->valuestring);
    }
    sb_putc(&sb, ']');
    return sb_take(&sb, NULL);
}

static int check_set(cJSON *v, const char *type, int depth, err_t *e)
{
    if (!cJSON_IsArray(v)) {
        if (cJSON_IsObject(v))
            return err_set(e, ERR_SERIALIZATION, "Start of structure or map found where not expected");
        return err_set(e, ERR_SERIALIZATION, "Expected list for %s", type);
    }
    for (cJSON *j = v->child; j; j = j->next) {
        if (cJSON_IsNull(j))
            return err_set(e, ERR_SERIALIZATION, "Null value found in %s", type);
        int rc = type[0] == 'N' ? check_number(j, depth, e) : type[0] == 'B' ? check_binary(j, e)
                                                                       : want_string(j, e);
        if (rc < 0) return -1;
    }
    if (!v->child) {
        if (type[0] == 'B')
            return err_validation(e, "One or more parameter values were invalid: Binary sets should not be empty");
        return err_validation(e, "One or more parameter values were invalid: An %s set  may not "
                              "be empty", type[0] == 'S' ? "string" : "number");
    }
    int (*cmp)(const void *, const void *) = type[0] == 'N' ? cmp_num : type[0] == 'B' ? cmp_bin : cmp_str;
    if (!sort_set(v, cmp)) return 0;
    if (type[0] == 'N')
        return err_validation(e, "Input collection contains duplicates");
    if (type[0] == 'S') {
        char *txt = list_text(v);
        err_validation(e, "One or more parameter values were invalid: Input collection %s "
                       "contains duplicates", txt);
        free(txt);
        return -1;
    }
    return err_validation(e, "One or more parameter values were invalid: Input collection of "
                          "type BS contains duplicates.");
}

/* Removes earlier members that share a name with a later one. */
static void dedupe(cJSON *map)
{
    for (cJSON *j = map->child; j;) {
        cJSON *next = j->next;
        for (cJSON *k = j->next; k; k = k->next) {
            if (!strcmp(k->string, j->string)) {
                cJSON_Delete(cJSON_DetachItemViaPointer(map, j));
                break;
            }
        }
        j = next;
    }
}

int av_check(cJSON *av, int depth, err_t *e)
{
    if (!cJSON_IsObject(av)) {
        if (cJSON_IsArray(av))
            return err_set(e, ERR_SERIALIZATION, "Start of list found where not expected");
        return err_set(e, ERR_SERIALIZATION, "Expected an AttributeValue structure");
    }
    dedupe(av);
    int ntypes = 0;
    cJSON *val = NULL;
    const char *type = NULL;
    for (cJSON *j = av->child; j; j = j->next) {
        const char *t = cJSON_IsNull(j) ? NULL : type_named(j->string);
        if (t) {
            ntypes++;
            val = j;
            type = t;
        }
    }
    if (ntypes == 0)
        return err_validation(e, "Supplied AttributeValue is empty, must contain exactly one of "
                              "the supported datatypes");
    if (ntypes > 1)
        return err_validation(e, "Supplied AttributeValue has more than one datatypes set, must "
                              "contain exactly one of the supported datatypes");
    /* at most 31 L/M containers inside one another; sets do not count
     * (test_items.py test_nesting_32_levels_rejected, cases.json #35) */
    if (depth > DDB_MAX_DEPTH && (type[0] == 'M' || type[0] == 'L'))
        return err_validation(e, "Nesting Levels have exceeded supported limits: Attributes in "
                              "the item have nested levels beyond supported limit");
    switch (type[0]) {
    case 'S':
        if (type[1] == 'S') return check_set(val, type, depth, e);
        return want_string(val, e);
    case 'N':
        if (type[1] == 'S') return check_set(val, type, depth, e);
        if (type[1] == 'U') {   /* NULL */
            if (cJSON_IsString(val) && !strcmp(val->valuestring, "true")) {
                val->type = cJSON_True;
                free(val->valuestring);
                val->valuestring = NULL;
            }
            if (cJSON_IsTrue(val)) return 0;
            if (cJSON_IsFalse(val))
                return err_validation(e, "One or more parameter values were invalid: Null "
                                      "attribute value types must have the value of true");
            return err_set(e, ERR_SERIALIZATION, "Expected a boolean for NULL");
        }
        return check_number(val, depth, e);
    case 'B':
        if (type[1] == 'S') return check_set(val, type, depth, e);
        if (type[1] == 'O') {   /* BOOL */
            if (cJSON_IsBool(val)) return 0;
            if (cJSON_IsString(val) && (!strcmp(val->valuestring, "true") || !strcmp(val->valuestring, "false"))) {
                int t = !strcmp(val->valuestring, "true");
                free(val->valuestring);
                val->valuestring = NULL;
                val->type = t ? cJSON_True : cJSON_False;
                return 0;
            }
            return err_set(e, ERR_SERIALIZATION, "Expected a boolean for BOOL");
        }
        return check_binary(val, e);
    case 'M':
        if (!cJSON_IsObject(val)) {
            if (cJSON_IsArray(val))
                return err_set(e, ERR_SERIALIZATION, "Start of list found where not expected");
            return err_set(e, ERR_SERIALIZATION, "Expected a map for M");
        }
        dedupe(val);
        for (cJSON *j = val->child; j; j = j->next)
            if (av_check(j, depth + 1, e) < 0) return -1;
        return 0;
    case 'L':
        if (!cJSON_IsArray(val)) {
            if (cJSON_IsObject(val))
                return err_set(e, ERR_SERIALIZATION, "Start of structure or map found where not expected");
            return err_set(e, ERR_SERIALIZATION, "Expected a list for L");
        }
        for (cJSON *j = val->child; j; j = j->next)
            if (av_check(j, depth + 1, e) < 0) return -1;
        return 0;
    }
    return 0;
}

int av_check_map(cJSON *map, int64_t max_size, err_t *e)
{
    return av_check_item(map, max_size, NULL, e);
}

int av_check_item(cJSON *map, int64_t max_size, int64_t *item_size_out, err_t *e)
{
    if (!cJSON_IsObject(map))
        return err_set(e, ERR_SERIALIZATION, cJSON_IsArray(map) ? "Start of list found where not expected"
                                                                 : "Expected a map of AttributeValues");
    dedupe(map);
    int64_t size = 0;
    for (cJSON *j = map->child; j; j = j->next) {
        if (!j->string[0]) return err_validation(e, "Empty attribute name");
        if (cJSON_IsNull(j))
            return err_validation(e, "Supplied AttributeValue is empty, must contain exactly one "
                                  "of the supported datatypes");
        if (av_check(j, 1, e) < 0) return -1;
        if (max_size > 0 && (size += item_attr_size(j)) > max_size)
            return err_validation(e, "Item size has exceeded the maximum allowed size");
    }
    if (item_size_out) *item_size_out = size;
    return 0;
}
