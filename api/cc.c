/* The Cruise Control-compatible API's transport (docs/api.md, "Cruise Control API"): the
 * endpoint is the last path segment under /kafkacruisecontrol/, matched case-insensitively in
 * the GET or the POST list (else 404); parameter names are case-insensitive and whitelisted
 * per endpoint (else 400 "Unrecognized endpoint parameters in <ENDPOINT> <METHOD> request:
 * [names]."); `json` defaults to false (plain text); errors carry Cruise Control's body and
 * status; every answer has the Cruise-Control-Version header and a User-Task-ID.
 *
 * The async protocol: a rebalance-like request is a service task (svc_submit), so the native
 * API sees it too. The answer waits up to api.blockMs, then 202 with the progress. A client
 * re-attaches with the User-Task-ID header or, as cccli does, by repeating the identical
 * request with the session cookie (JSESSIONID) this API sets: the session table maps
 * (cookie, method, path, parameters) to the task; an entry unused for SESSION_IDLE_MS is
 * forgotten (Cruise Control's webserver.session.maxExpiryTimeMs default).
 *
 * Deliberate difference: booleans are true/false in any case; any other value is 400 naming
 * the parameter (Cruise Control reads anything but "true" as false, so dryrun=maybe executes). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api/cc.h"
#include "common/alloc.h"
#include "common/clock.h"

#define SESSION_IDLE_MS 60000
#define MAX_SESSIONS 10000

struct cc_session {
    char *key;                 /* cookie \n method \n path \n name=value... */
    char task[SVC_ID_LEN];
    int64_t used_ms;
};

struct api_cc {
    pthread_mutex_t lock;      /* guards the table; never held while calling the service */
    struct cc_session *v;
    size_t n, cap;
    /* the default proposal's balancedness score before, by its id: state's
     * AnomalyDetectorState shows it, and parsing the proposal on every poll is costly */
    char score_pid[SVC_ID_LEN];
    double score;
};

double cc_default_score(struct cc_req *q, const char *pid)
{
    struct api_cc *cc = q->r->srv->cc;
    if (!pid)
        return NAN;
    pthread_mutex_lock(&cc->lock);
    double v = strcmp(cc->score_pid, pid) == 0 ? cc->score : NAN;
    pthread_mutex_unlock(&cc->lock);
    if (!isnan(v))
        return v;
    cJSON *dp = svc_default_proposal(q->r->srv->svc); /* outside the lock: it parses */
    const char *got = cJSON_GetStringValue(cJSON_GetObjectItem(dp, "proposalId"));
    v = cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetObjectItem(dp, "summary"),
                                                 "onDemandBalancednessScoreBefore"));
    if (got && !isnan(v)) {
        pthread_mutex_lock(&cc->lock);
        snprintf(cc->score_pid, sizeof(cc->score_pid), "%s", got);
        cc->score = v;
        pthread_mutex_unlock(&cc->lock);
    }
    cJSON_Delete(dp);
    return v;
}

struct api_cc *api_cc_create(void)
{
    struct api_cc *cc = xcalloc(1, sizeof(*cc));
    pthread_mutex_init(&cc->lock, NULL);
    return cc;
}

void api_cc_destroy(struct api_cc *cc)
{
    if (!cc)
        return;
    for (size_t i = 0; i < cc->n; i++)
        free(cc->v[i].key);
    free(cc->v);
    pthread_mutex_destroy(&cc->lock);
    free(cc);
}

/* Drops entries idle for SESSION_IDLE_MS (cc->lock held). */
static void sessions_expire(struct api_cc *cc, int64_t now)
{
    size_t k = 0;
    for (size_t i = 0; i < cc->n; i++) {
        if (now - cc->v[i].used_ms >= SESSION_IDLE_MS || (cc->n - i > MAX_SESSIONS && k == 0)) {
            free(cc->v[i].key);
            continue;
        }
        cc->v[k++] = cc->v[i];
    }
    cc->n = k;
}

