/* The Cruise Control-compatible API's endpoints: one table (name, method, Cruise Control's
 * name for it, its parameter whitelist, handler) and the handlers. Answers follow Cruise
 * Control's JSON field for field (units: disk MB, network KB/s, CPU percent); where Ballast has
 * no such feature (anomaly detection, two-step verification, provisioning, replication-factor
 * changes, disk removal) the endpoint answers as Cruise Control does with the feature off, or
 * refuses with the reason. docs/api.md has the table of every parameter. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/cc.h"
#include "common/alloc.h"
#include "executor/executor.h"
#include "goals/goal.h"
#include "optimizer/report.h"
#include "rebalance/rebalance.h"

/* ---- parameter whitelists (Cruise Control's *Parameters classes), lower case ---- */
#define COMMON "json", "get_response_schema", "doas"
#define GOAL_BASED                                                                         \
    "goals", "verbose", "excluded_topics", "use_ready_default_goals", "allow_capacity_estimation", \
        "data_from", "exclude_recently_demoted_brokers", "exclude_recently_removed_brokers",       \
        "fast_mode"
#define EXECUTION                                                                                  \
    "dryrun", "reason", "concurrent_partition_movements_per_broker",                               \
        "max_partition_movements_in_cluster", "concurrent_leader_movements",                       \
        "broker_concurrent_leader_movements", "execution_progress_check_interval_ms",              \
        "skip_hard_goal_check", "replica_movement_strategies", "replication_throttle",             \
        "review_id", "stop_ongoing_execution"

static const char *const p_state[] = {COMMON, "reason", "substates", "verbose", "super_verbose",
                                      NULL};
static const char *const p_load[] = {COMMON, "reason", "time", "start", "end",
                                     "allow_capacity_estimation", "populate_disk_info",
                                     "capacity_only", NULL};
static const char *const p_partition_load[] = {
    COMMON, "reason", "resource", "start", "end", "entries", "topic", "partition",
    "min_valid_partition_ratio", "brokerid", "allow_capacity_estimation", "max_load",
    "avg_load", NULL};
static const char *const p_proposals[] = {COMMON, GOAL_BASED, "reason", "ignore_proposal_cache",
                                          "kafka_assigner", "destination_broker_ids",
                                          "rebalance_disk", NULL};
static const char *const p_cluster_state[] = {COMMON, "reason", "topic", "verbose", NULL};
static const char *const p_user_tasks[] = {COMMON, "reason", "user_task_ids", "client_ids",
                                           "endpoints", "types", "entries",
                                           "fetch_completed_task", NULL};
static const char *const p_review_board[] = {COMMON, "review_ids", NULL};
static const char *const p_common[] = {COMMON, NULL};
static const char *const p_bootstrap[] = {COMMON, "start", "end", "clearmetrics",
                                          "developer_mode", NULL};
static const char *const p_train[] = {COMMON, "start", "end", NULL};
static const char *const p_rebalance[] = {COMMON, GOAL_BASED, EXECUTION,
                                          "concurrent_intra_broker_partition_movements",
                                          "ignore_proposal_cache", "kafka_assigner",
                                          "destination_broker_ids", "rebalance_disk", NULL};
static const char *const p_add_broker[] = {COMMON, GOAL_BASED, EXECUTION, "brokerid",
                                           "kafka_assigner", "throttle_added_broker", NULL};
static const char *const p_remove_broker[] = {COMMON, GOAL_BASED, EXECUTION, "brokerid",
                                              "kafka_assigner", "destination_broker_ids",
                                              "throttle_removed_broker", NULL};
static const char *const p_demote_broker[] = {
    COMMON, "dryrun", "reason", "verbose", "allow_capacity_estimation", "brokerid",
    "brokerid_and_logdirs", "concurrent_leader_movements", "broker_concurrent_leader_movements",
    "exclude_follower_demotion", "exclude_recently_demoted_brokers",
    "execution_progress_check_interval_ms", "replica_movement_strategies",
    "replication_throttle", "review_id", "skip_urp_demotion", "stop_ongoing_execution", NULL};
static const char *const p_fix_offline[] = {COMMON, GOAL_BASED, EXECUTION, NULL};
static const char *const p_remove_disks[] = {COMMON, "brokerid_and_logdirs", "dryrun", "reason",
                                             "stop_ongoing_execution", NULL};
static const char *const p_topic_config[] = {COMMON, GOAL_BASED, EXECUTION, "topic",
                                             "replication_factor", "skip_rack_awareness_check",
                                             NULL};
static const char *const p_stop[] = {COMMON, "reason", "review_id", "force_stop",
                                     "stop_external_agent", NULL};
static const char *const p_pause[] = {COMMON, "reason", "review_id", NULL};
static const char *const p_admin[] = {
    COMMON, "reason", "review_id", "concurrent_partition_movements_per_broker",
    "concurrent_intra_broker_partition_movements", "concurrent_leader_movements",
    "broker_concurrent_leader_movements", "max_partition_movements_in_cluster",
    "execution_progress_check_interval_ms", "disable_self_healing_for",
    "enable_self_healing_for", "drop_recently_removed_brokers", "drop_recently_demoted_brokers",
    "disable_concurrency_adjuster_for", "enable_concurrency_adjuster_for",
    "min_isr_based_concurrency_adjustment", NULL};
static const char *const p_review[] = {COMMON, "reason", "approve", "discard", NULL};
static const char *const p_rightsize[] = {COMMON, "reason", "num_brokers_to_add",
                                          "partition_count", "topic", NULL};

static const char *const anomaly_types[] = {"BROKER_FAILURE", "DISK_FAILURE", "GOAL_VIOLATION",
                                            "METRIC_ANOMALY", "TOPIC_ANOMALY",
                                            "MAINTENANCE_EVENT"};
#define NANOMALY 6

/* Validates parameters Ballast accepts and ignores (docs/api.md says why): booleans are still
 * true/false, numbers still numbers. */
static void accept_ignored(struct cc_req *q)
{
    static const char *const bools[] = {
        "get_response_schema", "allow_capacity_estimation", "use_ready_default_goals",
        "fast_mode", "exclude_recently_demoted_brokers", "exclude_recently_removed_brokers",
        "ignore_proposal_cache", "throttle_added_broker", "throttle_removed_broker",
        "skip_urp_demotion", "exclude_follower_demotion", "populate_disk_info", "capacity_only",
        "max_load", "avg_load", "force_stop", "stop_external_agent", "super_verbose",
        "clearmetrics", "developer_mode", NULL};
    /* the others of Cruise Control's execution parameters are honoured (execution_params) */
    static const char *const longs[] = {"broker_concurrent_leader_movements", NULL};
    for (const char *const *b = bools; *b && !q->failed; b++)
        cc_bool(q, *b, false);
    for (const char *const *l = longs; *l && !q->failed; l++)
        cc_long(q, *l, 1, INT32_MAX, 0);
    const char *df = cc_param(q, "data_from");
    if (!q->failed && df && strcasecmp(df, "VALID_WINDOWS") && strcasecmp(df, "VALID_PARTITIONS"))
        cc_bad(q, "Parameter data_from takes VALID_WINDOWS or VALID_PARTITIONS, not '%.64s'", df);
    if (!q->failed && cc_param(q, "review_id"))
        cc_bad(q, "review_id parameter is not relevant when two-step verification is disabled.");
}

/* ---- GET state ---- */

