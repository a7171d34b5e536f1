/* The in-memory cluster of executor/fake_cluster.h. Partitions, brokers and configs are
 * found through one string-keyed hash, so the benchmark's million replicas stay cheap. */
#include "executor/fake_cluster.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

/* ---- a string-keyed hash: key -> int ---- */

struct fmap {
    char **keys;
    int *vals;
    size_t cap, n;
};

static uint64_t fnv(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

static size_t fmap_slot(const struct fmap *m, const char *key)
{
    size_t i = fnv(key) & (m->cap - 1);
    while (m->keys[i] && strcmp(m->keys[i], key) != 0)
        i = (i + 1) & (m->cap - 1);
    return i;
}

static int fmap_get(const struct fmap *m, const char *key)
{
    if (!m->cap)
        return -1;
    size_t i = fmap_slot(m, key);
    return m->keys[i] ? m->vals[i] : -1;
}

static void fmap_put(struct fmap *m, const char *key, int val);

static void fmap_grow(struct fmap *m)
{
    struct fmap old = *m;
    m->cap = old.cap ? old.cap * 2 : 64;
    m->keys = xcalloc(m->cap, sizeof(*m->keys));
    m->vals = xcalloc(m->cap, sizeof(*m->vals));
    m->n = 0;
    for (size_t i = 0; i < old.cap; i++)
        if (old.keys[i]) {
            fmap_put(m, old.keys[i], old.vals[i]);
            free(old.keys[i]);
        }
    free(old.keys);
    free(old.vals);
}

static void fmap_put(struct fmap *m, const char *key, int val)
{
    if ((m->n + 1) * 2 > m->cap)
        fmap_grow(m);
    size_t i = fmap_slot(m, key);
    if (!m->keys[i]) {
        m->keys[i] = xstrdup(key);
        m->n++;
    }
    m->vals[i] = val;
}

static void fmap_free(struct fmap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->keys[i]);
    free(m->keys);
    free(m->vals);
}

/* ---- the cluster ---- */

struct fbroker {
    int32_t id;
    bool down;
    char **dirs;
    int ndirs;
};

struct fpart {
    char *topic;
    int32_t id;
    int32_t rep[MODEL_MAX_RF];
    int16_t dir[MODEL_MAX_RF];
    int n;
    int32_t leader;
    int64_t size;
    bool moving, foreign, finishes, stuck;
    int32_t orig[MODEL_MAX_RF], target[MODEL_MAX_RF];
    int norig, ntarget, polls;
    int16_t pend_dir[MODEL_MAX_RF]; /* a log-dir move in progress per slot, -1 none */
    int pend_polls[MODEL_MAX_RF];
    bool dir_moving;
    int32_t pref_broker[4]; /* dirs for replicas still to arrive */
    int16_t pref_dir[4];
    int npref;
};

struct fconfig {
    char *value; /* NULL: deleted */
    char *stale; /* a deleted broker config still described (fake_set_stale_deletes) */
    int stale_left;
};

struct fake_cluster {
    struct exec_cluster cl;
    struct fbroker *brokers;
    int nbrokers;
    size_t cap_brokers;
    struct fpart *parts;
    int nparts;
    size_t cap_parts;
    struct fmap part_map, broker_map, config_map;
    struct fconfig *configs;
    int nconfigs;
    size_t cap_configs;
    int *moving; /* partitions with a reassignment or a log-dir move in progress */
    int nmoving;
    size_t cap_moving;
    int move_polls;
    int stale_deletes;
    bool kafka28_append;
    bool track;
    int max_conc;
    double now;
    int fail_rc[FAKE_NOPS], fail_times[FAKE_NOPS], calls[FAKE_NOPS], topic_alters;
    void (*hook)(struct fake_cluster *, void *);
    void *hook_arg;
    char fail_msg[FAKE_NOPS][256];
};

static const struct exec_cluster_ops fake_table;

struct fake_cluster *fake_create(void)
{
    struct fake_cluster *f = xcalloc(1, sizeof(*f));
    f->cl.ops = &fake_table;
    f->cl.ctx = f;
    f->move_polls = 2;
    f->now = 1e9;
    return f;
}

