"""zsum.read_uai and zsum.FactorModel — general discrete models (zsum uai): UAI files,
evidence, elimination plans and the exact ln Z by variable elimination. Every number comes from
libzsum (zs_factor_*)."""
import math
import os
from ctypes import byref, c_double, c_size_t, c_void_p

import numpy as np

from . import _lib
from ._common import Handle
from ._result import Result

_lib_ = _lib.lib
_PlanInfo = _lib.struct("zs_factor_plan_info")
_MargOpts = _lib.struct("zs_factor_marginals_opts")
_ApproxOpts = _lib.struct("zs_factor_approx_opts")
_ApproxResult = _lib.struct("zs_factor_approx_result")
_SearchOpts = _lib.struct("zs_factor_search_opts")
_SearchStats = _lib.struct("zs_factor_search_stats")
AUTO_SEARCH_SECONDS = 1200.0  # the command line's limit on the search --method auto falls to
APPROX_METHODS = ("mf", "bp", "trw", "mbe", "gbp", "auto")
MAX_WORK = 1e12      # the command line's default --max-work


def physical_memory():
    """Bytes of physical memory (0 when unknown), as the command line reads it."""
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        return 0.0
    return float(pages) * float(size) if pages > 0 and size > 0 else 0.0


class _Plan(Handle):
    _free_name = "zs_factor_plan_free"


