/* The executor's journal as JSON; see journal.h. */
#include "executor/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>

#include "common/alloc.h"

#define MAX_JOURNAL_BYTES (1024L * 1024 * 1024)

static const char *const status_names[] = {"none", "running", "stopped", "finished", "failed"};
static const char *const type_names[] = {"inter", "intra", "reorder", "leader"};
static const char *const state_names[] = {"pending", "inflight", "done", "failed", "skipped"};

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

void exec_journal_finish(struct exec_journal *j)
{
    free(j->dir);
    free(j->opts.strategies);
    free(j->rate_owned.ids);
    free(j->rate_foreign.ids);
    free(j->logdir_owned.ids);
    free(j->logdir_foreign.ids);
    exec_tasks_free(j->tasks, j->ntasks);
    memset(j, 0, sizeof(*j));
}

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

int exec_journal_save(const struct exec_journal *j, struct error *err)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "version", 1);
    cJSON_AddStringToObject(root, "status", exec_status_name(j->status));
    cJSON_AddNumberToObject(root, "pid", (double)getpid());
    cJSON_AddNumberToObject(root, "started", j->started);
    cJSON *o = cJSON_AddObjectToObject(root, "options");
    cJSON_AddNumberToObject(o, "throttle", j->opts.throttle);
    cJSON_AddNumberToObject(o, "logDirThrottle", j->opts.log_dir_throttle);
    cJSON_AddNumberToObject(o, "perBroker", j->opts.per_broker);
    cJSON_AddNumberToObject(o, "intraPerBroker", j->opts.intra_per_broker);
    cJSON_AddNumberToObject(o, "leaderBatch", j->opts.leader_batch);
    cJSON_AddNumberToObject(o, "clusterCap", j->opts.cluster_cap);
    cJSON_AddNumberToObject(o, "taskTimeoutMs", (double)j->opts.task_timeout_ms);
    cJSON_AddNumberToObject(o, "pollS", j->opts.poll_s);
    add_str(o, "strategies", j->opts.strategies);
    cJSON_AddNumberToObject(o, "foreign", j->opts.foreign);
    cJSON *th = cJSON_AddObjectToObject(root, "throttledBrokers");
    cJSON_AddItemToObject(th, "replication", ids_json(j->rate_owned.ids, j->rate_owned.n));
    cJSON_AddItemToObject(th, "replicationForeign", ids_json(j->rate_foreign.ids, j->rate_foreign.n));
    cJSON_AddItemToObject(th, "logDir", ids_json(j->logdir_owned.ids, j->logdir_owned.n));
    cJSON_AddItemToObject(th, "logDirForeign", ids_json(j->logdir_foreign.ids, j->logdir_foreign.n));
    cJSON *ts = cJSON_AddArrayToObject(root, "tasks");
    for (int i = 0; i < j->ntasks; i++) {
        const struct exec_task *t = &j->tasks[i];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "type", type_names[t->type]);
        cJSON_AddStringToObject(x, "state", state_names[t->state]);
        cJSON_AddStringToObject(x, "topic", t->topic);
        cJSON_AddNumberToObject(x, "partition", t->partition);
        cJSON_AddItemToObject(x, "from", ids_json(t->from, t->nfrom));
        cJSON_AddItemToObject(x, "to", ids_json(t->to, t->nto));
        cJSON_AddNumberToObject(x, "broker", t->broker);
        add_str(x, "dir", t->dir);
        cJSON_AddNumberToObject(x, "size", (double)t->size);
        cJSON_AddNumberToObject(x, "bytes", (double)t->bytes);
        cJSON_AddBoolToObject(x, "urp", t->urp);
        cJSON_AddNumberToObject(x, "order", (double)t->order);
        cJSON_AddNumberToObject(x, "started", t->started);
        cJSON_AddNumberToObject(x, "finished", t->finished);
        add_str(x, "throttledLeaders", t->throttled_leaders);
        add_str(x, "throttledFollowers", t->throttled_followers);
        add_str(x, "error", t->error);
        cJSON_AddItemToArray(ts, x);
    }
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    char *path = xasprintf("%s/execution.json", j->dir);
    char *tmp = xasprintf("%s/execution.json.tmp", j->dir);
    int rc = 0;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    size_t len = strlen(text);
    if (fd < 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) < 0) {
        rc = error_set(err, errno ? -errno : -EIO, "journal %s: %s", tmp, strerror(errno));
    } else if (rename(tmp, path) < 0) {
        rc = error_set(err, -errno, "journal %s: %s", path, strerror(errno));
    }
    if (fd >= 0)
        close(fd);
    if (rc == 0) { /* the rename itself must reach the disk */
        int dfd = open(j->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
    }
    free(text);
    free(path);
    free(tmp);
    return rc;
}

static int name_index(const char *const *names, int n, const cJSON *v)
{
    if (!cJSON_IsString(v))
        return -1;
    for (int i = 0; i < n; i++)
        if (strcmp(v->valuestring, names[i]) == 0)
            return i;
    return -1;
}

static double num(const cJSON *o, const char *k, double dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

static char *str(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? xstrdup(v->valuestring) : NULL;
}

static int read_ids(const cJSON *a, int32_t *out, int max, int *ret_n)
{
    int n = 0;
    const cJSON *x;
    if (!cJSON_IsArray(a))
        return -1;
    cJSON_ArrayForEach(x, a) {
        if (!cJSON_IsNumber(x) || n == max)
            return -1;
        out[n++] = (int32_t)x->valuedouble;
    }
    *ret_n = n;
    return 0;
}

static int read_set(const cJSON *o, const char *k, struct exec_id_set *s)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, k), *x;
    if (!a)
        return 0;
    if (!cJSON_IsArray(a))
        return -1;
    cJSON_ArrayForEach(x, a) {
        if (!cJSON_IsNumber(x))
            return -1;
        exec_ids_add(s, (int32_t)x->valuedouble);
    }
    return 0;
}

