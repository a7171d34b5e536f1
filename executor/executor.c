/* The executor's phases, throttles, stop and resume; see executor.h. The journal's format is
 * in executor/journal.c. */
#include "executor/executor.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/log.h"
#include "executor/journal.h"
#include "kafka/admin.h"

static volatile sig_atomic_t stop_flag;

void exec_request_stop(void)
{
    stop_flag = 1;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - floor(s)) * 1e9)};
    nanosleep(&ts, NULL);
}

void exec_options_default(struct exec_options *o)
{
    memset(o, 0, sizeof(*o));
    o->per_broker = 5;
    o->intra_per_broker = 2;
    o->leader_batch = 1000;
    o->cluster_cap = 1250;
    o->poll_s = 1.0;
}

/* ---- strategies ---- */

enum strategy { ST_LARGE, ST_SMALL, ST_POSTPONE_URP, ST_BASE };
static const char *const strategy_names[] = {
    "PrioritizeLargeReplicaMovementStrategy", "PrioritizeSmallReplicaMovementStrategy",
    "PostponeUrpReplicaMovementStrategy", "BaseReplicaMovementStrategy"};
/* How long metadata may lag the controller before a mismatch counts as a failure. */
#define METADATA_SETTLE_S 15.0
#define STRATEGY_PREFIX "com.linkedin.kafka.cruisecontrol.executor.strategy."

static int strategy_of(const char *name)
{
    if (strncmp(name, STRATEGY_PREFIX, strlen(STRATEGY_PREFIX)) == 0)
        name += strlen(STRATEGY_PREFIX);
    for (int i = 0; i < 4; i++)
        if (strcmp(name, strategy_names[i]) == 0)
            return i;
    return -1;
}

static int parse_strategies(const char *list, int *out, int *ret_n, struct error *err)
{
    int n = 0;
    if (list && *list) {
        char *copy = xstrdup(list);
        for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok;
             tok = strtok_r(NULL, ",", &save)) {
            while (*tok == ' ')
                tok++;
            int s = strategy_of(tok);
            if (s < 0) {
                int rc = error_set(err, -EINVAL, "unknown replica movement strategy '%s' (%s, %s, "
                                   "%s, %s)", tok, strategy_names[0], strategy_names[1],
                                   strategy_names[2], strategy_names[3]);
                free(copy);
                return rc;
            }
            if (n < 8)
                out[n++] = s;
        }
        free(copy);
    }
    out[n++] = ST_BASE; /* the tie-break */
    *ret_n = n;
    return 0;
}

int exec_strategies_check(const char *list, struct error *err)
{
    int s[9], n;
    return parse_strategies(list, s, &n, err);
}

static int g_strategies[9], g_nstrategies;

static int task_cmp(const void *pa, const void *pb)
{
    const struct exec_task *a = *(const struct exec_task *const *)pa;
    const struct exec_task *b = *(const struct exec_task *const *)pb;
    for (int i = 0; i < g_nstrategies; i++) {
        switch (g_strategies[i]) {
        case ST_LARGE:
            if (a->size != b->size)
                return a->size > b->size ? -1 : 1;
            break;
        case ST_SMALL:
            if (a->size != b->size)
                return a->size < b->size ? -1 : 1;
            break;
        case ST_POSTPONE_URP:
            if (a->urp != b->urp)
                return a->urp ? 1 : -1;
            break;
        default:
            if (a->order != b->order)
                return a->order < b->order ? -1 : 1;
        }
    }
    return 0;
}

/* ---- the execution ---- */

struct exec {
    struct exec_journal j;
    const struct exec_options *o;
    struct kafka_admin *admin;
    const char *bootstrap;
    const struct kafka_opts *kopts;
    int lock_fd;
    double t0, last_save, last_progress;
    int64_t bytes_done_at_start;
    bool stopping;
    struct kafka_ongoing *ongoing; /* the last list of reassignments in progress (all tools) */
    int nongoing;
    struct kafka_ongoing *foreign; /* those of ongoing that are not Ballast's in-flight moves */
    int nforeign;
};

/* Keeps o (heap) as the current list of reassignments in progress. */
static const struct kafka_ongoing *find_ongoing(const struct kafka_ongoing *o, int n,
                                                const struct exec_task *t);

/* Keeps o (heap) as the current list of reassignments in progress, and apart from it the
 * other tools' ones: a pending task waits while its partition is among those, and the check
 * runs for every pending task at every poll, so it goes over the (usually empty) short list. */
static void set_ongoing(struct exec *x, struct kafka_ongoing *o, int n)
{
    free(x->ongoing);
    free(x->foreign);
    x->ongoing = o;
    x->nongoing = n;
    x->foreign = xcalloc((size_t)n + 1, sizeof(*x->foreign));
    x->nforeign = 0;
    struct exec_task **mine = xcalloc((size_t)x->j.ntasks + 1, sizeof(*mine));
    int nmine = 0;
    for (int i = 0; i < x->j.ntasks; i++)
        if (x->j.tasks[i].state == EXEC_INFLIGHT)
            mine[nmine++] = &x->j.tasks[i];
    for (int k = 0; k < n; k++) {
        bool ours = false;
        for (int i = 0; i < nmine && !ours; i++)
            ours = find_ongoing(&o[k], 1, mine[i]) != NULL;
        if (!ours)
            x->foreign[x->nforeign++] = o[k];
    }
    free(mine);
}

static void save(struct exec *x, bool force)
{
    double t = now_s();
    if (!force && t - x->last_save < 1.0)
        return;
    struct error err = {0};
    if (exec_journal_save(&x->j, &err) < 0)
        log_error("%s", err.msg);
    x->last_save = t;
}

static void current_replicas(const struct model_cluster *c, int32_t p, int32_t *out, int *ret_n)
{
    const struct model_partition *mp = &c->partitions[p];
    for (int i = 0; i < mp->rf; i++)
        out[i] = c->brokers[model_replicas_of(c, p)[i].broker].id;
    *ret_n = mp->rf;
}

static const char *replica_dir(const struct model_cluster *c, int32_t p, int32_t broker_id)
{
    for (int i = 0; i < c->partitions[p].rf; i++) {
        const struct model_replica *r = &model_replicas_of(c, p)[i];
        if (c->brokers[r->broker].id == broker_id && r->dir >= 0)
            return c->disks[c->brokers[r->broker].first_disk + r->dir].path;
    }
    return NULL;
}

static int snapshot(struct exec *x, struct model_cluster **ret, struct error *err)
{
    int rc = 0;
    for (int attempt = 0; attempt < 5; attempt++) {
        rc = kafka_snapshot(x->bootstrap, x->kopts, ret, err);
        if (rc == 0 || !kafka_retriable(rc))
            return rc;
        sleep_s(1.0);
    }
    return rc;
}

/* Marks t failed with the message prefix + detail, and logs it. */
static void fail_task(struct exec_task *t, const char *prefix, const char *detail)
{
    t->state = EXEC_FAILED;
    free(t->error);
    t->error = xasprintf("%s%s", prefix, detail);
    log_error("%s-%d: %s", t->topic, t->partition, t->error);
}

