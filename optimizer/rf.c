/* Replication-factor change (Cruise Control's topic_configuration): every partition of the
 * topics a regex matches whole gets `rf` replicas. Checks and messages follow Cruise Control's
 * RunnableUtils and UpdateTopicConfigurationRunnable: a pattern matching no topic, topics
 * already at the target, a factor above the alive brokers, above the racks (unless
 * skip_rack_check), a partition with an offline replica.
 *
 * Raising: the current replicas keep their order (the leader stays); each added replica goes
 * to the zone, then the rack, holding fewest of the partition's replicas (so a rack it lacks
 * first), there to the usable broker holding fewest replicas (counting this plan's additions),
 * then least disk, then lowest id. A new replica has the partition's largest replica's size and
 * no log dir (the broker picks one). Lowering: the leader stays first; the replicas kept are
 * chosen one at a time from the zone, then the rack, holding fewest of those kept so far, in
 * the current order, so that the spread over racks is kept as far as the new count allows.
 * Only these partitions change; no goal optimizes the result (goals are not run).
 * Deterministic; no I/O. */
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/clock.h"
#include "optimizer/optimizer.h"

/* Replica counts of the partition's replicas per zone and per rack among list[0..n). */
static void spread(const struct model_cluster *c, const int32_t *list, int n, int32_t b,
                   int *ret_zone, int *ret_rack)
{
    int z = 0, r = 0;
    for (int i = 0; i < n; i++) {
        z += model_broker_zone(c, list[i]) == model_broker_zone(c, b);
        r += c->brokers[list[i]].rack == c->brokers[b].rack;
    }
    *ret_zone = z;
    *ret_rack = r;
}

/* The usable broker to add to list[0..n) (see the file comment), or -1. */
static int32_t pick_added(const struct model_cluster *c, const int32_t *list, int n,
                          const int64_t *count, const double *disk)
{
    int32_t best = -1;
    int bz = 0, br = 0;
    for (int32_t b = 0; b < c->nbrokers; b++) {
        if (!model_broker_usable(c, b) || (c->brokers[b].flags & BROKER_EXCL_REPLICA) ||
            model_id_in(list, n, b))
            continue;
        int z, r;
        spread(c, list, n, b, &z, &r);
        bool better = best < 0 || z < bz || (z == bz && r < br) ||
                      (z == bz && r == br &&
                       (count[b] < count[best] ||
                        (count[b] == count[best] &&
                         (disk[b] < disk[best] ||
                          (disk[b] == disk[best] && c->brokers[b].id < c->brokers[best].id)))));
        if (better) {
            best = b;
            bz = z;
            br = r;
        }
    }
    return best;
}

/* Which of the current replicas old[0..n) to keep (keep[slot]) when lowering to rf. */
static void pick_kept(const struct model_cluster *c, int32_t p, const struct model_replica *old,
                      int n, int rf, bool *keep)
{
    int32_t kept[MODEL_MAX_RF];
    int nk = 0;
    int lead = c->partitions[p].leader;
    memset(keep, 0, (size_t)n * sizeof(*keep));
    if (lead >= 0) {
        keep[lead] = true;
        kept[nk++] = old[lead].broker;
    }
    while (nk < rf) {
        int best = -1, bz = 0, br = 0;
        for (int i = 0; i < n; i++) {
            if (keep[i])
                continue;
            int z, r;
            spread(c, kept, nk, old[i].broker, &z, &r);
            /* an offline replica is the last kept */
            z += model_broker_usable(c, old[i].broker) ? 0 : MODEL_MAX_RF;
            if (best < 0 || z < bz || (z == bz && r < br)) {
                best = i;
                bz = z;
                br = r;
            }
        }
        keep[best] = true;
        kept[nk++] = old[best].broker;
    }
}

