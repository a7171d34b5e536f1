/* The planner driver; see optimizer.h for the steps. */
#include "optimizer/optimizer.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/alloc.h"
#include "common/clock.h"

void opt_request_init(struct opt_request *req)
{
    memset(req, 0, sizeof(*req));
    req->mode = SEARCH_MODE_FULL;
    search_thresholds_default(&req->th);
}

int opt_disk_list_parse(const char *s, struct opt_disk_list *out, struct error *err)
{
    memset(out, 0, sizeof(*out));
    size_t len = strlen(s);
    out->buf = xstrdup(s);
    out->refs = xmalloc((len / 2 + 1) * sizeof(*out->refs));
    char *item = out->buf;
    for (int32_t k = 1;; k++) {
        char *comma = strchr(item, ',');
        if (comma)
            *comma = 0;
        size_t at = (size_t)(item - out->buf);
        char *p = item;
        long id = 0;
        while (*p >= '0' && *p <= '9' && id <= INT32_MAX)
            id = id * 10 + (*p++ - '0');
        if (p == item || id > INT32_MAX || (*p != ':' && *p != '-') || !p[1]) {
            int rc = error_set(err, -EINVAL,
                               "item %d '%s' (offset %zu): expected BROKER:LOGDIR or "
                               "BROKER-LOGDIR (a broker id, then a log dir path or index)",
                               k, item, at);
            opt_disk_list_finish(out);
            return rc;
        }
        out->refs[out->n].broker = (int32_t)id;
        out->refs[out->n].dir = p + 1;
        out->n++;
        if (!comma)
            return 0;
        item = comma + 1;
    }
}

void opt_disk_list_finish(struct opt_disk_list *l)
{
    free(l->refs);
    free(l->buf);
    memset(l, 0, sizeof(*l));
}

void opt_result_destroy(struct opt_result *res)
{
    if (!res)
        return;
    model_cluster_destroy(res->after);
    free(res->proposals);
    free(res);
}

/* ---- request ---- */

static bool in_list(const struct goal_impl *const *list, int n, const struct goal_impl *g)
{
    for (int i = 0; i < n; i++)
        if (list[i] == g)
            return true;
    return false;
}

static int supported_list(char *buf, size_t len)
{
    size_t off = 0;
    for (int i = 0; goal_registry[i] && off < len; i++)
        off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
                                goal_registry[i]->name);
    return 0;
}

static int resolve_goals(const struct opt_request *req, const struct goal_impl **impls, int *ret_n,
                         struct error *err)
{
    int n = 0;
    extern const struct goal_impl goal_intra_disk_capacity, goal_intra_disk_distribution;
    if (req->mode == SEARCH_MODE_REMOVE_DISKS) {
        /* Cruise Control's RemoveDisksRunnable: the intra-broker disk goals only */
        for (int i = 0; i < req->ngoals; i++) {
            const struct goal_impl *g = goal_find(req->goals[i]);
            if (g != &goal_intra_disk_capacity && g != &goal_intra_disk_distribution)
                return error_set(err, -EINVAL,
                                 "mode remove-disks moves replicas only between the log dirs "
                                 "of a broker and runs IntraBrokerDiskCapacityGoal and "
                                 "IntraBrokerDiskUsageDistributionGoal; goal '%s' does not apply",
                                 req->goals[i]);
        }
        impls[n++] = &goal_intra_disk_capacity;
        impls[n++] = &goal_intra_disk_distribution;
        *ret_n = n;
        return 0;
    }
    if (!req->goals || req->ngoals == 0) {
        for (int i = 0; goal_defaults[i]; i++)
            impls[n++] = goal_defaults[i];
        *ret_n = n;
        return 0;
    }
    if (req->ngoals > OPT_MAX_GOALS)
        return error_set(err, -EINVAL, "too many goals (%d, at most %d)", req->ngoals,
                         OPT_MAX_GOALS);
    for (int i = 0; i < req->ngoals; i++) {
        const struct goal_impl *g = goal_find(req->goals[i]);
        if (!g) {
            char names[2048];
            supported_list(names, sizeof(names));
            return error_set(err, -EINVAL, "unknown goal '%s'; supported goals: %s",
                             req->goals[i], names);
        }
        if (in_list(impls, n, g))
            return error_set(err, -EINVAL, "goal '%s' is listed twice", g->name);
        impls[n++] = g;
    }
    if (!req->skip_hard_goal_check) {
        extern const struct goal_impl goal_rack_aware, goal_rack_aware_distribution;
        for (int i = 0; goal_hard_defaults[i]; i++) {
            const struct goal_impl *h = goal_hard_defaults[i];
            if (in_list(impls, n, h))
                continue;
            if (h == &goal_rack_aware && in_list(impls, n, &goal_rack_aware_distribution))
                continue;
            return error_set(err, -EINVAL,
                             "the goals must include the hard goal %s (or skip this "
                             "check: --skip-hard-goal-check)",
                             h->name);
        }
    }
    *ret_n = n;
    return 0;
}

