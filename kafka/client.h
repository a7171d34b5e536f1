/* Ballast's Kafka admin wire client: connections with timeouts and correlation ids over
 * PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL (kafka/transport.h: TLS via OpenSSL with CA file,
 * optional client certificate, hostname/IP verification and SNI; kafka/sasl.h: SaslHandshake
 * v1 + SaslAuthenticate with PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512), ApiVersions (v3, falling
 * back to v0), Metadata v12 or v11 (brokers with racks, topics, leaders, replicas, ISR, offline
 * replicas), DescribeLogDirs v4 down to v2 (exact replica sizes per log dir; each dir's total
 * bytes from v4, Kafka 3.3) and from them a cluster snapshot for the planner; reassignments and
 * leader election. Needs brokers >= 2.8 (the flexible versions): kafka_conn_open refuses an
 * older broker (no Metadata v11 or no DescribeCluster) naming what it lacks, and a request the
 * broker cannot take fails naming the versions it offers, never with a decode error.
 *
 * Replies are untrusted: frames over KAFKA_MAX_FRAME are refused, every decode is bounds-checked
 * (kafka/wire.h), and errors name the broker, the request and the field. Single-threaded. */
#ifndef KAFKA_CLIENT_H
#define KAFKA_CLIENT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "kafka/errors.h"
#include "model/cluster.h"

#define KAFKA_MAX_FRAME (100 * 1024 * 1024)
#define KAFKA_MAX_LOG_DIRS 4096 /* per broker, in a snapshot */

struct kafka_conn;

/* How to reach the brokers. Strings are borrowed for the duration of the call that takes
 * them. NULL options or a zeroed struct mean PLAINTEXT with KAFKA_DEFAULT_TIMEOUT_MS. */
struct kafka_opts {
    const char *security_protocol; /* NULL or PLAINTEXT | SSL | SASL_PLAINTEXT | SASL_SSL */
    const char *sasl_mechanism;    /* PLAIN | SCRAM-SHA-256 | SCRAM-SHA-512 (SASL_* only) */
    const char *sasl_username, *sasl_password;
    /* PEM. No CA file: the system's store. A client certificate without a key file: the key
     * is in the certificate file. Keys must be unencrypted. */
    const char *ssl_ca_file, *ssl_cert_file, *ssl_key_file;
    bool ssl_verify_hostname;      /* the certificate must name the host (or IP) dialled */
    const char *client_id;         /* NULL: "ballast" */
    int timeout_ms;                /* per request; 0: KAFKA_DEFAULT_TIMEOUT_MS */
    /* Opening a connection (TCP, TLS, ApiVersions, SASL) as a whole; 0: the smaller of
     * KAFKA_DEFAULT_CONNECT_TIMEOUT_MS and timeout_ms. */
    int connect_timeout_ms;
    /* NULL, or a flag another thread sets to end every wait of this client's connections
     * within ~100 ms with -ECANCELED ("... cancelled"), e.g. on shutdown. */
    const atomic_bool *cancel;
};
#define KAFKA_DEFAULT_TIMEOUT_MS 30000
#define KAFKA_DEFAULT_CONNECT_TIMEOUT_MS 10000

/* One "host:port" of a bootstrap list; IPv6 addresses in brackets ("[::1]:9092"). */
struct kafka_endpoint {
    char host[256]; /* without brackets */
    int port;       /* 1..65535 */
};

/* Parses a bootstrap list "host:port,host:port" strictly: every item needs a host and a
 * decimal port in 1..65535 with nothing after it; spaces around items are allowed, empty
 * items are not. *ret (heap, caller frees) gets the endpoints in order. -EINVAL with the item
 * named: "bootstrap item 2 'b:9092x': the port '9092x' is not a number in 1..65535". */
int kafka_bootstrap_parse(const char *bootstrap, struct kafka_endpoint **ret, int *ret_n,
                          struct error *err);

/* Connects to host:port: TCP, the TLS handshake for SSL and SASL_SSL, ApiVersions, then SASL
 * authentication for SASL_PLAINTEXT and SASL_SSL, each step within opts' timeout. An unknown
 * protocol or mechanism, or SASL without username and password, fails before connecting.
 * Failures name the broker and the cause: "127.0.0.1:9093: TLS handshake: certificate verify
 * failed: self-signed certificate", "127.0.0.1:9093: SASL_AUTHENTICATION_FAILED (58): ...". */
int kafka_conn_open(const char *host, int port, const struct kafka_opts *opts,
                    struct kafka_conn **ret, struct error *err);
void kafka_conn_close(struct kafka_conn *c); /* accepts NULL */
/* Highest version of api_key the broker supports within [lo, hi], or -1. */
int kafka_conn_version(const struct kafka_conn *c, int16_t api_key, int lo, int hi);
/* Sets err for a request the broker cannot take at any version in [lo, hi], naming the broker
 * and the versions it offers: "127.0.0.1:9092: ElectLeaders v2 is not supported by this broker
 * (it offers v0..1); Ballast needs Kafka 2.8 or later". Returns -EPROTONOSUPPORT. */
int kafka_conn_unsupported(const struct kafka_conn *c, int16_t api_key, const char *what, int lo,
                           int hi, struct error *err);
/* Sends one request (body encoded by the caller for `version`) and returns the response body
 * after its header (heap, caller frees). flexible: the response has header v1. Any failure
 * here (I/O, timeout, a bad frame or correlation id) leaves the connection broken: later calls
 * fail with -ENOTCONN, and struct kafka_admin replaces it on its next use. */
int kafka_conn_call(struct kafka_conn *c, int16_t api_key, int16_t version, const uint8_t *body,
                    size_t body_len, bool flexible, uint8_t **ret_body, size_t *ret_len,
                    struct error *err);

/* True once a call on c failed (see kafka_conn_call). */
bool kafka_conn_broken(const struct kafka_conn *c);

/* Connects to the first reachable broker of a bootstrap list (kafka_bootstrap_parse; the whole
 * list is checked before any connection). A broker that does not answer within the connect
 * timeout, or an HTTP server on the port, is named as such. */
int kafka_connect_bootstrap(const char *bootstrap, const struct kafka_opts *opts,
                            struct kafka_conn **ret, struct error *err);

/* Decodes a Metadata v12 reply body (after the response header), as a fuzz target and for
 * recorded replies; counts what it found. -EPROTO with the field and offset on bad input. */
int kafka_decode_metadata(const uint8_t *body, size_t len, int32_t *ret_brokers,
                          int32_t *ret_partitions, struct error *err);
/* Decodes a DescribeLogDirs reply body of the given version (2..4). */
int kafka_decode_log_dirs(const uint8_t *body, size_t len, int version, int32_t *ret_dirs,
                          struct error *err);

/* Builds a finalized cluster from a live cluster: Metadata from the first reachable bootstrap
 * broker ("host:port,host:port"), DescribeLogDirs from every broker. Brokers without a rack are
 * racks of their own; replicas on brokers missing from metadata go on brokers marked dead;
 * each log dir's capacity is its TotalBytes; capacities other than disk are left unset for the
 * configuration to fill. A partition with no replicas or more than MODEL_MAX_RF, or a broker
 * with more than KAFKA_MAX_LOG_DIRS log dirs, fails the snapshot naming it (-ENOTSUP). */
int kafka_snapshot(const char *bootstrap, const struct kafka_opts *opts,
                   struct model_cluster **ret, struct error *err);

#endif
