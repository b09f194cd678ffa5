/* units_cli.c — work units on the command line: --units I:J --partial FILE (a slice of a
 * computation's units, its records written to FILE for zsum combine), --checkpoint FILE
 * (every finished unit appended to FILE; the same command run again resumes from it), and
 * the hook through which zsum combine and zsum-mpi hand records and units to a command.
 *
 * The options are taken out of the arguments before the command sees them, and the hook is
 * installed on the context of the command's computation by progress_install, so no command
 * knows about units: the library asks the hook (include/zsum/units.h). A session serves
 * every computation a command runs (a temperature sweep, --dos beside the thermodynamics, AIS
 * and its reverse side), numbered in the order they begin: a slice runs its share of each
 * (units_cli_defer lets a command go on past a computation whose other units run
 * elsewhere), a checkpoint declares each as it begins (file format 3), and zsum combine and
 * zsum-mpi supply each its records. */
#include "units_cli.h"
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

__extension__ typedef unsigned __int128 u128;

enum { MODE_NONE, MODE_PARTIAL, MODE_CHECKPOINT };

/* One computation of the session. */
typedef struct ucomp {
    zs_units_comp d;            /* its hash, units, records per unit                         */
    char name[64];
    uint64_t lo, hi, cursor;    /* --units: this computation's share of the slice            */
    uint64_t offset;            /* zsum-mpi: where its units start in the shared count       */
    zs_unit_record *ck;         /* checkpoint records, by unit and part                      */
    unsigned char *ckhave;      /* per record: present                                       */
    uint64_t ckcount;           /* units complete in the checkpoint or finished since        */
} ucomp;

static struct {
    int mode;
    int have_range;
    uint64_t lo, hi;            /* --units I:J: units I .. J-1 of the first computation      */
    const char *partial, *checkpoint;
    char *text;                 /* the command line without the unit options, encoded       */
    int (*next)(void *, uint64_t *); /* zsum-mpi's hand-out: a count shared by every process */
    void *next_user;
    int processes;              /* zsum-mpi's process count                                  */
    int carry_set;              /* zsum-mpi: a value of the shared count past the computation */
    uint64_t carry;             /* in progress, kept for the next one                        */
    zs_unit_record *supply;     /* zsum combine, zsum-mpi: every unit's records, computation */
    zs_units_comp *supply_comps; /* k's from supply_start[k]                                  */
    uint64_t *supply_start;
    size_t nsupply;
    ucomp *comps;               /* the computations begun, in order                          */
    size_t ncomps, capcomps;
    zs_unit_record *mine;       /* records run here, in the order they finished             */
    size_t nmine, capmine;
    zs_units_comp *file_comps;  /* --checkpoint: the computations its file declares          */
    size_t nfile;
    zs_unit_record *loaded;     /* --checkpoint: the file's records, taken at each begin     */
    size_t nloaded;
    int file_ready;             /* --checkpoint: the file read (or made)                     */
    char *text_file;            /* --checkpoint: the command line in the file's header       */
    int io_failed;
    int deferred;               /* a computation's units left to other runs: go on          */
    int swallowed;              /* the command's failure was the session's doing            */
    char io_msg[600];
} S;

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig) { stop_signal = sig; }