static bool session_get(struct api_cc *cc, const char *key, char task[SVC_ID_LEN])
{
    int64_t now = clock_wall_ms();
    bool found = false;
    pthread_mutex_lock(&cc->lock);
    sessions_expire(cc, now);
    for (size_t i = 0; i < cc->n && !found; i++)
        if (strcmp(cc->v[i].key, key) == 0) {
            memcpy(task, cc->v[i].task, SVC_ID_LEN);
            cc->v[i].used_ms = now;
            found = true;
        }
    pthread_mutex_unlock(&cc->lock);
    return found;
}

static void session_put(struct api_cc *cc, const char *key, const char *task)
{
    pthread_mutex_lock(&cc->lock);
    for (size_t i = 0; i < cc->n; i++)
        if (strcmp(cc->v[i].key, key) == 0) {
            snprintf(cc->v[i].task, SVC_ID_LEN, "%s", task);
            cc->v[i].used_ms = clock_wall_ms();
            pthread_mutex_unlock(&cc->lock);
            return;
        }
    xgrow((void **)&cc->v, &cc->cap, cc->n + 1, sizeof(*cc->v));
    struct cc_session *s = &cc->v[cc->n++];
    s->key = xstrdup(key);
    snprintf(s->task, SVC_ID_LEN, "%s", task);
    s->used_ms = clock_wall_ms();
    pthread_mutex_unlock(&cc->lock);
}

/* ---- answers ---- */

void cc_reply(struct cc_req *q, cJSON *j, char *text)
{
    if (!q->json && !text)
        text = cc_text_generic(j);
    if (q->json) {
        free(text);
        if (!cJSON_GetObjectItemCaseSensitive(j, "version"))
            cJSON_AddNumberToObject(j, "version", 1);
        api_reply_json(q->r, 200, j);
        return;
    }
    cJSON_Delete(j);
    api_reply_text(q->r, 200, "text/plain;charset=utf-8", text);
}

static void error_reply(struct cc_req *q, int status, const char *exception, const char *msg)
{
    q->failed = true;
    if (!q->json) {
        api_reply_text(q->r, status, "text/plain;charset=utf-8", xasprintf("%s\n", msg));
        return;
    }
    cJSON *j = cJSON_CreateObject();
    /* no Java stack to show: the exception and the message, as its first line would be */
    char *trace = xasprintf("%s\n\tat ballast (Cruise Control-compatible API)",
                            exception ? exception : "ballast");
    cJSON_AddStringToObject(j, "stackTrace", trace);
    free(trace);
    cJSON_AddStringToObject(j, "errorMessage", msg);
    cJSON_AddNumberToObject(j, "version", 1);
    api_reply_json(q->r, status, j);
}

/* 400 and 403: Cruise Control's wording `head` around the message m. */
static void wrapped(struct cc_req *q, int status, const char *head, const char *sep,
                    const char *exception, const char *m)
{
    char msg[1200], ex[1100];
    snprintf(msg, sizeof(msg), "%s %s request '%s' due to%s'%s'.", head, q->r->method, q->path,
             sep, m);
    snprintf(ex, sizeof(ex), "%s: %s", exception, m);
    error_reply(q, status, ex, msg);
}

void cc_bad(struct cc_req *q, const char *fmt, ...)
{
    char m[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof(m), fmt, ap);
    va_end(ap);
    wrapped(q, 400, "Bad", " ", "com.linkedin.kafka.cruisecontrol.servlet.UserRequestException",
            m);
}

void cc_forbidden(struct cc_req *q, const char *fmt, ...)
{
    char m[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof(m), fmt, ap);
    va_end(ap);
    wrapped(q, 403, "Cannot process", ": ", "org.apache.kafka.common.config.ConfigException", m);
}

void cc_fail(struct cc_req *q, const char *exception, const char *fmt, ...)
{
    char m[1024], what[1300], msg[1500];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof(m), fmt, ap);
    va_end(ap);
    if (exception)
        snprintf(what, sizeof(what), "%s: %s", exception, m);
    else
        snprintf(what, sizeof(what), "%s", m);
    snprintf(msg, sizeof(msg), "Error processing %s request '%s' due to: '%s'.", q->r->method,
             q->path, what);
    error_reply(q, 500, what, msg);
}