/* Compiles a whole-name regex; -EINVAL with a message naming `what` when it is bad. */
static int compile_topics(regex_t *re, const char *src, const char *what, struct error *err)
{
    char *pattern = xasprintf("^(%s)$", src);
    int rc = regcomp(re, pattern, REG_EXTENDED | REG_NOSUB);
    free(pattern);
    if (rc != 0) {
        char msg[256];
        regerror(rc, re, msg, sizeof(msg));
        regfree(re);
        return error_set(err, -EINVAL, "%s regex '%s': %s", what, src, msg);
    }
    return 0;
}

/* Resolves a remove-disks dir (path, else index) of broker b; -1 if it names none. */
static int32_t find_dir(const struct model_cluster *c, int32_t b, const char *dir)
{
    const struct model_broker *br = &c->brokers[b];
    for (int32_t d = br->first_disk; d < br->first_disk + br->ndisks; d++)
        if (strcmp(c->disks[d].path, dir) == 0)
            return d;
    char *end;
    errno = 0;
    long i = strtol(dir, &end, 10);
    if (*dir < '0' || *dir > '9' || *end || errno || i >= br->ndisks)
        return -1;
    return br->first_disk + (int32_t)i;
}

/* remove-disks: marks the named dirs removed; every broker keeps an online dir. */
static int apply_disks(struct model_cluster *work, const struct opt_request *req,
                       struct error *err)
{
    if (req->mode != SEARCH_MODE_REMOVE_DISKS)
        return req->ndisks ? error_set(err, -EINVAL, "log dirs to remove are given only in "
                                                     "mode remove-disks")
                           : 0;
    if (req->ndisks == 0)
        return error_set(err, -EINVAL, "mode remove-disks needs the log dirs to remove");
    for (int32_t i = 0; i < req->ndisks; i++) {
        int32_t b = model_broker_find(work, req->disks[i].broker);
        if (b < 0)
            return error_set(err, -EINVAL, "broker %d does not exist.", req->disks[i].broker);
        int32_t d = find_dir(work, b, req->disks[i].dir);
        if (d < 0) {
            const struct model_broker *br = &work->brokers[b];
            char names[1024] = "";
            size_t off = 0;
            for (int32_t k = 0; k < br->ndisks && off < sizeof(names); k++)
                off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%d=%s",
                                        k ? ", " : "", k, work->disks[br->first_disk + k].path);
            return error_set(err, -EINVAL, "broker %d has no log dir '%s' (its log dirs: %s)",
                             req->disks[i].broker, req->disks[i].dir,
                             br->ndisks ? names : "none known");
        }
        work->disks[d].removed = true;
    }
    for (int32_t b = 0; b < work->nbrokers; b++) {
        const struct model_broker *br = &work->brokers[b];
        bool any_removed = false, any_left = false;
        for (int32_t d = br->first_disk; d < br->first_disk + br->ndisks; d++) {
            any_removed |= work->disks[d].removed;
            any_left |= !work->disks[d].removed && !work->disks[d].offline;
        }
        if (any_removed && !any_left)
            return error_set(err, -EINVAL,
                             "broker %d would be left with no online log dir: remove-disks "
                             "moves replicas only between a broker's dirs (remove the broker "
                             "instead: mode remove-brokers)",
                             br->id);
    }
    return 0;
}

