/* Load monitor; see monitor.h.
 *
 * Every measured quantity is an entity of the windows, named by a key
 * "kind|broker|topic|partition" in a string hash. Each broker keeps its previous scrape for
 * the deltas and the list of its topic and partition entities, so estimation can ask the
 * windows for everything a broker reported. */
#include "monitor/monitor.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/map.h"
#include "common/log.h"
#include "kafka/client.h"
#include "monitor/ccmetrics.h"
#include "monitor/estimate.h"
#include "monitor/prometheus.h"
#include "monitor/rates.h"
#include "monitor/scrape.h"
#include "monitor/window.h"

enum kind { K_IN, K_OUT, K_REPL_IN, K_CPU, K_TOPIC_IN, K_TOPIC_OUT, K_GROWTH, K_N };
static const char *const kind_names[K_N] = {"in", "out", "rin", "cpu", "tin", "tout", "grow"};

struct mon_broker_state {
    int32_t id;
    bool have_prev;
    struct mon_broker_scrape prev;
    struct btopic {
        int32_t e_in, e_out;
        char *name;
    } *topics; /* topics this broker reported */
    int32_t ntopics;
    size_t cap_topics;
    struct bpart {
        int32_t e;
        char *topic;
        int32_t id;
    } *parts; /* partitions whose size growth this broker reported */
    int32_t nparts;
    size_t cap_parts;
    char *missing; /* the sampler's names its last page lacked, as warned; NULL: none */
};

struct mon_monitor {
    struct mon_options o;
    struct mon_windows *win;
    char **keys; /* entity -> key */
    int32_t nkeys;
    size_t cap_keys;
    struct map index; /* key -> entity */
    struct mon_broker_state *brokers;
    int32_t nbrokers;
    size_t cap_brokers;
    int64_t prom_next_ms; /* prometheus: start of the next query range; 0 = none asked yet */
    struct mon_ccm *ccm;  /* cruiseControlMetrics: the consumer, from the first round on */
};

static int32_t lookup(const struct mon_monitor *m, const char *key)
{
    struct map_iter it;
    for (int32_t e = map_first(&m->index, map_hash_str(key), &it); e >= 0;
         e = map_next(&m->index, &it))
        if (!strcmp(m->keys[e], key))
            return e;
    return -1;
}

/* Entity of (kind, broker, topic, partition), created on first use. */
static int32_t entity(struct mon_monitor *m, enum kind k, int32_t broker, const char *topic,
                      int32_t part)
{
    char *key = xasprintf("%s|%d|%s|%d", kind_names[k], broker, topic ? topic : "", part);
    int32_t e = lookup(m, key);
    if (e >= 0) {
        free(key);
        return e;
    }
    xgrow((void **)&m->keys, &m->cap_keys, (size_t)m->nkeys + 1, sizeof(char *));
    e = m->nkeys++;
    m->keys[e] = key;
    map_put(&m->index, map_hash_str(key), e);
    return e;
}

static int32_t find_entity(const struct mon_monitor *m, enum kind k, int32_t broker)
{
    char key[64];
    snprintf(key, sizeof(key), "%s|%d||-1", kind_names[k], broker);
    return lookup(m, key);
}

struct mon_monitor *mon_monitor_create(const struct mon_options *o)
{
    struct mon_monitor *m = xcalloc(1, sizeof(*m));
    m->o = *o;
    m->win = mon_windows_create(o->monitor->window_ms, o->monitor->num_windows,
                                o->monitor->min_samples);
    return m;
}

void mon_monitor_destroy(struct mon_monitor *m)
{
    if (!m)
        return;
    for (int32_t i = 0; i < m->nbrokers; i++) {
        struct mon_broker_state *b = &m->brokers[i];
        mon_broker_scrape_finish(&b->prev);
        for (int32_t t = 0; t < b->ntopics; t++)
            free(b->topics[t].name);
        for (int32_t t = 0; t < b->nparts; t++)
            free(b->parts[t].topic);
        free(b->topics);
        free(b->parts);
        free(b->missing);
    }
    mon_ccm_destroy(m->ccm);
    for (int32_t i = 0; i < m->nkeys; i++)
        free(m->keys[i]);
    free(m->keys);
    map_finish(&m->index);
    free(m->brokers);
    mon_windows_destroy(m->win);
    free(m);
}

