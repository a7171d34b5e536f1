/* Leadership goals, acting by leadership transfers (no data moves) where they can:
 *   LeaderBytesInDistributionGoal (soft): bytes/s produced to the partitions a broker leads,
 *     in the band around the mean over brokers that may lead;
 *   MinTopicLeadersPerBrokerGoal (hard): every broker that may lead leads at least
 *     min.topic.leaders.per.broker partitions of each topic the request names; when no
 *     follower is in place, a follower replica is moved onto the broker first;
 *   PreferredLeaderElectionGoal (soft): each partition led by its first (preferred) replica. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "common/alloc.h"
#include "goals/balance.h"

/* ---- LeaderBytesInDistributionGoal ---- */

static void lbi_prepare(struct goal *g, const struct search_ctx *ctx)
{
    double total = 0;
    int32_t n = 0;
    for (int32_t p = 0; p < ctx->c->npartitions; p++)
        if (ctx->c->partitions[p].leader >= 0)
            total += ctx->c->partitions[p].nw_in;
    for (int32_t b = 0; b < ctx->c->nbrokers; b++)
        n += ctx->lead_ok[b];
    g->avg = n ? total / n : 0;
    double lo, hi;
    goal_band(g->avg, ctx->th.balance[RES_NW_IN], ctx->th.balance_margin, &lo, &hi);
    for (int32_t b = 0; b < ctx->c->nbrokers; b++) {
        g->lo[b] = ctx->lead_ok[b] ? lo : 0;
        g->hi[b] = ctx->lead_ok[b] ? hi : 0;
    }
}

static int64_t lbi_violations(const struct goal *g, const struct search_ctx *ctx)
{
    int64_t n = 0;
    double eps = 1e-9 * (g->avg + 1);
    for (int32_t b = 0; b < ctx->c->nbrokers; b++)
        if (goal_outside(ctx->bl[b].leader_nw_in, g->lo[b], g->hi[b]) > eps)
            n++;
    return n;
}

static bool lbi_band_ok(const struct goal *g, const struct search_ctx *ctx, int32_t a, int32_t b,
                        double amount)
{
    double va = ctx->bl[a].leader_nw_in, vb = ctx->bl[b].leader_nw_in;
    double before = goal_outside(va, g->lo[a], g->hi[a]) + goal_outside(vb, g->lo[b], g->hi[b]);
    double after = goal_outside(va - amount, g->lo[a], g->hi[a]) +
                   goal_outside(vb + amount, g->lo[b], g->hi[b]);
    return after <= before + 1e-9 * (va + vb + 1);
}

static int lbi_optimize(struct goal *g, struct search_ctx *ctx, struct error *err)
{
    const struct model_cluster *c = ctx->c;
    for (int round = 0; round < 4; round++) {
        bool moved = false;
        for (int32_t src = 0; src < c->nbrokers; src++) {
            /* Shed the leadership that best fits the excess, to the coolest follower. */
            for (int guard = 0; guard < ctx->blist_n[src] && ctx->bl[src].leader_nw_in > g->hi[src];
                 guard++) {
                double need = ctx->bl[src].leader_nw_in - g->hi[src];
                int32_t best_p = -1;
                int best_slot = -1;
                double best_amt = 0;
                for (int32_t i = 0; i < ctx->blist_n[src]; i++) {
                    int64_t r = ctx->blist[src][i];
                    if (!search_rep_is_leader(ctx, r))
                        continue;
                    int32_t p = ctx->rep_part[r];
                    double amt = c->partitions[p].nw_in;
                    if (amt <= 0 || ctx->bl[src].leader_nw_in - amt < g->lo[src])
                        continue;
                    /* prefer the smallest amount covering need, else the largest below */
                    bool better;
                    if (best_p < 0)
                        better = true;
                    else if (amt >= need)
                        better = best_amt < need || amt < best_amt;
                    else
                        better = best_amt < need && amt > best_amt;
                    if (!better)
                        continue;
                    const struct model_partition *part = &c->partitions[p];
                    int slot = -1;
                    double coolest = INFINITY;
                    for (int s = 0; s < part->rf; s++) {
                        int32_t b = c->replicas[part->first_replica + s].broker;
                        if (s == part->leader || ctx->bl[b].leader_nw_in + amt > g->hi[b] ||
                            ctx->bl[b].leader_nw_in >= coolest || !search_leader_ok(ctx, p, s))
                            continue;
                        coolest = ctx->bl[b].leader_nw_in;
                        slot = s;
                    }
                    if (slot < 0)
                        continue;
                    best_p = p;
                    best_slot = slot;
                    best_amt = amt;
                }
                if (best_p < 0)
                    break;
                search_leader_apply(ctx, best_p, best_slot);
                moved = true;
            }
        }
        /* Pull: brokers below the band take leadership of partitions they follow. */
        for (int32_t dst = 0; dst < c->nbrokers; dst++) {
            if (!ctx->lead_ok[dst])
                continue;
            for (int32_t i = 0; i < ctx->blist_n[dst] && ctx->bl[dst].leader_nw_in < g->lo[dst];
                 i++) {
                int64_t r = ctx->blist[dst][i];
                if (search_rep_is_leader(ctx, r))
                    continue;
                int32_t p = ctx->rep_part[r];
                int32_t ob = model_partition_leader(c, p);
                double amt = c->partitions[p].nw_in;
                if (ob < 0 || amt <= 0 || ctx->bl[ob].leader_nw_in - amt < g->lo[ob] ||
                    ctx->bl[dst].leader_nw_in + amt > g->hi[dst])
                    continue;
                int slot = search_rep_slot(ctx, r);
                if (search_leader_ok(ctx, p, slot)) {
                    search_leader_apply(ctx, p, slot);
                    moved = true;
                }
            }
        }
        if (!moved)
            break;
    }
    return 0;
}