static cJSON *monitor_state(struct cc_req *q, const cJSON *st, bool verbose)
{
    const cJSON *m = cJSON_GetObjectItem(st, "monitor");
    const cJSON *model = cJSON_GetObjectItem(st, "model");
    const char *state = cJSON_GetStringValue(cJSON_GetObjectItem(m, "state"));
    cJSON *o = cJSON_CreateObject();
    /* NOT_CONFIGURED (no sampler): the load comes from sizes; nothing samples */
    cJSON_AddStringToObject(o, "state", !state || !strcmp(state, "NOT_CONFIGURED") ? "NOT_STARTED"
                                        : state);
    cJSON_AddBoolToObject(o, "trained", false);
    cJSON_AddNumberToObject(o, "trainingPct", 0);
    double windows = cJSON_GetNumberValue(cJSON_GetObjectItem(m, "numValidWindows"));
    double pct = cJSON_GetNumberValue(cJSON_GetObjectItem(m, "monitoredPartitionsPercentage"));
    double parts = cJSON_GetNumberValue(cJSON_GetObjectItem(model, "partitions"));
    if (isnan(windows))
        windows = 0;
    if (isnan(pct))
        pct = 0;
    if (isnan(parts))
        parts = 0;
    cJSON_AddNumberToObject(o, "numMonitoredWindows", windows);
    cJSON_AddNumberToObject(o, "numValidPartitions", round(parts * pct / 100.0));
    cJSON_AddNumberToObject(o, "numTotalPartitions", parts);
    cJSON_AddNumberToObject(o, "monitoringCoveragePct", pct);
    cJSON_AddNumberToObject(o, "numFlawedPartitions", 0);
    cJSON_AddStringToObject(o, "reasonOfLatestPauseOrResume", "N/A");
    if (verbose)
        cJSON_AddObjectToObject(o, "monitoredWindows");
    (void)q;
    return o;
}

static cJSON *executor_state(struct cc_req *q, const cJSON *st)
{
    const cJSON *e = cJSON_GetObjectItem(st, "executor");
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(e, "state"));
    cJSON *o = cJSON_CreateObject();
    bool running = s && strcmp(s, "NO_TASK_IN_PROGRESS") != 0;
    if (!running) {
        cJSON_AddStringToObject(o, "state", "NO_TASK_IN_PROGRESS");
        return o;
    }
    cJSON_AddStringToObject(o, "state", !strcmp(s, "STOPPING_EXECUTION")
                                            ? "STOPPING_EXECUTION"
                                            : "INTER_BROKER_REPLICA_MOVEMENT_TASK_IN_PROGRESS");
    const char *tid = cJSON_GetStringValue(cJSON_GetObjectItem(e, "triggeredTaskId"));
    cJSON_AddStringToObject(o, "triggeredUserTaskId", tid ? tid : "");
    cJSON_AddStringToObject(o, "triggeredSelfHealingTaskId", "");
    cJSON *t = tid ? svc_task_json(q->r->srv->svc, tid, false) : NULL;
    char reason[512];
    double created = cJSON_GetNumberValue(cJSON_GetObjectItem(t, "createdMs"));
    cc_reason_text(reason, sizeof(reason), cJSON_GetStringValue(cJSON_GetObjectItem(t, "reason")),
                   cJSON_GetStringValue(cJSON_GetObjectItem(t, "client")),
                   isnan(created) ? 0 : (int64_t)created);
    cJSON_Delete(t);
    cJSON_AddStringToObject(o, "triggeredTaskReason", reason);
    static const char *const map[][2] = {
        {"numTotalMovements", "numTotalPartitionMovements"},
        {"numFinishedMovements", "numFinishedPartitionMovements"},
        {"numInProgressMovements", "numInProgressPartitionMovements"},
        {"numPendingMovements", "numPendingPartitionMovements"},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        double v = cJSON_GetNumberValue(cJSON_GetObjectItem(e, map[i][0]));
        cJSON_AddNumberToObject(o, map[i][1], isnan(v) ? 0 : v);
    }
    cJSON_AddNumberToObject(o, "abortingPartitions", 0);
    double done = cJSON_GetNumberValue(cJSON_GetObjectItem(e, "bytesDone"));
    double total = cJSON_GetNumberValue(cJSON_GetObjectItem(e, "bytesTotal"));
    /* Cruise Control's MB: 2^20 bytes, whole numbers */
    cJSON_AddNumberToObject(o, "finishedDataMovement", isnan(done) ? 0 : floor(done / 1048576.0));
    cJSON_AddNumberToObject(o, "totalDataToMove", isnan(total) ? 0 : ceil(total / 1048576.0));
    const struct config_executor *x = &q->r->srv->cfg->executor;
    struct exec_options d;
    exec_options_default(&d);
    int per = x->concurrent_partition_movements_per_broker
                  ? x->concurrent_partition_movements_per_broker
                  : d.per_broker;
    /* the running execution's own (its request's, or changed through admin) */
    double now = cJSON_GetNumberValue(
        cJSON_GetObjectItem(cJSON_GetObjectItem(e, "concurrency"), "perBroker"));
    if (!isnan(now) && now > 0)
        per = (int)now;
    cJSON_AddNumberToObject(o, "maximumConcurrentPartitionMovementsPerBroker", per);
    cJSON_AddNumberToObject(o, "minimumConcurrentPartitionMovementsPerBroker", per);
    cJSON_AddNumberToObject(o, "averageConcurrentPartitionMovementsPerBroker", per);
    return o;
}

static cJSON *analyzer_state(const cJSON *st, bool verbose)
{
    const cJSON *a = cJSON_GetObjectItem(st, "analyzer");
    bool ready = cJSON_IsTrue(cJSON_GetObjectItem(a, "isProposalReady"));
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "isProposalReady", ready);
    cJSON *g = cJSON_AddArrayToObject(o, "readyGoals");
    for (int i = 0; ready && goal_defaults[i]; i++)
        cJSON_AddItemToArray(g, cJSON_CreateString(goal_defaults[i]->name));
    if (verbose) {
        cJSON *r = cJSON_AddArrayToObject(o, "goalReadiness");
        for (int i = 0; goal_defaults[i]; i++) {
            cJSON *x = cJSON_CreateObject();
            cJSON_AddStringToObject(x, "name", goal_defaults[i]->name);
            cJSON *m = cJSON_AddObjectToObject(x, "modelCompleteRequirement");
            cJSON_AddNumberToObject(m, "requiredNumSnapshots", 1);
            cJSON_AddNumberToObject(m, "minMonitoredPartitionsPercentage", 0);
            cJSON_AddBoolToObject(m, "includeAllTopics", true);
            cJSON_AddStringToObject(x, "status", ready ? "ready" : "notReady");
            cJSON_AddItemToArray(r, x);
        }
    }
    return o;
}

/* Ballast has no anomaly detector; the auto-rebalancer's self-healing (when configured) is
 * BROKER_FAILURE's, on or off as switched by admin; every other kind is off, nothing is
 * recent. */
static cJSON *anomaly_state(struct cc_req *q, const cJSON *st)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *au = rb_auto_state(q->r->srv->rebalances);
    const cJSON *h = cJSON_GetObjectItem(au, "selfHealing");
    bool bf_on = cJSON_IsTrue(cJSON_GetObjectItem(h, "enabled"));
    double bf_ratio = h ? cJSON_GetNumberValue(cJSON_GetObjectItem(h, "enabledRatio")) : 0.0;
    cJSON *en = cJSON_AddArrayToObject(o, "selfHealingEnabled");
    cJSON *dis = cJSON_AddArrayToObject(o, "selfHealingDisabled");
    cJSON *ratio = cJSON_AddObjectToObject(o, "selfHealingEnabledRatio");
    for (int i = 0; i < NANOMALY; i++) {
        bool bf = !strcmp(anomaly_types[i], "BROKER_FAILURE");
        cJSON_AddItemToArray(bf && bf_on ? en : dis, cJSON_CreateString(anomaly_types[i]));
        cJSON_AddNumberToObject(ratio, anomaly_types[i], bf && !isnan(bf_ratio) ? bf_ratio : 0.0);
    }
    cJSON_Delete(au);
    static const char *const recent[] = {"recentGoalViolations", "recentBrokerFailures",
                                         "recentMetricAnomalies", "recentDiskFailures",
                                         "recentTopicAnomalies", "recentMaintenanceEvents"};
    for (size_t i = 0; i < sizeof(recent) / sizeof(recent[0]); i++)
        cJSON_AddArrayToObject(o, recent[i]);
    cJSON *m = cJSON_AddObjectToObject(o, "metrics");
    cJSON *mt = cJSON_AddObjectToObject(m, "meanTimeBetweenAnomaliesMs");
    for (int i = 0; i < NANOMALY; i++)
        cJSON_AddNumberToObject(mt, anomaly_types[i], 0.0);
    cJSON_AddNumberToObject(m, "meanTimeToStartFixMs", 0.0);
    cJSON_AddNumberToObject(m, "numSelfHealingStarted", 0);
    cJSON_AddNumberToObject(m, "numSelfHealingFailedToStart", 0);
    cJSON_AddNumberToObject(m, "ongoingAnomalyDurationMs", 0);
    /* the default proposal's score of the current cluster, as Cruise Control's detector
     * reports it; 100 before there is one */
    double score = cc_default_score(q, cJSON_GetStringValue(cJSON_GetObjectItem(
                                           cJSON_GetObjectItem(st, "analyzer"), "defaultProposalId")));
    cJSON_AddNumberToObject(o, "balancednessScore", isnan(score) ? 100.0 : score);
    return o;
}

