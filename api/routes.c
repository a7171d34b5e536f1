/* The native REST API's routes (docs/api.md): one sorted table of {method, path, role,
 * handler}, and the handlers. Long requests (a rebalance being planned, an execution) answer
 * 202 with the task and its progress once api.blockMs has passed; the client polls
 * GET /api/v1/tasks/{id}. Errors are {"version":1,"status":N,"errorMessage":"..."}. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "api/internal.h"
#include "common/alloc.h"
#include "executor/executor.h"
#include "optimizer/report.h"
#include "rebalance/rebalance.h"

#define V1 "/api/v1"

/* Refuses any query parameter not in the NULL-terminated list; false after replying 400. */
bool api_only_params(struct api_req *r, const char *const *allowed)
{
    static const char *const empty[] = {NULL};
    if (!allowed)
        allowed = empty;
    const cJSON *it;
    cJSON_ArrayForEach(it, r->query)
    {
        bool ok = false;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = strcmp(*a, it->string) == 0;
        if (!ok) {
            char list[256] = "";
            for (const char *const *a = allowed; *a; a++)
                snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
                         a == allowed ? "" : ", ", *a);
            api_reply_error(r, 400, "unknown parameter '%.64s' for %s %s (%s)", it->string,
                            r->method, r->url, *list ? list : "it takes none");
            return false;
        }
    }
    if (r->body_len && strspn(r->body, " \t\r\n") != r->body_len) {
        api_reply_error(r, 400, "%s %s takes no body", r->method, r->url);
        return false;
    }
    return true;
}

static const char *const none[] = {NULL};

static void h_healthz(struct api_req *r, const char *tail)
{
    (void)tail;
    api_reply_text(r, 200, "text/plain", xstrdup("ok\n"));
}

static void h_readyz(struct api_req *r, const char *tail)
{
    (void)tail;
    if (svc_ready(r->srv->svc))
        api_reply_text(r, 200, "text/plain", xstrdup("ready\n"));
    else
        api_reply_text(r, 503, "text/plain",
                       xstrdup("not ready: no cluster model yet (first metadata and log-dir "
                               "read in progress)\n"));
}

static void h_openapi(struct api_req *r, const char *tail)
{
    (void)tail;
    if (api_only_params(r, none))
        api_reply_text(r, 200, "application/json", xstrdup(api_openapi_json));
}

static void h_state(struct api_req *r, const char *tail)
{
    (void)tail;
    if (!api_only_params(r, none))
        return;
    cJSON *j = svc_state_json(r->srv->svc);
    cJSON *a = rb_auto_state(r->srv->rebalances);
    if (a)
        cJSON_AddItemToObject(j, "autoRebalance", a);
    api_reply_json(r, 200, j);
}

static void h_load(struct api_req *r, const char *tail)
{
    (void)tail;
    if (!api_only_params(r, none))
        return;
    struct svc_gen *g = svc_current(r->srv->svc);
    if (!g) {
        api_reply_error(r, 503, "no cluster model yet; retry shortly");
        return;
    }
    cJSON *j = opt_report_broker_stats(g->cluster);
    cJSON_AddNumberToObject(j, "version", 1);
    cJSON_AddNumberToObject(j, "modelGeneration", (double)g->id);
    svc_add_load_backing(j, g->cluster);
    svc_gen_unref(g);
    api_reply_json(r, 200, j);
}

static void h_partition_load(struct api_req *r, const char *tail)
{
    (void)tail;
    static const char *const allowed[] = {"resource", "entries", NULL};
    if (!api_only_params(r, allowed))
        return;
    enum model_res res = RES_DISK;
    const cJSON *rv = cJSON_GetObjectItemCaseSensitive(r->query, "resource");
    if (rv) {
        static const char *const names[] = {"cpu", "networkInbound", "networkOutbound", "disk"};
        int k = -1;
        for (int i = 0; i < 4; i++)
            if (strcmp(rv->valuestring, names[i]) == 0)
                k = i;
        if (k < 0) {
            api_reply_error(r, 400, "parameter 'resource': '%.64s' is not cpu, networkInbound, "
                            "networkOutbound or disk", rv->valuestring);
            return;
        }
        res = (enum model_res)k;
    }
    long entries = 100;
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(r->query, "entries");
    if (ev) {
        char *end;
        errno = 0;
        entries = strtol(ev->valuestring, &end, 10);
        if (*end || errno || end == ev->valuestring || entries < 1 || entries > 100000) {
            api_reply_error(r, 400, "parameter 'entries': expected a whole number 1..100000, "
                            "not '%.64s'", ev->valuestring);
            return;
        }
    }
    cJSON *j = svc_partition_load_json(r->srv->svc, res, (int)entries);
    if (!j)
        api_reply_error(r, 503, "no cluster model yet; retry shortly");
    else
        api_reply_json(r, 200, j);
}

