/* Prometheus sampler; see prometheus.h.
 *
 * A query_range reply reads
 *   {"status": "success", "data": {"resultType": "matrix",
 *    "result": [{"metric": {"instance": "..", ...}, "values": [[<seconds>, "<value>"], ...]}]}}
 * or {"status": "error", "errorType": "bad_data", "error": "..."}. */
#include "monitor/prometheus.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

#define MAX_SERIES 1000000
#define MAX_POINTS 10000000

/* The configuration keys of the queries (monitor.prometheus.queries). */
const char *const mon_prom_query_keys[MON_PROM_NQUERIES] = {
    [MON_PROM_BROKER_IN] = "brokerBytesIn",
    [MON_PROM_BROKER_OUT] = "brokerBytesOut",
    [MON_PROM_BROKER_REPL_IN] = "brokerReplicationBytesIn",
    [MON_PROM_TOPIC_IN] = "topicBytesIn",
    [MON_PROM_TOPIC_OUT] = "topicBytesOut",
    [MON_PROM_CPU] = "cpu",
    [MON_PROM_GROWTH] = "partitionSizeGrowth",
};

/* The exporter's rules store totals without a topic label and per-topic series with one;
 * `{topic=""}` selects series without the label. */
const char *const mon_prom_default_queries[MON_PROM_NQUERIES] = {
    [MON_PROM_BROKER_IN] =
        "sum by (instance) (rate(kafka_server_brokertopicmetrics_bytesin_total{topic=\"\"}[1m]))",
    [MON_PROM_BROKER_OUT] =
        "sum by (instance) (rate(kafka_server_brokertopicmetrics_bytesout_total{topic=\"\"}[1m]))",
    [MON_PROM_BROKER_REPL_IN] = "sum by (instance) "
        "(rate(kafka_server_brokertopicmetrics_replicationbytesin_total{topic=\"\"}[1m]))",
    [MON_PROM_TOPIC_IN] = "sum by (instance, topic) "
        "(rate(kafka_server_brokertopicmetrics_bytesin_total{topic!=\"\"}[1m]))",
    [MON_PROM_TOPIC_OUT] = "sum by (instance, topic) "
        "(rate(kafka_server_brokertopicmetrics_bytesout_total{topic!=\"\"}[1m]))",
    [MON_PROM_CPU] = "sum by (instance) (rate(process_cpu_seconds_total[1m]))",
    [MON_PROM_GROWTH] =
        "sum by (instance, topic, partition) (deriv(kafka_log_log_size[1m]))",
};

/* ---- the reply ---- */

static void series_finish(struct mon_prom_series *s)
{
    for (int32_t i = 0; i < s->nlabels; i++) {
        free(s->label_names[i]);
        free(s->label_values[i]);
    }
    free(s->label_names);
    free(s->label_values);
    free(s->t_ms);
    free(s->values);
}

void mon_prom_matrix_finish(struct mon_prom_matrix *m)
{
    if (!m)
        return;
    for (int32_t i = 0; i < m->nseries; i++)
        series_finish(&m->series[i]);
    free(m->series);
    m->series = NULL;
    m->nseries = 0;
}

const char *mon_prom_label(const struct mon_prom_series *s, const char *name)
{
    for (int32_t i = 0; i < s->nlabels; i++)
        if (!strcmp(s->label_names[i], name))
            return s->label_values[i];
    return NULL;
}

/* Prometheus writes sample values as strings: decimal floats, "NaN", "+Inf", "-Inf". */
static bool parse_value(const char *s, double *ret)
{
    if (!strcmp(s, "NaN")) {
        *ret = NAN;
        return true;
    }
    if (!strcmp(s, "+Inf") || !strcmp(s, "Inf")) {
        *ret = INFINITY;
        return true;
    }
    if (!strcmp(s, "-Inf")) {
        *ret = -INFINITY;
        return true;
    }
    if (!*s || !strchr("+-.0123456789", *s))
        return false; /* strtod would take "inf", "nan(..)", hex and leading spaces */
    for (const char *q = s; *q; q++)
        if (!strchr("+-.0123456789eE", *q))
            return false;
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (*end || errno == ERANGE || !isfinite(v))
        return false;
    *ret = v;
    return true;
}

