/* ballast: the command-line entry point. Dispatches to the command table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "cli/commands.h"
#include "common/alloc.h"

#define BALLAST_VERSION "0.1.0"

static void usage(FILE *out)
{
    fprintf(out, "usage: ballast <command> [options]\n\ncommands:\n");
    for (const struct cli_command *c = cli_commands; c->name; c++)
        fprintf(out, "  %-10s %s\n", c->name, c->summary);
    fprintf(out, "\n'ballast <command> --help' describes a command's options.\n");
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
