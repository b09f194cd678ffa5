/* test_npz.c — .npy / .npz reading and writing (lib/io/npy.c, npz.c).
 * Values are a formula both sides compute independently (C here, NumPy in the interop part):
 * element i of every test array is val(dtype, i). With /usr/bin/python3 and NumPy present,
 * NumPy writes files that we read and reads files that we write, bit for bit; without them
 * that part says SKIP and the rest still runs. */
#include "zsum.h"
#include "check.h"

#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#define path_in check_path

/* The shared formula: floats i*0.1 + 1/3 (float32: rounded from that), signed ints
 * (i*37) % 200 - 100, unsigned (i*37) % 251, bool i % 3 == 0. */
static double val(zs_dtype t, size_t i) {
    switch (t) {
    case ZS_DTYPE_F8: return (double)i * 0.1 + 1.0 / 3.0;
    case ZS_DTYPE_F4: return (double)(float)((double)i * 0.1 + 1.0 / 3.0);
    case ZS_DTYPE_B1: return i % 3 == 0;
    case ZS_DTYPE_U1: case ZS_DTYPE_U2: case ZS_DTYPE_U4: case ZS_DTYPE_U8:
        return (double)((i * 37) % 251);
    default: return (double)((long)((i * 37) % 200) - 100);
    }
}

static int file_size(const char *p, long *size) {
    FILE *f = fopen(p, "rb");
    if (!f) return 0;
    fseek(f, 0, SEEK_END);
    *size = ftell(f);
    fclose(f);
    return 1;
}

static void write_bytes(const char *p, const void *b, size_t n) {
    FILE *f = fopen(p, "wb");
    if (!f) return;
    fwrite(b, 1, n, f);
    fclose(f);
}

static unsigned char *read_bytes(const char *p, size_t *n) {
    long size;
    if (!file_size(p, &size)) return NULL;
    unsigned char *b = malloc((size_t)size + 1);
    FILE *f = fopen(p, "rb");
    *n = fread(b, 1, (size_t)size, f);
    fclose(f);
    return b;
}

static zs_array *make(zs_dtype t, int ndim, const uint64_t *shape) {
    zs_array *a = NULL;
    if (zs_array_alloc(NULL, t, ndim, shape, &a) != ZS_OK) return NULL;
    for (size_t i = 0; i < zs_array_size(a); i++) zs_array_data(a)[i] = val(t, i);
    return a;
}

static int matches(const zs_array *a, zs_dtype t) {
    for (size_t i = 0; i < zs_array_size(a); i++)
        if (zs_array_cdata(a)[i] != val(t, i)) return 0;
    return 1;
}

static void npy_round_trips_every_dtype(void) {
    static const zs_dtype all[] = {ZS_DTYPE_F8, ZS_DTYPE_F4, ZS_DTYPE_U1, ZS_DTYPE_I4,
                                   ZS_DTYPE_I8, ZS_DTYPE_B1, ZS_DTYPE_I1, ZS_DTYPE_I2,
                                   ZS_DTYPE_U2, ZS_DTYPE_U4, ZS_DTYPE_U8};
    uint64_t shape[3] = {3, 4, 5};
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++) {
        zs_array *a = make(all[k], 3, shape), *b = NULL;
        CHECK(zs_npy_write(NULL, path_in("rt.npy"), a) == ZS_OK);
        CHECK(zs_npy_read(NULL, path_in("rt.npy"), &b) == ZS_OK);
        if (b) {
            CHECK_EQ_INT(zs_array_dtype(b), all[k]);
            CHECK_EQ_INT(zs_array_ndim(b), 3);
            CHECK_EQ_INT(zs_array_dim(b, 2), 5);
            CHECK(matches(b, all[k]));
        }
        zs_array_free(a);
        zs_array_free(b);
    }
}

static void npy_header_is_padded_to_64_bytes(void) {
    uint64_t shape[1] = {7};
    zs_array *a = make(ZS_DTYPE_F8, 1, shape);
    CHECK(zs_npy_write(NULL, path_in("pad.npy"), a) == ZS_OK);
    size_t n = 0;
    unsigned char *b = read_bytes(path_in("pad.npy"), &n);
    CHECK(b != NULL);
    if (b) {
        size_t hlen = (size_t)b[8] | (size_t)b[9] << 8;
        CHECK((10 + hlen) % 64 == 0);
        CHECK_EQ_INT(n, 10 + hlen + 7 * 8);
        CHECK(b[10 + hlen - 1] == '\n');
        CHECK(memcmp(b + 10, "{'descr': '<f8', 'fortran_order': False, 'shape': (7,), }", 57) == 0);
    }
    free(b);
    zs_array_free(a);
}

