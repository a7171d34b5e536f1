/* The HTTP front of `ballast serve` on libmicrohttpd: the native REST API under /api/v1
 * (docs/api.md; its OpenAPI document at /api/v1/openapi.json), /metrics, /healthz, /readyz.
 * HTTP Basic auth with roles from a credentials file of crypt(3) hashes, TLS from certificate
 * and key files, limits on body size, parameters, connections. One log line per request.
 *
 * Threads: libmicrohttpd runs one thread per connection (bounded by api.maxConnections) plus
 * its listening thread; a handler may wait for a task (svc_task_wait) up to api.blockMs
 * without holding up other connections. Handlers share only the api_server's counters
 * (atomics) and the auth cache (its own mutex); the service has its own locks. */
#ifndef API_API_H
#define API_API_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "service/service.h"

enum api_role { API_ROLE_NONE = 0, API_ROLE_VIEWER, API_ROLE_USER, API_ROLE_ADMIN };
const char *api_role_name(enum api_role r);

/* ---- credentials (api/auth.c) ---- */
struct api_auth;
/* Reads a credentials file: one "user:hash:ROLE" per line (ROLE VIEWER, USER or ADMIN; hash
 * as crypt(3) writes it, e.g. "$y$..." yescrypt or "$2b$..." bcrypt); '#' comments and blank
 * lines skipped. Errors name file:line. */
int api_auth_load(const char *path, struct api_auth **ret, struct error *err);
int api_auth_parse(const char *text, const char *name, struct api_auth **ret, struct error *err);
void api_auth_destroy(struct api_auth *a); /* accepts NULL */
/* Checks an Authorization header value ("Basic base64(user:password)"). Returns the user's
 * role and sets *ret_user (points into a), or API_ROLE_NONE. Verified headers are cached by
 * their SHA-256 (a hash check costs tens of milliseconds of CPU by design). Thread-safe. */
enum api_role api_auth_check(struct api_auth *a, const char *header, const char **ret_user);

/* ---- request parameters (api/params.c) ---- */
struct api_limits {
    int max_params;
};
/* Builds a rebalance request from the query parameters and the JSON body (an object; either
 * may be empty). Unknown parameters, bad values, unknown goals, bad regexes are -EINVAL with
 * a message naming the parameter. */
int api_rebalance_parse(const cJSON *params, const struct api_limits *lim,
                        struct svc_request *ret, struct error *err);
/* The changes of POST /api/v1/execution (concurrency, intraConcurrency, leaderConcurrency,
 * clusterConcurrency, progressCheckIntervalMs, throttle) into ret; at least one. */
struct exec_adjust;
int api_execution_parse(const cJSON *params, struct exec_adjust *ret, struct error *err);
/* Merges query parameters (strings) and a JSON body into one object: a parameter given in
 * both is an error. body may be NULL/empty. */
int api_params_merge(cJSON *query, const char *body, size_t len, cJSON **ret,
                     struct error *err);

/* ---- the server (api/server.c) ---- */
struct api_server;
struct rb_controller;
struct api_server_options {
    struct svc *svc;
    struct rb_controller *rebalances; /* KafkaRebalance resources (NULL: not served) */
    const struct config *cfg;
};
/* Reads the credentials and TLS files, checks TLS support, listens. */
int api_server_start(const struct api_server_options *o, struct api_server **ret,
                     struct error *err);
/* Stops accepting new connections (open ones finish). */
void api_server_quiesce(struct api_server *s);
/* Closes every connection and frees the server. Accepts NULL. */
void api_server_stop(struct api_server *s);
/* The port it listens on (useful with port 0 in tests). */
int api_server_port(const struct api_server *s);

/* The OpenAPI document (api/openapi.c). */
extern const char api_openapi_json[];

/* /metrics' sampler series: ballast_sampler_broker_samples_total{broker,result}, two lines per
 * broker of v (HELP and TYPE even when n is 0); a heap string. */
char *api_metrics_samples(const struct svc_sample_count *v, size_t n);

#endif
