/* fuzz_evid.c — the UAI evidence reader, from memory (zs_factor_parse_evid) and from a file
 * (zs_factor_read_evid), against one fixed model whose variables have different domains
 * (2, 3, 1, 4 and 2 values), so that out-of-range values and variables are reachable. */
#include "fuzz_util.h"

#include <stdlib.h>
#include <string.h>

static const char model[] = "MARKOV\n5\n2 3 1 4 2\n3\n2 0 1\n2 1 3\n1 4\n"
                            "6\n1 2 3 4 5 6\n12\n1 1 1 1 1 1 1 1 1 1 1 1\n2\n0.5 2\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static zs_factor_model *m;
    if (!m && zs_factor_parse_uai(fuzz_ctx(), model, sizeof model - 1, "model.uai", &m) != ZS_OK)
        abort();
    int32_t ev_mem[5], ev_file[5];
    size_t obs_mem = 0, obs_file = 0;
    zs_status a = zs_factor_parse_evid(m, (const char *)data, size, "input.evid", ev_mem, &obs_mem);
    zs_status b = zs_factor_read_evid(m, fuzz_file(data, size, ".evid"), ev_file, &obs_file);
    if (a != b) abort();
    if (a == ZS_OK) {
        if (obs_mem != obs_file || memcmp(ev_mem, ev_file, sizeof ev_mem) != 0) abort();
        size_t seen = 0;
        for (int i = 0; i < 5; i++) {
            if (ev_mem[i] < -1 || (ev_mem[i] >= 0 && (uint32_t)ev_mem[i] >= zs_factor_model_domain(m, (size_t)i)))
                abort();
            seen += ev_mem[i] >= 0;
        }
        if (seen != obs_mem) abort();
    }
    return 0;
}
