/* Resource goals, one impl per resource and kind:
 *   capacity goals (hard): CpuCapacityGoal, NetworkInboundCapacityGoal,
 *     NetworkOutboundCapacityGoal, DiskCapacityGoal — every broker's load stays at or below
 *     capacity x capacity threshold;
 *   usage distribution goals (soft): CpuUsageDistributionGoal, NetworkInbound-,
 *     NetworkOutbound-, DiskUsageDistributionGoal — every broker's utilisation lies in the
 *     band avg x (1 +- (balance threshold - 1) x margin), avg being the capacity-weighted mean
 *     over the brokers that will hold replicas.
 * Both act with replica moves through the balancing engine; accept_move/accept_leader keep a
 * satisfied goal satisfied and never let an unsatisfied one get worse. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "common/alloc.h"
#include "goals/balance.h"

static double res_value(const struct balance_spec *s, const struct search_ctx *ctx, int32_t b)
{
    return ctx->bl[b].load[s->res];
}

static double res_amount(const struct balance_spec *s, const struct search_ctx *ctx, int64_t r)
{
    /* Disk and network-in do not depend on leadership: read them directly (hot path). */
    if (s->res == RES_DISK)
        return (double)ctx->c->replicas[r].size;
    if (s->res == RES_NW_IN)
        return ctx->c->partitions[ctx->rep_part[r]].nw_in;
    double load[RES_COUNT];
    search_rep_load(ctx, r, load);
    return load[s->res];
}

static void spec_of(const struct goal *g, struct balance_spec *s, bool capacity)
{
    *s = (struct balance_spec){0};
    s->value = res_value;
    s->amount = res_amount;
    s->lo = g->lo;
    s->hi = g->hi;
    s->res = g->impl->res;
    s->eps = 1e-9;
    s->by_bytes = false;
    s->no_pull = capacity;
    s->max_tries = 64;
    s->swaps = true;
}

/* ---- capacity ---- */

static void capacity_prepare(struct goal *g, const struct search_ctx *ctx)
{
    int res = g->impl->res;
    for (int32_t b = 0; b < ctx->c->nbrokers; b++) {
        g->lo[b] = -INFINITY;
        g->hi[b] = ctx->th.capacity[res] * ctx->c->brokers[b].capacity[res];
    }
}

static int64_t capacity_violations(const struct goal *g, const struct search_ctx *ctx)
{
    struct balance_spec s;
    spec_of(g, &s, true);
    return goal_count_outside(&s, ctx);
}

static int capacity_optimize(struct goal *g, struct search_ctx *ctx, struct error *err)
{
    struct balance_spec s;
    spec_of(g, &s, true);
    goal_balance(&s, ctx);
    if (goal_count_outside(&s, ctx) > 0 && ctx->mode == SEARCH_MODE_ADD_BROKERS) {
        /* The new brokers could not take it all (zones keep each partition's replica in its
         * zone, and a zone may have few new brokers): old brokers below the limit take the
         * rest, since a hard goal holds in every mode. */
        ctx->shed_anywhere = true;
        goal_balance(&s, ctx);
        ctx->shed_anywhere = false;
    }
    if (goal_count_outside(&s, ctx) == 0 || !g->hard)
        return 0;
    int res = g->impl->res;
    double total = 0, limit = 0;
    int32_t worst = -1;
    double worst_util = -1;
    for (int32_t b = 0; b < ctx->c->nbrokers; b++) {
        if (!model_broker_usable(ctx->c, b))
            continue;
        total += ctx->bl[b].load[res];
        limit += g->hi[b];
        double u = ctx->bl[b].load[res] / ctx->c->brokers[b].capacity[res];
        if (ctx->bl[b].load[res] > g->hi[b] && u > worst_util) {
            worst_util = u;
            worst = b;
        }
    }
    /* When replicas cannot leave their rack or zone, name the group that overflows. */
    int level = search_locked_level(ctx);
    if (level > 0 && worst >= 0) {
        const struct model_cluster *c = ctx->c;
        int32_t group = level == 2 ? c->brokers[worst].rack : model_broker_zone(c, worst);
        double gl = 0, glim = 0;
        for (int32_t b = 0; b < c->nbrokers; b++) {
            int32_t gb = level == 2 ? c->brokers[b].rack : model_broker_zone(c, b);
            if (gb != group)
                continue;
            gl += ctx->bl[b].load[res];
            if (model_broker_usable(c, b))
                glim += g->hi[b];
        }
        char keep[48], allow[48];
        if (gl > glim)
            return error_set(err, -ENOSPC,
                             "%s: %s '%s' must keep %s of %s load (every partition has one "
                             "replica per %s) but its remaining brokers allow %s at %.0f%% of "
                             "capacity; add brokers to it or raise their capacity",
                             g->impl->name, level == 2 ? "rack" : "zone",
                             level == 2 ? c->racks[group].name : c->zones[group].name,
                             model_res_format(keep, sizeof(keep), res, gl),
                             model_res_names[res], level == 2 ? "rack" : "zone",
                             model_res_format(allow, sizeof(allow), res, glim),
                             ctx->th.capacity[res] * 100);
    }
    char load_s[48], limit_s[48];
    if (total > limit)
        return error_set(err, -ENOSPC,
                         "%s: the cluster's %s load %s exceeds %.0f%% of its capacity "
                         "(limit %s); add brokers or capacity",
                         g->impl->name, model_res_names[res],
                         model_res_format(load_s, sizeof(load_s), res, total),
                         ctx->th.capacity[res] * 100,
                         model_res_format(limit_s, sizeof(limit_s), res, limit));
    return error_set(err, -ENOSPC,
                     "%s: broker %d stays at %.1f%% of its %s capacity (limit %.0f%%) and no "
                     "allowed move brings it down",
                     g->impl->name, worst >= 0 ? ctx->c->brokers[worst].id : -1,
                     worst_util * 100, model_res_names[res], ctx->th.capacity[res] * 100);
}

