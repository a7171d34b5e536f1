/* KafkaRebalance resources (shared/KAFKA-REBALANCE.md, docs/rebalance.md): Strimzi's
 * kafka.strimzi.io KafkaRebalance, v1 and v1beta2, reconciled by Ballast's service.
 *   machine.c     the state machine (machine.h), pure
 *   spec.c        the spec: checked as the CRD's schema and Strimzi's operator check it
 *   yaml.c        YAML <-> JSON for manifests and the standalone store
 *   controller.c  the controller: the resources, their files in STATE_DIR/rebalances/, the
 *                 reconcile thread that drives the service (service/service.h) for them
 * A resource is held as the JSON Kubernetes would show (apiVersion, kind, metadata, spec,
 * status). Ballast's own bookkeeping (the proposal's reassignment, for a restart) is kept
 * beside it in STATE_DIR/rebalances/NAME.ballast.json, never in the resource. */
#ifndef REBALANCE_REBALANCE_H
#define REBALANCE_REBALANCE_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "rebalance/machine.h"
#include "service/service.h"

#define RB_ANNOT_REBALANCE "strimzi.io/rebalance"
#define RB_ANNOT_AUTO_APPROVAL "strimzi.io/rebalance-auto-approval"
#define RB_ANNOT_TEMPLATE "strimzi.io/rebalance-template"
#define RB_ANNOT_PAUSE "strimzi.io/pause-reconciliation"
#define RB_LABEL_CLUSTER "strimzi.io/cluster"
#define RB_MAX_RESOURCES 1000

/* ---- YAML (yaml.c) ---- */
/* Parses text (name for messages) into a JSON array of its documents (empty ones left out).
 * Errors name line and column. */
int rb_yaml_parse(const char *text, size_t len, const char *name, cJSON **ret,
                  struct error *err);
/* One document of YAML for v (heap text). Strings that would read back as another type
 * are quoted. */
char *rb_yaml_emit(const cJSON *v);

/* ---- the spec (spec.c) ---- */
struct rb_volumes {
    int32_t broker;
    int32_t *ids;
    int n;
};

struct rb_spec {
    enum svc_mode mode;
    int32_t *brokers;
    int nbrokers;
    char **goals;
    int ngoals;
    bool skip_hard_goal_check;
    bool rebalance_disk;
    char *excluded_topics;
    int concurrency;         /* concurrentPartitionMovementsPerBroker; 0 = server default */
    int intra_concurrency;   /* concurrentIntraBrokerPartitionMovements */
    int leader_concurrency;  /* concurrentLeaderMovements */
    double throttle;         /* replicationThrottle bytes/s; < 0 = server default */
    char *strategies;        /* comma list, or NULL */
    struct rb_volumes *volumes; /* moveReplicasOffVolumes */
    int nvolumes;
};

/* Checks a spec (NULL or an object). -EINVAL: what the CRD's schema refuses (a field of the
 * wrong type, an unknown field, a value out of range); the resource is refused. -EDOM: what
 * Strimzi's operator refuses ("The brokers list is mandatory when using the add-brokers
 * rebalancing mode"); the resource is kept, NotReady with that message. */
int rb_spec_parse(const cJSON *spec, struct rb_spec *ret, struct error *err);
void rb_spec_finish(struct rb_spec *s);
/* A request for the service: a dry run of the spec (copies what it needs). */
void rb_spec_request(const struct rb_spec *s, struct svc_request *ret);

/* ---- resources (controller.c) ---- */
/* Checks a resource sent to apply: apiVersion kafka.strimzi.io/v1 or v1beta2, kind
 * KafkaRebalance, metadata.name a DNS-1123 subdomain, the strimzi.io/cluster label, a spec
 * the schema accepts. */
int rb_resource_check(const cJSON *obj, struct error *err);
/* The resource's state (its one state condition), or RB_NEW without one. */
enum rb_state rb_resource_state(const cJSON *obj);

/* ---- the auto-rebalancer (auto.c) ---- */
struct rb_controller;
struct rb_auto;
/* Resources named <cluster>-auto-rebalancing-<mode>; a joined broker waits settle_ms.
 * tmpl_add, tmpl_remove (or NULL): the template resource (annotated
 * strimzi.io/rebalance-template: "true") whose spec the resource of that mode takes; when it
 * is missing the rebalance is skipped with lastError, as Strimzi skips it. heal_ms > 0 turns
 * on self-healing: a broker dead that long still holding replicas gets them moved off. */
struct rb_auto *rb_auto_create(const char *cluster, int64_t settle_ms, const char *tmpl_add,
                               const char *tmpl_remove, int64_t heal_ms);
