/* YAML configuration; see config.h and docs/configuration.md. */
#include "config/config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "common/alloc.h"
#include "common/map.h"
#include "common/file.h"
#include "model/snapshot.h"

#define MAX_LIST 4096

struct cp {
    const char *file;
    yaml_document_t *doc;
    struct error *err;
    struct config *cfg;
    size_t cap_ids, cap_per_broker; /* allocated entries of cfg->capacity's two arrays */
};

static int failn(struct cp *p, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void free_list(char **l);

static int failn(struct cp *p, const yaml_node_t *n, const char *fmt, ...)
{
    char msg[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (!n)
        return error_set(p->err, -EINVAL, "%s: %s", p->file, msg);
    return error_set(p->err, -EINVAL, "%s:%zu:%zu: %s", p->file, n->start_mark.line + 1,
                     n->start_mark.column + 1, msg);
}

static yaml_node_t *node(struct cp *p, int id)
{
    return yaml_document_get_node(p->doc, id);
}

static const char *scalar(const yaml_node_t *n)
{
    return n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int want_scalar(struct cp *p, const yaml_node_t *n, const char *key, const char **out)
{
    if (n->type != YAML_SCALAR_NODE)
        return failn(p, n, "'%s' must be a single value", key);
    *out = scalar(n);
    return 0;
}

static int get_string(struct cp *p, const yaml_node_t *n, const char *key, char **out)
{
    const char *s = NULL;
    int rc = want_scalar(p, n, key, &s);
    if (rc < 0)
        return rc;
    if (strlen(s) > 4096)
        return failn(p, n, "'%s' is longer than 4096 characters", key);
    free(*out);
    *out = xstrdup(s);
    return 0;
}

static int get_number(struct cp *p, const yaml_node_t *n, const char *key, double min,
                      double max, double *out)
{
    const char *s = NULL;
    int rc = want_scalar(p, n, key, &s);
    if (rc < 0)
        return rc;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(v))
        return failn(p, n, "'%s' must be a number, not '%s'", key, s);
    if (v < min || v > max)
        return failn(p, n, "'%s' = %s is out of range %.15g..%.15g", key, s, min, max);
    *out = v;
    return 0;
}

static int get_int32(struct cp *p, const yaml_node_t *n, const char *key, int32_t min,
                     int32_t max, int32_t *out)
{
    double v = 0;
    int rc = get_number(p, n, key, min, max, &v);
    if (rc < 0)
        return rc;
    if (v != floor(v))
        return failn(p, n, "'%s' must be a whole number", key);
    *out = (int32_t)v;
    return 0;
}

static int get_bool(struct cp *p, const yaml_node_t *n, const char *key, bool *out)
{
    const char *s = NULL;
    int rc = want_scalar(p, n, key, &s);
    if (rc < 0)
        return rc;
    if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "yes"))
        *out = true;
    else if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "no"))
        *out = false;
    else
        return failn(p, n, "'%s' must be true or false, not '%s'", key, s);
    return 0;
}

int config_parse_bytes(const char *s, bool rate, double *ret)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || !isfinite(v) || v < 0)
        return -EINVAL;
    while (*end == ' ')
        end++;
    static const struct {
        const char *suffix;
        double mult;
    } units[] = {{"", 1},          {"B", 1},          {"KB", 1e3},         {"MB", 1e6},
                 {"GB", 1e9},      {"TB", 1e12},      {"PB", 1e15},        {"KiB", 1024.0},
                 {"MiB", 1048576.0}, {"GiB", 1073741824.0}, {"TiB", 1099511627776.0},
                 {"PiB", 1125899906842624.0}};
    char unit[16];
    size_t n = strlen(end);
    if (n >= sizeof(unit))
        return -EINVAL;
    memcpy(unit, end, n + 1);
    if (rate && n >= 2 && strcmp(unit + n - 2, "/s") == 0)
        unit[n - 2] = '\0';
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (strcmp(unit, units[i].suffix) == 0) {
            *ret = v * units[i].mult;
            return 0;
        }
    return -EINVAL;
}

static int get_bytes(struct cp *p, const yaml_node_t *n, const char *key, bool rate, double *out)
{
    const char *s = NULL;
    int rc = want_scalar(p, n, key, &s);
    if (rc < 0)
        return rc;
    if (config_parse_bytes(s, rate, out) < 0)
        return failn(p, n, "'%s': '%s' is not a size (a number with an optional unit: B, KB, "
                           "MB, GB, TB, PB, KiB, MiB, GiB, TiB, PiB%s)",
                     key, s, rate ? ", optionally /s" : "");
    return 0;
}

static int get_regex(struct cp *p, const yaml_node_t *n, const char *key, char **out)
{
    int rc = get_string(p, n, key, out);
    if (rc < 0)
        return rc;
    regex_t re;
    int r = regcomp(&re, *out, REG_EXTENDED | REG_NOSUB);
    if (r != 0) {
        char msg[256];
        regerror(r, &re, msg, sizeof(msg));
        return failn(p, n, "'%s': bad regular expression '%s': %s", key, *out, msg);
    }
    regfree(&re);
    return 0;
}

static int get_list(struct cp *p, const yaml_node_t *n, const char *key, char ***out,
                    int32_t *ret_n)
{
    if (n->type != YAML_SEQUENCE_NODE)
        return failn(p, n, "'%s' must be a list", key);
    int32_t count = (int32_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (count > MAX_LIST)
        return failn(p, n, "'%s' has more than %d entries", key, MAX_LIST);
    char **list = xcalloc((size_t)count + 1, sizeof(char *));
    int32_t k = 0;
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++) {
        yaml_node_t *v = node(p, *it);
        if (v->type != YAML_SCALAR_NODE || !*scalar(v)) {
            for (int32_t j = 0; j < k; j++)
                free(list[j]);
            free(list);
            return failn(p, v, "'%s' entries must be names", key);
        }
        list[k++] = xstrdup(scalar(v));
    }
    if (*out) {
        for (char **q = *out; *q; q++)
            free(*q);
        free(*out);
    }
    *out = list;
    *ret_n = k;
    return 0;
}

/* Iterates a mapping, rejecting duplicate keys; calls fn(p, key, value node, ctx). */
typedef int (*pair_fn)(struct cp *p, const char *key, yaml_node_t *k, yaml_node_t *v, void *ctx);

