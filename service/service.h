/* The long-running core of `ballast serve`: live model generations, the proposal cache, the
 * task engine, the one execution, and the state directory. api/ reaches it only through this
 * header; a Cruise Control-compatible front end sits on the same calls (tasks with ids,
 * progress steps, a user_tasks-like listing, wait-then-202).
 *
 * Threads (all started by svc_start, ended by svc_shutdown):
 *   refresher   builds a new model generation every api.refreshIntervalMs (live: Metadata +
 *               DescribeLogDirs, then the monitor's samplers if configured; --snapshot: once)
 *               and publishes it; then wakes the planners to recompute the default proposal.
 *   planners    (api.planners of them) take queued tasks and plan them on the generation
 *               current when they start; the default-goals proposal of a new generation too.
 *   executor    runs at most one execution (executor/executor.h) at a time; on start it
 *               adopts an execution a killed service left in the journal.
 *   HTTP        (api/) threads call the functions below; none of them blocks on planning or
 *               Kafka except svc_task_wait, which waits on purpose.
 * Locks: svc.gen_lock guards only the current-generation pointer (held for a pointer swap or
 * a reference count, never while building or reading a model); svc.lock guards tasks, the
 * proposal store, the queues and counters. Generations are immutable once published and
 * reference-counted: a reader keeps the one it took for as long as it needs it.
 * No function here takes a lock of api/. */
#ifndef SERVICE_SERVICE_H
#define SERVICE_SERVICE_H

#include <cJSON.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "config/config.h"
#include "model/cluster.h"
#include "search/context.h"

/* One immutable model generation. */
struct svc_gen {
    atomic_int refs;
    uint64_t id;                  /* 1, 2, ... in publication order */
    int64_t created_ms;           /* wall clock, when published */
    double read_ms;               /* how long reading the cluster took */
    uint64_t placement;           /* hash of every partition's replica list, in order */
    struct model_cluster *cluster; /* finalized, capacities applied; read-only */
};

/* Takes a reference (NULL passes through). */
struct svc_gen *svc_gen_ref(struct svc_gen *g);
/* Drops one; the last frees the generation and its cluster. Accepts NULL. */
void svc_gen_unref(struct svc_gen *g);
/* Hash of the replica placement (topic, partition, brokers in order) of c. Sizes, leaders and
 * load do not count: a proposal stays exact as long as this is unchanged. */
uint64_t svc_placement_hash(const struct model_cluster *c);

#define SVC_ID_LEN 37 /* a task, proposal or session id: uuid text + NUL */
/* A new random (version 4) UUID as text. */
void svc_new_id(char id[SVC_ID_LEN]);

/* Task states, as Cruise Control's user_tasks names them. */
enum svc_task_state {
    SVC_TASK_ACTIVE,
    SVC_TASK_IN_EXECUTION,
    SVC_TASK_COMPLETED,
    SVC_TASK_COMPLETED_WITH_ERROR,
};
extern const char *const svc_task_state_names[4]; /* "Active", "InExecution", ... */

enum svc_mode {
    SVC_MODE_FULL,
    SVC_MODE_ADD_BROKERS,
    SVC_MODE_REMOVE_BROKERS,
    SVC_MODE_DEMOTE,
    SVC_MODE_FIX_OFFLINE,
    SVC_MODE_REMOVE_DISKS, /* replicas off the log dirs in svc_request.disks (intra-broker) */
    SVC_MODE_REPLICATION_FACTOR, /* rf_topics get rf replicas (optimizer/rf.c; no goals) */
};
#define SVC_NMODES 7
extern const char *const svc_mode_names[SVC_NMODES]; /* "full", "add-brokers", ... */

#define SVC_MAX_BROKERS 4096
#define SVC_MAX_GOALS 64

/* A rebalance request, validated by the caller (api/): goals exist, brokers are ints. The
 * service checks what needs the model (brokers present). Strings and arrays are heap and
 * owned by the request (svc_request_finish frees them). */
