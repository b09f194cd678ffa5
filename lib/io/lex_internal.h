/* lex_internal.h — the tokens of the text model formats (uai.c, fg.c): white-space separated,
 * with the line of every token for messages, and the strict readers of counts and weights. */
#ifndef ZSUM_LEX_INTERNAL_H
#define ZSUM_LEX_INTERNAL_H

#include "core/internal.h"

typedef struct lexer {
    const char *p, *end;
    size_t line;      /* line of the current position                          */
    size_t tok_line;  /* line of the last token returned                        */
    const char *name; /* file name for messages                                 */
    zs_ctx *ctx;
    char comment;     /* a token starting with it opens a comment to the end of its line
                         (libDAI's '#'); 0 for none (UAI)                        */
} lexer;

/* ZS_EFORMAT "NAME: byte N is 0 (NUL): not a text file" when text holds a NUL byte, the
 * message and status that zs_read_input gives a text file: the parsers of text in memory
 * refuse what the file readers refuse (a NUL inside a libDAI comment was skipped). */
zs_status lex_text(zs_ctx *ctx, const char *name, const char *text, size_t len);

/* Next token: 1 and its text, or 0 at the end of the input. */
int lex_next(lexer *lx, const char **tok, size_t *len);

/* A short printable copy of a token for messages (at most 32 characters, then "..."). */
const char *lex_shown(char buf[40], const char *tok, size_t len);

/* How many more numbers the rest of the text can hold: each needs a separator before it and
 * at least one character, so two bytes. Every count a file declares is checked against this
 * before anything is allocated for it, so a short file cannot make the reader allocate
 * gigabytes: memory stays a small multiple of the text's length. */
uint64_t lex_room(const lexer *lx);

/* Refuse a declared count of items of per numbers each that the rest of the text cannot hold. */
zs_status lex_check_room(lexer *lx, const char *what, uint64_t count, uint64_t per);

/* Read a whole number in [lo, hi]; what names the item for messages. */
zs_status lex_uint(lexer *lx, const char *what, uint64_t lo, uint64_t hi, uint64_t *out);

/* The token tok (len) as a table weight: a decimal number (digits, '.', exponent), finite and
 * >= 0; messages name entry of factor. */
zs_status lex_weight(lexer *lx, const char *tok, size_t len, size_t factor, uint64_t entry,
                     double *out);

/* Read path whole (gzip unpacked, "-" standard input, at most ZS_FACTOR_MAX_UAI_BYTES) into
 * *text (freed by the caller); *name is the name for messages: path, or "standard input". */
zs_status lex_read_file(zs_ctx *ctx, const char *path, char **text, size_t *len,
                        const char **name);

#endif
