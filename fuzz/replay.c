/* replay.c — runs a fuzz target without libFuzzer: LLVMFuzzerTestOneInput once on every file
 * of the folders (and files) given, in name order. Built with the normal compiler by the
 * normal build, so every `make check` (plain and sanitized) replays every corpus and
 * regression input; a crash, a sanitizer report or a failed check in the target fails it. */
#include "fuzz_util.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char **paths;
static size_t npaths, cap;

static void add(const char *path) {
    if (npaths == cap) {
        cap = cap ? 2 * cap : 64;
        paths = realloc(paths, cap * sizeof *paths);
        if (!paths) abort();
    }
    paths[npaths] = realpath(path, NULL); /* targets may change the working folder */
    if (!paths[npaths]) {
        perror(path);
        exit(1);
    }
    npaths++;
}

static int by_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) continue; /* a target without regression inputs yet */
        if (!S_ISDIR(st.st_mode)) {
            add(argv[i]);
            continue;
        }
        DIR *dir = opendir(argv[i]);
        if (!dir) {
            perror(argv[i]);
            return 1;
        }
        struct dirent *e;
        while ((e = readdir(dir))) {
            if (e->d_name[0] == '.') continue;
            char p[PATH_MAX];
            snprintf(p, sizeof p, "%s/%s", argv[i], e->d_name);
            add(p);
        }
        closedir(dir);
    }
    if (npaths == 0) { /* e.g. a target whose seeds are all in ../shared/data (fuzz/NAME/shared) */
        fprintf(stderr, "replay: no inputs here\n");
        return 0;
    }
    qsort(paths, npaths, sizeof *paths, by_name);
    for (size_t i = 0; i < npaths; i++) {
        FILE *f = fopen(paths[i], "rb");
        if (!f) {
            perror(paths[i]);
            return 1;
        }
        size_t len = 0, size = 4096;
        uint8_t *buf = malloc(size);
        size_t got;
        while (buf && (got = fread(buf + len, 1, size - len, f)) > 0) {
            len += got;
            if (len == size) buf = realloc(buf, size *= 2);
        }
        fclose(f);
        if (!buf) abort();
        fprintf(stderr, "replay: %s (%zu bytes)\n", paths[i], len);
        LLVMFuzzerTestOneInput(buf, len);
        free(buf);
        free(paths[i]);
    }
    fprintf(stderr, "replay: %zu inputs, no failure\n", npaths);
    free(paths);
    return 0;
}