/* ---- parameters ---- */

const char *cc_param(const struct cc_req *q, const char *name)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(q->params, name));
}

static bool parse_bool(const char *v, bool *ret)
{
    if (!strcasecmp(v, "true"))
        *ret = true;
    else if (!strcasecmp(v, "false"))
        *ret = false;
    else
        return false;
    return true;
}

bool cc_bool(struct cc_req *q, const char *name, bool def)
{
    const char *v = cc_param(q, name);
    bool b = def;
    if (v && !q->failed && !parse_bool(v, &b)) {
        cc_bad(q, "Parameter %s takes true or false (in any case), not '%.64s'", name, v);
        return def;
    }
    return b;
}

long long cc_long(struct cc_req *q, const char *name, long long lo, long long hi,
                  long long def)
{
    const char *v = cc_param(q, name);
    if (!v || q->failed)
        return def;
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (end == v || *end || errno) {
        cc_bad(q, "For input string: \"%.64s\" (parameter %s)", v, name);
        return def;
    }
    if (x < lo || x > hi) {
        cc_bad(q, "Parameter %s must be between %lld and %lld, not %lld", name, lo, hi, x);
        return def;
    }
    return x;
}

double cc_double(struct cc_req *q, const char *name, double lo, double hi, double def)
{
    const char *v = cc_param(q, name);
    if (!v || q->failed)
        return def;
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (end == v || *end || errno) {
        cc_bad(q, "For input string: \"%.64s\" (parameter %s)", v, name);
        return def;
    }
    if (!(x >= lo && x <= hi)) {
        cc_bad(q, "Parameter %s must be between %g and %g, not %g", name, lo, hi, x);
        return def;
    }
    return x;
}

void cc_list_free(char **items, int n)
{
    for (int i = 0; i < n; i++)
        free(items[i]);
    free(items);
}

char **cc_list(struct cc_req *q, const char *name, int max, int *ret_n)
{
    const char *v = cc_param(q, name);
    *ret_n = 0;
    if (!v || q->failed)
        return NULL;
    char **items = xcalloc((size_t)max + 1, sizeof(char *));
    int n = 0;
    for (const char *p = v;;) {
        size_t len = strcspn(p, ",");
        while (len && isspace((unsigned char)*p)) {
            p++;
            len--;
        }
        size_t l = len;
        while (l && isspace((unsigned char)p[l - 1]))
            l--;
        if (l == 0 || l > 249 || n == max) {
            cc_list_free(items, n);
            cc_bad(q, n == max ? "Parameter %s has more than %d items" :
                                 "Parameter %s has an empty or overlong item (%d characters at "
                                 "most)", name, n == max ? max : 249);
            return NULL;
        }
        items[n++] = xstrndup(p, l);
        if (!p[len])
            break;
        p += len + 1;
    }
    *ret_n = n;
    return items;
}

int32_t *cc_ids(struct cc_req *q, const char *name, int *ret_n)
{
    int n;
    char **items = cc_list(q, name, SVC_MAX_BROKERS, &n);
    *ret_n = 0;
    if (!items)
        return NULL;
    int32_t *ids = xcalloc((size_t)n, sizeof(*ids));
    for (int i = 0; i < n && !q->failed; i++) {
        char *end;
        errno = 0;
        long x = strtol(items[i], &end, 10);
        if (*end || errno || x < 0 || x > INT32_MAX)
            cc_bad(q, "For input string: \"%.64s\" (parameter %s)", items[i], name);
        ids[i] = (int32_t)x;
    }
    cc_list_free(items, n);
    if (q->failed) {
        free(ids);
        return NULL;
    }
    *ret_n = n;
    return ids;
}

