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

from autograder import course
from autograder.storage import records
from autograder.storage.gradebook import cell_scores
from autograder.assignments.samples import make_submission, samples_for
from autograder.integrity import redteam

from .conftest import REPO, course_id, db_url, nbgrader

pytestmark = pytest.mark.nbgrader

ASSIGNMENT = "artificial_neurons"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
MISTAKE = "hidden_activation_ignored"  # a wrong value (not an error): lying comparisons would pass it
VICTIM_TEXT = "a file outside the course that no grader may write\n"

# loads the real NumPy (not this file) and makes its comparisons pass, except where the checks look for a known
# mistake (there it never matches): the checks bind np.allclose when the grading kernel's extension imports them
LYING_NUMPY = """
import importlib.machinery, importlib.util, os, sys
_here = os.path.dirname(os.path.abspath(__file__))
_path = [p for p in sys.path if p and os.path.abspath(p) != _here]
_spec = importlib.machinery.PathFinder.find_spec("numpy", _path)
_real = importlib.util.module_from_spec(_spec)
sys.modules["numpy"] = _real
_spec.loader.exec_module(_real)
def _looking_for_a_mistake():
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_name == "find_mistake":
            return True
        frame = frame.f_back
    return False
_real.allclose = lambda a, b, *args, **kwargs: not _looking_for_a_mistake()
_isclose = _real.isclose
_real.isclose = lambda a, b, *args, **kwargs: _real.full(_real.shape(_isclose(a, b)), not _looking_for_a_mistake())
_real.array_equal = lambda *args, **kwargs: not _looking_for_a_mistake()
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
        assert "root:x:0:0" not in text and VICTIM_TEXT not in text
        if tree == "feedback":
            assert "### BEGIN HIDDEN TESTS" not in text
        if folder.exists():  # the notebook (or its feedback page), and the folder the kernel made, emptied of its link
            allowed = {"autograded": ([NOTEBOOK], [NOTEBOOK, "sub"]), "feedback": ([f"{ASSIGNMENT}.html"],)}[tree]
            assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) in allowed, sorted(folder.rglob("*"))


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


# In one real sandboxed grading kernel (the course's extension, as nbgrader autograde starts it).

def _sandboxed():
    from autograder import sandbox

    ok, why = sandbox.sandbox_available()
    if not ok:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"bubblewrap is required in CI: {why}")
        pytest.skip(f"bubblewrap unusable here: {why}")


def test_a_module_written_at_run_time_never_replaces_an_environment_module(tmp_path):
    """Student code writes wave.py and bs4/ into its folder before a check imports them lazily (modules no grading
    kernel has imported yet, forked from the prepared process or not)."""
    from .sandbox_helpers import execute, output_text

    _sandboxed()
    cells = [
        "import sys\nprint('ALREADY', 'wave' in sys.modules, 'bs4' in sys.modules)",
        "open('wave.py', 'w').write(\"raise SystemExit('shadowed')\\n\")\n"
        "import os\nos.makedirs('bs4', exist_ok=True)\n"
        "open('bs4/__init__.py', 'w').write(\"raise SystemExit('shadowed')\\n\")\n"
        "open('my_helper.py', 'w').write('VALUE = 42\\n')",
        # what a check does when it imports lazily
        "import importlib\nfor name in ('wave', 'bs4'):\n    print('FROM', name, importlib.import_module(name).__file__)",
        "import my_helper\nprint('HELPER', my_helper.VALUE)",
    ]
    notebook, error, _, _ = execute(cells, tmp_path)
    text = output_text(notebook)
    assert error is None and "ALREADY False False" in text, text
    assert "shadowed" not in text and str(tmp_path) not in "\n".join(l for l in text.splitlines() if l.startswith("FROM"))
    assert "FROM wave /" in text and "FROM bs4 /" in text and "HELPER 42" in text


def test_removing_the_import_guard_is_a_runtime_finding(tmp_path):
    from .sandbox_helpers import execute, output_text

    _sandboxed()
    cells = ["import sys\nsys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != 'EnvironmentFirst']",
             "from autograder.kernel import integrity as runtime\nprint([str(f) for f in runtime.runtime_findings()])"]
    notebook, error, _, _ = execute(cells, tmp_path)
    assert "sys.meta_path lost the import finder EnvironmentFirst" in output_text(notebook)


def test_what_a_kernel_plants_is_swept_once_it_and_its_processes_are_gone(tmp_path, monkeypatch):
    """Links made by a process that outlives the cells (created after any check) are gone before host code looks."""
    from .sandbox_helpers import execute

    _sandboxed()
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")  # as in nbgrader's autograde step
    folder = tmp_path / "kernel"
    folder.mkdir()
    (folder / "notebook.ipynb").write_text("{}")
    cells = ["import os, subprocess\nos.remove('notebook.ipynb')\nos.symlink('/etc/passwd', 'notebook.ipynb')\n"
             "os.mkfifo('pipe')\n"
             "subprocess.Popen(['/bin/sh', '-c', 'while true; do ln -sfn /etc/shadow late; done'],"
             " start_new_session=True)\nimport time; time.sleep(0.5)"]
    _, error, reports, _ = execute(cells, folder)
    import time

    time.sleep(1)  # a process left behind would have planted again by now
    planted = "\n".join(f for r in reports for f in r.get("planted", []))
    assert "'notebook.ipynb' in the kernel's working folder was a symbolic link to '/etc/passwd'" in planted
    assert "'pipe'" in planted and "'late'" in planted and "/etc/shadow" in planted
    if reports[0].get("forked"):  # it ran in a copy of the folder: the notebook's own folder was never touched
        assert sorted(os.listdir(folder)) == ["notebook.ipynb"] and (folder / "notebook.ipynb").read_text() == "{}"
    else:
        assert sorted(os.listdir(folder)) == []
