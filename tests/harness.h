/* A small test harness: typed checks that print both sides, and a runner.
 *
 *   TEST(name) { CHECK_INT_EQ(1 + 1, 2); }
 *   int main(int argc, char **argv) { return test_main(argc, argv); }
 *
 * Each TEST registers itself (constructor attribute); test_main runs them all, or only those
 * whose names contain argv[1]. A failed check marks the test failed and continues; the binary
 * exits 1 if any test failed. Output ends with "N passed, N failed". */
#ifndef TESTS_HARNESS_H
#define TESTS_HARNESS_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef void (*test_fn)(void);

void test_register(const char *name, test_fn fn);
int test_main(int argc, char **argv);
void test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Path of a file under tests/data (static buffer). */
const char *test_data(const char *name);

#define TEST(name)                                                                                 \
    static void test_##name(void);                                                                 \
    __attribute__((constructor)) static void test_reg_##name(void)                                 \
    {                                                                                              \
        test_register(#name, test_##name);                                                         \
    }                                                                                              \
    static void test_##name(void)

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            test_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);                                    \
    } while (0)

#define CHECK_INT_EQ(a, b)                                                                         \
    do {                                                                                           \
        long long va_ = (long long)(a), vb_ = (long long)(b);                                      \
        if (va_ != vb_)                                                                            \
            test_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, va_, vb_);             \
    } while (0)

#define CHECK_INT_LE(a, b)                                                                         \
    do {                                                                                           \
        long long va_ = (long long)(a), vb_ = (long long)(b);                                      \
        if (!(va_ <= vb_))                                                                         \
            test_fail(__FILE__, __LINE__, "%s <= %s: %lld > %lld", #a, #b, va_, vb_);              \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                                      \
    do {                                                                                           \
        double va_ = (double)(a), vb_ = (double)(b);                                               \
        if (!(fabs(va_ - vb_) <= (tol)))                                                           \
            test_fail(__FILE__, __LINE__, "%s ~ %s: %.9g vs %.9g (tol %g)", #a, #b, va_, vb_,      \
                      (double)(tol));                                                              \
    } while (0)

#define CHECK_DBL_LE(a, b)                                                                         \
    do {                                                                                           \
        double va_ = (double)(a), vb_ = (double)(b);                                               \
        if (!(va_ <= vb_))                                                                         \
            test_fail(__FILE__, __LINE__, "%s <= %s: %.9g > %.9g", #a, #b, va_, vb_);              \
    } while (0)

#define CHECK_STR_EQ(a, b)                                                                         \
    do {                                                                                           \
        const char *sa_ = (a), *sb_ = (b);                                                         \
        if (!sa_ || !sb_ || strcmp(sa_, sb_) != 0)                                                 \
            test_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, #b,                    \
                      sa_ ? sa_ : "(null)", sb_ ? sb_ : "(null)");                                 \
    } while (0)

/* Checks that haystack contains needle. */
#define CHECK_STR_CONTAINS(hay, needle)                                                            \
    do {                                                                                           \
        const char *sh_ = (hay), *sn_ = (needle);                                                  \
        if (!sh_ || !strstr(sh_, sn_))                                                             \
            test_fail(__FILE__, __LINE__, "%s contains \"%s\": got \"%s\"", #hay, sn_,             \
                      sh_ ? sh_ : "(null)");                                                       \
    } while (0)

#endif
