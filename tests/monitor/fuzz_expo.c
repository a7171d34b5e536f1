/* Fuzz target for the Prometheus text exposition parser (monitor/expo.c). Any input must give
 * a parse or a message naming the source and place, never a crash or a leak; a parse must hold
 * its invariants (families in range, labels sorted and unique per sample, lookups agree).
 *
 * With clang and -Dfuzz=true this builds as a libFuzzer binary (fuzz_expo). Without
 * FUZZ_LIBFUZZER its main() replays tests/data/monitor/expo: files named bad-* must fail, the
 * others must parse, and every prefix of every file must parse or fail cleanly. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/expo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int parse(const uint8_t *data, size_t size)
{
    struct mon_expo *e = NULL;
    struct error err = {0};
    int rc = mon_expo_parse((const char *)data, size, "fuzz", NULL, &e, &err);
    if (rc < 0) {
        if (strncmp(err.msg, "fuzz:", 5) != 0)
            abort(); /* every failure names the source and place */
        return rc;
    }
    for (int32_t i = 0; i < e->nsamples; i++) {
        const struct mon_expo_sample *s = &e->samples[i];
        if (s->family < 0 || s->family >= e->nfamilies || s->first_label < 0 ||
            s->first_label + s->nlabels > e->nlabels)
            abort();
        for (int32_t k = 0; k < s->nlabels; k++) {
            const struct mon_expo_label *l = &e->labels[s->first_label + k];
            if (k > 0 && strcmp(e->labels[s->first_label + k - 1].name, l->name) >= 0)
                abort();
            if (mon_expo_label(e, s, l->name) != l->value)
                abort();
        }
    }
    for (int32_t f = 0; f < e->nfamilies; f++)
        if (mon_expo_family_find(e, e->families[f].name) != f)
            abort();
    mon_expo_destroy(e);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    parse(data, size);
    return 0;
}

#ifndef FUZZ_LIBFUZZER
#include "tests/fuzz_replay.h"

static int one(const uint8_t *data, size_t size, const char *path)
{
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    bool want_bad = strncmp(base, "bad-", 4) == 0;
    int bad = 0;
    if ((parse(data, size) < 0) != want_bad) {
        fprintf(stderr, "%s: expected to %s\n", path, want_bad ? "fail" : "parse");
        bad = 1;
    }
    fuzz_replay_prefixes(data, size, parse);
    return bad;
}

int main(int argc, char **argv)
{
    return fuzz_replay_main(argc, argv, NULL, one);
}
#endif
