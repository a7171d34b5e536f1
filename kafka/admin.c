/* Kafka admin requests and per-broker connections; see admin.h. Each request is an encoder
 * and a parse_* function over the reply body, so kafka_decode_reply can run every decoder on
 * recorded and fuzzed replies. */
#include "kafka/admin.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "kafka/errors.h"
#include "kafka/protocol.h"
#include "kafka/wire.h"


/* The error for a Kafka error code: -EAGAIN when retriable, -EINVAL otherwise. */
static int code_error(struct error *err, int16_t ec, const char *msg, const char *what)
{
    return kafka_error_set(err, ec, "%s: %s (%d)%s%s", what, kafka_error_name(ec), ec,
                           msg && *msg ? ": " : "", msg ? msg : "");
}

/* The prologue most replies share: ThrottleTimeMs, ErrorCode, ErrorMessage (msg may be NULL
 * for replies without one). */
static int16_t read_top_error(struct kafka_rd *rd, char *msg, size_t msglen)
{
    kafka_rd_i32(rd, "ThrottleTimeMs");
    int16_t ec = kafka_rd_i16(rd, "ErrorCode");
    if (msg)
        kafka_rd_compact_str(rd, "ErrorMessage", msg, msglen);
    return ec;
}

/* Sends w as api at the highest version in [lo, hi] (flexible versions only). Returns the
 * version, the body in *body (caller frees) and a reader over it. */
static int call(struct kafka_conn *c, int16_t api, int lo, int hi, const char *what,
                struct kafka_wr *w, struct kafka_rd *rd, uint8_t **body, struct error *err)
{
    int v = kafka_conn_version(c, api, lo, hi);
    if (v < 0) {
        kafka_wr_finish(w);
        return kafka_conn_unsupported(c, api, what, lo, hi, err);
    }
    size_t len;
    int rc = kafka_conn_call(c, api, (int16_t)v, w->p, w->len, true, body, &len, err);
    kafka_wr_finish(w);
    if (rc < 0)
        return rc;
    kafka_rd_init(rd, *body, len);
    return v;
}

/* Runs body once for every run [i_, j_) of consecutive items of n for which `same` (comparing
 * item j_ with item i_) holds: the grouping of requests by topic, dir or resource. */
#define FOR_RUNS(n, same, body)                                                                    \
    for (int i_ = 0; i_ < (n);) {                                                                  \
        int j_ = i_;                                                                               \
        while (j_ < (n) && (same))                                                                 \
            j_++;                                                                                  \
        body;                                                                                      \
        i_ = j_;                                                                                   \
    }

/* ---- reassignments and elections ---- */

/* Reads per-partition results [topic [partition, error, message?]] and reports the first
 * error; ElectLeaders' ELECTION_NOT_NEEDED is not one. */
static int parse_partition_results(struct kafka_rd *r, const char *what, bool elect,
                                   struct error *err)
{
    int32_t nt = kafka_rd_array(r, "Responses", 3);
    int bad = 0;
    int16_t first_ec = 0;
    char first[600] = "";
    for (int32_t t = 0; t < nt && kafka_rd_ok(r); t++) {
        char topic[256];
        kafka_rd_compact_str(r, "Topic", topic, sizeof(topic));
        int32_t np = kafka_rd_array(r, "Partitions", 7);
        for (int32_t k = 0; k < np && kafka_rd_ok(r); k++) {
            int32_t part = kafka_rd_i32(r, "PartitionIndex");
            int16_t ec = kafka_rd_i16(r, "ErrorCode");
            char msg[300];
            bool has = kafka_rd_compact_str(r, "ErrorMessage", msg, sizeof(msg));
            kafka_rd_tags(r, "Partitions tags");
            if (ec == 0 || (elect && ec == KAFKA_ERR_ELECTION_NOT_NEEDED))
                continue;
            if (bad++ == 0) {
                first_ec = ec;
                snprintf(first, sizeof(first), "topic %s partition %d: %s (%d)%s%s", topic, part,
                         kafka_error_name(ec), ec, has ? ": " : "", has ? msg : "");
            }
        }
        kafka_rd_tags(r, "Responses tags");
    }
    kafka_rd_tags(r, "tags");
    if (!kafka_rd_ok(r))
        return error_set(err, -EPROTO, "%s reply: %s", what, r->err);
    if (bad)
        return kafka_error_set(err, first_ec, "%s: %s%s", what, first,
                         bad > 1 ? " (and more partitions failed)" : "");
    return 0;
}

