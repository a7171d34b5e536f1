/* Per-partition load from per-broker rates (the output of the samplers and windows), written
 * into the model's partitions (nw_in, nw_out, cpu_leader, cpu_follower):
 *
 * - Kafka measures bytes-in and bytes-out per topic per broker, where only the leader takes
 *   produce and consumer traffic. A topic's rate on a broker is split among the partitions of
 *   that topic the broker leads, in proportion to their log size growth there, or evenly when
 *   no growth is known. A broker with totals but no per-topic series splits its totals among
 *   all the partitions it leads the same way.
 * - Replication is not estimated separately: the model derives a leader's replication
 *   bytes-out (nw_in times followers) and each follower's bytes-in from nw_in.
 * - CPU uses Cruise Control's weights (leader bytes-in 0.7, leader bytes-out 0.15, follower
 *   bytes-in 0.15 by default). With a CPU metric, each broker's measured CPU is shared among
 *   its replicas in proportion to their weighted bytes; without one, a replica's CPU is its
 *   weighted bytes over the broker's network-in capacity (a broker saturated at its inbound
 *   capacity counts as 100 %).
 *
 * Partitions whose leader has no rates get zero rates and count as not monitored. */
#ifndef MONITOR_ESTIMATE_H
#define MONITOR_ESTIMATE_H

#include <stdint.h>

#include "common/error.h"
#include "model/cluster.h"

struct mon_topic_rate {
    const char *topic;
    double in, out; /* bytes/s; NAN = unknown */
};

struct mon_part_growth {
    const char *topic;
    int32_t partition;
    double growth; /* bytes/s of log size on this broker; NAN = unknown */
};

struct mon_broker_rates {
    int32_t broker_id;
    double bytes_in, bytes_out, repl_bytes_in; /* broker totals, bytes/s; NAN = unknown */
    double cpu_pct; /* percent of the whole broker (100 = every core busy); NAN = unknown */
    const struct mon_topic_rate *topics;
    int32_t ntopics;
    const struct mon_part_growth *parts; /* sorted by topic, partition */
    int32_t nparts;
};

struct mon_cpu_weights {
    double leader_in, leader_out, follower_in;
};
extern const struct mon_cpu_weights mon_cc_cpu_weights; /* 0.7, 0.15, 0.15 */

struct mon_estimate_stats {
    int32_t partitions;
    int32_t monitored;        /* partitions whose leader had rates */
    int32_t brokers_with_rates;
    int32_t unknown_brokers;  /* rates for ids the model does not have (ignored) */
    int32_t unknown_topics;   /* topic series the model does not have (ignored) */
};

/* Overwrites every partition's rates in c (finalized). rates may name brokers in any order;
 * each broker at most once (-EINVAL otherwise). weights NULL = Cruise Control's.
 * nw_in_capacity[broker index] (NULL = the model's capacities) scales CPU without a CPU metric. */
int mon_estimate(struct model_cluster *c, const struct mon_broker_rates *rates, int32_t n,
                 const struct mon_cpu_weights *weights, const double *nw_in_capacity,
                 struct mon_estimate_stats *ret, struct error *err);
/* qsort order of mon_part_growth (topic, partition), which mon_broker_rates.parts must have. */
int mon_part_growth_cmp(const void *a, const void *b);

#endif
