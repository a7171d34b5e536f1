/* The KafkaRebalance controller: the resources, their files, and the reconcile thread.
 *
 * Each resource is STATE_DIR/rebalances/NAME.yaml (what `ballast rebalance get -o yaml`
 * shows) plus NAME.ballast.json (the proposal's reassignment and placement hash, so that the
 * proposal a user approved is still the one executed after a restart). Both are replaced
 * atomically (common/file) whenever they change, so a restart loses nothing: the state is in
 * the resources, the tasks in the service's task files, an execution in its journal.
 *
 * A reconcile pass takes each resource's state, annotations, spec and the service's word on
 * the task it tracks (status.sessionId), lets rb_decide (machine.c) choose, carries the action
 * out through the service (service/service.h: a dry run, an execution of exactly the
 * proposal, a stop) and writes the status. A passing failure (no model yet, too many tasks,
 * an execution of someone else running) is retried on a later pass with a growing pause.
 *
 * Threads and locks: one reconcile thread; the REST handlers call rb_apply & co. rb.lock
 * guards the resources; it is held through a pass, and service calls are made under it (the
 * service never calls back, so the order is always rb.lock then the service's locks). */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/clock.h"
#include "common/file.h"
#include "common/log.h"
#include "rebalance/kube.h"
#include "rebalance/rebalance.h"

#define FILE_MAX (8 * 1024 * 1024)
#define RETRY_MIN_MS 2000
#define RETRY_MAX_MS 60000

/* Ballast's bookkeeping of one resource (NAME.ballast.json). */
struct priv {
    char *proposal_id;
    char *mode;
    char *reassignment;   /* what executing the proposal sends */
    uint64_t placement;
    bool empty;           /* the proposal moves nothing */
    int attempts;         /* passing failures in a row */
    int64_t retry_at_ms;  /* wall clock: no new request before */
};

struct item {
    char *name;
    cJSON *obj;
    struct priv priv;
};

struct rb_controller {
    struct svc *svc;
    char *dir;
    int interval_ms;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping, started;
    pthread_t thread;
    struct item **items;
    size_t n, cap;
    /* Kubernetes mode: the watcher thread keeps items equal to the API's objects */
    struct rb_kube *kube;
    pthread_t watcher;
    bool watching;
    atomic_bool stop_watch;
    struct rb_auto *autob; /* the auto-rebalancer, or NULL */
};

/* ---- small JSON helpers ---- */

static cJSON *child(cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

static cJSON *child_obj(cJSON *o, const char *k)
{
    cJSON *c = child(o, k);
    if (!cJSON_IsObject(c)) {
        cJSON_DeleteItemFromObjectCaseSensitive(o, k);
        c = cJSON_AddObjectToObject(o, k);
    }
    return c;
}

static void set_item(cJSON *o, const char *k, cJSON *v)
{
    if (child(o, k))
        cJSON_ReplaceItemInObjectCaseSensitive(o, k, v);
    else
        cJSON_AddItemToObject(o, k, v);
}

static const char *annotation(cJSON *obj, const char *k)
{
    return cJSON_GetStringValue(child(child(child(obj, "metadata"), "annotations"), k));
}

static bool annotation_true(cJSON *obj, const char *k)
{
    const char *v = annotation(obj, k);
    return v && strcmp(v, "true") == 0;
}

static void now_text(char *buf, size_t len)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

enum rb_state rb_resource_state(const cJSON *obj)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(
                              cJSON_GetObjectItemCaseSensitive(obj, "status"), "conditions"))
    {
        int st = rb_state_parse(cJSON_GetStringValue(cJSON_GetObjectItem(c, "type")));
        const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(c, "status"));
        if (st >= 0 && s && strcmp(s, "True") == 0)
            return (enum rb_state)st;
    }
    return RB_NEW;
}

/* ---- resource checks ---- */

static bool dns_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 253)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
        if (!alnum && ((ch != '-' && ch != '.') || i == 0 || i == n - 1))
            return false;
    }
    return true;
}

int rb_resource_check(const cJSON *obj, struct error *err)
{
    if (!cJSON_IsObject(obj))
        return error_set(err, -EINVAL, "expected a KafkaRebalance object");
    const char *av = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, "apiVersion"));
    const char *kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, "kind"));
    if (!av || (strcmp(av, "kafka.strimzi.io/v1") && strcmp(av, "kafka.strimzi.io/v1beta2")))
        return error_set(err, -EINVAL, "apiVersion: expected kafka.strimzi.io/v1 or "
                         "kafka.strimzi.io/v1beta2, not '%.64s'", av ? av : "");
    if (!kind || strcmp(kind, "KafkaRebalance"))
        return error_set(err, -EINVAL, "kind: expected KafkaRebalance, not '%.64s'",
                         kind ? kind : "");
    const cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(md, "name"));
    if (!name || !dns_name(name))
        return error_set(err, -EINVAL, "metadata.name: '%.64s' is not a DNS-1123 subdomain "
                         "(lower-case letters, digits, '-' and '.', at most 253)",
                         name ? name : "");
    const cJSON *labels = cJSON_GetObjectItemCaseSensitive(md, "labels");
    const cJSON *annots = cJSON_GetObjectItemCaseSensitive(md, "annotations");
    const cJSON *it;
    for (int k = 0; k < 2; k++) {
        const cJSON *map = k ? annots : labels;
        cJSON_ArrayForEach(it, map)
            if (!cJSON_IsString(it))
                return error_set(err, -EINVAL, "metadata.%s.%s: expected a string (quote it)",
                                 k ? "annotations" : "labels", it->string);
    }
    if ((labels && !cJSON_IsObject(labels)) || (annots && !cJSON_IsObject(annots)))
        return error_set(err, -EINVAL, "metadata.labels and metadata.annotations are maps");
    const char *cluster =
        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(labels, RB_LABEL_CLUSTER));
    if (!cluster || !*cluster)
        return error_set(err, -EINVAL, "metadata.labels: the %s label naming the Kafka cluster "
                         "is required", RB_LABEL_CLUSTER);
    struct rb_spec s;
    int rc = rb_spec_parse(cJSON_GetObjectItemCaseSensitive(obj, "spec"), &s, err);
    if (rc == -EDOM)
        return 0; /* kept, NotReady */
    if (rc == 0)
        rb_spec_finish(&s);
    return rc;
}

/* ---- files ---- */

static void priv_finish(struct priv *p)
{
    free(p->proposal_id);
    free(p->mode);
    free(p->reassignment);
    memset(p, 0, sizeof(*p));
}

static char *priv_text(const struct priv *p)
{
    cJSON *j = cJSON_CreateObject();
    if (p->proposal_id) {
        cJSON_AddStringToObject(j, "proposalId", p->proposal_id);
        cJSON_AddStringToObject(j, "mode", p->mode ? p->mode : "full");
        char h[24];
        snprintf(h, sizeof(h), "%016llx", (unsigned long long)p->placement);
        cJSON_AddStringToObject(j, "placement", h);
        cJSON_AddBoolToObject(j, "empty", p->empty);
        if (p->reassignment)
            cJSON_AddItemToObject(j, "reassignment", cJSON_CreateRaw(p->reassignment));
    }
    cJSON_AddNumberToObject(j, "attempts", p->attempts);
    cJSON_AddNumberToObject(j, "retryAtMs", (double)p->retry_at_ms);
    char *t = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    char *out = xstrdup(t);
    cJSON_free(t);
    return out;
}

