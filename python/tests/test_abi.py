"""The declared ctypes signatures and structures, written back as C and compiled against
include/zsum.h with -Werror: a header that drifts from the declarations fails here."""
import ctypes
import os
import subprocess

from zsum import _lib


def c_source(signatures=_lib.SIGNATURES):
    """C that assigns every declared function to a pointer of its declared type, every
    declared callback type to its declared shape, and asserts every structure's size and
    member offsets as ctypes lays them out."""
    lines = ["#include <stddef.h>", "#include <zsum.h>", "",
             "_Static_assert(sizeof(zs_status) == sizeof(int), \"enums are ints\");"]
    for e in _lib.ENUMS:
        lines.append("_Static_assert(sizeof(%s) == %d, \"%s\");"
                     % (e, ctypes.sizeof(ctypes.c_int), e))
    for name, fields in _lib.STRUCTS.items():
        s = _lib.struct(name)
        lines.append("_Static_assert(sizeof(%s) == %d, \"sizeof %s\");"
                     % (name, ctypes.sizeof(s), name))
        for f, ctype in fields:
            lines.append("_Static_assert(offsetof(%s, %s) == %d, \"%s.%s\");"
                         % (name, f, getattr(s, f).offset, name, f))
            lines.append("_Static_assert(__builtin_types_compatible_p(__typeof__(((%s *)0)->%s)"
                         ", %s), \"type of %s.%s\");" % (name, f, ctype, name, f))
    lines.append("")
    lines.append("void abi_check(void);")
    lines.append("void abi_check(void) {")
    for name, (ret, params) in _lib.CALLBACKS.items():
        lines.append("    { %s (*p)(%s) = (%s)0; (void)p; }" % (ret, ", ".join(params), name))
    for name, ret, params in signatures:
        lines.append("    { %s (*p)(%s) = %s; (void)p; }"
                     % (ret, ", ".join(params) if params else "void", name))
    lines.append("}")
    return "\n".join(lines) + "\n"


def compile_c(cc, source, tmp_path, text):
    path = tmp_path / "abi.c"
    path.write_text(text)
    return subprocess.run([cc, "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-c",
                           "-I", os.path.join(source, "include"), str(path), "-o",
                           str(tmp_path / "abi.o")], capture_output=True, text=True)


def test_every_declared_signature_compiles_against_the_header(cc, source, tmp_path):
    r = compile_c(cc, source, tmp_path, c_source())
    assert r.returncode == 0, r.stderr[-4000:]


def test_a_drifted_signature_fails_to_compile(cc, source, tmp_path):
    # The check itself must bite: one parameter's const dropped, one type changed.
    for bad in (("zs_levels_alloc", "zs_status",
                 ("zs_ctx *", "size_t", "double *", "const double *", "zs_levels **")),
                ("zs_pairwise_thermo_compute", "zs_status",
                 ("const zs_pairwise *", "float", "zs_pairwise_method",
                  "zs_pairwise_thermo *"))):
        r = compile_c(cc, source, tmp_path, c_source((bad,)))
        assert r.returncode != 0, "a drifted %s compiled" % bad[0]


def test_a_drifted_structure_fails_to_compile(cc, source, tmp_path):
    text = c_source(()).replace("offsetof(zs_levels_thermo, u) == 16",
                                "offsetof(zs_levels_thermo, u) == 24")
    assert "== 24" in text
    assert compile_c(cc, source, tmp_path, text).returncode != 0
    text = c_source(()).replace("->lnz), double)", "->lnz), float)")
    assert "float)" in text
    assert compile_c(cc, source, tmp_path, text).returncode != 0


def test_every_declared_function_is_bound_with_its_ctypes_types():
    for name, ret, params in _lib.SIGNATURES:
        f = getattr(_lib.lib, name)
        assert f.argtypes == [_lib.ctype_of(p) for p in params], name
        assert f.restype == _lib.ctype_of(ret, result=True), name


def test_the_package_calls_only_declared_functions():
    # A function called without a declaration would get ctypes' defaults (int arguments and
    # result): every zs_ name the package's modules use must be in SIGNATURES.
    import re
    import zsum
    declared = {name for name, _, _ in _lib.SIGNATURES}
    folder = os.path.dirname(zsum.__file__)
    used = set()
    for f in os.listdir(folder):
        if f.endswith(".py"):
            with open(os.path.join(folder, f)) as src:
                text = src.read()
            used |= set(re.findall(r"lib_?\.(zs_\w+)", text))
            used |= {"zs_%s_from_name" % k for k in re.findall(r'enum_value\("(\w+)"', text)}
            used |= {"zs_%s_name" % k for k in re.findall(r'enum_name\("(\w+)"', text)}
    assert len(used) > 50
    assert not used - declared, sorted(used - declared)
