/* The KafkaRebalance state machine (rebalance/machine.c): every state with every annotation,
 * the tracked task's outcomes, pause, spec edits and invalid specs, auto-approval, empty
 * proposals; and the spec checks (rebalance/spec.c) and YAML round trips (rebalance/yaml.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rebalance/rebalance.h"
#include "tests/harness.h"

static struct rb_output decide(enum rb_state st, enum rb_annot a, enum rb_task t)
{
    struct rb_input in = {.state = st, .annot = a, .task = t};
    struct rb_output out;
    rb_decide(&in, &out);
    return out;
}

TEST(annotation_table)
{
    /* KAFKA-REBALANCE.md's table */
    static const struct {
        enum rb_state st;
        bool approve, refresh, stop;
    } rows[] = {
        {RB_NEW, 0, 0, 0},           {RB_PENDING_PROPOSAL, 0, 1, 1}, {RB_PROPOSAL_READY, 1, 1, 0},
        {RB_REBALANCING, 0, 1, 1},   {RB_STOPPED, 0, 1, 0},          {RB_NOT_READY, 0, 1, 0},
        {RB_READY, 0, 1, 0},         {RB_RECONCILIATION_PAUSED, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        CHECK_INT_EQ(rb_annot_valid(rows[i].st, RB_ANNOT_APPROVE), rows[i].approve);
        CHECK_INT_EQ(rb_annot_valid(rows[i].st, RB_ANNOT_REFRESH), rows[i].refresh);
        CHECK_INT_EQ(rb_annot_valid(rows[i].st, RB_ANNOT_STOP), rows[i].stop);
        CHECK(!rb_annot_valid(rows[i].st, RB_ANNOT_UNKNOWN));
        CHECK(!rb_annot_valid(rows[i].st, RB_ANNOT_NONE));
    }
    char buf[64];
    CHECK_STR_EQ(rb_annot_list(RB_PROPOSAL_READY, buf, sizeof(buf)), "[approve, refresh]");
    CHECK_STR_EQ(rb_annot_list(RB_REBALANCING, buf, sizeof(buf)), "[stop, refresh]");
    CHECK_STR_EQ(rb_annot_list(RB_NEW, buf, sizeof(buf)), "[]");
    CHECK_INT_EQ(rb_annot_parse("approve"), RB_ANNOT_APPROVE);
    CHECK_INT_EQ(rb_annot_parse("Approve"), RB_ANNOT_UNKNOWN);
    CHECK_INT_EQ(rb_annot_parse(""), RB_ANNOT_NONE);
    CHECK_INT_EQ(rb_annot_parse(NULL), RB_ANNOT_NONE);
    for (int s = 0; s < RB_NSTATES; s++)
        CHECK_INT_EQ(rb_state_parse(rb_state_names[s]), s);
    CHECK_INT_EQ(rb_state_parse("Bogus"), -1);
}

/* Every invalid annotation in every state stays and warns, and changes nothing else than
 * the task would. */
TEST(invalid_annotations_stay_and_warn)
{
    for (int s = 0; s < RB_NSTATES; s++)
        for (int a = RB_ANNOT_APPROVE; a <= RB_ANNOT_UNKNOWN; a++) {
            if (rb_annot_valid((enum rb_state)s, (enum rb_annot)a))
                continue;
            struct rb_output o = decide((enum rb_state)s, (enum rb_annot)a, RB_TASK_PLANNING);
            struct rb_output plain = decide((enum rb_state)s, RB_ANNOT_NONE, RB_TASK_PLANNING);
            CHECK(!o.consume);
            CHECK(o.warn_invalid || s == RB_RECONCILIATION_PAUSED);
            CHECK_INT_EQ(o.state, plain.state);
            CHECK_INT_EQ(o.action, plain.action);
        }
}

/* One row per transition: the input (state, annotation, the tracked task, auto-approval, an
 * empty proposal) and the whole output expected. */
struct row {
    enum rb_state st;
    enum rb_annot annot;
    enum rb_task task;
    bool auto_approval, empty;
    enum rb_state to;
    enum rb_action act;
    bool consume, warn, observe;
    enum rb_why why;
};

