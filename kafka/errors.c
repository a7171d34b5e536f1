/* Kafka's error table; see errors.h. */
#include "kafka/errors.h"

#include <errno.h>
#include <stdarg.h>

#define FIRST_CODE (-1)

/* Indexed by code - FIRST_CODE. The names are Kafka's; `true` marks the codes Ballast retries
 * (where that differs from Kafka's own class, the comment says so). */
static const struct {
    const char *name;
    bool retriable;
} table[] = {
    [-1 - FIRST_CODE] = {"UNKNOWN_SERVER_ERROR", false},
    [0 - FIRST_CODE] = {"NONE", false},
    [1 - FIRST_CODE] = {"OFFSET_OUT_OF_RANGE", false},
    [2 - FIRST_CODE] = {"CORRUPT_MESSAGE", true},
    [3 - FIRST_CODE] = {"UNKNOWN_TOPIC_OR_PARTITION", false}, /* Kafka: retriable */
    [4 - FIRST_CODE] = {"INVALID_FETCH_SIZE", false},
    [5 - FIRST_CODE] = {"LEADER_NOT_AVAILABLE", true},
    [6 - FIRST_CODE] = {"NOT_LEADER_OR_FOLLOWER", true},
    [7 - FIRST_CODE] = {"REQUEST_TIMED_OUT", true},
    [8 - FIRST_CODE] = {"BROKER_NOT_AVAILABLE", true}, /* Kafka: not retriable */
    [9 - FIRST_CODE] = {"REPLICA_NOT_AVAILABLE", false}, /* Kafka: retriable */
    [10 - FIRST_CODE] = {"MESSAGE_TOO_LARGE", false},
    [11 - FIRST_CODE] = {"STALE_CONTROLLER_EPOCH", false},
    [12 - FIRST_CODE] = {"OFFSET_METADATA_TOO_LARGE", false},
    [13 - FIRST_CODE] = {"NETWORK_EXCEPTION", true},
    [14 - FIRST_CODE] = {"COORDINATOR_LOAD_IN_PROGRESS", true},
    [15 - FIRST_CODE] = {"COORDINATOR_NOT_AVAILABLE", true},
    [16 - FIRST_CODE] = {"NOT_COORDINATOR", true},
    [17 - FIRST_CODE] = {"INVALID_TOPIC_EXCEPTION", false},
    [18 - FIRST_CODE] = {"RECORD_LIST_TOO_LARGE", false},
    [19 - FIRST_CODE] = {"NOT_ENOUGH_REPLICAS", true},
    [20 - FIRST_CODE] = {"NOT_ENOUGH_REPLICAS_AFTER_APPEND", true},
    [21 - FIRST_CODE] = {"INVALID_REQUIRED_ACKS", false},
    [22 - FIRST_CODE] = {"ILLEGAL_GENERATION", false},
    [23 - FIRST_CODE] = {"INCONSISTENT_GROUP_PROTOCOL", false},
    [24 - FIRST_CODE] = {"INVALID_GROUP_ID", false},
    [25 - FIRST_CODE] = {"UNKNOWN_MEMBER_ID", false},
    [26 - FIRST_CODE] = {"INVALID_SESSION_TIMEOUT", false},
    [27 - FIRST_CODE] = {"REBALANCE_IN_PROGRESS", false},
    [28 - FIRST_CODE] = {"INVALID_COMMIT_OFFSET_SIZE", false},
    [29 - FIRST_CODE] = {"TOPIC_AUTHORIZATION_FAILED", false},
    [30 - FIRST_CODE] = {"GROUP_AUTHORIZATION_FAILED", false},
    [31 - FIRST_CODE] = {"CLUSTER_AUTHORIZATION_FAILED", false},
    [32 - FIRST_CODE] = {"INVALID_TIMESTAMP", false},
    [33 - FIRST_CODE] = {"UNSUPPORTED_SASL_MECHANISM", false},
    [34 - FIRST_CODE] = {"ILLEGAL_SASL_STATE", false},
    [35 - FIRST_CODE] = {"UNSUPPORTED_VERSION", false},
    [36 - FIRST_CODE] = {"TOPIC_ALREADY_EXISTS", false},
    [37 - FIRST_CODE] = {"INVALID_PARTITIONS", false},
    [38 - FIRST_CODE] = {"INVALID_REPLICATION_FACTOR", false},
    [39 - FIRST_CODE] = {"INVALID_REPLICA_ASSIGNMENT", false},
    [40 - FIRST_CODE] = {"INVALID_CONFIG", false},
    [41 - FIRST_CODE] = {"NOT_CONTROLLER", true},
    [42 - FIRST_CODE] = {"INVALID_REQUEST", false},
    [43 - FIRST_CODE] = {"UNSUPPORTED_FOR_MESSAGE_FORMAT", false},
    [44 - FIRST_CODE] = {"POLICY_VIOLATION", false},
    [45 - FIRST_CODE] = {"OUT_OF_ORDER_SEQUENCE_NUMBER", false},
    [46 - FIRST_CODE] = {"DUPLICATE_SEQUENCE_NUMBER", false},
    [47 - FIRST_CODE] = {"INVALID_PRODUCER_EPOCH", false},
    [48 - FIRST_CODE] = {"INVALID_TXN_STATE", false},
    [49 - FIRST_CODE] = {"INVALID_PRODUCER_ID_MAPPING", false},
    [50 - FIRST_CODE] = {"INVALID_TRANSACTION_TIMEOUT", false},
    [51 - FIRST_CODE] = {"CONCURRENT_TRANSACTIONS", true},
    [52 - FIRST_CODE] = {"TRANSACTION_COORDINATOR_FENCED", false},
    [53 - FIRST_CODE] = {"TRANSACTIONAL_ID_AUTHORIZATION_FAILED", false},
    [54 - FIRST_CODE] = {"SECURITY_DISABLED", false},
    [55 - FIRST_CODE] = {"OPERATION_NOT_ATTEMPTED", false},
    [56 - FIRST_CODE] = {"KAFKA_STORAGE_ERROR", true},
    [57 - FIRST_CODE] = {"LOG_DIR_NOT_FOUND", false},
    [58 - FIRST_CODE] = {"SASL_AUTHENTICATION_FAILED", false},
    [59 - FIRST_CODE] = {"UNKNOWN_PRODUCER_ID", false},
    [60 - FIRST_CODE] = {"REASSIGNMENT_IN_PROGRESS", false},
    [61 - FIRST_CODE] = {"DELEGATION_TOKEN_AUTH_DISABLED", false},
    [62 - FIRST_CODE] = {"DELEGATION_TOKEN_NOT_FOUND", false},
    [63 - FIRST_CODE] = {"DELEGATION_TOKEN_OWNER_MISMATCH", false},
    [64 - FIRST_CODE] = {"DELEGATION_TOKEN_REQUEST_NOT_ALLOWED", false},
    [65 - FIRST_CODE] = {"DELEGATION_TOKEN_AUTHORIZATION_FAILED", false},
    [66 - FIRST_CODE] = {"DELEGATION_TOKEN_EXPIRED", false},
    [67 - FIRST_CODE] = {"INVALID_PRINCIPAL_TYPE", false},
    [68 - FIRST_CODE] = {"NON_EMPTY_GROUP", false},
    [69 - FIRST_CODE] = {"GROUP_ID_NOT_FOUND", false},
    [70 - FIRST_CODE] = {"FETCH_SESSION_ID_NOT_FOUND", true},
    [71 - FIRST_CODE] = {"INVALID_FETCH_SESSION_EPOCH", true},
    [72 - FIRST_CODE] = {"LISTENER_NOT_FOUND", true},
    [73 - FIRST_CODE] = {"TOPIC_DELETION_DISABLED", false},
    [74 - FIRST_CODE] = {"FENCED_LEADER_EPOCH", true},
    [75 - FIRST_CODE] = {"UNKNOWN_LEADER_EPOCH", true},
    [76 - FIRST_CODE] = {"UNSUPPORTED_COMPRESSION_TYPE", false},
    [77 - FIRST_CODE] = {"STALE_BROKER_EPOCH", false},
    [78 - FIRST_CODE] = {"OFFSET_NOT_AVAILABLE", true},
    [79 - FIRST_CODE] = {"MEMBER_ID_REQUIRED", false},
    [80 - FIRST_CODE] = {"PREFERRED_LEADER_NOT_AVAILABLE", true},
    [81 - FIRST_CODE] = {"GROUP_MAX_SIZE_REACHED", false},
    [82 - FIRST_CODE] = {"FENCED_INSTANCE_ID", false},
    [83 - FIRST_CODE] = {"ELIGIBLE_LEADERS_NOT_AVAILABLE", true},
    [84 - FIRST_CODE] = {"ELECTION_NOT_NEEDED", false}, /* Kafka: retriable */
    [85 - FIRST_CODE] = {"NO_REASSIGNMENT_IN_PROGRESS", false},
    [86 - FIRST_CODE] = {"GROUP_SUBSCRIBED_TO_TOPIC", false},
    [87 - FIRST_CODE] = {"INVALID_RECORD", false},
    [88 - FIRST_CODE] = {"UNSTABLE_OFFSET_COMMIT", true},
    [89 - FIRST_CODE] = {"THROTTLING_QUOTA_EXCEEDED", true},
    [90 - FIRST_CODE] = {"PRODUCER_FENCED", false},
    [91 - FIRST_CODE] = {"RESOURCE_NOT_FOUND", false},
    [92 - FIRST_CODE] = {"DUPLICATE_RESOURCE", false},
    [93 - FIRST_CODE] = {"UNACCEPTABLE_CREDENTIAL", false},
    [94 - FIRST_CODE] = {"INCONSISTENT_VOTER_SET", false},
    [95 - FIRST_CODE] = {"INVALID_UPDATE_VERSION", false},
    [96 - FIRST_CODE] = {"FEATURE_UPDATE_FAILED", false},
    [97 - FIRST_CODE] = {"PRINCIPAL_DESERIALIZATION_FAILURE", false},
    [98 - FIRST_CODE] = {"SNAPSHOT_NOT_FOUND", false},
    [99 - FIRST_CODE] = {"POSITION_OUT_OF_RANGE", false},
    [100 - FIRST_CODE] = {"UNKNOWN_TOPIC_ID", true},
    [101 - FIRST_CODE] = {"DUPLICATE_BROKER_REGISTRATION", false},
    [102 - FIRST_CODE] = {"BROKER_ID_NOT_REGISTERED", false},
    [103 - FIRST_CODE] = {"INCONSISTENT_TOPIC_ID", true},
    [104 - FIRST_CODE] = {"INCONSISTENT_CLUSTER_ID", false},
    [105 - FIRST_CODE] = {"TRANSACTIONAL_ID_NOT_FOUND", false},
    [106 - FIRST_CODE] = {"FETCH_SESSION_TOPIC_ID_ERROR", true},
    [107 - FIRST_CODE] = {"INELIGIBLE_REPLICA", false},
    [108 - FIRST_CODE] = {"NEW_LEADER_ELECTED", false},
    [109 - FIRST_CODE] = {"OFFSET_MOVED_TO_TIERED_STORAGE", false},
    [110 - FIRST_CODE] = {"FENCED_MEMBER_EPOCH", false},
    [111 - FIRST_CODE] = {"UNRELEASED_INSTANCE_ID", false},
    [112 - FIRST_CODE] = {"UNSUPPORTED_ASSIGNOR", false},
    [113 - FIRST_CODE] = {"STALE_MEMBER_EPOCH", false},
    [114 - FIRST_CODE] = {"MISMATCHED_ENDPOINT_TYPE", false},
    [115 - FIRST_CODE] = {"UNSUPPORTED_ENDPOINT_TYPE", false},
    [116 - FIRST_CODE] = {"UNKNOWN_CONTROLLER_ID", false},
    [117 - FIRST_CODE] = {"UNKNOWN_SUBSCRIPTION_ID", false},
    [118 - FIRST_CODE] = {"TELEMETRY_TOO_LARGE", false},
    [119 - FIRST_CODE] = {"INVALID_REGISTRATION", false},
    [120 - FIRST_CODE] = {"TRANSACTION_ABORTABLE", false},
    [121 - FIRST_CODE] = {"INVALID_RECORD_STATE", false},
    [122 - FIRST_CODE] = {"SHARE_SESSION_NOT_FOUND", true},
    [123 - FIRST_CODE] = {"INVALID_SHARE_SESSION_EPOCH", true},
    [124 - FIRST_CODE] = {"FENCED_STATE_EPOCH", false},
    [125 - FIRST_CODE] = {"INVALID_VOTER_KEY", false},
    [126 - FIRST_CODE] = {"DUPLICATE_VOTER", false},
    [127 - FIRST_CODE] = {"VOTER_NOT_FOUND", false},
    [128 - FIRST_CODE] = {"INVALID_REGULAR_EXPRESSION", false},
};

#define NCODES ((int)(sizeof(table) / sizeof(table[0])))

static bool known(int16_t code)
{
    int i = code - FIRST_CODE;
    return i >= 0 && i < NCODES && table[i].name;
}

const char *kafka_error_name(int16_t code)
{
    return known(code) ? table[code - FIRST_CODE].name : "UNKNOWN";
}

bool kafka_error_retriable(int16_t code)
{
    return known(code) && table[code - FIRST_CODE].retriable;
}

int kafka_error_set(struct error *err, int16_t code, const char *fmt, ...)
{
    int rc = kafka_error_retriable(code) ? -EAGAIN : -EINVAL;
    va_list ap;
    va_start(ap, fmt);
    error_vset(err, rc, fmt, ap);
    va_end(ap);
    kafka_error_tag(err, code);
    return rc;
}

void kafka_error_tag(struct error *err, int16_t code)
{
    if (!err)
        return;
    err->kafka.code = code;
    err->kafka.name = kafka_error_name(code);
    err->kafka.retriable = kafka_error_retriable(code);
}

bool kafka_error_is(const struct error *err, int16_t code)
{
    return err && err->kafka.name && err->kafka.code == code;
}