static struct mon_broker_state *broker_state(struct mon_monitor *m, int32_t id)
{
    for (int32_t i = 0; i < m->nbrokers; i++)
        if (m->brokers[i].id == id)
            return &m->brokers[i];
    xgrow((void **)&m->brokers, &m->cap_brokers, (size_t)m->nbrokers + 1, sizeof(*m->brokers));
    struct mon_broker_state *b = &m->brokers[m->nbrokers++];
    memset(b, 0, sizeof(*b));
    b->id = id;
    return b;
}

char *mon_endpoint_url(const struct mon_settings *mc, const struct model_cluster *c, int32_t b)
{
    int32_t id = c->brokers[b].id;
    for (int32_t i = 0; i < mc->nendpoints; i++)
        if (mc->endpoint_ids[i] == id)
            return xstrdup(mc->endpoint_urls[i]);
    if (!mc->endpoint_template)
        return NULL;
    char host[256] = "";
    const char *h = c->brokers[b].host ? c->brokers[b].host : "";
    const char *colon = strrchr(h, ':');
    size_t hl = colon ? (size_t)(colon - h) : strlen(h);
    if (hl >= sizeof(host))
        return NULL;
    memcpy(host, h, hl);
    host[hl] = '\0';
    char ids[16];
    snprintf(ids, sizeof(ids), "%d", id);
    size_t cap = strlen(mc->endpoint_template) + 1, len = 0;
    for (const char *q = mc->endpoint_template; *q;) /* upper bound */
        cap += (!strncmp(q, "{host}", 6) ? hl : !strncmp(q, "{id}", 4) ? strlen(ids) : 0), q++;
    char *out = xmalloc(cap);
    for (const char *q = mc->endpoint_template; *q;) {
        if (!strncmp(q, "{host}", 6)) {
            memcpy(out + len, host, hl), len += hl, q += 6;
        } else if (!strncmp(q, "{id}", 4)) {
            memcpy(out + len, ids, strlen(ids)), len += strlen(ids), q += 4;
        } else {
            out[len++] = *q++;
        }
    }
    out[len] = '\0';
    return out;
}

/* Rate of a counter between two readings; NAN when it cannot be told. */
static double counter_rate(double prev, double cur, double dt, bool missing_is_zero)
{
    if (isnan(cur) || dt <= 0)
        return NAN;
    if (isnan(prev))
        return missing_is_zero ? cur / dt : NAN;
    return (cur >= prev ? cur - prev : cur) / dt;
}

static void add_rate(struct mon_monitor *m, int32_t e, int64_t t, double rate)
{
    if (!isnan(rate) && mon_windows_add(m->win, e, t, rate) < 0)
        log_debug("monitor: sample of %s dropped (older than the windows kept)", m->keys[e]);
}

static double prev_topic(const struct mon_broker_scrape *s, const char *topic, bool in)
{
    for (int32_t i = 0; i < s->ntopics; i++) /* sorted; small */
        if (!strcmp(s->topics[i].topic, topic))
            return in ? s->topics[i].bytes_in : s->topics[i].bytes_out;
    return NAN;
}

static double prev_size(const struct mon_broker_scrape *s, const char *topic, int32_t part)
{
    for (int32_t i = 0; i < s->nparts; i++)
        if (s->parts[i].partition == part && !strcmp(s->parts[i].topic, topic))
            return s->parts[i].size;
    return NAN;
}