#define N RB_ANNOT_NONE
#define AP RB_ANNOT_APPROVE
#define RF RB_ANNOT_REFRESH
#define SP RB_ANNOT_STOP
static const struct row rows[] = {
    /* New asks for a proposal; an early approve is kept (with a warning) for later */
    {RB_NEW, N, RB_TASK_NONE, 0, 0, RB_PENDING_PROPOSAL, RB_ACT_PROPOSE, 0, 0, 1, 0},
    {RB_NEW, AP, RB_TASK_NONE, 0, 0, RB_PENDING_PROPOSAL, RB_ACT_PROPOSE, 0, 1, 1, 0},
    /* PendingProposal follows the planning; a passing failure, a lost task or none: ask again
     * (the controller paces it) */
    {RB_PENDING_PROPOSAL, N, RB_TASK_PLANNING, 0, 0, RB_PENDING_PROPOSAL, RB_ACT_NONE, 0, 0, 0, 0},
    {RB_PENDING_PROPOSAL, N, RB_TASK_PROPOSAL, 0, 0, RB_PROPOSAL_READY, RB_ACT_NONE, 0, 0, 0, 0},
    {RB_PENDING_PROPOSAL, N, RB_TASK_PLAN_RETRY, 0, 0, RB_PENDING_PROPOSAL, RB_ACT_PROPOSE, 0, 0, 0, 0},
    {RB_PENDING_PROPOSAL, N, RB_TASK_LOST, 0, 0, RB_PENDING_PROPOSAL, RB_ACT_PROPOSE, 0, 0, 0, 0},
    {RB_PENDING_PROPOSAL, N, RB_TASK_NONE, 0, 0, RB_PENDING_PROPOSAL, RB_ACT_PROPOSE, 0, 0, 0, 0},
    {RB_PENDING_PROPOSAL, N, RB_TASK_PLAN_FAILED, 0, 0, RB_NOT_READY, RB_ACT_NONE, 0, 0, 0,
     RB_WHY_PLAN_FAILED},
    {RB_PENDING_PROPOSAL, SP, RB_TASK_PLANNING, 0, 0, RB_STOPPED, RB_ACT_FORGET, 1, 0, 0, 0},
    {RB_PENDING_PROPOSAL, RF, RB_TASK_PLANNING, 0, 0, RB_PENDING_PROPOSAL, RB_ACT_PROPOSE, 1, 0, 1, 0},
    {RB_PENDING_PROPOSAL, AP, RB_TASK_PROPOSAL, 0, 0, RB_PROPOSAL_READY, RB_ACT_NONE, 0, 1, 0, 0},
    /* ProposalReady waits for approve (or auto-approval); an empty proposal completes at once */
    {RB_PROPOSAL_READY, N, RB_TASK_PROPOSAL, 0, 0, RB_PROPOSAL_READY, RB_ACT_NONE, 0, 0, 0, 0},
    {RB_PROPOSAL_READY, AP, RB_TASK_PROPOSAL, 0, 0, RB_REBALANCING, RB_ACT_EXECUTE, 1, 0, 0, 0},
    {RB_PROPOSAL_READY, RF, RB_TASK_PROPOSAL, 0, 0, RB_PENDING_PROPOSAL, RB_ACT_PROPOSE, 1, 0, 1, 0},
    {RB_PROPOSAL_READY, SP, RB_TASK_PROPOSAL, 0, 0, RB_PROPOSAL_READY, RB_ACT_NONE, 0, 1, 0, 0},
    {RB_PROPOSAL_READY, N, RB_TASK_LOST, 0, 0, RB_PENDING_PROPOSAL, RB_ACT_PROPOSE, 0, 0, 0, 0},
    {RB_PROPOSAL_READY, N, RB_TASK_NONE, 0, 0, RB_PENDING_PROPOSAL, RB_ACT_PROPOSE, 0, 0, 0, 0},
    {RB_PROPOSAL_READY, N, RB_TASK_PROPOSAL, 1, 0, RB_REBALANCING, RB_ACT_EXECUTE, 0, 0, 0, 0},
    {RB_PROPOSAL_READY, N, RB_TASK_PROPOSAL, 1, 1, RB_READY, RB_ACT_NONE, 0, 0, 0, 0},
    {RB_PROPOSAL_READY, AP, RB_TASK_PROPOSAL, 0, 1, RB_READY, RB_ACT_NONE, 1, 0, 0, 0},
    /* Rebalancing follows the execution */
    {RB_REBALANCING, N, RB_TASK_EXECUTING, 0, 0, RB_REBALANCING, RB_ACT_NONE, 0, 0, 0, 0},
    {RB_REBALANCING, N, RB_TASK_EXEC_DONE, 0, 0, RB_READY, RB_ACT_NONE, 0, 0, 0, 0},
    {RB_REBALANCING, N, RB_TASK_EXEC_STOPPED, 0, 0, RB_STOPPED, RB_ACT_NONE, 0, 0, 0, 0},
    {RB_REBALANCING, N, RB_TASK_EXEC_FAILED, 0, 0, RB_NOT_READY, RB_ACT_NONE, 0, 0, 0,
     RB_WHY_EXEC_FAILED},
    {RB_REBALANCING, N, RB_TASK_LOST, 0, 0, RB_NOT_READY, RB_ACT_NONE, 0, 0, 0, RB_WHY_TASK_LOST},
    {RB_REBALANCING, N, RB_TASK_NONE, 0, 0, RB_NOT_READY, RB_ACT_NONE, 0, 0, 0, RB_WHY_TASK_LOST},
    {RB_REBALANCING, SP, RB_TASK_EXECUTING, 0, 0, RB_STOPPED, RB_ACT_STOP, 1, 0, 0, 0},
    {RB_REBALANCING, RF, RB_TASK_EXECUTING, 0, 0, RB_PENDING_PROPOSAL, RB_ACT_STOP_PROPOSE, 1, 0, 1,
     0},
    {RB_REBALANCING, AP, RB_TASK_EXECUTING, 0, 0, RB_REBALANCING, RB_ACT_NONE, 0, 1, 0, 0},
    /* Ready, Stopped and NotReady wait for a refresh */
    {RB_READY, N, RB_TASK_EXEC_DONE, 0, 0, RB_READY, RB_ACT_NONE, 0, 0, 0, 0},
    {RB_READY, RF, RB_TASK_EXEC_DONE, 0, 0, RB_PENDING_PROPOSAL, RB_ACT_PROPOSE, 1, 0, 1, 0},
    {RB_READY, AP, RB_TASK_EXEC_DONE, 0, 0, RB_READY, RB_ACT_NONE, 0, 1, 0, 0},
    {RB_STOPPED, N, RB_TASK_EXEC_STOPPED, 0, 0, RB_STOPPED, RB_ACT_NONE, 0, 0, 0, 0},
    {RB_STOPPED, RF, RB_TASK_EXEC_STOPPED, 0, 0, RB_PENDING_PROPOSAL, RB_ACT_PROPOSE, 1, 0, 1, 0},
    {RB_STOPPED, AP, RB_TASK_EXEC_STOPPED, 0, 0, RB_STOPPED, RB_ACT_NONE, 0, 1, 0, 0},
    {RB_NOT_READY, N, RB_TASK_EXEC_FAILED, 0, 0, RB_NOT_READY, RB_ACT_NONE, 0, 0, 0, 0},
    {RB_NOT_READY, RF, RB_TASK_EXEC_FAILED, 0, 0, RB_PENDING_PROPOSAL, RB_ACT_PROPOSE, 1, 0, 1, 0},
    {RB_NOT_READY, AP, RB_TASK_EXEC_FAILED, 0, 0, RB_NOT_READY, RB_ACT_NONE, 0, 1, 0, 0},
};
#undef N
#undef AP
#undef RF
#undef SP

