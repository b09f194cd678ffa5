# grammar.sh — the vocabulary every command shares: the one grammar of numbers (through a real
# option of each command), the one --sweep parser and --threads range, the spellings of
# temperature and units, options of another mode refused, output paths checked before any
# work, and the inputs uai takes (a second file as evidence, .uai.gz, '-').
. "$(dirname "$0")/lib.sh" "$@"
ZSUM=$(cd "$(dirname "$ZSUM")" && pwd)/$(basename "$ZSUM")
cd "$TMP"
# q TEXT: TEXT as a literal in an extended regular expression.
q() { printf '%s' "$1" | sed 's/[][\.*^$+?(){}|\\]/\\&/g'; }

printf '+-+-+-+-+-+-\n++++++------\n' > p.txt
expect_ok hopfield store p.txt -o net.npz
cat > m.uai <<'EOF'
MARKOV
2
2 2
2
2 1 0
1 0

4
 2 3
 5 7

2
 11 13
EOF
printf '1 0 1\n' > m.evid

# ---- decimals ----------------------------------------------------------------------------
# Refused texts: hexadecimal (strtod reads both forms), spaces, a '+' sign, inf and nan,
# trailing junk, a bare point or exponent.
not_decimal=('0x10' '0x1p4' ' 3' '3 ' '+3' 'inf' '-inf' 'nan' 'NAN' 'infinity' '3x' '1e' '1e+'
             'e5' '.' '-' '1,5' '1..2' '--1')
for v in "${not_decimal[@]}"; do
    r=$(q "$v")
    expect_reject "--beta: '$r' is not a number" levels -n 2 -e 0,1 -b "$v"
    expect_reject "--J: '$r' is not a number" ising --size 2 --J "$v"
    expect_reject "--beta: '$r' is not a number" bm logz --random 4 -b "$v"
    expect_reject "--flip: '$r' is not a number" hopfield capacity -n 10 --flip "$v"
    expect_reject "--max-work: '$r' is not a number" uai m.uai --max-work "$v"
    expect_reject "--max-seconds: '$r' is not a number" rbm logz absent.npz --max-seconds "$v"
    case $v in *,*) ;; *) expect_reject "--energies: item 2 '$r' is not a number" levels -n 2 -e "0,$v" ;; esac
done
for v in '' ; do
    expect_reject "--beta: a number is needed" levels -n 2 -e 0,1 -b "$v"
    expect_reject "--max-work: a number is needed" uai m.uai --max-work "$v"
done
# Beyond the largest double: out of range, not "not finite".
for v in 1e309 -1e400 1e99999; do
    expect_reject "--beta: '$v' is out of range" levels -n 2 -e 0,1 -b "$v"
    expect_reject "--temperature: '$v' is out of range" ising --size 2 -T "$v"
    expect_reject "--max-work: '$v' is out of range" uai m.uai --max-work "$v"
done
# Accepted: ordinary decimals, exponents, ".5" and "5.", and subnormals where the model allows them.
for v in 2 -0.5 .5 5. 1e-3 1E-3 2.5e+2 1e-200 -0; do
    expect_ok levels -n 2 -e 0,1 -b "$v" --format json
    expect_json "d['beta'] == float('$v')"
done
expect_ok ising --size 2 --J 1e-320 --format json
expect_ok levels -n 2 -e 0,1e-320 --format json
expect_json "d['levels'][1]['energy'] == float('1e-320')"
# A subnormal beta is read, then refused by the model: T past 1e200 would overflow
# F = -T ln Z.
for v in 1e-320 4.9e-324; do
    expect_reject 'beta: \|beta\| = [0-9.]+e-3[0-9]+ is below 1e-200' levels -n 2 -e 0,1 -b "$v"
done
expect_reject '\|beta\| = 9.99989e-321 is below 1e-200' bm logz --random 4 -b 1e-320
expect_reject '\|beta\| = 1e-201 is below 1e-200' ising --size 2 -T 1e201
expect_ok hopfield capacity -n 10 --trials 1 --alpha 0.1 --flip 1e-320 --seed 1 --format json
expect_ok uai m.uai --max-work 1.5e3 --format json

# Sizes: the same decimal grammar before the unit (strtod took hexadecimal here too).
for v in 0x10 0x1p4G ' 1G' '+1G' 1GiBx inf 1e400K iB 1iB 0.5 ''; do
    expect_reject "--max-memory: '$(q "$v")' is not a size" uai m.uai --max-memory "$v"
done
for v in 4G 512M 1048576 2GiB 64MB 1.5G 1e3K 1e9; do
    expect_ok uai m.uai --max-memory "$v"
done

