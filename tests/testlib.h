/* A small, dependency-free test harness: a test file defines TEST(name) functions and lists them in
 * a TEST_LIST; the runner executes every test (or the ones named on the command line) and prints
 * one line per test and a closing "N passed, N failed" line. */
#ifndef C10K_TESTLIB_H
#define C10K_TESTLIB_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern int testlib_failed;

#define TEST(name) static void test_##name(void)
#define TEST_ENTRY(name) {#name, test_##name}

struct testlib_case {
    const char *name;
    void (*fn)(void);
};

#define CHECK_FAIL_(fmt, ...)                                                                      \
    do {                                                                                           \
        fprintf(stderr, "  %s:%d: " fmt "\n", __FILE__, __LINE__, __VA_ARGS__);                    \
        testlib_failed = 1;                                                                        \
        return;                                                                                    \
    } while (0)

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            CHECK_FAIL_("check failed: %s", #cond);                                                \
    } while (0)

#define CHECK_INT_EQ(a, b)                                                                         \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        if (a_ != b_)                                                                              \
            CHECK_FAIL_("%s == %s: %lld != %lld", #a, #b, a_, b_);                                 \
    } while (0)

#define CHECK_STR_EQ(a, b)                                                                         \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0)                                       \
            CHECK_FAIL_("%s == %s: \"%s\" != \"%s\"", #a, #b, a_ ? a_ : "(null)",                  \
                        b_ ? b_ : "(null)");                                                       \
    } while (0)

#define CHECK_MEM_EQ(a, alen, b, blen)                                                             \
    do {                                                                                           \
        size_t al_ = (alen), bl_ = (blen);                                                         \
        if (al_ != bl_ || memcmp((a), (b), al_) != 0)                                              \
            CHECK_FAIL_("%s == %s: lengths %zu and %zu or bytes differ", #a, #b, al_, bl_);       \
    } while (0)

/* Runs the listed tests; with arguments, only those named. Returns the process exit code. */
static inline int testlib_run(const struct testlib_case *cases, size_t n, int argc, char **argv)
{
    int passed = 0, failed = 0;
    for (size_t i = 0; i < n; i++) {
        if (argc > 1) {
            int wanted = 0;
            for (int a = 1; a < argc; a++)
                wanted |= strcmp(argv[a], cases[i].name) == 0;
            if (!wanted)
                continue;
        }
        testlib_failed = 0;
        cases[i].fn();
        printf("%s %s\n", testlib_failed ? "FAIL" : "ok  ", cases[i].name);
        fflush(stdout);
        if (testlib_failed)
            failed++;
        else
            passed++;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

#define TEST_MAIN(...)                                                                             \
    int testlib_failed;                                                                            \
    int main(int argc, char **argv)                                                                \
    {                                                                                              \
        static const struct testlib_case cases[] = {__VA_ARGS__};                                  \
        return testlib_run(cases, sizeof cases / sizeof cases[0], argc, argv);                     \
    }

#endif
