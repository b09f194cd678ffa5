/* rbm_rows_avx512.c — AVX-512 row sums (rbm_rows_kernels.h): columns in blocks of 128
 * floats held in eight zmm accumulators while the rows that are on stream past, so each element
 * of W costs one load and one add. Compiled with -mavx512f; called after a CPU check. */
#include "models/rbm_rows_kernels.h"

#ifdef __AVX512F__
#include <immintrin.h>
#include <math.h>
#include <sleef.h>

/* The last n < 128 columns as `vecs` accumulators (the last one masked) in one pass over the
 * rows: one accumulator per 16 columns and a pass each made the 116-column tail of a 500-wide
 * W cost as much as three full blocks (each pass a chain of dependent adds). */
static inline __attribute__((always_inline)) void tail_block(float *acc, const float *w,
                                                              size_t stride, const uint32_t *on,
                                                              size_t non, const int vecs,
                                                              __mmask16 last) {
    __m512 s[8];
    for (int k = 0; k < vecs; k++) s[k] = _mm512_setzero_ps();
    for (size_t q = 0; q < non; q++) {
        const float *row = w + (size_t)on[q] * stride;
        for (int k = 0; k + 1 < vecs; k++)
            s[k] = _mm512_add_ps(s[k], _mm512_loadu_ps(row + 16 * k));
        s[vecs - 1] =
            _mm512_add_ps(s[vecs - 1], _mm512_maskz_loadu_ps(last, row + 16 * (vecs - 1)));
    }
    for (int k = 0; k + 1 < vecs; k++) _mm512_storeu_ps(acc + 16 * k, s[k]);
    _mm512_mask_storeu_ps(acc + 16 * (vecs - 1), last, s[vecs - 1]);
}

void rbm_rows_sum_avx512(float *acc, const float *w, size_t stride, const uint32_t *on, size_t non,
                         size_t n) {
    size_t j0 = 0;
    for (; j0 + 128 <= n; j0 += 128) {
        __m512 s[8];
        for (int k = 0; k < 8; k++) s[k] = _mm512_setzero_ps();
        for (size_t q = 0; q < non; q++) {
            const float *row = w + (size_t)on[q] * stride + j0;
            for (int k = 0; k < 8; k++) s[k] = _mm512_add_ps(s[k], _mm512_loadu_ps(row + 16 * k));
        }
        for (int k = 0; k < 8; k++) _mm512_storeu_ps(acc + j0 + 16 * k, s[k]);
    }
    if (j0 < n) {
        const size_t left = n - j0;
        const __mmask16 m = (__mmask16)(left % 16 ? (1u << (left % 16)) - 1u : 0xffffu);
        switch ((left + 15) / 16) {
        case 1: tail_block(acc + j0, w + j0, stride, on, non, 1, m); break;
        case 2: tail_block(acc + j0, w + j0, stride, on, non, 2, m); break;
        case 3: tail_block(acc + j0, w + j0, stride, on, non, 3, m); break;
        case 4: tail_block(acc + j0, w + j0, stride, on, non, 4, m); break;
        case 5: tail_block(acc + j0, w + j0, stride, on, non, 5, m); break;
        case 6: tail_block(acc + j0, w + j0, stride, on, non, 6, m); break;
        case 7: tail_block(acc + j0, w + j0, stride, on, non, 7, m); break;
        default: tail_block(acc + j0, w + j0, stride, on, non, 8, m); break;
        }
    }
}

/* ---- many row sums at once (rbm_rows_sum_many): blocked for L1 ----------------------------
 * One 64-column block of w at a time, and of that block a piece of `piece` rows (16-24 KB, so
 * it stays in the 32 KB L1) at a time; every query adds the entries of its list that fall in the
 * piece, its four accumulators saved in out between pieces. The lists are increasing, so each
 * query's entries are still added in list order: the same float sums as one rbm_rows_sum per
 * query. Two queries go side by side (eight independent add chains instead of four). Measured
 * on this machine's 784 x 500 and 500 x 784 products with 100 queries: 1.4-1.8x the per-query
 * kernel, which streams the block from L2. */
