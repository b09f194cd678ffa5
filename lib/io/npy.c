/* npy.c — NumPy .npy files: the array object, header parsing and writing, type conversion.
 *
 * Format reference: numpy.lib.format (NEP 1, "A simple file format for NumPy arrays"):
 *   "\x93NUMPY" major minor  HEADER_LEN (uint16 LE for 1.0, uint32 LE for 2.0 and 3.0)
 *   HEADER: a Python dict literal with keys 'descr', 'fortran_order', 'shape', padded with
 *   spaces and a final '\n' so that the data starts at a multiple of 64 bytes (16 in old
 *   writers — readers must not assume it). 3.0 only differs by allowing UTF-8 in the header.
 * The parser below accepts exactly the literal forms numpy writes and reads back: keys in
 * any order, single or double quotes, True/False, a tuple of non-negative integers. */
#include "io/atomic_internal.h"
#include "io/npy_internal.h"
#include "io/input_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct zs_array {
    zs_dtype dtype;
    int ndim;
    uint64_t shape[ZS_ARRAY_MAX_NDIM];
    size_t size;
    double *data;
};

typedef struct dtype_info {
    char kind;      /* 'f', 'i', 'u', 'b' */
    size_t size;
    const char *name;
} dtype_info;

static const dtype_info dtypes[] = {
    [ZS_DTYPE_F8] = {'f', 8, "<f8"}, [ZS_DTYPE_F4] = {'f', 4, "<f4"},
    [ZS_DTYPE_U1] = {'u', 1, "|u1"}, [ZS_DTYPE_I4] = {'i', 4, "<i4"},
    [ZS_DTYPE_I8] = {'i', 8, "<i8"}, [ZS_DTYPE_B1] = {'b', 1, "|b1"},
    [ZS_DTYPE_I1] = {'i', 1, "|i1"}, [ZS_DTYPE_I2] = {'i', 2, "<i2"},
    [ZS_DTYPE_U2] = {'u', 2, "<u2"}, [ZS_DTYPE_U4] = {'u', 4, "<u4"},
    [ZS_DTYPE_U8] = {'u', 8, "<u8"},
};
#define NDTYPES (sizeof dtypes / sizeof dtypes[0])

const char *zs_dtype_name(zs_dtype dtype) {
    return (unsigned)dtype < NDTYPES ? dtypes[dtype].name : "?";
}

size_t zs_dtype_size(zs_dtype dtype) {
    return (unsigned)dtype < NDTYPES ? dtypes[dtype].size : 0;
}

/* ---- the array object ---------------------------------------------------------------- */

zs_status zs_array_alloc(zs_ctx *ctx, zs_dtype dtype, int ndim, const uint64_t *shape,
                         zs_array **out) {
    if (!out) return ZS_EINVAL;
    if ((unsigned)dtype >= NDTYPES) return zs_fail(ctx, ZS_EINVAL, "array: unknown dtype %d", (int)dtype);
    if (ndim < 0 || ndim > ZS_ARRAY_MAX_NDIM || (ndim > 0 && !shape))
        return zs_fail(ctx, ZS_EINVAL, "array: rank %d is not in 0..%d", ndim, ZS_ARRAY_MAX_NDIM);
    size_t size = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] != 0 && size > (SIZE_MAX / sizeof(double)) / shape[i])
            return zs_fail(ctx, ZS_ERANGE, "array: %d-dimensional shape is too large", ndim);
        size *= (size_t)shape[i];
    }
    zs_array *a = zs_calloc(1, sizeof *a);
    if (!a) return io_nomem(ctx, "array", (double)sizeof *a, "the array object");
    a->data = zs_calloc(size ? size : 1, sizeof *a->data);
    if (!a->data) {
        free(a);
        char what[64];
        snprintf(what, sizeof what, "%zu values of 8 bytes", size);
        return io_nomem(ctx, "array", (double)size * (double)sizeof(double), what);
    }
    a->dtype = dtype;
    a->ndim = ndim;
    for (int i = 0; i < ndim; i++) a->shape[i] = shape[i];
    a->size = size;
    *out = a;
    return ZS_OK;
}