static int apply_request(struct model_cluster *work, const struct opt_request *req,
                         int32_t *ret_excluded, struct error *err)
{
    uint32_t flag = 0;
    switch (req->mode) {
    case SEARCH_MODE_ADD_BROKERS:
        flag = BROKER_NEW;
        break;
    case SEARCH_MODE_REMOVE_BROKERS:
        flag = BROKER_REMOVE;
        break;
    case SEARCH_MODE_DEMOTE:
        flag = BROKER_EXCL_LEADER;
        break;
    default:
        break;
    }
    if (flag && req->nbrokers == 0)
        return error_set(err, -EINVAL, "the brokers list is mandatory in this mode");
    int rc = apply_disks(work, req, err);
    if (rc < 0)
        return rc;
    if (req->mode == SEARCH_MODE_ADD_BROKERS)
        for (int32_t b = 0; b < work->nbrokers; b++)
            work->brokers[b].flags &= ~(uint32_t)BROKER_NEW;
    for (int32_t i = 0; i < req->nbrokers; i++) {
        int32_t b = model_broker_find(work, req->brokers[i]);
        if (b < 0)
            return error_set(err, -EINVAL, "broker %d does not exist.", req->brokers[i]);
        if (req->mode == SEARCH_MODE_ADD_BROKERS && (work->brokers[b].flags & BROKER_DEAD))
            return error_set(err, -EINVAL, "broker %d is dead and cannot receive replicas",
                             req->brokers[i]);
        work->brokers[b].flags |= flag;
    }
    int32_t excluded = 0;
    if (req->excluded_topics && *req->excluded_topics) {
        regex_t re;
        rc = compile_topics(&re, req->excluded_topics, "excluded topics", err);
        if (rc < 0)
            return rc;
        for (int32_t t = 0; t < work->ntopics; t++)
            if (regexec(&re, work->topics[t].name, 0, NULL, 0) == 0) {
                work->topics[t].flags |= TOPIC_EXCLUDED;
                excluded++;
            }
        regfree(&re);
    }
    model_topology_refresh(work);
    *ret_excluded = excluded;
    return 0;
}

/* ---- emptying brokers and fixing leadership ---- */

static int64_t *must_move_list(const struct search_ctx *ctx, int64_t *ret_n)
{
    int64_t n = 0;
    for (int64_t r = 0; r < ctx->c->nreplicas; r++)
        n += search_rep_must_move(ctx, r);
    int64_t *list = xmalloc((size_t)(n ? n : 1) * sizeof(int64_t));
    n = 0;
    for (int64_t r = 0; r < ctx->c->nreplicas; r++)
        if (search_rep_must_move(ctx, r))
            list[n++] = r;
    *ret_n = n;
    return list;
}

static const struct model_cluster *sort_cluster;

static int by_size_desc(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    int64_t sx = sort_cluster->replicas[x].size, sy = sort_cluster->replicas[y].size;
    if (sx != sy)
        return sx < sy ? 1 : -1;
    return x < y ? -1 : (x > y);
}

/* Moves every replica that must leave its broker, largest first, each to the allowed broker
 * that keeps its partition's racks best spread, stays under the disk and replica limits if
 * any can, and is least disk-utilised after the move. */
static int evacuate(struct search_ctx *ctx, struct error *err)
{
    struct model_cluster *c = ctx->c;
    int64_t n;
    int64_t *list = must_move_list(ctx, &n);
    sort_cluster = c;
    qsort(list, (size_t)n, sizeof(*list), by_size_desc);
    int rc = 0;
    for (int64_t i = 0; i < n; i++) {
        int64_t r = list[i];
        int32_t p = ctx->rep_part[r];
        int slot = search_rep_slot(ctx, r);
        double size = (double)c->replicas[r].size;
        int32_t best = -1;
        int best_def = 0;
        bool best_over = false;
        double best_u = 0;
        for (int32_t b = 0; b < c->nbrokers; b++) {
            if (!search_move_allowed(ctx, r, b))
                continue;
            int def = model_partition_rack_deficit_if(c, p, slot, b);
            const struct model_broker *br = &c->brokers[b];
            double u = (ctx->bl[b].load[RES_DISK] + size) / br->capacity[RES_DISK];
            bool over = u > ctx->th.capacity[RES_DISK] ||
                        ctx->bl[b].replicas + 1 > ctx->th.max_replicas_per_broker;
            bool better = best < 0 || def < best_def ||
                          (def == best_def && (over < best_over ||
                                               (over == best_over && u < best_u)));
            if (better) {
                best = b;
                best_def = def;
                best_over = over;
                best_u = u;
            }
        }
        if (best < 0) {
            const struct model_partition *part = &c->partitions[p];
            rc = error_set(err, -ENOSPC,
                           "topic '%s' partition %d: no broker can take its replica from "
                           "broker %d (every allowed broker already holds the partition)",
                           c->topics[part->topic].name, part->id,
                           c->brokers[c->replicas[r].broker].id);
            break;
        }
        search_move_apply(ctx, r, best);
    }
    free(list);
    return rc;
}

