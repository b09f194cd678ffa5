/* idx.c — IDX files (LeCun's MNIST format, also Fashion-MNIST): the bytes 0, 0, a type code
 * (0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32, 0x0E f64) and the rank, then one big-endian
 * uint32 per dimension, then the data, big-endian, C order. Plain or gzipped (a file through
 * zlib's gzread, which reads both; bytes in memory through inflate).
 *
 * Bounded reading: the header is read first; the data size it claims (computed with overflow
 * checks) is compared with the file's size for a plain regular file, and for a gzip stream or
 * a pipe with the input limit and, when the compressed size is known, with 1032 times it
 * (deflate's largest ratio). The data is then read into a buffer that grows as bytes arrive,
 * and never past one byte beyond the claim: a decompression bomb behind a small header stops
 * there. */
#include "io/atomic_internal.h"
#include "io/idx_internal.h"
#include "io/input_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

/* Where the bytes come from: a file through gzread (plain or gzip), or memory (plain, or
 * gzip through inflate). */
typedef struct idx_src {
    const char *label;
    gzFile g;                 /* a file, or NULL                                        */
    const unsigned char *mem; /* memory: the bytes, their count and the read position   */
    size_t memlen, pos;
    z_stream zs;              /* memory, gzipped: the inflater                           */
    int inflating, ended;
    int gz;                   /* 1 when the bytes are gzipped                            */
    int64_t size;             /* bytes of the (plain or compressed) input; -1: unknown  */
    int fifo;                 /* a named pipe (io_file.fifo)                             */
} idx_src;

static zs_status gz_failed(zs_ctx *ctx, const char *label, const char *why) {
    /* gzerror prefixes zlib's name of the stream ("<fd:3>: ..."); the label names it better. */
    const char *colon = why ? strstr(why, ": ") : NULL;
    if (colon && why[0] == '<') why = colon + 2;
    return zs_fail(ctx, ZS_EFORMAT, "%s: cannot decompress (truncated or corrupt gzip): %s", label,
                   why && *why ? why : "unexpected end");
}

/* Up to n bytes of the (decompressed) data; fewer only at its end. */
static zs_status src_read(zs_ctx *ctx, idx_src *s, void *buf, size_t n, size_t *got) {
    unsigned char *out = buf;
    *got = 0;
    if (s->g) {
        while (*got < n) {
            size_t want = n - *got > (1u << 30) ? (1u << 30) : n - *got;
            int r = gzread(s->g, out + *got, (unsigned)want);
            /* gzread returns 0, not -1, for a gzip stream cut short ("unexpected end of file",
             * Z_BUF_ERROR): only gzerror tells that end from the real one, after which the
             * trailer's CRC-32 and length have been checked (RFC 1952). */
            int e = Z_OK;
            const char *m = r <= 0 ? gzerror(s->g, &e) : NULL;
            if (r < 0 || e != Z_OK) {
                if (e == Z_ERRNO) return zs_fail(ctx, ZS_EIO, "%s: read error: %s", s->label, strerror(errno));
                return gz_failed(ctx, s->label, m);
            }
            if (r == 0) break;
            *got += (size_t)r;
        }
        return ZS_OK;
    }
    if (!s->gz) {
        size_t k = s->memlen - s->pos < n ? s->memlen - s->pos : n;
        if (k) memcpy(out, s->mem + s->pos, k);
        s->pos += k;
        *got = k;
        return ZS_OK;
    }
    while (*got < n && !s->ended) {
        size_t want = n - *got > (1u << 30) ? (1u << 30) : n - *got;
        size_t have = s->memlen - s->pos > (1u << 30) ? (1u << 30) : s->memlen - s->pos;
        s->zs.next_in = (Bytef *)(uintptr_t)(s->mem + s->pos);
        s->zs.avail_in = (uInt)have;
        s->zs.next_out = out + *got;
        s->zs.avail_out = (uInt)want;
        int r = inflate(&s->zs, Z_NO_FLUSH);
        s->pos += have - s->zs.avail_in;
        *got += want - s->zs.avail_out;
        if (r == Z_STREAM_END) {
            /* gzip allows members one after another (as gzread reads them) */
            if (s->memlen - s->pos >= 2 && s->mem[s->pos] == 0x1f && s->mem[s->pos + 1] == 0x8b)
                inflateReset(&s->zs);
            else
                s->ended = 1;
        } else if (r == Z_MEM_ERROR) {
            return zs_fail(ctx, ZS_ENOMEM, "%s: out of memory for the inflater", s->label);
        } else if (r != Z_OK && !(r == Z_BUF_ERROR && s->zs.avail_out == 0)) {
            return gz_failed(ctx, s->label, r == Z_BUF_ERROR ? NULL : s->zs.msg);
        }
    }
    return ZS_OK;
}