/* A hand-made Fortran-order big-endian header: the file holds the 2x3 int32 matrix
 * [[1,2,3],[4,5,6]] column by column: 1 4 2 5 3 6. */
static void npy_reads_fortran_order_and_big_endian(void) {
    const char *dict = "{\"shape\": (2, 3), \"fortran_order\": True, \"descr\": \">i4\"}";
    unsigned char buf[256];
    if (strlen(dict) > 117) return;
    size_t dl = strlen(dict), hlen = 128 - 10;
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (unsigned char)hlen;
    buf[9] = 0;
    memcpy(buf + 10, dict, dl);
    memset(buf + 10 + dl, ' ', hlen - dl - 1);
    buf[127] = '\n';
    int file[6] = {1, 4, 2, 5, 3, 6};
    for (int i = 0; i < 6; i++) {
        buf[128 + 4 * i] = 0;
        buf[129 + 4 * i] = 0;
        buf[130 + 4 * i] = 0;
        buf[131 + 4 * i] = (unsigned char)file[i];
    }
    zs_array *a = NULL;
    CHECK(zs_npy_read_mem(NULL, "mem", buf, 128 + 24, &a) == ZS_OK);
    if (a) {
        CHECK_EQ_INT(zs_array_dim(a, 0), 2);
        CHECK_EQ_INT(zs_array_dim(a, 1), 3);
        for (int i = 0; i < 6; i++) CHECK_REL(zs_array_cdata(a)[i], (double)(i + 1), 0);
    }
    zs_array_free(a);
}

static void npy_rejects_bad_files_with_a_message(void) {
    zs_ctx *ctx = zs_ctx_alloc();
    uint64_t shape[2] = {3, 4};
    zs_array *a = make(ZS_DTYPE_F8, 2, shape), *b = NULL;
    unsigned char *buf;
    size_t n;
    zs_npy_write(NULL, path_in("good.npy"), a);
    buf = read_bytes(path_in("good.npy"), &n);
    /* truncated data */
    CHECK(zs_npy_read_mem(ctx, "t", buf, n - 8, &b) == ZS_EFORMAT);
    CHECK(strstr(zs_last_error(ctx), "truncated") && strstr(zs_last_error(ctx), "(3, 4)"));
    /* extra data: the header's shape disagrees with the size */
    unsigned char *big = malloc(n + 8);
    memcpy(big, buf, n);
    memset(big + n, 0, 8);
    CHECK(zs_npy_read_mem(ctx, "x", big, n + 8, &b) == ZS_EFORMAT);
    CHECK(strstr(zs_last_error(ctx), "needs 96 bytes") && strstr(zs_last_error(ctx), "104"));
    /* truncated header */
    CHECK(zs_npy_read_mem(ctx, "h", buf, 30, &b) == ZS_EFORMAT);
    CHECK(strstr(zs_last_error(ctx), "truncated") != NULL);
    /* bad magic */
    memcpy(big, buf, n);
    big[1] = 'X';
    CHECK(zs_npy_read_mem(ctx, "m", big, n, &b) == ZS_EFORMAT);
    CHECK(strstr(zs_last_error(ctx), "magic") != NULL);
    /* unknown version */
    memcpy(big, buf, n);
    big[6] = 4;
    CHECK(zs_npy_read_mem(ctx, "v", big, n, &b) == ZS_EFORMAT);
    CHECK(strstr(zs_last_error(ctx), "4.0") != NULL);
    /* unsupported dtype */
    memcpy(big, buf, n);
    memcpy(big + 21, "c16", 3); /* '<f8' -> '<c16' shifts nothing: overwrite "f8'" */
    CHECK(zs_npy_read_mem(ctx, "d", big, n, &b) == ZS_EFORMAT);
    CHECK(strstr(zs_last_error(ctx), "dtype") != NULL);
    /* malformed dict */
    memcpy(big, buf, n);
    big[10] = '[';
    CHECK(zs_npy_read_mem(ctx, "p", big, n, &b) == ZS_EFORMAT);
    CHECK(b == NULL);
    /* missing file */
    CHECK(zs_npy_read(ctx, path_in("absent.npy"), &b) == ZS_EIO);
    CHECK(strstr(zs_last_error(ctx), "absent.npy") != NULL);
    free(big);
    free(buf);
    zs_array_free(a);
    zs_ctx_free(ctx);
}

