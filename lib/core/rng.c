/* rng.c — explicit random streams: xoshiro256** (Blackman & Vigna 2018) seeded through
 * splitmix64 from (seed, stream). Stream k of a seed is the same whatever thread runs it. */
#include "core/internal.h"

#include <math.h>
#include <time.h>
#include <unistd.h>

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}

void zs_rng_init(zs_rng *rng, uint64_t seed, uint64_t stream) {
    /* Mix the stream id into the splitmix state so streams are far apart. */
    uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL + 0x2545f4914f6cdd1dULL);
    x = splitmix64(&x) ^ seed;
    for (int i = 0; i < 4; i++) rng->s[i] = splitmix64(&x);
}

/* One xoshiro256** step; static so that zs_rng_fill inlines it (the exported zs_rng_next may be
 * interposed in the shared library, which stops the compiler from inlining it). */
static inline uint64_t next(zs_rng *rng) {
    uint64_t *s = rng->s;
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t zs_rng_next(zs_rng *rng) { return next(rng); }

void zs_rng_fill(zs_rng *rng, uint64_t *out, size_t n) {
    zs_rng r = *rng; /* a local copy: stores into out[] cannot alias it, so it stays in registers */
    for (size_t i = 0; i < n; i++) out[i] = next(&r);
    *rng = r;
}

double zs_rng_uniform(zs_rng *rng) {
    return (double)(zs_rng_next(rng) >> 11) * 0x1.0p-53;
}

uint64_t zs_rng_below(zs_rng *rng, uint64_t bound) {
    /* Lemire's rejection: unbiased for every bound. */
    uint64_t threshold = -bound % bound;
    for (;;) {
        uint64_t r = zs_rng_next(rng);
        if (r >= threshold) return r % bound;
    }
}

double rng_normal_from(uint64_t a, uint64_t b) {
    /* Box-Muller; u1 in (0, 1] so the log is finite. */
    double u1 = 1.0 - (double)(a >> 11) * 0x1.0p-53;
    double u2 = (double)(b >> 11) * 0x1.0p-53;
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

double zs_rng_normal(zs_rng *rng) {
    uint64_t a = zs_rng_next(rng);
    return rng_normal_from(a, zs_rng_next(rng));
}

uint64_t zs_seed_from_entropy(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x = (uint64_t)ts.tv_sec * 1000000007ULL ^ (uint64_t)ts.tv_nsec ^
                 ((uint64_t)getpid() << 32);
    /* Keep seeds short enough to retype: 0 .. 2^32-1. */
    return splitmix64(&x) & 0xffffffffULL;
}
