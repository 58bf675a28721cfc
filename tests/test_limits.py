"""Where process and memory limits come from, without starting a kernel: cgroup v1/v2 found in mountinfo,
the cgroup v2 file protocol on a fake tree, what the batch is told, and the dedicated-uid command line."""

import os
from pathlib import Path

import pytest

from autograder.sandbox import Sandbox, bwrap_argv, kernel_uid, limits
from autograder.sandbox.cgroups import Hierarchy, create_kernel_groups, find_hierarchy, sweep_stale_cgroups


def _mountinfo(*mounts) -> str:
    """mountinfo lines for ``(path, fstype, options)``, with the real device of ``path`` (as the kernel writes them)."""
    lines = []
    for i, (path, kind, options) in enumerate(mounts):
        st = os.stat(path)
        lines.append(f"{30 + i} 1 {os.major(st.st_dev)}:{os.minor(st.st_dev)} / {path} rw,relatime shared:1 - "
                     f"{kind} {kind} rw,{options}")
    return "\n".join(lines) + "\n"


def test_v1_is_found_where_its_pids_controller_is_mounted(tmp_path):
    (tmp_path / "pids").mkdir(), (tmp_path / "memory").mkdir()
    info = _mountinfo((tmp_path / "pids", "cgroup", "pids"), (tmp_path / "memory", "cgroup", "memory"))
    hierarchy, why = find_hierarchy(info, root=tmp_path)
    assert hierarchy == Hierarchy("v1", {"pids": tmp_path / "pids", "memory": tmp_path / "memory"}), why


def test_v2_is_found_when_it_offers_pids(tmp_path):
    (tmp_path / "cgroup.controllers").write_text("cpuset cpu io memory hugetlb pids rdma misc\n")
    hierarchy, why = find_hierarchy(_mountinfo((tmp_path, "cgroup2", "nsdelegate")), root=tmp_path)
    assert hierarchy == Hierarchy("v2", {"pids": tmp_path, "memory": tmp_path}), why


def test_a_hybrid_hosts_empty_v2_is_not_used(tmp_path):
    (tmp_path / "unified").mkdir()
    (tmp_path / "unified" / "cgroup.controllers").write_text("\n")
    hierarchy, why = find_hierarchy(_mountinfo((tmp_path / "unified", "cgroup2", "nsdelegate")), root=tmp_path)
    assert hierarchy is None and "pids" in why


def test_a_hidden_or_faked_hierarchy_is_not_trusted(tmp_path):
    """A cgroup mount covered by a tmpfs (a private mount namespace, a container) is in mountinfo but not visible."""
    (tmp_path / "pids").mkdir()  # a plain folder of the covering file system, not the cgroup mount below it
    info = f"30 1 999:999 / {tmp_path / 'pids'} rw,relatime shared:1 - cgroup cgroup rw,pids\n"
    hierarchy, why = find_hierarchy(info, root=tmp_path)
    assert hierarchy is None and why
    assert find_hierarchy("", root=tmp_path)[0] is None  # nothing mounted at all


@pytest.fixture
def v2_tree(tmp_path):
    """A fake cgroup v2 root: the files the kernel would show (creating a folder makes no files here)."""
    (tmp_path / "cgroup.controllers").write_text("memory pids\n")
    (tmp_path / "cgroup.subtree_control").write_text("\n")
    return Hierarchy("v2", {"pids": tmp_path, "memory": tmp_path})


def test_v2_protocol_delegates_the_subtree_sets_limits_and_reads_events(v2_tree):
    root = v2_tree.mounts["pids"]
    groups = create_kernel_groups(v2_tree, "k1", max_processes=64, memory_bytes=512 * 1024**2)
    folder = root / "autograder" / "k1"
    assert groups.errors == [] and groups.limits_processes and groups.limits_memory
    assert "+pids" in (root / "cgroup.subtree_control").read_text()
    assert "+memory" in (root / "autograder" / "cgroup.subtree_control").read_text()
    assert (folder / "pids.max").read_text() == "64"
    assert (folder / "memory.max").read_text() == str(512 * 1024**2)
    assert (folder / "memory.swap.max").read_text() == "0"
    assert groups.procs_files == [folder / "cgroup.procs"]  # one folder for both controllers: joined once
    assert groups.oom_kills() == 0 and groups.pids_limit_hits() == 0
    (folder / "memory.events").write_text("low 0\nhigh 0\nmax 12\noom 3\noom_kill 2\noom_group_kill 0\n")
    (folder / "pids.events").write_text("max 7\n")
    assert groups.oom_kills() == 2 and groups.pids_limit_hits() == 7
    for name in ("memory.events", "pids.events", "pids.max", "memory.max", "memory.swap.max"):
        (folder / name).unlink()  # a real cgroup folder is removed with its files by rmdir alone
    groups.remove()
    assert not folder.exists() and groups.folders == {}


