"""The host side of forked kernels: one prepared process (``autograder.kernel.zygote``) per grading process.

``server_for`` gives the grading process's running ``ForkServer`` when it was started with the same launch
settings (``signature``: every ``Sandbox`` setting that shapes the sandbox, the course's masks and the uid
mode), else discards it and starts a fresh one inside bubblewrap. ``ForkServer.fork`` asks it for one kernel
(``ForkedProcess``, a ``Popen`` look-alike for jupyter_client's provisioner); before the kernel runs, the host
moves it into the kernel's control groups. ``ForkServer.settle`` runs once that kernel has ended: the working,
runtime and log folders are emptied and the prepared process must be alive and alone in its sandbox, else it
is discarded (the next submission gets a fresh one). Whatever cannot be had (no bubblewrap, a prepared process
that does not start or is not single-threaded) gives ``None``: the notebook's kernel is then started fresh,
as without forking, and the reason is kept (``unavailable``) for the summary.
"""

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from .. import scratch
from .bwrap import LAUNCHER_ENVIRONMENT, bwrap_argv, course_masks
from .settings import Sandbox

READY_SECONDS = 120  # imports of the scientific stack on a loaded machine
ANSWER_SECONDS = 30
THREADS_ONE = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                                       "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")}
# One prepared process per grading thread (a Dask worker may grade in several): it forks one kernel at a time
_STATE: dict = {"servers": {}, "unavailable": "", "registered": False, "started": 0, "discarded": []}
_LOCK = threading.Lock()


class ForkUnavailable(RuntimeError):
    """The prepared process could not be had; the kernel is started fresh instead."""


def _statuses() -> dict:
    """Every process of this machine: host pid -> (parent pid, pid in its innermost namespace)."""
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status") as status:
                fields = dict(line.split(":", 1) for line in status if ":" in line)
            found[int(entry.name)] = (int(fields["PPid"]), int(fields.get("NSpid", entry.name).split()[-1]))
        except (OSError, ValueError, KeyError):
            continue
    return found


def descendants(ancestor: int, statuses: dict | None = None) -> dict:
    """The host pids under ``ancestor`` -> their pid in their innermost pid namespace."""
    statuses = _statuses() if statuses is None else statuses
    children: dict = {}
    for pid, (parent, _) in statuses.items():
        children.setdefault(parent, []).append(pid)
    found, todo = {}, list(children.get(ancestor, []))
    while todo:
        pid = todo.pop()
        found[pid] = statuses[pid][1]
        todo += children.get(pid, [])
    return found


class ForkedProcess:
    """One forked kernel, seen as ``subprocess.Popen``: ``pid`` (its keeper's host pid), ``poll``, ``wait``,
    ``send_signal``, ``kill``, ``terminate``. Its return code comes from the prepared process."""

    stdin = stdout = stderr = None

    def __init__(self, number: int, pid: int):
        self.number, self.pid, self.returncode = number, pid, None
        self._ended = threading.Event()
        self._pidfd = os.pidfd_open(pid)

    def _end(self, status: int) -> None:
        self.returncode = status
        self._ended.set()

    def poll(self):
        return self.returncode

    def wait(self, timeout=None):
        if not self._ended.wait(timeout):
            raise subprocess.TimeoutExpired("forked kernel", timeout)
        return self.returncode

    def send_signal(self, number: int) -> None:
        if self.returncode is None:
            try:
                signal.pidfd_send_signal(self._pidfd, number)
            except ProcessLookupError:
                pass

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def close(self) -> None:
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None


def uid_mode(settings: Sandbox) -> str:
    """"uid" where each kernel runs under a dedicated uid (root without a usable pids cgroup), else "userns"."""
    from .limits import usable_hierarchy
    from . import kernel_uid

    if os.geteuid() == 0 and usable_hierarchy()[0] is None and kernel_uid.setpriv_path():
        return "uid"
    return "userns"


def _reference_env() -> str:
    from ..kernel.reference import ENV

    return ENV


def _workdir() -> Path:
    """The grading process's folder of reference caches (``prepared.workdir``): copied into each fork, never shared."""
    from .prepared import workdir

    return workdir()


