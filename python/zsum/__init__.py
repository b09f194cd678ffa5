"""zsum — the statistical mechanics of energy-based models, from Python.

Pure Python over libzsum (ctypes + NumPy): every number is computed by the C library, the
same calls the zsum command line makes, and results are keyed as its JSON output. See
docs/python.md.
"""
from ._version import __version__
from ._lib import (CancelledError, FormatError, InvalidArgumentError, NumericError,
                   OutOfMemoryError, RangeError, TooBigError, UnsupportedError, ZsumError,
                   ZsumIOError, get_num_threads, library_path, set_num_threads)
from ._result import Result
from .levels import Levels
from .pairwise import (BoltzmannMachine, Ising, ising_chain_lnz, ising_kaufman_lnz,
                       ising_onsager_lnz_per_site)
from .hopfield import Hopfield, hopfield_capacity, read_patterns
from .uai import FactorModel, parse_fg, parse_uai, read_fg, read_model, read_uai
from .dbm import DBM
from .ais import ais_summarize, sandwich_judge

__all__ = ["__version__", "library_path", "set_num_threads", "get_num_threads", "Result",
           "Levels", "Ising", "BoltzmannMachine", "ising_chain_lnz", "ising_kaufman_lnz",
           "ising_onsager_lnz_per_site", "Hopfield", "hopfield_capacity", "read_patterns",
           "FactorModel", "read_uai", "parse_uai", "read_fg", "parse_fg", "read_model", "DBM",
           "BernoulliRBM", "ais_summarize", "sandwich_judge",
           "ZsumError", "InvalidArgumentError", "OutOfMemoryError", "RangeError", "ZsumIOError",
           "FormatError", "TooBigError", "NumericError", "UnsupportedError", "CancelledError"]


def __getattr__(name):
    # zsum.BernoulliRBM is loaded on first use: it imports scikit-learn (about a second), which
    # nothing else in the package needs.
    if name == "BernoulliRBM":
        from .rbm import BernoulliRBM
        return BernoulliRBM
    raise AttributeError("module 'zsum' has no attribute %r" % name)
