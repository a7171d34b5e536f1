/* What the Cruise Control-compatible API's files share (not for other modules).
 *   cc.c            transport: endpoint table, parameter whitelist, Cruise Control's error
 *                   bodies and status codes, sessions (cookie -> task), the async protocol
 *   cc_endpoints.c  the endpoints' answers (state, load, partition_load, kafka_cluster_state,
 *                   user_tasks, the rebalance family, the feature-off endpoints)
 *   cc_text.c       the plain-text forms (json=false) of the main answers
 * A handler runs on its connection's thread; it calls the service (its own locks) and the
 * session table (api_cc.lock, never held while calling the service). */
#ifndef API_CC_H
#define API_CC_H

#include "api/internal.h"

struct cc_req;
typedef void (*cc_handler)(struct cc_req *q);

struct cc_endpoint {
    const char *name;          /* "rebalance": the path segment, matched case-insensitively */
    const char *method;        /* "GET" or "POST" */
    const char *upper;         /* "REBALANCE": how Cruise Control names it in messages */
    const char *const *params; /* the whitelist (lower case), NULL-terminated */
    cc_handler handler;
};

/* One Cruise Control request. */
struct cc_req {
    struct api_req *r;
    const struct cc_endpoint *ep;
    char path[48];             /* "/rebalance" as Cruise Control prints it */
    cJSON *params;             /* lower-cased names -> the values (strings) */
    bool json;
    bool failed;               /* an answer (an error) has been given */
};

/* ---- cc.c ---- */
/* Errors in Cruise Control's body ({"version":1,"stackTrace","errorMessage"}, or the message as
 * text when json=false) with its wording: 400 "Bad GET request '/load' due to '...'.",
 * 403 "Cannot process ...", 500 "Error processing ... due to: '...'.". `exception` names the
 * Java exception Cruise Control would have thrown (clients match it), NULL for none. Each sets
 * q->failed. */
void cc_bad(struct cc_req *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cc_forbidden(struct cc_req *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cc_fail(struct cc_req *q, const char *exception, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* 200 with j (takes it; "version":1 added) or, with json=false, with text (takes it). */
void cc_reply(struct cc_req *q, cJSON *j, char *text);

/* Parameter getters: the value or def when absent. A bad value answers 400 naming the
 * parameter and sets q->failed (the return value is then def). */
const char *cc_param(const struct cc_req *q, const char *name);
bool cc_bool(struct cc_req *q, const char *name, bool def);
long long cc_long(struct cc_req *q, const char *name, long long lo, long long hi,
                  long long def);
double cc_double(struct cc_req *q, const char *name, double lo, double hi, double def);
/* A comma-separated list (at most max items; empty items refused). NULL when absent; free with
 * cc_list_free. */
char **cc_list(struct cc_req *q, const char *name, int max, int *ret_n);
void cc_list_free(char **items, int n);
/* Broker ids of a list parameter (not checked against the model). NULL when absent. */
int32_t *cc_ids(struct cc_req *q, const char *name, int *ret_n);
/* Broker ids of a list parameter, checked against the current model: an unknown one answers
 * Cruise Control's 500 "Broker [3] does not exist.". NULL when absent. */
int32_t *cc_brokers(struct cc_req *q, const char *name, int *ret_n);

/* The async protocol for a rebalance-like request: re-attaches to the task of this session
 * (cookie and identical request) or of the User-Task-ID header, else submits req (takes it);
 * then waits up to api.blockMs: the result (200), its error (Cruise Control's status and
 * text), or 202 with the progress. `operation` names it in the progress ("Rebalance"). */
void cc_async(struct cc_req *q, struct svc_request *req, const char *operation);
/* The role a POST needs: ADMIN to execute, USER for a dry run. False after answering 403. */
bool cc_role(struct cc_req *q, enum api_role need, const char *what);
/* The default proposal pid's onDemandBalancednessScoreBefore (cached per proposal id), NaN when
 * none. */
double cc_default_score(struct cc_req *q, const char *pid);
/* Cruise Control's reason text: "<reason> (Client: <ip>, Date: <UTC date>)". */
void cc_reason_text(char *buf, size_t n, const char *reason, const char *client, int64_t ms);

/* ---- cc_endpoints.c ---- */
extern const struct cc_endpoint cc_endpoints[];
extern const int cc_nendpoints;

/* ---- cc_text.c: plain-text forms ---- */
char *cc_text_optimization(const cJSON *result);
char *cc_text_state(const cJSON *state);
char *cc_text_load(const cJSON *load);
char *cc_text_partition_load(const cJSON *records);
char *cc_text_user_tasks(const cJSON *tasks);
char *cc_text_cluster_state(const cJSON *state);
/* Any other answer: its "message", else its JSON. */
char *cc_text_generic(const cJSON *j);

#endif
