"""Kernels forked from the grading process's prepared process (``c.Sandbox.forked_kernels``).

``ForkedKernelManager`` is a ``SandboxedKernelManager`` whose kernel is not started from scratch inside a new
bubblewrap: the prepared process (``forkserver.py`` on the host, ``autograder.kernel.zygote`` inside the sandbox)
has imported the scientific stack once, and forks the kernel. Everything else is the same as for a fresh
kernel: its own working folder (the notebook folder's files are copied in; the kernel's leftovers are swept,
never copied back), connection file and sockets over the same transport, the same limits (rlimits set in the
fork, control groups joined before it runs, the dedicated uid), the same whole-notebook wall clock and kernel
report (``forked``: true), whom it grades (its environment is set in the fork) and its reference cache (a copy
in its runtime folder). Where no prepared process can be had, the kernel is started fresh and its report says
why (``fork_fallback``).
"""

import json
import os
import shutil
import stat
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager

from ..kernel.reference import ENV as REFERENCE_ENV
from . import forkserver, kernel_uid
from .forked_process import read_log
from .bwrap import SAFE_PATH, user_process_count
from .kernel_manager import SandboxedKernelManager
from .settings import CPU_GRACE_SECONDS

LAUNCHER = ["-m", "ipykernel_launcher"]


def copy_folder(source: Path, destination: Path) -> None:
    """Copy the notebook folder's files, at any depth without recursion: directories and regular files (content and
    permissions, never a setuid, setgid or sticky bit), links as links, nothing else (a fifo or a device is left
    out, never opened)."""
    todo = [(Path(source), Path(destination))]
    while todo:
        folder, into = todo.pop()
        for entry in os.scandir(folder):
            target = into / entry.name
            mode = entry.stat(follow_symlinks=False).st_mode
            if stat.S_ISLNK(mode):
                os.symlink(os.readlink(entry.path), target)
            elif stat.S_ISDIR(mode):
                target.mkdir()
                todo.append((Path(entry.path), target))
            elif stat.S_ISREG(mode):
                shutil.copyfile(entry.path, target, follow_symlinks=False)
                os.chmod(target, stat.S_IMODE(mode) & 0o777)


