"""``autograder new NAME``: the two folders of a new assignment, made from ``autograder/templates/new_assignment/``.

``source/<name>/<name>.ipynb`` is a source notebook with one task (a heading with its points, the instruction, a
solution cell, a test cell with a public assert and a hidden test calling the check); the package
``autograder/assignments/<name>/`` holds its spec, reference, check, mistake code and two samples (the
solution, and one with the mistake). Every file of ``package/`` in the templates folder becomes the file of the
same path in the package (``.tmpl`` dropped), with ``${name}`` and ``${title}`` filled in.

The package goes where the command's own ``autograder`` package is when that lies in the course (a checkout
with an editable install): the registry finds it at once. Otherwise (a regular install) it goes into the
course's checkout, ``<course>/autograder/assignments/<name>/``, and the package must be installed again.
A name that is taken or is not a Python identifier is refused before anything is written.
"""

import keyword
import shutil
from dataclasses import dataclass
from pathlib import Path
from string import Template

from ..errors import AutograderError, CourseLayoutError

TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "new_assignment"
NOTEBOOK_TEMPLATE = "notebook.ipynb.tmpl"
# what each file of a new package is for, as the command prints it
PURPOSES = {
    "__init__.py": "ASSIGNMENT: the spec the engine reads (title, mistakes, data, pre-imports)",
    "reference.py": "the reference answer, computed at grading time",
    "checks/__init__.py": "what the hidden tests import: every check_* of the modules beside it",
    "checks/mean.py": "the check of the task: compares with the reference, names the mistake",
    "mistakes.py": "the mistake code the check names (floor_division)",
    "samples.py": "two samples: the solution (full marks) and floor_division (loses test_mean_of)",
}


@dataclass(frozen=True)
class Scaffolded:
    """What ``new`` wrote: the notebook, the package and its files, and whether a reinstall is needed."""

    name: str
    root: Path
    notebook: Path
    package: Path
    files: tuple  # the package's files, relative to ``package``
    imported: Path  # the assignments folder of the ``autograder`` package this process imported
    reinstall: bool  # True: ``package`` is in the course's checkout, not in the imported package

    def _shown(self, path: Path):
        return path.relative_to(self.root) if path.is_relative_to(self.root) else path

    def lines(self) -> list:
        """What was made and what to do next, for people."""
        shown = self._shown
        out = [f"created the assignment {self.name}:",
               f"  {shown(self.notebook)}: the source notebook, one task (2 points): its solution, a public and a hidden test",
               f"  {shown(self.package)}/: its package"]
        out += [f"    {file}: {PURPOSES.get(file, '')}".rstrip(": ") for file in self.files]
        if self.reinstall:
            out += ["",
                    f"the package was written into the course's checkout, {self.package},",
                    f"not into the installed autograder package, {self.imported / self.name}, which lies outside the course:",
                    f"install the course package again (`pip install .` in {self.root}) before building or grading {self.name}."]
        out += ["", "next:",
                f"  1. write your task in {shown(self.notebook)}, then its reference, checks, mistakes and samples",
                f"  2. autograder build {self.name}: release/ and solutions/ from source/",
                "  3. python -m pytest: the suite grades the samples and checks the mistake codes",
                f"  4. commit source/{self.name}, release/{self.name}, solutions/{self.name} and "
                f"autograder/assignments/{self.name}",
                f"  5. autograder release {self.name} when it is ready for the students"]
        return out


def check_name(name: str) -> None:
    """Refuse a name that cannot be an assignment package: not an identifier, a keyword, a module of the registry."""
    if not (name.isidentifier() and name.isascii()) or keyword.iskeyword(name):
        raise AutograderError(
            f"cannot name an assignment {name!r}: the name is its package's (autograder.assignments.<name>) and its "
            "folder's, so it must be a Python identifier: ASCII letters, digits and _, not starting with a digit, "
            "not a keyword (e.g. week3_regression).")
    if name.startswith("_"):
        raise AutograderError(f"cannot name an assignment {name!r}: a name starting with _ is private to Python; "
                              "start it with a letter.")
    if (Path(__file__).resolve().parent / f"{name}.py").exists():
        raise AutograderError(f"cannot name an assignment {name!r}: autograder.assignments.{name} is a module of the "
                              "registry itself; choose another name.")


def package_home(root: Path) -> tuple:
    """``(assignments folder to write into, reinstall needed)`` for the course at ``root``."""
    imported = Path(__file__).resolve().parent
    if imported.is_relative_to(root):
        return imported, False
    checkout = root / "autograder" / "assignments"
    if not (checkout / "__init__.py").is_file():
        raise CourseLayoutError(
            f"the autograder package in use ({imported}) lies outside the course at {root}, and the course has no "
            f"{checkout.relative_to(root)}/ to write the new package into: run `autograder new` in the course's "
            "checkout (the folder with pyproject.toml and autograder/).")
    return checkout, True


def new(root: Path, name: str) -> Scaffolded:
    """Write the source notebook and the package of a new assignment ``name`` in the course at ``root``."""
    from .. import course

    root = Path(root).resolve()
    check_name(name)
    home, reinstall = package_home(root)
    source = course.folder(root, "source_directory") / name
    package = home / name
    generated = [course.folder(root, trait) / name for trait in ("release_directory", "solution_directory")]
    installed = Path(__file__).resolve().parent / name  # the registry this command reads
    taken = list(dict.fromkeys(str(path) for path in (source, package, installed, *generated) if path.exists()))
    if taken:
        raise AutograderError(f"an assignment {name!r} exists already ({', '.join(taken)}): choose another name, "
                              f"or change it where it is (README, \"Changing an assignment\").")
    fields = {"name": name, "title": name.replace("_", " ").capitalize()}
    templates = sorted(p for p in (TEMPLATES / "package").rglob("*.tmpl") if p.is_file())
    files = tuple(str(p.relative_to(TEMPLATES / "package").with_suffix("").as_posix()) for p in templates)
    try:
        for template, file in zip(templates, files):
            (package / file).parent.mkdir(parents=True, exist_ok=True)
            (package / file).write_text(_fill(template, fields))
        notebook = source / f"{name}.ipynb"
        _write_notebook(_fill(TEMPLATES / NOTEBOOK_TEMPLATE, fields), notebook)
    except BaseException:
        for folder in (source, package):  # all or nothing: neither folder existed before
            shutil.rmtree(folder, ignore_errors=True)
        raise
    return Scaffolded(name, root, notebook, package, files, Path(__file__).resolve().parent, reinstall)


def _fill(template: Path, fields: dict) -> str:
    return Template(template.read_text()).substitute(fields)


def _write_notebook(text: str, path: Path) -> None:
    """Write the notebook ``text`` (JSON) through nbformat, validated, in the layout nbformat gives every notebook."""
    import nbformat

    nb = nbformat.reads(text, as_version=4)
    nbformat.validate(nb)
    path.parent.mkdir(parents=True)
    nbformat.write(nb, path)
