/* The generator: exact counts, determinism, rack awareness, skew, heavy tails. */
#include <stdlib.h>

#include "model/generate.h"
#include "tests/harness.h"

static struct model_cluster *gen(struct model_generate_opts *o)
{
    struct model_cluster *c = NULL;
    struct error err = {0};
    if (model_generate(o, &c, &err) != 0)
        test_fail(__FILE__, __LINE__, "generate: %s", err.msg);
    return c;
}

static bool same_cluster(const struct model_cluster *a, const struct model_cluster *b)
{
    if (a->nreplicas != b->nreplicas || a->npartitions != b->npartitions)
        return false;
    for (int64_t r = 0; r < a->nreplicas; r++)
        if (a->replicas[r].broker != b->replicas[r].broker ||
            a->replicas[r].size != b->replicas[r].size || a->replicas[r].dir != b->replicas[r].dir)
            return false;
    for (int32_t p = 0; p < a->npartitions; p++)
        if (a->partitions[p].leader != b->partitions[p].leader ||
            a->partitions[p].nw_in != b->partitions[p].nw_in)
            return false;
    return true;
}

TEST(counts_and_flags_are_exact)
{
    struct model_generate_opts o;
    model_generate_defaults(&o);
    o.brokers = 48;
    o.zones = 3;
    o.racks = 6;
    o.topics = 50;
    o.partitions = 10000;
    o.new_brokers = 4;
    o.dead_brokers = 2;
    o.rack_violations = 300;
    struct model_cluster *c = gen(&o);
    if (!c)
        return;
    CHECK_INT_EQ(c->nbrokers, 52);
    CHECK_INT_EQ(c->npartitions, 10000);
    CHECK_INT_EQ(c->nreplicas, 30000);
    CHECK_INT_EQ(c->ntopics, 50);
    int nnew = 0, ndead = 0;
    struct model_broker_load *bl = calloc((size_t)c->nbrokers, sizeof(*bl));
    model_compute_loads(c, bl, NULL);
    for (int32_t b = 0; b < c->nbrokers; b++) {
        nnew += (c->brokers[b].flags & BROKER_NEW) != 0;
        ndead += (c->brokers[b].flags & BROKER_DEAD) != 0;
        if (c->brokers[b].flags & BROKER_NEW)
            CHECK_INT_EQ(bl[b].replicas, 0);
        CHECK_INT_EQ(c->brokers[b].capacity_set, 0xf);
    }
    free(bl);
    CHECK_INT_EQ(nnew, 4);
    CHECK_INT_EQ(ndead, 2);
    /* Rack violations: judged with the dead brokers alive, exactly as many as asked. */
    for (int32_t b = 0; b < c->nbrokers; b++)
        c->brokers[b].flags &= ~(uint32_t)BROKER_DEAD;
    model_topology_refresh(c);
    struct model_stats st;
    model_stats_compute(c, &st);
    CHECK_INT_EQ(st.rack_violations, 300);
    model_cluster_destroy(c);
}

TEST(deterministic_per_seed)
{
    struct model_generate_opts o;
    model_generate_defaults(&o);
    o.broker_skew = 0.5;
    o.rack_violations = 10;
    struct model_cluster *a = gen(&o), *b = gen(&o);
    o.seed = 2;
    struct model_cluster *d = gen(&o);
    if (a && b && d) {
        CHECK(same_cluster(a, b));
        CHECK(!same_cluster(a, d));
    }
    model_cluster_destroy(a);
    model_cluster_destroy(b);
    model_cluster_destroy(d);
}

TEST(skew_and_heavy_tail)
{
    struct model_generate_opts o;
    model_generate_defaults(&o);
    o.brokers = 24;
    o.partitions = 6000;
    struct model_cluster *even = gen(&o);
    o.broker_skew = 1;
    struct model_cluster *skew = gen(&o);
    if (!even || !skew)
        return;
    struct model_stats se, ss;
    model_stats_compute(even, &se);
    model_stats_compute(skew, &ss);
    CHECK_DBL_LE(se.replica_count.max / se.replica_count.avg, 1.15);
    CHECK_DBL_LE(1.3, ss.res[RES_DISK].max / ss.res[RES_DISK].avg);
    CHECK_INT_EQ(ss.rack_violations, 0);
    /* heavy tail: the largest partition is many times the median */
    int64_t *sz = malloc((size_t)even->npartitions * sizeof(int64_t));
    for (int32_t p = 0; p < even->npartitions; p++)
        sz[p] = model_replicas_of(even, p)[0].size;
    int64_t max = 0;
    int64_t below = 0;
    double mean = 0;
    for (int32_t p = 0; p < even->npartitions; p++) {
        if (sz[p] > max)
            max = sz[p];
        mean += (double)sz[p] / even->npartitions;
    }
    for (int32_t p = 0; p < even->npartitions; p++)
        below += (double)sz[p] < mean;
    CHECK_DBL_LE(10 * mean, (double)max);
    CHECK(below > even->npartitions / 2);
    free(sz);
    model_cluster_destroy(even);
    model_cluster_destroy(skew);
}

TEST(bad_options_are_named)
{
    struct model_generate_opts o;
    model_generate_defaults(&o);
    struct error err = {0};
    char *a1[] = {"--brokers", "x"};
    CHECK(model_generate_parse_args(&o, 2, a1, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "'--brokers': 'x' is not a number");
    char *a2[] = {"--nope", "1"};
    CHECK(model_generate_parse_args(&o, 2, a2, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "unknown generator option '--nope'");
    char *a3[] = {"--rf", "2.5"};
    CHECK(model_generate_parse_args(&o, 2, a3, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "not a whole number");
    char *a4[] = {"--brokers=4", "--racks", "6"};
    CHECK_INT_EQ(model_generate_parse_args(&o, 3, a4, &err), 0);
    struct model_cluster *c = NULL;
    CHECK(model_generate(&o, &c, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "racks (6) cannot exceed brokers (4)");
    char *a5[] = {"--uneven-racks", "--broker-skew", "0.5", "--mean-partition-mb", "10"};
    model_generate_defaults(&o);
    CHECK_INT_EQ(model_generate_parse_args(&o, 5, a5, &err), 0);
    CHECK(o.uneven_racks);
    CHECK_NEAR(o.mean_partition_bytes, 1e7, 1e-3);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
