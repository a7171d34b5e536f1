/* Fuzz target for the admin client's reply decoders: the first byte picks the decoder (its
 * value modulo the table below: 0 Metadata v12; 1, 2, 3 DescribeLogDirs v2, v3, v4; then
 * DescribeCluster v0 and v1, DescribeConfigs v4, IncrementalAlterConfigs v1,
 * AlterReplicaLogDirs v2, AlterPartitionReassignments v0, ListPartitionReassignments v0,
 * ElectLeaders v2), the rest is the reply body. Any input must decode or fail with a message,
 * never crash or read out of bounds.
 *
 * With clang and -Dfuzz=true this builds as a libFuzzer binary (fuzz_responses). Without
 * FUZZ_LIBFUZZER it has a main() that replays files and directories: the corpus in
 * tests/data/kafka holds real replies recorded from the test cluster (BALLAST_KAFKA_RECORD_DIR),
 * and the replay also checks that those decode cleanly. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka/admin.h"
#include "kafka/client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
    int16_t api;
    int version;
} decoders[] = {
    {3, 12}, {35, 2}, {35, 3}, {35, 4}, {60, 0}, {60, 1},
    {32, 4}, {44, 1}, {34, 2}, {45, 0}, {46, 0}, {43, 2},
};
#define NDECODERS (sizeof(decoders) / sizeof(decoders[0]))

static int decode(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    struct error err = {0};
    size_t k = data[0] % NDECODERS;
    int rc = kafka_decode_reply(decoders[k].api, decoders[k].version, data + 1, size - 1, &err);
    if (rc < 0 && err.msg[0] == '\0')
        abort(); /* every failure says why */
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    decode(data, size);
    return 0;
}

#ifndef FUZZ_LIBFUZZER
#include "tests/fuzz_replay.h"

/* A recorded real reply must decode; every truncation of any file must fail cleanly. */
static int one(const uint8_t *data, size_t size, const char *path)
{
    int bad = 0;
    if (strstr(path, ".reply") && decode(data, size) < 0) {
        fprintf(stderr, "%s: a real reply did not decode\n", path);
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
