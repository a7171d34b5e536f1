/* The executor's three phases: inter-broker moves (and replica reorders) admitted within the
 * concurrency limits with their throttles set first, log-dir moves, and leadership (preferred
 * leader elections). See executor/internal.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/log.h"
#include "executor/internal.h"

/* ---- cancelling ---- */

/* Cancels the reassignments of r[0..n); one that ended meanwhile has nothing to cancel. */
static int cancel_reassignments(struct exec *x, const struct kafka_reassignment *r, int n,
                                struct error *err)
{
    int rc = 0;
    for (int attempt = 0; n && attempt < 5; attempt++) {
        if ((rc = x->cl->ops->reassign(x->cl->ctx, r, n, err)) == 0)
            break;
        if (kafka_error_is(err, KAFKA_ERR_NO_REASSIGNMENT_IN_PROGRESS)) {
            rc = 0;
            break;
        }
        if (!kafka_retriable(rc))
            break;
        exec_sleep(x, 1.0);
    }
    return rc;
}

/* Kafka's cancel puts back the original replica set, but in the order it had during the move
 * (the target's replicas first), which can change the preferred leader: the cancelled tasks
 * ts[0..n) get their original order back (a reorder of the same set, nothing copied). */
static void restore_order(struct exec *x, struct exec_task **ts, int n)
{
    struct kafka_reassignment *r = xcalloc((size_t)n + 1, sizeof(*r));
    int nr = 0;
    for (int i = 0; i < n; i++)
        if (ts[i]->type == EXEC_INTER && ts[i]->nfrom > 0)
            r[nr++] = (struct kafka_reassignment){ts[i]->topic, ts[i]->partition, ts[i]->from,
                                                  ts[i]->nfrom};
    struct error e2 = {0};
    if (nr && x->cl->ops->reassign(x->cl->ctx, r, nr, &e2) < 0)
        log_warn("putting back the replica order of cancelled moves: %s", e2.msg);
    free(r);
}

int exec_cancel_inflight(struct exec *x, struct error *err)
{
    struct kafka_reassignment *r = xcalloc((size_t)x->j.ntasks + 1, sizeof(*r));
    struct exec_task **ts = xcalloc((size_t)x->j.ntasks + 1, sizeof(*ts));
    int n = 0;
    for (int i = 0; i < x->j.ntasks; i++) {
        struct exec_task *t = &x->j.tasks[i];
        if (t->state == EXEC_INFLIGHT && (t->type == EXEC_INTER || t->type == EXEC_REORDER)) {
            ts[n] = t;
            r[n++] = (struct kafka_reassignment){t->topic, t->partition, NULL, 0};
        }
    }
    int rc = cancel_reassignments(x, r, n, err);
    if (rc == 0)
        restore_order(x, ts, n);
    free(r);
    free(ts);
    if (rc < 0)
        return rc;
    for (int i = 0; i < x->j.ntasks; i++)
        if (x->j.tasks[i].state == EXEC_INFLIGHT)
            x->j.tasks[i].state = EXEC_PENDING;
    return 0;
}

/* ---- admission ---- */

static int intra_vs_task(const void *pa, const void *pb)
{
    return exec_by_topic(pa, pb);
}

/* A new replica the plan puts in a named log dir: telling its broker the dir before the
 * reassignment creates the replica there (the broker answers REPLICA_NOT_AVAILABLE and keeps
 * the dir as the replica's preferred one), so no second copy between dirs follows. Failures
 * only mean the log-dir phase moves it later. The log-dir tasks are found through an index
 * sorted by partition. */
