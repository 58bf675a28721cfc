"""The pure pieces that keep a submission's files and names from acting on the grader (fast tier).

``autograder.sandbox.workfolder`` (which names shadow the grading environment, the sweep of links, fifos and
hard links), ``autograder.grading.files`` (reading and writing trees without following links, with caps),
``grading.preflight.drop_shadowing_files`` and the grading kernel's import guard (``quiet_kernel``). The same
through real kernels and commands: tests/test_hostile_files.py.
"""

import importlib.machinery
import os
import stat
import sys
import sysconfig
from pathlib import Path

import pytest

from autograder.kernel import quiet_kernel
from autograder.grading import files, preflight
from autograder.sandbox import workfolder

EXT = importlib.machinery.EXTENSION_SUFFIXES[0]


@pytest.mark.parametrize("name,is_dir,module", [
    ("numpy.py", False, "numpy"), ("numpy", True, "numpy"), (f"numpy{EXT}", False, "numpy"), ("numpy.abi3.so", False, "numpy"),
    ("json.pyc", False, "json"), ("pandas", True, "pandas"), ("sklearn.py", False, "sklearn"), ("os.py", False, "os"),
    ("sitecustomize.py", False, "sitecustomize"), ("usercustomize.pyc", False, "usercustomize"),
    ("ｎｕｍｐｙ.py", False, "numpy"),  # NFKC: Python normalises `import ｎｕｍｐｙ` to numpy
    ("Autograder.py", False, "autograder"), ("autograder", True, "autograder"),
    ("helpers.py", False, None), ("numpy.txt", False, None), ("numpy.csv", True, None), ("data.csv", False, None),
    ("Numpy.py", False, None),  # imports are case-sensitive here: `import numpy` never reads Numpy.py
    ("nümpy.py", False, None), ("..", True, None), (".numpy.py", False, None), ("numpy\u202e.py", False, None),
])
def test_what_shadows_a_module_of_the_grading_environment(name, is_dir, module):
    assert workfolder.shadows(name, is_dir) == module


def test_environment_modules_are_read_from_the_environment_once():
    names = workfolder.environment_modules()
    assert workfolder.environment_modules() is names  # computed once per process
    assert {"numpy", "pandas", "sklearn", "scipy", "nbgrader", "json", "sys", "sitecustomize"} <= names
    # every top-level module of site-packages is there, not a hand list
    site_packages = Path(sysconfig.get_paths()["purelib"])
    import pkgutil

    assert {m.name for m in pkgutil.iter_modules([str(site_packages)])} <= names


def _plant(folder: Path, outside: Path) -> None:
    (folder / "notes.txt").write_text("mine")
    (folder / "sub").mkdir()
    (folder / "sub" / "kept.txt").write_text("kept")
    os.symlink(outside / "victim.txt", folder / "nb.ipynb")
    os.symlink(outside, folder / "dirlink")
    os.symlink("/nonexistent/x", folder / "dangling")
    os.symlink("/etc/passwd", folder / "sub" / "deep")
    os.mkfifo(folder / "pipe")
    os.link(outside / "victim.txt", folder / "hard.txt")
    os.symlink("/etc/passwd", folder / "n\u00e4me\u202e..txt")


