/*
 * item.c: whole items: DynamoDB Local's item size rule (dynamodb-local.md §10.8, also the
 * stream record SizeBytes rule) and the JSON writer that emits attribute maps in DynamoDB
 * Local's member order, which is the iteration order of a Java HashMap (§3.3): ascending bucket
 * (h ^ h>>>16) & (capacity-1) of String.hashCode(), insertion order within a bucket.
 */
#include "core.h"

#include <stdlib.h>
#include <string.h>

static int64_t value_size(const cJSON *av);

static int64_t scalar_size(const char *type, const cJSON *v)
{
    switch (type[0]) {
    case 'S': return (int64_t)json_strlen(v->valuestring);
    case 'N': {
        num_t n;
        unsigned char buf[NUM_BIGDEC_MAX];
        if (num_parse(&n, v->valuestring, strlen(v->valuestring)) != NUM_OK) return 0;
        return (int64_t)num_bigdec_encode(&n, buf);
    }
    case 'B': {
        size_t len = strlen(v->valuestring);
        int64_t n = (int64_t)(len / 4 * 3);
        if (len >= 1 && v->valuestring[len - 1] == '=') n--;
        if (len >= 2 && v->valuestring[len - 2] == '=') n--;
        return n;
    }
    }
    return 0;
}

static int64_t value_size(const cJSON *av)
{
    const cJSON *v;
    const char *type = av_type(av, &v);
    if (!type) return 0;
    int64_t size = 0;
    if (!strcmp(type, "NULL") || !strcmp(type, "BOOL")) return 1;
    if (type[1] == 'S' && type[0] != 0 && strlen(type) == 2) {       /* SS NS BS */
        char one[2] = {type[0], 0};
        for (const cJSON *j = v->child; j; j = j->next) size += scalar_size(one, j);
        return size;
    }
    if (!strcmp(type, "L")) {
        size = 3;
        for (const cJSON *j = v->child; j; j = j->next) size += 1 + value_size(j);
        return size;
    }
    if (!strcmp(type, "M")) {
        size = 3;
        for (const cJSON *j = v->child; j; j = j->next)
            size += 1 + (int64_t)json_strlen(j->string) + value_size(j);
        return size;
    }
    return scalar_size(type, v);
}

int64_t item_attr_size(const cJSON *attr)
{
    return (int64_t)json_strlen(attr->string) + value_size(attr);
}

int64_t item_size(const cJSON *item)
{
    int64_t size = 0;
    for (const cJSON *j = item->child; j; j = j->next)
        size += item_attr_size(j);
    return size;
}

