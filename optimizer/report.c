/* Plan output in Cruise Control's JSON shapes, Kafka's reassignment file, and text; see
 * report.h. */
#include "optimizer/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

#define MB (1024.0 * 1024.0)
#define KB 1024.0

static const char *const status_names[] = {"NO-ACTION", "FIXED", "VIOLATED"};

/* Rounds to 3 decimals so the JSON stays readable and deterministic. */
static double r3(double v)
{
    return round(v * 1000.0) / 1000.0;
}

static const char *broker_state(const struct model_broker *b)
{
    if (b->flags & BROKER_DEAD)
        return "DEAD";
    if (b->flags & BROKER_NEW)
        return "NEW";
    if (b->flags & BROKER_EXCL_LEADER)
        return "DEMOTED";
    if (b->flags & BROKER_BAD_DISKS)
        return "BAD_DISKS";
    return "ALIVE";
}

static void add_load_fields(cJSON *o, const struct model_broker_load *l, double follower_in,
                            const double *cap, double cores)
{
    cJSON_AddNumberToObject(o, "DiskMB", r3(l->load[RES_DISK] / MB));
    cJSON_AddNumberToObject(o, "DiskPct",
                            r3(cap[RES_DISK] > 0 ? 100.0 * l->load[RES_DISK] / cap[RES_DISK] : 0));
    cJSON_AddNumberToObject(o, "CpuPct",
                            r3(cap[RES_CPU] > 0 ? 100.0 * l->load[RES_CPU] / cap[RES_CPU] : 0));
    cJSON_AddNumberToObject(o, "LeaderNwInRate", r3(l->leader_nw_in / KB));
    cJSON_AddNumberToObject(o, "FollowerNwInRate", r3(follower_in / KB));
    cJSON_AddNumberToObject(o, "NwOutRate", r3(l->load[RES_NW_OUT] / KB));
    cJSON_AddNumberToObject(o, "PnwOutRate", r3(l->pnw_out / KB));
    cJSON_AddNumberToObject(o, "ReplicationNwOutRate", r3(l->repl_out / KB));
    cJSON_AddNumberToObject(o, "Replicas", l->replicas);
    cJSON_AddNumberToObject(o, "Leaders", l->leaders);
    cJSON_AddNumberToObject(o, "DiskCapacityMB", r3(cap[RES_DISK] / MB));
    cJSON_AddNumberToObject(o, "NetworkInCapacity", r3(cap[RES_NW_IN] / KB));
    cJSON_AddNumberToObject(o, "NetworkOutCapacity", r3(cap[RES_NW_OUT] / KB));
    cJSON_AddNumberToObject(o, "NumCore", cores);
}

cJSON *opt_report_broker_stats(const struct model_cluster *c)
{
    struct model_broker_load *bl =
        xmalloc((size_t)(c->nbrokers ? c->nbrokers : 1) * sizeof(*bl));
    model_compute_loads(c, bl, NULL);
    cJSON *root = cJSON_CreateObject();
    cJSON *hosts = cJSON_AddArrayToObject(root, "hosts");
    cJSON *brokers = cJSON_AddArrayToObject(root, "brokers");
    /* Hosts: brokers sharing a host name are summed (Cruise Control's SingleHostStats). */
    bool *done = xcalloc((size_t)(c->nbrokers ? c->nbrokers : 1), sizeof(bool));
    for (int32_t b = 0; b < c->nbrokers; b++) {
        if (done[b])
            continue;
        const char *host = c->brokers[b].host ? c->brokers[b].host : "";
        struct model_broker_load sum;
        memset(&sum, 0, sizeof(sum));
        double cap[RES_COUNT] = {0}, cores = 0, fin = 0;
        for (int32_t o = b; o < c->nbrokers; o++) {
            const char *h = c->brokers[o].host ? c->brokers[o].host : "";
            if (done[o] || strcmp(h, host) != 0)
                continue;
            done[o] = true;
            for (int r = 0; r < RES_COUNT; r++) {
                sum.load[r] += bl[o].load[r];
                cap[r] += c->brokers[o].capacity[r];
            }
            sum.pnw_out += bl[o].pnw_out;
            sum.repl_out += bl[o].repl_out;
            sum.leader_nw_in += bl[o].leader_nw_in;
            sum.replicas += bl[o].replicas;
            sum.leaders += bl[o].leaders;
            fin += bl[o].load[RES_NW_IN] - bl[o].leader_nw_in;
            cores += c->brokers[o].num_cores;
        }
        cJSON *h = cJSON_CreateObject();
        cJSON_AddStringToObject(h, "Host", host);
        add_load_fields(h, &sum, fin, cap, cores);
        cJSON_AddItemToArray(hosts, h);
    }
    free(done);
    for (int32_t b = 0; b < c->nbrokers; b++) {
        const struct model_broker *br = &c->brokers[b];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "Host", br->host ? br->host : "");
        cJSON_AddNumberToObject(o, "Broker", br->id);
        cJSON_AddStringToObject(o, "Rack", c->racks[br->rack].name);
        cJSON_AddStringToObject(o, "BrokerState", broker_state(br));
        add_load_fields(o, &bl[b], bl[b].load[RES_NW_IN] - bl[b].leader_nw_in, br->capacity,
                        br->num_cores);
        cJSON_AddItemToArray(brokers, o);
    }
    free(bl);
    return root;
}

