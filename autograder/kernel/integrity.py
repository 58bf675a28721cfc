"""Runtime checks, run inside the grading kernel (the student's trust domain): is the kernel as it was?

``take_snapshot()`` (run by the grading kernel's extension ``autograder.kernel.quiet_kernel`` before any student
cell) remembers the original functions and IPython's hooks and installs an audit hook;
``runtime_findings()`` compares the kernel's state with it and inspects the user namespace; the audit
hook records processes started, sockets opened and files opened outside the working directory by
notebook code. Checks call ``runtime_findings()`` before they compare (``autograder.kernel.answers``).
"""

import json
import os
import sys

from .findings import LYING_DUNDERS, RUNTIME_MARKER, Finding

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the autograder package


_SNAPSHOT: dict = {}
_EVENTS: list = []
_GUARDED = {
    "numpy": ("allclose", "isclose", "array_equal", "asarray", "array", "isnan", "shape", "all", "any", "abs"),
    "numpy.testing": ("assert_allclose", "assert_array_equal", "assert_array_almost_equal", "assert_equal"),
    "builtins": ("isinstance", "issubclass", "type", "len", "float", "int", "str", "bool", "abs", "all", "any",
                 "getattr", "hasattr", "callable", "print", "repr", "sorted", "list", "tuple", "dict", "set",
                 "__import__", "AssertionError", "Exception", "round", "sum", "min", "max", "zip", "range"),
    "math": ("isclose", "isnan", "isfinite"),
    "scipy.sparse": ("issparse", "csr_matrix"),
    "pandas": ("DataFrame",),
}
_TRUSTED_PACKAGES = ("numpy", "pandas", "scipy", "sklearn", "matplotlib", "matplotlib_inline", "seaborn",
                     "IPython", "ipykernel", "traitlets", "autograder", "builtins", "jupyter_client", "zmq",
                     "tornado", "asyncio", "comm", "debugpy", "contextlib", "threading", "warnings")


def _modules_for_snapshot():
    import importlib

    for name in _GUARDED:
        try:
            yield name, importlib.import_module(name)
        except ImportError:
            continue


def take_snapshot(ipython=None) -> None:
    """Remember the original guarded functions and IPython's hooks, and start the audit hook.

    Called once by the grading kernel's extension before any student cell runs.
    """
    if _SNAPSHOT:
        return
    functions = {}
    for name, module in _modules_for_snapshot():
        for attr in _GUARDED[name]:
            if hasattr(module, attr):
                functions[(name, attr)] = getattr(module, attr)
    _SNAPSHOT["functions"] = functions
    _SNAPSHOT["displayhook"] = sys.displayhook
    _SNAPSHOT["excepthook"] = sys.excepthook
    _SNAPSHOT["cwd"] = os.getcwd()
    _SNAPSHOT["meta_path"] = tuple(sys.meta_path)  # with the extension's import guard (autograder.kernel.quiet_kernel)
    if ipython is not None:
        _SNAPSHOT["ipython"] = ipython
        _SNAPSHOT["InteractiveTB"] = ipython.InteractiveTB
        _SNAPSHOT["custom_exceptions"] = tuple(ipython.custom_exceptions)
        _SNAPSHOT["showtraceback"] = _traceback_methods(ipython)
    sys.addaudithook(_audit)


_AUDITED = {
    "subprocess.Popen": "process", "os.system": "process", "os.fork": "process", "os.forkpty": "process",
    "os.exec": "process", "os.posix_spawn": "process", "os.spawn": "process", "os.kill": "process",
    "os.killpg": "process", "pty.spawn": "process", "socket.connect": "network", "socket.getaddrinfo": "network",
    "socket.gethostbyname": "network", "sqlite3.connect": "course files", "ctypes.dlopen": "native code",
    "sys.addaudithook": "hooks", "sys.setprofile": "hooks", "sys.settrace": "hooks", "open": "course files",
    "os.remove": "course files", "os.rename": "course files", "os.listdir": "course files",
    "os.scandir": "course files", "shutil.rmtree": "course files",
}
_ALLOWED_READ_ROOTS = ("/usr", "/lib", "/etc", "/proc/self", "/dev/null", "/dev/urandom", "/tmp")


