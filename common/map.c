/* The one hash map; see map.h. */
#include "common/map.h"

#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

void map_init(struct map *m)
{
    memset(m, 0, sizeof(*m));
}

void map_finish(struct map *m)
{
    free(m->slots);
    map_init(m);
}

void map_clear(struct map *m)
{
    for (size_t i = 0; i < m->size; i++)
        m->slots[i].item = -1;
    m->n = 0;
}

static uint32_t fold(uint64_t hash)
{
    return (uint32_t)(hash ^ (hash >> 32));
}

static void place(struct map_slot *slots, size_t size, uint32_t hash, int32_t item)
{
    size_t i = (size_t)hash & (size - 1);
    while (slots[i].item >= 0)
        i = (i + 1) & (size - 1);
    slots[i].hash = hash;
    slots[i].item = item;
}

static void resize(struct map *m, size_t size)
{
    struct map_slot *slots = xmalloc(size * sizeof(*slots));
    for (size_t i = 0; i < size; i++)
        slots[i].item = -1;
    for (size_t i = 0; i < m->size; i++)
        if (m->slots[i].item >= 0)
            place(slots, size, m->slots[i].hash, m->slots[i].item);
    free(m->slots);
    m->slots = slots;
    m->size = size;
}

void map_reserve(struct map *m, size_t n)
{
    size_t size = m->size ? m->size : 16;
    while (size / 2 < n + 1)
        size *= 2;
    if (size != m->size)
        resize(m, size);
}

void map_copy(struct map *dst, const struct map *src)
{
    map_init(dst);
    if (!src->size)
        return;
    dst->slots = xmalloc(src->size * sizeof(*dst->slots));
    memcpy(dst->slots, src->slots, src->size * sizeof(*dst->slots));
    dst->size = src->size;
    dst->n = src->n;
}

void map_put(struct map *m, uint64_t hash, int32_t item)
{
    map_reserve(m, m->n + 1);
    place(m->slots, m->size, fold(hash), item);
    m->n++;
}

int32_t map_next(const struct map *m, struct map_iter *it)
{
    if (!m->size)
        return -1;
    for (;; it->i = (it->i + 1) & (m->size - 1)) {
        const struct map_slot *s = &m->slots[it->i];
        if (s->item < 0)
            return -1;
        if (s->hash == it->hash) {
            it->i = (it->i + 1) & (m->size - 1);
            return s->item;
        }
    }
}

int32_t map_first(const struct map *m, uint64_t hash, struct map_iter *it)
{
    it->hash = fold(hash);
    it->i = m->size ? (size_t)it->hash & (m->size - 1) : 0;
    return map_next(m, it);
}

int map_remove(struct map *m, uint64_t hash64, int32_t item)
{
    if (!m->size)
        return 0;
    uint32_t hash = fold(hash64);
    size_t mask = m->size - 1, i = (size_t)hash & mask;
    for (; m->slots[i].item >= 0; i = (i + 1) & mask)
        if (m->slots[i].hash == hash && m->slots[i].item == item)
            break;
    if (m->slots[i].item < 0)
        return 0;
    /* backward-shift deletion: move later entries of the probe run into the hole */
    for (size_t j = (i + 1) & mask; m->slots[j].item >= 0; j = (j + 1) & mask) {
        size_t home = (size_t)m->slots[j].hash & mask;
        /* j may move to i when its home is not in (i, j] cyclically */
        if (((j - home) & mask) >= ((j - i) & mask)) {
            m->slots[i] = m->slots[j];
            i = j;
        }
    }
    m->slots[i].item = -1;
    m->n--;
    return 1;
}

uint64_t map_hash_int(int64_t x)
{
    uint64_t h = (uint64_t)x * 0x9E3779B97F4A7C15ull;
    return h ^ (h >> 29);
}

uint64_t map_hash_bytes(uint64_t seed, const void *p, size_t n)
{
    const unsigned char *c = p;
    uint64_t h = seed ? seed : 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ c[i]) * 1099511628211ull;
    return h;
}

uint64_t map_hash_str(const char *s)
{
    return map_hash_bytes(0, s, strlen(s));
}
