/* hopfield_flip_avx512.c — hopfield_flip.h's kernel compiled for AVX512 (the compiler vectorizes the
 * plain loops: sign-extend 16 to 32 bits, shift, add). Called only on CPUs that have it. */
#include "sample/hopfield_flip.h"

void hopfield_flip_avx512(size_t n, const int16_t *row, int up, int32_t *h) {
    if (up)
        for (size_t j = 0; j < n; j++) h[j] += 2 * (int32_t)row[j];
    else
        for (size_t j = 0; j < n; j++) h[j] -= 2 * (int32_t)row[j];
}
