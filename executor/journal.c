/* The executor's journal; see journal.h. Two files in the state dir:
 *   execution.json  the base: the whole execution as of log record `seq`, replaced atomically
 *                   (common/file.h: temporary file, fsync, rename, fsync of the folder);
 *   execution.log   records appended after it, one JSON line each: {"seq", "header"?, "tasks":
 *                   [{"i": index, the task's fields}]}, fsync'd before the executor acts.
 * A save appends only the tasks that changed since the last save (found by comparing each task
 * with a compact copy of what was last written) and the header when it changed, so a poll costs
 * journal bytes in proportion to what changed. When the log outgrows the base (or 1 MiB), the
 * base is rewritten with everything and the log emptied: a crash between the two leaves a log
 * whose records the base already holds, skipped by their seq. A torn last line (a crash while
 * appending, before the fsync the executor waits for) is ignored.
 *
 * The loader checks every field where it enters, numbers against their range before any
 * conversion, and names the file, the record and the field ("tasks[12].broker: -5 out of
 * range -1..2147483647"). */
#include "executor/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>

#include "common/alloc.h"
#include "common/file.h"
#include "common/jsonw.h"
#include "executor/internal.h"

#define MAX_JOURNAL_BYTES ((size_t)1024 * 1024 * 1024)
#define MIN_COMPACT_BYTES ((size_t)1024 * 1024)
#define MAX_BYTES_FIELD 9007199254740992.0 /* 2^53: exact in a JSON number */

static const char *const status_names[] = {"none", "running", "stopped", "finished", "failed"};
static const char *const type_names[] = {"inter", "intra", "reorder", "leader"};
static const char *const state_names[] = {"pending", "inflight", "done", "failed", "skipped"};

/* What was last written of a task: enough to tell that it changed. */
struct shadow {
    int8_t state;
    int16_t nfrom;
    int32_t broker;
    int64_t bytes, size;
    double started, finished;
    char *leaders, *followers, *error;
};

struct journal_log {
    bool based;          /* the base on disk holds this execution */
    bool loaded;         /* read from disk, not yet written: the first save takes the log over */
    uint64_t seq;        /* the last record written */
    size_t base_bytes, log_bytes;
    int fd;              /* execution.log, open for appending; -1 */
    struct shadow *shadow;
    int nshadow;
    char *header;        /* the header as last written */
};

const char *exec_status_name(enum exec_status s)
{
    return s <= EXEC_STATUS_FAILED ? status_names[s] : "?";
}

bool exec_ids_has(const struct exec_id_set *s, int32_t id)
{
    for (int i = 0; i < s->n; i++)
        if (s->ids[i] == id)
            return true;
    return false;
}

void exec_ids_add(struct exec_id_set *s, int32_t id)
{
    if (exec_ids_has(s, id))
        return;
    size_t cap = (size_t)s->cap;
    xgrow((void **)&s->ids, &cap, (size_t)s->n + 1, sizeof(*s->ids));
    s->cap = (int)cap;
    s->ids[s->n++] = id;
}

void exec_ids_del(struct exec_id_set *s, int32_t id)
{
    for (int i = 0; i < s->n; i++)
        if (s->ids[i] == id) {
            s->ids[i] = s->ids[--s->n];
            return;
        }
}

void exec_journal_init(struct exec_journal *j, const char *dir)
{
    memset(j, 0, sizeof(*j));
    j->dir = xstrdup(dir);
    exec_options_default(&j->opts);
}

static void shadow_free(struct shadow *s)
{
    free(s->leaders);
    free(s->followers);
    free(s->error);
    memset(s, 0, sizeof(*s));
}

static void log_free(struct journal_log *l)
{
    if (!l)
        return;
    if (l->fd >= 0)
        close(l->fd);
    for (int i = 0; i < l->nshadow; i++)
        shadow_free(&l->shadow[i]);
    free(l->shadow);
    free(l->header);
    free(l);
}

void exec_journal_finish(struct exec_journal *j)
{
    free(j->dir);
    free(j->opts.strategies);
    free(j->rate_owned.ids);
    free(j->rate_foreign.ids);
    free(j->logdir_owned.ids);
    free(j->logdir_foreign.ids);
    exec_tasks_free(j->tasks, j->ntasks);
    log_free(j->log);
    memset(j, 0, sizeof(*j));
}

