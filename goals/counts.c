/* Count goals: ReplicaCapacityGoal (hard: at most max.replicas.per.broker replicas on a
 * broker), ReplicaDistributionGoal (soft: replica counts in the band around the mean; moves
 * the smallest replicas, so balancing counts costs few bytes) and
 * LeaderReplicaDistributionGoal (soft: leader counts in the band; acts by leadership
 * transfers only, which move no data). Bands on counts are widened to whole numbers:
 * [min(floor(lo), floor(avg)), max(ceil(hi), ceil(avg))]. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "common/alloc.h"
#include "goals/balance.h"
#include "search/lp.h"

static double replicas_value(const struct balance_spec *s, const struct search_ctx *ctx, int32_t b)
{
    return ctx->bl[b].replicas;
}

static double one(const struct balance_spec *s, const struct search_ctx *ctx, int64_t r)
{
    return 1;
}

static void count_spec(const struct goal *g, struct balance_spec *s, bool no_pull)
{
    *s = (struct balance_spec){0};
    s->value = replicas_value;
    s->amount = one;
    s->lo = g->lo;
    s->hi = g->hi;
    s->res = -1;
    s->eps = 1e-9;
    s->by_bytes = true;
    s->no_pull = no_pull;
    s->max_tries = 256;
}

static void count_band(struct goal *g, const struct search_ctx *ctx, double total, int32_t n,
                       double threshold, const bool *eligible)
{
    g->avg = n > 0 ? total / n : 0;
    double lo, hi;
    goal_band(g->avg, threshold, ctx->th.balance_margin, &lo, &hi);
    lo = fmin(floor(lo), floor(g->avg));
    hi = fmax(ceil(hi), ceil(g->avg));
    for (int32_t b = 0; b < ctx->c->nbrokers; b++) {
        bool ok = eligible ? eligible[b] : model_broker_usable(ctx->c, b);
        g->lo[b] = ok ? lo : 0;
        g->hi[b] = ok ? hi : 0;
    }
}

/* ---- ReplicaCapacityGoal ---- */

static void rcap_prepare(struct goal *g, const struct search_ctx *ctx)
{
    for (int32_t b = 0; b < ctx->c->nbrokers; b++) {
        g->lo[b] = -INFINITY;
        g->hi[b] = ctx->th.max_replicas_per_broker;
    }
}

static int64_t rcap_violations(const struct goal *g, const struct search_ctx *ctx)
{
    struct balance_spec s;
    count_spec(g, &s, true);
    return goal_count_outside(&s, ctx);
}

static int rcap_optimize(struct goal *g, struct search_ctx *ctx, struct error *err)
{
    struct balance_spec s;
    count_spec(g, &s, true);
    goal_balance(&s, ctx);
    if (!g->hard || goal_count_outside(&s, ctx) == 0)
        return 0;
    int32_t usable = 0;
    for (int32_t b = 0; b < ctx->c->nbrokers; b++)
        usable += model_broker_usable(ctx->c, b);
    return error_set(err, -ENOSPC,
                     "%s: %lld replicas do not fit on %d brokers at %d replicas per broker",
                     g->impl->name, (long long)ctx->c->nreplicas, usable,
                     ctx->th.max_replicas_per_broker);
}

static bool rcap_accept_pair(const struct goal *g, const struct search_ctx *ctx, int32_t src,
                             int32_t dst)
{
    return ctx->bl[dst].replicas + 1 <= g->hi[dst];
}

static bool rcap_accept_move(const struct goal *g, const struct search_ctx *ctx, int64_t r,
                             int32_t dst)
{
    return rcap_accept_pair(g, ctx, ctx->c->replicas[r].broker, dst);
}

/* A swap leaves every broker's replica count as it was. */
static bool counts_kept(const struct goal *g, const struct search_ctx *ctx, int64_t x, int64_t y)
{
    return true;
}

const struct goal_impl goal_replica_capacity = {
    .name = "ReplicaCapacityGoal",
    .unit = "brokers",
    .hard = true,
    .res = -1,
    .prepare = rcap_prepare,
    .violations = rcap_violations,
    .optimize = rcap_optimize,
    .accept_move = rcap_accept_move,
    .accept_pair = rcap_accept_pair,
    .accept_swap = counts_kept,
};

