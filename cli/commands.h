/* The ballast command line: one file per command, registered in commands.c. Each command
 * parses its own options and returns the process exit code: 0 success, 1 failure (the
 * message is on stderr), 2 usage error. */
#ifndef CLI_COMMANDS_H
#define CLI_COMMANDS_H

#include <stdint.h>
#include <stdio.h>

#define EXIT_USAGE 2

struct cli_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
    void (*help)(FILE *out);
};

extern const struct cli_command cli_commands[];

int cmd_generate(int argc, char **argv);
void cmd_generate_help(FILE *out);
int cmd_plan(int argc, char **argv);
int cmd_snapshot(int argc, char **argv);
void cmd_snapshot_help(FILE *out);
void cmd_plan_help(FILE *out);
int cmd_execute(int argc, char **argv);
void cmd_execute_help(FILE *out);
int cmd_serve(int argc, char **argv);
void cmd_serve_help(FILE *out);
int cmd_rebalance(int argc, char **argv);
void cmd_rebalance_help(FILE *out);
int cmd_kafkarebalance(int argc, char **argv); /* ballast rebalance VERB ... */
void cmd_kafkarebalance_help(FILE *out);
int cmd_decommission(int argc, char **argv);
void cmd_decommission_help(FILE *out);
int cmd_status(int argc, char **argv);
void cmd_status_help(FILE *out);

struct config;
struct kafka_opts;
/* Kafka connection options from the configuration's kafka section (borrowing its strings);
 * timeout_ms > 0 overrides kafka.requestTimeoutMs. */
void cli_kafka_opts(const struct config *cfg, int timeout_ms, struct kafka_opts *o);

struct model_cluster;
struct model_capacity_table;
struct error;
/* Reads a snapshot file ("-": stdin) and parses it with model_snapshot_parse_ex. */
int cli_snapshot_read(const char *path, struct model_capacity_table *ret_defaults,
                      struct model_cluster **ret_cluster, struct error *err);
/* Writes the snapshot of c (model_snapshot_dump_ex) to path ("-": stdout) atomically. */
int cli_snapshot_write(const struct model_cluster *c, const struct model_capacity_table *defaults,
                       const char *path, struct error *err);

struct config_thresholds;
struct search_thresholds;
/* Lays the thresholds the configuration sets over th (the planner's defaults). */
void cli_thresholds(const struct config_thresholds *from, struct search_thresholds *th);

/* "ballast: <message>" on stderr; returns 1 (or the code given) for `return cli_fail(...)`. */
int cli_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Parses "1,2,3" into distinct ids (at most max); -1 with a message naming the option on
 * error (not a number, a repeated id, an empty list). */
int cli_parse_ids(const char *opt, const char *s, int32_t *ids, int max, int *ret_n);
/* Splits "a,b,c" into a NULL-terminated heap array of heap strings (cli_free_list frees);
 * -1 with a message naming the option when an item is empty ("a,,b", "a,"). */
int cli_split(const char *opt, const char *s, char ***ret_list, int *ret_n);
void cli_free_list(char **list);
/* A long option given twice (argv[0] is the command): -1 with a message naming it, else 0.
 * Every command refuses repeats, which its getopt loop would settle silently. */
int cli_check_repeats(int argc, char **argv);

#endif
