"""Forked kernels (``autograder.sandbox.forked``): each submission's kernel forked from a prepared process.

Real sandboxed kernels through nbgrader's Execute (``tests/sandbox_helpers.execute``) and real gradings through
``grade_one``. A hostile submission runs first, in a kernel forked by this process's prepared process: it leaves a
detached process that kills everything it sees, drops files (a ``sitecustomize.py`` among them) in every folder it
can write, makes SysV IPC objects, ptraces and signals every process it can name, or fork-bombs. The honest
notebook forked next by the same prepared process sees none of it and grades as it does in a fresh kernel.
"""

import dataclasses
import os
import shutil
import signal
import time
from pathlib import Path

import nbformat
import pytest

from autograder import sandbox
from autograder.grading import batch
from autograder.grading.grade_one import grade_one
from autograder.assignments.samples import make_submission, samples_for
from autograder.sandbox import forkserver

from .sandbox_helpers import execute, fake_course, output_text

pytestmark = [pytest.mark.nbgrader,
              pytest.mark.skipif(not sandbox.sandbox_available()[0], reason="bubblewrap unusable")]

PLANTED = "raise SystemExit('planted by an earlier submission')\n"
# Every folder a kernel can name, written to where it can: a sitecustomize.py, an IPython startup file, a marker
PLANT = r"""
import os, pathlib
from ipykernel.connect import get_connection_file
folders = ["/tmp", "/tmp/ipython/profile_default/startup", "/dev/shm", os.getcwd(), os.path.expanduser("~"),
           os.path.dirname(get_connection_file()), "/", "/dev", "/proc/self/cwd/.."]
planted = []
for folder in folders:
    try:
        os.makedirs(folder, exist_ok=True)
        for name in ("sitecustomize.py", "usercustomize.py", "00-startup.py", "planted.txt"):
            pathlib.Path(folder, name).write_text(%r)
        planted.append(folder)
    except OSError:
        pass
for connection in pathlib.Path(get_connection_file()).parent.glob("*"):
    planted.append(str(connection))
print("PLANTED", planted)
""" % PLANTED
IPC = r"""
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
print("SHM", libc.shmget(0x5EED, 4096, 0o1666), "SEM", libc.semget(0x5EED, 1, 0o1666), "MSG", libc.msgget(0x5EED, 0o1666))
"""
DAEMON = r"""
import os, time, signal
own = {t.native_id for t in __import__("threading").enumerate()} | {os.getpid()}
child = os.fork()
if child == 0:
    os.setsid()
    if os.fork() == 0:  # detached: kills every process it can name, forever, and keeps writing
        while True:
            for n in range(2, 400):
                if n != os.getpid() and n not in own:
                    try:
                        os.kill(n, signal.SIGKILL)
                    except OSError:
                        pass
            try:
                open("/tmp/daemon-alive", "w").write(str(time.time()))
                open(os.path.join(os.environ.get("PWD", "/tmp"), "daemon-alive"), "w").write("x")
            except OSError:
                pass
            time.sleep(0.02)
    os._exit(0)
os.waitpid(child, 0)
time.sleep(0.3)
print("DAEMON LEFT")
"""
# The prepared process is not in the kernel's pid namespace. Where /proc could not be mounted anew (bubblewrap as
# root), the kernel still sees the sandbox's processes by their numbers there: the ones not its own (a single
# NSpid entry, while its own have two) are the prepared process, its keepers and bubblewrap's init. It ptraces,
# reads and signals each of them, and every number its own namespace does not hold.
PTRACE = r"""
import ctypes, os, signal
libc = ctypes.CDLL(None, use_errno=True)
def nspids(n):
    try:
        return [line.split()[1:] for line in open(f"/proc/{n}/status") if line.startswith("NSpid")][0]
    except (OSError, IndexError):
        return []
visible = {int(p): nspids(p) for p in os.listdir("/proc") if p.isdigit()}
deeper = any(len(ids) > 1 for ids in visible.values())
others = sorted(n for n, ids in visible.items() if deeper and len(ids) == 1 and n != 1)  # 1: bubblewrap's init
reached, environments = [], b""
for n in others:
    if libc.ptrace(16, n, 0, 0) == 0:  # PTRACE_ATTACH
        reached.append(("ptrace", n))
    for name in ("mem", "environ"):
        try:
            with open(f"/proc/{n}/{name}", "rb") as handle:
                handle.read(1)
            reached.append((name, n))
        except OSError:
            pass
for n in range(1, 1000):
    try:
        os.kill(n, 0)
        continue  # a process of this kernel's own namespace
    except ProcessLookupError:
        pass
    for number in (signal.SIGSTOP, signal.SIGKILL):
        try:
            os.kill(n, number)
            reached.append((number.name, n))
        except OSError:
            pass
for n in visible:
    try:
        environments += open(f"/proc/{n}/environ", "rb").read()
    except OSError:
        pass
print("REACHED", reached, "OTHERS", others, "HOST SECRET SEEN", b"host-secret-4711" in environments)
"""
FORK_BOMB = r"""
import os, time
started = time.time()
if os.fork() == 0:
    while True:
        try:
            os.fork()
        except OSError:
            time.sleep(0.01)
time.sleep(2)
print("BOMB LEFT")
"""
PROBE = r"""
import os, ctypes, sys, numpy as np
from ipykernel.connect import get_connection_file
libc = ctypes.CDLL(None, use_errno=True)
seen = []
for folder in ["/tmp", "/tmp/ipython/profile_default/startup", "/dev/shm", os.getcwd(), os.path.expanduser("~"),
               os.path.dirname(get_connection_file()), "/", "/dev"]:
    try:
        seen += [os.path.join(folder, n) for n in os.listdir(folder) if "planted" in n or "customize" in n
                 or "daemon" in n or n == "00-startup.py"]
    except OSError:
        pass
print("SEEN", seen)
print("IPC", libc.shmget(0x5EED, 0, 0), libc.semget(0x5EED, 0, 0), libc.msgget(0x5EED, 0))
print("SITE", [m for m in ("sitecustomize", "usercustomize") if m in sys.modules and "planted" in str(sys.modules[m])])
print("SUM", int(np.arange(10).sum()))
"""
CLEAN = "SEEN []\nIPC -1 -1 -1\nSITE []\nSUM 45"


