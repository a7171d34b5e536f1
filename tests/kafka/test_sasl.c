/* SCRAM message building and parsing without a broker: the RFC 7677 SCRAM-SHA-256 exchange
 * byte for byte, a SCRAM-SHA-512 exchange computed independently (Python's hashlib), username
 * escaping, hostile server-first and server-final messages (each an error, never a crash, and
 * every cut of a good message refused), option checks, TLS set-up failures against a local
 * socket that never speaks TLS, and whole SASL exchanges (SaslAuthenticate v1, the classic
 * encoding) with a scripted broker that lies, refuses or sends short replies. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kafka/client.h"
#include "kafka/sasl.h"
#include "kafka/wire.h"
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

/* ---- a scripted broker in a child process: ApiVersions offering SaslAuthenticate v0..1
 * only (so the client falls back to the classic encoding), SaslHandshake v1, then replies
 * chosen by `mode` ---- */

enum fake_mode {
    FAKE_WRONG_SIGNATURE,  /* a well-formed exchange whose server-final lies */
    FAKE_WEAK_ITERATIONS,  /* server-first with i=10 */
    FAKE_AUTH_FAILED,      /* SaslAuthenticate error 58 with a message */
    FAKE_TRUNCATED,        /* AuthBytes longer than the reply */
    FAKE_NO_MECHANISM,     /* SaslHandshake error 33 offering PLAIN only */
    FAKE_PLAIN_OK,         /* PLAIN accepted */
};

static bool read_exact(int fd, void *buf, size_t n)
{
    uint8_t *p = buf;
    while (n > 0) {
        ssize_t k = read(fd, p, n);
        if (k <= 0)
            return false;
        p += k;
        n -= (size_t)k;
    }
    return true;
}

/* Reads one request; returns its correlation id and leaves the reader after the header. */
static bool fake_request(int fd, uint8_t *buf, size_t cap, struct kafka_rd *r, int16_t *ret_api,
                         int32_t *ret_corr)
{
    uint8_t h[4];
    if (!read_exact(fd, h, 4))
        return false;
    size_t n = ((size_t)h[0] << 24) | ((size_t)h[1] << 16) | ((size_t)h[2] << 8) | h[3];
    if (n > cap || !read_exact(fd, buf, n))
        return false;
    kafka_rd_init(r, buf, n);
    *ret_api = kafka_rd_i16(r, "api");
    int16_t version = kafka_rd_i16(r, "version");
    *ret_corr = kafka_rd_i32(r, "corr");
    int16_t idlen = kafka_rd_i16(r, "client id");
    kafka_rd_skip(r, idlen > 0 ? (size_t)idlen : 0, "client id");
    if (*ret_api == 18 && version >= 3)
        kafka_rd_tags(r, "header tags");
    return kafka_rd_ok(r);
}

static void fake_reply(int fd, int32_t corr, const struct kafka_wr *body)
{
    struct kafka_wr w;
    kafka_wr_init(&w);
    kafka_wr_i32(&w, (int32_t)(body->len + 4));
    kafka_wr_i32(&w, corr);
    if (write(fd, w.p, w.len) != (ssize_t)w.len || write(fd, body->p, body->len) != (ssize_t)body->len)
        _exit(3);
    kafka_wr_finish(&w);
}

static void wr_bytes(struct kafka_wr *w, const void *p, size_t n)
{
    kafka_wr_i32(w, (int32_t)n);
    for (size_t i = 0; i < n; i++)
        kafka_wr_i8(w, (int8_t)((const uint8_t *)p)[i]);
}

/* SaslAuthenticate v1 reply body. */
static void fake_auth(int fd, int32_t corr, int16_t ec, const char *msg, const char *bytes,
                      int32_t claimed)
{
    struct kafka_wr w;
    kafka_wr_init(&w);
    kafka_wr_i16(&w, ec);
    kafka_wr_classic_str(&w, msg);
    if (claimed >= 0) { /* a length that lies */
        kafka_wr_i32(&w, claimed);
        kafka_wr_i8(&w, 'r');
    } else {
        wr_bytes(&w, bytes, strlen(bytes));
        kafka_wr_i64(&w, 0); /* SessionLifetimeMs */
    }
    fake_reply(fd, corr, &w);
    kafka_wr_finish(&w);
}

