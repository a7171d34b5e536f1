/* Cluster snapshots: the JSON a person can write by hand, `ballast snapshot` writes from a
 * live cluster, the generator writes, and the planner reads (format: docs/snapshot.md).
 *
 * Parsing is strict: unknown or repeated fields, wrong types, fractions where integers belong,
 * integers beyond 2^53 (they could not be held exactly), unknown brokers, duplicates, negative
 * sizes, more replicas than brokers, leaders or ISR members outside the replica list and log
 * dirs the broker does not have are errors whose message names the file, the place and the
 * problem: `snap.json: topics[2] "orders" partitions[5].replicas[1]: unknown broker 17`.
 * Syntax errors give line and column. cJSON never holds more than one partition (or the
 * brokers list) at a time, so memory is the text plus the model.
 *
 * Dumping is deterministic and lossless: the same cluster gives the same bytes, and
 * parse(dump(c)) dumps to the same bytes again.
 *
 * Capacities: a broker's own "capacity" sets brokers[b].capacity[r] and bit r of capacity_set;
 * a broker with no "diskBytes" whose log dirs all give capacityBytes gets their sum. The
 * snapshot's "defaultCapacity" fills what a broker leaves out. The plain parse applies it at
 * once (model_capacities_apply) and so fail when a broker is left without a capacity. The _ex
 * forms apply nothing and hand the default to the caller, who merges it below a configuration
 * table (precedence: table entry for the broker > the broker's own value > table default >
 * snapshot default):
 *
 *     struct model_capacity_table snap = {0};
 *     r = model_snapshot_parse_ex(buf, len, path, &snap, &c, err);
 *     model_snapshot_merge_defaults(&config_table, &snap);
 *     r = model_capacities_apply(c, &config_table, err);
 *
 * Ownership: buffers and names are borrowed; returned clusters and strings belong to the
 * caller (model_cluster_destroy, free). Nothing here logs or touches files: callers read and
 * write them (common/file: file_read with MODEL_SNAPSHOT_MAX_BYTES, file_write_atomic). */
#ifndef MODEL_SNAPSHOT_H
#define MODEL_SNAPSHOT_H

#include <stddef.h>

#include "common/error.h"
#include "model/cluster.h"

#define MODEL_SNAPSHOT_VERSION 1
#define MODEL_SNAPSHOT_MAX_BYTES (2048ull * 1024 * 1024) /* the most a reader should accept */
#define MODEL_SNAPSHOT_MAX_BROKERS 100000
#define MODEL_SNAPSHOT_MAX_RACKS 10000
#define MODEL_SNAPSHOT_MAX_LOG_DIRS 256 /* per broker */
#define MODEL_SNAPSHOT_MAX_TOPICS 1000000
#define MODEL_SNAPSHOT_MAX_PARTITIONS 1000000 /* per topic */
#define MODEL_SNAPSHOT_MAX_REPLICAS 100000000ll
#define MODEL_SNAPSHOT_MAX_NAME 4096 /* bytes in a rack, host, path... (topics: Kafka's 249) */

/* Parses the snapshot in buf (len bytes, need not end in NUL). `name` (may be NULL) starts
 * every message. On success *ret_cluster is finalized and every broker has every capacity.
 * Errors: -EINVAL with the message in err; *ret_cluster untouched. */
int model_snapshot_parse(const char *buf, size_t len, const char *name,
                         struct model_cluster **ret_cluster, struct error *err);
/* As above without applying capacities: *ret_defaults (may be NULL) receives the snapshot's
 * defaultCapacity in its dflt (n = 0, nothing to free); brokers keep only what the snapshot
 * gave them. */
int model_snapshot_parse_ex(const char *buf, size_t len, const char *name,
                            struct model_capacity_table *ret_defaults,
                            struct model_cluster **ret_cluster, struct error *err);

/* Copies into into->dflt every default (resource or numCores) it lacks and from->dflt has. */
void model_snapshot_merge_defaults(struct model_capacity_table *into,
                                   const struct model_capacity_table *from);

/* The snapshot of a finalized cluster as JSON text: a heap string, the caller frees it. */
char *model_snapshot_dump(const struct model_cluster *c);
/* The same with "defaultCapacity" taken from defaults->dflt when it sets anything (defaults
 * may be NULL). */
char *model_snapshot_dump_ex(const struct model_cluster *c,
                             const struct model_capacity_table *defaults);

#endif
