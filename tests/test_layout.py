"""The package's shape: no import cycle between its modules, no long module without a stated reason."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "autograder"
MAX_LINES = 300
LONG_REASON = "Longer than 300 lines because"


def _modules() -> dict:
    """``dotted name -> path`` of every module of the package."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _imports(name: str, path: Path, modules: dict) -> set:
    """Modules of the package that ``name`` imports anywhere (top level or inside functions)."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            for alias in node.names:
                targets.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
    return {t for t in targets if t in modules and t != name}


def _cycle(graph: dict) -> list:
    """One import cycle of ``graph`` as a list of modules, or []."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        state[node] = "done"
        stack.pop()
        return []

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_inside_the_package():
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    assert graph["autograder.grading.batch"], "the import walk found nothing: it is broken"
    cycle = _cycle(graph)
    assert not cycle, "import cycle: " + " -> ".join(cycle)


# host-side tools that live beside the assignments (sample submissions: masked from kernels; they build notebooks)
HOST_TOOLS_IN_ASSIGNMENTS = ("samples", "similarity_authors", "scaffold")


def test_the_kernel_side_imports_nothing_of_the_engine():
    """What a grading kernel imports (autograder.kernel, the assignment packages) imports only from them: the
    sandbox binds those folders alone (autograder.sandbox.bwrap.KERNEL_PARTS)."""
    modules = _modules()
    kernel_side = ("autograder.kernel", "autograder.assignments")
    inside = lambda name: name == "autograder" or any(name == k or name.startswith(k + ".") for k in kernel_side)
    checked, crossing = 0, []
    for name, path in modules.items():
        if not any(name == k or name.startswith(k + ".") for k in kernel_side):
            continue
        if name.rsplit(".", 1)[-1] in HOST_TOOLS_IN_ASSIGNMENTS:
            continue
        checked += 1
        crossing += [f"{name} -> {target}" for target in _imports(name, path, modules) if not inside(target)]
    assert checked > 20, "the walk found too few kernel-side modules: it is broken"
    assert not crossing, "kernel-side modules import the engine: " + ", ".join(crossing)


def test_the_engine_names_no_assignment():
    """Outside autograder/assignments/, no file of the package names an assignment, its data or its modules."""
    from autograder import assignments

    words = [*assignments.names(), "newsgroup", "20news"]
    for spec in assignments.registered():
        words += list(spec.mistakes)  # its mistake codes belong to it too
    found = []
    for path in sorted(PACKAGE.rglob("*")):
        relative = path.relative_to(PACKAGE)
        if not path.is_file() or relative.parts[0] == "assignments" or "__pycache__" in relative.parts:
            continue
        text = path.read_text(errors="replace").lower()
        found += [f"{relative}: {word}" for word in words if word.lower() in text]
    assert not found, "engine files that name an assignment's things: " + ", ".join(found)


def test_long_modules_say_why():
    long = {name: len(path.read_text().splitlines()) for name, path in _modules().items()
            if len(path.read_text().splitlines()) > MAX_LINES}
    unexplained = [f"{name} ({lines} lines)" for name, lines in long.items()
                   if LONG_REASON not in (ast.get_docstring(ast.parse(_modules()[name].read_text())) or "")]
    assert not unexplained, (f"modules over {MAX_LINES} lines without '{LONG_REASON} ...' in their docstring: "
                             + ", ".join(unexplained))
