/* Writing JSON text by hand into a growing buffer, for the large documents that building a
 * cJSON tree would make slow (a snapshot of a million replicas, journal records of thousands
 * of tasks): raw text, integers, numbers that read back to the same double, escaped strings.
 * The buffer is always NUL-terminated; p is heap (xgrow) and the caller's to free. */
#ifndef COMMON_JSONW_H
#define COMMON_JSONW_H

#include <stddef.h>

struct jsonw {
    char *p;
    size_t len, cap;
};

/* n bytes of s as they are. */
void jsonw_mem(struct jsonw *w, const char *s, size_t n);
/* A NUL-terminated text as it is (punctuation, keys with their quotes). */
void jsonw_lit(struct jsonw *w, const char *s);
void jsonw_int(struct jsonw *w, long long v);
/* Integers as integers, other numbers in the shortest text that reads back to the same double
 * (up to three printf/strtod rounds); not finite: null. */
void jsonw_num(struct jsonw *w, double v);
/* The same value with one printf: integers as integers, others with 17 significant digits
 * (exact, not always shortest); not finite: null. */
void jsonw_num17(struct jsonw *w, double v);
/* A JSON string literal: quotes, backslashes and control characters escaped; other bytes as
 * they are (UTF-8 passes through). */
void jsonw_str(struct jsonw *w, const char *s);

#endif
