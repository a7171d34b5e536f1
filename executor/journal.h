/* The executor's journal in the state dir: the whole execution (options, every task with its
 * state and the throttle entries it added, the brokers whose throttles Ballast set or found
 * set by others) as a base, execution.json, replaced atomically, and the changes since in an
 * append-only log, execution.log, compacted into a new base when it outgrows it (journal.c).
 * A crash at any instant leaves a journal that names everything the executor may have
 * started. */
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

struct journal_log;

struct exec_journal {
    char *dir;
    enum exec_status status;
    double started;
    struct exec_options opts; /* progress unused; strategies owned */
    struct exec_id_set rate_owned, rate_foreign, logdir_owned, logdir_foreign;
    struct exec_task *tasks;
    int ntasks;
    struct journal_log *log; /* private to journal.c: what is on disk */
};

void exec_journal_init(struct exec_journal *j, const char *dir);
void exec_journal_finish(struct exec_journal *j);
/* -ENOENT when there is no journal; -EINVAL naming the file, the task and the field when it is
 * damaged (every field is checked). A load only reads (a reader beside a running execution
 * changes nothing); the first save after it cuts a torn tail off and appends to the loaded
 * journal. */
int exec_journal_load(struct exec_journal *j, struct error *err);
/* The same from memory: base (execution.json's text) and log (execution.log's, may be NULL);
 * nothing is opened. For tests and the fuzz target. */
int exec_journal_parse(struct exec_journal *j, const char *base, size_t blen, const char *log,
                       size_t llen, struct error *err);
/* Writes what changed since the last save (the first save of a journal not loaded writes a
 * new base). Durable when it returns 0. */
int exec_journal_save(struct exec_journal *j, struct error *err);
/* Makes j, a new execution's journal not yet saved, follow old, the journal loaded from the
 * same dir: j's base and records are numbered after old's, so old's log, left in place until
 * j's base is written and then emptied, is skipped should a crash come between the two, and
 * old stays whole (base and log) should the crash come before j's base is in place. */
void exec_journal_follow(struct exec_journal *j, const struct exec_journal *old);
/* Bytes of the journal on disk (base and log), as last written. */
size_t exec_journal_bytes(const struct exec_journal *j);
const char *exec_status_name(enum exec_status s);

#endif
