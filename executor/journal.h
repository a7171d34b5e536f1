/* The executor's journal: state_dir/execution.json, the whole execution (options, every task
 * with its state and the throttle entries it added, the brokers whose throttles Ballast set or
 * found set by others). Saved by writing a temporary file, fsync, and rename, so a crash at
 * any instant leaves the previous or the new journal, never a torn one. */
#ifndef EXECUTOR_JOURNAL_H
#define EXECUTOR_JOURNAL_H

#include "executor/executor.h"

enum exec_status {
    EXEC_STATUS_NONE,
    EXEC_STATUS_RUNNING,  /* started and not ended: resume or stop it */
    EXEC_STATUS_STOPPED,
    EXEC_STATUS_FINISHED,
    EXEC_STATUS_FAILED,   /* ended with failed moves */
};

struct exec_id_set {
    int32_t *ids;
    int n, cap;
};

bool exec_ids_has(const struct exec_id_set *s, int32_t id);
void exec_ids_add(struct exec_id_set *s, int32_t id);
void exec_ids_del(struct exec_id_set *s, int32_t id);

struct exec_journal {
    char *dir;
    enum exec_status status;
    double started;
    struct exec_options opts; /* progress unused; strategies owned */
    struct exec_id_set rate_owned, rate_foreign, logdir_owned, logdir_foreign;
    struct exec_task *tasks;
    int ntasks;
};

void exec_journal_init(struct exec_journal *j, const char *dir);
void exec_journal_finish(struct exec_journal *j);
/* -ENOENT when there is no journal; -EINVAL naming the field when it is damaged. */
int exec_journal_load(struct exec_journal *j, struct error *err);
int exec_journal_save(const struct exec_journal *j, struct error *err);
const char *exec_status_name(enum exec_status s);

#endif
