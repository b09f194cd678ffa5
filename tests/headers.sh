#!/usr/bin/env bash
# headers.sh — the public headers (include/zsum.h, include/zsum/*.h) as a user's compiler sees
# them, in C and, when a C++ compiler is given, in C++.
#
# Usage: headers.sh SOURCE_DIR CC [CXX]
#
# - zsum.h alone compiles with strict warnings (C11; C++11).
# - Each sub-header is a chapter of zsum.h: included alone it stops with its guard's message
#   ("include zsum.h, not zsum/NAME.h") rather than with whatever error its first unknown type
#   causes; after zsum.h it compiles (including it again changes nothing).
# - One extern "C" block, in zsum.h, around everything: no sub-header opens its own. In C++
#   every function the headers declare is referenced and must come out with C linkage (an
#   unmangled name in the object file).
# - Every header's top comment has an "Implementations:" line naming the lib/ files.
set -u
src=${1:?usage: headers.sh SOURCE_DIR CC [CXX]}
cc=${2:?usage: headers.sh SOURCE_DIR CC [CXX]}
cxx=${3:-}
inc=$src/include
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "headers.sh: $*"; fail=1; }

cflags=(-std=c11 -Wall -Wextra -Wpedantic -Wstrict-prototypes -Werror -I"$inc")
cxxflags=(-std=c++11 -Wall -Wextra -Wpedantic -Werror -I"$inc")

# compile LANG FILE: 0 when it compiles; the compiler's messages in $tmp/out
compile() {
    if [[ $1 == c ]]; then
        "$cc" "${cflags[@]}" -x c -c "$2" -o "$tmp/o.o" > "$tmp/out" 2>&1
    else
        "$cxx" "${cxxflags[@]}" -x c++ -c "$2" -o "$tmp/o.o" > "$tmp/out" 2>&1
    fi
}

langs=(c)
if [[ -n $cxx ]] && command -v "$cxx" > /dev/null; then
    langs+=(c++)
else
    echo "headers.sh: no C++ compiler given; C++ checks skipped"
fi

for lang in "${langs[@]}"; do
    printf '#include "zsum.h"\nint zsum_header_check(void);\nint zsum_header_check(void) { return ZS_OK; }\n' > "$tmp/t"
    compile "$lang" "$tmp/t" || { bad "zsum.h does not compile as $lang:"; cat "$tmp/out"; }
    for h in "$inc"/zsum/*.h; do
        name=zsum/${h##*/}
        printf '#include "%s"\n' "$name" > "$tmp/t"
        if compile "$lang" "$tmp/t"; then
            bad "$name compiles alone as $lang: it should stop with its guard (#error \"include zsum.h, not $name\")"
        elif ! grep -q "include zsum.h, not $name" "$tmp/out"; then
            bad "$name alone as $lang fails without its guard's message:"
            head -5 "$tmp/out"
        fi
        printf '#include "zsum.h"\n#include "%s"\n' "$name" > "$tmp/t"
        compile "$lang" "$tmp/t" || { bad "$name after zsum.h does not compile as $lang:"; head -20 "$tmp/out"; }
    done
done

# One extern "C", in zsum.h; the guard and an Implementations line in every header.
[[ $(grep -c '^extern "C"' "$inc/zsum.h") == 1 ]] || bad "zsum.h must hold exactly one extern \"C\" block"
for h in "$inc"/zsum/*.h; do
    name=zsum/${h##*/}
    grep -q '^ *extern "C"' "$h" && bad "$name opens its own extern \"C\" (zsum.h's covers it; no nesting)"
    grep -q "^#error \"include zsum.h, not $name\"" "$h" || bad "$name lacks the guard #error \"include zsum.h, not $name\""
done
for h in "$inc/zsum.h" "$inc"/zsum/*.h; do
    grep -q 'Implementations:' "$h" || bad "${h#"$inc"/}: no \"Implementations:\" line in its top comment"
    for f in $(sed -n '/Implementations:/,/\*\//p' "$h" | grep -oE 'lib/[a-z]+/[a-z0-9_*]+\.c'); do
        compgen -G "$src/$f" > /dev/null || bad "${h#"$inc"/}: Implementations names $f, which does not exist"
    done
done

# C linkage of every declared function (C++): reference each, read the object's symbols.
if [[ " ${langs[*]} " == *" c++ "* ]]; then
    names=$(cat "$inc/zsum.h" "$inc"/zsum/*.h | grep -E '^[a-z].*\bzs_[a-z0-9_]+\(' |
            grep -oE '\bzs_[a-z0-9_]+\(' | tr -d '(' | sort -u)
    {
        echo '#include "zsum.h"'
        echo 'typedef void (*zsum_fn)();'
        echo 'zsum_fn zsum_refs[] = {'
        for n in $names; do echo "    reinterpret_cast<zsum_fn>(&$n),"; done
        echo '};'
    } > "$tmp/t"
    if compile c++ "$tmp/t"; then
        mangled=$(nm -u "$tmp/o.o" | awk '{print $NF}' | grep '^_Z' | grep -i 'zs_' || true)
        [[ -z $mangled ]] || bad "functions with C++ linkage (outside zsum.h's extern \"C\"): $mangled"
        nm -u "$tmp/o.o" | awk '{print $NF}' | sort -u > "$tmp/undef"
        for n in $(comm -23 <(printf '%s\n' $names) "$tmp/undef"); do
            bad "$n: not an unmangled C symbol in C++"
        done
    else
        bad "referencing every declared function from C++ fails:"
        head -20 "$tmp/out"
    fi
fi

if ((fail)); then exit 1; fi
echo "headers.sh: the public headers compile as ${langs[*]}; sub-headers are guarded"
