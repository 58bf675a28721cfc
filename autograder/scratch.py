"""Temporary folders of grading processes, named after the process that made them, and the removal of those
whose process is gone.

A grading process that is killed (the OOM killer, a crash in native code, a lost Dask worker, SIGKILL)
cannot remove its temporary folders, and they hold a student's submission, a kernel's connection file and
its log. Every such folder is named ``autograder-<kind>-<pid namespace>-<pid>-<random>`` (``make``);
``sweep()`` removes those of this pid namespace whose process no longer exists. A grading process sweeps
its temporary folder once, when it grades its first submission, and the coordinator after each batch.

Only what this user owns is removed, and as root also what a kernel's dedicated uid owns
(``sandbox.kernel_uid``): a folder handed to a kernel that was killed with its worker. Another machine's or
container's processes (another pid namespace) are never judged by their pid here; symbolic links are
never followed.
"""

import os
import re
import shutil
import tempfile
from pathlib import Path

_NAME = re.compile(r"autograder-[a-z]+(?:-[a-z]+)*?-(?P<namespace>\d+)-(?P<pid>\d+)-[^/]+\Z")


def _namespace() -> str:
    try:
        return str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        return "0"


def prefix(kind: str) -> str:
    """The name's beginning for a folder of ``kind`` made by this process."""
    return f"autograder-{kind}-{_namespace()}-{os.getpid()}-"


def make(kind: str) -> Path:
    """A new temporary folder of ``kind`` (grade, worker, kernel, kernel-log, prepared) of this process."""
    return Path(tempfile.mkdtemp(prefix=prefix(kind)))


def _alive(pid: int) -> bool:
    """False only when no process ``pid`` exists (a name with an impossible pid is not judged: kept)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError, ValueError):
        return True
    return True


def _ours(uid: int) -> bool:
    from .sandbox.kernel_uid import UID_BASE, UID_RANGE

    euid = os.geteuid()
    return uid == euid or (euid == 0 and UID_BASE <= uid < UID_BASE + UID_RANGE)


def orphans(folder=None) -> list:
    """The folders in ``folder`` (default: the temporary folder) left by grading processes that are gone."""
    folder = Path(folder or tempfile.gettempdir())
    namespace, found = _namespace(), []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return []
    for entry in entries:
        match = _NAME.match(entry.name)
        if match is None or match["namespace"] != namespace or int(match["pid"]) <= 0 or _alive(int(match["pid"])):
            continue
        try:
            st = entry.lstat()
        except OSError:
            continue
        if entry.is_dir() and not entry.is_symlink() and _ours(st.st_uid):
            found.append(entry)
    return sorted(found)


def sweep(folder=None) -> list:
    """Remove ``orphans(folder)``; returns their names. Never raises: grading goes on whatever the folder holds."""
    removed = []
    try:
        found = orphans(folder)
    except Exception:  # noqa: BLE001 - a clean-up must never stop grading
        return removed
    for entry in found:
        shutil.rmtree(entry, ignore_errors=True)
        if not os.path.lexists(entry):
            removed.append(entry.name)
    return removed


_SWEPT: dict = {"done": False}


def sweep_once() -> None:
    """``sweep()`` the first time a process calls it (a grading process, before its first submission)."""
    if not _SWEPT["done"]:
        _SWEPT["done"] = True
        sweep()
