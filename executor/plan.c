/* Plan input for the executor: Kafka's reassignment JSON or Cruise Control's optimization
 * result (its proposals); see executor.h. Every field is checked where it enters, numbers
 * against their range before any conversion, and errors name the file and the field
 * ("plan.json: partitions[12].partition: 1e+20 out of range 0..2147483647"). Duplicate
 * partitions are found through a hash map: parsing is linear in the plan. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "common/alloc.h"
#include "common/map.h"
#include "executor/internal.h"

void exec_tasks_free(struct exec_task *t, int n)
{
    for (int i = 0; i < n; i++) {
        free(t[i].topic);
        free(t[i].dir);
        free(t[i].throttled_leaders);
        free(t[i].throttled_followers);
        free(t[i].error);
    }
    free(t);
}

int exec_json_int(const cJSON *v, const char *where, double lo, double hi, int64_t *ret,
                  struct error *err)
{
    if (!cJSON_IsNumber(v))
        return error_set(err, -EINVAL, "%s: must be an integer %.0f..%.0f", where, lo, hi);
    double d = v->valuedouble;
    if (!isfinite(d) || d < lo || d > hi)
        return error_set(err, -EINVAL, "%s: %.15g out of range %.0f..%.0f", where, d, lo, hi);
    if (d != floor(d))
        return error_set(err, -EINVAL, "%s: %.15g is not an integer", where, d);
    *ret = (int64_t)d;
    return 0;
}

bool exec_topic_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 249 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '_' || s[i] == '-'))
            return false;
    return true;
}

int exec_json_ids(const cJSON *a, const char *where, int32_t *out, int *ret_n, struct error *err)
{
    if (!cJSON_IsArray(a))
        return error_set(err, -EINVAL, "%s: must be an array of broker ids", where);
    int n = 0;
    const cJSON *x;
    cJSON_ArrayForEach(x, a) {
        char at[160];
        snprintf(at, sizeof(at), "%s[%d]", where, n);
        int64_t v;
        int rc = exec_json_int(x, at, 0, INT32_MAX, &v, err);
        if (rc < 0)
            return rc;
        if (n == MODEL_MAX_RF)
            return error_set(err, -EINVAL, "%s: more than %d replicas", where, MODEL_MAX_RF);
        for (int k = 0; k < n; k++)
            if (out[k] == (int32_t)v)
                return error_set(err, -EINVAL, "%s: broker %d appears twice", where, out[k]);
        out[n++] = (int32_t)v;
    }
    *ret_n = n;
    return 0;
}

struct plan_in {
    struct exec_task *out;
    size_t cap;
    int n;
    struct map seen; /* (topic, partition) -> index in out of its EXEC_INTER entry */
};

static uint64_t partition_hash(const char *topic, int32_t p)
{
    return map_hash_bytes(map_hash_str(topic), &p, sizeof(p));
}

static struct exec_task *push(struct plan_in *in)
{
    xgrow((void **)&in->out, &in->cap, (size_t)in->n + 1, sizeof(*in->out));
    struct exec_task *t = &in->out[in->n++];
    memset(t, 0, sizeof(*t));
    return t;
}

/* One target: topic, partition, replicas (and for Kafka's format optional log_dirs). Each
 * named log dir becomes its own entry with type EXEC_INTRA after the EXEC_INTER one. */
static int add_target(struct plan_in *in, const char *where, const char *topic, int32_t part,
                      const int32_t *to, int nto, const cJSON *dirs, struct error *err)
{
    if (dirs && (!cJSON_IsArray(dirs) || cJSON_GetArraySize(dirs) != nto))
        return error_set(err, -EINVAL, "%s.log_dirs: must be an array as long as replicas",
                         where);
    uint64_t h = partition_hash(topic, part);
    struct map_iter it;
    for (int32_t i = map_first(&in->seen, h, &it); i >= 0; i = map_next(&in->seen, &it))
        if (in->out[i].partition == part && strcmp(in->out[i].topic, topic) == 0)
            return error_set(err, -EINVAL, "%s: %s-%d appears twice", where, topic, part);
    map_put(&in->seen, h, in->n);
    struct exec_task *t = push(in);
    t->type = EXEC_INTER;
    t->topic = xstrdup(topic);
    t->partition = part;
    memcpy(t->to, to, (size_t)nto * sizeof(*to));
    t->nto = nto;
    t->order = in->n - 1;
    for (int k = 0; dirs && k < nto; k++) {
        const cJSON *d = cJSON_GetArrayItem(dirs, k);
        if (!cJSON_IsString(d) || !d->valuestring[0] || strlen(d->valuestring) > 4096)
            return error_set(err, -EINVAL, "%s.log_dirs[%d]: must be a path or \"any\"", where, k);
        if (strcmp(d->valuestring, "any") == 0)
            continue;
        if (d->valuestring[0] != '/')
            return error_set(err, -EINVAL, "%s.log_dirs[%d]: '%s' is not an absolute path",
                             where, k, d->valuestring);
        struct exec_task *x = push(in);
        x->type = EXEC_INTRA;
        x->topic = xstrdup(topic);
        x->partition = part;
        memcpy(x->to, to, (size_t)nto * sizeof(*to));
        x->nto = nto;
        x->broker = to[k];
        x->dir = xstrdup(d->valuestring);
        x->order = in->n - 1;
    }
    return 0;
}

