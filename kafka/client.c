/* Kafka admin wire client (connections over kafka/transport.c with SASL from kafka/sasl.c;
 * ApiVersions, Metadata, DescribeLogDirs, reassignments, elections) and the live snapshot;
 * see client.h. */
#include "kafka/client.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "common/alloc.h"
#include "common/file.h"
#include "common/map.h"
#include "kafka/errors.h"
#include "kafka/protocol.h"
#include "kafka/sasl.h"
#include "kafka/transport.h"
#include "kafka/wire.h"


struct kafka_conn {
    struct kafka_transport t;
    int32_t corr;
    bool broken; /* a call failed mid-stream: the connection is out of step, not to be reused */
    int record_seq; /* BALLAST_KAFKA_RECORD_DIR: replies recorded on this connection */
    int timeout_ms;
    char name[300];
    char client_id[128];
    int16_t min_v[KAFKA_API_KEYS_MAX], max_v[KAFKA_API_KEYS_MAX]; /* -1: not supported */
};

static int io_all(struct kafka_conn *c, void *buf, size_t n, bool reading, double deadline,
                  struct error *err)
{
    return kafka_transport_io(&c->t, buf, n, reading, deadline, err);
}

static int conn_call(struct kafka_conn *c, int16_t api_key, int16_t version, const uint8_t *body,
                    size_t body_len, bool flexible, uint8_t **ret_body, size_t *ret_len,
                    struct error *err)
{
    double deadline = clock_mono_ms() + c->timeout_ms;
    int32_t corr = ++c->corr;
    struct kafka_wr w;
    kafka_wr_init(&w);
    kafka_wr_i32(&w, 0); /* size, patched below */
    kafka_wr_i16(&w, api_key);
    kafka_wr_i16(&w, version);
    kafka_wr_i32(&w, corr);
    kafka_wr_classic_str(&w, c->client_id);
    /* Request header v2 for flexible requests (ApiVersions v3 is one), v1 otherwise. */
    bool flexible_req = flexible || (api_key == KAFKA_API_API_VERSIONS && version >= 3);
    if (flexible_req)
        kafka_wr_tags(&w);
    xgrow((void **)&w.p, &w.cap, w.len + body_len, 1);
    memcpy(w.p + w.len, body, body_len);
    w.len += body_len;
    uint32_t size = (uint32_t)(w.len - 4);
    w.p[0] = (uint8_t)(size >> 24);
    w.p[1] = (uint8_t)(size >> 16);
    w.p[2] = (uint8_t)(size >> 8);
    w.p[3] = (uint8_t)size;
    int rc = io_all(c, w.p, w.len, false, deadline, err);
    if (api_key == KAFKA_API_SASL_AUTHENTICATE) /* the frame holds a password or a proof */
        OPENSSL_cleanse(w.p, w.len);
    kafka_wr_finish(&w);
    if (rc < 0)
        return rc;
    uint8_t hdr[4];
    if ((rc = io_all(c, hdr, 4, true, deadline, err)) < 0)
        return rc;
    uint32_t n = ((uint32_t)hdr[0] << 24) | ((uint32_t)hdr[1] << 16) | ((uint32_t)hdr[2] << 8) | hdr[3];
    if (memcmp(hdr, "HTTP", 4) == 0)
        return error_set(err, -EPROTO, "an HTTP server answered at %s, not a Kafka broker "
                         "(is this the port of a web or metrics endpoint?)", c->name);
    if (n < 4 || n > KAFKA_MAX_FRAME)
        return error_set(err, -EPROTO, "%s: reply frame of %u bytes refused%s", c->name, n,
                         (hdr[0] == 0x15 || hdr[0] == 0x16) && hdr[1] == 3
                             ? " (it looks like TLS: is this an SSL or SASL_SSL listener?)" : "");
    uint8_t *buf = xmalloc(n);
    if ((rc = io_all(c, buf, n, true, deadline, err)) < 0) {
        free(buf);
        return rc;
    }
    struct kafka_rd r;
    kafka_rd_init(&r, buf, n);
    int32_t got = kafka_rd_i32(&r, "correlation id");
    /* The ApiVersions response always has header v0. */
    if (flexible && api_key != KAFKA_API_API_VERSIONS)
        kafka_rd_tags(&r, "response header");
    if (!kafka_rd_ok(&r) || got != corr) {
        free(buf);
        return error_set(err, -EPROTO, "%s: reply to request %d carries correlation id %d%s%s",
                         c->name, corr, got, r.failed ? ": " : "", r.err);
    }
    size_t off = r.off;
    memmove(buf, buf + off, n - off);
    *ret_body = buf;
    *ret_len = n - off;
    /* BALLAST_KAFKA_RECORD_DIR: keep every reply body, named by API and version, as a fuzzing
     * corpus of real responses (tests/data/kafka). */
    const char *rec = getenv("BALLAST_KAFKA_RECORD_DIR");
    if (rec && *rec) { /* the first free number: no counter shared between connections */
        for (int tries = 0; tries < 100000; tries++) {
            char path[4096];
            snprintf(path, sizeof(path), "%s/api%d-v%d-%03d.bin", rec, api_key, version,
                     ++c->record_seq);
            int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
            if (fd < 0 && errno == EEXIST)
                continue;
            if (fd >= 0) {
                file_write_fd(fd, buf, n - off);
                close(fd);
            }
            break;
        }
    }
    return 0;
}

