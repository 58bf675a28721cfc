"""Can bubblewrap start a sandbox here? Asked once per process; refused loudly when required."""

import shutil
import sys
import warnings

from ..errors import SandboxUnavailable
from .settings import Sandbox

# in the record and the reasons of every submission whose kernel ran without bubblewrap (c.Sandbox.require = False)
UNSANDBOXED = "graded WITHOUT SANDBOX"
TURN_OFF = ("Install or enable bubblewrap (`apt-get install -y bubblewrap util-linux`, as root), or, to grade without the sandbox on "
            "purpose (student code can then read the hidden tests, the solutions and the gradebook), set "
            "c.Sandbox.require = False in nbgrader_config.py: each submission graded so is marked "
            f"'{UNSANDBOXED}'")


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
            raise SandboxUnavailable("the grading sandbox is disabled (c.Sandbox.enabled = False) but required "
                                     "(c.Sandbox.require = True, the default): enable it, or set c.Sandbox.require = False "
                                     f"too to grade without it (each submission graded so is marked '{UNSANDBOXED}').")
        return False
    ok, why = sandbox_available()
    if ok:
        return True
    if settings.require:
        raise SandboxUnavailable(f"grading needs the sandbox (c.Sandbox.require = True, the default), but {why}. {TURN_OFF}.")
    message = (f"GRADING WITHOUT SANDBOX (c.Sandbox.require = False): {why}. Student code can read the gradebook "
               "and hidden tests.")
    warnings.warn(message, RuntimeWarning, stacklevel=2)
    print(f"WARNING: {message}", file=sys.stderr)
    return False


