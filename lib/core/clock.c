/* clock.c — the library's one clock: seconds on CLOCK_MONOTONIC (POSIX clock_gettime), which
 * never jumps with the wall clock, for durations and rate limits. Seeds from entropy use the
 * wall clock in rng.c; that is not a duration. */
#include "core/internal.h"

#include <time.h>

double zs_monotonic_seconds(void) {
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) return 0.0;
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
