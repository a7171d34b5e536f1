/* Synthetic cluster generator; see generate.h and docs/generator.md.
 *
 * Placement works on three levels of weighted fair queues (zones, the racks of each zone, the
 * brokers of each rack), each a binary heap ordered by (replicas + 1) / weight, then bytes /
 * weight, then index. A replica takes the least loaded zone its partition uses least, the least
 * loaded rack of that zone its partition uses least, and the least loaded broker of that rack
 * not yet in the partition. With equal weights (broker_skew 0) this is a round robin that
 * fills the emptiest broker first within each round, so counts differ by at most one and bytes
 * stay close; with skew, each broker's share follows its weight. */
#include "model/generate.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

#define SKEW_LAMBDA 1.6            /* broker i weighs exp(-SKEW_LAMBDA * skew * i / brokers) */
#define DISK_TARGET 0.5            /* sized capacities: mean utilisation of existing brokers */
#define NW_TARGET 0.4
#define SIZED_MAX_UTIL 0.75        /* ... and the fullest broker at most this */
#define SIZED_MAX_PARTITION 0.2    /* ... and the largest partition at most this of a broker */
#define MIN_DISK_CAPACITY 1e9
#define MIN_NW_CAPACITY 125e6      /* 1 Gbit/s */
#define MAX_PARTITION_BYTES (1ll << 50)
#define MAX_REPLICAS 100000000ll   /* as many as a snapshot may hold */
#define MAX_ALL_BROKERS 100000
#define MAX_PARTITIONS_PER_TOPIC 1000000

/* Cruise Control's CPU weights for bytes in as leader, bytes out, and bytes in as follower. */
#define CPU_W_LEADER_IN 0.7
#define CPU_W_OUT 0.15
#define CPU_W_FOLLOWER_IN 0.15

/* ---- random numbers: splitmix64, one stream per purpose so that changing one option (say
 * rack_violations) leaves the sizes and the other choices as they were ---- */

enum stream { S_SIZES = 1, S_VIOLATIONS, S_LEADERS };

static uint64_t rnd(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t stream_seed(uint64_t seed, enum stream s)
{
    uint64_t st = seed ^ ((uint64_t)s * 0xD1B54A32D192ED03ull);
    return rnd(&st);
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

/* ---- options ---- */

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
    o->log_dirs = 2;
    o->total_nw_in = 100e6;
    o->consumer_fanout = 2.0;
    o->non_preferred_leaders = 0.1;
}

struct opt_def {
    const char *name;
    enum { O_I32, O_I64, O_INT, O_U64, O_DBL, O_BOOL } type;
    size_t offset;
    double scale; /* the option is given in these units (e.g. MB) */
    double min, max;
};

#define OFF(f) offsetof(struct model_generate_opts, f)
static const struct opt_def defs[] = {
    {"seed", O_U64, OFF(seed), 1, 0, 0},
    {"brokers", O_I32, OFF(brokers), 1, 1, MAX_ALL_BROKERS},
    {"zones", O_I32, OFF(zones), 1, 1, 1000},
    {"racks", O_I32, OFF(racks), 1, 1, 10000},
    {"uneven-racks", O_BOOL, OFF(uneven_racks), 1, 0, 1},
    {"topics", O_I32, OFF(topics), 1, 1, 1000000},
    {"partitions", O_I64, OFF(partitions), 1, 1, 50000000},
    {"rf", O_INT, OFF(rf), 1, 1, MODEL_MAX_RF},
    {"mean-partition-mb", O_DBL, OFF(mean_partition_bytes), 1e6, 0, 1e6},
    {"size-sigma", O_DBL, OFF(size_sigma), 1, 0, 5},
    {"topic-popularity", O_DBL, OFF(topic_popularity), 1, 0, 100},
    {"broker-skew", O_DBL, OFF(broker_skew), 1, 0, 1},
    {"new-brokers", O_I32, OFF(new_brokers), 1, 0, MAX_ALL_BROKERS},
    {"dead-brokers", O_I32, OFF(dead_brokers), 1, 0, MAX_ALL_BROKERS},
    {"rack-violations", O_I64, OFF(rack_violations), 1, 0, 50000000},
    {"log-dirs", O_I32, OFF(log_dirs), 1, 1, 64},
    {"disk-capacity-gb", O_DBL, OFF(disk_capacity), 1e9, 0, 1e9},
    {"nw-in-capacity-mbps", O_DBL, OFF(nw_in_capacity), 1e6, 0, 1e9},
    {"nw-out-capacity-mbps", O_DBL, OFF(nw_out_capacity), 1e6, 0, 1e9},
    {"cpu-capacity", O_DBL, OFF(cpu_capacity), 1, 0, 1e6},
    {"total-nw-in-mbps", O_DBL, OFF(total_nw_in), 1e6, 0, 1e9},
    {"consumer-fanout", O_DBL, OFF(consumer_fanout), 1, 0, 1000},
    {"non-preferred-leaders", O_DBL, OFF(non_preferred_leaders), 1, 0, 1},
    {"broker-weight-power", O_DBL, OFF(broker_weight_power), 1, 0, 10},
    {"fill-limit", O_DBL, OFF(fill_limit), 1, 0, 1},
    {"independent-rates", O_BOOL, OFF(independent_rates), 1, 0, 1},
    {"disk-util", O_DBL, OFF(disk_util), 1, 0, 1},
    {"nw-in-util", O_DBL, OFF(nw_in_util), 1, 0, 1},
    {"nw-out-util", O_DBL, OFF(nw_out_util), 1, 0, 1},
    {"cpu-util", O_DBL, OFF(cpu_util), 1, 0, 1},
};
#undef OFF
#define NDEFS (sizeof(defs) / sizeof(defs[0]))

const char *model_generate_usage(void)
{
    return "generator options (defaults in parentheses; docs/generator.md):\n"
           "  --seed N (1)  --brokers N (12)  --zones N (3)  --racks N (3)  --uneven-racks\n"
           "  --topics N (20)  --partitions N (1000, total)  --rf N (3)\n"
           "  --mean-partition-mb X (1000)  --size-sigma X (1.0, lognormal)\n"
           "  --topic-popularity X (3.0, exponential decay)  --broker-skew X (0..1, 0)\n"
           "  --new-brokers N (0)  --dead-brokers N (0)  --rack-violations N (0)\n"
           "  --log-dirs N (2)  --disk-capacity-gb X  --nw-in-capacity-mbps X\n"
           "  --nw-out-capacity-mbps X (0 = sized from the load)  --cpu-capacity X (100)\n"
           "  --total-nw-in-mbps X (100)  --consumer-fanout X (2.0)\n"
           "  --non-preferred-leaders X (0.1, fraction led by their second replica)\n"
           "  --broker-weight-power X (0 = off; broker i weighs (i+1)^-X)\n"
           "  --fill-limit X (0 = off; no broker past X of its disk, largest first)\n"
           "  --independent-rates  --disk-util X  --nw-in-util X  --nw-out-util X\n"
           "  --cpu-util X (0 = sized; else capacities give this mean utilisation)\n";
}

/* The value of a field in the option's own units, for range checks. */
static double field_value(const struct model_generate_opts *o, const struct opt_def *d)
{
    const char *f = (const char *)o + d->offset;
    switch (d->type) {
    case O_I32: return *(const int32_t *)f;
    case O_I64: return (double)*(const int64_t *)f;
    case O_INT: return *(const int *)f;
    case O_U64: return 0;
    case O_DBL: return *(const double *)f / d->scale;
    case O_BOOL: return *(const bool *)f;
    }
    return 0;
}

static int parse_seed(uint64_t *ret, const char *val, struct error *err)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(val, &end, 10);
    if (val[0] < '0' || val[0] > '9' || end == val || *end || errno)
        return error_set(err, -EINVAL, "option '--seed': '%s' is not a whole number in "
                                       "0..18446744073709551615", val);
    *ret = (uint64_t)v;
    return 0;
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
        for (size_t k = 0; k < NDEFS && !d; k++)
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
        if (d->type == O_U64) {
            int rc = parse_seed((uint64_t *)field, val, err);
            if (rc < 0)
                return rc;
            continue;
        }
        char *end;
        errno = 0;
        double v = strtod(val, &end);
        if (errno || end == val || *end || !isfinite(v))
            return error_set(err, -EINVAL, "option '--%s': '%s' is not a number", d->name, val);
        if (v < d->min || v > d->max)
            return error_set(err, -EINVAL, "option '--%s': %s is out of range %.15g..%.15g", d->name,
                             val, d->min, d->max);
        if (d->type != O_DBL && v != floor(v))
            return error_set(err, -EINVAL, "option '--%s': '%s' is not a whole number", d->name,
                             val);
        switch (d->type) {
        case O_I32: *(int32_t *)field = (int32_t)v; break;
        case O_I64: *(int64_t *)field = (int64_t)v; break;
        case O_INT: *(int *)field = (int)v; break;
        case O_U64: break;
        case O_DBL: *(double *)field = v * d->scale; break;
        case O_BOOL: *(bool *)field = v != 0; break;
        }
    }
    return 0;
}

