"""Tamper detection: a static scan of a submission's code and runtime checks inside the grading kernel.

Student code runs in the kernel that runs the hidden tests, so it could patch what the tests use
(``np.allclose``, ``isinstance``, ``autograder.checks``), hook IPython to rewrite outputs, trace the
checks' frames to read expected values, hand over objects whose comparisons lie, read course files or
start processes. The sandbox (``autograder.sandbox``) makes most of it impossible; this module makes
the attempts visible, so that the grading coordinator marks the submission ``flagged`` and withholds its
score (``reasons`` = the findings).

* ``scan_notebook(nb)`` parses every code cell (IPython syntax included) and reports constructs no honest
  answer needs: patching modules or builtins, trace/profile/audit hooks, IPython hooks, frame and
  garbage-collector introspection, dynamic code (exec/eval/__import__), comparison-defining classes,
  process, network and course-file access.
* ``take_snapshot()`` (run by the grading kernel's extension ``autograder.quiet_kernel`` before any
  student cell) remembers the original functions; ``runtime_findings()`` compares the kernel's state with
  it and inspects the user namespace; the audit hook installed with the snapshot records processes
  started, sockets opened and files opened outside the working directory by notebook code.

Honest code (warnings, prints to stderr, numpy, pandas, scipy, scikit-learn, math) has no findings.
"""

import ast
import builtins
import json
import os
import sys
from dataclasses import asdict, dataclass

RUNTIME_MARKER = "AUTOGRADER-INTEGRITY:"


@dataclass(frozen=True)
class Finding:
    """One suspicious construct: what kind, where (cell grade_id or index, line) and what it does."""

    kind: str
    cell: str
    line: int
    message: str

    def __str__(self) -> str:
        where = f"cell {self.cell}" + (f" line {self.line}" if self.line else "")
        return f"{self.kind}: {where}: {self.message}"

    def as_dict(self) -> dict:
        return asdict(self)


# --- static scan ----------------------------------------------------------------------------------

FORBIDDEN_MODULES = {
    "subprocess": "process", "multiprocessing": "process", "pty": "process", "pexpect": "process",
    "concurrent.futures.process": "process",
    "socket": "network", "urllib": "network", "http": "network", "requests": "network", "ftplib": "network",
    "smtplib": "network", "ssl": "network",
    "ctypes": "native code", "cffi": "native code", "mmap": "native code",
    "sqlite3": "course files", "sqlalchemy": "course files", "nbgrader": "course files",
    "nbformat": "course files", "nbclient": "course files", "jupyter_client": "course files",
    "autograder": "course files", "shutil": "course files",
    "gc": "introspection", "inspect": "introspection", "traceback": "introspection", "importlib": "dynamic code",
    "builtins": "patching", "atexit": "hooks", "signal": "hooks", "threading": "process",
    "_thread": "process", "marshal": "dynamic code", "code": "dynamic code", "codeop": "dynamic code",
    "IPython": "hooks", "ipykernel": "hooks", "sys.monitoring": "hooks",
}

PROCESS_CALLS = {
    "system", "popen", "fork", "forkpty", "execv", "execve", "execl", "execle", "execlp", "execlpe",
    "execvp", "execvpe", "spawnl", "spawnle", "spawnlp", "spawnlpe", "spawnv", "spawnve", "spawnvp",
    "spawnvpe", "posix_spawn", "posix_spawnp", "kill", "killpg", "_exit", "abort", "getoutput", "getstatusoutput",
}
FILE_CALLS = {"remove", "unlink", "rmdir", "removedirs", "rename", "replace", "chmod", "chown", "symlink", "link",
              "truncate", "listdir", "scandir", "walk", "chdir", "makedirs", "mkdir", "open", "fdopen"}