static void priv_parse(const char *text, struct priv *p)
{
    cJSON *j = cJSON_Parse(text);
    const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(j, "proposalId"));
    const char *mode = cJSON_GetStringValue(cJSON_GetObjectItem(j, "mode"));
    const char *h = cJSON_GetStringValue(cJSON_GetObjectItem(j, "placement"));
    cJSON *re = cJSON_GetObjectItem(j, "reassignment");
    if (id && h && re) {
        p->proposal_id = xstrdup(id);
        p->mode = xstrdup(mode ? mode : "full");
        p->placement = strtoull(h, NULL, 16);
        p->empty = cJSON_IsTrue(cJSON_GetObjectItem(j, "empty"));
        char *t = cJSON_PrintUnformatted(re);
        p->reassignment = xstrdup(t);
        cJSON_free(t);
    }
    double a = cJSON_GetNumberValue(cJSON_GetObjectItem(j, "attempts"));
    double r = cJSON_GetNumberValue(cJSON_GetObjectItem(j, "retryAtMs"));
    p->attempts = a >= 0 && a <= 1000 ? (int)a : 0; /* false for NaN: a field missing */
    p->retry_at_ms = r >= 0 && r < 9e18 ? (int64_t)r : 0;
    cJSON_Delete(j);
}

static int save(struct rb_controller *c, struct item *it, bool with_priv)
{
    struct error err = {0};
    int rc = 0;
    if (!c->kube) { /* in Kubernetes mode the resource is the API server's */
        char *y = rb_yaml_emit(it->obj);
        char *path = xasprintf("%s/%s.yaml", c->dir, it->name);
        rc = file_write_atomic(path, y, strlen(y), &err);
        free(path);
        free(y);
    }
    char *path;
    if (rc == 0 && with_priv) {
        char *t = priv_text(&it->priv);
        path = xasprintf("%s/%s.ballast.json", c->dir, it->name);
        rc = file_write_atomic(path, t, strlen(t), &err);
        free(path);
        free(t);
    }
    if (rc < 0)
        log_error("kafkarebalance %s: %s", it->name, err.msg);
    return rc;
}

static void item_free(struct item *it)
{
    if (!it)
        return;
    free(it->name);
    cJSON_Delete(it->obj);
    priv_finish(&it->priv);
    free(it);
}

static struct item *find(struct rb_controller *c, const char *name, size_t *ret_i)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->items[i]->name, name) == 0) {
            if (ret_i)
                *ret_i = i;
            return c->items[i];
        }
    return NULL;
}

static int by_name(const void *a, const void *b)
{
    return strcmp((*(struct item *const *)a)->name, (*(struct item *const *)b)->name);
}

static void add(struct rb_controller *c, struct item *it)
{
    xgrow((void **)&c->items, &c->cap, c->n + 1, sizeof(*c->items));
    c->items[c->n++] = it;
    qsort(c->items, c->n, sizeof(*c->items), by_name);
}

static void load_priv(struct rb_controller *c, struct item *it)
{
    char *buf = NULL;
    size_t len = 0;
    char *path = xasprintf("%s/%s.ballast.json", c->dir, it->name);
    if (file_read(path, FILE_MAX, &buf, &len, NULL) == 0)
        priv_parse(buf, &it->priv);
    free(path);
    free(buf);
}

static void load_one(struct rb_controller *c, const char *file)
{
    char *path = xasprintf("%s/%s", c->dir, file);
    char *buf = NULL;
    size_t len = 0;
    struct error err = {0};
    cJSON *docs = NULL;
    if (file_read(path, FILE_MAX, &buf, &len, &err) < 0 ||
        rb_yaml_parse(buf, len, path, &docs, &err) < 0 ||
        (cJSON_GetArraySize(docs) != 1 && error_set(&err, -EINVAL, "%s: expected one document",
                                                    path) < 0) ||
        rb_resource_check(cJSON_GetArrayItem(docs, 0), &err) < 0) {
        log_warn("kafkarebalance file skipped: %s", err.msg);
        goto out;
    }
    struct item *it = xcalloc(1, sizeof(*it));
    it->obj = cJSON_DetachItemFromArray(docs, 0);
    it->name = xstrdup(cJSON_GetStringValue(child(child(it->obj, "metadata"), "name")));
    size_t n = strlen(file) - strlen(".yaml");
    if (strlen(it->name) != n || strncmp(it->name, file, n) != 0 || find(c, it->name, NULL)) {
        log_warn("kafkarebalance file %s skipped: it holds resource '%s'", path, it->name);
        item_free(it);
        goto out;
    }
    load_priv(c, it);
    add(c, it);
out:
    cJSON_Delete(docs);
    free(buf);
    free(path);
}

int rb_controller_create(const struct rb_options *o, struct rb_controller **ret,
                         struct error *err)
{
    struct rb_controller *c = xcalloc(1, sizeof(*c));
    c->svc = o->svc;
    c->kube = o->kube;
    c->autob = o->autob;
    c->dir = xasprintf("%s/rebalances", o->state_dir);
    c->interval_ms = o->interval_ms > 0 ? o->interval_ms : 1000;
    pthread_mutex_init(&c->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&c->wake, &ca);
    pthread_condattr_destroy(&ca);
    if (mkdir(c->dir, 0777) < 0 && errno != EEXIST) {
        int rc = error_set(err, -errno, "%s: %m", c->dir);
        rb_controller_destroy(c);
        return rc;
    }
    if (c->kube) {
        log_info("kafkarebalances: Kubernetes mode, namespace %s, %s", rb_kube_namespace(c->kube),
                 rb_kube_version(c->kube));
        *ret = c;
        return 0;
    }
    DIR *d = opendir(c->dir);
    if (!d) {
        int rc = error_set(err, -errno, "%s: %m", c->dir);
        rb_controller_destroy(c);
        return rc;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n > 5 && strcmp(e->d_name + n - 5, ".yaml") == 0 && e->d_name[0] != '.')
            load_one(c, e->d_name);
    }
    closedir(d);
    if (c->n)
        log_info("kafkarebalances: %zu loaded from %s", c->n, c->dir);
    *ret = c;
    return 0;
}

/* ---- the service's word on a task ---- */

struct task_info {
    enum rb_task task;
    char *message;       /* why it failed */
    cJSON *result;       /* the task's result */
    char *proposal_id;
};

static void task_info_finish(struct task_info *ti)
{
    free(ti->message);
    cJSON_Delete(ti->result);
    free(ti->proposal_id);
}

