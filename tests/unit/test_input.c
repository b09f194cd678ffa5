/* test_input.c — bounded reading of untrusted files (lib/io/input.c, npy.c, npz.c, idx.c):
 * headers whose claims exceed the bytes present, streams (FIFOs), devices, directories,
 * sparse files and decompression bombs are refused before their claims are allocated, with a
 * message naming the source and the problem; the parse-from-memory entry points
 * (zs_npy_read_mem, zs_npz_open_mem, zs_idx_read_mem) agree with the path readers. */
#include "zsum.h"
#include "check.h"

#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#define path_in check_path

static void write_bytes(const char *p, const void *b, size_t n) {
    FILE *f = fopen(p, "wb");
    if (!f) return;
    if (n) fwrite(b, 1, n, f);
    fclose(f);
}

static unsigned char *read_bytes(const char *p, size_t *n) {
    FILE *f = fopen(p, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)size + 1);
    *n = fread(b, 1, (size_t)size, f);
    fclose(f);
    return b;
}

/* A .npy of 128 bytes: the preamble and a header padded to 118 bytes, no data. */
static size_t npy_header(unsigned char *out, const char *descr, const char *shape) {
    char h[200];
    int n = snprintf(h, sizeof h, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shape);
    memset(h + n, ' ', (size_t)(117 - n));
    h[117] = '\n';
    memcpy(out, "\x93NUMPY\x01\x00", 8);
    out[8] = 118;
    out[9] = 0;
    memcpy(out + 10, h, 118);
    return 128;
}

/* gzip of n bytes (malloc'd). */
static unsigned char *gz(const unsigned char *in, size_t n, size_t *len) {
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY);
    size_t cap = deflateBound(&zs, (uLong)n) + 64;
    unsigned char *out = malloc(cap);
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)n;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    deflate(&zs, Z_FINISH);
    *len = zs.total_out;
    deflateEnd(&zs);
    return out;
}

/* Make a FIFO and fork a writer that sends n bytes of b into it (then exits). */
static pid_t fifo_writer(const char *fifo, const unsigned char *b, size_t n) {
    unlink(fifo);
    if (mkfifo(fifo, 0600) != 0) return -1;
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGPIPE, SIG_DFL);
        int fd = open(fifo, O_WRONLY);
        size_t done = 0;
        while (fd >= 0 && done < n) {
            ssize_t w = write(fd, b + done, n - done);
            if (w <= 0) break;
            done += (size_t)w;
        }
        _exit(0);
    }
    return pid;
}

static void reap(pid_t pid) {
    if (pid <= 0) return;
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
}

static int has(zs_ctx *ctx, const char *s) {
    return strstr(zs_last_error(ctx), s) != NULL;
}

static void npy_header_claiming_88_gb_is_refused_before_allocating(void) {
    zs_ctx *ctx = zs_ctx_alloc();
    unsigned char b[256];
    size_t n = npy_header(b, "<f8", "(100000, 118111)");
    CHECK(n == 128);
    zs_array *a = NULL;
    CHECK(zs_npy_read_mem(ctx, "x.npy", b, n, &a) == ZS_EFORMAT && !a);
    CHECK(has(ctx, "x.npy: truncated") && has(ctx, "94488800000 bytes (88.0 GiB)") &&
          has(ctx, "holds 0 after the header"));
    write_bytes(path_in("claims.npy"), b, n);
    CHECK(zs_npy_read(ctx, path_in("claims.npy"), &a) == ZS_EFORMAT && !a);
    CHECK(has(ctx, "claims.npy: truncated") && has(ctx, "(88.0 GiB)"));
    /* a shape whose element count overflows 64 bits */
    n = npy_header(b, "<f8", "(4294967296, 4294967296, 2)");
    CHECK(zs_npy_read_mem(ctx, "o.npy", b, n, &a) == ZS_EFORMAT && has(ctx, "more elements than any memory holds"));
    /* a version-2 header length of 4 GiB in a 12-byte buffer */
    unsigned char v2[12] = {0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0, 0xff, 0xff, 0xff, 0xff};
    CHECK(zs_npy_read_mem(ctx, "h.npy", v2, 12, &a) == ZS_EFORMAT && has(ctx, "h.npy: the .npy header claims 4294967295 bytes"));
    /* NULL label */
    CHECK(zs_npy_read_mem(ctx, NULL, v2, 3, &a) == ZS_EFORMAT && has(ctx, "(memory): not a .npy file"));
    zs_ctx_free(ctx);
}

