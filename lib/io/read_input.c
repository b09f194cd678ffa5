/* read_input.c — a whole input file into memory, bounded: the one reader behind the UAI model
 * and evidence files and the pattern files (and the CLI's standard input and .gz inputs).
 *
 * A hostile or mistaken path must end quickly with a message and bounded memory, so nothing is
 * read before the file's kind is known: io_open (input.c, shared with every other reader)
 * refuses a directory, a device (/dev/zero, a disk) or a socket; a regular file larger than the
 * limit is refused from its size before a byte is read (a 10 GB sparse file costs nothing); a
 * pipe or FIFO (standard input, a named pipe, <(...)) is read in chunks and refused as soon as
 * it passes the limit. A named FIFO is opened without waiting for a writer, and one with
 * nothing to read is refused at once instead of waiting forever. Text readers ask for NUL bytes to be refused as they arrive
 * (ZS_READ_TEXT), so /dev/zero through a pipe stops at its first chunk. gzip content (RFC 1952,
 * several members allowed as gzip(1) writes them) is unpacked with the same limit on the
 * unpacked size, checked chunk by chunk, so a decompression bomb stops at the limit. */
#define _POSIX_C_SOURCE 200809L
#include "io/input_internal.h"

#include <string.h>
#include <zlib.h>

#define CHUNK ((size_t)1 << 16)

typedef struct sink {
    io_buf buf;
    size_t max;
    unsigned flags;
    const char *name; /* for messages */
    const char *what; /* "holds" or "unpacks to" */
    zs_ctx *ctx;
} sink;

/* Room for `want` more bytes (and the terminating NUL): the first allocation is what was
 * asked, later ones double the capacity, so reallocations stay few, but never passes max + 1
 * bytes of data (one more than the limit shows that the limit was passed). */
static zs_status sink_reserve(sink *s, size_t want) {
    io_buf *b = &s->buf;
    if (want > SIZE_MAX - 2 - b->len) want = SIZE_MAX - 2 - b->len;
    if (b->len + want + 1 <= b->cap) return ZS_OK;
    size_t cap = b->cap ? b->cap : b->len + want + 1;
    while (cap < b->len + want + 1) cap = cap > SIZE_MAX / 2 ? SIZE_MAX : 2 * cap;
    if (cap > s->max + 2) cap = s->max + 2;
    return io_buf_reserve(s->ctx, s->name, b, cap - b->len);
}

/* The bytes of room left for data (keeping one for the NUL), at most one chunk. */
static size_t sink_room(const sink *s) {
    size_t room = s->buf.cap - 1 - s->buf.len;
    return room < CHUNK ? room : CHUNK;
}

/* Whether the bytes so far (with got more) may be the start of gzip data (magic 1f 8b). */
static int may_be_gzip(const sink *s, size_t got) {
    size_t n = s->buf.len + got;
    const unsigned char *b = s->buf.b;
    return n >= 1 && b[0] == 0x1f && (n < 2 || b[1] == 0x8b);
}

/* The got bytes just written at the end of the buffer: check them and count them. NUL bytes
 * are refused in text, except in what may still be gzip data (checked again once unpacked). */
static zs_status sink_commit(sink *s, size_t got) {
    io_buf *b = &s->buf;
    if ((s->flags & ZS_READ_TEXT) && got && !((s->flags & ZS_READ_GZIP) && may_be_gzip(s, got))) {
        const unsigned char *z = memchr(b->b + b->len, 0, got);
        if (z)
            return zs_fail(s->ctx, ZS_EFORMAT, "%s: byte %zu is 0 (NUL): not a text file", s->name,
                           b->len + (size_t)(z - (b->b + b->len)));
    }
    b->len += got;
    if (b->len > s->max) {
        char nb[32];
        return zs_fail(s->ctx, ZS_ETOOBIG, "%s: the file %s more than %s, the limit of this reader",
                       s->name, s->what, zs_format_bytes(nb, (double)s->max));
    }
    return ZS_OK;
}

/* Read fd to its end into s, a chunk at a time so that a text check sees each chunk as it
 * arrives (at most max + 1 bytes). The first allocation holds `first` bytes: a regular file's
 * size and one more, so that its end is seen without growing the buffer (a 3 kB file takes
 * 3 kB, not 128 KiB); a chunk for a pipe. */
