/* Shared machinery for goals: the registry, bands, and the greedy balancing engine that
 * realises a per-broker band with concrete replica moves.
 *
 * The engine works on a scalar measure per broker (a resource load, a replica count) with a
 * per-broker band [lo, hi]. Push: while a broker is above hi, move the replica that best fits
 * its excess to the least loaded broker that can take it without leaving its band. Pull: while
 * a broker is below lo, bring the best-fitting replica from the most loaded broker that stays
 * above its own lo. Best fit keeps bytes moved near the lower bound: a single replica at least
 * as large as the excess (the smallest such) beats several smaller ones. Every move must pass
 * search_move_ok (structure and every earlier goal). */
#include "goals/balance.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

static int32_t group_of(const struct model_cluster *c, int level, int32_t b)
{
    return level == 2 ? c->brokers[b].rack : level == 1 ? model_broker_zone(c, b) : 0;
}

void goal_band(double avg, double threshold, double margin, double *ret_lo, double *ret_hi)
{
    double d = (threshold - 1.0) * margin;
    *ret_lo = avg * (1.0 - d);
    *ret_hi = avg * (1.0 + d);
}

struct goal *goal_create(const struct goal_impl *impl, int32_t nbrokers)
{
    struct goal *g = xcalloc(1, sizeof(*g));
    g->impl = impl;
    g->hard = impl->hard;
    g->lo = xcalloc((size_t)(nbrokers ? nbrokers : 1), sizeof(double));
    g->hi = xcalloc((size_t)(nbrokers ? nbrokers : 1), sizeof(double));
    return g;
}

void goal_destroy(struct goal *g)
{
    if (!g)
        return;
    free(g->lo);
    free(g->hi);
    free(g->aux);
    free(g);
}

const struct goal_impl *goal_find(const char *name)
{
    static const char prefix[] = "com.linkedin.kafka.cruisecontrol.analyzer.goals.";
    static const char kafka_prefix[] = "com.linkedin.kafka.cruisecontrol.analyzer.kafkaassigner.";
    if (strncmp(name, prefix, sizeof(prefix) - 1) == 0)
        name += sizeof(prefix) - 1;
    else if (strncmp(name, kafka_prefix, sizeof(kafka_prefix) - 1) == 0)
        name += sizeof(kafka_prefix) - 1;
    if (strncmp(name, "intra.", 6) == 0)
        name += 6;
    for (int i = 0; goal_registry[i]; i++) {
        const char *n = goal_registry[i]->name;
        size_t len = strlen(n);
        if (strcmp(name, n) == 0)
            return goal_registry[i];
        /* Accept the name without its "Goal" suffix too. */
        if (len > 4 && strlen(name) == len - 4 && strncmp(name, n, len - 4) == 0)
            return goal_registry[i];
    }
    return NULL;
}

void goal_centres(const struct search_ctx *ctx, int level, const double *value,
                  const double *weight, double *ret_centre)
{
    const struct model_cluster *c = ctx->c;
    int32_t ng = level == 2 ? c->nracks : level == 1 ? c->nzones : 1;
    double *v = xcalloc((size_t)ng, sizeof(double)), *w = xcalloc((size_t)ng, sizeof(double));
    for (int32_t b = 0; b < c->nbrokers; b++) {
        int32_t g = group_of(c, level, b);
        v[g] += value[b];
        if (model_broker_usable(c, b))
            w[g] += weight[b];
    }
    for (int32_t b = 0; b < c->nbrokers; b++) {
        int32_t g = group_of(c, level, b);
        ret_centre[b] = w[g] > 0 ? v[g] / w[g] * weight[b] : 0;
    }
    free(v);
    free(w);
}

/* ---- the balancing engine ---- */

struct cand {
    int64_t r;
    double amount;
    double bytes;
};

