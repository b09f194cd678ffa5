/* read_input.c — a whole input file into memory, bounded: the one reader behind the UAI model
 * and evidence files and the pattern files (and the CLI's standard input and .gz inputs).
 *
 * A hostile or mistaken path must end quickly with a message and bounded memory, so nothing is
 * read before the file's kind is known: fstat on the open descriptor (no race with the path)
 * refuses a directory, a device (/dev/zero, a disk) or a socket; a regular file larger than the
 * limit is refused from its size before a byte is read (a 10 GB sparse file costs nothing); a
 * pipe or FIFO (standard input, a named pipe, <(...)) is read in chunks and refused as soon as
 * it passes the limit. A named FIFO is opened non-blocking so that one with no writer reads as
 * empty instead of waiting forever. Text readers ask for NUL bytes to be refused as they arrive
 * (ZS_READ_TEXT), so /dev/zero through a pipe stops at its first chunk. gzip content (RFC 1952,
 * several members allowed as gzip(1) writes them) is unpacked with the same limit on the
 * unpacked size, checked chunk by chunk, so a decompression bomb stops at the limit. */
#define _POSIX_C_SOURCE 200809L
#include "core/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define CHUNK ((size_t)1 << 16)

typedef struct sink {
    char *b;
    size_t len, cap, max;
    unsigned flags;
    const char *name; /* for messages */
    const char *what; /* "holds" or "unpacks to" */
    zs_ctx *ctx;
} sink;

/* Room for `want` more bytes (and the terminating NUL), never above max + 1 bytes of data. */
static zs_status sink_reserve(sink *s, size_t want) {
    if (s->len + want + 1 <= s->cap) return ZS_OK;
    size_t cap = s->cap ? s->cap : CHUNK;
    while (cap < s->len + want + 1) cap = cap > SIZE_MAX / 2 ? SIZE_MAX : 2 * cap;
    if (cap > s->max + 2) cap = s->max + 2;
    char *b = zs_realloc(s->b, cap);
    if (!b) {
        char nb[32];
        return zs_fail(s->ctx, ZS_ENOMEM, "%s: out of memory holding %s of the file", s->name,
                       zs_format_bytes(nb, (double)cap));
    }
    s->b = b;
    s->cap = cap;
    return ZS_OK;
}

/* Whether the bytes so far (with got more) may be the start of gzip data (magic 1f 8b). */
static int may_be_gzip(const sink *s, size_t got) {
    size_t n = s->len + got;
    return n >= 1 && (unsigned char)s->b[0] == 0x1f && (n < 2 || (unsigned char)s->b[1] == 0x8b);
}

/* The got bytes just written at s->b + s->len: check them and count them. NUL bytes are refused
 * in text, except in what may still be gzip data (checked again once unpacked). */
static zs_status sink_commit(sink *s, size_t got) {
    if ((s->flags & ZS_READ_TEXT) && got && !((s->flags & ZS_READ_GZIP) && may_be_gzip(s, got))) {
        const char *z = memchr(s->b + s->len, 0, got);
        if (z)
            return zs_fail(s->ctx, ZS_EFORMAT, "%s: byte %zu is 0 (NUL): not a text file", s->name,
                           s->len + (size_t)(z - (s->b + s->len)));
    }
    s->len += got;
    if (s->len > s->max) {
        char nb[32];
        return zs_fail(s->ctx, ZS_ETOOBIG, "%s: the file %s more than %s, the limit of this reader",
                       s->name, s->what, zs_format_bytes(nb, (double)s->max));
    }
    return ZS_OK;
}

