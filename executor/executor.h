/* The executor: turns a plan (target replica lists, optional log dirs) into finished
 * reassignments on a live cluster, in three phases — inter-broker moves, intra-broker log-dir
 * moves, leadership (reorders, then ElectLeaders PREFERRED) — with per-broker and cluster-wide
 * concurrency, Cruise Control's ordering strategies, replication throttles on exactly the
 * brokers and partition:broker pairs in flight, a per-move timeout, stop, and a journal that
 * lets a restarted Ballast adopt or cancel its own in-flight moves and remove its throttles.
 *
 * Invariants: the journal (state_dir/execution.json, replaced atomically) names every move
 * and every throttle before the cluster sees it; throttles present before Ballast touched a
 * broker or a topic are never changed; reassignments Ballast did not start are left alone.
 * Single-threaded; stop requests come from signals or the stop file (state_dir/stop). */
#ifndef EXECUTOR_EXECUTOR_H
#define EXECUTOR_EXECUTOR_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/error.h"
#include "executor/cluster.h"
#include "kafka/client.h"
#include "model/cluster.h"

enum exec_type { EXEC_INTER, EXEC_INTRA, EXEC_REORDER, EXEC_LEADER };
enum exec_state { EXEC_PENDING, EXEC_INFLIGHT, EXEC_DONE, EXEC_FAILED, EXEC_SKIPPED };

struct exec_task {
    enum exec_type type;
    enum exec_state state;
    char *topic;
    int32_t partition;
    int32_t from[MODEL_MAX_RF], to[MODEL_MAX_RF]; /* replica lists before and after */
    int nfrom, nto;
    int32_t broker; /* intra: the broker; leader: the new leader */
    char *dir;      /* intra: the target log dir */
    int64_t size;   /* bytes of the partition (its largest replica) */
    int64_t bytes;  /* bytes the task copies */
    bool urp;       /* under-replicated when the execution started */
    int64_t order;  /* position in the plan */
    double started; /* wall-clock seconds when sent */
    bool overdue;   /* announced as late (not journaled: a resume announces it again) */
    double finished; /* wall-clock seconds when seen done */
    char *throttled_leaders, *throttled_followers; /* "p:b,..." entries Ballast added */
    char *error;
    /* admission only, not journaled: bit k set when the topic had no (or an empty) leader
     * (k = 0) or follower (k = 1) throttled-replica list as the move was claimed */
    uint8_t lists_absent;
};

enum exec_foreign {
    EXEC_FOREIGN_SKIP,   /* leave the partition alone and report it (default) */
    EXEC_FOREIGN_WAIT,   /* move it once the other reassignment has ended */
    EXEC_FOREIGN_CANCEL, /* cancel the other reassignment, then move it */
};

/* A change of a running execution's settings (Cruise Control's admin endpoint). A count or
 * poll_s of 0, or a throttle < 0, leaves that setting as it is. */
struct exec_adjust {
    int per_broker;          /* concurrent inter-broker moves per broker */
    int intra_per_broker;    /* concurrent intra-broker moves per broker */
    int leader_batch;        /* leader movements per batch */
    int cluster_cap;         /* concurrent inter-broker moves cluster-wide */
    double poll_s;           /* progress check interval */
    double throttle;         /* replication bytes/s on the brokers Ballast throttles; 0 = none */
};

/* The channel through which another thread changes a running execution: any thread calls
 * exec_control_set; the executor takes the change at its next poll (exec_run/exec_resume
 * given it in exec_options.control), applies the counts to the moves it admits from then on
 * and re-sets the rate of every broker it throttles. The lock guards `pending`, `changed` and
 * `applied`; it is held for copies only, never across a Kafka call. */
struct exec_control {
    pthread_mutex_t lock;
    struct exec_adjust pending; /* merged changes not yet taken */
    bool changed;
};

void exec_adjust_none(struct exec_adjust *a); /* every field "unchanged" */
void exec_control_init(struct exec_control *c);
void exec_control_finish(struct exec_control *c); /* accepts a control never used */
/* Merges a into the pending change (a later value of a field replaces an earlier one). */
void exec_control_set(struct exec_control *c, const struct exec_adjust *a);
/* Drops a pending change (once an execution has ended, so that the next one starts with its
 * own options). */
void exec_control_clear(struct exec_control *c);

