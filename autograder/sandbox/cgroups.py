"""Control groups of grading kernels (pids, memory) on cgroup v1 or v2: found, created per kernel, read, removed.

``find_hierarchy()`` says which hierarchy this process can really use: it reads ``/proc/self/mountinfo``
and only trusts a cgroup file system that is the one actually visible at its path (a container or a
private mount namespace may hide or fake ``/sys/fs/cgroup``: a plain tmpfs there accepts every ``mkdir``
and ``write`` and limits nothing). ``create_kernel_groups`` makes one kernel's groups:

* v1: ``<pids mount>/autograder/<name>`` (``pids.max``) and ``<memory mount>/autograder/<name>``
  (``memory.limit_in_bytes``, ``memory.memsw.limit_in_bytes`` when swap accounting exists);
* v2: a delegated subtree ``<root>/autograder`` whose ``cgroup.subtree_control`` enables ``pids memory``,
  and one child per kernel with ``pids.max``, ``memory.max``, ``memory.swap.max = 0``.

The kernel joins by writing its pid into each ``cgroup.procs`` before bubblewrap starts (``bwrap.py``).
``Hierarchy.root`` is an argument, so a fake tree in a temporary folder exercises the file protocol.
"""

import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
GROUP = "autograder"  # our subtree under each hierarchy
V1_MAGIC, V2_MAGIC = "cgroup", "cgroup2"  # file system types in mountinfo


@dataclass(frozen=True)
class Hierarchy:
    """A usable cgroup hierarchy: ``version`` "v1" or "v2"; ``mounts``: controller -> its mount point."""

    version: str
    mounts: dict  # "pids"/"memory" -> Path (v2: the same mount for both)

    def base(self, controller: str) -> Path:
        return self.mounts[controller] / GROUP


def _mounts(mountinfo: str) -> list:
    """``(mount point, fstype, super options, "major:minor")`` of every mount in ``mountinfo``."""
    found = []
    for line in mountinfo.splitlines():
        left, _, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if len(fields) < 5 or len(tail) < 3:
            continue
        point = fields[4].replace("\\040", " ")
        found.append((Path(point), tail[0], tail[2].split(","), fields[2]))
    return found


def _visible(point: Path, device: str) -> bool:
    """Whether ``point`` is really this mount (not hidden under another one mounted on top of it)."""
    try:
        st = os.stat(point)
    except OSError:
        return False
    major, minor = (int(x) for x in device.split(":"))
    return (os.major(st.st_dev), os.minor(st.st_dev)) == (major, minor)


def find_hierarchy(mountinfo: str | None = None, root: Path | None = None) -> tuple:
    """``(Hierarchy or None, why not)``: the cgroup hierarchy that holds the ``pids`` controller here.

    v1 wins where the pids controller is mounted as v1 (a hybrid host like this one: v2 then has no
    controllers); v2 where ``<root>/cgroup.controllers`` lists ``pids``. ``root`` defaults to /sys/fs/cgroup.
    """
    root = Path(root or CGROUP_ROOT)
    if mountinfo is None:
        try:
            mountinfo = Path("/proc/self/mountinfo").read_text()
        except OSError as error:
            return None, f"cannot read /proc/self/mountinfo ({error})"
    mounts = [m for m in _mounts(mountinfo) if m[1] in (V1_MAGIC, V2_MAGIC) and _visible(m[0], m[3])]
    v1 = {c: point for point, kind, options, _ in mounts if kind == V1_MAGIC
          for c in ("pids", "memory") if c in options}
    if "pids" in v1:
        return Hierarchy("v1", v1), ""
    for point, kind, _, _ in mounts:
        if kind != V2_MAGIC or point != root and point.parent != root:
            continue
        try:
            controllers = (point / "cgroup.controllers").read_text().split()
        except OSError:
            continue
        if "pids" in controllers:
            return Hierarchy("v2", {c: point for c in ("pids", "memory") if c in controllers}), ""
    if not mounts:
        return None, f"no cgroup file system is visible at {root} (a container, or hidden)"
    return None, f"no cgroup hierarchy with the pids controller is visible at {root}"


@dataclass
class KernelGroups:
    """One kernel's control groups: where it joins, which limits they hold, how to read and remove them."""

    version: str
    folders: dict = field(default_factory=dict)  # controller -> folder (v2: one folder for both)
    errors: list = field(default_factory=list)  # why a controller's group could not be made

    @property
    def limits_processes(self) -> bool:
        return "pids" in self.folders

    @property
    def limits_memory(self) -> bool:
        return "memory" in self.folders

    @property
    def procs_files(self) -> list:
        return [folder / "cgroup.procs" for folder in dict.fromkeys(self.folders.values())]

    def oom_kills(self) -> int:
        if "memory" not in self.folders:
            return 0
        name = "memory.oom_control" if self.version == "v1" else "memory.events"
        return _counter(self.folders["memory"] / name, "oom_kill")

    def pids_limit_hits(self) -> int:
        return _counter(self.folders["pids"] / "pids.events", "max") if "pids" in self.folders else 0

    def remove(self) -> None:
        for folder in dict.fromkeys(self.folders.values()):
            cgroup_remove(folder)
        self.folders = {}


