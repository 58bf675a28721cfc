"""The course folder: its assignments, its nbgrader configuration, and the release/solutions build.

Everything goes through nbgrader's own classes (``NbGraderAPI``, ``GenerateAssignment``,
``GenerateSolution``) with the configuration read from the course's ``nbgrader_config.py``, so the
result is exactly what the plain ``nbgrader`` commands produce.
"""

import contextlib
import os
from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from .errors import AutograderError, CourseLayoutError

CONFIG_FILE = "nbgrader_config.py"


# nbgrader's folder settings (``c.CourseDirectory.*_directory``); every verb uses the configured names
FOLDERS = ("source_directory", "release_directory", "solution_directory", "submitted_directory",
           "autograded_directory", "feedback_directory")


def folders(root: Path) -> dict:
    """``trait -> folder name`` of ``FOLDERS`` as the course's nbgrader_config.py sets them (nbgrader's defaults
    otherwise), e.g. ``{"source_directory": "source", ...}``."""
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(config=load_config(Path(root)))
    return {trait: getattr(coursedir, trait) for trait in FOLDERS}


def folder(root: Path, trait: str) -> Path:
    """The course's folder for ``trait`` (``"source_directory"``...), e.g. ``root/source``."""
    return Path(root) / folders(root)[trait]


def find_root(start: os.PathLike | str = ".") -> Path:
    """The nearest folder at or above ``start`` holding ``nbgrader_config.py`` and its source folder
    (``c.CourseDirectory.source_directory``, ``source/`` by default)."""
    start = Path(start).resolve()
    for candidate in [start, *start.parents]:
        if (candidate / CONFIG_FILE).is_file():
            try:
                source = folder(candidate, "source_directory")
            except Exception:  # noqa: BLE001 - a config that does not load: look for the default name
                source = candidate / "source"
            if source.is_dir():
                return candidate
    raise CourseLayoutError(
        f"no course found at or above {start}: run this inside the course folder "
        f"(the one with {CONFIG_FILE} and source/)."
    )


