/* The cluster model: building, lookups, loads, topology checks, statistics, placement
 * mutations. See cluster.h for the layout and its invariants. */
#include "model/cluster.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/map.h"

const char *const model_res_names[RES_COUNT] = {"cpu", "networkInbound", "networkOutbound",
                                                "disk"};

const char *model_res_format(char *buf, size_t size, enum model_res r, double v)
{
    if (r == RES_DISK)
        snprintf(buf, size, "%.1f GB", v / 1e9);
    else if (r == RES_CPU)
        snprintf(buf, size, "%.1f%%", v);
    else
        snprintf(buf, size, "%.1f MB/s", v / 1e6);
    return buf;
}

/* ---- building ---- */

struct model_cluster *model_cluster_create(const char *name)
{
    struct model_cluster *c = xcalloc(1, sizeof(*c));
    c->name = xstrdup(name ? name : "cluster");
    return c;
}

void model_cluster_destroy(struct model_cluster *c)
{
    if (!c)
        return;
    for (int32_t i = 0; i < c->nzones; i++)
        free(c->zones[i].name);
    for (int32_t i = 0; i < c->nracks; i++)
        free(c->racks[i].name);
    for (int32_t i = 0; i < c->nbrokers; i++)
        free(c->brokers[i].host);
    for (int32_t i = 0; i < c->ndisks; i++)
        free(c->disks[i].path);
    for (int32_t i = 0; i < c->ntopics; i++)
        free(c->topics[i].name);
    for (int32_t i = 0; i < c->nbroker_sets; i++)
        free(c->broker_sets[i]);
    free(c->broker_sets);
    free(c->zones);
    free(c->racks);
    free(c->brokers);
    free(c->disks);
    free(c->topics);
    free(c->partitions);
    free(c->replicas);
    map_finish(&c->broker_index);
    map_finish(&c->topic_index);
    free(c->name);
    free(c);
}

static void *dup_array(const void *src, size_t n, size_t elem)
{
    size_t total = n * elem;
    void *p = xmalloc(total ? total : 1);
    if (n)
        memcpy(p, src, n * elem);
    return p;
}

struct model_cluster *model_cluster_clone(const struct model_cluster *c)
{
    struct model_cluster *d = xcalloc(1, sizeof(*d));
    *d = *c;
    d->name = xstrdup(c->name);
    d->zones = dup_array(c->zones, (size_t)c->nzones, sizeof(*c->zones));
    d->racks = dup_array(c->racks, (size_t)c->nracks, sizeof(*c->racks));
    d->brokers = dup_array(c->brokers, (size_t)c->nbrokers, sizeof(*c->brokers));
    d->disks = dup_array(c->disks, (size_t)c->ndisks, sizeof(*c->disks));
    d->topics = dup_array(c->topics, (size_t)c->ntopics, sizeof(*c->topics));
    d->partitions = dup_array(c->partitions, (size_t)c->npartitions, sizeof(*c->partitions));
    d->replicas = dup_array(c->replicas, (size_t)c->nreplicas, sizeof(*c->replicas));
    d->cap_zones = (size_t)c->nzones;
    d->cap_racks = (size_t)c->nracks;
    d->cap_brokers = (size_t)c->nbrokers;
    d->cap_disks = (size_t)c->ndisks;
    d->cap_topics = (size_t)c->ntopics;
    d->cap_partitions = (size_t)c->npartitions;
    d->cap_replicas = (size_t)c->nreplicas;
    for (int32_t i = 0; i < d->nzones; i++)
        d->zones[i].name = xstrdup(c->zones[i].name);
    for (int32_t i = 0; i < d->nracks; i++)
        d->racks[i].name = xstrdup(c->racks[i].name);
    for (int32_t i = 0; i < d->nbrokers; i++)
        d->brokers[i].host = c->brokers[i].host ? xstrdup(c->brokers[i].host) : NULL;
    for (int32_t i = 0; i < d->ndisks; i++)
        d->disks[i].path = xstrdup(c->disks[i].path);
    for (int32_t i = 0; i < d->ntopics; i++)
        d->topics[i].name = xstrdup(c->topics[i].name);
    d->broker_sets = dup_array(c->broker_sets, (size_t)c->nbroker_sets, sizeof(char *));
    for (int32_t i = 0; i < d->nbroker_sets; i++)
        d->broker_sets[i] = xstrdup(c->broker_sets[i]);
    map_copy(&d->broker_index, &c->broker_index);
    map_copy(&d->topic_index, &c->topic_index);
    return d;
}

