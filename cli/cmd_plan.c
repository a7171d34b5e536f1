/* ballast plan: load a snapshot (and a configuration), plan, print the before/after summary
 * and write Cruise Control's optimization-result JSON and Kafka's reassignment file. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "common/alloc.h"
#include "common/file.h"
#include "config/config.h"
#include "goals/goal.h"
#include "model/snapshot.h"
#include "optimizer/optimizer.h"
#include "optimizer/report.h"

#define MAX_BROKER_ARGS 4096

void cmd_plan_help(FILE *out)
{
    fprintf(out,
            "usage: ballast plan --snapshot FILE [options]\n\n"
            "  --snapshot FILE            cluster snapshot (docs/snapshot.md); '-' = stdin\n"
            "  --config FILE              YAML configuration (docs/configuration.md)\n"
            "  --goals G1,G2,...          goals in priority order (default: the configuration's,\n"
            "                             else Cruise Control's defaults)\n"
            "  --skip-hard-goal-check     allow a goal list without every hard goal, and report a\n"
            "                             violated hard goal instead of failing\n"
            "  --mode MODE                full (default), add-brokers, remove-brokers, demote,\n"
            "                             fix-offline, remove-disks\n"
            "  --brokers 1,2,...          broker ids for add-brokers, remove-brokers, demote\n"
            "  --disks ID:DIR,...         log dirs for remove-disks (also ID-DIR, Cruise\n"
            "                             Control's brokerid_and_logdirs); DIR is a path or the\n"
            "                             dir's index among the broker's log dirs (from 0); their\n"
            "                             replicas move to the broker's other dirs\n"
            "  --excluded-topics REGEX    topics (whole names) whose replicas stay put (except\n"
            "                             off dead or removed brokers); their leadership may\n"
            "                             still move between their replicas (no data moves)\n"
            "  --output-json FILE         write Cruise Control's optimization result ('-' = stdout)\n"
            "  --reassignment-json FILE   write kafka-reassign-partitions.sh --execute input\n"
            "                             ('-' = stdout); with either on stdout, the text summary\n"
            "                             goes to stderr\n"
            "  --verbose                  the JSON also carries loadBeforeOptimization and proposals\n"
            "  --quiet                    no text summary (needs an output file)\n\n"
            "exit status: 0 planned, 1 failed (e.g. a hard goal cannot be met, a bad snapshot or\n"
            "configuration file), 2 usage error or bad value (an unknown option, goal or broker,\n"
            "a bad regex, a capacity for a broker the snapshot does not have)\n");
}

static int parse_mode(const char *s, enum search_mode *ret)
{
    static const struct {
        const char *name;
        enum search_mode mode;
    } modes[] = {{"full", SEARCH_MODE_FULL},
                 {"add-brokers", SEARCH_MODE_ADD_BROKERS},
                 {"remove-brokers", SEARCH_MODE_REMOVE_BROKERS},
                 {"demote", SEARCH_MODE_DEMOTE},
                 {"fix-offline", SEARCH_MODE_FIX_OFFLINE},
                 {"remove-disks", SEARCH_MODE_REMOVE_DISKS}};
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
        if (strcmp(s, modes[i].name) == 0) {
            *ret = modes[i].mode;
            return 0;
        }
    return -1;
}

static int write_text(const char *path, const char *text)
{
    if (strcmp(path, "-") == 0) {
        fputs(text, stdout);
        return 0;
    }
    struct error err = {0}; /* atomic: a reader never sees half a plan */
    if (file_write_atomic(path, text, strlen(text), &err) < 0)
        return cli_fail(-1, "%s", err.msg);
    return 0;
}

