/* Kafka's error codes as typed errors. One table holds every code Kafka defines (apache/kafka
 * clients/.../protocol/Errors.java, -1..128) with its name and whether Ballast retries it.
 * A request that fails with a Kafka error fills struct error's `kafka` member ({code, name,
 * retriable}) and returns -EAGAIN when the code is retriable, -EINVAL otherwise, so callers
 * branch on the code (kafka_error_is), never on the message text. */
#ifndef KAFKA_ERRORS_H
#define KAFKA_ERRORS_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"

/* The codes Ballast branches on or names in tests; the table has them all. */
enum kafka_errcode {
    KAFKA_ERR_UNKNOWN_SERVER_ERROR = -1,
    KAFKA_ERR_NONE = 0,
    KAFKA_ERR_UNKNOWN_TOPIC_OR_PARTITION = 3,
    KAFKA_ERR_LEADER_NOT_AVAILABLE = 5,
    KAFKA_ERR_REQUEST_TIMED_OUT = 7,
    KAFKA_ERR_REPLICA_NOT_AVAILABLE = 9,
    KAFKA_ERR_UNSUPPORTED_SASL_MECHANISM = 33,
    KAFKA_ERR_UNSUPPORTED_VERSION = 35,
    KAFKA_ERR_INVALID_REPLICA_ASSIGNMENT = 39,
    KAFKA_ERR_INVALID_CONFIG = 40,
    KAFKA_ERR_NOT_CONTROLLER = 41,
    KAFKA_ERR_LOG_DIR_NOT_FOUND = 57,
    KAFKA_ERR_SASL_AUTHENTICATION_FAILED = 58,
    KAFKA_ERR_PREFERRED_LEADER_NOT_AVAILABLE = 80,
    KAFKA_ERR_ELECTION_NOT_NEEDED = 84,
    KAFKA_ERR_NO_REASSIGNMENT_IN_PROGRESS = 85,
};

/* Kafka's name for a code ("INVALID_REPLICA_ASSIGNMENT"); "UNKNOWN" for a code Kafka does not
 * define (the message then shows the number). */
const char *kafka_error_name(int16_t code);
/* Whether Ballast retries a code after a pause: Kafka's RetriableException classes, except
 * UNKNOWN_TOPIC_OR_PARTITION (for an admin, a deleted topic stays deleted),
 * REPLICA_NOT_AVAILABLE (AlterReplicaLogDirs: the replica is not on that broker) and
 * ELECTION_NOT_NEEDED (an answer, not a failure); and BROKER_NOT_AVAILABLE, which Kafka does
 * not class retriable, is (a restarting broker is worth waiting for). Unknown codes are not. */
bool kafka_error_retriable(int16_t code);
/* Sets err to a Kafka error: the message from fmt, err->kafka from code. Returns -EAGAIN when
 * the code is retriable, -EINVAL otherwise. */
int kafka_error_set(struct error *err, int16_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Fills err->kafka from code, leaving the message and the errno as they are (for errors
 * whose errno says more, such as SASL's -EACCES). */
void kafka_error_tag(struct error *err, int16_t code);
/* True when err holds the Kafka error code (and false for errors that are not Kafka's). */
bool kafka_error_is(const struct error *err, int16_t code);

#endif
