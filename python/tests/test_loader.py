"""Finding and loading libzsum: $ZSUM_LIBRARY, the build tree, the installed library; the
version check; what an ImportError says."""
import os
import subprocess
import sys

import zsum
from zsum import _lib

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(zsum.__file__)))


def import_in_child(env_extra, code="import zsum; print(zsum.library_path)"):
    env = dict(os.environ)
    env.pop("ZSUM_LIBRARY", None)
    env.update(env_extra)
    env["PYTHONPATH"] = PYTHON_DIR
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)


def test_the_library_version_equals_the_package_version(source):
    assert _lib.lib.zs_version().decode() == zsum.__version__
    with open(os.path.join(source, "CMakeLists.txt")) as f:
        assert "project(zsum VERSION %s " % zsum.__version__ in f.read()
    assert os.path.exists(zsum.library_path)


def test_zsum_library_is_used_when_set():
    r = import_in_child({"ZSUM_LIBRARY": zsum.library_path})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == zsum.library_path


def test_a_missing_zsum_library_is_an_import_error_naming_it(tmp_path):
    missing = str(tmp_path / "nowhere" / "libzsum.so")
    r = import_in_child({"ZSUM_LIBRARY": missing})
    assert r.returncode != 0
    assert "ImportError" in r.stderr and missing in r.stderr


def test_a_file_that_is_no_library_is_an_import_error(tmp_path):
    bogus = tmp_path / "libzsum.so"
    bogus.write_text("not a shared object\n")
    r = import_in_child({"ZSUM_LIBRARY": str(bogus)})
    assert r.returncode != 0
    assert "ImportError" in r.stderr and str(bogus) in r.stderr


def fake_library(cc, tmp_path, body):
    src = tmp_path / "fake.c"
    src.write_text(body)
    so = tmp_path / "libfake.so"
    subprocess.run([cc, "-shared", "-fPIC", str(src), "-o", str(so)], check=True)
    return str(so)


def test_another_library_version_is_an_import_error_naming_both(cc, tmp_path):
    so = fake_library(cc, tmp_path, 'const char *zs_version(void) { return "9.8.7"; }\n')
    r = import_in_child({"ZSUM_LIBRARY": so})
    assert r.returncode != 0
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError")
    assert "9.8.7" in last and zsum.__version__ in last and so in last


def test_a_library_without_zs_version_is_an_import_error(cc, tmp_path):
    so = fake_library(cc, tmp_path, 'int zs_something(void) { return 0; }\n')
    r = import_in_child({"ZSUM_LIBRARY": so})
    assert r.returncode != 0
    assert "no zs_version" in r.stderr and so in r.stderr


def test_a_library_lacking_a_declared_function_is_an_import_error(cc, tmp_path):
    so = fake_library(cc, tmp_path, 'const char *zs_version(void) { return "%s"; }\n'
                      % zsum.__version__)
    r = import_in_child({"ZSUM_LIBRARY": so})
    assert r.returncode != 0
    assert "lacks zs_" in r.stderr


def test_without_zsum_library_the_build_tree_comes_first():
    saved = os.environ.pop("ZSUM_LIBRARY", None)
    try:
        where = _lib.candidates()
    finally:
        if saved is not None:
            os.environ["ZSUM_LIBRARY"] = saved
    assert where[0][0] == "the build tree"
    assert where[0][1].endswith(os.path.join("build", "libzsum.so"))
    assert where[-1] == ("the system's library path", "libzsum.so.0")