class FactorModel(Handle):
    """A discrete model: n variables with domains d_i and non-negative factor tables
    (zs_factor_model). Made by read_uai / parse_uai, by FactorModel(domains) and add_factor,
    or from a pairwise model (Ising.to_factors)."""

    _free_name = "zs_factor_model_free"

    def __init__(self, domains, kind="MARKOV"):
        super().__init__()
        d = _lib.as_indices(domains, "domains", np.uint32, lo=1, hi=1000001)
        out = c_void_p()
        self._new(_lib_.zs_factor_model_alloc(self._ctx.ptr, d.size, d.ctypes.data, byref(out)),
                  out)
        _lib_.zs_factor_model_set_kind(self._ptr, _lib.enum_value("factor_kind", "kind", kind))
        self.name = "<model>"
        self.evidence = None

    @classmethod
    def _empty(cls):
        self = cls.__new__(cls)
        self._ptr = None
        self.name = "<model>"
        self.evidence = None
        return self

    def _adopt(self, ctx, name):
        self._ctx = ctx
        self.name = name

    # ---- the model -----------------------------------------------------------------------------
    @property
    def variables(self):
        return _lib_.zs_factor_model_nvars(self._ptr)

    @property
    def factors(self):
        return _lib_.zs_factor_model_nfactors(self._ptr)

    @property
    def kind(self):
        return _lib.enum_name("factor_kind", _lib_.zs_factor_model_kind(self._ptr))

    @property
    def domains(self):
        return np.array([_lib_.zs_factor_model_domain(self._ptr, i)
                         for i in range(self.variables)], dtype=np.uint32)

    def add_factor(self, scope, values, log=False):
        """A factor over scope (distinct variable indices) with prod_k d_scope[k] values, the
        last variable of the scope fastest (the UAI convention); log=True: the values are
        ln phi (-inf for a zero)."""
        s = _lib.as_indices(scope, "scope", np.uint32, allow_empty=True, hi=self.variables)
        v = _lib.as_float64(values, "values", ndim=None, finite=not log, allow_empty=False)
        v = v.reshape(-1)
        if log and np.isnan(v).any():
            raise ValueError("values: entry %d is nan" % int(np.argmax(np.isnan(v))))
        # The library reads prod_k d_scope[k] values: the array must hold exactly that many.
        want = 1
        for var in s:
            want *= int(_lib_.zs_factor_model_domain(self._ptr, int(var)))
        if v.size != want:
            raise ValueError("values: %d entries for a scope of %d states" % (v.size, want))
        with self._ctx.lock:
            self._ctx.check(_lib_.zs_factor_model_add(self._ptr, s.size, s.ctypes.data,
                                                      v.ctypes.data, 1 if log else 0))

    def write_uai(self, path):
        """Write the model as a .uai file (atomically)."""
        with self._ctx.lock:
            self._ctx.check(_lib_.zs_factor_write_uai(self._ptr, _lib.path_bytes(path)))

    # ---- evidence ------------------------------------------------------------------------------
    def set_evidence(self, evidence):
        """Observed values: None (none), a path to a .evid file, a dict {variable: value}, or
        an array of one entry per variable (-1: not observed). Returns the number observed."""
        n = self.variables
        if evidence is None:
            self.evidence = None
            return 0
        if isinstance(evidence, (str, bytes, os.PathLike)):
            ev = np.empty(max(n, 1), dtype=np.int32)
            observed = c_size_t()
            with self._ctx.lock:
                self._ctx.check(_lib_.zs_factor_read_evid(self._ptr, _lib.path_bytes(evidence),
                                                          ev.ctypes.data, byref(observed)))
            self.evidence = ev[:n].copy()
            return observed.value
        if isinstance(evidence, dict):
            ev = np.full(n, -1, dtype=np.int32)
            for var, value in evidence.items():
                i = _lib.as_count(var, "evidence variable", 0, n - 1)
                ev[i] = _lib.as_count(value, "evidence value of variable %d" % i, 0,
                                      int(_lib_.zs_factor_model_domain(self._ptr, i)) - 1)
        else:
            ev = _lib.as_indices(evidence, "evidence", np.int32, shape=(n,), lo=-1,
                                 allow_empty=True)
            for i, v in enumerate(ev):
                if v >= int(_lib_.zs_factor_model_domain(self._ptr, i)):
                    raise ValueError("evidence: variable %d has no value %d (domain %d)"
                                     % (i, v, _lib_.zs_factor_model_domain(self._ptr, i)))
        self.evidence = np.ascontiguousarray(ev, dtype=np.int32)
        return int((self.evidence >= 0).sum())

    @property
    def observed(self):
        return 0 if self.evidence is None else int((self.evidence >= 0).sum())

    def _ev(self):
        return None if self.evidence is None else self.evidence.ctypes.data

    # ---- plans and ln Z -------------------------------------------------------------------------
    def _make_plan(self, order, max_memory, max_work):
        o = _lib.enum_value("factor_order", "order", order)
        if max_memory is None:
            max_memory = 0.5 * physical_memory()
        max_memory = _lib.as_real(max_memory, "max_memory")
        max_work = _lib.as_real(max_work, "max_work")
        if max_memory < 0 or max_work < 0:
            raise ValueError("max_memory and max_work must be >= 0")
        plan = _Plan()
        plan._ctx = self._ctx
        out = c_void_p()
        info = _PlanInfo()
        with self._ctx.lock:
            self._ctx.sync()
            self._ctx.check(_lib_.zs_factor_plan_alloc(self._ptr, self._ev(), o, byref(out)))
            plan._ptr = out.value
            _lib_.zs_factor_plan_get_info(plan._ptr, byref(info))
            if max_memory > 0 and not info.peak_bytes <= max_memory:
                # Over the memory: condition on a few variables so that each run fits.
                cp = c_void_p()
                self._ctx.check(_lib_.zs_factor_plan_condition(self._ptr, self._ev(), o,
                                                               max_memory, max_work, byref(cp)))
                conditioned = _Plan()
                conditioned._ctx = self._ctx
                conditioned._ptr = cp.value
                plan = conditioned
                _lib_.zs_factor_plan_get_info(plan._ptr, byref(info))
        return plan, info, max_memory

    @staticmethod
    def _sizes(addr, n):
        if not n or not addr:
            return np.empty(0, dtype=np.uint64)
        return np.frombuffer(_string(addr, n * np.dtype(np.uintp).itemsize),
                             dtype=np.uintp).astype(np.uint64)

    def _plan_record(self, order, plan, info):
        return [("model", self.name), ("variables", self.variables),
                ("factors", self.factors), ("evidence", self.observed), ("order", order),
                ("order_rule", _lib.enum_name("factor_order", info.chosen)),
                ("order_fallback", bool(info.fallback)), ("eliminated", info.eliminated),
                ("width", info.width), ("max_table_entries", info.max_table_entries),
                ("peak_bytes", info.peak_bytes), ("work", info.total_work),
                ("work_per_run", info.work), ("conditioning_assignments", info.assignments),
                ("conditioned", self._sizes(_lib_.zs_factor_plan_conditioned(plan._ptr),
                                            info.conditioned))]

    def plan(self, order="auto", max_memory=None, max_work=MAX_WORK):
        """The elimination plan (`zsum uai --plan-only`): width, largest table, peak bytes,
        work, the conditioned variables and the order, before any table is built. order:
        auto, minfill, mindegree, weighted-minfill, file. max_memory (bytes; default half the
        physical memory, 0: no limit): a plan that needs more is conditioned."""
        plan, info, _ = self._make_plan(order, max_memory, max_work)
        r = self._plan_record(order, plan, info)
        r.append(("elimination_order", self._sizes(_lib_.zs_factor_plan_order(plan._ptr),
                                                   info.eliminated)))
        return Result(r)

    def log_partition(self, order="auto", max_memory=None, max_work=MAX_WORK, method="auto",
                      max_seconds=None, td_weight=None):
        """Exact ln Z (with the evidence), with the keys of `zsum uai --method METHOD --format
        json`. Z = 0 gives lnZ = -inf and zero = True.

        method "elim": variable elimination, with its plan (lnZ, log10Z, zero, seconds, width,
        ...; conditioned when over max_memory, refused past max_work). "search": counting by
        search, for models whose factors of two or more variables take 0 and one constant
        (constraints; CNF-derived files) plus any weights on single variables: method
        "search", clauses, decisions, conflicts, components, cache_hits, learned, cache_entries,
        cache_bytes, cache_full, max_depth, td_width, eliminated, lnZ, log10Z, zero, seconds;
        max_memory bounds its cache, max_seconds its time (TooBigError past it), td_weight
        (>= 0, default 100, 0: none) weighs a variable's place in a tree decomposition in its
        branching (`--td-weight`). "auto" (the command line's default): elimination, or,
        when elimination is refused (TooBigError) and the model is in the search's class, the
        search (its result adds elimination_refused, the reason; max_seconds 1200 unless
        given)."""
        m = _lib.enum_value("factor_exact", "method", method)
        if m == _lib.enum_value("factor_exact", "method", "search"):
            return self._search(max_memory, max_seconds, None, td_weight)
        if max_seconds is not None and m != _lib.enum_value("factor_exact", "method", "auto"):
            raise _lib.InvalidArgumentError("max_seconds: elimination is bounded by max_work; "
                                            "max_seconds bounds the search")
        if td_weight is not None and m != _lib.enum_value("factor_exact", "method", "auto"):
            raise _lib.InvalidArgumentError("td_weight sets the search's branching; "
                                            "method 'elim' has none")
        try:
            return self._eliminate(order, max_memory, max_work)
        except _lib.TooBigError as e:
            if m == _lib.enum_value("factor_exact", "method", "elim") or \
                    _lib_.zs_factor_search_check(self._ptr) != 0:
                raise
            why = str(e)
            why = why[5:] if why.startswith("uai: ") else why
            return self._search(max_memory, AUTO_SEARCH_SECONDS if max_seconds is None
                                else max_seconds, why, td_weight)

    def _search(self, max_memory, max_seconds, why, td_weight=None):
        """ln Z by zs_factor_lnz_search, as `zsum uai --method search` prints it."""
        o = _SearchOpts()
        _lib_.zs_factor_search_defaults(byref(o))
        if max_memory is None:
            max_memory = 0.5 * physical_memory()
        max_memory = _lib.as_real(max_memory, "max_memory")
        if max_memory < 0:
            raise ValueError("max_memory must be >= 0")
        if max_memory > 0:
            o.max_bytes = max_memory
        if max_seconds is not None:
            o.max_seconds = _lib.as_real(max_seconds, "max_seconds")
            if not o.max_seconds > 0:
                raise ValueError("max_seconds must be > 0")
        if td_weight is not None:
            o.td_weight = _lib.as_real(td_weight, "td_weight")
            if not (o.td_weight >= 0 and math.isfinite(o.td_weight)):
                raise ValueError("td_weight must be finite and >= 0")
        st = _SearchStats()
        lnz = c_double()
        with self._ctx.lock:
            self._ctx.sync()
            self._ctx.check(_lib_.zs_factor_lnz_search(self._ptr, self._ev(), byref(o),
                                                       byref(lnz), byref(st)))
        r = [("model", self.name), ("variables", self.variables), ("factors", self.factors),
             ("evidence", self.observed), ("method", "search")]
        if why is not None:
            r.append(("elimination_refused", why))
        r += [("clauses", st.clauses), ("decisions", st.decisions), ("conflicts", st.conflicts),
              ("components", st.components), ("cache_hits", st.cache_hits),
              ("learned", st.learned), ("cache_entries", st.cache_entries), ("cache_bytes", st.cache_bytes),
              ("cache_full", bool(st.cache_full)), ("max_depth", st.max_depth),
              ("td_width", st.td_width), ("eliminated", st.eliminated),
              ("lnZ", lnz.value), ("log10Z", lnz.value / math.log(10.0)),
              ("zero", lnz.value == -math.inf), ("seconds", st.seconds)]
        return Result(r)

    def _eliminate(self, order, max_memory, max_work):
        t0 = _lib_.zs_monotonic_seconds()
        plan, info, max_memory = self._make_plan(order, max_memory, max_work)
        lnz = c_double()
        with self._ctx.lock:
            self._ctx.sync()
            self._ctx.check(_lib_.zs_factor_lnz(self._ptr, self._ev(), plan._ptr, max_memory,
                                                byref(lnz)))
        seconds = _lib_.zs_monotonic_seconds() - t0
        r = self._plan_record(order, plan, info)
        r += [("lnZ", lnz.value), ("log10Z", lnz.value / math.log(10.0)),
              ("zero", lnz.value == -math.inf), ("seconds", seconds),
              ("elimination_order", self._sizes(_lib_.zs_factor_plan_order(plan._ptr),
                                                info.eliminated))]
        return Result(r)

    def marginals(self, order="auto", max_memory=None, max_work=MAX_WORK, log=False,
                  out=None):
        """Exact single-variable marginals p(x_i = x | evidence) (`zsum uai --marginals
        --format json`): the keys of log_partition (lnZ of the same pass) and "marginals", a
        list of one array per variable (views into one flat float64 array of sum_i d_i
        entries, variable i's values from sum_{j<i} d_j; out: that flat array, caller
        allocated). log=True: natural logarithms (ln 0 = -inf). When the messages kept for
        the pass back exceed max_memory, the plan is conditioned on more variables, as the
        command line does."""
        d = self.domains.astype(np.int64)
        total = int(d.sum())
        res = _lib.out_array(out, "out", (total,), np.float64)
        if not isinstance(log, (bool, np.bool_)):
            raise TypeError("log: expected True or False, got %r" % (log,))
        t0 = _lib_.zs_monotonic_seconds()
        plan, info, max_memory = self._make_plan(order, max_memory, max_work)
        o = _lib.enum_value("factor_order", "order", order)
        need = c_double()
        lnz = c_double()
        opts = _MargOpts()
        _lib_.zs_factor_marginals_defaults(byref(opts))
        opts.max_bytes = max_memory
        opts.log = 1 if log else 0
        with self._ctx.lock:
            self._ctx.sync()
            self._ctx.check(_lib_.zs_factor_marginals_bytes(self._ptr, self._ev(), plan._ptr,
                                                            byref(need)))
            # The pass back keeps every message: over the memory, condition on more variables
            # (each halving of the elimination's memory shrinks the messages as well).
            budget = info.peak_bytes
            k = 0
            while max_memory > 0 and not need.value <= max_memory and k < 64:
                budget *= 0.5
                cp = c_void_p()
                self._ctx.check(_lib_.zs_factor_plan_condition(self._ptr, self._ev(), o, budget,
                                                               max_work, byref(cp)))
                conditioned = _Plan()
                conditioned._ctx = self._ctx
                conditioned._ptr = cp.value
                plan = conditioned
                _lib_.zs_factor_plan_get_info(plan._ptr, byref(info))
                self._ctx.check(_lib_.zs_factor_marginals_bytes(self._ptr, self._ev(),
                                                                plan._ptr, byref(need)))
                k += 1
            self._ctx.check(_lib_.zs_factor_marginals(self._ptr, self._ev(), plan._ptr,
                                                      byref(opts), res.ctypes.data,
                                                      byref(lnz)))
        seconds = _lib_.zs_monotonic_seconds() - t0
        r = self._plan_record(order, plan, info)
        starts = np.concatenate(([0], np.cumsum(d)))
        r += [("lnZ", lnz.value), ("log10Z", lnz.value / math.log(10.0)),
              ("zero", lnz.value == -math.inf), ("seconds", seconds),
              ("elimination_order", self._sizes(_lib_.zs_factor_plan_order(plan._ptr),
                                                info.eliminated)),
              ("marginals", [res[starts[i]:starts[i + 1]] for i in range(d.size)])]
        return Result(r)

    def write_mar(self, path, marginals):
        """Write marginals as the UAI competitions' MAR answer file, atomically
        (zs_factor_write_mar), as `zsum uai MODEL --marginals -o FILE.MAR` writes it:
        marginals is the Result of marginals() (probabilities, not log=True), its
        "marginals" list of one array per variable, or the flat array of sum_i d_i
        entries. Each entry must be a probability in [0, 1]."""
        if isinstance(marginals, dict):
            if "marginals" not in marginals:
                raise ValueError("write_mar: the result has no 'marginals' (use the result of "
                                 "marginals())")
            marginals = marginals["marginals"]
        if isinstance(marginals, (list, tuple)):
            d = self.domains
            if len(marginals) != d.size:
                raise ValueError("write_mar: %d arrays for %d variables"
                                 % (len(marginals), d.size))
            parts = [_lib.as_float64(m, "marginals[%d]" % i, ndim=1, shape=(int(d[i]),))
                     for i, m in enumerate(marginals)]
            marginals = np.concatenate(parts) if parts else np.zeros(0)
        total = int(self.domains.astype(np.int64).sum())
        flat = _lib.as_float64(marginals, "marginals", ndim=1, shape=(total,), allow_empty=True)
        p = _lib.path_bytes(path)
        with self._ctx.lock:
            self._ctx.sync()
            self._ctx.check(_lib_.zs_factor_write_mar(self._ptr, flat.ctypes.data, p))

    def log_partition_approx(self, method="auto", damping=None, max_iter=None, tol=None,
                             restarts=None, seed=None, i_bound=None, trees=None,
                             schedule=None, max_seconds=None, compare=False, max_memory=None,
                             max_work=None):
        """Approximate ln Z(evidence), labelled with what it guarantees (`zsum uai --approx
        METHOD --format json`): model, variables, factors, evidence, method, lnZ, log10Z,
        bound ("lower-bound": ln Z >= lnZ; "upper-bound": ln Z <= lnZ; "estimate"),
        converged, iterations, residual, seconds.

        method: "mf" (naive mean field, a lower bound), "bp" (loopy BP, the Bethe estimate),
        "trw" (tree-reweighted, an upper bound for any model), "mbe" (weighted
        mini-bucket elimination, an upper bound), "gbp" (generalized BP on square lattices),
        "auto" (bp). Options (None: the command line's defaults): damping in [0, 1),
        max_iter >= 1, tol > 0, restarts, seed, i_bound >= 2, trees >= 1, schedule
        ("sequential", "parallel", "auto"), max_seconds > 0. A method that cannot give a
        finite value raises (UnsupportedError, NumericError, TooBigError) with its reason.

        Several methods (a list, or "all": mf, bp, trw, mbe, gbp), as `--approx mf,bp,...`:
        the header keys, then "methods", one record per method (method, lnZ, bound,
        converged, iterations, residual, seconds); a method that cannot apply gives lnZ NaN,
        bound "none" and "failed" (the library's message) instead of raising, except for a
        bad option (InvalidArgumentError). compare=True (`--compare`): exact_lnZ and
        exact_seconds after the header (NaN when elimination passes max_memory, default half
        the physical memory, or max_work table entries, default 1e10), and each method's
        error = lnZ - exact_lnZ."""
        if isinstance(method, str) and method == "all":
            methods = list(APPROX_METHODS[:-1])
        elif isinstance(method, (list, tuple)):
            if not 1 <= len(method) <= 8:
                raise ValueError("method: a list of 1 to 8 methods, got %d" % len(method))
            methods = list(method)
        else:
            methods = [method]
        codes = [_lib.enum_value("factor_approx", "method", m) for m in methods]
        opts = approx_opts(damping, max_iter, tol, restarts, seed, i_bound, trees, schedule,
                           max_seconds)
        if not isinstance(compare, (bool, np.bool_)):
            raise TypeError("compare: expected True or False, got %r" % (compare,))
        many = len(codes) > 1 or isinstance(method, (list, tuple)) or method == "all"
        runs = []
        with self._ctx.lock:
            self._ctx.sync()
            for code in codes:
                res = _ApproxResult()
                st = _lib_.zs_factor_lnz_approx(self._ptr, self._ev(), code, byref(opts),
                                                byref(res))
                # Bad options or evidence, or no memory: raised whatever the number of methods.
                if st and (not many or st in (_lib.InvalidArgumentError.status,
                                              _lib.OutOfMemoryError.status)):
                    self._ctx.check(st)
                runs.append((code, st, res, self._ctx.message() if st else ""))
        head = [("model", self.name), ("variables", self.variables), ("factors", self.factors),
                ("evidence", self.observed)]
        exact = math.nan
        if compare:
            exact, esecs = self._exact_if_affordable(max_memory, max_work)
            head += [("exact_lnZ", exact if math.isfinite(exact) else math.nan),
                     ("exact_seconds", esecs)]
        if not many:
            return Result(head + approx_fields(runs[0][2], compare, exact))
        rows = []
        for code, st, res, msg in runs:
            if st:
                rows.append(Result([("method", _lib.enum_name("factor_approx", code)),
                                    ("lnZ", math.nan), ("bound", "none"), ("failed", msg)]))
            else:
                rows.append(Result(approx_fields(res, compare, exact, row=True)))
        return Result(head + [("methods", rows)])

    def _exact_if_affordable(self, max_memory, max_work):
        """(ln Z by elimination or NaN, seconds) under the limits of `zsum uai --approx
        --compare` (programs/uai_approx.c, exact_if_affordable)."""
        if max_memory is None:
            max_memory = 0.5 * physical_memory()
        max_memory = _lib.as_real(max_memory, "max_memory")
        max_work = 1e10 if max_work is None else _lib.as_real(max_work, "max_work")
        if max_memory < 0 or max_work <= 0:
            raise ValueError("max_memory must be >= 0 and max_work > 0")
        t0 = _lib_.zs_monotonic_seconds()
        plan = _Plan()
        plan._ctx = self._ctx
        out = c_void_p()
        info = _PlanInfo()
        lnz = c_double(math.nan)
        auto = _lib.enum_value("factor_order", "order", "auto")
        st = _lib_.zs_factor_plan_alloc(self._ptr, self._ev(), auto, byref(out))
        if st == 0:
            plan._ptr = out.value
            _lib_.zs_factor_plan_get_info(plan._ptr, byref(info))
            if not info.peak_bytes <= max_memory:
                cp = c_void_p()
                st = _lib_.zs_factor_plan_condition(self._ptr, self._ev(), auto, max_memory,
                                                    max_work, byref(cp))
                conditioned = _Plan()
                conditioned._ctx = self._ctx
                conditioned._ptr = cp.value if st == 0 else None
                plan = conditioned
            elif not info.work <= max_work:
                st = _lib.TooBigError.status
        if st == 0:
            st = _lib_.zs_factor_lnz(self._ptr, self._ev(), plan._ptr, max_memory, byref(lnz))
        seconds = _lib_.zs_monotonic_seconds() - t0
        if st == _lib.OutOfMemoryError.status:
            self._ctx.check(st)
        return (lnz.value if st == 0 else math.nan), seconds

    def __repr__(self):
        return "<zsum.FactorModel %s: %s, %d variables, %d factors>" % (
            self.name, self.kind, self.variables, self.factors)