void npy_array_reshape(zs_array *a, int ndim, const uint64_t *shape) {
    a->ndim = ndim;
    for (int i = 0; i < ndim; i++) a->shape[i] = shape[i];
}

void zs_array_free(zs_array *a) {
    if (!a) return;
    free(a->data);
    free(a);
}

int zs_array_ndim(const zs_array *a) { return a->ndim; }
uint64_t zs_array_dim(const zs_array *a, int axis) {
    return axis >= 0 && axis < a->ndim ? a->shape[axis] : 0;
}
size_t zs_array_size(const zs_array *a) { return a->size; }
zs_dtype zs_array_dtype(const zs_array *a) { return a->dtype; }
void zs_array_set_dtype(zs_array *a, zs_dtype dtype) {
    if ((unsigned)dtype < NDTYPES) a->dtype = dtype;
}
double *zs_array_data(zs_array *a) { return a->data; }
const double *zs_array_cdata(const zs_array *a) { return a->data; }

void zs_array_to_f32(const zs_array *a, float *out) {
    for (size_t i = 0; i < a->size; i++) out[i] = (float)a->data[i];
}

const char *zs_array_shape_str(const zs_array *a, char *buf, size_t cap) {
    size_t used = 0;
    int w = snprintf(buf, cap, "(");
    used = w > 0 ? (size_t)w : 0;
    for (int i = 0; i < a->ndim && used < cap; i++) {
        w = snprintf(buf + used, cap - used, "%s%llu", i ? ", " : "",
                     (unsigned long long)a->shape[i]);
        if (w > 0) used += (size_t)w;
    }
    if (used < cap) snprintf(buf + used, cap - used, a->ndim == 1 ? ",)" : ")");
    return buf;
}

/* ---- header parsing ------------------------------------------------------------------ */

typedef struct hdr_parser {
    const char *p, *end;
} hdr_parser;

static void skip_ws(hdr_parser *h) {
    while (h->p < h->end && (*h->p == ' ' || *h->p == '\t' || *h->p == '\n' || *h->p == '\r'))
        h->p++;
}

static int accept(hdr_parser *h, char c) {
    skip_ws(h);
    if (h->p < h->end && *h->p == c) {
        h->p++;
        return 1;
    }
    return 0;
}

/* A quoted string into buf (cap bytes); 0 on failure. */
static int parse_str(hdr_parser *h, char *buf, size_t cap) {
    skip_ws(h);
    if (h->p >= h->end || (*h->p != '\'' && *h->p != '"')) return 0;
    char q = *h->p++;
    size_t n = 0;
    while (h->p < h->end && *h->p != q) {
        if (n + 1 >= cap) return 0;
        buf[n++] = *h->p++;
    }
    if (h->p >= h->end) return 0;
    h->p++;
    buf[n] = '\0';
    return 1;
}

static int parse_word(hdr_parser *h, const char *w) {
    skip_ws(h);
    size_t n = strlen(w);
    if ((size_t)(h->end - h->p) >= n && !memcmp(h->p, w, n)) {
        h->p += n;
        return 1;
    }
    return 0;
}

static int parse_uint(hdr_parser *h, uint64_t *v) {
    skip_ws(h);
    if (h->p >= h->end || *h->p < '0' || *h->p > '9') return 0;
    uint64_t x = 0;
    while (h->p < h->end && *h->p >= '0' && *h->p <= '9') {
        unsigned d = (unsigned)(*h->p - '0');
        if (x > (UINT64_MAX - d) / 10) return 0;
        x = x * 10 + d;
        h->p++;
    }
    if (h->p < h->end && *h->p == 'L') h->p++; /* Python 2 longs, written by old numpy */
    *v = x;
    return 1;
}

/* descr ("<f8", "|u1", "f4", ">i4", ...) to a type and byte order; 0 when unsupported. */
static int parse_descr(const char *d, zs_dtype *dtype, int *big) {
    *big = 0;
    if (*d == '<' || *d == '|' || *d == '=') d++;
    else if (*d == '>') {
        *big = 1;
        d++;
    }
    char kind = d[0];
    if (kind == '?') { /* numpy's character code for bool */
        if (d[1]) return 0;
        *dtype = ZS_DTYPE_B1;
        return 1;
    }
    if (!kind || !d[1] || d[2]) return 0;
    size_t size = (size_t)(d[1] - '0');
    for (size_t i = 0; i < NDTYPES; i++)
        if (dtypes[i].kind == kind && dtypes[i].size == size) {
            *dtype = (zs_dtype)i;
            if (size == 1) *big = 0;
            return 1;
        }
    return 0;
}

