/*
 * json.c: JSON input. cJSON keeps strings NUL-terminated, so a "\u0000" inside a string would
 * cut it short. Before parsing, each \u0000 escape inside a string is rewritten to the two bytes
 * C0 80 (Java's Modified UTF-8 for U+0000, never valid UTF-8 otherwise); sb_json_str() writes
 * them back as \u0000, and the key and size functions count them as the one byte 00
 * (json_unmod). Everything else is cJSON's.
 */
#define _GNU_SOURCE /* memmem */
#include "core.h"

#include <stdlib.h>
#include <string.h>

/* Rewrites \u0000 escapes in place; returns the new length. */
static size_t rewrite_nul(char *s, size_t len)
{
    size_t o = 0;
    int in_str = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (in_str && c == '\\' && i + 1 < len) {
            if (s[i + 1] == 'u' && i + 5 < len && s[i + 2] == '0' && s[i + 3] == '0' &&
                s[i + 4] == '0' && s[i + 5] == '0') {
                s[o++] = (char)0xC0;
                s[o++] = (char)0x80;
                i += 5;
                continue;
            }
            s[o++] = c;
            s[o++] = s[++i];
            continue;
        }
        if (c == '"') in_str = !in_str;
        s[o++] = c;
    }
    return o;
}

cJSON *json_parse(const char *text, size_t len, const char **end)
{
    if (!memmem(text, len, "\\u0000", 6)) {
        const char *e = NULL;
        cJSON *j = cJSON_ParseWithLengthOpts(text, len, &e, 0);
        if (end) *end = e;
        return j;
    }
    char *copy = xstrndup(text, len);
    size_t n = rewrite_nul(copy, len);
    cJSON *j = cJSON_ParseWithLengthOpts(copy, n, NULL, 0);
    if (end) *end = NULL;
    free(copy);
    return j;
}

size_t json_unmod(const char *s, unsigned char *out)
{
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (p[0] == 0xC0 && p[1] == 0x80) { out[o++] = 0; p++; }
        else out[o++] = *p;
    }
    return o;
}

size_t json_strlen(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++, n++)
        if (p[0] == 0xC0 && p[1] == 0x80) p++;
    return n;
}
