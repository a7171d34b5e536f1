/* Allocation choke point: every heap allocation in Ballast goes through these.
 * On exhaustion they print the size and abort; callers never check for NULL.
 * A test may call alloc_fail_after(n) so that the n-th later allocation of the calling thread
 * aborts, which proves the abort path prints the size (death tests only). The countdown is
 * per thread (_Thread_local): no state shared between threads, and other threads'
 * allocations never count. */
#ifndef COMMON_ALLOC_H
#define COMMON_ALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
/* Grows *ptr (an array of elem-sized items with capacity *cap) to hold at least need items. */
void xgrow(void **ptr, size_t *cap, size_t need, size_t elem);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a fresh heap string. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void alloc_fail_after(long n);

#endif
