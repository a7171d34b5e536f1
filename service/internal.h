/* What the service's files share (not for other modules): struct svc, tasks, proposals.
 *   service.c   lifecycle, state-dir lock, refresher, planners, submit, state
 *   gen.c       model generations and the placement hash
 *   tasks.c     the task registry: ids, steps, JSON, persistence in state_dir/tasks/
 *   execution.c the executor thread: one execution at a time, adoption at start, stop */
#ifndef SERVICE_INTERNAL_H
#define SERVICE_INTERNAL_H

#include <pthread.h>

#include "executor/executor.h"
#include "kafka/client.h"
#include "monitor/monitor.h"
#include "optimizer/optimizer.h"
#include "service/service.h"

#define SVC_MAX_STEPS 8
#define SVC_MAX_TASKS 2000    /* oldest finished ones dropped beyond */
#define SVC_MAX_PROPOSALS 16  /* newest kept */

struct svc_step {
    char *name;
    char *description;
    int64_t start_ms;
    double pct;
};

/* Guarded by svc.lock. */
struct svc_task {
    char id[SVC_ID_LEN];
    enum svc_task_state state;
    char *kind;            /* "rebalance", "execution", "adopted-execution" */
    char *request;         /* the request as JSON text */
    char *user, *client, *reason;
    int64_t created_ms, ended_ms;
    struct svc_step steps[SVC_MAX_STEPS];
    int nsteps;
    char *result;          /* JSON text once it has one */
    int http;              /* status its result answers with (200; 4xx/5xx on error) */
    char *proposal_id;
    char *origin;          /* svc_request.origin, or NULL */
    char *planned;         /* an execution: the optimization result it executes (JSON text) */
    bool queued;           /* waiting for a planner */
    struct svc_request req; /* the request while queued or planning */
};

struct svc_changed {
    char *topic;
    int32_t partition;
    int32_t before[MODEL_MAX_RF];
    int n;
};

/* Guarded by svc.lock; immutable once stored. */
struct svc_proposal {
    char id[SVC_ID_LEN];
    uint64_t gen;
    uint64_t placement;
    int64_t created_ms;
    char *mode;
    char *reassignment;    /* Kafka's reassignment JSON: what an execution sends */
    struct svc_changed *changed;
    int nchanged;
    int64_t moves, leader_moves, bytes;
};

/* A task file waiting for the persister thread. */
struct svc_write {
    char *path;
    char *text;
    struct svc_write *next;
};

struct svc_exec_job {
    char task_id[SVC_ID_LEN];
    char *reassignment;    /* NULL: adopt the journal's execution */
    uint64_t placement;    /* expected placement (0: do not check) */
    struct exec_options o;
};

struct svc {
    const struct config *cfg;
    char *state_dir;
    int lock_fd;
    bool live;             /* a Kafka cluster (else a snapshot: no execution) */
    struct model_cluster *snapshot; /* --snapshot: the model, owned until the first gen */
    const char *bootstrap;
    const struct kafka_opts *kopts;
    /* the refresher's copy of kopts, with cancel = &cancel_refresh: svc_shutdown sets it so
     * that a model read from a silent broker ends at once instead of at the request timeout */
    struct kafka_opts refresh_kopts;
    atomic_bool cancel_refresh;
    struct search_thresholds th;

    /* current generation: gen_lock guards the pointer only */
    pthread_mutex_t gen_lock;
    struct svc_gen *current;

