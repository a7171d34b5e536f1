/* Sampler (a): scraping the Prometheus JMX exporter's /metrics on each broker over HTTP
 * (libcurl), and picking out of the page what load estimation needs: the broker's bytes-in,
 * bytes-out and replication counters, the same per topic, each partition's log size, and the
 * process's CPU seconds. Counters become rates in monitor/monitor.c.
 *
 * Replies are untrusted: a status other than 200, a body over max_body, a timeout or a page
 * that does not parse fails with a message naming the URL; metrics that are missing are NAN
 * (absent), never an error, since per-topic series appear only after traffic. Blocking,
 * single-threaded; call mon_http_global_init once before threads exist. */
#ifndef MONITOR_SCRAPE_H
#define MONITOR_SCRAPE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/clock.h"
#include "common/error.h"
#include "monitor/expo.h"

/* Metric names on the page; defaults match the exporter's Kafka rules (lowercaseOutputName). */
struct mon_metric_names {
    const char *bytes_in;       /* kafka_server_brokertopicmetrics_bytesin_total */
    const char *bytes_out;      /* kafka_server_brokertopicmetrics_bytesout_total */
    const char *repl_bytes_in;  /* kafka_server_brokertopicmetrics_replicationbytesin_total */
    const char *repl_bytes_out; /* kafka_server_brokertopicmetrics_replicationbytesout_total */
    const char *log_size;       /* kafka_log_log_size{topic,partition} */
    const char *cpu_seconds;    /* process_cpu_seconds_total */
    const char *topic_label;    /* topic */
    const char *partition_label; /* partition */
};
extern const struct mon_metric_names mon_default_metric_names;

struct mon_http_opts {
    long timeout_ms;   /* whole request; 0 = 5000 */
    size_t max_body;   /* 0 = 64 MiB */
    /* NULL: none. When set (by another thread, e.g. the service on shutdown), a request in
     * progress ends within ~100 ms with -ECANCELED and no new one starts. Borrowed. */
    const atomic_bool *cancel;
};

/* Global libcurl setup; idempotent, not thread-safe. */
void mon_http_global_init(void);
/* GET url with header "Accept: accept" (NULL = the exposition format) and any HTTP status:
 * *ret_status, *ret_body (heap, NUL-terminated, caller frees) and *ret_len. -ETIMEDOUT,
 * -ECONNREFUSED / -EIO, -EFBIG (body too large), -ECANCELED (o->cancel set). */
int mon_http_fetch(const char *url, const struct mon_http_opts *o, const char *accept,
                   long *ret_status, char **ret_body, size_t *ret_len, struct error *err);
/* GET url; *ret_body (heap, NUL-terminated, caller frees) and *ret_len on a 200 reply.
 * -ETIMEDOUT, -ECONNREFUSED / -EIO, -EFBIG (body too large), -EPROTO (other status),
 * -ECANCELED. */
int mon_http_get(const char *url, const struct mon_http_opts *o, char **ret_body,
                 size_t *ret_len, struct error *err);

struct mon_topic_counters {
    char *topic;
    double bytes_in, bytes_out; /* counters; NAN = absent */
};

struct mon_partition_size {
    char *topic;
    int32_t partition;
    double size; /* bytes */
};

/* What one scrape of one broker gave. Counters are NAN when the page lacks them. */
struct mon_broker_scrape {
    int32_t broker_id;
    int64_t t_ms; /* wall clock (ms) of the middle of the request */
    double bytes_in, bytes_out, repl_bytes_in, repl_bytes_out, cpu_seconds;
    struct mon_topic_counters *topics; /* sorted by topic */
    int32_t ntopics;
    struct mon_partition_size *parts;  /* sorted by topic, partition */
    int32_t nparts;
};

/* Picks the metrics out of a parsed page (names NULL = defaults). Series that differ only in
 * other labels are summed. Fails (-EINVAL, message naming source and line) on a log size
 * without topic or with a partition label that is not a partition number. */
int mon_scrape_extract(const struct mon_expo *e, const struct mon_metric_names *names,
                       const char *source, struct mon_broker_scrape *ret, struct error *err);
/* The names of the series the sampler reads that the page lacked, comma-separated into buf
 * (empty when none; cut short at len): the broker-wide bytes in, bytes out, replication bytes
 * in and out and CPU seconds, and the log size when want_log_size (the broker holds replicas)
 * and no partition had one. Returns how many. A topic's series appear only once it has had
 * traffic, so they are not asked for. */
int mon_scrape_missing(const struct mon_broker_scrape *s, const struct mon_metric_names *names,
                       bool want_log_size, char *buf, size_t len);
/* GET + parse + extract. */
int mon_scrape_broker(const char *url, int32_t broker_id, const struct mon_http_opts *o,
                      const struct mon_metric_names *names, struct mon_broker_scrape *ret,
                      struct error *err);
void mon_broker_scrape_finish(struct mon_broker_scrape *s); /* accepts zeroed */

#endif