def _counter(path: Path, key: str) -> int:
    """The value of ``key`` in a flat-keyed cgroup file (``memory.events``, ``pids.events``...); 0 if absent."""
    try:
        for line in path.read_text().splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == key:
                return int(parts[1])
    except (OSError, ValueError):
        pass
    return 0


def _make(folder: Path, values: dict) -> None:
    folder.mkdir(parents=False, exist_ok=False)
    try:
        for key, value in values.items():
            (folder / key).write_text(str(value))
    except OSError:
        with_suppressed_rmdir(folder)
        raise


def _enable_v2_controllers(hierarchy: Hierarchy) -> list:
    """Delegate ``pids memory`` down to ``<root>/autograder``; the controllers enabled for its children."""
    wanted = [c for c in ("pids", "memory") if c in hierarchy.mounts]
    root = hierarchy.mounts["pids"]
    base = root / GROUP
    for parent in (root, base):
        if parent == base:
            base.mkdir(exist_ok=True)
        control = parent / "cgroup.subtree_control"
        enabled = control.read_text().split() if control.exists() else []
        missing = [c for c in wanted if c not in enabled]
        if missing:  # EBUSY when the parent holds processes itself (v2's no-internal-processes rule)
            control.write_text(" ".join(f"+{c}" for c in missing))
    return wanted


def create_kernel_groups(hierarchy: Hierarchy, name: str, max_processes: int, memory_bytes: int) -> KernelGroups:
    """The groups of one kernel, with ``pids.max = max_processes`` and (if ``memory_bytes``) a memory limit.

    A controller whose group cannot be made is left out and its reason kept in ``errors``: the caller
    decides what replaces it (``limits.py``); nothing is silently assumed to hold.
    """
    groups = KernelGroups(hierarchy.version)
    if hierarchy.version == "v1":
        wanted = {"pids": [{"pids.max": max_processes}]}
        if memory_bytes > 0 and "memory" in hierarchy.mounts:
            wanted["memory"] = [{"memory.limit_in_bytes": memory_bytes, "memory.memsw.limit_in_bytes": memory_bytes},
                                {"memory.limit_in_bytes": memory_bytes}]  # without swap accounting
        for controller, choices in wanted.items():
            folder = hierarchy.base(controller) / name
            for values in choices:
                try:
                    hierarchy.base(controller).mkdir(exist_ok=True)
                    _make(folder, values)
                    groups.folders[controller] = folder
                    break
                except OSError as error:
                    reason = f"{controller} cgroup v1 at {folder}: {error}"
            else:
                groups.errors.append(reason)
        return groups
    folder = hierarchy.base("pids") / name
    try:
        enabled = _enable_v2_controllers(hierarchy)
        values = {"pids.max": max_processes}
        if memory_bytes > 0 and "memory" in enabled:
            values.update({"memory.max": memory_bytes, "memory.swap.max": 0})
        _make(folder, values)
    except OSError as error:
        groups.errors.append(f"cgroup v2 at {folder}: {error}")
        return groups
    groups.folders["pids"] = folder
    if "memory.max" in values:
        groups.folders["memory"] = folder
    return groups


def with_suppressed_rmdir(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass


def sweep_stale_cgroups(base: Path, older_than: float) -> list:
    """Remove this sandbox's empty groups under ``base`` created more than ``older_than`` seconds ago.

    A kernel lives at most ``Sandbox.wall_clock_seconds``, so an older group without processes was left
    by a grading worker that was killed before it could clean up (a younger one may belong to a kernel
    that is about to join it or whose manager is reading its counters). Returns the paths removed.
    """
    removed, now = [], time.time()
    try:
        folders = [p for p in Path(base).iterdir() if p.is_dir()]
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
    """Kill what is left in ``folder`` (v2: ``cgroup.kill``) and remove it."""
    for _ in range(50):
        try:
            folder.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            try:
                (folder / "cgroup.kill").write_text("1")
            except OSError:
                pass
            try:
                for pid in (folder / "cgroup.procs").read_text().split():
                    os.kill(int(pid), signal.SIGKILL)
            except (OSError, ValueError):
                pass
            time.sleep(0.1)
