/* Kafka's API keys as Ballast uses them: one table for the client, the admin requests and
 * SASL (apache/kafka clients/src/main/resources/common/message/, the "apiKey" of each request).
 * The versions each request speaks are chosen where it is encoded, against what the broker
 * offers (kafka_conn_version). */
#ifndef KAFKA_PROTOCOL_H
#define KAFKA_PROTOCOL_H

enum kafka_api {
    KAFKA_API_METADATA = 3,
    KAFKA_API_SASL_HANDSHAKE = 17,
    KAFKA_API_API_VERSIONS = 18,
    KAFKA_API_DESCRIBE_CONFIGS = 32,
    KAFKA_API_ALTER_REPLICA_LOG_DIRS = 34,
    KAFKA_API_DESCRIBE_LOG_DIRS = 35,
    KAFKA_API_SASL_AUTHENTICATE = 36,
    KAFKA_API_ELECT_LEADERS = 43,
    KAFKA_API_INCREMENTAL_ALTER_CONFIGS = 44,
    KAFKA_API_ALTER_PARTITION_REASSIGNMENTS = 45,
    KAFKA_API_LIST_PARTITION_REASSIGNMENTS = 46,
    KAFKA_API_DESCRIBE_CLUSTER = 60,
    KAFKA_API_KEYS_MAX = 128, /* keys below this are tracked per connection */
};

#endif
