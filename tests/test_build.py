"""``autograder build`` and ``autograder release`` make release/ and solutions/ byte for byte reproducibly.

Two builds of clean copies of the committed course (one through ``autograder release``, one through
``autograder build``) must give the committed files exactly, so releasing leaves a checkout clean
(``git status`` says nothing), and the executed solutions carry nothing of when or where they were built.
"""

import json
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from autograder import course

from .conftest import REPO

pytestmark = pytest.mark.nbgrader

GENERATED = ("release", "solutions")


def autograder(cwd, *args):
    result = subprocess.run([sys.executable, "-m", "autograder", *args], cwd=cwd, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def generated_files(root: Path) -> dict:
    return {str(p.relative_to(root)): p.read_bytes() for name in GENERATED for p in sorted((root / name).rglob("*"))
            if p.is_file() and ".ipynb_checkpoints" not in p.parts}


def git(root: Path, *args) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=root, check=True,
                          capture_output=True, text=True).stdout


def test_release_leaves_the_checkout_clean_and_builds_are_byte_identical(tmp_path):
    committed = generated_files(REPO)
    assert committed and any(k.startswith("solutions/") for k in committed)

    released = course.copy_course(REPO, tmp_path / "released")
    shutil.copy2(REPO / ".gitignore", released / ".gitignore")
    git(released, "init", "-q")
    git(released, "add", "-A")
    git(released, "commit", "-qm", "the committed course")
    (tmp_path / "exchange").mkdir()  # release never makes a missing exchange
    autograder(released, "release", "--exchange", str(tmp_path / "exchange"))
    changed = git(released, "status", "--porcelain")
    assert changed == "", f"autograder release changed tracked files:\n{changed}\n{git(released, 'diff')[:6000]}"

    built = course.copy_course(REPO, tmp_path / "built")
    autograder(built, "build")
    assert generated_files(built) == generated_files(released) == committed

    prefixes = {sys.prefix, sys.base_prefix, sysconfig.get_paths()["purelib"]}
    for name, data in committed.items():
        if not name.startswith("solutions/"):
            continue
        nb = json.loads(data)
        assert any(cell.get("outputs") for cell in nb["cells"]), f"{name} was not executed"
        assert all("execution" not in cell["metadata"] for cell in nb["cells"]), f"{name} keeps execution timings"
        text = data.decode()
        assert not [p for p in prefixes if p in text], f"{name} names this machine's Python installation"
