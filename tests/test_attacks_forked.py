"""Red team, forked kernels (#20): what one submission's kernel leaves for, or learns of, the next one forked by the
same prepared process, and what of the prepared process's sandbox it reaches.

Real sandboxed kernels through nbgrader's Execute (``SandboxedExecute``, as ``tests/sandbox_helpers.execute`` starts
them), forked one after another by this process's prepared process. A hostile kernel runs first; the kernel forked next looks for what it left.

Where /proc cannot be mounted anew in a fork (bubblewrap run as root), the kernel still sees the sandbox's /proc:
pid 1 there is bubblewrap's init, which is dumpable and has the kernel's uid, so ``/proc/1/root`` (the prepared
process's own /tmp, /dev/shm and the host's log folder of the forks) and ``/proc/1/fd`` (the prepared process's
control pipes, which bubblewrap's init holds as its stdin and stdout) are open to the kernel.
"""

import re
import subprocess

import pytest

from autograder import sandbox
from autograder.sandbox import forkserver

from .sandbox_helpers import fake_course

pytestmark = [pytest.mark.nbgrader,
              pytest.mark.skipif(not sandbox.sandbox_available()[0], reason="bubblewrap unusable")]


@pytest.fixture
def scratch(tmp_path):
    return fake_course(tmp_path / "course")["scratch"]


def run(cells, scratch, **settings):
    """Execute ``cells`` in a forked sandboxed kernel as `nbgrader autograde` does: the notebook's text output and
    the kernel's report (``test_attacks_forked2.run``)."""
    from .test_attacks_forked2 import run as run_in_kernel

    return run_in_kernel(cells, scratch, forked=True, **settings)


def _pid():
    server = forkserver._current()
    return server.pid if server is not None else None


# --- 1. the prepared process's control channel, through bubblewrap's init (/proc/1/fd/0 and /proc/1/fd/1) -----------

# The kernel opens the prepared process's stdin (the host's requests) for writing and writes one request of its own:
# a kernel with no rlimits, no control group ("wait": false) and its own connection file, i.e. a process outside
# every limit of the grading, forked by the prepared process on the kernel's word.
INJECT = r"""
import json, os, time
folder = os.getcwd()
rogue = json.dumps({"fork": 4242, "cwd": folder, "argv": ["-c", "import os, time; open('rogue-ran', 'w').write(open('/proc/self/cgroup').read() + str(os.getuid())); time.sleep(600)"],
                    "env": {}, "log": folder + "/rogue.log", "rlimits": {}, "uid": None, "tmp_bytes": 64 << 20,
                    "wait": False, "keep": [folder], "hide": []})
opened = []
for fd in (0, 1):
    try:
        with open(f"/proc/1/fd/{fd}", "w") as pipe:
            opened.append(fd)
            if fd == 0:
                pipe.write(rogue + "\n")
    except OSError:
        pass
for _ in range(40):
    if os.path.exists("rogue-ran"):
        break
    time.sleep(0.25)
print("LOG", open("rogue.log").read()[-600:] if os.path.exists("rogue.log") else None)
print("OPENED", opened, "ROGUE RAN", os.path.exists("rogue-ran"))
print("OWN CGROUP", open("/proc/self/cgroup").read().split())
print("ROGUE CGROUP", open("rogue-ran").read().split() if os.path.exists("rogue-ran") else None)
"""


def test_a_kernel_cannot_write_to_the_prepared_process_control_channel(server_reset, scratch):
    """Its stdin: a request of the kernel's making forks a process outside the kernel's limits (no rlimit, no control
    group, any uid the request names). Its stdout: the host's reader takes any line there as the prepared process's
    word (``{"ended": N}``, ``{"forked": N, "pid": P}``)."""
    run(["print('warm')"], scratch)
    text, report = run([INJECT], scratch)
    assert "OPENED [] ROGUE RAN False" in text, text


# --- 2. the prepared process's own /tmp and /dev/shm, and the forks' log folder, through /proc/1/root ----------------

PLANT_ROOT = r"""
import glob, os
planted = []
logs = glob.glob("/proc/1/root/tmp/autograder-fork-log-*") + glob.glob("/proc/1/root/tmp/*/autograder-fork-log-*")
for folder in ["/proc/1/root/tmp", "/proc/1/root/dev/shm"] + logs:
    try:
        with open(os.path.join(folder, "planted-by-A"), "w") as handle:
            handle.write("from the earlier submission")
        planted.append(folder)
    except OSError:
        pass
print("PLANTED", planted)
"""
READ_ROOT = r"""
import glob
found = glob.glob("/proc/1/root/tmp/planted-by-A") + glob.glob("/proc/1/root/dev/shm/planted-by-A")
print("FOUND", found, [open(p).read() for p in found])
"""


def test_nothing_a_kernel_writes_into_the_prepared_process_sandbox_reaches_the_next_kernel(server_reset, scratch):
    """The prepared process's /tmp and /dev/shm are tmpfs of its sandbox, alive as long as it is: what one kernel
    writes there (through /proc/1/root) the next kernel reads: a channel between two submissions (and the host's log
    folder of the forks, zygote.log in it, is writable there too)."""
    run(["print('warm')"], scratch)
    pid = _pid()
    planted, _ = run([PLANT_ROOT], scratch)
    found, _ = run([READ_ROOT], scratch)
    assert _pid() == pid  # the same prepared process forked both
    assert "PLANTED []" in planted and "FOUND [] []" in found, (planted, found)


# --- 3. the kernel keyring of the sandbox's user namespace ----------------------------------------------------------

