/* decimal.c — the one grammar of a decimal number in text zsum reads: command-line options
 * (programs/cli.c) and the lines of an AIS schedule file (lib/sample/rbm_ais.c). */
#include "core/internal.h"

#include <math.h>
#include <stdlib.h>

/* [-] digits [. digits] [(e|E) [+|-] digits], ".5" and "5." too; nothing before or after it:
 * no spaces, no leading '+', no hexadecimal ("0x10", "0x1p4"), no "inf" or "nan". strtod
 * alone takes all of those, so the form is checked first. */
static int decimal_form(const char *t) {
    const char *p = t;
    if (*p == '-') p++;
    size_t digits = 0;
    while (*p >= '0' && *p <= '9') p++, digits++;
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9') p++, digits++;
    }
    if (!digits) return 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        if (!(*p >= '0' && *p <= '9')) return 0;
        while (*p >= '0' && *p <= '9') p++;
    }
    return *p == '\0';
}

/* A magnitude beyond the largest double (about 1.8e308) is out of range; one below the
 * smallest normal double (2.2e-308) is read as the nearest double: subnormals such as 1e-320
 * are ordinary finite numbers, and 1e-400 is 0. */
zs_status zs_parse_decimal(const char *text, double *out) {
    if (!text || !out || !decimal_form(text)) return ZS_EFORMAT;
    double v = strtod(text, NULL);
    if (isinf(v)) return ZS_ERANGE;
    *out = v;
    return ZS_OK;
}
