/* Whole-file reads with a size limit and atomic, durable writes: the one place Ballast reads
 * or replaces a file. Errors name the path and the cause ("plan.json: No such file or
 * directory", "plan.json: more than 4194304 bytes"); returns are 0 or a negative errno.
 * Reentrant: no state outside the arguments. */
#ifndef COMMON_FILE_H
#define COMMON_FILE_H

#include <stddef.h>

#include "common/error.h"

/* Reads path ("-": standard input) whole into a heap buffer (caller frees) with a NUL after
 * the last byte, which *ret_len does not count. More than max bytes is -EFBIG and stops
 * reading there (a /dev/zero costs max bytes, not memory without end); a folder is -EISDIR. */
int file_read(const char *path, size_t max, char **ret_buf, size_t *ret_len, struct error *err);

/* Writes n bytes to fd, retrying on EINTR and short writes. 0 or -errno. */
int file_write_fd(int fd, const void *p, size_t n);

/* Replaces path with data atomically and durably: a fresh temporary file in the same folder
 * (mode 0666 before the umask), written whole, fsync'd, renamed over path, then the folder
 * fsync'd, so a crash leaves the old file or the new one, never a mix. "-" writes standard
 * output. On failure the temporary file is removed and path is untouched. */
int file_write_atomic(const char *path, const void *data, size_t n, struct error *err);

#endif