static void h_proposals(struct api_req *r, const char *tail)
{
    (void)tail;
    static const char *const allowed[] = {"default", NULL};
    if (!api_only_params(r, allowed))
        return;
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(r->query, "default");
    if (d && strcmp(d->valuestring, "true") != 0 && strcmp(d->valuestring, "false") != 0) {
        api_reply_error(r, 400, "parameter 'default': expected true or false");
        return;
    }
    if (d && strcmp(d->valuestring, "true") == 0) {
        cJSON *j = svc_default_proposal(r->srv->svc);
        if (!j)
            api_reply_error(r, 503, "the default proposal of the current model generation is "
                            "being computed; retry shortly");
        else
            api_reply_json(r, 200, j);
        return;
    }
    api_reply_json(r, 200, svc_proposals_json(r->srv->svc));
}

static void h_tasks(struct api_req *r, const char *tail)
{
    (void)tail;
    static const char *const allowed[] = {"limit", NULL};
    if (!api_only_params(r, allowed))
        return;
    long limit = 100;
    const cJSON *lv = cJSON_GetObjectItemCaseSensitive(r->query, "limit");
    if (lv) {
        char *end;
        errno = 0;
        limit = strtol(lv->valuestring, &end, 10);
        if (*end || errno || end == lv->valuestring || limit < 1 || limit > 100000) {
            api_reply_error(r, 400, "parameter 'limit': expected a whole number 1..100000, "
                            "not '%.64s'", lv->valuestring);
            return;
        }
    }
    api_reply_json(r, 200, svc_tasks_json(r->srv->svc, (int)limit));
}

static void h_task(struct api_req *r, const char *tail)
{
    if (!api_only_params(r, none))
        return;
    cJSON *j = svc_task_json(r->srv->svc, tail, true);
    if (!j) {
        api_reply_error(r, 404, "no task '%.64s' (finished tasks are kept for "
                        "api.taskRetentionMs)", tail);
        return;
    }
    snprintf(r->task_id, sizeof(r->task_id), "%s", tail);
    api_reply_json(r, 200, j);
}

void api_reply_task(struct api_req *r, const char *id)
{
    if (id != r->task_id)
        snprintf(r->task_id, sizeof(r->task_id), "%s", id);
    bool done = false;
    cJSON *t = svc_task_wait(r->srv->svc, id, 0, &done);
    if (!t) {
        api_reply_error(r, 500, "task %s vanished", id);
        return;
    }
    if (!done) {
        cJSON_AddNumberToObject(t, "version", 1);
        api_reply_json(r, 202, t);
        return;
    }
    /* (a task read back from its file may have none: NaN, not to be converted) */
    double hs = cJSON_GetNumberValue(cJSON_GetObjectItem(t, "httpStatus"));
    int status = hs >= 100 && hs < 600 ? (int)hs : 0;
    const cJSON *raw = cJSON_GetObjectItemCaseSensitive(t, "result");
    const char *text = cJSON_IsRaw(raw) ? raw->valuestring : NULL;
    size_t skip = text ? strspn(text, " \t\r\n") : 0;
    if (!text || text[skip] != '{') {
        api_reply_json(r, status ? status : 200, t);
        return;
    }
    /* the result with the task's id and state in front: spliced, not parsed again */
    const char *rest = text + skip + 1;
    rest += strspn(rest, " \t\r\n");
    char *out = xasprintf("{\"taskId\":\"%s\",\"taskState\":\"%s\"%s%s\n", id,
                          cJSON_GetStringValue(cJSON_GetObjectItem(t, "state")),
                          *rest == '}' ? "" : ",", rest);
    cJSON_Delete(t);
    api_reply_text(r, status ? status : 200, "application/json", out);
}

