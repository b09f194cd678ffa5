/* json.c — a small JSON writer for zsum's output: indented objects, one-line scalar arrays,
 * null for non-finite numbers (JSON has no NaN or infinity). */
#include "cli.h"

#include <math.h>

void json_init(json *j, FILE *f) {
    j->f = f;
    j->depth = 0;
    j->count[0] = 0;
    j->inl[0] = 0;
    j->after_key = 0;
}

static void indent(json *j) {
    fputc('\n', j->f);
    for (int i = 0; i < j->depth; i++) fputs("  ", j->f);
}

/* Separator and line break before a value or key in the open container. */
static void item(json *j) {
    if (j->after_key) {
        j->after_key = 0;
        return;
    }
    if (j->depth > 0) {
        if (j->count[j->depth]++) fputc(',', j->f);
        if (j->inl[j->depth]) {
            if (j->count[j->depth] > 1) fputc(' ', j->f);
        } else {
            indent(j);
        }
    }
}

static void open(json *j, char c, int inl) {
    item(j);
    fputc(c, j->f);
    if (j->depth < 31) j->depth++;
    j->count[j->depth] = 0;
    j->inl[j->depth] = inl || (j->depth > 1 && j->inl[j->depth - 1]);
}

static void close_(json *j, char c) {
    int had = j->count[j->depth], inl = j->inl[j->depth];
    if (j->depth > 0) j->depth--;
    if (had && !inl) indent(j);
    fputc(c, j->f);
}

void json_obj(json *j) { open(j, '{', 0); }
void json_obj_inline(json *j) { open(j, '{', 1); }
void json_end_obj(json *j) { close_(j, '}'); }
void json_arr(json *j) { open(j, '[', 0); }
void json_arr_inline(json *j) { open(j, '[', 1); }
void json_end_arr(json *j) { close_(j, ']'); }

static void write_string(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c == '\n') fputs("\\n", f);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

void json_key(json *j, const char *key) {
    item(j);
    write_string(j->f, key);
    fputs(": ", j->f);
    j->after_key = 1;
}

void json_num(json *j, double x) {
    item(j);
    if (!isfinite(x)) {
        fputs("null", j->f);
        return;
    }
    char buf[32];
    fputs(cli_num(buf, x), j->f);
}

void json_u64(json *j, uint64_t x) {
    item(j);
    fprintf(j->f, "%llu", (unsigned long long)x);
}

void json_str(json *j, const char *s) {
    item(j);
    write_string(j->f, s);
}

void json_null(json *j) {
    item(j);
    fputs("null", j->f);
}

void json_bool(json *j, int b) {
    item(j);
    fputs(b ? "true" : "false", j->f);
}

void json_end(json *j) {
    fputc('\n', j->f);
}

void json_kv_num(json *j, const char *key, double x) {
    json_key(j, key);
    json_num(j, x);
}

void json_kv_u64(json *j, const char *key, uint64_t x) {
    json_key(j, key);
    json_u64(j, x);
}

void json_kv_str(json *j, const char *key, const char *s) {
    json_key(j, key);
    json_str(j, s);
}

void json_kv_bool(json *j, const char *key, int b) {
    json_key(j, key);
    json_bool(j, b);
}