/* ---- writing ---- */

static cJSON *ids_json(const int32_t *ids, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateNumber(ids[i]));
    return a;
}

static void add_str(cJSON *o, const char *k, const char *v)
{
    if (v)
        cJSON_AddStringToObject(o, k, v);
}

/* The execution apart from its tasks: status, start, options, throttled brokers. */
static cJSON *header_json(const struct exec_journal *j)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "status", exec_status_name(j->status));
    cJSON_AddNumberToObject(root, "started", j->started);
    cJSON *o = cJSON_AddObjectToObject(root, "options");
    cJSON_AddNumberToObject(o, "throttle", j->opts.throttle);
    cJSON_AddNumberToObject(o, "logDirThrottle", j->opts.log_dir_throttle);
    cJSON_AddNumberToObject(o, "perBroker", j->opts.per_broker);
    cJSON_AddNumberToObject(o, "intraPerBroker", j->opts.intra_per_broker);
    cJSON_AddNumberToObject(o, "leaderBatch", j->opts.leader_batch);
    cJSON_AddNumberToObject(o, "clusterCap", j->opts.cluster_cap);
    cJSON_AddNumberToObject(o, "taskTimeoutMs", (double)j->opts.task_timeout_ms);
    cJSON_AddNumberToObject(o, "taskTimeoutFloorMs", (double)j->opts.task_timeout_floor_ms);
    cJSON_AddNumberToObject(o, "pollS", j->opts.poll_s);
    add_str(o, "strategies", j->opts.strategies);
    cJSON_AddNumberToObject(o, "foreign", j->opts.foreign);
    cJSON_AddBoolToObject(o, "allowConcurrent", j->opts.allow_concurrent);
    cJSON *th = cJSON_AddObjectToObject(root, "throttledBrokers");
    cJSON_AddItemToObject(th, "replication", ids_json(j->rate_owned.ids, j->rate_owned.n));
    cJSON_AddItemToObject(th, "replicationForeign", ids_json(j->rate_foreign.ids, j->rate_foreign.n));
    cJSON_AddItemToObject(th, "logDir", ids_json(j->logdir_owned.ids, j->logdir_owned.n));
    cJSON_AddItemToObject(th, "logDirForeign", ids_json(j->logdir_foreign.ids, j->logdir_foreign.n));
    return root;
}

/* Tasks are written by hand (common/jsonw.h), not through cJSON trees: a record of ~1,000
 * tasks built and printed by cJSON cost more than the rest of the poll (it prints each number
 * twice to check the round trip). */
static void out_ids(struct jsonw *o, const char *key, const int32_t *ids, int n)
{
    jsonw_lit(o, key);
    jsonw_mem(o, "[", 1);
    for (int i = 0; i < n; i++) {
        if (i)
            jsonw_mem(o, ",", 1);
        jsonw_int(o, ids[i]);
    }
    jsonw_mem(o, "]", 1);
}

static void out_opt_str(struct jsonw *o, const char *key, const char *v)
{
    if (!v)
        return;
    jsonw_lit(o, key);
    jsonw_str(o, v);
}

/* A task as a JSON object; i >= 0 adds its index (a log record's "i"). */
static void out_task(struct jsonw *o, const struct exec_task *t, int i)
{
    jsonw_lit(o, "{\"type\":\"");
    jsonw_lit(o, type_names[t->type]);
    jsonw_lit(o, "\",\"state\":\"");
    jsonw_lit(o, state_names[t->state]);
    jsonw_lit(o, "\",\"topic\":");
    jsonw_str(o, t->topic);
    jsonw_lit(o, ",\"partition\":");
    jsonw_int(o, t->partition);
    out_ids(o, ",\"from\":", t->from, t->nfrom);
    out_ids(o, ",\"to\":", t->to, t->nto);
    jsonw_lit(o, ",\"broker\":");
    jsonw_int(o, t->broker);
    out_opt_str(o, ",\"dir\":", t->dir);
    jsonw_lit(o, ",\"size\":");
    jsonw_int(o, t->size);
    jsonw_lit(o, ",\"bytes\":");
    jsonw_int(o, t->bytes);
    jsonw_lit(o, t->urp ? ",\"urp\":true,\"order\":" : ",\"urp\":false,\"order\":");
    jsonw_int(o, t->order);
    jsonw_lit(o, ",\"started\":");
    jsonw_num17(o, t->started);
    jsonw_lit(o, ",\"finished\":");
    jsonw_num17(o, t->finished);
    out_opt_str(o, ",\"throttledLeaders\":", t->throttled_leaders);
    out_opt_str(o, ",\"throttledFollowers\":", t->throttled_followers);
    out_opt_str(o, ",\"error\":", t->error);
    if (i >= 0) {
        jsonw_lit(o, ",\"i\":");
        jsonw_int(o, i);
    }
    jsonw_mem(o, "}", 1);
}

