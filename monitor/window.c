/* Windows of samples; see window.h.
 *
 * A ring of nwindows + 1 slots; slot i holds window id slot_id[i] (id = floor(t / window_ms)),
 * and, per entity, the sum and count of that window's samples (entity-major arrays). Moving to
 * a new window clears its slot for every entity. */
#include "monitor/window.h"

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

#define EMPTY INT64_MIN /* no window in a slot, no sample yet */

struct mon_windows {
    int64_t window_ms;
    int32_t nwindows, min_samples, nslots;
    int64_t *slot_id;  /* EMPTY or a window id */
    int64_t newest;    /* newest window id seen, EMPTY before any sample */
    int32_t nentities;
    size_t cap_entities;
    double *sum;       /* [entity * nslots + slot] */
    int32_t *cnt;
};

static int64_t window_of(const struct mon_windows *w, int64_t t)
{
    return t >= 0 ? t / w->window_ms : -((-t + w->window_ms - 1) / w->window_ms);
}

static int32_t slot_of(const struct mon_windows *w, int64_t id)
{
    int64_t s = id % w->nslots;
    return (int32_t)(s < 0 ? s + w->nslots : s);
}

struct mon_windows *mon_windows_create(int64_t window_ms, int32_t nwindows, int32_t min_samples)
{
    assert(window_ms >= 1 && nwindows >= 1 && nwindows <= 1000 && min_samples >= 1);
    struct mon_windows *w = xcalloc(1, sizeof(*w));
    w->window_ms = window_ms;
    w->nwindows = nwindows;
    w->min_samples = min_samples;
    w->nslots = nwindows + 1;
    w->slot_id = xmalloc((size_t)w->nslots * sizeof(int64_t));
    for (int32_t i = 0; i < w->nslots; i++)
        w->slot_id[i] = EMPTY;
    w->newest = EMPTY;
    return w;
}

void mon_windows_destroy(struct mon_windows *w)
{
    if (!w)
        return;
    free(w->slot_id);
    free(w->sum);
    free(w->cnt);
    free(w);
}

int mon_windows_add(struct mon_windows *w, int32_t entity, int64_t t_ms, double value)
{
    assert(entity >= 0);
    int64_t id = window_of(w, t_ms);
    if (w->newest != EMPTY && id <= w->newest - w->nslots)
        return -ERANGE;
    if (entity >= w->nentities) {
        size_t old = w->cap_entities;
        xgrow((void **)&w->sum, &w->cap_entities, (size_t)entity + 1,
              (size_t)w->nslots * sizeof(double));
        size_t cap = old;
        xgrow((void **)&w->cnt, &cap, (size_t)entity + 1, (size_t)w->nslots * sizeof(int32_t));
        size_t from = (size_t)w->nentities * (size_t)w->nslots;
        size_t to = (size_t)(entity + 1) * (size_t)w->nslots;
        memset(w->sum + from, 0, (to - from) * sizeof(double));
        memset(w->cnt + from, 0, (to - from) * sizeof(int32_t));
        w->nentities = entity + 1;
    }
    int32_t s = slot_of(w, id);
    if (w->slot_id[s] != id) {
        for (int32_t e = 0; e < w->nentities; e++) {
            w->sum[(size_t)e * (size_t)w->nslots + (size_t)s] = 0;
            w->cnt[(size_t)e * (size_t)w->nslots + (size_t)s] = 0;
        }
        w->slot_id[s] = id;
    }
    if (w->newest == EMPTY || id > w->newest)
        w->newest = id;
    size_t k = (size_t)entity * (size_t)w->nslots + (size_t)s;
    w->sum[k] += value;
    w->cnt[k]++;
    return 0;
}

/* Is slot s a complete window within the last nwindows as of window `cur`? */
static bool complete(const struct mon_windows *w, int32_t s, int64_t cur)
{
    int64_t id = w->slot_id[s];
    return id != EMPTY && id < cur && id >= cur - w->nwindows;
}

int mon_windows_value(const struct mon_windows *w, int32_t entity, int64_t now_ms, double *ret)
{
    if (entity < 0 || entity >= w->nentities)
        return -ENOENT;
    int64_t cur = window_of(w, now_ms);
    const double *sum = w->sum + (size_t)entity * (size_t)w->nslots;
    const int32_t *cnt = w->cnt + (size_t)entity * (size_t)w->nslots;
    double means = 0, all = 0;
    int32_t valid = 0, n = 0;
    for (int32_t s = 0; s < w->nslots; s++) {
        if (w->slot_id[s] == EMPTY || w->slot_id[s] > cur || !cnt[s])
            continue;
        all += sum[s];
        n += cnt[s];
        if (complete(w, s, cur) && cnt[s] >= w->min_samples) {
            means += sum[s] / cnt[s];
            valid++;
        }
    }
    if (valid) {
        *ret = means / valid;
        return valid;
    }
    if (!n)
        return -ENOENT;
    *ret = all / n;
    return 0;
}

int32_t mon_windows_recent(const struct mon_windows *w, int64_t now_ms)
{
    int64_t cur = window_of(w, now_ms);
    int32_t n = 0;
    for (int32_t s = 0; s < w->nslots; s++) {
        if (!complete(w, s, cur))
            continue;
        for (int32_t e = 0; e < w->nentities; e++)
            if (w->cnt[(size_t)e * (size_t)w->nslots + (size_t)s]) {
                n++;
                break;
            }
    }
    return n;
}
