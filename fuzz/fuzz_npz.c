/* fuzz_npz.c — the .npz reader on raw bytes: the zip container from memory (libzip behind
 * zs_npz_open_mem), every member read as an array (zs_npz_get), and the data-set loader's view
 * of the archive as a file (zs_data_load through zs_npz_open: its first array as rows). */
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    zs_ctx *ctx = fuzz_ctx();
    const char *path = fuzz_file(data, size, ".npz");
    zs_npz *z = NULL;
    if (zs_npz_open_mem(ctx, "input.npz", data, size, &z) == ZS_OK) {
        size_t n = zs_npz_count(z);
        for (size_t i = 0; i < n && i < 16; i++) {
            const char *name = zs_npz_name(z, i);
            if (!name || !zs_npz_has(z, name)) __builtin_trap();
            zs_array *a = NULL;
            if (zs_npz_get(z, name, &a) == ZS_OK) zs_array_size(a);
            zs_array_free(a);
        }
        zs_npz_close(z);
    }
    zs_array *rows = NULL;
    zs_data_load(ctx, path, &rows);
    zs_array_free(rows);
    return 0;
}
