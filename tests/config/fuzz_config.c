/* Fuzz target for the YAML configuration parser. Any input must give a configuration or a
 * located message, never a crash or a leak; a configuration that parses must give every rack a
 * zone without crashing.
 *
 * With clang and -Dfuzz=true this builds as a libFuzzer binary (fuzz_config). Without
 * FUZZ_LIBFUZZER it has a main() that replays the files and directories given on the command
 * line (the corpus: tests/data/config), which runs as an ordinary unit test. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct config *cfg = NULL;
    struct error err = {0};
    if (config_parse((const char *)data, size, "fuzz", &cfg, &err) < 0) {
        if (err.msg[0] == '\0')
            abort(); /* every failure says why */
        return 0;
    }
    char buf[64];
    (void)config_zone_of_rack(cfg, "eu-west-1a/r07", buf, sizeof(buf));
    config_destroy(cfg);
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
    uint8_t *exact = malloc(len ? len : 1); /* exact size: a read past the end shows */
    memcpy(exact, buf, len);
    free(buf);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    return 0;
}

int main(int argc, char **argv)
{
    int files = 0, bad = 0;
    for (int i = 1; i < argc; i++) {
        DIR *d = opendir(argv[i]);
        if (!d) {
            bad += replay_file(argv[i]);
            files++;
            continue;
        }
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.')
                continue;
            char path[4096];
            snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
            DIR *sub = opendir(path);
            if (sub) {
                closedir(sub);
                continue;
            }
            bad += replay_file(path);
            files++;
        }
        closedir(d);
    }
    printf("%d passed, %d failed\n", files - bad, bad);
    return bad || files == 0 ? 1 : 0;
}
#endif
