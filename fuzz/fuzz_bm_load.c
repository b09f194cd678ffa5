/* fuzz_bm_load.c — the Boltzmann-machine loader (zs_pairwise_load_bm: arrays W and b) on an
 * .npz assembled from the input (fuzz_npz), as it is and symmetrized. */
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    zs_ctx *ctx = fuzz_ctx();
    const char *path = fuzz_npz(data, size);
    if (!path) return 0;
    for (int sym = 0; sym <= 1; sym++) {
        zs_pairwise *m = NULL;
        zs_pairwise_load_bm(ctx, path, sym, &m);
        zs_pairwise_free(m);
    }
    return 0;
}
