/* Model generations: an immutable cluster model with a reference count. The refresher builds
 * one off to the side and publishes it by swapping one pointer under gen_lock; readers take a
 * reference under the same lock (a few instructions) and read without any lock. The previous
 * generation is freed by whoever drops its last reference, on whichever thread that is. */
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/clock.h"
#include "common/map.h"
#include "model/cluster.h"
#include "service/internal.h"

struct svc_gen *svc_gen_ref(struct svc_gen *g)
{
    if (g)
        atomic_fetch_add_explicit(&g->refs, 1, memory_order_relaxed);
    return g;
}

void svc_gen_unref(struct svc_gen *g)
{
    if (!g || atomic_fetch_sub_explicit(&g->refs, 1, memory_order_acq_rel) != 1)
        return;
    model_cluster_destroy(g->cluster);
    free(g);
}

uint64_t svc_placement_hash(const struct model_cluster *c)
{
    /* a sum of per-partition hashes: independent of the order partitions were read in */
    uint64_t sum = 0;
    for (int32_t p = 0; p < c->npartitions; p++) {
        const struct model_partition *part = &c->partitions[p];
        int32_t ids[MODEL_MAX_RF + 1];
        ids[0] = part->id;
        const struct model_replica *r = model_replicas_of(c, p);
        for (int i = 0; i < part->rf; i++)
            ids[i + 1] = c->brokers[r[i].broker].id;
        uint64_t h = map_hash_str(c->topics[part->topic].name);
        h = map_hash_bytes(h, ids, sizeof(int32_t) * (size_t)(part->rf + 1));
        sum += h;
    }
    return sum ^ (uint64_t)c->npartitions;
}

struct svc_gen *svc_gen_create(struct model_cluster *c, double read_ms)
{
    struct svc_gen *g = xcalloc(1, sizeof(*g));
    atomic_init(&g->refs, 1);
    g->cluster = c;
    g->read_ms = read_ms;
    g->created_ms = clock_wall_ms();
    g->placement = svc_placement_hash(c);
    return g;
}

void svc_publish(struct svc *s, struct svc_gen *g)
{
    pthread_mutex_lock(&s->gen_lock);
    struct svc_gen *old = s->current;
    g->id = old ? old->id + 1 : 1;
    s->current = g;
    pthread_mutex_unlock(&s->gen_lock);
    svc_gen_unref(old); /* outside the lock: freeing a big model takes time */
}

struct svc_gen *svc_current(struct svc *s)
{
    pthread_mutex_lock(&s->gen_lock);
    struct svc_gen *g = svc_gen_ref(s->current);
    pthread_mutex_unlock(&s->gen_lock);
    return g;
}
