/* Request parameters: query parameters and a JSON body merged into one object, then checked
 * against a table of known parameters (name, parser). Everything a client sends is checked
 * here, where it enters: unknown names, types, ranges, goals, regexes, strategies, units.
 * Messages name the parameter and the value. No state; reentrant. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "common/alloc.h"
#include "optimizer/optimizer.h"
#include "config/config.h"
#include "executor/executor.h"
#include "goals/goal.h"

#define MAX_STRING 4096

int api_params_merge(cJSON *query, const char *body, size_t len, cJSON **ret,
                     struct error *err)
{
    cJSON *out = cJSON_Duplicate(query, true);
    if (body && len) {
        size_t skip = strspn(body, " \t\r\n");
        if (skip < len) {
            const char *end = NULL;
            cJSON *b = cJSON_ParseWithLengthOpts(body, len, &end, false);
            if (!b) {
                size_t at = end ? (size_t)(end - body) : 0;
                cJSON_Delete(out);
                return error_set(err, -EINVAL, "body: malformed JSON near byte %zu", at);
            }
            if (end && strspn(end, " \t\r\n") != len - (size_t)(end - body)) {
                cJSON_Delete(b);
                cJSON_Delete(out);
                return error_set(err, -EINVAL, "body: text after the JSON value at byte %zu",
                                 (size_t)(end - body));
            }
            if (!cJSON_IsObject(b)) {
                cJSON_Delete(b);
                cJSON_Delete(out);
                return error_set(err, -EINVAL, "body: expected a JSON object of parameters");
            }
            while (b->child) {
                cJSON *item = cJSON_DetachItemViaPointer(b, b->child);
                if (cJSON_GetObjectItemCaseSensitive(out, item->string)) {
                    int rc = error_set(err, -EINVAL, "parameter '%s' is given twice (query and "
                                       "body, or twice in the body)", item->string);
                    cJSON_Delete(item);
                    cJSON_Delete(b);
                    cJSON_Delete(out);
                    return rc;
                }
                cJSON_AddItemToObject(out, item->string, item);
            }
            cJSON_Delete(b);
        }
    }
    *ret = out;
    return 0;
}

/* ---- value parsers: a string (from the query) or a JSON value (from the body) ---- */

static int want_text(const cJSON *v, const char *name, const char **ret, struct error *err)
{
    if (!cJSON_IsString(v))
        return error_set(err, -EINVAL, "parameter '%s': expected a string", name);
    if (strlen(v->valuestring) > MAX_STRING)
        return error_set(err, -EINVAL, "parameter '%s': longer than %d characters", name,
                         MAX_STRING);
    *ret = v->valuestring;
    return 0;
}

static int get_bool(const cJSON *v, const char *name, bool *ret, struct error *err)
{
    if (cJSON_IsBool(v)) {
        *ret = cJSON_IsTrue(v);
        return 0;
    }
    if (cJSON_IsString(v)) {
        if (!strcasecmp(v->valuestring, "true")) {
            *ret = true;
            return 0;
        }
        if (!strcasecmp(v->valuestring, "false")) {
            *ret = false;
            return 0;
        }
    }
    return error_set(err, -EINVAL, "parameter '%s': expected true or false", name);
}

static int get_int(const cJSON *v, const char *name, long lo, long hi, long *ret,
                   struct error *err)
{
    double d;
    if (cJSON_IsNumber(v)) {
        d = v->valuedouble;
    } else if (cJSON_IsString(v)) {
        char *end;
        errno = 0;
        d = strtod(v->valuestring, &end);
        if (end == v->valuestring || *end || errno)
            return error_set(err, -EINVAL, "parameter '%s': '%.64s' is not a number", name,
                             v->valuestring);
    } else {
        return error_set(err, -EINVAL, "parameter '%s': expected a number", name);
    }
    if (!(d >= (double)lo && d <= (double)hi) || d != floor(d))
        return error_set(err, -EINVAL, "parameter '%s': expected a whole number %ld..%ld", name,
                         lo, hi);
    *ret = (long)d;
    return 0;
}

/* get_int into an int field. */
static int set_int(const cJSON *v, const char *name, long lo, long hi, int *dst, struct error *err)
{
    long x = 0;
    int rc = get_int(v, name, lo, hi, &x, err);
    if (rc == 0)
        *dst = (int)x;
    return rc;
}

