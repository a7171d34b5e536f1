/* Sampler (c): Cruise Control's metrics reporter topic (__CruiseControlMetrics), for clusters
 * that already run CruiseControlMetricsReporter in their brokers.
 *
 * Record values are the reporter's binary format (big-endian):
 *
 *   int8  class       0 broker, 1 topic, 2 partition
 *   int8  version     0
 *   int8  raw type    RawMetricType id; its scope must match the class
 *   int64 time        ms since the epoch
 *   int32 broker id
 *   topic and partition classes: int32 topic length, topic bytes (UTF-8)
 *   partition class: int32 partition
 *   float64 value
 *
 * The values Ballast uses are one-minute rates (bytes/s) of the brokers' BytesInPerSec,
 * BytesOutPerSec and ReplicationBytesInPerSec meters, per broker and per topic per broker, the
 * process CPU load (0..1 of the whole host) and each partition's log size (bytes).
 *
 * mon_cc_decode is pure and strict: every length is checked against the record, nothing past
 * the end is read, trailing bytes are refused. The consumer (librdkafka) reads the topic from
 * the offsets of a start time to the end, one round per call. */
#ifndef MONITOR_CCMETRICS_H
#define MONITOR_CCMETRICS_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "monitor/settings.h"
#include "monitor/rates.h"

enum mon_cc_class { MON_CC_BROKER = 0, MON_CC_TOPIC = 1, MON_CC_PARTITION = 2 };

/* The raw metric types Ballast reads (ids as the reporter writes them). */
enum {
    MON_CC_ALL_TOPIC_BYTES_IN = 0,
    MON_CC_ALL_TOPIC_BYTES_OUT = 1,
    MON_CC_TOPIC_BYTES_IN = 2,
    MON_CC_TOPIC_BYTES_OUT = 3,
    MON_CC_PARTITION_SIZE = 4,
    MON_CC_BROKER_CPU_UTIL = 5,
    MON_CC_ALL_TOPIC_REPLICATION_BYTES_IN = 6,
    MON_CC_NUM_TYPES = 43, /* ids 0..42 are defined */
};

struct mon_cc_record {
    enum mon_cc_class cls;
    uint8_t type;
    int64_t time_ms;
    int32_t broker_id;
    const char *topic;  /* into the input, topic_len bytes, not NUL-terminated; NULL for brokers */
    int32_t topic_len;
    int32_t partition;  /* -1 unless a partition record */
    double value;
};

/* Decodes one record value. -EINVAL with a message ("byte 11: topic length 300 ...") for
 * anything malformed; -ENOTSUP for a well-formed header of a version or raw type this
 * decoder does not know (a newer reporter): callers skip those. *ret only on success. */
int mon_cc_decode(const uint8_t *buf, size_t len, struct mon_cc_record *ret, struct error *err);

/* Encodes r into buf (the reporter's format) and returns its length, or the length it needs
 * when cap is too small (then buf is untouched). For tests and the test producer. */
size_t mon_cc_encode(const struct mon_cc_record *r, uint8_t *buf, size_t cap);

/* Name of a raw type id ("TOPIC_BYTES_IN") for those Ballast reads, else NULL. */
const char *mon_cc_type_name(uint8_t type);

/* Rate samples of decoded records: the types above; partition sizes become growth rates
 * between consecutive records of one (broker, topic, partition) in recs (any order). Others
 * are ignored. */
void mon_cc_to_rates(const struct mon_cc_record *recs, int32_t n, struct mon_rates *out);

struct mon_ccm;

struct mon_ccm_stats {
    int64_t records;       /* consumed this round */
    int64_t bad;           /* malformed (skipped) */
    int64_t unknown;       /* newer versions or raw types (skipped) */
    char first_bad[300];   /* "partition 0 offset 17: byte 3: ..." */
};

/* A consumer of the topic cm->topic (on cm->bootstrap, else `bootstrap`) with k's security
 * settings (NULL: PLAINTEXT); the first round looks back cm->lookback_ms, or default_lookback_ms
 * when that is 0. No consumer group is joined and no offset committed. NULL with err set when
 * there are no brokers or librdkafka refuses the settings. */
struct kafka_opts;
struct mon_ccm *mon_ccm_create(const struct mon_ccmetrics_settings *cm, int64_t default_lookback_ms,
                               const struct kafka_opts *k, const char *bootstrap,
                               struct error *err);
void mon_ccm_destroy(struct mon_ccm *c); /* accepts NULL */

/* One round: the first reads from the offsets of now - lookback (cc_metrics.lookbackMs, by
 * default the windows' span), later ones from where the previous stopped, up to the end
 * offsets seen at the round's start or timeout_ms. Appends rate samples to *out (merged).
 * Fails (-ENOENT, -ETIMEDOUT, -EIO) when the topic is missing or the cluster does not answer;
 * -ECANCELED within ~0.5 s of the kafka_opts' cancel flag being set, while it reads. */
int mon_ccm_poll(struct mon_ccm *c, int64_t timeout_ms, struct mon_rates *out,
                 struct mon_ccm_stats *st, struct error *err);

#endif
