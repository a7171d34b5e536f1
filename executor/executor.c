/* The executor's entry points (run, resume, stop), the state-dir lock, the drive through the
 * phases, progress and the report; see executor.h. The parts are in tasks.c, throttle.c,
 * phases.c and resume.c (executor/internal.h); the journal's format in journal.c. */
#include "executor/executor.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/clock.h"
#include "common/log.h"
#include "executor/internal.h"

/* Set from signal handlers only; read at each poll. */
static volatile sig_atomic_t stop_flag;

void exec_request_stop(void)
{
    stop_flag = 1;
}

double exec_now(struct exec *x)
{
    return x->cl ? x->cl->ops->now(x->cl->ctx) : clock_wall_s();
}

void exec_sleep(struct exec *x, double s)
{
    if (x->cl) {
        x->cl->ops->sleep(x->cl->ctx, s);
        return;
    }
    struct timespec ts = {(time_t)s, (long)((s - floor(s)) * 1e9)};
    nanosleep(&ts, NULL);
}

int exec_connect_cluster(struct exec *x, struct error *err)
{
    if (x->cl)
        return 0;
    if (x->conn->cluster) {
        x->cl = x->conn->cluster;
        return 0;
    }
    int rc = exec_cluster_kafka_open(x->conn->bootstrap, x->conn->kopts, &x->cl, err);
    x->own_cl = rc == 0;
    return rc;
}

void exec_options_default(struct exec_options *o)
{
    memset(o, 0, sizeof(*o));
    o->per_broker = 5;
    o->intra_per_broker = 2;
    o->leader_batch = 1000;
    o->cluster_cap = 1250;
    o->poll_s = 1.0;
    o->task_timeout_floor_ms = EXEC_DEFAULT_TIMEOUT_FLOOR_MS;
}

double exec_task_timeout_s(const struct exec_options *o, const struct exec_task *t)
{
    if (o->task_timeout_ms > 0)
        return (double)o->task_timeout_ms / 1000.0;
    bool intra = t->type == EXEC_INTRA;
    double rate = intra ? o->log_dir_throttle : o->throttle;
    int share = intra ? o->intra_per_broker : o->per_broker;
    if (rate <= 0)
        rate = EXEC_UNTHROTTLED_RATE;
    double expect = (double)t->size * (share > 0 ? share : 1) / rate;
    double floor_s = (double)(o->task_timeout_floor_ms > 0 ? o->task_timeout_floor_ms
                                                           : EXEC_DEFAULT_TIMEOUT_FLOOR_MS) / 1000.0;
    return EXEC_TIMEOUT_FACTOR * expect > floor_s ? EXEC_TIMEOUT_FACTOR * expect : floor_s;
}

/* Kafka keeps a throttle as a long: at least 1 B/s (0 would stop replication) and at most
 * 2^63 - 1. */
#define MAX_THROTTLE 9.2e18

int exec_rate_check(const char *what, double v, struct error *err)
{
    if (v == 0 || (v >= 1 && v <= MAX_THROTTLE))
        return 0;
    return error_set(err, -EINVAL, "%s %g B/s is not a rate Kafka can keep: give 0 (none) or "
                     "1 B/s to %.3g B/s", what, v, MAX_THROTTLE);
}

int exec_options_check(const struct exec_options *o, struct error *err)
{
    int rc = exec_rate_check("throttle", o->throttle, err);
    if (rc == 0)
        rc = exec_rate_check("log-dir throttle", o->log_dir_throttle, err);
    if (rc == 0)
        rc = exec_strategies_check(o->strategies, err);
    if (rc == 0 && o->task_timeout_floor_ms != 0 && o->task_timeout_floor_ms < 1000)
        rc = error_set(err, -EINVAL, "task timeout floor %lld ms: must be at least 1000 ms "
                       "(0: the default)", (long long)o->task_timeout_floor_ms);
    return rc;
}

void exec_save(struct exec *x, bool force)
{
    double t = exec_now(x);
    if (!force && t - x->last_save < 1.0)
        return;
    struct error err = {0};
    if (exec_journal_save(&x->j, &err) < 0)
        log_error("%s", err.msg);
    x->last_save = t;
}