/* A list: a JSON array of items or a comma-separated string. Calls each(item text). */
static int get_list(const cJSON *v, const char *name, int max, char ***ret, int *ret_n,
                    struct error *err)
{
    char **items = xcalloc((size_t)max + 1, sizeof(char *));
    int n = 0, rc = 0;
    if (cJSON_IsArray(v)) {
        const cJSON *it;
        cJSON_ArrayForEach(it, v)
        {
            char buf[64];
            const char *s = NULL;
            if (cJSON_IsString(it)) {
                s = it->valuestring;
            } else if (cJSON_IsNumber(it) && it->valuedouble == floor(it->valuedouble) &&
                       fabs(it->valuedouble) < 1e15) {
                snprintf(buf, sizeof(buf), "%.0f", it->valuedouble);
                s = buf;
            } else {
                rc = error_set(err, -EINVAL, "parameter '%s': items must be strings or whole "
                               "numbers", name);
                break;
            }
            if (n == max) {
                rc = error_set(err, -EINVAL, "parameter '%s': more than %d items", name, max);
                break;
            }
            if (!*s || strlen(s) > 256) {
                rc = error_set(err, -EINVAL, "parameter '%s': an item is empty or longer than "
                               "256 characters", name);
                break;
            }
            items[n++] = xstrdup(s);
        }
    } else if (cJSON_IsString(v)) {
        const char *p = v->valuestring;
        if (strlen(p) > 65536)
            rc = error_set(err, -EINVAL, "parameter '%s': longer than 65536 characters", name);
        while (rc == 0) {
            size_t len = strcspn(p, ",");
            if (len == 0 || len > 256) {
                rc = error_set(err, -EINVAL, "parameter '%s': an item is empty or longer than "
                               "256 characters (a stray comma?)", name);
                break;
            }
            if (n == max) {
                rc = error_set(err, -EINVAL, "parameter '%s': more than %d items", name, max);
                break;
            }
            items[n++] = xstrndup(p, len);
            if (!p[len])
                break;
            p += len + 1;
        }
    } else {
        rc = error_set(err, -EINVAL, "parameter '%s': expected a list (JSON array or "
                       "comma-separated string)", name);
    }
    if (rc < 0 || n == 0) {
        for (int i = 0; i < n; i++)
            free(items[i]);
        free(items);
        return rc < 0 ? rc : error_set(err, -EINVAL, "parameter '%s': the list is empty", name);
    }
    *ret = items;
    *ret_n = n;
    return 0;
}

static void free_items(char **items, int n)
{
    for (int i = 0; i < n; i++)
        free(items[i]);
    free(items);
}

/* ---- the rebalance parameters ---- */

static int p_mode(const cJSON *v, const char *name, struct svc_request *r, struct error *err)
{
    const char *s = NULL;
    int rc = want_text(v, name, &s, err);
    if (rc < 0)
        return rc;
    for (int i = 0; i < SVC_NMODES; i++)
        if (strcmp(s, svc_mode_names[i]) == 0) {
            r->mode = (enum svc_mode)i;
            return 0;
        }
    return error_set(err, -EINVAL, "parameter 'mode': unknown mode '%.64s' (full, add-brokers, "
                     "remove-brokers, demote, fix-offline, remove-disks, replication-factor)", s);
}

static int p_brokers(const cJSON *v, const char *name, struct svc_request *r, struct error *err)
{
    char **items = NULL;
    int n = 0;
    int rc = get_list(v, name, SVC_MAX_BROKERS, &items, &n, err);
    if (rc < 0)
        return rc;
    r->brokers = xcalloc((size_t)n, sizeof(int32_t));
    for (int i = 0; i < n && rc == 0; i++) {
        char *end;
        errno = 0;
        long id = strtol(items[i], &end, 10);
        if (*end || errno || id < 0 || id > INT32_MAX)
            rc = error_set(err, -EINVAL, "parameter 'brokers': '%s' is not a broker id",
                           items[i]);
        for (int k = 0; rc == 0 && k < r->nbrokers; k++)
            if (r->brokers[k] == id)
                rc = error_set(err, -EINVAL, "parameter 'brokers': broker %ld is listed twice",
                               id);
        if (rc == 0)
            r->brokers[r->nbrokers++] = (int32_t)id;
    }
    free_items(items, n);
    return rc;
}