static bool str_eq(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static bool changed(const struct shadow *s, const struct exec_task *t)
{
    return s->state != (int8_t)t->state || s->nfrom != t->nfrom || s->broker != t->broker ||
           s->bytes != t->bytes || s->size != t->size || s->started != t->started ||
           s->finished != t->finished || !str_eq(s->leaders, t->throttled_leaders) ||
           !str_eq(s->followers, t->throttled_followers) || !str_eq(s->error, t->error);
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static void remember(struct shadow *s, const struct exec_task *t)
{
    shadow_free(s);
    s->state = (int8_t)t->state;
    s->nfrom = (int16_t)t->nfrom;
    s->broker = t->broker;
    s->bytes = t->bytes;
    s->size = t->size;
    s->started = t->started;
    s->finished = t->finished;
    s->leaders = dup_or_null(t->throttled_leaders);
    s->followers = dup_or_null(t->throttled_followers);
    s->error = dup_or_null(t->error);
}

static char *path_of(const struct exec_journal *j, const char *name)
{
    return xasprintf("%s/%s", j->dir, name);
}

static struct journal_log *log_of(struct exec_journal *j)
{
    if (!j->log) {
        j->log = xcalloc(1, sizeof(*j->log));
        j->log->fd = -1;
    }
    return j->log;
}

/* Remembers every task and the header as written. */
static void remember_all(struct journal_log *l, const struct exec_journal *j, char *header)
{
    for (int i = 0; i < l->nshadow; i++)
        shadow_free(&l->shadow[i]);
    free(l->shadow);
    l->shadow = xcalloc((size_t)j->ntasks + 1, sizeof(*l->shadow));
    l->nshadow = j->ntasks;
    for (int i = 0; i < j->ntasks; i++)
        remember(&l->shadow[i], &j->tasks[i]);
    free(l->header);
    l->header = header;
}

/* Writes the whole execution as the base and empties the log. */
static int write_base(struct exec_journal *j, struct error *err)
{
    struct journal_log *l = log_of(j);
    if (!l->based && l->seq == 0) {
        /* a new journal that follows no loaded one (exec_journal_follow): a log without the
         * base it belongs to has nothing to keep, and its records must not replay onto this
         * one */
        char *old = path_of(j, "execution.log");
        if (unlink(old) < 0 && errno != ENOENT) {
            int rc = error_set(err, -errno, "journal %s: %s", old, strerror(errno));
            free(old);
            return rc;
        }
        free(old);
    }
    cJSON *root = header_json(j);
    char *header = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    /* the header's members, then the base's own */
    struct jsonw o = {0};
    jsonw_mem(&o, header, strlen(header) - 1);
    jsonw_lit(&o, ",\"version\":2,\"seq\":");
    jsonw_int(&o, (int64_t)l->seq);
    jsonw_lit(&o, ",\"pid\":");
    jsonw_int(&o, getpid());
    jsonw_lit(&o, ",\"tasks\":[");
    for (int i = 0; i < j->ntasks; i++) {
        if (i)
            jsonw_mem(&o, ",", 1);
        out_task(&o, &j->tasks[i], -1);
    }
    jsonw_lit(&o, "]}");
    char *path = path_of(j, "execution.json");
    size_t len = o.len;
    int rc = file_write_atomic(path, o.p, len, err);
    free(o.p);
    free(path);
    if (rc < 0) {
        free(header);
        return error_prefix(err, "journal");
    }
    /* the base holds every record so far: the log starts again */
    char *lpath = path_of(j, "execution.log");
    if (l->fd >= 0)
        close(l->fd);
    l->fd = open(lpath, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (l->fd < 0)
        rc = error_set(err, -errno, "journal %s: %s", lpath, strerror(errno));
    else if (fsync(l->fd) < 0)
        rc = error_set(err, -errno, "journal %s: fsync: %s", lpath, strerror(errno));
    free(lpath);
    l->based = rc == 0;
    l->base_bytes = len;
    l->log_bytes = 0;
    remember_all(l, j, header);
    return rc;
}

int exec_journal_save(struct exec_journal *j, struct error *err)
{
    struct journal_log *l = log_of(j);
    if (l->loaded && l->fd < 0) {
        /* the first save after a load: appends go on after the last whole record read, a
         * torn tail cut off first. Done here, by the writer, and not in the load: a reader
         * (the service's state, an execution checking the dir) that cut the log to what it
         * had read erased the records a running execution appended meanwhile */
        char *lpath = path_of(j, "execution.log");
        l->fd = open(lpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (l->fd >= 0 && ftruncate(l->fd, (off_t)l->log_bytes) == 0)
            l->based = true;
        free(lpath);
    }
    l->loaded = false;
    if (!l->based || l->nshadow != j->ntasks || l->fd < 0)
        return write_base(j, err);
    struct jsonw o = {0};
    jsonw_lit(&o, "{\"seq\":");
    jsonw_int(&o, (int64_t)(l->seq + 1));
    cJSON *h = header_json(j);
    char *header = cJSON_PrintUnformatted(h);
    cJSON_Delete(h);
    bool header_changed = !str_eq(header, l->header);
    if (header_changed) {
        jsonw_lit(&o, ",\"header\":");
        jsonw_lit(&o, header);
    }
    jsonw_lit(&o, ",\"tasks\":[");
    int nchanged = 0;
    int *which = NULL;
    size_t cap = 0;
    for (int i = 0; i < j->ntasks; i++) {
        if (!changed(&l->shadow[i], &j->tasks[i]))
            continue;
        if (nchanged)
            jsonw_mem(&o, ",", 1);
        out_task(&o, &j->tasks[i], i);
        xgrow((void **)&which, &cap, (size_t)nchanged + 1, sizeof(*which));
        which[nchanged++] = i;
    }
    jsonw_lit(&o, "]}\n");
    if (!header_changed && nchanged == 0) {
        free(o.p);
        free(header);
        return 0;
    }
    int rc = 0;
    size_t len = o.len - 1; /* without the newline */
    size_t limit = l->base_bytes > MIN_COMPACT_BYTES ? l->base_bytes : MIN_COMPACT_BYTES;
    if (l->log_bytes + len + 1 > limit) {
        free(o.p);
        free(header);
        free(which);
        l->seq++;
        return write_base(j, err);
    }
    rc = file_write_fd(l->fd, o.p, len + 1);
    if (rc == 0 && fsync(l->fd) < 0)
        rc = -errno;
    free(o.p);
    if (rc < 0) {
        free(header);
        free(which);
        /* the log may hold part of the line: the next save starts a new base */
        l->based = false;
        return error_set(err, rc, "journal %s/execution.log: %s", j->dir, strerror(-rc));
    }
    l->seq++;
    l->log_bytes += len + 1;
    for (int k = 0; k < nchanged; k++)
        remember(&l->shadow[which[k]], &j->tasks[which[k]]);
    free(which);
    free(l->header);
    l->header = header;
    return 0;
}

void exec_journal_follow(struct exec_journal *j, const struct exec_journal *old)
{
    struct journal_log *l = log_of(j);
    if (!l->based && old->log)
        l->seq = old->log->seq + 1;
}

size_t exec_journal_bytes(const struct exec_journal *j)
{
    return j->log ? j->log->base_bytes + j->log->log_bytes : 0;
}

/* ---- reading ---- */

static int name_index(const char *const *names, int n, const cJSON *v)
{
    if (!cJSON_IsString(v))
        return -1;
    for (int i = 0; i < n; i++)
        if (strcmp(v->valuestring, names[i]) == 0)
            return i;
    return -1;
}

static const cJSON *get(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

/* An optional integer field: absent keeps *out. */
static int opt_int(const cJSON *o, const char *k, const char *where, double lo, double hi,
                   int64_t *out, struct error *err)
{
    const cJSON *v = get(o, k);
    if (!v)
        return 0;
    char at[200];
    snprintf(at, sizeof(at), "%s.%s", where, k);
    return exec_json_int(v, at, lo, hi, out, err);
}

/* An optional number in lo..hi: absent keeps *out. */
static int opt_num(const cJSON *o, const char *k, const char *where, double lo, double hi,
                   double *out, struct error *err)
{
    const cJSON *v = get(o, k);
    if (!v)
        return 0;
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < lo ||
        v->valuedouble > hi)
        return error_set(err, -EINVAL, "%s.%s: must be a number %g..%g", where, k, lo, hi);
    *out = v->valuedouble;
    return 0;
}

static int opt_str(const cJSON *o, const char *k, const char *where, char **out,
                   struct error *err)
{
    const cJSON *v = get(o, k);
    if (!v || cJSON_IsNull(v))
        return 0;
    if (!cJSON_IsString(v))
        return error_set(err, -EINVAL, "%s.%s: must be a string", where, k);
    free(*out);
    *out = xstrdup(v->valuestring);
    return 0;
}

/* A throttled-pair list Ballast wrote: "partition:broker" entries, comma-separated. */
static bool pairs_ok(const char *s)
{
    if (!*s)
        return false;
    for (const char *p = s; *p;) {
        const char *q = p;
        while (*q >= '0' && *q <= '9')
            q++;
        if (q == p || *q != ':')
            return false;
        const char *r = ++q;
        while (*r >= '0' && *r <= '9')
            r++;
        if (r == q || (*r != ',' && *r))
            return false;
        p = *r ? r + 1 : r;
    }
    return true;
}

/* One task record into t (which the caller frees whatever happens). */
static int read_task(const cJSON *x, const char *where, struct exec_task *t, struct error *err)
{
    if (!cJSON_IsObject(x))
        return error_set(err, -EINVAL, "%s: must be an object", where);
    int ty = name_index(type_names, 4, get(x, "type"));
    int sa = name_index(state_names, 5, get(x, "state"));
    if (ty < 0)
        return error_set(err, -EINVAL, "%s.type: must be inter, intra, reorder or leader", where);
    if (sa < 0)
        return error_set(err, -EINVAL, "%s.state: must be pending, inflight, done, failed or "
                         "skipped", where);
    t->type = (enum exec_type)ty;
    t->state = (enum exec_state)sa;
    const cJSON *tp = get(x, "topic");
    if (!cJSON_IsString(tp) || !exec_topic_name_ok(tp->valuestring))
        return error_set(err, -EINVAL, "%s.topic: must be a topic name", where);
    free(t->topic);
    t->topic = xstrdup(tp->valuestring);
    int64_t v = -1;
    char at[200];
    snprintf(at, sizeof(at), "%s.partition", where);
    int rc = exec_json_int(get(x, "partition"), at, 0, INT32_MAX, &v, err);
    if (rc < 0)
        return rc;
    t->partition = (int32_t)v;
    snprintf(at, sizeof(at), "%s.from", where);
    if ((rc = exec_json_ids(get(x, "from"), at, t->from, &t->nfrom, err)) < 0)
        return rc;
    snprintf(at, sizeof(at), "%s.to", where);
    if ((rc = exec_json_ids(get(x, "to"), at, t->to, &t->nto, err)) < 0)
        return rc;
    if (t->nto == 0)
        return error_set(err, -EINVAL, "%s.to: no replicas", where);
    v = t->type == EXEC_INTRA || t->type == EXEC_LEADER ? -2 : 0;
    if ((rc = opt_int(x, "broker", where, -1, INT32_MAX, &v, err)) < 0)
        return rc;
    if (v == -2 || ((t->type == EXEC_INTRA || t->type == EXEC_LEADER) && v < 0))
        return error_set(err, -EINVAL, "%s.broker: a %s task needs its broker (0..2147483647)",
                         where, type_names[t->type]);
    t->broker = (int32_t)v;
    if ((rc = opt_str(x, "dir", where, &t->dir, err)) < 0)
        return rc;
    if (t->type == EXEC_INTRA && (!t->dir || t->dir[0] != '/'))
        return error_set(err, -EINVAL, "%s.dir: an intra task needs an absolute log dir", where);
    struct {
        const char *k;
        int64_t *out;
    } ints[] = {{"size", &t->size}, {"bytes", &t->bytes}, {"order", &t->order}};
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
        if ((rc = opt_int(x, ints[i].k, where, 0, MAX_BYTES_FIELD, ints[i].out, err)) < 0)
            return rc;
    if ((rc = opt_num(x, "started", where, 0, 1e12, &t->started, err)) < 0 ||
        (rc = opt_num(x, "finished", where, 0, 1e12, &t->finished, err)) < 0)
        return rc;
    const cJSON *u = get(x, "urp");
    if (u && !cJSON_IsBool(u))
        return error_set(err, -EINVAL, "%s.urp: must be true or false", where);
    t->urp = cJSON_IsTrue(u);
    free(t->throttled_leaders);
    free(t->throttled_followers);
    t->throttled_leaders = t->throttled_followers = NULL;
    if ((rc = opt_str(x, "throttledLeaders", where, &t->throttled_leaders, err)) < 0 ||
        (rc = opt_str(x, "throttledFollowers", where, &t->throttled_followers, err)) < 0)
        return rc;
    if ((t->throttled_leaders && !pairs_ok(t->throttled_leaders)) ||
        (t->throttled_followers && !pairs_ok(t->throttled_followers)))
        return error_set(err, -EINVAL, "%s: throttled pairs must read partition:broker,...",
                         where);
    free(t->error);
    t->error = NULL;
    return opt_str(x, "error", where, &t->error, err);
}

static int read_set(const cJSON *o, const char *k, struct exec_id_set *s, struct error *err)
{
    const cJSON *a = get(o, k), *x;
    s->n = 0;
    if (!a)
        return 0;
    if (!cJSON_IsArray(a))
        return error_set(err, -EINVAL, "throttledBrokers.%s: must be an array of broker ids", k);
    int i = 0;
    cJSON_ArrayForEach(x, a) {
        char at[96];
        snprintf(at, sizeof(at), "throttledBrokers.%s[%d]", k, i++);
        int64_t v;
        int rc = exec_json_int(x, at, 0, INT32_MAX, &v, err);
        if (rc < 0)
            return rc;
        exec_ids_add(s, (int32_t)v);
    }
    return 0;
}

/* The header fields of root (a base or a record's "header") into j. */
static int read_header(const cJSON *root, struct exec_journal *j, struct error *err)
{
    int st = name_index(status_names, 5, get(root, "status"));
    if (st < 0)
        return error_set(err, -EINVAL, "status: must be running, stopped, finished or failed");
    j->status = (enum exec_status)st;
    int rc = opt_num(root, "started", "execution", 0, 1e12, &j->started, err);
    if (rc < 0)
        return rc;
    const cJSON *o = get(root, "options");
    if (o && !cJSON_IsObject(o))
        return error_set(err, -EINVAL, "options: must be an object");
    struct exec_options *p = &j->opts;
    int64_t v;
    struct {
        const char *k;
        int *out;
        double hi;
    } counts[] = {{"perBroker", &p->per_broker, 100000}, {"intraPerBroker", &p->intra_per_broker, 100000},
                  {"leaderBatch", &p->leader_batch, 1000000}, {"clusterCap", &p->cluster_cap, 1000000}};
    for (size_t i = 0; o && i < sizeof(counts) / sizeof(counts[0]); i++) {
        v = *counts[i].out;
        if ((rc = opt_int(o, counts[i].k, "options", 1, counts[i].hi, &v, err)) < 0)
            return rc;
        *counts[i].out = (int)v;
    }
    if (o && ((rc = opt_num(o, "throttle", "options", 0, 9.2e18, &p->throttle, err)) < 0 ||
              (rc = opt_num(o, "logDirThrottle", "options", 0, 9.2e18, &p->log_dir_throttle, err)) < 0 ||
              (rc = opt_num(o, "pollS", "options", 0.001, 3600, &p->poll_s, err)) < 0 ||
              (rc = opt_int(o, "taskTimeoutMs", "options", 0, MAX_BYTES_FIELD,
                            &p->task_timeout_ms, err)) < 0 ||
              (rc = opt_int(o, "taskTimeoutFloorMs", "options", 1, MAX_BYTES_FIELD,
                            &p->task_timeout_floor_ms, err)) < 0 ||
              (rc = opt_str(o, "strategies", "options", &p->strategies, err)) < 0))
        return rc;
    v = p->foreign;
    if (o && (rc = opt_int(o, "foreign", "options", EXEC_FOREIGN_SKIP, EXEC_FOREIGN_CANCEL, &v,
                           err)) < 0)
        return rc;
    p->foreign = (enum exec_foreign)v;
    const cJSON *ac = o ? get(o, "allowConcurrent") : NULL;
    p->allow_concurrent = cJSON_IsTrue(ac);
    if ((rc = exec_options_check(p, err)) < 0)
        return error_prefix(err, "options");
    const cJSON *th = get(root, "throttledBrokers");
    if (th && !cJSON_IsObject(th))
        return error_set(err, -EINVAL, "throttledBrokers: must be an object");
    if ((rc = read_set(th, "replication", &j->rate_owned, err)) < 0 ||
        (rc = read_set(th, "replicationForeign", &j->rate_foreign, err)) < 0 ||
        (rc = read_set(th, "logDir", &j->logdir_owned, err)) < 0 ||
        (rc = read_set(th, "logDirForeign", &j->logdir_foreign, err)) < 0)
        return rc;
    return 0;
}

static int read_base(const cJSON *root, struct exec_journal *j, uint64_t *ret_seq,
                     struct error *err)
{
    if (!cJSON_IsObject(root))
        return error_set(err, -EINVAL, "not a JSON object");
    int rc = read_header(root, j, err);
    if (rc < 0)
        return rc;
    int64_t seq = 0;
    if ((rc = opt_int(root, "seq", "execution", 0, MAX_BYTES_FIELD, &seq, err)) < 0)
        return rc;
    *ret_seq = (uint64_t)seq;
    const cJSON *ts = get(root, "tasks");
    if (!cJSON_IsArray(ts))
        return error_set(err, -EINVAL, "tasks: must be an array");
    int n = cJSON_GetArraySize(ts);
    j->tasks = xcalloc((size_t)n + 1, sizeof(*j->tasks));
    const cJSON *x;
    cJSON_ArrayForEach(x, ts) {
        char where[48];
        snprintf(where, sizeof(where), "tasks[%d]", j->ntasks);
        struct exec_task *t = &j->tasks[j->ntasks++];
        if ((rc = read_task(x, where, t, err)) < 0) {
            if (t->topic)
                error_prefix(err, "%s-%d", t->topic, t->partition);
            return rc;
        }
    }
    return 0;
}

/* Applies one log record (a line) whose seq is above the base's. */
static int apply_record(const cJSON *rec, struct exec_journal *j, struct error *err)
{
    const cJSON *h = get(rec, "header");
    int rc = h ? read_header(h, j, err) : 0;
    if (rc < 0)
        return error_prefix(err, "header");
    const cJSON *ts = get(rec, "tasks");
    if (ts && !cJSON_IsArray(ts))
        return error_set(err, -EINVAL, "tasks: must be an array");
    const cJSON *x;
    cJSON_ArrayForEach(x, ts) {
        int64_t i;
        if ((rc = exec_json_int(get(x, "i"), "tasks[].i", 0, j->ntasks - 1, &i, err)) < 0)
            return rc;
        char where[48];
        snprintf(where, sizeof(where), "tasks[%d]", (int)i);
        if ((rc = read_task(x, where, &j->tasks[i], err)) < 0) {
            error_prefix(err, "%s-%d", j->tasks[i].topic, j->tasks[i].partition);
            return rc;
        }
    }
    return 0;
}

/* Replays the log text over the base; records at or below base_seq are in the base. *ret_bytes
 * is where the last whole record ends (a torn tail after it is ignored). */
static int read_log(struct exec_journal *j, const char *name, const char *buf, size_t len,
                    uint64_t base_seq, uint64_t *ret_seq, size_t *ret_bytes, struct error *err)
{
    struct error e2 = {0};
    int rc = 0, line = 0;
    *ret_seq = base_seq;
    *ret_bytes = 0;
    for (const char *p = buf; p < buf + len;) {
        const char *nl = memchr(p, '\n', (size_t)(buf + len - p));
        line++;
        if (!nl) /* a torn last line: its effects never reached the cluster */
            break;
        cJSON *rec = cJSON_ParseWithLength(p, (size_t)(nl - p));
        int64_t seq = -1;
        if (!rec || !cJSON_IsObject(rec) ||
            exec_json_int(get(rec, "seq"), "seq", 1, MAX_BYTES_FIELD, &seq, &e2) < 0) {
            cJSON_Delete(rec);
            if (nl + 1 == buf + len) /* torn at the very end as well */
                break;
            rc = error_set(err, -EINVAL, "journal %s is damaged: line %d: not a record", name,
                           line);
            break;
        }
        if ((uint64_t)seq > *ret_seq) {
            if ((uint64_t)seq != *ret_seq + 1) {
                cJSON_Delete(rec);
                rc = error_set(err, -EINVAL, "journal %s is damaged: line %d: record %lld after "
                               "%llu", name, line, (long long)seq,
                               (unsigned long long)*ret_seq);
                break;
            }
            if ((rc = apply_record(rec, j, &e2)) < 0) {
                cJSON_Delete(rec);
                rc = error_set(err, -EINVAL, "journal %s is damaged: line %d: %s", name, line,
                               e2.msg);
                break;
            }
            *ret_seq = (uint64_t)seq;
        }
        cJSON_Delete(rec);
        p = nl + 1;
        *ret_bytes = (size_t)(p - buf);
    }
    return rc;
}

int exec_journal_parse(struct exec_journal *j, const char *base, size_t blen, const char *log,
                       size_t llen, struct error *err)
{
    char *bname = path_of(j, "execution.json"), *lname = path_of(j, "execution.log");
    cJSON *root = cJSON_ParseWithLength(base, blen);
    struct error e2 = {0};
    uint64_t base_seq = 0, seq = 0;
    size_t log_bytes = 0;
    int rc = root ? read_base(root, j, &base_seq, &e2) : error_set(&e2, -EINVAL, "not valid JSON");
    cJSON_Delete(root);
    if (rc < 0)
        rc = error_set(err, -EINVAL, "journal %s is damaged: %s", bname, e2.msg);
    else if (log)
        rc = read_log(j, lname, log, llen, base_seq, &seq, &log_bytes, err);
    if (rc == 0) {
        struct journal_log *l = log_of(j);
        l->seq = seq;
        l->base_bytes = blen;
        l->log_bytes = log_bytes;
        remember_all(l, j, NULL);
    } else {
        exec_tasks_free(j->tasks, j->ntasks);
        j->tasks = NULL;
        j->ntasks = 0;
    }
    free(bname);
    free(lname);
    return rc;
}

int exec_journal_load(struct exec_journal *j, struct error *err)
{
    char *path = path_of(j, "execution.json"), *lpath = path_of(j, "execution.log");
    char *buf = NULL, *lbuf = NULL;
    size_t len = 0, llen = 0;
    int rc = file_read(path, MAX_JOURNAL_BYTES, &buf, &len, err); /* -ENOENT: no journal */
    if (rc == 0) {
        rc = file_read(lpath, MAX_JOURNAL_BYTES, &lbuf, &llen, err);
        if (rc == -ENOENT) {
            rc = 0;
            lbuf = NULL;
        }
    }
    if (rc == 0)
        rc = exec_journal_parse(j, buf, len, lbuf ? lbuf : "", llen, err);
    if (rc == 0) /* nothing is written: a load only reads (the first save takes over) */
        j->log->loaded = true;
    free(buf);
    free(lbuf);
    free(path);
    free(lpath);
    return rc;
}
