/* The executor's state machine on an in-memory cluster (executor/fake_cluster.h): admission
 * and per-broker concurrency, throttles (Ballast's own, another tool's on a broker, a "*"
 * topic list, lists shared by several moves), failure reporting, resume adopting in-flight
 * moves, cancellation putting the replica order back, refusing to run beside other
 * reassignments, rates Kafka cannot keep, byte totals, and state dirs that do not exist.
 * Each test names the mistake it is there to catch. */
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "executor/executor.h"
#include "executor/fake_cluster.h"
#include "executor/journal.h"
#include "tests/harness.h"

#define RATE_L "leader.replication.throttled.rate"
#define RATE_F "follower.replication.throttled.rate"
#define LIST_L "leader.replication.throttled.replicas"
#define LIST_F "follower.replication.throttled.replicas"

struct env {
    struct fake_cluster *f;
    char root[64];
    char state[96];
    struct exec_connect conn;
    struct exec_options o;
    struct exec_report rep;
    struct error err;
};

/* A fake cluster of brokers 1..nbrokers (dirs "/d0,/d1"), a temporary state dir, defaults
 * with a short poll. */
static void env_init(struct env *e, int nbrokers)
{
    memset(e, 0, sizeof(*e));
    e->f = fake_create();
    for (int b = 1; b <= nbrokers; b++)
        fake_add_broker(e->f, b, "/d0,/d1");
    snprintf(e->root, sizeof(e->root), "/tmp/ballast-exec-XXXXXX");
    if (!mkdtemp(e->root))
        abort();
    snprintf(e->state, sizeof(e->state), "%s/state", e->root);
    e->conn.cluster = fake_ops(e->f);
    exec_options_default(&e->o);
    e->o.poll_s = 0.5;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void env_finish(struct env *e)
{
    nftw(e->root, rm_one, 8, FTW_DEPTH | FTW_PHYS);
    fake_destroy(e->f);
}

static struct exec_task *plan(const char *json, int *n)
{
    struct exec_task *t = NULL;
    struct error err = {0};
    if (exec_plan_parse(json, strlen(json), "plan.json", &t, n, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        abort();
    }
    return t;
}

static int run(struct env *e, const char *json)
{
    int n = 0;
    struct exec_task *t = plan(json, &n);
    int rc = exec_run(&e->conn, e->state, t, n, &e->o, &e->rep, &e->err);
    exec_tasks_free(t, n);
    return rc;
}

static enum exec_status journal_status(const char *dir)
{
    struct exec_journal j;
    exec_journal_init(&j, dir);
    struct error err = {0};
    enum exec_status s = exec_journal_load(&j, &err) == 0 ? j.status : EXEC_STATUS_NONE;
    exec_journal_finish(&j);
    return s;
}

static void add(struct env *e, const char *topic, int32_t p, int64_t size, int n, ...)
{
    int32_t r[8];
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        r[i] = va_arg(ap, int32_t);
    va_end(ap);
    fake_add_partition(e->f, topic, p, r, n, size);
}

/* Another tool's throttle: both configs of a pair (leader and follower) set to value. */
static void set_pair(struct env *e, int8_t type, const char *res, const char *k1, const char *k2,
                     const char *value)
{
    fake_set_config(e->f, type, res, k1, value);
    fake_set_config(e->f, type, res, k2, value);
}

TEST(moves_throttles_and_cleans_up)
{
    struct env e;
    env_init(&e, 4);
    add(&e, "t", 0, 1 << 20, 2, 1, 2);
    e.o.throttle = 1e6;
    CHECK_INT_EQ(run(&e, "{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"replicas\":[3,2]}]}"), 0);
    int32_t r[8];
    CHECK_INT_EQ(fake_replicas(e.f, "t", 0, r), 2);
    CHECK_INT_EQ(r[0], 3);
    CHECK_INT_EQ(fake_leader(e.f, "t", 0), 3);
    CHECK_INT_EQ(e.rep.done, 2); /* the move and the leadership */
    CHECK_INT_EQ(e.rep.failed, 0);
    CHECK_INT_EQ(e.rep.throttles_left, 0);
    for (int b = 1; b <= 4; b++) {
        char id[8];
        snprintf(id, sizeof(id), "%d", b);
        CHECK(fake_config(e.f, KAFKA_RESOURCE_BROKER, id, RATE_L) == NULL);
    }
    CHECK(fake_config(e.f, KAFKA_RESOURCE_TOPIC, "t", LIST_L) == NULL);
    CHECK(fake_config(e.f, KAFKA_RESOURCE_TOPIC, "t", LIST_F) == NULL);
    CHECK(fake_topic_alters(e.f) >= 2); /* the lists were set, then removed */
    CHECK_INT_EQ(journal_status(e.state), EXEC_STATUS_FINISHED);
    env_finish(&e);
}

/* Mistake: a "*" topic list (every replica throttled, set by another tool) not taken as
 * holding every pair: Ballast would add its pairs to the other tool's list. */
TEST(wildcard_topic_list_is_left_alone)
{
    struct env e;
    env_init(&e, 4);
    add(&e, "t", 0, 1 << 20, 2, 1, 2);
    set_pair(&e, KAFKA_RESOURCE_TOPIC, "t", LIST_L, LIST_F, "*");
    e.o.throttle = 1e6;
    CHECK_INT_EQ(run(&e, "{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"replicas\":[3,4]}]}"), 0);
    CHECK_INT_EQ(e.rep.failed, 0);
    CHECK_INT_EQ(fake_topic_alters(e.f), 0);
    CHECK_STR_EQ(fake_config(e.f, KAFKA_RESOURCE_TOPIC, "t", LIST_L), "*");
    CHECK_STR_EQ(fake_config(e.f, KAFKA_RESOURCE_TOPIC, "t", LIST_F), "*");
    env_finish(&e);
}

/* Twelve partitions t-0..11 on brokers 1, 2 and the plan (into json) moving each to 3, 4. */
static void twelve_moves(struct env *e, char json[4096])
{
    strcpy(json, "{\"partitions\":[");
    for (int p = 0; p < 12; p++) {
        add(e, "t", p, 1000, 2, 1, 2);
        char one[96];
        snprintf(one, sizeof(one), "%s{\"topic\":\"t\",\"partition\":%d,\"replicas\":[3,4]}",
                 p ? "," : "", p);
        strcat(json, one);
    }
    strcat(json, "]}");
}

/* Mistake: per-broker concurrency off by one (more, or fewer, moves in flight per broker). */
TEST(per_broker_concurrency_is_exact)
{
    struct env e;
    env_init(&e, 4);
    char json[4096];
    twelve_moves(&e, json);
    fake_track_concurrency(e.f, true);
    fake_set_move_polls(e.f, 3);
    e.o.per_broker = 3;
    CHECK_INT_EQ(run(&e, json), 0);
    CHECK_INT_EQ(e.rep.failed, 0);
    CHECK_INT_EQ(fake_max_concurrency(e.f), 3);
    env_finish(&e);
}

struct adjuster {
    struct exec_control *c;
    double throttle; /* the new rate at the 3rd poll */
    int polls;
    char before[32], after[32]; /* broker 1's rate at the change and a few polls later */
};

/* At the 3rd poll: concurrency 1 -> 3 and the throttle 1 MB/s -> 2 MB/s, as the service's admin
 * endpoint does from an HTTP thread. */
static void adjust_mid_way(struct fake_cluster *f, void *arg)
{
    struct adjuster *a = arg;
    a->polls++;
    const char *rate = fake_config(f, KAFKA_RESOURCE_BROKER, "1", RATE_L);
    if (a->polls == 3) {
        snprintf(a->before, sizeof(a->before), "%s", rate ? rate : "none");
        struct exec_adjust adj;
        exec_adjust_none(&adj);
        adj.per_broker = 3;
        adj.throttle = a->throttle;
        exec_control_set(a->c, &adj);
    }
    if (a->polls == 6)
        snprintf(a->after, sizeof(a->after), "%s", rate ? rate : "none");
}

/* Twelve moves at 1 per broker and 1 MB/s, the adjuster changing them at the 3rd poll. */
static int run_adjusted(struct env *e, struct adjuster *a)
{
    char json[4096];
    twelve_moves(e, json);
    fake_set_move_polls(e->f, 3);
    fake_set_poll_hook(e->f, adjust_mid_way, a);
    e->o.per_broker = 1;
    e->o.throttle = 1e6;
    e->o.control = a->c;
    return run(e, json);
}

/* Mistake: a concurrency or throttle change made while the execution runs (admin) not taken
 * by the executor, or the new rate not set on the brokers it already throttles, or left
 * behind at the end. */
TEST(admin_changes_concurrency_and_throttle_mid_way)
{
    struct env e;
    env_init(&e, 4);
    fake_track_concurrency(e.f, true);
    struct exec_control c;
    exec_control_init(&c);
    struct adjuster a = {.c = &c, .throttle = 2e6};
    CHECK_INT_EQ(run_adjusted(&e, &a), 0);
    CHECK_INT_EQ(e.rep.failed, 0);
    CHECK_STR_EQ(a.before, "1000000");
    CHECK_STR_EQ(a.after, "2000000");
    CHECK_INT_EQ(fake_max_concurrency(e.f), 3);
    CHECK(fake_config(e.f, KAFKA_RESOURCE_BROKER, "1", RATE_L) == NULL);
    CHECK_INT_EQ(e.rep.throttles_left, 0);
    struct exec_journal j;
    exec_journal_init(&j, e.state);
    CHECK_INT_EQ(exec_journal_load(&j, &e.err), 0);
    CHECK_INT_EQ(j.opts.per_broker, 3); /* a resume keeps the changed settings */
    CHECK_NEAR(j.opts.throttle, 2e6, 0.5);
    exec_journal_finish(&j);
    exec_control_finish(&c);
    env_finish(&e);
}

/* Mistake: a throttle changed to 0 (none) mid-way left on the brokers until the end, or set
 * again on the brokers of later moves. */
TEST(admin_removes_the_throttle_mid_way)
{
    struct env e;
    env_init(&e, 4);
    struct exec_control c;
    exec_control_init(&c);
    struct adjuster a = {.c = &c, .throttle = 0};
    CHECK_INT_EQ(run_adjusted(&e, &a), 0);
    CHECK_INT_EQ(e.rep.failed, 0);
    CHECK_STR_EQ(a.before, "1000000");
    CHECK_STR_EQ(a.after, "none");
    CHECK_INT_EQ(e.rep.throttles_left, 0);
    CHECK(fake_config(e.f, KAFKA_RESOURCE_TOPIC, "t", LIST_F) == NULL);
    exec_control_finish(&c);
    env_finish(&e);
}

/* Mistake: an empty plan (the service executes the proposal of a balanced cluster, e.g. the
 * rebalance that replaces a stopped execution) running into undefined behaviour: qsort of a
 * NULL broker index (UBSan: null pointer passed as argument 1), which stopped the sanitizer
 * build's service in kafka-cc-api. */
TEST(empty_plan_finishes)
{
    struct env e;
    env_init(&e, 4);
    add(&e, "t", 0, 1000, 2, 1, 2);
    CHECK_INT_EQ(run(&e, "{\"version\":1,\"partitions\":[]}"), 0);
    CHECK_INT_EQ(e.rep.total, 0);
    CHECK_INT_EQ(e.rep.failed, 0);
    CHECK_INT_EQ(journal_status(e.state), EXEC_STATUS_FINISHED);
    env_finish(&e);
}

/* Mistake: a broker rate someone else set not detected: Ballast would overwrite it and then
 * delete it at the end. */
TEST(foreign_broker_rate_is_never_touched)
{
    struct env e;
    env_init(&e, 4);
    add(&e, "t", 0, 1 << 20, 2, 1, 2);
    set_pair(&e, KAFKA_RESOURCE_BROKER, "1", RATE_L, RATE_F, "777");
    e.o.throttle = 1e6;
    CHECK_INT_EQ(run(&e, "{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"replicas\":[3,2]}]}"), 0);
    CHECK_INT_EQ(e.rep.failed, 0);
    CHECK_STR_EQ(fake_config(e.f, KAFKA_RESOURCE_BROKER, "1", RATE_L), "777");
    CHECK_STR_EQ(fake_config(e.f, KAFKA_RESOURCE_BROKER, "1", RATE_F), "777");
    CHECK(fake_config(e.f, KAFKA_RESOURCE_BROKER, "3", RATE_L) == NULL);
    CHECK_INT_EQ(e.rep.throttles_left, 0);
    env_finish(&e);
}

struct reclaim_watch {
    bool seen, unthrottled;
};

/* While t-1 moves (after t-0), broker 1 (a source of both) must have a replication rate. */
static void watch_reclaim(struct fake_cluster *f, void *arg)
{
    struct reclaim_watch *w = arg;
    if (fake_in_progress(f, "t", 1) && !fake_in_progress(f, "t", 0)) {
        w->seen = true;
        w->unthrottled |= !fake_config(f, KAFKA_RESOURCE_BROKER, "1", RATE_L);
    }
}

/* Mistake: broker 1's own throttle, removed between two moves and still described (a
 * ZooKeeper-mode broker applies config changes asynchronously), taken for another tool's on
 * the second move, which then ran unthrottled on broker 1. */
TEST(own_throttle_still_described_after_removal_is_reclaimed)
{
    struct env e;
    env_init(&e, 4);
    add(&e, "t", 0, 1 << 20, 2, 1, 2);
    add(&e, "t", 1, 1 << 20, 2, 1, 2);
    fake_set_stale_deletes(e.f, 3);
    struct reclaim_watch w = {0};
    fake_set_poll_hook(e.f, watch_reclaim, &w);
    e.o.throttle = 1e6;
    e.o.per_broker = 1;
    e.o.cluster_cap = 1;
    CHECK_INT_EQ(run(&e, "{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"replicas\":[3,2]},"
                         "{\"topic\":\"t\",\"partition\":1,\"replicas\":[4,2]}]}"), 0);
    CHECK_INT_EQ(e.rep.failed, 0);
    CHECK(w.seen);
    CHECK(!w.unthrottled);
    CHECK(fake_config(e.f, KAFKA_RESOURCE_BROKER, "1", RATE_L) == NULL);
    CHECK_INT_EQ(e.rep.throttles_left, 0);
    env_finish(&e);
}

struct list_watch {
    bool seen, bad;
    char leaders[64], followers[64];
};

/* Every throttled-replica list of t while a move is in flight: no empty entry (Kafka 2.8's
 * brokers fail to parse one and never apply the list). */
static void watch_lists(struct fake_cluster *f, void *arg)
{
    struct list_watch *w = arg;
    if (!fake_in_progress(f, "t", 0) && !fake_in_progress(f, "t", 1))
        return;
    const char *l = fake_config(f, KAFKA_RESOURCE_TOPIC, "t", LIST_L);
    const char *fl = fake_config(f, KAFKA_RESOURCE_TOPIC, "t", LIST_F);
    if (!w->seen) {
        snprintf(w->leaders, sizeof(w->leaders), "%s", l ? l : "(none)");
        snprintf(w->followers, sizeof(w->followers), "%s", fl ? fl : "(none)");
    }
    w->seen = true;
    for (const char *v = l; v; v = v == l ? fl : NULL)
        w->bad |= !*v || v[0] == ',' || strstr(v, ",,") || v[strlen(v) - 1] == ',';
    w->bad |= !l || !fl;
}

/* Mistake: the lists APPENDed to when the topic had none. Kafka 2.8 then stores ",0:1,0:2"
 * and its brokers never apply it: on a real 2.8.2 cluster 24.6 MB moved in 1.1 s under a
 * 1 MB/s throttle. An absent list is SET (one move at a time: each finds none). */
TEST(absent_topic_list_is_set_not_appended)
{
    struct env e;
    env_init(&e, 4);
    add(&e, "t", 0, 1 << 20, 2, 1, 2);
    add(&e, "t", 1, 1 << 20, 2, 1, 2);
    fake_set_kafka28_append(e.f, true);
    struct list_watch w = {0};
    fake_set_poll_hook(e.f, watch_lists, &w);
    e.o.throttle = 1e6;
    e.o.per_broker = 1;
    e.o.cluster_cap = 1;
    CHECK_INT_EQ(run(&e, "{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"replicas\":[3,2]},"
                         "{\"topic\":\"t\",\"partition\":1,\"replicas\":[4,2]}]}"), 0);
    CHECK_INT_EQ(e.rep.failed, 0);
    CHECK(w.seen);
    CHECK_STR_EQ(w.leaders, "0:1,0:2");
    CHECK_STR_EQ(w.followers, "0:3");
    CHECK(!w.bad);
    CHECK_INT_EQ(e.rep.throttles_left, 0);
    env_finish(&e);
}

struct shared_watch {
    int polls;
    bool checked, lost;
};

/* While t-1 is stuck in flight after t-0 is done, t-1's pairs must stay listed. */
static void watch_shared(struct fake_cluster *f, void *arg)
{
    struct shared_watch *w = arg;
    w->polls++;
    if (!fake_in_progress(f, "t", 0) && fake_in_progress(f, "t", 1) && fake_leader(f, "t", 0) >= 0) {
        int32_t r[8];
        if (fake_replicas(f, "t", 0, r) == 2 && r[0] == 3) {
            const char *l = fake_config(f, KAFKA_RESOURCE_TOPIC, "t", LIST_L);
            const char *fl = fake_config(f, KAFKA_RESOURCE_TOPIC, "t", LIST_F);
            w->checked = true;
            w->lost |= !l || !strstr(l, "1:1") || !fl || !strstr(fl, "1:4");
        }
    }
    if (w->polls == 12)
        fake_set_stuck(f, "t", 1, false);
}

/* Mistake: a topic's throttled-replica list deleted when one move ends while another move
 * of the topic still needs it. */
TEST(topic_list_kept_while_other_moves_need_it)
{
    struct env e;
    env_init(&e, 4);
    add(&e, "t", 0, 1000, 2, 1, 2);
    add(&e, "t", 1, 1000, 2, 1, 2);
    fake_set_stuck(e.f, "t", 1, true);
    struct shared_watch w = {0};
    fake_set_poll_hook(e.f, watch_shared, &w);
    e.o.throttle = 1e6;
    CHECK_INT_EQ(run(&e, "{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"replicas\":[3,2]},"
                         "{\"topic\":\"t\",\"partition\":1,\"replicas\":[4,2]}]}"), 0);
    CHECK(w.checked);
    CHECK(!w.lost);
    CHECK_INT_EQ(e.rep.failed, 0);
    CHECK(fake_config(e.f, KAFKA_RESOURCE_TOPIC, "t", LIST_L) == NULL);
    env_finish(&e);
}

/* Mistake: an execution with a failed move reported (and journaled) as finished. */
TEST(failed_execution_is_reported_failed)
{
    struct env e;
    env_init(&e, 4);
    add(&e, "t", 0, 1000, 2, 1, 2);
    fake_fail(e.f, FAKE_REASSIGN, -EINVAL,
              "topic t partition 0: INVALID_REPLICA_ASSIGNMENT (39): refused", 2);
    CHECK_INT_EQ(run(&e, "{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"replicas\":[3,2]}]}"), 0);
    CHECK_INT_EQ(e.rep.failed, 1);
    CHECK_INT_EQ(journal_status(e.state), EXEC_STATUS_FAILED);
    env_finish(&e);
}

/* A journal of a Ballast killed mid-move, with its move still in progress on the cluster. */
static void killed_mid_move(struct env *e)
{
    add(e, "t", 0, 1000, 2, 1, 2);
    fake_set_move_polls(e->f, 4);
    struct exec_journal j;
    exec_journal_init(&j, e->state);
    mkdir(e->state, 0755);
    j.status = EXEC_STATUS_RUNNING;
    j.started = 1e9;
    j.tasks = plan("{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"replicas\":[3,2]}]}",
                   &j.ntasks);
    j.tasks[0].from[0] = 1;
    j.tasks[0].from[1] = 2;
    j.tasks[0].nfrom = 2;
    j.tasks[0].state = EXEC_INFLIGHT;
    j.tasks[0].started = 1e9;
    struct error err = {0};
    CHECK_INT_EQ(exec_journal_save(&j, &err), 0);
    exec_journal_finish(&j);
    int32_t to[] = {3, 2};
    struct kafka_reassignment r = {"t", 0, to, 2};
    CHECK_INT_EQ(fake_ops(e->f)->ops->reassign(e->f, &r, 1, &err), 0);
}

/* A Ballast killed (SIGXFSZ, by RLIMIT_FSIZE) half-way through the journal record that names
 * a move before the cluster sees it: the torn record is ignored, so resume finds the move
 * pending and sends it itself, and the journal it leaves is whole. */
TEST(resume_after_a_crash_in_the_middle_of_a_journal_record)
{
    struct env e;
    env_init(&e, 4);
    add(&e, "t", 0, 1000, 2, 1, 2);
    struct exec_journal j;
    exec_journal_init(&j, e.state);
    mkdir(e.state, 0755);
    j.status = EXEC_STATUS_RUNNING;
    j.started = 1e9;
    j.tasks = plan("{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"replicas\":[3,2]}]}",
                   &j.ntasks);
    j.tasks[0].from[0] = 1;
    j.tasks[0].from[1] = 2;
    j.tasks[0].nfrom = 2;
    struct error err = {0};
    CHECK_INT_EQ(exec_journal_save(&j, &err), 0);
    j.tasks[0].state = EXEC_INFLIGHT; /* the admission's record, cut after 30 bytes */
    j.tasks[0].started = 1e9;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        struct rlimit core = {0, 0}, fsize = {30, 30};
        setrlimit(RLIMIT_CORE, &core);
        setrlimit(RLIMIT_FSIZE, &fsize);
        _exit(exec_journal_save(&j, &err) == 0 ? 0 : 1);
    }
    int st = 0;
    CHECK_INT_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGXFSZ);
    exec_journal_finish(&j);
    CHECK_INT_EQ(exec_resume(&e.conn, e.state, NULL, &e.rep, &e.err), 0);
    CHECK_INT_EQ(fake_calls(e.f, FAKE_REASSIGN), 1);
    CHECK_INT_EQ(e.rep.done, 1);
    CHECK_INT_EQ(e.rep.failed, 0);
    int32_t r[8];
    CHECK_INT_EQ(fake_replicas(e.f, "t", 0, r), 2);
    CHECK_INT_EQ(r[0], 3);
    CHECK_INT_EQ(journal_status(e.state), EXEC_STATUS_FINISHED);
    env_finish(&e);
}