void exec_fail_task(struct exec_task *t, const char *prefix, const char *detail)
{
    t->state = EXEC_FAILED;
    free(t->error);
    t->error = xasprintf("%s%s", prefix, detail);
    log_error("%s-%d: %s", t->topic, t->partition, t->error);
}

/* Called at each poll of the phases: also where admin changes are taken. */
bool exec_stop_requested(struct exec *x)
{
    exec_take_control(x);
    if (stop_flag)
        return true;
    char *path = xasprintf("%s/stop", x->j.dir);
    bool s = access(path, F_OK) == 0;
    free(path);
    return s;
}

/* ---- progress ---- */

double exec_eta_s(int64_t moved, int64_t left, double elapsed_s)
{
    if (left <= 0)
        return 0;
    if (moved <= 0 || elapsed_s < EXEC_ETA_MIN_S ||
        (double)moved < EXEC_ETA_MIN_FRACTION * (double)(moved + left))
        return -1;
    return elapsed_s * (double)left / (double)moved;
}

void exec_progress(struct exec *x, const char *phase, bool force)
{
    if (!x->o->progress)
        return;
    double t = exec_now(x);
    if (!force && t - x->last_progress < (x->o->tty ? 0.2 : 5.0))
        return;
    x->last_progress = t;
    int done = 0, inflight = 0, pending = 0, failed = 0;
    int64_t bytes = 0, total = 0;
    for (int i = 0; i < x->j.ntasks; i++) {
        const struct exec_task *tk = &x->j.tasks[i];
        total += tk->bytes;
        if (tk->state == EXEC_DONE) {
            done++;
            bytes += tk->bytes;
        }
        inflight += tk->state == EXEC_INFLIGHT;
        pending += tk->state == EXEC_PENDING;
        failed += tk->state == EXEC_FAILED;
    }
    double el = t - x->t0;
    double rate = el > 0 ? (double)(bytes - x->bytes_done_at_start) / el : 0;
    char eta[32] = "?";
    double eta_s = exec_eta_s(bytes - x->bytes_done_at_start, total - bytes, el);
    if (eta_s >= 0)
        snprintf(eta, sizeof(eta), "%.0f s", eta_s);
    if (x->o->tty) {
        char bar[31];
        int fill = total > 0 ? (int)(30.0 * (double)bytes / (double)total) : 30 * (pending == 0);
        for (int i = 0; i < 30; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[30] = '\0';
        fprintf(x->o->progress, "\r%-10s [%s] %d/%d done, %d in flight, %.1f/%.1f MB, ETA %s   ",
                phase, bar, done, x->j.ntasks, inflight, (double)bytes / 1e6,
                (double)total / 1e6, eta);
    } else {
        fprintf(x->o->progress, "%s: %d/%d done, %d in flight, %d pending, %d failed, "
                "%.1f/%.1f MB, %.1f MB/s, ETA %s\n", phase, done, x->j.ntasks, inflight, pending,
                failed, (double)bytes / 1e6, (double)total / 1e6, rate / 1e6, eta);
    }
    fflush(x->o->progress);
}

/* ---- the state dir ---- */

/* Locks state_dir/lock (create: makes the dir when missing). The lock file is
 * only ever removed by its holder, so a lock is good only if the path still names the file
 * locked: checked after flock, retried otherwise. */
static int lock_dir(const char *dir, bool create, int *ret_fd, struct error *err)
{
    if (create && mkdir(dir, 0755) < 0 && errno != EEXIST)
        return error_set(err, -errno, "state dir %s: %s", dir, strerror(errno));
    char *path = xasprintf("%s/lock", dir);
    int rc = 0;
    for (int attempt = 0; attempt < 10; attempt++) {
        int fd = open(path, O_RDWR | O_CLOEXEC | O_CREAT, 0644);
        if (fd < 0) {
            rc = error_set(err, -errno, "state dir %s: lock: %s", dir, strerror(errno));
            break;
        }
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
            close(fd);
            rc = error_set(err, -EBUSY, "state dir %s: another ballast executes from it", dir);
            break;
        }
        struct stat a, b;
        if (fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino &&
            a.st_dev == b.st_dev) {
            *ret_fd = fd;
            free(path);
            return 0;
        }
        close(fd); /* removed by its holder meanwhile: take the new one */
        rc = error_set(err, -EBUSY, "state dir %s: the lock keeps changing", dir);
    }
    free(path);
    return rc;
}

