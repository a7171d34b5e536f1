/* Kafka's --generate placement, re-implemented for comparison; see baseline.h. */
#include "bench/baseline.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

static uint64_t next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Usable brokers ordered rack by rack in turn: r0's first, r1's first, ..., r0's second... */
static int32_t rack_alternated(const struct model_cluster *c, int32_t *out)
{
    int32_t n = 0, round = 0;
    bool any = true;
    while (any) {
        any = false;
        for (int32_t r = 0; r < c->nracks; r++) {
            int32_t seen = 0;
            for (int32_t b = 0; b < c->nbrokers; b++) {
                if (c->brokers[b].rack != r || !model_broker_usable(c, b))
                    continue;
                if (seen++ == round) {
                    out[n++] = b;
                    any = true;
                    break;
                }
            }
        }
        round++;
    }
    return n;
}

struct model_cluster *bench_kafka_generate(const struct model_cluster *c, uint64_t seed)
{
    struct model_cluster *g = model_cluster_clone(c);
    int32_t *list = xmalloc((size_t)(c->nbrokers ? c->nbrokers : 1) * sizeof(int32_t));
    int32_t n = rack_alternated(c, list);
    bool *rack_used = xcalloc((size_t)c->nracks + 1, sizeof(bool));
    uint64_t st = seed;
    for (int32_t t = 0; t < g->ntopics && n > 0; t++) {
        const struct model_topic *top = &g->topics[t];
        if (top->flags & TOPIC_EXCLUDED)
            continue;
        int32_t start = (int32_t)(next(&st) % (uint64_t)n);
        int32_t shift = (int32_t)(next(&st) % (uint64_t)n);
        for (int32_t i = 0; i < top->npartitions; i++) {
            int32_t p = top->first_partition + i;
            struct model_partition *part = &g->partitions[p];
            struct model_replica *rep = model_replicas_of(g, p);
            if (part->rf > n)
                continue; /* --generate would refuse; keep it as it is */
            if (i > 0 && i % n == 0)
                shift++;
            int32_t first = (i + start) % n;
            int32_t chosen[MODEL_MAX_RF];
            int nch = 0;
            chosen[nch++] = list[first];
            memset(rack_used, 0, (size_t)c->nracks * sizeof(bool));
            rack_used[c->brokers[list[first]].rack] = true;
            int32_t racks_used = 1;
            for (int32_t k = 0; nch < part->rf && k < 4 * n; k++) {
                int32_t idx = n > 1 ? (first + 1 + (shift + k) % (n - 1)) % n : first;
                int32_t b = list[idx];
                bool dup = false;
                for (int j = 0; j < nch; j++)
                    dup |= chosen[j] == b;
                if (dup)
                    continue;
                int32_t r = c->brokers[b].rack;
                if (rack_used[r] && racks_used < c->usable_racks)
                    continue;
                if (!rack_used[r]) {
                    rack_used[r] = true;
                    racks_used++;
                }
                chosen[nch++] = b;
            }
            if (nch < part->rf)
                continue;
            /* Write the new replica list; sizes stay with the partition (replicas of one
             * partition are the same size up to lag). */
            int64_t size = rep[part->leader >= 0 ? part->leader : 0].size;
            for (int j = 0; j < part->rf; j++) {
                rep[j].broker = chosen[j];
                rep[j].dir = g->brokers[chosen[j]].ndisks > 0 ? 0 : -1;
                rep[j].size = size;
            }
            part->leader = 0;
        }
    }
    free(rack_used);
    free(list);
    return g;
}
