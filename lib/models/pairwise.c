/* pairwise.c — binary pairwise models: construction (dense J/h, 0/1 Boltzmann machine, random
 * Boltzmann machine, chain and square lattice), energy, conversions (the exact methods and the
 * choice among them: lib/exact/pairwise_*.c, transfer.c, ising_closed.c).
 * The +-1 <-> 0/1 conversion (x = (1+s)/2) is exact: W = 4J, b = 2h - 2 sum_j J_ij, and
 * E_bm(x) = E_ising(s) + sum_{i<j} J_ij - sum_i h_i (see include/zsum/pairwise.h). */
#include "models/pairwise_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

uint64_t pairwise_hash(uint64_t h, const zs_pairwise *m) {
    h = units_hash_u64(h, m->n);
    h = units_hash_doubles(h, m->h, m->n);
    h = units_hash_u64(h, m->nb);
    for (size_t b = 0; b < m->nb; b++) {
        h = units_hash_u64(h, ((uint64_t)m->bi[b] << 32) | m->bj[b]);
        h = units_hash_double(h, m->bJ[b]);
    }
    return units_hash_double(h, m->offset);
}

void zs_pairwise_free(zs_pairwise *m) {
    if (!m) return;
    free(m->h);
    free(m->bi);
    free(m->bj);
    free(m->bJ);
    free(m->adj_start);
    free(m->adj_nb);
    free(m->adj_j);
    free(m->jh);
    free(m->jv);
    free(m);
}

/* Allocate the model with room for nb_max bonds. */
static zs_pairwise *model_new(zs_ctx *ctx, size_t n, size_t nb_max) {
    zs_pairwise *m = zs_calloc(1, sizeof *m);
    if (!m) return NULL;
    m->ctx = ctx;
    m->n = n;
    m->h = zs_calloc(n, sizeof *m->h);
    size_t cap = nb_max ? nb_max : 1;
    m->bi = zs_malloc(cap * sizeof *m->bi);
    m->bj = zs_malloc(cap * sizeof *m->bj);
    m->bJ = zs_malloc(cap * sizeof *m->bJ);
    if (!m->h || !m->bi || !m->bj || !m->bJ) {
        zs_pairwise_free(m);
        return NULL;
    }
    return m;
}

static void add_bond(zs_pairwise *m, size_t i, size_t j, double jv) {
    if (jv == 0.0) return;
    m->bi[m->nb] = (uint32_t)i;
    m->bj[m->nb] = (uint32_t)j;
    m->bJ[m->nb] = jv;
    m->nb++;
}

/* CSR adjacency and the integer / ferromagnetic flags; ZS_ENOMEM on failure. */
static zs_status model_finish(zs_pairwise *m) {
    m->adj_start = zs_calloc(m->n + 1, sizeof *m->adj_start);
    m->adj_nb = zs_malloc((2 * m->nb + 1) * sizeof *m->adj_nb);
    m->adj_j = zs_malloc((2 * m->nb + 1) * sizeof *m->adj_j);
    if (!m->adj_start || !m->adj_nb || !m->adj_j) return ZS_ENOMEM;
    for (size_t b = 0; b < m->nb; b++) {
        m->adj_start[m->bi[b] + 1]++;
        m->adj_start[m->bj[b] + 1]++;
    }
    for (size_t i = 0; i < m->n; i++) m->adj_start[i + 1] += m->adj_start[i];
    size_t *fill = zs_malloc((m->n + 1) * sizeof *fill);
    if (!fill) return ZS_ENOMEM;
    memcpy(fill, m->adj_start, (m->n + 1) * sizeof *fill);
    for (size_t b = 0; b < m->nb; b++) {
        size_t i = m->bi[b], j = m->bj[b];
        m->adj_nb[fill[i]] = (uint32_t)j;
        m->adj_j[fill[i]++] = m->bJ[b];
        m->adj_nb[fill[j]] = (uint32_t)i;
        m->adj_j[fill[j]++] = m->bJ[b];
    }
    free(fill);
    /* Exact DOS: every coupling and field a multiple of 1/4 (so energies are multiples of a
     * common unit; a 0/1 machine with integer W and b has J = W/4), below 2^40 in size. */
    m->integer = 1;
    m->ferro = 1;
    for (size_t b = 0; b < m->nb; b++) {
        double q = 4.0 * m->bJ[b];
        if (q != floor(q) || fabs(q) > 0x1p40) m->integer = 0;
        if (m->bJ[b] < 0.0) m->ferro = 0;
    }
    for (size_t i = 0; i < m->n; i++) {
        double q = 4.0 * m->h[i];
        if (q != floor(q) || fabs(q) > 0x1p40) m->integer = 0;
        if (m->h[i] != 0.0) m->ferro = 0;
    }
    return ZS_OK;
}

