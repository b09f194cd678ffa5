#!/usr/bin/env bash
# static-check.sh SOURCE BUILD — cppcheck and clang-tidy over lib/ and programs/; fails on any
# finding not listed in scripts/static-suppressions.txt (with its reason). Run by ctest
# (source/static) in the plain build; clang-tidy reads BUILD/compile_commands.json.
# The checks are chosen to find defects, not to enforce a style, and to run in about a minute
# on two cores: cppcheck's warning, performance and portability classes (its flow analysis:
# null pointers, leaks, bounds, uninitialized values) and, of its style class, the dead stores
# (a value assigned and never read: unreadVariable, redundantAssignment); and clang-tidy's
# bugprone checks that have no equivalent in the compiler's warnings. (clang-tidy's
# clang-analyzer-deadcode.DeadStores found the same dead stores, but starting the analyzer took
# about 170 of the check's 200 CPU seconds; cppcheck's style pass adds almost nothing to its own.)
set -uo pipefail
SRC=$1 BUILD=$2
for tool in cppcheck clang-tidy; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIP: $tool is not installed (bash scripts/install-deps.sh installs it)"
    exit 77
  fi
done
[ -f "$BUILD/compile_commands.json" ] || { echo "static-check: no $BUILD/compile_commands.json" >&2; exit 2; }
cd "$SRC" || exit 2
SUPP=scripts/static-suppressions.txt
JOBS=$(nproc 2>/dev/null || echo 2)
files=$(ls lib/*/*.c programs/*.c)
out=$(mktemp) && trap 'rm -f "$out" "$out.supp" "$out.all"' EXIT

# cppcheck: its own suppression format is ID:FILE.
awk '$1 == "cppcheck" { print $2 ":" $3 }' "$SUPP" > "$out.supp"
mkdir -p "$BUILD/cppcheck-cache"
cppcheck -q -j "$JOBS" --std=c11 --enable=warning,performance,portability,style --inline-suppr \
  --cppcheck-build-dir="$BUILD/cppcheck-cache" -I include -I lib -D_XOPEN_SOURCE=700 \
  --suppressions-list="$out.supp" --template='{file}:{line}: {severity}: {message} [{id}]' \
  $files 2> "$out.all"
# Of the style class only the dead stores count; its other ids are matters of style.
grep -vE ': style: .*\[[A-Za-z]+\]$' "$out.all" > "$out"
grep -E ': style: .*\[(unreadVariable|redundantAssignment)\]$' "$out.all" >> "$out"
cpp_findings=$(grep -cE '^(lib|programs)/.*\[[A-Za-z]+\]$' "$out")

CHECKS='-*,bugprone-sizeof-expression,bugprone-suspicious-memset-usage,bugprone-integer-division,'\
'bugprone-misplaced-widening-cast,bugprone-too-small-loop-variable,bugprone-infinite-loop,'\
'bugprone-macro-repeated-side-effects,bugprone-not-null-terminated-result,bugprone-posix-return,'\
'bugprone-suspicious-string-compare,bugprone-signed-char-misuse,bugprone-suspicious-semicolon,'\
'bugprone-bool-pointer-implicit-conversion,bugprone-misplaced-operator-in-strlen-in-alloc'
# -Wno-error: the gcc builds hold the compiler's warnings; clang's own differ (it calls a
# vprintf wrapper's format non-literal), and as errors they would bypass --checks.
# The project writes !strcmp(a, b) for equality: only comparisons with suspicious constants count.
CONFIG="{CheckOptions: [{key: bugprone-suspicious-string-compare.WarnOnImplicitComparison, value: false}]}"
echo "$files" | xargs -P "$JOBS" -n 8 clang-tidy -p "$BUILD" --quiet --checks="$CHECKS" --extra-arg=-Wno-error \
  --config="$CONFIG" 2>/dev/null | grep -E '^/.*: (warning|error): ' | sed "s|^$PWD/||" >> "$out"

# Drop the listed findings: a line "FILE:LINE:COL: warning: ... [CHECK]" matches TOOL CHECK FILE.
status=0
while IFS= read -r line; do
  file=${line%%:*}
  check=$(sed -n 's/.*\[\([^]]*\)\]$/\1/p' <<< "$line")
  [ -n "$check" ] || continue
  if awk -v c="$check" -v f="$file" '$2 == c && $3 == f { found = 1 } END { exit !found }' "$SUPP"; then
    continue
  fi
  echo "$line"
  status=1
done < "$out"
[ $status = 0 ] && echo "static-check: cppcheck and clang-tidy: no finding outside $SUPP ($cpp_findings cppcheck lines before suppression)"
exit $status
