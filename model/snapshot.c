/* Cluster snapshot JSON: strict parsing with located errors, deterministic dumping; see
 * snapshot.h and docs/snapshot.md. */
#include "model/snapshot.h"

#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/alloc.h"

#define MAX_TOPICS 1000000
#define MAX_PARTITIONS_PER_TOPIC 1000000
#define MAX_REPLICAS 100000000LL
#define MAX_BROKERS 100000
#define MAX_NAME 4096

static const char *const res_keys[RES_COUNT] = {"cpu", "nwInBytesPerSec", "nwOutBytesPerSec",
                                                "diskBytes"};

struct parser {
    const char *file;
    struct error *err;
};

static int fail(struct parser *ps, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct parser *ps, const char *where, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return error_set(ps->err, -EINVAL, "%s: %s%s%s", ps->file, where, *where ? ": " : "", msg);
}

static const char *type_name(const cJSON *v)
{
    if (cJSON_IsNumber(v))
        return "a number";
    if (cJSON_IsString(v))
        return "a string";
    if (cJSON_IsBool(v))
        return "a boolean";
    if (cJSON_IsNull(v))
        return "null";
    if (cJSON_IsArray(v))
        return "an array";
    if (cJSON_IsObject(v))
        return "an object";
    return "something else";
}

/* Every key of obj must be in allowed (NULL-terminated); duplicates are errors too. */
static int check_keys(struct parser *ps, const char *where, const cJSON *obj,
                      const char *const *allowed)
{
    for (const cJSON *it = obj->child; it; it = it->next) {
        bool ok = false;
        for (int i = 0; allowed[i] && !ok; i++)
            ok = strcmp(it->string, allowed[i]) == 0;
        if (!ok)
            return fail(ps, where, "unknown field '%s'", it->string);
        for (const cJSON *o = obj->child; o != it; o = o->next)
            if (strcmp(o->string, it->string) == 0)
                return fail(ps, where, "field '%s' appears twice", it->string);
    }
    return 0;
}

static int get_int(struct parser *ps, const char *where, const cJSON *obj, const char *key,
                   bool required, int64_t min, int64_t max, int64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v) {
        if (required)
            return fail(ps, where, "missing field '%s'", key);
        return 0;
    }
    if (!cJSON_IsNumber(v))
        return fail(ps, where, "'%s' must be an integer, not %s", key, type_name(v));
    double d = v->valuedouble;
    if (d != floor(d) || fabs(d) > 9007199254740992.0)
        return fail(ps, where, "'%s' must be an integer, not %.17g", key, d);
    if (d < (double)min || d > (double)max)
        return fail(ps, where, "'%s' = %.0f is out of range %lld..%lld", key, d, (long long)min,
                    (long long)max);
    *out = (int64_t)d;
    return 0;
}

static int get_num(struct parser *ps, const char *where, const cJSON *obj, const char *key,
                   double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v)
        return 0;
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
        return fail(ps, where, "'%s' must be a number, not %s", key, type_name(v));
    if (v->valuedouble < 0)
        return fail(ps, where, "'%s' must not be negative (%.17g)", key, v->valuedouble);
    *out = v->valuedouble;
    return 0;
}

static int get_str(struct parser *ps, const char *where, const cJSON *obj, const char *key,
                   bool required, const char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v) {
        if (required)
            return fail(ps, where, "missing field '%s'", key);
        return 0;
    }
    if (!cJSON_IsString(v))
        return fail(ps, where, "'%s' must be a string, not %s", key, type_name(v));
    size_t n = strlen(v->valuestring);
    if (n == 0 || n > MAX_NAME)
        return fail(ps, where, "'%s' must have 1..%d characters", key, MAX_NAME);
    *out = v->valuestring;
    return 0;
}

static int get_array(struct parser *ps, const char *where, const cJSON *obj, const char *key,
                     bool required, const cJSON **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = NULL;
    if (!v) {
        if (required)
            return fail(ps, where, "missing field '%s'", key);
        return 0;
    }
    if (!cJSON_IsArray(v))
        return fail(ps, where, "'%s' must be an array, not %s", key, type_name(v));
    *out = v;
    return 0;
}