/* Checks shared by the dense constructors: finite, symmetric, zero diagonal. */
static zs_status check_dense(zs_ctx *ctx, size_t n, const double *a, const double *v,
                             const char *aname, const char *vname) {
    if (n == 0) return zs_fail(ctx, ZS_EINVAL, "%s: the model needs at least one spin", aname);
    if (n > ZS_PAIRWISE_DENSE_MAX)
        return zs_fail(ctx, ZS_EINVAL, "%s: %zu spins exceed the dense limit %d", aname, n,
                       ZS_PAIRWISE_DENSE_MAX);
    if (a)
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++) {
                double x = a[i * n + j];
                if (!isfinite(x))
                    return zs_fail(ctx, ZS_EINVAL, "%s: entry (%zu,%zu) = %g is not finite", aname,
                                   i, j, x);
                if (i == j && x != 0.0)
                    return zs_fail(ctx, ZS_EINVAL,
                                   "%s: diagonal entry (%zu,%zu) = %g is not zero (self-couplings "
                                   "are constants or fields, not couplings)",
                                   aname, i, i, x);
                if (j > i && x != a[j * n + i])
                    return zs_fail(ctx, ZS_EINVAL,
                                   "%s: not symmetric: entry (%zu,%zu) = %.17g but (%zu,%zu) = "
                                   "%.17g (their average would make it symmetric)",
                                   aname, i, j, x, j, i, a[j * n + i]);
            }
    if (v)
        for (size_t i = 0; i < n; i++)
            if (!isfinite(v[i]))
                return zs_fail(ctx, ZS_EINVAL, "%s: entry %zu = %g is not finite", vname, i, v[i]);
    return ZS_OK;
}

zs_status zs_pairwise_alloc_dense(zs_ctx *ctx, size_t n, const double *j, const double *h,
                                  zs_pairwise **out) {
    if (!out) return zs_fail(ctx, ZS_EINVAL, "pairwise: NULL argument");
    zs_status st = check_dense(ctx, n, j, h, "J", "h");
    if (st != ZS_OK) return st;
    zs_pairwise *m = model_new(ctx, n, j ? n * (n - 1) / 2 : 0);
    if (!m) return zs_fail(ctx, ZS_ENOMEM, "pairwise: out of memory");
    if (h) memcpy(m->h, h, n * sizeof *h);
    if (j)
        for (size_t a = 0; a < n; a++)
            for (size_t b = a + 1; b < n; b++) add_bond(m, a, b, j[a * n + b]);
    if (model_finish(m) != ZS_OK) {
        zs_pairwise_free(m);
        return zs_fail(ctx, ZS_ENOMEM, "pairwise: out of memory");
    }
    *out = m;
    return ZS_OK;
}

zs_status zs_pairwise_alloc_bm(zs_ctx *ctx, size_t n, const double *w, const double *b,
                               zs_pairwise **out) {
    if (!out || !w) return zs_fail(ctx, ZS_EINVAL, "pairwise: NULL argument");
    zs_status st = check_dense(ctx, n, w, b, "W", "b");
    if (st != ZS_OK) return st;
    double *j = zs_malloc(n * n * sizeof *j), *h = zs_malloc(n * sizeof *h);
    if (!j || !h) {
        free(j);
        free(h);
        return zs_fail(ctx, ZS_ENOMEM, "pairwise: out of memory");
    }
    /* J = W/4, h_i = b_i/2 + sum_j W_ij/4, offset = -sum_{i<j} W_ij/4 - sum_i b_i/2. */
    double offset = 0.0;
    for (size_t a = 0; a < n; a++) {
        double rowsum = 0.0;
        for (size_t c = 0; c < n; c++) {
            j[a * n + c] = w[a * n + c] / 4.0;
            rowsum += w[a * n + c];
            if (c > a) offset -= w[a * n + c] / 4.0;
        }
        double ba = b ? b[a] : 0.0;
        h[a] = ba / 2.0 + rowsum / 4.0;
        offset -= ba / 2.0;
    }
    zs_pairwise *m = NULL;
    st = zs_pairwise_alloc_dense(ctx, n, j, h, &m);
    free(j);
    free(h);
    if (st != ZS_OK) return st;
    m->offset = offset;
    *out = m;
    return ZS_OK;
}