/* Lists broker b's dirs that are (removed) or are not (!removed, online) being removed. */
static void dir_names(const struct model_cluster *c, int32_t b, bool removed, char *buf,
                      size_t len)
{
    const struct model_broker *br = &c->brokers[b];
    size_t off = 0;
    buf[0] = 0;
    for (int32_t d = br->first_disk; d < br->first_disk + br->ndisks && off < len; d++)
        if (c->disks[d].removed == removed && (removed || !c->disks[d].offline))
            off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? ", " : "",
                                    c->disks[d].path);
}

/* remove-disks: moves every replica off the removed dirs onto its broker's other online dirs,
 * largest first, each to the dir least utilised after the move that stays under the disk
 * capacity threshold. Refuses (-ENOSPC) when a broker's remaining dirs lack the room. */
static int evacuate_disks(struct search_ctx *ctx, struct error *err)
{
    struct model_cluster *c = ctx->c;
    double th = ctx->th.capacity[RES_DISK];
    char gone[1024], left[1024];
    for (int32_t b = 0; b < c->nbrokers; b++) {
        const struct model_broker *br = &c->brokers[b];
        double need = 0, room = 0;
        bool any = false;
        for (int32_t d = br->first_disk; d < br->first_disk + br->ndisks; d++) {
            if (c->disks[d].removed) {
                need += ctx->disk_used[d];
                any = true;
            } else if (!c->disks[d].offline) {
                room += fmax(0, model_disk_capacity(c, d) * th - ctx->disk_used[d]);
            }
        }
        if (any && need > room) {
            dir_names(c, b, true, gone, sizeof(gone));
            dir_names(c, b, false, left, sizeof(left));
            return error_set(err, -ENOSPC,
                             "broker %d: the replicas on log dirs %s need %.0f bytes, but its "
                             "other log dirs %s have %.0f bytes free below the %.0f%% disk "
                             "capacity threshold",
                             br->id, gone, need, left, room, th * 100);
        }
    }
    int64_t n = 0;
    for (int64_t r = 0; r < c->nreplicas; r++) {
        const struct model_replica *rep = &c->replicas[r];
        n += rep->dir >= 0 && c->disks[c->brokers[rep->broker].first_disk + rep->dir].removed;
    }
    int64_t *list = xmalloc((size_t)(n ? n : 1) * sizeof(int64_t));
    n = 0;
    for (int64_t r = 0; r < c->nreplicas; r++) {
        const struct model_replica *rep = &c->replicas[r];
        if (rep->dir >= 0 && c->disks[c->brokers[rep->broker].first_disk + rep->dir].removed)
            list[n++] = r;
    }
    sort_cluster = c;
    qsort(list, (size_t)n, sizeof(*list), by_size_desc);
    int rc = 0;
    for (int64_t i = 0; i < n && rc == 0; i++) {
        int64_t r = list[i];
        int32_t b = c->replicas[r].broker;
        const struct model_broker *br = &c->brokers[b];
        double size = (double)c->replicas[r].size;
        int32_t best = -1;
        double best_u = 0;
        for (int32_t d = br->first_disk; d < br->first_disk + br->ndisks; d++) {
            if (c->disks[d].removed || c->disks[d].offline)
                continue;
            double cap = model_disk_capacity(c, d);
            double u = cap > 0 ? (ctx->disk_used[d] + size) / cap : INFINITY;
            if (u <= th + 1e-12 && (best < 0 || u < best_u)) {
                best = d;
                best_u = u;
            }
        }
        if (best < 0) {
            const struct model_partition *part = &c->partitions[ctx->rep_part[r]];
            dir_names(c, b, false, left, sizeof(left));
            rc = error_set(err, -ENOSPC,
                           "broker %d: no log dir among %s has room for the %.0f-byte replica "
                           "of topic '%s' partition %d below the %.0f%% disk capacity threshold "
                           "(the free bytes are split between the dirs)",
                           br->id, left, size, c->topics[part->topic].name, part->id, th * 100);
            break;
        }
        search_dir_apply(ctx, r, (int16_t)(best - br->first_disk));
    }
    free(list);
    return rc;
}

/* Gives every partition whose leader may not lead (or has none) the eligible online replica
 * on the broker with the fewest leaders. */
