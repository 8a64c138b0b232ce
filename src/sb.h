/*
 * sb.h: a growable byte buffer used to write responses and SQL. Out of memory aborts
 * (through xmalloc), so no function here fails.
 */
#ifndef DDB_SB_H
#define DDB_SB_H

#include <stddef.h>
#include <stdint.h>

typedef struct sb {
    char *buf;      /* NUL-terminated when len > 0 or after sb_cstr() */
    size_t len, cap;
} sb_t;

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

void sb_init(sb_t *sb);
void sb_fini(sb_t *sb);
void sb_reset(sb_t *sb);                     /* len = 0, keeps the memory */
void sb_grow(sb_t *sb, size_t extra);
void sb_add(sb_t *sb, const void *p, size_t n);
void sb_puts(sb_t *sb, const char *s);
void sb_putc(sb_t *sb, char c);
void sb_printf(sb_t *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *sb_cstr(sb_t *sb);               /* NUL-terminates and returns buf ("" if empty) */
char *sb_take(sb_t *sb, size_t *len);        /* hands the buffer over; sb is empty again */
/* Appends s[0..n) as a JSON string literal the way DynamoDB Local writes it: raw UTF-8 for the
 * BMP, upper-case \uXXXX surrogate pairs beyond it, \" \\ \b \f \n \r \t and \u00XX for other
 * control characters, '/' unescaped. */
void sb_json_str(sb_t *sb, const char *s, size_t n);

#endif
