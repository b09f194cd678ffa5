/* fuzz_fg.c — libDAI's factor-graph reader, from memory (zs_factor_parse_fg), from a file
 * (zs_factor_read_fg) and through the format choice (zs_factor_read_model on a ".fg" name),
 * which must agree: same status, and on success the same variables, domains and factors. */
#include "fuzz_util.h"

#include <stdlib.h>

static int same_model(const zs_factor_model *a, const zs_factor_model *b) {
    size_t n = zs_factor_model_nvars(a);
    if (n != zs_factor_model_nvars(b) || zs_factor_model_nfactors(a) != zs_factor_model_nfactors(b))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (zs_factor_model_domain(a, i) != zs_factor_model_domain(b, i)) return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    zs_ctx *ctx = fuzz_ctx();
    zs_factor_model *m = NULL, *f = NULL, *g = NULL;
    zs_status a = zs_factor_parse_fg(ctx, (const char *)data, size, "input.fg", &m);
    const char *path = fuzz_file(data, size, ".fg");
    zs_status b = zs_factor_read_fg(ctx, path, &f);
    zs_status c = zs_factor_read_model(ctx, path, &g);
    if (a != b || a != c) abort();
    if (a == ZS_OK && (!same_model(m, f) || !same_model(m, g))) abort();
    zs_factor_model_free(m);
    zs_factor_model_free(f);
    zs_factor_model_free(g);
    return 0;
}
