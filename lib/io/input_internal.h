/* input_internal.h — bounded reading of untrusted input files, shared by every reader (NumPy,
 * .npz, IDX, and zs_read_input behind UAI, evidence, pattern and units files; not public). A
 * reader opens the file, learns whether it is a regular file and its size, reads what a header
 * announces, and checks every claimed size against the bytes that are actually present (a
 * regular file's size) or against the input limit (a pipe, a FIFO, a gzip member) before
 * allocating. */
#ifndef ZSUM_IO_INPUT_INTERNAL_H
#define ZSUM_IO_INPUT_INTERNAL_H

#include "core/internal.h"

#include <sys/types.h>

/* The deflate format's largest expansion: a 258-byte match coded in 2 bits gives 1032 output
 * bytes per input byte (zlib's "technical details": the limit is 1032:1), so n compressed
 * bytes inflate to at most 1032 n (plus a few bytes for a block that ends early). */
#define IO_DEFLATE_MAX_RATIO 1032u

/* An opened input: fd, and size >= 0 for a regular file (-1 for a pipe or FIFO); name is the
 * path, or "standard input" for "-". */
typedef struct io_file {
    int fd;
    int64_t size;
    int fifo;       /* a named pipe (which reads as empty when nobody writes to it) */
    int from_stdin; /* the path was "-" */
    const char *name;
} io_file;

/* Open path for reading ("-": standard input), the one place where every reader learns what
 * kind of file it was given. ZS_EIO naming the path and the reason when it cannot be opened,
 * or is a directory, a device (/dev/zero would never end) or a socket ("x.npy: is a
 * directory"). A FIFO is opened without waiting for a writer; its first byte is waited for at
 * most a second, then reads go on (they return the end at once when nobody writes). */
zs_status io_open(zs_ctx *ctx, const char *path, io_file *f);
void io_close(io_file *f);
/* ZS_EFORMAT "NAME: a FIFO (named pipe) with nothing to read (no writer)" when fifo and the
 * first read brought len = 0 bytes (the message every reader gives that case); else ZS_OK. */
zs_status io_fifo_empty(zs_ctx *ctx, const char *name, int fifo, size_t len);

/* Read up to n bytes (fewer only at the end of the input); ZS_EIO with the system's reason. */
zs_status io_read(zs_ctx *ctx, const char *label, int fd, void *buf, size_t n, size_t *got);

/* A buffer that grows as bytes arrive (never beyond what was asked for), so a stream that
 * claims much and delivers little costs only what it delivers. */
typedef struct io_buf {
    unsigned char *b;
    size_t len, cap;
} io_buf;

/* Make room for len + n bytes: the capacity doubles (from 64 KiB) but stays <= len + n.
 * ZS_ENOMEM naming the label and the byte count. */
zs_status io_buf_reserve(zs_ctx *ctx, const char *label, io_buf *buf, size_t n);
/* Append up to n bytes read from fd (fewer at the end of the input): *got tells how many. */
zs_status io_buf_read(zs_ctx *ctx, const char *label, io_buf *buf, int fd, size_t n, size_t *got);

/* The most bytes a stream or a compressed member may inflate to (zs_ctx_set_input_limit). */
uint64_t io_input_limit(const zs_ctx *ctx);

/* "cannot allocate 88.0 GiB for WHAT" (ZS_ENOMEM) — the message of a real allocation failure. */
zs_status io_nomem(zs_ctx *ctx, const char *label, double bytes, const char *what);

#endif
