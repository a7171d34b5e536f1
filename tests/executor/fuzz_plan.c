/* Fuzz target for the executor's plan loader (exec_plan_parse): any input gives targets or a
 * located message naming the plan, never a crash, a leak or undefined behaviour (numbers are
 * range-checked before any conversion); targets that parse have a topic, 1..32 distinct
 * non-negative replicas, and log-dir entries with an absolute dir.
 *
 * With clang and -Dfuzz=true this builds as a libFuzzer binary (fuzz_plan). Otherwise its
 * main() replays the corpus (tests/data/executor/plan) as an ordinary unit test. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "executor/executor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct exec_task *t = NULL;
    int n = 0;
    struct error err = {0};
    if (exec_plan_parse((const char *)data, size, "fuzz.json", &t, &n, &err) < 0) {
        if (!strstr(err.msg, "fuzz.json"))
            abort(); /* every failure names the plan */
        return 0;
    }
    for (int i = 0; i < n; i++) {
        if (!t[i].topic || t[i].partition < 0 || t[i].nto < 1 || t[i].nto > MODEL_MAX_RF)
            abort();
        for (int k = 0; k < t[i].nto; k++)
            if (t[i].to[k] < 0)
                abort();
        if (t[i].type == EXEC_INTRA && (!t[i].dir || t[i].dir[0] != '/'))
            abort();
    }
    exec_tasks_free(t, n);
    return 0;
}

#ifndef FUZZ_LIBFUZZER
#include "tests/fuzz_replay.h"

static int parse_prefix(const uint8_t *data, size_t size)
{
    return LLVMFuzzerTestOneInput(data, size);
}

static int one(const uint8_t *data, size_t size, const char *path)
{
    (void)path;
    fuzz_replay_prefixes(data, size, parse_prefix);
    return LLVMFuzzerTestOneInput(data, size);
}

int main(int argc, char **argv)
{
    return fuzz_replay_main(argc, argv, NULL, one);
}
#endif
