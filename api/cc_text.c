/* The plain-text forms (json=false, Cruise Control's default) of the Cruise Control API's
 * main answers, made from their JSON: the optimization result, state, broker load, partition
 * load, user tasks and the cluster state. Layout follows Cruise Control's text answers in
 * spirit (one line per broker, partition or task, the same units); scripts should ask for
 * json=true. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cc.h"
#include "common/alloc.h"

struct buf {
    char *p;
    size_t n, cap;
};

static void out(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap);
    va_end(ap);
    if (!b->p || (size_t)k >= b->cap - b->n) {
        b->cap = (b->cap + (size_t)k + 1) * 2;
        b->p = xrealloc(b->p, b->cap);
        va_start(ap, fmt);
        vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
        va_end(ap);
    }
    b->n += (size_t)k;
}

static double num(const cJSON *o, const char *k)
{
    double v = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, k));
    return isnan(v) ? 0 : v;
}

static const char *str(const cJSON *o, const char *k)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
    return s ? s : "";
}

static void brokers_table(struct buf *b, const cJSON *load)
{
    out(b, "%20s%8s%15s%12s%11s%20s%20s%20s%14s%10s%10s\n", "HOST", "BROKER", "DISK(MB)",
        "DISK_%", "CPU_%", "LEADER_NW_IN(KB/s)", "FOLLOWER_NW_IN(KB/s)", "NW_OUT(KB/s)",
        "PNW_OUT(KB/s)", "LEADERS", "REPLICAS");
    const cJSON *x;
    cJSON_ArrayForEach(x, cJSON_GetObjectItem(load, "brokers"))
    out(b, "%20.20s%8.0f%15.3f%12.3f%11.3f%20.3f%20.3f%20.3f%14.3f%10.0f%10.0f\n",
        str(x, "Host"), num(x, "Broker"), num(x, "DiskMB"), num(x, "DiskPct"), num(x, "CpuPct"),
        num(x, "LeaderNwInRate"), num(x, "FollowerNwInRate"), num(x, "NwOutRate"),
        num(x, "PnwOutRate"), num(x, "Leaders"), num(x, "Replicas"));
}

char *cc_text_optimization(const cJSON *r)
{
    struct buf b = {0};
    const cJSON *s = cJSON_GetObjectItem(r, "summary");
    out(&b, "Optimization has %.0f inter-broker replica(%.0f MB) moves, %.0f intra-broker "
        "replica(%.0f MB) moves and %.0f leadership moves with a cluster model of %.0f recent "
        "windows and %.3f%% of the partitions covered.\n",
        num(s, "numReplicaMovements"), num(s, "dataToMoveMB"),
        num(s, "numIntraBrokerReplicaMovements"), num(s, "intraBrokerDataToMoveMB"),
        num(s, "numLeaderMovements"), num(s, "recentWindows"),
        num(s, "monitoredPartitionsPercentage"));
    out(&b, "On-demand Balancedness Score Before (%.3f) After(%.3f).\n",
        num(s, "onDemandBalancednessScoreBefore"), num(s, "onDemandBalancednessScoreAfter"));
    if (*str(s, "provisionStatus"))
        out(&b, "Provision Status: %s.\n", str(s, "provisionStatus"));
    if (*str(s, "provisionRecommendation"))
        out(&b, "Provision Recommendation: %s\n", str(s, "provisionRecommendation"));
    if (*str(r, "proposalId"))
        out(&b, "Proposal id (Ballast): %s\n", str(r, "proposalId"));
    out(&b, "\n");
    const cJSON *g;
    cJSON_ArrayForEach(g, cJSON_GetObjectItem(r, "goalSummary"))
    out(&b, "%50s: %s\n", str(g, "goal"), str(g, "status"));
    const cJSON *p = cJSON_GetObjectItem(r, "proposals");
    if (cJSON_GetArraySize(p)) {
        out(&b, "\nProposals:\n");
        const cJSON *x;
        cJSON_ArrayForEach(x, p)
        {
            const cJSON *tp = cJSON_GetObjectItem(x, "topicPartition");
            char *o = cJSON_PrintUnformatted(cJSON_GetObjectItem(x, "oldReplicas"));
            char *n = cJSON_PrintUnformatted(cJSON_GetObjectItem(x, "newReplicas"));
            out(&b, "%s-%.0f: old leader %.0f, replicas %s -> %s\n", str(tp, "topic"),
                num(tp, "partition"), num(x, "oldLeader"), o ? o : "[]", n ? n : "[]");
            cJSON_free(o);
            cJSON_free(n);
        }
    }
    const cJSON *before = cJSON_GetObjectItem(r, "loadBeforeOptimization");
    if (before) {
        out(&b, "\nCluster load before optimization:\n");
        brokers_table(&b, before);
    }
    const cJSON *after = cJSON_GetObjectItem(r, "loadAfterOptimization");
    if (after) {
        out(&b, "\nCluster load after optimization:\n");
        brokers_table(&b, after);
    }
    return b.p;
}

char *cc_text_state(const cJSON *st)
{
    struct buf b = {0};
    const cJSON *m = cJSON_GetObjectItem(st, "MonitorState");
    if (m)
        out(&b, "MonitorState: {state: %s, NumValidWindows: %.0f, NumValidPartitions: %.0f/%.0f "
            "(%.3f%%), flawedPartitions: %.0f}\n",
            str(m, "state"), num(m, "numMonitoredWindows"), num(m, "numValidPartitions"),
            num(m, "numTotalPartitions"), num(m, "monitoringCoveragePct"),
            num(m, "numFlawedPartitions"));
    const cJSON *e = cJSON_GetObjectItem(st, "ExecutorState");
    if (e) {
        out(&b, "ExecutorState: {state: %s", str(e, "state"));
        if (*str(e, "triggeredUserTaskId"))
            out(&b, ", pending/in-progress/finished/total partition movements: "
                "%.0f/%.0f/%.0f/%.0f, data to move: %.0f/%.0f MB, triggeredUserTaskId: %s, "
                "triggeredTaskReason: %s",
                num(e, "numPendingPartitionMovements"), num(e, "numInProgressPartitionMovements"),
                num(e, "numFinishedPartitionMovements"), num(e, "numTotalPartitionMovements"),
                num(e, "finishedDataMovement"), num(e, "totalDataToMove"),
                str(e, "triggeredUserTaskId"), str(e, "triggeredTaskReason"));
        out(&b, "}\n");
    }
    const cJSON *a = cJSON_GetObjectItem(st, "AnalyzerState");
    if (a) {
        char *g = cJSON_PrintUnformatted(cJSON_GetObjectItem(a, "readyGoals"));
        out(&b, "AnalyzerState: {isProposalReady: %s, ReadyGoals: %s}\n",
            cJSON_IsTrue(cJSON_GetObjectItem(a, "isProposalReady")) ? "true" : "false",
            g ? g : "[]");
        cJSON_free(g);
    }
    const cJSON *d = cJSON_GetObjectItem(st, "AnomalyDetectorState");
    if (d) {
        /* as Java prints the lists and the map: [A, B] and {A=1.0, B=0.0} */
        out(&b, "AnomalyDetectorState: {");
        static const char *const lists[] = {"selfHealingEnabled", "selfHealingDisabled"};
        for (int k = 0; k < 2; k++) {
            out(&b, "%s:[", lists[k]);
            const cJSON *l = cJSON_GetObjectItem(d, lists[k]), *it;
            cJSON_ArrayForEach(it, l)
                out(&b, "%s%s", it != l->child ? ", " : "",
                    cJSON_GetStringValue(it) ? it->valuestring : "");
            out(&b, "], ");
        }
        out(&b, "selfHealingEnabledRatio:{");
        const cJSON *r = cJSON_GetObjectItem(d, "selfHealingEnabledRatio"), *it;
        cJSON_ArrayForEach(it, r)
            out(&b, it == r->child ? "%s=%.*f" : ", %s=%.*f", it->string,
                it->valuedouble == floor(it->valuedouble) ? 1 : 3, it->valuedouble);
        out(&b, "}, balancednessScore:%.3f}\n", num(d, "balancednessScore"));
    }
    return b.p ? b.p : xstrdup("");
}

