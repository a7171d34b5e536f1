/* ballast rebalance apply|get|approve|refresh|stop|delete: KafkaRebalance resources of a
 * running `ballast serve` in standalone mode (docs/rebalance.md), as kubectl handles them on
 * Kubernetes: apply -f takes YAML (or JSON) files of one or more documents, get prints a
 * table or the resource as YAML or JSON, approve/refresh/stop set the strimzi.io/rebalance
 * annotation (the controller consumes it when it acts on it). */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/client.h"
#include "cli/commands.h"
#include "common/alloc.h"
#include "common/file.h"
#include "rebalance/rebalance.h"

#define MANIFEST_MAX (4 * 1024 * 1024)

static const char *const verbs[] = {"apply", "get", "approve", "refresh", "stop", "delete",
                                    NULL};

int cli_is_resource_verb(const char *s)
{
    for (int i = 0; verbs[i]; i++)
        if (strcmp(s, verbs[i]) == 0)
            return 1;
    return 0;
}

void cmd_kafkarebalance_help(FILE *out)
{
    fprintf(out,
            "KafkaRebalance resources (docs/rebalance.md), as kubectl handles them:\n"
            "  ballast rebalance apply -f kr.yaml          create or update (YAML or JSON, '-'\n"
            "                                              for stdin, several documents)\n"
            "  ballast rebalance get [NAME] [-o yaml|json] a table, or the resources\n"
            "  ballast rebalance approve|refresh|stop NAME set strimzi.io/rebalance\n"
            "  ballast rebalance delete NAME               (stops its execution)\n"
            "Each takes --server URL (or BALLAST_SERVER), --user, --password-file, --cacert.\n");
}

static const char *jstr(const cJSON *o, const char *k)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
    return s ? s : "";
}

static const cJSON *state_condition(const cJSON *obj)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(cJSON_GetObjectItem(obj, "status"), "conditions"))
        if (rb_state_parse(jstr(c, "type")) >= 0)
            return c;
    return NULL;
}

static void table(const cJSON *items)
{
    printf("%-32s %-16s %-15s %-20s %-7s %s\n", "NAME", "CLUSTER", "MODE", "STATE", "MOVES",
           "MESSAGE");
    const cJSON *it;
    cJSON_ArrayForEach(it, items)
    {
        const cJSON *md = cJSON_GetObjectItem(it, "metadata");
        const cJSON *st = state_condition(it);
        const char *mode = jstr(cJSON_GetObjectItem(it, "spec"), "mode");
        const cJSON *sum = cJSON_GetObjectItem(cJSON_GetObjectItem(it, "status"),
                                               "optimizationResult");
        /* replica moves between brokers and between the dirs of a broker (remove-disks) */
        const cJSON *moves = cJSON_GetObjectItem(sum, "numReplicaMovements");
        const cJSON *intra = cJSON_GetObjectItem(sum, "numIntraBrokerReplicaMovements");
        char mv[24] = "-";
        if (cJSON_IsNumber(moves))
            snprintf(mv, sizeof(mv), "%.0f", moves->valuedouble +
                                                 (cJSON_IsNumber(intra) ? intra->valuedouble : 0));
        const char *msg = jstr(st, "message");
        const cJSON *w;
        cJSON_ArrayForEach(w, cJSON_GetObjectItem(cJSON_GetObjectItem(it, "status"),
                                                  "conditions"))
            if (!strcmp(jstr(w, "type"), "Warning") && !*msg)
                msg = jstr(w, "message");
        printf("%-32s %-16s %-15s %-20s %-7s %s\n", jstr(md, "name"),
               jstr(cJSON_GetObjectItem(md, "labels"), RB_LABEL_CLUSTER), *mode ? mode : "full",
               st ? jstr(st, "type") : "New", mv, msg);
    }
}

static int print_as(const cJSON *j, const char *output)
{
    if (!output) {
        const cJSON *items = cJSON_GetObjectItem(j, "items");
        if (items) {
            table(items);
        } else {
            cJSON *one = cJSON_CreateArray();
            cJSON_AddItemReferenceToArray(one, (cJSON *)j);
            table(one);
            cJSON_Delete(one);
        }
    } else if (strcmp(output, "json") == 0) {
        char *t = cJSON_Print(j);
        printf("%s\n", t);
        cJSON_free(t);
    } else {
        char *y = rb_yaml_emit(j);
        fputs(y, stdout);
        free(y);
    }
    return 0;
}

