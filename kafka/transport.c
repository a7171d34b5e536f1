/* TCP and TLS byte streams with deadlines; see transport.h.
 *
 * TLS runs over a small BIO of our own on the non-blocking socket (recv, and send with
 * MSG_NOSIGNAL: OpenSSL's socket BIO uses write(), which raises SIGPIPE on a closed peer).
 * SSL_ERROR_WANT_READ/WRITE become a poll() for that direction until the deadline. The
 * OpenSSL error queue is cleared before every SSL call so SSL_get_error() reads our error. */
#include "kafka/transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

/* Waits for fd to be readable (in) or writable (!in) until deadline; -ECANCELED soon after
 * *cancel (when not NULL) is set. */
static int wait_fd(const atomic_bool *cancel, int fd, bool in, double deadline)
{
    for (;;) {
        if (cancel && atomic_load(cancel))
            return -ECANCELED;
        int left = (int)(deadline - clock_mono_ms());
        if (left <= 0)
            return -ETIMEDOUT;
        if (cancel && left > 100)
            left = 100;
        struct pollfd p = {fd, in ? POLLIN : POLLOUT, 0};
        int n = poll(&p, 1, left);
        if (n > 0)
            return 0;
        if (n < 0 && errno != EINTR)
            return -errno;
    }
}

/* ---- a socket BIO that never raises SIGPIPE ---- */

static BIO_METHOD *bio_method;
static CRYPTO_ONCE bio_once = CRYPTO_ONCE_STATIC_INIT;

static int bio_fd(BIO *b)
{
    return (int)(intptr_t)BIO_get_data(b);
}

static bool transient(int e)
{
    return e == EAGAIN || e == EWOULDBLOCK || e == EINTR;
}

static int bio_write(BIO *b, const char *in, int n)
{
    BIO_clear_retry_flags(b);
    ssize_t k = send(bio_fd(b), in, (size_t)n, MSG_NOSIGNAL);
    if (k < 0 && transient(errno))
        BIO_set_retry_write(b);
    return (int)k;
}

static int bio_read(BIO *b, char *out, int n)
{
    BIO_clear_retry_flags(b);
    ssize_t k = recv(bio_fd(b), out, (size_t)n, 0);
    if (k < 0 && transient(errno))
        BIO_set_retry_read(b);
    return (int)k;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    return cmd == BIO_CTRL_FLUSH; /* nothing is buffered here */
}

static void bio_method_create(void)
{
    BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "ballast socket");
    if (m && BIO_meth_set_write(m, bio_write) && BIO_meth_set_read(m, bio_read) &&
        BIO_meth_set_ctrl(m, bio_ctrl)) {
        bio_method = m;
        return;
    }
    BIO_meth_free(m);
}

/* ---- errors ---- */

/* OpenSSL's reason for the last queued error, or `fallback`. */
static const char *ssl_reason(const char *fallback)
{
    unsigned long e = ERR_peek_last_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    return r ? r : fallback;
}

/* The message for a failed SSL call: the certificate check's verdict during a handshake,
 * else OpenSSL's reason, the system error, or the peer going away. */
static int tls_error(struct kafka_transport *t, const char *what, int sslerr, int sys_errno,
                     const char *host, struct error *err)
{
    SSL *ssl = t->ssl;
    long v = SSL_get_verify_result(ssl);
    if (v != X509_V_OK && !SSL_is_init_finished(ssl)) {
        const char *why = X509_verify_cert_error_string(v);
        if (v == X509_V_ERR_HOSTNAME_MISMATCH || v == X509_V_ERR_IP_ADDRESS_MISMATCH)
            return error_set(err, -EACCES, "%s: %s: certificate verify failed: %s (the broker's "
                             "certificate does not name %s)", t->name, what, why, host);
        return error_set(err, -EACCES, "%s: %s: certificate verify failed: %s", t->name, what,
                         why);
    }
    if (sslerr == SSL_ERROR_SSL) {
        const char *why = ssl_reason("TLS error");
        bool cert_alert = strstr(why, "alert") && strstr(why, "certificate");
        return error_set(err, -EPROTO, "%s: %s: %s%s", t->name, what, why,
                         cert_alert ? " (the broker refused our client certificate, or wants one: "
                                      "ssl.certFile, ssl.keyFile)" : "");
    }
    if (sslerr == SSL_ERROR_SYSCALL && sys_errno != 0 && ERR_peek_last_error() == 0)
        return error_set(err, -sys_errno, "%s: %s: %s", t->name, what, strerror(sys_errno));
    if (!SSL_is_init_finished(ssl))
        return error_set(err, -ECONNRESET, "%s: %s: the broker closed the connection (is it a "
                         "TLS listener?)", t->name, what);
    return error_set(err, -ECONNRESET, "%s: %s: the broker closed the connection", t->name, what);
}