void fake_destroy(struct fake_cluster *f)
{
    if (!f)
        return;
    for (int i = 0; i < f->nbrokers; i++) {
        for (int k = 0; k < f->brokers[i].ndirs; k++)
            free(f->brokers[i].dirs[k]);
        free(f->brokers[i].dirs);
    }
    for (int i = 0; i < f->nparts; i++)
        free(f->parts[i].topic);
    for (int i = 0; i < f->nconfigs; i++) {
        free(f->configs[i].value);
        free(f->configs[i].stale);
    }
    free(f->brokers);
    free(f->parts);
    free(f->configs);
    free(f->moving);
    fmap_free(&f->part_map);
    fmap_free(&f->broker_map);
    fmap_free(&f->config_map);
    free(f);
}

struct exec_cluster *fake_ops(struct fake_cluster *f)
{
    return &f->cl;
}

void fake_set_move_polls(struct fake_cluster *f, int polls)
{
    f->move_polls = polls;
}

void fake_track_concurrency(struct fake_cluster *f, bool on)
{
    f->track = on;
}

int fake_max_concurrency(const struct fake_cluster *f)
{
    return f->max_conc;
}

static struct fbroker *broker(const struct fake_cluster *f, int32_t id)
{
    char key[16];
    snprintf(key, sizeof(key), "%d", id);
    int i = fmap_get(&f->broker_map, key);
    return i < 0 ? NULL : &f->brokers[i];
}

static struct fpart *part(const struct fake_cluster *f, const char *topic, int32_t p)
{
    char key[300];
    snprintf(key, sizeof(key), "%s\x01%d", topic, p);
    int i = fmap_get(&f->part_map, key);
    return i < 0 ? NULL : &f->parts[i];
}

void fake_add_broker(struct fake_cluster *f, int32_t id, const char *dirs)
{
    xgrow((void **)&f->brokers, &f->cap_brokers, (size_t)f->nbrokers + 1, sizeof(*f->brokers));
    struct fbroker *b = &f->brokers[f->nbrokers];
    memset(b, 0, sizeof(*b));
    b->id = id;
    char *copy = xstrdup(dirs ? dirs : "/data");
    b->dirs = xcalloc(16, sizeof(*b->dirs));
    for (char *save = NULL, *t = strtok_r(copy, ",", &save); t && b->ndirs < 16;
         t = strtok_r(NULL, ",", &save))
        b->dirs[b->ndirs++] = xstrdup(t);
    free(copy);
    char key[16];
    snprintf(key, sizeof(key), "%d", id);
    fmap_put(&f->broker_map, key, f->nbrokers++);
}

void fake_set_down(struct fake_cluster *f, int32_t id, bool down)
{
    struct fbroker *b = broker(f, id);
    if (b)
        b->down = down;
}

void fake_add_partition(struct fake_cluster *f, const char *topic, int32_t partition,
                        const int32_t *replicas, int n, int64_t size)
{
    xgrow((void **)&f->parts, &f->cap_parts, (size_t)f->nparts + 1, sizeof(*f->parts));
    struct fpart *p = &f->parts[f->nparts];
    memset(p, 0, sizeof(*p));
    p->topic = xstrdup(topic);
    p->id = partition;
    memcpy(p->rep, replicas, (size_t)n * sizeof(*replicas));
    p->n = n;
    p->leader = replicas[0];
    p->size = size;
    for (int k = 0; k < MODEL_MAX_RF; k++)
        p->pend_dir[k] = -1;
    char key[300];
    snprintf(key, sizeof(key), "\x02%s", topic); /* the topic exists */
    fmap_put(&f->part_map, key, f->nparts);
    snprintf(key, sizeof(key), "%s\x01%d", topic, partition);
    fmap_put(&f->part_map, key, f->nparts++);
}

static bool has(const int32_t *ids, int n, int32_t id)
{
    for (int i = 0; i < n; i++)
        if (ids[i] == id)
            return true;
    return false;
}

