/* The CLI's HTTP client of a running `ballast serve` (cmd_client.c), shared by the commands
 * that talk to it: ballast rebalance, status, and the KafkaRebalance verbs
 * (cmd_kafkarebalance.c). */
#ifndef CLI_CLIENT_H
#define CLI_CLIENT_H

#include <cJSON.h>

struct client {
    const char *server;   /* --server, else $BALLAST_SERVER */
    const char *user;
    char *password;       /* heap; the caller frees */
    const char *cacert;
};

/* The options every client command takes: --server, --user, --password-file, --cacert. */
#define CLI_CLIENT_OPTS                                                                            \
    {"server", required_argument, NULL, 'S'}, {"user", required_argument, NULL, 'U'},              \
        {"password-file", required_argument, NULL, 'P'}, {"cacert", required_argument, NULL, 'A'}

/* Consumes one of those options: 1 when it was one, 0 when not, -1 after printing why. */
int cli_client_opt(struct client *c, int ch, const char *arg);
/* Checks the server URL and the password; initialises libcurl. 0, or EXIT_USAGE after
 * printing why. */
int cli_client_check(struct client *c, const char *cmd);
/* One request (method GET, POST, DELETE); *ret_json gets the parsed body (NULL when it is
 * not JSON). Returns the HTTP status, or -1 after printing why it failed. */
long cli_request(const struct client *c, const char *method, const char *path,
                 const char *body, cJSON **ret_json);
/* Prints "ballast: server answered N: <errorMessage>"; returns 1. */
int cli_fail_answer(long status, const cJSON *j);

/* Whether argv[1] of `ballast rebalance` is a resource verb (apply, get, approve, refresh,
 * stop, delete). */
int cli_is_resource_verb(const char *s);

#endif
