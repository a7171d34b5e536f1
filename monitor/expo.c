/* Prometheus text exposition parser; see expo.h.
 *
 * One pass over the lines. Strings go to an arena of blocks that never move, so the result's
 * pointers stay valid until mon_expo_destroy. Families are found through a common/map on
 * their names; series (name + sorted labels) by a second map that exists only while parsing,
 * to reject duplicates. */
#include "monitor/expo.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/map.h"

const struct mon_expo_limits mon_expo_default_limits = {
    .max_bytes = 64u << 20,
    .max_line = 1u << 20,
    .max_samples = 1000000,
    .max_families = 100000,
    .max_labels = 64,
};

struct expo_block {
    struct expo_block *next;
    size_t used, cap;
    char data[];
};

/* Per-family bookkeeping that only the parser needs. */
struct fam_lines {
    uint32_t type_line, help_line, first_sample_line;
};

struct ep {
    const char *text;
    size_t len;
    uint32_t line;
    size_t line_start;
    const char *source;
    const struct mon_expo_limits *lim;
    struct error *err;
    struct mon_expo *e;
    struct fam_lines *fl;
    size_t cap_fl;
    struct map series; /* series (name + labels) -> the first sample of it */
};

static const char *const suffixes[] = {"_total", "_bucket", "_count", "_sum",
                                       "_created", "_gcount", "_gsum"};
#define NSUFFIXES (sizeof(suffixes) / sizeof(suffixes[0]))

static int fail_at(struct ep *p, int code, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail_at(struct ep *p, int code, size_t at, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return error_set(p->err, code, "%s:%u:%zu: %s", p->source, p->line, at - p->line_start + 1,
                     msg);
}

/* A printable excerpt of s[0..n) for messages (control bytes as \xNN). */
static const char *excerpt(const char *s, size_t n, char *buf, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 5 < cap; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch >= 0x20 && ch < 0x7f)
            buf[k++] = (char)ch;
        else
            k += (size_t)snprintf(buf + k, cap - k, "\\x%02x", ch);
    }
    buf[k] = '\0';
    return buf;
}

static char *arena_alloc(struct mon_expo *e, size_t n)
{
    struct expo_block *b = e->blocks;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > 65536 ? n : 65536;
        b = xmalloc(sizeof(*b) + cap);
        b->used = 0;
        b->cap = cap;
        b->next = e->blocks;
        e->blocks = b;
    }
    char *r = b->data + b->used;
    b->used += n;
    return r;
}

static char *arena_strn(struct mon_expo *e, const char *s, size_t n)
{
    char *r = arena_alloc(e, n + 1);
    memcpy(r, s, n);
    r[n] = '\0';
    return r;
}


static bool is_ws(char c)
{
    return c == ' ' || c == '\t';
}
static bool is_alpha_(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Length of a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*) at s[i..end), 0 if none. */
static size_t metric_name_len(const char *s, size_t i, size_t end)
{
    size_t k = i;
    if (k < end && (is_alpha_(s[k]) || s[k] == ':'))
        k++;
    else
        return 0;
    while (k < end && (is_alpha_(s[k]) || is_digit(s[k]) || s[k] == ':'))
        k++;
    return k - i;
}

static size_t label_name_len(const char *s, size_t i, size_t end)
{
    size_t k = i;
    if (k < end && is_alpha_(s[k]))
        k++;
    else
        return 0;
    while (k < end && (is_alpha_(s[k]) || is_digit(s[k])))
        k++;
    return k - i;
}

static size_t skip_ws(const char *s, size_t i, size_t end)
{
    while (i < end && is_ws(s[i]))
        i++;
    return i;
}

/* ---- families ---- */

static int32_t family_lookup(const struct mon_expo *e, const char *name, size_t n)
{
    struct map_iter it;
    for (int32_t f = map_first(&e->family_index, map_hash_bytes(0, name, n), &it); f >= 0;
         f = map_next(&e->family_index, &it)) {
        const char *fn = e->families[f].name;
        if (strncmp(fn, name, n) == 0 && fn[n] == '\0')
            return f;
    }
    return -1;
}

int32_t mon_expo_family_find(const struct mon_expo *e, const char *name)
{
    return family_lookup(e, name, strlen(name));
}