int32_t *cc_brokers(struct cc_req *q, const char *name, int *ret_n)
{
    int n;
    int32_t *ids = cc_ids(q, name, &n);
    *ret_n = 0;
    if (!ids)
        return NULL;
    struct svc_gen *g = svc_current(q->r->srv->svc);
    if (g) {
        char missing[512] = "";
        size_t at = 0;
        for (int i = 0; i < n && at < sizeof(missing) - 16; i++)
            if (model_broker_find(g->cluster, ids[i]) < 0)
                at += (size_t)snprintf(missing + at, sizeof(missing) - at, "%s%d",
                                       at ? ", " : "", ids[i]);
        svc_gen_unref(g);
        if (at)
            cc_fail(q, "com.linkedin.kafka.cruisecontrol.exception.KafkaCruiseControlException: "
                    "java.lang.IllegalArgumentException", "Broker [%s] does not exist.", missing);
    }
    if (q->failed) {
        free(ids);
        return NULL;
    }
    *ret_n = n;
    return ids;
}

bool cc_role(struct cc_req *q, enum api_role need, const char *what)
{
    if (q->r->role >= need)
        return true;
    q->failed = true;
    /* Cruise Control's security handler answers 403 before the servlet; its body is Jetty's.
     * Ballast answers in the API's error shape. */
    char msg[512];
    snprintf(msg, sizeof(msg), "User '%s' has role %s; %s needs %s.", q->r->user,
             api_role_name(q->r->role), what, api_role_name(need));
    error_reply(q, 403, "java.lang.SecurityException", msg);
    return false;
}

void cc_reason_text(char *buf, size_t n, const char *reason, const char *client, int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char date[32];
    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(buf, n, "%s (Client: %s, Date: %s)", reason && *reason ? reason : "No reason provided",
             client && *client ? client : "-", date);
}

/* ---- the async protocol ---- */

static bool is_uuid(const char *s)
{
    if (strlen(s) != 36)
        return false;
    for (int i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
            return false;
    }
    return true;
}

/* "POST /kafkacruisecontrol/rebalance?json=true&dryrun=false": the request as its client
 * sent it (parameter names and values as given, in order). */
static char *request_line(const struct api_req *r)
{
    size_t cap = strlen(r->url) + 64, n = 0;
    char *b = xmalloc(cap);
    n = (size_t)snprintf(b, cap, "%s %s", r->method, r->url);
    const cJSON *it;
    char sep = '?';
    cJSON_ArrayForEach(it, r->query)
    {
        const char *v = cJSON_GetStringValue(it);
        size_t need = strlen(it->string) + (v ? strlen(v) : 0) + 3;
        if (n + need >= cap) {
            cap = (n + need) * 2;
            b = xrealloc(b, cap);
        }
        n += (size_t)snprintf(b + n, cap - n, "%c%s=%s", sep, it->string, v ? v : "");
        sep = '&';
    }
    return b;
}

/* The session key: cookie, method, path (lower case) and the parameters sorted by name. */
static char *session_key(const char *cookie, const struct cc_req *q)
{
    int n = cJSON_GetArraySize(q->params);
    const cJSON **v = xcalloc((size_t)n + 1, sizeof(*v));
    int k = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, q->params) v[k++] = it;
    for (int i = 1; i < k; i++) /* insertion sort: a handful of parameters */
        for (int j = i; j > 0 && strcmp(v[j - 1]->string, v[j]->string) > 0; j--) {
            const cJSON *t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    size_t cap = 256, len = 0;
    char *b = xmalloc(cap);
    len = (size_t)snprintf(b, cap, "%s\n%s\n%s", cookie, q->r->method, q->ep->name);
    for (int i = 0; i < k; i++) {
        const char *val = cJSON_GetStringValue(v[i]);
        size_t need = strlen(v[i]->string) + strlen(val ? val : "") + 3;
        if (len + need >= cap) {
            cap = (len + need) * 2;
            b = xrealloc(b, cap);
        }
        len += (size_t)snprintf(b + len, cap - len, "\n%s=%s", v[i]->string, val ? val : "");
    }
    free(v);
    return b;
}

