# levels_reject.sh — every rejection path of zsum levels: a message naming the problem on
# stderr, exit status 2, nothing on stdout.
. "$(dirname "$0")/lib.sh" "$@"

E="-e 0,1,2"
# required options, unknown ones, stray arguments
expect_reject 'units N is required' levels $E
expect_reject 'energies LIST is required' levels -n 3
expect_reject "unknown option '--bogus'" levels -n 3 $E --bogus
expect_reject "unknown option '-x'" levels -n 3 $E -x
expect_reject "unexpected argument 'extra'" levels -n 3 $E extra
expect_reject "needs a value" levels -n 3 $E --beta
expect_reject "unknown command 'levelz'" levelz -n 3 $E
# units
expect_reject "units: N must be at least 1" levels -n 0 $E
expect_reject "units: 'abc' is not a whole number" levels -n abc $E
expect_reject "units: '-3' is not a whole number" levels -n -3 $E
expect_reject "units: '1e3' is not a whole number" levels -n 1e3 $E
expect_reject "exceeds the supported 10\^9" levels -n 1000000001 $E
expect_reject "units: '99999999999999999999999' is out of range" levels -n 99999999999999999999999 $E
expect_reject "units: a whole number is needed" levels -n '' $E
# energies
expect_reject "energies: the list is empty" levels -n 3 -e ''
expect_reject "energies: item 2 'x' is not a number" levels -n 3 -e 0,x,2
expect_reject "energies: item 2 '' is not a number" levels -n 3 -e 0,,2
expect_reject "energies: item 3 '' is not a number" levels -n 3 -e 0,1,
expect_reject "energies: item 2 'nan' is not a number" levels -n 3 -e 0,nan
expect_reject "energies: item 1 'inf' is not a number" levels -n 3 -e inf,1
expect_reject "energies: item 2 '1e999' is out of range" levels -n 3 -e 0,1e999
expect_reject "65 levels given, at most 64" levels -n 3 -e "$(seq -s, 0 64)"
# degeneracies
expect_reject "degeneracies: 2 values given for 3 energies" levels -n 3 $E -g 1,2
expect_reject "degeneracies: item 2 \(-1\) is not a positive integer" levels -n 3 $E -g 1,-1,1
expect_reject "degeneracies: item 3 \(0\) is not a positive integer" levels -n 3 $E -g 1,1,0
expect_reject "degeneracies: item 1 \(1.5\) is not a positive integer" levels -n 3 $E -g 1.5,1,1
expect_reject "degeneracies: item 2 'two' is not a number" levels -n 3 $E -g 1,two,1
# temperature
expect_reject "beta: 'hot' is not a number" levels -n 3 $E -b hot
expect_reject "beta: 'nan' is not a number" levels -n 3 $E -b nan
expect_reject "temperature: T = 0 is not allowed" levels -n 3 $E -T 0
expect_reject "give --beta or --temperature, not both" levels -n 3 $E -b 1 -T 2
# method and format
expect_reject "method: 'exact' is not one of closed, macro, enumerate" levels -n 3 $E --method exact
expect_reject "format: 'xml' is not one of table, json, csv" levels -n 3 $E --format xml
expect_reject "method enumerate: .* exceed the limit .*closed" levels -n 40 $E --method enumerate
expect_reject "method macro: .* exceed the limit .*closed" levels -n 1000000 -e "$(seq -s, 0 5)" --method macro
expect_reject "threads: '0' is out of range" levels -n 3 $E --threads 0
# --state
expect_reject "state: 2 levels given for 3 units" levels -n 3 $E --state 0,1
expect_reject "state: item 2 \(3\) is not a level index 0..2" levels -n 3 $E --state 0,3,1
expect_reject "state: item 1 \(-1\) is not a level index" levels -n 3 $E --state -1,0,1
expect_reject "state: item 3 \(0.5\) is not a level index" levels -n 3 $E --state 0,1,0.5
expect_reject "state: item 2 'a' is not a number" levels -n 3 $E --state 0,a,1
# listings too large
expect_reject "microstates: .* exceed the limit 1e\+06" levels -n 13 $E --microstates
expect_reject "microstates: .* exceed the limit 80" levels -n 4 $E --microstates --limit 80
expect_reject "too much output" levels -n 100000001 -e 0 --microstates
expect_reject "limit: '0' must be at least 1" levels -n 4 $E --microstates --limit 0
expect_reject "macrostates: .* exceed the limit" levels -n 100000 $E --macrostates
expect_reject "dos: .* exceed the limit" levels -n 100000 $E --dos
# listings estimated beyond --max-seconds (default an hour, lowered by ZSUM_MAX_SECONDS): 62 919
# macrostates of up to 18 940 digits (about 1 GB of output, 25 s when measured) are refused
# before a line is made; the estimate is rows, digits and bytes (levels_print.c)
expect_reject "levels: listing the macrostates for N = 62918 on 2 levels would take about [0-9.]+ seconds, over --max-seconds 5; use fewer units or levels, or raise --max-seconds" \
    levels -n 62918 -e 54,32 --macrostates --max-seconds 5
