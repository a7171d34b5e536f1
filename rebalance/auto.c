/* The auto-rebalancer (docs/rebalance.md, "Automatic rebalancing"), Strimzi's autoRebalance
 * for `ballast serve`: every automatic action is a visible KafkaRebalance with a reason.
 *   - scale up: a broker that appears in a new model generation, absent from the previous
 *     one and holding no replica, is queued; once it has been there api settle time, the
 *     queued brokers get `<cluster>-auto-rebalancing-add-brokers` (auto-approved). Brokers
 *     added meanwhile queue and go into the next one. The resource is deleted when Ready.
 *   - scale down: rb_auto_decommission queues brokers for
 *     `<cluster>-auto-rebalancing-remove-brokers` (auto-approved); it takes precedence: a
 *     running add-brokers rebalance is stopped (its brokers queue again). When it is Ready and
 *     the model shows the brokers without replicas, they are reported safe to stop.
 *   - self-healing (off unless heal_ms > 0): a broker dead for heal_ms that still holds
 *     replicas gets `<cluster>-auto-rebalancing-fix-offline` (remove-brokers of the dead
 *     brokers, auto-approved), deleted when Ready.
 * It acts through the controller's calls for its own resources (rb_own_apply, rb_get,
 * rb_own_annotate, rb_own_delete: files in standalone mode, the API in Kubernetes mode) from
 * the controller's thread, never holding the controller's lock; its own state is
 * guarded by auto.lock (the REST threads read it and queue decommissions). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/alloc.h"
#include "common/clock.h"
#include "common/log.h"
#include "rebalance/rebalance.h"

#define MAX_IDS 256

enum auto_state { IDLE, SCALE_UP, SCALE_DOWN, FIX_OFFLINE };
static const char *const state_names[] = {"Idle", "RebalanceOnScaleUp", "RebalanceOnScaleDown",
                                          "RebalanceOnBrokerFailure"};

struct ids {
    int32_t v[MAX_IDS];
    int n;
};

struct rb_auto {
    pthread_mutex_t lock;
    char *cluster;
    char *tmpl[2];              /* template resource per mode (add, remove), or NULL */
    int64_t settle_ms;
    uint64_t gen;               /* the generation last looked at */
    struct ids known;           /* its brokers */
    struct ids queued;          /* joined, waiting for an add-brokers rebalance */
    int64_t queued_ms[MAX_IDS]; /* when each was seen */
    struct ids adding;          /* in the add-brokers resource */
    struct ids removing;        /* asked to decommission */
    struct ids safe;            /* emptied: safe to stop */
    bool remove_made;           /* the remove-brokers resource exists */
    bool remove_done;           /* the brokers of `removing` are empty: reported, not redone */
    int64_t heal_ms;            /* self-healing: a dead broker holding replicas this long gets
                                   its replicas moved off; 0: not configured */
    bool heal_on;               /* self-healing switched on (heal_ms > 0 at first; switched at
                                   run time by rb_auto_self_healing) */
    double born_ms, on_ms, on_since_ms; /* created; time self-healing was on before
                                   on_since_ms (clock_mono_ms), when it was last switched on */
    struct ids dead;            /* dead brokers holding replicas in the newest model */
    int64_t dead_ms[MAX_IDS];   /* since when each has been seen so */
    struct ids healing;         /* in the fix-offline resource */
    enum auto_state state;
    char since[32];
    char *last_error;
};

static bool has(const struct ids *s, int32_t id)
{
    for (int i = 0; i < s->n; i++)
        if (s->v[i] == id)
            return true;
    return false;
}

static void put(struct ids *s, int32_t id)
{
    if (!has(s, id) && s->n < MAX_IDS)
        s->v[s->n++] = id;
}

static void now_text(char *buf, size_t len)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void set_state(struct rb_auto *a, enum auto_state st)
{
    if (a->state != st) {
        log_info("auto-rebalancer: %s -> %s", state_names[a->state], state_names[st]);
        a->state = st;
        now_text(a->since, sizeof(a->since));
    }
}

struct rb_auto *rb_auto_create(const char *cluster, int64_t settle_ms, const char *tmpl_add,
                               const char *tmpl_remove, int64_t heal_ms)
{
    struct rb_auto *a = xcalloc(1, sizeof(*a));
    a->heal_ms = heal_ms;
    a->heal_on = heal_ms > 0;
    a->born_ms = a->on_since_ms = clock_mono_ms();
    pthread_mutex_init(&a->lock, NULL);
    a->cluster = xstrdup(cluster);
    a->tmpl[0] = tmpl_add ? xstrdup(tmpl_add) : NULL;
    a->tmpl[1] = tmpl_remove ? xstrdup(tmpl_remove) : NULL;
    a->settle_ms = settle_ms;
    now_text(a->since, sizeof(a->since));
    return a;
}

