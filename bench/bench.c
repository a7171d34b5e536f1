/* ballast-bench: the planner benchmark. For each size, rack layout, scenario and seed it
 * generates a cluster, plans it with Ballast and with the baseline (Kafka's --generate,
 * re-implemented), each in its own child process so wall time and peak RSS are that case's
 * alone, and writes one row per case to a JSON file and a markdown table.
 *
 *   ballast-bench [--sizes S,M,L,XL] [--seeds N] [--scenarios full,add,decommission,repair]
 *                 [--layouts even,uneven] [--out DIR] [--time-limit-s N]
 *
 * Ballast runs with the benchmark's targets as its bands (balance thresholds 1.02 for disk,
 * 1.05 for network and CPU, counts to +-1); the figures are measured, never assumed. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/baseline.h"
#include "bench/mip.h"
#include "common/alloc.h"
#include "common/clock.h"
#include "model/generate.h"
#include "optimizer/optimizer.h"

struct size {
    const char *name;
    int32_t brokers;
    int64_t replicas;
    int32_t topics;
};

static const struct size sizes[] = {
    {"S", 12, 3000, 30},
    {"M", 48, 30000, 300},
    {"L", 200, 300000, 2000},
    {"XL", 1000, 1000000, 5000},
};

/* The "loaded" family (issue 16): clusters shaped by network load, with a skewed start near
 * the disk limit and uneven zones at L. Racks per size; zones are always 3. */
struct loaded_size {
    int32_t brokers;
    int32_t racks;
    int64_t partitions;
    int32_t topics;
};

static const struct loaded_size loaded_sizes[] = {
    {24, 6, 2000, 60},
    {60, 6, 10000, 200},
    {300, 10, 100000, 1000},
    {1000, 10, 333334, 3000},
};

enum layout { LAY_EVEN, LAY_UNEVEN, LAY_LOADED, LAY_COUNT };
static const char *const layout_names[LAY_COUNT] = {"even", "uneven", "loaded"};
#define LOADED_CHANGED 6 /* brokers added or removed in the loaded family */

enum scenario { SC_FULL, SC_ADD, SC_DECOM, SC_REPAIR, SC_COUNT };
static const char *const scenario_names[SC_COUNT] = {"full", "add", "decommission", "repair"};

struct row {
    char size[4];
    char layout[8];
    char scenario[16];
    char planner[24];
    int seed;
    int ok;
    char error[1100];
    char goal_ms[1400]; /* JSON object: each goal's own time, to see where the time goes */
    double wall_ms;
    double peak_rss_mb;
    double maxmean[RES_COUNT];
    double disk_vs_best;   /* max over brokers of disk / its achievable share (see below) */
    double zone_maxmean[RES_COUNT]; /* max over brokers of utilisation / its zone's mean */
    int64_t onto_old;      /* add: replicas placed on brokers that are not new */
    double fill_ratio;     /* add: bytes moved / the new brokers' share of the bytes */
    double replica_spread, leader_spread;
    int64_t hard_violations;
    int64_t rack_violations;
    int64_t replicas_moved, leader_moves;
    double bytes_moved, lower_bound, ratio;
    int mip_state;          /* 0 not run, 1 solved, 2 proved optimal, -1 no solution in time */
    double mip_bytes, mip_bound, mip_ms;
};

/* The loaded family: utilisation as a fraction of capacity (network out in consumer bytes),
 * topic popularity driving rates and lognormal sizes apart from it, brokers weighted
 * (rank + 1)^-1 and filled to at most 95% of their disk, largest partitions first (so the
 * fullest brokers hold few, large replicas); add and remove change six brokers. */
static void fill_loaded(struct model_generate_opts *o, const struct loaded_size *ls,
                        enum scenario sc, int seed)
{
    model_generate_defaults(o);
    o->seed = (uint64_t)seed * 7919u + 17u;
    o->brokers = ls->brokers;
    o->zones = 3;
    o->racks = ls->racks;
    o->rf = 3;
    o->topics = ls->topics;
    o->partitions = ls->partitions;
    o->broker_weight_power = 1.0;
    o->fill_limit = 0.95;
    o->independent_rates = true;
    o->disk_util = 0.50;
    o->nw_in_util = 0.30;
    o->nw_out_util = 0.30;
    o->cpu_util = 0.25;
    o->consumer_fanout = 3.0;
    if (sc == SC_ADD)
        o->new_brokers = LOADED_CHANGED;
}