static void add_moving(struct fake_cluster *f, struct fpart *p)
{
    int idx = (int)(p - f->parts);
    for (int i = 0; i < f->nmoving; i++)
        if (f->moving[i] == idx)
            return;
    xgrow((void **)&f->moving, &f->cap_moving, (size_t)f->nmoving + 1, sizeof(*f->moving));
    f->moving[f->nmoving++] = idx;
}

/* The dir a replica arriving on broker b takes: the one asked for in advance, else the first. */
static int16_t arriving_dir(struct fpart *p, int32_t b)
{
    for (int i = 0; i < p->npref; i++)
        if (p->pref_broker[i] == b)
            return p->pref_dir[i];
    return 0;
}

/* Sets the replica list to ids[0..n), keeping the dirs of replicas that stay. */
static void set_replicas(struct fpart *p, const int32_t *ids, int n)
{
    int16_t dirs[MODEL_MAX_RF];
    int32_t copy[MODEL_MAX_RF];
    memcpy(copy, ids, (size_t)n * sizeof(*ids));
    for (int i = 0; i < n; i++) {
        dirs[i] = -1;
        for (int k = 0; k < p->n; k++)
            if (p->rep[k] == copy[i])
                dirs[i] = p->dir[k];
        if (dirs[i] < 0)
            dirs[i] = arriving_dir(p, copy[i]);
    }
    memcpy(p->rep, copy, (size_t)n * sizeof(*copy));
    memcpy(p->dir, dirs, (size_t)n * sizeof(*dirs));
    p->n = n;
}

static void pick_leader(struct fake_cluster *f, struct fpart *p)
{
    if (p->leader >= 0 && has(p->rep, p->n, p->leader))
        return;
    p->leader = -1;
    for (int i = 0; i < p->n && p->leader < 0; i++)
        if (!broker(f, p->rep[i])->down)
            p->leader = p->rep[i];
}

static void complete(struct fake_cluster *f, struct fpart *p)
{
    set_replicas(p, p->target, p->ntarget);
    p->moving = p->foreign = false;
    p->npref = 0;
    pick_leader(f, p);
}

static void track(struct fake_cluster *f)
{
    if (!f->track)
        return;
    for (int b = 0; b < f->nbrokers; b++) {
        int n = 0;
        for (int i = 0; i < f->nmoving; i++) {
            const struct fpart *p = &f->parts[f->moving[i]];
            n += p->moving && !p->foreign && (has(p->orig, p->norig, f->brokers[b].id) ||
                                              has(p->target, p->ntarget, f->brokers[b].id));
        }
        f->max_conc = n > f->max_conc ? n : f->max_conc;
    }
}

/* One poll: moves in progress advance. */
static void tick(struct fake_cluster *f)
{
    if (f->hook)
        f->hook(f, f->hook_arg);
    for (int i = 0; i < f->nmoving;) {
        struct fpart *p = &f->parts[f->moving[i]];
        if (p->moving && !p->stuck && (!p->foreign || p->finishes)) {
            bool blocked = false;
            for (int k = 0; k < p->ntarget; k++)
                blocked |= !has(p->orig, p->norig, p->target[k]) && broker(f, p->target[k])->down;
            if (!blocked && --p->polls <= 0)
                complete(f, p);
        }
        if (p->dir_moving) {
            p->dir_moving = false;
            for (int k = 0; k < p->n; k++) {
                if (p->pend_dir[k] < 0)
                    continue;
                if (--p->pend_polls[k] <= 0) {
                    p->dir[k] = p->pend_dir[k];
                    p->pend_dir[k] = -1;
                } else {
                    p->dir_moving = true;
                }
            }
        }
        if (!p->moving && !p->dir_moving)
            f->moving[i] = f->moving[--f->nmoving];
        else
            i++;
    }
}

void fake_start_foreign(struct fake_cluster *f, const char *topic, int32_t partition,
                        const int32_t *target, int n, bool finishes)
{
    struct fpart *p = part(f, topic, partition);
    memcpy(p->orig, p->rep, (size_t)p->n * sizeof(*p->rep));
    p->norig = p->n;
    memcpy(p->target, target, (size_t)n * sizeof(*target));
    p->ntarget = n;
    int32_t merged[2 * MODEL_MAX_RF];
    int nm = 0;
    for (int k = 0; k < n; k++)
        merged[nm++] = target[k];
    for (int k = 0; k < p->norig; k++)
        if (!has(target, n, p->orig[k]))
            merged[nm++] = p->orig[k];
    set_replicas(p, merged, nm);
    p->moving = p->foreign = true;
    p->finishes = finishes;
    p->polls = f->move_polls;
    add_moving(f, p);
}