static int parse_series(const cJSON *item, int32_t i, const char *query,
                        struct mon_prom_series *s, int64_t *points, struct error *err)
{
    if (!cJSON_IsObject(item))
        return error_set(err, -EINVAL, "%s: data.result[%d]: expected an object", query, i);
    const cJSON *metric = cJSON_GetObjectItemCaseSensitive(item, "metric");
    if (!cJSON_IsObject(metric))
        return error_set(err, -EINVAL, "%s: data.result[%d].metric: %s", query, i,
                         metric ? "expected an object" : "missing");
    int32_t nl = cJSON_GetArraySize(metric);
    s->label_names = xcalloc((size_t)nl + 1, sizeof(char *));
    s->label_values = xcalloc((size_t)nl + 1, sizeof(char *));
    const cJSON *l;
    cJSON_ArrayForEach(l, metric) {
        if (!cJSON_IsString(l) || !l->valuestring)
            return error_set(err, -EINVAL, "%s: data.result[%d].metric.%s: expected a string",
                             query, i, l->string ? l->string : "?");
        if (mon_prom_label(s, l->string))
            return error_set(err, -EINVAL, "%s: data.result[%d].metric.%s: label given twice",
                             query, i, l->string);
        s->label_names[s->nlabels] = xstrdup(l->string);
        s->label_values[s->nlabels++] = xstrdup(l->valuestring);
    }
    const cJSON *values = cJSON_GetObjectItemCaseSensitive(item, "values");
    if (!cJSON_IsArray(values))
        return error_set(err, -EINVAL, "%s: data.result[%d].values: %s", query, i,
                         values ? "expected an array" : "missing");
    int32_t np = cJSON_GetArraySize(values);
    if (*points + np > MAX_POINTS)
        return error_set(err, -EFBIG, "%s: more than %d points", query, MAX_POINTS);
    *points += np;
    s->t_ms = xcalloc((size_t)np + 1, sizeof(int64_t));
    s->values = xcalloc((size_t)np + 1, sizeof(double));
    int32_t j = 0;
    const cJSON *pt;
    cJSON_ArrayForEach(pt, values) {
        if (!cJSON_IsArray(pt) || cJSON_GetArraySize(pt) != 2)
            return error_set(err, -EINVAL, "%s: data.result[%d].values[%d]: expected "
                             "[timestamp, \"value\"]", query, i, j);
        const cJSON *t = cJSON_GetArrayItem(pt, 0), *v = cJSON_GetArrayItem(pt, 1);
        if (!cJSON_IsNumber(t) || !isfinite(t->valuedouble) || t->valuedouble < 0 ||
            t->valuedouble > 1e11)
            return error_set(err, -EINVAL, "%s: data.result[%d].values[%d][0]: expected a "
                             "timestamp in seconds", query, i, j);
        int64_t ms = llround(t->valuedouble * 1000.0);
        if (j > 0 && ms <= s->t_ms[j - 1])
            return error_set(err, -EINVAL, "%s: data.result[%d].values[%d][0]: timestamp "
                             "%.3f is not after the previous point's", query, i, j,
                             t->valuedouble);
        if (!cJSON_IsString(v) || !v->valuestring)
            return error_set(err, -EINVAL, "%s: data.result[%d].values[%d][1]: expected the "
                             "value as a string", query, i, j);
        if (!parse_value(v->valuestring, &s->values[j]))
            return error_set(err, -EINVAL, "%s: data.result[%d].values[%d][1]: '%.40s' is not "
                             "a number", query, i, j, v->valuestring);
        s->t_ms[j++] = ms;
    }
    s->npoints = j;
    return 0;
}

