#!/usr/bin/env bash
# docs_tours.sh — every `$ zsum ...` example of README.md and docs/*.md prints what the page
# shows. Each example runs in a scratch folder in which the files it names are linked from
# examples/data, ../shared/data (reference data: a path ../shared/data/... or a bare UAI 2014
# instance name) or the digits of scripts/fetch-data.sh ($ZSUM_DATA, default
# ~/.cache/zsum/data); an example whose files are in none of them (the reference instances when
# ../shared is absent) is skipped with a message, and so are the few that run for minutes
# (DOCS_TOURS_ALL=1 runs them). DOCS_TOURS_TIMES=1 adds each example's seconds to the report.
#
# Comparison: stdout and stderr together against the lines under the command; a line `...`
# stands for any number of lines; timings (`seconds`, `epoch_seconds`, ...) are not compared; numbers agree to
# 1e-9 relative (DOCS_TOURS_EXACT=1: digit for digit). `$ cat FILE` shows an input file and
# `$ echo $?` the exit status of the command before.
. "$(dirname "$0")/lib.sh" "$@"
SRC=${ZSUM_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}
case $ZSUM in /*) ;; *) ZSUM=$PWD/$ZSUM ;; esac
mkdir -p "$TMP/bin" "$TMP/work/docs"
ln -s "$ZSUM" "$TMP/bin/zsum"
[ -n "${ZSUM_SHARED:-}" ] && [ -d "$ZSUM_SHARED" ] && ln -s "$(cd "$ZSUM_SHARED" && pwd)" "$TMP/shared"

python3 - "$SRC" "$TMP" "${ZSUM_SHARED:-}" "${ZSUM_DATA:-$HOME/.cache/zsum/data}" > "$TMP/report" <<'PY'
import os, re, subprocess, sys, time
src, tmp, shared, data = sys.argv[1:5]
work = os.path.join(tmp, 'work')
exact = os.environ.get('DOCS_TOURS_EXACT') == '1'
run_all = os.environ.get('DOCS_TOURS_ALL') == '1'
times = os.environ.get('DOCS_TOURS_TIMES') == '1'   # each example's seconds, for the report
# Six minutes on 2 cores: the conditioning example of docs/uai.md.
slow = [r'linkage_23\.uai']
# Under the sanitizers (ZSUM_SANITIZED, the second half of make check) full-length AIS on the
# 784-unit RBMs of docs/rbm.md (the reference model and the 100-hidden digits model) takes 4-8
# minutes an example; the plain run checks those pages' figures, and the sanitized cli/rbm
# test runs the same AIS code on small models.
if os.environ.get('ZSUM_SANITIZED'):
    slow += [r'^zsum rbm lnz mnistvh\.npz --ais (--base data:|--seed 1$)',
             r'^zsum rbm loglik digits100\.npz images-idx3-ubyte\.gz:9000:10000 --binarize threshold --seed 1$']
search = [os.path.join(src, 'examples', 'data')]
if shared:
    search += [os.path.join(shared, 'data', d) for d in ('uai2014-pr', 'rbm')]
search += [os.path.join(data, 'mnist-digits')]
env = dict(os.environ, PATH=os.path.join(tmp, 'bin') + os.pathsep + os.environ['PATH'],
           LC_ALL='C')
env.pop('OMP_NUM_THREADS', None)

def blocks(text):
    """Code blocks of a Markdown page: fenced (```) and indented by four spaces."""
    lines, i, out = text.split('\n'), 0, []
    while i < len(lines):
        if lines[i].startswith('```'):
            j = i + 1
            while j < len(lines) and not lines[j].startswith('```'): j += 1
            out.append(lines[i + 1:j]); i = j + 1
        elif lines[i].startswith('    ') and (i == 0 or not lines[i - 1].strip()):
            j = i
            while j < len(lines) and (lines[j].startswith('    ') or not lines[j].strip()): j += 1
            blk = [l[4:] for l in lines[i:j]]
            while blk and not blk[-1].strip(): blk.pop()
            out.append(blk); i = j
        else:
            i += 1
    return out

def examples(path):
    for blk in blocks(open(path).read()):
        cur = None
        for line in blk:
            if line.startswith('$ '):
                if cur: yield cur
                cur = [line[2:], []]
            elif cur is not None:
                cur[1].append(line)
        if cur: yield cur

num = re.compile(r'-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?')

def same_line(want, got):
    if want == got: return True
    if exact: return False
    wt, gt = num.split(want), num.split(got)
    if wt != gt: return False
    for w, g in zip(num.findall(want), num.findall(got)):
        a, b = float(w), float(g)
        # 1e-6: the AIS figures come from float32 OpenBLAS products, whose sums depend on the
        # kernel OpenBLAS picks for the processor (OPENBLAS_CORETYPE): from SkylakeX's to
        # Haswell's the 784 x 15 reference RBM's ln Z moves by 4e-9 and the 784 x 100 digits
        # model's reverse ESS by 1.7e-7, relative
        if abs(a - b) > 1e-6 * max(abs(a), abs(b), 1e-300): return False
    return True

def matches(want, got):
    """want may hold '...' lines (any number of lines); 'seconds' lines (and '*_seconds') are not compared."""
    mask = lambda l: re.sub(r'("(?:\w+_)?seconds": |^(?:\w+_)?seconds +)[-+0-9.eE]+', r'\1#', l)
    want = [mask(l) for l in want]
    got = [mask(l) for l in got]
    def m(i, j):
        if i == len(want): return j == len(got)
        if want[i].strip() == '...':
            return any(m(i + 1, k) for k in range(j, len(got) + 1))
        return j < len(got) and same_line(want[i], got[j]) and m(i + 1, j + 1)
    return m(0, 0)

def link_inputs(cmd):
    """Link the files the command names into the work folder; the first one missing, or None."""
    for w in cmd.split():
        w = w.split(':', 1)[1] if w.startswith('data:') else w
        w = re.sub(r':\d+:\d+$', '', w)   # a row range FILE:START:END names FILE
        if '/' in w and not w.startswith('../shared/'): continue
        if not re.search(r'\.(uai|fg|evid|npz|npy|txt|gz)$', w): continue
        if w.startswith('../shared/'):
            if not os.path.exists(os.path.join(work, w)): return w
            continue
        dst = os.path.join(work, w)
        if os.path.exists(dst): continue
        for d in search:
            if os.path.exists(os.path.join(d, w)):
                os.symlink(os.path.join(d, w), dst); break
        else:
            # an output of an earlier example (-o, --log) is not an input
            if re.search(r'(-o|--log|--plot)\s+' + re.escape(w) + r'\b', cmd): continue
            return w
    return None

def outputs(cmd):
    return set(re.findall(r'(?:-o|--log|--plot)\s+(\S+)', cmd))

status, last = 0, None
unmade = set()   # files that a skipped example would have written
for page in ['README.md'] + sorted('docs/' + f for f in os.listdir(os.path.join(src, 'docs'))
                                   if f.endswith('.md')):
    for cmd, want in examples(os.path.join(src, page)):
        where = '%s: $ %s' % (page, cmd)
        if cmd.startswith('echo $?'):
            if last is None: continue
            if want and want[0].strip() != str(last):
                print('FAIL %s: exit status %s, the page says %s' % (where, last, want[0])); status = 1
            continue
        needs = [w for w in cmd.split() if w in unmade or w.split(':', 1)[-1] in unmade]
        if needs:
            print('SKIP %s: needs %s, which a skipped example writes' % (where, needs[0]))
            unmade |= outputs(cmd); last = None; continue
        if cmd.startswith('cat '):
            f = cmd.split()[1]
            missing = link_inputs(cmd)
            if missing or not os.path.exists(os.path.join(work, f)):
                print('SKIP %s: %s is absent (examples/data, or reference data in ../shared/data)'
                      % (where, missing or f)); continue
            got = open(os.path.join(work, f)).read().rstrip('\n').split('\n')
            if not matches(want, got):
                print('FAIL %s: the page shows other contents than %s' % (where, f)); status = 1
            else: print('ok   ' + where)
            continue
        if not cmd.startswith('zsum '):
            continue
        if not run_all and any(re.search(p, cmd) for p in slow):
            print('SKIP %s: runs for minutes%s (DOCS_TOURS_ALL=1 runs it)'
                  % (where, ' under the sanitizers' if os.environ.get('ZSUM_SANITIZED') else ''))
            unmade |= outputs(cmd); last = None; continue
        missing = link_inputs(cmd)
        if missing:
            print('SKIP %s: needs %s (reference data in ../shared/data, or the digits of '
                  'scripts/fetch-data.sh in $ZSUM_DATA)' % (where, missing))
            unmade |= outputs(cmd); last = None; continue
        t0 = time.monotonic()
        p = subprocess.run(['bash', '-c', cmd + ' 2>&1'], cwd=work, env=env,
                           stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
        if times: print('%6.2f s %s' % (time.monotonic() - t0, where))
        last = p.returncode
        got = p.stdout.decode('utf-8', 'replace').rstrip('\n').split('\n')
        if p.stdout == b'': got = []
        if matches(want, got):
            print('ok   ' + where)
        else:
            status = 1
            print('FAIL %s (exit %d)' % (where, p.returncode))
            for l in want: print('  page| ' + l)
            for l in got[:60]: print('  got | ' + l)
sys.exit(status)
PY
rc=$?
cat "$TMP/report"
if [ $rc -eq 0 ]; then pass; else fail "documented examples differ from the program (above)"; fi
grep -q '^ok' "$TMP/report" && pass || fail "no documented example was run"
finish
