/* BrokerSetAwareGoal (hard): where brokers are grouped into broker sets, all replicas of a
 * topic live in one set. A topic belongs to the set that already holds most of its replicas
 * (ties: the lower set index), so the fewest replicas move. With no broker sets configured
 * the goal is satisfied and does nothing. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "common/alloc.h"
#include "goals/balance.h"

static void bs_prepare(struct goal *g, const struct search_ctx *ctx)
{
    const struct model_cluster *c = ctx->c;
    free(g->aux);
    g->aux = xcalloc((size_t)(c->ntopics ? c->ntopics : 1), sizeof(int32_t));
    if (c->nbroker_sets == 0)
        return;
    int64_t *cnt = xcalloc((size_t)c->nbroker_sets, sizeof(int64_t));
    for (int32_t t = 0; t < c->ntopics; t++) {
        const struct model_topic *top = &c->topics[t];
        for (int32_t s = 0; s < c->nbroker_sets; s++)
            cnt[s] = 0;
        for (int32_t p = top->first_partition; p < top->first_partition + top->npartitions; p++) {
            const struct model_replica *rep = model_replicas_of(c, p);
            for (int i = 0; i < c->partitions[p].rf; i++) {
                int32_t s = c->brokers[rep[i].broker].broker_set;
                if (s >= 0 && model_broker_usable(c, rep[i].broker))
                    cnt[s]++;
            }
        }
        int32_t best = 0;
        for (int32_t s = 1; s < c->nbroker_sets; s++)
            if (cnt[s] > cnt[best])
                best = s;
        g->aux[t] = best;
    }
    free(cnt);
}

static bool in_set(const struct goal *g, const struct search_ctx *ctx, int32_t t, int32_t b)
{
    return ctx->c->nbroker_sets == 0 || ctx->c->brokers[b].broker_set == g->aux[t];
}

static int64_t bs_violations(const struct goal *g, const struct search_ctx *ctx)
{
    const struct model_cluster *c = ctx->c;
    if (c->nbroker_sets == 0)
        return 0;
    int64_t n = 0;
    for (int64_t r = 0; r < c->nreplicas; r++)
        n += !in_set(g, ctx, c->partitions[ctx->rep_part[r]].topic, c->replicas[r].broker);
    return n;
}

static int bs_optimize(struct goal *g, struct search_ctx *ctx, struct error *err)
{
    const struct model_cluster *c = ctx->c;
    if (c->nbroker_sets == 0)
        return 0;
    int64_t unfixed = 0;
    for (int64_t r = 0; r < c->nreplicas; r++) {
        int32_t t = c->partitions[ctx->rep_part[r]].topic;
        if (in_set(g, ctx, t, c->replicas[r].broker))
            continue;
        int32_t best = -1;
        for (int32_t b = 0; b < c->nbrokers; b++) {
            if (!in_set(g, ctx, t, b) || !ctx->dst_ok[b])
                continue;
            if (best >= 0 && search_util(ctx, b, RES_DISK) >= search_util(ctx, best, RES_DISK))
                continue;
            if (search_move_ok(ctx, r, b))
                best = b;
        }
        if (best >= 0)
            search_move_apply(ctx, r, best);
        else
            unfixed++;
    }
    if (unfixed && g->hard)
        return error_set(err, -EDOM,
                         "%s: %lld replicas cannot move into their topic's broker set",
                         g->impl->name, (long long)unfixed);
    return 0;
}

static bool bs_accept_move(const struct goal *g, const struct search_ctx *ctx, int64_t r,
                           int32_t dst)
{
    int32_t t = ctx->c->partitions[ctx->rep_part[r]].topic;
    return in_set(g, ctx, t, dst) || !in_set(g, ctx, t, ctx->c->replicas[r].broker);
}

const struct goal_impl goal_broker_set_aware = {
    .name = "BrokerSetAwareGoal",
    .unit = "replicas",
    .hard = true,
    .res = -1,
    .prepare = bs_prepare,
    .violations = bs_violations,
    .optimize = bs_optimize,
    .accept_move = bs_accept_move,
};
