/* The admin client against a scripted broker (tests/kafka/fake_broker.c), no Kafka needed:
 * typed Kafka errors (code, name, retriability) from the one error table, and a failed call
 * dropping its connection inside struct kafka_admin so the next use reconnects by itself. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kafka/admin.h"
#include "kafka/errors.h"
#include "kafka/transport.h"
#include "tests/harness.h"
#include "tests/kafka/fake_broker.h"

TEST(error_table)
{
    CHECK_STR_EQ(kafka_error_name(KAFKA_ERR_NOT_CONTROLLER), "NOT_CONTROLLER");
    CHECK(kafka_error_retriable(KAFKA_ERR_NOT_CONTROLLER));
    CHECK_STR_EQ(kafka_error_name(80), "PREFERRED_LEADER_NOT_AVAILABLE");
    CHECK(kafka_error_retriable(80));
    CHECK_STR_EQ(kafka_error_name(-1), "UNKNOWN_SERVER_ERROR");
    CHECK_STR_EQ(kafka_error_name(0), "NONE");
    CHECK_STR_EQ(kafka_error_name(99), "POSITION_OUT_OF_RANGE");
    CHECK_STR_EQ(kafka_error_name(128), "INVALID_REGULAR_EXPRESSION");
    CHECK_STR_EQ(kafka_error_name(39), "INVALID_REPLICA_ASSIGNMENT");
    CHECK(!kafka_error_retriable(39));
    /* Ballast's deviations from Kafka's classes */
    CHECK(!kafka_error_retriable(KAFKA_ERR_UNKNOWN_TOPIC_OR_PARTITION));
    CHECK(!kafka_error_retriable(KAFKA_ERR_ELECTION_NOT_NEEDED));
    CHECK(kafka_error_retriable(8));
    /* every code from -1 to 128 has a name */
    for (int code = -1; code <= 128; code++)
        if (strcmp(kafka_error_name((int16_t)code), "UNKNOWN") == 0)
            test_fail(__FILE__, __LINE__, "code %d has no name", code);
    /* codes Kafka does not define */
    CHECK_STR_EQ(kafka_error_name(129), "UNKNOWN");
    CHECK_STR_EQ(kafka_error_name(-2), "UNKNOWN");
    CHECK_STR_EQ(kafka_error_name(32767), "UNKNOWN");
    CHECK_STR_EQ(kafka_error_name(-32768), "UNKNOWN");
    CHECK(!kafka_error_retriable(129));

    struct error err = {0};
    CHECK_INT_EQ(kafka_error_set(&err, KAFKA_ERR_NOT_CONTROLLER, "x %d", 1), -EAGAIN);
    CHECK_STR_EQ(err.msg, "x 1");
    CHECK(kafka_error_is(&err, KAFKA_ERR_NOT_CONTROLLER));
    CHECK(err.kafka.retriable);
    CHECK_STR_EQ(err.kafka.name, "NOT_CONTROLLER");
    CHECK_INT_EQ(kafka_error_set(&err, 500, "y"), -EINVAL);
    CHECK_STR_EQ(err.kafka.name, "UNKNOWN");
    CHECK(!err.kafka.retriable);
    /* a later error that is not Kafka's clears the Kafka part; a prefix keeps it */
    kafka_error_set(&err, 40, "bad");
    error_prefix(&err, "broker 3");
    CHECK(kafka_error_is(&err, 40));
    CHECK_STR_EQ(err.msg, "broker 3: bad");
    error_set(&err, -EIO, "io");
    CHECK(!kafka_error_is(&err, 40));
    CHECK(err.kafka.name == NULL);
    CHECK(!kafka_error_is(&err, 0));
    CHECK(kafka_error_set(NULL, 41, "z") == -EAGAIN);
}

/* Lists reassignments on any broker: the topic names the connection the reply came on. */
static int list_on(struct kafka_admin *a, char *conn, size_t n, struct error *err)
{
    struct kafka_conn *c = NULL;
    int rc = kafka_admin_any(a, &c, err);
    if (rc < 0)
        return rc;
    struct kafka_ongoing *o = NULL;
    int no = 0;
    rc = kafka_list_reassignments(c, &o, &no, err);
    if (rc == 0 && no == 1)
        snprintf(conn, n, "%s", o[0].topic);
    free(o);
    return rc;
}