/* The bytes-in and bytes-out entities of topic on broker b, listed in b's topics. */
static void topic_entities(struct mon_monitor *m, struct mon_broker_state *b, const char *topic,
                           int32_t *ret_in, int32_t *ret_out)
{
    int32_t e = entity(m, K_TOPIC_IN, b->id, topic, -1);
    int32_t eo = entity(m, K_TOPIC_OUT, b->id, topic, -1);
    bool known = false;
    for (int32_t k = 0; k < b->ntopics && !known; k++)
        known = b->topics[k].e_in == e;
    if (!known) {
        xgrow((void **)&b->topics, &b->cap_topics, (size_t)b->ntopics + 1, sizeof(*b->topics));
        b->topics[b->ntopics++] = (struct btopic){e, eo, xstrdup(topic)};
    }
    *ret_in = e;
    *ret_out = eo;
}

/* The size growth entity of a partition on broker b, listed in b's partitions. */
static int32_t part_entity(struct mon_monitor *m, struct mon_broker_state *b, const char *topic,
                           int32_t part)
{
    int32_t e = entity(m, K_GROWTH, b->id, topic, part);
    bool known = false;
    for (int32_t k = 0; k < b->nparts && !known; k++)
        known = b->parts[k].e == e;
    if (!known) {
        xgrow((void **)&b->parts, &b->cap_parts, (size_t)b->nparts + 1, sizeof(*b->parts));
        b->parts[b->nparts++] = (struct bpart){e, xstrdup(topic), part};
    }
    return e;
}

static void record(struct mon_monitor *m, struct mon_broker_state *b, struct mon_broker_scrape *s,
                   double num_cores)
{
    if (b->have_prev) {
        const struct mon_broker_scrape *p = &b->prev;
        double dt = (double)(s->t_ms - p->t_ms) / 1000.0;
        int64_t t = s->t_ms;
        add_rate(m, entity(m, K_IN, b->id, NULL, -1), t, counter_rate(p->bytes_in, s->bytes_in, dt, false));
        add_rate(m, entity(m, K_OUT, b->id, NULL, -1), t, counter_rate(p->bytes_out, s->bytes_out, dt, false));
        add_rate(m, entity(m, K_REPL_IN, b->id, NULL, -1), t,
                 counter_rate(p->repl_bytes_in, s->repl_bytes_in, dt, false));
        double cores = counter_rate(p->cpu_seconds, s->cpu_seconds, dt, false);
        if (num_cores > 0)
            add_rate(m, entity(m, K_CPU, b->id, NULL, -1), t, 100.0 * cores / num_cores);
        for (int32_t i = 0; i < s->ntopics; i++) {
            const char *topic = s->topics[i].topic;
            int32_t e, eo;
            topic_entities(m, b, topic, &e, &eo);
            add_rate(m, e, t, counter_rate(prev_topic(p, topic, true), s->topics[i].bytes_in, dt, true));
            add_rate(m, eo, t, counter_rate(prev_topic(p, topic, false), s->topics[i].bytes_out, dt, true));
        }
        for (int32_t i = 0; i < s->nparts; i++) {
            const struct mon_partition_size *ps = &s->parts[i];
            double before = prev_size(p, ps->topic, ps->partition);
            if (isnan(before) || dt <= 0)
                continue;
            int32_t e = part_entity(m, b, ps->topic, ps->partition);
            double g = (ps->size - before) / dt;
            add_rate(m, e, t, g > 0 ? g : 0); /* retention shrinks logs: no negative growth */
        }
    }
    mon_broker_scrape_finish(&b->prev);
    b->prev = *s;
    b->have_prev = true;
}

static double cores_of(const struct model_capacity_table *t, int32_t id)
{
    if (!t)
        return 0;
    for (int32_t i = 0; i < t->n; i++)
        if (t->broker_ids[i] == id && t->per_broker[i].num_cores > 0)
            return t->per_broker[i].num_cores;
    return t->dflt.num_cores;
}