static int apply(const struct client *c, const char *file)
{
    char *buf = NULL;
    size_t len = 0;
    struct error err = {0};
    cJSON *docs = NULL;
    if (file_read(file, MANIFEST_MAX, &buf, &len, &err) < 0 ||
        rb_yaml_parse(buf, len, file, &docs, &err) < 0) {
        free(buf);
        return cli_fail(1, "%s", err.msg);
    }
    free(buf);
    if (!cJSON_GetArraySize(docs)) {
        cJSON_Delete(docs);
        return cli_fail(1, "%s: no resource in it", file);
    }
    int rc = 0;
    const cJSON *d;
    cJSON_ArrayForEach(d, docs)
    {
        /* a kubectl List of items is applied item by item */
        const cJSON *items = cJSON_GetObjectItem(d, "items");
        cJSON *one = cJSON_CreateArray();
        if (!strcmp(jstr(d, "kind"), "List") && cJSON_IsArray(items)) {
            const cJSON *x;
            cJSON_ArrayForEach(x, items)
                cJSON_AddItemReferenceToArray(one, (cJSON *)x);
        } else {
            cJSON_AddItemReferenceToArray(one, (cJSON *)d);
        }
        const cJSON *x;
        cJSON_ArrayForEach(x, one)
        {
            char *body = cJSON_PrintUnformatted(x);
            cJSON *ans = NULL;
            long st = cli_request(c, "POST", "/api/v1/kafkarebalances", body, &ans);
            cJSON_free(body);
            if (st == 200 || st == 201)
                printf("kafkarebalance.kafka.strimzi.io/%s %s\n",
                       jstr(cJSON_GetObjectItem(ans, "metadata"), "name"),
                       st == 201 ? "created" : "configured");
            else if (st > 0)
                rc = cli_fail_answer(st, ans);
            else
                rc = 1;
            cJSON_Delete(ans);
        }
        cJSON_Delete(one);
    }
    cJSON_Delete(docs);
    return rc;
}