void fake_set_stuck(struct fake_cluster *f, const char *topic, int32_t partition, bool stuck)
{
    part(f, topic, partition)->stuck = stuck;
}

static struct fconfig *config(const struct fake_cluster *f, int8_t type, const char *resource,
                              const char *key)
{
    char k[600];
    snprintf(k, sizeof(k), "%d\x01%s\x01%s", type, resource, key);
    int i = fmap_get(&f->config_map, k);
    return i < 0 ? NULL : &f->configs[i];
}

void fake_set_config(struct fake_cluster *f, int8_t type, const char *resource,
                     const char *key, const char *value)
{
    struct fconfig *c = config(f, type, resource, key);
    if (!c) {
        xgrow((void **)&f->configs, &f->cap_configs, (size_t)f->nconfigs + 1,
              sizeof(*f->configs));
        c = &f->configs[f->nconfigs];
        *c = (struct fconfig){0};
        char k[600];
        snprintf(k, sizeof(k), "%d\x01%s\x01%s", type, resource, key);
        fmap_put(&f->config_map, k, f->nconfigs++);
    }
    free(c->stale);
    c->stale = NULL;
    c->stale_left = 0;
    if (!value && c->value && type == KAFKA_RESOURCE_BROKER && f->stale_deletes > 0) {
        c->stale = c->value; /* described a while longer, as a ZooKeeper-mode broker does */
        c->stale_left = f->stale_deletes;
        c->value = NULL;
    }
    free(c->value);
    c->value = value ? xstrdup(value) : NULL;
}

void fake_set_stale_deletes(struct fake_cluster *f, int describes)
{
    f->stale_deletes = describes;
}

void fake_set_kafka28_append(struct fake_cluster *f, bool on)
{
    f->kafka28_append = on;
}

const char *fake_config(const struct fake_cluster *f, int8_t type, const char *resource,
                        const char *key)
{
    const struct fconfig *c = config(f, type, resource, key);
    return c ? c->value : NULL;
}

void fake_fail(struct fake_cluster *f, enum fake_op op, int rc, const char *msg, int times)
{
    f->fail_rc[op] = rc;
    f->fail_times[op] = times;
    snprintf(f->fail_msg[op], sizeof(f->fail_msg[op]), "%s", msg);
}

int fake_calls(const struct fake_cluster *f, enum fake_op op)
{
    return f->calls[op];
}

int fake_topic_alters(const struct fake_cluster *f)
{
    return f->topic_alters;
}

void fake_set_poll_hook(struct fake_cluster *f, void (*fn)(struct fake_cluster *, void *),
                        void *arg)
{
    f->hook = fn;
    f->hook_arg = arg;
}

int fake_replicas(const struct fake_cluster *f, const char *topic, int32_t partition,
                  int32_t *out)
{
    const struct fpart *p = part(f, topic, partition);
    memcpy(out, p->rep, (size_t)p->n * sizeof(*out));
    return p->n;
}

int32_t fake_leader(const struct fake_cluster *f, const char *topic, int32_t partition)
{
    return part(f, topic, partition)->leader;
}

const char *fake_dir(const struct fake_cluster *f, const char *topic, int32_t partition,
                     int32_t b)
{
    const struct fpart *p = part(f, topic, partition);
    for (int k = 0; k < p->n; k++)
        if (p->rep[k] == b)
            return broker(f, b)->dirs[p->dir[k]];
    return NULL;
}

bool fake_in_progress(const struct fake_cluster *f, const char *topic, int32_t partition)
{
    return part(f, topic, partition)->moving;
}

int fake_ninprogress(const struct fake_cluster *f)
{
    int n = 0;
    for (int i = 0; i < f->nmoving; i++)
        n += f->parts[f->moving[i]].moving;
    return n;
}