static void task_of(struct rb_controller *c, const char *session, struct task_info *ti)
{
    memset(ti, 0, sizeof(*ti));
    if (!session) {
        ti->task = RB_TASK_NONE;
        return;
    }
    cJSON *t = svc_task_json(c->svc, session, true);
    if (!t) {
        ti->task = RB_TASK_LOST;
        return;
    }
    const char *kind = cJSON_GetStringValue(child(t, "kind"));
    const char *state = cJSON_GetStringValue(child(t, "state"));
    const char *pid = cJSON_GetStringValue(child(t, "proposalId"));
    ti->proposal_id = pid ? xstrdup(pid) : NULL;
    cJSON *raw = child(t, "result");
    ti->result = cJSON_IsRaw(raw) ? cJSON_Parse(raw->valuestring) : NULL;
    /* httpStatus is there once the task has ended: converting the NaN of a running task to
     * int is undefined (UBSan's float-cast-overflow aborted the service on it) */
    double hs = cJSON_GetNumberValue(child(t, "httpStatus"));
    int http = hs >= 100 && hs < 600 ? (int)hs : 0;
    const char *msg = cJSON_GetStringValue(child(ti->result, "errorMessage"));
    bool plan = kind && strcmp(kind, "rebalance") == 0;
    bool done = state && strcmp(state, "Completed") == 0;
    bool failed = state && strcmp(state, "CompletedWithError") == 0;
    if (plan) {
        ti->task = done     ? RB_TASK_PROPOSAL
                   : failed ? (http == 503 || http == 429 ? RB_TASK_PLAN_RETRY
                                                          : RB_TASK_PLAN_FAILED)
                            : RB_TASK_PLANNING;
    } else {
        const char *st = cJSON_GetStringValue(child(child(ti->result, "execution"), "status"));
        ti->task = done ? RB_TASK_EXEC_DONE
                   : failed ? (st && strcmp(st, "stopped") == 0 ? RB_TASK_EXEC_STOPPED
                                                               : RB_TASK_EXEC_FAILED)
                            : RB_TASK_EXECUTING;
    }
    if (failed)
        ti->message = xasprintf("task %s: %s", session, msg ? msg : "failed");
    cJSON_Delete(t);
}

/* ---- status ---- */

static void set_condition(cJSON *status, enum rb_state st, const char *reason,
                          const char *message, const char *warning)
{
    char now[32];
    now_text(now, sizeof(now));
    cJSON *old = child(status, "conditions");
    const char *since = NULL;
    cJSON *c;
    cJSON_ArrayForEach(c, old)
    {
        const char *type = cJSON_GetStringValue(child(c, "type"));
        if (type && strcmp(type, rb_state_names[st]) == 0)
            since = cJSON_GetStringValue(child(c, "lastTransitionTime"));
    }
    cJSON *conds = cJSON_CreateArray();
    c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "type", rb_state_names[st]);
    cJSON_AddStringToObject(c, "status", "True");
    cJSON_AddStringToObject(c, "lastTransitionTime", since ? since : now);
    if (reason)
        cJSON_AddStringToObject(c, "reason", reason);
    if (message)
        cJSON_AddStringToObject(c, "message", message);
    cJSON_AddItemToArray(conds, c);
    if (warning) {
        const char *wsince = NULL;
        cJSON *w;
        cJSON_ArrayForEach(w, old)
        {
            const char *m = cJSON_GetStringValue(child(w, "message"));
            if (m && strcmp(m, warning) == 0)
                wsince = cJSON_GetStringValue(child(w, "lastTransitionTime"));
        }
        w = cJSON_CreateObject();
        cJSON_AddStringToObject(w, "type", "Warning");
        cJSON_AddStringToObject(w, "status", "True");
        cJSON_AddStringToObject(w, "lastTransitionTime", wsince ? wsince : now);
        cJSON_AddStringToObject(w, "reason", "InvalidAnnotation");
        cJSON_AddStringToObject(w, "message", warning);
        cJSON_AddItemToArray(conds, w);
    }
    set_item(status, "conditions", conds);
}

/* The state condition's reason and message (copies), to keep them while nothing changes. */
static void old_reason(cJSON *status, enum rb_state st, char **reason, char **message)
{
    cJSON *c;
    cJSON_ArrayForEach(c, child(status, "conditions"))
    {
        const char *type = cJSON_GetStringValue(child(c, "type"));
        if (type && strcmp(type, rb_state_names[st]) == 0) {
            const char *r = cJSON_GetStringValue(child(c, "reason"));
            const char *m = cJSON_GetStringValue(child(c, "message"));
            *reason = r ? xstrdup(r) : NULL;
            *message = m ? xstrdup(m) : NULL;
        }
    }
}

/* status.progress from the executor while the resource's execution runs. */
static void progress(struct rb_controller *c, cJSON *status, const char *session, bool done)
{
    cJSON *p = child_obj(status, "progress");
    if (done) {
        set_item(p, "completedByteMovementPercentage", cJSON_CreateNumber(100));
        set_item(p, "estimatedTimeToCompletionInMinutes", cJSON_CreateNumber(0));
        set_item(p, "executorState", cJSON_CreateString("NO_TASK_IN_PROGRESS"));
        return;
    }
    cJSON *s = svc_state_json(c->svc);
    cJSON *e = child(s, "executor");
    const char *trig = cJSON_GetStringValue(child(e, "triggeredTaskId"));
    if (session && trig && strcmp(trig, session) == 0) {
        double d = cJSON_GetNumberValue(child(e, "bytesDone"));
        double t = cJSON_GetNumberValue(child(e, "bytesTotal"));
        double eta = cJSON_GetNumberValue(child(e, "etaSeconds"));
        double pct = t > 0 && !isnan(d) ? floor(100.0 * d / t) : 0;
        set_item(p, "completedByteMovementPercentage", cJSON_CreateNumber(fmin(pct, 100)));
        if (!isnan(eta))
            set_item(p, "estimatedTimeToCompletionInMinutes", cJSON_CreateNumber(ceil(eta / 60)));
        set_item(p, "executorState",
                 cJSON_CreateString(cJSON_GetStringValue(child(e, "state")) ?: "UNKNOWN"));
        const char *n[] = {"numTotalMovements", "numFinishedMovements",
                           "numInProgressMovements"};
        for (int i = 0; i < 3; i++) {
            double v = cJSON_GetNumberValue(child(e, n[i]));
            if (!isnan(v))
                set_item(p, n[i], cJSON_CreateNumber(v));
        }
    }
    cJSON_Delete(s);
}

/* status.progress.brokerLoad: per broker id, {before, after, diff} of each load field, from
 * the verbose optimization result (Strimzi keeps the same in its brokerLoad ConfigMap). */
