/* ballast snapshot: the snapshot of a live cluster through Ballast's own admin wire client
 * (Metadata for brokers, racks, leaders, replicas and ISR; DescribeLogDirs on every broker for
 * exact replica sizes, log dirs and their capacity), with capacities from the configuration. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "config/config.h"
#include "kafka/client.h"
#include "model/snapshot.h"
#include "monitor/monitor.h"
#include "monitor/scrape.h"

#include <math.h>
#include <time.h>

/* With a monitor sampler configured: monitor.scrapes scrapes monitor.intervalMs apart, then
 * the estimates go into c's partitions. Prints each broker's measured rates to stderr. */
static int sample_loads(const struct config *cfg, const char *bootstrap, struct model_cluster *c,
                        struct error *err)
{
    struct kafka_opts kopts;
    cli_kafka_opts(cfg, 0, &kopts);
    struct mon_options mo = {&cfg->monitor, &cfg->capacity, &kopts,
                             bootstrap ? bootstrap : cfg->kafka.bootstrap};
    struct mon_monitor *m = mon_monitor_create(&mo);
    int64_t start = clock_wall_ms(), last_end = 0;
    for (int32_t i = 0; i < cfg->monitor.scrapes; i++) {
        /* on schedule, but at least half an interval after the last round ended: a slow
         * round (an exporter's first answer can take seconds) must not leave the next one a
         * moment later, where a rate would rest on a sliver of time */
        int64_t due = start + (int64_t)i * cfg->monitor.interval_ms;
        if (i > 0 && due < last_end + cfg->monitor.interval_ms / 2)
            due = last_end + cfg->monitor.interval_ms / 2;
        int64_t wait = due - clock_wall_ms();
        if (wait > 0) {
            struct timespec ts = {wait / 1000, (wait % 1000) * 1000000};
            while (nanosleep(&ts, &ts) != 0)
                ;
        }
        int ok = mon_monitor_sample(m, c, NULL);
        last_end = clock_wall_ms();
        fprintf(stderr, "monitor: scrape %d of %d: %d of %d brokers answered (%.1f s after start)\n",
                i + 1, cfg->monitor.scrapes, ok, c->nbrokers, (clock_wall_ms() - start) / 1000.0);
    }
    int64_t now = clock_wall_ms();
    int rc = mon_monitor_apply(m, c, now, err);
    if (rc == 0) {
        for (int32_t b = 0; b < c->nbrokers; b++) {
            double in, rin, out;
            if (mon_monitor_broker_rates(m, c->brokers[b].id, now, &in, &rin, &out) == 0)
                fprintf(stderr, "monitor: broker %d: bytes in %.0f B/s (produce) + %.0f B/s "
                        "(replication), bytes out %.0f B/s (consumers)\n", c->brokers[b].id, in,
                        isnan(rin) ? 0 : rin, isnan(out) ? 0 : out);
        }
        fprintf(stderr, "monitor: %d complete windows, %.1f%% of partitions monitored\n",
                c->load_windows, c->load_monitored_pct);
    }
    mon_monitor_destroy(m);
    return rc;
}

void cmd_snapshot_help(FILE *out)
{
    fprintf(out,
            "usage: ballast snapshot [--bootstrap HOST:PORT[,...]] [--config FILE] --out FILE\n\n"
            "  --bootstrap LIST   brokers to ask first (default: the configuration's kafka.bootstrap)\n"
            "  --config FILE      capacities (per broker and default) and the rack -> zone mapping\n"
            "  --timeout-ms N     per request (default: kafka.requestTimeoutMs, 30000)\n"
            "  --out FILE         where to write the snapshot ('-' = stdout)\n\n"
            "Disk capacity comes from each log dir's total bytes unless the configuration gives\n"
            "one; CPU and network capacities come from the configuration.\n"
            "With a monitor section (docs/monitor.md), partition rates come from monitor.scrapes\n"
            "scrapes of the brokers' metrics, monitor.intervalMs apart.\n");
}

