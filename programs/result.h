/* result.h — one description of a command's results, written as a table, JSON or CSV.
 *
 * A command lists its results once, as fields: a key, a value (a double, an unsigned integer,
 * a string, a boolean, an array, a nested record, or "not given by this method"), and for the
 * table an optional label, unit and comment. One writer renders the list in the format asked
 * for, so the three formats cannot drift apart: a key in the JSON is a key in the CSV.
 *
 *   JSON   the fields in order as members of an object ("absent" is null, non-finite numbers
 *          are null, arrays on one line);
 *   CSV    either one header line and one line of values (result_csv_row), or a line per
 *          field under "quantity,value" (result_csv_pairs); "absent" and NaN are empty fields,
 *          arrays are one field with values separated by spaces (or one field per item,
 *          key_0, key_1, ..., with RF_SPREAD); fields are quoted when they need it (RFC 4180);
 *   table  a line per field, "label  value unit   (comment)", arrays separated by commas;
 *          lines of free text (result_line) appear in the table only.
 *
 * Strings given to the result (keys, labels, values) are not copied and must outlive it; those
 * made by result_fmt are owned by the result and freed by result_free. */
#ifndef ZSUM_PROGRAMS_RESULT_H
#define ZSUM_PROGRAMS_RESULT_H

#include "cli.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define RESULT_MAX 48 /* fields in one record: more than any command writes */

typedef enum {
    RF_NUM,     /* double                                                   */
    RF_U64,     /* unsigned integer                                         */
    RF_STR,     /* text                                                     */
    RF_BOOL,    /* true / false                                             */
    RF_NUMS,    /* array of double                                          */
    RF_U64S,    /* array of uint64_t                                        */
    RF_U32S,    /* array of uint32_t                                        */
    RF_SIZES,   /* array of size_t                                          */
    RF_ABSENT,  /* not given by this method: null in JSON, empty in CSV     */
    RF_OBJ,     /* a nested record (JSON only)                              */
    RF_ROWS,    /* an array of records, one per line (JSON only)            */
    RF_LINE     /* a line of free text (table only)                         */
} result_type;

/* Where a field appears (default: everywhere it can). */
enum {
    RF_NO_TABLE = 1u,  /* not in the table (it is part of a line written by other means)     */
    RF_NO_JSON = 2u,   /* not in the JSON (a row number)                                     */
    RF_NO_CSV = 4u,    /* not in the CSV                                                     */
    RF_SPREAD = 8u,    /* CSV: an array as one field per item, key_0, key_1, ...             */
    RF_NOTE = 16u,     /* table: written as "# key: value" (a warning for the reader)        */
    RF_OUTDENT = 32u,  /* table: not indented (the head of an indented record)               */
    RF_INLINE = 64u    /* JSON: a nested record on one line                                  */
};

typedef struct result result;

typedef struct result_field {
    const char *key;
    result_type type;
    union {
        double num;
        uint64_t u64;
        const char *str;
        int b;
        struct {
            const void *v;
            size_t n;
        } arr;
        const result *obj;
        struct {
            const result *rows;
            size_t n;
        } rows;
    } v;
    const char *label;      /* table: instead of the key                                     */
    const char *unit;       /* table: after the value                                        */
    const char *comment;    /* table: "   (comment)" after the value                         */
    const char *table_text; /* table: instead of the value                                   */
    unsigned flags;
} result_field;

struct result {
    result_field field[RESULT_MAX];
    size_t n;
    char *owned[RESULT_MAX]; /* strings made by result_fmt                                   */
    size_t nowned;
};

void result_init(result *r);
void result_free(result *r);

