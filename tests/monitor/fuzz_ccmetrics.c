/* Fuzz target for the Cruise Control metrics record decoder (monitor/ccmetrics.c). Any input
 * must decode or fail with a message naming a byte offset, never crash or read past its end; a
 * decoded record must hold its invariants (class and scope, topic inside the input and legal,
 * finite value) and encode back to exactly the input; the rates made of it must be sane.
 *
 * With clang and -Dfuzz=true this builds as a libFuzzer binary (fuzz_ccmetrics). Without
 * FUZZ_LIBFUZZER its main() replays tests/data/monitor/ccmetrics: files named bad-* must fail
 * as malformed, newer-* as a version or type this decoder does not know, the others must
 * decode, and every prefix of every file must fail cleanly. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/ccmetrics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int decode(const uint8_t *data, size_t size)
{
    struct mon_cc_record r;
    struct error err = {0};
    int rc = mon_cc_decode(data, size, &r, &err);
    if (rc < 0) {
        if ((rc != -EINVAL && rc != -ENOTSUP) || strncmp(err.msg, "byte ", 5) != 0)
            abort(); /* every failure names the place */
        return rc;
    }
    if (r.cls > MON_CC_PARTITION || r.type >= MON_CC_NUM_TYPES || r.broker_id < 0 ||
        r.time_ms < 0 || !isfinite(r.value))
        abort();
    if (r.cls == MON_CC_BROKER ? r.topic != NULL
                               : (!r.topic || r.topic_len < 1 || r.topic_len > 249 ||
                                  (const uint8_t *)r.topic < data ||
                                  (const uint8_t *)r.topic + r.topic_len > data + size))
        abort();
    if ((r.cls == MON_CC_PARTITION) != (r.partition >= 0))
        abort();
    uint8_t buf[512];
    if (mon_cc_encode(&r, buf, sizeof(buf)) != size || memcmp(buf, data, size) != 0)
        abort(); /* the format has one encoding per record */
    struct mon_rates out = {0};
    mon_cc_to_rates(&r, 1, &out);
    for (int32_t i = 0; i < out.n; i++)
        if (!isfinite(out.v[i].value) || out.v[i].broker_id != r.broker_id)
            abort();
    mon_rates_finish(&out);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    decode(data, size);
    return 0;
}

#ifndef FUZZ_LIBFUZZER
#include "tests/fuzz_replay.h"

static int one(const uint8_t *data, size_t size, const char *path)
{
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    int want = !strncmp(base, "bad-", 4) ? -EINVAL : !strncmp(base, "newer-", 6) ? -ENOTSUP : 0;
    int bad = 0, got = decode(data, size);
    if (got != want) {
        fprintf(stderr, "%s: expected %d, got %d\n", path, want, got);
        bad = 1;
    }
    fuzz_replay_prefixes(data, size, decode);
    return bad;
}

int main(int argc, char **argv)
{
    return fuzz_replay_main(argc, argv, NULL, one);
}
#endif
