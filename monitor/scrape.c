/* JMX exporter sampler; see scrape.h. */
#include "monitor/scrape.h"

#include <curl/curl.h>
#include <pthread.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/alloc.h"
#include "common/reply.h"

const struct mon_metric_names mon_default_metric_names = {
    .bytes_in = "kafka_server_brokertopicmetrics_bytesin_total",
    .bytes_out = "kafka_server_brokertopicmetrics_bytesout_total",
    .repl_bytes_in = "kafka_server_brokertopicmetrics_replicationbytesin_total",
    .repl_bytes_out = "kafka_server_brokertopicmetrics_replicationbytesout_total",
    .log_size = "kafka_log_log_size",
    .cpu_seconds = "process_cpu_seconds_total",
    .topic_label = "topic",
    .partition_label = "partition",
};

static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

void mon_http_global_init(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, curl_init_once);
}

/* libcurl calls this about once a second at least, and on every chunk: a non-zero return
 * aborts the transfer (CURLE_ABORTED_BY_CALLBACK). */
static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    return atomic_load((const atomic_bool *)ctx) ? 1 : 0;
}

int mon_http_fetch(const char *url, const struct mon_http_opts *o, const char *accept,
                   long *ret_status, char **ret_body, size_t *ret_len, struct error *err)
{
    long timeout = o && o->timeout_ms ? o->timeout_ms : 5000;
    struct reply_buf b;
    reply_buf_init(&b, o && o->max_body ? o->max_body : (size_t)64 << 20);
    const atomic_bool *cancel = o ? o->cancel : NULL;
    if (cancel && atomic_load(cancel))
        return error_set(err, -ECANCELED, "%s: cancelled", url);
    mon_http_global_init();
    CURL *h = curl_easy_init();
    if (!h)
        return error_set(err, -ENOMEM, "%s: cannot set up an HTTP request", url);
    char cerr[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, reply_buf_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "ballast-monitor");
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    if (cancel) {
        curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(h, CURLOPT_XFERINFODATA, (void *)cancel);
        curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    }
    char *accept_hdr = xasprintf("Accept: %s", accept ? accept : "text/plain;version=0.0.4");
    struct curl_slist *hdr = curl_slist_append(NULL, accept_hdr);
    free(accept_hdr);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    CURLcode cc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
    int rc = 0;
    if (cc == CURLE_ABORTED_BY_CALLBACK)
        rc = error_set(err, -ECANCELED, "%s: cancelled", url);
    else if (b.over)
        rc = reply_buf_error(&b, url, err);
    else if (cc == CURLE_OPERATION_TIMEDOUT)
        rc = error_set(err, -ETIMEDOUT, "%s: no complete reply within %ld ms", url, timeout);
    else if (cc == CURLE_COULDNT_CONNECT)
        rc = error_set(err, -ECONNREFUSED, "%s: %s", url, cerr[0] ? cerr : curl_easy_strerror(cc));
    else if (cc != CURLE_OK)
        rc = error_set(err, -EIO, "%s: %s", url, cerr[0] ? cerr : curl_easy_strerror(cc));
    if (rc < 0) {
        reply_buf_finish(&b);
        return rc;
    }
    *ret_status = status;
    *ret_body = reply_buf_take(&b, ret_len);
    return 0;
}

int mon_http_get(const char *url, const struct mon_http_opts *o, char **ret_body,
                 size_t *ret_len, struct error *err)
{
    long status = 0;
    char *body = NULL;
    size_t len = 0;
    int rc = mon_http_fetch(url, o, NULL, &status, &body, &len, err);
    if (rc < 0)
        return rc;
    if (status != 200) {
        free(body);
        return error_set(err, -EPROTO, "%s: HTTP status %ld", url, status);
    }
    *ret_body = body;
    *ret_len = len;
    return 0;
}

/* ---- extraction ---- */

static int cmp_topic(const void *a, const void *b)
{
    return strcmp(((const struct mon_topic_counters *)a)->topic,
                  ((const struct mon_topic_counters *)b)->topic);
}

static int cmp_part(const void *a, const void *b)
{
    const struct mon_partition_size *x = a, *y = b;
    int c = strcmp(x->topic, y->topic);
    return c ? c : (x->partition > y->partition) - (x->partition < y->partition);
}

static double add_nan(double acc, double v)
{
    return isnan(acc) ? v : acc + v;
}

