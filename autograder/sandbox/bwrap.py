"""The bubblewrap and prlimit command line around a kernel: which folders it sees, its environment, its limits."""

import os
import shutil
import sys
from pathlib import Path

from .probe import bwrap_path
from .settings import CPU_GRACE_SECONDS, course_secrets


def _ro_system_binds() -> list:
    args = ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    args += ["--ro-bind", "/etc", "/etc"]
    for secret in ("/etc/shadow", "/etc/gshadow", "/etc/ssh"):
        if os.path.isdir(secret):
            args += ["--tmpfs", secret]
        elif os.path.exists(secret):
            args += ["--ro-bind", "/dev/null", secret]
    return args


def _python_paths() -> list:
    """The folders the kernel's Python needs: environments and the real interpreter."""
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
             str(Path(sys.executable).parent), str(Path(os.path.realpath(sys.executable)).parent.parent)}
    return sorted(p for p in paths if p and os.path.isdir(p))


def package_path() -> str:
    """The ``autograder`` package this process imported: the one every grading kernel must import too."""
    return str(Path(__file__).resolve().parent.parent)


# Inside the sandbox the package is bound here, alone, and put first on the kernel's PYTHONPATH: the kernel
# imports the grader's own copy whatever the environment has installed (editable from another checkout, say).
PACKAGE_MOUNT = "/opt/autograder-package"


def kernel_pythonpath(sandboxed: bool) -> str:
    """``PYTHONPATH`` of a grading kernel: the folder holding the grader's ``autograder`` package."""
    return PACKAGE_MOUNT if sandboxed else str(Path(package_path()).parent)


def data_home() -> str:
    """scikit-learn's data folder, by its own rule (``autograder.data``; importing scikit-learn here costs ~1.7 s)."""
    from ..data import data_home as folder

    return str(folder().resolve())


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
        return True
    except ValueError:
        return False


def minimal(paths) -> list:
    """Drop paths that lie inside another path of the list."""
    resolved = sorted({Path(p).resolve() for p in paths}, key=lambda p: len(p.parts))
    kept = []
    for path in resolved:
        if not any(_inside(path, k) for k in kept):
            kept.append(path)
    return kept




def user_process_count() -> int:
    uid = os.getuid()
    count = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    count += len(list((entry / "task").iterdir()))
            except OSError:
                pass
    return count


def masks(binds: list, scratch: Path, hidden_paths=(), course_root: Path | None = None) -> list:
    """bwrap arguments masking course secrets (and ``hidden_paths``) that lie inside a read-only bind."""
    candidates = [Path(p) for p in hidden_paths]
    if course_root is not None:
        candidates += course_secrets(course_root)
    home = Path.home().resolve()
    candidates += [home / name for name in (".ssh", ".jupyter", ".local/share/jupyter", ".gitconfig", ".netrc")]
    args = []
    for path in candidates:
        path = path.resolve()
        if not path.exists() or _inside(scratch, path):
            continue
        if any(_inside(path, b) for b in binds):
            args += ["--tmpfs", str(path)] if path.is_dir() else ["--ro-bind", "/dev/null", str(path)]
    return args


def kernel_environment(settings, data_folder: str) -> dict:
    """The whole environment of a sandboxed kernel (bwrap starts it from ``--clearenv``)."""
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": "/tmp/home",
        "TMPDIR": "/tmp",
        "IPYTHONDIR": "/tmp/ipython",
        "MPLCONFIGDIR": "/tmp/matplotlib",
        "XDG_CACHE_HOME": "/tmp/cache",
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "LANG": os.environ.get("LANG", "C.UTF-8"),
        "PYTHONNOUSERSITE": "1",
        "PYTHONPATH": kernel_pythonpath(sandboxed=True),
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }
    if data_folder:
        env["SCIKIT_LEARN_DATA"] = data_folder
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "PYTHONHASHSEED", "TZ"):
        if name in os.environ:
            env[name] = os.environ[name]
    env.update(settings.environment)
    return env


def limit_arguments(settings, as_root: bool) -> list:
    """``prlimit`` and its arguments: address space, file size, CPU time, core files, and processes (as a user)."""
    limits = [
        shutil.which("prlimit") or "/usr/bin/prlimit",
        f"--as={settings.memory_bytes}",
        f"--fsize={settings.file_size_bytes}",
        f"--cpu={settings.cpu_seconds}:{settings.cpu_seconds + CPU_GRACE_SECONDS}",  # SIGXCPU first (a "timeout")
        "--core=0",
    ]
    if not as_root:
        # RLIMIT_NPROC counts every process of the user, so leave room for the ones already running.
        limits.append(f"--nproc={user_process_count() + settings.max_processes}")
    return limits


def bwrap_argv(cmd: list, settings, scratch: Path, runtime: Path, course_root: Path | None = None,
               cgroup_procs=(), as_root: bool | None = None) -> list:
    """The command that runs the kernel command ``cmd`` inside bubblewrap with ``settings``' limits.

    ``scratch``: the notebook's folder, the only writable one (and the working directory); ``runtime``:
    the folder of the kernel's connection file and sockets; ``course_root``: the course whose secrets are
    masked; ``cgroup_procs``: ``cgroup.procs`` files the kernel joins before it starts.
    """
    as_root = os.geteuid() == 0 if as_root is None else as_root
    package = Path(package_path())
    readable = _python_paths() + list(settings.readable_paths)
    data_folder = data_home()
    if data_folder and os.path.isdir(data_folder):
        readable.append(data_folder)
    binds = minimal(readable)
    args = [bwrap_path(), "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent", "--clearenv"]
    args += _ro_system_binds()
    args += ["--proc", "/proc", "--dev", "/dev", "--size", str(settings.tmp_bytes), "--tmpfs", "/tmp"]
    for path in binds:
        args += ["--ro-bind", str(path), str(path)]
    # the samples are graded answers; masked wherever the package also lies inside a bind (a regular install)
    args += masks(binds, scratch, [*settings.hidden_paths, str(package / "samples")], course_root)
    mount = f"{PACKAGE_MOUNT}/autograder"
    args += ["--ro-bind", str(package), mount, "--tmpfs", f"{mount}/samples"]  # samples: the graded answers
    args += ["--bind", str(scratch), str(scratch), "--bind", str(runtime), str(runtime)]
    args += ["--chdir", str(scratch)]
    for name, value in kernel_environment(settings, data_folder).items():
        args += ["--setenv", name, value]
    wrapped = args + ["--", *limit_arguments(settings, as_root), "--", *cmd]
    if cgroup_procs:
        joins = " ".join(f"echo $$ > {procs};" for procs in cgroup_procs)
        wrapped = ["/bin/sh", "-c", f'{joins} exec "$@"', "sandbox", *wrapped]
    return wrapped
