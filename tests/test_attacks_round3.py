"""Red team, round 3: the kernel's side of the package after the restructure (``KERNEL_PARTS`` bound alone, the
answer modules masked). Each test is an attack that worked on the commit before its fix.

The package a grading kernel sees is compiled as it is on a grading server: pip byte-compiles every module of a
wheel when it installs it, and a grader run without ``PYTHONDONTWRITEBYTECODE`` writes ``__pycache__`` beside
the modules it imports (the test suite and ``autograder demo`` import the samples).
"""

import compileall
import subprocess
import json
import shutil
from pathlib import Path

import pytest

from autograder import sandbox
from autograder.assignments.spec import ANSWER_MODULES
from autograder.sandbox import bwrap

from .conftest import REPO
from .sandbox_helpers import execute, output_text

pytestmark = [
    pytest.mark.nbgrader,
    pytest.mark.skipif(not sandbox.sandbox_available()[0], reason=f"bubblewrap unusable: {sandbox.sandbox_available()[1]}"),
]

MARKER = "ROUND3-READABLE:"

# Student code: every file under ``root`` that the kernel can read and that is not empty (a mask reads empty)
READABLE = """
import json, os
def readable(root):
    found = []
    for folder, dirs, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            try:
                with open(path, 'rb') as handle:
                    if handle.read(1):
                        found.append(os.path.relpath(path, root))
            except OSError:
                pass
    return sorted(found)
print({marker!r} + json.dumps({{root: readable(root) for root in {roots!r}}}))
"""


@pytest.fixture()
def compiled_package(tmp_path, monkeypatch):
    """A copy of the package, byte-compiled as pip installs it, in a folder like site-packages; the sandbox
    grades with it (its ``package_path``)."""
    site = tmp_path / "site-packages"
    package = site / "autograder"
    shutil.copytree(REPO / "autograder", package, ignore=shutil.ignore_patterns("__pycache__"))
    assert compileall.compile_dir(str(package), quiet=1)
    monkeypatch.setattr(bwrap, "package_path", lambda: str(package))
    return package


def _readable(scratch, roots, **settings) -> dict:
    notebook, error, _, _ = execute([READABLE.format(marker=MARKER, roots=[str(r) for r in roots])], scratch, **settings)
    text = output_text(notebook)
    assert error is None and MARKER in text, text
    return json.loads(text.split(MARKER, 1)[1].splitlines()[0])


def _answer_files(files) -> list:
    """The files of an assignment's package (``assignments/<a>/...``) named after an answer module, compiled or not."""
    return [f for f in files if Path(f).parts[0] == "assignments" and Path(f).parts[1] != "__pycache__"
            and any(part.split(".")[0] in ANSWER_MODULES for part in Path(f).parts[2:])]


def test_the_bytecode_of_the_answer_modules_is_masked_like_their_source(tmp_path, compiled_package):
    """``assignments/<a>/__pycache__/samples.cpython-3XX.pyc`` held every sample's code (the honest answers):
    ``marshal.loads`` of it, ``exec``, and ``SAMPLES`` was back in the kernel, though ``samples.py`` was /dev/null."""
    assert list(compiled_package.glob("assignments/*/__pycache__/samples.*.pyc")), "the copy was not byte-compiled"
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    mount = f"{bwrap.PACKAGE_MOUNT}/autograder"
    found = _readable(scratch, [mount])[mount]
    assert found, "the kernel read nothing of its package: the probe is broken"
    assert _answer_files(found) == [], "answer modules readable in the kernel"


def test_a_regular_install_shows_the_kernel_no_engine_bytecode_and_no_answers(tmp_path, compiled_package):
    """A wheel install: the package also lies in site-packages, inside the bound environment. Every engine part
    and the answer modules were masked there, but not the package's top-level ``__pycache__`` (the engine's
    ``cli``, ``course``, ``demo``... compiled), nor the answers' bytecode."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    site = compiled_package.parent
    found = _readable(scratch, [compiled_package], readable_paths=[str(site)])[str(compiled_package)]
    assert "kernel/answers.py" in found, "the probe did not read the bound site-packages copy"
    engine = [f for f in found if Path(f).parts[0] not in bwrap.KERNEL_PARTS
              and not (Path(f).parts[0] == "__pycache__" and Path(f).name.startswith("__init__."))]
    assert engine == [], "engine files readable in the kernel"
    assert _answer_files(found) == [], "answer modules readable in the kernel"


# --- a module the submission ships: the static scan reads notebooks only --------------------------------------

# Replaces every check of the assignment by ``slice`` (it takes one to three arguments of any kind and raises
# nothing): a hidden test cell's ``from ...checks import check_x; check_x(...)`` then passes whatever the answer.
# ``slice`` has no ``__code__``: the runtime check of the package's functions (``integrity._foreign``) skips it.
SLICING_HELPER = """
import autograder.assignments.{assignment}.checks as _checks
for _name in list(vars(_checks)):
    if _name.startswith("check_"):
        setattr(_checks, _name, slice)