typedef struct npy_header {
    zs_dtype dtype;
    int big, fortran, ndim;
    uint64_t shape[ZS_ARRAY_MAX_NDIM];
} npy_header;

static zs_status parse_header(zs_ctx *ctx, const char *label, const char *text, size_t len,
                              npy_header *out) {
    hdr_parser h = {text, text + len};
    int seen_descr = 0, seen_fortran = 0, seen_shape = 0;
    char descr[64];
    if (!accept(&h, '{'))
        return zs_fail(ctx, ZS_EFORMAT, "%s: the .npy header is not a dict literal", label);
    while (!accept(&h, '}')) {
        char key[32];
        if (!parse_str(&h, key, sizeof key) || !accept(&h, ':'))
            return zs_fail(ctx, ZS_EFORMAT, "%s: the .npy header has a malformed key", label);
        if (!strcmp(key, "descr")) {
            if (!parse_str(&h, descr, sizeof descr)) {
                skip_ws(&h);
                return zs_fail(ctx, ZS_EFORMAT,
                               "%s: dtype %s is not supported (structured or object arrays "
                               "are not; use a plain numeric array)", label,
                               h.p < h.end && *h.p == '[' ? "[...]" : "(unreadable)");
            }
            if (!parse_descr(descr, &out->dtype, &out->big))
                return zs_fail(ctx, ZS_EFORMAT,
                               "%s: dtype '%s' is not supported (supported: f4 f8 i1 i2 i4 i8 "
                               "u1 u2 u4 u8 b1)", label, descr);
            seen_descr = 1;
        } else if (!strcmp(key, "fortran_order")) {
            if (parse_word(&h, "True")) out->fortran = 1;
            else if (parse_word(&h, "False")) out->fortran = 0;
            else return zs_fail(ctx, ZS_EFORMAT, "%s: fortran_order is not True or False", label);
            seen_fortran = 1;
        } else if (!strcmp(key, "shape")) {
            if (!accept(&h, '('))
                return zs_fail(ctx, ZS_EFORMAT, "%s: shape is not a tuple", label);
            out->ndim = 0;
            while (!accept(&h, ')')) {
                if (out->ndim == ZS_ARRAY_MAX_NDIM)
                    return zs_fail(ctx, ZS_EFORMAT, "%s: more than %d dimensions", label,
                                   ZS_ARRAY_MAX_NDIM);
                if (!parse_uint(&h, &out->shape[out->ndim]))
                    return zs_fail(ctx, ZS_EFORMAT, "%s: shape has an item that is not a "
                                   "non-negative integer", label);
                out->ndim++;
                if (!accept(&h, ',')) {
                    if (!accept(&h, ')'))
                        return zs_fail(ctx, ZS_EFORMAT, "%s: shape tuple is malformed", label);
                    break;
                }
            }
            seen_shape = 1;
        } else {
            return zs_fail(ctx, ZS_EFORMAT, "%s: unexpected key '%s' in the .npy header", label, key);
        }
        if (!accept(&h, ',')) {
            if (!accept(&h, '}'))
                return zs_fail(ctx, ZS_EFORMAT, "%s: the .npy header dict is malformed", label);
            break;
        }
    }
    if (!seen_descr || !seen_fortran || !seen_shape)
        return zs_fail(ctx, ZS_EFORMAT, "%s: the .npy header lacks '%s'", label,
                       !seen_descr ? "descr" : !seen_fortran ? "fortran_order" : "shape");
    skip_ws(&h);
    if (h.p != h.end)
        return zs_fail(ctx, ZS_EFORMAT, "%s: text after the .npy header dict", label);
    return ZS_OK;
}

/* ---- element conversion -------------------------------------------------------------- */