void mon_monitor_add_rates(struct mon_monitor *m, const struct mon_rates *r)
{
    for (int32_t i = 0; i < r->n; i++) {
        const struct mon_rate *x = &r->v[i];
        struct mon_broker_state *b = broker_state(m, x->broker_id);
        int32_t e_in, e_out;
        switch (x->kind) {
        case MON_RATE_BYTES_IN:
            add_rate(m, entity(m, K_IN, b->id, NULL, -1), x->t_ms, x->value);
            break;
        case MON_RATE_BYTES_OUT:
            add_rate(m, entity(m, K_OUT, b->id, NULL, -1), x->t_ms, x->value);
            break;
        case MON_RATE_REPL_IN:
            add_rate(m, entity(m, K_REPL_IN, b->id, NULL, -1), x->t_ms, x->value);
            break;
        case MON_RATE_CPU_CORES: {
            double cores = cores_of(m->o.capacity, b->id);
            if (cores > 0)
                add_rate(m, entity(m, K_CPU, b->id, NULL, -1), x->t_ms, 100.0 * x->value / cores);
            break;
        }
        case MON_RATE_CPU_PCT:
            add_rate(m, entity(m, K_CPU, b->id, NULL, -1), x->t_ms, x->value);
            break;
        case MON_RATE_TOPIC_IN:
        case MON_RATE_TOPIC_OUT:
            topic_entities(m, b, x->topic, &e_in, &e_out);
            add_rate(m, x->kind == MON_RATE_TOPIC_IN ? e_in : e_out, x->t_ms, x->value);
            break;
        case MON_RATE_GROWTH:
            add_rate(m, part_entity(m, b, x->topic, x->partition), x->t_ms, x->value);
            break;
        }
    }
}

/* Live brokers of c that got produce rates in r; warns about the others. */
static int brokers_with_rates(const struct model_cluster *c, const struct mon_rates *r,
                              const char *sampler, int8_t *ret_result)
{
    int ok = 0;
    for (int32_t b = 0; b < c->nbrokers; b++) {
        if (c->brokers[b].flags & BROKER_DEAD)
            continue;
        bool got = false;
        for (int32_t i = 0; i < r->n && !got; i++)
            got = r->v[i].kind == MON_RATE_BYTES_IN && r->v[i].broker_id == c->brokers[b].id;
        if (ret_result)
            ret_result[b] = got ? MON_SAMPLE_OK : MON_SAMPLE_FAILED;
        if (got)
            ok++;
        else
            log_warn("monitor: %s: no bytes-in rates for broker %d", sampler, c->brokers[b].id);
    }
    return ok;
}

/* host:port of an http(s) URL, or NULL. */
static char *url_authority(const char *url)
{
    const char *p = strstr(url, "://");
    if (!p)
        return NULL;
    p += 3;
    size_t n = strcspn(p, "/?#");
    return n ? xstrndup(p, n) : NULL;
}

/* HTTP options of the samplers: the monitor's limits, and the cancel flag of the Kafka
 * options (the service's shutdown flag) so that a slow endpoint does not hold up a stop. */
static struct mon_http_opts http_opts(const struct mon_monitor *m)
{
    const struct mon_settings *mc = m->o.monitor;
    return (struct mon_http_opts){mc->timeout_ms, (size_t)mc->max_body,
                                  m->o.kafka ? m->o.kafka->cancel : NULL};
}

/* One query_range round: from the end of the previous one (the first looks back
 * prometheus.lookbackMs, by default the windows' span) to now. Returns the live brokers of c
 * that got produce rates. */
