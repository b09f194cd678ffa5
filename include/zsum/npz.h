/*
 * zsum/npz.h — NumPy arrays on disk: .npy files and .npz archives. Included by zsum.h; do not
 * include on its own.
 *
 * Format: numpy.lib.format (NEP 1): the magic "\x93NUMPY", a version (1.0, 2.0 or 3.0), a
 * little-endian header length (2 bytes in 1.0, 4 in 2.0/3.0), a Python dict literal
 * {'descr': '<f8', 'fortran_order': False, 'shape': (784, 15), } padded with spaces to a
 * multiple of 64 bytes and ended by '\n', then the raw data. An .npz is a zip archive (stored
 * or deflated, zip64 allowed) of NAME.npy members.
 *
 * An array in memory (zs_array) holds its values as doubles in C (row-major) order, whatever
 * the file's order, together with the element type it came from (or will be written as).
 * Every supported type except 64-bit integers beyond 2^53 converts to double and back
 * exactly, so reading then writing an array gives numpy the same values bit for bit.
 *
 * Implementations: lib/io/npy.c (arrays, .npy), lib/io/npz.c (.npz archives).
 */
#ifndef ZSUM_NPZ_H
#define ZSUM_NPZ_H

#ifndef ZSUM_H
#error "include zsum.h, not zsum/npz.h"
#endif

/* Element types (values pinned). Files may be little- or big-endian; we write little. */
typedef enum zs_dtype {
    ZS_DTYPE_F8 = 0, /* <f8 float64 */
    ZS_DTYPE_F4 = 1, /* <f4 float32 */
    ZS_DTYPE_U1 = 2, /* |u1 uint8   */
    ZS_DTYPE_I4 = 3, /* <i4 int32   */
    ZS_DTYPE_I8 = 4, /* <i8 int64   */
    ZS_DTYPE_B1 = 5, /* |b1 bool    */
    ZS_DTYPE_I1 = 6, /* |i1 int8    */
    ZS_DTYPE_I2 = 7, /* <i2 int16   */
    ZS_DTYPE_U2 = 8, /* <u2 uint16  */
    ZS_DTYPE_U4 = 9, /* <u4 uint32  */
    ZS_DTYPE_U8 = 10 /* <u8 uint64  */
} zs_dtype;

/* NumPy's descr for the type as we write it ("<f8", "|u1", ...). */
const char *zs_dtype_name(zs_dtype dtype);
/* Bytes per element. */
size_t zs_dtype_size(zs_dtype dtype);

#define ZS_ARRAY_MAX_NDIM 32

typedef struct zs_array zs_array;

/* A zero-filled array of the given shape (ndim 0..ZS_ARRAY_MAX_NDIM; ndim 0 is a scalar).
 * ZS_EINVAL for a bad ndim or dtype, ZS_ERANGE when the element count overflows. */
zs_status zs_array_alloc(zs_ctx *ctx, zs_dtype dtype, int ndim, const uint64_t *shape,
                         zs_array **out);
void zs_array_free(zs_array *a);

int zs_array_ndim(const zs_array *a);
uint64_t zs_array_dim(const zs_array *a, int axis);   /* 0 for an axis out of range        */
size_t zs_array_size(const zs_array *a);               /* product of the dimensions         */
zs_dtype zs_array_dtype(const zs_array *a);
/* Change the type the array is written as; values are rounded to it on writing only. */
void zs_array_set_dtype(zs_array *a, zs_dtype dtype);
/* The values in C order (last index fastest), owned by the array. */
double *zs_array_data(zs_array *a);
const double *zs_array_cdata(const zs_array *a);
/* The values as float32 into out (size entries): exact for arrays that came from <f4. */
void zs_array_to_f32(const zs_array *a, float *out);
/* "(784, 15)" into buf (cap bytes), for messages. Returns buf. */
const char *zs_array_shape_str(const zs_array *a, char *buf, size_t cap);

/* Read a .npy file. ZS_EIO when it cannot be read; ZS_EFORMAT (message names the file and
 * the problem) for a bad magic, an unknown version, an unparsable header, an unsupported
 * dtype, or a data size that disagrees with the header's shape. */
zs_status zs_npy_read(zs_ctx *ctx, const char *path, zs_array **out);
/* The same from memory; label names the source in messages. */
zs_status zs_npy_read_mem(zs_ctx *ctx, const char *label, const void *buf, size_t len,
                          zs_array **out);
/* Write a .npy file (version 1.0, or 2.0 when the header needs it), C order, in the array's
 * dtype. Atomic (lib/io/atomic.c): written to a temporary file beside path, fsync'ed and
 * renamed over it, so a reader never sees a half-written file and a failure leaves the
 * previous one; ZS_EIO names the path and the system's reason. */
zs_status zs_npy_write(zs_ctx *ctx, const char *path, const zs_array *a);

/* An open .npz archive. */
typedef struct zs_npz zs_npz;

/* Open an .npz for reading. ZS_EIO when the file cannot be opened; ZS_EFORMAT when it is not
 * a readable zip archive (truncated or corrupt). */
zs_status zs_npz_open(zs_ctx *ctx, const char *path, zs_npz **out);
void zs_npz_close(zs_npz *z);
/* Arrays in the archive, in archive order; names without ".npy". */
size_t zs_npz_count(const zs_npz *z);
const char *zs_npz_name(const zs_npz *z, size_t i);  /* NULL when i is out of range */
int zs_npz_has(const zs_npz *z, const char *name);
/* Read the array NAME (member NAME.npy). ZS_EFORMAT when it is absent (the message lists the
 * arrays present), when the member's data is corrupt (CRC or inflate error), or as for
 * zs_npy_read_mem. */
zs_status zs_npz_get(zs_npz *z, const char *name, zs_array **out);
/* Open, read one array, close. */
zs_status zs_npz_read(zs_ctx *ctx, const char *path, const char *name, zs_array **out);

/* Write n arrays as NAME.npy members of a new archive at path, replacing it atomically (the
 * archive is built in memory, then written as zs_npy_write writes). compress: 1 for deflate
 * (numpy.savez_compressed), 0 to store (numpy.savez). */
zs_status zs_npz_write(zs_ctx *ctx, const char *path, size_t n, const char *const *names,
                       const zs_array *const *arrays, int compress);

#endif