/* ---- ReplicaDistributionGoal ---- */

static void rdist_prepare(struct goal *g, const struct search_ctx *ctx)
{
    const struct model_cluster *c = ctx->c;
    int32_t n = 0;
    for (int32_t b = 0; b < c->nbrokers; b++)
        n += model_broker_usable(c, b);
    count_band(g, ctx, (double)c->nreplicas, n, ctx->th.replica_balance, NULL);
    int level = search_locked_level(ctx);
    if (level == 0)
        return;
    /* Each rack keeps its replica count: centre the band on the rack's own mean. */
    double *value = xmalloc((size_t)c->nbrokers * sizeof(double) + 1);
    double *weight = xmalloc((size_t)c->nbrokers * sizeof(double) + 1);
    double *centre = xmalloc((size_t)c->nbrokers * sizeof(double) + 1);
    for (int32_t b = 0; b < c->nbrokers; b++) {
        value[b] = ctx->bl[b].replicas;
        weight[b] = 1;
    }
    goal_centres(ctx, level, value, weight, centre);
    for (int32_t b = 0; b < c->nbrokers; b++) {
        if (!model_broker_usable(c, b))
            continue;
        double lo, hi;
        goal_band(centre[b], ctx->th.replica_balance, ctx->th.balance_margin, &lo, &hi);
        g->lo[b] = fmin(floor(lo), floor(centre[b]));
        g->hi[b] = fmax(ceil(hi), ceil(centre[b]));
    }
    free(value);
    free(weight);
    free(centre);
}

static int64_t rdist_violations(const struct goal *g, const struct search_ctx *ctx)
{
    struct balance_spec s;
    count_spec(g, &s, false);
    return goal_count_outside(&s, ctx);
}

static int rdist_optimize(struct goal *g, struct search_ctx *ctx, struct error *err)
{
    struct balance_spec s;
    count_spec(g, &s, false);
    goal_balance(&s, ctx);
    return 0;
}

static bool count_band_ok(const struct goal *g, int32_t a, double va, int32_t b, double vb)
{
    double before = goal_outside(va, g->lo[a], g->hi[a]) + goal_outside(vb, g->lo[b], g->hi[b]);
    double after =
        goal_outside(va - 1, g->lo[a], g->hi[a]) + goal_outside(vb + 1, g->lo[b], g->hi[b]);
    return after <= before;
}

static bool rdist_accept_pair(const struct goal *g, const struct search_ctx *ctx, int32_t src,
                              int32_t dst)
{
    if (!model_broker_usable(ctx->c, src))
        return ctx->bl[dst].replicas + 1 <= g->hi[dst] ||
               goal_outside(ctx->bl[dst].replicas, g->lo[dst], g->hi[dst]) > 0;
    return count_band_ok(g, src, ctx->bl[src].replicas, dst, ctx->bl[dst].replicas);
}

static bool rdist_accept_move(const struct goal *g, const struct search_ctx *ctx, int64_t r,
                              int32_t dst)
{
    return rdist_accept_pair(g, ctx, ctx->c->replicas[r].broker, dst);
}

const struct goal_impl goal_replica_distribution = {
    .name = "ReplicaDistributionGoal",
    .unit = "brokers",
    .hard = false,
    .res = -1,
    .prepare = rdist_prepare,
    .violations = rdist_violations,
    .optimize = rdist_optimize,
    .accept_move = rdist_accept_move,
    .accept_pair = rdist_accept_pair,
    .accept_swap = counts_kept,
};

/* ---- LeaderReplicaDistributionGoal ---- */

static void ldist_prepare(struct goal *g, const struct search_ctx *ctx)
{
    int32_t n = 0, leaders = 0;
    for (int32_t b = 0; b < ctx->c->nbrokers; b++)
        n += ctx->lead_ok[b];
    for (int32_t p = 0; p < ctx->c->npartitions; p++)
        leaders += ctx->c->partitions[p].leader >= 0;
    count_band(g, ctx, leaders, n, ctx->th.leader_balance, ctx->lead_ok);
}

