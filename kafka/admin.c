/* Kafka admin requests for the executor and per-broker connections; see admin.h. */
#include "kafka/admin.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "kafka/wire.h"

enum {
    API_DESCRIBE_CONFIGS = 32,
    API_ALTER_REPLICA_LOG_DIRS = 34,
    API_INCREMENTAL_ALTER_CONFIGS = 44,
    API_DESCRIBE_CLUSTER = 60,
};

/* Kafka error codes a caller should retry after a pause. */
static bool code_retriable(int16_t ec)
{
    switch (ec) {
    case 5:  /* LEADER_NOT_AVAILABLE */
    case 6:  /* NOT_LEADER_OR_FOLLOWER */
    case 7:  /* REQUEST_TIMED_OUT */
    case 8:  /* BROKER_NOT_AVAILABLE */
    case 13: /* NETWORK_EXCEPTION */
    case 14: /* COORDINATOR_LOAD_IN_PROGRESS */
    case 15: /* COORDINATOR_NOT_AVAILABLE */
    case 19: /* NOT_ENOUGH_REPLICAS */
    case 41: /* NOT_CONTROLLER */
    case 56: /* KAFKA_STORAGE_ERROR */
    case 89: /* THROTTLING_QUOTA_EXCEEDED */
        return true;
    default:
        return false;
    }
}

/* The error for a Kafka error code: -EAGAIN when retriable, -EINVAL otherwise. */
static int code_error(struct error *err, int16_t ec, const char *msg, const char *what)
{
    return error_set(err, code_retriable(ec) ? -EAGAIN : -EINVAL, "%s: %s (%d)%s%s", what,
                     kafka_error_name(ec), ec, msg && *msg ? ": " : "", msg ? msg : "");
}

/* Sends w as api at the highest version in [lo, hi] (flexible versions only). */
static int call(struct kafka_conn *c, int16_t api, int lo, int hi, const char *what,
                struct kafka_wr *w, struct kafka_rd *rd, uint8_t **body, struct error *err)
{
    int v = kafka_conn_version(c, api, lo, hi);
    if (v < 0) {
        kafka_wr_finish(w);
        return error_set(err, -EPROTONOSUPPORT, "%s v%d..%d is not supported by the broker "
                         "(Kafka 2.8 or later is needed)", what, lo, hi);
    }
    size_t len;
    int rc = kafka_conn_call(c, api, (int16_t)v, w->p, w->len, true, body, &len, err);
    kafka_wr_finish(w);
    if (rc < 0)
        return rc;
    kafka_rd_init(rd, *body, len);
    return v;
}

/* ---- DescribeCluster ---- */

