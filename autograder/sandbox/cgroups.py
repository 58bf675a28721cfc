"""Control groups of grading kernels (pids, memory): created per kernel, counted, removed, swept."""

import os
import signal
import time
from pathlib import Path

_CGROUP_ROOT = Path("/sys/fs/cgroup")


def cgroup_create(controller: str, name: str, settings: dict) -> Path | None:
    folder = _CGROUP_ROOT / controller / "autograder" / name
    try:
        folder.mkdir(parents=True, exist_ok=False)
        for key, value in settings.items():
            (folder / key).write_text(str(value))
        return folder
    except OSError:
        with_suppressed_rmdir(folder)
        return None


def with_suppressed_rmdir(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass


def sweep_stale_cgroups(controller: str, older_than: float) -> list:
    """Remove this sandbox's empty groups created more than ``older_than`` seconds ago; the paths removed.

    A kernel lives at most ``Sandbox.wall_clock_seconds``, so an older group without processes was left
    by a grading worker that was killed before it could clean up (a younger one may belong to a kernel
    that is about to join it or whose manager is reading its counters).
    """
    removed, now = [], time.time()
    try:
        folders = [p for p in (_CGROUP_ROOT / controller / "autograder").iterdir() if p.is_dir()]
    except OSError:
        return removed
    for folder in folders:
        try:
            if now - folder.stat().st_mtime > older_than and not (folder / "cgroup.procs").read_text().strip():
                folder.rmdir()
                removed.append(folder)
        except OSError:
            pass
    return removed


def cgroup_remove(folder: Path) -> None:
    for _ in range(50):
        try:
            folder.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            procs = folder / "cgroup.procs"
            try:
                for pid in procs.read_text().split():
                    os.kill(int(pid), signal.SIGKILL)
            except (OSError, ValueError):
                pass
            time.sleep(0.1)


def oom_kills(group: Path) -> int:
    try:
        for line in (group / "memory.oom_control").read_text().splitlines():
            if line.startswith("oom_kill "):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def events_max(group: Path) -> int:
    try:
        return int((group / "pids.events").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return 0