/* Does the state dir hold a journal? Creates nothing. */
static bool has_journal(const char *dir)
{
    char *path = xasprintf("%s/execution.json", dir);
    bool yes = access(path, F_OK) == 0;
    free(path);
    return yes;
}

/* Undoes what a run that failed before its first journal left: the lock file, and the state
 * dir when the run made it and nothing else is in it. */
static void unlock_unused(struct exec *x, bool made_dir)
{
    if (x->lock_fd < 0)
        return;
    char *path = xasprintf("%s/lock", x->j.dir);
    unlink(path); /* while holding the lock: see lock_dir */
    free(path);
    close(x->lock_fd);
    x->lock_fd = -1;
    if (made_dir)
        rmdir(x->j.dir);
}

static void fill_report(struct exec *x, struct exec_report *rep)
{
    memset(rep, 0, sizeof(*rep));
    exec_index_brokers(x);
    double *in = xcalloc((size_t)x->nbids + 1, sizeof(double));
    double *out = xcalloc((size_t)x->nbids + 1, sizeof(double));
    for (int i = 0; i < x->j.ntasks; i++) {
        const struct exec_task *t = &x->j.tasks[i];
        rep->total++;
        rep->bytes_total += t->bytes;
        switch (t->state) {
        case EXEC_DONE:
            rep->done++;
            rep->bytes_done += t->bytes;
            break;
        case EXEC_FAILED: rep->failed++; break;
        case EXEC_SKIPPED: rep->skipped++; break;
        default: rep->pending++;
        }
        if (t->type != EXEC_INTER)
            continue;
        for (int k = 0; k < t->nto; k++)
            if (!model_id_in(t->from, t->nfrom, t->to[k]))
                in[exec_broker_index(x, t->to[k])] += (double)t->size;
        if (t->nfrom > 0)
            out[exec_broker_index(x, t->from[0])] += (double)t->bytes;
    }
    double worst = 0;
    for (int b = 0; b < x->nbids; b++) {
        worst = in[b] > worst ? in[b] : worst;
        worst = out[b] > worst ? out[b] : worst;
    }
    rep->bound_seconds = x->o->throttle > 0 ? worst / x->o->throttle : 0;
    rep->throttle = x->o->throttle;
    /* an execution this process did not drive (a stop of another's) counts from its start */
    double t0 = x->t0 > 0 ? x->t0 : x->j.started;
    rep->seconds = t0 > 0 ? exec_now(x) - t0 : 0;
    rep->stopped = x->stopping;
    rep->throttles_left = exec_count_throttles(x);
    free(in);
    free(out);
}

/* Runs the phases from wherever the journal stands. */
static int drive(struct exec *x, struct exec_report *rep, struct error *err)
{
    int rc = 0;
    x->t0 = exec_now(x);
    for (int i = 0; i < x->j.ntasks; i++)
        if (x->j.tasks[i].state == EXEC_DONE)
            x->bytes_done_at_start += x->j.tasks[i].bytes;
    if ((rc = exec_parse_strategies(x->o->strategies, x->strategies, &x->nstrategies, err)) < 0)
        return rc;
    exec_index_brokers(x);
    free(x->down_since);
    x->down_since = xcalloc((size_t)x->nbids + 1, sizeof(*x->down_since));
    exec_progress(x, "start", true);
    rc = exec_run_moves(x, EXEC_INTER, "moves", err);
    if (rc == 0 && !x->stopping)
        rc = exec_run_intra(x, err);
    if (rc == 0 && !x->stopping)
        rc = exec_run_leaders(x, err);
    if (x->stopping) {
        log_info("stop requested: cancelling in-flight moves and removing throttles");
        rc = exec_do_stop(x, err);
    } else if (rc == 0) {
        /* the end: every throttle of Ballast goes, retried while brokers come back */
        for (int attempt = 0; attempt < 30; attempt++) {
            if ((rc = exec_release_throttles(x, true, err)) == 0 || !kafka_retriable(rc))
                break;
            log_warn("%s (retrying)", err->msg);
            exec_sleep(x, 2.0);
        }
        if (rc == 0) {
            bool failed = false;
            for (int i = 0; i < x->j.ntasks; i++)
                failed |= x->j.tasks[i].state == EXEC_FAILED;
            x->j.status = failed ? EXEC_STATUS_FAILED : EXEC_STATUS_FINISHED;
        }
    }
    exec_save(x, true);
    if (x->o->progress) {
        exec_progress(x, x->stopping ? "stopped" : "end", true);
        if (x->o->tty)
            fputc('\n', x->o->progress);
    }
    fill_report(x, rep);
    char *stopfile = xasprintf("%s/stop", x->j.dir);
    unlink(stopfile);
    free(stopfile);
    return rc;
}

