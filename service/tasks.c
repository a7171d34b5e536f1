/* The task registry: every rebalance-like request is a task with an id (a random UUID), a
 * state, progress steps and, once done, a result (JSON text) and the HTTP status it answers
 * with. A task is written to state_dir/tasks/<id>.json (atomically, file_write_atomic) when it
 * enters execution and when it ends, so finished tasks survive a restart; tasks older than
 * api.taskRetentionMs are dropped with their files. Everything here runs under svc.lock
 * except svc_tasks_load, which runs before any thread. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/clock.h"
#include "common/file.h"
#include "common/log.h"
#include "service/internal.h"

const char *const svc_task_state_names[4] = {"Active", "InExecution", "Completed",
                                             "CompletedWithError"};

#define TASK_FILE_MAX (64 * 1024 * 1024)

void svc_new_id(char id[SVC_ID_LEN])
{
    uint8_t b[16];
    if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
        /* never seen on Linux >= 3.17; a clock-based id still differs per call */
        int64_t t = clock_wall_ms();
        double m = clock_mono_ms();
        memcpy(b, &t, 8);
        memcpy(b + 8, &m, 8);
    }
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    snprintf(id, SVC_ID_LEN,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
             b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
             b[15]);
}

char *svc_error_text(const char *msg)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "version", 1);
    cJSON_AddStringToObject(j, "errorMessage", msg);
    char *t = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    char *r = xstrdup(t);
    cJSON_free(t);
    return r;
}

struct svc_task *svc_task_new(struct svc *s, const char *kind)
{
    struct svc_task *t = xcalloc(1, sizeof(*t));
    svc_new_id(t->id);
    t->kind = xstrdup(kind);
    t->state = SVC_TASK_ACTIVE;
    t->created_ms = clock_wall_ms();
    svc_request_init(&t->req);
    if (s->ntasks >= SVC_MAX_TASKS)
        svc_tasks_prune(s);
    xgrow((void **)&s->tasks, &s->cap_tasks, s->ntasks + 1, sizeof(*s->tasks));
    s->tasks[s->ntasks++] = t;
    return t;
}

struct svc_task *svc_task_find(struct svc *s, const char *id)
{
    for (size_t i = 0; i < s->ntasks; i++)
        if (strcmp(s->tasks[i]->id, id) == 0)
            return s->tasks[i];
    return NULL;
}

void svc_task_step(struct svc_task *t, const char *name, const char *description, double pct)
{
    struct svc_step *st = t->nsteps ? &t->steps[t->nsteps - 1] : NULL;
    if (st && strcmp(st->name, name) == 0) {
        st->pct = pct;
        if (description && strcmp(description, st->description) != 0) {
            free(st->description);
            st->description = xstrdup(description);
        }
        return;
    }
    if (st)
        st->pct = 100;
    if (t->nsteps == SVC_MAX_STEPS) { /* keep the first, drop the oldest after it */
        free(t->steps[1].name);
        free(t->steps[1].description);
        memmove(&t->steps[1], &t->steps[2], sizeof(t->steps[0]) * (SVC_MAX_STEPS - 2));
        t->nsteps--;
    }
    st = &t->steps[t->nsteps++];
    st->name = xstrdup(name);
    st->description = xstrdup(description ? description : "");
    st->start_ms = clock_wall_ms();
    st->pct = pct;
}

void svc_task_free(struct svc_task *t)
{
    if (!t)
        return;
    free(t->kind);
    free(t->request);
    free(t->user);
    free(t->client);
    free(t->reason);
    for (int i = 0; i < t->nsteps; i++) {
        free(t->steps[i].name);
        free(t->steps[i].description);
    }
    free(t->result);
    free(t->proposal_id);
    free(t->origin);
    free(t->planned);
    svc_request_finish(&t->req);
    free(t);
}

static char *task_path(const struct svc *s, const char *id)
{
    return xasprintf("%s/tasks/%s.json", s->state_dir, id);
}

void svc_task_end(struct svc *s, struct svc_task *t, enum svc_task_state st, char *result,
                  int http)
{
    t->state = st;
    free(t->result);
    t->result = result;
    t->http = http;
    t->ended_ms = clock_wall_ms();
    t->queued = false;
    if (t->nsteps)
        t->steps[t->nsteps - 1].pct = 100;
    svc_request_finish(&t->req);
    svc_task_persist(s, t);
    svc_changed(s);
}

