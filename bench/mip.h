/* The exact baseline for small clusters: the fewest bytes any placement must move so that
 * every broker's disk stays at or below what Ballast's plan reached, solved as a MIP on GLPK.
 * Only when racks are locked (every partition has one replica per rack): then each rack is an
 * independent assignment of its partitions' replicas to its brokers. Disk only, so it is a
 * lower bound for Ballast's multi-goal plans and exact for the disk goal alone. */
#ifndef BENCH_MIP_H
#define BENCH_MIP_H

#include <stdbool.h>
#include <stdint.h>

#include "model/cluster.h"

struct bench_mip_result {
    bool solved;        /* a feasible integer solution was found in time */
    bool proven;        /* and proved optimal */
    double bytes;       /* its bytes moved */
    double bound;       /* the MIP's own lower bound (LP relaxation or better) */
    double time_ms;
};

/* before: the cluster planned; after: Ballast's plan. time_limit_ms per rack. Returns 0, or
 * -EINVAL when racks are not locked (the MIP would be too large to be useful). */
int bench_mip_min_bytes(const struct model_cluster *before, const struct model_cluster *after,
                        int time_limit_ms, struct bench_mip_result *ret);

#endif
