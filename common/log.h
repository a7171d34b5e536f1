/* One logging family for the outer layers (cli, kafka, executor, api, monitor).
 * model/, goals/ and optimizer/ never log above debug. Level is checked before formatting.
 * The threshold is set once at start-up (ballast --log-level, or BALLAST_LOG) and read with
 * relaxed atomics. Thread-safe: each message is one fprintf to stderr. */
#ifndef COMMON_LOG_H
#define COMMON_LOG_H

#include <stdatomic.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* The most verbose level written (LOG_INFO until log_set_level). Read it through log_at. */
extern atomic_int log_threshold;

void log_set_level(enum log_level level);
/* "error", "warn", "info" or "debug" (any case) into *ret; -EINVAL otherwise. */
int log_level_parse(const char *name, enum log_level *ret);
/* Writes a message that arrives with its own origin and level (librdkafka's log callback):
 * "[origin] message" at level. */
void log_write_from(enum log_level level, const char *origin, const char *msg);
void log_write(enum log_level level, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define log_at(lvl, ...)                                                                           \
    do {                                                                                           \
        if ((int)(lvl) <= atomic_load_explicit(&log_threshold, memory_order_relaxed))           \
            log_write((lvl), __FILE__, __LINE__, __VA_ARGS__);                                     \
    } while (0)
#define log_error(...) log_at(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_at(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_at(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_at(LOG_DEBUG, __VA_ARGS__)
/* Logs at error level and evaluates to r: `return log_errno(r, "connect %s", host);` */
#define log_errno(r, ...) (log_error(__VA_ARGS__), (r))

#endif