def signature(settings: Sandbox, course_root) -> str:
    """What must be equal for a prepared process to fork a notebook's kernel."""
    per_fork = {"course_root", "report_dir", "prepared_kernels", "prepare_while_running", "forked_kernels",
                "memory_bytes", "cgroup_memory_bytes", "max_processes", "file_size_bytes", "cpu_seconds",
                "wall_clock_seconds", "tmp_bytes"}  # limits are set in each fork, the reference cache copied to it
    traits = {name: getattr(settings, name) for name in settings.trait_names(config=True) if name not in per_fork}
    traits["environment"] = {k: v for k, v in settings.environment.items() if k != _reference_env()}
    traits["readable_paths"] = [p for p in settings.readable_paths if Path(p).parent != _workdir()]
    masks = course_masks(settings, Path("/nonexistent"), Path(course_root) if course_root else None)
    return json.dumps({"sandbox": traits, "masks": masks, "mode": uid_mode(settings)}, sort_keys=True, default=str)


class ForkServer:
    """A running prepared process (see the module doc)."""

    def __init__(self, settings: Sandbox, course_root, sig: str):
        self.signature, self.mode = sig, uid_mode(settings)
        # the runtime folder's name is no longer than a fresh kernel's: a unix socket's path has at most 107 bytes
        self.work, self.runtime, self.logs = scratch.make("fork-work"), scratch.make("fork"), scratch.make("fork-log")
        os.chmod(self.logs, 0o700)
        for folder in (self.work, self.runtime):  # a kernel's dedicated uid crosses them to its own folders
            os.chmod(folder, 0o755)
        self._log = open(self.logs / "zygote.log", "wb")
        self.number, self.forked, self._processes, self._answers = 0, 0, {}, {}
        self._lock = threading.Condition()
        env = {**THREADS_ONE, "AUTOGRADER_PREIMPORT": ",".join(settings.preimports)}
        shared = Sandbox(config=settings.config)  # what every fork shares: no submission's reference cache
        shared.readable_paths = [p for p in settings.readable_paths if Path(p).parent != _workdir()]
        shared.environment = {k: v for k, v in settings.environment.items() if k != _reference_env()}
        argv = bwrap_argv([sys.executable, "-m", "autograder.kernel.zygote"], shared, self.work, self.runtime,
                          Path(course_root) if course_root else None, environment=env, zygote=self.mode,
                          writable=[self.logs])
        self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
                                        start_new_session=True, cwd=self.work, env=LAUNCHER_ENVIRONMENT)
        self._reader = threading.Thread(target=self._read, daemon=True, name="fork-server")
        self._reader.start()
        ready = self._answer("ready", READY_SECONDS)
        if ready is None:
            self.discard()
            raise ForkUnavailable(f"the prepared process did not start ({self.log_tail()!r})")
        self.threads = ready["threads"]
        found = [pid for pid, ns in descendants(self.process.pid).items() if ns == ready["ready"]]
        if self.threads != 1 or len(found) != 1:
            self.discard()
            raise ForkUnavailable(f"the prepared process is not alone and single-threaded ({self.threads} threads)")
        self.pid = found[0]
        self._pidfd = os.pidfd_open(self.pid)  # readable once the prepared process has ended

    def _read(self) -> None:
        for line in self.process.stdout:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            with self._lock:
                if "ended" in message:
                    process = self._processes.pop(message["ended"], None)
                    if process is not None:
                        process._end(message["status"])
                if "ready" in message or "forked" in message:
                    self._answers["ready" if "ready" in message else ("forked", message["forked"])] = message
                self._lock.notify_all()
        with self._lock:  # the prepared process is gone: so are its forks
            for process in self._processes.values():
                process._end(-signal.SIGKILL)
            self._processes.clear()
            self._lock.notify_all()

    def _answer(self, key, seconds: float):
        deadline = time.monotonic() + seconds
        with self._lock:
            while key not in self._answers:
                left = deadline - time.monotonic()
                if left <= 0 or self.process.poll() is not None and not self._reader.is_alive():
                    return None
                self._lock.wait(min(left, 0.5))
            return self._answers.pop(key)

    def _send(self, message: dict) -> None:
        self.process.stdin.write((json.dumps(message) + "\n").encode())
        self.process.stdin.flush()

    def alive(self) -> bool:
        if self.process.poll() is not None or not self._reader.is_alive() or self._pidfd is None:
            return False
        return not select.select([self._pidfd], [], [], 0)[0]

    def slot(self) -> tuple:
        """The next kernel's working folder, runtime folder and log file (the previous kernel's are gone)."""
        self.number += 1
        work, runtime = self.work / str(self.number), self.runtime / str(self.number)
        work.mkdir()
        runtime.mkdir()
        return work, runtime, self.logs / f"kernel-{self.number}.log"

    def fork(self, request: dict, cgroup_procs=()) -> ForkedProcess:
        """Fork one kernel for ``request`` (see ``autograder.kernel.zygote``); it joins ``cgroup_procs`` first."""
        number = self.number
        try:
            self._send({**request, "fork": number, "wait": bool(cgroup_procs), "hide": [str(self.logs)],
                        "keep": [str(self.work / str(number)), str(self.runtime / str(number))]})
        except OSError as error:
            raise ForkUnavailable(f"the prepared process does not answer ({error})") from error
        answer = self._answer(("forked", number), ANSWER_SECONDS)
        if answer is None:
            raise ForkUnavailable("the prepared process did not fork in time")
        host = [pid for pid, ns in descendants(self.pid).items() if ns == answer["pid"]]
        if len(host) != 1:
            raise ForkUnavailable("the forked kernel's process was not found")
        process = ForkedProcess(number, host[0])
        with self._lock:
            self._processes[number] = process
        for procs in cgroup_procs:
            Path(procs).write_text(str(process.pid))
        if cgroup_procs:
            self._send({"go": number})
        self.forked += 1
        return process

    def settle(self, process: ForkedProcess | None) -> None:
        """After a kernel ended: empty the writable folders, check the prepared process is alive and alone."""
        if process is not None:
            process.kill()
            if process.returncode is None:
                try:
                    process.wait(ANSWER_SECONDS)
                except subprocess.TimeoutExpired:
                    self.discard("a forked kernel did not end")
                    return
            process.close()
        for folder in (self.work, self.runtime, self.logs):
            for entry in os.scandir(folder):
                if entry.name != "zygote.log":
                    path = Path(entry.path)
                    shutil.rmtree(path) if entry.is_dir(follow_symlinks=False) else path.unlink()
        left = descendants(self.pid)
        if not self.alive() or left:  # a leftover it could not end, or the prepared process died: never fork from it again
            self.discard(f"{len(left)} process(es) left after a kernel" if left else "the prepared process died")

    def log_tail(self) -> str:
        try:
            with open(self.logs / "zygote.log", "rb") as log:
                return log.read()[-2000:].decode("utf-8", "replace")
        except OSError:
            return ""

    def discard(self, why: str = "") -> None:
        """End the prepared process and everything in its sandbox, remove its folders; ``why`` is logged."""
        if why:
            _STATE["discarded"].append(why)
            print(f"autograder: prepared process of forked kernels discarded ({why}); the next kernel gets a fresh one",
                  file=sys.stderr)
        with _LOCK:
            for thread, server in list(_STATE["servers"].items()):
                if server is self:
                    del _STATE["servers"][thread]
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            pass
        for process in list(self._processes.values()):
            process._end(-signal.SIGKILL)
        if getattr(self, "_pidfd", None) is not None:
            os.close(self._pidfd)
            self._pidfd = None
        self._log.close()
        for folder in (self.work, self.runtime, self.logs):
            shutil.rmtree(folder, ignore_errors=True)


