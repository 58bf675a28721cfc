"""What decided a grade: one grading spec per assignment, a fingerprint per submission, and why it is graded again.

The grading spec is everything besides the submission that decides a grade, one hash per part (the names
are what a ``why:`` line says changed):

* ``source``, ``release``: the assignment's source and release notebooks (and files) as graded;
* ``gradebook copy``: the assignment's notebooks, cells, points and locked/test cell sources as the course
  gradebook holds them (what ``nbgrader autograde`` puts back into every submission: hidden tests, points);
* ``config``: ``nbgrader_config.py`` (the late policy included) and the overrides that reach grading;
* ``grading code``: every file of the installed ``autograder`` package that grades the assignment: the engine
  and the assignment's own package, not the other assignments' (``package_files``), so editing one
  assignment's check regrades that assignment only;
* ``environment``: the Python version and every installed distribution with its version (nbgrader,
  scikit-learn, NumPy, SciPy, pandas, ipykernel, ...: kernels run the same interpreter);
* ``data``: the sha256 of each data file the assignment declares (``Assignment.data``);
* ``due date`` and, per submission, ``extension`` and ``submission`` (its own files);
* ``variant version`` (the assignment's ``variant_version``, "" without variants) and, per submission, ``variant
  override`` (the id whose variant grades the student when an override is kept, ``autograder variant --as``).
  A record kept before these two parts existed counts as unchanged in them (``OPTIONAL_PARTS``).

``grading code``, ``environment`` and ``data`` together are the *engine* (``engine_spec``): what a worker
runs. Every ``GradeJob`` carries the coordinator's; a worker computes its own and refuses a job whose
engine differs (``engine_mismatch``), naming the part. The record of a graded submission keeps the
fingerprint (``autograder.storage.records``); ``batch.plan`` grades again exactly the submissions whose fingerprint
differs, and ``why_regrade`` names the parts that changed for the run's summary.

Hashing is memoised per file by ``(path, size, mtime_ns)`` in each process, so recomputing the spec for
every job costs a walk of ``stat`` calls once the files were read (README, When the grading side fails).
"""

import hashlib
import json
import os
import sys
from pathlib import Path


