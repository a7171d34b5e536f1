/* Fuzz target for the snapshot parser. Any input must give a cluster or a message, never a
 * crash; whatever parses must dump, re-parse and dump again to the same bytes.
 *
 * With clang and -Dfuzz=true this builds as a libFuzzer binary (fuzz_snapshot). Without
 * FUZZ_LIBFUZZER it has a main() that replays files and directories given on the command line
 * (the corpus: tests/data/snapshot), which runs as an ordinary unit test. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct model_cluster *c = NULL;
    struct error err = {0};
    if (model_snapshot_parse_ex((const char *)data, size, "fuzz", NULL, &c, &err) < 0) {
        if (err.msg[0] == '\0')
            abort(); /* every failure says why */
        return 0;
    }
    char *a = model_snapshot_dump(c);
    struct model_cluster *d = NULL;
    if (model_snapshot_parse_ex(a, strlen(a), "dump", NULL, &d, &err) < 0) {
        fprintf(stderr, "the dump of a parsed snapshot does not parse: %s\n", err.msg);
        abort();
    }
    char *b = model_snapshot_dump(d);
    if (strcmp(a, b) != 0) {
        fprintf(stderr, "dump -> parse -> dump changed the text\n");
        abort();
    }
    free(a);
    free(b);
    model_cluster_destroy(c);
    model_cluster_destroy(d);
    return 0;
}

#ifndef FUZZ_LIBFUZZER
#include "tests/fuzz_replay.h"

static int one(const uint8_t *data, size_t size, const char *path)
{
    (void)path;
    return LLVMFuzzerTestOneInput(data, size);
}

int main(int argc, char **argv)
{
    return fuzz_replay_main(argc, argv, ".json", one);
}
#endif
