/* Plan output: Cruise Control's optimization-result JSON (what its REST API, the Strimzi
 * operator and cccli read), the reassignment file kafka-reassign-partitions.sh --execute
 * accepts, Cruise Control's broker-load JSON, and a readable text summary. JSON units follow
 * Cruise Control: disk in MB (2^20 bytes), network in KB/s (2^10 bytes), CPU in percent. The
 * text summary is decimal and says so: GB = 10^9 bytes, MB/s = 10^6 bytes/s.
 * Output is deterministic (model order). Returned cJSON trees and strings belong to the
 * caller. */
#ifndef OPTIMIZER_REPORT_H
#define OPTIMIZER_REPORT_H

#include <cJSON.h>
#include <stdbool.h>
#include <stdio.h>

#include "model/cluster.h"
#include "optimizer/optimizer.h"

struct opt_report_opts {
    bool verbose;                  /* add loadBeforeOptimization and proposals */
    int recent_windows;            /* what backed the load (0 when only disk sizes did) */
    double monitored_partitions_pct; /* 100 unless a sampler says otherwise */
    const struct search_thresholds *th; /* the plan's; NULL = the defaults (provisionRecommendation) */
};

/* `before` is the cluster that was planned (opt_plan's input). */
cJSON *opt_report_optimization_result(const struct model_cluster *before,
                                      const struct opt_result *res,
                                      const struct opt_report_opts *o);
/* {"hosts": [...], "brokers": [...]}: Cruise Control's BrokerStats shape. */
cJSON *opt_report_broker_stats(const struct model_cluster *c);
/* Cruise Control's ClusterModelStats shape for statistics st. */
cJSON *opt_report_cluster_stats(const struct model_stats *st);
/* {"version":1,"partitions":[{"topic","partition","replicas",["log_dirs"]}]}: changed
 * partitions only, new leader first. */
char *opt_report_reassignment_json(const struct model_cluster *before,
                                   const struct opt_result *res);
/* The before/after summary; th (NULL = the defaults) sizes the provisioning advice printed
 * when a capacity goal is left violated. */
void opt_report_text(FILE *out, const struct model_cluster *before, const struct opt_result *res,
                     const struct search_thresholds *th);

#endif