int kafka_describe_cluster(struct kafka_conn *c, struct kafka_cluster_info *info,
                           struct error *err)
{
    memset(info, 0, sizeof(*info));
    info->controller = -1;
    struct kafka_wr w;
    kafka_wr_init(&w);
    kafka_wr_i8(&w, 0); /* IncludeClusterAuthorizedOperations */
    int v = kafka_conn_version(c, API_DESCRIBE_CLUSTER, 0, 1);
    if (v >= 1)
        kafka_wr_i8(&w, 1); /* EndpointType: brokers */
    kafka_wr_tags(&w);
    struct kafka_rd rd;
    uint8_t *body = NULL;
    int rc = call(c, API_DESCRIBE_CLUSTER, v < 0 ? 0 : v, v < 0 ? 1 : v, "DescribeCluster", &w,
                  &rd, &body, err);
    if (rc < 0)
        return rc;
    kafka_rd_i32(&rd, "ThrottleTimeMs");
    int16_t ec = kafka_rd_i16(&rd, "ErrorCode");
    char msg[300];
    kafka_rd_compact_str(&rd, "ErrorMessage", msg, sizeof(msg));
    if (rc >= 1)
        kafka_rd_i8(&rd, "EndpointType");
    kafka_rd_compact_str(&rd, "ClusterId", info->cluster_id, sizeof(info->cluster_id));
    info->controller = kafka_rd_i32(&rd, "ControllerId");
    int32_t n = kafka_rd_array(&rd, "Brokers", 10);
    info->brokers = xcalloc((size_t)(n > 0 ? n : 1), sizeof(*info->brokers));
    for (int32_t i = 0; i < n && kafka_rd_ok(&rd); i++) {
        struct kafka_node *b = &info->brokers[info->nbrokers++];
        b->id = kafka_rd_i32(&rd, "Brokers.BrokerId");
        kafka_rd_compact_str(&rd, "Brokers.Host", b->host, sizeof(b->host));
        b->port = kafka_rd_i32(&rd, "Brokers.Port");
        kafka_rd_compact_str(&rd, "Brokers.Rack", b->rack, sizeof(b->rack));
        kafka_rd_tags(&rd, "Brokers tags");
    }
    kafka_rd_i32(&rd, "ClusterAuthorizedOperations");
    kafka_rd_tags(&rd, "tags");
    if (!kafka_rd_ok(&rd))
        rc = error_set(err, -EPROTO, "DescribeCluster reply: %s", rd.err);
    else if (ec != 0)
        rc = code_error(err, ec, msg, "DescribeCluster");
    else
        rc = 0;
    free(body);
    if (rc < 0)
        kafka_cluster_info_free(info);
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
    int rc = call(c, API_DESCRIBE_CONFIGS, 4, 4, "DescribeConfigs", &w, &rd, &body, err);
    if (rc < 0)
        return rc;
    rc = 0;
    struct kafka_config_entry *out = NULL;
    size_t cap = 0;
    int n = 0;
    int16_t first_ec = 0;
    char msg[300] = "", name[256] = "";
    kafka_rd_i32(&rd, "ThrottleTimeMs");
    int32_t nr = kafka_rd_array(&rd, "Results", 6);
    for (int32_t i = 0; i < nr && kafka_rd_ok(&rd); i++) {
        int16_t ec = kafka_rd_i16(&rd, "Results.ErrorCode");
        char m[300];
        kafka_rd_compact_str(&rd, "Results.ErrorMessage", m, sizeof(m));
        kafka_rd_i8(&rd, "Results.ResourceType");
        char rn[256];
        kafka_rd_compact_str(&rd, "Results.ResourceName", rn, sizeof(rn));
        if (ec != 0 && first_ec == 0) {
            first_ec = ec;
            snprintf(msg, sizeof(msg), "%s", m);
            snprintf(name, sizeof(name), "%s", rn);
        }
        int32_t nc = kafka_rd_array(&rd, "Configs", 7);
        for (int32_t k = 0; k < nc && kafka_rd_ok(&rd); k++) {
            xgrow((void **)&out, &cap, (size_t)n + 1, sizeof(*out));
            struct kafka_config_entry *e = &out[n++];
            memset(e, 0, sizeof(*e));
            e->name = kafka_rd_compact_strdup(&rd, "Configs.Name", 4096);
            e->value = kafka_rd_compact_strdup(&rd, "Configs.Value", KAFKA_MAX_CONFIG_VALUE);
            e->read_only = kafka_rd_i8(&rd, "Configs.ReadOnly") != 0;
            e->source = kafka_rd_i8(&rd, "Configs.ConfigSource");
            e->sensitive = kafka_rd_i8(&rd, "Configs.IsSensitive") != 0;
            int32_t ns = kafka_rd_array(&rd, "Configs.Synonyms", 4);
            for (int32_t s = 0; s < ns && kafka_rd_ok(&rd); s++) {
                free(kafka_rd_compact_strdup(&rd, "Synonyms.Name", 4096));
                free(kafka_rd_compact_strdup(&rd, "Synonyms.Value", KAFKA_MAX_CONFIG_VALUE));
                kafka_rd_i8(&rd, "Synonyms.Source");
                kafka_rd_tags(&rd, "Synonyms tags");
            }
            kafka_rd_i8(&rd, "Configs.ConfigType");
            free(kafka_rd_compact_strdup(&rd, "Configs.Documentation", KAFKA_MAX_CONFIG_VALUE));
            kafka_rd_tags(&rd, "Configs tags");
            if (!e->name && kafka_rd_ok(&rd))
                e->name = xstrdup("");
        }
        kafka_rd_tags(&rd, "Results tags");
    }
    kafka_rd_tags(&rd, "tags");
    if (!kafka_rd_ok(&rd))
        rc = error_set(err, -EPROTO, "DescribeConfigs reply: %s", rd.err);
    else if (first_ec != 0)
        rc = code_error(err, first_ec, msg, "DescribeConfigs");
    free(body);
    if (rc < 0) {
        kafka_config_entries_free(out, n);
        if (first_ec != 0 && rc != -EPROTO)
            error_prefix(err, "%s %s", type == KAFKA_RESOURCE_BROKER ? "broker" : "topic", name);
        return rc;
    }
    *ret = out;
    *ret_n = n;
    return 0;
}

