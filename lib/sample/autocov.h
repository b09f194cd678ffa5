/* autocov.h — autocovariances of a series by FFT (lib/sample/autocov.c), for the records of
 * Markov chains run as work units (lib/sample/pairwise_mcmc.c). */
#ifndef ZSUM_SAMPLE_AUTOCOV_H
#define ZSUM_SAMPLE_AUTOCOV_H

#include <stddef.h>

/* For each of ns series s (y + s L, L entries each, centred first): g[s (K + 1) + w] =
 * sum_{i=0}^{L-1-w} y_i y_{i+w} for w = 0..K (K < L). 0 when out of memory. */
int autocov_fft(const double *y, size_t ns, size_t L, size_t K, double *g);

#endif
