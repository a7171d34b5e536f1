/* Configuration: Cruise Control's defaults, the documented example, units, zone mapping,
 * capacity precedence, and located errors for bad input. */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "config/config.h"
#include "tests/harness.h"

static struct config *parse(const char *text, struct error *err)
{
    struct config *cfg = NULL;
    if (config_parse(text, strlen(text), "t.yaml", &cfg, err) < 0)
        return NULL;
    return cfg;
}

TEST(defaults_are_cruise_controls)
{
    struct config *cfg = config_default();
    /* thresholds the file does not give stay unset: the planner's defaults apply (one
     * definition, optimizer/; tests/optimizer/test_plan.c checks they are Cruise Control's) */
    CHECK(isnan(cfg->thresholds.balance[RES_DISK]));
    CHECK(isnan(cfg->thresholds.balance_margin));
    CHECK(isnan(cfg->thresholds.capacity[RES_CPU]));
    CHECK_INT_EQ(cfg->thresholds.max_replicas_per_broker, -1);
    CHECK_INT_EQ(cfg->thresholds.min_topic_leaders, -1);
    CHECK_INT_EQ(cfg->thresholds.nw_out_replication, -1);
    /* the executor's settings stay unset: its own defaults apply (execute --help shows them) */
    CHECK_INT_EQ(cfg->executor.concurrent_partition_movements_per_broker, 0);
    CHECK_INT_EQ(cfg->executor.concurrent_intra_broker_partition_movements, 0);
    CHECK_INT_EQ(cfg->executor.concurrent_leader_movements, 0);
    CHECK_INT_EQ(cfg->executor.max_cluster_partition_movements, 0);
    CHECK_INT_EQ(cfg->executor.poll_interval_ms, 0);
    CHECK_INT_EQ(cfg->api.port, 9090);
    config_destroy(cfg);
    /* An empty file is the defaults. */
    struct error err = {0};
    cfg = parse("", &err);
    CHECK(cfg != NULL);
    config_destroy(cfg);
}

TEST(documented_example_parses)
{
    struct config *cfg = NULL;
    struct error err = {0};
    int rc = config_load(test_data("config/example.yaml"), &cfg, &err);
    CHECK_INT_EQ(rc, 0);
    if (rc) {
        fprintf(stderr, "%s\n", err.msg);
        return;
    }
    CHECK_STR_EQ(cfg->kafka.security_protocol, "SASL_SSL");
    CHECK_STR_EQ(cfg->kafka.sasl_mechanism, "SCRAM-SHA-512");
    CHECK_INT_EQ(cfg->kafka.connect_timeout_ms, 5000);
    CHECK_NEAR(cfg->capacity.dflt.v[RES_DISK], 2.0 * 1099511627776.0, 1);
    CHECK_NEAR(cfg->capacity.dflt.v[RES_NW_IN], 125e6, 1e-6);
    CHECK_INT_EQ(cfg->capacity.n, 1);
    CHECK_INT_EQ(cfg->capacity.broker_ids[0], 7);
    CHECK_INT_EQ(cfg->ngoals, 9);
    CHECK_STR_EQ(cfg->goals[0], "RackAwareGoal");
    CHECK_NEAR(cfg->executor.replication_throttle, 50e6, 1e-6);
    CHECK_NEAR(cfg->executor.log_dir_throttle, 20e6, 1e-6);
    CHECK_STR_EQ(cfg->executor.strategies ? cfg->executor.strategies : "",
                 "PrioritizeLargeReplicaMovementStrategy,PostponeUrpReplicaMovementStrategy");
    CHECK_STR_EQ(cfg->executor.foreign, "wait");
    CHECK_INT_EQ(cfg->executor.poll_interval_ms, 500);
    char buf[64];
    CHECK_STR_EQ(config_zone_of_rack(cfg, "rack-2", buf, sizeof(buf)), "eu-west-1a");
    CHECK_STR_EQ(config_zone_of_rack(cfg, "eu-west-1c/r07", buf, sizeof(buf)), "eu-west-1c");
    CHECK_STR_EQ(config_zone_of_rack(cfg, "plain", buf, sizeof(buf)), "plain");
    config_destroy(cfg);
}