/* ---- topology ---- */

/* Rack of the i-th broker (existing ones first, then new ones): round robin, or with rack 0
 * taking two turns per cycle. */
static int32_t broker_rack(const struct model_generate_opts *o, int32_t i)
{
    if (!o->uneven_racks || o->racks < 2)
        return i % o->racks;
    int32_t slot = i % (o->racks + 1);
    return slot == 0 ? 0 : slot - 1;
}

/* Every range of the option table (library callers skip the parser), then the relations
 * between options. */
static int validate(const struct model_generate_opts *o, struct error *err)
{
    for (size_t k = 0; k < NDEFS; k++) {
        const struct opt_def *d = &defs[k];
        if (d->type == O_U64 || d->type == O_BOOL)
            continue;
        double v = field_value(o, d);
        if (!(v >= d->min && v <= d->max))
            return error_set(err, -EINVAL, "option '--%s': %.15g is out of range %.15g..%.15g", d->name,
                             v, d->min, d->max);
    }
    if (o->zones > o->racks)
        return error_set(err, -EINVAL, "--zones (%d) cannot exceed --racks (%d)", o->zones,
                         o->racks);
    int32_t need = o->uneven_racks && o->racks > 1 ? o->racks + 1 : o->racks;
    if (need > o->brokers)
        return error_set(err, -EINVAL,
                         "racks (%d) cannot exceed brokers (%d): --racks %d%s needs at least "
                         "%d --brokers so that every rack has one",
                         o->racks, o->brokers, o->racks, o->uneven_racks ? " --uneven-racks" : "",
                         need);
    if ((int64_t)o->brokers + o->new_brokers > MAX_ALL_BROKERS)
        return error_set(err, -EINVAL, "--brokers plus --new-brokers (%lld) exceed %d",
                         (long long)o->brokers + o->new_brokers, MAX_ALL_BROKERS);
    if (o->dead_brokers >= o->brokers)
        return error_set(err, -EINVAL,
                         "--dead-brokers (%d) must leave at least one of the %d --brokers alive",
                         o->dead_brokers, o->brokers);
    if (o->rf > o->brokers)
        return error_set(err, -EINVAL, "--rf %d is larger than --brokers %d", o->rf, o->brokers);
    if (o->partitions < o->topics)
        return error_set(err, -EINVAL, "--partitions (%lld) must be at least --topics (%d)",
                         (long long)o->partitions, o->topics);
    if ((o->partitions + o->topics - 1) / o->topics > MAX_PARTITIONS_PER_TOPIC)
        return error_set(err, -EINVAL,
                         "--partitions %lld over --topics %d gives more than %d partitions per "
                         "topic",
                         (long long)o->partitions, o->topics, MAX_PARTITIONS_PER_TOPIC);
    if (o->partitions * o->rf > MAX_REPLICAS)
        return error_set(err, -EINVAL, "--partitions %lld times --rf %d exceeds %lld replicas",
                         (long long)o->partitions, o->rf, MAX_REPLICAS);
    if (o->fill_limit > 0 && o->disk_util <= 0 && o->disk_capacity <= 0)
        return error_set(err, -EINVAL,
                         "--fill-limit needs the disk capacity before placement: give "
                         "--disk-util or --disk-capacity-gb");
    if (o->rack_violations > o->partitions)
        return error_set(err, -EINVAL, "--rack-violations (%lld) exceed --partitions (%lld)",
                         (long long)o->rack_violations, (long long)o->partitions);
    if (o->rack_violations > 0) {
        if (o->rf < 2 || o->rf > o->racks)
            return error_set(err, -EINVAL,
                             "--rack-violations need 2 <= --rf <= --racks (rf %d, racks %d)",
                             o->rf, o->racks);
        /* Some rack must hold two existing brokers (rack 0 does once there are more). */
        if (o->brokers <= o->racks)
            return error_set(err, -EINVAL,
                             "--rack-violations need a rack with two brokers (--brokers %d, "
                             "--racks %d)",
                             o->brokers, o->racks);
    }
    return 0;
}

