/* Cruise Control metrics topic sampler; see ccmetrics.h. */
#include "monitor/ccmetrics.h"

#include <errno.h>
#include <librdkafka/rdkafka.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/log.h"
#include "kafka/client.h"
#include "monitor/scrape.h"

/* ---- the record format ---- */

/* Scope of each raw type id: 0 broker, 1 topic, 2 partition. */
static enum mon_cc_class type_scope(uint8_t t)
{
    if (t == 2 || t == 3 || (t >= 11 && t <= 15))
        return MON_CC_TOPIC;
    if (t == 4)
        return MON_CC_PARTITION;
    return MON_CC_BROKER;
}

const char *mon_cc_type_name(uint8_t type)
{
    static const char *const names[] = {
        "ALL_TOPIC_BYTES_IN", "ALL_TOPIC_BYTES_OUT", "TOPIC_BYTES_IN", "TOPIC_BYTES_OUT",
        "PARTITION_SIZE", "BROKER_CPU_UTIL", "ALL_TOPIC_REPLICATION_BYTES_IN",
    };
    return type < sizeof(names) / sizeof(names[0]) ? names[type] : NULL;
}

static const char *const class_names[] = {"broker", "topic", "partition"};

struct rd {
    const uint8_t *p;
    size_t len, off;
};

static bool take(struct rd *r, size_t n, const uint8_t **ret)
{
    if (r->len - r->off < n)
        return false;
    *ret = r->p + r->off;
    r->off += n;
    return true;
}

static uint64_t be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

int mon_cc_decode(const uint8_t *buf, size_t len, struct mon_cc_record *ret, struct error *err)
{
    struct rd r = {buf, len, 0};
    const uint8_t *q;
    struct mon_cc_record x = {.partition = -1};
    if (!take(&r, 3, &q))
        return error_set(err, -EINVAL, "byte %zu: record of %zu bytes is shorter than its "
                         "3-byte header", len, len);
    if (q[0] > MON_CC_PARTITION)
        return error_set(err, -EINVAL, "byte 0: unknown metric class id %u (0 broker, 1 topic, "
                         "2 partition)", q[0]);
    x.cls = (enum mon_cc_class)q[0];
    if (q[1] != 0)
        return error_set(err, -ENOTSUP, "byte 1: %s metric version %u (this decoder reads 0)",
                         class_names[x.cls], q[1]);
    x.type = q[2];
    if (x.type >= MON_CC_NUM_TYPES)
        return error_set(err, -ENOTSUP, "byte 2: unknown raw metric type %u", x.type);
    if (type_scope(x.type) != x.cls)
        return error_set(err, -EINVAL, "byte 2: raw metric type %u is a %s metric in a %s "
                         "record", x.type, class_names[type_scope(x.type)], class_names[x.cls]);
    if (!take(&r, 12, &q))
        return error_set(err, -EINVAL, "byte %zu: record ends inside its time and broker id",
                         len);
    x.time_ms = (int64_t)be(q, 8);
    x.broker_id = (int32_t)(uint32_t)be(q + 8, 4);
    if (x.time_ms < 0)
        return error_set(err, -EINVAL, "byte 3: negative time %lld", (long long)x.time_ms);
    if (x.broker_id < 0)
        return error_set(err, -EINVAL, "byte 11: negative broker id %d", x.broker_id);
    if (x.cls != MON_CC_BROKER) {
        size_t at = r.off;
        if (!take(&r, 4, &q))
            return error_set(err, -EINVAL, "byte %zu: record ends inside its topic length", len);
        int32_t tl = (int32_t)(uint32_t)be(q, 4);
        if (tl < 1 || tl > 249)
            return error_set(err, -EINVAL, "byte %zu: topic length %d (1..249)", at, tl);
        if (!take(&r, (size_t)tl, &q))
            return error_set(err, -EINVAL, "byte %zu: topic of %d bytes runs past the record's "
                             "end (%zu bytes)", at + 4, tl, len);
        for (int32_t i = 0; i < tl; i++) {
            char c = (char)q[i];
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-'))
                return error_set(err, -EINVAL, "byte %zu: topic has byte 0x%02x (topics are "
                                 "[a-zA-Z0-9._-])", at + 4 + (size_t)i, q[i]);
        }
        x.topic = (const char *)q;
        x.topic_len = tl;
    }
    if (x.cls == MON_CC_PARTITION) {
        size_t at = r.off;
        if (!take(&r, 4, &q))
            return error_set(err, -EINVAL, "byte %zu: record ends inside its partition", len);
        x.partition = (int32_t)(uint32_t)be(q, 4);
        if (x.partition < 0)
            return error_set(err, -EINVAL, "byte %zu: negative partition %d", at, x.partition);
    }
    size_t at = r.off;
    if (!take(&r, 8, &q))
        return error_set(err, -EINVAL, "byte %zu: record ends inside its value", len);
    uint64_t bits = be(q, 8);
    memcpy(&x.value, &bits, sizeof(x.value));
    if (!isfinite(x.value))
        return error_set(err, -EINVAL, "byte %zu: value is not a finite number", at);
    if (r.off != len)
        return error_set(err, -EINVAL, "byte %zu: %zu bytes after the value", r.off,
                         len - r.off);
    *ret = x;
    return 0;
}