void rb_auto_destroy(struct rb_auto *a)
{
    if (!a)
        return;
    pthread_mutex_destroy(&a->lock);
    free(a->cluster);
    free(a->tmpl[0]);
    free(a->tmpl[1]);
    free(a->last_error);
    free(a);
}

/* The resource to create: auto-approved, the reason annotated, the spec of the mode's
 * template if one is configured (as Strimzi: all of it, then mode and brokers set; the
 * intra-broker fields left out), else just mode and brokers. -ENOENT when the template is
 * missing or not marked strimzi.io/rebalance-template: "true" (Strimzi then skips). */
static int resource(const struct rb_auto *a, struct rb_controller *c, const char *mode,
                    const struct ids *b, cJSON **ret, struct error *err)
{
    bool add = strcmp(mode, "add-brokers") == 0;
    bool heal = strcmp(mode, "fix-offline") == 0; /* remove-brokers of dead brokers */
    const char *tname = heal ? NULL : a->tmpl[add ? 0 : 1];
    cJSON *spec = NULL;
    if (tname) {
        cJSON *t = rb_get(c, tname);
        const char *mark = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(t, "metadata"),
                                             "annotations"),
            RB_ANNOT_TEMPLATE));
        if (!t || !mark || strcmp(mark, "true") != 0) {
            cJSON_Delete(t);
            return error_set(err, -ENOENT, "the %s template KafkaRebalance '%s' %s; "
                             "auto-rebalancing skipped", mode, tname,
                             t ? "is not annotated " RB_ANNOT_TEMPLATE ": \"true\""
                               : "does not exist");
        }
        spec = cJSON_DetachItemFromObjectCaseSensitive(t, "spec");
        cJSON_Delete(t);
    }
    if (!cJSON_IsObject(spec)) {
        cJSON_Delete(spec);
        spec = cJSON_CreateObject();
    }
    static const char *const drop[] = {"mode", "brokers", "rebalanceDisk",
                                       "moveReplicasOffVolumes"};
    for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
        cJSON_DeleteItemFromObjectCaseSensitive(spec, drop[i]);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "apiVersion", "kafka.strimzi.io/v1");
    cJSON_AddStringToObject(o, "kind", "KafkaRebalance");
    cJSON *md = cJSON_AddObjectToObject(o, "metadata");
    char *name = xasprintf("%s-auto-rebalancing-%s", a->cluster, mode);
    cJSON_AddStringToObject(md, "name", name);
    free(name);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(md, "labels"), RB_LABEL_CLUSTER, a->cluster);
    cJSON *an = cJSON_AddObjectToObject(md, "annotations");
    cJSON_AddStringToObject(an, RB_ANNOT_AUTO_APPROVAL, "true");
    char *why;
    if (heal) {
        char list[256] = "";
        for (int i = 0; i < b->n && strlen(list) < sizeof(list) - 16; i++)
            snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%d", i ? "," : "",
                     b->v[i]);
        why = xasprintf("self-healing: broker%s %s dead for over %lld ms still hold%s "
                        "replicas", b->n > 1 ? "s" : "", list, (long long)a->heal_ms,
                        b->n > 1 ? "" : "s");
    } else {
        why = xstrdup(add ? "brokers joined the cluster empty"
                          : "brokers asked to be decommissioned");
    }
    cJSON_AddStringToObject(an, "ballast.io/reason", why);
    free(why);
    if (tname)
        cJSON_AddStringToObject(an, "ballast.io/template", tname);
    cJSON_AddStringToObject(spec, "mode", heal ? "remove-brokers" : mode);
    cJSON *arr = cJSON_AddArrayToObject(spec, "brokers");
    for (int i = 0; i < b->n; i++)
        cJSON_AddItemToArray(arr, cJSON_CreateNumber(b->v[i]));
    cJSON_AddItemToObject(o, "spec", spec);
    *ret = o;
    return 0;
}

/* Creates the resource of mode for b through the controller (a file, or the API). */
static int create(struct rb_auto *a, struct rb_controller *c, const char *mode,
                  const struct ids *b, struct error *err)
{
    cJSON *o = NULL;
    int rc = resource(a, c, mode, b, &o, err);
    if (rc == 0)
        rc = rb_own_apply(c, o, err);
    cJSON_Delete(o);
    return rc;
}

