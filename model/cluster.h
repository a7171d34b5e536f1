/* The cluster model: zone > rack > broker > log dir > replica, topics and partitions, with
 * load and capacities. It is the only thing the planner sees, so a live cluster, a JSON
 * snapshot and a generated benchmark cluster all end up here.
 *
 * Layout (compact: a 1M-replica cluster must fit well under 1 GiB):
 * - every entity lives in one array owned by the cluster and is named by its index
 *   (int32_t); Kafka ids and names are attributes, looked up with model_*_find();
 * - the replicas of a partition are contiguous in `replicas`, in Kafka's order (slot 0 is the
 *   preferred leader); `leader` is a slot index or -1 for no leader;
 * - the partitions of a topic are contiguous in `partitions`; the disks (log dirs) of a broker
 *   are contiguous in `disks` once the cluster is finalized, and a replica names its log dir by
 *   the broker-local index `dir` (-1 when unknown).
 *
 * Units: disk in bytes, network in bytes per second, CPU in percent of one broker whose CPU
 * capacity is 100 (Cruise Control's convention). Output code converts to MB and KB/s.
 *
 * Building: create, add zones/racks/brokers/disks/topics/partitions, then
 * model_cluster_finalize(), which sorts disks per broker, builds the lookup tables and checks
 * the invariants. After finalize the set of entities is fixed; only placement (a replica's
 * broker and dir, a partition's leader and replica order) and flags may change.
 *
 * Ownership: the cluster owns every string it holds (the add functions copy their arguments).
 * No function here does I/O or logs. */
#ifndef MODEL_CLUSTER_H
#define MODEL_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/map.h"

enum model_res {
    RES_CPU = 0,
    RES_NW_IN,
    RES_NW_OUT,
    RES_DISK,
    RES_COUNT,
};

extern const char *const model_res_names[RES_COUNT]; /* "cpu", "networkInbound", ... */
/* An amount of resource r as messages show it, in decimal units: "154.5 MB/s", "140.7 GB",
 * "82.8%" (CPU load is in percent of a broker's CPU capacity of 100). Returns buf. */
const char *model_res_format(char *buf, size_t size, enum model_res r, double v);

enum model_broker_flags {
    BROKER_DEAD = 1u << 0,          /* not alive: its replicas are offline and must move */
    BROKER_NEW = 1u << 1,           /* newly added, empty; destination of add-brokers */
    BROKER_REMOVE = 1u << 2,        /* to be emptied (remove-brokers / decommission) */
    BROKER_EXCL_LEADER = 1u << 3,   /* may not lead (demoted or excluded for leadership) */
    BROKER_EXCL_REPLICA = 1u << 4,  /* may not receive replicas */
    BROKER_BAD_DISKS = 1u << 5,     /* has at least one offline log dir */
};

enum model_topic_flags {
    TOPIC_EXCLUDED = 1u << 0, /* excluded from rebalancing: its replicas move only off dead or
                                 removed brokers */
};

struct model_zone {
    char *name;
};

struct model_rack {
    char *name;
    int32_t zone;
};

struct model_disk {
    char *path;
    int32_t broker;
    bool offline;
    bool removed;    /* planning (remove-disks): takes no replicas and is to be emptied */
    double capacity; /* bytes; 0 = unknown (then the broker's disk capacity is split evenly) */
};

struct model_broker {
    int32_t id; /* Kafka node id */
    int32_t rack;
    uint32_t flags;
    char *host;
    double capacity[RES_COUNT];
    double num_cores;
    int32_t broker_set; /* index into broker_sets (BrokerSetAwareGoal), -1 = none */
    uint8_t capacity_set; /* bit r set: capacity[r] was given (snapshot or table) */
    int32_t first_disk; /* valid after finalize */
    int32_t ndisks;
};

struct model_topic {
    char *name;
    uint32_t flags;
    int32_t first_partition;
    int32_t npartitions;
    int32_t max_partition_id; /* largest id added so far (duplicate check fast path) */
};

