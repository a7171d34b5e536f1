/* Synthetic cluster generator; see generate.h. */
#include "model/generate.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

/* splitmix64: small, fast, and the same on every platform. */
static uint64_t rnd(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double unit(uint64_t *s)
{
    return (double)(rnd(s) >> 11) * (1.0 / 9007199254740992.0);
}

static double normal(uint64_t *s)
{
    double u1 = unit(s), u2 = unit(s);
    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

void model_generate_defaults(struct model_generate_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->seed = 1;
    o->brokers = 12;
    o->zones = 3;
    o->racks = 3;
    o->topics = 20;
    o->partitions = 1000;
    o->rf = 3;
    o->mean_partition_bytes = 1e9;
    o->size_sigma = 1.0;
    o->topic_popularity = 3.0;
    o->broker_skew = 0;
    o->log_dirs = 2;
    o->total_nw_in = 100e6;
    o->consumer_fanout = 2.0;
}

/* ---- options ---- */

struct opt_def {
    const char *name;
    enum { O_I32, O_I64, O_U64, O_DBL, O_BOOL } type;
    size_t offset;
    double scale; /* value given in these units (e.g. MB) */
    double min, max;
};

#define OFF(f) offsetof(struct model_generate_opts, f)
static const struct opt_def defs[] = {
    {"seed", O_U64, OFF(seed), 1, 0, 1.8e19},
    {"brokers", O_I32, OFF(brokers), 1, 1, 100000},
    {"zones", O_I32, OFF(zones), 1, 1, 1000},
    {"racks", O_I32, OFF(racks), 1, 1, 10000},
    {"uneven-racks", O_BOOL, OFF(uneven_racks), 1, 0, 1},
    {"topics", O_I32, OFF(topics), 1, 1, 1000000},
    {"partitions", O_I64, OFF(partitions), 1, 1, 50000000},
    {"rf", O_I32, OFF(rf), 1, 1, MODEL_MAX_RF},
    {"mean-partition-mb", O_DBL, OFF(mean_partition_bytes), 1e6, 0, 1e9},
    {"size-sigma", O_DBL, OFF(size_sigma), 1, 0, 5},
    {"topic-popularity", O_DBL, OFF(topic_popularity), 1, 0, 100},
    {"broker-skew", O_DBL, OFF(broker_skew), 1, 0, 1},
    {"new-brokers", O_I32, OFF(new_brokers), 1, 0, 100000},
    {"dead-brokers", O_I32, OFF(dead_brokers), 1, 0, 100000},
    {"rack-violations", O_I64, OFF(rack_violations), 1, 0, 50000000},
    {"log-dirs", O_I32, OFF(log_dirs), 1, 1, 64},
    {"disk-capacity-gb", O_DBL, OFF(disk_capacity), 1e9, 0, 1e9},
    {"nw-in-capacity-mbps", O_DBL, OFF(nw_in_capacity), 1e6, 0, 1e9},
    {"nw-out-capacity-mbps", O_DBL, OFF(nw_out_capacity), 1e6, 0, 1e9},
    {"total-nw-in-mbps", O_DBL, OFF(total_nw_in), 1e6, 0, 1e12},
    {"consumer-fanout", O_DBL, OFF(consumer_fanout), 1, 0, 1000},
};
#undef OFF

const char *model_generate_usage(void)
{
    return "generator options (defaults in parentheses):\n"
           "  --seed N (1)  --brokers N (12)  --zones N (3)  --racks N (3)  --uneven-racks\n"
           "  --topics N (20)  --partitions N (1000, total)  --rf N (3)\n"
           "  --mean-partition-mb X (1000)  --size-sigma X (1.0, lognormal)\n"
           "  --topic-popularity X (3.0, exponential decay)  --broker-skew X (0..1, 0)\n"
           "  --new-brokers N (0)  --dead-brokers N (0)  --rack-violations N (0)\n"
           "  --log-dirs N (2)  --disk-capacity-gb X  --nw-in-capacity-mbps X\n"
           "  --nw-out-capacity-mbps X (0 = sized from the load)\n"
           "  --total-nw-in-mbps X (100)  --consumer-fanout X (2.0)\n";
}

int model_generate_parse_args(struct model_generate_opts *o, int argc, char **argv,
                              struct error *err)
{
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0)
            return error_set(err, -EINVAL, "unexpected argument '%s'", a);
        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
        const struct opt_def *d = NULL;
        for (size_t k = 0; k < sizeof(defs) / sizeof(defs[0]); k++)
            if (strlen(defs[k].name) == nlen && strncmp(defs[k].name, name, nlen) == 0)
                d = &defs[k];
        if (!d)
            return error_set(err, -EINVAL, "unknown generator option '--%.*s'", (int)nlen, name);
        char *field = (char *)o + d->offset;
        if (d->type == O_BOOL && !eq) {
            *(bool *)field = true;
            continue;
        }
        const char *val = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (!val)
            return error_set(err, -EINVAL, "option '--%s' needs a value", d->name);
        char *end;
        errno = 0;
        double v = strtod(val, &end);
        if (errno || end == val || *end || !isfinite(v))
            return error_set(err, -EINVAL, "option '--%s': '%s' is not a number", d->name, val);
        if (v < d->min || v > d->max)
            return error_set(err, -EINVAL, "option '--%s': %s is out of range %g..%g", d->name,
                             val, d->min, d->max);
        if (d->type != O_DBL && v != floor(v))
            return error_set(err, -EINVAL, "option '--%s': '%s' is not a whole number", d->name,
                             val);
        switch (d->type) {
        case O_I32: *(int32_t *)field = (int32_t)v; break;
        case O_I64: *(int64_t *)field = (int64_t)v; break;
        case O_U64: *(uint64_t *)field = (uint64_t)strtoull(val, NULL, 10); break;
        case O_DBL: *(double *)field = v * d->scale; break;
        case O_BOOL: *(bool *)field = v != 0; break;
        }
    }
    return 0;
}