static void broker_load(cJSON *status, const cJSON *result)
{
    static const char *const fields[][2] = {
        {"Leaders", "leaders"},
        {"Replicas", "replicas"},
        {"CpuPct", "cpuPercentage"},
        {"DiskPct", "diskUsedPercentage"},
        {"DiskMB", "diskUsedMB"},
        {"NwOutRate", "networkOutRateKB"},
        {"LeaderNwInRate", "leaderNetworkInRateKB"},
        {"FollowerNwInRate", "followerNetworkInRateKB"},
        {"PnwOutRate", "potentialMaxNetworkOutRateKB"},
    };
    const cJSON *before = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(result, "loadBeforeOptimization"), "brokers");
    const cJSON *after = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(result, "loadAfterOptimization"), "brokers");
    if (!cJSON_IsArray(before) || !cJSON_IsArray(after))
        return;
    cJSON *load = cJSON_CreateObject();
    const cJSON *b;
    cJSON_ArrayForEach(b, before)
    {
        double id = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(b, "Broker"));
        const cJSON *a = NULL, *x;
        cJSON_ArrayForEach(x, after)
            if (cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(x, "Broker")) == id)
                a = x;
        if (isnan(id) || !a)
            continue;
        char key[24];
        snprintf(key, sizeof(key), "%.0f", id);
        cJSON *o = cJSON_AddObjectToObject(load, key);
        for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
            double v0 = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(b, fields[i][0]));
            double v1 = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(a, fields[i][0]));
            if (isnan(v0) || isnan(v1))
                continue;
            cJSON *f = cJSON_AddObjectToObject(o, fields[i][1]);
            cJSON_AddNumberToObject(f, "before", v0);
            cJSON_AddNumberToObject(f, "after", v1);
            cJSON_AddNumberToObject(f, "diff", v1 - v0);
        }
    }
    set_item(child_obj(status, "progress"), "brokerLoad", load);
}

/* The proposal just made ready: its summary goes to the status, its reassignment to the
 * bookkeeping. */
static void record_proposal(struct rb_controller *c, struct item *it, cJSON *status,
                            const struct task_info *ti, enum svc_mode mode)
{
    cJSON *sum = cJSON_Duplicate(child(ti->result, "summary"), true);
    if (!sum)
        sum = cJSON_CreateObject();
    cJSON_DeleteItemFromObjectCaseSensitive(sum, "ballast");
    set_item(status, "optimizationResult", sum);
    broker_load(status, ti->result);
    priv_finish(&it->priv);
    if (!ti->proposal_id)
        return;
    uint64_t placement = 0;
    char *re = svc_proposal_reassignment(c->svc, ti->proposal_id, &placement);
    if (!re)
        return;
    it->priv.proposal_id = xstrdup(ti->proposal_id);
    it->priv.mode = xstrdup(svc_mode_names[mode]);
    it->priv.reassignment = re;
    it->priv.placement = placement;
    double moves = cJSON_GetNumberValue(child(sum, "numReplicaMovements"));
    double leaders = cJSON_GetNumberValue(child(sum, "numLeaderMovements"));
    double intra = cJSON_GetNumberValue(child(sum, "numIntraBrokerReplicaMovements"));
    /* (a remove-disks proposal moves replicas between dirs only: not empty) */
    it->priv.empty = moves == 0 && leaders == 0 && !(intra > 0);
}

/* ---- acting through the service ---- */

static bool transient(int http)
{
    return http == 429 || http == 503;
}

static void retry_later(struct item *it)
{
    int64_t pause = RETRY_MIN_MS;
    for (int i = 0; i < it->priv.attempts && pause < RETRY_MAX_MS; i++)
        pause *= 2;
    it->priv.attempts++;
    it->priv.retry_at_ms = clock_wall_ms() + (pause > RETRY_MAX_MS ? RETRY_MAX_MS : pause);
}

static bool executing_now(struct rb_controller *c, const char **ret_trig, cJSON **ret_state)
{
    cJSON *s = svc_state_json(c->svc);
    cJSON *e = child(s, "executor");
    const char *st = cJSON_GetStringValue(child(e, "state"));
    *ret_trig = cJSON_GetStringValue(child(e, "triggeredTaskId"));
    *ret_state = s;
    return st && strcmp(st, "NO_TASK_IN_PROGRESS") != 0;
}

/* Stops the execution if it is the one session started. */
static void stop_ours(struct rb_controller *c, const char *session)
{
    const char *trig = NULL;
    cJSON *s = NULL;
    if (session && executing_now(c, &trig, &s) && trig && strcmp(trig, session) == 0) {
        struct error err = {0};
        if (svc_stop_execution(c->svc, &err) < 0 && err.code != -ENOENT)
            log_warn("stopping execution %s: %s", session, err.msg);
    }
    cJSON_Delete(s);
}

/* Submits r; the task id or NULL with *ret_http and err set. */
static char *submit(struct rb_controller *c, struct svc_request *r, const char *name,
                    int *ret_http, struct error *err)
{
    r->user = xstrdup("kafkarebalance");
    r->client = xasprintf("kafkarebalance/%s", name);
    r->reason = xasprintf("KafkaRebalance %s", name);
    char *id = NULL;
    if (svc_submit(c->svc, r, &id, ret_http, err) < 0)
        return NULL;
    return id;
}

/* ---- Kubernetes mode ---- */

/* Whether a's resourceVersion is below b's (etcd revisions: decimal numbers; anything else
 * is not compared). */
static bool older(const cJSON *a, const cJSON *b)
{
    const char *ra = cJSON_GetStringValue(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(a, "metadata"),
                                         "resourceVersion"));
    const char *rb = cJSON_GetStringValue(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(b, "metadata"),
                                         "resourceVersion"));
    if (!ra || !rb || strspn(ra, "0123456789") != strlen(ra) ||
        strspn(rb, "0123456789") != strlen(rb))
        return false;
    return strtoull(ra, NULL, 10) < strtoull(rb, NULL, 10);
}

/* What a pass changed, to write to the API after the pass, without the lock: the watcher must
 * keep reading events while the API answers (an apiserver can hold a write until its
 * watchers have taken the event). */
struct sync_job {
    char *name;
    char *consumed;       /* the annotation value acted on, to remove; or NULL */
    cJSON *status;        /* a merge patch of the status, or NULL */
    cJSON *before;        /* the object the pass started from */
    struct sync_job *next;
};

static void sync_job_free(struct sync_job *j)
{
    free(j->name);
    free(j->consumed);
    cJSON_Delete(j->status);
    cJSON_Delete(j->before);
    free(j);
}

/* Queues the writes of a pass over it (c->lock held); takes before. */
static void kube_queue(struct rb_controller *c, struct item *it, cJSON *before,
                       const char *consumed, bool priv_changed, struct sync_job ***tail)
{
    if (priv_changed)
        save(c, it, true);
    cJSON *now = child(it->obj, "status"), *old = child(before, "status");
    bool status_changed = !(now && old && cJSON_Compare(now, old, true));
    if (!consumed && !status_changed) {
        cJSON_Delete(before);
        return;
    }
    struct sync_job *j = xcalloc(1, sizeof(*j));
    j->name = xstrdup(it->name);
    j->consumed = consumed ? xstrdup(consumed) : NULL;
    if (status_changed) {
        j->status = cJSON_Duplicate(now, true);
        const cJSON *x;
        cJSON_ArrayForEach(x, old)
            if (!child(j->status, x->string))
                cJSON_AddNullToObject(j->status, x->string);
    }
    j->before = before;
    **tail = j;
    *tail = &j->next;
}