static void fill_generate(struct model_generate_opts *o, const struct size *sz,
                          enum layout lay, enum scenario sc, int seed)
{
    if (lay == LAY_LOADED) {
        fill_loaded(o, &loaded_sizes[sz - sizes], sc, seed);
        return;
    }
    bool uneven = lay == LAY_UNEVEN;
    model_generate_defaults(o);
    o->seed = (uint64_t)seed * 7919u + 17u;
    o->brokers = sz->brokers;
    o->zones = 3;
    o->racks = uneven ? 4 : 3;
    o->uneven_racks = uneven;
    o->rf = 3;
    o->topics = sz->topics;
    o->partitions = sz->replicas / 3;
    /* Full rebalances start skewed; the other scenarios start from a balanced cluster, since
     * their modes move only what they must (and onto new brokers). */
    o->broker_skew = sc == SC_FULL ? 0.6 : 0.0;
    if (sc == SC_ADD)
        o->new_brokers = sz->brokers / 10 > 0 ? sz->brokers / 10 : 1;
    if (sc == SC_REPAIR) {
        o->dead_brokers = 1;
        o->rack_violations = sz->replicas / 300;
    }
}

/* Max over usable brokers of disk load / the broker's share of its group, the group being its
 * rack when every partition has one replica per rack, its zone when one per zone, else the
 * cluster: no placement can beat 1.0 on this measure, while max/mean is unreachable when racks
 * or zones are uneven. */
static double disk_vs_best(const struct model_cluster *c)
{
    bool per_rack = true, per_zone = true;
    for (int32_t p = 0; p < c->npartitions; p++) {
        per_rack &= c->partitions[p].rf == c->usable_racks;
        per_zone &= c->partitions[p].rf == c->usable_zones;
    }
    int32_t ng = per_rack ? c->nracks : per_zone ? c->nzones : 1;
    struct model_broker_load *bl = xmalloc((size_t)c->nbrokers * sizeof(*bl));
    model_compute_loads(c, bl, NULL);
    double *load = xcalloc((size_t)ng, sizeof(double)), *cap = xcalloc((size_t)ng, sizeof(double));
    for (int32_t b = 0; b < c->nbrokers; b++) {
        int32_t g = per_rack ? c->brokers[b].rack : per_zone ? model_broker_zone(c, b) : 0;
        load[g] += bl[b].load[RES_DISK];
        if (model_broker_usable(c, b))
            cap[g] += c->brokers[b].capacity[RES_DISK];
    }
    double worst = 0;
    for (int32_t b = 0; b < c->nbrokers; b++) {
        if (!model_broker_usable(c, b))
            continue;
        int32_t g = per_rack ? c->brokers[b].rack : per_zone ? model_broker_zone(c, b) : 0;
        double share = load[g] / cap[g] * c->brokers[b].capacity[RES_DISK];
        if (share > 0)
            worst = fmax(worst, bl[b].load[RES_DISK] / share);
    }
    free(bl);
    free(load);
    free(cap);
    return worst;
}

static void stats_into(struct row *r, const struct model_stats *st)
{
    for (int k = 0; k < RES_COUNT; k++)
        r->maxmean[k] = st->res[k].avg > 0 ? st->res[k].max / st->res[k].avg : 1;
    r->replica_spread = st->replica_count.max - st->replica_count.min;
    r->leader_spread = st->leader_count.max - st->leader_count.min;
    r->rack_violations = st->rack_violations;
    for (int k = 0; k < RES_COUNT; k++)
        r->zone_maxmean[k] = st->zone_max_mean[k];
}

/* Add-brokers figures: replicas placed on old brokers (not held before, not new) and bytes
 * moved over the new brokers' share (their capacity times the mean disk utilisation). */