/* Ballast's own: per resource, max over brokers of utilisation over its zone's mean. */
static void add_zone_balance(cJSON *obj, const char *key, const struct model_stats *st)
{
    cJSON *z = cJSON_AddObjectToObject(obj, key);
    static const int res[] = {RES_CPU, RES_NW_IN, RES_NW_OUT, RES_DISK};
    static const char *const keys[] = {"cpu", "networkInbound", "networkOutbound", "disk"};
    for (int k = 0; k < 4; k++)
        cJSON_AddNumberToObject(z, keys[k], r3(st->zone_max_mean[res[k]]));
    cJSON_AddNumberToObject(z, "zones", st->zones);
}

cJSON *opt_report_cluster_stats(const struct model_stats *st)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *meta = cJSON_AddObjectToObject(root, "metadata");
    cJSON_AddNumberToObject(meta, "brokers", st->brokers);
    cJSON_AddNumberToObject(meta, "replicas", (double)st->replicas);
    cJSON_AddNumberToObject(meta, "topics", st->topics);
    cJSON *stats = cJSON_AddObjectToObject(root, "statistics");
    static const char *const which[] = {"AVG", "MAX", "MIN", "STD"};
    for (int w = 0; w < 4; w++) {
        cJSON *o = cJSON_AddObjectToObject(stats, which[w]);
        const struct model_summary_stat *sets[] = {
            &st->res[RES_CPU], &st->res[RES_NW_IN], &st->res[RES_NW_OUT], &st->res[RES_DISK],
            &st->pnw_out,      &st->replica_count, &st->leader_count, &st->topic_replicas};
        static const char *const keys[] = {"cpu", "networkInbound", "networkOutbound", "disk",
                                           "potentialNwOut", "replicas", "leaderReplicas",
                                           "topicReplicas"};
        static const double scale[] = {1, KB, KB, MB, KB, 1, 1, 1};
        for (int k = 0; k < 8; k++) {
            const struct model_summary_stat *s = sets[k];
            double v = w == 0 ? s->avg : w == 1 ? s->max : w == 2 ? s->min : s->std;
            /* CPU statistics are utilisation percentages of capacity in Cruise Control. */
            if (k == 0) {
                const struct model_summary_stat *u = &st->util[RES_CPU];
                v = 100.0 * (w == 0 ? u->avg : w == 1 ? u->max : w == 2 ? u->min : u->std);
            }
            cJSON_AddNumberToObject(o, keys[k], r3(v / scale[k]));
        }
    }
    add_zone_balance(root, "zoneMaxMean", st);
    return root;
}

static cJSON *id_array(const struct model_cluster *c, int32_t p)
{
    const struct model_replica *rep = model_replicas_of(c, p);
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < c->partitions[p].rf; i++)
        cJSON_AddItemToArray(a, cJSON_CreateNumber(c->brokers[rep[i].broker].id));
    return a;
}

