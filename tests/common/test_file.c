/* common/file: reads with a limit (regular files, pipes, folders, missing files) and atomic
 * writes (content, mode, no temporary left behind, failures leave the old file). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include "common/file.h"
#include "tests/harness.h"

static char dir[64];

static void make_dir(void)
{
    snprintf(dir, sizeof(dir), "/tmp/ballast-file-XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
}

static int count_entries(const char *d)
{
    DIR *h = opendir(d);
    int n = 0;
    for (struct dirent *e; h && (e = readdir(h));)
        n += e->d_name[0] != '.';
    if (h)
        closedir(h);
    return n;
}

TEST(read_limits)
{
    make_dir();
    char path[128];
    snprintf(path, sizeof(path), "%s/a.txt", dir);
    struct error err = {0};
    CHECK_INT_EQ(file_write_atomic(path, "hello", 5, &err), 0);
    char *buf = NULL;
    size_t n = 0;
    CHECK_INT_EQ(file_read(path, 5, &buf, &n, &err), 0);
    CHECK_INT_EQ(n, 5);
    CHECK_STR_EQ(buf, "hello");
    free(buf);
    CHECK_INT_EQ(file_read(path, 4, &buf, &n, &err), -EFBIG);
    CHECK_STR_CONTAINS(err.msg, "a.txt: 5 bytes, more than the 4 allowed");
    /* an endless stream stops at the limit */
    CHECK_INT_EQ(file_read("/dev/zero", 1000, &buf, &n, &err), -EFBIG);
    CHECK_STR_CONTAINS(err.msg, "/dev/zero: more than the 1000 bytes allowed");
    CHECK_INT_EQ(file_read(dir, 1000, &buf, &n, &err), -EISDIR);
    CHECK_STR_CONTAINS(err.msg, dir);
    snprintf(path, sizeof(path), "%s/missing", dir);
    CHECK_INT_EQ(file_read(path, 1000, &buf, &n, &err), -ENOENT);
    CHECK_STR_CONTAINS(err.msg, "missing: No such file or directory");
    /* empty file */
    snprintf(path, sizeof(path), "%s/empty", dir);
    CHECK_INT_EQ(file_write_atomic(path, "", 0, &err), 0);
    CHECK_INT_EQ(file_read(path, 10, &buf, &n, &err), 0);
    CHECK_INT_EQ(n, 0);
    CHECK_STR_EQ(buf, "");
    free(buf);
    unlink(path); /* the test leaves nothing in /tmp */
    snprintf(path, sizeof(path), "%s/a.txt", dir);
    unlink(path);
    rmdir(dir);
}

TEST(atomic_write)
{
    make_dir();
    char path[128];
    snprintf(path, sizeof(path), "%s/state.json", dir);
    struct error err = {0};
    CHECK_INT_EQ(file_write_atomic(path, "one", 3, &err), 0);
    CHECK_INT_EQ(file_write_atomic(path, "second", 6, &err), 0);
    char *buf = NULL;
    size_t n = 0;
    CHECK_INT_EQ(file_read(path, 100, &buf, &n, &err), 0);
    CHECK_STR_EQ(buf, "second");
    free(buf);
    CHECK_INT_EQ(count_entries(dir), 1); /* no temporary file left */
    struct stat st;
    CHECK_INT_EQ(stat(path, &st), 0);
    mode_t um = umask(0);
    umask(um);
    CHECK_INT_EQ(st.st_mode & 0777, 0666 & ~um);
    /* a big write goes through whole */
    size_t big = 8u << 20;
    char *data = malloc(big);
    for (size_t i = 0; i < big; i++)
        data[i] = (char)('a' + i % 26);
    CHECK_INT_EQ(file_write_atomic(path, data, big, &err), 0);
    CHECK_INT_EQ(file_read(path, big, &buf, &n, &err), 0);
    CHECK_INT_EQ(n, big);
    CHECK(memcmp(buf, data, big) == 0);
    free(buf);
    free(data);
    /* a folder that does not exist: named, nothing created */
    char bad[160];
    snprintf(bad, sizeof(bad), "%s/no/such/x.json", dir);
    CHECK_INT_EQ(file_write_atomic(bad, "x", 1, &err), -ENOENT);
    CHECK_STR_CONTAINS(err.msg, "no/such/x.json");
    /* replacing a folder fails and leaves it */
    char sub[160];
    snprintf(sub, sizeof(sub), "%s/sub", dir);
    CHECK_INT_EQ(mkdir(sub, 0700), 0);
    CHECK(file_write_atomic(sub, "x", 1, &err) < 0);
    CHECK_INT_EQ(count_entries(dir), 2);
    rmdir(sub);
    unlink(path);
    rmdir(dir);
}

TEST(write_fd_to_a_pipe)
{
    int p[2];
    CHECK_INT_EQ(pipe(p), 0);
    CHECK_INT_EQ(file_write_fd(p[1], "abc", 3), 0);
    close(p[1]);
    char got[8] = "";
    CHECK_INT_EQ(read(p[0], got, sizeof(got)), 3);
    CHECK(memcmp(got, "abc", 3) == 0);
    close(p[0]);
    CHECK_INT_EQ(file_write_fd(-1, "x", 1), -EBADF);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