int32_t model_zone_add(struct model_cluster *c, const char *name)
{
    int32_t z = model_zone_find(c, name);
    if (z >= 0)
        return z;
    xgrow((void **)&c->zones, &c->cap_zones, (size_t)c->nzones + 1, sizeof(*c->zones));
    c->zones[c->nzones].name = xstrdup(name);
    return c->nzones++;
}

int32_t model_rack_add(struct model_cluster *c, const char *name, int32_t zone)
{
    assert(zone >= 0 && zone < c->nzones);
    int32_t r = model_rack_find(c, name);
    if (r >= 0) {
        c->racks[r].zone = zone;
        return r;
    }
    xgrow((void **)&c->racks, &c->cap_racks, (size_t)c->nracks + 1, sizeof(*c->racks));
    c->racks[c->nracks].name = xstrdup(name);
    c->racks[c->nracks].zone = zone;
    return c->nracks++;
}

int model_broker_add(struct model_cluster *c, int32_t id, int32_t rack, const char *host,
                     int32_t *ret_index)
{
    assert(!c->finalized);
    assert(rack >= 0 && rack < c->nracks);
    if (model_broker_find(c, id) >= 0)
        return -EEXIST;
    xgrow((void **)&c->brokers, &c->cap_brokers, (size_t)c->nbrokers + 1, sizeof(*c->brokers));
    struct model_broker *b = &c->brokers[c->nbrokers];
    memset(b, 0, sizeof(*b));
    b->id = id;
    b->rack = rack;
    b->host = host ? xstrdup(host) : NULL;
    b->first_disk = -1;
    b->broker_set = -1;
    int32_t index = c->nbrokers++;
    map_put(&c->broker_index, map_hash_int(id), index);
    if (ret_index)
        *ret_index = index;
    return 0;
}

int32_t model_broker_set_add(struct model_cluster *c, const char *name)
{
    for (int32_t i = 0; i < c->nbroker_sets; i++)
        if (strcmp(c->broker_sets[i], name) == 0)
            return i;
    c->broker_sets = xrealloc(c->broker_sets, (size_t)(c->nbroker_sets + 1) * sizeof(char *));
    c->broker_sets[c->nbroker_sets] = xstrdup(name);
    return c->nbroker_sets++;
}

int16_t model_disk_add(struct model_cluster *c, int32_t broker, const char *path, double capacity)
{
    assert(!c->finalized);
    assert(broker >= 0 && broker < c->nbrokers);
    assert(c->brokers[broker].ndisks < INT16_MAX);
    xgrow((void **)&c->disks, &c->cap_disks, (size_t)c->ndisks + 1, sizeof(*c->disks));
    struct model_disk *d = &c->disks[c->ndisks++];
    memset(d, 0, sizeof(*d));
    d->path = xstrdup(path);
    d->broker = broker;
    d->offline = false;
    d->capacity = capacity;
    return (int16_t)c->brokers[broker].ndisks++;
}

int model_topic_add(struct model_cluster *c, const char *name, int32_t *ret_index)
{
    assert(!c->finalized);
    if (model_topic_find(c, name) >= 0)
        return -EEXIST;
    xgrow((void **)&c->topics, &c->cap_topics, (size_t)c->ntopics + 1, sizeof(*c->topics));
    struct model_topic *t = &c->topics[c->ntopics];
    t->name = xstrdup(name);
    t->flags = 0;
    t->first_partition = c->npartitions;
    t->npartitions = 0;
    int32_t index = c->ntopics++;
    map_put(&c->topic_index, map_hash_str(name), index);
    if (ret_index)
        *ret_index = index;
    return 0;
}