def assignments(root: Path) -> list[str]:
    """Names of the assignments in the source folder (``source/``): every folder holding a notebook."""
    return sorted(p.name for p in folder(root, "source_directory").iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def require_assignments(root: Path, names) -> list[str]:
    """``names`` if each is an assignment of the course (all of them when ``names`` is empty)."""
    known = assignments(root)
    names = list(names) or known
    unknown = [name for name in names if name not in known]
    if unknown:
        raise CourseLayoutError(f"unknown assignment {', '.join(unknown)}: the course has {', '.join(known)}.")
    return names


def load_config(root: Path, **overrides) -> Config:
    """The course's ``nbgrader_config.py``, with ``CourseDirectory.root`` set and ``overrides`` merged.

    ``overrides`` map ``"Class.trait"`` to a value, e.g. ``{"CourseDirectory.db_url": "sqlite:///x.db"}``.
    """
    config = PyFileConfigLoader(CONFIG_FILE, path=str(root)).load_config()
    config.CourseDirectory.root = str(root)
    return apply_overrides(config, overrides.items())


def apply_overrides(config: Config, overrides) -> Config:
    """Set ``("Class.trait", value)`` pairs on ``config`` (in place); returns it."""
    for key, value in overrides:
        section, trait = key.split(".")
        setattr(config[section], trait, value)
    return config


@contextlib.contextmanager
def inside(root: Path):
    """Run a block with the course root as working directory (nbgrader resolves some paths from there)."""
    previous = Path.cwd()
    os.chdir(root)
    try:
        yield
    finally:
        os.chdir(previous)


def nbgrader_api(root: Path, **overrides):
    """nbgrader's ``NbGraderAPI`` for the course at ``root``."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    config = load_config(root, **overrides)
    return NbGraderAPI(CourseDirectory(config=config), config=config)


def require_success(outcome: dict, what: str, fix: str = "", error: type = AutograderError) -> dict:
    """An nbgrader API outcome (``{"success", "log", "error"}``) if it succeeded; else raise ``error`` saying
    ``what`` failed, nbgrader's own reason (the error lines of its log, ``nbgrader_log.reason``), and ``fix``."""
    from .nbgrader_log import reason

    if outcome and outcome.get("success"):
        return outcome
    why = reason((outcome or {}).get("log") or "", (outcome or {}).get("error") or "")
    raise error("\n".join(part for part in (f"{what} failed: {why}", fix) if part))


def run_converter(app, what: str) -> None:
    """Run an nbgrader converter app (``app.start()``), raising ``AutograderError`` with its log if it fails."""
    from nbgrader.apps.api import capture_log

    require_success(capture_log(app), what)


def generate_assignment(api, name: str) -> None:
    """nbgrader's ``GenerateAssignment`` of ``name`` through ``api`` (creating it in the gradebook), forced.

    An assignment with a submission row but no notebook yet (``nbgrader db assignment add``, then an extension
    granted with ``autograder extend``), which nbgrader refuses to generate, first learns its notebooks from a
    generate into a scratch gradebook (``gradebook_structure.learn_notebooks``).
    """
    import tempfile

    from nbgrader.converters import GenerateAssignment
    from nbgrader.utils import temp_attrs

    from .storage.structure import alembic_on_path, learn_notebooks, submitted_without_notebooks

    def generate():
        with temp_attrs(api.coursedir, assignment_id=name):
            app = GenerateAssignment(coursedir=api.coursedir, parent=api)
            app.force = True
            app.create_assignment = True
            run_converter(app, f"generate_assignment {name}")

    alembic_on_path()
    db_url, course_id = api.coursedir.db_url, api.coursedir.course_id
    if submitted_without_notebooks(db_url, course_id, name):
        with tempfile.TemporaryDirectory(prefix="autograder-generate-") as scratch:
            scratch_url = f"sqlite:///{Path(scratch) / 'gradebook.db'}"
            with temp_attrs(api.coursedir, db_url=scratch_url):
                generate()
            learn_notebooks(scratch_url, db_url, course_id, name)
    generate()


# The executed solutions must come out byte for byte the same on every build, or each release dirties the
# checkout: no per-cell execution timestamps (nbclient's ``record_timing``), and no path of this machine's
# Python installation in the outputs (a warning names the file that raised it) — see ``_portable_outputs``.
REPRODUCIBLE = {"Execute.record_timing": False}


def _install_paths() -> list:
    """Folders of the Python installation (longest first) that outputs may name: site-packages, stdlib, prefixes."""
    import sys
    import sysconfig

    paths = sysconfig.get_paths()
    named = {paths["purelib"]: "site-packages", paths["platlib"]: "site-packages", paths["stdlib"]: "lib/python",
             sys.prefix: "python", sys.base_prefix: "python"}
    return sorted(((str(Path(path)), label) for path, label in named.items() if path), key=lambda p: -len(p[0]))


def _portable_outputs(notebook: Path) -> None:
    """Rewrite the executed ``notebook`` without what depends on where it was built: installation paths in
    text outputs become ``site-packages/...`` (etc.); cell ``execution`` timing metadata and the Python
    patch version of ``language_info`` go."""
    import nbformat

    nb = nbformat.read(notebook, nbformat.NO_CONVERT)
    replacements = _install_paths()

    def portable(text: str) -> str:
        for path, label in replacements:
            text = text.replace(path + "/", label + "/")
        return text

    changed = nb.metadata.get("language_info", {}).pop("version", None) is not None  # the builder's Python
    for cell in nb.cells:
        if cell.metadata.pop("execution", None) is not None:
            changed = True
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                text = portable(output["text"])
                changed |= text != output["text"]
                output["text"] = text
            elif output.get("output_type") == "error":
                traceback = [portable(line) for line in output.get("traceback", [])]
                changed |= traceback != output.get("traceback", [])
                output["traceback"] = traceback
            if "data" in output and "text/plain" in output["data"]:
                text = portable(output["data"]["text/plain"])
                changed |= text != output["data"]["text/plain"]
                output["data"]["text/plain"] = text
    if changed:
        nbformat.write(nb, notebook)


def build(root: Path, names=()) -> list[str]:
    """Regenerate ``release/`` (student version) and ``solutions/`` (executed, no hidden tests) from ``source/``.

    Returns the assignments built. Needs the data the assignments declare, since the solutions are executed.
    """
    from nbgrader.converters import GenerateSolution
    from nbgrader.utils import temp_attrs

    root = Path(root).resolve()
    names = require_assignments(root, names)
    with inside(root):
        api = nbgrader_api(root, **REPRODUCIBLE)
        for name in names:
            generate_assignment(api, name)
            with temp_attrs(api.coursedir, assignment_id=name):
                app = GenerateSolution(coursedir=api.coursedir, parent=api)
                app.force = True
                run_converter(app, f"generate_solution {name}")
            for notebook in sorted(Path(api.coursedir.format_path(api.coursedir.solution_directory, ".", name)).glob("*.ipynb")):
                _portable_outputs(notebook)
    return names


COURSE_FILES = ("nbgrader_config.py", "source", "release", "solutions")  # with nbgrader's default folder names


def course_files(root: Path) -> list:
    """What the committed course is: its config and its source, release and solution folders (as configured)."""
    names = folders(root)
    return [CONFIG_FILE] + [names[trait] for trait in ("source_directory", "release_directory", "solution_directory")]


def copy_course(root: Path, destination: Path) -> Path:
    """Copy the committed course (config, source/, release/, solutions/) to ``destination``; no runtime state."""
    import shutil

    root, destination = Path(root), Path(destination)
    destination.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
    for name in course_files(root):
        if (root / name).is_dir():
            shutil.copytree(root / name, destination / name, ignore=ignore)
        elif (root / name).is_file():
            shutil.copy2(root / name, destination / name)
    return destination
