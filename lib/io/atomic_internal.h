/* atomic_internal.h — writing a file so that it is either the whole new file or the previous
 * one, never half of each (lib/io/atomic.c; not public). Every file the library writes goes
 * through it: .npy, .npz (models, checkpoints), IDX, UAI, images. */
#ifndef ZSUM_IO_ATOMIC_INTERNAL_H
#define ZSUM_IO_ATOMIC_INTERNAL_H

#include "core/internal.h"

#include <stdio.h>

typedef struct io_atomic {
    const char *path; /* the target as the caller named it: every message names it */
    char *dest;       /* where the rename lands: path, or the file a symbolic link names */
    char *tmp;        /* the temporary file beside dest; NULL when writing in place */
    FILE *f;          /* write here, then io_atomic_commit or io_atomic_abort */
} io_atomic;

/* Open a new temporary file "<dest>.<pid>-<k>.tmp" beside the target (the same folder, so the
 * same file system and rename(2) is atomic). The target itself is written in place only when
 * it exists and is not a regular file (a device such as /dev/null, a FIFO): there is nothing
 * to keep there. On failure: ZS_EIO naming path and the system's reason, nothing created. */
zs_status io_atomic_open(zs_ctx *ctx, const char *path, io_atomic *w);

/* Flush, fsync, close, rename over the target, fsync the folder. On failure: ZS_EIO naming
 * the path and the system's reason, the temporary file removed, the previous file untouched.
 * Consumes w either way. */
zs_status io_atomic_commit(zs_ctx *ctx, io_atomic *w);

/* Drop the temporary file; the target is untouched. Consumes w; harmless on a zeroed w. */
void io_atomic_abort(io_atomic *w);

/* The three in one: write len bytes of buf to path atomically. */
zs_status io_write_atomic(zs_ctx *ctx, const char *path, const void *buf, size_t len);

#endif