static int parse_capacity(struct parser *ps, const char *where, const cJSON *v,
                          struct model_capacity *cap)
{
    static const char *const keys[] = {"cpu", "nwInBytesPerSec", "nwOutBytesPerSec", "diskBytes",
                                       "numCores", NULL};
    if (!cJSON_IsObject(v))
        return fail(ps, where, "must be an object, not %s", type_name(v));
    int rc = check_keys(ps, where, v, keys);
    if (rc < 0)
        return rc;
    memset(cap, 0, sizeof(*cap));
    for (int r = 0; r < RES_COUNT; r++) {
        if (!cJSON_GetObjectItemCaseSensitive(v, res_keys[r]))
            continue;
        rc = get_num(ps, where, v, res_keys[r], &cap->v[r]);
        if (rc < 0)
            return rc;
        if (cap->v[r] <= 0)
            return fail(ps, where, "'%s' must be positive", res_keys[r]);
        cap->set[r] = true;
    }
    return get_num(ps, where, v, "numCores", &cap->num_cores);
}

static int parse_brokers(struct parser *ps, const cJSON *root, struct model_cluster *c)
{
    static const char *const keys[] = {"id", "rack", "host", "state", "flags", "capacity",
                                       "logDirs", "brokerSet", NULL};
    static const char *const dir_keys[] = {"path", "capacityBytes", "offline", NULL};
    const cJSON *brokers;
    int rc = get_array(ps, "", root, "brokers", true, &brokers);
    if (rc < 0)
        return rc;
    int i = 0;
    char where[256];
    for (const cJSON *b = brokers->child; b; b = b->next, i++) {
        snprintf(where, sizeof(where), "brokers[%d]", i);
        if (i >= MAX_BROKERS)
            return fail(ps, where, "more than %d brokers", MAX_BROKERS);
        if (!cJSON_IsObject(b))
            return fail(ps, where, "must be an object, not %s", type_name(b));
        if ((rc = check_keys(ps, where, b, keys)) < 0)
            return rc;
        int64_t id = 0;
        const char *rack = NULL, *host = NULL, *state = "alive", *set = NULL;
        if ((rc = get_int(ps, where, b, "id", true, 0, INT32_MAX, &id)) < 0 ||
            (rc = get_str(ps, where, b, "rack", false, &rack)) < 0 ||
            (rc = get_str(ps, where, b, "host", false, &host)) < 0 ||
            (rc = get_str(ps, where, b, "state", false, &state)) < 0 ||
            (rc = get_str(ps, where, b, "brokerSet", false, &set)) < 0)
            return rc;
        snprintf(where, sizeof(where), "brokers[%d] (id %lld)", i, (long long)id);
        char rack_buf[32];
        if (!rack) {
            /* Kafka's default: no broker.rack. Each such broker is its own rack. */
            snprintf(rack_buf, sizeof(rack_buf), "no-rack-%lld", (long long)id);
            rack = rack_buf;
        }
        int32_t ri = model_rack_find(c, rack);
        if (ri < 0)
            ri = model_rack_add(c, rack, model_zone_add(c, rack));
        int32_t bi;
        if (model_broker_add(c, (int32_t)id, ri, host, &bi) == -EEXIST)
            return fail(ps, where, "broker id %lld appears twice", (long long)id);
        struct model_broker *br = &c->brokers[bi];
        if (strcmp(state, "alive") == 0)
            ;
        else if (strcmp(state, "dead") == 0)
            br->flags |= BROKER_DEAD;
        else if (strcmp(state, "new") == 0)
            br->flags |= BROKER_NEW;
        else
            return fail(ps, where, "unknown state '%s' (alive, dead or new)", state);
        if (set)
            br->broker_set = model_broker_set_add(c, set);
        const cJSON *flags;
        if ((rc = get_array(ps, where, b, "flags", false, &flags)) < 0)
            return rc;
        for (const cJSON *f = flags ? flags->child : NULL; f; f = f->next) {
            if (!cJSON_IsString(f))
                return fail(ps, where, "flags must be strings, not %s", type_name(f));
            if (strcmp(f->valuestring, "remove") == 0)
                br->flags |= BROKER_REMOVE;
            else if (strcmp(f->valuestring, "excludeLeadership") == 0)
                br->flags |= BROKER_EXCL_LEADER;
            else if (strcmp(f->valuestring, "excludeReplicas") == 0)
                br->flags |= BROKER_EXCL_REPLICA;
            else
                return fail(ps, where,
                            "unknown flag '%s' (remove, excludeLeadership, excludeReplicas)",
                            f->valuestring);
        }
        const cJSON *cap = cJSON_GetObjectItemCaseSensitive(b, "capacity");
        if (cap) {
            struct model_capacity mc;
            char w2[300];
            snprintf(w2, sizeof(w2), "%s.capacity", where);
            if ((rc = parse_capacity(ps, w2, cap, &mc)) < 0)
                return rc;
            for (int r = 0; r < RES_COUNT; r++)
                if (mc.set[r]) {
                    br->capacity[r] = mc.v[r];
                    br->capacity_set |= (uint8_t)(1u << r);
                }
            br->num_cores = mc.num_cores;
        }
        const cJSON *dirs;
        if ((rc = get_array(ps, where, b, "logDirs", false, &dirs)) < 0)
            return rc;
        int d = 0;
        for (const cJSON *dj = dirs ? dirs->child : NULL; dj; dj = dj->next, d++) {
            char w2[320];
            snprintf(w2, sizeof(w2), "%s.logDirs[%d]", where, d);
            if (d >= 1024)
                return fail(ps, w2, "more than 1024 log dirs");
            if (!cJSON_IsObject(dj))
                return fail(ps, w2, "must be an object, not %s", type_name(dj));
            if ((rc = check_keys(ps, w2, dj, dir_keys)) < 0)
                return rc;
            const char *path = NULL;
            double dcap = 0;
            if ((rc = get_str(ps, w2, dj, "path", true, &path)) < 0 ||
                (rc = get_num(ps, w2, dj, "capacityBytes", &dcap)) < 0)
                return rc;
            for (int32_t q = 0; q < c->ndisks; q++)
                if (c->disks[q].broker == bi && strcmp(c->disks[q].path, path) == 0)
                    return fail(ps, w2, "log dir '%s' appears twice", path);
            const cJSON *off = cJSON_GetObjectItemCaseSensitive(dj, "offline");
            if (off && !cJSON_IsBool(off))
                return fail(ps, w2, "'offline' must be a boolean, not %s", type_name(off));
            model_disk_add(c, bi, path, dcap);
            c->disks[c->ndisks - 1].offline = off && cJSON_IsTrue(off);
        }
    }
    if (c->nbrokers == 0)
        return fail(ps, "brokers", "the cluster has no brokers");
    return 0;
}

