"""A dedicated unprivileged uid per grading kernel, for root graders that have no pids cgroup.

The kernel ignores ``RLIMIT_NPROC`` for uid 0, and counts it over every process of the real uid. So when
root grades where no cgroup can be used (a container, a hidden or read-only /sys/fs/cgroup), each kernel
runs as a uid of its own, taken from a range no account uses: ``RLIMIT_NPROC = max_processes`` then binds
exactly that kernel, and a fork bomb in one kernel never starves another. A uid is claimed with a lock
file (``O_EXCL``) in a root-only folder and must have no process; it is released (leftover processes
killed, lock removed) when the kernel ends. The kernel must write its working folder and read its
connection file as that uid: ``hand_over`` gives them to it, ``take_back`` returns them.
"""

import os
import random
import shutil
import signal
from pathlib import Path

UID_BASE = 2_100_000_000  # far above any account, below 2**31 (setpriv, file systems)
UID_RANGE = 1_000_000
LOCK_DIR = Path("/run/autograder-kernel-uids")


def setpriv_path() -> str | None:
    """``setpriv`` (util-linux), which switches the kernel to its uid inside the sandbox; None if missing."""
    return shutil.which("setpriv")


def _processes_of(uid: int) -> list:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


def claim_uid(lock_dir: Path = LOCK_DIR, attempts: int = 100) -> int:
    """A uid of ``[UID_BASE, UID_BASE + UID_RANGE)`` no other kernel holds and no process uses."""
    lock_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    for _ in range(attempts):
        uid = UID_BASE + random.randrange(UID_RANGE)
        try:
            os.close(os.open(lock_dir / str(uid), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except FileExistsError:
            continue
        if _processes_of(uid):
            continue  # keep the lock: someone else uses this uid
        return uid
    raise OSError(f"no free kernel uid in {lock_dir} after {attempts} attempts")


def release_uid(uid: int, lock_dir: Path = LOCK_DIR) -> None:
    """Kill whatever still runs as ``uid`` (it is the kernel's alone) and free it."""
    for pid in _processes_of(uid):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    try:
        (lock_dir / str(uid)).unlink()
    except OSError:
        pass


def _chown_tree(folder: Path, uid: int, gid: int) -> None:
    os.lchown(folder, uid, gid)
    for parent, dirs, files in os.walk(folder):  # never follows symbolic links
        for name in dirs + files:
            os.lchown(os.path.join(parent, name), uid, gid)


def hand_over(folders, uid: int) -> dict:
    """Give ``folders`` (and what they hold) to ``uid``; returns their owners for ``take_back``."""
    owners = {}
    for folder in folders:
        st = os.lstat(folder)
        owners[Path(folder)] = (st.st_uid, st.st_gid)
        _chown_tree(Path(folder), uid, uid)
    return owners


def take_back(owners: dict) -> None:
    """Return each folder of ``owners`` (and everything the kernel left in it) to its former owner."""
    for folder, (uid, gid) in owners.items():
        if folder.exists():
            _chown_tree(folder, uid, gid)