typedef struct block4 {
    __m512 s[4];
} block4;

/* `full` (a constant after inlining): all 64 columns, plain loads that fold into the adds (a
 * masked load cannot), a quarter fewer instructions in the loop; else masked by mk. */
static inline __attribute__((always_inline)) __m512 load16(const float *p, __mmask16 m, const int full) {
    return full ? _mm512_loadu_ps(p) : _mm512_maskz_loadu_ps(m, p);
}

static inline __attribute__((always_inline)) block4 block_load(const float *o, int fresh,
                                                                const __mmask16 *mk, const int full) {
    block4 b;
    for (int k = 0; k < 4; k++) b.s[k] = fresh ? _mm512_setzero_ps() : load16(o + 16 * k, mk[k], full);
    return b;
}

static inline __attribute__((always_inline)) void block_add(block4 *b, const float *row,
                                                           const __mmask16 *mk, const int full) {
    for (int k = 0; k < 4; k++) b->s[k] = _mm512_add_ps(b->s[k], load16(row + 16 * k, mk[k], full));
}

static inline __attribute__((always_inline)) void block_store(float *o, const block4 *b,
                                                             const __mmask16 *mk, const int full) {
    for (int k = 0; k < 4; k++) {
        if (full) _mm512_storeu_ps(o + 16 * k, b->s[k]);
        else _mm512_mask_storeu_ps(o + 16 * k, mk[k], b->s[k]);
    }
}

/* The entries of query q in rows below r1, from its cursor on; returns the new cursor. */
static inline __attribute__((always_inline)) size_t piece_one(float *o, const float *w, size_t stride,
                                                             const uint32_t *on, size_t c, size_t e,
                                                             uint32_t r1, const __mmask16 *mk,
                                                             const int full) {
    if (c == e || on[c] >= r1) return c;
    block4 b = block_load(o, c == 0, mk, full);
    for (; c < e && on[c] < r1; c++) block_add(&b, w + (size_t)on[c] * stride, mk, full);
    block_store(o, &b, mk, full);
    return c;
}

/* One 64-column block (columns j0 .. of out, w already offset to them) over all the queries,
 * `piece` rows of w at a time. */
static inline __attribute__((always_inline)) void block_pass(float *const *out, size_t j0, const float *wb,
                                                            size_t stride, size_t m, size_t piece,
                                                            const uint32_t *const *lists,
                                                            const size_t *counts, size_t nq,
                                                            size_t *cursor, const __mmask16 *mk,
                                                            const int full) {
    for (size_t q = 0; q < nq; q++) {
        cursor[q] = 0;
        if (!counts[q]) block_store(out[q] + j0, &(block4){{_mm512_setzero_ps(), _mm512_setzero_ps(),
                                                             _mm512_setzero_ps(), _mm512_setzero_ps()}}, mk, full);
    }
    for (size_t r0 = 0; r0 < m; r0 += piece) {
        const uint32_t r1 = (uint32_t)(r0 + piece < m ? r0 + piece : m);
        size_t q = 0;
        for (; q + 1 < nq; q += 2) {
            const uint32_t *L = lists[q], *M = lists[q + 1];
            size_t c = cursor[q], d = cursor[q + 1];
            const size_t e = counts[q], f = counts[q + 1];
            if (c < e && L[c] < r1 && d < f && M[d] < r1) {
                float *o = out[q] + j0, *p = out[q + 1] + j0;
                block4 s = block_load(o, c == 0, mk, full), t = block_load(p, d == 0, mk, full);
                for (; c < e && L[c] < r1 && d < f && M[d] < r1; c++, d++) {
                    block_add(&s, wb + (size_t)L[c] * stride, mk, full);
                    block_add(&t, wb + (size_t)M[d] * stride, mk, full);
                }
                for (; c < e && L[c] < r1; c++) block_add(&s, wb + (size_t)L[c] * stride, mk, full);
                for (; d < f && M[d] < r1; d++) block_add(&t, wb + (size_t)M[d] * stride, mk, full);
                block_store(o, &s, mk, full);
                block_store(p, &t, mk, full);
            } else {
                c = piece_one(out[q] + j0, wb, stride, L, c, e, r1, mk, full);
                d = piece_one(out[q + 1] + j0, wb, stride, M, d, f, r1, mk, full);
            }
            cursor[q] = c;
            cursor[q + 1] = d;
        }
        if (q < nq) cursor[q] = piece_one(out[q] + j0, wb, stride, lists[q], cursor[q], counts[q], r1, mk, full);
    }
}

