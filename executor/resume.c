/* After a restart: the journal's in-flight moves checked against the cluster (adopted while
 * still in progress, done when the cluster has their target, pending again otherwise), and
 * the stop that cancels in-flight moves and removes Ballast's throttles. See
 * executor/internal.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/log.h"
#include "executor/internal.h"

/* Counts t as adopted; the first ten are named in names[0..len) for the log line. */
static void adopt(const struct exec_task *t, int *adopted, char *names, size_t len)
{
    if ((*adopted)++ >= 10)
        return;
    size_t used = strlen(names);
    snprintf(names + used, len - used, "%s%s-%d%s", used ? ", " : ": ", t->topic, t->partition,
             t->type == EXEC_INTRA ? " (log dir)" : "");
}

int exec_reconcile(struct exec *x, struct error *err)
{
    struct kafka_ongoing *o = NULL;
    int no = 0;
    int rc = exec_list_ongoing(x, &o, &no, err);
    if (rc < 0)
        return rc;
    struct model_cluster *c = NULL;
    if ((rc = exec_snapshot(x, &c, err)) < 0) {
        free(o);
        return rc;
    }
    /* in-flight tasks are Ballast's own: the list in progress counts them as ours */
    exec_set_ongoing(x, o, no);
    int adopted = 0;
    char names[640] = ""; /* ": t-0, u-3, ..." */
    for (int i = 0; i < x->j.ntasks; i++) {
        struct exec_task *t = &x->j.tasks[i];
        if (t->state != EXEC_INFLIGHT)
            continue;
        if ((t->type == EXEC_INTER || t->type == EXEC_REORDER) &&
            exec_find_ongoing(x->ongoing, x->nongoing, t)) {
            adopt(t, &adopted, names, sizeof(names));
            continue;
        }
        int32_t p = model_partition_find(c, t->topic, t->partition);
        if (p < 0) {
            exec_fail_task(t, "", "the partition is gone");
            continue;
        }
        int32_t cur[MODEL_MAX_RF];
        int ncur;
        exec_current_replicas(c, p, cur, &ncur);
        bool reached = false;
        if (t->type == EXEC_INTER || t->type == EXEC_REORDER) {
            reached = ncur == t->nto && memcmp(cur, t->to, (size_t)ncur * sizeof(*cur)) == 0;
        } else if (t->type == EXEC_INTRA) {
            const char *d = exec_replica_dir(c, p, t->broker);
            reached = d && strcmp(d, t->dir) == 0;
            if (!reached) /* AlterReplicaLogDirs keeps going on the broker */
                adopt(t, &adopted, names, sizeof(names));
        } else {
            int32_t l = model_partition_leader(c, p);
            reached = l >= 0 && c->brokers[l].id == t->to[0];
        }
        if (reached)
            t->state = EXEC_DONE;
        else if (t->type != EXEC_INTRA)
            t->state = EXEC_PENDING;
    }
    model_cluster_destroy(c);
    log_info("resume: %d in-flight move(s) adopted%s%s", adopted, names,
             adopted > 10 ? ", ..." : "");
    exec_save(x, true);
    return 0;
}

int exec_do_stop(struct exec *x, struct error *err)
{
    int rc = exec_cancel_inflight(x, err);
    struct error e2 = {0};
    int r2 = exec_release_throttles(x, true, &e2);
    if (rc == 0 && r2 < 0) {
        rc = r2;
        *err = e2;
    }
    x->j.status = rc == 0 ? EXEC_STATUS_STOPPED : EXEC_STATUS_RUNNING;
    exec_save(x, true);
    return rc;
}