/* ---- IncrementalAlterConfigs ---- */

static bool same_resource(const struct kafka_config_alter *a, const struct kafka_config_alter *b)
{
    return a->type == b->type && strcmp(a->resource, b->resource) == 0;
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
    for (int i = 0; i < n;) {
        int j = i;
        while (j < n && same_resource(&a[j], &a[i]))
            j++;
        kafka_wr_i8(&w, a[i].type);
        kafka_wr_compact_str(&w, a[i].resource);
        kafka_wr_uvarint(&w, (uint64_t)(j - i) + 1);
        for (int k = i; k < j; k++) {
            kafka_wr_compact_str(&w, a[k].name);
            kafka_wr_i8(&w, a[k].op);
            kafka_wr_compact_str(&w, a[k].op == KAFKA_CONFIG_DELETE ? NULL : a[k].value);
            kafka_wr_tags(&w);
        }
        kafka_wr_tags(&w);
        i = j;
    }
    kafka_wr_i8(&w, 0); /* ValidateOnly */
    kafka_wr_tags(&w);
    struct kafka_rd rd;
    uint8_t *body = NULL;
    int rc = call(c, API_INCREMENTAL_ALTER_CONFIGS, 1, 1, "IncrementalAlterConfigs", &w, &rd,
                  &body, err);
    if (rc < 0)
        return rc;
    rc = 0;
    kafka_rd_i32(&rd, "ThrottleTimeMs");
    int32_t nr = kafka_rd_array(&rd, "Responses", 6);
    int bad = 0;
    int16_t first_ec = 0;
    char first[600] = "";
    for (int32_t i = 0; i < nr && kafka_rd_ok(&rd); i++) {
        int16_t ec = kafka_rd_i16(&rd, "Responses.ErrorCode");
        char m[300], rn[256];
        bool has = kafka_rd_compact_str(&rd, "Responses.ErrorMessage", m, sizeof(m));
        int8_t type = kafka_rd_i8(&rd, "Responses.ResourceType");
        kafka_rd_compact_str(&rd, "Responses.ResourceName", rn, sizeof(rn));
        kafka_rd_tags(&rd, "Responses tags");
        if (ec == 0)
            continue;
        if (bad++ == 0) {
            first_ec = ec;
            snprintf(first, sizeof(first), "%s %s: %s (%d)%s%s",
                     type == KAFKA_RESOURCE_BROKER ? "broker" : "topic", rn, kafka_error_name(ec),
                     ec, has ? ": " : "", has ? m : "");
        }
    }
    kafka_rd_tags(&rd, "tags");
    if (!kafka_rd_ok(&rd))
        rc = error_set(err, -EPROTO, "IncrementalAlterConfigs reply: %s", rd.err);
    else if (bad)
        rc = error_set(err, code_retriable(first_ec) ? -EAGAIN : -EINVAL,
                       "IncrementalAlterConfigs: %s%s", first,
                       bad > 1 ? " (and more resources failed)" : "");
    free(body);
    return rc;
}

