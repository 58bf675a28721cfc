"""Hostile files and names through the real `autograder grade` and plain `nbgrader autograde`, in a course copy.

One batch of one assignment, an honest student beside each hostile one:

* a submission whose code replaces its own notebook with a symbolic link to a file outside the course (the
  grader, as root, used to write the autograded notebook through it and make it read-only), and plants links
  to /etc/passwd, to the course's source notebook (hidden tests) and to a folder, a fifo and a dangling link;
* submissions that ship a module named like one of the grading environment's beside the notebook: a
  ``numpy.py`` that loads the real NumPy and makes every comparison pass (a wrong answer used to get full
  marks), a harmless ``numpy.py`` (it used to fail the submission as the grading machine's fault), a
  ``numpy/`` package and a ``numpy.<extension suffix>`` file.

Then the same hostile submissions through plain `nbgrader autograde` with the course's nbgrader_config.py.
Expected scores are those of the same answers without the hostile files, graded in the same batch.
"""

import importlib.machinery
import os
import stat
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder import course, records
from autograder.gradebook import cell_scores
from autograder.samples import make_submission, redteam, samples_for

from .conftest import REPO, course_id, db_url, nbgrader

pytestmark = pytest.mark.nbgrader

ASSIGNMENT = "artificial_neurons"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
MISTAKE = next(s.name for s in samples_for(ASSIGNMENT) if s.kind == "mistake")
VICTIM_TEXT = "a file outside the course that no grader may write\n"

# loads the real NumPy (not this file) and makes its comparisons pass: the checks bind np.allclose at import
LYING_NUMPY = """
import importlib.machinery, importlib.util, os, sys
_here = os.path.dirname(os.path.abspath(__file__))
_path = [p for p in sys.path if p and os.path.abspath(p) != _here]
_spec = importlib.machinery.PathFinder.find_spec("numpy", _path)
_real = importlib.util.module_from_spec(_spec)
sys.modules["numpy"] = _real
_spec.loader.exec_module(_real)
_real.allclose = lambda *args, **kwargs: True
_real.isclose = lambda a, b, *args, **kwargs: _real.ones(_real.shape(a), dtype=bool)
_real.array_equal = lambda *args, **kwargs: True
"""


def planting_code(victim: Path, course_file: Path, folder: Path) -> str:
    """Student code that replaces its notebook with a link to ``victim`` and plants every other kind of entry."""
    return f"""
import os
os.remove({NOTEBOOK!r})
os.symlink({str(victim)!r}, {NOTEBOOK!r})
os.symlink('/etc/passwd', 'passwd.txt')
os.symlink({str(course_file)!r}, 'answers.ipynb')
os.symlink({str(folder)!r}, 'outside')
os.symlink('/nonexistent/nothing', 'dangling')
os.mkfifo('pipe')
os.mkdir('sub')
os.symlink('/etc/passwd', os.path.join('sub', 'deep.txt'))
os.symlink('/etc/passwd', 'n\\u00e4me\\u202e.txt')
"""


def _nb(root: Path, folder: str):
    return nbformat.read(root / folder / ASSIGNMENT / NOTEBOOK, 4)


def submit(root: Path, student: str, nb, extra: dict | None = None) -> Path:
    folder = root / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / NOTEBOOK)
    for name, data in (extra or {}).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data if isinstance(data, bytes) else data.encode())
    return folder


def _state(root: Path, student: str) -> dict:
    """grade_id -> (score, max) in the gradebook."""
    return {k: (v.score, v.max_score) for k, v in cell_scores(db_url(root), course_id(root), ASSIGNMENT, student).items()}