struct model_partition {
    int32_t topic;
    int32_t id;            /* Kafka partition number */
    int64_t first_replica; /* index into replicas */
    int16_t rf;
    int16_t leader;        /* slot of the leader in the replica list, -1 = none */
    uint32_t isr;          /* bit per slot: in sync */
    /* Rates of the partition as a whole: bytes/s produced to it (the leader receives them and
     * every follower replicates them), bytes/s consumed from the leader, and CPU percent
     * spent by the leader and by each follower. */
    double nw_in;
    double nw_out;
    double cpu_leader;
    double cpu_follower;
};

struct model_replica {
    int32_t broker; /* broker index */
    int16_t dir;    /* log dir, local index within the broker, -1 = unknown */
    uint16_t flags; /* reserved */
    int64_t size;   /* bytes on disk */
};

#define MODEL_MAX_RF 32

struct model_cluster {
    char *name;
    struct model_zone *zones;
    int32_t nzones;
    struct model_rack *racks;
    int32_t nracks;
    struct model_broker *brokers;
    int32_t nbrokers;
    struct model_disk *disks;
    int32_t ndisks;
    struct model_topic *topics;
    int32_t ntopics;
    struct model_partition *partitions;
    int32_t npartitions;
    struct model_replica *replicas;
    int64_t nreplicas;
    char **broker_sets; /* names of broker sets; brokers name theirs by index */
    int32_t nbroker_sets;
    /* What backed the partitions' rates when a load monitor measured them (snapshot "load"):
     * complete windows behind the rates (0 = only the first rate samples) and the percentage
     * of partitions whose leader had rates. load_measured false = rates from elsewhere. */
    bool load_measured;
    int32_t load_windows;
    double load_monitored_pct;
    /* What RES_NW_OUT (and potential network out) counts. false (the default): consumer bytes
     * only, a leader's nw_out, as Cruise Control's NwOutRate and network-out goals do; the
     * leader's replication bytes out (nw_in per follower) are the separate figure repl_out.
     * true: both. A planning setting (search_thresholds.nw_out_replication), not snapshot data. */
    bool nw_out_replication;

    /* private: capacities of the arrays, lookup tables */
    size_t cap_zones, cap_racks, cap_brokers, cap_disks, cap_topics, cap_partitions, cap_replicas;
    struct map broker_index; /* id -> index in brokers */
    struct map topic_index;  /* name -> index in topics */
    bool finalized;
    /* Zones and racks holding at least one usable broker; recomputed by
     * model_topology_refresh() (finalize calls it; call it again after changing broker flags). */
    int32_t usable_zones;
    int32_t usable_racks;
};

/* ---- building ---- */
struct model_cluster *model_cluster_create(const char *name);
void model_cluster_destroy(struct model_cluster *c); /* accepts NULL and half-built clusters */
/* Deep copy of a finalized cluster. */
struct model_cluster *model_cluster_clone(const struct model_cluster *c);

/* Find-or-add by name; return the index. */
int32_t model_zone_add(struct model_cluster *c, const char *name);
/* Adds a rack in `zone`; if a rack of that name exists its zone is set to `zone`. */
int32_t model_rack_add(struct model_cluster *c, const char *name, int32_t zone);
/* Adds a broker; -EEXIST if the id is taken. Capacities start at 0 (see model_defaults). */
int model_broker_add(struct model_cluster *c, int32_t id, int32_t rack, const char *host,
                     int32_t *ret_index);
/* Find-or-add a broker set by name; returns its index. */
int32_t model_broker_set_add(struct model_cluster *c, const char *name);
/* Adds a log dir to a broker (before finalize). Returns its broker-local index. */
int16_t model_disk_add(struct model_cluster *c, int32_t broker, const char *path, double capacity);
/* Adds a topic; -EEXIST if the name is taken. */
int model_topic_add(struct model_cluster *c, const char *name, int32_t *ret_index);
/* Adds a partition of `topic` with rf replicas on the given broker indices (dirs may be NULL =
 * unknown, sizes may be NULL = 0). Partitions of a topic must be added consecutively.
 * Errors (-EINVAL, message in err): rf out of range, a broker twice, leader slot out of range,
 * topic's partitions not consecutive, duplicate partition id. */