/* ---- AlterReplicaLogDirs ---- */

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
    for (int i = 0; i < n;) {
        int j = i;
        while (j < n && strcmp(m[j].dir, m[i].dir) == 0)
            j++;
        kafka_wr_compact_str(&w, m[i].dir);
        int ntopics = 0;
        for (int k = i; k < j; k++)
            ntopics += k == i || strcmp(m[k].topic, m[k - 1].topic) != 0;
        kafka_wr_uvarint(&w, (uint64_t)ntopics + 1);
        for (int k = i; k < j;) {
            int l = k;
            while (l < j && strcmp(m[l].topic, m[k].topic) == 0)
                l++;
            kafka_wr_compact_str(&w, m[k].topic);
            kafka_wr_uvarint(&w, (uint64_t)(l - k) + 1);
            for (int q = k; q < l; q++)
                kafka_wr_i32(&w, m[q].partition);
            kafka_wr_tags(&w);
            k = l;
        }
        kafka_wr_tags(&w);
        i = j;
    }
    kafka_wr_tags(&w);
    struct kafka_rd rd;
    uint8_t *body = NULL;
    int rc = call(c, API_ALTER_REPLICA_LOG_DIRS, 2, 2, "AlterReplicaLogDirs", &w, &rd, &body, err);
    if (rc < 0)
        return rc;
    rc = 0;
    kafka_rd_i32(&rd, "ThrottleTimeMs");
    int32_t nt = kafka_rd_array(&rd, "Results", 3);
    int bad = 0;
    int16_t first_ec = 0;
    char first[400] = "";
    for (int32_t t = 0; t < nt && kafka_rd_ok(&rd); t++) {
        char topic[256];
        kafka_rd_compact_str(&rd, "Results.TopicName", topic, sizeof(topic));
        int32_t np = kafka_rd_array(&rd, "Results.Partitions", 7);
        for (int32_t k = 0; k < np && kafka_rd_ok(&rd); k++) {
            int32_t part = kafka_rd_i32(&rd, "PartitionIndex");
            int16_t ec = kafka_rd_i16(&rd, "ErrorCode");
            kafka_rd_tags(&rd, "Partitions tags");
            if (ec != 0 && bad++ == 0) {
                first_ec = ec;
                snprintf(first, sizeof(first), "topic %s partition %d: %s (%d)", topic, part,
                         kafka_error_name(ec), ec);
            }
        }
        kafka_rd_tags(&rd, "Results tags");
    }
    kafka_rd_tags(&rd, "tags");
    if (!kafka_rd_ok(&rd))
        rc = error_set(err, -EPROTO, "AlterReplicaLogDirs reply: %s", rd.err);
    else if (bad)
        rc = error_set(err, code_retriable(first_ec) ? -EAGAIN : -EINVAL,
                       "AlterReplicaLogDirs: %s%s", first,
                       bad > 1 ? " (and more partitions failed)" : "");
    free(body);
    return rc;
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

static int open_index(struct kafka_admin *a, int i, struct error *err)
{
    if (a->conns[i])
        return 0;
    return kafka_conn_open(a->info.brokers[i].host, a->info.brokers[i].port, a->opts,
                           &a->conns[i], err);
}

int kafka_admin_any(struct kafka_admin *a, struct kafka_conn **ret, struct error *err)
{
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
    if (rc == 0 && (rc = learn(a, c, err)) < 0)
        kafka_admin_failed(a, c, rc);
    return rc;
}

static bool connection_failure(int rc)
{
    return rc < 0 && rc != -EINVAL && rc != -EAGAIN && rc != -ENOENT && rc != -EPROTONOSUPPORT;
}

void kafka_admin_failed(struct kafka_admin *a, struct kafka_conn *c, int rc)
{
    if (!c || !connection_failure(rc))
        return;
    for (int i = 0; i < a->info.nbrokers; i++)
        if (a->conns[i] == c) {
            kafka_conn_close(c);
            a->conns[i] = NULL;
            if (a->last == i)
                a->last = -1;
            return;
        }
    if (c == a->boot) {
        kafka_conn_close(c);
        a->boot = NULL;
    }
}

bool kafka_retriable(int rc)
{
    return rc == -EAGAIN || rc == -ETIMEDOUT || rc == -ECONNRESET || rc == -ECONNREFUSED ||
           rc == -EPIPE || rc == -EHOSTUNREACH || rc == -ENETUNREACH || rc == -ECONNABORTED;
}
