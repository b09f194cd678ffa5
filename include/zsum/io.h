/*
 * zsum/io.h — data sets and pattern files: reading rows of data (NumPy, IDX) and binarizing
 * them, reading ±1 patterns (text, PBM, .npy), writing a pattern or any grey image. Included by
 * zsum.h; do not include on its own. A model's own files are declared with the model
 * (zs_hopfield_save, zs_rbm_load, zs_factor_read_uai, ...), NumPy arrays in zsum/npz.h.
 *
 * Implementations: lib/io/idx.c, lib/io/data.c (data sets), lib/io/patterns.c,
 * lib/io/pattern_image.c (pattern files), lib/io/image.c (images), lib/io/read_input.c (whole
 * inputs into memory, bounded).
 */
#ifndef ZSUM_IO_H
#define ZSUM_IO_H

#ifndef ZSUM_H
#error "include zsum.h, not zsum/io.h"
#endif

/* ---- data sets (lib/io/idx.c, lib/io/data.c) ---------------------------------------------- */
/* Read an IDX file (MNIST format: magic 0 0 TYPE NDIM, big-endian u32 dims, big-endian data;
 * gzipped or not). The header is read first and its claim checked before the data is read or
 * anything allocated: against the file's size for a plain file; for gzipped data or a pipe,
 * against the input limit (zs_ctx_set_input_limit; ZS_ETOOBIG) and 1032 times the compressed
 * size (deflate's largest ratio), and the data is read no further than one byte past the
 * claim. ZS_EIO when the file cannot be opened or read or is a directory; ZS_EFORMAT when
 * the header is malformed or disagrees with the data present (the message names the file,
 * the header's dimensions and both sizes); ZS_ENOMEM (naming what and how much) when the
 * array does not fit in memory. */
zs_status zs_idx_read(zs_ctx *ctx, const char *path, zs_array **out);
/* The same from len bytes in memory, plain or gzipped (told by the gzip magic 1f 8b), with
 * the same parser and checks; label names the source in messages (NULL: "(memory)"). */
zs_status zs_idx_read_mem(zs_ctx *ctx, const char *label, const void *bytes, size_t len,
                          zs_array **out);
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
/* ---- whole inputs, bounded (lib/io/read_input.c) ------------------------------------------ */
/* The most bytes zs_read_input holds (after unpacking): 1 GiB. The UAI model and evidence
 * readers and the pattern reader read through it with this limit. */
#define ZS_READ_MAX_BYTES ((size_t)1 << 30)
#define ZS_READ_GZIP 1u /* unpack gzip content (it starts with 1f 8b); other bytes are kept  */
#define ZS_READ_TEXT 2u /* refuse a NUL byte (ZS_EFORMAT, its offset), checked as it arrives */
/* Read a whole file into memory: *buf (malloc'd, *len bytes plus a terminating NUL; the caller
 * frees it). path "-" reads standard input. max_bytes caps what is held (0 or above
 * ZS_READ_MAX_BYTES: ZS_READ_MAX_BYTES). Nothing is allocated for what a file merely claims:
 * a regular file larger than the cap is refused from its size before it is read, a pipe or
 * FIFO is read in 64 KiB chunks and refused once it passes the cap, gzip data is unpacked
 * chunk by chunk under the same cap on the unpacked size. Errors, each message naming the
 * file ("standard input" for "-"): ZS_EIO when it cannot be opened or read (the system's
 * reason) and for a directory, a device such as /dev/zero, or a socket; ZS_ETOOBIG above the
 * cap; ZS_EFORMAT for a NUL byte under ZS_READ_TEXT, damaged gzip data, or a named FIFO that
 * has no writer (it is opened without waiting and reads as empty). */
zs_status zs_read_input(zs_ctx *ctx, const char *path, size_t max_bytes, unsigned flags,
                        char **buf, size_t *len);

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
/* The same for a file's bytes held in memory, recognised by content as zs_patterns_read does
 * (name is used in messages; buf need not be NUL-terminated). zs_patterns_read reads the file
 * with zs_read_input (ZS_READ_MAX_BYTES, so also its ZS_EIO and ZS_ETOOBIG refusals) and calls
 * this. Declared counts are checked against the bytes present before anything is allocated:
 * a PBM header's width x height must fit in what follows it. */
zs_status zs_patterns_parse_mem(zs_ctx *ctx, const char *name, const void *buf, size_t len,
                                zs_patterns **out);
/* Only the text format, held in memory (name is used in messages). */
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