static bool lbi_accept_move(const struct goal *g, const struct search_ctx *ctx, int64_t r,
                            int32_t dst)
{
    if (!search_rep_is_leader(ctx, r))
        return true;
    int32_t src = ctx->c->replicas[r].broker;
    return lbi_band_ok(g, ctx, src, dst, ctx->c->partitions[ctx->rep_part[r]].nw_in);
}

static bool lbi_accept_leader(const struct goal *g, const struct search_ctx *ctx, int32_t p,
                              int slot)
{
    int32_t ob = model_partition_leader(ctx->c, p);
    int32_t nb = model_replicas_of(ctx->c, p)[slot].broker;
    double amt = ctx->c->partitions[p].nw_in;
    if (ob < 0)
        return ctx->bl[nb].leader_nw_in + amt <= g->hi[nb];
    return lbi_band_ok(g, ctx, ob, nb, amt);
}

const struct goal_impl goal_leader_bytes_in = {
    .name = "LeaderBytesInDistributionGoal",
    .unit = "brokers",
    .hard = false,
    .res = -1,
    .prepare = lbi_prepare,
    .violations = lbi_violations,
    .optimize = lbi_optimize,
    .accept_move = lbi_accept_move,
    .accept_leader = lbi_accept_leader,
};

/* ---- PreferredLeaderElectionGoal ---- */

static void ple_prepare(struct goal *g, const struct search_ctx *ctx)
{
}

static bool preferred_possible(const struct search_ctx *ctx, int32_t p)
{
    const struct model_partition *part = &ctx->c->partitions[p];
    int64_t r0 = part->first_replica;
    return part->leader != 0 && ctx->lead_ok[ctx->c->replicas[r0].broker] &&
           !search_rep_must_move(ctx, r0);
}

static int64_t ple_violations(const struct goal *g, const struct search_ctx *ctx)
{
    int64_t n = 0;
    for (int32_t p = 0; p < ctx->c->npartitions; p++)
        n += preferred_possible(ctx, p);
    return n;
}

static int ple_optimize(struct goal *g, struct search_ctx *ctx, struct error *err)
{
    for (int32_t p = 0; p < ctx->c->npartitions; p++)
        if (preferred_possible(ctx, p) && search_leader_ok(ctx, p, 0))
            search_leader_apply(ctx, p, 0);
    return 0;
}

const struct goal_impl goal_preferred_leader = {
    .name = "PreferredLeaderElectionGoal",
    .unit = "partitions",
    .hard = false,
    .res = -1,
    .prepare = ple_prepare,
    .violations = ple_violations,
    .optimize = ple_optimize,
};

/* ---- MinTopicLeadersPerBrokerGoal ---- */

static bool min_topic(const struct search_ctx *ctx, int32_t t)
{
    return ctx->min_leader_topics && ctx->min_leader_topics[t];
}

/* Leaders of topic t per broker into cnt[nbrokers]. */
static void topic_leaders(const struct search_ctx *ctx, int32_t t, int32_t *cnt)
{
    const struct model_cluster *c = ctx->c;
    for (int32_t b = 0; b < c->nbrokers; b++)
        cnt[b] = 0;
    const struct model_topic *top = &c->topics[t];
    for (int32_t p = top->first_partition; p < top->first_partition + top->npartitions; p++) {
        int32_t lb = model_partition_leader(c, p);
        if (lb >= 0)
            cnt[lb]++;
    }
}