TEST(transitions)
{
    static const char *const annots[] = {"-", "approve", "refresh", "stop", "unknown"};
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const struct row *r = &rows[i];
        struct rb_input in = {.state = r->st, .annot = r->annot, .task = r->task,
                              .auto_approval = r->auto_approval, .proposal_empty = r->empty};
        struct rb_output o;
        rb_decide(&in, &o);
        if (o.state != r->to || o.action != r->act || o.consume != r->consume ||
            o.warn_invalid != r->warn || o.observe != r->observe || o.why != r->why)
            test_fail(__FILE__, __LINE__,
                      "row %zu (%s, annotation %s, task %d%s%s): got %s/%s consume %d warn %d "
                      "observe %d why %d, expected %s/%s consume %d warn %d observe %d why %d",
                      i, rb_state_names[r->st], annots[r->annot], (int)r->task,
                      r->auto_approval ? ", auto-approval" : "", r->empty ? ", empty" : "",
                      rb_state_names[o.state], rb_action_names[o.action], o.consume,
                      o.warn_invalid, o.observe, (int)o.why, rb_state_names[r->to],
                      rb_action_names[r->act], r->consume, r->warn, r->observe, (int)r->why);
    }
}

TEST(spec_edit_acts_as_refresh)
{
    for (int s = RB_PENDING_PROPOSAL; s <= RB_READY; s++) {
        struct rb_input in = {.state = (enum rb_state)s, .spec_changed = true,
                              .task = RB_TASK_EXECUTING};
        struct rb_output o;
        rb_decide(&in, &o);
        CHECK_INT_EQ(o.state, RB_PENDING_PROPOSAL);
        CHECK_INT_EQ(o.action, s == RB_REBALANCING ? RB_ACT_STOP_PROPOSE : RB_ACT_PROPOSE);
        CHECK(o.observe && !o.consume);
    }
}

