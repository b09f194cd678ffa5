/* patterns_internal.h — pattern files: what lib/io/patterns.c (text, .npy, the reader) and
 * lib/io/pattern_image.c (PBM in, PBM/PNG out) share. */
#ifndef ZSUM_IO_PATTERNS_INTERNAL_H
#define ZSUM_IO_PATTERNS_INTERNAL_H

#include "models/hopfield_internal.h"

/* PBM images (plain P1 or raw P4, several per file) held in memory (lib/io/pattern_image.c). */
zs_status patterns_parse_pbm(zs_ctx *ctx, const char *name, const unsigned char *buf, size_t len,
                             zs_patterns **out);

#endif