static zs_status read_fd(sink *s, int fd, size_t first) {
    zs_status st = sink_reserve(s, first);
    for (;;) {
        if (st == ZS_OK && s->buf.cap - 1 == s->buf.len) st = sink_reserve(s, CHUNK);
        if (st != ZS_OK) return st;
        size_t want = sink_room(s), got;
        st = io_read(s->ctx, s->name, fd, s->buf.b + s->buf.len, want, &got);
        if (st == ZS_OK) st = sink_commit(s, got);
        if (st != ZS_OK || got < want) return st;
    }
}

/* Unpack the gzip members in raw[0..n) into s. */
static zs_status gunzip(sink *s, const unsigned char *raw, size_t n) {
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
        return zs_fail(s->ctx, ZS_ENOMEM, "%s: out of memory starting gzip", s->name);
    z.next_in = (unsigned char *)(uintptr_t)raw;
    size_t left = n;
    zs_status st = ZS_OK;
    for (;;) {
        if (z.avail_in == 0) {
            uInt take = left > (size_t)UINT_MAX ? UINT_MAX : (uInt)left;
            z.avail_in = take;
            left -= take;
        }
        if ((st = sink_reserve(s, CHUNK)) != ZS_OK) break;
        z.next_out = s->buf.b + s->buf.len;
        z.avail_out = (uInt)sink_room(s);
        uInt before = z.avail_out;
        int r = inflate(&z, Z_NO_FLUSH);
        if ((st = sink_commit(s, before - z.avail_out)) != ZS_OK) break;
        if (r == Z_STREAM_END) {
            if (z.avail_in == 0 && left == 0) break;
            /* Another member follows (gzip -c a b > c, or blocks written by pigz). */
            inflateReset(&z);
            continue;
        }
        if (r == Z_OK) continue;
        if (r == Z_BUF_ERROR && z.avail_in == 0 && left == 0) {
            st = zs_fail(s->ctx, ZS_EFORMAT, "%s: the gzip data ends early (truncated file)",
                         s->name);
            break;
        }
        if (r == Z_MEM_ERROR) {
            st = zs_fail(s->ctx, ZS_ENOMEM, "%s: out of memory unpacking gzip", s->name);
            break;
        }
        st = zs_fail(s->ctx, ZS_EFORMAT, "%s: not valid gzip data (%s)", s->name,
                     z.msg ? z.msg : "corrupt stream");
        break;
    }
    inflateEnd(&z);
    return st;
}

zs_status zs_read_input(zs_ctx *ctx, const char *path, size_t max_bytes, unsigned flags,
                        char **buf, size_t *len) {
    if (!path || !buf || !len) return zs_fail(ctx, ZS_EINVAL, "read: NULL argument");
    *buf = NULL;
    *len = 0;
    if (max_bytes == 0 || max_bytes > ZS_READ_MAX_BYTES) max_bytes = ZS_READ_MAX_BYTES;
    io_file f;
    zs_status st = io_open(ctx, path, &f);
    if (st != ZS_OK) return st;
    sink raw = {{NULL, 0, 0}, max_bytes, flags, f.name, "holds", ctx};
    if (f.size >= 0 && (uint64_t)f.size > max_bytes) {
        /* a regular file is measured before a byte is read: a 10 GB sparse file costs nothing */
        char nb[32], lb[32];
        st = zs_fail(ctx, ZS_ETOOBIG, "%s: the file holds %s, more than %s, the limit of this reader",
                     f.name, zs_format_bytes(nb, (double)f.size), zs_format_bytes(lb, (double)max_bytes));
    }
    if (st == ZS_OK) st = read_fd(&raw, f.fd, f.size >= 0 ? (size_t)f.size + 1 : CHUNK);
    io_close(&f);
    if (st == ZS_OK) st = io_fifo_empty(ctx, f.name, f.fifo, raw.buf.len);
    int gz = st == ZS_OK && (flags & ZS_READ_GZIP) && raw.buf.len >= 2 && raw.buf.b[0] == 0x1f &&
             raw.buf.b[1] == 0x8b;
    if (gz) {
        sink out = {{NULL, 0, 0}, max_bytes, flags & ~(unsigned)ZS_READ_GZIP, f.name, "unpacks to", ctx};
        st = gunzip(&out, raw.buf.b, raw.buf.len);
        free(raw.buf.b);
        raw = out;
    }
    if (st == ZS_OK) st = sink_reserve(&raw, 0); /* room for the NUL of an empty input */
    if (st != ZS_OK) {
        free(raw.buf.b);
        return st;
    }
    raw.buf.b[raw.buf.len] = '\0';
    *buf = (char *)raw.buf.b;
    *len = raw.buf.len;
    return ZS_OK;
}