static void h_state(struct cc_req *q)
{
    bool verbose = cc_bool(q, "verbose", false);
    bool super = cc_bool(q, "super_verbose", false);
    int n = 0;
    char **subs = cc_list(q, "substates", 4, &n);
    bool want[4] = {n == 0, n == 0, n == 0, n == 0}; /* monitor, executor, analyzer, anomaly */
    static const char *const names[4] = {"monitor", "executor", "analyzer", "anomaly_detector"};
    for (int i = 0; i < n && !q->failed; i++) {
        int k = -1;
        for (int j = 0; j < 4; j++)
            if (!strcasecmp(subs[i], names[j]))
                k = j;
        if (k < 0)
            cc_bad(q, "Unsupported substates in %.64s. Supported: [ANALYZER, MONITOR, EXECUTOR, "
                   "ANOMALY_DETECTOR]", subs[i]);
        else
            want[k] = true;
    }
    cc_list_free(subs, n);
    if (q->failed)
        return;
    verbose = verbose || super;
    cJSON *st = svc_state_json(q->r->srv->svc);
    cJSON *j = cJSON_CreateObject();
    if (want[0])
        cJSON_AddItemToObject(j, "MonitorState", monitor_state(q, st, verbose));
    if (want[1])
        cJSON_AddItemToObject(j, "ExecutorState", executor_state(q, st));
    if (want[2])
        cJSON_AddItemToObject(j, "AnalyzerState", analyzer_state(st, verbose));
    if (want[3])
        cJSON_AddItemToObject(j, "AnomalyDetectorState", anomaly_state(q, st));
    cJSON_AddNumberToObject(j, "version", 1);
    cJSON_Delete(st);
    cc_reply(q, j, q->json ? NULL : cc_text_state(j));
}

/* ---- GET load, partition_load, kafka_cluster_state ---- */

/* Cruise Control answers a time range it has no windows for with NotEnoughValidWindows; a
 * model whose load was not sampled has none. */
static bool windows_for_range(struct cc_req *q, const struct model_cluster *c)
{
    long long start = cc_long(q, "start", LLONG_MIN, LLONG_MAX, -1);
    long long end = cc_long(q, "end", LLONG_MIN, LLONG_MAX, -1);
    long long time = cc_long(q, "time", LLONG_MIN, LLONG_MAX, -1);
    if (q->failed)
        return false;
    bool ranged = cc_param(q, "start") || cc_param(q, "end") || cc_param(q, "time");
    if (ranged && (!c->load_measured || c->load_windows < 1)) {
        cc_fail(q, "com.linkedin.kafka.cruisecontrol.exception.KafkaCruiseControlException: "
                "com.linkedin.cruisecontrol.exception.NotEnoughValidWindowsException",
                "There are only 0 valid windows when aggregating in range [%lld, %lld] "
                "(Ballast's model has no sampled load windows)", start,
                end >= 0 ? end : time);
        return false;
    }
    return true;
}

static struct svc_gen *model_or_fail(struct cc_req *q)
{
    struct svc_gen *g = svc_current(q->r->srv->svc);
    if (!g)
        cc_fail(q, "com.linkedin.kafka.cruisecontrol.exception.KafkaCruiseControlException: "
                "com.linkedin.cruisecontrol.exception.NotEnoughValidWindowsException",
                "There are only 0 valid windows: Ballast has not read the cluster yet (the "
                "first metadata and log-dir read is in progress)");
    return g;
}

static void h_load(struct cc_req *q)
{
    accept_ignored(q);
    if (q->failed)
        return;
    struct svc_gen *g = model_or_fail(q);
    if (!g)
        return;
    if (windows_for_range(q, g->cluster)) {
        cJSON *j = opt_report_broker_stats(g->cluster);
        cc_reply(q, j, q->json ? NULL : cc_text_load(j));
    }
    svc_gen_unref(g);
}

static bool resource_of(const char *s, enum model_res *ret)
{
    static const struct {
        const char *name;
        enum model_res r;
    } m[] = {{"cpu", RES_CPU},           {"disk", RES_DISK},
             {"nw_in", RES_NW_IN},       {"nw_out", RES_NW_OUT},
             {"networkinbound", RES_NW_IN}, {"networkoutbound", RES_NW_OUT}};
    for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
        if (!strcasecmp(s, m[i].name)) {
            *ret = m[i].r;
            return true;
        }
    return false;
}

static void h_partition_load(struct cc_req *q)
{
    accept_ignored(q);
    enum model_res res = RES_DISK;
    const char *rs = cc_param(q, "resource");
    if (!q->failed && rs && !resource_of(rs, &res))
        cc_bad(q, "Invalid resource type %.64s. The resource type must be one of the following: "
               "CPU, DISK, NW_IN, NW_OUT", rs);
    long long entries = cc_long(q, "entries", 1, INT32_MAX, INT32_MAX);
    cc_double(q, "min_valid_partition_ratio", 0, 1, 0);
    long long plo = -1, phi = -1;
    const char *ps = cc_param(q, "partition");
    if (!q->failed && ps) {
        char *end;
        errno = 0;
        plo = strtoll(ps, &end, 10);
        phi = plo;
        if (*end == '-') {
            const char *b = end + 1;
            phi = strtoll(b, &end, 10);
            if (end == b)
                end = (char *)"x";
        }
        if (end == ps || *end || errno || plo < 0 || phi < plo)
            cc_bad(q, "Parameter partition takes a partition number or a range a-b, not "
                   "'%.64s'", ps);
    }
    regex_t re;
    const char *topic = cc_param(q, "topic");
    bool have_re = false;
    if (!q->failed && topic) {
        if (regcomp(&re, topic, REG_EXTENDED | REG_NOSUB) != 0)
            cc_bad(q, "Parameter topic: '%.64s' is not a regular expression", topic);
        else
            have_re = true;
    }
    int nb = 0;
    int32_t *brokers = q->failed ? NULL : cc_brokers(q, "brokerid", &nb);
    struct svc_gen *g = q->failed ? NULL : model_or_fail(q);
    if (g && windows_for_range(q, g->cluster)) {
        cJSON *all = svc_partition_load_json(q->r->srv->svc, res, INT_MAX);
        cJSON *j = cJSON_CreateObject();
        cJSON *recs = cJSON_AddArrayToObject(j, "records");
        const cJSON *it;
        long long k = 0;
        cJSON_ArrayForEach(it, cJSON_GetObjectItem(all, "records"))
        {
            if (k >= entries)
                break;
            const char *t = cJSON_GetStringValue(cJSON_GetObjectItem(it, "topic"));
            double part = cJSON_GetNumberValue(cJSON_GetObjectItem(it, "partition"));
            double leader = cJSON_GetNumberValue(cJSON_GetObjectItem(it, "leader"));
            if (have_re) {
                /* whole topic names, as Java's Pattern.matches */
                regmatch_t mt;
                regex_t full;
                char *anch = xasprintf("^(%s)$", topic);
                bool ok = regcomp(&full, anch, REG_EXTENDED) == 0;
                free(anch);
                bool match = ok && regexec(&full, t, 1, &mt, 0) == 0;
                if (ok)
                    regfree(&full);
                if (!match)
                    continue;
            }
            if (plo >= 0 && (part < (double)plo || part > (double)phi))
                continue;
            const cJSON *reps = cJSON_GetObjectItem(it, "replicas");
            if (nb) {
                bool hit = false;
                const cJSON *b;
                cJSON_ArrayForEach(b, reps) for (int i = 0; i < nb; i++) hit =
                    hit || (int32_t)b->valuedouble == brokers[i];
                if (!hit)
                    continue;
            }
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "topic", t);
            cJSON_AddNumberToObject(o, "partition", part);
            cJSON_AddNumberToObject(o, "leader", leader);
            cJSON *f = cJSON_AddArrayToObject(o, "followers");
            const cJSON *b;
            cJSON_ArrayForEach(b, reps) if (b->valuedouble != leader)
                cJSON_AddItemToArray(f, cJSON_CreateNumber(b->valuedouble));
            static const char *const fields[] = {"cpu", "networkInbound", "networkOutbound",
                                                 "disk"};
            for (int i = 0; i < 4; i++)
                cJSON_AddNumberToObject(
                    o, fields[i], cJSON_GetNumberValue(cJSON_GetObjectItem(it, fields[i])));
            cJSON_AddNumberToObject(o, "msg_in", 0.0); /* no messages-in rate in the model */
            cJSON_AddItemToArray(recs, o);
            k++;
        }
        cJSON_Delete(all);
        cc_reply(q, j, q->json ? NULL : cc_text_partition_load(recs));
    }
    svc_gen_unref(g);
    free(brokers);
    if (have_re)
        regfree(&re);
}

