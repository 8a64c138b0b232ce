/*
 * test_num.c: unit tests of src/num.c. Every table row is one case; rows marked "oracle" were
 * observed on DynamoDB Local 1.25.1 (PutItem then GetItem for parsing and output, UpdateItem
 * "SET n = n + :d" / "n - :d" for arithmetic); encodings come from
 * shared/reference/tools/ddbl_format.py (sortable_number, encode_bigdecimal).
 *
 * Strings in the tables may use "{N*c}" for N copies of the character c, so that "1{125*0}"
 * is 1E+125 in plain notation.
 */
#include "num.h"
#include "unit.h"

#include <stdlib.h>

#define CONVERT NUM_ERR_CONVERT
#define PRECISION NUM_ERR_PRECISION
#define OVERFLOW NUM_ERR_OVERFLOW
#define UNDERFLOW NUM_ERR_UNDERFLOW

/* Expands "{N*c}" runs of pattern into buf (cap bytes, NUL-terminated); returns the length. */
static size_t expand(const char *pattern, char *buf, size_t cap)
{
    size_t o = 0;
    for (const char *p = pattern; *p;) {
        if (*p == '{') {
            char *end;
            unsigned long n = strtoul(p + 1, &end, 10);
            char c = end[1];
            for (unsigned long k = 0; k < n && o + 1 < cap; k++)
                buf[o++] = c;
            p = end + 3; /* past "*c}" */
        } else {
            if (o + 1 < cap)
                buf[o++] = *p;
            p++;
        }
    }
    buf[o] = '\0';
    return o;
}

static num_t parse_ok(const char *pattern)
{
    char in[4096];
    num_t n;
    memset(&n, 0, sizeof n);
    size_t len = expand(pattern, in, sizeof in);
    num_status_t st = num_parse(&n, in, len);
    if (st != NUM_OK) {
        fprintf(stderr, "parse of \"%s\" failed: %s\n", in, num_strerror(st));
        unit_failed_checks++;
    }
    return n;
}

