/* idx.c — IDX files (LeCun's MNIST format, also Fashion-MNIST): the bytes 0, 0, a type code
 * (0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32, 0x0E f64) and the rank, then one big-endian
 * uint32 per dimension, then the data, big-endian, C order. Read through zlib's gzopen, which
 * reads gzipped and plain files alike. */
#include "io/atomic_internal.h"
#include "io/idx_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

static zs_status read_all(zs_ctx *ctx, const char *path, unsigned char **buf, size_t *len) {
    gzFile g = gzopen(path, "rb");
    if (!g) return zs_fail(ctx, ZS_EIO, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 1 << 20, n = 0;
    unsigned char *b = malloc(cap);
    zs_status st = ZS_OK;
    while (b) {
        if (n == cap) {
            unsigned char *nb = cap > SIZE_MAX / 2 ? NULL : realloc(b, cap * 2);
            if (!nb) break;
            b = nb;
            cap *= 2;
        }
        size_t want = cap - n > 0x40000000u ? 0x40000000u : cap - n;
        int got = gzread(g, b + n, (unsigned)want);
        if (got < 0) {
            int e;
            const char *m = gzerror(g, &e);
            st = zs_fail(ctx, ZS_EFORMAT, "%s: cannot decompress (truncated or corrupt gzip): %s", path, m);
            break;
        }
        if (got == 0) break;
        n += (size_t)got;
    }
    if (!b) st = zs_fail(ctx, ZS_ENOMEM, "%s: out of memory", path);
    gzclose(g);
    if (st != ZS_OK) {
        free(b);
        return st;
    }
    *buf = b;
    *len = n;
    return ZS_OK;
}

static uint64_t be(const unsigned char *p, size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) v = v << 8 | p[i];
    return v;
}

zs_status zs_idx_read(zs_ctx *ctx, const char *path, zs_array **out) {
    if (!path || !out) return ZS_EINVAL;
    unsigned char *b = NULL;
    size_t len = 0;
    zs_status st = read_all(ctx, path, &b, &len);
    if (st != ZS_OK) return st;
    if (len < 4 || b[0] != 0 || b[1] != 0) {
        free(b);
        return zs_fail(ctx, ZS_EFORMAT, "%s: not an IDX file (it must start with two zero bytes)", path);
    }
    size_t isz;
    zs_dtype t;
    switch (b[2]) {
    case 0x08: isz = 1, t = ZS_DTYPE_U1; break;
    case 0x09: isz = 1, t = ZS_DTYPE_I1; break;
    case 0x0B: isz = 2, t = ZS_DTYPE_I2; break;
    case 0x0C: isz = 4, t = ZS_DTYPE_I4; break;
    case 0x0D: isz = 4, t = ZS_DTYPE_F4; break;
    case 0x0E: isz = 8, t = ZS_DTYPE_F8; break;
    default:
        st = zs_fail(ctx, ZS_EFORMAT, "%s: IDX type code 0x%02x is unknown", path, b[2]);
        free(b);
        return st;
    }
    int nd = b[3];
    if (nd < 1 || nd > ZS_ARRAY_MAX_NDIM || len < 4 + 4 * (size_t)nd) {
        free(b);
        return zs_fail(ctx, ZS_EFORMAT, "%s: IDX header with %d dimensions is %s", path, nd,
                       nd < 1 || nd > ZS_ARRAY_MAX_NDIM ? "not supported" : "truncated");
    }
    uint64_t shape[ZS_ARRAY_MAX_NDIM];
    char dims[256] = "";
    size_t used = 0;
    double count = 1.0;
    for (int k = 0; k < nd; k++) {
        shape[k] = be(b + 4 + 4 * k, 4);
        count *= (double)shape[k];
        int w = snprintf(dims + used, sizeof dims - used, "%s%llu", k ? "x" : "", (unsigned long long)shape[k]);
        if (w > 0 && used + (size_t)w < sizeof dims) used += (size_t)w;
    }
    size_t have = len - 4 - 4 * (size_t)nd;
    if (count * (double)isz != (double)have) {
        free(b);
        return zs_fail(ctx, ZS_EFORMAT, "%s: IDX header says %s elements of %zu bytes = %.0f bytes "
                       "of data, the file has %zu", path, dims, isz, count * (double)isz, have);
    }
    zs_array *a;
    st = zs_array_alloc(ctx, t, nd, shape, &a);
    if (st == ZS_OK) {
        const unsigned char *d = b + 4 + 4 * (size_t)nd;
        double *x = zs_array_data(a);
        for (size_t i = 0; i < zs_array_size(a); i++) {
            uint64_t u = be(d + i * isz, isz);
            switch (t) {
            case ZS_DTYPE_U1: x[i] = (double)u; break;
            case ZS_DTYPE_I1: x[i] = (double)(int8_t)u; break;
            case ZS_DTYPE_I2: x[i] = (double)(int16_t)u; break;
            case ZS_DTYPE_I4: x[i] = (double)(int32_t)u; break;
            case ZS_DTYPE_F4: {
                uint32_t u32 = (uint32_t)u;
                float f;
                memcpy(&f, &u32, 4);
                x[i] = (double)f;
                break;
            }
            default: {
                double dd;
                memcpy(&dd, &u, 8);
                x[i] = dd;
            }
            }
        }
        *out = a;
    }
    free(b);
    return st;
}

