/* The Kubernetes API client of kube.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "common/alloc.h"
#include "common/clock.h"
#include "common/file.h"
#include "common/log.h"
#include "common/reply.h"
#include "rebalance/kube.h"
#include "rebalance/rebalance.h"

#define SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"
#define REPLY_MAX ((size_t)64 * 1024 * 1024)

struct blob {
    char *p;
    size_t n;
};

struct rb_kube {
    char *server;         /* https://host:port, no trailing slash */
    char *token;          /* bearer token, or NULL */
    char *token_file;     /* re-read at each request (service account tokens rotate) */
    char *ca_file;
    struct blob ca, cert, key; /* PEM from *-data fields */
    char *cert_file, *key_file;
    bool insecure;
    char *ns;
    char *version;
    char *selector;       /* URL-encoded label selector */
    cJSON *labels;        /* the selector's key=value pairs, for the resources it creates */
};

static void blob_free(struct blob *b)
{
    free(b->p);
    b->p = NULL;
    b->n = 0;
}

void rb_kube_destroy(struct rb_kube *k)
{
    if (!k)
        return;
    free(k->server);
    free(k->token);
    free(k->token_file);
    free(k->ca_file);
    blob_free(&k->ca);
    blob_free(&k->cert);
    blob_free(&k->key);
    free(k->cert_file);
    free(k->key_file);
    free(k->ns);
    free(k->version);
    free(k->selector);
    cJSON_Delete(k->labels);
    free(k);
}

const char *rb_kube_namespace(const struct rb_kube *k)
{
    return k->ns;
}

const char *rb_kube_version(const struct rb_kube *k)
{
    return k->version;
}

static int base64(const char *in, struct blob *out)
{
    size_t n = strlen(in);
    unsigned char *p = xmalloc(n / 4 * 3 + 4);
    int len = EVP_DecodeBlock(p, (const unsigned char *)in, (int)n);
    if (len < 0) {
        free(p);
        return -EINVAL;
    }
    while (n > 0 && in[n - 1] == '=') { /* EVP_DecodeBlock counts padding as zero bytes */
        n--;
        len--;
    }
    out->p = (char *)p;
    out->n = (size_t)len;
    return 0;
}

static const char *jstr(const cJSON *o, const char *k)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

/* The entry of list `what` ("clusters", "users", "contexts") named name: its `field` object. */
static const cJSON *named(const cJSON *cfg, const char *what, const char *name, const char *field)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(cfg, what))
    {
        const char *n = jstr(it, "name");
        if (n && name && strcmp(n, name) == 0)
            return cJSON_GetObjectItemCaseSensitive(it, field);
    }
    return NULL;
}