int mon_prom_parse(const char *body, size_t len, long http_status, const char *query,
                   struct mon_prom_matrix *ret, struct error *err)
{
    cJSON *root = cJSON_ParseWithLength(body, len);
    if (!root) {
        if (http_status != 200)
            return error_set(err, -EREMOTEIO, "%s: HTTP status %ld", query, http_status);
        return error_set(err, -EINVAL, "%s: the reply is not JSON (near byte %zu)", query,
                         (size_t)(cJSON_GetErrorPtr() && cJSON_GetErrorPtr() >= body &&
                                          cJSON_GetErrorPtr() <= body + len
                                      ? cJSON_GetErrorPtr() - body
                                      : 0));
    }
    struct mon_prom_matrix m = {0};
    int rc = 0;
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(root, "status");
    if (!cJSON_IsObject(root)) {
        rc = error_set(err, -EINVAL, "%s: the reply is not a JSON object", query);
        goto out;
    }
    if (!cJSON_IsString(status)) {
        rc = http_status != 200
                 ? error_set(err, -EREMOTEIO, "%s: HTTP status %ld", query, http_status)
                 : error_set(err, -EINVAL, "%s: status: %s", query,
                             status ? "expected a string" : "missing");
        goto out;
    }
    if (!strcmp(status->valuestring, "error")) {
        const cJSON *et = cJSON_GetObjectItemCaseSensitive(root, "errorType");
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "error");
        rc = error_set(err, -EREMOTEIO, "%s: Prometheus error (%s, HTTP %ld): %.400s", query,
                       cJSON_IsString(et) ? et->valuestring : "no errorType", http_status,
                       cJSON_IsString(e) ? e->valuestring : "no error message");
        goto out;
    }
    if (strcmp(status->valuestring, "success") != 0) {
        rc = error_set(err, -EINVAL, "%s: status: '%.40s' (expected success or error)", query,
                       status->valuestring);
        goto out;
    }
    if (http_status != 200) {
        rc = error_set(err, -EREMOTEIO, "%s: HTTP status %ld with status success", query,
                       http_status);
        goto out;
    }
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "data");
    if (!cJSON_IsObject(data)) {
        rc = error_set(err, -EINVAL, "%s: data: %s", query, data ? "expected an object" : "missing");
        goto out;
    }
    const cJSON *rt = cJSON_GetObjectItemCaseSensitive(data, "resultType");
    if (!cJSON_IsString(rt)) {
        rc = error_set(err, -EINVAL, "%s: data.resultType: %s", query,
                       rt ? "expected a string" : "missing");
        goto out;
    }
    if (strcmp(rt->valuestring, "matrix") != 0) {
        rc = error_set(err, -EINVAL, "%s: data.resultType: '%.40s' (expected matrix)", query,
                       rt->valuestring);
        goto out;
    }
    const cJSON *result = cJSON_GetObjectItemCaseSensitive(data, "result");
    if (!cJSON_IsArray(result)) {
        rc = error_set(err, -EINVAL, "%s: data.result: %s", query,
                       result ? "expected an array" : "missing");
        goto out;
    }
    int32_t n = cJSON_GetArraySize(result);
    if (n > MAX_SERIES) {
        rc = error_set(err, -EFBIG, "%s: more than %d series", query, MAX_SERIES);
        goto out;
    }
    m.series = xcalloc((size_t)n + 1, sizeof(*m.series));
    int64_t points = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, result) {
        rc = parse_series(item, m.nseries, query, &m.series[m.nseries], &points, err);
        m.nseries++; /* finished below even when half-built */
        if (rc < 0)
            goto out;
    }
out:
    cJSON_Delete(root);
    if (rc < 0) {
        mon_prom_matrix_finish(&m);
        return rc;
    }
    *ret = m;
    return 0;
}

/* ---- the request ---- */

char *mon_prom_range_url(const char *base, const char *query, int64_t start_ms, int64_t end_ms,
                         int64_t step_ms)
{
    size_t bl = strlen(base);
    while (bl > 0 && base[bl - 1] == '/')
        bl--;
    size_t ql = strlen(query);
    char *enc = xmalloc(3 * ql + 1), *o = enc;
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *q = (const unsigned char *)query; *q; q++) {
        if ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') ||
            *q == '-' || *q == '.' || *q == '_' || *q == '~') {
            *o++ = (char)*q;
        } else {
            *o++ = '%';
            *o++ = hex[*q >> 4];
            *o++ = hex[*q & 15];
        }
    }
    *o = '\0';
    char *url = xasprintf("%.*s/api/v1/query_range?query=%s&start=%lld.%03lld&end=%lld.%03lld"
                          "&step=%lld.%03lld", (int)bl, base, enc,
                          (long long)(start_ms / 1000), (long long)(start_ms % 1000),
                          (long long)(end_ms / 1000), (long long)(end_ms % 1000),
                          (long long)(step_ms / 1000), (long long)(step_ms % 1000));
    free(enc);
    return url;
}

/* ---- rates ---- */

static bool broker_of(const struct mon_prom_series *s, const struct mon_prom_broker_map *map,
                      int32_t *ret, struct mon_prom_stats *st)
{
    const char *v = mon_prom_label(s, map->label);
    if (v) {
        for (int32_t i = 0; i < map->n; i++)
            if (!strcmp(map->values[i], v)) {
                *ret = map->ids[i];
                return true;
            }
        char *end = NULL;
        errno = 0;
        long id = *v >= '0' && *v <= '9' ? strtol(v, &end, 10) : -1;
        if (id >= 0 && !*end && !errno && id <= INT32_MAX) {
            *ret = (int32_t)id;
            return true;
        }
    }
    if (st->unmapped++ == 0) {
        if (v)
            snprintf(st->unmapped_example, sizeof(st->unmapped_example), "%s=\"%.100s\"",
                     map->label, v);
        else
            snprintf(st->unmapped_example, sizeof(st->unmapped_example), "no label '%s'",
                     map->label);
    }
    return false;
}

