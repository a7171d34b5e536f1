/* The search's working state (module search/, below goals/ and optimizer/): the cluster being
 * changed, its loads kept in step with every move, per-broker replica lists, and the acceptance
 * rule "a later goal never breaks an earlier one", asked of the goals through the interface in
 * search/goal_interface.h. Goals (goals/) see the cluster only through this context; the
 * optimizer (optimizer/) drives them over it.
 *
 * Replicas are named by their global index r in cluster->replicas (their slot never changes
 * while planning; a move changes only the replica's broker and dir). rep_part[r] gives the
 * partition. Every move and leadership change goes through search_move_apply and
 * search_leader_apply so the loads, the lists and the per-goal caches stay exact.
 *
 * No I/O, no logging; single-threaded. */
#ifndef SEARCH_CONTEXT_H
#define SEARCH_CONTEXT_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "model/cluster.h"

enum search_mode {
    SEARCH_MODE_FULL = 0,
    SEARCH_MODE_ADD_BROKERS,    /* replicas move only onto the named (new) brokers */
    SEARCH_MODE_REMOVE_BROKERS, /* only replicas on the named brokers move; they end empty */
    SEARCH_MODE_DEMOTE,         /* leadership off the named brokers; no replica moves */
    SEARCH_MODE_FIX_OFFLINE,    /* only offline replicas (dead brokers, offline dirs) move */
    SEARCH_MODE_REMOVE_DISKS,   /* replicas leave the named log dirs for their broker's other
                                dirs; only intra-broker moves */
};

/* Thresholds with Cruise Control's meaning and defaults (see search_thresholds_default). */
struct search_thresholds {
    double balance[RES_COUNT];      /* 1.10: allowed max/avg utilisation ratio */
    double balance_margin;          /* 0.9: the band actually aimed at is 1 +- (t-1)*margin */
    double capacity[RES_COUNT];     /* cpu 0.7, nw 0.8, disk 0.8 of capacity */
    int32_t max_replicas_per_broker; /* 10000 */
    double replica_balance;         /* 1.10 */
    double leader_balance;          /* 1.10 */
    double topic_replica_balance;   /* 3.0 */
    double low_utilization[RES_COUNT]; /* 0: below this average utilisation nothing is balanced */
    int32_t min_topic_leaders;      /* 1: leaders of each matching topic per broker */
    bool nw_out_replication;        /* false: network out (capacity and distribution goals,
                                       PotentialNwOutGoal) counts consumer bytes only, as Cruise
                                       Control does; true: leaders' replication bytes out too */
};

void search_thresholds_default(struct search_thresholds *th);

struct goal;

struct search_ctx {
    struct model_cluster *c;          /* the cluster being planned (a clone) */
    const struct model_cluster *orig; /* before planning */
    enum search_mode mode;
    struct search_thresholds th;

    struct model_broker_load *bl;     /* per broker, kept exact */
    double *disk_used;                /* per log dir, kept exact */
    int32_t *rep_part;                /* per replica: its partition */
    int32_t **blist;                  /* per broker: global replica indices on it */
    int32_t *blist_n, *blist_cap;
    int32_t *rep_pos;                 /* per replica: its position in blist[broker] */
    int8_t *deficit;                  /* per partition: model_partition_rack_deficit, kept exact */
    uint32_t *bversion;               /* per broker: bumped whenever its replicas change */

    bool *recv_ok;    /* per broker: may receive replicas at all (alive, kept, not excluded) */
    bool *dst_ok;     /* per broker: a destination for balancing moves in this mode */
    bool *src_only;   /* per broker: in remove mode, the brokers whose replicas may move */
    bool *lead_ok;    /* per broker: may lead */
    /* Add-brokers mode: set by a capacity goal that the new brokers alone could not satisfy,
     * while it sheds again onto any broker (hard goals hold in every mode). */
    bool shed_anywhere;

    /* Per topic per broker replica counts, [t * nbrokers + b]; NULL until a goal asks for them
     * with search_ctx_topic_counts(), then kept exact by every move. */
    int32_t *topic_count;
    /* Topics MinTopicLeadersPerBrokerGoal applies to (NULL = none). */
    bool *min_leader_topics;

    struct goal **goals;
    int ngoals;
    int active;       /* goals[0..active-1] are optimized and constrain later moves */

    int64_t bytes_away;               /* bytes of replicas now off their original broker */
    uint64_t changes;                 /* bumped by every move, dir move and leader change */
    int64_t replica_moves_applied;
    int64_t leader_moves_applied;
};