static bool capacity_accept_move(const struct goal *g, const struct search_ctx *ctx, int64_t r,
                                 int32_t dst)
{
    double load[RES_COUNT];
    search_rep_load(ctx, r, load);
    double a = load[g->impl->res];
    return a <= 0 || ctx->bl[dst].load[g->impl->res] + a <= g->hi[dst] + 1e-9;
}

static bool capacity_accept_swap(const struct goal *g, const struct search_ctx *ctx, int64_t x,
                                 int64_t y)
{
    int res = g->impl->res;
    double lx[RES_COUNT], ly[RES_COUNT];
    search_rep_load(ctx, x, lx);
    search_rep_load(ctx, y, ly);
    int32_t a = ctx->c->replicas[x].broker, b = ctx->c->replicas[y].broker;
    double net = lx[res] - ly[res]; /* a loses net, b gains net */
    if (net > 0)
        return ctx->bl[b].load[res] + net <= g->hi[b] + 1e-9;
    return ctx->bl[a].load[res] - net <= g->hi[a] + 1e-9;
}

static bool capacity_accept_leader(const struct goal *g, const struct search_ctx *ctx, int32_t p,
                                   int slot)
{
    double d_old[RES_COUNT], d_new[RES_COUNT];
    goal_leader_delta(ctx, p, slot, d_old, d_new);
    int res = g->impl->res;
    int32_t b = model_replicas_of(ctx->c, p)[slot].broker;
    return d_new[res] <= 0 || ctx->bl[b].load[res] + d_new[res] <= g->hi[b] + 1e-9;
}

/* ---- usage distribution ---- */

static void dist_prepare(struct goal *g, const struct search_ctx *ctx)
{
    const struct model_cluster *c = ctx->c;
    int res = g->impl->res;
    double load = 0, cap = 0;
    double *value = xmalloc((size_t)c->nbrokers * sizeof(double) + 1);
    double *weight = xmalloc((size_t)c->nbrokers * sizeof(double) + 1);
    for (int32_t b = 0; b < c->nbrokers; b++) {
        value[b] = ctx->bl[b].load[res];
        weight[b] = c->brokers[b].capacity[res];
        load += value[b];
        if (model_broker_usable(c, b))
            cap += weight[b];
    }
    g->avg = cap > 0 ? load / cap : 0;
    /* Leadership moves shift CPU and network-out between racks; disk and network-in follow
     * the replicas, whose rack shares are fixed when racks are locked. */
    int level = (res == RES_DISK || res == RES_NW_IN) ? search_locked_level(ctx) : 0;
    goal_centres(ctx, level, value, weight, g->lo);
    double d = (ctx->th.balance[res] - 1.0) * ctx->th.balance_margin;
    bool idle = g->avg < ctx->th.low_utilization[res];
    for (int32_t b = 0; b < c->nbrokers; b++) {
        double centre = g->lo[b];
        g->lo[b] = idle ? -INFINITY : centre * (1 - d);
        g->hi[b] = idle ? INFINITY : centre * (1 + d);
    }
    free(value);
    free(weight);
}