HOOK_ATTRIBUTES = {
    "settrace": "sys.settrace/threading.settrace traces the checks' frames",
    "setprofile": "sys.setprofile watches the checks' calls",
    "addaudithook": "an audit hook",
    "set_custom_exc": "a custom IPython exception handler hides failing tests",
    "input_transformers_post": "an IPython input transformer rewrites the test cells",
    "input_transformers_cleanup": "an IPython input transformer rewrites the test cells",
    "ast_transformers": "an IPython AST transformer rewrites the test cells",
    "InteractiveTB": "IPython's traceback printer changed",
    "showtraceback": "IPython's traceback display changed",
    "_showtraceback": "IPython's traceback display changed",
    "displayhook": "the display hook changed",
    "excepthook": "the exception hook changed",
    "register_magic_function": "a magic registered",
    "set_hook": "an IPython hook set",
    "events": "IPython event callbacks",
    "custom_exceptions": "custom IPython exception handling",
    "run_cell": "cells run programmatically",
    "user_ns_hidden": "IPython's namespace internals",
}
INTROSPECTION_ATTRIBUTES = {
    "_getframe", "currentframe", "f_back", "f_locals", "f_globals", "f_code", "tb_frame", "gi_frame",
    "cr_frame", "ag_frame", "__globals__", "__code__", "__closure__", "__builtins__", "__subclasses__",
    "__dict__", "get_referrers", "get_referents", "get_objects", "__traceback__", "getouterframes",
    "getinnerframes", "stack", "__setattr__", "__delattr__", "__class__", "__kwdefaults__", "__defaults__",
    "modules", "meta_path", "path_hooks",
}
DYNAMIC_BUILTINS = {"exec", "eval", "compile", "__import__", "globals", "breakpoint", "vars", "setattr", "delattr"}
GUARDED_BUILTINS = {"isinstance", "issubclass", "AssertionError", "__import__", "getattr", "hasattr", "callable",
                    "setattr", "print", "type", "float", "int", "abs", "len", "open", "Exception"}
LYING_DUNDERS = {
    "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__bool__", "__array__", "__array_ufunc__",
    "__array_function__", "__array_interface__", "__array_struct__", "__array_priority__", "__float__",
    "__int__", "__index__", "__instancecheck__", "__subclasscheck__", "__hash__", "__getattr__",
    "__getattribute__", "__len__", "__iter__", "__contains__", "__abs__", "__sub__", "__rsub__", "__class__",
}
COURSE_WORDS = ("gradebook", ".db", "source/", "/source", "solutions", "autograded", "submitted", "feedback",
                "exchange", "release/", "nbgrader", ".ipynb", "autograder/", "/proc/", "/etc/", "/home", "/root")
TRUSTED_MODULE_ROOTS = {"numpy", "pandas", "scipy", "sklearn", "matplotlib", "seaborn", "math", "builtins"}