int kafka_conn_call(struct kafka_conn *c, int16_t api_key, int16_t version, const uint8_t *body,
                    size_t body_len, bool flexible, uint8_t **ret_body, size_t *ret_len,
                    struct error *err)
{
    if (c->broken)
        return error_set(err, -ENOTCONN, "%s: the connection failed earlier", c->name);
    int rc = conn_call(c, api_key, version, body, body_len, flexible, ret_body, ret_len, err);
    if (rc < 0)
        c->broken = true;
    return rc;
}

bool kafka_conn_broken(const struct kafka_conn *c)
{
    return c->broken;
}

static int api_versions(struct kafka_conn *c, struct error *err)
{
    for (int i = 0; i < KAFKA_API_KEYS_MAX; i++)
        c->min_v[i] = c->max_v[i] = -1;
    for (int version = 3; version >= 0; version -= 3) {
        struct kafka_wr w;
        kafka_wr_init(&w);
        if (version == 3) {
            kafka_wr_compact_str(&w, "ballast");
            kafka_wr_compact_str(&w, BALLAST_VERSION);
            kafka_wr_tags(&w);
        }
        uint8_t *body;
        size_t len;
        int rc = kafka_conn_call(c, KAFKA_API_API_VERSIONS, (int16_t)version, w.p ? w.p : (uint8_t *)"",
                                 w.len, false, &body, &len, err);
        kafka_wr_finish(&w);
        if (rc < 0)
            return rc;
        struct kafka_rd r;
        kafka_rd_init(&r, body, len);
        int16_t ec = kafka_rd_i16(&r, "ApiVersions.ErrorCode");
        if (ec == 35 && version == 3) { /* UNSUPPORTED_VERSION: the reply is v0; retry v0 */
            free(body);
            continue;
        }
        if (ec != 0) {
            free(body);
            return kafka_error_set(err, ec, "%s: ApiVersions: %s (%d)", c->name,
                                   kafka_error_name(ec), ec);
        }
        int32_t n = version == 3 ? kafka_rd_array(&r, "ApiVersions.ApiKeys", 7)
                                 : kafka_rd_i32(&r, "ApiVersions.ApiKeys");
        for (int32_t i = 0; i < n && kafka_rd_ok(&r); i++) {
            int16_t key = kafka_rd_i16(&r, "ApiKey");
            int16_t lo = kafka_rd_i16(&r, "MinVersion"), hi = kafka_rd_i16(&r, "MaxVersion");
            if (version == 3)
                kafka_rd_tags(&r, "ApiKeys tags");
            if (key >= 0 && key < KAFKA_API_KEYS_MAX) {
                c->min_v[key] = lo;
                c->max_v[key] = hi;
            }
        }
        bool ok = kafka_rd_ok(&r);
        char msg[200];
        snprintf(msg, sizeof(msg), "%s", r.err);
        free(body);
        if (!ok)
            return error_set(err, -EPROTO, "%s: ApiVersions reply: %s", c->name, msg);
        return 0;
    }
    return error_set(err, -EPROTO, "%s: ApiVersions failed", c->name);
}

/* "v3..11", or "none" when the broker did not list the API. */
static void offered(const struct kafka_conn *c, int16_t api_key, char *buf, size_t size)
{
    if (api_key < 0 || api_key >= KAFKA_API_KEYS_MAX || c->max_v[api_key] < 0)
        snprintf(buf, size, "none");
    else
        snprintf(buf, size, "v%d..%d", c->min_v[api_key], c->max_v[api_key]);
}

int kafka_conn_unsupported(const struct kafka_conn *c, int16_t api_key, const char *what, int lo,
                           int hi, struct error *err)
{
    char range[32], want[32];
    offered(c, api_key, range, sizeof(range));
    if (lo == hi)
        snprintf(want, sizeof(want), "v%d", lo);
    else
        snprintf(want, sizeof(want), "v%d..%d", lo, hi);
    return error_set(err, -EPROTONOSUPPORT, "%s: %s %s is not supported by this broker (it offers "
                     "%s); Ballast needs Kafka 2.8 or later", c->name, what, want, range);
}

/* What Ballast uses, and the lowest version of each it can speak (the flexible ones, which
 * every Kafka from 2.8 has). Metadata v11 and DescribeCluster are new in 2.8: a broker without
 * them is older, and is refused when the connection opens, naming everything it lacks. */
