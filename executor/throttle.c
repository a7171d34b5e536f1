/* Replication and log-dir throttles: Ballast's rate on the brokers a move involves, and the
 * partition:broker pairs of its moves in the topics' throttled-replica lists, set before the
 * move starts and removed once nothing in flight needs them. A broker rate or a list entry
 * someone else set is never changed; a list of "*" (every replica) already covers any pair.
 * See executor/internal.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/log.h"
#include "executor/internal.h"

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

/* Sets (value) or deletes (value NULL) the throttle configs of broker id. */
static int alter_broker_throttle(struct exec *x, int32_t id, bool logdir, const char *value,
                                 struct error *err)
{
    const char *keys[2];
    int nkeys = throttle_keys(logdir, keys);
    char idbuf[16];
    snprintf(idbuf, sizeof(idbuf), "%d", id);
    struct kafka_config_alter a[2];
    for (int i = 0; i < nkeys; i++)
        a[i] = (struct kafka_config_alter){KAFKA_RESOURCE_BROKER, idbuf, keys[i],
                                           value ? KAFKA_CONFIG_SET : KAFKA_CONFIG_DELETE, value};
    return x->cl->ops->alter_configs(x->cl->ctx, a, nkeys, err);
}

int exec_set_broker_rate(struct exec *x, int32_t id, bool logdir, struct error *err)
{
    char val[32];
    snprintf(val, sizeof(val), "%.0f", logdir ? x->o->log_dir_throttle : x->o->throttle);
    int rc = alter_broker_throttle(x, id, logdir, val, err);
    if (rc < 0)
        error_prefix(err, "throttling broker %d", id);
    return rc;
}

int exec_reset_broker_rate(struct exec *x, int32_t id, struct error *err)
{
    if (x->o->throttle > 0)
        return exec_set_broker_rate(x, id, false, err);
    int rc = alter_broker_throttle(x, id, false, NULL, err);
    if (rc < 0)
        error_prefix(err, "removing the throttle of broker %d", id);
    return rc;
}

/* A claimed broker goes into `own` and into *claimed; its rate is set by the caller once the
 * journal names it (one journal write for a whole batch of brokers). */
