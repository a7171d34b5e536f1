/* The load monitor: runs a sampler against the brokers of a cluster model, turns counters into
 * rates (per broker, per topic per broker, log size growth per partition, CPU), keeps them in
 * windows (monitor/window.h) and writes per-partition estimates (monitor/estimate.h) into a
 * model, with what backed them (model load_windows, load_monitored_pct).
 *
 * Rates exist from a broker's second successful scrape on: counter deltas over the time
 * between the two scrapes (the middle of each request). A counter that went down (restart)
 * counts from 0; a topic series that appeared since the previous scrape counts from 0 (Kafka
 * registers it on the topic's first traffic). A broker whose scrape fails is logged and
 * skipped; the others go on. Single-threaded. */
#ifndef MONITOR_MONITOR_H
#define MONITOR_MONITOR_H

#include <stdint.h>

#include "common/error.h"
#include "model/cluster.h"
#include "monitor/settings.h"

struct mon_monitor;
struct kafka_opts;

/* What the monitor works from (not the whole configuration): its settings, the capacity
 * table (numCores for CPU, network-in capacity for the estimates) and, for a sampler that
 * consumes a topic (cruiseControlMetrics), how to reach Kafka. Everything is borrowed and
 * must outlive the monitor. */
struct mon_options {
    const struct mon_settings *monitor;
    const struct model_capacity_table *capacity; /* NULL: none */
    const struct kafka_opts *kafka;              /* NULL: PLAINTEXT, defaults */
    const char *bootstrap; /* the brokers to dial when monitor.cruiseControlMetrics names none */
};

/* o is copied; what it points to is borrowed. */
struct mon_monitor *mon_monitor_create(const struct mon_options *o);
void mon_monitor_destroy(struct mon_monitor *m); /* accepts NULL */

/* The URL of broker b's metrics (endpoints table, else the template with {host} from the
 * broker's host without port and {id}); heap string, or NULL when there is none. */
char *mon_endpoint_url(const struct mon_settings *mc, const struct model_cluster *c, int32_t b);

/* One sampling round: scrapes every live broker of c once (jmxExporter), or asks the
 * Prometheus server for the range since the previous round (prometheus). Returns how many
 * brokers answered (0 is not an error: each failure is logged with its reason). When
 * ret_result is not NULL (c->nbrokers entries, by broker index) it gets each broker's result:
 * MON_SAMPLE_OK, MON_SAMPLE_FAILED (no answer, no rates, no endpoint) or MON_SAMPLE_SKIPPED
 * (dead: not asked). */
enum { MON_SAMPLE_SKIPPED = -1, MON_SAMPLE_FAILED = 0, MON_SAMPLE_OK = 1 };
int mon_monitor_sample(struct mon_monitor *m, const struct model_cluster *c, int8_t *ret_result);

/* Files rate samples (from a sampler that reads rates, monitor/rates.h) into the windows, as
 * mon_monitor_sample does with its own. Samples older than the windows kept are dropped. */
struct mon_rates;
void mon_monitor_add_rates(struct mon_monitor *m, const struct mon_rates *r);

/* Measured per-broker rates of the last sample round, for reports (bytes/s, NAN = none). */
int mon_monitor_broker_rates(const struct mon_monitor *m, int32_t broker_id, int64_t now_ms,
                             double *ret_bytes_in, double *ret_repl_in, double *ret_bytes_out);

/* Writes estimates as of now_ms into c's partitions and sets c's load fields. */
int mon_monitor_apply(struct mon_monitor *m, struct model_cluster *c, int64_t now_ms,
                      struct error *err);

#endif
