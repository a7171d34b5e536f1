/* Whole-file reads and atomic writes; see file.h. */
#include "common/file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/alloc.h"

int file_read(const char *path, size_t max, char **ret_buf, size_t *ret_len, struct error *err)
{
    bool std = strcmp(path, "-") == 0;
    const char *name = std ? "standard input" : path;
    int fd = std ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return error_set(err, -errno, "%s: %s", name, strerror(errno));
    int rc = 0;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    struct stat st;
    if (fstat(fd, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            rc = error_set(err, -EISDIR, "%s: %s", name, strerror(EISDIR));
            goto out;
        }
        if (S_ISREG(st.st_mode) && (unsigned long long)st.st_size > max) {
            rc = error_set(err, -EFBIG, "%s: %lld bytes, more than the %zu allowed", name,
                           (long long)st.st_size, max);
            goto out;
        }
        if (S_ISREG(st.st_mode) && st.st_size > 0)
            cap = (size_t)st.st_size + 2;
    }
    if (!cap)
        cap = 4096;
    buf = xmalloc(cap);
    for (;;) {
        if (len + 1 >= cap) /* room for one more byte than max, and the NUL */
            xgrow((void **)&buf, &cap, cap + 1, 1);
        size_t want = cap - len - 1;
        if (want > max + 1 - len)
            want = max + 1 - len;
        ssize_t n = read(fd, buf + len, want);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = error_set(err, -errno, "%s: %s", name, strerror(errno));
            break;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > max) {
            rc = error_set(err, -EFBIG, "%s: more than the %zu bytes allowed", name, max);
            break;
        }
    }
out:
    if (!std)
        close(fd);
    if (rc < 0) {
        free(buf);
        return rc;
    }
    buf[len] = '\0';
    *ret_buf = buf;
    *ret_len = len;
    return 0;
}

int file_write_fd(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -errno;
        if (w == 0)
            return -EIO;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Opens a new temporary file beside path; its name in *ret_tmp (heap). */
static int open_temp(const char *path, char **ret_tmp)
{
    for (int attempt = 0; attempt < 100; attempt++) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        char *tmp = xasprintf("%s.tmp.%ld.%lx", path, (long)getpid(),
                              (unsigned long)ts.tv_nsec ^ ((unsigned long)attempt << 20));
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0) {
            *ret_tmp = tmp;
            return fd;
        }
        int e = errno;
        free(tmp);
        if (e != EEXIST)
            return -e;
    }
    return -EEXIST;
}

/* fsyncs the folder holding path, so that a rename in it is durable. */
static int sync_folder(const char *path)
{
    char *copy = xstrdup(path);
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(copy);
    if (fd < 0)
        return -errno;
    int rc = fsync(fd) < 0 && errno != EINVAL ? -errno : 0; /* some file systems refuse it */
    close(fd);
    return rc;
}

int file_write_atomic(const char *path, const void *data, size_t n, struct error *err)
{
    int rc;
    if (strcmp(path, "-") == 0) {
        if ((rc = file_write_fd(STDOUT_FILENO, data, n)) < 0)
            error_set(err, rc, "standard output: %s", strerror(-rc));
        return rc;
    }
    char *tmp = NULL;
    int fd = open_temp(path, &tmp);
    if (fd < 0)
        return error_set(err, fd, "%s: cannot create a file beside it: %s", path,
                         strerror(-fd));
    rc = file_write_fd(fd, data, n);
    if (rc == 0 && fsync(fd) < 0)
        rc = -errno;
    if (close(fd) < 0 && rc == 0)
        rc = -errno;
    if (rc == 0 && rename(tmp, path) < 0)
        rc = -errno;
    if (rc < 0) {
        error_set(err, rc, "%s: %s", path, strerror(-rc));
        unlink(tmp);
    } else if ((rc = sync_folder(path)) < 0) {
        error_set(err, rc, "%s: syncing its folder: %s", path, strerror(-rc));
    }
    free(tmp);
    return rc;
}
