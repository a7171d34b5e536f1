/* TopicReplicaDistributionGoal (soft): for each topic, the replicas per broker lie in the band
 * around the topic's mean (threshold topic.replica.count.balance.threshold, 3.0 by default),
 * widened to whole numbers. Moves the smallest replicas of the topic from brokers above the
 * band to the brokers holding the fewest of it. Uses the context's per-topic counts. */
#include <math.h>
#include <stdlib.h>

#include "common/alloc.h"
#include "goals/balance.h"

/* aux holds per topic: lo in aux[2t], hi in aux[2t+1]. */
static void trd_prepare(struct goal *g, const struct search_ctx *ctx)
{
    struct search_ctx *mctx = (struct search_ctx *)ctx; /* counts are a cache; building is benign */
    search_ctx_topic_counts(mctx);
    const struct model_cluster *c = ctx->c;
    int32_t n = 0;
    for (int32_t b = 0; b < c->nbrokers; b++)
        n += model_broker_usable(c, b);
    free(g->aux);
    g->aux = xcalloc((size_t)(c->ntopics ? c->ntopics : 1) * 2, sizeof(int32_t));
    for (int32_t t = 0; t < c->ntopics; t++) {
        int64_t reps = 0;
        const struct model_topic *top = &c->topics[t];
        for (int32_t p = top->first_partition; p < top->first_partition + top->npartitions; p++)
            reps += c->partitions[p].rf;
        double avg = n ? (double)reps / n : 0, lo, hi;
        goal_band(avg, ctx->th.topic_replica_balance, ctx->th.balance_margin, &lo, &hi);
        g->aux[2 * t] = (int32_t)fmax(0, fmin(floor(lo), floor(avg)));
        g->aux[2 * t + 1] = (int32_t)fmax(ceil(hi), ceil(avg));
    }
}

static int32_t tcount(const struct search_ctx *ctx, int32_t t, int32_t b)
{
    return ctx->topic_count[(size_t)t * (size_t)ctx->c->nbrokers + (size_t)b];
}

static int64_t trd_violations(const struct goal *g, const struct search_ctx *ctx)
{
    int64_t n = 0;
    for (int32_t t = 0; t < ctx->c->ntopics; t++)
        for (int32_t b = 0; b < ctx->c->nbrokers; b++) {
            if (!model_broker_usable(ctx->c, b))
                continue;
            int32_t v = tcount(ctx, t, b);
            if (v > g->aux[2 * t + 1] || v < g->aux[2 * t])
                n++;
        }
    return n;
}

struct tcand {
    int32_t b;
    int32_t count;
    double util;
};

static int tcand_cmp(const void *x, const void *y)
{
    const struct tcand *a = x, *b = y;
    if (a->count != b->count)
        return a->count - b->count;
    if (a->util != b->util)
        return a->util < b->util ? -1 : 1;
    return a->b - b->b;
}

/* For each topic, brokers above the topic's band give their replicas of it (followers and
 * small ones first would be nicer; partition order keeps it deterministic) to the brokers
 * holding the fewest of the topic, least disk-utilised first. */
static int trd_optimize(struct goal *g, struct search_ctx *ctx, struct error *err)
{
    const struct model_cluster *c = ctx->c;
    struct tcand *cand = xmalloc((size_t)(c->nbrokers ? c->nbrokers : 1) * sizeof(*cand));
    for (int32_t t = 0; t < c->ntopics; t++) {
        if (c->topics[t].flags & TOPIC_EXCLUDED)
            continue;
        int32_t hi = g->aux[2 * t + 1];
        const struct model_topic *top = &c->topics[t];
        int32_t ncand = -1; /* built lazily, once per topic */
        for (int32_t src = 0; src < c->nbrokers; src++) {
            if (!model_broker_usable(c, src) || tcount(ctx, t, src) <= hi)
                continue;
            if (ncand < 0) {
                ncand = 0;
                for (int32_t b = 0; b < c->nbrokers; b++)
                    if (ctx->dst_ok[b] && tcount(ctx, t, b) < hi)
                        cand[ncand++] = (struct tcand){b, tcount(ctx, t, b),
                                                       search_util(ctx, b, RES_DISK)};
                qsort(cand, (size_t)ncand, sizeof(*cand), tcand_cmp);
            }
            for (int32_t p = top->first_partition;
                 p < top->first_partition + top->npartitions && tcount(ctx, t, src) > hi; p++) {
                int slot = model_partition_slot(c, p, src);
                if (slot < 0)
                    continue;
                int64_t r = c->partitions[p].first_replica + slot;
                /* The first few coolest takers decide: if earlier goals refuse them all, the
                 * rest (fuller of this topic, or hotter on disk) are refused too. */
                for (int32_t k = 0; k < ncand && k < 32; k++) {
                    int32_t b = cand[k].b;
                    if (tcount(ctx, t, b) + 1 > hi || !search_move_ok(ctx, r, b))
                        continue;
                    search_move_apply(ctx, r, b);
                    cand[k].count++;
                    /* keep the list sorted: bubble the taker back */
                    for (int32_t x = k; x + 1 < ncand && tcand_cmp(&cand[x], &cand[x + 1]) > 0; x++) {
                        struct tcand tmp = cand[x];
                        cand[x] = cand[x + 1];
                        cand[x + 1] = tmp;
                    }
                    break;
                }
            }
        }
    }
    free(cand);
    return 0;
}

static bool trd_accept_move(const struct goal *g, const struct search_ctx *ctx, int64_t r,
                            int32_t dst)
{
    int32_t t = ctx->c->partitions[ctx->rep_part[r]].topic;
    int32_t src = ctx->c->replicas[r].broker;
    int32_t lo = g->aux[2 * t], hi = g->aux[2 * t + 1];
    int32_t vs = tcount(ctx, t, src), vd = tcount(ctx, t, dst);
    double before = goal_outside(vs, lo, hi) + goal_outside(vd, lo, hi);
    double after = goal_outside(vs - 1, lo, hi) + goal_outside(vd + 1, lo, hi);
    if (!model_broker_usable(ctx->c, src))
        return vd + 1 <= hi || after <= before;
    return after <= before;
}

static bool trd_accept_swap(const struct goal *g, const struct search_ctx *ctx, int64_t x, int64_t y)
{
    if (ctx->c->partitions[ctx->rep_part[x]].topic == ctx->c->partitions[ctx->rep_part[y]].topic)
        return true;
    return trd_accept_move(g, ctx, x, ctx->c->replicas[y].broker) &&
           trd_accept_move(g, ctx, y, ctx->c->replicas[x].broker);
}

const struct goal_impl goal_topic_replica_distribution = {
    .name = "TopicReplicaDistributionGoal",
    .unit = "topic-broker pairs",
    .hard = false,
    .res = -1,
    .prepare = trd_prepare,
    .violations = trd_violations,
    .optimize = trd_optimize,
    .accept_move = trd_accept_move,
    .accept_swap = trd_accept_swap,
};