static int sample_prometheus(struct mon_monitor *m, const struct model_cluster *c,
                             int8_t *ret_result)
{
    const struct mon_settings *mc = m->o.monitor;
    const struct mon_prometheus_settings *pc = &mc->prometheus;
    struct mon_http_opts o = http_opts(m);
    int64_t now = clock_wall_ms(), step = pc->step_ms;
    int64_t lookback = pc->lookback_ms ? pc->lookback_ms : mc->window_ms * mc->num_windows;
    int64_t start = m->prom_next_ms ? m->prom_next_ms : now - lookback;
    if (start > now)
        return 0; /* no new step since the last round */
    if ((now - start) / step > 10000)
        start = now - 10000 * step; /* Prometheus answers at most 11,000 points per series */
    /* label values: the configured table, then the host:port of each broker's endpoint */
    int32_t cap = pc->ninstances + c->nbrokers;
    const char **values = xcalloc((size_t)cap + 1, sizeof(char *));
    char **owned = xcalloc((size_t)c->nbrokers + 1, sizeof(char *));
    int32_t *ids = xcalloc((size_t)cap + 1, sizeof(int32_t)), n = 0;
    for (int32_t i = 0; i < pc->ninstances; i++, n++) {
        values[n] = pc->instance_values[i];
        ids[n] = pc->instance_ids[i];
    }
    for (int32_t b = 0; b < c->nbrokers; b++) {
        char *url = mon_endpoint_url(mc, c, b);
        owned[b] = url ? url_authority(url) : NULL;
        free(url);
        if (owned[b]) {
            values[n] = owned[b];
            ids[n++] = c->brokers[b].id;
        }
    }
    struct mon_prom_broker_map map = {pc->broker_label ? pc->broker_label : "instance", values,
                                      ids, n};
    struct mon_rates r = {0};
    struct mon_prom_stats st = {0};
    struct error err = {0};
    int ok = 0;
    int rc = mon_prom_sample(pc->url, (const char *const *)pc->queries, &map, start, now, step,
                             &o, &r, &st, &err);
    if (rc < 0) {
        if (rc != -ECANCELED) /* shutdown */
            log_warn("monitor: prometheus: %s", err.msg);
        goto out;
    }
    m->prom_next_ms = start + ((now - start) / step + 1) * step;
    if (st.unmapped)
        log_warn("monitor: prometheus: %d of %d series name no broker (first: %s); map them "
                 "with monitor.prometheus.instances or brokerLabel", st.unmapped, st.series,
                 st.unmapped_example);
    mon_monitor_add_rates(m, &r);
    ok = brokers_with_rates(c, &r, "prometheus", ret_result);
out:
    mon_rates_finish(&r);
    for (int32_t b = 0; b < c->nbrokers; b++)
        free(owned[b]);
    free(owned);
    free(values);
    free(ids);
    return ok;
}

/* One round of the metrics topic: from the lookback (first round) or where the previous
 * round stopped to the end. */
static int sample_cc_metrics(struct mon_monitor *m, const struct model_cluster *c,
                             int8_t *ret_result)
{
    const struct mon_settings *mc = m->o.monitor;
    struct error err = {0};
    if (!m->ccm) {
        m->ccm = mon_ccm_create(&mc->cc_metrics, (int64_t)mc->window_ms * mc->num_windows,
                                m->o.kafka, m->o.bootstrap, &err);
        if (!m->ccm) {
            log_warn("monitor: cruiseControlMetrics: %s", err.msg);
            return 0;
        }
    }
    struct mon_rates r = {0};
    struct mon_ccm_stats st = {0};
    int rc = mon_ccm_poll(m->ccm, mc->timeout_ms, &r, &st, &err);
    if (rc == -ECANCELED) { /* shutdown */
        mon_rates_finish(&r);
        return 0;
    }
    if (rc < 0)
        log_warn("monitor: cruiseControlMetrics: %s%s", err.msg,
                 rc == -ETIMEDOUT && r.n ? " (the records read count)" : "");
    log_info("monitor: cruiseControlMetrics: %lld records read", (long long)st.records);
    if (st.bad)
        log_warn("monitor: cruiseControlMetrics: %lld malformed record%s skipped (first: %s)",
                 (long long)st.bad, st.bad == 1 ? "" : "s", st.first_bad);
    if (st.unknown)
        log_warn("monitor: cruiseControlMetrics: %lld record%s of a newer reporter (version or "
                 "raw type) skipped", (long long)st.unknown, st.unknown == 1 ? "" : "s");
    mon_monitor_add_rates(m, &r);
    int ok = brokers_with_rates(c, &r, "cruiseControlMetrics", ret_result);
    mon_rates_finish(&r);
    return ok;
}

/* Warns when the names a broker's page lacks change (once, not on every round): a page
 * without a name the sampler reads leaves that figure unmeasured, e.g. exporter rules that
 * name a metric differently than monitor.metricNames. */
