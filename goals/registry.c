/* The goal registry: every goal Ballast implements, in Cruise Control's default priority
 * order, and the default goal list. */
#include <stddef.h>

#include "goals/goal.h"

extern const struct goal_impl goal_rack_aware, goal_rack_aware_distribution,
    goal_replica_capacity, goal_disk_capacity, goal_nw_in_capacity, goal_nw_out_capacity,
    goal_cpu_capacity, goal_replica_distribution, goal_disk_distribution,
    goal_nw_in_distribution, goal_nw_out_distribution, goal_cpu_distribution,
    goal_leader_replica_distribution;

const struct goal_impl *const goal_registry[] = {
    &goal_rack_aware,
    &goal_rack_aware_distribution,
    &goal_replica_capacity,
    &goal_disk_capacity,
    &goal_nw_in_capacity,
    &goal_nw_out_capacity,
    &goal_cpu_capacity,
    &goal_replica_distribution,
    &goal_disk_distribution,
    &goal_nw_in_distribution,
    &goal_nw_out_distribution,
    &goal_cpu_distribution,
    &goal_leader_replica_distribution,
    NULL,
};

/* Cruise Control's defaults use RackAwareGoal, not its distribution variant. */
const struct goal_impl *const goal_defaults[] = {
    &goal_rack_aware,
    &goal_replica_capacity,
    &goal_disk_capacity,
    &goal_nw_in_capacity,
    &goal_nw_out_capacity,
    &goal_cpu_capacity,
    &goal_replica_distribution,
    &goal_disk_distribution,
    &goal_nw_in_distribution,
    &goal_nw_out_distribution,
    &goal_cpu_distribution,
    &goal_leader_replica_distribution,
    NULL,
};