static uint64_t load_uint(const unsigned char *p, size_t size, int big) {
    uint64_t v = 0;
    for (size_t i = 0; i < size; i++) {
        size_t k = big ? i : size - 1 - i;
        v = (v << 8) | p[k];
    }
    return v;
}

static double element(const unsigned char *p, zs_dtype t, int big) {
    size_t size = dtypes[t].size;
    uint64_t u = load_uint(p, size, big);
    switch (t) {
    case ZS_DTYPE_F8: {
        double d;
        memcpy(&d, &u, 8);
        return d;
    }
    case ZS_DTYPE_F4: {
        uint32_t u32 = (uint32_t)u;
        float f;
        memcpy(&f, &u32, 4);
        return (double)f;
    }
    case ZS_DTYPE_B1: return u ? 1.0 : 0.0;
    case ZS_DTYPE_U1:
    case ZS_DTYPE_U2:
    case ZS_DTYPE_U4:
    case ZS_DTYPE_U8: return (double)u;
    case ZS_DTYPE_I1: return (double)(int8_t)u;
    case ZS_DTYPE_I2: return (double)(int16_t)u;
    case ZS_DTYPE_I4: return (double)(int32_t)u;
    case ZS_DTYPE_I8: return (double)(int64_t)u;
    }
    return 0.0;
}

/* Round a double to an integer type's range (NaN to 0): only for writing. */
static uint64_t to_int_bits(double x, zs_dtype t) {
    if (x != x) return 0;
    double r = nearbyint(x);
    switch (t) {
    case ZS_DTYPE_U1: return r <= 0 ? 0 : r >= 255 ? 255 : (uint64_t)r;
    case ZS_DTYPE_U2: return r <= 0 ? 0 : r >= 65535 ? 65535 : (uint64_t)r;
    case ZS_DTYPE_U4: return r <= 0 ? 0 : r >= 4294967295.0 ? 4294967295u : (uint64_t)r;
    case ZS_DTYPE_U8: return r <= 0 ? 0 : r >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)r;
    case ZS_DTYPE_I1: return (uint64_t)(int64_t)(r <= -128 ? -128 : r >= 127 ? 127 : r);
    case ZS_DTYPE_I2: return (uint64_t)(int64_t)(r <= -32768 ? -32768 : r >= 32767 ? 32767 : r);
    case ZS_DTYPE_I4:
        return (uint64_t)(int64_t)(r <= -2147483648.0 ? -2147483648.0 : r >= 2147483647.0 ? 2147483647.0 : r);
    case ZS_DTYPE_I8:
        return r <= -9223372036854775808.0 ? (uint64_t)INT64_MIN
               : r >= 9223372036854775807.0 ? (uint64_t)INT64_MAX : (uint64_t)(int64_t)r;
    default: return 0;
    }
}

static void store_element(unsigned char *p, double x, zs_dtype t) {
    size_t size = dtypes[t].size;
    uint64_t u;
    if (t == ZS_DTYPE_F8) memcpy(&u, &x, 8);
    else if (t == ZS_DTYPE_F4) {
        float f = (float)x;
        uint32_t u32;
        memcpy(&u32, &f, 4);
        u = u32;
    } else if (t == ZS_DTYPE_B1) u = x != 0.0;
    else u = to_int_bits(x, t);
    for (size_t i = 0; i < size; i++) p[i] = (unsigned char)(u >> (8 * i)); /* little-endian */
}

/* ---- reading ------------------------------------------------------------------------- */

/* The longest header read. numpy writes a few hundred bytes for the arrays zsum reads (its own
 * reader refuses headers above 10000 bytes unless told otherwise); 1 MiB leaves room for any
 * padding while keeping a hostile length from costing memory. */
#define NPY_MAX_HEADER (1u << 20)

