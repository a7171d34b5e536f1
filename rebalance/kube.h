/* A small Kubernetes API client for the KafkaRebalance controller's Kubernetes mode, over
 * libcurl and cJSON: the credentials of a kubeconfig (its current context: server, CA,
 * bearer token or client certificate, namespace) or of the pod's service account (in-cluster),
 * list and watch of kafkarebalances.kafka.strimzi.io in one namespace by label selector, and
 * patches of a resource or its status subresource. The served version is found at start (v1,
 * else v1beta2). Each call makes its own curl handle: any thread may call, one call per handle
 * at a time (the controller's watcher lists and watches; its reconciler patches). */
#ifndef REBALANCE_KUBE_H
#define REBALANCE_KUBE_H

#include <cJSON.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "common/error.h"

struct rb_kube_options {
    const char *kubeconfig; /* NULL: in-cluster (KUBERNETES_SERVICE_HOST and the service
                               account's token, ca.crt and namespace files) */
    const char *ns;         /* NULL: the context's namespace, the service account's, "default" */
    const char *cluster;    /* reconcile resources labelled strimzi.io/cluster=cluster */
    const char *selector;   /* more of a label selector ("ballast.io/managed=true"), or NULL */
};

struct rb_kube;

/* Reads the credentials and finds the served version (a request to the server). */
int rb_kube_create(const struct rb_kube_options *o, struct rb_kube **ret, struct error *err);
void rb_kube_destroy(struct rb_kube *k); /* accepts NULL */
const char *rb_kube_namespace(const struct rb_kube *k);
const char *rb_kube_version(const struct rb_kube *k); /* "v1" or "v1beta2" */

/* The selected resources (a JSON array, taken by the caller) and the list's resourceVersion. */
int rb_kube_list(struct rb_kube *k, cJSON **ret_items, char **ret_rv, struct error *err);

/* Called for each watch event: type ADDED, MODIFIED, DELETED; obj borrowed. */
typedef void (*rb_kube_event_fn)(const char *type, const cJSON *obj, void *arg);
/* Watches from resourceVersion *rv for up to timeout_s, calling fn per event and moving *rv
 * (heap, replaced) to the newest seen (bookmarks too). 0 when the server ended the watch,
 * -ESTALE when rv is too old (410 Gone: list again), -ECANCELED when *stop became true, else a
 * negative errno with err set. */
int rb_kube_watch(struct rb_kube *k, char **rv, int timeout_s, rb_kube_event_fn fn, void *arg,
                  atomic_bool *stop, struct error *err);

/* Merge-patches the status subresource of name with {"status": status} (status borrowed);
 * *ret_obj (may be NULL) gets the resource as the server now has it. */
int rb_kube_patch_status(struct rb_kube *k, const char *name, const cJSON *status,
                         cJSON **ret_obj, struct error *err);
/* Removes annotation key of name if it still has value (a JSON patch with a test: a value
 * changed meanwhile stays). -ECANCELED when it changed. */
int rb_kube_remove_annotation(struct rb_kube *k, const char *name, const char *key,
                              const char *value, cJSON **ret_obj, struct error *err);

/* For the auto-rebalancer's own resources: */
/* The labels a resource needs for the selector to take it (strimzi.io/cluster and the
 * key=value pairs of the options' selector). Borrowed. */
const cJSON *rb_kube_labels(const struct rb_kube *k);
/* Creates obj (borrowed; namespace and apiVersion set to the controller's). -EEXIST when one
 * of that name exists (409 AlreadyExists). *ret_obj (may be NULL): the object created. */
int rb_kube_create_object(struct rb_kube *k, const cJSON *obj, cJSON **ret_obj,
                          struct error *err);
/* Sets one annotation of name (a merge patch). */
int rb_kube_set_annotation(struct rb_kube *k, const char *name, const char *key,
                           const char *value, cJSON **ret_obj, struct error *err);
/* Deletes name; -ENOENT when there is none. */
int rb_kube_delete(struct rb_kube *k, const char *name, struct error *err);

#endif
