"""Shared fixtures of the Python suite: the source tree, the zsum program (for the CLI
comparisons) and the library the package loaded."""
import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(SOURCE, "python"))


def zsum_program():
    """The zsum program beside the library under test ($ZSUM_PROGRAM, else the build tree)."""
    env = os.environ.get("ZSUM_PROGRAM")
    if env:
        return env
    import zsum
    return os.path.join(os.path.dirname(zsum.library_path), "zsum")


@pytest.fixture(scope="session")
def source():
    return SOURCE


@pytest.fixture(scope="session")
def cli():
    """Run the zsum program; returns a function (args, expect_rc=0) -> stdout."""
    prog = zsum_program()
    if not os.path.exists(prog):
        pytest.fail("the zsum program is not at %s (set ZSUM_PROGRAM)" % prog)

    def run(args, expect_rc=0, stdin=None):
        r = subprocess.run([prog] + [str(a) for a in args], capture_output=True, text=True,
                           input=stdin)
        assert r.returncode == expect_rc, "zsum %s: exit %d: %s" % (" ".join(map(str, args)),
                                                                   r.returncode, r.stderr)
        return r.stdout
    return run


@pytest.fixture(scope="session")
def cc():
    """A C compiler for the ABI test (cc on PATH)."""
    c = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if not c:
        pytest.skip("no C compiler")
    return c
