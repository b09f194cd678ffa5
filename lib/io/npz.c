/* npz.c — NumPy .npz archives through libzip: a zip of NAME.npy members, stored
 * (numpy.savez) or deflated (numpy.savez_compressed); numpy writes members with zip64 extra
 * fields, which libzip reads. Each member is inflated into memory, checked against its CRC
 * by libzip, and decoded by the .npy codec (npy.c). */
#include "io/atomic_internal.h"
#include "io/npy_internal.h"
#include "io/input_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

struct zs_npz {
    zs_ctx *ctx;
    char *path;
    zip_t *zip;
    uint64_t archive_size; /* bytes of the archive: no member can hold more           */
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

static zs_status open_failed(zs_ctx *ctx, const char *label, int code) {
    if (code == ZIP_ER_EXISTS) /* libzip's name for a central directory listing a name twice */
        return zs_fail(ctx, ZS_EFORMAT, "%s: two members of the .npz (zip) archive have the same "
                       "name; each array must appear once", label);
    if (code == ZIP_ER_MEMORY) return zs_fail(ctx, ZS_ENOMEM, "%s: out of memory opening the archive", label);
    if (code == ZIP_ER_NOZIP)
        return zs_fail(ctx, ZS_EFORMAT, "%s: not a readable .npz (zip) archive, truncated or corrupt: no zip "
                       "directory at its end",
                       label);
    zip_error_t ze;
    zip_error_init_with_code(&ze, code);
    zs_status st = zs_fail(ctx, ZS_EFORMAT, "%s: not a readable .npz (zip) archive, truncated "
                           "or corrupt: %s", label, zip_error_strerror(&ze));
    zip_error_fini(&ze);
    return st;
}

/* The member list of an opened archive; takes zip (discarded on failure). */
static zs_status npz_from_zip(zs_ctx *ctx, const char *label, zip_t *zip, uint64_t size,
                              zs_npz **out) {
    zs_npz *z = zs_calloc(1, sizeof *z);
    zip_int64_t entries = zip_get_num_entries(zip, 0);
    if (!z || entries < 0) {
        free(z);
        zip_discard(zip);
        return zs_fail(ctx, ZS_ENOMEM, "%s: out of memory", label);
    }
    z->ctx = ctx;
    z->zip = zip;
    z->archive_size = size;
    z->path = zs_strdup(label);
    /* the central directory's entries are in memory already, so their count is bounded */
    z->names = zs_calloc((size_t)entries + 1, sizeof *z->names);
    z->index = zs_calloc((size_t)entries + 1, sizeof *z->index);
    if (!z->path || !z->names || !z->index) {
        zs_npz_close(z);
        return io_nomem(ctx, label, (double)entries * (double)(sizeof(char *) + sizeof(zip_uint64_t)),
                        "the member list");
    }
    for (zip_int64_t i = 0; i < entries; i++) {
        const char *name = zip_get_name(zip, (zip_uint64_t)i, 0);
        size_t len = name ? strlen(name) : 0;
        if (len < 4 || strcmp(name + len - 4, ".npy") != 0) continue; /* not an array member */
        char *copy = zs_strndup(name, len - 4);
        if (!copy) {
            zs_npz_close(z);
            return zs_fail(ctx, ZS_ENOMEM, "%s: out of memory", label);
        }
        z->names[z->n] = copy;
        z->index[z->n] = (zip_uint64_t)i;
        z->n++;
    }
    *out = z;
    return ZS_OK;
}

static zs_status open_buffer(zs_ctx *ctx, const char *label, unsigned char *copy, size_t len,
                             zs_npz **out) {
    zip_error_t ze;
    zip_error_init(&ze);
    /* the source frees copy when it is freed (freep = 1); an empty buffer libzip does not keep */
    if (!len) {
        free(copy);
        copy = NULL;
    }
    zip_source_t *src = zip_source_buffer_create(copy, len, len ? 1 : 0, &ze);
    if (!src) {
        free(copy);
        zip_error_fini(&ze);
        return zs_fail(ctx, ZS_ENOMEM, "%s: out of memory", label);
    }
    zip_t *zip = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
    if (!zip) {
        int code = zip_error_code_zip(&ze);
        zip_source_free(src);
        zip_error_fini(&ze);
        return open_failed(ctx, label, code);
    }
    zip_error_fini(&ze);
    return npz_from_zip(ctx, label, zip, len, out);
}

zs_status zs_npz_open_mem(zs_ctx *ctx, const char *label, const void *bytes, size_t len,
                          zs_npz **out) {
    if (!out || (!bytes && len)) return ZS_EINVAL;
    if (!label) label = "(memory)";
    unsigned char *copy = zs_malloc(len ? len : 1);
    if (!copy) return io_nomem(ctx, label, (double)len, "a copy of the archive");
    if (len) memcpy(copy, bytes, len);
    return open_buffer(ctx, label, copy, len, out);
}

zs_status zs_npz_open(zs_ctx *ctx, const char *path, zs_npz **out) {
    if (!path || !out) return ZS_EINVAL;
    io_file f;
    zs_status st = io_open(ctx, path, &f);
    if (st != ZS_OK) return st;
    if (f.size >= 0) { /* a regular file: libzip seeks in it and checks offsets against its size */
        io_close(&f);
        int err = 0;
        zip_t *zip = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &err);
        if (!zip) return open_failed(ctx, path, err);
        return npz_from_zip(ctx, path, zip, (uint64_t)f.size, out);
    }
    /* A pipe or a device: a zip archive is read from its end, so the stream is read into
     * memory first, up to the input limit. It must start as a zip archive does ("PK\3\4", or
     * "PK\5\6" when empty), so /dev/zero and the like are refused at their first bytes. */
    io_buf buf = {0};
    size_t got;
    st = io_buf_read(ctx, path, &buf, f.fd, 4, &got);
    if (st == ZS_OK) st = io_fifo_empty(ctx, path, f.fifo, buf.len);
    if (st == ZS_OK && (got < 4 || memcmp(buf.b, "PK", 2) != 0 ||
                        (memcmp(buf.b + 2, "\3\4", 2) != 0 && memcmp(buf.b + 2, "\5\6", 2) != 0)))
        st = zs_fail(ctx, ZS_EFORMAT, "%s: not an .npz (zip) archive: it does not start with a "
                     "zip header", path);
    uint64_t limit = io_input_limit(ctx);
    size_t cap = limit >= SIZE_MAX ? SIZE_MAX - 1 : (size_t)limit;
    if (st == ZS_OK) st = io_buf_read(ctx, path, &buf, f.fd, cap + 1 - buf.len, &got);
    io_close(&f);
    if (st == ZS_OK && buf.len > cap) {
        char b1[32];
        st = zs_fail(ctx, ZS_ETOOBIG, "%s: a stream (not a regular file) longer than the input "
                     "limit of %s (ZSUM_INPUT_LIMIT)", path, zs_format_bytes(b1, (double)limit));
    }
    if (st != ZS_OK) {
        free(buf.b);
        return st;
    }
    return open_buffer(ctx, path, buf.b, buf.len, out);
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

/* The member's declared size is a claim: check it against what the archive can hold before
 * allocating. Stored: the data is the member's bytes. Deflated: at most 1032 bytes per
 * compressed byte (deflate's largest ratio), and never above the input limit. */
static zs_status member_size(zs_npz *z, const char *name, long k, size_t *len) {
    zs_ctx *ctx = z->ctx;
    zip_stat_t sb;
    if (zip_stat_index(z->zip, z->index[k], 0, &sb) != 0 || !(sb.valid & ZIP_STAT_SIZE) ||
        !(sb.valid & ZIP_STAT_COMP_SIZE) || !(sb.valid & ZIP_STAT_COMP_METHOD))
        return zs_fail(ctx, ZS_EFORMAT, "%s: member %s.npy is unreadable: %s", z->path, name,
                       zip_strerror(z->zip));
    char b1[32], b2[32];
    if (sb.comp_size > z->archive_size)
        return zs_fail(ctx, ZS_EFORMAT, "%s: member %s.npy claims %llu compressed bytes, the archive "
                       "holds %llu", z->path, name, (unsigned long long)sb.comp_size,
                       (unsigned long long)z->archive_size);
    if (sb.comp_method == ZIP_CM_STORE) {
        if (sb.size != sb.comp_size)
            return zs_fail(ctx, ZS_EFORMAT, "%s: member %s.npy is stored (not compressed) but "
                           "claims %llu bytes in %llu", z->path, name, (unsigned long long)sb.size,
                           (unsigned long long)sb.comp_size);
    } else if (sb.comp_method == ZIP_CM_DEFLATE) {
        uint64_t most;
        if (__builtin_mul_overflow((uint64_t)sb.comp_size, (uint64_t)IO_DEFLATE_MAX_RATIO, &most))
            most = UINT64_MAX;
        if (sb.size > most + IO_DEFLATE_MAX_RATIO)
            return zs_fail(ctx, ZS_EFORMAT, "%s: member %s.npy claims %s uncompressed from %llu "
                           "compressed bytes, beyond deflate's largest ratio (1032:1)", z->path,
                           name, zs_format_bytes(b1, (double)sb.size),
                           (unsigned long long)sb.comp_size);
        if (sb.size > io_input_limit(ctx))
            return zs_fail(ctx, ZS_ETOOBIG, "%s: member %s.npy unpacks to %s, above the input "
                           "limit of %s (ZSUM_INPUT_LIMIT)", z->path, name,
                           zs_format_bytes(b1, (double)sb.size),
                           zs_format_bytes(b2, (double)io_input_limit(ctx)));
    } else {
        return zs_fail(ctx, ZS_EFORMAT, "%s: member %s.npy uses zip compression method %u; an .npz "
                       "is stored or deflated", z->path, name, (unsigned)sb.comp_method);
    }
    if (sb.size > (zip_uint64_t)SIZE_MAX / 2)
        return zs_fail(ctx, ZS_ETOOBIG, "%s: member %s.npy is too large", z->path, name);
    *len = (size_t)sb.size;
    return ZS_OK;
}

/* The member's len bytes into buf, read to the end so that libzip checks the CRC. */
static zs_status member_read(zs_npz *z, const char *name, long k, unsigned char *buf, size_t len) {
    zs_ctx *ctx = z->ctx;
    zip_file_t *f = zip_fopen_index(z->zip, z->index[k], 0);
    if (!f)
        return zs_fail(ctx, ZS_EFORMAT, "%s: cannot open member %s.npy: %s", z->path, name,
                       zip_strerror(z->zip));
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
    if (st == ZS_OK) {
        unsigned char extra;
        if (zip_fread(f, &extra, 1) < 0)
            st = zs_fail(ctx, ZS_EFORMAT, "%s: member %s.npy is corrupt: %s", z->path, name,
                         zip_file_strerror(f));
    }
    zip_fclose(f);
    return st;
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
    size_t len = 0;
    zs_status st = member_size(z, name, k, &len);
    if (st != ZS_OK) return st;
    unsigned char *buf = zs_malloc(len ? len : 1);
    if (!buf) {
        char what[300];
        snprintf(what, sizeof what, "member %s.npy", name);
        return io_nomem(ctx, z->path, (double)len, what);
    }
    st = member_read(z, name, k, buf, len);
    if (st == ZS_OK) {
        size_t ll = strlen(z->path) + strlen(name) + 8;
        char *label = zs_malloc(ll);
        if (!label) st = zs_fail(ctx, ZS_ENOMEM, "%s: out of memory", z->path);
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
        *bytes = zs_malloc(sizeof empty);
        if (!*bytes) return zs_fail(ctx, ZS_ENOMEM, "%s: out of memory", path);
        memcpy(*bytes, empty, sizeof empty);
        *len = sizeof empty;
        return ZS_OK;
    }
    size_t n = (size_t)sb.size;
    *bytes = zs_malloc(n);
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
    unsigned char **bufs = zs_calloc(n + 1, sizeof *bufs);
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