def _auto_total(scores: dict) -> tuple:
    auto = {k: v for k, v in scores.items() if not k.startswith("param_interpretation")}
    return sum(s for s, _ in auto.values()), sum(m for _, m in auto.values())


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    root = course.copy_course(REPO, base / "course")
    victim = base / "victim.txt"
    victim.write_text(VICTIM_TEXT)
    victim.chmod(0o644)
    source_nb, release_nb = _nb(root, "source"), _nb(root, "release")
    samples = {s.name: s for s in samples_for(ASSIGNMENT)}
    solution, mistake = make_submission(source_nb, release_nb, samples["solution"]), make_submission(source_nb, release_nb, samples[MISTAKE])
    hostile = redteam.make_attack(solution, redteam.Attack(
        "plant_links", planting_code(victim, root / "source" / ASSIGNMENT / NOTEBOOK, base), flag="", reason=""))
    extension = "numpy" + importlib.machinery.EXTENSION_SUFFIXES[0]
    students = {
        "ada": (solution, {}),
        "bo": (mistake, {}),
        "mallory": (hostile, {}),
        "nell": (mistake, {"numpy.py": LYING_NUMPY}),
        "hana": (solution, {"numpy.py": "x = 1\n"}),
        "pia": (solution, {"numpy/__init__.py": "x = 1\n"}),
        "sol": (solution, {extension: b"\x7fELF not really a shared object"}),
        "uma": (solution, {"helper_notes.py": "x = 1\n", "ｎｕｍｐｙ.txt": "unicode name\n"}),
    }
    for student, (nb, extra) in students.items():
        submit(root, student, nb, extra)
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", ASSIGNMENT, "--workers", "2"], cwd=root,
                         capture_output=True, text=True, timeout=1200)
    recs = {r.student: r for r in records.load(db_url(root), course_id(root), ASSIGNMENT)}
    scores = {s: _state(root, s) for s in recs}
    victim_after = (victim.read_text(), stat.S_IMODE(victim.stat().st_mode))
    return {"root": root, "base": base, "victim": victim, "run": run, "records": recs, "scores": scores,
            "victim_after": victim_after, "extension": extension, "solution": solution, "mistake": mistake,
            "hostile": hostile}


def _tree_text(folder: Path) -> str:
    text = []
    for parent, _, names in os.walk(folder):
        for name in names:
            path = Path(parent) / name
            assert not path.is_symlink(), path
            text.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(text)


def test_the_batch_finishes(batch):
    run = batch["run"]
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert set(batch["records"]) == {"ada", "bo", "mallory", "nell", "hana", "pia", "sol", "uma"}


def test_a_notebook_replaced_by_a_link_never_writes_the_file_it_points_to(batch):
    assert batch["victim_after"] == (VICTIM_TEXT, 0o644)
    assert not batch["victim"].is_symlink()


def test_planted_entries_are_integrity_findings_named_with_where_they_pointed(batch):
    record = batch["records"]["mallory"]
    assert record.status == "flagged" and record.withheld, record
    planted = [r for r in record.reasons if r.startswith("integrity: ") and "removed unread" in r]
    text = "\n".join(planted)
    assert f"'{NOTEBOOK}'" in text and str(batch["victim"]) in text, record.reasons
    for name, target in (("passwd.txt", "/etc/passwd"), ("answers.ipynb", str(batch["root"] / "source")),
                         ("outside", str(batch["base"])), ("dangling", "/nonexistent/nothing"),
                         ("sub/deep.txt", "/etc/passwd"), ("nä", "/etc/passwd")):
        assert [r for r in planted if f"'{name}" in r and target in r], (name, record.reasons)
    assert [r for r in planted if "'pipe'" in r and "fifo" in r], record.reasons


def test_nothing_read_through_a_link_reaches_autograded_or_feedback(batch):
    root = batch["root"]
    for tree in ("autograded", "feedback"):
        folder = root / tree / "mallory" / ASSIGNMENT
        text = _tree_text(folder) if folder.exists() else ""
        assert "root:x:0:0" not in text and "### BEGIN HIDDEN TESTS" not in text and VICTIM_TEXT not in text
        if folder.exists():
            assert sorted(os.listdir(folder)) in ([NOTEBOOK], [], ["sub", NOTEBOOK], [NOTEBOOK, "sub"]), os.listdir(folder)


def test_the_honest_student_beside_them_has_full_marks(batch):
    for student in ("ada", "uma"):
        record = batch["records"][student]
        score, maximum = _auto_total(batch["scores"][student])
        assert record.status == "graded" and not record.withheld and not record.reasons, record
        assert score == maximum > 0