/* Accepted inputs and their normalized output (oracle: PutItem, then GetItem). */
static const struct { const char *in, *out; } parse_ok_cases[] = {
    {"0", "0"},
    {"42", "42"},
    {"00042", "42"},                                   /* §8 */
    {"5.000", "5"},                                    /* §8 */
    {"-0.001", "-0.001"},                              /* §8 */
    {"+5", "5"},                                       /* oracle */
    {".5", "0.5"},                                     /* oracle */
    {"5.", "5"},                                       /* oracle */
    {"-.5", "-0.5"},                                   /* oracle */
    {"+.5", "0.5"},                                    /* oracle */
    {"-5.", "-5"},                                     /* oracle */
    {"1e5", "100000"},                                 /* oracle */
    {"1E5", "100000"},                                 /* oracle */
    {"+1e+5", "100000"},                               /* oracle */
    {"-1E-5", "-0.00001"},                             /* oracle */
    {"1e+05", "100000"},                               /* oracle */
    {"1e-05", "0.00001"},                              /* oracle */
    {"5e-0", "5"},                                     /* oracle */
    {"5e+0", "5"},                                     /* oracle */
    {"1e0", "1"},                                      /* oracle */
    {"5e00005", "500000"},                             /* oracle */
    {"1E+00000000000000000000005", "100000"},          /* oracle: leading exponent zeros */
    {"1E-0000000000000000000000000000", "1"},          /* oracle */
    {"0.1e1", "1"},                                    /* oracle */
    {"1.e1", "10"},                                    /* oracle */
    {"1.", "1"},                                       /* oracle */
    {"-0", "0"},                                       /* oracle: negative zero is "0" */
    {"+0", "0"},                                       /* oracle */
    {"-0.0", "0"},                                     /* oracle */
    {"-.0", "0"},                                      /* oracle */
    {"0.000", "0"},                                    /* oracle */
    {"0e5", "0"},                                      /* oracle */
    {"-0E+5", "0"},                                    /* oracle */
    {"0.0e-999", "0"},                                 /* oracle */
    {"0E+2147483647", "0"},                            /* oracle: zero skips range checks */
    {"0E-2147483647", "0"},                            /* oracle */
    {"0.0E+2147483647", "0"},                          /* oracle */
    {"0.00E+2147483647", "0"},                         /* oracle */
    {"{64*0}", "0"},                                   /* oracle */
    {"1.0000000000000000000000000000000000000000000", "1"},    /* oracle */
    {"{46*0}1", "1"},                                  /* oracle */
    {"12345678901234567890123456789012345678", "12345678901234567890123456789012345678"},
    {"1{41*0}", "1{41*0}"},                            /* oracle: 1 significant digit */
    {"1E+125", "1{125*0}"},                            /* §8: 126 characters */
    {"1e125", "1{125*0}"},                             /* oracle */
    {"-1E+125", "-1{125*0}"},                          /* §8: 127 characters */
    {"9.9999999999999999999999999999999999999E+125", "{38*9}{88*0}"},   /* §8 */
    {"99999999999999999999999999999999999999E+88", "{38*9}{88*0}"},     /* oracle */
    {"1E-130", "0.{129*0}1"},                          /* §8: 132 characters */
    {"1e-130", "0.{129*0}1"},                          /* oracle */
    {"10e-131", "0.{129*0}1"},                         /* oracle */
    {"0.1e-129", "0.{129*0}1"},                        /* oracle */
    {"0.{128*0}1", "0.{128*0}1"},                      /* oracle */
    {"0.{100*0}{38*1}", "0.{100*0}{38*1}"},            /* oracle: 38 digits down to 1E-138 */
    {"0.{91*0}{38*1}", "0.{91*0}{38*1}"},              /* oracle */
    {"-0.{129*0}1", "-0.{129*0}1"},
    {"123.456", "123.456"},
    {"-99.99", "-99.99"},
    /* Java's Character.isDigit: any BMP decimal digit, in the mantissa and the exponent. */
    {"\xef\xbc\x91", "1"},                             /* oracle: U+FF11 FULLWIDTH ONE */
    {"\xef\xbc\x91\xef\xbc\x92.\xef\xbc\x93", "12.3"}, /* oracle */
    {"\xd9\xa3", "3"},                                 /* oracle: U+0663 ARABIC-INDIC THREE */
    {"1e\xd9\xa3", "1000"},                            /* oracle */
    {"1e\xef\xbc\x95", "100000"},                      /* oracle */
    {"-\xd9\xa3.5e-1", "-0.35"},                       /* oracle */
    {"\xe0\xb9\x91", "1"},                             /* oracle: U+0E51 THAI ONE */
    {"\xe0\xbc\xa0", "0"},                             /* oracle: U+0F20 TIBETAN ZERO */
    {"\xdf\x80", "0"},                                 /* oracle: U+07C0 NKO ZERO */
    {"\xe1\x81\x80", "0"},                             /* oracle: U+1040 MYANMAR ZERO */
    {"\xea\xa7\x90", "0"},                             /* oracle: U+A9D0 JAVANESE ZERO */
    {"\xea\xaf\xb9", "9"},                             /* oracle: U+ABF9 MEETEI MAYEK NINE */
};

static void test_parse_ok(void)
{
    for (size_t i = 0; i < sizeof parse_ok_cases / sizeof parse_ok_cases[0]; i++) {
        char want[4096], got[NUM_FMT_MAX];
        num_t n = parse_ok(parse_ok_cases[i].in);
        expand(parse_ok_cases[i].out, want, sizeof want);
        num_format(&n, got);
        CHECK_STR(got, want);
    }
}