static void exec_finish(struct exec *x)
{
    free(x->ongoing);
    free(x->foreign);
    free(x->bids);
    free(x->inv);
    free(x->inv_off);
    free(x->down_since);
    for (int i = 0; i < 4; i++)
        free(x->by_strategy[i]);
    free(x->intra_index);
    free(x->inflight);
    free(x->holders);
    free(x->released[0].ids);
    free(x->released[1].ids);
    if (x->own_cl)
        exec_cluster_destroy(x->cl);
    exec_journal_finish(&x->j);
    if (x->lock_fd >= 0)
        close(x->lock_fd);
}

static bool planned(const struct exec *x, const struct kafka_ongoing *g)
{
    for (int i = 0; i < x->j.ntasks; i++)
        if (x->j.tasks[i].partition == g->partition && strcmp(x->j.tasks[i].topic, g->topic) == 0)
            return true;
    return false;
}

/* Other reassignments in progress: another tool's or another Ballast's (with its own state
 * dir, its own throttles). Running beside them mixes two executions' throttles and bytes, so
 * a new execution refuses unless told (allow_concurrent); --foreign cancel answers for the
 * plan's own partitions. */
static int check_concurrent(struct exec *x, struct error *err)
{
    int others = 0;
    const struct kafka_ongoing *first = NULL;
    for (int k = 0; k < x->nongoing; k++) {
        if (x->o->foreign == EXEC_FOREIGN_CANCEL && planned(x, &x->ongoing[k]))
            continue;
        first = first ? first : &x->ongoing[k];
        others++;
    }
    if (others == 0 || x->o->allow_concurrent)
        return 0;
    return error_set(err, -EBUSY, "%d reassignment(s) already in progress on the cluster (%s-%d "
                     "first), another tool's or another Ballast's: wait for them to end, or "
                     "run beside them with --allow-concurrent", others, first->topic,
                     first->partition);
}

/* Cancels the other tools' reassignments of the plan's partitions (--foreign cancel). */
static int cancel_foreign(struct exec *x, struct error *err)
{
    struct kafka_reassignment *r = xcalloc((size_t)x->nongoing + 1, sizeof(*r));
    int n = 0;
    for (int k = 0; k < x->nongoing; k++) {
        if (planned(x, &x->ongoing[k])) {
            r[n++] = (struct kafka_reassignment){x->ongoing[k].topic, x->ongoing[k].partition, NULL, 0};
            log_warn("cancelling another tool's reassignment of %s-%d (--foreign cancel)",
                     x->ongoing[k].topic, x->ongoing[k].partition);
        }
    }
    int rc = n ? x->cl->ops->reassign(x->cl->ctx, r, n, err) : 0;
    if (rc < 0 && kafka_error_is(err, KAFKA_ERR_NO_REASSIGNMENT_IN_PROGRESS))
        rc = 0; /* it ended meanwhile */
    free(r);
    return rc;
}