static uint64_t be(const unsigned char *p, size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) v = v << 8 | p[i];
    return v;
}

static int type_code(unsigned char c, size_t *isz, zs_dtype *t) {
    switch (c) {
    case 0x08: *isz = 1, *t = ZS_DTYPE_U1; return 1;
    case 0x09: *isz = 1, *t = ZS_DTYPE_I1; return 1;
    case 0x0B: *isz = 2, *t = ZS_DTYPE_I2; return 1;
    case 0x0C: *isz = 4, *t = ZS_DTYPE_I4; return 1;
    case 0x0D: *isz = 4, *t = ZS_DTYPE_F4; return 1;
    case 0x0E: *isz = 8, *t = ZS_DTYPE_F8; return 1;
    default: return 0;
    }
}

/* The whole file (header and data) into buf, every claim checked before it costs memory.
 * On success buf->len = 4 + 4 nd + the header's data bytes exactly. */
static zs_status idx_load(zs_ctx *ctx, idx_src *s, io_buf *buf) {
    const char *label = s->label;
    size_t got;
    zs_status st = io_buf_reserve(ctx, label, buf, 4 + 4 * ZS_ARRAY_MAX_NDIM);
    if (st != ZS_OK) return st;
    st = src_read(ctx, s, buf->b, 4, &got);
    if (st != ZS_OK) return st;
    buf->len = got;
    if ((st = io_fifo_empty(ctx, label, s->fifo, got)) != ZS_OK) return st;
    if (got < 4 || buf->b[0] != 0 || buf->b[1] != 0)
        return zs_fail(ctx, ZS_EFORMAT, "%s: not an IDX file (it must start with two zero bytes)", label);
    size_t isz;
    zs_dtype t;
    if (!type_code(buf->b[2], &isz, &t))
        return zs_fail(ctx, ZS_EFORMAT, "%s: IDX type code 0x%02x is unknown", label, buf->b[2]);
    int nd = buf->b[3];
    size_t hdr = 4 + 4 * (size_t)nd;
    if (nd >= 1 && nd <= ZS_ARRAY_MAX_NDIM) {
        st = src_read(ctx, s, buf->b + 4, hdr - 4, &got);
        if (st != ZS_OK) return st;
        buf->len += got;
    }
    if (nd < 1 || nd > ZS_ARRAY_MAX_NDIM || buf->len < hdr)
        return zs_fail(ctx, ZS_EFORMAT, "%s: IDX header with %d dimensions is %s", label, nd,
                       nd < 1 || nd > ZS_ARRAY_MAX_NDIM ? "not supported" : "truncated");
    char dims[400] = "";
    size_t used = 0;
    uint64_t count = 1, bytes = 0;
    int over = 0;
    for (int k = 0; k < nd; k++) {
        uint64_t dk = be(buf->b + 4 + 4 * k, 4);
        over |= __builtin_mul_overflow(count, dk, &count);
        int w = snprintf(dims + used, sizeof dims - used, "%s%llu", k ? "x" : "", (unsigned long long)dk);
        if (w > 0 && used + (size_t)w < sizeof dims) used += (size_t)w;
    }
    over |= __builtin_mul_overflow(count, (uint64_t)isz, &bytes);
    if (over || count > SIZE_MAX / sizeof(double) || bytes > SIZE_MAX - hdr - 1)
        return zs_fail(ctx, ZS_EFORMAT, "%s: IDX header says %s elements, more than any memory holds",
                       label, dims);
    char b1[32], b2[32];
    if (!s->gz && s->size >= 0) {
        /* a plain file: its size is the truth */
        uint64_t have = (uint64_t)s->size - hdr;
        if (have != bytes)
            return zs_fail(ctx, ZS_EFORMAT, "%s: IDX header says %s elements of %zu bytes = %llu bytes "
                           "(%s) of data, the file has %llu", label, dims, isz,
                           (unsigned long long)bytes, zs_format_bytes(b1, (double)bytes),
                           (unsigned long long)have);
    } else {
        uint64_t limit = io_input_limit(ctx), most;
        if (s->gz && s->size >= 0) {
            if (__builtin_mul_overflow((uint64_t)s->size, (uint64_t)IO_DEFLATE_MAX_RATIO, &most))
                most = UINT64_MAX;
            if (bytes > most + IO_DEFLATE_MAX_RATIO)
                return zs_fail(ctx, ZS_EFORMAT, "%s: IDX header says %s elements = %s of data, more "
                               "than %lld gzipped bytes can hold (deflate's largest ratio is 1032:1)",
                               label, dims, zs_format_bytes(b1, (double)bytes), (long long)s->size);
        }
        if (bytes + hdr > limit) /* the limit is on all the bytes read, header included */
            return zs_fail(ctx, ZS_ETOOBIG, "%s: IDX header says %s elements = %s of data, above the "
                           "input limit of %s for %s (ZSUM_INPUT_LIMIT)", label, dims,
                           zs_format_bytes(b1, (double)bytes), zs_format_bytes(b2, (double)limit),
                           s->gz ? "gzipped data" : "a stream");
    }
    /* read the claim plus one byte: a stream that holds more than its header says is refused
     * without reading (or inflating) the rest */
    uint64_t want = bytes + 1;
    uint64_t done = 0;
    if (!s->gz && s->size >= 0) { /* a plain file holds the claim (checked above): one allocation */
        st = io_buf_reserve(ctx, label, buf, (size_t)bytes + 1);
        if (st != ZS_OK) return st;
    }
    while (done < want) {
        size_t slice = buf->len < (1u << 16) ? (1u << 16) : buf->len;
        if (slice > want - done) slice = (size_t)(want - done);
        st = io_buf_reserve(ctx, label, buf, slice);
        if (st != ZS_OK) return st;
        st = src_read(ctx, s, buf->b + buf->len, slice, &got);
        if (st != ZS_OK) return st;
        buf->len += got;
        done += got;
        if (got < slice) break;
    }
    if (done > bytes)
        return zs_fail(ctx, ZS_EFORMAT, "%s: IDX header says %s elements of %zu bytes = %llu bytes "
                       "of data, the %s holds more", label, dims, isz, (unsigned long long)bytes,
                       s->gz ? "decompressed data" : "file");
    if (done < bytes)
        return zs_fail(ctx, ZS_EFORMAT, "%s: IDX header says %s elements of %zu bytes = %llu bytes "
                       "(%s) of data, the %s has %llu", label, dims, isz, (unsigned long long)bytes,
                       zs_format_bytes(b1, (double)bytes), s->gz ? "decompressed data" : "file",
                       (unsigned long long)done);
    return ZS_OK;
}