struct svc_request {
    enum svc_mode mode;
    int32_t *brokers;
    int nbrokers;
    char **goals; /* NULL = configuration's, else the defaults */
    int ngoals;
    char *excluded_topics;
    char *disks;             /* remove-disks: "ID:DIR,..." (opt_disk_list_parse); else NULL */
    char *rf_topics;         /* replication-factor: regex of whole topic names; else NULL */
    int rf;                  /* replication-factor: the target (1..MODEL_MAX_RF) */
    bool skip_rack_check;    /* replication-factor: allow rf above the number of racks */
    bool skip_hard_goal_check;
    bool dryrun;             /* default true */
    bool stop_ongoing;       /* an execution (dryrun false) first stops the running one, then
                              * is planned on a model read after that one ended */
    bool verbose;            /* proposals and loadBeforeOptimization in the result */
    char *proposal_id;       /* execute this proposal (dryrun false) */
    double throttle;         /* bytes/s; < 0 = configuration's */
    int concurrency;         /* per broker; 0 = configuration's */
    int leader_concurrency;  /* 0 = configuration's */
    int intra_concurrency;   /* intra-broker moves per broker; 0 = configuration's */
    int cluster_concurrency; /* inter-broker moves in the cluster; 0 = configuration's */
    int poll_ms;             /* progress check interval; 0 = configuration's */
    char *strategies;        /* NULL = configuration's */
    char *reason;            /* <= 256 chars */
    char *user;              /* who asked ("-" without auth) */
    char *client;            /* address */
    char *origin;            /* the request line as a client sent it ("POST /kafkacruisecontrol/
                              * rebalance?dryrun=false"): user_tasks' RequestURL; NULL = native */
};

void svc_request_init(struct svc_request *r);
void svc_request_finish(struct svc_request *r);

struct svc;

struct kafka_opts;
struct svc_options {
    const struct config *cfg;   /* borrowed; must outlive the service */
    /* a snapshot's model (finalized, configuration applied) to run on instead of a live
     * cluster: plans, no execution. svc_create takes it on success. */
    struct model_cluster *snapshot;
    const char *bootstrap;      /* live: the brokers; borrowed like kopts */
    const struct kafka_opts *kopts;
    const struct search_thresholds *th; /* the planner's thresholds (configuration laid over) */
    const char *state_dir;      /* NULL = cfg->executor.state_dir */
};

/* Opens the state dir (made if missing), takes its lock (state_dir/serve.lock; a second
 * service on it fails with -EBUSY and a message naming the pid holding it), loads the
 * persisted tasks. Starts no thread. */
int svc_create(const struct svc_options *o, struct svc **ret, struct error *err);
/* Starts the threads; the first generation is read in the refresher (svc_ready says when). */
int svc_start(struct svc *s, struct error *err);
/* Stops accepting tasks, fails queued ones ("service stopping"), waits for the planners and
 * the refresher, persists every task. An execution in flight is left to its journal: the
 * executor thread is not joined, *ret_execution_left says so (the caller then exits without
 * svc_destroy, so nothing the thread uses is freed). */
void svc_shutdown(struct svc *s, bool *ret_execution_left);
void svc_destroy(struct svc *s); /* after svc_shutdown; accepts NULL */

/* A service on a snapshot: c (finalized, configuration applied; taken, also on failure)
 * becomes the next model generation, as a refresh of a live cluster would (`ballast serve
 * --snapshot` re-reads its file on SIGHUP). -EINVAL on a live service. */
int svc_replace_snapshot(struct svc *s, struct model_cluster *c, struct error *err);
/* Whether the first generation exists (readyz). */
bool svc_ready(struct svc *s);
/* The current generation with a reference (svc_gen_unref it), or NULL before the first. */
struct svc_gen *svc_current(struct svc *s);
const struct config *svc_config(const struct svc *s);
const char *svc_state_dir(const struct svc *s);
/* The planner's thresholds the service plans with (fixed for its life). */
const struct search_thresholds *svc_thresholds(const struct svc *s);

/* Submits a rebalance (takes ownership of *req, which is emptied). Errors (task not created):
 * -EBUSY with http 429 (too many active tasks), -EEXIST with 409 (an execution is running and
 * req->stop_ongoing is false, or the cluster changed under the proposal to execute), -ENOENT with 404 (unknown proposal),
 * -EINVAL with 400 (a broker the model does not have, a mode the planner lacks), -EAGAIN
 * with 503 (no model yet, service stopping). *ret_http gets the status to answer. */
