/* Unit tests for the cluster model: building, lookups, loads, rack deficit, stats, mutation. */
#include <errno.h>

#include "common/alloc.h"
#include "model/cluster.h"
#include "tests/harness.h"

/* 6 brokers (ids 1..6) in racks r0,r1,r2 (broker i in rack (i-1)%3), each rack its own zone,
 * two log dirs each; topic "t" with 3 partitions RF 3. */
static struct model_cluster *small_cluster(void)
{
    struct model_cluster *c = model_cluster_create("test");
    for (int r = 0; r < 3; r++) {
        char name[8];
        snprintf(name, sizeof(name), "r%d", r);
        model_rack_add(c, name, model_zone_add(c, name));
    }
    for (int i = 1; i <= 6; i++) {
        int32_t b;
        CHECK_INT_EQ(model_broker_add(c, i, (i - 1) % 3, "127.0.0.1", &b), 0);
        model_disk_add(c, b, "/d0", 0);
        model_disk_add(c, b, "/d1", 0);
        for (int r = 0; r < RES_COUNT; r++) {
            c->brokers[b].capacity[r] = 1000;
            c->brokers[b].capacity_set |= 1u << r;
        }
    }
    int32_t t;
    CHECK_INT_EQ(model_topic_add(c, "t", &t), 0);
    int32_t reps[3][3] = {{0, 1, 2}, {1, 2, 3}, {0, 3, 4}}; /* last one: brokers 1,4 in r0 */
    int64_t sizes[3] = {100, 100, 100};
    int16_t dirs[3] = {0, 1, 0};
    for (int p = 0; p < 3; p++) {
        struct error err = {0};
        CHECK_INT_EQ(model_partition_add(c, t, p, 3, reps[p], dirs, sizes, 0, &err, NULL), 0);
    }
    struct error err = {0};
    CHECK_INT_EQ(model_cluster_finalize(c, &err), 0);
    return c;
}

TEST(build_and_lookup)
{
    struct model_cluster *c = small_cluster();
    CHECK_INT_EQ(c->nbrokers, 6);
    CHECK_INT_EQ(c->nreplicas, 9);
    CHECK_INT_EQ(model_broker_find(c, 4), 3);
    CHECK_INT_EQ(model_broker_find(c, 99), -1);
    CHECK_INT_EQ(model_topic_find(c, "t"), 0);
    CHECK_INT_EQ(model_topic_find(c, "nope"), -1);
    CHECK_INT_EQ(c->brokers[2].first_disk, 4);
    CHECK_INT_EQ(c->usable_racks, 3);
    CHECK_INT_EQ(model_partition_leader(c, 1), 1);
    CHECK_INT_EQ(model_partition_slot(c, 2, 4), 2);
    model_cluster_destroy(c);
}

TEST(partition_lookup)
{
    struct model_cluster *c = small_cluster();
    CHECK_INT_EQ(model_partition_find(c, "t", 2), 2);
    CHECK_INT_EQ(model_partition_find(c, "t", 3), -1);
    CHECK_INT_EQ(model_partition_find(c, "t", -1), -1);
    CHECK_INT_EQ(model_partition_find(c, "nope", 0), -1);
    model_cluster_destroy(c);
    /* ids out of order and with gaps: found by the scan */
    c = model_cluster_create("gaps");
    model_rack_add(c, "r", model_zone_add(c, "r"));
    int32_t b, t;
    CHECK_INT_EQ(model_broker_add(c, 1, 0, "h", &b), 0);
    CHECK_INT_EQ(model_topic_add(c, "g", &t), 0);
    int32_t ids[] = {7, 0, 3};
    for (int i = 0; i < 3; i++) {
        struct error err = {0};
        CHECK_INT_EQ(model_partition_add(c, t, ids[i], 1, &b, NULL, NULL, 0, &err, NULL), 0);
    }
    CHECK_INT_EQ(model_partition_find(c, "g", 7), 0);
    CHECK_INT_EQ(model_partition_find(c, "g", 0), 1);
    CHECK_INT_EQ(model_partition_find(c, "g", 3), 2);
    CHECK_INT_EQ(model_partition_find(c, "g", 1), -1);
    model_cluster_destroy(c);
}

TEST(bad_partitions_rejected)
{
    struct model_cluster *c = model_cluster_create("bad");
    model_rack_add(c, "r", model_zone_add(c, "r"));
    int32_t b;
    model_broker_add(c, 1, 0, NULL, &b);
    model_broker_add(c, 2, 0, NULL, &b);
    CHECK_INT_EQ(model_broker_add(c, 2, 0, NULL, &b), -EEXIST);
    int32_t t;
    model_topic_add(c, "x", &t);
    CHECK_INT_EQ(model_topic_add(c, "x", &t), -EEXIST);
    struct error err = {0};
    int32_t dup[2] = {0, 0};
    CHECK(model_partition_add(c, t, 0, 2, dup, NULL, NULL, 0, &err, NULL) < 0);
    CHECK_STR_CONTAINS(err.msg, "two replicas");
    int32_t ok[2] = {0, 1};
    int64_t neg[2] = {1, -5};
    CHECK(model_partition_add(c, t, 0, 2, ok, NULL, neg, 0, &err, NULL) < 0);
    CHECK_STR_CONTAINS(err.msg, "negative size");
    CHECK(model_partition_add(c, t, 0, 2, ok, NULL, NULL, 2, &err, NULL) < 0);
    CHECK_INT_EQ(model_partition_add(c, t, 0, 2, ok, NULL, NULL, 0, &err, NULL), 0);
    CHECK(model_partition_add(c, t, 0, 2, ok, NULL, NULL, 0, &err, NULL) < 0);
    CHECK_STR_CONTAINS(err.msg, "partition 0 twice");
    model_cluster_destroy(c);
}

