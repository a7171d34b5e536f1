/* Windows of rate samples, as Cruise Control's load monitor keeps them: time is cut into
 * windows of window_ms aligned to the epoch; the last nwindows complete windows are kept, plus
 * the current one. A window is valid for an entity (one metric of one broker, topic or
 * partition, numbered by the caller) when it holds at least min_samples of its samples.
 *
 * An entity's value is the mean of its per-window means over its valid complete windows. So
 * that a plan is available at once, an entity with no valid complete window yet takes the mean
 * of every sample kept (the current window's first rates included) and reports 0 windows.
 * Samples older than the oldest kept window are refused. Not thread-safe. */
#ifndef MONITOR_WINDOW_H
#define MONITOR_WINDOW_H

#include <stdint.h>

struct mon_windows;

/* window_ms >= 1, nwindows 1..1000, min_samples >= 1 (asserted: the config loader checks). */
struct mon_windows *mon_windows_create(int64_t window_ms, int32_t nwindows, int32_t min_samples);
void mon_windows_destroy(struct mon_windows *w); /* accepts NULL */

/* Adds one sample of entity (>= 0; the table grows) taken at t_ms. -ERANGE when t_ms falls
 * before the oldest window kept (the sample is dropped). */
int mon_windows_add(struct mon_windows *w, int32_t entity, int64_t t_ms, double value);

/* Entity's value as of now_ms (see above) in *ret. Returns the number of valid complete
 * windows behind it (0 = only incomplete data), or -ENOENT when it has no sample kept. */
int mon_windows_value(const struct mon_windows *w, int32_t entity, int64_t now_ms, double *ret);

/* Complete windows (ended by now_ms, at most nwindows) that hold any sample. */
int32_t mon_windows_recent(const struct mon_windows *w, int64_t now_ms);

#endif
