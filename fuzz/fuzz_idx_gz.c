/* fuzz_idx_gz.c — the IDX reader through its gzip paths: the input is an IDX file, gzipped
 * here (zlib, level 1) so that mutations reach the IDX parser behind a valid gzip stream, read
 * from memory (zs_idx_read_mem: inflate), then the same stream cut short by one byte (its
 * trailer, CRC-32 and length, RFC 1952, incomplete) read as a file (zs_idx_read: gzread),
 * which must refuse it. */
#include "fuzz_util.h"

#include <stdlib.h>
#include <zlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    zs_ctx *ctx = fuzz_ctx();
    z_stream zs = {0};
    if (deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) abort();
    uLong cap = deflateBound(&zs, (uLong)size);
    uint8_t *gz = malloc(cap ? cap : 1);
    if (!gz) abort();
    zs.next_in = (Bytef *)(uintptr_t)data;
    zs.avail_in = (uInt)size;
    zs.next_out = gz;
    zs.avail_out = (uInt)cap;
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END) abort();
    size_t len = zs.total_out;
    deflateEnd(&zs);

    zs_array *a = NULL;
    zs_status whole = zs_idx_read_mem(ctx, "input.idx.gz", gz, len, &a);
    zs_array_free(a);
    a = NULL;
    if (whole == ZS_OK && zs_idx_read(ctx, fuzz_file(gz, len - 1, ".idx.gz"), &a) == ZS_OK)
        abort(); /* a gzip stream without its full trailer was accepted */
    zs_array_free(a);
    free(gz);
    return 0;
}