/* Fills in the tasks of a new execution from the plan's targets and the cluster's state. */
static int build_tasks(struct exec *x, const struct exec_task *targets, int ntargets,
                       const struct kafka_ongoing *ongoing, int nongoing, struct error *err)
{
    struct model_cluster *c = NULL;
    int rc = snapshot(x, &c, err);
    if (rc < 0)
        return rc;
    struct exec_task *out = xcalloc((size_t)ntargets * 2 + 1, sizeof(*out));
    int n = 0;
    for (int i = 0; i < ntargets && rc == 0; i++) {
        const struct exec_task *tg = &targets[i];
        int32_t p = model_partition_find(c, tg->topic, tg->partition);
        if (p < 0) {
            rc = error_set(err, -ENOENT, "plan: %s-%d is not in the cluster", tg->topic,
                           tg->partition);
            break;
        }
        for (int k = 0; k < tg->nto; k++)
            if (model_broker_find(c, tg->to[k]) < 0) {
                rc = error_set(err, -ENOENT, "plan: %s-%d: broker %d is not in the cluster",
                               tg->topic, tg->partition, tg->to[k]);
                break;
            }
        if (rc < 0)
            break;
        int32_t from[MODEL_MAX_RF];
        int nfrom;
        current_replicas(c, p, from, &nfrom);
        bool foreign = false;
        for (int k = 0; k < nongoing; k++)
            foreign |= ongoing[k].partition == tg->partition && strcmp(ongoing[k].topic, tg->topic) == 0;
        int64_t size = 0;
        for (int k = 0; k < c->partitions[p].rf; k++)
            if (model_replicas_of(c, p)[k].size > size)
                size = model_replicas_of(c, p)[k].size;
        bool same_set = nfrom == tg->nto;
        for (int k = 0; k < tg->nto && same_set; k++)
            same_set = model_id_in(from, nfrom, tg->to[k]);
        bool same_order = same_set && memcmp(from, tg->to, (size_t)nfrom * sizeof(*from)) == 0;
        int32_t leader = model_partition_leader(c, p);
        int32_t leader_id = leader >= 0 ? c->brokers[leader].id : -1;
        struct exec_task base = *tg;
        base.topic = tg->topic;
        memcpy(base.from, from, sizeof(from));
        base.nfrom = nfrom;
        base.size = size;
        base.urp = __builtin_popcount(c->partitions[p].isr) < c->partitions[p].rf;
        enum exec_type types[3];
        int nt = 0;
        if (tg->type == EXEC_INTER) {
            if (!same_set)
                types[nt++] = EXEC_INTER;
            else if (!same_order)
                types[nt++] = EXEC_REORDER;
            if (leader_id != tg->to[0])
                types[nt++] = EXEC_LEADER;
        } else {
            const char *d = replica_dir(c, p, tg->broker);
            if (!d || strcmp(d, tg->dir) != 0)
                types[nt++] = EXEC_INTRA;
        }
        for (int k = 0; k < nt; k++) {
            struct exec_task *t = &out[n++];
            *t = base;
            t->type = types[k];
            t->topic = xstrdup(tg->topic);
            t->dir = tg->dir ? xstrdup(tg->dir) : NULL;
            t->throttled_leaders = t->throttled_followers = t->error = NULL;
            t->state = EXEC_PENDING;
            t->bytes = 0;
            if (t->type == EXEC_INTER)
                for (int q = 0; q < t->nto; q++)
                    t->bytes += model_id_in(from, nfrom, t->to[q]) ? 0 : size;
            if (t->type == EXEC_INTRA)
                t->bytes = size;
            if (t->type == EXEC_LEADER)
                t->broker = t->to[0];
            if (foreign && x->o->foreign == EXEC_FOREIGN_SKIP) {
                t->state = EXEC_SKIPPED;
                t->error = xstrdup("another tool's reassignment of this partition is in progress; "
                                   "left alone (--foreign wait or cancel to move it)");
            }
        }
    }
    model_cluster_destroy(c);
    if (rc < 0) {
        exec_tasks_free(out, n);
        return rc;
    }
    x->j.tasks = out;
    x->j.ntasks = n;
    return 0;
}

/* ---- throttles ---- */

static const char *const RATE_KEYS[] = {"leader.replication.throttled.rate",
                                        "follower.replication.throttled.rate"};
static const char *const LOGDIR_KEY = "replica.alter.log.dirs.io.max.bytes.per.second";
/* The topic configs that list throttled partition:broker pairs, leaders then followers. */
static const char *const REPLICA_LIST_KEYS[2] = {"leader.replication.throttled.replicas",
                                                 "follower.replication.throttled.replicas"};

/* The broker configs of a replication throttle (two) or of a log-dir throttle (one). */
static int throttle_keys(bool logdir, const char *keys[2])
{
    if (logdir) {
        keys[0] = LOGDIR_KEY;
        return 1;
    }
    keys[0] = RATE_KEYS[0];
    keys[1] = RATE_KEYS[1];
    return 2;
}

/* Sets (value) or deletes (value NULL) the throttle configs of broker id through bc. */
static int alter_broker_throttle(struct exec *x, struct kafka_conn *bc, int32_t id, bool logdir,
                                 const char *value, struct error *err)
{
    const char *keys[2];
    int nkeys = throttle_keys(logdir, keys);
    char idbuf[16];
    snprintf(idbuf, sizeof(idbuf), "%d", id);
    struct kafka_config_alter a[2];
    for (int i = 0; i < nkeys; i++)
        a[i] = (struct kafka_config_alter){KAFKA_RESOURCE_BROKER, idbuf, keys[i],
                                           value ? KAFKA_CONFIG_SET : KAFKA_CONFIG_DELETE, value};
    return kafka_incremental_alter_configs(bc, a, nkeys, err);
}

/* Sets Ballast's rate on broker id (through its connection bc). */
static int set_broker_rate(struct exec *x, struct kafka_conn *bc, int32_t id, bool logdir,
                           struct error *err)
{
    char val[32];
    snprintf(val, sizeof(val), "%.0f", logdir ? x->o->log_dir_throttle : x->o->throttle);
    int rc = alter_broker_throttle(x, bc, id, logdir, val, err);
    if (rc < 0)
        error_prefix(err, "throttling broker %d", id);
    return rc;
}

/* Claims broker id for Ballast's throttle unless someone else's dynamic rate is there (then
 * records the broker as foreign and leaves it). A claimed broker goes into `own` and into
 * *claimed; its rate is set by the caller once the journal names it (one journal write for a
 * whole batch of brokers). */
static int claim_broker(struct exec *x, int32_t id, bool logdir, struct exec_id_set *claimed,
                        struct error *err)
{
    struct exec_id_set *own = logdir ? &x->j.logdir_owned : &x->j.rate_owned;
    struct exec_id_set *foreign = logdir ? &x->j.logdir_foreign : &x->j.rate_foreign;
    double rate = logdir ? x->o->log_dir_throttle : x->o->throttle;
    if (rate <= 0 || exec_ids_has(own, id) || exec_ids_has(foreign, id))
        return 0;
    struct kafka_conn *bc = NULL;
    int rc = kafka_admin_broker(x->admin, id, &bc, err);
    if (rc < 0)
        return rc;
    const char *keys[2];
    int nkeys = throttle_keys(logdir, keys);
    struct kafka_config_entry *e = NULL;
    int ne = 0;
    char idbuf[16];
    snprintf(idbuf, sizeof(idbuf), "%d", id);
    if ((rc = kafka_describe_configs(bc, KAFKA_RESOURCE_BROKER, idbuf, keys, nkeys, &e, &ne,
                                     err)) < 0) {
        return rc;
    }
    bool theirs = false;
    for (int i = 0; i < ne; i++)
        theirs |= e[i].source == KAFKA_CONFIG_DYNAMIC_BROKER && e[i].value;
    kafka_config_entries_free(e, ne);
    if (theirs) {
        exec_ids_add(foreign, id);
        log_warn("broker %d already has a %s throttle that Ballast did not set: left as it is",
                 id, logdir ? "log-dir" : "replication");
        return 0;
    }
    exec_ids_add(own, id);
    exec_ids_add(claimed, id);
    return 0;
}

static int unthrottle_broker(struct exec *x, int32_t id, bool logdir, struct error *err)
{
    struct kafka_conn *bc = NULL;
    int rc = kafka_admin_broker(x->admin, id, &bc, err);
    if (rc == -ENOENT) { /* the broker left the cluster: nothing to remove */
        exec_ids_del(logdir ? &x->j.logdir_owned : &x->j.rate_owned, id);
        return 0;
    }
    if (rc < 0)
        return rc;
    if ((rc = alter_broker_throttle(x, bc, id, logdir, NULL, err)) < 0)
        return rc;
    exec_ids_del(logdir ? &x->j.logdir_owned : &x->j.rate_owned, id);
    return 0;
}

/* Does any entry of the comma list `have` equal `entry`? "*" holds every entry. */
static bool list_has(const char *have, const char *entry)
{
    if (!have)
        return false;
    if (strcmp(have, "*") == 0)
        return true;
    size_t n = strlen(entry);
    for (const char *p = have; *p;) {
        while (*p == ' ')
            p++;
        const char *q = strchr(p, ',');
        size_t len = q ? (size_t)(q - p) : strlen(p);
        while (len && p[len - 1] == ' ')
            len--;
        if (len == n && strncmp(p, entry, n) == 0)
            return true;
        if (!q)
            break;
        p = q + 1;
    }
    return false;
}

static void append_entry(char **list, const char *entry)
{
    char *s = *list ? xasprintf("%s,%s", *list, entry) : xstrdup(entry);
    free(*list);
    *list = s;
}

/* The pairs the tasks ts[0..n) hold, joined per list (leaders, followers); NULL where none. */
static void task_entries(struct exec_task **ts, int n, char *ret[2])
{
    ret[0] = ret[1] = NULL;
    for (int i = 0; i < n; i++) {
        if (ts[i]->throttled_leaders)
            append_entry(&ret[0], ts[i]->throttled_leaders);
        if (ts[i]->throttled_followers)
            append_entry(&ret[1], ts[i]->throttled_followers);
    }
}

