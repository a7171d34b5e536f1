/* User-facing error text; see error.h. */
#include "common/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int error_set(struct error *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_vset(err, code, fmt, ap);
    va_end(ap);
    return code;
}

int error_vset(struct error *err, int code, const char *fmt, va_list ap)
{
    if (!err)
        return code;
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    err->code = code;
    err->kafka.code = 0;
    err->kafka.retriable = false;
    err->kafka.name = NULL;
    return code;
}

int error_prefix(struct error *err, const char *fmt, ...)
{
    if (!err)
        return 0;
    char prefix[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    char old[ERROR_MSG_MAX];
    memcpy(old, err->msg, sizeof(old));
    size_t n = strlen(prefix);
    if (n + 2 >= sizeof(err->msg))
        n = sizeof(err->msg) - 3;
    memcpy(err->msg, prefix, n);
    memcpy(err->msg + n, ": ", 2);
    size_t room = sizeof(err->msg) - n - 3;
    size_t m = strnlen(old, room);
    memcpy(err->msg + n + 2, old, m);
    err->msg[n + 2 + m] = '\0';
    return err->code;
}

void error_clear(struct error *err)
{
    if (err) {
        err->code = 0;
        err->kafka.code = 0;
        err->kafka.retriable = false;
        err->kafka.name = NULL;
        err->msg[0] = '\0';
    }
}
