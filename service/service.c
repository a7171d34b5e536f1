/* The service's lifecycle (state dir and its lock, threads, shutdown), the refresher that
 * publishes model generations, the planner threads, the proposal store with the default
 * proposal cache, submission and the state report. See service.h for the threads and locks. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/clock.h"
#include "common/log.h"
#include "goals/goal.h"
#include "optimizer/report.h"
#include "service/internal.h"

const char *const svc_mode_names[SVC_NMODES] = {"full",   "add-brokers", "remove-brokers",
                                       "demote", "fix-offline", "remove-disks", "replication-factor"};

void svc_request_init(struct svc_request *r)
{
    memset(r, 0, sizeof(*r));
    r->dryrun = true;
    r->throttle = -1;
}

void svc_request_finish(struct svc_request *r)
{
    free(r->brokers);
    for (int i = 0; i < r->ngoals; i++)
        free(r->goals[i]);
    free(r->goals);
    free(r->excluded_topics);
    free(r->disks);
    free(r->proposal_id);
    free(r->strategies);
    free(r->reason);
    free(r->user);
    free(r->client);
    free(r->origin);
    free(r->rf_topics);
    svc_request_init(r);
}

/* The request as JSON (what GET /tasks shows of it). */
static char *request_text(const struct svc_request *r)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "mode", svc_mode_names[r->mode]);
    cJSON_AddBoolToObject(j, "dryrun", r->dryrun);
    if (r->nbrokers) {
        cJSON *b = cJSON_AddArrayToObject(j, "brokers");
        for (int i = 0; i < r->nbrokers; i++)
            cJSON_AddItemToArray(b, cJSON_CreateNumber(r->brokers[i]));
    }
    if (r->ngoals) {
        cJSON *g = cJSON_AddArrayToObject(j, "goals");
        for (int i = 0; i < r->ngoals; i++)
            cJSON_AddItemToArray(g, cJSON_CreateString(r->goals[i]));
    }
    if (r->excluded_topics)
        cJSON_AddStringToObject(j, "excludedTopics", r->excluded_topics);
    if (r->disks)
        cJSON_AddStringToObject(j, "disks", r->disks);
    if (r->rf_topics) {
        cJSON_AddStringToObject(j, "topics", r->rf_topics);
        cJSON_AddNumberToObject(j, "replicationFactor", r->rf);
        if (r->skip_rack_check)
            cJSON_AddBoolToObject(j, "skipRackAwarenessCheck", true);
    }
    if (r->skip_hard_goal_check)
        cJSON_AddBoolToObject(j, "skipHardGoalCheck", true);
    if (r->stop_ongoing)
        cJSON_AddBoolToObject(j, "stopOngoingExecution", true);
    if (r->proposal_id)
        cJSON_AddStringToObject(j, "proposalId", r->proposal_id);
    if (r->throttle >= 0)
        cJSON_AddNumberToObject(j, "throttle", r->throttle);
    if (r->concurrency)
        cJSON_AddNumberToObject(j, "concurrency", r->concurrency);
    if (r->leader_concurrency)
        cJSON_AddNumberToObject(j, "leaderConcurrency", r->leader_concurrency);
    if (r->intra_concurrency)
        cJSON_AddNumberToObject(j, "intraConcurrency", r->intra_concurrency);
    if (r->cluster_concurrency)
        cJSON_AddNumberToObject(j, "clusterConcurrency", r->cluster_concurrency);
    if (r->poll_ms)
        cJSON_AddNumberToObject(j, "progressCheckIntervalMs", r->poll_ms);
    if (r->strategies)
        cJSON_AddStringToObject(j, "strategies", r->strategies);
    char *t = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    char *out = xstrdup(t);
    cJSON_free(t);
    return out;
}

/* ---- state dir ---- */

static int lock_state_dir(struct svc *s, struct error *err)
{
    if (mkdir(s->state_dir, 0777) < 0 && errno != EEXIST)
        return error_set(err, -errno, "state dir %s: %m", s->state_dir);
    char *path = xasprintf("%s/serve.lock", s->state_dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    int rc = 0;
    if (fd < 0) {
        rc = error_set(err, -errno, "%s: %m", path);
        goto out;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        char pid[32] = "";
        ssize_t n = pread(fd, pid, sizeof(pid) - 1, 0);
        pid[n > 0 ? n : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        rc = error_set(err, -EBUSY, "state dir %s is in use by another ballast serve (pid %s, "
                       "lock %s); stop it or give this one another executor.stateDir",
                       s->state_dir, *pid ? pid : "unknown", path);
        close(fd);
        goto out;
    }
    char pid[32];
    int n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)n, 0) != n)
        log_warn("%s: cannot record the pid: %m", path);
    s->lock_fd = fd;
out:
    free(path);
    return rc;
}

int svc_create(const struct svc_options *o, struct svc **ret, struct error *err)
{
    struct svc *s = xcalloc(1, sizeof(*s));
    s->cfg = o->cfg;
    s->lock_fd = -1;
    s->state_dir = xstrdup(o->state_dir ? o->state_dir : o->cfg->executor.state_dir);
    s->snapshot = o->snapshot;
    s->live = !o->snapshot;
    s->bootstrap = o->bootstrap;
    s->kopts = o->kopts;
    if (o->kopts)
        s->refresh_kopts = *o->kopts;
    atomic_init(&s->cancel_refresh, false);
    s->refresh_kopts.cancel = &s->cancel_refresh;
    s->th = *o->th;
    pthread_mutex_init(&s->gen_lock, NULL);
    pthread_mutex_init(&s->lock, NULL);
    exec_control_init(&s->control);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->changed, &ca);
    pthread_cond_init(&s->wake_refresher, &ca);
    pthread_cond_init(&s->wake_persister, &ca);
    s->writes_tail = &s->writes;
    pthread_condattr_destroy(&ca);
    int rc = lock_state_dir(s, err);
    if (rc == 0)
        rc = svc_tasks_load(s, err);
    if (rc < 0) {
        s->snapshot = NULL; /* the caller keeps it on failure */
        svc_destroy(s);
        return rc;
    }
    *ret = s;
    return 0;
}

/* ---- waiting ---- */

static void deadline_in(struct timespec *ts, int64_t ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000;
    if (ts->tv_nsec >= 1000000000) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000;
    }
}

/* ---- the refresher ---- */