static void npy_path_and_memory_readers_agree(void) {
    zs_ctx *ctx = zs_ctx_alloc();
    uint64_t shape[2] = {3, 5};
    zs_array *w = NULL, *a = NULL, *m = NULL;
    zs_array_alloc(ctx, ZS_DTYPE_F4, 2, shape, &w);
    for (size_t i = 0; i < 15; i++) zs_array_data(w)[i] = (double)(float)(0.25 * (double)i - 1.0);
    CHECK(zs_npy_write(ctx, path_in("w.npy"), w) == ZS_OK);
    size_t n = 0;
    unsigned char *b = read_bytes(path_in("w.npy"), &n);
    CHECK(zs_npy_read(ctx, path_in("w.npy"), &a) == ZS_OK);
    CHECK(zs_npy_read_mem(ctx, "w", b, n, &m) == ZS_OK);
    if (a && m) {
        CHECK(zs_array_size(a) == 15 && zs_array_size(m) == 15);
        CHECK(!memcmp(zs_array_cdata(a), zs_array_cdata(w), 15 * sizeof(double)));
        CHECK(!memcmp(zs_array_cdata(m), zs_array_cdata(w), 15 * sizeof(double)));
    }
    zs_array_free(a);
    a = NULL;
    /* through a FIFO: read incrementally, the same array */
    pid_t pid = fifo_writer(path_in("w.fifo"), b, n);
    CHECK(zs_npy_read(ctx, path_in("w.fifo"), &a) == ZS_OK);
    reap(pid);
    if (a) CHECK(!memcmp(zs_array_cdata(a), zs_array_cdata(w), 15 * sizeof(double)));
    zs_array_free(a);
    a = NULL;
    /* a FIFO sending one byte more than the header claims */
    unsigned char *more = malloc(n + 1);
    memcpy(more, b, n);
    more[n] = 0;
    pid = fifo_writer(path_in("w.fifo"), more, n + 1);
    CHECK(zs_npy_read(ctx, path_in("w.fifo"), &a) == ZS_EFORMAT && has(ctx, "size mismatch"));
    reap(pid);
    free(more);
    free(b);
    zs_array_free(w);
    zs_array_free(m);
    zs_ctx_free(ctx);
}

static void npy_stream_claims_are_capped_by_the_input_limit(void) {
    zs_ctx *ctx = zs_ctx_alloc();
    unsigned char b[256];
    size_t n = npy_header(b, "<f8", "(100000, 118111)");
    zs_array *a = NULL;
    pid_t pid = fifo_writer(path_in("c.fifo"), b, n);
    CHECK(zs_npy_read(ctx, path_in("c.fifo"), &a) == ZS_ETOOBIG && !a);
    CHECK(has(ctx, "c.fifo: the .npy header claims 88.0 GiB of data") && has(ctx, "input limit of 1.0 GiB"));
    reap(pid);
    /* with the limit raised, the stream is read to its end (128 bytes) and found truncated */
    zs_ctx_set_input_limit(ctx, UINT64_C(1) << 50);
    pid = fifo_writer(path_in("c.fifo"), b, n);
    CHECK(zs_npy_read(ctx, path_in("c.fifo"), &a) == ZS_EFORMAT && has(ctx, "truncated"));
    reap(pid);
    zs_ctx_free(ctx);
}