/* Mistake: resume not adopting the moves still in progress (it would send them again). */
TEST(resume_adopts_moves_in_progress)
{
    struct env e;
    env_init(&e, 4);
    killed_mid_move(&e);
    int before = fake_calls(e.f, FAKE_REASSIGN);
    CHECK_INT_EQ(exec_resume(&e.conn, e.state, NULL, &e.rep, &e.err), 0);
    if (e.err.msg[0])
        fprintf(stderr, "%s\n", e.err.msg);
    CHECK_INT_EQ(fake_calls(e.f, FAKE_REASSIGN), before);
    CHECK_INT_EQ(e.rep.done, 1);
    CHECK_INT_EQ(e.rep.failed, 0);
    int32_t r[8];
    CHECK_INT_EQ(fake_replicas(e.f, "t", 0, r), 2);
    CHECK_INT_EQ(r[0], 3);
    env_finish(&e);
}

/* Mistake: an execution the service adopts after a restart (exec_resume) not reading the
 * control, so admin changes to it were silently dropped. */
TEST(resume_takes_admin_changes)
{
    struct env e;
    env_init(&e, 4);
    killed_mid_move(&e);
    struct exec_control c;
    exec_control_init(&c);
    struct exec_adjust a;
    exec_adjust_none(&a);
    a.per_broker = 4;
    exec_control_set(&c, &a); /* pending when the resume starts: taken at its first poll */
    struct exec_options o;
    exec_options_default(&o);
    o.throttle = o.log_dir_throttle = -1; /* the journal's settings hold */
    o.task_timeout_ms = -1;
    o.per_broker = o.intra_per_broker = o.leader_batch = o.cluster_cap = 0;
    o.poll_s = 0;
    o.control = &c;
    CHECK_INT_EQ(exec_resume(&e.conn, e.state, &o, &e.rep, &e.err), 0);
    CHECK_INT_EQ(e.rep.done, 1);
    struct exec_journal j;
    exec_journal_init(&j, e.state);
    CHECK_INT_EQ(exec_journal_load(&j, &e.err), 0);
    CHECK_INT_EQ(j.opts.per_broker, 4);
    exec_journal_finish(&j);
    exec_control_finish(&c);
    env_finish(&e);
}