static void fix_leadership(struct search_ctx *ctx)
{
    struct model_cluster *c = ctx->c;
    for (int32_t p = 0; p < c->npartitions; p++) {
        struct model_partition *part = &c->partitions[p];
        int32_t lb = model_partition_leader(c, p);
        if (lb >= 0 && ctx->lead_ok[lb] && !search_rep_must_move(ctx, part->first_replica + part->leader))
            continue;
        int best = -1;
        for (int s = 0; s < part->rf; s++) {
            int64_t r = part->first_replica + s;
            int32_t b = c->replicas[r].broker;
            if (s == part->leader || !ctx->lead_ok[b] || search_rep_must_move(ctx, r))
                continue;
            if (best < 0 || ctx->bl[b].leaders < ctx->bl[c->replicas[part->first_replica + best].broker].leaders)
                best = s;
        }
        if (best >= 0)
            search_leader_apply(ctx, p, best);
    }
}

/* ---- the diff ---- */

static bool same_set(const struct model_replica *a, const struct model_replica *b, int n)
{
    for (int i = 0; i < n; i++) {
        bool found = false;
        for (int j = 0; j < n && !found; j++)
            found = a[i].broker == b[j].broker;
        if (!found)
            return false;
    }
    return true;
}

/* Puts the leader first in each changed partition (Kafka's preferred leader) and brokers
 * that may not lead last, keeping the others' order. Done on the working cluster before the
 * goals are judged, so that PreferredLeaderElectionGoal is judged on the plan written. */
static void order_replicas(struct search_ctx *ctx, const struct model_cluster *before)
{
    struct model_cluster *after = ctx->c;
    for (int32_t p = 0; p < after->npartitions; p++) {
        struct model_partition *part = &after->partitions[p];
        const struct model_replica *old = model_replicas_of(before, p);
        const struct model_replica *cur = model_replicas_of(after, p);
        int rf = part->rf;
        bool demoted = false;
        for (int i = 0; i < rf; i++)
            demoted |= (after->brokers[cur[i].broker].flags & BROKER_EXCL_LEADER) != 0;
        if (!demoted && same_set(old, cur, rf) &&
            model_partition_leader(before, p) == model_partition_leader(after, p))
            continue;
        if (part->leader > 0)
            search_slots_swap(ctx, p, 0, part->leader);
        for (int i = rf - 1, last = rf - 1; i >= 1; i--)
            if (after->brokers[cur[i].broker].flags & BROKER_EXCL_LEADER) {
                for (int j = i; j < last; j++)
                    search_slots_swap(ctx, p, j, j + 1);
                last--;
            }
    }
}

/* Why goal i, satisfied before planning, is violated after: the moves of earlier goals left
 * it violated when its turn came (it may make no move that worsens an earlier goal), or later
 * goals' moves, each accepted as leaving it no worse overall, or the recomputed band. */
static void explain(struct opt_result *res, int i)
{
    struct opt_goal_result *gr = &res->goals[i];
    if (gr->violations_at_start == 0) {
        snprintf(gr->why, sizeof(gr->why),
                 "satisfied after its own turn; later goals' moves (each judged as leaving it "
                 "no worse overall) and its band recomputed on the final placement leave %lld",
                 (long long)gr->violations_after);
        return;
    }
    size_t off = (size_t)snprintf(gr->why, sizeof(gr->why),
                                  "the moves of earlier goals left %lld violations before its "
                                  "turn (",
                                  (long long)gr->violations_at_start);
    int named = 0;
    for (int k = 0; k < i && off < sizeof(gr->why); k++) {
        if (!res->goals[k].changed)
            continue;
        if (named == 3) {
            off += (size_t)snprintf(gr->why + off, sizeof(gr->why) - off, ", ...");
            break;
        }
        off += (size_t)snprintf(gr->why + off, sizeof(gr->why) - off, "%s%s", named ? ", " : "",
                                res->goals[k].name);
        named++;
    }
    if (off < sizeof(gr->why))
        snprintf(gr->why + off, sizeof(gr->why) - off,
                 "); each move that would fix one makes an earlier goal worse, so it may not");
}