static int parse_racks(struct parser *ps, const cJSON *root, struct model_cluster *c)
{
    static const char *const keys[] = {"name", "zone", NULL};
    const cJSON *racks;
    int rc = get_array(ps, "", root, "racks", false, &racks);
    if (rc < 0 || !racks)
        return rc;
    int i = 0;
    char where[64];
    for (const cJSON *r = racks->child; r; r = r->next, i++) {
        snprintf(where, sizeof(where), "racks[%d]", i);
        if (!cJSON_IsObject(r))
            return fail(ps, where, "must be an object, not %s", type_name(r));
        if ((rc = check_keys(ps, where, r, keys)) < 0)
            return rc;
        const char *name = NULL, *zone = NULL;
        if ((rc = get_str(ps, where, r, "name", true, &name)) < 0 ||
            (rc = get_str(ps, where, r, "zone", true, &zone)) < 0)
            return rc;
        if (model_rack_find(c, name) >= 0)
            return fail(ps, where, "rack '%s' appears twice", name);
        model_rack_add(c, name, model_zone_add(c, zone));
    }
    return 0;
}

/* Reads a list of broker ids into broker indices; checks existence and duplicates. */
static int id_list(struct parser *ps, const char *where, const cJSON *arr, const char *what,
                   const struct model_cluster *c, int32_t *out, int max, int *ret_n)
{
    int n = 0;
    for (const cJSON *v = arr->child; v; v = v->next, n++) {
        if (n >= max)
            return fail(ps, where, "%s has more than %d entries", what, max);
        if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
            fabs(v->valuedouble) > 2147483647.0)
            return fail(ps, where, "%s[%d] must be a broker id, not %s", what, n, type_name(v));
        int32_t b = model_broker_find(c, (int32_t)v->valuedouble);
        if (b < 0)
            return fail(ps, where, "%s[%d]: unknown broker %.0f", what, n, v->valuedouble);
        for (int j = 0; j < n; j++)
            if (out[j] == b)
                return fail(ps, where, "%s[%d]: broker %.0f appears twice", what, n,
                            v->valuedouble);
        out[n] = b;
    }
    *ret_n = n;
    return 0;
}