static int each_pair(struct cp *p, const yaml_node_t *map, const char *what, pair_fn fn,
                     void *ctx)
{
    if (map->type != YAML_MAPPING_NODE)
        return failn(p, map, "%s must be a mapping of keys to values", what);
    yaml_node_pair_t *first = map->data.mapping.pairs.start;
    struct map seen; /* key -> pair index: duplicates found in linear time */
    map_init(&seen);
    int rc = 0;
    for (yaml_node_pair_t *pr = first; pr < map->data.mapping.pairs.top && rc == 0; pr++) {
        yaml_node_t *k = node(p, pr->key), *v = node(p, pr->value);
        if (k->type != YAML_SCALAR_NODE) {
            rc = failn(p, k, "keys in %s must be plain names", what);
            break;
        }
        uint64_t h = map_hash_str(scalar(k));
        struct map_iter it;
        for (int32_t q = map_first(&seen, h, &it); q >= 0 && rc == 0; q = map_next(&seen, &it))
            if (strcmp(scalar(node(p, first[q].key)), scalar(k)) == 0)
                rc = failn(p, k, "duplicate key '%s' in %s", scalar(k), what);
        if (rc == 0) {
            map_put(&seen, h, (int32_t)(pr - first));
            rc = fn(p, scalar(k), k, v, ctx);
        }
    }
    map_finish(&seen);
    return rc;
}

/* ---- sections ---- */

static int kafka_sasl(struct cp *p, const char *key, yaml_node_t *k, yaml_node_t *v, void *ctx)
{
    struct config_kafka *kf = &p->cfg->kafka;
    if (!strcmp(key, "mechanism")) {
        int rc = get_string(p, v, key, &kf->sasl_mechanism);
        if (rc == 0 && strcmp(kf->sasl_mechanism, "PLAIN") && strcmp(kf->sasl_mechanism, "SCRAM-SHA-256") &&
            strcmp(kf->sasl_mechanism, "SCRAM-SHA-512"))
            return failn(p, v, "unknown SASL mechanism '%s' (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)",
                         kf->sasl_mechanism);
        return rc;
    }
    if (!strcmp(key, "username"))
        return get_string(p, v, key, &kf->sasl_username);
    if (!strcmp(key, "password"))
        return get_string(p, v, key, &kf->sasl_password);
    if (!strcmp(key, "passwordFile")) {
        char *path = NULL;
        int rc = get_string(p, v, key, &path);
        if (rc < 0)
            return rc;
        char *buf = NULL;
        size_t n = 0;
        struct error ferr = {0};
        if ((rc = file_read(path, 4096, &buf, &n, &ferr)) < 0) {
            rc = failn(p, v, "passwordFile: %s", ferr.msg);
            free(path);
            return rc;
        }
        while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
            buf[--n] = '\0';
        free(kf->sasl_password);
        kf->sasl_password = buf;
        free(path);
        return 0;
    }
    return failn(p, k, "unknown key '%s' in kafka.security.sasl (mechanism, username, "
                 "password, passwordFile)", key);
}

static int kafka_ssl(struct cp *p, const char *key, yaml_node_t *k, yaml_node_t *v, void *ctx)
{
    struct config_kafka *kf = &p->cfg->kafka;
    if (!strcmp(key, "caFile"))
        return get_string(p, v, key, &kf->ssl_ca_file);
    if (!strcmp(key, "certFile"))
        return get_string(p, v, key, &kf->ssl_cert_file);
    if (!strcmp(key, "keyFile"))
        return get_string(p, v, key, &kf->ssl_key_file);
    if (!strcmp(key, "verifyHostname"))
        return get_bool(p, v, key, &kf->ssl_verify_hostname);
    return failn(p, k, "unknown key '%s' in kafka.security.ssl (caFile, certFile, keyFile, "
                 "verifyHostname)", key);
}

static int kafka_security(struct cp *p, const char *key, yaml_node_t *k, yaml_node_t *v,
                          void *ctx)
{
    struct config_kafka *kf = &p->cfg->kafka;
    if (!strcmp(key, "protocol")) {
        int rc = get_string(p, v, key, &kf->security_protocol);
        if (rc == 0 && strcmp(kf->security_protocol, "PLAINTEXT") &&
            strcmp(kf->security_protocol, "SSL") && strcmp(kf->security_protocol, "SASL_PLAINTEXT") &&
            strcmp(kf->security_protocol, "SASL_SSL"))
            return failn(p, v, "unknown security protocol '%s' (PLAINTEXT, SSL, SASL_PLAINTEXT, "
                               "SASL_SSL)", kf->security_protocol);
        return rc;
    }
    if (!strcmp(key, "sasl"))
        return each_pair(p, v, "kafka.security.sasl", kafka_sasl, NULL);
    if (!strcmp(key, "ssl"))
        return each_pair(p, v, "kafka.security.ssl", kafka_ssl, NULL);
    return failn(p, k, "unknown key '%s' in kafka.security (protocol, sasl, ssl)", key);
}

static int kafka_pair(struct cp *p, const char *key, yaml_node_t *k, yaml_node_t *v, void *ctx)
{
    struct config_kafka *kf = &p->cfg->kafka;
    if (!strcmp(key, "bootstrap"))
        return get_string(p, v, key, &kf->bootstrap);
    if (!strcmp(key, "clientId"))
        return get_string(p, v, key, &kf->client_id);
    if (!strcmp(key, "requestTimeoutMs"))
        return get_int32(p, v, key, 100, 3600000, &kf->request_timeout_ms);
    if (!strcmp(key, "connectTimeoutMs"))
        return get_int32(p, v, key, 100, 3600000, &kf->connect_timeout_ms);
    if (!strcmp(key, "security"))
        return each_pair(p, v, "kafka.security", kafka_security, NULL);
    return failn(p, k, "unknown key '%s' in kafka (bootstrap, clientId, requestTimeoutMs, "
                 "security)", key);
}

static int capacity_fields(struct cp *p, const char *key, yaml_node_t *k, yaml_node_t *v,
                           void *ctx)
{
    struct model_capacity *mc = ctx;
    int r = -1;
    bool rate = false;
    if (!strcmp(key, "cpu"))
        r = RES_CPU;
    else if (!strcmp(key, "disk") || !strcmp(key, "diskBytes"))
        r = RES_DISK;
    else if (!strcmp(key, "networkIn") || !strcmp(key, "nwInBytesPerSec"))
        r = RES_NW_IN, rate = true;
    else if (!strcmp(key, "networkOut") || !strcmp(key, "nwOutBytesPerSec"))
        r = RES_NW_OUT, rate = true;
    else if (!strcmp(key, "numCores"))
        return get_number(p, v, key, 1, 100000, &mc->num_cores);
    else
        return failn(p, k, "unknown key '%s' in a capacity (cpu, numCores, disk, networkIn, "
                           "networkOut)", key);
    int rc = r == RES_CPU ? get_number(p, v, key, 0, 1e9, &mc->v[r])
                          : get_bytes(p, v, key, rate, &mc->v[r]);
    if (rc < 0)
        return rc;
    if (mc->v[r] <= 0)
        return failn(p, v, "'%s' must be positive", key);
    mc->set[r] = true;
    return 0;
}

