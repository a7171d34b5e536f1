/* The search's working state and the move primitives; see context.h. */
#include "search/context.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "search/goal_interface.h"

void search_thresholds_default(struct search_thresholds *th)
{
    memset(th, 0, sizeof(*th));
    for (int r = 0; r < RES_COUNT; r++)
        th->balance[r] = 1.10;
    th->balance_margin = 0.9;
    th->capacity[RES_CPU] = 0.7;
    th->capacity[RES_DISK] = 0.8;
    th->capacity[RES_NW_IN] = 0.8;
    th->capacity[RES_NW_OUT] = 0.8;
    th->max_replicas_per_broker = 10000;
    th->replica_balance = 1.10;
    th->leader_balance = 1.10;
    th->topic_replica_balance = 3.0;
    th->min_topic_leaders = 1;
}

static void blist_add(struct search_ctx *ctx, int32_t b, int64_t r)
{
    if (ctx->blist_n[b] == ctx->blist_cap[b]) {
        size_t cap = (size_t)ctx->blist_cap[b];
        xgrow((void **)&ctx->blist[b], &cap, (size_t)ctx->blist_n[b] + 1, sizeof(int32_t));
        ctx->blist_cap[b] = (int32_t)cap;
    }
    ctx->rep_pos[r] = ctx->blist_n[b];
    ctx->blist[b][ctx->blist_n[b]++] = (int32_t)r;
}

static void blist_remove(struct search_ctx *ctx, int32_t b, int64_t r)
{
    int32_t pos = ctx->rep_pos[r];
    assert(pos >= 0 && pos < ctx->blist_n[b] && ctx->blist[b][pos] == r);
    int32_t last = ctx->blist[b][--ctx->blist_n[b]];
    ctx->blist[b][pos] = last;
    ctx->rep_pos[last] = pos;
    ctx->rep_pos[r] = -1;
}

void search_ctx_init(struct search_ctx *ctx, struct model_cluster *work,
                  const struct model_cluster *orig, enum search_mode mode,
                  const struct search_thresholds *th)
{
    memset(ctx, 0, sizeof(*ctx));
    struct model_cluster *c = work;
    ctx->c = c;
    ctx->orig = orig;
    ctx->mode = mode;
    ctx->th = *th;
    size_t nb = (size_t)(c->nbrokers ? c->nbrokers : 1);
    size_t nr = (size_t)(c->nreplicas ? c->nreplicas : 1);
    ctx->bl = xcalloc(nb, sizeof(*ctx->bl));
    ctx->disk_used = xcalloc((size_t)(c->ndisks ? c->ndisks : 1), sizeof(double));
    model_compute_loads(c, ctx->bl, ctx->disk_used);
    ctx->rep_part = xmalloc(nr * sizeof(int32_t));
    ctx->rep_pos = xmalloc(nr * sizeof(int32_t));
    ctx->blist = xcalloc(nb, sizeof(int32_t *));
    ctx->blist_n = xcalloc(nb, sizeof(int32_t));
    ctx->blist_cap = xcalloc(nb, sizeof(int32_t));
    for (int32_t p = 0; p < c->npartitions; p++) {
        const struct model_partition *part = &c->partitions[p];
        for (int i = 0; i < part->rf; i++) {
            int64_t r = part->first_replica + i;
            ctx->rep_part[r] = p;
            blist_add(ctx, c->replicas[r].broker, r);
        }
    }
    ctx->recv_ok = xcalloc(nb, sizeof(bool));
    ctx->deficit = xmalloc((size_t)(c->npartitions ? c->npartitions : 1));
    for (int32_t p = 0; p < c->npartitions; p++)
        ctx->deficit[p] = (int8_t)model_partition_rack_deficit(c, p);
    ctx->bversion = xcalloc(nb, sizeof(uint32_t));
    ctx->dst_ok = xcalloc(nb, sizeof(bool));
    ctx->src_only = xcalloc(nb, sizeof(bool));
    ctx->lead_ok = xcalloc(nb, sizeof(bool));
    for (int32_t b = 0; b < c->nbrokers; b++) {
        uint32_t f = c->brokers[b].flags;
        ctx->recv_ok[b] = !(f & (BROKER_DEAD | BROKER_REMOVE | BROKER_EXCL_REPLICA));
        ctx->dst_ok[b] = ctx->recv_ok[b] && mode != SEARCH_MODE_REMOVE_BROKERS &&
                         mode != SEARCH_MODE_FIX_OFFLINE;
        if (mode == SEARCH_MODE_ADD_BROKERS)
            ctx->dst_ok[b] = ctx->dst_ok[b] && (f & BROKER_NEW);
        if (mode == SEARCH_MODE_DEMOTE || mode == SEARCH_MODE_REMOVE_DISKS)
            ctx->dst_ok[b] = false;
        ctx->lead_ok[b] = !(f & (BROKER_DEAD | BROKER_REMOVE | BROKER_EXCL_LEADER));
    }
}