int svc_submit(struct svc *s, struct svc_request *req, char **ret_task_id, int *ret_http,
               struct error *err);
/* Waits until the task is no longer Active/being planned or timeout_ms passed. Returns
 * the task's JSON (state, progress, and with result its result as an object), or NULL for
 * an unknown id. *ret_done: the task has its result. */
cJSON *svc_task_wait(struct svc *s, const char *id, int timeout_ms, bool *ret_done);
/* Waits up to timeout_ms until something changed since *epoch (a task changed state, a new
 * generation, stopping), then sets *epoch to now's. For a thread that resumes waiting requests
 * (api/server.c); *epoch 0 returns at once. */
void svc_wait_change(struct svc *s, uint64_t *epoch, int timeout_ms);
/* Wakes svc_wait_change callers (after registering something they should look at). */
void svc_poke(struct svc *s);
/* True while task id waits for or undergoes planning (Active); false once it has ended,
 * entered execution, or is unknown. */
bool svc_task_pending(struct svc *s, const char *id);
/* One task (as above, no wait), or NULL. */
cJSON *svc_task_json(struct svc *s, const char *id, bool with_result);
/* {"tasks":[...]} the newest `limit` first, results left out; "total" counts all kept. */
cJSON *svc_tasks_json(struct svc *s, int limit);
/* {"proposals":[...]} summaries of the proposals kept, and the default one's id. */
cJSON *svc_proposals_json(struct svc *s);
/* The default-goals proposal of the current generation (its optimization result), or NULL
 * while it is being computed. */
cJSON *svc_default_proposal(struct svc *s);
/* {"monitor", "executor", "analyzer", "model"}: the state. */
cJSON *svc_state_json(struct svc *s);
/* Adds what backs a model's load to j: recentWindows (complete windows behind the rates, 0
 * when no sampler measured them) and monitoredPartitionsPercentage. */
void svc_add_load_backing(cJSON *j, const struct model_cluster *c);
/* Per-partition load of the current generation: the `limit` largest by resource `res`. */
cJSON *svc_partition_load_json(struct svc *s, enum model_res res, int limit);
/* Hooks for resources that outlive the proposal store (rebalance/): the reassignment JSON
 * Kafka gets when proposal id is executed (heap) and the placement hash it was made on, or
 * NULL when id is not kept; and its restoration after a restart, so that the proposal a
 * user approved is still the one executed (the placement check still applies). */
char *svc_proposal_reassignment(struct svc *s, const char *id, uint64_t *ret_placement);
void svc_proposal_restore(struct svc *s, const char *id, const char *mode,
                          const char *reassignment, uint64_t placement);
/* Changes the running execution's concurrency, progress check interval or replication throttle
 * (fields of a left "unchanged" stay): the executor takes the change at its next poll (see
 * exec_control). -ENOENT when no execution runs, -EINVAL for a rate Kafka cannot keep. */
struct exec_adjust;
int svc_exec_adjust(struct svc *s, const struct exec_adjust *a, struct error *err);
/* Asks the running execution to stop; -ENOENT when none runs. */
int svc_stop_execution(struct svc *s, struct error *err);
void svc_sampling_pause(struct svc *s, bool pause);

/* Counters for /metrics. */
struct svc_stats {
    uint64_t generation;
    double model_age_s;
    int tasks[4];            /* by state */
    bool executing;
    int64_t exec_bytes_done, exec_bytes_total;
    double exec_throttle;
    uint64_t refresh_ok, refresh_failed;
    double last_plan_ms;
    /* the last plan's time per goal, in its priority order */
    int ngoals;
    const char *goal_names[64]; /* static (the goal registry's names) */
    double goal_ms[64];
};
void svc_stats(struct svc *s, struct svc_stats *ret);

/* Sampler results per broker since start (a broker not asked in a round, being dead, counts in
 * neither). */
struct svc_sample_count {
    int32_t broker_id;
    uint64_t ok, failed;
};
/* A heap copy (the caller frees it; NULL when empty) sorted by broker id; returns the count. */
size_t svc_sample_counts(struct svc *s, struct svc_sample_count **ret);

#endif