static void add_figures(const struct model_cluster *a, const struct model_cluster *b,
                        struct row *r)
{
    double load = 0, cap = 0, new_cap = 0;
    struct model_broker_load *bl = xmalloc((size_t)b->nbrokers * sizeof(*bl));
    model_compute_loads(b, bl, NULL);
    for (int32_t k = 0; k < b->nbrokers; k++) {
        if (!model_broker_usable(b, k))
            continue;
        load += bl[k].load[RES_DISK];
        cap += b->brokers[k].capacity[RES_DISK];
        if (b->brokers[k].flags & BROKER_NEW)
            new_cap += b->brokers[k].capacity[RES_DISK];
    }
    free(bl);
    r->fill_ratio = load > 0 && new_cap > 0 ? r->bytes_moved / (load / cap * new_cap) : 0;
    r->onto_old = 0;
    for (int32_t p = 0; p < a->npartitions; p++) {
        const struct model_replica *rb = model_replicas_of(b, p);
        for (int i = 0; i < b->partitions[p].rf; i++)
            r->onto_old += !(b->brokers[rb[i].broker].flags & BROKER_NEW) &&
                           model_partition_slot(a, p, rb[i].broker) < 0;
    }
}

/* Moved replicas and bytes between two placements of the same cluster. */
static void moved(const struct model_cluster *a, const struct model_cluster *b, int64_t *ret_n,
                  double *ret_bytes, int64_t *ret_leaders)
{
    int64_t n = 0, leaders = 0;
    double bytes = 0;
    for (int32_t p = 0; p < a->npartitions; p++) {
        const struct model_replica *ra = model_replicas_of(a, p), *rb = model_replicas_of(b, p);
        for (int i = 0; i < a->partitions[p].rf; i++) {
            bool found = false;
            for (int j = 0; j < a->partitions[p].rf; j++)
                found |= ra[j].broker == rb[i].broker;
            if (!found) {
                n++;
                bytes += (double)rb[i].size;
            }
        }
        leaders += model_partition_leader(a, p) != model_partition_leader(b, p);
    }
    *ret_n = n;
    *ret_bytes = bytes;
    *ret_leaders = leaders;
}

static void bench_request(struct opt_request *req)
{
    opt_request_init(req);
    req->th.balance[RES_DISK] = 1.02;
    req->th.balance[RES_NW_IN] = 1.05;
    req->th.balance[RES_NW_OUT] = 1.05;
    req->th.balance[RES_CPU] = 1.05;
    req->th.balance_margin = 1.0;
    req->th.replica_balance = 1.0;
    req->th.leader_balance = 1.0;
    /* Network out with replication bytes, as these families were built and measured (their
     * sized capacities count both); the loaded family uses the default, consumer bytes. */
    req->th.nw_out_replication = true;
}