/* Every reader on a directory, /dev/zero and a 10 GB sparse file. */
static void directories_devices_and_sparse_files_are_refused_at_once(void) {
    zs_ctx *ctx = zs_ctx_alloc();
    zs_array *a = NULL;
    zs_npz *z = NULL;
    mkdir(path_in("d.npy"), 0700);
    CHECK(zs_npy_read(ctx, path_in("d.npy"), &a) == ZS_EIO && has(ctx, "d.npy: is a directory"));
    CHECK(zs_npz_open(ctx, path_in("d.npy"), &z) == ZS_EIO && has(ctx, "d.npy: is a directory"));
    CHECK(zs_idx_read(ctx, path_in("d.npy"), &a) == ZS_EIO && has(ctx, "d.npy: is a directory"));
    /* a device is refused before a byte is read, as zs_read_input refuses it */
    CHECK(zs_npy_read(ctx, "/dev/zero", &a) == ZS_EIO && has(ctx, "/dev/zero: is a character device"));
    CHECK(zs_npz_open(ctx, "/dev/zero", &z) == ZS_EIO && has(ctx, "/dev/zero: is a character device"));
    CHECK(zs_idx_read(ctx, "/dev/zero", &a) == ZS_EIO && has(ctx, "/dev/zero: is a character device"));
    /* a FIFO nobody writes to reads as empty instead of hanging in open */
    unlink(path_in("n.fifo"));
    if (mkfifo(path_in("n.fifo"), 0600) == 0) {
        CHECK(zs_npy_read(ctx, path_in("n.fifo"), &a) == ZS_EFORMAT && has(ctx, "n.fifo: a FIFO (named pipe) with nothing to read (no writer)"));
        CHECK(zs_npz_open(ctx, path_in("n.fifo"), &z) == ZS_EFORMAT && has(ctx, "n.fifo: a FIFO (named pipe) with nothing to read (no writer)"));
        CHECK(zs_idx_read(ctx, path_in("n.fifo"), &a) == ZS_EFORMAT && has(ctx, "n.fifo: a FIFO (named pipe) with nothing to read (no writer)"));
        unlink(path_in("n.fifo"));
    }
    const char *sp = path_in("sparse");
    int fd = open(sp, O_CREAT | O_WRONLY | O_TRUNC, 0600);
    int made = fd >= 0 && ftruncate(fd, (off_t)10 << 30) == 0;
    if (fd >= 0) close(fd);
    if (made) {
        CHECK(zs_npy_read(ctx, sp, &a) == ZS_EFORMAT && has(ctx, "not a .npy file"));
        CHECK(zs_npz_open(ctx, sp, &z) == ZS_EFORMAT && has(ctx, "no zip directory at its end"));
        CHECK(zs_idx_read(ctx, sp, &a) == ZS_EFORMAT && has(ctx, "IDX type code 0x00 is unknown"));
    } else {
        printf("SKIP sparse file: cannot make a 10 GB sparse file here\n");
    }
    unlink(sp);
    CHECK(!a && !z);
    zs_ctx_free(ctx);
}