/* The topics whose partitions change (sel[t]), checked as Cruise Control checks them. */
static int select_topics(const struct model_cluster *c, const char *regex, int rf, bool *sel,
                         char *names, size_t len, struct error *err)
{
    char *pattern = xasprintf("^(%s)$", regex);
    regex_t re;
    int rc = regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB);
    free(pattern);
    if (rc != 0) {
        char msg[256];
        regerror(rc, &re, msg, sizeof(msg));
        regfree(&re);
        return error_set(err, -EINVAL, "topic regex '%s': %s", regex, msg);
    }
    int matched = 0, changed = 0;
    size_t at = 0;
    for (int32_t t = 0; t < c->ntopics; t++) {
        if (regexec(&re, c->topics[t].name, 0, NULL, 0) != 0)
            continue;
        matched++;
        const struct model_topic *tp = &c->topics[t];
        for (int32_t p = tp->first_partition; p < tp->first_partition + tp->npartitions; p++)
            sel[t] |= c->partitions[p].rf != rf;
        if (sel[t]) {
            changed++;
            if (at < len)
                at += (size_t)snprintf(names + at, len - at, "%s%s", at ? ", " : "", tp->name);
        }
    }
    regfree(&re);
    if (!matched)
        return error_set(err, -ENOENT, "There is no topic in cluster matching pattern '%s'.",
                         regex);
    if (!changed)
        return error_set(err, -EALREADY, "All topics matching given pattern already have target "
                         "replication factor. Requested topic pattern by replication factor: "
                         "{%d=%s}.", rf, regex);
    return 0;
}

/* Alive brokers and their racks against rf; a partition of a selected topic with an offline
 * replica. */
static int check_cluster(const struct model_cluster *c, const bool *sel, int rf,
                         bool skip_rack_check, const char *names, struct error *err)
{
    int alive = 0, racks = 0;
    bool *rack_seen = xcalloc((size_t)c->nracks + 1, sizeof(bool));
    for (int32_t b = 0; b < c->nbrokers; b++) {
        if (!model_broker_usable(c, b))
            continue;
        alive++;
        racks += !rack_seen[c->brokers[b].rack];
        rack_seen[c->brokers[b].rack] = true;
    }
    free(rack_seen);
    if (rf > alive)
        return error_set(err, -EINVAL, "Unable to change replication factor (RF) of topics [%s] "
                         "to %d since there are only %d alive brokers in the cluster. Requested "
                         "RF cannot be more than number of alive brokers.", names, rf, alive);
    if (rf > racks && !skip_rack_check)
        return error_set(err, -EINVAL, "Unable to change replication factor of topics [%s] to %d "
                         "since there are only %d racks in the cluster, to skip the "
                         "rack-awareness check, set skip_rack_awareness_check to true in the "
                         "request.", names, rf, racks);
    for (int32_t p = 0; p < c->npartitions; p++) {
        if (!sel[c->partitions[p].topic])
            continue;
        const struct model_replica *r = model_replicas_of(c, p);
        for (int k = 0; k < c->partitions[p].rf; k++)
            if (c->brokers[r[k].broker].flags & BROKER_DEAD)
                return error_set(err, -EINVAL, "Topic partition %s-%d has offline replicas on "
                                 "brokers [%d].", c->topics[c->partitions[p].topic].name,
                                 c->partitions[p].id, c->brokers[r[k].broker].id);
    }
    return 0;
}

/* The cluster after: c's arrays with the selected partitions' replica lists replaced; NULL
 * (-ENOSPC in err) when no broker may take a partition's next replica (the others exclude
 * replicas). */