/* A mapping key that must be a broker id (section names the mapping in the message); at most
 * 100000 of them (*count so far). */
static int broker_id_key(struct cp *p, const yaml_node_t *k, const char *key,
                         const char *section, int32_t count, long *ret)
{
    long id = 0;
    bool digits = *key != '\0' && strlen(key) <= 10;
    for (const char *c = key; digits && *c; c++)
        digits = *c >= '0' && *c <= '9';
    if (digits)
        id = strtol(key, NULL, 10);
    if (!digits || id > INT32_MAX)
        return failn(p, k, "%s keys must be broker ids, not '%s'", section, key);
    if (key[0] == '0' && key[1]) /* "01" and "1" would name one broker two ways */
        return failn(p, k, "%s: broker id '%s' has a leading zero; write %ld", section, key, id);
    if (count >= 100000)
        return failn(p, k, "more than 100000 brokers in %s", section);
    *ret = id;
    return 0;
}

static int capacity_broker(struct cp *p, const char *key, yaml_node_t *k, yaml_node_t *v,
                           void *ctx)
{
    struct model_capacity_table *t = &p->cfg->capacity;
    long id = 0;
    int rc = broker_id_key(p, k, key, "capacity.brokers", t->n, &id);
    if (rc < 0)
        return rc;
    /* capacities of their own, for the tables filled here: amortised growth */
    xgrow((void **)&t->broker_ids, &p->cap_ids, (size_t)t->n + 1, sizeof(int32_t));
    xgrow((void **)&t->per_broker, &p->cap_per_broker, (size_t)t->n + 1, sizeof(*t->per_broker));
    memset(&t->per_broker[t->n], 0, sizeof(*t->per_broker));
    t->broker_ids[t->n] = (int32_t)id;
    t->n++;
    return each_pair(p, v, "a broker capacity", capacity_fields, &t->per_broker[t->n - 1]);
}

static int capacity_pair(struct cp *p, const char *key, yaml_node_t *k, yaml_node_t *v,
                         void *ctx)
{
    if (!strcmp(key, "default"))
        return each_pair(p, v, "capacity.default", capacity_fields, &p->cfg->capacity.dflt);
    if (!strcmp(key, "brokers"))
        return each_pair(p, v, "capacity.brokers", capacity_broker, NULL);
    return failn(p, k, "unknown key '%s' in capacity (default, brokers)", key);
}

static int zones_pair(struct cp *p, const char *key, yaml_node_t *k, yaml_node_t *v, void *ctx)
{
    struct config *cfg = p->cfg;
    if (v->type != YAML_SEQUENCE_NODE)
        return failn(p, v, "topology.zones.%s must be a list of racks", key);
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
         it++) {
        yaml_node_t *r = node(p, *it);
        if (r->type != YAML_SCALAR_NODE || !*scalar(r))
            return failn(p, r, "racks in topology.zones.%s must be names", key);
        for (int32_t i = 0; i < cfg->nzone_map; i++)
            if (!strcmp(cfg->zone_racks[i], scalar(r)))
                return failn(p, r, "rack '%s' is in two zones ('%s' and '%s')", scalar(r),
                             cfg->zone_names[i], key);
        if (cfg->nzone_map >= 100000)
            return failn(p, r, "more than 100000 racks in topology.zones");
        cfg->zone_racks = xrealloc(cfg->zone_racks, (size_t)(cfg->nzone_map + 1) * sizeof(char *));
        cfg->zone_names = xrealloc(cfg->zone_names, (size_t)(cfg->nzone_map + 1) * sizeof(char *));
        cfg->zone_racks[cfg->nzone_map] = xstrdup(scalar(r));
        cfg->zone_names[cfg->nzone_map] = xstrdup(key);
        cfg->nzone_map++;
    }
    return 0;
}

static int topology_pair(struct cp *p, const char *key, yaml_node_t *k, yaml_node_t *v,
                         void *ctx)
{
    if (!strcmp(key, "zoneSeparator")) {
        int rc = get_string(p, v, key, &p->cfg->zone_separator);
        if (rc == 0 && !*p->cfg->zone_separator)
            return failn(p, v, "zoneSeparator must not be empty");
        return rc;
    }
    if (!strcmp(key, "zones"))
        return each_pair(p, v, "topology.zones", zones_pair, NULL);
    return failn(p, k, "unknown key '%s' in topology (zones, zoneSeparator)", key);
}

/* Per-resource values: a single number for all four, or {cpu, disk, networkInbound, ...}. */
static int res_pair(struct cp *p, const char *key, yaml_node_t *k, yaml_node_t *v, void *ctx)
{
    double *arr = ctx;
    for (int r = 0; r < RES_COUNT; r++)
        if (!strcmp(key, model_res_names[r]))
            return get_number(p, v, key, 0, 1000, &arr[r]);
    return failn(p, k, "unknown resource '%s' (cpu, networkInbound, networkOutbound, disk)", key);
}

static int per_resource(struct cp *p, yaml_node_t *v, const char *key, double *arr, double min,
                        double max)
{
    if (v->type == YAML_SCALAR_NODE) {
        double x;
        int rc = get_number(p, v, key, min, max, &x);
        if (rc < 0)
            return rc;
        for (int r = 0; r < RES_COUNT; r++)
            arr[r] = x;
        return 0;
    }
    int rc = each_pair(p, v, key, res_pair, arr);
    if (rc < 0)
        return rc;
    for (int r = 0; r < RES_COUNT; r++)
        if (arr[r] < min || arr[r] > max)
            return failn(p, v, "'%s' values must lie in %.15g..%.15g", key, min, max);
    return 0;
}

/* Cruise Control's property names, accepted in thresholds too. */
static const struct {
    const char *name;
    int res;        /* resource, or -1 */
    int kind;       /* 0 balance, 1 capacity, 2 low utilization */
} cc_props[] = {
    {"cpu.balance.threshold", RES_CPU, 0},
    {"disk.balance.threshold", RES_DISK, 0},
    {"network.inbound.balance.threshold", RES_NW_IN, 0},
    {"network.outbound.balance.threshold", RES_NW_OUT, 0},
    {"cpu.capacity.threshold", RES_CPU, 1},
    {"disk.capacity.threshold", RES_DISK, 1},
    {"network.inbound.capacity.threshold", RES_NW_IN, 1},
    {"network.outbound.capacity.threshold", RES_NW_OUT, 1},
    {"cpu.low.utilization.threshold", RES_CPU, 2},
    {"disk.low.utilization.threshold", RES_DISK, 2},
    {"network.inbound.low.utilization.threshold", RES_NW_IN, 2},
    {"network.outbound.low.utilization.threshold", RES_NW_OUT, 2},
};