static int parse_alter_reassignments(struct kafka_rd *rd, struct error *err)
{
    char msg[300];
    int16_t ec = read_top_error(rd, msg, sizeof(msg));
    if (kafka_rd_ok(rd) && ec != 0)
        return code_error(err, ec, msg, "AlterPartitionReassignments");
    return parse_partition_results(rd, "AlterPartitionReassignments", false, err);
}

int kafka_alter_reassignments(struct kafka_conn *c, const struct kafka_reassignment *r, int n,
                              int timeout_ms, struct error *err)
{
    struct kafka_wr w;
    kafka_wr_init(&w);
    kafka_wr_i32(&w, timeout_ms);
    int ntopics = 0;
    for (int i = 0; i < n; i++)
        ntopics += i == 0 || strcmp(r[i].topic, r[i - 1].topic) != 0;
    kafka_wr_uvarint(&w, (uint64_t)ntopics + 1);
    FOR_RUNS(n, strcmp(r[j_].topic, r[i_].topic) == 0, {
        kafka_wr_compact_str(&w, r[i_].topic);
        kafka_wr_uvarint(&w, (uint64_t)(j_ - i_) + 1);
        for (int k = i_; k < j_; k++) {
            kafka_wr_i32(&w, r[k].partition);
            if (!r[k].replicas) {
                kafka_wr_null_array(&w);
            } else {
                kafka_wr_uvarint(&w, (uint64_t)r[k].nreplicas + 1);
                for (int q = 0; q < r[k].nreplicas; q++)
                    kafka_wr_i32(&w, r[k].replicas[q]);
            }
            kafka_wr_tags(&w);
        }
        kafka_wr_tags(&w);
    })
    kafka_wr_tags(&w);
    struct kafka_rd rd;
    uint8_t *body = NULL;
    int rc = call(c, KAFKA_API_ALTER_PARTITION_REASSIGNMENTS, 0, 0, "AlterPartitionReassignments", &w, &rd, &body,
                  err);
    if (rc < 0)
        return rc;
    rc = parse_alter_reassignments(&rd, err);
    free(body);
    return rc;
}

/* Reads a broker id list into out (MODEL_MAX_RF entries); returns how many the reply holds,
 * which may be more (the caller refuses that). */
static int32_t read_id_list(struct kafka_rd *r, const char *field, int32_t *out, int *ret_n)
{
    int32_t n = kafka_rd_array(r, field, 4);
    int k = 0;
    for (int32_t i = 0; i < n && kafka_rd_ok(r); i++) {
        int32_t id = kafka_rd_i32(r, field);
        if (k < MODEL_MAX_RF)
            out[k++] = id;
    }
    *ret_n = k;
    return n < 0 ? 0 : n;
}

static int parse_list_reassignments(struct kafka_rd *rd, struct kafka_ongoing **ret, int *ret_n,
                                    struct error *err)
{
    char msg[300];
    int16_t ec = read_top_error(rd, msg, sizeof(msg));
    struct kafka_ongoing *out = NULL;
    size_t cap = 0;
    int n = 0, rc = 0;
    char too_many[400] = "";
    int32_t nt = kafka_rd_array(rd, "Topics", 3);
    for (int32_t t = 0; t < nt && kafka_rd_ok(rd); t++) {
        char topic[256];
        kafka_rd_compact_str(rd, "Topics.Name", topic, sizeof(topic));
        int32_t np = kafka_rd_array(rd, "Topics.Partitions", 8);
        for (int32_t k = 0; k < np && kafka_rd_ok(rd); k++) {
            xgrow((void **)&out, &cap, (size_t)n + 1, sizeof(*out));
            struct kafka_ongoing *o = &out[n++];
            memset(o, 0, sizeof(*o));
            snprintf(o->topic, sizeof(o->topic), "%s", topic);
            o->partition = kafka_rd_i32(rd, "PartitionIndex");
            int32_t most = read_id_list(rd, "Replicas", o->replicas, &o->nreplicas);
            int32_t na = read_id_list(rd, "AddingReplicas", o->adding, &o->nadding);
            int32_t nr = read_id_list(rd, "RemovingReplicas", o->removing, &o->nremoving);
            most = most > na ? most : na;
            most = most > nr ? most : nr;
            if (most > MODEL_MAX_RF && !*too_many)
                snprintf(too_many, sizeof(too_many), "topic %s partition %d lists %d replicas; "
                         "Ballast handles at most %d", topic, o->partition, most, MODEL_MAX_RF);
            kafka_rd_tags(rd, "Partitions tags");
        }
        kafka_rd_tags(rd, "Topics tags");
    }
    kafka_rd_tags(rd, "tags");
    if (!kafka_rd_ok(rd))
        rc = error_set(err, -EPROTO, "ListPartitionReassignments reply: %s", rd->err);
    else if (ec != 0)
        rc = code_error(err, ec, msg, "ListPartitionReassignments");
    else if (*too_many)
        rc = error_set(err, -ENOTSUP, "ListPartitionReassignments: %s", too_many);
    if (rc < 0) {
        free(out);
        return rc;
    }
    *ret = out;
    *ret_n = n;
    return 0;
}