def _cell_code(source: str) -> str:
    """The Python code IPython runs for a cell (magics and ``!`` lines become calls)."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        return TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 - no IPython or odd input: parse the raw text
        return source


def _root_name(node) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _dotted(node) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    elif isinstance(node, ast.Call):
        parts.append(_dotted(node.func) + "()")
    return ".".join(reversed(parts))


class _Scanner(ast.NodeVisitor):
    def __init__(self, cell: str, modules: set):
        self.cell = cell
        self.modules = modules  # names bound to imported modules (across the notebook)
        self.findings = []

    def add(self, kind: str, node, message: str) -> None:
        self.findings.append(Finding(kind, self.cell, getattr(node, "lineno", 0), message))

    # imports
    def _check_module(self, node, name: str) -> None:
        for forbidden, kind in FORBIDDEN_MODULES.items():
            if name == forbidden or name.startswith(forbidden + "."):
                self.add(kind, node, f"imports {name}")
                return

    def visit_Import(self, node):
        for alias in node.names:
            self._check_module(node, alias.name)
        self.generic_visit(node)

    def visit_ImportFrom(self, node):
        module = node.module or ""
        if node.level:
            self.add("course files", node, "relative import")
        self._check_module(node, module)
        if any(f.line == node.lineno and f.cell == self.cell for f in self.findings[-1:]):
            self.generic_visit(node)
            return
        for alias in node.names:
            full = f"{module}.{alias.name}"
            if module in ("os", "posix") and alias.name in PROCESS_CALLS:
                self.add("process", node, f"imports {full}")
            elif module == "sys" and alias.name in HOOK_ATTRIBUTES | INTROSPECTION_ATTRIBUTES:
                self.add("hooks", node, f"imports {full}")
            elif alias.name in GUARDED_BUILTINS and module not in TRUSTED_MODULE_ROOTS:
                pass
            else:
                self._check_module(node, full)
        self.generic_visit(node)

    # patching: assignments to attributes of modules, to builtins, to dunders
    def _check_target(self, target, node) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._check_target(element, node)
            return
        if isinstance(target, ast.Name):
            if target.id in GUARDED_BUILTINS:
                self.add("patching", node, f"rebinds the builtin {target.id}")
            return
        if isinstance(target, ast.Attribute):
            dotted = _dotted(target)
            root = _root_name(target)
            if target.attr.startswith("__") and target.attr.endswith("__"):
                self.add("patching", node, f"assigns {dotted}")
            elif root in self.modules and not any(p in dotted.split(".") for p in ("options", "rcParams")):
                self.add("patching", node, f"replaces {dotted}, a module attribute")
            elif target.attr in HOOK_ATTRIBUTES:
                self.add("hooks", node, f"assigns {dotted}: {HOOK_ATTRIBUTES[target.attr]}")
        elif isinstance(target, ast.Subscript):
            dotted = _dotted(target.value)
            if any(word in dotted for word in ("__dict__", "modules", "__builtins__", "globals()", "vars()")):
                self.add("patching", node, f"writes into {dotted}")

    def visit_Assign(self, node):
        for target in node.targets:
            self._check_target(target, node)
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        self._check_target(node.target, node)
        self.generic_visit(node)

    def visit_AnnAssign(self, node):
        self._check_target(node.target, node)
        self.generic_visit(node)

    def visit_Delete(self, node):
        for target in node.targets:
            if isinstance(target, ast.Attribute) and _root_name(target) in self.modules:
                self.add("patching", node, f"deletes {_dotted(target)}")
        self.generic_visit(node)

    def visit_FunctionDef(self, node):
        if node.name in GUARDED_BUILTINS:
            self.add("patching", node, f"defines a function named {node.name}, shadowing the builtin")
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Global(self, node):
        for name in node.names:
            if name in GUARDED_BUILTINS:
                self.add("patching", node, f"declares the builtin {name} global")
        self.generic_visit(node)

    def visit_ClassDef(self, node):
        defined = set()
        for item in node.body:
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                defined.add(item.name)
            elif isinstance(item, ast.Assign):
                defined |= {t.id for t in item.targets if isinstance(t, ast.Name)}
        lying = sorted(defined & LYING_DUNDERS)
        if lying:
            self.add("lying comparison", node, f"class {node.name} defines {', '.join(lying)}")
        for keyword in node.keywords:
            if keyword.arg == "metaclass":
                self.add("lying comparison", node, f"class {node.name} sets a metaclass")
        self.generic_visit(node)

    # calls: processes, hooks, dynamic code, files
    def visit_Call(self, node):
        func = node.func
        dotted = _dotted(func)
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        root = _root_name(func)
        if isinstance(func, ast.Name) and name in DYNAMIC_BUILTINS:
            self.add("dynamic code", node, f"calls {name}()")
        if isinstance(func, ast.Name) and name == "type" and len(node.args) == 3:
            self.add("lying comparison", node, "creates a class with type(name, bases, dict)")
        if name in PROCESS_CALLS and (root in ("os", "posix", "pty", "commands") or root in self.modules):
            self.add("process", node, f"calls {dotted}")
        if dotted.endswith("get_ipython().system") or dotted.endswith("get_ipython().getoutput") or name in ("system_piped", "system_raw"):
            self.add("process", node, f"runs a shell command ({dotted})")
        if dotted.endswith("run_cell_magic") and node.args and isinstance(node.args[0], ast.Constant):
            if node.args[0].value in ("bash", "sh", "script", "system", "perl", "ruby", "python", "python3",
                                      "sx", "writefile", "file", "capture", "javascript", "js", "html"):
                self.add("process", node, f"runs the cell magic %%{node.args[0].value}")
        if dotted.endswith("run_line_magic") and node.args and isinstance(node.args[0], ast.Constant):
            if node.args[0].value in ("sx", "system", "run", "load", "cd", "bookmark", "env", "load_ext",
                                      "reload_ext", "xmode", "config", "store", "logstart", "pycat", "save"):
                self.add("hooks", node, f"runs the magic %{node.args[0].value}")
        if name in HOOK_ATTRIBUTES and name not in ("events", "displayhook", "excepthook", "custom_exceptions"):
            self.add("hooks", node, f"calls {dotted}: {HOOK_ATTRIBUTES[name]}")
        if name == "register" and "events" in dotted:
            self.add("hooks", node, f"calls {dotted}: an IPython event callback")
        if name in ("setattr", "delattr") or (name == "__setattr__"):
            self.add("patching", node, f"calls {dotted or name}()")
        if name in FILE_CALLS and root in {"os", "shutil", "pathlib", "io", "Path"} | self.modules and name != "open":
            self.add("course files", node, f"calls {dotted}")
        self.generic_visit(node)

    def visit_Attribute(self, node):
        if node.attr in ("input_transformers_post", "input_transformers_cleanup", "ast_transformers",
                         "InteractiveTB", "custom_exceptions", "user_ns_hidden") and isinstance(node.ctx, ast.Load):
            self.add("hooks", node, f"uses {_dotted(node)}: {HOOK_ATTRIBUTES[node.attr]}")
        if node.attr in INTROSPECTION_ATTRIBUTES:
            self.add("introspection", node, f"uses {_dotted(node)}")
        self.generic_visit(node)

    def visit_Name(self, node):
        if node.id in ("__builtins__", "__loader__", "__spec__", "get_ipython") and isinstance(node.ctx, ast.Load):
            if node.id != "get_ipython":
                self.add("introspection", node, f"uses {node.id}")
        self.generic_visit(node)

    def visit_Constant(self, node):
        if isinstance(node.value, str):
            text = node.value
            lowered = text.lower()
            if text.startswith(("/", "~")) or "../" in text or text == "..":
                self.add("course files", node, f"names the path {text[:60]!r}")
            elif any(word in lowered for word in COURSE_WORDS):
                self.add("course files", node, f"names {text[:60]!r}")
        self.generic_visit(node)


def _imported_names(trees) -> set:
    names = {"os", "sys", "np", "numpy", "builtins", "math", "pd", "sp", "scipy", "pandas", "plt", "sns",
             "warnings", "sklearn", "io", "pathlib", "shutil", "posix"}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names |= {(a.asname or a.name.split(".")[0]) for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    if alias.name[:1].islower() and "." not in alias.name and alias.name in _SUBMODULES.get(node.module or "", ()):
                        names.add(alias.asname or alias.name)
    return names


_SUBMODULES = {
    "numpy": ("testing", "linalg", "random", "fft", "ma", "core", "lib"),
    "scipy": ("sparse", "linalg", "stats", "spatial", "special", "optimize"),
    "scipy.sparse": ("linalg", "csgraph"),
    "numpy.testing": (),
    "autograder": ("checks", "reference", "integrity", "sandbox", "errors"),
    "autograder.checks": ("common", "tfidf_distances", "artificial_neurons"),
}


def scan_source(source: str, cell: str = "?", modules: set | None = None) -> list:
    """Findings of one cell's code; ``modules``: names bound to modules elsewhere in the notebook."""
    code = _cell_code(source)
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []  # a syntax error is a mistake, not tampering; the tests will fail on it
    scanner = _Scanner(cell, modules if modules is not None else _imported_names([tree]))
    try:
        scanner.visit(tree)
    except RecursionError:
        scanner.add("unscannable", tree, "the code is nested too deeply to check")
    return scanner.findings


