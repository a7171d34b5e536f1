/* The goal interface as the search sees it. A goal is one rule about placement (rack awareness,
 * a capacity limit, a balance band). The optimizer runs goals in priority order: each optimizes
 * the cluster with moves that every earlier goal accepts, then joins the list of goals that judge
 * later moves (search/context.h asks them through these function pointers).
 *
 * One impl per goal name (Cruise Control's spelling, e.g. "DiskUsageDistributionGoal");
 * parameterized goals (one per resource) share code and differ in `res`. The goals themselves,
 * their registry and goal_create live in goals/ (goals/goal.h), above this module; the types
 * keep the goal_ names every goal implements. */
#ifndef SEARCH_GOAL_INTERFACE_H
#define SEARCH_GOAL_INTERFACE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "search/context.h"

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
    void (*prepare)(struct goal *g, const struct search_ctx *ctx);
    /* Number of brokers/partitions/... (unit) violating the goal now (0 = satisfied). */
    int64_t (*violations)(const struct goal *g, const struct search_ctx *ctx);
    /* Changes the cluster toward the goal. Returns 0, or a negative errno with a message
     * naming the goal and the numbers when a hard goal cannot be met. */
    int (*optimize)(struct goal *g, struct search_ctx *ctx, struct error *err);
    /* Would moving replica r to dst make this goal worse? NULL = accept all. */
    bool (*accept_move)(const struct goal *g, const struct search_ctx *ctx, int64_t r, int32_t dst);
    /* May any replica of src move to dst, as far as the brokers alone decide (a necessary
     * condition of accept_move, e.g. replica counts)? Lets the engine skip a pair of brokers
     * without asking about each replica. NULL = perhaps. */
    bool (*accept_pair)(const struct goal *g, const struct search_ctx *ctx, int32_t src, int32_t dst);
    /* Would swapping replica x (to y's broker) with replica y (to x's broker) make this goal
     * worse, judged on the net change? NULL = accept_move(x) and accept_move(y) each. */
    bool (*accept_swap)(const struct goal *g, const struct search_ctx *ctx, int64_t x, int64_t y);
    /* Would moving leadership of p from its current leader to `slot` make it worse? */
    bool (*accept_leader)(const struct goal *g, const struct search_ctx *ctx, int32_t p, int slot);
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

#endif