/* ---- the operations ---- */

/* Counts the call and fails it when a failure was injected. */
static int enter(struct fake_cluster *f, enum fake_op op, struct error *err)
{
    f->calls[op]++;
    if (f->fail_times[op] <= 0)
        return 0;
    f->fail_times[op]--;
    return error_set(err, f->fail_rc[op], "%s", f->fail_msg[op]);
}

static int kafka_err(struct error *err, int16_t code, const char *name, const char *topic,
                     int32_t p, const char *msg)
{
    return kafka_error_set(err, code, "topic %s partition %d: %s (%d): %s", topic, p, name,
                           code, msg);
}

static int reachable(struct fake_cluster *f, int32_t id, struct error *err)
{
    struct fbroker *b = broker(f, id);
    if (!b)
        return error_set(err, -ENOENT, "broker %d is not in the cluster", id);
    if (b->down)
        return error_set(err, -ECONNREFUSED, "broker %d: connect: Connection refused", id);
    return 0;
}

static int reassign_one(struct fake_cluster *f, const struct kafka_reassignment *r,
                        struct error *err)
{
    struct fpart *p = part(f, r->topic, r->partition);
    if (!p)
        return kafka_err(err, 3, "UNKNOWN_TOPIC_OR_PARTITION", r->topic, r->partition,
                         "no such partition");
    if (!r->replicas) {
        if (!p->moving)
            return kafka_err(err, 85, "NO_REASSIGNMENT_IN_PROGRESS", r->topic, r->partition,
                             "no reassignment in progress");
        /* Kafka: the merged list without the replicas being added, in the merged order */
        int32_t back[2 * MODEL_MAX_RF];
        int nb = 0;
        for (int k = 0; k < p->n; k++)
            if (has(p->orig, p->norig, p->rep[k]))
                back[nb++] = p->rep[k];
        set_replicas(p, back, nb);
        p->moving = p->foreign = false;
        p->npref = 0;
        pick_leader(f, p);
        return 0;
    }
    for (int k = 0; k < r->nreplicas; k++)
        if (!broker(f, r->replicas[k]))
            return kafka_err(err, 39, "INVALID_REPLICA_ASSIGNMENT", r->topic, r->partition,
                             "unknown broker");
    if (!p->moving) {
        memcpy(p->orig, p->rep, (size_t)p->n * sizeof(*p->rep));
        p->norig = p->n;
    }
    memcpy(p->target, r->replicas, (size_t)r->nreplicas * sizeof(*r->replicas));
    p->ntarget = r->nreplicas;
    p->foreign = false;
    bool adds = false;
    for (int k = 0; k < p->ntarget; k++)
        adds |= !has(p->orig, p->norig, p->target[k]);
    if (!adds) {
        complete(f, p);
        return 0;
    }
    int32_t merged[2 * MODEL_MAX_RF];
    int nm = 0;
    for (int k = 0; k < p->ntarget; k++)
        merged[nm++] = p->target[k];
    for (int k = 0; k < p->norig; k++)
        if (!has(p->target, p->ntarget, p->orig[k]))
            merged[nm++] = p->orig[k];
    set_replicas(p, merged, nm);
    p->moving = true;
    p->polls = f->move_polls;
    add_moving(f, p);
    return 0;
}

/* Per-partition errors: the others are applied; the call fails with the first. */
static int f_reassign(void *ctx, const struct kafka_reassignment *r, int n, struct error *err)
{
    struct fake_cluster *f = ctx;
    int rc = enter(f, FAKE_REASSIGN, err);
    if (rc < 0)
        return rc;
    int nbad = 0;
    for (int i = 0; i < n; i++) {
        struct error e2 = {0};
        int r2 = reassign_one(f, &r[i], &e2);
        if (r2 < 0 && nbad++ == 0) {
            rc = r2;
            *err = e2;
        }
    }
    if (nbad > 1)
        error_prefix(err, "%d partitions refused, the first", nbad);
    track(f);
    return rc;
}

