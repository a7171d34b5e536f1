/* JBOD goals, moving replicas between the log dirs of one broker (no network traffic):
 *   IntraBrokerDiskCapacityGoal (hard): every online log dir stays at or below its capacity x
 *     the disk capacity threshold;
 *   IntraBrokerDiskUsageDistributionGoal (soft): each broker's log dirs have utilisations in
 *     the band around the broker's own mean.
 * They run in the same plan as the inter-broker goals: inter-broker moves already land in the
 * least used dir of the destination, and these goals accept an inter-broker move only if that
 * dir stays within their limits. Log dirs being removed (remove-disks) count as absent: they
 * take no replicas and are emptied before these goals run. */
#include <errno.h>
#include <math.h>

#include "goals/balance.h"

static double dir_cap(const struct search_ctx *ctx, int32_t disk)
{
    return model_disk_capacity(ctx->c, disk);
}

/* lo/hi hold, per broker, the band in utilisation (capacity goal: hi only). */
static void icap_prepare(struct goal *g, const struct search_ctx *ctx)
{
    for (int32_t b = 0; b < ctx->c->nbrokers; b++) {
        g->lo[b] = -INFINITY;
        g->hi[b] = ctx->th.capacity[RES_DISK];
    }
}

static void idist_prepare(struct goal *g, const struct search_ctx *ctx)
{
    const struct model_cluster *c = ctx->c;
    for (int32_t b = 0; b < c->nbrokers; b++) {
        const struct model_broker *br = &c->brokers[b];
        double used = 0, cap = 0;
        for (int32_t d = br->first_disk; d < br->first_disk + br->ndisks; d++) {
            if (c->disks[d].offline || c->disks[d].removed)
                continue;
            used += ctx->disk_used[d];
            cap += dir_cap(ctx, d);
        }
        double avg = cap > 0 ? used / cap : 0;
        goal_band(avg, ctx->th.balance[RES_DISK], ctx->th.balance_margin, &g->lo[b], &g->hi[b]);
    }
}

static bool dir_outside(const struct goal *g, const struct search_ctx *ctx, int32_t b, int32_t d,
                        bool capacity)
{
    double u = ctx->disk_used[d] / dir_cap(ctx, d);
    return capacity ? u > g->hi[b] + 1e-12 : goal_outside(u, g->lo[b], g->hi[b]) > 1e-12;
}

static int64_t count(const struct goal *g, const struct search_ctx *ctx, bool capacity)
{
    int64_t n = 0;
    const struct model_cluster *c = ctx->c;
    for (int32_t b = 0; b < c->nbrokers; b++) {
        const struct model_broker *br = &c->brokers[b];
        if (!model_broker_usable(c, b) || br->ndisks < 2)
            continue;
        for (int32_t d = br->first_disk; d < br->first_disk + br->ndisks; d++)
            if (!c->disks[d].offline && !c->disks[d].removed &&
                dir_outside(g, ctx, b, d, capacity))
                n++;
    }
    return n;
}

static int64_t icap_violations(const struct goal *g, const struct search_ctx *ctx)
{
    return count(g, ctx, true);
}

static int64_t idist_violations(const struct goal *g, const struct search_ctx *ctx)
{
    return count(g, ctx, false);
}

/* Moves replicas of broker b from its fullest dir to its emptiest while that narrows the
 * spread without pushing the receiving dir above the limit. */
