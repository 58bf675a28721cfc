"""The grading sandbox, tested with real kernels started by nbgrader's Execute (nbclient) inside bubblewrap.

A student's kernel must not see the gradebook, the source notebooks or other students' submissions,
must not reach the network or write outside its folder, must be stopped by its limits, and how it ended
must be reported as ok / timeout / died / out of memory. An honest notebook must still run normally.
"""

import os
import socket
import subprocess
import threading
import uuid
from pathlib import Path

import nbformat
import pytest

from autograder import sandbox
from autograder.sandbox import cgroups, limits, probe
from autograder.errors import SandboxUnavailable
from autograder.integrity.redteam import ATTACKS

from .conftest import REPO, nbgrader
from .sandbox_helpers import execute, fake_course, output_text

pytestmark = [
    pytest.mark.nbgrader,
    pytest.mark.skipif(not sandbox.sandbox_available()[0], reason=f"bubblewrap unusable: {sandbox.sandbox_available()[1]}"),
]


@pytest.fixture()
def course(tmp_path):
    return fake_course(tmp_path / "course")


@pytest.fixture()
def loopback_server():
    """A TCP server on 127.0.0.1 outside the sandbox; yields its port and whether anyone connected."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(20)
    connected = []

    def accept():
        try:
            connected.append(server.accept())
        except OSError:
            pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], connected
    server.close()


@pytest.fixture()
def home_secret():
    """A file in the grader's $HOME (which holds nothing a kernel may read)."""
    import tempfile
    from pathlib import Path

    handle, name = tempfile.mkstemp(prefix="autograder-test-secret-", dir=Path.home())
    os.close(handle)
    yield Path(name)
    Path(name).unlink()


def test_kernel_cannot_read_course_secrets_reach_network_or_write_outside(course, loopback_server, tmp_path, home_secret):
    port, connected = loopback_server
    outside = tmp_path / "outside.txt"
    attempts = {
        "gradebook": f"open({str(course['gradebook'])!r}).read()",
        "source": f"open({str(course['source'])!r}).read()",
        "other_student": f"open({str(course['other'])!r}).read()",
        "sqlite": f"import sqlite3; sqlite3.connect('file:{course['gradebook']}?mode=ro', uri=True).execute('select 1')",
        "home": f"open({str(home_secret)!r}).read()",
        "loopback": f"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=3)",
        "dns": "import socket; socket.getaddrinfo('pypi.org', 443)",
        "write_course": f"open({str(course['root'] / 'planted.txt')!r}, 'w').write('x')",
        "write_system": "open('/usr/planted.txt', 'w').write('x')",
    }
    probe = (
        "def attempt(label, code):\n"
        "    try:\n"
        "        exec(code)\n"
        "        print(label, 'ALLOWED')\n"
        "    except Exception as error:\n"
        "        print(label, 'blocked', type(error).__name__)\n"
    )
    cells = [probe] + [f"attempt({label!r}, {code!r})" for label, code in attempts.items()]
    cells.append("open('answer.txt', 'w').write('mine'); print('scratch', open('answer.txt').read())")
    # writes elsewhere under /tmp land in the sandbox's private tmpfs, never on the host
    cells.append(f"open({str(outside)!r}, 'w').write('x')")
    # the course root itself is readable (as when the venv lives inside the checkout): secrets must stay masked
    notebook, error, reports, fate = execute(
        cells, course["scratch"], course_root=course["root"], readable_paths=[str(course["root"])]
    )
    text = output_text(notebook)
    assert error is None and fate == "ok", text
    for label in attempts:
        assert f"{label} blocked" in text, f"{label} was not blocked:\n{text}"
    assert "scratch mine" in text
    assert not connected, "the sandboxed kernel reached a server on the host's loopback"
    assert not outside.exists() and not (course["root"] / "planted.txt").exists()
    assert course["gradebook"].read_text() == "secret answers"
    assert reports and reports[0]["sandboxed"] and not reports[0]["died"]


