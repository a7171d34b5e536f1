/* User-facing error text. Functions that can fail for reasons a user must read take a
 * `struct error *err` (may be NULL) and fill it with one line such as
 * "snapshot.json: brokers[3].rack: expected a string". The return value stays an int:
 * 0 on success, a negative errno on failure (-EINVAL for bad input, -ENOENT, -EIO...).
 * An error a Kafka broker returned also carries its code, name and retriability in `kafka`
 * (kafka/errors.h sets it; callers branch on kafka.code, never on the text). */
#ifndef COMMON_ERROR_H
#define COMMON_ERROR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#define ERROR_MSG_MAX 1024

struct error {
    int code; /* negative errno, 0 when unset */
    struct {
        int16_t code;     /* Kafka's error code */
        bool retriable;   /* worth retrying after a pause (kafka_error_retriable) */
        const char *name; /* Kafka's name for the code (static); NULL: not a Kafka error */
    } kafka;
    char msg[ERROR_MSG_MAX];
};

/* Sets err (if not NULL; its `kafka` part is cleared) and returns code, so callers can
 * `return error_set(err, -EINVAL, ...)`. */
int error_set(struct error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* error_set with a va_list. */
int error_vset(struct error *err, int code, const char *fmt, va_list ap);
/* Prepends "prefix: " to an existing message (keeps the codes). */
int error_prefix(struct error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void error_clear(struct error *err);

#endif
