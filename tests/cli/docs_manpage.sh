#!/usr/bin/env bash
# docs_manpage.sh — every option a command accepts is documented in that command's section of
# docs/zsum.1 ("ZSUM LEVELS", "ZSUM ISING", ...). The options are taken from two places, so a
# new option fails this test until it is documented: the option tables and option strings of
# programs/cmd_COMMAND.c (the cli_option tables' "--name" literals; the shared pairwise
# entries, PAIRWISE_OPTIONS in programs/*.h, for ising and bm), and the command's --help text.
. "$(dirname "$0")/lib.sh" "$@"
SRC=${ZSUM_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}
MAN=$SRC/docs/zsum.1
[ -r "$MAN" ] || { fail "$MAN is missing"; finish; exit; }

# section NAME: the text of the section .SH "ZSUM NAME" up to the next .SH, with \- as -.
section() {
    awk -v h=".SH \"ZSUM $1\"" '$0 == h {on = 1; next} /^\.SH/ {on = 0} on' "$MAN" | sed 's/\\-/-/g'
}

# code_options FILE...: long options named in getopt tables and as "--name" literals.
code_options() {
    grep -ohE '\{"[A-Za-z][A-Za-z0-9-]*", *(no|required|optional)_argument' "$@" |
        sed -E 's/^\{"([^"]*)".*/--\1/'
    grep -ohE '"--[A-Za-z][A-Za-z0-9-]*"' "$@" | tr -d '"'
}

# help_options ARGS...: long options in the output of zsum ARGS --help.
help_options() {
    "$ZSUM" "$@" --help 2>&1 | grep -oE '(^|[^A-Za-z0-9-])--[A-Za-z][A-Za-z0-9-]*' |
        grep -oE -- '--[A-Za-z][A-Za-z0-9-]*'
}

check_command() {
    local cmd=$1; shift
    local text opts missing=""
    text=$(section "$(echo "$cmd" | tr a-z A-Z)")
    if [ -z "$text" ]; then fail "docs/zsum.1 has no section ZSUM ${cmd^^}"; return; fi
    opts=$( { "$@"; } | sort -u | grep -vxE -- '--help|--version')
    if [ -z "$opts" ]; then fail "no options found for $cmd (did the option tables move?)"; return; fi
    for o in $opts; do
        if ! grep -qE -- "(^|[^A-Za-z0-9-])$o([^A-Za-z0-9-]|\$)" <<< "$text"; then
            missing="$missing $o"
        fi
    done
    if [ -n "$missing" ]; then fail "docs/zsum.1, section ZSUM ${cmd^^}, does not document:$missing"
    else pass; fi
}

P=$SRC/programs
opts_levels()   { code_options "$P/cmd_levels.c"; help_options levels; }
pairwise_table() { sed -n '/define PAIRWISE_OPTIONS/,/^$/p' "$P"/*.h; }
opts_ising()    { code_options "$P/cmd_ising.c" <(pairwise_table); help_options ising; }
opts_bm()       { code_options "$P/cmd_bm.c" <(pairwise_table); help_options bm; }
opts_hopfield() { code_options "$P/cmd_hopfield.c"; help_options hopfield;
                  for s in store recall capacity; do help_options hopfield "$s"; done; }
opts_rbm()      { code_options "$P/cmd_rbm.c"; help_options rbm; }
opts_uai()      { code_options "$P/cmd_uai.c"; help_options uai; }
opts_dbm()      { code_options "$P/cmd_dbm.c"; help_options dbm; }

for c in levels ising bm hopfield rbm dbm uai; do check_command "$c" "opts_$c"; done

# Every command the program lists has a section.
for c in $("$ZSUM" --help | awk '/^  [a-z]+  /{print $1}'); do
    if section "$(echo "$c" | tr a-z A-Z)" | grep -q .; then pass
    else fail "zsum --help lists '$c' but docs/zsum.1 has no section ZSUM ${c^^}"; fi
done

# The environment variables the code reads are documented.
for v in $(grep -rhoE 'getenv\("[A-Z_]+"\)' "$SRC/programs" "$SRC/lib" | sed -E 's/getenv\("([^"]*)"\)/\1/' | sort -u); do
    # PATH: gnuplot lookup; a tuning knob for tests; ZSUM_ALLOC_FAIL_AT: read only by test
    # builds with the allocation hook (docs/robustness.md), never by a release build
    case $v in PATH|ZSUM_ELIM_PAR_MIN|ZSUM_ALLOC_FAIL_AT) continue ;; esac
    if grep -q "^\.B $v\$" "$MAN"; then pass; else fail "docs/zsum.1 ENVIRONMENT lacks $v"; fi
done
finish
