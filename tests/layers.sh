#!/usr/bin/env bash
# layers.sh — lib/ points one way (docs/ARCHITECTURE.md, "Which folder may use which").
#
# Usage: layers.sh SOURCE_DIR [LIBRARY_OBJECT.o ...]
#
# 1. Every #include "..." (and <...>) in lib/ and programs/ is checked against the table below:
#    a lib/ folder may include its own headers, those of the folders listed for it, and the
#    public headers (zsum.h, zsum/*.h); programs/ may include zsum.h and its own headers only.
# 2. Given the library's object files, every symbol an object uses from another lib/ folder is
#    checked against the same table (nm): a call that runs back up fails even when it is made
#    through the public header, which every lib/ file may include.
# 3. Library messages speak the library's words: no string in lib/ names a command-line option
#    ("--name") or the zsum-mpi program; programs/cli.c turns the library's phrases into the
#    options where it knows them.
# 4. lib/ allocates only through lib/core/alloc.h (zs_malloc, zs_calloc, zs_realloc,
#    zs_aligned_alloc, zs_strdup, zs_strndup), so that the allocation-failure sweep reaches
#    every allocation (docs/robustness.md); lib/core/alloc.* alone calls the C library's.
# Each violation is printed as FILE:LINE (or FILE: SYMBOL) with the rule; exit 1 if any.
set -u
src=${1:?usage: layers.sh SOURCE_DIR [OBJECT.o ...]}
shift

# The layers: core <- models <- {exact, sample, learn} <- io. Keep in step with the table in
# docs/ARCHITECTURE.md.
declare -A may=(
    [core]="core"
    [models]="core models"
    [exact]="core models exact"
    [sample]="core models sample"
    [learn]="core models learn"
    [io]="core models exact sample learn io"
)
folders=" ${!may[*]} "

fail=0
allowed() { # allowed FROM TO
    case " ${may[$1]} " in *" $2 "*) return 0 ;; esac
    return 1
}
rule() { # rule FROM
    local out="" f
    for f in ${may[$1]}; do out+="${out:+, }$f/"; done
    printf '%s/ may use only %s and the public headers' "$1" "$out"
}

# ---- 1. includes ------------------------------------------------------------------------
# (grep -n finds the include lines; the loops below read only those.)
includes() { # includes DIR: FILE:LINE:TEXT for every #include line of DIR's .c and .h files
    find "$1" -name '*.[ch]' -print0 | sort -z | xargs -0 grep -nE '^[[:space:]]*#[[:space:]]*include' /dev/null
}
while IFS= read -r hit; do
    file=${hit%%:*} hit=${hit#*:}
    lineno=${hit%%:*} line=${hit#*:}
    rel=${file#"$src"/}
    top=${rel#lib/}
    top=${top%%/*}
    [[ $line =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*([\"\<])([^\"\>]+)[\"\>] ]] || continue
    kind=${BASH_REMATCH[1]} path=${BASH_REMATCH[2]}
    [[ $path == zsum.h || $path == zsum/* ]] && continue
    if [[ $path == */* ]]; then
        first=${path%%/*}
    elif [[ $kind == '"' ]]; then
        first=$top # a header beside the file
    else
        continue # a system header
    fi
    [[ $folders == *" $first "* ]] || continue # not a lib/ folder (e.g. <sys/stat.h>)
    if ! allowed "$top" "$first"; then
        echo "$rel:$lineno: includes \"$path\": $(rule "$top")"
        fail=1
    fi
done < <(includes "$src/lib")

while IFS= read -r hit; do
    file=${hit%%:*} hit=${hit#*:}
    lineno=${hit%%:*} line=${hit#*:}
    rel=${file#"$src"/}
    [[ $line =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*([\"\<])([^\"\>]+)[\"\>] ]] || continue
    kind=${BASH_REMATCH[1]} path=${BASH_REMATCH[2]}
    [[ $path == zsum.h ]] && continue
    if [[ $kind == '"' && $path != */* && -f $src/programs/$path ]]; then continue; fi
    first=${path%%/*}
    if [[ $kind == '"' || $path == zsum/* || ($path == */* && $folders == *" $first "*) ]]; then
        echo "$rel:$lineno: includes \"$path\": programs/ may include only zsum.h and programs/*.h"
        fail=1
    fi
done < <(includes "$src/programs")

# ---- 2. symbols -------------------------------------------------------------------------
if (($# > 0)); then
    if ! command -v nm > /dev/null; then
        echo "layers.sh: nm not found; symbol check skipped" >&2
    else
        defs=$(mktemp) uses=$(mktemp)
        trap 'rm -f "$defs" "$uses"' EXIT
        objs=()
        for o in "$@"; do [[ $o =~ /lib/[a-z]+/[^/]+\.o$ ]] && objs+=("$o"); done
        # One nm over all objects (an nm start costs more than reading one object); -A puts
        # "OBJECT:" before each symbol, from which the source lib/FOLDER/FILE.c is kept.
        label='NF == 3 { f = $1; sub(/:[^:]*$/, "", f); sub(/.*\/lib\//, "lib/", f); sub(/\.o$/, "", f); print $3, f }'
        if ((${#objs[@]})); then
            nm -A --defined-only -g "${objs[@]}" | awk "$label" | sort > "$defs"
            nm -A -u "${objs[@]}" | awk "$label" | sort > "$uses"
        fi
        while read -r sym user definer; do
            a=${user#lib/}; a=${a%%/*}
            b=${definer#lib/}; b=${b%%/*}
            [[ $a == "$b" ]] && continue
            if ! allowed "$a" "$b"; then
                echo "${user}: uses $sym (${definer}): $(rule "$a")"
                fail=1
            fi
        done < <(join "$uses" "$defs")
    fi
fi

# 3: string literals of lib/ that are not on comment lines
while IFS= read -r hit; do
    echo "$hit: a library message names a command-line option or program (rule 3)"
    fail=1
done < <(grep -rnE '"[^"]*(--[a-z]|zsum-mpi)[^"]*"' "$src/lib" --include='*.c' |
         grep -vE '^[^:]+:[0-9]+:\s*(/?\*|//)')

# 4: the C library's allocators called outside lib/core/alloc.* (comment lines aside)
while IFS= read -r hit; do
    echo "$hit: allocate with zs_malloc, zs_calloc, zs_realloc, zs_aligned_alloc, zs_strdup or zs_strndup (lib/core/alloc.h) (rule 4)"
    fail=1
done < <(grep -rnE '(^|[^A-Za-z0-9_.>])(malloc|calloc|realloc|aligned_alloc|posix_memalign|strdup|strndup|reallocarray)\s*\(' \
              "$src/lib" --include='*.c' --include='*.h' | grep -v '/lib/core/alloc\.[ch]:' |
         grep -vE '^[^:]+:[0-9]+:\s*(/?\*|//)')

if ((fail)); then
    echo "layers.sh: an include or a call runs back up the layers, a library message speaks the CLI's words, or lib/ allocates around lib/core/alloc.h (docs/ARCHITECTURE.md)" >&2
    exit 1
fi
echo "layers.sh: lib/ and programs/ point one way"