static int thresholds_pair(struct cp *p, const char *key, yaml_node_t *k, yaml_node_t *v,
                           void *ctx)
{
    struct config_thresholds *th = &p->cfg->thresholds;
    if (!strcmp(key, "balance"))
        return per_resource(p, v, key, th->balance, 1.0, 100.0);
    if (!strcmp(key, "capacity"))
        return per_resource(p, v, key, th->capacity, 0.01, 1.0);
    if (!strcmp(key, "lowUtilization"))
        return per_resource(p, v, key, th->low_utilization, 0.0, 1.0);
    if (!strcmp(key, "balanceMargin") || !strcmp(key, "goal.balancedness.margin"))
        return get_number(p, v, key, 0.0, 1.0, &th->balance_margin);
    if (!strcmp(key, "maxReplicasPerBroker") || !strcmp(key, "max.replicas.per.broker"))
        return get_int32(p, v, key, 1, INT32_MAX, &th->max_replicas_per_broker);
    if (!strcmp(key, "replicaCountBalance") || !strcmp(key, "replica.count.balance.threshold"))
        return get_number(p, v, key, 1.0, 100.0, &th->replica_balance);
    if (!strcmp(key, "leaderReplicaCountBalance") ||
        !strcmp(key, "leader.replica.count.balance.threshold"))
        return get_number(p, v, key, 1.0, 100.0, &th->leader_balance);
    if (!strcmp(key, "topicReplicaCountBalance") ||
        !strcmp(key, "topic.replica.count.balance.threshold"))
        return get_number(p, v, key, 1.0, 100.0, &th->topic_replica_balance);
    if (!strcmp(key, "nwOutReplication")) {
        bool on = false;
        int rc = get_bool(p, v, key, &on);
        th->nw_out_replication = (int8_t)on;
        return rc;
    }
    if (!strcmp(key, "minTopicLeadersPerBroker") || !strcmp(key, "min.topic.leaders.per.broker"))
        return get_int32(p, v, key, 0, 100000, &th->min_topic_leaders);
    for (size_t i = 0; i < sizeof(cc_props) / sizeof(cc_props[0]); i++)
        if (!strcmp(key, cc_props[i].name)) {
            double *arr = cc_props[i].kind == 0   ? th->balance
                          : cc_props[i].kind == 1 ? th->capacity
                                                  : th->low_utilization;
            double lo = cc_props[i].kind == 0 ? 1.0 : 0.0, hi = cc_props[i].kind == 0 ? 100 : 1;
            return get_number(p, v, key, lo, hi, &arr[cc_props[i].res]);
        }
    return failn(p, k, "unknown key '%s' in thresholds (balance, capacity, lowUtilization, "
                 "balanceMargin, maxReplicasPerBroker, replicaCountBalance, "
                 "leaderReplicaCountBalance, topicReplicaCountBalance, "
                 "minTopicLeadersPerBroker, or Cruise Control's property names)", key);
}

static int executor_pair(struct cp *p, const char *key, yaml_node_t *k, yaml_node_t *v,
                         void *ctx)
{
    struct config_executor *e = &p->cfg->executor;
    if (!strcmp(key, "concurrentPartitionMovementsPerBroker"))
        return get_int32(p, v, key, 1, 100000, &e->concurrent_partition_movements_per_broker);
    if (!strcmp(key, "concurrentIntraBrokerPartitionMovements"))
        return get_int32(p, v, key, 1, 100000, &e->concurrent_intra_broker_partition_movements);
    if (!strcmp(key, "concurrentLeaderMovements"))
        return get_int32(p, v, key, 1, 1000000, &e->concurrent_leader_movements);
    if (!strcmp(key, "maxClusterPartitionMovements"))
        return get_int32(p, v, key, 1, 10000000, &e->max_cluster_partition_movements);
    if (!strcmp(key, "replicationThrottle"))
        return get_bytes(p, v, key, true, &e->replication_throttle);
    if (!strcmp(key, "stateDir"))
        return get_string(p, v, key, &e->state_dir);
    if (!strcmp(key, "taskTimeoutMs")) {
        double d;
        int rc = get_number(p, v, key, 0, 1e12, &d);
        e->task_timeout_ms = (int64_t)d;
        return rc;
    }
    if (!strcmp(key, "taskTimeoutFloorMs")) {
        double d;
        int rc = get_number(p, v, key, 1000, 1e12, &d);
        e->task_timeout_floor_ms = (int64_t)d;
        return rc;
    }
    if (!strcmp(key, "logDirThrottle"))
        return get_bytes(p, v, key, true, &e->log_dir_throttle);
    if (!strcmp(key, "replicaMovementStrategies"))
        return get_string(p, v, key, &e->strategies);
    if (!strcmp(key, "foreignReassignments")) {
        int rc = get_string(p, v, key, &e->foreign);
        if (rc == 0 && strcmp(e->foreign, "skip") && strcmp(e->foreign, "wait") &&
            strcmp(e->foreign, "cancel"))
            return failn(p, v, "executor.foreignReassignments must be skip, wait or cancel, not "
                         "'%s'", e->foreign);
        return rc;
    }
    if (!strcmp(key, "pollIntervalMs"))
        return get_int32(p, v, key, 50, 3600000, &e->poll_interval_ms);
    return failn(p, k, "unknown key '%s' in executor (concurrentPartitionMovementsPerBroker, "
                 "concurrentIntraBrokerPartitionMovements, concurrentLeaderMovements, "
                 "maxClusterPartitionMovements, replicationThrottle, logDirThrottle, "
                 "stateDir, taskTimeoutMs, taskTimeoutFloorMs, replicaMovementStrategies, "
                 "foreignReassignments, pollIntervalMs)", key);
}