static int64_t ldist_violations(const struct goal *g, const struct search_ctx *ctx)
{
    int64_t n = 0;
    for (int32_t b = 0; b < ctx->c->nbrokers; b++) {
        if (!ctx->lead_ok[b] && ctx->bl[b].leaders == 0)
            continue;
        if (goal_outside(ctx->bl[b].leaders, g->lo[b], g->hi[b]) > 0)
            n++;
    }
    return n;
}

/* Moves leadership of p to the follower on the least-leading broker that accepts it. */
static bool shed_leader(struct goal *g, struct search_ctx *ctx, int32_t p, bool need_room)
{
    const struct model_partition *part = &ctx->c->partitions[p];
    const struct model_replica *rep = model_replicas_of(ctx->c, p);
    int best = -1;
    int32_t best_count = INT32_MAX;
    for (int s = 0; s < part->rf; s++) {
        if (s == part->leader)
            continue;
        int32_t b = rep[s].broker;
        if (need_room && ctx->bl[b].leaders + 1 > g->hi[b])
            continue;
        if (ctx->bl[b].leaders < best_count && search_leader_ok(ctx, p, s)) {
            best = s;
            best_count = ctx->bl[b].leaders;
        }
    }
    if (best < 0)
        return false;
    search_leader_apply(ctx, p, best);
    return true;
}

/* b takes the leadership of the partition its follower replica r belongs to, when the leader
 * stays at or above its low bound and the earlier goals accept. */
static bool pull_one(struct goal *g, struct search_ctx *ctx, int64_t r)
{
    if (search_rep_is_leader(ctx, r))
        return false;
    int32_t p = ctx->rep_part[r];
    int32_t ob = model_partition_leader(ctx->c, p);
    if (ob >= 0 && ctx->bl[ob].leaders - 1 < g->lo[ob])
        return false;
    int slot = search_rep_slot(ctx, r);
    if (!search_leader_ok(ctx, p, slot))
        return false;
    search_leader_apply(ctx, p, slot);
    return true;
}

/* One direct transfer that brings b toward its band: it sheds a leader (above the band) or
 * takes one (below). */
static bool direct_transfer(struct goal *g, struct search_ctx *ctx, int32_t b)
{
    bool above = ctx->bl[b].leaders > g->hi[b];
    for (int32_t i = 0; i < ctx->blist_n[b]; i++) {
        int64_t r = ctx->blist[b][i];
        if (above ? search_rep_is_leader(ctx, r) && shed_leader(g, ctx, ctx->rep_part[r], true)
                  : pull_one(g, ctx, r))
            return true;
    }
    return false;
}

/* After a chain search found nothing, no broker it reached can reach a target either (what
 * they reach, it reached): mark them, stamped with the context's change count, so later
 * searches in the same state skip them. Without this, a cluster where most chains fail
 * rescans every replica per chain (XL: 1M replicas times thousands of chains). The outcome of
 * every search is the same with or without the marks. */
static void mark_dead(const struct search_ctx *ctx, const int32_t *prev, uint64_t *dead)
{
    for (int32_t b = 0; b < ctx->c->nbrokers; b++)
        if (prev[b] != -2)
            dead[b] = ctx->changes + 1;
}

/* Starts a chain search from `start`: false when an earlier search from the same state already
 * failed through it, else every broker unvisited (prev -2) and start alone in the queue. */
static bool chain_start(const struct search_ctx *ctx, int32_t start, int32_t *prev, int32_t *queue,
                        const uint64_t *dead)
{
    if (dead[start] == ctx->changes + 1)
        return false;
    for (int32_t b = 0; b < ctx->c->nbrokers; b++)
        prev[b] = -2;
    prev[start] = -1;
    queue[0] = start;
    return true;
}

/* One augmenting chain for a broker above its band: BFS over brokers where an edge u -> v is
 * "a partition led by u has a replica on v that may take leadership"; stops at the first
 * broker with room below its high bound, then transfers leadership along the path (each broker
 * on the way gives one and takes one). This is the augmenting step of the b-matching that
 * leader counts are, so repeated chains reach the band whenever any assignment of leaders to
 * existing replicas does. Returns true when the chain was applied. */
