/* A small HTTP/1.1 load generator for `ballast serve` benchmarks (docs/api.md figures): C
 * threads, each with one keep-alive connection to 127.0.0.1:PORT, send N requests in all
 * from a mix, check that every answer has a known status and a JSON (or metrics text) body,
 * and print per-kind latency percentiles as JSON. Stops by itself after N requests.
 *
 *   loadgen PORT REQUESTS CONCURRENCY MIX     MIX: state | dryrun | goals | mixed
 *
 * Exit 1 on a malformed answer or a failed connection. Plain HTTP only (no TLS, no auth). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum kind { K_STATE, K_DRYRUN, K_GOALS, K_TASKS, K_LOAD, K_NKINDS };
static const char *const kind_names[K_NKINDS] = {"state", "dryrun_default", "dryrun_goals",
                                                 "tasks", "load"};

struct shared {
    int port;
    long total;
    const char *mix;
    atomic_long next;
    atomic_long bad;
    pthread_mutex_t lock;
    double *lat[K_NKINDS];
    long nlat[K_NKINDS];
    long codes[K_NKINDS][6]; /* 200, 202, 4xx, 429, 5xx, other */
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static enum kind pick(const char *mix, long i)
{
    if (!strcmp(mix, "state"))
        return K_STATE;
    if (!strcmp(mix, "dryrun"))
        return K_DRYRUN;
    if (!strcmp(mix, "goals"))
        return K_GOALS;
    static const enum kind cycle[20] = {K_STATE, K_DRYRUN, K_STATE, K_TASKS, K_STATE,
                                        K_DRYRUN, K_LOAD,  K_STATE, K_DRYRUN, K_STATE,
                                        K_GOALS, K_STATE,  K_DRYRUN, K_STATE, K_LOAD,
                                        K_STATE, K_DRYRUN, K_STATE, K_TASKS, K_DRYRUN};
    return cycle[(i * 7) % 20];
}

/* One request/answer on fd; returns the status, or -1 when the connection failed. The body
 * must start with '{' (JSON). */
static int exchange(int fd, enum kind k, char **buf, size_t *cap)
{
    static const char body_goals[] =
        "{\"goals\":[\"RackAwareGoal\",\"ReplicaDistributionGoal\"],\"skipHardGoalCheck\":true}";
    char req[512];
    int n;
    switch (k) {
    case K_STATE: n = snprintf(req, sizeof(req), "GET /api/v1/state HTTP/1.1\r\nHost: x\r\n\r\n"); break;
    case K_TASKS: n = snprintf(req, sizeof(req), "GET /api/v1/tasks HTTP/1.1\r\nHost: x\r\n\r\n"); break;
    case K_LOAD: n = snprintf(req, sizeof(req), "GET /api/v1/load HTTP/1.1\r\nHost: x\r\n\r\n"); break;
    case K_DRYRUN:
        n = snprintf(req, sizeof(req), "POST /api/v1/rebalance HTTP/1.1\r\nHost: x\r\n"
                     "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
        break;
    default:
        n = snprintf(req, sizeof(req), "POST /api/v1/rebalance HTTP/1.1\r\nHost: x\r\n"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                     strlen(body_goals), body_goals);
        break;
    }
    if (write(fd, req, (size_t)n) != n)
        return -1;
    size_t len = 0;
    long body_len = -1;
    size_t head = 0;
    for (;;) {
        if (len + 65536 > *cap) {
            *cap = (*cap + 65536) * 2;
            *buf = realloc(*buf, *cap);
        }
        ssize_t r = read(fd, *buf + len, *cap - len - 1);
        if (r <= 0)
            return -1;
        len += (size_t)r;
        (*buf)[len] = '\0';
        if (!head) {
            char *e = strstr(*buf, "\r\n\r\n");
            if (!e)
                continue;
            head = (size_t)(e - *buf) + 4;
            char *cl = strcasestr(*buf, "Content-Length:");
            if (!cl || cl > e)
                return -2;
            body_len = strtol(cl + 15, NULL, 10);
        }
        if (head && len >= head + (size_t)body_len)
            break;
    }
    int status = atoi(*buf + 9);
    if ((*buf)[head] != '{')
        return -2;
    return status;
}

static void *worker(void *arg)
{
    struct shared *s = arg;
    int fd = connect_to(s->port);
    char *buf = NULL;
    size_t cap = 0;
    for (;;) {
        long i = atomic_fetch_add(&s->next, 1);
        if (i >= s->total)
            break;
        enum kind k = pick(s->mix, i);
        double t0 = now_ms();
        int st = fd >= 0 ? exchange(fd, k, &buf, &cap) : -1;
        if (st == -1) { /* reconnect once */
            if (fd >= 0)
                close(fd);
            fd = connect_to(s->port);
            st = fd >= 0 ? exchange(fd, k, &buf, &cap) : -1;
        }
        double ms = now_ms() - t0;
        int c = st == 200 ? 0 : st == 202 ? 1 : st == 429 ? 3 : st >= 400 && st < 500 ? 2
                : st >= 500 ? 4 : 5;
        if (st < 0 || (k != K_GOALS && st != 200 && st != 202) ||
            (k == K_GOALS && st != 200 && st != 202 && st != 429))
            atomic_fetch_add(&s->bad, 1);
        pthread_mutex_lock(&s->lock);
        s->lat[k][s->nlat[k]++] = ms;
        s->codes[k][c]++;
        pthread_mutex_unlock(&s->lock);
    }
    if (fd >= 0)
        close(fd);
    free(buf);
    return NULL;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: loadgen PORT REQUESTS CONCURRENCY state|dryrun|goals|mixed\n");
        return 2;
    }
    struct shared s = {.port = atoi(argv[1]), .total = atol(argv[2]), .mix = argv[4]};
    int conc = atoi(argv[3]);
    pthread_mutex_init(&s.lock, NULL);
    for (int k = 0; k < K_NKINDS; k++)
        s.lat[k] = calloc((size_t)s.total, sizeof(double));
    pthread_t *t = calloc((size_t)conc, sizeof(pthread_t));
    double t0 = now_ms();
    for (int i = 0; i < conc; i++)
        pthread_create(&t[i], NULL, worker, &s);
    for (int i = 0; i < conc; i++)
        pthread_join(t[i], NULL);
    double took = now_ms() - t0;
    printf("{\"requests\": %ld, \"concurrency\": %d, \"seconds\": %.2f, \"bad\": %ld",
           s.total, conc, took / 1000, atomic_load(&s.bad));
    for (int k = 0; k < K_NKINDS; k++) {
        long n = s.nlat[k];
        if (!n)
            continue;
        qsort(s.lat[k], (size_t)n, sizeof(double), cmp);
        printf(",\n \"%s\": {\"n\": %ld, \"p50_ms\": %.2f, \"p99_ms\": %.2f, \"max_ms\": %.2f, "
               "\"200\": %ld, \"202\": %ld, \"4xx\": %ld, \"429\": %ld, \"5xx\": %ld}",
               kind_names[k], n, s.lat[k][n / 2], s.lat[k][(long)((double)n * 0.99)],
               s.lat[k][n - 1], s.codes[k][0], s.codes[k][1], s.codes[k][2], s.codes[k][3],
               s.codes[k][4]);
    }
    printf("}\n");
    return atomic_load(&s.bad) ? 1 : 0;
}
