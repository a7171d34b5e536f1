/* The admin client against a real cluster (run under tests/kafka/with-cluster.sh): a
 * reassignment shows in ListPartitionReassignments and completes with the new replicas in
 * metadata; a reorder plus ElectLeaders moves leadership to the new first replica; a repeated
 * election is not an error; an unknown broker and an unknown topic come back as clear,
 * named errors. DescribeCluster lists the brokers with racks; IncrementalAlterConfigs sets and
 * removes a broker throttle and appends/subtracts throttled replicas without touching other
 * configs; AlterReplicaLogDirs moves a replica to the broker's other log dir. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kafka/admin.h"
#include "kafka/client.h"
#include "tests/harness.h"

static const char *boot(void)
{
    const char *b = getenv("BOOTSTRAP");
    return b ? b : "127.0.0.1:9092";
}

static struct model_cluster *snap(void)
{
    struct model_cluster *c = NULL;
    struct error err = {0};
    if (kafka_snapshot(boot(), NULL, &c, &err) < 0)
        test_fail(__FILE__, __LINE__, "snapshot: %s", err.msg);
    return c;
}

static void replicas_of(const struct model_cluster *c, const char *topic, int32_t part,
                        int32_t *out, int *ret_n, int32_t *ret_leader)
{
    int32_t p = model_partition_find(c, topic, part);
    *ret_n = 0;
    if (p < 0)
        return;
    for (int i = 0; i < c->partitions[p].rf; i++)
        out[(*ret_n)++] = c->brokers[model_replicas_of(c, p)[i].broker].id;
    int32_t lb = model_partition_leader(c, p);
    *ret_leader = lb >= 0 ? c->brokers[lb].id : -1;
}

/* Metadata lags the controller, which answers ListPartitionReassignments: waits up to
 * `seconds` for the partition to show `want` (and `want_leader`, unless -1), then fills in
 * what it last saw. */
static void wait_replicas(const char *topic, int32_t part, const int32_t *want, int nwant,
                          int32_t want_leader, int seconds, int32_t *got, int *ret_n,
                          int32_t *ret_leader)
{
    for (int i = 0; i < seconds * 4; i++) {
        struct model_cluster *c = snap();
        if (!c)
            return;
        replicas_of(c, topic, part, got, ret_n, ret_leader);
        model_cluster_destroy(c);
        if (*ret_n == nwant && memcmp(got, want, (size_t)nwant * sizeof(*want)) == 0 &&
            (want_leader < 0 || *ret_leader == want_leader))
            return;
        usleep(250000);
    }
}

static bool wait_done(struct kafka_conn *kc, int seconds)
{
    for (int i = 0; i < seconds * 2; i++) {
        struct kafka_ongoing *o = NULL;
        int n = 0;
        struct error err = {0};
        if (kafka_list_reassignments(kc, &o, &n, &err) < 0) {
            test_fail(__FILE__, __LINE__, "list: %s", err.msg);
            return false;
        }
        free(o);
        if (n == 0)
            return true;
        usleep(500000);
    }
    return false;
}

