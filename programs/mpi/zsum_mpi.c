/* zsum_mpi.c — zsum-mpi: the zsum program run by every process of an MPI job, with the work
 * units of its computation (include/zsum/units.h) shared among the processes.
 *
 *     mpirun -np 64 zsum-mpi bm logz model.npz --format json
 *
 * takes the same subcommands, options and output as zsum. Each process runs the command with
 * a units hook whose hand-out is one shared counter in rank 0's memory, read and advanced
 * by MPI_Fetch_and_op (one-sided, so rank 0 computes units like the others and no process
 * waits on a busy master): a process takes the next unit when it is free, so units of
 * different cost balance (dynamic hand-out). The counter counts positions in the
 * computation's hand-out order (zs_units_hook.positions), which puts the most costly units
 * first where the computation estimates their costs, so the last units handed out are short
 * ones. Inside a process, OpenMP threads take units the same way (the hook is called from one
 * thread at a time: MPI_THREAD_SERIALIZED). A command that runs several computations takes
 * the units of each from the same counter in turn (programs/units_cli.c: the counter runs over
 * every computation's units). Then every
 * process sends rank 0 the records it ran (MPI_Gatherv), and rank 0 runs the command once
 * more with every record supplied — nothing is computed again — and prints: the records are
 * combined in unit order, so the output is zsum's, bit for bit, for any number of processes.
 * A process that waits (for the slowest, or for rank 0's printing) sleeps between polls
 * instead of spinning, leaving its core to a process still computing.
 *
 * A command that runs no work units (a closed form) is run by every process and
 * printed by rank 0. Only rank 0 writes to stdout and stderr. */
#include "cli.h"
#include "units_cli.h"

#include <mpi.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct counter {
    MPI_Win win;
} counter;

/* Wait for a nonblocking collective without spinning: a process whose units are done waits
 * for the slowest one (and the others for rank 0's printing), and Open MPI's blocking
 * collectives poll at full speed, taking the core from a process still computing where
 * processes share cores. Polled every 100 us: at most that much later than a spin. */
static void wait_quietly(MPI_Request *req) {
    const struct timespec pause = {0, 100000};
    for (;;) {
        int done = 0;
        MPI_Test(req, &done, MPI_STATUS_IGNORE);
        if (done) return;
        nanosleep(&pause, NULL);
    }
}

/* The next position in the computation's hand-out order (the hook's positions: the most
 * costly units first where it estimates them): counter += 1 at rank 0, atomically, its old
 * value. One round trip (the fetch and its flush) inside the epoch every process opened once
 * (MPI_Win_lock_all), not three (lock, fetch, unlock) per unit. */
static int next_unit(void *user, uint64_t *unit) {
    counter *c = user;
    uint64_t one = 1, got = 0;
    MPI_Fetch_and_op(&one, &got, MPI_UINT64_T, 0, 0, MPI_SUM, c->win);
    MPI_Win_flush(0, c->win);
    *unit = got;
    return 1; /* units_exec stops at a position >= its unit count: the hook ends there */
}

static char **copy_argv(int argc, char **argv) {
    char **c = calloc((size_t)argc + 1, sizeof *c);
    for (int i = 0; c && i < argc; i++) c[i] = argv[i];
    return c;
}

/* One run of the command (argv[0] "zsum-mpi", argv[1] the command), as zsum_main does it,
 * with the session prepared by setup. Returns the exit code; the output stays buffered. */
static int run_command(int argc, char **argv, int *keep) {
    int sub_argc = argc - 1;
    int rc = units_cli_strip(&sub_argc, argv + 1);
    if (rc != EXIT_OK) {
        *keep = 0;
        return rc;
    }
    rc = cli_dispatch(sub_argc, argv + 1);
    return units_cli_finish(rc, keep);
}

static int has_unit_file_option(int argc, char **argv) {
    for (int i = 1; i < argc; i++)
        if (!strncmp(argv[i], "--partial", 9) || !strncmp(argv[i], "--checkpoint", 12) ||
            (!strncmp(argv[i], "--units", 7) &&
             ((argv[i][7] == '=' && strchr(argv[i], ':')) ||
              (!argv[i][7] && i + 1 < argc && strchr(argv[i + 1], ':')))))
            return 1;
    return 0;
}

/* Every process's records, gathered at rank 0 (MPI_Gatherv): *all (malloc'd, total bytes)
 * there, NULL elsewhere. */
static void gather_records(int rank, int size, char **all, size_t *total) {
    const zs_unit_record *mine;
    size_t n;
    units_cli_records(&mine, &n);
    int bytes = (int)(n * sizeof *mine);
    int *counts = NULL, *displs = NULL;
    *all = NULL;
    *total = 0;
    if (rank == 0) {
        counts = calloc((size_t)size, sizeof *counts);
        displs = calloc((size_t)size, sizeof *displs);
    }
    MPI_Request req;
    MPI_Igather(&bytes, 1, MPI_INT, counts, 1, MPI_INT, 0, MPI_COMM_WORLD, &req);
    wait_quietly(&req);
    if (rank == 0) {
        for (int r = 0; r < size; r++) {
            displs[r] = (int)*total;
            *total += (size_t)counts[r];
        }
        *all = malloc(*total ? *total : 1);
    }
    MPI_Igatherv(mine, bytes, MPI_BYTE, *all, counts, displs, MPI_BYTE, 0, MPI_COMM_WORLD, &req);
    wait_quietly(&req);
    free(counts);
    free(displs);
}

/* Rank 0: with every unit's record supplied (all, total bytes; of the computations comps[0..
 * nc-1] the command began), the command run once more and printed. rc is the first run's exit
 * code; all_began whether every process reached every computation's units. */