/* Chaos 11: a cancelled move ([3,1,2] led by 3, to [1,2,4] with 4 down) came back as
 * [1,2,3], and the leadership of the failed move was still changed. */
TEST(cancelled_move_restores_order_and_leader)
{
    struct env e;
    env_init(&e, 4);
    add(&e, "t", 0, 1000, 3, 3, 1, 2);
    fake_set_down(e.f, 4, true);
    e.o.task_timeout_ms = 10000;
    CHECK_INT_EQ(run(&e, "{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"replicas\":[1,2,4]}]}"), 0);
    CHECK_INT_EQ(e.rep.failed, 1);
    int32_t r[8];
    CHECK_INT_EQ(fake_replicas(e.f, "t", 0, r), 3);
    CHECK_INT_EQ(r[0], 3);
    CHECK_INT_EQ(r[1], 1);
    CHECK_INT_EQ(r[2], 2);
    CHECK_INT_EQ(fake_leader(e.f, "t", 0), 3);
    CHECK_INT_EQ(fake_calls(e.f, FAKE_ELECT), 0);
    CHECK(!fake_in_progress(e.f, "t", 0));
    env_finish(&e);
}

/* What `ballast execute --stop` does to a running executor: the stop file. */
static void request_stop(const char *state)
{
    char path[160];
    snprintf(path, sizeof(path), "%s/stop", state);
    fclose(fopen(path, "w"));
}