def test_a_lying_numpy_beside_the_notebook_no_longer_gives_the_wrong_answer_full_marks(batch):
    wrong, maximum = _auto_total(batch["scores"]["bo"])
    assert wrong < maximum
    assert _auto_total(batch["scores"]["nell"]) == (wrong, maximum)
    record = batch["records"]["nell"]
    assert not record.withheld and record.status == "graded", record
    assert [r for r in record.reasons if "'numpy.py'" in r and "removed before grading" in r], record.reasons


@pytest.mark.parametrize("student,name", [("hana", "numpy.py"), ("pia", "numpy"), ("sol", None)])
def test_a_harmless_module_named_like_numpy_costs_nothing_and_is_listed(batch, student, name):
    name = name or batch["extension"]
    record = batch["records"][student]
    score, maximum = _auto_total(batch["scores"][student])
    assert score == maximum > 0
    assert record.status == "graded" and not record.withheld, record
    assert not [r for r in record.reasons if r.startswith("integrity") or r.startswith("grading infrastructure")]
    assert [r for r in record.reasons if f"'{name}'" in r and "'numpy'" in r and "removed before grading" in r], record.reasons
    assert not (batch["root"] / "autograded" / student / ASSIGNMENT / name).exists()


def test_the_exports_list_the_removal(batch):
    root = batch["root"]
    out = subprocess.run([sys.executable, "-m", "autograder", "export", ASSIGNMENT], cwd=root, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    rows = "\n".join(p.read_text() for p in root.rglob(f"{ASSIGNMENT}*.csv"))
    assert "hana" in rows and "removed before grading" in rows


@pytest.fixture(scope="module")
def plain(batch):
    """The same hostile submissions graded by plain `nbgrader autograde` with the course's configuration."""
    root, base = batch["root"], batch["base"]
    victim = base / "plain-victim.txt"
    victim.write_text(VICTIM_TEXT)
    victim.chmod(0o644)
    hostile = redteam.make_attack(batch["solution"], redteam.Attack(
        "plant_links", planting_code(victim, root / "source" / ASSIGNMENT / NOTEBOOK, base), flag="", reason=""))
    submit(root, "plain_mallory", hostile)
    submit(root, "plain_nell", batch["mistake"], {"numpy.py": LYING_NUMPY})
    submit(root, "plain_hana", batch["solution"], {"numpy.py": "x = 1\n"})
    submit(root, "plain_sol", batch["solution"], {batch["extension"]: b"\x7fELF not really a shared object"})
    run = nbgrader(root, "autograde", ASSIGNMENT, "--student", "plain_*", "--force", check=False)
    return {"run": run, "victim": victim, "scores": {s: _state(root, s) for s in ("plain_nell", "plain_hana", "plain_sol")}}


def test_plain_nbgrader_autograde_never_writes_through_a_link(batch, plain):
    log = plain["run"].stdout + plain["run"].stderr
    assert plain["victim"].read_text() == VICTIM_TEXT and stat.S_IMODE(plain["victim"].stat().st_mode) == 0o644, log[-3000:]
    folder = batch["root"] / "autograded" / "plain_mallory" / ASSIGNMENT
    assert not any(Path(p, n).is_symlink() or not Path(p, n).is_file() and not Path(p, n).is_dir()
                   for p, ds, ns in os.walk(folder) for n in ds + ns)
    assert "root:x:0:0" not in _tree_text(folder)
    assert "integrity:" in log and str(plain["victim"]) in log and "/etc/passwd" in log


def test_plain_nbgrader_autograde_removes_modules_named_like_numpy(batch, plain):
    log = plain["run"].stdout + plain["run"].stderr
    wrong, maximum = _auto_total(batch["scores"]["bo"])
    assert _auto_total(plain["scores"]["plain_nell"]) == (wrong, maximum), log[-3000:]
    for student in ("plain_hana", "plain_sol"):
        assert _auto_total(plain["scores"][student])[0] == maximum, (student, log[-3000:])
    assert "would be imported instead of the module 'numpy'" in log