static zs_status src_open_path(zs_ctx *ctx, const char *path, idx_src *s) {
    memset(s, 0, sizeof *s);
    s->label = path;
    io_file f;
    zs_status st = io_open(ctx, path, &f);
    if (st != ZS_OK) return st;
    s->size = f.size;
    s->fifo = f.fifo;
    s->g = gzdopen(f.fd, "rb");
    if (!s->g) {
        io_close(&f);
        return zs_fail(ctx, ZS_ENOMEM, "%s: out of memory opening it", path);
    }
    /* gzdirect reads the first bytes to tell gzip (its magic 1f 8b) from plain */
    s->gz = !gzdirect(s->g);
    return ZS_OK;
}

static void src_close(idx_src *s) {
    if (s->g) gzclose(s->g);
    if (s->inflating) inflateEnd(&s->zs);
    s->g = NULL;
    s->inflating = 0;
}

static zs_status src_open_mem(zs_ctx *ctx, const char *label, const void *bytes, size_t len,
                              idx_src *s) {
    memset(s, 0, sizeof *s);
    s->label = label;
    s->mem = bytes;
    s->memlen = len;
    s->size = (int64_t)len;
    s->gz = len >= 2 && s->mem[0] == 0x1f && s->mem[1] == 0x8b;
    if (s->gz) {
        int r = inflateInit2(&s->zs, 15 + 16); /* 16: a gzip wrapper, as gzread expects */
        if (r != Z_OK) return zs_fail(ctx, ZS_ENOMEM, "%s: out of memory for the inflater", label);
        s->inflating = 1;
    }
    return ZS_OK;
}