struct stopper {
    const char *state;
    int polls;
};

static void stop_after_polls(struct fake_cluster *f, void *arg)
{
    (void)f;
    struct stopper *s = arg;
    if (++s->polls == 3) {
        request_stop(s->state);
    }
}

/* A stop cancels the move in flight; the partition keeps its order and leader. */
TEST(stop_restores_order)
{
    struct env e;
    env_init(&e, 4);
    add(&e, "t", 0, 1000, 3, 3, 1, 2);
    fake_set_stuck(e.f, "t", 0, true);
    struct stopper s = {e.state, 0};
    fake_set_poll_hook(e.f, stop_after_polls, &s);
    CHECK_INT_EQ(run(&e, "{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"replicas\":[1,2,4]}]}"), 0);
    CHECK(e.rep.stopped);
    int32_t r[8];
    CHECK_INT_EQ(fake_replicas(e.f, "t", 0, r), 3);
    CHECK_INT_EQ(r[0], 3);
    CHECK_INT_EQ(r[1], 1);
    CHECK_INT_EQ(fake_leader(e.f, "t", 0), 3);
    CHECK(!fake_in_progress(e.f, "t", 0));
    CHECK_INT_EQ(journal_status(e.state), EXEC_STATUS_STOPPED);
    env_finish(&e);
}