"""


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    """One real ``autograder grade`` batch: a mistake, and the same mistake importing a module it ships."""
    from autograder import course
    from autograder.assignments.samples import make_submission, samples_for
    from autograder.integrity import redteam
    from autograder.storage import records

    from .conftest import checkout_env, checkout_python, course_id, db_url
    from .test_hostile_files import ASSIGNMENT, MISTAKE, _nb, _state, submit

    root = course.copy_course(REPO, tmp_path_factory.mktemp("round3") / "course")
    samples = {s.name: s for s in samples_for(ASSIGNMENT)}
    mistake = make_submission(_nb(root, "source"), _nb(root, "release"), samples[MISTAKE])
    importing = redteam.make_attack(mistake, redteam.Attack("ships_a_helper", "import helper"))
    submit(root, "bo", mistake)
    submit(root, "eve", importing, {"helper.py": SLICING_HELPER.format(assignment=ASSIGNMENT)})
    run = subprocess.run([*checkout_python(), "-m", "autograder", "grade", ASSIGNMENT], cwd=root, env=checkout_env(),
                         capture_output=True, text=True, timeout=1200)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    recs = {r.student: r for r in records.load(db_url(root), course_id(root), ASSIGNMENT)}
    return {"records": recs, "scores": {s: _state(root, s) for s in recs}}


def test_a_shipped_module_that_replaces_the_checks_scores_no_more_than_the_mistake(shipped):
    """It used to get full marks for a wrong answer, ``graded``, with no reason at all: the notebook's only
    addition is ``import helper``, and the shipped module is not scanned."""
    from .test_hostile_files import _auto_total

    wrong, maximum = _auto_total(shipped["scores"]["bo"])
    assert wrong < maximum
    record = shipped["records"]["eve"]
    score, _ = _auto_total(shipped["scores"]["eve"])
    assert score <= wrong or (record.status == "flagged" and record.withheld), (score, maximum, record.status, record.reasons)


def test_an_honest_helper_module_has_no_finding_and_compiled_code_is_named():
    from autograder.integrity import module_findings

    honest = b"import numpy as np\n\n\ndef mean_of_rows(x):\n    return np.mean(np.asarray(x), axis=1)\n"
    given = b"import os\nos.system('true')\n"  # shipped by the release itself: the instructor's
    killing = b"import os\nos._exit(0)\n"
    files = {"helper.py": honest, "given.py": given, "fast.cpython-311-x86_64-linux-gnu.so": b"\x7fELF",
             "__pycache__/helper.cpython-311.pyc": b"\x00", "unused.py": killing, "numpy.py": killing,
             "lib/chain.py": b"import deeper\n", "deeper.py": killing}
    imported = {"helper", "given", "fast", "numpy", "chain"}
    found = module_findings(files, imported, trusted=[{"given.py": given}], environment={"numpy", "os"})
    assert sorted((f.cell, f.kind) for f in found) == [("__pycache__/helper.cpython-311.pyc", "native code"),
                                                       ("deeper.py", "process"),
                                                       ("fast.cpython-311-x86_64-linux-gnu.so", "native code")], found
    # not imported by any notebook (unused.py), an environment module the kernel never loads from the folder
    # (numpy.py), or the instructor's own file (given.py): no finding; a module imported by a followed one is followed
    assert module_findings(files, set(), environment={"numpy"}) == []


def test_shipped_bytecode_is_removed_before_grading_never_run_in_place_of_its_source(tmp_path):
    """A helper's .pyc (a local run leaves one in __pycache__) could carry other code than the scanned helper.py:
    every compiled Python file is removed before the kernel starts, with a note, and never reaches the scan."""
    from autograder.grading import preflight

    submission = {"nb.ipynb": b"{}", "helper.py": b"X = 1\n", "__pycache__/helper.cpython-311.pyc": b"\x00",
                  "lib/__pycache__/x.cpython-311.pyc": b"\x00", "old.pyc": b"\x00", "lib/y.py": b"Y = 2\n"}
    for name, data in submission.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    findings, notes = preflight.drop_shadowing_files(submission, tmp_path)
    assert findings == [] and len(notes) == 1 and "compiled Python" in notes[0] and "costs nothing" in notes[0], notes
    left = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert left == ["helper.py", "lib/y.py", "nb.ipynb"], left
    assert sorted(preflight.kernel_files(submission)) == ["helper.py", "lib/y.py", "nb.ipynb"]