@pytest.fixture
def planted(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.txt").write_text("victim")
    (outside / "victim.txt").chmod(0o644)
    folder = tmp_path / "kernel"
    folder.mkdir()
    _plant(folder, outside)
    return folder, outside


def test_the_sweep_removes_every_planted_entry_unread_and_names_it(planted):
    folder, outside = planted
    findings = workfolder.sweep(folder)
    text = "\n".join(findings)
    assert f"'nb.ipynb' in the kernel's working folder was a symbolic link to '{outside / 'victim.txt'}'" in text
    assert f"'dirlink' in the kernel's working folder was a symbolic link to '{outside}'" in text
    assert "'dangling'" in text and "'sub/deep'" in text and "'pipe'" in text and "fifo" in text
    assert "'hard.txt'" in text and "hard link" in text and "'n\u00e4me\\u202e..txt'" in text
    assert sorted(p.name for p in folder.rglob("*")) == ["kept.txt", "notes.txt", "sub"]
    assert (outside / "victim.txt").read_text() == "victim" and sorted(os.listdir(outside)) == ["victim.txt"]
    assert workfolder.sweep(folder) == []  # nothing left


def test_an_unreadable_folder_is_opened_and_swept_too(tmp_path):
    (tmp_path / "locked").mkdir()
    os.symlink("/etc/passwd", tmp_path / "locked" / "inside")
    (tmp_path / "locked").chmod(0)
    findings = workfolder.sweep(tmp_path)
    assert len(findings) == 1 and "'locked/inside'" in findings[0] and not os.listdir(tmp_path / "locked")


def test_a_working_folder_replaced_by_a_link_is_reported_and_not_entered(tmp_path):
    (tmp_path / "elsewhere").mkdir()
    os.symlink("/nonexistent", tmp_path / "elsewhere" / "x")
    os.symlink(tmp_path / "elsewhere", tmp_path / "kernel")
    assert workfolder.sweep(tmp_path / "kernel") == [
        f"the kernel's working folder was replaced by a symbolic link to '{tmp_path / 'elsewhere'}'"]
    assert os.path.islink(tmp_path / "elsewhere" / "x")  # nothing done through the link


def test_many_planted_entries_are_counted_after_the_first_ones(tmp_path):
    for index in range(workfolder.MAX_NAMED + 5):
        os.symlink("/etc/passwd", tmp_path / f"l{index:03d}")
    findings = workfolder.sweep(tmp_path)
    assert len(findings) == workfolder.MAX_NAMED + 1 and findings[-1].startswith("and 5 more") and not os.listdir(tmp_path)


def test_read_tree_reads_regular_files_only_and_says_what_it_left_out(planted):
    folder, outside = planted
    skipped = []
    tree = files.read_tree(folder, skipped)
    assert tree == {"notes.txt": b"mine", "sub/kept.txt": b"kept"}
    text = "\n".join(skipped)
    for entry in ("nb.ipynb: a symbolic link", "dirlink: a symbolic link", "dangling: a symbolic link",
                  "sub/deep: a symbolic link to '/etc/passwd'", "pipe: not a regular file", "hard.txt: a hard link"):
        assert entry in text, skipped


def test_read_tree_caps_what_it_reads_back(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 1000)
    (tmp_path / "small.txt").write_bytes(b"x" * 10)
    (tmp_path / "huge.bin").write_bytes(b"x" * 5000)
    skipped = []
    assert files.read_tree(tmp_path, skipped) == {"small.txt": b"x" * 10}
    assert skipped == ["huge.bin: 5000 bytes, more than the 1000 bytes read back"]
    skipped = []
    assert files.read_tree(tmp_path, skipped, limit=5) == {}  # all files together: past the limit, nothing more
    assert skipped[1] == "small.txt: 10 bytes, more than the 5 bytes read back"


def test_a_file_swapped_for_a_link_after_the_listing_is_not_read(tmp_path):
    """TOCTOU: the check is made on the opened descriptor, so a link put in place of a listed file is refused."""
    (tmp_path / "answer.txt").write_text("mine")
    listed = sorted(tmp_path.iterdir())
    (tmp_path / "answer.txt").unlink()
    os.symlink("/etc/passwd", tmp_path / "answer.txt")
    data, why = files.read_regular(listed[0])
    assert data is None and why == "a symbolic link to '/etc/passwd'"
    os.unlink(tmp_path / "answer.txt")
    os.mkfifo(tmp_path / "answer.txt")  # a fifo no writer opens: opened non-blocking, never read
    assert files.read_regular(listed[0]) == (None, "not a regular file")


def test_remove_tree_never_changes_what_a_link_points_to(planted):
    folder, outside = planted
    victim = outside / "victim.txt"
    victim.chmod(0o444)
    (folder / "sub").chmod(0o555)
    files.remove_tree(folder)
    assert not folder.exists() and victim.read_text() == "victim" and stat.S_IMODE(victim.stat().st_mode) == 0o444
    assert sorted(os.listdir(outside)) == ["victim.txt"]


def test_remove_tree_of_a_link_removes_the_link_only(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "keep.txt").write_text("keep")
    os.symlink(tmp_path / "real", tmp_path / "link")
    files.remove_tree(tmp_path / "link")
    assert not os.path.lexists(tmp_path / "link") and (tmp_path / "real" / "keep.txt").read_text() == "keep"


def test_write_tree_writes_fresh_files_never_through_a_link(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("victim")
    folder = tmp_path / "autograded"
    folder.mkdir()
    os.symlink(victim, folder / "nb.ipynb")
    files.write_tree(folder, {"nb.ipynb": b"graded", "sub/x.txt": b"x"})
    assert victim.read_text() == "victim" and not (folder / "nb.ipynb").is_symlink()
    assert files.read_tree(folder) == {"nb.ipynb": b"graded", "sub/x.txt": b"x"}


@pytest.mark.parametrize("name", ["../escape.txt", "/etc/passwd", "sub/../../x", "."])
def test_write_tree_refuses_a_path_that_leaves_the_folder(tmp_path, name):
    with pytest.raises(ValueError):
        files.write_tree(tmp_path / "out", {name: b"x"})
    assert not (tmp_path / "escape.txt").exists() and not (tmp_path / "out").exists()


def test_preflight_drops_shadowing_files_as_notes_and_the_grader_package_as_a_finding(tmp_path):
    submission = {"nb.ipynb": b"{}", "numpy.py": b"x = 1", "pandas/__init__.py": b"", f"scipy{EXT}": b"",
                  "helpers.py": b"", "autograder.txt": b"", "data/numpy.py": b""}
    for name, data in submission.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    findings, notes = preflight.drop_shadowing_files(submission, tmp_path)
    assert len(findings) == 1 and findings[0].startswith("integrity: ") and "'autograder.txt'" in findings[0]
    assert sorted(n.split("'")[1] for n in notes) == ["numpy.py", "pandas", f"scipy{EXT}"]
    assert all("removed before grading" in n and not n.startswith("integrity") for n in notes)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "helpers.py", "nb.ipynb"]
    assert (tmp_path / "data" / "numpy.py").exists()  # not on sys.path: only the top level shadows


def test_the_kernels_import_guard_takes_environment_modules_from_the_environment(tmp_path):
    (tmp_path / "colorsys.py").write_text("raise SystemExit('shadowed')\n")
    (tmp_path / "pandas").mkdir()
    (tmp_path / "pandas" / "__init__.py").write_text("raise SystemExit('shadowed')\n")
    (tmp_path / "my_helper_module.py").write_text("x = 1\n")
    path = ["", str(tmp_path), str(tmp_path / "pandas"), *sys.path]
    trusted = quiet_kernel.environment_path(path, tmp_path)
    assert "" not in trusted and str(tmp_path) not in trusted and str(tmp_path / "pandas") not in trusted
    guard = quiet_kernel.EnvironmentFirst(trusted)
    assert Path(guard.find_spec("colorsys").origin).parent == Path(os.__file__).parent
    assert str(tmp_path) not in guard.find_spec("pandas").origin
    assert guard.find_spec("my_helper_module") is None  # the student's own module: the usual search finds it
    assert guard.find_spec("numpy.linalg", path=["/somewhere"]) is None  # submodules: the package decides


def test_exports_and_similarity_never_read_a_notebook_through_a_link(tmp_path):
    from autograder.storage import outcomes
    from autograder.similarity import units

    secret = tmp_path / "secret.ipynb"
    secret.write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    folder = tmp_path / "autograded"
    folder.mkdir()
    os.symlink(secret, folder / "nb.ipynb")
    os.mkfifo(folder / "other.ipynb")
    assert outcomes.read_notebooks(folder) == {}
    with pytest.raises(ValueError, match="a symbolic link to"):
        units._cells(folder / "nb.ipynb")
    with pytest.raises(ValueError, match="not a regular file"):
        units._cells(folder / "other.ipynb")
