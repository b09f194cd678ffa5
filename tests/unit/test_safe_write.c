/* test_safe_write.c — every file writer of the library (lib/io/atomic.c behind .npy, .npz,
 * IDX, UAI, Hopfield and RBM models) under each way a write can fail: a file-size limit hit
 * halfway (EFBIG), a full file system (a 64 KiB tmpfs in a private mount namespace when this
 * runs as root, ENOSPC), /dev/full, a missing folder, a folder or a file it may not write (as
 * an unprivileged user). Each failure is ZS_EIO with a message naming the path and the
 * system's reason; the previous file keeps its bytes, and no temporary file is left. Success follows a
 * symbolic link (the link stays) and keeps the replaced file's permission bits. */
#define _GNU_SOURCE
#include "check.h"
#include "zsum.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>


/* ---- the writers: each writes a small file (a few hundred bytes) or a big one (over
 * 100 KiB even compressed: pseudo-random values) ---------------------------------------- */

static double noise(uint32_t *x) {
    *x = *x * 1664525u + 1013904223u; /* Numerical Recipes' LCG */
    return (double)(*x >> 8) / 16777216.0;
}

static zs_array *array_of(zs_dtype dt, size_t n, int bytes) {
    uint64_t shape[1] = {n};
    zs_array *a = NULL;
    if (zs_array_alloc(NULL, dt, 1, shape, &a) != ZS_OK) return NULL;
    uint32_t x = 99;
    for (size_t i = 0; i < n; i++) zs_array_data(a)[i] = bytes ? (double)(int)(256 * noise(&x)) : noise(&x);
    return a;
}

static zs_status write_npy(zs_ctx *ctx, const char *path, int big) {
    zs_array *a = array_of(ZS_DTYPE_F8, big ? 20000 : 10, 0);
    zs_status st = zs_npy_write(ctx, path, a);
    zs_array_free(a);
    return st;
}

static zs_status write_npz(zs_ctx *ctx, const char *path, int big) {
    zs_array *a = array_of(ZS_DTYPE_F8, big ? 20000 : 10, 0), *b = array_of(ZS_DTYPE_F8, 3, 0);
    const char *names[2] = {"a", "b"};
    const zs_array *arrays[2] = {a, b};
    zs_status st = zs_npz_write(ctx, path, 2, names, arrays, 1);
    zs_array_free(a);
    zs_array_free(b);
    return st;
}

static zs_status write_idx(zs_ctx *ctx, const char *path, int big) {
    zs_array *a = array_of(ZS_DTYPE_U1, big ? 200000 : 30, 1);
    zs_status st = zs_idx_write_u8(ctx, path, a);
    zs_array_free(a);
    return st;
}

static zs_status write_uai(zs_ctx *ctx, const char *path, int big) {
    enum { V = 14 };
    uint32_t dom[V], scope[V];
    for (int i = 0; i < V; i++) dom[i] = 2, scope[i] = (uint32_t)i;
    size_t arity = big ? V : 2, size = (size_t)1 << arity;
    double *t = malloc(size * sizeof *t);
    zs_factor_model *m = NULL;
    zs_status st = t ? zs_factor_model_alloc(ctx, V, dom, &m) : ZS_ENOMEM;
    uint32_t x = 7;
    for (size_t e = 0; t && e < size; e++) t[e] = 0.5 + noise(&x);
    if (st == ZS_OK) st = zs_factor_model_add(m, arity, scope, t, 0);
    if (st == ZS_OK) st = zs_factor_write_uai(m, path);
    zs_factor_model_free(m);
    free(t);
    return st;
}

static zs_status write_hopfield(zs_ctx *ctx, const char *path, int big) {
    size_t n = big ? 160 : 4;
    double *j = calloc(n * n, sizeof *j);
    uint32_t x = 3;
    for (size_t a = 0; j && a < n; a++)
        for (size_t b = a + 1; b < n; b++) j[a * n + b] = j[b * n + a] = noise(&x) - 0.5;
    zs_hopfield *net = NULL;
    zs_status st = j ? zs_hopfield_alloc(ctx, n, j, NULL, &net) : ZS_ENOMEM;
    if (st == ZS_OK) st = zs_hopfield_save(net, path);
    zs_hopfield_free(net);
    free(j);
    return st;
}

static zs_status write_rbm(zs_ctx *ctx, const char *path, int big) {
    size_t nv = big ? 200 : 3, nh = big ? 150 : 2;
    zs_rbm *r = NULL;
    zs_status st = zs_rbm_alloc(ctx, nv, nh, &r);
    uint32_t x = 5;
    for (size_t i = 0; st == ZS_OK && i < nv * nh; i++) zs_rbm_w_mut(r)[i] = noise(&x) - 0.5;
    if (st == ZS_OK) st = zs_rbm_save(r, path, ZS_DTYPE_F4, 0, NULL, NULL);
    zs_rbm_free(r);
    return st;
}