static double std_of(const double *v, int n, double *ret_avg, double *ret_max)
{
    double s = 0, mx = 0;
    for (int i = 0; i < n; i++) {
        s += v[i];
        mx = fmax(mx, v[i]);
    }
    double avg = n ? s / n : 0, var = 0;
    for (int i = 0; i < n; i++)
        var += (v[i] - avg) * (v[i] - avg);
    *ret_avg = avg;
    *ret_max = mx;
    return n ? sqrt(var / n) : 0;
}

static void h_cluster_state(struct cc_req *q)
{
    bool verbose = cc_bool(q, "verbose", false);
    accept_ignored(q);
    const char *topic = cc_param(q, "topic");
    regex_t re;
    bool have_re = false;
    if (!q->failed && topic) {
        char *anch = xasprintf("^(%s)$", topic);
        if (regcomp(&re, anch, REG_EXTENDED | REG_NOSUB) != 0)
            cc_bad(q, "Parameter topic: '%.64s' is not a regular expression", topic);
        else
            have_re = true;
        free(anch);
    }
    struct svc_gen *g = q->failed ? NULL : model_or_fail(q);
    if (g) {
        const struct model_cluster *c = g->cluster;
        double *lead = xcalloc((size_t)c->nbrokers + 1, sizeof(double));
        double *reps = xcalloc((size_t)c->nbrokers + 1, sizeof(double));
        double *oos = xcalloc((size_t)c->nbrokers + 1, sizeof(double));
        cJSON *j = cJSON_CreateObject();
        cJSON *ps = cJSON_AddObjectToObject(j, "KafkaPartitionState");
        cJSON *offline = cJSON_AddArrayToObject(ps, "offline");
        cJSON *urp = cJSON_AddArrayToObject(ps, "urp");
        cJSON_AddArrayToObject(ps, "with-offline-replicas");
        cJSON_AddArrayToObject(ps, "under-min-isr");
        cJSON *other = verbose ? cJSON_AddArrayToObject(ps, "other") : NULL;
        int64_t nleaders = 0;
        for (int32_t p = 0; p < c->npartitions; p++) {
            const struct model_partition *part = &c->partitions[p];
            const struct model_replica *r = model_replicas_of(c, p);
            bool under = false;
            for (int i = 0; i < part->rf; i++) {
                reps[r[i].broker]++;
                if (!(part->isr & (1u << i))) {
                    oos[r[i].broker]++;
                    under = true;
                }
            }
            if (part->leader >= 0) {
                lead[r[part->leader].broker]++;
                nleaders++;
            }
            const char *tname = c->topics[part->topic].name;
            if (have_re && regexec(&re, tname, 0, NULL, 0) != 0)
                continue;
            cJSON *dest = part->leader < 0 ? offline : under ? urp : other;
            if (!dest)
                continue;
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "topic", tname);
            cJSON_AddNumberToObject(o, "partition", part->id);
            cJSON_AddNumberToObject(o, "leader",
                                    part->leader >= 0 ? c->brokers[r[part->leader].broker].id : -1);
            cJSON *rl = cJSON_AddArrayToObject(o, "replicas");
            cJSON *il = cJSON_AddArrayToObject(o, "in-sync");
            cJSON *ol = cJSON_AddArrayToObject(o, "out-of-sync");
            cJSON_AddArrayToObject(o, "offline");
            for (int i = 0; i < part->rf; i++) {
                int32_t id = c->brokers[r[i].broker].id;
                cJSON_AddItemToArray(rl, cJSON_CreateNumber(id));
                cJSON_AddItemToArray((part->isr & (1u << i)) ? il : ol, cJSON_CreateNumber(id));
            }
            cJSON_AddItemToArray(dest, o);
        }
        cJSON *bs = cJSON_AddObjectToObject(j, "KafkaBrokerState");
        cJSON *lc = cJSON_AddObjectToObject(bs, "LeaderCountByBrokerId");
        cJSON *oc = cJSON_AddObjectToObject(bs, "OutOfSyncCountByBrokerId");
        cJSON *rc = cJSON_AddObjectToObject(bs, "ReplicaCountByBrokerId");
        cJSON *ofc = cJSON_AddObjectToObject(bs, "OfflineReplicaCountByBrokerId");
        cJSON *ctl = cJSON_AddObjectToObject(bs, "IsController");
        cJSON *on = cJSON_AddObjectToObject(bs, "OnlineLogDirsByBrokerId");
        cJSON_AddObjectToObject(bs, "OfflineLogDirsByBrokerId");
        cJSON *set = cJSON_AddObjectToObject(bs, "BrokerSetByBrokerId");
        for (int32_t b = 0; b < c->nbrokers; b++) {
            char id[16];
            snprintf(id, sizeof(id), "%d", c->brokers[b].id);
            cJSON_AddNumberToObject(lc, id, lead[b]);
            cJSON_AddNumberToObject(oc, id, oos[b]);
            cJSON_AddNumberToObject(rc, id, reps[b]);
            cJSON_AddNumberToObject(ofc, id, 0);
            cJSON_AddBoolToObject(ctl, id, false); /* the model does not record the controller */
            cJSON *dirs = cJSON_AddArrayToObject(on, id);
            for (int32_t d = 0; d < c->brokers[b].ndisks; d++)
                cJSON_AddItemToArray(
                    dirs, cJSON_CreateString(c->disks[c->brokers[b].first_disk + d].path));
            int32_t bset = c->brokers[b].broker_set;
            cJSON_AddStringToObject(set, id, bset >= 0 ? c->broker_sets[bset] : "");
        }
        double ar, mr, al, ml;
        double sr = std_of(reps, c->nbrokers, &ar, &mr);
        double sl = std_of(lead, c->nbrokers, &al, &ml);
        cJSON *sum = cJSON_AddObjectToObject(bs, "Summary");
        cJSON_AddNumberToObject(sum, "Brokers", c->nbrokers);
        cJSON_AddNumberToObject(sum, "Topics", c->ntopics);
        cJSON_AddNumberToObject(sum, "Replicas", (double)c->nreplicas);
        cJSON_AddNumberToObject(sum, "Leaders", (double)nleaders);
        cJSON_AddNumberToObject(sum, "AvgReplicationFactor",
                                c->npartitions ? (double)c->nreplicas / c->npartitions : 0);
        cJSON_AddNumberToObject(sum, "AvgReplicasPerBroker", ar);
        cJSON_AddNumberToObject(sum, "AvgLeadersPerBroker", al);
        cJSON_AddNumberToObject(sum, "MaxReplicasPerBroker", mr);
        cJSON_AddNumberToObject(sum, "MaxLeadersPerBroker", ml);
        cJSON_AddNumberToObject(sum, "StdReplicasPerBroker", sr);
        cJSON_AddNumberToObject(sum, "StdLeadersPerBroker", sl);
        free(lead);
        free(reps);
        free(oos);
        svc_gen_unref(g);
        cc_reply(q, j, q->json ? NULL : cc_text_cluster_state(j));
    }
    if (have_re)
        regfree(&re);
}