static int read_live(struct svc *s, struct mon_monitor *mon, struct model_cluster **ret,
                     struct error *err)
{
    struct model_cluster *c = NULL;
    int rc = kafka_snapshot(s->bootstrap, &s->refresh_kopts, &c, err);
    if (rc == 0)
        rc = config_apply_to_cluster(s->cfg, c, NULL, err);
    if (rc == 0 && mon)
        rc = mon_monitor_apply(mon, c, clock_wall_ms(), err);
    if (rc < 0) {
        model_cluster_destroy(c);
        return rc;
    }
    *ret = c;
    return 0;
}

static void *refresher_main(void *arg)
{
    struct svc *s = arg;
    const struct config *cfg = s->cfg;
    struct mon_monitor *mon = NULL;
    if (s->live && cfg->monitor.sampler != MON_SAMPLER_NONE) {
        struct mon_options mo = {&cfg->monitor, &cfg->capacity, &s->refresh_kopts,
                                 s->bootstrap};
        mon = mon_monitor_create(&mo);
    }
    double next_refresh = clock_mono_ms(), next_sample = clock_mono_ms();
    for (;;) {
        double now = clock_mono_ms();
        if (now >= next_refresh) {
            struct model_cluster *c = NULL;
            struct error err = {0};
            int rc = 0;
            if (s->live) {
                rc = read_live(s, mon, &c, &err);
            } else if (s->snapshot) {
                c = s->snapshot;
                s->snapshot = NULL;
            }
            double took = clock_mono_ms() - now;
            if (c) {
                svc_publish(s, svc_gen_create(c, took));
                log_info("model generation published: %d brokers, %d partitions, %lld "
                         "replicas, read in %.0f ms", c->nbrokers, c->npartitions,
                         (long long)c->nreplicas, took);
            }
            pthread_mutex_lock(&s->lock);
            if (rc < 0 && s->stopping) {
                log_info("model refresh cancelled: the service stops (%s)", err.msg);
            } else if (rc < 0) {
                s->refresh_failed++;
                log_error("model refresh failed: %s", err.msg);
            } else if (c) {
                s->refresh_ok++;
            }
            svc_changed(s); /* planners: a new generation */
            pthread_mutex_unlock(&s->lock);
            /* after a failure retry sooner, but not in a tight loop */
            double every = cfg->api.refresh_interval_ms;
            next_refresh = clock_mono_ms() + (rc < 0 && every > 5000 ? 5000 : every);
            if (!s->live)
                next_refresh = INFINITY;
        }
        if (mon && clock_mono_ms() >= next_sample) {
            pthread_mutex_lock(&s->lock);
            bool paused = s->sampling_paused;
            pthread_mutex_unlock(&s->lock);
            struct svc_gen *g = svc_current(s);
            if (g && !paused) {
                int8_t *res = xmalloc((size_t)g->cluster->nbrokers + 1);
                mon_monitor_sample(mon, g->cluster, res);
                svc_count_samples(s, g->cluster, res);
                free(res);
            }
            svc_gen_unref(g);
            next_sample = clock_mono_ms() + cfg->monitor.interval_ms;
        }
        double wake = mon ? fmin(next_refresh, next_sample) : next_refresh;
        pthread_mutex_lock(&s->lock);
        while (!s->stopping && !s->refresh_now) {
            double left = wake - clock_mono_ms();
            if (left <= 0)
                break;
            struct timespec ts;
            deadline_in(&ts, isinf(left) ? 3600000 : (int64_t)left + 1);
            pthread_cond_timedwait(&s->wake_refresher, &s->lock, &ts);
        }
        if (s->refresh_now && s->live) /* an execution ended: its placement, now */
            next_refresh = clock_mono_ms();
        s->refresh_now = false;
        bool stop = s->stopping;
        pthread_mutex_unlock(&s->lock);
        if (stop)
            break;
    }
    mon_monitor_destroy(mon);
    return NULL;
}

int svc_replace_snapshot(struct svc *s, struct model_cluster *c, struct error *err)
{
    if (s->live) {
        model_cluster_destroy(c);
        return error_set(err, -EINVAL, "this service reads a live cluster, not a snapshot");
    }
    log_info("model generation published from the re-read snapshot: %d brokers, %d "
             "partitions, %lld replicas", c->nbrokers, c->npartitions, (long long)c->nreplicas);
    svc_publish(s, svc_gen_create(c, 0));
    pthread_mutex_lock(&s->lock);
    s->refresh_ok++;
    svc_changed(s); /* planners: a new generation */
    pthread_mutex_unlock(&s->lock);
    return 0;
}

/* ---- proposals and planning ---- */

static enum search_mode opt_mode_of(enum svc_mode m)
{
    switch (m) {
    case SVC_MODE_ADD_BROKERS: return SEARCH_MODE_ADD_BROKERS;
    case SVC_MODE_REMOVE_BROKERS: return SEARCH_MODE_REMOVE_BROKERS;
    case SVC_MODE_DEMOTE: return SEARCH_MODE_DEMOTE;
    case SVC_MODE_FIX_OFFLINE: return SEARCH_MODE_FIX_OFFLINE;
    case SVC_MODE_REMOVE_DISKS: return SEARCH_MODE_REMOVE_DISKS;
    default: return SEARCH_MODE_FULL;
    }
}

static void proposal_free(struct svc_proposal *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->nchanged; i++)
        free(p->changed[i].topic);
    free(p->changed);
    free(p->reassignment);
    free(p->mode);
    free(p);
}

/* Stores p (s->lock held), dropping the oldest beyond SVC_MAX_PROPOSALS. */
static void proposal_store(struct svc *s, struct svc_proposal *p)
{
    if (s->nproposals == SVC_MAX_PROPOSALS) {
        proposal_free(s->proposals[0]);
        memmove(&s->proposals[0], &s->proposals[1],
                sizeof(s->proposals[0]) * (SVC_MAX_PROPOSALS - 1));
        s->nproposals--;
    }
    s->proposals[s->nproposals++] = p;
}

static struct svc_proposal *proposal_find(struct svc *s, const char *id)
{
    for (int i = 0; i < s->nproposals; i++)
        if (strcmp(s->proposals[i]->id, id) == 0)
            return s->proposals[i];
    return NULL;
}

struct plan_out {
    int ngoals;                   /* time per goal */
    const char *goal_names[OPT_MAX_GOALS];
    double goal_ms[OPT_MAX_GOALS];
    struct svc_proposal *proposal;
    char *result;         /* verbose optimization result with proposalId etc. */
    char *brief;          /* the same without proposals and loadBeforeOptimization */
    char *error;          /* or this, with http */
    int http;
    double ms;
};