static bool leader_chain(struct goal *g, struct search_ctx *ctx, int32_t src, int32_t *prev,
                         int32_t *via_p, int8_t *via_s, int32_t *queue, uint64_t *dead)
{
    struct model_cluster *c = ctx->c;
    if (!chain_start(ctx, src, prev, queue, dead))
        return false;
    int32_t head = 0, tail = 1, found = -1;
    while (head < tail && found < 0) {
        int32_t u = queue[head++];
        for (int32_t i = 0; i < ctx->blist_n[u] && found < 0; i++) {
            int64_t r = ctx->blist[u][i];
            if (!search_rep_is_leader(ctx, r))
                continue;
            int32_t p = ctx->rep_part[r];
            const struct model_partition *part = &c->partitions[p];
            for (int s = 0; s < part->rf; s++) {
                int32_t v = c->replicas[part->first_replica + s].broker;
                if (s == part->leader || prev[v] != -2 || !ctx->lead_ok[v] ||
                    dead[v] == ctx->changes + 1)
                    continue;
                if (!search_leader_ok(ctx, p, s))
                    continue;
                prev[v] = u;
                via_p[v] = p;
                via_s[v] = (int8_t)s;
                if (ctx->bl[v].leaders + 1 <= g->hi[v]) {
                    found = v;
                    break;
                }
                queue[tail++] = v;
            }
        }
    }
    if (found < 0) {
        mark_dead(ctx, prev, dead);
        return false;
    }
    /* Apply from the end of the path back to src, so each intermediate broker keeps its count. */
    for (int32_t v = found; prev[v] >= 0; v = prev[v])
        search_leader_apply(ctx, via_p[v], via_s[v]);
    return true;
}

/* The mirror of leader_chain for a broker below its band: BFS where an edge u -> v is "u
 * follows a partition led by v and may take its leadership"; stops at the first broker that
 * can give one leader and stay at or above its low bound, then transfers leadership along the
 * path starting at that end (each broker on the way takes one and gives one). Each transfer is
 * asked again of the earlier goals when it is applied; a refused one ends the chain there.
 * Returns true when the whole chain was applied. */
static bool leader_pull_chain(struct goal *g, struct search_ctx *ctx, int32_t dst, int32_t *prev,
                              int32_t *via_p, int8_t *via_s, int32_t *queue, uint64_t *dead)
{
    struct model_cluster *c = ctx->c;
    if (!chain_start(ctx, dst, prev, queue, dead))
        return false;
    int32_t head = 0, tail = 1, found = -1;
    while (head < tail && found < 0) {
        int32_t u = queue[head++];
        for (int32_t i = 0; i < ctx->blist_n[u] && found < 0; i++) {
            int64_t r = ctx->blist[u][i];
            if (search_rep_is_leader(ctx, r))
                continue;
            int32_t p = ctx->rep_part[r];
            int32_t v = model_partition_leader(c, p);
            if (v < 0 || prev[v] != -2 || dead[v] == ctx->changes + 1)
                continue;
            int s = search_rep_slot(ctx, r);
            if (!search_leader_ok(ctx, p, s))
                continue;
            prev[v] = u;
            via_p[v] = p;      /* u takes p from v */
            via_s[v] = (int8_t)s;
            if (ctx->bl[v].leaders - 1 >= g->lo[v]) {
                found = v;
                break;
            }
            queue[tail++] = v;
        }
    }
    if (found < 0) {
        mark_dead(ctx, prev, dead);
        return false;
    }
    for (int32_t v = found; prev[v] >= 0; v = prev[v]) {
        if (!search_leader_ok(ctx, via_p[v], via_s[v]))
            return false;
        search_leader_apply(ctx, via_p[v], via_s[v]);
    }
    return true;
}

/* What leading p weighs beyond following it: the extra network out and CPU, each over its
 * cluster mean per broker (inv[k] = 1 / mean, 0 when the cluster has none). */
static double lead_weight(const struct search_ctx *ctx, int32_t p, const double *inv)
{
    double d_old[RES_COUNT], d_new[RES_COUNT];
    const struct model_partition *part = &ctx->c->partitions[p];
    goal_leader_delta(ctx, p, part->leader >= 0 ? part->leader : 0, d_old, d_new);
    return d_new[RES_NW_OUT] * inv[RES_NW_OUT] + d_new[RES_CPU] * inv[RES_CPU];
}

