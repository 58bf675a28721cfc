"""The kernel manager of grading kernels: starts each kernel inside bubblewrap, notes how it ended.

``SandboxedKernelManager`` is a jupyter_client ``AsyncKernelManager`` that nbgrader's ``Execute`` (an
nbclient ``NotebookClient``) uses through ``SandboxedExecute`` (``execute.py``). It gives each kernel its
limits (``limits.py``: control groups, or a dedicated uid), wraps its command line (``bwrap.py``), enforces the whole-notebook wall
clock, and on shutdown records how the kernel ended (``fate.py``).

A manager can also be *prepared* (``prepared.py``): started ahead in a folder of its own with the course's
imports done; ``hand_over`` gives it one notebook folder (copied in) and starts its wall clock. Forked kernels:
``forked.py``.
"""

import os
import shutil
import signal
import threading
import time
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from traitlets import default

from .bwrap import LAUNCHER_ENVIRONMENT, SAFE_PATH, bwrap_argv, course_masks, kernel_pythonpath
from ..errors import SandboxUnavailable
from . import kernel_uid, workfolder
from .. import scratch
from .fate import keep_report
from .limits import kernel_limits
from ..kernel.quiet_kernel import PREIMPORT_ENV
from ..kernel.variant import HUB_USER_ENV, VARIANTS_ENV
from .probe import check_available
from .settings import Sandbox


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
        self._limits = None
        self._handed_over = {}
        self._timer = None
        self._report = None
        self.last_report = None  # the report of this manager's kernel once it was shut down (``_finish``)
        self._logdir = None
        self._log = None
        self._prepared = None  # None: an ordinary kernel; "launching", "waiting", "handed": see prepared.py
        self._own_folder = None  # a prepared kernel's working folder (made, then removed, by this manager)
        self.launch_arguments = None  # extra_arguments of the kernel command (a prepared kernel must match)
        self.sweep_folder = False  # sweep its folder once it is gone (autograde: SandboxedExecute; prepared: its own)
        self.grading_environment = {}  # whom the kernel grades (autograder.variants.kernel_environment; SandboxedExecute)

    # preparing ahead (prepared.py)

    def launch_prepared(self, extra_arguments: list) -> None:
        """Start this kernel now in a fresh folder of its own; it waits (no wall clock yet) for ``hand_over``."""
        self._prepared = "launching"
        self._own_folder = scratch.make("prepared")
        self.sweep_folder = True  # what its notebook leaves there is reported (then the folder is removed)
        try:
            run_sync(self.start_kernel)(extra_arguments=list(extra_arguments), cwd=str(self._own_folder))
        except BaseException:
            self._prepared = "handed"  # never hand a half-started kernel over
            raise
        self._prepared = "waiting"

    def is_alive_now(self) -> bool:
        process = getattr(self.provisioner, "process", None) if self.provisioner is not None else None
        return process is not None and process.poll() is None

    @property
    def waiting(self) -> bool:
        return self._prepared == "waiting"

    def fits(self, settings: Sandbox) -> bool:
        """Whether this kernel's sandbox is the one ``settings`` would make for its notebook: the per-submission
        course differs from the one it was launched with, so the masks a fresh kernel would get must be the same."""
        if not self._sandboxed:
            return True
        old = Path(self.sandbox.course_root) if self.sandbox.course_root else None
        new = Path(settings.course_root) if settings.course_root else None
        return course_masks(self.sandbox, self._scratch, old) == course_masks(settings, self._scratch, new)

    def hand_over(self, folder, settings: Sandbox) -> None:
        """Give this prepared kernel its one notebook ``folder``: copy the folder's files (data files beside the
        notebook) into the kernel's own folder, report to the notebook's ``settings.report_dir`` and start the
        wall clock. A second call raises."""
        if self._prepared != "waiting":
            raise RuntimeError(f"a prepared kernel takes one notebook only (this one is {self._prepared})")
        self._prepared = "handed"
        self.sandbox.course_root = settings.course_root
        self.sandbox.report_dir = settings.report_dir
        if folder:
            shutil.copytree(folder, self._scratch, dirs_exist_ok=True, symlinks=True)
            if self._limits is not None and self._limits.uid is not None:
                kernel_uid.hand_over([self._scratch], self._limits.uid)  # the copies too; taken back below
            self._report["scratch"] = str(Path(folder).resolve())
        self._report["kernel_folder"] = str(self._scratch)
        self._report["handed_over"] = time.time()
        self._start_wall_clock()

    # launching

    async def _async_pre_start_kernel(self, **kw):
        cwd = kw.get("cwd") or os.getcwd()
        self._scratch = Path(cwd).resolve()
        if self._sandboxed:
            self._runtime = self._runtime_folder()
            self.connection_file = str(self._runtime / "kernel.json")
            self.ip = str(self._runtime / "ipc")
            self._logdir = scratch.make("kernel-log")
            self._make_limits()
        self.launch_arguments = list(kw.get("extra_arguments") or [])
        self._report = {
            "scratch": str(self._scratch),
            "prepared": self._prepared is not None,
            "sandboxed": self._sandboxed,
            "started": time.time(),
            "died": False,
            "wall_clock_expired": False,
            "oom_kills": 0,
            "pids_limit_hit": 0,
            "returncode": None,
            "signal": None,
            "process_limit": self._limits.processes if self._limits is not None else "",
        }
        return await super()._async_pre_start_kernel(**kw)

    def _runtime_folder(self) -> Path:
        """The folder of the kernel's connection file and sockets (a forked kernel's: its prepared process's)."""
        return scratch.make("kernel")

    def _make_limits(self) -> None:
        """The kernel's process and memory limits (``limits.py``); refused under ``require`` if none holds."""
        self._limits = kernel_limits(self.sandbox)
        if self._limits.processes.startswith("NOT APPLIED") and self.sandbox.require:
            self._limits.release()
            raise SandboxUnavailable(f"grading needs the sandbox's process limit, but it is {self._limits.processes}")

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
        groups = self._limits.groups if self._limits is not None else None
        return bwrap_argv(cmd, self.sandbox, self._scratch, self._runtime, self._course_root(),
                          cgroup_procs=groups.procs_files if groups is not None else (),
                          run_as=self._limits.uid if self._limits is not None else None,
                          environment=self._preimport_environment())

    def _preimport_environment(self) -> dict:
        """Whom the kernel grades (``grading_environment``) and what the kernel extension imports before the
        snapshot (``quiet_kernel``; prepared kernels only)."""
        env = {VARIANTS_ENV: "off", **self.grading_environment}  # not told the student: the default variant
        if self._prepared is not None and self.sandbox.preimports:
            env[PREIMPORT_ENV] = ",".join(self.sandbox.preimports)
        return env

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        env = dict(kw.get("env") or os.environ)
        env.pop(HUB_USER_ENV, None)  # the host's hub login (a grader run inside JupyterHub) is never a student's id
        env.update(self.sandbox.environment)  # unsandboxed kernels get it here, sandboxed ones via --setenv
        env.update(self._preimport_environment())
        env[SAFE_PATH] = "1"  # student files are importable only once the extension's snapshot is taken (quiet_kernel)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [kernel_pythonpath(sandboxed=False), env.get("PYTHONPATH")]))
        kw["env"] = env
        if self._sandboxed:  # bubblewrap's own environment: nothing of the grader's (its init's is readable inside)
            kw["env"] = dict(LAUNCHER_ENVIRONMENT)
            # The kernel's own terminal output (C-level writes, bwrap errors) goes to a host-only log.
            self._log = open(self._logdir / "kernel.log", "wb")
            kw["stdout"] = kw["stderr"] = self._log
            if self._limits is not None and self._limits.uid is not None:
                # the kernel's own uid must write its folder and read its connection file (root reads all)
                self._handed_over = kernel_uid.hand_over([self._scratch, self._runtime], self._limits.uid)
        await super()._async_launch_kernel(kernel_cmd, **kw)
        process = getattr(self.provisioner, "process", None)
        self._report["pid"] = process.pid if process is not None else None
        self._report["kernel_id"] = self.kernel_id
        if self._prepared is None:
            self._start_wall_clock()  # a prepared kernel's starts when it is handed its notebook

    def _start_wall_clock(self) -> None:
        if self.sandbox.wall_clock_seconds > 0:
            self._timer = threading.Timer(self.sandbox.wall_clock_seconds, self._wall_clock_expired)
            self._timer.daemon = True
            self._timer.start()

    def _wall_clock_expired(self) -> None:
        process = getattr(self.provisioner, "process", None)
        if process is not None and process.poll() is None:
            self._report["wall_clock_expired"] = True  # only if the timer, not something earlier, ended it
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except OSError:
                process.kill()

    async def _async_interrupt_kernel(self):  # SIGINT to bwrap's process group would kill bwrap: ask the kernel
        if not self._sandboxed:
            return await super()._async_interrupt_kernel()
        msg = self.session.msg("interrupt_request", content={})
        self._connect_control_socket()
        self.session.send(self._control_socket, msg)

    interrupt_kernel = _async_interrupt_kernel

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
        if self.sweep_folder and self._report is not None and self._scratch is not None:
            # the kernel is gone (with its pid namespace, all it started): before any host code writes or reads there
            self._report["planted"] = workfolder.sweep_checked(self._scratch)
            for finding in self._report["planted"]:
                self.log.error("integrity: %s (kernel folder %s)", finding, self._scratch)
        if self._own_folder is not None:  # a prepared kernel's folder (also when it never started)
            shutil.rmtree(self._own_folder, ignore_errors=True)
            self._own_folder = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._report is None:
            return
        if self._limits is not None:
            if self._limits.groups is not None:
                self._report["oom_kills"] = self._limits.groups.oom_kills()
                self._report["pids_limit_hit"] = self._limits.groups.pids_limit_hits()
            self._limits.release()
            self._limits = None
        if self._handed_over:
            kernel_uid.take_back(self._handed_over)
            self._handed_over = {}
        self._report["seconds"] = round(time.time() - self._report.pop("started"), 3)
        if self._runtime is not None and self._runtime.is_dir():  # the kernel wrote there: at any depth
            workfolder.remove_deep(self._runtime)
        if self._logdir is not None:
            if self._log is not None:
                self._log.close()
            with open(self._logdir / "kernel.log", "rb") as log:
                log.seek(max(0, os.path.getsize(log.name) - 2000))
                self._report["log_tail"] = log.read().decode("utf-8", "replace")
            shutil.rmtree(self._logdir, ignore_errors=True)
        self.last_report = dict(self._report)
        keep_report(self._report, self.sandbox.report_dir)
        self._report = None
