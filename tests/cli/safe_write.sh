# safe_write.sh — files the CLI writes replace their target in one step (docs/robustness.md):
# a model, a UAI export or a figure that cannot be written ends with exit 2 (1 for a failing
# gnuplot), the path and the system's reason, the previous file byte for byte, and no
# temporary file left beside it. (The library's writers: tests/unit/test_safe_write.c;
# rbm train: tests/cli/rbm_interrupt.sh.)
. "$(dirname "$0")/lib.sh" "$@"

mkdir "$TMP/w"
# only the files named: no NAME.<pid>-<k>.tmp or NAME.<pid>.tmp left over
only() {
    local got want
    got=$(cd "$TMP/w" && ls -A | tr '\n' ' ')
    want="$* "
    if [ "$got" = "$want" ]; then pass; else fail "files left: '$got', expected '$want'"; fi
}
ln -s /dev/full "$TMP/w/full.npz"
ln -s /dev/full "$TMP/w/full.uai"
printf '1 -1 1 -1 1 -1\n1 1 -1 -1 1 1\n' > "$TMP/p.txt"

# hopfield store: a full device, a missing folder
run hopfield store "$TMP/p.txt" -o "$TMP/w/full.npz"
if [ "$status" = 2 ] && grep -q "^zsum: $TMP/w/full.npz: cannot write: No space left on device" "$TMP/err" && [ ! -s "$TMP/out" ]
then pass; else fail "hopfield store to /dev/full: $status $(cat "$TMP/err")"; fi
run hopfield store "$TMP/p.txt" -o "$TMP/w/nowhere/net.npz"
if [ "$status" = 2 ] && grep -q "\-\-output: cannot write .*nowhere/net.npz.: No such file or directory" "$TMP/err"
then pass; else fail "hopfield store to a missing folder: $status $(cat "$TMP/err")"; fi

# bm --write-uai: a full device
run bm logz --random 6 --seed 4 --write-uai "$TMP/w/full.uai"
if [ "$status" = 2 ] && grep -q "full.uai: cannot write: No space left on device" "$TMP/err" && [ ! -s "$TMP/out" ]
then pass; else fail "--write-uai to /dev/full: $status $(cat "$TMP/err")"; fi

# a read-only folder and read-only files, as an unprivileged user when this runs as root
expect_ok hopfield store "$TMP/p.txt" -o "$TMP/w/net.npz"
expect_ok bm logz --random 6 --seed 4 --write-uai "$TMP/w/r.uai"
cp "$TMP/w/net.npz" "$TMP/net.before"
cp "$TMP/w/r.uai" "$TMP/r.before"
as_user=()
if [ "$(id -u)" = 0 ]; then
    chmod 755 "$TMP"
    if command -v setpriv > /dev/null; then as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups); fi
fi
# as_user_rejects PATTERN ARGS...: zsum as the unprivileged user exits 2 with PATTERN on stderr
as_user_rejects() {
    local pattern=$1; shift
    "${as_user[@]}" "$ZSUM" "$@" > "$TMP/out" 2> "$TMP/err"
    status=$?
    if [ "$status" = 2 ] && grep -q -- "$pattern" "$TMP/err" && [ ! -s "$TMP/out" ]
    then pass; else fail "zsum $*: $status $(cat "$TMP/err")"; fi
}
if [ "$(id -u)" != 0 ] || [ ${#as_user[@]} -gt 0 ]; then
    # a read-only folder (the files themselves writable by all)
    chmod 666 "$TMP/w/net.npz" "$TMP/w/r.uai"
    chmod 555 "$TMP/w"
    as_user_rejects "cannot write .*w/net.npz.: Permission denied" hopfield store "$TMP/p.txt" -o "$TMP/w/net.npz"
    as_user_rejects "cannot write .*w/r.uai.: Permission denied" bm logz --random 7 --seed 4 --write-uai "$TMP/w/r.uai"
    # read-only files in a folder open to all: refused, not replaced by a rename
    chmod 777 "$TMP/w"
    chmod 444 "$TMP/w/net.npz" "$TMP/w/r.uai"
    as_user_rejects "cannot write .*w/net.npz.: Permission denied" hopfield store "$TMP/p.txt" -o "$TMP/w/net.npz"
    as_user_rejects "cannot write .*w/r.uai.: Permission denied" bm logz --random 7 --seed 4 --write-uai "$TMP/w/r.uai"
    chmod 644 "$TMP/w/net.npz" "$TMP/w/r.uai"
else
    echo "(root without setpriv: the read-only cases are left to test_safe_write)"
fi
chmod 755 "$TMP/w"
if cmp -s "$TMP/w/net.npz" "$TMP/net.before" && cmp -s "$TMP/w/r.uai" "$TMP/r.before"; then pass
else fail "a failed write changed the previous file"; fi

# --plot: gnuplot draws into a temporary file renamed over the figure only when it succeeds
printf 'old figure\n' > "$TMP/w/fig.png"
cat > "$TMP/badgnuplot" <<'FAKE'
#!/bin/sh
out=$(sed -n "s/^set output '\(.*\)'$/\1/p")
printf 'half a fig' > "$out"
exit 1
FAKE
cat > "$TMP/goodgnuplot" <<'FAKE'
#!/bin/sh
out=$(sed -n "s/^set output '\(.*\)'$/\1/p")
printf 'new figure\n' > "$out"
FAKE
chmod +x "$TMP/badgnuplot" "$TMP/goodgnuplot"
ZSUM_GNUPLOT="$TMP/badgnuplot" run levels -n 2 -e 0,1 --sweep T:1:2:3 --plot "$TMP/w/fig.png"
if [ "$status" = 1 ] && grep -q "gnuplot failed to draw" "$TMP/err" && [ "$(cat "$TMP/w/fig.png")" = "old figure" ]
then pass; else fail "failing gnuplot: $status $(cat "$TMP/err"), figure '$(cat "$TMP/w/fig.png")'"; fi
ZSUM_GNUPLOT="$TMP/goodgnuplot" expect_ok levels -n 2 -e 0,1 --sweep T:1:2:3 --plot "$TMP/w/fig.png"
if [ "$(cat "$TMP/w/fig.png")" = "new figure" ]; then pass; else fail "the figure was not replaced"; fi
only fig.png full.npz full.uai net.npz r.uai
finish