static int api_pair(struct cp *p, const char *key, yaml_node_t *k, yaml_node_t *v, void *ctx)
{
    if (!strcmp(key, "listen"))
        return get_string(p, v, key, &p->cfg->api.listen);
    struct config_api *a = &p->cfg->api;
    if (!strcmp(key, "port"))
        return get_int32(p, v, key, 1, 65535, &a->port);
    if (!strcmp(key, "credentialsFile"))
        return get_string(p, v, key, &a->credentials_file);
    if (!strcmp(key, "tlsCertFile"))
        return get_string(p, v, key, &a->tls_cert_file);
    if (!strcmp(key, "tlsKeyFile"))
        return get_string(p, v, key, &a->tls_key_file);
    if (!strcmp(key, "maxConnections"))
        return get_int32(p, v, key, 1, 100000, &a->max_connections);
    if (!strcmp(key, "maxBodyBytes"))
        return get_int32(p, v, key, 1024, 64 * 1024 * 1024, &a->max_body_bytes);
    if (!strcmp(key, "maxParameters"))
        return get_int32(p, v, key, 1, 10000, &a->max_params);
    if (!strcmp(key, "maxActiveTasks"))
        return get_int32(p, v, key, 1, 1000, &a->max_active_tasks);
    if (!strcmp(key, "taskRetentionMs")) {
        double d = 0;
        int rc = get_number(p, v, key, 0, 3650.0 * 86400000, &d);
        a->task_retention_ms = (int64_t)d;
        return rc;
    }
    if (!strcmp(key, "blockMs"))
        return get_int32(p, v, key, 0, 600000, &a->block_ms);
    if (!strcmp(key, "refreshIntervalMs"))
        return get_int32(p, v, key, 100, 86400000, &a->refresh_interval_ms);
    if (!strcmp(key, "planners"))
        return get_int32(p, v, key, 1, 64, &a->planners);
    if (!strcmp(key, "httpThreads"))
        return get_int32(p, v, key, 1, 64, &a->http_threads);
    if (!strcmp(key, "interruptedExecution")) {
        char *s = NULL;
        int rc = get_string(p, v, key, &s);
        if (rc == 0 && strcmp(s, "finish") && strcmp(s, "cancel"))
            rc = failn(p, v, "api.interruptedExecution must be finish or cancel, not '%s'", s);
        if (rc == 0)
            a->resume_cancel = strcmp(s, "cancel") == 0;
        free(s);
        return rc;
    }
    return failn(p, k, "unknown key '%s' in api (listen, port, credentialsFile, tlsCertFile, "
                 "tlsKeyFile, maxConnections, maxBodyBytes, maxParameters, maxActiveTasks, "
                 "taskRetentionMs, blockMs, refreshIntervalMs, planners, "
                 "httpThreads, interruptedExecution)", key);
}

static int get_url(struct cp *p, const yaml_node_t *n, const char *key, char **out)
{
    int rc = get_string(p, n, key, out);
    if (rc == 0 && strncmp(*out, "http://", 7) != 0 && strncmp(*out, "https://", 8) != 0)
        return failn(p, n, "'%s' must be an http:// or https:// URL, not '%s'", key, *out);
    return rc;
}

static int monitor_endpoint(struct cp *p, const char *key, yaml_node_t *k, yaml_node_t *v,
                            void *ctx)
{
    struct mon_settings *m = &p->cfg->monitor;
    long id = 0;
    int rc = broker_id_key(p, k, key, "monitor.endpoints", m->nendpoints, &id);
    if (rc < 0)
        return rc;
    m->endpoint_ids = xrealloc(m->endpoint_ids, (size_t)(m->nendpoints + 1) * sizeof(int32_t));
    m->endpoint_urls = xrealloc(m->endpoint_urls, (size_t)(m->nendpoints + 1) * sizeof(char *));
    m->endpoint_ids[m->nendpoints] = (int32_t)id;
    m->endpoint_urls[m->nendpoints] = NULL;
    m->nendpoints++;
    return get_url(p, v, key, &m->endpoint_urls[m->nendpoints - 1]);
}

static int monitor_weight(struct cp *p, const char *key, yaml_node_t *k, yaml_node_t *v,
                          void *ctx)
{
    static const char *const names[] = {"leaderBytesIn", "leaderBytesOut", "followerBytesIn"};
    for (int i = 0; i < 3; i++)
        if (!strcmp(key, names[i]))
            return get_number(p, v, key, 0, 1, &p->cfg->monitor.cpu_weights[i]);
    return failn(p, k, "unknown key '%s' in monitor.cpuWeights (leaderBytesIn, leaderBytesOut, "
                       "followerBytesIn)", key);
}

static int prom_query(struct cp *p, const char *key, yaml_node_t *k, yaml_node_t *v, void *ctx)
{
    for (int i = 0; i < MON_PROM_NQUERIES; i++)
        if (!strcmp(key, mon_prom_query_keys[i])) {
            int rc = get_string(p, v, key, &p->cfg->monitor.prometheus.queries[i]);
            if (rc == 0 && i == MON_PROM_BROKER_IN && !p->cfg->monitor.prometheus.queries[i][0])
                return failn(p, v, "'brokerBytesIn' must not be empty");
            return rc;
        }
    return failn(p, k, "unknown key '%s' in monitor.prometheus.queries (brokerBytesIn, "
                       "brokerBytesOut, brokerReplicationBytesIn, topicBytesIn, topicBytesOut, "
                       "cpu, partitionSizeGrowth)", key);
}

static int prom_instance(struct cp *p, const char *key, yaml_node_t *k, yaml_node_t *v,
                         void *ctx)
{
    struct mon_prometheus_settings *pr = &p->cfg->monitor.prometheus;
    long id = 0;
    int rc = broker_id_key(p, k, key, "monitor.prometheus.instances", pr->ninstances, &id);
    if (rc < 0)
        return rc;
    pr->instance_ids = xrealloc(pr->instance_ids, (size_t)(pr->ninstances + 1) * sizeof(int32_t));
    pr->instance_values = xrealloc(pr->instance_values,
                                   (size_t)(pr->ninstances + 1) * sizeof(char *));
    pr->instance_ids[pr->ninstances] = (int32_t)id;
    pr->instance_values[pr->ninstances] = NULL;
    pr->ninstances++;
    return get_string(p, v, key, &pr->instance_values[pr->ninstances - 1]);
}

static int get_ms64(struct cp *p, const yaml_node_t *v, const char *key, int32_t min,
                    int32_t max, int64_t *out)
{
    int32_t ms;
    int rc = get_int32(p, v, key, min, max, &ms);
    if (rc == 0)
        *out = ms;
    return rc;
}

