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
# The trust boundary: all of the package a grading kernel can import (the rest is the host's engine, masked)
KERNEL_PARTS = ("__init__.py", "kernel", "assignments")


def hidden_package_parts(package: Path) -> list:
    """What of the package at ``package`` no kernel may see: every entry but ``KERNEL_PARTS`` (the engine, its
    top-level ``__pycache__`` included: pip byte-compiles a wheel's modules), and each assignment's answers (its
    samples and similarity authors: ``ANSWER_MODULES``), as source and as bytecode: each assignment's whole
    ``__pycache__`` (``samples.*.pyc`` holds every sample's code as well as ``samples.py`` does; masked as a
    folder, a .pyc the host writes after the kernel started stays hidden too)."""
    from ..assignments.spec import ANSWER_MODULES

    package = Path(package)
    hidden = [entry for entry in sorted(package.iterdir()) if entry.name not in KERNEL_PARTS]
    patterns = ("{}", "{}.py", "{}.pyc")
    answers = [path for name in ANSWER_MODULES for pattern in patterns
               for path in (package / "assignments").glob("*/" + pattern.format(name))]
    answers += (package / "assignments").glob("*/__pycache__")
    return hidden + sorted(answers)


def kernel_pythonpath(sandboxed: bool) -> str:
    """``PYTHONPATH`` of a grading kernel: the folder holding the grader's ``autograder`` package."""
    return PACKAGE_MOUNT if sandboxed else str(Path(package_path()).parent)


def data_home() -> str:
    """scikit-learn's data folder, by its own rule (``autograder.assignments.data``; importing scikit-learn here costs ~1.7 s)."""
    from ..assignments.data import data_home as folder

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
            args += mask_arguments(path)
    return args


def mask_arguments(path: Path, destination: str | None = None) -> list:
    """bwrap arguments hiding ``path`` at ``destination`` (default: the same place): an empty, read-only tmpfs
    over a folder (nothing can be planted there either: a forged .pyc, say), /dev/null over a file."""
    destination = destination or str(path)
    if Path(path).is_dir():
        return ["--tmpfs", destination, "--remount-ro", destination]
    return ["--ro-bind", "/dev/null", destination]


SAFE_PATH = "PYTHONSAFEPATH"
# The environment bubblewrap itself is started with: its init process (pid 1 in the sandbox, a fork of bwrap) keeps it
# readable in /proc/1/environ to the kernel; the kernel's own environment is made with --clearenv and --setenv.
LAUNCHER_ENVIRONMENT = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}


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
        # the working folder (student files) is not on sys.path until the extension's snapshot (quiet_kernel)
        SAFE_PATH: "1",
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


def limit_arguments(settings, as_root: bool, dedicated_uid: bool = False) -> list:
    """``prlimit`` and its arguments: address space, file size, CPU time, core files, and processes.

    Processes: ``RLIMIT_NPROC`` does not bind root (a pids cgroup does); under a dedicated uid it is exactly
    ``max_processes``; as a plain user it is counted over all of the user's processes, so the ones already
    running are added.
    """
    limits = [
        shutil.which("prlimit") or "/usr/bin/prlimit",
        f"--as={settings.memory_bytes}",
        f"--fsize={settings.file_size_bytes}",
        f"--cpu={settings.cpu_seconds}:{settings.cpu_seconds + CPU_GRACE_SECONDS}",  # SIGXCPU first (a "timeout")
        "--core=0",
    ]
    if dedicated_uid:
        limits.append(f"--nproc={settings.max_processes}")
    elif not as_root:
        limits.append(f"--nproc={user_process_count() + settings.max_processes}")
    return limits


def switch_uid_arguments(uid: int) -> list:
    """``setpriv`` to ``uid`` with no groups and no capabilities (inside the sandbox, before ``prlimit``)."""
    return [shutil.which("setpriv") or "/usr/bin/setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
            "--inh-caps=-all", "--bounding-set=-all"]


# Without a user namespace: bwrap run by root as a plain uid-0 launcher, the kernel then switched to its uid.
NAMESPACES_WITHOUT_USER = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]


def _open_parents(destinations) -> list:
    """``--perms 0755 --dir`` for the folders above each destination (bwrap as root makes them 0700, which a
    kernel under its own uid could not cross), except those that are, or lie inside, a destination, and
    / and /tmp (made before, with their own modes)."""
    destinations = [Path(d) for d in destinations]
    parents = sorted({parent for d in destinations for parent in d.parents
                      if parent not in (Path("/"), Path("/tmp")) and not any(_inside(parent, other) for other in destinations)},
                     key=lambda p: (len(p.parts), str(p)))
    args = []
    for parent in parents:
        args += ["--perms", "0755", "--dir", str(parent)]
    return args