static int f_list(void *ctx, struct kafka_ongoing **ret, int *ret_n, struct error *err)
{
    struct fake_cluster *f = ctx;
    int rc = enter(f, FAKE_LIST, err);
    if (rc < 0)
        return rc;
    tick(f);
    struct kafka_ongoing *o = xcalloc((size_t)f->nmoving + 1, sizeof(*o));
    int n = 0;
    for (int i = 0; i < f->nmoving; i++) {
        const struct fpart *p = &f->parts[f->moving[i]];
        if (!p->moving)
            continue;
        struct kafka_ongoing *g = &o[n++];
        snprintf(g->topic, sizeof(g->topic), "%s", p->topic);
        g->partition = p->id;
        memcpy(g->replicas, p->rep, (size_t)p->n * sizeof(*p->rep));
        g->nreplicas = p->n;
        for (int k = 0; k < p->ntarget; k++)
            if (!has(p->orig, p->norig, p->target[k]))
                g->adding[g->nadding++] = p->target[k];
        for (int k = 0; k < p->norig; k++)
            if (!has(p->target, p->ntarget, p->orig[k]))
                g->removing[g->nremoving++] = p->orig[k];
    }
    *ret = o;
    *ret_n = n;
    return 0;
}

static int check_resource(struct fake_cluster *f, int8_t type, const char *resource,
                          struct error *err)
{
    if (type == KAFKA_RESOURCE_BROKER)
        return reachable(f, (int32_t)strtol(resource, NULL, 10), err);
    char key[300];
    snprintf(key, sizeof(key), "\x02%s", resource);
    if (fmap_get(&f->part_map, key) >= 0)
        return 0;
    return kafka_error_set(err, KAFKA_ERR_UNKNOWN_TOPIC_OR_PARTITION,
                           "topic %s: UNKNOWN_TOPIC_OR_PARTITION (3): no such topic", resource);
}

static int f_describe(void *ctx, int8_t type, const char *resource, const char *const *keys,
                      int nkeys, struct kafka_config_entry **ret, int *ret_n, struct error *err)
{
    struct fake_cluster *f = ctx;
    int rc = enter(f, FAKE_DESCRIBE, err);
    if (rc < 0 || (rc = check_resource(f, type, resource, err)) < 0)
        return rc;
    struct kafka_config_entry *e = xcalloc((size_t)nkeys + 1, sizeof(*e));
    int n = 0;
    for (int i = 0; i < nkeys; i++) {
        const char *v = fake_config(f, type, resource, keys[i]);
        struct fconfig *c = v ? NULL : config(f, type, resource, keys[i]);
        if (c && c->stale && c->stale_left > 0) {
            v = c->stale;
            c->stale_left--;
        }
        if (!v)
            continue;
        e[n].name = xstrdup(keys[i]);
        e[n].value = xstrdup(v);
        e[n].source = type == KAFKA_RESOURCE_BROKER ? KAFKA_CONFIG_DYNAMIC_BROKER
                                                    : KAFKA_CONFIG_DYNAMIC_TOPIC;
        n++;
    }
    *ret = e;
    *ret_n = n;
    return 0;
}

static bool list_contains(const char *list, const char *entry, size_t len)
{
    for (const char *p = list; p && *p;) {
        const char *q = strchr(p, ',');
        size_t l = q ? (size_t)(q - p) : strlen(p);
        if (l == len && strncmp(p, entry, len) == 0)
            return true;
        p = q ? q + 1 : NULL;
    }
    return false;
}

/* APPEND (add) or SUBTRACT (remove) the entries of `value` to or from the list `have`. */
static char *edit_list(const char *have, const char *value, bool add)
{
    size_t cap = (have ? strlen(have) : 0) + strlen(value) + 2;
    char *out = xcalloc(cap, 1);
    size_t off = 0;
    for (const char *p = have; p && *p;) { /* keep what stays */
        const char *q = strchr(p, ',');
        size_t l = q ? (size_t)(q - p) : strlen(p);
        if (add || !list_contains(value, p, l))
            off += (size_t)snprintf(out + off, cap - off, "%s%.*s", off ? "," : "", (int)l, p);
        p = q ? q + 1 : NULL;
    }
    for (const char *p = value; add && *p;) {
        const char *q = strchr(p, ',');
        size_t l = q ? (size_t)(q - p) : strlen(p);
        if (!list_contains(out, p, l))
            off += (size_t)snprintf(out + off, cap - off, "%s%.*s", off ? "," : "", (int)l, p);
        if (!q)
            break;
        p = q + 1;
    }
    return out;
}