/* Rejected inputs and the error DynamoDB Local reports (all oracle unless noted). */
static const struct { const char *in; num_status_t want; } parse_err_cases[] = {
    {"", CONVERT},                                     /* §8 */
    {"abc", CONVERT},                                  /* §8 */
    {" 5", CONVERT}, {"5 ", CONVERT}, {"\t5", CONVERT}, {"5\n", CONVERT}, {"1 0", CONVERT},
    {"\xc2\xa0" "5", CONVERT},                         /* NO-BREAK SPACE */
    {"0x10", CONVERT}, {"0b1", CONVERT}, {"1_000", CONVERT}, {"1,5", CONVERT},
    {"Infinity", CONVERT}, {"-Infinity", CONVERT}, {"NaN", CONVERT},
    {"1D", CONVERT}, {"1f", CONVERT}, {"1L", CONVERT},
    {"--1", CONVERT}, {"+-1", CONVERT}, {"-", CONVERT}, {"+", CONVERT}, {".", CONVERT},
    {".e1", CONVERT}, {"+.e5", CONVERT}, {"e5", CONVERT}, {"E", CONVERT},
    {"1E", CONVERT}, {"1e+", CONVERT}, {"1e-", CONVERT}, {"1e+-5", CONVERT}, {"1e--5", CONVERT},
    {"1e1.5", CONVERT}, {"1.2.3", CONVERT}, {"1E+125.5", CONVERT}, {"1ee5", CONVERT},
    /* Exponent: at most 10 digits after its leading zeros, and within a Java int. */
    {"1E+2147483648", CONVERT}, {"1E-2147483649", CONVERT},
    {"1E+9999999999", CONVERT}, {"1E-9999999999", CONVERT}, {"1E+10000000000", CONVERT},
    {"1E+999999999999", CONVERT}, {"1E-999999999999", CONVERT},
    {"0E+999999999999", CONVERT}, {"0E+2147483648", CONVERT}, {"0E-2147483649", CONVERT},
    /* (digits after the point) - exponent must fit in an int ("Scale out of range."). */
    {"1E-2147483648", CONVERT}, {"0E-2147483648", CONVERT}, {"15E-2147483648", CONVERT},
    {"1.5E-2147483647", CONVERT}, {"0.0E-2147483647", CONVERT}, {"0.1E-2147483647", CONVERT},
    /* Only BMP digits (Java reads UTF-16 units); no other numeric characters. */
    {"\xf0\x9d\x9f\x8e", CONVERT},                     /* U+1D7CE MATHEMATICAL BOLD ZERO */
    {"\xf0\x90\x92\xa1", CONVERT},                     /* U+104A1 OSMANYA ONE */
    {"\xc2\xb2", CONVERT},                             /* U+00B2 SUPERSCRIPT TWO */
    {"\xe2\x85\xa0", CONVERT},                         /* U+2160 ROMAN NUMERAL ONE */
    {"1\xcc\x81", CONVERT},                            /* combining acute accent */
    {"\xe0\x80\xb1", CONVERT},                         /* ours: overlong '1' (Java: U+FFFD) */
    {"\xe0\x99\xa3", CONVERT},                         /* ours: overlong U+0663 */
    {"\xef\xbc", CONVERT}, {"\xd9", CONVERT}, {"1\xff", CONVERT},      /* ours: bad UTF-8 */
    /* 39 or more significant digits: precision, before any range check. */
    {"123456789012345678901234567890123456789", PRECISION},
    {"1234567890123456789012345678901234567890", PRECISION},
    {"999999999999999999999999999999999999999", PRECISION},
    {"1{37*0}1", PRECISION},                           /* 39 digits, zeros inside count */
    {"1{38*0}1", PRECISION},
    {"{39*1}E+200", PRECISION}, {"{39*1}E-200", PRECISION}, {"{39*1}E+100", PRECISION},
    {"-{39*9}E+200", PRECISION},
    {"9.{38*9}E+125", PRECISION},
    {"0.{91*0}{39*1}", PRECISION},
    /* A conversion error still wins over a precision error found earlier in the text. */
    {"{39*1}x", CONVERT}, {"{39*1}E", CONVERT}, {"{39*1}E+2147483648", CONVERT},
    /* Range. */
    {"1E+126", OVERFLOW}, {"-1e126", OVERFLOW}, {"10E+125", OVERFLOW}, {"0.1E+127", OVERFLOW},
    {"1E+2147483647", OVERFLOW}, {"1E+00000000002147483647", OVERFLOW},
    {"{38*1}{100*0}", OVERFLOW},
    {"1E-131", UNDERFLOW}, {"-1e-131", UNDERFLOW}, {"0.1e-130", UNDERFLOW},
    {"0.{130*0}1", UNDERFLOW}, {"0.{200*0}1", UNDERFLOW},
    {"15E-2147483647", UNDERFLOW}, {"100E-2147483647", UNDERFLOW},
    /* Deviations (defects of DynamoDB Local, §16; we answer overflow). It computes the
     * scientific exponent precision - scale - 1 (after stripping trailing zeros) in a Java int:
     * when that passes Integer.MAX_VALUE it wraps and reports underflow ("47E+2147483647",
     * "10E+2147483647"); when stripping zeros would push the scale below Integer.MIN_VALUE it
     * throws and answers HTTP 500 InternalFailure ("100E+2147483647"). */
    {"47E+2147483647", OVERFLOW}, {"4.5E+2147483647", OVERFLOW},
    {"10E+2147483647", OVERFLOW}, {"100E+2147483647", OVERFLOW}, {"1000E+2147483647", OVERFLOW},
};

