/* idx_internal.h — the raw bytes of an IDX file of unsigned bytes, for loaders that keep data
 * narrow (data.c). */
#ifndef ZSUM_IDX_INTERNAL_H
#define ZSUM_IDX_INTERNAL_H

#include "core/internal.h"

/* When path is an IDX file of type 0x08 (unsigned bytes): *buf (malloc'd) holds the whole
 * file, its N x D values (every axis after the first flattened) start at *buf + *offset, and
 * *is_u8 = 1. For another IDX type: *is_u8 = 0 and *buf = NULL (read it with zs_idx_read).
 * Errors as zs_idx_read. */
zs_status idx_read_u8_raw(zs_ctx *ctx, const char *path, unsigned char **buf, size_t *offset,
                          uint64_t *n, uint64_t *d, int *is_u8);

#endif
