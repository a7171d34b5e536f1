/* The KafkaRebalance state machine (shared/KAFKA-REBALANCE.md, Strimzi's
 * KafkaRebalanceAssemblyOperator): given a resource's state, its strimzi.io/rebalance
 * annotation, whether its spec changed or is invalid, and what the service says of the task
 * it tracks, decide the next state and the one action to take. Pure: no I/O, no clock, no
 * locks; rebalance/controller.c gathers the input and carries out the output, so every
 * transition is unit-tested here (tests/rebalance/test_machine.c). */
#ifndef REBALANCE_MACHINE_H
#define REBALANCE_MACHINE_H

#include <stdbool.h>

enum rb_state {
    RB_NEW,
    RB_PENDING_PROPOSAL,
    RB_PROPOSAL_READY,
    RB_REBALANCING,
    RB_STOPPED,
    RB_NOT_READY,
    RB_READY,
    RB_RECONCILIATION_PAUSED,
    RB_NSTATES,
};
extern const char *const rb_state_names[RB_NSTATES]; /* "New", "PendingProposal", ... */
/* The state named s, or -1. */
int rb_state_parse(const char *s);

/* The strimzi.io/rebalance annotation. */
enum rb_annot {
    RB_ANNOT_NONE,
    RB_ANNOT_APPROVE,
    RB_ANNOT_REFRESH,
    RB_ANNOT_STOP,
    RB_ANNOT_UNKNOWN, /* any other value: never valid */
};
/* NULL or "" -> NONE; "approve", "refresh", "stop"; anything else -> UNKNOWN. */
enum rb_annot rb_annot_parse(const char *value);
/* Whether a is valid in state st (the table of KAFKA-REBALANCE.md). */
bool rb_annot_valid(enum rb_state st, enum rb_annot a);
/* The valid annotations of st as Strimzi lists them: "[approve, refresh]" into buf. */
const char *rb_annot_list(enum rb_state st, char *buf, int len);

/* What the service says of the task the resource tracks (its sessionId). */
enum rb_task {
    RB_TASK_NONE,           /* no task tracked */
    RB_TASK_PLANNING,       /* a proposal is being computed */
    RB_TASK_PROPOSAL,       /* the proposal is ready */
    RB_TASK_PLAN_RETRY,     /* planning failed for a passing reason (no model yet, busy,
                               the service restarted): ask again */
    RB_TASK_PLAN_FAILED,    /* planning failed for good (a hard goal cannot be met, ...) */
    RB_TASK_EXECUTING,
    RB_TASK_EXEC_DONE,
    RB_TASK_EXEC_FAILED,    /* moves failed, throttles left, or the cluster changed under
                               the approved proposal */
    RB_TASK_EXEC_STOPPED,   /* stopped from elsewhere (POST /stop, ballast execute --stop) */
    RB_TASK_LOST,           /* the service no longer knows the task */
};

struct rb_input {
    enum rb_state state;
    enum rb_annot annot;
    bool paused;          /* strimzi.io/pause-reconciliation: "true" */
    bool auto_approval;   /* strimzi.io/rebalance-auto-approval: "true" */
    bool spec_changed;    /* metadata.generation != status.observedGeneration */
    bool spec_invalid;    /* the spec does not validate */
    bool proposal_empty;  /* the ready proposal moves nothing */
    enum rb_task task;
};

enum rb_action {
    RB_ACT_NONE,
    RB_ACT_PROPOSE,       /* ask for a new proposal (a dry run); track its task */
    RB_ACT_EXECUTE,       /* execute exactly the tracked proposal */
    RB_ACT_STOP,          /* stop the running execution */
    RB_ACT_STOP_PROPOSE,  /* stop the running execution, then ask for a new proposal */
    RB_ACT_FORGET,        /* drop the tracked task (stop while a proposal is computed) */
};
extern const char *const rb_action_names[6];

/* Why the state is NotReady (the condition's reason). */
enum rb_why {
    RB_WHY_NONE,
    RB_WHY_INVALID_SPEC,  /* reason InvalidResourceException */
    RB_WHY_PLAN_FAILED,   /* reason ProposalFailed */
    RB_WHY_EXEC_FAILED,   /* reason ExecutionFailed */
    RB_WHY_TASK_LOST,     /* reason TaskLost */
};

struct rb_output {
    enum rb_state state;
    enum rb_action action;
    bool consume;         /* remove the strimzi.io/rebalance annotation */
    bool warn_invalid;    /* keep it and show a Warning condition InvalidAnnotation */
    bool observe;         /* set status.observedGeneration to metadata.generation */
    enum rb_why why;      /* with state NotReady */
};

/* Decides the next step. Always succeeds; in->state must be a state. */
void rb_decide(const struct rb_input *in, struct rb_output *out);

#endif