static int cand_by_amount_desc(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    if (x->amount != y->amount)
        return x->amount < y->amount ? 1 : -1;
    if (x->bytes != y->bytes)
        return x->bytes > y->bytes ? 1 : -1;
    return x->r < y->r ? -1 : (x->r > y->r);
}

static int cand_by_bytes_asc(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    if (x->bytes != y->bytes)
        return x->bytes > y->bytes ? 1 : -1;
    return x->r < y->r ? -1 : (x->r > y->r);
}

struct bsort {
    int32_t b;
    double key;
    bool single; /* may a single replica move between this broker and the one at hand? */
};

static int bsort_asc(const void *a, const void *b)
{
    const struct bsort *x = a, *y = b;
    if (x->key != y->key)
        return x->key > y->key ? 1 : -1;
    return x->b - y->b;
}

/* Sets .single of each entry: may a single replica move from `from` to the entry's broker
 * (to_entry) or from the entry's broker to `to` (!to_entry), as far as the brokers alone
 * decide. Returns how many may. Called again after every single move, which changes replica
 * counts; swaps keep counts, and accept_pair depends on nothing else. */
static int32_t mark_single(const struct search_ctx *ctx, struct bsort *list, int32_t n, int32_t fixed,
                           bool to_entry)
{
    int32_t k = 0;
    for (int32_t i = 0; i < n; i++) {
        list[i].single = to_entry ? search_pair_ok(ctx, fixed, list[i].b)
                                  : search_pair_ok(ctx, list[i].b, fixed);
        k += list[i].single;
    }
    return k;
}

/* Fills cands with the movable replicas of broker b with a positive amount. */
static int32_t collect(const struct balance_spec *s, const struct search_ctx *ctx, int32_t b,
                       struct cand *cands)
{
    int32_t n = 0;
    for (int32_t i = 0; i < ctx->blist_n[b]; i++) {
        int64_t r = ctx->blist[b][i];
        double a = s->amount(s, ctx, r);
        if (a <= 0)
            continue;
        cands[n].r = r;
        cands[n].amount = a;
        cands[n].bytes = (double)ctx->c->replicas[r].size;
        n++;
    }
    if (s->by_bytes)
        qsort(cands, (size_t)n, sizeof(*cands), cand_by_bytes_asc);
    else
        qsort(cands, (size_t)n, sizeof(*cands), cand_by_amount_desc);
    return n;
}

/* Sorted candidate lists per broker, rebuilt only when the broker's replicas changed. */
struct cand_cache {
    struct cand **list;
    int32_t *n;
    uint32_t *version;
    bool *valid;
};

static struct cand *cached_collect(const struct balance_spec *s, const struct search_ctx *ctx,
                                   struct cand_cache *cc, int32_t b, int32_t *ret_n)
{
    if (!cc->valid[b] || cc->version[b] != ctx->bversion[b]) {
        free(cc->list[b]);
        cc->list[b] = xmalloc((size_t)(ctx->blist_n[b] + 1) * sizeof(struct cand));
        cc->n[b] = collect(s, ctx, b, cc->list[b]);
        cc->version[b] = ctx->bversion[b];
        cc->valid[b] = true;
    }
    *ret_n = cc->n[b];
    return cc->list[b];
}

/* Order in which to try candidates to cover `need`: with amounts sorted descending, the
 * smallest one >= need first, then the smaller ones (largest first), then the larger ones. */