int model_partition_add(struct model_cluster *c, int32_t topic, int32_t id, int rf,
                        const int32_t *brokers, const int16_t *dirs, const int64_t *sizes,
                        int leader_slot, struct error *err, int32_t *ret_index);
/* Sorts log dirs per broker, builds lookups, checks invariants (every replica's dir exists,
 * every rack has a zone). Must be called once, before any query or mutation below. */
int model_cluster_finalize(struct model_cluster *c, struct error *err);

/* ---- capacities (Cruise Control's capacity file, as a table) ----
 * A broker's capacity comes, per resource, from the first of: the table's entry for its id,
 * the broker's own (snapshot) value, the table's default. model_capacities_apply fails with
 * -EINVAL naming the broker and resource when none gives a value for disk, network or CPU. */
struct model_capacity {
    double v[RES_COUNT];
    bool set[RES_COUNT];
    double num_cores; /* 0 = unset */
};

struct model_capacity_table {
    struct model_capacity dflt;    /* set[] false where there is no default */
    int32_t n;
    int32_t *broker_ids;           /* n entries */
    struct model_capacity *per_broker;
};

/* Brokers whose snapshot carried a value have it in brokers[b].capacity with the matching bit
 * of capacity_set (set by whoever built the cluster). */
int model_capacities_apply(struct model_cluster *c, const struct model_capacity_table *t,
                           struct error *err);
void model_capacity_table_finish(struct model_capacity_table *t);

/* ---- lookups ---- */
int32_t model_broker_find(const struct model_cluster *c, int32_t id);   /* -1 if absent */
int32_t model_topic_find(const struct model_cluster *c, const char *name);
/* The partition index of topic `name`'s partition `id`, or -1. O(1) when a topic's partitions
 * are numbered 0..n-1 in order (as snapshots of live clusters are), else a scan of the topic. */
int32_t model_partition_find(const struct model_cluster *c, const char *name, int32_t id);
int32_t model_rack_find(const struct model_cluster *c, const char *name);
int32_t model_zone_find(const struct model_cluster *c, const char *name);
/* Whether id is among ids[0..n): broker id lists are short (a replica list, a plan's target). */
static inline bool model_id_in(const int32_t *ids, int n, int32_t id)
{
    for (int i = 0; i < n; i++)
        if (ids[i] == id)
            return true;
    return false;
}

static inline struct model_replica *model_replicas_of(const struct model_cluster *c, int32_t p)
{
    return &c->replicas[c->partitions[p].first_replica];
}
static inline int32_t model_broker_zone(const struct model_cluster *c, int32_t b)
{
    return c->racks[c->brokers[b].rack].zone;
}
/* Leader broker index of partition p, or -1. */
int32_t model_partition_leader(const struct model_cluster *c, int32_t p);
/* Slot of broker b in partition p's replica list, or -1. */
int model_partition_slot(const struct model_cluster *c, int32_t p, int32_t b);

/* ---- load ---- */
/* Load that the replica in `slot` of partition p puts on its broker, if it were leader
 * (as_leader) or a follower:
 *   leader:   cpu_leader, nw_in, model_lead_nw_out(), size
 *   follower: cpu_follower, nw_in, 0, size */
void model_replica_load(const struct model_cluster *c, int32_t p, int slot, bool as_leader,
                        double out[RES_COUNT]);
/* Network out a leader of partition `part` carries as RES_NW_OUT: its consumer bytes, plus its
 * replication bytes to the followers when c->nw_out_replication. */
static inline double model_lead_nw_out(const struct model_cluster *c,
                                       const struct model_partition *part)
{
    return part->nw_out + (c->nw_out_replication ? part->nw_in * (part->rf - 1) : 0);
}

