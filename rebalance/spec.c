/* The KafkaRebalance spec: types and ranges as the CRD's schema (049-Crd-kafkarebalance.yaml)
 * has them, then the operator's own checks with Strimzi's messages. */
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "executor/executor.h"
#include "goals/goal.h"
#include "rebalance/rebalance.h"

void rb_spec_finish(struct rb_spec *s)
{
    free(s->brokers);
    for (int i = 0; i < s->ngoals; i++)
        free(s->goals[i]);
    free(s->goals);
    free(s->excluded_topics);
    free(s->strategies);
    for (int i = 0; i < s->nvolumes; i++)
        free(s->volumes[i].ids);
    free(s->volumes);
    memset(s, 0, sizeof(*s));
    s->throttle = -1;
}

static int want_int(const cJSON *v, const char *name, long min, long max, long *ret,
                    struct error *err)
{
    if (!cJSON_IsNumber(v) || v->valuedouble != (double)(long)v->valuedouble)
        return error_set(err, -EINVAL, "spec.%s: expected an integer", name);
    if (v->valuedouble < (double)min || v->valuedouble > (double)max)
        return error_set(err, -EINVAL, "spec.%s: %.0f is out of range %ld..%ld", name,
                         v->valuedouble, min, max);
    *ret = (long)v->valuedouble;
    return 0;
}

static int want_ints(const cJSON *v, const char *name, int32_t **ret, int *ret_n,
                     struct error *err)
{
    if (!cJSON_IsArray(v))
        return error_set(err, -EINVAL, "spec.%s: expected a list of integers", name);
    int n = cJSON_GetArraySize(v);
    if (n > SVC_MAX_BROKERS)
        return error_set(err, -EINVAL, "spec.%s: more than %d items", name, SVC_MAX_BROKERS);
    int32_t *ids = xcalloc((size_t)n + 1, sizeof(*ids));
    int k = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, v)
    {
        long x = 0; /* want_int sets it on success; gcc -O3 cannot see that */
        if (want_int(it, name, 0, INT32_MAX, &x, err) < 0) {
            free(ids);
            return err->code;
        }
        for (int i = 0; i < k; i++)
            if (ids[i] == x) {
                free(ids);
                return error_set(err, -EINVAL, "spec.%s: %ld is listed twice", name, x);
            }
        ids[k++] = (int32_t)x;
    }
    *ret = ids;
    *ret_n = k;
    return 0;
}

static int want_strings(const cJSON *v, const char *name, char ***ret, int *ret_n,
                        struct error *err)
{
    if (!cJSON_IsArray(v))
        return error_set(err, -EINVAL, "spec.%s: expected a list of strings", name);
    int n = cJSON_GetArraySize(v);
    if (n > SVC_MAX_GOALS)
        return error_set(err, -EINVAL, "spec.%s: more than %d items", name, SVC_MAX_GOALS);
    char **list = xcalloc((size_t)n + 1, sizeof(*list));
    int k = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, v)
    {
        if (!cJSON_IsString(it) || !*it->valuestring || strlen(it->valuestring) > 256) {
            for (int i = 0; i < k; i++)
                free(list[i]);
            free(list);
            return error_set(err, -EINVAL, "spec.%s: expected non-empty strings", name);
        }
        list[k++] = xstrdup(it->valuestring);
    }
    *ret = list;
    *ret_n = k;
    return 0;
}