int cmd_plan(int argc, char **argv)
{
    const char *snapshot = NULL, *config_path = NULL, *goals_arg = NULL, *mode_arg = NULL;
    const char *brokers_arg = NULL, *disks_arg = NULL, *excluded = NULL, *out_json = NULL, *out_reassign = NULL;
    bool skip = false, verbose = false, quiet = false;
    static const struct option opts[] = {
        {"snapshot", required_argument, NULL, 's'},
        {"config", required_argument, NULL, 'c'},
        {"goals", required_argument, NULL, 'g'},
        {"skip-hard-goal-check", no_argument, NULL, 'k'},
        {"mode", required_argument, NULL, 'm'},
        {"brokers", required_argument, NULL, 'b'},
        {"disks", required_argument, NULL, 'd'},
        {"excluded-topics", required_argument, NULL, 'x'},
        {"output-json", required_argument, NULL, 'o'},
        {"reassignment-json", required_argument, NULL, 'r'},
        {"verbose", no_argument, NULL, 'v'},
        {"quiet", no_argument, NULL, 'q'},
        {NULL, 0, NULL, 0},
    };
    opterr = 0;
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (ch) {
        case 's': snapshot = optarg; break;
        case 'c': config_path = optarg; break;
        case 'g': goals_arg = optarg; break;
        case 'k': skip = true; break;
        case 'm': mode_arg = optarg; break;
        case 'b': brokers_arg = optarg; break;
        case 'd': disks_arg = optarg; break;
        case 'x': excluded = optarg; break;
        case 'o': out_json = optarg; break;
        case 'r': out_reassign = optarg; break;
        case 'v': verbose = true; break;
        case 'q': quiet = true; break;
        case ':': return cli_fail(EXIT_USAGE, "plan: option '%s' needs a value", argv[optind - 1]);
        default: return cli_fail(EXIT_USAGE, "plan: unknown option '%s' (see --help)", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_fail(EXIT_USAGE, "plan: unexpected argument '%s'", argv[optind]);
    if (!snapshot)
        return cli_fail(EXIT_USAGE, "plan: --snapshot FILE is required");
    if (quiet && !out_json && !out_reassign)
        return cli_fail(EXIT_USAGE, "plan: --quiet without --output-json or --reassignment-json "
                        "would plan and show nothing");
    /* Data on stdout is the only thing there: one file at most, and the summary on stderr. */
    bool json_stdout = out_json && strcmp(out_json, "-") == 0;
    bool reassign_stdout = out_reassign && strcmp(out_reassign, "-") == 0;
    if (json_stdout && reassign_stdout)
        return cli_fail(EXIT_USAGE, "plan: --output-json and --reassignment-json cannot both "
                        "write to stdout ('-'); give one of them a file");

    struct opt_request req;
    opt_request_init(&req);
    if (mode_arg && parse_mode(mode_arg, &req.mode) < 0)
        return cli_fail(EXIT_USAGE, "plan: --mode: unknown mode '%s' (full, add-brokers, "
                        "remove-brokers, demote, fix-offline, remove-disks)", mode_arg);
    if (disks_arg && req.mode != SEARCH_MODE_REMOVE_DISKS)
        return cli_fail(EXIT_USAGE, "plan: --disks goes with --mode remove-disks, not with "
                        "--mode %s", mode_arg ? mode_arg : "full");
    if (!disks_arg && req.mode == SEARCH_MODE_REMOVE_DISKS)
        return cli_fail(EXIT_USAGE, "plan: --mode remove-disks needs the log dirs to empty "
                        "(--disks ID:DIR,...)");
    struct opt_disk_list disks = {0};
    if (disks_arg) {
        struct error derr = {0};
        if (opt_disk_list_parse(disks_arg, &disks, &derr) < 0)
            return cli_fail(EXIT_USAGE, "plan: --disks: %s", derr.msg);
    }
    int32_t *ids = xcalloc(MAX_BROKER_ARGS, sizeof(int32_t));
    int nids = 0;
    if (brokers_arg && cli_parse_ids("--brokers", brokers_arg, ids, MAX_BROKER_ARGS, &nids) < 0) {
        free(ids);
        opt_disk_list_finish(&disks);
        return EXIT_USAGE;
    }
    if (nids && req.mode != SEARCH_MODE_ADD_BROKERS && req.mode != SEARCH_MODE_REMOVE_BROKERS &&
        req.mode != SEARCH_MODE_DEMOTE) {
        free(ids);
        opt_disk_list_finish(&disks);
        return cli_fail(EXIT_USAGE, "plan: --brokers goes with --mode add-brokers, "
                        "remove-brokers or demote, not with --mode %s",
                        mode_arg ? mode_arg : "full");
    }
    if (!nids && (req.mode == SEARCH_MODE_ADD_BROKERS || req.mode == SEARCH_MODE_REMOVE_BROKERS ||
                  req.mode == SEARCH_MODE_DEMOTE)) {
        free(ids);
        opt_disk_list_finish(&disks);
        return cli_fail(EXIT_USAGE, "plan: the brokers list is mandatory when using the %s "
                        "mode (--brokers)", mode_arg);
    }

    int exit_code = 1;
    struct error err = {0};
    struct config *cfg = NULL;
    struct model_cluster *c = NULL;
    struct opt_result *res = NULL;
    char **goal_list = NULL;
    struct model_capacity_table snap_defaults;
    memset(&snap_defaults, 0, sizeof(snap_defaults));
    if (config_path) {
        if (config_load(config_path, &cfg, &err) < 0) {
            cli_fail(1, "%s", err.msg);
            goto done;
        }
    } else {
        cfg = config_default();
    }
    if (cli_snapshot_read(snapshot, &snap_defaults, &c, &err) < 0) {
        cli_fail(1, "%s", err.msg);
        goto done;
    }
    for (int32_t i = 0; i < cfg->capacity.n; i++)
        if (model_broker_find(c, cfg->capacity.broker_ids[i]) < 0) {
            exit_code = cli_fail(EXIT_USAGE, "%s: capacity.brokers has broker \"%d\", which %s does "
                                 "not have (a typo, or the configuration of another cluster?)",
                                 config_path, cfg->capacity.broker_ids[i], snapshot);
            goto done;
        }
    if (config_apply_to_cluster(cfg, c, &snap_defaults, &err) < 0) {
        /* a capacity missing or not positive: say where capacities come from */
        cli_fail(1, "%s%s%s: %s; give one in the snapshot (brokers[].capacity or "
                 "defaultCapacity, docs/snapshot.md) or in a --config file (capacity.default or "
                 "capacity.brokers, docs/configuration.md)", snapshot,
                 config_path ? " with " : "", config_path ? config_path : "", err.msg);
        goto done;
    }
    cli_thresholds(&cfg->thresholds, &req.th);
    req.excluded_topics = excluded ? excluded : cfg->excluded_topics;
    req.min_topic_leaders_topics = cfg->min_topic_leaders_topics;
    req.skip_hard_goal_check = skip;
    req.brokers = ids;
    req.nbrokers = nids;
    req.disks = disks.refs;
    req.ndisks = disks.n;
    int ngoals = 0;
    if (goals_arg) {
        if (cli_split("plan: --goals", goals_arg, &goal_list, &ngoals) < 0) {
            exit_code = EXIT_USAGE;
            goto done;
        }
        req.goals = (const char *const *)goal_list;
        req.ngoals = ngoals;
    } else if (cfg->ngoals && req.mode != SEARCH_MODE_REMOVE_DISKS) {
        /* remove-disks runs the intra-broker disk goals, whatever the configuration lists */
        /* name the file: the planner's own message would not say where the goal came from */
        for (int32_t i = 0; i < cfg->ngoals; i++)
            if (!goal_find(cfg->goals[i])) {
                fprintf(stderr, "ballast: %s: unknown goal '%s'; supported goals:",
                        cfg->goal_places[i], cfg->goals[i]);
                for (int k = 0; goal_registry[k]; k++)
                    fprintf(stderr, "%s %s", k ? "," : "", goal_registry[k]->name);
                fprintf(stderr, "\n");
                exit_code = 1; /* as any other bad configuration file */
                goto done;
            }
        req.goals = (const char *const *)cfg->goals;
        req.ngoals = cfg->ngoals;
    }
    if (opt_plan(c, &req, &res, &err) < 0) {
        /* -EINVAL: the request itself is bad (goal, broker, regex); else planning failed */
        exit_code = cli_fail(err.code == -EINVAL ? EXIT_USAGE : 1, "plan: %s", err.msg);
        goto done;
    }
    if (!quiet)
        opt_report_text(json_stdout || reassign_stdout ? stderr : stdout, c, res, &req.th);
    if (out_json) {
        /* what backed the rates: the snapshot's "load" when a load monitor measured them */
        struct opt_report_opts ro = {verbose, c->load_measured ? c->load_windows : 0,
                                     c->load_measured ? c->load_monitored_pct : 100.0,
                                     &req.th};
        cJSON *j = opt_report_optimization_result(c, res, &ro);
        char *text = cJSON_Print(j);
        cJSON_Delete(j);
        char *with_nl = xasprintf("%s\n", text);
        cJSON_free(text);
        int wrc = write_text(out_json, with_nl);
        free(with_nl);
        if (wrc < 0)
            goto done;
    }
    if (out_reassign) {
        char *text = opt_report_reassignment_json(c, res);
        int wrc = write_text(out_reassign, text);
        free(text);
        if (wrc < 0)
            goto done;
    }
    exit_code = 0;
done:
    opt_result_destroy(res);
    model_cluster_destroy(c);
    model_capacity_table_finish(&snap_defaults);
    config_destroy(cfg);
    cli_free_list(goal_list);
    free(ids);
    opt_disk_list_finish(&disks);
    return exit_code;
}
