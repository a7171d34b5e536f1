/* common/map against a brute-force model: puts, lookups through collisions, removals
 * (backward shift keeps every other entry findable), clear. */
#include <stdlib.h>

#include "common/map.h"
#include "tests/harness.h"

static bool has(const struct map *m, uint64_t h, int32_t item)
{
    struct map_iter it;
    for (int32_t i = map_first(m, h, &it); i >= 0; i = map_next(m, &it))
        if (i == item)
            return true;
    return false;
}

TEST(against_a_model)
{
    enum { N = 5000 };
    static uint64_t hash[N];
    static bool in[N];
    struct map m;
    map_init(&m);
    CHECK_INT_EQ(map_first(&m, 7, &(struct map_iter){0}), -1);
    srand(7);
    for (int i = 0; i < N; i++) {
        hash[i] = (uint64_t)(rand() % 700) * 0x10000ull; /* many equal hashes, same home */
        map_put(&m, hash[i], i);
        in[i] = true;
    }
    CHECK_INT_EQ(m.n, N);
    for (int round = 0; round < 3; round++) {
        for (int i = round; i < N; i += 3) {
            CHECK(map_remove(&m, hash[i], i));
            in[i] = false;
            CHECK(!map_remove(&m, hash[i], i));
        }
        for (int i = 0; i < N; i++)
            if (has(&m, hash[i], i) != in[i])
                test_fail(__FILE__, __LINE__, "item %d: in %d", i, in[i]);
    }
    CHECK_INT_EQ(m.n, 0);
    map_put(&m, map_hash_str("a"), 1);
    map_put(&m, map_hash_int(-5), 2);
    CHECK(has(&m, map_hash_str("a"), 1));
    CHECK(has(&m, map_hash_int(-5), 2));
    CHECK(map_hash_str("a") != map_hash_str("b"));
    struct map copy;
    map_copy(&copy, &m);
    map_clear(&m);
    CHECK(!has(&m, map_hash_str("a"), 1));
    CHECK(has(&copy, map_hash_str("a"), 1)); /* the copy is its own */
    CHECK(has(&copy, map_hash_int(-5), 2));
    map_finish(&copy);
    map_finish(&m);
}

int main(int argc, char **argv)
{
    return test_main(argc, argv);
}