int kafka_list_reassignments(struct kafka_conn *c, struct kafka_ongoing **ret, int *ret_n,
                             struct error *err)
{
    struct kafka_wr w;
    kafka_wr_init(&w);
    kafka_wr_i32(&w, KAFKA_DEFAULT_TIMEOUT_MS);
    kafka_wr_null_array(&w); /* every partition */
    kafka_wr_tags(&w);
    struct kafka_rd rd;
    uint8_t *body = NULL;
    int rc = call(c, KAFKA_API_LIST_PARTITION_REASSIGNMENTS, 0, 0, "ListPartitionReassignments", &w, &rd, &body,
                  err);
    if (rc < 0)
        return rc;
    rc = parse_list_reassignments(&rd, ret, ret_n, err);
    free(body);
    return rc;
}

static int parse_elect(struct kafka_rd *rd, struct error *err)
{
    int16_t ec = read_top_error(rd, NULL, 0);
    if (kafka_rd_ok(rd) && ec != 0)
        return code_error(err, ec, NULL, "ElectLeaders");
    return parse_partition_results(rd, "ElectLeaders", true, err);
}

int kafka_elect_preferred(struct kafka_conn *c, const char *const *topics,
                          const int32_t *partitions, int n, int timeout_ms, struct error *err)
{
    struct kafka_wr w;
    kafka_wr_init(&w);
    kafka_wr_i8(&w, 0); /* PREFERRED */
    int ntopics = 0;
    for (int i = 0; i < n; i++)
        ntopics += i == 0 || strcmp(topics[i], topics[i - 1]) != 0;
    kafka_wr_uvarint(&w, (uint64_t)ntopics + 1);
    FOR_RUNS(n, strcmp(topics[j_], topics[i_]) == 0, {
        kafka_wr_compact_str(&w, topics[i_]);
        kafka_wr_uvarint(&w, (uint64_t)(j_ - i_) + 1);
        for (int k = i_; k < j_; k++)
            kafka_wr_i32(&w, partitions[k]);
        kafka_wr_tags(&w);
    })
    kafka_wr_i32(&w, timeout_ms);
    kafka_wr_tags(&w);
    struct kafka_rd rd;
    uint8_t *body = NULL;
    int rc = call(c, KAFKA_API_ELECT_LEADERS, 2, 2, "ElectLeaders", &w, &rd, &body, err);
    if (rc < 0)
        return rc;
    rc = parse_elect(&rd, err);
    free(body);
    return rc;
}

/* ---- DescribeCluster ---- */

static int parse_describe_cluster(struct kafka_rd *rd, int v, struct kafka_cluster_info *info,
                                  struct error *err)
{
    memset(info, 0, sizeof(*info));
    char msg[300];
    int16_t ec = read_top_error(rd, msg, sizeof(msg));
    if (v >= 1)
        kafka_rd_i8(rd, "EndpointType");
    kafka_rd_compact_str(rd, "ClusterId", info->cluster_id, sizeof(info->cluster_id));
    info->controller = kafka_rd_i32(rd, "ControllerId");
    int32_t n = kafka_rd_array(rd, "Brokers", 10);
    info->brokers = xcalloc((size_t)(n > 0 ? n : 1), sizeof(*info->brokers));
    for (int32_t i = 0; i < n && kafka_rd_ok(rd); i++) {
        struct kafka_node *b = &info->brokers[info->nbrokers++];
        b->id = kafka_rd_i32(rd, "Brokers.BrokerId");
        kafka_rd_compact_str(rd, "Brokers.Host", b->host, sizeof(b->host));
        b->port = kafka_rd_i32(rd, "Brokers.Port");
        kafka_rd_compact_str(rd, "Brokers.Rack", b->rack, sizeof(b->rack));
        kafka_rd_tags(rd, "Brokers tags");
    }
    kafka_rd_i32(rd, "ClusterAuthorizedOperations");
    kafka_rd_tags(rd, "tags");
    int rc = 0;
    if (!kafka_rd_ok(rd))
        rc = error_set(err, -EPROTO, "DescribeCluster reply: %s", rd->err);
    else if (ec != 0)
        rc = code_error(err, ec, msg, "DescribeCluster");
    if (rc < 0)
        kafka_cluster_info_free(info);
    return rc;
}