# ---- whole numbers: digits only ------------------------------------------------------------
for v in ' 3' '3 ' '+3' '3.0' '1e3' '0x10' '3x'; do
    v_=$v
    v=$(q "$v_")
    expect_reject "--units: '$v' is not a whole number" levels -n "$v_" -e 0,1
    expect_reject "--trials: '$v' is not a whole number" hopfield capacity -n 10 --trials "$v_"
    expect_reject "--random: '$v' is not a whole number" bm logz --random "$v_"
    expect_reject "--threads: '$v' is not a whole number" uai m.uai --threads "$v_"
    expect_reject "--threads: '$v' is not a whole number" ising --size 2 --threads "$v_"
done
expect_reject "--units: '99999999999999999999' is out of range" levels -n 99999999999999999999 -e 0,1
expect_reject "--threads: '99999999999999999999' is out of range 1..1024" uai m.uai --threads 99999999999999999999
expect_reject "--threads: a whole number is needed" uai m.uai --threads ''

# ---- one --threads range -------------------------------------------------------------------
for v in 0 1025 -1; do
    expect_reject "--threads: '$v' is out of range 1..1024" levels -n 2 -e 0,1 --method enumerate --threads "$v"
    expect_reject "--threads: '$v' is out of range 1..1024" ising --size 2 --threads "$v"
    expect_reject "--threads: '$v' is out of range 1..1024" bm logz --random 4 --threads "$v"
    expect_reject "--threads: '$v' is out of range 1..1024" hopfield capacity -n 10 --threads "$v"
    expect_reject "--threads: '$v' is out of range 1..1024" uai m.uai --threads "$v"
    expect_reject "--threads: '$v' is out of range 1..1024" rbm logz absent.npz --threads "$v"
done
expect_ok uai m.uai --threads 1024
expect_ok levels -n 2 -e 0,1 --method enumerate --threads 1024
expect_ok hopfield capacity -n 10 --trials 1 --alpha 0.1 --seed 1 --threads 3 --format json

# ---- one --sweep parser (levels and ising took 10^6 and 10^5 points) -------------------------
for cmd in "levels -n 2 -e 0,1" "ising --size 2"; do
    # shellcheck disable=SC2086
    expect_reject "--sweep POINTS: '1000001' is out of range 1..1000000" $cmd --sweep T:1:2:1000001
    # shellcheck disable=SC2086
    expect_reject "--sweep LO: a number is needed" $cmd --sweep T::2:3
    # shellcheck disable=SC2086
    expect_reject "--sweep: 'T:1:2:3:4' is not T:LO:HI:POINTS" $cmd --sweep T:1:2:3:4
    # shellcheck disable=SC2086
    expect_reject "--sweep HI: '0x2' is not a number" $cmd --sweep T:1:0x2:3
    # shellcheck disable=SC2086
    expect_reject "--sweep: temperatures must be positive" $cmd --sweep T:0:2:3
    # shellcheck disable=SC2086
    expect_reject "--sweep: 'K:1:2:3' must start with T: or beta:" $cmd --sweep K:1:2:3
done
# ising took at most 10^5 points: 100001 now passes the parser (and stops at the next check).
expect_reject "--plot: 'x.jpg' must end in .png or .svg" ising --size 2 --sweep T:1:2:100001 --plot x.jpg

# ---- names: temperature, units, quiet ------------------------------------------------------
expect_ok hopfield recall net.npz --probe 0 --seed 3 -T 0.5 --sweeps 4 --format json
cp "$TMP/out" t.json
expect_ok hopfield recall net.npz --probe 0 --seed 3 --temperature 0.5 --sweeps 4 --format json
if cmp -s "$TMP/out" t.json; then pass; else fail "recall: -T and --temperature differ"; fi
expect_ok hopfield recall net.npz --probe 0 --seed 3 -b 2 --sweeps 4 --format json
if cmp -s "$TMP/out" t.json; then pass; else fail "recall: -b 2 differs from -T 0.5"; fi
expect_ok hopfield recall net.npz --probe 0 --seed 3 --beta 2 --sweeps 4 --format json -q
if cmp -s "$TMP/out" t.json; then pass; else fail "recall: --beta 2 differs from -T 0.5"; fi
expect_reject "--T: the temperature is spelled -T or --temperature" hopfield recall net.npz --probe 0 --T 0.5
expect_reject "--beta: 0 must be > 0" hopfield recall net.npz --probe 0 -b 0
expect_reject "give --beta or --temperature, not both" hopfield recall net.npz --probe 0 -b 2 -T 0.5
expect_ok hopfield capacity --units 10 --trials 1 --alpha 0.1 --seed 1 --format json
cp "$TMP/out" c.json
expect_ok hopfield capacity -n 10 --trials 1 --alpha 0.1 --seed 1 --format json -q
if cmp -s "$TMP/out" c.json; then pass; else fail "capacity: -n and --units differ"; fi
expect_reject "--n: the number of units is spelled -n or --units" hopfield capacity --n 10
expect_ok hopfield store p.txt -o net2.npz -q
for cmd in "levels -n 2 -e 0,1" "ising --size 2" "bm logz --random 4" "uai m.uai"; do
    # shellcheck disable=SC2086
    expect_ok $cmd -q
    # shellcheck disable=SC2086
    expect_ok $cmd --quiet
