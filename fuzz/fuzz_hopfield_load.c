/* fuzz_hopfield_load.c — the Hopfield network loader (zs_hopfield_load) on an .npz assembled
 * from the input (fuzz_npz: members J, patterns, shape, ... as .npy bytes). */
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    zs_ctx *ctx = fuzz_ctx();
    const char *path = fuzz_npz(data, size);
    if (!path) return 0;
    zs_hopfield *net = NULL;
    zs_hopfield_load(ctx, path, &net);
    zs_hopfield_free(net);
    return 0;
}