static size_t put(uint8_t *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
    return (size_t)n;
}

size_t mon_cc_encode(const struct mon_cc_record *r, uint8_t *buf, size_t cap)
{
    size_t need = 3 + 12 + 8 + (r->cls != MON_CC_BROKER ? 4 + (size_t)r->topic_len : 0) +
                  (r->cls == MON_CC_PARTITION ? 4 : 0);
    if (cap < need)
        return need;
    size_t o = 0;
    buf[o++] = (uint8_t)r->cls;
    buf[o++] = 0;
    buf[o++] = r->type;
    o += put(buf + o, (uint64_t)r->time_ms, 8);
    o += put(buf + o, (uint32_t)r->broker_id, 4);
    if (r->cls != MON_CC_BROKER) {
        o += put(buf + o, (uint32_t)r->topic_len, 4);
        memcpy(buf + o, r->topic, (size_t)r->topic_len);
        o += (size_t)r->topic_len;
    }
    if (r->cls == MON_CC_PARTITION)
        o += put(buf + o, (uint32_t)r->partition, 4);
    uint64_t bits;
    memcpy(&bits, &r->value, sizeof(bits));
    o += put(buf + o, bits, 8);
    return o;
}

/* ---- rates ---- */

static int cmp_size(const void *a, const void *b)
{
    const struct mon_cc_record *x = *(const struct mon_cc_record *const *)a;
    const struct mon_cc_record *y = *(const struct mon_cc_record *const *)b;
    if (x->broker_id != y->broker_id)
        return x->broker_id < y->broker_id ? -1 : 1;
    int32_t m = x->topic_len < y->topic_len ? x->topic_len : y->topic_len;
    int c = memcmp(x->topic, y->topic, (size_t)m);
    if (c || x->topic_len != y->topic_len)
        return c ? c : (x->topic_len < y->topic_len ? -1 : 1);
    if (x->partition != y->partition)
        return x->partition < y->partition ? -1 : 1;
    return (x->time_ms > y->time_ms) - (x->time_ms < y->time_ms);
}