static int from_kubeconfig(struct rb_kube *k, const char *path, struct error *err)
{
    char *buf = NULL;
    size_t len = 0;
    cJSON *docs = NULL;
    int rc = file_read(path, 4 << 20, &buf, &len, err);
    if (rc == 0)
        rc = rb_yaml_parse(buf, len, path, &docs, err);
    free(buf);
    if (rc < 0)
        return rc;
    const cJSON *cfg = cJSON_GetArrayItem(docs, 0);
    const char *ctx_name = jstr(cfg, "current-context");
    const cJSON *ctx = named(cfg, "contexts", ctx_name, "context");
    const cJSON *cl = named(cfg, "clusters", jstr(ctx, "cluster"), "cluster");
    const cJSON *user = named(cfg, "users", jstr(ctx, "user"), "user");
    if (!ctx || !cl || !jstr(cl, "server")) {
        rc = error_set(err, -EINVAL, "%s: no current-context with a cluster and its server",
                       path);
        goto out;
    }
    k->server = xstrdup(jstr(cl, "server"));
    if (jstr(ctx, "namespace"))
        k->ns = xstrdup(jstr(ctx, "namespace"));
    k->insecure = cJSON_IsTrue(cJSON_GetObjectItem(cl, "insecure-skip-tls-verify"));
    if (jstr(cl, "certificate-authority"))
        k->ca_file = xstrdup(jstr(cl, "certificate-authority"));
    const char *d;
    if ((d = jstr(cl, "certificate-authority-data")) && base64(d, &k->ca) < 0)
        rc = error_set(err, -EINVAL, "%s: certificate-authority-data is not base64", path);
    if (user) {
        if (jstr(user, "token"))
            k->token = xstrdup(jstr(user, "token"));
        if (jstr(user, "tokenFile"))
            k->token_file = xstrdup(jstr(user, "tokenFile"));
        if (jstr(user, "client-certificate"))
            k->cert_file = xstrdup(jstr(user, "client-certificate"));
        if (jstr(user, "client-key"))
            k->key_file = xstrdup(jstr(user, "client-key"));
        if (rc == 0 && (d = jstr(user, "client-certificate-data")) && base64(d, &k->cert) < 0)
            rc = error_set(err, -EINVAL, "%s: client-certificate-data is not base64", path);
        if (rc == 0 && (d = jstr(user, "client-key-data")) && base64(d, &k->key) < 0)
            rc = error_set(err, -EINVAL, "%s: client-key-data is not base64", path);
    }
out:
    cJSON_Delete(docs);
    return rc;
}

static int in_cluster(struct rb_kube *k, struct error *err)
{
    const char *host = getenv("KUBERNETES_SERVICE_HOST");
    const char *port = getenv("KUBERNETES_SERVICE_PORT");
    if (!host || !*host)
        return error_set(err, -EINVAL, "no --kubeconfig and not in a pod "
                         "(KUBERNETES_SERVICE_HOST is not set)");
    k->server = xasprintf(strchr(host, ':') ? "https://[%s]:%s" : "https://%s:%s", host,
                          port && *port ? port : "443");
    k->token_file = xstrdup(SA_DIR "/token");
    k->ca_file = xstrdup(SA_DIR "/ca.crt");
    char *ns = NULL;
    size_t n = 0;
    if (file_read(SA_DIR "/namespace", 256, &ns, &n, NULL) == 0) {
        ns[strcspn(ns, "\r\n")] = '\0';
        k->ns = ns;
    }
    return 0;
}

/* A handle for path with the credentials; *hdrs to free after. */
static CURL *handle(struct rb_kube *k, const char *path, const char *content_type,
                    struct curl_slist **hdrs, char *url_out[1])
{
    CURL *h = curl_easy_init();
    if (!h)
        return NULL;
    *url_out = xasprintf("%s%s", k->server, path);
    curl_easy_setopt(h, CURLOPT_URL, *url_out);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    if (k->ca_file)
        curl_easy_setopt(h, CURLOPT_CAINFO, k->ca_file);
    if (k->ca.p) {
        struct curl_blob b = {k->ca.p, k->ca.n, CURL_BLOB_COPY};
        curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &b);
    }
    if (k->insecure) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (k->cert_file)
        curl_easy_setopt(h, CURLOPT_SSLCERT, k->cert_file);
    if (k->key_file)
        curl_easy_setopt(h, CURLOPT_SSLKEY, k->key_file);
    if (k->cert.p) {
        struct curl_blob b = {k->cert.p, k->cert.n, CURL_BLOB_COPY};
        curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &b);
    }
    if (k->key.p) {
        struct curl_blob b = {k->key.p, k->key.n, CURL_BLOB_COPY};
        curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &b);
    }
    *hdrs = curl_slist_append(NULL, "Accept: application/json");
    /* no "Expect: 100-continue" round trip before a body */
    *hdrs = curl_slist_append(*hdrs, "Expect:");
    if (content_type) {
        char *ct = xasprintf("Content-Type: %s", content_type);
        *hdrs = curl_slist_append(*hdrs, ct);
        free(ct);
    }
    char *tok = NULL;
    size_t n = 0;
    if (k->token_file && file_read(k->token_file, 65536, &tok, &n, NULL) == 0)
        tok[strcspn(tok, "\r\n")] = '\0';
    const char *t = tok ? tok : k->token;
    if (t && *t) {
        char *auth = xasprintf("Authorization: Bearer %s", t);
        *hdrs = curl_slist_append(*hdrs, auth);
        free(auth);
    }
    free(tok);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, *hdrs);
    return h;
}