/* The preamble: magic, version, header length. *start is where the header begins. */
static zs_status npy_preamble(zs_ctx *ctx, const char *label, const unsigned char *b, size_t len,
                              size_t *start, size_t *hlen) {
    if (len < 10 || memcmp(b, "\x93NUMPY", 6) != 0)
        return zs_fail(ctx, ZS_EFORMAT, "%s: not a .npy file (%s)", label,
                       len >= 6 && !memcmp(b, "\x93NUMPY", 6) ? "shorter than the 10-byte preamble"
                       : "no \\x93NUMPY magic");
    unsigned major = b[6], minor = b[7];
    if (major == 1) {
        *hlen = (size_t)b[8] | (size_t)b[9] << 8;
        *start = 10;
    } else if (major == 2 || major == 3) {
        if (len < 12) return zs_fail(ctx, ZS_EFORMAT, "%s: truncated .npy preamble", label);
        *hlen = (size_t)b[8] | (size_t)b[9] << 8 | (size_t)b[10] << 16 | (size_t)b[11] << 24;
        *start = 12;
    } else {
        return zs_fail(ctx, ZS_EFORMAT, "%s: .npy format version %u.%u is not supported "
                       "(1.0, 2.0, 3.0 are)", label, major, minor);
    }
    if (minor != 0)
        return zs_fail(ctx, ZS_EFORMAT, "%s: .npy format version %u.%u is not supported "
                       "(1.0, 2.0, 3.0 are)", label, major, minor);
    if (*hlen > NPY_MAX_HEADER)
        return zs_fail(ctx, ZS_EFORMAT, "%s: the .npy header claims %zu bytes, more than the %u "
                       "a plain numeric array needs", label, *hlen, NPY_MAX_HEADER);
    return ZS_OK;
}

static void header_shape_str(const npy_header *h, char *buf, size_t cap) {
    zs_array view;
    memset(&view, 0, sizeof view);
    view.ndim = h->ndim;
    for (int i = 0; i < h->ndim; i++) view.shape[i] = h->shape[i];
    zs_array_shape_str(&view, buf, cap);
}

/* Elements and data bytes of the header's shape, with overflow checks. */
static zs_status npy_data_bytes(zs_ctx *ctx, const char *label, const npy_header *h,
                                uint64_t *count, uint64_t *bytes) {
    uint64_t c = 1;
    int over = 0;
    for (int i = 0; i < h->ndim; i++) over |= __builtin_mul_overflow(c, h->shape[i], &c);
    uint64_t b = 0;
    over |= __builtin_mul_overflow(c, (uint64_t)dtypes[h->dtype].size, &b);
    if (over || c > SIZE_MAX / sizeof(double)) {
        char shape[256];
        header_shape_str(h, shape, sizeof shape);
        return zs_fail(ctx, ZS_EFORMAT, "%s: the .npy header's shape %s has more elements than "
                       "any memory holds", label, shape);
    }
    *count = c;
    *bytes = b;
    return ZS_OK;
}

/* "truncated: the header's shape (..) of <f8 needs N bytes (88.0 GiB) of data, the file holds 0" */
static zs_status data_mismatch(zs_ctx *ctx, const char *label, const npy_header *h, uint64_t need,
                               uint64_t avail) {
    char shape[256], b1[32];
    header_shape_str(h, shape, sizeof shape);
    return zs_fail(ctx, ZS_EFORMAT, "%s: %s the header's shape %s of %s needs %llu bytes (%s) of "
                   "data, the file holds %llu after the header", label,
                   need > avail ? "truncated:" : "size mismatch:", shape, dtypes[h->dtype].name,
                   (unsigned long long)need, zs_format_bytes(b1, (double)need),
                   (unsigned long long)avail);
}

/* Preamble and header of b (len bytes, at least start + hlen of them). */
static zs_status npy_parse_head(zs_ctx *ctx, const char *label, const unsigned char *b, size_t len,
                                npy_header *h, size_t *data_off, uint64_t *count, uint64_t *bytes) {
    size_t start = 0, hlen = 0;
    zs_status st = npy_preamble(ctx, label, b, len, &start, &hlen);
    if (st != ZS_OK) return st;
    if (hlen > len - start)
        return zs_fail(ctx, ZS_EFORMAT, "%s: truncated: the .npy header needs %zu bytes, "
                       "%zu remain", label, hlen, len - start);
    memset(h, 0, sizeof *h);
    st = parse_header(ctx, label, (const char *)b + start, hlen, h);
    if (st != ZS_OK) return st;
    *data_off = start + hlen;
    return npy_data_bytes(ctx, label, h, count, bytes);
}