static int validate(const struct model_generate_opts *o, struct error *err)
{
    if (o->brokers < 1 || o->zones < 1 || o->racks < 1 || o->topics < 1)
        return error_set(err, -EINVAL, "brokers, zones, racks and topics must be at least 1");
    if (o->zones > o->racks)
        return error_set(err, -EINVAL, "zones (%d) cannot exceed racks (%d)", o->zones,
                         o->racks);
    if (o->racks > o->brokers)
        return error_set(err, -EINVAL, "racks (%d) cannot exceed brokers (%d)", o->racks,
                         o->brokers);
    if (o->rf < 1 || o->rf > MODEL_MAX_RF)
        return error_set(err, -EINVAL, "rf %d out of range 1..%d", o->rf, MODEL_MAX_RF);
    if (o->dead_brokers < 0 || o->new_brokers < 0 || o->dead_brokers >= o->brokers)
        return error_set(err, -EINVAL, "dead brokers (%d) must leave at least one alive of %d",
                         o->dead_brokers, o->brokers);
    if (o->rf > o->brokers)
        return error_set(err, -EINVAL, "rf %d is larger than the broker count %d", o->rf,
                         o->brokers);
    if (o->partitions < o->topics)
        return error_set(err, -EINVAL, "partitions (%lld) must be at least the topics (%d)",
                         (long long)o->partitions, o->topics);
    if (o->rack_violations < 0 || o->rack_violations > o->partitions)
        return error_set(err, -EINVAL, "rack violations (%lld) must be within 0..partitions",
                         (long long)o->rack_violations);
    if (o->rack_violations > 0 && (o->rf < 2 || o->rf > o->racks))
        return error_set(err, -EINVAL,
                         "rack violations need 2 <= rf <= racks (rf %d, racks %d)", o->rf,
                         o->racks);
    if (o->log_dirs < 1 || o->log_dirs > 64)
        return error_set(err, -EINVAL, "log dirs %d out of range 1..64", o->log_dirs);
    if (!(o->mean_partition_bytes >= 0) || !(o->size_sigma >= 0) || !(o->broker_skew >= 0) ||
        o->broker_skew > 1 || !(o->total_nw_in >= 0) || !(o->consumer_fanout >= 0))
        return error_set(err, -EINVAL, "sizes, sigma, skew, rates and fanout must be >= 0 "
                                       "(skew <= 1)");
    return 0;
}