static enum rb_state state_of(struct rb_controller *c, const char *name, bool *ret_exists)
{
    cJSON *o = rb_get(c, name);
    *ret_exists = o != NULL;
    enum rb_state st = o ? rb_resource_state(o) : RB_NEW;
    cJSON_Delete(o);
    return st;
}

static void fail(struct rb_auto *a, const char *what, const struct error *err)
{
    log_warn("auto-rebalancer: %s: %s", what, err->msg);
    free(a->last_error);
    a->last_error = xasprintf("%s: %s", what, err->msg);
}

/* Replica count of each broker of the model (ret sized c->nbrokers). */
static void replica_counts(const struct model_cluster *c, int64_t *ret)
{
    memset(ret, 0, sizeof(*ret) * (size_t)c->nbrokers);
    for (int32_t p = 0; p < c->npartitions; p++) {
        const struct model_replica *r = model_replicas_of(c, p);
        for (int k = 0; k < c->partitions[p].rf; k++)
            ret[r[k].broker]++;
    }
}

/* Queues brokers new in generation g (absent from the previous, no replica). */
static void look_at(struct rb_auto *a, const struct svc_gen *g)
{
    const struct model_cluster *c = g->cluster;
    int64_t *n = xcalloc((size_t)c->nbrokers + 1, sizeof(*n));
    replica_counts(c, n);
    struct ids now = {0};
    for (int32_t b = 0; b < c->nbrokers; b++) {
        int32_t id = c->brokers[b].id;
        put(&now, id);
        if (a->gen && !has(&a->known, id) && n[b] == 0 && !has(&a->queued, id) &&
            !has(&a->adding, id)) {
            a->queued_ms[a->queued.n] = clock_wall_ms();
            put(&a->queued, id);
            log_info("auto-rebalancer: broker %d joined empty (model generation %llu); an "
                     "add-brokers rebalance follows in %lld ms unless more join", id,
                     (unsigned long long)g->id, (long long)a->settle_ms);
        }
    }
    /* dead brokers holding replicas, each with the time it was first seen so */
    struct ids dead = {0};
    int64_t dead_ms[MAX_IDS];
    for (int32_t b = 0; b < c->nbrokers; b++) {
        if (!(c->brokers[b].flags & BROKER_DEAD) || n[b] == 0 || dead.n >= MAX_IDS)
            continue;
        int32_t id = c->brokers[b].id;
        int64_t since = clock_wall_ms();
        bool seen = false;
        for (int i = 0; i < a->dead.n; i++)
            if (a->dead.v[i] == id) {
                since = a->dead_ms[i];
                seen = true;
            }
        if (!seen && a->heal_on)
            log_info("auto-rebalancer: broker %d is dead and holds %lld replicas; self-healing "
                     "moves them off in %lld ms unless it comes back", id, (long long)n[b],
                     (long long)a->heal_ms);
        dead_ms[dead.n] = since;
        put(&dead, id);
    }
    a->dead = dead;
    memcpy(a->dead_ms, dead_ms, sizeof(dead_ms[0]) * (size_t)dead.n);
    /* the decommissioned brokers that hold nothing now are safe to stop */
    a->safe.n = 0;
    for (int i = 0; i < a->removing.n; i++) {
        int32_t b = model_broker_find(c, a->removing.v[i]);
        if (b < 0 || n[b] == 0)
            put(&a->safe, a->removing.v[i]);
    }
    a->known = now;
    a->gen = g->id;
    free(n);
}

/* Self-healing (a->lock held): when brokers have been dead for heal_ms holding replicas,
 * <cluster>-auto-rebalancing-fix-offline (remove-brokers of those, auto-approved, as Cruise
 * Control's self-healing decommissions failed brokers); deleted when Ready. It runs beside
 * the scale-up and scale-down resources: its moves only take replicas off dead brokers. */