static void note_missing(struct mon_monitor *m, const struct mon_broker_scrape *s,
                         const struct mon_metric_names *names, bool holds_replicas,
                         const char *url)
{
    char buf[1024];
    int n = mon_scrape_missing(s, names, holds_replicas, buf, sizeof(buf));
    struct mon_broker_state *b = broker_state(m, s->broker_id);
    if (n == 0 || (b->missing && !strcmp(b->missing, buf))) {
        if (n == 0) {
            free(b->missing);
            b->missing = NULL;
        }
        return;
    }
    log_warn("monitor: broker %d: %s has no %s (exporter rules that name them otherwise: "
             "monitor.metricNames)", s->broker_id, url, buf);
    free(b->missing);
    b->missing = xstrdup(buf);
}

int mon_monitor_sample(struct mon_monitor *m, const struct model_cluster *c, int8_t *ret_result)
{
    const struct mon_settings *mc = m->o.monitor;
    if (ret_result)
        memset(ret_result, MON_SAMPLE_SKIPPED, (size_t)c->nbrokers);
    if (mc->sampler == MON_SAMPLER_PROMETHEUS)
        return sample_prometheus(m, c, ret_result);
    if (mc->sampler == MON_SAMPLER_CC_METRICS)
        return sample_cc_metrics(m, c, ret_result);
    struct mon_http_opts o = http_opts(m);
    const struct mon_metric_name_settings *cn = &mc->names;
    const struct mon_metric_names *dn = &mon_default_metric_names;
    struct mon_metric_names names = {
        cn->bytes_in ? cn->bytes_in : dn->bytes_in,
        cn->bytes_out ? cn->bytes_out : dn->bytes_out,
        cn->repl_bytes_in ? cn->repl_bytes_in : dn->repl_bytes_in,
        cn->repl_bytes_out ? cn->repl_bytes_out : dn->repl_bytes_out,
        cn->log_size ? cn->log_size : dn->log_size,
        cn->cpu_seconds ? cn->cpu_seconds : dn->cpu_seconds,
        cn->topic_label ? cn->topic_label : dn->topic_label,
        cn->partition_label ? cn->partition_label : dn->partition_label,
    };
    bool *holds = xcalloc((size_t)c->nbrokers + 1, sizeof(bool));
    for (int64_t r = 0; r < c->nreplicas; r++)
        holds[c->replicas[r].broker] = true;
    int ok = 0;
    for (int32_t b = 0; b < c->nbrokers; b++) {
        if (c->brokers[b].flags & BROKER_DEAD)
            continue;
        char *url = mon_endpoint_url(mc, c, b);
        if (ret_result)
            ret_result[b] = MON_SAMPLE_FAILED;
        if (!url) {
            log_warn("monitor: no metrics endpoint for broker %d (monitor.endpoints or "
                     "endpointTemplate)", c->brokers[b].id);
            continue;
        }
        struct mon_broker_scrape s;
        struct error err = {0};
        int rc = mon_scrape_broker(url, c->brokers[b].id, &o, &names, &s, &err);
        if (rc == -ECANCELED) {
            if (ret_result)
                ret_result[b] = MON_SAMPLE_SKIPPED;
            free(url);
            break; /* shutdown: the others are not asked */
        } else if (rc < 0) {
            log_warn("monitor: broker %d: %s", c->brokers[b].id, err.msg);
        } else {
            note_missing(m, &s, &names, holds[b], url);
            record(m, broker_state(m, c->brokers[b].id), &s, cores_of(m->o.capacity, c->brokers[b].id));
            ok++;
            if (ret_result)
                ret_result[b] = MON_SAMPLE_OK;
        }
        free(url);
    }
    free(holds);
    return ok;
}

static double value_of(const struct mon_monitor *m, int32_t e, int64_t now)
{
    double v;
    return e >= 0 && mon_windows_value(m->win, e, now, &v) >= 0 ? v : NAN;
}

