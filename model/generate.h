/* Synthetic clusters for the demo, property tests and the benchmark (docs/generator.md).
 * Seeded and deterministic: the same options give a byte-identical snapshot (own PRNG streams,
 * no libc rand, integer sizes, a fixed order of floating-point steps; across platforms only
 * the C library's exp, log and cos could differ in their last bits).
 *
 * Shape: zones > racks > brokers (rack i in zone i mod zones; brokers to racks round robin,
 * with uneven_racks the first rack takes two turns per cycle); topics whose popularity decays
 * exponentially; partition sizes lognormal times the topic's popularity (heavy-tailed); rates
 * proportional to size. Placement is rack aware (replicas on distinct zones, then distinct
 * racks, as evenly as the topology allows) and balanced in replica counts, leaders and bytes
 * at broker_skew 0; broker_skew weights brokers toward low indices. New brokers stay empty,
 * dead brokers keep their (offline) replicas, and exactly rack_violations partitions get two
 * replicas in one rack. Every broker gets explicit capacities.
 *
 * Cost: O(replicas * log brokers) time; memory is the model's arrays plus O(brokers). */
#ifndef MODEL_GENERATE_H
#define MODEL_GENERATE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "model/cluster.h"

/* Options; model_generate_defaults() gives the defaults noted here (docs/generator.md). */
struct model_generate_opts {
    uint64_t seed;            /* 1 */
    int32_t brokers;          /* 12: existing brokers (new ones come on top) */
    int32_t zones;            /* 3 */
    int32_t racks;            /* 3: rack i in zone i mod zones */
    bool uneven_racks;        /* false: rack 0 takes two brokers per cycle of the round robin */
    int32_t topics;           /* 20 */
    int64_t partitions;       /* 1000: total over all topics, split evenly */
    int rf;                   /* 3 */
    double mean_partition_bytes; /* 1e9 */
    double size_sigma;        /* 1.0: lognormal sigma of partition sizes */
    double topic_popularity;  /* 3.0: topic t weighs exp(-popularity * t / topics) */
    double broker_skew;       /* 0: even placement; 1: broker i's share ~ exp(-1.6 i / brokers) */
    int32_t new_brokers;      /* 0: empty brokers flagged BROKER_NEW */
    int32_t dead_brokers;     /* 0: the last existing brokers, BROKER_DEAD, replicas kept */
    int64_t rack_violations;  /* 0: exactly this many partitions get two replicas in a rack */
    int32_t log_dirs;         /* 2 per broker */
    double disk_capacity;     /* bytes per broker; 0 = sized (50% mean use, see the docs) */
    double nw_in_capacity;    /* bytes/s per broker; 0 = sized (40% mean use) */
    double nw_out_capacity;   /* bytes/s per broker; 0 = sized (40% mean use) */
    double cpu_capacity;      /* percent; 0 = 100 (one broker) */
    double total_nw_in;       /* 100e6: bytes/s produced to the cluster, split by size */
    double consumer_fanout;   /* 2.0: consumed bytes per produced byte */
    double non_preferred_leaders; /* 0.1: fraction of partitions led by their second replica */
    /* Clusters shaped by load rather than bytes (bench's "loaded" family, issue 16): */
    double broker_weight_power; /* 0: off; else broker i weighs (i + 1)^-power (replaces skew) */
    double fill_limit;        /* 0: off; else no broker is filled past this fraction of its
                                 disk, and placement goes largest partition first */
    bool independent_rates;   /* false: rates follow sizes; true: sizes lognormal only, rates
                                 follow topic popularity only */
    double disk_util;         /* 0: sized as above; else capacities give this mean utilisation */
    double nw_in_util;        /* 0 / mean network-in utilisation (replication in included) */
    double nw_out_util;       /* 0 / mean network-out utilisation, consumer bytes */
    double cpu_util;          /* 0 / mean CPU utilisation */
};

void model_generate_defaults(struct model_generate_opts *o);
/* Parses "--name value" or "--name=value" (names as in docs/generator.md; a flag may stand
 * alone) into o, over the values already there. -EINVAL with a message naming the option for
 * unknown options, missing values, non-numbers and values out of range. */
int model_generate_parse_args(struct model_generate_opts *o, int argc, char **argv,
                              struct error *err);
/* Usage text for the options (static string). */
const char *model_generate_usage(void);
/* Builds the cluster, finalized. -EINVAL with a message naming the option(s) when the options
 * are out of range or contradict each other (e.g. more racks than brokers); *ret_cluster is
 * set only on success and belongs to the caller (model_cluster_destroy). */
int model_generate(const struct model_generate_opts *o, struct model_cluster **ret_cluster,
                   struct error *err);

#endif