static const struct {
    int16_t key;
    const char *name;
    int lo;
    bool marks_2_8;
} needed[] = {
    {KAFKA_API_METADATA, "Metadata", 11, true},
    {KAFKA_API_DESCRIBE_CLUSTER, "DescribeCluster", 0, true},
    {KAFKA_API_DESCRIBE_LOG_DIRS, "DescribeLogDirs", 2, false},
    {KAFKA_API_DESCRIBE_CONFIGS, "DescribeConfigs", 4, false},
    {KAFKA_API_INCREMENTAL_ALTER_CONFIGS, "IncrementalAlterConfigs", 1, false},
    {KAFKA_API_ALTER_PARTITION_REASSIGNMENTS, "AlterPartitionReassignments", 0, false},
    {KAFKA_API_LIST_PARTITION_REASSIGNMENTS, "ListPartitionReassignments", 0, false},
    {KAFKA_API_ELECT_LEADERS, "ElectLeaders", 2, false},
    {KAFKA_API_ALTER_REPLICA_LOG_DIRS, "AlterReplicaLogDirs", 2, false},
};

static int check_broker_version(const struct kafka_conn *c, struct error *err)
{
    bool old = false;
    char lacks[600] = "";
    size_t n = 0;
    for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
        if (c->max_v[needed[i].key] >= needed[i].lo)
            continue;
        old |= needed[i].marks_2_8;
        char range[32];
        offered(c, needed[i].key, range, sizeof(range));
        if (n < sizeof(lacks))
            n += (size_t)snprintf(lacks + n, sizeof(lacks) - n, "%s%s v%d+ (it offers %s)",
                                  n ? ", " : "", needed[i].name, needed[i].lo, range);
    }
    if (!old)
        return 0;
    return error_set(err, -EPROTONOSUPPORT, "%s: this broker is older than Kafka 2.8, which "
                     "Ballast needs at least; it lacks %s", c->name, lacks);
}

int kafka_conn_version(const struct kafka_conn *c, int16_t api_key, int lo, int hi)
{
    if (api_key < 0 || api_key >= KAFKA_API_KEYS_MAX || c->max_v[api_key] < 0)
        return -1;
    int v = c->max_v[api_key] < hi ? c->max_v[api_key] : hi;
    return v >= lo && v >= c->min_v[api_key] ? v : -1;
}

int kafka_conn_open(const char *host, int port, const struct kafka_opts *opts,
                    struct kafka_conn **ret, struct error *err)
{
    int timeout_ms = opts && opts->timeout_ms > 0 ? opts->timeout_ms : KAFKA_DEFAULT_TIMEOUT_MS;
    int connect_ms = opts && opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms
                     : timeout_ms < KAFKA_DEFAULT_CONNECT_TIMEOUT_MS
                         ? timeout_ms : KAFKA_DEFAULT_CONNECT_TIMEOUT_MS;
    const char *proto = opts && opts->security_protocol ? opts->security_protocol : "PLAINTEXT";
    bool tls = !strcmp(proto, "SSL") || !strcmp(proto, "SASL_SSL");
    bool sasl = !strcmp(proto, "SASL_PLAINTEXT") || !strcmp(proto, "SASL_SSL");
    struct kafka_conn *c = xcalloc(1, sizeof(*c));
    c->t.fd = -1;
    c->timeout_ms = connect_ms; /* every step of opening shares one deadline */
    snprintf(c->client_id, sizeof(c->client_id), "%s",
             opts && opts->client_id && *opts->client_id ? opts->client_id : "ballast");
    snprintf(c->name, sizeof(c->name), strchr(host, ':') ? "[%s]:%d" : "%s:%d", host, port);
    int rc = 0;
    if (!tls && !sasl && strcmp(proto, "PLAINTEXT") != 0)
        rc = error_set(err, -EINVAL, "%s: unknown security protocol '%s' (PLAINTEXT, SSL, "
                       "SASL_PLAINTEXT, SASL_SSL)", c->name, proto);
    if (rc == 0 && sasl)
        rc = kafka_sasl_check(c->name, opts, err);
    if (rc == 0)
        rc = kafka_transport_open(&c->t, host, port, tls, opts, clock_mono_ms() + connect_ms, err);
    if (rc == 0)
        rc = api_versions(c, err);
    if (rc == 0)
        rc = check_broker_version(c, err);
    if (rc == 0 && sasl)
        rc = kafka_sasl_authenticate(c, c->name, opts, err);
    if (rc == -ETIMEDOUT && err) {
        char was[ERROR_MSG_MAX];
        size_t skip = strlen(c->name);
        snprintf(was, sizeof(was), "%s",
                 strncmp(err->msg, c->name, skip) == 0 && err->msg[skip] == ':'
                     ? err->msg + skip + 2 : err->msg);
        error_set(err, rc, "%s: no answer within %d ms (kafka.connectTimeoutMs; %s): is it a "
                  "Kafka listener, and is the broker up?", c->name, connect_ms, was);
    }
    if (rc < 0) {
        kafka_conn_close(c);
        return rc;
    }
    c->timeout_ms = timeout_ms;
    c->broken = false;
    *ret = c;
    return 0;
}

void kafka_conn_close(struct kafka_conn *c)
{
    if (!c)
        return;
    kafka_transport_close(&c->t);
    free(c);
}

/* ---- Metadata ---- */

struct md_broker {
    int32_t id, port;
    char host[256];
    char rack[256];
    bool has_rack;
};