int mon_monitor_broker_rates(const struct mon_monitor *m, int32_t broker_id, int64_t now_ms,
                             double *ret_bytes_in, double *ret_repl_in, double *ret_bytes_out)
{
    *ret_bytes_in = value_of(m, find_entity(m, K_IN, broker_id), now_ms);
    *ret_repl_in = value_of(m, find_entity(m, K_REPL_IN, broker_id), now_ms);
    *ret_bytes_out = value_of(m, find_entity(m, K_OUT, broker_id), now_ms);
    return isnan(*ret_bytes_in) ? -ENOENT : 0;
}

int mon_monitor_apply(struct mon_monitor *m, struct model_cluster *c, int64_t now_ms,
                      struct error *err)
{
    struct mon_broker_rates *r = xcalloc((size_t)m->nbrokers + 1, sizeof(*r));
    int32_t n = 0;
    for (int32_t i = 0; i < m->nbrokers; i++) {
        struct mon_broker_state *b = &m->brokers[i];
        struct mon_broker_rates *x = &r[n];
        x->broker_id = b->id;
        x->bytes_in = value_of(m, find_entity(m, K_IN, b->id), now_ms);
        if (isnan(x->bytes_in))
            continue; /* no rate yet: one scrape or none */
        x->bytes_out = value_of(m, find_entity(m, K_OUT, b->id), now_ms);
        x->repl_bytes_in = value_of(m, find_entity(m, K_REPL_IN, b->id), now_ms);
        x->cpu_pct = value_of(m, find_entity(m, K_CPU, b->id), now_ms);
        struct mon_topic_rate *tr = xcalloc((size_t)b->ntopics + 1, sizeof(*tr));
        for (int32_t t = 0; t < b->ntopics; t++)
            tr[t] = (struct mon_topic_rate){b->topics[t].name, value_of(m, b->topics[t].e_in, now_ms),
                                            value_of(m, b->topics[t].e_out, now_ms)};
        x->topics = tr;
        x->ntopics = b->ntopics;
        struct mon_part_growth *pg = xcalloc((size_t)b->nparts + 1, sizeof(*pg));
        for (int32_t t = 0; t < b->nparts; t++)
            pg[t] = (struct mon_part_growth){b->parts[t].topic, b->parts[t].id,
                                             value_of(m, b->parts[t].e, now_ms)};
        qsort(pg, (size_t)b->nparts, sizeof(*pg), mon_part_growth_cmp);
        x->parts = pg;
        x->nparts = b->nparts;
        n++;
    }
    struct mon_cpu_weights w = {m->o.monitor->cpu_weights[0], m->o.monitor->cpu_weights[1],
                                m->o.monitor->cpu_weights[2]};
    double *cap = xcalloc((size_t)c->nbrokers + 1, sizeof(double));
    for (int32_t b = 0; b < c->nbrokers; b++) {
        cap[b] = c->brokers[b].capacity[RES_NW_IN];
        const struct model_capacity_table *t = m->o.capacity;
        for (int32_t i = 0; t && i < t->n; i++)
            if (t->broker_ids[i] == c->brokers[b].id && t->per_broker[i].set[RES_NW_IN])
                cap[b] = t->per_broker[i].v[RES_NW_IN];
        if (t && cap[b] <= 0 && t->dflt.set[RES_NW_IN])
            cap[b] = t->dflt.v[RES_NW_IN];
    }
    struct mon_estimate_stats st;
    int rc = mon_estimate(c, r, n, &w, cap, &st, err);
    for (int32_t i = 0; i < n; i++) {
        free((void *)r[i].topics);
        free((void *)r[i].parts);
    }
    free(r);
    free(cap);
    if (rc < 0)
        return rc;
    c->load_measured = true;
    c->load_windows = mon_windows_recent(m->win, now_ms);
    c->load_monitored_pct = st.partitions ? 100.0 * st.monitored / st.partitions : 100.0;
    log_info("monitor: %d of %d brokers with rates, %d of %d partitions monitored, %d complete "
             "windows", st.brokers_with_rates, c->nbrokers, st.monitored, st.partitions,
             c->load_windows);
    return 0;
}
