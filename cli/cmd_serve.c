/* ballast serve: the service (service/service.h) behind the REST API (api/api.h), until
 * SIGTERM or SIGINT. Signals are blocked in every thread and taken here with sigwait, so no
 * handler runs inside a lock. On a signal: stop accepting connections, end the tasks, leave
 * an execution in flight to the journal (the next start adopts it), exit 0. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "cli/commands.h"
#include "common/alloc.h"
#include "common/log.h"
#include "config/config.h"
#include "kafka/client.h"
#include "model/snapshot.h"
#include "optimizer/optimizer.h"
#include "rebalance/kube.h"
#include "rebalance/rebalance.h"
#include "service/service.h"

void cmd_serve_help(FILE *out)
{
    fprintf(out,
            "usage: ballast serve --config FILE [options]\n\n"
            "Runs the service: a live cluster model refreshed every api.refreshIntervalMs, the\n"
            "load monitor's sampler if configured, the default proposal recomputed on every\n"
            "new model, tasks, one execution at a time, and the REST API (docs/api.md).\n\n"
            "  --config FILE      configuration (docs/configuration.md: kafka, capacity, api,\n"
            "                     executor.stateDir, monitor)\n"
            "  --snapshot FILE    run on this snapshot instead of a live cluster: everything but\n"
            "                     execution works\n"
            "  --bootstrap LIST   brokers (default: kafka.bootstrap)\n"
            "  --state-dir DIR    tasks, the execution journal, the lock (default:\n"
            "                     executor.stateDir)\n"
            "  --listen ADDR      address to listen on (default: api.listen, 127.0.0.1)\n"
            "  --port N           port (default: api.port, 9090)\n"
            "  --kube-cluster NAME  Kubernetes mode (docs/rebalance.md): reconcile the\n"
            "                     KafkaRebalances labelled strimzi.io/cluster=NAME in the API\n"
            "                     instead of standalone ones\n"
            "  --kubeconfig FILE  the API's credentials (default: the pod's service account)\n"
            "  --kube-namespace NS  (default: the kubeconfig context's, the pod's, default)\n"
            "  --kube-selector SEL  more labels a resource must have\n"
            "                     (e.g. ballast.io/managed=true)\n"
            "  --auto-rebalance CLUSTER  the auto-rebalancer: an empty broker that joins gets\n"
            "                     CLUSTER-auto-rebalancing-add-brokers; ballast decommission\n"
            "                     gets CLUSTER-auto-rebalancing-remove-brokers (in Kubernetes\n"
            "                     mode created in the API; CLUSTER is the --kube-cluster)\n"
            "  --auto-template-add NAME, --auto-template-remove NAME  the KafkaRebalance\n"
            "                     (annotated strimzi.io/rebalance-template: \"true\") whose spec\n"
            "                     the auto-created resource of that mode takes\n"
            "  --auto-settle-ms N a joined broker waits this long first (30000)\n"
            "  --self-healing-ms N  self-healing (off by default): a broker dead this long\n"
            "                     that still holds replicas gets them moved off\n"
            "                     (CLUSTER-auto-rebalancing-fix-offline)\n\n"
            "Runs until SIGTERM or SIGINT, then exits 0; an execution in flight is left to the\n"
            "journal and adopted by the next start. A second service on the same state dir\n"
            "refuses to start. SIGHUP makes a service on a snapshot read the file again (a new\n"
            "model generation).\n");
}

/* SIGHUP: a service on a snapshot reads the file again into a new model generation (an
 * error leaves the current one and is logged); a live service ignores it. */
static void reread_snapshot(const char *path, const struct config *cfg, struct svc *svc)
{
    if (!path) {
        log_info("SIGHUP: ignored (the model is read from the cluster)");
        return;
    }
    struct model_capacity_table defaults;
    memset(&defaults, 0, sizeof(defaults));
    struct model_cluster *c = NULL;
    struct error err = {0};
    if (cli_snapshot_read(path, &defaults, &c, &err) < 0 ||
        config_apply_to_cluster(cfg, c, &defaults, &err) < 0) {
        log_error("SIGHUP: %s: %s; the model stays as it was", path, err.msg);
        model_cluster_destroy(c);
    } else if (svc_replace_snapshot(svc, c, &err) < 0) {
        log_error("SIGHUP: %s", err.msg);
    }
    model_capacity_table_finish(&defaults);
}