void mon_cc_to_rates(const struct mon_cc_record *recs, int32_t n, struct mon_rates *out)
{
    const struct mon_cc_record **sizes = xcalloc((size_t)n + 1, sizeof(*sizes));
    int32_t ns = 0;
    for (int32_t i = 0; i < n; i++) {
        const struct mon_cc_record *x = &recs[i];
        char topic[250] = "";
        if (x->topic)
            memcpy(topic, x->topic, (size_t)x->topic_len); /* <= 249 by decoding */
        switch (x->type) {
        case MON_CC_ALL_TOPIC_BYTES_IN:
            mon_rates_add(out, MON_RATE_BYTES_IN, x->broker_id, NULL, -1, x->time_ms, x->value);
            break;
        case MON_CC_ALL_TOPIC_BYTES_OUT:
            mon_rates_add(out, MON_RATE_BYTES_OUT, x->broker_id, NULL, -1, x->time_ms, x->value);
            break;
        case MON_CC_ALL_TOPIC_REPLICATION_BYTES_IN:
            mon_rates_add(out, MON_RATE_REPL_IN, x->broker_id, NULL, -1, x->time_ms, x->value);
            break;
        case MON_CC_BROKER_CPU_UTIL:
            mon_rates_add(out, MON_RATE_CPU_PCT, x->broker_id, NULL, -1, x->time_ms,
                          100.0 * x->value);
            break;
        case MON_CC_TOPIC_BYTES_IN:
        case MON_CC_TOPIC_BYTES_OUT:
            mon_rates_add(out, x->type == MON_CC_TOPIC_BYTES_IN ? MON_RATE_TOPIC_IN
                                                                : MON_RATE_TOPIC_OUT,
                          x->broker_id, topic, -1, x->time_ms, x->value);
            break;
        case MON_CC_PARTITION_SIZE:
            sizes[ns++] = x;
            break;
        default:
            break;
        }
    }
    qsort(sizes, (size_t)ns, sizeof(*sizes), cmp_size);
    for (int32_t i = 1; i < ns; i++) {
        const struct mon_cc_record *a = sizes[i - 1], *b = sizes[i];
        if (a->broker_id != b->broker_id || a->partition != b->partition ||
            a->topic_len != b->topic_len || memcmp(a->topic, b->topic, (size_t)a->topic_len) ||
            b->time_ms <= a->time_ms)
            continue;
        char topic[250] = "";
        memcpy(topic, b->topic, (size_t)b->topic_len);
        double g = (b->value - a->value) * 1000.0 / (double)(b->time_ms - a->time_ms);
        mon_rates_add(out, MON_RATE_GROWTH, b->broker_id, topic, b->partition, b->time_ms,
                      g > 0 ? g : 0); /* retention shrinks logs */
    }
    free(sizes);
    mon_rates_merge(out);
}

/* ---- the consumer ---- */

struct mon_ccm {
    rd_kafka_t *rk;
    char *topic;
    int64_t lookback_ms;
    rd_kafka_topic_partition_list_t *assigned; /* offsets = next to read; NULL before round 1 */
    const atomic_bool *cancel; /* kafka_opts.cancel: ends a round's reading; NULL = none */
};

/* librdkafka's log lines (syslog levels) go through Ballast's log. */
static void rdkafka_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    enum log_level l = level <= 3 ? LOG_ERROR : level == 4 ? LOG_WARN : level <= 6 ? LOG_INFO
                                                                                  : LOG_DEBUG;
    char origin[64];
    snprintf(origin, sizeof(origin), "librdkafka %s", fac);
    log_write_from(l, origin, buf);
}

static int set(rd_kafka_conf_t *conf, const char *k, const char *v, struct error *err)
{
    char e[256];
    if (rd_kafka_conf_set(conf, k, v, e, sizeof(e)) != RD_KAFKA_CONF_OK)
        return error_set(err, -EINVAL, "monitor.cruiseControlMetrics: %s: %s", k, e);
    return 0;
}