/* ---- GET user_tasks ---- */

static bool in_list(char **items, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (s && !strcasecmp(items[i], s))
            return true;
    return false;
}

/* "POST /kafkacruisecontrol/rebalance?..." -> "rebalance" (buf). */
static const char *endpoint_of(const char *url, char *buf, size_t n)
{
    const char *p = strchr(url, ' ');
    p = p ? p + 1 : url;
    size_t len = strcspn(p, "?");
    const char *slash = p;
    for (size_t i = 0; i < len; i++)
        if (p[i] == '/')
            slash = p + i + 1;
    snprintf(buf, n, "%.*s", (int)(len - (size_t)(slash - p)), slash);
    return buf;
}

static void h_user_tasks(struct cc_req *q)
{
    accept_ignored(q);
    int nids = 0, nclients = 0, neps = 0, ntypes = 0;
    char **ids = cc_list(q, "user_task_ids", 1000, &nids);
    char **clients = cc_list(q, "client_ids", 1000, &nclients);
    char **eps = cc_list(q, "endpoints", 64, &neps);
    char **types = cc_list(q, "types", 4, &ntypes);
    long long entries = cc_long(q, "entries", 1, INT32_MAX, INT32_MAX);
    bool fetch = cc_bool(q, "fetch_completed_task", false);
    for (int i = 0; i < nids && !q->failed; i++)
        if (strlen(ids[i]) != 36 || strspn(ids[i], "0123456789abcdefABCDEF-") != 36)
            cc_bad(q, "Invalid UUID string: %.64s", ids[i]);
    for (int i = 0; i < ntypes && !q->failed; i++)
        if (!in_list((char **)svc_task_state_names, 4, types[i]))
            cc_bad(q, "Unsupported user task type %.64s. Supported: [Active, InExecution, "
                   "Completed, CompletedWithError]", types[i]);
    for (int i = 0; i < neps && !q->failed; i++) {
        bool known = false;
        for (int k = 0; k < cc_nendpoints && !known; k++)
            known = !strcasecmp(eps[i], cc_endpoints[k].name);
        if (!known)
            cc_bad(q, "Unsupported endpoint %.64s in parameter endpoints", eps[i]);
    }
    if (!q->failed) {
        cJSON *all = svc_tasks_json(q->r->srv->svc, INT_MAX);
        cJSON *j = cJSON_CreateObject();
        cJSON *out = cJSON_AddArrayToObject(j, "userTasks");
        const cJSON *t;
        long long k = 0;
        cJSON_ArrayForEach(t, cJSON_GetObjectItem(all, "tasks"))
        {
            if (k >= entries)
                break;
            const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(t, "id"));
            const char *st = cJSON_GetStringValue(cJSON_GetObjectItem(t, "state"));
            const char *client = cJSON_GetStringValue(cJSON_GetObjectItem(t, "client"));
            const char *url = cJSON_GetStringValue(cJSON_GetObjectItem(t, "requestUrl"));
            char native[64], epbuf[64];
            if (!url) { /* a task of the native API */
                snprintf(native, sizeof(native), "POST /api/v1/rebalance");
                url = native;
            }
            if ((nids && !in_list(ids, nids, id)) || (nclients && !in_list(clients, nclients,
                                                                            client)) ||
                (ntypes && !in_list(types, ntypes, st)) ||
                (neps && !in_list(eps, neps, endpoint_of(url, epbuf, sizeof(epbuf)))))
                continue;
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "UserTaskId", id);
            cJSON_AddStringToObject(o, "RequestURL", url);
            cJSON_AddStringToObject(o, "ClientIdentity", client ? client : "-");
            char ms[32];
            snprintf(ms, sizeof(ms), "%.0f",
                     cJSON_GetNumberValue(cJSON_GetObjectItem(t, "createdMs")));
            cJSON_AddStringToObject(o, "StartMs", ms);
            cJSON_AddStringToObject(o, "Status", st);
            if (fetch && strcmp(st, "Active") != 0) {
                cJSON *full = svc_task_json(q->r->srv->svc, id, true);
                const cJSON *p = cJSON_GetObjectItemCaseSensitive(full, "planned");
                const cJSON *r = cJSON_GetObjectItemCaseSensitive(full, "result");
                const cJSON *use = cJSON_IsRaw(p) ? p : r;
                if (cJSON_IsRaw(use))
                    cJSON_AddStringToObject(o, "originalResponse", use->valuestring);
                cJSON_Delete(full);
            }
            cJSON_AddItemToArray(out, o);
            k++;
        }
        cJSON_Delete(all);
        cc_reply(q, j, q->json ? NULL : cc_text_user_tasks(out));
    }
    cc_list_free(ids, nids);
    cc_list_free(clients, nclients);
    cc_list_free(eps, neps);
    cc_list_free(types, ntypes);
}

/* ---- the rebalance family ---- */

/* The parameters every goal-based request shares, into req. */
static void goal_params(struct cc_req *q, struct svc_request *req)
{
    req->verbose = cc_bool(q, "verbose", false);
    req->skip_hard_goal_check = cc_bool(q, "skip_hard_goal_check", false);
    if (cc_bool(q, "kafka_assigner", false) && !q->failed)
        cc_bad(q, "kafka_assigner=true is not supported: Ballast plans with its goals only");
    if (cc_bool(q, "rebalance_disk", false) && !q->failed)
        cc_bad(q, "rebalance_disk=true is not supported: Ballast does not move replicas between "
               "the disks of one broker");
    if (!q->failed && cc_param(q, "destination_broker_ids"))
        cc_bad(q, "destination_broker_ids is not supported: Ballast chooses the destinations "
               "among all eligible brokers");
    int n = 0;
    char **goals = cc_list(q, "goals", SVC_MAX_GOALS, &n);
    for (int i = 0; i < n && !q->failed; i++)
        if (!goal_find(goals[i])) {
            char list[2048] = "";
            size_t at = 0;
            for (int k = 0; goal_registry[k] && at < sizeof(list) - 64; k++)
                at += (size_t)snprintf(list + at, sizeof(list) - at, "%s%s", k ? ", " : "",
                                       goal_registry[k]->name);
            cc_fail(q, "java.lang.IllegalArgumentException", "Unrecognized goal %.128s; "
                    "supported goals: [%s]", goals[i], list);
        }
    if (!q->failed && n && !req->skip_hard_goal_check) {
        /* Cruise Control's sanity check, in its words */
        char missing[1024] = "", given[2048] = "";
        size_t am = 0, ag = 0;
        for (int k = 0; goal_hard_defaults[k] && am < sizeof(missing) - 64; k++) {
            bool in = false;
            for (int i = 0; i < n && !in; i++)
                in = goal_find(goals[i]) == goal_hard_defaults[k];
            if (!in)
                am += (size_t)snprintf(missing + am, sizeof(missing) - am, "%s%s",
                                       am ? ", " : "", goal_hard_defaults[k]->name);
        }
        for (int i = 0; i < n && ag < sizeof(given) - 300; i++)
            ag += (size_t)snprintf(given + ag, sizeof(given) - ag, "%s%s", i ? ", " : "",
                                   goals[i]);
        if (am)
            cc_fail(q, "java.lang.IllegalArgumentException", "Missing hard goals [%s] in the "
                    "provided goals: [%s]. Add skip_hard_goal_check=true parameter to ignore "
                    "this sanity check.", missing, given);
    }
    if (q->failed || !n) {
        cc_list_free(goals, n);
    } else {
        req->goals = goals;
        req->ngoals = n;
    }
    const char *ex = cc_param(q, "excluded_topics");
    if (!q->failed && ex) {
        regex_t re;
        if (regcomp(&re, ex, REG_EXTENDED | REG_NOSUB) != 0) {
            cc_bad(q, "Parameter excluded_topics: '%.64s' is not a regular expression", ex);
        } else {
            regfree(&re);
            req->excluded_topics = xstrdup(ex);
        }
    }
}