int exec_run(const struct exec_connect *conn, const char *state_dir,
             const struct exec_task *targets, int ntargets, const struct exec_options *o,
             struct exec_report *rep, struct error *err)
{
    struct exec x = {.live = *o, .conn = conn, .lock_fd = -1};
    x.o = &x.live;
    exec_journal_init(&x.j, state_dir);
    struct stat st;
    bool made_dir = stat(state_dir, &st) < 0;
    int rc = exec_options_check(o, err);
    if (rc == 0)
        rc = lock_dir(state_dir, true, &x.lock_fd, err);
    if (rc < 0)
        goto out;
    struct exec_journal old;
    exec_journal_init(&old, state_dir);
    int lr = exec_journal_load(&old, err);
    bool unfinished = lr == 0 && old.status == EXEC_STATUS_RUNNING;
    if (lr == 0)
        exec_journal_follow(&x.j, &old);
    exec_journal_finish(&old);
    if (lr < 0 && lr != -ENOENT) {
        rc = lr;
        goto out;
    }
    if (unfinished) {
        rc = error_set(err, -EBUSY, "state dir %s holds an unfinished execution: resume it "
                       "(--resume) or stop it (--stop) first", state_dir);
        goto out;
    }
    bool fresh = lr == -ENOENT;
    char *stopfile = xasprintf("%s/stop", state_dir);
    unlink(stopfile);
    free(stopfile);
    if ((rc = exec_connect_cluster(&x, err)) < 0)
        goto unlock;
    struct kafka_ongoing *ongoing = NULL;
    int nongoing = 0;
    if ((rc = exec_list_ongoing(&x, &ongoing, &nongoing, err)) < 0)
        goto unlock;
    rc = exec_build_tasks(&x, targets, ntargets, ongoing, nongoing, err);
    exec_set_ongoing(&x, ongoing, nongoing);
    if (rc < 0 || (rc = check_concurrent(&x, err)) < 0)
        goto unlock;
    if (o->foreign == EXEC_FOREIGN_CANCEL && (rc = cancel_foreign(&x, err)) < 0)
        goto unlock;
    x.j.status = EXEC_STATUS_RUNNING;
    x.j.started = exec_now(&x);
    x.j.opts = *o;
    x.j.opts.strategies = o->strategies ? xstrdup(o->strategies) : NULL;
    x.j.opts.progress = NULL;
    x.j.opts.control = NULL;
    if ((rc = exec_journal_save(&x.j, err)) < 0)
        goto out;
    rc = drive(&x, rep, err);
    goto out;
unlock:
    if (fresh)
        unlock_unused(&x, made_dir);
out:
    exec_finish(&x);
    return rc;
}

/* Locks the state dir of an existing execution and loads its journal; creates nothing. */
static int open_journal(struct exec *x, const char *state_dir, struct error *err)
{
    if (!has_journal(state_dir))
        return error_set(err, -ENOENT, "state dir %s holds no execution", state_dir);
    int rc = lock_dir(state_dir, false, &x->lock_fd, err);
    if (rc < 0)
        return rc;
    if ((rc = exec_journal_load(&x->j, err)) == -ENOENT)
        return error_set(err, -ENOENT, "state dir %s holds no execution", state_dir);
    return rc;
}

/* The journal's options, except where o sets one (see exec_resume). */
static void merge_options(struct exec_options *m, const struct exec_options *o)
{
    if (!o)
        return;
    if (o->throttle >= 0)
        m->throttle = o->throttle;
    if (o->log_dir_throttle >= 0)
        m->log_dir_throttle = o->log_dir_throttle;
    if (o->per_broker > 0)
        m->per_broker = o->per_broker;
    if (o->intra_per_broker > 0)
        m->intra_per_broker = o->intra_per_broker;
    if (o->leader_batch > 0)
        m->leader_batch = o->leader_batch;
    if (o->cluster_cap > 0)
        m->cluster_cap = o->cluster_cap;
    if (o->task_timeout_ms >= 0)
        m->task_timeout_ms = o->task_timeout_ms;
    if (o->task_timeout_floor_ms > 0)
        m->task_timeout_floor_ms = o->task_timeout_floor_ms;
    if (o->poll_s > 0)
        m->poll_s = o->poll_s;
    if (o->strategies)
        m->strategies = o->strategies;
    m->progress = o->progress;
    m->tty = o->tty;
    m->cancel_on_resume = o->cancel_on_resume;
    m->control = o->control;
}

/* A new throttle given to --resume applies to the adopted moves too. */
static void apply_new_rates(struct exec *x, struct exec_options *merged)
{
    char *strategies = merged->strategies ? xstrdup(merged->strategies) : NULL;
    free(x->j.opts.strategies); /* merged->strategies may point here */
    x->j.opts = *merged;
    x->j.opts.strategies = strategies;
    x->j.opts.progress = NULL;
    x->j.opts.control = NULL;
    merged->strategies = strategies;
    for (int logdir = 0; logdir < 2; logdir++) {
        struct exec_id_set *own = logdir ? &x->j.logdir_owned : &x->j.rate_owned;
        for (int k = 0; k < own->n; k++) {
            struct error e2 = {0};
            int r2 = 0;
            if ((logdir ? merged->log_dir_throttle : merged->throttle) > 0)
                r2 = exec_set_broker_rate(x, own->ids[k], logdir, &e2);
            if (r2 < 0)
                log_warn("broker %d keeps its old throttle for now: %s", own->ids[k], e2.msg);
        }
    }
    exec_save(x, true);
}

