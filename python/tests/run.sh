# run.sh — the Python suite as ctest runs it: /usr/bin/python3 -m pytest on python/tests with
# the library and program of one build (ZSUM_LIBRARY, ZSUM_PROGRAM). A run that collects no
# test (pytest's exit status 5) is a failure, as is a missing pytest or NumPy.
# usage: run.sh LIBRARY PROGRAM [pytest options]
set -u
here=$(cd "$(dirname "$0")" && pwd)
lib=$1 prog=$2
shift 2
python=${ZSUM_PYTHON:-/usr/bin/python3}
if ! "$python" -c 'import numpy, pytest' 2> /dev/null; then
  echo "FAIL: $python lacks numpy or pytest (Debian: python3-numpy python3-pytest)"
  exit 1
fi
# A sanitized library (ZSUM_SANITIZE=ON) loads into an uninstrumented python3 only with
# AddressSanitizer's runtime preloaded (ZSUM_PYTHON_PRELOAD, set by tests/CMakeLists.txt). Leak
# detection is off there: the interpreter keeps its own allocations to the end by design, and
# the C unit tests under ASan check the library's leaks.
if [ -n "${ZSUM_PYTHON_PRELOAD:-}" ]; then
  export LD_PRELOAD="$ZSUM_PYTHON_PRELOAD${LD_PRELOAD:+ $LD_PRELOAD}"
  export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
fi
ZSUM_LIBRARY=$lib ZSUM_PROGRAM=$prog PYTHONDONTWRITEBYTECODE=1 \
  "$python" -m pytest -q -p no:cacheprovider "$here" "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "FAIL: pytest collected no test in $here"
  exit 1
fi
exit "$rc"
