# install.sh — `make install PREFIX=...` lays out the library, header, pkg-config file, program
# and man page, and the chapter's example builds against the installed copy with pkg-config.
. "$(dirname "$0")/lib.sh" "$@"
if [ -n "${ZSUM_SANITIZED:-}" ]; then
  echo "SKIP: the install check runs in the plain build (a sanitized library needs -fsanitize to link)"
  exit 77
fi
prefix="$TMP/prefix"
if cmake --install "$ZSUM_BUILD" --prefix "$prefix" > "$TMP/install.log" 2>&1; then pass; else fail "cmake --install: $(tail -3 "$TMP/install.log")"; fi
for f in bin/zsum include/zsum.h lib/libzsum.a lib/libzsum.so lib/pkgconfig/zsum.pc share/man/man1/zsum.1; do
  if [ -e "$prefix/$f" ] || [ -e "$prefix/${f/lib\//lib/x86_64-linux-gnu/}" ]; then pass; else fail "missing $f after install"; fi
done
pc=$(dirname "$(find "$prefix" -name zsum.pc | head -1)")
libdir=$(dirname "$(find "$prefix" -name libzsum.so | head -1)")
if PKG_CONFIG_PATH="$pc" cc -std=c11 -Wall -Werror "$ZSUM_SOURCE/examples/chapter10.c" \
     $(PKG_CONFIG_PATH="$pc" pkg-config --cflags --libs zsum) -o "$TMP/chapter10" 2> "$TMP/cc.log"; then
  pass
else
  fail "example does not build against the installed zsum: $(head -5 "$TMP/cc.log")"
fi
if LD_LIBRARY_PATH="$libdir" "$TMP/chapter10" | grep -q 'W = 360'; then pass; else fail "installed example did not run"; fi
if "$prefix/bin/zsum" --version | grep -q '^zsum '; then pass; else fail "installed zsum --version"; fi

# The Python package lies beside the library and, imported from there (no ZSUM_LIBRARY, away
# from the source tree), loads the installed library and computes the chapter's ln Z: 10 units
# on levels 0, 1, 2 at beta = 1, ln Z = 10 ln(1 + e^-1 + e^-2) = 4.076059644443804.
pkg="$prefix/lib/python3/dist-packages"
if [ -f "$pkg/zsum/__init__.py" ] && [ -f "$pkg/zsum/_installed.py" ]; then pass; else fail "missing the Python package under $pkg"; fi
if /usr/bin/python3 -c 'import numpy' 2> /dev/null; then
  out=$(cd "$TMP" && env -u ZSUM_LIBRARY PYTHONPATH="$pkg" PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 -c '
import zsum
print(zsum.library_path)
print(zsum.Levels([0, 1, 2]).thermo(10)["lnZ"])' 2>&1)
  case "$out" in
    "$libdir"/libzsum.so.0*4.076059644443804) pass ;;
    *) fail "installed Python package: $out" ;;
  esac
else
  echo "SKIP part: /usr/bin/python3 has no NumPy (the installed Python package is not imported)"
fi
finish
