/* The executor thread: one execution at a time, through executor/executor.h and its journal
 * in the state dir (the same one `ballast execute --resume/--stop --state-dir` reads).
 * At start, a journal left RUNNING by a killed service is adopted (exec_resume; cancelled
 * instead with api.interruptedExecution: cancel) under the task that started it when that
 * task is still known, else under a new one. Stop asks through the executor's stop file.
 * Progress for /state and the task comes from the journal, which the executor replaces
 * atomically at least every second: the HTTP threads never touch the executor's memory.
 * Thread: svc.executor; svc.lock guards job/executing/exec_task. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/clock.h"
#include "common/log.h"
#include "executor/journal.h"
#include "service/internal.h"

void svc_exec_free_job(struct svc_exec_job *j)
{
    if (!j)
        return;
    free(j->reassignment);
    free(j->o.strategies);
    free(j);
}

static char *report_text(const struct exec_report *r, const char *error)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "version", 1);
    if (error)
        cJSON_AddStringToObject(j, "errorMessage", error);
    cJSON *e = cJSON_AddObjectToObject(j, "execution");
    if (r) {
        const char *st = r->stopped ? "stopped" : r->failed ? "failed" : "finished";
        cJSON_AddStringToObject(e, "status", st);
        cJSON_AddNumberToObject(e, "tasks", r->total);
        cJSON_AddNumberToObject(e, "done", r->done);
        cJSON_AddNumberToObject(e, "failed", r->failed);
        cJSON_AddNumberToObject(e, "skipped", r->skipped);
        cJSON_AddNumberToObject(e, "notDone", r->pending);
        cJSON_AddNumberToObject(e, "bytesDone", (double)r->bytes_done);
        cJSON_AddNumberToObject(e, "bytesTotal", (double)r->bytes_total);
        cJSON_AddNumberToObject(e, "seconds", r->seconds);
        cJSON_AddNumberToObject(e, "throttle", r->throttle);
        /* the most bytes any broker receives / the throttle (0 without one): `seconds` can
         * be read against it */
        cJSON_AddNumberToObject(e, "boundSeconds", r->bound_seconds);
        cJSON_AddNumberToObject(e, "throttlesLeft", r->throttles_left);
    } else {
        cJSON_AddStringToObject(e, "status", "not started");
    }
    char *t = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    char *out = xstrdup(t);
    cJSON_free(t);
    return out;
}

/* Placement check before sending anything: the proposal was made on a placement; the cluster
 * must still have it. 0, or -EEXIST with the reason. */
static int check_placement(struct svc *s, uint64_t expect, struct error *err)
{
    struct model_cluster *c = NULL;
    int rc = kafka_snapshot(s->bootstrap, s->kopts, &c, err);
    if (rc < 0)
        return rc;
    uint64_t now = svc_placement_hash(c);
    model_cluster_destroy(c);
    if (now != expect)
        return error_set(err, -EEXIST, "the cluster's replica placement changed since the "
                         "proposal was made; nothing was executed (ask for a new proposal)");
    return 0;
}

static void run_job(struct svc *s, struct svc_exec_job *job)
{
    struct error err = {0};
    struct exec_report rep;
    memset(&rep, 0, sizeof(rep));
    struct exec_connect conn = {.bootstrap = s->bootstrap, .kopts = s->kopts};
    int rc;
    bool ran = false;
    if (job->reassignment) {
        rc = job->placement ? check_placement(s, job->placement, &err) : 0;
        struct exec_task *targets = NULL;
        int n = 0;
        if (rc == 0)
            rc = exec_plan_parse(job->reassignment, strlen(job->reassignment), "proposal",
                                 &targets, &n, &err);
        if (rc == 0) {
            ran = true;
            rc = exec_run(&conn, s->state_dir, targets, n, &job->o, &rep, &err);
        }
        exec_tasks_free(targets, n);
    } else {
        ran = true;
        rc = exec_resume(&conn, s->state_dir, &job->o, &rep, &err);
    }
    pthread_mutex_lock(&s->lock);
    struct svc_task *t = svc_task_find(s, job->task_id);
    if (t) {
        if (rc < 0) {
            log_error("execution of task %s: %s", t->id, err.msg);
            svc_task_end(s, t, SVC_TASK_COMPLETED_WITH_ERROR,
                         report_text(ran ? &rep : NULL, err.msg), rc == -EEXIST ? 409 : 500);
        } else {
            bool ok = !rep.stopped && !rep.failed && !rep.throttles_left;
            svc_task_step(t, "Execution", rep.stopped ? "stopped" : "ended", 100);
            svc_task_end(s, t, ok ? SVC_TASK_COMPLETED : SVC_TASK_COMPLETED_WITH_ERROR,
                         report_text(&rep, ok ? NULL
                                         : rep.stopped ? "the execution was stopped"
                                                       : "moves failed or throttles were left"),
                         200);
        }
    }
    s->executing = false;
    s->exec_task[0] = '\0';
    s->stop_asked = false;
    /* a task waiting to replace this execution (stop_ongoing) plans on a model read after it */
    s->exec_ended_ms = clock_wall_ms();
    s->refresh_now = true;
    pthread_cond_signal(&s->wake_refresher);
    exec_control_clear(&s->control); /* a change made as it ended is not for the next one */
    svc_changed(s);
    pthread_mutex_unlock(&s->lock);
}

