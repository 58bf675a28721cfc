"""Grading kernels inside bubblewrap: a read-only system, no network, one writable folder, hard limits.

Student code runs in the same kernel as the hidden tests, so the kernel itself is the thing to lock up.
``SandboxedKernelManager`` is a jupyter_client kernel manager that nbgrader's ``Execute`` preprocessor (an
nbclient ``NotebookClient``) uses through ordinary configuration (``c.Execute.kernel_manager_class``, see
``nbgrader_config.py``), so plain ``nbgrader autograde`` and the grading engine both get it. It wraps the
kernel's command line in ``bwrap``:

* the file system is built from nothing: read-only binds of the system (/usr, /etc, /lib...), of the
  Python environment (``sys.prefix``, ``sys.base_prefix``), of the ``autograder`` package (without its
  ``samples/``) and of the scikit-learn data cache; the only writable folder is the notebook's own
  working directory (nbgrader's per-submission folder); /tmp is a small private tmpfs. The course's
  source/, solutions/, gradebook databases, the exchange, other students' folders and $HOME are simply
  not there (and are masked should one of the binds contain them, e.g. a venv inside the checkout);
* no network (``--unshare-net``): kernel and client talk over Unix sockets (``transport = "ipc"``) in a
  private runtime folder bound into the sandbox;
* limits: address space (``RLIMIT_AS``), file size, CPU time, processes (``RLIMIT_NPROC``, and a
  ``pids`` cgroup when running as root, where ``RLIMIT_NPROC`` does not apply), an optional ``memory``
  cgroup, and a wall-clock limit for the whole notebook on top of nbgrader's per-cell timeout.

How the kernel ended is kept (``kernel_reports``) and ``classify_kernel_fate`` turns it, with the
executed notebook and any exception, into one of ``autograder.records.KERNEL_FATES``.
Where bubblewrap is missing the kernel runs unsandboxed with a loud warning, or, with
``Sandbox.require = True``, grading refuses with ``SandboxUnavailable``.
"""

import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import uuid
import warnings
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, Dict, Integer, List, Unicode, default
from traitlets.config import Configurable

from .errors import SandboxUnavailable

GiB = 1024**3
MiB = 1024**2
CPU_GRACE_SECONDS = 5  # hard RLIMIT_CPU after the soft one: the SIGXCPU that ends the kernel comes first
BWRAP_PACKAGES = ("bubblewrap", "util-linux")  # Debian packages: bwrap, prlimit
COURSE_SECRETS = ("source", "solutions", "submitted", "autograded", "feedback", "exchange", "release", ".git")
_CGROUP_ROOT = Path("/sys/fs/cgroup")


class Sandbox(Configurable):
    """Settings of the grading sandbox (``c.Sandbox.*`` in nbgrader_config.py)."""

    enabled = Bool(True, help="Run grading kernels inside bubblewrap.").tag(config=True)
    require = Bool(False, help="Refuse to grade when bubblewrap cannot be used (instead of warning).").tag(config=True)
    memory_bytes = Integer(6 * GiB, help="RLIMIT_AS of the kernel (virtual memory, bytes).").tag(config=True)
    cgroup_memory_bytes = Integer(4 * GiB, help="memory cgroup limit when cgroups are writable (0: none).").tag(config=True)
    max_processes = Integer(128, help="Processes and threads of the kernel (RLIMIT_NPROC / pids cgroup).").tag(config=True)
    file_size_bytes = Integer(256 * MiB, help="RLIMIT_FSIZE: largest file the kernel may write.").tag(config=True)
    cpu_seconds = Integer(1800, help="RLIMIT_CPU of the kernel.").tag(config=True)
    wall_clock_seconds = Integer(900, help="Whole-notebook wall-clock limit; the kernel is killed after it.").tag(config=True)
    tmp_bytes = Integer(256 * MiB, help="Size of the private /tmp inside the sandbox.").tag(config=True)
    readable_paths = List(Unicode(), help="Extra folders bound read-only into the sandbox.").tag(config=True)
    hidden_paths = List(Unicode(), help="Extra paths masked inside the sandbox.").tag(config=True)
    environment = Dict(value_trait=Unicode(), help="Extra environment variables of the kernel (sandboxed or not).").tag(config=True)
    course_root = Unicode("", help="The course folder whose secrets are masked (default: CourseDirectory.root).").tag(config=True)
    report_dir = Unicode("", help="If set, each kernel appends how it ended to report_dir/kernels.jsonl.").tag(config=True)


