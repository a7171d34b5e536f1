/* What the executor's files share (not for other modules): `struct exec`, one execution in
 * progress, and the functions each file gives the others. The files:
 *   executor.c  entry points (run, resume, stop), the state-dir lock, the drive and report
 *   tasks.c     strategies, the tasks of a new execution, the broker index
 *   throttle.c  replication and log-dir throttles: claim, set, release
 *   phases.c    the three phases: inter-broker moves, log-dir moves, leadership
 *   resume.c    reconciling a journal with the cluster after a restart, stop
 *   control.c   changes to a running execution made by another thread (exec_control)
 * Single-threaded: everything runs on the thread that called the entry point, except
 * exec_control, whose own lock guards what other threads hand over. */
#ifndef EXECUTOR_INTERNAL_H
#define EXECUTOR_INTERNAL_H

#include "executor/cluster.h"
#include "executor/executor.h"
#include "executor/journal.h"

/* How long metadata may lag the controller before a mismatch counts as a failure. */
#define EXEC_METADATA_SETTLE_S 15.0
#define EXEC_MAX_STRATEGIES 9
/* A move waiting for a broker that stays down this long is cancelled and failed, timeout or
 * not; waits are reported every EXEC_DOWN_REPORT_S. */
#define EXEC_DOWN_TIMEOUT_S 600.0
#define EXEC_DOWN_REPORT_S 30.0

struct exec {
    struct exec_journal j;
    const struct exec_options *o; /* &live, read-only except for exec_take_control */
    struct exec_options live;     /* the options this run uses (admin changes land here) */
    const struct exec_connect *conn;
    struct exec_cluster *cl; /* NULL until first needed (exec_connect_cluster) */
    bool own_cl;             /* opened here, destroyed at the end */
    int lock_fd;
    double t0, last_save, last_progress;
    int64_t bytes_done_at_start;
    bool stopping;
    int strategies[EXEC_MAX_STRATEGIES], nstrategies;
    struct kafka_ongoing *ongoing; /* the last list of reassignments in progress (all tools) */
    int nongoing;
    struct kafka_ongoing *foreign; /* those of ongoing that are not Ballast's in-flight moves */
    int nforeign;
    int32_t *bids; /* every broker id the tasks name, sorted: a broker's dense index */
    int nbids;
    /* the dense indexes of the brokers each task occupies (exec_task_brokers), built with
     * bids: task i's are inv[inv_off[i] .. inv_off[i + 1]) */
    int32_t *inv, *inv_off;
    double *down_since; /* by dense index: when the broker was first seen down, 0 = up */
    struct exec_task **by_strategy[4]; /* per type: its tasks in strategy order (built once) */
    int nby_strategy[4];
    /* per type: by_strategy[type][0 .. from) are all done, failed or skipped (for good) */
    int by_strategy_from[4];
    /* The tasks in flight (any type), so that per-poll work goes over them rather than over
     * every task: valid once built by exec_inflight (a full scan), then kept by filtering
     * and by admit adding what it sends; code that sets a task in flight otherwise clears
     * inflight_valid. Likewise the tasks holding topic throttle entries. */
    struct exec_task **inflight, **holders;
    int ninflight, nholders;
    size_t cap_inflight, cap_holders;
    bool inflight_valid, holders_valid;
    int pending_hint[4]; /* per type: where the last pending task was found in j.tasks */
    struct exec_task **intra_index; /* the log-dir tasks sorted by partition (built once) */
    int nintra_index;
    double last_liveness;
    /* Brokers whose replication [0] or log-dir [1] throttle this run removed. Reclaiming one
     * skips the check for another tool's throttle: a ZooKeeper-mode broker applies config
     * changes asynchronously, so a describe right after the removal may still show Ballast's
     * own rate as a dynamic config. */
    struct exec_id_set released[2];
};

/* ---- plan.c: JSON fields checked where they enter ---- */
struct cJSON;
/* v as an integer in lo..hi, checked before any conversion; errors name `where`. */
int exec_json_int(const struct cJSON *v, const char *where, double lo, double hi, int64_t *ret,
                  struct error *err);
/* An array of distinct broker ids (0..2^31-1), at most MODEL_MAX_RF. */
int exec_json_ids(const struct cJSON *a, const char *where, int32_t *out, int *ret_n,
                  struct error *err);
/* Kafka's rule for topic names: 1..249 of [a-zA-Z0-9._-], not "." or "..". */
bool exec_topic_name_ok(const char *s);

