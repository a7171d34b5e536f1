/* The executor's cluster operations on a live cluster: Ballast's admin client (kafka/admin.h)
 * with its per-broker connections, routed to any broker or to the one a request concerns (a
 * connection that failed is replaced by the admin on its next use). See executor/cluster.h. */
#include "executor/cluster.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/alloc.h"
#include "common/clock.h"

struct kcluster {
    struct kafka_admin *admin;
    const char *bootstrap;
    const struct kafka_opts *kopts;
};

#define REQUEST_TIMEOUT_MS 30000

/* A connection to broker `id`, or to any broker when id < 0. */
static int conn(struct kcluster *k, int32_t id, struct kafka_conn **ret, struct error *err)
{
    return id < 0 ? kafka_admin_any(k->admin, ret, err) : kafka_admin_broker(k->admin, id, ret, err);
}

/* Reassignments, their listing and elections go to the controller (ZooKeeper mode needs it;
 * KRaft takes them anywhere). NOT_CONTROLLER (a new controller was elected) is retriable: the
 * broker list, and with it the controller, is described again for the retry. */
static int controller(struct kcluster *k, struct kafka_conn **ret, struct error *err)
{
    return kafka_admin_controller(k->admin, ret, err);
}

static int after_controller_call(struct kcluster *k, int rc, struct error *err)
{
    if (rc < 0 && err && kafka_error_is(err, KAFKA_ERR_NOT_CONTROLLER))
        kafka_admin_refresh(k->admin, NULL);
    return rc;
}

static int k_reassign(void *ctx, const struct kafka_reassignment *r, int n, struct error *err)
{
    struct kcluster *k = ctx;
    struct kafka_conn *c = NULL;
    int rc = controller(k, &c, err);
    if (rc == 0)
        rc = kafka_alter_reassignments(c, r, n, REQUEST_TIMEOUT_MS, err);
    return after_controller_call(k, rc, err);
}

static int k_list(void *ctx, struct kafka_ongoing **ret, int *ret_n, struct error *err)
{
    struct kcluster *k = ctx;
    struct kafka_conn *c = NULL;
    int rc = controller(k, &c, err);
    if (rc == 0)
        rc = kafka_list_reassignments(c, ret, ret_n, err);
    return after_controller_call(k, rc, err);
}

/* Broker resources go to that broker; topic resources to any. */
static int32_t route(int8_t type, const char *resource)
{
    return type == KAFKA_RESOURCE_BROKER ? (int32_t)strtol(resource, NULL, 10) : -1;
}

static int k_describe(void *ctx, int8_t type, const char *resource, const char *const *keys,
                      int nkeys, struct kafka_config_entry **ret, int *ret_n, struct error *err)
{
    struct kcluster *k = ctx;
    struct kafka_conn *c = NULL;
    int rc = conn(k, route(type, resource), &c, err);
    if (rc == 0)
        rc = kafka_describe_configs(c, type, resource, keys, nkeys, ret, ret_n, err);
    return rc;
}

static int k_alter(void *ctx, const struct kafka_config_alter *a, int n, struct error *err)
{
    struct kcluster *k = ctx;
    if (n == 0)
        return 0;
    struct kafka_conn *c = NULL;
    int rc = conn(k, route(a[0].type, a[0].resource), &c, err);
    if (rc == 0)
        rc = kafka_incremental_alter_configs(c, a, n, err);
    return rc;
}

static int k_elect(void *ctx, const char *const *topics, const int32_t *parts, int n,
                   struct error *err)
{
    struct kcluster *k = ctx;
    struct kafka_conn *c = NULL;
    int rc = controller(k, &c, err);
    if (rc == 0)
        rc = kafka_elect_preferred(c, topics, parts, n, REQUEST_TIMEOUT_MS, err);
    return after_controller_call(k, rc, err);
}

static int k_log_dirs(void *ctx, int32_t broker, const struct kafka_log_dir_move *m, int n,
                      struct error *err)
{
    struct kcluster *k = ctx;
    struct kafka_conn *c = NULL;
    int rc = conn(k, broker, &c, err);
    if (rc == 0)
        rc = kafka_alter_replica_log_dirs(c, m, n, err);
    return rc;
}

static int cmp_id(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static int k_live(void *ctx, int32_t **ret, int *ret_n, struct error *err)
{
    struct kcluster *k = ctx;
    int rc = kafka_admin_refresh(k->admin, err);
    if (rc < 0)
        return rc;
    const struct kafka_cluster_info *info = kafka_admin_cluster(k->admin);
    int32_t *ids = xcalloc((size_t)info->nbrokers + 1, sizeof(*ids));
    for (int i = 0; i < info->nbrokers; i++)
        ids[i] = info->brokers[i].id;
    qsort(ids, (size_t)info->nbrokers, sizeof(*ids), cmp_id);
    *ret = ids;
    *ret_n = info->nbrokers;
    return 0;
}

static int k_snapshot(void *ctx, struct model_cluster **ret, struct error *err)
{
    struct kcluster *k = ctx;
    return kafka_snapshot(k->bootstrap, k->kopts, ret, err);
}

static double k_now(void *ctx)
{
    (void)ctx;
    return clock_wall_s();
}

static void k_sleep(void *ctx, double s)
{
    (void)ctx;
    if (s <= 0)
        return;
    struct timespec ts = {(time_t)s, (long)((s - floor(s)) * 1e9)};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ; /* a stop signal is seen at the next check */
}

static void k_destroy(void *ctx)
{
    struct kcluster *k = ctx;
    if (!k)
        return;
    kafka_admin_close(k->admin);
    free(k);
}

static const struct exec_cluster_ops kafka_ops = {
    .reassign = k_reassign,
    .list_reassignments = k_list,
    .describe_configs = k_describe,
    .alter_configs = k_alter,
    .elect_preferred = k_elect,
    .alter_log_dirs = k_log_dirs,
    .live_brokers = k_live,
    .snapshot = k_snapshot,
    .now = k_now,
    .sleep = k_sleep,
    .destroy = k_destroy,
};

int exec_cluster_kafka_open(const char *bootstrap, const struct kafka_opts *opts,
                            struct exec_cluster **ret, struct error *err)
{
    struct kcluster *k = xcalloc(1, sizeof(*k));
    k->bootstrap = bootstrap;
    k->kopts = opts;
    int rc = kafka_admin_open(bootstrap, opts, &k->admin, err);
    if (rc < 0) {
        k_destroy(k);
        return rc;
    }
    struct exec_cluster *c = xcalloc(1, sizeof(*c));
    c->ops = &kafka_ops;
    c->ctx = k;
    *ret = c;
    return 0;
}

void exec_cluster_destroy(struct exec_cluster *c)
{
    if (!c)
        return;
    c->ops->destroy(c->ctx);
    free(c);
}