def approx_opts(damping=None, max_iter=None, tol=None, restarts=None, seed=None,
                i_bound=None, trees=None, schedule=None, max_seconds=None):
    """A zs_factor_approx_opts: the library's defaults with the options given, checked as
    `zsum uai --approx` checks them."""
    o = _ApproxOpts()
    _lib_.zs_factor_approx_defaults(byref(o))
    if damping is not None:
        o.damping = _lib.as_real(damping, "damping")
        if not 0.0 <= o.damping < 1.0:
            raise ValueError("damping: %r is not in [0, 1)" % o.damping)
    if max_iter is not None:
        o.max_iter = _lib.as_count(max_iter, "max_iter", lo=1)
    if tol is not None:
        o.tol = _lib.as_real(tol, "tol")
        if not o.tol > 0:
            raise ValueError("tol: %r is not a positive number" % o.tol)
    if restarts is not None:
        o.restarts = _lib.as_count(restarts, "restarts", 0, 1000000)
    if seed is not None:
        o.seed = _lib.as_count(seed, "seed")
    if i_bound is not None:
        o.i_bound = _lib.as_count(i_bound, "i_bound", 2, 1000000)
    if trees is not None:
        o.trees = _lib.as_count(trees, "trees", 1, 1000000)
    if schedule is not None:
        o.schedule = _lib.enum_value("factor_schedule", "schedule", schedule)
    if max_seconds is not None:
        o.max_seconds = _lib.as_real(max_seconds, "max_seconds")
        if not o.max_seconds > 0:
            raise ValueError("max_seconds: %r is not a number of seconds > 0" % o.max_seconds)
    return o