/* ---- weighted fair queues ---- */

struct node {
    double w;      /* share weight, > 0 */
    int64_t count; /* replicas placed */
    double bytes;  /* bytes placed */
    double key;    /* rekey() */
};

/* A binary min-heap of entity indices of one level; pos[] (per entity, shared by all heaps of
 * the level since an entity is in one heap) makes removal of any member O(log n). */
struct heap {
    int32_t *item;
    int32_t n;
};

struct level {
    struct node *v;
    int32_t *pos;
    double unit; /* bytes counted as one replica */
};

/* Load of a node for its weight: replicas plus bytes in units of the mean partition size, so
 * that neither counts nor bytes stray far (a broker holding a partition 100 times the mean gets
 * about 50 fewer replicas). Cached in the node, since heaps compare it often. */
static void rekey(const struct level *l, int32_t a)
{
    struct node *n = &l->v[a];
    n->key = ((double)n->count + n->bytes / l->unit + 2) / n->w;
}

static bool before(const struct level *l, int32_t a, int32_t b)
{
    double ka = l->v[a].key, kb = l->v[b].key;
    if (ka != kb)
        return ka < kb;
    return a < b;
}

static void heap_put(struct heap *h, const struct level *l, int32_t i, int32_t id)
{
    h->item[i] = id;
    l->pos[id] = i;
}

static void sift_up(struct heap *h, const struct level *l, int32_t i)
{
    int32_t id = h->item[i];
    while (i > 0) {
        int32_t parent = (i - 1) / 2;
        if (!before(l, id, h->item[parent]))
            break;
        heap_put(h, l, i, h->item[parent]);
        i = parent;
    }
    heap_put(h, l, i, id);
}

static void sift_down(struct heap *h, const struct level *l, int32_t i)
{
    int32_t id = h->item[i];
    for (;;) {
        int32_t ch = 2 * i + 1;
        if (ch >= h->n)
            break;
        if (ch + 1 < h->n && before(l, h->item[ch + 1], h->item[ch]))
            ch++;
        if (!before(l, h->item[ch], id))
            break;
        heap_put(h, l, i, h->item[ch]);
        i = ch;
    }
    heap_put(h, l, i, id);
}

static void heap_push(struct heap *h, const struct level *l, int32_t id)
{
    h->item[h->n++] = id;
    sift_up(h, l, h->n - 1);
}

static void heap_remove(struct heap *h, const struct level *l, int32_t id)
{
    int32_t i = l->pos[id];
    int32_t last = h->item[--h->n];
    l->pos[id] = -1;
    if (i == h->n)
        return;
    heap_put(h, l, i, last);
    sift_down(h, l, l->pos[last]);
    sift_up(h, l, l->pos[last]);
}

/* ---- the generator's working state ---- */

struct gen {
    const struct model_generate_opts *o;
    struct model_cluster *c;
    int32_t nb; /* existing brokers: indices 0..nb-1 */
    struct level zl, rl, bl;
    struct heap zheap;
    struct heap *rheap; /* per zone */
    struct heap *bheap; /* per rack */
    int32_t *zone_brokers, *zone_racks, *rack_brokers;
    int32_t *pair_racks; /* racks with two brokers or more */
    int32_t npair_racks, next_pair;
    /* per partition being placed: uses of each zone and rack, racks used per zone */
    int32_t *zlocal, *rlocal, *zracks;
    int32_t *dir_count;        /* nb * log_dirs */
    int64_t *leaders;          /* per broker */
    double *leader_bytes;      /* per broker: bytes of the partitions it leads */
    int64_t largest;           /* bytes of the largest partition */
    double fill_bytes;         /* fill_limit x disk capacity, or INFINITY */
};

static void gen_finish(struct gen *g)
{
    free(g->zl.v);
    free(g->zl.pos);
    free(g->rl.v);
    free(g->rl.pos);
    free(g->bl.v);
    free(g->bl.pos);
    free(g->zheap.item);
    if (g->rheap)
        free(g->rheap[0].item);
    free(g->rheap);
    if (g->bheap)
        free(g->bheap[0].item);
    free(g->bheap);
    free(g->zone_brokers);
    free(g->zone_racks);
    free(g->rack_brokers);
    free(g->pair_racks);
    free(g->zlocal);
    free(g->rlocal);
    free(g->zracks);
    free(g->dir_count);
    free(g->leaders);
    free(g->leader_bytes);
}

