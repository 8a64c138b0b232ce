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

/* Length of the well-formed UTF-8 sequence at s (n bytes left): shortest form, no surrogates,
 * at most U+10FFFF. 0 when it is not one. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80) return 1;
    size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (!len || len > n || c > 0xF4) return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xC0) != 0x80) return 0;
    if (len == 3 && ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0))) return 0;
    if (len == 4 && ((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90))) return 0;
    return len;
}

const char *json_check_text(const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    int in_str = 0;
    for (size_t i = 0; i < len;) {
        unsigned char c = s[i];
        if (c >= 0x80) {
            size_t l = utf8_len(s + i, len - i);
            if (!l) return "Invalid UTF-8 in the request body";
            i += l;
            continue;
        }
        if (in_str) {
            if (c < 0x20) return "Unescaped control character in a JSON string";
            if (c == '\\') { i += 2; continue; }
            if (c == '"') in_str = 0;
        } else if (c == '"') {
            in_str = 1;
        }
        i++;
    }
    return NULL;
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
