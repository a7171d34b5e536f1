/* The planner: runs goals in priority order over a copy of the cluster and returns the plan
 * as the cluster after the moves plus a per-partition diff and a summary.
 *
 * Steps: (1) apply the request (mode flags, excluded topics); (2) empty what must be emptied
 * (dead and removed brokers, offline log dirs), choosing destinations that keep racks spread
 * and fill the least utilised brokers, largest replicas first; take leadership off brokers
 * that may not lead; (3) each goal optimizes with moves every earlier goal accepts; (4) judge
 * every goal; a hard goal still violated fails the request unless skip_hard_goal_check;
 * (5) put each changed partition's leader first in its replica list; (6) the diff, counts and
 * the lower bound on bytes any plan reaching the same balance must move.
 *
 * Deterministic: the same cluster and request give the same plan. No I/O. */
#ifndef OPTIMIZER_OPTIMIZER_H
#define OPTIMIZER_OPTIMIZER_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "goals/goal.h"
#include "model/cluster.h"
#include "search/context.h"

#define OPT_MAX_GOALS 64

/* A log dir to empty in remove-disks mode: the broker's Kafka id and the dir, named by its
 * path or by its index among the broker's log dirs (0-based, in the snapshot's order). */
struct opt_disk_ref {
    int32_t broker;
    const char *dir;
};

struct opt_request {
    enum search_mode mode;
    const int32_t *brokers; /* Kafka ids: the brokers to add, remove or demote */
    int32_t nbrokers;
    /* remove-disks: the log dirs to empty (mandatory in that mode, refused in others). Their
     * replicas move to the broker's other online dirs, largest first, each to the dir least
     * utilised after the move that stays under the disk capacity threshold; then
     * IntraBrokerDiskUsageDistributionGoal levels the remaining dirs. The goals in this mode
     * are IntraBrokerDiskCapacityGoal and IntraBrokerDiskUsageDistributionGoal (others are
     * refused); no replica changes broker and no leadership moves. */
    const struct opt_disk_ref *disks;
    int32_t ndisks;
    const char *const *goals; /* names in priority order; NULL = goal_defaults */
    int32_t ngoals;
    bool skip_hard_goal_check; /* allow a goal list without every default hard goal, and
                                  report (not fail) a violated hard goal */
    const char *excluded_topics; /* POSIX extended regex matched against whole names; NULL */
    const char *min_topic_leaders_topics; /* regex: topics MinTopicLeadersPerBrokerGoal covers */
    struct search_thresholds th;
};

void opt_request_init(struct opt_request *req); /* full mode, defaults */

/* Log dirs to remove, parsed from "ID:DIR,ID:DIR,..." or Cruise Control's brokerid_and_logdirs
 * "ID-DIR,..." (DIR: a path or the dir's index among the broker's log dirs). */
struct opt_disk_list {
    struct opt_disk_ref *refs;
    int32_t n;
    char *buf; /* the dirs point into it */
};
/* -EINVAL with a message naming the item and its offset when `s` is malformed. */
int opt_disk_list_parse(const char *s, struct opt_disk_list *out, struct error *err);
void opt_disk_list_finish(struct opt_disk_list *l);

struct opt_goal_result {
    const char *name;
    const char *unit;               /* what the violation counts count (goal_impl.unit) */
    bool hard;
    enum goal_status status;
    int64_t violations_before;      /* on the placement planned, before any move */
    int64_t violations_at_start;    /* when its turn came, after the earlier goals' moves */
    int64_t violations_after;       /* on the final placement */
    bool changed;                   /* it moved replicas or leadership */
    char why[256];                  /* a soft goal satisfied before and VIOLATED after: why
                                       (which earlier goals' moves it could not undo); "" */
    double time_ms;
    int64_t bytes_moved_after;      /* bytes off their original broker once this goal ran */
    struct model_stats stats_after; /* cluster statistics after this goal ran */
};

enum opt_change {
    OPT_CHANGE_REPLICAS = 1u << 0, /* the replica set changed (inter-broker moves) */
    OPT_CHANGE_LEADER = 1u << 1,   /* the leader changed */
    OPT_CHANGE_ORDER = 1u << 2,    /* the preferred order changed */
    OPT_CHANGE_DIRS = 1u << 3,     /* a replica changed log dir on the same broker */
};

struct opt_proposal {
    int32_t partition; /* index, same in before and after */
    uint32_t changes;  /* enum opt_change bits */
};

struct opt_result {
    struct model_cluster *after; /* owned; changed partitions list their leader first */
    struct opt_proposal *proposals;
    int32_t nproposals;
    struct opt_goal_result goals[OPT_MAX_GOALS];
    int32_t ngoals;
    struct model_stats before, after_stats;
    int64_t num_replica_moves;      /* replicas placed on a broker that did not hold them */
    int64_t data_to_move;           /* bytes those replicas hold */
    int64_t num_intra_moves;        /* replicas moved between log dirs of one broker */
    int64_t intra_data_to_move;
    int64_t num_leader_moves;       /* partitions whose leader changed */
    int64_t lower_bound_bytes;      /* no plan reaching this balance moves fewer bytes */
    double balancedness_before;     /* 0..100, Cruise Control's on-demand score */
    double balancedness_after;
    int32_t excluded_topics;        /* topics the regex matched */
    double time_ms;
};

/* Plans `c` (not modified). On success *ret_result is set (free with opt_result_destroy).
 * Errors: -EINVAL for a bad request (unknown goal: the message lists the supported ones;
 * missing hard goals; unknown broker ids; bad regex; remove-disks: unknown broker or dir, a
 * broker left without an online log dir), -ENOSPC when remove-disks finds too little room on
 * the remaining dirs (the message names the broker, the dirs and the bytes needed and free),
 * or the failing hard goal's message. */
int opt_plan(const struct model_cluster *c, const struct opt_request *req,
             struct opt_result **ret_result, struct error *err);
void opt_result_destroy(struct opt_result *res);

/* A replication-factor change (optimizer/rf.c): every partition of the topics `topics` (a
 * POSIX extended regex matched against whole names) gets rf replicas, added rack-aware and
 * removed keeping the rack spread. */
struct opt_rf_request {
    const char *topics;
    int rf;
    bool skip_rack_check; /* allow rf above the number of racks holding usable brokers */
};
/* Plans it as an opt_result (no goals: ngoals 0) that the report and the executor take as
 * any plan. Errors with Cruise Control's messages: -ENOENT no topic matches, -EALREADY all are
 * at rf already, -EINVAL rf out of range, above the alive brokers or (without
 * skip_rack_check) the racks, or a partition to change has an offline replica. */
int opt_plan_rf(const struct model_cluster *c, const struct opt_rf_request *req,
                struct opt_result **ret_result, struct error *err);

#endif
