/* lex.c — the tokens of the text model formats (lex_internal.h). */
#include "io/lex_internal.h"

#include "zsum.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

zs_status lex_text(zs_ctx *ctx, const char *name, const char *text, size_t len) {
    const char *z = len ? memchr(text, 0, len) : NULL;
    if (!z) return ZS_OK;
    return zs_fail(ctx, ZS_EFORMAT, "%s: byte %zu is 0 (NUL): not a text file", name,
                   (size_t)(z - text));
}

int lex_next(lexer *lx, const char **tok, size_t *len) {
    for (;;) {
        while (lx->p < lx->end && is_space(*lx->p)) {
            if (*lx->p == '\n') lx->line++;
            lx->p++;
        }
        if (!lx->comment || lx->p >= lx->end || *lx->p != lx->comment) break;
        while (lx->p < lx->end && *lx->p != '\n') lx->p++;
    }
    lx->tok_line = lx->line;
    if (lx->p >= lx->end) return 0;
    *tok = lx->p;
    while (lx->p < lx->end && !is_space(*lx->p)) lx->p++;
    *len = (size_t)(lx->p - *tok);
    return 1;
}

const char *lex_shown(char buf[40], const char *tok, size_t len) {
    size_t n = len < 32 ? len : 32, k = 0;
    for (size_t i = 0; i < n; i++) buf[k++] = (tok[i] >= 32 && tok[i] < 127) ? tok[i] : '?';
    if (len > n) {
        memcpy(buf + k, "...", 3);
        k += 3;
    }
    buf[k] = '\0';
    return buf;
}

uint64_t lex_room(const lexer *lx) { return (uint64_t)(lx->end - lx->p) / 2; }

zs_status lex_check_room(lexer *lx, const char *what, uint64_t count, uint64_t per) {
    if (count > lex_room(lx) / per)
        return zs_fail(lx->ctx, ZS_EFORMAT,
                       "%s:%zu: %s: %llu cannot fit in the %llu bytes that follow (at least %llu "
                       "bytes each): the file is truncated or the count is wrong",
                       lx->name, lx->tok_line, what, (unsigned long long)count,
                       (unsigned long long)(lx->end - lx->p), (unsigned long long)(2 * per));
    return ZS_OK;
}

zs_status lex_uint(lexer *lx, const char *what, uint64_t lo, uint64_t hi, uint64_t *out) {
    const char *tok;
    size_t len;
    char sb[40];
    if (!lex_next(lx, &tok, &len))
        return zs_fail(lx->ctx, ZS_EFORMAT, "%s:%zu: the file ends where %s was expected",
                       lx->name, lx->tok_line, what);
    uint64_t v = 0;
    int over = 0;
    for (size_t i = 0; i < len; i++) {
        if (tok[i] < '0' || tok[i] > '9')
            return zs_fail(lx->ctx, ZS_EFORMAT, "%s:%zu: %s: '%s' is not a whole number",
                           lx->name, lx->tok_line, what, lex_shown(sb, tok, len));
        unsigned d = (unsigned)(tok[i] - '0');
        if (v > (UINT64_MAX - d) / 10) over = 1; /* beyond 2^64 - 1: out of any range */
        else v = v * 10 + d;
    }
    if (over || v < lo || v > hi)
        return zs_fail(lx->ctx, ZS_EFORMAT, "%s:%zu: %s: %s is out of range %llu..%llu",
                       lx->name, lx->tok_line, what, lex_shown(sb, tok, len),
                       (unsigned long long)lo, (unsigned long long)hi);
    *out = v;
    return ZS_OK;
}

zs_status lex_weight(lexer *lx, const char *tok, size_t len, size_t factor, uint64_t entry,
                     double *out) {
    char buf[64], sb[40];
    int ok = len < sizeof buf;
    for (size_t i = 0; ok && i < len; i++) {
        char c = tok[i];
        ok = (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-';
    }
    double v = 0.0;
    if (ok) {
        char *end = NULL;
        memcpy(buf, tok, len);
        buf[len] = '\0';
        errno = 0;
        v = strtod(buf, &end);
        ok = end == buf + len && end != buf;
    }
    unsigned long long e = (unsigned long long)entry;
    if (!ok)
        return zs_fail(lx->ctx, ZS_EFORMAT, "%s:%zu: factor %zu, entry %llu: '%s' is not a number",
                       lx->name, lx->tok_line, factor, e, lex_shown(sb, tok, len));
    if (!isfinite(v))
        return zs_fail(lx->ctx, ZS_EFORMAT, "%s:%zu: factor %zu, entry %llu: '%s' is not finite",
                       lx->name, lx->tok_line, factor, e, lex_shown(sb, tok, len));
    if (v < 0.0)
        return zs_fail(lx->ctx, ZS_EFORMAT,
                       "%s:%zu: factor %zu, entry %llu: %s is negative (tables hold weights >= 0)",
                       lx->name, lx->tok_line, factor, e, lex_shown(sb, tok, len));
    *out = v;
    return ZS_OK;
}

zs_status lex_read_file(zs_ctx *ctx, const char *path, char **text, size_t *len,
                        const char **name) {
    *name = strcmp(path, "-") ? path : "standard input";
    return zs_read_input(ctx, path, ZS_FACTOR_MAX_UAI_BYTES, ZS_READ_GZIP | ZS_READ_TEXT, text,
                         len);
}
