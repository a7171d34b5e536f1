/* The clocks: monotonic milliseconds for deadlines and durations (never jumps), wall-clock
 * milliseconds since the epoch for timestamps that leave the process (metrics windows, logs,
 * journals). Reentrant. */
#ifndef COMMON_CLOCK_H
#define COMMON_CLOCK_H

#include <stdint.h>

/* Monotonic milliseconds (CLOCK_MONOTONIC), with sub-millisecond fractions. */
double clock_mono_ms(void);
/* Milliseconds since the Unix epoch (CLOCK_REALTIME). */
int64_t clock_wall_ms(void);
/* Seconds since the Unix epoch, with fractions (CLOCK_REALTIME). */
double clock_wall_s(void);
/* CPU seconds this process has used (CLOCK_PROCESS_CPUTIME_ID). */
double clock_cpu_s(void);

#endif