int model_partition_add(struct model_cluster *c, int32_t topic, int32_t id, int rf,
                        const int32_t *brokers, const int16_t *dirs, const int64_t *sizes,
                        int leader_slot, struct error *err, int32_t *ret_index)
{
    assert(!c->finalized);
    assert(topic >= 0 && topic < c->ntopics);
    struct model_topic *t = &c->topics[topic];
    if (rf < 1 || rf > MODEL_MAX_RF)
        return error_set(err, -EINVAL, "replication factor %d out of range 1..%d", rf,
                         MODEL_MAX_RF);
    if (leader_slot < -1 || leader_slot >= rf)
        return error_set(err, -EINVAL, "leader slot %d out of range", leader_slot);
    if (t->npartitions > 0 && t->first_partition + t->npartitions != c->npartitions)
        return error_set(err, -EINVAL,
                         "partitions of topic '%s' must be added consecutively", t->name);
    /* Ids usually arrive ascending: only an id at or below the largest seen can repeat. */
    for (int32_t q = t->first_partition;
         t->npartitions > 0 && id <= t->max_partition_id && q < t->first_partition + t->npartitions; q++)
        if (c->partitions[q].id == id)
            return error_set(err, -EINVAL, "topic '%s' has partition %d twice", t->name, id);
    for (int i = 0; i < rf; i++) {
        if (brokers[i] < 0 || brokers[i] >= c->nbrokers)
            return error_set(err, -EINVAL, "replica %d: broker index %d out of range", i,
                             brokers[i]);
        for (int j = 0; j < i; j++)
            if (brokers[j] == brokers[i])
                return error_set(err, -EINVAL, "broker %d holds two replicas",
                                 c->brokers[brokers[i]].id);
        if (sizes && sizes[i] < 0)
            return error_set(err, -EINVAL, "replica %d: negative size %lld", i,
                             (long long)sizes[i]);
    }
    if (t->npartitions == 0)
        t->first_partition = c->npartitions;
    xgrow((void **)&c->partitions, &c->cap_partitions, (size_t)c->npartitions + 1,
          sizeof(*c->partitions));
    xgrow((void **)&c->replicas, &c->cap_replicas, (size_t)c->nreplicas + (size_t)rf,
          sizeof(*c->replicas));
    struct model_partition *p = &c->partitions[c->npartitions];
    memset(p, 0, sizeof(*p));
    p->topic = topic;
    p->id = id;
    p->first_replica = c->nreplicas;
    p->rf = (int16_t)rf;
    p->leader = (int16_t)leader_slot;
    p->isr = rf == 32 ? 0xffffffffu : (1u << rf) - 1;
    for (int i = 0; i < rf; i++) {
        struct model_replica *r = &c->replicas[c->nreplicas++];
        r->broker = brokers[i];
        r->dir = dirs ? dirs[i] : -1;
        r->flags = 0;
        r->size = sizes ? sizes[i] : 0;
    }
    if (t->npartitions == 0 || id > t->max_partition_id)
        t->max_partition_id = id;
    t->npartitions++;
    if (ret_index)
        *ret_index = c->npartitions;
    c->npartitions++;
    return 0;
}

