"""The Python examples of README.md and docs/python.md print what the pages show: every
```pycon block of a page is run in order, in one namespace, from the repository's root, and
its output compared line for line (doctest's rules: exact text; an exception by its last
line)."""
import doctest
import io
import os
import re

import pytest

PAGES = ["README.md", os.path.join("docs", "python.md")]
# Under the sanitizers (ZSUM_SANITIZED, the second half of make check) the slowest blocks of
# docs/python.md are left out: the scikit-learn pipeline (cross-validated logistic regression
# over 20-epoch RBMs, a minute there, most of it in scikit-learn), and the two DBM blocks (two
# AIS runs on the default schedule with the tempering base, and four trainings: 20 s there).
# The plain run checks their output; test_rbm.py's pipeline test and test_dbm.py /
# test_dbm_train.py / test_dbm_recipe.py run the same library calls under the sanitizers.
SLOW_UNDER_SANITIZERS = [">>> from sklearn.linear_model import LogisticRegression",
                         ">>> rs = np.random.RandomState(0)\n>>> dbm = zsum.DBM(",
                         ">>> sparse = zsum.DBM.fit(X, [6, 4]"]


def blocks(text):
    """(line number, body) of each ```pycon block."""
    out = []
    for m in re.finditer(r"^```pycon\n(.*?)^```", text, re.S | re.M):
        out.append((text.count("\n", 0, m.start()) + 2, m.group(1)))
    return out


@pytest.mark.parametrize("page", PAGES)
def test_the_python_examples_print_what_the_page_shows(source, page, monkeypatch):
    path = os.path.join(source, page)
    with open(path) as f:
        text = f.read()
    found = blocks(text)
    assert found, "%s has no ```pycon example" % page
    monkeypatch.chdir(source)
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.REPORT_NDIFF)
    globs = {}
    report = io.StringIO()
    if os.environ.get("ZSUM_SANITIZED"):
        found = [(n, b) for (n, b) in found
                 if not any(b.startswith(first) for first in SLOW_UNDER_SANITIZERS)]
    for lineno, body in found:
        test = parser.get_doctest(body, globs, "%s:%d" % (page, lineno), path, lineno - 1)
        runner.run(test, out=report.write, clear_globs=False)
        globs = test.globs                     # DocTest copies its globals: carry them on
    result = runner.summarize(verbose=False)
    assert result.attempted > 0
    assert result.failed == 0, report.getvalue()


def test_the_python_page_keeps_the_estimator_heading(source):
    with open(os.path.join(source, "docs", "python.md")) as f:
        assert "\n## BernoulliRBM (scikit-learn estimator)\n" in f.read()