int mon_prom_to_rates(const struct mon_prom_matrix *mx, enum mon_prom_query q,
                      const char *query, const struct mon_prom_broker_map *map,
                      struct mon_rates *out, struct mon_prom_stats *st, struct error *err)
{
    static const enum mon_rate_kind kinds[MON_PROM_NQUERIES] = {
        [MON_PROM_BROKER_IN] = MON_RATE_BYTES_IN,
        [MON_PROM_BROKER_OUT] = MON_RATE_BYTES_OUT,
        [MON_PROM_BROKER_REPL_IN] = MON_RATE_REPL_IN,
        [MON_PROM_TOPIC_IN] = MON_RATE_TOPIC_IN,
        [MON_PROM_TOPIC_OUT] = MON_RATE_TOPIC_OUT,
        [MON_PROM_CPU] = MON_RATE_CPU_CORES,
        [MON_PROM_GROWTH] = MON_RATE_GROWTH,
    };
    bool by_topic = q == MON_PROM_TOPIC_IN || q == MON_PROM_TOPIC_OUT ||
                    q == MON_PROM_GROWTH;
    /* check everything first, so a failure appends nothing */
    for (int32_t i = 0; i < mx->nseries; i++) {
        const struct mon_prom_series *s = &mx->series[i];
        const char *topic = mon_prom_label(s, "topic");
        if (by_topic && (!topic || !*topic))
            return error_set(err, -EINVAL, "%s: data.result[%d]: the series has no 'topic' "
                             "label (keep it in the query's by (...))", query, i);
        if (q == MON_PROM_GROWTH) {
            const char *ps = mon_prom_label(s, "partition");
            char *end = NULL;
            errno = 0;
            long part = ps && *ps >= '0' && *ps <= '9' ? strtol(ps, &end, 10) : -1;
            if (part < 0 || *end || errno || part > INT32_MAX)
                return error_set(err, -EINVAL, "%s: data.result[%d]: label 'partition' must "
                                 "be a partition number, not %s%.40s%s", query, i,
                                 ps ? "'" : "", ps ? ps : "missing", ps ? "'" : "");
        }
    }
    for (int32_t i = 0; i < mx->nseries; i++) {
        const struct mon_prom_series *s = &mx->series[i];
        st->series++;
        int32_t broker;
        if (!broker_of(s, map, &broker, st))
            continue;
        const char *topic = by_topic ? mon_prom_label(s, "topic") : NULL;
        int32_t part = q == MON_PROM_GROWTH
                           ? (int32_t)strtol(mon_prom_label(s, "partition"), NULL, 10)
                           : -1;
        for (int32_t j = 0; j < s->npoints; j++) {
            double v = s->values[j];
            if (!isfinite(v))
                continue; /* e.g. a rate over no samples */
            if (v < 0)
                v = 0; /* log size shrinks with retention; counters never go down */
            mon_rates_add(out, kinds[q], broker, topic, part, s->t_ms[j], v);
        }
    }
    return 0;
}

int mon_prom_sample(const char *base, const char *const *queries,
                    const struct mon_prom_broker_map *map, int64_t start_ms, int64_t end_ms,
                    int64_t step_ms, const struct mon_http_opts *o, struct mon_rates *out,
                    struct mon_prom_stats *st, struct error *err)
{
    for (int q = 0; q < MON_PROM_NQUERIES; q++) {
        const char *query = queries && queries[q] ? queries[q] : mon_prom_default_queries[q];
        if (!*query)
            continue;
        char what[256];
        snprintf(what, sizeof(what), "query %s '%.120s%s'", mon_prom_query_keys[q], query,
                 strlen(query) > 120 ? "..." : "");
        char *url = mon_prom_range_url(base, query, start_ms, end_ms, step_ms);
        long status = 0;
        char *body = NULL;
        size_t len = 0;
        int rc = mon_http_fetch(url, o, "application/json", &status, &body, &len, err);
        free(url);
        if (rc < 0)
            return error_prefix(err, "%s", what);
        struct mon_prom_matrix mx = {0};
        rc = mon_prom_parse(body, len, status, what, &mx, err);
        free(body);
        if (rc == 0)
            rc = mon_prom_to_rates(&mx, (enum mon_prom_query)q, what, map, out, st, err);
        mon_prom_matrix_finish(&mx);
        if (rc < 0)
            return rc;
    }
    mon_rates_merge(out);
    return 0;
}