/* Plans req on generation g (no lock held). */
static void plan(struct svc *s, struct svc_gen *g, const struct svc_request *req,
                 struct plan_out *out)
{
    const struct config *cfg = s->cfg;
    const struct model_cluster *c = g->cluster;
    memset(out, 0, sizeof(*out));
    struct opt_request oreq;
    opt_request_init(&oreq);
    oreq.mode = opt_mode_of(req->mode);
    oreq.brokers = req->brokers;
    oreq.nbrokers = req->nbrokers;
    struct opt_disk_list disks = {0};
    if (req->disks) {
        struct error derr = {0};
        if (opt_disk_list_parse(req->disks, &disks, &derr) < 0) { /* svc_submit checked it */
            out->error = xstrdup(derr.msg);
            out->http = 400;
            return;
        }
        oreq.disks = disks.refs;
        oreq.ndisks = disks.n;
    }
    if (req->ngoals) {
        oreq.goals = (const char *const *)req->goals;
        oreq.ngoals = req->ngoals;
    } else if (cfg->ngoals && req->mode != SVC_MODE_REMOVE_DISKS) {
        /* remove-disks runs the intra-broker disk goals whatever the configuration lists */
        oreq.goals = (const char *const *)cfg->goals;
        oreq.ngoals = cfg->ngoals;
    }
    oreq.skip_hard_goal_check = req->skip_hard_goal_check;
    oreq.excluded_topics = req->excluded_topics ? req->excluded_topics : cfg->excluded_topics;
    oreq.min_topic_leaders_topics = cfg->min_topic_leaders_topics;
    oreq.th = s->th;
    struct opt_result *res = NULL;
    struct error err = {0};
    double t0 = clock_mono_ms();
    int rc;
    if (req->mode == SVC_MODE_REPLICATION_FACTOR) {
        struct opt_rf_request rf = {req->rf_topics, req->rf, req->skip_rack_check};
        rc = opt_plan_rf(c, &rf, &res, &err);
    } else {
        rc = opt_plan(c, &oreq, &res, &err);
    }
    opt_disk_list_finish(&disks);
    out->ms = clock_mono_ms() - t0;
    if (rc < 0) {
        out->error = xstrdup(err.msg);
        /* a replication-factor change the cluster cannot take is Cruise Control's 500 */
        out->http = rc == -EINVAL && req->mode != SVC_MODE_REPLICATION_FACTOR ? 400 : 500;
        return;
    }
    out->ngoals = res->ngoals;
    for (int32_t i = 0; i < res->ngoals; i++) {
        out->goal_names[i] = res->goals[i].name;
        out->goal_ms[i] = res->goals[i].time_ms;
    }
    struct svc_proposal *p = xcalloc(1, sizeof(*p));
    svc_new_id(p->id);
    p->gen = g->id;
    p->placement = g->placement;
    p->created_ms = clock_wall_ms();
    p->mode = xstrdup(svc_mode_names[req->mode]);
    p->reassignment = opt_report_reassignment_json(c, res);
    p->moves = res->num_replica_moves;
    p->leader_moves = res->num_leader_moves;
    p->bytes = res->data_to_move;
    p->changed = xcalloc((size_t)res->nproposals + 1, sizeof(*p->changed));
    for (int32_t i = 0; i < res->nproposals; i++) {
        int32_t pi = res->proposals[i].partition;
        const struct model_partition *part = &c->partitions[pi];
        struct svc_changed *ch = &p->changed[p->nchanged++];
        ch->topic = xstrdup(c->topics[part->topic].name);
        ch->partition = part->id;
        ch->n = part->rf;
        const struct model_replica *r = model_replicas_of(c, pi);
        for (int k = 0; k < part->rf; k++)
            ch->before[k] = c->brokers[r[k].broker].id;
    }
    struct opt_report_opts ro = {true, c->load_measured ? c->load_windows : 0,
                                 c->load_measured ? c->load_monitored_pct : 100.0, &oreq.th};
    cJSON *j = opt_report_optimization_result(c, res, &ro);
    cJSON_AddStringToObject(j, "proposalId", p->id);
    cJSON_AddNumberToObject(j, "modelGeneration", (double)g->id);
    cJSON_AddNumberToObject(j, "modelCreatedMs", (double)g->created_ms);
    cJSON_AddNumberToObject(j, "planTimeMs", out->ms);
    char *t = cJSON_PrintUnformatted(j);
    out->result = xstrdup(t);
    cJSON_free(t);
    cJSON_DeleteItemFromObjectCaseSensitive(j, "proposals");
    cJSON_DeleteItemFromObjectCaseSensitive(j, "loadBeforeOptimization");
    t = cJSON_PrintUnformatted(j);
    out->brief = xstrdup(t);
    cJSON_free(t);
    cJSON_Delete(j);
    out->proposal = p;
    opt_result_destroy(res);
}

/* Keeps the plan's times for /metrics (s->lock held). */
static void note_plan(struct svc *s, const struct plan_out *out)
{
    s->last_plan_ms = out->ms;
    if (out->error)
        return;
    s->last_ngoals = out->ngoals;
    memcpy(s->last_goal_names, out->goal_names, sizeof(out->goal_names));
    memcpy(s->last_goal_ms, out->goal_ms, sizeof(out->goal_ms));
}

static bool is_default_request(const struct svc_request *r)
{
    return r->mode == SVC_MODE_FULL && r->ngoals == 0 && !r->excluded_topics &&
           !r->skip_hard_goal_check && !r->proposal_id;
}

/* Finishes a planned task (s->lock held): a dry run ends with the proposal, else the
 * execution is queued. Takes out's strings. */
static void finish_planned(struct svc *s, struct svc_task *t, struct plan_out *out)
{
    if (out->error) {
        svc_task_end(s, t, SVC_TASK_COMPLETED_WITH_ERROR, svc_error_text(out->error), out->http);
        free(out->error);
        return;
    }
    proposal_store(s, out->proposal);
    free(t->proposal_id);
    t->proposal_id = xstrdup(out->proposal->id);
    char *result = t->req.verbose ? out->result : out->brief;
    free(t->req.verbose ? out->brief : out->result);
    if (t->req.dryrun) {
        svc_task_step(t, "Planning", "proposal ready", 100);
        svc_task_end(s, t, SVC_TASK_COMPLETED, result, 200);
        return;
    }
    struct error err = {0};
    struct svc_request req = t->req;
    int rc = svc_exec_queue(s, t, out->proposal->reassignment, out->proposal->placement, &req,
                            &err);
    free(t->result);
    t->result = result; /* the proposal it executes, until the execution's report */
    free(t->planned);
    t->planned = xstrdup(result);
    if (rc < 0)
        svc_task_end(s, t, SVC_TASK_COMPLETED_WITH_ERROR, svc_error_text(err.msg),
                     rc == -EEXIST ? 409 : 400);
}