zs_status zs_pairwise_alloc_random_bm(zs_ctx *ctx, size_t n, uint64_t seed, zs_pairwise **out) {
    if (!out) return zs_fail(ctx, ZS_EINVAL, "pairwise: NULL argument");
    if (n == 0 || n > 4096)
        return zs_fail(ctx, ZS_EINVAL, "random: N = %zu is out of range 1..4096", n);
    double *w = zs_calloc(n * n, sizeof *w), *b = zs_malloc(n * sizeof *b);
    if (!w || !b) {
        free(w);
        free(b);
        return zs_fail(ctx, ZS_ENOMEM, "pairwise: out of memory");
    }
    zs_rng rng;
    zs_rng_init(&rng, seed, 0);
    double scale = 1.0 / sqrt((double)n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) w[i * n + j] = w[j * n + i] = scale * zs_rng_normal(&rng);
    for (size_t i = 0; i < n; i++) b[i] = zs_rng_normal(&rng);
    zs_status st = zs_pairwise_alloc_bm(ctx, n, w, b, out);
    free(w);
    free(b);
    return st;
}

/* Bonds of a rows x cols lattice: each site's bond to the right (within a row or across a
 * periodic column boundary) and down (likewise); a 2-site periodic direction bonds its pair
 * twice, as the torus graph does. */
static size_t lattice_bonds(size_t R, size_t C, int prow, int pcol) {
    return R * (pcol ? C : C - 1) + (R > 1 ? (prow ? R : R - 1) * C : 0);
}

zs_status pairwise_lattice_shape(zs_ctx *ctx, const zs_lattice_spec *sp, zs_pairwise *shape) {
    if (!sp) return zs_fail(ctx, ZS_EINVAL, "pairwise: NULL argument");
    size_t R = sp->rows, C = sp->cols;
    if (R == 0 || C == 0) return zs_fail(ctx, ZS_EINVAL, "lattice: a dimension is zero");
    if ((double)R * (double)C > (double)ZS_PAIRWISE_MAX_SPINS)
        return zs_fail(ctx, ZS_EINVAL, "lattice: %zu x %zu sites exceed the limit %llu", R, C,
                       (unsigned long long)ZS_PAIRWISE_MAX_SPINS);
    int prow = R > 1 && sp->periodic_rows, pcol = sp->periodic_cols != 0;
    if (pcol && C < 2)
        return zs_fail(ctx, ZS_EINVAL, "lattice: a periodic direction needs at least 2 sites, "
                                       "got 1 (use open boundaries)");
    if (!isfinite(sp->j) || !isfinite(sp->h))
        return zs_fail(ctx, ZS_EINVAL, "lattice: J = %g, h = %g must be finite", sp->j, sp->h);
    size_t n = R * C;
    const double *arr[3] = {sp->jh, sp->jv, sp->hs};
    const char *names[3] = {"horizontal couplings", "vertical couplings", "fields"};
    for (int a = 0; a < 3; a++)
        if (arr[a])
            for (size_t i = 0; i < n; i++) {
                if (!isfinite(arr[a][i]))
                    return zs_fail(ctx, ZS_EINVAL, "lattice %s: entry %zu = %g is not finite",
                                   names[a], i, arr[a][i]);
                size_t r = i / C, c = i % C;
                int absent = (a == 0 && !pcol && c + 1 == C) || (a == 1 && !prow && r + 1 == R);
                if (absent && arr[a][i] != 0.0)
                    return zs_fail(ctx, ZS_EINVAL,
                                   "lattice %s: entry %zu (site %zu,%zu) = %g belongs to a bond "
                                   "across an open boundary and must be 0",
                                   names[a], i, r, c, arr[a][i]);
            }
    memset(shape, 0, sizeof *shape);
    shape->ctx = ctx;
    shape->n = n;
    shape->lattice = 1;
    shape->rows = R;
    shape->cols = C;
    shape->prow = prow;
    shape->pcol = pcol;
    shape->uniform = !sp->jh && !sp->jv && !sp->hs;
    shape->j0 = sp->j;
    shape->h0 = sp->h;
    /* add_bond keeps only non-zero couplings: a uniform J = 0 has no bonds */
    if (shape->uniform) shape->nb = sp->j != 0.0 ? lattice_bonds(R, C, prow, pcol) : 0;
    return ZS_OK;
}