int cmd_snapshot(int argc, char **argv)
{
    const char *bootstrap = NULL, *config_path = NULL, *out = NULL;
    long timeout = 0;
    static const struct option opts[] = {
        {"bootstrap", required_argument, NULL, 'b'}, {"config", required_argument, NULL, 'c'},
        {"out", required_argument, NULL, 'o'},       {"timeout-ms", required_argument, NULL, 't'},
        {NULL, 0, NULL, 0},
    };
    opterr = 0;
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (ch) {
        case 'b': bootstrap = optarg; break;
        case 'c': config_path = optarg; break;
        case 'o': out = optarg; break;
        case 't': {
            char *end;
            timeout = strtol(optarg, &end, 10);
            if (*end || timeout < 100 || timeout > 3600000)
                return cli_fail(EXIT_USAGE, "snapshot: --timeout-ms takes 100..3600000");
            break;
        }
        case ':': return cli_fail(EXIT_USAGE, "snapshot: option '%s' needs a value", argv[optind - 1]);
        default: return cli_fail(EXIT_USAGE, "snapshot: unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_fail(EXIT_USAGE, "snapshot: unexpected argument '%s'", argv[optind]);
    if (!out)
        return cli_fail(EXIT_USAGE, "snapshot: --out FILE is required ('-' for stdout)");
    struct error err = {0};
    struct config *cfg = NULL;
    if (config_path ? config_load(config_path, &cfg, &err) < 0 : !(cfg = config_default()))
        return cli_fail(1, "%s", err.msg);
    if (!bootstrap)
        bootstrap = cfg->kafka.bootstrap;
    if (!bootstrap) {
        config_destroy(cfg);
        return cli_fail(EXIT_USAGE, "snapshot: no --bootstrap and no kafka.bootstrap in the "
                        "configuration");
    }
    struct kafka_opts kopts;
    cli_kafka_opts(cfg, timeout ? (int)timeout : 0, &kopts);
    struct model_cluster *c = NULL;
    int rc = kafka_snapshot(bootstrap, &kopts, &c, &err);
    if (rc < 0) {
        config_destroy(cfg);
        return cli_fail(1, "snapshot: %s", err.msg);
    }
    /* Zones from the configuration; the configuration's capacities override what the cluster
     * told (per broker first), its defaults fill the rest via defaultCapacity. */
    char buf[4096];
    if (cfg->nzone_map || cfg->zone_separator) {
        for (int32_t r = 0; r < c->nracks; r++)
            c->racks[r].zone = model_zone_add(c, config_zone_of_rack(cfg, c->racks[r].name, buf,
                                                                     sizeof(buf)));
        model_topology_refresh(c);
    }
    for (int32_t b = 0; b < c->nbrokers; b++)
        for (int32_t i = 0; i < cfg->capacity.n; i++)
            if (cfg->capacity.broker_ids[i] == c->brokers[b].id)
                for (int k = 0; k < RES_COUNT; k++)
                    if (cfg->capacity.per_broker[i].set[k]) {
                        c->brokers[b].capacity[k] = cfg->capacity.per_broker[i].v[k];
                        c->brokers[b].capacity_set |= (uint8_t)(1u << k);
                    }
    /* not an error here: a broker that is down is missing from metadata */
    for (int32_t i = 0; i < cfg->capacity.n; i++)
        if (model_broker_find(c, cfg->capacity.broker_ids[i]) < 0)
            fprintf(stderr, "ballast: snapshot: warning: %s: capacity.brokers has broker \"%d\", "
                    "which the cluster does not have (down, or a typo?)\n", config_path,
                    cfg->capacity.broker_ids[i]);
    if (cfg->monitor.sampler != MON_SAMPLER_NONE && (rc = sample_loads(cfg, bootstrap, c, &err)) < 0) {
        model_cluster_destroy(c);
        config_destroy(cfg);
        return cli_fail(1, "snapshot: %s", err.msg);
    }
    rc = cli_snapshot_write(c, &cfg->capacity, out, &err);
    model_cluster_destroy(c);
    config_destroy(cfg);
    if (rc < 0)
        return cli_fail(1, "snapshot: %s", err.msg);
    return 0;
}