static void npz_memory_reader_agrees_and_member_sizes_are_capped(void) {
    zs_ctx *ctx = zs_ctx_alloc();
    uint64_t shape[1] = {4096};
    zs_array *w = NULL, *a = NULL;
    zs_array_alloc(ctx, ZS_DTYPE_F8, 1, shape, &w); /* zeros: deflates ~1000:1 */
    zs_array_data(w)[7] = 2.5;
    const char *names[1] = {"W"};
    const zs_array *arrs[1] = {w};
    CHECK(zs_npz_write(ctx, path_in("w.npz"), 1, names, arrs, 1) == ZS_OK);
    size_t n = 0;
    unsigned char *b = read_bytes(path_in("w.npz"), &n);
    zs_npz *z = NULL;
    CHECK(zs_npz_open_mem(ctx, "mem.npz", b, n, &z) == ZS_OK);
    if (z) {
        CHECK(zs_npz_count(z) == 1 && zs_npz_has(z, "W"));
        CHECK(zs_npz_get(z, "W", &a) == ZS_OK);
        if (a) CHECK(zs_array_size(a) == 4096 && zs_array_cdata(a)[7] == 2.5);
        zs_array_free(a);
        a = NULL;
        /* the member unpacks to 32896 bytes: above a limit of 1000 */
        zs_ctx_set_input_limit(ctx, 1000);
        CHECK(zs_npz_get(z, "W", &a) == ZS_ETOOBIG && has(ctx, "mem.npz: member W.npy unpacks to 32.1 KiB, above the input limit of 1000.0 B"));
        zs_ctx_set_input_limit(ctx, 0);
    }
    zs_npz_close(z);
    z = NULL;
    /* through a FIFO: read into memory, then the same */
    pid_t pid = fifo_writer(path_in("w.fifo"), b, n);
    CHECK(zs_npz_open(ctx, path_in("w.fifo"), &z) == ZS_OK);
    reap(pid);
    if (z) CHECK(zs_npz_get(z, "W", &a) == ZS_OK);
    zs_array_free(a);
    zs_npz_close(z);
    z = NULL;
    /* a FIFO longer than the input limit */
    zs_ctx_set_input_limit(ctx, 100);
    pid = fifo_writer(path_in("w.fifo"), b, n);
    CHECK(zs_npz_open(ctx, path_in("w.fifo"), &z) == ZS_ETOOBIG && has(ctx, "longer than the input limit of 100.0 B"));
    reap(pid);
    zs_ctx_set_input_limit(ctx, 0);
    /* a declared size beyond 1032:1 of the compressed size: patch the local and central sizes */
    unsigned char *p = malloc(n);
    memcpy(p, b, n);
    size_t cd = 0;
    for (size_t i = n - 4; i > 0; i--)
        if (!memcmp(p + i, "PK\x01\x02", 4)) {
            cd = i;
            break;
        }
    CHECK(cd > 0);
    unsigned char big[4] = {0xff, 0xff, 0xff, 0x7f};
    memcpy(p + 22, big, 4);
    memcpy(p + cd + 24, big, 4);
    CHECK(zs_npz_open_mem(ctx, "r.npz", p, n, &z) == ZS_OK);
    if (z) CHECK(zs_npz_get(z, "W", &a) == ZS_EFORMAT && has(ctx, "r.npz: member W.npy claims 2.0 GiB uncompressed") && has(ctx, "1032:1"));
    zs_npz_close(z);
    z = NULL;
    /* garbage and empty input */
    CHECK(zs_npz_open_mem(ctx, "g.npz", "PK\x03\x04garbage", 11, &z) == ZS_EFORMAT && has(ctx, "g.npz: not a readable .npz"));
    CHECK(!z);
    /* no bytes: libzip's empty archive, as an empty file opens; it holds no arrays */
    CHECK(zs_npz_open_mem(ctx, NULL, "", 0, &z) == ZS_OK && zs_npz_count(z) == 0);
    if (z) CHECK(zs_npz_get(z, "W", &a) == ZS_EFORMAT && has(ctx, "(memory): no array 'W' (arrays present: none)"));
    zs_npz_close(z);
    free(p);
    free(b);
    zs_array_free(w);
    zs_ctx_free(ctx);
}

