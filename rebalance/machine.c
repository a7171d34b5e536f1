/* The KafkaRebalance state machine: see machine.h. The order of the checks is the order of
 * precedence: pause, then an invalid spec, then a refresh (the annotation or a spec edit),
 * then the state's own annotation, then what the tracked task says. */
#include "rebalance/machine.h"

#include <stdio.h>
#include <string.h>

const char *const rb_state_names[RB_NSTATES] = {
    "New",     "PendingProposal", "ProposalReady", "Rebalancing",
    "Stopped", "NotReady",        "Ready",         "ReconciliationPaused",
};

const char *const rb_action_names[6] = {"none", "propose", "execute", "stop", "stop+propose",
                                        "forget"};

int rb_state_parse(const char *s)
{
    for (int i = 0; s && i < RB_NSTATES; i++)
        if (strcmp(s, rb_state_names[i]) == 0)
            return i;
    return -1;
}

enum rb_annot rb_annot_parse(const char *v)
{
    if (!v || !*v)
        return RB_ANNOT_NONE;
    if (strcmp(v, "approve") == 0)
        return RB_ANNOT_APPROVE;
    if (strcmp(v, "refresh") == 0)
        return RB_ANNOT_REFRESH;
    if (strcmp(v, "stop") == 0)
        return RB_ANNOT_STOP;
    return RB_ANNOT_UNKNOWN;
}

/* Bit (1 << annot) per state: approve 2, refresh 4, stop 8. */
static const unsigned valid[RB_NSTATES] = {
    [RB_NEW] = 0,
    [RB_PENDING_PROPOSAL] = 1u << RB_ANNOT_STOP | 1u << RB_ANNOT_REFRESH,
    [RB_PROPOSAL_READY] = 1u << RB_ANNOT_APPROVE | 1u << RB_ANNOT_REFRESH,
    [RB_REBALANCING] = 1u << RB_ANNOT_STOP | 1u << RB_ANNOT_REFRESH,
    [RB_STOPPED] = 1u << RB_ANNOT_REFRESH,
    [RB_NOT_READY] = 1u << RB_ANNOT_REFRESH,
    [RB_READY] = 1u << RB_ANNOT_REFRESH,
    [RB_RECONCILIATION_PAUSED] = 0,
};

bool rb_annot_valid(enum rb_state st, enum rb_annot a)
{
    return a != RB_ANNOT_NONE && a != RB_ANNOT_UNKNOWN && (valid[st] >> a & 1u);
}

const char *rb_annot_list(enum rb_state st, char *buf, int len)
{
    static const char *const names[] = {"", "approve", "refresh", "stop"};
    static const enum rb_annot order[] = {RB_ANNOT_APPROVE, RB_ANNOT_STOP, RB_ANNOT_REFRESH};
    int n = snprintf(buf, (size_t)len, "[");
    bool first = true;
    for (int i = 0; i < 3; i++)
        if (valid[st] >> order[i] & 1u) {
            n += snprintf(buf + n, (size_t)(len - n), "%s%s", first ? "" : ", ", names[order[i]]);
            first = false;
        }
    snprintf(buf + n, (size_t)(len - n), "]");
    return buf;
}

/* The state's answer to the task it tracks (no annotation acted on). */
static void follow_task(const struct rb_input *in, struct rb_output *out)
{
    switch (in->state) {
    case RB_PENDING_PROPOSAL:
        switch (in->task) {
        case RB_TASK_PLANNING: break;
        case RB_TASK_PROPOSAL: out->state = RB_PROPOSAL_READY; break;
        case RB_TASK_PLAN_FAILED:
            out->state = RB_NOT_READY;
            out->why = RB_WHY_PLAN_FAILED;
            break;
        default: out->action = RB_ACT_PROPOSE; break; /* none, lost, a passing failure */
        }
        break;
    case RB_PROPOSAL_READY:
        if (in->task == RB_TASK_LOST || in->task == RB_TASK_NONE) {
            out->state = RB_PENDING_PROPOSAL;
            out->action = RB_ACT_PROPOSE;
        } else if (in->auto_approval) {
            out->state = in->proposal_empty ? RB_READY : RB_REBALANCING;
            out->action = in->proposal_empty ? RB_ACT_NONE : RB_ACT_EXECUTE;
        }
        break;
    case RB_REBALANCING:
        switch (in->task) {
        case RB_TASK_EXEC_DONE: out->state = RB_READY; break;
        case RB_TASK_EXEC_STOPPED: out->state = RB_STOPPED; break;
        case RB_TASK_EXEC_FAILED:
            out->state = RB_NOT_READY;
            out->why = RB_WHY_EXEC_FAILED;
            break;
        case RB_TASK_LOST:
        case RB_TASK_NONE:
            out->state = RB_NOT_READY;
            out->why = RB_WHY_TASK_LOST;
            break;
        default: break; /* executing (or queued) */
        }
        break;
    default: break; /* Ready, Stopped, NotReady wait for a refresh */
    }
}

void rb_decide(const struct rb_input *in, struct rb_output *out)
{
    memset(out, 0, sizeof(*out));
    out->state = in->state;
    if (in->paused) {
        /* nothing is acted on while paused; annotations stay for later */
        out->state = RB_RECONCILIATION_PAUSED;
        return;
    }
    if (in->state == RB_RECONCILIATION_PAUSED) {
        /* unpaused: whatever was proposed before may be stale */
        out->state = RB_PENDING_PROPOSAL;
        out->action = RB_ACT_PROPOSE;
        out->observe = true;
        out->warn_invalid = in->annot != RB_ANNOT_NONE; /* none is valid while paused */
        return;
    }
    if (in->spec_invalid) {
        out->state = RB_NOT_READY;
        out->why = RB_WHY_INVALID_SPEC;
        out->observe = true;
        if (in->state == RB_REBALANCING)
            out->action = RB_ACT_STOP;
        out->consume = in->annot == RB_ANNOT_REFRESH; /* acted on: the spec was checked again */
        out->warn_invalid = in->annot != RB_ANNOT_NONE && !out->consume;
        return;
    }
    bool refresh = in->annot == RB_ANNOT_REFRESH || (in->spec_changed && in->state != RB_NEW);
    if (in->state == RB_NEW) {
        out->state = RB_PENDING_PROPOSAL;
        out->action = RB_ACT_PROPOSE;
        out->observe = true;
    } else if (refresh) {
        out->consume = in->annot == RB_ANNOT_REFRESH;
        out->observe = true;
        out->state = RB_PENDING_PROPOSAL;
        out->action = in->state == RB_REBALANCING ? RB_ACT_STOP_PROPOSE : RB_ACT_PROPOSE;
    } else if (in->annot == RB_ANNOT_STOP && in->state == RB_PENDING_PROPOSAL) {
        out->consume = true;
        out->state = RB_STOPPED;
        out->action = RB_ACT_FORGET;
    } else if (in->annot == RB_ANNOT_STOP && in->state == RB_REBALANCING) {
        out->consume = true;
        out->state = RB_STOPPED;
        out->action = RB_ACT_STOP;
    } else if (in->annot == RB_ANNOT_APPROVE && in->state == RB_PROPOSAL_READY &&
               in->task == RB_TASK_PROPOSAL) {
        out->consume = true;
        out->state = in->proposal_empty ? RB_READY : RB_REBALANCING;
        out->action = in->proposal_empty ? RB_ACT_NONE : RB_ACT_EXECUTE;
    } else {
        follow_task(in, out);
    }
    out->warn_invalid = in->annot != RB_ANNOT_NONE && !out->consume &&
                        !rb_annot_valid(in->state, in->annot);
}
