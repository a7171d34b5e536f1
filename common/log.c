/* Logging to stderr with a level, a timestamp and a [file:line] prefix; see log.h. */
#include "common/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

atomic_int log_threshold = LOG_INFO;

static const char *const level_names[] = {"ERROR", "WARN", "INFO", "DEBUG"};

void log_set_level(enum log_level level)
{
    atomic_store_explicit(&log_threshold, (int)level, memory_order_relaxed);
}

int log_level_parse(const char *name, enum log_level *ret)
{
    for (int l = LOG_ERROR; l <= LOG_DEBUG; l++)
        if (strcasecmp(name, level_names[l]) == 0) {
            *ret = (enum log_level)l;
            return 0;
        }
    return -EINVAL;
}

void log_write_from(enum log_level level, const char *origin, const char *msg)
{
    if ((int)level <= atomic_load_explicit(&log_threshold, memory_order_relaxed))
        log_write(level, origin, 0, "%s", msg);
}

void log_write(enum log_level level, const char *file, int line, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char where[300];
    if (line > 0)
        snprintf(where, sizeof(where), "%s:%d", base, line);
    else
        snprintf(where, sizeof(where), "%s", base);
    fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %-5s [%s] %s\n", tm.tm_year + 1900,
            tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
            level_names[level], where, msg);
}