int kafka_describe_cluster(struct kafka_conn *c, struct kafka_cluster_info *info,
                           struct error *err)
{
    memset(info, 0, sizeof(*info));
    info->controller = -1;
    int v = kafka_conn_version(c, KAFKA_API_DESCRIBE_CLUSTER, 0, 1);
    struct kafka_wr w;
    kafka_wr_init(&w);
    kafka_wr_i8(&w, 0); /* IncludeClusterAuthorizedOperations */
    if (v >= 1)
        kafka_wr_i8(&w, 1); /* EndpointType: brokers */
    kafka_wr_tags(&w);
    struct kafka_rd rd;
    uint8_t *body = NULL;
    int rc = call(c, KAFKA_API_DESCRIBE_CLUSTER, v < 0 ? 0 : v, v < 0 ? 1 : v, "DescribeCluster", &w,
                  &rd, &body, err);
    if (rc < 0)
        return rc;
    rc = parse_describe_cluster(&rd, rc, info, err);
    free(body);
    return rc;
}

void kafka_cluster_info_free(struct kafka_cluster_info *info)
{
    free(info->brokers);
    info->brokers = NULL;
    info->nbrokers = 0;
}

/* ---- DescribeConfigs ---- */

void kafka_config_entries_free(struct kafka_config_entry *e, int n)
{
    for (int i = 0; i < n; i++) {
        free(e[i].name);
        free(e[i].value);
    }
    free(e);
}

const struct kafka_config_entry *kafka_config_find(const struct kafka_config_entry *e, int n,
                                                   const char *name)
{
    for (int i = 0; i < n; i++)
        if (e[i].name && strcmp(e[i].name, name) == 0)
            return &e[i];
    return NULL;
}

static int parse_describe_configs(struct kafka_rd *rd, struct kafka_config_entry **ret,
                                  int *ret_n, struct error *err)
{
    struct kafka_config_entry *out = NULL;
    size_t cap = 0;
    int n = 0, rc = 0;
    int16_t first_ec = 0;
    char msg[300] = "", name[256] = "";
    int8_t first_type = 0;
    kafka_rd_i32(rd, "ThrottleTimeMs");
    int32_t nr = kafka_rd_array(rd, "Results", 6);
    for (int32_t i = 0; i < nr && kafka_rd_ok(rd); i++) {
        int16_t ec = kafka_rd_i16(rd, "Results.ErrorCode");
        char m[300], rn[256];
        kafka_rd_compact_str(rd, "Results.ErrorMessage", m, sizeof(m));
        int8_t type = kafka_rd_i8(rd, "Results.ResourceType");
        kafka_rd_compact_str(rd, "Results.ResourceName", rn, sizeof(rn));
        if (ec != 0 && first_ec == 0) {
            first_ec = ec;
            first_type = type;
            snprintf(msg, sizeof(msg), "%s", m);
            snprintf(name, sizeof(name), "%s", rn);
        }
        int32_t nc = kafka_rd_array(rd, "Configs", 7);
        for (int32_t k = 0; k < nc && kafka_rd_ok(rd); k++) {
            xgrow((void **)&out, &cap, (size_t)n + 1, sizeof(*out));
            struct kafka_config_entry *e = &out[n++];
            memset(e, 0, sizeof(*e));
            e->name = kafka_rd_compact_strdup(rd, "Configs.Name", 4096);
            e->value = kafka_rd_compact_strdup(rd, "Configs.Value", KAFKA_MAX_CONFIG_VALUE);
            e->read_only = kafka_rd_i8(rd, "Configs.ReadOnly") != 0;
            e->source = kafka_rd_i8(rd, "Configs.ConfigSource");
            e->sensitive = kafka_rd_i8(rd, "Configs.IsSensitive") != 0;
            int32_t ns = kafka_rd_array(rd, "Configs.Synonyms", 4);
            for (int32_t s = 0; s < ns && kafka_rd_ok(rd); s++) {
                free(kafka_rd_compact_strdup(rd, "Synonyms.Name", 4096));
                free(kafka_rd_compact_strdup(rd, "Synonyms.Value", KAFKA_MAX_CONFIG_VALUE));
                kafka_rd_i8(rd, "Synonyms.Source");
                kafka_rd_tags(rd, "Synonyms tags");
            }
            kafka_rd_i8(rd, "Configs.ConfigType");
            free(kafka_rd_compact_strdup(rd, "Configs.Documentation", KAFKA_MAX_CONFIG_VALUE));
            kafka_rd_tags(rd, "Configs tags");
            if (!e->name && kafka_rd_ok(rd))
                e->name = xstrdup("");
        }
        kafka_rd_tags(rd, "Results tags");
    }
    kafka_rd_tags(rd, "tags");
    if (!kafka_rd_ok(rd)) {
        rc = error_set(err, -EPROTO, "DescribeConfigs reply: %s", rd->err);
    } else if (first_ec != 0) {
        rc = code_error(err, first_ec, msg, "DescribeConfigs");
        error_prefix(err, "%s %s", first_type == KAFKA_RESOURCE_BROKER ? "broker" : "topic", name);
    }
    if (rc < 0) {
        kafka_config_entries_free(out, n);
        return rc;
    }
    *ret = out;
    *ret_n = n;
    return 0;
}

