/* common/log: level names, the threshold (set by --log-level / BALLAST_LOG through
 * log_set_level) and messages from elsewhere (librdkafka); common/alloc: the per-thread
 * allocation countdown aborts the n-th allocation of its own thread only. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/log.h"
#include "tests/harness.h"

/* Runs fn with stderr captured into buf. */
static void capture(void (*fn)(void), char *buf, size_t n)
{
    fflush(stderr);
    FILE *tmp = tmpfile();
    int saved = dup(2);
    dup2(fileno(tmp), 2);
    fn();
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(tmp);
    size_t got = fread(buf, 1, n - 1, tmp);
    buf[got] = '\0';
    fclose(tmp);
}

static void log_some(void)
{
    log_error("an error %d", 1);
    log_info("some info");
    log_debug("debugging");
    log_write_from(LOG_WARN, "librdkafka FAIL", "broker down");
    log_write_from(LOG_DEBUG, "librdkafka FETCH", "fetching");
}

TEST(levels)
{
    enum log_level l;
    CHECK_INT_EQ(log_level_parse("debug", &l), 0);
    CHECK_INT_EQ(l, LOG_DEBUG);
    CHECK_INT_EQ(log_level_parse("WARN", &l), 0);
    CHECK_INT_EQ(l, LOG_WARN);
    CHECK_INT_EQ(log_level_parse("verbose", &l), -EINVAL);
    char out[4096];
    log_set_level(LOG_WARN);
    capture(log_some, out, sizeof(out));
    CHECK_STR_CONTAINS(out, "ERROR [test_log_alloc.c:");
    CHECK_STR_CONTAINS(out, "an error 1");
    CHECK_STR_CONTAINS(out, "WARN  [librdkafka FAIL] broker down");
    CHECK(!strstr(out, "some info"));
    CHECK(!strstr(out, "fetching"));
    log_set_level(LOG_DEBUG);
    capture(log_some, out, sizeof(out));
    CHECK_STR_CONTAINS(out, "some info");
    CHECK_STR_CONTAINS(out, "debugging");
    CHECK_STR_CONTAINS(out, "DEBUG [librdkafka FETCH] fetching");
    log_set_level(LOG_ERROR);
    capture(log_some, out, sizeof(out));
    CHECK(!strstr(out, "broker down"));
    log_set_level(LOG_INFO);
}

static void *allocate_in_thread(void *arg)
{
    for (int i = 0; i < 10; i++)
        free(xmalloc(16));
    return arg;
}

TEST(allocation_countdown_is_per_thread)
{
    int p[2];
    CHECK_INT_EQ(pipe(p), 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 2);
        alloc_fail_after(3);
        /* another thread's allocations do not count down this thread's */
        pthread_t t;
        pthread_create(&t, NULL, allocate_in_thread, NULL);
        pthread_join(t, NULL);
        free(xmalloc(10));
        free(xmalloc(20));
        free(xmalloc(12345)); /* the third: aborts */
        _exit(0);
    }
    close(p[1]);
    char out[512] = "";
    ssize_t n = read(p[0], out, sizeof(out) - 1);
    out[n > 0 ? n : 0] = '\0';
    close(p[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
    CHECK_STR_CONTAINS(out, "out of memory allocating 12345 bytes");
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
