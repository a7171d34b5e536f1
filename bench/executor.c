/* ballast-exec-bench: the executor's own overhead on the in-memory cluster
 * (executor/fake_cluster.h) at the size of a real plan, e.g. Ballast's plan for the XL
 * generated cluster (1,000 brokers, 1M replicas):
 *
 *   ballast-exec-bench --snapshot xl.json --plan xl-plan.json [--polls N] [--throttle B/s]
 *
 * It measures the plan parse (wall and CPU), the start (tasks built, first journal, first
 * admission), then N polls of the inter-broker phase after it (default 100) with throttles on: the CPU each poll costs
 * (the executor's admission, bookkeeping, throttle claims and releases, journal, plus the
 * fake cluster's answers, which are hash lookups) and the bytes the journal writes per poll
 * (write(2) bytes from /proc/self/io). Then it stops the execution (cancel and clean up) and
 * prints a markdown table. Time in the fake cluster is virtual: no sleeping. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/clock.h"
#include "common/file.h"
#include "common/log.h"
#include "executor/executor.h"
#include "executor/fake_cluster.h"
#include "model/snapshot.h"

/* Bytes this process has written with write(2) so far. */
static long long written(void)
{
    FILE *f = fopen("/proc/self/io", "r");
    long long v = -1;
    char line[128];
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "wchar: %lld", &v) == 1)
            break;
    if (f)
        fclose(f);
    return v;
}

struct poll_watch {
    struct fake_cluster *f;
    const char *state_dir;
    int want, npolls, lists;
    double last_cpu;
    long long last_bytes;
    double *cpu;
    long long *bytes;
    int inflight_max;
    double start_cpu; /* up to the second poll: tasks built, base journal, first admission */
    long long start_bytes;
};

/* At every poll of the fake cluster: a ListPartitionReassignments since the last one marks a
 * poll of the inter-broker phase; the CPU and bytes between two of them are one poll's. */