struct mon_ccm *mon_ccm_create(const struct mon_ccmetrics_settings *cm, int64_t default_lookback_ms,
                               const struct kafka_opts *kafka, const char *bootstrap,
                               struct error *err)
{
    static const struct kafka_opts plaintext;
    const struct kafka_opts *k = kafka ? kafka : &plaintext;
    const char *bs = cm->bootstrap ? cm->bootstrap : bootstrap;
    if (!bs) {
        error_set(err, -EINVAL, "monitor.cruiseControlMetrics: no bootstrap servers "
                  "(cruiseControlMetrics.bootstrap, kafka.bootstrap or --bootstrap)");
        return NULL;
    }
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char proto[64];
    snprintf(proto, sizeof(proto), "%s", k->security_protocol ? k->security_protocol : "PLAINTEXT");
    for (char *c = proto; *c; c++)
        *c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
    rd_kafka_conf_set_log_cb(conf, rdkafka_log);
    int rc = set(conf, "bootstrap.servers", bs, err);
    rc = rc ? rc : set(conf, "client.id", k->client_id ? k->client_id : "ballast", err);
    rc = rc ? rc : set(conf, "group.id", "ballast-monitor", err); /* never joined */
    rc = rc ? rc : set(conf, "enable.auto.commit", "false", err);
    rc = rc ? rc : set(conf, "enable.partition.eof", "false", err);
    rc = rc ? rc : set(conf, "security.protocol", proto, err);
    if (!rc && k->sasl_mechanism)
        rc = set(conf, "sasl.mechanisms", k->sasl_mechanism, err);
    if (!rc && k->sasl_username)
        rc = set(conf, "sasl.username", k->sasl_username, err);
    if (!rc && k->sasl_password)
        rc = set(conf, "sasl.password", k->sasl_password, err);
    if (!rc && k->ssl_ca_file)
        rc = set(conf, "ssl.ca.location", k->ssl_ca_file, err);
    if (!rc && k->ssl_cert_file)
        rc = set(conf, "ssl.certificate.location", k->ssl_cert_file, err);
    if (!rc && k->ssl_cert_file)
        rc = set(conf, "ssl.key.location", k->ssl_key_file ? k->ssl_key_file : k->ssl_cert_file,
                 err);
    if (!rc)
        rc = set(conf, "ssl.endpoint.identification.algorithm",
                 k->ssl_verify_hostname ? "https" : "none", err);
    if (rc) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    char e[512];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, e, sizeof(e));
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        error_set(err, -EINVAL, "monitor.cruiseControlMetrics: %s", e);
        return NULL;
    }
    struct mon_ccm *c = xcalloc(1, sizeof(*c));
    c->rk = rk;
    c->topic = xstrdup(cm->topic);
    c->lookback_ms = cm->lookback_ms ? cm->lookback_ms : default_lookback_ms;
    c->cancel = k->cancel;
    return c;
}

void mon_ccm_destroy(struct mon_ccm *c)
{
    if (!c)
        return;
    if (c->assigned) {
        rd_kafka_assign(c->rk, NULL);
        rd_kafka_topic_partition_list_destroy(c->assigned);
    }
    rd_kafka_consumer_close(c->rk);
    rd_kafka_destroy(c->rk);
    free(c->topic);
    free(c);
}

/* Round 1: the topic's partitions at the offsets of now - lookback. */
static int first_assignment(struct mon_ccm *c, int timeout_ms, struct error *err)
{
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_topic_t *t = rd_kafka_topic_new(c->rk, c->topic, NULL);
    rd_kafka_resp_err_t e = rd_kafka_metadata(c->rk, 0, t, &md, timeout_ms);
    rd_kafka_topic_destroy(t);
    if (e)
        return error_set(err, e == RD_KAFKA_RESP_ERR__TIMED_OUT ? -ETIMEDOUT : -EIO,
                         "topic %s: metadata: %s", c->topic, rd_kafka_err2str(e));
    int rc = 0;
    if (md->topic_cnt != 1 || md->topics[0].err || md->topics[0].partition_cnt == 0) {
        rc = error_set(err, -ENOENT, "topic %s: %s (is CruiseControlMetricsReporter running in "
                       "the brokers?)", c->topic,
                       md->topic_cnt == 1 && md->topics[0].err
                           ? rd_kafka_err2str(md->topics[0].err)
                           : "no partitions");
        rd_kafka_metadata_destroy(md);
        return rc;
    }
    rd_kafka_topic_partition_list_t *l =
        rd_kafka_topic_partition_list_new(md->topics[0].partition_cnt);
    int64_t since = clock_wall_ms() - c->lookback_ms;
    for (int i = 0; i < md->topics[0].partition_cnt; i++)
        rd_kafka_topic_partition_list_add(l, c->topic, md->topics[0].partitions[i].id)->offset =
            since;
    rd_kafka_metadata_destroy(md);
    e = rd_kafka_offsets_for_times(c->rk, l, timeout_ms);
    if (e) {
        rd_kafka_topic_partition_list_destroy(l);
        return error_set(err, e == RD_KAFKA_RESP_ERR__TIMED_OUT ? -ETIMEDOUT : -EIO,
                         "topic %s: offsets for time %lld: %s", c->topic, (long long)since,
                         rd_kafka_err2str(e));
    }
    for (int i = 0; i < l->cnt; i++)
        if (l->elems[i].offset < 0) /* nothing that recent: from the end */
            l->elems[i].offset = RD_KAFKA_OFFSET_END;
    c->assigned = l;
    return 0;
}