#define ROOM_CANDIDATES 24 /* heaviest (or lightest) leaderships of a broker tried in a swap */
/* Chain searches after swaps scan up to every replica each: in all, about this many. */
#define ROOM_CHAIN_REPLICAS 5000000
#define ROOM_FRUITLESS 16 /* brokers in a row the swaps did not help before they stop */

/* A follower replica of the broker at hand: its partition, slot, leader broker and weight. */
struct follower {
    int32_t p;
    int32_t leader;
    double w;
    int slot;
};

static int follower_by_w(const void *a, const void *b)
{
    const struct follower *x = a, *y = b;
    if (x->w != y->w)
        return x->w > y->w ? 1 : -1;
    return x->p - y->p;
}

/* A broker short of leaders whose chains failed is often at the top of an earlier goal's band
 * (network out, CPU) and may take no leadership load at all; one with leaders to spare may sit
 * at the bottom and give none. Makes room with a count-neutral swap: b hands a follower on y
 * the leadership of q and takes y's leadership of r, q heavier than r when `lower` (b's load
 * drops) and lighter otherwise. Both transfers are asked of the earlier goals, q first (it
 * moves load toward the side with room). fl has room for b's replicas. Returns true when a
 * swap was applied. */
static bool leader_room(struct search_ctx *ctx, int32_t b, bool lower, const double *inv,
                        struct follower *fl)
{
    struct model_cluster *c = ctx->c;
    int32_t q_of[ROOM_CANDIDATES];
    double w_of[ROOM_CANDIDATES];
    int nq = 0, nf = 0;
    double sign = lower ? 1 : -1; /* weights are compared as w * sign: q large, r small */
    for (int32_t i = 0; i < ctx->blist_n[b]; i++) {
        int64_t r = ctx->blist[b][i];
        int32_t p = ctx->rep_part[r];
        double w = lead_weight(ctx, p, inv) * sign;
        if (!search_rep_is_leader(ctx, r)) {
            fl[nf++] = (struct follower){p, model_partition_leader(c, p), w, search_rep_slot(ctx, r)};
            continue;
        }
        if (nq == ROOM_CANDIDATES && w <= w_of[nq - 1])
            continue;
        int j = nq < ROOM_CANDIDATES ? nq++ : nq - 1;
        for (; j > 0 && w_of[j - 1] < w; j--) {
            q_of[j] = q_of[j - 1];
            w_of[j] = w_of[j - 1];
        }
        q_of[j] = p;
        w_of[j] = w;
    }
    qsort(fl, (size_t)nf, sizeof(*fl), follower_by_w);
    for (int k = 0; k < nq; k++) {
        int32_t q = q_of[k];
        const struct model_partition *part = &c->partitions[q];
        int old = part->leader;
        for (int s = 0; s < part->rf; s++) {
            int32_t y = c->replicas[part->first_replica + s].broker;
            if (s == old || !ctx->lead_ok[y] || !search_leader_ok(ctx, q, s))
                continue;
            search_leader_apply(ctx, q, s);
            /* r: led by y, followed on b, the lightest (lower) or heaviest (raise) accepted */
            for (int32_t i = 0; i < nf && fl[i].w < w_of[k]; i++) {
                if (fl[i].leader != y || !search_leader_ok(ctx, fl[i].p, fl[i].slot))
                    continue;
                search_leader_apply(ctx, fl[i].p, fl[i].slot);
                return true;
            }
            search_leader_apply(ctx, q, old); /* back to the accepted state */
        }
    }
    return false;
}

static bool ldist_accept_leader(const struct goal *g, const struct search_ctx *ctx, int32_t p,
                                int slot);

/* Last resort where counts are still outside the band: hand leadership back to preferred
 * replicas wherever every goal so far, this one included, accepts it (a leader count no
 * worse). Such transfers move load between the brokers at the edges of the earlier goals'
 * bands and often free the room the chains lacked (measured: S even full, default goals,
 * leader spread 5 -> 1); the transfers that go to the preferred replica also leave fewer
 * leaders to elect. */