static int64_t dist_violations(const struct goal *g, const struct search_ctx *ctx)
{
    struct balance_spec s;
    spec_of(g, &s, false);
    return goal_count_outside(&s, ctx);
}

struct lead_cand {
    int64_t r;
    double gain;
};

static int lead_cand_desc(const void *a, const void *b)
{
    const struct lead_cand *x = a, *y = b;
    if (x->gain != y->gain)
        return x->gain < y->gain ? 1 : -1;
    return x->r < y->r ? -1 : (x->r > y->r);
}

/* Brokers below the band take the leadership of partitions they follow from leaders that stay
 * at or above their own low bound, the heaviest first (few transfers: leader counts are an
 * later goal's). Returns true if any moved. */
static bool pull_leadership(struct goal *g, struct search_ctx *ctx)
{
    int res = g->impl->res;
    struct model_cluster *c = ctx->c;
    bool moved = false;
    struct lead_cand *cand = NULL;
    int32_t cap = 0;
    for (int32_t b = 0; b < c->nbrokers; b++) {
        if (!ctx->lead_ok[b] || ctx->bl[b].load[res] >= g->lo[b])
            continue;
        if (ctx->blist_n[b] > cap) {
            cap = ctx->blist_n[b];
            cand = xrealloc(cand, (size_t)cap * sizeof(*cand));
        }
        int32_t n = 0;
        for (int32_t i = 0; i < ctx->blist_n[b]; i++) {
            int64_t r = ctx->blist[b][i];
            if (search_rep_is_leader(ctx, r))
                continue;
            double d_old[RES_COUNT], d_new[RES_COUNT];
            goal_leader_delta(ctx, ctx->rep_part[r], search_rep_slot(ctx, r), d_old, d_new);
            if (d_new[res] > 0)
                cand[n++] = (struct lead_cand){r, d_new[res]};
        }
        if (n > 1)
            qsort(cand, (size_t)n, sizeof(*cand), lead_cand_desc);
        for (int32_t i = 0; i < n && ctx->bl[b].load[res] < g->lo[b]; i++) {
            int32_t p = ctx->rep_part[cand[i].r];
            int32_t ob = model_partition_leader(c, p);
            int slot = search_rep_slot(ctx, cand[i].r);
            double d_old[RES_COUNT], d_new[RES_COUNT];
            goal_leader_delta(ctx, p, slot, d_old, d_new);
            if (ob < 0 || ctx->bl[ob].load[res] + d_old[res] < g->lo[ob] ||
                ctx->bl[b].load[res] + d_new[res] > g->hi[b] || !search_leader_ok(ctx, p, slot))
                continue;
            search_leader_apply(ctx, p, slot);
            moved = true;
        }
    }
    free(cand);
    return moved;
}

/* Brokers above the band hand leadership to followers with room below its top. Returns true
 * if any moved. */
static bool push_leadership(struct goal *g, struct search_ctx *ctx)
{
    int res = g->impl->res;
    struct model_cluster *c = ctx->c;
    bool moved = false;
    for (int32_t b = 0; b < c->nbrokers; b++) {
        for (int32_t i = 0; i < ctx->blist_n[b] && ctx->bl[b].load[res] > g->hi[b]; i++) {
            int64_t r = ctx->blist[b][i];
            if (!search_rep_is_leader(ctx, r))
                continue;
            int32_t p = ctx->rep_part[r];
            const struct model_partition *part = &c->partitions[p];
            int best = -1;
            double best_u = INFINITY;
            for (int sl = 0; sl < part->rf; sl++) {
                if (sl == part->leader)
                    continue;
                double d_old[RES_COUNT], d_new[RES_COUNT];
                goal_leader_delta(ctx, p, sl, d_old, d_new);
                int32_t nb = c->replicas[part->first_replica + sl].broker;
                double after = ctx->bl[nb].load[res] + d_new[res];
                if (after > g->hi[nb] || after / c->brokers[nb].capacity[res] >= best_u)
                    continue;
                if (!search_leader_ok(ctx, p, sl))
                    continue;
                best = sl;
                best_u = after / c->brokers[nb].capacity[res];
            }
            if (best >= 0) {
                search_leader_apply(ctx, p, best);
                moved = true;
            }
        }
    }
    return moved;
}

/* Network out and CPU follow leadership: first move leadership from brokers above the band
 * to followers on brokers below its top, and to brokers below the band from leaders with load
 * to spare (no data moves; what one broker takes makes room for another to give), then
 * balance with replica moves. */
