/* The replication-factor planner (optimizer/rf.c) on small hand-made clusters: where added
 * replicas go, which replicas a lower factor keeps, and Cruise Control's refusals. Each test
 * names the mistake it is there to catch. */
#include <errno.h>
#include <string.h>

#include "optimizer/optimizer.h"
#include "tests/harness.h"
#include "tests/optimizer/build.h"

/* brokers 1..6 over racks r0 r1 r2 (broker i in r((i-1) % 3)); topic t: RF 2, four partitions
 * on racks {r0,r1} {r1,r2} {r2,r0} {r1,r2}; topic u: RF 3 */
static struct model_cluster *cluster(void)
{
    struct model_cluster *c = tb_cluster(6, 3, 1e12);
    static const int32_t t[] = {1, 2, 2, 3, 3, 4, 5, 6};
    static const int64_t ts[] = {100, 200, 300, 400};
    tb_topic(c, "t", 4, 2, t, ts);
    static const int32_t u[] = {1, 2, 3, 4, 5, 6};
    tb_topic(c, "u", 2, 3, u, NULL);
    tb_finalize(c);
    return c;
}

static int rack_of_id(const struct model_cluster *c, const struct model_replica *r)
{
    return c->brokers[r->broker].rack;
}

/* Mistake: an added replica put on a rack the partition already has, the old replicas
 * reordered (the leader would change), or the size of the data to move not counted. */
TEST(raise_adds_on_a_missing_rack_and_keeps_the_order)
{
    struct model_cluster *c = cluster();
    struct opt_rf_request req = {"t", 3, false};
    struct opt_result *res = NULL;
    struct error err = {0};
    CHECK_INT_EQ(opt_plan_rf(c, &req, &res, &err), 0);
    CHECK_INT_EQ(res->nproposals, 4);
    CHECK_INT_EQ(res->num_replica_moves, 4);
    CHECK_INT_EQ(res->data_to_move, 100 + 200 + 300 + 400);
    const struct model_cluster *a = res->after;
    CHECK_INT_EQ(a->nreplicas, c->nreplicas + 4);
    int used[6] = {0};
    for (int32_t p = 0; p < 4; p++) {
        const struct model_replica *o = model_replicas_of(c, p), *n = model_replicas_of(a, p);
        CHECK_INT_EQ(a->partitions[p].rf, 3);
        CHECK_INT_EQ(n[0].broker, o[0].broker);
        CHECK_INT_EQ(n[1].broker, o[1].broker);
        CHECK_INT_EQ(model_partition_leader(a, p), model_partition_leader(c, p));
        CHECK(rack_of_id(a, &n[2]) != rack_of_id(a, &n[0]));
        CHECK(rack_of_id(a, &n[2]) != rack_of_id(a, &n[1]));
        CHECK_INT_EQ(n[2].size, o[0].size);
        used[n[2].broker]++;
    }
    /* the least loaded broker of the missing rack: the four additions are not piled on one */
    for (int b = 0; b < 6; b++)
        CHECK_INT_LE(used[b], 1);
    /* u is untouched */
    CHECK_INT_EQ(a->partitions[4].rf, 3);
    CHECK_INT_EQ(model_replicas_of(a, 4)[0].broker, model_replicas_of(c, 4)[0].broker);
    opt_result_destroy(res);
    model_cluster_destroy(c);
}

/* Mistake: lowering drops the leader, or keeps two replicas of one rack while a third rack is
 * there. */
TEST(lower_keeps_the_leader_and_the_racks)
{
    struct model_cluster *c = cluster();
    /* u-0 is on 1 2 3 (r0 r1 r2) with its leader moved to broker 3 (slot 2) */
    c->partitions[4].leader = 2;
    struct opt_rf_request req = {"u", 2, false};
    struct opt_result *res = NULL;
    struct error err = {0};
    CHECK_INT_EQ(opt_plan_rf(c, &req, &res, &err), 0);
    CHECK_INT_EQ(res->nproposals, 2);
    CHECK_INT_EQ(res->num_replica_moves, 0);
    const struct model_cluster *a = res->after;
    const struct model_replica *n = model_replicas_of(a, 4);
    CHECK_INT_EQ(a->partitions[4].rf, 2);
    CHECK_INT_EQ(a->brokers[n[0].broker].id, 3);
    CHECK_INT_EQ(model_partition_leader(a, 4), n[0].broker);
    CHECK(rack_of_id(a, &n[0]) != rack_of_id(a, &n[1]));
    opt_result_destroy(res);
    model_cluster_destroy(c);
}

/* Mistake: Cruise Control's refusals missing or worded otherwise (Strimzi-like clients and
 * operators read them). */
TEST(refusals_in_cruise_controls_words)
{
    struct model_cluster *c = cluster();
    struct opt_result *res = NULL;
    struct error err = {0};
    struct opt_rf_request none = {"nope.*", 2, false};
    CHECK_INT_EQ(opt_plan_rf(c, &none, &res, &err), -ENOENT);
    CHECK_STR_EQ(err.msg, "There is no topic in cluster matching pattern 'nope.*'.");
    struct opt_rf_request same = {"u", 3, false};
    CHECK_INT_EQ(opt_plan_rf(c, &same, &res, &err), -EALREADY);
    CHECK_STR_CONTAINS(err.msg, "All topics matching given pattern already have target");
    struct opt_rf_request racks = {"t|u", 4, false};
    CHECK_INT_EQ(opt_plan_rf(c, &racks, &res, &err), -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "since there are only 3 racks in the cluster, to skip the "
                                "rack-awareness check, set skip_rack_awareness_check to true");
    struct opt_rf_request brokers = {"t", 7, true};
    CHECK_INT_EQ(opt_plan_rf(c, &brokers, &res, &err), -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "since there are only 6 alive brokers in the cluster");
    /* skipping the rack check: 4 replicas on 3 racks */
    struct opt_rf_request skip = {"t", 4, true};
    CHECK_INT_EQ(opt_plan_rf(c, &skip, &res, &err), 0);
    CHECK_INT_EQ(res->num_replica_moves, 8);
    opt_result_destroy(res);
    /* a partition with a replica on a dead broker */
    c->brokers[model_broker_find(c, 6)].flags |= BROKER_DEAD;
    struct opt_rf_request dead = {"t", 3, false};
    CHECK_INT_EQ(opt_plan_rf(c, &dead, &res, &err), -EINVAL);
    CHECK_STR_EQ(err.msg, "Topic partition t-3 has offline replicas on brokers [6].");
    model_cluster_destroy(c);
}

/* Mistake: no broker left that may take a replica (the others exclude replicas) read as
 * broker index -1. */
TEST(no_broker_may_take_the_replica)
{
    struct model_cluster *c = cluster();
    for (int id = 4; id <= 6; id++)
        c->brokers[model_broker_find(c, id)].flags |= BROKER_EXCL_REPLICA;
    struct opt_rf_request req = {"u", 4, true};
    struct opt_result *res = NULL;
    struct error err = {0};
    CHECK_INT_EQ(opt_plan_rf(c, &req, &res, &err), -ENOSPC);
    CHECK_STR_CONTAINS(err.msg, "no broker may take replica 4 of u-0");
    model_cluster_destroy(c);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