class ForkedKernelManager(SandboxedKernelManager):
    """A sandboxed kernel forked from a prepared process (see the module doc)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._server = None
        self._process = None
        self._fork_log = None
        self._copy_failed = ""
        self.notebook_folder = None

    def _forkable(self) -> bool:
        argv = list(getattr(self.kernel_spec, "argv", []) or [])
        return self._sandboxed and self._prepared is None and argv[1:3] == LAUNCHER

    async def _async_pre_start_kernel(self, **kw):
        refused = ""
        if self._forkable():
            self._server = forkserver.server_for(self.sandbox, self._course_root())
            if self._server is None:
                refused = forkserver.unavailable()
                self.log.warning("%s", refused)
        kernel_cmd, kw = await super()._async_pre_start_kernel(**kw)
        refused = refused or self._copy_failed
        if refused and self._report is not None:
            self._report["fork_fallback"] = refused
        if self.notebook_folder is not None:  # the kernel runs in a copy: its report names the notebook's folder
            self._report.update(scratch=str(self.notebook_folder), kernel_folder=str(self._scratch))
        return kernel_cmd, kw

    def _runtime_folder(self) -> Path:
        if self._server is None:
            return super()._runtime_folder()
        work, runtime, self._fork_log = self._server.slot()
        try:
            copy_folder(self._scratch, work)
        except Exception as error:  # noqa: BLE001 - whatever the folder holds, the notebook is graded: fresh
            self._server.settle(None)
            self._server, self._copy_failed = None, f"forked kernels unavailable, fresh kernel used: the notebook's " \
                f"folder could not be copied ({type(error).__name__}: {str(error)[:200]})"
            return super()._runtime_folder()
        self.notebook_folder, self._scratch = self._scratch, work
        return runtime

    def format_kernel_cmd(self, extra_arguments=None):
        if self._server is None:
            return super().format_kernel_cmd(extra_arguments)
        return AsyncKernelManager.format_kernel_cmd(self, extra_arguments)

    def _rlimits(self) -> dict:
        settings = self.sandbox
        limits = {"as": [settings.memory_bytes] * 2, "fsize": [settings.file_size_bytes] * 2, "core": [0, 0],
                  "cpu": [settings.cpu_seconds, settings.cpu_seconds + CPU_GRACE_SECONDS]}
        if self._limits is not None and self._limits.uid is not None:
            limits["nproc"] = [settings.max_processes] * 2
        elif os.geteuid() != 0:
            limits["nproc"] = [user_process_count() + settings.max_processes] * 2
        return limits

    def _environment(self) -> dict:
        env = {**self.sandbox.environment, **self._preimport_environment(), SAFE_PATH: "1"}
        cache = env.get(REFERENCE_ENV)
        if cache:  # the worker's file, copied: the kernel reads its own, never the worker's other variants
            copy = self._runtime / "reference-cache.pickle"
            shutil.copyfile(cache, copy, follow_symlinks=False)
            env[REFERENCE_ENV] = str(copy)
        return env

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        if self._server is None:
            return await super()._async_launch_kernel(kernel_cmd, **kw)
        uid = self._limits.uid if self._limits is not None else None
        if (uid is not None) != (self._server.mode == "uid"):  # this kernel's limits came out otherwise than foreseen
            self._server.settle(None)
            self._server = None
            return await self._launch_fresh(f"the kernel's process limit ({self._limits.processes}) does not match "
                                            "the prepared process's mode", **kw)
        env = self._environment()
        if uid is not None:
            self._handed_over = kernel_uid.hand_over([self._scratch, self._runtime], uid)
        groups = self._limits.groups if self._limits is not None else None
        env_file = self._runtime / "environment.json"  # read by the kernel, never by the prepared process
        env_file.write_text(json.dumps(env))
        request = {"cwd": str(self._scratch), "argv": kernel_cmd[3:], "env_file": str(env_file), "log": str(self._fork_log),
                   "rlimits": self._rlimits(), "uid": uid, "tmp_bytes": self.sandbox.tmp_bytes}
        try:
            self._process = self._server.fork(request, groups.procs_files if groups is not None else ())
        except forkserver.ForkUnavailable as error:  # it died or hangs: a fresh kernel for this notebook
            self._server.discard(str(error))
            self._server = None
            return await self._launch_fresh(error, **kw)
        provisioner = self.provisioner
        provisioner.process, provisioner.pid, provisioner.pgid = self._process, self._process.pid, None
        provisioner.cwd = str(self._scratch)
        self._reconcile_connection_info(provisioner.connection_info)
        self._report.update(pid=self._process.pid, kernel_id=self.kernel_id, forked=True)
        self._start_wall_clock()

    async def _launch_fresh(self, error, **kw):
        """Start this notebook's kernel fresh after its prepared process failed: new folders, connection file."""
        from .. import scratch

        self._report["fork_fallback"] = f"forked kernels unavailable, fresh kernel used: {error}"
        self.log.warning("%s", self._report["fork_fallback"])
        self._runtime, self._scratch = scratch.make("kernel"), Path(self.notebook_folder)
        self._connection_file_written = False
        self.connection_file, self.ip = str(self._runtime / "kernel.json"), str(self._runtime / "ipc")
        self.write_connection_file()
        self.provisioner.connection_info = self.get_connection_info()
        cmd = SandboxedKernelManager.format_kernel_cmd(self, self.launch_arguments)
        return await SandboxedKernelManager._async_launch_kernel(self, cmd, **kw)

    def _finish(self) -> None:
        server, process = self._server, self._process
        self._server = self._process = None
        if process is not None and process.returncode is None:
            process.kill()  # the kernel and its namespace end before anything of them is read
            try:
                process.wait(forkserver.ANSWER_SECONDS)
            except Exception:  # noqa: BLE001 - settle discards a prepared process whose fork does not end
                pass
        if server is not None and self._logdir is not None:
            (self._logdir / "kernel.log").write_bytes(read_log(self._fork_log) if self._fork_log else b"")
        try:
            super()._finish()
        finally:
            if server is not None:
                server.settle(process)