/* Chooses the partition:broker pairs to throttle for the inter-broker tasks ts[0..n) (one
 * topic): leaders on the current replicas, followers on the new ones, skipping pairs already
 * listed (someone else's). Recorded in the tasks; append_topic_entries sends them. */
static int claim_topic_entries(struct exec *x, struct exec_task **ts, int n, struct error *err)
{
    if (x->o->throttle <= 0 || n == 0)
        return 0;
    struct kafka_conn *c = NULL;
    int rc = kafka_admin_any(x->admin, &c, err);
    if (rc < 0)
        return rc;
    const char *const *keys = REPLICA_LIST_KEYS;
    struct kafka_config_entry *e = NULL;
    int ne = 0;
    if ((rc = kafka_describe_configs(c, KAFKA_RESOURCE_TOPIC, ts[0]->topic, keys, 2, &e, &ne,
                                     err)) < 0) {
        return rc;
    }
    const struct kafka_config_entry *le = kafka_config_find(e, ne, keys[0]);
    const struct kafka_config_entry *fe = kafka_config_find(e, ne, keys[1]);
    const char *lhave = le && le->source == KAFKA_CONFIG_DYNAMIC_TOPIC ? le->value : NULL;
    const char *fhave = fe && fe->source == KAFKA_CONFIG_DYNAMIC_TOPIC ? fe->value : NULL;
    for (int i = 0; i < n; i++) {
        struct exec_task *t = ts[i];
        char entry[32];
        for (int k = 0; k < t->nfrom; k++) {
            snprintf(entry, sizeof(entry), "%d:%d", t->partition, t->from[k]);
            if (!list_has(lhave, entry) && !list_has(t->throttled_leaders, entry))
                append_entry(&t->throttled_leaders, entry);
        }
        for (int k = 0; k < t->nto; k++) {
            if (model_id_in(t->from, t->nfrom, t->to[k]))
                continue;
            snprintf(entry, sizeof(entry), "%d:%d", t->partition, t->to[k]);
            if (!list_has(fhave, entry) && !list_has(t->throttled_followers, entry))
                append_entry(&t->throttled_followers, entry);
        }
    }
    kafka_config_entries_free(e, ne);
    return 0;
}

/* Appends the throttled pairs claim_topic_entries chose for the tasks ts[0..n) (one topic);
 * called once the journal names them. */
static int append_topic_entries(struct exec *x, struct exec_task **ts, int n, struct error *err)
{
    char *ours[2];
    task_entries(ts, n, ours);
    struct kafka_config_alter a[2];
    int na = 0;
    for (int k = 0; k < 2; k++)
        if (ours[k])
            a[na++] = (struct kafka_config_alter){KAFKA_RESOURCE_TOPIC, ts[0]->topic,
                                                  REPLICA_LIST_KEYS[k], KAFKA_CONFIG_APPEND, ours[k]};
    struct kafka_conn *c = NULL;
    int rc = na ? kafka_admin_any(x->admin, &c, err) : 0;
    if (rc == 0 && na)
        rc = kafka_incremental_alter_configs(c, a, na, err);
    free(ours[0]);
    free(ours[1]);
    return rc;
}

/* Removes the throttled pairs of the tasks ts[0..n) (one topic) that Ballast added. */
static int unthrottle_topic(struct exec *x, struct exec_task **ts, int n, struct error *err)
{
    char *ours[2];
    task_entries(ts, n, ours);
    if (!ours[0] && !ours[1])
        return 0;
    /* Another task of this topic still holding entries keeps the lists: only a SUBTRACT. */
    bool others = false;
    for (int i = 0; i < x->j.ntasks && !others; i++) {
        const struct exec_task *t = &x->j.tasks[i];
        bool mine = false;
        for (int k = 0; k < n && !mine; k++)
            mine = ts[k] == t;
        others = !mine && (t->throttled_leaders || t->throttled_followers) &&
                 strcmp(t->topic, ts[0]->topic) == 0;
    }
    const char *const *keys = REPLICA_LIST_KEYS;
    struct kafka_conn *c = NULL;
    int rc = kafka_admin_any(x->admin, &c, err);
    struct kafka_config_entry *e = NULL;
    int ne = 0;
    if (rc == 0)
        rc = kafka_describe_configs(c, KAFKA_RESOURCE_TOPIC, ts[0]->topic, keys, 2, &e, &ne, err);
    if (rc == 0) {
        struct kafka_config_alter a[2];
        int na = 0;
        for (int k = 0; k < 2; k++) {
            if (!ours[k])
                continue;
            /* a list holding nothing but Ballast's entries goes whole: no empty config lingers */
            const struct kafka_config_entry *f = kafka_config_find(e, ne, keys[k]);
            const char *have = f && f->source == KAFKA_CONFIG_DYNAMIC_TOPIC ? f->value : NULL;
            bool only_ours = !others && have && strcmp(have, "*") != 0;
            for (const char *p = have; only_ours && p && *p;) {
                const char *q = strchr(p, ',');
                size_t len = q ? (size_t)(q - p) : strlen(p);
                char entry[64];
                snprintf(entry, sizeof(entry), "%.*s", (int)(len < 63 ? len : 63), p);
                only_ours = list_has(ours[k], entry);
                p = q ? q + 1 : NULL;
            }
            a[na++] = (struct kafka_config_alter){KAFKA_RESOURCE_TOPIC, ts[0]->topic, keys[k],
                                                  only_ours ? KAFKA_CONFIG_DELETE : KAFKA_CONFIG_SUBTRACT,
                                                  ours[k]};
        }
        rc = kafka_incremental_alter_configs(c, a, na, err);
    }
    kafka_config_entries_free(e, ne);
    if (rc < 0 && kafka_error_is(err, KAFKA_ERR_UNKNOWN_TOPIC_OR_PARTITION))
        rc = 0; /* the topic is gone, and its configs with it */
    if (rc == 0)
        for (int i = 0; i < n; i++) {
            free(ts[i]->throttled_leaders);
            free(ts[i]->throttled_followers);
            ts[i]->throttled_leaders = ts[i]->throttled_followers = NULL;
        }
    free(ours[0]);
    free(ours[1]);
    return rc;
}

static int by_topic(const void *pa, const void *pb)
{
    const struct exec_task *a = *(const struct exec_task *const *)pa;
    const struct exec_task *b = *(const struct exec_task *const *)pb;
    int c = strcmp(a->topic, b->topic);
    return c ? c : (a->partition > b->partition) - (a->partition < b->partition);
}

/* Applies fn to the tasks ts[0..n) one topic at a time; returns the first error. */
static int per_topic(struct exec *x, struct exec_task **ts, int n,
                     int (*fn)(struct exec *, struct exec_task **, int, struct error *),
                     struct error *err)
{
    qsort(ts, (size_t)n, sizeof(*ts), by_topic);
    int first = 0;
    for (int i = 0; i < n;) {
        int j = i;
        while (j < n && strcmp(ts[j]->topic, ts[i]->topic) == 0)
            j++;
        struct error e2 = {0};
        int rc = fn(x, ts + i, j - i, &e2);
        if (rc < 0 && first == 0) {
            first = rc;
            *err = e2;
        }
        i = j;
    }
    return first;
}

/* Removes Ballast's throttles that nothing in flight needs any more: the pairs of tasks no
 * longer in flight, and the rates of brokers without a move in flight. */
static int release_throttles(struct exec *x, bool all, struct error *err)
{
    struct exec_task **ts = xcalloc((size_t)x->j.ntasks + 1, sizeof(*ts));
    int n = 0, rc = 0;
    for (int i = 0; i < x->j.ntasks; i++) {
        struct exec_task *t = &x->j.tasks[i];
        if ((all || t->state != EXEC_INFLIGHT) && (t->throttled_leaders || t->throttled_followers))
            ts[n++] = t;
    }
    if (n)
        rc = per_topic(x, ts, n, unthrottle_topic, err);
    free(ts);
    for (int logdir = 0; logdir < 2; logdir++) {
        struct exec_id_set *own = logdir ? &x->j.logdir_owned : &x->j.rate_owned;
        for (int k = own->n - 1; k >= 0; k--) {
            int32_t id = own->ids[k];
            bool busy = false;
            for (int i = 0; i < x->j.ntasks && !all && !busy; i++) {
                const struct exec_task *t = &x->j.tasks[i];
                if (t->state != EXEC_INFLIGHT)
                    continue;
                busy = logdir ? (t->type == EXEC_INTRA && t->broker == id)
                              : (t->type == EXEC_INTER && (model_id_in(t->from, t->nfrom, id) ||
                                                           model_id_in(t->to, t->nto, id)));
            }
            if (busy)
                continue;
            struct error e2 = {0};
            int r2 = unthrottle_broker(x, id, logdir, &e2);
            if (r2 < 0 && rc == 0) {
                rc = r2;
                *err = e2;
                error_prefix(err, "removing the throttle of broker %d", id);
            }
        }
    }
    save(x, true);
    return rc;
}

