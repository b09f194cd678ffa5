/* units_cli.c — work units on the command line: --units I:J --partial FILE (a slice of a
 * computation's units, its records written to FILE for zsum combine), --checkpoint FILE
 * (every finished unit appended to FILE; the same command run again resumes from it), and
 * the hook through which zsum combine and zsum-mpi hand records and units to a command.
 *
 * The options are taken out of the arguments before the command sees them, and the hook is
 * installed on the context of the command's computation by progress_install, so no command
 * knows about units: the library asks the hook (include/zsum/units.h). A session serves one
 * computation per command; a second one (a sweep over temperatures) is refused. */
#include "units_cli.h"
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { MODE_NONE, MODE_PARTIAL, MODE_CHECKPOINT };

static struct {
    int mode;
    int have_range;
    uint64_t lo, hi;            /* --units I:J: units I .. J-1                              */
    const char *partial, *checkpoint;
    char *text;                 /* the command line without the unit options, encoded       */
    int (*next)(void *, uint64_t *); /* zsum-mpi's hand-out                                  */
    void *next_user;
    int processes;              /* zsum-mpi's process count                                  */
    zs_unit_record *supply;     /* zsum combine, zsum-mpi: every unit's record               */
    uint64_t supply_problem, supply_units;
    uint32_t supply_parts;
    int began;                  /* a computation asked for its units                         */
    uint64_t problem, units, cursor;
    uint32_t parts;             /* records per unit                                          */
    char name[64];
    zs_unit_record *mine;       /* records run here, in the order they finished             */
    size_t nmine, capmine;
    zs_unit_record *ck;         /* checkpoint records, by unit and part                      */
    unsigned char *ckhave;      /* per record: present                                       */
    uint64_t ckcount;
    int io_failed;
    int swallowed;              /* the command's failure was the session's doing            */
    char io_msg[600];
} S;

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig) { stop_signal = sig; }

void units_cli_reset(void) {
    free(S.text);
    free(S.supply);
    free(S.mine);
    free(S.ck);
    free(S.ckhave);
    memset(&S, 0, sizeof S);
    stop_signal = 0;
}

const char *units_cli_command_text(void) { return S.text ? S.text : ""; }

/* ---- the options --------------------------------------------------------------------------- */

static int parse_range(const char *t) {
    const char *colon = strchr(t, ':');
    char a[32], b[32];
    size_t la = (size_t)(colon - t);
    if (la == 0 || la >= sizeof a || strlen(colon + 1) == 0 || strlen(colon + 1) >= sizeof b)
        return cli_usage("--units: '%s' is not I:J (units I to J-1, e.g. 0:512)", t);
    memcpy(a, t, la);
    a[la] = '\0';
    strcpy(b, colon + 1);
    if (!cli_parse_u64("--units", a, &S.lo) || !cli_parse_u64("--units", b, &S.hi)) return EXIT_USAGE;
    if (S.lo >= S.hi)
        return cli_usage("--units %s: the range is empty (I:J runs units I to J-1; want I < J)", t);
    S.have_range = 1;
    return 0;
}

int units_cli_strip(int *argc, char **argv) {
    int out = 1, rc = 0;
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        int which = 0; /* 1 units, 2 partial, 3 checkpoint */
        static const char *names[] = {"--units", "--partial", "--checkpoint"};
        for (int k = 0; k < 3 && !which; k++) {
            size_t l = strlen(names[k]);
            if (!strncmp(a, names[k], l) && a[l] == '=') {
                which = k + 1;
                val = a + l + 1;
            } else if (!strcmp(a, names[k])) {
                which = k + 1;
                val = i + 1 < *argc ? argv[i + 1] : NULL;
                if (which == 1 && (!val || !strchr(val, ':'))) which = 0; /* levels --units N */
                else i++;
            }
        }
        if (which == 1 && !strchr(val, ':')) which = 0;
        if (!which) {
            argv[out++] = argv[i];
            continue;
        }
        if (!val || !*val) {
            rc = cli_usage("%s needs a value", names[which - 1]);
            break;
        }
        if (which == 1 && (rc = parse_range(val)) != 0) break;
        if (which == 2) S.partial = val;
        if (which == 3) S.checkpoint = val;
    }
    argv[out] = NULL;
    *argc = out;
    if (rc) return rc;
    if (S.checkpoint && (S.partial || S.have_range))
        return cli_usage("--checkpoint resumes a whole run; it does not combine with --units or "
                         "--partial (give each slice its own --partial file)");
    if (S.have_range && !S.partial)
        return cli_usage("--units I:J needs --partial FILE: the records of a slice go to a file "
                         "for zsum combine");
    if (S.partial) S.mode = MODE_PARTIAL;
    else if (S.checkpoint) S.mode = MODE_CHECKPOINT;
    free(S.text);
    S.text = units_cli_encode(*argc, argv); /* the command line for the header */
    if (!S.text) return cli_fail(EXIT_NOMEM, "cannot allocate the command line");
    return 0;
}

