/* ballast rebalance --server URL and ballast status --server URL: the CLI against a running
 * `ballast serve` (docs/api.md) over libcurl. A rebalance posts to /api/v1/rebalance and, when
 * the answer is 202, polls its task, drawing the same progress as `ballast execute` (a bar on
 * a terminal, a line every 5 s otherwise). Credentials: --user USER with the password from
 * --password-file or the BALLAST_PASSWORD environment variable (never on the command line). */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>
#include <curl/curl.h>

#include "cli/client.h"
#include "cli/commands.h"
#include "common/alloc.h"
#include "common/clock.h"
#include "common/file.h"
#include "common/reply.h"
#include "config/config.h"

#define REPLY_MAX ((size_t)512 * 1024 * 1024)

/* One request; *ret_json gets the parsed body (NULL when it is not JSON). Returns the HTTP
 * status, or -1 after printing why the request failed. */
static long request(const struct client *c, const char *method, const char *path,
                    const char *body, cJSON **ret_json)
{
    CURL *h = curl_easy_init();
    if (!h)
        return cli_fail(-1, "cannot initialise libcurl");
    char *url = xasprintf("%s%s", c->server, path);
    struct reply_buf b;
    reply_buf_init(&b, REPLY_MAX);
    char errbuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, reply_buf_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 120000L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    if (c->cacert)
        curl_easy_setopt(h, CURLOPT_CAINFO, c->cacert);
    if (c->user) {
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(h, CURLOPT_USERNAME, c->user);
        curl_easy_setopt(h, CURLOPT_PASSWORD, c->password ? c->password : "");
    }
    if (strcmp(method, "POST") == 0) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
    } else if (strcmp(method, "GET") != 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    }
    CURLcode rc = curl_easy_perform(h);
    long status = -1;
    if (rc != CURLE_OK && b.over) {
        struct error err = {0};
        char *what = xasprintf("%s %s", method, url);
        reply_buf_error(&b, what, &err);
        free(what);
        cli_fail(-1, "%s", err.msg);
    } else if (rc != CURLE_OK) {
        cli_fail(-1, "%s %s: %s", method, url, *errbuf ? errbuf : curl_easy_strerror(rc));
    } else {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        *ret_json = b.data ? cJSON_Parse(b.data) : NULL;
    }
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);
    free(url);
    reply_buf_finish(&b);
    return status;
}

static const char *jstr(const cJSON *o, const char *k)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(o, k));
    return s ? s : "";
}