int mon_ccm_poll(struct mon_ccm *c, int64_t timeout_ms, struct mon_rates *out,
                 struct mon_ccm_stats *st, struct error *err)
{
    int64_t deadline = clock_wall_ms() + timeout_ms;
    int tmo = (int)(timeout_ms > 60000 ? 60000 : timeout_ms);
    if (!c->assigned) {
        int rc = first_assignment(c, tmo, err);
        if (rc < 0)
            return rc;
    }
    rd_kafka_topic_partition_list_t *l = c->assigned;
    int n = l->cnt;
    int64_t *end = xcalloc((size_t)n + 1, sizeof(int64_t));
    int rc = 0;
    for (int i = 0; i < n; i++) {
        int64_t lo = 0, hi = 0;
        rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(
            c->rk, c->topic, l->elems[i].partition, &lo, &hi, tmo);
        if (e) {
            rc = error_set(err, e == RD_KAFKA_RESP_ERR__TIMED_OUT ? -ETIMEDOUT : -EIO,
                           "topic %s partition %d: end offset: %s", c->topic,
                           l->elems[i].partition, rd_kafka_err2str(e));
            goto out;
        }
        end[i] = hi;
        if (l->elems[i].offset == RD_KAFKA_OFFSET_END)
            l->elems[i].offset = hi;
        else if (l->elems[i].offset < lo)
            l->elems[i].offset = lo; /* deleted by retention meanwhile */
    }
    rd_kafka_resp_err_t e = rd_kafka_assign(c->rk, l);
    if (e) {
        rc = error_set(err, -EIO, "topic %s: assign: %s", c->topic, rd_kafka_err2str(e));
        goto out;
    }
    struct mon_cc_record *recs = NULL;
    size_t cap = 0;
    int32_t nrec = 0;
    /* keep every record's bytes alive until the rates are made (topics point into them) */
    rd_kafka_message_t **msgs = NULL;
    size_t cap_msgs = 0;
    int32_t nmsgs = 0;
    for (;;) {
        bool done = true;
        for (int i = 0; i < n && done; i++)
            done = l->elems[i].offset >= end[i];
        if (done)
            break;
        if (c->cancel && atomic_load(c->cancel)) {
            rc = error_set(err, -ECANCELED, "topic %s: cancelled", c->topic);
            break;
        }
        int64_t left = deadline - clock_wall_ms();
        if (left <= 0) {
            rc = error_set(err, -ETIMEDOUT, "topic %s: not read to its end within %lld ms",
                           c->topic, (long long)timeout_ms);
            break;
        }
        rd_kafka_message_t *m = rd_kafka_consumer_poll(c->rk, (int)(left > 500 ? 500 : left));
        if (!m)
            continue;
        if (m->err) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                rc = error_set(err, -EIO, "topic %s: %s", c->topic, rd_kafka_message_errstr(m));
            rd_kafka_message_destroy(m);
            if (rc < 0)
                break;
            continue;
        }
        for (int i = 0; i < n; i++)
            if (l->elems[i].partition == m->partition && m->offset + 1 > l->elems[i].offset)
                l->elems[i].offset = m->offset + 1;
        st->records++;
        struct mon_cc_record r;
        struct error derr = {0};
        int d = mon_cc_decode(m->payload, m->payload ? m->len : 0, &r, &derr);
        if (d == -ENOTSUP) {
            st->unknown++;
        } else if (d < 0) {
            if (st->bad++ == 0)
                snprintf(st->first_bad, sizeof(st->first_bad), "partition %d offset %lld: %.200s",
                         m->partition, (long long)m->offset, derr.msg);
        } else {
            xgrow((void **)&recs, &cap, (size_t)nrec + 1, sizeof(*recs));
            recs[nrec++] = r;
            xgrow((void **)&msgs, &cap_msgs, (size_t)nmsgs + 1, sizeof(*msgs));
            msgs[nmsgs++] = m;
            continue;
        }
        rd_kafka_message_destroy(m);
    }
    if (rc == 0 || rc == -ETIMEDOUT)
        mon_cc_to_rates(recs, nrec, out); /* what was read counts, even on a timeout */
    for (int32_t i = 0; i < nmsgs; i++)
        rd_kafka_message_destroy(msgs[i]);
    free(msgs);
    free(recs);
out:
    free(end);
    return rc;
}