def test_honest_notebook_runs_with_numpy_sklearn_autograder_and_the_newsgroups_cache(course):
    cells = [
        "import warnings, sys, math\nimport numpy as np, pandas as pd, scipy.sparse as sp\n"
        "import matplotlib.pyplot as plt\nfrom sklearn.datasets import fetch_20newsgroups\n"
        "from sklearn.feature_extraction.text import TfidfVectorizer",
        "ng_X, ng_y = fetch_20newsgroups(categories=['comp.graphics', 'sci.crypt'], return_X_y=True)\n"
        "print('posts', len(ng_X), int(ng_y.sum()))",
        "warnings.warn('harmless'); print('to stderr', file=sys.stderr)\n"
        "tfidf = TfidfVectorizer().fit_transform(ng_X[:50]); print('nnz', tfidf.nnz > 0)",
        "plt.plot([1, 2], [3, 4]); plt.show()",
        "from autograder.kernel.answers import close, expect_float\nexpect_float('x', 0.1 + 0.2, 0.3)\nprint('close', close([1.0], [1.0]))",
    ]
    notebook, error, reports, fate = execute(cells, course["scratch"], course_root=course["root"])
    text = output_text(notebook)
    assert error is None and fate == "ok", text
    assert "Error" not in text, text
    posts = int(text.split("posts ")[1].split()[0])
    assert posts > 1000  # the two newsgroups of the training part
    assert "nnz True" in text and "close True" in text and "to stderr" in text


def test_the_kernel_sees_the_trust_boundary_and_the_assignments_only(course):
    """Inside the sandbox the package is its kernel side: the engine cannot be imported, and no answer (samples,
    similarity authors, their bytecode) can be read, nor a .pyc planted where the checks' bytecode is looked up."""
    import importlib.util
    import py_compile

    from autograder import assignments

    name = assignments.names()[0]
    # a regular install compiles every module (pip does): the answers' bytecode exists on the host
    answers = [assignments.get(name).folder / f"{module}.py" for module in ("samples", "similarity_authors")]
    made = [Path(importlib.util.cache_from_source(str(path))) for path in answers]
    made = [pyc for pyc, path in zip(made, answers) if not pyc.exists() and py_compile.compile(str(path), cfile=str(pyc))]
    cells = [
        "import importlib, os, autograder, autograder.assignments as A\n"
        "print('package', sorted(os.listdir(os.path.dirname(autograder.__file__))))",
        "for engine in ('autograder.grading', 'autograder.sandbox', 'autograder.cli', 'autograder.storage'):\n"
        "    try:\n        importlib.import_module(engine); print('imported', engine)\n"
        "    except ImportError as error:\n        print('refused', engine)",
        f"spec = A.get({name!r})\nprint('checks', len(spec.check_modules()) > 0, 'samples', len(spec.samples()))\n"
        f"folder = spec.folder\nprint('sizes', sorted((p.name, p.stat().st_size) for p in folder.glob('*.py') "
        f"if p.stem in ('samples', 'similarity_authors')))\n"
        "print('bytecode', [p.name for p in (folder / '__pycache__').glob('*')] if (folder / '__pycache__').exists() else None)",
        f"try:\n    open(str(spec.folder / '__pycache__' / 'checks.pyc'), 'wb').write(b'x'); print('planted')\n"
        "except OSError as error:\n    print('not planted', type(error).__name__)",
    ]
    try:
        assert all(Path(importlib.util.cache_from_source(str(path))).exists() for path in answers)
        notebook, error, reports, fate = execute(cells, course["scratch"], course_root=course["root"])
    finally:
        for pyc in made:
            pyc.unlink()
    text = output_text(notebook)
    assert error is None and fate == "ok", text
    assert "package ['__init__.py', '__pycache__', 'assignments', 'kernel']" in text or \
        "package ['__init__.py', 'assignments', 'kernel']" in text, text
    assert text.count("refused autograder.") == 4 and "imported" not in text, text
    assert "checks True samples 0" in text, text  # the masked samples module is empty
    assert "('samples.py', 0)" in text and "('similarity_authors.py', 0)" in text, text
    assert "bytecode []" in text or "bytecode None" in text, text
    assert "not planted" in text, text


