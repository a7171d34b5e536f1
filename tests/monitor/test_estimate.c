/* Per-partition estimates: topic rates split among the partitions a broker leads (by size
 * growth or evenly), totals when there are no topic series, CPU by Cruise Control's weights
 * with and without a CPU metric, unmonitored partitions, and the broker loads that follow. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/snapshot.h"
#include "monitor/estimate.h"
#include "tests/harness.h"

/* 3 brokers; topic a: 3 partitions rf 2 (leaders 1, 1, 2); topic b: 1 partition rf 3 (leader 3) */
static struct model_cluster *cluster(void)
{
    struct model_cluster *c = model_cluster_create("t");
    int32_t z = model_zone_add(c, "z"), r = model_rack_add(c, "r", z), bi[3], t;
    for (int i = 0; i < 3; i++) {
        model_broker_add(c, i + 1, r, "h:1", &bi[i]);
        model_disk_add(c, bi[i], "/d", 0);
        c->brokers[bi[i]].capacity[RES_NW_IN] = 1000;
    }
    struct error err = {0};
    model_topic_add(c, "a", &t);
    int32_t p0[] = {0, 1}, p1[] = {0, 2}, p2[] = {1, 0};
    model_partition_add(c, t, 0, 2, p0, NULL, NULL, 0, &err, NULL);
    model_partition_add(c, t, 1, 2, p1, NULL, NULL, 0, &err, NULL);
    model_partition_add(c, t, 2, 2, p2, NULL, NULL, 0, &err, NULL);
    model_topic_add(c, "b", &t);
    int32_t q0[] = {2, 0, 1};
    model_partition_add(c, t, 0, 3, q0, NULL, NULL, 0, &err, NULL);
    CHECK_INT_EQ(model_cluster_finalize(c, &err), 0);
    return c;
}

TEST(topic_rates_split_by_growth_then_evenly)
{
    struct model_cluster *c = cluster();
    struct mon_topic_rate t1[] = {{"a", 300, 60}, {"gone", 5, 5}};
    struct mon_part_growth g1[] = {{"a", 0, 100}, {"a", 1, 200}}; /* sorted */
    struct mon_topic_rate t2[] = {{"a", 50, NAN}};
    struct mon_topic_rate t3[] = {{"b", 90, 30}};
    struct mon_broker_rates r[] = {
        {1, 300, 60, 0, NAN, t1, 2, g1, 2},
        {2, 50, 0, 0, NAN, t2, 1, NULL, 0},
        {3, 90, 30, 0, NAN, t3, 1, NULL, 0},
        {42, 1, 1, 1, NAN, NULL, 0, NULL, 0},
    };
    struct mon_estimate_stats st;
    struct error err = {0};
    CHECK_INT_EQ(mon_estimate(c, r, 4, NULL, NULL, &st, &err), 0);
    int32_t a = model_topic_find(c, "a"), b = model_topic_find(c, "b");
    struct model_partition *pa = &c->partitions[c->topics[a].first_partition];
    CHECK_NEAR(pa[0].nw_in, 100, 1e-9); /* 300 split 1:2 by growth */
    CHECK_NEAR(pa[1].nw_in, 200, 1e-9);
    CHECK_NEAR(pa[0].nw_out, 20, 1e-9);
    CHECK_NEAR(pa[1].nw_out, 40, 1e-9);
    CHECK_NEAR(pa[2].nw_in, 50, 1e-9);  /* only partition broker 2 leads */
    CHECK_NEAR(pa[2].nw_out, 0, 1e-9);  /* out unknown */
    struct model_partition *pb = &c->partitions[c->topics[b].first_partition];
    CHECK_NEAR(pb->nw_in, 90, 1e-9);
    CHECK_INT_EQ(st.monitored, 4);
    CHECK_INT_EQ(st.brokers_with_rates, 3);
    CHECK_INT_EQ(st.unknown_brokers, 1);
    CHECK_INT_EQ(st.unknown_topics, 1);
    /* CPU without a CPU metric: weighted bytes over the nw-in capacity (1000) */
    CHECK_NEAR(pa[0].cpu_leader, 100.0 * (0.7 * 100 + 0.15 * 20) / 1000, 1e-9);
    CHECK_NEAR(pa[0].cpu_follower, 100.0 * 0.15 * 100 / 1000, 1e-9);
    /* the model's broker loads: broker 1 receives a0, a1 (leads) and a2, b0 (follows) */
    struct model_broker_load bl[3];
    model_compute_loads(c, bl, NULL);
    CHECK_NEAR(bl[0].load[RES_NW_IN], 100 + 200 + 50 + 90, 1e-9);
    CHECK_NEAR(bl[0].load[RES_NW_OUT], 20 + 40, 1e-9); /* consumer bytes */
    CHECK_NEAR(bl[0].repl_out, 100 + 200, 1e-9);       /* to one follower each */
    model_cluster_destroy(c);
}

