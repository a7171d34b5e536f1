/* /api/v1/kafkarebalances: KafkaRebalance resources in standalone mode (docs/rebalance.md),
 * the REST side of `ballast rebalance apply|get|approve|refresh|stop|delete`. Bodies and
 * answers are the resource as Kubernetes shows it, in JSON (the CLI converts YAML). Roles:
 * reading is VIEWER; applying and refresh are USER (they only plan), except a resource that
 * carries approve or auto-approval, which executes; approve, stop and delete are ADMIN. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/internal.h"
#include "common/alloc.h"
#include "rebalance/rebalance.h"

/* The status for a controller error: 400 bad resource, 404 none, 409 refused (Kubernetes
 * mode, too many), 500 a storage failure. */
static int status_of(int rc)
{
    return rc == -EINVAL ? 400 : rc == -ENOENT ? 404 : rc == -EPERM || rc == -ENOSPC ? 409 : 500;
}

static bool have(struct api_req *r, enum api_role need, const char *what)
{
    if (r->role >= need)
        return true;
    api_reply_error(r, 403, "user '%s' has role %s; %s needs %s", r->user,
                    api_role_name(r->role), what, api_role_name(need));
    return false;
}

static bool controller(struct api_req *r)
{
    if (r->srv->rebalances)
        return true;
    api_reply_error(r, 503, "KafkaRebalance resources are not served by this service");
    return false;
}

void api_h_rebalances(struct api_req *r, const char *tail)
{
    (void)tail;
    if (!controller(r) || !api_only_params(r, NULL))
        return;
    api_reply_json(r, 200, rb_list(r->srv->rebalances));
}

void api_h_rebalance_apply(struct api_req *r, const char *tail)
{
    (void)tail;
    if (!controller(r))
        return;
    if (cJSON_GetArraySize(r->query)) {
        api_reply_error(r, 400, "POST %s takes the resource as its body, no parameters", r->url);
        return;
    }
    const char *end = NULL;
    cJSON *obj = r->body ? cJSON_ParseWithLengthOpts(r->body, r->body_len, &end, false) : NULL;
    if (!obj) {
        api_reply_error(r, 400, "body: expected a KafkaRebalance as JSON (malformed near byte "
                        "%zu)", end && r->body ? (size_t)(end - r->body) : 0);
        return;
    }
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(obj, "metadata"), "annotations");
    const char *auto_ok = cJSON_GetStringValue(cJSON_GetObjectItem(a, RB_ANNOT_AUTO_APPROVAL));
    const char *annot = cJSON_GetStringValue(cJSON_GetObjectItem(a, RB_ANNOT_REBALANCE));
    bool executes = (auto_ok && !strcmp(auto_ok, "true")) || (annot && !strcmp(annot, "approve"));
    if (!have(r, executes ? API_ROLE_ADMIN : API_ROLE_USER,
              executes ? "a resource that is approved (it executes)" : "applying a resource")) {
        cJSON_Delete(obj);
        return;
    }
    struct error err = {0};
    bool created = false;
    cJSON *out = NULL;
    int rc = rb_apply(r->srv->rebalances, obj, &created, &out, &err);
    cJSON_Delete(obj);
    if (rc < 0)
        api_reply_error(r, status_of(rc), "%s", err.msg);
    else
        api_reply_json(r, created ? 201 : 200, out);
}

void api_h_rebalance_one(struct api_req *r, const char *name)
{
    if (!controller(r))
        return;
    struct rb_controller *c = r->srv->rebalances;
    struct error err = {0};
    if (strcmp(r->method, "GET") == 0) {
        if (!api_only_params(r, NULL))
            return;
        cJSON *j = rb_get(c, name);
        if (j)
            api_reply_json(r, 200, j);
        else
            api_reply_error(r, 404, "kafkarebalance '%.64s' not found", name);
        return;
    }
    if (strcmp(r->method, "DELETE") == 0) {
        if (!api_only_params(r, NULL) || !have(r, API_ROLE_ADMIN, "deleting a resource"))
            return;
        if (rb_delete(c, name, &err) < 0) {
            api_reply_error(r, status_of(err.code), "%s", err.msg);
            return;
        }
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "kind", "Status");
        cJSON_AddStringToObject(j, "status", "Success");
        cJSON_AddStringToObject(j, "message", "deleted");
        api_reply_json(r, 200, j);
        return;
    }
    /* POST ?annotate=VALUE: as `kubectl annotate ... strimzi.io/rebalance=VALUE` */
    static const char *const allowed[] = {"annotate", NULL};
    if (!api_only_params(r, allowed))
        return;
    const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r->query, "annotate"));
    if (!v || !*v || strlen(v) > 64) {
        api_reply_error(r, 400, "parameter 'annotate': expected approve, refresh or stop");
        return;
    }
    bool admin = strcmp(v, "refresh") != 0;
    if (!have(r, admin ? API_ROLE_ADMIN : API_ROLE_USER, admin ? "approve or stop" : "refresh"))
        return;
    if (rb_annotate(c, name, v, &err) < 0) {
        api_reply_error(r, status_of(err.code), "%s", err.msg);
        return;
    }
    api_reply_json(r, 200, rb_get(c, name));
}

/* POST /api/v1/decommission?brokers=7,8 (or {"brokers":[7,8]}): empty the brokers through
 * <cluster>-auto-rebalancing-remove-brokers; GET /api/v1/state's autoRebalance.decommission
 * says when they are safe to stop. */
void api_h_decommission(struct api_req *r, const char *tail)
{
    (void)tail;
    if (!controller(r))
        return;
    struct error err = {0};
    cJSON *params = NULL;
    if (api_params_merge(r->query, r->body, r->body_len, &params, &err) < 0) {
        api_reply_error(r, 400, "%s", err.msg);
        return;
    }
    int32_t ids[SVC_MAX_BROKERS];
    int n = 0;
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(params, "brokers");
    bool bad = !b || cJSON_GetArraySize(params) != 1;
    if (cJSON_IsString(b)) {
        for (char *p = b->valuestring; *p && !bad && n < SVC_MAX_BROKERS;) {
            char *end;
            long v = strtol(p, &end, 10);
            bad = end == p || v < 0 || v > INT32_MAX || (*end && *end != ',');
            ids[n++] = (int32_t)v;
            p = *end ? end + 1 : end;
        }
    } else if (cJSON_IsArray(b)) {
        const cJSON *it;
        cJSON_ArrayForEach(it, b)
        {
            bad |= !cJSON_IsNumber(it) || it->valuedouble < 0 || it->valuedouble > INT32_MAX ||
                   n >= SVC_MAX_BROKERS;
            if (!bad)
                ids[n++] = (int32_t)it->valuedouble;
        }
    }
    cJSON_Delete(params);
    if (bad || !n) {
        api_reply_error(r, 400, "parameter 'brokers': expected broker ids (7,8 or [7,8]), and "
                        "no other parameter");
        return;
    }
    struct svc_gen *g = svc_current(r->srv->svc);
    for (int i = 0; g && i < n; i++)
        if (model_broker_find(g->cluster, ids[i]) < 0) {
            api_reply_error(r, 400, "broker %d does not exist in the cluster model", ids[i]);
            svc_gen_unref(g);
            return;
        }
    svc_gen_unref(g);
    if (rb_decommission(r->srv->rebalances, ids, n, &err) < 0) {
        api_reply_error(r, 409, "%s", err.msg);
        return;
    }
    cJSON *j = rb_auto_state(r->srv->rebalances);
    cJSON_AddNumberToObject(j, "version", 1);
    api_reply_json(r, 202, j);
}
