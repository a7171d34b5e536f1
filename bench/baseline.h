/* Baselines the benchmark measures Ballast against, in the same run.
 *
 * bench_kafka_generate: the placement `kafka-reassign-partitions.sh --generate` proposes, as
 * Kafka describes it (re-implemented here, labelled as such in results): brokers listed
 * alternating by rack; per topic a random start index and a random shift; partition i's first
 * replica at (start + i) mod n, its followers stepping from there by the shift, skipping brokers
 * in racks already used while unused racks remain. Deterministic for a seed. Only usable
 * brokers are candidates; partitions of excluded topics keep their placement. */
#ifndef BENCH_BASELINE_H
#define BENCH_BASELINE_H

#include <stdint.h>

#include "model/cluster.h"

/* Returns a clone of c with every partition placed as --generate would; leaders = slot 0. */
struct model_cluster *bench_kafka_generate(const struct model_cluster *c, uint64_t seed);

#endif