typedef zs_status (*writer)(zs_ctx *ctx, const char *path, int big);
static const struct {
    const char *file;
    writer write;
} writers[] = {
    {"a.npy", write_npy},      {"a.npz", write_npz},           {"a-ubyte", write_idx},
    {"a-ubyte.gz", write_idx}, {"a.uai", write_uai},           {"net.npz", write_hopfield},
    {"rbm.npz", write_rbm},
};
enum { NWRITERS = sizeof writers / sizeof writers[0] };

/* ---- helpers ---------------------------------------------------------------------------- */

static int entries(const char *folder) {
    DIR *d = opendir(folder);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    if (d) closedir(d);
    return n;
}

static unsigned char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 20;
    unsigned char *b = malloc(cap);
    *len = b ? fread(b, 1, cap, f) : 0;
    fclose(f);
    return b;
}

static int same_bytes(const char *path, const unsigned char *want, size_t len) {
    size_t got_len = 0;
    unsigned char *got = slurp(path, &got_len);
    int same = got && got_len == len && memcmp(got, want, len) == 0;
    free(got);
    return same;
}

static int has(const zs_ctx *ctx, const char *a, const char *b) {
    const char *m = zs_last_error(ctx);
    int ok = strstr(m, a) && strstr(m, b);
    if (!ok) printf("  message: %s\n", m);
    return ok;
}

/* ---- the tests -------------------------------------------------------------------------- */

/* A write that stops halfway (the file-size limit) and a folder that is not there. */
static void a_failed_write_should_keep_the_previous_file(void) {
    for (int w = 0; w < NWRITERS; w++) {
        char path[300], missing[300];
        snprintf(path, sizeof path, "%s/%s", check_dir, writers[w].file);
        snprintf(missing, sizeof missing, "%s/nowhere/%s", check_dir, writers[w].file);
        zs_ctx *ctx = zs_ctx_alloc();
        CHECK_EQ_INT(writers[w].write(ctx, path, 0), ZS_OK);
        size_t len = 0;
        unsigned char *before = slurp(path, &len);
        CHECK(before && len > 0);
        struct rlimit old, lim;
        void (*was)(int) = signal(SIGXFSZ, SIG_IGN);
        CHECK(getrlimit(RLIMIT_FSIZE, &old) == 0);
        lim = old;
        lim.rlim_cur = 16384;
        CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
        zs_status st = writers[w].write(ctx, path, 1);
        setrlimit(RLIMIT_FSIZE, &old);
        signal(SIGXFSZ, was);
        CHECK_EQ_INT(st, ZS_EIO);
        CHECK(has(ctx, path, ": cannot write: File too large"));
        CHECK(before && same_bytes(path, before, len));
        CHECK_EQ_INT(entries(check_dir), 1);
        CHECK_EQ_INT(writers[w].write(ctx, missing, 0), ZS_EIO);
        CHECK(has(ctx, missing, ": cannot create: No such file or directory"));
        CHECK_EQ_INT(entries(check_dir), 1);
        remove(path);
        free(before);
        zs_ctx_free(ctx);
    }
}

/* /dev/full is written in place (a device is never replaced) and says the disk is full. */
static void dev_full_should_report_no_space(void) {
    struct stat st;
    if (stat("/dev/full", &st) != 0) {
        printf("  (no /dev/full here: skipped)\n");
        return;
    }
    for (int w = 0; w < NWRITERS; w++) {
        zs_ctx *ctx = zs_ctx_alloc();
        CHECK_EQ_INT(writers[w].write(ctx, "/dev/full", 0), ZS_EIO);
        CHECK(has(ctx, "/dev/full: cannot write: ", "No space left on device"));
        zs_ctx_free(ctx);
    }
    CHECK(stat("/dev/full", &st) == 0 && S_ISCHR(st.st_mode));
}

/* A forked child's end: its printed lines first (_exit would drop stdio's buffer). */
static void child_exit(int code) {
    fflush(stdout);
    _exit(code);
}

/* In a child: run the writers against `folder` with the previous files made beforehand, and
 * exit with the number of failed checks. */
static int child_checks(const char *folder, int big, const char *reason) {
    int bad = 0;
    for (int w = 0; w < NWRITERS; w++) {
        char path[300];
        snprintf(path, sizeof path, "%s/%s", folder, writers[w].file);
        zs_ctx *ctx = zs_ctx_alloc();
        if (writers[w].write(ctx, path, big) != ZS_EIO || !has(ctx, path, reason)) {
            printf("FAIL %s: %s gave '%s'\n", check_current, path, zs_last_error(ctx));
            bad++;
        }
        zs_ctx_free(ctx);
    }
    return bad;
}

static void previous_files(const char *folder, unsigned char **before, size_t *len) {
    for (int w = 0; w < NWRITERS; w++) {
        char path[300];
        snprintf(path, sizeof path, "%s/%s", folder, writers[w].file);
        CHECK_EQ_INT(writers[w].write(NULL, path, 0), ZS_OK);
        before[w] = slurp(path, &len[w]);
    }
}

static void compare_and_remove(const char *folder, unsigned char **before, const size_t *len) {
    for (int w = 0; w < NWRITERS; w++) {
        char path[300];
        snprintf(path, sizeof path, "%s/%s", folder, writers[w].file);
        CHECK(before[w] && same_bytes(path, before[w], len[w]));
        free(before[w]);
        remove(path);
    }
}