/* Runs one case in this (child) process and fills r. */
static void run_case(struct row *r, const struct size *sz, enum layout lay, enum scenario sc,
                     int seed, bool baseline)
{
    struct model_generate_opts o;
    fill_generate(&o, sz, lay, sc, seed);
    struct model_cluster *c = NULL;
    struct error err = {0};
    if (model_generate(&o, &c, &err) != 0) {
        snprintf(r->error, sizeof(r->error), "generate: %s", err.msg);
        return;
    }
    int32_t removed[LOADED_CHANGED];
    int32_t nremoved = 2;
    struct opt_request req;
    if (lay == LAY_LOADED)
        opt_request_init(&req); /* Cruise Control's defaults: the targets are its bands */
    else
        bench_request(&req);
    if (lay != LAY_LOADED && (sc == SC_ADD || sc == SC_DECOM)) {
        /* Brokers are added to or removed from a balanced cluster: balance it first (not
         * timed), with the new brokers kept out, then run the scenario on the result. */
        struct opt_request pre;
        bench_request(&pre);
        /* New brokers sit out the balancing as if they did not exist yet. */
        for (int32_t b = 0; b < c->nbrokers; b++)
            if (c->brokers[b].flags & BROKER_NEW)
                c->brokers[b].flags |= BROKER_DEAD;
        model_topology_refresh(c);
        struct opt_result *res0 = NULL;
        if (opt_plan(c, &pre, &res0, &err) != 0) {
            snprintf(r->error, sizeof(r->error), "balancing before the scenario: %s", err.msg);
            model_cluster_destroy(c);
            return;
        }
        struct model_cluster *balanced = model_cluster_clone(res0->after);
        opt_result_destroy(res0);
        for (int32_t b = 0; b < balanced->nbrokers; b++) {
            balanced->brokers[b].flags = c->brokers[b].flags;
            if (balanced->brokers[b].flags & BROKER_NEW)
                balanced->brokers[b].flags &= ~(uint32_t)BROKER_DEAD;
        }
        model_topology_refresh(balanced);
        model_cluster_destroy(c);
        c = balanced;
    }
    switch (sc) {
    case SC_ADD: {
        int32_t n = 0;
        int32_t *ids = xmalloc((size_t)c->nbrokers * sizeof(int32_t));
        for (int32_t b = 0; b < c->nbrokers; b++)
            if (c->brokers[b].flags & BROKER_NEW)
                ids[n++] = c->brokers[b].id;
        req.mode = SEARCH_MODE_ADD_BROKERS;
        req.brokers = ids;
        req.nbrokers = n;
        break;
    }
    case SC_DECOM:
        if (lay == LAY_LOADED) {
            /* The six heaviest (brokers weigh (rank + 1)^-1), one per rack at M. */
            nremoved = LOADED_CHANGED;
            for (int k = 0; k < nremoved; k++)
                removed[k] = c->brokers[k].id;
            req.mode = SEARCH_MODE_REMOVE_BROKERS;
            req.brokers = removed;
            req.nbrokers = nremoved;
            break;
        }
        /* Two brokers of different racks, from the racks with the most brokers (removing two
         * of a small rack can leave its share without room: a real, reported failure). */
        {
            int32_t best[2] = {-1, -1}, cnt_best[2] = {0, 0};
            for (int32_t rk = 0; rk < c->nracks; rk++) {
                int32_t cnt = 0;
                for (int32_t b = 0; b < c->nbrokers; b++)
                    cnt += c->brokers[b].rack == rk && model_broker_usable(c, b);
                if (cnt > cnt_best[0]) {
                    best[1] = best[0], cnt_best[1] = cnt_best[0];
                    best[0] = rk, cnt_best[0] = cnt;
                } else if (cnt > cnt_best[1]) {
                    best[1] = rk, cnt_best[1] = cnt;
                }
            }
            for (int k = 0; k < 2; k++)
                for (int32_t b = c->nbrokers - 1; b >= 0; b--)
                    if (c->brokers[b].rack == best[k] && model_broker_usable(c, b)) {
                        removed[k] = c->brokers[b].id;
                        break;
                    }
        }
        req.mode = SEARCH_MODE_REMOVE_BROKERS;
        req.brokers = removed;
        req.nbrokers = nremoved;
        break;
    default:
        break;
    }
    double t0 = clock_mono_ms();
    if (baseline) {
        /* The baseline knows no modes: flag what it must avoid, then reassign everything. */
        for (int32_t i = 0; i < req.nbrokers && sc == SC_DECOM; i++)
            c->brokers[model_broker_find(c, req.brokers[i])].flags |= BROKER_REMOVE;
        for (int32_t i = 0; i < req.nbrokers && sc == SC_ADD; i++)
            c->brokers[model_broker_find(c, req.brokers[i])].flags |= BROKER_NEW;
        model_topology_refresh(c);
        struct model_cluster *g = bench_kafka_generate(c, (uint64_t)seed);
        r->wall_ms = clock_mono_ms() - t0;
        struct model_stats st;
        model_stats_compute(g, &st);
        stats_into(r, &st);
        r->disk_vs_best = disk_vs_best(g);
        moved(c, g, &r->replicas_moved, &r->bytes_moved, &r->leader_moves);
        r->hard_violations = st.rack_violations + st.offline_replicas + st.replicas_on_removed;
        r->ok = 1;
        model_cluster_destroy(g);
    } else {
        struct opt_result *res = NULL;
        int rc = opt_plan(c, &req, &res, &err);
        r->wall_ms = clock_mono_ms() - t0;
        if (rc != 0) {
            snprintf(r->error, sizeof(r->error), "%s", err.msg);
        } else {
            stats_into(r, &res->after_stats);
            r->disk_vs_best = disk_vs_best(res->after);
            r->replicas_moved = res->num_replica_moves;
            r->bytes_moved = (double)res->data_to_move;
            r->leader_moves = res->num_leader_moves;
            r->lower_bound = (double)res->lower_bound_bytes;
            if (sc == SC_ADD)
                add_figures(c, res->after, r);
            r->hard_violations = 0;
            size_t off = (size_t)snprintf(r->goal_ms, sizeof(r->goal_ms), "{");
            for (int i = 0; i < res->ngoals; i++) {
                if (res->goals[i].hard)
                    r->hard_violations += res->goals[i].violations_after;
                if (off < sizeof(r->goal_ms))
                    off += (size_t)snprintf(r->goal_ms + off, sizeof(r->goal_ms) - off,
                                            "%s\"%s\":%.1f", i ? "," : "", res->goals[i].name,
                                            res->goals[i].time_ms);
            }
            if (off + 2 > sizeof(r->goal_ms))
                off = 0; /* cut off: leave it empty rather than broken */
            snprintf(r->goal_ms + off, sizeof(r->goal_ms) - off, off ? "}" : "{}");
            r->ok = 1;
            /* The exact disk-only optimum for small clusters with locked racks. */
            if (c->nbrokers <= 16 && sc == SC_FULL) {
                struct bench_mip_result mr;
                if (bench_mip_min_bytes(c, res->after, 10000, &mr) == 0) {
                    r->mip_state = mr.proven ? 2 : mr.solved ? 1 : -1;
                    r->mip_bytes = mr.bytes;
                    r->mip_bound = mr.bound;
                    r->mip_ms = mr.time_ms;
                }
            }
            opt_result_destroy(res);
        }
    }
    if (sc == SC_ADD)
        free((void *)req.brokers);
    model_cluster_destroy(c);
}