@pytest.fixture
def scratch(tmp_path):
    folder = fake_course(tmp_path / "course")["scratch"]
    (folder / "data.csv").write_text("a,b\n1,2\n")
    return folder


def _run(cells, scratch, **settings):
    notebook, error, reports, fate = execute(cells, scratch, forked_kernels=True, **settings)
    return output_text(notebook), error, reports


def _zygote():
    server = forkserver._current()
    return (server.pid, forkserver.started()) if server is not None else (None, forkserver.started())


def test_a_forked_kernel_runs_the_notebook_in_its_own_folder(server_reset, scratch):
    text, error, reports = _run(["import os\nprint('CWD', os.getcwd(), open('data.csv').read().split())",
                                 "print('PID', os.getpid())"], scratch)
    assert error is None, text
    assert reports[0]["forked"] is True and reports[0]["scratch"] == str(scratch), reports
    assert "['a,b', '1,2']" in text and f"CWD {scratch}" not in text  # a copy of the notebook's folder
    assert list(scratch.iterdir()) == [scratch / "data.csv"]  # nothing the kernel did reaches the notebook folder
    second, _, again = _run(["print('again')"], scratch)
    assert "again" in second and again[0]["forked"] is True and again[0]["pid"] != reports[0]["pid"]


@pytest.mark.parametrize("attack", ["plant", "ipc", "daemon", "ptrace", "fork_bomb"])
def test_an_honest_notebook_forked_after_an_attack_sees_nothing_of_it(server_reset, scratch, attack, monkeypatch):
    monkeypatch.setenv("AUTOGRADER_TEST_HOST_SECRET", "host-secret-4711")  # in the grading process's environment
    cells = {"plant": [PLANT], "ipc": [IPC], "daemon": [DAEMON], "ptrace": [PTRACE], "fork_bomb": [FORK_BOMB]}[attack]
    _run(["print('warm')"], scratch)
    before = _zygote()
    text, _, reports = _run(cells, scratch, max_processes=64)
    assert reports[0]["forked"] is True
    if attack == "plant":
        assert "PLANTED ['/tmp'" in text, text  # it did write: /tmp, /dev/shm, its folders...
    if attack == "ptrace":
        assert "REACHED [] OTHERS" in text and "HOST SECRET SEEN False" in text, text  # nothing outside its own kernel
    honest, error, after_reports = _run([PROBE], scratch)
    assert error is None and CLEAN in honest, honest
    assert after_reports[0]["forked"] is True
    assert _zygote() == before  # the same prepared process forked both: it was never reached
    assert not forkserver.descendants(before[0])  # nothing of either kernel is left in the sandbox
    status = Path(f"/proc/{before[0]}/status").read_text()
    assert "TracerPid:\t0" in status and "Threads:\t1\n" in status and "(stopped)" not in status


@pytest.mark.parametrize("forked", [False, True])
def test_no_kernel_reads_the_grading_process_environment(server_reset, scratch, monkeypatch, forked):
    """bubblewrap's init (pid 1 of a fresh sandbox, a fork of bwrap) keeps the environment bwrap was started with,
    readable in /proc/1/environ: bwrap is started with none of the grader's (a database password, a hub token)."""
    monkeypatch.setenv("AUTOGRADER_TEST_HOST_SECRET", "host-secret-4711")
    cell = ("import os\nseen = b''\nfor n in os.listdir('/proc'):\n    try:\n        seen += open(f'/proc/{n}/environ', 'rb').read()\n"
            "    except OSError:\n        pass\nprint('SEEN', b'host-secret-4711' in seen, b'PATH=' in seen)")
    notebook, error, reports, _ = execute([cell], scratch, forked_kernels=forked)
    assert error is None and "SEEN False True" in output_text(notebook), output_text(notebook)
    assert reports[0].get("forked") is (True if forked else None)


