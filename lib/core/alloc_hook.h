/* alloc_hook.h — the allocation-failure hook for tests (lib/core/alloc.c). Declared only in a
 * build with ZSUM_ALLOC_HOOK (CMake option ZSUM_ALLOC_HOOK, on in the sanitized build); a
 * Release build has neither the hook nor its symbols. Not part of the public headers.
 *
 * The hook counts every allocation libzsum makes through lib/core/alloc.h (not those that
 * OpenBLAS, libzip, zlib, libpng, GMP or the OpenMP runtime make for themselves) and fails
 * the n-th one counted after zs_alloc_fail_at(n): that call returns NULL as malloc does when
 * memory runs out, and the calls after it succeed again. The counter is atomic, so a parallel
 * region does not corrupt it; which allocation is the n-th is reproducible only where
 * allocations are made in a fixed order (one thread). */
#ifndef ZSUM_CORE_ALLOC_HOOK_H
#define ZSUM_CORE_ALLOC_HOOK_H

#include <stddef.h>
#include <stdint.h>

#ifdef ZSUM_ALLOC_HOOK

/* Restart the count and fail the n-th allocation from now (1 = the next one); 0 fails none. */
void zs_alloc_fail_at(uint64_t n);
/* Allocations counted since the last zs_alloc_fail_at. */
uint64_t zs_alloc_count(void);
/* Whether the allocation chosen by zs_alloc_fail_at has been failed; if so, *file, *line and
 * *bytes (any may be NULL) say which one and how much it asked for. */
int zs_alloc_failed(const char **file, int *line, size_t *bytes);
/* Call fn for every allocation counted from now (k: its number since zs_alloc_fail_at, from
 * 1), until zs_alloc_trace(NULL, NULL): a test learns which site each allocation is. fn may
 * be called from several threads at once where the library runs several. */
typedef void (*zs_alloc_trace_fn)(void *user, uint64_t k, const char *file, int line, size_t bytes);
void zs_alloc_trace(zs_alloc_trace_fn fn, void *user);

#endif

#endif
