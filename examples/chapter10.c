/* chapter10.c — the chapter's worked example through the public C API. */
#include <zsum.h>
#include <stdio.h>
int main(void) {
    double e[3] = {0, 1, 2};
    zs_levels *lv;
    if (zs_levels_alloc(NULL, 3, e, NULL, &lv) != ZS_OK) return 1;
    zs_levels_thermo t;
    if (zs_levels_thermo_compute(lv, 10, 1.0, ZS_LEVELS_CLOSED, &t, NULL) != ZS_OK) return 1;
    printf("ln Z = %.15f\n", t.lnz);
    zs_levels_free(lv);
    return 0;
}