/* Carries the queued writes out (no lock held), then takes the API's answers in: the object
 * it returns, or on a failure the object the pass started from, so that the next pass works
 * from what the API holds. */
static void kube_write(struct rb_controller *c, struct sync_job *jobs)
{
    while (jobs) {
        struct sync_job *j = jobs;
        jobs = j->next;
        struct error err = {0};
        cJSON *fresh = NULL;
        bool failed = false;
        if (j->consumed && rb_kube_remove_annotation(c->kube, j->name, RB_ANNOT_REBALANCE,
                                                     j->consumed, &fresh, &err) < 0 &&
            err.code != -ECANCELED)
            log_warn("kafkarebalance %s: removing the annotation: %s", j->name, err.msg);
        if (j->status) {
            cJSON_Delete(fresh);
            fresh = NULL;
            if (rb_kube_patch_status(c->kube, j->name, j->status, &fresh, &err) < 0) {
                log_warn("kafkarebalance %s: writing the status: %s", j->name, err.msg);
                failed = true;
            }
        }
        pthread_mutex_lock(&c->lock);
        struct item *it = find(c, j->name, NULL);
        if (it && fresh && older(fresh, it->obj)) {
            cJSON_Delete(fresh); /* an event newer than this answer is in already */
            fresh = NULL;
        }
        if (it && (failed || fresh)) {
            cJSON_Delete(it->obj);
            it->obj = failed ? cJSON_Duplicate(j->before, true) : fresh;
            fresh = NULL;
        }
        pthread_mutex_unlock(&c->lock);
        cJSON_Delete(fresh);
        sync_job_free(j);
    }
}

/* Makes the item of obj equal to it (new, or replacing the one held); c->lock held. */
static void upsert(struct rb_controller *c, const cJSON *obj)
{
    const char *name = cJSON_GetStringValue(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(obj, "metadata"),
                                         "name"));
    if (!name || !dns_name(name))
        return;
    struct item *it = find(c, name, NULL);
    if (!it) {
        it = xcalloc(1, sizeof(*it));
        it->name = xstrdup(name);
        load_priv(c, it);
        add(c, it);
    } else if (it->obj && older(obj, it->obj)) {
        return; /* an answer to our own write already brought something newer */
    }
    log_debug("kafkarebalance %s: resourceVersion %s from the API", name,
              cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
                  cJSON_GetObjectItemCaseSensitive(obj, "metadata"), "resourceVersion")));
    cJSON_Delete(it->obj);
    it->obj = cJSON_Duplicate(obj, true);
}

static void drop(struct rb_controller *c, size_t i)
{
    struct item *it = c->items[i];
    char *path = xasprintf("%s/%s.ballast.json", c->dir, it->name);
    unlink(path);
    free(path);
    memmove(&c->items[i], &c->items[i + 1], (c->n - i - 1) * sizeof(*c->items));
    c->n--;
    item_free(it);
}

static void on_event(const char *type, const cJSON *obj, void *arg)
{
    struct rb_controller *c = arg;
    const char *name = cJSON_GetStringValue(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(obj, "metadata"),
                                         "name"));
    pthread_mutex_lock(&c->lock);
    size_t i;
    if (strcmp(type, "DELETED") == 0) {
        if (name && find(c, name, &i)) {
            log_info("kafkarebalance %s deleted", name);
            drop(c, i);
        }
    } else {
        upsert(c, obj);
    }
    pthread_cond_broadcast(&c->wake);
    pthread_mutex_unlock(&c->lock);
}

/* Sleeps ms unless stopping; false when stopping. */
static bool pause_ms(struct rb_controller *c, int ms)
{
    pthread_mutex_lock(&c->lock);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    if (!c->stopping)
        pthread_cond_timedwait(&c->wake, &c->lock, &ts);
    bool go = !c->stopping;
    pthread_mutex_unlock(&c->lock);
    return go;
}

/* List, then watch from the list's resourceVersion; list again on 410 Gone or an error. */
static void *watcher_main(void *arg)
{
    struct rb_controller *c = arg;
    char *rv = NULL;
    while (!atomic_load(&c->stop_watch)) {
        struct error err = {0};
        cJSON *items = NULL;
        free(rv);
        rv = NULL;
        if (rb_kube_list(c->kube, &items, &rv, &err) < 0) {
            log_warn("kafkarebalances: listing: %s", err.msg);
            if (!pause_ms(c, 2000))
                break;
            continue;
        }
        pthread_mutex_lock(&c->lock);
        for (size_t i = c->n; i-- > 0;) {
            bool listed = false;
            const cJSON *o;
            cJSON_ArrayForEach(o, items)
            {
                const char *n = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
                    cJSON_GetObjectItemCaseSensitive(o, "metadata"), "name"));
                listed |= n && strcmp(n, c->items[i]->name) == 0;
            }
            if (!listed)
                drop(c, i);
        }
        const cJSON *o;
        cJSON_ArrayForEach(o, items)
            upsert(c, o);
        pthread_cond_broadcast(&c->wake);
        pthread_mutex_unlock(&c->lock);
        cJSON_Delete(items);
        /* as client-go's reflector: a broken watch resumes from the newest resourceVersion
         * seen (no event is lost: the server replays from there); only 410 Gone, when the
         * server no longer has that version, needs a new list */
        int pause = 500;
        for (;;) {
            int rc = rb_kube_watch(c->kube, &rv, 60, on_event, c, &c->stop_watch, &err);
            if (rc == 0) {
                pause = 500;
                continue;
            }
            if (rc == -ESTALE) {
                log_info("kafkarebalances: watch expired (410 Gone: resourceVersion %s is too "
                         "old); listing again", rv);
                break;
            }
            if (rc == -ECANCELED)
                break;
            log_warn("kafkarebalances: %s; watching again from resourceVersion %s in %d ms",
                     err.msg, rv, pause);
            if (!pause_ms(c, pause))
                break;
            pause = pause < 8000 ? pause * 2 : 8000;
        }
        if (!atomic_load(&c->stop_watch) && !pause_ms(c, 500))
            break;
    }
    free(rv);
    return NULL;
}

/* ---- one pass over one resource ---- */

