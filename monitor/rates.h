/* Rate samples: what the samplers that read rates rather than counters (the Prometheus
 * server's query_range, Cruise Control's metrics topic) hand to the monitor's windows. Each is
 * one value of one metric of one broker (and topic, and partition) at one time; the monitor
 * files them under the same entities as the JMX exporter's counter deltas, so windows and
 * estimates work the same whatever the sampler. */
#ifndef MONITOR_RATES_H
#define MONITOR_RATES_H

#include <stddef.h>
#include <stdint.h>

enum mon_rate_kind {
    MON_RATE_BYTES_IN,    /* broker: produce bytes/s (all topics) */
    MON_RATE_BYTES_OUT,   /* broker: consumer bytes/s */
    MON_RATE_REPL_IN,     /* broker: replication bytes/s in */
    MON_RATE_CPU_CORES,   /* broker: cores busy (the monitor divides by numCores) */
    MON_RATE_CPU_PCT,     /* broker: percent of the whole broker */
    MON_RATE_TOPIC_IN,    /* topic on a broker: produce bytes/s */
    MON_RATE_TOPIC_OUT,   /* topic on a broker: consumer bytes/s */
    MON_RATE_GROWTH,      /* partition on a broker: log size growth, bytes/s */
};

struct mon_rate {
    enum mon_rate_kind kind;
    int32_t broker_id;
    char *topic;          /* topic kinds and MON_RATE_GROWTH; else NULL */
    int32_t partition;    /* MON_RATE_GROWTH; else -1 */
    int64_t t_ms;
    double value;         /* finite */
};

/* A growable list of rate samples; owns every topic string. */
struct mon_rates {
    struct mon_rate *v;
    int32_t n;
    size_t cap;
};

/* Appends a sample (topic copied; NULL for broker kinds). */
void mon_rates_add(struct mon_rates *r, enum mon_rate_kind kind, int32_t broker_id,
                   const char *topic, int32_t partition, int64_t t_ms, double value);
/* Sorts by (kind, broker, topic, partition, time) and sums samples of one key and time
 * (series that differ only in other labels). */
void mon_rates_merge(struct mon_rates *r);
void mon_rates_finish(struct mon_rates *r); /* accepts zeroed */

#endif