struct exec_options {
    double throttle;            /* replication bytes/s per broker; 0 = none */
    double log_dir_throttle;    /* intra-broker bytes/s; 0 = none */
    int per_broker;             /* concurrent inter-broker moves per broker (5) */
    int intra_per_broker;       /* concurrent intra-broker moves per broker (2) */
    int leader_batch;           /* leader movements per batch (1000) */
    int cluster_cap;            /* concurrent inter-broker moves cluster-wide (1250) */
    int64_t task_timeout_ms;    /* per move; 0 = automatic (exec_task_timeout_s) */
    int64_t task_timeout_floor_ms; /* the automatic timeout's least value; 0 = the default */
    double poll_s;              /* polling interval (1 s) */
    char *strategies;           /* comma list of strategy names; NULL = base */
    bool cancel_on_resume;      /* resume cancels adopted moves instead of finishing them */
    enum exec_foreign foreign;  /* plan partitions with another tool's reassignment */
    bool allow_concurrent;      /* start although other reassignments are in progress */
    FILE *progress;             /* progress output, NULL = none */
    bool tty;                   /* progress as a redrawn bar */
    struct exec_control *control; /* changes while running; NULL = none (borrowed) */
};

/* The automatic task timeout's floor: 10 minutes, as long as a move waits for a broker that
 * is down. */
#define EXEC_DEFAULT_TIMEOUT_FLOOR_MS 600000
/* The automatic timeout allows a move this many times its expected copy time ... */
#define EXEC_TIMEOUT_FACTOR 3.0
/* ... which, without a throttle, assumes brokers copy at this rate (bytes/s). */
#define EXEC_UNTHROTTLED_RATE 50e6

/* Fills Cruise Control's defaults. */
void exec_options_default(struct exec_options *o);
/* The seconds task t may stay in flight before it is cancelled and failed: o's fixed
 * timeout, or automatically the larger of the floor and EXEC_TIMEOUT_FACTOR times the time
 * the partition takes to copy at its share of the throttle (the broker's throttle shared by
 * the moves each broker may run at once; log-dir moves: the log-dir throttle and their own
 * concurrency). */
double exec_task_timeout_s(const struct exec_options *o, const struct exec_task *t);
/* The seconds an execution has left at the rate seen so far (`moved` bytes in `elapsed_s`,
 * `left` bytes to go), or -1 when that rate says too little: under EXEC_ETA_MIN_FRACTION of
 * the bytes moved or under EXEC_ETA_MIN_S seconds (one small move finished and a large one
 * in flight gave estimates of decades); 0 when nothing is left. */
#define EXEC_ETA_MIN_FRACTION 0.01
#define EXEC_ETA_MIN_S 10.0
double exec_eta_s(int64_t moved, int64_t left, double elapsed_s);
/* Checks a comma list of strategy names (short or fully qualified). */
int exec_strategies_check(const char *list, struct error *err);
/* A throttle Kafka can keep: 0 (none) or 1 B/s .. 2^63 B/s; errors name `what`. */
int exec_rate_check(const char *what, double rate, struct error *err);
/* Checks what Kafka could not keep: the throttles (exec_rate_check); strategies. */
int exec_options_check(const struct exec_options *o, struct error *err);

struct exec_report {
    int done, failed, skipped, pending, total;
    int64_t bytes_done, bytes_total;
    double seconds;
    double bound_seconds; /* the most bytes any broker receives ÷ throttle; 0 without one */
    double throttle;      /* the execution's replication throttle, bytes/s */
    bool stopped;
    int throttles_left;   /* throttle entries Ballast could not remove */
};

/* The largest plan execute reads (bytes). */
#define EXEC_MAX_PLAN_BYTES (512L * 1024 * 1024)

/* Parses a plan: Kafka's reassignment JSON ({"partitions":[{topic, partition, replicas,
 * log_dirs}]}) or Cruise Control's optimization result with proposals. Errors name the entry. */
int exec_plan_parse(const char *buf, size_t len, const char *name, struct exec_task **ret,
                    int *ret_n, struct error *err);
void exec_tasks_free(struct exec_task *t, int n);

/* Starts a new execution of the plan's targets on the cluster and runs it to the end or a
 * stop. Refuses when the state dir holds an unfinished one, and while other reassignments
 * are in progress on the cluster unless o->allow_concurrent. A run that fails before its
 * first journal leaves no lock file (nor a state dir it made). */
int exec_run(const struct exec_connect *conn, const char *state_dir,
             const struct exec_task *targets, int ntargets, const struct exec_options *o,
             struct exec_report *rep, struct error *err);
/* Resumes the unfinished execution of the state dir: adopts (or cancels) its in-flight moves,
 * and continues. The journal's options hold except where o sets one (throttles and timeout
 * >= 0, counts and poll > 0, strategies non-NULL); o NULL keeps them all. */
int exec_resume(const struct exec_connect *conn, const char *state_dir,
                const struct exec_options *o, struct exec_report *rep, struct error *err);
/* Stops the execution of the state dir: asks a running executor to stop and waits for it, or,
 * when none runs, cancels the journal's in-flight moves and removes its throttles itself.
 * Resume and stop create nothing in a state dir without a journal (-ENOENT). */
int exec_stop(const struct exec_connect *conn, const char *state_dir, int wait_s,
              struct exec_report *rep, struct error *err);

/* Set by signal handlers: the running execution stops at its next poll. */
void exec_request_stop(void);

#endif
