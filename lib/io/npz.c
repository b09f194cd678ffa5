/* npz.c — NumPy .npz archives through libzip: a zip of NAME.npy members, stored
 * (numpy.savez) or deflated (numpy.savez_compressed); numpy writes members with zip64 extra
 * fields, which libzip reads. Each member is inflated into memory, checked against its CRC
 * by libzip, and decoded by the .npy codec (npy.c). */
#include "io/atomic_internal.h"
#include "io/npy_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

struct zs_npz {
    zs_ctx *ctx;
    char *path;
    zip_t *zip;
    size_t n;
    char **names;        /* array names (member name without ".npy")            */
    zip_uint64_t *index; /* libzip index of each member                          */
};

void zs_npz_close(zs_npz *z) {
    if (!z) return;
    if (z->zip) zip_discard(z->zip);
    for (size_t i = 0; i < z->n; i++) free(z->names[i]);
    free(z->names);
    free(z->index);
    free(z->path);
    free(z);
}

zs_status zs_npz_open(zs_ctx *ctx, const char *path, zs_npz **out) {
    if (!path || !out) return ZS_EINVAL;
    FILE *probe = fopen(path, "rb");
    if (!probe) return zs_fail(ctx, ZS_EIO, "%s: cannot open: %s", path, strerror(errno));
    fclose(probe);
    int err = 0;
    zip_t *zip = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &err);
    if (!zip) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, err);
        zs_status st = zs_fail(ctx, ZS_EFORMAT, "%s: not a readable .npz (zip) archive, truncated "
                               "or corrupt: %s", path, zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return st;
    }
    zs_npz *z = calloc(1, sizeof *z);
    zip_int64_t entries = zip_get_num_entries(zip, 0);
    if (!z || entries < 0) {
        free(z);
        zip_discard(zip);
        return zs_fail(ctx, ZS_ENOMEM, "%s: out of memory", path);
    }
    z->ctx = ctx;
    z->zip = zip;
    z->path = strdup(path);
    z->names = calloc((size_t)entries + 1, sizeof *z->names);
    z->index = calloc((size_t)entries + 1, sizeof *z->index);
    if (!z->path || !z->names || !z->index) {
        zs_npz_close(z);
        return zs_fail(ctx, ZS_ENOMEM, "%s: out of memory", path);
    }
    for (zip_int64_t i = 0; i < entries; i++) {
        const char *name = zip_get_name(zip, (zip_uint64_t)i, 0);
        size_t len = name ? strlen(name) : 0;
        if (len < 4 || strcmp(name + len - 4, ".npy") != 0) continue; /* not an array member */
        char *copy = strndup(name, len - 4);
        if (!copy) {
            zs_npz_close(z);
            return zs_fail(ctx, ZS_ENOMEM, "%s: out of memory", path);
        }
        z->names[z->n] = copy;
        z->index[z->n] = (zip_uint64_t)i;
        z->n++;
    }
    *out = z;
    return ZS_OK;
}

size_t zs_npz_count(const zs_npz *z) { return z ? z->n : 0; }

const char *zs_npz_name(const zs_npz *z, size_t i) {
    return z && i < z->n ? z->names[i] : NULL;
}

static long find(const zs_npz *z, const char *name) {
    for (size_t i = 0; i < z->n; i++)
        if (!strcmp(z->names[i], name)) return (long)i;
    return -1;
}

int zs_npz_has(const zs_npz *z, const char *name) {
    return z && name && find(z, name) >= 0;
}