struct md_partition {
    int32_t id, leader;
    int32_t *replicas, nreplicas;
    int32_t *isr, nisr;
};

struct md_topic {
    bool error; /* the topic came back with an error code (e.g. being deleted): skipped */
    char name[256];
    struct md_partition *parts;
    int32_t nparts;
};

struct metadata {
    struct md_broker *brokers;
    int32_t nbrokers;
    struct md_topic *topics;
    int32_t ntopics;
    struct map topic_index; /* name -> index in topics, once they are sorted */
};

static void metadata_free(struct metadata *m)
{
    for (int32_t t = 0; t < m->ntopics; t++) {
        for (int32_t p = 0; p < m->topics[t].nparts; p++) {
            free(m->topics[t].parts[p].replicas);
            free(m->topics[t].parts[p].isr);
        }
        free(m->topics[t].parts);
    }
    free(m->topics);
    free(m->brokers);
    map_finish(&m->topic_index);
}

static int32_t *read_ids(struct kafka_rd *r, const char *field, int32_t *ret_n)
{
    int32_t n = kafka_rd_array(r, field, 4);
    if (n < 0)
        n = 0;
    int32_t *ids = xmalloc((size_t)(n ? n : 1) * sizeof(int32_t));
    for (int32_t i = 0; i < n; i++)
        ids[i] = kafka_rd_i32(r, field);
    *ret_n = n;
    return ids;
}

static int parse_metadata(const char *who, const uint8_t *body, size_t len, struct metadata *m,
                          struct error *err);

static int get_metadata(struct kafka_conn *c, struct metadata *m, struct error *err)
{
    memset(m, 0, sizeof(*m));
    /* v11 (Kafka 2.8, 3.0) and v12 have the same request and reply fields (v12 only allows
     * a null topic name, in requests by id, which Ballast does not send). */
    int v = kafka_conn_version(c, KAFKA_API_METADATA, 11, 12);
    if (v < 0)
        return kafka_conn_unsupported(c, KAFKA_API_METADATA, "Metadata", 11, 12, err);
    struct kafka_wr w;
    kafka_wr_init(&w);
    kafka_wr_null_array(&w); /* all topics */
    kafka_wr_i8(&w, 0);      /* AllowAutoTopicCreation */
    kafka_wr_i8(&w, 0);      /* IncludeTopicAuthorizedOperations */
    kafka_wr_tags(&w);
    uint8_t *body;
    size_t len;
    int rc = kafka_conn_call(c, KAFKA_API_METADATA, (int16_t)v, w.p, w.len, true, &body, &len, err);
    kafka_wr_finish(&w);
    if (rc < 0)
        return rc;
    rc = parse_metadata(c->name, body, len, m, err);
    free(body);
    return rc;
}

static int parse_metadata(const char *who, const uint8_t *body, size_t len, struct metadata *m,
                          struct error *err)
{
    int rc = 0;
    memset(m, 0, sizeof(*m));
    struct kafka_rd r;
    kafka_rd_init(&r, body, len);
    kafka_rd_i32(&r, "ThrottleTimeMs");
    int32_t nb = kafka_rd_array(&r, "Brokers", 10);
    if (nb < 0)
        nb = 0;
    m->brokers = xcalloc((size_t)(nb ? nb : 1), sizeof(*m->brokers));
    for (int32_t i = 0; i < nb && kafka_rd_ok(&r); i++) {
        struct md_broker *b = &m->brokers[m->nbrokers++];
        b->id = kafka_rd_i32(&r, "Brokers.NodeId");
        kafka_rd_compact_str(&r, "Brokers.Host", b->host, sizeof(b->host));
        b->port = kafka_rd_i32(&r, "Brokers.Port");
        b->has_rack = kafka_rd_compact_str(&r, "Brokers.Rack", b->rack, sizeof(b->rack));
        kafka_rd_tags(&r, "Brokers tags");
    }
    char cluster_id[256];
    kafka_rd_compact_str(&r, "ClusterId", cluster_id, sizeof(cluster_id));
    kafka_rd_i32(&r, "ControllerId");
    int32_t nt = kafka_rd_array(&r, "Topics", 24);
    if (nt < 0)
        nt = 0;
    m->topics = xcalloc((size_t)(nt ? nt : 1), sizeof(*m->topics));
    for (int32_t i = 0; i < nt && kafka_rd_ok(&r); i++) {
        struct md_topic *t = &m->topics[m->ntopics++];
        int16_t ec = kafka_rd_i16(&r, "Topics.ErrorCode");
        kafka_rd_compact_str(&r, "Topics.Name", t->name, sizeof(t->name));
        kafka_rd_skip(&r, 16, "Topics.TopicId");
        kafka_rd_i8(&r, "Topics.IsInternal");
        int32_t np = kafka_rd_array(&r, "Topics.Partitions", 23);
        if (np < 0)
            np = 0;
        t->parts = xcalloc((size_t)(np ? np : 1), sizeof(*t->parts));
        for (int32_t k = 0; k < np && kafka_rd_ok(&r); k++) {
            struct md_partition *p = &t->parts[t->nparts++];
            kafka_rd_i16(&r, "Partitions.ErrorCode");
            p->id = kafka_rd_i32(&r, "Partitions.PartitionIndex");
            p->leader = kafka_rd_i32(&r, "Partitions.LeaderId");
            kafka_rd_i32(&r, "Partitions.LeaderEpoch");
            p->replicas = read_ids(&r, "Partitions.ReplicaNodes", &p->nreplicas);
            p->isr = read_ids(&r, "Partitions.IsrNodes", &p->nisr);
            int32_t noff;
            free(read_ids(&r, "Partitions.OfflineReplicas", &noff));
            kafka_rd_tags(&r, "Partitions tags");
        }
        kafka_rd_i32(&r, "Topics.TopicAuthorizedOperations");
        kafka_rd_tags(&r, "Topics tags");
        t->error = ec != 0;
    }
    kafka_rd_tags(&r, "tags");
    bool ok = kafka_rd_ok(&r);
    if (!ok) {
        rc = error_set(err, -EPROTO, "%s: Metadata reply: %s", who, r.err);
        metadata_free(m);
        memset(m, 0, sizeof(*m));
    }
    return rc;
}