int kafka_describe_configs(struct kafka_conn *c, int8_t type, const char *resource,
                           const char *const *keys, int nkeys, struct kafka_config_entry **ret,
                           int *ret_n, struct error *err)
{
    struct kafka_wr w;
    kafka_wr_init(&w);
    kafka_wr_uvarint(&w, 2); /* one resource */
    kafka_wr_i8(&w, type);
    kafka_wr_compact_str(&w, resource);
    if (!keys) {
        kafka_wr_null_array(&w);
    } else {
        kafka_wr_uvarint(&w, (uint64_t)nkeys + 1);
        for (int i = 0; i < nkeys; i++)
            kafka_wr_compact_str(&w, keys[i]);
    }
    kafka_wr_tags(&w);
    kafka_wr_i8(&w, 0); /* IncludeSynonyms */
    kafka_wr_i8(&w, 0); /* IncludeDocumentation */
    kafka_wr_tags(&w);
    struct kafka_rd rd;
    uint8_t *body = NULL;
    int rc = call(c, KAFKA_API_DESCRIBE_CONFIGS, 4, 4, "DescribeConfigs", &w, &rd, &body, err);
    if (rc < 0)
        return rc;
    rc = parse_describe_configs(&rd, ret, ret_n, err);
    free(body);
    return rc;
}

/* ---- IncrementalAlterConfigs ---- */

static bool same_resource(const struct kafka_config_alter *a, const struct kafka_config_alter *b)
{
    return a->type == b->type && strcmp(a->resource, b->resource) == 0;
}

static int parse_alter_configs(struct kafka_rd *rd, struct error *err)
{
    kafka_rd_i32(rd, "ThrottleTimeMs");
    int32_t nr = kafka_rd_array(rd, "Responses", 6);
    int bad = 0;
    int16_t first_ec = 0;
    char first[600] = "";
    for (int32_t i = 0; i < nr && kafka_rd_ok(rd); i++) {
        int16_t ec = kafka_rd_i16(rd, "Responses.ErrorCode");
        char m[300], rn[256];
        bool has = kafka_rd_compact_str(rd, "Responses.ErrorMessage", m, sizeof(m));
        int8_t type = kafka_rd_i8(rd, "Responses.ResourceType");
        kafka_rd_compact_str(rd, "Responses.ResourceName", rn, sizeof(rn));
        kafka_rd_tags(rd, "Responses tags");
        if (ec != 0 && bad++ == 0) {
            first_ec = ec;
            snprintf(first, sizeof(first), "%s %s: %s (%d)%s%s",
                     type == KAFKA_RESOURCE_BROKER ? "broker" : "topic", rn, kafka_error_name(ec),
                     ec, has ? ": " : "", has ? m : "");
        }
    }
    kafka_rd_tags(rd, "tags");
    if (!kafka_rd_ok(rd))
        return error_set(err, -EPROTO, "IncrementalAlterConfigs reply: %s", rd->err);
    if (bad)
        return kafka_error_set(err, first_ec, "IncrementalAlterConfigs: %s%s", first,
                         bad > 1 ? " (and more resources failed)" : "");
    return 0;
}

