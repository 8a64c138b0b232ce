/*
 * num.c: DynamoDB numbers as exact decimals: parsing with DynamoDB Local's checks and messages,
 * plain-notation output, comparison, exact addition and subtraction, and the two storage
 * encodings (order-preserving key text of §10.6, encodeBigDecimal of §10.7).
 *
 * DynamoDB Local parses a number with Java's new BigDecimal(String), strips trailing zeros,
 * then checks precision (at most 38 significant digits) and only then the magnitude
 * (1E-130 .. 9.99..E+125). num_parse reproduces that syntax exactly, including its corners,
 * all pinned by tests/unit/test_num.c (test_parse_*) against the oracle:
 *   - optional ASCII '+' or '-', digits with at most one '.', at least one digit; ".5", "5."
 *     and "+5" are numbers; no spaces, no "0x", no "Infinity"/"NaN";
 *   - any Unicode decimal digit of the Basic Multilingual Plane counts as a digit, in the
 *     mantissa and in the exponent ("１" is 1, "1e٣" is 1000): Java's Character.isDigit on
 *     UTF-16 units, so digits outside the BMP are rejected;
 *   - an exponent is 'e' or 'E', an optional sign and at least one digit; after leading zeros
 *     it may have at most 10 digits and must fit in a Java int, and when it is not zero,
 *     (digits after the '.') - exponent must fit in an int too ("1.5E-2147483647" cannot be
 *     converted, "15E-2147483647" underflows). These are conversion errors, even for zero.
 * The check order is: conversion, precision, then overflow / underflow.
 * Nothing here allocates or uses floating point; every function is linear in its input.
 */
#include "num.h"

#include <assert.h>
#include <limits.h>
#include <string.h>

/* The exponents (value = 0.ddd x 10^exp) of the smallest and largest allowed magnitudes. */
#define EXP_MIN (-129) /* 1E-130 = 0.1 x 10^-129 */
#define EXP_MAX 126    /* 9.99..9E+125 = 0.999..9 x 10^126 */

/* Places a sum of two valid numbers can span: EXP_MAX + 1 (carry) down to EXP_MIN - 38. */
#define SUM_PLACES (EXP_MAX - (EXP_MIN - NUM_MAX_DIGITS) + 2)

const char *num_strerror(num_status_t st)
{
    switch (st) {
    case NUM_OK:
        return "";
    case NUM_ERR_CONVERT:
        return "A value provided cannot be converted into a number";
    case NUM_ERR_PRECISION:
        return "DynamoDB only supports precision up to 38 digits";
    case NUM_ERR_OVERFLOW:
        return "Number overflow. Attempting to store a number with magnitude larger than "
               "supported range";
    case NUM_ERR_UNDERFLOW:
        return "Number underflow. Attempting to store a number with magnitude smaller than "
               "supported range";
    }
    return "";
}

/* The zero of every decimal-digit run of the BMP for which Java 17 (Unicode 13)
 * Character.isDigit holds: 37 runs of ten, 370 characters. */
static const unsigned short digit_zeros[] = {
    0x0030, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6,
    0x0C66, 0x0CE6, 0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0,
    0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620,
    0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
};

/* Reads one character at s[*i] (i < len) as a decimal digit: returns its value 0..9 and
 * advances *i past it, or returns -1 (not a digit; *i unchanged). Non-ASCII digits are
 * accepted only as well-formed 2- or 3-byte UTF-8. */
static int read_digit(const unsigned char *s, size_t len, size_t *i)
{
    unsigned c = s[*i];
    if (c - '0' < 10u) {
        (*i)++;
        return (int)(c - '0');
    }
    if (c < 0xC2 || c > 0xEF)
        return -1;
    unsigned cp;
    size_t n;
    if (c < 0xE0) {
        if (*i + 1 >= len || (s[*i + 1] & 0xC0) != 0x80)
            return -1;
        cp = ((c & 0x1Fu) << 6) | (s[*i + 1] & 0x3Fu);
        n = 2;
    } else {
        if (*i + 2 >= len || (s[*i + 1] & 0xC0) != 0x80 || (s[*i + 2] & 0xC0) != 0x80)
            return -1;
        cp = ((c & 0x0Fu) << 12) | ((s[*i + 1] & 0x3Fu) << 6) | (s[*i + 2] & 0x3Fu);
        if (cp < 0x800)
            return -1; /* overlong */
        n = 3;
    }
    for (size_t k = 0; k < sizeof digit_zeros / sizeof digit_zeros[0]; k++) {
        if (cp >= digit_zeros[k] && cp - digit_zeros[k] < 10u) {
            *i += n;
            return (int)(cp - digit_zeros[k]);
        }
    }
    return -1;
}

