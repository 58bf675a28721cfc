"""Temporary folders of grading processes, named after the process that made them, and the removal of those
whose process is gone.

A grading process that is killed (the OOM killer, a crash in native code, a lost Dask worker, SIGKILL)
cannot remove its temporary folders, and they hold a student's submission, a kernel's connection file and
its log. Every such folder is named ``autograder-<kind>-<host>-<pid namespace>-<pid>-<random>`` (``make``),
``<host>`` being this boot of this machine (the first 12 hex digits of ``/proc/sys/kernel/random/boot_id``);
``sweep()`` removes those of this boot and pid namespace whose process no longer exists. A grading process
sweeps its temporary folder once, when it grades its first submission, and the coordinator after each batch.

A pid means something only on the machine, boot and pid namespace that gave it out: the initial pid
namespace has the same inode on every machine, so a /tmp shared between machines (NFS) or with containers
holds folders of processes this one cannot see. Only folders of this boot and namespace are judged; another
machine's or boot's, another namespace's, and folders named by older versions (``autograder-<kind>-<pid
namespace>-<pid>-...``, no host: whose they are cannot be known) are left alone; where the boot id cannot be
read nothing is removed. Only what this user owns is removed, and as root also what a kernel's dedicated uid
owns (``sandbox.kernel_uid``): a folder handed to a kernel that was killed with its worker. Symbolic links
are never followed.
"""

import os
import re
import shutil
import tempfile
from pathlib import Path

_NAME = re.compile(r"autograder-[a-z]+(?:-[a-z]+)*?-(?P<host>[0-9a-f]{12})-(?P<namespace>\d+)-(?P<pid>\d+)-[^/]+\Z")
BOOT_ID = Path("/proc/sys/kernel/random/boot_id")
NO_HOST = "0" * 12  # in the names of a process that cannot read its boot id: never judged by anyone


def _host() -> str:
    """This boot of this machine: the first 12 hex digits of its boot id, or "" if it cannot be read."""
    try:
        digits = BOOT_ID.read_text().strip().replace("-", "").lower()
    except (OSError, UnicodeDecodeError):
        return ""
    return digits[:12] if re.fullmatch(r"[0-9a-f]{12,}", digits) and digits[:12] != NO_HOST else ""


def _namespace() -> str:
    try:
        return str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        return "0"


def prefix(kind: str) -> str:
    """The name's beginning for a folder of ``kind`` made by this process."""
    return f"autograder-{kind}-{_host() or NO_HOST}-{_namespace()}-{os.getpid()}-"


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
    host, namespace, found = _host(), _namespace(), []
    if not host:  # which folders are this machine's cannot be told: none is judged
        return []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return []
    for entry in entries:
        match = _NAME.match(entry.name)
        if (match is None or match["host"] != host or match["namespace"] != namespace or int(match["pid"]) <= 0
                or _alive(int(match["pid"]))):
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
        try:
            shutil.rmtree(entry, ignore_errors=True)
        except RecursionError:  # folders nested past Python's recursion limit (a kernel killed before its sweep)
            from .sandbox.workfolder import remove_deep

            try:
                remove_deep(entry)
            except OSError:
                pass
        if not os.path.lexists(entry):
            removed.append(entry.name)
    return removed


_SWEPT: dict = {"done": False}


def sweep_once() -> None:
    """``sweep()`` the first time a process calls it (a grading process, before its first submission)."""
    if not _SWEPT["done"]:
        _SWEPT["done"] = True
        sweep()
