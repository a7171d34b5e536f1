/* Internal to goals/: the greedy balancing engine and helpers shared by goal files. */
#ifndef GOALS_BALANCE_H
#define GOALS_BALANCE_H

#include "goals/goal.h"

struct balance_spec {
    /* The broker measure and how much moving replica r shifts it. */
    double (*value)(const struct balance_spec *s, const struct search_ctx *ctx, int32_t b);
    double (*amount)(const struct balance_spec *s, const struct search_ctx *ctx, int64_t r);
    const double *lo, *hi; /* per broker */
    double eps;
    int res;               /* resource for resource measures */
    bool by_bytes;         /* try candidates smallest bytes first (count goals) */
    bool no_pull;          /* only push down to hi (capacity limits) */
    int32_t max_tries;     /* candidates tried per step */
    bool swaps;            /* fall back to count-neutral swaps when no single move fits */
    int level;             /* set by goal_balance: search_locked_level, moves stay in the group */
};

/* Per-broker centre of a balance band: the total of `value` over the broker's group divided
 * by the group's total `weight` (of usable brokers), times the broker's weight. Groups: the
 * whole cluster (level 0), the broker's zone (1) or its rack (2). Values on brokers that must
 * be emptied count toward their group. */
void goal_centres(const struct search_ctx *ctx, int level, const double *value,
                  const double *weight, double *ret_centre);
void goal_balance(const struct balance_spec *s, struct search_ctx *ctx);
int64_t goal_count_outside(const struct balance_spec *s, const struct search_ctx *ctx);
/* Load change on the old leader's broker (d_old) and on slot's broker (d_new) if leadership
 * of p moved to `slot`. */
void goal_leader_delta(const struct search_ctx *ctx, int32_t p, int slot, double d_old[RES_COUNT],
                       double d_new[RES_COUNT]);

#endif