def _cell_label(cell, index: int) -> str:
    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    return grade_id or f"#{index + 1}"


def scan_notebook(notebook, trusted=()) -> list:
    """Findings of every code cell of ``notebook`` (a dict / nbformat notebook).

    ``trusted``: notebooks (or iterables of cell sources) whose cells are the instructor's (the release
    and source versions): a cell whose source equals one of them is not scanned, which keeps the hidden
    tests of an autograded notebook out of the scan. Student-written cells are always scanned.
    """
    trusted_sources = set()
    for item in trusted:
        cells = item.get("cells", []) if isinstance(item, dict) else None
        if cells is not None:
            trusted_sources |= {_text(c.get("source", "")).strip() for c in cells if c.get("cell_type") == "code"}
        else:
            trusted_sources |= {_text(s).strip() for s in item}
    cells = [(i, c) for i, c in enumerate(notebook.get("cells", [])) if c.get("cell_type") == "code"]
    scanned = [(i, c, _text(c.get("source", ""))) for i, c in cells]
    scanned = [(i, c, s) for i, c, s in scanned if s.strip() and s.strip() not in trusted_sources]
    trees = []
    for _, _, source in scanned:
        try:
            trees.append(ast.parse(_cell_code(source)))
        except SyntaxError:
            pass
    modules = _imported_names(trees)
    findings = []
    for index, cell, source in scanned:
        findings += scan_source(source, _cell_label(cell, index), modules)
    return findings


def _text(source) -> str:
    return "".join(source) if isinstance(source, list) else str(source)


# --- runtime checks (inside the grading kernel) ---------------------------------------------------

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
    roots = list(_ALLOWED_READ_ROOTS) + [sys.prefix, sys.base_prefix, os.path.dirname(os.path.abspath(__file__)),
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
    package = os.path.dirname(os.path.abspath(__file__))
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


def findings_from_outputs(notebook) -> list:
    """Runtime findings printed by ``report_runtime`` (or raised by a check) in an executed notebook."""
    findings = []
    for index, cell in enumerate(notebook.get("cells", [])):
        for output in cell.get("outputs", []):
            text = _text(output.get("text", "")) + " " + str(output.get("evalue", ""))
            for line in text.splitlines():
                if RUNTIME_MARKER in line:
                    payload = line.split(RUNTIME_MARKER, 1)[1].strip()
                    try:
                        findings += [Finding(**item) for item in json.loads(payload)]
                    except (ValueError, TypeError):
                        findings.append(Finding("hooks", _cell_label(cell, index), 0, f"integrity report: {payload[:200]}"))
    return findings


builtins_module = builtins  # the real builtins module, kept for callers that need it