int kafka_incremental_alter_configs(struct kafka_conn *c, const struct kafka_config_alter *a,
                                    int n, struct error *err)
{
    if (n <= 0)
        return 0;
    struct kafka_wr w;
    kafka_wr_init(&w);
    int nres = 0;
    for (int i = 0; i < n; i++)
        nres += i == 0 || !same_resource(&a[i], &a[i - 1]);
    kafka_wr_uvarint(&w, (uint64_t)nres + 1);
    FOR_RUNS(n, same_resource(&a[j_], &a[i_]), {
        kafka_wr_i8(&w, a[i_].type);
        kafka_wr_compact_str(&w, a[i_].resource);
        kafka_wr_uvarint(&w, (uint64_t)(j_ - i_) + 1);
        for (int k = i_; k < j_; k++) {
            kafka_wr_compact_str(&w, a[k].name);
            kafka_wr_i8(&w, a[k].op);
            kafka_wr_compact_str(&w, a[k].op == KAFKA_CONFIG_DELETE ? NULL : a[k].value);
            kafka_wr_tags(&w);
        }
        kafka_wr_tags(&w);
    })
    kafka_wr_i8(&w, 0); /* ValidateOnly */
    kafka_wr_tags(&w);
    struct kafka_rd rd;
    uint8_t *body = NULL;
    int rc = call(c, KAFKA_API_INCREMENTAL_ALTER_CONFIGS, 1, 1, "IncrementalAlterConfigs", &w, &rd,
                  &body, err);
    if (rc < 0)
        return rc;
    rc = parse_alter_configs(&rd, err);
    free(body);
    return rc;
}

/* ---- AlterReplicaLogDirs ---- */

static int parse_alter_log_dirs(struct kafka_rd *rd, struct error *err)
{
    kafka_rd_i32(rd, "ThrottleTimeMs");
    int32_t nt = kafka_rd_array(rd, "Results", 3);
    int bad = 0;
    int16_t first_ec = 0;
    char first[400] = "";
    for (int32_t t = 0; t < nt && kafka_rd_ok(rd); t++) {
        char topic[256];
        kafka_rd_compact_str(rd, "Results.TopicName", topic, sizeof(topic));
        int32_t np = kafka_rd_array(rd, "Results.Partitions", 7);
        for (int32_t k = 0; k < np && kafka_rd_ok(rd); k++) {
            int32_t part = kafka_rd_i32(rd, "PartitionIndex");
            int16_t ec = kafka_rd_i16(rd, "ErrorCode");
            kafka_rd_tags(rd, "Partitions tags");
            if (ec != 0 && bad++ == 0) {
                first_ec = ec;
                snprintf(first, sizeof(first), "topic %s partition %d: %s (%d)", topic, part,
                         kafka_error_name(ec), ec);
            }
        }
        kafka_rd_tags(rd, "Results tags");
    }
    kafka_rd_tags(rd, "tags");
    if (!kafka_rd_ok(rd))
        return error_set(err, -EPROTO, "AlterReplicaLogDirs reply: %s", rd->err);
    if (bad)
        return kafka_error_set(err, first_ec, "AlterReplicaLogDirs: %s%s", first,
                         bad > 1 ? " (and more partitions failed)" : "");
    return 0;
}

int kafka_alter_replica_log_dirs(struct kafka_conn *c, const struct kafka_log_dir_move *m, int n,
                                 struct error *err)
{
    if (n <= 0)
        return 0;
    struct kafka_wr w;
    kafka_wr_init(&w);
    int ndirs = 0;
    for (int i = 0; i < n; i++)
        ndirs += i == 0 || strcmp(m[i].dir, m[i - 1].dir) != 0;
    kafka_wr_uvarint(&w, (uint64_t)ndirs + 1);
    FOR_RUNS(n, strcmp(m[j_].dir, m[i_].dir) == 0, {
        kafka_wr_compact_str(&w, m[i_].dir);
        int ntopics = 0;
        for (int k = i_; k < j_; k++)
            ntopics += k == i_ || strcmp(m[k].topic, m[k - 1].topic) != 0;
        kafka_wr_uvarint(&w, (uint64_t)ntopics + 1);
        for (int k = i_; k < j_;) {
            int l = k;
            while (l < j_ && strcmp(m[l].topic, m[k].topic) == 0)
                l++;
            kafka_wr_compact_str(&w, m[k].topic);
            kafka_wr_uvarint(&w, (uint64_t)(l - k) + 1);
            for (int q = k; q < l; q++)
                kafka_wr_i32(&w, m[q].partition);
            kafka_wr_tags(&w);
            k = l;
        }
        kafka_wr_tags(&w);
    })
    kafka_wr_tags(&w);
    struct kafka_rd rd;
    uint8_t *body = NULL;
    int rc = call(c, KAFKA_API_ALTER_REPLICA_LOG_DIRS, 2, 2, "AlterReplicaLogDirs", &w, &rd, &body, err);
    if (rc < 0)
        return rc;
    rc = parse_alter_log_dirs(&rd, err);
    free(body);
    return rc;
}

