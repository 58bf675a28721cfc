"""Settings of the grading sandbox (``c.Sandbox.*`` in nbgrader_config.py) and what it always hides."""

from pathlib import Path

from traitlets import Bool, Dict, Integer, List, Unicode, default
from traitlets.config import Configurable

GiB = 1024**3
MiB = 1024**2
CPU_GRACE_SECONDS = 5  # hard RLIMIT_CPU after the soft one: the SIGXCPU that ends the kernel comes first
BWRAP_PACKAGES = ("bubblewrap", "util-linux")  # Debian packages: bwrap, prlimit


def course_preimports() -> list:
    """What a prepared kernel imports while it waits: every assignment's declared ``preimports``, in order."""
    from ..assignments import registered

    found = []
    for spec in registered():
        found += [name for name in spec.preimports if name not in found]
    return found


COURSE_SECRETS = ("source", "solutions", "submitted", "autograded", "feedback", "exchange", "release", ".git")


class Sandbox(Configurable):
    """Settings of the grading sandbox (``c.Sandbox.*`` in nbgrader_config.py)."""

    enabled = Bool(True, help="Run grading kernels inside bubblewrap.").tag(config=True)
    require = Bool(True, help="Refuse to grade when bubblewrap cannot be used (the default); False: grade without it, "
                   "each such submission marked 'graded WITHOUT SANDBOX' in its record and the summary.").tag(config=True)
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
    prepared_kernels = Integer(0, help="Kernels each grading process keeps started and waiting for their notebook "
                               "(autograder.sandbox.prepared; 0: start each kernel when its notebook comes; "
                               "`autograder grade` sets 1 unless the course sets it).").tag(config=True)
    prepare_while_running = Bool(True, help="Start the next prepared kernel as soon as a notebook's kernel is ready "
                                 "(it boots while the notebook runs); False: once the notebook is done.").tag(config=True)
    forked_kernels = Bool(True, help="Fork each kernel from a prepared process of the grading process that imported "
                          "the scientific stack once (autograder.sandbox.forked; False: start each kernel fresh).").tag(config=True)
    preimports = List(Unicode(), help="Modules a prepared kernel imports before its notebook comes (default: what "
                      "the assignments declare, course_preimports).").tag(config=True)

    @default("preimports")
    def _default_preimports(self):
        return course_preimports()


def course_secrets(root: Path) -> list:
    """What a kernel must never see of the course at ``root``: its folders (``COURSE_SECRETS``, and the names
    its nbgrader_config.py gives them) and databases."""
    root = Path(root)
    names = list(COURSE_SECRETS)
    try:
        from ..course import folders

        names += [name for name in folders(root).values() if name not in names]
    except Exception:  # noqa: BLE001 - no or unreadable config: the default names are masked all the same
        pass
    return [root / name for name in names] + sorted(root.glob("*.db")) + sorted(root.glob("*.sqlite*"))


