/* SASL PLAIN and SCRAM-SHA-256/512 over SaslHandshake v1 + SaslAuthenticate v0..2; see sasl.h.
 *
 * SCRAM (RFC 5802): client-first "n,,n=<user>,r=<cnonce>"; server-first "r=<cnonce+snonce>,
 * s=<salt>,i=<iterations>[,ext]"; client-final "c=biws,r=<nonce>,p=<ClientProof>";
 * server-final "v=<ServerSignature>" or "e=<error>". SaltedPassword = PBKDF2(password, salt, i),
 * ClientKey = HMAC(SaltedPassword, "Client Key"), StoredKey = H(ClientKey), AuthMessage =
 * client-first-bare "," server-first "," client-final-without-proof, ClientProof = ClientKey XOR
 * HMAC(StoredKey, AuthMessage), ServerSignature = HMAC(HMAC(SaltedPassword, "Server Key"),
 * AuthMessage). Passwords are used as their UTF-8 bytes, as Kafka's own clients do (no SASLprep). */
#include "kafka/sasl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "common/alloc.h"
#include "kafka/errors.h"
#include "kafka/protocol.h"
#include "kafka/wire.h"


#define SCRAM_MAX_MESSAGE 4096 /* a server message longer than this is refused */

/* ---- base64 (standard alphabet, padded), strict on input ---- */

static int b64_value(char ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    return ch == '+' ? 62 : ch == '/' ? 63 : -1;
}

/* Decodes n characters into out (room for cap bytes); -1 unless canonical and fitting. */
static int b64_decode(const char *in, size_t n, uint8_t *out, size_t cap, size_t *ret_len)
{
    if (n == 0 || n % 4 != 0)
        return -1;
    size_t pad = in[n - 1] == '=' ? (in[n - 2] == '=' ? 2 : 1) : 0;
    size_t outn = n / 4 * 3 - pad, o = 0;
    if (outn > cap)
        return -1;
    for (size_t i = 0; i < n; i += 4) {
        uint32_t x = 0;
        for (size_t k = 0; k < 4; k++) {
            bool padding = i + 4 == n && k >= 4 - pad;
            int v = padding ? 0 : b64_value(in[i + k]);
            if (v < 0)
                return -1;
            x = x << 6 | (uint32_t)v;
        }
        if (i + 4 == n && pad && (x & (pad == 1 ? 0xffu : 0xffffu)) != 0)
            return -1; /* stray bits before the padding: not canonical */
        for (int k = 2; k >= 0 && o < outn; k--)
            out[o++] = (uint8_t)(x >> (8 * k));
    }
    *ret_len = outn;
    return 0;
}

