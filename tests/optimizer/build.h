/* Small hand-made clusters for planner tests. */
#ifndef TESTS_OPTIMIZER_BUILD_H
#define TESTS_OPTIMIZER_BUILD_H

#include "model/cluster.h"

/* nbrokers brokers (ids 1..n), broker i in rack "r<(i-1) % nracks>" (each rack its own zone),
 * two log dirs each, every capacity = cap (disk bytes, cpu 100, network cap). */
struct model_cluster *tb_cluster(int nbrokers, int nracks, double disk_cap);
/* Adds topic `name` (call before tb_finalize) with np partitions; replicas of partition k on the
 * broker ids listed in ids[k*rf .. k*rf+rf-1], each replica of size sizes[k] (or 0 if NULL). */
void tb_topic(struct model_cluster *c, const char *name, int np, int rf, const int32_t *ids,
              const int64_t *sizes);
void tb_finalize(struct model_cluster *c);
/* Checks the invariants every plan must keep against the cluster before it: same partitions,
 * same RF, distinct brokers, replica sizes carried along. Returns the number of problems. */
int tb_check_plan(const struct model_cluster *before, const struct model_cluster *after);

#endif
