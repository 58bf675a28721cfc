"""The prepared process of forked kernels: imports once, then forks one kernel per submission.

Runs inside bubblewrap as ``python -m autograder.kernel.zygote`` (started by ``autograder.sandbox.forkserver``),
single-threaded (BLAS and OpenMP thread counts are 1 in its environment before NumPy is imported). It imports
what the course's assignments declare (``$AUTOGRADER_PREIMPORT``) and the kernel machinery, never creates a
ZeroMQ context, an event loop or a thread, makes itself undumpable (``PR_SET_DUMPABLE`` 0: no fork can ptrace
it or read its memory) and then answers its host over stdin/stdout, one JSON object a line:

* ``{"fork": N, "cwd", "argv", "env_file", "log", "rlimits", "uid", "tmp_bytes", "keep", "drop", "wait"}``: forks a *keeper*,
  answers ``{"forked": N, "pid": P}`` (P in this sandbox's pid namespace); with ``wait`` the keeper waits for
  ``{"go": N}`` (the host moves it into the kernel's control groups first);
* when a keeper ends: ``{"ended": N, "status": S}`` (an exit code, or minus the signal, as ``Popen.returncode``).

The keeper unshares a mount, pid and IPC namespace and forks their init, which mounts a fresh /tmp and
/dev/shm (and /proc where the host allows it), forks the kernel, reaps whatever is orphaned under it and,
when the kernel ends, exits: the kernel ends every process left in the namespace with it (a detached daemon,
a fork bomb), its SysV IPC objects and its /tmp go with the namespaces. The kernel process sets its limits,
drops to the dedicated uid if it has one, drops every capability, sets ``no_new_privs`` and becomes an
IPython kernel on the connection file it was given. Nothing of a fork reaches this process: it reads only
its stdin, and no fork can name it (it lies outside their pid namespace).
"""

import json
import os
import resource
import select
import signal
import sys

from .fork_isolation import (CLONE_NEWIPC, CLONE_NEWNS, CLONE_NEWPID, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_PRIVATE,
                             MS_REC, PR_SET_DUMPABLE, PR_SET_PDEATHSIG, check, clear_keyrings, drop_capabilities,
                             fresh_tmp, in_tmp, libc, mount)

PREIMPORT_ENV = "AUTOGRADER_PREIMPORT"
PRELOADED = {"bytes": 0}  # address space the declared imports added in the prepared process (``preload``)
RLIMITS = {"as": resource.RLIMIT_AS, "fsize": resource.RLIMIT_FSIZE, "cpu": resource.RLIMIT_CPU,
           "core": resource.RLIMIT_CORE, "nproc": resource.RLIMIT_NPROC}


def preload() -> tuple:
    """Import the kernel machinery (as every kernel does), then what the assignments declare. Returns the modules
    that failed or were refused, and the address space the declared imports added: a fork's memory limit counts
    from there, since a fresh kernel would not have them until its notebook imports them. Never the grader's own
    modules: ``autograder.kernel.variant`` reads whom it grades when imported, which only the fork knows."""
    import importlib

    import ipykernel.kernelapp  # noqa: F401 - the kernel machinery (imports zmq, creates no context)
    import matplotlib_inline.backend_inline  # noqa: F401
    import numpy  # noqa: F401 - the grading kernel's extension imports it in every kernel

    base = address_space()
    failed = []
    for name in filter(None, os.environ.pop(PREIMPORT_ENV, "").split(",")):
        if name == "autograder" or name.startswith("autograder."):
            failed.append(f"{name} (the grader's own: never imported before the fork)")
            continue
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the kernel's own import will say what is wrong
            failed.append(name)
    return failed, max(0, address_space() - base)


def _threads() -> int:
    return len(os.listdir("/proc/self/task"))


def _send(out, message: dict) -> None:
    out.write((json.dumps(message) + "\n").encode())
    out.flush()


def _exit_like(status: int) -> None:
    """Leave with ``status`` (``Popen.returncode`` form): an exit code, or death by the same signal."""
    if status < 0:
        if -status not in (signal.SIGKILL, signal.SIGSTOP):
            signal.signal(-status, signal.SIG_DFL)
        os.kill(os.getpid(), -status)
    os._exit(status if status >= 0 else 128 - status)


def _returncode(wait_status: int) -> int:
    return -os.WTERMSIG(wait_status) if os.WIFSIGNALED(wait_status) else os.WEXITSTATUS(wait_status)