int model_cluster_finalize(struct model_cluster *c, struct error *err)
{
    assert(!c->finalized);
    /* Stable counting sort of log dirs by broker, so each broker's dirs are contiguous and
     * keep the order they were added in (their broker-local index). */
    int32_t *start = xcalloc((size_t)c->nbrokers + 1, sizeof(int32_t));
    for (int32_t d = 0; d < c->ndisks; d++)
        start[c->disks[d].broker + 1]++;
    for (int32_t b = 0; b < c->nbrokers; b++)
        start[b + 1] += start[b];
    struct model_disk *sorted = xmalloc((size_t)(c->ndisks ? c->ndisks : 1) * sizeof(*sorted));
    int32_t *fill = xcalloc((size_t)c->nbrokers + 1, sizeof(int32_t));
    for (int32_t d = 0; d < c->ndisks; d++) {
        int32_t b = c->disks[d].broker;
        sorted[start[b] + fill[b]++] = c->disks[d];
    }
    free(c->disks);
    c->disks = sorted;
    c->cap_disks = (size_t)c->ndisks;
    for (int32_t b = 0; b < c->nbrokers; b++) {
        c->brokers[b].first_disk = start[b];
        assert(c->brokers[b].ndisks == start[b + 1] - start[b]);
    }
    free(start);
    free(fill);

    int rc = 0;
    for (int32_t r = 0; r < c->nracks; r++)
        if (c->racks[r].zone < 0 || c->racks[r].zone >= c->nzones) {
            rc = error_set(err, -EINVAL, "rack '%s' has no zone", c->racks[r].name);
            goto done;
        }
    for (int32_t p = 0; p < c->npartitions; p++) {
        const struct model_partition *part = &c->partitions[p];
        const struct model_replica *rep = model_replicas_of(c, p);
        for (int i = 0; i < part->rf; i++) {
            const struct model_broker *b = &c->brokers[rep[i].broker];
            if (rep[i].dir >= b->ndisks || rep[i].dir < -1) {
                rc = error_set(err, -EINVAL,
                               "topic '%s' partition %d: replica on broker %d names log dir "
                               "%d, but the broker has %d",
                               c->topics[part->topic].name, part->id, b->id, rep[i].dir,
                               b->ndisks);
                goto done;
            }
        }
    }
    for (int32_t b = 0; b < c->nbrokers; b++)
        for (int32_t d = 0; d < c->brokers[b].ndisks; d++)
            if (c->disks[c->brokers[b].first_disk + d].offline)
                c->brokers[b].flags |= BROKER_BAD_DISKS;
    c->finalized = true;
    model_topology_refresh(c);
done:
    return rc;
}

/* ---- capacities ---- */

int model_capacities_apply(struct model_cluster *c, const struct model_capacity_table *t,
                           struct error *err)
{
    /* broker id -> the last table entry for it: one pass over each, not brokers x entries */
    struct map by_id;
    map_init(&by_id);
    for (int32_t i = 0; t && i < t->n; i++)
        map_put(&by_id, map_hash_int(t->broker_ids[i]), i);
    int rc = 0;
    for (int32_t b = 0; b < c->nbrokers && rc == 0; b++) {
        struct model_broker *br = &c->brokers[b];
        const struct model_capacity *over = NULL;
        int32_t last = -1;
        struct map_iter it;
        for (int32_t i = map_first(&by_id, map_hash_int(br->id), &it); i >= 0;
             i = map_next(&by_id, &it))
            if (t->broker_ids[i] == br->id && i > last)
                last = i;
        if (last >= 0)
            over = &t->per_broker[last];
        for (int r = 0; r < RES_COUNT; r++) {
            if (over && over->set[r]) {
                br->capacity[r] = over->v[r];
                br->capacity_set |= (uint8_t)(1u << r);
            } else if (!(br->capacity_set & (1u << r)) && t && t->dflt.set[r]) {
                br->capacity[r] = t->dflt.v[r];
                br->capacity_set |= (uint8_t)(1u << r);
            }
            if (!(br->capacity_set & (1u << r))) {
                rc = error_set(err, -EINVAL,
                               "broker %d has no %s capacity and there is no default", br->id,
                               model_res_names[r]);
                break;
            }
            if (!(br->capacity[r] > 0) || !isfinite(br->capacity[r])) {
                rc = error_set(err, -EINVAL, "broker %d: %s capacity must be positive", br->id,
                               model_res_names[r]);
                break;
            }
        }
        if (over && over->num_cores > 0)
            br->num_cores = over->num_cores;
        else if (br->num_cores <= 0 && t && t->dflt.num_cores > 0)
            br->num_cores = t->dflt.num_cores;
        if (br->num_cores <= 0)
            br->num_cores = 1;
    }
    map_finish(&by_id);
    return rc;
}

void model_capacity_table_finish(struct model_capacity_table *t)
{
    if (!t)
        return;
    free(t->broker_ids);
    free(t->per_broker);
    t->broker_ids = NULL;
    t->per_broker = NULL;
    t->n = 0;
}

/* ---- lookups ---- */