/* Field names of an entry: Kafka's format or Cruise Control's. */
struct entry_names {
    const char *topic, *partition, *replicas;
};
static const struct entry_names KAFKA_NAMES = {"topic", "partition", "replicas"};
static const struct entry_names CC_NAMES = {"topicPartition.topic", "topicPartition.partition",
                                            "newReplicas"};

/* One entry (named `where`): its topic t, partition p, replicas r and log dirs. */
static int read_entry(struct plan_in *in, const char *where, const struct entry_names *nm,
                      const cJSON *t, const cJSON *p, const cJSON *r, const cJSON *dirs,
                      struct error *err)
{
    char at[160];
    if (!cJSON_IsString(t) || !exec_topic_name_ok(t->valuestring))
        return error_set(err, -EINVAL, "%s.%s: must be a topic name (1..249 of a-z A-Z 0-9 . _ -)",
                         where, nm->topic);
    int64_t part;
    snprintf(at, sizeof(at), "%s.%s", where, nm->partition);
    int rc = exec_json_int(p, at, 0, INT32_MAX, &part, err);
    if (rc < 0)
        return rc;
    int32_t to[MODEL_MAX_RF];
    int nto = 0;
    snprintf(at, sizeof(at), "%s.%s", where, nm->replicas);
    if ((rc = exec_json_ids(r, at, to, &nto, err)) < 0)
        return rc;
    if (nto == 0)
        return error_set(err, -EINVAL, "%s: no replicas", at);
    return add_target(in, where, t->valuestring, (int32_t)part, to, nto, dirs, err);
}

int exec_plan_parse(const char *buf, size_t len, const char *name, struct exec_task **ret,
                    int *ret_n, struct error *err)
{
    if (len > EXEC_MAX_PLAN_BYTES)
        return error_set(err, -EFBIG, "%s: plan of %zu bytes is over the limit of %ld", name, len,
                         (long)EXEC_MAX_PLAN_BYTES);
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(buf, len, &end, false);
    if (!root) {
        long off = end ? (long)(end - buf) : 0;
        return error_set(err, -EINVAL, "%s: not valid JSON near byte %ld", name, off);
    }
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return error_set(err, -EINVAL, "%s: the plan must be a JSON object", name);
    }
    struct plan_in in = {0};
    int rc = 0, idx = 0;
    const cJSON *parts = cJSON_GetObjectItemCaseSensitive(root, "partitions");
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(root, "proposals");
    const cJSON *e;
    char where[64];
    if (cJSON_IsArray(parts)) {
        map_reserve(&in.seen, (size_t)cJSON_GetArraySize(parts));
        cJSON_ArrayForEach(e, parts) {
            snprintf(where, sizeof(where), "partitions[%d]", idx++);
            if (!cJSON_IsObject(e)) {
                rc = error_set(err, -EINVAL, "%s: must be an object", where);
                break;
            }
            if ((rc = read_entry(&in, where, &KAFKA_NAMES,
                                 cJSON_GetObjectItemCaseSensitive(e, "topic"),
                                 cJSON_GetObjectItemCaseSensitive(e, "partition"),
                                 cJSON_GetObjectItemCaseSensitive(e, "replicas"),
                                 cJSON_GetObjectItemCaseSensitive(e, "log_dirs"), err)) < 0)
                break;
        }
    } else if (cJSON_IsArray(props)) {
        map_reserve(&in.seen, (size_t)cJSON_GetArraySize(props));
        cJSON_ArrayForEach(e, props) {
            snprintf(where, sizeof(where), "proposals[%d]", idx++);
            const cJSON *tp = cJSON_GetObjectItemCaseSensitive(e, "topicPartition");
            if (!cJSON_IsObject(tp)) {
                rc = error_set(err, -EINVAL, "%s.topicPartition: must be an object with a topic "
                               "and a partition", where);
                break;
            }
            if ((rc = read_entry(&in, where, &CC_NAMES,
                                 cJSON_GetObjectItemCaseSensitive(tp, "topic"),
                                 cJSON_GetObjectItemCaseSensitive(tp, "partition"),
                                 cJSON_GetObjectItemCaseSensitive(e, "newReplicas"), NULL,
                                 err)) < 0)
                break;
        }
    } else {
        rc = error_set(err, -EINVAL, "neither a reassignment (\"partitions\") nor an "
                       "optimization result with \"proposals\" (plan with --verbose)");
    }
    cJSON_Delete(root);
    map_finish(&in.seen);
    if (rc < 0) {
        error_prefix(err, "%s", name);
        exec_tasks_free(in.out, in.n);
        return rc;
    }
    *ret = in.out;
    *ret_n = in.n;
    return 0;
}