TEST(invalid_spec_is_not_ready)
{
    for (int s = 0; s < RB_NSTATES - 1; s++) {
        struct rb_input in = {.state = (enum rb_state)s, .spec_invalid = true,
                              .task = RB_TASK_EXECUTING};
        struct rb_output o;
        rb_decide(&in, &o);
        CHECK_INT_EQ(o.state, RB_NOT_READY);
        CHECK_INT_EQ(o.why, RB_WHY_INVALID_SPEC);
        CHECK_INT_EQ(o.action, s == RB_REBALANCING ? RB_ACT_STOP : RB_ACT_NONE);
    }
}

TEST(pause_and_unpause)
{
    for (int s = 0; s < RB_NSTATES; s++) {
        struct rb_input in = {.state = (enum rb_state)s, .paused = true,
                              .annot = RB_ANNOT_APPROVE, .task = RB_TASK_PROPOSAL};
        struct rb_output o;
        rb_decide(&in, &o);
        CHECK_INT_EQ(o.state, RB_RECONCILIATION_PAUSED);
        CHECK_INT_EQ(o.action, RB_ACT_NONE);
        CHECK(!o.consume && !o.warn_invalid);
    }
    struct rb_output o = decide(RB_RECONCILIATION_PAUSED, RB_ANNOT_NONE, RB_TASK_PROPOSAL);
    CHECK_INT_EQ(o.state, RB_PENDING_PROPOSAL);
    CHECK_INT_EQ(o.action, RB_ACT_PROPOSE);
}

/* ---- the spec ---- */

static int spec_of(const char *json, struct rb_spec *s, struct error *err)
{
    cJSON *j = cJSON_Parse(json);
    int rc = rb_spec_parse(j, s, err);
    cJSON_Delete(j);
    return rc;
}

TEST(spec_checks)
{
    struct rb_spec s;
    struct error err = {0};
    CHECK_INT_EQ(spec_of("{}", &s, &err), 0);
    CHECK_INT_EQ(s.mode, SVC_MODE_FULL);
    CHECK(s.throttle < 0);
    rb_spec_finish(&s);
    CHECK_INT_EQ(spec_of("{\"mode\":\"add-brokers\",\"brokers\":[6,7],\"replicationThrottle\":"
                         "5000000,\"concurrentPartitionMovementsPerBroker\":3,"
                         "\"goals\":[\"RackAwareGoal\"],\"excludedTopics\":\"^__.*\"}",
                         &s, &err), 0);
    CHECK_INT_EQ(s.mode, SVC_MODE_ADD_BROKERS);
    CHECK_INT_EQ(s.nbrokers, 2);
    CHECK_INT_EQ(s.brokers[1], 7);
    CHECK_NEAR(s.throttle, 5e6, 0);
    CHECK_INT_EQ(s.concurrency, 3);
    struct svc_request r;
    rb_spec_request(&s, &r);
    CHECK_INT_EQ(r.nbrokers, 2);
    CHECK(r.dryrun);
    CHECK_STR_EQ(r.goals[0], "RackAwareGoal");
    CHECK_STR_EQ(r.excluded_topics, "^__.*");
    svc_request_finish(&r);
    rb_spec_finish(&s);
    /* Strimzi's messages: kept, NotReady */
    CHECK_INT_EQ(spec_of("{\"mode\":\"add-brokers\"}", &s, &err), -EDOM);
    CHECK_STR_EQ(err.msg, "The brokers list is mandatory when using the add-brokers rebalancing "
                          "mode");
    CHECK_INT_EQ(spec_of("{\"mode\":\"remove-brokers\",\"brokers\":[]}", &s, &err), -EDOM);
    CHECK_STR_CONTAINS(err.msg, "remove-brokers rebalancing mode");
    CHECK_INT_EQ(spec_of("{\"mode\":\"remove-disks\"}", &s, &err), -EDOM);
    CHECK_STR_CONTAINS(err.msg, "moveReplicasOffVolumes");
    CHECK_INT_EQ(spec_of("{\"rebalanceDisk\":true,\"goals\":[\"RackAwareGoal\"]}", &s, &err),
                 -EDOM);
    CHECK_INT_EQ(spec_of("{\"goals\":[\"NoSuchGoal\"]}", &s, &err), -EDOM);
    CHECK_STR_CONTAINS(err.msg, "NoSuchGoal");
    /* the schema's: refused */
    CHECK_INT_EQ(spec_of("{\"mode\":\"sideways\"}", &s, &err), -EINVAL);
    CHECK_INT_EQ(spec_of("{\"brokers\":[\"a\"]}", &s, &err), -EINVAL);
    CHECK_INT_EQ(spec_of("{\"brokers\":[1,1],\"mode\":\"add-brokers\"}", &s, &err), -EINVAL);
    CHECK_INT_EQ(spec_of("{\"colour\":1}", &s, &err), -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "unknown field 'colour'");
    CHECK_INT_EQ(spec_of("{\"excludedTopics\":\"(\"}", &s, &err), -EINVAL);
    CHECK_INT_EQ(spec_of("{\"replicaMovementStrategies\":[\"Nope\"]}", &s, &err), -EINVAL);
    CHECK_INT_EQ(spec_of("{\"concurrentLeaderMovements\":-1}", &s, &err), -EINVAL);
    CHECK_INT_EQ(spec_of("[]", &s, &err), -EINVAL);
}