TEST(units)
{
    double v;
    CHECK_INT_EQ(config_parse_bytes("1.5TiB", false, &v), 0);
    CHECK_NEAR(v, 1.5 * 1099511627776.0, 1);
    CHECK_INT_EQ(config_parse_bytes("125MB/s", true, &v), 0);
    CHECK_NEAR(v, 125e6, 1e-6);
    CHECK_INT_EQ(config_parse_bytes("4096", false, &v), 0);
    CHECK_NEAR(v, 4096, 0);
    CHECK(config_parse_bytes("12 parsecs", false, &v) < 0);
    CHECK(config_parse_bytes("5MB/s", false, &v) < 0);
    CHECK(config_parse_bytes("-1GB", false, &v) < 0);
}

TEST(cc_property_names)
{
    struct error err = {0};
    struct config *cfg = parse("thresholds:\n  disk.balance.threshold: 1.05\n"
                               "  max.replicas.per.broker: 500\n  balance: 1.2\n", &err);
    CHECK(cfg != NULL);
    if (!cfg)
        return;
    /* the later "balance: 1.2" sets all four */
    CHECK_NEAR(cfg->thresholds.balance[RES_DISK], 1.2, 1e-12);
    CHECK_INT_EQ(cfg->thresholds.max_replicas_per_broker, 500);
    CHECK(isnan(cfg->thresholds.capacity[RES_DISK])); /* not given: unset */
    config_destroy(cfg);
}

struct bad {
    const char *yaml;
    const char *expect;
};

static const struct bad bads[] = {
    {"capactiy: {}\n", "t.yaml:1:1: unknown key 'capactiy'"},
    {"capacity:\n  default:\n    disk: lots\n", "t.yaml:3:11: 'disk': 'lots' is not a size"},
    {"capacity:\n  default:\n    disk: -5GB\n", "is not a size"},
    {"capacity:\n  brokers:\n    x: {disk: 1GB}\n", "capacity.brokers keys must be broker ids, not 'x'"},
    {"thresholds:\n  capacity: {disk: 1.5}\n", "'capacity' values must lie in 0.01..1"},
    {"thresholds:\n  balance: {gpu: 1.1}\n", "unknown resource 'gpu'"},
    {"thresholds:\n  maxReplicasPerBroker: 2.5\n", "must be a whole number"},
    {"excludedTopics: \"([\"\n", "bad regular expression"},
    {"goals: RackAwareGoal\n", "'goals' must be a list"},
    {"kafka:\n  security:\n    protocol: CARRIER_PIGEON\n", "unknown security protocol 'CARRIER_PIGEON'"},
    {"kafka:\n  security:\n    sasl: {mechanism: PLAIN}\n", "needs username and password"},
    {"api:\n  port: 70000\n", "'port' = 70000 is out of range"},
    {"api:\n  port: 1\n  port: 2\n", "t.yaml:3:3: duplicate key 'port'"},
    {"a: &x 1\nb: *x\n", "anchors and aliases are not supported"},
    {"topology:\n  zones:\n    z1: [r1]\n    z2: [r1]\n", "rack 'r1' is in two zones"},
    {"kafka: [1, 2\n", "t.yaml:"},
    {"- just\n- a list\n", "the configuration must be a mapping"},
    {"executor:\n  stateDir: {a: 1}\n", "'stateDir' must be a single value"},
    {"executor:\n  foreignReassignments: ignore\n",
     "t.yaml:2:25: executor.foreignReassignments must be skip, wait or cancel, not 'ignore'"},
    {"executor:\n  logDirThrottle: fast\n", "logDirThrottle"},
    {"executor:\n  pollIntervalMs: 10\n", "'pollIntervalMs' = 10 is out of range"},
    {"---\na: 1\n---\nb: 2\n", "only one YAML document"},
};

TEST(bad_inputs_are_located)
{
    for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
        struct error err = {0};
        struct config *cfg = parse(bads[i].yaml, &err);
        if (cfg) {
            test_fail(__FILE__, __LINE__, "case %zu parsed, expected '%s'", i, bads[i].expect);
            config_destroy(cfg);
            continue;
        }
        if (!strstr(err.msg, bads[i].expect))
            test_fail(__FILE__, __LINE__, "case %zu: got '%s', expected '%s'", i, err.msg,
                      bads[i].expect);
    }
}