static int count_throttles(const struct exec *x)
{
    int n = x->j.rate_owned.n + x->j.logdir_owned.n;
    for (int i = 0; i < x->j.ntasks; i++)
        n += (x->j.tasks[i].throttled_leaders != NULL) + (x->j.tasks[i].throttled_followers != NULL);
    return n;
}

/* ---- progress ---- */

static void progress(struct exec *x, const char *phase, bool force)
{
    if (!x->o->progress)
        return;
    double t = now_s();
    if (!force && t - x->last_progress < (x->o->tty ? 0.2 : 5.0))
        return;
    x->last_progress = t;
    int done = 0, inflight = 0, pending = 0, failed = 0;
    int64_t bytes = 0, total = 0;
    for (int i = 0; i < x->j.ntasks; i++) {
        const struct exec_task *tk = &x->j.tasks[i];
        total += tk->bytes;
        if (tk->state == EXEC_DONE) {
            done++;
            bytes += tk->bytes;
        }
        inflight += tk->state == EXEC_INFLIGHT;
        pending += tk->state == EXEC_PENDING;
        failed += tk->state == EXEC_FAILED;
    }
    double el = t - x->t0;
    double rate = el > 0 ? (double)(bytes - x->bytes_done_at_start) / el : 0;
    char eta[32] = "?";
    if (rate > 0)
        snprintf(eta, sizeof(eta), "%.0f s", (double)(total - bytes) / rate);
    else if (bytes == total)
        snprintf(eta, sizeof(eta), "0 s");
    if (x->o->tty) {
        char bar[31];
        int fill = total > 0 ? (int)(30.0 * (double)bytes / (double)total) : 30 * (pending == 0);
        for (int i = 0; i < 30; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[30] = '\0';
        fprintf(x->o->progress, "\r%-10s [%s] %d/%d done, %d in flight, %.1f/%.1f MB, ETA %s   ",
                phase, bar, done, x->j.ntasks, inflight, (double)bytes / 1e6,
                (double)total / 1e6, eta);
    } else {
        fprintf(x->o->progress, "%s: %d/%d done, %d in flight, %d pending, %d failed, "
                "%.1f/%.1f MB, %.1f MB/s, ETA %s\n", phase, done, x->j.ntasks, inflight, pending,
                failed, (double)bytes / 1e6, (double)total / 1e6, rate / 1e6, eta);
    }
    fflush(x->o->progress);
}

/* ---- stop ---- */

static bool stop_requested(struct exec *x)
{
    if (stop_flag)
        return true;
    char *path = xasprintf("%s/stop", x->j.dir);
    bool s = access(path, F_OK) == 0;
    free(path);
    return s;
}

/* Cancels the in-flight reassignments of tasks (they go back to pending). */
static int cancel_inflight(struct exec *x, struct error *err)
{
    struct kafka_reassignment *r = xcalloc((size_t)x->j.ntasks + 1, sizeof(*r));
    int n = 0;
    for (int i = 0; i < x->j.ntasks; i++) {
        struct exec_task *t = &x->j.tasks[i];
        if (t->state == EXEC_INFLIGHT && (t->type == EXEC_INTER || t->type == EXEC_REORDER))
            r[n++] = (struct kafka_reassignment){t->topic, t->partition, NULL, 0};
    }
    int rc = 0;
    if (n) {
        struct kafka_conn *c = NULL;
        for (int attempt = 0; attempt < 5; attempt++) {
            if ((rc = kafka_admin_any(x->admin, &c, err)) == 0 &&
                (rc = kafka_alter_reassignments(c, r, n, 30000, err)) == 0)
                break;
            /* a partition that finished meanwhile has nothing to cancel */
            if (rc < 0 && kafka_error_is(err, KAFKA_ERR_NO_REASSIGNMENT_IN_PROGRESS)) {
                rc = 0;
                break;
            }
            if (!kafka_retriable(rc))
                break;
            sleep_s(1.0);
        }
    }
    free(r);
    if (rc < 0)
        return rc;
    for (int i = 0; i < x->j.ntasks; i++)
        if (x->j.tasks[i].state == EXEC_INFLIGHT)
            x->j.tasks[i].state = EXEC_PENDING;
    return 0;
}

/* ---- phase 1: inter-broker moves ---- */

/* The ongoing reassignments, retried for a while when the cluster does not answer. */
static int list_ongoing(struct exec *x, struct kafka_ongoing **ret, int *ret_n, struct error *err)
{
    int rc = 0;
    for (int attempt = 0; attempt < 30; attempt++) {
        struct kafka_conn *c = NULL;
        if ((rc = kafka_admin_any(x->admin, &c, err)) == 0 &&
            (rc = kafka_list_reassignments(c, ret, ret_n, err)) == 0)
            return 0;
        if (!kafka_retriable(rc) && rc != -EPROTO)
            return rc;
        log_warn("listing reassignments: %s (retrying)", err->msg);
        sleep_s(x->o->poll_s);
    }
    return rc;
}

static const struct kafka_ongoing *find_ongoing(const struct kafka_ongoing *o, int n,
                                                const struct exec_task *t)
{
    for (int i = 0; i < n; i++)
        if (o[i].partition == t->partition && strcmp(o[i].topic, t->topic) == 0)
            return &o[i];
    return NULL;
}

static void format_ids(char *buf, size_t len, const int32_t *ids, int n)
{
    size_t off = (size_t)snprintf(buf, len, "[");
    for (int i = 0; i < n && off < len; i++)
        off += (size_t)snprintf(buf + off, len - off, "%s%d", i ? "," : "", ids[i]);
    if (off < len)
        snprintf(buf + off, len - off, "]");
}

/* A new replica the plan puts in a named log dir: telling its broker the dir before the
 * reassignment creates the replica there (the broker answers REPLICA_NOT_AVAILABLE and keeps
 * the dir as the replica's preferred one), so no second copy between dirs follows. Failures
 * only mean the log-dir phase moves it later. */
static void prefer_log_dirs(struct exec *x, struct exec_task **batch, int nb)
{
    for (int i = 0; i < nb; i++) {
        for (int k = 0; k < x->j.ntasks; k++) {
            const struct exec_task *d = &x->j.tasks[k];
            if (d->type != EXEC_INTRA || d->state != EXEC_PENDING ||
                d->partition != batch[i]->partition || strcmp(d->topic, batch[i]->topic) != 0 ||
                model_id_in(batch[i]->from, batch[i]->nfrom, d->broker))
                continue;
            struct kafka_conn *bc = NULL;
            struct error e2 = {0};
            struct kafka_log_dir_move mv = {d->dir, d->topic, d->partition};
            int rc = kafka_admin_broker(x->admin, d->broker, &bc, &e2);
            if (rc == 0)
                rc = kafka_alter_replica_log_dirs(bc, &mv, 1, &e2);
            if (rc < 0 && !kafka_error_is(&e2, KAFKA_ERR_REPLICA_NOT_AVAILABLE))
                log_debug("%s-%d: preferred log dir on broker %d not set: %s", d->topic,
                          d->partition, d->broker, e2.msg);
        }
    }
}

/* Sets the rates of the brokers a batch claimed. A broker whose rate cannot be set (it is down)
 * keeps its tasks out of the batch: they go back to pending and wait. Returns the new count. */
static int set_claimed_rates(struct exec *x, const struct exec_id_set *claimed, bool logdir,
                             struct exec_task **batch, int nb)
{
    for (int k = 0; k < claimed->n; k++) {
        int32_t id = claimed->ids[k];
        struct kafka_conn *bc = NULL;
        struct error e2 = {0};
        int rc = kafka_admin_broker(x->admin, id, &bc, &e2);
        if (rc == 0)
            rc = set_broker_rate(x, bc, id, logdir, &e2);
        if (rc == 0)
            continue;
        int kept = 0;
        for (int i = 0; i < nb; i++) {
            struct exec_task *t = batch[i];
            bool involved = logdir ? t->broker == id : model_id_in(t->from, t->nfrom, id) ||
                                                        model_id_in(t->to, t->nto, id);
            if (involved) {
                t->state = EXEC_PENDING;
                log_warn("%s-%d waits: %s", t->topic, t->partition, e2.msg);
            } else {
                batch[kept++] = t;
            }
        }
        nb = kept;
    }
    return nb;
}

/* Picks pending tasks of `type` in strategy order within the concurrency limits and sends
 * them (throttles first). Tasks whose throttle cannot be set stay pending. */
static int admit(struct exec *x, enum exec_type type, int *inflight_per_broker, int max_broker,
                 int32_t max_broker_id, struct error *err)
{
    struct exec_task **cand = xcalloc((size_t)x->j.ntasks + 1, sizeof(*cand));
    int nc = 0, total_inflight = 0;
    for (int i = 0; i < x->j.ntasks; i++) {
        struct exec_task *t = &x->j.tasks[i];
        /* a pending partition listed in progress is another tool's: it waits */
        if (t->type == type && t->state == EXEC_PENDING && !find_ongoing(x->foreign, x->nforeign, t))
            cand[nc++] = t;
        total_inflight += t->type == type && t->state == EXEC_INFLIGHT;
    }
    qsort(cand, (size_t)nc, sizeof(*cand), task_cmp);
    struct exec_task **batch = xcalloc((size_t)nc + 1, sizeof(*batch));
    int nb = 0;
    int cap = x->o->cluster_cap;
    struct exec_id_set claimed = {0}; /* brokers whose rate this batch sets */
    for (int i = 0; i < nc && total_inflight + nb < cap; i++) {
        struct exec_task *t = cand[i];
        int32_t inv[2 * MODEL_MAX_RF];
        int ninv = 0;
        if (type == EXEC_INTRA) {
            inv[ninv++] = t->broker;
        } else {
            for (int k = 0; k < t->nfrom; k++)
                inv[ninv++] = t->from[k];
            for (int k = 0; k < t->nto; k++)
                if (!model_id_in(t->from, t->nfrom, t->to[k]))
                    inv[ninv++] = t->to[k];
        }
        bool fits = true;
        for (int k = 0; k < ninv && fits; k++)
            fits = inv[k] < 0 || inv[k] > max_broker_id || inflight_per_broker[inv[k]] < max_broker;
        if (!fits)
            continue;
        /* throttles on every broker involved before anything moves */
        int rc = 0;
        for (int k = 0; k < ninv && rc == 0; k++)
            rc = claim_broker(x, inv[k], type == EXEC_INTRA, &claimed, err);
        if (rc < 0) {
            log_warn("%s-%d waits: %s", t->topic, t->partition, err->msg);
            continue;
        }
        for (int k = 0; k < ninv; k++)
            if (inv[k] >= 0 && inv[k] <= max_broker_id)
                inflight_per_broker[inv[k]]++;
        batch[nb++] = t;
    }
    free(cand);
    int rc = 0;
    if (nb == 0)
        goto out;
    if (type == EXEC_INTER && (rc = per_topic(x, batch, nb, claim_topic_entries, err)) < 0)
        goto undo;
    double t = now_s();
    for (int i = 0; i < nb; i++) {
        batch[i]->state = EXEC_INFLIGHT;
        batch[i]->started = t;
    }
    /* One journal write names the batch's moves, brokers and throttled pairs before the
     * cluster sees any of them. */
    save(x, true);
    nb = set_claimed_rates(x, &claimed, type == EXEC_INTRA, batch, nb);
    if (nb == 0)
        goto out;
    if (type == EXEC_INTER && (rc = per_topic(x, batch, nb, append_topic_entries, err)) < 0)
        goto undo;
    if (type == EXEC_INTER)
        prefer_log_dirs(x, batch, nb);
    if (type == EXEC_INTRA) {
        /* one AlterReplicaLogDirs per broker */
        for (int i = 0; i < nb; i++) {
            struct kafka_conn *bc = NULL;
            struct kafka_log_dir_move mv = {batch[i]->dir, batch[i]->topic, batch[i]->partition};
            if ((rc = kafka_admin_broker(x->admin, batch[i]->broker, &bc, err)) == 0)
                rc = kafka_alter_replica_log_dirs(bc, &mv, 1, err);
            if (rc < 0 && !kafka_retriable(rc)) {
                fail_task(batch[i], "AlterReplicaLogDirs: ", err->msg);
                rc = 0;
            } else if (rc < 0) {
                batch[i]->state = EXEC_PENDING;
                rc = 0;
            }
        }
        goto out;
    }
    struct kafka_reassignment *r = xcalloc((size_t)nb, sizeof(*r));
    for (int i = 0; i < nb; i++)
        r[i] = (struct kafka_reassignment){batch[i]->topic, batch[i]->partition, batch[i]->to,
                                           batch[i]->nto};
    struct kafka_conn *c = NULL;
    if ((rc = kafka_admin_any(x->admin, &c, err)) == 0)
        rc = kafka_alter_reassignments(c, r, nb, 30000, err);
    free(r);
    if (rc == -EINVAL) {
        /* some partitions were refused: send one at a time to learn which */
        for (int i = 0; i < nb; i++) {
            struct kafka_reassignment one = {batch[i]->topic, batch[i]->partition, batch[i]->to,
                                             batch[i]->nto};
            struct error e2 = {0};
            int r2 = kafka_admin_any(x->admin, &c, &e2);
            if (r2 == 0)
                r2 = kafka_alter_reassignments(c, &one, 1, 30000, &e2);
            if (r2 < 0)
                fail_task(batch[i], "refused: ", e2.msg);
        }
        rc = 0;
    } else if (rc < 0) {
        goto undo;
    }
    goto out;
undo:
    for (int i = 0; i < nb; i++)
        if (batch[i]->state == EXEC_INFLIGHT)
            batch[i]->state = EXEC_PENDING;
out:
    free(batch);
    free(claimed.ids);
    save(x, true);
    return rc;
}

static bool any_state(const struct exec *x, enum exec_type type, enum exec_state s)
{
    for (int i = 0; i < x->j.ntasks; i++)
        if (x->j.tasks[i].type == type && x->j.tasks[i].state == s)
            return true;
    return false;
}

static int32_t max_broker_id(const struct exec *x)
{
    int32_t m = 0;
    for (int i = 0; i < x->j.ntasks; i++) {
        const struct exec_task *t = &x->j.tasks[i];
        for (int k = 0; k < t->nfrom; k++)
            m = t->from[k] > m ? t->from[k] : m;
        for (int k = 0; k < t->nto; k++)
            m = t->to[k] > m ? t->to[k] : m;
        m = t->broker > m ? t->broker : m;
    }
    return m;
}

/* Runs the tasks of one reassignment type (EXEC_INTER or EXEC_REORDER) to the end. */
static int run_moves(struct exec *x, enum exec_type type, const char *phase, struct error *err)
{
    int32_t maxid = max_broker_id(x);
    int *per_broker = xcalloc((size_t)maxid + 1, sizeof(int));
    int rc = 0, last_inflight = -1;
    bool moved = false;
    double wait = 0.1;
    while (any_state(x, type, EXEC_PENDING) || any_state(x, type, EXEC_INFLIGHT)) {
        if (stop_requested(x)) {
            x->stopping = true;
            break;
        }
        memset(per_broker, 0, ((size_t)maxid + 1) * sizeof(int));
        for (int i = 0; i < x->j.ntasks; i++) {
            const struct exec_task *t = &x->j.tasks[i];
            if (t->type != type || t->state != EXEC_INFLIGHT)
                continue;
            for (int k = 0; k < t->nfrom; k++)
                per_broker[t->from[k]]++;
            for (int k = 0; k < t->nto; k++)
                if (!model_id_in(t->from, t->nfrom, t->to[k]))
                    per_broker[t->to[k]]++;
        }
        int limit = type == EXEC_REORDER ? x->o->cluster_cap : x->o->per_broker;
        if ((rc = admit(x, type, per_broker, limit, maxid, err)) < 0) {
            if (!kafka_retriable(rc))
                break;
            log_warn("%s", err->msg);
            rc = 0;
        }
        moved = true;
        /* Poll soon after a change (small moves finish within a fraction of a second, and the
         * next batch can start at once), backing off to the interval while nothing ends. */
        int inflight_now = 0;
        for (int i = 0; i < x->j.ntasks; i++)
            inflight_now += x->j.tasks[i].type == type && x->j.tasks[i].state == EXEC_INFLIGHT;
        if (inflight_now != last_inflight)
            wait = 0.1;
        last_inflight = inflight_now;
        sleep_s(wait < x->o->poll_s ? wait : x->o->poll_s);
        wait *= 2;
        struct kafka_ongoing *o = NULL;
        int no = 0;
        if ((rc = list_ongoing(x, &o, &no, err)) < 0)
            break;
        set_ongoing(x, o, no);
        double t = now_s();
        struct kafka_reassignment *cancel = xcalloc((size_t)x->j.ntasks + 1, sizeof(*cancel));
        int ncancel = 0;
        for (int i = 0; i < x->j.ntasks; i++) {
            struct exec_task *tk = &x->j.tasks[i];
            if (tk->type != type || tk->state != EXEC_INFLIGHT)
                continue;
            const struct kafka_ongoing *g = find_ongoing(o, no, tk);
            if (!g) {
                tk->state = EXEC_DONE; /* verified against metadata at the end of the phase */
                tk->finished = t;
                continue;
            }
            if (x->o->task_timeout_ms > 0 &&
                (t - tk->started) * 1000.0 > (double)x->o->task_timeout_ms) {
                char add[200], rem[200];
                format_ids(add, sizeof(add), g->adding, g->nadding);
                format_ids(rem, sizeof(rem), g->removing, g->nremoving);
                char *why = xasprintf("not finished after %.0f s (adding %s, removing %s); "
                                      "cancelled", t - tk->started, add, rem);
                fail_task(tk, "", why);
                free(why);
                cancel[ncancel++] = (struct kafka_reassignment){tk->topic, tk->partition, NULL, 0};
            }
        }
        if (ncancel) {
            struct kafka_conn *c = NULL;
            if ((rc = kafka_admin_any(x->admin, &c, err)) == 0 &&
                (rc = kafka_alter_reassignments(c, cancel, ncancel, 30000, err)) < 0)
                log_warn("cancelling timed-out moves: %s", err->msg);
            rc = 0;
        }
        free(cancel);
        struct error e2 = {0};
        if (release_throttles(x, false, &e2) < 0)
            log_warn("%s (retrying)", e2.msg);
        save(x, false);
        progress(x, phase, false);
    }
    free(per_broker);
    if (rc < 0 || x->stopping || !moved)
        return rc;
    /* verify: every finished move has the target replicas in metadata. The controller answers
     * ListPartitionReassignments before every broker's metadata has the new replica set, so a
     * mismatch is only a failure once metadata had time to catch up. */
    double deadline = now_s() + METADATA_SETTLE_S;
    for (;;) {
        struct model_cluster *c = NULL;
        if ((rc = snapshot(x, &c, err)) < 0)
            return rc;
        bool settled = now_s() >= deadline;
        int behind = 0;
        for (int i = 0; i < x->j.ntasks; i++) {
            struct exec_task *tk = &x->j.tasks[i];
            if (tk->type != type || tk->state != EXEC_DONE)
                continue;
            int32_t p = model_partition_find(c, tk->topic, tk->partition);
            int32_t cur[MODEL_MAX_RF];
            int ncur = 0;
            if (p >= 0)
                current_replicas(c, p, cur, &ncur);
            if (p >= 0 && ncur == tk->nto && memcmp(cur, tk->to, (size_t)ncur * sizeof(*cur)) == 0)
                continue;
            if (!settled) {
                behind++;
                continue;
            }
            char have[200];
            format_ids(have, sizeof(have), cur, ncur);
            char *why = xasprintf("the reassignment ended without reaching its target: replicas "
                                  "are %s (cancelled by someone else?)", have);
            fail_task(tk, "", why);
            free(why);
        }
        model_cluster_destroy(c);
        if (behind == 0)
            break;
        sleep_s(0.5);
    }
    save(x, true);
    return 0;
}

/* ---- phase 2: intra-broker moves ---- */

static int run_intra(struct exec *x, struct error *err)
{
    int32_t maxid = max_broker_id(x);
    int *per_broker = xcalloc((size_t)maxid + 1, sizeof(int));
    int rc = 0;
    double wait = 0.2; /* each poll is a snapshot: start soon, back off to the interval */
    while (any_state(x, EXEC_INTRA, EXEC_PENDING) || any_state(x, EXEC_INTRA, EXEC_INFLIGHT)) {
        if (stop_requested(x)) {
            x->stopping = true;
            break;
        }
        /* a replica already in its dir (a new replica created there) needs nothing */
        struct model_cluster *c = NULL;
        if ((rc = snapshot(x, &c, err)) < 0)
            break;
        memset(per_broker, 0, ((size_t)maxid + 1) * sizeof(int));
        double t = now_s();
        for (int i = 0; i < x->j.ntasks; i++) {
            struct exec_task *tk = &x->j.tasks[i];
            if (tk->type != EXEC_INTRA || (tk->state != EXEC_PENDING && tk->state != EXEC_INFLIGHT))
                continue;
            int32_t p = model_partition_find(c, tk->topic, tk->partition);
            const char *d = p >= 0 ? replica_dir(c, p, tk->broker) : NULL;
            if (!d) { /* the inter-broker phase has ended: the replica should be there */
                fail_task(tk, "", "the replica is not on the broker, or its log dir is unknown");
                continue;
            }
            if (strcmp(d, tk->dir) == 0) {
                if (tk->state == EXEC_PENDING)
                    tk->bytes = 0; /* created in its dir: nothing was copied between dirs */
                tk->state = EXEC_DONE;
                continue;
            }
            if (tk->state == EXEC_INFLIGHT) {
                per_broker[tk->broker]++;
                if (x->o->task_timeout_ms > 0 &&
                    (t - tk->started) * 1000.0 > (double)x->o->task_timeout_ms)
                    fail_task(tk, "", "the log-dir move did not finish in time");
            }
        }
        model_cluster_destroy(c);
        if ((rc = admit(x, EXEC_INTRA, per_broker, x->o->intra_per_broker, maxid, err)) < 0) {
            if (!kafka_retriable(rc))
                break;
            rc = 0;
        }
        struct error e2 = {0};
        if (release_throttles(x, false, &e2) < 0)
            log_warn("%s (retrying)", e2.msg);
        progress(x, "log dirs", false);
        if (any_state(x, EXEC_INTRA, EXEC_INFLIGHT)) {
            sleep_s(wait < x->o->poll_s ? wait : x->o->poll_s);
            wait *= 2;
        }
    }
    free(per_broker);
    save(x, true);
    return rc;
}

/* ---- phase 3: leadership ---- */

static int run_leaders(struct exec *x, struct error *err)
{
    int rc = run_moves(x, EXEC_REORDER, "reorder", err);
    if (rc < 0 || x->stopping)
        return rc;
    for (;;) {
        if (stop_requested(x)) {
            x->stopping = true;
            return 0;
        }
        const char **topics = xcalloc((size_t)x->o->leader_batch + 1, sizeof(*topics));
        int32_t *parts = xcalloc((size_t)x->o->leader_batch + 1, sizeof(*parts));
        struct exec_task **batch = xcalloc((size_t)x->o->leader_batch + 1, sizeof(*batch));
        int n = 0;
        for (int i = 0; i < x->j.ntasks && n < x->o->leader_batch; i++) {
            struct exec_task *t = &x->j.tasks[i];
            if (t->type == EXEC_LEADER && t->state == EXEC_PENDING)
                batch[n++] = t;
        }
        if (n == 0) {
            free(topics);
            free(parts);
            free(batch);
            break;
        }
        qsort(batch, (size_t)n, sizeof(*batch), by_topic);
        for (int i = 0; i < n; i++) {
            topics[i] = batch[i]->topic;
            parts[i] = batch[i]->partition;
            batch[i]->state = EXEC_INFLIGHT;
            batch[i]->started = now_s();
        }
        save(x, true);
        struct kafka_conn *c = NULL;
        struct error e2 = {0};
        int r2 = kafka_admin_any(x->admin, &c, &e2);
        if (r2 == 0)
            r2 = kafka_elect_preferred(c, topics, parts, n, 30000, &e2);
        free(topics);
        free(parts);
        /* verify in metadata (which may lag the election for a moment); a refused election
         * names its reason */
        struct model_cluster *mc = NULL;
        double deadline = now_s() + (r2 < 0 ? 0 : METADATA_SETTLE_S);
        for (;;) {
            if ((rc = snapshot(x, &mc, err)) < 0) {
                free(batch);
                return rc;
            }
            bool settled = now_s() >= deadline;
            int behind = 0;
            for (int i = 0; i < n; i++) {
                struct exec_task *t = batch[i];
                if (t->state != EXEC_INFLIGHT)
                    continue;
                int32_t p = model_partition_find(mc, t->topic, t->partition);
                int32_t l = p >= 0 ? model_partition_leader(mc, p) : -1;
                if (l >= 0 && mc->brokers[l].id == t->to[0])
                    t->state = EXEC_DONE;
                else if (!settled)
                    behind++;
                else
                    fail_task(t, "leadership did not move to the preferred replica: ",
                              r2 < 0 ? e2.msg : "the preferred replica is not in sync");
            }
            if (behind == 0)
                break;
            model_cluster_destroy(mc);
            mc = NULL;
            sleep_s(0.5);
        }
        model_cluster_destroy(mc);
        free(batch);
        save(x, true);
        progress(x, "leaders", false);
    }
    return 0;
}

/* ---- set-up, report and the three entry points ---- */

static int lock_dir(const char *dir, int *ret_fd, struct error *err)
{
    if (mkdir(dir, 0755) < 0 && errno != EEXIST)
        return error_set(err, -errno, "state dir %s: %s", dir, strerror(errno));
    char *path = xasprintf("%s/lock", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    free(path);
    if (fd < 0)
        return error_set(err, -errno, "state dir %s: lock: %s", dir, strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        close(fd);
        return error_set(err, -EBUSY, "state dir %s: another ballast executes from it", dir);
    }
    *ret_fd = fd;
    return 0;
}

static void fill_report(const struct exec *x, struct exec_report *rep)
{
    memset(rep, 0, sizeof(*rep));
    int32_t maxid = max_broker_id(x);
    double *in = xcalloc((size_t)maxid + 1, sizeof(double));
    double *out = xcalloc((size_t)maxid + 1, sizeof(double));
    for (int i = 0; i < x->j.ntasks; i++) {
        const struct exec_task *t = &x->j.tasks[i];
        rep->total++;
        rep->bytes_total += t->bytes;
        switch (t->state) {
        case EXEC_DONE:
            rep->done++;
            rep->bytes_done += t->bytes;
            break;
        case EXEC_FAILED: rep->failed++; break;
        case EXEC_SKIPPED: rep->skipped++; break;
        default: rep->pending++;
        }
        if (t->type != EXEC_INTER)
            continue;
        for (int k = 0; k < t->nto; k++)
            if (!model_id_in(t->from, t->nfrom, t->to[k]))
                in[t->to[k]] += (double)t->size;
        if (t->nfrom > 0)
            out[t->from[0]] += (double)t->bytes;
    }
    double worst = 0;
    for (int32_t b = 0; b <= maxid; b++) {
        worst = in[b] > worst ? in[b] : worst;
        worst = out[b] > worst ? out[b] : worst;
    }
    rep->bound_seconds = x->o->throttle > 0 ? worst / x->o->throttle : 0;
    rep->throttle = x->o->throttle;
    rep->seconds = now_s() - x->t0;
    rep->stopped = x->stopping;
    rep->throttles_left = count_throttles(x);
    free(in);
    free(out);
}

/* Stops: cancels in-flight moves and removes every throttle Ballast set. */
static int do_stop(struct exec *x, struct error *err)
{
    int rc = cancel_inflight(x, err);
    struct error e2 = {0};
    int r2 = release_throttles(x, true, &e2);
    if (rc == 0 && r2 < 0) {
        rc = r2;
        *err = e2;
    }
    x->j.status = rc == 0 ? EXEC_STATUS_STOPPED : EXEC_STATUS_RUNNING;
    save(x, true);
    return rc;
}

/* Runs the phases from wherever the journal stands. */
static int drive(struct exec *x, struct exec_report *rep, struct error *err)
{
    int rc = 0;
    x->t0 = now_s();
    for (int i = 0; i < x->j.ntasks; i++)
        if (x->j.tasks[i].state == EXEC_DONE)
            x->bytes_done_at_start += x->j.tasks[i].bytes;
    g_nstrategies = 0;
    if ((rc = parse_strategies(x->o->strategies, g_strategies, &g_nstrategies, err)) < 0)
        return rc;
    progress(x, "start", true);
    rc = run_moves(x, EXEC_INTER, "moves", err);
    if (rc == 0 && !x->stopping)
        rc = run_intra(x, err);
    if (rc == 0 && !x->stopping)
        rc = run_leaders(x, err);
    if (x->stopping) {
        log_info("stop requested: cancelling in-flight moves and removing throttles");
        rc = do_stop(x, err);
    } else if (rc == 0) {
        /* the end: every throttle of Ballast goes, retried while brokers come back */
        for (int attempt = 0; attempt < 30; attempt++) {
            if ((rc = release_throttles(x, true, err)) == 0 || !kafka_retriable(rc))
                break;
            log_warn("%s (retrying)", err->msg);
            sleep_s(2.0);
        }
        if (rc == 0) {
            bool failed = false;
            for (int i = 0; i < x->j.ntasks; i++)
                failed |= x->j.tasks[i].state == EXEC_FAILED;
            x->j.status = failed ? EXEC_STATUS_FAILED : EXEC_STATUS_FINISHED;
        }
    }
    save(x, true);
    if (x->o->progress) {
        progress(x, x->stopping ? "stopped" : "end", true);
        if (x->o->tty)
            fputc('\n', x->o->progress);
    }
    fill_report(x, rep);
    char *stopfile = xasprintf("%s/stop", x->j.dir);
    unlink(stopfile);
    free(stopfile);
    return rc;
}

static void exec_finish(struct exec *x)
{
    free(x->ongoing);
    free(x->foreign);
    kafka_admin_close(x->admin);
    exec_journal_finish(&x->j);
    if (x->lock_fd >= 0)
        close(x->lock_fd);
}

/* Cancels the other tools' reassignments of the plan's partitions (--foreign cancel). */
static int cancel_foreign(struct exec *x, struct error *err)
{
    struct kafka_reassignment *r = xcalloc((size_t)x->nongoing + 1, sizeof(*r));
    int n = 0;
    for (int k = 0; k < x->nongoing; k++) {
        bool planned = false;
        for (int i = 0; i < x->j.ntasks && !planned; i++)
            planned = x->j.tasks[i].partition == x->ongoing[k].partition &&
                      strcmp(x->j.tasks[i].topic, x->ongoing[k].topic) == 0;
        if (planned) {
            r[n++] = (struct kafka_reassignment){x->ongoing[k].topic, x->ongoing[k].partition, NULL, 0};
            log_warn("cancelling another tool's reassignment of %s-%d (--foreign cancel)",
                     x->ongoing[k].topic, x->ongoing[k].partition);
        }
    }
    int rc = 0;
    if (n) {
        struct kafka_conn *c = NULL;
        if ((rc = kafka_admin_any(x->admin, &c, err)) == 0)
            rc = kafka_alter_reassignments(c, r, n, 30000, err);
        if (rc < 0 && kafka_error_is(err, KAFKA_ERR_NO_REASSIGNMENT_IN_PROGRESS))
            rc = 0; /* it ended meanwhile */
    }
    free(r);
    return rc;
}

int exec_run(const char *bootstrap, const struct kafka_opts *kopts, const char *state_dir,
             const struct exec_task *targets, int ntargets, const struct exec_options *o,
             struct exec_report *rep, struct error *err)
{
    struct exec x = {.o = o, .bootstrap = bootstrap, .kopts = kopts, .lock_fd = -1};
    exec_journal_init(&x.j, state_dir);
    int rc = exec_strategies_check(o->strategies, err);
    if (rc == 0)
        rc = lock_dir(state_dir, &x.lock_fd, err);
    if (rc < 0)
        goto out;
    struct exec_journal old;
    exec_journal_init(&old, state_dir);
    int lr = exec_journal_load(&old, err);
    bool unfinished = lr == 0 && old.status == EXEC_STATUS_RUNNING;
    exec_journal_finish(&old);
    if (lr < 0 && lr != -ENOENT) {
        rc = lr;
        goto out;
    }
    if (unfinished) {
        rc = error_set(err, -EBUSY, "state dir %s holds an unfinished execution: resume it "
                       "(--resume) or stop it (--stop) first", state_dir);
        goto out;
    }
    char *stopfile = xasprintf("%s/stop", state_dir);
    unlink(stopfile);
    free(stopfile);
    if ((rc = kafka_admin_open(bootstrap, kopts, &x.admin, err)) < 0)
        goto out;
    struct kafka_ongoing *ongoing = NULL;
    int nongoing = 0;
    if ((rc = list_ongoing(&x, &ongoing, &nongoing, err)) < 0)
        goto out;
    rc = build_tasks(&x, targets, ntargets, ongoing, nongoing, err);
    set_ongoing(&x, ongoing, nongoing);
    if (rc < 0)
        goto out;
    if (o->foreign == EXEC_FOREIGN_CANCEL && (rc = cancel_foreign(&x, err)) < 0)
        goto out;
    x.j.status = EXEC_STATUS_RUNNING;
    x.j.started = now_s();
    x.j.opts = *o;
    x.j.opts.strategies = o->strategies ? xstrdup(o->strategies) : NULL;
    x.j.opts.progress = NULL;
    if ((rc = exec_journal_save(&x.j, err)) < 0)
        goto out;
    rc = drive(&x, rep, err);
out:
    exec_finish(&x);
    return rc;
}

static int open_journal(struct exec *x, const char *state_dir, struct error *err)
{
    int rc = lock_dir(state_dir, &x->lock_fd, err);
    if (rc < 0)
        return rc;
    if ((rc = exec_journal_load(&x->j, err)) == -ENOENT)
        return error_set(err, -ENOENT, "state dir %s holds no execution", state_dir);
    return rc;
}

/* After a restart: in-flight moves still listed are adopted; those no longer listed are done
 * when the cluster has their target, else pending again. */
static int reconcile(struct exec *x, struct error *err)
{
    struct kafka_ongoing *o = NULL;
    int no = 0;
    int rc = list_ongoing(x, &o, &no, err);
    if (rc < 0)
        return rc;
    struct model_cluster *c = NULL;
    if ((rc = snapshot(x, &c, err)) < 0) {
        free(o);
        return rc;
    }
    int adopted = 0;
    for (int i = 0; i < x->j.ntasks; i++) {
        struct exec_task *t = &x->j.tasks[i];
        if (t->state != EXEC_INFLIGHT)
            continue;
        if ((t->type == EXEC_INTER || t->type == EXEC_REORDER) && find_ongoing(o, no, t)) {
            adopted++;
            continue;
        }
        int32_t p = model_partition_find(c, t->topic, t->partition);
        if (p < 0) {
            fail_task(t, "", "the partition is gone");
            continue;
        }
        int32_t cur[MODEL_MAX_RF];
        int ncur;
        current_replicas(c, p, cur, &ncur);
        bool reached = false;
        if (t->type == EXEC_INTER || t->type == EXEC_REORDER)
            reached = ncur == t->nto && memcmp(cur, t->to, (size_t)ncur * sizeof(*cur)) == 0;
        else if (t->type == EXEC_INTRA) {
            const char *d = replica_dir(c, p, t->broker);
            reached = d && strcmp(d, t->dir) == 0;
            adopted += !reached; /* AlterReplicaLogDirs keeps going on the broker */
        } else {
            int32_t l = model_partition_leader(c, p);
            reached = l >= 0 && c->brokers[l].id == t->to[0];
        }
        if (reached)
            t->state = EXEC_DONE;
        else if (t->type != EXEC_INTRA)
            t->state = EXEC_PENDING;
    }
    model_cluster_destroy(c);
    set_ongoing(x, o, no);
    log_info("resume: %d in-flight move(s) adopted", adopted);
    save(x, true);
    return 0;
}

int exec_resume(const char *bootstrap, const struct kafka_opts *kopts, const char *state_dir,
                const struct exec_options *o, struct exec_report *rep, struct error *err)
{
    struct exec x = {.bootstrap = bootstrap, .kopts = kopts, .lock_fd = -1};
    exec_journal_init(&x.j, state_dir);
    int rc = open_journal(&x, state_dir, err);
    if (rc < 0)
        goto out;
    if (x.j.status != EXEC_STATUS_RUNNING) {
        rc = error_set(err, -EALREADY, "state dir %s: the last execution is %s; nothing to "
                       "resume", state_dir, exec_status_name(x.j.status));
        goto out;
    }
    /* what the caller sets overrides the journal's options; the rest continue */
    struct exec_options merged = x.j.opts;
    if (o) {
        if (o->throttle >= 0)
            merged.throttle = o->throttle;
        if (o->log_dir_throttle >= 0)
            merged.log_dir_throttle = o->log_dir_throttle;
        if (o->per_broker > 0)
            merged.per_broker = o->per_broker;
        if (o->intra_per_broker > 0)
            merged.intra_per_broker = o->intra_per_broker;
        if (o->leader_batch > 0)
            merged.leader_batch = o->leader_batch;
        if (o->cluster_cap > 0)
            merged.cluster_cap = o->cluster_cap;
        if (o->task_timeout_ms >= 0)
            merged.task_timeout_ms = o->task_timeout_ms;
        if (o->poll_s > 0)
            merged.poll_s = o->poll_s;
        if (o->strategies)
            merged.strategies = o->strategies;
        merged.progress = o->progress;
        merged.tty = o->tty;
        merged.cancel_on_resume = o->cancel_on_resume;
    }
    bool rate_changed = merged.throttle != x.j.opts.throttle ||
                        merged.log_dir_throttle != x.j.opts.log_dir_throttle;
    x.o = &merged;
    if ((rc = kafka_admin_open(bootstrap, kopts, &x.admin, err)) < 0)
        goto out;
    if ((rc = reconcile(&x, err)) < 0)
        goto out;
    if (rate_changed && !merged.cancel_on_resume) {
        /* a new throttle applies to the moves adopted too */
        char *strategies = merged.strategies ? xstrdup(merged.strategies) : NULL;
        free(x.j.opts.strategies); /* merged.strategies may point here */
        x.j.opts = merged;
        x.j.opts.strategies = strategies;
        x.j.opts.progress = NULL;
        merged.strategies = strategies;
        for (int logdir = 0; logdir < 2; logdir++) {
            struct exec_id_set *own = logdir ? &x.j.logdir_owned : &x.j.rate_owned;
            for (int k = 0; k < own->n; k++) {
                struct error e2 = {0};
                struct kafka_conn *bc = NULL;
                int r2 = kafka_admin_broker(x.admin, own->ids[k], &bc, &e2);
                if (r2 == 0 && (logdir ? merged.log_dir_throttle : merged.throttle) > 0)
                    r2 = set_broker_rate(&x, bc, own->ids[k], logdir, &e2);
                if (r2 < 0)
                    log_warn("broker %d keeps its old throttle for now: %s", own->ids[k], e2.msg);
            }
        }
        save(&x, true);
    }
    if (merged.cancel_on_resume) {
        x.stopping = true;
        x.t0 = now_s();
        rc = do_stop(&x, err);
        fill_report(&x, rep);
        goto out;
    }
    rc = drive(&x, rep, err);
out:
    exec_finish(&x);
    return rc;
}

int exec_stop(const char *bootstrap, const struct kafka_opts *kopts, const char *state_dir,
              int wait_s, struct exec_report *rep, struct error *err)
{
    struct exec x = {.bootstrap = bootstrap, .kopts = kopts, .lock_fd = -1};
    exec_journal_init(&x.j, state_dir);
    struct exec_options o;
    exec_options_default(&o);
    x.o = &o;
    int rc = lock_dir(state_dir, &x.lock_fd, err);
    if (rc == -EBUSY) {
        /* a running executor: ask it through the stop file and wait for it to let go */
        char *path = xasprintf("%s/stop", state_dir);
        int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        free(path);
        if (fd >= 0)
            close(fd);
        for (int i = 0; i < wait_s * 10 && rc == -EBUSY; i++) {
            sleep_s(0.1);
            rc = lock_dir(state_dir, &x.lock_fd, err);
        }
        if (rc == -EBUSY) {
            rc = error_set(err, -ETIMEDOUT, "the running executor did not stop within %d s",
                           wait_s);
            goto out;
        }
    }
    if (rc < 0)
        goto out;
    if ((rc = exec_journal_load(&x.j, err)) < 0) {
        if (rc == -ENOENT)
            rc = error_set(err, -ENOENT, "state dir %s holds no execution", state_dir);
        goto out;
    }
    if (x.j.status == EXEC_STATUS_RUNNING) {
        /* nobody runs it (crashed, or it stopped half-way): do the stop here */
        if ((rc = kafka_admin_open(bootstrap, kopts, &x.admin, err)) < 0)
            goto out;
        if ((rc = reconcile(&x, err)) < 0)
            goto out;
        x.stopping = true;
        x.t0 = now_s();
        rc = do_stop(&x, err);
    }
    fill_report(&x, rep);
    rep->stopped = x.j.status == EXEC_STATUS_STOPPED;
out:
    {
        char *path = xasprintf("%s/stop", state_dir);
        unlink(path);
        free(path);
    }
    exec_finish(&x);
    return rc;
}