struct model_broker_load {
    double load[RES_COUNT];
    double pnw_out;      /* potential network out: as if it led all its replicas */
    double repl_out;     /* replication bytes out: nw_in x followers of the partitions it leads */
    double leader_nw_in; /* bytes/s produced to the partitions it leads */
    int32_t replicas;
    int32_t leaders;
};

/* Fills bl[nbrokers] and (if not NULL) disk_used[ndisks] from the current placement. */
void model_compute_loads(const struct model_cluster *c, struct model_broker_load *bl,
                         double *disk_used);
/* Effective disk capacity of a log dir (its own, or the broker's split evenly). */
double model_disk_capacity(const struct model_cluster *c, int32_t disk);

/* ---- topology checks ---- */
/* True when broker b may hold replicas after planning (alive, not to be removed). */
static inline bool model_broker_usable(const struct model_cluster *c, int32_t b)
{
    return !(c->brokers[b].flags & (BROKER_DEAD | BROKER_REMOVE));
}
/* Recomputes usable_zones/usable_racks after broker flags changed. */
void model_topology_refresh(struct model_cluster *c);
/* Number of replica moves partition p needs to be rack aware (DESIGN §4): its replicas on as
 * many distinct zones as the usable brokers allow, zone counts differing by at most one, then
 * on as many distinct racks as possible. 0 = rack aware. */
int model_partition_rack_deficit(const struct model_cluster *c, int32_t p);
/* The same, as if the replica in `slot` were on broker b instead. */
int model_partition_rack_deficit_if(const struct model_cluster *c, int32_t p, int slot, int32_t b);

/* ---- statistics ---- */
struct model_summary_stat {
    double avg, max, min, std;
};

struct model_stats {
    int32_t brokers;     /* brokers counted (usable ones) */
    int64_t replicas;
    int32_t topics;
    int32_t partitions;
    struct model_summary_stat res[RES_COUNT];   /* absolute load per usable broker */
    struct model_summary_stat util[RES_COUNT];  /* load / capacity */
    /* Balance within zones: max over usable brokers of utilisation over its own zone's mean
     * (load over capacity of the zone's usable brokers); where zones are uneven and every
     * partition keeps a replica per zone, the cluster-wide mean is out of reach and this is
     * the figure to judge. 1 with one zone (or no load), like max/mean. */
    double zone_max_mean[RES_COUNT];
    int32_t zones;                              /* zones holding usable brokers */
    struct model_summary_stat pnw_out;
    struct model_summary_stat replica_count;
    struct model_summary_stat leader_count;
    struct model_summary_stat topic_replicas;   /* per topic per broker, averaged over topics */
    int64_t rack_violations;      /* partitions with a rack deficit */
    int64_t offline_replicas;     /* on dead brokers or offline dirs */
    int64_t replicas_on_removed;  /* on brokers flagged BROKER_REMOVE */
    int32_t partitions_without_leader;
};

void model_stats_compute(const struct model_cluster *c, struct model_stats *out);
/* The same, with each partition's rack deficit read from deficit[p] (what
 * model_partition_rack_deficit returns, e.g. kept by the optimizer) instead of recomputed. */
void model_stats_compute_deficit(const struct model_cluster *c, const int8_t *deficit,
                                 struct model_stats *out);

/* ---- mutation (placement only; callers keep their own load caches in step) ---- */
/* Moves the replica in `slot` of p to broker b, log dir `dir` (-1 = let the broker choose).
 * Asserts b does not already hold a replica of p. */
void model_replica_move(struct model_cluster *c, int32_t p, int slot, int32_t b, int16_t dir);
/* Makes `slot` the leader of p. */
void model_leader_set(struct model_cluster *c, int32_t p, int slot);
/* Swaps two slots of p's replica list (order = preference); the leader follows its replica. */
void model_slots_swap(struct model_cluster *c, int32_t p, int a, int b);

#endif
