/*
 * unit.h: the tiny unit-test harness shared by tests/unit/test_*.c. Each test file defines
 * test functions and lists them in one table, run by UNIT_MAIN. A failed CHECK prints the file,
 * line and expression and marks the test failed; the binary prints "N passed, M failed" and
 * exits non-zero if anything failed.
 */
#ifndef DDB_UNIT_H
#define DDB_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_failed_checks;

#define CHECK(cond) do { if (!(cond)) { \
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    unit_failed_checks++; } } while (0)
#define CHECK_STR(got, want) do { const char *g_ = (got), *w_ = (want); \
    if (strcmp(g_, w_) != 0) { fprintf(stderr, "%s:%d: got \"%s\", want \"%s\"\n", \
        __FILE__, __LINE__, g_, w_); unit_failed_checks++; } } while (0)
#define CHECK_INT(got, want) do { long long g_ = (long long)(got), w_ = (long long)(want); \
    if (g_ != w_) { fprintf(stderr, "%s:%d: %s = %lld, want %lld\n", \
        __FILE__, __LINE__, #got, g_, w_); unit_failed_checks++; } } while (0)

typedef struct { const char *name; void (*fn)(void); } unit_test_t;

#define UNIT_MAIN(...) \
    int main(void) { \
        static const unit_test_t tests[] = { __VA_ARGS__ }; \
        int passed = 0, failed = 0; \
        for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) { \
            int before = unit_failed_checks; \
            tests[i].fn(); \
            if (unit_failed_checks == before) passed++; \
            else { failed++; fprintf(stderr, "FAIL %s\n", tests[i].name); } \
        } \
        printf("%s: %d passed, %d failed\n", __FILE__, passed, failed); \
        return failed ? 1 : 0; \
    }
#define T(fn) { #fn, fn }

#endif
