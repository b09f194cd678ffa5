/* fuzz_patterns.c — the pattern-file reader (zs_patterns_read: PBM "P1"/"P4", .npy or text,
 * chosen by content) and the text parser from memory (zs_patterns_parse_text), which must
 * agree on text input. */
#include "fuzz_util.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    zs_ctx *ctx = fuzz_ctx();
    zs_patterns *file = NULL, *mem = NULL;
    zs_status a = zs_patterns_read(ctx, fuzz_file(data, size, ".txt"), &file);
    int text = !(size >= 2 && data[0] == 'P' && (data[1] == '1' || data[1] == '4')) &&
               !(size >= 6 && !memcmp(data, "\x93NUMPY", 6));
    if (text) {
        zs_status b = zs_patterns_parse_text(ctx, "input.txt", (const char *)data, size, &mem);
        if (a != b) abort();
    }
    zs_patterns_free(file);
    zs_patterns_free(mem);
    return 0;
}
