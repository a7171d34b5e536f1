/* The goal interface. A goal is one rule about placement (rack awareness, a capacity limit, a
 * balance band). The optimizer runs goals in priority order: each optimizes the cluster with
 * moves that every earlier goal accepts, then joins the list of goals that judge later moves.
 *
 * One impl per goal name (Cruise Control's spelling, e.g. "DiskUsageDistributionGoal");
 * parameterized goals (one per resource) share code and differ in `res`. */
#ifndef GOALS_GOAL_H
#define GOALS_GOAL_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "optimizer/context.h"

enum goal_status {
    GOAL_NO_ACTION = 0, /* satisfied before and after, nothing moved for it */
    GOAL_FIXED,         /* violated before (or moves were made), satisfied after */
    GOAL_VIOLATED,      /* still violated after */
};

struct goal;

struct goal_impl {
    const char *name;   /* Cruise Control's short name */
    const char *unit;   /* what violations() counts, plural: "brokers", "partitions", ... */
    bool hard;          /* hard by default */
    int res;            /* resource for parameterized goals, -1 otherwise */
    /* Computes the goal's bands/limits from the context (called when the goal starts and
     * again before status is judged). */
    void (*prepare)(struct goal *g, const struct opt_ctx *ctx);
    /* Number of brokers/partitions/... (unit) violating the goal now (0 = satisfied). */
    int64_t (*violations)(const struct goal *g, const struct opt_ctx *ctx);
    /* Changes the cluster toward the goal. Returns 0, or a negative errno with a message
     * naming the goal and the numbers when a hard goal cannot be met. */
    int (*optimize)(struct goal *g, struct opt_ctx *ctx, struct error *err);
    /* Would moving replica r to dst make this goal worse? NULL = accept all. */
    bool (*accept_move)(const struct goal *g, const struct opt_ctx *ctx, int64_t r, int32_t dst);
    /* May any replica of src move to dst, as far as the brokers alone decide (a necessary
     * condition of accept_move, e.g. replica counts)? Lets the engine skip a pair of brokers
     * without asking about each replica. NULL = perhaps. */
    bool (*accept_pair)(const struct goal *g, const struct opt_ctx *ctx, int32_t src, int32_t dst);
    /* Would swapping replica x (to y's broker) with replica y (to x's broker) make this goal
     * worse, judged on the net change? NULL = accept_move(x) and accept_move(y) each. */
    bool (*accept_swap)(const struct goal *g, const struct opt_ctx *ctx, int64_t x, int64_t y);
    /* Would moving leadership of p from its current leader to `slot` make it worse? */
    bool (*accept_leader)(const struct goal *g, const struct opt_ctx *ctx, int32_t p, int slot);
};

struct goal {
    const struct goal_impl *impl;
    bool hard;
    /* Bands computed by prepare(), per broker where capacities differ. */
    double *lo, *hi;      /* per broker, absolute units of the goal's measure */
    double avg;           /* the average the band is centred on */
    int32_t *aux;         /* goal-specific per-topic data, freed by goal_destroy */
    int64_t violations_before;
    int64_t violations_after;
    double time_ms;
    enum goal_status status;
};

/* ---- registry ---- */
/* Finds a goal by Cruise Control's short or fully qualified name
 * ("com.linkedin.kafka.cruisecontrol.analyzer.goals.RackAwareGoal"), case-sensitive as CC. */
const struct goal_impl *goal_find(const char *name);
/* NULL-terminated list of every goal Ballast implements, in default priority order. */
extern const struct goal_impl *const goal_registry[];
/* The default goal list (Cruise Control's defaults that Ballast implements), NULL-terminated. */
extern const struct goal_impl *const goal_defaults[];
/* The hard goals an explicit goal list must include (Cruise Control's hard.goals). */
extern const struct goal_impl *const goal_hard_defaults[];
struct goal *goal_create(const struct goal_impl *impl, int32_t nbrokers);
void goal_destroy(struct goal *g);

/* ---- helpers shared by goal implementations (goals/common.c) ---- */
/* The balance band for a resource measure: avg * (1 +- (threshold - 1) * margin). */
void goal_band(double avg, double threshold, double margin, double *ret_lo, double *ret_hi);
/* Penalty of value v outside [lo, hi]. */
static inline double goal_outside(double v, double lo, double hi)
{
    return v > hi ? v - hi : (v < lo ? lo - v : 0);
}

#endif
