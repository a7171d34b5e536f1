/* Exact subproblems solved as linear programs on GLPK (DESIGN §6, OPTIMIZER.md).
 *
 * Leadership over existing replicas: choose one leader per partition among its replicas that
 * may lead, so that every broker's leader count lies in [lo_b, hi_b], changing as few leaders
 * as possible. Rows: one equality per partition, one double-bounded row per broker; columns:
 * one per eligible replica, cost 1 unless it is the current leader. The constraint matrix is
 * that of a bipartite transportation problem (totally unimodular), so the simplex returns an
 * integral optimum. It moves no data.
 *
 * The LP is solved only when it is small enough (at most max_cols columns) and within an
 * iteration limit (a time limit backs it up); otherwise, or when GLPK fails or proves the bands infeasible, the caller keeps its
 * greedy result. Single-threaded; no I/O. */
#ifndef SEARCH_LP_H
#define SEARCH_LP_H

#include <stdint.h>

#include "search/context.h"

#define SEARCH_LP_LEADER_MAX_COLS 12000
#define SEARCH_LP_ITERATIONS_PER_ROW 20 /* simplex iterations allowed per row (deterministic) */
#define SEARCH_LP_TIME_LIMIT_MS 5000     /* backstop only */

/* Solves the leader LP and applies its changes with search_leader_apply, each one checked with
 * search_leader_ok (so earlier goals still judge them). Returns the number of leadership changes
 * applied, or a negative errno: -E2BIG too large, -EDOM infeasible bands, -EIO solver failure
 * or time limit. */
int64_t search_lp_leaders(struct search_ctx *ctx, const double *lo, const double *hi, int64_t max_cols);

#endif
