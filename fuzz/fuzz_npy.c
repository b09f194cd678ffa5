/* fuzz_npy.c — the .npy reader, from memory (zs_npy_read_mem) and from a file (zs_npy_read),
 * which must agree: same status, and on success the same shape and bytes. */
#include "fuzz_util.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    zs_ctx *ctx = fuzz_ctx();
    zs_array *mem = NULL, *file = NULL;
    zs_status a = zs_npy_read_mem(ctx, "input.npy", data, size, &mem);
    zs_status b = zs_npy_read(ctx, fuzz_file(data, size, ".npy"), &file);
    if (a != b) abort();
    if (a == ZS_OK) {
        size_t n = zs_array_size(mem);
        if (zs_array_ndim(mem) != zs_array_ndim(file) || n != zs_array_size(file) ||
            zs_array_dtype(mem) != zs_array_dtype(file))
            abort();
        for (int k = 0; k < zs_array_ndim(mem); k++)
            if (zs_array_dim(mem, k) != zs_array_dim(file, k)) abort();
        if (n && memcmp(zs_array_cdata(mem), zs_array_cdata(file), n * sizeof(double)) != 0) abort();
        char buf[128];
        zs_array_shape_str(mem, buf, sizeof buf);
    }
    zs_array_free(mem);
    zs_array_free(file);
    return 0;
}