static int parse_fields(const cJSON *spec, struct rb_spec *s, struct error *err)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, spec)
    {
        const char *k = it->string;
        long x = 0; /* want_int sets it on success; gcc -O3 cannot see that */
        int rc = 0;
        if (!strcmp(k, "mode")) {
            static const struct {
                const char *name;
                enum svc_mode mode;
            } modes[] = {{"full", SVC_MODE_FULL},
                         {"add-brokers", SVC_MODE_ADD_BROKERS},
                         {"remove-brokers", SVC_MODE_REMOVE_BROKERS},
                         {"remove-disks", SVC_MODE_REMOVE_DISKS}};
            int m = -1;
            for (int i = 0; i < 4 && cJSON_IsString(it); i++)
                if (!strcmp(it->valuestring, modes[i].name))
                    m = i;
            if (m < 0)
                return error_set(err, -EINVAL, "spec.mode: expected one of full, add-brokers, "
                                 "remove-brokers, remove-disks");
            s->mode = modes[m].mode;
        } else if (!strcmp(k, "brokers")) {
            rc = want_ints(it, k, &s->brokers, &s->nbrokers, err);
        } else if (!strcmp(k, "goals")) {
            rc = want_strings(it, k, &s->goals, &s->ngoals, err);
        } else if (!strcmp(k, "skipHardGoalCheck") || !strcmp(k, "rebalanceDisk")) {
            if (!cJSON_IsBool(it))
                return error_set(err, -EINVAL, "spec.%s: expected true or false", k);
            *(k[0] == 's' ? &s->skip_hard_goal_check : &s->rebalance_disk) = cJSON_IsTrue(it);
        } else if (!strcmp(k, "excludedTopics")) {
            if (!cJSON_IsString(it) || strlen(it->valuestring) > 4096)
                return error_set(err, -EINVAL, "spec.excludedTopics: expected a regular "
                                 "expression");
            regex_t re;
            if (regcomp(&re, it->valuestring, REG_EXTENDED | REG_NOSUB) != 0)
                return error_set(err, -EINVAL, "spec.excludedTopics: '%.64s' is not a valid "
                                 "regular expression", it->valuestring);
            regfree(&re);
            s->excluded_topics = xstrdup(it->valuestring);
        } else if (!strcmp(k, "concurrentPartitionMovementsPerBroker")) {
            if ((rc = want_int(it, k, 0, 100000, &x, err)) == 0)
                s->concurrency = (int)x;
        } else if (!strcmp(k, "concurrentIntraBrokerPartitionMovements")) {
            if ((rc = want_int(it, k, 0, 100000, &x, err)) == 0)
                s->intra_concurrency = (int)x;
        } else if (!strcmp(k, "concurrentLeaderMovements")) {
            if ((rc = want_int(it, k, 0, 1000000, &x, err)) == 0)
                s->leader_concurrency = (int)x;
        } else if (!strcmp(k, "replicationThrottle")) {
            if ((rc = want_int(it, k, 0, INT64_MAX / 2, &x, err)) == 0)
                s->throttle = x ? (double)x : -1;
        } else if (!strcmp(k, "replicaMovementStrategies")) {
            char **list;
            int n;
            if ((rc = want_strings(it, k, &list, &n, err)) < 0)
                return rc;
            size_t len = 1;
            for (int i = 0; i < n; i++)
                len += strlen(list[i]) + 1;
            s->strategies = xcalloc(len, 1);
            for (int i = 0; i < n; i++) {
                if (i)
                    strcat(s->strategies, ",");
                strcat(s->strategies, list[i]);
                free(list[i]);
            }
            free(list);
            struct error e = {0};
            if (n && exec_strategies_check(s->strategies, &e) < 0)
                return error_set(err, -EINVAL, "spec.replicaMovementStrategies: %s", e.msg);
            if (!n) {
                free(s->strategies);
                s->strategies = NULL;
            }
        } else if (!strcmp(k, "moveReplicasOffVolumes")) {
            if (!cJSON_IsArray(it))
                return error_set(err, -EINVAL, "spec.moveReplicasOffVolumes: expected a list of "
                                 "{brokerId, volumeIds}");
            s->volumes = xcalloc((size_t)cJSON_GetArraySize(it) + 1, sizeof(*s->volumes));
            const cJSON *v;
            cJSON_ArrayForEach(v, it)
            {
                struct rb_volumes *vol = &s->volumes[s->nvolumes++];
                const cJSON *b = cJSON_GetObjectItemCaseSensitive(v, "brokerId");
                const cJSON *ids = cJSON_GetObjectItemCaseSensitive(v, "volumeIds");
                if (!cJSON_IsObject(v) || !b || !ids)
                    return error_set(err, -EINVAL, "spec.moveReplicasOffVolumes: each item needs "
                                     "brokerId and volumeIds");
                if ((rc = want_int(b, "moveReplicasOffVolumes.brokerId", 0, INT32_MAX, &x,
                                   err)) < 0)
                    return rc;
                vol->broker = (int32_t)x;
                if ((rc = want_ints(ids, "moveReplicasOffVolumes.volumeIds", &vol->ids, &vol->n,
                                    err)) < 0)
                    return rc;
            }
        } else {
            return error_set(err, -EINVAL, "spec: unknown field '%.64s' (fields: mode, brokers, "
                             "goals, skipHardGoalCheck, rebalanceDisk, excludedTopics, "
                             "concurrentPartitionMovementsPerBroker, "
                             "concurrentIntraBrokerPartitionMovements, concurrentLeaderMovements, "
                             "replicationThrottle, replicaMovementStrategies, "
                             "moveReplicasOffVolumes)", k);
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* The operator's checks: the resource is kept, NotReady with the message. */
static int check_meaning(const struct rb_spec *s, struct error *err)
{
    const char *mode = svc_mode_names[s->mode];
    bool by_brokers = s->mode == SVC_MODE_ADD_BROKERS || s->mode == SVC_MODE_REMOVE_BROKERS;
    if (by_brokers && !s->nbrokers)
        return error_set(err, -EDOM, "The brokers list is mandatory when using the %s "
                         "rebalancing mode", mode);
    if (!by_brokers && s->nbrokers)
        return error_set(err, -EDOM, "The brokers list is only used by the add-brokers and "
                         "remove-brokers rebalancing modes, not %s", mode);
    if (s->mode == SVC_MODE_REMOVE_DISKS && !s->nvolumes)
        return error_set(err, -EDOM, "The moveReplicasOffVolumes list is mandatory when using "
                         "the remove-disks rebalancing mode");
    if (s->mode != SVC_MODE_REMOVE_DISKS && s->nvolumes)
        return error_set(err, -EDOM, "The moveReplicasOffVolumes list is only used by the "
                         "remove-disks rebalancing mode");
    if (s->rebalance_disk && s->ngoals)
        return error_set(err, -EDOM, "Cannot set rebalanceDisk=true and goals at the same "
                         "time: intra-broker (disk) rebalancing uses its own goals");
    if (s->rebalance_disk)
        return error_set(err, -EDOM, "rebalanceDisk (intra-broker, between a broker's log "
                         "directories) is not supported: Ballast's planner moves replicas "
                         "between brokers only");
    for (int i = 0; i < s->ngoals; i++)
        if (!goal_find(s->goals[i]))
            return error_set(err, -EDOM, "spec.goals: '%.64s' is not a goal Ballast knows "
                             "(docs/goals.md lists them)", s->goals[i]);
    return 0;
}

int rb_spec_parse(const cJSON *spec, struct rb_spec *ret, struct error *err)
{
    struct rb_spec s;
    memset(&s, 0, sizeof(s));
    s.throttle = -1;
    int rc = 0;
    if (spec && !cJSON_IsNull(spec) && !cJSON_IsObject(spec))
        rc = error_set(err, -EINVAL, "spec: expected an object");
    if (rc == 0 && cJSON_IsObject(spec))
        rc = parse_fields(spec, &s, err);
    if (rc == 0)
        rc = check_meaning(&s, err);
    if (rc < 0) {
        rb_spec_finish(&s);
        return rc;
    }
    *ret = s;
    return 0;
}

void rb_spec_request(const struct rb_spec *s, struct svc_request *r)
{
    svc_request_init(r);
    r->mode = s->mode;
    if (s->nbrokers) {
        r->brokers = xcalloc((size_t)s->nbrokers, sizeof(int32_t));
        memcpy(r->brokers, s->brokers, sizeof(int32_t) * (size_t)s->nbrokers);
        r->nbrokers = s->nbrokers;
    }
    if (s->ngoals) {
        r->goals = xcalloc((size_t)s->ngoals, sizeof(char *));
        for (int i = 0; i < s->ngoals; i++)
            r->goals[i] = xstrdup(s->goals[i]);
        r->ngoals = s->ngoals;
    }
    r->excluded_topics = s->excluded_topics ? xstrdup(s->excluded_topics) : NULL;
    r->skip_hard_goal_check = s->skip_hard_goal_check;
    r->throttle = s->throttle;
    r->concurrency = s->concurrency;
    r->leader_concurrency = s->leader_concurrency;
    r->strategies = s->strategies ? xstrdup(s->strategies) : NULL;
    /* moveReplicasOffVolumes: a volume id is the index of the broker's log dir, in the order
     * the broker lists them (Strimzi's JBOD volumes, each one log dir), "ID:INDEX,..." */
    size_t len = 1, off = 0;
    for (int i = 0; i < s->nvolumes; i++)
        len += (size_t)s->volumes[i].n * 24;
    if (s->nvolumes) {
        r->disks = xmalloc(len);
        r->disks[0] = 0;
        for (int i = 0; i < s->nvolumes; i++)
            for (int k = 0; k < s->volumes[i].n; k++)
                off += (size_t)snprintf(r->disks + off, len - off, "%s%d:%d", off ? "," : "",
                                        s->volumes[i].broker, s->volumes[i].ids[k]);
    }
}
