"""Kernels started before their notebook arrives: one waiting kernel per grading process, never reused.

Every grading kernel pays for a process, its sandbox and the imports of NumPy, pandas, scikit-learn,
matplotlib and seaborn before a student's first line runs, and none of that depends on the submission.
With ``c.Sandbox.prepared_kernels = N`` (opt-in: 0 unless the course sets it, see the README's Speed section;
plain ``nbgrader autograde`` grades one notebook per process and gains nothing), each grading process keeps up to
N kernels started ahead:

* a prepared kernel is an ordinary ``SandboxedKernelManager`` kernel (same bubblewrap, limits, control
  groups or uid) whose working folder is a fresh empty folder of its own; its extension imports
  ``c.Sandbox.preimports`` and takes the integrity snapshot, then it waits;
* ``SandboxedExecute`` takes a waiting kernel whose launch settings equal the notebook's (``signature``:
  every ``Sandbox`` setting but the per-submission ``course_root`` and ``report_dir``, the kernel name and
  its arguments), hands it that one notebook (``SandboxedKernelManager.hand_over``: the notebook folder's
  files are copied into the kernel's folder, the wall clock starts) and shuts it down afterwards, as
  always. A kernel that was handed a notebook refuses a second one; one that does not match is shut down;
* after each notebook the pool starts the next kernel, which boots while this process does nbgrader's
  bookkeeping, the feedback and its next submission's preparation;
* waiting kernels are shut down when the process exits (``multiprocessing`` finalizer and ``atexit``);
  bubblewrap's ``--die-with-parent`` ends them should the process be killed.
"""

import atexit
import hashlib
import json
from pathlib import Path

from .settings import Sandbox
from .. import scratch

# Reference-cache files of this process live here, not in a submission's temporary folder: a prepared kernel
# reads its cache file while it starts, which may be after the submission that started it is cleaned up.
_STATE: dict = {"workdir": None, "finalizer": False}


def signature(config, kernel_name: str, extra_arguments) -> str:
    """What must be equal for a prepared kernel to run a notebook: every launch setting."""
    settings = Sandbox(config=config)
    traits = {name: getattr(settings, name) for name in settings.trait_names(config=True)
              if name not in ("course_root", "report_dir")}
    return json.dumps({"sandbox": traits, "kernel": kernel_name, "arguments": list(extra_arguments)},
                      sort_keys=True, default=str)


def kernel_arguments(execute) -> list:
    """The kernel arguments nbclient's ``async_start_new_kernel`` would pass for ``execute`` (a NotebookClient)."""
    arguments = list(execute.extra_arguments)
    if execute.ipython_hist_file and not any(a.startswith("--HistoryManager.hist_file") for a in arguments):
        arguments.append(f"--HistoryManager.hist_file={execute.ipython_hist_file}")
    return arguments


class KernelPool:
    """This process's prepared kernels (see the module docstring)."""

    def __init__(self):
        self._waiting: list = []  # (signature, manager)
        self._recipe = None  # (config, kernel_name, arguments, signature) of the last notebook
        self.started = 0  # kernels this pool launched (for tests and the bench)

    def take(self, config, kernel_name: str, arguments: list, settings: Sandbox):
        """A waiting kernel launched exactly as this notebook's would be (or None); remembers the recipe."""
        wanted = signature(config, kernel_name, arguments)
        self._recipe = (config, kernel_name, list(arguments), wanted)
        while self._waiting:
            sig, manager = self._waiting.pop(0)
            if sig == wanted and manager.waiting and manager.is_alive_now() and manager.fits(settings):
                return manager
            _shutdown(manager)
        return None

    def refill(self) -> None:
        """Start kernels with the last notebook's recipe until ``prepared_kernels`` wait."""
        if self._recipe is None:
            return
        config, kernel_name, arguments, sig = self._recipe
        wanted = Sandbox(config=config).prepared_kernels
        from .kernel_manager import SandboxedKernelManager

        while len(self._waiting) < wanted:
            manager = SandboxedKernelManager(kernel_name=kernel_name, config=config) if kernel_name \
                else SandboxedKernelManager(config=config)
            try:
                manager.launch_prepared(arguments)
            except Exception:  # noqa: BLE001 - the next notebook starts its kernel itself, as without a pool
                _shutdown(manager)
                return
            self.started += 1
            self._waiting.append((sig, manager))
            _register_exit()

    @property
    def waiting(self) -> list:
        return [manager for _, manager in self._waiting]

    def shutdown(self) -> None:
        """Shut every waiting kernel down (this process is done grading)."""
        while self._waiting:
            _, manager = self._waiting.pop()
            _shutdown(manager)


def _shutdown(manager) -> None:
    from jupyter_core.utils import run_sync

    try:
        if manager.has_kernel:
            run_sync(manager._async_shutdown_kernel)(now=True)
        else:
            run_sync(manager._async_cleanup_resources)()
    except Exception:  # noqa: BLE001 - best effort; bubblewrap dies with this process anyway
        pass
    finally:
        # A kernel that died at start may leave a message queued on a socket of the manager's own ZeroMQ
        # context; closing the context later (garbage collection) could then wait for a peer that is gone.
        if getattr(manager, "_created_context", False) and not manager.context.closed:
            try:
                manager.context.destroy(linger=0)
            except Exception:  # noqa: BLE001
                pass


POOL = KernelPool()


def workdir() -> Path:
    """A folder of this process for files every kernel it starts may read (removed when it exits)."""
    if _STATE["workdir"] is None:
        _STATE["workdir"] = scratch.make("worker")
        _register_exit()
    return _STATE["workdir"]


def cache_file(data: bytes) -> Path:
    """``data`` (a reference cache) in a file of this process's ``workdir``, named by its content."""
    path = workdir() / f"reference-cache-{hashlib.sha256(data).hexdigest()[:16]}.pickle"
    if not path.exists():
        path.write_bytes(data)
    return path


def shutdown() -> None:
    """Shut this process's prepared kernels down and remove its folder."""
    import shutil

    POOL.shutdown()
    if _STATE["workdir"] is not None:
        shutil.rmtree(_STATE["workdir"], ignore_errors=True)
        _STATE["workdir"] = None


def _register_exit() -> None:
    if _STATE["finalizer"]:
        return
    _STATE["finalizer"] = True
    atexit.register(shutdown)
    # a multiprocessing worker leaves through os._exit: atexit does not run there, its finalizers do
    from multiprocessing import util

    util.Finalize(None, shutdown, exitpriority=100)