static void shift_leadership(struct goal *g, struct search_ctx *ctx)
{
    for (int round = 0; round < 3; round++) {
        bool pushed = push_leadership(g, ctx);
        if (!pull_leadership(g, ctx) && !pushed)
            break;
    }
}


static int dist_optimize(struct goal *g, struct search_ctx *ctx, struct error *err)
{
    if (g->impl->res == RES_NW_OUT || g->impl->res == RES_CPU)
        shift_leadership(g, ctx);
    struct balance_spec s;
    spec_of(g, &s, false);
    goal_balance(&s, ctx);
    return 0;
}

/* Accept when the two brokers' total distance outside the band does not grow. */
static bool band_ok(const struct goal *g, int32_t a, double va, double da, int32_t b, double vb,
                    double db)
{
    double before = goal_outside(va, g->lo[a], g->hi[a]) + goal_outside(vb, g->lo[b], g->hi[b]);
    double after =
        goal_outside(va + da, g->lo[a], g->hi[a]) + goal_outside(vb + db, g->lo[b], g->hi[b]);
    return after <= before + 1e-9 * (fabs(va) + fabs(vb) + 1);
}

static bool dist_accept_move(const struct goal *g, const struct search_ctx *ctx, int64_t r,
                             int32_t dst)
{
    int res = g->impl->res;
    double load[RES_COUNT];
    search_rep_load(ctx, r, load);
    int32_t src = ctx->c->replicas[r].broker;
    if (load[res] == 0)
        return true;
    if (!model_broker_usable(ctx->c, src))
        return ctx->bl[dst].load[res] + load[res] <= g->hi[dst] ||
               ctx->bl[dst].load[res] + load[res] <= ctx->bl[dst].load[res];
    return band_ok(g, src, ctx->bl[src].load[res], -load[res], dst, ctx->bl[dst].load[res],
                   load[res]);
}

static bool dist_accept_swap(const struct goal *g, const struct search_ctx *ctx, int64_t x,
                             int64_t y)
{
    int res = g->impl->res;
    double lx[RES_COUNT], ly[RES_COUNT];
    search_rep_load(ctx, x, lx);
    search_rep_load(ctx, y, ly);
    int32_t a = ctx->c->replicas[x].broker, b = ctx->c->replicas[y].broker;
    double net = lx[res] - ly[res];
    return band_ok(g, a, ctx->bl[a].load[res], -net, b, ctx->bl[b].load[res], net);
}

static bool dist_accept_leader(const struct goal *g, const struct search_ctx *ctx, int32_t p,
                               int slot)
{
    int res = g->impl->res;
    double d_old[RES_COUNT], d_new[RES_COUNT];
    goal_leader_delta(ctx, p, slot, d_old, d_new);
    if (d_new[res] == 0 && d_old[res] == 0)
        return true;
    int32_t nb = model_replicas_of(ctx->c, p)[slot].broker;
    int32_t ob = model_partition_leader(ctx->c, p);
    if (ob < 0)
        return true;
    return band_ok(g, ob, ctx->bl[ob].load[res], d_old[res], nb, ctx->bl[nb].load[res],
                   d_new[res]);
}

#define CAPACITY_GOAL(var, name_, res_)                                                            \
    const struct goal_impl var = {                                                                 \
        .name = name_,                                                                             \
        .unit = "brokers",                                                                         \
        .hard = true,                                                                              \
        .res = res_,                                                                               \
        .prepare = capacity_prepare,                                                               \
        .violations = capacity_violations,                                                         \
        .optimize = capacity_optimize,                                                             \
        .accept_move = capacity_accept_move,                                                       \
        .accept_swap = capacity_accept_swap,                                                       \
        .accept_leader = capacity_accept_leader,                                                   \
    }

#define DIST_GOAL(var, name_, res_)                                                                \
    const struct goal_impl var = {                                                                 \
        .name = name_,                                                                             \
        .unit = "brokers",                                                                         \
        .hard = false,                                                                             \
        .res = res_,                                                                               \
        .prepare = dist_prepare,                                                                   \
        .violations = dist_violations,                                                             \
        .optimize = dist_optimize,                                                                 \
        .accept_move = dist_accept_move,                                                           \
        .accept_swap = dist_accept_swap,                                                           \
        .accept_leader = dist_accept_leader,                                                       \
    }