/* Java's String.hashCode() of a UTF-8 string (over its UTF-16 units). */
static int32_t java_hash(const char *s)
{
    uint32_t h = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp;
        if (*p < 0x80) { cp = *p++; }
        else if ((*p & 0xE0) == 0xC0 && p[1]) { cp = ((uint32_t)(p[0] & 0x1F) << 6) | (p[1] & 0x3F); p += 2; }
        else if ((*p & 0xF0) == 0xE0 && p[1] && p[2]) { cp = ((uint32_t)(p[0] & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) | (p[2] & 0x3F); p += 3; }
        else if ((*p & 0xF8) == 0xF0 && p[1] && p[2] && p[3]) {
            cp = ((uint32_t)(p[0] & 0x07) << 18) | ((uint32_t)(p[1] & 0x3F) << 12) | ((uint32_t)(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
            p += 4;
        } else { cp = 0xFFFD; p++; }
        if (cp >= 0x10000) {
            cp -= 0x10000;
            h = 31 * h + (0xD800 + (cp >> 10));
            h = 31 * h + (0xDC00 + (cp & 0x3FF));
        } else {
            h = 31 * h + cp;
        }
    }
    return (int32_t)h;
}

typedef struct slot { int idx; uint32_t bucket; } slot_t;

static int cmp_slot(const void *a, const void *b)
{
    const slot_t *x = a, *y = b;
    if (x->bucket != y->bucket) return x->bucket < y->bucket ? -1 : 1;
    return x->idx - y->idx;
}

void item_hashmap_order(const char *const *names, int n, int initial, int *order)
{
    slot_t stack[32], *v = n > 32 ? xmalloc((size_t)n * sizeof *v) : stack;
    uint32_t cap = 1;
    if (initial > 0) cap = (uint32_t)initial;
    else while (cap < (uint32_t)n) cap <<= 1;
    while ((double)n > 0.75 * cap) cap <<= 1;
    for (int i = 0; i < n; i++) {
        uint32_t h = (uint32_t)java_hash(names[i]);
        v[i].idx = i;
        v[i].bucket = (h ^ (h >> 16)) & (cap - 1);
    }
    if (n > 32) {
        qsort(v, (size_t)n, sizeof *v, cmp_slot);
    } else {            /* an insertion sort, stable as cmp_slot orders: cheaper for an item's few names */
        for (int i = 1; i < n; i++) {
            slot_t x = v[i];
            int k = i;
            for (; k > 0 && v[k - 1].bucket > x.bucket; k--) v[k] = v[k - 1];
            v[k] = x;
        }
    }
    for (int i = 0; i < n; i++) order[i] = v[i].idx;
    if (v != stack) free(v);
}

static void write_value(sb_t *sb, const cJSON *av);

/* Writes the members of map (only those named in `only`, when given) in HashMap order. */
static void write_map(sb_t *sb, const cJSON *map, const cJSON *only)
{
    const cJSON *stack_j[32], **js = stack_j;
    const char *stack_n[32], **names = stack_n;
    int stack_o[32], *order = stack_o;
    int n = cJSON_GetArraySize(map);
    if (n > 32) {
        js = xmalloc((size_t)n * sizeof *js);
        names = xmalloc((size_t)n * sizeof *names);
        order = xmalloc((size_t)n * sizeof *order);
    }
    int m = 0;
    for (const cJSON *j = map->child; j; j = j->next) {
        if (only) {
            int found = 0;
            for (const cJSON *o = only->child; o && !found; o = o->next)
                if (cJSON_IsString(o) && !strcmp(o->valuestring, j->string)) found = 1;
            if (!found) continue;
        }
        js[m] = j;
        names[m++] = j->string;
    }
    item_hashmap_order(names, m, 0, order);
    sb_putc(sb, '{');
    for (int i = 0; i < m; i++) {
        const cJSON *j = js[order[i]];
        if (i) sb_putc(sb, ',');
        sb_json_str(sb, j->string, strlen(j->string));
        sb_putc(sb, ':');
        write_value(sb, j);
    }
    sb_putc(sb, '}');
    if (js != stack_j) { free(js); free(names); free(order); }
}

static void write_value(sb_t *sb, const cJSON *av)
{
    const cJSON *v;
    const char *type = av_type(av, &v);
    size_t tl = strlen(type);
    char head[8] = "{\"";                       /* {"T": in one append; types have at most 4 letters */
    memcpy(head + 2, type, tl);
    memcpy(head + 2 + tl, "\":", 2);
    sb_add(sb, head, tl + 4);
    if (cJSON_IsString(v)) {
        sb_json_str(sb, v->valuestring, strlen(v->valuestring));
    } else if (cJSON_IsBool(v)) {
        sb_puts(sb, cJSON_IsTrue(v) ? "true" : "false");
    } else if (!strcmp(type, "M")) {
        write_map(sb, v, NULL);
    } else if (cJSON_IsArray(v)) {
        sb_putc(sb, '[');
        for (const cJSON *j = v->child; j; j = j->next) {
            if (j != v->child) sb_putc(sb, ',');
            if (!strcmp(type, "L")) write_value(sb, j);
            else sb_json_str(sb, j->valuestring, strlen(j->valuestring));
        }
        sb_putc(sb, ']');
    }
    sb_putc(sb, '}');
}

void item_write(sb_t *sb, const cJSON *map)
{
    write_map(sb, map, NULL);
}

void item_write_value(sb_t *sb, const cJSON *av)
{
    write_value(sb, av);
}

void item_write_only(sb_t *sb, const cJSON *map, const cJSON *names)
{
    write_map(sb, map, names);
}

/* ---- canonical rows ------------------------------------------------------------------------ */

/* A cursor over stored JSON being checked by item_is_canonical(). */
typedef struct canon {
    const char *p, *end;
} canon_t;

static int canon_lit(canon_t *c, const char *lit, size_t n)
{
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n)) return 0;
    c->p += n;
    return 1;
}

