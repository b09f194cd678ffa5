/* chapter10.c — the worked example of Maren, "Statistical Mechanics, Neural Networks, and AI",
 * ch. 10, through libzsum's public API: ten units on levels of energy 0, 1 and 2 at beta = 1.
 * Build against an installed zsum with:  cc chapter10.c $(pkg-config --cflags --libs zsum) */
#include <zsum.h>

#include <stdio.h>
#include <stdlib.h>

static int report(zs_ctx *ctx, zs_status st) {
    fprintf(stderr, "chapter10: %s\n", *zs_last_error(ctx) ? zs_last_error(ctx) : zs_strerror(st));
    return 1;
}

int main(void) {
    const double energies[3] = {0.0, 1.0, 2.0};
    const uint32_t state[10] = {0, 0, 0, 0, 0, 0, 0, 1, 1, 2}; /* the chapter's microstate */
    zs_ctx *ctx = zs_ctx_alloc();
    zs_levels *lv = NULL;
    zs_status st = zs_levels_alloc(ctx, 3, energies, NULL, &lv);
    if (st != ZS_OK) return report(ctx, st);

    zs_count count;
    zs_levels_thermo t;
    zs_levels_thermo_opts opts;
    zs_levels_thermo_defaults(&opts);
    opts.method = ZS_LEVELS_CLOSED; /* Z = z^N, the chapter's closed form */
    double occupation[3];
    if ((st = zs_levels_microstate_count(lv, 10, 1000, &count)) != ZS_OK ||
        (st = zs_levels_thermo_compute(lv, 10, 1.0, &opts, &t, occupation)) != ZS_OK)
        return report(ctx, st);
    printf("microstates = %s\n", count.decimal);
    printf("ln Z = %.15f\n", t.lnz);
    printf("U = %.15f  F = %.15f  S = %.15f  C = %.15f\n", t.u, t.f, t.s, t.c);
    printf("occupation = %.6f %.6f %.6f\n", occupation[0], occupation[1], occupation[2]);
    zs_count_clear(&count);

    zs_levels_state_info info;
    uint64_t occ[3];
    zs_count w;
    if ((st = zs_levels_state(lv, 10, state, 1.0, &info, occ, &w)) != ZS_OK) return report(ctx, st);
    /* Energy 4: 7 x 0 + 2 x 1 + 1 x 2 (the chapter's text says 3). */
    printf("state 0000000112: E = %g, occupation (%llu,%llu,%llu), W = %s, p = %.6e\n", info.energy,
           (unsigned long long)occ[0], (unsigned long long)occ[1], (unsigned long long)occ[2],
           w.decimal, info.p);
    zs_count_clear(&w);
    zs_levels_free(lv);
    zs_ctx_free(ctx);
    return 0;
}