def test_memory_hog_is_out_of_memory(course):
    notebook, error, reports, fate = execute(["hog = bytearray(64 * 1024 ** 3)", "print('after')"],
                                             course["scratch"], memory_bytes=2 * 1024**3)
    assert fate == "out of memory", output_text(notebook)


def test_os_exit_is_died(course):
    notebook, error, reports, fate = execute(["import os\nos._exit(0)"], course["scratch"])
    assert type(error).__name__ == "DeadKernelError"
    assert fate == "died" and reports[0]["died"]


def test_infinite_loop_is_timeout_and_the_kernel_is_interrupted(course):
    notebook, error, reports, fate = execute(["while True:\n    pass", "print('next cell ran')"],
                                             course["scratch"], timeout=3)
    assert fate == "timeout"
    assert "next cell ran" in output_text(notebook)  # interrupted (message interrupt), not killed


def test_whole_notebook_wall_clock_kills_a_kernel_that_ignores_interrupts(course):
    code = "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\ntime.sleep(120)"
    notebook, error, reports, fate = execute([code], course["scratch"], timeout=60, wall_clock_seconds=4)
    assert fate == "timeout"
    assert reports[0]["wall_clock_expired"] and reports[0]["seconds"] < 30


def test_fork_bomb_is_bounded(course):
    attack = next(a for a in ATTACKS if a.name == "fork_bomb")
    notebook, error, reports, fate = execute([attack.code], course["scratch"], max_processes=64)
    text = output_text(notebook)
    assert "fork refused after" in text and attack.blocked in text, text
    assert int(text.split("fork refused after ")[1].split()[0]) < 64
    assert fate == "ok"


def _cgroups_writable(controller: str) -> bool:
    hierarchy, _ = limits.usable_hierarchy()
    return hierarchy is not None and controller in hierarchy.mounts


# As root (CI runs as root), the cgroup limits must work: skipped only where they cannot exist.
needs_cgroups = pytest.mark.skipif(
    not _cgroups_writable("memory") and not os.environ.get("CI"),
    reason="no usable cgroup hierarchy with the memory controller (root only)",
)


@needs_cgroups
def test_memory_cgroup_kills_a_kernel_that_touches_too_much_memory(course):
    """RLIMIT_AS is generous here: the memory cgroup alone stops the kernel, and its OOM kill is reported."""
    code = "import numpy as np\nblocks = [np.ones(2 ** 27) for _ in range(8)]  # 8 GiB, touched\nprint('after')"
    notebook, error, reports, fate = execute([code], course["scratch"], memory_bytes=64 * 1024**3,
                                             cgroup_memory_bytes=512 * 1024**2)
    assert "after" not in output_text(notebook)
    assert fate == "out of memory" and reports[0]["oom_kills"] >= 1, reports


def test_cpu_time_limit_stops_a_busy_kernel(course):
    """RLIMIT_CPU (Sandbox.cpu_seconds) ends a kernel that burns CPU past it, well before the cell timeout."""
    notebook, error, reports, fate = execute(["while True:\n    pass"], course["scratch"], timeout=120, cpu_seconds=3)
    assert fate == "timeout" and reports[0]["signal"] == "SIGXCPU", reports
    assert reports[0]["seconds"] < 60


@needs_cgroups
def test_stale_cgroups_of_killed_workers_are_swept():
    """Empty groups older than any kernel can live are removed; a group with a process never is."""
    base = limits.usable_hierarchy()[0].base("pids")
    empty, busy = base / f"test-{uuid.uuid4().hex}", base / f"test-{uuid.uuid4().hex}"
    empty.mkdir(parents=True)
    busy.mkdir()
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        (busy / "cgroup.procs").write_text(str(sleeper.pid))
        assert empty not in cgroups.sweep_stale_cgroups(base, older_than=3600), "too young to be stale"
        removed = cgroups.sweep_stale_cgroups(base, older_than=0)
        assert empty in removed and not empty.exists()
        assert busy not in removed and busy.exists()
    finally:
        sleeper.kill()
        sleeper.wait()
        cgroups.cgroup_remove(empty)
        cgroups.cgroup_remove(busy)


