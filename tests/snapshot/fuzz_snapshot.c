/* Fuzz target for the snapshot parser. Any input must give a cluster or a message, never a
 * crash; whatever parses must dump, re-parse and dump again to the same bytes.
 *
 * With clang and -Dfuzz=true this builds as a libFuzzer binary (fuzz_snapshot). Without
 * FUZZ_LIBFUZZER it has a main() that replays files and directories given on the command line
 * (the corpus: tests/data/snapshot), which runs as an ordinary unit test. */
#include <dirent.h>
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
static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return 1;
    }
    size_t cap = 1 << 16, len = 0, n;
    char *buf = malloc(cap);
    while ((n = fread(buf + len, 1, cap - len, f)) > 0)
        if ((len += n) == cap)
            buf = realloc(buf, cap *= 2);
    fclose(f);
    /* an exact-size copy, so that a read past the end shows under the sanitizers */
    uint8_t *exact = malloc(len ? len : 1);
    memcpy(exact, buf, len);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    int files = 0, failed = 0;
    for (int i = 1; i < argc; i++) {
        DIR *d = opendir(argv[i]);
        if (!d) {
            failed += replay_file(argv[i]);
            files++;
            continue;
        }
        for (struct dirent *e; (e = readdir(d));) {
            if (e->d_name[0] == '.' || !strstr(e->d_name, ".json"))
                continue;
            char path[4096];
            snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
            failed += replay_file(path);
            files++;
        }
        closedir(d);
    }
    printf("%d files replayed, %d unreadable\n", files, failed);
    return failed || files == 0;
}
#endif