zs_status zs_pairwise_alloc_lattice(zs_ctx *ctx, const zs_lattice_spec *sp, zs_pairwise **out) {
    if (!out || !sp) return zs_fail(ctx, ZS_EINVAL, "pairwise: NULL argument");
    zs_pairwise shape;
    zs_status st = pairwise_lattice_shape(ctx, sp, &shape);
    if (st != ZS_OK) return st;
    size_t R = shape.rows, C = shape.cols, n = shape.n;
    int prow = shape.prow, pcol = shape.pcol;
    zs_pairwise *m = model_new(ctx, n, 2 * n);
    if (m) {
        m->jh = zs_calloc(n, sizeof *m->jh);
        m->jv = zs_calloc(n, sizeof *m->jv);
    }
    if (!m || !m->jh || !m->jv) {
        zs_pairwise_free(m);
        return zs_fail(ctx, ZS_ENOMEM, "lattice: out of memory");
    }
    m->lattice = 1;
    m->rows = R;
    m->cols = C;
    m->prow = prow;
    m->pcol = pcol;
    m->uniform = shape.uniform;
    m->j0 = sp->j;
    m->h0 = sp->h;
    for (size_t r = 0; r < R; r++)
        for (size_t c = 0; c < C; c++) {
            size_t i = r * C + c;
            m->h[i] = sp->hs ? sp->hs[i] : sp->h;
            if (c + 1 < C || pcol) {
                m->jh[i] = sp->jh ? sp->jh[i] : sp->j;
                add_bond(m, i, r * C + (c + 1) % C, m->jh[i]);
            }
            if (R > 1 && (r + 1 < R || prow)) {
                m->jv[i] = sp->jv ? sp->jv[i] : sp->j;
                add_bond(m, i, ((r + 1) % R) * C + c, m->jv[i]);
            }
        }
    if (model_finish(m) != ZS_OK) {
        zs_pairwise_free(m);
        return zs_fail(ctx, ZS_ENOMEM, "lattice: out of memory");
    }
    *out = m;
    return ZS_OK;
}

size_t zs_pairwise_units(const zs_pairwise *m) { return m->n; }
double zs_pairwise_offset(const zs_pairwise *m) { return m->offset; }
int zs_pairwise_is_integer(const zs_pairwise *m) { return m->integer; }
int zs_pairwise_is_ferromagnetic(const zs_pairwise *m) { return m->ferro; }

int zs_pairwise_lattice(const zs_pairwise *m, size_t *rows, size_t *cols, int *periodic_rows,
                        int *periodic_cols) {
    if (!m->lattice) return 0;
    if (rows) *rows = m->rows;
    if (cols) *cols = m->cols;
    if (periodic_rows) *periodic_rows = m->prow;
    if (periodic_cols) *periodic_cols = m->pcol;
    return 1;
}

double pairwise_local_field(const zs_pairwise *m, const int8_t *s, size_t i) {
    double f = m->h[i];
    for (size_t a = m->adj_start[i]; a < m->adj_start[i + 1]; a++)
        f += m->adj_j[a] * (double)s[m->adj_nb[a]];
    return f;
}

double zs_pairwise_energy(const zs_pairwise *m, const int8_t *s) {
    double e = m->offset;
    for (size_t b = 0; b < m->nb; b++)
        e -= m->bJ[b] * (s[m->bi[b]] == 1 ? 1.0 : -1.0) * (s[m->bj[b]] == 1 ? 1.0 : -1.0);
    for (size_t i = 0; i < m->n; i++) e -= m->h[i] * (s[i] == 1 ? 1.0 : -1.0);
    return e;
}