static int family_add(struct ep *p, const char *name, size_t n, bool declared, size_t at,
                      int32_t *ret)
{
    struct mon_expo *e = p->e;
    if (e->nfamilies >= p->lim->max_families)
        return fail_at(p, -EFBIG, at, "more than %d metric families", p->lim->max_families);
    xgrow((void **)&e->families, &e->cap_families, (size_t)e->nfamilies + 1,
          sizeof(*e->families));
    xgrow((void **)&p->fl, &p->cap_fl, (size_t)e->nfamilies + 1, sizeof(*p->fl));
    int32_t f = e->nfamilies++;
    e->families[f] = (struct mon_expo_family){arena_strn(e, name, n), NULL, MON_EXPO_UNTYPED,
                                              declared};
    p->fl[f] = (struct fam_lines){0, 0, 0};
    map_put(&e->family_index, map_hash_bytes(0, name, n), f);
    *ret = f;
    return 0;
}

const char *mon_expo_type_name(enum mon_expo_type t)
{
    static const char *const names[] = {"untyped", "counter", "gauge", "histogram", "summary"};
    return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

/* "# HELP name text" or "# TYPE name type"; i is just past the keyword. */
static int parse_meta(struct ep *p, bool is_type, size_t i, size_t end)
{
    const char *s = p->text;
    const char *kw = is_type ? "TYPE" : "HELP";
    if (i >= end || !is_ws(s[i]))
        return fail_at(p, -EINVAL, i, "expected a metric name after '# %s'", kw);
    i = skip_ws(s, i, end);
    size_t nlen = metric_name_len(s, i, end);
    if (!nlen || (i + nlen < end && !is_ws(s[i + nlen]))) {
        char ex[80];
        return fail_at(p, -EINVAL, i, "'# %s': bad metric name '%s'", kw,
                       excerpt(s + i, end - i > 40 ? 40 : end - i, ex, sizeof(ex)));
    }
    size_t name_at = i;
    int32_t f = family_lookup(p->e, s + i, nlen);
    if (f < 0) {
        int rc = family_add(p, s + i, nlen, true, i, &f);
        if (rc < 0)
            return rc;
    }
    struct mon_expo_family *fam = &p->e->families[f];
    struct fam_lines *fl = &p->fl[f];
    i = skip_ws(s, i + nlen, end);
    if (is_type) {
        if (fl->type_line)
            return fail_at(p, -EINVAL, name_at, "second TYPE line for '%s' (the first is on "
                                                "line %u)", fam->name, fl->type_line);
        uint32_t seen = fl->first_sample_line;
        char buf[300];
        for (size_t k = 0; !seen && k < NSUFFIXES && nlen + strlen(suffixes[k]) < sizeof(buf);
             k++) {
            snprintf(buf, sizeof(buf), "%s%s", fam->name, suffixes[k]);
            int32_t g = family_lookup(p->e, buf, strlen(buf));
            if (g >= 0)
                seen = p->fl[g].first_sample_line;
        }
        if (seen)
            return fail_at(p, -EINVAL, name_at, "TYPE line for '%s' after its samples (line %u)",
                           fam->name, seen);
        size_t tlen = 0;
        while (i + tlen < end && !is_ws(s[i + tlen]))
            tlen++;
        static const struct {
            const char *name;
            enum mon_expo_type t;
        } types[] = {{"counter", MON_EXPO_COUNTER},     {"gauge", MON_EXPO_GAUGE},
                     {"histogram", MON_EXPO_HISTOGRAM}, {"summary", MON_EXPO_SUMMARY},
                     {"untyped", MON_EXPO_UNTYPED}};
        if (!tlen)
            return fail_at(p, -EINVAL, i, "expected a type after '# TYPE %s'", fam->name);
        size_t k;
        for (k = 0; k < sizeof(types) / sizeof(types[0]); k++)
            if (strlen(types[k].name) == tlen && strncmp(s + i, types[k].name, tlen) == 0)
                break;
        if (k == sizeof(types) / sizeof(types[0])) {
            char ex[80];
            return fail_at(p, -EINVAL, i, "unknown metric type '%s' for '%s' (counter, gauge, "
                           "histogram, summary, untyped)",
                           excerpt(s + i, tlen > 40 ? 40 : tlen, ex, sizeof(ex)), fam->name);
        }
        if (skip_ws(s, i + tlen, end) != end)
            return fail_at(p, -EINVAL, skip_ws(s, i + tlen, end),
                           "unexpected text after the type of '%s'", fam->name);
        fam->type = types[k].t;
        fam->declared = true;
        fl->type_line = p->line;
        return 0;
    }
    if (fl->help_line)
        return fail_at(p, -EINVAL, name_at, "second HELP line for '%s' (the first is on line %u)",
                       fam->name, fl->help_line);
    /* Docstring: escapes \\ and \n; any other backslash stays as it is. */
    char *h = arena_alloc(p->e, end - i + 1);
    size_t k = 0;
    for (size_t j = i; j < end; j++) {
        if (s[j] == '\\' && j + 1 < end && (s[j + 1] == '\\' || s[j + 1] == 'n')) {
            h[k++] = s[j + 1] == 'n' ? '\n' : '\\';
            j++;
        } else {
            h[k++] = s[j];
        }
    }
    h[k] = '\0';
    fam->help = h;
    fam->declared = true;
    fl->help_line = p->line;
    return 0;
}

/* ---- series ---- */

static int cmp_label(const struct mon_expo_label *a, const struct mon_expo_label *b)
{
    return strcmp(a->name, b->name);
}

static uint64_t series_hash(const struct mon_expo *e, const struct mon_expo_sample *s)
{
    uint64_t h = map_hash_bytes(0, s->name, strlen(s->name) + 1);
    for (int32_t i = 0; i < s->nlabels; i++) {
        const struct mon_expo_label *l = &e->labels[s->first_label + i];
        h = map_hash_bytes(h, l->name, strlen(l->name) + 1);
        h = map_hash_bytes(h, l->value, strlen(l->value) + 1);
    }
    return h;
}

static bool series_same(const struct mon_expo *e, const struct mon_expo_sample *a,
                        const struct mon_expo_sample *b)
{
    if (a->nlabels != b->nlabels || strcmp(a->name, b->name) != 0)
        return false;
    for (int32_t i = 0; i < a->nlabels; i++) {
        const struct mon_expo_label *x = &e->labels[a->first_label + i];
        const struct mon_expo_label *y = &e->labels[b->first_label + i];
        if (strcmp(x->name, y->name) || strcmp(x->value, y->value))
            return false;
    }
    return true;
}

/* Adds sample idx to the series table; the earlier duplicate's index or -1. */
static int32_t series_add(struct ep *p, int32_t idx)
{
    struct mon_expo *e = p->e;
    uint64_t h = series_hash(e, &e->samples[idx]);
    struct map_iter it;
    for (int32_t q = map_first(&p->series, h, &it); q >= 0; q = map_next(&p->series, &it))
        if (series_same(e, &e->samples[q], &e->samples[idx]))
            return q;
    map_put(&p->series, h, idx);
    return -1;
}

/* ---- samples ---- */

/* Label value at s[i] (just past the opening quote): unescapes into the arena. Sets *ret_end to
 * just past the closing quote. */
static int label_value(struct ep *p, size_t i, size_t end, const char *lname, char **ret,
                       size_t *ret_end)
{
    const char *s = p->text;
    size_t open = i - 1, close = i;
    while (close < end && s[close] != '"')
        close += s[close] == '\\' ? 2 : 1;
    if (close >= end)
        return fail_at(p, -EINVAL, open, "label '%s': value has no closing quote", lname);
    char *v = arena_alloc(p->e, close - i + 1);
    size_t k = 0;
    for (; i < close; i++) {
        if (s[i] != '\\') {
            v[k++] = s[i];
            continue;
        }
        char c = s[++i];
        if (c == '\\' || c == '"')
            v[k++] = c;
        else if (c == 'n')
            v[k++] = '\n';
        else {
            char ex[16];
            return fail_at(p, -EINVAL, i - 1, "label '%s': unknown escape '\\%s' (only \\\\, "
                           "\\\" and \\n)", lname, excerpt(&c, 1, ex, sizeof(ex)));
        }
    }
    v[k] = '\0';
    *ret = v;
    *ret_end = close + 1;
    return 0;
}

static int parse_number(const char *tok, size_t n, double *ret)
{
    char buf[128];
    if (n == 0 || n >= sizeof(buf))
        return -EINVAL;
    memcpy(buf, tok, n);
    buf[n] = '\0';
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    if (end != buf + n)
        return -EINVAL;
    if (errno == ERANGE && isinf(v))
        return -ERANGE;
    *ret = v;
    return 0;
}

static int parse_timestamp(const char *tok, size_t n, int64_t *ret)
{
    size_t i = 0;
    bool neg = false;
    if (n && (tok[0] == '-' || tok[0] == '+'))
        neg = tok[0] == '-', i++;
    if (i >= n)
        return -EINVAL;
    uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < n; i++) {
        if (!is_digit(tok[i]))
            return -EINVAL;
        unsigned d = (unsigned)(tok[i] - '0');
        if (v > (lim - d) / 10)
            return -ERANGE;
        v = v * 10 + d;
    }
    *ret = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}