int exec_claim_broker(struct exec *x, int32_t id, bool logdir, struct exec_id_set *claimed,
                      struct error *err)
{
    struct exec_id_set *own = logdir ? &x->j.logdir_owned : &x->j.rate_owned;
    struct exec_id_set *foreign = logdir ? &x->j.logdir_foreign : &x->j.rate_foreign;
    double rate = logdir ? x->o->log_dir_throttle : x->o->throttle;
    if (rate <= 0 || exec_ids_has(own, id) || exec_ids_has(foreign, id))
        return 0;
    if (exec_ids_has(&x->released[logdir], id)) { /* ours, removed earlier in this run */
        exec_ids_add(own, id);
        exec_ids_add(claimed, id);
        return 0;
    }
    const char *keys[2];
    int nkeys = throttle_keys(logdir, keys);
    struct kafka_config_entry *e = NULL;
    int ne = 0;
    char idbuf[16];
    snprintf(idbuf, sizeof(idbuf), "%d", id);
    int rc = x->cl->ops->describe_configs(x->cl->ctx, KAFKA_RESOURCE_BROKER, idbuf, keys, nkeys,
                                          &e, &ne, err);
    if (rc < 0)
        return rc;
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
    int rc = alter_broker_throttle(x, id, logdir, NULL, err);
    if (rc < 0 && rc != -ENOENT) /* -ENOENT: the broker left the cluster, its configs too */
        return rc;
    exec_ids_del(logdir ? &x->j.logdir_owned : &x->j.rate_owned, id);
    exec_ids_add(&x->released[logdir], id);
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

static int describe_topic_lists(struct exec *x, const char *topic, struct kafka_config_entry **e,
                                int *ne, const char *have[2], struct error *err)
{
    int rc = x->cl->ops->describe_configs(x->cl->ctx, KAFKA_RESOURCE_TOPIC, topic,
                                          REPLICA_LIST_KEYS, 2, e, ne, err);
    if (rc < 0)
        return rc;
    for (int k = 0; k < 2; k++) {
        const struct kafka_config_entry *f = kafka_config_find(*e, *ne, REPLICA_LIST_KEYS[k]);
        have[k] = f && f->source == KAFKA_CONFIG_DYNAMIC_TOPIC ? f->value : NULL;
    }
    return 0;
}

/* Chooses the partition:broker pairs to throttle for the inter-broker tasks ts[0..n) (one
 * topic): leaders on the current replicas, followers on the new ones, skipping pairs already
 * listed (someone else's). Recorded in the tasks; exec_append_topic_entries sends them. */
int exec_claim_topic_entries(struct exec *x, struct exec_task **ts, int n, struct error *err)
{
    if (x->o->throttle <= 0 || n == 0)
        return 0;
    struct kafka_config_entry *e = NULL;
    int ne = 0;
    const char *have[2];
    int rc = describe_topic_lists(x, ts[0]->topic, &e, &ne, have, err);
    if (rc < 0)
        return rc;
    uint8_t absent = (uint8_t)((!have[0] || !*have[0]) | (!have[1] || !*have[1]) << 1);
    for (int i = 0; i < n; i++) {
        struct exec_task *t = ts[i];
        t->lists_absent = absent;
        bool had = t->throttled_leaders || t->throttled_followers;
        char entry[32];
        for (int k = 0; k < t->nfrom; k++) {
            snprintf(entry, sizeof(entry), "%d:%d", t->partition, t->from[k]);
            if (!list_has(have[0], entry) && !list_has(t->throttled_leaders, entry))
                append_entry(&t->throttled_leaders, entry);
        }
        for (int k = 0; k < t->nto; k++) {
            if (model_id_in(t->from, t->nfrom, t->to[k]))
                continue;
            snprintf(entry, sizeof(entry), "%d:%d", t->partition, t->to[k]);
            if (!list_has(have[1], entry) && !list_has(t->throttled_followers, entry))
                append_entry(&t->throttled_followers, entry);
        }
        if (!had && (t->throttled_leaders || t->throttled_followers))
            exec_holders_add(x, t);
    }
    kafka_config_entries_free(e, ne);
    return 0;
}

/* Adds the throttled pairs exec_claim_topic_entries chose for the tasks ts[0..n) (one
 * topic); called once the journal names them. A list the topic lacked (or held empty) is SET:
 * Kafka 2.8 appends to an absent list as ",0:1,0:2", whose empty first entry its brokers fail
 * to parse (ArrayIndexOutOfBoundsException in the topic config handler), so the list never
 * took effect and the moves ran unthrottled (24.6 MB in 1.1 s under a 1 MB/s throttle).
 * An existing list gets an APPEND, which leaves other tools' entries alone. */
int exec_append_topic_entries(struct exec *x, struct exec_task **ts, int n, struct error *err)
{
    char *ours[2];
    task_entries(ts, n, ours);
    struct kafka_config_alter a[2];
    int na = 0;
    for (int k = 0; k < 2; k++)
        if (ours[k])
            a[na++] = (struct kafka_config_alter){KAFKA_RESOURCE_TOPIC, ts[0]->topic,
                                                  REPLICA_LIST_KEYS[k],
                                                  ts[0]->lists_absent & (1u << k) ?
                                                      KAFKA_CONFIG_SET : KAFKA_CONFIG_APPEND,
                                                  ours[k]};
    int rc = na ? x->cl->ops->alter_configs(x->cl->ctx, a, na, err) : 0;
    free(ours[0]);
    free(ours[1]);
    return rc;
}

/* Does every entry of `have` belong to `ours`? */
static bool only_entries_of(const char *have, const char *ours)
{
    if (!have || strcmp(have, "*") == 0)
        return false;
    for (const char *p = have; p && *p;) {
        const char *q = strchr(p, ',');
        size_t len = q ? (size_t)(q - p) : strlen(p);
        char entry[64];
        snprintf(entry, sizeof(entry), "%.*s", (int)(len < 63 ? len : 63), p);
        if (!list_has(ours, entry))
            return false;
        p = q ? q + 1 : NULL;
    }
    return true;
}

/* Removes the throttled pairs of the tasks ts[0..n) (one topic) that Ballast added; others:
 * another task of the topic still holds entries, so the lists stay (a SUBTRACT only). */
/* Deletes the topic's replica lists that are there but empty: a SUBTRACT that takes a list's
 * last entries leaves it empty on some brokers (Kafka 2.8 with ZooKeeper kept
 * "leader.replication.throttled.replicas=" after a resumed execution). An empty list throttles
 * nothing, so deleting it changes nothing for anyone. */
static int drop_empty_lists(struct exec *x, const char *topic, struct error *err)
{
    struct kafka_config_entry *e = NULL;
    int ne = 0;
    const char *have[2];
    int rc = describe_topic_lists(x, topic, &e, &ne, have, err);
    struct kafka_config_alter a[2];
    int na = 0;
    for (int k = 0; k < 2 && rc == 0; k++)
        if (have[k] && !*have[k])
            a[na++] = (struct kafka_config_alter){KAFKA_RESOURCE_TOPIC, topic, REPLICA_LIST_KEYS[k],
                                                  KAFKA_CONFIG_DELETE, NULL};
    if (rc == 0 && na > 0)
        rc = x->cl->ops->alter_configs(x->cl->ctx, a, na, err);
    kafka_config_entries_free(e, ne);
    return rc;
}

static int unthrottle_topic(struct exec *x, struct exec_task **ts, int n, bool others,
                            struct error *err)
{
    char *ours[2];
    task_entries(ts, n, ours);
    if (!ours[0] && !ours[1])
        return 0;
    struct kafka_config_entry *e = NULL;
    int ne = 0;
    const char *have[2];
    int rc = describe_topic_lists(x, ts[0]->topic, &e, &ne, have, err);
    if (rc == 0) {
        struct kafka_config_alter a[2];
        int na = 0;
        bool subtracted = false;
        for (int k = 0; k < 2; k++) {
            if (!ours[k])
                continue;
            /* a list holding nothing but Ballast's entries goes whole: no empty config lingers */
            bool whole = !others && only_entries_of(have[k], ours[k]);
            subtracted |= !whole;
            a[na++] = (struct kafka_config_alter){KAFKA_RESOURCE_TOPIC, ts[0]->topic,
                                                  REPLICA_LIST_KEYS[k],
                                                  whole ? KAFKA_CONFIG_DELETE : KAFKA_CONFIG_SUBTRACT,
                                                  ours[k]};
        }
        rc = x->cl->ops->alter_configs(x->cl->ctx, a, na, err);
        if (rc == 0 && subtracted)
            rc = drop_empty_lists(x, ts[0]->topic, err);
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

int exec_per_topic(struct exec *x, struct exec_task **ts, int n,
                   int (*fn)(struct exec *, struct exec_task **, int, struct error *),
                   struct error *err)
{
    qsort(ts, (size_t)n, sizeof(*ts), exec_by_topic);
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

/* The topic pairs of tasks no longer in flight (all: of every task), one topic at a time; a
 * topic whose other tasks still hold pairs keeps its lists. Goes over the tasks holding
 * pairs only (exec_holders), once. */
static int release_topics(struct exec *x, bool all, struct error *err)
{
    int nh = 0, rc = 0;
    struct exec_task **holders = exec_holders(x, &nh);
    struct exec_task **hold = xcalloc((size_t)nh + 1, sizeof(*hold));
    if (nh) /* none: holders may be NULL */
        memcpy(hold, holders, (size_t)nh * sizeof(*hold));
    qsort(hold, (size_t)nh, sizeof(*hold), exec_by_topic);
    struct exec_task **rel = xcalloc((size_t)nh + 1, sizeof(*rel));
    for (int i = 0; i < nh;) {
        int j = i, nrel = 0;
        bool others = false;
        for (; j < nh && strcmp(hold[j]->topic, hold[i]->topic) == 0; j++) {
            if (all || hold[j]->state != EXEC_INFLIGHT)
                rel[nrel++] = hold[j];
            else
                others = true;
        }
        struct error e2 = {0};
        int r2 = nrel ? unthrottle_topic(x, rel, nrel, others, &e2) : 0;
        if (r2 < 0 && rc == 0) {
            rc = r2;
            *err = e2;
        }
        i = j;
    }
    free(rel);
    free(hold);
    return rc;
}

int exec_release_throttles(struct exec *x, bool all, struct error *err)
{
    int rc = release_topics(x, all, err);
    /* brokers with a move in flight, by dense index */
    bool *busy[2] = {xcalloc((size_t)x->nbids + 1, 1), xcalloc((size_t)x->nbids + 1, 1)};
    int ninflight = 0;
    struct exec_task **inflight = all ? NULL : exec_inflight(x, &ninflight);
    for (int i = 0; i < ninflight; i++) {
        const struct exec_task *t = inflight[i];
        if (t->type == EXEC_INTRA) {
            int b = exec_broker_index(x, t->broker);
            if (b >= 0)
                busy[1][b] = true;
        } else if (t->type == EXEC_INTER) {
            for (int k = 0; k < t->nfrom + t->nto; k++) {
                int b = exec_broker_index(x, k < t->nfrom ? t->from[k] : t->to[k - t->nfrom]);
                if (b >= 0)
                    busy[0][b] = true;
            }
        }
    }
    for (int logdir = 0; logdir < 2; logdir++) {
        struct exec_id_set *own = logdir ? &x->j.logdir_owned : &x->j.rate_owned;
        for (int k = own->n - 1; k >= 0; k--) {
            int32_t id = own->ids[k];
            int b = exec_broker_index(x, id);
            if (b >= 0 && busy[logdir][b])
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
    free(busy[0]);
    free(busy[1]);
    /* a journal that still names a removed throttle only removes it again: no need to wait */
    exec_save(x, all);
    return rc;
}

int exec_count_throttles(const struct exec *x)
{
    int n = x->j.rate_owned.n + x->j.logdir_owned.n;
    for (int i = 0; i < x->j.ntasks; i++)
        n += (x->j.tasks[i].throttled_leaders != NULL) + (x->j.tasks[i].throttled_followers != NULL);
    return n;
}