int cmd_serve(int argc, char **argv)
{
    const char *config_path = NULL, *snapshot = NULL, *bootstrap = NULL, *state_dir = NULL;
    const char *listen = NULL;
    const char *kube_cluster = NULL, *kubeconfig = NULL, *kube_ns = NULL, *kube_sel = NULL;
    const char *auto_cluster = NULL, *tmpl_add = NULL, *tmpl_remove = NULL;
    long port = 0, settle_ms = 30000, heal_ms = 0;
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},    {"snapshot", required_argument, NULL, 's'},
        {"bootstrap", required_argument, NULL, 'b'}, {"state-dir", required_argument, NULL, 'd'},
        {"listen", required_argument, NULL, 'l'},    {"port", required_argument, NULL, 'p'},
        {"kube-cluster", required_argument, NULL, 'K'},
        {"kubeconfig", required_argument, NULL, 'k'},
        {"kube-namespace", required_argument, NULL, 'n'},
        {"kube-selector", required_argument, NULL, 'L'},
        {"auto-rebalance", required_argument, NULL, 'a'},
        {"auto-settle-ms", required_argument, NULL, 'w'},
        {"auto-template-add", required_argument, NULL, 'A'},
        {"auto-template-remove", required_argument, NULL, 'R'},
        {"self-healing-ms", required_argument, NULL, 'H'},
        {NULL, 0, NULL, 0},
    };
    opterr = 0;
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (ch) {
        case 'c': config_path = optarg; break;
        case 's': snapshot = optarg; break;
        case 'b': bootstrap = optarg; break;
        case 'd': state_dir = optarg; break;
        case 'l': listen = optarg; break;
        case 'K': kube_cluster = optarg; break;
        case 'k': kubeconfig = optarg; break;
        case 'n': kube_ns = optarg; break;
        case 'L': kube_sel = optarg; break;
        case 'a': auto_cluster = optarg; break;
        case 'A': tmpl_add = optarg; break;
        case 'R': tmpl_remove = optarg; break;
        case 'w': {
            char *end;
            errno = 0;
            settle_ms = strtol(optarg, &end, 10);
            if (*end || errno || settle_ms < 0 || settle_ms > 86400000)
                return cli_fail(EXIT_USAGE, "serve: --auto-settle-ms takes 0..86400000, not '%s'",
                                optarg);
            break;
        }
        case 'H': {
            char *end;
            errno = 0;
            heal_ms = strtol(optarg, &end, 10);
            if (*end || errno || heal_ms < 1 || heal_ms > 86400000)
                return cli_fail(EXIT_USAGE, "serve: --self-healing-ms takes 1..86400000, not '%s'",
                                optarg);
            break;
        }
        case 'p': {
            char *end;
            errno = 0;
            port = strtol(optarg, &end, 10);
            if (*end || errno || port < 1 || port > 65535)
                return cli_fail(EXIT_USAGE, "serve: --port takes 1..65535, not '%s'", optarg);
            break;
        }
        case ':': return cli_fail(EXIT_USAGE, "serve: option '%s' needs a value", argv[optind - 1]);
        default: return cli_fail(EXIT_USAGE, "serve: unknown option '%s' (see --help)", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_fail(EXIT_USAGE, "serve: unexpected argument '%s'", argv[optind]);
    if ((kubeconfig || kube_ns || kube_sel) && !kube_cluster)
        return cli_fail(EXIT_USAGE, "serve: --kubeconfig, --kube-namespace and --kube-selector go "
                        "with --kube-cluster");
    if (auto_cluster && kube_cluster && strcmp(auto_cluster, kube_cluster) != 0)
        return cli_fail(EXIT_USAGE, "serve: --auto-rebalance '%s' in Kubernetes mode must name "
                        "the --kube-cluster cluster '%s' (its resources carry that label)",
                        auto_cluster, kube_cluster);
    if ((tmpl_add || tmpl_remove || heal_ms) && !auto_cluster)
        return cli_fail(EXIT_USAGE, "serve: --auto-template-add, --auto-template-remove and "
                        "--self-healing-ms go with --auto-rebalance");
    if (snapshot && bootstrap)
        return cli_fail(EXIT_USAGE, "serve: --snapshot and --bootstrap exclude each other");
    struct error err = {0};
    struct config *cfg = NULL;
    if (config_path ? config_load(config_path, &cfg, &err) < 0 : !(cfg = config_default()))
        return cli_fail(1, "%s", err.msg);
    if (listen) {
        free(cfg->api.listen);
        cfg->api.listen = xstrdup(listen);
    }
    if (port)
        cfg->api.port = (int32_t)port;
    if (!bootstrap)
        bootstrap = cfg->kafka.bootstrap;
    int exit_code = 1;
    struct model_cluster *c = NULL;
    struct svc *svc = NULL;
    struct api_server *api = NULL;
    struct rb_controller *rb = NULL;
    struct model_capacity_table snap_defaults;
    memset(&snap_defaults, 0, sizeof(snap_defaults));
    if (!snapshot && !bootstrap) {
        exit_code = cli_fail(EXIT_USAGE, "serve: no --bootstrap, no kafka.bootstrap in the "
                             "configuration and no --snapshot");
        goto out;
    }
    if (snapshot) {
        if (cli_snapshot_read(snapshot, &snap_defaults, &c, &err) < 0 ||
            config_apply_to_cluster(cfg, c, &snap_defaults, &err) < 0) {
            cli_fail(1, "serve: %s", err.msg);
            goto out;
        }
    }
    struct kafka_opts kopts;
    cli_kafka_opts(cfg, 0, &kopts);
    struct opt_request defaults;
    opt_request_init(&defaults);
    cli_thresholds(&cfg->thresholds, &defaults.th);
    /* every thread started from here on inherits the mask: only sigwait takes these */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    struct svc_options so = {.cfg = cfg, .snapshot = c, .bootstrap = bootstrap,
                             .kopts = &kopts, .th = &defaults.th, .state_dir = state_dir};
    if (svc_create(&so, &svc, &err) < 0) {
        cli_fail(1, "serve: %s", err.msg);
        goto out;
    }
    c = NULL; /* the service has it */
    if (svc_start(svc, &err) < 0) {
        cli_fail(1, "serve: %s", err.msg);
        goto out;
    }
    struct rb_options ro = {.svc = svc, .state_dir = svc_state_dir(svc)};
    if (auto_cluster)
        ro.autob = rb_auto_create(auto_cluster, settle_ms, tmpl_add, tmpl_remove, heal_ms);
    if (kube_cluster) {
        struct rb_kube_options ko = {kubeconfig, kube_ns, kube_cluster, kube_sel};
        if (rb_kube_create(&ko, &ro.kube, &err) < 0) {
            cli_fail(1, "serve: Kubernetes: %s", err.msg);
            goto stop;
        }
    }
    if (rb_controller_create(&ro, &rb, &err) < 0 || rb_controller_start(rb, &err) < 0) {
        cli_fail(1, "serve: %s", err.msg);
        goto stop;
    }
    struct api_server_options ao = {.svc = svc, .rebalances = rb, .cfg = cfg};
    if (api_server_start(&ao, &api, &err) < 0) {
        cli_fail(1, "serve: %s", err.msg);
        goto stop;
    }
    bool tls = cfg->api.tls_cert_file != NULL;
    log_info("listening on %s://%s:%d (auth %s), state dir %s, model from %s",
             tls ? "https" : "http", cfg->api.listen, cfg->api.port,
             cfg->api.credentials_file ? "on" : "OFF", svc_state_dir(svc),
             snapshot ? snapshot : bootstrap);
    if (!cfg->api.credentials_file && strcmp(cfg->api.listen, "127.0.0.1") != 0 &&
        strcmp(cfg->api.listen, "::1") != 0)
        log_warn("the API listens on %s without authentication (api.credentialsFile)",
                 cfg->api.listen);
    int sig = 0;
    while (sigwait(&set, &sig) == 0 && sig == SIGHUP)
        reread_snapshot(snapshot, cfg, svc);
    log_info("%s: stopping (no new requests; tasks end; an execution in flight is left to "
             "the journal)", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    exit_code = 0;
stop:
    api_server_quiesce(api);
    rb_controller_stop(rb);
    bool left = false;
    svc_shutdown(svc, &left);
    api_server_stop(api);
    if (left) {
        /* (the controller is stopped; its resources are on disk) */
        /* the executor thread still uses the service and the configuration: exit now */
        fflush(NULL);
        _exit(exit_code);
    }
out:
    rb_controller_destroy(rb);
    svc_destroy(svc);
    model_cluster_destroy(c);
    model_capacity_table_finish(&snap_defaults);
    config_destroy(cfg);
    return exit_code;
}
