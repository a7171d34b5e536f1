/* The web view under /ui/ (docs/ui.md): its files (the files of ui/, compiled into the binary by
 * ui/embed.py as api_ui_assets) and the two small answers it needs beyond the native API:
 * GET /api/v1/whoami (the user and role, so a viewer is shown no button that would fail) and
 * GET /api/v1/layout (zones > racks > brokers of the current model, the planner's thresholds
 * the bars are coloured against, and the partitions each broker holds that break rack
 * awareness). The page itself uses only the public API, with the browser's Basic auth. */
#include <stdlib.h>
#include <string.h>

#include "api/internal.h"
#include "common/alloc.h"
#include "search/context.h"

/* GET /ui/ and /ui/{file}: tail is "" for the folder (its index.html). */
void api_ui_handle(struct api_req *r, const char *tail)
{
    const char *name = tail && *tail ? tail : "index.html";
    for (int i = 0; i < api_ui_nassets; i++) {
        const struct api_ui_asset *a = &api_ui_assets[i];
        if (strcmp(a->name, name) != 0)
            continue;
        char *text = xmalloc(a->len + 1);
        memcpy(text, a->data, a->len);
        text[a->len] = '\0';
        api_reply_text(r, 200, a->type, text);
        return;
    }
    api_reply_error(r, 404, "no such file in the web view: /ui/%.64s", name);
}

/* These take no parameter and no body; false after replying 400. */
static bool no_params(struct api_req *r)
{
    if (cJSON_GetArraySize(r->query) == 0 && r->body_len == 0)
        return true;
    api_reply_error(r, 400, "%s %s takes no parameters and no body", r->method, r->url);
    return false;
}

void api_ui_whoami(struct api_req *r, const char *tail)
{
    (void)tail;
    if (!no_params(r))
        return;
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "version", 1);
    cJSON_AddStringToObject(j, "user", r->user);
    cJSON_AddStringToObject(j, "role", api_role_name(r->role));
    cJSON_AddBoolToObject(j, "authentication", r->srv->auth != NULL);
    api_reply_json(r, 200, j);
}

static cJSON *per_resource(const double *v)
{
    cJSON *o = cJSON_CreateObject();
    for (int k = 0; k < RES_COUNT; k++)
        cJSON_AddNumberToObject(o, model_res_names[k], v[k]);
    return o;
}

void api_ui_layout(struct api_req *r, const char *tail)
{
    (void)tail;
    if (!no_params(r))
        return;
    struct svc_gen *g = svc_current(r->srv->svc);
    if (!g) {
        api_reply_error(r, 503, "no cluster model yet; retry shortly");
        return;
    }
    const struct model_cluster *c = g->cluster;
    /* per broker: partitions it holds a replica of that are not rack aware */
    int32_t *viol = xcalloc((size_t)c->nbrokers + 1, sizeof(*viol));
    for (int32_t p = 0; p < c->npartitions; p++) {
        if (!model_partition_rack_deficit(c, p))
            continue;
        const struct model_partition *pp = &c->partitions[p];
        for (int s = 0; s < pp->rf; s++)
            viol[c->replicas[pp->first_replica + s].broker]++;
    }
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "version", 1);
    cJSON_AddNumberToObject(j, "modelGeneration", (double)g->id);
    cJSON *zones = cJSON_AddArrayToObject(j, "zones");
    for (int32_t z = 0; z < c->nzones; z++) {
        cJSON *zo = cJSON_CreateObject();
        cJSON_AddStringToObject(zo, "name", c->zones[z].name);
        cJSON *racks = cJSON_AddArrayToObject(zo, "racks");
        for (int32_t k = 0; k < c->nracks; k++) {
            if (c->racks[k].zone != z)
                continue;
            cJSON *ro = cJSON_CreateObject();
            cJSON_AddStringToObject(ro, "name", c->racks[k].name);
            cJSON *bs = cJSON_AddArrayToObject(ro, "brokers");
            for (int32_t b = 0; b < c->nbrokers; b++) {
                if (c->brokers[b].rack != k)
                    continue;
                cJSON *bo = cJSON_CreateObject();
                cJSON_AddNumberToObject(bo, "id", c->brokers[b].id);
                cJSON_AddBoolToObject(bo, "alive", !(c->brokers[b].flags & BROKER_DEAD));
                cJSON_AddNumberToObject(bo, "rackViolations", viol[b]);
                cJSON_AddItemToArray(bs, bo);
            }
            cJSON_AddItemToArray(racks, ro);
        }
        cJSON_AddItemToArray(zones, zo);
    }
    free(viol);
    svc_gen_unref(g);
    const struct search_thresholds *th = svc_thresholds(r->srv->svc);
    cJSON *t = cJSON_AddObjectToObject(j, "thresholds");
    cJSON_AddItemToObject(t, "capacity", per_resource(th->capacity));
    cJSON_AddItemToObject(t, "balance", per_resource(th->balance));
    cJSON_AddItemToObject(t, "lowUtilization", per_resource(th->low_utilization));
    cJSON_AddNumberToObject(t, "replicaBalance", th->replica_balance);
    cJSON_AddNumberToObject(t, "leaderBalance", th->leader_balance);
    cJSON_AddNumberToObject(t, "maxReplicasPerBroker", th->max_replicas_per_broker);
    api_reply_json(r, 200, j);
}
