"""zsum — the statistical mechanics of energy-based models, from Python.

Pure Python over libzsum (ctypes + NumPy). See docs/python.md.
"""
from ._version import __version__
from ._lib import (CancelledError, FormatError, InvalidArgumentError, NumericError,
                   OutOfMemoryError, RangeError, TooBigError, UnsupportedError, ZsumError,
                   ZsumIOError, get_num_threads, library_path, set_num_threads)

__all__ = ["__version__", "library_path", "set_num_threads", "get_num_threads", "ZsumError",
           "InvalidArgumentError", "OutOfMemoryError", "RangeError", "ZsumIOError",
           "FormatError", "TooBigError", "NumericError", "UnsupportedError", "CancelledError"]
