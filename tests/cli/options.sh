#!/usr/bin/env bash
# options.sh — the one option parser and the one help (programs/cli_args.c): every option a
# help page lists is accepted by that (sub)command's parser, `zsum help CMD [SUB]` is `zsum CMD
# [SUB] --help`, and the spellings and refusals the parser shares: --name=VALUE, -xVALUE, "--",
# a flag given a value, an option given twice where that matters, a missing value, an option
# of another subcommand.
. "$(dirname "$0")/lib.sh" "$@"

pages=("levels" "ising" "ising sample" "bm lnz" "bm sample" "hopfield store" "hopfield recall"
       "hopfield capacity" "rbm lnz" "rbm loglik" "rbm train" "rbm sample" "rbm filters"
       "rbm transform" "dbm lnz" "dbm loglik" "dbm train" "dbm sample" "uai")
for page in "${pages[@]}"; do
    # shellcheck disable=SC2086
    expect_ok $page --help
    cp "$TMP/out" "$TMP/help"
    # shellcheck disable=SC2086
    expect_ok help $page
    if cmp -s "$TMP/out" "$TMP/help"; then pass; else fail "zsum help $page differs from zsum $page --help"; fi
    opts=$(awk '/^options:/ {on = 1; next} /^$/ {on = 0} on' "$TMP/help" |
           grep -oE '^  (-[A-Za-z], )?(--[A-Za-z][A-Za-z0-9-]*|-[A-Za-z])' | grep -oE -- '-[-A-Za-z0-9]+$')
    if [ -n "$opts" ]; then pass; else fail "zsum $page --help lists no options"; fi
    for o in $opts; do
        # shellcheck disable=SC2086
        run $page "$o" 1
        if grep -q "unknown option" "$TMP/err"; then fail "zsum $page --help lists $o but the parser refuses it: $(cat "$TMP/err")"
        else pass; fi
    done
done

# Spellings: --name=VALUE and -xVALUE read as --name VALUE.
expect_ok levels -n 3 -e 0,1 -b 2 --format json
cp "$TMP/out" "$TMP/a.json"
expect_ok levels --units=3 -e0,1 --beta=2 --format=json
if cmp -s "$TMP/out" "$TMP/a.json"; then pass; else fail "--name=VALUE and -xVALUE differ from the spaced forms"; fi
# "--" ends the options; a value is the next word whatever it starts with.
expect_reject "levels: unexpected argument '-q'" levels -n 3 -e 0,1 -- -q
expect_ok levels -n 3 -e 0,1 -b -0.5 --format json
expect_json "d['beta'] == -0.5"
# Refusals.
expect_reject "levels: --quiet takes no value" levels -n 3 -e 0,1 --quiet=1
expect_reject "uai: --evid is given twice" uai m.uai --evid a --evid b
expect_reject "rbm train: -o is given twice" rbm train d.npy --hidden 2 --epochs 1 -o a.npz -o b.npz
expect_reject "ising: --size needs a value" ising --size
expect_reject "rbm lnz: unknown option '--steps' \(it belongs to rbm sample" rbm logz m.npz --steps 3
expect_reject "hopfield store: unknown option '--probe' \(it belongs to hopfield recall" hopfield store p.txt --probe 0
expect_reject "dbm lnz: unknown option '--hidden' \(it belongs to dbm train" dbm lnz m.npz --hidden 4
expect_reject "dbm train: unknown option '--exact' \(it belongs to dbm lnz, dbm loglik" dbm train d.npy --exact
expect_reject "dbm loglik: --mf-iterations needs a value" dbm loglik m.npz d.npy --mf-iterations
expect_reject "levels: unknown option '-x'" levels -n 3 -e 0,1 -x
expect_reject "unknown option '-qx'" levels -n 3 -e 0,1 -qx
expect_reject "rbm: a subcommand is needed: lnz, loglik, train, sample, filters or transform" rbm
expect_reject "hopfield: unknown subcommand 'forget' \(store, recall or capacity\)" hopfield forget
# bm lnz: logz is its older name.
expect_ok bm lnz --random 6 --seed 2 --format json
cp "$TMP/out" "$TMP/lnz.json"
expect_ok bm logz --random 6 --seed 2 --format json
if cmp -s "$TMP/out" "$TMP/lnz.json"; then pass; else fail "bm logz and bm lnz differ"; fi
finish