zs_status zs_npy_read_mem(zs_ctx *ctx, const char *label, const void *buf, size_t len,
                          zs_array **out) {
    const unsigned char *b = buf;
    if (!out || (!b && len)) return ZS_EINVAL;
    if (!label) label = "(memory)";
    npy_header h;
    size_t off;
    uint64_t count, need;
    zs_status st = npy_parse_head(ctx, label, b, len, &h, &off, &count, &need);
    if (st != ZS_OK) return st;
    size_t isz = dtypes[h.dtype].size, avail = len - off;
    /* the data must be present before its values are allocated (8 bytes each) */
    if (need != avail) return data_mismatch(ctx, label, &h, need, avail);
    zs_array *a = zs_calloc(1, sizeof *a);
    if (a) a->data = zs_malloc(count ? (size_t)count * sizeof(double) : 1);
    if (!a || !a->data) {
        free(a);
        char what[320], shape[256];
        header_shape_str(&h, shape, sizeof shape);
        snprintf(what, sizeof what, "the array (shape %s, as 8-byte values)", shape);
        return io_nomem(ctx, label, (double)count * (double)sizeof(double), what);
    }
    a->dtype = h.dtype;
    a->ndim = h.ndim;
    for (int i = 0; i < h.ndim; i++) a->shape[i] = h.shape[i];
    a->size = (size_t)count;
    const unsigned char *d = b + off;
    if (!h.fortran || a->ndim < 2) {
        for (size_t i = 0; i < a->size; i++) a->data[i] = element(d + i * isz, h.dtype, h.big);
    } else {
        /* Fortran order: the first index varies fastest in the file. Walk the file in order
         * with a multi-index and place each value at its C-order offset. */
        uint64_t idx[ZS_ARRAY_MAX_NDIM] = {0};
        size_t cstride[ZS_ARRAY_MAX_NDIM];
        cstride[a->ndim - 1] = 1;
        for (int k = a->ndim - 2; k >= 0; k--) cstride[k] = cstride[k + 1] * (size_t)a->shape[k + 1];
        size_t o = 0;
        for (size_t i = 0; i < a->size; i++) {
            a->data[o] = element(d + i * isz, h.dtype, h.big);
            for (int k = 0; k < a->ndim; k++) {
                if (++idx[k] < a->shape[k]) {
                    o += cstride[k];
                    break;
                }
                o -= cstride[k] * (size_t)(a->shape[k] - 1);
                idx[k] = 0;
            }
        }
    }
    *out = a;
    return ZS_OK;
}

/* Read a .npy file's bytes, header first: the header's claim is checked against the file's
 * size (a regular file) or the input limit (a pipe, a device) before its data is read, and a
 * stream is read no further than one byte past the claim. */
static zs_status npy_slurp(zs_ctx *ctx, const char *path, io_buf *buf) {
    io_file f;
    zs_status st = io_open(ctx, path, &f);
    if (st != ZS_OK) return st;
    size_t got;
    st = io_buf_read(ctx, path, buf, f.fd, 12, &got);
    if (st == ZS_OK) st = io_fifo_empty(ctx, path, f.fifo, buf->len);
    size_t start = 0, hlen = 0;
    if (st == ZS_OK && npy_preamble(ctx, path, buf->b, buf->len, &start, &hlen) == ZS_OK) {
        if (f.size >= 0 && (uint64_t)f.size < start + hlen) {
            io_close(&f);
            return zs_fail(ctx, ZS_EFORMAT, "%s: truncated: the .npy header claims %zu bytes but "
                           "the file holds %lld", path, hlen, (long long)f.size - (long long)start);
        }
        if (buf->len < start + hlen) st = io_buf_read(ctx, path, buf, f.fd, start + hlen - buf->len, &got);
        npy_header h;
        size_t off;
        uint64_t count, need, total;
        if (st == ZS_OK && npy_parse_head(ctx, path, buf->b, buf->len, &h, &off, &count, &need) == ZS_OK) {
            if (__builtin_add_overflow(need, (uint64_t)off, &total) || total > SIZE_MAX - 1) {
                st = data_mismatch(ctx, path, &h, need, f.size >= 0 ? (uint64_t)f.size - off : 0);
            } else if (f.size >= 0 && (uint64_t)f.size != total) {
                st = data_mismatch(ctx, path, &h, need, (uint64_t)f.size - off);
            } else if (f.size < 0 && total > io_input_limit(ctx)) {
                char b1[32], b2[32];
                st = zs_fail(ctx, ZS_ETOOBIG, "%s: the .npy header claims %s of data; a stream (not "
                             "a regular file) is read up to the input limit of %s (ZSUM_INPUT_LIMIT)",
                             path, zs_format_bytes(b1, (double)need),
                             zs_format_bytes(b2, (double)io_input_limit(ctx)));
            } else if (buf->len <= total) {
                /* a regular file holds the claim (checked above): one allocation for it */
                if (f.size >= 0) st = io_buf_reserve(ctx, path, buf, (size_t)total - buf->len);
                /* one byte past the claim tells a stream that holds more from one that ends */
                if (st == ZS_OK) st = io_buf_read(ctx, path, buf, f.fd, (size_t)total + (f.size < 0) - buf->len, &got);
            }
        }
    }
    io_close(&f);
    return st;
}