/* Weights and heaps over the existing brokers. Racks and zones weigh the sum of their brokers. */
static void gen_init(struct gen *g, const struct model_generate_opts *o, struct model_cluster *c)
{
    memset(g, 0, sizeof(*g));
    g->o = o;
    g->c = c;
    g->nb = o->brokers;
    int32_t nz = c->nzones, nr = c->nracks, nb = g->nb;
    g->zl.v = xcalloc((size_t)nz, sizeof(struct node));
    g->zl.pos = xcalloc((size_t)nz, sizeof(int32_t));
    g->rl.v = xcalloc((size_t)nr, sizeof(struct node));
    g->rl.pos = xcalloc((size_t)nr, sizeof(int32_t));
    g->bl.v = xcalloc((size_t)nb, sizeof(struct node));
    g->bl.pos = xcalloc((size_t)nb, sizeof(int32_t));
    g->zone_brokers = xcalloc((size_t)nz, sizeof(int32_t));
    g->zone_racks = xcalloc((size_t)nz, sizeof(int32_t));
    g->rack_brokers = xcalloc((size_t)nr, sizeof(int32_t));
    g->pair_racks = xcalloc((size_t)nr, sizeof(int32_t));
    g->zlocal = xcalloc((size_t)nz, sizeof(int32_t));
    g->rlocal = xcalloc((size_t)nr, sizeof(int32_t));
    g->zracks = xcalloc((size_t)nz, sizeof(int32_t));
    g->dir_count = xcalloc((size_t)nb * (size_t)o->log_dirs, sizeof(int32_t));
    g->leaders = xcalloc((size_t)nb, sizeof(int64_t));
    g->leader_bytes = xcalloc((size_t)nb, sizeof(double));
    g->fill_bytes = INFINITY;
    double unit = o->mean_partition_bytes >= 1 ? o->mean_partition_bytes : 1;
    g->zl.unit = g->rl.unit = g->bl.unit = unit;
    for (int32_t b = 0; b < nb; b++) {
        int32_t r = c->brokers[b].rack, z = c->racks[r].zone;
        double w = o->broker_weight_power > 0
                       ? pow((double)b + 1, -o->broker_weight_power)
                       : exp(-SKEW_LAMBDA * o->broker_skew * (double)b / (double)nb);
        g->bl.v[b].w = w;
        g->rl.v[r].w += w;
        g->zl.v[z].w += w;
        g->zone_brokers[z]++;
        g->rack_brokers[r]++;
    }
    for (int32_t r = 0; r < nr; r++) {
        int32_t z = c->racks[r].zone;
        g->zone_racks[z]++;
        if (g->rack_brokers[r] >= 2)
            g->pair_racks[g->npair_racks++] = r;
    }
    for (int32_t z = 0; z < nz; z++)
        rekey(&g->zl, z);
    for (int32_t r = 0; r < nr; r++)
        rekey(&g->rl, r);
    for (int32_t b = 0; b < nb; b++)
        rekey(&g->bl, b);
    /* Heaps: racks grouped by zone and brokers by rack, each group a slice of one array. */
    g->zheap.item = xmalloc((size_t)nz * sizeof(int32_t));
    g->rheap = xcalloc((size_t)nz, sizeof(struct heap));
    g->bheap = xcalloc((size_t)nr, sizeof(struct heap));
    int32_t *ritems = xmalloc((size_t)nr * sizeof(int32_t));
    int32_t *bitems = xmalloc((size_t)nb * sizeof(int32_t));
    for (int32_t z = 0, at = 0; z < nz; at += g->zone_racks[z], z++)
        g->rheap[z].item = ritems + at;
    for (int32_t r = 0, at = 0; r < nr; at += g->rack_brokers[r], r++)
        g->bheap[r].item = bitems + at;
    for (int32_t z = 0; z < nz; z++)
        heap_push(&g->zheap, &g->zl, z);
    for (int32_t r = 0; r < nr; r++)
        heap_push(&g->rheap[c->racks[r].zone], &g->rl, r);
    for (int32_t b = 0; b < nb; b++)
        heap_push(&g->bheap[c->brokers[b].rack], &g->bl, b);
}

/* Zone for the next replica: the partition's least used zone that still has a free broker,
 * preferring one with a rack the partition does not use yet, then the heap's order. A zone the
 * partition has not used is ideal, and at most `placed` zones come before it, so this pops at
 * most placed + 1 entries. */
static int32_t choose_zone(struct gen *g, int placed)
{
    int32_t top = g->zheap.item[0];
    if (g->zlocal[top] == 0)
        return top; /* the usual case, without popping */
    int32_t popped[MODEL_MAX_RF + 1];
    int np = 0;
    int32_t best = -1;
    while (g->zheap.n > 0 && np <= placed) {
        int32_t z = g->zheap.item[0];
        heap_remove(&g->zheap, &g->zl, z);
        popped[np++] = z;
        if (g->zone_brokers[z] > g->zlocal[z] &&
            (best < 0 || g->zlocal[z] < g->zlocal[best] ||
             (g->zlocal[z] == g->zlocal[best] && g->zracks[best] >= g->zone_racks[best] &&
              g->zracks[z] < g->zone_racks[z])))
            best = z;
        if (best >= 0 && g->zlocal[best] == 0)
            break;
    }
    for (int i = 0; i < np; i++)
        heap_push(&g->zheap, &g->zl, popped[i]);
    return best;
}

/* Rack of zone z: the partition's least used rack there with a free broker, then heap order
 * (at most placed + 1 pops, as above). */
