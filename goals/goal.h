/* The goals: the registry by name, goal_create/goal_destroy and the helpers goal
 * implementations share. The interface every goal implements (struct goal_impl, struct goal)
 * is search/goal_interface.h, below this module, so that the search context can ask the goals
 * without depending on goals/. */
#ifndef GOALS_GOAL_H
#define GOALS_GOAL_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "search/goal_interface.h"

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