static const char *step_name(const char *ours)
{
    static const char *const map[][2] = {
        {"Queued", "PENDING"},
        {"Planning", "OPTIMIZATION"},
        {"Execution", "EXECUTION"},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (!strcmp(ours, map[i][0]))
            return map[i][1];
    return ours;
}

/* 202 with the task's progress in Cruise Control's shape (no "version" per operation: the
 * Java code writes none, whatever its OpenAPI file says). */
static void reply_progress(struct cc_req *q, const cJSON *t, const char *operation)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "version", 1);
    cJSON *op = cJSON_CreateObject();
    cJSON_AddStringToObject(op, "operation", operation);
    cJSON *steps = cJSON_AddArrayToObject(op, "operationProgress");
    const cJSON *s;
    size_t tlen = 0;
    char *text = xstrdup("");
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(t, "progress"))
    {
        const char *name = step_name(cJSON_GetStringValue(cJSON_GetObjectItem(s, "step")));
        const char *d = cJSON_GetStringValue(cJSON_GetObjectItem(s, "description"));
        double ms = cJSON_GetNumberValue(cJSON_GetObjectItem(s, "time-in-ms"));
        double pct = cJSON_GetNumberValue(cJSON_GetObjectItem(s, "completionPercentage"));
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "step", name);
        cJSON_AddStringToObject(o, "description", d ? d : "");
        cJSON_AddNumberToObject(o, "time-in-ms", ms);
        cJSON_AddNumberToObject(o, "completionPercentage", pct);
        cJSON_AddItemToArray(steps, o);
        char *line = xasprintf("%s[%6.0f ms] %-20s: %s (%.1f%%)\n", text, ms, name,
                               d ? d : "", pct);
        free(text);
        text = line;
        tlen = strlen(text);
    }
    (void)tlen;
    cJSON *a = cJSON_AddArrayToObject(j, "progress");
    cJSON_AddItemToArray(a, op);
    if (q->json) {
        free(text);
        api_reply_json(q->r, 202, j);
    } else {
        cJSON_Delete(j);
        char *t2 = xasprintf("%s\n%s", operation, text);
        free(text);
        api_reply_text(q->r, 202, "text/plain;charset=utf-8", t2);
    }
}

/* A finished task's error as Cruise Control words it. */
static void reply_task_error(struct cc_req *q, const char *result)
{
    cJSON *e = result ? cJSON_Parse(result) : NULL;
    const char *msg = cJSON_GetStringValue(cJSON_GetObjectItem(e, "errorMessage"));
    if (!msg)
        msg = "the task ended with an error";
    const char *ex = "com.linkedin.kafka.cruisecontrol.exception.KafkaCruiseControlException";
    if (strstr(msg, "hard goal") || strstr(msg, "does not exist") || strstr(msg, "goal"))
        ex = "java.lang.IllegalArgumentException";
    cc_fail(q, ex, "%s", msg);
    cJSON_Delete(e);
}

static void reply_result(struct cc_req *q, const char *text)
{
    cJSON *j = cJSON_Parse(text);
    if (!j) {
        cc_fail(q, NULL, "the task's result is not JSON");
        return;
    }
    cc_reply(q, j, q->json ? NULL : cc_text_optimization(j));
}

static void answer_task(struct cc_req *q, cJSON *t, bool done, const char *operation)
{
    const char *state = cJSON_GetStringValue(cJSON_GetObjectItem(t, "state"));
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(t, "result");
    const cJSON *planned = cJSON_GetObjectItemCaseSensitive(t, "planned");
    const char *rtext = cJSON_IsRaw(res) ? res->valuestring : NULL;
    const char *ptext = cJSON_IsRaw(planned) ? planned->valuestring : NULL;
    if (!state) {
        cc_fail(q, NULL, "the task vanished");
    } else if (ptext) {
        /* an execution: Cruise Control answers the optimization result once it starts */
        reply_result(q, ptext);
    } else if (done && !strcmp(state, "Completed") && rtext) {
        reply_result(q, rtext);
    } else if (done) {
        reply_task_error(q, rtext);
    } else {
        reply_progress(q, t, operation);
    }
}

