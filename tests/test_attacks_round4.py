"""Red team, round 4: per-student variants and the scan of shipped modules. Each test is an attack (or an honest
course change) that got a wrong grade on the commit before its fix.

Shipped modules: ``integrity.modules`` follows a shipped ``.py`` only when a notebook imports its name, on the
premise that "a dynamic import is a finding of the notebook's own scan". It was not: ``runpy``, ``pkgutil``,
``pydoc``, ``site``, ``zipimport``, ``unittest.mock``, ``sys.path`` and pickles load a shipped file's code with
no finding, and the payload of round 3 (every check replaced by ``slice``, which the runtime check cannot see)
then gave a wrong answer full marks, ``graded``, with no reason.
"""

import pickle
import re
import subprocess

import pytest

from autograder import course, sandbox
from autograder.integrity import scan_source

from .conftest import REPO, checkout_env, checkout_python, course_id, db_url

ASSIGNMENT = "artificial_neurons"

# the payload of round 3: every check of the assignment becomes ``slice`` (takes 1 to 3 arguments, raises nothing)
SLICING = """
import autograder.assignments.{assignment}.checks as _checks
for _name in list(vars(_checks)):
    if _name.startswith("check_"):
        setattr(_checks, _name, slice)
""".format(assignment=ASSIGNMENT)


class _Payload:
    """Unpickled, it runs SLICING: a data file that is code, loaded by an honest-looking ``pd.read_pickle``."""

    def __reduce__(self):
        return exec, (SLICING,)


# Each loads a shipped file's code without an ``import`` statement naming it: none may pass the scan unflagged.
LOADERS = {
    "runpy_run_path": "import runpy\nrunpy.run_path('helper.py')",
    "runpy_run_module": "import runpy\nrunpy.run_module('helper')",
    "from_runpy": "from runpy import run_path\nrun_path('helper.py')",
    "pkgutil_resolve_name": "import pkgutil\npkgutil.resolve_name('helper:x')",
    "pydoc_locate": "import pydoc\npydoc.locate('helper')",
    "site_addsitedir": "import site\nsite.addsitedir('lib')",  # runs the code lines of lib/*.pth
    "sys_path_insert": "import sys\nsys.path.insert(0, 'lib')\nimport winreg",  # lib/winreg.py: no such module here
    "sys_path_zip": "import sys\nsys.path.append('helper.zip')\nimport zhelp",
    "zipimport": "import zipimport\nzipimport.zipimporter('helper.zip').load_module('zhelp')",
    "mock_patch": "from unittest import mock\nmock.patch('helper.x', 1).start()",
    "pandas_read_pickle": "import pandas as pd\nweights = pd.read_pickle('weights.pkl')",
    "pickle_load": "import pickle\nwith open('weights.pkl', 'rb') as f:\n    weights = pickle.load(f)",
    "numpy_allow_pickle": "import numpy as np\nweights = np.load('weights.npy', allow_pickle=True)",
}


@pytest.mark.parametrize("name", list(LOADERS))
def test_loading_a_shipped_file_without_importing_its_name_is_a_finding(name):
    found = scan_source(LOADERS[name], "cell")
    assert found, f"{name}: runs a shipped file's code in the grading kernel, and the notebook scan finds nothing"


HONEST = [
    "import numpy as np\nx = np.load('given.npy')\ny = np.asarray(x).sum()",
    "import sys\nprint(sys.version)",
    "import pandas as pd\nframe = pd.read_csv('data.csv')",
    "import os\npath = os.path.join('a', 'b')",
]


@pytest.mark.parametrize("code", HONEST)
def test_honest_code_near_the_loaders_has_no_finding(code):
    assert scan_source(code, "cell") == []


# --- real grading ------------------------------------------------------------------------------------------------

