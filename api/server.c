/* The HTTP server on libmicrohttpd: a pool of api.httpThreads threads on epoll (2 by default,
 * for a 2-core machine); a request waiting for its task is suspended (MHD_suspend_connection)
 * and resumed by the resumer thread, so it holds no thread while it waits; TLS through
 * libmicrohttpd's GnuTLS; HTTP Basic auth; body, header and parameter limits; the request log
 * (one line per request: method, path, user, status, milliseconds, client) and the request
 * counters /metrics shows. Handlers live in routes.c. */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/internal.h"
#include "common/alloc.h"
#include "common/clock.h"
#include "common/file.h"
#include "common/log.h"

const int api_codes[API_NCODES] = {200, 202, 400, 401, 403, 404, 405, 409,
                                   413, 414, 429, 431, 500, 503, 504, 0};

void api_reply_text(struct api_req *r, int status, const char *type, char *text)
{
    free(r->out);
    r->out = text;
    r->status = status;
    r->content_type = type;
}

void api_reply_json(struct api_req *r, int status, cJSON *j)
{
    char *t = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    size_t n = strlen(t);
    char *nl = xmalloc(n + 2);
    memcpy(nl, t, n);
    nl[n] = '\n';
    nl[n + 1] = '\0';
    cJSON_free(t);
    api_reply_text(r, status, "application/json", nl);
}

void api_reply_error(struct api_req *r, int status, const char *fmt, ...)
{
    char msg[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "version", 1);
    cJSON_AddNumberToObject(j, "status", status);
    cJSON_AddStringToObject(j, "errorMessage", msg);
    api_reply_json(r, status, j);
}

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    struct api_req *r = cls;
    (void)kind;
    /* a repeated name is refused later; keep the first here and mark the repeat */
    if (cJSON_GetObjectItemCaseSensitive(r->query, key)) {
        cJSON_AddItemToObject(r->query, "\x01repeat", cJSON_CreateString(key));
        return MHD_YES;
    }
    cJSON_AddItemToObject(r->query, key, cJSON_CreateString(value ? value : ""));
    return MHD_YES;
}

static int find_route(const char *method, const char *url, const char **ret_tail, bool *ret_path)
{
    *ret_path = false;
    for (int i = 0; i < api_nroutes; i++) {
        const struct api_route *rt = &api_routes[i];
        size_t n = strlen(rt->path);
        bool prefix = rt->path[n - 1] == '/';
        /* the web view's folder is a path of its own (its index); an id is never empty */
        bool match = prefix ? strncmp(url, rt->path, n) == 0 &&
                                  (url[n] || rt->handler == api_ui_handle) &&
                                  !strchr(url + n, '/')
                            : strcmp(url, rt->path) == 0;
        if (!match)
            continue;
        *ret_path = true;
        if (strcmp(method, rt->method) != 0)
            continue;
        *ret_tail = prefix ? url + n : NULL;
        return i;
    }
    return -1;
}