static void h_rebalance(struct api_req *r, const char *tail)
{
    (void)tail;
    struct error err = {0};
    cJSON *params = NULL;
    if (api_params_merge(r->query, r->body, r->body_len, &params, &err) < 0) {
        api_reply_error(r, 400, "%s", err.msg);
        return;
    }
    struct api_limits lim = {r->srv->cfg->api.max_params};
    struct svc_request req;
    int rc = api_rebalance_parse(params, &lim, &req, &err);
    cJSON_Delete(params);
    if (rc < 0) {
        api_reply_error(r, 400, "%s", err.msg);
        return;
    }
    enum api_role need = req.dryrun ? API_ROLE_USER : API_ROLE_ADMIN;
    if (r->role < need) {
        api_reply_error(r, 403, "user '%s' has role %s; %s needs %s", r->user,
                        api_role_name(r->role),
                        req.dryrun ? "a dry run" : "an execution (dryrun=false)",
                        api_role_name(need));
        svc_request_finish(&req);
        return;
    }
    req.user = xstrdup(r->user);
    req.client = xstrdup(r->client);
    char *id = NULL;
    int http = 0;
    if (svc_submit(r->srv->svc, &req, &id, &http, &err) < 0) {
        api_reply_error(r, http, "%s", err.msg);
        return;
    }
    if (svc_task_pending(r->srv->svc, id))
        api_wait_task(r, id); /* answered when it ends or api.blockMs passes */
    else
        api_reply_task(r, id);
    free(id);
}

static void h_stop(struct api_req *r, const char *tail)
{
    (void)tail;
    if (!api_only_params(r, none))
        return;
    struct error err = {0};
    if (svc_stop_execution(r->srv->svc, &err) < 0) {
        api_reply_error(r, err.code == -ENOENT ? 409 : 500, "%s", err.msg);
        return;
    }
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "version", 1);
    cJSON_AddStringToObject(j, "message", "Proposal execution stopping: in-flight moves are "
                            "cancelled and throttles removed; GET /api/v1/state shows when.");
    api_reply_json(r, 200, j);
}

/* Changes the running execution's concurrency, check interval or throttle (taken at the
 * executor's next poll; GET /api/v1/state shows the settings in force). */
static void h_execution(struct api_req *r, const char *tail)
{
    (void)tail;
    struct error err = {0};
    cJSON *params = NULL;
    struct exec_adjust a;
    if (api_params_merge(r->query, r->body, r->body_len, &params, &err) < 0 ||
        api_execution_parse(params, &a, &err) < 0) {
        cJSON_Delete(params);
        api_reply_error(r, 400, "%s", err.msg);
        return;
    }
    cJSON_Delete(params);
    if (svc_exec_adjust(r->srv->svc, &a, &err) < 0) {
        api_reply_error(r, err.code == -ENOENT ? 409 : 400, "%s", err.msg);
        return;
    }
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "version", 1);
    cJSON_AddStringToObject(j, "message", "The running execution takes the change at its next "
                            "poll; GET /api/v1/state shows the settings in force.");
    cJSON *c = cJSON_AddObjectToObject(j, "requested");
    if (a.per_broker)
        cJSON_AddNumberToObject(c, "concurrency", a.per_broker);
    if (a.intra_per_broker)
        cJSON_AddNumberToObject(c, "intraConcurrency", a.intra_per_broker);
    if (a.leader_batch)
        cJSON_AddNumberToObject(c, "leaderConcurrency", a.leader_batch);
    if (a.cluster_cap)
        cJSON_AddNumberToObject(c, "clusterConcurrency", a.cluster_cap);
    if (a.poll_s > 0)
        cJSON_AddNumberToObject(c, "progressCheckIntervalMs", a.poll_s * 1000.0);
    if (a.throttle >= 0)
        cJSON_AddNumberToObject(c, "throttle", a.throttle);
    api_reply_json(r, 200, j);
}

static void sampling(struct api_req *r, bool pause)
{
    if (!api_only_params(r, none))
        return;
    svc_sampling_pause(r->srv->svc, pause);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "version", 1);
    cJSON_AddStringToObject(j, "message", pause ? "Metric sampling paused."
                                                : "Metric sampling resumed.");
    api_reply_json(r, 200, j);
}