static int32_t sample_family(struct ep *p, const char *name, size_t n, size_t at, int *rc)
{
    int32_t f = family_lookup(p->e, name, n);
    if (f >= 0)
        return f;
    for (size_t k = 0; k < NSUFFIXES; k++) {
        size_t sl = strlen(suffixes[k]);
        if (n > sl && strncmp(name + n - sl, suffixes[k], sl) == 0) {
            int32_t g = family_lookup(p->e, name, n - sl);
            if (g >= 0 && p->e->families[g].declared)
                return g;
        }
    }
    *rc = family_add(p, name, n, false, at, &f);
    return f;
}

static int parse_sample(struct ep *p, size_t i, size_t end)
{
    struct mon_expo *e = p->e;
    const char *s = p->text;
    size_t start = i;
    size_t nlen = metric_name_len(s, i, end);
    if (!nlen) {
        char ex[80];
        return fail_at(p, -EINVAL, i, "expected a metric name, not '%s'",
                       excerpt(s + i, end - i > 40 ? 40 : end - i, ex, sizeof(ex)));
    }
    if (e->nsamples >= p->lim->max_samples)
        return fail_at(p, -EFBIG, i, "more than %d samples", p->lim->max_samples);
    int rc = 0;
    int32_t f = sample_family(p, s + i, nlen, i, &rc);
    if (rc < 0)
        return rc;
    const char *fname = e->families[f].name;
    const char *name = strlen(fname) == nlen ? fname : arena_strn(e, s + i, nlen);
    if (!p->fl[f].first_sample_line)
        p->fl[f].first_sample_line = p->line;
    int32_t first_label = e->nlabels, nl = 0;
    i += nlen;
    if (skip_ws(s, i, end) < end && s[skip_ws(s, i, end)] == '{') {
        i = skip_ws(s, skip_ws(s, i, end) + 1, end);
        while (i < end && s[i] != '}') {
            size_t ll = label_name_len(s, i, end);
            if (!ll) {
                char ex[80];
                return fail_at(p, -EINVAL, i, "'%s': expected a label name or '}', not '%s'",
                               name, excerpt(s + i, end - i > 20 ? 20 : end - i, ex, sizeof(ex)));
            }
            if (nl >= p->lim->max_labels)
                return fail_at(p, -EFBIG, i, "'%s': more than %d labels", name,
                               p->lim->max_labels);
            char *lname = arena_strn(e, s + i, ll);
            i = skip_ws(s, i + ll, end);
            if (i >= end || s[i] != '=')
                return fail_at(p, -EINVAL, i, "'%s': expected '=' after label '%s'", name, lname);
            i = skip_ws(s, i + 1, end);
            if (i >= end || s[i] != '"')
                return fail_at(p, -EINVAL, i, "'%s': label '%s': expected '\"'", name, lname);
            char *value = NULL;
            if ((rc = label_value(p, i + 1, end, lname, &value, &i)) < 0)
                return rc;
            xgrow((void **)&e->labels, &e->cap_labels, (size_t)e->nlabels + 1,
                  sizeof(*e->labels));
            e->labels[e->nlabels++] = (struct mon_expo_label){lname, value};
            nl++;
            i = skip_ws(s, i, end);
            if (i < end && s[i] == ',')
                i = skip_ws(s, i + 1, end);
            else if (i < end && s[i] != '}')
                return fail_at(p, -EINVAL, i, "'%s': expected ',' or '}' after label '%s'", name,
                               lname);
        }
        if (i >= end)
            return fail_at(p, -EINVAL, i, "'%s': labels have no closing '}'", name);
        i++;
    }
    /* sort labels by name (few per sample), then reject a name given twice */
    struct mon_expo_label *ls = &e->labels[first_label];
    for (int32_t a = 1; a < nl; a++)
        for (int32_t b = a; b > 0 && cmp_label(&ls[b - 1], &ls[b]) > 0; b--) {
            struct mon_expo_label t = ls[b];
            ls[b] = ls[b - 1];
            ls[b - 1] = t;
        }
    for (int32_t a = 1; a < nl; a++)
        if (cmp_label(&ls[a - 1], &ls[a]) == 0)
            return fail_at(p, -EINVAL, start, "'%s': label '%s' given twice", name, ls[a].name);
    if (i >= end || !is_ws(s[i])) {
        if (i >= end)
            return fail_at(p, -EINVAL, i, "'%s': expected a value", name);
        return fail_at(p, -EINVAL, i, "'%s': expected a space before the value", name);
    }
    i = skip_ws(s, i, end);
    if (i >= end)
        return fail_at(p, -EINVAL, i, "'%s': expected a value", name);
    size_t tlen = 0;
    while (i + tlen < end && !is_ws(s[i + tlen]))
        tlen++;
    double value = 0;
    rc = parse_number(s + i, tlen, &value);
    if (rc < 0) {
        char ex[80];
        return fail_at(p, -EINVAL, i, "'%s': %s value '%s'", name,
                       rc == -ERANGE ? "out-of-range" : "bad",
                       excerpt(s + i, tlen > 40 ? 40 : tlen, ex, sizeof(ex)));
    }
    i = skip_ws(s, i + tlen, end);
    int64_t ts = 0;
    bool has_ts = false;
    if (i < end) {
        tlen = 0;
        while (i + tlen < end && !is_ws(s[i + tlen]))
            tlen++;
        rc = parse_timestamp(s + i, tlen, &ts);
        if (rc < 0) {
            char ex[80];
            return fail_at(p, -EINVAL, i, "'%s': %s timestamp '%s' (milliseconds as an integer)",
                           name, rc == -ERANGE ? "out-of-range" : "bad",
                           excerpt(s + i, tlen > 40 ? 40 : tlen, ex, sizeof(ex)));
        }
        has_ts = true;
        i = skip_ws(s, i + tlen, end);
        if (i < end)
            return fail_at(p, -EINVAL, i, "'%s': unexpected text after the timestamp", name);
    }
    xgrow((void **)&e->samples, &e->cap_samples, (size_t)e->nsamples + 1, sizeof(*e->samples));
    int32_t idx = e->nsamples++;
    e->samples[idx] = (struct mon_expo_sample){name, f, first_label, nl, value, ts, has_ts,
                                               p->line};
    int32_t dup = series_add(p, idx);
    if (dup >= 0)
        return fail_at(p, -EINVAL, start, "'%s': the same series (name and labels) is also on "
                                          "line %u", name, e->samples[dup].line);
    return 0;
}