/* Picks rf brokers for a partition from the rack-alternated list, starting at `first` and
 * stepping by shift, preferring zones and then racks not used yet; out[] gets broker indices. */
static int pick(const struct model_cluster *c, const int32_t *list, int32_t n, int32_t first,
                int32_t shift, int rf, int32_t *out, bool *used_rack, bool *used_zone)
{
    memset(used_rack, 0, (size_t)c->nracks * sizeof(bool));
    memset(used_zone, 0, (size_t)c->nzones * sizeof(bool));
    int k = 0;
    out[k++] = list[first];
    int32_t racks_used = 1, zones_used = 1;
    used_rack[c->brokers[list[first]].rack] = true;
    used_zone[model_broker_zone(c, list[first])] = true;
    for (int32_t step = 0; k < rf && step < 4 * n; step++) {
        int32_t b = list[(first + 1 + (shift + step) % (n > 1 ? n - 1 : 1)) % n];
        bool dup = false;
        for (int j = 0; j < k; j++)
            dup |= out[j] == b;
        int32_t r = c->brokers[b].rack, z = c->racks[r].zone;
        if (dup || (used_zone[z] && zones_used < c->nzones) ||
            (used_rack[r] && racks_used < c->nracks))
            continue;
        if (!used_rack[r]) {
            used_rack[r] = true;
            racks_used++;
        }
        if (!used_zone[z]) {
            used_zone[z] = true;
            zones_used++;
        }
        out[k++] = b;
    }
    return k;
}

int model_generate(const struct model_generate_opts *o, struct model_cluster **ret_cluster,
                   struct error *err)
{
    int rc = validate(o, err);
    if (rc < 0)
        return rc;
    uint64_t st = o->seed ^ 0x5DEECE66Dull;
    struct model_cluster *c = model_cluster_create("generated");
    char name[64];
    for (int32_t z = 0; z < o->zones; z++) {
        snprintf(name, sizeof(name), "zone-%d", z);
        model_zone_add(c, name);
    }
    for (int32_t r = 0; r < o->racks; r++) {
        snprintf(name, sizeof(name), "rack-%d", r);
        model_rack_add(c, name, r % o->zones);
    }
    /* Brokers to racks: round robin, or with rack 0 taking two turns per cycle. */
    int32_t cycle = o->uneven_racks && o->racks > 1 ? o->racks + 1 : o->racks;
    int32_t total_brokers = o->brokers + o->new_brokers;
    for (int32_t i = 0; i < total_brokers; i++) {
        int32_t slot = i % cycle;
        int32_t rack = (o->uneven_racks && o->racks > 1) ? (slot == 0 ? 0 : slot - 1) : slot;
        int32_t b;
        snprintf(name, sizeof(name), "broker-%d.local", i + 1);
        model_broker_add(c, i + 1, rack, name, &b);
        for (int32_t d = 0; d < o->log_dirs; d++) {
            snprintf(name, sizeof(name), "/var/lib/kafka/data-%d", d);
            model_disk_add(c, b, name, 0);
        }
        if (i >= o->brokers)
            c->brokers[b].flags |= BROKER_NEW;
    }

    /* Topics, partition sizes (integers: deterministic on every platform). */
    double *weight = xmalloc((size_t)o->topics * sizeof(double));
    double wsum = 0;
    for (int32_t t = 0; t < o->topics; t++) {
        weight[t] = exp(-o->topic_popularity * (double)t / (double)o->topics);
        wsum += weight[t];
    }
    int64_t nparts = o->partitions;
    int64_t *psize = xmalloc((size_t)nparts * sizeof(int64_t));
    int32_t *ptopic = xmalloc((size_t)nparts * sizeof(int32_t));
    double lognorm_mean = exp(o->size_sigma * o->size_sigma / 2);
    int64_t k = 0;
    double total_bytes = 0;
    for (int32_t t = 0; t < o->topics; t++) {
        int64_t np = nparts / o->topics + (t < nparts % o->topics);
        double tw = weight[t] / (wsum / o->topics);
        for (int64_t i = 0; i < np; i++, k++) {
            double s = o->mean_partition_bytes * tw * exp(o->size_sigma * normal(&st)) /
                       lognorm_mean;
            psize[k] = (int64_t)floor(s);
            ptopic[k] = t;
            total_bytes += (double)psize[k];
        }
    }
    free(weight);