/* A string of printable ASCII without escapes (what sb_json_str copies as is). */
static int canon_str(canon_t *c, const char **s, size_t *n)
{
    if (c->p >= c->end || *c->p != '"') return 0;
    const char *b = ++c->p, *q = b;
    /* eight bytes at a time while none is a quote, a backslash, a control or non-ASCII byte */
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    while (c->end - q >= 8) {
        uint64_t w, a, d;
        memcpy(&w, q, 8);
        a = w ^ (ones * '"');
        d = w ^ (ones * '\\');
        if (((w | ((w - ones * 0x20) & ~w) | ((a - ones) & ~a) | ((d - ones) & ~d)) & highs) != 0) break;
        q += 8;
    }
    while (q < c->end && *q != '"') {
        unsigned char ch = (unsigned char)*q;
        if (ch == '\\' || ch < 0x20 || ch >= 0x80) return 0;
        q++;
    }
    if (q >= c->end) return 0;
    *s = b;
    *n = (size_t)(q - b);
    c->p = q + 1;
    return 1;
}

static int canon_map(canon_t *c, int depth);

/* One AttributeValue, {"T":value}. */
static int canon_value(canon_t *c, int depth)
{
    const char *t, *s;
    size_t tn, sn;
    if (depth > 32 || !canon_lit(c, "{", 1) || !canon_str(c, &t, &tn) || !canon_lit(c, ":", 1)) return 0;
    if (tn == 1 && (*t == 'S' || *t == 'N' || *t == 'B')) {
        if (!canon_str(c, &s, &sn)) return 0;
    } else if (tn == 1 && *t == 'M') {
        if (!canon_map(c, depth + 1)) return 0;
    } else if ((tn == 1 && *t == 'L') || (tn == 2 && t[1] == 'S' && (*t == 'S' || *t == 'N' || *t == 'B'))) {
        if (!canon_lit(c, "[", 1)) return 0;
        if (!canon_lit(c, "]", 1))
            for (;;) {
                if (!(tn == 1 ? canon_value(c, depth + 1) : canon_str(c, &s, &sn))) return 0;
                if (canon_lit(c, "]", 1)) break;
                if (!canon_lit(c, ",", 1)) return 0;
            }
    } else if ((tn == 4 && !memcmp(t, "BOOL", 4)) || (tn == 4 && !memcmp(t, "NULL", 4))) {
        if (!canon_lit(c, "true", 4) && !canon_lit(c, "false", 5)) return 0;
    } else {
        return 0;
    }
    return canon_lit(c, "}", 1);
}

/* A map whose members are in the order write_map() gives them: HashMap buckets ascending. */
static int canon_map(canon_t *c, int depth)
{
    uint32_t h[64];
    int n = 0;
    if (!canon_lit(c, "{", 1)) return 0;
    if (canon_lit(c, "}", 1)) return 1;
    for (;;) {
        const char *s;
        size_t sn;
        if (n == 64 || !canon_str(c, &s, &sn) || !canon_lit(c, ":", 1) || !canon_value(c, depth)) return 0;
        uint32_t x = 0;
        for (size_t i = 0; i < sn; i++) x = 31 * x + (unsigned char)s[i];
        h[n++] = x ^ (x >> 16);
        if (canon_lit(c, "}", 1)) break;
        if (!canon_lit(c, ",", 1)) return 0;
    }
    uint32_t cap = 1;
    while (cap < (uint32_t)n) cap <<= 1;
    while ((double)n > 0.75 * cap) cap <<= 1;
    for (int i = 1; i < n; i++)
        if ((h[i] & (cap - 1)) < (h[i - 1] & (cap - 1))) return 0;
    return 1;
}

int item_is_canonical(const char *json, size_t len)
{
    canon_t c = {json, json + len};
    return canon_map(&c, 0) && c.p == c.end;
}
