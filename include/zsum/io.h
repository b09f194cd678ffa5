/*
 * zsum/io.h — data sets and pattern files: reading rows of data (NumPy, IDX) and binarizing
 * them, reading ±1 patterns (text, PBM, .npy), writing a pattern or any grey image. Included by
 * zsum.h; do not include on its own. A model's own files are declared with the model
 * (zs_hopfield_save, zs_rbm_load, zs_factor_read_uai, ...), NumPy arrays in zsum/npz.h.
 *
 * Implementations: lib/io/idx.c, lib/io/data.c (data sets), lib/io/patterns.c,
 * lib/io/pattern_image.c (pattern files), lib/io/image.c (images).
 */
#ifndef ZSUM_IO_H
#define ZSUM_IO_H

#ifndef ZSUM_H
#error "include zsum.h, not zsum/io.h"
#endif

/* ---- data sets (lib/io/idx.c, lib/io/data.c) ---------------------------------------------- */
/* Read an IDX file (MNIST format: magic 0 0 TYPE NDIM, big-endian u32 dims, big-endian data;
 * gzipped or not). ZS_EFORMAT when the header is malformed or disagrees with the file size. */
zs_status zs_idx_read(zs_ctx *ctx, const char *path, zs_array **out);
/* Write an IDX file of unsigned bytes (values rounded and clamped to 0..255), gzipped when
 * path ends in ".gz"; atomically (as zs_npy_write). */
zs_status zs_idx_write_u8(zs_ctx *ctx, const char *path, const zs_array *a);
/* A data set as rows: .npy (N x D or N x H x W ...), .npz (its first array, or one named
 * by "FILE.npz:NAME"), IDX (.idx, -ubyte, .gz) -> N x D doubles, C order. */
zs_status zs_data_load(zs_ctx *ctx, const char *path, zs_array **out);

typedef enum zs_binarize {
    ZS_BINARIZE_NONE = 0,      /* data must already be 0/1                                  */
    ZS_BINARIZE_THRESHOLD = 1, /* x > t -> 1 (t default: half the maximum)                  */
    ZS_BINARIZE_STOCHASTIC = 2,/* 1 with probability x / max, from zs_rng(seed, row)        */
    ZS_BINARIZE_AUTO = 3       /* NONE when every value is 0 or 1, else THRESHOLD (default t):
                                  binary data is kept as it is, grey data gets the
                                  deterministic rule                                          */
} zs_binarize;
/* "none", "threshold", "stochastic", "auto". */
const char *zs_binarize_name(zs_binarize rule);
zs_status zs_binarize_from_name(const char *name, zs_binarize *out);
/* In place. threshold: NaN for the default. ZS_EINVAL for NONE with a value that is not 0 or
 * 1 (message names the row, column and value and the options), for a negative or non-finite
 * value, or for an all-zero data set with a rule that needs the maximum. */
zs_status zs_data_binarize(zs_ctx *ctx, zs_array *data, zs_binarize rule, double threshold,
                           uint64_t seed);

/* A binary data set kept narrow: n rows of d bytes, each 0 or 1 (row-major, malloc'd; the
 * caller frees *rows). path is a data set as for zs_data_load, optionally followed by a row
 * range ":START:END" (rows START .. END-1 of the file, 0-based, END exclusive; e.g.
 * "digits.idx:0:9000"). The rule is applied as zs_data_binarize does over the whole file
 * (the maximum and the stochastic streams zs_rng(seed, row) are those of the file's rows),
 * so a range selects the same bytes as slicing the whole file. An IDX file of unsigned bytes
 * is binarized straight from its bytes: no copy of 8-byte values exists at any time.
 * ZS_EINVAL for a range that is empty, not two plain integers or past the file's rows
 * (message gives the row count), and the errors of zs_data_load and zs_data_binarize. */
zs_status zs_data_load_binary(zs_ctx *ctx, const char *path, zs_binarize rule, double threshold,
                              uint64_t seed, uint8_t **rows, size_t *n, size_t *d);
/* ---- pattern files (lib/io/patterns.c, lib/io/pattern_image.c) ---------------------------- */
/* Read patterns from a file, recognised by its content: "P1"/"P4" (PBM, plain or raw; every
 * image in the file is a pattern, black = +1, white = -1, the shape is kept), "\x93NUMPY" (a
 * .npy array (P, N), (N,) or (P, rows, cols) of ±1 or 0/1 values, 0 = -1) or text.
 * Text: one pattern per line; blank lines and lines starting with '#' are skipped; items are
 * separated by whitespace or commas; an item is a run of '+'/'-' characters (one unit each)
 * or one of the numbers 1, +1, -1, 0. 0 stands for -1 (0/1 data: x = (1 + s)/2), so a file
 * may use 0 or -1 for the "off" state but not both. ZS_EIO when the file cannot be read,
 * ZS_EFORMAT with the line and column of the first problem (unequal lengths name both lines;
 * an empty file says so). */
zs_status zs_patterns_read(zs_ctx *ctx, const char *path, zs_patterns **out);
/* The same for text held in memory (name is used in messages). */
zs_status zs_patterns_parse_text(zs_ctx *ctx, const char *name, const char *text, size_t len,
                                 zs_patterns **out);
/* Write one ±1 pattern of rows x cols units as an image: ".pbm" (raw P4; +1 = black) or
 * ".png" (8-bit grey; +1 = black, -1 = white), chosen by the file's extension, each unit a
 * scale x scale block (scale 1: one pixel per unit, so a PBM reads back as the pattern).
 * Written atomically by zs_image_write_grey, whose errors it returns. */
zs_status zs_pattern_write_image(zs_ctx *ctx, const char *path, size_t rows, size_t cols,
                                 const int8_t *s, size_t scale);

/* ---------------------------------------------------------------------------------------- */
/* Images (lib/io/image.c): the one image writer of the library.                            */
/* ---------------------------------------------------------------------------------------- */
/* Largest side in pixels after scaling (libpng's default limit, PNG_USER_WIDTH_MAX). */
#define ZS_IMAGE_MAX_SIDE 1000000
/* Write height x width 8-bit grey pixels (row-major; 0 black, 255 white) as an image of
 * (width * scale) x (height * scale) pixels, each pixel repeated in a scale x scale block, in
 * the format named by path's extension: ".png" (8-bit grey) or ".pbm" (raw P4, black where a
 * value is below 128). Atomic: written to a temporary file in the same folder, fsync'ed and
 * renamed over path, so path holds either the whole new image or what it held before.
 * ZS_EINVAL for another extension or an empty image, ZS_ETOOBIG above ZS_IMAGE_MAX_SIDE,
 * ZS_EIO (the message names the path and the system's reason) when it cannot be written. */
zs_status zs_image_write_grey(zs_ctx *ctx, const char *path, const uint8_t *px, size_t width,
                              size_t height, size_t scale);

#endif
