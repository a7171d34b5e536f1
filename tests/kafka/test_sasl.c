/* SCRAM message building and parsing without a broker: the RFC 7677 SCRAM-SHA-256 exchange
 * byte for byte, a SCRAM-SHA-512 exchange computed independently (Python's hashlib), username
 * escaping, hostile server-first and server-final messages (each an error, never a crash, and
 * every cut of a good message refused), option checks, and TLS set-up failures against a local
 * socket that never speaks TLS. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kafka/client.h"
#include "kafka/sasl.h"
#include "tests/harness.h"

#define RFC_NONCE "rOprNGfwEbeRWgbNEkqO"
#define RFC_SERVER_FIRST RFC_NONCE "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"

static int final_of(struct kafka_scram *s, const char *server_first, struct error *err)
{
    return kafka_scram_final(s, "pencil", (const uint8_t *)server_first, strlen(server_first), err);
}

TEST(scram_sha256_rfc7677)
{
    struct kafka_scram s;
    struct error err = {0};
    CHECK_INT_EQ(kafka_scram_start(&s, "SCRAM-SHA-256", "user", RFC_NONCE, &err), 0);
    CHECK_STR_EQ(s.client_first, "n,,n=user,r=" RFC_NONCE);
    CHECK_INT_EQ(final_of(&s, "r=" RFC_SERVER_FIRST, &err), 0);
    CHECK_STR_EQ(s.client_final, "c=biws,r=" RFC_NONCE "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                                 "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
    const char *good = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";
    CHECK_INT_EQ(kafka_scram_verify(&s, (const uint8_t *)good, strlen(good), &err), 0);
    /* one character of the signature changed */
    const char *bad = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjm95G4=";
    CHECK_INT_EQ(kafka_scram_verify(&s, (const uint8_t *)bad, strlen(bad), &err), -EACCES);
    CHECK_STR_CONTAINS(err.msg, "server signature does not match");
    /* the same bytes with stray bits before the padding: not canonical base64 */
    const char *odd = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G5=";
    CHECK_INT_EQ(kafka_scram_verify(&s, (const uint8_t *)odd, strlen(odd), &err), -EPROTO);
    kafka_scram_finish(&s);
}

TEST(scram_sha512_independent_vector)
{
    struct kafka_scram s;
    struct error err = {0};
    CHECK_INT_EQ(kafka_scram_start(&s, "SCRAM-SHA-512", "ballast", "fyko+d2lbbFgONRv9qkxdawL",
                                   &err), 0);
    const char *sf = "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=UVNYQ1IrUTZzZWs4YmY5Mg==,"
                     "i=4096";
    CHECK_INT_EQ(kafka_scram_final(&s, "s3cret-pass", (const uint8_t *)sf, strlen(sf), &err), 0);
    CHECK_STR_EQ(s.client_final,
                 "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=W2psWPs8zp3AyrpDdap2fTdfYyAr"
                 "hUJTeUhof7sxe6VLKpmxpRivAEmLzMIT/jemEQgMTdwK4HX381Zc4tmjTg==");
    const char *v = "v=vMz5QmGOrfSRf3YpfyW1HspUZa78eL/0HxvXPowwsc+YI20AXim0EF7p2mn0wUsJgE3rqgGQ1+"
                    "Dctn1axHvC7Q==";
    CHECK_INT_EQ(kafka_scram_verify(&s, (const uint8_t *)v, strlen(v), &err), 0);
    kafka_scram_finish(&s);
}

