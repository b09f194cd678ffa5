/* units_text.c — the command line in the header of a --partial or --checkpoint file: each
 * argument percent-encoded (bytes <= ' ', '%' and DEL as %XX), joined by spaces, so that
 * zsum combine can run the same command again (programs/units_cli.h). */
#include "units_cli.h"

#include <stdlib.h>
#include <string.h>

static int encode_arg(char *out, size_t cap, size_t *k, const char *a) {
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)a; *p; p++) {
        if (*k + 4 >= cap) return 0;
        if (*p <= ' ' || *p == '%' || *p == 0x7f) {
            out[(*k)++] = '%';
            out[(*k)++] = hex[*p >> 4];
            out[(*k)++] = hex[*p & 15];
        } else {
            out[(*k)++] = (char)*p;
        }
    }
    return 1;
}

char *units_cli_encode(int argc, char **argv) {
    size_t cap = 16;
    for (int i = 0; i < argc; i++) cap += 3 * strlen(argv[i]) + 1;
    char *text = malloc(cap);
    if (!text) return NULL;
    size_t k = 0;
    for (int i = 0; i < argc; i++) {
        if (i) text[k++] = ' ';
        encode_arg(text, cap, &k, argv[i]);
    }
    text[k] = '\0';
    return text;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

char **units_cli_decode(const char *text, int *argc) {
    size_t n = 1;
    for (const char *p = text; *p; p++) n += *p == ' ';
    char **argv = calloc(n + 1, sizeof *argv);
    if (!argv) return NULL;
    int c = 0;
    for (const char *p = text; *p;) {
        const char *e = strchr(p, ' ');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char *a = malloc(len + 1);
        if (!a) {
            units_cli_free_argv(argv);
            return NULL;
        }
        size_t k = 0;
        for (size_t i = 0; i < len; i++) {
            int h1, h2;
            if (p[i] == '%' && i + 2 < len + 1 && (h1 = hexval(p[i + 1])) >= 0 &&
                (h2 = hexval(p[i + 2])) >= 0) {
                a[k++] = (char)(h1 * 16 + h2);
                i += 2;
            } else {
                a[k++] = p[i];
            }
        }
        a[k] = '\0';
        argv[c++] = a;
        p += len;
        if (*p == ' ') p++;
    }
    *argc = c;
    return argv;
}

void units_cli_free_argv(char **argv) {
    if (!argv) return;
    for (char **a = argv; *a; a++) free(*a);
    free(argv);
}