void rbm_rows_sum_many_avx512(float *const *out, const float *w, size_t stride, size_t m,
                              const uint32_t *const *lists, const size_t *counts, size_t nq,
                              size_t n, size_t *cursor) {
    size_t total = 0;
    for (size_t q = 0; q < nq; q++) total += counts[q];
    /* Pieces of 64 rows (16 KB) for dense lists; sparse lists take 96 rows (24 KB), so that
     * a query still has several entries per piece to pay for saving its accumulators. */
    const size_t piece = 4 * total >= nq * m ? 64 : 96;
    for (size_t j0 = 0; j0 < n; j0 += 64) {
        const long width = (long)(n - j0 < 64 ? n - j0 : 64);
        __mmask16 mk[4];
        for (int k = 0; k < 4; k++) {
            const long l = width - 16 * k;
            mk[k] = (__mmask16)(l >= 16 ? 0xffffu : l <= 0 ? 0u : (1u << l) - 1u);
        }
        if (width == 64) block_pass(out, j0, w + j0, stride, m, piece, lists, counts, nq, cursor, mk, 1);
        else block_pass(out, j0, w + j0, stride, m, piece, lists, counts, nq, cursor, mk, 0);
    }
}

/* ---- the gradient and step of rows of W (rbm_grad_step) --------------------------------------
 * 64 columns (GV vectors) at a time: the 64-column slices of P0 and Pk (25.6 KB each for a batch
 * of 100) stay in L1/L2 while every unit x of the range sums its rows of them (GV accumulators
 * per list, the two lists side by side) and steps its 64 weights. Separate multiplies and adds
 * in the order of the C expression, so the bits are those of the portable version. Measured on
 * the 784 x 500 bench: 32, 64 and 128 columns take the same time (~0.047 s per epoch on one
 * thread, 0.7 ns per vector add against 0.4 ns in the products), as did two separate passes
 * (row sums into a buffer, then the step). Halving the loop exits (128 columns) changed
 * nothing; perf puts the time after the index loads: the lists are short (~13 rows per unit),
 * which leaves little independent work to hide the latency of the loads they select. */