/* The execution parameters into req; false after answering. */
static bool execution_params(struct cc_req *q, struct svc_request *req)
{
    req->dryrun = cc_bool(q, "dryrun", true);
    bool stop = cc_bool(q, "stop_ongoing_execution", false);
    if (!q->failed && stop && req->dryrun)
        cc_bad(q, "stop_ongoing_execution and dryrun cannot both be set to true.");
    req->stop_ongoing = stop;
    req->concurrency = (int)cc_long(q, "concurrent_partition_movements_per_broker", 1, 100000, 0);
    req->leader_concurrency = (int)cc_long(q, "concurrent_leader_movements", 1, 1000000, 0);
    req->intra_concurrency =
        (int)cc_long(q, "concurrent_intra_broker_partition_movements", 1, 100000, 0);
    req->cluster_concurrency = (int)cc_long(q, "max_partition_movements_in_cluster", 1, 1000000, 0);
    req->poll_ms = (int)cc_long(q, "execution_progress_check_interval_ms", 100, 3600000, 0);
    long long th = cc_long(q, "replication_throttle", 1, LLONG_MAX, -1);
    if (th > 0)
        req->throttle = (double)th;
    int n = 0;
    char **st = cc_list(q, "replica_movement_strategies", 8, &n); /* checks the items */
    cc_list_free(st, n);
    const char *strategies = cc_param(q, "replica_movement_strategies");
    struct error e = {0};
    if (!q->failed && strategies && exec_strategies_check(strategies, &e) < 0)
        cc_bad(q, "Parameter replica_movement_strategies: %s", e.msg);
    else if (!q->failed && strategies)
        req->strategies = xstrdup(strategies);
    const char *reason = cc_param(q, "reason");
    if (!q->failed && reason) {
        if (strlen(reason) > 256)
            cc_bad(q, "Parameter reason is longer than 256 characters");
        else
            req->reason = xstrdup(reason);
    }
    accept_ignored(q);
    if (q->failed)
        return false;
    return cc_role(q, req->dryrun ? API_ROLE_USER : API_ROLE_ADMIN,
                   req->dryrun ? "a dry run" : "an execution (dryrun=false)");
}

static void rebalance_like(struct cc_req *q, enum svc_mode mode, const char *operation)
{
    struct svc_request req;
    svc_request_init(&req);
    req.mode = mode;
    if (mode != SVC_MODE_DEMOTE)
        goal_params(q, &req);
    else
        req.verbose = cc_bool(q, "verbose", false);
    if (!q->failed && (mode == SVC_MODE_ADD_BROKERS || mode == SVC_MODE_REMOVE_BROKERS ||
                       mode == SVC_MODE_DEMOTE)) {
        if (mode == SVC_MODE_DEMOTE && cc_param(q, "brokerid_and_logdirs"))
            cc_bad(q, "brokerid_and_logdirs is not supported on demote_broker: Ballast demotes "
                   "whole brokers");
        else if (!cc_param(q, "brokerid"))
            cc_bad(q, "Parameter brokerid is missing");
        else
            req.brokers = cc_brokers(q, "brokerid", &req.nbrokers);
    }
    if (q->failed || !execution_params(q, &req)) {
        svc_request_finish(&req);
        return;
    }
    cc_async(q, &req, operation);
}

static void h_rebalance(struct cc_req *q)
{
    rebalance_like(q, SVC_MODE_FULL, "Rebalance");
}

static void h_add_broker(struct cc_req *q)
{
    rebalance_like(q, SVC_MODE_ADD_BROKERS, "Add brokers");
}

static void h_remove_broker(struct cc_req *q)
{
    rebalance_like(q, SVC_MODE_REMOVE_BROKERS, "Remove brokers");
}

static void h_demote_broker(struct cc_req *q)
{
    rebalance_like(q, SVC_MODE_DEMOTE, "Demote brokers");
}

static void h_fix_offline(struct cc_req *q)
{
    rebalance_like(q, SVC_MODE_FIX_OFFLINE, "Fix offline replicas");
}

/* GET proposals: a dry-run rebalance (the default goals answer from the proposal cache). */
static void h_proposals(struct cc_req *q)
{
    struct svc_request req;
    svc_request_init(&req);
    goal_params(q, &req);
    accept_ignored(q);
    const char *reason = cc_param(q, "reason");
    if (reason && !q->failed)
        req.reason = xstrndup(reason, 256);
    if (q->failed) {
        svc_request_finish(&req);
        return;
    }
    cc_async(q, &req, "Get customized proposals");
}

static void h_remove_disks(struct cc_req *q)
{
    int n = 0;
    char **items = cc_list(q, "brokerid_and_logdirs", 4096, &n);
    if (!q->failed && !items)
        cc_bad(q, "Parameter brokerid_and_logdirs is missing");
    struct svc_gen *g = svc_current(q->r->srv->svc);
    for (int i = 0; i < n && !q->failed; i++) {
        char *dash = strchr(items[i], '-');
        char *end;
        long id = dash ? strtol(items[i], &end, 10) : -1;
        if (!dash || end != dash || id < 0 || id > INT32_MAX || !dash[1]) {
            cc_bad(q, "Parameter brokerid_and_logdirs: '%.64s' is not brokerid-logdir",
                   items[i]);
            break;
        }
        /* Cruise Control's checks and words (RemoveDisksRunnable) */
        int32_t b = g ? model_broker_find(g->cluster, (int32_t)id) : -1;
        if (g && b < 0) {
            cc_fail(q, "com.linkedin.kafka.cruisecontrol.exception.KafkaCruiseControlException: "
                    "java.lang.IllegalArgumentException", "Broker [%ld] does not exist.", id);
            break;
        }
        bool known = !g;
        const struct model_broker *br = g ? &g->cluster->brokers[b] : NULL;
        for (int32_t k = 0; br && k < br->ndisks && !known; k++)
            known = strcmp(g->cluster->disks[br->first_disk + k].path, dash + 1) == 0;
        if (!known)
            cc_fail(q, "java.lang.IllegalArgumentException", "Invalid log dirs provided for "
                    "broker %ld.", id);
    }
    svc_gen_unref(g);
    cc_list_free(items, n);
    struct svc_request req;
    svc_request_init(&req);
    req.mode = SVC_MODE_REMOVE_DISKS;
    if (!q->failed)
        req.disks = xstrdup(cc_param(q, "brokerid_and_logdirs")); /* "ID-DIR,..." as given */
    if (q->failed || !execution_params(q, &req)) {
        svc_request_finish(&req);
        return;
    }
    cc_async(q, &req, "Remove disks");
}

/* POST topic_configuration: a replication factor change (topic regex + replication_factor),
 * planned by optimizer/rf.c and executed as any plan; answered with an optimization result. */
