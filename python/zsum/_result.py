"""Results: dictionaries whose keys are the command line's JSON keys, also read as attributes.

`zsum levels -n 10 -e 0,1,2 --format json` prints {"lnZ": ..., "S_thermo": ...}; the same
numbers from Python are Levels([0, 1, 2]).thermo(10) with r["lnZ"] == r.lnZ. A listing the
JSON gives as an array of records ("microstate_list": [{"levels": ..., "energy": ...}, ...])
is a Result of columns, one NumPy array (or list of exact decimal strings) per key.
"""


class Result(dict):
    """A dict of results keyed as in `zsum ... --format json`; r.key reads r["key"]."""

    __slots__ = ()

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError("result has no %r; keys: %s" % (key, ", ".join(self))) from None

    def __dir__(self):
        return list(self) + dir(dict)

    def __repr__(self):
        return "Result(%s)" % ", ".join("%s=%r" % kv for kv in self.items())


def cli_num(x):
    """x as the command line prints it: 'nan', 'inf', '0', else the shortest of %.15g, %.16g,
    %.17g that reads back to x (programs/cli.c, cli_num); used where a result's text (a model's
    description) embeds a number."""
    x = float(x)
    if x != x:
        return "nan"
    if x in (float("inf"), float("-inf")):
        return "inf" if x > 0 else "-inf"
    if x == 0.0:
        return "0"
    for prec in (15, 16, 17):
        s = "%.*g" % (prec, x)
        if float(s) == x:
            break
    return s
