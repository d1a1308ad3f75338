/* Seconds on the monotonic clock, for the probes' own timing. */
#ifndef DEALFLOW_PEERS_MONOTONIC_H
#define DEALFLOW_PEERS_MONOTONIC_H
#include <time.h>

static inline double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}
#endif
