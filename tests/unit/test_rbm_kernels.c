/* test_rbm_kernels.c — the training kernels of lib/models/rbm.c (and their AVX-512 versions,
 * rbm_rows_avx512.c) against plain loops written here: many row sums at once, the 16-row
 * transpose that keeps W^T, the gradient step of rows of W, and Bernoulli selection from
 * packed 24-bit uniforms. Each must give exactly the plain loop's floats (the same additions
 * in the same order), on every instruction set: ctest runs this program again under
 * ZSUM_SIMD=avx2 and ZSUM_NO_SIMD=1. */
#include "check.h"
#include "models/rbm_internal.h"

#include <stdint.h>
#include <stdlib.h>

/* A generator independent of the library's: 64-bit LCG. */
static uint64_t lcg_state = 42;
static uint64_t lcg_bits(void) {
    lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return lcg_state;
}
static float lcg_float(void) { return (float)(lcg_bits() >> 40) * 0x1.0p-24f - 0.5f; }

/* Random increasing lists of rows < m, each row kept with probability about `density`. */
static size_t random_list(uint32_t *list, size_t m, double density) {
    size_t c = 0;
    for (size_t i = 0; i < m; i++)
        if ((double)(lcg_bits() >> 11) * 0x1.0p-53 < density) list[c++] = (uint32_t)i;
    return c;
}

/* Every shape the kernel blocks differently: widths around 16 and 64, row counts around its
 * pieces of 64 and 96 rows, odd query counts, empty lists, dense and sparse lists. */
static void rows_sum_many_equals_plain_sums(void) {
    static const size_t shapes[][3] = {{1, 1, 1},   {5, 16, 3},    {64, 64, 2},   {65, 63, 7},
                                       {97, 130, 16}, {500, 784, 9}, {784, 500, 11}, {200, 17, 1},
                                       {130, 200, 0}};
    static const double dens[] = {0.0, 0.13, 0.5, 1.0};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (size_t d = 0; d < 4; d++) {
            const size_t m = shapes[s][0], n = shapes[s][1], nq = shapes[s][2];
            float *w = malloc(m * n * sizeof *w), *got = malloc((nq + 1) * n * sizeof *got);
            uint32_t *lists = malloc((nq + 1) * m * sizeof *lists);
            size_t counts[16], cursor[16];
            float *outs[16];
            const uint32_t *lp[16];
            for (size_t x = 0; x < m * n; x++) w[x] = lcg_float();
            for (size_t q = 0; q < nq; q++) {
                /* every third list empty, the others at the density (one in a row full) */
                counts[q] = q % 3 == 2 ? 0 : random_list(lists + q * m, m, q == 1 ? 1.0 : dens[d]);
                lp[q] = lists + q * m;
                outs[q] = got + q * n;
            }
            for (size_t x = 0; x < nq * n; x++) got[x] = 1234.5f; /* every entry must be written */
            rbm_rows_sum_many(outs, w, n, m, lp, counts, nq, n, cursor);
            int same = 1;
            for (size_t q = 0; q < nq; q++)
                for (size_t j = 0; j < n; j++) {
                    float want = 0.0f;
                    for (size_t x = 0; x < counts[q]; x++) want += w[lp[q][x] * n + j];
                    same &= got[q * n + j] == want;
                }
            CHECK(same);
            free(w);
            free(got);
            free(lists);
        }
}

/* A slice of a wider matrix: the row stride differs from the width summed. */
static void rows_sum_many_reads_a_slice_of_a_wider_matrix(void) {
    const size_t m = 150, stride = 210, n = 131, nq = 5;
    float *w = malloc(m * stride * sizeof *w), got[5 * 131];
    uint32_t lists[5 * 150];
    size_t counts[5], cursor[5];
    float *outs[5];
    const uint32_t *lp[5];
    for (size_t x = 0; x < m * stride; x++) w[x] = lcg_float();
    for (size_t q = 0; q < nq; q++) {
        counts[q] = random_list(lists + q * m, m, 0.3);
        lp[q] = lists + q * m;
        outs[q] = got + q * n;
    }
    rbm_rows_sum_many(outs, w + 40, stride, m, lp, counts, nq, n, cursor);
    int same = 1;
    for (size_t q = 0; q < nq; q++)
        for (size_t j = 0; j < n; j++) {
            float want = 0.0f;
            for (size_t x = 0; x < counts[q]; x++) want += w[lp[q][x] * stride + 40 + j];
            same &= got[q * n + j] == want;
        }
    CHECK(same);
    free(w);
}

/* The CD step written out plainly, in place on w and vw: the gradient sums over the listed rows
 * of P0 and Pk, then vel = mom vel + lr ((pos - neg) inv - wd w), w += vel. */
typedef struct step_case {
    size_t nh, mb, ni;
    const float *p0, *pk;
    const uint32_t *c0, *ck;
    const size_t *s0, *sk;
    float lr, mom, wd, inv;
} step_case;

static void plain_step(const step_case *k, float *w, float *vw) {
    for (size_t x = 0; x < k->ni; x++)
        for (size_t j = 0; j < k->nh; j++) {
            float pos = 0.0f, neg = 0.0f;
            for (size_t c = k->s0[x]; c < k->s0[x + 1]; c++) pos += k->p0[k->c0[c] * k->nh + j];
            for (size_t c = k->sk[x]; c < k->sk[x + 1]; c++) neg += k->pk[k->ck[c] * k->nh + j];
            float *wx = w + x * k->nh + j, *vx = vw + x * k->nh + j;
            *vx = k->mom * *vx + k->lr * ((pos - neg) * k->inv - k->wd * *wx);
            *wx += *vx;
        }
}

static int same_floats(const float *a, const float *b, size_t n) {
    int same = 1;
    for (size_t x = 0; x < n; x++) same &= a[x] == b[x];
    return same;
}

