/* RackAwareGoal and RackAwareDistributionGoal (hard). Both want every partition's replicas on
 * as many distinct zones as possible, spread evenly, then on as many distinct racks as
 * possible (model_partition_rack_deficit = 0). RackAwareGoal is Cruise Control's strict form:
 * a partition whose RF exceeds the usable racks makes it fail with a message naming the
 * topic; RackAwareDistributionGoal accepts RF > racks and asks only for the even spread.
 * Repairs move the fewest replicas: one move per unit of deficit, followers before leaders,
 * each to the least disk-utilised broker that lowers the deficit; of replicas that tie, the
 * one on the most utilised broker, so that the repair also sheds load where it is needed. */
#include <errno.h>
#include <math.h>

#include "goals/balance.h"

static void rack_prepare(struct goal *g, const struct search_ctx *ctx)
{
    (void)g;
    (void)ctx;
}

static bool partition_counts(const struct search_ctx *ctx, int32_t p)
{
    const struct model_partition *part = &ctx->c->partitions[p];
    if (!(ctx->c->topics[part->topic].flags & TOPIC_EXCLUDED))
        return true;
    for (int i = 0; i < part->rf; i++)
        if (search_rep_must_move(ctx, part->first_replica + i))
            return true;
    return false;
}

static int64_t rack_violations(const struct goal *g, const struct search_ctx *ctx)
{
    int64_t n = 0;
    for (int32_t p = 0; p < ctx->c->npartitions; p++)
        if (partition_counts(ctx, p) && model_partition_rack_deficit(ctx->c, p) > 0)
            n++;
    return n;
}

static double disk_util_after(const struct search_ctx *ctx, int32_t b, int64_t r)
{
    const struct model_broker *br = &ctx->c->brokers[b];
    return (ctx->bl[b].load[RES_DISK] + (double)ctx->c->replicas[r].size) /
           br->capacity[RES_DISK];
}

/* Lowers p's deficit by one move if it can; returns true on success. */
static bool repair_one(struct search_ctx *ctx, int32_t p, int deficit)
{
    const struct model_cluster *c = ctx->c;
    const struct model_partition *part = &c->partitions[p];
    int64_t best_r = -1;
    int32_t best_b = -1;
    int best_d = deficit;
    double best_u = INFINITY, best_src = 0;
    bool best_follower = false;
    for (int slot = 0; slot < part->rf; slot++) {
        int64_t r = part->first_replica + slot;
        bool follower = slot != part->leader;
        if (best_r >= 0 && best_follower && !follower)
            continue;
        int32_t src = c->replicas[r].broker;
        double src_u = model_broker_usable(c, src) ? ctx->bl[src].load[RES_DISK] /
                                                         c->brokers[src].capacity[RES_DISK]
                                                   : INFINITY;
        for (int32_t b = 0; b < c->nbrokers; b++) {
            if (!ctx->recv_ok[b])
                continue;
            int nd = model_partition_rack_deficit_if(c, p, slot, b);
            if (nd >= deficit)
                continue;
            double u = disk_util_after(ctx, b, r);
            bool better = best_r < 0 || (follower && !best_follower) || nd < best_d ||
                          (nd == best_d && (u < best_u || (u == best_u && src_u > best_src)));
            if (!better || !search_move_ok(ctx, r, b))
                continue;
            best_r = r;
            best_b = b;
            best_d = nd;
            best_u = u;
            best_src = src_u;
            best_follower = follower;
        }
    }
    if (best_r < 0)
        return false;
    search_move_apply(ctx, best_r, best_b);
    return true;
}

static int rack_repair(struct goal *g, struct search_ctx *ctx, struct error *err)
{
    const struct model_cluster *c = ctx->c;
    int64_t unfixed = 0;
    int32_t first_bad = -1;
    for (int32_t p = 0; p < c->npartitions; p++) {
        if (!partition_counts(ctx, p))
            continue;
        int d = model_partition_rack_deficit(c, p);
        while (d > 0 && repair_one(ctx, p, d))
            d = model_partition_rack_deficit(c, p);
        if (d > 0) {
            unfixed++;
            if (first_bad < 0)
                first_bad = p;
        }
    }
    if (unfixed && g->hard) {
        const struct model_partition *part = &c->partitions[first_bad];
        return error_set(err, -EDOM,
                         "%s: %lld partitions stay without rack awareness (first: topic '%s' "
                         "partition %d, RF %d over %d usable racks in %d zones); no allowed "
                         "move fixes them",
                         g->impl->name, (long long)unfixed, c->topics[part->topic].name, part->id,
                         part->rf, c->usable_racks, c->usable_zones);
    }
    return 0;
}

static int strict_optimize(struct goal *g, struct search_ctx *ctx, struct error *err)
{
    const struct model_cluster *c = ctx->c;
    for (int32_t p = 0; p < c->npartitions; p++) {
        const struct model_partition *part = &c->partitions[p];
        if (part->rf > c->usable_racks && partition_counts(ctx, p))
            return error_set(err, -EDOM,
                             "%s: topic '%s' has RF %d but only %d racks (use "
                             "RackAwareDistributionGoal to allow RF above the rack count)",
                             g->impl->name, c->topics[part->topic].name, part->rf,
                             c->usable_racks);
    }
    return rack_repair(g, ctx, err);
}

static bool rack_accept_move(const struct goal *g, const struct search_ctx *ctx, int64_t r,
                             int32_t dst)
{
    int32_t p = ctx->rep_part[r];
    int slot = search_rep_slot(ctx, r);
    if (ctx->c->brokers[ctx->c->replicas[r].broker].rack == ctx->c->brokers[dst].rack)
        return true;
    return model_partition_rack_deficit_if(ctx->c, p, slot, dst) <= ctx->deficit[p];
}

const struct goal_impl goal_rack_aware = {
    .name = "RackAwareGoal",
    .unit = "partitions",
    .hard = true,
    .res = -1,
    .prepare = rack_prepare,
    .violations = rack_violations,
    .optimize = strict_optimize,
    .accept_move = rack_accept_move,
};

const struct goal_impl goal_rack_aware_distribution = {
    .name = "RackAwareDistributionGoal",
    .unit = "partitions",
    .hard = true,
    .res = -1,
    .prepare = rack_prepare,
    .violations = rack_violations,
    .optimize = rack_repair,
    .accept_move = rack_accept_move,
};