/* Append a field; the pointer lets the caller set label, unit, comment, table_text, flags. */
result_field *result_num(result *r, const char *key, double x);
result_field *result_u64(result *r, const char *key, uint64_t x);
result_field *result_str(result *r, const char *key, const char *s);
result_field *result_bool(result *r, const char *key, int b);
result_field *result_nums(result *r, const char *key, const double *v, size_t n);
result_field *result_u64s(result *r, const char *key, const uint64_t *v, size_t n);
result_field *result_u32s(result *r, const char *key, const uint32_t *v, size_t n);
result_field *result_sizes(result *r, const char *key, const size_t *v, size_t n);
result_field *result_absent(result *r, const char *key);
result_field *result_obj(result *r, const char *key, const result *sub);
result_field *result_rows(result *r, const char *key, const result *rows, size_t n);
/* A line of text in the table only (formatted now, owned by r). */
result_field *result_line(result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A formatted string owned by r (for a comment or a table_text); "" when out of memory. */
const char *result_fmt(result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The fields as members of the JSON object open in j. */
void result_json_members(json *j, const result *r);
/* The whole record as one JSON object followed by a newline. */
void result_json(FILE *f, const result *r);
/* Table lines: indent, then the label padded to width, then the value. */
void result_table(FILE *f, const result *r, int width, const char *indent);
/* CSV: "key,key,...\n" and "value,value,...\n". */
void result_csv_header(FILE *f, const result *r);
void result_csv_values(FILE *f, const result *r);
void result_csv_row(FILE *f, const result *r);
/* CSV: "quantity,value\n" then "key,value\n" for each field. */
void result_csv_pairs(FILE *f, const result *r);
/* One record in the chosen format: JSON object, CSV header and row, or table (width). */
void result_write(FILE *f, cli_format fmt, const result *r, int width);

/* Rows of a listing: each row is a record. JSON: an inline object in the array open in j;
 * table: the values two spaces apart; CSV: the values comma-separated. The header gives the
 * keys in the same way (the table's header names use the label where one is set). */
void result_row_header(FILE *f, cli_format fmt, const result *row);
void result_row(FILE *f, cli_format fmt, json *j, const result *row);

/* A table of listing rows whose columns never run into each other: the header and the first
 * RESULT_TAB_HOLD rows are held to size each column to its widest entry; later rows use those
 * widths (a wider cell pushes the rest of its row right; two spaces always separate cells).
 * begin takes a prototype row for the header; end writes what is held (an exit code). */
#define RESULT_TAB_HOLD 1000
typedef struct result_tab {
    FILE *out;
    cli_table held;
    size_t cols, *width;     /* width: NULL until the columns are sized */
} result_tab;
void result_tab_begin(result_tab *t, FILE *f, const result *proto);
void result_tab_row(result_tab *t, const result *row);
int result_tab_end(result_tab *t);

/* ---- ln Z by AIS and its two sides, as zsum rbm and zsum dbm report them ------------------- */

/* ln Z: exact (ais = 0: lo = hi = lnz) or by AIS with its band, ESS and, when the reverse side
 * ran, that side and the two sides judged together (zs_sandwich). */
typedef struct lnz_result {
    int ais;
    double lnz, lo, hi, ess;
    size_t chains, temps;
    int reverse;                      /* 1 when the reverse (upper) side ran                 */
    double rlnz, rlo, rhi, ress;      /* the reverse side: estimate, band, ESS               */
    double swap_min;                  /* PT's lowest swap acceptance (NaN: no PT)            */
    int agree;                        /* the two sides' bands overlap                       */
    double blo, bhi;                  /* the two bands joined                                */
} lnz_result;
/* r from a sandwich's parts (the members zs_rbm_sandwich_result and zs_dbm_sandwich_result
 * share); reverse: the start that ran was not NONE. */
void lnz_result_set(lnz_result *r, const zs_estimate *fwd, const zs_interval *fwd_band, size_t chains,
                    size_t temps, int reverse, const zs_estimate *upper, const zs_interval *upper_band,
                    const zs_sandwich *sandwich, double swap_min);

/* How a command names what produced an AIS result: its seed, the --base and --reverse text
 * (reverse NULL: no "reverse" field unless the reverse side ran), the PT options, and the
 * advice that follows the warning when the two sides disagree. */
typedef struct lnz_report {
    uint64_t seed;
    const char *base, *reverse;
    uint64_t pt_temperatures, pt_sweeps;
    const char *disagree_advice;
} lnz_report;
/* The fields method and lnZ, then for AIS its band, diagnostics, the reverse side and the
 * sandwich (lnZ_reverse*, reverse_ess, sandwich_lo/hi, sides_agree, pt_*), and warnings (low
 * ESS; sides that disagree) as notes; the warnings also go to stderr. */
void result_lnz(result *res, const lnz_result *r, const lnz_report *how);
/* loglik_sandwich_lo / _hi from the mean unnormalised ln p*(v) of the rows: ln p(v) = ln p*(v)
 * - ln Z, so the joined bands of ln Z map to a joined band of the mean log-likelihood, the
 * reverse side giving the lower end (RAISE's conservative estimate). Nothing unless the
 * reverse side ran. */
void result_loglik_sandwich(result *res, const lnz_result *r, double mean_lnp_star);

#endif