ADD_KEY = r"""
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
print("ADDED", libc.syscall(248, b"user", b"left-by-A", b"from the earlier submission", 27, -4) > 0)  # add_key, @u
"""
FIND_KEY = r"""
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
key = libc.syscall(250, 10, -4, b"user", b"left-by-A", 0)  # keyctl(KEYCTL_SEARCH, @u, ...)
value = ctypes.create_string_buffer(64)
size = libc.syscall(250, 11, key, value, 64) if key > 0 else 0  # KEYCTL_READ
print("KEY", value.raw[:max(size, 0)])
"""


def test_a_key_one_kernel_adds_to_its_user_keyring_is_not_in_the_next_kernel(server_reset, scratch):
    """Every fork is uid 0 of the same user namespace (the prepared process's sandbox): they share one user keyring,
    which outlives each kernel. A fresh kernel has a user namespace, and so a keyring, of its own."""
    run(["print('warm')"], scratch)
    added, _ = run([ADD_KEY], scratch)
    found, _ = run([FIND_KEY], scratch)
    assert "KEY b''" in found, (added, found)  # added or refused (a seccomp filter, say): never seen by the next one


# --- 5. state every fork shares: NumPy's global random generator ----------------------------------------------------

RANDOM = "import numpy as np\nprint('DRAW', np.random.randint(0, 2**62))"


def test_two_forked_kernels_do_not_draw_the_same_unseeded_random_numbers(server_reset, scratch):
    """NumPy's global generator was seeded once, in the prepared process: without a reseed at fork every kernel
    draws the same numbers (a fresh kernel draws its own), so whoever sees one submission's draws knows every other's."""
    first, _ = run([RANDOM], scratch)
    second, _ = run([RANDOM], scratch)
    assert re.search(r"DRAW \d+", first) and re.search(r"DRAW \d+", second), (first, second)
    assert first != second, (first, second)


# --- 1b. the host's reader of the prepared process's stdout: one line without end ------------------------------------

FLOOD = r"""
chunk = b"x" * (1 << 20)
written = 0
try:
    with open("/proc/1/fd/1", "wb", buffering=0) as pipe:  # the prepared process's stdout: the host reads it by lines
        for _ in range(384):
            written += pipe.write(chunk)
except OSError as error:
    print("REFUSED", error)
print("WROTE MiB", written >> 20)
"""


def test_a_kernel_cannot_grow_the_grading_process_memory_through_the_control_channel(server_reset, scratch, monkeypatch):
    """The host reads the prepared process's answers by lines (``for line in stdout``): bytes with no newline are
    kept in the grading process's memory, outside every limit of the kernel (384 MiB here; a kernel may write for
    its whole wall clock). The prepared process's next answer (this kernel's end) is lost in that line too."""
    import resource

    monkeypatch.setattr(forkserver, "ANSWER_SECONDS", 5)
    run(["print('warm')"], scratch)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss << 10
    text, _ = run([FLOOD], scratch)
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss << 10) - before
    assert grown < 128 << 20, (text, f"the grading process grew by {grown >> 20} MiB")


# --- 6. a folder nested too deep for the host's sweep, left in the kernel's runtime folder ---------------------------

DEEP = r"""
import os
from ipykernel.connect import get_connection_file
os.chdir(os.path.dirname(get_connection_file()))  # the kernel's runtime folder: its own, writable
for _ in range(3000):
    os.mkdir("d")
    os.chdir("d")
print("DEEP", os.getcwd().count("/d"))
"""


def test_a_folder_nested_too_deep_in_one_kernel_runtime_folder_does_not_break_the_next_kernel(server_reset, scratch):
    """``shutil.rmtree`` recurses once per level: the manager's removal of the runtime folder and the prepared
    process's sweep (``ForkServer.settle``) both fail past the recursion limit, the prepared process is kept (the check
    for leftovers comes after the sweep) and so is the folder, in the shared runtime folder of the forks: the next
    kernel's sweep fails on it again, after an honest notebook."""
    run(["print('warm')"], scratch)
    server = forkserver._current()
    try:
        _deep_then_honest(scratch)
    finally:  # never leave the tree behind, whatever the code under test did (rm removes it without recursing)
        forkserver._STATE["servers"].clear()
        subprocess.run(["rm", "-rf", str(server.work), str(server.runtime), str(server.logs)], cwd=scratch, check=False)
        server.discard()


def _deep_then_honest(scratch):
    try:
        text, _ = run([DEEP], scratch)
    except Exception as error:  # noqa: BLE001 - the attacker's own notebook may fail: only the next one matters
        text = f"{type(error).__name__}: {error}"
    try:
        honest, report = run(["print('HONEST', 6 * 7)"], scratch)
    except Exception as error:  # noqa: BLE001 - what the next student's grading meets
        honest = f"{type(error).__name__}: {str(error)[:300]}"
    assert "HONEST 42" in honest, (text[-300:], honest)


# --- 7. the host's copy of the notebook folder: modes, setuid included ----------------------------------------------

def test_the_copy_of_the_notebook_folder_carries_no_setuid_or_setgid_bit(server_reset, scratch):
    """``copy_folder`` (root, ``shutil.copy2``) copies each file's mode whole: a submitted file marked setuid (a student
    may set it on their own file; nbgrader's collect copies modes too) becomes a root-owned setuid file in the fork's
    working folder, under the host's /tmp in folders every local user may cross (0755), for as long as the kernel
    runs: any local account (a JupyterHub user on the grading machine) runs it as root."""
    tool = scratch / "tool"
    tool.write_bytes(b"#!/bin/sh\nid\n")
    tool.chmod(0o6755)
    text, report = run(["import os\nst = os.stat('tool')\nprint('MODE', oct(st.st_mode & 0o7777), 'UID', st.st_uid, "
                        "'PATH', os.getcwd())"], scratch)
    mode = int(re.search(r"MODE 0o(\d+)", text).group(1), 8)
    assert mode & 0o6000 == 0, text