static void h_topic_configuration(struct cc_req *q)
{
    struct svc_request req;
    svc_request_init(&req);
    req.mode = SVC_MODE_REPLICATION_FACTOR;
    goal_params(q, &req); /* checked as Cruise Control checks them; rf.c runs no goal */
    req.skip_rack_check = cc_bool(q, "skip_rack_awareness_check", false);
    long long rf = cc_long(q, "replication_factor", LLONG_MIN, LLONG_MAX, 0);
    const char *topic = cc_param(q, "topic");
    bool has_rf = cc_param(q, "replication_factor") != NULL;
    if (!q->failed && has_rf && rf < 1)
        cc_bad(q, "Target replication factor cannot be set to smaller than 1.");
    else if (!q->failed && has_rf && rf > MODEL_MAX_RF)
        cc_bad(q, "Parameter replication_factor: %lld is above %d, the most replicas Ballast "
               "models per partition", rf, MODEL_MAX_RF);
    if (!q->failed && !topic && has_rf)
        cc_bad(q, "Topic is not specified in URL while target replication factor is specified.");
    else if (!q->failed && topic && !has_rf)
        cc_bad(q, "Topic's replication factor is not specified in URL while subject topic is "
               "specified.");
    else if (!q->failed && !topic)
        cc_bad(q, "Nothing executable found in request.");
    if (!q->failed) {
        regex_t re;
        if (regcomp(&re, topic, REG_EXTENDED | REG_NOSUB) != 0) {
            cc_bad(q, "Parameter topic: '%.64s' is not a regular expression", topic);
        } else {
            regfree(&re);
            req.rf_topics = xstrdup(topic);
            req.rf = (int)rf;
        }
    }
    if (q->failed || !execution_params(q, &req)) {
        svc_request_finish(&req);
        return;
    }
    cc_async(q, &req, "Update topic configuration");
}

/* ---- POST stop, pause, resume, admin, review, rightsize ---- */

static cJSON *message(const char *m)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "message", m);
    return j;
}

static void h_stop(struct cc_req *q)
{
    accept_ignored(q);
    if (q->failed || !cc_role(q, API_ROLE_ADMIN, "stopping an execution"))
        return;
    struct error err = {0};
    if (svc_stop_execution(q->r->srv->svc, &err) < 0 && err.code != -ENOENT) {
        cc_fail(q, NULL, "%s", err.msg);
        return;
    }
    /* Cruise Control answers the same whether or not an execution was running */
    cc_reply(q, message("Proposal execution stopped."), xstrdup("Proposal execution stopped.\n"));
}

static void sampling(struct cc_req *q, bool pause)
{
    accept_ignored(q);
    if (q->failed || !cc_role(q, API_ROLE_ADMIN, pause ? "pausing sampling" : "resuming sampling"))
        return;
    svc_sampling_pause(q->r->srv->svc, pause);
    const char *m = pause ? "Metric sampling paused." : "Metric sampling resumed.";
    cc_reply(q, message(m), xasprintf("%s\n", m));
}

static void h_pause(struct cc_req *q)
{
    sampling(q, true);
}

static void h_resume(struct cc_req *q)
{
    sampling(q, false);
}

/* A concurrency of admin: absent 0; not positive answers Cruise Control's 400. */
static int admin_count(struct cc_req *q, const char *name, const char *what)
{
    long long v = cc_long(q, name, LLONG_MIN, LLONG_MAX, 0);
    if (q->failed || !cc_param(q, name))
        return 0;
    if (v <= 0 || v > INT32_MAX) {
        cc_bad(q, "The requested %s must be positive (Requested: %lld).", what, v);
        return 0;
    }
    return (int)v;
}

/* The smallest progress check interval admin takes (Cruise Control's
 * min.execution.progress.check.interval.ms; Ballast's executor polls at most this often). */
#define ADMIN_MIN_POLL_MS 100

/* POST admin: concurrency and progress check interval of the running execution (taken at its
 * next poll; Cruise Control answers the same whether or not one runs), self-healing
 * (BROKER_FAILURE switches the auto-rebalancer's when configured; Ballast has no other
 * anomaly detector: other types change nothing), recently
 * removed/demoted brokers (Ballast keeps none), concurrency adjusters (none). */
static void h_admin(struct cc_req *q)
{
    /* the role first: Cruise Control's security handler answers before the parameters are read */
    if (!cc_role(q, API_ROLE_ADMIN, "admin"))
        return;
    struct exec_adjust a;
    exec_adjust_none(&a);
    a.per_broker = admin_count(q, "concurrent_partition_movements_per_broker",
                               "movement concurrency");
    a.intra_per_broker = admin_count(q, "concurrent_intra_broker_partition_movements",
                                     "movement concurrency");
    a.leader_batch = admin_count(q, "concurrent_leader_movements", "movement concurrency");
    a.cluster_cap = admin_count(q, "max_partition_movements_in_cluster", "max partition movement");
    long long poll = cc_long(q, "execution_progress_check_interval_ms", LLONG_MIN, LLONG_MAX, 0);
    bool has_poll = !q->failed && cc_param(q, "execution_progress_check_interval_ms");
    if (has_poll && (poll < ADMIN_MIN_POLL_MS || poll > 3600000))
        cc_fail(q, "java.lang.IllegalArgumentException", "Attempt to set execution progress "
                "check interval [%lldms] to %s the %s execution progress check interval in "
                "cluster [%dms].", poll, poll > 3600000 ? "more than" : "smaller than",
                poll > 3600000 ? "maximum" : "minimum",
                poll > 3600000 ? 3600000 : ADMIN_MIN_POLL_MS);
    if (has_poll && !q->failed)
        a.poll_s = (double)poll / 1000.0;
    if (!q->failed && cc_param(q, "broker_concurrent_leader_movements"))
        cc_bad(q, "broker_concurrent_leader_movements: Ballast has no per-broker limit on "
               "leader movements (concurrent_leader_movements sets the batch size)");
    accept_ignored(q);
    int ne = 0, nd = 0;
    char **en = cc_list(q, "enable_self_healing_for", NANOMALY, &ne);
    char **di = cc_list(q, "disable_self_healing_for", NANOMALY, &nd);
    for (int i = 0; i < ne + nd && !q->failed; i++) {
        const char *t = i < ne ? en[i] : di[i - ne];
        if (!in_list((char **)anomaly_types, NANOMALY, t))
            cc_bad(q, "Unsupported anomaly type %.64s", t);
    }
    for (int i = 0; i < ne && !q->failed; i++) /* Cruise Control's ensureDisjoint */
        if (in_list(di, nd, en[i]))
            cc_bad(q, "The same anomaly cannot be specified in both disable and enable "
                      "parameters");
    int nce = 0, ncd = 0;
    char **ce = cc_list(q, "enable_concurrency_adjuster_for", 4, &nce);
    char **cd = cc_list(q, "disable_concurrency_adjuster_for", 4, &ncd);
    bool minisr = cc_bool(q, "min_isr_based_concurrency_adjustment", false);
    if (!q->failed && (nce || minisr))
        cc_bad(q, "Ballast has no concurrency adjuster to enable");
    int nrm = 0, ndm = 0;
    int32_t *rm = NULL, *dm = NULL;
    if (!q->failed && cc_param(q, "drop_recently_removed_brokers"))
        rm = cc_ids(q, "drop_recently_removed_brokers", &nrm);
    if (!q->failed && cc_param(q, "drop_recently_demoted_brokers"))
        dm = cc_ids(q, "drop_recently_demoted_brokers", &ndm);
    bool change = a.per_broker || a.intra_per_broker || a.leader_batch || a.cluster_cap ||
                  a.poll_s > 0;
    bool other = ne || nd || nce || ncd || cc_param(q, "min_isr_based_concurrency_adjustment") ||
                 rm || dm;
    if (!q->failed && !change && !other)
        cc_bad(q, "Nothing executable found in request.");
    if (!q->failed) {
        struct error err = {0};
        if (change && svc_exec_adjust(q->r->srv->svc, &a, &err) < 0 && err.code != -ENOENT) {
            cc_fail(q, NULL, "%s", err.msg);
            goto out;
        }
        cJSON *j = cJSON_CreateObject();
        char *text = xstrdup("{\n");
        if (nd || ne) {
            /* BROKER_FAILURE is the auto-rebalancer's self-healing when it is configured:
             * switched, "before" what it was. Every other type (and BROKER_FAILURE without
             * it) is answered as Cruise Control answers with its default NoopNotifier: off
             * before, and "after" is what was asked (disables first, then enables) */
            cJSON *before = cJSON_AddObjectToObject(j, "selfHealingEnabledBefore");
            cJSON *after = cJSON_AddObjectToObject(j, "selfHealingEnabledAfter");
            for (int i = 0; i < nd + ne; i++) {
                const char *t = i < nd ? di[i] : en[i - nd];
                const char *name = t;
                for (int k = 0; k < NANOMALY; k++)
                    if (!strcasecmp(anomaly_types[k], t))
                        name = anomaly_types[k];
                bool was = false;
                if (!strcmp(name, "BROKER_FAILURE"))
                    rb_self_healing(q->r->srv->rebalances, i >= nd, &was);
                const cJSON *seen = cJSON_GetObjectItem(before, name);
                was = seen ? cJSON_IsTrue(seen) : was; /* a type named twice: the first */
                cJSON_DeleteItemFromObjectCaseSensitive(before, name);
                cJSON_DeleteItemFromObjectCaseSensitive(after, name);
                cJSON_AddBoolToObject(before, name, was);
                cJSON_AddBoolToObject(after, name, i >= nd);
            }
            /* the text as Java prints the maps: {GOAL_VIOLATION=false, ...} */
            char *maps[2];
            for (int k = 0; k < 2; k++) {
                maps[k] = xstrdup("{");
                const cJSON *map = k ? after : before, *it;
                cJSON_ArrayForEach(it, map)
                {
                    char *s2 = xasprintf("%s%s%s=%s", maps[k], it != map->child ? ", " : "",
                                         it->string, cJSON_IsTrue(it) ? "true" : "false");
                    free(maps[k]);
                    maps[k] = s2;
                }
            }
            char *t2 = xasprintf("%sselfHealingEnabledBefore: %s}, selfHealingEnabledAfter: %s}\n",
                                 text, maps[0], maps[1]);
            free(maps[0]);
            free(maps[1]);
            free(text);
            text = t2;
        }
        if (change) {
            /* Cruise Control's wording, one line per setting */
            char m[512];
            size_t at = 0;
#define LINE(cond, ...)                                                                            \
    if (cond)                                                                                      \
    at += (size_t)snprintf(m + at, sizeof(m) - at, __VA_ARGS__)
            LINE(a.per_broker, "Inter-broker partition movement concurrency is set to %d\n",
                 a.per_broker);
            LINE(a.intra_per_broker, "Intra-broker partition movement concurrency is set to %d\n",
                 a.intra_per_broker);
            LINE(a.leader_batch, "Cluster Leadership movement concurrency is set to %d\n",
                 a.leader_batch);
            LINE(a.poll_s > 0, "Execution progress check interval is set to %lldMs\n", poll);
            LINE(a.cluster_cap, "Max inter-broker partition movements is set to %d\n",
                 a.cluster_cap);
#undef LINE
            cJSON_AddStringToObject(j, "ongoingConcurrencyChangeRequest", m);
            char *t2 = xasprintf("%songoingConcurrencyChangeRequest: %s\n", text, m);
            free(text);
            text = t2;
        }
        if (rm || dm) {
            /* Cruise Control's words (AdminRequest), the brokers as Java prints a set */
            char *m = xstrdup("");
            for (int k = 0; k < 2; k++) {
                const int32_t *ids = k ? dm : rm;
                int n = k ? ndm : nrm;
                if (!ids)
                    continue;
                char *set = xstrdup("[");
                for (int i = 0; i < n; i++) {
                    char *s2 = xasprintf("%s%s%d", set, i ? ", " : "", ids[i]);
                    free(set);
                    set = s2;
                }
                char *m2 = xasprintf("%sNone of the brokers to drop (%s]) are in the recently %s "
                                     "broker set ([]).\n", m, set, k ? "demoted" : "removed");
                free(set);
                free(m);
                m = m2;
            }
            cJSON_AddStringToObject(j, "dropRecentBrokersRequest", m);
            char *t2 = xasprintf("%sdropRecentBrokersRequest: %s\n", text, m);
            free(text);
            free(m);
            text = t2;
        }
        char *t2 = xasprintf("%s}", text);
        free(text);
        cc_reply(q, j, t2);
    }
out:
    free(rm);
    free(dm);
    cc_list_free(en, ne);
    cc_list_free(di, nd);
    cc_list_free(ce, nce);
    cc_list_free(cd, ncd);
}

