/* The admin client against a real cluster (run under tests/kafka/with-cluster.sh): a
 * reassignment shows in ListPartitionReassignments and completes with the new replicas in
 * metadata; a reorder plus ElectLeaders moves leadership to the new first replica; a repeated
 * election is not an error; an unknown broker and an unknown topic come back as clear,
 * named errors. */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

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
    int32_t t = model_topic_find(c, topic);
    *ret_n = 0;
    if (t < 0)
        return;
    for (int32_t p = c->topics[t].first_partition;
         p < c->topics[t].first_partition + c->topics[t].npartitions; p++) {
        if (c->partitions[p].id != part)
            continue;
        for (int i = 0; i < c->partitions[p].rf; i++)
            out[(*ret_n)++] = c->brokers[model_replicas_of(c, p)[i].broker].id;
        int32_t lb = model_partition_leader(c, p);
        *ret_leader = lb >= 0 ? c->brokers[lb].id : -1;
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
    struct model_cluster *c = snap();
    int32_t got[8], leader = -2;
    int ng = 0;
    if (c) {
        replicas_of(c, "moves", 0, got, &ng, &leader);
        CHECK_INT_EQ(ng, 3);
        CHECK(ng == 3 && got[0] == 4 && got[1] == 5 && got[2] == 6);
        CHECK_INT_EQ(leader, 4); /* the old leader left: the first new replica leads */
        model_cluster_destroy(c);
    }

    /* reorder: 5 becomes preferred; leadership follows only after an election */
    int32_t reorder[] = {5, 4, 6};
    struct kafka_reassignment rb = {"moves", 0, reorder, 3};
    CHECK_INT_EQ(kafka_alter_reassignments(kc, &rb, 1, 30000, &err), 0);
    CHECK(wait_done(kc, 30));
    const char *topics[] = {"moves"};
    int32_t parts[] = {0};
    CHECK_INT_EQ(kafka_elect_preferred(kc, topics, parts, 1, 30000, &err), 0);
    c = snap();
    if (c) {
        replicas_of(c, "moves", 0, got, &ng, &leader);
        CHECK_INT_EQ(leader, 5);
        model_cluster_destroy(c);
    }
    /* already preferred: not an error */
    CHECK_INT_EQ(kafka_elect_preferred(kc, topics, parts, 1, 30000, &err), 0);

    int32_t bogus[] = {99, 1, 2};
    struct kafka_reassignment rc_bad = {"moves", 0, bogus, 3};
    CHECK(kafka_alter_reassignments(kc, &rc_bad, 1, 30000, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "topic moves partition 0: INVALID_REPLICA_ASSIGNMENT (39)");
    struct kafka_reassignment rc_unknown = {"no-such-topic", 0, target, 3};
    CHECK(kafka_alter_reassignments(kc, &rc_unknown, 1, 30000, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "UNKNOWN_TOPIC_OR_PARTITION (3)");
    kafka_conn_close(kc);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