static void submit_failed(struct cc_req *q, int http, const struct error *err)
{
    const struct config *cfg = q->r->srv->cfg;
    if (http == 429)
        cc_fail(q, NULL, "There are already %d active user tasks, which has reached the "
                "servlet capacity.", cfg->api.max_active_tasks);
    else if (strstr(err->msg, "Cannot start a new execution"))
        cc_fail(q, "java.lang.IllegalStateException", "Cannot start a new execution while "
                "there is an ongoing execution. Please use stop_ongoing_execution=true to stop "
                "ongoing execution and start a new one.");
    else if (http == 503)
        cc_fail(q, "com.linkedin.kafka.cruisecontrol.exception.KafkaCruiseControlException: "
                "com.linkedin.cruisecontrol.exception.NotEnoughValidWindowsException",
                "There are only 0 valid windows: %s", err->msg);
    else
        cc_fail(q, "java.lang.IllegalArgumentException", "%s", err->msg);
}

void cc_async(struct cc_req *q, struct svc_request *req, const char *operation)
{
    struct api_req *r = q->r;
    struct svc *s = r->srv->svc;
    char id[SVC_ID_LEN] = "";
    char *key = NULL;
    if (r->resumed) { /* the wait for its task is over (api_wait_task): answer */
        snprintf(id, sizeof(id), "%.36s", r->task_id);
        goto answer;
    }
    const char *hdr = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "User-Task-ID");
    if (hdr && *hdr) {
        cJSON *t = is_uuid(hdr) ? svc_task_json(s, hdr, false) : NULL;
        if (!is_uuid(hdr)) {
            cc_fail(q, "java.lang.IllegalArgumentException", "Invalid UUID string: %.64s", hdr);
            goto out;
        }
        if (!t) {
            cc_fail(q, "java.lang.IllegalArgumentException", "Unexpected header %s (value: "
                    "User-Task-ID) in the request.", hdr);
            goto out;
        }
        cJSON_Delete(t);
        snprintf(id, sizeof(id), "%s", hdr);
    } else {
        const char *cookie = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, "JSESSIONID");
        char fresh[SVC_ID_LEN];
        if (!cookie || !is_uuid(cookie)) {
            svc_new_id(fresh);
            cookie = fresh;
            free(r->set_cookie);
            r->set_cookie = xasprintf("JSESSIONID=%s; Path=/; HttpOnly", fresh);
        }
        key = session_key(cookie, q);
        if (session_get(r->srv->cc, key, id)) {
            cJSON *t = svc_task_json(s, id, false);
            if (!t)
                id[0] = '\0'; /* the task is gone (retention): start anew */
            cJSON_Delete(t);
        }
    }
    if (!id[0]) {
        req->origin = request_line(r);
        req->user = xstrdup(r->user);
        req->client = xstrdup(r->client);
        char *tid = NULL;
        int http = 0;
        struct error err = {0};
        if (svc_submit(s, req, &tid, &http, &err) < 0) {
            submit_failed(q, http, &err);
            goto out;
        }
        snprintf(id, sizeof(id), "%s", tid);
        free(tid);
        if (key)
            session_put(r->srv->cc, key, id);
    }
    snprintf(r->task_id, sizeof(r->task_id), "%s", id);
answer:
    if (!r->resumed && svc_task_pending(s, id)) {
        /* no pool thread waits: the connection is suspended until the task ends or
         * api.blockMs passes, then this handler runs again (r->resumed) */
        api_wait_task(r, id);
        r->rerun = true;
        goto out;
    }
    bool done = false;
    cJSON *t = svc_task_wait(s, id, 0, &done);
    if (!t)
        cc_fail(q, NULL, "the task vanished");
    else
        answer_task(q, t, done, operation);
    cJSON_Delete(t);
out:
    svc_request_finish(req);
    free(key);
}

/* ---- dispatch ---- */

static bool allowed(const struct cc_endpoint *ep, const char *name)
{
    for (const char *const *p = ep->params; *p; p++)
        if (!strcmp(*p, name))
            return true;
    return false;
}