static struct model_cluster *resize(const struct model_cluster *c, const bool *sel, int rf,
                                    int64_t *ret_added, int64_t *ret_bytes, struct error *err)
{
    struct model_cluster *a = model_cluster_clone(c);
    int64_t total = 0;
    for (int32_t p = 0; p < c->npartitions; p++)
        total += sel[c->partitions[p].topic] ? rf : c->partitions[p].rf;
    struct model_replica *reps = xcalloc((size_t)(total ? total : 1), sizeof(*reps));
    int64_t *count = xcalloc((size_t)c->nbrokers + 1, sizeof(*count));
    double *disk = xcalloc((size_t)c->nbrokers + 1, sizeof(*disk));
    for (int64_t i = 0; i < c->nreplicas; i++) {
        count[c->replicas[i].broker]++;
        disk[c->replicas[i].broker] += (double)c->replicas[i].size;
    }
    int64_t at = 0, added = 0, bytes = 0;
    for (int32_t p = 0; p < c->npartitions; p++) {
        const struct model_partition *op = &c->partitions[p];
        struct model_partition *np = &a->partitions[p];
        const struct model_replica *old = model_replicas_of(c, p);
        np->first_replica = at;
        if (!sel[op->topic] || op->rf == rf) {
            memcpy(&reps[at], old, (size_t)op->rf * sizeof(*old));
            at += op->rf;
            continue;
        }
        np->rf = (int16_t)rf;
        np->isr = 0;
        if (op->rf < rf) {
            int64_t size = 0;
            int32_t list[MODEL_MAX_RF];
            for (int k = 0; k < op->rf; k++) {
                reps[at + k] = old[k];
                list[k] = old[k].broker;
                size = old[k].size > size ? old[k].size : size;
            }
            np->isr = op->isr;
            for (int k = op->rf; k < rf; k++) {
                int32_t b = pick_added(c, list, k, count, disk);
                if (b < 0) {
                    error_set(err, -ENOSPC, "no broker may take replica %d of %s-%d: the usable "
                              "brokers that accept replicas hold it already", k + 1,
                              c->topics[op->topic].name, op->id);
                    free(reps);
                    free(count);
                    free(disk);
                    model_cluster_destroy(a);
                    return NULL;
                }
                list[k] = b;
                reps[at + k] = (struct model_replica){.broker = b, .dir = -1, .size = size};
                count[b]++;
                disk[b] += (double)size;
                added++;
                bytes += size;
            }
        } else {
            bool keep[MODEL_MAX_RF];
            pick_kept(c, p, old, op->rf, rf, keep);
            int k = 0;
            /* the leader first, then the others kept in their order */
            for (int pass = 0; pass < 2; pass++)
                for (int i = 0; i < op->rf; i++) {
                    bool lead = i == op->leader;
                    if (!keep[i] || (pass == 0) != lead)
                        continue;
                    if (op->isr & (1u << i))
                        np->isr |= 1u << k;
                    reps[at + k++] = old[i];
                }
            if (op->leader < 0) /* no leader: the first kept (pass 1 placed them all) */
                np->leader = -1;
            else
                np->leader = 0;
            for (int i = 0; i < op->rf; i++)
                if (!keep[i])
                    count[old[i].broker]--;
        }
        at += rf;
    }
    free(a->replicas);
    a->replicas = reps;
    a->nreplicas = total;
    a->cap_replicas = (size_t)(total ? total : 1);
    free(count);
    free(disk);
    *ret_added = added;
    *ret_bytes = bytes;
    return a;
}

int opt_plan_rf(const struct model_cluster *c, const struct opt_rf_request *req,
                struct opt_result **ret_result, struct error *err)
{
    double t0 = clock_mono_ms();
    if (req->rf < 1 || req->rf > MODEL_MAX_RF)
        return error_set(err, -EINVAL, "Target replication factor cannot be set to smaller than "
                         "1 (nor above %d).", MODEL_MAX_RF);
    bool *sel = xcalloc((size_t)c->ntopics + 1, sizeof(bool));
    char names[512] = "";
    int rc = select_topics(c, req->topics, req->rf, sel, names, sizeof(names), err);
    if (rc == 0)
        rc = check_cluster(c, sel, req->rf, req->skip_rack_check, names, err);
    if (rc < 0) {
        free(sel);
        return rc;
    }
    struct opt_result *res = xcalloc(1, sizeof(*res));
    res->after = resize(c, sel, req->rf, &res->num_replica_moves, &res->data_to_move, err);
    if (!res->after) {
        free(sel);
        free(res);
        return -ENOSPC;
    }
    res->proposals = xmalloc((size_t)(c->npartitions ? c->npartitions : 1) *
                             sizeof(*res->proposals));
    for (int32_t p = 0; p < c->npartitions; p++)
        if (sel[c->partitions[p].topic] && c->partitions[p].rf != req->rf)
            res->proposals[res->nproposals++] = (struct opt_proposal){p, OPT_CHANGE_REPLICAS};
    free(sel);
    model_stats_compute(c, &res->before);
    model_stats_compute(res->after, &res->after_stats);
    res->balancedness_before = res->balancedness_after = 100.0; /* no goal was judged */
    res->time_ms = clock_mono_ms() - t0;
    *ret_result = res;
    return 0;
}