cJSON *svc_task_to_json(const struct svc_task *t, bool with_result)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "id", t->id);
    cJSON_AddStringToObject(j, "kind", t->kind);
    cJSON_AddStringToObject(j, "state", svc_task_state_names[t->state]);
    cJSON_AddNumberToObject(j, "createdMs", (double)t->created_ms);
    if (t->ended_ms)
        cJSON_AddNumberToObject(j, "endedMs", (double)t->ended_ms);
    cJSON_AddStringToObject(j, "user", t->user ? t->user : "-");
    cJSON_AddStringToObject(j, "client", t->client ? t->client : "-");
    if (t->reason)
        cJSON_AddStringToObject(j, "reason", t->reason);
    if (t->proposal_id)
        cJSON_AddStringToObject(j, "proposalId", t->proposal_id);
    if (t->origin)
        cJSON_AddStringToObject(j, "requestUrl", t->origin);
    if (t->request) /* our own JSON text: embedded as it is, not parsed again */
        cJSON_AddItemToObject(j, "request", cJSON_CreateRaw(t->request));
    cJSON *steps = cJSON_AddArrayToObject(j, "progress");
    for (int i = 0; i < t->nsteps; i++) {
        cJSON *s = cJSON_CreateObject();
        cJSON_AddStringToObject(s, "step", t->steps[i].name);
        cJSON_AddStringToObject(s, "description", t->steps[i].description);
        int64_t end = i + 1 < t->nsteps ? t->steps[i + 1].start_ms
                      : t->ended_ms        ? t->ended_ms
                                           : clock_wall_ms();
        cJSON_AddNumberToObject(s, "time-in-ms", (double)(end - t->steps[i].start_ms));
        cJSON_AddNumberToObject(s, "completionPercentage", t->steps[i].pct);
        cJSON_AddItemToArray(steps, s);
    }
    if (t->http)
        cJSON_AddNumberToObject(j, "httpStatus", t->http);
    if (with_result && t->result)
        cJSON_AddItemToObject(j, "result", cJSON_CreateRaw(t->result));
    if (with_result && t->planned)
        cJSON_AddItemToObject(j, "planned", cJSON_CreateRaw(t->planned));
    return j;
}

void svc_writes_flush(struct svc_write *w)
{
    while (w) {
        struct svc_write *next = w->next;
        struct error err = {0};
        if (!w->text) {
            if (unlink(w->path) < 0 && errno != ENOENT)
                log_error("%s: cannot remove: %m", w->path);
        } else if (file_write_atomic(w->path, w->text, strlen(w->text), &err) < 0) {
            log_error("task file not written: %s", err.msg);
        }
        free(w->path);
        free(w->text);
        free(w);
        w = next;
    }
}

/* Queues a write (text) or a removal (text NULL) of path, taking both. */
static void queue_write(struct svc *s, char *path, char *text)
{
    struct svc_write *w = xcalloc(1, sizeof(*w));
    w->path = path;
    w->text = text;
    if (!s->persister_running) { /* before the threads (loading) or in unit tests */
        svc_writes_flush(w);
        return;
    }
    /* fsync takes milliseconds: never under svc.lock */
    if (!s->writes_tail)
        s->writes_tail = &s->writes;
    *s->writes_tail = w;
    s->writes_tail = &w->next;
    pthread_cond_signal(&s->wake_persister);
}

void svc_task_persist(struct svc *s, const struct svc_task *t)
{
    cJSON *j = svc_task_to_json(t, false);
    if (t->result)
        cJSON_AddStringToObject(j, "resultText", t->result);
    if (t->planned)
        cJSON_AddStringToObject(j, "plannedText", t->planned);
    char *text = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    queue_write(s, task_path(s, t->id), xstrdup(text));
    cJSON_free(text);
}

/* The persister thread: writes task files in the order they were queued. On stop it drains
 * the queue before it returns. */