int mon_scrape_extract(const struct mon_expo *e, const struct mon_metric_names *names,
                       const char *source, struct mon_broker_scrape *ret, struct error *err)
{
    const struct mon_metric_names *nm = names ? names : &mon_default_metric_names;
    struct mon_broker_scrape s = {.broker_id = ret->broker_id, .t_ms = ret->t_ms};
    s.bytes_in = s.bytes_out = s.repl_bytes_in = s.repl_bytes_out = s.cpu_seconds = NAN;
    size_t cap_t = 0, cap_p = 0;
    for (int32_t i = 0; i < e->nsamples; i++) {
        const struct mon_expo_sample *x = &e->samples[i];
        bool in = !strcmp(x->name, nm->bytes_in), out = !strcmp(x->name, nm->bytes_out);
        const char *topic = mon_expo_label(e, x, nm->topic_label);
        if (in || out) {
            if (!topic) {
                double *d = in ? &s.bytes_in : &s.bytes_out;
                *d = add_nan(*d, x->value);
                continue;
            }
            xgrow((void **)&s.topics, &cap_t, (size_t)s.ntopics + 1, sizeof(*s.topics));
            s.topics[s.ntopics++] = (struct mon_topic_counters){xstrdup(topic), in ? x->value : NAN,
                                                                out ? x->value : NAN};
        } else if (!strcmp(x->name, nm->repl_bytes_in) && !topic) {
            s.repl_bytes_in = add_nan(s.repl_bytes_in, x->value);
        } else if (!strcmp(x->name, nm->repl_bytes_out) && !topic) {
            s.repl_bytes_out = add_nan(s.repl_bytes_out, x->value);
        } else if (!strcmp(x->name, nm->cpu_seconds)) {
            s.cpu_seconds = add_nan(s.cpu_seconds, x->value);
        } else if (!strcmp(x->name, nm->log_size)) {
            const char *ps = mon_expo_label(e, x, nm->partition_label);
            char *end = NULL;
            long part = ps ? strtol(ps, &end, 10) : -1;
            if (!topic || !ps || !*ps || *end || part < 0 || part > INT32_MAX) {
                mon_broker_scrape_finish(&s);
                return error_set(err, -EINVAL, "%s:%u: '%s' needs labels %s and %s (a partition "
                                 "number)", source, x->line, x->name, nm->topic_label,
                                 nm->partition_label);
            }
            xgrow((void **)&s.parts, &cap_p, (size_t)s.nparts + 1, sizeof(*s.parts));
            s.parts[s.nparts++] = (struct mon_partition_size){xstrdup(topic), (int32_t)part,
                                                              x->value};
        }
    }
    /* sort, then merge entries of one topic (in and out come as separate samples) */
    if (s.ntopics > 0) /* qsort must not see NULL, even for zero elements */
        qsort(s.topics, (size_t)s.ntopics, sizeof(*s.topics), cmp_topic);
    int32_t k = 0;
    for (int32_t i = 0; i < s.ntopics; i++) {
        if (k > 0 && !strcmp(s.topics[k - 1].topic, s.topics[i].topic)) {
            struct mon_topic_counters *d = &s.topics[k - 1];
            if (!isnan(s.topics[i].bytes_in))
                d->bytes_in = add_nan(d->bytes_in, s.topics[i].bytes_in);
            if (!isnan(s.topics[i].bytes_out))
                d->bytes_out = add_nan(d->bytes_out, s.topics[i].bytes_out);
            free(s.topics[i].topic);
        } else {
            s.topics[k++] = s.topics[i];
        }
    }
    s.ntopics = k;
    if (s.nparts > 0)
        qsort(s.parts, (size_t)s.nparts, sizeof(*s.parts), cmp_part);
    k = 0;
    for (int32_t i = 0; i < s.nparts; i++) {
        if (k > 0 && cmp_part(&s.parts[k - 1], &s.parts[i]) == 0) {
            s.parts[k - 1].size += s.parts[i].size;
            free(s.parts[i].topic);
        } else {
            s.parts[k++] = s.parts[i];
        }
    }
    s.nparts = k;
    *ret = s;
    return 0;
}

int mon_scrape_missing(const struct mon_broker_scrape *s, const struct mon_metric_names *names,
                       bool want_log_size, char *buf, size_t len)
{
    const struct mon_metric_names *nm = names ? names : &mon_default_metric_names;
    const struct {
        bool missing;
        const char *name;
    } want[] = {
        {isnan(s->bytes_in), nm->bytes_in},
        {isnan(s->bytes_out), nm->bytes_out},
        {isnan(s->repl_bytes_in), nm->repl_bytes_in},
        {isnan(s->repl_bytes_out), nm->repl_bytes_out},
        {want_log_size && s->nparts == 0, nm->log_size},
        {isnan(s->cpu_seconds), nm->cpu_seconds},
    };
    int n = 0;
    size_t used = 0;
    if (len)
        buf[0] = '\0';
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        if (!want[i].missing)
            continue;
        if (used < len) {
            int w = snprintf(buf + used, len - used, "%s%s", n ? ", " : "", want[i].name);
            used += w > 0 ? (size_t)w : 0;
        }
        n++;
    }
    return n;
}

int mon_scrape_broker(const char *url, int32_t broker_id, const struct mon_http_opts *o,
                      const struct mon_metric_names *names, struct mon_broker_scrape *ret,
                      struct error *err)
{
    char *body = NULL;
    size_t len = 0;
    int64_t t0 = clock_wall_ms();
    int rc = mon_http_get(url, o, &body, &len, err);
    if (rc < 0)
        return rc;
    int64_t t1 = clock_wall_ms();
    struct mon_expo *e = NULL;
    struct mon_expo_limits lim = mon_expo_default_limits;
    if (o && o->max_body)
        lim.max_bytes = o->max_body;
    rc = mon_expo_parse(body, len, url, &lim, &e, err);
    free(body);
    if (rc < 0)
        return rc;
    struct mon_broker_scrape s = {.broker_id = broker_id, .t_ms = t0 + (t1 - t0) / 2};
    rc = mon_scrape_extract(e, names, url, &s, err);
    mon_expo_destroy(e);
    if (rc < 0)
        return rc;
    *ret = s;
    return 0;
}

void mon_broker_scrape_finish(struct mon_broker_scrape *s)
{
    if (!s)
        return;
    for (int32_t i = 0; i < s->ntopics; i++)
        free(s->topics[i].topic);
    for (int32_t i = 0; i < s->nparts; i++)
        free(s->parts[i].topic);
    free(s->topics);
    free(s->parts);
    s->topics = NULL;
    s->parts = NULL;
    s->ntopics = s->nparts = 0;
}