static void fake_serve(int fd, enum fake_mode mode)
{
    static uint8_t buf[65536];
    struct kafka_rd r;
    int16_t api;
    int32_t corr;
    struct kafka_wr w;
    if (!fake_request(fd, buf, sizeof(buf), &r, &api, &corr) || api != 18)
        _exit(4);
    kafka_wr_init(&w);
    kafka_wr_i16(&w, 0);
    const int16_t keys[][3] = {{18, 0, 3}, {17, 0, 1}, {36, 0, 1}, {3, 0, 12}, {60, 0, 1}};
    kafka_wr_uvarint(&w, 6);
    for (int i = 0; i < 5; i++) {
        kafka_wr_i16(&w, keys[i][0]);
        kafka_wr_i16(&w, keys[i][1]);
        kafka_wr_i16(&w, keys[i][2]);
        kafka_wr_tags(&w);
    }
    kafka_wr_i32(&w, 0);
    kafka_wr_tags(&w);
    fake_reply(fd, corr, &w);
    kafka_wr_finish(&w);

    if (!fake_request(fd, buf, sizeof(buf), &r, &api, &corr) || api != 17)
        _exit(5);
    kafka_wr_init(&w);
    kafka_wr_i16(&w, mode == FAKE_NO_MECHANISM ? 33 : 0);
    kafka_wr_i32(&w, 1);
    kafka_wr_classic_str(&w, "PLAIN");
    fake_reply(fd, corr, &w);
    kafka_wr_finish(&w);
    if (mode == FAKE_NO_MECHANISM)
        return;

    if (!fake_request(fd, buf, sizeof(buf), &r, &api, &corr) || api != 36)
        _exit(6);
    int32_t n = kafka_rd_i32(&r, "AuthBytes");
    char first[1024] = "";
    if (n > 0 && (size_t)n < sizeof(first) && r.off + (size_t)n <= r.len)
        memcpy(first, r.p + r.off, (size_t)n);
    if (mode == FAKE_PLAIN_OK) {
        fake_auth(fd, corr, 0, NULL, "", -1);
        return;
    }
    if (mode == FAKE_AUTH_FAILED) {
        fake_auth(fd, corr, 58, "Authentication failed: bad", "", -1);
        return;
    }
    if (mode == FAKE_TRUNCATED) {
        fake_auth(fd, corr, 0, NULL, "", 1000);
        return;
    }
    const char *nonce = strstr(first, ",r=");
    char sf[512];
    snprintf(sf, sizeof(sf), "r=%sSERVER,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=%d", nonce ? nonce + 3 : "",
             mode == FAKE_WEAK_ITERATIONS ? 10 : 4096);
    fake_auth(fd, corr, 0, NULL, sf, -1);
    if (mode == FAKE_WEAK_ITERATIONS)
        return;
    if (!fake_request(fd, buf, sizeof(buf), &r, &api, &corr) || api != 36)
        _exit(7);
    fake_auth(fd, corr, 0, NULL, "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", -1);
}

/* Runs one connection against the scripted broker; returns kafka_conn_open's result. */
static int against_fake(enum fake_mode mode, const char *mechanism, struct error *err)
{
    int port, lfd = silent_listener(&port);
    if (lfd < 0)
        return error_set(err, -EIO, "no listener");
    pid_t pid = fork();
    if (pid == 0) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0)
            _exit(2);
        fake_serve(fd, mode);
        char sink[256]; /* hold the connection until the client closes it */
        while (read(fd, sink, sizeof(sink)) > 0)
            ;
        _exit(0);
    }
    close(lfd);
    struct kafka_opts o = {.security_protocol = "SASL_PLAINTEXT", .sasl_mechanism = mechanism,
                           .sasl_username = "user", .sasl_password = "pencil",
                           .timeout_ms = 5000};
    struct kafka_conn *c = NULL;
    int rc = kafka_conn_open("127.0.0.1", port, &o, &c, err);
    kafka_conn_close(c);
    int status = -1;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        test_fail(__FILE__, __LINE__, "the scripted broker exited with %d", status);
    return rc;
}

TEST(sasl_against_a_scripted_broker)
{
    struct error err = {0};
    CHECK_INT_EQ(against_fake(FAKE_WRONG_SIGNATURE, "SCRAM-SHA-256", &err), -EACCES);
    CHECK_STR_CONTAINS(err.msg, "server signature does not match");
    CHECK_STR_CONTAINS(err.msg, "127.0.0.1:");
    CHECK_INT_EQ(against_fake(FAKE_WEAK_ITERATIONS, "SCRAM-SHA-512", &err), -EPROTO);
    CHECK_STR_CONTAINS(err.msg, "iteration count (i=) must be 4096..100000");
    CHECK_INT_EQ(against_fake(FAKE_AUTH_FAILED, "SCRAM-SHA-256", &err), -EACCES);
    CHECK_STR_CONTAINS(err.msg, "SASL_AUTHENTICATION_FAILED (58): Authentication failed: bad");
    CHECK_INT_EQ(against_fake(FAKE_TRUNCATED, "SCRAM-SHA-256", &err), -EPROTO);
    CHECK_STR_CONTAINS(err.msg, "SaslAuthenticate reply: SaslAuthenticate.AuthBytes at byte");
    CHECK_INT_EQ(against_fake(FAKE_NO_MECHANISM, "SCRAM-SHA-512", &err), -ENOTSUP);
    CHECK_STR_CONTAINS(err.msg, "UNSUPPORTED_SASL_MECHANISM (33); the broker offers: PLAIN");
    CHECK_INT_EQ(against_fake(FAKE_PLAIN_OK, "PLAIN", &err), 0);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