/* Parses the exponent s[i..len) after the 'e' as Java's BigDecimal.parseExp does, then
 * checks it fits in an int. Returns 0 and sets *exp, or -1. */
static int parse_exponent(const unsigned char *s, size_t len, size_t i, long long *exp)
{
    int neg = 0;
    if (i < len && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    if (i >= len)
        return -1;
    long long v = 0;
    int sig = 0;
    while (i < len) {
        int dv = read_digit(s, len, &i);
        if (dv < 0)
            return -1;
        if (sig == 0 && dv == 0)
            continue; /* leading zeros are skipped without limit */
        if (++sig > 10)
            return -1; /* "Too many nonzero exponent digits." */
        v = v * 10 + dv;
    }
    if (neg)
        v = -v;
    if (v < INT_MIN || v > INT_MAX)
        return -1; /* "Exponent overflow." */
    *exp = v;
    return 0;
}

num_status_t num_parse(num_t *out, const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    int sign = 1;
    if (i < len && (s[i] == '-' || s[i] == '+'))
        sign = s[i++] == '-' ? -1 : 1;

    int any_digit = 0, dot = 0, too_long = 0;
    long long frac = 0;      /* digit characters after the '.' (Java's scale before the exponent) */
    long long lead = 0;      /* place of the first nonzero digit: value = 0.d.. x 10^(lead + exp) */
    int started = 0;         /* a nonzero digit was seen */
    long long zeros = 0;     /* zeros seen after the last stored nonzero digit */
    long long exp10 = 0;
    int ndig = 0;
    unsigned char d[NUM_MAX_DIGITS]; /* copied to *out only on success */

    while (i < len) {
        unsigned c = s[i];
        int dv;
        if (c - '0' < 10u) {
            dv = (int)(c - '0');
            i++;
        } else if (c >= 0x80) {
            dv = read_digit(s, len, &i);
            if (dv < 0)
                return NUM_ERR_CONVERT;
        } else if (c == '.') {
            if (dot)
                return NUM_ERR_CONVERT;
            dot = 1;
            i++;
            continue;
        } else if (c == 'e' || c == 'E') {
            if (parse_exponent(s, len, i + 1, &exp10) < 0)
                return NUM_ERR_CONVERT;
            break;
        } else {
            return NUM_ERR_CONVERT;
        }
        any_digit = 1;
        if (dot)
            frac++;
        if (!started) {
            if (dv == 0) {
                if (dot)
                    lead--;       /* 0.0001: each zero after the point lowers the place */
                continue;
            }
            started = 1;
            if (!dot)
                lead = 1;         /* counted up by every later integer digit */
            d[ndig++] = (unsigned char)dv;
            continue;
        }
        if (!dot)
            lead++;
        if (dv == 0) {
            zeros++;
            continue;
        }
        if (too_long || ndig + zeros + 1 > NUM_MAX_DIGITS) {
            too_long = 1;         /* keep scanning: a conversion error still wins */
            continue;
        }
        while (zeros > 0) {
            d[ndig++] = 0;
            zeros--;
        }
        d[ndig++] = (unsigned char)dv;
    }
    if (!any_digit)
        return NUM_ERR_CONVERT;                    /* "", "-", ".", ".e1" */
    if (exp10 != 0 && (frac - exp10 < INT_MIN || frac - exp10 > INT_MAX))
        return NUM_ERR_CONVERT;                    /* Java's "Scale out of range." */
    if (!started) {
        memset(out, 0, sizeof *out);               /* "-0", "0.000", "0E+5" are zero */
        return NUM_OK;
    }
    if (too_long)
        return NUM_ERR_PRECISION;
    long long e = lead + exp10;
    if (e > EXP_MAX)
        return NUM_ERR_OVERFLOW;
    if (e < EXP_MIN)
        return NUM_ERR_UNDERFLOW;
    out->sign = sign;
    out->exp = (int)e;
    out->ndig = ndig;
    memcpy(out->d, d, (size_t)ndig);
    return NUM_OK;
}

size_t num_format(const num_t *n, char *buf)
{
    size_t o = 0;
    if (n->sign == 0 || n->ndig == 0) {
        buf[0] = '0';
        buf[1] = '\0';
        return 1;
    }
    if (n->sign < 0)
        buf[o++] = '-';
    if (n->exp <= 0) {
        buf[o++] = '0';
        buf[o++] = '.';
        for (int k = 0; k < -n->exp; k++)
            buf[o++] = '0';
        for (int k = 0; k < n->ndig; k++)
            buf[o++] = (char)('0' + n->d[k]);
    } else if (n->exp >= n->ndig) {
        for (int k = 0; k < n->ndig; k++)
            buf[o++] = (char)('0' + n->d[k]);
        for (int k = n->ndig; k < n->exp; k++)
            buf[o++] = '0';
    } else {
        for (int k = 0; k < n->exp; k++)
            buf[o++] = (char)('0' + n->d[k]);
        buf[o++] = '.';
        for (int k = n->exp; k < n->ndig; k++)
            buf[o++] = (char)('0' + n->d[k]);
    }
    assert(o < NUM_FMT_MAX);
    buf[o] = '\0';
    return o;
}

/* Compares |a| and |b| of two nonzero numbers. */
static int cmp_abs(const num_t *a, const num_t *b)
{
    if (a->exp != b->exp)
        return a->exp < b->exp ? -1 : 1;
    int n = a->ndig > b->ndig ? a->ndig : b->ndig;
    for (int k = 0; k < n; k++) {
        int x = k < a->ndig ? a->d[k] : 0, y = k < b->ndig ? b->d[k] : 0;
        if (x != y)
            return x < y ? -1 : 1;
    }
    return 0;
}

int num_cmp(const num_t *a, const num_t *b)
{
    if (a->sign != b->sign)
        return a->sign < b->sign ? -1 : 1;
    if (a->sign == 0)
        return 0;
    int c = cmp_abs(a, b);
    return a->sign > 0 ? c : -c;
}

/* Adds the digits of x into r (r[0] is the place 10^bottom), with sign +1 (add) or -1
 * (subtract; the caller guarantees the result stays non-negative). */
static void accumulate(signed char *r, int bottom, const num_t *x, int sgn)
{
    for (int k = 0; k < x->ndig; k++)
        r[x->exp - 1 - k - bottom] = (signed char)(r[x->exp - 1 - k - bottom] + sgn * x->d[k]);
}

/* out = a + sb * b for valid numbers (exp in range, at most 38 digits). */
static num_status_t add_signed(num_t *out, const num_t *a, const num_t *b, int sb)
{
    int bsign = b->sign * sb;
    if (b->sign == 0 || b->ndig == 0) {
        *out = *a;
        return NUM_OK;
    }
    if (a->sign == 0 || a->ndig == 0) {
        *out = *b;
        out->sign = bsign;
        return NUM_OK;
    }
    assert(a->exp >= EXP_MIN && a->exp <= EXP_MAX && a->ndig <= NUM_MAX_DIGITS);
    assert(b->exp >= EXP_MIN && b->exp <= EXP_MAX && b->ndig <= NUM_MAX_DIGITS);

    const num_t *big = a, *small = b;
    int rsign = a->sign;
    if (a->sign != bsign) {
        int c = cmp_abs(a, b);
        if (c == 0) {
            memset(out, 0, sizeof *out);
            return NUM_OK;
        }
        if (c < 0) {
            big = b;
            small = a;
            rsign = bsign;
        }
    }
    int abot = a->exp - a->ndig, bbot = b->exp - b->ndig;
    int bottom = abot < bbot ? abot : bbot;
    int top = (a->exp > b->exp ? a->exp : b->exp) + 1; /* one place above, for a carry */
    int width = top - bottom;
    assert(width <= SUM_PLACES);
    signed char r[SUM_PLACES];
    memset(r, 0, (size_t)width);
    accumulate(r, bottom, big, 1);
    accumulate(r, bottom, small, a->sign == bsign ? 1 : -1);
    for (int k = 0; k < width - 1; k++) { /* normalize carries and borrows upward */
        if (r[k] >= 10) {
            r[k] = (signed char)(r[k] - 10);
            r[k + 1]++;
        } else if (r[k] < 0) {
            r[k] = (signed char)(r[k] + 10);
            r[k + 1]--;
        }
    }
    int hi = width - 1, lo = 0;
    while (r[hi] == 0)
        hi--;
    while (r[lo] == 0)
        lo++;
    if (hi - lo + 1 > NUM_MAX_DIGITS)
        return NUM_ERR_PRECISION;      /* checked before the range, as DynamoDB Local does */
    int e = bottom + hi + 1;
    if (e > EXP_MAX)
        return NUM_ERR_OVERFLOW;
    if (e < EXP_MIN)
        return NUM_ERR_UNDERFLOW;      /* unreachable for valid operands; kept for safety */
    out->sign = rsign;
    out->exp = e;
    out->ndig = hi - lo + 1;
    for (int k = 0; k < out->ndig; k++)
        out->d[k] = (unsigned char)r[hi - k];
    return NUM_OK;
}

num_status_t num_add(num_t *out, const num_t *a, const num_t *b)
{
    return add_signed(out, a, b, 1);
}

num_status_t num_sub(num_t *out, const num_t *a, const num_t *b)
{
    return add_signed(out, a, b, -1);
}

/* Writes v (0..999) as three ASCII digits. */
static void put3(unsigned char *p, int v)
{
    p[0] = (unsigned char)('0' + v / 100);
    p[1] = (unsigned char)('0' + v / 10 % 10);
    p[2] = (unsigned char)('0' + v % 10);
}

size_t num_key_encode(const num_t *n, unsigned char *buf)
{
    if (n->sign == 0 || n->ndig == 0) {
        buf[0] = '=';
        return 1;
    }
    int e = n->exp - 1; /* scientific exponent: d.ddd x 10^e */
    size_t o = 0;
    int neg = n->sign < 0;
    buf[o++] = neg ? '<' : '>';
    if (e == 0) {
        buf[o++] = '=';
    } else {
        buf[o++] = (e > 0) != neg ? '>' : '<';
        put3(buf + o, e > 0 ? (neg ? 999 - e : e) : (neg ? -e : 999 + e));
        o += 3;
    }
    buf[o++] = 'E';
    for (int k = 0; k < NUM_MAX_DIGITS; k++) {
        int dv = k < n->ndig ? n->d[k] : 0;
        buf[o++] = (unsigned char)('0' + (neg ? 9 - dv : dv));
    }
    assert(o <= NUM_KEY_MAX);
    return o;
}

size_t num_bigdec_encode(const num_t *n, unsigned char *buf)
{
    if (n->sign == 0 || n->ndig == 0) {
        buf[0] = 0x80;
        return 1;
    }
    int neg = n->sign < 0;
    int e = n->exp;           /* significant digits - scale */
    int odd = e % 2 != 0;     /* an odd exponent gets a leading 0 digit */
    e += odd;
    int nd = n->ndig + odd;
    int nb = (nd + 1) / 2;
    size_t o = 0;
    buf[o++] = (unsigned char)(((192 + e / 2) & 0xff) ^ (neg ? 0xff : 0));
    for (int p = 0; p < nb; p++) {
        int i0 = 2 * p - odd, i1 = 2 * p + 1 - odd;
        int hi = i0 >= 0 ? n->d[i0] : 0;
        int lo = i1 < n->ndig ? n->d[i1] : 0;
        int pair = hi * 10 + lo;
        buf[o++] = (unsigned char)(neg ? 101 - pair : pair + 1);
    }
    if (neg && nb < 20)
        buf[o++] = 102;
    assert(o <= NUM_BIGDEC_MAX);
    return o;
}