TEST(reassign_list_elect_and_errors)
{
    char cmd[4096];
    snprintf(cmd, sizeof(cmd),
             "bash %s/tests/kafka/cluster.sh tool %s org.apache.kafka.tools.TopicCommand "
             "--bootstrap-server %s --create --topic moves --replica-assignment 1:2:3 >/dev/null",
             getenv("BALLAST_SOURCE_ROOT"), getenv("CLUSTER_DIR"), boot());
    CHECK_INT_EQ(system(cmd), 0);
    struct kafka_conn *kc = NULL;
    struct error err = {0};
    CHECK_INT_EQ(kafka_connect_bootstrap(boot(), NULL, &kc, &err), 0);
    if (!kc)
        return;
    struct kafka_ongoing *o = NULL;
    int n = -1;
    CHECK_INT_EQ(kafka_list_reassignments(kc, &o, &n, &err), 0);
    CHECK_INT_EQ(n, 0);
    free(o);

    int32_t target[] = {4, 5, 6};
    struct kafka_reassignment ra = {"moves", 0, target, 3};
    CHECK_INT_EQ(kafka_alter_reassignments(kc, &ra, 1, 30000, &err), 0);
    CHECK(wait_done(kc, 60));
    int32_t got[8], leader = -2;
    int ng = 0;
    wait_replicas("moves", 0, target, 3, 4, 15, got, &ng, &leader);
    CHECK_INT_EQ(ng, 3);
    CHECK(ng == 3 && got[0] == 4 && got[1] == 5 && got[2] == 6);
    CHECK_INT_EQ(leader, 4); /* the old leader left: the first new replica leads */

    /* reorder: 5 becomes preferred; leadership follows only after an election */
    int32_t reorder[] = {5, 4, 6};
    struct kafka_reassignment rb = {"moves", 0, reorder, 3};
    CHECK_INT_EQ(kafka_alter_reassignments(kc, &rb, 1, 30000, &err), 0);
    CHECK(wait_done(kc, 30));
    const char *topics[] = {"moves"};
    int32_t parts[] = {0};
    CHECK_INT_EQ(kafka_elect_preferred(kc, topics, parts, 1, 30000, &err), 0);
    wait_replicas("moves", 0, reorder, 3, 5, 15, got, &ng, &leader);
    CHECK_INT_EQ(leader, 5);
    /* already preferred: not an error */
    CHECK_INT_EQ(kafka_elect_preferred(kc, topics, parts, 1, 30000, &err), 0);

    int32_t bogus[] = {99, 1, 2};
    struct kafka_reassignment rc_bad = {"moves", 0, bogus, 3};
    CHECK(kafka_alter_reassignments(kc, &rc_bad, 1, 30000, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "topic moves partition 0: INVALID_REPLICA_ASSIGNMENT (39)");
    CHECK(kafka_error_is(&err, KAFKA_ERR_INVALID_REPLICA_ASSIGNMENT));
    CHECK(!err.kafka.retriable);
    struct kafka_reassignment rc_unknown = {"no-such-topic", 0, target, 3};
    CHECK(kafka_alter_reassignments(kc, &rc_unknown, 1, 30000, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "UNKNOWN_TOPIC_OR_PARTITION (3)");
    CHECK(kafka_error_is(&err, KAFKA_ERR_UNKNOWN_TOPIC_OR_PARTITION));
    kafka_conn_close(kc);
}

static char *config_value(struct kafka_conn *kc, int8_t type, const char *res, const char *key)
{
    struct kafka_config_entry *e = NULL;
    int n = 0;
    struct error err = {0};
    const char *keys[] = {key};
    if (kafka_describe_configs(kc, type, res, keys, 1, &e, &n, &err) < 0) {
        test_fail(__FILE__, __LINE__, "describe %s: %s", res, err.msg);
        return NULL;
    }
    const struct kafka_config_entry *f = kafka_config_find(e, n, key);
    char *v = f && f->value ? strdup(f->value) : NULL;
    bool dynamic = f && (f->source == KAFKA_CONFIG_DYNAMIC_TOPIC || f->source == KAFKA_CONFIG_DYNAMIC_BROKER);
    kafka_config_entries_free(e, n);
    if (!dynamic) {
        free(v);
        return NULL; /* only dynamic values count: the rest are defaults */
    }
    return v;
}

/* Dynamic configs reach a broker through the metadata log a moment after the controller took
 * them: polls until the value is `want` ("" = unset) for up to 15 s, returns the last value. */
static char *wait_config(struct kafka_conn *kc, int8_t type, const char *res, const char *key,
                         const char *want)
{
    char *v = NULL;
    for (int i = 0; i < 60; i++) {
        free(v);
        v = config_value(kc, type, res, key);
        if (strcmp(v ? v : "", want) == 0)
            break;
        usleep(250000);
    }
    return v;
}

TEST(cluster_configs_and_log_dirs)
{
    struct kafka_admin *a = NULL;
    struct error err = {0};
    CHECK_INT_EQ(kafka_admin_open(boot(), NULL, &a, &err), 0);
    if (!a) {
        test_fail(__FILE__, __LINE__, "admin: %s", err.msg);
        return;
    }
    const struct kafka_cluster_info *ci = kafka_admin_cluster(a);
    CHECK_INT_EQ(ci->nbrokers, atoi(getenv("BROKERS") ? getenv("BROKERS") : "6"));
    CHECK(ci->cluster_id[0] != '\0');
    for (int i = 0; i < ci->nbrokers; i++)
        CHECK(ci->brokers[i].rack[0] == 'r');

    char cmd[4096];
    snprintf(cmd, sizeof(cmd),
             "bash %s/tests/kafka/cluster.sh tool %s org.apache.kafka.tools.TopicCommand "
             "--bootstrap-server %s --create --topic cfg --replica-assignment 1:2 "
             "--config retention.ms=123456789 >/dev/null",
             getenv("BALLAST_SOURCE_ROOT"), getenv("CLUSTER_DIR"), boot());
    CHECK_INT_EQ(system(cmd), 0);

    /* broker throttle: set on broker 2 (asked of broker 2), then removed */
    struct kafka_conn *b2 = NULL;
    CHECK_INT_EQ(kafka_admin_broker(a, 2, &b2, &err), 0);
    struct kafka_config_alter set[] = {
        {KAFKA_RESOURCE_BROKER, "2", "leader.replication.throttled.rate", KAFKA_CONFIG_SET, "1000000"},
        {KAFKA_RESOURCE_BROKER, "2", "follower.replication.throttled.rate", KAFKA_CONFIG_SET, "1000000"},
        {KAFKA_RESOURCE_TOPIC, "cfg", "leader.replication.throttled.replicas", KAFKA_CONFIG_APPEND, "0:1"},
        {KAFKA_RESOURCE_TOPIC, "cfg", "follower.replication.throttled.replicas", KAFKA_CONFIG_APPEND, "0:3"},
    };
    CHECK_INT_EQ(kafka_incremental_alter_configs(b2, set, 4, &err), 0);
    char *v = wait_config(b2, KAFKA_RESOURCE_BROKER, "2", "leader.replication.throttled.rate", "1000000");
    CHECK_STR_EQ(v ? v : "(none)", "1000000");
    free(v);
    /* someone else's entry stays when Ballast subtracts its own */
    struct kafka_config_alter other = {KAFKA_RESOURCE_TOPIC, "cfg", "leader.replication.throttled.replicas",
                                       KAFKA_CONFIG_APPEND, "0:2"};
    CHECK_INT_EQ(kafka_incremental_alter_configs(b2, &other, 1, &err), 0);
    struct kafka_config_alter unset[] = {
        {KAFKA_RESOURCE_BROKER, "2", "leader.replication.throttled.rate", KAFKA_CONFIG_DELETE, NULL},
        {KAFKA_RESOURCE_BROKER, "2", "follower.replication.throttled.rate", KAFKA_CONFIG_DELETE, NULL},
        {KAFKA_RESOURCE_TOPIC, "cfg", "leader.replication.throttled.replicas", KAFKA_CONFIG_SUBTRACT, "0:1"},
        {KAFKA_RESOURCE_TOPIC, "cfg", "follower.replication.throttled.replicas", KAFKA_CONFIG_SUBTRACT, "0:3"},
    };
    CHECK_INT_EQ(kafka_incremental_alter_configs(b2, unset, 4, &err), 0);
    v = wait_config(b2, KAFKA_RESOURCE_BROKER, "2", "leader.replication.throttled.rate", "");
    CHECK(v == NULL);
    free(v);
    v = wait_config(b2, KAFKA_RESOURCE_TOPIC, "cfg", "leader.replication.throttled.replicas", "0:2");
    CHECK_STR_EQ(v ? v : "(none)", "0:2");
    free(v);
    v = wait_config(b2, KAFKA_RESOURCE_TOPIC, "cfg", "follower.replication.throttled.replicas", "");
    CHECK(v == NULL || v[0] == '\0');
    free(v);
    v = config_value(b2, KAFKA_RESOURCE_TOPIC, "cfg", "retention.ms");
    CHECK_STR_EQ(v ? v : "(none)", "123456789");
    free(v);

    /* errors name the resource */
    struct kafka_config_alter bad = {KAFKA_RESOURCE_BROKER, "2", "leader.replication.throttled.rate",
                                     KAFKA_CONFIG_SET, "fast"};
    CHECK(kafka_incremental_alter_configs(b2, &bad, 1, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "broker 2: INVALID_REQUEST (42)");
    CHECK_STR_CONTAINS(err.msg, "Not a number");
    CHECK(kafka_describe_configs(b2, KAFKA_RESOURCE_TOPIC, "no-such-topic", NULL, 0,
                                 &(struct kafka_config_entry *){NULL}, &(int){0}, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "UNKNOWN_TOPIC_OR_PARTITION");
    struct kafka_conn *none = NULL;
    CHECK_INT_EQ(kafka_admin_broker(a, 77, &none, &err), -ENOENT);

    /* intra-broker move: partition 0 of cfg on broker 1 to its other log dir */
    struct model_cluster *c = snap();
    if (c) {
        int32_t t = model_topic_find(c, "cfg");
        int32_t p = c->topics[t].first_partition;
        const struct model_replica *r = &model_replicas_of(c, p)[0];
        int32_t bi = r->broker;
        CHECK_INT_EQ(c->brokers[bi].id, 1);
        CHECK_INT_EQ(c->brokers[bi].ndisks, 2);
        int other_dir = r->dir == 0 ? 1 : 0;
        char *dir = strdup(c->disks[c->brokers[bi].first_disk + other_dir].path);
        model_cluster_destroy(c);
        struct kafka_conn *b1 = NULL;
        CHECK_INT_EQ(kafka_admin_broker(a, 1, &b1, &err), 0);
        struct kafka_log_dir_move mv = {dir, "cfg", 0};
        CHECK_INT_EQ(kafka_alter_replica_log_dirs(b1, &mv, 1, &err), 0);
        bool moved = false;
        for (int i = 0; i < 60 && !moved; i++) {
            c = snap();
            if (!c)
                break;
            p = c->topics[model_topic_find(c, "cfg")].first_partition;
            r = &model_replicas_of(c, p)[0];
            moved = strcmp(c->disks[c->brokers[r->broker].first_disk + r->dir].path, dir) == 0;
            model_cluster_destroy(c);
            if (!moved)
                usleep(500000);
        }
        CHECK(moved);
        struct kafka_log_dir_move bogus = {"/no/such/dir", "cfg", 0};
        CHECK(kafka_alter_replica_log_dirs(b1, &bogus, 1, &err) < 0);
        CHECK_STR_CONTAINS(err.msg, "topic cfg partition 0: LOG_DIR_NOT_FOUND (57)");
        CHECK_STR_EQ(err.kafka.name, "LOG_DIR_NOT_FOUND");
        free(dir);
    }
    kafka_admin_close(a);
}

/* A stopped broker: connecting to it names it and the cause; requests through the others go
 * on; a connection that broke is dropped and reopened once the broker is back. */
TEST(stopped_broker)
{
    struct kafka_admin *a = NULL;
    struct error err = {0};
    CHECK_INT_EQ(kafka_admin_open(boot(), NULL, &a, &err), 0);
    if (!a)
        return;
    struct kafka_conn *b6 = NULL;
    CHECK_INT_EQ(kafka_admin_broker(a, 6, &b6, &err), 0);
    char cmd[4096];
    snprintf(cmd, sizeof(cmd), "bash %s/tests/kafka/cluster.sh stop-broker %s 6 >/dev/null 2>&1",
             getenv("BALLAST_SOURCE_ROOT"), getenv("CLUSTER_DIR"));
    CHECK_INT_EQ(system(cmd), 0);
    /* the open connection fails with a named broker and cause, and is dropped */
    struct kafka_config_entry *e = NULL;
    int ne = 0;
    int rc = kafka_describe_configs(b6, KAFKA_RESOURCE_BROKER, "6", NULL, 0, &e, &ne, &err);
    CHECK(rc < 0);
    CHECK(kafka_retriable(rc));
    CHECK_STR_CONTAINS(err.msg, "127.0.0.1:");
    /* a new connection is refused, naming the broker */
    rc = kafka_admin_broker(a, 6, &b6, &err);
    CHECK(rc < 0);
    CHECK(kafka_retriable(rc));
    CHECK_STR_CONTAINS(err.msg, "broker 6: 127.0.0.1:");
    CHECK_STR_CONTAINS(err.msg, "cannot connect");
    /* the rest of the cluster still answers */
    struct kafka_conn *any = NULL;
    CHECK_INT_EQ(kafka_admin_any(a, &any, &err), 0);
    struct kafka_ongoing *o = NULL;
    int n = -1;
    if (any)
        CHECK_INT_EQ(kafka_list_reassignments(any, &o, &n, &err), 0);
    free(o);
    snprintf(cmd, sizeof(cmd), "bash %s/tests/kafka/cluster.sh start-broker %s 6 >/dev/null 2>&1",
             getenv("BALLAST_SOURCE_ROOT"), getenv("CLUSTER_DIR"));
    CHECK_INT_EQ(system(cmd), 0);
    bool back = false;
    for (int i = 0; i < 120 && !back; i++) {
        back = kafka_admin_broker(a, 6, &b6, &err) == 0;
        if (!back)
            usleep(500000);
    }
    CHECK(back);
    kafka_admin_close(a);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
