/* HTTP Basic auth against a credentials file of crypt(3) hashes (libxcrypt: yescrypt "$y$",
 * bcrypt "$2b$", sha512crypt "$6$"). A verified Authorization header is remembered by its
 * SHA-256 (never the password) in a small cache, so a client sending the same header again
 * costs a hash lookup, not a key derivation. The cache and the users are guarded by
 * api_auth.lock; any HTTP thread may call api_auth_check. */
#include <crypt.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "common/alloc.h"
#include "common/file.h"

#define AUTH_FILE_MAX (1024 * 1024)
#define AUTH_CACHE 64
#define AUTH_MAX_USERS 1000

struct user {
    char *name;
    char *hash;
    enum api_role role;
};

struct cached {
    unsigned char digest[32];
    int user; /* -1: empty */
};

struct api_auth {
    struct user *users;
    int n;
    pthread_mutex_t lock;
    struct cached cache[AUTH_CACHE];
    int next; /* round-robin replacement */
};

const char *api_role_name(enum api_role r)
{
    static const char *const names[] = {"NONE", "VIEWER", "USER", "ADMIN"};
    return names[r];
}

void api_auth_destroy(struct api_auth *a)
{
    if (!a)
        return;
    for (int i = 0; i < a->n; i++) {
        free(a->users[i].name);
        free(a->users[i].hash);
    }
    free(a->users);
    pthread_mutex_destroy(&a->lock);
    free(a);
}

int api_auth_parse(const char *text, const char *name, struct api_auth **ret, struct error *err)
{
    struct api_auth *a = xcalloc(1, sizeof(*a));
    pthread_mutex_init(&a->lock, NULL);
    for (int i = 0; i < AUTH_CACHE; i++)
        a->cache[i].user = -1;
    a->users = xcalloc(AUTH_MAX_USERS, sizeof(*a->users));
    int line = 0, rc = 0;
    const char *p = text;
    while (*p) {
        line++;
        size_t len = strcspn(p, "\n");
        char *l = xstrndup(p, len);
        p += len + (p[len] == '\n');
        if (len && l[len - 1] == '\r')
            l[len - 1] = '\0';
        char *s = l + strspn(l, " \t");
        if (!*s || *s == '#') {
            free(l);
            continue;
        }
        char *c1 = strchr(s, ':');
        char *c2 = c1 ? strrchr(c1 + 1, ':') : NULL;
        if (!c1 || !c2 || c1 == s || c2 == c1 + 1) {
            rc = error_set(err, -EINVAL, "%s:%d: expected user:hash:ROLE", name, line);
            free(l);
            break;
        }
        *c1 = *c2 = '\0';
        const char *role = c2 + 1;
        enum api_role r = !strcmp(role, "VIEWER") ? API_ROLE_VIEWER
                          : !strcmp(role, "USER")  ? API_ROLE_USER
                          : !strcmp(role, "ADMIN") ? API_ROLE_ADMIN
                                                   : API_ROLE_NONE;
        const char *hash = c1 + 1;
        if (r == API_ROLE_NONE)
            rc = error_set(err, -EINVAL, "%s:%d: role '%s': expected VIEWER, USER or ADMIN",
                           name, line, role);
        else if (hash[0] != '$' || strlen(hash) < 13)
            rc = error_set(err, -EINVAL, "%s:%d: user '%s': the password must be a crypt(3) "
                           "hash ($y$... yescrypt, $2b$... bcrypt; e.g. from mkpasswd), not "
                           "plain text", name, line, s);
        else if (a->n == AUTH_MAX_USERS)
            rc = error_set(err, -EINVAL, "%s:%d: more than %d users", name, line,
                           AUTH_MAX_USERS);
        for (int i = 0; rc == 0 && i < a->n; i++)
            if (strcmp(a->users[i].name, s) == 0)
                rc = error_set(err, -EINVAL, "%s:%d: user '%s' is listed twice", name, line, s);
        if (rc == 0)
            a->users[a->n++] = (struct user){xstrdup(s), xstrdup(hash), r};
        free(l);
        if (rc < 0)
            break;
    }
    if (rc == 0 && a->n == 0)
        rc = error_set(err, -EINVAL, "%s: no users", name);
    if (rc < 0) {
        api_auth_destroy(a);
        return rc;
    }
    *ret = a;
    return 0;
}

int api_auth_load(const char *path, struct api_auth **ret, struct error *err)
{
    char *buf = NULL;
    size_t len = 0;
    int rc = file_read(path, AUTH_FILE_MAX, &buf, &len, err);
    if (rc < 0)
        return rc;
    rc = api_auth_parse(buf, path, ret, err);
    free(buf);
    return rc;
}

static int b64(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Decodes standard base64 (padding optional) into out (cap bytes); -1 when malformed. */
static int b64_decode(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    unsigned acc = 0;
    int bits = 0;
    for (; *in && *in != '='; in++) {
        int v = b64((unsigned char)*in);
        if (v < 0)
            return -1;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n + 1 >= cap)
                return -1;
            out[n++] = (char)((acc >> bits) & 0xff);
        }
    }
    out[n] = '\0';
    return (int)n;
}

static void sha256(const char *s, unsigned char out[32])
{
    unsigned int len = 32;
    EVP_Digest(s, strlen(s), out, &len, EVP_sha256(), NULL);
}

enum api_role api_auth_check(struct api_auth *a, const char *header, const char **ret_user)
{
    if (!header || strncasecmp(header, "Basic ", 6) != 0 || strlen(header) > 1024)
        return API_ROLE_NONE;
    unsigned char d[32];
    sha256(header, d);
    pthread_mutex_lock(&a->lock);
    for (int i = 0; i < AUTH_CACHE; i++)
        if (a->cache[i].user >= 0 && memcmp(a->cache[i].digest, d, 32) == 0) {
            int u = a->cache[i].user;
            pthread_mutex_unlock(&a->lock);
            *ret_user = a->users[u].name;
            return a->users[u].role;
        }
    pthread_mutex_unlock(&a->lock);
    char plain[800];
    const char *b = header + 6;
    b += strspn(b, " ");
    if (b64_decode(b, plain, sizeof(plain)) < 0 || strlen(plain) == 0)
        return API_ROLE_NONE;
    char *colon = strchr(plain, ':');
    if (!colon)
        return API_ROLE_NONE;
    *colon = '\0';
    int u = -1;
    for (int i = 0; i < a->n; i++)
        if (strcmp(a->users[i].name, plain) == 0)
            u = i;
    if (u < 0)
        return API_ROLE_NONE;
    struct crypt_data *cd = xcalloc(1, sizeof(*cd));
    const char *h = crypt_rn(colon + 1, a->users[u].hash, cd, sizeof(*cd));
    size_t hl = strlen(a->users[u].hash);
    bool ok = h && strlen(h) == hl && CRYPTO_memcmp(h, a->users[u].hash, hl) == 0;
    explicit_bzero(plain, sizeof(plain));
    explicit_bzero(cd, sizeof(*cd));
    free(cd);
    if (!ok)
        return API_ROLE_NONE;
    pthread_mutex_lock(&a->lock);
    memcpy(a->cache[a->next].digest, d, 32);
    a->cache[a->next].user = u;
    a->next = (a->next + 1) % AUTH_CACHE;
    pthread_mutex_unlock(&a->lock);
    *ret_user = a->users[u].name;
    return a->users[u].role;
}
