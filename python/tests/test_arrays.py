"""The array rules: what is used as it is, what is converted, what is refused (and how the
message names the argument)."""
import numpy as np
import pytest

from zsum import _lib


def test_a_contiguous_float64_array_is_used_without_a_copy():
    a = np.arange(1e6)
    assert _lib.as_float64(a, "x") is a


def test_lists_other_dtypes_and_strided_views_are_converted():
    assert _lib.as_float64([1, 2, 3], "x").dtype == np.float64
    i = np.arange(4, dtype=np.int32)
    out = _lib.as_float64(i, "x")
    assert out.dtype == np.float64 and out.tolist() == [0.0, 1.0, 2.0, 3.0]
    m = np.arange(12.0).reshape(3, 4)
    t = _lib.as_float64(m.T, "x", ndim=2)
    assert t.flags.c_contiguous and np.array_equal(t, m.T)
    s = _lib.as_float64(m[:, ::2], "x")
    assert s.flags.c_contiguous and np.array_equal(s, m[:, ::2])
    assert _lib.as_float64(np.array([True, False]), "x").tolist() == [1.0, 0.0]


@pytest.mark.parametrize("bad, exc, words", [
    (None, TypeError, "got None"),
    ("0,1,2", TypeError, "got str"),
    (b"\x00\x01", TypeError, "got bytes"),
    (["a", "b"], TypeError, "dtype <U1"),
    ([1 + 2j], TypeError, "complex"),
    ([object()], TypeError, "dtype object"),
    ([[1, 2], [3]], TypeError, "not an array"),
])
def test_things_that_are_not_numbers_are_type_errors(bad, exc, words):
    with pytest.raises(exc, match=words) as info:
        _lib.as_float64(bad, "energies")
    assert str(info.value).startswith("energies:")


def test_nan_inf_shape_and_emptiness_are_value_errors_naming_the_argument():
    with pytest.raises(ValueError, match=r"energies: entry 1 = nan is not finite"):
        _lib.as_float64([0.0, np.nan], "energies")
    with pytest.raises(ValueError, match=r"J: entry \(1, 0\) = inf is not finite"):
        _lib.as_float64([[0.0, 1.0], [np.inf, 0.0]], "J")
    with pytest.raises(ValueError, match=r"J: expected 2 dimensions, got shape \(3,\)"):
        _lib.as_float64([1.0, 2.0, 3.0], "J", ndim=2)
    with pytest.raises(ValueError, match=r"h: expected shape \(2,\), got \(3,\)"):
        _lib.as_float64([1.0, 2.0, 3.0], "h", shape=(2,))
    with pytest.raises(ValueError, match=r"x: is empty"):
        _lib.as_float64([], "x")
    assert _lib.as_float64([np.inf], "x", finite=False)[0] == np.inf


def test_binary_data_uint8_is_used_as_it_is_and_bool_is_viewed():
    u = (np.arange(20).reshape(4, 5) % 2).astype(np.uint8)
    assert _lib.as_binary(u, "X", ndim=2) is u
    b = u.astype(bool)
    v = _lib.as_binary(b, "X")
    assert v.dtype == np.uint8 and np.shares_memory(v, b)
    f = _lib.as_binary(u.astype(np.float32), "X")
    assert f.dtype == np.uint8 and np.array_equal(f, u)
    with pytest.raises(ValueError, match=r"X: entry \(0, 1\) = 2 is not 0 or 1"):
        _lib.as_binary(np.array([[0, 2]], dtype=np.uint8), "X")
    with pytest.raises(ValueError, match=r"X: entry 1 = 0.5 is not 0 or 1"):
        _lib.as_binary([0.0, 0.5], "X")
    with pytest.raises(ValueError, match=r"X: entry 0 = nan is not 0 or 1"):
        _lib.as_binary([np.nan], "X")