/* A task replacing the running execution (stop_ongoing) waits until it has ended and a model
 * generation read after its end is current (s->lock held). */
static bool waits_for_stop(struct svc *s, const struct svc_task *t)
{
    if (!t->req.stop_ongoing || t->req.dryrun)
        return false;
    if (s->executing || s->job)
        return true;
    struct svc_gen *g = svc_current(s);
    bool stale = !g || (double)g->created_ms - g->read_ms < (double)s->exec_ended_ms;
    svc_gen_unref(g);
    return stale;
}

static void *planner_main(void *arg)
{
    struct svc *s = arg;
    pthread_mutex_lock(&s->lock);
    while (!s->stopping) {
        struct svc_task *t = NULL;
        for (size_t i = 0; i < s->ntasks && !t; i++)
            if (s->tasks[i]->queued && !waits_for_stop(s, s->tasks[i]))
                t = s->tasks[i];
        struct svc_gen *g = NULL;
        if (!t && !s->default_busy) {
            g = svc_current(s);
            if (g && g->id == s->default_gen) {
                svc_gen_unref(g);
                g = NULL;
            }
        }
        if (!t && !g) {
            pthread_cond_wait(&s->changed, &s->lock);
            continue;
        }
        if (t) {
            /* a task: plan it on the current generation */
            t->queued = false;
            svc_task_step(t, "Planning", "optimizing", 0);
            struct svc_request req = t->req; /* the task keeps owning it */
            pthread_mutex_unlock(&s->lock);
            g = svc_current(s);
            struct plan_out out;
            plan(s, g, &req, &out);
            svc_gen_unref(g);
            pthread_mutex_lock(&s->lock);
            note_plan(s, &out);
            finish_planned(s, t, &out);
            continue;
        }
        /* the default-goals proposal of a new generation */
        s->default_busy = true;
        pthread_mutex_unlock(&s->lock);
        struct svc_request req;
        svc_request_init(&req);
        struct plan_out out;
        plan(s, g, &req, &out);
        pthread_mutex_lock(&s->lock);
        s->default_busy = false;
        s->default_gen = g->id;
        note_plan(s, &out);
        free(s->default_result);
        free(s->default_brief);
        free(s->default_pid);
        s->default_result = s->default_brief = NULL;
        s->default_pid = NULL;
        if (out.error) {
            log_warn("default proposal of generation %llu: %s", (unsigned long long)g->id,
                     out.error);
            free(out.error);
        } else {
            s->default_result = out.result;
            s->default_brief = out.brief;
            s->default_pid = xstrdup(out.proposal->id);
            proposal_store(s, out.proposal);
            log_info("default proposal %s of generation %llu ready in %.0f ms: %lld moves",
                     s->default_pid, (unsigned long long)g->id, out.ms,
                     (long long)out.proposal->moves);
        }
        svc_changed(s);
        svc_gen_unref(g);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

/* ---- submission ---- */

static int count_active(const struct svc *s)
{
    int n = 0;
    for (size_t i = 0; i < s->ntasks; i++)
        n += s->tasks[i]->state == SVC_TASK_ACTIVE;
    return n;
}

/* Why proposal p no longer fits generation g: the first of its partitions whose replicas
 * differ, else the placement elsewhere. */
static void explain_change(const struct svc_proposal *p, const struct svc_gen *g,
                           struct error *err)
{
    const struct model_cluster *c = g->cluster;
    for (int i = 0; i < p->nchanged; i++) {
        const struct svc_changed *ch = &p->changed[i];
        int32_t pi = model_partition_find(c, ch->topic, ch->partition);
        bool same = pi >= 0 && c->partitions[pi].rf == ch->n;
        for (int k = 0; same && k < ch->n; k++)
            same = c->brokers[model_replicas_of(c, pi)[k].broker].id == ch->before[k];
        if (!same) {
            error_set(err, -EEXIST, "the cluster changed under proposal %s (made on model "
                      "generation %llu, now %llu): partition %s-%d %s; nothing was executed, "
                      "ask for a new proposal", p->id, (unsigned long long)p->gen,
                      (unsigned long long)g->id, ch->topic, ch->partition,
                      pi < 0 ? "is gone" : "has other replicas now");
            return;
        }
    }
    error_set(err, -EEXIST, "the cluster changed under proposal %s (made on model generation "
              "%llu, now %llu): replicas of partitions outside the proposal moved; nothing was "
              "executed, ask for a new proposal", p->id, (unsigned long long)p->gen,
              (unsigned long long)g->id);
}

int svc_submit(struct svc *s, struct svc_request *req, char **ret_task_id, int *ret_http,
               struct error *err)
{
    int rc = 0;
    struct svc_gen *g = svc_current(s);
    *ret_http = 400;
    if ((req->mode == SVC_MODE_REMOVE_DISKS) != (req->disks != NULL)) {
        rc = error_set(err, -EINVAL, req->disks ? "disks go with mode remove-disks, not %s"
                                                : "mode %s needs disks (\"ID:DIR,...\")",
                       svc_mode_names[req->mode]);
        goto out;
    }
    if ((req->mode == SVC_MODE_REPLICATION_FACTOR) != (req->rf_topics != NULL) ||
        (req->rf_topics && (req->rf < 1 || req->rf > MODEL_MAX_RF))) {
        rc = error_set(err, -EINVAL, req->rf_topics && req->mode == SVC_MODE_REPLICATION_FACTOR
                                         ? "replicationFactor must be 1..%d"
                                     : req->rf_topics
                                         ? "topics and replicationFactor go with mode "
                                           "replication-factor (at most %d)"
                                         : "mode replication-factor needs topics and "
                                           "replicationFactor (1..%d)",
                       MODEL_MAX_RF);
        goto out;
    }
    if (req->disks) {
        struct opt_disk_list dl;
        if ((rc = opt_disk_list_parse(req->disks, &dl, err)) < 0)
            goto out;
        opt_disk_list_finish(&dl);
    }
    if (!g) {
        *ret_http = 503;
        rc = error_set(err, -EAGAIN, "no cluster model yet: the first metadata and log-dir read "
                       "has not finished; retry shortly");
        goto out;
    }
    for (int i = 0; i < req->nbrokers; i++)
        if (model_broker_find(g->cluster, req->brokers[i]) < 0) {
            rc = error_set(err, -EINVAL, "broker %d does not exist in the cluster model "
                           "(generation %llu)", req->brokers[i], (unsigned long long)g->id);
            goto out;
        }
    bool needs = req->mode == SVC_MODE_ADD_BROKERS || req->mode == SVC_MODE_REMOVE_BROKERS ||
                 req->mode == SVC_MODE_DEMOTE;
    if (needs && !req->nbrokers) {
        rc = error_set(err, -EINVAL, "mode %s needs brokers", svc_mode_names[req->mode]);
        goto out;
    }
    if (!needs && req->nbrokers) {
        rc = error_set(err, -EINVAL, "brokers go with mode add-brokers, remove-brokers or "
                       "demote, not %s", svc_mode_names[req->mode]);
        goto out;
    }
    if (!req->dryrun && !s->live) {
        rc = error_set(err, -EINVAL, "this service runs on a snapshot (--snapshot): it plans "
                       "but does not execute (dryrun must stay true)");
        goto out;
    }
    pthread_mutex_lock(&s->lock);
    if (s->stopping) {
        pthread_mutex_unlock(&s->lock);
        *ret_http = 503;
        rc = error_set(err, -EAGAIN, "the service is stopping");
        goto out;
    }
    bool replace = !req->dryrun && req->stop_ongoing && (s->executing || s->job);
    if (replace && req->proposal_id) {
        *ret_http = 400;
        rc = error_set(err, -EINVAL, "stopOngoingExecution goes with a new plan, not with "
                       "proposalId (the proposal was made on the placement the running "
                       "execution is changing)");
        pthread_mutex_unlock(&s->lock);
        goto out;
    }
    if (!req->dryrun && !replace && (s->executing || s->job)) {
        *ret_http = 409;
        rc = error_set(err, -EEXIST, "Cannot start a new execution while there is an ongoing "
                       "execution (task %s).", s->exec_task);
        pthread_mutex_unlock(&s->lock);
        goto out;
    }
    /* a default dry run the cache answers needs no slot: it is over as it starts */
    bool cached = req->dryrun && is_default_request(req) && s->default_result &&
                  s->default_gen == g->id;
    if (!cached && count_active(s) >= s->cfg->api.max_active_tasks) {
        *ret_http = 429;
        rc = error_set(err, -EBUSY, "There are already %d active user tasks, which has reached "
                       "the servlet capacity (api.maxActiveTasks); retry when one has ended",
                       s->cfg->api.max_active_tasks);
        pthread_mutex_unlock(&s->lock);
        goto out;
    }
    struct svc_proposal *p = NULL;
    if (req->proposal_id) {
        p = proposal_find(s, req->proposal_id);
        if (!p) {
            *ret_http = 404;
            rc = error_set(err, -ENOENT, "proposal %s is not known (proposals are kept for the "
                           "newest %d; ask for a new one)", req->proposal_id, SVC_MAX_PROPOSALS);
        } else if (req->dryrun) {
            rc = error_set(err, -EINVAL, "proposalId executes a proposal: give dryrun=false");
        } else if (p->placement != g->placement) {
            *ret_http = 409;
            explain_change(p, g, err);
            rc = err->code;
        }
        if (rc < 0) {
            pthread_mutex_unlock(&s->lock);
            goto out;
        }
    }
    struct svc_task *t = svc_task_new(s, req->dryrun ? "rebalance" : "execution");
    t->request = request_text(req);
    t->user = xstrdup(req->user ? req->user : "-");
    t->client = xstrdup(req->client ? req->client : "-");
    t->reason = req->reason ? xstrdup(req->reason) : NULL;
    t->origin = req->origin ? xstrdup(req->origin) : NULL;
    if (p) {
        t->proposal_id = xstrdup(p->id);
        rc = svc_exec_queue(s, t, p->reassignment, p->placement, req, err);
        if (rc < 0)
            svc_task_end(s, t, SVC_TASK_COMPLETED_WITH_ERROR, svc_error_text(err->msg),
                         rc == -EEXIST ? 409 : 400);
        *ret_http = rc == -EEXIST ? 409 : 400;
    } else if (cached) {
        /* the proposal cache: the default proposal of this generation is ready */
        t->proposal_id = xstrdup(s->default_pid);
        svc_task_step(t, "Planning", "default proposal of the current generation (cached)", 100);
        svc_task_end(s, t, SVC_TASK_COMPLETED,
                     xstrdup(req->verbose ? s->default_result : s->default_brief),
                     200);
    } else {
        t->req = *req;
        svc_request_init(req);
        t->queued = true;
        svc_task_step(t, "Queued", replace ? "waiting for the ongoing execution to stop"
                                           : "waiting for a planner", 0);
        svc_changed(s);
    }
    if (rc == 0)
        *ret_task_id = xstrdup(t->id);
    pthread_mutex_unlock(&s->lock);
    if (rc == 0 && replace) {
        struct error e2 = {0};
        log_info("task %s: stopping the ongoing execution first (stop_ongoing_execution)",
                 *ret_task_id);
        if (svc_exec_ask_stop(s, &e2) < 0)
            log_error("cannot ask the execution to stop: %s", e2.msg);
    }
out:
    svc_gen_unref(g);
    svc_request_finish(req);
    return rc;
}

char *svc_proposal_reassignment(struct svc *s, const char *id, uint64_t *ret_placement)
{
    pthread_mutex_lock(&s->lock);
    const struct svc_proposal *p = proposal_find(s, id);
    char *out = p ? xstrdup(p->reassignment) : NULL;
    if (p)
        *ret_placement = p->placement;
    pthread_mutex_unlock(&s->lock);
    return out;
}

void svc_proposal_restore(struct svc *s, const char *id, const char *mode,
                          const char *reassignment, uint64_t placement)
{
    pthread_mutex_lock(&s->lock);
    if (!proposal_find(s, id)) {
        struct svc_proposal *p = xcalloc(1, sizeof(*p));
        snprintf(p->id, sizeof(p->id), "%s", id);
        p->placement = placement;
        p->created_ms = clock_wall_ms();
        p->mode = xstrdup(mode);
        p->reassignment = xstrdup(reassignment);
        proposal_store(s, p);
    }
    pthread_mutex_unlock(&s->lock);
}

/* Brings an executing task's last step up to date with the journal (s->lock held). */
static void exec_progress(struct svc *s, struct svc_task *t)
{
    if (t->state != SVC_TASK_IN_EXECUTION || strcmp(t->id, s->exec_task) != 0)
        return;
    cJSON *e = svc_exec_state(s);
    double done = cJSON_GetNumberValue(cJSON_GetObjectItem(e, "bytesDone"));
    double total = cJSON_GetNumberValue(cJSON_GetObjectItem(e, "bytesTotal"));
    double n = cJSON_GetNumberValue(cJSON_GetObjectItem(e, "numTotalMovements"));
    double f = cJSON_GetNumberValue(cJSON_GetObjectItem(e, "numFinishedMovements"));
    if (!isnan(total) && !isnan(n)) {
        char d[160];
        snprintf(d, sizeof(d), "%.0f of %.0f movements, %.1f of %.1f MB", isnan(f) ? 0 : f, n,
                 done / 1e6, total / 1e6);
        svc_task_step(t, "Execution", d, total > 0 ? 100.0 * done / total : 0);
    }
    cJSON_Delete(e);
}

cJSON *svc_task_wait(struct svc *s, const char *id, int timeout_ms, bool *ret_done)
{
    struct timespec ts;
    deadline_in(&ts, timeout_ms);
    pthread_mutex_lock(&s->lock);
    struct svc_task *t;
    for (;;) {
        t = svc_task_find(s, id);
        if (!t || t->state != SVC_TASK_ACTIVE || s->stopping)
            break;
        if (pthread_cond_timedwait(&s->changed, &s->lock, &ts) == ETIMEDOUT) {
            t = svc_task_find(s, id);
            break;
        }
    }
    cJSON *j = NULL;
    if (t) {
        exec_progress(s, t);
        bool done = t->state == SVC_TASK_COMPLETED || t->state == SVC_TASK_COMPLETED_WITH_ERROR;
        j = svc_task_to_json(t, done);
        *ret_done = done;
    }
    pthread_mutex_unlock(&s->lock);
    return j;
}

void svc_wait_change(struct svc *s, uint64_t *epoch, int timeout_ms)
{
    struct timespec ts;
    deadline_in(&ts, timeout_ms);
    pthread_mutex_lock(&s->lock);
    /* stopping does not end the wait: the broadcast that announced it bumped the epoch once,
     * and a caller that keeps calling while stopping must not spin */
    while (s->epoch == *epoch)
        if (pthread_cond_timedwait(&s->changed, &s->lock, &ts) == ETIMEDOUT)
            break;
    *epoch = s->epoch;
    pthread_mutex_unlock(&s->lock);
}

void svc_poke(struct svc *s)
{
    pthread_mutex_lock(&s->lock);
    svc_changed(s);
    pthread_mutex_unlock(&s->lock);
}

bool svc_task_pending(struct svc *s, const char *id)
{
    pthread_mutex_lock(&s->lock);
    struct svc_task *t = svc_task_find(s, id);
    bool pending = t && t->state == SVC_TASK_ACTIVE && !s->stopping;
    pthread_mutex_unlock(&s->lock);
    return pending;
}

cJSON *svc_task_json(struct svc *s, const char *id, bool with_result)
{
    pthread_mutex_lock(&s->lock);
    struct svc_task *t = svc_task_find(s, id);
    cJSON *j = NULL;
    if (t) {
        exec_progress(s, t);
        j = svc_task_to_json(t, with_result);
    }
    pthread_mutex_unlock(&s->lock);
    return j;
}

cJSON *svc_tasks_json(struct svc *s, int limit)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "version", 1);
    cJSON *a = cJSON_AddArrayToObject(j, "tasks");
    pthread_mutex_lock(&s->lock);
    svc_tasks_prune(s);
    cJSON_AddNumberToObject(j, "total", (double)s->ntasks);
    for (size_t i = s->ntasks; i-- > 0 && limit-- > 0;) {
        exec_progress(s, s->tasks[i]);
        cJSON_AddItemToArray(a, svc_task_to_json(s->tasks[i], false));
    }
    pthread_mutex_unlock(&s->lock);
    return j;
}

