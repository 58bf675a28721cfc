"""The host side of forked kernels: one prepared process (``autograder.kernel.zygote``) per grading process.

``server_for`` gives the grading thread's ``ForkServer`` if it was started with the same launch settings
(``signature``: the ``Sandbox`` settings that shape the sandbox, the masks, the uid mode), else a fresh one. ``ForkServer.fork`` asks it for one kernel
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
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from .. import scratch
from .bwrap import LAUNCHER_ENVIRONMENT, bwrap_argv, course_masks, hidden_package_parts, package_path
from .forked_process import ForkedProcess, descendants, read_log
from .settings import Sandbox
from .workfolder import remove_deep

MESSAGE_BYTES, READY_SECONDS, ANSWER_SECONDS = 65536, 120, 30  # a line's bytes; imports on a loaded machine
THREADS_ONE = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                                       "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")}
# One prepared process per grading thread (a Dask worker may grade in several): it forks one kernel at a time
_STATE: dict = {"servers": {}, "unavailable": "", "registered": False, "started": 0}
_LOCK = threading.Lock()


LOST = ("grading infrastructure: the prepared process of forked kernels ended while this notebook's kernel ran (killed "
        "from outside the sandbox, or the machine ran out of memory); nothing after it was scored: grade again")


class ForkUnavailable(RuntimeError):
    """The prepared process could not be had; the kernel is started fresh instead."""


def uid_mode(settings: Sandbox) -> str:
    """"uid" where each kernel runs under a dedicated uid (root without a usable pids cgroup), else "userns"."""
    from .limits import usable_hierarchy
    from . import kernel_uid

    if os.geteuid() == 0 and usable_hierarchy()[0] is None and kernel_uid.setpriv_path():
        return "uid"
    return "userns"


def _shared(settings: Sandbox) -> tuple:
    """``(readable_paths, environment)`` every fork shares: without the submission's reference cache (the grading
    process's file, in ``prepared.workdir``, and the variable naming it), which is copied into each fork instead."""
    from ..kernel.reference import ENV
    from .prepared import workdir

    return ([p for p in settings.readable_paths if Path(p).parent != workdir()],
            {k: v for k, v in settings.environment.items() if k != ENV})


def signature(settings: Sandbox, course_root) -> str:
    """What must be equal for a prepared process to fork a notebook's kernel."""
    per_fork = {"course_root", "report_dir", "prepared_kernels", "prepare_while_running", "forked_kernels",
                "memory_bytes", "cgroup_memory_bytes", "max_processes", "file_size_bytes", "cpu_seconds",
                "wall_clock_seconds", "tmp_bytes"}  # limits are set in each fork, the reference cache copied to it
    traits = {name: getattr(settings, name) for name in settings.trait_names(config=True) if name not in per_fork}
    traits["readable_paths"], traits["environment"] = _shared(settings)
    masks = course_masks(settings, Path("/nonexistent"), Path(course_root) if course_root else None)
    hidden = [str(p) for p in hidden_package_parts(Path(package_path()))]  # a new __pycache__: masked from its start
    return json.dumps({"sandbox": traits, "masks": masks, "hidden": hidden, "mode": uid_mode(settings)},
                      sort_keys=True, default=str)


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
        self.number, self._processes, self._answers, self._broken = 0, {}, {}, False
        self._lock = threading.Condition()
        env = {**THREADS_ONE, "AUTOGRADER_PREIMPORT": ",".join(settings.preimports)}
        shared = Sandbox(config=settings.config)  # what every fork shares: no submission's reference cache
        shared.readable_paths, shared.environment = _shared(settings)
        argv = bwrap_argv([sys.executable, "-m", "autograder.kernel.zygote"], shared, self.work, self.runtime,
                          Path(course_root) if course_root else None, environment=env, zygote=self.mode,
                          writable=[self.logs])
        self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
                                        start_new_session=True, cwd=self.work, env=dict(LAUNCHER_ENVIRONMENT))
        self._reader = threading.Thread(target=self._read, daemon=True, name="fork-server")
        self._reader.start()
        ready = self._answer("ready", READY_SECONDS)
        if ready is None:
            self.discard()
            raise ForkUnavailable(f"the prepared process did not start ({self.log_tail()!r})")
        self.threads = ready["threads"]
        found = [pid for pid, ns in descendants(self.process.pid).items() if ns == ready["ready"]]
        refused = ready.get("refused") or ("" if self.threads == 1 and len(found) == 1 else
                                           f"it is not alone and single-threaded ({self.threads} threads)")
        if refused:
            self.discard()
            raise ForkUnavailable(f"the prepared process cannot be used: {refused}")
        self.pid = found[0]
        self._pidfd = os.pidfd_open(self.pid)  # readable once the prepared process has ended

    def _read(self) -> None:
        while True:
            line = self.process.stdout.readline(MESSAGE_BYTES)
            if not line or not line.endswith(b"\n"):  # gone, or not a message of the prepared process: stop
                break
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
        with self._lock:  # the prepared process is gone (or not to be trusted): so are its forks
            self._broken = True
            for process in self._processes.values():
                process._end(-signal.SIGKILL, LOST)
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
        if self.process.poll() is not None or not self._reader.is_alive() or self._pidfd is None or self._broken:
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
                        "keep": [str(self.work / str(number)), str(self.runtime / str(number))],
                        "drop": [str(self.work), str(self.runtime), str(self.logs)]})
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
        try:
            for folder in (self.work, self.runtime, self.logs):
                for entry in os.scandir(folder):
                    if entry.name != "zygote.log":
                        remove_deep(entry.path) if entry.is_dir(follow_symlinks=False) else os.unlink(entry.path)
        except BaseException as error:  # noqa: BLE001 - whatever a kernel left that cannot be removed: start afresh
            self.discard(f"its folders could not be emptied ({type(error).__name__}: {str(error)[:200]})")
            return
        left = descendants(self.pid)
        if not self.alive() or left:  # a leftover it could not end, or the prepared process died: never fork from it again
            self.discard(f"{len(left)} process(es) left after a kernel" if left else "the prepared process died")

    def log_tail(self) -> str:
        return read_log(self.logs / "zygote.log")[-2000:].decode("utf-8", "replace")

    def discard(self, why: str = "") -> None:
        """End the prepared process and everything in its sandbox, remove its folders; ``why`` is logged."""
        if why:
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
            process._end(-signal.SIGKILL, LOST)
        if getattr(self, "_pidfd", None) is not None:
            os.close(self._pidfd)
            self._pidfd = None
        self._log.close()
        for folder in (self.work, self.runtime, self.logs):
            try:
                remove_deep(folder)
            except BaseException:  # noqa: BLE001 - the scratch sweep removes what is left when this process exits
                pass


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


def _current() -> ForkServer | None:  # this thread's prepared process, if it has one
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