/* Records the changes and counts (the replicas are in their final order already). */
static void diff(const struct model_cluster *before, const struct model_cluster *after,
                 struct opt_result *res)
{
    res->proposals = xmalloc((size_t)(after->npartitions ? after->npartitions : 1) *
                             sizeof(*res->proposals));
    for (int32_t p = 0; p < after->npartitions; p++) {
        const struct model_replica *old = model_replicas_of(before, p);
        const struct model_replica *cur = model_replicas_of(after, p);
        int rf = after->partitions[p].rf;
        bool set_changed = !same_set(old, cur, rf);
        int32_t new_leader = model_partition_leader(after, p);
        bool leader_changed = model_partition_leader(before, p) != new_leader;
        uint32_t ch = 0;
        if (set_changed)
            ch |= OPT_CHANGE_REPLICAS;
        if (leader_changed)
            ch |= OPT_CHANGE_LEADER;
        for (int i = 0; i < rf; i++)
            if (old[i].broker != cur[i].broker)
                ch |= OPT_CHANGE_ORDER;
        for (int i = 0; i < rf; i++) {
            bool found = false;
            for (int j = 0; j < rf; j++) {
                if (old[j].broker != cur[i].broker)
                    continue;
                found = true;
                if (old[j].dir >= 0 && cur[i].dir >= 0 && old[j].dir != cur[i].dir) {
                    ch |= OPT_CHANGE_DIRS;
                    res->num_intra_moves++;
                    res->intra_data_to_move += cur[i].size;
                }
            }
            if (!found) {
                res->num_replica_moves++;
                res->data_to_move += cur[i].size;
            }
        }
        if (leader_changed && new_leader >= 0)
            res->num_leader_moves++;
        if (ch) {
            res->proposals[res->nproposals].partition = p;
            res->proposals[res->nproposals].changes = ch;
            res->nproposals++;
        }
    }
}

/* ---- lower bound ---- */

/* Bytes any plan must move to reach the disk spread the plan reached, given what must be
 * emptied: a broker above the plan's highest utilisation must shed its excess, one below the
 * lowest must receive its shortfall, and replicas on dead/removed brokers or offline dirs
 * all move. Rack repair needs at least one replica per unit of deficit (the smallest). */
static int32_t bound_group(const struct model_cluster *c, int level, int32_t b)
{
    return level == 2 ? c->brokers[b].rack : level == 1 ? model_broker_zone(c, b) : 0;
}

/* How finely rack goals confine moves for the whole plan: 2 (rack) or 1 (zone) when a rack goal
 * is requested and every movable partition has one replica per usable rack (zone). */
static int bound_level(const struct model_cluster *c, bool rack_goal)
{
    if (!rack_goal)
        return 0;
    bool racks = c->usable_racks >= 2, zones = c->usable_zones >= 2;
    for (int32_t p = 0; p < c->npartitions && (racks || zones); p++) {
        if (c->topics[c->partitions[p].topic].flags & TOPIC_EXCLUDED)
            continue;
        racks &= c->partitions[p].rf == c->usable_racks;
        zones &= c->partitions[p].rf == c->usable_zones;
    }
    return racks ? 2 : zones ? 1 : 0;
}

/* Bytes any plan must move to reach the disk spread the plan reached, given what must be
 * emptied: a broker above the plan's highest utilisation (in its rack or zone when moves cannot
 * leave them) must shed its excess, one below the lowest must receive its shortfall, and
 * replicas on dead/removed brokers or offline dirs all move. Rack repair needs at least one
 * replica per unit of deficit (the smallest). */