static void *executor_main(void *arg)
{
    struct svc *s = arg;
    pthread_mutex_lock(&s->lock);
    for (;;) {
        while (!s->job && !s->stopping)
            pthread_cond_wait(&s->changed, &s->lock);
        if (s->stopping)
            break;
        struct svc_exec_job *job = s->job;
        s->job = NULL;
        pthread_mutex_unlock(&s->lock);
        run_job(s, job);
        svc_exec_free_job(job);
        pthread_mutex_lock(&s->lock);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

static void options_from(struct svc *s, const struct svc_request *req, struct exec_options *o)
{
    const struct config_executor *e = &s->cfg->executor;
    exec_options_default(o);
    /* the request's, else the configuration's, else the executor's defaults (0 = unset) */
#define PICK(field, req_v, cfg_v)                                                                  \
    o->field = (req_v) ? (req_v) : (cfg_v) ? (cfg_v) : o->field
    PICK(per_broker, req ? req->concurrency : 0, e->concurrent_partition_movements_per_broker);
    PICK(intra_per_broker, req ? req->intra_concurrency : 0,
         e->concurrent_intra_broker_partition_movements);
    PICK(leader_batch, req ? req->leader_concurrency : 0, e->concurrent_leader_movements);
    PICK(cluster_cap, req ? req->cluster_concurrency : 0, e->max_cluster_partition_movements);
#undef PICK
    o->throttle = req && req->throttle >= 0 ? req->throttle : e->replication_throttle;
    o->log_dir_throttle = e->log_dir_throttle;
    o->task_timeout_ms = e->task_timeout_ms;
    if (e->task_timeout_floor_ms > 0)
        o->task_timeout_floor_ms = e->task_timeout_floor_ms;
    if (req && req->poll_ms > 0)
        o->poll_s = req->poll_ms / 1000.0;
    else if (e->poll_interval_ms > 0)
        o->poll_s = e->poll_interval_ms / 1000.0;
    const char *st = req && req->strategies ? req->strategies : e->strategies;
    o->strategies = st ? xstrdup(st) : NULL;
    o->control = &s->control;
    o->foreign = !e->foreign || strcmp(e->foreign, "skip") == 0 ? EXEC_FOREIGN_SKIP
                 : strcmp(e->foreign, "wait") == 0            ? EXEC_FOREIGN_WAIT
                                                              : EXEC_FOREIGN_CANCEL;
}

int svc_exec_queue(struct svc *s, struct svc_task *t, const char *reassignment,
                   uint64_t placement, const struct svc_request *req, struct error *err)
{
    if (!s->live)
        return error_set(err, -EINVAL, "this service runs on a snapshot (--snapshot): it plans "
                         "but does not execute");
    if (s->executing || s->job)
        return error_set(err, -EEXIST, "Cannot start a new execution while there is an ongoing "
                         "execution (task %s).", s->executing ? s->exec_task : s->job->task_id);
    struct svc_exec_job *job = xcalloc(1, sizeof(*job));
    memcpy(job->task_id, t->id, SVC_ID_LEN);
    job->reassignment = xstrdup(reassignment);
    job->placement = placement;
    options_from(s, req, &job->o);
    int rc = exec_options_check(&job->o, err);
    if (rc < 0) {
        svc_exec_free_job(job);
        return rc;
    }
    s->job = job;
    s->executing = true;
    memcpy(s->exec_task, t->id, SVC_ID_LEN);
    t->state = SVC_TASK_IN_EXECUTION;
    svc_task_step(t, "Execution", "starting", 0);
    svc_task_persist(s, t);
    svc_changed(s);
    return 0;
}

int svc_exec_start_thread(struct svc *s, struct error *err)
{
    if (!s->live)
        return 0;
    /* an execution a killed service left: adopt it */
    struct exec_journal j;
    exec_journal_init(&j, s->state_dir);
    struct error jerr = {0};
    int rc = exec_journal_load(&j, &jerr);
    bool adopt = rc == 0 && j.status == EXEC_STATUS_RUNNING;
    exec_journal_finish(&j);
    if (rc < 0 && rc != -ENOENT)
        log_warn("%s: the execution journal cannot be read: %s", s->state_dir, jerr.msg);
    pthread_mutex_lock(&s->lock);
    if (adopt) {
        struct svc_task *t = NULL;
        for (size_t i = s->ntasks; i-- > 0;)
            if (s->tasks[i]->state == SVC_TASK_IN_EXECUTION) {
                t = s->tasks[i];
                break;
            }
        if (!t) {
            t = svc_task_new(s, "adopted-execution");
            t->user = xstrdup("-");
            t->reason = xstrdup("execution found unfinished in the state dir at start");
        }
        struct svc_exec_job *job = xcalloc(1, sizeof(*job));
        memcpy(job->task_id, t->id, SVC_ID_LEN);
        exec_options_default(&job->o);
        /* the journal's settings hold: nothing overridden */
        job->o.throttle = -1;
        job->o.log_dir_throttle = -1;
        job->o.task_timeout_ms = -1;
        job->o.task_timeout_floor_ms = 0;
        job->o.per_broker = job->o.intra_per_broker = job->o.leader_batch = 0;
        job->o.cluster_cap = 0;
        job->o.poll_s = 0;
        job->o.cancel_on_resume = s->cfg->api.resume_cancel;
        job->o.control = &s->control;
        s->job = job;
        s->executing = true;
        memcpy(s->exec_task, t->id, SVC_ID_LEN);
        t->state = SVC_TASK_IN_EXECUTION;
        svc_task_step(t, "Execution", s->cfg->api.resume_cancel ? "adopted: cancelling"
                                                                : "adopted: finishing", 0);
        svc_task_persist(s, t);
        log_info("adopting the interrupted execution in %s (task %s, %s)", s->state_dir, t->id,
                 s->cfg->api.resume_cancel ? "cancel" : "finish");
    }
    /* tasks left InExecution whose execution is not the adopted one ended with the service */
    for (size_t i = 0; i < s->ntasks; i++) {
        struct svc_task *t = s->tasks[i];
        if (t->state == SVC_TASK_IN_EXECUTION && !(adopt && strcmp(t->id, s->exec_task) == 0))
            svc_task_end(s, t, SVC_TASK_COMPLETED_WITH_ERROR,
                         svc_error_text("the execution was no longer in the journal after a "
                                        "restart (finished, stopped or cancelled elsewhere)"),
                         500);
    }
    pthread_mutex_unlock(&s->lock);
    rc = pthread_create(&s->executor, NULL, executor_main, s);
    if (rc)
        return error_set(err, -rc, "cannot start the executor thread: %s", strerror(rc));
    return 0;
}

/* The journal's progress as JSON, read at most once a second (s->lock held). */
cJSON *svc_exec_state(struct svc *s)
{
    int64_t now = clock_wall_ms();
    if (!s->journal_state || now - s->journal_read_ms >= 1000) {
        cJSON_Delete(s->journal_state);
        s->journal_state = NULL;
        s->journal_read_ms = now;
        struct exec_journal j;
        exec_journal_init(&j, s->state_dir);
        struct error err = {0};
        if (exec_journal_load(&j, &err) == 0) {
            cJSON *o = cJSON_CreateObject();
            int n[5] = {0};
            int64_t done = 0, total = 0;
            for (int i = 0; i < j.ntasks; i++) {
                n[j.tasks[i].state]++;
                total += j.tasks[i].bytes;
                if (j.tasks[i].state == EXEC_DONE)
                    done += j.tasks[i].bytes;
            }
            cJSON_AddStringToObject(o, "journalStatus", exec_status_name(j.status));
            cJSON_AddNumberToObject(o, "numTotalMovements", j.ntasks);
            cJSON_AddNumberToObject(o, "numFinishedMovements", n[EXEC_DONE]);
            cJSON_AddNumberToObject(o, "numInProgressMovements", n[EXEC_INFLIGHT]);
            cJSON_AddNumberToObject(o, "numPendingMovements", n[EXEC_PENDING]);
            cJSON_AddNumberToObject(o, "numFailedMovements", n[EXEC_FAILED]);
            cJSON_AddNumberToObject(o, "numSkippedMovements", n[EXEC_SKIPPED]);
            cJSON_AddNumberToObject(o, "bytesDone", (double)done);
            cJSON_AddNumberToObject(o, "bytesTotal", (double)total);
            cJSON_AddNumberToObject(o, "throttle", j.opts.throttle);
            /* the settings in force (an admin change is journaled when taken) */
            cJSON *c = cJSON_AddObjectToObject(o, "concurrency");
            cJSON_AddNumberToObject(c, "perBroker", j.opts.per_broker);
            cJSON_AddNumberToObject(c, "intraPerBroker", j.opts.intra_per_broker);
            cJSON_AddNumberToObject(c, "leaderBatch", j.opts.leader_batch);
            cJSON_AddNumberToObject(c, "cluster", j.opts.cluster_cap);
            cJSON_AddNumberToObject(c, "progressCheckIntervalMs", j.opts.poll_s * 1000.0);
            double started = j.started, elapsed = (double)now / 1000.0 - started;
            cJSON_AddNumberToObject(o, "startedMs", started * 1000.0);
            double eta = exec_eta_s(done, total - done, elapsed);
            if (j.status == EXEC_STATUS_RUNNING && eta >= 0)
                cJSON_AddNumberToObject(o, "etaSeconds", eta);
            s->journal_state = o;
        }
        exec_journal_finish(&j);
        if (!s->journal_state) /* none (or unreadable): remembered for a second too */
            s->journal_state = cJSON_CreateObject();
    }
    cJSON *e = cJSON_Duplicate(s->journal_state, true);
    bool running = s->executing;
    cJSON_AddStringToObject(e, "state", running ? (s->stop_asked ? "STOPPING_EXECUTION"
                                                                 : "EXECUTION_IN_PROGRESS")
                                                : "NO_TASK_IN_PROGRESS");
    if (running)
        cJSON_AddStringToObject(e, "triggeredTaskId", s->exec_task);
    return e;
}

int svc_exec_adjust(struct svc *s, const struct exec_adjust *a, struct error *err)
{
    int rc = a->throttle >= 0 ? exec_rate_check("throttle", a->throttle, err) : 0;
    if (rc < 0)
        return rc;
    pthread_mutex_lock(&s->lock);
    bool running = s->executing;
    if (running)
        exec_control_set(&s->control, a); /* taken at the executor's next poll */
    pthread_mutex_unlock(&s->lock);
    if (!running)
        return error_set(err, -ENOENT, "no execution is in progress");
    return 0;
}

int svc_stop_execution(struct svc *s, struct error *err)
{
    pthread_mutex_lock(&s->lock);
    bool running = s->executing;
    pthread_mutex_unlock(&s->lock);
    if (!running)
        return error_set(err, -ENOENT, "no execution is in progress");
    return svc_exec_ask_stop(s, err);
}

int svc_exec_ask_stop(struct svc *s, struct error *err)
{
    pthread_mutex_lock(&s->lock);
    s->stop_asked = s->executing;
    pthread_mutex_unlock(&s->lock);
    /* the executor polls for this file (executor.c exec_stop_requested) */
    char *path = xasprintf("%s/stop", s->state_dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
    int rc = fd < 0 ? error_set(err, -errno, "%s: %m", path) : 0;
    if (fd >= 0)
        close(fd);
    free(path);
    return rc;
}