static int f_alter(void *ctx, const struct kafka_config_alter *a, int n, struct error *err)
{
    struct fake_cluster *f = ctx;
    int rc = enter(f, FAKE_ALTER, err);
    if (rc < 0 || n == 0 || (rc = check_resource(f, a[0].type, a[0].resource, err)) < 0)
        return rc;
    f->topic_alters += a[0].type == KAFKA_RESOURCE_TOPIC;
    for (int i = 0; i < n; i++) {
        const char *have = fake_config(f, a[i].type, a[i].resource, a[i].name);
        switch (a[i].op) {
        case KAFKA_CONFIG_SET:
            fake_set_config(f, a[i].type, a[i].resource, a[i].name, a[i].value);
            break;
        case KAFKA_CONFIG_DELETE:
            fake_set_config(f, a[i].type, a[i].resource, a[i].name, NULL);
            break;
        default: {
            bool add = a[i].op == KAFKA_CONFIG_APPEND;
            char *v = f->kafka28_append && add && (!have || !*have) ?
                          xasprintf(",%s", a[i].value) : edit_list(have, a[i].value, add);
            fake_set_config(f, a[i].type, a[i].resource, a[i].name, v);
            free(v);
        }
        }
    }
    return 0;
}

static int f_elect(void *ctx, const char *const *topics, const int32_t *parts, int n,
                   struct error *err)
{
    struct fake_cluster *f = ctx;
    int rc = enter(f, FAKE_ELECT, err);
    if (rc < 0)
        return rc;
    int nbad = 0;
    for (int i = 0; i < n; i++) {
        struct fpart *p = part(f, topics[i], parts[i]);
        struct error e2 = {0};
        int r2 = 0;
        if (!p)
            r2 = kafka_err(&e2, 3, "UNKNOWN_TOPIC_OR_PARTITION", topics[i], parts[i], "none");
        else if (broker(f, p->rep[0])->down)
            r2 = kafka_err(&e2, 80, "PREFERRED_LEADER_NOT_AVAILABLE", topics[i], parts[i],
                           "the preferred leader is not available");
        else
            p->leader = p->rep[0];
        if (r2 < 0 && nbad++ == 0) {
            rc = r2;
            *err = e2;
        }
    }
    if (nbad > 1)
        error_prefix(err, "%d partitions refused, the first", nbad);
    return rc;
}

static int f_log_dirs(void *ctx, int32_t b, const struct kafka_log_dir_move *m, int n,
                      struct error *err)
{
    struct fake_cluster *f = ctx;
    int rc = enter(f, FAKE_LOG_DIRS, err);
    if (rc < 0 || (rc = reachable(f, b, err)) < 0)
        return rc;
    const struct fbroker *br = broker(f, b);
    for (int i = 0; i < n; i++) {
        struct fpart *p = part(f, m[i].topic, m[i].partition);
        int16_t d = -1;
        for (int k = 0; k < br->ndirs; k++)
            if (strcmp(br->dirs[k], m[i].dir) == 0)
                d = (int16_t)k;
        if (!p)
            return kafka_err(err, 3, "UNKNOWN_TOPIC_OR_PARTITION", m[i].topic, m[i].partition, "");
        if (d < 0)
            return kafka_err(err, 57, "LOG_DIR_NOT_FOUND", m[i].topic, m[i].partition, m[i].dir);
        int slot = -1;
        for (int k = 0; k < p->n; k++)
            if (p->rep[k] == b)
                slot = k;
        if (slot < 0) {
            if (p->npref < 4) {
                p->pref_broker[p->npref] = b;
                p->pref_dir[p->npref++] = d;
            }
            rc = kafka_err(err, 9, "REPLICA_NOT_AVAILABLE", m[i].topic, m[i].partition,
                           "the replica is not on the broker yet");
            continue;
        }
        if (p->dir[slot] == d)
            continue;
        p->pend_dir[slot] = d;
        p->pend_polls[slot] = f->move_polls;
        p->dir_moving = true;
        add_moving(f, p);
    }
    return rc;
}