#define GV 4
/* Rows x < ni of one GV-vector column slice (pb, nb, w, vw offset to it): `full` as load16. */
static inline __attribute__((always_inline)) void grad_slice(float *w, float *vw, size_t nh, const float *pb,
                                                            const float *nb, const uint32_t *c0,
                                                            const size_t *s0, const uint32_t *ck,
                                                            const size_t *sk, size_t ni, __m512 vlr,
                                                            __m512 vmom, __m512 vwd, __m512 vinv,
                                                            const __mmask16 *mk, const int full) {
    for (size_t x = 0; x < ni; x++) {
        __m512 a[GV], b[GV];
        for (int k = 0; k < GV; k++) a[k] = b[k] = _mm512_setzero_ps();
        size_t c = s0[x], d = sk[x];
        const size_t e = s0[x + 1], f = sk[x + 1];
        for (; c < e && d < f; c++, d++) {
            const float *r = pb + (size_t)c0[c] * nh, *q = nb + (size_t)ck[d] * nh;
            for (int k = 0; k < GV; k++) {
                a[k] = _mm512_add_ps(a[k], load16(r + 16 * k, mk[k], full));
                b[k] = _mm512_add_ps(b[k], load16(q + 16 * k, mk[k], full));
            }
        }
        for (; c < e; c++) {
            const float *r = pb + (size_t)c0[c] * nh;
            for (int k = 0; k < GV; k++) a[k] = _mm512_add_ps(a[k], load16(r + 16 * k, mk[k], full));
        }
        for (; d < f; d++) {
            const float *q = nb + (size_t)ck[d] * nh;
            for (int k = 0; k < GV; k++) b[k] = _mm512_add_ps(b[k], load16(q + 16 * k, mk[k], full));
        }
        float *wx = w + x * nh;
        __m512 v[GV]; /* lr g, then the new velocity */
        for (int k = 0; k < GV; k++) {
            const __m512 wk = load16(wx + 16 * k, mk[k], full);
            const __m512 g = _mm512_sub_ps(_mm512_mul_ps(_mm512_sub_ps(a[k], b[k]), vinv), _mm512_mul_ps(vwd, wk));
            v[k] = _mm512_mul_ps(vlr, g);
        }
        if (vw) {
            float *vx = vw + x * nh;
            for (int k = 0; k < GV; k++) {
                v[k] = _mm512_add_ps(_mm512_mul_ps(vmom, load16(vx + 16 * k, mk[k], full)), v[k]);
                if (full) _mm512_storeu_ps(vx + 16 * k, v[k]);
                else _mm512_mask_storeu_ps(vx + 16 * k, mk[k], v[k]);
            }
        }
        for (int k = 0; k < GV; k++) {
            const __m512 nw = _mm512_add_ps(load16(wx + 16 * k, mk[k], full), v[k]);
            if (full) _mm512_storeu_ps(wx + 16 * k, nw);
            else _mm512_mask_storeu_ps(wx + 16 * k, mk[k], nw);
        }
    }
}

void rbm_grad_step_avx512(float *w, float *vw, size_t nh, const float *p0, const float *pk,
                          const uint32_t *c0, const size_t *s0, const uint32_t *ck, const size_t *sk,
                          size_t ni, float lr, float mom, float wd, float inv) {
    const __m512 vlr = _mm512_set1_ps(lr), vmom = _mm512_set1_ps(mom), vwd = _mm512_set1_ps(wd);
    const __m512 vinv = _mm512_set1_ps(inv);
    for (size_t j0 = 0; j0 < nh; j0 += 16 * GV) {
        const long width = (long)(nh - j0 < 16 * GV ? nh - j0 : 16 * GV);
        __mmask16 mk[GV];
        for (int k = 0; k < GV; k++) {
            const long l = width - 16 * k;
            mk[k] = (__mmask16)(l >= 16 ? 0xffffu : l <= 0 ? 0u : (1u << l) - 1u);
        }
        float *vj = vw ? vw + j0 : NULL;
        if (width == 16 * GV)
            grad_slice(w + j0, vj, nh, p0 + j0, pk + j0, c0, s0, ck, sk, ni, vlr, vmom, vwd, vinv, mk, 1);
        else
            grad_slice(w + j0, vj, nh, p0 + j0, pk + j0, c0, s0, ck, sk, ni, vlr, vmom, vwd, vinv, mk, 0);
    }
}

/* dst[j * dstride + r] = src[r * sstride + j], r < rows <= 16, j < cols: 16 x 16 tiles
 * transposed in registers (the classic unpack / 128-bit shuffle network), each tile row one
 * 64-byte store. */
