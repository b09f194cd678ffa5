/* fuzz_util.c — the fuzz input as a file for readers that take a path (see fuzz_util.h).
 *
 * A reader that also takes bytes in memory (zs_npy_read_mem, zs_factor_parse_uai, ...) is
 * called with data and size directly; fuzz_file exists for the rest. When such a reader gains
 * an in-memory entry point, its target calls that entry point on (data, size) instead of
 * opening fuzz_file's path, and keeps the path call only while the file-reading code (size
 * checks, stream reads) is worth covering separately. */
#define _GNU_SOURCE /* memfd_create */
#include "fuzz_util.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zip.h>

static char dir[64];
static int mem_fd = -1;
static char link_path[PATH_MAX];
static char link_target[64];

static void die(const char *what) {
    fprintf(stderr, "fuzz_util: %s: %s\n", what, strerror(errno));
    abort();
}

static void remove_dir(void) {
    if (link_path[0]) unlink(link_path);
    rmdir(dir);
}

const char *fuzz_dir(void) {
    if (!dir[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/zsum-fuzz-XXXXXX", tmp && strlen(tmp) < 40 ? tmp : "/tmp");
        if (!mkdtemp(dir)) die("mkdtemp");
        atexit(remove_dir);
    }
    return dir;
}

const char *fuzz_file(const uint8_t *data, size_t size, const char *suffix) {
    if (mem_fd < 0) {
        mem_fd = memfd_create("zsum-fuzz-input", 0);
        if (mem_fd < 0) die("memfd_create");
        snprintf(link_target, sizeof link_target, "/proc/self/fd/%d", mem_fd);
    }
    if (ftruncate(mem_fd, 0) != 0) die("ftruncate");
    for (size_t done = 0; done < size;) {
        ssize_t w = pwrite(mem_fd, data + done, size - done, (off_t)done);
        if (w <= 0) die("pwrite");
        done += (size_t)w;
    }
    char want[PATH_MAX];
    snprintf(want, sizeof want, "%s/input%s", fuzz_dir(), suffix);
    if (strcmp(want, link_path) != 0) {
        if (link_path[0]) unlink(link_path);
        unlink(want);
        if (symlink(link_target, want) != 0) die("symlink");
        memcpy(link_path, want, sizeof link_path);
    }
    return link_path;
}

/* The archive is built in memory (a libzip buffer source) and handed to fuzz_file: no file
 * is created, written and renamed in the folder at every input. The separator is found with
 * memmem, one call per record: a memcmp at every byte offset cost a fifth of the hopfield_load
 * target's time (libFuzzer traces every memcmp's operands). */
static size_t zip_bytes(zip_source_t *src, uint8_t **out) {
    *out = NULL;
    zip_stat_t st;
    if (zip_source_stat(src, &st) != 0 || !(st.valid & ZIP_STAT_SIZE) || st.size == 0) return 0;
    uint8_t *b = malloc((size_t)st.size);
    if (!b) abort();
    if (zip_source_open(src) != 0) abort();
    zip_int64_t got = zip_source_read(src, b, st.size);
    zip_source_close(src);
    if (got != (zip_int64_t)st.size) abort();
    *out = b;
    return (size_t)st.size;
}

const char *fuzz_npz(const uint8_t *data, size_t size) {
    static char absent[PATH_MAX];
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *mem = zip_source_buffer_create(NULL, 0, 0, &ze);
    if (!mem) abort();
    zip_source_keep(mem); /* it outlives zip_close, which writes the archive into it */
    zip_t *za = zip_open_from_source(mem, ZIP_TRUNCATE, &ze);
    if (!za) abort();
    const size_t sep_len = sizeof FUZZ_NPZ_SEP - 1;
    const uint8_t *p = data, *end = data + size;
    int members = 0;
    while (p < end && members < 8) {
        const uint8_t *next = memmem(p, (size_t)(end - p), FUZZ_NPZ_SEP, sep_len);
        const uint8_t *rec_end = next ? next : end;
        const uint8_t *nul = memchr(p, 0, (size_t)(rec_end - p));
        if (nul && nul > p && nul - p < 64) {
            char name[64];
            memcpy(name, p, (size_t)(nul - p));
            name[nul - p] = 0;
            /* The source keeps a pointer into data, which outlives zip_close below. */
            zip_source_t *src = zip_source_buffer(za, nul + 1, (zip_uint64_t)(rec_end - nul - 1), 0);
            zip_int64_t idx = src ? zip_file_add(za, name, src, ZIP_FL_OVERWRITE) : -1;
            if (idx < 0)
                zip_source_free(src);
            else {
                zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_STORE, 0);
                members++;
            }
        }
        p = next ? next + sep_len : end;
    }
    if (zip_close(za) != 0) {
        zip_discard(za);
        zip_source_free(mem);
        return NULL;
    }
    uint8_t *bytes;
    size_t len = zip_bytes(mem, &bytes);
    zip_source_free(mem);
    if (!len) {
        /* An archive with no member is not written by libzip at all: the reader then sees a
         * missing file, which is a path worth covering too. */
        snprintf(absent, sizeof absent, "%s/absent.npz", fuzz_dir());
        return absent;
    }
    const char *path = fuzz_file(bytes, len, ".npz");
    free(bytes);
    return path;
}

zs_ctx *fuzz_ctx(void) {
    static zs_ctx *ctx;
    if (!ctx) {
        ctx = zs_ctx_alloc();
        if (!ctx) abort();
        zs_ctx_set_threads(ctx, 1);
    }
    return ctx;
}