def test_v2_without_memory_controller_limits_processes_only(tmp_path):
    (tmp_path / "cgroup.subtree_control").write_text("")
    groups = create_kernel_groups(Hierarchy("v2", {"pids": tmp_path}), "k", 10, 1024)
    assert groups.limits_processes and not groups.limits_memory
    assert not (tmp_path / "autograder" / "k" / "memory.max").exists()


def test_v2_refusal_is_named_not_swallowed(v2_tree, monkeypatch):
    """The no-internal-processes rule (EBUSY on subtree_control) leaves the kernel without the group, and says why."""
    root = v2_tree.mounts["pids"]
    (root / "cgroup.subtree_control").unlink()
    (root / "cgroup.subtree_control").mkdir()  # writing it now fails, as EBUSY would
    groups = create_kernel_groups(v2_tree, "k", 10, 0)
    assert not groups.limits_processes and groups.errors and "cgroup v2" in groups.errors[0]


def test_young_or_busy_groups_are_never_swept(v2_tree):
    """(Removal of stale groups is tested on real cgroup v1 in test_sandbox.py: a fake folder cannot be rmdir'ed.)"""
    base = v2_tree.base("pids")
    for name, procs in (("young", ""), ("busy", "4242\n")):
        (base / name).mkdir(parents=True)
        (base / name / "cgroup.procs").write_text(procs)
    assert sweep_stale_cgroups(base, older_than=3600) == []
    assert sweep_stale_cgroups(base, older_than=-1) == [] and (base / "busy").exists()


def _no_cgroup(monkeypatch, why="no cgroup file system is visible at /sys/fs/cgroup"):
    monkeypatch.setitem(limits._PROBE, "result", (None, why))


def test_root_without_cgroups_limits_processes_by_a_dedicated_uid(monkeypatch):
    _no_cgroup(monkeypatch)
    monkeypatch.setattr(kernel_uid, "setpriv_path", lambda: "/usr/bin/setpriv")
    rows = {limit: (how, ok) for limit, how, ok in limits.limits_in_force(Sandbox(max_processes=64), as_root=True)}
    assert rows["processes"][1] and "RLIMIT_NPROC = 64 under a dedicated uid" in rows["processes"][0]
    assert "no memory cgroup" in rows["memory"][0]
    assert limits.unenforced_limits(Sandbox(), as_root=True) == []


def test_root_without_cgroups_or_setpriv_is_a_named_unenforced_limit(monkeypatch):
    _no_cgroup(monkeypatch)
    monkeypatch.setattr(kernel_uid, "setpriv_path", lambda: None)
    missing = limits.unenforced_limits(Sandbox(), as_root=True)
    assert len(missing) == 1 and missing[0].startswith("processes: NOT APPLIED") and "util-linux" in missing[0]
    kernel = limits.kernel_limits(Sandbox(), as_root=True)
    assert kernel.processes.startswith("NOT APPLIED") and kernel.uid is None and kernel.groups is None


def test_with_a_cgroup_the_pids_cgroup_holds(monkeypatch, tmp_path):
    monkeypatch.setitem(limits._PROBE, "result", (Hierarchy("v2", {"pids": tmp_path, "memory": tmp_path}), ""))
    rows = {limit: how for limit, how, ok in limits.limits_in_force(Sandbox(max_processes=9), as_root=True)}
    assert rows["processes"] == "pids cgroup v2 (pids.max = 9)" and "memory cgroup v2" in rows["memory"]


def test_a_plain_user_is_limited_by_rlimit_nproc():
    rows = {limit: (how, ok) for limit, how, ok in limits.limits_in_force(Sandbox(), as_root=False)}
    assert rows["processes"][1] and rows["processes"][0].startswith("RLIMIT_NPROC")