expect_reject "listing the density of states for N = 62918 .* over --max-seconds 5;" levels -n 62918 -e 54,32 --dos --max-seconds 5
expect_reject "listing these tables for N = 62918 .* over --max-seconds 5;" levels -n 62918 -e 54,32 --dos --macrostates --max-seconds 5
expect_reject "listing the microstates for N = 19 on 2 levels would take about [0-9.]+ seconds, over --max-seconds 0.1;" \
    levels -n 19 -e 1.2,2 --microstates --max-seconds 0.1
# under a 1 ms ceiling: the multiplicities alone are over it, nothing else is walked
cap() { ZSUM_MAX_SECONDS=$1; export ZSUM_MAX_SECONDS; shift; "$@"; unset ZSUM_MAX_SECONDS; }
cap 0.001 expect_reject "listing the macrostates for N = 62918 on 2 levels would take more than .* over --max-seconds 0.001;" \
    levels -n 62918 -e 54,32 --macrostates
cap 0.001 expect_reject "listing the macrostates for N = 910 on 3 levels would take more than .* over --max-seconds 0.001;" \
    levels -n 910 -e 5,1,-1 --macrostates
expect_ok levels -n 3 $E --max-seconds 5   # bounds the thermodynamics too (tests/cli/edges.sh)
expect_reject "max-seconds: 'x' is not a number" levels -n 3 $E --macrostates --max-seconds x
expect_reject "max-seconds: '-1' must be > 0" levels -n 3 $E --macrostates --max-seconds -1
# --sweep
expect_reject "sweep: 'T:1:2' is not T:LO:HI:POINTS" levels -n 3 $E --sweep T:1:2
expect_reject "sweep: 'T:1:2:3:4' is not T:LO:HI:POINTS" levels -n 3 $E --sweep T:1:2:3:4
expect_reject "sweep: 'K:1:2:3' must start with T: or beta:" levels -n 3 $E --sweep K:1:2:3
expect_reject "sweep: temperatures must be positive" levels -n 3 $E --sweep T:0:2:3
expect_reject "sweep: HI \(1\) is below LO \(2\)" levels -n 3 $E --sweep T:2:1:3
expect_reject "sweep POINTS: '0' is out of range" levels -n 3 $E --sweep T:1:2:0
expect_reject "sweep LO: 'a' is not a number" levels -n 3 $E --sweep T:a:2:3
expect_reject "sweep: one point needs LO == HI" levels -n 3 $E --sweep T:1:2:1
# --landscape and --plot
expect_reject "landscape: needs exactly two levels, 3 given" levels -n 3 $E --landscape
expect_reject "landscape: needs a positive temperature" levels -n 3 -e 0,1 -b -1 --landscape
expect_reject "points: '0' is out of range" levels -n 3 -e 0,1 --landscape --points 0
expect_reject "plot: draws a --sweep or a --landscape" levels -n 3 $E --plot x.png
expect_reject "plot: 'x.jpg' must end in .png or .svg" levels -n 3 $E --sweep T:1:2:3 --plot x.jpg
expect_reject "plot: draws one figure" levels -n 3 -e 0,1 --sweep T:1:2:3 --landscape --plot x.png
expect_reject "format csv: prints one table" levels -n 3 $E --macrostates --dos --format csv

finish
