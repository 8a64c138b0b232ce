/*
 * num.h: DynamoDB numbers as exact decimals (never double).
 *
 * A number has at most 38 significant digits and a magnitude in [1E-130, 9.99..9E+125]
 * (shared/reference/dynamodb-local.md §8). This module parses the wire text, normalizes it,
 * prints it the way DynamoDB Local prints it (plain notation), compares numbers, does exact
 * + and -, and produces the two storage encodings of DynamoDB Local's SQLite files (§10.6 the
 * order-preserving key column text, §10.7 encodeBigDecimal used by hashes and item sizes).
 * No function here allocates.
 */
#ifndef DDB_NUM_H
#define DDB_NUM_H

#include <stddef.h>

#define NUM_MAX_DIGITS 38
#define NUM_FMT_MAX 192       /* enough for any formatted number, with its NUL */
#define NUM_KEY_MAX 48        /* enough for any key-column encoding */
#define NUM_BIGDEC_MAX 24     /* enough for any encodeBigDecimal output */

/* value = sign * 0.d[0]d[1]..d[ndig-1] * 10^exp, d[0] != 0, d[ndig-1] != 0 (zero: sign 0, ndig 0) */
typedef struct num {
    int sign;                 /* -1, 0, +1 */
    int exp;
    int ndig;                 /* 0..NUM_MAX_DIGITS (transiently more inside arithmetic) */
    unsigned char d[NUM_MAX_DIGITS + 2]; /* digit values 0..9, not ASCII */
} num_t;

typedef enum {
    NUM_OK = 0,
    NUM_ERR_CONVERT,          /* "A value provided cannot be converted into a number" */
    NUM_ERR_PRECISION,        /* "DynamoDB only supports precision up to 38 digits" */
    NUM_ERR_OVERFLOW,         /* "Number overflow. Attempting to store a number with magnitude larger than supported range" */
    NUM_ERR_UNDERFLOW,        /* "Number underflow. Attempting to store a number with magnitude smaller than supported range" */
} num_status_t;

/* DynamoDB Local's message for a status (exact text), "" for NUM_OK. */
const char *num_strerror(num_status_t st);

/* Parses s[0..len) (Java BigDecimal syntax: optional sign, digits with optional '.',
 * optional exponent e/E with optional sign; leading/trailing zeros allowed) and checks the
 * limits, in DynamoDB Local's order. Returns NUM_OK and fills *out, or an error status. */
num_status_t num_parse(num_t *out, const char *s, size_t len);

/* Writes the normalized plain-notation text (DynamoDB Local's output: "42", "-0.001",
 * "1" followed by 125 zeros, ...) into buf (NUM_FMT_MAX bytes), NUL-terminated; returns the
 * length. */
size_t num_format(const num_t *n, char *buf);

/* Total order: <0, 0, >0. */
int num_cmp(const num_t *a, const num_t *b);

/* Exact a + b and a - b. Return NUM_OK, or NUM_ERR_PRECISION / OVERFLOW / UNDERFLOW when the
 * exact result does not fit (DynamoDB Local's errors for update arithmetic). */
num_status_t num_add(num_t *out, const num_t *a, const num_t *b);
num_status_t num_sub(num_t *out, const num_t *a, const num_t *b);

/* The key-column text of §10.6 (e.g. "=" for zero, ">=E1000..." for 1): bytewise order equals
 * numeric order. Writes into buf (NUM_KEY_MAX bytes, not NUL-terminated); returns the length. */
size_t num_key_encode(const num_t *n, unsigned char *buf);

/* encodeBigDecimal of §10.7 (zero -> 80, 1 -> c1 02, -1 -> 3e 64 66). Writes into buf
 * (NUM_BIGDEC_MAX bytes); returns the length. Its length is also the number's size in the
 * item-size rule (§10.8). */
size_t num_bigdec_encode(const num_t *n, unsigned char *buf);

#endif