static int p_goals(const cJSON *v, const char *name, struct svc_request *r, struct error *err)
{
    char **items = NULL;
    int n = 0;
    int rc = get_list(v, name, SVC_MAX_GOALS, &items, &n, err);
    if (rc < 0)
        return rc;
    for (int i = 0; i < n; i++)
        if (!goal_find(items[i])) {
            char list[2048] = "";
            size_t at = 0;
            for (int k = 0; goal_registry[k] && at < sizeof(list) - 64; k++)
                at += (size_t)snprintf(list + at, sizeof(list) - at, "%s%s", k ? ", " : "",
                                       goal_registry[k]->name);
            rc = error_set(err, -EINVAL, "parameter 'goals': unknown goal '%.128s'; supported "
                           "goals: %s", items[i], list);
            free_items(items, n);
            return rc;
        }
    r->goals = items;
    r->ngoals = n;
    return 0;
}

static int p_excluded(const cJSON *v, const char *name, struct svc_request *r,
                      struct error *err)
{
    const char *s = NULL;
    int rc = want_text(v, name, &s, err);
    if (rc < 0)
        return rc;
    regex_t re;
    int e = regcomp(&re, s, REG_EXTENDED | REG_NOSUB);
    if (e) {
        char msg[256];
        regerror(e, &re, msg, sizeof(msg));
        return error_set(err, -EINVAL, "parameter '%s': bad regular expression '%.128s': %s",
                         name, s, msg);
    }
    regfree(&re);
    r->excluded_topics = xstrdup(s);
    return 0;
}

static int p_disks(const cJSON *v, const char *name, struct svc_request *r, struct error *err)
{
    const char *s = NULL;
    int rc = want_text(v, name, &s, err);
    if (rc < 0)
        return rc;
    struct opt_disk_list dl;
    struct error perr = {0};
    if ((rc = opt_disk_list_parse(s, &dl, &perr)) < 0)
        return error_set(err, rc, "parameter '%s': %s", name, perr.msg);
    opt_disk_list_finish(&dl);
    free(r->disks);
    r->disks = xstrdup(s);
    return 0;
}

static int p_throttle(const cJSON *v, const char *name, struct svc_request *r,
                      struct error *err)
{
    double d;
    if (cJSON_IsNumber(v)) {
        d = v->valuedouble;
    } else if (cJSON_IsString(v)) {
        if (config_parse_bytes(v->valuestring, true, &d) < 0)
            return error_set(err, -EINVAL, "parameter '%s': '%.64s' is not a rate (e.g. 50MB, "
                             "10MiB, 1000000)", name, v->valuestring);
    } else {
        return error_set(err, -EINVAL, "parameter '%s': expected a rate", name);
    }
    if (!(d == 0 || (d >= 1 && d <= 9.2e18)))
        return error_set(err, -EINVAL, "parameter '%s': %g B/s is not a rate Kafka can keep "
                         "(0 = none, or 1 B/s and up)", name, d);
    r->throttle = d;
    return 0;
}

static int p_concurrency(const cJSON *v, const char *name, struct svc_request *r, struct error *err)
{
    return set_int(v, name, 1, 100000, &r->concurrency, err);
}

static int p_leader_concurrency(const cJSON *v, const char *name, struct svc_request *r,
                                struct error *err)
{
    return set_int(v, name, 1, 1000000, &r->leader_concurrency, err);
}

static int p_intra_concurrency(const cJSON *v, const char *name, struct svc_request *r,
                               struct error *err)
{
    return set_int(v, name, 1, 100000, &r->intra_concurrency, err);
}

static int p_cluster_concurrency(const cJSON *v, const char *name, struct svc_request *r,
                                 struct error *err)
{
    return set_int(v, name, 1, 1000000, &r->cluster_concurrency, err);
}

static int p_poll_ms(const cJSON *v, const char *name, struct svc_request *r, struct error *err)
{
    return set_int(v, name, 100, 3600000, &r->poll_ms, err);
}