static int64_t lower_bound(const struct model_cluster *c, const struct model_broker_load *bl0,
                           const struct model_cluster *after, bool rack_goal)
{
    int level = bound_level(c, rack_goal);
    int32_t ng = level == 2 ? c->nracks : level == 1 ? c->nzones : 1;
    double *umax = xcalloc((size_t)ng, sizeof(double)), *umin = xmalloc((size_t)ng * sizeof(double));
    for (int32_t g = 0; g < ng; g++)
        umin[g] = INFINITY;
    struct model_broker_load *bl1 =
        xmalloc((size_t)(after->nbrokers ? after->nbrokers : 1) * sizeof(*bl1));
    model_compute_loads(after, bl1, NULL);
    for (int32_t b = 0; b < after->nbrokers; b++) {
        if (!model_broker_usable(after, b))
            continue;
        int32_t g = bound_group(after, level, b);
        double u = bl1[b].load[RES_DISK] / after->brokers[b].capacity[RES_DISK];
        umax[g] = fmax(umax[g], u);
        umin[g] = fmin(umin[g], u);
    }
    double push = 0, pull = 0, must = 0, rack = 0;
    /* rack_on[b]: bytes on b of partitions that break the rack rule, the most a rack repair
     * can take off b; what b must shed beyond it needs moves of their own. */
    double *rack_on = xcalloc((size_t)(c->nbrokers ? c->nbrokers : 1), sizeof(double));
    for (int32_t p = 0; p < c->npartitions; p++) {
        const struct model_partition *part = &c->partitions[p];
        const struct model_replica *rep = model_replicas_of(c, p);
        bool any_must = false;
        int64_t smallest = INT64_MAX;
        for (int i = 0; i < part->rf; i++) {
            const struct model_broker *br = &c->brokers[rep[i].broker];
            bool m = (br->flags & (BROKER_DEAD | BROKER_REMOVE)) ||
                     (rep[i].dir >= 0 && c->disks[br->first_disk + rep[i].dir].offline);
            if (m) {
                must += (double)rep[i].size;
                any_must = true;
            }
            if (rep[i].size < smallest)
                smallest = rep[i].size;
        }
        if (!any_must && !(c->topics[part->topic].flags & TOPIC_EXCLUDED)) {
            /* deficit on the original placement, judged with the request's usable set */
            int d = model_partition_rack_deficit(c, p);
            rack += (double)d * (double)smallest;
            for (int i = 0; d > 0 && i < part->rf; i++)
                rack_on[rep[i].broker] += (double)rep[i].size;
        }
    }
    double beyond_rack = 0;
    for (int32_t b = 0; b < c->nbrokers; b++) {
        double cap = c->brokers[b].capacity[RES_DISK];
        if (!model_broker_usable(c, b))
            continue;
        int32_t g = bound_group(c, level, b);
        double excess = fmax(0, bl0[b].load[RES_DISK] - umax[g] * cap);
        push += excess;
        beyond_rack += fmax(0, excess - rack_on[b]);
        if (isfinite(umin[g]))
            pull += fmax(0, umin[g] * cap - bl0[b].load[RES_DISK]);
    }
    free(rack_on);
    free(bl1);
    free(umax);
    free(umin);
    /* Moves off dead or removed brokers, rack repairs and the other moves off brokers above
     * the plan's highest utilisation are different replicas, so their bytes add up; a rack
     * repair may also serve as a broker's shedding, hence max(push, rack + beyond_rack). */
    double bound = fmax(must + fmax(push, rack + beyond_rack), pull);
    return (int64_t)floor(bound);
}

/* ---- the driver ---- */

static double score(const struct opt_result *res, bool after)
{
    double total = 0, ok = 0, w = 1;
    for (int32_t i = res->ngoals - 1; i >= 0; i--, w *= 1.1) {
        total += w;
        int64_t v = after ? res->goals[i].violations_after : res->goals[i].violations_before;
        if (v == 0)
            ok += w;
    }
    return total > 0 ? 100.0 * ok / total : 100.0;
}

int opt_plan(const struct model_cluster *c, const struct opt_request *req,
             struct opt_result **ret_result, struct error *err)
{
    double t_start = clock_mono_ms();
    const struct goal_impl *impls[OPT_MAX_GOALS];
    int ngoals = 0;
    int rc = resolve_goals(req, impls, &ngoals, err);
    if (rc < 0)
        return rc;
    struct opt_result *res = xcalloc(1, sizeof(*res));
    struct model_cluster *work = model_cluster_clone(c);
    work->nw_out_replication = req->th.nw_out_replication;
    rc = apply_request(work, req, &res->excluded_topics, err);
    if (rc < 0) {
        model_cluster_destroy(work);
        free(res);
        return rc;
    }
    /* The clone with the request applied is "before": same placement as c. */
    struct model_cluster *before = model_cluster_clone(work);
    model_stats_compute(before, &res->before);