static void h_pause(struct api_req *r, const char *tail)
{
    (void)tail;
    sampling(r, true);
}

static void h_resume(struct api_req *r, const char *tail)
{
    (void)tail;
    sampling(r, false);
}

/* ---- /metrics: Prometheus text format ---- */

char *api_metrics_samples(const struct svc_sample_count *v, size_t n)
{
    const char *head = "# HELP ballast_sampler_broker_samples_total Metric samples by broker and "
                       "result.\n# TYPE ballast_sampler_broker_samples_total counter\n";
    size_t cap = strlen(head) + n * 160 + 1, len = strlen(head);
    char *b = xmalloc(cap);
    memcpy(b, head, len + 1);
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(b + len, cap - len,
                                "ballast_sampler_broker_samples_total{broker=\"%d\",result=\"ok\"} "
                                "%llu\nballast_sampler_broker_samples_total{broker=\"%d\","
                                "result=\"failed\"} %llu\n",
                                v[i].broker_id, (unsigned long long)v[i].ok, v[i].broker_id,
                                (unsigned long long)v[i].failed);
    return b;
}

static void h_metrics(struct api_req *r, const char *tail)
{
    (void)tail;
    if (!api_only_params(r, none))
        return;
    struct svc_stats st;
    svc_stats(r->srv->svc, &st);
    size_t cap = 16384, n = 0;
    char *b = xmalloc(cap);
#define OUT(...)                                                                                   \
    do {                                                                                           \
        int k_ = snprintf(b + n, cap - n, __VA_ARGS__);                                            \
        if ((size_t)k_ >= cap - n) {                                                               \
            cap = cap * 2 + (size_t)k_;                                                            \
            b = xrealloc(b, cap);                                                                  \
            k_ = snprintf(b + n, cap - n, __VA_ARGS__);                                            \
        }                                                                                          \
        n += (size_t)k_;                                                                           \
    } while (0)
    OUT("# HELP ballast_model_generation Current cluster model generation.\n"
        "# TYPE ballast_model_generation gauge\nballast_model_generation %llu\n",
        (unsigned long long)st.generation);
    OUT("# HELP ballast_model_age_seconds Age of the current cluster model.\n"
        "# TYPE ballast_model_age_seconds gauge\nballast_model_age_seconds %.3f\n",
        st.model_age_s);
    OUT("# HELP ballast_model_refreshes_total Cluster model reads by result.\n"
        "# TYPE ballast_model_refreshes_total counter\n"
        "ballast_model_refreshes_total{result=\"ok\"} %llu\n"
        "ballast_model_refreshes_total{result=\"failed\"} %llu\n",
        (unsigned long long)st.refresh_ok, (unsigned long long)st.refresh_failed);
    struct svc_sample_count *sc;
    size_t nsc = svc_sample_counts(r->srv->svc, &sc);
    char *samples = api_metrics_samples(sc, nsc);
    OUT("%s", samples);
    free(samples);
    free(sc);
    OUT("# HELP ballast_tasks Tasks by state.\n# TYPE ballast_tasks gauge\n");
    for (int i = 0; i < 4; i++)
        OUT("ballast_tasks{state=\"%s\"} %d\n", svc_task_state_names[i], st.tasks[i]);
    OUT("# HELP ballast_execution_in_progress 1 while an execution runs.\n"
        "# TYPE ballast_execution_in_progress gauge\nballast_execution_in_progress %d\n",
        st.executing);
    OUT("# HELP ballast_execution_bytes Bytes of the last execution (journal).\n"
        "# TYPE ballast_execution_bytes gauge\n"
        "ballast_execution_bytes{kind=\"done\"} %lld\nballast_execution_bytes{kind=\"total\"} "
        "%lld\n",
        (long long)st.exec_bytes_done, (long long)st.exec_bytes_total);
    OUT("# HELP ballast_execution_throttle_bytes_per_second Replication throttle in force.\n"
        "# TYPE ballast_execution_throttle_bytes_per_second gauge\n"
        "ballast_execution_throttle_bytes_per_second %.0f\n",
        st.exec_throttle);
    OUT("# HELP ballast_plan_seconds Time of the last plan.\n"
        "# TYPE ballast_plan_seconds gauge\nballast_plan_seconds %.6f\n",
        st.last_plan_ms / 1000.0);
    OUT("# HELP ballast_plan_goal_seconds Time of each goal in the last plan.\n"
        "# TYPE ballast_plan_goal_seconds gauge\n");
    for (int i = 0; i < st.ngoals; i++)
        OUT("ballast_plan_goal_seconds{goal=\"%s\"} %.6f\n", st.goal_names[i],
            st.goal_ms[i] / 1000.0);
    OUT("# HELP ballast_http_requests_total HTTP requests by endpoint and status.\n"
        "# TYPE ballast_http_requests_total counter\n");
    for (int i = 0; i <= api_nroutes; i++)
        for (int c = 0; c < API_NCODES; c++) {
            unsigned long long v =
                atomic_load_explicit(&r->srv->requests[i][c], memory_order_relaxed);
            if (!v)
                continue;
            char code[8];
            if (api_codes[c])
                snprintf(code, sizeof(code), "%d", api_codes[c]);
            else
                snprintf(code, sizeof(code), "other");
            if (i < api_nroutes)
                OUT("ballast_http_requests_total{method=\"%s\",endpoint=\"%s\",code=\"%s\"} "
                    "%llu\n",
                    api_routes[i].method, api_routes[i].path, code, v);
            else
                OUT("ballast_http_requests_total{method=\"\",endpoint=\"unknown\",code=\"%s\"} "
                    "%llu\n",
                    code, v);
        }
#undef OUT
    api_reply_text(r, 200, "text/plain; version=0.0.4", b);
}

