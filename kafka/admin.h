/* Ballast's Kafka admin client, second part: the requests that change a cluster or ask about
 * it beyond Metadata and DescribeLogDirs — AlterPartitionReassignments,
 * ListPartitionReassignments, ElectLeaders, DescribeCluster, DescribeConfigs,
 * IncrementalAlterConfigs, AlterReplicaLogDirs — and `struct kafka_admin`,
 * one connection per broker with routing (any broker, or the broker a request concerns) and
 * reconnection after I/O failures, so a caller can retry.
 *
 * Replies are untrusted (kafka/wire.h). Kafka errors come back typed (kafka/errors.h: err->kafka
 * holds the code, name and retriability; the message reads "broker 3: INVALID_CONFIG (40): ...")
 * with -EAGAIN when retriable and -EINVAL otherwise; I/O failures as negative errno. */
#ifndef KAFKA_ADMIN_H
#define KAFKA_ADMIN_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "kafka/client.h"

#define KAFKA_MAX_CONFIG_VALUE (1024 * 1024)

enum kafka_resource_type {
    KAFKA_RESOURCE_TOPIC = 2,
    KAFKA_RESOURCE_BROKER = 4,
};

struct kafka_node {
    int32_t id, port;
    char host[256];
    char rack[256]; /* "" when none */
};

struct kafka_cluster_info {
    char cluster_id[128];
    int32_t controller; /* -1 when unknown */
    struct kafka_node *brokers;
    int nbrokers;
};

/* DescribeCluster v1 (v0 fallback). info->brokers is heap; kafka_cluster_info_free frees it. */
int kafka_describe_cluster(struct kafka_conn *c, struct kafka_cluster_info *info,
                           struct error *err);
void kafka_cluster_info_free(struct kafka_cluster_info *info);

/* Config sources as Kafka numbers them. */
enum kafka_config_source {
    KAFKA_CONFIG_DYNAMIC_TOPIC = 1,
    KAFKA_CONFIG_DYNAMIC_BROKER = 2,
    KAFKA_CONFIG_DYNAMIC_DEFAULT_BROKER = 3,
    KAFKA_CONFIG_STATIC_BROKER = 4,
    KAFKA_CONFIG_DEFAULT = 5,
};

struct kafka_config_entry {
    char *name;
    char *value; /* NULL: null (e.g. sensitive) */
    int8_t source;
    bool read_only, sensitive;
};

/* DescribeConfigs (v4 flexible, v1..v3 otherwise) of one resource; keys NULL (nkeys 0) asks
 * for every config. Broker resources must be asked of that broker (kafka_admin_broker). */
int kafka_describe_configs(struct kafka_conn *c, int8_t type, const char *resource,
                           const char *const *keys, int nkeys, struct kafka_config_entry **ret,
                           int *ret_n, struct error *err);
void kafka_config_entries_free(struct kafka_config_entry *e, int n);
/* The entry called name, or NULL. */
const struct kafka_config_entry *kafka_config_find(const struct kafka_config_entry *e, int n,
                                                   const char *name);

enum kafka_config_op {
    KAFKA_CONFIG_SET = 0,
    KAFKA_CONFIG_DELETE = 1,
    KAFKA_CONFIG_APPEND = 2,   /* list configs: adds the entries not present */
    KAFKA_CONFIG_SUBTRACT = 3, /* list configs: removes the entries given */
};

struct kafka_config_alter {
    int8_t type;
    const char *resource; /* topic name or broker id as text */
    const char *name;
    int8_t op;
    const char *value; /* NULL for DELETE */
};

/* IncrementalAlterConfigs (v1 flexible, v0 otherwise); consecutive entries of one resource go
 * together. Any per-resource error fails the call naming the resource; the others may have
 * been applied. */
int kafka_incremental_alter_configs(struct kafka_conn *c, const struct kafka_config_alter *a,
                                    int n, struct error *err);

struct kafka_log_dir_move {
    const char *dir; /* absolute log dir path on the broker */
    const char *topic;
    int32_t partition;
};

/* AlterReplicaLogDirs (v2 flexible, v1 otherwise) sent to the broker holding the replicas;
 * consecutive entries of one dir and topic go together. */
int kafka_alter_replica_log_dirs(struct kafka_conn *c, const struct kafka_log_dir_move *m, int n,
                                 struct error *err);