static int parse_line(struct ep *p, size_t i, size_t end)
{
    const char *s = p->text;
    i = skip_ws(s, i, end);
    if (i >= end)
        return 0;
    if (s[i] != '#')
        return parse_sample(p, i, end);
    size_t j = skip_ws(s, i + 1, end);
    if (j == i + 1 || end - j < 4)
        return 0; /* a comment */
    bool help = strncmp(s + j, "HELP", 4) == 0, type = strncmp(s + j, "TYPE", 4) == 0;
    if (!help && !type)
        return 0;
    if (j + 4 < end && !is_ws(s[j + 4]))
        return 0; /* "# HELPER ..." is a comment */
    return parse_meta(p, type, j + 4, end);
}

int mon_expo_parse(const char *text, size_t len, const char *source,
                   const struct mon_expo_limits *lim, struct mon_expo **ret, struct error *err)
{
    struct ep p = {.text = text, .len = len, .source = source ? source : "metrics",
                   .lim = lim ? lim : &mon_expo_default_limits, .err = err};
    if (len > p.lim->max_bytes)
        return error_set(err, -EFBIG, "%s: larger than %zu bytes", p.source, p.lim->max_bytes);
    p.e = xcalloc(1, sizeof(*p.e));
    int rc = 0;
    size_t pos = 0;
    while (pos < len && rc == 0) {
        p.line++;
        p.line_start = pos;
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        size_t next = nl ? end + 1 : len;
        if (end > pos && text[end - 1] == '\r')
            end--;
        if (end - pos > p.lim->max_line) {
            rc = fail_at(&p, -EFBIG, pos, "line longer than %zu bytes", p.lim->max_line);
            break;
        }
        const char *nul = memchr(text + pos, '\0', end - pos);
        if (nul) {
            rc = fail_at(&p, -EINVAL, (size_t)(nul - text), "NUL byte");
            break;
        }
        const char *cr = memchr(text + pos, '\r', end - pos);
        if (cr) {
            rc = fail_at(&p, -EINVAL, (size_t)(cr - text), "carriage return inside a line");
            break;
        }
        rc = parse_line(&p, pos, end);
        pos = next;
    }
    map_finish(&p.series);
    free(p.fl);
    if (rc < 0) {
        mon_expo_destroy(p.e);
        return rc;
    }
    *ret = p.e;
    return 0;
}

void mon_expo_destroy(struct mon_expo *e)
{
    if (!e)
        return;
    for (struct expo_block *b = e->blocks, *n; b; b = n) {
        n = b->next;
        free(b);
    }
    free(e->families);
    free(e->samples);
    free(e->labels);
    map_finish(&e->family_index);
    free(e);
}

const char *mon_expo_label(const struct mon_expo *e, const struct mon_expo_sample *s,
                           const char *name)
{
    for (int32_t i = 0; i < s->nlabels; i++)
        if (strcmp(e->labels[s->first_label + i].name, name) == 0)
            return e->labels[s->first_label + i].value;
    return NULL;
}