static int32_t choose_rack(struct gen *g, int32_t z, int placed)
{
    struct heap *h = &g->rheap[z];
    int32_t top = h->item[0];
    if (g->rlocal[top] == 0)
        return top;
    int32_t popped[MODEL_MAX_RF + 1];
    int np = 0;
    int32_t best = -1;
    while (h->n > 0 && np <= placed) {
        int32_t r = h->item[0];
        heap_remove(h, &g->rl, r);
        popped[np++] = r;
        if (g->rack_brokers[r] > g->rlocal[r] && (best < 0 || g->rlocal[r] < g->rlocal[best]))
            best = r;
        if (best >= 0 && g->rlocal[best] == 0)
            break;
    }
    for (int i = 0; i < np; i++)
        heap_push(h, &g->rl, popped[i]);
    return best;
}

/* Whether broker b can take `size` more bytes under the fill limit. */
static bool has_room(const struct gen *g, int32_t b, int64_t size)
{
    return g->bl.v[b].bytes + (double)size <= g->fill_bytes;
}

/* Broker of rack r not yet in the partition (bro[0..placed-1]): the first in heap order with
 * room under the fill limit (none with room: the first). */
static int32_t choose_broker(struct gen *g, int32_t r, const int32_t *bro, int placed,
                             int64_t size)
{
    struct heap *h = &g->bheap[r];
    if (!model_id_in(bro, placed, h->item[0]) && has_room(g, h->item[0], size))
        return h->item[0];
    int32_t *popped = xmalloc(((size_t)h->n + 1) * sizeof(int32_t));
    int32_t np = 0;
    int32_t best = -1, first = -1;
    while (h->n > 0 && best < 0) {
        int32_t b = h->item[0];
        heap_remove(h, &g->bl, b);
        popped[np++] = b;
        if (model_id_in(bro, placed, b))
            continue;
        if (first < 0)
            first = b;
        if (has_room(g, b, size))
            best = b;
    }
    for (int32_t i = 0; i < np; i++)
        heap_push(h, &g->bl, popped[i]);
    free(popped);
    return best >= 0 ? best : first;
}

/* Adds (sign 1) or takes back (sign -1) a replica of `size` bytes on broker b: its broker,
 * rack and zone nodes, keeping every heap in order, and the partition's local counts. */
static void charge(struct gen *g, int32_t b, int64_t size, int sign)
{
    int32_t r = g->c->brokers[b].rack, z = g->c->racks[r].zone;
    struct node *nodes[3] = {&g->bl.v[b], &g->rl.v[r], &g->zl.v[z]};
    for (int i = 0; i < 3; i++) {
        nodes[i]->count += sign;
        nodes[i]->bytes += sign * (double)size;
    }
    rekey(&g->bl, b);
    rekey(&g->rl, r);
    rekey(&g->zl, z);
    struct heap *heaps[3] = {&g->bheap[r], &g->rheap[z], &g->zheap};
    const struct level *levels[3] = {&g->bl, &g->rl, &g->zl};
    int32_t ids[3] = {b, r, z};
    for (int i = 0; i < 3; i++) {
        if (sign > 0)
            sift_down(heaps[i], levels[i], levels[i]->pos[ids[i]]);
        else
            sift_up(heaps[i], levels[i], levels[i]->pos[ids[i]]);
    }
    if (sign > 0)
        g->zracks[z] += g->rlocal[r] == 0;
    g->rlocal[r] += sign;
    g->zlocal[z] += sign;
    if (sign < 0)
        g->zracks[z] -= g->rlocal[r] == 0;
}

/* Places the rf replicas of one partition into bro[]. With `violate`, the last replica joins
 * the rack of an earlier one; when every rack used has a single broker, the first replica
 * moves to a rack with two (there is one: validate() asks for more brokers than racks). */
static int place(struct gen *g, int64_t size, bool violate, int32_t *bro)
{
    const struct model_cluster *c = g->c;
    int rf = g->o->rf;
    int placed = 0, rc = 0;
    for (; placed < (violate ? rf - 1 : rf); placed++) {
        int32_t z = choose_zone(g, placed);
        int32_t r = z < 0 ? -1 : choose_rack(g, z, placed);
        int32_t b = r < 0 ? -1 : choose_broker(g, r, bro, placed, size);
        if (b < 0) {
            rc = -EINVAL; /* not reached: validate() keeps rf within the brokers */
            break;
        }
        bro[placed] = b;
        charge(g, b, size, 1);
    }
    if (rc == 0 && violate) {
        int32_t r = -1;
        for (int j = 0; j < placed && r < 0; j++) {
            int32_t rj = c->brokers[bro[j]].rack;
            if (g->rack_brokers[rj] > g->rlocal[rj])
                r = rj;
        }
        if (r < 0) {
            r = g->pair_racks[g->next_pair++ % g->npair_racks];
            charge(g, bro[0], size, -1);
            bro[0] = choose_broker(g, r, bro + 1, placed - 1, size);
            charge(g, bro[0], size, 1);
        }
        bro[placed] = choose_broker(g, r, bro, placed, size);
        charge(g, bro[placed], size, 1);
        placed++;
    }
    for (int j = 0; j < placed; j++) {
        int32_t r = c->brokers[bro[j]].rack;
        g->rlocal[r] = 0;
        g->zlocal[c->racks[r].zone] = 0;
        g->zracks[c->racks[r].zone] = 0;
    }
    return rc;
}

/* Preferred leader: the replica whose broker leads least for its weight (leaders plus led
 * bytes in mean partition sizes, as for placement); it moves to slot 0. */