def approx_fields(res, compare=False, exact=math.nan, row=False):
    """The fields of one approximation, in the command line's order (programs/uai_approx.c,
    method_fields): a row of several methods has no log10Z."""
    f = [("method", _lib.enum_name("factor_approx", res.method)), ("lnZ", res.lnz)]
    if not row:
        f.append(("log10Z", res.lnz / math.log(10.0)))
    f += [("bound", _lib.enum_name("bound_kind", res.kind)),
          ("converged", bool(res.converged)), ("iterations", res.iterations),
          ("residual", res.residual)]
    if compare:
        f.append(("error", res.lnz - exact if math.isfinite(exact) else math.nan))
    f.append(("seconds", res.seconds))
    return f


def _string(addr, n):
    import ctypes
    return ctypes.string_at(addr, n)


def read_uai(path, evidence=None):
    """A model from a .uai file (MARKOV or BAYES; gzip or "-" for standard input, as zsum uai
    reads them), with evidence (see FactorModel.set_evidence)."""
    fm = FactorModel._empty()
    Handle.__init__(fm)
    p = _lib.path_bytes(path)
    out = c_void_p()
    fm._new(_lib_.zs_factor_read_uai(fm._ctx.ptr, p, byref(out)), out)
    fm.name = os.fsdecode(p)
    fm.set_evidence(evidence)
    return fm