TEST(even_split_when_growth_unknown_or_zero)
{
    struct model_cluster *c = cluster();
    struct mon_topic_rate t1[] = {{"a", 300, 0}};
    struct mon_part_growth g1[] = {{"a", 0, 0}, {"a", 1, 0}};
    struct mon_broker_rates r[] = {{1, 300, 0, 0, NAN, t1, 1, g1, 2}};
    struct error err = {0};
    CHECK_INT_EQ(mon_estimate(c, r, 1, NULL, NULL, NULL, &err), 0);
    struct model_partition *pa = &c->partitions[0];
    CHECK_NEAR(pa[0].nw_in, 150, 1e-9);
    CHECK_NEAR(pa[1].nw_in, 150, 1e-9);
    CHECK_NEAR(pa[2].nw_in, 0, 1e-9); /* its leader, broker 2, has no rates */
    model_cluster_destroy(c);
}

TEST(totals_split_without_topic_series)
{
    struct model_cluster *c = cluster();
    struct mon_broker_rates r[] = {{1, 400, 80, 0, NAN, NULL, 0, NULL, 0}};
    struct mon_estimate_stats st;
    struct error err = {0};
    CHECK_INT_EQ(mon_estimate(c, r, 1, NULL, NULL, &st, &err), 0);
    CHECK_NEAR(c->partitions[0].nw_in, 200, 1e-9);
    CHECK_NEAR(c->partitions[1].nw_out, 40, 1e-9);
    CHECK_INT_EQ(st.monitored, 2);
    model_cluster_destroy(c);
}

TEST(cpu_metric_is_shared_by_weighted_bytes)
{
    struct model_cluster *c = cluster();
    struct mon_topic_rate t1[] = {{"a", 200, 100}};
    struct mon_topic_rate t2[] = {{"a", 100, 0}};
    struct mon_topic_rate t3[] = {{"b", 0, 0}};
    struct mon_broker_rates r[] = {{1, 200, 100, 100, 40.0, t1, 1, NULL, 0},
                                   {2, 100, 0, 200, 20.0, t2, 1, NULL, 0},
                                   {3, 0, 0, 100, 10.0, t3, 1, NULL, 0}};
    struct mon_cpu_weights w = {0.6, 0.2, 0.2};
    struct error err = {0};
    CHECK_INT_EQ(mon_estimate(c, r, 3, &w, NULL, NULL, &err), 0);
    /* broker 1 leads a0, a1 (in 100 each, out 50 each), follows a2 (in 100) */
    double d1 = 0.6 * 200 + 0.2 * 100 + 0.2 * 100;
    CHECK_NEAR(c->partitions[0].cpu_leader, 40.0 * (0.6 * 100 + 0.2 * 50) / d1, 1e-9);
    /* a2's follower on broker 1 */
    CHECK_NEAR(c->partitions[2].cpu_follower, 40.0 * 0.2 * 100 / d1, 1e-9);
    /* summed over the broker's replicas, the measured CPU comes back */
    double sum = 0;
    for (int32_t p = 0; p < c->npartitions; p++) {
        int s = model_partition_slot(c, p, 0);
        if (s >= 0)
            sum += s == c->partitions[p].leader ? c->partitions[p].cpu_leader
                                                : c->partitions[p].cpu_follower;
    }
    CHECK_NEAR(sum, 40.0, 1e-9);
    model_cluster_destroy(c);
}

TEST(broker_twice_is_an_error)
{
    struct model_cluster *c = cluster();
    struct mon_broker_rates r[] = {{1, 1, 1, 1, NAN, NULL, 0, NULL, 0},
                                   {1, 1, 1, 1, NAN, NULL, 0, NULL, 0}};
    struct error err = {0};
    CHECK_INT_EQ(mon_estimate(c, r, 2, NULL, NULL, NULL, &err), -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "rates for broker 1 given twice");
    model_cluster_destroy(c);
}

/* The snapshot's "load" (what backed the rates) reads back and writes out; bad values are
 * located. */
TEST(snapshot_load_field_round_trips)
{
    const char *text = "{\"version\": 1, \"load\": {\"recentWindows\": 3, "
                       "\"monitoredPartitionsPercentage\": 87.5}, \"defaultCapacity\": {\"cpu\": 100, "
                       "\"nwInBytesPerSec\": 1, \"nwOutBytesPerSec\": 1, \"diskBytes\": 1}, "
                       "\"brokers\": [{\"id\": 1}], \"topics\": []}";
    struct model_cluster *c = NULL;
    struct error err = {0};
    CHECK_INT_EQ(model_snapshot_parse(text, strlen(text), "s", &c, &err), 0);
    if (!c)
        return;
    CHECK(c->load_measured);
    CHECK_INT_EQ(c->load_windows, 3);
    CHECK_NEAR(c->load_monitored_pct, 87.5, 0);
    char *out = model_snapshot_dump(c);
    CHECK_STR_CONTAINS(out, "\"load\": {\"recentWindows\": 3, \"monitoredPartitionsPercentage\": 87.5}");
    free(out);
    model_cluster_destroy(c);
    const char *bad = "{\"version\": 1, \"load\": {\"monitoredPartitionsPercentage\": 101}, "
                      "\"brokers\": [{\"id\": 1}], \"topics\": []}";
    c = NULL;
    CHECK(model_snapshot_parse(bad, strlen(bad), "s", &c, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "load");
    CHECK_STR_CONTAINS(err.msg, "must be at most 100");
    const char *typo = "{\"version\": 1, \"load\": {\"windows\": 1}, "
                       "\"brokers\": [{\"id\": 1}], \"topics\": []}";
    CHECK(model_snapshot_parse(typo, strlen(typo), "s", &c, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "windows");
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