static int parse_partition(struct parser *ps, const char *where, const cJSON *pj,
                           struct model_cluster *c, int32_t t, int32_t usable_brokers)
{
    static const char *const keys[] = {"partition", "replicas", "leader", "isr", "logDirs",
                                       "sizeBytes", "replicaSizeBytes", "nwInBytesPerSec",
                                       "nwOutBytesPerSec", "cpuLeader", "cpuFollower", NULL};
    int rc;
    if (!cJSON_IsObject(pj))
        return fail(ps, where, "must be an object, not %s", type_name(pj));
    if ((rc = check_keys(ps, where, pj, keys)) < 0)
        return rc;
    int64_t id = 0, size = 0, leader = -1;
    if ((rc = get_int(ps, where, pj, "partition", true, 0, INT32_MAX, &id)) < 0 ||
        (rc = get_int(ps, where, pj, "sizeBytes", false, 0, INT64_MAX, &size)) < 0)
        return rc;
    const cJSON *lj = cJSON_GetObjectItemCaseSensitive(pj, "leader");
    if (lj && !cJSON_IsNull(lj) &&
        (rc = get_int(ps, where, pj, "leader", false, -1, INT32_MAX, &leader)) < 0)
        return rc;
    const cJSON *reps, *isr, *dirs, *sizes;
    if ((rc = get_array(ps, where, pj, "replicas", true, &reps)) < 0 ||
        (rc = get_array(ps, where, pj, "isr", false, &isr)) < 0 ||
        (rc = get_array(ps, where, pj, "logDirs", false, &dirs)) < 0 ||
        (rc = get_array(ps, where, pj, "replicaSizeBytes", false, &sizes)) < 0)
        return rc;
    int32_t brokers[MODEL_MAX_RF];
    int rf = 0;
    if ((rc = id_list(ps, where, reps, "replicas", c, brokers, MODEL_MAX_RF, &rf)) < 0)
        return rc;
    if (rf == 0)
        return fail(ps, where, "replicas is empty");
    if (rf > usable_brokers)
        return fail(ps, where, "RF %d is larger than the %d brokers that can hold replicas", rf,
                    usable_brokers);
    int16_t dir_idx[MODEL_MAX_RF];
    int64_t sz[MODEL_MAX_RF];
    for (int i = 0; i < rf; i++) {
        dir_idx[i] = -1;
        sz[i] = size;
    }
    if (sizes) {
        if (cJSON_GetObjectItemCaseSensitive(pj, "sizeBytes"))
            return fail(ps, where, "give sizeBytes or replicaSizeBytes, not both");
        int i = 0;
        for (const cJSON *v = sizes->child; v; v = v->next, i++) {
            if (i >= rf)
                return fail(ps, where, "replicaSizeBytes has more entries than replicas");
            if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
                v->valuedouble > 9007199254740992.0)
                return fail(ps, where, "replicaSizeBytes[%d] must be an integer", i);
            if (v->valuedouble < 0)
                return fail(ps, where, "replicaSizeBytes[%d]: negative size %.0f", i,
                            v->valuedouble);
            sz[i] = (int64_t)v->valuedouble;
        }
        if (i != rf)
            return fail(ps, where, "replicaSizeBytes has %d entries for %d replicas", i, rf);
    }
    if (dirs) {
        int i = 0;
        for (const cJSON *v = dirs->child; v; v = v->next, i++) {
            if (i >= rf)
                return fail(ps, where, "logDirs has more entries than replicas");
            if (cJSON_IsNull(v))
                continue;
            if (!cJSON_IsString(v))
                return fail(ps, where, "logDirs[%d] must be a path or null", i);
            const struct model_broker *br = &c->brokers[brokers[i]];
            int16_t found = -1, k = 0;
            for (int32_t q = 0; q < c->ndisks; q++)
                if (c->disks[q].broker == brokers[i]) {
                    if (strcmp(c->disks[q].path, v->valuestring) == 0)
                        found = k;
                    k++;
                }
            if (found < 0)
                return fail(ps, where, "logDirs[%d]: broker %d has no log dir '%s'", i, br->id,
                            v->valuestring);
            dir_idx[i] = found;
        }
        if (i != rf)
            return fail(ps, where, "logDirs has %d entries for %d replicas", i, rf);
    }
    int leader_slot = -1;
    if (leader >= 0) {
        int32_t lb = model_broker_find(c, (int32_t)leader);
        for (int i = 0; i < rf && lb >= 0; i++)
            if (brokers[i] == lb)
                leader_slot = i;
        if (leader_slot < 0)
            return fail(ps, where, "leader %lld is not one of the replicas", (long long)leader);
    }
    int32_t pi;
    struct error perr = {0};
    if (model_partition_add(c, t, (int32_t)id, rf, brokers, dir_idx, sz, leader_slot, &perr,
                            &pi) < 0)
        return fail(ps, where, "%s", perr.msg);
    struct model_partition *part = &c->partitions[pi];
    if (isr) {
        int32_t members[MODEL_MAX_RF];
        int n = 0;
        if ((rc = id_list(ps, where, isr, "isr", c, members, MODEL_MAX_RF, &n)) < 0)
            return rc;
        part->isr = 0;
        for (int k = 0; k < n; k++) {
            int slot = -1;
            for (int i = 0; i < rf; i++)
                if (brokers[i] == members[k])
                    slot = i;
            if (slot < 0)
                return fail(ps, where, "isr member %d is not one of the replicas",
                            c->brokers[members[k]].id);
            part->isr |= 1u << slot;
        }
    }
    if ((rc = get_num(ps, where, pj, "nwInBytesPerSec", &part->nw_in)) < 0 ||
        (rc = get_num(ps, where, pj, "nwOutBytesPerSec", &part->nw_out)) < 0 ||
        (rc = get_num(ps, where, pj, "cpuLeader", &part->cpu_leader)) < 0 ||
        (rc = get_num(ps, where, pj, "cpuFollower", &part->cpu_follower)) < 0)
        return rc;
    return 0;
}