def test_kernel_uid_claims_are_exclusive_and_released(tmp_path):
    first = kernel_uid.claim_uid(tmp_path)
    second = kernel_uid.claim_uid(tmp_path)
    assert first != second and kernel_uid.UID_BASE <= first < kernel_uid.UID_BASE + kernel_uid.UID_RANGE
    assert (tmp_path / str(first)).exists()
    kernel_uid.release_uid(first, tmp_path)
    assert not (tmp_path / str(first)).exists() and (tmp_path / str(second)).exists()


def test_dedicated_uid_command_line(tmp_path):
    scratch, runtime = tmp_path / "deep" / "scratch", tmp_path / "runtime"
    scratch.mkdir(parents=True), runtime.mkdir()
    argv = bwrap_argv(["k"], Sandbox(max_processes=64), scratch, runtime, as_root=True, run_as=2100000007)
    assert "--unshare-user" not in argv and "--unshare-all" not in argv, "as root a user namespace maps the kernel to uid 0"
    assert {"--unshare-pid", "--unshare-net", "--unshare-ipc"} <= set(argv)
    after = argv[argv.index("--", argv.index("--clearenv")) + 1:]
    assert Path(after[0]).name == "setpriv" and "--reuid=2100000007" in after and "--clear-groups" in after
    assert "--nproc=64" in after, "a dedicated uid: exactly max_processes"
    assert after.index("--reuid=2100000007") < after.index("--nproc=64") < after.index("k")
    # the folders above the kernel's binds must be crossable by its uid; /tmp is writable by it
    dirs = [argv[i + 3] for i, a in enumerate(argv) if a == "--perms" and argv[i + 2] == "--dir"]
    assert str(scratch.parent) in dirs and str(scratch) not in dirs
    assert ("--perms", "1777", "--tmpfs", "/tmp") in zip(argv, argv[1:], argv[2:], argv[3:])
    assert "--nproc=64" not in bwrap_argv(["k"], Sandbox(max_processes=64), scratch, runtime, as_root=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="handing folders to another uid needs root")
def test_hand_over_and_take_back(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "f").write_text("x")
    os.symlink("/etc/passwd", tmp_path / "a" / "link")
    owners = kernel_uid.hand_over([tmp_path / "a"], 2100000009)
    assert (tmp_path / "a" / "b" / "f").stat().st_uid == 2100000009
    assert os.stat("/etc/passwd").st_uid == 0, "symbolic links are never followed"
    kernel_uid.take_back(owners)
    assert (tmp_path / "a" / "b" / "f").stat().st_uid == os.getuid()


def test_the_batch_names_an_unenforced_limit_and_refuses_it_under_require(monkeypatch, tmp_path):
    """sandbox/batch_settings.py and grading/batch.py: the summary says LIMIT NOT APPLIED; --require-sandbox refuses before grading anything."""
    from traitlets.config import Config

    from autograder.errors import SandboxUnavailable
    from autograder.grading import batch
    from autograder.sandbox.batch_settings import batch_overrides
    from autograder.sandbox import probe

    monkeypatch.setitem(probe._PROBE, "result", (True, ""))
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    _no_cgroup(monkeypatch)
    monkeypatch.setattr(kernel_uid, "setpriv_path", lambda: None)
    db = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with pytest.raises(SandboxUnavailable, match="processes: NOT APPLIED"):
        batch_overrides(tmp_path, Config(), db, require=True)
    with pytest.raises(SandboxUnavailable, match="processes: NOT APPLIED"):  # c.Sandbox.require is on by default
        batch_overrides(tmp_path, Config(), db, require=False)
    optional = Config()
    optional.Sandbox.require = False  # the course turned the requirement off: named in the summary instead
    overrides, missing = batch_overrides(tmp_path, optional, db, require=False)
    assert missing and missing[0].startswith("processes: NOT APPLIED")
    table = batch.GradingSummary("a1", unenforced_limits=missing).table()
    assert "LIMIT NOT APPLIED: processes: NOT APPLIED" in table
    monkeypatch.setattr(kernel_uid, "setpriv_path", lambda: "/usr/bin/setpriv")
    assert batch_overrides(tmp_path, Config(), db, require=True)[1] == []