static void choose_leader(struct gen *g, int32_t *bro, int64_t size)
{
    int best = 0;
    double kbest = 0;
    for (int j = 0; j < g->o->rf; j++) {
        int32_t b = bro[j];
        double k = ((double)g->leaders[b] + g->leader_bytes[b] / g->bl.unit + 2) / g->bl.v[b].w;
        if (j == 0 || k < kbest) {
            best = j;
            kbest = k;
        }
    }
    int32_t t = bro[0];
    bro[0] = bro[best];
    bro[best] = t;
    g->leaders[bro[0]]++;
    g->leader_bytes[bro[0]] += (double)size;
}

/* Log dir with the fewest replicas on the broker (Kafka's choice for a new partition). */
static int16_t choose_dir(struct gen *g, int32_t b)
{
    int32_t *cnt = &g->dir_count[(size_t)b * (size_t)g->o->log_dirs];
    int16_t best = 0;
    for (int16_t d = 1; d < g->o->log_dirs; d++)
        if (cnt[d] < cnt[best])
            best = d;
    cnt[best]++;
    return best;
}

/* ---- the cluster ---- */

static void add_topology(const struct model_generate_opts *o, struct model_cluster *c)
{
    char name[64];
    for (int32_t z = 0; z < o->zones; z++) {
        snprintf(name, sizeof(name), "zone-%d", z);
        model_zone_add(c, name);
    }
    for (int32_t r = 0; r < o->racks; r++) {
        snprintf(name, sizeof(name), "rack-%d", r);
        model_rack_add(c, name, r % o->zones);
    }
    int32_t total = o->brokers + o->new_brokers;
    for (int32_t i = 0; i < total; i++) {
        int32_t b;
        snprintf(name, sizeof(name), "broker-%d.local", i + 1);
        model_broker_add(c, i + 1, broker_rack(o, i), name, &b);
        for (int32_t d = 0; d < o->log_dirs; d++) {
            snprintf(name, sizeof(name), "/var/lib/kafka/data-%d", d);
            model_disk_add(c, b, name, 0);
        }
        if (i >= o->brokers)
            c->brokers[b].flags |= BROKER_NEW;
    }
}

/* Selection sampling (Knuth's algorithm S): partition k of n is chosen with probability
 * (still needed) / (still left), which picks exactly `want` of them, uniformly. */
static bool sample(uint64_t *st, int64_t *want, int64_t left)
{
    if (*want <= 0)
        return false;
    if ((double)*want >= (double)left || unit(st) * (double)left < (double)*want) {
        (*want)--;
        return true;
    }
    return false;
}

/* Topic t's weight exp(-popularity * t / topics), normalised to mean 1 over the topics. */
static double topic_weight(const struct model_generate_opts *o, int32_t t, double wsum)
{
    return exp(-o->topic_popularity * (double)t / (double)o->topics) / (wsum / (double)o->topics);
}

static double topic_weight_sum(const struct model_generate_opts *o)
{
    double wsum = 0;
    for (int32_t t = 0; t < o->topics; t++)
        wsum += exp(-o->topic_popularity * (double)t / (double)o->topics);
    return wsum;
}

/* What is drawn for one partition before it is placed. */
struct draw {
    int64_t size;
    bool violate;
    bool second_leads; /* led by its second replica */
};

/* Places one partition: replicas into bro[], the preferred leader first; returns the leader
 * slot (0, or 1 when the second replica leads). */
static int place_partition(struct gen *g, const struct draw *d, int32_t *bro)
{
    if (place(g, d->size, d->violate, bro) < 0)
        return -1;
    choose_leader(g, bro, d->size);
    if (!d->second_leads)
        return 0;
    g->leaders[bro[0]]--;
    g->leader_bytes[bro[0]] -= (double)d->size;
    g->leaders[bro[1]]++;
    g->leader_bytes[bro[1]] += (double)d->size;
    return 1;
}

static int add_one(struct gen *g, int32_t ti, int32_t id, const struct draw *d, const int32_t *bro,
                   int leader, struct error *err)
{
    int rf = g->o->rf;
    int16_t dirs[MODEL_MAX_RF];
    int64_t sizes[MODEL_MAX_RF];
    for (int j = 0; j < rf; j++) {
        dirs[j] = choose_dir(g, bro[j]);
        sizes[j] = d->size;
    }
    int32_t pi;
    int rc = model_partition_add(g->c, ti, id, rf, bro, dirs, sizes, leader, err, &pi);
    if (rc < 0)
        return rc;
    g->largest = d->size > g->largest ? d->size : g->largest;
    return 0;
}

struct size_key {
    int64_t size;
    int64_t k; /* partition number over all topics */
};

/* Largest first, ties by partition number (qsort is not stable). */
static int by_size_desc(const void *a, const void *b)
{
    const struct size_key *x = a, *y = b;
    if (x->size != y->size)
        return x->size < y->size ? 1 : -1;
    return x->k < y->k ? -1 : (x->k > y->k);
}

static int place_error(const struct model_generate_opts *o, struct error *err)
{
    /* not reached: validate() keeps rf within the brokers */
    return error_set(err, -EINVAL, "cannot place %d replicas of a partition on --brokers %d",
                     o->rf, o->brokers);
}

/* Draws every partition (sizes, violations, leaders; one stream each, in topic order), places
 * them (in topic order, or largest first under a fill limit, which needs every size first)
 * and adds them in topic order. */