static void h_review(struct cc_req *q)
{
    cc_forbidden(q, "Attempt to access REVIEW endpoint without enabling "
                 "'two.step.verification.enabled' config.");
}

static void h_review_board(struct cc_req *q)
{
    cc_forbidden(q, "Attempt to access REVIEW_BOARD endpoint without enabling "
                 "'two.step.verification.enabled' config.");
}

static void h_rightsize(struct cc_req *q)
{
    cc_long(q, "num_brokers_to_add", 1, INT32_MAX, 0);
    cc_long(q, "partition_count", 1, INT32_MAX, 0);
    accept_ignored(q);
    if (!q->failed && cc_role(q, API_ROLE_ADMIN, "rightsize"))
        cc_forbidden(q, "Rightsizing needs a provisioner and Ballast has none (no cluster to "
                     "grow brokers or partitions in).");
}

static void h_bootstrap(struct cc_req *q)
{
    cc_forbidden(q, "Ballast's load monitor has no bootstrap: it samples the live cluster "
                 "into its windows continuously.");
}

static void h_train(struct cc_req *q)
{
    cc_forbidden(q, "Ballast has no linear-regression CPU model to train: CPU comes from the "
                 "sampler.");
}

static void h_permissions(struct cc_req *q)
{
    accept_ignored(q);
    if (q->failed)
        return;
    cJSON *j = cJSON_CreateObject();
    cJSON *r = cJSON_AddArrayToObject(j, "roles");
    /* the role and the ones it includes, highest first */
    for (int k = (int)q->r->role; k >= API_ROLE_VIEWER; k--)
        cJSON_AddItemToArray(r, cJSON_CreateString(api_role_name((enum api_role)k)));
    cc_reply(q, j, NULL);
}

const struct cc_endpoint cc_endpoints[] = {
    {"bootstrap", "GET", "BOOTSTRAP", p_bootstrap, h_bootstrap},
    {"train", "GET", "TRAIN", p_train, h_train},
    {"load", "GET", "LOAD", p_load, h_load},
    {"partition_load", "GET", "PARTITION_LOAD", p_partition_load, h_partition_load},
    {"proposals", "GET", "PROPOSALS", p_proposals, h_proposals},
    {"state", "GET", "STATE", p_state, h_state},
    {"kafka_cluster_state", "GET", "KAFKA_CLUSTER_STATE", p_cluster_state, h_cluster_state},
    {"user_tasks", "GET", "USER_TASKS", p_user_tasks, h_user_tasks},
    {"review_board", "GET", "REVIEW_BOARD", p_review_board, h_review_board},
    {"permissions", "GET", "PERMISSIONS", p_common, h_permissions},
    {"add_broker", "POST", "ADD_BROKER", p_add_broker, h_add_broker},
    {"remove_broker", "POST", "REMOVE_BROKER", p_remove_broker, h_remove_broker},
    {"fix_offline_replicas", "POST", "FIX_OFFLINE_REPLICAS", p_fix_offline, h_fix_offline},
    {"rebalance", "POST", "REBALANCE", p_rebalance, h_rebalance},
    {"stop_proposal_execution", "POST", "STOP_PROPOSAL_EXECUTION", p_stop, h_stop},
    {"pause_sampling", "POST", "PAUSE_SAMPLING", p_pause, h_pause},
    {"resume_sampling", "POST", "RESUME_SAMPLING", p_pause, h_resume},
    {"demote_broker", "POST", "DEMOTE_BROKER", p_demote_broker, h_demote_broker},
    {"admin", "POST", "ADMIN", p_admin, h_admin},
    {"review", "POST", "REVIEW", p_review, h_review},
    {"topic_configuration", "POST", "TOPIC_CONFIGURATION", p_topic_config,
     h_topic_configuration},
    {"rightsize", "POST", "RIGHTSIZE", p_rightsize, h_rightsize},
    {"remove_disks", "POST", "REMOVE_DISKS", p_remove_disks, h_remove_disks},
};
const int cc_nendpoints = (int)(sizeof(cc_endpoints) / sizeof(cc_endpoints[0]));
