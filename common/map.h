/* The one hash map: from a 64-bit hash to int32 items (indices into the caller's own array),
 * open addressing with linear probing, grown at half full. The map keeps each item's hash, not
 * its key; a lookup walks the items stored under the same hash and the caller compares keys:
 *
 *   struct map_iter it;
 *   for (int32_t i = map_first(&m, map_hash_str(name), &it); i >= 0; i = map_next(&m, &it))
 *       if (strcmp(topics[i].name, name) == 0)
 *           return i;
 *
 * So one container serves every key type (ids, names, composite keys) with no callbacks and
 * no copies of keys. Items are >= 0. Not thread-safe for writers; readers may share a map
 * that nobody writes. */
#ifndef COMMON_MAP_H
#define COMMON_MAP_H

#include <stddef.h>
#include <stdint.h>

struct map_slot {
    uint32_t hash; /* the 64-bit hash folded to 32 bits: home slot and filter (8 bytes a slot) */
    int32_t item;  /* -1: empty */
};

struct map {
    struct map_slot *slots;
    size_t size; /* a power of two, or 0 before the first put */
    size_t n;
};

struct map_iter {
    uint32_t hash;
    size_t i;
};

/* An empty map (no allocation); map_finish frees it. A zeroed struct map is also empty. */
void map_init(struct map *m);
void map_finish(struct map *m);
/* Empties the map, keeping its memory. */
void map_clear(struct map *m);
/* dst (uninitialised or finished) becomes a copy of src. */
void map_copy(struct map *dst, const struct map *src);
/* Sizes the map for n items without growing later (an optimisation; puts grow as needed). */
void map_reserve(struct map *m, size_t n);
/* Adds item under hash. Duplicates are the caller's business (find first when keys are
 * unique). */
void map_put(struct map *m, uint64_t hash, int32_t item);
/* The first item stored under hash, or -1; map_next gives the following ones. */
int32_t map_first(const struct map *m, uint64_t hash, struct map_iter *it);
int32_t map_next(const struct map *m, struct map_iter *it);
/* Removes the entry (hash, item): 1, or 0 when absent. */
int map_remove(struct map *m, uint64_t hash, int32_t item);

/* Hashes for the usual keys. */
uint64_t map_hash_int(int64_t x);
uint64_t map_hash_str(const char *s);
uint64_t map_hash_bytes(uint64_t seed, const void *p, size_t n);

#endif
