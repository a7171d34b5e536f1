/* Test runner; see harness.h. */
#include "tests/harness.h"

#include <stdarg.h>
#include <stdlib.h>

#define MAX_TESTS 512

static struct {
    const char *name;
    test_fn fn;
} tests[MAX_TESTS];
static int ntests;
static int current_failed;

void test_register(const char *name, test_fn fn)
{
    if (ntests == MAX_TESTS) {
        fprintf(stderr, "too many tests\n");
        abort();
    }
    tests[ntests].name = name;
    tests[ntests].fn = fn;
    ntests++;
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "  FAIL %s:%d: ", file, line);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    current_failed = 1;
}

const char *test_data(const char *name)
{
    static char buf[4096];
    const char *dir = getenv("BALLAST_TEST_DATA");
    snprintf(buf, sizeof(buf), "%s/%s", dir ? dir : "tests/data", name);
    return buf;
}

int test_main(int argc, char **argv)
{
    int passed = 0, failed = 0;
    for (int i = 0; i < ntests; i++) {
        if (argc > 1 && !strstr(tests[i].name, argv[1]))
            continue;
        current_failed = 0;
        fprintf(stderr, "- %s\n", tests[i].name);
        tests[i].fn();
        if (current_failed) {
            fprintf(stderr, "  => FAILED %s\n", tests[i].name);
            failed++;
        } else {
            passed++;
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
