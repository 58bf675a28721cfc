"""Without the 20 Newsgroups cache, runs stop at once with a message that says how to get it."""

import os
import subprocess

from .conftest import REPO, checkout_env, checkout_python


def run(args, tmp_path):
    env = checkout_env(dict(os.environ, SCIKIT_LEARN_DATA=str(tmp_path / "no-data-here"), TMPDIR=str(tmp_path)))
    return subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


def test_build_stops_and_says_how_to_get_the_data(tmp_path):
    result = run([*checkout_python(), "-m", "autograder", "build"], tmp_path)
    assert result.returncode == 2
    assert "20 Newsgroups data not found" in result.stderr and "SCIKIT_LEARN_DATA" in result.stderr
    assert not (tmp_path / "no-data-here").exists(), "looking for the data must not create folders"


def test_test_suite_stops_and_says_how_to_get_the_data(tmp_path):
    result = run([*checkout_python(), "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_data_missing.py"], tmp_path)
    assert result.returncode == 3
    assert "20 Newsgroups data not found" in result.stdout + result.stderr
