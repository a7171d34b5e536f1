/* The executor's input and state without a cluster: plan parsing (Kafka's reassignment JSON and
 * Cruise Control's proposals, with every kind of bad input named), strategy names, and the
 * journal (a round trip, and damaged journals refused with the file and the part named). The
 * executor on a real cluster is tests/kafka/test_execute.py. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "executor/executor.h"
#include "executor/journal.h"
#include "tests/harness.h"

static int parse(const char *json, struct exec_task **t, int *n, struct error *err)
{
    return exec_plan_parse(json, strlen(json), "plan.json", t, n, err);
}

TEST(reassignment_json_with_log_dirs)
{
    struct exec_task *t = NULL;
    int n = 0;
    struct error err = {0};
    CHECK_INT_EQ(parse("{\"version\":1,\"partitions\":["
                       "{\"topic\":\"a\",\"partition\":0,\"replicas\":[3,1,2]},"
                       "{\"topic\":\"a\",\"partition\":1,\"replicas\":[4,5],"
                       "\"log_dirs\":[\"/d/1\",\"any\"]}]}", &t, &n, &err), 0);
    CHECK_INT_EQ(n, 3);
    if (n == 3) {
        CHECK_INT_EQ(t[0].type, EXEC_INTER);
        CHECK_INT_EQ(t[0].nto, 3);
        CHECK_INT_EQ(t[0].to[0], 3);
        CHECK_INT_EQ(t[1].type, EXEC_INTER);
        CHECK_INT_EQ(t[2].type, EXEC_INTRA);
        CHECK_INT_EQ(t[2].broker, 4);
        CHECK_STR_EQ(t[2].dir, "/d/1");
    }
    exec_tasks_free(t, n);
}

TEST(cruise_control_proposals)
{
    struct exec_task *t = NULL;
    int n = 0;
    struct error err = {0};
    CHECK_INT_EQ(parse("{\"summary\":{},\"proposals\":[{\"topicPartition\":{\"topic\":\"b\","
                       "\"partition\":7},\"oldLeader\":1,\"oldReplicas\":[1,2],"
                       "\"newReplicas\":[2,3]}]}", &t, &n, &err), 0);
    CHECK_INT_EQ(n, 1);
    if (n == 1) {
        CHECK_STR_EQ(t[0].topic, "b");
        CHECK_INT_EQ(t[0].partition, 7);
        CHECK_INT_EQ(t[0].to[1], 3);
    }
    exec_tasks_free(t, n);
}

TEST(bad_plans_are_named)
{
    static const struct {
        const char *json, *want;
    } cases[] = {
        {"{\"partitions\":[", "not valid JSON"},
        {"[1,2]", "must be a JSON object"},
        {"{\"version\":1}", "neither a reassignment"},
        {"{\"partitions\":[{\"partition\":0,\"replicas\":[1]}]}", "plan.json: partitions[0].topic: must be a topic name"},
        {"{\"partitions\":[{\"topic\":\"a\",\"partition\":-1,\"replicas\":[1]}]}",
         "partitions[0].partition: -1 out of range 0..2147483647"},
        {"{\"partitions\":[{\"topic\":\"a\",\"partition\":1.5,\"replicas\":[1]}]}",
         "partitions[0].partition: 1.5 is not an integer"},
        {"{\"partitions\":[{\"topic\":\"a\",\"partition\":1e20,\"replicas\":[1]}]}",
         "plan.json: partitions[0].partition: 1e+20 out of range 0..2147483647"},
        {"{\"partitions\":[{\"topic\":\"a b\",\"partition\":0,\"replicas\":[1]}]}",
         "partitions[0].topic: must be a topic name"},
        {"{\"partitions\":[{\"topic\":\"a\",\"partition\":0,\"replicas\":[1,-5]}]}",
         "partitions[0].replicas[1]: -5 out of range 0..2147483647"},
        {"{\"partitions\":[{\"topic\":\"a\",\"partition\":0,\"replicas\":[1,3e9]}]}",
         "partitions[0].replicas[1]: 3000000000 out of range"},
        {"{\"partitions\":[7]}", "partitions[0]: must be an object"},
        {"{\"partitions\":[{\"topic\":\"a\",\"partition\":0,\"replicas\":[]}]}", "no replicas"},
        {"{\"partitions\":[{\"topic\":\"a\",\"partition\":0,\"replicas\":[1,1]}]}",
         "broker 1 appears twice"},
        {"{\"partitions\":[{\"topic\":\"a\",\"partition\":0,\"replicas\":[\"x\"]}]}",
         "partitions[0].replicas[0]: must be an integer"},
        {"{\"partitions\":[{\"topic\":\"a\",\"partition\":0,\"replicas\":[1]},"
         "{\"topic\":\"a\",\"partition\":0,\"replicas\":[2]}]}", "partitions[1]: a-0 appears twice"},
        {"{\"partitions\":[{\"topic\":\"a\",\"partition\":0,\"replicas\":[1,2],"
         "\"log_dirs\":[\"any\"]}]}", "partitions[0].log_dirs: must be an array as long as replicas"},
        {"{\"partitions\":[{\"topic\":\"a\",\"partition\":0,\"replicas\":[1],"
         "\"log_dirs\":[\"data\"]}]}", "partitions[0].log_dirs[0]: 'data' is not an absolute path"},
        {"{\"proposals\":[{\"topicPartition\":{\"topic\":\"a\"},\"newReplicas\":[1]}]}",
         "proposals[0].topicPartition.partition: must be an integer"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct exec_task *t = NULL;
        int n = 0;
        struct error err = {0};
        CHECK(parse(cases[i].json, &t, &n, &err) < 0);
        CHECK_STR_CONTAINS(err.msg, cases[i].want);
        CHECK_STR_CONTAINS(err.msg, "plan.json");
    }
    /* more replicas than the model allows */
    char big[4096] = "{\"partitions\":[{\"topic\":\"a\",\"partition\":0,\"replicas\":[0";
    for (int i = 1; i <= MODEL_MAX_RF; i++)
        snprintf(big + strlen(big), sizeof(big) - strlen(big), ",%d", i);
    strcat(big, "]}]}");
    struct exec_task *t = NULL;
    int n = 0;
    struct error err = {0};
    CHECK(parse(big, &t, &n, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "more than");
}