int exec_resume(const struct exec_connect *conn, const char *state_dir,
                const struct exec_options *o, struct exec_report *rep, struct error *err)
{
    struct exec x = {.conn = conn, .lock_fd = -1};
    exec_journal_init(&x.j, state_dir);
    struct exec_options merged;
    int rc = open_journal(&x, state_dir, err);
    if (rc < 0)
        goto out;
    if (x.j.status != EXEC_STATUS_RUNNING) {
        rc = error_set(err, -EALREADY, "state dir %s: the last execution is %s; nothing to "
                       "resume", state_dir, exec_status_name(x.j.status));
        goto out;
    }
    merged = x.j.opts;
    merge_options(&merged, o);
    if ((rc = exec_options_check(&merged, err)) < 0)
        goto out;
    bool rate_changed = merged.throttle != x.j.opts.throttle ||
                        merged.log_dir_throttle != x.j.opts.log_dir_throttle;
    x.o = &merged;
    if ((rc = exec_connect_cluster(&x, err)) < 0)
        goto out;
    exec_index_brokers(&x);
    if ((rc = exec_reconcile(&x, err)) < 0)
        goto out;
    if (rate_changed && !merged.cancel_on_resume)
        apply_new_rates(&x, &merged);
    if (merged.cancel_on_resume) {
        x.stopping = true;
        x.t0 = exec_now(&x);
        rc = exec_do_stop(&x, err);
        fill_report(&x, rep);
        goto out;
    }
    x.live = merged;
    x.o = &x.live;
    rc = drive(&x, rep, err);
out:
    exec_finish(&x);
    return rc;
}

int exec_stop(const struct exec_connect *conn, const char *state_dir, int wait_s,
              struct exec_report *rep, struct error *err)
{
    struct exec x = {.conn = conn, .lock_fd = -1};
    exec_journal_init(&x.j, state_dir);
    struct exec_options o;
    exec_options_default(&o);
    x.o = &o;
    int rc = 0;
    if (!has_journal(state_dir)) {
        rc = error_set(err, -ENOENT, "state dir %s holds no execution", state_dir);
        goto out;
    }
    rc = lock_dir(state_dir, false, &x.lock_fd, err);
    if (rc == -EBUSY) {
        /* a running executor: ask it through the stop file and wait for it to let go */
        char *path = xasprintf("%s/stop", state_dir);
        int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        free(path);
        if (fd >= 0)
            close(fd);
        for (int i = 0; i < wait_s * 10 && rc == -EBUSY; i++) {
            exec_sleep(&x, 0.1);
            rc = lock_dir(state_dir, false, &x.lock_fd, err);
        }
        if (rc == -EBUSY) {
            rc = error_set(err, -ETIMEDOUT, "the running executor did not stop within %d s",
                           wait_s);
            goto out;
        }
    }
    if (rc < 0)
        goto out;
    if ((rc = exec_journal_load(&x.j, err)) < 0) {
        if (rc == -ENOENT)
            rc = error_set(err, -ENOENT, "state dir %s holds no execution", state_dir);
        goto out;
    }
    x.o = &x.j.opts;
    exec_index_brokers(&x);
    if (x.j.status == EXEC_STATUS_RUNNING) {
        /* nobody runs it (crashed, or it stopped half-way): do the stop here */
        if ((rc = exec_connect_cluster(&x, err)) < 0)
            goto out;
        if ((rc = exec_reconcile(&x, err)) < 0)
            goto out;
        x.stopping = true;
        rc = exec_do_stop(&x, err);
    }
    fill_report(&x, rep);
    rep->stopped = x.j.status == EXEC_STATUS_STOPPED;
out:
    {
        char *path = xasprintf("%s/stop", state_dir);
        unlink(path);
        free(path);
    }
    exec_finish(&x);
    return rc;
}