static int prom_pair(struct cp *p, const char *key, yaml_node_t *k, yaml_node_t *v, void *ctx)
{
    struct mon_prometheus_settings *pr = &p->cfg->monitor.prometheus;
    if (!strcmp(key, "url"))
        return get_url(p, v, key, &pr->url);
    if (!strcmp(key, "queries"))
        return each_pair(p, v, "monitor.prometheus.queries", prom_query, NULL);
    if (!strcmp(key, "brokerLabel")) {
        int rc = get_string(p, v, key, &pr->broker_label);
        if (rc == 0 && !pr->broker_label[0])
            return failn(p, v, "'brokerLabel' must not be empty");
        return rc;
    }
    if (!strcmp(key, "instances"))
        return each_pair(p, v, "monitor.prometheus.instances", prom_instance, NULL);
    if (!strcmp(key, "stepMs"))
        return get_ms64(p, v, key, 1000, 86400000, &pr->step_ms);
    if (!strcmp(key, "lookbackMs"))
        return get_ms64(p, v, key, 1000, 864000000, &pr->lookback_ms);
    return failn(p, k, "unknown key '%s' in monitor.prometheus (url, queries, brokerLabel, "
                       "instances, stepMs, lookbackMs)", key);
}

static int cc_metrics_pair(struct cp *p, const char *key, yaml_node_t *k, yaml_node_t *v,
                           void *ctx)
{
    struct mon_ccmetrics_settings *cm = &p->cfg->monitor.cc_metrics;
    if (!strcmp(key, "topic")) {
        int rc = get_string(p, v, key, &cm->topic);
        if (rc == 0 && (!cm->topic[0] || strlen(cm->topic) > 249))
            return failn(p, v, "'topic' must be a topic name (1..249 characters)");
        return rc;
    }
    if (!strcmp(key, "bootstrap"))
        return get_string(p, v, key, &cm->bootstrap);
    if (!strcmp(key, "lookbackMs"))
        return get_ms64(p, v, key, 1000, 864000000, &cm->lookback_ms);
    return failn(p, k, "unknown key '%s' in monitor.cruiseControlMetrics (topic, bootstrap, "
                       "lookbackMs)", key);
}

static int metric_name(struct cp *p, const char *key, yaml_node_t *k, yaml_node_t *v, void *ctx)
{
    struct mon_metric_name_settings *n = &p->cfg->monitor.names;
    static const char *const keys[] = {"bytesIn", "bytesOut", "replicationBytesIn",
                                       "replicationBytesOut", "logSize", "cpuSeconds",
                                       "topicLabel", "partitionLabel"};
    char **fields[] = {&n->bytes_in, &n->bytes_out, &n->repl_bytes_in, &n->repl_bytes_out,
                       &n->log_size, &n->cpu_seconds, &n->topic_label, &n->partition_label};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (!strcmp(key, keys[i])) {
            int rc = get_string(p, v, key, fields[i]);
            if (rc < 0)
                return rc;
            const char *s = *fields[i];
            bool ok = *s && !(*s >= '0' && *s <= '9');
            for (; *s && ok; s++)
                ok = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                     (*s >= '0' && *s <= '9') || *s == '_' || (*s == ':' && i < 6);
            if (!ok)
                return failn(p, v, "'%s' must be a Prometheus %s name, not '%s'", key,
                             i < 6 ? "metric" : "label", *fields[i]);
            return 0;
        }
    return failn(p, k, "unknown key '%s' in monitor.metricNames (bytesIn, bytesOut, "
                       "replicationBytesIn, replicationBytesOut, logSize, cpuSeconds, topicLabel, "
                       "partitionLabel)", key);
}

static int monitor_pair(struct cp *p, const char *key, yaml_node_t *k, yaml_node_t *v, void *ctx)
{
    struct mon_settings *m = &p->cfg->monitor;
    if (!strcmp(key, "sampler")) {
        const char *s = NULL;
        int rc = want_scalar(p, v, key, &s);
        if (rc < 0)
            return rc;
        if (!strcmp(s, "none"))
            m->sampler = MON_SAMPLER_NONE;
        else if (!strcmp(s, "jmxExporter"))
            m->sampler = MON_SAMPLER_JMX_EXPORTER;
        else if (!strcmp(s, "prometheus"))
            m->sampler = MON_SAMPLER_PROMETHEUS;
        else if (!strcmp(s, "cruiseControlMetrics"))
            m->sampler = MON_SAMPLER_CC_METRICS;
        else
            return failn(p, v, "unknown sampler '%s' (none, jmxExporter, prometheus, "
                               "cruiseControlMetrics)", s);
        return 0;
    }
    if (!strcmp(key, "intervalMs"))
        return get_int32(p, v, key, 100, 3600000, &m->interval_ms);
    if (!strcmp(key, "scrapes"))
        return get_int32(p, v, key, 1, 100000, &m->scrapes);
    if (!strcmp(key, "windowMs")) {
        int32_t w;
        int rc = get_int32(p, v, key, 1000, 86400000, &w);
        m->window_ms = w;
        return rc;
    }
    if (!strcmp(key, "numWindows"))
        return get_int32(p, v, key, 1, 1000, &m->num_windows);
    if (!strcmp(key, "minSamplesPerWindow"))
        return get_int32(p, v, key, 1, 1000000, &m->min_samples);
    if (!strcmp(key, "timeoutMs"))
        return get_int32(p, v, key, 100, 600000, &m->timeout_ms);
    if (!strcmp(key, "maxBodyBytes")) {
        int rc = get_bytes(p, v, key, false, &m->max_body);
        if (rc == 0 && (m->max_body < 1024 || m->max_body > 1073741824.0))
            return failn(p, v, "'maxBodyBytes' must lie in 1KiB..1GiB");
        return rc;
    }
    if (!strcmp(key, "endpoints"))
        return each_pair(p, v, "monitor.endpoints", monitor_endpoint, NULL);
    if (!strcmp(key, "endpointTemplate")) {
        int rc = get_url(p, v, key, &m->endpoint_template);
        if (rc == 0 && !strstr(m->endpoint_template, "{host}") &&
            !strstr(m->endpoint_template, "{id}"))
            return failn(p, v, "'endpointTemplate' must contain {host} or {id}");
        return rc;
    }
    if (!strcmp(key, "cpuWeights")) {
        int rc = each_pair(p, v, "monitor.cpuWeights", monitor_weight, NULL);
        if (rc == 0 && m->cpu_weights[0] + m->cpu_weights[1] + m->cpu_weights[2] <= 0)
            return failn(p, v, "monitor.cpuWeights must not all be 0");
        return rc;
    }
    if (!strcmp(key, "metricNames"))
        return each_pair(p, v, "monitor.metricNames", metric_name, NULL);
    if (!strcmp(key, "prometheus"))
        return each_pair(p, v, "monitor.prometheus", prom_pair, NULL);
    if (!strcmp(key, "cruiseControlMetrics"))
        return each_pair(p, v, "monitor.cruiseControlMetrics", cc_metrics_pair, NULL);
    return failn(p, k, "unknown key '%s' in monitor (sampler, intervalMs, scrapes, windowMs, "
                       "numWindows, minSamplesPerWindow, timeoutMs, maxBodyBytes, endpoints, "
                       "endpointTemplate, cpuWeights, metricNames, prometheus, "
                       "cruiseControlMetrics)", key);
}