static void idx_memory_reader_reads_plain_and_gzip_and_stops_bombs(void) {
    zs_ctx *ctx = zs_ctx_alloc();
    uint64_t shape[3] = {3, 2, 4};
    zs_array *w = NULL, *a = NULL, *m = NULL;
    zs_array_alloc(ctx, ZS_DTYPE_U1, 3, shape, &w);
    for (size_t i = 0; i < 24; i++) zs_array_data(w)[i] = (double)(i * 11 % 256);
    const char *paths[2] = {path_in("x-ubyte"), path_in("x-ubyte.gz")};
    for (int k = 0; k < 2; k++) {
        CHECK(zs_idx_write_u8(ctx, paths[k], w) == ZS_OK);
        size_t n = 0;
        unsigned char *b = read_bytes(paths[k], &n);
        a = m = NULL;
        CHECK(zs_idx_read(ctx, paths[k], &a) == ZS_OK);
        CHECK(zs_idx_read_mem(ctx, "x", b, n, &m) == ZS_OK);
        if (a && m) {
            CHECK(zs_array_ndim(m) == 3 && zs_array_dim(m, 2) == 4);
            CHECK(!memcmp(zs_array_cdata(a), zs_array_cdata(w), 24 * sizeof(double)));
            CHECK(!memcmp(zs_array_cdata(m), zs_array_cdata(w), 24 * sizeof(double)));
        }
        zs_array_free(a);
        zs_array_free(m);
        /* through a FIFO */
        a = NULL;
        pid_t pid = fifo_writer(path_in("x.fifo"), b, n);
        CHECK(zs_idx_read(ctx, path_in("x.fifo"), &a) == ZS_OK);
        reap(pid);
        zs_array_free(a);
        a = NULL;
        /* truncated by one byte */
        if (k == 0) CHECK(zs_idx_read_mem(ctx, "t", b, n - 1, &a) == ZS_EFORMAT && has(ctx, "the file has 23"));
        else CHECK(zs_idx_read_mem(ctx, "t.gz", b, n - 9, &a) == ZS_EFORMAT && has(ctx, "t.gz: cannot decompress"));
        free(b);
    }
    /* a bomb: the header claims 10 bytes, the gzip unpacks to 16 MiB */
    size_t big = 16u << 20, gl;
    unsigned char *plain = calloc(big, 1);
    unsigned char hdr[8] = {0, 0, 8, 1, 0, 0, 0, 10};
    memcpy(plain, hdr, 8);
    unsigned char *g = gz(plain, big, &gl);
    CHECK(gl < big / 500);
    CHECK(zs_idx_read_mem(ctx, "bomb.gz", g, gl, &a) == ZS_EFORMAT && has(ctx, "bomb.gz: IDX header says 10 elements of 1 bytes = 10 bytes of data, the decompressed data holds more"));
    write_bytes(path_in("bomb.gz"), g, gl);
    CHECK(zs_idx_read(ctx, path_in("bomb.gz"), &a) == ZS_EFORMAT && has(ctx, "the decompressed data holds more"));
    free(g);
    /* an honest header over 16 MiB - 8 bytes: refused by a lower input limit, read under the default */
    hdr[4] = 0x00, hdr[5] = 0xff, hdr[6] = 0xff, hdr[7] = 0xf8;
    memcpy(plain, hdr, 8);
    g = gz(plain, big, &gl);
    CHECK(zs_idx_read_mem(ctx, "h.gz", g, gl, &a) == ZS_OK);
    zs_array_free(a);
    a = NULL;
    zs_ctx_set_input_limit(ctx, 1u << 20);
    CHECK(zs_idx_read_mem(ctx, "h.gz", g, gl, &a) == ZS_ETOOBIG && has(ctx, "h.gz: IDX header says 16777208 elements = 16.0 MiB of data, above the input limit of 1.0 MiB for gzipped data"));
    zs_ctx_set_input_limit(ctx, 0);
    /* a claim beyond 1032:1 of the compressed bytes */
    CHECK(zs_idx_read_mem(ctx, "r.gz", g, 200, &a) == ZS_EFORMAT && has(ctx, "more than 200 gzipped bytes can hold"));
    free(g);
    free(plain);
    /* element counts that overflow */
    unsigned char ov[16] = {0, 0, 0x0E, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    CHECK(zs_idx_read_mem(ctx, NULL, ov, 16, &a) == ZS_EFORMAT && has(ctx, "(memory): IDX header says 4294967295x4294967295x4294967295 elements, more than any memory holds"));
    CHECK(!a);
    zs_array_free(w);
    zs_ctx_free(ctx);
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    check_tmpdir("input");
    RUN(npy_header_claiming_88_gb_is_refused_before_allocating);
    RUN(npy_path_and_memory_readers_agree);
    RUN(npy_stream_claims_are_capped_by_the_input_limit);
    RUN(directories_devices_and_sparse_files_are_refused_at_once);
    RUN(npz_memory_reader_agrees_and_member_sizes_are_capped);
    RUN(idx_memory_reader_reads_plain_and_gzip_and_stops_bombs);
    check_tmpdir_remove();
    return check_summary("test_input");
}