cJSON *svc_proposals_json(struct svc *s)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "version", 1);
    pthread_mutex_lock(&s->lock);
    if (s->default_pid)
        cJSON_AddStringToObject(j, "defaultProposalId", s->default_pid);
    cJSON *a = cJSON_AddArrayToObject(j, "proposals");
    for (int i = s->nproposals; i-- > 0;) {
        const struct svc_proposal *p = s->proposals[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", p->id);
        cJSON_AddStringToObject(o, "mode", p->mode);
        cJSON_AddNumberToObject(o, "modelGeneration", (double)p->gen);
        cJSON_AddNumberToObject(o, "createdMs", (double)p->created_ms);
        cJSON_AddNumberToObject(o, "numReplicaMovements", (double)p->moves);
        cJSON_AddNumberToObject(o, "numLeaderMovements", (double)p->leader_moves);
        cJSON_AddNumberToObject(o, "dataToMoveMB", (double)p->bytes / 1048576.0);
        cJSON_AddItemToArray(a, o);
    }
    pthread_mutex_unlock(&s->lock);
    return j;
}

cJSON *svc_default_proposal(struct svc *s)
{
    struct svc_gen *g = svc_current(s);
    pthread_mutex_lock(&s->lock);
    char *text = g && s->default_result && s->default_gen == g->id
                     ? xstrdup(s->default_result)
                     : NULL;
    pthread_mutex_unlock(&s->lock);
    svc_gen_unref(g);
    cJSON *j = text ? cJSON_Parse(text) : NULL;
    free(text);
    return j;
}