static int parse_topics(struct parser *ps, const cJSON *root, struct model_cluster *c)
{
    static const char *const keys[] = {"name", "partitions", NULL};
    const cJSON *topics;
    int rc = get_array(ps, "", root, "topics", true, &topics);
    if (rc < 0)
        return rc;
    int32_t usable = 0;
    for (int32_t b = 0; b < c->nbrokers; b++)
        usable += model_broker_usable(c, b);
    int i = 0;
    int64_t replicas = 0;
    char where[MAX_NAME + 128];
    for (const cJSON *tj = topics->child; tj; tj = tj->next, i++) {
        snprintf(where, sizeof(where), "topics[%d]", i);
        if (i >= MAX_TOPICS)
            return fail(ps, where, "more than %d topics", MAX_TOPICS);
        if (!cJSON_IsObject(tj))
            return fail(ps, where, "must be an object, not %s", type_name(tj));
        if ((rc = check_keys(ps, where, tj, keys)) < 0)
            return rc;
        const char *name = NULL;
        if ((rc = get_str(ps, where, tj, "name", true, &name)) < 0)
            return rc;
        snprintf(where, sizeof(where), "topics[%d] \"%s\"", i, name);
        int32_t t;
        if (model_topic_add(c, name, &t) == -EEXIST)
            return fail(ps, where, "topic '%s' appears twice", name);
        const cJSON *parts;
        if ((rc = get_array(ps, where, tj, "partitions", true, &parts)) < 0)
            return rc;
        int k = 0;
        for (const cJSON *pj = parts->child; pj; pj = pj->next, k++) {
            char pw[MAX_NAME + 192];
            snprintf(pw, sizeof(pw), "%s partitions[%d]", where, k);
            if (k >= MAX_PARTITIONS_PER_TOPIC)
                return fail(ps, pw, "more than %d partitions", MAX_PARTITIONS_PER_TOPIC);
            if ((rc = parse_partition(ps, pw, pj, c, t, usable)) < 0)
                return rc;
            replicas += c->partitions[c->npartitions - 1].rf;
            if (replicas > MAX_REPLICAS)
                return fail(ps, pw, "more than %lld replicas in all", MAX_REPLICAS);
        }
    }
    return 0;
}