void *svc_persister_main(void *arg)
{
    struct svc *s = arg;
    pthread_mutex_lock(&s->lock);
    for (;;) {
        while (!s->writes && !s->stopping)
            pthread_cond_wait(&s->wake_persister, &s->lock);
        struct svc_write *w = s->writes;
        s->writes = NULL;
        s->writes_tail = &s->writes;
        bool stop = s->stopping && !w;
        pthread_mutex_unlock(&s->lock);
        if (stop)
            break;
        svc_writes_flush(w);
        pthread_mutex_lock(&s->lock);
    }
    return NULL;
}

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double jnum(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

/* One persisted task back into the registry; -EINVAL when the file is not one. */
static int load_one(struct svc *s, const char *path, int64_t now, struct error *err)
{
    char *buf = NULL;
    size_t len = 0;
    int rc = file_read(path, TASK_FILE_MAX, &buf, &len, err);
    if (rc < 0)
        return rc;
    cJSON *j = cJSON_ParseWithLength(buf, len);
    free(buf);
    const char *id = jstr(j, "id"), *state = jstr(j, "state"), *kind = jstr(j, "kind");
    if (!j || !id || strlen(id) != SVC_ID_LEN - 1 || !state || !kind) {
        cJSON_Delete(j);
        return error_set(err, -EINVAL, "%s: not a task file", path);
    }
    int st = -1;
    for (int i = 0; i < 4; i++)
        if (strcmp(state, svc_task_state_names[i]) == 0)
            st = i;
    int64_t created = (int64_t)jnum(j, "createdMs");
    int64_t ended = (int64_t)jnum(j, "endedMs");
    if (st < 0 || (ended && now - ended > s->cfg->api.task_retention_ms)) {
        cJSON_Delete(j);
        unlink(path);
        return 0;
    }
    struct svc_task *t = svc_task_new(s, kind);
    memcpy(t->id, id, SVC_ID_LEN);
    t->state = (enum svc_task_state)st;
    t->created_ms = created;
    t->ended_ms = ended;
    t->user = dup_or_null(jstr(j, "user"));
    t->client = dup_or_null(jstr(j, "client"));
    t->reason = dup_or_null(jstr(j, "reason"));
    t->proposal_id = dup_or_null(jstr(j, "proposalId"));
    t->result = dup_or_null(jstr(j, "resultText"));
    t->planned = dup_or_null(jstr(j, "plannedText"));
    t->origin = dup_or_null(jstr(j, "requestUrl"));
    t->http = (int)jnum(j, "httpStatus");
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(j, "request");
    if (cJSON_IsObject(req) || cJSON_IsRaw(req)) {
        char *r = cJSON_PrintUnformatted(req);
        t->request = xstrdup(r);
        cJSON_free(r);
    }
    const cJSON *steps = cJSON_GetObjectItemCaseSensitive(j, "progress");
    const cJSON *sj;
    cJSON_ArrayForEach(sj, steps)
    {
        if (t->nsteps == SVC_MAX_STEPS || !jstr(sj, "step"))
            break;
        struct svc_step *x = &t->steps[t->nsteps++];
        x->name = xstrdup(jstr(sj, "step"));
        x->description = xstrdup(jstr(sj, "description") ? jstr(sj, "description") : "");
        x->pct = jnum(sj, "completionPercentage");
        x->start_ms = created;
    }
    cJSON_Delete(j);
    if (t->state == SVC_TASK_ACTIVE) {
        /* it was being planned when the service died: planning is not resumed */
        svc_task_end(s, t, SVC_TASK_COMPLETED_WITH_ERROR,
                     svc_error_text("the service stopped while this task was being planned"),
                     500);
    }
    return 0;
}

static int by_created(const void *a, const void *b)
{
    const struct svc_task *x = *(struct svc_task *const *)a, *y = *(struct svc_task *const *)b;
    return x->created_ms < y->created_ms ? -1 : x->created_ms > y->created_ms;
}

int svc_tasks_load(struct svc *s, struct error *err)
{
    char *dir = xasprintf("%s/tasks", s->state_dir);
    int rc = 0;
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT)
            rc = mkdir(dir, 0777) < 0 ? error_set(err, -errno, "%s: %m", dir) : 0;
        else
            rc = error_set(err, -errno, "%s: %m", dir);
        free(dir);
        return rc;
    }
    int64_t now = clock_wall_ms();
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0)
            continue;
        char *path = xasprintf("%s/%s", dir, e->d_name);
        struct error one = {0};
        if (load_one(s, path, now, &one) < 0)
            log_warn("%s (skipped)", one.msg);
        free(path);
    }
    closedir(d);
    free(dir);
    if (s->ntasks > 1) /* qsort(NULL, 0) is undefined behaviour (UBSan) */
        qsort(s->tasks, s->ntasks, sizeof(*s->tasks), by_created);
    return 0;
}

void svc_tasks_prune(struct svc *s)
{
    int64_t now = clock_wall_ms();
    size_t keep = 0;
    size_t over = s->ntasks >= SVC_MAX_TASKS ? s->ntasks - SVC_MAX_TASKS + 1 : 0;
    for (size_t i = 0; i < s->ntasks; i++) {
        struct svc_task *t = s->tasks[i];
        bool finished = t->state == SVC_TASK_COMPLETED ||
                        t->state == SVC_TASK_COMPLETED_WITH_ERROR;
        if (finished && (now - t->ended_ms > s->cfg->api.task_retention_ms || over > 0)) {
            if (over > 0)
                over--;
            /* through the persister: after any write of the same file still queued */
            queue_write(s, task_path(s, t->id), NULL);
            svc_task_free(t);
            continue;
        }
        s->tasks[keep++] = t;
    }
    s->ntasks = keep;
}
