/*
 * zsum/units.h — work units: a long computation cut into a fixed number of independent pieces
 * whose results, combined in unit order, give the whole result. Included by zsum.h; do not
 * include on its own.
 *
 * A computation that supports units (the exact enumerations: zs_levels_thermo_compute and
 * zs_levels_lnz_enumerate with the enumerate method, zs_pairwise_thermo_compute and
 * zs_pairwise_lnz_enumerate with the enumerate method, zs_pairwise_dos by enumeration (its
 * records carry exact counts, integers below 2^53), zs_rbm_lnz_exact; zs_rbm_lnz_ais, one
 * unit per block of at most 64 chains; zs_factor_lnz under conditioning, one unit per
 * conditioned run; zs_hopfield_capacity, one unit per trial; zs_pairwise_sample, one unit per
 * chain) splits its work into a number of units chosen from the problem alone, never from the number of threads or
 * processes. Each unit's result is a zs_unit_record: a few doubles (a partial log-sum-exp,
 * partial moments) whose meaning belongs to the computation, or, where a unit's result needs
 * more than ZS_UNIT_MAX_VALUES doubles (a Markov chain's block sums and autocovariances),
 * a fixed number of records per unit, its parts 0 .. parts-1, which travel together. The
 * records are combined in unit order, so the result is bit-identical whichever threads or
 * processes ran which units.
 *
 * Every record carries the problem's hash: 64 bits of FNV-1a over the computation's name, the
 * model's bytes (every parameter as stored) and every option that changes a bit of the result,
 * so records of another model or options are told apart before they are mixed in.
 *
 * Without a hook a computation runs all its units itself. A caller that distributes the work
 * (a checkpoint, a slice of units in one process of many, an MPI rank) installs a
 * zs_units_hook in the context: the computation then asks the hook which units are already
 * known (their records are used as they are), which units to run here, and hands it every
 * record it finishes. When units are still missing at the end (they run elsewhere), the
 * computation returns ZS_ECANCELLED with a message counting them, and no result.
 *
 * A file of records (lib/io/units_file.c) holds a header — the problem's hash, its unit
 * count and one free line for the caller (the CLI keeps its command line there) — and one
 * record per line, each with its own checksum, so a file cut short by a killed process loses
 * at most its last, incomplete line.
 *
 * Implementations: lib/core/units.c (the hook, the run over units, hashing), lib/io/units_file.c
 * (record files).
 */
#ifndef ZSUM_UNITS_H
#define ZSUM_UNITS_H

#ifndef ZSUM_H
#error "include zsum.h, not zsum/units.h"
#endif

/* The most doubles one record holds (a levels enumeration: weight, mean, second moment and
 * the weight of each of up to 64 levels). */
#define ZS_UNIT_MAX_VALUES 72

typedef struct zs_unit_record {
    uint64_t problem;                  /* hash of the computation, model and options        */
    uint64_t unit;                     /* 0 .. units-1                                       */
    uint32_t nvalues;                  /* values used                                        */
    uint32_t part;                     /* 0 .. parts-1: which of the unit's records          */
    uint32_t comp;                     /* which computation of a caller's session (a record
                                          file of format 3); the caller's: a computation
                                          leaves it 0 and ignores it                          */
    double values[ZS_UNIT_MAX_VALUES]; /* the unit's partial result; meaning per computation */
} zs_unit_record;

/* Callbacks of a distributed or resumable run. Any may be NULL. All are called from one
 * thread at a time (the computation serializes them), though not always the same thread.
 *  begin: once per computation, before any unit: its hash, its unit count, its records per
 *         unit (parts, >= 1) and its name ("levels enumerate"). Nonzero refuses the run: the
 *         computation returns ZS_EINVAL with msg (the hook writes at most cap bytes there) as
 *         its message.
 *         A function that runs several computations (zs_rbm_lnz_sandwich: AIS, then reverse
 *         AIS) begins each in turn and runs its share of each even when an earlier one left
 *         units to other processes; it then returns ZS_ECANCELLED, as a single one does.
 *  known: a unit already computed (a checkpoint, another process): return 1 and fill
 *         rec[0..parts-1], its parts in order (whose problem must be the hash given to begin,
 *         else the run fails with ZS_EINVAL), 0 when unknown.
 *  next:  the next unit to run here: return 1 and set *unit, 0 when there is no more. NULL:
 *         every unit not known, in order.
 *  done:  a unit finished here and its records rec[0..parts-1]. Nonzero stops the run after
 *         the units in progress (ZS_ECANCELLED).
 *  processes: how many processes share the units (zsum-mpi's; 0 or 1: this one alone).
 *         Estimates of run time that refuse a request (zs_rbm_lnz_exact's max_seconds)
 *         divide by it: the resources at hand are processes x threads.
 *  positions: 0: next returns units. 1: next returns positions 0, 1, 2, ... in the
 *         computation's hand-out order, which the computation maps to units: the units of
 *         uneven cost most costly first by the computation's own estimate (a Hopfield
 *         capacity sweep: its largest loads first), others in unit order. The order is a
 *         function of the problem alone, the same in every process, so a counter shared by
 *         processes (zsum-mpi) hands out each unit once, largest first. A position past the
 *         last unit ends the run here. */
