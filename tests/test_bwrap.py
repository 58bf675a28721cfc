"""The sandbox's command line, built without starting anything: what a kernel can see, write and import."""

from pathlib import Path

import pytest

from autograder.sandbox import Sandbox, bwrap_argv
from autograder.sandbox.bwrap import PACKAGE_MOUNT, package_path


def _pairs(argv: list, flag: str) -> list:
    return [(argv[i + 1], argv[i + 2]) for i, arg in enumerate(argv) if arg == flag]


@pytest.fixture
def course(tmp_path):
    root = tmp_path / "course"
    for name in ("source", "submitted", "autograded"):
        (root / name).mkdir(parents=True)
    (root / "gradebook.db").write_bytes(b"")
    scratch = root / "autograded" / "ada" / "a1"
    scratch.mkdir(parents=True)
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    return root, scratch, runtime


def _argv(course, **settings):
    root, scratch, runtime = course
    return bwrap_argv(["python", "-m", "ipykernel_launcher"], Sandbox(**settings), scratch, runtime, course_root=root,
                      as_root=True)


def test_only_the_notebook_folder_and_the_runtime_folder_are_writable(course):
    root, scratch, runtime = course
    argv = _argv(course)
    assert _pairs(argv, "--bind") == [(str(scratch), str(scratch)), (str(runtime), str(runtime))]
    assert argv[argv.index("--chdir") + 1] == str(scratch)
    assert {"--unshare-all", "--clearenv", "--die-with-parent"} <= set(argv)


def test_the_kernel_imports_the_graders_own_package_and_only_its_kernel_side(course):
    argv = _argv(course)
    package = Path(package_path())
    bound = {destination: source for source, destination in _pairs(argv, "--ro-bind")}
    mounted = {d[len(PACKAGE_MOUNT) + 1:]: s for d, s in bound.items() if d.startswith(PACKAGE_MOUNT + "/")}
    assert {k: v for k, v in mounted.items() if v != "/dev/null"} == {
        "autograder/__init__.py": str(package / "__init__.py"), "autograder/kernel": str(package / "kernel"),
        "autograder/assignments": str(package / "assignments")}, "the kernel sees the trust boundary and the assignments only"
    samples = sorted(str(p.relative_to(package.parent)) for p in package.glob("assignments/*/samples.py"))
    assert len(samples) >= 2 and all(mounted.get(name) == "/dev/null" for name in samples), "sample answers are visible"
    env = dict(_pairs(argv, "--setenv"))
    assert env["PYTHONPATH"] == PACKAGE_MOUNT


def test_course_secrets_inside_a_bind_are_masked(course):
    root, scratch, runtime = course
    argv = _argv(course, readable_paths=[str(root)])  # as if the venv lived inside the course checkout
    masked = {argv[i + 1] for i, arg in enumerate(argv) if arg == "--tmpfs"}
    assert {str(root / "source"), str(root / "submitted")} <= masked
    assert (("/dev/null", str(root / "gradebook.db")) in _pairs(argv, "--ro-bind"))
    assert str(root / "autograded") not in masked, "the notebook's own folder lies inside autograded/"


def test_limits_come_from_the_settings(course):
    argv = _argv(course, memory_bytes=2**30, cpu_seconds=60, file_size_bytes=1000, max_processes=7)
    limits = argv[argv.index("--", argv.index("--clearenv")) + 1:]
    assert Path(limits[0]).name == "prlimit"
    assert {"--as=1073741824", "--cpu=60:65", "--fsize=1000", "--core=0"} <= set(limits)
    assert not any(a.startswith("--nproc") for a in limits), "RLIMIT_NPROC does not bind root: a pids cgroup must"
    user = bwrap_argv(["k"], Sandbox(max_processes=7), course[1], course[2], as_root=False)
    assert any(a.startswith("--nproc=") for a in user)


def test_cgroups_are_joined_before_the_sandbox_starts(course):
    root, scratch, runtime = course
    argv = bwrap_argv(["k"], Sandbox(), scratch, runtime, cgroup_procs=[Path("/cg/pids/x/cgroup.procs")], as_root=True)
    assert argv[:2] == ["/bin/sh", "-c"] and "echo $$ > /cg/pids/x/cgroup.procs;" in argv[2]