def course_secrets(root: Path) -> list:
    """What a kernel must never see of the course at ``root``: its folders (``COURSE_SECRETS``) and databases."""
    root = Path(root)
    return [root / name for name in COURSE_SECRETS] + sorted(root.glob("*.db")) + sorted(root.glob("*.sqlite*"))


def bwrap_path() -> str | None:
    """The ``bwrap`` executable, or None."""
    return shutil.which("bwrap")


_PROBE = {}


def sandbox_available() -> tuple[bool, str]:
    """Whether bubblewrap can start a sandbox here, and why not (``apt-get install -y bubblewrap``)."""
    if "result" in _PROBE:
        return _PROBE["result"]
    import subprocess

    bwrap = bwrap_path()
    if bwrap is None:
        result = (False, "bubblewrap is not installed: run `apt-get install -y bubblewrap` (Debian/Ubuntu)")
    else:
        probe = subprocess.run(
            [bwrap, "--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "/bin/true"],
            capture_output=True,
            text=True,
        )
        if probe.returncode == 0:
            result = (True, "")
        else:
            result = (False, f"bubblewrap cannot create namespaces here ({probe.stderr.strip()}): "
                             "enable unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1) or run as root")
    _PROBE["result"] = result
    return result


def check_available(settings: Sandbox) -> bool:
    """True if kernels will be sandboxed; warns loudly, or raises ``SandboxUnavailable`` if required."""
    if not settings.enabled:
        if settings.require:
            raise SandboxUnavailable("the grading sandbox is disabled (c.Sandbox.enabled = False) but required: enable it.")
        return False
    ok, why = sandbox_available()
    if ok:
        return True
    if settings.require:
        raise SandboxUnavailable(f"grading needs the sandbox, but {why}.")
    message = f"GRADING WITHOUT SANDBOX: {why}. Student code can read the gradebook and hidden tests."
    warnings.warn(message, RuntimeWarning, stacklevel=2)
    print(f"WARNING: {message}", file=sys.stderr)
    return False


def config_overrides(scratch_dir=None, course_root=None, require: bool = False, **settings) -> dict:
    """``{"Class.trait": value}`` overrides that sandbox the grading kernels of one submission.

    For ``autograder.course.load_config(root, **overrides)``. ``scratch_dir`` is not needed by the
    sandbox (the kernel's working directory, i.e. the notebook's folder, is the one writable place),
    but where given it is checked to exist. ``settings`` are other ``Sandbox`` traits, e.g.
    ``wall_clock_seconds=300``.
    """
    if scratch_dir is not None and not Path(scratch_dir).is_dir():
        raise FileNotFoundError(f"scratch folder {scratch_dir} does not exist")
    overrides = {
        "Autograde.autograde_preprocessors": autograde_preprocessors(),
        "Sandbox.enabled": True,
        "Sandbox.require": bool(require),
    }
    if course_root is not None:
        overrides["Sandbox.course_root"] = str(Path(course_root).resolve())
    for trait, value in settings.items():
        if not Sandbox.class_traits(config=True).get(trait):
            raise KeyError(f"Sandbox has no setting {trait!r}")
        overrides[f"Sandbox.{trait}"] = value
    return overrides


def autograde_preprocessors() -> list:
    """nbgrader's ``Autograde.autograde_preprocessors`` with ``Execute`` replaced by ``SandboxedExecute``."""
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import Execute

    defaults = Autograde.class_traits()["autograde_preprocessors"].default()
    return [SandboxedExecute if pp is Execute else pp for pp in defaults]


# --- how kernels ended ----------------------------------------------------------------------------

_REPORTS: list = []
_REPORTS_LOCK = threading.Lock()


def kernel_reports(scratch_dir=None, clear: bool = False) -> list:
    """Reports of the kernels this process ran (of the ones whose working dir is ``scratch_dir``)."""
    with _REPORTS_LOCK:
        wanted = None if scratch_dir is None else str(Path(scratch_dir).resolve())
        found = [r for r in _REPORTS if wanted is None or r.get("scratch") == wanted]
        if clear:
            _REPORTS[:] = [r for r in _REPORTS if r not in found]
        return [dict(r) for r in found]


def read_report_dir(report_dir) -> list:
    """Reports written by kernels configured with ``Sandbox.report_dir`` (possibly in other processes)."""
    path = Path(report_dir) / "kernels.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _error_names(notebook) -> list:
    names = []
    for cell in getattr(notebook, "cells", None) or (notebook or {}).get("cells", []):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                names.append(output.get("ename", ""))
    return names


def classify_kernel_fate(notebook=None, error: BaseException | None = None, reports=()) -> str:
    """``"ok"``, ``"timeout"``, ``"died"`` or ``"out of memory"`` (see ``autograder.records.KERNEL_FATES``).

    ``notebook``: the executed notebook (outputs are read for MemoryError / CellTimeoutError),
    ``error``: the exception execution raised, if any (nbclient's DeadKernelError, CellTimeoutError...),
    ``reports``: ``kernel_reports(...)`` of the kernels that ran it.
    """
    reports = list(reports)
    names = _error_names(notebook) if notebook is not None else []
    error_name = type(error).__name__ if error is not None else ""
    if any(r.get("oom_kills", 0) > 0 for r in reports) or "MemoryError" in names or error_name == "MemoryError":
        return "out of memory"
    if any(r.get("wall_clock_expired") for r in reports) or any(r.get("signal") == "SIGXCPU" for r in reports):
        return "timeout"
    if error_name in ("CellTimeoutError", "TimeoutError") or "CellTimeoutError" in names:
        return "timeout"
    if error_name == "DeadKernelError" or any(r.get("died") for r in reports):
        return "died"
    return "ok"


# --- the kernel manager ---------------------------------------------------------------------------


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


def _package_path() -> str:
    return str(Path(__file__).resolve().parent)


def _data_home() -> str:
    """scikit-learn's data folder, by its own rule (``autograder.data``; importing scikit-learn here costs ~1.7 s)."""
    from .data import data_home

    return str(data_home().resolve())


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
        return True
    except ValueError:
        return False


def _minimal(paths) -> list:
    """Drop paths that lie inside another path of the list."""
    resolved = sorted({Path(p).resolve() for p in paths}, key=lambda p: len(p.parts))
    kept = []
    for path in resolved:
        if not any(_inside(path, k) for k in kept):
            kept.append(path)
    return kept


def _cgroup_create(controller: str, name: str, settings: dict) -> Path | None:
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


def _cgroup_remove(folder: Path) -> None:
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


class SandboxedKernelManager(AsyncKernelManager):
    """An AsyncKernelManager whose kernel runs inside bubblewrap with resource limits (see module doc)."""

    @default("transport")
    def _default_transport(self):
        return "ipc"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.sandbox = Sandbox(parent=self, config=self.config)
        self._sandboxed = check_available(self.sandbox)
        if not self._sandboxed:
            self.transport = "tcp"
        self._scratch = None
        self._runtime = None
        self._cgroups = []
        self._timer = None
        self._report = None
        self._logdir = None
        self._log = None

    # launching

    async def _async_pre_start_kernel(self, **kw):
        cwd = kw.get("cwd") or os.getcwd()
        self._scratch = Path(cwd).resolve()
        if self._sandboxed:
            self._runtime = Path(tempfile.mkdtemp(prefix="autograder-kernel-"))
            self.connection_file = str(self._runtime / "kernel.json")
            self.ip = str(self._runtime / "ipc")
            self._logdir = Path(tempfile.mkdtemp(prefix="autograder-kernel-log-"))
            self._make_cgroups()
        self._report = {
            "scratch": str(self._scratch),
            "sandboxed": self._sandboxed,
            "started": time.time(),
            "died": False,
            "wall_clock_expired": False,
            "oom_kills": 0,
            "pids_limit_hit": 0,
            "returncode": None,
            "signal": None,
        }
        return await super()._async_pre_start_kernel(**kw)

    def _make_cgroups(self) -> None:
        if os.geteuid() != 0:
            return
        # a grading worker killed mid-notebook never removes its kernel's groups: sweep those first
        lifetime = self.sandbox.wall_clock_seconds if self.sandbox.wall_clock_seconds > 0 else 24 * 3600
        for controller in ("pids", "memory"):
            sweep_stale_cgroups(controller, older_than=lifetime + 60)
        name = uuid.uuid4().hex
        pids = _cgroup_create("pids", name, {"pids.max": self.sandbox.max_processes})
        if pids:
            self._cgroups.append(pids)
        if self.sandbox.cgroup_memory_bytes > 0:
            memory = _cgroup_create(
                "memory", name,
                {"memory.limit_in_bytes": self.sandbox.cgroup_memory_bytes,
                 "memory.memsw.limit_in_bytes": self.sandbox.cgroup_memory_bytes},
            ) or _cgroup_create("memory", name, {"memory.limit_in_bytes": self.sandbox.cgroup_memory_bytes})
            if memory:
                self._cgroups.append(memory)

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        if not self._sandboxed:
            return cmd
        return self._wrap(cmd)

    def _course_root(self) -> Path | None:
        if self.sandbox.course_root:
            return Path(self.sandbox.course_root).resolve()
        root = self.config.get("CourseDirectory", {}).get("root")
        if root:
            return Path(root).resolve()
        return Path.cwd() if (Path.cwd() / "nbgrader_config.py").is_file() else None

    def _wrap(self, cmd: list) -> list:
        s = self.sandbox
        scratch = self._scratch
        readable = _python_paths() + [_package_path(), *s.readable_paths]
        data_home = _data_home()
        if data_home and os.path.isdir(data_home):
            readable.append(data_home)
        binds = _minimal(readable)
        args = [bwrap_path(), "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent", "--clearenv"]
        args += _ro_system_binds()
        args += ["--proc", "/proc", "--dev", "/dev", "--size", str(s.tmp_bytes), "--tmpfs", "/tmp"]
        for path in binds:
            args += ["--ro-bind", str(path), str(path)]
        args += self._masks(binds)
        args += ["--bind", str(scratch), str(scratch), "--bind", str(self._runtime), str(self._runtime)]
        args += ["--chdir", str(scratch)]
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
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        }
        if data_home:
            env["SCIKIT_LEARN_DATA"] = data_home
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "PYTHONHASHSEED", "TZ"):
            if name in os.environ:
                env[name] = os.environ[name]
        env.update(s.environment)
        for name, value in env.items():
            args += ["--setenv", name, value]
        limits = [
            shutil.which("prlimit") or "/usr/bin/prlimit",
            f"--as={s.memory_bytes}",
            f"--fsize={s.file_size_bytes}",
            f"--cpu={s.cpu_seconds}:{s.cpu_seconds + CPU_GRACE_SECONDS}",  # SIGXCPU first (a "timeout"), SIGKILL later
            "--core=0",
        ]
        if os.geteuid() != 0:
            # RLIMIT_NPROC counts every process of the user, so leave room for the ones already running.
            limits.append(f"--nproc={_user_process_count() + s.max_processes}")
        wrapped = args + ["--", *limits, "--", *cmd]
        if self._cgroups:
            joins = " ".join(f"echo $$ > {g}/cgroup.procs;" for g in self._cgroups)
            wrapped = ["/bin/sh", "-c", f'{joins} exec "$@"', "sandbox", *wrapped]
        return wrapped

    def _masks(self, binds: list) -> list:
        """Mask course secrets (and ``Sandbox.hidden_paths``) that lie inside a read-only bind."""
        candidates = [Path(p) for p in self.sandbox.hidden_paths]
        root = self._course_root()
        if root is not None:
            candidates += course_secrets(root)
        package = Path(_package_path())
        candidates.append(package / "samples")
        home = Path.home().resolve()
        candidates += [home / name for name in (".ssh", ".jupyter", ".local/share/jupyter", ".gitconfig", ".netrc")]
        args = []
        for path in candidates:
            path = path.resolve()
            if not path.exists() or _inside(self._scratch, path):
                continue
            if any(_inside(path, b) for b in binds):
                args += ["--tmpfs", str(path)] if path.is_dir() else ["--ro-bind", "/dev/null", str(path)]
        return args

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        env = dict(kw.get("env") or os.environ)
        env.update(self.sandbox.environment)  # unsandboxed kernels get it here, sandboxed ones via --setenv
        kw["env"] = env
        if self._sandboxed:
            env.pop("JPY_PARENT_PID", None)
            # The kernel's own terminal output (C-level writes, bwrap errors) goes to a host-only log.
            self._log = open(self._logdir / "kernel.log", "wb")
            kw["stdout"] = kw["stderr"] = self._log
        await super()._async_launch_kernel(kernel_cmd, **kw)
        if self.sandbox.wall_clock_seconds > 0:
            self._timer = threading.Timer(self.sandbox.wall_clock_seconds, self._wall_clock_expired)
            self._timer.daemon = True
            self._timer.start()

    def _wall_clock_expired(self) -> None:
        self._report["wall_clock_expired"] = True
        process = getattr(self.provisioner, "process", None)
        if process is not None and process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except OSError:
                process.kill()

    # interrupting: SIGINT to the bwrap process group would kill bwrap, so ask the kernel itself.

    async def _async_interrupt_kernel(self):
        if not self._sandboxed:
            return await super()._async_interrupt_kernel()
        msg = self.session.msg("interrupt_request", content={})
        self._connect_control_socket()
        self.session.send(self._control_socket, msg)

    interrupt_kernel = _async_interrupt_kernel

    # shutting down: note how the kernel ended, then clean up.

    def _note_if_dead(self) -> None:
        """If the kernel process has already exited (it died: we did not stop it), record how."""
        process = getattr(self.provisioner, "process", None) if self.provisioner is not None else None
        code = process.poll() if process is not None else None
        if self._report is not None and code is not None:
            self._report["died"] = True
            self._record_exit(code)

    async def _async_shutdown_kernel(self, now: bool = False, restart: bool = False):
        self._note_if_dead()
        self._stopping = True
        try:
            await super()._async_shutdown_kernel(now=now, restart=restart)
        finally:
            self._finish()

    shutdown_kernel = _async_shutdown_kernel

    async def _async_cleanup_resources(self, restart: bool = False):
        # nbclient skips shutdown_kernel when the kernel is already dead and only cleans up.
        if not getattr(self, "_stopping", False):
            self._note_if_dead()
        try:
            await super()._async_cleanup_resources(restart=restart)
        finally:
            self._finish()

    cleanup_resources = _async_cleanup_resources

    def _record_exit(self, code: int) -> None:
        self._report["returncode"] = code
        if code < 0:
            self._report["signal"] = signal.Signals(-code).name
        elif code > 128 and code - 128 in signal.Signals._value2member_map_:
            self._report["signal"] = signal.Signals(code - 128).name

    def _finish(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._report is None:
            return
        for group in self._cgroups:
            if group.parent.parent.name == "memory":
                self._report["oom_kills"] = _oom_kills(group)
            if group.parent.parent.name == "pids":
                self._report["pids_limit_hit"] = _events_max(group)
            _cgroup_remove(group)
        self._cgroups = []
        self._report["seconds"] = round(time.time() - self._report.pop("started"), 3)
        if self._runtime is not None:
            shutil.rmtree(self._runtime, ignore_errors=True)
        if self._logdir is not None:
            if self._log is not None:
                self._log.close()
            with open(self._logdir / "kernel.log", "rb") as log:
                log.seek(max(0, os.path.getsize(log.name) - 2000))
                self._report["log_tail"] = log.read().decode("utf-8", "replace")
            shutil.rmtree(self._logdir, ignore_errors=True)
        with _REPORTS_LOCK:
            _REPORTS.append(dict(self._report))
        if self.sandbox.report_dir:
            folder = Path(self.sandbox.report_dir)
            folder.mkdir(parents=True, exist_ok=True)
            with open(folder / "kernels.jsonl", "a") as out:
                out.write(json.dumps(self._report) + "\n")
        self._report = None


def _oom_kills(group: Path) -> int:
    try:
        for line in (group / "memory.oom_control").read_text().splitlines():
            if line.startswith("oom_kill "):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _events_max(group: Path) -> int:
    try:
        return int((group / "pids.events").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return 0


def _user_process_count() -> int:
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


def _sandboxed_execute():
    from nbgrader.preprocessors import Execute

    class SandboxedExecute(Execute):
        """nbgrader's Execute whose kernels are started by ``SandboxedKernelManager``.

        nbgrader's ``Execute.__init__`` forces ``kernel_manager_class``, so ``c.Execute.kernel_manager_class``
        cannot be set from configuration; this subclass picks the sandboxed manager instead (and every
        ``c.Execute.*`` setting still applies to it).
        """

        def __init__(self, *args, **kwargs):
            kwargs.setdefault("kernel_manager_class", SandboxedKernelManager)
            super().__init__(*args, **kwargs)

    SandboxedExecute.__module__ = __name__
    return SandboxedExecute


SandboxedExecute = _sandboxed_execute()