/* ---- the hook -------------------------------------------------------------------------------- */

/* Every part of checkpointed unit u is present. */
static int unit_complete(uint64_t u) {
    for (uint32_t q = 0; q < S.parts; q++)
        if (!S.ckhave[u * S.parts + q]) return 0;
    return 1;
}

static int load_checkpoint(char *msg, size_t cap) {
    struct stat sb;
    zs_ctx *ctx = zs_ctx_alloc();
    if (!ctx) return snprintf(msg, cap, "out of memory"), 1;
    zs_units_header h = {S.problem, S.units, S.text, S.parts};
    int refuse = 0;
    const uint64_t slots = S.units * S.parts;
    S.ck = slots / S.parts == S.units ? calloc(slots, sizeof *S.ck) : NULL;
    S.ckhave = S.ck ? calloc(slots, 1) : NULL;
    if (!S.ck || !S.ckhave) {
        snprintf(msg, cap, "--checkpoint: out of memory for %" PRIu64 " records", S.units);
        refuse = 1;
    } else if (stat(S.checkpoint, &sb) != 0 && errno == ENOENT) {
        zs_status st = zs_units_save(ctx, S.checkpoint, &h, NULL, 0);
        if (st != ZS_OK) {
            snprintf(msg, cap, "--checkpoint: %s", zs_last_error(ctx));
            refuse = 1;
        }
    } else {
        zs_units_header fh;
        zs_unit_record *recs = NULL;
        size_t n = 0;
        int torn = 0;
        zs_status st = zs_units_load(ctx, S.checkpoint, &fh, &recs, &n, &torn);
        if (st != ZS_OK) {
            snprintf(msg, cap, "--checkpoint: %s", zs_last_error(ctx));
            refuse = 1;
        } else if (fh.problem != S.problem || fh.units != S.units || fh.parts != S.parts) {
            snprintf(msg, cap,
                     "--checkpoint %s holds the units of another problem (hash %016" PRIx64
                     ", %" PRIu64 " units, written by 'zsum %.200s'); this one is %016" PRIx64
                     " with %" PRIu64 " units: name another file, or remove it to start afresh",
                     S.checkpoint, fh.problem, fh.units, fh.text, S.problem, S.units);
            refuse = 1;
        } else {
            for (size_t i = 0; i < n; i++) {
                uint64_t slot = recs[i].unit * S.parts + recs[i].part;
                if (!S.ckhave[slot]) {
                    S.ckhave[slot] = 1;
                    S.ck[slot] = recs[i];
                }
            }
            /* A unit is known when all its parts are here; one with parts missing (a kill
             * between its lines) runs again. */
            for (uint64_t u = 0; u < S.units; u++) S.ckcount += unit_complete(u);
            /* A line cut short by a kill: write the file again without it (atomically), so
             * the lines appended from now on start on a line of their own. */
            if (torn) {
                zs_unit_record *all = malloc((S.ckcount ? S.ckcount * S.parts : 1) * sizeof *all);
                size_t m = 0;
                for (uint64_t u = 0; all && u < S.units; u++)
                    if (unit_complete(u))
                        for (uint32_t q = 0; q < S.parts; q++) all[m++] = S.ck[u * S.parts + q];
                if (!all || zs_units_save(ctx, S.checkpoint, &h, all, m) != ZS_OK) {
                    snprintf(msg, cap, "--checkpoint: %s", all ? zs_last_error(ctx) : "out of memory");
                    refuse = 1;
                }
                free(all);
            }
        }
        free(recs);
        zs_units_header_clear(&fh);
    }
    zs_ctx_free(ctx);
    return refuse;
}

