"""Tamper detection: honest and mistaken samples have no findings; every red-team attack is found.

The static scan runs over real sample submissions built from the course's source and release notebooks;
the runtime checks run in a real sandboxed grading kernel (with the course's quiet_kernel extension, as
in `nbgrader autograde`), after the attack code, by the same code the hidden-test checks call.
"""

import nbformat
import pytest

from autograder import course, integrity, sandbox
from autograder.assignments.samples import make_submission, samples_for
from autograder.integrity.redteam import ATTACKS, attacks_for, make_attack

from .conftest import REPO
from .sandbox_helpers import execute, fake_course, output_text


def _notebooks(name):
    for notebook in sorted((REPO / "source" / name).glob("*.ipynb")):
        release = REPO / "release" / name / notebook.name
        if release.exists():
            yield nbformat.read(notebook, 4), nbformat.read(release, 4)


def _assignments_with_samples():
    names = []
    for name in course.assignments(REPO):
        try:
            samples_for(name)
        except ModuleNotFoundError:
            continue
        names.append(name)
    return names


SAMPLE_CASES = [(name, s) for name in _assignments_with_samples() for s in samples_for(name) if s.kind != "blank"]


@pytest.mark.parametrize("name,sample", SAMPLE_CASES, ids=[f"{n}-{s.name}" for n, s in SAMPLE_CASES])
def test_honest_and_mistaken_samples_have_no_findings(name, sample):
    notebooks = list(_notebooks(name))
    assert notebooks, f"no built release of {name}"
    for source_nb, release_nb in notebooks:
        findings = integrity.scan_notebook(make_submission(source_nb, release_nb, sample))
        assert findings == [], [str(f) for f in findings]


def test_hidden_tests_are_trusted_but_not_student_cells():
    source_nb, release_nb = next(_notebooks("tfidf_distances"))
    assert integrity.scan_notebook(source_nb), "the hidden tests import autograder: untrusted, they are findings"
    assert integrity.scan_notebook(source_nb, trusted=[source_nb, release_nb]) == []
    attacked = make_attack(release_nb, next(a for a in ATTACKS if a.name == "patch_allclose"))
    assert integrity.scan_notebook(attacked, trusted=[source_nb, release_nb]), "a student cell was trusted"


STATIC_CASES = [(name, a) for name in _assignments_with_samples() for a in attacks_for(name)]


@pytest.mark.parametrize("name,attack", STATIC_CASES, ids=[f"{n}-{a.name}" for n, a in STATIC_CASES])
def test_static_scan_finds_each_attack(name, attack):
    _, release_nb = next(_notebooks(name))
    findings = integrity.scan_notebook(make_attack(release_nb, attack))
    if attack.flag is None:
        assert findings == [], [str(f) for f in findings]  # resource attacks: the sandbox's job
    else:
        assert any(f.kind == attack.flag and attack.reason in f.message for f in findings), (
            f"{attack.name}: expected a {attack.flag!r} finding mentioning {attack.reason!r}, got {[str(f) for f in findings]}"
        )


@pytest.mark.parametrize(
    "code",
    [
        "import warnings, sys, math\nwarnings.warn('w')\nprint('x', file=sys.stderr)\ny = math.log(2)",
        "import numpy as np\nnp.set_printoptions(precision=3)\nimport pandas as pd\npd.options.display.max_rows = 5",
        "%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.rcParams['figure.figsize'] = (4, 3)",
        "total = 0\nfor value in [1, 2]:\n    total += value\nclass Point:\n    def __init__(self, x):\n        self.x = x",
        "def broken(:\n    pass",  # a syntax error is a mistake, not tampering
    ],
)
def test_ordinary_student_code_is_not_flagged(code):
    assert integrity.scan_source(code, "cell") == []


RUNTIME_CASES = [a for a in ATTACKS if a.runtime]


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return fake_course(tmp_path_factory.mktemp("course") / "course")["scratch"]


REPORT = "from autograder.kernel.integrity import report_runtime\nreport_runtime()"


@pytest.mark.nbgrader
@pytest.mark.skipif(not sandbox.sandbox_available()[0], reason="bubblewrap unusable")
def test_runtime_checks_are_quiet_for_honest_code(scratch):
    cells = [
        "import warnings, sys\nimport numpy as np, pandas as pd, scipy.sparse as sp\nimport matplotlib.pyplot as plt\n"
        "warnings.warn('w'); print('e', file=sys.stderr)\nanswer = np.float64(0.5); frame = pd.DataFrame({'a': [1]})\n"
        "plt.plot([1, 2]); plt.show()\nlabels = ('comp.graphics', 'sci.crypt')",
        "from autograder.kernel.answers import check\n@check\ndef check_answer(x):\n    return 'fine'\ncheck_answer(answer)",
        REPORT,
    ]
    notebook, error, reports, fate = execute(cells, scratch)
    assert fate == "ok", output_text(notebook)
    assert "✓ fine" in output_text(notebook)
    assert integrity.findings_from_outputs(notebook) == []


@pytest.mark.nbgrader
@pytest.mark.skipif(not sandbox.sandbox_available()[0], reason="bubblewrap unusable")
@pytest.mark.parametrize("attack", RUNTIME_CASES, ids=[a.name for a in RUNTIME_CASES])
def test_runtime_checks_find_the_attack_and_checks_refuse(scratch, attack):
    check = "from autograder.kernel.answers import check\n@check\ndef check_answer():\n    return 'passed'\ncheck_answer()"
    notebook, error, reports, fate = execute(["import numpy as np", attack.code, check, REPORT], scratch)
    findings = integrity.findings_from_outputs(notebook)
    assert any(attack.runtime in f.message for f in findings), (attack.name, [str(f) for f in findings], output_text(notebook))
    assert "✓ passed" not in output_text(notebook), "a check passed in a tampered kernel"


def test_runtime_names_a_value_whose_comparisons_could_lie():
    """Inside the kernel, a user value of a class defining __eq__ is a finding; NumPy arrays and floats are not."""
    import numpy as np

    from autograder.kernel import integrity as runtime

    class AlwaysEqual:
        def __eq__(self, other):
            return True

    assert "defines __eq__" in runtime._lying_type(AlwaysEqual())
    assert runtime._lying_type(np.array([1.0])) is None and runtime._lying_type(0.5) is None
