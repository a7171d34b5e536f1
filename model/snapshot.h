/* Cluster snapshots: the JSON a person can write by hand, `ballast snapshot` writes from a
 * live cluster, the generator writes, and the planner reads (format: docs/snapshot.md).
 *
 * Parsing is strict: unknown fields, wrong types, non-integers where integers belong, unknown
 * brokers, duplicates, negative sizes, RF above the broker count, leaders or ISR members
 * outside the replica list, and log dirs the broker does not have are errors whose message
 * names the file, the place ("topics[2] \"orders\" partitions[5].replicas[1]") and the
 * problem. Dumping is deterministic and lossless: parse(dump(c)) dumps to the same bytes. */
#ifndef MODEL_SNAPSHOT_H
#define MODEL_SNAPSHOT_H

#include <stddef.h>

#include "common/error.h"
#include "model/cluster.h"

#define MODEL_SNAPSHOT_MAX_BYTES (2048ull * 1024 * 1024)

/* Parses a snapshot held in buf (len bytes; `name` is used in messages). The cluster returned
 * is finalized. The snapshot's "defaultCapacity" goes to *ret_defaults when that is not NULL
 * (the caller merges it below its configuration's table: model_capacity_table_fill_defaults);
 * when it is NULL, the defaults are applied at once and a broker left without a capacity is an
 * error. Takes no ownership of buf. */
int model_snapshot_parse(const char *buf, size_t len, const char *name,
                         struct model_cluster **ret_cluster,
                         struct model_capacity_table *ret_defaults, struct error *err);
/* Reads and parses a file (at most MODEL_SNAPSHOT_MAX_BYTES). */
int model_snapshot_load(const char *path, struct model_cluster **ret_cluster,
                        struct model_capacity_table *ret_defaults, struct error *err);
/* The snapshot as JSON text (heap string, caller frees). `defaults` may be NULL. */
char *model_snapshot_dump(const struct model_cluster *c,
                          const struct model_capacity_table *defaults);
/* Writes the dump to path ("-" = stdout) through a temporary file and rename. */
int model_snapshot_save(const struct model_cluster *c,
                        const struct model_capacity_table *defaults, const char *path,
                        struct error *err);
/* Copies into t->dflt every default resource t lacks and from has. */
void model_capacity_table_fill_defaults(struct model_capacity_table *t,
                                        const struct model_capacity_table *from);

#endif