/* One request: the HTTP status (and *ret the body as JSON when it is), or a negative errno. */
static long call(struct rb_kube *k, const char *method, const char *path, const char *ctype,
                 const char *body, cJSON **ret, struct error *err)
{
    struct curl_slist *hdrs = NULL;
    char *url = NULL;
    CURL *h = handle(k, path, ctype, &hdrs, &url);
    if (!h)
        return error_set(err, -ENOMEM, "cannot initialise libcurl");
    struct reply_buf b;
    reply_buf_init(&b, REPLY_MAX);
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, reply_buf_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 30000L);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    if (body)
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    double t0 = clock_mono_ms();
    CURLcode rc = curl_easy_perform(h);
    double took = clock_mono_ms() - t0;
    if (took > 5000)
        log_warn("kubernetes API: %s %s took %.1f s", method, url, took / 1000);
    long status = 0;
    if (rc != CURLE_OK && b.over) {
        char *what = xasprintf("%s %s", method, url);
        status = reply_buf_error(&b, what, err);
        free(what);
    } else if (rc != CURLE_OK) {
        status = error_set(err, -EIO, "%s %s: %s", method, url,
                           *errbuf ? errbuf : curl_easy_strerror(rc));
    } else {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        if (ret)
            *ret = b.data ? cJSON_Parse(b.data) : NULL;
        if (status >= 300) {
            cJSON *j = b.data ? cJSON_Parse(b.data) : NULL;
            const char *m = jstr(j, "message");
            error_set(err, status == 404 ? -ENOENT : status == 410 ? -ESTALE
                           : status == 409 || status == 422 ? -ECANCELED : -EIO,
                      "%s %s: %ld %s", method, url, status, m ? m : "");
            cJSON_Delete(j);
        }
    }
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);
    free(url);
    reply_buf_finish(&b);
    return status;
}

static char *base_path(const struct rb_kube *k)
{
    return xasprintf("/apis/kafka.strimzi.io/%s/namespaces/%s/kafkarebalances", k->version,
                     k->ns);
}