/* Builds the context over cluster `work` (taken over: destroyed by search_ctx_finish). */
void search_ctx_init(struct search_ctx *ctx, struct model_cluster *work,
                  const struct model_cluster *orig, enum search_mode mode,
                  const struct search_thresholds *th);
void search_ctx_finish(struct search_ctx *ctx);
/* How finely replica moves are confined under the goals already optimized: 2 when a rack goal
 * ran and every movable partition has exactly one replica per usable rack (no move can change
 * a rack's share), 1 when the same holds for zones, 0 otherwise. Disk, network-in and
 * replica-count targets are then per rack or per zone. */
int search_locked_level(const struct search_ctx *ctx);
/* Builds the per-topic broker counts if they are not there yet. */
void search_ctx_topic_counts(struct search_ctx *ctx);

static inline int search_rep_slot(const struct search_ctx *ctx, int64_t r)
{
    return (int)(r - ctx->c->partitions[ctx->rep_part[r]].first_replica);
}
static inline bool search_rep_is_leader(const struct search_ctx *ctx, int64_t r)
{
    return ctx->c->partitions[ctx->rep_part[r]].leader == search_rep_slot(ctx, r);
}
/* Load of replica r on whichever broker holds it (leader or follower as it is now). */
void search_rep_load(const struct search_ctx *ctx, int64_t r, double out[RES_COUNT]);
/* Utilisation of broker b for resource res (load / capacity). */
static inline double search_util(const struct search_ctx *ctx, int32_t b, int res)
{
    return ctx->bl[b].load[res] / ctx->c->brokers[b].capacity[res];
}

/* Structural checks for moving replica r to broker dst: dst may receive, does not hold the
 * partition already, and the mode allows the move. Replicas that must move (dead or removed
 * broker, offline dir) may go to any receiving broker. Otherwise full mode allows every move,
 * add-brokers moves onto new brokers only, and every mode but demote allows a move that lowers
 * the partition's rack deficit and a move back to the replica's original broker (going home
 * costs nothing); every mode but demote and add-brokers also a move off a broker above a
 * capacity limit (hard goals hold; in add-brokers mode the new brokers take that load, and
 * old brokers only what the new ones cannot: shed_anywhere).
 * Replicas of excluded topics move only when they must. Does not ask the goals. */
bool search_move_allowed(const struct search_ctx *ctx, int64_t r, int32_t dst);
/* Whether broker b's load exceeds a capacity threshold in any resource. */
bool search_over_capacity(const struct search_ctx *ctx, int32_t b);
/* search_move_allowed plus every active goal's accept_move. */
bool search_move_ok(const struct search_ctx *ctx, int64_t r, int32_t dst);
/* Could a replica of src move to dst as far as the active goals' broker-level conditions
 * (accept_pair) go? False means search_move_ok refuses every replica of src for dst; it stays
 * false while src only loses and dst only gains replicas. */
bool search_pair_ok(const struct search_ctx *ctx, int32_t src, int32_t dst);
/* May replica x move to y's broker while y moves to x's broker? Structure for both moves,
 * then every active goal judges the swap as one change (accept_swap, or both moves alone). */
bool search_swap_ok(const struct search_ctx *ctx, int64_t x, int64_t y);
/* Applies the move; picks dst's least used log dir. */
void search_move_apply(struct search_ctx *ctx, int64_t r, int32_t dst);
/* Applies a move into a named log dir of the same broker (intra-broker). */
void search_dir_apply(struct search_ctx *ctx, int64_t r, int16_t dir);

/* May leadership of partition p go to `slot`? (lead_ok, replica online, active goals.) */
bool search_leader_ok(const struct search_ctx *ctx, int32_t p, int slot);
/* Swaps slots a and b of p's replica list (preference order; the leader follows its replica),
 * keeping the per-broker replica lists exact. Loads do not change. */
void search_slots_swap(struct search_ctx *ctx, int32_t p, int a, int b);
void search_leader_apply(struct search_ctx *ctx, int32_t p, int slot);

/* True when the replica must leave its broker (dead broker, offline dir, removed broker). */
bool search_rep_must_move(const struct search_ctx *ctx, int64_t r);

/* The least-used (by utilisation) log dir of broker b that is online and not being removed;
 * -1 if none. */
int16_t search_best_dir(const struct search_ctx *ctx, int32_t b);

#endif