static void prefer_log_dirs(struct exec *x, struct exec_task **batch, int nb)
{
    if (!x->intra_index) {
        x->intra_index = xcalloc((size_t)x->j.ntasks + 1, sizeof(*x->intra_index));
        for (int k = 0; k < x->j.ntasks; k++)
            if (x->j.tasks[k].type == EXEC_INTRA)
                x->intra_index[x->nintra_index++] = &x->j.tasks[k];
        qsort(x->intra_index, (size_t)x->nintra_index, sizeof(*x->intra_index), exec_by_topic);
    }
    struct exec_task **intra = x->intra_index;
    int ni = x->nintra_index;
    for (int i = 0; i < nb && ni > 0; i++) {
        struct exec_task **hit = bsearch(&batch[i], intra, (size_t)ni, sizeof(*intra),
                                         intra_vs_task);
        if (!hit)
            continue;
        while (hit > intra && exec_by_topic(hit - 1, &batch[i]) == 0)
            hit--;
        for (; hit < intra + ni && exec_by_topic(hit, &batch[i]) == 0; hit++) {
            const struct exec_task *d = *hit;
            if (d->state != EXEC_PENDING || model_id_in(batch[i]->from, batch[i]->nfrom, d->broker))
                continue;
            struct error e2 = {0};
            struct kafka_log_dir_move mv = {d->dir, d->topic, d->partition};
            int rc = x->cl->ops->alter_log_dirs(x->cl->ctx, d->broker, &mv, 1, &e2);
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
        struct error e2 = {0};
        if (exec_set_broker_rate(x, id, logdir, &e2) == 0)
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

/* The brokers a task occupies: the intra task's broker; a move's current and new replicas. */
static int involved(const struct exec_task *t, int32_t *inv)
{
    int n = 0;
    if (t->type == EXEC_INTRA) {
        inv[n++] = t->broker;
        return n;
    }
    for (int k = 0; k < t->nfrom; k++)
        inv[n++] = t->from[k];
    for (int k = 0; k < t->nto; k++)
        if (!model_id_in(t->from, t->nfrom, t->to[k]))
            inv[n++] = t->to[k];
    return n;
}

/* Sends the inter-broker reassignments of batch[0..nb); a refused batch is sent again one
 * partition at a time to learn which are refused. */
static int send_reassignments(struct exec *x, struct exec_task **batch, int nb, struct error *err)
{
    struct kafka_reassignment *r = xcalloc((size_t)nb, sizeof(*r));
    for (int i = 0; i < nb; i++)
        r[i] = (struct kafka_reassignment){batch[i]->topic, batch[i]->partition, batch[i]->to,
                                           batch[i]->nto};
    int rc = x->cl->ops->reassign(x->cl->ctx, r, nb, err);
    if (rc == -EINVAL) {
        for (int i = 0; i < nb; i++) {
            struct error e2 = {0};
            if (x->cl->ops->reassign(x->cl->ctx, &r[i], 1, &e2) < 0)
                exec_fail_task(batch[i], "refused: ", e2.msg);
        }
        rc = 0;
    }
    free(r);
    return rc;
}

/* Picks pending tasks of `type` in strategy order within the concurrency limits (per broker,
 * counted in inflight[] by dense broker index, and cluster-wide) and sends them, throttles
 * first. Tasks whose throttle cannot be set stay pending. */
static int admit(struct exec *x, enum exec_type type, int *per_broker, int max_broker,
                 struct error *err)
{
    /* the type's tasks in strategy order, sorted once: the order of a task never changes */
    if (!x->by_strategy[type]) {
        x->by_strategy[type] = xcalloc((size_t)x->j.ntasks + 1, sizeof(struct exec_task *));
        for (int i = 0; i < x->j.ntasks; i++)
            if (x->j.tasks[i].type == type)
                x->by_strategy[type][x->nby_strategy[type]++] = &x->j.tasks[i];
        exec_sort_by_strategy(x, x->by_strategy[type], x->nby_strategy[type]);
    }
    /* the tasks before `from` have ended for good: skipped at every later admission */
    struct exec_task **order = x->by_strategy[type];
    int *from = &x->by_strategy_from[type];
    while (*from < x->nby_strategy[type] &&
           (order[*from]->state == EXEC_DONE || order[*from]->state == EXEC_FAILED ||
            order[*from]->state == EXEC_SKIPPED))
        (*from)++;
    int total_inflight = 0, ninflight;
    struct exec_task **inflight = exec_inflight(x, &ninflight);
    for (int i = 0; i < ninflight; i++)
        total_inflight += inflight[i]->type == type;
    size_t cap = 0;
    struct exec_task **batch = NULL;
    int nb = 0;
    struct exec_id_set claimed = {0}; /* brokers whose rate this batch sets */
    /* candidates in strategy order: pending ones, while the cluster-wide cap leaves room */
    for (int i = *from; i < x->nby_strategy[type] && total_inflight + nb < x->o->cluster_cap;
         i++) {
        struct exec_task *t = order[i];
        /* a pending partition listed in progress is another tool's: it waits */
        if (t->state != EXEC_PENDING || exec_find_ongoing(x->foreign, x->nforeign, t))
            continue;
        int nidx;
        const int32_t *idx = exec_task_brokers(x, t, &nidx);
        bool fits = true;
        for (int k = 0; k < nidx && fits; k++)
            fits = per_broker[idx[k]] < max_broker;
        if (!fits)
            continue;
        int32_t inv[2 * MODEL_MAX_RF];
        int ninv = involved(t, inv);
        /* throttles on every broker involved before anything moves */
        int rc = 0;
        for (int k = 0; k < ninv && rc == 0; k++)
            rc = exec_claim_broker(x, inv[k], type == EXEC_INTRA, &claimed, err);
        if (rc < 0) {
            log_warn("%s-%d waits: %s", t->topic, t->partition, err->msg);
            continue;
        }
        for (int k = 0; k < nidx; k++)
            per_broker[idx[k]]++;
        xgrow((void **)&batch, &cap, (size_t)nb + 1, sizeof(*batch));
        batch[nb++] = t;
    }
    int rc = 0;
    if (nb == 0)
        goto out;
    if (type == EXEC_INTER &&
        (rc = exec_per_topic(x, batch, nb, exec_claim_topic_entries, err)) < 0)
        goto undo;
    double t = exec_now(x);
    for (int i = 0; i < nb; i++) {
        batch[i]->state = EXEC_INFLIGHT;
        batch[i]->started = t;
    }
    /* One journal write names the batch's moves, brokers and throttled pairs before the
     * cluster sees any of them. */
    exec_save(x, true);
    nb = set_claimed_rates(x, &claimed, type == EXEC_INTRA, batch, nb);
    if (nb == 0)
        goto out;
    if (type == EXEC_INTER &&
        (rc = exec_per_topic(x, batch, nb, exec_append_topic_entries, err)) < 0)
        goto undo;
    if (type == EXEC_INTER)
        prefer_log_dirs(x, batch, nb);
    if (type == EXEC_INTRA) {
        for (int i = 0; i < nb; i++) {
            struct kafka_log_dir_move mv = {batch[i]->dir, batch[i]->topic, batch[i]->partition};
            rc = x->cl->ops->alter_log_dirs(x->cl->ctx, batch[i]->broker, &mv, 1, err);
            if (rc < 0 && !kafka_retriable(rc))
                exec_fail_task(batch[i], "AlterReplicaLogDirs: ", err->msg);
            else if (rc < 0)
                batch[i]->state = EXEC_PENDING;
            rc = 0;
        }
        goto out;
    }
    if ((rc = send_reassignments(x, batch, nb, err)) < 0)
        goto undo;
    goto out;
undo:
    for (int i = 0; i < nb; i++)
        if (batch[i]->state == EXEC_INFLIGHT)
            batch[i]->state = EXEC_PENDING;
out:
    for (int i = 0; i < nb; i++)
        if (batch[i]->state == EXEC_INFLIGHT)
            exec_inflight_add(x, batch[i]);
    free(batch);
    free(claimed.ids);
    exec_save(x, false); /* what was refused; the moves themselves were named before */
    return rc;
}

/* ---- phase 1: inter-broker moves and reorders ---- */

/* Is any task of `type` in state s? In flight: from the in-flight list; pending: searched
 * from where one was last found (most calls find one there at once). */
static bool any_state(struct exec *x, enum exec_type type, enum exec_state s)
{
    if (s == EXEC_INFLIGHT) {
        int n;
        struct exec_task **inflight = exec_inflight(x, &n);
        for (int i = 0; i < n; i++)
            if (inflight[i]->type == type)
                return true;
        return false;
    }
    int n = x->j.ntasks, *hint = &x->pending_hint[type];
    for (int k = 0; k < n; k++) {
        int i = (*hint + k) % n;
        if (x->j.tasks[i].type == type && x->j.tasks[i].state == s) {
            *hint = i;
            return true;
        }
    }
    return false;
}

static void format_ids(char *buf, size_t len, const int32_t *ids, int n)
{
    size_t off = (size_t)snprintf(buf, len, "[");
    for (int i = 0; i < n && off < len; i++)
        off += (size_t)snprintf(buf + off, len - off, "%s%d", i ? "," : "", ids[i]);
    if (off < len)
        snprintf(buf + off, len - off, "]");
}

/* Notes which brokers are down (checked every EXEC_DOWN_REPORT_S while moves have been in
 * flight that long); a broker back up is forgotten. */
static bool check_liveness(struct exec *x, double t)
{
    if (t - x->last_liveness < EXEC_DOWN_REPORT_S)
        return false;
    x->last_liveness = t;
    int32_t *live = NULL;
    int nlive = 0;
    struct error e2 = {0};
    if (x->cl->ops->live_brokers(x->cl->ctx, &live, &nlive, &e2) < 0) {
        log_warn("asking which brokers are up: %s", e2.msg);
        return false;
    }
    for (int b = 0; b < x->nbids; b++) {
        bool up = false;
        for (int i = 0; i < nlive && !up; i++)
            up = live[i] == x->bids[b];
        if (up) {
            if (x->down_since[b] > 0)
                log_info("broker %d is back", x->bids[b]);
            x->down_since[b] = 0;
        } else if (x->down_since[b] == 0) {
            x->down_since[b] = t;
        }
    }
    free(live);
    return true;
}

/* The broker a move adds that is down, and since when; -1 when none. */
static int32_t down_target(const struct exec *x, const struct exec_task *t, double *ret_since)
{
    for (int k = 0; k < t->nto; k++) {
        int b = exec_broker_index(x, t->to[k]);
        if (b >= 0 && x->down_since[b] > 0 && !model_id_in(t->from, t->nfrom, t->to[k])) {
            *ret_since = x->down_since[b];
            return t->to[k];
        }
    }
    return -1;
}

/* Says once, in the log and the progress output, that tk (in flight for `el` s) is past half
 * its timeout and when it will be cancelled. */
static void announce_overdue(struct exec *x, struct exec_task *tk, double el, double limit)
{
    if (tk->overdue || el < limit / 2)
        return;
    tk->overdue = true;
    char *msg = xasprintf("%s-%d has been in flight for %.0f s; it is cancelled and its replicas "
                          "put back if it has not finished after %.0f s (%s)", tk->topic,
                          tk->partition, el, limit,
                          x->o->task_timeout_ms > 0 ? "--task-timeout"
                                                    : "automatic task timeout: see "
                                                      "executor.taskTimeoutMs");
    log_warn("%s", msg);
    if (x->o->progress && !x->o->tty) {
        fprintf(x->o->progress, "late: %s\n", msg);
        fflush(x->o->progress);
    }
    free(msg);
}

/* Marks in-flight moves the cluster no longer lists done; fails and cancels those past their
 * task timeout (exec_task_timeout_s, announced at half of it), and those waiting for a broker
 * down for EXEC_DOWN_TIMEOUT_S; says which moves wait for a broker that is down (for those
 * the down-broker rule replaces the automatic timeout). */
static void poll_moves(struct exec *x, enum exec_type type)
{
    double t = exec_now(x);
    int ninflight;
    struct exec_task **inflight = exec_inflight(x, &ninflight);
    bool long_waits = false;
    for (int i = 0; i < ninflight && !long_waits; i++)
        long_waits = inflight[i]->type == type && t - inflight[i]->started >= EXEC_DOWN_REPORT_S;
    bool checked = long_waits && check_liveness(x, t);
    struct kafka_reassignment *cancel = xcalloc((size_t)ninflight + 1, sizeof(*cancel));
    struct exec_task **cancelled = xcalloc((size_t)ninflight + 1, sizeof(*cancelled));
    int ncancel = 0;
    for (int i = 0; i < ninflight; i++) {
        struct exec_task *tk = inflight[i];
        if (tk->type != type || tk->state != EXEC_INFLIGHT)
            continue;
        const struct kafka_ongoing *g = exec_find_ongoing(x->ongoing, x->nongoing, tk);
        if (!g) {
            tk->state = EXEC_DONE; /* verified against metadata at the end of the phase */
            tk->finished = t;
            continue;
        }
        double since = 0;
        int32_t down = down_target(x, tk, &since);
        double limit = exec_task_timeout_s(x->o, tk), el = t - tk->started;
        bool fixed = x->o->task_timeout_ms > 0;
        if (down < 0 || fixed)
            announce_overdue(x, tk, el, limit);
        bool timed_out = (down < 0 || fixed) && el > limit;
        if (down >= 0 && !timed_out && t - since < EXEC_DOWN_TIMEOUT_S) {
            if (checked) /* once per check */
                log_warn("%s-%d waits for broker %d, which has been down for %.0f s (moves "
                         "to it are cancelled after %.0f s)", tk->topic, tk->partition, down,
                         t - since, EXEC_DOWN_TIMEOUT_S);
            continue;
        }
        if (timed_out || down >= 0) {
            char add[200], rem[200];
            format_ids(add, sizeof(add), g->adding, g->nadding);
            format_ids(rem, sizeof(rem), g->removing, g->nremoving);
            char *why = down >= 0 && !timed_out
                            ? xasprintf("broker %d has been down for %.0f s (adding %s, removing "
                                        "%s); cancelled", down, t - since, add, rem)
                            : xasprintf("not finished after %.0f s (adding %s, removing %s); "
                                        "cancelled", t - tk->started, add, rem);
            exec_fail_task(tk, "", why);
            free(why);
            cancelled[ncancel] = tk;
            cancel[ncancel++] = (struct kafka_reassignment){tk->topic, tk->partition, NULL, 0};
        }
    }
    if (ncancel) {
        struct error e2 = {0};
        if (cancel_reassignments(x, cancel, ncancel, &e2) < 0)
            log_warn("cancelling timed-out moves: %s", e2.msg);
        else
            restore_order(x, cancelled, ncancel);
    }
    free(cancel);
    free(cancelled);
}

/* Verifies that every finished move has its target replicas in metadata. The controller
 * answers ListPartitionReassignments before every broker's metadata has the new replica
 * set, so a mismatch is only a failure once metadata had time to catch up. */
static int verify_moves(struct exec *x, enum exec_type type, struct error *err)
{
    double deadline = exec_now(x) + EXEC_METADATA_SETTLE_S;
    for (;;) {
        struct model_cluster *c = NULL;
        int rc = exec_snapshot(x, &c, err);
        if (rc < 0)
            return rc;
        bool settled = exec_now(x) >= deadline;
        int behind = 0;
        for (int i = 0; i < x->j.ntasks; i++) {
            struct exec_task *tk = &x->j.tasks[i];
            if (tk->type != type || tk->state != EXEC_DONE)
                continue;
            int32_t p = model_partition_find(c, tk->topic, tk->partition);
            int32_t cur[MODEL_MAX_RF];
            int ncur = 0;
            if (p >= 0)
                exec_current_replicas(c, p, cur, &ncur);
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
            exec_fail_task(tk, "", why);
            free(why);
        }
        model_cluster_destroy(c);
        if (behind == 0)
            break;
        exec_sleep(x, 0.5);
    }
    exec_save(x, true);
    return 0;
}

int exec_run_moves(struct exec *x, enum exec_type type, const char *phase, struct error *err)
{
    int *per_broker = xcalloc((size_t)x->nbids + 1, sizeof(int));
    int rc = 0, last_inflight = -1;
    bool moved = false;
    double wait = 0.1;
    while (any_state(x, type, EXEC_PENDING) || any_state(x, type, EXEC_INFLIGHT)) {
        if (exec_stop_requested(x)) {
            x->stopping = true;
            break;
        }
        memset(per_broker, 0, ((size_t)x->nbids + 1) * sizeof(int));
        int inflight_now = 0, ninflight;
        struct exec_task **inflight = exec_inflight(x, &ninflight);
        for (int i = 0; i < ninflight; i++) {
            const struct exec_task *t = inflight[i];
            if (t->type != type)
                continue;
            inflight_now++;
            int nidx;
            const int32_t *idx = exec_task_brokers(x, t, &nidx);
            for (int k = 0; k < nidx; k++)
                per_broker[idx[k]]++;
        }
        int limit = type == EXEC_REORDER ? x->o->cluster_cap : x->o->per_broker;
        if ((rc = admit(x, type, per_broker, limit, err)) < 0) {
            if (!kafka_retriable(rc))
                break;
            log_warn("%s", err->msg);
            rc = 0;
        }
        moved = true;
        /* Poll soon after a change (small moves finish within a fraction of a second, and the
         * next batch can start at once), backing off to the interval while nothing ends. */
        if (inflight_now != last_inflight)
            wait = 0.1;
        last_inflight = inflight_now;
        exec_sleep(x, wait < x->o->poll_s ? wait : x->o->poll_s);
        wait *= 2;
        struct kafka_ongoing *o = NULL;
        int no = 0;
        if ((rc = exec_list_ongoing(x, &o, &no, err)) < 0)
            break;
        exec_set_ongoing(x, o, no);
        poll_moves(x, type);
        struct error e2 = {0};
        if (exec_release_throttles(x, false, &e2) < 0)
            log_warn("%s (retrying)", e2.msg);
        exec_save(x, false);
        exec_progress(x, phase, false);
    }
    free(per_broker);
    if (rc < 0 || x->stopping || !moved)
        return rc;
    return verify_moves(x, type, err);
}

/* ---- phase 2: intra-broker moves ---- */

int exec_run_intra(struct exec *x, struct error *err)
{
    int *per_broker = xcalloc((size_t)x->nbids + 1, sizeof(int));
    int rc = 0;
    double wait = 0.2; /* each poll is a snapshot: start soon, back off to the interval */
    while (any_state(x, EXEC_INTRA, EXEC_PENDING) || any_state(x, EXEC_INTRA, EXEC_INFLIGHT)) {
        if (exec_stop_requested(x)) {
            x->stopping = true;
            break;
        }
        /* a replica already in its dir (a new replica created there) needs nothing */
        struct model_cluster *c = NULL;
        if ((rc = exec_snapshot(x, &c, err)) < 0)
            break;
        memset(per_broker, 0, ((size_t)x->nbids + 1) * sizeof(int));
        double t = exec_now(x);
        for (int i = 0; i < x->j.ntasks; i++) {
            struct exec_task *tk = &x->j.tasks[i];
            if (tk->type != EXEC_INTRA || (tk->state != EXEC_PENDING && tk->state != EXEC_INFLIGHT))
                continue;
            int32_t p = model_partition_find(c, tk->topic, tk->partition);
            const char *d = p >= 0 ? exec_replica_dir(c, p, tk->broker) : NULL;
            if (!d) { /* the inter-broker phase has ended: the replica should be there */
                exec_fail_task(tk, "", "the replica is not on the broker, or its log dir is unknown");
                continue;
            }
            if (strcmp(d, tk->dir) == 0) {
                if (tk->state == EXEC_PENDING)
                    tk->bytes = 0; /* created in its dir: nothing was copied between dirs */
                tk->state = EXEC_DONE;
                continue;
            }
            if (tk->state == EXEC_PENDING)
                tk->bytes = tk->size; /* a new replica not created in its dir moves after all */
            if (tk->state == EXEC_INFLIGHT) {
                int b = exec_broker_index(x, tk->broker);
                if (b >= 0)
                    per_broker[b]++;
                double limit = exec_task_timeout_s(x->o, tk), el = t - tk->started;
                announce_overdue(x, tk, el, limit);
                if (el > limit) {
                    char *why = xasprintf("the log-dir move did not finish in %.0f s", limit);
                    exec_fail_task(tk, "", why);
                    free(why);
                }
            }
        }
        model_cluster_destroy(c);
        if ((rc = admit(x, EXEC_INTRA, per_broker, x->o->intra_per_broker, err)) < 0) {
            if (!kafka_retriable(rc))
                break;
            rc = 0;
        }
        struct error e2 = {0};
        if (exec_release_throttles(x, false, &e2) < 0)
            log_warn("%s (retrying)", e2.msg);
        exec_progress(x, "log dirs", false);
        if (any_state(x, EXEC_INTRA, EXEC_INFLIGHT)) {
            exec_sleep(x, wait < x->o->poll_s ? wait : x->o->poll_s);
            wait *= 2;
        }
    }
    free(per_broker);
    exec_save(x, true);
    return rc;
}

/* ---- phase 3: leadership ---- */

/* A leadership task whose partition's move failed or was skipped is left: the partition
 * never got the replica list that leader belongs to. Tasks of a partition are adjacent. */
static void skip_leaders_of_failed_moves(struct exec *x)
{
    for (int i = 1; i < x->j.ntasks; i++) {
        struct exec_task *t = &x->j.tasks[i], *m = &x->j.tasks[i - 1];
        if (t->type != EXEC_LEADER || t->state != EXEC_PENDING ||
            (m->type != EXEC_INTER && m->type != EXEC_REORDER) || m->partition != t->partition ||
            strcmp(m->topic, t->topic) != 0 ||
            (m->state != EXEC_FAILED && m->state != EXEC_SKIPPED))
            continue;
        t->state = EXEC_SKIPPED;
        free(t->error);
        t->error = xstrdup("no leader change: the partition's move did not complete");
    }
}

/* Elects the preferred leaders of batch[0..n); a refused batch is asked again one partition
 * at a time, so each failure keeps its own reason (errs[i], "" when none). */
static int elect(struct exec *x, struct exec_task **batch, int n, char (*errs)[ERROR_MSG_MAX])
{
    const char **topics = xcalloc((size_t)n + 1, sizeof(*topics));
    int32_t *parts = xcalloc((size_t)n + 1, sizeof(*parts));
    for (int i = 0; i < n; i++) {
        topics[i] = batch[i]->topic;
        parts[i] = batch[i]->partition;
        errs[i][0] = '\0';
    }
    struct error e2 = {0};
    int rc = x->cl->ops->elect_preferred(x->cl->ctx, topics, parts, n, &e2);
    if (rc < 0 && n > 1) {
        for (int i = 0; i < n; i++) {
            struct error e3 = {0};
            if (x->cl->ops->elect_preferred(x->cl->ctx, &topics[i], &parts[i], 1, &e3) < 0)
                snprintf(errs[i], ERROR_MSG_MAX, "%s", e3.msg);
        }
    } else if (rc < 0) {
        snprintf(errs[0], ERROR_MSG_MAX, "%s", e2.msg);
    }
    free(topics);
    free(parts);
    return rc;
}

int exec_run_leaders(struct exec *x, struct error *err)
{
    int rc = exec_run_moves(x, EXEC_REORDER, "reorder", err);
    if (rc < 0 || x->stopping)
        return rc;
    skip_leaders_of_failed_moves(x);
    for (;;) {
        if (exec_stop_requested(x)) {
            x->stopping = true;
            return 0;
        }
        struct exec_task **batch = xcalloc((size_t)x->o->leader_batch + 1, sizeof(*batch));
        int n = 0;
        for (int i = 0; i < x->j.ntasks && n < x->o->leader_batch; i++) {
            struct exec_task *t = &x->j.tasks[i];
            if (t->type == EXEC_LEADER && t->state == EXEC_PENDING)
                batch[n++] = t;
        }
        if (n == 0) {
            free(batch);
            break;
        }
        qsort(batch, (size_t)n, sizeof(*batch), exec_by_topic);
        for (int i = 0; i < n; i++) {
            batch[i]->state = EXEC_INFLIGHT;
            batch[i]->started = exec_now(x);
        }
        x->inflight_valid = false; /* not kept through admit: the next use scans */
        exec_save(x, true);
        char (*errs)[ERROR_MSG_MAX] = xcalloc((size_t)n, sizeof(*errs));
        int r2 = elect(x, batch, n, errs);
        /* verify in metadata (which may lag the election for a moment); a refused election
         * names its reason */
        struct model_cluster *mc = NULL;
        double deadline = exec_now(x) + (r2 < 0 ? 0 : EXEC_METADATA_SETTLE_S);
        for (;;) {
            if ((rc = exec_snapshot(x, &mc, err)) < 0) {
                free(errs);
                free(batch);
                return rc;
            }
            bool settled = exec_now(x) >= deadline;
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
                    exec_fail_task(t, "leadership did not move to the preferred replica: ",
                                   errs[i][0] ? errs[i] : "the preferred replica is not in sync");
            }
            if (behind == 0)
                break;
            model_cluster_destroy(mc);
            mc = NULL;
            exec_sleep(x, 0.5);
        }
        model_cluster_destroy(mc);
        free(errs);
        free(batch);
        exec_save(x, true);
        exec_progress(x, "leaders", false);
    }
    return 0;
}