static void test_parse_err(void)
{
    for (size_t i = 0; i < sizeof parse_err_cases / sizeof parse_err_cases[0]; i++) {
        char in[4096];
        num_t n;
        size_t len = expand(parse_err_cases[i].in, in, sizeof in);
        num_status_t st = num_parse(&n, in, len);
        if (st != parse_err_cases[i].want)
            fprintf(stderr, "case \"%s\":\n", parse_err_cases[i].in);
        CHECK_INT(st, parse_err_cases[i].want);
    }
}

/* Inputs that the table cannot spell: embedded NUL, a length shorter than the string. */
static void test_parse_len(void)
{
    num_t n;
    CHECK_INT(num_parse(&n, "1\0" "2", 3), CONVERT);
    CHECK_INT(num_parse(&n, "12345", 2), NUM_OK);
    CHECK_INT(n.exp, 2);
    CHECK_INT(num_parse(&n, "1e5", 2), CONVERT);
    CHECK_INT(num_parse(&n, "\xef\xbc\x91", 2), CONVERT);   /* cut inside a UTF-8 digit */
    CHECK_INT(num_parse(&n, NULL, 0), CONVERT);
}

/* Long inputs stay linear and exact: many zeros around one or two significant digits. */
static void test_parse_long(void)
{
    enum { Z = 399990 };
    static char buf[Z + 64];
    char out[NUM_FMT_MAX];
    num_t n;
    size_t len;

    memcpy(buf, "0.", 2); /* 0.000..01: underflow */
    memset(buf + 2, '0', Z);
    len = 2 + Z + (size_t)sprintf(buf + 2 + Z, "1");
    CHECK_INT(num_parse(&n, buf, len), UNDERFLOW);
    len += (size_t)sprintf(buf + len, "e+%d", Z + 1); /* 0.000..01e+(Z+1) = 1 */
    CHECK_INT(num_parse(&n, buf, len), NUM_OK);
    num_format(&n, out);
    CHECK_STR(out, "1");

    buf[0] = '1'; /* 1000..01: precision */
    memset(buf + 1, '0', Z);
    len = 1 + Z + (size_t)sprintf(buf + 1 + Z, "1");
    CHECK_INT(num_parse(&n, buf, len), PRECISION);
    len = 1 + Z; /* 1000..0: overflow */
    CHECK_INT(num_parse(&n, buf, len), OVERFLOW);
    len += (size_t)sprintf(buf + len, "E-%d", Z - 1); /* 1000..0E-(Z-1) = 10 */
    CHECK_INT(num_parse(&n, buf, len), NUM_OK);
    num_format(&n, out);
    CHECK_STR(out, "10");
}

/* Strictly ascending: num_cmp and memcmp of the key encoding must both agree. */
static const char *const ascending[] = {
    "-9.9999999999999999999999999999999999999E+125", "-1E+125", "-1E+124",
    "-12345678901234567890123456789012345678", "-1234567890123456789", "-100", "-99.99",
    "-50", "-12.5", "-5", "-1.5", "-1.25", "-1.2", "-1", "-0.5", "-0.1", "-0.01", "-0.001",
    "-0.{92*0}{38*1}",
    "-1E-129", "-1E-130", "0", "1E-130", "2E-130", "1E-129", "0.001", "0.0011", "0.01", "0.1",
    "0.5", "1", "1.0000000000000000000000000000000000001", "1.5", "3.14159", "5", "9.9", "10",
    "10.5", "99", "100", "123.456", "12345678901234567890123456789012345678", "1E+124",
    "1E+125", "1.0000000000000000000000000000000000001E+125",
    "9.9999999999999999999999999999999999999E+125",
};