int32_t model_broker_find(const struct model_cluster *c, int32_t id)
{
    struct map_iter it;
    for (int32_t b = map_first(&c->broker_index, map_hash_int(id), &it); b >= 0;
         b = map_next(&c->broker_index, &it))
        if (c->brokers[b].id == id)
            return b;
    return -1;
}

int32_t model_topic_find(const struct model_cluster *c, const char *name)
{
    struct map_iter it;
    for (int32_t t = map_first(&c->topic_index, map_hash_str(name), &it); t >= 0;
         t = map_next(&c->topic_index, &it))
        if (strcmp(c->topics[t].name, name) == 0)
            return t;
    return -1;
}

int32_t model_partition_find(const struct model_cluster *c, const char *name, int32_t id)
{
    int32_t t = model_topic_find(c, name);
    if (t < 0 || id < 0)
        return -1;
    const struct model_topic *tp = &c->topics[t];
    if (id < tp->npartitions && c->partitions[tp->first_partition + id].id == id)
        return tp->first_partition + id;
    for (int32_t p = tp->first_partition; p < tp->first_partition + tp->npartitions; p++)
        if (c->partitions[p].id == id)
            return p;
    return -1;
}

int32_t model_rack_find(const struct model_cluster *c, const char *name)
{
    for (int32_t r = 0; r < c->nracks; r++)
        if (strcmp(c->racks[r].name, name) == 0)
            return r;
    return -1;
}

int32_t model_zone_find(const struct model_cluster *c, const char *name)
{
    for (int32_t z = 0; z < c->nzones; z++)
        if (strcmp(c->zones[z].name, name) == 0)
            return z;
    return -1;
}

int32_t model_partition_leader(const struct model_cluster *c, int32_t p)
{
    const struct model_partition *part = &c->partitions[p];
    if (part->leader < 0)
        return -1;
    return model_replicas_of(c, p)[part->leader].broker;
}

int model_partition_slot(const struct model_cluster *c, int32_t p, int32_t b)
{
    const struct model_replica *rep = model_replicas_of(c, p);
    for (int i = 0; i < c->partitions[p].rf; i++)
        if (rep[i].broker == b)
            return i;
    return -1;
}

/* ---- load ---- */

void model_replica_load(const struct model_cluster *c, int32_t p, int slot, bool as_leader,
                        double out[RES_COUNT])
{
    const struct model_partition *part = &c->partitions[p];
    const struct model_replica *r = &model_replicas_of(c, p)[slot];
    out[RES_DISK] = (double)r->size;
    out[RES_NW_IN] = part->nw_in;
    if (as_leader) {
        out[RES_CPU] = part->cpu_leader;
        out[RES_NW_OUT] = model_lead_nw_out(c, part);
    } else {
        out[RES_CPU] = part->cpu_follower;
        out[RES_NW_OUT] = 0;
    }
}

void model_compute_loads(const struct model_cluster *c, struct model_broker_load *bl,
                         double *disk_used)
{
    memset(bl, 0, (size_t)c->nbrokers * sizeof(*bl));
    if (disk_used)
        memset(disk_used, 0, (size_t)c->ndisks * sizeof(*disk_used));
    for (int32_t p = 0; p < c->npartitions; p++) {
        const struct model_partition *part = &c->partitions[p];
        const struct model_replica *rep = model_replicas_of(c, p);
        double lead_out = model_lead_nw_out(c, part);
        for (int i = 0; i < part->rf; i++) {
            struct model_broker_load *l = &bl[rep[i].broker];
            bool leader = i == part->leader;
            l->load[RES_DISK] += (double)rep[i].size;
            l->load[RES_NW_IN] += part->nw_in;
            l->load[RES_CPU] += leader ? part->cpu_leader : part->cpu_follower;
            l->load[RES_NW_OUT] += leader ? lead_out : 0;
            l->pnw_out += lead_out;
            l->replicas++;
            if (leader) {
                l->leaders++;
                l->leader_nw_in += part->nw_in;
                l->repl_out += part->nw_in * (part->rf - 1);
            }
            if (disk_used && rep[i].dir >= 0)
                disk_used[c->brokers[rep[i].broker].first_disk + rep[i].dir] +=
                    (double)rep[i].size;
        }
    }
}