TEST(strategy_names)
{
    struct error err = {0};
    CHECK_INT_EQ(exec_strategies_check("PrioritizeLargeReplicaMovementStrategy,"
                                       "com.linkedin.kafka.cruisecontrol.executor.strategy."
                                       "PostponeUrpReplicaMovementStrategy", &err), 0);
    CHECK_INT_EQ(exec_strategies_check(NULL, &err), 0);
    CHECK(exec_strategies_check("PrioritizeLarge", &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "unknown replica movement strategy 'PrioritizeLarge'");
}

static char *temp_dir(void)
{
    char tmpl[] = "/tmp/ballast-journal.XXXXXX";
    char *d = mkdtemp(tmpl);
    return d ? strdup(d) : NULL;
}

static void write_file(const char *dir, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/execution.json", dir);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

TEST(journal_round_trip_and_damage)
{
    char *dir = temp_dir();
    if (!dir)
        return;
    struct exec_journal j;
    exec_journal_init(&j, dir);
    struct error err = {0};
    CHECK_INT_EQ(exec_journal_load(&j, &err), -ENOENT);
    j.status = EXEC_STATUS_RUNNING;
    j.opts.throttle = 5e6;
    j.opts.strategies = strdup("PrioritizeSmallReplicaMovementStrategy");
    exec_ids_add(&j.rate_owned, 3);
    exec_ids_add(&j.rate_owned, 3);
    exec_ids_add(&j.rate_foreign, 9);
    j.tasks = calloc(1, sizeof(*j.tasks));
    j.ntasks = 1;
    j.tasks[0] = (struct exec_task){.type = EXEC_INTER, .state = EXEC_INFLIGHT, .partition = 4,
                                    .nfrom = 2, .nto = 2, .size = 1 << 20, .bytes = 1 << 20};
    j.tasks[0].topic = strdup("t");
    j.tasks[0].from[0] = 1, j.tasks[0].from[1] = 2;
    j.tasks[0].to[0] = 2, j.tasks[0].to[1] = 3;
    j.tasks[0].throttled_leaders = strdup("4:1,4:2");
    /* what the journal's own formatter must get right: escapes, control characters, UTF-8,
     * fractional and large numbers */
    j.tasks[0].error = strdup("refused: \"quoted\" \\ back\nline\ttab \x01 caf\xc3\xa9");
    j.tasks[0].dir = strdup("/data/k\"1");
    j.tasks[0].started = 1765012345.123456789;
    j.tasks[0].finished = 0.1;
    j.tasks[0].order = 9007199254740991LL;
    j.tasks[0].broker = -1;
    CHECK_INT_EQ(exec_journal_save(&j, &err), 0);
    j.tasks[0].finished = 1765012399.987654321; /* a log record with the same task */
    CHECK_INT_EQ(exec_journal_save(&j, &err), 0);
    exec_journal_finish(&j);

    struct exec_journal k;
    exec_journal_init(&k, dir);
    CHECK_INT_EQ(exec_journal_load(&k, &err), 0);
    CHECK_INT_EQ(k.status, EXEC_STATUS_RUNNING);
    CHECK_NEAR(k.opts.throttle, 5e6, 1e-9);
    CHECK_STR_EQ(k.opts.strategies ? k.opts.strategies : "", "PrioritizeSmallReplicaMovementStrategy");
    CHECK_INT_EQ(k.rate_owned.n, 1);
    CHECK(exec_ids_has(&k.rate_foreign, 9));
    CHECK_INT_EQ(k.ntasks, 1);
    if (k.ntasks == 1) {
        CHECK_INT_EQ(k.tasks[0].state, EXEC_INFLIGHT);
        CHECK_INT_EQ(k.tasks[0].to[1], 3);
        CHECK_STR_EQ(k.tasks[0].throttled_leaders ? k.tasks[0].throttled_leaders : "", "4:1,4:2");
        CHECK(k.tasks[0].throttled_followers == NULL);
        CHECK_STR_EQ(k.tasks[0].error ? k.tasks[0].error : "",
                     "refused: \"quoted\" \\ back\nline\ttab \x01 caf\xc3\xa9");
        CHECK_STR_EQ(k.tasks[0].dir ? k.tasks[0].dir : "", "/data/k\"1");
        CHECK(k.tasks[0].started == 1765012345.123456789);
        CHECK(k.tasks[0].finished == 1765012399.987654321);
        CHECK(k.tasks[0].order == 9007199254740991LL);
        CHECK_INT_EQ(k.tasks[0].broker, -1);
    }
    exec_journal_finish(&k);

    static const struct {
        const char *text, *want;
    } bad[] = {
        {"{\"status\":\"running\",\"tasks\":[", "not valid JSON"},
        {"{\"status\":\"walking\",\"tasks\":[]}", "damaged: status"},
        {"{\"status\":\"running\"}", "damaged: tasks"},
        {"{\"status\":\"running\",\"options\":{\"perBroker\":0},\"tasks\":[]}", "damaged: options"},
        {"{\"status\":\"running\",\"tasks\":[{\"type\":\"inter\",\"state\":\"done\"}]}",
         "damaged: tasks[0].topic: must be a topic name"},
        {"{\"status\":\"running\",\"tasks\":[{\"type\":\"intra\",\"state\":\"done\",\"topic\":\"t\","
         "\"partition\":0,\"broker\":1,\"from\":[1],\"to\":[1]}]}",
         "damaged: t-0: tasks[0].dir: an intra task needs an absolute log dir"},
        {"{\"status\":\"running\",\"tasks\":[{\"type\":\"leader\",\"state\":\"done\",\"topic\":\"t\","
         "\"partition\":0,\"broker\":-5,\"from\":[1],\"to\":[1]}]}",
         "damaged: t-0: tasks[0].broker: -5 out of range -1..2147483647"},
        {"{\"status\":\"running\",\"tasks\":[{\"type\":\"inter\",\"state\":\"done\",\"topic\":\"t\","
         "\"partition\":1e20,\"from\":[1],\"to\":[1]}]}",
         "tasks[0].partition: 1e+20 out of range 0..2147483647"},
        {"{\"status\":\"running\",\"tasks\":[{\"type\":\"inter\",\"state\":\"done\",\"topic\":\"t\","
         "\"partition\":0,\"from\":[-1],\"to\":[1]}]}", "t-0: tasks[0].from[0]: -1 out of range"},
        {"{\"status\":\"running\",\"tasks\":[{\"type\":\"inter\",\"state\":\"done\",\"topic\":\"t\","
         "\"partition\":0,\"from\":[1],\"to\":[2],\"throttledLeaders\":\"x\"}]}",
         "t-0: tasks[0]: throttled pairs must read partition:broker"},
        {"{\"status\":\"running\",\"options\":{\"throttle\":1e30},\"tasks\":[]}",
         "damaged: options.throttle"},
        {"{\"status\":\"running\",\"throttledBrokers\":{\"replication\":[\"x\"]},\"tasks\":[]}",
         "damaged: throttledBrokers.replication[0]: must be an integer"},
        {"{\"status\":\"running\",\"throttledBrokers\":{\"replication\":[-3]},\"tasks\":[]}",
         "damaged: throttledBrokers.replication[0]: -3 out of range"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        write_file(dir, bad[i].text);
        struct exec_journal b;
        exec_journal_init(&b, dir);
        CHECK_INT_EQ(exec_journal_load(&b, &err), -EINVAL);
        CHECK_STR_CONTAINS(err.msg, bad[i].want);
        CHECK_STR_CONTAINS(err.msg, "execution.json");
        exec_journal_finish(&b);
    }
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    CHECK_INT_EQ(system(cmd), 0);
    free(dir);
}

static char *log_path(const char *dir)
{
    static char path[512];
    snprintf(path, sizeof(path), "%s/execution.log", dir);
    return path;
}

static void append_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "a");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* Saves j in a child process that the kernel kills (SIGXFSZ) as soon as a write reaches
 * `limit` bytes into a file: a crash in the middle of that save, at a point chosen by size.
 * Returns the signal that ended the child (0 if it exited). */
static int save_killed_at(struct exec_journal *j, long limit)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        struct rlimit core = {0, 0}, fsize = {(rlim_t)limit, (rlim_t)limit};
        setrlimit(RLIMIT_CORE, &core);
        setrlimit(RLIMIT_FSIZE, &fsize);
        struct error err = {0};
        _exit(exec_journal_save(j, &err) == 0 ? 0 : 1);
    }
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFSIGNALED(st) ? WTERMSIG(st) : 0;
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* A journal of n inter tasks, saved as a base. */
static void journal_of(struct exec_journal *j, const char *dir, int n)
{
    exec_journal_init(j, dir);
    j->status = EXEC_STATUS_RUNNING;
    j->tasks = calloc((size_t)n, sizeof(*j->tasks));
    j->ntasks = n;
    for (int i = 0; i < n; i++) {
        j->tasks[i] = (struct exec_task){.type = EXEC_INTER, .partition = i, .nfrom = 1,
                                         .nto = 1, .size = 1000, .bytes = 1000, .order = i};
        j->tasks[i].topic = strdup("t");
        j->tasks[i].from[0] = 1;
        j->tasks[i].to[0] = 2;
    }
}

/* A poll that changes two tasks of 2,000 appends about two tasks' worth of bytes; a reload
 * sees base and log together; a torn last line is ignored; a bad record in the middle is not. */
TEST(journal_appends_what_changed)
{
    char *dir = temp_dir();
    if (!dir)
        return;
    struct exec_journal j;
    journal_of(&j, dir, 2000);
    struct error err = {0};
    CHECK_INT_EQ(exec_journal_save(&j, &err), 0);
    size_t base = exec_journal_bytes(&j);
    CHECK(base > 2000 * 100);
    j.tasks[7].state = EXEC_INFLIGHT;
    j.tasks[7].throttled_leaders = strdup("7:1");
    j.tasks[1999].state = EXEC_DONE;
    CHECK_INT_EQ(exec_journal_save(&j, &err), 0);
    size_t grew = exec_journal_bytes(&j) - base;
    CHECK(grew > 0);
    CHECK_INT_LE(grew, 800);
    CHECK_INT_EQ(exec_journal_save(&j, &err), 0); /* nothing changed: nothing written */
    CHECK_INT_EQ(exec_journal_bytes(&j) - base, grew);
    j.status = EXEC_STATUS_STOPPED;
    CHECK_INT_EQ(exec_journal_save(&j, &err), 0);
    exec_journal_finish(&j);

    /* a crash while appending: the process is killed half-way through the record of
     * task 8 going in flight */
    struct exec_journal k;
    exec_journal_init(&k, dir);
    CHECK_INT_EQ(exec_journal_load(&k, &err), 0);
    long before = file_size(log_path(dir));
    if (k.ntasks == 2000)
        k.tasks[8].state = EXEC_INFLIGHT;
    CHECK_INT_EQ(save_killed_at(&k, before + 20), SIGXFSZ);
    exec_journal_finish(&k);
    CHECK_INT_EQ(file_size(log_path(dir)), before + 20); /* the torn record is on disk */
    exec_journal_init(&k, dir);
    CHECK_INT_EQ(exec_journal_load(&k, &err), 0);
    /* a load only reads: the service's state reader cut a running execution's log to what
     * it had read, erasing the records appended meanwhile ('record 4 after 2' at the next
     * start); only the first save cuts the torn tail */
    CHECK_INT_EQ(file_size(log_path(dir)), before + 20);
    CHECK_INT_EQ(k.status, EXEC_STATUS_STOPPED);
    CHECK_INT_EQ(k.ntasks, 2000);
    if (k.ntasks == 2000) {
        CHECK_INT_EQ(k.tasks[7].state, EXEC_INFLIGHT);
        CHECK_STR_EQ(k.tasks[7].throttled_leaders, "7:1");
        CHECK_INT_EQ(k.tasks[1999].state, EXEC_DONE);
        CHECK_INT_EQ(k.tasks[8].state, EXEC_PENDING);
        /* saves after a load append to it (the torn tail cut off) */
        k.tasks[8].state = EXEC_DONE;
        CHECK_INT_EQ(exec_journal_save(&k, &err), 0);
    }
    exec_journal_finish(&k);
    exec_journal_init(&k, dir);
    CHECK_INT_EQ(exec_journal_load(&k, &err), 0);
    CHECK(k.ntasks == 2000 && k.tasks[8].state == EXEC_DONE);
    exec_journal_finish(&k);

    append_text(log_path(dir), "{\"seq\":4,\"tasks\":[{\"i\":3,\"type\":\"inter\","
                "\"state\":\"done\",\"topic\":\"t\",\"partition\":3,\"broker\":-7,"
                "\"from\":[1],\"to\":[2]}]}\n{\"seq\":5}\n");
    exec_journal_init(&k, dir);
    CHECK_INT_EQ(exec_journal_load(&k, &err), -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "execution.log is damaged: line 4: t-3: tasks[3].broker: -7");
    exec_journal_finish(&k);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    CHECK_INT_EQ(system(cmd), 0);
    free(dir);
}

/* The next execution, as exec_run starts it in a dir that holds an earlier one's journal:
 * loaded first, followed, n tasks. */
static void next_execution(struct exec_journal *j, const char *dir, int n)
{
    struct exec_journal old;
    exec_journal_init(&old, dir);
    struct error err = {0};
    CHECK_INT_EQ(exec_journal_load(&old, &err), 0);
    journal_of(j, dir, n);
    exec_journal_follow(j, &old);
    exec_journal_finish(&old);
}

/* A new execution's journal in a dir that holds an earlier one's, with a crash at each point
 * of its first save. Killed while its base is written: the earlier journal must stay whole,
 * log included (it used to be unlinked first: the earlier execution lost its finished state
 * and went back to 'running' with the log's moves pending, for a resume to redo). Killed
 * between the new base and the log's truncation: the old records must not replay onto the
 * new tasks. */
TEST(journal_new_execution_crash_keeps_old_log_apart)
{
    char *dir = temp_dir();
    if (!dir)
        return;
    struct exec_journal j;
    journal_of(&j, dir, 5);
    struct error err = {0};
    CHECK_INT_EQ(exec_journal_save(&j, &err), 0);
    j.tasks[4].state = EXEC_DONE;
    CHECK_INT_EQ(exec_journal_save(&j, &err), 0); /* a log record (seq 1) for task 4 */
    j.status = EXEC_STATUS_FINISHED;
    CHECK_INT_EQ(exec_journal_save(&j, &err), 0); /* seq 2: the header */
    exec_journal_finish(&j);
    long base = file_size(log_path(dir)) >= 0 ? file_size(log_path(dir)) : 0;
    CHECK(base > 0);

    next_execution(&j, dir, 200); /* its base is far larger than 400 bytes */
    CHECK_INT_EQ(save_killed_at(&j, 400), SIGXFSZ);
    exec_journal_finish(&j);
    struct exec_journal k;
    exec_journal_init(&k, dir);
    CHECK_INT_EQ(exec_journal_load(&k, &err), 0);
    CHECK_INT_EQ(k.ntasks, 5);
    CHECK_INT_EQ(k.status, EXEC_STATUS_FINISHED);
    CHECK(k.ntasks == 5 && k.tasks[4].state == EXEC_DONE);
    exec_journal_finish(&k);

    /* the crash after the new base is in place and before the log is emptied leaves the new
     * base beside the old log (rename and truncation are not one step): put back what the
     * old log held */
    char *old_log = NULL;
    size_t old_len = 0;
    FILE *f = fopen(log_path(dir), "rb");
    if (f) {
        old_log = calloc(1, 4096);
        old_len = fread(old_log, 1, 4095, f);
        fclose(f);
    }
    CHECK(old_len > 0);
    next_execution(&j, dir, 5);
    CHECK_INT_EQ(exec_journal_save(&j, &err), 0);
    exec_journal_finish(&j);
    append_text(log_path(dir), old_log ? old_log : "");
    free(old_log);
    exec_journal_init(&k, dir);
    CHECK_INT_EQ(exec_journal_load(&k, &err), 0);
    CHECK_INT_EQ(k.status, EXEC_STATUS_RUNNING);
    CHECK(k.ntasks == 5 && k.tasks[4].state == EXEC_PENDING);
    /* and the new execution's own records go on after the stale ones */
    if (k.ntasks == 5)
        k.tasks[2].state = EXEC_DONE;
    CHECK_INT_EQ(exec_journal_save(&k, &err), 0);
    exec_journal_finish(&k);
    exec_journal_init(&k, dir);
    CHECK_INT_EQ(exec_journal_load(&k, &err), 0);
    CHECK(k.ntasks == 5 && k.tasks[2].state == EXEC_DONE && k.tasks[4].state == EXEC_PENDING);
    exec_journal_finish(&k);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    CHECK_INT_EQ(system(cmd), 0);
    free(dir);
}

/* The log is folded into a new base once it outgrows the base: the journal stays bounded. */
TEST(journal_compacts)
{
    char *dir = temp_dir();
    if (!dir)
        return;
    struct exec_journal j;
    journal_of(&j, dir, 50);
    struct error err = {0};
    CHECK_INT_EQ(exec_journal_save(&j, &err), 0);
    size_t most = 0;
    for (int round = 0; round < 4000; round++) {
        j.tasks[round % 50].started = round + 1;
        CHECK_INT_EQ(exec_journal_save(&j, &err), 0);
        most = exec_journal_bytes(&j) > most ? exec_journal_bytes(&j) : most;
    }
    CHECK_INT_LE(most, 3 * 1024 * 1024);
    exec_journal_finish(&j);
    struct exec_journal k;
    exec_journal_init(&k, dir);
    CHECK_INT_EQ(exec_journal_load(&k, &err), 0);
    CHECK(k.ntasks == 50 && k.tasks[3999 % 50].started == 4000);
    exec_journal_finish(&k);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    CHECK_INT_EQ(system(cmd), 0);
    free(dir);
}

/* An estimate from one small move finished beside a large one in flight said "ETA
 * 1051200351 s"; too little moved is unknown (-1), not decades. */
TEST(eta_only_from_enough_data)
{
    CHECK_NEAR(exec_eta_s(0, 0, 0), 0, 1e-9);            /* nothing left */
    CHECK_NEAR(exec_eta_s(500, 0, 3), 0, 1e-9);
    CHECK_NEAR(exec_eta_s(0, 1000, 60), -1, 1e-9);        /* nothing moved yet */
    CHECK_NEAR(exec_eta_s(1000, 3000000000, 60), -1, 1e-9); /* 1 KB of 3 GB */
    CHECK_NEAR(exec_eta_s(500, 500, 5), -1, 1e-9);        /* too early */
    CHECK_NEAR(exec_eta_s(100, 9900, 20), 1980, 1e-6);    /* exactly 1 %: 20 s * 99 */
    CHECK_NEAR(exec_eta_s(1000, 3000, 60), 180, 1e-6);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
