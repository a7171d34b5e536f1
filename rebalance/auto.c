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
 * It acts through the controller's calls for its own resources (rb_own_apply, rb_get,
 * rb_own_annotate, rb_own_delete: files in standalone mode, the API in Kubernetes mode) from
 * the controller's thread, never holding the controller's lock; its own state is
 * guarded by auto.lock (the REST threads read it and queue decommissions). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/alloc.h"
#include "common/clock.h"
#include "common/log.h"
#include "rebalance/rebalance.h"

#define MAX_IDS 256

enum auto_state { IDLE, SCALE_UP, SCALE_DOWN };
static const char *const state_names[] = {"Idle", "RebalanceOnScaleUp", "RebalanceOnScaleDown"};

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
                               const char *tmpl_remove)
{
    struct rb_auto *a = xcalloc(1, sizeof(*a));
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
    const char *tname = a->tmpl[add ? 0 : 1];
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
    cJSON_AddStringToObject(an, "ballast.io/reason",
                            add ? "brokers joined the cluster empty"
                                : "brokers asked to be decommissioned");
    if (tname)
        cJSON_AddStringToObject(an, "ballast.io/template", tname);
    cJSON_AddStringToObject(spec, "mode", mode);
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

void rb_auto_step(struct rb_auto *a, struct rb_controller *c, struct svc *s)
{
    struct svc_gen *g = svc_current(s);
    if (!g)
        return;
    pthread_mutex_lock(&a->lock);
    if (g->id != a->gen)
        look_at(a, g);
    svc_gen_unref(g);
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
    cJSON_AddItemToObject(j, "queuedBrokers", id_array(&a->queued));
    cJSON *d = cJSON_AddObjectToObject(j, "decommission");
    cJSON_AddItemToObject(d, "brokers", id_array(&a->removing));
    cJSON_AddItemToObject(d, "safeToStop", id_array(&a->safe));
    cJSON_AddBoolToObject(d, "done", a->remove_done);
    if (a->last_error)
        cJSON_AddStringToObject(j, "lastError", a->last_error);
    pthread_mutex_unlock(&a->lock);
    return j;
}
