"""Grading kernels inside bubblewrap: a read-only system, no network, one writable folder, hard limits.

Student code runs in the same kernel as the hidden tests, so the kernel itself is the thing to lock up.
``SandboxedExecute`` (``execute.py``) is nbgrader's ``Execute`` whose kernels are started by
``SandboxedKernelManager`` (``kernel_manager.py``); ``nbgrader_config.py`` puts it in the autograde
pipeline, so plain ``nbgrader autograde`` and the grading engine both get it. The parts:

* ``settings.py``: ``c.Sandbox.*``; ``probe.py``: can bubblewrap run here; ``bwrap.py``: the pure command
  line (``bwrap_argv``); ``cgroups.py``: per-kernel control groups (v1 or v2); ``kernel_uid.py``: a
  dedicated uid per kernel (root without cgroups); ``limits.py``: which limits hold here and how
  (``limits_in_force``, ``unenforced_limits``); ``fate.py``: how a kernel ended (``decide_fate``).

Each kernel's command line is wrapped in ``bwrap``:

* the file system is built from nothing: read-only binds of the system (/usr, /etc, /lib...), of the
  Python environment (``sys.prefix``, ``sys.base_prefix``), of the grader's own ``autograder`` package
  (without its ``samples/``, first on the kernel's ``PYTHONPATH``) and of the scikit-learn data cache; the only writable folder is the notebook's own
  working directory (nbgrader's per-submission folder); /tmp is a small private tmpfs. The course's
  source/, solutions/, gradebook databases, the exchange, other students' folders and $HOME are simply
  not there (and are masked should one of the binds contain them, e.g. a venv inside the checkout);
* no network (``--unshare-net``): kernel and client talk over Unix sockets (``transport = "ipc"``) in a
  private runtime folder bound into the sandbox;
* limits: address space (``RLIMIT_AS``), file size, CPU time, processes (as a user ``RLIMIT_NPROC``; as
  root a ``pids`` cgroup v1 or v2, or where no cgroup can be used a dedicated uid per kernel so that
  ``RLIMIT_NPROC`` binds), a ``memory`` cgroup where one can be used, and a wall-clock limit for the whole
  notebook on top of nbgrader's per-cell timeout. A limit that cannot be applied is named
  (``unenforced_limits``) and refused under ``Sandbox.require``.

How the kernel ended is kept (``kernel_reports``); ``decide_fate`` (``fate.py``) is the one rule that turns
the observed facts into one of ``autograder.storage.records.KERNEL_FATES`` and names the cause.
Where bubblewrap is missing grading refuses with ``SandboxUnavailable`` (``Sandbox.require = True``, the
default); only a course that sets ``Sandbox.require = False`` grades unsandboxed, with a loud warning, and
each such submission is marked ``graded WITHOUT SANDBOX`` (``probe.UNSANDBOXED``).
"""


from .bwrap import bwrap_argv
from .execute import SandboxedExecute, autograde_preprocessors
from .fate import KernelFacts, classify_kernel_fate, decide_fate, kernel_reports, read_report_dir
from .kernel_manager import SandboxedKernelManager
from .limits import limits_in_force, unenforced_limits
from .probe import bwrap_path, check_available, sandbox_available
from .settings import Sandbox, course_secrets

__all__ = [
    "KernelFacts", "Sandbox", "SandboxedExecute", "SandboxedKernelManager", "autograde_preprocessors", "bwrap_argv",
    "bwrap_path", "check_available", "classify_kernel_fate", "course_secrets", "decide_fate", "kernel_reports",
    "limits_in_force", "read_report_dir", "sandbox_available", "unenforced_limits",
]