def server_for(settings: Sandbox, course_root) -> ForkServer | None:
    """This process's prepared process for ``settings`` (started if needed); None, with the reason kept, if
    none can be had."""
    sig = signature(settings, course_root)
    server = _current()
    if server is not None and (server.signature != sig or not server.alive()):
        server.discard()
        server = None
    if server is None:
        try:
            server = ForkServer(settings, course_root, sig)
        except (ForkUnavailable, OSError) as error:
            _STATE["unavailable"] = f"forked kernels unavailable, fresh kernels used: {error}"
            return None
        with _LOCK:
            _STATE["servers"][threading.get_ident()] = server
            _STATE["started"] += 1
        _register_exit()
    return server


def _current() -> ForkServer | None:
    """This thread's prepared process, if it has one."""
    return _STATE["servers"].get(threading.get_ident())


def unavailable() -> str:
    """Why this process last had to start a kernel fresh instead of forking it ("" if it never had to)."""
    return _STATE["unavailable"]


def started() -> int:
    """Prepared processes this process started (a discarded one is replaced by a fresh one)."""
    return _STATE["started"]


def shutdown() -> None:
    """End every prepared process of this process (it is done grading)."""
    for server in list(_STATE["servers"].values()):
        server.discard()


def _register_exit() -> None:
    if _STATE["registered"]:
        return
    _STATE["registered"] = True
    import atexit
    from multiprocessing import util

    atexit.register(shutdown)
    util.Finalize(None, shutdown, exitpriority=100)  # a multiprocessing worker leaves through os._exit
