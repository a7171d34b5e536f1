/* Prometheus text exposition format 0.0.4 (what the JMX exporter's /metrics serves): a parser
 * for untrusted text into families (from # HELP / # TYPE) and samples (name, labels, value,
 * optional timestamp).
 *
 * Accepted: comments and blank lines; leading and trailing spaces or tabs; "\r\n" endings; a
 * missing final newline; labels with the escapes \\ \" \n and a trailing comma; values as
 * decimal or hex floats, NaN, +Inf, -Inf, Inf (any case); int64 millisecond timestamps.
 * Rejected with "SOURCE:LINE:COL: what": bad names, bad or unterminated label values, unknown
 * escapes in label values, a label given twice, a series (name + label set) given twice, a
 * value or timestamp that is not a number (or overflows), a TYPE or HELP given twice, a TYPE
 * after samples of its metric, unknown types, NUL bytes, and input past the limits.
 *
 * A sample belongs to the family of its own name, or of its name less one of the suffixes
 * _total _bucket _count _sum _created _gcount _gsum when that family was declared; samples
 * of undeclared names get an implicit untyped family named after them.
 *
 * Ownership: the parse result owns every string; mon_expo_destroy frees it all. */
#ifndef MONITOR_EXPO_H
#define MONITOR_EXPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/map.h"

enum mon_expo_type {
    MON_EXPO_UNTYPED = 0,
    MON_EXPO_COUNTER,
    MON_EXPO_GAUGE,
    MON_EXPO_HISTOGRAM,
    MON_EXPO_SUMMARY,
};

struct mon_expo_family {
    const char *name;
    const char *help; /* NULL without a HELP line; escapes resolved */
    enum mon_expo_type type;
    bool declared;    /* by TYPE or HELP; false for an implicit family */
};

struct mon_expo_label {
    const char *name;
    const char *value; /* escapes resolved */
};

struct mon_expo_sample {
    const char *name;
    int32_t family;       /* index into families */
    int32_t first_label;  /* into labels; a sample's labels are sorted by name */
    int32_t nlabels;
    double value;
    int64_t timestamp_ms; /* valid when has_timestamp */
    bool has_timestamp;
    uint32_t line;
};

struct mon_expo {
    struct mon_expo_family *families;
    int32_t nfamilies;
    struct mon_expo_sample *samples;
    int32_t nsamples;
    struct mon_expo_label *labels;
    int32_t nlabels;
    /* private */
    size_t cap_families, cap_samples, cap_labels;
    struct expo_block *blocks;
    struct map family_index; /* name -> family */
};

struct mon_expo_limits {
    size_t max_bytes;          /* whole text */
    size_t max_line;           /* bytes in one line */
    int32_t max_samples;
    int32_t max_families;
    int32_t max_labels;        /* per sample */
};

/* 64 MiB, 1 MiB lines, 1,000,000 samples, 100,000 families, 64 labels per sample. */
extern const struct mon_expo_limits mon_expo_default_limits;

/* Parses text[0..len) (need not be NUL-terminated). `source` names the input in messages
 * (e.g. the URL). lim NULL = the defaults. -EINVAL (bad text) or -EFBIG (past a limit) with
 * err set; *ret only on success. */
int mon_expo_parse(const char *text, size_t len, const char *source,
                   const struct mon_expo_limits *lim, struct mon_expo **ret, struct error *err);
void mon_expo_destroy(struct mon_expo *e); /* accepts NULL */

/* The value of label `name` of sample s, or NULL. */
const char *mon_expo_label(const struct mon_expo *e, const struct mon_expo_sample *s,
                           const char *name);
/* Index of the family named `name`, or -1. */
int32_t mon_expo_family_find(const struct mon_expo *e, const char *name);
const char *mon_expo_type_name(enum mon_expo_type t);

#endif