static void preferred_sweep(struct goal *g, struct search_ctx *ctx)
{
    for (int32_t p = 0; p < ctx->c->npartitions; p++) {
        const struct model_partition *part = &ctx->c->partitions[p];
        if (part->leader <= 0)
            continue;
        if (ldist_accept_leader(g, ctx, p, 0) && search_leader_ok(ctx, p, 0))
            search_leader_apply(ctx, p, 0);
    }
}

static int ldist_optimize(struct goal *g, struct search_ctx *ctx, struct error *err)
{
    struct model_cluster *c = ctx->c;

    for (int round = 0; round < 3; round++) {
        bool moved = false;
        /* Push: brokers above the band give leadership to followers below it. */
        for (int32_t b = 0; b < c->nbrokers; b++) {
            for (int32_t i = 0; i < ctx->blist_n[b] && ctx->bl[b].leaders > g->hi[b]; i++) {
                int64_t r = ctx->blist[b][i];
                if (search_rep_is_leader(ctx, r) && shed_leader(g, ctx, ctx->rep_part[r], true))
                    moved = true;
            }
        }
        /* Pull: brokers below the band take leadership from leaders above the low bound. */
        for (int32_t b = 0; b < c->nbrokers; b++) {
            if (!ctx->lead_ok[b])
                continue;
            for (int32_t i = 0; i < ctx->blist_n[b] && ctx->bl[b].leaders < g->lo[b]; i++)
                moved |= pull_one(g, ctx, ctx->blist[b][i]);
        }
        if (!moved)
            break;
    }
    /* What single transfers could not fix, chains can. */
    size_t nb = (size_t)(c->nbrokers ? c->nbrokers : 1);
    int32_t *prev = xmalloc(nb * sizeof(int32_t)), *via_p = xmalloc(nb * sizeof(int32_t));
    int32_t *queue = xmalloc(nb * sizeof(int32_t));
    int8_t *via_s = xmalloc(nb);
    /* Separate marks: a broker that cannot pass a leader on may still be able to take one. */
    uint64_t *dead = xcalloc(nb, sizeof(uint64_t)), *dead_pull = xcalloc(nb, sizeof(uint64_t));
    /* Each chain scans the leaders of the brokers it reaches; bound the total so a huge
     * cluster with a stubborn remainder does not loop for long. */
    int64_t budget = 4 * (int64_t)c->nbrokers + 64;
    for (int32_t b = 0; b < c->nbrokers && budget > 0; b++)
        while (budget-- > 0 && ctx->bl[b].leaders > g->hi[b] &&
               leader_chain(g, ctx, b, prev, via_p, via_s, queue, dead))
            ;
    for (int32_t b = 0; b < c->nbrokers && budget > 0; b++)
        while (ctx->lead_ok[b] && budget-- > 0 && ctx->bl[b].leaders < g->lo[b] &&
               leader_pull_chain(g, ctx, b, prev, via_p, via_s, queue, dead_pull))
            ;
    /* Where chains failed for want of room under an earlier goal's band, make room on the
     * stuck broker with a count-neutral leadership swap and try its chain again. */
    double inv[RES_COUNT] = {0}, total[RES_COUNT] = {0};
    int32_t leading = 0;
    for (int32_t b = 0; b < c->nbrokers; b++) {
        leading += ctx->lead_ok[b];
        for (int k = 0; k < RES_COUNT; k++)
            total[k] += ctx->bl[b].load[k];
    }
    for (int k = 0; k < RES_COUNT; k++)
        inv[k] = total[k] > 0 && leading > 0 ? leading / total[k] : 0;
    /* A direct transfer is tried after each swap; a chain (a scan of every leader it reaches,
     * all of them at worst) at most once per broker and ROOM_CHAINS times in all. The phase
     * has a budget of its own, so the LP's turn below still depends on the chains' alone. */
    int64_t room_budget = 2 * (int64_t)c->nbrokers + 64;
    int64_t room_chains = ROOM_CHAIN_REPLICAS / (c->nreplicas + 1) + 4;
    int32_t maxn = 1;
    for (int32_t b = 0; b < c->nbrokers; b++)
        maxn = ctx->blist_n[b] > maxn ? ctx->blist_n[b] : maxn;
    struct follower *fl = xmalloc((size_t)maxn * sizeof(*fl));
    /* Where earlier goals are far outside their bands (uneven racks) swaps rarely help: the
     * phase ends after ROOM_FRUITLESS brokers in a row that it could not bring closer. */
    int fruitless = 0;
    for (int32_t b = 0; b < c->nbrokers && room_budget > 0 && fruitless < ROOM_FRUITLESS; b++) {
        bool above = ctx->bl[b].leaders > g->hi[b], below = ctx->bl[b].leaders < g->lo[b];
        if (!(above || (below && ctx->lead_ok[b])))
            continue;
        int32_t start = ctx->bl[b].leaders;
        fruitless++;
        bool chained = false;
        for (int tries = 0; tries < 8 && room_budget-- > 0; tries++) {
            if (ctx->bl[b].leaders <= g->hi[b] && ctx->bl[b].leaders >= g->lo[b])
                break;
            if (!leader_room(ctx, b, below, inv, fl))
                break;
            if (direct_transfer(g, ctx, b))
                continue;
            if (chained || room_chains-- <= 0)
                break;
            chained = true;
            if (!(above ? leader_chain(g, ctx, b, prev, via_p, via_s, queue, dead)
                        : leader_pull_chain(g, ctx, b, prev, via_p, via_s, queue, dead_pull)))
                break;
        }
        if (ctx->bl[b].leaders != start)
            fruitless = 0;
    }
    free(fl);
    free(prev);
    free(via_p);
    free(via_s);
    free(queue);
    free(dead);
    free(dead_pull);
    /* Chains both ways are the augmenting paths of the b-matching that leader counts are:
     * when they stop with budget left, no assignment the earlier goals accept step by step
     * reaches the band from here, and the LP (which does not model those goals: its changes
     * are refused one by one, measured at S and M) would only spend time. When the budget ran
     * out, the exact LP settles what remains where it is small: the fewest further changes
     * that put every broker in its band (each still judged by earlier goals). */
    if (budget <= 0 && ldist_violations(g, ctx) > 0)
        (void)search_lp_leaders(ctx, g->lo, g->hi, SEARCH_LP_LEADER_MAX_COLS);
    if (ldist_violations(g, ctx) > 0)
        preferred_sweep(g, ctx);
    return 0;
}