zs_status zs_npz_get(zs_npz *z, const char *name, zs_array **out) {
    if (!z || !name || !out) return ZS_EINVAL;
    zs_ctx *ctx = z->ctx;
    long k = find(z, name);
    if (k < 0) {
        char list[256] = "";
        size_t used = 0;
        for (size_t i = 0; i < z->n && used < sizeof list; i++) {
            int w = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", z->names[i]);
            if (w > 0) used += (size_t)w;
        }
        return zs_fail(ctx, ZS_EFORMAT, "%s: no array '%s' (arrays present: %s)", z->path, name,
                       z->n ? list : "none");
    }
    zip_stat_t sb;
    if (zip_stat_index(z->zip, z->index[k], 0, &sb) != 0 || !(sb.valid & ZIP_STAT_SIZE))
        return zs_fail(ctx, ZS_EFORMAT, "%s: member %s.npy is unreadable: %s", z->path, name,
                       zip_strerror(z->zip));
    if (sb.size > (zip_uint64_t)SIZE_MAX / 2)
        return zs_fail(ctx, ZS_ETOOBIG, "%s: member %s.npy is too large", z->path, name);
    size_t len = (size_t)sb.size;
    unsigned char *buf = malloc(len ? len : 1);
    if (!buf) return zs_fail(ctx, ZS_ENOMEM, "%s: out of memory for %s.npy (%zu bytes)", z->path, name, len);
    zip_file_t *f = zip_fopen_index(z->zip, z->index[k], 0);
    if (!f) {
        free(buf);
        return zs_fail(ctx, ZS_EFORMAT, "%s: cannot open member %s.npy: %s", z->path, name,
                       zip_strerror(z->zip));
    }
    size_t got = 0;
    zs_status st = ZS_OK;
    while (got < len) {
        zip_int64_t r = zip_fread(f, buf + got, len - got);
        if (r < 0) {
            st = zs_fail(ctx, ZS_EFORMAT, "%s: member %s.npy is corrupt: %s", z->path, name,
                         zip_file_strerror(f));
            break;
        }
        if (r == 0) {
            st = zs_fail(ctx, ZS_EFORMAT, "%s: member %s.npy is truncated (%zu of %zu bytes)",
                         z->path, name, got, len);
            break;
        }
        got += (size_t)r;
    }
    if (st == ZS_OK) { /* reading to the end makes libzip check the CRC */
        unsigned char extra;
        zip_int64_t r = zip_fread(f, &extra, 1);
        if (r < 0)
            st = zs_fail(ctx, ZS_EFORMAT, "%s: member %s.npy is corrupt: %s", z->path, name,
                         zip_file_strerror(f));
    }
    zip_fclose(f);
    if (st == ZS_OK) {
        size_t ll = strlen(z->path) + strlen(name) + 8;
        char *label = malloc(ll);
        if (!label) st = zs_fail(ctx, ZS_ENOMEM, "out of memory");
        else {
            snprintf(label, ll, "%s:%s.npy", z->path, name);
            st = zs_npy_read_mem(ctx, label, buf, len, out);
            free(label);
        }
    }
    free(buf);
    return st;
}

zs_status zs_npz_read(zs_ctx *ctx, const char *path, const char *name, zs_array **out) {
    zs_npz *z;
    zs_status st = zs_npz_open(ctx, path, &z);
    if (st != ZS_OK) return st;
    st = zs_npz_get(z, name, out);
    zs_npz_close(z);
    return st;
}

/* The archive is built in memory (libzip on a buffer source) and written by the library's
 * atomic writer (lib/io/atomic.c). libzip's own file writing (zip_close on a path) would
 * also go through a temporary file and a rename, but it does not fsync the file or the
 * folder, so after a crash the new name could point at an empty or partial archive. */
static zs_status zip_to_memory_close(zs_ctx *ctx, const char *path, zip_t *zip, zip_source_t *mem,
                                     unsigned char **bytes, size_t *len) {
    *bytes = NULL;
    *len = 0;
    if (zip_close(zip) != 0) {
        zs_status st = zs_fail(ctx, ZS_EIO, "%s: cannot write: %s", path, zip_strerror(zip));
        zip_discard(zip);
        return st;
    }
    zip_stat_t sb;
    zip_stat_init(&sb);
    /* libzip leaves an archive with no member empty: its file form is the 22-byte end of
     * central directory record alone (APPNOTE.TXT 4.3.16), all zero but the signature. */
    if (zip_source_stat(mem, &sb) != 0 || !(sb.valid & ZIP_STAT_SIZE) || sb.size == 0) {
        static const unsigned char empty[22] = {'P', 'K', 5, 6};
        *bytes = malloc(sizeof empty);
        if (!*bytes) return zs_fail(ctx, ZS_ENOMEM, "%s: out of memory", path);
        memcpy(*bytes, empty, sizeof empty);
        *len = sizeof empty;
        return ZS_OK;
    }
    size_t n = (size_t)sb.size;
    *bytes = malloc(n);
    if (!*bytes) return zs_fail(ctx, ZS_ENOMEM, "%s: out of memory for %zu bytes", path, n);
    if (zip_source_open(mem) != 0) {
        free(*bytes);
        *bytes = NULL;
        return zs_fail(ctx, ZS_EIO, "%s: %s", path, zip_error_strerror(zip_source_error(mem)));
    }
    zip_int64_t got = zip_source_read(mem, *bytes, n);
    zip_source_close(mem);
    if (got < 0 || (size_t)got != n) {
        free(*bytes);
        *bytes = NULL;
        return zs_fail(ctx, ZS_EIO, "%s: cannot read the archive back from memory", path);
    }
    *len = n;
    return ZS_OK;
}