/* A full file system: a 64 KiB tmpfs mounted in a private mount namespace (so it vanishes
 * with the child); needs root, skipped with a message otherwise. */
static void a_full_file_system_should_keep_the_previous_file(void) {
    pid_t pid = fork();
    if (pid == 0) {
        char mnt[300];
        snprintf(mnt, sizeof mnt, "%s", check_path("small"));
        if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
            mkdir(mnt, 0700) != 0 || mount("tmpfs", mnt, "tmpfs", 0, "size=64k") != 0) {
            printf("  (cannot mount a small tmpfs here: %s; skipped)\n", strerror(errno));
            rmdir(mnt);
            child_exit(0);
        }
        unsigned char *before[NWRITERS];
        size_t len[NWRITERS];
        previous_files(mnt, before, len);
        int bad = child_checks(mnt, 1, ": cannot write: No space left on device");
        bad += entries(mnt) != NWRITERS;
        compare_and_remove(mnt, before, len);
        bad += check_failed;
        umount(mnt);
        rmdir(mnt);
        child_exit(bad ? 1 : 0);
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    char mnt[300];
    snprintf(mnt, sizeof mnt, "%s", check_path("small"));
    rmdir(mnt); /* the child's mount point, if it died before removing it */
}

/* A folder the writer may not write in: as root, the writes run in a child that has become
 * nobody (uid 65534); the previous files stay. */
static void a_folder_without_permission_should_keep_the_previous_file(void) {
    char sub[200];
    snprintf(sub, sizeof sub, "%s", check_path("locked"));
    CHECK(mkdir(sub, 0755) == 0);
    unsigned char *before[NWRITERS];
    size_t len[NWRITERS];
    previous_files(sub, before, len);
    for (int w = 0; w < NWRITERS; w++) { /* the files writable by all: only the folder forbids */
        char path[300];
        snprintf(path, sizeof path, "%s/%s", sub, writers[w].file);
        CHECK(chmod(path, 0666) == 0);
    }
    CHECK(chmod(sub, 0555) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) {
            printf("  (cannot become an unprivileged user: skipped)\n");
            child_exit(0);
        }
        child_exit(child_checks(sub, 0, ": cannot create: Permission denied") ? 1 : 0);
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(chmod(sub, 0755) == 0);
    CHECK_EQ_INT(entries(sub), NWRITERS);
    compare_and_remove(sub, before, len);
    rmdir(sub);
}

/* A file its user may not write (mode 0444, as nobody when this runs as root) is refused,
 * though the folder would let a rename replace it. */
static void a_read_only_file_should_be_refused(void) {
    char sub[200], path[300];
    snprintf(sub, sizeof sub, "%s", check_path("open"));
    snprintf(path, sizeof path, "%s/ro.npy", sub);
    CHECK(mkdir(sub, 0777) == 0 && chmod(sub, 0777) == 0);
    CHECK_EQ_INT(write_npy(NULL, path, 0), ZS_OK);
    size_t len = 0;
    unsigned char *before = slurp(path, &len);
    CHECK(chmod(path, 0444) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) {
            printf("  (cannot become an unprivileged user: skipped)\n");
            child_exit(0);
        }
        zs_ctx *ctx = zs_ctx_alloc();
        int ok = write_npy(ctx, path, 0) == ZS_EIO && has(ctx, path, ": cannot write: Permission denied");
        zs_ctx_free(ctx);
        child_exit(ok ? 0 : 1);
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(before && same_bytes(path, before, len));
    CHECK_EQ_INT(entries(sub), 1);
    free(before);
    remove(path);
    rmdir(sub);
}

/* A symbolic link is followed (the file it names is replaced, the link stays), and a
 * replaced file keeps its permission bits. */
static void a_link_should_stay_a_link_and_modes_should_stay(void) {
    char real[300], link[300];
    snprintf(real, sizeof real, "%s", check_path("real.npy"));
    snprintf(link, sizeof link, "%s", check_path("link.npy"));
    CHECK_EQ_INT(write_npy(NULL, real, 0), ZS_OK);
    CHECK(chmod(real, 0640) == 0);
    CHECK(symlink("real.npy", link) == 0);
    CHECK_EQ_INT(write_npy(NULL, link, 1), ZS_OK);
    struct stat ls, st;
    CHECK(lstat(link, &ls) == 0 && S_ISLNK(ls.st_mode));
    CHECK(stat(real, &st) == 0 && st.st_size > 100000 && (st.st_mode & 07777) == 0640);
    CHECK_EQ_INT(entries(check_dir), 2);
    remove(link);
    remove(real);
}

int main(void) {
    check_tmpdir("test_safe_write");
    RUN(a_failed_write_should_keep_the_previous_file);
    RUN(dev_full_should_report_no_space);
    RUN(a_full_file_system_should_keep_the_previous_file);
    RUN(a_folder_without_permission_should_keep_the_previous_file);
    RUN(a_read_only_file_should_be_refused);
    RUN(a_link_should_stay_a_link_and_modes_should_stay);
    check_tmpdir_remove();
    return check_summary("test_safe_write");
}