double model_disk_capacity(const struct model_cluster *c, int32_t disk)
{
    const struct model_disk *d = &c->disks[disk];
    if (d->capacity > 0)
        return d->capacity;
    const struct model_broker *b = &c->brokers[d->broker];
    return b->ndisks ? b->capacity[RES_DISK] / b->ndisks : 0;
}

/* ---- topology ---- */

void model_topology_refresh(struct model_cluster *c)
{
    bool *zone_seen = xcalloc((size_t)c->nzones + 1, sizeof(bool));
    bool *rack_seen = xcalloc((size_t)c->nracks + 1, sizeof(bool));
    c->usable_zones = 0;
    c->usable_racks = 0;
    for (int32_t b = 0; b < c->nbrokers; b++) {
        if (!model_broker_usable(c, b))
            continue;
        int32_t r = c->brokers[b].rack, z = c->racks[r].zone;
        if (!rack_seen[r]) {
            rack_seen[r] = true;
            c->usable_racks++;
        }
        if (!zone_seen[z]) {
            zone_seen[z] = true;
            c->usable_zones++;
        }
    }
    free(zone_seen);
    free(rack_seen);
}

/* Moves needed to bring per-group counts (ids[i] = group of replica i) into the band
 * [floor(rf/groups), ceil(rf/groups)]: max(sum of excess over ceil, sum of shortfall under
 * floor over groups that exist). A replica that moves from a group above ceil to one below
 * floor fixes both at once, hence the max. */
static int spread_moves(const int32_t *ids, int rf, int32_t groups)
{
    if (groups <= 0)
        return 0;
    int hi = (rf + groups - 1) / groups, lo = rf / groups;
    int32_t seen[MODEL_MAX_RF];
    int count[MODEL_MAX_RF];
    int n = 0;
    for (int i = 0; i < rf; i++) {
        int j = 0;
        while (j < n && seen[j] != ids[i])
            j++;
        if (j == n) {
            seen[n] = ids[i];
            count[n++] = 0;
        }
        count[j]++;
    }
    int excess = 0, shortfall = 0;
    for (int j = 0; j < n; j++) {
        if (count[j] > hi)
            excess += count[j] - hi;
        if (count[j] < lo)
            shortfall += lo - count[j];
    }
    /* Groups holding no replica at all fall short by lo each. */
    if (groups > n)
        shortfall += lo * (groups - n);
    return excess > shortfall ? excess : shortfall;
}

int model_partition_rack_deficit(const struct model_cluster *c, int32_t p)
{
    return model_partition_rack_deficit_if(c, p, -1, -1);
}

int model_partition_rack_deficit_if(const struct model_cluster *c, int32_t p, int slot, int32_t b)
{
    /* Fast path: a move within one rack changes nothing. */
    if (slot >= 0 && c->brokers[model_replicas_of(c, p)[slot].broker].rack == c->brokers[b].rack)
        slot = -1;
    const struct model_partition *part = &c->partitions[p];
    const struct model_replica *rep = model_replicas_of(c, p);
    int32_t zones[MODEL_MAX_RF], racks[MODEL_MAX_RF];
    for (int i = 0; i < part->rf; i++) {
        racks[i] = c->brokers[i == slot ? b : rep[i].broker].rack;
        zones[i] = c->racks[racks[i]].zone;
    }
    int zm = spread_moves(zones, part->rf, c->usable_zones);
    int rm = spread_moves(racks, part->rf, c->usable_racks);
    return zm > rm ? zm : rm;
}

/* ---- statistics ---- */

struct accum {
    double sum, sumsq, max, min;
    int64_t n;
};

static void acc_init(struct accum *a)
{
    a->sum = a->sumsq = 0;
    a->max = -INFINITY;
    a->min = INFINITY;
    a->n = 0;
}

static void acc_add(struct accum *a, double v)
{
    a->sum += v;
    a->sumsq += v * v;
    if (v > a->max)
        a->max = v;
    if (v < a->min)
        a->min = v;
    a->n++;
}

