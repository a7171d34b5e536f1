/* ballast: the command-line entry point. Dispatches to the command table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "cli/commands.h"
#include "common/alloc.h"
#include "common/log.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: ballast <command> [options]\n\ncommands:\n");
    for (const struct cli_command *c = cli_commands; c->name; c++)
        fprintf(out, "  %-10s %s\n", c->name, c->summary);
    fprintf(out, "\n'ballast <command> --help' describes a command's options.\n"
                 "--log-level error|warn|info|debug (anywhere on the line; default info, or the\n"
                 "BALLAST_LOG environment variable) sets how much is logged to stderr.\n");
}

/* Sets the log level from BALLAST_LOG, then from --log-level LEVEL / --log-level=LEVEL
 * anywhere in argv, which it removes (so commands never see it). -1 on a bad level. */
static int take_log_level(int *argc, char **argv)
{
    enum log_level level;
    const char *env = getenv("BALLAST_LOG");
    if (env && *env) {
        if (log_level_parse(env, &level) < 0) {
            fprintf(stderr, "ballast: BALLAST_LOG='%s': expected error, warn, info or debug\n",
                    env);
            return -1;
        }
        log_set_level(level);
    }
    int out = 1;
    for (int i = 1; i < *argc; i++) {
        const char *value = NULL;
        if (strcmp(argv[i], "--log-level") == 0) {
            if (i + 1 >= *argc) {
                fprintf(stderr, "ballast: --log-level needs a value: error, warn, info or "
                        "debug\n");
                return -1;
            }
            value = argv[++i];
        } else if (strncmp(argv[i], "--log-level=", 12) == 0) {
            value = argv[i] + 12;
        } else {
            argv[out++] = argv[i];
            continue;
        }
        if (log_level_parse(value, &level) < 0) {
            fprintf(stderr, "ballast: --log-level '%s': expected error, warn, info or debug\n",
                    value);
            return -1;
        }
        log_set_level(level);
    }
    argv[out] = NULL;
    *argc = out;
    return 0;
}

static void *cjson_alloc(size_t n)
{
    return xmalloc(n);
}

int main(int argc, char **argv)
{
    /* cJSON allocates through the same choke point as the rest of Ballast. */
    cJSON_Hooks hooks = {cjson_alloc, free};
    cJSON_InitHooks(&hooks);
    if (take_log_level(&argc, argv) < 0)
        return EXIT_USAGE;
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("ballast %s\n", BALLAST_VERSION);
        return 0;
    }
    for (const struct cli_command *c = cli_commands; c->name; c++) {
        if (strcmp(argv[1], c->name) != 0)
            continue;
        for (int i = 2; i < argc; i++)
            if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
                c->help(stdout);
                return 0;
            }
        if (cli_check_repeats(argc - 1, argv + 1) < 0)
            return EXIT_USAGE;
        return c->run(argc - 1, argv + 1);
    }
    fprintf(stderr, "ballast: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return EXIT_USAGE;
}