/* ---- DescribeLogDirs ---- */

struct ld_entry {
    const char *topic; /* points into the metadata */
    int32_t partition;
    int64_t size;
    int16_t dir;
};

struct ld_broker {
    char (*dirs)[512];
    int64_t *total;
    bool *offline;
    int16_t ndirs;
    struct ld_entry *e;
    size_t ne, cap;
};

static int ld_cmp(const void *a, const void *b)
{
    const struct ld_entry *x = a, *y = b;
    int c = strcmp(x->topic, y->topic);
    return c ? c : (x->partition > y->partition) - (x->partition < y->partition);
}

static int32_t topic_index(const struct metadata *m, const char *name)
{
    struct map_iter it;
    for (int32_t t = map_first(&m->topic_index, map_hash_str(name), &it); t >= 0;
         t = map_next(&m->topic_index, &it))
        if (strcmp(m->topics[t].name, name) == 0)
            return t;
    return -1;
}

static const char *intern_topic(const struct metadata *m, const char *name)
{
    int32_t t = topic_index(m, name);
    return t >= 0 ? m->topics[t].name : NULL;
}

static int parse_log_dirs(const char *who, const uint8_t *body, size_t len, int v,
                          const struct metadata *m, struct ld_broker *out, struct error *err);

static int describe_log_dirs(struct kafka_conn *c, const struct metadata *m, struct ld_broker *out,
                             struct error *err)
{
    memset(out, 0, sizeof(*out));
    int v = kafka_conn_version(c, KAFKA_API_DESCRIBE_LOG_DIRS, 2, 4);
    if (v < 0)
        return kafka_conn_unsupported(c, KAFKA_API_DESCRIBE_LOG_DIRS, "DescribeLogDirs", 2, 4, err);
    struct kafka_wr w;
    kafka_wr_init(&w);
    kafka_wr_null_array(&w); /* every topic */
    kafka_wr_tags(&w);
    uint8_t *body;
    size_t len;
    int rc = kafka_conn_call(c, KAFKA_API_DESCRIBE_LOG_DIRS, (int16_t)v, w.p, w.len, true, &body, &len,
                             err);
    kafka_wr_finish(&w);
    if (rc < 0)
        return rc;
    rc = parse_log_dirs(c->name, body, len, v, m, out, err);
    free(body);
    return rc;
}

