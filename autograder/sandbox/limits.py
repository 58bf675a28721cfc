"""Which limits hold for a grading kernel here, and how: one decision for the batch summary and each kernel.

Processes are the limit that needs care. ``RLIMIT_NPROC`` is ignored for uid 0, so as root the process
limit is a ``pids`` cgroup (v1 or v2, ``cgroups.py``); where no cgroup can be used (a container, a host
whose cgroups are hidden or read-only), each kernel runs under a dedicated unprivileged uid
(``kernel_uid.py``) so that ``RLIMIT_NPROC`` binds it. As a plain user it is ``RLIMIT_NPROC`` (counted
over all of the user's processes). If none of these can be applied, the limit is NOT in force: the batch
summary says so and ``Sandbox.require`` refuses (``unenforced_limits``); a kernel started anyway says so
loudly and in its report.

Memory: ``RLIMIT_AS`` per process always; a memory cgroup for the whole kernel (``cgroup_memory_bytes``)
where a cgroup can be used. File size and CPU time are ``prlimit`` rlimits, the wall clock is the
kernel manager's timer: they hold everywhere bubblewrap runs.
"""

import os
import sys
import uuid
from dataclasses import dataclass, field

from . import kernel_uid
from .cgroups import KernelGroups, create_kernel_groups, find_hierarchy, sweep_stale_cgroups

_PROBE: dict = {}


def usable_hierarchy() -> tuple:
    """``(Hierarchy or None, why not)``: a cgroup hierarchy where root could really make a pids group.

    Asked once per process: found in mountinfo, then proved by creating and removing a probe group.
    """
    if "result" in _PROBE:
        return _PROBE["result"]
    if os.geteuid() != 0:
        result = (None, "cgroups are writable only by root")
    else:
        hierarchy, why = find_hierarchy()
        if hierarchy is not None:
            probe = create_kernel_groups(hierarchy, f"probe-{uuid.uuid4().hex}", 1, 0)
            if not probe.limits_processes:
                hierarchy, why = None, "; ".join(probe.errors)
            probe.remove()
        result = (hierarchy, why)
    _PROBE["result"] = result
    return result


def _gib(n: int) -> str:
    return f"{n / 1024**3:g} GiB" if n >= 1024**3 else f"{n / 1024**2:g} MiB"


def limits_in_force(settings, as_root: bool | None = None) -> list:
    """``(limit, how, ok)`` for every limit of a sandboxed kernel started here with ``settings``."""
    as_root = os.geteuid() == 0 if as_root is None else as_root
    n = settings.max_processes
    rows = []
    if as_root:
        hierarchy, why = usable_hierarchy()
        if hierarchy is not None:
            rows.append(("processes", f"pids cgroup {hierarchy.version} (pids.max = {n})", True))
        elif kernel_uid.setpriv_path():
            rows.append(("processes", f"RLIMIT_NPROC = {n} under a dedicated uid per kernel (no cgroup: {why})", True))
        else:
            rows.append(("processes", f"NOT APPLIED: as root RLIMIT_NPROC does not bind, no cgroup can be used "
                                      f"({why}) and setpriv is missing (apt-get install -y util-linux)", False))
        memory = (f"memory cgroup {hierarchy.version} ({_gib(settings.cgroup_memory_bytes)} for the whole kernel)"
                  if hierarchy is not None and "memory" in hierarchy.mounts and settings.cgroup_memory_bytes > 0
                  else "no memory cgroup for the whole kernel")
    else:
        rows.append(("processes", f"RLIMIT_NPROC = {n} + the user's other processes", True))
        memory = "no memory cgroup (not root)"
    rows.append(("memory", f"RLIMIT_AS = {_gib(settings.memory_bytes)} per process; {memory}", True))
    rows.append(("file size", f"RLIMIT_FSIZE = {_gib(settings.file_size_bytes)}", True))
    rows.append(("cpu time", f"RLIMIT_CPU = {settings.cpu_seconds} s", settings.cpu_seconds > 0))
    wall = settings.wall_clock_seconds
    rows.append(("wall clock", f"{wall} s for the whole notebook" if wall > 0 else "none (wall_clock_seconds = 0)", True))
    return rows


def unenforced_limits(settings, as_root: bool | None = None) -> list:
    """``"limit: why"`` for each limit a sandboxed kernel started here could not have (empty: all hold)."""
    return [f"{limit}: {how}" for limit, how, ok in limits_in_force(settings, as_root) if not ok]


@dataclass
class KernelLimits:
    """The limits one kernel gets beyond its rlimits: its cgroups, or the uid it runs as, and how."""

    groups: KernelGroups | None = None
    uid: int | None = None  # run the kernel as this uid (RLIMIT_NPROC binds it)
    processes: str = ""  # how the process limit holds, for the kernel's report
    problems: list = field(default_factory=list)

    def release(self) -> None:
        if self.groups is not None:
            self.groups.remove()
        if self.uid is not None:
            kernel_uid.release_uid(self.uid)
            self.uid = None


def kernel_limits(settings, as_root: bool | None = None) -> KernelLimits:
    """Make one kernel's process and memory limits; ``processes`` starts with "NOT APPLIED" if none holds."""
    as_root = os.geteuid() == 0 if as_root is None else as_root
    limits = KernelLimits()
    if not as_root:
        limits.processes = "RLIMIT_NPROC (user)"
        return limits
    hierarchy, why = usable_hierarchy()
    if hierarchy is not None:
        # a grading worker killed mid-notebook never removes its kernel's groups: sweep those first
        lifetime = settings.wall_clock_seconds if settings.wall_clock_seconds > 0 else 24 * 3600
        for base in {hierarchy.base(c) for c in hierarchy.mounts}:
            sweep_stale_cgroups(base, older_than=lifetime + 60)
        limits.groups = create_kernel_groups(hierarchy, uuid.uuid4().hex, settings.max_processes,
                                             settings.cgroup_memory_bytes)
        limits.problems += limits.groups.errors
        if limits.groups.limits_processes:
            limits.processes = f"pids cgroup {hierarchy.version}"
            return limits
    else:
        limits.problems.append(why)
    if kernel_uid.setpriv_path():
        try:
            limits.uid = kernel_uid.claim_uid()
            limits.processes = "RLIMIT_NPROC (dedicated uid)"
            return limits
        except OSError as error:
            limits.problems.append(str(error))
    limits.processes = "NOT APPLIED: " + "; ".join(limits.problems or ["setpriv is missing"])
    print(f"WARNING: grading kernel without a process limit ({limits.processes})", file=sys.stderr)
    return limits