static const char *sampler_name(enum mon_sampler s)
{
    switch (s) {
    case MON_SAMPLER_JMX_EXPORTER: return "jmxExporter";
    case MON_SAMPLER_PROMETHEUS: return "prometheus";
    case MON_SAMPLER_CC_METRICS: return "cruiseControlMetrics";
    default: return "none";
    }
}

cJSON *svc_state_json(struct svc *s)
{
    struct svc_gen *g = svc_current(s);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "version", 1);
    cJSON *m = cJSON_AddObjectToObject(j, "model");
    cJSON_AddStringToObject(m, "source", s->live ? "kafka" : "snapshot");
    cJSON_AddBoolToObject(m, "ready", g != NULL);
    if (g) {
        const struct model_cluster *c = g->cluster;
        cJSON_AddNumberToObject(m, "generation", (double)g->id);
        cJSON_AddNumberToObject(m, "createdMs", (double)g->created_ms);
        cJSON_AddNumberToObject(m, "ageMs", (double)(clock_wall_ms() - g->created_ms));
        cJSON_AddNumberToObject(m, "readMs", g->read_ms);
        cJSON_AddNumberToObject(m, "brokers", c->nbrokers);
        cJSON_AddNumberToObject(m, "topics", c->ntopics);
        cJSON_AddNumberToObject(m, "partitions", c->npartitions);
        cJSON_AddNumberToObject(m, "replicas", (double)c->nreplicas);
    }
    cJSON *mon = cJSON_AddObjectToObject(j, "monitor");
    pthread_mutex_lock(&s->lock);
    bool sampling = s->live && s->cfg->monitor.sampler != MON_SAMPLER_NONE;
    cJSON_AddStringToObject(mon, "state", !sampling ? "NOT_CONFIGURED"
                                          : s->sampling_paused ? "PAUSED" : "RUNNING");
    cJSON_AddStringToObject(mon, "sampler", sampler_name(s->cfg->monitor.sampler));
    if (g) {
        const struct model_cluster *c = g->cluster;
        cJSON_AddNumberToObject(mon, "numValidWindows", c->load_measured ? c->load_windows : 0);
        cJSON_AddNumberToObject(mon, "monitoredPartitionsPercentage",
                                c->load_measured ? c->load_monitored_pct : 0);
        cJSON_AddBoolToObject(mon, "loadMeasured", c->load_measured);
    }
    cJSON_AddNumberToObject(mon, "refreshOk", (double)s->refresh_ok);
    cJSON_AddNumberToObject(mon, "refreshFailed", (double)s->refresh_failed);
    cJSON_AddItemToObject(j, "executor", svc_exec_state(s));
    cJSON *a = cJSON_AddObjectToObject(j, "analyzer");
    bool ready = g && s->default_result && s->default_gen == g->id;
    cJSON_AddBoolToObject(a, "isProposalReady", ready);
    if (ready)
        cJSON_AddStringToObject(a, "defaultProposalId", s->default_pid);
    cJSON_AddNumberToObject(a, "lastPlanMs", s->last_plan_ms);
    cJSON_AddNumberToObject(a, "activeTasks", count_active(s));
    cJSON_AddNumberToObject(a, "maxActiveTasks", s->cfg->api.max_active_tasks);
    pthread_mutex_unlock(&s->lock);
    svc_gen_unref(g);
    return j;
}