void rb_auto_destroy(struct rb_auto *a); /* accepts NULL */
/* One step from the controller's thread (no lock of the controller held). */
void rb_auto_step(struct rb_auto *a, struct rb_controller *c, struct svc *s);
/* Queues brokers to empty (remove-brokers, auto-approved). -EBUSY while one runs. */
int rb_auto_decommission(struct rb_auto *a, const int32_t *ids, int n, struct error *err);
/* Self-healing at run time: on 1 switches it on, 0 off, -1 leaves it; *ret_before: whether
 * it was on. -ENOENT (nothing changed, *ret_before false) when it is not configured
 * (heal_ms 0). Switched off, a dead broker is still watched (its time counts from when it
 * was first seen dead) and a fix-offline rebalance already made runs to its end. */
int rb_auto_self_healing(struct rb_auto *a, int on, bool *ret_before);
/* {state, lastTransitionTime, modes:[{mode, brokers}], queuedBrokers, selfHealing:{enabled,
 * enabledRatio, thresholdMs, deadBrokers}, decommission:{brokers, safeToStop, done},
 * lastError}. */
cJSON *rb_auto_json(struct rb_auto *a);

struct rb_kube;
struct rb_options {
    struct svc *svc;        /* borrowed; outlives the controller */
    const char *state_dir;  /* resources in state_dir/rebalances/ */
    int interval_ms;        /* reconcile every (1000); also woken by each change */
    /* Kubernetes mode (rebalance/kube.h): the resources are the API's, listed and watched
     * in its namespace by its selector; status written through the status subresource,
     * consumed annotations removed with a patch. The controller takes it (also on failure).
     * NULL: standalone (files in state_dir/rebalances/, managed through rb_apply & co.). */
    struct rb_kube *kube;
    /* The auto-rebalancer, or NULL; the controller takes it. */
    struct rb_auto *autob;
};

/* Loads the resources kept in state_dir/rebalances/ (a file that does not parse is skipped
 * with a warning). Starts no thread. */
int rb_controller_create(const struct rb_options *o, struct rb_controller **ret,
                         struct error *err);
int rb_controller_start(struct rb_controller *c, struct error *err);
/* Ends the reconcile thread (an execution a resource started goes on in the service). */
void rb_controller_stop(struct rb_controller *c);
void rb_controller_destroy(struct rb_controller *c); /* accepts NULL */

/* The REST front (api/rebalances.c) calls these; each takes the controller's lock briefly
 * and wakes the reconcile thread. Thread-safe. */
/* In Kubernetes mode these refuse with -EPERM (the resources are the API server's). */
/* Creates or updates a resource: labels, annotations and spec replace the stored ones (a
 * changed spec bumps metadata.generation), status is kept. *ret_created says which. */
int rb_apply(struct rb_controller *c, const cJSON *obj, bool *ret_created, cJSON **ret,
             struct error *err);
/* A copy of the resource, or NULL. */
cJSON *rb_get(struct rb_controller *c, const char *name);
/* {"apiVersion":"v1","kind":"List","items":[...]} by name. */
cJSON *rb_list(struct rb_controller *c);
/* Sets the strimzi.io/rebalance annotation to value (approve, refresh, stop or anything: an
 * invalid one shows as a Warning, as with kubectl annotate). -ENOENT: no such resource. */
int rb_annotate(struct rb_controller *c, const char *name, const char *value,
                struct error *err);
/* Deletes it (its files too); an execution it runs is stopped. -ENOENT: no such resource. */
int rb_delete(struct rb_controller *c, const char *name, struct error *err);
/* The auto-rebalancer's own resources, in either mode (standalone: as rb_apply, rb_annotate,
 * rb_delete; Kubernetes: created, annotated, deleted through the API, with the labels the
 * selector needs, and taken in at once, before the watch brings them). Called without the
 * controller's lock. rb_own_apply only creates: -EEXIST when the name is taken. */
int rb_own_apply(struct rb_controller *c, const cJSON *obj, struct error *err);
int rb_own_annotate(struct rb_controller *c, const char *name, const char *value,
                    struct error *err);
int rb_own_delete(struct rb_controller *c, const char *name, struct error *err);
/* Decommissions brokers through the auto-rebalancer: -ENOTSUP without one. */
int rb_decommission(struct rb_controller *c, const int32_t *ids, int n, struct error *err);
/* rb_auto_self_healing of the auto-rebalancer: -ENOENT without one or without self-healing
 * configured. */
int rb_self_healing(struct rb_controller *c, int on, bool *ret_before);
/* The auto-rebalancer's state (rb_auto_json), or NULL without one. */
cJSON *rb_auto_state(struct rb_controller *c);
/* Runs one reconcile pass now (tests; the thread does it every interval_ms). */
void rb_reconcile_all(struct rb_controller *c);

#endif
