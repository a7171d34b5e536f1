/* The goal registry: every goal Ballast implements, in Cruise Control's default priority
 * order, and the default goal list. */
#include <stddef.h>

#include "goals/goal.h"

extern const struct goal_impl goal_rack_aware, goal_rack_aware_distribution,
    goal_min_topic_leaders, goal_replica_capacity, goal_disk_capacity, goal_nw_in_capacity,
    goal_nw_out_capacity, goal_cpu_capacity, goal_broker_set_aware, goal_replica_distribution,
    goal_potential_nw_out, goal_disk_distribution, goal_nw_in_distribution,
    goal_nw_out_distribution, goal_cpu_distribution, goal_topic_replica_distribution,
    goal_leader_replica_distribution, goal_leader_bytes_in, goal_preferred_leader,
    goal_intra_disk_capacity, goal_intra_disk_distribution;

const struct goal_impl *const goal_registry[] = {
    &goal_rack_aware,
    &goal_rack_aware_distribution,
    &goal_min_topic_leaders,
    &goal_replica_capacity,
    &goal_disk_capacity,
    &goal_nw_in_capacity,
    &goal_nw_out_capacity,
    &goal_cpu_capacity,
    &goal_broker_set_aware,
    &goal_replica_distribution,
    &goal_potential_nw_out,
    &goal_disk_distribution,
    &goal_nw_in_distribution,
    &goal_nw_out_distribution,
    &goal_cpu_distribution,
    &goal_topic_replica_distribution,
    &goal_leader_replica_distribution,
    &goal_leader_bytes_in,
    &goal_preferred_leader,
    &goal_intra_disk_capacity,
    &goal_intra_disk_distribution,
    NULL,
};

/* Cruise Control's default goals, exactly its default.goals (AnalyzerConfig's
 * DEFAULT_DEFAULT_GOALS, the 16 goals its optimizer runs when a request names none), in its
 * order. BrokerSetAwareGoal and PreferredLeaderElectionGoal are opt-in, as there: name them in
 * the goal list. No intra-broker goals (those come with rebalance_disk). */
const struct goal_impl *const goal_defaults[] = {
    &goal_rack_aware,
    &goal_min_topic_leaders,
    &goal_replica_capacity,
    &goal_disk_capacity,
    &goal_nw_in_capacity,
    &goal_nw_out_capacity,
    &goal_cpu_capacity,
    &goal_replica_distribution,
    &goal_potential_nw_out,
    &goal_disk_distribution,
    &goal_nw_in_distribution,
    &goal_nw_out_distribution,
    &goal_cpu_distribution,
    &goal_topic_replica_distribution,
    &goal_leader_replica_distribution,
    &goal_leader_bytes_in,
    NULL,
};

/* Cruise Control's default hard.goals: a request naming its goals must include these unless
 * it skips the hard goal check (RackAwareDistributionGoal stands in for RackAwareGoal). */
const struct goal_impl *const goal_hard_defaults[] = {
    &goal_rack_aware,
    &goal_min_topic_leaders,
    &goal_replica_capacity,
    &goal_disk_capacity,
    &goal_nw_in_capacity,
    &goal_nw_out_capacity,
    &goal_cpu_capacity,
    NULL,
};
