/* alloc.h — the one way libzsum allocates: every malloc, calloc, realloc, aligned allocation
 * and string copy in lib/ goes through these, so that a test can make the n-th one fail
 * (lib/core/alloc_hook.h, tests/unit/test_allocfail.c; docs/robustness.md). Memory from them
 * is released with free(), as from the C library's own.
 *
 * In a build without ZSUM_ALLOC_HOOK (the Release build) each is an inline call of the C
 * library's function: no counter, no branch, no symbol. With it (CMake option
 * ZSUM_ALLOC_HOOK, on in the sanitized build) each goes through lib/core/alloc.c, which
 * counts the call and can fail it; the macros pass the call's file and line so that a test
 * can name the allocation it failed. */
#ifndef ZSUM_CORE_ALLOC_H
#define ZSUM_CORE_ALLOC_H

#include <stdlib.h>
#include <string.h>

#ifdef ZSUM_ALLOC_HOOK

void *zs_alloc_malloc(size_t n, const char *file, int line);
void *zs_alloc_calloc(size_t count, size_t size, const char *file, int line);
void *zs_alloc_realloc(void *p, size_t n, const char *file, int line);
void *zs_alloc_aligned(size_t align, size_t n, const char *file, int line);
char *zs_alloc_strdup(const char *s, const char *file, int line);
char *zs_alloc_strndup(const char *s, size_t n, const char *file, int line);

#define zs_malloc(n) zs_alloc_malloc((n), __FILE__, __LINE__)
#define zs_calloc(count, size) zs_alloc_calloc((count), (size), __FILE__, __LINE__)
#define zs_realloc(p, n) zs_alloc_realloc((p), (n), __FILE__, __LINE__)
#define zs_aligned_alloc(align, n) zs_alloc_aligned((align), (n), __FILE__, __LINE__)
#define zs_strdup(s) zs_alloc_strdup((s), __FILE__, __LINE__)
#define zs_strndup(s, n) zs_alloc_strndup((s), (n), __FILE__, __LINE__)

#else

static inline void *zs_malloc(size_t n) { return malloc(n); }
static inline void *zs_calloc(size_t count, size_t size) { return calloc(count, size); }
static inline void *zs_realloc(void *p, size_t n) { return realloc(p, n); }
/* align: a power of two that is a multiple of sizeof(void *); n may be any size (posix_memalign
 * has no rule that n be a multiple of align, which C11's aligned_alloc has). */
static inline void *zs_aligned_alloc(size_t align, size_t n) {
    void *p = NULL;
    return posix_memalign(&p, align, n ? n : align) ? NULL : p;
}
static inline char *zs_strdup(const char *s) { return strdup(s); }
static inline char *zs_strndup(const char *s, size_t n) { return strndup(s, n); }

#endif

#endif