static int f_live(void *ctx, int32_t **ret, int *ret_n, struct error *err)
{
    struct fake_cluster *f = ctx;
    int32_t *ids = xcalloc((size_t)f->nbrokers + 1, sizeof(*ids));
    int n = 0;
    (void)err;
    for (int i = 0; i < f->nbrokers; i++)
        if (!f->brokers[i].down)
            ids[n++] = f->brokers[i].id;
    for (int i = 1; i < n; i++) /* insertion sort: ids are added mostly in order */
        for (int k = i; k > 0 && ids[k - 1] > ids[k]; k--) {
            int32_t t = ids[k];
            ids[k] = ids[k - 1];
            ids[k - 1] = t;
        }
    *ret = ids;
    *ret_n = n;
    return 0;
}

static int f_snapshot(void *ctx, struct model_cluster **ret, struct error *err)
{
    struct fake_cluster *f = ctx;
    int rc = enter(f, FAKE_SNAPSHOT, err);
    if (rc < 0)
        return rc;
    tick(f);
    struct model_cluster *c = model_cluster_create("fake");
    int32_t rack = model_rack_add(c, "r", model_zone_add(c, "z"));
    int32_t *bidx = xcalloc((size_t)f->nbrokers + 1, sizeof(*bidx));
    for (int i = 0; i < f->nbrokers && rc == 0; i++) {
        rc = model_broker_add(c, f->brokers[i].id, rack, "localhost", &bidx[i]);
        if (f->brokers[i].down)
            c->brokers[bidx[i]].flags |= BROKER_DEAD;
        for (int k = 0; k < f->brokers[i].ndirs; k++)
            model_disk_add(c, bidx[i], f->brokers[i].dirs[k], 0);
    }
    int32_t topic = -1;
    const char *tname = NULL;
    for (int i = 0; i < f->nparts && rc == 0; i++) {
        const struct fpart *p = &f->parts[i];
        if (!tname || strcmp(tname, p->topic) != 0) {
            if ((rc = model_topic_add(c, p->topic, &topic)) < 0)
                break;
            tname = p->topic;
        }
        int32_t bs[MODEL_MAX_RF];
        int64_t sizes[MODEL_MAX_RF];
        int leader = -1;
        uint32_t isr = 0;
        for (int k = 0; k < p->n; k++) {
            char key[16];
            snprintf(key, sizeof(key), "%d", p->rep[k]);
            bs[k] = bidx[fmap_get(&f->broker_map, key)];
            sizes[k] = p->size;
            leader = p->rep[k] == p->leader ? k : leader;
            bool adding = p->moving && !has(p->orig, p->norig, p->rep[k]);
            if (!c->brokers[bs[k]].flags && !adding)
                isr |= 1u << k;
        }
        int32_t pi;
        rc = model_partition_add(c, topic, p->id, p->n, bs, p->dir, sizes, leader, err, &pi);
        if (rc == 0)
            c->partitions[pi].isr = isr;
    }
    free(bidx);
    if (rc == 0)
        rc = model_cluster_finalize(c, err);
    if (rc < 0) {
        model_cluster_destroy(c);
        return rc;
    }
    *ret = c;
    return 0;
}

static double f_now(void *ctx)
{
    return ((struct fake_cluster *)ctx)->now;
}

static void f_sleep(void *ctx, double s)
{
    if (s > 0)
        ((struct fake_cluster *)ctx)->now += s;
}

static void f_destroy(void *ctx)
{
    (void)ctx; /* the test owns the fake: fake_destroy */
}

static const struct exec_cluster_ops fake_table = {
    .reassign = f_reassign,
    .list_reassignments = f_list,
    .describe_configs = f_describe,
    .alter_configs = f_alter,
    .elect_preferred = f_elect,
    .alter_log_dirs = f_log_dirs,
    .live_brokers = f_live,
    .snapshot = f_snapshot,
    .now = f_now,
    .sleep = f_sleep,
    .destroy = f_destroy,
};