static int parse_log_dirs(const char *who, const uint8_t *body, size_t len, int v,
                          const struct metadata *m, struct ld_broker *out, struct error *err)
{
    int rc = 0;
    memset(out, 0, sizeof(*out));
    struct kafka_rd r;
    kafka_rd_init(&r, body, len);
    kafka_rd_i32(&r, "ThrottleTimeMs");
    int16_t top_ec = v >= 3 ? kafka_rd_i16(&r, "ErrorCode") : 0;
    int32_t nd = kafka_rd_array(&r, "Results", 5);
    if (nd < 0)
        nd = 0;
    if (nd > KAFKA_MAX_LOG_DIRS) {
        rc = error_set(err, -ENOTSUP, "%s: DescribeLogDirs lists %d log dirs; Ballast handles "
                       "at most %d per broker", who, nd, KAFKA_MAX_LOG_DIRS);
        nd = 0;
    }
    out->dirs = xcalloc((size_t)(nd ? nd : 1), sizeof(*out->dirs));
    out->total = xcalloc((size_t)(nd ? nd : 1), sizeof(int64_t));
    out->offline = xcalloc((size_t)(nd ? nd : 1), sizeof(bool));
    for (int32_t d = 0; d < nd && kafka_rd_ok(&r); d++) {
        int16_t ec = kafka_rd_i16(&r, "Results.ErrorCode");
        kafka_rd_compact_str(&r, "Results.LogDir", out->dirs[d], sizeof(out->dirs[d]));
        out->offline[d] = ec != 0;
        int32_t nt = kafka_rd_array(&r, "Results.Topics", 3);
        for (int32_t t = 0; t < nt && kafka_rd_ok(&r); t++) {
            char name[256];
            kafka_rd_compact_str(&r, "Topics.Name", name, sizeof(name));
            const char *topic = intern_topic(m, name);
            int32_t np = kafka_rd_array(&r, "Topics.Partitions", 22);
            for (int32_t k = 0; k < np && kafka_rd_ok(&r); k++) {
                int32_t part = kafka_rd_i32(&r, "Partitions.PartitionIndex");
                int64_t size = kafka_rd_i64(&r, "Partitions.PartitionSize");
                kafka_rd_i64(&r, "Partitions.OffsetLag");
                int8_t future = kafka_rd_i8(&r, "Partitions.IsFutureKey");
                kafka_rd_tags(&r, "Partitions tags");
                if (!topic || future || size < 0)
                    continue; /* unknown topic, or the copy of an intra-broker move */
                xgrow((void **)&out->e, &out->cap, out->ne + 1, sizeof(*out->e));
                out->e[out->ne++] = (struct ld_entry){topic, part, size, (int16_t)d};
            }
            kafka_rd_tags(&r, "Topics tags");
        }
        if (v >= 4) {
            out->total[d] = kafka_rd_i64(&r, "Results.TotalBytes");
            kafka_rd_i64(&r, "Results.UsableBytes");
        }
        kafka_rd_tags(&r, "Results tags");
        out->ndirs++;
    }
    kafka_rd_tags(&r, "tags");
    if (rc < 0)
        return rc;
    if (!kafka_rd_ok(&r))
        rc = error_set(err, -EPROTO, "%s: DescribeLogDirs reply: %s", who, r.err);
    else if (top_ec != 0)
        rc = kafka_error_set(err, top_ec, "%s: DescribeLogDirs: %s (%d)", who,
                             kafka_error_name(top_ec), top_ec);
    if (rc == 0 && out->ne > 0)
        qsort(out->e, out->ne, sizeof(*out->e), ld_cmp);
    return rc;
}

static void ld_free(struct ld_broker *b)
{
    free(b->dirs);
    free(b->total);
    free(b->offline);
    free(b->e);
}

/* ---- the snapshot ---- */