/* Forks, runs the case in the child, returns its row with wall time and peak RSS. */
static struct row fork_case(const struct size *sz, enum layout lay, enum scenario sc, int seed,
                            bool baseline, int time_limit_s)
{
    struct row r;
    memset(&r, 0, sizeof(r));
    snprintf(r.size, sizeof(r.size), "%s", sz->name);
    snprintf(r.layout, sizeof(r.layout), "%s", layout_names[lay]);
    snprintf(r.scenario, sizeof(r.scenario), "%s", scenario_names[sc]);
    snprintf(r.planner, sizeof(r.planner), "%s", baseline ? "kafka-generate" : "ballast");
    r.seed = seed;
    int fds[2];
    if (pipe(fds) != 0) {
        snprintf(r.error, sizeof(r.error), "pipe: %s", strerror(errno));
        return r;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        alarm((unsigned)time_limit_s);
        run_case(&r, sz, lay, sc, seed, baseline);
        ssize_t w = write(fds[1], &r, sizeof(r));
        _exit(w == (ssize_t)sizeof(r) ? 0 : 1);
    }
    close(fds[1]);
    struct row got;
    ssize_t n = 0, k;
    while (n < (ssize_t)sizeof(got) && (k = read(fds[0], (char *)&got + n, sizeof(got) - (size_t)n)) > 0)
        n += k;
    close(fds[0]);
    int status = 0;
    struct rusage ru;
    wait4(pid, &status, 0, &ru);
    if (n == (ssize_t)sizeof(got))
        r = got;
    else
        snprintf(r.error, sizeof(r.error), "child died (status %d%s)", status,
                 WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM ? ", time limit" : "");
    r.peak_rss_mb = (double)ru.ru_maxrss / 1024.0;
    if (r.lower_bound > 0)
        r.ratio = r.bytes_moved / r.lower_bound;
    return r;
}

