/* Fuzz target for the executor's journal loader (exec_journal_parse): the input is a base
 * (execution.json), optionally followed by a line "#log" and the log (execution.log). Any input
 * gives a journal or a message naming the file, never a crash, a leak or undefined behaviour;
 * a journal that loads has only tasks with valid types, states, topics and ids, and saving
 * nothing afterwards is harmless.
 *
 * With clang and -Dfuzz=true this builds as a libFuzzer binary (fuzz_journal). Otherwise its
 * main() replays the corpus (tests/data/executor/journal) as an ordinary unit test. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "executor/journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const char *log = NULL;
    size_t blen = size, llen = 0;
    const char *mark = memmem(text, size, "\n#log\n", 6);
    if (mark) {
        blen = (size_t)(mark - text);
        log = mark + 6;
        llen = size - blen - 6;
    }
    struct exec_journal j;
    exec_journal_init(&j, "/nonexistent-state");
    struct error err = {0};
    if (exec_journal_parse(&j, text, blen, log, llen, &err) < 0) {
        if (!strstr(err.msg, "/nonexistent-state/execution."))
            abort(); /* every failure names the file */
    } else {
        for (int i = 0; i < j.ntasks; i++) {
            const struct exec_task *t = &j.tasks[i];
            if ((unsigned)t->type > EXEC_LEADER || (unsigned)t->state > EXEC_SKIPPED ||
                !t->topic || t->partition < 0 || t->nto < 1 || t->nto > MODEL_MAX_RF ||
                t->nfrom > MODEL_MAX_RF || t->broker < -1)
                abort();
        }
        for (int i = 0; i < j.rate_owned.n; i++)
            if (j.rate_owned.ids[i] < 0)
                abort();
    }
    exec_journal_finish(&j);
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