zs_status idx_read_u8_raw(zs_ctx *ctx, const char *path, unsigned char **buf, size_t *offset,
                          uint64_t *n, uint64_t *d, int *is_u8) {
    *buf = NULL;
    *is_u8 = 0;
    unsigned char *b = NULL;
    size_t len = 0;
    zs_status st = read_all(ctx, path, &b, &len);
    if (st != ZS_OK) return st;
    int nd = len >= 4 ? b[3] : 0;
    if (len < 4 || b[0] != 0 || b[1] != 0 || b[2] != 0x08 || nd < 1 || nd > ZS_ARRAY_MAX_NDIM ||
        len < 4 + 4 * (size_t)nd) {
        free(b); /* not plain bytes, or malformed: zs_idx_read says which */
        return ZS_OK;
    }
    double count = 1.0;
    uint64_t rows = be(b + 4, 4), total = 1;
    for (int k = 0; k < nd; k++) {
        count *= (double)be(b + 4 + 4 * k, 4);
        total *= be(b + 4 + 4 * k, 4);
    }
    size_t have = len - 4 - 4 * (size_t)nd;
    if (count != (double)have || total == 0) {
        free(b);
        return ZS_OK;
    }
    *buf = b;
    *offset = 4 + 4 * (size_t)nd;
    *n = nd == 1 ? 1 : rows;
    *d = nd == 1 ? total : total / rows;
    *is_u8 = 1;
    return ZS_OK;
}

/* Written atomically (lib/io/atomic.c). A ".gz" name is gzip-compressed in memory first
 * (zlib's deflate with the gzip wrapper, windowBits 15 + 16, level 9: what gzopen "wb9"
 * writes), so that the file itself is written in one step. */
zs_status zs_idx_write_u8(zs_ctx *ctx, const char *path, const zs_array *a) {
    if (!path || !a) return ZS_EINVAL;
    size_t pl = strlen(path);
    int gz = pl > 3 && !strcmp(path + pl - 3, ".gz");
    int nd = zs_array_ndim(a);
    size_t size = zs_array_size(a), hl = 4 + 4 * (size_t)nd;
    unsigned char *raw = malloc(hl + size);
    if (!raw) return zs_fail(ctx, ZS_ENOMEM, "%s: out of memory for %zu bytes", path, hl + size);
    raw[0] = raw[1] = 0;
    raw[2] = 0x08;
    raw[3] = (unsigned char)nd;
    for (int k = 0; k < nd; k++)
        for (int q = 0; q < 4; q++) raw[4 + 4 * k + q] = (unsigned char)(zs_array_dim(a, k) >> (24 - 8 * q));
    const double *x = zs_array_cdata(a);
    for (size_t i = 0; i < size; i++) {
        double v = nearbyint(x[i]);
        raw[hl + i] = (unsigned char)(v <= 0 ? 0 : v >= 255 ? 255 : (int)v);
    }
    if (!gz) {
        zs_status st = io_write_atomic(ctx, path, raw, hl + size);
        free(raw);
        return st;
    }
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        free(raw);
        return zs_fail(ctx, ZS_ENOMEM, "%s: cannot start the compressor", path);
    }
    uLong cap = deflateBound(&z, (uLong)(hl + size));
    unsigned char *packed = malloc(cap);
    int ok = packed != NULL;
    z.next_in = raw;
    z.next_out = packed;
    z.avail_out = (uInt)cap;
    /* deflate takes at most UINT_MAX bytes a call: feed the input in such pieces */
    for (size_t left = hl + size; ok;) {
        uInt piece = left > UINT_MAX ? UINT_MAX : (uInt)left;
        z.avail_in = piece;
        left -= piece;
        int r = deflate(&z, left ? Z_NO_FLUSH : Z_FINISH);
        if (!left) {
            ok = r == Z_STREAM_END;
            break;
        }
        ok = r == Z_OK;
    }
    deflateEnd(&z);
    free(raw);
    zs_status st = ok ? io_write_atomic(ctx, path, packed, (size_t)z.total_out)
                      : zs_fail(ctx, ZS_ENOMEM, "%s: cannot compress %zu bytes", path, hl + size);
    free(packed);
    return st;
}
