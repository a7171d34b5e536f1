/* The --generate baseline: rack-aware, RF kept, spread even, deterministic per seed. */
#include "bench/baseline.h"
#include "tests/harness.h"
#include "tests/optimizer/build.h"

TEST(kafka_generate_baseline_is_rack_aware_and_even)
{
    struct model_cluster *c = tb_cluster(12, 3, 1e9);
    enum { NP = 120 };
    int32_t ids[NP * 3];
    for (int k = 0; k < NP; k++) {
        ids[k * 3] = 1;
        ids[k * 3 + 1] = 5; /* same rack as 1: a violation everywhere */
        ids[k * 3 + 2] = 2;
    }
    tb_topic(c, "t", NP, 3, ids, NULL);
    tb_finalize(c);
    struct model_cluster *g = bench_kafka_generate(c, 42);
    struct model_stats st;
    model_stats_compute(g, &st);
    CHECK_INT_EQ(st.rack_violations, 0);
    CHECK_INT_EQ(st.replica_count.max, 30);
    CHECK_INT_EQ(st.replica_count.min, 30);
    CHECK_INT_EQ(st.leader_count.max, 10);
    CHECK_INT_EQ(st.leader_count.min, 10);
    CHECK_INT_EQ(tb_check_plan(c, g), 0);
    struct model_cluster *h = bench_kafka_generate(c, 42);
    for (int64_t r = 0; r < g->nreplicas; r++)
        CHECK_INT_EQ(g->replicas[r].broker, h->replicas[r].broker);
    model_cluster_destroy(g);
    model_cluster_destroy(h);
    model_cluster_destroy(c);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
