/* fuzz_uai.c — the UAI model reader, from memory (zs_factor_parse_uai) and from a file
 * (zs_factor_read_uai), which must agree: same status, and on success the same counts. */
#include "fuzz_util.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    zs_ctx *ctx = fuzz_ctx();
    zs_factor_model *m = NULL, *f = NULL;
    zs_status a = zs_factor_parse_uai(ctx, (const char *)data, size, "input.uai", &m);
    zs_status b = zs_factor_read_uai(ctx, fuzz_file(data, size, ".uai"), &f);
    if (a != b) abort();
    if (a == ZS_OK) {
        if (zs_factor_model_nvars(m) != zs_factor_model_nvars(f) ||
            zs_factor_model_nfactors(m) != zs_factor_model_nfactors(f))
            abort();
    }
    zs_factor_model_free(m);
    zs_factor_model_free(f);
    return 0;
}
