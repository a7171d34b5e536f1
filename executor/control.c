/* Changes to a running execution (exec_control, see executor.h): other threads merge a change
 * into the control under its lock; the executor takes it at each poll (exec_take_control) and
 * applies it to its own copy of the options and to the journal, which names the new settings
 * before the cluster sees a new rate. Counts apply to the moves admitted from then on; a new
 * throttle is set on every broker whose rate Ballast owns (0 deletes the rate there, and later
 * moves are not throttled); moves in flight keep their throttled-replica entries. */
#include <string.h>

#include "common/log.h"
#include "executor/internal.h"

void exec_adjust_none(struct exec_adjust *a)
{
    memset(a, 0, sizeof(*a));
    a->throttle = -1;
}

void exec_control_init(struct exec_control *c)
{
    memset(c, 0, sizeof(*c));
    pthread_mutex_init(&c->lock, NULL);
    exec_adjust_none(&c->pending);
}

void exec_control_finish(struct exec_control *c)
{
    pthread_mutex_destroy(&c->lock);
}

void exec_control_set(struct exec_control *c, const struct exec_adjust *a)
{
    pthread_mutex_lock(&c->lock);
#define MERGE(f, unset) c->pending.f = a->f != (unset) ? a->f : c->pending.f
    MERGE(per_broker, 0);
    MERGE(intra_per_broker, 0);
    MERGE(leader_batch, 0);
    MERGE(cluster_cap, 0);
    MERGE(poll_s, 0);
    c->pending.throttle = a->throttle >= 0 ? a->throttle : c->pending.throttle;
#undef MERGE
    c->changed = true;
    pthread_mutex_unlock(&c->lock);
}

void exec_control_clear(struct exec_control *c)
{
    pthread_mutex_lock(&c->lock);
    exec_adjust_none(&c->pending);
    c->changed = false;
    pthread_mutex_unlock(&c->lock);
}

static void set_count(int *live, int *journal, int v, const char *what)
{
    if (v <= 0 || v == *live)
        return;
    log_info("execution: %s %d -> %d (admin)", what, *live, v);
    *live = *journal = v;
}

void exec_take_control(struct exec *x)
{
    struct exec_control *c = x->o->control;
    /* only a run driving its own copy of the options (exec_run, exec_resume's drive) */
    if (!c || x->o != &x->live)
        return;
    struct exec_adjust a;
    pthread_mutex_lock(&c->lock);
    bool changed = c->changed;
    a = c->pending;
    exec_adjust_none(&c->pending);
    c->changed = false;
    pthread_mutex_unlock(&c->lock);
    if (!changed)
        return;
    struct exec_options *o = &x->live, *jo = &x->j.opts;
    set_count(&o->per_broker, &jo->per_broker, a.per_broker, "moves per broker");
    set_count(&o->intra_per_broker, &jo->intra_per_broker, a.intra_per_broker,
              "intra-broker moves per broker");
    set_count(&o->leader_batch, &jo->leader_batch, a.leader_batch, "leader movements per batch");
    set_count(&o->cluster_cap, &jo->cluster_cap, a.cluster_cap, "moves in the cluster");
    if (a.poll_s > 0 && a.poll_s != o->poll_s) {
        log_info("execution: progress check interval %.3f s -> %.3f s (admin)", o->poll_s, a.poll_s);
        o->poll_s = jo->poll_s = a.poll_s;
    }
    if (a.throttle >= 0 && a.throttle != o->throttle) {
        log_info("execution: replication throttle %.0f -> %.0f B/s (admin)", o->throttle,
                 a.throttle);
        o->throttle = jo->throttle = a.throttle;
        exec_save(x, true); /* the journal holds the rate before any broker does */
        for (int k = 0; k < x->j.rate_owned.n; k++) {
            struct error err = {0};
            if (exec_reset_broker_rate(x, x->j.rate_owned.ids[k], &err) < 0)
                log_warn("broker %d keeps its old throttle for now: %s",
                         x->j.rate_owned.ids[k], err.msg);
        }
    }
    exec_save(x, true);
}