static void level_broker(struct goal *g, struct search_ctx *ctx, int32_t b, bool capacity)
{
    const struct model_cluster *c = ctx->c;
    const struct model_broker *br = &c->brokers[b];
    for (int guard = 0; guard < ctx->blist_n[b] + 1; guard++) {
        int32_t hi_d = -1, lo_d = -1;
        double hi_u = -1, lo_u = INFINITY;
        for (int32_t d = br->first_disk; d < br->first_disk + br->ndisks; d++) {
            if (c->disks[d].offline || c->disks[d].removed)
                continue;
            double u = ctx->disk_used[d] / dir_cap(ctx, d);
            if (u > hi_u) {
                hi_u = u;
                hi_d = d;
            }
            if (u < lo_u) {
                lo_u = u;
                lo_d = d;
            }
        }
        if (hi_d < 0 || hi_d == lo_d || !dir_outside(g, ctx, b, hi_d, capacity))
            return;
        double limit = capacity ? g->hi[b] : g->hi[b];
        double need = (ctx->disk_used[hi_d] - limit * dir_cap(ctx, hi_d));
        /* best fit: smallest replica covering need, else the largest that fits */
        int64_t best = -1;
        double best_sz = 0;
        for (int32_t i = 0; i < ctx->blist_n[b]; i++) {
            int64_t r = ctx->blist[b][i];
            if (c->replicas[r].dir != hi_d - br->first_disk)
                continue;
            if (c->topics[c->partitions[ctx->rep_part[r]].topic].flags & TOPIC_EXCLUDED)
                continue;
            double sz = (double)c->replicas[r].size;
            if (sz <= 0 || (ctx->disk_used[lo_d] + sz) / dir_cap(ctx, lo_d) > limit)
                continue;
            /* do not overshoot: the receiving dir must stay below the giving one */
            if (ctx->disk_used[lo_d] + sz > ctx->disk_used[hi_d] - sz + 1e-9 &&
                (ctx->disk_used[lo_d] + sz) / dir_cap(ctx, lo_d) >
                    (ctx->disk_used[hi_d]) / dir_cap(ctx, hi_d))
                continue;
            bool better = best < 0 || (sz >= need ? (best_sz < need || sz < best_sz)
                                                  : (best_sz < need && sz > best_sz));
            if (better) {
                best = r;
                best_sz = sz;
            }
        }
        if (best < 0)
            return;
        search_dir_apply(ctx, best, (int16_t)(lo_d - br->first_disk));
    }
}

/* Whether broker b has a log dir being removed (remove-disks levels only those brokers). */
static bool removing(const struct model_cluster *c, int32_t b)
{
    const struct model_broker *br = &c->brokers[b];
    for (int32_t d = br->first_disk; d < br->first_disk + br->ndisks; d++)
        if (c->disks[d].removed)
            return true;
    return false;
}

static int intra_optimize(struct goal *g, struct search_ctx *ctx, bool capacity, struct error *err)
{
    if (ctx->mode == SEARCH_MODE_DEMOTE)
        return 0;
    for (int32_t b = 0; b < ctx->c->nbrokers; b++)
        if (model_broker_usable(ctx->c, b) && ctx->c->brokers[b].ndisks > 1 &&
            (ctx->mode != SEARCH_MODE_REMOVE_DISKS || removing(ctx->c, b)))
            level_broker(g, ctx, b, capacity);
    if (capacity && g->hard) {
        int64_t n = count(g, ctx, true);
        if (n)
            return error_set(err, -ENOSPC,
                             "%s: %lld log dirs stay above %.0f%% of their capacity and no "
                             "move between the dirs of their broker fixes them",
                             g->impl->name, (long long)n, ctx->th.capacity[RES_DISK] * 100);
    }
    return 0;
}

static int icap_optimize(struct goal *g, struct search_ctx *ctx, struct error *err)
{
    return intra_optimize(g, ctx, true, err);
}

static int idist_optimize(struct goal *g, struct search_ctx *ctx, struct error *err)
{
    return intra_optimize(g, ctx, false, err);
}

/* An inter-broker move lands in the destination's least used dir: that dir must stay under
 * the limit. */
static bool icap_accept_move(const struct goal *g, const struct search_ctx *ctx, int64_t r,
                             int32_t dst)
{
    int16_t d = search_best_dir(ctx, dst);
    if (d < 0)
        return true;
    int32_t disk = ctx->c->brokers[dst].first_disk + d;
    return (ctx->disk_used[disk] + (double)ctx->c->replicas[r].size) / dir_cap(ctx, disk) <=
           g->hi[dst] + 1e-12;
}

const struct goal_impl goal_intra_disk_capacity = {
    .name = "IntraBrokerDiskCapacityGoal",
    .unit = "log dirs",
    .hard = true,
    .res = RES_DISK,
    .prepare = icap_prepare,
    .violations = icap_violations,
    .optimize = icap_optimize,
    .accept_move = icap_accept_move,
};

const struct goal_impl goal_intra_disk_distribution = {
    .name = "IntraBrokerDiskUsageDistributionGoal",
    .unit = "log dirs",
    .hard = false,
    .res = RES_DISK,
    .prepare = idist_prepare,
    .violations = idist_violations,
    .optimize = idist_optimize,
};