/* Chaos 9: a destination broker that stays down. Without a task timeout the move used to wait
 * for ever; it is cancelled (order put back) after EXEC_DOWN_TIMEOUT_S and reported. */
TEST(move_to_a_broker_that_stays_down_ends)
{
    struct env e;
    env_init(&e, 4);
    add(&e, "t", 0, 1000, 3, 3, 1, 2);
    add(&e, "t", 1, 1000, 2, 1, 2);
    fake_set_down(e.f, 4, true);
    e.o.throttle = 0;
    CHECK_INT_EQ(run(&e, "{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"replicas\":[1,2,4]},"
                         "{\"topic\":\"t\",\"partition\":1,\"replicas\":[3,2]}]}"), 0);
    CHECK_INT_EQ(e.rep.failed, 1);
    CHECK_INT_EQ(e.rep.done, 2); /* t-1's move and leadership */
    CHECK_DBL_LE(e.rep.seconds, 700);
    CHECK(e.rep.seconds >= 600);
    int32_t r[8];
    CHECK_INT_EQ(fake_replicas(e.f, "t", 0, r), 3);
    CHECK_INT_EQ(r[0], 3);
    CHECK(!fake_in_progress(e.f, "t", 0));
    struct exec_journal j;
    exec_journal_init(&j, e.state);
    struct error err = {0};
    CHECK_INT_EQ(exec_journal_load(&j, &err), 0);
    CHECK_INT_EQ(j.status, EXEC_STATUS_FAILED);
    CHECK(j.ntasks > 0 && j.tasks[0].error != NULL);
    if (j.ntasks > 0 && j.tasks[0].error)
        CHECK_STR_CONTAINS(j.tasks[0].error, "broker 4 has been down for");
    exec_journal_finish(&j);
    env_finish(&e);
}

