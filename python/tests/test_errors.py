"""Every zs_status is an exception class that is also the matching built-in, and carries the
library's own message."""
import ctypes

import pytest

import zsum
from zsum import _lib

BUILTIN = {-1: ValueError, -2: MemoryError, -3: OverflowError, -4: OSError, -5: ValueError,
           -6: ValueError, -7: ArithmeticError, -8: NotImplementedError, -9: RuntimeError}


def test_every_status_has_its_class_and_built_in():
    for status in range(-1, -10, -1):
        name = _lib.lib.zs_status_name(status).decode()
        assert name != "unknown"
        e = _lib.error(status, "the message")
        assert isinstance(e, zsum.ZsumError)
        assert isinstance(e, BUILTIN[status]), name
        assert e.status == status and e.status_name == name
        assert str(e) == "the message" and e.message == "the message"
    assert _lib.lib.zs_status_name(-10).decode() == "unknown"  # no status left unmapped


def test_the_exported_names_are_the_classes():
    assert zsum.InvalidArgumentError.status_name == "EINVAL"
    assert zsum.ZsumIOError.status_name == "EIO"
    assert zsum.TooBigError.status_name == "ETOOBIG"
    assert issubclass(zsum.UnsupportedError, NotImplementedError)


def test_a_library_failure_carries_the_context_message():
    ctx = _lib.Context()
    out = ctypes.c_void_p()
    e = (ctypes.c_double * 2)(0.0, 1.0)
    g = (ctypes.c_double * 2)(1.0, 2.5)
    status = _lib.lib.zs_levels_alloc(ctx.ptr, 2, ctypes.addressof(e), ctypes.addressof(g),
                                      ctypes.byref(out))
    with pytest.raises(zsum.InvalidArgumentError) as info:
        ctx.check(status)
    assert "2.5" in str(info.value) and "degenera" in str(info.value)
    assert isinstance(info.value, ValueError)
    assert not out.value


def test_a_status_without_context_gets_the_description():
    with pytest.raises(zsum.InvalidArgumentError, match="invalid argument"):
        _lib.check(-1)
    _lib.check(0)