static int p_strategies(const cJSON *v, const char *name, struct svc_request *r,
                        struct error *err)
{
    char **items = NULL;
    int n = 0;
    int rc = get_list(v, name, 8, &items, &n, err);
    if (rc < 0)
        return rc;
    size_t len = 0;
    for (int i = 0; i < n; i++)
        len += strlen(items[i]) + 1;
    char *joined = xcalloc(len + 1, 1);
    for (int i = 0; i < n; i++) {
        if (i)
            strcat(joined, ",");
        strcat(joined, items[i]);
    }
    free_items(items, n);
    struct error e = {0};
    if (exec_strategies_check(joined, &e) < 0) {
        free(joined);
        return error_set(err, -EINVAL, "parameter '%s': %s", name, e.msg);
    }
    r->strategies = joined;
    return 0;
}

static int p_reason(const cJSON *v, const char *name, struct svc_request *r, struct error *err)
{
    const char *s = NULL;
    int rc = want_text(v, name, &s, err);
    if (rc == 0 && strlen(s) > 256)
        rc = error_set(err, -EINVAL, "parameter 'reason': longer than 256 characters");
    if (rc == 0)
        r->reason = xstrdup(s);
    return rc;
}

static int p_proposal(const cJSON *v, const char *name, struct svc_request *r,
                      struct error *err)
{
    const char *s = NULL;
    int rc = want_text(v, name, &s, err);
    if (rc < 0)
        return rc;
    if (strlen(s) != 36 || strspn(s, "0123456789abcdef-") != 36)
        return error_set(err, -EINVAL, "parameter 'proposalId': '%.64s' is not a proposal id",
                         s);
    r->proposal_id = xstrdup(s);
    return 0;
}

static int p_dryrun(const cJSON *v, const char *name, struct svc_request *r, struct error *err)
{
    return get_bool(v, name, &r->dryrun, err);
}

static int p_topics(const cJSON *v, const char *name, struct svc_request *r, struct error *err)
{
    const char *s = NULL;
    int rc = want_text(v, name, &s, err);
    if (rc < 0)
        return rc;
    regex_t re;
    if (!*s || regcomp(&re, s, REG_EXTENDED | REG_NOSUB) != 0)
        return error_set(err, -EINVAL, "parameter '%s': '%.64s' is not a regular expression",
                         name, s);
    regfree(&re);
    free(r->rf_topics);
    r->rf_topics = xstrdup(s);
    return 0;
}

static int p_rf(const cJSON *v, const char *name, struct svc_request *r, struct error *err)
{
    return set_int(v, name, 1, MODEL_MAX_RF, &r->rf, err);
}

static int p_skip_rack(const cJSON *v, const char *name, struct svc_request *r,
                       struct error *err)
{
    return get_bool(v, name, &r->skip_rack_check, err);
}

static int p_stop_ongoing(const cJSON *v, const char *name, struct svc_request *r,
                          struct error *err)
{
    return get_bool(v, name, &r->stop_ongoing, err);
}

static int p_verbose(const cJSON *v, const char *name, struct svc_request *r, struct error *err)
{
    return get_bool(v, name, &r->verbose, err);
}

static int p_skip(const cJSON *v, const char *name, struct svc_request *r, struct error *err)
{
    return get_bool(v, name, &r->skip_hard_goal_check, err);
}

/* ---- POST /api/v1/execution: changes to the running execution ---- */

int api_execution_parse(const cJSON *params, struct exec_adjust *ret, struct error *err)
{
    static const struct {
        const char *name;
        long lo, hi;
    } counts[] = {
        {"concurrency", 1, 100000},        {"intraConcurrency", 1, 100000},
        {"leaderConcurrency", 1, 1000000}, {"clusterConcurrency", 1, 1000000},
        {"progressCheckIntervalMs", 100, 3600000},
    };
    struct exec_adjust a;
    exec_adjust_none(&a);
    int given = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, params)
    {
        int rc;
        if (strcmp(it->string, "throttle") == 0) {
            struct svc_request r; /* p_throttle's checks, kept in one place */
            svc_request_init(&r);
            rc = p_throttle(it, "throttle", &r, err);
            a.throttle = r.throttle;
            svc_request_finish(&r);
            if (rc < 0)
                return rc;
            given++;
            continue;
        }
        size_t i = 0, n = sizeof(counts) / sizeof(counts[0]);
        while (i < n && strcmp(it->string, counts[i].name) != 0)
            i++;
        if (i == n)
            return error_set(err, -EINVAL, "unknown parameter '%.64s' (clusterConcurrency, "
                             "concurrency, intraConcurrency, leaderConcurrency, "
                             "progressCheckIntervalMs, throttle)", it->string);
        long v = 0;
        if ((rc = get_int(it, counts[i].name, counts[i].lo, counts[i].hi, &v, err)) < 0)
            return rc;
        int *dst[] = {&a.per_broker, &a.intra_per_broker, &a.leader_batch, &a.cluster_cap};
        if (i < 4)
            *dst[i] = (int)v;
        else
            a.poll_s = (double)v / 1000.0;
        given++;
    }
    if (!given)
        return error_set(err, -EINVAL, "nothing to change: give concurrency, intraConcurrency, "
                         "leaderConcurrency, clusterConcurrency, progressCheckIntervalMs or "
                         "throttle");
    *ret = a;
    return 0;
}