done

# ---- options of another mode are refused, naming it ----------------------------------------
expect_reject "--points: sets the grid of --landscape" levels -n 2 -e 0,1 --points 5
expect_reject "--limit: bounds the listings" levels -n 2 -e 0,1 --limit 5
expect_reject "--threads: only --method enumerate runs on threads \(method closed\)" levels -n 2 -e 0,1 --threads 2
expect_reject "--threads: only --method enumerate runs on threads \(method macro\)" levels -n 2 -e 0,1 --method macro --threads 2
for o in "--algorithm wolff" "--sweeps 64" "--burnin 10" "--chains 2"; do
    # shellcheck disable=SC2086
    expect_reject "${o%% *} belongs to the sampler" ising --size 2 $o
    # shellcheck disable=SC2086
    expect_reject "${o%% *} belongs to the sampler" bm logz --random 4 $o
done
expect_reject "--seed belongs to the sampler" ising --size 2 --seed 3
expect_reject "--symmetrize: reads a MODEL.npz's W" bm logz --random 4 --symmetrize
for o in "--method enumerate" "--dos" "--plot x.png" "--write-uai x.uai"; do
    # shellcheck disable=SC2086
    expect_reject "sample: ${o%% *} belongs to the exact computation" ising sample --size 2 $o
    # shellcheck disable=SC2086
    expect_reject "sample: ${o%% *} belongs to the exact computation" bm sample --random 4 $o
done
if [ ! -e x.uai ]; then pass; else fail "ising sample --write-uai wrote a file"; fi

# ---- output paths are checked before any work -----------------------------------------------
mkdir adir
nodir="$TMP/absent/x"
reason="No such file or directory"
expect_reject "--plot: cannot write '$nodir.png': $reason" levels -n 2 -e 0,1 --sweep T:1:2:3 --plot "$nodir.png"
expect_reject "--plot: cannot write 'adir': Is a directory|must end in" levels -n 2 -e 0,1 --sweep T:1:2:3 --plot adir
expect_reject "--plot: cannot write 'adir/': Is a directory|must end in" levels -n 2 -e 0,1 --sweep T:1:2:3 --plot adir/
mkdir dir.png
expect_reject "--plot: cannot write 'dir.png': Is a directory" levels -n 2 -e 0,1 --sweep T:1:2:3 --plot dir.png
expect_reject "--plot: cannot write '$nodir.png': $reason" ising --size 2 --sweep T:1:2:3 --plot "$nodir.png"
expect_reject "--write-uai: cannot write '$nodir.uai': $reason" ising --size 2 --write-uai "$nodir.uai"
expect_reject "--write-uai: cannot write 'adir': Is a directory" ising --size 2 --write-uai adir
expect_reject "--write-uai: cannot write '$nodir.uai': $reason" bm logz --random 4 --write-uai "$nodir.uai"
expect_reject "--output: cannot write '$nodir.npz': $reason" hopfield store p.txt -o "$nodir.npz"
expect_reject "--output: cannot write '$nodir.pbm': $reason" hopfield recall net.npz --probe 0 -o "$nodir.pbm"
expect_reject "-o: cannot write '$nodir.png': $reason" rbm sample absent.npz -o "$nodir.png"
expect_reject "-o: cannot write '$nodir.npz': $reason" rbm train absent.npy --hidden 4 --epochs 1 -o "$nodir.npz"
expect_reject "-o: cannot write 'p.txt/x.png': Not a directory" rbm filters absent.npz -o p.txt/x.png
expect_reject "--log: cannot write '$nodir.csv': $reason" rbm train absent.npy --hidden 4 --epochs 1 -o m.npz --log "$nodir.csv"
long=$(printf 'a%.0s' $(seq 5000))
expect_reject "--plot: cannot write '$long/x.png': File name too long" levels -n 2 -e 0,1 --sweep T:1:2:3 --plot "$long/x.png"
# Before the work: a capacity run of hours refuses its --plot at once.
start=$(date +%s)
expect_reject "--plot: cannot write '$nodir.png': $reason" hopfield capacity -n 20000 --trials 1000000 --plot "$nodir.png"
if [ $(( $(date +%s) - start )) -lt 10 ]; then pass; else fail "capacity --plot was checked after the work"; fi
if [ "$(id -u)" != 0 ]; then
    mkdir ro && chmod 555 ro
    expect_reject "--plot: cannot write 'ro/x.png': Permission denied" levels -n 2 -e 0,1 --sweep T:1:2:3 --plot ro/x.png
    expect_reject "--write-uai: cannot write 'ro/x.uai': Permission denied" ising --size 2 --write-uai ro/x.uai
    expect_reject "--output: cannot write 'ro/x.npz': Permission denied" hopfield store p.txt -o ro/x.npz
    chmod 755 ro