static void test_order(void)
{
    size_t n = sizeof ascending / sizeof ascending[0];
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            num_t a = parse_ok(ascending[i]), b = parse_ok(ascending[j]);
            unsigned char ka[NUM_KEY_MAX], kb[NUM_KEY_MAX];
            size_t la = num_key_encode(&a, ka), lb = num_key_encode(&b, kb);
            int want = i < j ? -1 : i > j;
            int c = num_cmp(&a, &b);
            int m = memcmp(ka, kb, la < lb ? la : lb);
            if (m == 0)
                m = la < lb ? -1 : la > lb;
            CHECK_INT(c < 0 ? -1 : c > 0, want);
            CHECK_INT(m < 0 ? -1 : m > 0, want);
            if ((c < 0 ? -1 : c > 0) != want || (m < 0 ? -1 : m > 0) != want)
                fprintf(stderr, "  %s vs %s\n", ascending[i], ascending[j]);
        }
    }
}

/* Encodings: from ddbl_format.py (encode N <value>) and §10.6 / §10.7. */
static const struct { const char *in, *key, *bigdec; } encode_cases[] = {
    {"0", "=", "80"},
    {"1", ">=E10000000000000000000000000000000000000", "c102"},
    {"-1", "<=E89999999999999999999999999999999999999", "3e6466"},
    {"10", ">>001E10000000000000000000000000000000000000", "c10b"},
    {"100", ">>002E10000000000000000000000000000000000000", "c202"},
    {"99", ">>001E99000000000000000000000000000000000000", "c164"},
    {"5", ">=E50000000000000000000000000000000000000", "c106"},
    {"-5", "<=E49999999999999999999999999999999999999", "3e6066"},
    {"-50", "<<998E49999999999999999999999999999999999999", "3e3366"},
    {"1E+125", ">>125E10000000000000000000000000000000000000", "ff0b"},
    {"-1E+125", "<<874E89999999999999999999999999999999999999", "005b66"},
    {"1E+124", ">>124E10000000000000000000000000000000000000", "ff02"},
    {"-1E+124", "<<875E89999999999999999999999999999999999999", "006466"},
    {"3.14159", ">=E31415900000000000000000000000000000000", "c1040f105b"},
    {"0.001", "><996E10000000000000000000000000000000000000", "bf0b"},
    {"0.01", "><997E10000000000000000000000000000000000000", "c002"},
    {"0.5", "><998E50000000000000000000000000000000000000", "c033"},
    {"-0.5", "<>001E49999999999999999999999999999999999999", "3f3366"},
    {"-0.1", "<>001E89999999999999999999999999999999999999", "3f5b66"},
    {"1E-130", "><869E10000000000000000000000000000000000000", "8002"},
    {"-1E-130", "<>130E89999999999999999999999999999999999999", "7f6466"},
    {"1E-129", "><870E10000000000000000000000000000000000000", "800b"},
    {"-1E-129", "<>129E89999999999999999999999999999999999999", "7f5b66"},
    {"-100", "<<997E89999999999999999999999999999999999999", "3d6466"},
    {"-99.99", "<<998E00009999999999999999999999999999999999", "3e020266"},
    {"-12.5", "<<998E87499999999999999999999999999999999999", "3e593366"},
    {"-1.5", "<=E84999999999999999999999999999999999999", "3e643366"},
    {"-0.001", "<>003E89999999999999999999999999999999999999", "405b66"},
    {"123.456", ">>002E12345600000000000000000000000000000000", "c202182e3d"},
    {"9.9999999999999999999999999999999999999E+125",
     ">>125E99999999999999999999999999999999999999", "ff64646464646464646464646464646464646464"},
    {"-9.9999999999999999999999999999999999999E+125",
     "<<874E00000000000000000000000000000000000000", "000202020202020202020202020202020202020266"},
    {"12345678901234567890123456789012345678",
     ">>037E12345678901234567890123456789012345678", "d30d23394f5b0d23394f5b0d23394f5b0d23394f"},
    {"-12345678901234567890123456789012345678",
     "<<962E87654321098765432109876543210987654321", "2c59432d170b59432d170b59432d170b59432d1766"},
    /* 20 pair bytes: a negative gets no 0x66 terminator. */
    {"-1234567890123456789012345678901234567.8",
     "<<963E87654321098765432109876543210987654321", "2c644e38220c644e38220c644e38220c644e382215"},
    {"1234567890123456789012345678901234567.8",
     ">>036E12345678901234567890123456789012345678", "d302182e445a02182e445a02182e445a02182e4451"},
    {"-0.{92*0}{38*1}", "<>093E88888888888888888888888888888888888888",
     "6d5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a66"},
    {"-1234567890123456789", "<<981E87654321098765432109999999999999999999", "35644e38220c644e38220c66"},
};