def _notebook_frame() -> str | None:
    """The cell file of the innermost frame that is neither the stdlib nor this module, if it is a cell."""
    frame = sys._getframe(2)
    stdlib = os.path.dirname(os.__file__)
    while frame is not None:
        filename = frame.f_code.co_filename
        if filename == __file__ or filename.startswith(stdlib) and "site-packages" not in filename or filename.startswith("<frozen"):
            frame = frame.f_back
            continue
        if "ipykernel_" in filename or filename.startswith("<ipython-input"):
            return f"{filename}:{frame.f_lineno}"
        return None
    return None


def _audit(event: str, args) -> None:
    kind = _AUDITED.get(event)
    if kind is None and event.startswith(("os.exec", "os.spawn", "os.posix_spawn")):
        kind = "process"
    if kind is None or len(_EVENTS) > 200:
        return
    if event == "open":
        path = str(args[0]) if args and isinstance(args[0], (str, bytes, os.PathLike)) else ""
        if not path or _allowed_path(path, args):
            return
    where = _notebook_frame()
    if where is None:
        return
    detail = str(args[0])[:120] if args else ""
    _EVENTS.append(Finding(kind, "runtime", 0, f"{event} {detail} from {where}"))


def _allowed_path(path: str, args) -> bool:
    path = os.path.abspath(os.fsdecode(path))
    cwd = _SNAPSHOT.get("cwd", os.getcwd())
    if path == cwd or path.startswith(cwd + os.sep):
        return True
    mode = str(args[1]) if len(args) > 1 and args[1] is not None else "r"
    writing = any(c in mode for c in "wax+")
    if writing:
        return path.startswith("/tmp/")
    roots = list(_ALLOWED_READ_ROOTS) + [sys.prefix, sys.base_prefix, _PACKAGE,
                                         os.environ.get("SCIKIT_LEARN_DATA", "/nonexistent")]
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots if r)


def _module_of(obj) -> str:
    return (getattr(obj, "__module__", None) or getattr(type(obj), "__module__", "") or "").split(".")[0]


def _lying_type(value) -> str | None:
    cls = type(value)
    root = (cls.__module__ or "").split(".")[0]
    if root in _TRUSTED_PACKAGES or root in sys.stdlib_module_names:
        return None
    for klass in cls.__mro__:
        if (klass.__module__ or "").split(".")[0] in _TRUSTED_PACKAGES or klass.__module__ in ("builtins",):
            continue
        defined = set(vars(klass)) & LYING_DUNDERS
        if defined:
            return f"{cls.__qualname__} defines {', '.join(sorted(defined))}"
    return None


