/* See jsonw.h. */
#include "common/jsonw.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

#define EXACT_LIMIT 0x1p53 /* doubles hold every integer below this exactly */

void jsonw_mem(struct jsonw *w, const char *s, size_t n)
{
    if (w->len + n + 1 > w->cap)
        xgrow((void **)&w->p, &w->cap, w->len + n + 1, 1);
    memcpy(w->p + w->len, s, n);
    w->len += n;
    w->p[w->len] = '\0';
}

void jsonw_lit(struct jsonw *w, const char *s)
{
    jsonw_mem(w, s, strlen(s));
}

void jsonw_int(struct jsonw *w, long long v)
{
    char tmp[24];
    char *e = tmp + sizeof(tmp), *p = e;
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do
        *--p = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0)
        *--p = '-';
    jsonw_mem(w, p, (size_t)(e - p));
}

/* Writes v when it is not finite or an exact integer; false when it is neither. */
static bool special(struct jsonw *w, double v)
{
    if (!isfinite(v)) {
        jsonw_lit(w, "null");
        return true;
    }
    if (v == floor(v) && fabs(v) < EXACT_LIMIT) {
        jsonw_int(w, (long long)v);
        return true;
    }
    return false;
}

void jsonw_num(struct jsonw *w, double v)
{
    if (special(w, v))
        return;
    char tmp[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    jsonw_lit(w, tmp);
}

void jsonw_num17(struct jsonw *w, double v)
{
    if (special(w, v))
        return;
    char tmp[40];
    jsonw_mem(w, tmp, (size_t)snprintf(tmp, sizeof(tmp), "%.17g", v));
}

void jsonw_str(struct jsonw *w, const char *s)
{
    jsonw_mem(w, "\"", 1);
    const char *run = s;
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch != '"' && ch != '\\' && ch >= 0x20)
            continue;
        jsonw_mem(w, run, (size_t)(s - run));
        char esc[8];
        if (ch == '"' || ch == '\\')
            snprintf(esc, sizeof(esc), "\\%c", ch);
        else
            snprintf(esc, sizeof(esc), "\\u%04x", ch);
        jsonw_lit(w, esc);
        run = s + 1;
    }
    jsonw_mem(w, run, (size_t)(s - run));
    jsonw_mem(w, "\"", 1);
}