char *cc_text_load(const cJSON *load)
{
    struct buf b = {0};
    brokers_table(&b, load);
    return b.p;
}

char *cc_text_partition_load(const cJSON *recs)
{
    struct buf b = {0};
    out(&b, "%40s%10s%10s%30s%15s%20s%20s%15s\n", "PARTITION", "LEADER", "", "FOLLOWERS",
        "CPU (%)", "NW_IN (KB/s)", "NW_OUT (KB/s)", "DISK (MB)");
    const cJSON *x;
    cJSON_ArrayForEach(x, recs)
    {
        char name[300];
        snprintf(name, sizeof(name), "%s-%.0f", str(x, "topic"), num(x, "partition"));
        char *f = cJSON_PrintUnformatted(cJSON_GetObjectItem(x, "followers"));
        out(&b, "%40.40s%10.0f%10s%30.30s%15.6f%20.3f%20.3f%15.3f\n", name, num(x, "leader"),
            "", f ? f : "[]", num(x, "cpu"), num(x, "networkInbound"), num(x, "networkOutbound"),
            num(x, "disk"));
        cJSON_free(f);
    }
    return b.p;
}

char *cc_text_user_tasks(const cJSON *tasks)
{
    struct buf b = {0};
    out(&b, "%-38s%-16s%-16s%-20s%s\n", "USER TASK ID", "CLIENT ADDRESS", "START TIME (ms)",
        "STATUS", "REQUEST URL");
    const cJSON *x;
    cJSON_ArrayForEach(x, tasks)
    out(&b, "%-38s%-16s%-16s%-20s%s\n", str(x, "UserTaskId"), str(x, "ClientIdentity"),
        str(x, "StartMs"), str(x, "Status"), str(x, "RequestURL"));
    return b.p;
}