def _read(fn, path, evidence):
    fm = FactorModel._empty()
    Handle.__init__(fm)
    p = _lib.path_bytes(path)
    out = c_void_p()
    fm._new(fn(fm._ctx.ptr, p, byref(out)), out)
    fm.name = os.fsdecode(p)
    fm.set_evidence(evidence)
    return fm


def read_fg(path, evidence=None):
    """A model from a libDAI factor-graph file (.fg; gzip or "-" as read_uai): variable i is
    the i-th smallest label, each table transposed to the UAI layout (zs_factor_read_fg)."""
    return _read(_lib_.zs_factor_read_fg, path, evidence)


def read_model(path, evidence=None):
    """A model file in either format, as `zsum uai MODEL` reads it (zs_factor_read_model):
    .fg (.fg.gz) libDAI's, .uai (.uai.gz) UAI's, any other name told by its content."""
    return _read(_lib_.zs_factor_read_model, path, evidence)


def parse_fg(text, name="<text>", evidence=None):
    """A model from libDAI .fg text held in memory (str or bytes)."""
    data = text.encode() if isinstance(text, str) else bytes(text)
    fm = FactorModel._empty()
    Handle.__init__(fm)
    out = c_void_p()
    fm._new(_lib_.zs_factor_parse_fg(fm._ctx.ptr, data, len(data), name.encode(), byref(out)),
            out)
    fm.name = name
    fm.set_evidence(evidence)
    return fm


def parse_uai(text, name="<text>", evidence=None):
    """A model from UAI text held in memory (str or bytes)."""
    data = text.encode() if isinstance(text, str) else bytes(text)
    fm = FactorModel._empty()
    Handle.__init__(fm)
    out = c_void_p()
    fm._new(_lib_.zs_factor_parse_uai(fm._ctx.ptr, data, len(data), name.encode(), byref(out)),
            out)
    fm.name = name
    fm.set_evidence(evidence)
    return fm