def address_space() -> int:
    """This process's virtual memory size, bytes (what RLIMIT_AS bounds)."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))


def _become_kernel(request: dict) -> None:
    """In the kernel process: limits, uid, no capability, then the IPython kernel (never returns)."""
    os.chdir(request["cwd"])
    with open(request["env_file"]) as env:  # never through the prepared process: its memory goes to every fork
        os.environ.update(json.load(env))
    if "numpy" in sys.modules:  # Python's random reseeds itself at a fork, NumPy's global generator does not
        sys.modules["numpy"].random.seed()
    used, limits = address_space(), request["rlimits"]
    if "as" in limits:  # what the course's imports took before the fork is not the notebook's
        limits["as"] = [limit + PRELOADED["bytes"] for limit in limits["as"]]
        if limits["as"][0] < used:
            raise MemoryError(f"the memory limit (RLIMIT_AS {limits['as'][0] - PRELOADED['bytes']} bytes) is below the "
                              f"address space the prepared process's imports already take ({used} bytes): the kernel "
                              "cannot start")
    for name, value in request["rlimits"].items():
        resource.setrlimit(RLIMITS[name], tuple(value))
    uid = request.get("uid")
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    drop_capabilities()
    libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)  # the kernel is the student's own process, as a fresh one is
    for number in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, signal.SIG_DFL)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)  # as Python starts
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.argv = ["ipykernel_launcher", *request["argv"]]
    from ipykernel import kernelapp

    kernelapp.launch_new_instance(argv=list(request["argv"]))


def _init(request: dict, status_fd: int) -> None:
    """Pid 1 of the fork's namespaces: fresh /tmp and /dev/shm, the kernel, a reaper; exits with the kernel,
    writing its return code to ``status_fd`` (pid 1 cannot die by its own signal)."""
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    fresh_tmp(request["keep"], request["drop"], int(request["tmp_bytes"]))
    for hidden in request.get("hide", []):  # the host's log folder: the kernel writes its log by descriptor only
        if not in_tmp(hidden):
            mount("tmpfs", hidden, "tmpfs", MS_NOSUID | MS_NODEV, "size=4096,mode=0")
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, signal.SIG_IGN)  # pid 1: only the kernel's end ends it
    try:  # this namespace's processes only; refused where /proc has locked mounts over it (bwrap as root)
        mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    except OSError:  # the sandbox's processes would stay visible by number (bubblewrap's init holds the control
        # pipes and the prepared process's root; any of them takes an oom_score_adj write): every one there now is
        # hidden, the kernel's own (forked below) are not
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                mount("tmpfs", f"/proc/{entry}", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4096,mode=0")
    kernel = os.fork()
    if kernel == 0:
        os.close(status_fd)
        try:
            _become_kernel(request)
            os._exit(0)
        except BaseException as error:  # noqa: BLE001 - the log says why the kernel never started
            print(f"forked kernel failed to start: {type(error).__name__}: {error}", file=sys.stderr, flush=True)
            os._exit(70)
    while True:
        pid, wait_status = os.waitpid(-1, 0)
        if pid == kernel:
            os.write(status_fd, str(_returncode(wait_status)).encode())
            os._exit(0)


def _keeper(request: dict, go_fd: int | None) -> None:
    """The fork's parent outside its namespaces: waits for ``go``, unshares, waits for their init."""
    log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    for fd in map(int, os.listdir("/proc/self/fd")):
        if fd > 2 and fd != go_fd:
            try:
                os.close(fd)
            except OSError:
                pass  # the listing's own descriptor
    sys.stdout = os.fdopen(1, "w", buffering=1)
    sys.stderr = os.fdopen(2, "w", buffering=1)
    os.setsid()
    if go_fd is not None and os.read(go_fd, 1) != b"g":
        os._exit(71)  # the host went away before the kernel's limits were in place
    if go_fd is not None:
        os.close(go_fd)
    clear_keyrings()
    check(libc.unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC), "unshare")
    mount("none", "/", None, MS_REC | MS_PRIVATE)
    status_r, status_w = os.pipe()
    init = os.fork()
    if init == 0:
        os.close(status_r)
        _init(request, status_w)
    os.close(status_w)
    _, wait_status = os.waitpid(init, 0)
    reported = os.read(status_r, 32)
    _exit_like(int(reported) if reported else _returncode(wait_status))


def serve(control_in: int, control_out) -> None:
    """Answer fork requests until stdin closes (see the module doc)."""
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    keepers, gates, buffer = {}, {}, b""
    while True:
        ready, _, _ = select.select([control_in, wake_r], [], [])
        if wake_r in ready:
            os.read(wake_r, 512)
        while keepers:
            pid, wait_status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            number = keepers.pop(pid, None)
            if number is not None:
                _send(control_out, {"ended": number, "status": _returncode(wait_status)})
        if control_in not in ready:
            continue
        chunk = os.read(control_in, 65536)
        if not chunk:
            return
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            request = json.loads(line)
            if "go" in request:
                gate = gates.pop(request["go"], None)
                if gate is not None:
                    os.write(gate, b"g")
                    os.close(gate)
                continue
            go_r, go_w = os.pipe() if request.get("wait") else (None, None)
            pid = os.fork()
            if pid == 0:
                try:
                    signal.set_wakeup_fd(-1)
                    _keeper(request, go_r)
                except BaseException as error:  # noqa: BLE001 - said in the kernel's log (or the zygote's)
                    import traceback

                    where = traceback.extract_tb(error.__traceback__)[-1]
                    print(f"forked kernel's keeper failed: {type(error).__name__}: {error} ({where.filename}:{where.lineno})",
                          file=sys.stderr, flush=True)
                finally:
                    os._exit(72)
            if go_r is not None:
                os.close(go_r)
                gates[request["fork"]] = go_w
            keepers[pid] = request["fork"]
            _send(control_out, {"forked": request["fork"], "pid": pid})


def main() -> None:
    control_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # what imports print goes to the log, never into the control channel
    failed, PRELOADED["bytes"] = preload()
    check(libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0), "PR_SET_DUMPABLE")
    refused = ("autograder.kernel.variant is loaded: every fork would grade the prepared process's (default) variant"
               if "autograder.kernel.variant" in sys.modules else "")
    _send(control_out, {"ready": os.getpid(), "threads": _threads(), "failed": failed, "refused": refused})
    serve(0, control_out)


if __name__ == "__main__":
    main()
