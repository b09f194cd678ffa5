/* plot.c — figures through gnuplot: the command writes a script (data inline, as gnuplot's
 * $DATA << EOD blocks) and gnuplot renders it to PNG (pngcairo) or SVG. */
#include "cli.h"

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
    fprintf(p, "%s\nset output '%s'\n%s\nunset output\n", term, file, script);
    int status = pclose(p);
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return cli_fail(EXIT_RUNTIME, "--plot: gnuplot failed to draw '%s'", file);
    if (access(file, R_OK) != 0)
        return cli_fail(EXIT_RUNTIME, "--plot: gnuplot did not write '%s'", file);
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