def course_masks(settings, scratch: Path, course_root: Path | None) -> list:
    """The masks ``bwrap_argv`` adds for ``course_root``'s secrets (empty when none lies inside a read-only bind)."""
    if course_root is None:
        return []
    readable = _python_paths() + list(settings.readable_paths)
    data_folder = data_home()
    if data_folder and os.path.isdir(data_folder):
        readable.append(data_folder)
    binds = minimal(readable + [package_path()])
    return masks(binds, Path(scratch), (), Path(course_root))


def bwrap_argv(cmd: list, settings, scratch: Path, runtime: Path, course_root: Path | None = None,
               cgroup_procs=(), as_root: bool | None = None, run_as: int | None = None,
               environment: dict | None = None, zygote: str | None = None, writable=()) -> list:
    """The command that runs the kernel command ``cmd`` inside bubblewrap with ``settings``' limits.

    ``scratch``: the notebook's folder, the only writable one (and the working directory); ``runtime``:
    the folder of the kernel's connection file and sockets; ``course_root``: the course whose secrets are
    masked; ``cgroup_procs``: ``cgroup.procs`` files the kernel joins before it starts; ``run_as``: a
    dedicated uid the kernel runs as (root without a pids cgroup, so that ``RLIMIT_NPROC`` binds it);
    ``environment``: variables added to the kernel's environment (a prepared kernel's pre-imports);
    ``zygote``: the prepared process of forked kernels (``autograder.kernel.zygote``) in mode "userns" or "uid"
    (its forks switch to a dedicated uid): no ``prlimit`` (each fork sets its own), CAP_SYS_ADMIN (in the sandbox's
    user namespace, or with CAP_SETUID/CAP_SETGID where root launches it) to give each fork namespaces of its own;
    ``writable``: further folders bound writable (the forks' log folder).

    With ``run_as``, bubblewrap makes no user namespace (as root it would map the kernel to uid 0 outside,
    and only that one uid): it sets up the sandbox as root, keeps only CAP_SETUID/CAP_SETGID for ``setpriv``,
    which drops to ``run_as`` with no capabilities before ``prlimit`` and the kernel; /tmp is then 1777.
    """
    as_root = os.geteuid() == 0 if as_root is None else as_root
    package = Path(package_path())
    readable = _python_paths() + list(settings.readable_paths)
    data_folder = data_home()
    if data_folder and os.path.isdir(data_folder):
        readable.append(data_folder)
    binds = minimal(readable)
    uid_mode = run_as is not None or zygote == "uid"
    if not uid_mode:
        args = [bwrap_path(), "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent", "--clearenv"]
    else:
        args = [bwrap_path(), *NAMESPACES_WITHOUT_USER, "--die-with-parent", "--clearenv",
                "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    if zygote:
        args += ["--cap-add", "CAP_SYS_ADMIN"]
    args += _ro_system_binds()
    tmp_mode = [] if not uid_mode else ["--perms", "1777"]
    args += ["--proc", "/proc", "--dev", "/dev", "--size", str(settings.tmp_bytes), *tmp_mode, "--tmpfs", "/tmp"]
    mount = f"{PACKAGE_MOUNT}/autograder"
    if uid_mode:
        args += _open_parents([*binds, mount, scratch, runtime])
    for path in binds:
        args += ["--ro-bind", str(path), str(path)]
    # the engine and the samples, masked wherever the package also lies inside a bind (a regular install)
    hidden = hidden_package_parts(package)
    args += masks(binds, scratch, [*settings.hidden_paths, *map(str, hidden)], course_root)
    args += ["--perms", "0755", "--dir", mount]  # the kernel's parts of the package, and nothing else of it
    for part in KERNEL_PARTS:
        args += ["--ro-bind", str(package / part), f"{mount}/{part}"]
    for path in hidden:
        inside = path.relative_to(package)
        if inside.parts[0] in KERNEL_PARTS:  # samples: the graded answers
            args += mask_arguments(path, f"{mount}/{inside}")
    for folder in (scratch, runtime, *writable):
        args += ["--bind", str(folder), str(folder)]
    if zygote:  # what its forks share is read-only: the sandbox's root and /dev (each fork mounts its own /tmp, /dev/shm)
        args += ["--size", str(settings.tmp_bytes), "--tmpfs", "/dev/shm", "--remount-ro", "/dev", "--remount-ro", "/"]
    args += ["--chdir", str(scratch)]
    for name, value in {**kernel_environment(settings, data_folder), **(environment or {})}.items():
        args += ["--setenv", name, value]
    switch = [] if run_as is None else switch_uid_arguments(run_as)
    limited = [] if zygote else [*switch, *limit_arguments(settings, as_root, run_as is not None), "--"]
    wrapped = args + ["--", *limited, *cmd]
    if cgroup_procs:
        joins = " ".join(f"echo $$ > {procs};" for procs in cgroup_procs)
        wrapped = ["/bin/sh", "-c", f'{joins} exec "$@"', "sandbox", *wrapped]
    return wrapped