typedef struct zs_units_hook {
    void *user;
    int (*begin)(void *user, uint64_t problem, uint64_t units, uint32_t parts, const char *name,
                 char *msg, size_t cap);
    int (*known)(void *user, uint64_t unit, zs_unit_record *rec);
    int (*next)(void *user, uint64_t *unit);
    int (*done)(void *user, const zs_unit_record *rec);
    double processes;
    int positions;
} zs_units_hook;

/* Install hook (copied) for the computations run with ctx; NULL removes it. */
void zs_ctx_set_units(zs_ctx *ctx, const zs_units_hook *hook);

/* A record file's header. text: one line of the caller's (no newline), at most
 * ZS_UNITS_TEXT_MAX bytes; "" when none. A file holds the records of one computation
 * (problem, units, parts: formats 1 and 2) or of several, a caller's session (comps[0 ..
 * ncomps-1]: format 3; a record's comp indexes comps). parts: records per unit (0 means 1). */
#define ZS_UNITS_TEXT_MAX 65536
typedef struct zs_units_comp {
    uint64_t problem, units;
    uint32_t parts;
} zs_units_comp;
typedef struct zs_units_header {
    uint64_t problem, units;
    char *text; /* owned by the header when loaded: zs_units_header_clear frees it */
    uint32_t parts;
    size_t ncomps;         /* 0: one computation, the three members above (format 1 or 2) */
    zs_units_comp *comps;  /* ncomps > 0: format 3; owned when loaded                     */
    int format;            /* set by zs_units_load: 1, 2 or 3; to zs_units_save, 3 asks for
                              format 3 with no computation declared yet (a checkpoint's start) */
} zs_units_header;
void zs_units_header_clear(zs_units_header *h);

/* Write header and n records to path atomically (the whole new file or the old one): format 3
 * when h->ncomps > 0 or h->format is 3, else 2 when h->parts > 1, else 1. ZS_EIO
 * naming the path on failure; ZS_EINVAL for a text with a newline or over its limit. */
zs_status zs_units_save(zs_ctx *ctx, const char *path, const zs_units_header *h,
                        const zs_unit_record *recs, size_t n);

/* Append one unit's n records (its parts) to a file written by zs_units_save (a checkpoint),
 * in the file's format (format 3 names each record's comp): one write(2) of their lines, so a process killed at any moment leaves whole lines and at
 * most a cut last one (a unit with some of its parts missing is not known to a reader: it
 * runs again). The data reach the disk at zs_units_sync (fsync). ZS_EIO naming the path on
 * failure. */
zs_status zs_units_append(zs_ctx *ctx, const char *path, const zs_unit_record *rec, size_t n);
zs_status zs_units_sync(zs_ctx *ctx, const char *path);

/* Append to a file of format 3 the declaration of its computation number index (the next one:
 * index == the computations it holds), before that computation's records. ZS_EIO naming the
 * path on failure. */
zs_status zs_units_append_comp(zs_ctx *ctx, const char *path, size_t index, const zs_units_comp *c);

/* Read a record file: its header (h->text allocated) and its records (*recs allocated, the
 * caller frees; *n of them) in file order. A last line without its newline (a write cut
 * short) is dropped and *torn set to 1 (torn may be NULL); any other bad line, a record of
 * another problem than the header's, or a unit >= units is ZS_EFORMAT naming the file, the
 * line and the unit. The file is read under the context's input limit. h->parts is the
 * file's records per unit (1 for a file of format 1); the records may hold some parts of a
 * unit and not others (a checkpoint cut short), or a part twice. h->comps is always filled
 * (freed by zs_units_header_clear): a file of format 1 or 2 is one computation (ncomps 1,
 * every record's comp 0); in one of format 3 each record is checked against its
 * computation's declaration (problem, units, parts), and problem, units and parts are
 * computation 0's (0 when the file declares none). */
zs_status zs_units_load(zs_ctx *ctx, const char *path, zs_units_header *h, zs_unit_record **recs,
                        size_t *n, int *torn);

#endif