def content_hash(files: dict) -> str:
    """sha256 over a submission's files (relative paths and contents, in path order)."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return digest.hexdigest()


NEW = "new submission"
# the parts of a fingerprint, in the order a summary names them
PARTS = ("submission", "source", "release", "gradebook copy", "config", "grading code", "environment", "data",
         "due date", "extension", "variant version", "variant override")
OPTIONAL_PARTS = ("variant version", "variant override")  # absent from a record kept before they existed: unchanged
ENGINE_PARTS = ("grading code", "environment", "data")
# files of the package left out of ``grading code``: none but Python's bytecode caches, which Python rebuilds from
# the .py files that are hashed (and which a running grader writes, so they would move the hash by themselves)
EXCLUDED = {"__pycache__/": "bytecode cache, rebuilt from the hashed .py files", "*.pyc": "bytecode (same)"}
ASSIGNMENTS = "assignments"  # the package's folder of assignment packages (autograder.assignments)


def tree_hash(files: dict) -> str:
    """sha256 over ``path -> bytes`` (the same rule as ``content_hash``)."""
    return content_hash(files)


_FILE_HASHES: dict = {}  # (path, size, mtime_ns) -> sha256 of the file's bytes, per process


def file_hash(path) -> str:
    """sha256 of the file at ``path``, memoised per ``(path, size, mtime_ns)`` (a changed file is hashed again)."""
    path = os.fspath(path)
    stat = os.stat(path)
    key = (path, stat.st_size, stat.st_mtime_ns)
    if key not in _FILE_HASHES:
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        _FILE_HASHES[key] = digest.hexdigest()
    return _FILE_HASHES[key]


def package_dir() -> Path:
    """The folder of the ``autograder`` package this process imports (the one its kernels import too)."""
    return Path(__file__).resolve().parents[1]


def package_files(package: Path | None = None, assignment: str | None = None) -> dict:
    """``relative path -> sha256`` of every file of the package folder but ``EXCLUDED``; links by their target.

    ``assignment``: only that one of the assignment packages (``assignments/<name>/``) is walked; None: all.
    """
    package = Path(package or package_dir())
    files = {}
    others = package / ASSIGNMENTS
    for folder, dirs, names in os.walk(package):  # never follows a link to a folder
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        if assignment is not None and Path(folder) == others:
            dirs[:] = [d for d in dirs if d == assignment]
        for name in sorted(names):
            if name.endswith(".pyc"):
                continue
            path = os.path.join(folder, name)
            relative = os.path.relpath(path, package)
            if os.path.islink(path):
                files[relative] = "link:" + os.readlink(path)
            elif os.path.isfile(path):
                files[relative] = file_hash(path)
        for name in dirs:  # a link to a folder: its target, never its contents
            path = os.path.join(folder, name)
            if os.path.islink(path):
                files[os.path.relpath(path, package) + "/"] = "link:" + os.readlink(path)
    return files


def grading_code_hash(package: Path | None = None, assignment: str | None = None) -> str:
    """sha256 over every file of the ``autograder`` package that grades ``assignment`` (``package_files``)."""
    return hashlib.sha256(json.dumps(package_files(package, assignment), sort_keys=True).encode()).hexdigest()


def installed_distributions() -> dict:
    """``name -> version`` of every distribution installed in this environment, and Python's version."""
    from importlib import metadata

    found = {"python": sys.version, "implementation": sys.implementation.cache_tag or ""}
    for dist in metadata.distributions():
        folder = getattr(dist, "_path", None)  # ``NAME-VERSION.dist-info``: read without parsing METADATA (fast)
        stem = folder.name[: -len(".dist-info")] if folder is not None and folder.name.endswith(".dist-info") else ""
        name, _, version = stem.partition("-")
        if not (name and version):
            name, version = dist.metadata["Name"] or "", dist.version
        name = name.lower().replace("_", "-").replace(".", "-")
        if name:
            found.setdefault(name, version)  # the first on sys.path wins, as for imports
    return found


_ENVIRONMENTS: dict = {}  # the folders of sys.path with their mtime_ns -> environment hash, per process


def environment_hash() -> str:
    """sha256 of ``installed_distributions()``; memoised until a folder of ``sys.path`` changes (an install)."""
    key = []
    for entry in sys.path:
        try:
            key.append((entry, os.stat(entry or ".").st_mtime_ns))
        except OSError:
            key.append((entry, None))
    key = tuple(key)
    if key not in _ENVIRONMENTS:
        _ENVIRONMENTS[key] = hashlib.sha256(json.dumps(installed_distributions(), sort_keys=True).encode()).hexdigest()
    return _ENVIRONMENTS[key]


def data_files(assignment: str | None = None) -> list:
    """The names of the data files ``assignment`` declares (every registered assignment's when None)."""
    from .. import assignments

    specs = [assignments.get(assignment)] if assignment is not None else assignments.registered()
    return sorted({data_file.name for spec in specs for data_file in spec.data})


def data_hash(home: Path | None = None, assignment: str | None = None) -> str:
    """sha256 over ``name -> sha256`` of each of ``data_files(assignment)`` in the data home ("missing" if absent)."""
    from ..assignments.data import data_home

    home = Path(home or data_home())
    found = {}
    for name in data_files(assignment):
        path = home / name
        found[name] = file_hash(path) if path.is_file() else "missing"
    return hashlib.sha256(json.dumps(found, sort_keys=True).encode()).hexdigest()


def engine_spec(assignment: str | None = None) -> dict:
    """What grades ``assignment`` (every assignment when None), as this process would run it: ``grading code``,
    ``environment`` and ``data`` hashes."""
    return {"grading code": grading_code_hash(assignment=assignment), "environment": environment_hash(),
            "data": data_hash(assignment=assignment)}


def engine_hash(engine: dict) -> str:
    """One hash of an ``engine_spec`` (the reference caches are keyed by it)."""
    return hashlib.sha256(json.dumps({p: engine.get(p) for p in ENGINE_PARTS}, sort_keys=True).encode()).hexdigest()