static const char *provision(const struct opt_result *res)
{
    for (int i = 0; i < res->ngoals; i++)
        if (res->goals[i].hard && res->goals[i].status == GOAL_VIOLATED &&
            strstr(res->goals[i].name, "Capacity"))
            return "UNDER_PROVISIONED";
    return "RIGHT_SIZED";
}

/* provisionRecommendation: for each capacity goal left violated, the usable broker furthest over
 * its limit and the capacity it would need, and how many brokers like it the whole load needs;
 * "" when every capacity goal holds. Heap string. */
static char *recommendation(const struct opt_result *res, const struct search_thresholds *th)
{
    static const struct {
        const char *goal;
        enum model_res res;
    } cap_goals[] = {{"DiskCapacityGoal", RES_DISK},
                     {"NetworkInboundCapacityGoal", RES_NW_IN},
                     {"NetworkOutboundCapacityGoal", RES_NW_OUT},
                     {"CpuCapacityGoal", RES_CPU}};
    const struct model_cluster *c = res->after;
    struct model_broker_load *bl = NULL;
    char *out = xstrdup("");
    for (size_t k = 0; k < sizeof(cap_goals) / sizeof(cap_goals[0]); k++) {
        bool violated = false;
        for (int i = 0; i < res->ngoals; i++)
            violated |= strcmp(res->goals[i].name, cap_goals[k].goal) == 0 &&
                        res->goals[i].status == GOAL_VIOLATED;
        if (!violated)
            continue;
        enum model_res r = cap_goals[k].res;
        if (!bl) {
            bl = xmalloc((size_t)c->nbrokers * sizeof(*bl));
            model_compute_loads(c, bl, NULL);
        }
        int32_t worst = -1, usable = 0;
        double total = 0, worst_util = 0;
        for (int32_t b = 0; b < c->nbrokers; b++) {
            total += bl[b].load[r];
            if (!model_broker_usable(c, b) || !(c->brokers[b].capacity[r] > 0))
                continue;
            usable++;
            double u = bl[b].load[r] / c->brokers[b].capacity[r];
            if (worst < 0 || u > worst_util) {
                worst = b;
                worst_util = u;
            }
        }
        if (worst < 0)
            continue;
        const struct model_broker *br = &c->brokers[worst];
        double limit = th->capacity[r];
        char need[48];
        model_res_format(need, sizeof(need), r, bl[worst].load[r] / limit);
        int more = (int)ceil(total / (limit * br->capacity[r])) - usable;
        char *line = xasprintf(
            "%s%s%s: broker %d (rack '%s') is at %.0f%% of its capacity, over the %.0f%% limit: "
            "raise its %s capacity to at least %s or add brokers to rack '%s'%s",
            out, *out ? "; " : "", model_res_names[r], br->id, c->racks[br->rack].name,
            worst_util * 100, limit * 100, model_res_names[r], need, c->racks[br->rack].name,
            more > 0 ? "" : " (the cluster as a whole has room: the load is uneven)");
        free(out);
        out = line;
        if (more > 0) {
            line = xasprintf("%s; the whole %s load needs at least %d more broker%s like "
                             "broker %d", out, model_res_names[r], more, more == 1 ? "" : "s",
                             br->id);
            free(out);
            out = line;
        }
    }
    free(bl);
    return out;
}

