"""The Python modules a submission ships beside its notebooks, scanned when the notebooks can import them.

nbgrader copies a submission's files into the kernel's working folder, so a notebook's ``import helper`` runs a
shipped ``helper.py`` in the grading kernel: such a module is scanned like a notebook cell (a red-team find: a
helper that replaced every check made a mistake score full marks). A module is followed when a notebook, or a
module followed already, imports its name (the file's stem, or its top-level folder); a compiled or native one
(``.pyc``, ``.so``...), which the scan cannot read, is a finding itself when followed. Not followed: files no
notebook imports (what runs a file without an import statement naming it is a finding of the notebook's own scan:
``exec``, ``__import__``, ``importlib``, ``runpy``, ``pkgutil``, ``site``, ``sys.path``, unpickling...; red team
round 4) and names of the grading environment's
modules, which the kernel never loads from the working folder (``autograder.kernel.quiet_kernel``'s import
guard; top-level ones are removed before grading: ``grading.preflight.kernel_files``).
"""

import ast

from ..kernel.findings import Finding, cell_text
from .scan import _cell_code, scan_source

COMPILED_SUFFIXES = (".pyc", ".pyo", ".so", ".pyd")


def imported_names(code: str) -> set:
    """Top-level module names ``code`` imports (absolute imports; unparsable code imports nothing)."""
    try:
        tree = ast.parse(_cell_code(code))
    except (SyntaxError, ValueError, RecursionError):
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module.split(".")[0])
    return names


def notebook_imports(notebooks) -> set:
    """Top-level module names the code cells of ``notebooks`` (nbformat notebooks or dicts) import."""
    names = set()
    for nb in notebooks:
        for cell in nb.get("cells", []):
            if cell.get("cell_type") == "code":
                names |= imported_names(cell_text(cell.get("source", "")))
    return names


def _module_names(path: str) -> set:
    """The names under which ``path`` (relative to the working folder) can be imported: its stem (its folder may
    be put on ``sys.path``) and its top-level folder."""
    parts = path.split("/")
    stem = parts[-1].split(".")[0]
    names = {stem} if stem != "__init__" else set()
    if len(parts) > 1:
        names.add(parts[0])
    if stem == "__init__" and len(parts) > 1:
        names.add(parts[-2])
    return names


def module_findings(files: dict, imported: set, trusted=(), environment=frozenset()) -> list:
    """Findings of the shipped Python files (``relative path -> bytes``) the notebooks can import.

    ``imported``: the names the notebooks import; ``trusted``: trees (the assignment's source and release) whose
    identical files are skipped; ``environment``: module names the kernel loads from the environment only."""
    candidates = {name: data for name, data in files.items()
                  if (name.endswith(".py") or name.endswith(COMPILED_SUFFIXES) or ".so." in name.rsplit("/", 1)[-1])
                  and not any(tree.get(name) == data for tree in trusted)}
    wanted = set(imported) - set(environment)
    followed, findings = set(), []
    while True:
        todo = sorted(name for name in candidates if name not in followed and _module_names(name) & wanted)
        if not todo:
            return findings
        for name in todo:
            followed.add(name)
            data = candidates[name]
            if not name.endswith(".py"):
                findings.append(Finding("native code", name, 0, "ships compiled code, which the grading kernel can "
                                        "import and the integrity scan cannot read"))
                continue
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                findings.append(Finding("unscannable", name, 0, "a Python file that is not UTF-8"))
                continue
            findings += scan_source(text, name)
            wanted |= imported_names(text) - set(environment)
