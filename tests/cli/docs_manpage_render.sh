#!/usr/bin/env bash
# docs_manpage_render.sh — docs/zsum.1 renders without a warning: groff with every warning on
# (-ww; -t for the table) and man-db's `man -l` at 80 columns. Skipped (77) without groff.
. "$(dirname "$0")/lib.sh" "$@"
SRC=${ZSUM_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}
MAN=$SRC/docs/zsum.1
if ! command -v groff >/dev/null; then
    echo "SKIP: groff is not installed (Debian package groff-base); docs/zsum.1 not rendered"
    exit 77
fi
groff -t -man -Tutf8 -ww -z "$MAN" 2> "$TMP/warn"
if [ $? -eq 0 ] && [ ! -s "$TMP/warn" ]; then pass; else fail "groff -t -man -ww: $(head -c 400 "$TMP/warn")"; fi

groff -t -man -Tutf8 -rLL=80n "$MAN" 2>/dev/null | sed 's/.\x08//g' > "$TMP/page"
for h in NAME SYNOPSIS DESCRIPTION "SHARED OPTIONS" "ZSUM LEVELS" "ZSUM ISING" "ZSUM BM" \
         "ZSUM HOPFIELD" "ZSUM RBM" "ZSUM DBM" "ZSUM UAI" "EXIT STATUS" ENVIRONMENT EXAMPLES; do
    if grep -qx "$h" "$TMP/page"; then pass; else fail "rendered page lacks the section $h"; fi
done

if command -v man >/dev/null; then
    MANWIDTH=80 man -l "$MAN" > /dev/null 2> "$TMP/warn"
    if [ ! -s "$TMP/warn" ]; then pass; else fail "man -l: $(head -c 400 "$TMP/warn")"; fi
fi
finish