static void reconcile(struct rb_controller *c, struct item *it, struct sync_job ***jobs)
{
    cJSON *obj = it->obj;
    if (annotation_true(obj, RB_ANNOT_TEMPLATE))
        return; /* a template is never acted on */
    cJSON *before = cJSON_Duplicate(obj, true);
    char *priv_before = priv_text(&it->priv);
    cJSON *md = child_obj(obj, "metadata");
    cJSON *status = child_obj(obj, "status");
    struct rb_input in = {0};
    in.state = rb_resource_state(obj);
    const char *av = annotation(obj, RB_ANNOT_REBALANCE);
    char *annot_value = av ? xstrdup(av) : NULL;
    in.annot = rb_annot_parse(av);
    in.paused = annotation_true(obj, RB_ANNOT_PAUSE);
    in.auto_approval = annotation_true(obj, RB_ANNOT_AUTO_APPROVAL);
    double gen = cJSON_GetNumberValue(child(md, "generation"));
    double seen = cJSON_GetNumberValue(child(status, "observedGeneration"));
    in.spec_changed = !isnan(seen) && gen != seen;
    struct rb_spec spec;
    struct error serr = {0};
    in.spec_invalid = rb_spec_parse(child(obj, "spec"), &spec, &serr) < 0;
    const char *sid = cJSON_GetStringValue(child(status, "sessionId"));
    char *session = sid ? xstrdup(sid) : NULL;
    struct task_info ti;
    task_of(c, session, &ti);
    if (in.state == RB_PROPOSAL_READY && it->priv.reassignment)
        ti.task = RB_TASK_PROPOSAL; /* kept by us even if the service forgot the task */
    in.task = ti.task;
    in.proposal_empty = it->priv.empty;
    struct rb_output out;
    rb_decide(&in, &out);
    char *reason = NULL, *message = NULL;
    if (out.state == in.state && out.why == RB_WHY_NONE)
        old_reason(status, in.state, &reason, &message);
    bool by_user = in.annot == RB_ANNOT_REFRESH || in.spec_changed || in.state == RB_NEW ||
                   in.state == RB_RECONCILIATION_PAUSED;
    if (out.action == RB_ACT_PROPOSE && !by_user && clock_wall_ms() < it->priv.retry_at_ms)
        out.action = RB_ACT_NONE; /* a passing failure: wait before asking again */
    struct error err = {0};
    int http = 0;
    switch (out.action) {
    case RB_ACT_STOP_PROPOSE:
        stop_ours(c, session);
        /* fall through */
    case RB_ACT_PROPOSE: {
        struct svc_request r;
        rb_spec_request(&spec, &r);
        r.verbose = true; /* the load before, for status.progress.brokerLoad */
        char *id = submit(c, &r, it->name, &http, &err);
        svc_request_finish(&r);
        priv_finish(&it->priv);
        cJSON_DeleteItemFromObjectCaseSensitive(status, "optimizationResult");
        cJSON_DeleteItemFromObjectCaseSensitive(status, "progress");
        free(session);
        session = id;
        if (id) {
            log_info("kafkarebalance %s: proposal asked (task %s)", it->name, id);
        } else if (transient(http)) {
            log_info("kafkarebalance %s: %s; asking again later", it->name, err.msg);
            retry_later(it);
        } else {
            out.state = RB_NOT_READY;
            out.why = RB_WHY_PLAN_FAILED;
            free(ti.message);
            ti.message = xstrdup(err.msg);
        }
        break;
    }
    case RB_ACT_EXECUTE: {
        const char *trig = NULL;
        cJSON *st = NULL;
        bool busy = executing_now(c, &trig, &st);
        cJSON_Delete(st);
        if (busy) {
            /* someone else's execution: wait, the annotation stays for later */
            out.state = in.state;
            out.consume = false;
            break;
        }
        if (it->priv.proposal_id)
            svc_proposal_restore(c->svc, it->priv.proposal_id, it->priv.mode,
                                 it->priv.reassignment, it->priv.placement);
        struct svc_request r;
        rb_spec_request(&spec, &r);
        r.dryrun = false;
        r.proposal_id = xstrdup(it->priv.proposal_id ? it->priv.proposal_id
                                                     : ti.proposal_id ? ti.proposal_id : "");
        char *id = submit(c, &r, it->name, &http, &err);
        svc_request_finish(&r);
        if (id) {
            log_info("kafkarebalance %s: executing proposal %s (task %s)", it->name,
                     it->priv.proposal_id ? it->priv.proposal_id : "?", id);
            free(session);
            session = id;
            it->priv.attempts = 0;
        } else if (transient(http)) {
            out.state = in.state;
            out.consume = false;
            retry_later(it);
        } else {
            /* 409: the cluster changed under the proposal; 404: the proposal is gone */
            out.state = RB_NOT_READY;
            out.why = RB_WHY_EXEC_FAILED;
            free(ti.message);
            ti.message = xstrdup(err.msg);
        }
        break;
    }
    case RB_ACT_STOP: stop_ours(c, session); break;
    case RB_ACT_FORGET:
        free(session);
        session = NULL;
        break;
    case RB_ACT_NONE: break;
    }
    if (out.state == RB_PROPOSAL_READY && in.state != RB_PROPOSAL_READY)
        record_proposal(c, it, status, &ti, spec.mode);
    if (out.state == RB_PENDING_PROPOSAL && ti.task != RB_TASK_PLAN_RETRY && session &&
        in.task == RB_TASK_PLANNING)
        it->priv.attempts = 0;
    if (out.state == RB_REBALANCING)
        progress(c, status, session, false);
    else if (out.state == RB_READY && in.state == RB_REBALANCING)
        progress(c, status, session, true);
    if (out.state == RB_NOT_READY && out.why != RB_WHY_NONE) {
        free(reason);
        free(message);
        static const char *const reasons[] = {NULL, "InvalidResourceException",
                                              "ProposalFailed", "ExecutionFailed", "TaskLost"};
        reason = xstrdup(reasons[out.why]);
        message = out.why == RB_WHY_INVALID_SPEC ? xstrdup(serr.msg)
                  : ti.message                   ? xstrdup(ti.message)
                  : out.why == RB_WHY_TASK_LOST
                      ? xasprintf("the service no longer knows task %s (a restart with "
                                  "api.taskRetentionMs passed?); annotate refresh",
                                  session ? session : "?")
                      : xstrdup("failed");
    } else if (out.state != in.state) {
        free(reason);
        free(message);
        reason = message = NULL;
    }
    char *warning = NULL;
    if (out.warn_invalid) {
        char list[64];
        warning = xasprintf("Wrong annotation value: %s. The rebalance resource supports the "
                            "following annotations in %s state: %s",
                            annot_value, rb_state_names[in.state],
                            rb_annot_list(in.state, list, sizeof(list)));
    }
    set_condition(status, out.state, reason, message, warning);
    if (out.observe && !isnan(gen))
        set_item(status, "observedGeneration", cJSON_CreateNumber(gen));
    if (session)
        set_item(status, "sessionId", cJSON_CreateString(session));
    else
        cJSON_DeleteItemFromObjectCaseSensitive(status, "sessionId");
    if (out.consume) {
        cJSON_DeleteItemFromObjectCaseSensitive(child(md, "annotations"), RB_ANNOT_REBALANCE);
        if (!cJSON_GetArraySize(child(md, "annotations")))
            cJSON_DeleteItemFromObjectCaseSensitive(md, "annotations");
    }
    if (out.state != in.state)
        log_info("kafkarebalance %s: %s -> %s%s%s", it->name, rb_state_names[in.state],
                 rb_state_names[out.state], message ? ": " : "", message ? message : "");
    char *priv_after = priv_text(&it->priv);
    bool priv_changed = strcmp(priv_before, priv_after) != 0;
    if (c->kube) {
        kube_queue(c, it, before, out.consume ? annot_value : NULL, priv_changed, jobs);
        before = NULL; /* the job has it */
    } else if (priv_changed || !cJSON_Compare(before, obj, true)) {
        save(c, it, priv_changed);
    }
    free(priv_after);
    free(priv_before);
    cJSON_Delete(before);
    free(warning);
    free(reason);
    free(message);
    free(session);
    free(annot_value);
    task_info_finish(&ti);
    if (!in.spec_invalid)
        rb_spec_finish(&spec);
}

