/* ballast execute: runs a plan on a live cluster (executor/executor.h), resumes the execution
 * a killed Ballast left, or stops one. Progress goes to stderr: a redrawn bar on a terminal,
 * plain lines otherwise. SIGINT and SIGTERM stop the execution (in-flight moves cancelled,
 * throttles removed). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "config/config.h"
#include "common/file.h"
#include "executor/executor.h"

void cmd_execute_help(FILE *out)
{
    struct exec_options d; /* the defaults shown are the executor's own */
    exec_options_default(&d);
    fprintf(out,
            "usage: ballast execute PLAN.json [options]\n"
            "       ballast execute --resume [options]\n"
            "       ballast execute --stop [options]\n\n"
            "PLAN.json is `ballast plan --reassignment-json` output (Kafka's reassignment format,\n"
            "log_dirs included) or `ballast plan --verbose --output-json` output (proposals).\n\n"
            "  --bootstrap LIST        brokers (default: the configuration's kafka.bootstrap)\n"
            "  --config FILE           connection, executor defaults (docs/configuration.md)\n"
            "  --state-dir DIR         journal and lock (default: executor.stateDir)\n"
            "  --throttle RATE         replication throttle per broker in bytes/s, e.g. 50MB\n"
            "                          (MB = 10^6, MiB = 2^20; output uses MB = 10^6)\n"
            "  --log-dir-throttle RATE intra-broker (log dir) move throttle per broker\n"
            "  --concurrency N         inter-broker moves in flight per broker (default %d)\n"
            "  --intra-concurrency N   log-dir moves in flight per broker (default %d)\n"
            "  --leader-concurrency N  leadership movements per batch (default %d)\n"
            "  --cluster-concurrency N inter-broker moves in flight cluster-wide (default %d)\n"
            "  --strategy S1,S2,...    PrioritizeLargeReplicaMovementStrategy,\n"
            "                          PrioritizeSmallReplicaMovementStrategy,\n"
            "                          PostponeUrpReplicaMovementStrategy,\n"
            "                          BaseReplicaMovementStrategy (chained; Base breaks ties)\n"
            "  --task-timeout S|auto   a move not finished after S seconds is cancelled (its\n"
            "                          replicas put back) and reported; auto (the default,\n"
            "                          executor.taskTimeoutMs 0): 3x its copy time at its share\n"
            "                          of the throttle, at least executor.taskTimeoutFloorMs\n"
            "                          (10 min); announced at half the time\n"
            "  --poll-interval S       how often progress is checked (default %g)\n"
            "  --foreign MODE          plan partitions with another tool's reassignment in\n"
            "                          progress: skip (default; reported), wait (move them once\n"
            "                          it ends) or cancel (cancel it, then move them)\n"
            "  --allow-concurrent      start although other reassignments (another tool's or\n"
            "                          another Ballast's) are in progress; refused otherwise\n"
            "  --resume                continue the execution the state dir holds\n"
            "  --cancel                with --resume: cancel its in-flight moves and stop\n"
            "  --stop                  stop the execution (a running ballast or a dead one's)\n"
            "  --quiet                 no progress output\n\n"
            "Exit status: 0 every move done, 1 failure or failed moves, 2 usage error or bad\n"
            "value, 3 stopped.\n",
            d.per_broker, d.intra_per_broker, d.leader_batch, d.cluster_cap, d.poll_s);
}

static void on_signal(int sig)
{
    (void)sig;
    exec_request_stop();
}

static int parse_int(const char *opt, const char *s, int lo, int hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return cli_fail(EXIT_USAGE, "execute: %s takes an integer %d..%d, not '%s'", opt, lo, hi, s);
    *out = (int)v;
    return 0;
}

static int parse_seconds(const char *opt, const char *s, double lo, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !(v >= lo) || v > 86400.0 * 30)
        return cli_fail(EXIT_USAGE, "execute: %s takes seconds (at least %g), not '%s'", opt, lo, s);
    *out = v;
    return 0;
}

