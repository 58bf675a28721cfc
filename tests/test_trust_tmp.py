"""Tests leave nothing behind in the temporary folder: the session check of ``tests/conftest.py`` can fail.

A nested pytest session (with this suite's conftest) runs one test that leaves a folder where grading
leaves its scratch (``autograder-grade-*``) and one that cleans up; the session must fail and name the
leftover. Without the leak, the same session passes and removes its private folder.
"""

import os
import subprocess

from .conftest import REPO, checkout_env, checkout_python

LEAKY = '''
import tempfile

def test_leaves_scratch_behind():
    tempfile.mkdtemp(prefix="autograder-grade-")

def test_cleans_up(tmp_path):
    with tempfile.TemporaryDirectory(prefix="autograder-kernel-"):
        (tmp_path / "kept-by-pytest").write_text("pytest's own tmp_path folders are pruned by pytest")
'''


def _session(tmp_path, source):
    test = tmp_path / "suite" / "test_nested.py"
    test.parent.mkdir()
    test.write_text(source)
    own_tmp = tmp_path / "tmp"
    own_tmp.mkdir()
    env = checkout_env(dict(os.environ, TMPDIR=str(own_tmp)))
    result = subprocess.run([*checkout_python(), "-m", "pytest", "-q", "-p", "tests.conftest", "-p", "no:cacheprovider",
                             "--rootdir", str(test.parent), str(test)], cwd=REPO, env=env, capture_output=True, text=True,
                            timeout=300)
    return result, own_tmp


def test_a_session_that_leaves_files_in_the_temporary_folder_fails_naming_them(tmp_path):
    result, own_tmp = _session(tmp_path, LEAKY)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "2 passed" in result.stdout and "left 1 entry in the temporary folder" in result.stdout
    assert "autograder-grade-" in result.stdout and "(after test_nested)" in result.stdout  # names the module
    [kept] = list(own_tmp.iterdir())  # the session's private folder is kept for inspection
    assert [p.name[:17] for p in kept.iterdir() if not p.name.startswith("pytest-of-")] == ["autograder-grade-"]


def test_a_clean_session_passes_and_removes_its_private_folder(tmp_path):
    result, own_tmp = _session(tmp_path, LEAKY.replace('tempfile.mkdtemp(prefix="autograder-grade-")', "pass"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert list(own_tmp.iterdir()) == []


def test_a_process_of_the_session_importing_the_conftest_shares_its_folder():
    """A grading worker that unpickles a job defined in a test module imports this conftest: no folder of its own."""
    from .conftest import SESSION_TMP, _leftovers

    before = _leftovers()
    code = "import tests.conftest as c, os; print(c.SESSION_TMP)"
    result = subprocess.run([*checkout_python(), "-c", code], cwd=REPO, env=checkout_env(), capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(SESSION_TMP)
    assert _leftovers() == before