void rbm_transpose16_avx512(float *dst, size_t dstride, const float *src, size_t sstride, size_t rows,
                            size_t cols) {
    const __mmask16 keep = (__mmask16)(rows >= 16 ? 0xffffu : (1u << rows) - 1u);
    for (size_t j0 = 0; j0 < cols; j0 += 16) {
        const size_t left = cols - j0 < 16 ? cols - j0 : 16;
        const __mmask16 m = (__mmask16)(left == 16 ? 0xffffu : (1u << left) - 1u);
        __m512 r[16], t[16];
        for (size_t i = 0; i < 16; i++)
            r[i] = i < rows ? _mm512_maskz_loadu_ps(m, src + i * sstride + j0) : _mm512_setzero_ps();
        for (int i = 0; i < 16; i += 2) {
            t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
            t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
        }
        for (int i = 0; i < 16; i += 4) {
            r[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
            r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xee);
            r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
            r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xee);
        }
        for (int i = 0; i < 4; i++) {
            t[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88);
            t[i + 4] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0x88);
            t[i + 8] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xdd);
            t[i + 12] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0xdd);
        }
        for (int i = 0; i < 4; i++) {
            r[i] = _mm512_shuffle_f32x4(t[i], t[i + 4], 0x88);
            r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 4], 0xdd);
            r[i + 4] = _mm512_shuffle_f32x4(t[i + 8], t[i + 12], 0x88);
            r[i + 12] = _mm512_shuffle_f32x4(t[i + 8], t[i + 12], 0xdd);
        }
        for (size_t i = 0; i < left; i++) _mm512_mask_storeu_ps(dst + (j0 + i) * dstride, keep, r[i]);
    }
}

/* Bernoulli selection from 24-bit uniforms packed two per 64-bit word (the high one first):
 * on[] = base + k for the k < n (n even) with u_k < p[k]. The 16 compares of 8 words give a
 * mask; the indices are compressed in a register and stored whole (on Zen 4 the compressing
 * store to memory is microcoded and ~10x slower); on[] has room, since at most k were kept. */
size_t rbm_select_below_avx512(uint32_t *on, const float *p, const uint64_t *words, size_t n,
                               uint32_t base) {
    const __m512i m24 = _mm512_set1_epi64(0xffffff);
    const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512 scale = _mm512_set1_ps(0x1.0p-24f);
    size_t c = 0, k = 0;
    for (; k + 16 <= n; k += 16) {
        const __m512i w = _mm512_loadu_si512(words + k / 2);
        const __m512i hi = _mm512_and_si512(_mm512_srli_epi64(w, 40), m24);
        const __m512i lo = _mm512_and_si512(_mm512_srli_epi64(w, 8), m24);
        const __m512 u = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_or_si512(hi, _mm512_slli_epi64(lo, 32))), scale);
        const __mmask16 keep = _mm512_cmp_ps_mask(u, _mm512_loadu_ps(p + k), _CMP_LT_OQ);
        const __m512i idx = _mm512_add_epi32(iota, _mm512_set1_epi32((int)(base + k)));
        _mm512_storeu_si512(on + c, _mm512_maskz_compress_epi32(keep, idx));
        c += (size_t)__builtin_popcount(keep);
    }
    for (; k < n; k++) {
        const float u = (float)((words[k / 2] >> (k % 2 ? 8 : 40)) & 0xffffff) * 0x1.0p-24f;
        on[c] = base + (uint32_t)k;
        c += u < p[k];
    }
    return c;
}

void rbm_sigmoid_avx512(float *y, const float *x, const float *bias, size_t n) {
    const __m512 one = _mm512_set1_ps(1.0f), zero = _mm512_setzero_ps();
    size_t j = 0;
    for (; j + 16 <= n; j += 16) {
        __m512 z = _mm512_sub_ps(zero, _mm512_add_ps(_mm512_loadu_ps(x + j), _mm512_loadu_ps(bias + j)));
        _mm512_storeu_ps(y + j, _mm512_div_ps(one, _mm512_add_ps(one, Sleef_expf16_u10avx512f(z))));
    }
    for (; j < n; j++) y[j] = 1.0f / (1.0f + expf(-(x[j] + bias[j])));
}
#endif
