/* fuzz_idx.c — the IDX reader on raw bytes, from memory (zs_idx_read_mem: plain, or gzip
 * through inflate when the bytes start with the gzip magic), then the data-set loaders that
 * read IDX from a file (through zlib's gzread, plain or gzip): rows of doubles (zs_data_load),
 * which must agree with the reader from memory, and the narrow binary rows with a row range
 * (zs_data_load_binary). */
#include "fuzz_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    zs_ctx *ctx = fuzz_ctx();
    const char *path = fuzz_file(data, size, ".idx");
    zs_array *a = NULL, *rows = NULL;
    zs_status st = zs_idx_read_mem(ctx, "input.idx", data, size, &a);
    zs_array_free(a);
    zs_status st2 = zs_data_load(ctx, path, &rows);
    zs_array_free(rows);
    if ((st == ZS_OK) != (st2 == ZS_OK) && st != ZS_OK) abort(); /* the file reader took more */
    if (st == ZS_OK) {
        /* The first byte picks the rule and the row range, so both are explored. */
        char ranged[4200];
        snprintf(ranged, sizeof ranged, "%s:%u:%u", path, size > 0 ? data[0] & 3u : 0u,
                 size > 1 ? data[1] & 7u : 1u);
        uint8_t *bin = NULL;
        size_t n = 0, d = 0;
        zs_binarize rule = size > 2 ? (zs_binarize)(data[2] % 3) : ZS_BINARIZE_THRESHOLD;
        zs_data_load_binary(ctx, size > 3 && (data[3] & 1) ? ranged : path, rule, (double)NAN, 7, &bin, &n, &d);
        free(bin);
    }
    return 0;
}