/* The array of a loaded file (buf as idx_load leaves it). */
static zs_status idx_parse(zs_ctx *ctx, const char *label, const unsigned char *b, zs_array **out) {
    size_t isz = 1;
    zs_dtype t = ZS_DTYPE_U1;
    type_code(b[2], &isz, &t); /* idx_load checked it */
    int nd = b[3];
    uint64_t shape[ZS_ARRAY_MAX_NDIM] = {0};
    size_t count = 1;
    for (int k = 0; k < nd; k++) {
        shape[k] = be(b + 4 + 4 * k, 4);
        count *= (size_t)shape[k]; /* idx_load checked the product */
    }
    zs_array *a;
    zs_status st = zs_array_alloc(ctx, t, nd, shape, &a);
    if (st != ZS_OK) {
        if (st == ZS_ENOMEM) {
            char what[96];
            snprintf(what, sizeof what, "the array (%zu values of 8 bytes)", count);
            io_nomem(ctx, label, (double)count * 8.0, what);
        }
        return st;
    }
    const unsigned char *d = b + 4 + 4 * (size_t)nd;
    double *x = zs_array_data(a);
    for (size_t i = 0; i < count; i++) {
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
    return ZS_OK;
}

zs_status zs_idx_read_mem(zs_ctx *ctx, const char *label, const void *bytes, size_t len,
                          zs_array **out) {
    if (!out || (!bytes && len)) return ZS_EINVAL;
    if (!label) label = "(memory)";
    idx_src s;
    io_buf buf = {0};
    zs_status st = src_open_mem(ctx, label, bytes, len, &s);
    if (st == ZS_OK) st = idx_load(ctx, &s, &buf);
    src_close(&s);
    if (st == ZS_OK) st = idx_parse(ctx, label, buf.b, out);
    free(buf.b);
    return st;
}

zs_status zs_idx_read(zs_ctx *ctx, const char *path, zs_array **out) {
    if (!path || !out) return ZS_EINVAL;
    idx_src s;
    io_buf buf = {0};
    zs_status st = src_open_path(ctx, path, &s);
    if (st == ZS_OK) st = idx_load(ctx, &s, &buf);
    src_close(&s);
    if (st == ZS_OK) st = idx_parse(ctx, path, buf.b, out);
    free(buf.b);
    return st;
}

zs_status idx_read_u8_raw(zs_ctx *ctx, const char *path, unsigned char **buf, size_t *offset,
                          uint64_t *n, uint64_t *d, int *is_u8) {
    *buf = NULL;
    *is_u8 = 0;
    idx_src s;
    io_buf b = {0};
    zs_status st = src_open_path(ctx, path, &s);
    if (st == ZS_OK) st = idx_load(ctx, &s, &b);
    src_close(&s);
    if (st != ZS_OK || b.b[2] != 0x08) {
        free(b.b); /* an error, or not plain bytes: zs_idx_read reads the other types */
        return st;
    }
    int nd = b.b[3];
    uint64_t rows = be(b.b + 4, 4), total = 1;
    for (int k = 0; k < nd; k++) total *= be(b.b + 4 + 4 * k, 4); /* checked by idx_load */
    if (total == 0) {
        free(b.b);
        return zs_fail(ctx, ZS_EFORMAT, "%s: the data set is empty", path);
    }
    *buf = b.b;
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
    unsigned char *raw = zs_malloc(hl + size);
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
    unsigned char *packed = zs_malloc(cap);
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