int exec_journal_load(struct exec_journal *j, struct error *err)
{
    char *path = xasprintf("%s/execution.json", j->dir);
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        int rc = error_set(err, -e, "journal %s: %s", path, strerror(e));
        free(path);
        return rc;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        xgrow((void **)&buf, &cap, len + 65536, 1);
        size_t k = fread(buf + len, 1, cap - len, f);
        len += k;
        if (k == 0 || len > (size_t)MAX_JOURNAL_BYTES)
            break;
    }
    fclose(f);
    cJSON *root = len <= (size_t)MAX_JOURNAL_BYTES ? cJSON_ParseWithLength(buf, len) : NULL;
    free(buf);
    int rc = 0;
    const char *what = NULL;
    if (!root) {
        what = "not valid JSON";
        goto bad;
    }
    int st = name_index(status_names, 5, cJSON_GetObjectItemCaseSensitive(root, "status"));
    if (st < 0) {
        what = "status";
        goto bad;
    }
    j->status = (enum exec_status)st;
    j->started = num(root, "started", 0);
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(root, "options");
    j->opts.throttle = num(o, "throttle", 0);
    j->opts.log_dir_throttle = num(o, "logDirThrottle", 0);
    j->opts.per_broker = (int)num(o, "perBroker", 5);
    j->opts.intra_per_broker = (int)num(o, "intraPerBroker", 2);
    j->opts.leader_batch = (int)num(o, "leaderBatch", 1000);
    j->opts.cluster_cap = (int)num(o, "clusterCap", 1250);
    j->opts.task_timeout_ms = (int64_t)num(o, "taskTimeoutMs", 0);
    j->opts.poll_s = num(o, "pollS", 1.0);
    j->opts.strategies = str(o, "strategies");
    j->opts.foreign = (enum exec_foreign)(int)num(o, "foreign", EXEC_FOREIGN_SKIP);
    if (j->opts.per_broker < 1 || j->opts.intra_per_broker < 1 || j->opts.leader_batch < 1 ||
        j->opts.cluster_cap < 1 || j->opts.poll_s <= 0 || j->opts.poll_s > 3600 ||
        j->opts.foreign < EXEC_FOREIGN_SKIP || j->opts.foreign > EXEC_FOREIGN_CANCEL) {
        what = "options";
        goto bad;
    }
    const cJSON *th = cJSON_GetObjectItemCaseSensitive(root, "throttledBrokers");
    if (read_set(th, "replication", &j->rate_owned) < 0 ||
        read_set(th, "replicationForeign", &j->rate_foreign) < 0 ||
        read_set(th, "logDir", &j->logdir_owned) < 0 ||
        read_set(th, "logDirForeign", &j->logdir_foreign) < 0) {
        what = "throttledBrokers";
        goto bad;
    }
    const cJSON *ts = cJSON_GetObjectItemCaseSensitive(root, "tasks");
    if (!cJSON_IsArray(ts)) {
        what = "tasks";
        goto bad;
    }
    int n = cJSON_GetArraySize(ts);
    j->tasks = xcalloc((size_t)n + 1, sizeof(*j->tasks));
    const cJSON *x;
    cJSON_ArrayForEach(x, ts) {
        struct exec_task *t = &j->tasks[j->ntasks++];
        int ty = name_index(type_names, 4, cJSON_GetObjectItemCaseSensitive(x, "type"));
        int sa = name_index(state_names, 5, cJSON_GetObjectItemCaseSensitive(x, "state"));
        t->topic = str(x, "topic");
        t->dir = str(x, "dir");
        t->throttled_leaders = str(x, "throttledLeaders");
        t->throttled_followers = str(x, "throttledFollowers");
        t->error = str(x, "error");
        if (ty < 0 || sa < 0 || !t->topic ||
            read_ids(cJSON_GetObjectItemCaseSensitive(x, "from"), t->from, MODEL_MAX_RF, &t->nfrom) < 0 ||
            read_ids(cJSON_GetObjectItemCaseSensitive(x, "to"), t->to, MODEL_MAX_RF, &t->nto) < 0 ||
            t->nto == 0 || (ty == EXEC_INTRA && !t->dir)) {
            what = "a task";
            goto bad;
        }
        t->type = (enum exec_type)ty;
        t->state = (enum exec_state)sa;
        t->partition = (int32_t)num(x, "partition", -1);
        t->broker = (int32_t)num(x, "broker", -1);
        t->size = (int64_t)num(x, "size", 0);
        t->bytes = (int64_t)num(x, "bytes", 0);
        const cJSON *u = cJSON_GetObjectItemCaseSensitive(x, "urp");
        t->urp = cJSON_IsTrue(u);
        t->order = (int64_t)num(x, "order", 0);
        t->started = num(x, "started", 0);
        t->finished = num(x, "finished", 0);
    }
    cJSON_Delete(root);
    free(path);
    return 0;
bad:
    rc = error_set(err, -EINVAL, "journal %s is damaged: %s", path, what);
    cJSON_Delete(root);
    free(path);
    exec_tasks_free(j->tasks, j->ntasks);
    j->tasks = NULL;
    j->ntasks = 0;
    return rc;
}