void rb_reconcile_all(struct rb_controller *c)
{
    struct sync_job *jobs = NULL, **tail = &jobs;
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < c->n; i++)
        reconcile(c, c->items[i], &tail);
    pthread_mutex_unlock(&c->lock);
    kube_write(c, jobs);
}

static void *controller_main(void *arg)
{
    struct rb_controller *c = arg;
    for (;;) {
        rb_reconcile_all(c);
        if (c->autob)
            rb_auto_step(c->autob, c, c->svc);
        pthread_mutex_lock(&c->lock);
        if (!c->stopping) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            ts.tv_sec += c->interval_ms / 1000;
            ts.tv_nsec += (long)(c->interval_ms % 1000) * 1000000;
            if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
            }
            pthread_cond_timedwait(&c->wake, &c->lock, &ts);
        }
        bool stop = c->stopping;
        pthread_mutex_unlock(&c->lock);
        if (stop)
            break;
    }
    return NULL;
}

int rb_controller_start(struct rb_controller *c, struct error *err)
{
    int rc = pthread_create(&c->thread, NULL, controller_main, c);
    if (rc)
        return error_set(err, -rc, "cannot start the kafkarebalance thread: %s", strerror(rc));
    c->started = true;
    if (c->kube) {
        rc = pthread_create(&c->watcher, NULL, watcher_main, c);
        if (rc)
            return error_set(err, -rc, "cannot start the kafkarebalance watcher: %s",
                             strerror(rc));
        c->watching = true;
    }
    return 0;
}

void rb_controller_stop(struct rb_controller *c)
{
    if (c && c->watching) {
        atomic_store(&c->stop_watch, true);
        pthread_mutex_lock(&c->lock);
        c->stopping = true;
        pthread_cond_broadcast(&c->wake);
        pthread_mutex_unlock(&c->lock);
        pthread_join(c->watcher, NULL);
        c->watching = false;
    }
    if (!c || !c->started)
        return;
    pthread_mutex_lock(&c->lock);
    c->stopping = true;
    pthread_cond_broadcast(&c->wake);
    pthread_mutex_unlock(&c->lock);
    pthread_join(c->thread, NULL);
    c->started = false;
}

void rb_controller_destroy(struct rb_controller *c)
{
    if (!c)
        return;
    rb_controller_stop(c);
    for (size_t i = 0; i < c->n; i++)
        item_free(c->items[i]);
    free(c->items);
    free(c->dir);
    rb_kube_destroy(c->kube);
    rb_auto_destroy(c->autob);
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->wake);
    free(c);
}

/* ---- the REST front ---- */

static void wake(struct rb_controller *c)
{
    pthread_cond_broadcast(&c->wake);
}

int rb_apply(struct rb_controller *c, const cJSON *in, bool *ret_created, cJSON **ret,
             struct error *err)
{
    if (c->kube)
        return error_set(err, -EPERM, "the kafkarebalances are in Kubernetes (namespace %s): use "
                         "kubectl", rb_kube_namespace(c->kube));
    int rc = rb_resource_check(in, err);
    if (rc < 0)
        return rc;
    cJSON *imd = child((cJSON *)in, "metadata");
    const char *name = cJSON_GetStringValue(child(imd, "name"));
    pthread_mutex_lock(&c->lock);
    struct item *it = find(c, name, NULL);
    bool created = !it;
    if (created) {
        if (c->n >= RB_MAX_RESOURCES) {
            pthread_mutex_unlock(&c->lock);
            return error_set(err, -ENOSPC, "there are already %d kafkarebalances; delete some",
                             RB_MAX_RESOURCES);
        }
        it = xcalloc(1, sizeof(*it));
        it->name = xstrdup(name);
        it->obj = cJSON_CreateObject();
        cJSON *md = cJSON_AddObjectToObject(it->obj, "metadata");
        cJSON_AddStringToObject(md, "name", name);
        const char *ns = cJSON_GetStringValue(child(imd, "namespace"));
        cJSON_AddStringToObject(md, "namespace", ns ? ns : "default");
        cJSON_AddNumberToObject(md, "generation", 1);
        char now[32], uid[SVC_ID_LEN];
        now_text(now, sizeof(now));
        svc_new_id(uid);
        cJSON_AddStringToObject(md, "creationTimestamp", now);
        cJSON_AddStringToObject(md, "uid", uid);
        add(c, it);
    }
    cJSON *obj = it->obj;
    cJSON *md = child_obj(obj, "metadata");
    set_item(obj, "apiVersion", cJSON_Duplicate(child((cJSON *)in, "apiVersion"), true));
    set_item(obj, "kind", cJSON_CreateString("KafkaRebalance"));
    for (int k = 0; k < 2; k++) {
        const char *f = k ? "annotations" : "labels";
        cJSON *v = child(imd, f);
        if (v)
            set_item(md, f, cJSON_Duplicate(v, true));
        else
            cJSON_DeleteItemFromObjectCaseSensitive(md, f);
    }
    cJSON *spec = child((cJSON *)in, "spec");
    cJSON *old = child(obj, "spec");
    if (!created && !(old ? spec && cJSON_Compare(old, spec, true) : !spec)) {
        double g = cJSON_GetNumberValue(child(md, "generation"));
        set_item(md, "generation", cJSON_CreateNumber(isnan(g) ? 2 : g + 1));
    }
    if (spec)
        set_item(obj, "spec", cJSON_Duplicate(spec, true));
    else
        cJSON_DeleteItemFromObjectCaseSensitive(obj, "spec");
    /* keys in Kubernetes' order: apiVersion, kind, metadata, spec, status */
    const char *order[] = {"apiVersion", "kind", "metadata", "spec", "status"};
    for (int i = 0; i < 5; i++) {
        cJSON *x = cJSON_DetachItemFromObjectCaseSensitive(obj, order[i]);
        if (x)
            cJSON_AddItemToObject(obj, order[i], x);
    }
    rc = save(c, it, created);
    if (rc < 0 && created) {
        size_t i = 0;
        find(c, name, &i);
        memmove(&c->items[i], &c->items[i + 1], (c->n - i - 1) * sizeof(*c->items));
        c->n--;
        item_free(it);
        pthread_mutex_unlock(&c->lock);
        return error_set(err, rc, "cannot store kafkarebalance %s in %s", name, c->dir);
    }
    *ret = cJSON_Duplicate(obj, true);
    *ret_created = created;
    wake(c);
    pthread_mutex_unlock(&c->lock);
    return 0;
}

static bool exists(struct rb_controller *c, const char *name)
{
    pthread_mutex_lock(&c->lock);
    bool there = find(c, name, NULL) != NULL;
    pthread_mutex_unlock(&c->lock);
    return there;
}