cJSON *opt_report_optimization_result(const struct model_cluster *before,
                                      const struct opt_result *res,
                                      const struct opt_report_opts *o)
{
    struct opt_report_opts dflt = {false, 0, 100.0, NULL};
    if (!o)
        o = &dflt;
    struct search_thresholds th_default;
    const struct search_thresholds *th = o->th;
    if (!th) {
        search_thresholds_default(&th_default);
        th = &th_default;
    }
    cJSON *root = cJSON_CreateObject();
    cJSON *sum = cJSON_AddObjectToObject(root, "summary");
    cJSON_AddNumberToObject(sum, "numIntraBrokerReplicaMovements", (double)res->num_intra_moves);
    cJSON_AddNumberToObject(sum, "numReplicaMovements", (double)res->num_replica_moves);
    cJSON_AddNumberToObject(sum, "onDemandBalancednessScoreAfter", r3(res->balancedness_after));
    cJSON_AddNumberToObject(sum, "intraBrokerDataToMoveMB", round(res->intra_data_to_move / MB));
    cJSON_AddNumberToObject(sum, "monitoredPartitionsPercentage", r3(o->monitored_partitions_pct));
    char *rec = recommendation(res, th);
    cJSON_AddStringToObject(sum, "provisionRecommendation", rec);
    free(rec);
    cJSON *exr = cJSON_AddArrayToObject(sum, "excludedBrokersForReplicaMove");
    cJSON *exl = cJSON_AddArrayToObject(sum, "excludedBrokersForLeadership");
    for (int32_t b = 0; b < res->after->nbrokers; b++) {
        const struct model_broker *br = &res->after->brokers[b];
        if (br->flags & (BROKER_EXCL_REPLICA | BROKER_REMOVE | BROKER_DEAD))
            cJSON_AddItemToArray(exr, cJSON_CreateNumber(br->id));
        if (br->flags & (BROKER_EXCL_LEADER | BROKER_REMOVE | BROKER_DEAD))
            cJSON_AddItemToArray(exl, cJSON_CreateNumber(br->id));
    }
    cJSON_AddNumberToObject(sum, "onDemandBalancednessScoreBefore", r3(res->balancedness_before));
    cJSON_AddNumberToObject(sum, "recentWindows", o->recent_windows);
    cJSON_AddNumberToObject(sum, "dataToMoveMB", round(res->data_to_move / MB));
    cJSON *ext = cJSON_AddArrayToObject(sum, "excludedTopics");
    for (int32_t t = 0; t < res->after->ntopics; t++)
        if (res->after->topics[t].flags & TOPIC_EXCLUDED)
            cJSON_AddItemToArray(ext, cJSON_CreateString(res->after->topics[t].name));
    cJSON_AddNumberToObject(sum, "numLeaderMovements", (double)res->num_leader_moves);
    cJSON_AddStringToObject(sum, "provisionStatus", provision(res));
    cJSON *bal = cJSON_AddObjectToObject(sum, "ballast");
    cJSON_AddNumberToObject(bal, "lowerBoundDataToMoveMB", round(res->lower_bound_bytes / MB));
    cJSON_AddNumberToObject(bal, "dataToMoveBytes", (double)res->data_to_move);
    cJSON_AddNumberToObject(bal, "lowerBoundDataToMoveBytes", (double)res->lower_bound_bytes);
    cJSON_AddNumberToObject(bal, "rackViolationsBefore", (double)res->before.rack_violations);
    cJSON_AddNumberToObject(bal, "rackViolationsAfter", (double)res->after_stats.rack_violations);
    add_zone_balance(bal, "zoneMaxMeanBefore", &res->before);
    add_zone_balance(bal, "zoneMaxMeanAfter", &res->after_stats);

    cJSON *goals = cJSON_AddArrayToObject(root, "goalSummary");
    for (int i = 0; i < res->ngoals; i++) {
        const struct opt_goal_result *g = &res->goals[i];
        cJSON *go = cJSON_CreateObject();
        cJSON_AddStringToObject(go, "goal", g->name);
        cJSON_AddStringToObject(go, "status", status_names[g->status]);
        cJSON_AddItemToObject(go, "clusterModelStats", opt_report_cluster_stats(&g->stats_after));
        cJSON_AddNumberToObject(go, "optimizationTimeMs", round(g->time_ms));
        /* Ballast's own (Cruise Control's GoalStatus has no counts; extra fields are allowed) */
        cJSON_AddBoolToObject(go, "hard", g->hard);
        cJSON_AddNumberToObject(go, "violationsBefore", (double)g->violations_before);
        cJSON_AddNumberToObject(go, "violationsAfter", (double)g->violations_after);
        cJSON_AddStringToObject(go, "violationUnit", g->unit);
        if (g->why[0])
            cJSON_AddStringToObject(go, "explanation", g->why); /* Ballast's own */
        cJSON_AddItemToArray(goals, go);
    }
    cJSON_AddItemToObject(root, "loadAfterOptimization", opt_report_broker_stats(res->after));
    if (o->verbose) {
        /* The before load carries the request's flags (e.g. removed brokers) too. */
        struct model_cluster *flagged = model_cluster_clone(before);
        for (int32_t b = 0; b < flagged->nbrokers; b++)
            flagged->brokers[b].flags = res->after->brokers[b].flags;
        cJSON_AddItemToObject(root, "loadBeforeOptimization", opt_report_broker_stats(flagged));
        model_cluster_destroy(flagged);
        cJSON *props = cJSON_AddArrayToObject(root, "proposals");
        for (int32_t i = 0; i < res->nproposals; i++) {
            int32_t p = res->proposals[i].partition;
            cJSON *po = cJSON_CreateObject();
            cJSON *tp = cJSON_AddObjectToObject(po, "topicPartition");
            cJSON_AddStringToObject(tp, "topic", before->topics[before->partitions[p].topic].name);
            cJSON_AddNumberToObject(tp, "partition", before->partitions[p].id);
            int32_t ol = model_partition_leader(before, p);
            cJSON_AddNumberToObject(po, "oldLeader", ol >= 0 ? before->brokers[ol].id : -1);
            cJSON_AddItemToObject(po, "oldReplicas", id_array(before, p));
            cJSON_AddItemToObject(po, "newReplicas", id_array(res->after, p));
            cJSON_AddItemToArray(props, po);
        }
    }
    cJSON_AddNumberToObject(root, "version", 1);
    return root;
}

