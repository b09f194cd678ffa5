/* dbm_presets.c — zsum dbm train --preset NAME: the training recipe of Salakhutdinov's public
 * code for "Deep Boltzmann machines" (Salakhutdinov & Hinton, AISTATS 2009; Neural Computation
 * 24, 2012), "Learning Deep Boltzmann Machines" (www.cs.toronto.edu/~rsalakhu/DBM.html), as its
 * files set them (docs/dbm.md lists each value with its file):
 *   demo.m    784-500-1000; the first RBM 100 epochs, the second 200; the DBM maxepoch = 300
 *             ("To get results in the paper I used maxepoch=500")
 *   rbm.m     pretraining: epsilon 0.05, weightcost 0.001, momentum 0.5 then 0.9, CD-1;
 *             each batch's pixels drawn afresh from their grey levels (data > rand)
 *   rbm_l2.m  the second RBM: CD = ceil(epoch/20) steps, epsilon 0.05 / CD
 *   dbm_mf.m  epsilon 0.001, divided by 1.000015 before every update down to 0.0001;
 *             weightcost 0.0002; momentum 0.5 for 5 epochs, then 0.9; 100 cases a batch and
 *             100 persistent chains advanced 5 Gibbs steps; sparsetarget 0.2 (h1), 0.1 (h2),
 *             sparsecost 0.001, sparsedamping 0.9
 *   mf.m      10 mean-field updates ("I also used 30"), stopping below 1e-7 */
#include "dbm_cli.h"

#include <string.h>

static const dbm_preset presets[] = {
    {"salakhutdinov", "the public DBM code (demo.m, rbm.m, rbm_l2.m, dbm_mf.m, mf.m)", 300, {100, 200}, 2, 0.05, 0.001, 100, 0.001,
     1.000015, 0.0001, 0.9, 0.0002, 100, 5, 10, 1e-7, {0.2, 0.1}, 2, 0.001, 0.9, 20, 1},
    {"salakhutdinov-paper", "the same, with the 500 joint epochs demo.m says gave the paper's results", 500,
     {100, 200}, 2, 0.05, 0.001, 100, 0.001, 1.000015, 0.0001, 0.9, 0.0002, 100, 5, 10, 1e-7, {0.2, 0.1}, 2, 0.001, 0.9, 20, 1},
};

const dbm_preset *dbm_preset_find(const char *name) {
    for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++)
        if (!strcmp(presets[i].name, name)) return &presets[i];
    return NULL;
}

const char *dbm_preset_names(void) { return "salakhutdinov, salakhutdinov-paper"; }