static void test_encode(void)
{
    for (size_t i = 0; i < sizeof encode_cases / sizeof encode_cases[0]; i++) {
        num_t n = parse_ok(encode_cases[i].in);
        unsigned char key[NUM_KEY_MAX], bd[NUM_BIGDEC_MAX];
        char got[NUM_KEY_MAX + 1], hex[2 * NUM_BIGDEC_MAX + 1];
        size_t kl = num_key_encode(&n, key);
        memcpy(got, key, kl);
        got[kl] = '\0';
        CHECK_STR(got, encode_cases[i].key);
        size_t bl = num_bigdec_encode(&n, bd);
        for (size_t k = 0; k < bl; k++)
            snprintf(hex + 2 * k, 3, "%02x", bd[k]);
        hex[2 * bl] = '\0';
        CHECK_STR(hex, encode_cases[i].bigdec);
    }
}

/* Arithmetic (oracle: UpdateItem "SET n = n + :d" / "SET n = n - :d"). The oracle prints the
 * result as Java's toPlainString of the unnormalized sum ("1.5 + 1.5" -> "3.0", "-1.5 + 1.5"
 * -> "0.0"); ddblocal stores numbers normalized, so the expected outputs here are normalized. */
static const struct { const char *a; char op; const char *b; num_status_t st; const char *out; }
    arith_cases[] = {
    {"-0.5", '+', "10", NUM_OK, "9.5"},                /* §8 */
    {"5", '+', "-5", NUM_OK, "0"},
    {"5", '-', "5", NUM_OK, "0"},
    {"0.1", '+', "0.2", NUM_OK, "0.3"},
    {"1.5", '+', "1.5", NUM_OK, "3"},                  /* oracle prints "3.0" */
    {"-1.5", '+', "1.5", NUM_OK, "0"},                 /* oracle prints "0.0" */
    {"0", '+', "0", NUM_OK, "0"},
    {"0", '-', "1E+125", NUM_OK, "-1{125*0}"},
    {"1E+125", '+', "-1E+125", NUM_OK, "0"},
    {"1E-130", '+', "-1E-130", NUM_OK, "0"},           /* oracle prints "0." and 130 zeros */
    {"1E-130", '+', "1E-129", NUM_OK, "0.{128*0}11"},
    {"1E-129", '-', "1E-130", NUM_OK, "0.{129*0}9"},
    {"2E-130", '-', "1E-130", NUM_OK, "0.{129*0}1"},
    {"1E-130", '-', "-1E-130", NUM_OK, "0.{129*0}2"},
    {"5E-130", '+', "5E-130", NUM_OK, "0.{128*0}1"},
    {"1E+37", '+', "1", NUM_OK, "1{36*0}1"},
    {"1E+38", '+', "10", NUM_OK, "1{36*0}10"},
    {"12345678901234567890123456789012345678", '+', "1", NUM_OK,
     "12345678901234567890123456789012345679"},
    {"{38*9}", '+', "1", NUM_OK, "1{38*0}"},
    {"{37*9}8", '+', "1", NUM_OK, "{38*9}"},
    {"1", '-', "1E+38", NUM_OK, "-{38*9}"},
    {"1E+2", '+', "1", NUM_OK, "101"},
    {"-7", '-', "-7", NUM_OK, "0"},
    {"-7", '-', "3", NUM_OK, "-10"},
    {"3", '-', "7", NUM_OK, "-4"},
    {"0.001", '-', "0.0001", NUM_OK, "0.0009"},
    {"-0.001", '+', "0.0001", NUM_OK, "-0.0009"},
    {"1{37*0}", '-', "0.{91*0}1", PRECISION, ""},
    {"1E+38", '+', "1", PRECISION, ""},
    {"1E+100", '+', "1", PRECISION, ""},
    {"1E+100", '-', "1", PRECISION, ""},
    {"1E+100", '+', "-1", PRECISION, ""},
    {"1E-130", '+', "1", PRECISION, ""},
    {"1E+125", '+', "1E-130", PRECISION, ""},
    {"{38*9}", '+', "2", PRECISION, ""},
    {"9.{37*9}E+125", '+', "1E+87", PRECISION, ""},
    /* 39 digits and out of range: precision wins, as in parsing. */
    {"9.{37*9}E+125", '+', "9.{37*9}E+125", PRECISION, ""},
    {"-9.{37*9}E+125", '+', "-1.1E+125", PRECISION, ""},
    {"9.{37*9}E+125", '+', "1E+88", OVERFLOW, ""},
    {"1E+125", '+', "9E+125", OVERFLOW, ""},
    {"-1E+125", '+', "-9E+125", OVERFLOW, ""},
    {"-9E+125", '-', "1E+125", OVERFLOW, ""},
    /* Underflow cannot happen: a nonzero sum of multiples of 1E-130 is at least 1E-130. */
};