zs_status zs_npy_read(zs_ctx *ctx, const char *path, zs_array **out) {
    if (!path || !out) return ZS_EINVAL;
    io_buf buf = {0};
    zs_status st = npy_slurp(ctx, path, &buf);
    /* the parser from memory gives every verdict on the bytes read (and the header's errors) */
    if (st == ZS_OK) st = zs_npy_read_mem(ctx, path, buf.b, buf.len, out);
    free(buf.b);
    return st;
}

/* ---- writing ------------------------------------------------------------------------- */

zs_status npy_serialize(zs_ctx *ctx, const zs_array *a, unsigned char **buf, size_t *len) {
    char shape[ZS_ARRAY_MAX_NDIM * 24 + 8];
    zs_array_shape_str(a, shape, sizeof shape);
    char dict[ZS_ARRAY_MAX_NDIM * 24 + 128];
    int dl = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }",
                      dtypes[a->dtype].name, shape);
    if (dl < 0 || (size_t)dl >= sizeof dict) return zs_fail(ctx, ZS_ERANGE, "npy: header too long");
    /* Version 1.0 holds headers below 65536 bytes; pad so the data starts at a multiple of 64. */
    size_t pre = 10;
    size_t total = pre + (size_t)dl + 1;
    size_t padded = (total + 63) / 64 * 64;
    size_t hlen = padded - pre;
    int v2 = hlen > 65535;
    if (v2) {
        pre = 12;
        total = pre + (size_t)dl + 1;
        padded = (total + 63) / 64 * 64;
        hlen = padded - pre;
    }
    size_t isz = dtypes[a->dtype].size;
    size_t n = padded + a->size * isz;
    unsigned char *b = zs_malloc(n ? n : 1);
    if (!b) return zs_fail(ctx, ZS_ENOMEM, "npy: out of memory for %zu bytes", n);
    memcpy(b, "\x93NUMPY", 6);
    b[6] = v2 ? 2 : 1;
    b[7] = 0;
    b[8] = (unsigned char)(hlen & 0xff);
    b[9] = (unsigned char)((hlen >> 8) & 0xff);
    if (v2) {
        b[10] = (unsigned char)((hlen >> 16) & 0xff);
        b[11] = (unsigned char)((hlen >> 24) & 0xff);
    }
    memcpy(b + pre, dict, (size_t)dl);
    memset(b + pre + (size_t)dl, ' ', hlen - (size_t)dl - 1);
    b[padded - 1] = '\n';
    for (size_t i = 0; i < a->size; i++) store_element(b + padded + i * isz, a->data[i], a->dtype);
    *buf = b;
    *len = n;
    return ZS_OK;
}

zs_status zs_npy_write(zs_ctx *ctx, const char *path, const zs_array *a) {
    if (!path || !a) return ZS_EINVAL;
    unsigned char *buf;
    size_t len;
    zs_status st = npy_serialize(ctx, a, &buf, &len);
    if (st != ZS_OK) return st;
    st = io_write_atomic(ctx, path, buf, len);
    free(buf);
    return st;
}