TEST(typed_errors_and_dropped_connections)
{
    const int16_t script[] = {0, KAFKA_ERR_NOT_CONTROLLER, KAFKA_ERR_INVALID_REPLICA_ASSIGNMENT,
                              FAKE_CLOSE, 0, 130};
    struct fake_broker f = {0};
    CHECK_INT_EQ(fake_broker_start(&f, FAKE_KAFKA, script, 6), 0);
    char boot[64];
    snprintf(boot, sizeof(boot), "127.0.0.1:%d", f.port);
    struct kafka_opts o = {.timeout_ms = 5000};
    struct kafka_admin *a = NULL;
    struct error err = {0};
    CHECK_INT_EQ(kafka_admin_open(boot, &o, &a, &err), 0);
    if (!a) {
        test_fail(__FILE__, __LINE__, "%s", err.msg);
        fake_broker_stop(&f);
        return;
    }
    CHECK_INT_EQ(kafka_admin_cluster(a)->nbrokers, 1);
    char first[256] = "", conn[256] = "";
    CHECK_INT_EQ(list_on(a, first, sizeof(first), &err), 0);
    CHECK_STR_EQ(first, "conn-2"); /* 1 was the bootstrap connection */

    /* a Kafka error: typed, retriable, and the connection stays */
    CHECK_INT_EQ(list_on(a, conn, sizeof(conn), &err), -EAGAIN);
    CHECK(kafka_error_is(&err, KAFKA_ERR_NOT_CONTROLLER));
    CHECK(err.kafka.retriable);
    CHECK(kafka_retriable(-EAGAIN));
    CHECK_STR_CONTAINS(err.msg, "ListPartitionReassignments: NOT_CONTROLLER (41): scripted");
    CHECK_INT_EQ(list_on(a, conn, sizeof(conn), &err), -EINVAL);
    CHECK(kafka_error_is(&err, KAFKA_ERR_INVALID_REPLICA_ASSIGNMENT));
    CHECK(!err.kafka.retriable);

    /* the broker drops the connection mid-call: an I/O error, not a Kafka one */
    struct kafka_conn *c = NULL;
    CHECK_INT_EQ(kafka_admin_any(a, &c, &err), 0);
    struct kafka_ongoing *ongoing = NULL;
    int no = 0;
    int rc = kafka_list_reassignments(c, &ongoing, &no, &err);
    CHECK(rc < 0);
    CHECK(kafka_retriable(rc));
    CHECK(err.kafka.name == NULL);
    CHECK(kafka_conn_broken(c));
    /* the same connection refuses further calls instead of reading someone else's reply */
    CHECK_INT_EQ(kafka_list_reassignments(c, &ongoing, &no, &err), -ENOTCONN);
    /* no kafka_admin_failed: the admin reconnects on the next use by itself */
    conn[0] = '\0';
    CHECK_INT_EQ(list_on(a, conn, sizeof(conn), &err), 0);
    CHECK_STR_EQ(conn, "conn-3");
    /* a code Kafka does not define */
    CHECK_INT_EQ(list_on(a, conn, sizeof(conn), &err), -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "UNKNOWN (130)");
    CHECK_INT_EQ(err.kafka.code, 130);
    kafka_admin_close(a);
    fake_broker_stop(&f);
}