static double jnum(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItem(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* Prints an error answer ("ballast: 409: ...") and returns 1. */
static int fail_answer(long status, const cJSON *j)
{
    const char *m = jstr(j, "errorMessage");
    return cli_fail(1, "server answered %ld: %s", status, *m ? m : "(no message)");
}

static void progress_line(const cJSON *e, bool tty)
{
    if (jnum(e, "numTotalMovements") <= 0) /* the journal of this execution is not written yet */
        return;
    double done = jnum(e, "bytesDone"), total = jnum(e, "bytesTotal");
    int n = (int)jnum(e, "numTotalMovements"), f = (int)jnum(e, "numFinishedMovements");
    int inflight = (int)jnum(e, "numInProgressMovements");
    char eta[32] = "?";
    if (cJSON_GetObjectItem(e, "etaSeconds"))
        snprintf(eta, sizeof(eta), "%.0f s", jnum(e, "etaSeconds"));
    else if (total > 0 && done >= total)
        snprintf(eta, sizeof(eta), "0 s");
    if (tty) {
        char bar[31];
        int fill = total > 0 ? (int)(30.0 * done / total) : 0;
        for (int i = 0; i < 30; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[30] = '\0';
        fprintf(stderr, "\r%-10s [%s] %d/%d done, %d in flight, %.1f/%.1f MB, ETA %s   ",
                "executing", bar, f, n, inflight, done / 1e6, total / 1e6, eta);
    } else {
        fprintf(stderr, "executing: %d/%d done, %d in flight, %.1f/%.1f MB, ETA %s\n", f, n,
                inflight, done / 1e6, total / 1e6, eta);
    }
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Polls the task until it ends, drawing the execution's progress from /state. Returns the
 * final task (with result) or NULL after printing why. */
static cJSON *wait_task(const struct client *c, const char *id, bool quiet)
{
    bool tty = isatty(STDERR_FILENO);
    double last_line = 0;
    char *path = xasprintf("/api/v1/tasks/%s", id);
    cJSON *t = NULL;
    for (;;) {
        cJSON_Delete(t);
        t = NULL;
        long st = request(c, "GET", path, NULL, &t);
        if (st != 200) {
            if (st > 0)
                fail_answer(st, t);
            cJSON_Delete(t);
            t = NULL;
            break;
        }
        const char *state = jstr(t, "state");
        if (!strcmp(state, "Completed") || !strcmp(state, "CompletedWithError"))
            break;
        if (!quiet && !strcmp(state, "InExecution") &&
            (tty || clock_mono_ms() - last_line >= 5000)) {
            cJSON *s = NULL;
            if (request(c, "GET", "/api/v1/state", NULL, &s) == 200)
                progress_line(cJSON_GetObjectItem(s, "executor"), tty);
            cJSON_Delete(s);
            last_line = clock_mono_ms();
        }
        sleep_ms(tty ? 300 : 1000);
    }
    if (tty && !quiet)
        fprintf(stderr, "\n");
    free(path);
    return t;
}

static int write_json(const char *path, const cJSON *j)
{
    char *t = cJSON_Print(j);
    char *text = xasprintf("%s\n", t);
    cJSON_free(t);
    struct error err = {0};
    int rc = file_write_atomic(path, text, strlen(text), &err);
    free(text);
    return rc < 0 ? cli_fail(1, "%s", err.msg) : 0;
}

/* Text output is decimal (MB = 10^6 bytes), as everywhere (docs/cli.md); the JSON's
 * dataToMoveMB is Cruise Control's 2^20. */
static void print_proposal(FILE *out, const cJSON *res)
{
    const cJSON *s = cJSON_GetObjectItem(res, "summary");
    fprintf(out, "proposal %s (model generation %.0f): %.0f replica moves, %.1f MB to move, %.0f "
            "leader moves; balancedness %.1f -> %.1f\n",
            jstr(res, "proposalId"), jnum(res, "modelGeneration"),
            jnum(s, "numReplicaMovements"),
            jnum(cJSON_GetObjectItem(s, "ballast"), "dataToMoveBytes") / 1e6,
            jnum(s, "numLeaderMovements"), jnum(s, "onDemandBalancednessScoreBefore"),
            jnum(s, "onDemandBalancednessScoreAfter"));
    const cJSON *g;
    cJSON_ArrayForEach(g, cJSON_GetObjectItem(res, "goalSummary"))
        fprintf(out, "  %-40s %-9s violations %.0f -> %.0f %s\n", jstr(g, "goal"),
                jstr(g, "status"), jnum(g, "violationsBefore"), jnum(g, "violationsAfter"),
                jstr(g, "violationUnit"));
}

/* Common options: --server, --user, --password-file, --cacert. 1 when consumed. */
static int client_opt(struct client *c, int ch, const char *arg)
{
    switch (ch) {
    case 'S': c->server = arg; return 1;
    case 'U': c->user = arg; return 1;
    case 'P': {
        char *buf = NULL;
        size_t n = 0;
        struct error err = {0};
        if (file_read(arg, 4096, &buf, &n, &err) < 0)
            return cli_fail(-1, "%s", err.msg);
        buf[strcspn(buf, "\r\n")] = '\0';
        free(c->password);
        c->password = buf;
        return 1;
    }
    case 'A': c->cacert = arg; return 1;
    default: return 0;
    }
}

static int client_check(struct client *c, const char *cmd)
{
    if (!c->server)
        c->server = getenv("BALLAST_SERVER");
    if (!c->server)
        return cli_fail(EXIT_USAGE, "%s: --server URL (or BALLAST_SERVER) is required (e.g. "
                        "http://127.0.0.1:9090)", cmd);
    if (strncmp(c->server, "http://", 7) != 0 && strncmp(c->server, "https://", 8) != 0)
        return cli_fail(EXIT_USAGE, "%s: --server '%s': expected http://HOST:PORT or "
                        "https://HOST:PORT", cmd, c->server);
    if (c->user && !c->password && getenv("BALLAST_PASSWORD"))
        c->password = xstrdup(getenv("BALLAST_PASSWORD"));
    if (c->user && !c->password)
        return cli_fail(EXIT_USAGE, "%s: --user needs --password-file FILE or BALLAST_PASSWORD",
                        cmd);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return 0;
}

long cli_request(const struct client *c, const char *method, const char *path,
                 const char *body, cJSON **ret_json)
{
    return request(c, method, path, body, ret_json);
}

int cli_client_opt(struct client *c, int ch, const char *arg)
{
    return client_opt(c, ch, arg);
}

int cli_client_check(struct client *c, const char *cmd)
{
    return client_check(c, cmd);
}

int cli_fail_answer(long status, const cJSON *j)
{
    return fail_answer(status, j);
}

void cmd_rebalance_help(FILE *out)
{
    fprintf(out,
            "usage: ballast rebalance --server URL [--dry-run | --execute PROPOSAL_ID | --now]\n"
            "                         [options]\n\n"
            "Asks a running `ballast serve` (docs/api.md) to rebalance.\n"
            "  --server URL            http://HOST:PORT or https://HOST:PORT\n"
            "  --user USER             HTTP Basic user; the password from --password-file FILE\n"
            "                          or the BALLAST_PASSWORD environment variable\n"
            "  --cacert FILE           CA certificate that signed the server's (https)\n"
            "  --dry-run               plan only and print the proposal (the default)\n"
            "  --execute ID            execute exactly proposal ID (refused when the cluster\n"
            "                          changed under it) and follow its progress\n"
            "  --now                   plan and execute in one step\n"
            "  --mode MODE             full, add-brokers, remove-brokers, demote, fix-offline\n"
            "  --brokers 1,2           for add-brokers, remove-brokers, demote\n"
            "  --goals G1,G2           goals in priority order\n"
            "  --excluded-topics RE    topics (whole names) whose replicas stay\n"
            "  --skip-hard-goal-check\n"
            "  --throttle RATE         replication bytes/s per broker (50MB)\n"
            "  --concurrency N         moves per broker\n"
            "  --strategy S1,S2        replica movement strategies\n"
            "  --reason TEXT           kept with the task\n"
            "  --verbose               the proposal JSON carries proposals and the load before\n"
            "  --output-json FILE      write the answer (optimization result or report)\n"
            "  --no-wait               with --execute/--now: return once the execution started\n\n"
            "Exit status: 0 done, 1 failed or refused (the server's message on stderr), 2 usage,\n"
            "3 the execution was stopped.\n\n");
    cmd_kafkarebalance_help(out);
}

int cmd_rebalance(int argc, char **argv)
{
    if (argc > 1 && cli_is_resource_verb(argv[1]))
        return cmd_kafkarebalance(argc - 1, argv + 1);
    struct client c = {0};
    const char *execute = NULL, *out_json = NULL;
    bool now = false, dry = false, no_wait = false;
    cJSON *body = cJSON_CreateObject();
    static const struct option opts[] = {
        CLI_CLIENT_OPTS,
        {"dry-run", no_argument, NULL, 'd'},
        {"execute", required_argument, NULL, 'e'},
        {"now", no_argument, NULL, 'n'},
        {"mode", required_argument, NULL, 'm'},
        {"brokers", required_argument, NULL, 'b'},
        {"goals", required_argument, NULL, 'g'},
        {"excluded-topics", required_argument, NULL, 'x'},
        {"skip-hard-goal-check", no_argument, NULL, 'k'},
        {"throttle", required_argument, NULL, 't'},
        {"concurrency", required_argument, NULL, 'c'},
        {"strategy", required_argument, NULL, 's'},
        {"reason", required_argument, NULL, 'r'},
        {"verbose", no_argument, NULL, 'v'},
        {"output-json", required_argument, NULL, 'o'},
        {"no-wait", no_argument, NULL, 'W'},
        {NULL, 0, NULL, 0},
    };
    static const char *const keys[128] = {
        ['m'] = "mode",     ['b'] = "brokers",     ['g'] = "goals",   ['x'] = "excludedTopics",
        ['t'] = "throttle", ['c'] = "concurrency", ['s'] = "strategies", ['r'] = "reason",
    };
    opterr = 0;
    optind = 1;
    int ch, exit_code = EXIT_USAGE;
    while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        int k = client_opt(&c, ch, optarg);
        if (k < 0)
            goto out;
        if (k)
            continue;
        switch (ch) {
        case 'd': dry = true; break;
        case 'e': execute = optarg; break;
        case 'n': now = true; break;
        case 'k': cJSON_AddBoolToObject(body, "skipHardGoalCheck", true); break;
        case 'v': cJSON_AddBoolToObject(body, "verbose", true); break;
        case 'o': out_json = optarg; break;
        case 'W': no_wait = true; break;
        case ':': cli_fail(0, "rebalance: option '%s' needs a value", argv[optind - 1]); goto out;
        case '?': cli_fail(0, "rebalance: unknown option '%s' (see --help)", argv[optind - 1]); goto out;
        default: cJSON_AddStringToObject(body, keys[ch], optarg); break;
        }
    }
    if (optind < argc) {
        cli_fail(0, "rebalance: unexpected argument '%s'", argv[optind]);
        goto out;
    }
    if (dry + !!execute + now > 1) {
        cli_fail(0, "rebalance: --dry-run, --execute and --now exclude each other");
        goto out;
    }
    if (client_check(&c, "rebalance") != 0)
        goto out;
    if (execute) {
        cJSON_AddStringToObject(body, "proposalId", execute);
        cJSON_AddBoolToObject(body, "dryrun", false);
    } else if (now) {
        cJSON_AddBoolToObject(body, "dryrun", false);
    }
    exit_code = 1;
    char *text = cJSON_PrintUnformatted(body);
    cJSON *ans = NULL;
    long st = request(&c, "POST", "/api/v1/rebalance", text, &ans);
    cJSON_free(text);
    if (st < 0)
        goto out;
    if (st != 200 && st != 202) {
        fail_answer(st, ans);
        cJSON_Delete(ans);
        goto out;
    }
    if (st == 202) {
        const char *id = jstr(ans, "id");
        fprintf(stderr, "task %s: %s\n", id, jstr(ans, "state"));
        if (no_wait) {
            printf("%s\n", id);
            cJSON_Delete(ans);
            exit_code = 0;
            goto out;
        }
        char *tid = xstrdup(id);
        cJSON_Delete(ans);
        cJSON *t = wait_task(&c, tid, false);
        free(tid);
        if (!t)
            goto out;
        ans = cJSON_DetachItemFromObject(t, "result");
        st = (long)jnum(t, "httpStatus");
        cJSON_Delete(t);
        if (!ans || (st && st != 200)) {
            fail_answer(st, ans);
            cJSON_Delete(ans);
            goto out;
        }
    }
    if (out_json && write_json(out_json, ans) != 0) {
        cJSON_Delete(ans);
        goto out;
    }
    /* with the JSON on stdout (--output-json -), the text goes to stderr */
    FILE *text_out = out_json && strcmp(out_json, "-") == 0 ? stderr : stdout;
    const cJSON *e = cJSON_GetObjectItem(ans, "execution");
    if (e) {
        fprintf(text_out, "execution %s: %.0f done, %.0f failed, %.0f skipped, %.0f not done, of %.0f "
               "tasks; %.1f of %.1f MB moved in %.1f s\n",
               jstr(e, "status"), jnum(e, "done"), jnum(e, "failed"), jnum(e, "skipped"),
               jnum(e, "notDone"), jnum(e, "tasks"), jnum(e, "bytesDone") / 1e6,
               jnum(e, "bytesTotal") / 1e6, jnum(e, "seconds"));
        exit_code = !strcmp(jstr(e, "status"), "stopped") ? 3
                    : *jstr(ans, "errorMessage")          ? 1
                                                          : 0;
        if (*jstr(ans, "errorMessage"))
            cli_fail(0, "%s", jstr(ans, "errorMessage"));
    } else {
        print_proposal(text_out, ans);
        exit_code = 0;
    }
    cJSON_Delete(ans);
out:
    cJSON_Delete(body);
    free(c.password);
    return exit_code;
}

void cmd_status_help(FILE *out)
{
    fprintf(out,
            "usage: ballast status --server URL [--user USER] [--cacert FILE] [--wait]\n\n"
            "Prints a running `ballast serve`'s state: model generation and age, monitor,\n"
            "executor (progress, ETA, throttle), analyzer. --wait follows a running execution\n"
            "with the same progress as `ballast execute` until it ends.\n");
}

int cmd_status(int argc, char **argv)
{
    struct client c = {0};
    bool wait = false, json = false;
    static const struct option opts[] = {
        CLI_CLIENT_OPTS,
        {"wait", no_argument, NULL, 'w'},
        {"json", no_argument, NULL, 'j'},
        {NULL, 0, NULL, 0},
    };
    opterr = 0;
    optind = 1;
    int ch, exit_code = EXIT_USAGE;
    while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        int k = client_opt(&c, ch, optarg);
        if (k < 0)
            goto out;
        if (k)
            continue;
        switch (ch) {
        case 'w': wait = true; break;
        case 'j': json = true; break;
        case ':': cli_fail(0, "status: option '%s' needs a value", argv[optind - 1]); goto out;
        default: cli_fail(0, "status: unknown option '%s' (see --help)", argv[optind - 1]); goto out;
        }
    }
    if (optind < argc) {
        cli_fail(0, "status: unexpected argument '%s'", argv[optind]);
        goto out;
    }
    if (client_check(&c, "status") != 0)
        goto out;
    exit_code = 1;
    bool tty = isatty(STDERR_FILENO);
    for (;;) {
        cJSON *s = NULL;
        long st = request(&c, "GET", "/api/v1/state", NULL, &s);
        if (st != 200) {
            if (st > 0)
                fail_answer(st, s);
            cJSON_Delete(s);
            goto out;
        }
        const cJSON *e = cJSON_GetObjectItem(s, "executor");
        bool running = strcmp(jstr(e, "state"), "NO_TASK_IN_PROGRESS") != 0;
        if (wait && running) {
            progress_line(e, tty);
            cJSON_Delete(s);
            sleep_ms(tty ? 300 : 5000);
            continue;
        }
        if (wait && tty)
            fprintf(stderr, "\n");
        if (json) {
            char *t = cJSON_Print(s);
            printf("%s\n", t);
            cJSON_free(t);
        } else {
            const cJSON *m = cJSON_GetObjectItem(s, "model"), *mon = cJSON_GetObjectItem(s, "monitor");
            const cJSON *a = cJSON_GetObjectItem(s, "analyzer");
            printf("model: generation %.0f, %.1f s old, %.0f brokers, %.0f partitions, %.0f "
                   "replicas (from %s)\n",
                   jnum(m, "generation"), jnum(m, "ageMs") / 1000, jnum(m, "brokers"),
                   jnum(m, "partitions"), jnum(m, "replicas"), jstr(m, "source"));
            printf("monitor: %s (sampler %s), %.0f windows, %.1f%% of partitions monitored\n",
                   jstr(mon, "state"), jstr(mon, "sampler"), jnum(mon, "numValidWindows"),
                   jnum(mon, "monitoredPartitionsPercentage"));
            printf("executor: %s", jstr(e, "state"));
            if (cJSON_GetObjectItem(e, "numTotalMovements"))
                printf("; last execution %s: %.0f/%.0f movements done, %.1f/%.1f MB, throttle "
                       "%.1f MB/s",
                       jstr(e, "journalStatus"), jnum(e, "numFinishedMovements"),
                       jnum(e, "numTotalMovements"), jnum(e, "bytesDone") / 1e6,
                       jnum(e, "bytesTotal") / 1e6, jnum(e, "throttle") / 1e6);
            printf("\nanalyzer: default proposal %s, %.0f of %.0f tasks active, last plan %.0f "
                   "ms\n",
                   cJSON_IsTrue(cJSON_GetObjectItem(a, "isProposalReady"))
                       ? jstr(a, "defaultProposalId")
                       : "not ready",
                   jnum(a, "activeTasks"), jnum(a, "maxActiveTasks"), jnum(a, "lastPlanMs"));
        }
        cJSON_Delete(s);
        break;
    }
    exit_code = 0;
out:
    free(c.password);
    return exit_code;
}