def test_file_size_limit(course):
    code = "with open('big.bin', 'wb') as f:\n    f.write(b'x' * (8 * 1024 ** 2))"
    notebook, error, reports, fate = execute([code, "import os\nprint('SIZE', os.path.getsize('big.bin'))"],
                                             course["scratch"], file_size_bytes=1024**2)
    assert "File too large" in output_text(notebook)
    assert int(output_text(notebook).split("SIZE ")[1].split()[0]) <= 1024**2


SANDBOX_ATTACKS = [a for a in ATTACKS if a.blocked or a.fate != "ok"]
SANDBOX_ATTACKS = [a for a in SANDBOX_ATTACKS if a.name not in ("fork_bomb", "memory_hog", "infinite_loop", "os_exit")]


@pytest.mark.parametrize("attack", SANDBOX_ATTACKS, ids=[a.name for a in SANDBOX_ATTACKS])
def test_redteam_attack_is_stopped_by_the_sandbox(course, attack):
    notebook, error, reports, fate = execute([attack.code], course["scratch"], course_root=course["root"])
    text = output_text(notebook)
    assert attack.blocked in text, text
    assert fate == attack.fate


def test_require_sandbox_refuses_without_bubblewrap(monkeypatch):
    monkeypatch.setitem(probe._PROBE, "result", (False, "bubblewrap is not installed"))
    with pytest.raises(SandboxUnavailable, match="apt-get install|not installed"):
        sandbox.check_available(sandbox.Sandbox(require=True))
    with pytest.raises(SandboxUnavailable) as refused:  # the default
        sandbox.check_available(sandbox.Sandbox())
    assert "apt-get install -y bubblewrap" in str(refused.value) and "c.Sandbox.require = False" in str(refused.value)
    with pytest.warns(RuntimeWarning, match="GRADING WITHOUT SANDBOX"):
        assert sandbox.check_available(sandbox.Sandbox(require=False)) is False


def test_plain_nbgrader_autograde_is_sandboxed(tmp_path):
    """`nbgrader autograde` with the course's nbgrader_config.py: attacks score 0 and change nothing."""
    from autograder import course
    from autograder.course import load_config
    from autograder.storage.gradebook import cell_scores
    from autograder.integrity.redteam import make_attack

    root = course.copy_course(REPO, tmp_path / "course")
    name = "tfidf_distances"
    nbgrader(root, "generate_assignment", name, "--force")
    release = nbformat.read(root / "release" / name / f"{name}.ipynb", 4)
    chosen = ["read_source_notebook", "write_other_student"]
    for attack in (a for a in ATTACKS if a.name in chosen):
        folder = root / "submitted" / attack.name / name
        folder.mkdir(parents=True)
        nbformat.write(make_attack(release, attack), folder / f"{name}.ipynb")
    # the attacked "other student" exists, so a write that escaped the sandbox would land in it
    other = root / "submitted" / "other_student" / name
    other.mkdir(parents=True)
    nbformat.write(release, other / f"{name}.ipynb")
    before = (other / f"{name}.ipynb").read_bytes()
    nbgrader(root, "autograde", name, "--force")
    config = load_config(root)
    db_url = f"sqlite:///{root / 'gradebook.db'}"
    for student in chosen:
        scores = cell_scores(db_url, config.CourseDirectory.course_id, name, student)
        assert scores and sum(c.score for c in scores.values() if c.autograded) == 0
        graded = nbformat.read(root / "autograded" / student / name / f"{name}.ipynb", 4)
        assert "FileNotFoundError" in output_text(graded)
    assert (other / f"{name}.ipynb").read_bytes() == before