/* ---- decoding recorded and fuzzed replies ---- */

int kafka_decode_reply(int16_t api, int version, const uint8_t *body, size_t len,
                       struct error *err)
{
    struct kafka_rd rd;
    kafka_rd_init(&rd, body, len);
    int rc;
    int32_t a, b;
    switch (api) {
    case KAFKA_API_METADATA:
        return version == 12 ? kafka_decode_metadata(body, len, &a, &b, err)
                             : error_set(err, -ENOTSUP, "Metadata v%d is not decoded", version);
    case KAFKA_API_DESCRIBE_LOG_DIRS:
        return kafka_decode_log_dirs(body, len, version, &a, err);
    case KAFKA_API_ALTER_PARTITION_REASSIGNMENTS:
        rc = parse_alter_reassignments(&rd, err);
        break;
    case KAFKA_API_LIST_PARTITION_REASSIGNMENTS: {
        struct kafka_ongoing *o = NULL;
        int n = 0;
        rc = parse_list_reassignments(&rd, &o, &n, err);
        free(o);
        break;
    }
    case KAFKA_API_ELECT_LEADERS:
        rc = parse_elect(&rd, err);
        break;
    case KAFKA_API_DESCRIBE_CLUSTER: {
        struct kafka_cluster_info info;
        rc = parse_describe_cluster(&rd, version, &info, err);
        if (rc == 0)
            kafka_cluster_info_free(&info);
        break;
    }
    case KAFKA_API_DESCRIBE_CONFIGS: {
        struct kafka_config_entry *e = NULL;
        int n = 0;
        rc = parse_describe_configs(&rd, &e, &n, err);
        if (rc == 0)
            kafka_config_entries_free(e, n);
        break;
    }
    case KAFKA_API_INCREMENTAL_ALTER_CONFIGS:
        rc = parse_alter_configs(&rd, err);
        break;
    case KAFKA_API_ALTER_REPLICA_LOG_DIRS:
        rc = parse_alter_log_dirs(&rd, err);
        break;
    default:
        return error_set(err, -ENOTSUP, "API %d is not decoded", api);
    }
    /* a Kafka error in a well-formed reply is an answer, not bad bytes */
    return rc == -EPROTO ? rc : 0;
}

/* ---- per-broker connections ---- */

struct kafka_admin {
    char *bootstrap;
    const struct kafka_opts *opts;
    struct kafka_opts own_opts;
    struct kafka_cluster_info info;
    struct kafka_conn **conns; /* parallel to info.brokers */
    struct kafka_conn *boot;   /* the bootstrap connection, while no broker one works */
    int last;                  /* index of the broker that last worked, -1 none */
};

static void drop_conns(struct kafka_admin *a)
{
    for (int i = 0; i < a->info.nbrokers; i++)
        kafka_conn_close(a->conns[i]);
    free(a->conns);
    a->conns = NULL;
}

static int learn(struct kafka_admin *a, struct kafka_conn *c, struct error *err)
{
    struct kafka_cluster_info info;
    int rc = kafka_describe_cluster(c, &info, err);
    if (rc < 0)
        return rc;
    /* keep the connections of brokers that are still there */
    struct kafka_conn **conns = xcalloc((size_t)(info.nbrokers ? info.nbrokers : 1), sizeof(*conns));
    for (int i = 0; i < info.nbrokers; i++)
        for (int k = 0; k < a->info.nbrokers; k++)
            if (a->conns && a->conns[k] && a->info.brokers[k].id == info.brokers[i].id &&
                a->info.brokers[k].port == info.brokers[i].port &&
                strcmp(a->info.brokers[k].host, info.brokers[i].host) == 0) {
                conns[i] = a->conns[k];
                a->conns[k] = NULL;
            }
    drop_conns(a);
    kafka_cluster_info_free(&a->info);
    a->info = info;
    a->conns = conns;
    a->last = -1;
    return 0;
}