static void mtl_prepare(struct goal *g, const struct search_ctx *ctx)
{
    free(g->aux);
    g->aux = xcalloc((size_t)(ctx->c->nbrokers ? ctx->c->nbrokers : 1), sizeof(int32_t));
}

static int64_t mtl_violations(const struct goal *g, const struct search_ctx *ctx)
{
    int64_t n = 0;
    for (int32_t t = 0; t < ctx->c->ntopics; t++) {
        if (!min_topic(ctx, t))
            continue;
        topic_leaders(ctx, t, g->aux);
        for (int32_t b = 0; b < ctx->c->nbrokers; b++)
            if (ctx->lead_ok[b] && g->aux[b] < ctx->th.min_topic_leaders)
                n++;
    }
    return n;
}

static int mtl_optimize(struct goal *g, struct search_ctx *ctx, struct error *err)
{
    struct model_cluster *c = ctx->c;
    int32_t need = ctx->th.min_topic_leaders;
    int32_t leaders_ok = 0;
    for (int32_t b = 0; b < c->nbrokers; b++)
        leaders_ok += ctx->lead_ok[b];
    for (int32_t t = 0; t < c->ntopics; t++) {
        if (!min_topic(ctx, t))
            continue;
        const struct model_topic *top = &c->topics[t];
        if (top->npartitions < (int64_t)need * leaders_ok) {
            if (g->hard)
                return error_set(err, -EDOM,
                                 "%s: topic '%s' has %d partitions but %d brokers need %d "
                                 "leaders each",
                                 g->impl->name, top->name, top->npartitions, leaders_ok, need);
            continue;
        }
        int32_t *cnt = g->aux;
        topic_leaders(ctx, t, cnt);
        for (int32_t b = 0; b < c->nbrokers; b++) {
            if (!ctx->lead_ok[b])
                continue;
            for (int32_t p = top->first_partition;
                 p < top->first_partition + top->npartitions && cnt[b] < need; p++) {
                int32_t ob = model_partition_leader(c, p);
                if (ob < 0 || ob == b || cnt[ob] <= need)
                    continue;
                int slot = model_partition_slot(c, p, b);
                if (slot < 0) {
                    /* Bring a follower of p onto b, then lead from it. */
                    const struct model_partition *part = &c->partitions[p];
                    for (int s = 0; s < part->rf && slot < 0; s++) {
                        int64_t r = part->first_replica + s;
                        if (s != part->leader && search_move_ok(ctx, r, b)) {
                            search_move_apply(ctx, r, b);
                            slot = s;
                        }
                    }
                    if (slot < 0)
                        continue;
                }
                if (!search_leader_ok(ctx, p, slot))
                    continue;
                search_leader_apply(ctx, p, slot);
                cnt[ob]--;
                cnt[b]++;
            }
        }
    }
    return 0;
}

static bool mtl_accept_leader(const struct goal *g, const struct search_ctx *ctx, int32_t p,
                              int slot)
{
    int32_t t = ctx->c->partitions[p].topic;
    int32_t ob = model_partition_leader(ctx->c, p);
    if (!min_topic(ctx, t) || ob < 0)
        return true;
    const struct model_topic *top = &ctx->c->topics[t];
    int32_t n = 0;
    for (int32_t q = top->first_partition; q < top->first_partition + top->npartitions; q++)
        n += model_partition_leader(ctx->c, q) == ob;
    return n - 1 >= ctx->th.min_topic_leaders;
}

static bool mtl_accept_move(const struct goal *g, const struct search_ctx *ctx, int64_t r,
                            int32_t dst)
{
    if (!search_rep_is_leader(ctx, r))
        return true;
    int32_t p = ctx->rep_part[r];
    return mtl_accept_leader(g, ctx, p, (search_rep_slot(ctx, r) + 1) % ctx->c->partitions[p].rf);
}

const struct goal_impl goal_min_topic_leaders = {
    .name = "MinTopicLeadersPerBrokerGoal",
    .unit = "topic-broker pairs",
    .hard = true,
    .res = -1,
    .prepare = mtl_prepare,
    .violations = mtl_violations,
    .optimize = mtl_optimize,
    .accept_move = mtl_accept_move,
    .accept_leader = mtl_accept_leader,
};