char *cc_text_cluster_state(const cJSON *st)
{
    struct buf b = {0};
    const cJSON *s = cJSON_GetObjectItem(cJSON_GetObjectItem(st, "KafkaBrokerState"), "Summary");
    out(&b, "Summary: Brokers: %.0f, Topics: %.0f, Replicas: %.0f, Leaders: %.0f, Avg replication "
        "factor: %.2f, Avg/Max/Std replicas per broker: %.2f/%.0f/%.2f, Avg/Max/Std leaders per "
        "broker: %.2f/%.0f/%.2f\n",
        num(s, "Brokers"), num(s, "Topics"), num(s, "Replicas"), num(s, "Leaders"),
        num(s, "AvgReplicationFactor"), num(s, "AvgReplicasPerBroker"),
        num(s, "MaxReplicasPerBroker"), num(s, "StdReplicasPerBroker"),
        num(s, "AvgLeadersPerBroker"), num(s, "MaxLeadersPerBroker"),
        num(s, "StdLeadersPerBroker"));
    const cJSON *bs = cJSON_GetObjectItem(st, "KafkaBrokerState");
    const cJSON *lc = cJSON_GetObjectItem(bs, "LeaderCountByBrokerId");
    const cJSON *rc = cJSON_GetObjectItem(bs, "ReplicaCountByBrokerId");
    const cJSON *oc = cJSON_GetObjectItem(bs, "OutOfSyncCountByBrokerId");
    out(&b, "%10s%15s%15s%15s\n", "BROKER", "LEADERS", "REPLICAS", "OUT-OF-SYNC");
    const cJSON *x;
    cJSON_ArrayForEach(x, lc)
    out(&b, "%10s%15.0f%15.0f%15.0f\n", x->string, x->valuedouble, num(rc, x->string),
        num(oc, x->string));
    const cJSON *ps = cJSON_GetObjectItem(st, "KafkaPartitionState");
    out(&b, "Offline partitions: %d, under-replicated partitions: %d\n",
        cJSON_GetArraySize(cJSON_GetObjectItem(ps, "offline")),
        cJSON_GetArraySize(cJSON_GetObjectItem(ps, "urp")));
    return b.p;
}

char *cc_text_generic(const cJSON *j)
{
    const char *m = cJSON_GetStringValue(cJSON_GetObjectItem(j, "message"));
    if (m)
        return xasprintf("%s\n", m);
    char *t = cJSON_Print(j);
    char *r = xasprintf("%s\n", t);
    cJSON_free(t);
    return r;
}
