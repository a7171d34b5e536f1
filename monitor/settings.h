/* The load monitor's settings (docs/monitor.md): which sampler, its intervals, windows,
 * endpoints, metric names and, per sampler, the Prometheus server's queries or Cruise Control's
 * metrics topic. Plain data the monitor borrows (struct mon_options). The configuration loader
 * (config/) fills one from the file's `monitor:` section; the monitor never sees config/.
 * Strings are owned by whoever filled the struct. */
#ifndef MONITOR_SETTINGS_H
#define MONITOR_SETTINGS_H

#include <stdint.h>

enum mon_sampler {
    MON_SAMPLER_NONE = 0,     /* rates come from the snapshot (or stay 0) */
    MON_SAMPLER_JMX_EXPORTER, /* scrape each broker's JMX exporter /metrics */
    MON_SAMPLER_PROMETHEUS,   /* query_range on a Prometheus server */
    MON_SAMPLER_CC_METRICS,   /* consume Cruise Control's __CruiseControlMetrics topic */
};

/* The Prometheus sampler's queries (monitor/prometheus.c has the defaults). */
enum mon_prom_query {
    MON_PROM_BROKER_IN,      /* brokerBytesIn: per broker, produce bytes/s */
    MON_PROM_BROKER_OUT,     /* brokerBytesOut */
    MON_PROM_BROKER_REPL_IN, /* brokerReplicationBytesIn */
    MON_PROM_TOPIC_IN,       /* topicBytesIn: per broker and topic */
    MON_PROM_TOPIC_OUT,      /* topicBytesOut */
    MON_PROM_CPU,            /* cpu: per broker, cores busy */
    MON_PROM_GROWTH,         /* partitionSizeGrowth: per broker, topic, partition, bytes/s */
    MON_PROM_NQUERIES,
};

/* Their configuration keys ("brokerBytesIn", ...), defined in monitor/prometheus.c. */
extern const char *const mon_prom_query_keys[MON_PROM_NQUERIES];

struct mon_prometheus_settings {
    char *url;                          /* the server, e.g. http://prometheus:9090 */
    char *queries[MON_PROM_NQUERIES]; /* NULL = default; "" = not queried */
    char *broker_label;                 /* label naming the broker: "instance" */
    int32_t *instance_ids;              /* label value -> broker id */
    char **instance_values;
    int32_t ninstances;
    int64_t step_ms;                    /* query_range step: 60000 */
    int64_t lookback_ms;                /* first range: 0 = windowMs x numWindows */
};

struct mon_ccmetrics_settings {
    char *topic;                        /* "__CruiseControlMetrics" */
    char *bootstrap;                    /* NULL = kafka.bootstrap (or --bootstrap) */
    int64_t lookback_ms;                /* records newer than this: 0 = windowMs x numWindows */
};

/* Metric and label names on the JMX exporter's page; NULL = the exporter's Kafka rules. */
struct mon_metric_name_settings {
    char *bytes_in, *bytes_out, *repl_bytes_in, *repl_bytes_out, *log_size, *cpu_seconds;
    char *topic_label, *partition_label;
};

struct mon_settings {
    enum mon_sampler sampler;
    int32_t interval_ms;       /* between scrapes: 10000 */
    int32_t scrapes;           /* scrapes `ballast snapshot` takes: 2 (rates from the second) */
    int64_t window_ms;         /* 300000 (Cruise Control's 5 min) */
    int32_t num_windows;       /* 5 */
    int32_t min_samples;       /* valid window: at least this many samples: 1 */
    int32_t timeout_ms;        /* per HTTP request: 5000 */
    double max_body;           /* bytes of one reply: 64 MiB */
    int32_t *endpoint_ids;     /* broker id -> URL */
    char **endpoint_urls;
    int32_t nendpoints;
    char *endpoint_template;   /* "http://{host}:9404/metrics"; {host} and {id} are replaced */
    double cpu_weights[3];     /* leader bytes-in, leader bytes-out, follower bytes-in */
    struct mon_metric_name_settings names;
    struct mon_prometheus_settings prometheus;
    struct mon_ccmetrics_settings cc_metrics;
};

#endif