TEST(scram_username_escaping_and_random_nonce)
{
    struct kafka_scram s;
    struct error err = {0};
    CHECK_INT_EQ(kafka_scram_start(&s, "SCRAM-SHA-256", "a,b=c=", "xyz", &err), 0);
    CHECK_STR_EQ(s.client_first, "n,,n=a=2Cb=3Dc=3D,r=xyz");
    kafka_scram_finish(&s);
    char first[200];
    CHECK_INT_EQ(kafka_scram_start(&s, "SCRAM-SHA-512", "u", NULL, &err), 0);
    snprintf(first, sizeof(first), "%s", s.client_first);
    CHECK_INT_EQ(strlen(s.nonce), 32);
    CHECK(strchr(s.nonce, ',') == NULL);
    kafka_scram_finish(&s);
    CHECK_INT_EQ(kafka_scram_start(&s, "SCRAM-SHA-512", "u", NULL, &err), 0);
    CHECK(strcmp(first, s.client_first) != 0); /* a fresh nonce each time */
    kafka_scram_finish(&s);
    CHECK(kafka_scram_start(&s, "SCRAM-SHA-1", "u", NULL, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "'SCRAM-SHA-1' is not a SCRAM mechanism");
    kafka_scram_finish(&s);
}

TEST(scram_hostile_server_first)
{
    static const struct {
        const char *msg, *want;
    } cases[] = {
        {"", "0 bytes"},
        {"m=ext,r=" RFC_SERVER_FIRST, "requires an extension"},
        {"s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", "no nonce"},
        {"r=someoneelse123,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", "does not extend ours"},
        {"r=" RFC_NONCE ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", "does not extend ours"},
        {"r=" RFC_NONCE "ab cd,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", "bad character in the nonce"},
        {"r=" RFC_NONCE "abc,i=4096", "no salt"},
        {"r=" RFC_NONCE "abc,s=,i=4096", "no salt"},
        {"r=" RFC_NONCE "abc,s=abc,i=4096", "no salt"},
        {"r=" RFC_NONCE "abc,s=====,i=4096", "no salt"},
        {"r=" RFC_NONCE "abc,s=ab=c,i=4096", "no salt"},
        {"r=" RFC_NONCE "abc,s=a*cd,i=4096", "no salt"},
        {"r=" RFC_NONCE "abc,s=W22ZaJ0SNY7soEsUEjb6gQ==", "iteration count"},
        {"r=" RFC_NONCE "abc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=", "iteration count"},
        {"r=" RFC_NONCE "abc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4095", "iteration count"},
        {"r=" RFC_NONCE "abc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=100001", "iteration count"},
        {"r=" RFC_NONCE "abc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=-4096", "iteration count"},
        {"r=" RFC_NONCE "abc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=40x6", "iteration count"},
        {"r=" RFC_NONCE "abc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=99999999999999999999999", "iteration count"},
        {"r=" RFC_NONCE "abc,i=4096,s=W22ZaJ0SNY7soEsUEjb6gQ==", "no salt"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct kafka_scram s;
        struct error err = {0};
        CHECK_INT_EQ(kafka_scram_start(&s, "SCRAM-SHA-256", "user", RFC_NONCE, &err), 0);
        CHECK_INT_EQ(final_of(&s, cases[i].msg, &err), -EPROTO);
        CHECK_STR_CONTAINS(err.msg, cases[i].want);
        CHECK(s.client_final == NULL);
        kafka_scram_finish(&s);
    }
    struct kafka_scram s;
    struct error err = {0};
    /* a salt longer than 128 bytes, an over-long message, a NUL and a control byte */
    char big[5000];
    memset(big, 'A', sizeof(big));
    kafka_scram_start(&s, "SCRAM-SHA-256", "user", RFC_NONCE, &err);
    snprintf(big, sizeof(big), "r=" RFC_NONCE "abc,s=%0200d,i=4096", 0);
    memset(strstr(big, "s=") + 2, 'A', 200);
    CHECK_INT_EQ(final_of(&s, big, &err), -EPROTO);
    CHECK_STR_CONTAINS(err.msg, "no salt");
    memset(big, 'A', sizeof(big));
    CHECK_INT_EQ(kafka_scram_final(&s, "p", (const uint8_t *)big, sizeof(big), &err), -EPROTO);
    CHECK_STR_CONTAINS(err.msg, "5000 bytes");
    const char nul[] = "r=" RFC_NONCE "ab\0c,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    CHECK_INT_EQ(kafka_scram_final(&s, "p", (const uint8_t *)nul, sizeof(nul) - 1, &err), -EPROTO);
    CHECK_STR_CONTAINS(err.msg, "control byte 0x00");
    CHECK_INT_EQ(final_of(&s, "r=" RFC_NONCE "ab\nc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", &err),
                 -EPROTO);
    /* extensions after the iteration count are allowed */
    CHECK_INT_EQ(final_of(&s, "r=" RFC_SERVER_FIRST ",x=future", &err), 0);
    kafka_scram_finish(&s);
    /* every proper prefix of a good message is refused */
    const char *good = "r=" RFC_SERVER_FIRST;
    for (size_t n = 0; n < strlen(good); n++) {
        kafka_scram_start(&s, "SCRAM-SHA-256", "user", RFC_NONCE, &err);
        if (kafka_scram_final(&s, "pencil", (const uint8_t *)good, n, &err) != -EPROTO)
            test_fail(__FILE__, __LINE__, "prefix of %zu bytes accepted", n);
        kafka_scram_finish(&s);
    }
}

TEST(scram_hostile_server_final)
{
    struct kafka_scram s;
    struct error err = {0};
    kafka_scram_start(&s, "SCRAM-SHA-256", "user", RFC_NONCE, &err);
    CHECK_INT_EQ(final_of(&s, "r=" RFC_SERVER_FIRST, &err), 0);
    static const struct {
        const char *msg, *want;
    } cases[] = {
        {"e=invalid-proof", "the broker refused: invalid-proof"},
        {"v=", "no signature"},
        {"v=!!!!", "no signature"},
        {"x=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", "no signature"},
        {"v=6rriTRBi23WpRR/wtup+mA==", "does not match"},                 /* too short */
        {"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4", "no signature"}, /* no padding */
        {"", "0 bytes"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        CHECK(kafka_scram_verify(&s, (const uint8_t *)cases[i].msg, strlen(cases[i].msg), &err) < 0);
        CHECK_STR_CONTAINS(err.msg, cases[i].want);
    }
    /* a signature with an extension after it still verifies */
    const char *ext = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=,x=1";
    CHECK_INT_EQ(kafka_scram_verify(&s, (const uint8_t *)ext, strlen(ext), &err), 0);
    kafka_scram_finish(&s);
}

TEST(option_checks_before_connecting)
{
    struct kafka_conn *c = NULL;
    struct error err = {0};
    struct kafka_opts o = {.security_protocol = "TLS"};
    CHECK_INT_EQ(kafka_conn_open("127.0.0.1", 1, &o, &c, &err), -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "127.0.0.1:1: unknown security protocol 'TLS'");
    o = (struct kafka_opts){.security_protocol = "SASL_SSL", .sasl_mechanism = "GSSAPI",
                            .sasl_username = "u", .sasl_password = "p"};
    CHECK_INT_EQ(kafka_conn_open("127.0.0.1", 1, &o, &c, &err), -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "unknown SASL mechanism 'GSSAPI'");
    o.sasl_mechanism = NULL;
    CHECK_INT_EQ(kafka_conn_open("127.0.0.1", 1, &o, &c, &err), -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "SASL_SSL needs a SASL mechanism");
    o = (struct kafka_opts){.security_protocol = "SASL_PLAINTEXT", .sasl_mechanism = "PLAIN",
                            .sasl_username = "u"};
    CHECK_INT_EQ(kafka_conn_open("127.0.0.1", 1, &o, &c, &err), -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "SASL PLAIN needs a username and a password");
    CHECK(c == NULL);
}

/* A listening socket on 127.0.0.1 that accepts (via the backlog) but never answers. */
static int silent_listener(int *ret_port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof(a);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 8) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &al) < 0)
        return -1;
    *ret_port = ntohs(a.sin_port);
    return fd;
}

TEST(tls_setup_errors)
{
    int port;
    int lfd = silent_listener(&port);
    CHECK(lfd >= 0);
    if (lfd < 0)
        return;
    struct kafka_conn *c = NULL;
    struct error err = {0};
    struct kafka_opts o = {.security_protocol = "SSL", .ssl_ca_file = "/nonexistent/ca.pem",
                           .timeout_ms = 300};
    CHECK_INT_EQ(kafka_conn_open("127.0.0.1", port, &o, &c, &err), -ENOENT);
    CHECK_STR_CONTAINS(err.msg, "ssl.caFile /nonexistent/ca.pem: No such file or directory");
    /* a file that holds no certificate */
    char path[] = "/tmp/ballast-test-ca-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0 && write(fd, "not a certificate\n", 18) == 18);
    close(fd);
    o.ssl_ca_file = path;
    CHECK_INT_EQ(kafka_conn_open("127.0.0.1", port, &o, &c, &err), -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "ssl.caFile");
    o.ssl_ca_file = NULL;
    o.ssl_key_file = path;
    CHECK_INT_EQ(kafka_conn_open("127.0.0.1", port, &o, &c, &err), -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "ssl.keyFile needs ssl.certFile");
    o.ssl_key_file = NULL;
    o.ssl_cert_file = path;
    CHECK_INT_EQ(kafka_conn_open("127.0.0.1", port, &o, &c, &err), -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "ssl.certFile");
    unlink(path);
    /* the peer never answers the ClientHello */
    o.ssl_cert_file = NULL;
    CHECK_INT_EQ(kafka_conn_open("127.0.0.1", port, &o, &c, &err), -ETIMEDOUT);
    CHECK_STR_CONTAINS(err.msg, "TLS handshake timed out");
    CHECK(c == NULL);
    close(lfd);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
