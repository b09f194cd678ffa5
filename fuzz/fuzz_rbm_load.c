/* fuzz_rbm_load.c — the RBM model loader (zs_rbm_load) on an .npz assembled from the input
 * (fuzz_npz: members W, vbias, hbias, train_data_frequency, ... as .npy bytes; the stored
 * frequencies come back through zs_rbm_stored_frequency), then a trainer's resume from the
 * same file as a checkpoint (zs_rbm_trainer_resume). */
#include "fuzz_util.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    zs_ctx *ctx = fuzz_ctx();
    const char *path = fuzz_npz(data, size);
    if (!path) return 0;
    zs_rbm *rbm = NULL;
    if (zs_rbm_load(ctx, path, &rbm) != ZS_OK) return 0;
    size_t nv = zs_rbm_nv(rbm);
    const double *freq = zs_rbm_stored_frequency(rbm);
    for (size_t i = 0; freq && i < nv; i++)
        if (!(freq[i] > 0 && freq[i] < 1)) abort(); /* a frequency outside (0, 1) was accepted */
    if (nv <= 4096 && zs_rbm_nh(rbm) <= 4096) {
        uint8_t *rows = calloc(2 * nv, 1);
        if (!rows) abort();
        rows[0] = 1;
        zs_rbm_train_opts opts;
        zs_rbm_train_defaults(&opts);
        opts.batch = 2;
        zs_rbm_trainer *t = NULL;
        if (zs_rbm_trainer_alloc(ctx, rbm, &opts, rows, 2, &t) == ZS_OK) zs_rbm_trainer_resume(t, path);
        zs_rbm_trainer_free(t);
        free(rows);
    }
    zs_rbm_free(rbm);
    return 0;
}
