/* The admin client against a scripted broker (tests/kafka/fake_broker.c), no Kafka needed:
 * typed Kafka errors (code, name, retriability) from the one error table, and a failed call
 * dropping its connection inside struct kafka_admin so the next use reconnects by itself. */
#include <errno.h>
#include <stdlib.h>

#include "kafka/admin.h"
#include "kafka/errors.h"
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
    struct fake_broker f;
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

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