int cmd_kafkarebalance(int argc, char **argv)
{
    struct client c = {0};
    const char *file = NULL, *output = NULL;
    const char *verb = argv[0];
    static const struct option opts[] = {
        CLI_CLIENT_OPTS,
        {"filename", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {NULL, 0, NULL, 0},
    };
    opterr = 0;
    optind = 1;
    int ch, exit_code = EXIT_USAGE;
    while ((ch = getopt_long(argc, argv, ":f:o:", opts, NULL)) != -1) {
        int k = cli_client_opt(&c, ch, optarg);
        if (k < 0)
            goto out;
        if (k)
            continue;
        switch (ch) {
        case 'f': file = optarg; break;
        case 'o': output = optarg; break;
        case ':':
            cli_fail(0, "rebalance %s: option '%s' needs a value", verb, argv[optind - 1]);
            goto out;
        default:
            cli_fail(0, "rebalance %s: unknown option '%s' (see --help)", verb, argv[optind - 1]);
            goto out;
        }
    }
    const char *name = optind < argc ? argv[optind] : NULL;
    bool is_apply = !strcmp(verb, "apply"), is_get = !strcmp(verb, "get");
    if (optind + (name ? 1 : 0) < argc) {
        cli_fail(0, "rebalance %s: unexpected argument '%s'", verb, argv[optind + 1]);
        goto out;
    }
    if (is_apply ? !file || name : file != NULL) {
        cli_fail(0, is_apply ? "rebalance apply: -f FILE is required, and no NAME"
                             : "rebalance %s: -f goes with apply only", verb);
        goto out;
    }
    if (!is_apply && !is_get && !name) {
        cli_fail(0, "rebalance %s: NAME is required", verb);
        goto out;
    }
    if (output && (!is_get || (strcmp(output, "yaml") && strcmp(output, "json")))) {
        cli_fail(0, "rebalance %s: -o takes yaml or json, with get", verb);
        goto out;
    }
    if (name && strpbrk(name, "/?#%")) {
        cli_fail(0, "rebalance %s: '%s' is not a resource name", verb, name);
        goto out;
    }
    if (cli_client_check(&c, "rebalance") != 0)
        goto out;
    exit_code = 1;
    if (is_apply) {
        exit_code = apply(&c, file);
        goto out;
    }
    char *path = name ? xasprintf("/api/v1/kafkarebalances/%s", name)
                      : xstrdup("/api/v1/kafkarebalances");
    if (!is_get && strcmp(verb, "delete") != 0) {
        char *p = xasprintf("%s?annotate=%s", path, verb);
        free(path);
        path = p;
    }
    cJSON *ans = NULL;
    long st = cli_request(&c, is_get ? "GET" : !strcmp(verb, "delete") ? "DELETE" : "POST", path,
                          NULL, &ans);
    free(path);
    if (st == 200) {
        if (is_get)
            exit_code = print_as(ans, output);
        else {
            printf("kafkarebalance.kafka.strimzi.io/%s %s\n", name,
                   !strcmp(verb, "delete") ? "deleted" : "annotated");
            exit_code = 0;
        }
    } else if (st > 0) {
        cli_fail_answer(st, ans);
    }
    cJSON_Delete(ans);
out:
    free(c.password);
    return exit_code;
}

void cmd_decommission_help(FILE *out)
{
    fprintf(out,
            "usage: ballast decommission --brokers 7,8 [--wait] [--server URL] [--user U]\n\n"
            "Asks a running `ballast serve --auto-rebalance CLUSTER` to empty brokers before they\n"
            "are stopped: CLUSTER-auto-rebalancing-remove-brokers (auto-approved) moves their\n"
            "replicas, and so their leadership, to the others. --wait follows it and exits 0\n"
            "once the brokers hold nothing: then they are safe to stop.\n");
}

int cmd_decommission(int argc, char **argv)
{
    struct client c = {0};
    const char *brokers = NULL;
    bool wait = false;
    static const struct option opts[] = {
        CLI_CLIENT_OPTS,
        {"brokers", required_argument, NULL, 'b'},
        {"wait", no_argument, NULL, 'w'},
        {NULL, 0, NULL, 0},
    };
    opterr = 0;
    optind = 1;
    int ch, exit_code = EXIT_USAGE;
    while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        int k = cli_client_opt(&c, ch, optarg);
        if (k < 0)
            goto out;
        if (k)
            continue;
        switch (ch) {
        case 'b': brokers = optarg; break;
        case 'w': wait = true; break;
        case ':':
            cli_fail(0, "decommission: option '%s' needs a value", argv[optind - 1]);
            goto out;
        default:
            cli_fail(0, "decommission: unknown option '%s' (see --help)", argv[optind - 1]);
            goto out;
        }
    }
    int32_t ids[256];
    int n = 0;
    if (optind < argc || !brokers) {
        cli_fail(0, "decommission: --brokers 7,8 is required, and nothing else");
        goto out;
    }
    if (cli_parse_ids("--brokers", brokers, ids, 256, &n) < 0 ||
        cli_client_check(&c, "decommission") != 0)
        goto out;
    exit_code = 1;
    cJSON *body = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(body, "brokers");
    for (int i = 0; i < n; i++)
        cJSON_AddItemToArray(arr, cJSON_CreateNumber(ids[i]));
    char *text = cJSON_PrintUnformatted(body);
    cJSON_Delete(body);
    cJSON *ans = NULL;
    long st = cli_request(&c, "POST", "/api/v1/decommission", text, &ans);
    cJSON_free(text);
    if (st != 202) {
        if (st > 0)
            cli_fail_answer(st, ans);
        cJSON_Delete(ans);
        goto out;
    }
    cJSON_Delete(ans);
    fprintf(stderr, "decommission of %s asked (%s)\n", brokers,
            "a remove-brokers KafkaRebalance, auto-approved");
    if (!wait) {
        exit_code = 0;
        goto out;
    }
    for (;;) {
        cJSON *s = NULL;
        st = cli_request(&c, "GET", "/api/v1/state", NULL, &s);
        if (st != 200) {
            if (st > 0)
                cli_fail_answer(st, s);
            cJSON_Delete(s);
            goto out;
        }
        const cJSON *d = cJSON_GetObjectItem(cJSON_GetObjectItem(s, "autoRebalance"),
                                             "decommission");
        bool done = cJSON_IsTrue(cJSON_GetObjectItem(d, "done"));
        const char *e = jstr(cJSON_GetObjectItem(s, "autoRebalance"), "lastError");
        cJSON_Delete(s);
        if (done) {
            printf("brokers %s hold no replica: safe to stop\n", brokers);
            exit_code = 0;
            goto out;
        }
        if (*e)
            fprintf(stderr, "auto-rebalancer: %s\n", e);
        struct timespec ts = {1, 0};
        nanosleep(&ts, NULL);
    }
out:
    free(c.password);
    return exit_code;
}