static struct model_summary_stat acc_done(const struct accum *a)
{
    struct model_summary_stat s = {0, 0, 0, 0};
    if (a->n == 0)
        return s;
    s.avg = a->sum / (double)a->n;
    double var = a->sumsq / (double)a->n - s.avg * s.avg;
    s.std = var > 0 ? sqrt(var) : 0;
    s.max = a->max;
    s.min = a->min;
    return s;
}

void model_stats_compute(const struct model_cluster *c, struct model_stats *out)
{
    model_stats_compute_deficit(c, NULL, out);
}

/* zone_max_mean and zones of out (model_stats). */
static void zone_balance(const struct model_cluster *c, const struct model_broker_load *bl,
                         struct model_stats *out)
{
    size_t nz = (size_t)(c->nzones ? c->nzones : 1);
    double *load = xmalloc(nz * RES_COUNT * sizeof(double));
    double *cap = xmalloc(nz * RES_COUNT * sizeof(double));
    bool *used = xcalloc(nz, sizeof(bool));
    for (size_t i = 0; i < nz * RES_COUNT; i++)
        load[i] = cap[i] = 0;
    for (int32_t b = 0; b < c->nbrokers; b++) {
        if (!model_broker_usable(c, b))
            continue;
        int32_t z = model_broker_zone(c, b);
        used[z] = true;
        for (int r = 0; r < RES_COUNT; r++) {
            load[z * RES_COUNT + r] += bl[b].load[r];
            cap[z * RES_COUNT + r] += c->brokers[b].capacity[r];
        }
    }
    out->zones = 0;
    for (size_t z = 0; z < nz; z++)
        out->zones += used[z];
    for (int r = 0; r < RES_COUNT; r++)
        out->zone_max_mean[r] = 1;
    for (int32_t b = 0; b < c->nbrokers; b++) {
        if (!model_broker_usable(c, b))
            continue;
        int32_t z = model_broker_zone(c, b);
        for (int r = 0; r < RES_COUNT; r++) {
            double zl = load[z * RES_COUNT + r], zc = cap[z * RES_COUNT + r];
            double bc = c->brokers[b].capacity[r];
            if (zl > 0 && zc > 0 && bc > 0 && bl[b].load[r] / bc / (zl / zc) > out->zone_max_mean[r])
                out->zone_max_mean[r] = bl[b].load[r] / bc / (zl / zc);
        }
    }
    free(load);
    free(cap);
    free(used);
}

void model_stats_compute_deficit(const struct model_cluster *c, const int8_t *deficit,
                                 struct model_stats *out)
{
    memset(out, 0, sizeof(*out));
    struct model_broker_load *bl = xmalloc((size_t)(c->nbrokers ? c->nbrokers : 1) * sizeof(*bl));
    model_compute_loads(c, bl, NULL);
    struct accum res[RES_COUNT], util[RES_COUNT], pnw, rc, lc;
    for (int r = 0; r < RES_COUNT; r++) {
        acc_init(&res[r]);
        acc_init(&util[r]);
    }
    acc_init(&pnw);
    acc_init(&rc);
    acc_init(&lc);
    int32_t usable = 0;
    for (int32_t b = 0; b < c->nbrokers; b++) {
        if (c->brokers[b].flags & BROKER_REMOVE)
            out->replicas_on_removed += bl[b].replicas;
        if (!model_broker_usable(c, b))
            continue;
        usable++;
        for (int r = 0; r < RES_COUNT; r++) {
            acc_add(&res[r], bl[b].load[r]);
            double cap = c->brokers[b].capacity[r];
            acc_add(&util[r], cap > 0 ? bl[b].load[r] / cap : 0);
        }
        acc_add(&pnw, bl[b].pnw_out);
        acc_add(&rc, bl[b].replicas);
        acc_add(&lc, bl[b].leaders);
    }
    out->brokers = usable;
    for (int r = 0; r < RES_COUNT; r++) {
        out->res[r] = acc_done(&res[r]);
        out->util[r] = acc_done(&util[r]);
    }
    zone_balance(c, bl, out);
    out->pnw_out = acc_done(&pnw);
    out->replica_count = acc_done(&rc);
    out->leader_count = acc_done(&lc);
    out->replicas = c->nreplicas;
    out->topics = c->ntopics;
    out->partitions = c->npartitions;