    /* svc.lock guards everything below */
    pthread_mutex_t lock;
    pthread_cond_t changed;      /* a task changed state, a queue grew, or stopping */
    bool stopping;
    uint64_t epoch;              /* bumped with every broadcast of `changed` */
    struct svc_task **tasks;
    size_t ntasks, cap_tasks;
    struct svc_proposal *proposals[SVC_MAX_PROPOSALS];
    int nproposals;
    /* the default-goals proposal of generation default_gen (verbose result text) */
    uint64_t default_gen;
    char *default_result;        /* verbose */
    char *default_brief;         /* without proposals and loadBeforeOptimization */
    char *default_pid;
    bool default_busy;
    /* the execution */
    struct svc_exec_job *job;    /* waiting for the executor thread */
    bool executing;
    char exec_task[SVC_ID_LEN];
    bool stop_asked;
    int64_t exec_ended_ms;       /* wall clock when the last execution ended (0: none yet) */
    bool refresh_now;            /* the refresher reads a new generation at once */
    /* changes to the running execution (admin): its own lock; a change is made only while
     * `executing`, and the executor thread clears what is left when the execution ends */
    struct exec_control control;
    /* counters */
    uint64_t refresh_ok, refresh_failed;
    struct svc_sample_count *samples; /* per broker, sorted by id */
    size_t nsamples, cap_samples;
    double last_plan_ms;
    int last_ngoals;             /* the last plan's time per goal */
    const char *last_goal_names[OPT_MAX_GOALS];
    double last_goal_ms[OPT_MAX_GOALS];
    bool sampling_paused;
    int64_t journal_read_ms;     /* cached executor progress, from the journal */
    cJSON *journal_state;

    /* task files to write (the persister writes them outside the lock, in order) */
    struct svc_write *writes, **writes_tail;
    bool persister_running;
    pthread_cond_t wake_persister;
    pthread_t persister;

    pthread_t refresher, executor;
    pthread_t *planners;
    int nplanners;
    bool started;
    pthread_cond_t wake_refresher; /* under lock: stopping, refresh_now */
};

/* Adds one sampling round's per-broker results (mon_monitor_sample's, by broker index of c)
 * to the counters; takes s->lock. */
void svc_count_samples(struct svc *s, const struct model_cluster *c, const int8_t *result);

/* Wakes everyone waiting on s->changed and bumps s->epoch (s->lock held). */
static inline void svc_changed(struct svc *s)
{
    s->epoch++;
    pthread_cond_broadcast(&s->changed);
}

/* gen.c */
struct svc_gen *svc_gen_create(struct model_cluster *c, double read_ms); /* takes c */
void svc_publish(struct svc *s, struct svc_gen *g); /* takes g's reference */

/* tasks.c (callers hold s->lock unless said otherwise) */
struct svc_task *svc_task_new(struct svc *s, const char *kind); /* Active, registered */
struct svc_task *svc_task_find(struct svc *s, const char *id);
void svc_task_step(struct svc_task *t, const char *name, const char *description, double pct);
/* Ends t with result (takes it) and http status; persists it. */
void svc_task_end(struct svc *s, struct svc_task *t, enum svc_task_state st, char *result,
                  int http);
/* Queues t's file for the persister thread (written at once when it does not run). */
void svc_task_persist(struct svc *s, const struct svc_task *t);
void *svc_persister_main(void *arg);
/* Writes what is queued (no lock held; takes the queue). */
void svc_writes_flush(struct svc_write *w);
int svc_tasks_load(struct svc *s, struct error *err); /* before threads start */
void svc_tasks_prune(struct svc *s);
/* The task as JSON; request and result are embedded as raw text (cJSON_Raw), not parsed. */
cJSON *svc_task_to_json(const struct svc_task *t, bool with_result);
void svc_task_free(struct svc_task *t);
/* {"version":1,"errorMessage":msg} as text. */
char *svc_error_text(const char *msg);

/* execution.c */
int svc_exec_start_thread(struct svc *s, struct error *err); /* adopts a journal's execution */
/* Queues an execution (s->lock held). -EEXIST when one runs or waits. */
int svc_exec_queue(struct svc *s, struct svc_task *t, const char *reassignment,
                   uint64_t placement, const struct svc_request *req, struct error *err);
cJSON *svc_exec_state(struct svc *s); /* s->lock held */
void svc_exec_free_job(struct svc_exec_job *j);
/* Asks the running execution (if any) to stop, through the executor's stop file; s->lock not
 * held. */
int svc_exec_ask_stop(struct svc *s, struct error *err);

#endif