/* Stops the execution once `limit` seconds of the fake's time have passed. */
struct deadline {
    const char *state;
    double start, limit;
};

static void stop_at_deadline(struct fake_cluster *f, void *arg)
{
    struct deadline *d = arg;
    double now = fake_ops(f)->ops->now(f);
    if (d->start == 0)
        d->start = now;
    if (now - d->start > d->limit) {
        request_stop(d->state);
    }
}

/* Chaos 9, the default: a move that never finishes with every broker up used to wait for ever
 * (no task timeout unless one was given). The automatic timeout is the larger of the floor
 * (10 min) and 3x the time the partition takes at its share of the throttle: a 3 GB move at
 * 10 MB/s shared by 5 moves per broker gets 4,500 s, a 1 KB one the floor. Each is announced
 * at half its time, then cancelled with its replica order put back and failed; the other
 * move finishes, the execution goes on to its end (stopped after 3 h if it does not). */
TEST(stuck_moves_time_out_by_default)
{
    struct env e;
    env_init(&e, 4);
    add(&e, "t", 0, 3000000000LL, 3, 3, 1, 2);
    add(&e, "t", 1, 1000, 2, 1, 2);
    add(&e, "t", 2, 1000, 2, 1, 2);
    fake_set_stuck(e.f, "t", 0, true);
    fake_set_stuck(e.f, "t", 2, true);
    e.o.throttle = 10e6;
    FILE *progress = tmpfile();
    e.o.progress = progress;
    struct deadline d = {e.state, 0, 3 * 3600};
    fake_set_poll_hook(e.f, stop_at_deadline, &d);
    CHECK_INT_EQ(run(&e, "{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"replicas\":[1,2,4]},"
                         "{\"topic\":\"t\",\"partition\":1,\"replicas\":[3,2]},"
                         "{\"topic\":\"t\",\"partition\":2,\"replicas\":[4,2]}]}"), 0);
    CHECK(!e.rep.stopped);
    CHECK_INT_EQ(e.rep.failed, 2);
    CHECK(e.rep.seconds >= 4500);
    CHECK_DBL_LE(e.rep.seconds, 4600);
    int32_t r[8];
    CHECK_INT_EQ(fake_replicas(e.f, "t", 0, r), 3);
    CHECK_INT_EQ(r[0], 3);
    CHECK_INT_EQ(r[1], 1);
    CHECK_INT_EQ(r[2], 2);
    CHECK(!fake_in_progress(e.f, "t", 0));
    CHECK(!fake_in_progress(e.f, "t", 2));
    CHECK_INT_EQ(fake_replicas(e.f, "t", 1, r), 2);
    CHECK_INT_EQ(r[0], 3);
    CHECK_INT_EQ(journal_status(e.state), EXEC_STATUS_FAILED);
    struct exec_journal j;
    exec_journal_init(&j, e.state);
    CHECK_INT_EQ(exec_journal_load(&j, &e.err), 0);
    for (int i = 0; i < j.ntasks; i++) {
        const struct exec_task *t = &j.tasks[i];
        if (t->type != EXEC_INTER || t->partition == 1)
            continue;
        CHECK_INT_EQ(t->state, EXEC_FAILED);
        if (t->error)
            CHECK_STR_CONTAINS(t->error, t->partition == 0 ? "not finished after 45"
                                                           : "not finished after 60");
    }
    exec_journal_finish(&j);
    size_t cap = 4 << 20;
    char *out = calloc(1, cap);
    rewind(progress);
    size_t n = fread(out, 1, cap - 1, progress);
    out[n] = '\0';
    fclose(progress);
    CHECK_STR_CONTAINS(out, "late: t-0 has been in flight for 22");
    CHECK_STR_CONTAINS(out, "if it has not finished after 4500 s");
    CHECK_STR_CONTAINS(out, "late: t-2 has been in flight for 30");
    CHECK_STR_CONTAINS(out, "if it has not finished after 600 s");
    free(out);
    env_finish(&e);
}