int rb_kube_create(const struct rb_kube_options *o, struct rb_kube **ret, struct error *err)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct rb_kube *k = xcalloc(1, sizeof(*k));
    int rc = o->kubeconfig ? from_kubeconfig(k, o->kubeconfig, err) : in_cluster(k, err);
    if (rc < 0)
        goto fail;
    size_t n = strlen(k->server);
    while (n && k->server[n - 1] == '/')
        k->server[--n] = '\0';
    if (o->ns) {
        free(k->ns);
        k->ns = xstrdup(o->ns);
    }
    if (!k->ns)
        k->ns = xstrdup("default");
    char *sel = o->selector && *o->selector
                    ? xasprintf("%s=%s,%s", RB_LABEL_CLUSTER, o->cluster, o->selector)
                    : xasprintf("%s=%s", RB_LABEL_CLUSTER, o->cluster);
    /* the labels a created resource needs to be selected: strimzi.io/cluster and each
     * key=value (or key==value) of --kube-selector */
    k->labels = cJSON_CreateObject();
    cJSON_AddStringToObject(k->labels, RB_LABEL_CLUSTER, o->cluster);
    char *copy = xstrdup(sel), *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(t, '=');
        if (!eq || eq == t || eq[-1] == '!')
            continue; /* "key", "!key", "key!=v", "key in (...)": nothing to set */
        *eq = '\0';
        const char *v = eq[1] == '=' ? eq + 2 : eq + 1;
        if (!cJSON_GetObjectItemCaseSensitive(k->labels, t))
            cJSON_AddStringToObject(k->labels, t, v);
    }
    free(copy);
    CURL *h = curl_easy_init();
    char *esc = curl_easy_escape(h, sel, 0);
    k->selector = xstrdup(esc);
    curl_free(esc);
    curl_easy_cleanup(h);
    free(sel);
    /* the served version: Strimzi 1.x serves v1; older CRDs v1beta2 */
    static const char *const versions[] = {"v1", "v1beta2"};
    for (int i = 0; i < 2; i++) {
        char *path = xasprintf("/apis/kafka.strimzi.io/%s", versions[i]);
        cJSON *j = NULL;
        struct error e = {0};
        long st = call(k, "GET", path, NULL, NULL, &j, &e);
        free(path);
        bool served = false;
        const cJSON *r;
        cJSON_ArrayForEach(r, cJSON_GetObjectItem(j, "resources"))
            served |= jstr(r, "name") && strcmp(jstr(r, "name"), "kafkarebalances") == 0;
        cJSON_Delete(j);
        if (st < 0) {
            rc = error_set(err, (int)st, "%s", e.msg);
            goto fail;
        }
        if (st == 401 || st == 403) {
            rc = error_set(err, -EACCES, "%s", e.msg);
            goto fail;
        }
        if (served) {
            k->version = xstrdup(versions[i]);
            break;
        }
    }
    if (!k->version) {
        rc = error_set(err, -ENOENT, "%s serves no kafkarebalances.kafka.strimzi.io (v1 or "
                       "v1beta2): install the CRD (deploy/kubernetes/crd-kafkarebalance.yaml)",
                       k->server);
        goto fail;
    }
    *ret = k;
    return 0;
fail:
    rb_kube_destroy(k);
    return rc;
}

int rb_kube_list(struct rb_kube *k, cJSON **ret_items, char **ret_rv, struct error *err)
{
    char *base = base_path(k);
    char *path = xasprintf("%s?labelSelector=%s", base, k->selector);
    cJSON *j = NULL;
    long st = call(k, "GET", path, NULL, NULL, &j, err);
    free(path);
    free(base);
    if (st != 200) {
        cJSON_Delete(j);
        return st < 0 ? (int)st : err->code;
    }
    cJSON *items = cJSON_DetachItemFromObjectCaseSensitive(j, "items");
    const char *rv = jstr(cJSON_GetObjectItem(j, "metadata"), "resourceVersion");
    *ret_rv = xstrdup(rv ? rv : "");
    *ret_items = items ? items : cJSON_CreateArray();
    /* a list's items carry no apiVersion and kind */
    cJSON *it;
    cJSON_ArrayForEach(it, *ret_items)
    {
        char *av = xasprintf("kafka.strimzi.io/%s", k->version);
        if (!cJSON_GetObjectItem(it, "apiVersion"))
            cJSON_AddStringToObject(it, "apiVersion", av);
        if (!cJSON_GetObjectItem(it, "kind"))
            cJSON_AddStringToObject(it, "kind", "KafkaRebalance");
        free(av);
    }
    cJSON_Delete(j);
    return 0;
}

struct watch {
    struct reply_buf line; /* the event being read, up to its newline */
    rb_kube_event_fn fn;
    void *arg;
    char **rv;
    bool gone;
    char *error;
    atomic_bool *stop;
};

static void event(struct watch *w, const char *text)
{
    cJSON *e = cJSON_Parse(text);
    const char *type = jstr(e, "type");
    cJSON *obj = cJSON_GetObjectItem(e, "object");
    const char *rv = jstr(cJSON_GetObjectItem(obj, "metadata"), "resourceVersion");
    if (type && strcmp(type, "ERROR") == 0) {
        double code = cJSON_GetNumberValue(cJSON_GetObjectItem(obj, "code"));
        if (code == 410)
            w->gone = true;
        else if (!w->error)
            w->error = xstrdup(jstr(obj, "message") ? jstr(obj, "message") : "watch error");
    } else if (type && obj) {
        if (rv) {
            free(*w->rv);
            *w->rv = xstrdup(rv);
        }
        if (strcmp(type, "BOOKMARK") != 0)
            w->fn(type, obj, w->arg);
    }
    cJSON_Delete(e);
}