static void npz_round_trips_stored_and_deflated(void) {
    uint64_t s1[2] = {6, 5}, s2[1] = {6}, s0[1] = {0};
    zs_array *w = make(ZS_DTYPE_F4, 2, s1), *v = make(ZS_DTYPE_F8, 1, s2);
    zs_array *u = make(ZS_DTYPE_U1, 0, s0); /* a scalar */
    const char *names[3] = {"W", "vbias", "scalar"};
    const zs_array *arrays[3] = {w, v, u};
    for (int compress = 0; compress <= 1; compress++) {
        CHECK(zs_npz_write(NULL, path_in("m.npz"), 3, names, arrays, compress) == ZS_OK);
        zs_npz *z = NULL;
        CHECK(zs_npz_open(NULL, path_in("m.npz"), &z) == ZS_OK);
        if (!z) continue;
        CHECK_EQ_INT(zs_npz_count(z), 3);
        CHECK_STR(zs_npz_name(z, 1), "vbias");
        CHECK(zs_npz_has(z, "W") && !zs_npz_has(z, "hbias"));
        zs_array *a = NULL;
        CHECK(zs_npz_get(z, "W", &a) == ZS_OK);
        if (a) CHECK(zs_array_dtype(a) == ZS_DTYPE_F4 && zs_array_dim(a, 1) == 5 && matches(a, ZS_DTYPE_F4));
        zs_array_free(a);
        a = NULL;
        CHECK(zs_npz_get(z, "scalar", &a) == ZS_OK);
        if (a) CHECK(zs_array_ndim(a) == 0 && zs_array_size(a) == 1 && zs_array_cdata(a)[0] == val(ZS_DTYPE_U1, 0));
        zs_array_free(a);
        zs_npz_close(z);
    }
    zs_array_free(w);
    zs_array_free(v);
    zs_array_free(u);
}

static void npz_rejects_missing_truncated_and_corrupt_archives(void) {
    zs_ctx *ctx = zs_ctx_alloc();
    uint64_t s1[2] = {40, 30};
    zs_array *w = make(ZS_DTYPE_F8, 2, s1), *a = NULL;
    const char *names[2] = {"W", "vbias"};
    const zs_array *arrays[2] = {w, w};
    zs_npz_write(NULL, path_in("c.npz"), 2, names, arrays, 1);
    /* missing array: the message lists the names present */
    CHECK(zs_npz_read(ctx, path_in("c.npz"), "hbias", &a) == ZS_EFORMAT);
    CHECK(strstr(zs_last_error(ctx), "'hbias'") && strstr(zs_last_error(ctx), "W, vbias"));
    size_t n;
    unsigned char *buf = read_bytes(path_in("c.npz"), &n);
    /* truncated archive */
    write_bytes(path_in("trunc.npz"), buf, n / 2);
    CHECK(zs_npz_read(ctx, path_in("trunc.npz"), "W", &a) == ZS_EFORMAT);
    CHECK(strstr(zs_last_error(ctx), "truncated or corrupt") != NULL);
    /* not a zip at all */
    write_bytes(path_in("text.npz"), "hello, world\n", 13);
    CHECK(zs_npz_read(ctx, path_in("text.npz"), "W", &a) == ZS_EFORMAT);
    /* corrupt deflate stream inside an intact directory: CRC or inflate error */
    unsigned char *bad = malloc(n);
    memcpy(bad, buf, n);
    for (size_t i = 200; i < 260 && i < n; i++) bad[i] ^= 0x5a;
    write_bytes(path_in("crc.npz"), bad, n);
    zs_status st = zs_npz_read(ctx, path_in("crc.npz"), "W", &a);
    CHECK(st == ZS_EFORMAT);
    CHECK(a == NULL);
    /* missing file */
    CHECK(zs_npz_read(ctx, path_in("absent.npz"), "W", &a) == ZS_EIO);
    free(bad);
    free(buf);
    zs_array_free(w);
    zs_ctx_free(ctx);
}

/* ---- interoperability with NumPy --------------------------------------------------------- */