char *opt_report_reassignment_json(const struct model_cluster *before,
                                   const struct opt_result *res)
{
    const struct model_cluster *c = res->after;
    cJSON *root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "version", 1);
    cJSON *parts = cJSON_AddArrayToObject(root, "partitions");
    for (int32_t i = 0; i < res->nproposals; i++) {
        int32_t p = res->proposals[i].partition;
        const struct model_partition *part = &c->partitions[p];
        const struct model_replica *rep = model_replicas_of(c, p);
        cJSON *po = cJSON_CreateObject();
        cJSON_AddStringToObject(po, "topic", c->topics[part->topic].name);
        cJSON_AddNumberToObject(po, "partition", part->id);
        cJSON_AddItemToObject(po, "replicas", id_array(c, p));
        /* Name a log dir only where the plan chose one for a replica that moves or changes
         * dir; otherwise "any" lets the broker keep or pick it. */
        bool any_dir = false;
        cJSON *dirs = cJSON_CreateArray();
        for (int k = 0; k < part->rf; k++) {
            const struct model_broker *br = &c->brokers[rep[k].broker];
            int old_slot = model_partition_slot(before, p, rep[k].broker);
            int16_t old_dir = old_slot >= 0 ? model_replicas_of(before, p)[old_slot].dir : -1;
            bool named = rep[k].dir >= 0 && (old_slot < 0 || old_dir != rep[k].dir);
            any_dir |= named;
            cJSON_AddItemToArray(dirs, cJSON_CreateString(
                                           named ? c->disks[br->first_disk + rep[k].dir].path
                                                 : "any"));
        }
        if (any_dir)
            cJSON_AddItemToObject(po, "log_dirs", dirs);
        else
            cJSON_Delete(dirs);
        cJSON_AddItemToArray(parts, po);
    }
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    char *out = xasprintf("%s\n", text);
    cJSON_free(text);
    return out;
}

static void line_stat(FILE *out, const char *label, const struct model_stats *bs,
                      const struct model_stats *as, int res, double scale, const char *unit)
{
    const struct model_summary_stat *b = &bs->res[res], *a = &as->res[res];
    if (!(b->avg > 0) && !(a->avg > 0)) {
        /* ratios of zero would read as perfect balance */
        fprintf(out, "  %-16s no load data (the snapshot carries none; see docs/monitor.md)\n", label);
        return;
    }
    double rb = b->avg > 0 ? b->max / b->avg : 1, ra = a->avg > 0 ? a->max / a->avg : 1;
    double mb = b->avg > 0 ? b->min / b->avg : 1, ma = a->avg > 0 ? a->min / a->avg : 1;
    fprintf(out, "  %-16s max/mean %6.3f -> %6.3f   min/mean %6.3f -> %6.3f   mean %.1f %s",
            label, rb, ra, mb, ma, a->avg / scale, unit);
    /* Beside the cluster-wide figure, balance against each zone's own mean. */
    if (as->zones > 1)
        fprintf(out, "   in-zone max/mean %.3f -> %.3f", bs->zone_max_mean[res],
                as->zone_max_mean[res]);
    fprintf(out, "\n");
}

