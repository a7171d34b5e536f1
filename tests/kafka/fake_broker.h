/* A scripted Kafka broker for unit tests: a child process listening on 127.0.0.1 that answers
 * ApiVersions (v3), DescribeCluster (v1, naming itself as broker 1) and
 * ListPartitionReassignments (v0) from a script, and otherwise behaves as `kind` says. The
 * test talks to it with the real client. */
#ifndef TESTS_KAFKA_FAKE_BROKER_H
#define TESTS_KAFKA_FAKE_BROKER_H

#include <stdint.h>
#include <sys/types.h>

enum fake_kind {
    FAKE_KAFKA,  /* a broker (see script) */
    FAKE_SILENT, /* accepts and never answers */
    FAKE_HTTP,   /* answers every request with an HTTP/1.1 400 page */
};

/* FAKE_KAFKA: the n-th ListPartitionReassignments (counted over every connection) is answered
 * with error code script[n] (0: success); FAKE_CLOSE closes the connection instead. Past the
 * end of the script: success. A successful reply lists one ongoing reassignment of topic
 * "conn-<k>" partition 0, k the number of the connection it came on (1 = the first accepted),
 * so a test can tell connections apart. */
#define FAKE_CLOSE ((int16_t)-1000)
#define FAKE_SCRIPT_MAX 16

struct fake_broker {
    pid_t pid;
    int port;
    /* Metadata v12: broker 1 (itself) and `ntopics` topics ("t", "t1", ...; 0 means 1) of one
     * partition with `rf` replicas, all on broker 1 (set before fake_broker_start).
     * DescribeLogDirs v4: `ndirs` dirs of 1 GB, every partition in the first. */
    int rf, ndirs, ntopics;
    int nlisted; /* replicas (ids 1..n) in each ListPartitionReassignments entry */
    /* ApiVersions: {key, min, max} for each API the broker lists (NULL: a Kafka 4.1 broker's
     * ranges of the APIs the fake answers). DescribeLogDirs replies follow the version asked
     * (no TotalBytes before v4); ApiVersions is answered in v0 when the list has no v3. A
     * request above the listed version closes the connection, as Kafka does. */
    const int16_t (*apis)[3];
    int napis;
};

/* Starts the child (f->rf and f->ndirs set by the caller); 0 or -errno. */
int fake_broker_start(struct fake_broker *f, enum fake_kind kind, const int16_t *script,
                      int nscript);
/* Kills the child and waits for it. */
void fake_broker_stop(struct fake_broker *f);

#endif
