/* User-facing error text. Functions that can fail for reasons a user must read take a
 * `struct error *err` (may be NULL) and fill it with one line such as
 * "snapshot.json: brokers[3].rack: expected a string". The return value stays an int:
 * 0 on success, a negative errno on failure (-EINVAL for bad input, -ENOENT, -EIO...). */
#ifndef COMMON_ERROR_H
#define COMMON_ERROR_H

#define ERROR_MSG_MAX 1024

struct error {
    int code;                 /* negative errno, 0 when unset */
    char msg[ERROR_MSG_MAX];
};

/* Sets err (if not NULL) and returns code, so callers can `return error_set(err, -EINVAL, ...)`. */
int error_set(struct error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prepends "prefix: " to an existing message (keeps the code). */
int error_prefix(struct error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void error_clear(struct error *err);

#endif