/* The kernel's step against plain_step, with a velocity and (momentum 0) without one. Widths
 * around the kernel's 64-column slices; lists of unequal lengths, empty ones included. */
static void grad_step_equals_the_plain_update(void) {
    static const size_t widths[] = {1, 15, 64, 77, 500};
    for (size_t s = 0; s < sizeof widths / sizeof widths[0]; s++) {
        const size_t nh = widths[s], mb = 37, ni = 9;
        float *p0 = malloc(mb * nh * sizeof *p0), *pk = malloc(mb * nh * sizeof *pk);
        float *w = malloc(ni * nh * sizeof *w), *vw = malloc(ni * nh * sizeof *vw);
        float *w2 = malloc(ni * nh * sizeof *w2), *vw2 = malloc(ni * nh * sizeof *vw2);
        float *scratch = malloc(2 * nh * sizeof *scratch);
        uint32_t c0[9 * 37], ck[9 * 37];
        size_t s0[10] = {0}, sk[10] = {0};
        for (size_t x = 0; x < mb * nh; x++) p0[x] = lcg_float() + 0.5f, pk[x] = lcg_float() + 0.5f;
        for (size_t x = 0; x < ni * nh; x++) w[x] = w2[x] = lcg_float(), vw[x] = vw2[x] = 0.01f * lcg_float();
        for (size_t x = 0; x < ni; x++) {
            s0[x + 1] = s0[x] + (x == 4 ? 0 : random_list(c0 + s0[x], mb, 0.15 + 0.05 * (double)x));
            sk[x + 1] = sk[x] + (x == 6 ? 0 : random_list(ck + sk[x], mb, 0.5 - 0.05 * (double)x));
        }
        step_case k = {nh, mb, ni, p0, pk, c0, ck, s0, sk, 0.05f, 0.5f, 0.001f, 1.0f / (float)mb};
        rbm_grad_step(w, vw, nh, p0, pk, c0, s0, ck, sk, ni, k.lr, k.mom, k.wd, k.inv, scratch);
        plain_step(&k, w2, vw2);
        CHECK(same_floats(w, w2, ni * nh) && same_floats(vw, vw2, ni * nh));
        /* Without momentum and without a velocity array: the w of the full formula at mom = 0. */
        k.mom = 0.0f;
        rbm_grad_step(w, NULL, nh, p0, pk, c0, s0, ck, sk, ni, k.lr, k.mom, k.wd, k.inv, scratch);
        plain_step(&k, w2, vw2);
        CHECK(same_floats(w, w2, ni * nh));
        free(p0), free(pk), free(w), free(vw), free(w2), free(vw2), free(scratch);
    }
}

static void transpose16_moves_every_entry(void) {
    static const size_t shapes[][2] = {{16, 16}, {16, 500}, {7, 33}, {1, 1}, {16, 15}, {3, 64}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const size_t rows = shapes[s][0], cols = shapes[s][1], sstride = cols + 3, dstride = 40;
        float *src = malloc(16 * sstride * sizeof *src), *dst = malloc(cols * dstride * sizeof *dst);
        for (size_t x = 0; x < 16 * sstride; x++) src[x] = lcg_float();
        for (size_t x = 0; x < cols * dstride; x++) dst[x] = -7.0f;
        rbm_transpose16(dst + 5, dstride, src, sstride, rows, cols);
        int ok = 1;
        for (size_t j = 0; j < cols; j++)
            for (size_t c = 0; c < dstride; c++) {
                const float v = dst[j * dstride + c];
                /* columns 5 .. 5 + rows hold the transpose; nothing else is touched */
                if (c >= 5 && c < 5 + rows) ok &= v == src[(c - 5) * sstride + j];
                else ok &= v == -7.0f;
            }
        CHECK(ok);
        free(src);
        free(dst);
    }
}

/* u_k from bits 40..63 (k even) or 8..31 (k odd) of words[k / 2], times 2^-24; probabilities
 * include 0, 1, exact ties with u (u < p is strict) and NaN (never selected). */
static void select_below_matches_the_plain_rule(void) {
    static const size_t sizes[] = {0, 2, 14, 16, 18, 32, 500, 784};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        const size_t n = sizes[s];
        uint64_t words[392];
        float p[784];
        uint32_t got[784], want[784];
        for (size_t i = 0; i < n / 2; i++) words[i] = lcg_bits();
        for (size_t k = 0; k < n; k++) {
            const float u = (float)((words[k / 2] >> (k % 2 ? 8 : 40)) & 0xffffff) * 0x1.0p-24f;
            switch (k % 7) {
            case 0: p[k] = 0.0f; break;
            case 1: p[k] = 1.0f; break;
            case 2: p[k] = u; break;
            case 3: p[k] = (float)NAN; break;
            default: p[k] = lcg_float() + 0.5f;
            }
        }
        size_t c = 0;
        for (size_t k = 0; k < n; k++) {
            const float u = (float)((words[k / 2] >> (k % 2 ? 8 : 40)) & 0xffffff) * 0x1.0p-24f;
            if (u < p[k]) want[c++] = 100 + (uint32_t)k;
        }
        const size_t got_n = rbm_select_below(got, p, words, n, 100);
        CHECK_EQ_INT(got_n, c);
        CHECK(got_n != c || memcmp(got, want, c * sizeof *got) == 0);
    }
}

int main(void) {
    RUN(rows_sum_many_equals_plain_sums);
    RUN(rows_sum_many_reads_a_slice_of_a_wider_matrix);
    RUN(grad_step_equals_the_plain_update);
    RUN(transpose16_moves_every_entry);
    RUN(select_below_matches_the_plain_rule);
    return check_summary("test_rbm_kernels");
}