/* ---- TLS setup ---- */

static int no_password(char *buf, int size, int rwflag, void *u)
{
    return 0; /* never prompt on a terminal for an encrypted key */
}

static int readable(struct kafka_transport *t, const char *opt, const char *path,
                    struct error *err)
{
    if (access(path, R_OK) != 0)
        return error_set(err, -errno, "%s: %s %s: %s", t->name, opt, path, strerror(errno));
    return 0;
}

static int tls_context(struct kafka_transport *t, const struct kafka_opts *o, SSL_CTX **ret,
                       struct error *err)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx)
        return error_set(err, -ENOMEM, "%s: TLS: %s", t->name, ssl_reason("no context"));
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_default_passwd_cb(ctx, no_password);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE);
    int rc = 0;
    const char *cert = o ? o->ssl_cert_file : NULL, *key = o ? o->ssl_key_file : NULL;
    if (o && o->ssl_ca_file) {
        if ((rc = readable(t, "ssl.caFile", o->ssl_ca_file, err)) < 0)
            goto fail;
        if (SSL_CTX_load_verify_locations(ctx, o->ssl_ca_file, NULL) != 1) {
            rc = error_set(err, -EINVAL, "%s: ssl.caFile %s: %s", t->name, o->ssl_ca_file,
                           ssl_reason("no certificate"));
            goto fail;
        }
    } else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
        rc = error_set(err, -EINVAL, "%s: TLS: the system's CA store: %s", t->name,
                       ssl_reason("cannot load"));
        goto fail;
    }
    if (key && !cert) {
        rc = error_set(err, -EINVAL, "%s: ssl.keyFile needs ssl.certFile", t->name);
        goto fail;
    }
    if (cert) {
        if (!key)
            key = cert; /* one PEM file with both */
        if ((rc = readable(t, "ssl.certFile", cert, err)) < 0 ||
            (rc = readable(t, "ssl.keyFile", key, err)) < 0)
            goto fail;
        if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
            rc = error_set(err, -EINVAL, "%s: ssl.certFile %s: %s", t->name, cert,
                           ssl_reason("no certificate"));
            goto fail;
        }
        if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
            rc = error_set(err, -EINVAL, "%s: ssl.keyFile %s: %s (an unencrypted PEM key is "
                           "needed)", t->name, key, ssl_reason("no key"));
            goto fail;
        }
        if (SSL_CTX_check_private_key(ctx) != 1) {
            rc = error_set(err, -EINVAL, "%s: ssl.keyFile %s does not match ssl.certFile %s",
                           t->name, key, cert);
            goto fail;
        }
    }
    *ret = ctx;
    return 0;
fail:
    SSL_CTX_free(ctx);
    return rc;
}

/* Runs SSL call `op` on t until done; WANT_READ/WANT_WRITE wait for the socket. Returns the
 * call's positive result, or fills err. */
static int ssl_loop(struct kafka_transport *t, int (*op)(SSL *, void *, int), void *buf, int n,
                    const char *what, const char *host, double deadline, struct error *err)
{
    for (;;) {
        ERR_clear_error();
        errno = 0;
        int r = op(t->ssl, buf, n);
        if (r > 0)
            return r;
        int sys_errno = errno;
        int e = SSL_get_error(t->ssl, r);
        if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
            return tls_error(t, what, e, sys_errno, host, err);
        int rc = wait_fd(t->cancel, t->fd, e == SSL_ERROR_WANT_READ, deadline);
        if (rc < 0)
            return error_set(err, rc, "%s: %s %s", t->name, what,
                             rc == -ECANCELED ? "cancelled" : "timed out");
    }
}

static int op_connect(SSL *ssl, void *buf, int n)
{
    return SSL_connect(ssl);
}

static int op_read(SSL *ssl, void *buf, int n)
{
    return SSL_read(ssl, buf, n);
}

static int op_write(SSL *ssl, void *buf, int n)
{
    return SSL_write(ssl, buf, n);
}