static void cluster_goes_away(struct fake_cluster *f, void *arg)
{
    int *polls = arg;
    if (++*polls == 2)
        fake_fail(f, FAKE_LIST, -ECONNREFUSED, "broker 1: connect: Connection refused", 1000);
}

/* Chaos 9: the cluster stops answering mid-way: the run fails, but says where it stands (the
 * report is filled) and leaves the journal running for --resume or --stop. */
TEST(interrupted_execution_reports_and_stays_resumable)
{
    struct env e;
    env_init(&e, 4);
    add(&e, "t", 0, 1000, 2, 1, 2);
    fake_set_stuck(e.f, "t", 0, true);
    int polls = 0;
    fake_set_poll_hook(e.f, cluster_goes_away, &polls);
    CHECK_INT_EQ(run(&e, "{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"replicas\":[3,2]}]}"),
                 -ECONNREFUSED);
    CHECK_STR_CONTAINS(e.err.msg, "Connection refused");
    CHECK_INT_EQ(e.rep.total, 2);
    CHECK_INT_EQ(e.rep.pending, 2);
    CHECK_INT_EQ(journal_status(e.state), EXEC_STATUS_RUNNING);
    env_finish(&e);
}

/* Chaos 12: --stop of an execution another process ran reports the time since it started
 * (it reported the time since the epoch). */
TEST(stop_reports_time_since_start)
{
    struct env e;
    env_init(&e, 4);
    struct exec_journal j;
    exec_journal_init(&j, e.state);
    mkdir(e.state, 0755);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    j.status = EXEC_STATUS_STOPPED;
    j.started = (double)ts.tv_sec - 42;
    j.tasks = plan("{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"replicas\":[3,2]}]}",
                   &j.ntasks);
    struct error err = {0};
    CHECK_INT_EQ(exec_journal_save(&j, &err), 0);
    exec_journal_finish(&j);
    CHECK_INT_EQ(exec_stop(&e.conn, e.state, 1, &e.rep, &e.err), 0);
    CHECK(e.rep.stopped);
    CHECK(e.rep.seconds >= 41 && e.rep.seconds < 60);
    env_finish(&e);
}

/* Chaos 8: a second execution (another tool's, another Ballast's) in progress: refused
 * unless allowed. */
TEST(refuses_to_run_beside_other_reassignments)
{
    struct env e;
    env_init(&e, 4);
    add(&e, "t", 0, 1000, 2, 1, 2);
    add(&e, "u", 0, 1000, 2, 1, 2);
    int32_t to[] = {1, 4};
    fake_start_foreign(e.f, "u", 0, to, 2, false);
    CHECK_INT_EQ(run(&e, "{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"replicas\":[3,2]}]}"), -EBUSY);
    CHECK_STR_CONTAINS(e.err.msg, "--allow-concurrent");
    CHECK_STR_CONTAINS(e.err.msg, "u-0");
    CHECK_INT_EQ(fake_calls(e.f, FAKE_REASSIGN), 0);
    e.o.allow_concurrent = true;
    CHECK_INT_EQ(run(&e, "{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"replicas\":[3,2]}]}"), 0);
    CHECK_INT_EQ(e.rep.done, 2);
    CHECK(fake_in_progress(e.f, "u", 0)); /* theirs, left alone */
    env_finish(&e);
}

/* Chaos 10: rates Kafka cannot keep (over 2^63, under 1 B/s) refused up front. */
TEST(throttles_kafka_cannot_keep_are_refused)
{
    double bad[] = {1e30, 9.3e18, 0.5, -1};
    for (int i = 0; i < 4; i++) {
        struct env e;
        env_init(&e, 4);
        add(&e, "t", 0, 1000, 2, 1, 2);
        e.o.throttle = bad[i];
        CHECK_INT_EQ(run(&e, "{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"replicas\":[3,2]}]}"), -EINVAL);
        CHECK_STR_CONTAINS(e.err.msg, "throttle");
        CHECK_INT_EQ(fake_calls(e.f, FAKE_REASSIGN), 0);
        env_finish(&e);
    }
    struct env e;
    env_init(&e, 4);
    add(&e, "t", 0, 1000, 2, 1, 2);
    e.o.throttle = 1;
    CHECK_INT_EQ(run(&e, "{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"replicas\":[3,2]}]}"), 0);
    env_finish(&e);
}