fi

# ---- uai inputs ------------------------------------------------------------------------------
expect_ok uai m.uai --evid m.evid --format json
cp "$TMP/out" e.json
expect_ok uai m.uai m.evid --format json
expect_json "abs(d['lnZ'] - math.log(130)) < 1e-14 and d['evidence'] == 1"
expect_reject "evidence given twice" uai m.uai m.evid --evid m.evid
gzip -c m.uai > m.uai.gz
gzip -c m.evid > m.evid.gz
expect_ok uai m.uai.gz m.evid.gz --format json
expect_json "abs(d['lnZ'] - math.log(130)) < 1e-14 and d['evidence'] == 1"
expect_ok uai - m.evid --format json < m.uai
expect_json "abs(d['lnZ'] - math.log(130)) < 1e-14 and d['model'] == '-'"
expect_ok uai - --format json < m.uai.gz
expect_json "abs(d['lnZ'] - math.log(207)) < 1e-14"
expect_ok uai m.uai - --format json < m.evid
expect_json "abs(d['lnZ'] - math.log(130)) < 1e-14"
expect_reject "cannot both be standard input" uai - - < m.uai
expect_reject "standard input:1:" uai - < m.evid
expect_reject "absent.uai.gz: cannot open: $reason" uai absent.uai.gz
expect_reject "adir: is a directory" uai adir
printf 'not gzip at all' | gzip -c | head -c 12 > broken.uai.gz
expect_reject "broken.uai.gz" uai broken.uai.gz

# ---- table columns never run into each other: each padded to its widest entry ------------------
# aligned TITLE COLUMNS ROWS: the ROWS lines after TITLE (the header and the values) have
# COLUMNS fields that start at the same offsets, at least two spaces apart.
aligned() {
    if python3 - "$1" "$2" "$3" "$TMP/out" <<'PY'
import re, sys
title, cols, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
lines = open(sys.argv[4]).read().split("\n")
rows = lines[lines.index(title) + 1:][:n]
starts = [[m.start() for m in re.finditer(r"(?:^|(?<=  ))\S", r)] for r in rows]
ok = len(rows) > 1 and all(len(s) == cols and s == starts[0] for s in starts)
ok = ok and all(not r.endswith(" ") for r in rows)
sys.exit(0 if ok else 1)
PY
    then pass; else fail "columns of '$1' are not aligned: $(head -c 600 "$TMP/out")"; fi
}
expect_ok ising --size 3 --sweep T:0.01:1e6:3
aligned "temperature sweep (totals)" 9 4
expect_ok levels -n 10 -e 0,1,2 --macrostates
aligned "macrostates by energy (p of the whole macrostate)" 4 67
expect_ok levels -n 3 -e 0,1.5,10 -g 1,2,1 --microstates --dos
aligned "microstates (unit 0 first; p of each)" 5 65
aligned "density of states" 3 11
expect_ok levels -n 2 -e 0,1 --sweep T:0.5:3:3 --landscape --points 4
aligned "temperature sweep" 7 4
aligned "free-energy landscape per unit, F(x) = E(x) - T S(x)" 3 5

# ---- CSV spells non-finite values one way: inf / -inf, and no nan ---------------------------
expect_ok levels -n 2 -e 0,1 --sweep beta:0:1:2 --format csv
expect_out '^inf,0,1\.3862943611198906,1,-inf,'
expect_ok ising --size 2 --sweep beta:0:1:2 --format csv
expect_out '^inf,0,'
for cmd in "levels -n 2 -e 0,1 --sweep beta:0:1:2" "ising --size 2 --sweep beta:0:1:2" \
           "hopfield recall net.npz --probe 0 --seed 1" "hopfield capacity -n 10 --trials 1 --alpha 0.1 --seed 1"; do
    # shellcheck disable=SC2086
    expect_ok $cmd --format csv
    if grep -qi 'nan' "$TMP/out"; then fail "$cmd --format csv printed nan"; else pass; fi
done

finish