static void self_heal(struct rb_auto *a, struct rb_controller *c)
{
    char *name = xasprintf("%s-auto-rebalancing-fix-offline", a->cluster);
    bool exists;
    enum rb_state st = state_of(c, name, &exists);
    struct error err = {0};
    if (exists && st == RB_READY) {
        log_info("auto-rebalancer: self-healing done: brokers' replicas moved off");
        rb_own_delete(c, name, &err);
        a->healing.n = 0;
        if (a->state == FIX_OFFLINE)
            set_state(a, IDLE);
    } else if (!exists && a->healing.n) {
        a->healing.n = 0; /* deleted by a user */
        if (a->state == FIX_OFFLINE)
            set_state(a, IDLE);
    } else if (!exists && a->heal_on) {
        struct ids due = {0};
        for (int i = 0; i < a->dead.n; i++)
            if (clock_wall_ms() - a->dead_ms[i] >= a->heal_ms)
                put(&due, a->dead.v[i]);
        if (due.n) {
            if (create(a, c, "fix-offline", &due, &err) < 0) {
                fail(a, "creating the fix-offline rebalance", &err);
            } else {
                a->healing = due;
                if (a->state == IDLE)
                    set_state(a, FIX_OFFLINE);
            }
        }
    }
    free(name);
}

void rb_auto_step(struct rb_auto *a, struct rb_controller *c, struct svc *s)
{
    struct svc_gen *g = svc_current(s);
    if (!g)
        return;
    pthread_mutex_lock(&a->lock);
    if (g->id != a->gen)
        look_at(a, g);
    svc_gen_unref(g);
    if (a->heal_on || a->healing.n)
        self_heal(a, c); /* switched off: a fix-offline already made still ends */
    char *add_name = xasprintf("%s-auto-rebalancing-add-brokers", a->cluster);
    char *rm_name = xasprintf("%s-auto-rebalancing-remove-brokers", a->cluster);
    bool add_exists, rm_exists;
    enum rb_state add_st = state_of(c, add_name, &add_exists);
    enum rb_state rm_st = state_of(c, rm_name, &rm_exists);
    struct error err = {0};
    bool add_busy = add_exists && (add_st == RB_NEW || add_st == RB_PENDING_PROPOSAL ||
                                   add_st == RB_PROPOSAL_READY || add_st == RB_REBALANCING);
    /* scale down first */
    bool removing = a->removing.n && !a->remove_done;
    if (removing && !rm_exists && !a->remove_made) {
        if (add_busy) {
            /* remove-brokers takes precedence: stop the scale-up, requeue its brokers */
            if (rb_own_annotate(c, add_name, "stop", &err) < 0)
                fail(a, "stopping the add-brokers rebalance", &err);
        } else {
            if (add_exists && rb_own_delete(c, add_name, &err) == 0)
                for (int i = 0; i < a->adding.n; i++)
                    put(&a->queued, a->adding.v[i]);
            if (add_exists)
                a->adding.n = 0;
            int rc = create(a, c, "remove-brokers", &a->removing, &err);
            if (rc == -ENOENT) {
                /* no template: skipped, as Strimzi does */
                fail(a, "creating the remove-brokers rebalance", &err);
                a->removing.n = 0;
                set_state(a, IDLE);
            } else if (rc < 0) {
                fail(a, "creating the remove-brokers rebalance", &err);
            } else {
                a->remove_made = true;
                set_state(a, SCALE_DOWN);
            }
        }
    } else if (rm_exists && rm_st == RB_READY && a->safe.n == a->removing.n) {
        log_info("auto-rebalancer: decommissioned brokers emptied; safe to stop");
        rb_own_delete(c, rm_name, &err);
        a->remove_made = false;
        a->remove_done = true;
        set_state(a, IDLE);
    } else if (!rm_exists && a->remove_made) {
        a->remove_made = false; /* deleted by a user: the decommission is abandoned */
        a->removing.n = 0;
        set_state(a, IDLE);
    } else if (!rm_exists && !removing) {
        /* scale up */
        if (add_exists && (add_st == RB_READY || add_st == RB_STOPPED)) {
            if (add_st == RB_STOPPED)
                for (int i = 0; i < a->adding.n; i++)
                    put(&a->queued, a->adding.v[i]);
            rb_own_delete(c, add_name, &err);
            a->adding.n = 0;
            set_state(a, IDLE);
        } else if (!add_exists && a->queued.n) {
            int64_t newest = 0;
            for (int i = 0; i < a->queued.n; i++)
                newest = a->queued_ms[i] > newest ? a->queued_ms[i] : newest;
            if (clock_wall_ms() - newest >= a->settle_ms) {
                int rc = create(a, c, "add-brokers", &a->queued, &err);
                if (rc == -ENOENT) {
                    fail(a, "creating the add-brokers rebalance", &err);
                    a->queued.n = 0; /* skipped, as Strimzi does */
                } else if (rc < 0) {
                    fail(a, "creating the add-brokers rebalance", &err);
                } else {
                    a->adding = a->queued;
                    a->queued.n = 0;
                    set_state(a, SCALE_UP);
                }
            }
        }
    }
    free(add_name);
    free(rm_name);
    pthread_mutex_unlock(&a->lock);
}