static int top_pair(struct cp *p, const char *key, yaml_node_t *k, yaml_node_t *v, void *ctx)
{
    struct config *cfg = p->cfg;
    if (!strcmp(key, "kafka"))
        return each_pair(p, v, "kafka", kafka_pair, NULL);
    if (!strcmp(key, "capacity"))
        return each_pair(p, v, "capacity", capacity_pair, NULL);
    if (!strcmp(key, "topology"))
        return each_pair(p, v, "topology", topology_pair, NULL);
    if (!strcmp(key, "goals")) {
        int rc = get_list(p, v, key, &cfg->goals, &cfg->ngoals);
        if (rc < 0)
            return rc;
        /* where each goal is written, for the caller's "unknown goal" message */
        free_list(cfg->goal_places);
        cfg->goal_places = xcalloc((size_t)cfg->ngoals + 1, sizeof(char *));
        for (int32_t i = 0; i < cfg->ngoals; i++) {
            const yaml_node_t *item = node(p, v->data.sequence.items.start[i]);
            cfg->goal_places[i] = xasprintf("%s:%zu:%zu", p->file, item->start_mark.line + 1,
                                            item->start_mark.column + 1);
        }
        return 0;
    }
    if (!strcmp(key, "thresholds"))
        return each_pair(p, v, "thresholds", thresholds_pair, NULL);
    if (!strcmp(key, "excludedTopics"))
        return get_regex(p, v, key, &cfg->excluded_topics);
    if (!strcmp(key, "minTopicLeadersTopics"))
        return get_regex(p, v, key, &cfg->min_topic_leaders_topics);
    if (!strcmp(key, "executor"))
        return each_pair(p, v, "executor", executor_pair, NULL);
    if (!strcmp(key, "api"))
        return each_pair(p, v, "api", api_pair, NULL);
    if (!strcmp(key, "monitor")) {
        int rc = each_pair(p, v, "monitor", monitor_pair, NULL);
        if (rc == 0 && cfg->monitor.sampler == MON_SAMPLER_JMX_EXPORTER &&
            !cfg->monitor.nendpoints && !cfg->monitor.endpoint_template)
            return failn(p, k, "monitor: sampler jmxExporter needs endpoints or "
                               "endpointTemplate");
        if (rc == 0 && cfg->monitor.sampler == MON_SAMPLER_PROMETHEUS &&
            !cfg->monitor.prometheus.url)
            return failn(p, k, "monitor: sampler prometheus needs prometheus.url");
        return rc;
    }
    return failn(p, k, "unknown key '%s' (kafka, capacity, topology, goals, thresholds, "
                       "excludedTopics, minTopicLeadersTopics, executor, api, monitor)", key);
}

/* ---- entry points ---- */

struct config *config_default(void)
{
    struct config *cfg = xcalloc(1, sizeof(*cfg));
    struct config_thresholds *th = &cfg->thresholds;
    for (int r = 0; r < RES_COUNT; r++)
        th->balance[r] = th->capacity[r] = th->low_utilization[r] = NAN;
    th->balance_margin = th->replica_balance = th->leader_balance = NAN;
    th->topic_replica_balance = NAN;
    th->max_replicas_per_broker = th->min_topic_leaders = -1;
    th->nw_out_replication = -1;
    /* security protocol, client id and request timeout stay unset (NULL, 0): the Kafka
     * client's own defaults (PLAINTEXT, "ballast", 30 s) apply */
    cfg->kafka.ssl_verify_hostname = true;
    /* the executor's concurrency and poll interval stay 0 (unset): its own defaults apply
     * (exec_options_default) */
    cfg->executor.state_dir = xstrdup("./ballast-state");
    cfg->executor.foreign = xstrdup("skip");
    cfg->api.listen = xstrdup("127.0.0.1");
    cfg->api.port = 9090;
    cfg->api.max_connections = 256;
    cfg->api.max_body_bytes = 1024 * 1024;
    cfg->api.max_params = 64;
    cfg->api.max_active_tasks = 5;
    cfg->api.task_retention_ms = 86400000;
    cfg->api.block_ms = 10000;
    cfg->api.refresh_interval_ms = 30000;
    cfg->api.planners = 2;
    cfg->api.http_threads = 2;
    cfg->monitor.interval_ms = 10000;
    cfg->monitor.scrapes = 2;
    cfg->monitor.window_ms = 300000;
    cfg->monitor.num_windows = 5;
    cfg->monitor.min_samples = 1;
    cfg->monitor.timeout_ms = 5000;
    cfg->monitor.max_body = 64.0 * 1024 * 1024;
    cfg->monitor.cpu_weights[0] = 0.7;
    cfg->monitor.cpu_weights[1] = 0.15;
    cfg->monitor.cpu_weights[2] = 0.15;
    cfg->monitor.prometheus.step_ms = 60000;
    cfg->monitor.cc_metrics.topic = xstrdup("__CruiseControlMetrics");
    return cfg;
}

static void free_list(char **l)
{
    if (!l)
        return;
    for (char **q = l; *q; q++)
        free(*q);
    free(l);
}

