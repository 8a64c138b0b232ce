/*
 * fuzz_num.c: libFuzzer harness for src/num.c. The input is split at its first '|' into two
 * number texts. Checks: num_parse never crashes or reads out of bounds; every parsed number
 * formats and re-parses to itself; for two parsed numbers the memcmp order of num_key_encode
 * equals num_cmp order; num_add / num_sub agree with each other and invert each other.
 *
 *   clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
 *         tests/fuzz/fuzz_num.c src/num.c -o fuzz_num && ./fuzz_num -max_total_time=60
 */
#include "num.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define REQUIRE(c) do { if (!(c)) abort(); } while (0)

static int sgn(int v)
{
    return (v > 0) - (v < 0);
}

static int key_order(const num_t *a, const num_t *b)
{
    unsigned char ka[NUM_KEY_MAX], kb[NUM_KEY_MAX];
    size_t la = num_key_encode(a, ka), lb = num_key_encode(b, kb);
    REQUIRE(la <= NUM_KEY_MAX && lb <= NUM_KEY_MAX);
    int m = memcmp(ka, kb, la < lb ? la : lb);
    return m != 0 ? sgn(m) : sgn((int)la - (int)lb);
}

/* Formats n, re-parses the text and requires the same number and the same text. */
static void check_round_trip(const num_t *n)
{
    char buf[NUM_FMT_MAX], again[NUM_FMT_MAX];
    size_t len = num_format(n, buf);
    REQUIRE(len < NUM_FMT_MAX && buf[len] == '\0' && strlen(buf) == len);
    num_t back;
    REQUIRE(num_parse(&back, buf, len) == NUM_OK);
    REQUIRE(num_cmp(n, &back) == 0 && key_order(n, &back) == 0);
    REQUIRE(back.sign == n->sign && back.exp == n->exp && back.ndig == n->ndig);
    REQUIRE(memcmp(back.d, n->d, (size_t)n->ndig) == 0);
    REQUIRE(num_format(&back, again) == len && memcmp(buf, again, len) == 0);
    unsigned char bd[NUM_BIGDEC_MAX];
    REQUIRE(num_bigdec_encode(n, bd) <= NUM_BIGDEC_MAX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    const char *bar = memchr(s, '|', size);
    size_t la = bar ? (size_t)(bar - s) : size;
    num_t a, b;
    int ok_a = num_parse(&a, s, la) == NUM_OK;
    if (ok_a)
        check_round_trip(&a);
    if (!bar)
        return 0;
    int ok_b = num_parse(&b, bar + 1, size - la - 1) == NUM_OK;
    if (ok_b)
        check_round_trip(&b);
    if (!ok_a || !ok_b)
        return 0;

    int c = sgn(num_cmp(&a, &b));
    REQUIRE(c == -sgn(num_cmp(&b, &a)));
    REQUIRE(c == key_order(&a, &b));

    num_t s1, s2, d1, nb = b, back;
    nb.sign = -nb.sign;
    num_status_t st1 = num_add(&s1, &a, &b), st2 = num_add(&s2, &b, &a);
    num_status_t st3 = num_sub(&d1, &a, &nb);
    REQUIRE(st1 == st2 && st1 == st3);
    if (st1 == NUM_OK) {
        check_round_trip(&s1);
        REQUIRE(num_cmp(&s1, &s2) == 0 && num_cmp(&s1, &d1) == 0);
        REQUIRE(num_sub(&back, &s1, &b) == NUM_OK && num_cmp(&back, &a) == 0);
        /* a + b compares to a as b compares to zero. */
        REQUIRE(sgn(num_cmp(&s1, &a)) == b.sign);
    }
    return 0;
}