def runtime_findings(user_ns: dict | None = None) -> list:
    """Compare the kernel's state with the snapshot; inspect the user namespace for lying objects."""
    findings = list(_EVENTS)
    if not _SNAPSHOT:
        return findings + [Finding("hooks", "runtime", 0, "no integrity snapshot: the grading extension did not load")]

    def add(kind, message):
        findings.append(Finding(kind, "runtime", 0, message))

    for (module_name, attr), original in _SNAPSHOT["functions"].items():
        module = sys.modules.get(module_name)
        if module is not None and getattr(module, attr, None) is not original:
            add("patching", f"{module_name}.{attr} was replaced")
    package = _PACKAGE
    for name, module in list(sys.modules.items()):
        if name.split(".")[0] != "autograder" or module is None:
            continue
        for attr, value in list(vars(module).items()):
            try:
                import inspect

                value = inspect.unwrap(value) if callable(value) else value
            except ValueError:
                pass
            code = getattr(value, "__code__", None)
            if code is not None and _foreign(value, code, package):
                add("patching", f"{name}.{attr} was replaced by code from {code.co_filename}")
    finders = list(sys.meta_path)
    for finder in _SNAPSHOT.get("meta_path", ()):
        if finder not in finders:
            add("patching", f"sys.meta_path lost the import finder {type(finder).__name__}")
    guards = [i for i, finder in enumerate(finders) if type(finder).__name__ == "EnvironmentFirst"]
    if guards and any(f not in _SNAPSHOT.get("meta_path", ()) for f in finders[:guards[0]]):
        add("patching", "an import finder was put before the grading kernel's import guard on sys.meta_path")
    if sys.gettrace() is not None:
        add("hooks", "sys.settrace is active")
    if sys.getprofile() is not None:
        add("hooks", "sys.setprofile is active")
    import threading

    if getattr(threading, "gettrace", lambda: None)() is not None or getattr(threading, "getprofile", lambda: None)() is not None:
        add("hooks", "threading.settrace/setprofile is active")
    # IPython swaps these while a cell runs: what matters is that they come from trusted code.
    for hook in ("displayhook", "excepthook"):
        value = getattr(sys, hook)
        owner = getattr(value, "__self__", value)
        if value is not _SNAPSHOT[hook] and _module_of(owner) not in _TRUSTED_PACKAGES and _module_of(owner) != "sys":
            add("patching", f"sys.{hook} was replaced")
    ipython = _SNAPSHOT.get("ipython")
    if ipython is not None:
        findings += _ipython_findings(ipython)
        if user_ns is None:
            user_ns = ipython.user_ns
    for name, value in list((user_ns or {}).items()):
        if name.startswith("_"):
            continue
        for item in _shallow(value):
            why = _lying_type(item)
            if why:
                add("lying comparison", f"{name}: {why}")
                break
    return findings


def _foreign(function, code, package: str) -> bool:
    """A function in an autograder module whose code is neither the package's nor a library's."""
    filename = code.co_filename
    if os.path.abspath(filename).startswith(package):
        return False
    module = getattr(function, "__module__", None) or "__main__"
    return module == "__main__" or module.startswith("autograder") or "ipykernel_" in filename or filename.startswith("<")


def _shallow(value):
    yield value
    if isinstance(value, (list, tuple, set, frozenset)) and len(value) < 1000:
        yield from value
    elif isinstance(value, dict) and len(value) < 1000:
        yield from value.keys()
        yield from value.values()


def _traceback_methods(ipython) -> tuple:
    """Identities of the functions IPython uses to show a failing cell (class and instance level)."""
    names = ("showtraceback", "_showtraceback", "showsyntaxerror", "showindentationerror")
    return tuple((id(getattr(type(ipython), n, None)), id(vars(ipython).get(n))) for n in names)


def _ipython_findings(ipython) -> list:
    findings = []

    def add(message):
        findings.append(Finding("hooks", "runtime", 0, message))

    if ipython.InteractiveTB is not _SNAPSHOT["InteractiveTB"]:
        add("IPython's InteractiveTB was replaced")
    if tuple(ipython.custom_exceptions) != _SNAPSHOT["custom_exceptions"]:
        add("a custom exception handler was set (set_custom_exc)")
    if _traceback_methods(ipython) != _SNAPSHOT["showtraceback"]:
        add("IPython's showtraceback was replaced")
    for event, callbacks in ipython.events.callbacks.items():
        for callback in callbacks:
            if _module_of(callback) not in _TRUSTED_PACKAGES:
                add(f"an IPython {event} event callback from {_module_of(callback) or '?'} was registered")
    for attr in ("input_transformers_post", "input_transformers_cleanup", "ast_transformers"):
        for transformer in getattr(ipython, attr, []) or []:
            if _module_of(transformer) not in _TRUSTED_PACKAGES:
                add(f"an IPython {attr} entry from {_module_of(transformer) or '?'} was added")
    return findings


def report_runtime() -> None:
    """Print the runtime findings as one marked JSON line (for a final cell the grading engine appends)."""
    print(RUNTIME_MARKER + json.dumps([f.as_dict() for f in runtime_findings()]))
