/* The generator: exact counts, determinism (byte-identical snapshots), rack awareness over
 * many topologies, skew, heavy tails, capacities and the CPU calibration, option errors, and a
 * 1M-replica cluster (time and memory printed). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "model/generate.h"
#include "model/snapshot.h"
#include "tests/harness.h"

static struct model_cluster *gen(const struct model_generate_opts *o)
{
    struct model_cluster *c = NULL;
    struct error err = {0};
    if (model_generate(o, &c, &err) != 0)
        test_fail(__FILE__, __LINE__, "generate: %s", err.msg);
    return c;
}

static int64_t count_deficits(const struct model_cluster *c)
{
    int64_t n = 0;
    for (int32_t p = 0; p < c->npartitions; p++)
        n += model_partition_rack_deficit(c, p) > 0;
    return n;
}

/* Structural checks every generated cluster must pass; returns the number of failures. */
static int check_invariants(const struct model_cluster *c, const struct model_generate_opts *o)
{
    int bad = 0;
    int32_t *dir_count = calloc((size_t)c->ndisks, sizeof(int32_t));
    for (int32_t p = 0; p < c->npartitions; p++) {
        const struct model_partition *part = &c->partitions[p];
        const struct model_replica *rep = model_replicas_of(c, p);
        bad += part->rf != o->rf;
        for (int i = 0; i < part->rf; i++) {
            const struct model_broker *br = &c->brokers[rep[i].broker];
            for (int j = 0; j < i; j++)
                bad += rep[j].broker == rep[i].broker;
            bad += rep[i].dir < 0 || rep[i].dir >= br->ndisks;
            bad += (br->flags & BROKER_NEW) != 0;
            bad += rep[i].size != rep[0].size || rep[i].size < 0;
            if (rep[i].dir >= 0 && rep[i].dir < br->ndisks)
                dir_count[br->first_disk + rep[i].dir]++;
            /* dead replicas are out of sync and do not lead */
            if (br->flags & BROKER_DEAD)
                bad += (part->isr >> i & 1) != 0 || part->leader == i;
        }
        bad += !(part->nw_in >= 0) || !(part->cpu_leader >= part->cpu_follower);
    }
    for (int32_t b = 0; b < c->nbrokers; b++) {
        const struct model_broker *br = &c->brokers[b];
        bad += br->capacity_set != (1u << RES_COUNT) - 1 || br->ndisks != o->log_dirs;
        for (int r = 0; r < RES_COUNT; r++)
            bad += !(br->capacity[r] > 0);
        /* Kafka's log dir choice: fewest replicas, so counts differ by at most one */
        int32_t lo = INT32_MAX, hi = 0;
        for (int32_t d = br->first_disk; d < br->first_disk + br->ndisks; d++) {
            lo = dir_count[d] < lo ? dir_count[d] : lo;
            hi = dir_count[d] > hi ? dir_count[d] : hi;
        }
        bad += hi - lo > 1;
    }
    free(dir_count);
    return bad;
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
    CHECK_INT_EQ(c->nzones, 3);
    CHECK_INT_EQ(c->nracks, 6);
    CHECK_INT_EQ(check_invariants(c, &o), 0);
    int nnew = 0, ndead = 0;
    struct model_broker_load *bl = calloc((size_t)c->nbrokers, sizeof(*bl));
    model_compute_loads(c, bl, NULL);
    for (int32_t b = 0; b < c->nbrokers; b++) {
        nnew += (c->brokers[b].flags & BROKER_NEW) != 0;
        ndead += (c->brokers[b].flags & BROKER_DEAD) != 0;
        if (c->brokers[b].flags & BROKER_NEW)
            CHECK_INT_EQ(bl[b].replicas, 0);
        if (c->brokers[b].flags & BROKER_DEAD) /* dead brokers keep their replicas */
            CHECK(bl[b].replicas > 400);
    }
    free(bl);
    CHECK_INT_EQ(nnew, 4);
    CHECK_INT_EQ(ndead, 2);
    struct model_stats st;
    model_stats_compute(c, &st);
    CHECK_INT_EQ(st.rack_violations, 300);
    CHECK(st.offline_replicas > 800);
    /* the same judged with the dead brokers alive */
    for (int32_t b = 0; b < c->nbrokers; b++)
        c->brokers[b].flags &= ~(uint32_t)BROKER_DEAD;
    model_topology_refresh(c);
    CHECK_INT_EQ(count_deficits(c), 300);
    model_cluster_destroy(c);
}

