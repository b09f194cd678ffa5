/* dbm_check.h — what the DBM unit tests compare: two models' parameters, bit for bit. Include
 * after zsum.h and check.h. */
#ifndef ZSUM_TESTS_DBM_CHECK_H
#define ZSUM_TESTS_DBM_CHECK_H

/* Every bias and weight of a equal to b's, byte for byte (a and b of the same shape). */
static inline int same_params(const zs_dbm *a, const zs_dbm *b) {
    for (size_t l = 0; l <= zs_dbm_layers(a); l++) {
        size_t nl = zs_dbm_size(a, l);
        if (memcmp(zs_dbm_bias(a, l), zs_dbm_bias(b, l), nl * sizeof(double))) return 0;
        if (l && memcmp(zs_dbm_w(a, l), zs_dbm_w(b, l), zs_dbm_size(a, l - 1) * nl * sizeof(double)))
            return 0;
    }
    return 1;
}

#endif