    /* Per-topic replica counts over usable brokers, summarised per topic then averaged. */
    int32_t *cnt = xcalloc((size_t)(c->nbrokers ? c->nbrokers : 1), sizeof(int32_t));
    struct accum tavg, tmax, tmin, tstd;
    acc_init(&tavg);
    acc_init(&tmax);
    acc_init(&tmin);
    acc_init(&tstd);
    for (int32_t t = 0; t < c->ntopics; t++) {
        const struct model_topic *top = &c->topics[t];
        for (int32_t p = top->first_partition; p < top->first_partition + top->npartitions; p++) {
            const struct model_replica *rep = model_replicas_of(c, p);
            for (int i = 0; i < c->partitions[p].rf; i++)
                cnt[rep[i].broker]++;
        }
        struct accum a;
        acc_init(&a);
        for (int32_t b = 0; b < c->nbrokers; b++) {
            if (model_broker_usable(c, b))
                acc_add(&a, cnt[b]);
            cnt[b] = 0;
        }
        struct model_summary_stat s = acc_done(&a);
        acc_add(&tavg, s.avg);
        acc_add(&tmax, s.max);
        acc_add(&tmin, s.min);
        acc_add(&tstd, s.std);
    }
    free(cnt);
    if (c->ntopics) {
        out->topic_replicas.avg = tavg.sum / (double)tavg.n;
        out->topic_replicas.max = tmax.max;
        out->topic_replicas.min = tmin.min;
        out->topic_replicas.std = tstd.sum / (double)tstd.n;
    }

    for (int32_t p = 0; p < c->npartitions; p++) {
        const struct model_partition *part = &c->partitions[p];
        const struct model_replica *rep = model_replicas_of(c, p);
        if ((deficit ? deficit[p] : model_partition_rack_deficit(c, p)) > 0)
            out->rack_violations++;
        if (part->leader < 0)
            out->partitions_without_leader++;
        for (int i = 0; i < part->rf; i++) {
            const struct model_broker *b = &c->brokers[rep[i].broker];
            if ((b->flags & BROKER_DEAD) ||
                (rep[i].dir >= 0 && c->disks[b->first_disk + rep[i].dir].offline))
                out->offline_replicas++;
        }
    }
    free(bl);
}

/* ---- mutation ---- */

void model_replica_move(struct model_cluster *c, int32_t p, int slot, int32_t b, int16_t dir)
{
    assert(p >= 0 && p < c->npartitions);
    assert(slot >= 0 && slot < c->partitions[p].rf);
    assert(b >= 0 && b < c->nbrokers);
    assert(model_partition_slot(c, p, b) < 0 || model_partition_slot(c, p, b) == slot);
    assert(dir >= -1 && dir < c->brokers[b].ndisks);
    struct model_replica *r = &model_replicas_of(c, p)[slot];
    r->broker = b;
    r->dir = dir;
}

void model_leader_set(struct model_cluster *c, int32_t p, int slot)
{
    assert(slot >= -1 && slot < c->partitions[p].rf);
    c->partitions[p].leader = (int16_t)slot;
}

void model_slots_swap(struct model_cluster *c, int32_t p, int a, int b)
{
    struct model_partition *part = &c->partitions[p];
    assert(a >= 0 && a < part->rf && b >= 0 && b < part->rf);
    struct model_replica *rep = model_replicas_of(c, p);
    struct model_replica tmp = rep[a];
    rep[a] = rep[b];
    rep[b] = tmp;
    uint32_t ba = (part->isr >> a) & 1u, bb = (part->isr >> b) & 1u;
    part->isr &= ~((1u << a) | (1u << b));
    part->isr |= (ba << b) | (bb << a);
    if (part->leader == a)
        part->leader = (int16_t)b;
    else if (part->leader == b)
        part->leader = (int16_t)a;
}