int rb_auto_decommission(struct rb_auto *a, const int32_t *ids, int n, struct error *err)
{
    pthread_mutex_lock(&a->lock);
    int rc = 0;
    if (a->remove_made) {
        rc = error_set(err, -EBUSY, "a decommission of brokers is running (%s-auto-rebalancing-"
                       "remove-brokers); wait for it or delete it", a->cluster);
    } else {
        a->removing.n = 0;
        a->safe.n = 0;
        a->remove_done = false;
        for (int i = 0; i < n && i < MAX_IDS; i++)
            put(&a->removing, ids[i]);
        a->gen = a->gen ? a->gen - 1 : 0; /* look at the model again: safe ones */
    }
    pthread_mutex_unlock(&a->lock);
    return rc;
}

int rb_auto_self_healing(struct rb_auto *a, int on, bool *ret_before)
{
    pthread_mutex_lock(&a->lock);
    int rc = a->heal_ms > 0 ? 0 : -ENOENT;
    *ret_before = a->heal_on;
    if (rc == 0 && on >= 0 && a->heal_on != (on > 0)) {
        double now = clock_mono_ms();
        if (a->heal_on)
            a->on_ms += now - a->on_since_ms;
        a->on_since_ms = now;
        a->heal_on = on > 0;
        log_info("auto-rebalancer: self-healing switched %s", on ? "on" : "off");
    }
    pthread_mutex_unlock(&a->lock);
    return rc;
}

static cJSON *id_array(const struct ids *s)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < s->n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateNumber(s->v[i]));
    return a;
}

cJSON *rb_auto_json(struct rb_auto *a)
{
    cJSON *j = cJSON_CreateObject();
    pthread_mutex_lock(&a->lock);
    cJSON_AddStringToObject(j, "state", state_names[a->state]);
    cJSON_AddStringToObject(j, "lastTransitionTime", a->since);
    cJSON *modes = cJSON_AddArrayToObject(j, "modes");
    if (a->queued.n || a->adding.n) {
        cJSON *m = cJSON_CreateObject();
        cJSON_AddStringToObject(m, "mode", "add-brokers");
        struct ids all = a->adding;
        for (int i = 0; i < a->queued.n; i++)
            put(&all, a->queued.v[i]);
        cJSON_AddItemToObject(m, "brokers", id_array(&all));
        cJSON_AddItemToArray(modes, m);
    }
    if (a->removing.n) {
        cJSON *m = cJSON_CreateObject();
        cJSON_AddStringToObject(m, "mode", "remove-brokers");
        cJSON_AddItemToObject(m, "brokers", id_array(&a->removing));
        cJSON_AddItemToArray(modes, m);
    }
    if (a->healing.n) {
        cJSON *m = cJSON_CreateObject();
        cJSON_AddStringToObject(m, "mode", "fix-offline");
        cJSON_AddItemToObject(m, "brokers", id_array(&a->healing));
        cJSON_AddItemToArray(modes, m);
    }
    cJSON_AddItemToObject(j, "queuedBrokers", id_array(&a->queued));
    cJSON *h = cJSON_AddObjectToObject(j, "selfHealing");
    cJSON_AddBoolToObject(h, "enabled", a->heal_on);
    /* the share of the time since the start that it was on (Cruise Control's
     * selfHealingEnabledRatio) */
    double now = clock_mono_ms(), on = a->on_ms + (a->heal_on ? now - a->on_since_ms : 0);
    cJSON_AddNumberToObject(h, "enabledRatio",
                            now > a->born_ms ? on / (now - a->born_ms) : a->heal_on ? 1 : 0);
    cJSON_AddNumberToObject(h, "thresholdMs", (double)a->heal_ms);
    cJSON_AddItemToObject(h, "deadBrokers", id_array(&a->dead));
    cJSON *d = cJSON_AddObjectToObject(j, "decommission");
    cJSON_AddItemToObject(d, "brokers", id_array(&a->removing));
    cJSON_AddItemToObject(d, "safeToStop", id_array(&a->safe));
    cJSON_AddBoolToObject(d, "done", a->remove_done);
    if (a->last_error)
        cJSON_AddStringToObject(j, "lastError", a->last_error);
    pthread_mutex_unlock(&a->lock);
    return j;
}