static const char *py_common =
    "import numpy as np, sys, os\n"
    "d = sys.argv[1]\n"
    "def val(t, n):\n"
    "    i = np.arange(n, dtype=np.int64)\n"
    "    if t in ('f8', 'f4'):\n"
    "        x = i.astype(np.float64) * 0.1 + 1.0 / 3.0\n"
    "        return x.astype(t)\n"
    "    if t == 'b1': return i % 3 == 0\n"
    "    if t[0] == 'u': return ((i * 37) % 251).astype(t)\n"
    "    return ((i * 37) % 200 - 100).astype(t)\n"
    "types = ['f8','f4','u1','i4','i8','b1','i1','i2','u2','u4','u8']\n";

static int run_python(const char *body) {
    char script[4096];
    snprintf(script, sizeof script, "%s%s", py_common, body);
    write_bytes(path_in("t.py"), script, strlen(script));
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %s", path_in("t.py"), check_dir);
    return system(cmd);
}

static zs_dtype dtype_of(const char *t) {
    static const char *n[] = {"f8", "f4", "u1", "i4", "i8", "b1", "i1", "i2", "u2", "u4", "u8"};
    for (int i = 0; i < 11; i++)
        if (!strcmp(n[i], t)) return (zs_dtype)i;
    return ZS_DTYPE_F8;
}

static void numpy_files_read_back_exactly(void) {
    int rc = run_python(
        "for t in types:\n"
        "    a = val(t, 60).reshape(3, 4, 5)\n"
        "    np.save(os.path.join(d, 'c_' + t + '.npy'), a)\n"
        "    np.save(os.path.join(d, 'f_' + t + '.npy'), np.asfortranarray(a))\n"
        "    np.save(os.path.join(d, 'b_' + t + '.npy'), a.astype(a.dtype.newbyteorder('>')))\n"
        "for v in [(2, 0), (3, 0)]:\n"
        "    with open(os.path.join(d, 'v%d.npy' % v[0]), 'wb') as f:\n"
        "        np.lib.format.write_array(f, val('f8', 12).reshape(3, 4), version=v)\n"
        "np.savez(os.path.join(d, 's.npz'), W=np.asfortranarray(val('f4', 30).reshape(6, 5)), vbias=val('f8', 6))\n"
        "np.savez_compressed(os.path.join(d, 'z.npz'), W=val('f8', 30).reshape(6, 5), hbias=val('u1', 5))\n"
        "np.save(os.path.join(d, 'r0.npy'), np.float64(1.0 / 3.0))\n"
        "np.save(os.path.join(d, 'e.npy'), np.zeros((0, 3)))\n");
    if (rc != 0) {
        printf("SKIP numpy_files_read_back_exactly: /usr/bin/python3 with NumPy is not available\n");
        return;
    }
    static const char *types[] = {"f8", "f4", "u1", "i4", "i8", "b1", "i1", "i2", "u2", "u4", "u8"};
    for (int k = 0; k < 11; k++) {
        const char *pre[3] = {"c_", "f_", "b_"};
        for (int p = 0; p < 3; p++) {
            char name[32];
            snprintf(name, sizeof name, "%s%s.npy", pre[p], types[k]);
            zs_array *a = NULL;
            zs_status st = zs_npy_read(NULL, path_in(name), &a);
            CHECK(st == ZS_OK);
            if (!a) {
                printf("  (%s)\n", name);
                continue;
            }
            CHECK(zs_array_ndim(a) == 3 && zs_array_dim(a, 0) == 3 && zs_array_dim(a, 2) == 5);
            CHECK(zs_array_dtype(a) == dtype_of(types[k]));
            if (!matches(a, dtype_of(types[k]))) printf("  values differ in %s\n", name);
            CHECK(matches(a, dtype_of(types[k])));
            zs_array_free(a);
        }
    }
    const char *v[2] = {"v2.npy", "v3.npy"};
    for (int i = 0; i < 2; i++) {
        zs_array *a = NULL;
        CHECK(zs_npy_read(NULL, path_in(v[i]), &a) == ZS_OK);
        if (a) CHECK(zs_array_dim(a, 1) == 4 && matches(a, ZS_DTYPE_F8));
        zs_array_free(a);
    }
    zs_array *a = NULL;
    CHECK(zs_npz_read(NULL, path_in("s.npz"), "W", &a) == ZS_OK);
    if (a) CHECK(zs_array_dtype(a) == ZS_DTYPE_F4 && zs_array_dim(a, 0) == 6 && matches(a, ZS_DTYPE_F4));
    zs_array_free(a);
    a = NULL;
    CHECK(zs_npz_read(NULL, path_in("z.npz"), "W", &a) == ZS_OK);
    if (a) CHECK(zs_array_dim(a, 1) == 5 && matches(a, ZS_DTYPE_F8));
    zs_array_free(a);
    a = NULL;
    CHECK(zs_npz_read(NULL, path_in("z.npz"), "hbias", &a) == ZS_OK);
    if (a) CHECK(zs_array_dtype(a) == ZS_DTYPE_U1 && matches(a, ZS_DTYPE_U1));
    zs_array_free(a);
    a = NULL;
    CHECK(zs_npy_read(NULL, path_in("r0.npy"), &a) == ZS_OK);
    if (a) CHECK(zs_array_ndim(a) == 0 && zs_array_cdata(a)[0] == 1.0 / 3.0);
    zs_array_free(a);
    a = NULL;
    CHECK(zs_npy_read(NULL, path_in("e.npy"), &a) == ZS_OK);
    if (a) CHECK(zs_array_size(a) == 0 && zs_array_dim(a, 1) == 3);
    zs_array_free(a);
}