/* One partition's target replica list (first = preferred leader); replicas NULL = cancel. */
struct kafka_reassignment {
    const char *topic;
    int32_t partition;
    const int32_t *replicas;
    int nreplicas;
};

/* AlterPartitionReassignments v0 (the controller with ZooKeeper, kafka_admin_controller; any
 * broker with KRaft, which forwards to the controller). Per-partition
 * errors (retriable ones as -EAGAIN) fail the call with "topic t partition p: NAME (code): message" for the first of them
 * and the count of the others. */
int kafka_alter_reassignments(struct kafka_conn *c, const struct kafka_reassignment *r, int n,
                              int timeout_ms, struct error *err);

struct kafka_ongoing {
    char topic[256];
    int32_t partition;
    int32_t replicas[MODEL_MAX_RF], adding[MODEL_MAX_RF], removing[MODEL_MAX_RF];
    int nreplicas, nadding, nremoving;
};

/* ListPartitionReassignments v0 for every partition; *ret (heap, caller frees) gets those in
 * progress. A partition is done when it is no longer listed. A list of more than MODEL_MAX_RF
 * replicas is -ENOTSUP naming the partition (never cut short silently). */
int kafka_list_reassignments(struct kafka_conn *c, struct kafka_ongoing **ret, int *ret_n,
                             struct error *err);

/* ElectLeaders v2, PREFERRED, for the given partitions. A partition whose preferred replica
 * already leads (ELECTION_NOT_NEEDED) is not an error. */
int kafka_elect_preferred(struct kafka_conn *c, const char *const *topics,
                          const int32_t *partitions, int n, int timeout_ms, struct error *err);

/* Decodes a reply body of api at version, as the requests do, and throws the result away: the
 * fuzz target's entry and a check for recorded replies. Supported: Metadata v12,
 * DescribeLogDirs v2..4, DescribeConfigs v4, AlterReplicaLogDirs v2, ElectLeaders v2,
 * IncrementalAlterConfigs v1, AlterPartitionReassignments v0, ListPartitionReassignments v0,
 * DescribeCluster v0..1. Kafka errors in a well-formed reply are not failures; -EPROTO with the
 * field and offset on bad bytes, -ENOTSUP for other APIs. */
int kafka_decode_reply(int16_t api, int version, const uint8_t *body, size_t len,
                       struct error *err);

/* Per broker connections. Connections are opened on first use; one on which a call failed
 * (kafka_conn_broken) is closed and reopened by the next kafka_admin_any/kafka_admin_broker,
 * so callers just retry. */
struct kafka_admin;

/* Connects to the bootstrap list and learns the brokers with DescribeCluster. opts is copied
 * by reference: its strings must outlive the admin. */
int kafka_admin_open(const char *bootstrap, const struct kafka_opts *opts,
                     struct kafka_admin **ret, struct error *err);
void kafka_admin_close(struct kafka_admin *a); /* accepts NULL */
/* The cluster as last described. */
const struct kafka_cluster_info *kafka_admin_cluster(const struct kafka_admin *a);
/* Refreshes the broker list (DescribeCluster on any broker). */
int kafka_admin_refresh(struct kafka_admin *a, struct error *err);
/* A connection to any live broker (the last one that worked first). */
int kafka_admin_any(struct kafka_admin *a, struct kafka_conn **ret, struct error *err);
/* A connection to the controller as last described (DescribeCluster's ControllerId), else to
 * any broker. With ZooKeeper (Kafka 2.8-3.9) only the controller takes reassignments, their
 * listing and elections; other brokers answer NOT_CONTROLLER. KRaft brokers forward them, and
 * name a random live broker as the controller, so there it is just a broker. */
int kafka_admin_controller(struct kafka_admin *a, struct kafka_conn **ret, struct error *err);
/* A connection to broker id. -ENOENT when the cluster has no such broker. */
int kafka_admin_broker(struct kafka_admin *a, int32_t id, struct kafka_conn **ret,
                       struct error *err);
/* True for failures worth retrying after a pause: I/O, timeouts, and Kafka's retriable
 * errors (NOT_CONTROLLER, REQUEST_TIMED_OUT, LEADER_NOT_AVAILABLE, ...), which the requests
 * report as -EAGAIN, and -ENOTCONN (a connection that failed earlier). */
bool kafka_retriable(int rc);

#endif