static int add_partitions(struct gen *g, double *ret_total_bytes, struct error *err)
{
    const struct model_generate_opts *o = g->o;
    struct model_cluster *c = g->c;
    uint64_t s_sizes = stream_seed(o->seed, S_SIZES);
    uint64_t s_viol = stream_seed(o->seed, S_VIOLATIONS);
    uint64_t s_lead = stream_seed(o->seed, S_LEADERS);
    /* Sizes lognormal with mean 1 times the mean size, times the topic weight unless rates
     * are independent of sizes. */
    double wsum = topic_weight_sum(o);
    double lognorm_mean = exp(o->size_sigma * o->size_sigma / 2);
    int64_t want = o->rack_violations;
    bool largest_first = o->fill_limit > 0;
    int64_t n = o->partitions;
    struct draw *draws = largest_first ? xmalloc((size_t)n * sizeof(*draws)) : NULL;
    double total = 0;
    char name[32];
    int rc = 0;
    int64_t k = 0;
    for (int32_t t = 0; t < o->topics && rc == 0; t++) {
        int32_t ti;
        snprintf(name, sizeof(name), "topic-%04d", t);
        model_topic_add(c, name, &ti);
        double tw = o->independent_rates ? 1 : topic_weight(o, t, wsum);
        int64_t np = o->partitions / o->topics + (t < o->partitions % o->topics);
        for (int64_t i = 0; i < np && rc == 0; i++, k++) {
            double s = o->mean_partition_bytes * tw * exp(o->size_sigma * normal(&s_sizes)) /
                       lognorm_mean;
            struct draw d;
            d.size = s < (double)MAX_PARTITION_BYTES ? (int64_t)s : MAX_PARTITION_BYTES;
            d.violate = sample(&s_viol, &want, o->partitions - k);
            d.second_leads = o->rf > 1 && unit(&s_lead) < o->non_preferred_leaders;
            total += (double)d.size;
            if (largest_first) {
                draws[k] = d;
                continue;
            }
            int32_t bro[MODEL_MAX_RF];
            int leader = place_partition(g, &d, bro);
            rc = leader < 0 ? place_error(o, err) : add_one(g, ti, (int32_t)i, &d, bro, leader, err);
        }
    }
    if (largest_first && rc == 0) {
        g->fill_bytes = o->fill_limit * (o->disk_capacity > 0
                                             ? o->disk_capacity
                                             : total * o->rf / (double)g->nb / o->disk_util);
        struct size_key *order = xmalloc((size_t)n * sizeof(*order));
        for (int64_t j = 0; j < n; j++)
            order[j] = (struct size_key){draws[j].size, j};
        qsort(order, (size_t)n, sizeof(*order), by_size_desc);
        int32_t *bros = xmalloc((size_t)n * (size_t)o->rf * sizeof(int32_t));
        int8_t *leaders = xmalloc((size_t)n);
        for (int64_t j = 0; j < n && rc == 0; j++) {
            int64_t q = order[j].k;
            int leader = place_partition(g, &draws[q], bros + q * o->rf);
            rc = leader < 0 ? place_error(o, err) : 0;
            leaders[q] = (int8_t)leader;
        }
        k = 0;
        for (int32_t t = 0; t < o->topics && rc == 0; t++) {
            int64_t np = o->partitions / o->topics + (t < o->partitions % o->topics);
            for (int64_t i = 0; i < np && rc == 0; i++, k++)
                rc = add_one(g, t, (int32_t)i, &draws[k], bros + k * o->rf, leaders[k], err);
        }
        free(order);
        free(bros);
        free(leaders);
    }
    free(draws);
    if (rc < 0)
        return rc;
    *ret_total_bytes = total;
    return 0;
}

/* Bytes the fullest broker must hold: now, or at best once the planner has emptied the dead
 * brokers, given that every partition keeps floor(rf / racks) replicas in each rack and
 * floor(rf / zones) in each zone (rack awareness) and new brokers take their share. Scaled so
 * that the largest partition is also within SIZED_MAX_PARTITION of a broker: on small
 * clusters the heavy tail would otherwise make single partitions too big to move. */
static double fullest_bytes(const struct gen *g, double total_bytes)
{
    const struct model_cluster *c = g->c;
    int rf = g->o->rf;
    int32_t *live_rack = xcalloc((size_t)c->nracks, sizeof(int32_t));
    int32_t *live_zone = xcalloc((size_t)c->nzones, sizeof(int32_t));
    int32_t live = 0;
    double most = 0;
    for (int32_t b = 0; b < c->nbrokers; b++) {
        if (b < g->nb)
            most = fmax(most, g->bl.v[b].bytes);
        if (c->brokers[b].flags & BROKER_DEAD)
            continue;
        live++;
        live_rack[c->brokers[b].rack]++;
        live_zone[model_broker_zone(c, b)]++;
    }
    most = fmax(most, total_bytes * rf / live);
    most = fmax(most, g->largest * SIZED_MAX_UTIL / SIZED_MAX_PARTITION);
    for (int32_t r = 0; r < c->nracks; r++)
        if (live_rack[r] > 0)
            most = fmax(most, total_bytes * (rf / c->nracks) / live_rack[r]);
    for (int32_t z = 0; z < c->nzones; z++)
        if (live_zone[z] > 0)
            most = fmax(most, total_bytes * (rf / c->nzones) / live_zone[z]);
    free(live_rack);
    free(live_zone);
    return most;
}

/* Rates from sizes, capacities, CPU. A broker's bytes in are its bytes on disk times
 * total_nw_in / total bytes, so its network-in needs follow from its disk needs. */