void search_ctx_finish(struct search_ctx *ctx)
{
    if (!ctx->c)
        return;
    for (int32_t b = 0; b < ctx->c->nbrokers; b++)
        free(ctx->blist[b]);
    free(ctx->blist);
    free(ctx->blist_n);
    free(ctx->blist_cap);
    free(ctx->rep_pos);
    free(ctx->rep_part);
    free(ctx->bl);
    free(ctx->disk_used);
    free(ctx->deficit);
    free(ctx->bversion);
    free(ctx->recv_ok);
    free(ctx->dst_ok);
    free(ctx->src_only);
    free(ctx->lead_ok);
    free(ctx->topic_count);
    free(ctx->min_leader_topics);
    model_cluster_destroy(ctx->c);
    memset(ctx, 0, sizeof(*ctx));
}

void search_ctx_topic_counts(struct search_ctx *ctx)
{
    if (ctx->topic_count)
        return;
    const struct model_cluster *c = ctx->c;
    ctx->topic_count = xcalloc((size_t)(c->ntopics ? c->ntopics : 1) * (size_t)(c->nbrokers ? c->nbrokers : 1),
                               sizeof(int32_t));
    for (int64_t r = 0; r < c->nreplicas; r++) {
        int32_t t = c->partitions[ctx->rep_part[r]].topic;
        ctx->topic_count[(size_t)t * (size_t)c->nbrokers + (size_t)c->replicas[r].broker]++;
    }
}

int search_locked_level(const struct search_ctx *ctx)
{
    bool rack_goal = false;
    for (int i = 0; i < ctx->active; i++)
        rack_goal |= strncmp(ctx->goals[i]->impl->name, "RackAware", 9) == 0;
    if (!rack_goal)
        return 0;
    bool racks = ctx->c->usable_racks >= 2, zones = ctx->c->usable_zones >= 2;
    for (int32_t p = 0; p < ctx->c->npartitions && (racks || zones); p++) {
        const struct model_partition *part = &ctx->c->partitions[p];
        if (ctx->c->topics[part->topic].flags & TOPIC_EXCLUDED)
            continue;
        racks &= part->rf == ctx->c->usable_racks;
        zones &= part->rf == ctx->c->usable_zones;
    }
    return racks ? 2 : zones ? 1 : 0;
}

void search_rep_load(const struct search_ctx *ctx, int64_t r, double out[RES_COUNT])
{
    int32_t p = ctx->rep_part[r];
    int slot = search_rep_slot(ctx, r);
    model_replica_load(ctx->c, p, slot, ctx->c->partitions[p].leader == slot, out);
}

bool search_rep_must_move(const struct search_ctx *ctx, int64_t r)
{
    const struct model_replica *rep = &ctx->c->replicas[r];
    const struct model_broker *b = &ctx->c->brokers[rep->broker];
    if (b->flags & (BROKER_DEAD | BROKER_REMOVE))
        return true;
    return rep->dir >= 0 && ctx->c->disks[b->first_disk + rep->dir].offline;
}

bool search_over_capacity(const struct search_ctx *ctx, int32_t b)
{
    for (int k = 0; k < RES_COUNT; k++)
        if (ctx->bl[b].load[k] > ctx->th.capacity[k] * ctx->c->brokers[b].capacity[k])
            return true;
    return false;
}