static void send_reply(struct MHD_Connection *c, struct api_req *r)
{
    if (!r->out)
        api_reply_error(r, 500, "no answer");
    size_t n = strlen(r->out);
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(n, r->out, MHD_RESPMEM_MUST_FREE);
    r->out = NULL;
    MHD_add_response_header(resp, "Content-Type", r->content_type);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    if (r->task_id[0]) {
        MHD_add_response_header(resp, "Task-ID", r->task_id);
        MHD_add_response_header(resp, "User-Task-ID", r->task_id);
    }
    if (r->cc)
        MHD_add_response_header(resp, "Cruise-Control-Version", API_CC_VERSION);
    if (r->set_cookie)
        MHD_add_response_header(resp, "Set-Cookie", r->set_cookie);
    if (r->status == 401)
        MHD_add_response_header(resp, "WWW-Authenticate", "Basic realm=\"ballast\"");
    MHD_queue_response(c, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
}

static void client_address(struct MHD_Connection *c, char *buf, size_t n)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(buf, n, "-");
    if (!ci || !ci->client_addr)
        return;
    if (ci->client_addr->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, buf,
                  (socklen_t)n);
    else if (ci->client_addr->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr, buf,
                  (socklen_t)n);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    struct api_server *srv = cls;
    struct api_req *r = *con_cls;
    (void)version;
    if (!r) {
        /* headers are in: decide what can be decided before any body is read */
        r = xcalloc(1, sizeof(*r));
        *con_cls = r;
        r->srv = srv;
        r->method = method;
        r->url = url;
        r->start_ms = clock_mono_ms();
        r->route = -1;
        r->user = "-";
        r->query = cJSON_CreateObject();
        r->conn = c;
        client_address(c, r->client, sizeof(r->client));
        int nargs = MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, NULL, NULL);
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        const char *tail = NULL;
        bool path_known;
        r->route = find_route(method, url, &tail, &path_known);
        if (srv->auth && !(r->route >= 0 && api_routes[r->route].role == API_ROLE_NONE)) {
            const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
            r->role = api_auth_check(srv->auth, h, &r->user);
            if (r->role == API_ROLE_NONE) {
                r->user = "-";
                api_reply_error(r, 401, "authentication required: HTTP Basic with a user of "
                                "the credentials file (wrong user or password?)");
            }
        } else {
            r->role = API_ROLE_ADMIN; /* no auth configured: everyone may do everything */
        }
        if (r->out) {
            /* 401 already */
        } else if (r->route < 0) {
            if (path_known)
                api_reply_error(r, 405, "method %s is not allowed on %s", method, url);
            else
                api_reply_error(r, 404, "no such endpoint: %s (see /api/v1/openapi.json)", url);
        } else if (r->role < api_routes[r->route].role) {
            api_reply_error(r, 403, "user '%s' has role %s; %s %s needs %s", r->user,
                            api_role_name(r->role), method, url,
                            api_role_name(api_routes[r->route].role));
        } else if (nargs > srv->cfg->api.max_params) {
            api_reply_error(r, 400, "%d query parameters: more than api.maxParameters (%d)",
                            nargs, srv->cfg->api.max_params);
        } else if (cl && strtoull(cl, NULL, 10) > (unsigned long long)srv->cfg->api.max_body_bytes) {
            api_reply_error(r, 413, "body of %s bytes: more than api.maxBodyBytes (%d)", cl,
                            srv->cfg->api.max_body_bytes);
        } else {
            MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_arg, r);
        }
        if (r->out) {
            send_reply(c, r);
            return MHD_YES;
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        /* a body: keep it up to the limit, count the rest away (413 at the end) */
        size_t n = *upload_data_size;
        if (!r->too_large && !r->out) {
            if (r->body_len + n > (size_t)srv->cfg->api.max_body_bytes) {
                r->too_large = true;
                free(r->body);
                r->body = NULL;
            } else {
                r->body = xrealloc(r->body, r->body_len + n + 1);
                memcpy(r->body + r->body_len, upload_data, n);
                r->body_len += n;
                r->body[r->body_len] = '\0';
            }
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (r->waiting) { /* resumed: the task ended or the wait is over */
        r->waiting = false;
        free(r->out); /* whatever was set while it waited is not the answer */
        r->out = NULL;
        if (r->rerun) {
            const char *tail = NULL;
            bool path_known;
            find_route(method, url, &tail, &path_known);
            r->resumed = true;
            api_routes[r->route].handler(r, tail);
        } else {
            api_reply_task(r, r->task_id);
        }
        if (!r->waiting)
            send_reply(c, r);
        return MHD_YES;
    }
    if (r->out) /* answered after the headers (401, 403, 404, 413...) */
        return MHD_YES;
    if (r->too_large) {
        api_reply_error(r, 413, "body larger than api.maxBodyBytes (%d)",
                        srv->cfg->api.max_body_bytes);
    } else if (cJSON_GetObjectItemCaseSensitive(r->query, "\x01repeat")) {
        api_reply_error(r, 400, "query parameter '%s' is given twice",
                        cJSON_GetObjectItemCaseSensitive(r->query, "\x01repeat")->valuestring);
    } else {
        const char *tail = NULL;
        bool path_known;
        find_route(method, url, &tail, &path_known);
        api_routes[r->route].handler(r, tail);
    }
    if (r->waiting) /* suspended; answered once resumed */
        return MHD_YES;
    send_reply(c, r);
    return MHD_YES;
}

void api_wait_task(struct api_req *r, const char *id)
{
    struct api_server *srv = r->srv;
    snprintf(r->task_id, sizeof(r->task_id), "%s", id);
    r->deadline_ms = clock_mono_ms() + srv->cfg->api.block_ms;
    r->waiting = true;
    /* suspend first: the resumer may resume it as soon as it is on the list */
    MHD_suspend_connection(r->conn);
    pthread_mutex_lock(&srv->wait_lock);
    r->next_wait = srv->waits;
    srv->waits = r;
    pthread_mutex_unlock(&srv->wait_lock);
    svc_poke(srv->svc);
}

/* The resumer thread: wakes on every change of the service's tasks (svc_wait_change) and at
 * the nearest deadline, and resumes the waiting requests whose task is no longer Active or
 * whose api.blockMs has passed. On stop it resumes them all (libmicrohttpd must not stop with
 * suspended connections). */
static void *resumer_main(void *arg)
{
    struct api_server *srv = arg;
    uint64_t epoch = 0;
    for (;;) {
        pthread_mutex_lock(&srv->wait_lock);
        bool stop = srv->stopping;
        double now = clock_mono_ms(), next = now + 1000;
        struct api_req **pp = &srv->waits;
        while (*pp) {
            struct api_req *r = *pp;
            if (stop || now >= r->deadline_ms || !svc_task_pending(srv->svc, r->task_id)) {
                *pp = r->next_wait;
                MHD_resume_connection(r->conn);
                continue;
            }
            if (r->deadline_ms < next)
                next = r->deadline_ms;
            pp = &r->next_wait;
        }
        pthread_mutex_unlock(&srv->wait_lock);
        if (stop)
            break;
        svc_wait_change(srv->svc, &epoch, (int)(next - now) + 1);
    }
    return NULL;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct api_server *srv = cls;
    struct api_req *r = *con_cls;
    (void)c;
    if (!r)
        return;
    int code = 0;
    while (code < API_NCODES - 1 && api_codes[code] != r->status)
        code++;
    int route = r->route >= 0 ? r->route : api_nroutes;
    atomic_fetch_add_explicit(&srv->requests[route][code], 1, memory_order_relaxed);
    log_info("http %s %s user=%s status=%d ms=%.1f client=%s%s", r->method, r->url, r->user,
             r->status, clock_mono_ms() - r->start_ms, r->client,
             toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (connection ended early)");
    cJSON_Delete(r->query);
    free(r->body);
    free(r->out);
    free(r->set_cookie);
    free(r);
    *con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char buf[512];
    vsnprintf(buf, sizeof(buf), fmt, ap);
    buf[strcspn(buf, "\n")] = '\0';
    log_warn("libmicrohttpd: %s", buf);
}

int api_server_start(const struct api_server_options *o, struct api_server **ret,
                     struct error *err)
{
    const struct config_api *a = &o->cfg->api;
    struct api_server *s = xcalloc(1, sizeof(*s));
    pthread_mutex_init(&s->wait_lock, NULL);
    s->svc = o->svc;
    s->rebalances = o->rebalances;
    s->cfg = o->cfg;
    s->port = a->port;
    s->cc = api_cc_create();
    int rc = 0;
    if (a->credentials_file && (rc = api_auth_load(a->credentials_file, &s->auth, err)) < 0)
        goto fail;
    bool tls = a->tls_cert_file || a->tls_key_file;
    if (tls) {
        if (!a->tls_cert_file || !a->tls_key_file) {
            rc = error_set(err, -EINVAL, "api: TLS needs both tlsCertFile and tlsKeyFile");
            goto fail;
        }
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
            rc = error_set(err, -ENOTSUP, "api: this libmicrohttpd has no TLS (built without "
                           "GnuTLS)");
            goto fail;
        }
        size_t n;
        if ((rc = file_read(a->tls_cert_file, 1 << 20, &s->tls_cert, &n, err)) < 0 ||
            (rc = file_read(a->tls_key_file, 1 << 20, &s->tls_key, &n, err)) < 0)
            goto fail;
    }
    struct sockaddr_in6 sa6;
    struct sockaddr_in sa4;
    struct sockaddr *sa;
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME |
                     MHD_USE_ERROR_LOG | (tls ? MHD_USE_TLS : 0);
    memset(&sa4, 0, sizeof(sa4));
    memset(&sa6, 0, sizeof(sa6));
    if (inet_pton(AF_INET, a->listen, &sa4.sin_addr) == 1) {
        sa4.sin_family = AF_INET;
        sa4.sin_port = htons((uint16_t)a->port);
        sa = (struct sockaddr *)&sa4;
    } else if (inet_pton(AF_INET6, a->listen, &sa6.sin6_addr) == 1) {
        sa6.sin6_family = AF_INET6;
        sa6.sin6_port = htons((uint16_t)a->port);
        sa = (struct sockaddr *)&sa6;
        flags |= MHD_USE_IPv6;
    } else {
        rc = error_set(err, -EINVAL, "api.listen '%s': expected an IPv4 or IPv6 address",
                       a->listen);
        goto fail;
    }
    struct MHD_OptionItem tls_opts[] = {
        {tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, s->tls_key},
        {MHD_OPTION_HTTPS_MEM_CERT, 0, s->tls_cert},
        {MHD_OPTION_END, 0, NULL},
    };
    s->daemon = MHD_start_daemon(
        flags, (uint16_t)a->port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, sa,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)a->max_connections,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)a->http_threads,
        MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)64 * 1024, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_ARRAY, tls_opts,
        MHD_OPTION_END);
    if (!s->daemon) {
        rc = error_set(err, -EADDRINUSE, "api: cannot listen on %s:%d (in use, or the TLS "
                       "certificate and key do not load)", a->listen, a->port);
        goto fail;
    }
    if ((rc = pthread_create(&s->resumer, NULL, resumer_main, s)) != 0) {
        rc = error_set(err, -rc, "api: cannot start the resumer thread: %s", strerror(rc));
        goto fail;
    }
    s->resumer_running = true;
    *ret = s;
    return 0;
fail:
    api_server_stop(s);
    return rc;
}

void api_server_quiesce(struct api_server *s)
{
    if (!s || !s->daemon)
        return;
    MHD_socket fd = MHD_quiesce_daemon(s->daemon);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
}

void api_server_stop(struct api_server *s)
{
    if (!s)
        return;
    if (s->resumer_running) {
        pthread_mutex_lock(&s->wait_lock);
        s->stopping = true;
        pthread_mutex_unlock(&s->wait_lock);
        svc_poke(s->svc);
        pthread_join(s->resumer, NULL);
    }
    if (s->daemon)
        MHD_stop_daemon(s->daemon);
    pthread_mutex_destroy(&s->wait_lock);
    api_auth_destroy(s->auth);
    api_cc_destroy(s->cc);
    if (s->tls_key)
        explicit_bzero(s->tls_key, strlen(s->tls_key));
    free(s->tls_key);
    free(s->tls_cert);
    free(s);
}

int api_server_port(const struct api_server *s)
{
    return s->port;
}