static void add_load(struct gen *g, double total_bytes)
{
    const struct model_generate_opts *o = g->o;
    struct model_cluster *c = g->c;
    double in_per_byte = total_bytes > 0 ? o->total_nw_in / total_bytes : 0;
    /* Independent rates: topic t's share of the bytes in is its weight over the partitions'
     * total weight, split evenly among its partitions. */
    double wsum = topic_weight_sum(o), psum = 0;
    for (int32_t t = 0; t < c->ntopics; t++)
        psum += topic_weight(o, t, wsum) * c->topics[t].npartitions;
    for (int32_t p = 0; p < c->npartitions; p++) {
        struct model_partition *part = &c->partitions[p];
        part->nw_in = o->independent_rates
                          ? o->total_nw_in * topic_weight(o, part->topic, wsum) / psum
                          : in_per_byte * (double)model_replicas_of(c, p)[0].size;
        part->nw_out = part->nw_in * o->consumer_fanout;
    }
    double max_out = 0;
    for (int32_t b = 0; b < g->nb; b++)
        max_out = fmax(max_out, g->leader_bytes[b]);
    double fullest = fullest_bytes(g, total_bytes);
    double mean = total_bytes * o->rf / (double)g->nb; /* over the existing brokers */
    /* Sized for consumer plus replication bytes out (network out as the benchmark's even and
     * uneven families count it, search_thresholds.nw_out_replication); consumer bytes alone, the
     * default meaning, then use about half as much. */
    double out_factor = in_per_byte * (o->consumer_fanout + o->rf - 1);
    double disk = o->disk_capacity > 0
                      ? o->disk_capacity
                      : fmax(MIN_DISK_CAPACITY,
                             fmax(mean / DISK_TARGET, fullest / SIZED_MAX_UTIL));
    double in = o->nw_in_capacity > 0
                    ? o->nw_in_capacity
                    : fmax(MIN_NW_CAPACITY, in_per_byte * fmax(mean / NW_TARGET,
                                                               fullest / SIZED_MAX_UTIL));
    double out = o->nw_out_capacity > 0
                     ? o->nw_out_capacity
                     : fmax(MIN_NW_CAPACITY,
                            out_factor * fmax(total_bytes / (double)g->nb / NW_TARGET,
                                              max_out / SIZED_MAX_UTIL));
    /* Utilisation targets (means over the existing brokers) override the sizing. */
    double nb = (double)g->nb;
    if (o->disk_util > 0 && o->disk_capacity <= 0)
        disk = total_bytes * o->rf / nb / o->disk_util;
    if (o->nw_in_util > 0 && o->nw_in_capacity <= 0)
        in = o->total_nw_in * o->rf / nb / o->nw_in_util;
    if (o->nw_out_util > 0 && o->nw_out_capacity <= 0)
        out = o->total_nw_in * o->consumer_fanout / nb / o->nw_out_util;
    double cpu = o->cpu_capacity > 0 ? o->cpu_capacity : 100;
    /* CPU: leader k * (0.7 in + 0.15 consumer out), follower k * 0.15 in. A broker leading 1/rf
     * of its replicas spends k * (in / rf * (0.7 + 0.15 fanout) + in (rf-1)/rf * 0.15); k makes
     * that its whole CPU capacity when its bytes in equal its network-in capacity. */
    double per_in = (CPU_W_LEADER_IN + CPU_W_OUT * o->consumer_fanout) / o->rf +
                    CPU_W_FOLLOWER_IN * (o->rf - 1) / o->rf;
    double k = cpu / (in * per_in);
    if (o->cpu_util > 0 && o->total_nw_in > 0)
        k = o->cpu_util * cpu * nb /
            (o->total_nw_in * (CPU_W_LEADER_IN + CPU_W_OUT * o->consumer_fanout +
                               CPU_W_FOLLOWER_IN * (o->rf - 1)));
    for (int32_t p = 0; p < c->npartitions; p++) {
        struct model_partition *part = &c->partitions[p];
        part->cpu_leader = k * (CPU_W_LEADER_IN * part->nw_in + CPU_W_OUT * part->nw_out);
        part->cpu_follower = k * CPU_W_FOLLOWER_IN * part->nw_in;
    }
    for (int32_t b = 0; b < c->nbrokers; b++) {
        struct model_broker *br = &c->brokers[b];
        br->capacity[RES_DISK] = disk;
        br->capacity[RES_NW_IN] = in;
        br->capacity[RES_NW_OUT] = out;
        br->capacity[RES_CPU] = cpu;
        br->capacity_set = (1u << RES_COUNT) - 1;
        br->num_cores = 8;
    }
}

/* The last dead_brokers existing brokers die: their replicas leave the ISR and a partition
 * they led is led by its first live replica (none: offline, leader -1). */
static void kill_brokers(struct gen *g)
{
    struct model_cluster *c = g->c;
    double *lb = g->leader_bytes;
    int32_t first_dead = g->nb - g->o->dead_brokers;
    for (int32_t b = first_dead; b < g->nb; b++)
        c->brokers[b].flags |= BROKER_DEAD;
    if (g->o->dead_brokers == 0)
        return;
    for (int32_t p = 0; p < c->npartitions; p++) {
        struct model_partition *part = &c->partitions[p];
        const struct model_replica *rep = model_replicas_of(c, p);
        for (int j = 0; j < part->rf; j++)
            if (rep[j].broker >= first_dead && rep[j].broker < g->nb)
                part->isr &= ~(1u << j);
        if (part->leader < 0 || part->isr & (1u << part->leader))
            continue;
        lb[rep[part->leader].broker] -= (double)rep[0].size;
        part->leader = -1;
        for (int j = 0; j < part->rf && part->leader < 0; j++)
            if (part->isr & (1u << j))
                part->leader = (int16_t)j;
        if (part->leader >= 0)
            lb[rep[part->leader].broker] += (double)rep[0].size;
    }
}

int model_generate(const struct model_generate_opts *o, struct model_cluster **ret_cluster,
                   struct error *err)
{
    int rc = validate(o, err);
    if (rc < 0)
        return rc;
    struct model_cluster *c = model_cluster_create("generated");
    add_topology(o, c);
    struct gen g;
    gen_init(&g, o, c);
    double total_bytes = 0;
    rc = add_partitions(&g, &total_bytes, err);
    if (rc < 0)
        goto fail_place;
    kill_brokers(&g);
    add_load(&g, total_bytes);
    rc = model_cluster_finalize(c, err);
    if (rc < 0)
        goto fail_place;
    gen_finish(&g);
    *ret_cluster = c;
    return 0;
fail_place:
    gen_finish(&g);
    model_cluster_destroy(c);
    return rc;
}
