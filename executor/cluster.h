/* How the executor reaches a cluster: a table of the operations it needs (reassign, list
 * reassignments, describe/alter configs, elect leaders, alter replica log dirs, snapshot)
 * and the clock it waits on. executor/cluster_kafka.c puts Ballast's admin client behind it
 * (connections per broker, routing, dropping a failed connection); the unit tests put an
 * in-memory cluster behind it (executor/fake_cluster.h), so the executor's logic is
 * tested without Kafka.
 *
 * Every operation returns 0 or a negative errno with the message in err, as kafka/admin.h
 * does: Kafka errors typed (err->kafka, kafka/errors.h) with -EAGAIN when retriable, -EINVAL
 * otherwise; a broker the cluster does not have as -ENOENT. Single-threaded: the executor's. */
#ifndef EXECUTOR_CLUSTER_H
#define EXECUTOR_CLUSTER_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "kafka/admin.h"
#include "kafka/client.h"
#include "kafka/errors.h"
#include "model/cluster.h"

struct exec_cluster_ops {
    /* AlterPartitionReassignments; an entry with replicas NULL cancels that partition's. */
    int (*reassign)(void *ctx, const struct kafka_reassignment *r, int n, struct error *err);
    /* ListPartitionReassignments: every reassignment in progress, any tool's (*ret heap). */
    int (*list_reassignments)(void *ctx, struct kafka_ongoing **ret, int *ret_n,
                              struct error *err);
    /* DescribeConfigs of one resource (a broker's asked of that broker). *ret is freed with
     * kafka_config_entries_free. */
    int (*describe_configs)(void *ctx, int8_t type, const char *resource,
                            const char *const *keys, int nkeys, struct kafka_config_entry **ret,
                            int *ret_n, struct error *err);
    /* IncrementalAlterConfigs of a[0..n), all of one resource. */
    int (*alter_configs)(void *ctx, const struct kafka_config_alter *a, int n,
                         struct error *err);
    /* ElectLeaders PREFERRED; a partition already led by its preferred replica is no error. */
    int (*elect_preferred)(void *ctx, const char *const *topics, const int32_t *partitions,
                           int n, struct error *err);
    /* AlterReplicaLogDirs on broker. */
    int (*alter_log_dirs)(void *ctx, int32_t broker, const struct kafka_log_dir_move *m, int n,
                          struct error *err);
    /* The ids of the brokers the cluster has now (DescribeCluster): a broker that is down is
     * not among them. *ret heap, sorted. */
    int (*live_brokers)(void *ctx, int32_t **ret, int *ret_n, struct error *err);
    /* The cluster's placement (replicas in Kafka's order, leaders, log dirs, sizes). */
    int (*snapshot)(void *ctx, struct model_cluster **ret, struct error *err);
    /* Wall-clock seconds, and a pause; a fake cluster lets time pass in its own clock. */
    double (*now)(void *ctx);
    void (*sleep)(void *ctx, double seconds);
    void (*destroy)(void *ctx); /* accepts a half-built ctx */
};

struct exec_cluster {
    const struct exec_cluster_ops *ops;
    void *ctx;
};

/* Connects to a live cluster through Ballast's admin client. bootstrap and opts are borrowed
 * and must outlive the cluster. */
int exec_cluster_kafka_open(const char *bootstrap, const struct kafka_opts *opts,
                            struct exec_cluster **ret, struct error *err);
void exec_cluster_destroy(struct exec_cluster *c); /* accepts NULL */

/* What the entry points of executor.h connect with: an open cluster (borrowed, e.g. a fake
 * one) or a bootstrap list to open Kafka with when the execution first needs the cluster. */
struct exec_connect {
    struct exec_cluster *cluster;
    const char *bootstrap;
    const struct kafka_opts *kopts;
};

#endif