static size_t on_watch(char *ptr, size_t size, size_t nmemb, void *arg)
{
    struct watch *w = arg;
    size_t n = size * nmemb;
    for (size_t i = 0; i < n;) {
        const char *nl = memchr(ptr + i, '\n', n - i);
        size_t seg = nl ? (size_t)(nl - (ptr + i)) : n - i;
        if (!reply_buf_append(&w->line, ptr + i, seg))
            return 0; /* an event over the limit: libcurl aborts, line.over says why */
        i += seg;
        if (nl) {
            if (w->line.len)
                event(w, w->line.data);
            reply_buf_clear(&w->line);
            i++;
        }
    }
    return n;
}

static int on_progress(void *arg, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
    struct watch *w = arg;
    (void)a, (void)b, (void)c, (void)d;
    return atomic_load(w->stop) ? 1 : 0;
}

int rb_kube_watch(struct rb_kube *k, char **rv, int timeout_s, rb_kube_event_fn fn, void *arg,
                  atomic_bool *stop, struct error *err)
{
    char *base = base_path(k);
    char *path = xasprintf("%s?watch=1&allowWatchBookmarks=true&labelSelector=%s&"
                           "resourceVersion=%s&timeoutSeconds=%d", base, k->selector, *rv,
                           timeout_s);
    free(base);
    struct curl_slist *hdrs = NULL;
    char *url = NULL;
    CURL *h = handle(k, path, NULL, &hdrs, &url);
    free(path);
    if (!h)
        return error_set(err, -ENOMEM, "cannot initialise libcurl");
    struct watch w = {.fn = fn, .arg = arg, .rv = rv, .stop = stop};
    reply_buf_init(&w.line, REPLY_MAX);
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_watch);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &w);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(timeout_s + 30) * 1000);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &w);
    CURLcode cc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    int rc = 0;
    if (cc == CURLE_ABORTED_BY_CALLBACK)
        rc = -ECANCELED;
    else if (w.gone || status == 410)
        rc = -ESTALE;
    else if (cc != CURLE_OK && w.line.over) {
        char *what = xasprintf("watch %s", url);
        rc = reply_buf_error(&w.line, what, err);
        free(what);
    }
    else if (cc != CURLE_OK)
        rc = error_set(err, -EIO, "watch %s: %s", url, *errbuf ? errbuf : curl_easy_strerror(cc));
    else if (status != 200)
        rc = error_set(err, -EIO, "watch %s: HTTP %ld", url, status);
    else if (w.error)
        rc = error_set(err, -EIO, "watch %s: %s", url, w.error);
    reply_buf_finish(&w.line);
    free(w.error);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);
    free(url);
    return rc;
}

/* PATCH of resource name (suffix "" or "/status") with body (borrowed) as content type. */
static int patch(struct rb_kube *k, const char *name, const char *suffix, const char *ctype,
                 const cJSON *body, cJSON **ret_obj, struct error *err)
{
    char *text = cJSON_PrintUnformatted(body);
    char *base = base_path(k);
    char *path = xasprintf("%s/%s%s", base, name, suffix);
    cJSON *j = NULL;
    long st = call(k, "PATCH", path, ctype, text, &j, err);
    free(path);
    free(base);
    cJSON_free(text);
    if (st != 200) {
        cJSON_Delete(j);
        return st < 0 ? (int)st : err->code;
    }
    if (ret_obj)
        *ret_obj = j;
    else
        cJSON_Delete(j);
    return 0;
}

