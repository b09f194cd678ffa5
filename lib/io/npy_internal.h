/* npy_internal.h — the .npy codec shared by npy.c and npz.c (not public). */
#ifndef ZSUM_IO_NPY_INTERNAL_H
#define ZSUM_IO_NPY_INTERNAL_H

#include "core/internal.h"

/* Serialize a to .npy bytes (malloc'd into *buf, *len bytes). */
zs_status npy_serialize(zs_ctx *ctx, const zs_array *a, unsigned char **buf, size_t *len);

#endif