bool search_move_allowed(const struct search_ctx *ctx, int64_t r, int32_t dst)
{
    const struct model_cluster *c = ctx->c;
    int32_t p = ctx->rep_part[r];
    int32_t src = c->replicas[r].broker;
    if (src == dst || !ctx->recv_ok[dst] || ctx->mode == SEARCH_MODE_REMOVE_DISKS)
        return false;
    if (model_partition_slot(c, p, dst) >= 0)
        return false;
    if (search_rep_must_move(ctx, r))
        return true;
    if (c->topics[c->partitions[p].topic].flags & TOPIC_EXCLUDED)
        return false;
    if (ctx->mode == SEARCH_MODE_DEMOTE)
        return false;
    /* Going home undoes an earlier move of this plan: it moves no data. */
    if (ctx->dst_ok[dst] || ctx->orig->replicas[r].broker == dst)
        return true;
    /* Hard limits hold in every mode: a broker above a capacity limit may shed replicas, in
     * add-brokers mode only onto the new brokers (dst_ok above; docs/cli.md promises that). */
    if ((ctx->mode != SEARCH_MODE_ADD_BROKERS || ctx->shed_anywhere) && search_over_capacity(ctx, src))
        return true;
    int slot = search_rep_slot(ctx, r);
    return model_partition_rack_deficit_if(c, p, slot, dst) < ctx->deficit[p];
}

bool search_move_ok(const struct search_ctx *ctx, int64_t r, int32_t dst)
{
    if (!search_move_allowed(ctx, r, dst))
        return false;
    for (int i = 0; i < ctx->active; i++) {
        const struct goal *g = ctx->goals[i];
        if (g->impl->accept_move && !g->impl->accept_move(g, ctx, r, dst))
            return false;
    }
    return true;
}

bool search_pair_ok(const struct search_ctx *ctx, int32_t src, int32_t dst)
{
    for (int i = 0; i < ctx->active; i++) {
        const struct goal *g = ctx->goals[i];
        if (g->impl->accept_pair && !g->impl->accept_pair(g, ctx, src, dst))
            return false;
    }
    return true;
}

bool search_swap_ok(const struct search_ctx *ctx, int64_t x, int64_t y)
{
    const struct model_cluster *c = ctx->c;
    int32_t a = c->replicas[x].broker, b = c->replicas[y].broker;
    if (ctx->rep_part[x] == ctx->rep_part[y] || a == b)
        return false;
    if (!search_move_allowed(ctx, x, b) || !search_move_allowed(ctx, y, a))
        return false;
    for (int i = 0; i < ctx->active; i++) {
        const struct goal *g = ctx->goals[i];
        if (g->impl->accept_swap) {
            if (!g->impl->accept_swap(g, ctx, x, y))
                return false;
        } else if (g->impl->accept_move &&
                   (!g->impl->accept_move(g, ctx, x, b) || !g->impl->accept_move(g, ctx, y, a))) {
            return false;
        }
    }
    return true;
}

int16_t search_best_dir(const struct search_ctx *ctx, int32_t b)
{
    const struct model_broker *br = &ctx->c->brokers[b];
    int16_t best = -1;
    double best_util = 0;
    for (int16_t d = 0; d < br->ndisks; d++) {
        int32_t disk = br->first_disk + d;
        if (ctx->c->disks[disk].offline || ctx->c->disks[disk].removed)
            continue;
        double cap = model_disk_capacity(ctx->c, disk);
        double u = cap > 0 ? ctx->disk_used[disk] / cap : ctx->disk_used[disk];
        if (best < 0 || u < best_util) {
            best = d;
            best_util = u;
        }
    }
    return best;
}

static void account(struct search_ctx *ctx, int64_t r, int32_t b, int sign)
{
    struct model_cluster *c = ctx->c;
    int32_t p = ctx->rep_part[r];
    const struct model_partition *part = &c->partitions[p];
    int slot = search_rep_slot(ctx, r);
    bool leader = part->leader == slot;
    double load[RES_COUNT];
    model_replica_load(c, p, slot, leader, load);
    struct model_broker_load *l = &ctx->bl[b];
    for (int k = 0; k < RES_COUNT; k++)
        l->load[k] += sign * load[k];
    l->pnw_out += sign * model_lead_nw_out(c, part);
    l->replicas += sign;
    if (leader) {
        l->leaders += sign;
        l->leader_nw_in += sign * part->nw_in;
        l->repl_out += sign * part->nw_in * (part->rf - 1);
    }
    const struct model_replica *rep = &c->replicas[r];
    if (rep->dir >= 0)
        ctx->disk_used[c->brokers[b].first_disk + rep->dir] += sign * (double)rep->size;
}

