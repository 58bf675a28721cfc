"""Temporary folders of grading processes: those of a process that is gone are removed, nothing else.

Real processes: a folder made by a child process that was then killed with SIGKILL (it could not clean
up) is an orphan; the folders of a live process, of another machine or boot (another boot id), of another pid
namespace, of another owner, a file and a symbolic link with an orphan's name, folders named by older versions
(no boot id) and by other tools are left alone.
"""

import os
import signal
import subprocess
import tempfile
from pathlib import Path

import pytest

from autograder import scratch

from .conftest import REPO, checkout_env, checkout_python


def _killed_child_folder(tmp_path: Path, kind: str) -> Path:
    """A folder made with ``scratch.make`` by a child process killed right after (it cannot remove it)."""
    code = (f"import tempfile, sys, time; tempfile.tempdir = {str(tmp_path)!r}; from autograder import scratch; "
            f"print(scratch.make({kind!r}), flush=True); time.sleep(60)")
    child = subprocess.Popen([*checkout_python(), "-c", code], cwd=REPO, env=checkout_env(), stdout=subprocess.PIPE,
                             text=True)
    folder = Path(child.stdout.readline().strip())
    (folder / "submission.ipynb").write_text("{}")
    child.send_signal(signal.SIGKILL)
    child.wait()
    child.stdout.close()
    return folder


@pytest.mark.parametrize("kind", ["grade", "worker", "kernel", "kernel-log", "prepared"])
def test_the_folder_of_a_killed_grading_process_is_swept(tmp_path, kind):
    orphan = _killed_child_folder(tmp_path, kind)
    assert orphan.name.startswith(f"autograder-{kind}-") and orphan.exists()
    assert scratch.sweep(tmp_path) == [orphan.name]
    assert not orphan.exists()


def _boot_id() -> str:
    return Path("/proc/sys/kernel/random/boot_id").read_text().strip()


def test_a_folder_name_carries_this_boot_this_pid_namespace_and_this_pid():
    host = _boot_id().replace("-", "")[:12]
    namespace = os.stat("/proc/self/ns/pid").st_ino
    assert scratch.prefix("kernel-log") == f"autograder-kernel-log-{host}-{namespace}-{os.getpid()}-"


def test_nothing_else_is_swept(tmp_path):
    orphan = _killed_child_folder(tmp_path, "grade")
    _, _, host, namespace, dead_pid, _ = orphan.name.split("-", 5)
    assert host == _boot_id().replace("-", "")[:12]
    live = tempfile.mkdtemp(prefix=scratch.prefix("grade"), dir=tmp_path)  # this process: alive
    other_namespace = tmp_path / f"autograder-grade-{host}-{int(namespace) + 1}-{dead_pid}-abcdefgh"
    other_namespace.mkdir()
    # another machine sharing this /tmp (NFS, a container on another host): same initial pid namespace inode,
    # a pid that does not exist here; a process of its own, alive there
    other_host = format(int(host, 16) ^ 1, "012x")
    other_machine = tmp_path / f"autograder-grade-{other_host}-{namespace}-{dead_pid}-abcdefgh"
    other_machine.mkdir()
    # named by the previous version (no boot id): whose it is cannot be told, so it is left alone
    no_host = tmp_path / f"autograder-grade-{namespace}-{dead_pid}-abcdefgh"
    no_host.mkdir()
    unknown_host = tmp_path / f"autograder-grade-{'0' * 12}-{namespace}-{dead_pid}-abcdefgh"
    unknown_host.mkdir()  # made where the boot id could not be read
    old_style = tmp_path / "autograder-grade-x1y2z3w4"  # named by an older version: no process in its name
    old_style.mkdir()
    a_file = tmp_path / f"autograder-kernel-{host}-{namespace}-{dead_pid}-file0001"
    a_file.write_text("not a folder")
    target = tmp_path / "elsewhere"
    target.mkdir()
    (target / "keep.txt").write_text("kept")
    link = tmp_path / f"autograder-worker-{host}-{namespace}-{dead_pid}-link0001"
    link.symlink_to(target)
    impossible = [tmp_path / f"autograder-grade-{host}-{namespace}-{pid}-abcdefgh" for pid in ("0", "9" * 30)]
    for folder in impossible:  # anyone may name a folder in /tmp: a pid that cannot exist stops nothing
        folder.mkdir()
    assert scratch.sweep(tmp_path) == [orphan.name]
    for kept in (Path(live), other_namespace, other_machine, no_host, unknown_host, old_style, a_file, link,
                 target / "keep.txt", *impossible):
        assert kept.exists(), kept


@pytest.mark.parametrize("boot_id", [None, "", "not a boot id\n", "\xff\xfe", "0" * 32])
def test_without_a_readable_boot_id_nothing_is_swept_and_nothing_raises(tmp_path, monkeypatch, boot_id):
    orphan = _killed_child_folder(tmp_path, "grade")
    fake = tmp_path / "boot_id"  # None: the file does not exist
    if boot_id is not None:
        fake.write_bytes(boot_id.encode("latin-1"))
    monkeypatch.setattr(scratch, "BOOT_ID", fake)
    assert scratch.prefix("grade").startswith(f"autograder-grade-{'0' * 12}-")
    assert scratch.sweep(tmp_path) == []
    assert orphan.exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a folder to another owner needs root")
def test_a_folder_of_another_user_is_left_but_one_of_a_kernel_uid_is_swept(tmp_path):
    from autograder.sandbox.kernel_uid import UID_BASE

    stranger = _killed_child_folder(tmp_path, "grade")
    os.chown(stranger, 1234, 1234)  # an account's, not ours
    kernels = _killed_child_folder(tmp_path, "kernel")
    os.chown(kernels, UID_BASE + 7, UID_BASE + 7)  # handed to a kernel's dedicated uid when its worker died
    assert scratch.sweep(tmp_path) == [kernels.name]
    assert stranger.exists()


def test_a_missing_folder_sweeps_nothing(tmp_path):
    assert scratch.sweep(tmp_path / "not-there") == []


def test_the_default_folder_is_the_temporary_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    orphan = _killed_child_folder(tmp_path, "worker")
    assert scratch.sweep() == [orphan.name]