static int parse_impl(const char *buf, size_t len, const char *name,
                      struct model_cluster **ret_cluster,
                      struct model_capacity_table *ret_defaults, struct error *err)
{
    static const char *const keys[] = {"version", "cluster", "racks", "defaultCapacity",
                                       "brokers", "topics", NULL};
    struct parser ps = {name ? name : "snapshot", err};
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(buf, len, &end, false);
    if (!root) {
        /* Locate the parse error by line and column. */
        size_t off = end && end >= buf ? (size_t)(end - buf) : 0;
        const char *ep = cJSON_GetErrorPtr();
        if (ep && ep >= buf && ep <= buf + len)
            off = (size_t)(ep - buf);
        int line = 1, col = 1;
        for (size_t i = 0; i < off && i < len; i++, col++)
            if (buf[i] == '\n') {
                line++;
                col = 0;
            }
        return error_set(err, -EINVAL, "%s:%d:%d: not valid JSON", ps.file, line, col);
    }
    int rc = 0;
    struct model_cluster *c = NULL;
    struct model_capacity_table dflt;
    memset(&dflt, 0, sizeof(dflt));
    if (!cJSON_IsObject(root)) {
        rc = fail(&ps, "", "the top level must be an object, not %s", type_name(root));
        goto out;
    }
    if ((rc = check_keys(&ps, "", root, keys)) < 0)
        goto out;
    int64_t version = 0;
    if ((rc = get_int(&ps, "", root, "version", true, 1, 1, &version)) < 0)
        goto out;
    const char *cname = "cluster";
    if ((rc = get_str(&ps, "", root, "cluster", false, &cname)) < 0)
        goto out;
    c = model_cluster_create(cname);
    const cJSON *dc = cJSON_GetObjectItemCaseSensitive(root, "defaultCapacity");
    if (dc && (rc = parse_capacity(&ps, "defaultCapacity", dc, &dflt.dflt)) < 0)
        goto out;
    if ((rc = parse_racks(&ps, root, c)) < 0 || (rc = parse_brokers(&ps, root, c)) < 0 ||
        (rc = parse_topics(&ps, root, c)) < 0)
        goto out;
    struct error ferr = {0};
    if ((rc = model_cluster_finalize(c, &ferr)) < 0) {
        rc = fail(&ps, "", "%s", ferr.msg);
        goto out;
    }
    if (ret_defaults) {
        *ret_defaults = dflt;
    } else if ((rc = model_capacities_apply(c, &dflt, &ferr)) < 0) {
        rc = fail(&ps, "", "%s", ferr.msg);
        goto out;
    }
out:
    cJSON_Delete(root);
    if (rc < 0) {
        model_cluster_destroy(c);
        return rc;
    }
    *ret_cluster = c;
    return 0;
}

int model_snapshot_parse(const char *buf, size_t len, const char *name,
                         struct model_cluster **ret_cluster, struct error *err)
{
    return parse_impl(buf, len, name, ret_cluster, NULL, err);
}

int model_snapshot_parse_ex(const char *buf, size_t len, const char *name,
                            struct model_capacity_table *ret_defaults,
                            struct model_cluster **ret_cluster, struct error *err)
{
    struct model_capacity_table dummy;
    int rc = parse_impl(buf, len, name, ret_cluster, ret_defaults ? ret_defaults : &dummy, err);
    return rc;
}

static int load_impl(const char *path, struct model_cluster **ret_cluster,
                     struct model_capacity_table *ret_defaults, bool apply, struct error *err)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return error_set(err, -errno, "%s: %s", path, strerror(errno));
    size_t cap = 1 << 16, len = 0;
    char *buf = xmalloc(cap);
    size_t n;
    while ((n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len > MODEL_SNAPSHOT_MAX_BYTES) {
            if (f != stdin)
                fclose(f);
            free(buf);
            return error_set(err, -EFBIG, "%s: larger than %llu bytes", path,
                             MODEL_SNAPSHOT_MAX_BYTES);
        }
        if (len == cap)
            xgrow((void **)&buf, &cap, cap + 1, 1);
    }
    int read_err = ferror(f);
    if (f != stdin)
        fclose(f);
    if (read_err) {
        free(buf);
        return error_set(err, -EIO, "%s: read error", path);
    }
    int rc = apply ? model_snapshot_parse(buf, len, path, ret_cluster, err)
                   : model_snapshot_parse_ex(buf, len, path, ret_defaults, ret_cluster, err);
    free(buf);
    return rc;
}

int model_snapshot_load(const char *path, struct model_cluster **ret_cluster, struct error *err)
{
    return load_impl(path, ret_cluster, NULL, true, err);
}

int model_snapshot_load_ex(const char *path, struct model_capacity_table *ret_defaults,
                           struct model_cluster **ret_cluster, struct error *err)
{
    return load_impl(path, ret_cluster, ret_defaults, false, err);
}

/* ---- dumping ---- */

struct sbuf {
    char *p;
    size_t len, cap;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        xgrow((void **)&b->p, &b->cap, b->len + (size_t)(n > 0 ? n : 64) + 1, 1);
    }
}

/* A JSON string literal (escapes quotes, backslashes and control characters). */
static void sb_str(struct sbuf *b, const char *s)
{
    sb_printf(b, "\"");
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            sb_printf(b, "\\%c", ch);
        else if (ch < 0x20)
            sb_printf(b, "\\u%04x", ch);
        else
            sb_printf(b, "%c", ch);
    }
    sb_printf(b, "\"");
}

