/* alloc.c — libzsum's allocations, counted and failed on request (lib/core/alloc.h,
 * lib/core/alloc_hook.h). Compiled to nothing unless ZSUM_ALLOC_HOOK is defined: the Release
 * build calls the C library through alloc.h's inline functions.
 *
 * This is the library's one piece of global mutable state, and it exists only in the test
 * build: a counter shared by every context, so that a test can fail an allocation deep inside
 * any call without threading a hook through every function. */
#ifdef ZSUM_ALLOC_HOOK

#include "core/alloc.h"
#include "core/alloc_hook.h"

#include <stdatomic.h>

static _Atomic uint64_t alloc_count;   /* allocations since zs_alloc_fail_at          */
static _Atomic uint64_t alloc_fail_n;  /* the one to fail (1-based); 0: none          */
static _Atomic int alloc_fired;        /* it has been failed                          */
static const char *_Atomic fired_file; /* which one, for the test's message           */
static _Atomic int fired_line;
static _Atomic size_t fired_bytes;
static zs_alloc_trace_fn _Atomic trace_fn;
static void *_Atomic trace_user;

void zs_alloc_fail_at(uint64_t n) {
    atomic_store(&alloc_fired, 0);
    atomic_store(&alloc_count, 0);
    atomic_store(&alloc_fail_n, n);
}

uint64_t zs_alloc_count(void) { return atomic_load(&alloc_count); }

void zs_alloc_trace(zs_alloc_trace_fn fn, void *user) {
    atomic_store(&trace_user, user);
    atomic_store(&trace_fn, fn);
}

int zs_alloc_failed(const char **file, int *line, size_t *bytes) {
    int fired = atomic_load(&alloc_fired);
    if (fired) {
        if (file) *file = atomic_load(&fired_file);
        if (line) *line = atomic_load(&fired_line);
        if (bytes) *bytes = atomic_load(&fired_bytes);
    }
    return fired;
}

/* Count one allocation; nonzero when it is the one to fail. */
static int should_fail(const char *file, int line, size_t bytes) {
    uint64_t k = atomic_fetch_add(&alloc_count, 1) + 1;
    zs_alloc_trace_fn fn = atomic_load(&trace_fn);
    if (fn) fn(atomic_load(&trace_user), k, file, line, bytes);
    if (k != atomic_load(&alloc_fail_n)) return 0;
    atomic_store(&fired_file, file);
    atomic_store(&fired_line, line);
    atomic_store(&fired_bytes, bytes);
    atomic_store(&alloc_fired, 1);
    return 1;
}

void *zs_alloc_malloc(size_t n, const char *file, int line) {
    return should_fail(file, line, n) ? NULL : malloc(n);
}

void *zs_alloc_calloc(size_t count, size_t size, const char *file, int line) {
    size_t bytes = size && count > (size_t)-1 / size ? (size_t)-1 : count * size;
    return should_fail(file, line, bytes) ? NULL : calloc(count, size);
}

/* A failed realloc leaves p as it was, as realloc does. */
void *zs_alloc_realloc(void *p, size_t n, const char *file, int line) {
    return should_fail(file, line, n) ? NULL : realloc(p, n);
}

void *zs_alloc_aligned(size_t align, size_t n, const char *file, int line) {
    void *p = NULL;
    if (should_fail(file, line, n)) return NULL;
    return posix_memalign(&p, align, n ? n : align) ? NULL : p;
}

char *zs_alloc_strdup(const char *s, const char *file, int line) {
    return should_fail(file, line, strlen(s) + 1) ? NULL : strdup(s);
}

char *zs_alloc_strndup(const char *s, size_t n, const char *file, int line) {
    return should_fail(file, line, strnlen(s, n) + 1) ? NULL : strndup(s, n);
}

#else

/* ISO C forbids an empty translation unit. */
typedef int zs_alloc_hook_absent;

#endif