_STARTED: dict = {}  # the package as this process first saw it: the code it has imported since


def engine_mismatch(expected: dict, assignment: str | None = None) -> str:
    """Why this process must not grade a job carrying the coordinator's engine ``expected`` ("" if it may).

    The worker's engine is computed from the files it runs; its package must also be the one it loaded (a
    long-lived worker whose files changed under it runs older code than its kernels would).
    """
    mine = engine_spec(assignment)
    _STARTED.setdefault(assignment, mine["grading code"])
    differ = [part for part in ENGINE_PARTS if expected.get(part) != mine[part]]
    if differ:
        return (f"this worker's {' and '.join(differ)} differ{'s' if len(differ) == 1 else ''} from the coordinator's "
                f"({', '.join(f'{p}: worker {mine[p][:12]}, coordinator {str(expected.get(p))[:12]}' for p in differ)}): "
                "install the same autograder package, the same packages and the same data on every worker and the "
                "coordinator, then restart the workers and grade again")
    if _STARTED[assignment] != mine["grading code"]:
        return ("this worker's grading code changed on disk since the worker process started (it would grade with "
                "code older than its files): restart the workers and grade again")
    return ""


def config_hash(config_text: str, overrides=()) -> str:
    """sha256 of ``nbgrader_config.py`` and the overrides that reach grading (``Class.trait``, value pairs)."""
    return hashlib.sha256(json.dumps([config_text, [list(map(repr, o)) for o in overrides]]).encode()).hexdigest()


def grading_spec(source: dict, release: dict, config_text: str, due_date=None, gradebook_copy=None,
                 overrides=(), engine: dict | None = None, variant_version: str = "") -> dict:
    """Everything besides the submission that decides an assignment's grades: one hash (or version) per part.

    ``gradebook_copy``: the assignment as the course gradebook holds it (``template.assignment_structure``).
    """
    return {
        "source": tree_hash(source),
        "release": tree_hash(release),
        "gradebook copy": hashlib.sha256(json.dumps(gradebook_copy, sort_keys=True).encode()).hexdigest(),
        "config": config_hash(config_text, overrides),
        **(engine or engine_spec()),
        "due date": due_date.isoformat() if due_date else "",
        "variant version": str(variant_version),
    }


def fingerprint(files: dict, spec: dict, extension_seconds: float = 0.0, variant_override: str = "") -> dict:
    """The fingerprint of one submission: its own content hash, the assignment's ``grading_spec``, the
    student's extension and variant override."""
    return {"submission": content_hash(files), **spec, "extension": f"{float(extension_seconds or 0.0):g}",
            "variant override": str(variant_override or "")}


def why_regrade(record, current: dict) -> str:
    """Why a submission with ``record`` (or None) and fingerprint ``current`` is graded; "" if it is unchanged."""
    if record is None:
        return NEW
    if not record.content_hash:
        return "earlier grading did not finish"
    if not record.fingerprint:
        return "graded before fingerprints were kept"
    if record.content_hash != current["submission"]:
        return "submission changed"
    if not set(PARTS) - set(OPTIONAL_PARTS) <= set(record.fingerprint):  # kept before the spec covered the environment, data, gradebook copy
        return "graded before the fingerprint covered every input"
    changed = [part for part in PARTS if record.fingerprint.get(part) != current.get(part)
               and not (part in OPTIONAL_PARTS and part not in record.fingerprint)]
    return " and ".join(changed) + " changed" if changed else ""


def why_summary(why: dict, skipped: int) -> str:
    """``source changed: 40 regraded; unchanged: 0 skipped`` from ``student -> why_regrade`` of the graded ones."""
    counts = {}
    for reason in why.values():
        counts[reason] = counts.get(reason, 0) + 1
    parts = [f"{reason}: {n} {'graded' if reason == NEW else 'regraded'}" for reason, n in sorted(counts.items())]
    return "; ".join(parts + [f"unchanged: {skipped} skipped"])