    struct search_ctx ctx;
    search_ctx_init(&ctx, work, before, req->mode, &req->th);
    if (req->min_topic_leaders_topics && *req->min_topic_leaders_topics) {
        regex_t re;
        rc = compile_topics(&re, req->min_topic_leaders_topics, "min topic leaders topics", err);
        if (rc < 0) {
            search_ctx_finish(&ctx);
            model_cluster_destroy(before);
            free(res);
            return rc;
        }
        ctx.min_leader_topics = xcalloc((size_t)(work->ntopics ? work->ntopics : 1), sizeof(bool));
        for (int32_t t = 0; t < work->ntopics; t++)
            ctx.min_leader_topics[t] = regexec(&re, work->topics[t].name, 0, NULL, 0) == 0;
        regfree(&re);
    }
    struct model_broker_load *bl0 = xmalloc((size_t)(c->nbrokers ? c->nbrokers : 1) * sizeof(*bl0));
    memcpy(bl0, ctx.bl, (size_t)c->nbrokers * sizeof(*bl0));
    struct goal *goals[OPT_MAX_GOALS];
    for (int i = 0; i < ngoals; i++) {
        goals[i] = goal_create(impls[i], c->nbrokers);
        goals[i]->impl->prepare(goals[i], &ctx);
        goals[i]->violations_before = goals[i]->impl->violations(goals[i], &ctx);
    }
    ctx.goals = goals;
    ctx.ngoals = ngoals;
    ctx.active = 0;

    rc = req->mode == SEARCH_MODE_REMOVE_DISKS ? evacuate_disks(&ctx, err) : evacuate(&ctx, err);
    /* Statistics after each goal; a goal that changed nothing leaves the previous ones. */
    struct model_stats *last_stats = NULL;
    uint64_t last_changes = 0;
    if (rc == 0) {
        if (req->mode != SEARCH_MODE_REMOVE_DISKS)
            fix_leadership(&ctx);
        for (int i = 0; i < ngoals && rc == 0; i++) {
            struct goal *g = goals[i];
            double t0 = clock_mono_ms();
            g->impl->prepare(g, &ctx);
            int64_t at_start = g->impl->violations(g, &ctx);
            uint64_t changes0 = ctx.changes;
            int grc = g->impl->optimize(g, &ctx, err);
            g->time_ms = clock_mono_ms() - t0;
            g->violations_after = g->impl->violations(g, &ctx);
            if (grc < 0 && g->hard && !req->skip_hard_goal_check)
                rc = grc;
            ctx.active = i + 1;
            struct opt_goal_result *gr = &res->goals[res->ngoals++];
            gr->name = g->impl->name;
            gr->unit = g->impl->unit;
            gr->hard = g->hard;
            gr->violations_before = g->violations_before;
            gr->violations_at_start = at_start;
            gr->changed = ctx.changes != changes0;
            gr->time_ms = g->time_ms;
            gr->bytes_moved_after = ctx.bytes_away;
            if (last_stats && ctx.changes == last_changes)
                gr->stats_after = *last_stats;
            else
                model_stats_compute_deficit(ctx.c, ctx.deficit, &gr->stats_after);
            last_stats = &gr->stats_after;
            last_changes = ctx.changes;
        }
    }
    if (rc == 0) {
        /* Judge every goal on the final placement, replicas in the order written: a later
         * goal's moves were accepted by the earlier ones, so this is the honest end state. */
        order_replicas(&ctx, before);
        for (int i = 0; i < ngoals; i++) {
            struct opt_goal_result *gr = &res->goals[i];
            gr->violations_after = goals[i]->impl->violations(goals[i], &ctx);
            if (gr->violations_after > 0)
                gr->status = GOAL_VIOLATED;
            else if (gr->violations_before > 0)
                gr->status = GOAL_FIXED;
            else
                gr->status = GOAL_NO_ACTION;
            if (gr->status == GOAL_VIOLATED && gr->violations_before == 0)
                explain(res, i);
            if (gr->status == GOAL_VIOLATED && gr->hard && !req->skip_hard_goal_check && rc == 0)
                rc = error_set(err, -EDOM, "%s: %lld violations remain after planning",
                               gr->name, (long long)gr->violations_after);
        }
    }
    for (int i = 0; i < ngoals; i++)
        goal_destroy(goals[i]);
    if (rc == 0) {
        res->after = model_cluster_clone(ctx.c);
        bool rack_goal = false;
        for (int i = 0; i < ngoals; i++)
            rack_goal |= strncmp(impls[i]->name, "RackAware", 9) == 0;
        res->lower_bound_bytes = lower_bound(before, bl0, res->after, rack_goal);
        diff(before, res->after, res);
        model_stats_compute(res->after, &res->after_stats);
        res->balancedness_before = score(res, false);
        res->balancedness_after = score(res, true);
    }
    free(bl0);
    search_ctx_finish(&ctx);
    model_cluster_destroy(before);
    if (rc < 0) {
        opt_result_destroy(res);
        return rc;
    }
    res->time_ms = clock_mono_ms() - t_start;
    *ret_result = res;
    return 0;
}