double *pairwise_dense_j(const zs_pairwise *m) {
    double *j = zs_calloc(m->n * m->n, sizeof *j);
    if (!j) return NULL;
    for (size_t b = 0; b < m->nb; b++) {
        j[m->bi[b] * m->n + m->bj[b]] += m->bJ[b];
        j[m->bj[b] * m->n + m->bi[b]] += m->bJ[b];
    }
    return j;
}

zs_status zs_pairwise_dense(const zs_pairwise *m, double *j, double *h) {
    if (m->n > ZS_PAIRWISE_DENSE_MAX)
        return zs_fail(m->ctx, ZS_ETOOBIG, "pairwise: %zu spins are too many for a dense matrix",
                       m->n);
    if (j) {
        double *d = pairwise_dense_j(m);
        if (!d) return zs_fail(m->ctx, ZS_ENOMEM, "pairwise: out of memory");
        memcpy(j, d, m->n * m->n * sizeof *d);
        free(d);
    }
    if (h) memcpy(h, m->h, m->n * sizeof *h);
    return ZS_OK;
}

zs_status zs_pairwise_bm_params(const zs_pairwise *m, double *w, double *b, double *shift) {
    if (m->n > ZS_PAIRWISE_DENSE_MAX)
        return zs_fail(m->ctx, ZS_ETOOBIG, "pairwise: %zu spins are too many for a dense matrix",
                       m->n);
    double *j = pairwise_dense_j(m);
    if (!j) return zs_fail(m->ctx, ZS_ENOMEM, "pairwise: out of memory");
    double hsum = 0.0, jsum = 0.0;
    for (size_t i = 0; i < m->n; i++) {
        double row = 0.0;
        for (size_t k = 0; k < m->n; k++) {
            row += j[i * m->n + k];
            if (w) w[i * m->n + k] = 4.0 * j[i * m->n + k];
        }
        if (b) b[i] = 2.0 * m->h[i] - 2.0 * row;
        jsum += row;
        hsum += m->h[i];
    }
    /* E_bm = (E - offset) + sum_{i<j} J_ij - sum_i h_i, where E includes our offset. */
    if (shift) *shift = jsum / 2.0 - hsum - m->offset;
    free(j);
    return ZS_OK;
}

/* The energy scale sum |J| + sum |h| + |offset| bounds every |E|. The exact methods form
 * products of E, E^2 and beta E (the moments behind U and C, the weights behind ln Z) that
 * must stay finite with room to spare (enumeration's moments fail from beta E ~ 1e85 on), so a
 * scale past 1e100, or |beta| times it past 1e60, is refused rather than ending in inf - inf. */
#define ENERGY_SCALE_MAX 1e100
#define BETA_ENERGY_MAX 1e60
/* F = -T ln Z with ln Z up to N ln 2 + |beta| scale: a temperature past 1e200 would overflow
 * it; beta = 0 (infinite temperature) is its limit and allowed. */
#define BETA_MIN 1e-200

zs_status pairwise_check_beta(const zs_pairwise *m, double beta) {
    if (!isfinite(beta))
        return zs_fail(m->ctx, ZS_EINVAL, "beta = %g is not finite", beta);
    if (beta != 0.0 && fabs(beta) < BETA_MIN)
        return zs_fail(m->ctx, ZS_ERANGE,
                       "|beta| = %g is below 1e-200 (T past 1e200: F = -T ln Z would overflow); "
                       "use beta = 0 for infinite temperature", fabs(beta));
    double scale = fabs(m->offset);
    if (m->uniform) {
        scale += (double)m->nb * fabs(m->j0) + (double)m->n * fabs(m->h0);
    } else {
        for (size_t i = 0; i < m->n; i++) scale += fabs(m->h[i]);
        for (size_t b = 0; b < m->nb; b++) scale += fabs(m->bJ[b]);
    }
    if (!(scale <= ENERGY_SCALE_MAX))
        return zs_fail(m->ctx, ZS_ERANGE,
                       "the energy scale sum|J| + sum|h| = %g is past 1e100 (the moments would "
                       "overflow); divide J and h by a factor and multiply beta by it", scale);
    if (!(fabs(beta) * scale <= BETA_ENERGY_MAX))
        return zs_fail(m->ctx, ZS_ERANGE,
                       "|beta| (sum|J| + sum|h|) = %g is past 1e60 (the moments of beta E would "
                       "overflow); use a smaller |beta|", fabs(beta) * scale);
    return ZS_OK;
}