TEST(rack_deficit)
{
    struct model_cluster *c = small_cluster();
    CHECK_INT_EQ(model_partition_rack_deficit(c, 0), 0);
    CHECK_INT_EQ(model_partition_rack_deficit(c, 1), 0);
    CHECK_INT_EQ(model_partition_rack_deficit(c, 2), 1);
    /* Fix it: move broker 4's replica (slot 1) to broker 3 (rack r2). */
    model_replica_move(c, 2, 1, 2, 0);
    CHECK_INT_EQ(model_partition_rack_deficit(c, 2), 0);
    /* Removing every broker of r2 leaves 2 usable racks: RF 3 over 2 racks is fine at 2+1. */
    c->brokers[2].flags |= BROKER_REMOVE;
    c->brokers[5].flags |= BROKER_REMOVE;
    model_topology_refresh(c);
    CHECK_INT_EQ(c->usable_racks, 2);
    CHECK_INT_EQ(model_partition_rack_deficit(c, 0), 0);
    model_cluster_destroy(c);
}

TEST(loads_and_stats)
{
    struct model_cluster *c = small_cluster();
    c->partitions[0].nw_in = 10;
    c->partitions[0].nw_out = 20;
    c->partitions[0].cpu_leader = 5;
    c->partitions[0].cpu_follower = 1;
    struct model_broker_load bl[6];
    double du[12];
    model_compute_loads(c, bl, du);
    /* network out is consumer bytes; replication out is its own figure */
    CHECK_NEAR(bl[0].load[RES_NW_OUT], 20, 1e-9);
    CHECK_NEAR(bl[0].repl_out, 10 * 2, 1e-9);
    CHECK_NEAR(bl[1].load[RES_NW_OUT], 0, 1e-9);
    CHECK_NEAR(bl[1].repl_out, 0, 1e-9);
    CHECK_NEAR(bl[1].load[RES_NW_IN], 10, 1e-9);
    CHECK_NEAR(bl[1].pnw_out, 20, 1e-9);
    c->nw_out_replication = true; /* ... unless asked to count both */
    model_compute_loads(c, bl, du);
    CHECK_NEAR(bl[0].load[RES_NW_OUT], 20 + 10 * 2, 1e-9);
    CHECK_NEAR(bl[1].pnw_out, 40, 1e-9);
    c->nw_out_replication = false;
    model_compute_loads(c, bl, du);
    CHECK_NEAR(bl[0].load[RES_CPU], 5, 1e-9);
    CHECK_NEAR(bl[0].load[RES_DISK], 200, 1e-9);
    CHECK_INT_EQ(bl[0].leaders, 2);
    CHECK_NEAR(du[0], 200, 1e-9); /* broker 1, dir 0: partitions 0 and 2 */
    struct model_stats st;
    model_stats_compute(c, &st);
    CHECK_INT_EQ(st.brokers, 6);
    CHECK_INT_EQ(st.rack_violations, 1);
    CHECK_NEAR(st.replica_count.avg, 1.5, 1e-9);
    CHECK_NEAR(st.replica_count.max, 2, 1e-9);
    CHECK_NEAR(st.replica_count.min, 0, 1e-9); /* broker 6 holds nothing */
    c->brokers[0].flags |= BROKER_DEAD;
    model_stats_compute(c, &st);
    CHECK_INT_EQ(st.offline_replicas, 2);
    model_cluster_destroy(c);
}

TEST(clone_is_deep)
{
    struct model_cluster *c = small_cluster();
    struct model_cluster *d = model_cluster_clone(c);
    model_replica_move(d, 2, 1, 2, 1);
    CHECK_INT_EQ(model_replicas_of(c, 2)[1].broker, 3);
    CHECK_INT_EQ(model_replicas_of(d, 2)[1].broker, 2);
    CHECK_INT_EQ(model_broker_find(d, 6), 5);
    CHECK_INT_EQ(model_topic_find(d, "t"), 0);
    model_cluster_destroy(c);
    model_cluster_destroy(d);
}

TEST(slot_swap_moves_leader)
{
    struct model_cluster *c = small_cluster();
    model_leader_set(c, 0, 0);
    model_slots_swap(c, 0, 0, 2);
    CHECK_INT_EQ(c->partitions[0].leader, 2);
    CHECK_INT_EQ(model_partition_leader(c, 0), 0);
    CHECK_INT_EQ(model_replicas_of(c, 0)[0].broker, 2);
    model_cluster_destroy(c);
}

TEST(capacities_apply)
{
    struct model_cluster *c = small_cluster();
    for (int32_t b = 0; b < c->nbrokers; b++)
        c->brokers[b].capacity_set = 0;
    struct model_capacity_table t = {0};
    struct error err = {0};
    CHECK(model_capacities_apply(c, &t, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "broker 1 has no cpu capacity");
    for (int r = 0; r < RES_COUNT; r++) {
        t.dflt.v[r] = 50;
        t.dflt.set[r] = true;
    }
    t.n = 1;
    t.broker_ids = xcalloc(1, sizeof(int32_t));
    t.per_broker = xcalloc(1, sizeof(struct model_capacity));
    t.broker_ids[0] = 3;
    t.per_broker[0].v[RES_DISK] = 999;
    t.per_broker[0].set[RES_DISK] = true;
    CHECK_INT_EQ(model_capacities_apply(c, &t, &err), 0);
    CHECK_NEAR(c->brokers[2].capacity[RES_DISK], 999, 0);
    CHECK_NEAR(c->brokers[2].capacity[RES_CPU], 50, 0);
    CHECK_NEAR(c->brokers[0].capacity[RES_DISK], 50, 0);
    model_capacity_table_finish(&t);
    model_cluster_destroy(c);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
