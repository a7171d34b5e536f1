/* Synthetic clusters for the demo, property tests and the benchmark. Seeded and
 * deterministic: the same options give a byte-identical snapshot on every machine (own PRNG,
 * no libc rand, integer sizes).
 *
 * Shape: zones > racks > brokers (brokers assigned to racks round robin; with uneven_racks the
 * first rack gets twice the share), topics whose popularity decays exponentially, partition
 * sizes lognormal times the topic's popularity (heavy-tailed), rates proportional to size.
 * Placement starts rack-aware (Kafka's rack-alternating round robin), then broker_skew moves
 * replicas toward low-numbered brokers within their rack, new brokers stay empty, dead brokers
 * keep their (offline) replicas, and exactly rack_violations partitions get two replicas in one
 * rack. Capacities are explicit on every broker. */
#ifndef MODEL_GENERATE_H
#define MODEL_GENERATE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "model/cluster.h"

struct model_generate_opts {
    uint64_t seed;
    int32_t brokers;          /* existing brokers (new ones come on top) */
    int32_t zones;
    int32_t racks;            /* spread over zones round robin */
    bool uneven_racks;        /* the first rack gets twice the brokers of the others */
    int32_t topics;
    int64_t partitions;       /* total over all topics */
    int rf;
    double mean_partition_bytes;
    double size_sigma;        /* lognormal sigma of partition sizes */
    double topic_popularity;  /* exponential decay rate of topic weight over topic index */
    double broker_skew;       /* 0 = even placement; 1 = strongly toward low brokers */
    int32_t new_brokers;      /* empty brokers flagged BROKER_NEW */
    int32_t dead_brokers;     /* brokers flagged BROKER_DEAD, keeping their replicas */
    int64_t rack_violations;  /* partitions with two replicas in one rack */
    int32_t log_dirs;         /* per broker */
    double disk_capacity;     /* bytes per broker; 0 = sized for ~50% utilisation */
    double nw_in_capacity;    /* bytes/s per broker; 0 = sized for ~40% utilisation */
    double nw_out_capacity;   /* 0 = sized for ~40% utilisation */
    double total_nw_in;       /* bytes/s produced to the cluster; 0 = none */
    double consumer_fanout;   /* consumed bytes per produced byte */
};

void model_generate_defaults(struct model_generate_opts *o);
/* Parses "--name value" pairs (names as in docs/generator.md) into o; errors name the
 * option. Unknown options are errors. */
int model_generate_parse_args(struct model_generate_opts *o, int argc, char **argv,
                              struct error *err);
/* Usage text for the options (static string). */
const char *model_generate_usage(void);
int model_generate(const struct model_generate_opts *o, struct model_cluster **ret_cluster,
                   struct error *err);

#endif