static int hook_begin(void *user, uint64_t problem, uint64_t units, uint32_t parts,
                      const char *name, char *msg, size_t cap) {
    (void)user;
    if (S.began) {
        snprintf(msg, cap, "this command runs more than one computation (%s, then %s); work "
                 "units (--units, --partial, --checkpoint, zsum-mpi) serve one: ask for one "
                 "temperature, or rbm logz --ais --reverse none", S.name, name);
        return 1;
    }
    S.began = 1;
    S.problem = problem;
    S.units = units;
    S.parts = parts;
    snprintf(S.name, sizeof S.name, "%s", name);
    if (S.supply && (problem != S.supply_problem || units != S.supply_units ||
                     parts != S.supply_parts)) {
        snprintf(msg, cap,
                 "the records are of another problem (hash %016" PRIx64 ", %" PRIu64
                 " units) than this command's %s (hash %016" PRIx64 ", %" PRIu64
                 " units): the model file or an option changed since they were written",
                 S.supply_problem, S.supply_units, name, problem, units);
        return 1;
    }
    if (S.mode == MODE_PARTIAL) {
        if (!S.have_range) {
            S.lo = 0;
            S.hi = units;
        }
        if (S.hi > units) {
            snprintf(msg, cap, "--units %" PRIu64 ":%" PRIu64 ": the %s has %" PRIu64
                     " units (0:%" PRIu64 " is all of them)", S.lo, S.hi, name, units, units);
            return 1;
        }
        S.cursor = S.lo;
    }
    if (S.mode == MODE_CHECKPOINT) return load_checkpoint(msg, cap);
    return 0;
}

static int hook_known(void *user, uint64_t unit, zs_unit_record *rec) {
    (void)user;
    if (S.supply) {
        memcpy(rec, &S.supply[unit * S.parts], S.parts * sizeof *rec);
        return 1;
    }
    if (S.ckhave && unit_complete(unit)) {
        memcpy(rec, &S.ck[unit * S.parts], S.parts * sizeof *rec);
        return 1;
    }
    return 0;
}

static int hook_next(void *user, uint64_t *unit) {
    (void)user;
    if (S.next) return S.next(S.next_user, unit);
    if (S.cursor >= S.hi) return 0;
    *unit = S.cursor++;
    return 1;
}

static int hook_done(void *user, const zs_unit_record *rec) {
    (void)user;
    if (S.mode == MODE_CHECKPOINT) {
        zs_ctx *ctx = zs_ctx_alloc();
        zs_status st = ctx ? zs_units_append(ctx, S.checkpoint, rec, S.parts) : ZS_ENOMEM;
        if (st != ZS_OK && !S.io_failed) {
            S.io_failed = 1;
            snprintf(S.io_msg, sizeof S.io_msg, "--checkpoint: %s",
                     ctx ? zs_last_error(ctx) : "out of memory");
        }
        zs_ctx_free(ctx);
        S.ckcount++;
        if (S.io_failed) return 1;
    } else {
        if (S.nmine + S.parts > S.capmine) {
            size_t nc = S.capmine ? 2 * S.capmine : 64;
            while (nc < S.nmine + S.parts) nc *= 2;
            zs_unit_record *g = realloc(S.mine, nc * sizeof *g);
            if (!g) {
                S.io_failed = 1;
                snprintf(S.io_msg, sizeof S.io_msg, "out of memory for %zu unit records", nc);
                return 1;
            }
            S.mine = g;
            S.capmine = nc;
        }
        memcpy(S.mine + S.nmine, rec, S.parts * sizeof *rec);
        S.nmine += S.parts;
    }
    return stop_signal != 0;
}

static int active(void) { return S.mode != MODE_NONE || S.next || S.supply; }

void units_cli_install(zs_ctx *ctx) {
    if (!active()) return;
    zs_units_hook h = {NULL, hook_begin, hook_known, NULL, hook_done, S.processes, S.next != NULL};
    if (S.mode == MODE_PARTIAL || S.next) h.next = hook_next;
    if (S.supply) h.next = NULL; /* every record is known: nothing is run */
    zs_ctx_set_units(ctx, &h);
    if (S.mode == MODE_CHECKPOINT) {
        /* SIGINT and SIGTERM: the handler only records the signal; the run stops after the
         * units in progress, whose records are in the file. SA_RESETHAND: a second signal
         * ends the process at once, which loses nothing the file holds. */
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_stop_signal;
        sa.sa_flags = SA_RESETHAND;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
    }
}

