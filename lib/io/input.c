/* input.c — bounded reading of untrusted input files (input_internal.h). */
#include "io/input_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Why a path of this kind cannot be read as a file, or NULL when it can (a regular file, a
 * pipe or FIFO). A device such as /dev/zero would never end. */
static const char *kind_refused(mode_t mode) {
    if (S_ISDIR(mode)) return "is a directory";
    if (S_ISCHR(mode)) return "is a character device (such as /dev/zero or a terminal), not a file";
    if (S_ISBLK(mode)) return "is a block device, not a file";
    if (S_ISSOCK(mode)) return "is a socket, not a file";
    return NULL;
}

/* How long a named pipe's first byte is waited for before reading. */
#define FIFO_WAIT_MS 1000

/* A FIFO opened without waiting may have no writer yet: one started just before zsum (as in
 * `producer > f & zsum ... f`) is still on its way. poll() returns at the first byte, or when a
 * writer came and went (POLLHUP); on Linux a FIFO that has had no writer since it was opened
 * reports neither, so the wait ends after FIFO_WAIT_MS. Either way reading then goes on: a read
 * blocks while a writer is connected (a slow producer is waited for as long as it takes) and
 * returns the end at once when none is, so a FIFO nobody writes to reads as empty. */
static zs_status fifo_wait(zs_ctx *ctx, io_file *f) {
    struct pollfd p = {f->fd, POLLIN, 0};
    int r;
    while ((r = poll(&p, 1, FIFO_WAIT_MS)) < 0 && errno == EINTR) {
    }
    if (r >= 0) return ZS_OK;
    int e = errno;
    io_close(f);
    return zs_fail(ctx, ZS_EIO, "%s: cannot read: %s", f->name, strerror(e));
}

zs_status io_fifo_empty(zs_ctx *ctx, const char *name, int fifo, size_t len) {
    if (!fifo || len) return ZS_OK;
    return zs_fail(ctx, ZS_EFORMAT, "%s: a FIFO (named pipe) with nothing to read (no writer)", name);
}

zs_status io_open(zs_ctx *ctx, const char *path, io_file *f) {
    f->fd = -1;
    f->size = -1;
    f->fifo = 0;
    f->from_stdin = !strcmp(path, "-");
    f->name = f->from_stdin ? "standard input" : path;
    /* Non-blocking, so that a FIFO without a writer does not hang the open; reads block as
     * usual once the flag is cleared below (a FIFO whose writer has gone reads as its end). */
    int fd = f->from_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) return zs_fail(ctx, ZS_EIO, "%s: cannot open: %s", f->name, strerror(errno));
    struct stat sb;
    const char *why = NULL;
    int e = 0;
    if (fstat(fd, &sb) != 0) {
        e = errno;
    } else if ((why = kind_refused(sb.st_mode)) && f->from_stdin && S_ISCHR(sb.st_mode)) {
        why = NULL; /* standard input may be a terminal: read it as typed */
    } else if (!why && !f->from_stdin) {
        int fl = fcntl(fd, F_GETFL);
        if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) e = errno;
    }
    if (e || why) {
        if (!f->from_stdin) close(fd);
        if (why) return zs_fail(ctx, ZS_EIO, "%s: %s", f->name, why);
        return zs_fail(ctx, ZS_EIO, "%s: cannot read: %s", f->name, strerror(e));
    }
    f->fd = fd;
    f->fifo = S_ISFIFO(sb.st_mode) && !f->from_stdin;
    if (f->fifo) return fifo_wait(ctx, f);
    if (S_ISREG(sb.st_mode)) f->size = (int64_t)sb.st_size;
    return ZS_OK;
}

void io_close(io_file *f) {
    if (f->fd >= 0 && !f->from_stdin) close(f->fd);
    f->fd = -1;
}

zs_status io_read(zs_ctx *ctx, const char *label, int fd, void *buf, size_t n, size_t *got) {
    size_t done = 0;
    while (done < n) {
        size_t want = n - done > (1u << 30) ? (1u << 30) : n - done;
        ssize_t r = read(fd, (unsigned char *)buf + done, want);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            *got = done;
            return zs_fail(ctx, ZS_EIO, "%s: cannot read: %s", label, strerror(errno));
        }
        if (r == 0) break;
        done += (size_t)r;
    }
    *got = done;
    return ZS_OK;
}

zs_status io_nomem(zs_ctx *ctx, const char *label, double bytes, const char *what) {
    char b[32];
    return zs_fail(ctx, ZS_ENOMEM, "%s: cannot allocate %s for %s", label,
                   zs_format_bytes(b, bytes), what);
}

zs_status io_buf_reserve(zs_ctx *ctx, const char *label, io_buf *buf, size_t n) {
    if (n > SIZE_MAX - buf->len) return io_nomem(ctx, label, (double)SIZE_MAX, "reading the file");
    size_t need = buf->len + n;
    if (need <= buf->cap) return ZS_OK;
    size_t cap = need; /* callers ask in doubling slices, so reallocations stay few */
    unsigned char *nb = zs_realloc(buf->b, cap ? cap : 1);
    if (!nb) return io_nomem(ctx, label, (double)cap, "reading the file");
    buf->b = nb;
    buf->cap = cap;
    return ZS_OK;
}

zs_status io_buf_read(zs_ctx *ctx, const char *label, io_buf *buf, int fd, size_t n, size_t *got) {
    /* Read in slices that double in size, so the buffer grows with the bytes that arrive. */
    *got = 0;
    while (*got < n) {
        size_t slice = buf->len < (1u << 16) ? (1u << 16) : buf->len;
        if (slice > n - *got) slice = n - *got;
        zs_status st = io_buf_reserve(ctx, label, buf, slice);
        if (st != ZS_OK) return st;
        size_t r;
        st = io_read(ctx, label, fd, buf->b + buf->len, slice, &r);
        buf->len += r;
        *got += r;
        if (st != ZS_OK) return st;
        if (r < slice) break;
    }
    return ZS_OK;
}

/* ZSUM_INPUT_LIMIT: a positive byte count, optionally with K, M, G or T (powers of 1024). */
static uint64_t env_limit(void) {
    const char *e = getenv("ZSUM_INPUT_LIMIT");
    if (!e || !*e) return 0;
    uint64_t v = 0;
    const char *p = e;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (v > (UINT64_MAX - 9) / 10) return 0;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    if (p == e) return 0;
    int shift = 0;
    if (*p) {
        const char *u = strchr("KMGT", *p);
        if (!u || p[1]) return 0;
        shift = 10 * (int)(u - "KMGT" + 1);
    }
    if (v > (UINT64_MAX >> shift)) return 0;
    return v << shift;
}

uint64_t io_input_limit(const zs_ctx *ctx) {
    if (ctx && ctx->input_limit) return ctx->input_limit;
    uint64_t e = env_limit();
    return e ? e : ZS_INPUT_LIMIT_DEFAULT;
}