    /* Rack-alternated list of the existing brokers. */
    int32_t *list = xmalloc((size_t)o->brokers * sizeof(int32_t));
    int32_t n = 0;
    for (int32_t round = 0; n < o->brokers; round++)
        for (int32_t r = 0; r < o->racks; r++) {
            int32_t seen = 0;
            for (int32_t b = 0; b < o->brokers; b++)
                if (c->brokers[b].rack == r && seen++ == round) {
                    list[n++] = b;
                    break;
                }
        }
    /* First broker of each rack: where skewed replicas pile up. */
    int32_t *rack_first = xmalloc((size_t)o->racks * sizeof(int32_t));
    int32_t *rack_second = xmalloc((size_t)o->racks * sizeof(int32_t));
    for (int32_t r = 0; r < o->racks; r++)
        rack_first[r] = rack_second[r] = -1;
    for (int32_t b = 0; b < o->brokers; b++) {
        int32_t r = c->brokers[b].rack;
        if (rack_first[r] < 0)
            rack_first[r] = b;
        else if (rack_second[r] < 0)
            rack_second[r] = b;
    }

    /* Which partitions get a rack violation: a seeded choice of exactly that many. */
    bool *violate = xcalloc((size_t)nparts, sizeof(bool));
    bool *used_rack = xcalloc((size_t)o->racks, sizeof(bool));
    bool *used_zone = xcalloc((size_t)o->zones, sizeof(bool));
    for (int64_t v = 0, picked = 0; picked < o->rack_violations && v < 4 * nparts; v++) {
        int64_t p = (int64_t)(rnd(&st) % (uint64_t)nparts);
        if (!violate[p]) {
            violate[p] = true;
            picked++;
        }
    }

    k = 0;
    int32_t start = 0, shift = 0;
    for (int32_t t = 0; t < o->topics; t++) {
        int32_t ti;
        snprintf(name, sizeof(name), "topic-%04d", t);
        model_topic_add(c, name, &ti);
        start = (int32_t)(rnd(&st) % (uint64_t)n);
        shift = (int32_t)(rnd(&st) % (uint64_t)n);
        int64_t np = nparts / o->topics + (t < nparts % o->topics);
        for (int64_t i = 0; i < np; i++, k++) {
            int32_t bro[MODEL_MAX_RF];
            int16_t dirs[MODEL_MAX_RF];
            int64_t sizes[MODEL_MAX_RF];
            if (i > 0 && i % n == 0)
                shift++;
            int got = pick(c, list, n, (int32_t)((i + start) % n), shift, o->rf, bro, used_rack,
                           used_zone);
            if (got < o->rf) {
                rc = error_set(err, -EINVAL, "cannot place rf %d on %d brokers", o->rf, n);
                goto fail;
            }
            /* Skew: a replica moves to the first (or second) broker of its rack. */
            for (int j = 0; j < o->rf; j++) {
                if (unit(&st) >= o->broker_skew * 0.6)
                    continue;
                int32_t r = c->brokers[bro[j]].rack;
                int32_t cand = unit(&st) < 0.7 ? rack_first[r] : rack_second[r];
                bool dup = cand < 0;
                for (int q = 0; q < o->rf && !dup; q++)
                    dup = bro[q] == cand;
                if (!dup)
                    bro[j] = cand;
            }
            if (violate[k]) {
                /* Put slot 1 in slot 0's rack, on another broker of that rack. */
                int32_t r = c->brokers[bro[0]].rack;
                int32_t cand = -1;
                for (int32_t b = 0; b < o->brokers && cand < 0; b++) {
                    if (c->brokers[b].rack != r)
                        continue;
                    bool dup = false;
                    for (int q = 0; q < o->rf; q++)
                        dup |= bro[q] == b;
                    if (!dup)
                        cand = b;
                }
                if (cand < 0) {
                    rc = error_set(err, -EINVAL,
                                   "rack violations need at least two brokers per rack");
                    goto fail;
                }
                bro[1] = cand;
            }
            for (int j = 0; j < o->rf; j++) {
                dirs[j] = (int16_t)(rnd(&st) % (uint64_t)o->log_dirs);
                sizes[j] = psize[k];
            }
            int leader = (rnd(&st) % 10 == 0 && o->rf > 1) ? 1 : 0;
            int32_t pi;
            rc = model_partition_add(c, ti, (int32_t)i, o->rf, bro, dirs, sizes, leader, err,
                                     &pi);
            if (rc < 0)
                goto fail;
            struct model_partition *part = &c->partitions[pi];
            double share = total_bytes > 0 ? (double)psize[k] / total_bytes : 0;
            part->nw_in = o->total_nw_in * share;
            part->nw_out = part->nw_in * o->consumer_fanout;
        }
    }