static int rerun_with_records(int argc, char **saved, const char *all, size_t total, zs_units_comp *comps,
                              size_t nc, int all_began, int rc) {
    size_t got = total / sizeof(zs_unit_record);
    uint64_t *start = calloc(nc ? nc : 1, sizeof *start);
    const uint64_t slots = start ? units_cli_slots(comps, nc, start) : UINT64_MAX;
    zs_unit_record *recs = slots != UINT64_MAX ? calloc(slots ? slots : 1, sizeof *recs) : NULL;
    unsigned char *have = slots != UINT64_MAX ? calloc(slots ? slots : 1, 1) : NULL;
    for (size_t i = 0; recs && have && i < got; i++) {
        zs_unit_record r;
        memcpy(&r, all + i * sizeof r, sizeof r);
        if (r.comp >= nc) continue;
        const zs_units_comp *c = &comps[r.comp];
        uint64_t slot = start[r.comp] + r.unit * c->parts + r.part;
        if (r.unit < c->units && r.part < c->parts && r.problem == c->problem && !have[slot]) {
            have[slot] = 1;
            recs[slot] = r;
        }
    }
    uint64_t missing = 0, units = 0; /* in units, for the message */
    for (size_t k = 0; recs && have && k < nc; k++)
        for (uint64_t u = 0; u < comps[k].units; u++, units++)
            for (uint32_t q = 0; q < comps[k].parts; q++)
                if (!have[start[k] + u * comps[k].parts + q]) {
                    missing++;
                    break;
                }
    int oom = !recs || !have;
    free(have);
    free(start);
    if (oom) {
        free(recs);
        return cli_fail(EXIT_NOMEM, "zsum-mpi: out of memory for the records of %zu computations", nc);
    }
    if (!all_began || missing) {
        /* A process failed before or during its units: its message was its own (rank 0
         * speaks for all; run that rank's command alone to see it). */
        free(recs);
        if (rc != EXIT_OK && rc != EXIT_RUNTIME) return rc;
        return cli_fail(EXIT_RUNTIME, "zsum-mpi: %llu of %llu units were run by no process (a process failed)",
                        (unsigned long long)missing, (unsigned long long)units);
    }
    units_cli_reset();
    units_cli_supply(comps, nc, recs);
    int keep = 1;
    char **again = copy_argv(argc, saved);
    rc = run_command(argc, again, &keep);
    free(again);
    if (rc == EXIT_OK && keep) return cli_flush();
    cli_discard();
    return rc;
}

/* The command with its work units shared among the processes: each runs the units it takes
 * from the shared counter, then rank 0 gathers the records and prints. Rank 0's exit code. */
static int run_shared(int argc, char **argv, int rank, int size) {
    char **saved = copy_argv(argc, argv);
    counter c;
    uint64_t *base = NULL;
    MPI_Win_allocate(rank == 0 ? (MPI_Aint)sizeof(uint64_t) : 0, sizeof(uint64_t), MPI_INFO_NULL,
                     MPI_COMM_WORLD, &base, &c.win);
    if (rank == 0) {
        MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, c.win);
        *base = 0;
        MPI_Win_unlock(0, c.win);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    /* 1. every process runs the units it takes. */
    units_cli_reset();
    units_cli_set_source(next_unit, &c, size);
    int keep = 1;
    MPI_Win_lock_all(MPI_MODE_NOCHECK, c.win);
    int rc = run_command(argc, argv, &keep);
    MPI_Win_unlock_all(c.win);
    zs_units_comp *comps = NULL;
    /* Every process begins the same computations (a process that failed stopped early):
     * min(began) and max(began) = -min(-began), in one reduction. */
    int began = (int)units_cli_comps(&comps), all_began = 0, any_began = 0;
    int flags[2] = {began, -began}, least[2] = {0, 0};
    MPI_Request req;
    MPI_Iallreduce(flags, least, 2, MPI_INT, MPI_MIN, MPI_COMM_WORLD, &req);
    wait_quietly(&req);
    all_began = least[0];
    any_began = -least[1];
    all_began = all_began > 0 && all_began == any_began;
    if (!any_began) {
        /* No work units: every process ran the whole command; rank 0 prints. */
        if (rank == 0 && rc == EXIT_OK && keep) rc = cli_flush();
        else cli_discard();
    } else {
        cli_discard();
        /* 2. rank 0 gathers every record and runs the command once more with them. */
        char *all;
        size_t total;
        gather_records(rank, size, &all, &total);
        if (rank == 0)
            rc = rerun_with_records(argc, saved, all, total, comps, (size_t)began, all_began, rc);
        free(all);
    }
    free(comps);
    units_cli_reset();
    MPI_Win_free(&c.win);
    free(saved);
    return rc;
}

int main(int argc, char **argv) {
    int provided = 0, rank = 0, size = 1;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (rank != 0) { /* one voice: rank 0's */
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr)) return 1;
    }
    int rc;
    if (argc < 2 || argv[1][0] == '-' || !strcmp(argv[1], "combine") || !strcmp(argv[1], "help")) {
        /* --help, --version, combine: nothing to share. */
        rc = rank == 0 ? zsum_main(argc, argv) : EXIT_OK;
    } else if (has_unit_file_option(argc, argv)) {
        rc = cli_usage("zsum-mpi: --units, --partial and --checkpoint are zsum's (one process "
                       "per slice); zsum-mpi shares the units among its processes itself");
    } else if (provided < MPI_THREAD_SERIALIZED) {
        rc = cli_fail(EXIT_RUNTIME, "zsum-mpi: this MPI library gives no MPI_THREAD_SERIALIZED");
    } else {
        rc = run_shared(argc, argv, rank, size);
    }
    MPI_Request req;
    MPI_Ibcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD, &req);
    wait_quietly(&req);
    MPI_Finalize();
    return rc;
}
