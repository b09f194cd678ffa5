/* fuzz_cli.c — the zsum command line: the input split at NUL bytes is argv[1..], run
 * in-process through zsum_main (programs/main.c compiled with ZSUM_NO_MAIN).
 *
 * In-process, not one process per input: the program's only state that outlives a command is
 * its output buffer (programs/cli.c), which zsum_main flushes or discards before returning,
 * and getopt's state, which every command resets by optind = 1; that reset keeps glibc's
 * pointer into the previous argv when a parse stopped inside a group of short options
 * ("-qz"), harmless in a process that parses once, so run() first resets getopt fully
 * (optind = 0 and one call, glibc's documented way); the one exit() (no memory for the output
 * buffer) is an out-of-memory end that libFuzzer reports as such. The rest is made harmless
 * here, once:
 *   - the working folder is a private temporary folder holding small input files (a UAI
 *     model and evidence, patterns, a data set, Hopfield, RBM and Boltzmann-machine models);
 *     an argument holding '/' is refused, so a command reads and writes only there;
 *   - after each input every file a command wrote is removed and every input file a command
 *     overwrote is put back, so each input starts from the same folder;
 *   - stdin reads /dev/null, stdout goes to /dev/null (stderr stays: sanitizer reports);
 *   - PATH is the private folder, so `--plot` finds no gnuplot and no program is started;
 *   - commands run on one thread unless --threads is given;
 *   - ZSUM_MAX_SECONDS is FUZZ_CLI_SECONDS, so every command with an estimated-time refusal
 *     (--max-seconds) refuses work estimated beyond it instead of running for seconds to hours,
 *     and every computation that reports progress stops once the command has run that long.
 * A command whose work grows with its arguments outside both (setting up a large model, a
 * loop that reports no progress) can still exceed libFuzzer's -timeout; fuzz/run.sh runs this
 * target in fork mode, where a timeout is recorded as an artifact and the campaign goes on. */
#include "../programs/cli.h"
#include "fuzz_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FUZZ_CLI_SECONDS "0.001"

typedef struct fixture {
    const char *name;
    char *bytes;
    size_t len;
    struct stat st;
} fixture;

static fixture fixtures[8];
static size_t nfixtures;

static const char uai[] = "MARKOV\n3\n2 2 3\n3\n2 0 1\n2 1 2\n1 0\n\n4\n 2 3\n 5 7\n\n6\n 1 2 3\n 4 5 6\n\n2\n 11 13\n";
static const char evid[] = "1\n0 1\n";
static const char pats[] = "+-+--++-\n++--++--\n-+-+-+-+\n";

static void write_file(const char *name, const char *bytes, size_t len) {
    FILE *f = fopen(name, "wb");
    if (!f || fwrite(bytes, 1, len, f) != len || fclose(f) != 0) abort();
}

static void keep(const char *name) {
    fixture *fx = &fixtures[nfixtures++];
    fx->name = name;
    FILE *f = fopen(name, "rb");
    if (!f) abort();
    fseek(f, 0, SEEK_END);
    fx->len = (size_t)ftell(f);
    rewind(f);
    fx->bytes = malloc(fx->len ? fx->len : 1);
    if (!fx->bytes || fread(fx->bytes, 1, fx->len, f) != fx->len) abort();
    fclose(f);
    if (stat(name, &fx->st) != 0) abort();
}

static int run(int argc, const char *const *args) {
    char *none[] = {(char *)"zsum", NULL};
    optind = 0;
    getopt(1, none, "");
    char *argv[34];
    argv[0] = (char *)"zsum";
    for (int i = 0; i < argc; i++) argv[i + 1] = (char *)args[i];
    argv[argc + 1] = NULL;
    return zsum_main(argc + 1, argv);
}

