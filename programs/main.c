/* main.c — the zsum program: one subcommand per file (programs/cmd_*.c), dispatched here.
 * zsum_main is the whole program but for the process's entry point, so that the argument
 * fuzzer (fuzz/fuzz_cli.c) runs it in-process; it compiles this file with ZSUM_NO_MAIN. */
#include "cli.h"
#include "units_cli.h"

#include <string.h>

typedef struct command {
    const char *name;
    cli_command_fn run;
    const char *summary;
} command;

/* Add a subcommand: one line here, its function in cli.h, its file programs/cmd_NAME.c. */
static const command commands[] = {
    {"levels", cmd_levels, "units on energy levels: microstates, Z, entropy (the chapter's system)"},
    {"hopfield", cmd_hopfield, "Hopfield memories: Hebbian storage, recall dynamics, capacity"},
    {"ising", cmd_ising, "Ising chain and square lattice: exact ln Z, density of states, sampling"},
    {"bm", cmd_bm, "Boltzmann machines (W, b): exact ln Z by enumeration, sampling"},
    {"rbm", cmd_rbm, "restricted Boltzmann machines: exact and AIS ln Z, log-likelihood, training"},
    {"dbm", cmd_dbm, "deep Boltzmann machines: exact and AIS ln Z, mean-field bound, log-likelihood"},
    {"uai", cmd_uai, "discrete models in the UAI format: exact ln Z by variable elimination"},
    {"combine", cmd_combine, "combine the unit records of --units/--partial runs into the result"},
};

static void usage(FILE *f) {
    fputs("usage: zsum COMMAND [OPTIONS]   (zsum COMMAND --help for its options)\n\n"
          "zsum computes partition functions, entropies and free energies of energy-based\n"
          "models, exactly where affordable. Commands:\n",
          f);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fputs("\nzsum help COMMAND [SUBCOMMAND] is COMMAND [SUBCOMMAND] --help; zsum --version prints the\nversion. See man zsum and README.md.\n", f);
}

int cli_dispatch(int argc, char **argv) {
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[0], commands[i].name)) return commands[i].run(argc, argv);
    return cli_usage("unknown command '%s' (zsum --help lists them)", argv[0]);
}

/* The command argv[0] with its arguments; the output flushed when it succeeds. Work-unit
 * options (--units I:J --partial FILE, --checkpoint FILE) are taken out before the command
 * parses its own (programs/units_cli.c). */
static int zsum_main_command(int argc, char **argv) {
    units_cli_reset();
    int rc = units_cli_strip(&argc, argv);
    if (rc != EXIT_OK) return rc;
    rc = cli_dispatch(argc, argv);
    int keep = 1;
    rc = units_cli_finish(rc, &keep);
    if (rc == EXIT_OK && keep) return cli_flush();
    cli_discard();
    return rc;
}

int zsum_main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "help") && argc >= 3 && argc <= 4) {
        /* zsum help CMD [SUB]: the same help as zsum CMD [SUB] --help (cli_help). */
        char *args[4] = {argv[2], argc == 4 ? argv[3] : NULL, NULL, NULL};
        args[argc - 2] = (char *)"--help";
        return zsum_main_command(argc - 1, args);
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return EXIT_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("zsum %s\n", ZSUM_VERSION_STRING);
        return EXIT_OK;
    }
    if (!cli_check_max_seconds_env()) return EXIT_USAGE;
    return zsum_main_command(argc - 1, argv + 1);
}

#ifndef ZSUM_NO_MAIN
int main(int argc, char **argv) { return zsum_main(argc, argv); }
#endif
