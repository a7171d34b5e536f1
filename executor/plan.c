/* Plan input for the executor: Kafka's reassignment JSON or Cruise Control's optimization
 * result (its proposals); see executor.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "common/alloc.h"
#include "executor/executor.h"

#define MAX_PLAN_BYTES (512L * 1024 * 1024)

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

static int read_ids(const cJSON *a, int32_t *out, int *ret_n, const char *where, int idx,
                    struct error *err)
{
    if (!cJSON_IsArray(a))
        return error_set(err, -EINVAL, "%s %d: replicas must be an array of broker ids", where, idx);
    int n = 0;
    const cJSON *x;
    cJSON_ArrayForEach(x, a) {
        if (!cJSON_IsNumber(x) || x->valuedouble != (double)(int32_t)x->valuedouble ||
            x->valuedouble < 0)
            return error_set(err, -EINVAL, "%s %d: replica ids must be non-negative integers",
                             where, idx);
        if (n == MODEL_MAX_RF)
            return error_set(err, -EINVAL, "%s %d: more than %d replicas", where, idx, MODEL_MAX_RF);
        for (int k = 0; k < n; k++)
            if (out[k] == (int32_t)x->valuedouble)
                return error_set(err, -EINVAL, "%s %d: broker %d appears twice", where, idx,
                                 out[k]);
        out[n++] = (int32_t)x->valuedouble;
    }
    if (n == 0)
        return error_set(err, -EINVAL, "%s %d: no replicas", where, idx);
    *ret_n = n;
    return 0;
}

/* One target: topic, partition, replicas (and for Kafka's format optional log_dirs). Each
 * named log dir becomes its own entry with type EXEC_INTRA after the EXEC_INTER one. */
static int add_target(struct exec_task **out, size_t *cap, int *n, const char *topic,
                      int32_t part, const int32_t *to, int nto, const cJSON *dirs, int idx,
                      struct error *err)
{
    if (dirs && (!cJSON_IsArray(dirs) || cJSON_GetArraySize(dirs) != nto))
        return error_set(err, -EINVAL, "partition entry %d: log_dirs must be an array as long "
                         "as replicas", idx);
    for (int i = 0; i < *n; i++)
        if ((*out)[i].type == EXEC_INTER && (*out)[i].partition == part &&
            strcmp((*out)[i].topic, topic) == 0)
            return error_set(err, -EINVAL, "partition entry %d: %s-%d appears twice", idx, topic,
                             part);
    xgrow((void **)out, cap, (size_t)*n + 1, sizeof(**out));
    struct exec_task *t = &(*out)[(*n)++];
    memset(t, 0, sizeof(*t));
    t->type = EXEC_INTER;
    t->topic = xstrdup(topic);
    t->partition = part;
    memcpy(t->to, to, (size_t)nto * sizeof(*to));
    t->nto = nto;
    t->order = *n - 1;
    for (int k = 0; dirs && k < nto; k++) {
        const cJSON *d = cJSON_GetArrayItem(dirs, k);
        if (!cJSON_IsString(d) || !d->valuestring[0])
            return error_set(err, -EINVAL, "partition entry %d: log_dirs[%d] must be a path or "
                             "\"any\"", idx, k);
        if (strcmp(d->valuestring, "any") == 0)
            continue;
        if (d->valuestring[0] != '/')
            return error_set(err, -EINVAL, "partition entry %d: log_dirs[%d] '%s' is not an "
                             "absolute path", idx, k, d->valuestring);
        xgrow((void **)out, cap, (size_t)*n + 1, sizeof(**out));
        struct exec_task *x = &(*out)[(*n)++];
        memset(x, 0, sizeof(*x));
        x->type = EXEC_INTRA;
        x->topic = xstrdup(topic);
        x->partition = part;
        memcpy(x->to, to, (size_t)nto * sizeof(*to));
        x->nto = nto;
        x->broker = to[k];
        x->dir = xstrdup(d->valuestring);
        x->order = *n - 1;
    }
    return 0;
}

int exec_plan_parse(const char *buf, size_t len, const char *name, struct exec_task **ret,
                    int *ret_n, struct error *err)
{
    if (len > MAX_PLAN_BYTES)
        return error_set(err, -EFBIG, "%s: plan of %zu bytes is over the limit of %ld", name, len,
                         MAX_PLAN_BYTES);
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
    struct exec_task *out = NULL;
    size_t cap = 0;
    int n = 0, rc = 0;
    const cJSON *parts = cJSON_GetObjectItemCaseSensitive(root, "partitions");
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(root, "proposals");
    if (cJSON_IsArray(parts)) {
        int idx = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, parts) {
            const cJSON *t = cJSON_GetObjectItemCaseSensitive(e, "topic");
            const cJSON *p = cJSON_GetObjectItemCaseSensitive(e, "partition");
            int32_t to[MODEL_MAX_RF];
            int nto = 0;
            if (!cJSON_IsString(t) || !t->valuestring[0] || strlen(t->valuestring) > 249) {
                rc = error_set(err, -EINVAL, "partition entry %d: topic must be a name", idx);
                break;
            }
            if (!cJSON_IsNumber(p) || p->valuedouble < 0 ||
                p->valuedouble != (double)(int32_t)p->valuedouble) {
                rc = error_set(err, -EINVAL, "partition entry %d: partition must be a "
                               "non-negative integer", idx);
                break;
            }
            if ((rc = read_ids(cJSON_GetObjectItemCaseSensitive(e, "replicas"), to, &nto,
                               "partition entry", idx, err)) < 0)
                break;
            if ((rc = add_target(&out, &cap, &n, t->valuestring, (int32_t)p->valuedouble, to, nto,
                                 cJSON_GetObjectItemCaseSensitive(e, "log_dirs"), idx, err)) < 0)
                break;
            idx++;
        }
    } else if (cJSON_IsArray(props)) {
        int idx = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, props) {
            const cJSON *tp = cJSON_GetObjectItemCaseSensitive(e, "topicPartition");
            const cJSON *t = cJSON_GetObjectItemCaseSensitive(tp, "topic");
            const cJSON *p = cJSON_GetObjectItemCaseSensitive(tp, "partition");
            int32_t to[MODEL_MAX_RF];
            int nto = 0;
            if (!cJSON_IsString(t) || !t->valuestring[0] || !cJSON_IsNumber(p) ||
                p->valuedouble < 0 || p->valuedouble != (double)(int32_t)p->valuedouble) {
                rc = error_set(err, -EINVAL, "proposal %d: topicPartition needs a topic and a "
                               "partition", idx);
                break;
            }
            if ((rc = read_ids(cJSON_GetObjectItemCaseSensitive(e, "newReplicas"), to, &nto,
                               "proposal", idx, err)) < 0)
                break;
            if ((rc = add_target(&out, &cap, &n, t->valuestring, (int32_t)p->valuedouble, to, nto,
                                 NULL, idx, err)) < 0)
                break;
            idx++;
        }
    } else {
        rc = error_set(err, -EINVAL, "neither a reassignment (\"partitions\") nor an "
                       "optimization result with \"proposals\" (plan with --verbose)");
    }
    cJSON_Delete(root);
    if (rc < 0) {
        error_prefix(err, "%s", name);
        exec_tasks_free(out, n);
        return rc;
    }
    *ret = out;
    *ret_n = n;
    return 0;
}
