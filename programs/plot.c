/* plot.c — figures through gnuplot: the command writes a script (data inline, as gnuplot's
 * $DATA << EOD blocks) and gnuplot renders it to PNG (pngcairo) or SVG.
 *
 * Like every file zsum writes (docs/robustness.md), the figure replaces its target in one
 * step: gnuplot draws into a temporary file beside it, which is fsync'ed and renamed over the
 * target only once gnuplot has succeeded, so a failed or killed plot leaves the previous
 * figure. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *ext_of(const char *file) {
    const char *dot = strrchr(file, '.');
    return dot ? dot + 1 : "";
}

int plot_check_target(const char *file) {
    const char *ext = ext_of(file);
    if (strcmp(ext, "png") && strcmp(ext, "svg"))
        return cli_usage("--plot: '%s' must end in .png or .svg", file);
    return EXIT_OK;
}

static const char *gnuplot_program(void) {
    const char *g = getenv("ZSUM_GNUPLOT");
    return g && *g ? g : "gnuplot";
}

/* 1 when prog runs: an absolute path that is executable, or a name found on PATH. */
static int program_exists(const char *prog) {
    if (strchr(prog, '/')) return access(prog, X_OK) == 0;
    const char *path = getenv("PATH");
    if (!path) return 0;
    char *copy = strdup(path), *save = NULL;
    int found = 0;
    for (char *dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
        char full[4096];
        snprintf(full, sizeof full, "%s/%s", *dir ? dir : ".", prog);
        found = access(full, X_OK) == 0;
    }
    free(copy);
    return found;
}

int plot_run(const char *file, const char *script) {
    const char *prog = gnuplot_program();
    if (!program_exists(prog))
        return cli_fail(EXIT_RUNTIME,
                        "--plot: gnuplot ('%s') is not installed; install the Debian package "
                        "gnuplot-nox (make deps does) or leave out --plot", prog);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "'%s' > /dev/null 2>&1", prog);
    FILE *p = popen(cmd, "w");
    if (!p) return cli_fail(EXIT_RUNTIME, "--plot: cannot start gnuplot");
    const char *term = strcmp(ext_of(file), "svg") == 0
                           ? "set terminal svg size 900,600 dynamic enhanced font 'sans,12'"
                           : "set terminal pngcairo size 900,600 enhanced font 'sans,11'";
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", file, (long)getpid());
    fprintf(p, "%s\nset output '%s'\n%s\nunset output\n", term, tmp, script);
    int status = pclose(p);
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        unlink(tmp);
        return cli_fail(EXIT_RUNTIME, "--plot: gnuplot failed to draw '%s'", file);
    }
    int fd = open(tmp, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return cli_fail(EXIT_RUNTIME, "--plot: gnuplot did not write '%s'", file);
    int err = fsync(fd) != 0 ? errno : 0;
    close(fd);
    if (!err && rename(tmp, file) != 0) err = errno;
    if (err) {
        unlink(tmp);
        return cli_fail(EXIT_USAGE, "--plot: %s: cannot write: %s", file, strerror(err));
    }
    char *dir = strdup(file);
    int dfd = dir ? open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (dfd >= 0) {
        (void)fsync(dfd); /* best effort: the figure itself is synced */
        close(dfd);
    }
    free(dir);
    return EXIT_OK;
}

FILE *plot_script_open(plot_script *ps) {
    ps->text = NULL;
    ps->len = 0;
    ps->f = open_memstream(&ps->text, &ps->len);
    if (!ps->f) cli_fail(EXIT_RUNTIME, "out of memory");
    return ps->f;
}

int plot_script_draw(plot_script *ps, const char *file) {
    int rc = fclose(ps->f) == 0 ? plot_run(file, ps->text)
                                : cli_fail(EXIT_RUNTIME, "out of memory writing the plot script");
    free(ps->text);
    ps->text = NULL;
    return rc;
}