static void on_poll(struct fake_cluster *f, void *arg)
{
    struct poll_watch *w = arg;
    int lists = fake_calls(f, FAKE_LIST);
    if (lists == w->lists)
        return; /* a snapshot, not a poll */
    w->lists = lists;
    double c = clock_cpu_s();
    long long b = written();
    if (lists == 2) {
        w->start_cpu = c - w->last_cpu;
        w->start_bytes = b - w->last_bytes;
    } else if (w->last_cpu > 0 && w->npolls < w->want) {
        w->cpu[w->npolls] = c - w->last_cpu;
        w->bytes[w->npolls] = b - w->last_bytes;
        w->npolls++;
        int n = fake_ninprogress(f);
        w->inflight_max = n > w->inflight_max ? n : w->inflight_max;
        if (w->npolls == w->want) {
            char *path = xasprintf("%s/stop", w->state_dir);
            FILE *s = fopen(path, "w");
            if (s)
                fclose(s);
            free(path);
        }
    }
    w->last_cpu = clock_cpu_s();
    w->last_bytes = written();
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

/* The fake cluster as the snapshot stands: brokers with their log dirs, partitions with their
 * replicas in order and their largest replica's size. */
static struct fake_cluster *fake_of(const struct model_cluster *c)
{
    struct fake_cluster *f = fake_create();
    for (int32_t b = 0; b < c->nbrokers; b++) {
        char dirs[8192] = "";
        size_t off = 0;
        for (int32_t d = 0; d < c->brokers[b].ndisks && off < sizeof(dirs) - 1; d++)
            off += (size_t)snprintf(dirs + off, sizeof(dirs) - off, "%s%s", d ? "," : "",
                                    c->disks[c->brokers[b].first_disk + d].path);
        fake_add_broker(f, c->brokers[b].id, off ? dirs : NULL);
    }
    for (int32_t p = 0; p < c->npartitions; p++) {
        const struct model_partition *mp = &c->partitions[p];
        int32_t ids[MODEL_MAX_RF];
        int64_t size = 0;
        for (int k = 0; k < mp->rf; k++) {
            const struct model_replica *r = &model_replicas_of(c, p)[k];
            ids[k] = c->brokers[r->broker].id;
            size = r->size > size ? r->size : size;
        }
        fake_add_partition(f, c->topics[mp->topic].name, mp->id, ids, mp->rf, size);
    }
    return f;
}

int main(int argc, char **argv)
{
    const char *snap = NULL, *plan_path = NULL;
    int polls = 100;
    double throttle = 50e6;
    static const struct option opts[] = {
        {"snapshot", required_argument, NULL, 's'}, {"plan", required_argument, NULL, 'p'},
        {"polls", required_argument, NULL, 'n'},    {"throttle", required_argument, NULL, 't'},
        {NULL, 0, NULL, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 's': snap = optarg; break;
        case 'p': plan_path = optarg; break;
        case 'n': polls = atoi(optarg); break;
        case 't': throttle = atof(optarg); break;
        default:
            fprintf(stderr, "usage: ballast-exec-bench --snapshot FILE --plan FILE [--polls N] "
                    "[--throttle B/s]\n");
            return 2;
        }
    }
    if (!snap || !plan_path || polls < 1) {
        fprintf(stderr, "ballast-exec-bench: --snapshot and --plan are needed\n");
        return 2;
    }
    log_set_level(LOG_ERROR);
    struct error err = {0};
    struct model_cluster *c = NULL;
    char *sbuf = NULL;
    size_t slen = 0;
    if (file_read(snap, MODEL_SNAPSHOT_MAX_BYTES, &sbuf, &slen, &err) < 0 ||
        model_snapshot_parse(sbuf, slen, snap, &c, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    free(sbuf);
    struct fake_cluster *f = fake_of(c);
    int64_t nreplicas = c->nreplicas;
    int32_t nbrokers = c->nbrokers;
    model_cluster_destroy(c);

    char *buf = NULL;
    size_t len = 0;
    if (file_read(plan_path, EXEC_MAX_PLAN_BYTES, &buf, &len, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    double w0 = (clock_mono_ms() / 1e3), c0 = clock_cpu_s();
    struct exec_task *targets = NULL;
    int ntargets = 0;
    int rc = exec_plan_parse(buf, len, plan_path, &targets, &ntargets, &err);
    double parse_wall = (clock_mono_ms() / 1e3) - w0, parse_cpu = clock_cpu_s() - c0;
    free(buf);
    if (rc < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }

    char root[] = "/tmp/ballast-exec-bench-XXXXXX";
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        return 1;
    }
    char *state = xasprintf("%s/state", root);
    struct poll_watch w = {.f = f, .state_dir = state, .want = polls};
    w.cpu = xcalloc((size_t)polls, sizeof(*w.cpu));
    w.bytes = xcalloc((size_t)polls, sizeof(*w.bytes));
    fake_set_poll_hook(f, on_poll, &w);
    struct exec_options o;
    exec_options_default(&o);
    o.throttle = throttle;
    struct exec_connect conn = {.cluster = fake_ops(f)};
    struct exec_report rep;
    double s0 = clock_cpu_s();
    long long b0 = written();
    w0 = (clock_mono_ms() / 1e3);
    rc = exec_run(&conn, state, targets, ntargets, &o, &rep, &err);
    double run_wall = (clock_mono_ms() / 1e3) - w0, run_cpu = clock_cpu_s() - s0;
    long long run_bytes = written() - b0;
    if (rc < 0) {
        fprintf(stderr, "exec_run: %s\n", err.msg);
        return 1;
    }
    struct stat st;
    char *jpath = xasprintf("%s/execution.json", state);
    long long base = stat(jpath, &st) == 0 ? (long long)st.st_size : -1;

    int n = w.npolls;
    qsort(w.cpu, (size_t)n, sizeof(*w.cpu), cmp_d);
    qsort(w.bytes, (size_t)n, sizeof(*w.bytes), cmp_ll);
    double cpu_sum = 0;
    for (int i = 0; i < n; i++)
        cpu_sum += w.cpu[i];
    printf("| measure | value |\n|---|---|\n");
    printf("| cluster | %d brokers, %lld replicas |\n", nbrokers, (long long)nreplicas);
    printf("| plan | %d targets (%s) |\n", ntargets, plan_path);
    printf("| execution | %d tasks, throttle %.0f B/s, per broker %d, cluster cap %d |\n",
           rep.total, throttle, o.per_broker, o.cluster_cap);
    printf("| plan parse | %.3f s wall, %.3f s CPU |\n", parse_wall, parse_cpu);
    printf("| start (tasks, first journal, first admission) | %.0f ms CPU, %.1f MB written |\n",
           w.start_cpu * 1e3, (double)w.start_bytes / 1e6);
    printf("| polls measured | %d after the start (most in flight: %d) |\n", n, w.inflight_max);
    if (n > 0) {
        printf("| CPU per poll | median %.1f ms, p95 %.1f ms, max %.1f ms, mean %.1f ms |\n",
               w.cpu[n / 2] * 1e3, w.cpu[(int)(n * 0.95)] * 1e3, w.cpu[n - 1] * 1e3,
               cpu_sum / n * 1e3);
        printf("| journal bytes per poll | median %lld, p95 %lld, max %lld |\n", w.bytes[n / 2],
               w.bytes[(int)(n * 0.95)], w.bytes[n - 1]);
    }
    printf("| journal base at the end | %lld bytes |\n", base);
    printf("| whole run (start, %d polls, stop) | %.2f s wall, %.2f s CPU, %.1f MB written |\n",
           n, run_wall, run_cpu, (double)run_bytes / 1e6);
    printf("| stopped | %s; %d done, %d pending, %d throttles left |\n",
           rep.stopped ? "yes" : "no", rep.done, rep.pending, rep.throttles_left);
    char *cmd = xasprintf("rm -rf '%s'", root);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", root);
    free(cmd);
    free(jpath);
    free(state);
    free(w.cpu);
    free(w.bytes);
    exec_tasks_free(targets, ntargets);
    fake_destroy(f);
    return 0;
}