void units_cli_reset(void) {
    free(S.text);
    free(S.supply);
    free(S.supply_comps);
    free(S.supply_start);
    for (size_t k = 0; k < S.ncomps; k++) {
        free(S.comps[k].ck);
        free(S.comps[k].ckhave);
    }
    free(S.comps);
    free(S.mine);
    free(S.file_comps);
    free(S.loaded);
    free(S.text_file);
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

/* ---- the computations ---------------------------------------------------------------------- */

uint64_t units_cli_slots(const zs_units_comp *comps, size_t n, uint64_t *start) {
    uint64_t total = 0;
    for (size_t k = 0; k < n; k++) {
        uint64_t parts = comps[k].parts ? comps[k].parts : 1, s = comps[k].units * parts;
        if (start) start[k] = total;
        if ((comps[k].units && s / comps[k].units != parts) || total + s < total) return UINT64_MAX;
        total += s;
    }
    return total;
}

static ucomp *cur(void) { return &S.comps[S.ncomps - 1]; }

/* The hook's refusal: msg written, 1 returned. */
static int refusal(char *msg, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int refusal(char *msg, size_t cap, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, cap, fmt, ap);
    va_end(ap);
    return 1;
}

/* Every part of checkpointed unit u of c is present. */
static int unit_complete(const ucomp *c, uint64_t u) {
    for (uint32_t q = 0; q < c->d.parts; q++)
        if (!c->ckhave[u * c->d.parts + q]) return 0;
    return 1;
}

/* --checkpoint, once: read the file (or make it, of format 3 with no computation yet). A file
 * of format 1 or 2 (a zsum before sessions), or one cut in the middle of a line by a kill, is
 * written again in format 3 with its intact records (atomically), so that lines appended from
 * now on are of its format and start on a line of their own. */
static int checkpoint_open(zs_ctx *ctx, char *msg, size_t cap) {
    struct stat sb;
    zs_units_header h = {0, 0, S.text, 1, 0, NULL, 3};
    if (stat(S.checkpoint, &sb) != 0 && errno == ENOENT) {
        if (zs_units_save(ctx, S.checkpoint, &h, NULL, 0) == ZS_OK) return 0;
        return refusal(msg, cap, "--checkpoint: %s", zs_last_error(ctx));
    }
    zs_units_header fh;
    int torn = 0;
    if (zs_units_load(ctx, S.checkpoint, &fh, &S.loaded, &S.nloaded, &torn) != ZS_OK)
        return refusal(msg, cap, "--checkpoint: %s", zs_last_error(ctx));
    S.file_comps = fh.comps;
    S.nfile = fh.ncomps;
    fh.comps = NULL;
    int refuse = 0;
    if (torn || fh.format != 3) {
        h.ncomps = S.nfile;
        h.comps = S.file_comps;
        if (zs_units_save(ctx, S.checkpoint, &h, S.loaded, S.nloaded) != ZS_OK)
            refuse = refusal(msg, cap, "--checkpoint: %s", zs_last_error(ctx));
    }
    free(S.text_file);
    S.text_file = fh.text;
    fh.text = NULL;
    zs_units_header_clear(&fh);
    return refuse;
}

/* --checkpoint, at computation k's begin: the file's declaration of k checked (or appended),
 * and its records of k taken. */
static int checkpoint_begin(size_t k, char *msg, size_t cap) {
    ucomp *c = &S.comps[k];
    zs_ctx *ctx = zs_ctx_alloc();
    if (!ctx) return refusal(msg, cap, "out of memory");
    int refuse = 0;
    if (!S.file_ready) {
        refuse = checkpoint_open(ctx, msg, cap);
        S.file_ready = 1;
    }
    const uint64_t slots = c->d.units * c->d.parts;
    if (!refuse && slots / c->d.parts == c->d.units) {
        c->ck = calloc(slots ? slots : 1, sizeof *c->ck);
        c->ckhave = calloc(slots ? slots : 1, 1);
    }
    if (!refuse && (!c->ck || !c->ckhave))
        refuse = refusal(msg, cap, "--checkpoint: out of memory for %" PRIu64 " records", c->d.units);
    const zs_units_comp *f = k < S.nfile ? &S.file_comps[k] : NULL;
    if (!refuse && f && (f->problem != c->d.problem || f->units != c->d.units || f->parts != c->d.parts)) {
        char which[64] = "";
        if (k) snprintf(which, sizeof which, " as its computation %zu", k + 1);
        refuse = refusal(msg, cap,
                          "--checkpoint %s holds%s the units of another problem (hash %016" PRIx64
                          ", %" PRIu64 " units, written by 'zsum %.200s'); this one is %016" PRIx64
                          " with %" PRIu64 " units: name another file, or remove it to start afresh",
                          S.checkpoint, which, f->problem, f->units, S.text_file ? S.text_file : "",
                          c->d.problem, c->d.units);
    } else if (!refuse && !f) {
        if (zs_units_append_comp(ctx, S.checkpoint, k, &c->d) != ZS_OK)
            refuse = refusal(msg, cap, "--checkpoint: %s", zs_last_error(ctx));
        else S.nfile = k + 1; /* declared now (file_comps is not read past the file's own) */
    }
    for (size_t i = 0; !refuse && i < S.nloaded; i++) {
        const zs_unit_record *r = &S.loaded[i];
        uint64_t slot = r->unit * c->d.parts + r->part;
        if (r->comp == k && !c->ckhave[slot]) { /* the loader checked unit and part */
            c->ckhave[slot] = 1;
            c->ck[slot] = *r;
        }
    }
    /* A unit is known when all its parts are here; one with parts missing (a kill between
     * its lines) runs again. */
    for (uint64_t u = 0; !refuse && u < c->d.units; u++) c->ckcount += unit_complete(c, u);
    zs_ctx_free(ctx);
    return refuse;
}

/* ---- the hook -------------------------------------------------------------------------------- */

/* The records supplied (zsum combine, zsum-mpi) are for this computation, k. */
static int supply_fits(size_t k, const ucomp *c, char *msg, size_t cap) {
    if (k >= S.nsupply) {
        snprintf(msg, cap,
                 "the records hold %zu computation%s, and this command runs more (the %s, its "
                 "computation %zu): the model file or an option changed since they were written",
                 S.nsupply, S.nsupply == 1 ? "" : "s", c->name, k + 1);
        return 0;
    }
    const zs_units_comp *s = &S.supply_comps[k];
    if (s->problem == c->d.problem && s->units == c->d.units && s->parts == c->d.parts) return 1;
    snprintf(msg, cap,
             "the records are of another problem (hash %016" PRIx64 ", %" PRIu64
             " units) than this command's %s (hash %016" PRIx64 ", %" PRIu64
             " units): the model file or an option changed since they were written",
             s->problem, s->units, c->name, c->d.problem, c->d.units);
    return 0;
}

/* --units I:J names units of the first computation; computation k of U units runs the same
 * fraction of its own, units floor(I U / U0) .. floor(J U / U0) - 1, so that slices which
 * cover the first computation's units once cover every computation's once. */
static int slice_begin(size_t k, ucomp *c, char *msg, size_t cap) {
    if (k == 0) {
        if (!S.have_range) {
            S.lo = 0;
            S.hi = c->d.units;
        }
        if (S.hi > c->d.units) {
            snprintf(msg, cap, "--units %" PRIu64 ":%" PRIu64 ": the %s has %" PRIu64
                     " units (0:%" PRIu64 " is all of them)", S.lo, S.hi, c->name, c->d.units, c->d.units);
            return 1;
        }
        c->lo = S.lo;
        c->hi = S.hi;
    } else {
        const uint64_t u0 = S.comps[0].d.units;
        c->lo = u0 ? (uint64_t)((u128)S.lo * c->d.units / u0) : 0;
        c->hi = u0 ? (uint64_t)((u128)S.hi * c->d.units / u0) : c->d.units;
    }
    c->cursor = c->lo;
    return 0;
}

static int hook_begin(void *user, uint64_t problem, uint64_t units, uint32_t parts,
                      const char *name, char *msg, size_t cap) {
    (void)user;
    if (S.ncomps == S.capcomps) {
        size_t nc = S.capcomps ? 2 * S.capcomps : 4;
        ucomp *g = realloc(S.comps, nc * sizeof *g);
        if (!g) return refusal(msg, cap, "out of memory for a computation's work units");
        S.comps = g;
        S.capcomps = nc;
    }
    const size_t k = S.ncomps++;
    ucomp *c = &S.comps[k];
    memset(c, 0, sizeof *c);
    c->d.problem = problem;
    c->d.units = units;
    c->d.parts = parts ? parts : 1;
    snprintf(c->name, sizeof c->name, "%s", name);
    if (S.supply && !supply_fits(k, c, msg, cap)) return 1;
    if (S.mode == MODE_PARTIAL && slice_begin(k, c, msg, cap)) return 1;
    if (S.next && k) c->offset = S.comps[k - 1].offset + S.comps[k - 1].d.units;
    if (S.mode == MODE_CHECKPOINT) return checkpoint_begin(k, msg, cap);
    return 0;
}

static int hook_known(void *user, uint64_t unit, zs_unit_record *rec) {
    (void)user;
    const ucomp *c = cur();
    const uint32_t parts = c->d.parts;
    if (S.supply) {
        memcpy(rec, &S.supply[S.supply_start[S.ncomps - 1] + unit * parts], parts * sizeof *rec);
        return 1;
    }
    if (c->ckhave && unit_complete(c, unit)) {
        memcpy(rec, &c->ck[unit * parts], parts * sizeof *rec);
        return 1;
    }
    return 0;
}

/* zsum-mpi: the next value of the shared count, as a unit of the computation in progress.
 * The count runs over every computation's units in turn (computation k's from its offset);
 * a value past this computation's is kept for the next, which this process begins next, so
 * every value taken is run by the process that took it. */
static int shared_next(ucomp *c, uint64_t *unit) {
    for (;;) {
        uint64_t g;
        if (S.carry_set) g = S.carry;
        else if (!S.next(S.next_user, &g)) return 0;
        S.carry_set = 0;
        if (g < c->offset) continue; /* (not taken by this process: the count only grows) */
        if (g - c->offset >= c->d.units) {
            S.carry = g;
            S.carry_set = 1;
            return 0;
        }
        *unit = g - c->offset;
        return 1;
    }
}

static int hook_next(void *user, uint64_t *unit) {
    (void)user;
    ucomp *c = cur();
    if (S.next) return shared_next(c, unit);
    if (c->cursor >= c->hi) return 0;
    *unit = c->cursor++;
    return 1;
}

/* Room for parts more records in S.mine. */
static int mine_room(uint32_t parts) {
    if (S.nmine + parts <= S.capmine) return 1;
    size_t nc = S.capmine ? 2 * S.capmine : 64;
    while (nc < S.nmine + parts) nc *= 2;
    zs_unit_record *g = realloc(S.mine, nc * sizeof *g);
    if (!g) {
        S.io_failed = 1;
        snprintf(S.io_msg, sizeof S.io_msg, "out of memory for %zu unit records", nc);
        return 0;
    }
    S.mine = g;
    S.capmine = nc;
    return 1;
}

static int hook_done(void *user, const zs_unit_record *rec) {
    (void)user;
    ucomp *c = cur();
    const uint32_t parts = c->d.parts;
    if (!mine_room(parts)) return 1;
    zs_unit_record *r = S.mine + S.nmine;
    memcpy(r, rec, parts * sizeof *rec);
    for (uint32_t q = 0; q < parts; q++) r[q].comp = (uint32_t)(S.ncomps - 1);
    if (S.mode == MODE_CHECKPOINT) { /* S.mine is only the buffer of the line */
        zs_ctx *ctx = zs_ctx_alloc();
        zs_status st = ctx ? zs_units_append(ctx, S.checkpoint, r, parts) : ZS_ENOMEM;
        if (st != ZS_OK && !S.io_failed) {
            S.io_failed = 1;
            snprintf(S.io_msg, sizeof S.io_msg, "--checkpoint: %s",
                     ctx ? zs_last_error(ctx) : "out of memory");
        }
        zs_ctx_free(ctx);
        c->ckcount++;
        if (S.io_failed) return 1;
    } else {
        S.nmine += parts;
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

/* ---- after the command ----------------------------------------------------------------------- */

/* The slice's units of every computation ran here. */
static int slice_done(void) {
    if (!S.ncomps || S.mode != MODE_PARTIAL) return 0;
    size_t want = 0;
    for (size_t k = 0; k < S.ncomps; k++) want += (S.comps[k].hi - S.comps[k].lo) * S.comps[k].d.parts;
    return S.nmine == want;
}

int units_cli_defer(zs_status st) {
    if (st != ZS_ECANCELLED || !S.ncomps || stop_signal || S.io_failed) return 0;
    if (S.mode != MODE_PARTIAL && !S.next) return 0;
    S.deferred = 1;
    return 1;
}

int units_cli_deferred(void) { return S.deferred; }

int units_cli_swallow(zs_status st) {
    if (!active() || st != ZS_ECANCELLED) return 0;
    S.swallowed = S.deferred || slice_done() || stop_signal || S.io_failed || (S.next && S.ncomps);
    return S.swallowed;
}

static int by_unit(const void *a, const void *b) {
    const zs_unit_record *x = a, *y = b;
    if (x->comp != y->comp) return x->comp < y->comp ? -1 : 1;
    if (x->unit != y->unit) return x->unit < y->unit ? -1 : 1;
    return x->part < y->part ? -1 : x->part > y->part;
}

/* --partial: the slice's records, sorted, to its file: format 1 or 2 for one computation (as
 * a zsum before sessions wrote), format 3 for several. */
static int write_partial(void) {
    qsort(S.mine, S.nmine, sizeof *S.mine, by_unit);
    zs_ctx *ctx = zs_ctx_alloc();
    zs_units_comp *comps = calloc(S.ncomps, sizeof *comps);
    if (!ctx || !comps) {
        zs_ctx_free(ctx);
        free(comps);
        return cli_fail(EXIT_NOMEM, "out of memory");
    }
    for (size_t k = 0; k < S.ncomps; k++) comps[k] = S.comps[k].d;
    const zs_units_comp *c0 = &S.comps[0].d;
    zs_units_header h = {c0->problem, c0->units, S.text, c0->parts, 0, NULL, 0};
    if (S.ncomps > 1) {
        h.ncomps = S.ncomps;
        h.comps = comps;
    }
    zs_status st = zs_units_save(ctx, S.partial, &h, S.mine, S.nmine);
    int out = st == ZS_OK ? EXIT_OK : cli_fail(cli_exit_code(st), "--partial: %s", zs_last_error(ctx));
    zs_ctx_free(ctx);
    free(comps);
    return out;
}

/* --checkpoint: the file synced, and a stop on a signal reported (exit 128 + signal). */
static int finish_checkpoint(int rc, int *keep_output) {
    zs_ctx *ctx = zs_ctx_alloc();
    if (ctx && zs_units_sync(ctx, S.checkpoint) != ZS_OK && rc == EXIT_OK) {
        rc = cli_fail(EXIT_RUNTIME, "--checkpoint: %s", zs_last_error(ctx));
        *keep_output = 0;
    }
    zs_ctx_free(ctx);
    if (!stop_signal) return rc;
    *keep_output = 0;
    const ucomp *c = cur();
    char which[96] = "";
    if (S.ncomps > 1)
        snprintf(which, sizeof which, " (computation %zu of this command; those before it are done)", S.ncomps);
    fprintf(stderr,
            "zsum: stopped by %s after %" PRIu64 " of %" PRIu64 " units of the %s%s; "
            "%s holds them: the same command resumes from there\n",
            stop_signal == SIGINT ? "SIGINT" : "SIGTERM", c->ckcount, c->d.units, c->name, which,
            S.checkpoint);
    return 128 + stop_signal; /* the shell's status for a process ended by that signal */
}

int units_cli_finish(int rc, int *keep_output) {
    *keep_output = 1;
    if (!active()) return rc;
    if (S.io_failed) {
        *keep_output = 0;
        return cli_fail(EXIT_RUNTIME, "%s", S.io_msg);
    }
    if (S.mode == MODE_CHECKPOINT && S.ncomps) rc = finish_checkpoint(rc, keep_output);
    if (stop_signal) return rc;
    if ((S.mode == MODE_PARTIAL || S.mode == MODE_CHECKPOINT) && !S.ncomps && rc == EXIT_OK) {
        *keep_output = 0;
        return cli_usage("%s: this command computes no work units; they serve the exact "
                         "enumerations (levels --method enumerate, ising and bm by enumeration, "
                         "their --dos, rbm logz --exact), AIS (rbm logz --ais), conditioned "
                         "elimination (uai), hopfield capacity and MCMC sampling (ising sample, "
                         "bm sample)", S.mode == MODE_PARTIAL ? "--partial" : "--checkpoint");
    }
    if (S.mode == MODE_PARTIAL) {
        *keep_output = 0;
        if (rc != EXIT_OK && !S.swallowed) return rc; /* the command's own failure */
        if (!slice_done()) return rc == EXIT_OK ? EXIT_RUNTIME : rc;
        return write_partial();
    }
    return rc;
}

void units_cli_supply(const zs_units_comp *comps, size_t ncomps, zs_unit_record *recs) {
    free(S.supply);
    free(S.supply_comps);
    free(S.supply_start);
    S.supply = recs;
    S.nsupply = ncomps;
    S.supply_comps = malloc((ncomps ? ncomps : 1) * sizeof *S.supply_comps);
    S.supply_start = malloc((ncomps ? ncomps : 1) * sizeof *S.supply_start);
    if (!S.supply_comps || !S.supply_start) { /* no computation fits: each is refused */
        S.nsupply = 0;
        return;
    }
    memcpy(S.supply_comps, comps, ncomps * sizeof *comps);
    units_cli_slots(comps, ncomps, S.supply_start);
}

void units_cli_set_source(int (*next)(void *user, uint64_t *unit), void *user, int processes) {
    S.processes = processes;
    S.next = next;
    S.next_user = user;
}

size_t units_cli_comps(zs_units_comp **comps) {
    *comps = calloc(S.ncomps ? S.ncomps : 1, sizeof **comps);
    if (!*comps) return 0;
    for (size_t k = 0; k < S.ncomps; k++) (*comps)[k] = S.comps[k].d;
    return S.ncomps;
}

void units_cli_records(const zs_unit_record **recs, size_t *n) {
    *recs = S.mine;
    *n = S.nmine;
}
