/* SASL authentication of a Kafka connection (KIP-152): SaslHandshake v1 names the mechanism,
 * then SaslAuthenticate (v2 flexible, v1/v0 when that is all the broker offers) carries the
 * mechanism's tokens. Mechanisms: PLAIN (RFC 4616) and SCRAM-SHA-256 / SCRAM-SHA-512
 * (RFC 5802, RFC 7677) without channel binding.
 *
 * The SCRAM client is exposed for tests. Every server message is untrusted: server-first must
 * extend our nonce, carry a base64 salt and an iteration count in [4096, SCRAM_MAX_ITERATIONS];
 * server-final must carry the exact ServerSignature, or authentication fails even when the
 * broker said yes. Password-derived bytes are wiped (OPENSSL_cleanse) once used. */
#ifndef KAFKA_SASL_H
#define KAFKA_SASL_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "kafka/client.h"

#define SCRAM_MIN_ITERATIONS 4096
#define SCRAM_MAX_ITERATIONS 100000 /* Kafka itself allows at most 16384 */

/* Checks opts->sasl_mechanism and the credentials before anything is sent; name prefixes the
 * message ("127.0.0.1:9093"). */
int kafka_sasl_check(const char *name, const struct kafka_opts *opts, struct error *err);

/* Authenticates the open connection c (after ApiVersions) with opts' mechanism and
 * credentials. Kafka's refusal reads "SASL_AUTHENTICATION_FAILED (58): <broker's message>". */
int kafka_sasl_authenticate(struct kafka_conn *c, const char *name, const struct kafka_opts *opts,
                            struct error *err);

/* One SCRAM exchange. Strings are heap, NUL-terminated, owned by the struct. */
struct kafka_scram {
    const void *md;             /* const EVP_MD * */
    size_t hlen;                /* digest size */
    char *client_first;         /* "n,,n=<user>,r=<nonce>" */
    char *client_final;         /* after kafka_scram_final */
    uint8_t server_sig[64];     /* expected ServerSignature */
    char nonce[64];
};

/* mechanism "SCRAM-SHA-256" or "SCRAM-SHA-512"; user is escaped (',' -> =2C, '=' -> =3D);
 * nonce NULL draws 24 random bytes (RAND_bytes), else it is used as given (tests). */
int kafka_scram_start(struct kafka_scram *s, const char *mechanism, const char *user,
                      const char *nonce, struct error *err);
/* Parses server-first (len bytes, not NUL-terminated), derives the keys from password and
 * builds client_final with the ClientProof. -EPROTO for a malformed or hostile message. */
int kafka_scram_final(struct kafka_scram *s, const char *password, const uint8_t *server_first,
                      size_t len, struct error *err);
/* Checks server-final: "v=<ServerSignature>" must match; "e=<error>" is the server's refusal. */
int kafka_scram_verify(const struct kafka_scram *s, const uint8_t *server_final, size_t len,
                       struct error *err);
void kafka_scram_finish(struct kafka_scram *s); /* accepts a zeroed or half-built struct */

#endif
