/* The tasks of an execution: the movement strategies that order them, the tasks a plan
 * becomes on the cluster as it stands, the dense index of the brokers they name, and the
 * reassignments in progress they are checked against. See executor/internal.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/log.h"
#include "executor/internal.h"

/* ---- strategies ---- */

enum strategy { ST_LARGE, ST_SMALL, ST_POSTPONE_URP, ST_BASE };
static const char *const strategy_names[] = {
    "PrioritizeLargeReplicaMovementStrategy", "PrioritizeSmallReplicaMovementStrategy",
    "PostponeUrpReplicaMovementStrategy", "BaseReplicaMovementStrategy"};
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

int exec_parse_strategies(const char *list, int *out, int *ret_n, struct error *err)
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
            if (n < EXEC_MAX_STRATEGIES - 1)
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
    int s[EXEC_MAX_STRATEGIES], n;
    return exec_parse_strategies(list, s, &n, err);
}

static int task_cmp(const void *pa, const void *pb, void *arg)
{
    const struct exec *x = arg;
    const struct exec_task *a = *(const struct exec_task *const *)pa;
    const struct exec_task *b = *(const struct exec_task *const *)pb;
    for (int i = 0; i < x->nstrategies; i++) {
        switch (x->strategies[i]) {
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

void exec_sort_by_strategy(struct exec *x, struct exec_task **ts, int n)
{
    qsort_r(ts, (size_t)n, sizeof(*ts), task_cmp, x);
}

/* ---- the cluster as it stands ---- */

int exec_snapshot(struct exec *x, struct model_cluster **ret, struct error *err)
{
    int rc = 0;
    for (int attempt = 0; attempt < 5; attempt++) {
        rc = x->cl->ops->snapshot(x->cl->ctx, ret, err);
        if (rc == 0 || !kafka_retriable(rc))
            return rc;
        exec_sleep(x, 1.0);
    }
    return rc;
}

void exec_current_replicas(const struct model_cluster *c, int32_t p, int32_t *out, int *ret_n)
{
    const struct model_partition *mp = &c->partitions[p];
    for (int i = 0; i < mp->rf; i++)
        out[i] = c->brokers[model_replicas_of(c, p)[i].broker].id;
    *ret_n = mp->rf;
}

const char *exec_replica_dir(const struct model_cluster *c, int32_t p, int32_t broker_id)
{
    for (int i = 0; i < c->partitions[p].rf; i++) {
        const struct model_replica *r = &model_replicas_of(c, p)[i];
        if (c->brokers[r->broker].id == broker_id && r->dir >= 0)
            return c->disks[c->brokers[r->broker].first_disk + r->dir].path;
    }
    return NULL;
}

int exec_by_topic(const void *pa, const void *pb)
{
    const struct exec_task *a = *(const struct exec_task *const *)pa;
    const struct exec_task *b = *(const struct exec_task *const *)pb;
    int c = strcmp(a->topic, b->topic);
    return c ? c : (a->partition > b->partition) - (a->partition < b->partition);
}

/* ---- reassignments in progress ---- */

static int cmp_ongoing(const void *pa, const void *pb)
{
    const struct kafka_ongoing *a = pa, *b = pb;
    int c = strcmp(a->topic, b->topic);
    return c ? c : (a->partition > b->partition) - (a->partition < b->partition);
}

static int task_vs_ongoing(const void *key, const void *elem)
{
    const struct exec_task *t = key;
    const struct kafka_ongoing *g = elem;
    int c = strcmp(t->topic, g->topic);
    return c ? c : (t->partition > g->partition) - (t->partition < g->partition);
}

const struct kafka_ongoing *exec_find_ongoing(const struct kafka_ongoing *o, int n,
                                              const struct exec_task *t)
{
    return n ? bsearch(t, o, (size_t)n, sizeof(*o), task_vs_ongoing) : NULL;
}

static int ongoing_vs_task(const void *key, const void *elem)
{
    return -task_vs_ongoing(*(const struct exec_task *const *)elem, key);
}

/* Refreshes a list of tasks kept by a predicate: a full scan the first time, then a filter. */
static struct exec_task **refresh(struct exec *x, struct exec_task ***list, int *n, size_t *cap,
                                  bool *valid, bool (*keep)(const struct exec_task *))
{
    if (!*valid) {
        *n = 0;
        for (int i = 0; i < x->j.ntasks; i++)
            if (keep(&x->j.tasks[i])) {
                xgrow((void **)list, cap, (size_t)*n + 1, sizeof(**list));
                (*list)[(*n)++] = &x->j.tasks[i];
            }
        *valid = true;
        return *list;
    }
    int kept = 0;
    for (int i = 0; i < *n; i++)
        if (keep((*list)[i]))
            (*list)[kept++] = (*list)[i];
    *n = kept;
    return *list;
}

static bool is_inflight(const struct exec_task *t)
{
    return t->state == EXEC_INFLIGHT;
}

static bool holds_entries(const struct exec_task *t)
{
    return t->throttled_leaders || t->throttled_followers;
}

struct exec_task **exec_inflight(struct exec *x, int *ret_n)
{
    refresh(x, &x->inflight, &x->ninflight, &x->cap_inflight, &x->inflight_valid, is_inflight);
    *ret_n = x->ninflight;
    return x->inflight;
}

void exec_inflight_add(struct exec *x, struct exec_task *t)
{
    if (!x->inflight_valid)
        return; /* the next exec_inflight scans anyway */
    xgrow((void **)&x->inflight, &x->cap_inflight, (size_t)x->ninflight + 1, sizeof(*x->inflight));
    x->inflight[x->ninflight++] = t;
}

struct exec_task **exec_holders(struct exec *x, int *ret_n)
{
    refresh(x, &x->holders, &x->nholders, &x->cap_holders, &x->holders_valid, holds_entries);
    *ret_n = x->nholders;
    return x->holders;
}

void exec_holders_add(struct exec *x, struct exec_task *t)
{
    if (!x->holders_valid)
        return;
    xgrow((void **)&x->holders, &x->cap_holders, (size_t)x->nholders + 1, sizeof(*x->holders));
    x->holders[x->nholders++] = t;
}

/* A pending task waits while its partition is among the other tools' reassignments, checked
 * for every pending task at every poll, so that list is kept apart (and usually empty). */
void exec_set_ongoing(struct exec *x, struct kafka_ongoing *o, int n)
{
    free(x->ongoing);
    free(x->foreign);
    if (n > 1)
        qsort(o, (size_t)n, sizeof(*o), cmp_ongoing);
    x->ongoing = o;
    x->nongoing = n;
    x->foreign = xcalloc((size_t)n + 1, sizeof(*x->foreign));
    x->nforeign = 0;
    int nmine = 0;
    struct exec_task **inflight = exec_inflight(x, &nmine);
    struct exec_task **mine = xcalloc((size_t)nmine + 1, sizeof(*mine));
    if (nmine) /* none in flight: inflight may be NULL */
        memcpy(mine, inflight, (size_t)nmine * sizeof(*mine));
    qsort(mine, (size_t)nmine, sizeof(*mine), exec_by_topic);
    for (int k = 0; k < n; k++)
        if (!bsearch(&o[k], mine, (size_t)nmine, sizeof(*mine), ongoing_vs_task))
            x->foreign[x->nforeign++] = o[k];
    free(mine);
}

int exec_list_ongoing(struct exec *x, struct kafka_ongoing **ret, int *ret_n, struct error *err)
{
    int rc = 0;
    for (int attempt = 0; attempt < 30; attempt++) {
        if ((rc = x->cl->ops->list_reassignments(x->cl->ctx, ret, ret_n, err)) == 0)
            return 0;
        if (!kafka_retriable(rc) && rc != -EPROTO)
            return rc;
        log_warn("listing reassignments: %s (retrying)", err->msg);
        exec_sleep(x, x->o->poll_s);
    }
    return rc;
}

/* ---- brokers ---- */

static int cmp_id(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static void index_task_brokers(struct exec *x);

void exec_index_brokers(struct exec *x)
{
    free(x->bids);
    size_t cap = 0;
    int n = 0;
    x->bids = NULL;
    for (int i = 0; i < x->j.ntasks; i++) {
        const struct exec_task *t = &x->j.tasks[i];
        xgrow((void **)&x->bids, &cap, (size_t)n + (size_t)t->nfrom + (size_t)t->nto + 1,
              sizeof(*x->bids));
        for (int k = 0; k < t->nfrom; k++)
            x->bids[n++] = t->from[k];
        for (int k = 0; k < t->nto; k++)
            x->bids[n++] = t->to[k];
        x->bids[n++] = t->broker;
        if (n > 4096) { /* keep the scratch small: dedup as we go */
            qsort(x->bids, (size_t)n, sizeof(*x->bids), cmp_id);
            int m = 0;
            for (int k = 0; k < n; k++)
                if (m == 0 || x->bids[m - 1] != x->bids[k])
                    x->bids[m++] = x->bids[k];
            n = m;
        }
    }
    if (n > 0) /* an empty plan leaves bids NULL: qsort's pointer must not be */
        qsort(x->bids, (size_t)n, sizeof(*x->bids), cmp_id);
    int m = 0;
    for (int k = 0; k < n; k++)
        if (m == 0 || x->bids[m - 1] != x->bids[k])
            x->bids[m++] = x->bids[k];
    x->nbids = m;
    index_task_brokers(x);
}

const int32_t *exec_task_brokers(const struct exec *x, const struct exec_task *t, int *ret_n)
{
    ptrdiff_t i = t - x->j.tasks;
    *ret_n = x->inv_off[i + 1] - x->inv_off[i];
    return x->inv + x->inv_off[i];
}

/* The brokers of each task by dense index (see exec_task_brokers). */
static void index_task_brokers(struct exec *x)
{
    free(x->inv);
    free(x->inv_off);
    x->inv_off = xcalloc((size_t)x->j.ntasks + 1, sizeof(*x->inv_off));
    size_t total = 0;
    for (int i = 0; i < x->j.ntasks; i++)
        total += x->j.tasks[i].type == EXEC_INTRA ? 1
                                                   : (size_t)(x->j.tasks[i].nfrom + x->j.tasks[i].nto);
    x->inv = xcalloc(total + 1, sizeof(*x->inv));
    int32_t n = 0;
    for (int i = 0; i < x->j.ntasks; i++) {
        const struct exec_task *t = &x->j.tasks[i];
        x->inv_off[i] = n;
        if (t->type == EXEC_INTRA) {
            x->inv[n++] = exec_broker_index(x, t->broker);
            continue;
        }
        for (int k = 0; k < t->nfrom; k++)
            x->inv[n++] = exec_broker_index(x, t->from[k]);
        for (int k = 0; k < t->nto; k++)
            if (!model_id_in(t->from, t->nfrom, t->to[k]))
                x->inv[n++] = exec_broker_index(x, t->to[k]);
    }
    x->inv_off[x->j.ntasks] = n;
}

int exec_broker_index(const struct exec *x, int32_t id)
{
    const int32_t *p = bsearch(&id, x->bids, (size_t)x->nbids, sizeof(id), cmp_id);
    return p ? (int)(p - x->bids) : -1;
}

/* ---- a new execution's tasks ---- */

static bool partition_listed(const struct kafka_ongoing *o, int n, const char *topic, int32_t p)
{
    for (int k = 0; k < n; k++)
        if (o[k].partition == p && strcmp(o[k].topic, topic) == 0)
            return true;
    return false;
}

int exec_build_tasks(struct exec *x, const struct exec_task *targets, int ntargets,
                     const struct kafka_ongoing *ongoing, int nongoing, struct error *err)
{
    struct model_cluster *c = NULL;
    int rc = exec_snapshot(x, &c, err);
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
        exec_current_replicas(c, p, from, &nfrom);
        bool foreign = partition_listed(ongoing, nongoing, tg->topic, tg->partition);
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
            const char *d = exec_replica_dir(c, p, tg->broker);
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
            /* A new replica is created in its named dir (the inter-broker phase tells its
             * broker first): it copies nothing between dirs, unless that failed (then the
             * log-dir phase counts its bytes when it moves it). */
            if (t->type == EXEC_INTRA)
                t->bytes = model_id_in(from, nfrom, t->broker) ? size : 0;
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