/* Shortest text that reads back as the same double. */
static void sb_num(struct sbuf *b, double v)
{
    char tmp[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    sb_printf(b, "%s", tmp);
}

static void sb_capacity(struct sbuf *b, const double *v, const bool *set, double cores)
{
    sb_printf(b, "{");
    bool first = true;
    for (int r = 0; r < RES_COUNT; r++) {
        if (!set[r])
            continue;
        sb_printf(b, "%s\"%s\": ", first ? "" : ", ", res_keys[r]);
        sb_num(b, v[r]);
        first = false;
    }
    if (cores > 0) {
        sb_printf(b, "%s\"numCores\": ", first ? "" : ", ");
        sb_num(b, cores);
    }
    sb_printf(b, "}");
}

char *model_snapshot_dump(const struct model_cluster *c)
{
    return model_snapshot_dump_ex(c, NULL);
}

char *model_snapshot_dump_ex(const struct model_cluster *c,
                             const struct model_capacity_table *defaults)
{
    struct sbuf b = {xmalloc(1 << 16), 0, 1 << 16};
    sb_printf(&b, "{\n  \"version\": 1,\n  \"cluster\": ");
    sb_str(&b, c->name);
    sb_printf(&b, ",\n  \"racks\": [");
    for (int32_t r = 0; r < c->nracks; r++) {
        sb_printf(&b, "%s\n    {\"name\": ", r ? "," : "");
        sb_str(&b, c->racks[r].name);
        sb_printf(&b, ", \"zone\": ");
        sb_str(&b, c->zones[c->racks[r].zone].name);
        sb_printf(&b, "}");
    }
    sb_printf(&b, "\n  ],\n");
    if (defaults) {
        bool any = defaults->dflt.num_cores > 0;
        for (int r = 0; r < RES_COUNT; r++)
            any |= defaults->dflt.set[r];
        if (any) {
            sb_printf(&b, "  \"defaultCapacity\": ");
            sb_capacity(&b, defaults->dflt.v, defaults->dflt.set, defaults->dflt.num_cores);
            sb_printf(&b, ",\n");
        }
    }
    sb_printf(&b, "  \"brokers\": [");
    for (int32_t i = 0; i < c->nbrokers; i++) {
        const struct model_broker *br = &c->brokers[i];
        sb_printf(&b, "%s\n    {\"id\": %d, \"rack\": ", i ? "," : "", br->id);
        sb_str(&b, c->racks[br->rack].name);
        if (br->host) {
            sb_printf(&b, ", \"host\": ");
            sb_str(&b, br->host);
        }
        sb_printf(&b, ", \"state\": \"%s\"",
                  br->flags & BROKER_DEAD ? "dead" : (br->flags & BROKER_NEW ? "new" : "alive"));
        if (br->flags & (BROKER_REMOVE | BROKER_EXCL_LEADER | BROKER_EXCL_REPLICA)) {
            sb_printf(&b, ", \"flags\": [");
            const char *sep = "";
            if (br->flags & BROKER_REMOVE) {
                sb_printf(&b, "%s\"remove\"", sep);
                sep = ", ";
            }
            if (br->flags & BROKER_EXCL_LEADER) {
                sb_printf(&b, "%s\"excludeLeadership\"", sep);
                sep = ", ";
            }
            if (br->flags & BROKER_EXCL_REPLICA)
                sb_printf(&b, "%s\"excludeReplicas\"", sep);
            sb_printf(&b, "]");
        }
        if (br->broker_set >= 0) {
            sb_printf(&b, ", \"brokerSet\": ");
            sb_str(&b, c->broker_sets[br->broker_set]);
        }
        bool set[RES_COUNT];
        for (int r = 0; r < RES_COUNT; r++)
            set[r] = (br->capacity_set >> r) & 1u;
        if (br->capacity_set || br->num_cores > 0) {
            sb_printf(&b, ", \"capacity\": ");
            sb_capacity(&b, br->capacity, set, br->num_cores);
        }
        sb_printf(&b, ", \"logDirs\": [");
        for (int32_t d = 0; d < br->ndisks; d++) {
            const struct model_disk *disk = &c->disks[br->first_disk + d];
            sb_printf(&b, "%s{\"path\": ", d ? ", " : "");
            sb_str(&b, disk->path);
            if (disk->capacity > 0) {
                sb_printf(&b, ", \"capacityBytes\": ");
                sb_num(&b, disk->capacity);
            }
            if (disk->offline)
                sb_printf(&b, ", \"offline\": true");
            sb_printf(&b, "}");
        }
        sb_printf(&b, "]}");
    }
    sb_printf(&b, "\n  ],\n  \"topics\": [");
    for (int32_t t = 0; t < c->ntopics; t++) {
        const struct model_topic *top = &c->topics[t];
        sb_printf(&b, "%s\n    {\"name\": ", t ? "," : "");
        sb_str(&b, top->name);
        sb_printf(&b, ", \"partitions\": [");
        for (int32_t p = top->first_partition; p < top->first_partition + top->npartitions; p++) {
            const struct model_partition *part = &c->partitions[p];
            const struct model_replica *rep = model_replicas_of(c, p);
            sb_printf(&b, "%s\n      {\"partition\": %d, \"replicas\": [",
                      p > top->first_partition ? "," : "", part->id);
            for (int i = 0; i < part->rf; i++)
                sb_printf(&b, "%s%d", i ? ", " : "", c->brokers[rep[i].broker].id);
            sb_printf(&b, "], \"leader\": %d, \"isr\": [",
                      part->leader >= 0 ? c->brokers[rep[part->leader].broker].id : -1);
            const char *sep = "";
            for (int i = 0; i < part->rf; i++)
                if ((part->isr >> i) & 1u) {
                    sb_printf(&b, "%s%d", sep, c->brokers[rep[i].broker].id);
                    sep = ", ";
                }
            sb_printf(&b, "]");
            bool any_dir = false, same_size = true;
            for (int i = 0; i < part->rf; i++) {
                any_dir |= rep[i].dir >= 0;
                same_size &= rep[i].size == rep[0].size;
            }
            if (any_dir) {
                sb_printf(&b, ", \"logDirs\": [");
                for (int i = 0; i < part->rf; i++) {
                    if (i)
                        sb_printf(&b, ", ");
                    if (rep[i].dir < 0)
                        sb_printf(&b, "null");
                    else
                        sb_str(&b, c->disks[c->brokers[rep[i].broker].first_disk + rep[i].dir].path);
                }
                sb_printf(&b, "]");
            }
            if (same_size) {
                sb_printf(&b, ", \"sizeBytes\": %lld", (long long)rep[0].size);
            } else {
                sb_printf(&b, ", \"replicaSizeBytes\": [");
                for (int i = 0; i < part->rf; i++)
                    sb_printf(&b, "%s%lld", i ? ", " : "", (long long)rep[i].size);
                sb_printf(&b, "]");
            }
            static const char *const rate_keys[] = {"nwInBytesPerSec", "nwOutBytesPerSec",
                                                    "cpuLeader", "cpuFollower"};
            const double rates[] = {part->nw_in, part->nw_out, part->cpu_leader,
                                    part->cpu_follower};
            for (int k = 0; k < 4; k++) {
                if (rates[k] == 0)
                    continue;
                sb_printf(&b, ", \"%s\": ", rate_keys[k]);
                sb_num(&b, rates[k]);
            }
            sb_printf(&b, "}");
        }
        sb_printf(&b, "]}");
    }
    sb_printf(&b, "\n  ]\n}\n");
    return b.p;
}

int model_snapshot_save(const struct model_cluster *c, const char *path, struct error *err)
{
    return model_snapshot_save_ex(c, NULL, path, err);
}

int model_snapshot_save_ex(const struct model_cluster *c,
                           const struct model_capacity_table *defaults, const char *path,
                           struct error *err)
{
    char *text = model_snapshot_dump_ex(c, defaults);
    size_t len = strlen(text);
    int rc = 0;
    if (strcmp(path, "-") == 0) {
        if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0)
            rc = error_set(err, -EIO, "stdout: write failed");
        free(text);
        return rc;
    }
    char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        rc = error_set(err, -errno, "%s: %s", tmp, strerror(errno));
        goto out;
    }
    if (fwrite(text, 1, len, f) != len || fflush(f) != 0 || fsync(fileno(f)) != 0) {
        rc = error_set(err, -EIO, "%s: write failed: %s", tmp, strerror(errno));
        fclose(f);
        unlink(tmp);
        goto out;
    }
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        rc = error_set(err, -errno, "%s: %s", path, strerror(errno));
        unlink(tmp);
    }
out:
    free(tmp);
    free(text);
    return rc;
}

void model_snapshot_merge_defaults(struct model_capacity_table *t,
                                   const struct model_capacity_table *from)
{
    for (int r = 0; r < RES_COUNT; r++)
        if (!t->dflt.set[r] && from->dflt.set[r]) {
            t->dflt.v[r] = from->dflt.v[r];
            t->dflt.set[r] = true;
        }
    if (t->dflt.num_cores <= 0)
        t->dflt.num_cores = from->dflt.num_cores;
}