static void our_files_read_back_exactly_in_numpy(void) {
    static const zs_dtype all[] = {ZS_DTYPE_F8, ZS_DTYPE_F4, ZS_DTYPE_U1, ZS_DTYPE_I4,
                                   ZS_DTYPE_I8, ZS_DTYPE_B1, ZS_DTYPE_I1, ZS_DTYPE_I2,
                                   ZS_DTYPE_U2, ZS_DTYPE_U4, ZS_DTYPE_U8};
    static const char *types[] = {"f8", "f4", "u1", "i4", "i8", "b1", "i1", "i2", "u2", "u4", "u8"};
    uint64_t shape[3] = {3, 4, 5};
    zs_array *arr[11];
    for (int k = 0; k < 11; k++) {
        char name[32];
        snprintf(name, sizeof name, "o_%s.npy", types[k]);
        arr[k] = make(all[k], 3, shape);
        CHECK(zs_npy_write(NULL, path_in(name), arr[k]) == ZS_OK);
    }
    const zs_array *list[11];
    for (int k = 0; k < 11; k++) list[k] = arr[k];
    CHECK(zs_npz_write(NULL, path_in("o_s.npz"), 11, types, list, 0) == ZS_OK);
    CHECK(zs_npz_write(NULL, path_in("o_z.npz"), 11, types, list, 1) == ZS_OK);
    for (int k = 0; k < 11; k++) zs_array_free(arr[k]);
    int rc = run_python(
        "bad = 0\n"
        "def same(a, t, where):\n"
        "    global bad\n"
        "    e = val(t, 60).reshape(3, 4, 5)\n"
        "    if a.dtype != e.dtype or a.shape != e.shape or a.tobytes() != e.tobytes():\n"
        "        print('numpy reads back different data:', where, a.dtype, a.shape); bad = 1\n"
        "for t in types:\n"
        "    same(np.load(os.path.join(d, 'o_' + t + '.npy')), t, t + '.npy')\n"
        "for z in ['o_s.npz', 'o_z.npz']:\n"
        "    f = np.load(os.path.join(d, z))\n"
        "    if sorted(f.files) != sorted(types): print('names', f.files); bad = 1\n"
        "    for t in types: same(f[t], t, z + ':' + t)\n"
        "sys.exit(10 + bad)\n");
    if (rc == -1 || !WIFEXITED(rc) || (WEXITSTATUS(rc) != 10 && WEXITSTATUS(rc) != 11)) {
        printf("SKIP our_files_read_back_exactly_in_numpy: /usr/bin/python3 with NumPy is not available\n");
        return;
    }
    CHECK_EQ_INT(WEXITSTATUS(rc), 10);
}

int main(void) {
    check_tmpdir("npz");
    RUN(npy_round_trips_every_dtype);
    RUN(npy_header_is_padded_to_64_bytes);
    RUN(npy_reads_fortran_order_and_big_endian);
    RUN(npy_rejects_bad_files_with_a_message);
    RUN(npz_round_trips_stored_and_deflated);
    RUN(npz_rejects_missing_truncated_and_corrupt_archives);
    RUN(numpy_files_read_back_exactly);
    RUN(our_files_read_back_exactly_in_numpy);
    check_tmpdir_remove();
    return check_summary("test_npz");
}