int kafka_admin_open(const char *bootstrap, const struct kafka_opts *opts,
                     struct kafka_admin **ret, struct error *err)
{
    struct kafka_admin *a = xcalloc(1, sizeof(*a));
    a->bootstrap = xstrdup(bootstrap);
    a->opts = opts ? opts : &a->own_opts;
    a->last = -1;
    int rc = kafka_connect_bootstrap(bootstrap, a->opts, &a->boot, err);
    if (rc == 0)
        rc = learn(a, a->boot, err);
    if (rc < 0) {
        kafka_admin_close(a);
        return rc;
    }
    *ret = a;
    return 0;
}

void kafka_admin_close(struct kafka_admin *a)
{
    if (!a)
        return;
    drop_conns(a);
    kafka_cluster_info_free(&a->info);
    kafka_conn_close(a->boot);
    free(a->bootstrap);
    free(a);
}

const struct kafka_cluster_info *kafka_admin_cluster(const struct kafka_admin *a)
{
    return &a->info;
}

/* Closes *slot if a call on it failed, so that the next use reconnects: callers never have to
 * report failures. */
static void drop_if_broken(struct kafka_conn **slot)
{
    if (*slot && kafka_conn_broken(*slot)) {
        kafka_conn_close(*slot);
        *slot = NULL;
    }
}

static int open_index(struct kafka_admin *a, int i, struct error *err)
{
    drop_if_broken(&a->conns[i]);
    if (a->conns[i])
        return 0;
    return kafka_conn_open(a->info.brokers[i].host, a->info.brokers[i].port, a->opts,
                           &a->conns[i], err);
}

int kafka_admin_controller(struct kafka_admin *a, struct kafka_conn **ret, struct error *err)
{
    for (int i = 0; i < a->info.nbrokers && a->info.controller >= 0; i++)
        if (a->info.brokers[i].id == a->info.controller && open_index(a, i, err) == 0) {
            *ret = a->conns[i];
            return 0;
        }
    return kafka_admin_any(a, ret, err);
}

int kafka_admin_any(struct kafka_admin *a, struct kafka_conn **ret, struct error *err)
{
    if (a->last >= 0)
        drop_if_broken(&a->conns[a->last]);
    drop_if_broken(&a->boot);
    if (a->last >= 0 && a->conns[a->last]) {
        *ret = a->conns[a->last];
        return 0;
    }
    int rc = error_set(err, -ENOENT, "the cluster has no broker");
    for (int k = 0; k < a->info.nbrokers; k++) {
        int i = (a->last + 1 + k) % a->info.nbrokers;
        if ((rc = open_index(a, i, err)) == 0) {
            a->last = i;
            *ret = a->conns[i];
            return 0;
        }
    }
    /* every known broker failed: start again from the bootstrap list */
    kafka_conn_close(a->boot);
    a->boot = NULL;
    if (kafka_connect_bootstrap(a->bootstrap, a->opts, &a->boot, err) == 0) {
        *ret = a->boot;
        return 0;
    }
    return rc;
}

int kafka_admin_broker(struct kafka_admin *a, int32_t id, struct kafka_conn **ret,
                       struct error *err)
{
    for (int i = 0; i < a->info.nbrokers; i++) {
        if (a->info.brokers[i].id != id)
            continue;
        int rc = open_index(a, i, err);
        if (rc < 0) {
            error_prefix(err, "broker %d", id);
            return rc;
        }
        *ret = a->conns[i];
        return 0;
    }
    return error_set(err, -ENOENT, "broker %d is not in the cluster", id);
}

int kafka_admin_refresh(struct kafka_admin *a, struct error *err)
{
    struct kafka_conn *c = NULL;
    int rc = kafka_admin_any(a, &c, err);
    if (rc == 0)
        rc = learn(a, c, err);
    return rc;
}

bool kafka_retriable(int rc)
{
    return rc == -EAGAIN || rc == -ETIMEDOUT || rc == -ECONNRESET || rc == -ECONNREFUSED ||
           rc == -ENOTCONN ||
           rc == -EPIPE || rc == -EHOSTUNREACH || rc == -ENETUNREACH || rc == -ECONNABORTED;
}