/* Rack awareness and exact violation counts over topologies where zones, racks and rf relate
 * in different ways (rf above zones, above racks, uneven racks, one zone). */
TEST(rack_violations_exact_over_topologies)
{
    static const struct {
        int32_t brokers, zones, racks;
        bool uneven;
        int rf;
        int32_t dead;
        int64_t violations;
    } cases[] = {
        {48, 3, 6, false, 3, 0, 100}, {10, 1, 4, false, 3, 1, 40}, {9, 2, 3, false, 3, 0, 17},
        {13, 3, 4, true, 3, 1, 25},   {12, 3, 3, false, 2, 2, 60}, {16, 3, 4, false, 4, 0, 9},
        {11, 2, 5, false, 5, 0, 33},  {12, 3, 3, false, 4, 0, 0},  {7, 3, 6, true, 3, 0, 1},
        {30, 5, 10, false, 3, 3, 77}, {5, 1, 1, false, 3, 0, 0},   {6, 2, 2, false, 1, 0, 0},
        /* one rack with two brokers, the rest with one: violations must find it */
        {6, 5, 5, false, 3, 0, 200},  {40, 30, 30, false, 3, 0, 50}, {9, 4, 8, false, 4, 1, 300},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct model_generate_opts o;
        model_generate_defaults(&o);
        o.seed = 100 + i;
        o.brokers = cases[i].brokers;
        o.zones = cases[i].zones;
        o.racks = cases[i].racks;
        o.uneven_racks = cases[i].uneven;
        o.rf = cases[i].rf;
        o.dead_brokers = cases[i].dead;
        o.rack_violations = cases[i].violations;
        o.partitions = 900;
        o.topics = 7;
        o.broker_skew = (double)(i % 3) / 2;
        o.new_brokers = (int32_t)(i % 2);
        o.log_dirs = 1 + (int32_t)(i % 3);
        struct model_cluster *c = gen(&o);
        if (!c)
            continue;
        int bad = check_invariants(c, &o);
        int64_t v = count_deficits(c);
        if (bad || v != cases[i].violations)
            test_fail(__FILE__, __LINE__, "case %zu: %d invariant failures, %lld rack deficits "
                                          "for %lld asked",
                      i, bad, (long long)v, (long long)cases[i].violations);
        model_cluster_destroy(c);
    }
}

/* Random small option sets: every valid one generates, passes the invariants and has exactly
 * the violations asked for (when dead brokers leave every rack a live broker: a rack with none
 * no longer counts, so its violations vanish); invalid ones fail with a message. */
TEST(random_options_hold_invariants)
{
    uint64_t st = 12345;
    int generated = 0;
    for (int i = 0; i < 400; i++) {
        struct model_generate_opts o;
        model_generate_defaults(&o);
#define PICK(n) ((int32_t)((st = st * 6364136223846793005ull + 1442695040888963407ull) >> 33) % (n))
        o.seed = (uint64_t)i;
        o.zones = 1 + PICK(4);
        o.racks = o.zones + PICK(6);
        o.uneven_racks = PICK(3) == 0;
        o.brokers = o.racks + PICK(20);
        o.rf = 1 + PICK(5);
        o.topics = 1 + PICK(10);
        o.partitions = o.topics + PICK(400);
        o.new_brokers = PICK(3);
        o.dead_brokers = PICK(3);
        o.rack_violations = PICK(4) == 0 ? 0 : PICK((int32_t)o.partitions + 1);
        o.broker_skew = PICK(5) / 4.0;
        o.log_dirs = 1 + PICK(4);
        o.size_sigma = PICK(4) * 0.7;
        o.non_preferred_leaders = PICK(3) / 4.0;
#undef PICK
        struct model_cluster *c = NULL;
        struct error err = {0};
        if (model_generate(&o, &c, &err) != 0) {
            if (!strstr(err.msg, "--"))
                test_fail(__FILE__, __LINE__, "case %d: message names no option: %s", i, err.msg);
            continue;
        }
        generated++;
        int bad = check_invariants(c, &o);
        bool racks_live = true;
        for (int32_t r = 0; r < c->nracks; r++) {
            bool live = false;
            for (int32_t b = 0; b < c->nbrokers; b++)
                live |= c->brokers[b].rack == r && !(c->brokers[b].flags & BROKER_DEAD);
            racks_live &= live;
        }
        int64_t v = count_deficits(c);
        if (bad || (racks_live && v != o.rack_violations))
            test_fail(__FILE__, __LINE__, "case %d (brokers %d zones %d racks %d%s rf %d dead "
                                          "%d): %d invariant failures, %lld deficits for %lld",
                      i, o.brokers, o.zones, o.racks, o.uneven_racks ? " uneven" : "", o.rf,
                      o.dead_brokers, bad, (long long)v, (long long)o.rack_violations);
        model_cluster_destroy(c);
    }
    CHECK(generated > 150);
}