void search_move_apply(struct search_ctx *ctx, int64_t r, int32_t dst)
{
    struct model_cluster *c = ctx->c;
    int32_t src = c->replicas[r].broker;
    assert(src != dst);
    account(ctx, r, src, -1);
    blist_remove(ctx, src, r);
    int32_t home = ctx->orig->replicas[r].broker;
    if (src == home)
        ctx->bytes_away += c->replicas[r].size;
    else if (dst == home)
        ctx->bytes_away -= c->replicas[r].size;
    if (ctx->topic_count) {
        size_t t = (size_t)c->partitions[ctx->rep_part[r]].topic * (size_t)c->nbrokers;
        ctx->topic_count[t + (size_t)src]--;
        ctx->topic_count[t + (size_t)dst]++;
    }
    /* A replica coming back to the broker it started on returns to its own log dir: no copy. */
    const struct model_replica *was = &ctx->orig->replicas[r];
    int16_t dir = was->broker == dst && was->dir >= 0 ? was->dir : search_best_dir(ctx, dst);
    model_replica_move(c, ctx->rep_part[r], search_rep_slot(ctx, r), dst, dir);
    account(ctx, r, dst, +1);
    blist_add(ctx, dst, r);
    ctx->deficit[ctx->rep_part[r]] = (int8_t)model_partition_rack_deficit(c, ctx->rep_part[r]);
    ctx->bversion[src]++;
    ctx->bversion[dst]++;
    ctx->replica_moves_applied++;
    ctx->changes++;
}

void search_dir_apply(struct search_ctx *ctx, int64_t r, int16_t dir)
{
    struct model_cluster *c = ctx->c;
    int32_t b = c->replicas[r].broker;
    account(ctx, r, b, -1);
    c->replicas[r].dir = dir;
    account(ctx, r, b, +1);
    ctx->bversion[b]++;
    ctx->changes++;
}

bool search_leader_ok(const struct search_ctx *ctx, int32_t p, int slot)
{
    const struct model_cluster *c = ctx->c;
    const struct model_partition *part = &c->partitions[p];
    if (slot == part->leader || slot < 0 || slot >= part->rf)
        return false;
    int64_t r = part->first_replica + slot;
    if (!ctx->lead_ok[c->replicas[r].broker] || search_rep_must_move(ctx, r))
        return false;
    for (int i = 0; i < ctx->active; i++) {
        const struct goal *g = ctx->goals[i];
        if (g->impl->accept_leader && !g->impl->accept_leader(g, ctx, p, slot))
            return false;
    }
    return true;
}

void search_slots_swap(struct search_ctx *ctx, int32_t p, int a, int b)
{
    struct model_cluster *c = ctx->c;
    int64_t ra = c->partitions[p].first_replica + a, rb = c->partitions[p].first_replica + b;
    int32_t ba = c->replicas[ra].broker, bb = c->replicas[rb].broker;
    model_slots_swap(c, p, a, b);
    /* The replica entries changed places: each broker's list now names the other index. */
    int32_t pa = ctx->rep_pos[ra], pb = ctx->rep_pos[rb];
    ctx->blist[ba][pa] = (int32_t)rb;
    ctx->blist[bb][pb] = (int32_t)ra;
    ctx->rep_pos[ra] = pb;
    ctx->rep_pos[rb] = pa;
    ctx->bversion[ba]++;
    ctx->bversion[bb]++;
}

void search_leader_apply(struct search_ctx *ctx, int32_t p, int slot)
{
    struct model_cluster *c = ctx->c;
    struct model_partition *part = &c->partitions[p];
    int64_t first = part->first_replica;
    if (part->leader >= 0)
        account(ctx, first + part->leader, c->replicas[first + part->leader].broker, -1);
    account(ctx, first + slot, c->replicas[first + slot].broker, -1);
    int old = part->leader;
    model_leader_set(c, p, slot);
    if (old >= 0)
        account(ctx, first + old, c->replicas[first + old].broker, +1);
    account(ctx, first + slot, c->replicas[first + slot].broker, +1);
    ctx->bversion[c->replicas[first + slot].broker]++;
    if (old >= 0)
        ctx->bversion[c->replicas[first + old].broker]++;
    ctx->leader_moves_applied++;
    ctx->changes++;
}
