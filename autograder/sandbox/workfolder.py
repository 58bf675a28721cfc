"""The kernel's working folder, the one folder student code writes: what may lie in it before and after a kernel.

nbgrader copies the files beside a notebook into the kernel's working folder, which is first on the kernel's
``sys.path``; afterwards host code (nbgrader's writer, running as root perhaps, and the grading engine) writes
the autograded notebook there and reads the folder back. So:

* before the kernel starts, ``drop_shadowing`` removes each top-level entry whose import name is a module of
  the grading environment (``shadows``: the standard library, what is installed beside this package,
  ``sitecustomize``/``usercustomize``): a ``numpy.py`` would be imported instead of NumPy;
* after the kernel and every process it started are gone, ``sweep`` removes what host code must never
  follow or open: symbolic links, fifos, sockets, device nodes and hard links, each named in a finding
  with what it was (where a link pointed). Both work on the entries themselves (``lstat``, ``unlink``),
  never through them.
"""

import functools
import importlib.machinery
import os
import shutil
import site
import stat
import sys
import sysconfig
import unicodedata

# the grader's own package: a submitted one is an integrity finding (grading.preflight), not a plain removal
GRADER_PACKAGE = "autograder"
STARTUP_MODULES = ("sitecustomize", "usercustomize")  # imported by site.py at interpreter start
MAX_NAMED = 20  # entries named one by one in the findings of one sweep; the rest are counted
# folders nested deeper are removed unread by the sweep: Python's os.walk, shutil.rmtree (and nbgrader) recurse
# once per level and fail past the recursion limit (1000), which would crash host code that reads the folder
MAX_DEPTH = 64
MAX_PATH_CHARS = 1024  # a folder whose path is longer has its subfolders removed so too (PATH_MAX is 4096)
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW


@functools.cache
def environment_modules() -> frozenset:
    """Top-level import names of the grading environment (the kernel runs this interpreter's environment).

    The standard library, builtin modules, every top-level module or package in this environment's
    site-packages folders and every top-level name its installed distributions declare. Computed once per process.
    """
    import importlib.metadata
    import pkgutil

    names = set(sys.stdlib_module_names) | set(sys.builtin_module_names) | set(STARTUP_MODULES) | {GRADER_PACKAGE}
    folders = {sysconfig.get_paths()[key] for key in ("purelib", "platlib")} | set(site.getsitepackages())
    names |= {module.name for module in pkgutil.iter_modules(sorted(f for f in folders if os.path.isdir(f)))}
    names |= {name for name in importlib.metadata.packages_distributions() if name.isidentifier()}
    return frozenset(names)


def import_name(name: str, is_dir: bool) -> str | None:
    """The module name an entry ``name`` of a ``sys.path`` folder is imported as (None: it is not importable).

    A folder: its name. A file with a suffix Python imports (``.py``, ``.pyc``, ``.so``, ``.cpython-311-...so``):
    the part before the first dot. NFKC-normalised, as Python normalises the identifiers of ``import`` statements.
    """
    if not is_dir:
        if not name.endswith(tuple(importlib.machinery.all_suffixes())):
            return None
        name = name.split(".")[0]
    name = unicodedata.normalize("NFKC", name)
    return name if name.isidentifier() else None


def shadows(name: str, is_dir: bool) -> str | None:
    """The environment module that a top-level entry ``name`` of the working folder would replace, or None."""
    module = import_name(name, is_dir)
    if module is None:
        return None
    if module.lower() == GRADER_PACKAGE:  # any case: the grader's own package is never replaced
        return GRADER_PACKAGE
    return module if module in environment_modules() else None


def shadowing_entries(folder) -> dict:
    """``entry name -> module it would replace`` for the top-level entries of ``folder`` (links not followed)."""
    found = {}
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return found
    for entry in entries:
        module = shadows(entry.name, entry.is_dir(follow_symlinks=False))
        if module is not None:
            found[entry.name] = module
    return found


