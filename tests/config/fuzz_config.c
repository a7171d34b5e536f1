/* Fuzz target for the YAML configuration parser. Any input must give a configuration or a
 * located message, never a crash or a leak; a configuration that parses must give every rack a
 * zone without crashing.
 *
 * With clang and -Dfuzz=true this builds as a libFuzzer binary (fuzz_config). Without
 * FUZZ_LIBFUZZER it has a main() that replays the files and directories given on the command
 * line (the corpus: tests/data/config), which runs as an ordinary unit test. */
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
#include "tests/fuzz_replay.h"

static int one(const uint8_t *data, size_t size, const char *path)
{
    (void)path;
    return LLVMFuzzerTestOneInput(data, size);
}

int main(int argc, char **argv)
{
    return fuzz_replay_main(argc, argv, NULL, one);
}
#endif