static int slice_done(void) {
    return S.began && S.mode == MODE_PARTIAL && S.nmine == (S.hi - S.lo) * S.parts;
}

int units_cli_swallow(zs_status st) {
    if (!active() || st != ZS_ECANCELLED) return 0;
    S.swallowed = slice_done() || stop_signal || S.io_failed || (S.next && S.began);
    return S.swallowed;
}

static int by_unit(const void *a, const void *b) {
    const zs_unit_record *x = a, *y = b;
    if (x->unit != y->unit) return x->unit < y->unit ? -1 : 1;
    return x->part < y->part ? -1 : x->part > y->part;
}

int units_cli_finish(int rc, int *keep_output) {
    *keep_output = 1;
    if (!active()) return rc;
    if (S.io_failed) {
        *keep_output = 0;
        return cli_fail(EXIT_RUNTIME, "%s", S.io_msg);
    }
    if (S.mode == MODE_CHECKPOINT && S.began) {
        zs_ctx *ctx = zs_ctx_alloc();
        if (ctx && zs_units_sync(ctx, S.checkpoint) != ZS_OK && rc == EXIT_OK) {
            rc = cli_fail(EXIT_RUNTIME, "--checkpoint: %s", zs_last_error(ctx));
            *keep_output = 0;
        }
        zs_ctx_free(ctx);
        if (stop_signal) {
            *keep_output = 0;
            fprintf(stderr,
                    "zsum: stopped by %s after %" PRIu64 " of %" PRIu64 " units of the %s; "
                    "%s holds them: the same command resumes from there\n",
                    stop_signal == SIGINT ? "SIGINT" : "SIGTERM", S.ckcount, S.units, S.name,
                    S.checkpoint);
            return 128 + stop_signal; /* the shell's status for a process ended by that signal */
        }
    }
    if ((S.mode == MODE_PARTIAL || S.mode == MODE_CHECKPOINT) && !S.began && rc == EXIT_OK) {
        *keep_output = 0;
        return cli_usage("%s: this command computes no work units; they serve the exact "
                         "enumerations (levels --method enumerate, ising and bm by enumeration, "
                         "rbm logz --exact), AIS (rbm logz --ais), conditioned elimination (uai), "
                         "hopfield capacity and MCMC sampling (ising sample, bm sample)", S.mode == MODE_PARTIAL ? "--partial" : "--checkpoint");
    }
    if (S.mode == MODE_PARTIAL) {
        *keep_output = 0;
        if (rc != EXIT_OK && !S.swallowed) return rc; /* the command's own failure */
        if (!slice_done()) return rc == EXIT_OK ? EXIT_RUNTIME : rc;
        qsort(S.mine, S.nmine, sizeof *S.mine, by_unit);
        zs_ctx *ctx = zs_ctx_alloc();
        if (!ctx) return cli_fail(EXIT_NOMEM, "out of memory");
        zs_units_header h = {S.problem, S.units, S.text, S.parts};
        zs_status st = zs_units_save(ctx, S.partial, &h, S.mine, S.nmine);
        int out = st == ZS_OK ? EXIT_OK : cli_fail(cli_exit_code(st), "--partial: %s", zs_last_error(ctx));
        zs_ctx_free(ctx);
        return out;
    }
    return rc;
}

void units_cli_supply(uint64_t problem, uint64_t units, uint32_t parts, zs_unit_record *recs) {
    free(S.supply);
    S.supply = recs;
    S.supply_problem = problem;
    S.supply_units = units;
    S.supply_parts = parts ? parts : 1;
}

void units_cli_set_source(int (*next)(void *user, uint64_t *unit), void *user, int processes) {
    S.processes = processes;
    S.next = next;
    S.next_user = user;
}

int units_cli_began(uint64_t *problem, uint64_t *units, uint32_t *parts) {
    if (problem) *problem = S.problem;
    if (units) *units = S.units;
    if (parts) *parts = S.parts;
    return S.began;
}

void units_cli_records(const zs_unit_record **recs, size_t *n) {
    *recs = S.mine;
    *n = S.nmine;
}