def remove_entry(path) -> None:
    """Remove ``path`` whatever it is (a folder with what it holds), never following a link."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISDIR(mode):
        for parent, dirs, _ in os.walk(path):  # read-only folders (nbgrader's) cannot be emptied otherwise
            for name in dirs:
                child = os.path.join(parent, name)
                if stat.S_ISDIR(os.lstat(child).st_mode):
                    os.chmod(child, 0o700)
        os.chmod(path, 0o700)
        shutil.rmtree(path)
    else:
        os.unlink(path)


def drop_shadowing(folder) -> dict:
    """Remove the top-level entries of ``folder`` that would shadow an environment module; ``name -> module``."""
    found = shadowing_entries(folder)
    for name in found:
        remove_entry(os.path.join(folder, name))
    return found


def remove_deep(path) -> None:
    """Remove the folder ``path`` and all it holds, at any depth and path length, without recursion.

    One directory descriptor open at a time (entries are reached relative to it, links never followed)."""
    fd, names = os.open(path, _DIR_FLAGS), []
    try:
        while True:
            child = None
            with os.scandir(fd) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        child = entry.name
                        break
                    os.unlink(entry.name, dir_fd=fd)
            if child is not None:
                try:
                    os.chmod(child, 0o700, dir_fd=fd)  # a real folder (lstat above): nothing runs there any more
                except OSError:
                    pass
                down = os.open(child, _DIR_FLAGS, dir_fd=fd)
                os.close(fd)
                fd = down
                names.append(child)
                continue
            if not names:
                break
            up = os.open("..", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = up
            os.rmdir(names.pop(), dir_fd=fd)
    finally:
        os.close(fd)
    os.rmdir(path)


def describe(path) -> str | None:
    """What a non-regular entry is (``a symbolic link to '/etc/passwd'``...), None for a plain file or folder."""
    st = os.lstat(path)
    mode = st.st_mode
    if stat.S_ISLNK(mode):
        try:
            target = os.readlink(path)
        except OSError:
            target = "?"
        return f"a symbolic link to {target[:200]!r}"
    if stat.S_ISREG(mode):
        return f"a hard link ({st.st_nlink} names of one file)" if st.st_nlink > 1 else None
    if stat.S_ISDIR(mode):
        return None
    kinds = {stat.S_ISFIFO: "a fifo (named pipe)", stat.S_ISSOCK: "a socket", stat.S_ISCHR: "a character device",
             stat.S_ISBLK: "a block device"}
    return next((what for test, what in kinds.items() if test(mode)), "a special file")


def sweep(folder) -> list:
    """Remove every symbolic link, fifo, socket, device node and hard link in ``folder``; one finding each.

    Run once nothing of the kernel runs any more. The folder itself being such an entry is a finding too (it
    is then left alone: nothing is created or read through it). Findings name the entry relative to ``folder``.
    """
    folder = os.fspath(folder)
    try:
        top = describe(folder)
    except FileNotFoundError:
        return []
    if top is not None:
        return [f"the kernel's working folder was replaced by {top}"]
    findings, count = [], 0
    for parent, dirs, files in os.walk(folder):  # never descends into a linked folder (it is listed in dirs)
        if parent.count(os.sep) - folder.count(os.sep) >= MAX_DEPTH or len(parent) > MAX_PATH_CHARS:
            for name in list(dirs):
                remove_deep(os.path.join(parent, name))
                findings.append(f"{os.path.relpath(os.path.join(parent, name), folder)[:200]!r}... in the kernel's "
                                f"working folder: folders nested more than {MAX_DEPTH} levels or {MAX_PATH_CHARS} "
                                "characters deep; removed unread")
            dirs[:] = []
        for name in sorted(dirs + files):
            path = os.path.join(parent, name)
            try:
                what = describe(path)
            except FileNotFoundError:
                continue
            if what is None:
                if name in dirs:  # a folder the kernel made unreadable is opened up, so that nothing in it is missed
                    os.chmod(path, stat.S_IMODE(os.lstat(path).st_mode) | 0o700)
                continue
            os.unlink(path)
            count += 1
            if count <= MAX_NAMED:
                findings.append(f"{os.path.relpath(path, folder)!r} in the kernel's working folder was {what}; "
                                "it was removed unread")
        dirs[:] = [d for d in dirs if os.path.lexists(os.path.join(parent, d))]
    if count > MAX_NAMED:
        findings.append(f"and {count - MAX_NAMED} more such entries, removed unread")
    return findings



def sweep_checked(folder) -> list:
    """``sweep``, or one finding saying why ``folder`` could not be checked (a person must look then)."""
    try:
        return sweep(folder)
    except OSError as error:
        return [f"the kernel's working folder could not be checked for links ({error})"]


def planted_findings(report_dir) -> list:
    """``integrity: ...`` lines of what the kernels' sweeps removed, from the kernel reports in ``report_dir``."""
    from .fate import read_report_dir

    lines = []
    for report in read_report_dir(report_dir):
        for finding in report.get("planted") or []:
            if f"integrity: {finding}" not in lines:
                lines.append(f"integrity: {finding}")
    return lines