int rb_kube_patch_status(struct rb_kube *k, const char *name, const cJSON *status,
                         cJSON **ret_obj, struct error *err)
{
    cJSON *body = cJSON_CreateObject();
    cJSON_AddItemToObject(body, "status", cJSON_Duplicate(status, true));
    int rc = patch(k, name, "/status", "application/merge-patch+json", body, ret_obj, err);
    cJSON_Delete(body);
    return rc;
}

int rb_kube_remove_annotation(struct rb_kube *k, const char *name, const char *key,
                              const char *value, cJSON **ret_obj, struct error *err)
{
    /* JSON pointer: '/' in the key is ~1 */
    size_t n = 0;
    char ptr[512];
    for (const char *p = key; *p && n < sizeof(ptr) - 3; p++) {
        if (*p == '/') {
            ptr[n++] = '~';
            ptr[n++] = '1';
        } else if (*p == '~') {
            ptr[n++] = '~';
            ptr[n++] = '0';
        } else {
            ptr[n++] = *p;
        }
    }
    ptr[n] = '\0';
    cJSON *ops = cJSON_CreateArray();
    char *where = xasprintf("/metadata/annotations/%s", ptr);
    cJSON *t = cJSON_CreateObject();
    cJSON_AddStringToObject(t, "op", "test");
    cJSON_AddStringToObject(t, "path", where);
    cJSON_AddStringToObject(t, "value", value);
    cJSON_AddItemToArray(ops, t);
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "op", "remove");
    cJSON_AddStringToObject(r, "path", where);
    cJSON_AddItemToArray(ops, r);
    free(where);
    int rc = patch(k, name, "", "application/json-patch+json", ops, ret_obj, err);
    cJSON_Delete(ops);
    return rc;
}

const cJSON *rb_kube_labels(const struct rb_kube *k)
{
    return k->labels;
}

int rb_kube_create_object(struct rb_kube *k, const cJSON *obj, cJSON **ret_obj,
                          struct error *err)
{
    cJSON *body = cJSON_Duplicate(obj, true);
    cJSON *md = cJSON_GetObjectItemCaseSensitive(body, "metadata");
    cJSON_DeleteItemFromObjectCaseSensitive(md, "namespace");
    cJSON_AddStringToObject(md, "namespace", k->ns);
    char *av = xasprintf("kafka.strimzi.io/%s", k->version);
    cJSON_ReplaceItemInObjectCaseSensitive(body, "apiVersion", cJSON_CreateString(av));
    free(av);
    char *text = cJSON_PrintUnformatted(body);
    cJSON_Delete(body);
    char *path = base_path(k);
    cJSON *j = NULL;
    long st = call(k, "POST", path, "application/json", text, &j, err);
    free(path);
    cJSON_free(text);
    if (st != 201 && st != 200) {
        cJSON_Delete(j);
        if (st == 409)
            return -EEXIST;
        return st < 0 ? (int)st : err->code;
    }
    if (ret_obj)
        *ret_obj = j;
    else
        cJSON_Delete(j);
    return 0;
}

int rb_kube_set_annotation(struct rb_kube *k, const char *name, const char *key,
                           const char *value, cJSON **ret_obj, struct error *err)
{
    cJSON *body = cJSON_CreateObject();
    cJSON *an = cJSON_AddObjectToObject(cJSON_AddObjectToObject(body, "metadata"),
                                        "annotations");
    cJSON_AddStringToObject(an, key, value);
    int rc = patch(k, name, "", "application/merge-patch+json", body, ret_obj, err);
    cJSON_Delete(body);
    return rc;
}

int rb_kube_delete(struct rb_kube *k, const char *name, struct error *err)
{
    char *base = base_path(k);
    char *path = xasprintf("%s/%s", base, name);
    long st = call(k, "DELETE", path, NULL, NULL, NULL, err);
    free(path);
    free(base);
    if (st == 200 || st == 202)
        return 0;
    return st < 0 ? (int)st : err->code;
}