static const struct param {
    const char *name;
    int (*parse)(const cJSON *v, const char *name, struct svc_request *r, struct error *err);
} rebalance_params[] = {
    /* sorted by name */
    {"brokers", p_brokers},
    {"clusterConcurrency", p_cluster_concurrency},
    {"concurrency", p_concurrency},
    {"disks", p_disks},
    {"dryrun", p_dryrun},
    {"excludedTopics", p_excluded},
    {"goals", p_goals},
    {"intraConcurrency", p_intra_concurrency},
    {"leaderConcurrency", p_leader_concurrency},
    {"mode", p_mode},
    {"progressCheckIntervalMs", p_poll_ms},
    {"proposalId", p_proposal},
    {"reason", p_reason},
    {"replicationFactor", p_rf},
    {"skipHardGoalCheck", p_skip},
    {"skipRackAwarenessCheck", p_skip_rack},
    {"stopOngoingExecution", p_stop_ongoing},
    {"strategies", p_strategies},
    {"throttle", p_throttle},
    {"topics", p_topics},
    {"verbose", p_verbose},
};

int api_rebalance_parse(const cJSON *params, const struct api_limits *lim,
                        struct svc_request *ret, struct error *err)
{
    struct svc_request r;
    svc_request_init(&r);
    int rc = 0;
    if (cJSON_GetArraySize(params) > lim->max_params)
        rc = error_set(err, -EINVAL, "%d parameters: more than %d parameters (api.maxParameters)",
                       cJSON_GetArraySize(params), lim->max_params);
    const cJSON *it;
    cJSON_ArrayForEach(it, params)
    {
        if (rc < 0)
            break;
        const struct param *p = NULL;
        for (size_t i = 0; i < sizeof(rebalance_params) / sizeof(rebalance_params[0]); i++)
            if (strcmp(it->string, rebalance_params[i].name) == 0)
                p = &rebalance_params[i];
        if (!p) {
            rc = error_set(err, -EINVAL, "unknown parameter '%.64s' (brokers, clusterConcurrency, "
                           "concurrency, disks, dryrun, excludedTopics, goals, intraConcurrency, "
                           "leaderConcurrency, mode, progressCheckIntervalMs, proposalId, "
                           "reason, replicationFactor, skipHardGoalCheck, skipRackAwarenessCheck, "
                           "stopOngoingExecution, strategies, throttle, topics, verbose)",
                           it->string);
            break;
        }
        if ((rc = p->parse(it, p->name, &r, err)) < 0)
            break;
    }
    if (rc == 0 && r.proposal_id && (r.nbrokers || r.ngoals || r.excluded_topics || r.disks ||
                                     r.rf_topics ||
                                     r.mode != SVC_MODE_FULL || r.skip_hard_goal_check))
        rc = error_set(err, -EINVAL, "proposalId executes that proposal as it is: mode, "
                       "brokers, goals, excludedTopics and skipHardGoalCheck do not go with it");
    if (rc == 0 && r.stop_ongoing && r.dryrun)
        rc = error_set(err, -EINVAL, "stopOngoingExecution stops the running execution to start "
                       "this one: give dryrun=false");
    if (rc == 0 && r.proposal_id && r.dryrun)
        rc = error_set(err, -EINVAL, "proposalId executes a proposal: give dryrun=false");
    if (rc < 0) {
        svc_request_finish(&r);
        return rc;
    }
    *ret = r;
    return 0;
}