/* Chaos 12: each failed election shows its own partition's error, not the batch's first. */
TEST(failed_election_shows_its_own_error)
{
    struct env e;
    env_init(&e, 4);
    add(&e, "t", 0, 1000, 2, 1, 2);
    add(&e, "t", 1, 1000, 2, 1, 3);
    add(&e, "t", 2, 1000, 2, 1, 2);
    fake_set_down(e.f, 2, true);
    fake_set_down(e.f, 3, true);
    CHECK_INT_EQ(run(&e, "{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"replicas\":[2,1]},"
                         "{\"topic\":\"t\",\"partition\":1,\"replicas\":[3,1]}]}"), 0);
    CHECK_INT_EQ(e.rep.failed, 2);
    struct exec_journal j;
    exec_journal_init(&j, e.state);
    struct error err = {0};
    CHECK_INT_EQ(exec_journal_load(&j, &err), 0);
    int seen = 0;
    for (int i = 0; i < j.ntasks; i++) {
        if (j.tasks[i].type != EXEC_LEADER)
            continue;
        char own[64];
        snprintf(own, sizeof(own), "partition %d: PREFERRED_LEADER_NOT_AVAILABLE (80)",
                 j.tasks[i].partition);
        CHECK(j.tasks[i].error != NULL);
        if (j.tasks[i].error) {
            CHECK_STR_CONTAINS(j.tasks[i].error, own);
            seen++;
        }
    }
    CHECK_INT_EQ(seen, 2);
    exec_journal_finish(&j);
    env_finish(&e);
}

/* Issue 15 item 4: a new replica put in a named dir is created there; its log-dir task must
 * not count its bytes a second time (the first total was double). */
TEST(byte_total_counts_each_copy_once)
{
    struct env e;
    env_init(&e, 4);
    add(&e, "t", 0, 10000000, 2, 1, 2);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    e.o.progress = out;
    CHECK_INT_EQ(run(&e, "{\"partitions\":[{\"topic\":\"t\",\"partition\":0,\"replicas\":[3,2],"
                         "\"log_dirs\":[\"/d1\",\"any\"]}]}"), 0);
    fclose(out);
    CHECK_STR_CONTAINS(buf, "start: 0/3 done, 0 in flight, 3 pending, 0 failed, 0.0/10.0 MB");
    CHECK_INT_EQ(e.rep.bytes_total, 10000000);
    CHECK_INT_EQ(e.rep.bytes_done, 10000000);
    CHECK_STR_EQ(fake_dir(e.f, "t", 0, 3), "/d1");
    CHECK_INT_EQ(e.rep.failed, 0);
    free(buf);
    env_finish(&e);
}

/* Issue 15 item 11: --stop and --resume on a state dir that does not exist create nothing;
 * a run whose connection fails leaves no lock (nor the dir it made). */
TEST(missing_state_dir_is_not_created)
{
    struct env e;
    env_init(&e, 4);
    struct stat st;
    CHECK_INT_EQ(exec_stop(&e.conn, e.state, 1, &e.rep, &e.err), -ENOENT);
    CHECK_STR_CONTAINS(e.err.msg, "holds no execution");
    CHECK(stat(e.state, &st) < 0);
    CHECK_INT_EQ(exec_resume(&e.conn, e.state, NULL, &e.rep, &e.err), -ENOENT);
    CHECK(stat(e.state, &st) < 0);
    struct exec_connect refused = {.bootstrap = "127.0.0.1:1"};
    int n = 0;
    struct exec_task *t = plan("{\"partitions\":[{\"topic\":\"t\",\"partition\":0,"
                               "\"replicas\":[3,2]}]}", &n);
    CHECK(exec_run(&refused, e.state, t, n, &e.o, &e.rep, &e.err) < 0);
    CHECK(stat(e.state, &st) < 0);
    mkdir(e.state, 0755);
    CHECK(exec_run(&refused, e.state, t, n, &e.o, &e.rep, &e.err) < 0);
    char lock[160];
    snprintf(lock, sizeof(lock), "%s/lock", e.state);
    CHECK(stat(lock, &st) < 0);
    CHECK(stat(e.state, &st) == 0); /* not ours to remove */
    exec_tasks_free(t, n);
    env_finish(&e);
}

/* Broker ids near 2^31 (per-broker counts were arrays indexed by id). */
TEST(broker_ids_near_int32_max)
{
    struct env e;
    env_init(&e, 0);
    int32_t ids[] = {2147483600, 2147483601, 2147483646, 5};
    for (int i = 0; i < 4; i++)
        fake_add_broker(e.f, ids[i], "/d0");
    int32_t r[] = {2147483600, 2147483601};
    fake_add_partition(e.f, "t", 0, r, 2, 1000);
    e.o.throttle = 1e6;
    CHECK_INT_EQ(run(&e, "{\"partitions\":[{\"topic\":\"t\",\"partition\":0,"
                         "\"replicas\":[2147483646,5]}]}"), 0);
    CHECK_INT_EQ(e.rep.failed, 0);
    CHECK_INT_EQ(e.rep.done, 2);
    CHECK_INT_EQ(e.rep.throttles_left, 0);
    env_finish(&e);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