/* Read fd to its end into s (at most max + 1 bytes: one more shows the limit was passed). */
static zs_status read_fd(sink *s, int fd) {
    for (;;) {
        zs_status st = sink_reserve(s, CHUNK);
        if (st != ZS_OK) return st;
        size_t room = s->cap - 1 - s->len;
        ssize_t got = read(fd, s->b + s->len, room < CHUNK ? room : CHUNK);
        if (got < 0) {
            if (errno == EINTR) continue;
            return zs_fail(s->ctx, ZS_EIO, "%s: cannot read: %s", s->name, strerror(errno));
        }
        if (got == 0) return ZS_OK;
        if ((st = sink_commit(s, (size_t)got)) != ZS_OK) return st;
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
        size_t room = s->cap - 1 - s->len;
        z.next_out = (unsigned char *)s->b + s->len;
        z.avail_out = (uInt)(room < CHUNK ? room : CHUNK);
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

static const char *kind_of(mode_t mode) {
    if (S_ISDIR(mode)) return "is a directory";
    if (S_ISCHR(mode)) return "is a character device (such as /dev/zero or a terminal), not a file";
    if (S_ISBLK(mode)) return "is a block device, not a file";
    if (S_ISSOCK(mode)) return "is a socket, not a file";
    return NULL;
}

zs_status zs_read_input(zs_ctx *ctx, const char *path, size_t max_bytes, unsigned flags,
                        char **buf, size_t *len) {
    if (!path || !buf || !len) return zs_fail(ctx, ZS_EINVAL, "read: NULL argument");
    *buf = NULL;
    *len = 0;
    if (max_bytes == 0 || max_bytes > ZS_READ_MAX_BYTES) max_bytes = ZS_READ_MAX_BYTES;
    int from_stdin = !strcmp(path, "-");
    const char *name = from_stdin ? "standard input" : path;
    int fd = from_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) return zs_fail(ctx, ZS_EIO, "%s: cannot open: %s", name, strerror(errno));
    struct stat sb;
    zs_status st = ZS_OK;
    if (fstat(fd, &sb) != 0) {
        st = zs_fail(ctx, ZS_EIO, "%s: cannot read: %s", name, strerror(errno));
    } else if (kind_of(sb.st_mode) && !(from_stdin && S_ISCHR(sb.st_mode))) {
        /* Standard input may be a terminal (a character device): read it as typed. */
        st = zs_fail(ctx, ZS_EIO, "%s: %s", name, kind_of(sb.st_mode));
    } else if (S_ISREG(sb.st_mode) && (uint64_t)sb.st_size > max_bytes) {
        char nb[32], lb[32];
        st = zs_fail(ctx, ZS_ETOOBIG, "%s: the file holds %s, more than %s, the limit of this reader",
                     name, zs_format_bytes(nb, (double)sb.st_size),
                     zs_format_bytes(lb, (double)max_bytes));
    } else if (!from_stdin) {
        /* Opened non-blocking so that a FIFO without a writer does not hang the open; reads
         * block as usual from here (a FIFO whose writer has gone reads as its end). */
        int fl = fcntl(fd, F_GETFL);
        if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
            st = zs_fail(ctx, ZS_EIO, "%s: cannot read: %s", name, strerror(errno));
    }
    sink raw = {NULL, 0, 0, max_bytes, flags, name, "holds", ctx};
    if (st == ZS_OK) st = read_fd(&raw, fd);
    if (!from_stdin) close(fd);
    if (st == ZS_OK && S_ISFIFO(sb.st_mode) && raw.len == 0 && !from_stdin)
        st = zs_fail(ctx, ZS_EFORMAT, "%s: a FIFO (named pipe) with nothing to read (no writer)",
                     name);
    if (st != ZS_OK) {
        free(raw.b);
        return st;
    }
    if (!raw.b && (st = sink_reserve(&raw, 0)) != ZS_OK) return st;
    int gz = (flags & ZS_READ_GZIP) && raw.len >= 2 && (unsigned char)raw.b[0] == 0x1f &&
             (unsigned char)raw.b[1] == 0x8b;
    if (gz) {
        sink out = {NULL, 0, 0, max_bytes, flags & ~(unsigned)ZS_READ_GZIP, name, "unpacks to", ctx};
        st = gunzip(&out, (const unsigned char *)raw.b, raw.len);
        if (st == ZS_OK && !out.b) st = sink_reserve(&out, 0);
        free(raw.b);
        if (st != ZS_OK) {
            free(out.b);
            return st;
        }
        raw = out;
    }
    raw.b[raw.len] = '\0';
    *buf = raw.b;
    *len = raw.len;
    return ZS_OK;
}
