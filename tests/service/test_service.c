/* The service core without threads or Kafka: model generations, the state-dir lock, the task
 * engine (ids, limits, 429/409/404 answers), persistence across a restart, placement checks. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/alloc.h"
#include "model/generate.h"
#include "optimizer/optimizer.h"
#include "service/internal.h"
#include "tests/harness.h"

static char *tmpdir(void)
{
    char tmpl[] = "/tmp/ballast-svc-XXXXXX";
    char *d = mkdtemp(tmpl);
    return d ? xstrdup(d) : NULL;
}

static struct model_cluster *gen(uint64_t seed)
{
    struct model_generate_opts o;
    model_generate_defaults(&o);
    o.seed = seed;
    o.brokers = 6;
    o.partitions = 120;
    o.topics = 4;
    struct model_cluster *c = NULL;
    struct error err = {0};
    if (model_generate(&o, &c, &err) < 0)
        fprintf(stderr, "generate: %s\n", err.msg);
    return c;
}

/* A service on dir without threads: tasks stay queued (no planner takes them). */
static struct svc *open_svc(const char *dir, struct config *cfg, struct opt_request *defaults,
                            struct error *err)
{
    opt_request_init(defaults);
    struct svc_options so = {.cfg = cfg, .snapshot = NULL, .bootstrap = "127.0.0.1:1",
                             .th = &defaults->th, .state_dir = dir};
    struct svc *s = NULL;
    if (svc_create(&so, &s, err) < 0)
        return NULL;
    return s;
}