static void write_json(FILE *f, const struct row *rows, int n)
{
    fprintf(f, "{\"version\":1,\"rows\":[\n");
    for (int i = 0; i < n; i++) {
        const struct row *r = &rows[i];
        fprintf(f,
                "  {\"size\":\"%s\",\"layout\":\"%s\",\"scenario\":\"%s\",\"planner\":\"%s\","
                "\"seed\":%d,\"ok\":%s,\"error\":\"%s\",\"wallMs\":%.3f,\"peakRssMB\":%.1f,"
                "\"diskMaxMean\":%.4f,\"diskMaxOverBest\":%.4f,\"nwInMaxMean\":%.4f,\"nwOutMaxMean\":%.4f,"
                "\"cpuMaxMean\":%.4f,\"replicaSpread\":%.0f,\"leaderSpread\":%.0f,"
                "\"hardViolations\":%lld,\"rackViolations\":%lld,\"replicasMoved\":%lld,"
                "\"bytesMoved\":%.0f,\"lowerBoundBytes\":%.0f,\"bytesOverBound\":%.4f,"
                "\"leaderMoves\":%lld,\"mip\":%d,\"mipBytes\":%.0f,\"mipBound\":%.0f,\"mipMs\":%.0f,"
                "\"addOntoOld\":%lld,\"addBytesOverFillShare\":%.4f,"
                "\"zoneMaxMean\":{\"disk\":%.4f,\"nwIn\":%.4f,\"nwOut\":%.4f,\"cpu\":%.4f},"
                "\"goalMs\":%s}%s\n",
                r->size, r->layout, r->scenario, r->planner, r->seed, r->ok ? "true" : "false",
                r->error, r->wall_ms, r->peak_rss_mb, r->maxmean[RES_DISK], r->disk_vs_best,
                r->maxmean[RES_NW_IN], r->maxmean[RES_NW_OUT], r->maxmean[RES_CPU],
                r->replica_spread, r->leader_spread, (long long)r->hard_violations,
                (long long)r->rack_violations, (long long)r->replicas_moved, r->bytes_moved,
                r->lower_bound, r->ratio, (long long)r->leader_moves, r->mip_state, r->mip_bytes,
                r->mip_bound, r->mip_ms, (long long)r->onto_old, r->fill_ratio,
                r->zone_maxmean[RES_DISK], r->zone_maxmean[RES_NW_IN],
                r->zone_maxmean[RES_NW_OUT], r->zone_maxmean[RES_CPU],
                r->goal_ms[0] ? r->goal_ms : "{}", i + 1 < n ? "," : "");
    }
    fprintf(f, "]}\n");
}

static void write_md(FILE *f, const struct row *rows, int n)
{
    fprintf(f, "| size | layout | scenario | planner | seed | time ms | RSS MB | disk max/best | disk max/mean | nw in | "
               "nw out | cpu | replica spread | leader spread | hard viol. | replicas moved | "
               "GB moved | moved / bound | leader moves | zone max/mean disk, in, out, cpu |\n");
    fprintf(f, "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (int i = 0; i < n; i++) {
        const struct row *r = &rows[i];
        if (!r->ok) {
            fprintf(f, "| %s | %s | %s | %s | %d | failed: %s ||||||||||||||\n", r->size,
                    r->layout, r->scenario, r->planner, r->seed, r->error);
            continue;
        }
        char ratio[32] = "-";
        if (r->lower_bound > 0)
            snprintf(ratio, sizeof(ratio), "%.3f", r->ratio);
        fprintf(f,
                "| %s | %s | %s | %s | %d | %.1f | %.0f | %.3f | %.3f | %.3f | %.3f | %.3f | %.0f | %.0f "
                "| %lld | %lld | %.2f | %s | %lld | %.3f, %.3f, %.3f, %.3f |\n",
                r->size, r->layout, r->scenario, r->planner, r->seed, r->wall_ms,
                r->peak_rss_mb, r->disk_vs_best, r->maxmean[RES_DISK], r->maxmean[RES_NW_IN],
                r->maxmean[RES_NW_OUT], r->maxmean[RES_CPU], r->replica_spread,
                r->leader_spread, (long long)r->hard_violations, (long long)r->replicas_moved,
                r->bytes_moved / 1e9, ratio, (long long)r->leader_moves,
                r->zone_maxmean[RES_DISK], r->zone_maxmean[RES_NW_IN],
                r->zone_maxmean[RES_NW_OUT], r->zone_maxmean[RES_CPU]);
    }
}

static void write_mip_md(FILE *f, const struct row *rows, int n)
{
    bool any = false;
    for (int i = 0; i < n; i++)
        any |= rows[i].mip_state != 0;
    if (!any)
        return;
    fprintf(f, "\nExact baseline (GLPK MIP, disk only, 10 s per rack): the fewest bytes any "
               "placement moves to keep every broker at or below the disk level Ballast's plan "
               "reached.\n\n| size | layout | seed | Ballast GB | MIP GB | MIP proven | "
               "MIP lower bound GB | Ballast / MIP | MIP ms |\n|---|---|---|---|---|---|---|---|---|\n");
    for (int i = 0; i < n; i++) {
        const struct row *r = &rows[i];
        if (!r->mip_state)
            continue;
        if (r->mip_state < 0) {
            fprintf(f, "| %s | %s | %d | %.2f | no solution in time | no | %.2f | - | %.0f |\n",
                    r->size, r->layout, r->seed, r->bytes_moved / 1e9, r->mip_bound / 1e9,
                    r->mip_ms);
            continue;
        }
        fprintf(f, "| %s | %s | %d | %.2f | %.2f | %s | %.2f | %.3f | %.0f |\n", r->size,
                r->layout, r->seed, r->bytes_moved / 1e9, r->mip_bytes / 1e9,
                r->mip_state == 2 ? "yes" : "no", r->mip_bound / 1e9,
                r->mip_bytes > 0 ? r->bytes_moved / r->mip_bytes : 0, r->mip_ms);
    }
}