TEST(a_reassignment_with_too_many_replicas_is_refused)
{
    for (int n = 32; n <= 33; n++) {
        struct fake_broker f = {.nlisted = n};
        CHECK_INT_EQ(fake_broker_start(&f, FAKE_KAFKA, NULL, 0), 0);
        struct kafka_conn *c = NULL;
        struct error err = {0};
        struct kafka_opts o = {.timeout_ms = 5000};
        CHECK_INT_EQ(kafka_conn_open("127.0.0.1", f.port, &o, &c, &err), 0);
        struct kafka_ongoing *og = NULL;
        int no = 0;
        int rc = c ? kafka_list_reassignments(c, &og, &no, &err) : -1;
        if (n == 32) {
            CHECK_INT_EQ(rc, 0);
            CHECK_INT_EQ(no, 1);
            if (no == 1)
                CHECK_INT_EQ(og[0].nreplicas, 32);
        } else {
            CHECK_INT_EQ(rc, -ENOTSUP);
            CHECK_STR_CONTAINS(err.msg, "topic conn-1 partition 0 lists 33 replicas; Ballast "
                                        "handles at most 32");
        }
        free(og);
        kafka_conn_close(c);
        fake_broker_stop(&f);
    }
}

TEST(bootstrap_parsing)
{
    struct kafka_endpoint *ep = NULL;
    int n = 0;
    struct error err = {0};
    CHECK_INT_EQ(kafka_bootstrap_parse(" a.example.com:1 , [::1]:9092,10.0.0.1:65535", &ep, &n,
                                       &err), 0);
    CHECK_INT_EQ(n, 3);
    if (n == 3) {
        CHECK_STR_EQ(ep[0].host, "a.example.com");
        CHECK_INT_EQ(ep[0].port, 1);
        CHECK_STR_EQ(ep[1].host, "::1");
        CHECK_INT_EQ(ep[1].port, 9092);
        CHECK_INT_EQ(ep[2].port, 65535);
    }
    free(ep);
    static const struct {
        const char *in, *msg;
    } bad[] = {
        {"host:41043x", "bootstrap item 1 'host:41043x': the port '41043x' is not a number in "
                        "1..65535"},
        {"a:1,host:0", "bootstrap item 2 'host:0': the port '0' is not a number"},
        {"host:65536", "the port '65536'"},
        {"host:-1", "the port '-1'"},
        {"host:+9", "the port '+9'"},
        {"host:0009092", "the port '0009092'"},
        {"host:", "the port ''"},
        {":9092", "bootstrap item 1 ':9092': the host is empty"},
        {"host", "bootstrap item 1 'host': expected host:port"},
        {"::1:9092", "an IPv6 address needs brackets"},
        {"[::1]9092", "expected [address]:port"},
        {"[::1", "expected [address]:port"},
        {"a:1,,b:2", "bootstrap item 2 is empty"},
        {"a:1,", "bootstrap item 2 is empty"},
        {"", "bootstrap item 1 is empty"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ep = NULL;
        int rc = kafka_bootstrap_parse(bad[i].in, &ep, &n, &err);
        if (rc != -EINVAL || !strstr(err.msg, bad[i].msg))
            test_fail(__FILE__, __LINE__, "'%s': rc %d, '%s' (expected '%s')", bad[i].in, rc,
                      err.msg, bad[i].msg);
        CHECK(ep == NULL);
    }
    /* connecting checks the whole list first: a bad later item is not hidden by a good one */
    struct kafka_conn *c = NULL;
    CHECK_INT_EQ(kafka_connect_bootstrap("127.0.0.1:1,host:41043x", NULL, &c, &err), -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "item 2 'host:41043x'");
}

TEST(an_http_server_is_named)
{
    struct fake_broker f = {0};
    CHECK_INT_EQ(fake_broker_start(&f, FAKE_HTTP, NULL, 0), 0);
    struct kafka_conn *c = NULL;
    struct error err = {0};
    struct kafka_opts o = {.timeout_ms = 5000};
    CHECK_INT_EQ(kafka_conn_open("127.0.0.1", f.port, &o, &c, &err), -EPROTO);
    char want[128];
    snprintf(want, sizeof(want), "an HTTP server answered at 127.0.0.1:%d, not a Kafka broker",
             f.port);
    CHECK_STR_CONTAINS(err.msg, want);
    CHECK(!strstr(err.msg, "1213486160"));
    fake_broker_stop(&f);
}

TEST(a_silent_endpoint_is_named_with_the_timeout)
{
    struct fake_broker f = {0};
    CHECK_INT_EQ(fake_broker_start(&f, FAKE_SILENT, NULL, 0), 0);
    struct kafka_conn *c = NULL;
    struct error err = {0};
    struct kafka_opts o = {.timeout_ms = 30000, .connect_timeout_ms = 300};
    char boot[64];
    snprintf(boot, sizeof(boot), "127.0.0.1:%d", f.port);
    double t0 = clock_mono_ms();
    CHECK_INT_EQ(kafka_connect_bootstrap(boot, &o, &c, &err), -ETIMEDOUT);
    double took = clock_mono_ms() - t0;
    CHECK_DBL_LE(took, 15000); /* the connect timeout ended it, not the 30 s request timeout */
    char want[128];
    snprintf(want, sizeof(want), "127.0.0.1:%d: no answer within 300 ms (kafka.connectTimeoutMs; "
             "reading timed out): is it a Kafka listener, and is the broker up?", f.port);
    CHECK_STR_CONTAINS(err.msg, want);
    /* without a connect timeout, the default (10 s) or the request timeout if smaller */
    o = (struct kafka_opts){.timeout_ms = 200};
    CHECK_INT_EQ(kafka_connect_bootstrap(boot, &o, &c, &err), -ETIMEDOUT);
    CHECK_STR_CONTAINS(err.msg, "no answer within 200 ms");
    fake_broker_stop(&f);
}

/* kafka_snapshot against the fake broker with a partition of rf replicas and ndirs log dirs. */
static int fake_snapshot(int rf, int ndirs, struct model_cluster **ret, struct error *err)
{
    struct fake_broker f = {.rf = rf, .ndirs = ndirs};
    if (fake_broker_start(&f, FAKE_KAFKA, NULL, 0) < 0)
        return -EIO;
    char boot[64];
    snprintf(boot, sizeof(boot), "127.0.0.1:%d", f.port);
    struct kafka_opts o = {.timeout_ms = 5000};
    int rc = kafka_snapshot(boot, &o, ret, err);
    fake_broker_stop(&f);
    return rc;
}

TEST(snapshot_limits_are_errors_not_silent_drops)
{
    struct model_cluster *mc = NULL;
    struct error err = {0};
    CHECK_INT_EQ(fake_snapshot(1, 2, &mc, &err), 0);
    if (mc) {
        CHECK_INT_EQ(mc->nbrokers, 1);
        CHECK_INT_EQ(mc->ndisks, 2);
        CHECK_INT_EQ(mc->npartitions, 1);
        model_cluster_destroy(mc);
        mc = NULL;
    }
    CHECK_INT_EQ(fake_snapshot(0, 1, &mc, &err), -ENOTSUP);
    CHECK_STR_CONTAINS(err.msg, "topic 't' partition 0 has 0 replicas in the metadata; Ballast "
                                "models 1..32");
    CHECK_INT_EQ(fake_snapshot(33, 1, &mc, &err), -ENOTSUP);
    CHECK_STR_CONTAINS(err.msg, "has 33 replicas");
    CHECK_INT_EQ(fake_snapshot(1, 4097, &mc, &err), -ENOTSUP);
    CHECK_STR_CONTAINS(err.msg, "DescribeLogDirs lists 4097 log dirs; Ballast handles at most "
                                "4096 per broker");
    CHECK_STR_CONTAINS(err.msg, "broker 1");
    CHECK(mc == NULL);
}

/* Snapshots a scripted broker serving `ntopics` topics; returns the time in ms. */
static double snapshot_timed(int ntopics)
{
    struct fake_broker f = {.rf = 1, .ndirs = 1, .ntopics = ntopics};
    CHECK_INT_EQ(fake_broker_start(&f, FAKE_KAFKA, NULL, 0), 0);
    char boot[64];
    snprintf(boot, sizeof(boot), "127.0.0.1:%d", f.port);
    struct kafka_opts o = {.timeout_ms = 20000};
    struct model_cluster *mc = NULL;
    struct error err = {0};
    double t0 = clock_mono_ms();
    CHECK_INT_EQ(kafka_snapshot(boot, &o, &mc, &err), 0);
    double took = clock_mono_ms() - t0;
    fake_broker_stop(&f);
    if (mc) {
        CHECK_INT_EQ(mc->ntopics, ntopics);
        CHECK_INT_EQ(mc->replicas[mc->partitions[mc->npartitions - 1].first_replica].size, 1000);
        model_cluster_destroy(mc);
    }
    fprintf(stderr, "snapshot of %d topics: %.0f ms\n", ntopics, took);
    return took;
}

/* Many topics: the log-dir entries find their topics through a map (a linear scan per entry
 * made this quadratic: 40,000 topics took 3.3 s in the debug build, now 0.12-0.8 s).
 * They are read whole and right. Their speed is printed, not asserted: a unit test's
 * clock on a loaded machine or in a sanitizer build says little (at 10k and 40k topics the
 * time ratio ranged 4-20x between runs of the same binary); only a run-away is a failure. */
TEST(snapshot_of_many_topics)
{
    snapshot_timed(10000);
    CHECK_DBL_LE(snapshot_timed(40000), 60000);
}

/* Brokers of other Kafka versions, by their ApiVersions ranges (the APIs Ballast uses). */
static const int16_t kafka_2_8[][3] = {{3, 0, 11}, {18, 0, 3}, {32, 0, 4}, {34, 0, 2},
                                       {35, 0, 2}, {43, 0, 2}, {44, 0, 1}, {45, 0, 0},
                                       {46, 0, 0}, {60, 0, 0}};
static const int16_t kafka_2_7[][3] = {{3, 0, 9}, {18, 0, 3}, {32, 0, 3}, {34, 0, 1},
                                       {35, 0, 2}, {43, 0, 2}, {44, 0, 1}, {45, 0, 0},
                                       {46, 0, 0}};
static const int16_t kafka_2_0[][3] = {{3, 0, 6}, {18, 0, 2}, {32, 0, 2}, {34, 0, 1},
                                       {35, 0, 1}};
#define NAPIS(a) ((int)(sizeof(a) / sizeof((a)[0])))

TEST(a_kafka_2_8_broker_gets_metadata_v11_and_describe_log_dirs_v2)
{
    struct fake_broker f = {.rf = 1, .ndirs = 2, .apis = kafka_2_8, .napis = NAPIS(kafka_2_8)};
    CHECK_INT_EQ(fake_broker_start(&f, FAKE_KAFKA, NULL, 0), 0);
    char boot[64];
    snprintf(boot, sizeof(boot), "127.0.0.1:%d", f.port);
    struct kafka_opts o = {.timeout_ms = 5000};
    struct model_cluster *mc = NULL;
    struct error err = {0};
    CHECK_INT_EQ(kafka_snapshot(boot, &o, &mc, &err), 0);
    if (mc) {
        CHECK_INT_EQ(mc->nbrokers, 1);
        CHECK_INT_EQ(mc->ndisks, 2);
        CHECK_INT_EQ(mc->npartitions, 1);
        CHECK_INT_EQ(mc->replicas[mc->partitions[0].first_replica].size, 1000);
        CHECK_NEAR(mc->disks[0].capacity, 0, 0); /* no TotalBytes before v4: unknown */
        model_cluster_destroy(mc);
    } else {
        fprintf(stderr, "%s\n", err.msg);
    }
    /* the admin (DescribeCluster v0) and the executor's requests work too */
    struct kafka_admin *a = NULL;
    CHECK_INT_EQ(kafka_admin_open(boot, &o, &a, &err), 0);
    if (a) {
        CHECK_INT_EQ(kafka_admin_cluster(a)->nbrokers, 1);
        struct kafka_conn *c = NULL;
        CHECK_INT_EQ(kafka_admin_any(a, &c, &err), 0);
        struct kafka_ongoing *og = NULL;
        int no = 0;
        CHECK_INT_EQ(c ? kafka_list_reassignments(c, &og, &no, &err) : -1, 0);
        free(og);
        kafka_admin_close(a);
    }
    fake_broker_stop(&f);
}

TEST(a_broker_older_than_2_8_is_refused_up_front_naming_what_it_lacks)
{
    struct {
        const int16_t (*apis)[3];
        int napis;
        const char *offers;
    } old[] = {{kafka_2_7, NAPIS(kafka_2_7), "Metadata v11+ (it offers v0..9)"},
               /* ApiVersions v0..2: the v3 request gets error 35 and Ballast asks again in v0 */
               {kafka_2_0, NAPIS(kafka_2_0), "Metadata v11+ (it offers v0..6)"}};
    for (size_t i = 0; i < sizeof(old) / sizeof(old[0]); i++) {
        struct fake_broker f = {.rf = 1, .ndirs = 1, .apis = old[i].apis, .napis = old[i].napis};
        CHECK_INT_EQ(fake_broker_start(&f, FAKE_KAFKA, NULL, 0), 0);
        char boot[64], who[64];
        snprintf(boot, sizeof(boot), "127.0.0.1:%d", f.port);
        snprintf(who, sizeof(who), "127.0.0.1:%d: this broker is older than Kafka 2.8", f.port);
        struct kafka_opts o = {.timeout_ms = 5000};
        struct model_cluster *mc = NULL;
        struct error err = {0};
        CHECK_INT_EQ(kafka_snapshot(boot, &o, &mc, &err), -EPROTONOSUPPORT);
        CHECK_STR_CONTAINS(err.msg, who);
        CHECK_STR_CONTAINS(err.msg, "which Ballast needs at least; it lacks");
        CHECK_STR_CONTAINS(err.msg, old[i].offers);
        CHECK_STR_CONTAINS(err.msg, "DescribeCluster v0+ (it offers none)");
        CHECK_STR_CONTAINS(err.msg, "AlterReplicaLogDirs v2+ (it offers v0..1)");
        CHECK(!strstr(err.msg, "reply"));  /* never a decode error */
        struct kafka_admin *a = NULL;
        CHECK_INT_EQ(kafka_admin_open(boot, &o, &a, &err), -EPROTONOSUPPORT);
        CHECK_STR_CONTAINS(err.msg, who);
        kafka_admin_close(a);
        model_cluster_destroy(mc);
        fake_broker_stop(&f);
    }
}

TEST(a_request_the_broker_lacks_names_the_versions_it_offers)
{
    /* a 2.8 broker but for ElectLeaders v0..1 (no real Kafka release; a proxy or a fork) */
    int16_t apis[NAPIS(kafka_2_8)][3];
    memcpy(apis, kafka_2_8, sizeof(apis));
    for (int i = 0; i < NAPIS(kafka_2_8); i++)
        if (apis[i][0] == 43)
            apis[i][2] = 1;
    struct fake_broker f = {.rf = 1, .ndirs = 1, .apis = (const int16_t (*)[3])apis,
                            .napis = NAPIS(kafka_2_8)};
    CHECK_INT_EQ(fake_broker_start(&f, FAKE_KAFKA, NULL, 0), 0);
    struct kafka_conn *c = NULL;
    struct error err = {0};
    struct kafka_opts o = {.timeout_ms = 5000};
    CHECK_INT_EQ(kafka_conn_open("127.0.0.1", f.port, &o, &c, &err), 0);
    if (c) {
        const char *topics[] = {"t"};
        int32_t parts[] = {0};
        CHECK_INT_EQ(kafka_elect_preferred(c, topics, parts, 1, 5000, &err), -EPROTONOSUPPORT);
        char want[128];
        snprintf(want, sizeof(want), "127.0.0.1:%d: ElectLeaders v2 is not supported by this "
                 "broker (it offers v0..1); Ballast needs Kafka 2.8 or later", f.port);
        CHECK_STR_CONTAINS(err.msg, want);
        CHECK(!kafka_conn_broken(c)); /* nothing was sent: the connection is still good */
        kafka_conn_close(c);
    }
    fake_broker_stop(&f);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