void svc_add_load_backing(cJSON *j, const struct model_cluster *c)
{
    cJSON_AddNumberToObject(j, "recentWindows", c->load_measured ? c->load_windows : 0);
    cJSON_AddNumberToObject(j, "monitoredPartitionsPercentage",
                            c->load_measured ? c->load_monitored_pct : 0);
    cJSON_AddBoolToObject(j, "loadMeasured", c->load_measured);
}

struct part_key {
    double v;
    int32_t p;
};

static int by_load_desc(const void *a, const void *b)
{
    const struct part_key *x = a, *y = b;
    return x->v > y->v ? -1 : x->v < y->v ? 1 : (x->p > y->p) - (x->p < y->p);
}

cJSON *svc_partition_load_json(struct svc *s, enum model_res res, int limit)
{
    struct svc_gen *g = svc_current(s);
    if (!g)
        return NULL;
    const struct model_cluster *c = g->cluster;
    struct part_key *k = xcalloc((size_t)c->npartitions + 1, sizeof(*k));
    for (int32_t p = 0; p < c->npartitions; p++) {
        const struct model_partition *part = &c->partitions[p];
        double v = 0;
        if (res == RES_DISK) {
            const struct model_replica *r = model_replicas_of(c, p);
            for (int i = 0; i < part->rf; i++)
                v = fmax(v, (double)r[i].size);
        } else if (res == RES_NW_IN) {
            v = part->nw_in;
        } else if (res == RES_NW_OUT) {
            v = part->nw_out;
        } else {
            v = part->cpu_leader;
        }
        k[p] = (struct part_key){v, p};
    }
    qsort(k, (size_t)c->npartitions, sizeof(*k), by_load_desc);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "version", 1);
    cJSON_AddNumberToObject(j, "modelGeneration", (double)g->id);
    cJSON_AddStringToObject(j, "resource", model_res_names[res]);
    svc_add_load_backing(j, c);
    cJSON *a = cJSON_AddArrayToObject(j, "records");
    for (int32_t i = 0; i < c->npartitions && i < limit; i++) {
        int32_t p = k[i].p;
        const struct model_partition *part = &c->partitions[p];
        const struct model_replica *r = model_replicas_of(c, p);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "topic", c->topics[part->topic].name);
        cJSON_AddNumberToObject(o, "partition", part->id);
        int32_t lb = model_partition_leader(c, p);
        cJSON_AddNumberToObject(o, "leader", lb >= 0 ? c->brokers[lb].id : -1);
        cJSON *f = cJSON_AddArrayToObject(o, "replicas");
        double disk = 0;
        for (int x = 0; x < part->rf; x++) {
            cJSON_AddItemToArray(f, cJSON_CreateNumber(c->brokers[r[x].broker].id));
            disk = fmax(disk, (double)r[x].size);
        }
        cJSON_AddNumberToObject(o, "disk", disk / 1048576.0);
        cJSON_AddNumberToObject(o, "networkInbound", part->nw_in / 1024.0);
        cJSON_AddNumberToObject(o, "networkOutbound", part->nw_out / 1024.0);
        cJSON_AddNumberToObject(o, "cpu", part->cpu_leader);
        cJSON_AddItemToArray(a, o);
    }
    free(k);
    svc_gen_unref(g);
    return j;
}

void svc_sampling_pause(struct svc *s, bool pause)
{
    pthread_mutex_lock(&s->lock);
    s->sampling_paused = pause;
    pthread_mutex_unlock(&s->lock);
}