void opt_report_text(FILE *out, const struct model_cluster *before, const struct opt_result *res,
                     const struct search_thresholds *th)
{
    const struct model_stats *b = &res->before, *a = &res->after_stats;
    /* "cluster" is the snapshot's default name: not worth showing */
    if (strcmp(before->name, "cluster") == 0)
        fprintf(out, "Cluster:");
    else
        fprintf(out, "Cluster \"%s\":", before->name);
    fprintf(out, " %d brokers, %d topics, %d partitions, %lld replicas\n", before->nbrokers,
            before->ntopics, before->npartitions, (long long)before->nreplicas);
    fprintf(out, "Balance (before -> after, over the %d brokers that keep replicas; "
                 "GB = 10^9 bytes, MB/s = 10^6 bytes/s):\n",
            a->brokers);
    line_stat(out, "disk", b, a, RES_DISK, 1e9, "GB");
    line_stat(out, "network in", b, a, RES_NW_IN, 1e6, "MB/s");
    line_stat(out, "network out", b, a, RES_NW_OUT, 1e6, "MB/s");
    line_stat(out, "cpu", b, a, RES_CPU, 1, "%");
    fprintf(out, "  %-16s %.0f..%.0f -> %.0f..%.0f\n", "replicas/broker", b->replica_count.min,
            b->replica_count.max, a->replica_count.min, a->replica_count.max);
    fprintf(out, "  %-16s %.0f..%.0f -> %.0f..%.0f\n", "leaders/broker", b->leader_count.min,
            b->leader_count.max, a->leader_count.min, a->leader_count.max);
    fprintf(out, "  %-16s %lld -> %lld\n", "rack violations", (long long)b->rack_violations,
            (long long)a->rack_violations);
    fprintf(out, "  %-16s %lld -> %lld\n", "offline replicas", (long long)b->offline_replicas,
            (long long)a->offline_replicas);
    if (b->replicas_on_removed)
        fprintf(out, "  %-16s %lld -> %lld\n", "on removed", (long long)b->replicas_on_removed,
                (long long)a->replicas_on_removed);
    double ratio = res->lower_bound_bytes > 0
                       ? (double)res->data_to_move / (double)res->lower_bound_bytes
                       : 0;
    fprintf(out, "Plan: %lld replica moves (%.2f GB; lower bound %.2f GB", 
            (long long)res->num_replica_moves, res->data_to_move / 1e9,
            res->lower_bound_bytes / 1e9);
    if (ratio > 0)
        fprintf(out, ", %.3fx", ratio);
    fprintf(out, "), %lld log-dir moves (%.2f GB), %lld leadership changes, %d partitions "
                 "changed, planned in %.1f ms\n",
            (long long)res->num_intra_moves, res->intra_data_to_move / 1e9,
            (long long)res->num_leader_moves, res->nproposals, res->time_ms);
    fprintf(out, "Goals (priority order):\n");
    for (int i = 0; i < res->ngoals; i++) {
        const struct opt_goal_result *g = &res->goals[i];
        fprintf(out, "  %-40s %-4s %-9s violations %lld -> %lld  %.1f ms\n", g->name,
                g->hard ? "hard" : "soft", status_names[g->status],
                (long long)g->violations_before, (long long)g->violations_after, g->time_ms);
        if (g->why[0])
            fprintf(out, "    why: %s\n", g->why);
    }
    fprintf(out, "Balancedness score %.1f -> %.1f\n", res->balancedness_before,
            res->balancedness_after);
    if (strcmp(provision(res), "RIGHT_SIZED") != 0) {
        struct search_thresholds th_default;
        if (!th) {
            search_thresholds_default(&th_default);
            th = &th_default;
        }
        char *rec = recommendation(res, th);
        fprintf(out, "Provision: %s%s%s\n", provision(res), *rec ? ": " : "", rec);
        free(rec);
    }
}
