/* Replays a fuzz target's corpus as an ordinary test: every regular file named on the command
 * line or found directly in a directory named there (optionally only names containing
 * `suffix`), each read into an exact-size heap buffer so a read past its end shows under the
 * sanitizers, then handed to `one(data, size, path)`, which returns non-zero for a failure.
 * Prints "N passed, N failed" and returns the exit status (failure also when no file ran). */
#ifndef TESTS_FUZZ_REPLAY_H
#define TESTS_FUZZ_REPLAY_H

#include <stddef.h>
#include <stdint.h>

typedef int (*fuzz_replay_fn)(const uint8_t *data, size_t size, const char *path);

int fuzz_replay_main(int argc, char **argv, const char *suffix, fuzz_replay_fn one);

/* Hands every proper prefix of data to parse(prefix, k), each in an exact-size heap copy so a
 * read past the cut shows under the sanitizers; the results are ignored (parse aborts on a
 * broken invariant). */
void fuzz_replay_prefixes(const uint8_t *data, size_t size, int (*parse)(const uint8_t *, size_t));

#endif