sandboxed = pytest.mark.skipif(not sandbox.sandbox_available()[0],
                               reason=f"bubblewrap unusable: {sandbox.sandbox_available()[1]}")


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """One ``autograder grade`` batch: a mistake; the same mistake running a helper through runpy; and through
    an honest-looking ``pd.read_pickle`` of a shipped data file."""
    from autograder.assignments.samples import make_submission, samples_for
    from autograder.integrity import redteam
    from autograder.storage import records

    from .test_hostile_files import MISTAKE, _nb, _state, submit

    root = course.copy_course(REPO, tmp_path_factory.mktemp("round4") / "course")
    samples = {s.name: s for s in samples_for(ASSIGNMENT)}
    mistake = make_submission(_nb(root, "source"), _nb(root, "release"), samples[MISTAKE])
    submit(root, "bo", mistake)
    submit(root, "eve", redteam.make_attack(mistake, redteam.Attack("runs_a_helper", LOADERS["runpy_run_path"])),
           {"helper.py": SLICING})
    submit(root, "mal", redteam.make_attack(mistake, redteam.Attack("unpickles", LOADERS["pandas_read_pickle"])),
           {"weights.pkl": pickle.dumps(_Payload())})
    run = subprocess.run([*checkout_python(), "-m", "autograder", "grade", ASSIGNMENT, "--workers", "2"], cwd=root,
                         env=checkout_env(), capture_output=True, text=True, timeout=1200)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    recs = {r.student: r for r in records.load(db_url(root), course_id(root), ASSIGNMENT)}
    return {"records": recs, "scores": {s: _state(root, s) for s in recs}}


@pytest.mark.nbgrader
@sandboxed
@pytest.mark.parametrize("student", ["eve", "mal"])
def test_a_shipped_file_run_without_an_import_scores_no_more_than_the_mistake(loaded, student):
    """``eve`` runs ``helper.py`` with ``runpy.run_path``, ``mal`` unpickles a shipped ``weights.pkl``: both replaced
    every check and got full marks for a wrong answer, ``graded``, with no reason at all."""
    from .test_hostile_files import _auto_total

    wrong, maximum = _auto_total(loaded["scores"]["bo"])
    assert wrong < maximum
    record = loaded["records"][student]
    score, _ = _auto_total(loaded["scores"][student])
    assert score <= wrong or (record.status == "flagged" and record.withheld), (score, maximum, record.status,
                                                                                record.reasons)


# --- variants: the course id of nbgrader_config.py and the one the notebook's locked cell hashes --------------------

NEXT_TERM = "text-and-neurons-next-term"


@pytest.fixture(scope="module")
def next_term(tmp_path_factory):
    """The course copied for another term: only ``c.CourseDirectory.course_id`` changed (what nbgrader's docs ask
    of every course), the notebooks untouched. An honest solution is graded by ``autograder grade``."""
    from autograder.assignments.samples import submit_class
    from autograder.storage import records

    from .test_hostile_files import _state

    root = course.copy_course(REPO, tmp_path_factory.mktemp("round4-term") / "course")
    config = root / "nbgrader_config.py"
    old = course.load_config(REPO).CourseDirectory.course_id
    text, count = re.subn(r'(c\.CourseDirectory\.course_id\s*=\s*)"[^"]*"', rf'\1"{NEXT_TERM}"', config.read_text())
    assert count == 1 and old != NEXT_TERM
    config.write_text(text)
    submit_class(root, ASSIGNMENT, {"ana": "solution"})
    run = subprocess.run([*checkout_python(), "-m", "autograder", "grade", ASSIGNMENT], cwd=root, env=checkout_env(),
                         capture_output=True, text=True, timeout=1200)
    recs = {r.student: r for r in records.load(db_url(root), course_id(root), ASSIGNMENT)}
    return {"run": run, "record": recs.get("ana"), "scores": _state(root, "ana") if "ana" in recs else {}, "old": old}


@pytest.mark.nbgrader
@sandboxed
def test_a_course_id_the_notebook_does_not_hash_never_costs_an_honest_student_points(next_term):
    """The locked variant cell hashes the course id written in the notebook, the hidden tests the one of
    nbgrader_config.py: with another course id an honest solution silently lost the tasks whose values come from
    the variant (``graded``, no reason). Grading must either agree with the notebook or refuse, naming both ids."""
    from .test_hostile_files import _auto_total

    record, scores = next_term["record"], next_term["scores"]
    out = next_term["run"].stdout + next_term["run"].stderr
    if scores and record is not None and record.status in ("graded", "flagged"):
        score, maximum = _auto_total(scores)
        assert score == maximum, (scores, record.status, record.reasons)
    else:
        assert NEXT_TERM in out and next_term["old"] in out, out[-3000:]
