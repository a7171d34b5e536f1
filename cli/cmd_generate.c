/* ballast generate: write a synthetic cluster snapshot (model/generate.h). */
#include <string.h>

#include "cli/commands.h"
#include "model/generate.h"
#include "model/snapshot.h"

void cmd_generate_help(FILE *out)
{
    fprintf(out, "usage: ballast generate [options] --out FILE ('-' = stdout)\n\n%s",
            model_generate_usage());
}

int cmd_generate(int argc, char **argv)
{
    const char *out = NULL;
    /* Pull --out out of the arguments; the generator parses the rest. */
    char **rest = argv + 1;
    int nrest = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--out") == 0) {
            if (i + 1 >= argc)
                return cli_fail(EXIT_USAGE, "--out needs a file name");
            out = argv[++i];
        } else if (strncmp(argv[i], "--out=", 6) == 0) {
            out = argv[i] + 6;
        } else {
            rest[nrest++] = argv[i];
        }
    }
    if (!out)
        return cli_fail(EXIT_USAGE, "generate: --out FILE is required ('-' for stdout)");
    struct model_generate_opts o;
    model_generate_defaults(&o);
    struct error err = {0};
    if (model_generate_parse_args(&o, nrest, rest, &err) < 0)
        return cli_fail(EXIT_USAGE, "generate: %s", err.msg);
    struct model_cluster *c = NULL;
    if (model_generate(&o, &c, &err) < 0)
        return cli_fail(EXIT_USAGE, "generate: %s", err.msg);
    int rc = cli_snapshot_write(c, NULL, out, &err);
    model_cluster_destroy(c);
    if (rc < 0)
        return cli_fail(1, "generate: %s", err.msg);
    return 0;
}