def test_spins_are_int8_and_only_plus_or_minus_one():
    s = np.array([1, -1, 1], dtype=np.int8)
    assert _lib.as_spins(s, "s") is s
    assert _lib.as_spins([1.0, -1.0], "s").dtype == np.int8
    with pytest.raises(ValueError, match=r"s: entry 1 = 0 is not -1 or \+1"):
        _lib.as_spins([1, 0], "s")


def test_counts_reals_and_indices():
    assert _lib.as_count(np.int64(5), "n") == 5 and _lib.as_count(5.0, "n") == 5
    for bad, exc in ((True, TypeError), (None, TypeError), (2.5, TypeError), ("3", TypeError),
                     (-1, ValueError), (2**64, ValueError)):
        with pytest.raises(exc, match="^n: "):
            _lib.as_count(bad, "n")
    with pytest.raises(ValueError, match="beta: nan is not finite"):
        _lib.as_real(float("nan"), "beta")
    with pytest.raises(TypeError, match="beta: expected a number"):
        _lib.as_real("1", "beta")
    idx = _lib.as_indices([0, 2, 1], "state", np.uint32, hi=3)
    assert idx.dtype == np.uint32
    with pytest.raises(ValueError, match=r"state: entry 1 = 3 is out of range \[0, 3\)"):
        _lib.as_indices([0, 3], "state", np.uint32, hi=3)
    with pytest.raises(ValueError, match=r"state: entry 0 = 0.5 is not a whole number"):
        _lib.as_indices([0.5], "state", np.uint32)


def test_caller_allocated_outputs_are_checked_and_filled_in_place():
    out = np.empty((2, 3))
    assert _lib.out_array(out, "out", (2, 3), np.float64) is out
    assert _lib.out_array(None, "out", (2, 3), np.float64).shape == (2, 3)
    with pytest.raises(TypeError, match="out: expected dtype float64, got float32"):
        _lib.out_array(np.empty((2, 3), np.float32), "out", (2, 3), np.float64)
    with pytest.raises(ValueError, match=r"out: expected shape \(2, 3\), got \(3, 2\)"):
        _lib.out_array(np.empty((3, 2)), "out", (2, 3), np.float64)
    with pytest.raises(ValueError, match="out: must be C-contiguous"):
        _lib.out_array(np.empty((3, 2)).T, "out", (2, 3), np.float64)
    ro = np.empty((2, 3))
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="writeable"):
        _lib.out_array(ro, "out", (2, 3), np.float64)
    with pytest.raises(TypeError, match="out: expected a NumPy array"):
        _lib.out_array([0.0] * 6, "out", (2, 3), np.float64)


def test_threads_setting_is_checked():
    import zsum
    before = zsum.get_num_threads()
    zsum.set_num_threads(1)
    assert zsum.get_num_threads() == 1
    zsum.set_num_threads(0)
    assert zsum.get_num_threads() == before
    with pytest.raises(ValueError):
        zsum.set_num_threads(-1)
    with pytest.raises(TypeError):
        zsum.set_num_threads(1.5)


def test_a_non_finite_entry_past_the_first_block_is_found_and_named():
    a = np.zeros((300, 1000))
    a[299, 999] = -np.inf
    with pytest.raises(ValueError, match=r"X: entry \(299, 999\) = -inf is not finite"):
        _lib.as_float64(a, "X")
    a[299, 999] = 0.0
    assert _lib.as_float64(a, "X") is a


def test_large_inputs_of_the_right_dtype_are_checked_without_a_copy():
    # MNIST's size as uint8 (47 MB) and 8 million doubles (64 MB): the checks allocate under
    # 1 MB (NumPy reports its allocations to tracemalloc).
    import tracemalloc
    images = np.zeros((60000, 784), dtype=np.uint8)
    images[::7, ::3] = 1
    reals = np.linspace(-1.0, 1.0, 8_000_000)
    tracemalloc.start()
    try:
        assert _lib.as_binary(images, "X", ndim=2) is images
        assert _lib.as_float64(reals, "x", ndim=1) is reals
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20, "the checks allocated %d bytes" % peak