TEST(monitor_section)
{
    struct error err = {0};
    struct config *cfg = parse("monitor:\n  sampler: jmxExporter\n  intervalMs: 2000\n"
                               "  scrapes: 3\n  windowMs: 60000\n  numWindows: 4\n"
                               "  minSamplesPerWindow: 2\n  maxBodyBytes: 8MiB\n"
                               "  endpoints: {1: 'http://127.0.0.1:9404/metrics'}\n"
                               "  endpointTemplate: 'http://{host}:9404/metrics'\n"
                               "  cpuWeights: {leaderBytesIn: 0.5}\n", &err);
    CHECK(cfg != NULL);
    if (!cfg) {
        fprintf(stderr, "%s\n", err.msg);
        return;
    }
    CHECK_INT_EQ(cfg->monitor.sampler, MON_SAMPLER_JMX_EXPORTER);
    CHECK_INT_EQ(cfg->monitor.interval_ms, 2000);
    CHECK_INT_EQ(cfg->monitor.scrapes, 3);
    CHECK_INT_EQ(cfg->monitor.window_ms, 60000);
    CHECK_INT_EQ(cfg->monitor.num_windows, 4);
    CHECK_INT_EQ(cfg->monitor.min_samples, 2);
    CHECK_NEAR(cfg->monitor.max_body, 8 * 1048576.0, 0);
    CHECK_INT_EQ(cfg->monitor.nendpoints, 1);
    CHECK_STR_EQ(cfg->monitor.endpoint_urls[0], "http://127.0.0.1:9404/metrics");
    CHECK_NEAR(cfg->monitor.cpu_weights[0], 0.5, 0);
    CHECK_NEAR(cfg->monitor.cpu_weights[1], 0.15, 0);
    config_destroy(cfg);
    static const struct {
        const char *yaml, *expect;
    } bad[] = {
        {"monitor:\n  sampler: jmx\n", "t.yaml:2:12: unknown sampler 'jmx' (none, jmxExporter, "
                                         "prometheus, cruiseControlMetrics)"},
        {"monitor:\n  sampler: jmxExporter\n", "t.yaml:1:1: monitor: sampler jmxExporter needs "
                                               "endpoints or endpointTemplate"},
        {"monitor:\n  endpoints: {x: 'http://a/metrics'}\n", "t.yaml:2:15: monitor.endpoints keys "
                                                             "must be broker ids, not 'x'"},
        {"monitor:\n  endpoints: {1: 'ftp://a'}\n", "t.yaml:2:18: '1' must be an http:// or "
                                                    "https:// URL, not 'ftp://a'"},
        {"monitor:\n  endpointTemplate: 'http://a:1/metrics'\n", "t.yaml:2:21: 'endpointTemplate' "
                                                               "must contain {host} or {id}"},
        {"monitor:\n  intervalMs: 10\n", "t.yaml:2:15: 'intervalMs' = 10 is out of range"},
        {"monitor:\n  numWindows: 0\n", "t.yaml:2:15: 'numWindows' = 0 is out of range"},
        {"monitor:\n  cpuWeights: {leaderBytesIn: 0, leaderBytesOut: 0, followerBytesIn: 0}\n",
         "t.yaml:2:15: monitor.cpuWeights must not all be 0"},
        {"monitor:\n  cpuWeights: {cpu: 1}\n", "t.yaml:2:16: unknown key 'cpu' in monitor.cpuWeights"},
        {"monitor:\n  window: 1\n", "t.yaml:2:3: unknown key 'window' in monitor"},
        {"monitor:\n  maxBodyBytes: 1\n", "t.yaml:2:17: 'maxBodyBytes' must lie in 1KiB..1GiB"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cfg = parse(bad[i].yaml, &err);
        CHECK(cfg == NULL);
        config_destroy(cfg);
        CHECK_STR_CONTAINS(err.msg, bad[i].expect);
    }
}

TEST(monitor_prometheus_cc_metrics_and_names)
{
    struct error err = {0};
    struct config *cfg = parse("monitor:\n  sampler: prometheus\n  prometheus:\n"
                               "    url: http://127.0.0.1:9090\n    stepMs: 2000\n"
                               "    lookbackMs: 20000\n    brokerLabel: broker_id\n"
                               "    instances: {1: 'kafka-1:9404', 2: 'kafka-2:9404'}\n"
                               "    queries: {cpu: '', topicBytesIn: 'sum by (broker_id, topic) "
                               "(x)'}\n"
                               "  cruiseControlMetrics: {topic: metrics, bootstrap: 'k:9092', "
                               "lookbackMs: 60000}\n"
                               "  metricNames: {bytesIn: 'a:b_total', topicLabel: t}\n", &err);
    CHECK(cfg != NULL);
    if (!cfg) {
        fprintf(stderr, "%s\n", err.msg);
        return;
    }
    const struct mon_prometheus_settings *pr = &cfg->monitor.prometheus;
    CHECK_INT_EQ(cfg->monitor.sampler, MON_SAMPLER_PROMETHEUS);
    CHECK_STR_EQ(pr->url, "http://127.0.0.1:9090");
    CHECK_INT_EQ(pr->step_ms, 2000);
    CHECK_INT_EQ(pr->lookback_ms, 20000);
    CHECK_STR_EQ(pr->broker_label, "broker_id");
    CHECK_INT_EQ(pr->ninstances, 2);
    CHECK_INT_EQ(pr->instance_ids[1], 2);
    CHECK_STR_EQ(pr->instance_values[1], "kafka-2:9404");
    CHECK_STR_EQ(pr->queries[MON_PROM_CPU], "");
    CHECK_STR_EQ(pr->queries[MON_PROM_TOPIC_IN], "sum by (broker_id, topic) (x)");
    CHECK(pr->queries[MON_PROM_BROKER_IN] == NULL);
    CHECK_STR_EQ(cfg->monitor.cc_metrics.topic, "metrics");
    CHECK_STR_EQ(cfg->monitor.cc_metrics.bootstrap, "k:9092");
    CHECK_INT_EQ(cfg->monitor.cc_metrics.lookback_ms, 60000);
    CHECK_STR_EQ(cfg->monitor.names.bytes_in, "a:b_total");
    CHECK_STR_EQ(cfg->monitor.names.topic_label, "t");
    CHECK(cfg->monitor.names.bytes_out == NULL);
    config_destroy(cfg);
    cfg = parse("monitor:\n  sampler: cruiseControlMetrics\n", &err);
    CHECK(cfg != NULL);
    if (cfg) {
        CHECK_INT_EQ(cfg->monitor.sampler, MON_SAMPLER_CC_METRICS);
        CHECK_STR_EQ(cfg->monitor.cc_metrics.topic, "__CruiseControlMetrics");
        CHECK_INT_EQ(cfg->monitor.prometheus.step_ms, 60000);
    }
    config_destroy(cfg);
    static const struct {
        const char *yaml, *expect;
    } bad[] = {
        {"monitor:\n  sampler: prometheus\n", "t.yaml:1:1: monitor: sampler prometheus needs "
                                               "prometheus.url"},
        {"monitor:\n  prometheus: {url: 'prom:9090'}\n", "t.yaml:2:21: 'url' must be an "
                                                          "http:// or https:// URL"},
        {"monitor:\n  prometheus: {queries: {bytesIn: x}}\n", "t.yaml:2:26: unknown key "
                                                               "'bytesIn' in "
                                                               "monitor.prometheus.queries"},
        {"monitor:\n  prometheus: {queries: {brokerBytesIn: ''}}\n",
         "t.yaml:2:41: 'brokerBytesIn' must not be empty"},
        {"monitor:\n  prometheus: {instances: {b1: 'x:1'}}\n", "t.yaml:2:28: "
                                                                "monitor.prometheus.instances "
                                                                "keys must be broker ids"},
        {"monitor:\n  prometheus: {stepMs: 10}\n", "t.yaml:2:24: 'stepMs' = 10 is out of range"},
        {"monitor:\n  prometheus: {brokerLabel: ''}\n", "'brokerLabel' must not be empty"},
        {"monitor:\n  prometheus: {step: 1}\n", "t.yaml:2:16: unknown key 'step' in "
                                                 "monitor.prometheus"},
        {"monitor:\n  cruiseControlMetrics: {topic: ''}\n", "'topic' must be a topic name"},
        {"monitor:\n  cruiseControlMetrics: {group: x}\n", "unknown key 'group' in "
                                                            "monitor.cruiseControlMetrics"},
        {"monitor:\n  metricNames: {bytesIn: 'a-b'}\n", "t.yaml:2:26: 'bytesIn' must be a "
                                                         "Prometheus metric name, not 'a-b'"},
        {"monitor:\n  metricNames: {topicLabel: 'a:b'}\n", "'topicLabel' must be a Prometheus "
                                                            "label name, not 'a:b'"},
        {"monitor:\n  metricNames: {logsize: x}\n", "unknown key 'logsize' in "
                                                     "monitor.metricNames"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cfg = parse(bad[i].yaml, &err);
        CHECK(cfg == NULL);
        config_destroy(cfg);
        CHECK_STR_CONTAINS(err.msg, bad[i].expect);
    }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Parses and applies n per-broker capacities; returns the two times in seconds. */
/* A configuration of n per-broker capacities, with room for `extra` more bytes. */
static char *capacities_yaml(int n, size_t extra, size_t *ret_cap, size_t *ret_len)
{
    size_t cap = (size_t)n * 48 + 64 + extra, len = 0;
    char *buf = malloc(cap);
    len += (size_t)snprintf(buf + len, cap - len, "capacity:\n  brokers:\n");
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(buf + len, cap - len, "    %d: {cpu: 100, disk: 1TiB}\n", i + 1);
    *ret_cap = cap;
    *ret_len = len;
    return buf;
}

static void capacities_timed(int n, double *ret_parse, double *ret_apply)
{
    size_t cap, len;
    char *buf = capacities_yaml(n, 0, &cap, &len);
    struct config *cfg = NULL;
    struct error err = {0};
    double t0 = now_s();
    int rc = config_parse(buf, len, "many.yaml", &cfg, &err);
    *ret_parse = now_s() - t0;
    *ret_apply = 0;
    CHECK_INT_EQ(rc, 0);
    if (cfg) {
        CHECK_INT_EQ(cfg->capacity.n, n);
        CHECK_INT_EQ(cfg->capacity.broker_ids[n - 1], n);
        struct model_cluster *c = model_cluster_create("many");
        int32_t rack = model_rack_add(c, "r", model_zone_add(c, "r"));
        for (int i = 0; i < n; i++) {
            int32_t b;
            model_broker_add(c, i + 1, rack, NULL, &b);
        }
        cfg->capacity.dflt.v[RES_NW_IN] = cfg->capacity.dflt.v[RES_NW_OUT] = 1e9;
        cfg->capacity.dflt.set[RES_NW_IN] = cfg->capacity.dflt.set[RES_NW_OUT] = true;
        t0 = now_s();
        CHECK_INT_EQ(model_capacities_apply(c, &cfg->capacity, &err), 0);
        *ret_apply = now_s() - t0;
        CHECK_NEAR(c->brokers[n - 1].capacity[RES_CPU], 100, 0);
        model_cluster_destroy(c);
        config_destroy(cfg);
    }
    free(buf);
}

/* Input limits: many per-broker capacities load in linear time (40,000 took 27 s), deep
 * nesting stops at CONFIG_MAX_DEPTH with a location (200 KB of '[' took minutes), and a
 * broker id with a leading zero is refused ("1" and "01" were both taken).
 * Times are printed; only parsing is bounded, loosely (the quadratic loader took 15 s, the
 * linear one 0.2-0.5 s in a debug build on a loaded machine): a unit test's clock says little
 * on a loaded machine or in a sanitizer build (10k against 40k ran 3-50x apart in one binary). */
TEST(input_limits)
{
    enum { N = 40000 };
    double p1, a1, p4, a4;
    capacities_timed(N / 4, &p1, &a1);
    capacities_timed(N, &p4, &a4);
    fprintf(stderr, "capacities %d/%d: parse %.3f/%.3f s, apply %.3f/%.3f s\n", N / 4, N, p1, p4,
            a1, a4);
    CHECK_DBL_LE(p4, 8.0);
    size_t cap, len;
    char *buf = capacities_yaml(N, 64, &cap, &len);
    struct config *cfg = NULL;
    struct error err = {0};
    double t0;
    /* a duplicate among many is still found, named */
    len += (size_t)snprintf(buf + len, cap - len, "    %d: {cpu: 1}\n", N / 2);
    CHECK_INT_EQ(config_parse(buf, len, "many.yaml", &cfg, &err), -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "duplicate key '20000' in capacity.brokers");
    free(buf);

    size_t deep = 200 * 1024;
    buf = malloc(deep);
    memset(buf, '[', deep);
    t0 = now_s();
    CHECK_INT_EQ(config_parse(buf, deep, "deep.yaml", &cfg, &err), -EINVAL);
    CHECK_DBL_LE(now_s() - t0, 20.0); /* refused at the depth limit; it took minutes */
    CHECK_STR_CONTAINS(err.msg, "deep.yaml:1:65: nested more than 64 levels deep");
    free(buf);
    /* 64 levels are fine as YAML (the key is then unknown) */
    char ok[512] = "x: ";
    for (int i = 0; i < 63; i++)
        strcat(ok, "[");
    for (int i = 0; i < 63; i++)
        strcat(ok, "]");
    CHECK_INT_EQ(config_parse(ok, strlen(ok), "ok.yaml", &cfg, &err), -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "unknown key 'x'");

    const char *zero = "capacity:\n  brokers:\n    1: {cpu: 1}\n    01: {cpu: 2}\n";
    CHECK_INT_EQ(config_parse(zero, strlen(zero), "z.yaml", &cfg, &err), -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "z.yaml:4:5: capacity.brokers: broker id '01' has a leading "
                                "zero; write 1");
    const char *plus = "capacity:\n  brokers:\n    +1: {cpu: 1}\n";
    CHECK_INT_EQ(config_parse(plus, strlen(plus), "z.yaml", &cfg, &err), -EINVAL);
    CHECK_STR_CONTAINS(err.msg, "capacity.brokers keys must be broker ids, not '+1'");
    const char *zero_ok = "capacity:\n  brokers:\n    0: {cpu: 1}\n";
    CHECK_INT_EQ(config_parse(zero_ok, strlen(zero_ok), "z.yaml", &cfg, &err), 0);
    config_destroy(cfg);
}

TEST(truncation_never_crashes)
{
    FILE *f = fopen(test_data("config/example.yaml"), "rb");
    CHECK(f != NULL);
    if (!f)
        return;
    char buf[8192];
    size_t len = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    for (size_t n = 0; n < len; n++) {
        struct config *cfg = NULL;
        struct error err = {0};
        if (config_parse(buf, n, "t", &cfg, &err) == 0)
            config_destroy(cfg);
        else
            CHECK(err.msg[0] != 0);
    }
}

TEST(capacity_precedence)
{
    struct model_cluster *c = model_cluster_create("p");
    model_rack_add(c, "eu-west-1a/r1", model_zone_add(c, "eu-west-1a/r1"));
    model_rack_add(c, "eu-west-1a/r2", model_zone_add(c, "eu-west-1a/r2"));
    int32_t b1, b2;
    model_broker_add(c, 1, 0, NULL, &b1);
    model_broker_add(c, 2, 1, NULL, &b2);
    c->brokers[b2].capacity[RES_DISK] = 5e12; /* the snapshot's own value */
    c->brokers[b2].capacity_set = 1u << RES_DISK;
    struct error err = {0};
    CHECK_INT_EQ(model_cluster_finalize(c, &err), 0);
    struct config *cfg = parse("capacity:\n  default: {cpu: 100, disk: 1TB, networkIn: 1GB, "
                               "networkOut: 1GB}\n  brokers:\n    \"1\": {disk: 3TB}\n"
                               "topology:\n  zoneSeparator: /\n", &err);
    CHECK(cfg != NULL);
    if (!cfg) {
        fprintf(stderr, "%s\n", err.msg);
        return;
    }
    CHECK_INT_EQ(config_apply_to_cluster(cfg, c, NULL, &err), 0);
    CHECK_NEAR(c->brokers[b1].capacity[RES_DISK], 3e12, 0);
    CHECK_NEAR(c->brokers[b2].capacity[RES_DISK], 5e12, 0);
    CHECK_NEAR(c->brokers[b2].capacity[RES_CPU], 100, 0);
    /* both racks map to one zone now */
    CHECK_INT_EQ(c->racks[0].zone, c->racks[1].zone);
    CHECK_INT_EQ(c->usable_zones, 1);
    config_destroy(cfg);
    model_cluster_destroy(c);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
