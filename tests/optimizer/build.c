/* Small hand-made clusters for planner tests; see build.h. */
#include "tests/optimizer/build.h"

#include <stdio.h>
#include <stdlib.h>

#include "tests/harness.h"

struct model_cluster *tb_cluster(int nbrokers, int nracks, double disk_cap)
{
    struct model_cluster *c = model_cluster_create("tb");
    for (int r = 0; r < nracks; r++) {
        char name[16];
        snprintf(name, sizeof(name), "r%d", r);
        model_rack_add(c, name, model_zone_add(c, name));
    }
    for (int i = 1; i <= nbrokers; i++) {
        int32_t b;
        model_broker_add(c, i, (i - 1) % nracks, "127.0.0.1", &b);
        model_disk_add(c, b, "/d0", 0);
        model_disk_add(c, b, "/d1", 0);
        c->brokers[b].capacity[RES_DISK] = disk_cap;
        c->brokers[b].capacity[RES_CPU] = 100;
        c->brokers[b].capacity[RES_NW_IN] = 1e9;
        c->brokers[b].capacity[RES_NW_OUT] = 1e9;
        c->brokers[b].capacity_set = 0xf;
        c->brokers[b].num_cores = 4;
    }
    return c;
}

void tb_topic(struct model_cluster *c, const char *name, int np, int rf, const int32_t *ids,
              const int64_t *sizes)
{
    int32_t t;
    if (model_topic_add(c, name, &t) != 0)
        abort();
    for (int k = 0; k < np; k++) {
        int32_t b[MODEL_MAX_RF];
        int64_t s[MODEL_MAX_RF];
        int16_t d[MODEL_MAX_RF];
        for (int i = 0; i < rf; i++) {
            b[i] = model_broker_find(c, ids[k * rf + i]);
            s[i] = sizes ? sizes[k] : 0;
            d[i] = (int16_t)(k % 2);
        }
        struct error err = {0};
        if (model_partition_add(c, t, k, rf, b, d, s, 0, &err, NULL) != 0) {
            fprintf(stderr, "tb_topic: %s\n", err.msg);
            abort();
        }
    }
}

void tb_finalize(struct model_cluster *c)
{
    struct error err = {0};
    if (model_cluster_finalize(c, &err) != 0) {
        fprintf(stderr, "tb_finalize: %s\n", err.msg);
        abort();
    }
}

int tb_check_plan(const struct model_cluster *before, const struct model_cluster *after)
{
    int bad = 0;
    if (before->npartitions != after->npartitions || before->nreplicas != after->nreplicas) {
        test_fail(__FILE__, __LINE__, "partition/replica counts changed");
        return 1;
    }
    for (int32_t p = 0; p < after->npartitions; p++) {
        const struct model_partition *a = &after->partitions[p], *b = &before->partitions[p];
        if (a->rf != b->rf || a->topic != b->topic || a->id != b->id) {
            bad++;
            continue;
        }
        const struct model_replica *ra = model_replicas_of(after, p);
        const struct model_replica *rb = model_replicas_of(before, p);
        int64_t sa = 0, sb = 0;
        for (int i = 0; i < a->rf; i++) {
            sa += ra[i].size;
            sb += rb[i].size;
            for (int j = 0; j < i; j++)
                if (ra[i].broker == ra[j].broker) {
                    test_fail(__FILE__, __LINE__, "partition %d has two replicas on broker %d",
                              p, after->brokers[ra[i].broker].id);
                    bad++;
                }
            if (ra[i].dir >= after->brokers[ra[i].broker].ndisks)
                bad++;
        }
        if (sa != sb) {
            test_fail(__FILE__, __LINE__, "partition %d replica sizes changed", p);
            bad++;
        }
        if (a->leader < 0 && b->leader >= 0)
            bad++;
    }
    return bad;
}
