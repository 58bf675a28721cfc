"""The static scan, run on the grading host: constructs in a submission's code that no honest answer needs.

``scan_notebook(nb, trusted)`` parses every student-written code cell (IPython syntax included) and
reports patching of modules or builtins, trace/profile/audit hooks, IPython hooks, frame and
garbage-collector introspection, dynamic code (exec/eval/__import__), classes whose comparisons could
lie, processes, sockets and course paths.

Longer than 300 lines because what it looks for is data (modules, calls, attributes and words that no
honest answer needs, about 100 lines of tables) and the visitor has one method per kind of node it inspects;
split, the tables would sit apart from the only code that reads them.
"""

import ast
import functools

from ..kernel.findings import LYING_DUNDERS, Finding, cell_label, cell_text


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
    # they run a file's code without an import statement naming it (shipped modules are scanned only when named)
    "runpy": "dynamic code", "pkgutil": "dynamic code", "pydoc": "dynamic code", "site": "dynamic code",
    "zipimport": "dynamic code", "unittest.mock": "dynamic code", "pickle": "dynamic code", "_pickle": "dynamic code",
    "shelve": "dynamic code", "dill": "dynamic code", "cloudpickle": "dynamic code", "joblib": "dynamic code",
}
# calls that run the code a data file holds (unpickling), or evaluate a string annotation (an import in it)
LOADING_CALLS = {"read_pickle", "get_type_hints", "ForwardRef", "_evaluate"}

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


def _is_false(node) -> bool:
    return isinstance(node, ast.Constant) and not node.value


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
            elif module == "sys" and alias.name in HOOK_ATTRIBUTES | INTROSPECTION_ATTRIBUTES | {"path"}:
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
        if name in LOADING_CALLS or any(k.arg == "allow_pickle" and not _is_false(k.value) for k in node.keywords):
            self.add("dynamic code", node, f"calls {dotted or name}(): it can run code a shipped file holds")
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
        if node.attr == "path" and _root_name(node) == "sys":
            self.add("dynamic code", node, "uses sys.path: a shipped file found through it is imported unscanned")
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
    submodules = _course_submodules()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names |= {(a.asname or a.name.split(".")[0]) for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    if alias.name[:1].islower() and "." not in alias.name and alias.name in submodules.get(node.module or "", ()):
                        names.add(alias.asname or alias.name)
    return names


_SUBMODULES = {
    "numpy": ("testing", "linalg", "random", "fft", "ma", "core", "lib"),
    "scipy": ("sparse", "linalg", "stats", "spatial", "special", "optimize"),
    "scipy.sparse": ("linalg", "csgraph"),
    "numpy.testing": (),
    "autograder": ("assignments", "kernel", "integrity", "sandbox", "errors"),
    "autograder.kernel": ("answers", "integrity", "reference", "errors", "mistake_tag", "findings", "quiet_kernel"),
}


@functools.lru_cache(maxsize=1)
def _course_submodules() -> dict:
    """``_SUBMODULES`` with every registered assignment's modules (its package, its checks): read from disk once per
    process (a worker whose package files change is refused anyway: ``grading.fingerprint.engine_mismatch``)."""
    from ..assignments import registered

    found = dict(_SUBMODULES)
    specs = registered()
    found["autograder.assignments"] = tuple(spec.name for spec in specs)
    for spec in specs:
        found[spec.package] = ("checks", "reference", "mistakes", "samples")
        found[f"{spec.package}.checks"] = spec.check_modules()
    return found


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
            trusted_sources |= {cell_text(c.get("source", "")).strip() for c in cells if c.get("cell_type") == "code"}
        else:
            trusted_sources |= {cell_text(s).strip() for s in item}
    cells = [(i, c) for i, c in enumerate(notebook.get("cells", [])) if c.get("cell_type") == "code"]
    scanned = [(i, c, cell_text(c.get("source", ""))) for i, c in cells]
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
        findings += scan_source(source, cell_label(cell, index), modules)
    return findings
