/* Allocation choke point; see alloc.h. */
#include "common/alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local long fail_countdown = -1; /* see alloc_fail_after */

static void check(void *p, size_t size)
{
    if (fail_countdown > 0 && --fail_countdown == 0)
        p = NULL;
    if (!p && size) {
        fprintf(stderr, "ballast: out of memory allocating %zu bytes\n", size);
        abort();
    }
}

void alloc_fail_after(long n)
{
    fail_countdown = n;
}

void *xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    check(p, size ? size : 1);
    return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
    if (size && nmemb > (size_t)-1 / size) {
        fprintf(stderr, "ballast: allocation overflow %zu x %zu\n", nmemb, size);
        abort();
    }
    void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
    size_t total = nmemb * size;
    check(p, total ? total : 1);
    return p;
}

void *xrealloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);
    check(p, size ? size : 1);
    return p;
}

void xgrow(void **ptr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return;
    size_t n = *cap ? *cap : 8;
    while (n < need)
        n *= 2;
    if (elem && n > (size_t)-1 / elem) {
        fprintf(stderr, "ballast: allocation overflow %zu x %zu\n", n, elem);
        abort();
    }
    *ptr = xrealloc(*ptr, n * elem);
    *cap = n;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *xasprintf(const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0)
        return xstrdup("");
    if ((size_t)n < sizeof(small))
        return xstrdup(small);
    char *p = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}