static bool ldist_accept_move(const struct goal *g, const struct search_ctx *ctx, int64_t r,
                              int32_t dst)
{
    if (!search_rep_is_leader(ctx, r))
        return true;
    int32_t src = ctx->c->replicas[r].broker;
    return count_band_ok(g, src, ctx->bl[src].leaders, dst, ctx->bl[dst].leaders);
}

static bool ldist_accept_swap(const struct goal *g, const struct search_ctx *ctx, int64_t x,
                              int64_t y)
{
    int net = (int)search_rep_is_leader(ctx, x) - (int)search_rep_is_leader(ctx, y);
    if (net == 0)
        return true;
    int32_t a = ctx->c->replicas[x].broker, b = ctx->c->replicas[y].broker;
    if (net < 0) {
        int32_t t = a;
        a = b;
        b = t;
    }
    return count_band_ok(g, a, ctx->bl[a].leaders, b, ctx->bl[b].leaders);
}

static bool ldist_accept_leader(const struct goal *g, const struct search_ctx *ctx, int32_t p,
                                int slot)
{
    int32_t ob = model_partition_leader(ctx->c, p);
    int32_t nb = model_replicas_of(ctx->c, p)[slot].broker;
    if (ob < 0)
        return ctx->bl[nb].leaders + 1 <= g->hi[nb];
    return count_band_ok(g, ob, ctx->bl[ob].leaders, nb, ctx->bl[nb].leaders);
}

const struct goal_impl goal_leader_replica_distribution = {
    .name = "LeaderReplicaDistributionGoal",
    .unit = "brokers",
    .hard = false,
    .res = -1,
    .prepare = ldist_prepare,
    .violations = ldist_violations,
    .optimize = ldist_optimize,
    .accept_move = ldist_accept_move,
    .accept_swap = ldist_accept_swap,
    .accept_leader = ldist_accept_leader,
};
