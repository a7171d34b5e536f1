/* The byte stream under a Kafka connection: a non-blocking TCP socket, optionally wrapped in
 * TLS (OpenSSL). Every operation takes an absolute deadline (clock_mono_ms()) and waits
 * with poll(), so a silent or slow broker costs at most the request timeout (or ~100 ms
 * after kafka_opts.cancel is set).
 *
 * TLS always verifies the broker's chain (against ssl_ca_file, or the system store without
 * one); with ssl_verify_hostname the certificate must also name the host we dialled (a DNS
 * name, or an IP address in subjectAltName for an IP literal). SNI carries DNS names. Errors
 * name the broker and OpenSSL's reason, for example
 * "127.0.0.1:9093: TLS handshake: certificate verify failed: self-signed certificate".
 * Writes never raise SIGPIPE. Single-threaded per transport. */
#ifndef KAFKA_TRANSPORT_H
#define KAFKA_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "common/clock.h"
#include "common/error.h"
#include "kafka/client.h"

struct kafka_transport {
    int fd;          /* -1: closed */
    void *ssl;       /* SSL *, NULL for plain TCP */
    char name[300];  /* "host:port", for messages */
    const atomic_bool *cancel; /* from kafka_opts: ends any wait with -ECANCELED */
};

/* Connects to host:port (every resolved address in turn) and, when tls, runs the handshake
 * with the ssl_* options of opts. On failure t is left closed and err says why. */
int kafka_transport_open(struct kafka_transport *t, const char *host, int port, bool tls,
                         const struct kafka_opts *opts, double deadline, struct error *err);
/* Reads (reading) or writes exactly n bytes before deadline. */
int kafka_transport_io(struct kafka_transport *t, void *buf, size_t n, bool reading,
                       double deadline, struct error *err);
/* Closes the socket (TLS: sends close_notify without waiting). Accepts a closed transport. */
void kafka_transport_close(struct kafka_transport *t);

#endif