static void print_report(const struct exec_report *r, double throttle, bool unfinished)
{
    fprintf(stdout, "execution %s: %d done, %d failed, %d skipped, %d not done, of %d tasks; "
            "%.1f of %.1f MB moved in %.1f s",
            unfinished ? "interrupted" : r->stopped ? "stopped" : "ended", r->done, r->failed,
            r->skipped, r->pending, r->total, (double)r->bytes_done / 1e6, (double)r->bytes_total / 1e6,
            r->seconds);
    if (throttle > 0 && r->bound_seconds > 0)
        fprintf(stdout, " (physical bound at %.1f MB/s per broker: %.1f s)", throttle / 1e6,
                r->bound_seconds);
    fprintf(stdout, "\n");
    if (r->throttles_left)
        fprintf(stdout, "%d throttle setting(s) of Ballast could not be removed yet: run "
                "`ballast execute --stop` when the brokers are back\n", r->throttles_left);
}

int cmd_execute(int argc, char **argv)
{
    const char *bootstrap = NULL, *config_path = NULL, *state_dir = NULL;
    const char *throttle_s = NULL, *logdir_s = NULL, *strategy = NULL;
    int concurrency = 0, intra = 0, leaders = 0, cluster = 0;
    double task_timeout = -1, poll = 0;
    bool resume = false, stop = false, cancel = false, quiet = false, o_allow = false;
    const char *foreign = NULL;
    static const struct option opts[] = {
        {"bootstrap", required_argument, NULL, 'b'},
        {"config", required_argument, NULL, 'c'},
        {"state-dir", required_argument, NULL, 'd'},
        {"throttle", required_argument, NULL, 't'},
        {"log-dir-throttle", required_argument, NULL, 'T'},
        {"concurrency", required_argument, NULL, 'n'},
        {"intra-concurrency", required_argument, NULL, 'i'},
        {"leader-concurrency", required_argument, NULL, 'l'},
        {"cluster-concurrency", required_argument, NULL, 'C'},
        {"strategy", required_argument, NULL, 's'},
        {"task-timeout", required_argument, NULL, 'o'},
        {"poll-interval", required_argument, NULL, 'p'},
        {"resume", no_argument, NULL, 'r'},
        {"cancel", no_argument, NULL, 'x'},
        {"stop", no_argument, NULL, 'S'},
        {"quiet", no_argument, NULL, 'q'},
        {"foreign", required_argument, NULL, 'F'},
        {"allow-concurrent", no_argument, NULL, 'A'},
        {NULL, 0, NULL, 0},
    };
    opterr = 0;
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        int rc = 0;
        switch (ch) {
        case 'b': bootstrap = optarg; break;
        case 'c': config_path = optarg; break;
        case 'd': state_dir = optarg; break;
        case 't': throttle_s = optarg; break;
        case 'T': logdir_s = optarg; break;
        case 'n': rc = parse_int("--concurrency", optarg, 1, 100000, &concurrency); break;
        case 'i': rc = parse_int("--intra-concurrency", optarg, 1, 100000, &intra); break;
        case 'l': rc = parse_int("--leader-concurrency", optarg, 1, 1000000, &leaders); break;
        case 'C': rc = parse_int("--cluster-concurrency", optarg, 1, 1000000, &cluster); break;
        case 's': strategy = optarg; break;
        case 'o':
            if (strcmp(optarg, "auto") == 0)
                task_timeout = 0;
            else
                rc = parse_seconds("--task-timeout", optarg, 0, &task_timeout);
            break;
        case 'p': rc = parse_seconds("--poll-interval", optarg, 0.05, &poll); break;
        case 'r': resume = true; break;
        case 'x': cancel = true; break;
        case 'S': stop = true; break;
        case 'q': quiet = true; break;
        case 'F': foreign = optarg; break;
        case 'A': o_allow = true; break;
        case ':': return cli_fail(EXIT_USAGE, "execute: option '%s' needs a value", argv[optind - 1]);
        default: return cli_fail(EXIT_USAGE, "execute: unknown option '%s' (see --help)", argv[optind - 1]);
        }
        if (rc)
            return rc;
    }
    const char *plan_path = optind < argc ? argv[optind++] : NULL;
    if (optind < argc)
        return cli_fail(EXIT_USAGE, "execute: unexpected argument '%s'", argv[optind]);
    if (resume + stop > 1)
        return cli_fail(EXIT_USAGE, "execute: --resume and --stop exclude each other");
    if ((resume || stop) && plan_path)
        return cli_fail(EXIT_USAGE, "execute: --%s takes no plan: the journal has it",
                        resume ? "resume" : "stop");
    if (!resume && !stop && !plan_path)
        return cli_fail(EXIT_USAGE, "execute: a PLAN.json, --resume or --stop is needed");
    if (cancel && !resume)
        return cli_fail(EXIT_USAGE, "execute: --cancel goes with --resume");

    struct error err = {0};
    struct config *cfg = NULL;
    if (config_path ? config_load(config_path, &cfg, &err) < 0 : !(cfg = config_default()))
        return cli_fail(1, "%s", err.msg);
    int exit_code = 1;
    struct exec_task *targets = NULL;
    int ntargets = 0;
    struct exec_options o;
    exec_options_default(&o);
    /* --resume keeps the journal's settings except those given here */
    /* (the configuration leaves what it does not set at 0: the executor's default stays) */
    const struct config_executor *ce = &cfg->executor;
    o.per_broker = concurrency ? concurrency : resume ? 0
                   : ce->concurrent_partition_movements_per_broker
                       ? ce->concurrent_partition_movements_per_broker : o.per_broker;
    o.intra_per_broker = intra ? intra : resume ? 0
                         : ce->concurrent_intra_broker_partition_movements
                             ? ce->concurrent_intra_broker_partition_movements
                             : o.intra_per_broker;
    o.leader_batch = leaders ? leaders : resume ? 0
                     : ce->concurrent_leader_movements ? ce->concurrent_leader_movements
                                                       : o.leader_batch;
    o.cluster_cap = cluster ? cluster : resume ? 0
                    : ce->max_cluster_partition_movements ? ce->max_cluster_partition_movements
                                                          : o.cluster_cap;
    o.throttle = resume ? -1 : cfg->executor.replication_throttle;
    o.log_dir_throttle = resume ? -1 : 0;
    o.task_timeout_ms = task_timeout >= 0 ? (int64_t)(task_timeout * 1000)
                        : resume ? -1 : cfg->executor.task_timeout_ms;
    o.task_timeout_floor_ms = resume ? 0
                              : ce->task_timeout_floor_ms ? ce->task_timeout_floor_ms
                                                          : o.task_timeout_floor_ms;
    o.poll_s = poll > 0 ? poll : resume ? 0
               : ce->poll_interval_ms ? ce->poll_interval_ms / 1000.0 : o.poll_s;
    if (!resume) {
        o.log_dir_throttle = cfg->executor.log_dir_throttle;
        if (!strategy && cfg->executor.strategies) {
            strategy = cfg->executor.strategies;
            if (exec_strategies_check(strategy, &err) < 0) {
                exit_code = cli_fail(1, "%s: executor.replicaMovementStrategies: %s",
                                     config_path ? config_path : "configuration", err.msg);
                goto out;
            }
        }
        if (!foreign)
            foreign = cfg->executor.foreign;
    }
    o.strategies = (char *)strategy;
    if (foreign) {
        if (strcmp(foreign, "skip") == 0)
            o.foreign = EXEC_FOREIGN_SKIP;
        else if (strcmp(foreign, "wait") == 0)
            o.foreign = EXEC_FOREIGN_WAIT;
        else if (strcmp(foreign, "cancel") == 0)
            o.foreign = EXEC_FOREIGN_CANCEL;
        else {
            exit_code = cli_fail(EXIT_USAGE, "execute: --foreign takes skip, wait or cancel, not "
                                 "'%s'", foreign);
            goto out;
        }
    }
    o.cancel_on_resume = cancel;
    o.allow_concurrent = o_allow;
    o.progress = quiet ? NULL : stderr;
    o.tty = !quiet && isatty(STDERR_FILENO);
    if (throttle_s && config_parse_bytes(throttle_s, true, &o.throttle) < 0) {
        exit_code = cli_fail(EXIT_USAGE, "execute: --throttle: '%s' is not a rate (e.g. 50MB, "
                             "10MiB, 1000000)", throttle_s);
        goto out;
    }
    if (logdir_s && config_parse_bytes(logdir_s, true, &o.log_dir_throttle) < 0) {
        exit_code = cli_fail(EXIT_USAGE, "execute: --log-dir-throttle: '%s' is not a rate (e.g. "
                             "50MB)", logdir_s);
        goto out;
    }
    struct exec_options given = o; /* --resume's -1: "keep the journal's" */
    given.throttle = given.throttle < 0 ? 0 : given.throttle;
    given.log_dir_throttle = given.log_dir_throttle < 0 ? 0 : given.log_dir_throttle;
    given.strategies = NULL;
    if (exec_options_check(&given, &err) < 0) {
        exit_code = cli_fail(EXIT_USAGE, "execute: %s", err.msg);
        goto out;
    }
    if (strategy && exec_strategies_check(strategy, &err) < 0) {
        exit_code = cli_fail(EXIT_USAGE, "execute: --strategy: %s", err.msg);
        goto out;
    }
    if (!bootstrap)
        bootstrap = cfg->kafka.bootstrap;
    if (!bootstrap) {
        exit_code = cli_fail(EXIT_USAGE, "execute: no --bootstrap and no kafka.bootstrap in the "
                             "configuration");
        goto out;
    }
    if (!state_dir)
        state_dir = cfg->executor.state_dir;
    if (plan_path) {
        char *buf = NULL;
        size_t len = 0;
        if (file_read(plan_path, EXEC_MAX_PLAN_BYTES, &buf, &len, &err) < 0) {
            cli_fail(1, "execute: %s", err.msg);
            goto out;
        }
        int rc = exec_plan_parse(buf, len, plan_path, &targets, &ntargets, &err);
        free(buf);
        if (rc < 0) {
            cli_fail(1, "execute: %s", err.msg);
            goto out;
        }
    }
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    struct kafka_opts kopts;
    cli_kafka_opts(cfg, 0, &kopts);
    struct exec_report rep = {0};
    struct exec_connect conn = {.bootstrap = bootstrap, .kopts = &kopts};
    int rc;
    if (stop)
        rc = exec_stop(&conn, state_dir, 120, &rep, &err);
    else if (resume)
        rc = exec_resume(&conn, state_dir, &o, &rep, &err);
    else
        rc = exec_run(&conn, state_dir, targets, ntargets, &o, &rep, &err);
    if (rc < 0) {
        cli_fail(1, "execute: %s", err.msg);
        if (rep.total > 0 && !stop) {
            /* it ended half-way (the cluster went away): where it stands, and what next */
            print_report(&rep, rep.throttle, true);
            fprintf(stdout, "the execution is unfinished (journal in %s): `ballast execute "
                    "--resume` continues it, `ballast execute --stop` cancels its moves and "
                    "removes its throttles\n", state_dir);
        }
        goto out;
    }
    print_report(&rep, rep.throttle, false);
    exit_code = rep.stopped ? 3 : (rep.failed || rep.throttles_left) ? 1 : 0;
out:
    exec_tasks_free(targets, ntargets);
    config_destroy(cfg);
    return exit_code;
}
