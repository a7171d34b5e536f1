/* One logging family for the outer layers (cli, kafka, executor, api, monitor).
 * model/, goals/ and optimizer/ never log above debug. Level is checked before formatting.
 * Thread-safe: each message is one fprintf to stderr. */
#ifndef COMMON_LOG_H
#define COMMON_LOG_H

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

extern enum log_level log_threshold;

void log_set_level(enum log_level level);
void log_write(enum log_level level, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define log_at(lvl, ...)                                                                           \
    do {                                                                                           \
        if ((lvl) <= log_threshold)                                                                \
            log_write((lvl), __FILE__, __LINE__, __VA_ARGS__);                                     \
    } while (0)
#define log_error(...) log_at(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_at(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_at(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_at(LOG_DEBUG, __VA_ARGS__)
/* Logs at error level and evaluates to r: `return log_errno(r, "connect %s", host);` */
#define log_errno(r, ...) (log_error(__VA_ARGS__), (r))

#endif
