/* Ballast's configuration file (YAML, docs/configuration.md): the Kafka connection,
 * capacities (Cruise Control's capacity file as a table), topology (rack -> zone), goals and
 * thresholds with Cruise Control's defaults, and executor and API settings.
 *
 * Loading is strict: unknown keys, wrong types, out-of-range values, bad units, bad regexes,
 * duplicate keys, anchors/aliases, nesting deeper than CONFIG_MAX_DEPTH, broker ids written
 * with a leading zero, and files over CONFIG_MAX_BYTES are errors whose message
 * names file:line:column and the key ("ballast.yaml:12:3: unknown key 'capactiy'").
 * The struct is plain data; config_destroy frees it. */
#ifndef CONFIG_CONFIG_H
#define CONFIG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "model/cluster.h"
#include "monitor/settings.h"

#define CONFIG_MAX_BYTES (4 * 1024 * 1024)
#define CONFIG_MAX_DEPTH 64 /* nesting of mappings and lists */

struct config_kafka {
    char *bootstrap;          /* "host:port,host:port" */
    char *security_protocol;  /* PLAINTEXT | SSL | SASL_PLAINTEXT | SASL_SSL; NULL: PLAINTEXT */
    char *sasl_mechanism;     /* PLAIN | SCRAM-SHA-256 | SCRAM-SHA-512 */
    char *sasl_username;
    char *sasl_password;      /* from password or passwordFile */
    char *ssl_ca_file, *ssl_cert_file, *ssl_key_file;
    bool ssl_verify_hostname;
    char *client_id;            /* NULL: the client's default ("ballast") */
    int32_t request_timeout_ms; /* 0: the client's default (30 s) */
    int32_t connect_timeout_ms; /* opening a connection; 0: the client's default (10 s) */
};

/* The planner's thresholds as the file gives them. What the file leaves out stays unset: NaN
 * for numbers, -1 for counts and the flag. The caller lays the given ones over the planner's
 * own defaults (cli_thresholds), so each default is defined once, in the optimizer. */
struct config_thresholds {
    double balance[RES_COUNT];
    double balance_margin;
    double capacity[RES_COUNT];
    int32_t max_replicas_per_broker;
    double replica_balance;
    double leader_balance;
    double topic_replica_balance;
    double low_utilization[RES_COUNT];
    int32_t min_topic_leaders;
    int8_t nw_out_replication; /* -1 unset, 0 or 1 */
};

struct config_executor {
    /* concurrency: 0 = the executor's default (exec_options_default) */
    int32_t concurrent_partition_movements_per_broker;
    int32_t concurrent_intra_broker_partition_movements;
    int32_t concurrent_leader_movements;
    int32_t max_cluster_partition_movements;
    double replication_throttle;                        /* bytes/s; 0 = none */
    char *state_dir;                                    /* "./ballast-state" */
    int64_t task_timeout_ms;        /* per move; 0 = automatic (exec_task_timeout_s) */
    int64_t task_timeout_floor_ms;  /* the automatic timeout's floor; 0 = the executor's */
    double log_dir_throttle;                            /* bytes/s; 0 = none */
    char *strategies;            /* comma list of movement strategies, NULL = base */
    char *foreign;               /* skip | wait | cancel ("skip") */
    int32_t poll_interval_ms;    /* 0 = the executor's default */
};

/* ballast serve (docs/api.md). */
struct config_api {
    char *listen;  /* "127.0.0.1" */
    int32_t port;  /* 9090 */
    char *credentials_file;     /* "user:crypt-hash:ROLE" lines; NULL = no auth */
    char *tls_cert_file;        /* PEM; with tls_key_file: HTTPS; NULL = plain HTTP */
    char *tls_key_file;
    int32_t max_connections;    /* 256 */
    int32_t max_body_bytes;     /* 1 MiB */
    int32_t max_params;         /* query parameters and body fields: 64 */
    int32_t max_active_tasks;   /* tasks active at once (5); more -> 429 */
    int64_t task_retention_ms;  /* finished tasks kept: 24 h */
    int32_t block_ms;           /* a request waits this long for its task, then 202: 10000 */
    int32_t refresh_interval_ms; /* metadata + DescribeLogDirs every: 30000 */
    int32_t planners;           /* planner threads: 2 */
    int32_t http_threads;       /* libmicrohttpd's thread pool: 2 */
    bool resume_cancel;         /* an interrupted execution found at start: cancel, not finish */
};

struct config {
    char *path;
    struct config_kafka kafka;
    struct model_capacity_table capacity;
    char *zone_separator;     /* zone = rack id up to the last separator */
    char **zone_racks;        /* table: zone_racks[i] is in zone zone_names[i] */
    char **zone_names;
    int32_t nzone_map;
    char **goals;             /* priority order; NULL/0 = the planner's defaults */
    int32_t ngoals;
    char **goal_places;       /* "file:line:column" of each goal (NULL without goals) */
    struct config_thresholds thresholds; /* unset fields: the planner's defaults */
    char *excluded_topics;    /* regex or NULL */
    char *min_topic_leaders_topics; /* regex or NULL */
    struct config_executor executor;
    struct config_api api;
    struct mon_settings monitor;
};

/* Defaults everywhere (Cruise Control's thresholds). Never fails. */
struct config *config_default(void);
int config_load(const char *path, struct config **ret, struct error *err);
int config_parse(const char *buf, size_t len, const char *name, struct config **ret,
                 struct error *err);
void config_destroy(struct config *cfg); /* accepts NULL */

/* The zone of a rack by the table or the separator; the rack itself when unmapped.
 * Returns a pointer into cfg, into rack, or into buf. */
const char *config_zone_of_rack(const struct config *cfg, const char *rack, char *buf,
                                size_t buflen);
/* Maps every rack of c to its zone and applies the capacities: per broker the table's entry,
 * else the snapshot's value, else the config's default, else the snapshot's default
 * (snap_defaults may be NULL). Errors name the broker and resource. */
int config_apply_to_cluster(const struct config *cfg, struct model_cluster *c,
                            const struct model_capacity_table *snap_defaults, struct error *err);

/* Parses "125MB/s", "1.5TiB", "1e9" into bytes (or bytes/s when rate). */
int config_parse_bytes(const char *s, bool rate, double *ret);

#endif