static bool listed(const char *list, const char *name)
{
    size_t len = strlen(name);
    for (const char *p = list; p && *p;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == len && strncmp(p, name, n) == 0)
            return true;
        p = e ? e + 1 : NULL;
    }
    return false;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: ballast-bench [--sizes S,M,L,XL] [--seeds N] "
               "[--scenarios full,add,decommission,repair] [--layouts even,uneven,loaded] "
               "[--out DIR] [--time-limit-s N] [--no-baseline]\n");
}

int main(int argc, char **argv)
{
    const char *size_list = "S,M,L", *scen_list = "full,add,decommission,repair";
    const char *layout_list = "even,uneven", *out = "bench/results";
    int seeds = 3, time_limit = 600;
    bool baseline = true;
    static const struct option opts[] = {
        {"sizes", required_argument, NULL, 's'},  {"seeds", required_argument, NULL, 'n'},
        {"scenarios", required_argument, NULL, 'c'}, {"layouts", required_argument, NULL, 'l'},
        {"out", required_argument, NULL, 'o'},    {"time-limit-s", required_argument, NULL, 't'},
        {"no-baseline", no_argument, NULL, 'b'},  {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 's': size_list = optarg; break;
        case 'n': seeds = atoi(optarg); break;
        case 'c': scen_list = optarg; break;
        case 'l': layout_list = optarg; break;
        case 'o': out = optarg; break;
        case 't': time_limit = atoi(optarg); break;
        case 'b': baseline = false; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (seeds < 1 || seeds > 100 || time_limit < 1) {
        fprintf(stderr, "ballast-bench: --seeds takes 1..100 and --time-limit-s a positive number\n");
        return 2;
    }
    int cap = 4 * LAY_COUNT * SC_COUNT * seeds * 2, n = 0;
    struct row *rows = xcalloc((size_t)cap, sizeof(*rows));
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        if (!listed(size_list, sizes[s].name))
            continue;
        for (int lay = 0; lay < LAY_COUNT; lay++) {
            if (!listed(layout_list, layout_names[lay]))
                continue;
            for (int sc = 0; sc < SC_COUNT; sc++) {
                if (!listed(scen_list, scenario_names[sc]) ||
                    (lay == LAY_LOADED && sc == SC_REPAIR))
                    continue;
                for (int seed = 1; seed <= seeds; seed++) {
                    for (int base = 0; base <= (baseline ? 1 : 0); base++) {
                        rows[n] = fork_case(&sizes[s], (enum layout)lay, (enum scenario)sc, seed,
                                            base, time_limit);
                        const struct row *r = &rows[n++];
                        fprintf(stderr, "%s %s %s %s seed %d: %s %.1f ms, disk/best %.3f, moved %.2f GB (bound %.2f)\n",
                                r->size, r->layout, r->scenario, r->planner, r->seed,
                                r->ok ? "ok" : r->error, r->wall_ms, r->disk_vs_best,
                                r->bytes_moved / 1e9, r->lower_bound / 1e9);
                    }
                }
            }
        }
    }
    char path[4096];
    snprintf(path, sizeof(path), "%s/results.json", out);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "ballast-bench: %s: %s\n", path, strerror(errno));
        return 1;
    }
    write_json(f, rows, n);
    fclose(f);
    snprintf(path, sizeof(path), "%s/results.md", out);
    f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "ballast-bench: %s: %s\n", path, strerror(errno));
        return 1;
    }
    write_md(f, rows, n);
    write_mip_md(f, rows, n);
    fclose(f);
    free(rows);
    return 0;
}
