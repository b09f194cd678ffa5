"""Comparing a Python result with the zsum program's JSON, exactly: floats bit for bit."""
import json
import math

import numpy as np


def cli_json(cli, args):
    return json.loads(cli(list(args) + ["--format", "json"]))


def columns(records):
    """A JSON array of records as columns {key: [values]} (the Python listings' layout)."""
    keys = list(records[0]) if records else []
    return {k: [r[k] for r in records] for k in keys}


def same(py, js, where="result"):
    """Assert that a Python value equals a JSON value exactly. JSON null matches None or a
    non-finite float (the JSON writer prints NaN and infinities as null); arrays match lists
    element by element; records match key by key (every JSON key must be in the Python
    result, in the same order when ordered=True)."""
    if js is None:
        ok = py is None or (isinstance(py, (float, np.floating)) and not math.isfinite(py))
        assert ok, "%s: JSON null, Python %r" % (where, py)
        return
    if isinstance(js, bool):
        assert bool(py) == js and isinstance(py, (bool, np.bool_)), \
            "%s: JSON %r, Python %r" % (where, js, py)
        return
    if isinstance(js, (int, float)):
        assert isinstance(py, (int, float, np.integer, np.floating)) and \
            not isinstance(py, bool), "%s: JSON number %r, Python %r" % (where, js, py)
        assert float(py) == float(js) and (float(py) != 0 or
                                           math.copysign(1, float(py)) == math.copysign(1, js)
                                           or float(js) == 0), \
            "%s: JSON %r != Python %r (diff %g)" % (where, js, py, float(py) - float(js))
        return
    if isinstance(js, str):
        assert py == js, "%s: JSON %r, Python %r" % (where, js, py)
        return
    if isinstance(js, list):
        seq = list(py) if not isinstance(py, np.ndarray) else py.tolist()
        assert len(seq) == len(js), "%s: JSON has %d items, Python %d" % (where, len(js), len(seq))
        for i, (a, b) in enumerate(zip(seq, js)):
            same(a, b, "%s[%d]" % (where, i))
        return
    if isinstance(js, dict):
        missing = [k for k in js if k not in py]
        assert not missing, "%s: Python lacks the JSON keys %s" % (where, missing)
        for k in js:
            same(py[k], js[k], "%s.%s" % (where, k))
        return
    raise AssertionError("%s: unexpected JSON %r" % (where, js))