static int tls_start(struct kafka_transport *t, const char *host, const struct kafka_opts *o,
                     double deadline, struct error *err)
{
    CRYPTO_THREAD_run_once(&bio_once, bio_method_create);
    if (!bio_method)
        return error_set(err, -ENOMEM, "%s: TLS: cannot create the socket BIO", t->name);
    SSL_CTX *ctx = NULL;
    int rc = tls_context(t, o, &ctx, err);
    if (rc < 0)
        return rc;
    SSL *ssl = SSL_new(ctx);
    SSL_CTX_free(ctx); /* the SSL holds its own reference */
    BIO *bio = ssl ? BIO_new(bio_method) : NULL;
    if (!bio) {
        SSL_free(ssl);
        return error_set(err, -ENOMEM, "%s: TLS: %s", t->name, ssl_reason("out of memory"));
    }
    BIO_set_data(bio, (void *)(intptr_t)t->fd);
    BIO_set_init(bio, 1);
    SSL_set_bio(ssl, bio, bio);
    t->ssl = ssl;
    unsigned char addr[16];
    bool ip = inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;
    if (!ip && SSL_set_tlsext_host_name(ssl, host) != 1)
        return error_set(err, -EINVAL, "%s: TLS: bad server name for SNI", t->name);
    if (o && o->ssl_verify_hostname) {
        X509_VERIFY_PARAM *vp = SSL_get0_param(ssl);
        X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        if ((ip ? X509_VERIFY_PARAM_set1_ip_asc(vp, host) : X509_VERIFY_PARAM_set1_host(vp, host, 0)) != 1)
            return error_set(err, -EINVAL, "%s: TLS: cannot verify the name %s", t->name, host);
    }
    rc = ssl_loop(t, op_connect, NULL, 0, "TLS handshake", host, deadline, err);
    return rc < 0 ? rc : 0;
}

/* ---- the transport ---- */

static int tcp_connect(struct kafka_transport *t, const char *host, int port, double deadline,
                       struct error *err)
{
    char portbuf[16];
    snprintf(portbuf, sizeof(portbuf), "%d", port);
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_socktype = SOCK_STREAM;
    int gai = getaddrinfo(host, portbuf, &hints, &res);
    if (gai != 0)
        return error_set(err, -EHOSTUNREACH, "%s: %s", t->name, gai_strerror(gai));
    int rc = -ECONNREFUSED;
    for (struct addrinfo *a = res; a && t->fd < 0; a = a->ai_next) {
        int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0 || errno == EINPROGRESS) {
            int soerr = 0;
            socklen_t sl = sizeof(soerr);
            int w = wait_fd(t->cancel, fd, false, deadline);
            if (w == 0 &&
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0) {
                t->fd = fd;
                break;
            }
            rc = soerr ? -soerr : w < 0 ? w : -ETIMEDOUT;
        } else {
            rc = -errno;
        }
        close(fd);
    }
    freeaddrinfo(res);
    if (t->fd < 0)
        return error_set(err, rc, "%s: cannot connect: %s", t->name, strerror(-rc));
    return 0;
}

int kafka_transport_open(struct kafka_transport *t, const char *host, int port, bool tls,
                         const struct kafka_opts *opts, double deadline, struct error *err)
{
    t->fd = -1;
    t->ssl = NULL;
    t->cancel = opts ? opts->cancel : NULL;
    snprintf(t->name, sizeof(t->name), "%s:%d", host, port);
    int rc = tcp_connect(t, host, port, deadline, err);
    if (rc == 0 && tls)
        rc = tls_start(t, host, opts, deadline, err);
    if (rc < 0)
        kafka_transport_close(t);
    return rc;
}

int kafka_transport_io(struct kafka_transport *t, void *buf, size_t n, bool reading,
                       double deadline, struct error *err)
{
    uint8_t *p = buf;
    while (n > 0) {
        size_t chunk = n < INT_MAX ? n : INT_MAX;
        ssize_t k;
        if (t->ssl) {
            int rc = ssl_loop(t, reading ? op_read : op_write, p, (int)chunk,
                              reading ? "TLS read" : "TLS write", "", deadline, err);
            if (rc < 0)
                return rc;
            k = rc;
        } else {
            k = reading ? recv(t->fd, p, chunk, 0) : send(t->fd, p, chunk, MSG_NOSIGNAL);
            if (k == 0)
                return error_set(err, -ECONNRESET, "%s: the broker closed the connection",
                                 t->name);
            if (k < 0 && transient(errno)) {
                int rc = wait_fd(t->cancel, t->fd, reading, deadline);
                if (rc < 0)
                    return error_set(err, rc, "%s: %s %s", t->name,
                                     reading ? "reading" : "writing",
                                     rc == -ECANCELED ? "cancelled" : "timed out");
                continue;
            }
            if (k < 0)
                return error_set(err, -errno, "%s: %s", t->name, strerror(errno));
        }
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

void kafka_transport_close(struct kafka_transport *t)
{
    if (t->ssl) {
        ERR_clear_error();
        if (SSL_is_init_finished(t->ssl))
            SSL_shutdown(t->ssl); /* one close_notify; a non-blocking socket does not wait */
        SSL_free(t->ssl);
        t->ssl = NULL;
    }
    if (t->fd >= 0)
        close(t->fd);
    t->fd = -1;
}