void config_destroy(struct config *cfg)
{
    if (!cfg)
        return;
    struct config_kafka *k = &cfg->kafka;
    free(k->bootstrap);
    free(k->security_protocol);
    free(k->sasl_mechanism);
    free(k->sasl_username);
    free(k->sasl_password);
    free(k->ssl_ca_file);
    free(k->ssl_cert_file);
    free(k->ssl_key_file);
    free(k->client_id);
    model_capacity_table_finish(&cfg->capacity);
    free(cfg->zone_separator);
    for (int32_t i = 0; i < cfg->nzone_map; i++) {
        free(cfg->zone_racks[i]);
        free(cfg->zone_names[i]);
    }
    free(cfg->zone_racks);
    free(cfg->zone_names);
    free_list(cfg->goals);
    free_list(cfg->goal_places);
    free(cfg->excluded_topics);
    free(cfg->min_topic_leaders_topics);
    free(cfg->executor.state_dir);
    free(cfg->executor.strategies);
    free(cfg->executor.foreign);
    free(cfg->api.listen);
    free(cfg->api.credentials_file);
    free(cfg->api.tls_cert_file);
    free(cfg->api.tls_key_file);
    for (int32_t i = 0; i < cfg->monitor.nendpoints; i++)
        free(cfg->monitor.endpoint_urls[i]);
    free(cfg->monitor.endpoint_ids);
    free(cfg->monitor.endpoint_urls);
    free(cfg->monitor.endpoint_template);
    struct mon_metric_name_settings *mn = &cfg->monitor.names;
    char *names[] = {mn->bytes_in, mn->bytes_out, mn->repl_bytes_in, mn->repl_bytes_out,
                     mn->log_size, mn->cpu_seconds, mn->topic_label, mn->partition_label};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        free(names[i]);
    struct mon_prometheus_settings *pr = &cfg->monitor.prometheus;
    free(pr->url);
    for (int i = 0; i < MON_PROM_NQUERIES; i++)
        free(pr->queries[i]);
    free(pr->broker_label);
    for (int32_t i = 0; i < pr->ninstances; i++)
        free(pr->instance_values[i]);
    free(pr->instance_ids);
    free(pr->instance_values);
    free(cfg->monitor.cc_metrics.topic);
    free(cfg->monitor.cc_metrics.bootstrap);
    free(cfg->path);
    free(cfg);
}

/* Rejects anchors and aliases before loading (no alias expansion games). */
static int check_events(const char *buf, size_t len, const char *name, struct error *err)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
    int rc = 0, docs = 0, depth = 0;
    for (;;) {
        if (!yaml_parser_parse(&parser, &ev)) {
            rc = error_set(err, -EINVAL, "%s:%zu:%zu: %s", name, parser.problem_mark.line + 1,
                           parser.problem_mark.column + 1,
                           parser.problem ? parser.problem : "not valid YAML");
            break;
        }
        yaml_event_type_t t = ev.type;
        size_t line = ev.start_mark.line + 1, col = ev.start_mark.column + 1;
        bool anchored = (t == YAML_SCALAR_EVENT && ev.data.scalar.anchor) ||
                        (t == YAML_SEQUENCE_START_EVENT && ev.data.sequence_start.anchor) ||
                        (t == YAML_MAPPING_START_EVENT && ev.data.mapping_start.anchor);
        yaml_event_delete(&ev);
        if (t == YAML_ALIAS_EVENT || anchored) {
            rc = error_set(err, -EINVAL, "%s:%zu:%zu: anchors and aliases are not supported",
                           name, line, col);
            break;
        }
        if (t == YAML_SEQUENCE_START_EVENT || t == YAML_MAPPING_START_EVENT) {
            /* libyaml's cost per token grows with the nesting (200 KB of '[' took minutes):
             * stop early, before it matters */
            if (++depth > CONFIG_MAX_DEPTH) {
                rc = error_set(err, -EINVAL, "%s:%zu:%zu: nested more than %d levels deep", name,
                               line, col, CONFIG_MAX_DEPTH);
                break;
            }
        } else if (t == YAML_SEQUENCE_END_EVENT || t == YAML_MAPPING_END_EVENT) {
            depth--;
        }
        if (t == YAML_DOCUMENT_START_EVENT && ++docs > 1) {
            rc = error_set(err, -EINVAL, "%s:%zu:%zu: only one YAML document is allowed", name,
                           line, col);
            break;
        }
        if (t == YAML_STREAM_END_EVENT)
            break;
    }
    yaml_parser_delete(&parser);
    return rc;
}

int config_parse(const char *buf, size_t len, const char *name, struct config **ret,
                 struct error *err)
{
    name = name ? name : "config";
    if (len > CONFIG_MAX_BYTES)
        return error_set(err, -EFBIG, "%s: larger than %d bytes", name, CONFIG_MAX_BYTES);
    int rc = check_events(buf, len, name, err);
    if (rc < 0)
        return rc;
    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
    if (!yaml_parser_load(&parser, &doc)) {
        rc = error_set(err, -EINVAL, "%s:%zu:%zu: %s", name, parser.problem_mark.line + 1,
                       parser.problem_mark.column + 1,
                       parser.problem ? parser.problem : "not valid YAML");
        yaml_parser_delete(&parser);
        return rc;
    }
    struct config *cfg = config_default();
    cfg->path = xstrdup(name);
    struct cp p = {name, &doc, err, cfg};
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (root && !(root->type == YAML_SCALAR_NODE && !*scalar(root)))
        rc = each_pair(&p, root, "the configuration", top_pair, NULL);
    if (rc == 0 && cfg->kafka.sasl_mechanism &&
        (!cfg->kafka.sasl_username || !cfg->kafka.sasl_password))
        rc = error_set(err, -EINVAL, "%s: kafka.security.sasl needs username and password",
                       name);
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    if (rc < 0) {
        config_destroy(cfg);
        return rc;
    }
    *ret = cfg;
    return 0;
}

int config_load(const char *path, struct config **ret, struct error *err)
{
    char *buf = NULL;
    size_t n = 0;
    int rc = file_read(path, CONFIG_MAX_BYTES, &buf, &n, err);
    if (rc < 0)
        return rc;
    rc = config_parse(buf, n, path, ret, err);
    free(buf);
    return rc;
}

const char *config_zone_of_rack(const struct config *cfg, const char *rack, char *buf,
                                size_t buflen)
{
    for (int32_t i = 0; i < cfg->nzone_map; i++)
        if (!strcmp(cfg->zone_racks[i], rack))
            return cfg->zone_names[i];
    if (cfg->zone_separator) {
        const char *last = NULL;
        size_t sl = strlen(cfg->zone_separator);
        for (const char *q = strstr(rack, cfg->zone_separator); q;
             q = strstr(q + 1, cfg->zone_separator))
            last = q;
        if (last && last > rack && (size_t)(last - rack) < buflen) {
            memcpy(buf, rack, (size_t)(last - rack));
            buf[last - rack] = '\0';
            (void)sl;
            return buf;
        }
    }
    return rack;
}

int config_apply_to_cluster(const struct config *cfg, struct model_cluster *c,
                            const struct model_capacity_table *snap_defaults, struct error *err)
{
    if (cfg->nzone_map || cfg->zone_separator) {
        for (int32_t r = 0; r < c->nracks; r++) {
            char buf[4096];
            const char *z = config_zone_of_rack(cfg, c->racks[r].name, buf, sizeof(buf));
            c->racks[r].zone = model_zone_add(c, z);
        }
        model_topology_refresh(c);
    }
    struct model_capacity_table t = cfg->capacity;
    if (snap_defaults)
        model_snapshot_merge_defaults(&t, snap_defaults);
    return model_capacities_apply(c, &t, err);
}