static int md_broker_cmp(const void *a, const void *b)
{
    const struct md_broker *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

static int md_topic_cmp(const void *a, const void *b)
{
    return strcmp(((const struct md_topic *)a)->name, ((const struct md_topic *)b)->name);
}

static int md_part_cmp(const void *a, const void *b)
{
    const struct md_partition *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

static int add_rack_broker(struct model_cluster *c, int32_t id, const char *rack, const char *host,
                           int32_t *ret)
{
    char buf[300];
    if (!rack) {
        snprintf(buf, sizeof(buf), "no-rack-%d", id);
        rack = buf;
    }
    int32_t r = model_rack_find(c, rack);
    if (r < 0)
        r = model_rack_add(c, rack, model_zone_add(c, rack));
    return model_broker_add(c, id, r, host, ret);
}

/* One item of a bootstrap list, [p, e). */
static int parse_endpoint(const char *p, const char *e, int item, struct kafka_endpoint *out,
                          struct error *err)
{
    while (p < e && (*p == ' ' || *p == '\t'))
        p++;
    while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    int len = (int)(e - p);
    if (len == 0)
        return error_set(err, -EINVAL, "bootstrap item %d is empty", item);
    const char *host = p, *host_end, *colon;
    if (*p == '[') {
        host = p + 1;
        host_end = memchr(host, ']', (size_t)(e - host));
        if (!host_end || host_end + 1 >= e || host_end[1] != ':')
            return error_set(err, -EINVAL, "bootstrap item %d '%.*s': expected [address]:port",
                             item, len, p);
        colon = host_end + 1;
    } else {
        colon = NULL;
        for (const char *q = p; q < e; q++)
            if (*q == ':') {
                if (colon)
                    return error_set(err, -EINVAL, "bootstrap item %d '%.*s': an IPv6 address "
                                     "needs brackets: [address]:port", item, len, p);
                colon = q;
            }
        if (!colon)
            return error_set(err, -EINVAL, "bootstrap item %d '%.*s': expected host:port", item,
                             len, p);
        host_end = colon;
    }
    if (host_end == host)
        return error_set(err, -EINVAL, "bootstrap item %d '%.*s': the host is empty", item, len,
                         p);
    if ((size_t)(host_end - host) >= sizeof(out->host))
        return error_set(err, -EINVAL, "bootstrap item %d: the host is longer than %zu bytes",
                         item, sizeof(out->host) - 1);
    long port = 0;
    const char *d = colon + 1;
    bool ok = d < e && e - d <= 5;
    for (const char *q = d; ok && q < e; q++) {
        ok = *q >= '0' && *q <= '9';
        port = port * 10 + (*q - '0');
    }
    if (!ok || port < 1 || port > 65535)
        return error_set(err, -EINVAL, "bootstrap item %d '%.*s': the port '%.*s' is not a "
                         "number in 1..65535", item, len, p, (int)(e - d), d);
    memcpy(out->host, host, (size_t)(host_end - host));
    out->host[host_end - host] = '\0';
    out->port = (int)port;
    return 0;
}

int kafka_bootstrap_parse(const char *bootstrap, struct kafka_endpoint **ret, int *ret_n,
                          struct error *err)
{
    struct kafka_endpoint *out = NULL;
    size_t cap = 0;
    int n = 0, rc = 0;
    for (const char *p = bootstrap;; n++) {
        const char *e = strchr(p, ',');
        if (!e)
            e = p + strlen(p);
        xgrow((void **)&out, &cap, (size_t)n + 1, sizeof(*out));
        if ((rc = parse_endpoint(p, e, n + 1, &out[n], err)) < 0)
            break;
        if (!*e) {
            n++;
            break;
        }
        p = e + 1;
    }
    if (rc < 0) {
        free(out);
        return rc;
    }
    *ret = out;
    *ret_n = n;
    return 0;
}

int kafka_connect_bootstrap(const char *bootstrap, const struct kafka_opts *opts,
                            struct kafka_conn **ret, struct error *err)
{
    struct kafka_endpoint *ep = NULL;
    int n = 0;
    int rc = kafka_bootstrap_parse(bootstrap, &ep, &n, err);
    if (rc < 0)
        return rc;
    struct kafka_conn *c = NULL;
    for (int i = 0; i < n && !c; i++)
        rc = kafka_conn_open(ep[i].host, ep[i].port, opts, &c, err);
    free(ep);
    if (!c)
        return rc;
    *ret = c;
    return 0;
}

int kafka_snapshot(const char *bootstrap, const struct kafka_opts *opts,
                   struct model_cluster **ret, struct error *err)
{
    struct kafka_conn *c = NULL;
    int rc = kafka_connect_bootstrap(bootstrap, opts, &c, err);
    if (rc < 0)
        return rc;
    struct metadata m;
    rc = get_metadata(c, &m, err);
    kafka_conn_close(c);
    if (rc < 0)
        return rc;
    qsort(m.brokers, (size_t)m.nbrokers, sizeof(*m.brokers), md_broker_cmp);
    qsort(m.topics, (size_t)m.ntopics, sizeof(*m.topics), md_topic_cmp);
    map_reserve(&m.topic_index, (size_t)m.ntopics);
    for (int32_t t = 0; t < m.ntopics; t++)
        map_put(&m.topic_index, map_hash_str(m.topics[t].name), t);
    struct ld_broker *ld = xcalloc((size_t)(m.nbrokers ? m.nbrokers : 1), sizeof(*ld));
    for (int32_t i = 0; i < m.nbrokers && rc == 0; i++) {
        struct kafka_conn *bc = NULL;
        rc = kafka_conn_open(m.brokers[i].host, m.brokers[i].port, opts, &bc, err);
        if (rc == 0)
            rc = describe_log_dirs(bc, &m, &ld[i], err);
        kafka_conn_close(bc);
        if (rc < 0)
            error_prefix(err, "broker %d", m.brokers[i].id);
    }
    struct model_cluster *mc = rc == 0 ? model_cluster_create("live") : NULL;
    for (int32_t i = 0; i < m.nbrokers && rc == 0; i++) {
        int32_t b;
        const struct md_broker *mb = &m.brokers[i];
        rc = add_rack_broker(mc, mb->id, mb->has_rack ? mb->rack : NULL, mb->host, &b);
        if (rc < 0) {
            rc = error_set(err, -EPROTO, "metadata lists broker %d twice", mb->id);
            break;
        }
        /* log dirs sorted by path: stable local indices */
        int16_t *order = xmalloc((size_t)(ld[i].ndirs ? ld[i].ndirs : 1) * sizeof(int16_t));
        for (int16_t d = 0; d < ld[i].ndirs; d++)
            order[d] = d;
        for (int16_t x = 1; x < ld[i].ndirs; x++)
            for (int16_t y = x; y > 0 && strcmp(ld[i].dirs[order[y - 1]], ld[i].dirs[order[y]]) > 0; y--) {
                int16_t t = order[y];
                order[y] = order[y - 1];
                order[y - 1] = t;
            }
        double total = 0;
        bool all_known = ld[i].ndirs > 0;
        int16_t *local = xmalloc((size_t)(ld[i].ndirs ? ld[i].ndirs : 1) * sizeof(int16_t));
        for (int16_t k = 0; k < ld[i].ndirs; k++) {
            int16_t d = order[k];
            local[d] = model_disk_add(mc, b, ld[i].dirs[d], (double)ld[i].total[d]);
            mc->disks[mc->ndisks - 1].offline = ld[i].offline[d];
            total += (double)ld[i].total[d];
            all_known &= ld[i].total[d] > 0;
        }
        for (size_t e = 0; e < ld[i].ne; e++)
            ld[i].e[e].dir = local[ld[i].e[e].dir];
        free(order);
        free(local);
        if (all_known) {
            mc->brokers[b].capacity[RES_DISK] = total;
            mc->brokers[b].capacity_set |= 1u << RES_DISK;
        }
    }
    /* Replicas on brokers that metadata does not list: those brokers are down. */
    for (int32_t t = 0; t < m.ntopics && rc == 0; t++)
        for (int32_t p = 0; p < m.topics[t].nparts && !m.topics[t].error; p++)
            for (int32_t k = 0; k < m.topics[t].parts[p].nreplicas; k++) {
                int32_t id = m.topics[t].parts[p].replicas[k], b;
                if (model_broker_find(mc, id) >= 0)
                    continue;
                if (add_rack_broker(mc, id, NULL, NULL, &b) == 0)
                    mc->brokers[b].flags |= BROKER_DEAD;
            }
    for (int32_t t = 0; t < m.ntopics && rc == 0; t++) {
        struct md_topic *mt = &m.topics[t];
        if (mt->nparts == 0 || mt->error)
            continue;
        qsort(mt->parts, (size_t)mt->nparts, sizeof(*mt->parts), md_part_cmp);
        int32_t ti;
        if (model_topic_add(mc, mt->name, &ti) < 0) {
            rc = error_set(err, -EPROTO, "metadata lists topic '%s' twice", mt->name);
            break;
        }
        for (int32_t p = 0; p < mt->nparts && rc == 0; p++) {
            struct md_partition *mp = &mt->parts[p];
            int rf = mp->nreplicas;
            if (rf < 1 || rf > MODEL_MAX_RF) {
                rc = error_set(err, -ENOTSUP, "topic '%s' partition %d has %d replicas in the "
                               "metadata; Ballast models 1..%d", mt->name, mp->id, rf,
                               MODEL_MAX_RF);
                break;
            }
            int32_t bro[MODEL_MAX_RF];
            int16_t dirs[MODEL_MAX_RF];
            int64_t sizes[MODEL_MAX_RF];
            int leader = -1;
            for (int k = 0; k < rf; k++) {
                bro[k] = model_broker_find(mc, mp->replicas[k]);
                dirs[k] = -1;
                sizes[k] = 0;
                if (mp->replicas[k] == mp->leader)
                    leader = k;
                struct md_broker bkey = {.id = mp->replicas[k]};
                const struct md_broker *mb = bsearch(&bkey, m.brokers, (size_t)m.nbrokers,
                                                     sizeof(bkey), md_broker_cmp);
                if (!mb)
                    continue; /* a broker that is down: no log dirs */
                const struct ld_broker *lb = &ld[mb - m.brokers];
                struct ld_entry key = {mt->name, mp->id, 0, 0};
                struct ld_entry *hit = bsearch(&key, lb->e, lb->ne, sizeof(key), ld_cmp);
                if (hit) {
                    dirs[k] = hit->dir;
                    sizes[k] = hit->size;
                }
            }
            int32_t pi;
            struct error perr = {0};
            rc = model_partition_add(mc, ti, mp->id, rf, bro, dirs, sizes, leader, &perr, &pi);
            if (rc < 0) {
                rc = error_set(err, -EPROTO, "topic '%s' partition %d: %s", mt->name, mp->id,
                               perr.msg);
                break;
            }
            mc->partitions[pi].isr = 0;
            for (int32_t s = 0; s < mp->nisr; s++)
                for (int k = 0; k < rf; k++)
                    if (mp->replicas[k] == mp->isr[s])
                        mc->partitions[pi].isr |= 1u << k;
        }
    }
    if (rc == 0) {
        struct error ferr = {0};
        if (model_cluster_finalize(mc, &ferr) < 0)
            rc = error_set(err, -EPROTO, "%s", ferr.msg);
    }
    for (int32_t i = 0; i < m.nbrokers; i++)
        ld_free(&ld[i]);
    free(ld);
    metadata_free(&m);
    if (rc < 0) {
        model_cluster_destroy(mc);
        return rc;
    }
    *ret = mc;
    return 0;
}

/* ---- decoders on raw reply bodies (fuzzing, recorded replies) ---- */

int kafka_decode_metadata(const uint8_t *body, size_t len, int32_t *ret_brokers,
                          int32_t *ret_partitions, struct error *err)
{
    struct metadata m;
    int rc = parse_metadata("reply", body, len, &m, err);
    if (rc < 0)
        return rc;
    int32_t parts = 0;
    for (int32_t t = 0; t < m.ntopics; t++)
        parts += m.topics[t].nparts;
    *ret_brokers = m.nbrokers;
    *ret_partitions = parts;
    metadata_free(&m);
    return 0;
}

int kafka_decode_log_dirs(const uint8_t *body, size_t len, int version, int32_t *ret_dirs,
                          struct error *err)
{
    struct metadata none;
    memset(&none, 0, sizeof(none));
    struct ld_broker out;
    int rc = parse_log_dirs("reply", body, len, version, &none, &out, err);
    if (rc == 0)
        *ret_dirs = out.ndirs;
    ld_free(&out);
    return rc;
}