/* Sorted by path, then method. A path ending in '/' takes one more segment (an id). */
const struct api_route api_routes[] = {
    {"GET", "/kafkacruisecontrol/", API_ROLE_VIEWER, api_cc_handle},
    {"POST", "/kafkacruisecontrol/", API_ROLE_VIEWER, api_cc_handle},
    {"POST", V1 "/decommission", API_ROLE_ADMIN, api_h_decommission},
    {"POST", V1 "/execution", API_ROLE_ADMIN, h_execution},
    {"GET", V1 "/kafkarebalances", API_ROLE_VIEWER, api_h_rebalances},
    {"POST", V1 "/kafkarebalances", API_ROLE_USER, api_h_rebalance_apply},
    {"DELETE", V1 "/kafkarebalances/", API_ROLE_USER, api_h_rebalance_one},
    {"GET", V1 "/kafkarebalances/", API_ROLE_VIEWER, api_h_rebalance_one},
    {"POST", V1 "/kafkarebalances/", API_ROLE_USER, api_h_rebalance_one},
    {"GET", V1 "/layout", API_ROLE_VIEWER, api_ui_layout},
    {"GET", V1 "/load", API_ROLE_VIEWER, h_load},
    {"GET", V1 "/openapi.json", API_ROLE_VIEWER, h_openapi},
    {"GET", V1 "/partition_load", API_ROLE_VIEWER, h_partition_load},
    {"GET", V1 "/proposals", API_ROLE_VIEWER, h_proposals},
    {"POST", V1 "/rebalance", API_ROLE_USER, h_rebalance},
    {"POST", V1 "/sampling/pause", API_ROLE_ADMIN, h_pause},
    {"POST", V1 "/sampling/resume", API_ROLE_ADMIN, h_resume},
    {"GET", V1 "/state", API_ROLE_VIEWER, h_state},
    {"POST", V1 "/stop", API_ROLE_ADMIN, h_stop},
    {"GET", V1 "/tasks", API_ROLE_VIEWER, h_tasks},
    {"GET", V1 "/tasks/", API_ROLE_VIEWER, h_task},
    {"GET", V1 "/whoami", API_ROLE_VIEWER, api_ui_whoami},
    {"GET", "/healthz", API_ROLE_NONE, h_healthz},
    {"GET", "/metrics", API_ROLE_VIEWER, h_metrics},
    {"GET", "/readyz", API_ROLE_NONE, h_readyz},
    {"GET", "/ui/", API_ROLE_VIEWER, api_ui_handle},
};
const int api_nroutes = (int)(sizeof(api_routes) / sizeof(api_routes[0]));