zs_status zs_npz_write(zs_ctx *ctx, const char *path, size_t n, const char *const *names,
                       const zs_array *const *arrays, int compress) {
    if (!path || (n && (!names || !arrays))) return ZS_EINVAL;
    unsigned char **bufs = calloc(n + 1, sizeof *bufs);
    if (!bufs) return zs_fail(ctx, ZS_ENOMEM, "%s: out of memory", path);
    zs_status st = ZS_OK;
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *mem = zip_source_buffer_create(NULL, 0, 0, &ze);
    zip_t *zip = NULL;
    if (mem) {
        zip_source_keep(mem); /* it outlives zip_close, which writes the archive into it */
        zip = zip_open_from_source(mem, ZIP_CREATE | ZIP_TRUNCATE, &ze);
    }
    if (!zip) {
        if (mem) zip_source_free(mem); /* the reference zip_open_from_source did not take */
        st = zs_fail(ctx, ZS_ENOMEM, "%s: cannot start the archive: %s", path, zip_error_strerror(&ze));
    }
    zip_error_fini(&ze);
    for (size_t i = 0; st == ZS_OK && i < n; i++) {
        size_t len;
        st = npy_serialize(ctx, arrays[i], &bufs[i], &len);
        if (st != ZS_OK) break;
        char member[256];
        if (snprintf(member, sizeof member, "%s.npy", names[i]) >= (int)sizeof member) {
            st = zs_fail(ctx, ZS_EINVAL, "npz: array name '%s' is too long", names[i]);
            break;
        }
        /* The buffer must outlive zip_close (libzip reads sources then), so it is freed below. */
        zip_source_t *src = zip_source_buffer(zip, bufs[i], len, 0);
        zip_int64_t idx = src ? zip_file_add(zip, member, src, ZIP_FL_OVERWRITE | ZIP_FL_ENC_UTF_8) : -1;
        if (idx < 0) {
            if (src) zip_source_free(src);
            st = zs_fail(ctx, ZS_EIO, "%s: cannot add %s: %s", path, member, zip_strerror(zip));
            break;
        }
        /* A fixed time stamp (1980-01-03, just after the zip epoch in any time zone) makes equal arrays give equal bytes. */
        if (zip_file_set_mtime(zip, (zip_uint64_t)idx, 315705600, 0)  != 0) {
            st = zs_fail(ctx, ZS_EIO, "%s: cannot set the time stamp: %s", path, zip_strerror(zip));
            break;
        }
        if (zip_set_file_compression(zip, (zip_uint64_t)idx, compress ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0) != 0) {
            st = zs_fail(ctx, ZS_EIO, "%s: cannot set compression: %s", path, zip_strerror(zip));
            break;
        }
    }
    unsigned char *bytes = NULL;
    size_t len = 0;
    if (st == ZS_OK) st = zip_to_memory_close(ctx, path, zip, mem, &bytes, &len);
    else if (zip) zip_discard(zip);
    if (st == ZS_OK) st = io_write_atomic(ctx, path, bytes, len);
    free(bytes);
    if (mem) zip_source_free(mem);
    for (size_t i = 0; i < n; i++) free(bufs[i]);
    free(bufs);
    return st;
}
