/*
 * sb.c: the growable byte buffer and the out-of-memory policy of ddblocal: every allocation
 * goes through xmalloc() and friends, which abort on failure, so no caller checks for NULL.
 */
#include "sb.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(void)
{
    fputs("ddblocal: out of memory\n", stderr);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) oom();
    return p;
}

void *xcalloc(size_t n, size_t m)
{
    void *p = calloc(n ? n : 1, m ? m : 1);
    if (!p) oom();
    return p;
}

void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) oom();
    return p;
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

void sb_init(sb_t *sb)
{
    sb->buf = NULL;
    sb->len = sb->cap = 0;
}

void sb_fini(sb_t *sb)
{
    free(sb->buf);
    sb_init(sb);
}

void sb_reset(sb_t *sb)
{
    sb->len = 0;
    if (sb->buf) sb->buf[0] = 0;
}

void sb_grow(sb_t *sb, size_t extra)
{
    if (sb->len + extra + 1 <= sb->cap) return;
    size_t cap = sb->cap ? sb->cap : 256;
    while (cap < sb->len + extra + 1) cap *= 2;
    sb->buf = xrealloc(sb->buf, cap);
    sb->cap = cap;
}

void sb_add(sb_t *sb, const void *p, size_t n)
{
    sb_grow(sb, n);
    memcpy(sb->buf + sb->len, p, n);
    sb->len += n;
    sb->buf[sb->len] = 0;
}

void sb_puts(sb_t *sb, const char *s)
{
    sb_add(sb, s, strlen(s));
}

void sb_putc(sb_t *sb, char c)
{
    sb_grow(sb, 1);
    sb->buf[sb->len++] = c;
    sb->buf[sb->len] = 0;
}

void sb_printf(sb_t *sb, const char *fmt, ...)
{
    /* formatted straight into the free space when it fits (the usual case), else again
     * after growing to the length the first attempt reported */
    va_list ap;
    sb_grow(sb, 64);
    size_t room = sb->cap - sb->len;
    va_start(ap, fmt);
    int n = vsnprintf(sb->buf + sb->len, room, fmt, ap);
    va_end(ap);
    if (n <= 0) { sb->buf[sb->len] = 0; return; }
    if ((size_t)n >= room) {
        sb_grow(sb, (size_t)n);
        va_start(ap, fmt);
        vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    sb->len += (size_t)n;
}

const char *sb_cstr(sb_t *sb)
{
    if (!sb->buf) sb_grow(sb, 0);
    sb->buf[sb->len] = 0;
    return sb->buf;
}

char *sb_take(sb_t *sb, size_t *len)
{
    sb_cstr(sb);
    char *p = sb->buf;
    if (len) *len = sb->len;
    sb_init(sb);
    return p;
}

/* Decodes one UTF-8 sequence at s (n bytes left). Returns its length and the code point, or
 * 0 for an invalid sequence. */
static size_t utf8_decode(const unsigned char *s, size_t n, unsigned *cp)
{
    unsigned c = s[0];
    if (c < 0x80) { *cp = c; return 1; }
    size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
    if (!len || len > n || c > 0xF4) return 0;
    unsigned v = c & (0x3F >> (len - 1));
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    /* only well-formed sequences: shortest form, no surrogates, at most U+10FFFF */
    static const unsigned min[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (v < min[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    *cp = v;
    return len;
}

void sb_json_str(sb_t *sb, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    sb_grow(sb, n + 2);
    sb->buf[sb->len++] = '"';
    while (p < end) {
        const unsigned char *run = p;
        while (p < end && *p >= 0x20 && *p != '"' && *p != '\\' && *p < 0xF0 && *p != 0xC0) p++;
        if (p > run) sb_add(sb, run, (size_t)(p - run));
        if (p >= end) break;
        unsigned c = *p;
        char esc[16];
        if (c == '"') { sb_add(sb, "\\\"", 2); p++; continue; }
        if (c == '\\') { sb_add(sb, "\\\\", 2); p++; continue; }
        if (c < 0x20) {
            switch (c) {
            case '\b': sb_add(sb, "\\b", 2); break;
            case '\f': sb_add(sb, "\\f", 2); break;
            case '\n': sb_add(sb, "\\n", 2); break;
            case '\r': sb_add(sb, "\\r", 2); break;
            case '\t': sb_add(sb, "\\t", 2); break;
            default:
                esc[0] = '\\'; esc[1] = 'u'; esc[2] = '0'; esc[3] = '0';
                esc[4] = hex[c >> 4]; esc[5] = hex[c & 15];
                sb_add(sb, esc, 6);
            }
            p++;
            continue;
        }
        /* C0 80: a NUL character held in Modified UTF-8 (json.c) */
        if (c == 0xC0 && p + 1 < end && p[1] == 0x80) { sb_add(sb, "\\u0000", 6); p += 2; continue; }
        /* four-byte sequence: a character outside the BMP, written as a surrogate pair */
        unsigned cp;
        size_t len = utf8_decode(p, (size_t)(end - p), &cp);
        if (len == 4 && cp >= 0x10000) {
            unsigned v = cp - 0x10000, hi = 0xD800 + (v >> 10), lo = 0xDC00 + (v & 0x3FF);
            snprintf(esc, sizeof esc, "\\u%04X\\u%04X", hi, lo);
            sb_add(sb, esc, 12);
            p += 4;
        } else {
            sb_add(sb, p, 1);
            p++;
        }
    }
    sb_putc(sb, '"');
}