static int by_name_ci(const void *a, const void *b)
{
    return strcasecmp(*(const char *const *)a, *(const char *const *)b);
}

void api_cc_handle(struct api_req *r, const char *tail)
{
    r->cc = true;
    struct cc_req q = {.r = r};
    snprintf(q.path, sizeof(q.path), "/%.40s", tail);
    q.params = cJSON_CreateObject();
    const cJSON *it;
    const char *twice = NULL;
    cJSON_ArrayForEach(it, r->query)
    {
        char low[128];
        snprintf(low, sizeof(low), "%s", it->string);
        for (char *p = low; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        if (cJSON_GetObjectItemCaseSensitive(q.params, low))
            twice = it->string;
        else
            cJSON_AddStringToObject(q.params, low, cJSON_GetStringValue(it) ? it->valuestring
                                                                             : "");
    }
    /* json first: it decides the shape of every error after it */
    const char *jv = cc_param(&q, "json");
    bool jb = false;
    if (jv && !parse_bool(jv, &jb)) {
        cc_bad(&q, "Parameter json takes true or false (in any case), not '%.64s'", jv);
        goto out;
    }
    q.json = jb;
    for (int i = 0; i < cc_nendpoints && !q.ep; i++)
        if (!strcasecmp(tail, cc_endpoints[i].name) && !strcmp(r->method, cc_endpoints[i].method))
            q.ep = &cc_endpoints[i];
    if (!q.ep) {
        char list[1024] = "";
        size_t at = 0;
        for (int i = 0; i < cc_nendpoints; i++)
            if (!strcmp(r->method, cc_endpoints[i].method))
                at += (size_t)snprintf(list + at, sizeof(list) - at, "%s%s", at ? ", " : "",
                                       cc_endpoints[i].upper);
        char msg[1400];
        snprintf(msg, sizeof(msg), "Unrecognized endpoint in request '%s'\nSupported %s "
                 "endpoints: [%s]", q.path, r->method, list);
        q.failed = true;
        if (q.json) {
            cJSON *j = cJSON_CreateObject();
            cJSON_AddStringToObject(j, "stackTrace", "");
            cJSON_AddStringToObject(j, "errorMessage", msg);
            cJSON_AddNumberToObject(j, "version", 1);
            api_reply_json(r, 404, j);
        } else {
            api_reply_text(r, 404, "text/plain;charset=utf-8", xasprintf("%s\n", msg));
        }
        goto out;
    }
    if (twice) {
        cc_bad(&q, "Parameter %.64s is given twice", twice);
        goto out;
    }
    const char *unknown[64];
    int nunknown = 0;
    cJSON_ArrayForEach(it, r->query)
    {
        char low[128];
        snprintf(low, sizeof(low), "%s", it->string);
        for (char *p = low; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        if (!allowed(q.ep, low) && nunknown < 64)
            unknown[nunknown++] = it->string;
    }
    if (nunknown) {
        qsort(unknown, (size_t)nunknown, sizeof(*unknown), by_name_ci);
        char list[1024] = "";
        size_t at = 0;
        for (int i = 0; i < nunknown && at < sizeof(list) - 80; i++)
            at += (size_t)snprintf(list + at, sizeof(list) - at, "%s%.64s", i ? ", " : "",
                                   unknown[i]);
        char msg[1200];
        snprintf(msg, sizeof(msg), "Unrecognized endpoint parameters in %s %s request: [%s].",
                 q.ep->upper, r->method, list);
        error_reply(&q, 400, "ballast", msg);
        goto out;
    }
    q.ep->handler(&q);
    if (!r->out && !r->waiting) /* waiting: answered when resumed (api_wait_task) */
        cc_fail(&q, NULL, "no answer");
out:
    if (!r->task_id[0]) {
        /* synchronous endpoints get an id too (Cruise Control makes a user task of each) */
        char id[SVC_ID_LEN];
        svc_new_id(id);
        snprintf(r->task_id, sizeof(r->task_id), "%s", id);
    }
    cJSON_Delete(q.params);
}