static char *b64_encode(const uint8_t *in, size_t n)
{
    char *out = xmalloc(4 * ((n + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, in, (int)n);
    return out;
}

/* ---- SCRAM ---- */

static const EVP_MD *scram_md(const char *mechanism)
{
    if (!strcmp(mechanism, "SCRAM-SHA-256"))
        return EVP_sha256();
    if (!strcmp(mechanism, "SCRAM-SHA-512"))
        return EVP_sha512();
    return NULL;
}

int kafka_scram_start(struct kafka_scram *s, const char *mechanism, const char *user,
                      const char *nonce, struct error *err)
{
    memset(s, 0, sizeof(*s));
    const EVP_MD *md = scram_md(mechanism);
    if (!md)
        return error_set(err, -EINVAL, "'%s' is not a SCRAM mechanism", mechanism);
    s->md = md;
    s->hlen = (size_t)EVP_MD_get_size(md);
    if (nonce) {
        if (strlen(nonce) >= sizeof(s->nonce) || !*nonce || strchr(nonce, ','))
            return error_set(err, -EINVAL, "SCRAM: bad client nonce");
        snprintf(s->nonce, sizeof(s->nonce), "%s", nonce);
    } else {
        uint8_t raw[24];
        if (RAND_bytes(raw, sizeof(raw)) != 1)
            return error_set(err, -EIO, "SCRAM: no random bytes for the nonce");
        char *b = b64_encode(raw, sizeof(raw)); /* 32 characters, no ',' and no padding */
        snprintf(s->nonce, sizeof(s->nonce), "%s", b);
        free(b);
    }
    size_t n = strlen(user);
    char *esc = xmalloc(3 * n + 1), *e = esc;
    for (size_t i = 0; i < n; i++) {
        if (user[i] == ',' || user[i] == '=') {
            memcpy(e, user[i] == ',' ? "=2C" : "=3D", 3);
            e += 3;
        } else {
            *e++ = user[i];
        }
    }
    *e = '\0';
    s->client_first = xasprintf("n,,n=%s,r=%s", esc, s->nonce);
    free(esc);
    return 0;
}

/* The value of attribute `name` ("r", "s", ...) at *p, up to the next ',' or the end; moves *p
 * past it and one ','. NULL when *p does not start with "<name>=". */
static const char *attr(const char **p, char name, size_t *ret_len)
{
    const char *s = *p;
    if (s[0] != name || s[1] != '=')
        return NULL;
    const char *v = s + 2, *end = strchr(v, ',');
    size_t n = end ? (size_t)(end - v) : strlen(v);
    *p = end ? end + 1 : v + n;
    *ret_len = n;
    return v;
}

/* The message as a NUL-terminated copy, refusing NULs, control bytes and oversize input. */
static char *message_copy(const uint8_t *m, size_t len, const char *what, struct error *err)
{
    if (len == 0 || len > SCRAM_MAX_MESSAGE) {
        error_set(err, -EPROTO, "SCRAM %s: %zu bytes", what, len);
        return NULL;
    }
    for (size_t i = 0; i < len; i++)
        if (m[i] < 0x20 || m[i] == 0x7f) {
            error_set(err, -EPROTO, "SCRAM %s: control byte 0x%02x at %zu", what, m[i], i);
            return NULL;
        }
    return xstrndup((const char *)m, len);
}

static int hmac(const struct kafka_scram *s, const uint8_t *key, const void *data, size_t n,
                uint8_t *out)
{
    unsigned int len = 0;
    return HMAC(s->md, key, (int)s->hlen, data, n, out, &len) && len == s->hlen ? 0 : -1;
}

/* Derives ClientProof and ServerSignature for auth message `am`; fills proof and s->server_sig. */
static int derive(struct kafka_scram *s, const char *password, const uint8_t *salt,
                  size_t saltlen, int iterations, const char *am, uint8_t *proof)
{
    uint8_t salted[EVP_MAX_MD_SIZE], ckey[EVP_MAX_MD_SIZE], stored[EVP_MAX_MD_SIZE];
    uint8_t csig[EVP_MAX_MD_SIZE], skey[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    size_t amlen = strlen(am);
    int rc = PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, (int)saltlen, iterations,
                               s->md, (int)s->hlen, salted) == 1 &&
             hmac(s, salted, "Client Key", 10, ckey) == 0 &&
             EVP_Digest(ckey, s->hlen, stored, &len, s->md, NULL) == 1 && len == s->hlen &&
             hmac(s, stored, am, amlen, csig) == 0 &&
             hmac(s, salted, "Server Key", 10, skey) == 0 &&
             hmac(s, skey, am, amlen, s->server_sig) == 0 ? 0 : -1;
    for (size_t i = 0; i < s->hlen; i++)
        proof[i] = ckey[i] ^ csig[i];
    OPENSSL_cleanse(salted, sizeof(salted));
    OPENSSL_cleanse(ckey, sizeof(ckey));
    OPENSSL_cleanse(stored, sizeof(stored));
    OPENSSL_cleanse(csig, sizeof(csig));
    OPENSSL_cleanse(skey, sizeof(skey));
    return rc;
}

int kafka_scram_final(struct kafka_scram *s, const char *password, const uint8_t *server_first,
                      size_t len, struct error *err)
{
    char *msg = message_copy(server_first, len, "server-first", err);
    if (!msg)
        return -EPROTO;
    int rc = -EPROTO;
    const char *p = msg, *v;
    size_t n, cn = strlen(s->nonce), saltlen = 0;
    uint8_t salt[128];
    if (!strncmp(p, "m=", 2)) {
        error_set(err, rc, "SCRAM server-first: the broker requires an extension (m=)");
        goto done;
    }
    if (!(v = attr(&p, 'r', &n))) {
        error_set(err, rc, "SCRAM server-first: no nonce (r=)");
        goto done;
    }
    if (n <= cn || memcmp(v, s->nonce, cn) != 0) {
        error_set(err, rc, "SCRAM server-first: the nonce does not extend ours");
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        if (v[i] < 0x21 || v[i] > 0x7e) {
            error_set(err, rc, "SCRAM server-first: bad character in the nonce");
            goto done;
        }
    char *nonce = xstrndup(v, n);
    if (!(v = attr(&p, 's', &n)) || b64_decode(v, n, salt, sizeof(salt), &saltlen) < 0 ||
        saltlen == 0) {
        free(nonce);
        error_set(err, rc, "SCRAM server-first: no salt, or not base64 of 1..%zu bytes (s=)",
                  sizeof(salt));
        goto done;
    }
    long iterations = 0;
    bool digits = (v = attr(&p, 'i', &n)) && n > 0 && n <= 9;
    for (size_t i = 0; digits && i < n; i++) {
        digits = v[i] >= '0' && v[i] <= '9';
        iterations = iterations * 10 + (v[i] - '0');
    }
    if (!digits || iterations < SCRAM_MIN_ITERATIONS || iterations > SCRAM_MAX_ITERATIONS) {
        free(nonce);
        error_set(err, rc, "SCRAM server-first: the iteration count (i=) must be %d..%d",
                  SCRAM_MIN_ITERATIONS, SCRAM_MAX_ITERATIONS);
        goto done;
    }
    /* anything after i= is an extension we may ignore */
    char *without_proof = xasprintf("c=biws,r=%s", nonce);
    free(nonce);
    char *am = xasprintf("%s,%s,%s", s->client_first + 3, msg, without_proof);
    uint8_t proof[EVP_MAX_MD_SIZE];
    if (derive(s, password, salt, saltlen, (int)iterations, am, proof) < 0) {
        error_set(err, -EIO, "SCRAM: key derivation failed");
    } else {
        char *p64 = b64_encode(proof, s->hlen);
        s->client_final = xasprintf("%s,p=%s", without_proof, p64);
        free(p64);
        rc = 0;
    }
    OPENSSL_cleanse(proof, sizeof(proof));
    free(am);
    free(without_proof);
done:
    free(msg);
    return rc;
}

int kafka_scram_verify(const struct kafka_scram *s, const uint8_t *server_final, size_t len,
                       struct error *err)
{
    char *msg = message_copy(server_final, len, "server-final", err);
    if (!msg)
        return -EPROTO;
    const char *p = msg, *v;
    size_t n, siglen = 0;
    uint8_t sig[EVP_MAX_MD_SIZE];
    int rc = 0;
    if ((v = attr(&p, 'e', &n)))
        rc = error_set(err, -EACCES, "SCRAM: the broker refused: %.*s", (int)n, v);
    else if (!(v = attr(&p, 'v', &n)) || b64_decode(v, n, sig, sizeof(sig), &siglen) < 0)
        rc = error_set(err, -EPROTO, "SCRAM server-final: no signature (v=)");
    else if (siglen != s->hlen || CRYPTO_memcmp(sig, s->server_sig, s->hlen) != 0)
        rc = error_set(err, -EACCES, "SCRAM server-final: the server signature does not match "
                       "(the broker did not prove it knows the password)");
    free(msg);
    return rc;
}

void kafka_scram_finish(struct kafka_scram *s)
{
    if (s->client_final)
        OPENSSL_cleanse(s->client_final, strlen(s->client_final));
    free(s->client_first);
    free(s->client_final);
    OPENSSL_cleanse(s, sizeof(*s));
}

/* ---- the Kafka exchange ---- */

int kafka_sasl_check(const char *name, const struct kafka_opts *o, struct error *err)
{
    const char *m = o ? o->sasl_mechanism : NULL;
    if (!m)
        return error_set(err, -EINVAL, "%s: %s needs a SASL mechanism (PLAIN, SCRAM-SHA-256, "
                         "SCRAM-SHA-512)", name, o ? o->security_protocol : "SASL");
    if (strcmp(m, "PLAIN") != 0 && !scram_md(m))
        return error_set(err, -EINVAL, "%s: unknown SASL mechanism '%s' (PLAIN, SCRAM-SHA-256, "
                         "SCRAM-SHA-512)", name, m);
    if (!o->sasl_username || !o->sasl_password)
        return error_set(err, -EINVAL, "%s: SASL %s needs a username and a password", name, m);
    return 0;
}

/* A bytes field (compact: uvarint N+1, 0 = null; classic: int32 N, -1 = null) as a pointer
 * into r's buffer; null reads as empty. */
static const uint8_t *rd_bytes(struct kafka_rd *r, bool compact, const char *field,
                               size_t *ret_n)
{
    uint64_t n = 0;
    if (compact) {
        uint64_t v = kafka_rd_uvarint(r, field);
        n = v ? v - 1 : 0;
    } else {
        int32_t v = kafka_rd_i32(r, field);
        n = v > 0 ? (uint64_t)v : 0;
    }
    size_t off = r->off;
    kafka_rd_skip(r, (size_t)n, field);
    *ret_n = kafka_rd_ok(r) ? (size_t)n : 0;
    return r->p + off;
}

/* A nullable string (compact, or classic int16 length) into buf, cut to fit; false for null. */
static bool rd_str(struct kafka_rd *r, bool compact, const char *field, char *buf, size_t cap)
{
    buf[0] = '\0';
    size_t n;
    const uint8_t *p;
    if (compact) {
        uint64_t v = kafka_rd_uvarint(r, field);
        if (v == 0)
            return false;
        n = (size_t)(v - 1);
        p = r->p + r->off;
        kafka_rd_skip(r, n, field);
    } else {
        int16_t v = kafka_rd_i16(r, field);
        if (v < 0)
            return false;
        n = (size_t)v;
        p = r->p + r->off;
        kafka_rd_skip(r, n, field);
    }
    if (!kafka_rd_ok(r))
        return false;
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < cap; i++)
        buf[k++] = p[i] >= 0x20 && p[i] != 0x7f ? (char)p[i] : '?';
    buf[k] = '\0';
    return true;
}

static int handshake(struct kafka_conn *c, const char *name, const char *mech, struct error *err)
{
    if (kafka_conn_version(c, KAFKA_API_SASL_HANDSHAKE, 1, 1) < 0)
        return error_set(err, -EPROTONOSUPPORT, "%s: the broker does not offer SaslHandshake v1 "
                         "(is this a SASL listener?)", name);
    struct kafka_wr w;
    kafka_wr_init(&w);
    kafka_wr_classic_str(&w, mech);
    uint8_t *body;
    size_t len;
    int rc = kafka_conn_call(c, KAFKA_API_SASL_HANDSHAKE, 1, w.p, w.len, false, &body, &len, err);
    kafka_wr_finish(&w);
    if (rc < 0)
        return rc;
    struct kafka_rd r;
    kafka_rd_init(&r, body, len);
    int16_t ec = kafka_rd_i16(&r, "SaslHandshake.ErrorCode");
    int32_t n = kafka_rd_i32(&r, "SaslHandshake.Mechanisms");
    if (n < 0 || (size_t)n > len / 2)
        n = 0;
    char offered[512] = "", one[64];
    for (int32_t i = 0; i < n && kafka_rd_ok(&r); i++) {
        rd_str(&r, false, "SaslHandshake.Mechanisms", one, sizeof(one));
        size_t k = strlen(offered);
        snprintf(offered + k, sizeof(offered) - k, "%s%s", k ? ", " : "", one);
    }
    if (!kafka_rd_ok(&r))
        rc = error_set(err, -EPROTO, "%s: SaslHandshake reply: %s", name, r.err);
    else if (ec == 34) /* what a listener without SASL answers */
        rc = error_set(err, -EACCES, "%s: SaslHandshake %s: %s (%d): the listener does not take "
                       "SASL (a PLAINTEXT or SSL listener?)", name, mech, kafka_error_name(ec), ec);
    else if (ec != 0)
        rc = error_set(err, ec == 33 ? -ENOTSUP : -EACCES, "%s: SaslHandshake %s: %s (%d); the "
                       "broker offers: %s", name, mech, kafka_error_name(ec), ec,
                       *offered ? offered : "nothing");
    if (ec != 0)
        kafka_error_tag(err, ec);
    free(body);
    return rc;
}

/* One SaslAuthenticate round: sends tok, returns the reply body (heap, caller frees) and the
 * server's token inside it. The request buffer is wiped after sending. */
static int authenticate(struct kafka_conn *c, const char *name, const void *tok, size_t n,
                        uint8_t **ret_body, const uint8_t **ret_tok, size_t *ret_n,
                        struct error *err)
{
    int v = kafka_conn_version(c, KAFKA_API_SASL_AUTHENTICATE, 0, 2);
    if (v < 0)
        return error_set(err, -EPROTONOSUPPORT, "%s: the broker does not offer SaslAuthenticate",
                         name);
    bool flex = v >= 2;
    struct kafka_wr w;
    kafka_wr_init(&w);
    xgrow((void **)&w.p, &w.cap, n + 16, 1); /* one buffer: no stray copy of the secret */
    if (flex)
        kafka_wr_uvarint(&w, (uint64_t)n + 1);
    else
        kafka_wr_i32(&w, (int32_t)n);
    memcpy(w.p + w.len, tok, n);
    w.len += n;
    if (flex)
        kafka_wr_tags(&w);
    uint8_t *body;
    size_t len;
    int rc = kafka_conn_call(c, KAFKA_API_SASL_AUTHENTICATE, (int16_t)v, w.p, w.len, flex, &body, &len,
                             err);
    OPENSSL_cleanse(w.p, w.cap);
    kafka_wr_finish(&w);
    if (rc < 0)
        return rc;
    struct kafka_rd r;
    kafka_rd_init(&r, body, len);
    int16_t ec = kafka_rd_i16(&r, "SaslAuthenticate.ErrorCode");
    char msg[512];
    bool has = rd_str(&r, flex, "SaslAuthenticate.ErrorMessage", msg, sizeof(msg));
    const uint8_t *t = rd_bytes(&r, flex, "SaslAuthenticate.AuthBytes", ret_n);
    if (v >= 1)
        kafka_rd_i64(&r, "SaslAuthenticate.SessionLifetimeMs");
    if (flex)
        kafka_rd_tags(&r, "SaslAuthenticate tags");
    if (!kafka_rd_ok(&r))
        rc = error_set(err, -EPROTO, "%s: SaslAuthenticate reply: %s", name, r.err);
    else if (ec != 0)
        rc = error_set(err, -EACCES, "%s: %s (%d): %s", name, kafka_error_name(ec), ec,
                       has && *msg ? msg : "(no message)");
    if (rc < 0 && ec != 0)
        kafka_error_tag(err, ec);
    if (rc < 0) {
        free(body);
        return rc;
    }
    *ret_body = body;
    *ret_tok = t;
    return 0;
}

static int plain(struct kafka_conn *c, const char *name, const struct kafka_opts *o,
                 struct error *err)
{
    size_t ul = strlen(o->sasl_username), pl = strlen(o->sasl_password), n = ul + pl + 2;
    char *tok = xmalloc(n); /* authzid (empty) NUL authcid NUL password */
    tok[0] = '\0';
    memcpy(tok + 1, o->sasl_username, ul);
    tok[ul + 1] = '\0';
    memcpy(tok + ul + 2, o->sasl_password, pl);
    uint8_t *body = NULL;
    const uint8_t *reply;
    size_t rn;
    int rc = authenticate(c, name, tok, n, &body, &reply, &rn, err);
    OPENSSL_cleanse(tok, n);
    free(tok);
    free(body);
    return rc;
}

static int scram(struct kafka_conn *c, const char *name, const struct kafka_opts *o,
                 struct error *err)
{
    struct kafka_scram s;
    uint8_t *body = NULL;
    const uint8_t *reply;
    size_t rn;
    int rc = kafka_scram_start(&s, o->sasl_mechanism, o->sasl_username, NULL, err);
    if (rc < 0)
        goto fail_prefix;
    rc = authenticate(c, name, s.client_first, strlen(s.client_first), &body, &reply, &rn, err);
    if (rc < 0)
        goto fail;
    rc = kafka_scram_final(&s, o->sasl_password, reply, rn, err);
    free(body);
    body = NULL;
    if (rc < 0)
        goto fail_prefix;
    rc = authenticate(c, name, s.client_final, strlen(s.client_final), &body, &reply, &rn, err);
    if (rc < 0)
        goto fail;
    rc = kafka_scram_verify(&s, reply, rn, err);
    free(body);
    if (rc < 0)
        goto fail_prefix;
    kafka_scram_finish(&s);
    return 0;
fail_prefix:
    error_prefix(err, "%s", name);
fail:
    kafka_scram_finish(&s);
    return rc;
}

int kafka_sasl_authenticate(struct kafka_conn *c, const char *name, const struct kafka_opts *o,
                            struct error *err)
{
    int rc = kafka_sasl_check(name, o, err);
    if (rc < 0)
        return rc;
    if ((rc = handshake(c, name, o->sasl_mechanism, err)) < 0)
        return rc;
    return !strcmp(o->sasl_mechanism, "PLAIN") ? plain(c, name, o, err) : scram(c, name, o, err);
}