def _ended(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in "ZX"
    except OSError:
        return True


def test_a_prepared_process_that_died_is_replaced(server_reset, scratch):
    _run(["print('warm')"], scratch)
    pid, started = _zygote()
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while not _ended(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    text, error, reports = _run([PROBE], scratch)
    assert error is None and CLEAN in text and reports[0]["forked"] is True
    assert _zygote()[1] == started + 1 and _zygote()[0] != pid


def test_a_prepared_process_that_hangs_is_discarded_and_the_notebook_gets_a_fresh_kernel(server_reset, scratch,
                                                                                           monkeypatch):
    monkeypatch.setattr(forkserver, "ANSWER_SECONDS", 3)
    _run(["print('warm')"], scratch)
    pid, started = _zygote()
    os.kill(pid, signal.SIGSTOP)
    text, error, reports = _run([PROBE], scratch)
    assert error is None and CLEAN in text and "forked" not in reports[0]
    assert "did not fork in time" in reports[0]["fork_fallback"], reports
    assert _ended(pid) and _zygote() == (None, started)  # discarded, stopped as it was
    text, error, reports = _run([PROBE], scratch)
    assert error is None and reports[0]["forked"] is True and _zygote()[1] == started + 1


def test_without_what_forking_needs_the_kernel_starts_fresh_and_says_why(server_reset, scratch, monkeypatch):
    """A bubblewrap that refuses the prepared process's options (a setuid bwrap refuses --cap-add, say)."""
    real = forkserver.bwrap_argv
    monkeypatch.setattr(forkserver, "bwrap_argv", lambda *a, **k: [real(*a, **k)[0], "--no-such-option"])
    text, error, reports = _run([PROBE], scratch)
    assert error is None and CLEAN in text
    assert "forked" not in reports[0] and "did not start" in reports[0]["fork_fallback"], reports


def test_the_summary_says_which_submissions_got_a_fresh_kernel_and_why(server_reset, built_course, tmp_path,
                                                                       monkeypatch):
    """A bubblewrap that refuses the prepared process's options: graded all the same, and the run says so."""
    from autograder.grading import grade_assignment

    assignment = "artificial_neurons"
    root = Path(shutil.copytree(built_course, tmp_path / "course"))
    source = nbformat.read(root / "source" / assignment / f"{assignment}.ipynb", 4)
    release = nbformat.read(root / "release" / assignment / f"{assignment}.ipynb", 4)
    solution = next(s for s in samples_for(assignment) if s.name == "solution")
    folder = root / "submitted" / "ana" / assignment
    folder.mkdir(parents=True)
    nbformat.write(make_submission(source, release, solution), folder / f"{assignment}.ipynb")
    real = forkserver.bwrap_argv
    monkeypatch.setattr(forkserver, "bwrap_argv", lambda *a, **k: [real(*a, **k)[0], "--no-such-option"])
    summary = grade_assignment(root, assignment, workers=0, progress=False, require_sandbox=True, feedback=False)
    record = next(r for r in summary.records if r.student == "ana")
    assert record.status == "graded" and record.reasons == [] and record.score > 0, record.reasons
    assert list(summary.fresh_kernels) == ["ana"] and "did not start" in summary.fresh_kernels["ana"]
    assert "fresh kernels for 1 submission(s), c.Sandbox.forked_kernels could not be used" in summary.table()


@pytest.mark.parametrize("assignment", ["tfidf_distances", "artificial_neurons"])
def test_grades_are_the_same_with_and_without_forked_kernels(server_reset, built_course, tmp_path, assignment):
    """Variants on (the course's default): each forked kernel is told its student at the fork."""
    root = Path(shutil.copytree(built_course, tmp_path / "course"))
    source = nbformat.read(root / "source" / assignment / f"{assignment}.ipynb", 4)
    release = nbformat.read(root / "release" / assignment / f"{assignment}.ipynb", 4)
    chosen = [s for s in samples_for(assignment) if s.name != "dense_loops"][:6]
    for sample in chosen:
        folder = root / "submitted" / sample.name / assignment
        folder.mkdir(parents=True)
        nbformat.write(make_submission(source, release, sample), folder / f"{assignment}.ipynb")
    jobs = batch.plan(root, assignment, force=True, feedback=False).jobs
    fresh = [grade_one(dataclasses.replace(job, overrides=job.overrides + (("Sandbox.forked_kernels", False),)))
             for job in jobs]
    forked = [grade_one(dataclasses.replace(job, overrides=job.overrides + (("Sandbox.forked_kernels", True),)))
              for job in jobs]
    assert all(k.get("forked") is None for r in fresh for k in r.kernels)
    assert [[k.get("forked") for k in r.kernels] for r in forked] == [[True]] * len(jobs)
    assert {r.status for r in fresh} >= {"graded"}
    for before, after in zip(fresh, forked):
        assert (before.status, before.kernel, before.cells, before.comments, before.reasons) == \
            (after.status, after.kernel, after.cells, after.comments, after.reasons), before.student