static void setup(void) {
    if (chdir(fuzz_dir()) != 0) abort();
    int null = open("/dev/null", O_RDWR);
    if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0) abort();
    close(null);
    setenv("PATH", fuzz_dir(), 1);
    /* One thread unless --threads says otherwise: a campaign runs on one core, and OpenMP
     * reads OMP_NUM_THREADS only when it starts, before this. */
    omp_set_num_threads(1);
    unsetenv("ZSUM_GNUPLOT");
    write_file("m.uai", uai, sizeof uai - 1);
    write_file("m.evid", evid, sizeof evid - 1);
    write_file("p.txt", pats, sizeof pats - 1);

    zs_ctx *ctx = fuzz_ctx();
    /* A data set of 6 rows of 8 bytes (an IDX file) and a 3-spin Boltzmann machine. */
    uint64_t shape[2] = {6, 8};
    zs_array *d = NULL, *w = NULL, *b = NULL;
    if (zs_array_alloc(ctx, ZS_DTYPE_F8, 2, shape, &d) != ZS_OK) abort();
    for (size_t i = 0; i < 48; i++) zs_array_data(d)[i] = (double)((i * 7 + i / 8) % 3 == 0) * 255;
    if (zs_idx_write_u8(ctx, "d.idx", d) != ZS_OK) abort();
    uint64_t ws[2] = {3, 3}, bs[1] = {3};
    if (zs_array_alloc(ctx, ZS_DTYPE_F8, 2, ws, &w) != ZS_OK) abort();
    if (zs_array_alloc(ctx, ZS_DTYPE_F8, 1, bs, &b) != ZS_OK) abort();
    const double wv[9] = {0, 0.5, -0.25, 0.5, 0, 1, -0.25, 1, 0}, bv[3] = {0.1, -0.2, 0.3};
    memcpy(zs_array_data(w), wv, sizeof wv);
    memcpy(zs_array_data(b), bv, sizeof bv);
    const char *names[2] = {"W", "b"};
    const zs_array *arrays[2] = {w, b};
    if (zs_npz_write(ctx, "bm.npz", 2, names, arrays, 0) != ZS_OK) abort();
    zs_array_free(d);
    zs_array_free(w);
    zs_array_free(b);

    /* Models made by the program itself, as a user would make them. */
    const char *store[] = {"hopfield", "store", "p.txt", "-o", "h.npz"};
    const char *train[] = {"rbm", "train", "d.idx", "--hidden", "3", "--epochs", "2", "--binarize", "threshold", "-o", "r.npz", "-q"};
    if (run(5, store) != 0 || run(12, train) != 0) abort();
    const char *files[] = {"m.uai", "m.evid", "p.txt", "d.idx", "bm.npz", "h.npz", "r.npz"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) keep(files[i]);
    /* Every estimated-time refusal, and the deadline of every computation that reports
     * progress, at 1 ms (set after the models above are made, whose training would pass it):
     * the estimates are of a release build, and this build (coverage, ASan, UBSan on every
     * loop) runs the kernels 50-650x slower (measured: hopfield capacity estimated at 0.55 ms
     * took 0.36 s, bm lnz --random 22 at 2.1 ms 0.72 s, ising sample at 31 ms 1.6 s). */
    setenv("ZSUM_MAX_SECONDS", FUZZ_CLI_SECONDS, 1);
}

static int is_fixture(const char *name) {
    for (size_t i = 0; i < nfixtures; i++)
        if (!strcmp(name, fixtures[i].name)) return 1;
    return 0;
}

/* Put the folder back as setup left it. */
static void restore(void) {
    DIR *dir = opendir(".");
    if (!dir) abort();
    struct dirent *e;
    while ((e = readdir(dir)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && !is_fixture(e->d_name) &&
            unlink(e->d_name) != 0)
            rmdir(e->d_name);
    closedir(dir);
    for (size_t i = 0; i < nfixtures; i++) {
        struct stat st;
        fixture *fx = &fixtures[i];
        if (stat(fx->name, &st) == 0 && st.st_size == fx->st.st_size &&
            st.st_mtim.tv_sec == fx->st.st_mtim.tv_sec && st.st_mtim.tv_nsec == fx->st.st_mtim.tv_nsec &&
            st.st_ino == fx->st.st_ino)
            continue;
        unlink(fx->name);
        write_file(fx->name, fx->bytes, fx->len);
        chmod(fx->name, 0644);
        if (stat(fx->name, &fx->st) != 0) abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static int ready;
    if (!ready) {
        setup();
        ready = 1;
    }
    if (size > 4096 || memchr(data, '/', size)) return -1;
    /* argv[1..]: the input's NUL-separated pieces (a last piece without NUL counts too). */
    char *copy = malloc(size + 1);
    if (!copy) abort();
    memcpy(copy, data, size);
    copy[size] = 0;
    const char *args[32];
    int argc = 0;
    for (size_t i = 0; i < size && argc < 32;) {
        args[argc++] = copy + i;
        i += strlen(copy + i) + 1;
    }
    run(argc, args);
    free(copy);
    restore();
    return 0;
}
