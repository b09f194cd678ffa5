/* search_cache.c — the component cache of the counter by search: a component's key (its
 * variables, active clauses and removed values; search_internal.h) -> its ln count. Open
 * addressing with linear probing on a 64-bit hash; the whole key is stored and compared, so a
 * hash collision never returns a wrong count. Memory is bounded: past max_bytes nothing more
 * is stored (the search stays exact, only slower). */
#include "exact/search_internal.h"

#include <string.h>

void sr_cache_init(sr_cache *c, double max_bytes) {
    memset(c, 0, sizeof *c);
    c->max_bytes = max_bytes;
}

void sr_cache_free(sr_cache *c) {
    free(c->slot);
    free(c->e);
    free(c->keys);
    memset(c, 0, sizeof *c);
}

double sr_cache_bytes(const sr_cache *c) {
    return (double)c->cap * sizeof *c->slot + (double)c->ecap * sizeof *c->e + (double)c->kcap * sizeof *c->keys;
}

/* A multiply-xorshift mix of each word (the finalizer of splitmix64, Steele, Lea & Flood 2014),
 * so that components differing in one variable land far apart. */
uint64_t sr_hash(const uint32_t *key, size_t n) {
    uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
    for (size_t i = 0; i < n; i++) {
        h ^= key[i];
        h *= 0xbf58476d1ce4e5b9ull;
        h ^= h >> 31;
    }
    h ^= h >> 30;
    h *= 0x94d049bb133111ebull;
    return h ^ (h >> 31);
}

int sr_cache_get(const sr_cache *c, const uint32_t *key, size_t n, uint64_t h, double *value) {
    if (!c->cap) return 0;
    for (size_t i = (size_t)h & (c->cap - 1);; i = (i + 1) & (c->cap - 1)) {
        uint32_t s = c->slot[i];
        if (!s) return 0;
        const sr_entry *e = &c->e[s - 1];
        if (e->hash == h && e->klen == n && !memcmp(c->keys + e->koff, key, n * sizeof *key)) {
            *value = e->value;
            return 1;
        }
    }
}

/* Double the table (or make the first one) and place every entry again. */
static zs_status grow_table(sr_cache *c) {
    size_t cap = c->cap ? 2 * c->cap : 1024;
    uint32_t *slot = zs_calloc(cap, sizeof *slot);
    if (!slot) return ZS_ENOMEM;
    for (size_t k = 0; k < c->ne; k++) {
        size_t i = (size_t)c->e[k].hash & (cap - 1);
        while (slot[i]) i = (i + 1) & (cap - 1);
        slot[i] = (uint32_t)(k + 1);
    }
    free(c->slot);
    c->slot = slot;
    c->cap = cap;
    return ZS_OK;
}

/* Room for one more entry of n key words within the limit: 1 when made. */
static int make_room(sr_cache *c, size_t n) {
    size_t ecap = c->ne < c->ecap ? c->ecap : (c->ecap ? 2 * c->ecap : 1024);
    size_t kcap = c->nk + n <= c->kcap ? c->kcap : 2 * (c->kcap + n);
    size_t cap = 2 * (c->ne + 1) <= c->cap ? c->cap : (c->cap ? 2 * c->cap : 1024);
    double need = (double)cap * sizeof *c->slot + (double)ecap * sizeof *c->e + (double)kcap * sizeof *c->keys;
    if (need > c->max_bytes || c->ne + 1 >= (size_t)UINT32_MAX) return 0;
    if (ecap != c->ecap) {
        sr_entry *e = zs_realloc(c->e, ecap * sizeof *e);
        if (!e) return 0;
        c->e = e, c->ecap = ecap;
    }
    if (kcap != c->kcap) {
        uint32_t *k = zs_realloc(c->keys, kcap * sizeof *k);
        if (!k) return 0;
        c->keys = k, c->kcap = kcap;
    }
    return 1;
}

zs_status sr_cache_put(sr_cache *c, const uint32_t *key, size_t n, uint64_t h, double value) {
    if (c->full || !make_room(c, n)) {
        c->full = 1;
        return ZS_OK;
    }
    if (2 * (c->ne + 1) > c->cap && grow_table(c) != ZS_OK) {
        c->full = 1; /* an allocation refused: stop storing, the count stays exact */
        return ZS_OK;
    }
    sr_entry *e = &c->e[c->ne];
    e->hash = h;
    e->koff = c->nk;
    e->klen = (uint32_t)n;
    e->value = value;
    memcpy(c->keys + c->nk, key, n * sizeof *key);
    c->nk += n;
    size_t i = (size_t)h & (c->cap - 1);
    while (c->slot[i]) i = (i + 1) & (c->cap - 1);
    c->slot[i] = (uint32_t)(++c->ne);
    return ZS_OK;
}

/* Delete entry k's slot by backward shift (Knuth, TAOCP vol. 3, 6.4 Algorithm R): the entries
 * after it in its probe run move up so that every lookup still finds them without tombstones. */
static void unslot(sr_cache *c, size_t k) {
    size_t mask = c->cap - 1, i = (size_t)c->e[k].hash & mask;
    while (c->slot[i] != k + 1) i = (i + 1) & mask;
    for (size_t j = i;;) {
        j = (j + 1) & mask;
        if (!c->slot[j]) break;
        size_t home = (size_t)c->e[c->slot[j] - 1].hash & mask;
        /* slot[j] may move to i unless its home lies cyclically in (i, j] */
        if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) c->slot[i] = c->slot[j], i = j;
    }
    c->slot[i] = 0;
}

void sr_cache_drop(sr_cache *c, size_t mark) {
    if (mark >= c->ne) return;
    for (size_t k = c->ne; k-- > mark;) unslot(c, k);
    c->nk = c->e[mark].koff;
    c->ne = mark;
}
