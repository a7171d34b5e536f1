/* A test helper, not linked into ballast: an in-memory Kafka cluster behind the executor's
 * operations table (executor/cluster.h), for unit tests and the executor benchmark. It keeps
 * what the executor can see and change: brokers (up or down) with log dirs, partitions with replica lists in Kafka's order,
 * leaders, replica dirs and sizes, reassignments in progress (the executor's and other
 * tools'), and dynamic configs (broker throttle rates, topic throttled-replica lists).
 *
 * It behaves as Kafka does where the executor depends on it:
 * - a reassignment lists the target's replicas first, then the original ones it drops
 *   (Kafka's merged list); it completes after `move_polls` polls (each
 *   ListPartitionReassignments or snapshot is a poll) unless a replica it adds is on a down
 *   broker; a cancel puts back the original set in the merged order, as Kafka does;
 *   a reassignment that adds no replica completes at once;
 * - the leader stays unless it leaves the replica list (then the first live replica leads);
 *   a preferred election fails with PREFERRED_LEADER_NOT_AVAILABLE (80) when the preferred
 *   replica's broker is down;
 * - AlterReplicaLogDirs for a replica a broker does not hold yet answers
 *   REPLICA_NOT_AVAILABLE and the replica is created in that dir when it arrives;
 * - APPEND/SUBTRACT edit comma lists entry by entry; "*" is a list like any other to it.
 * Time is its own: `now` starts at 1e9 and `sleep` only moves it forward.
 * Errors look like the admin client's ("NAME (code): message", -EINVAL or -EAGAIN). */
#ifndef EXECUTOR_FAKE_CLUSTER_H
#define EXECUTOR_FAKE_CLUSTER_H

#include <stdbool.h>
#include <stdint.h>

#include "executor/cluster.h"

enum fake_op {
    FAKE_REASSIGN,
    FAKE_LIST,
    FAKE_DESCRIBE,
    FAKE_ALTER,
    FAKE_ELECT,
    FAKE_LOG_DIRS,
    FAKE_SNAPSHOT,
    FAKE_NOPS
};

struct fake_cluster;

struct fake_cluster *fake_create(void);
void fake_destroy(struct fake_cluster *f); /* accepts NULL */
/* The operations table over f (borrowed: valid until fake_destroy). */
struct exec_cluster *fake_ops(struct fake_cluster *f);

/* Polls a reassignment or a log-dir move takes (default 2). */
void fake_set_move_polls(struct fake_cluster *f, int polls);
/* Records, after each change, the most reassignments in progress per broker (a broker counts
 * a reassignment it is an original or an added replica of). Costs a scan per change. */
void fake_track_concurrency(struct fake_cluster *f, bool on);
int fake_max_concurrency(const struct fake_cluster *f);

/* dirs: comma list of log dirs ("/d0,/d1"); NULL: "/data". */
void fake_add_broker(struct fake_cluster *f, int32_t id, const char *dirs);
void fake_set_down(struct fake_cluster *f, int32_t id, bool down);
/* Partitions of a topic must be added in a row; the leader is replicas[0], each replica in
 * its broker's first dir. */
void fake_add_partition(struct fake_cluster *f, const char *topic, int32_t partition,
                        const int32_t *replicas, int n, int64_t size);
/* Starts another tool's reassignment of the partition (never finishes unless `finishes`). */
void fake_start_foreign(struct fake_cluster *f, const char *topic, int32_t partition,
                        const int32_t *target, int n, bool finishes);
/* The partition's reassignment never completes (a stuck move) or completes again. */
void fake_set_stuck(struct fake_cluster *f, const char *topic, int32_t partition, bool stuck);

/* Dynamic config of a resource (type KAFKA_RESOURCE_*; a broker as its id in text); value
 * NULL deletes it. */
void fake_set_config(struct fake_cluster *f, int8_t type, const char *resource,
                     const char *key, const char *value);
const char *fake_config(const struct fake_cluster *f, int8_t type, const char *resource,
                        const char *key);
/* A broker config deleted through alter_configs is still described with its old value for
 * the next `describes` describes of it (0, the default: never), as a ZooKeeper-mode broker
 * that has not yet applied the change from ZooKeeper; fake_config shows the truth. */
void fake_set_stale_deletes(struct fake_cluster *f, int describes);
/* An APPEND onto a list config that is absent or empty stores it with an empty first entry
 * (",0:1,0:2"), as Kafka 2.8 does; its brokers then fail to parse the list and never apply
 * it. Off by default. */
void fake_set_kafka28_append(struct fake_cluster *f, bool on);

/* The next `times` calls of op fail with rc and message msg (e.g. "NOT_CONTROLLER (41): ..."). */
void fake_fail(struct fake_cluster *f, enum fake_op op, int rc, const char *msg, int times);
int fake_calls(const struct fake_cluster *f, enum fake_op op);
/* IncrementalAlterConfigs calls on topic resources. */
int fake_topic_alters(const struct fake_cluster *f);
/* fn(f, arg) runs at every poll, before moves advance: a test's look at the cluster mid-way. */
void fake_set_poll_hook(struct fake_cluster *f, void (*fn)(struct fake_cluster *, void *),
                        void *arg);

/* The partition as it stands: replicas (Kafka's order), leader id (-1 none), dir of a
 * broker's replica (NULL none). */
int fake_replicas(const struct fake_cluster *f, const char *topic, int32_t partition,
                  int32_t *out);
int32_t fake_leader(const struct fake_cluster *f, const char *topic, int32_t partition);
const char *fake_dir(const struct fake_cluster *f, const char *topic, int32_t partition,
                     int32_t broker);
bool fake_in_progress(const struct fake_cluster *f, const char *topic, int32_t partition);
int fake_ninprogress(const struct fake_cluster *f);

#endif