    /* Capacities: explicit on every broker. */
    {
        int32_t nb = o->brokers;
        double disk = o->disk_capacity > 0 ? o->disk_capacity
                                           : fmax(1e9, total_bytes * o->rf / nb / 0.5);
        double in = o->nw_in_capacity > 0 ? o->nw_in_capacity
                                          : fmax(125e6, o->total_nw_in * o->rf / nb / 0.4);
        double out_total = o->total_nw_in * (o->consumer_fanout + o->rf - 1);
        double out = o->nw_out_capacity > 0 ? o->nw_out_capacity
                                            : fmax(125e6, out_total / nb / 0.4);
        /* CPU: Cruise Control's weights, scaled so a broker at its network-in capacity, leading
         * everything it holds, is near 100%. */
        double kcpu = 100.0 / (in * (0.7 + 0.15 * o->consumer_fanout));
        for (int32_t p = 0; p < c->npartitions; p++) {
            struct model_partition *part = &c->partitions[p];
            double lead_out = part->nw_out + part->nw_in * (part->rf - 1);
            part->cpu_leader = kcpu * (0.7 * part->nw_in + 0.15 * lead_out);
            part->cpu_follower = kcpu * 0.15 * part->nw_in;
        }
        for (int32_t b = 0; b < c->nbrokers; b++) {
            struct model_broker *br = &c->brokers[b];
            br->capacity[RES_DISK] = disk;
            br->capacity[RES_NW_IN] = in;
            br->capacity[RES_NW_OUT] = out;
            br->capacity[RES_CPU] = 100;
            br->capacity_set = (1u << RES_COUNT) - 1;
            br->num_cores = 8;
        }
    }
    rc = model_cluster_finalize(c, err);
    if (rc < 0)
        goto fail;
    /* Capacities sized from the load leave the most loaded broker at or below 75%, so a skewed
     * cluster is unbalanced but not over its limits (given capacities are kept as given). */
    {
        struct model_broker_load *bl = xmalloc((size_t)c->nbrokers * sizeof(*bl));
        model_compute_loads(c, bl, NULL);
        double maxl[RES_COUNT] = {0};
        for (int32_t b = 0; b < c->nbrokers; b++)
            for (int r = 0; r < RES_COUNT; r++)
                maxl[r] = fmax(maxl[r], bl[b].load[r]);
        bool sized[RES_COUNT] = {false, o->nw_in_capacity <= 0, o->nw_out_capacity <= 0,
                                 o->disk_capacity <= 0};
        for (int r = 1; r < RES_COUNT; r++)
            if (sized[r])
                for (int32_t b = 0; b < c->nbrokers; b++)
                    c->brokers[b].capacity[r] = fmax(c->brokers[b].capacity[r], maxl[r] / 0.75);
        free(bl);
    }
    /* Dead brokers: the last existing ones; they keep their replicas, now offline. */
    for (int32_t i = 0; i < o->dead_brokers; i++)
        c->brokers[o->brokers - 1 - i].flags |= BROKER_DEAD;
    model_topology_refresh(c);
    free(psize);
    free(ptopic);
    free(list);
    free(rack_first);
    free(rack_second);
    free(violate);
    free(used_rack);
    free(used_zone);
    *ret_cluster = c;
    return 0;
fail:
    free(psize);
    free(ptopic);
    free(list);
    free(rack_first);
    free(rack_second);
    free(violate);
    free(used_rack);
    free(used_zone);
    model_cluster_destroy(c);
    return rc;
}
