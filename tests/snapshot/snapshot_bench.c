/* Measures snapshot load and dump on a generated cluster (not a test; see docs/snapshot.md):
 *   snapshot_bench [replicas] [topics] [brokers] [file]
 * generates the cluster, saves it to the file (default /tmp/ballast-snapshot-bench.json),
 * then loads it back in a fresh process (`snapshot_bench --load FILE`) and prints the text
 * size, the times and the peak RSS of the load. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "model/generate.h"
#include "model/snapshot.h"
#include "tests/snapshot/snapfile.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int load_only(const char *path)
{
    double t = now();
    struct model_cluster *d = NULL;
    struct error err = {0};
    if (snapfile_load(path, &d, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    printf("load %.2f s\n", now() - t);
    model_cluster_destroy(d);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--load") == 0)
        return load_only(argv[2]);
    long long replicas = argc > 1 ? atoll(argv[1]) : 1000000;
    int topics = argc > 2 ? atoi(argv[2]) : 1000;
    int brokers = argc > 3 ? atoi(argv[3]) : 60;
    const char *path = argc > 4 ? argv[4] : "/tmp/ballast-snapshot-bench.json";
    struct model_generate_opts o;
    model_generate_defaults(&o);
    o.brokers = brokers;
    o.zones = 3;
    o.racks = 6;
    o.topics = topics;
    o.rf = 3;
    o.partitions = (replicas + 2) / 3;
    o.log_dirs = 4;
    struct model_cluster *c = NULL;
    struct error err = {0};
    if (model_generate(&o, &c, &err) < 0) {
        fprintf(stderr, "generate: %s\n", err.msg);
        return 1;
    }
    double t0 = now();
    if (snapfile_save(c, path, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    double t1 = now();
    struct stat st;
    stat(path, &st);
    printf("%lld replicas, %d topics, %d brokers: %.1f MB of JSON, dump+save %.2f s\n",
           (long long)c->nreplicas, c->ntopics, c->nbrokers, (double)st.st_size / 1e6, t1 - t0);
    model_cluster_destroy(c);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        /* a fresh process: the parent's allocator state must not colour the figures */
        execl("/proc/self/exe", argv[0], "--load", path, (char *)NULL);
        _exit(127);
    }
    int status = 1;
    struct rusage ru;
    wait4(pid, &status, 0, &ru);
    printf("peak RSS of the load %.0f MB (the text alone is %.0f MB)\n",
           (double)ru.ru_maxrss / 1024, (double)st.st_size / 1048576);
    unlink(path);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