static void test_arith(void)
{
    for (size_t i = 0; i < sizeof arith_cases / sizeof arith_cases[0]; i++) {
        num_t a = parse_ok(arith_cases[i].a), b = parse_ok(arith_cases[i].b), r;
        memset(&r, 0, sizeof r);
        num_status_t st = arith_cases[i].op == '+' ? num_add(&r, &a, &b) : num_sub(&r, &a, &b);
        if (st != arith_cases[i].st)
            fprintf(stderr, "case %s %c %s:\n", arith_cases[i].a, arith_cases[i].op,
                    arith_cases[i].b);
        CHECK_INT(st, arith_cases[i].st);
        if (st == NUM_OK && arith_cases[i].st == NUM_OK) {
            char want[4096], got[NUM_FMT_MAX];
            expand(arith_cases[i].out, want, sizeof want);
            num_format(&r, got);
            CHECK_STR(got, want);
        }
    }
}

/* Every sum of two ascending[] values, checked against a - (-b) and b + a, and the
 * result's order against its operands. */
static void test_arith_identities(void)
{
    size_t n = sizeof ascending / sizeof ascending[0];
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            num_t a = parse_ok(ascending[i]), b = parse_ok(ascending[j]), nb = b, r1, r2, r3;
            nb.sign = -nb.sign;
            num_status_t s1 = num_add(&r1, &a, &b), s2 = num_sub(&r2, &a, &nb),
                         s3 = num_add(&r3, &b, &a);
            CHECK_INT(s1, s2);
            CHECK_INT(s1, s3);
            if (s1 != NUM_OK)
                continue;
            CHECK_INT(num_cmp(&r1, &r2), 0);
            CHECK_INT(num_cmp(&r1, &r3), 0);
            num_t back;
            CHECK_INT(num_sub(&back, &r1, &b), NUM_OK);
            CHECK_INT(num_cmp(&back, &a), 0);
        }
    }
}

static void test_strerror(void)
{
    CHECK_STR(num_strerror(NUM_OK), "");
    CHECK_STR(num_strerror(CONVERT), "A value provided cannot be converted into a number");
    CHECK_STR(num_strerror(PRECISION), "DynamoDB only supports precision up to 38 digits");
    CHECK_STR(num_strerror(OVERFLOW), "Number overflow. Attempting to store a number with "
                                      "magnitude larger than supported range");
    CHECK_STR(num_strerror(UNDERFLOW), "Number underflow. Attempting to store a number with "
                                       "magnitude smaller than supported range");
}

UNIT_MAIN(T(test_parse_ok), T(test_parse_err), T(test_parse_len), T(test_parse_long),
          T(test_order), T(test_encode), T(test_arith), T(test_arith_identities),
          T(test_strerror))