/* ---- YAML ---- */

TEST(yaml_round_trip)
{
    const char *text = "apiVersion: kafka.strimzi.io/v1\nkind: KafkaRebalance\nmetadata:\n"
                       "  name: r1\n  labels:\n    strimzi.io/cluster: c\n  annotations:\n"
                       "    strimzi.io/rebalance-auto-approval: \"true\"\n"
                       "spec:\n  mode: add-brokers\n  brokers: [3, 4]\n  goals:\n"
                       "    - RackAwareGoal\n  skipHardGoalCheck: true\n  excludedTopics: '007'\n"
                       "  replicationThrottle: 1.5e6\n  x: ~\n---\n---\nkind: Other\n";
    cJSON *docs = NULL;
    struct error err = {0};
    CHECK_INT_EQ(rb_yaml_parse(text, strlen(text), "t.yaml", &docs, &err), 0);
    CHECK_INT_EQ(cJSON_GetArraySize(docs), 2);
    cJSON *d = cJSON_GetArrayItem(docs, 0);
    cJSON *spec = cJSON_GetObjectItem(d, "spec");
    CHECK(cJSON_IsString(cJSON_GetObjectItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(d, "metadata"), "annotations"),
        "strimzi.io/rebalance-auto-approval")));
    CHECK(cJSON_IsNumber(cJSON_GetArrayItem(cJSON_GetObjectItem(spec, "brokers"), 1)));
    CHECK(cJSON_IsTrue(cJSON_GetObjectItem(spec, "skipHardGoalCheck")));
    CHECK(cJSON_IsString(cJSON_GetObjectItem(spec, "excludedTopics")));
    CHECK(cJSON_IsNull(cJSON_GetObjectItem(spec, "x")));
    CHECK_NEAR(cJSON_GetObjectItem(spec, "replicationThrottle")->valuedouble, 1.5e6, 0);
    char *y = rb_yaml_emit(d);
    cJSON *back = NULL;
    CHECK_INT_EQ(rb_yaml_parse(y, strlen(y), "emitted", &back, &err), 0);
    CHECK(cJSON_Compare(cJSON_GetArrayItem(back, 0), d, true));
    CHECK_STR_CONTAINS(y, "'true'");
    CHECK_STR_CONTAINS(y, "'007'");
    free(y);
    cJSON_Delete(back);
    cJSON_Delete(docs);
    /* errors name the place */
    const char *bad[] = {"a: [1, 2\n", "a: 1\na: 2\n", "a: &x 1\nb: *x\n", "? [1]\n: 2\n"};
    for (int i = 0; i < 4; i++) {
        docs = NULL;
        CHECK_INT_EQ(rb_yaml_parse(bad[i], strlen(bad[i]), "bad.yaml", &docs, &err), -EINVAL);
        CHECK_STR_CONTAINS(err.msg, "bad.yaml: line ");
        CHECK(docs == NULL);
    }
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
