/* Corpus replay for fuzz targets; see fuzz_replay.h. */
#include "tests/fuzz_replay.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int replay_file(const char *path, fuzz_replay_fn one)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return 1;
    }
    size_t cap = 1 << 16, len = 0, n;
    uint8_t *buf = malloc(cap);
    while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0)
        if ((len += n) == cap)
            buf = realloc(buf, cap *= 2);
    fclose(f);
    if (!buf)
        return 1;
    uint8_t *exact = malloc(len ? len : 1);
    memcpy(exact, buf, len);
    free(buf);
    int rc = one(exact, len, path);
    free(exact);
    return rc != 0;
}

void fuzz_replay_prefixes(const uint8_t *data, size_t size, int (*parse)(const uint8_t *, size_t))
{
    for (size_t k = 0; k < size; k++) {
        uint8_t *cut = malloc(k ? k : 1);
        memcpy(cut, data, k);
        parse(cut, k);
        free(cut);
    }
}

int fuzz_replay_main(int argc, char **argv, const char *suffix, fuzz_replay_fn one)
{
    int files = 0, failed = 0;
    for (int i = 1; i < argc; i++) {
        DIR *d = opendir(argv[i]);
        if (!d) {
            failed += replay_file(argv[i], one);
            files++;
            continue;
        }
        for (struct dirent *e; (e = readdir(d));) {
            if (e->d_name[0] == '.' || (suffix && !strstr(e->d_name, suffix)))
                continue;
            char path[4096];
            snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
            struct stat st;
            if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
                continue;
            failed += replay_file(path, one);
            files++;
        }
        closedir(d);
    }
    printf("%d passed, %d failed\n", files - failed, failed);
    return failed || files == 0 ? 1 : 0;
}