/* ---- executor.c ---- */
double exec_now(struct exec *x);
void exec_sleep(struct exec *x, double s);
/* Opens the cluster of x->conn if not yet open. */
int exec_connect_cluster(struct exec *x, struct error *err);
void exec_save(struct exec *x, bool force);
bool exec_stop_requested(struct exec *x);
void exec_progress(struct exec *x, const char *phase, bool force);
/* Marks t failed with the message prefix + detail, and logs it. */
void exec_fail_task(struct exec_task *t, const char *prefix, const char *detail);

/* ---- control.c ---- */
/* Applies a change another thread put in x->o->control (called at each poll). */
void exec_take_control(struct exec *x);

/* ---- tasks.c ---- */
/* The tasks in flight now, any type (x->inflight, refreshed; see struct exec). */
struct exec_task **exec_inflight(struct exec *x, int *ret_n);
/* Notes that t was just set in flight (it must not be in the list yet). */
void exec_inflight_add(struct exec *x, struct exec_task *t);
/* The tasks holding topic throttle entries now (x->holders, refreshed), and one that just
 * got its first entries (it must not be in the list yet). */
struct exec_task **exec_holders(struct exec *x, int *ret_n);
void exec_holders_add(struct exec *x, struct exec_task *t);
int exec_parse_strategies(const char *list, int *out, int *ret_n, struct error *err);
/* Sorts ts[0..n) in the order of x's strategies. */
void exec_sort_by_strategy(struct exec *x, struct exec_task **ts, int n);
/* Fills x->j.tasks for a new execution from the plan's targets and the cluster's state. */
int exec_build_tasks(struct exec *x, const struct exec_task *targets, int ntargets,
                     const struct kafka_ongoing *ongoing, int nongoing, struct error *err);
/* Builds x->bids from the tasks; exec_broker_index is then the dense index of id or -1. */
void exec_index_brokers(struct exec *x);
int exec_broker_index(const struct exec *x, int32_t id);
/* The dense indexes of the brokers t occupies: an intra task's broker; a move's current and
 * new replicas (a leadership task: its replicas). *ret_n of them. */
const int32_t *exec_task_brokers(const struct exec *x, const struct exec_task *t, int *ret_n);
int exec_snapshot(struct exec *x, struct model_cluster **ret, struct error *err);
void exec_current_replicas(const struct model_cluster *c, int32_t p, int32_t *out, int *ret_n);
const char *exec_replica_dir(const struct model_cluster *c, int32_t p, int32_t broker_id);
int exec_by_topic(const void *pa, const void *pb);
/* t's partition among o[0..n) (sorted by exec_set_ongoing), or NULL. */
const struct kafka_ongoing *exec_find_ongoing(const struct kafka_ongoing *o, int n,
                                              const struct exec_task *t);
/* Keeps o (heap; sorted here) as the current list of reassignments in progress, and apart
 * from it the other tools' ones (those that are not Ballast's in-flight moves). */
void exec_set_ongoing(struct exec *x, struct kafka_ongoing *o, int n);
/* The reassignments in progress, retried for a while when the cluster does not answer. */
int exec_list_ongoing(struct exec *x, struct kafka_ongoing **ret, int *ret_n, struct error *err);

/* ---- throttle.c ---- */
/* Claims broker id for Ballast's throttle unless another's is there (then it is foreign). */
int exec_claim_broker(struct exec *x, int32_t id, bool logdir, struct exec_id_set *claimed,
                      struct error *err);
int exec_set_broker_rate(struct exec *x, int32_t id, bool logdir, struct error *err);
/* Sets broker id's replication rate to x->o->throttle, or deletes it when that is 0. */
int exec_reset_broker_rate(struct exec *x, int32_t id, struct error *err);
int exec_claim_topic_entries(struct exec *x, struct exec_task **ts, int n, struct error *err);
int exec_append_topic_entries(struct exec *x, struct exec_task **ts, int n, struct error *err);
/* Removes the throttles nothing in flight needs (all: every throttle of Ballast). */
int exec_release_throttles(struct exec *x, bool all, struct error *err);
int exec_count_throttles(const struct exec *x);
/* Applies fn to ts[0..n) one topic at a time (sorts ts); returns the first error. */
int exec_per_topic(struct exec *x, struct exec_task **ts, int n,
                   int (*fn)(struct exec *, struct exec_task **, int, struct error *),
                   struct error *err);

/* ---- phases.c ---- */
int exec_run_moves(struct exec *x, enum exec_type type, const char *phase, struct error *err);
int exec_run_intra(struct exec *x, struct error *err);
int exec_run_leaders(struct exec *x, struct error *err);
/* Cancels the in-flight reassignments (they go back to pending). */
int exec_cancel_inflight(struct exec *x, struct error *err);

/* ---- resume.c ---- */
int exec_reconcile(struct exec *x, struct error *err);
/* Stops: cancels in-flight moves and removes every throttle Ballast set. */
int exec_do_stop(struct exec *x, struct error *err);

#endif