void svc_stats(struct svc *s, struct svc_stats *r)
{
    memset(r, 0, sizeof(*r));
    struct svc_gen *g = svc_current(s);
    if (g) {
        r->generation = g->id;
        r->model_age_s = (double)(clock_wall_ms() - g->created_ms) / 1000.0;
    }
    svc_gen_unref(g);
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->ntasks; i++)
        r->tasks[s->tasks[i]->state]++;
    r->executing = s->executing;
    cJSON *e = svc_exec_state(s);
    double d = cJSON_GetNumberValue(cJSON_GetObjectItem(e, "bytesDone"));
    double t = cJSON_GetNumberValue(cJSON_GetObjectItem(e, "bytesTotal"));
    double th = cJSON_GetNumberValue(cJSON_GetObjectItem(e, "throttle"));
    r->exec_bytes_done = isnan(d) ? 0 : (int64_t)d;
    r->exec_bytes_total = isnan(t) ? 0 : (int64_t)t;
    r->exec_throttle = isnan(th) || !s->executing ? 0 : th;
    cJSON_Delete(e);
    r->refresh_ok = s->refresh_ok;
    r->refresh_failed = s->refresh_failed;
    r->last_plan_ms = s->last_plan_ms;
    r->ngoals = s->last_ngoals < 64 ? s->last_ngoals : 64;
    for (int i = 0; i < r->ngoals; i++) {
        r->goal_names[i] = s->last_goal_names[i];
        r->goal_ms[i] = s->last_goal_ms[i];
    }
    pthread_mutex_unlock(&s->lock);
}

bool svc_ready(struct svc *s)
{
    struct svc_gen *g = svc_current(s);
    svc_gen_unref(g);
    return g != NULL;
}

const struct config *svc_config(const struct svc *s)
{
    return s->cfg;
}

const struct search_thresholds *svc_thresholds(const struct svc *s)
{
    return &s->th;
}

const char *svc_state_dir(const struct svc *s)
{
    return s->state_dir;
}

/* ---- lifecycle ---- */

int svc_start(struct svc *s, struct error *err)
{
    int rc = pthread_create(&s->persister, NULL, svc_persister_main, s);
    if (rc)
        return error_set(err, -rc, "cannot start the persister thread: %s", strerror(rc));
    s->persister_running = true;
    rc = pthread_create(&s->refresher, NULL, refresher_main, s);
    if (rc)
        return error_set(err, -rc, "cannot start the refresher thread: %s", strerror(rc));
    s->started = true;
    s->nplanners = s->cfg->api.planners;
    s->planners = xcalloc((size_t)s->nplanners, sizeof(pthread_t));
    for (int i = 0; i < s->nplanners; i++)
        if ((rc = pthread_create(&s->planners[i], NULL, planner_main, s)) != 0) {
            s->nplanners = i;
            return error_set(err, -rc, "cannot start a planner thread: %s", strerror(rc));
        }
    return svc_exec_start_thread(s, err);
}

void svc_shutdown(struct svc *s, bool *ret_execution_left)
{
    pthread_mutex_lock(&s->lock);
    s->stopping = true;
    for (size_t i = 0; i < s->ntasks; i++)
        if (s->tasks[i]->queued)
            svc_task_end(s, s->tasks[i], SVC_TASK_COMPLETED_WITH_ERROR,
                         svc_error_text("the service stopped before this task was planned"), 503);
    svc_changed(s);
    pthread_cond_broadcast(&s->wake_refresher);
    pthread_cond_broadcast(&s->wake_persister);
    atomic_store(&s->cancel_refresh, true); /* a model read in progress ends now */
    bool executing = s->executing;
    pthread_mutex_unlock(&s->lock);
    if (s->started) {
        pthread_join(s->refresher, NULL);
        for (int i = 0; i < s->nplanners; i++)
            pthread_join(s->planners[i], NULL);
        if (!executing && s->live)
            pthread_join(s->executor, NULL);
    }
    if (s->persister_running) {
        /* it drains the queue before it returns; later writes are made at once */
        pthread_join(s->persister, NULL);
        pthread_mutex_lock(&s->lock);
        s->persister_running = false;
        struct svc_write *w = s->writes;
        s->writes = NULL;
        s->writes_tail = &s->writes;
        pthread_mutex_unlock(&s->lock);
        svc_writes_flush(w);
    }
    s->started = executing && s->live; /* svc_destroy must not free what the executor uses */
    *ret_execution_left = executing;
    if (executing)
        log_info("an execution is in flight (task %s): left to the journal in %s; the next "
                 "start adopts it", s->exec_task, s->state_dir);
}

void svc_count_samples(struct svc *s, const struct model_cluster *c, const int8_t *result)
{
    pthread_mutex_lock(&s->lock);
    for (int32_t b = 0; b < c->nbrokers; b++) {
        if (result[b] != MON_SAMPLE_OK && result[b] != MON_SAMPLE_FAILED)
            continue;
        int32_t id = c->brokers[b].id;
        size_t i = 0;
        while (i < s->nsamples && s->samples[i].broker_id < id)
            i++;
        if (i == s->nsamples || s->samples[i].broker_id != id) {
            xgrow((void **)&s->samples, &s->cap_samples, s->nsamples + 1, sizeof(*s->samples));
            memmove(&s->samples[i + 1], &s->samples[i],
                    (s->nsamples - i) * sizeof(*s->samples));
            s->samples[i] = (struct svc_sample_count){id, 0, 0};
            s->nsamples++;
        }
        if (result[b] == MON_SAMPLE_OK)
            s->samples[i].ok++;
        else
            s->samples[i].failed++;
    }
    pthread_mutex_unlock(&s->lock);
}

size_t svc_sample_counts(struct svc *s, struct svc_sample_count **ret)
{
    pthread_mutex_lock(&s->lock);
    size_t n = s->nsamples;
    *ret = NULL;
    if (n) {
        *ret = xmalloc(n * sizeof(**ret));
        memcpy(*ret, s->samples, n * sizeof(**ret));
    }
    pthread_mutex_unlock(&s->lock);
    return n;
}

void svc_destroy(struct svc *s)
{
    if (!s)
        return;
    free(s->samples);
    for (size_t i = 0; i < s->ntasks; i++)
        svc_task_free(s->tasks[i]);
    free(s->tasks);
    for (int i = 0; i < s->nproposals; i++)
        proposal_free(s->proposals[i]);
    free(s->default_result);
    free(s->default_brief);
    free(s->default_pid);
    svc_exec_free_job(s->job);
    cJSON_Delete(s->journal_state);
    svc_gen_unref(s->current);
    model_cluster_destroy(s->snapshot);
    free(s->planners);
    if (s->lock_fd >= 0)
        close(s->lock_fd); /* releases the flock */
    free(s->state_dir);
    pthread_mutex_destroy(&s->gen_lock);
    pthread_mutex_destroy(&s->lock);
    exec_control_finish(&s->control);
    pthread_cond_destroy(&s->changed);
    pthread_cond_destroy(&s->wake_refresher);
    pthread_cond_destroy(&s->wake_persister);
    svc_writes_flush(s->writes);
    free(s);
}