CAPACITY_GOAL(goal_disk_capacity, "DiskCapacityGoal", RES_DISK);
CAPACITY_GOAL(goal_nw_in_capacity, "NetworkInboundCapacityGoal", RES_NW_IN);
CAPACITY_GOAL(goal_nw_out_capacity, "NetworkOutboundCapacityGoal", RES_NW_OUT);
CAPACITY_GOAL(goal_cpu_capacity, "CpuCapacityGoal", RES_CPU);
DIST_GOAL(goal_disk_distribution, "DiskUsageDistributionGoal", RES_DISK);
DIST_GOAL(goal_nw_in_distribution, "NetworkInboundUsageDistributionGoal", RES_NW_IN);
DIST_GOAL(goal_nw_out_distribution, "NetworkOutboundUsageDistributionGoal", RES_NW_OUT);
DIST_GOAL(goal_cpu_distribution, "CpuUsageDistributionGoal", RES_CPU);

/* ---- PotentialNwOutGoal (soft): network out if the broker led every replica it holds stays
 * under the network-out capacity threshold ---- */

static double pnw_value(const struct balance_spec *s, const struct search_ctx *ctx, int32_t b)
{
    return ctx->bl[b].pnw_out;
}

static double pnw_amount(const struct balance_spec *s, const struct search_ctx *ctx, int64_t r)
{
    return model_lead_nw_out(ctx->c, &ctx->c->partitions[ctx->rep_part[r]]);
}

static void pnw_spec(const struct goal *g, struct balance_spec *s)
{
    spec_of(g, s, true);
    s->value = pnw_value;
    s->amount = pnw_amount;
}

static void pnw_prepare(struct goal *g, const struct search_ctx *ctx)
{
    for (int32_t b = 0; b < ctx->c->nbrokers; b++) {
        g->lo[b] = -INFINITY;
        g->hi[b] = ctx->th.capacity[RES_NW_OUT] * ctx->c->brokers[b].capacity[RES_NW_OUT];
    }
}

static int64_t pnw_violations(const struct goal *g, const struct search_ctx *ctx)
{
    struct balance_spec s;
    pnw_spec(g, &s);
    return goal_count_outside(&s, ctx);
}

static int pnw_optimize(struct goal *g, struct search_ctx *ctx, struct error *err)
{
    /* A move or swap needs a destination under the limit: where every broker that may
     * receive is over it (a busy cluster, RF 3: issue 16), the engine could only scan. */
    bool room = false;
    for (int32_t b = 0; b < ctx->c->nbrokers && !room; b++)
        room = ctx->recv_ok[b] && ctx->bl[b].pnw_out < g->hi[b];
    if (!room)
        return 0;
    struct balance_spec s;
    pnw_spec(g, &s);
    goal_balance(&s, ctx);
    return 0;
}

/* A soft goal that no broker may be able to satisfy (on a busy cluster every broker's
 * potential network out can exceed the limit) must not veto a move that leaves it no worse:
 * accept when the two brokers' total excess over the limit does not grow (band_ok, the rule
 * every distribution goal follows). The old rule, "the destination stays under the limit or
 * below the source", froze the brokers with the fewest, largest replicas (issue 16). */
static bool pnw_accept_move(const struct goal *g, const struct search_ctx *ctx, int64_t r,
                            int32_t dst)
{
    struct balance_spec s;
    pnw_spec(g, &s);
    double a = pnw_amount(&s, ctx, r);
    int32_t src = ctx->c->replicas[r].broker;
    return a <= 0 ||
           band_ok(g, src, ctx->bl[src].pnw_out, -a, dst, ctx->bl[dst].pnw_out, a);
}

static bool pnw_accept_swap(const struct goal *g, const struct search_ctx *ctx, int64_t x, int64_t y)
{
    struct balance_spec s;
    pnw_spec(g, &s);
    int32_t a = ctx->c->replicas[x].broker, b = ctx->c->replicas[y].broker;
    double net = pnw_amount(&s, ctx, x) - pnw_amount(&s, ctx, y); /* a loses net, b gains it */
    return band_ok(g, a, ctx->bl[a].pnw_out, -net, b, ctx->bl[b].pnw_out, net);
}

const struct goal_impl goal_potential_nw_out = {
    .name = "PotentialNwOutGoal",
    .unit = "brokers",
    .hard = false,
    .res = RES_NW_OUT,
    .prepare = pnw_prepare,
    .violations = pnw_violations,
    .optimize = pnw_optimize,
    .accept_move = pnw_accept_move,
    .accept_swap = pnw_accept_swap,
};