cJSON *rb_get(struct rb_controller *c, const char *name)
{
    pthread_mutex_lock(&c->lock);
    struct item *it = find(c, name, NULL);
    cJSON *j = it ? cJSON_Duplicate(it->obj, true) : NULL;
    pthread_mutex_unlock(&c->lock);
    return j;
}

cJSON *rb_list(struct rb_controller *c)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "apiVersion", "v1");
    cJSON_AddStringToObject(j, "kind", "List");
    cJSON *a = cJSON_AddArrayToObject(j, "items");
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < c->n; i++)
        cJSON_AddItemToArray(a, cJSON_Duplicate(c->items[i]->obj, true));
    pthread_mutex_unlock(&c->lock);
    return j;
}

int rb_annotate(struct rb_controller *c, const char *name, const char *value, struct error *err)
{
    if (c->kube)
        return error_set(err, -EPERM, "the kafkarebalances are in Kubernetes (namespace %s): use "
                         "kubectl annotate", rb_kube_namespace(c->kube));
    pthread_mutex_lock(&c->lock);
    struct item *it = find(c, name, NULL);
    int rc = 0;
    if (!it) {
        rc = error_set(err, -ENOENT, "kafkarebalance '%.64s' not found", name);
    } else {
        cJSON *a = child_obj(child_obj(it->obj, "metadata"), "annotations");
        set_item(a, RB_ANNOT_REBALANCE, cJSON_CreateString(value));
        rc = save(c, it, false);
        if (rc < 0)
            error_set(err, rc, "cannot store kafkarebalance %s in %s", name, c->dir);
        wake(c);
    }
    pthread_mutex_unlock(&c->lock);
    return rc;
}

int rb_delete(struct rb_controller *c, const char *name, struct error *err)
{
    if (c->kube)
        return error_set(err, -EPERM, "the kafkarebalances are in Kubernetes (namespace %s): use "
                         "kubectl delete", rb_kube_namespace(c->kube));
    pthread_mutex_lock(&c->lock);
    size_t i;
    struct item *it = find(c, name, &i);
    if (!it) {
        pthread_mutex_unlock(&c->lock);
        return error_set(err, -ENOENT, "kafkarebalance '%.64s' not found", name);
    }
    if (rb_resource_state(it->obj) == RB_REBALANCING)
        stop_ours(c, cJSON_GetStringValue(child(child(it->obj, "status"), "sessionId")));
    for (int k = 0; k < 2; k++) {
        char *path = xasprintf(k ? "%s/%s.ballast.json" : "%s/%s.yaml", c->dir, name);
        if (unlink(path) < 0 && errno != ENOENT)
            log_warn("%s: %m", path);
        free(path);
    }
    memmove(&c->items[i], &c->items[i + 1], (c->n - i - 1) * sizeof(*c->items));
    c->n--;
    item_free(it);
    pthread_mutex_unlock(&c->lock);
    return 0;
}

int rb_decommission(struct rb_controller *c, const int32_t *ids, int n, struct error *err)
{
    if (!c->autob)
        return error_set(err, -ENOTSUP, "the auto-rebalancer is off (ballast serve "
                         "--auto-rebalance CLUSTER)");
    int rc = rb_auto_decommission(c->autob, ids, n, err);
    if (rc == 0) {
        pthread_mutex_lock(&c->lock);
        pthread_cond_broadcast(&c->wake);
        pthread_mutex_unlock(&c->lock);
    }
    return rc;
}

int rb_self_healing(struct rb_controller *c, int on, bool *ret_before)
{
    *ret_before = false;
    if (!c || !c->autob)
        return -ENOENT;
    int rc = rb_auto_self_healing(c->autob, on, ret_before);
    if (rc == 0 && on > 0) {
        pthread_mutex_lock(&c->lock);
        pthread_cond_broadcast(&c->wake);
        pthread_mutex_unlock(&c->lock);
    }
    return rc;
}

cJSON *rb_auto_state(struct rb_controller *c)
{
    return c && c->autob ? rb_auto_json(c->autob) : NULL;
}

/* ---- the auto-rebalancer's own resources ---- */

/* Takes the API's answer about name in (c->lock not held). */
static void take_in(struct rb_controller *c, cJSON *fresh)
{
    if (!fresh)
        return;
    pthread_mutex_lock(&c->lock);
    upsert(c, fresh);
    wake(c);
    pthread_mutex_unlock(&c->lock);
    cJSON_Delete(fresh);
}

int rb_own_apply(struct rb_controller *c, const cJSON *obj, struct error *err)
{
    const char *name = cJSON_GetStringValue(child(child((cJSON *)obj, "metadata"), "name"));
    if (!c->kube) {
        if (exists(c, name))
            return error_set(err, -EEXIST, "kafkarebalance %s exists already", name);
        bool created;
        cJSON *out = NULL;
        int rc = rb_apply(c, obj, &created, &out, err);
        cJSON_Delete(out);
        return rc;
    }
    cJSON *o = cJSON_Duplicate(obj, true);
    cJSON *labels = child_obj(child_obj(o, "metadata"), "labels");
    const cJSON *l;
    cJSON_ArrayForEach(l, rb_kube_labels(c->kube))
        if (!child(labels, l->string))
            cJSON_AddStringToObject(labels, l->string, l->valuestring);
    cJSON *fresh = NULL;
    int rc = rb_kube_create_object(c->kube, o, &fresh, err);
    cJSON_Delete(o);
    if (rc == -EEXIST)
        return error_set(err, -EEXIST, "kafkarebalance %s exists already in namespace %s",
                         name, rb_kube_namespace(c->kube));
    if (rc < 0)
        return rc;
    log_info("kafkarebalance %s created in namespace %s", name, rb_kube_namespace(c->kube));
    take_in(c, fresh);
    return 0;
}

int rb_own_annotate(struct rb_controller *c, const char *name, const char *value,
                    struct error *err)
{
    if (!c->kube)
        return rb_annotate(c, name, value, err);
    cJSON *fresh = NULL;
    int rc = rb_kube_set_annotation(c->kube, name, RB_ANNOT_REBALANCE, value, &fresh, err);
    if (rc == 0)
        take_in(c, fresh);
    return rc;
}

int rb_own_delete(struct rb_controller *c, const char *name, struct error *err)
{
    if (!c->kube)
        return rb_delete(c, name, err);
    pthread_mutex_lock(&c->lock);
    struct item *it = find(c, name, NULL);
    if (it && rb_resource_state(it->obj) == RB_REBALANCING)
        stop_ours(c, cJSON_GetStringValue(child(child(it->obj, "status"), "sessionId")));
    pthread_mutex_unlock(&c->lock);
    int rc = rb_kube_delete(c->kube, name, err);
    if (rc < 0 && rc != -ENOENT)
        return rc;
    log_info("kafkarebalance %s deleted from namespace %s", name, rb_kube_namespace(c->kube));
    pthread_mutex_lock(&c->lock);
    size_t i;
    if (find(c, name, &i))
        drop(c, i);
    pthread_mutex_unlock(&c->lock);
    return 0;
}
