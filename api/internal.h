/* What api/'s files share: one request in progress and the route table.
 *   server.c  libmicrohttpd setup, body limits, auth, response, request log, counters
 *   routes.c  the sorted route table and the handlers
 *   params.c  parameter checking; auth.c credentials; openapi.c the document */
#ifndef API_INTERNAL_H
#define API_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "api/api.h"

#define API_NCODES 16

struct api_server;

/* One request; lives on one connection thread from the first callback to completion. */
struct api_req {
    struct api_server *srv;
    const char *method, *url;  /* libmicrohttpd's, valid for the request */
    char client[64];
    const char *user;          /* "-" without auth */
    enum api_role role;
    cJSON *query;              /* query parameters as strings */
    char *body;
    size_t body_len;
    bool too_large;
    int route;                 /* index in api_routes, -1 none */
    double start_ms;
    int status;
    /* the answer */
    char *out;                 /* heap text */
    const char *content_type;
    char task_id[40];          /* sent as the Task-ID header when set */
    void *conn;                /* struct MHD_Connection: request headers (api/cc.c reads them) */
    bool cc;                   /* a Cruise Control request: Cruise-Control-Version header */
    char *set_cookie;          /* heap; sent as Set-Cookie when set */
    /* a request waiting for its task: its connection is suspended until the task leaves
     * Active or the deadline passes (the resumer thread resumes it); then the route's handler
     * runs again with `resumed` set when `rerun` (api/cc.c), else api_reply_task answers */
    bool waiting;
    bool rerun, resumed;
    double deadline_ms;        /* clock_mono_ms */
    struct api_req *next_wait;
};

typedef void (*api_handler)(struct api_req *r, const char *tail);

struct api_route {
    const char *method;
    const char *path;          /* exact, or a prefix ending in '/' for an id after it */
    enum api_role role;        /* least role needed (NONE: open) */
    api_handler handler;
};

extern const struct api_route api_routes[];
extern const int api_nroutes;

struct api_server {
    struct svc *svc;
    struct rb_controller *rebalances; /* NULL: /api/v1/kafkarebalances answers 503 */
    const struct config *cfg;
    struct api_auth *auth;     /* NULL: no auth */
    void *daemon;              /* struct MHD_Daemon */
    char *tls_key, *tls_cert;
    int port;
    struct api_cc *cc;         /* the Cruise Control API's sessions (api/cc.c) */
    /* waiting requests (wait_lock); the resumer thread resumes them */
    pthread_mutex_t wait_lock;
    struct api_req *waits;
    bool stopping;             /* wait_lock */
    pthread_t resumer;
    bool resumer_running;
    /* requests by route (api_nroutes: no route) and status code class */
    atomic_ullong requests[64][API_NCODES];
};

/* Refuses any query parameter not in the NULL-terminated list (NULL: none) and a body;
 * false after replying 400. */
bool api_only_params(struct api_req *r, const char *const *allowed);

/* rebalances.c: /api/v1/kafkarebalances (list, apply) and /{name} (GET, DELETE, POST
 * ?annotate=) */
void api_h_rebalances(struct api_req *r, const char *tail);
void api_h_rebalance_apply(struct api_req *r, const char *tail);
void api_h_rebalance_one(struct api_req *r, const char *name);
void api_h_decommission(struct api_req *r, const char *tail);

/* Answers with JSON (takes j) or an error body {"version":1,"errorMessage":msg}. */
void api_reply_json(struct api_req *r, int status, cJSON *j);
void api_reply_error(struct api_req *r, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void api_reply_text(struct api_req *r, int status, const char *type, char *text);
/* Suspends r's connection until its task id leaves Active or api.blockMs passes; the handler
 * then runs api_reply_task. */
void api_wait_task(struct api_req *r, const char *id);
/* The answer for a task: its result (status from the task) when done, else 202 + progress. */
void api_reply_task(struct api_req *r, const char *id);
/* The status codes counted in the request metrics; the last slot counts the others. */
extern const int api_codes[API_NCODES];

/* The Cruise Control-compatible API under /kafkacruisecontrol/ (api/cc*.c). The version it
 * claims in the Cruise-Control-Version header: the Cruise Control release whose API it answers
 * (cccli reads it to know that 202 means "poll again"). */
#define API_CC_VERSION "2.5.146"
struct api_cc *api_cc_create(void);
void api_cc_destroy(struct api_cc *cc); /* accepts NULL */
void api_cc_handle(struct api_req *r, const char *tail);

/* The web view (api/ui.c): GET /ui/ and its files, GET /api/v1/whoami, GET /api/v1/layout.
 * The files of ui/ are compiled in by ui/embed.py (the generated ui_assets.c). */
struct api_ui_asset {
    const char *name;          /* "index.html" */
    const char *type;          /* Content-Type */
    const unsigned char *data; /* text, no NUL inside */
    size_t len;
};
extern const struct api_ui_asset api_ui_assets[];
extern const int api_ui_nassets;
void api_ui_handle(struct api_req *r, const char *tail);
void api_ui_whoami(struct api_req *r, const char *tail);
void api_ui_layout(struct api_req *r, const char *tail);

#endif
