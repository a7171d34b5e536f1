/* The command table and helpers shared by commands. */
#include "cli/commands.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/file.h"
#include "config/config.h"
#include "kafka/client.h"
#include "model/snapshot.h"
#include "search/context.h"

const struct cli_command cli_commands[] = {
    {"generate", "write a synthetic cluster snapshot", cmd_generate, cmd_generate_help},
    {"plan", "plan a rebalance of a snapshot", cmd_plan, cmd_plan_help},
    {"snapshot", "write the snapshot of a live Kafka cluster", cmd_snapshot, cmd_snapshot_help},
    {"execute", "execute a plan on a live cluster (throttled, resumable)", cmd_execute,
     cmd_execute_help},
    {"serve", "run the service: live model, proposals, tasks, REST API", cmd_serve,
     cmd_serve_help},
    {"rebalance", "ask a running service to plan or execute (--server URL)", cmd_rebalance,
     cmd_rebalance_help},
    {"decommission", "empty brokers through a running service before stopping them",
     cmd_decommission, cmd_decommission_help},
    {"status", "a running service's model, monitor, executor and analyzer (--server URL)",
     cmd_status, cmd_status_help},
    {NULL, NULL, NULL, NULL},
};

void cli_kafka_opts(const struct config *cfg, int timeout_ms, struct kafka_opts *o)
{
    const struct config_kafka *k = &cfg->kafka;
    *o = (struct kafka_opts){
        .security_protocol = k->security_protocol,
        .sasl_mechanism = k->sasl_mechanism,
        .sasl_username = k->sasl_username,
        .sasl_password = k->sasl_password,
        .ssl_ca_file = k->ssl_ca_file,
        .ssl_cert_file = k->ssl_cert_file,
        .ssl_key_file = k->ssl_key_file,
        .ssl_verify_hostname = k->ssl_verify_hostname,
        .client_id = k->client_id,
        .timeout_ms = timeout_ms > 0 ? timeout_ms : k->request_timeout_ms,
        .connect_timeout_ms = k->connect_timeout_ms,
    };
}

int cli_snapshot_read(const char *path, struct model_capacity_table *ret_defaults,
                      struct model_cluster **ret_cluster, struct error *err)
{
    char *buf = NULL;
    size_t len = 0;
    int rc = file_read(path, MODEL_SNAPSHOT_MAX_BYTES, &buf, &len, err);
    if (rc < 0)
        return rc;
    rc = model_snapshot_parse_ex(buf, len, path, ret_defaults, ret_cluster, err);
    free(buf);
    return rc;
}

int cli_snapshot_write(const struct model_cluster *c, const struct model_capacity_table *defaults,
                       const char *path, struct error *err)
{
    char *text = model_snapshot_dump_ex(c, defaults);
    int rc = file_write_atomic(path, text, strlen(text), err);
    free(text);
    return rc;
}

void cli_thresholds(const struct config_thresholds *from, struct search_thresholds *th)
{
#define OVER(field)                                                                                \
    do {                                                                                           \
        if (!isnan(from->field))                                                                   \
            th->field = from->field;                                                               \
    } while (0)
    for (int r = 0; r < RES_COUNT; r++) {
        OVER(balance[r]);
        OVER(capacity[r]);
        OVER(low_utilization[r]);
    }
    OVER(balance_margin);
    OVER(replica_balance);
    OVER(leader_balance);
    OVER(topic_replica_balance);
#undef OVER
    if (from->max_replicas_per_broker >= 0)
        th->max_replicas_per_broker = from->max_replicas_per_broker;
    if (from->min_topic_leaders >= 0)
        th->min_topic_leaders = from->min_topic_leaders;
    if (from->nw_out_replication >= 0)
        th->nw_out_replication = from->nw_out_replication != 0;
}

int cli_fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "ballast: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    return code;
}

int cli_parse_ids(const char *opt, const char *s, int32_t *ids, int max, int *ret_n)
{
    int n = 0;
    const char *p = s;
    while (*p) {
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (end == p || errno || v < 0 || v > INT32_MAX || (*end && *end != ','))
            return cli_fail(-1, "%s: '%s' is not a comma-separated list of broker ids", opt, s);
        if (n == max)
            return cli_fail(-1, "%s: more than %d broker ids", opt, max);
        for (int i = 0; i < n; i++)
            if (ids[i] == (int32_t)v)
                return cli_fail(-1, "%s: broker %ld is listed twice in '%s'", opt, v, s);
        ids[n++] = (int32_t)v;
        p = *end ? end + 1 : end;
        if (*end && !*p)
            return cli_fail(-1, "%s: '%s' ends with a comma", opt, s);
    }
    if (n == 0)
        return cli_fail(-1, "%s: the list is empty", opt);
    *ret_n = n;
    return 0;
}

int cli_split(const char *opt, const char *s, char ***ret_list, int *ret_n)
{
    int n = 1;
    for (const char *p = s; *p; p++)
        n += *p == ',';
    char **list = xcalloc((size_t)n + 1, sizeof(char *));
    int k = 0;
    const char *start = s;
    for (const char *p = s;; p++) {
        if (*p == ',' || !*p) {
            if (p == start) {
                cli_free_list(list);
                return cli_fail(-1, "%s: '%s' has an empty item (a stray comma?)", opt, s);
            }
            list[k++] = xstrndup(start, (size_t)(p - start));
            if (!*p)
                break;
            start = p + 1;
        }
    }
    *ret_list = list;
    *ret_n = k;
    return 0;
}

void cli_free_list(char **list)
{
    if (!list)
        return;
    for (char **p = list; *p; p++)
        free(*p);
    free(list);
}

int cli_check_repeats(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strncmp(argv[i], "--", 2) != 0)
            continue;
        size_t n = strcspn(argv[i], "=");
        for (int j = 1; j < i; j++)
            if (strncmp(argv[j], "--", 2) == 0 && strcspn(argv[j], "=") == n &&
                strncmp(argv[i], argv[j], n) == 0)
                return cli_fail(-1, "%s: option '%.*s' is given twice", argv[0], (int)n,
                                argv[i]);
    }
    return 0;
}
