/* autocov.c — autocovariances of a series at lags 0..K in O(N log N) (Wiener-Khinchin: the
 * autocorrelation is the inverse transform of the power spectrum; Press et al., Numerical
 * Recipes, 3rd ed., sec. 13.2). Zero-padding to N >= L + K makes the circular correlation the
 * linear one at lags up to K. A radix-2 iterative Cooley-Tukey transform with twiddles from
 * cos/sin of 2 pi k / N (not by recurrence, which loses digits); the same input gives the
 * same bits on one machine whatever thread runs it. */
#include "sample/autocov.h"

#include "core/alloc.h"

#include <math.h>
#include <stdlib.h>

static void fft(double *re, double *im, size_t n, int inverse, const double *c, const double *s) {
    for (size_t i = 1, j = 0; i < n; i++) { /* bit reversal */
        size_t bit = n >> 1;
        for (; j & bit; bit >>= 1) j ^= bit;
        j ^= bit;
        if (i < j) {
            double t = re[i];
            re[i] = re[j];
            re[j] = t;
            t = im[i];
            im[i] = im[j];
            im[j] = t;
        }
    }
    for (size_t len = 2; len <= n; len <<= 1) {
        size_t half = len / 2, step = n / len;
        for (size_t i = 0; i < n; i += len)
            for (size_t k = 0; k < half; k++) {
                double wr = c[k * step], wi = inverse ? s[k * step] : -s[k * step];
                size_t a = i + k, b = a + half;
                double xr = re[b] * wr - im[b] * wi, xi = re[b] * wi + im[b] * wr;
                re[b] = re[a] - xr;
                im[b] = im[a] - xi;
                re[a] += xr;
                im[a] += xi;
            }
    }
}

int autocov_fft(const double *y, size_t ns, size_t L, size_t K, double *g) {
    size_t n = 2;
    while (n < L + K + 1) n <<= 1;
    double *re = zs_malloc((2 * n + n) * sizeof *re);
    if (!re) return 0;
    double *im = re + n, *c = im + n, *s = c + n / 2;
    for (size_t k = 0; k < n / 2; k++) { /* the twiddles, once for every series */
        double a = 2.0 * M_PI * (double)k / (double)n;
        c[k] = cos(a);
        s[k] = sin(a);
    }
    for (size_t q = 0; q < ns; q++) {
        for (size_t i = 0; i < n; i++) {
            re[i] = i < L ? y[q * L + i] : 0.0;
            im[i] = 0.0;
        }
        fft(re, im, n, 0, c, s);
        for (size_t i = 0; i < n; i++) {
            re[i] = re[i] * re[i] + im[i] * im[i];
            im[i] = 0.0;
        }
        fft(re, im, n, 1, c, s);
        for (size_t w = 0; w <= K; w++) g[q * (K + 1) + w] = re[w] / (double)n;
    }
    free(re);
    return 1;
}
