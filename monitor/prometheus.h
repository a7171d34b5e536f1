/* Sampler (b): a Prometheus server's HTTP API. Each configured PromQL query (per broker, per
 * topic per broker, per partition per broker) is asked for a range with
 * GET /api/v1/query_range; the reply's matrix becomes rate samples (monitor/rates.h) that the
 * monitor files under the same entities as the JMX exporter sampler's counter deltas.
 *
 * The default queries match the JMX exporter's Kafka rules in tests/kafka/cluster.sh
 * (lowercaseOutputName) as Prometheus stores them after scraping the brokers; each keeps the
 * label that names the broker (`instance` by default) and, for topic and partition queries,
 * `topic` and `partition`.
 *
 * Replies are untrusted: the JSON is checked field by field and every error names the query
 * and the field (`data.result[2].values[7][1]`); a reply with "status": "error" gives the
 * server's errorType and error. Series whose broker label is missing or maps to no broker are
 * counted and left out; series that map to the same broker (and topic, partition) are summed.
 * Blocking, single-threaded. */
#ifndef MONITOR_PROMETHEUS_H
#define MONITOR_PROMETHEUS_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "monitor/settings.h"
#include "monitor/rates.h"
#include "monitor/scrape.h"

/* The default query of each mon_prom_query. */
extern const char *const mon_prom_default_queries[MON_PROM_NQUERIES];

struct mon_prom_series {
    char **label_names;  /* the "metric" object, in reply order */
    char **label_values;
    int32_t nlabels;
    int64_t *t_ms;       /* strictly increasing */
    double *values;      /* as the server wrote them: NaN and +-Inf included */
    int32_t npoints;
};

struct mon_prom_matrix {
    struct mon_prom_series *series;
    int32_t nseries;
};

/* Parses a query_range reply (body[0..len), any HTTP status). `query` names it in messages.
 * -EINVAL (not JSON, a field missing or of the wrong type, not a matrix), -EREMOTEIO (the
 * server's "status": "error", or a non-200 status without one), -EFBIG (over 1,000,000 series
 * or 10,000,000 points). *ret (caller finishes it) only on success. */
int mon_prom_parse(const char *body, size_t len, long http_status, const char *query,
                   struct mon_prom_matrix *ret, struct error *err);
void mon_prom_matrix_finish(struct mon_prom_matrix *m); /* accepts zeroed */
/* Value of label `name` of series s, or NULL. */
const char *mon_prom_label(const struct mon_prom_series *s, const char *name);

/* base + "/api/v1/query_range?query=<percent-encoded>&start=..&end=..&step=.." (seconds);
 * heap string. A trailing '/' of base is dropped. */
char *mon_prom_range_url(const char *base, const char *query, int64_t start_ms, int64_t end_ms,
                         int64_t step_ms);

/* How series name brokers: the value of `label` looked up in values[]/ids[], else, when it
 * is a decimal number, that broker id. */
struct mon_prom_broker_map {
    const char *label;
    const char *const *values;
    const int32_t *ids;
    int32_t n;
};

struct mon_prom_stats {
    int32_t series;          /* series in all replies */
    int32_t unmapped;        /* left out: no broker for them */
    char unmapped_example[160]; /* the first one's label value (or "no label 'x'") */
};

/* Rate samples of one query's matrix: kind from q (cpu: cores). Points that are NaN or
 * infinite are skipped; negative partition growth counts as 0. -EINVAL naming the query and
 * series when a topic or partition query's series lacks `topic` / `partition` (or the
 * partition is not a partition number). Appends to *out; counts into *st. */
int mon_prom_to_rates(const struct mon_prom_matrix *mx, enum mon_prom_query q,
                      const char *query, const struct mon_prom_broker_map *map,
                      struct mon_rates *out, struct mon_prom_stats *st, struct error *err);

/* Runs every non-empty query of queries[] (NULL entries = the defaults) over
 * [start_ms, end_ms] every step_ms against the server at base and appends their rate samples
 * to *out, merged (mon_rates_merge). Fails on the first query that fails, with its message. */
int mon_prom_sample(const char *base, const char *const *queries,
                    const struct mon_prom_broker_map *map, int64_t start_ms, int64_t end_ms,
                    int64_t step_ms, const struct mon_http_opts *o, struct mon_rates *out,
                    struct mon_prom_stats *st, struct error *err);

#endif