static int32_t fit_order(const struct cand *cands, int32_t n, double need, int32_t *order)
{
    int32_t j = -1; /* last index with amount >= need */
    int32_t lo = 0, hi = n - 1;
    while (lo <= hi) {
        int32_t mid = (lo + hi) / 2;
        if (cands[mid].amount >= need) {
            j = mid;
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    /* A covering replica much larger than the need moves bytes nobody asked for (heavy tails):
     * then the smaller ones, largest first, come before it. */
    bool cover_first = j >= 0 && (j + 1 >= n || cands[j].amount <= 1.25 * need);
    int32_t k = 0;
    if (cover_first)
        order[k++] = j;
    for (int32_t i = j + 1; i < n; i++)
        order[k++] = i;
    if (!cover_first && j >= 0)
        order[k++] = j;
    for (int32_t i = j - 1; i >= 0; i--)
        order[k++] = i;
    return k;
}

#define SWAP_SMALL 32 /* smallest replicas of the receiving broker tried as the swap's return */
#define SWAP_LARGE 64 /* candidates of the giving broker tried */
#define SWAP_DESTS 48 /* coolest (or hottest) partner brokers tried for swaps */

/* The k replicas of broker b with the smallest positive amounts (any amount for the return
 * leg: a zero-sized replica is the best return), ascending, into out; returns how many. */
/* Could replica r go to broker to without hurting its partition's rack spread? (A cheap
 * filter before the goals judge the swap.) */
static bool rack_fits(const struct search_ctx *ctx, int64_t r, int32_t to)
{
    int32_t p = ctx->rep_part[r];
    if (model_partition_slot(ctx->c, p, to) >= 0)
        return false;
    if (ctx->c->brokers[ctx->c->replicas[r].broker].rack == ctx->c->brokers[to].rack)
        return true;
    return model_partition_rack_deficit_if(ctx->c, p, search_rep_slot(ctx, r), to) <=
           ctx->deficit[p];
}

static int32_t smallest(const struct balance_spec *s, const struct search_ctx *ctx, int32_t b,
                        int32_t to, struct cand *out, int32_t k)
{
    int32_t n = 0;
    /* Where moves are restricted (add-brokers: only home), keep only replicas that may go. */
    bool restricted = !ctx->dst_ok[to];
    for (int32_t i = 0; i < ctx->blist_n[b]; i++) {
        int64_t r = ctx->blist[b][i];
        double a = s->amount(s, ctx, r);
        if (n == k && a >= out[n - 1].amount)
            continue;
        if (restricted && !search_move_allowed(ctx, r, to))
            continue;
        if (n == k && a >= out[n - 1].amount)
            continue;
        int32_t j = n < k ? n++ : n - 1;
        while (j > 0 && out[j - 1].amount > a) {
            out[j] = out[j - 1];
            j--;
        }
        out[j].r = r;
        out[j].amount = a;
        out[j].bytes = (double)ctx->c->replicas[r].size;
    }
    return n;
}

/* Swaps a replica x of src (larger) with a replica y of dst (smaller) so that src sheds
 * net = a_x - a_y, as close to `need` as possible, without src going below lo or dst above hi.
 * Count-neutral, so it works where counts are pinned by an earlier goal. Returns true if it
 * applied a swap. */
/* The SWAP_LARGE replicas of src with the largest amounts, descending. */
static int32_t largest(const struct balance_spec *s, const struct search_ctx *ctx, int32_t src,
                       struct cand *big)
{
    int32_t nb = 0;
    for (int32_t i = 0; i < ctx->blist_n[src]; i++) {
        int64_t r = ctx->blist[src][i];
        double a = s->amount(s, ctx, r);
        if (a <= 0 || (nb == SWAP_LARGE && a <= big[nb - 1].amount))
            continue;
        int32_t j = nb < SWAP_LARGE ? nb++ : nb - 1;
        while (j > 0 && big[j - 1].amount < a) {
            big[j] = big[j - 1];
            j--;
        }
        big[j].r = r;
        big[j].amount = a;
        big[j].bytes = (double)ctx->c->replicas[r].size;
    }
    return nb;
}

/* big[0..nb) = largest(src), computed once by the caller for a round of destinations; entries
 * that left src are skipped. */
static bool swap_between(const struct balance_spec *s, struct search_ctx *ctx, int32_t src,
                         int32_t dst, double need, const struct cand *big_in, int32_t nb)
{
    /* No room on either side: nothing to scan (the common case when a band is out of reach
     * for a whole rack or zone). */
    double sv = s->value(s, ctx, src), dv = s->value(s, ctx, dst);
    double room = fmin(s->hi[dst] - dv, sv - s->lo[src]);
    if (room <= s->eps || nb == 0)
        return false;
    struct cand small[SWAP_SMALL], big[SWAP_LARGE];
    int32_t ns = smallest(s, ctx, dst, src, small, SWAP_SMALL);
    if (ns == 0)
        return false;
    for (int32_t i = 0; i < nb; i++) {
        big[i] = big_in[i];
        if (big[i].r >= 0 && ctx->c->replicas[big[i].r].broker != src)
            big[i].r = -1;
    }
    double want = fmin(need, room);
    /* fit[i]: -1 unknown, 0 cannot go to dst (rack), 1 can; the same for small[] to src. */
    int8_t bfit[SWAP_LARGE], sfit[SWAP_SMALL];
    memset(bfit, -1, sizeof(bfit));
    memset(sfit, -1, sizeof(sfit));
    for (int attempt = 0; attempt < 16; attempt++) {
        int32_t bi = -1, bj = -1;
        double best = -1, best_bytes = 0;
        for (int32_t i = 0; i < nb; i++) {
            if (big[i].r < 0 || bfit[i] == 0)
                continue;
            for (int32_t j = 0; j < ns; j++) {
                if (small[j].r < 0 || sfit[j] == 0)
                    continue;
                double net = big[i].amount - small[j].amount;
                if (net <= s->eps || net > room + s->eps)
                    continue;
                double gain = fmin(net, want);
                double bytes = big[i].bytes + small[j].bytes;
                if (!(gain > best + s->eps || (fabs(gain - best) <= s->eps && bytes < best_bytes)))
                    continue;
                if (bfit[i] < 0)
                    bfit[i] = rack_fits(ctx, big[i].r, dst);
                if (!bfit[i])
                    break;
                if (sfit[j] < 0)
                    sfit[j] = rack_fits(ctx, small[j].r, src);
                if (!sfit[j])
                    continue;
                best = gain;
                best_bytes = bytes;
                bi = i;
                bj = j;
            }
        }
        if (bi < 0)
            return false;
        if (search_swap_ok(ctx, big[bi].r, small[bj].r)) {
            search_move_apply(ctx, big[bi].r, dst);
            search_move_apply(ctx, small[bj].r, src);
            return true;
        }
        /* Not accepted: drop this pair's larger side and try the next best. */
        big[bi].r = -1;
    }
    return false;
}

static bool same_group(const struct balance_spec *s, const struct search_ctx *ctx, int32_t a,
                       int32_t b)
{
    return s->level == 0 || group_of(ctx->c, s->level, a) == group_of(ctx->c, s->level, b);
}

static bool broker_in_scope(const struct search_ctx *ctx, int32_t b)
{
    return model_broker_usable(ctx->c, b);
}

/* Push replicas off brokers above hi. Returns true if anything moved. */
static bool push(const struct balance_spec *s, struct search_ctx *ctx, struct cand *cands,
                 int32_t *order, struct bsort *dsts)
{
    const struct model_cluster *c = ctx->c;
    bool moved_any = false;
    struct bsort *srcs = xmalloc((size_t)c->nbrokers * sizeof(*srcs));
    int32_t nsrc = 0;
    for (int32_t b = 0; b < c->nbrokers; b++) {
        if (!broker_in_scope(ctx, b))
            continue;
        double v = s->value(s, ctx, b);
        if (v > s->hi[b] + s->eps)
            srcs[nsrc++] = (struct bsort){b, -(v - s->hi[b]) / (s->hi[b] > 0 ? s->hi[b] : 1)};
    }
    qsort(srcs, (size_t)nsrc, sizeof(*srcs), bsort_asc);
    for (int32_t si = 0; si < nsrc; si++) {
        int32_t src = srcs[si].b;
        int32_t n = collect(s, ctx, src, cands);
        int32_t nd = 0;
        /* A broker above a capacity limit may shed to any broker that can receive (hard goals
         * hold in every mode) but in add-brokers mode, where the new brokers take it;
         * otherwise the mode's destinations. search_move_ok decides. */
        bool over = (ctx->mode != SEARCH_MODE_ADD_BROKERS || ctx->shed_anywhere) &&
                    search_over_capacity(ctx, src);
        for (int32_t b = 0; b < c->nbrokers; b++)
            if (b != src && (ctx->dst_ok[b] || (over && ctx->recv_ok[b])) &&
                broker_in_scope(ctx, b) && same_group(s, ctx, src, b))
                dsts[nd++] = (struct bsort){b, s->value(s, ctx, b) / (s->hi[b] > 0 ? s->hi[b] : 1)};
        qsort(dsts, (size_t)nd, sizeof(*dsts), bsort_asc);
        /* With equal limits a destination that cannot take a replica means the fuller ones
         * after it cannot either; with unequal ones (capacities differ) a cooler broker may
         * have less room. */
        bool equal_hi = true;
        for (int32_t di = 1; di < nd && equal_hi; di++)
            equal_hi = s->hi[dsts[di].b] == s->hi[dsts[0].b];
        /* Pairs an earlier goal refuses whatever the replica (pinned replica counts) are kept
         * for swaps only; with none left, single moves are not tried at all. */
        int32_t nsingle = mark_single(ctx, dsts, nd, src, true);
        bool progress = true;
        int32_t cursor = 0; /* by_bytes: candidates before it are used or hopeless */
        if (s->by_bytes)
            for (int32_t i = 0; i < n; i++)
                order[i] = i;
        while (progress) {
            double v = s->value(s, ctx, src);
            double need = v - s->hi[src];
            if (need <= s->eps)
                break;
            progress = false;
            int32_t k = s->by_bytes ? n : fit_order(cands, n, need, order);
            while (s->by_bytes && cursor < n &&
                   (cands[cursor].r < 0 || ctx->c->replicas[cands[cursor].r].broker != src))
                cursor++;
            int32_t tries = 0;
            for (int32_t oi = s->by_bytes ? cursor : 0;
                 nsingle > 0 && oi < k && !progress && tries < s->max_tries; oi++) {
                struct cand *cd = &cands[order[oi]];
                if (cd->r < 0 || ctx->c->replicas[cd->r].broker != src)
                    continue;
                double a = cd->amount;
                if (v - a < s->lo[src] - s->eps)
                    continue;
                tries++;
                for (int32_t di = 0; di < nd; di++) {
                    int32_t dst = dsts[di].b;
                    double dv = s->value(s, ctx, dst);
                    /* Destinations are sorted coolest first: when this one cannot take the
                     * replica, later ones (as full or fuller) rarely can. */
                    if (dv + a > s->hi[dst] + s->eps) {
                        if (equal_hi)
                            break;
                        continue;
                    }
                    if (!dsts[di].single || !search_move_ok(ctx, cd->r, dst))
                        continue;
                    search_move_apply(ctx, cd->r, dst);
                    cd->r = -1;
                    nsingle = mark_single(ctx, dsts, nd, src, true);
                    dsts[di].key = s->value(s, ctx, dst) / (s->hi[dst] > 0 ? s->hi[dst] : 1);
                    /* keep dsts sorted: bubble the changed entry up */
                    for (int32_t x = di; x + 1 < nd && bsort_asc(&dsts[x], &dsts[x + 1]) > 0; x++) {
                        struct bsort t = dsts[x];
                        dsts[x] = dsts[x + 1];
                        dsts[x + 1] = t;
                    }
                    progress = moved_any = true;
                    break;
                }
            }
            if (!progress && s->swaps) {
                struct cand big[SWAP_LARGE];
                int32_t nbig = largest(s, ctx, src, big);
                for (int32_t di = 0; !progress && di < nd && di < SWAP_DESTS; di++) {
                    if (!swap_between(s, ctx, src, dsts[di].b, need, big, nbig))
                        continue;
                    /* cands entries that left src are skipped by the broker check above */
                    progress = moved_any = true;
                    dsts[di].key = s->value(s, ctx, dsts[di].b) /
                                   (s->hi[dsts[di].b] > 0 ? s->hi[dsts[di].b] : 1);
                    for (int32_t x = di; x + 1 < nd && bsort_asc(&dsts[x], &dsts[x + 1]) > 0; x++) {
                        struct bsort t = dsts[x];
                        dsts[x] = dsts[x + 1];
                        dsts[x + 1] = t;
                    }
                }
            }
        }
    }
    free(srcs);
    return moved_any;
}

/* Pull replicas onto brokers below lo. Returns true if anything moved. */
static bool pull(const struct balance_spec *s, struct search_ctx *ctx, struct cand_cache *cc,
                 int32_t *order, struct bsort *srcs)
{
    const struct model_cluster *c = ctx->c;
    bool moved_any = false;
    for (int32_t dst = 0; dst < c->nbrokers; dst++) {
        if (!ctx->dst_ok[dst] || !broker_in_scope(ctx, dst))
            continue;
        if (s->value(s, ctx, dst) >= s->lo[dst] - s->eps)
            continue;
        int32_t ns = 0;
        for (int32_t b = 0; b < c->nbrokers; b++)
            if (b != dst && broker_in_scope(ctx, b) && same_group(s, ctx, dst, b))
                srcs[ns++] = (struct bsort){b, -(s->value(s, ctx, b) - s->lo[b]) /
                                                   (s->hi[b] > 0 ? s->hi[b] : 1)};
        qsort(srcs, (size_t)ns, sizeof(*srcs), bsort_asc);
        mark_single(ctx, srcs, ns, dst, false);
        for (int32_t si = 0; si < ns; si++) {
            double need = s->lo[dst] - s->value(s, ctx, dst);
            if (need <= s->eps)
                break;
            int32_t src = srcs[si].b;
            double sv = s->value(s, ctx, src);
            if (sv <= s->lo[src] + s->eps)
                break; /* sorted: no later source has room either */
            if (!srcs[si].single)
                continue; /* swaps below */
            int32_t n;
            struct cand *cands = cached_collect(s, ctx, cc, src, &n);
            bool progress = true;
            while (progress && srcs[si].single) {
                need = s->lo[dst] - s->value(s, ctx, dst);
                if (need <= s->eps)
                    break;
                progress = false;
                int32_t k = s->by_bytes ? n : fit_order(cands, n, need, order);
                if (s->by_bytes)
                    for (int32_t i = 0; i < n; i++)
                        order[i] = i;
                int32_t tries = 0;
                for (int32_t oi = 0; oi < k && tries < s->max_tries; oi++) {
                    struct cand *cd = &cands[order[oi]];
                    if (cd->r < 0 || ctx->c->replicas[cd->r].broker != src)
                        continue;
                    double a = cd->amount;
                    if (s->value(s, ctx, src) - a < s->lo[src] - s->eps)
                        continue;
                    if (s->value(s, ctx, dst) + a > s->hi[dst] + s->eps)
                        continue;
                    tries++;
                    if (!search_move_ok(ctx, cd->r, dst))
                        continue;
                    search_move_apply(ctx, cd->r, dst);
                    cd->r = -1;
                    mark_single(ctx, srcs, ns, dst, false);
                    progress = moved_any = true;
                    break;
                }
            }
        }
        for (int32_t si = 0; s->swaps && si < ns && si < SWAP_DESTS; si++) {
            double need = s->lo[dst] - s->value(s, ctx, dst);
            if (need <= s->eps)
                break;
            int32_t src = srcs[si].b;
            if (fmin(s->hi[dst] - s->value(s, ctx, dst), s->value(s, ctx, src) - s->lo[src]) <=
                s->eps)
                continue; /* swap_between would find no room */
            struct cand big[SWAP_LARGE];
            int32_t nbig = largest(s, ctx, src, big);
            while (need > s->eps && swap_between(s, ctx, src, dst, need, big, nbig)) {
                moved_any = true;
                need = s->lo[dst] - s->value(s, ctx, dst);
            }
        }
    }
    return moved_any;
}

void goal_balance(const struct balance_spec *spec, struct search_ctx *ctx)
{
    const struct model_cluster *c = ctx->c;
    struct balance_spec local = *spec;
    local.level = search_locked_level(ctx);
    const struct balance_spec *s = &local;
    int32_t maxn = 1;
    for (int32_t b = 0; b < c->nbrokers; b++)
        if (ctx->blist_n[b] > maxn)
            maxn = ctx->blist_n[b];
    /* Lists grow as brokers receive replicas; size the buffers for the worst case. */
    size_t cap = (size_t)c->nreplicas + 1;
    if ((size_t)maxn > cap)
        cap = (size_t)maxn;
    struct cand *cands = xmalloc(cap * sizeof(*cands));
    int32_t *order = xmalloc(cap * sizeof(*order));
    struct bsort *tmp = xmalloc((size_t)(c->nbrokers ? c->nbrokers : 1) * sizeof(*tmp));
    size_t nb = (size_t)(c->nbrokers ? c->nbrokers : 1);
    struct cand_cache cc = {xcalloc(nb, sizeof(struct cand *)), xcalloc(nb, sizeof(int32_t)),
                            xcalloc(nb, sizeof(uint32_t)), xcalloc(nb, sizeof(bool))};
    for (int round = 0; round < 4; round++) {
        if (round > 0 && goal_count_outside(s, ctx) == 0)
            break;
        bool a = push(s, ctx, cands, order, tmp);
        bool b = s->no_pull ? false : pull(s, ctx, &cc, order, tmp);
        if (!a && !b)
            break;
    }
    for (size_t b = 0; b < nb; b++)
        free(cc.list[b]);
    free(cc.list);
    free(cc.n);
    free(cc.version);
    free(cc.valid);
    free(cands);
    free(order);
    free(tmp);
}

int64_t goal_count_outside(const struct balance_spec *s, const struct search_ctx *ctx)
{
    int64_t n = 0;
    for (int32_t b = 0; b < ctx->c->nbrokers; b++) {
        if (!broker_in_scope(ctx, b))
            continue;
        double v = s->value(s, ctx, b);
        if (v > s->hi[b] + s->eps || (!s->no_pull && v < s->lo[b] - s->eps))
            n++;
    }
    return n;
}

/* ---- leadership deltas ---- */

void goal_leader_delta(const struct search_ctx *ctx, int32_t p, int slot, double d_old[RES_COUNT],
                       double d_new[RES_COUNT])
{
    const struct model_partition *part = &ctx->c->partitions[p];
    double as_lead[RES_COUNT], as_follow[RES_COUNT];
    for (int k = 0; k < RES_COUNT; k++)
        d_old[k] = d_new[k] = 0;
    if (part->leader >= 0) {
        model_replica_load(ctx->c, p, part->leader, true, as_lead);
        model_replica_load(ctx->c, p, part->leader, false, as_follow);
        for (int k = 0; k < RES_COUNT; k++)
            d_old[k] = as_follow[k] - as_lead[k];
    }
    model_replica_load(ctx->c, p, slot, true, as_lead);
    model_replica_load(ctx->c, p, slot, false, as_follow);
    for (int k = 0; k < RES_COUNT; k++)
        d_new[k] = as_lead[k] - as_follow[k];
}