static void rm_rf(const char *dir)
{
    char *cmd = xasprintf("rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
    free(cmd);
}

TEST(generations_refcounted)
{
    struct model_cluster *c = gen(1);
    struct svc_gen *g = svc_gen_create(c, 1.0);
    CHECK_INT_EQ(atomic_load(&g->refs), 1);
    struct svc_gen *r = svc_gen_ref(g);
    CHECK(r == g);
    CHECK_INT_EQ(atomic_load(&g->refs), 2);
    svc_gen_unref(g);
    CHECK_INT_EQ(atomic_load(&g->refs), 1);
    svc_gen_unref(g); /* frees; ASan checks */
    svc_gen_unref(NULL);
}

TEST(placement_hash_sees_replica_lists_only)
{
    struct model_cluster *a = gen(2), *b = gen(2);
    CHECK(svc_placement_hash(a) == svc_placement_hash(b));
    b->replicas[0].size += 12345; /* sizes change all the time: not a placement change */
    CHECK(svc_placement_hash(a) == svc_placement_hash(b));
    int32_t other = (b->replicas[0].broker + 1) % b->nbrokers;
    bool free_slot = true;
    for (int i = 0; i < b->partitions[0].rf; i++)
        free_slot &= b->replicas[i].broker != other;
    if (free_slot) {
        b->replicas[0].broker = other;
        CHECK(svc_placement_hash(a) != svc_placement_hash(b));
    }
    /* the order of the list counts: it names the preferred leader */
    struct model_cluster *c = gen(2);
    int32_t t = c->replicas[0].broker;
    c->replicas[0].broker = c->replicas[1].broker;
    c->replicas[1].broker = t;
    CHECK(svc_placement_hash(a) != svc_placement_hash(c));
    model_cluster_destroy(a);
    model_cluster_destroy(b);
    model_cluster_destroy(c);
}

TEST(second_service_on_a_state_dir_refused)
{
    char *dir = tmpdir();
    struct config *cfg = config_default();
    struct opt_request d1, d2;
    struct error err = {0};
    struct svc *s1 = open_svc(dir, cfg, &d1, &err);
    CHECK(s1 != NULL);
    struct svc *s2 = open_svc(dir, cfg, &d2, &err);
    CHECK(s2 == NULL);
    CHECK_INT_EQ(err.code, -EBUSY);
    CHECK_STR_CONTAINS(err.msg, "in use by another ballast serve");
    char pid[32];
    snprintf(pid, sizeof(pid), "pid %ld", (long)getpid());
    CHECK_STR_CONTAINS(err.msg, pid);
    svc_destroy(s1);
    struct svc *s3 = open_svc(dir, cfg, &d2, &err); /* released with the first */
    CHECK(s3 != NULL);
    svc_destroy(s3);
    config_destroy(cfg);
    rm_rf(dir);
    free(dir);
}

TEST(sample_counts_per_broker)
{
    char *dir = tmpdir();
    struct config *cfg = config_default();
    struct opt_request d;
    struct error err = {0};
    struct svc *s = open_svc(dir, cfg, &d, &err);
    CHECK(s != NULL);
    struct model_cluster *c = gen(3); /* 6 brokers */
    int8_t r1[6] = {MON_SAMPLE_OK, MON_SAMPLE_FAILED, MON_SAMPLE_SKIPPED, MON_SAMPLE_OK,
                    MON_SAMPLE_OK, MON_SAMPLE_OK};
    int8_t r2[6] = {MON_SAMPLE_OK, MON_SAMPLE_OK, MON_SAMPLE_SKIPPED, MON_SAMPLE_FAILED,
                    MON_SAMPLE_OK, MON_SAMPLE_OK};
    svc_count_samples(s, c, r1);
    svc_count_samples(s, c, r2);
    struct svc_sample_count *v;
    size_t n = svc_sample_counts(s, &v);
    CHECK_INT_EQ((long long)n, 5); /* the skipped broker counts in neither */
    for (size_t i = 0; i < n; i++) {
        if (i)
            CHECK(v[i - 1].broker_id < v[i].broker_id);
        CHECK(v[i].broker_id != c->brokers[2].id);
    }
    for (size_t i = 0; i < n; i++) {
        if (v[i].broker_id == c->brokers[1].id || v[i].broker_id == c->brokers[3].id) {
            CHECK_INT_EQ((long long)v[i].ok, 1);
            CHECK_INT_EQ((long long)v[i].failed, 1);
        } else {
            CHECK_INT_EQ((long long)v[i].ok, 2);
            CHECK_INT_EQ((long long)v[i].failed, 0);
        }
    }
    free(v);
    model_cluster_destroy(c);
    svc_destroy(s);
    config_destroy(cfg);
    rm_rf(dir);
    free(dir);
}

static int submit(struct svc *s, enum svc_mode mode, const char *goal, bool dryrun,
                  const char *proposal, char **id, int *http, struct error *err)
{
    struct svc_request r;
    svc_request_init(&r);
    r.mode = mode;
    r.dryrun = dryrun;
    if (goal) {
        r.goals = xcalloc(2, sizeof(char *));
        r.goals[0] = xstrdup(goal);
        r.ngoals = 1;
    }
    if (proposal)
        r.proposal_id = xstrdup(proposal);
    r.user = xstrdup("alice");
    return svc_submit(s, &r, id, http, err);
}

TEST(task_limits_and_answers)
{
    char *dir = tmpdir();
    struct config *cfg = config_default();
    cfg->api.max_active_tasks = 3;
    struct opt_request d;
    struct error err = {0};
    struct svc *s = open_svc(dir, cfg, &d, &err);
    char *id = NULL;
    int http = 0;
    /* no model yet: 503 */
    CHECK_INT_EQ(submit(s, SVC_MODE_FULL, NULL, true, NULL, &id, &http, &err), -EAGAIN);
    CHECK_INT_EQ(http, 503);
    svc_publish(s, svc_gen_create(gen(3), 1.0));
    /* remove-disks without its disks: refused, said so */
    CHECK_INT_EQ(submit(s, SVC_MODE_REMOVE_DISKS, NULL, true, NULL, &id, &http, &err), -EINVAL);
    CHECK_INT_EQ(http, 400);
    CHECK_STR_CONTAINS(err.msg, "remove-disks");
    /* a broker the model lacks */
    struct svc_request r;
    svc_request_init(&r);
    r.mode = SVC_MODE_REMOVE_BROKERS;
    r.brokers = xcalloc(1, sizeof(int32_t));
    r.brokers[0] = 999;
    r.nbrokers = 1;
    CHECK_INT_EQ(svc_submit(s, &r, &id, &http, &err), -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "broker 999 does not exist");
    /* three tasks queue (no planner runs here), the fourth is 429 */
    char *ids[3];
    for (int i = 0; i < 3; i++) {
        CHECK_INT_EQ(submit(s, SVC_MODE_FULL, "RackAwareGoal", true, NULL, &ids[i], &http, &err),
                     0);
    }
    CHECK_INT_EQ(submit(s, SVC_MODE_FULL, "RackAwareGoal", true, NULL, &id, &http, &err), -EBUSY);
    CHECK_INT_EQ(http, 429);
    CHECK_STR_CONTAINS(err.msg, "active user tasks");
    bool done = true;
    cJSON *t = svc_task_wait(s, ids[0], 10, &done);
    CHECK(t && !done);
    CHECK_STR_EQ(cJSON_GetStringValue(cJSON_GetObjectItem(t, "state")), "Active");
    CHECK_STR_EQ(cJSON_GetStringValue(cJSON_GetObjectItem(t, "user")), "alice");
    cJSON_Delete(t);
    CHECK(svc_task_wait(s, "nope", 10, &done) == NULL);
    /* an unknown proposal: 404; a snapshot-free service with a bootstrap is live */
    CHECK_INT_EQ(submit(s, SVC_MODE_FULL, NULL, false, "00000000-0000-4000-8000-000000000000",
                        &id, &http, &err),
                 -EBUSY); /* still over the limit */
    for (int i = 0; i < 3; i++)
        free(ids[i]);
    svc_destroy(s);
    config_destroy(cfg);
    rm_rf(dir);
    free(dir);
}

TEST(proposal_refused_when_cluster_changed)
{
    char *dir = tmpdir();
    struct config *cfg = config_default();
    struct opt_request d;
    struct error err = {0};
    struct svc *s = open_svc(dir, cfg, &d, &err);
    struct model_cluster *c = gen(4);
    struct model_cluster *again = model_cluster_clone(c);
    svc_publish(s, svc_gen_create(c, 1.0));
    /* a proposal made on generation 1 that moves partition 0 */
    struct svc_proposal *p = xcalloc(1, sizeof(*p));
    svc_new_id(p->id);
    p->gen = 1;
    p->placement = svc_placement_hash(c);
    p->mode = xstrdup("full");
    p->reassignment = xstrdup("{\"version\":1,\"partitions\":[]}");
    p->changed = xcalloc(1, sizeof(*p->changed));
    p->changed[0].topic = xstrdup(c->topics[c->partitions[0].topic].name);
    p->changed[0].partition = c->partitions[0].id;
    p->changed[0].n = c->partitions[0].rf;
    for (int k = 0; k < c->partitions[0].rf; k++)
        p->changed[0].before[k] = c->brokers[model_replicas_of(c, 0)[k].broker].id;
    p->nchanged = 1;
    s->proposals[s->nproposals++] = p;
    /* the cluster moves partition 0 (another tool) */
    struct model_cluster *c2 = model_cluster_clone(c);
    int32_t t = c2->replicas[0].broker;
    c2->replicas[0].broker = c2->replicas[1].broker;
    c2->replicas[1].broker = t;
    svc_publish(s, svc_gen_create(c2, 1.0));
    char *id = NULL;
    int http = 0;
    CHECK_INT_EQ(submit(s, SVC_MODE_FULL, NULL, false, p->id, &id, &http, &err), -EEXIST);
    CHECK_INT_EQ(http, 409);
    CHECK_STR_CONTAINS(err.msg, "changed under proposal");
    CHECK_STR_CONTAINS(err.msg, "has other replicas now");
    /* back to the proposal's placement: accepted and queued for the executor thread */
    svc_publish(s, svc_gen_create(again, 1.0));
    CHECK_INT_EQ(submit(s, SVC_MODE_FULL, NULL, false, p->id, &id, &http, &err), 0);
    CHECK(s->job != NULL && s->executing);
    /* one execution at a time */
    char *id2 = NULL;
    CHECK_INT_EQ(submit(s, SVC_MODE_FULL, NULL, false, p->id, &id2, &http, &err), -EEXIST);
    CHECK_INT_EQ(http, 409);
    CHECK_STR_CONTAINS(err.msg, "ongoing execution");
    free(id);
    svc_destroy(s);
    config_destroy(cfg);
    rm_rf(dir);
    free(dir);
}

TEST(tasks_survive_a_restart)
{
    char *dir = tmpdir();
    struct config *cfg = config_default();
    struct opt_request d;
    struct error err = {0};
    struct svc *s = open_svc(dir, cfg, &d, &err);
    pthread_mutex_lock(&s->lock);
    struct svc_task *done = svc_task_new(s, "rebalance");
    done->user = xstrdup("bob");
    svc_task_step(done, "Planning", "optimizing", 50);
    svc_task_end(s, done, SVC_TASK_COMPLETED, xstrdup("{\"summary\":{\"x\":1}}"), 200);
    char keep[SVC_ID_LEN];
    memcpy(keep, done->id, SVC_ID_LEN);
    struct svc_task *planning = svc_task_new(s, "rebalance");
    svc_task_persist(s, planning); /* as if killed while planning */
    char lost[SVC_ID_LEN];
    memcpy(lost, planning->id, SVC_ID_LEN);
    struct svc_task *old = svc_task_new(s, "rebalance");
    svc_task_end(s, old, SVC_TASK_COMPLETED, xstrdup("{}"), 200);
    old->ended_ms -= 2 * cfg->api.task_retention_ms; /* beyond retention */
    svc_task_persist(s, old);
    pthread_mutex_unlock(&s->lock);
    svc_destroy(s);

    s = open_svc(dir, cfg, &d, &err);
    CHECK(s != NULL);
    cJSON *t = svc_task_json(s, keep, true);
    CHECK(t != NULL);
    CHECK_STR_EQ(cJSON_GetStringValue(cJSON_GetObjectItem(t, "state")), "Completed");
    CHECK_STR_EQ(cJSON_GetStringValue(cJSON_GetObjectItem(t, "user")), "bob");
    cJSON *res = cJSON_Parse(cJSON_GetObjectItem(t, "result")->valuestring);
    CHECK(cJSON_IsObject(res) && cJSON_GetObjectItem(res, "summary"));
    cJSON_Delete(res);
    cJSON_Delete(t);
    t = svc_task_json(s, lost, false);
    CHECK(t != NULL);
    CHECK_STR_EQ(cJSON_GetStringValue(cJSON_GetObjectItem(t, "state")), "CompletedWithError");
    cJSON_Delete(t);
    cJSON *all = svc_tasks_json(s, 100);
    CHECK_INT_EQ(cJSON_GetArraySize(cJSON_GetObjectItem(all, "tasks")), 2); /* old one gone */
    cJSON_Delete(all);
    svc_destroy(s);
    config_destroy(cfg);
    rm_rf(dir);
    free(dir);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