TEST(same_seed_same_snapshot_bytes)
{
    struct model_generate_opts o;
    model_generate_defaults(&o);
    o.broker_skew = 0.5;
    o.rack_violations = 10;
    o.dead_brokers = 1;
    o.new_brokers = 2;
    struct model_cluster *a = gen(&o), *b = gen(&o);
    o.seed = 2;
    struct model_cluster *d = gen(&o);
    o.seed = 1;
    o.rack_violations = 11;
    struct model_cluster *e = gen(&o);
    if (a && b && d && e) {
        char *ja = model_snapshot_dump(a), *jb = model_snapshot_dump(b);
        char *jd = model_snapshot_dump(d);
        CHECK(strlen(ja) > 10000);
        CHECK(strcmp(ja, jb) == 0);
        CHECK(strcmp(ja, jd) != 0);
        free(ja);
        free(jb);
        free(jd);
        /* one PRNG stream per purpose: another violation count keeps every size */
        int same = 1;
        for (int32_t p = 0; p < a->npartitions; p++)
            same &= model_replicas_of(a, p)[0].size == model_replicas_of(e, p)[0].size;
        CHECK(same);
        CHECK(model_replicas_of(a, 0)[0].size != model_replicas_of(d, 0)[0].size);
    }
    model_cluster_destroy(a);
    model_cluster_destroy(b);
    model_cluster_destroy(d);
    model_cluster_destroy(e);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

TEST(skew_and_heavy_tail)
{
    struct model_generate_opts o;
    model_generate_defaults(&o);
    o.brokers = 24;
    o.racks = 6;
    o.partitions = 6000;
    struct model_cluster *even = gen(&o);
    o.broker_skew = 1;
    struct model_cluster *skew = gen(&o);
    if (!even || !skew)
        return;
    struct model_stats se, ss;
    model_stats_compute(even, &se);
    model_stats_compute(skew, &ss);
    for (int r = 0; r < RES_COUNT; r++)
        CHECK_DBL_LE(se.res[r].max / se.res[r].avg, 1.15);
    CHECK_DBL_LE(se.replica_count.max / se.replica_count.avg, 1.15);
    CHECK_DBL_LE(se.leader_count.max / se.leader_count.avg, 1.15);
    CHECK_DBL_LE(1.3, ss.res[RES_DISK].max / ss.res[RES_DISK].avg);
    CHECK_DBL_LE(1.3, ss.replica_count.max / ss.replica_count.avg);
    CHECK_DBL_LE(1.3, ss.leader_count.max / ss.leader_count.avg);
    CHECK_INT_EQ(ss.rack_violations, 0);
    CHECK_INT_EQ(se.rack_violations, 0);
    /* heavy tail: the largest partition is many times the median, the mean above the median */
    int64_t *sz = malloc((size_t)even->npartitions * sizeof(int64_t));
    double mean = 0;
    for (int32_t p = 0; p < even->npartitions; p++) {
        sz[p] = model_replicas_of(even, p)[0].size;
        mean += (double)sz[p] / even->npartitions;
    }
    qsort(sz, (size_t)even->npartitions, sizeof(int64_t), cmp_i64);
    double median = (double)sz[even->npartitions / 2], max = (double)sz[even->npartitions - 1];
    fprintf(stderr, "  sizes: median %.0f MB, mean %.0f MB, max %.0f MB\n", median / 1e6,
            mean / 1e6, max / 1e6);
    CHECK_DBL_LE(20 * median, max);
    CHECK_DBL_LE(1.3 * median, mean);
    CHECK_NEAR(mean / o.mean_partition_bytes, 1.0, 0.15);
    free(sz);
    model_cluster_destroy(even);
    model_cluster_destroy(skew);
}

TEST(capacities_and_cpu_calibration)
{
    struct model_generate_opts o;
    model_generate_defaults(&o);
    o.brokers = 30;
    o.partitions = 3000;
    o.total_nw_in = 2e9;
    struct model_cluster *c = gen(&o);
    if (!c)
        return;
    struct model_stats s;
    model_stats_compute(c, &s);
    CHECK_NEAR(s.util[RES_DISK].avg, 0.5, 0.01);
    CHECK_NEAR(s.util[RES_NW_IN].avg, 0.4, 0.01);
    /* sized for consumer plus replication bytes out: consumer bytes alone are 2 / (2 + 2) */
    CHECK_NEAR(s.util[RES_NW_OUT].avg, 0.2, 0.005);
    /* A broker at its network-in capacity, leading 1/rf of its replicas, is at 100% CPU: so the
     * mean CPU utilisation equals the mean network-in utilisation. */
    CHECK_NEAR(s.util[RES_CPU].avg, s.util[RES_NW_IN].avg, 1e-9);
    double sum_in = 0;
    for (int32_t p = 0; p < c->npartitions; p++) {
        const struct model_partition *part = &c->partitions[p];
        sum_in += part->nw_in;
        CHECK_NEAR(part->nw_out, 2.0 * part->nw_in, 1e-6 * part->nw_in + 1e-12);
        CHECK_NEAR(part->cpu_follower / part->cpu_leader, 0.15 / (0.7 + 0.15 * 2), 1e-9);
    }
    CHECK_NEAR(sum_in, 2e9, 1.0);
    model_cluster_destroy(c);

    /* skewed: sized capacities keep the fullest broker at 75% */
    o.broker_skew = 1;
    c = gen(&o);
    if (!c)
        return;
    model_stats_compute(c, &s);
    CHECK_DBL_LE(s.util[RES_DISK].max, 0.75 + 1e-9);
    CHECK_DBL_LE(s.util[RES_NW_IN].max, 0.75 + 1e-9);
    CHECK_DBL_LE(s.util[RES_NW_OUT].max, 0.75 + 1e-9);
    CHECK_DBL_LE(0.3, s.util[RES_DISK].avg);
    model_cluster_destroy(c);

    /* given capacities are kept as given */
    o.disk_capacity = 5e12;
    o.nw_in_capacity = 1e9;
    o.nw_out_capacity = 2e9;
    o.cpu_capacity = 400;
    c = gen(&o);
    if (!c)
        return;
    for (int32_t b = 0; b < c->nbrokers; b++) {
        CHECK_NEAR(c->brokers[b].capacity[RES_DISK], 5e12, 0);
        CHECK_NEAR(c->brokers[b].capacity[RES_NW_IN], 1e9, 0);
        CHECK_NEAR(c->brokers[b].capacity[RES_NW_OUT], 2e9, 0);
        CHECK_NEAR(c->brokers[b].capacity[RES_CPU], 400, 0);
    }
    model_stats_compute(c, &s);
    CHECK_NEAR(s.util[RES_CPU].avg, s.util[RES_NW_IN].avg, 1e-9);
    model_cluster_destroy(c);
}

/* The bench's "loaded" shape: utilisation targets as fractions of capacity (network out in
 * consumer bytes), rates apart from sizes, brokers weighted (rank + 1)^-1 and filled to at most
 * 95% of disk, the fullest with few large replicas. */
TEST(loaded_shape_targets_and_fill_limit)
{
    struct model_generate_opts o;
    model_generate_defaults(&o);
    o.brokers = 60;
    o.racks = 6;
    o.topics = 200;
    o.partitions = 10000;
    o.broker_weight_power = 1;
    o.fill_limit = 0.95;
    o.independent_rates = true;
    o.disk_util = 0.5;
    o.nw_in_util = 0.3;
    o.nw_out_util = 0.3;
    o.cpu_util = 0.25;
    o.consumer_fanout = 3;
    struct model_cluster *c = gen(&o);
    if (!c)
        return;
    CHECK_INT_EQ(check_invariants(c, &o), 0);
    struct model_stats s;
    model_stats_compute(c, &s);
    CHECK_NEAR(s.util[RES_DISK].avg, 0.5, 1e-9);
    CHECK_NEAR(s.util[RES_NW_IN].avg, 0.3, 1e-9);
    CHECK_NEAR(s.util[RES_CPU].avg, 0.25, 1e-9);
    CHECK_DBL_LE(s.util[RES_DISK].max, 0.95 + 1e-9);
    CHECK_DBL_LE(0.9, s.util[RES_DISK].max); /* the heaviest broker is near the limit */
    double consumer = 0;
    for (int32_t p = 0; p < c->npartitions; p++)
        consumer += c->partitions[p].nw_out;
    CHECK_NEAR(consumer / (60 * c->brokers[0].capacity[RES_NW_OUT]), 0.3, 1e-9);
    /* broker 0 (the heaviest weight) holds fewer replicas than the mean, each larger */
    int32_t on0 = 0;
    for (int64_t r = 0; r < c->nreplicas; r++)
        on0 += c->replicas[r].broker == 0;
    CHECK_DBL_LE((double)on0, s.replica_count.avg);
    /* rates follow topics: every partition of a topic has the same bytes in */
    const struct model_topic *t = &c->topics[0];
    CHECK_NEAR(c->partitions[t->first_partition].nw_in,
               c->partitions[t->first_partition + t->npartitions - 1].nw_in, 1e-6);
    model_cluster_destroy(c);
}

TEST(leaders_mostly_preferred_and_offline_when_all_dead)
{
    struct model_generate_opts o;
    model_generate_defaults(&o);
    o.partitions = 5000;
    o.non_preferred_leaders = 0.2;
    struct model_cluster *c = gen(&o);
    if (!c)
        return;
    int32_t slot1 = 0;
    for (int32_t p = 0; p < c->npartitions; p++)
        slot1 += c->partitions[p].leader == 1;
    CHECK_NEAR((double)slot1 / c->npartitions, 0.2, 0.03);
    model_cluster_destroy(c);
    /* 3 dead brokers of 6 over 3 racks with rf 3: some partitions lose every replica */
    model_generate_defaults(&o);
    o.brokers = 6;
    o.dead_brokers = 3;
    o.rf = 3;
    c = gen(&o);
    if (!c)
        return;
    struct model_stats s;
    model_stats_compute(c, &s);
    int32_t all_dead = 0;
    for (int32_t p = 0; p < c->npartitions; p++) {
        const struct model_replica *rep = model_replicas_of(c, p);
        bool dead = true;
        for (int i = 0; i < 3; i++)
            dead &= (c->brokers[rep[i].broker].flags & BROKER_DEAD) != 0;
        all_dead += dead;
        CHECK_INT_EQ(c->partitions[p].leader < 0, dead);
    }
    CHECK(all_dead > 0);
    CHECK_INT_EQ(s.partitions_without_leader, all_dead);
    model_cluster_destroy(c);
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
    char *a3b[] = {"--rf", "33"};
    CHECK(model_generate_parse_args(&o, 2, a3b, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "'--rf': 33 is out of range 1..32");
    char *a3c[] = {"--seed", "-1"};
    CHECK(model_generate_parse_args(&o, 2, a3c, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "'--seed'");
    char *a3d[] = {"--topics"};
    CHECK(model_generate_parse_args(&o, 1, a3d, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "'--topics' needs a value");
    char *a3e[] = {"brokers"};
    CHECK(model_generate_parse_args(&o, 1, a3e, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "unexpected argument 'brokers'");
    char *a4[] = {"--brokers=4", "--racks", "6"};
    CHECK_INT_EQ(model_generate_parse_args(&o, 3, a4, &err), 0);
    struct model_cluster *c = NULL;
    CHECK(model_generate(&o, &c, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "racks (6) cannot exceed brokers (4)");
    CHECK(c == NULL);
    char *a5[] = {"--uneven-racks", "--broker-skew", "0.5", "--mean-partition-mb", "10",
                  "--seed", "18446744073709551615", "--cpu-capacity=800"};
    model_generate_defaults(&o);
    CHECK_INT_EQ(model_generate_parse_args(&o, 8, a5, &err), 0);
    CHECK(o.uneven_racks);
    CHECK_NEAR(o.mean_partition_bytes, 1e7, 1e-3);
    CHECK(o.seed == UINT64_MAX);
    CHECK_NEAR(o.cpu_capacity, 800, 0);

    /* library callers skip the parser: model_generate checks the same ranges and relations */
    static const struct {
        const char *field;
        const char *message;
    } bad[] = {
        {"rf", "--rf 13 is larger than --brokers 12"},
        {"skew", "'--broker-skew': 2 is out of range 0..1"},
        {"zones", "--zones (4) cannot exceed --racks (3)"},
        {"dead", "--dead-brokers (12) must leave at least one"},
        {"violations", "--rack-violations need 2 <= --rf <= --racks"},
        {"pair", "--rack-violations need a rack with two brokers"},
        {"topics", "--partitions (1000) must be at least --topics (1001)"},
        {"replicas", "exceeds 100000000 replicas"},
        {"nan", "'--size-sigma': nan is out of range"},
        {"uneven", "--racks 3 --uneven-racks needs at least 4 --brokers"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        model_generate_defaults(&o);
        const char *f = bad[i].field;
        if (!strcmp(f, "rf"))
            o.rf = 13;
        else if (!strcmp(f, "skew"))
            o.broker_skew = 2;
        else if (!strcmp(f, "zones"))
            o.zones = 4;
        else if (!strcmp(f, "dead"))
            o.dead_brokers = 12;
        else if (!strcmp(f, "violations"))
            o.rack_violations = 1, o.rf = 4;
        else if (!strcmp(f, "pair"))
            o.rack_violations = 1, o.brokers = 3;
        else if (!strcmp(f, "topics"))
            o.topics = 1001;
        else if (!strcmp(f, "replicas"))
            o.partitions = 40000000, o.topics = 100;
        else if (!strcmp(f, "nan"))
            o.size_sigma = NAN;
        else if (!strcmp(f, "uneven"))
            o.brokers = 3, o.uneven_racks = true;
        error_clear(&err);
        c = NULL;
        CHECK_INT_EQ(model_generate(&o, &c, &err), -EINVAL);
        CHECK(c == NULL);
        if (!strstr(err.msg, bad[i].message))
            test_fail(__FILE__, __LINE__, "%s: got '%s', want '%s'", f, err.msg, bad[i].message);
    }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long max_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* The benchmark's largest size: 1000 brokers, 1M replicas. Time and memory are printed; the
 * bounds are loose (a shared machine) but would catch a quadratic step or per-replica
 * allocations. */
TEST(one_million_replicas)
{
    struct model_generate_opts o;
    model_generate_defaults(&o);
    o.brokers = 1000;
    o.zones = 3;
    o.racks = 12;
    o.topics = 2000;
    o.partitions = 333334;
    o.log_dirs = 4;
    o.broker_skew = 0.6;
    o.new_brokers = 50;
    o.dead_brokers = 5;
    o.rack_violations = 3000;
    long rss0 = max_rss_kb();
    double t0 = now_s();
    struct model_cluster *c = gen(&o);
    double t1 = now_s();
    long rss1 = max_rss_kb();
    if (!c)
        return;
    size_t arrays = (size_t)c->nreplicas * sizeof(struct model_replica) +
                    (size_t)c->npartitions * sizeof(struct model_partition);
    fprintf(stderr, "  1M replicas: %.3f s, max RSS %ld MB (+%ld MB; replica and partition "
                    "arrays %zu MB)\n",
            t1 - t0, rss1 / 1024, (rss1 - rss0) / 1024, arrays >> 20);
    CHECK_INT_EQ(c->nreplicas, 1000002);
    CHECK_INT_EQ(c->nbrokers, 1050);
    /* its speed is the benchmark's to measure (bench/), not a timed unit test's */
    /* ru_maxrss is a high-water mark: bound the peak, which earlier (small) tests barely move
     * (not under AddressSanitizer, whose shadow memory and quarantine count too) */
#if !defined(__SANITIZE_ADDRESS__)
    CHECK_DBL_LE((double)rss1 * 1024, 3.0 * (double)arrays + 64e6);
#endif
    struct model_stats s;
    model_stats_compute(c, &s);
    CHECK_INT_EQ(s.rack_violations, 3000);
    CHECK_DBL_LE(1.3, s.res[RES_DISK].max / s.res[RES_DISK].avg);
    model_cluster_destroy(c);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
