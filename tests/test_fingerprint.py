"""What decides whether a grade is redone, and how a grading-side failure is told from a student's mistake.

Pure tests (no kernel): the records table of an older gradebook gains the fingerprint column, the reason
a submission is regraded, the course pipeline's stop on grader faults, and which test-cell errors are the
grader's. The end-to-end behaviour (real builds, kernels, gradebooks) is in ``test_trust.py``.
"""

import os
import shutil
from datetime import datetime
import subprocess
import sys

import nbformat
import sqlalchemy as sa

from autograder import course
from autograder.storage import records
from autograder.grading import fingerprint as batch
from autograder.preprocessors.grader_fault import REASON_PREFIX, StopOnGraderFault, grader_fault, grader_faults

from .conftest import REPO, checkout_env, checkout_python


def _old_table(db_url):
    """The records table as the package created it before fingerprints, with one graded row."""
    engine = sa.create_engine(db_url)
    with engine.begin() as connection:
        connection.execute(sa.text(
            "CREATE TABLE autograder_submissions (course_id VARCHAR(128) NOT NULL, assignment VARCHAR(128) NOT NULL, "
            "student VARCHAR(128) NOT NULL, content_hash VARCHAR(64) NOT NULL, status VARCHAR(16) NOT NULL, "
            "reasons TEXT NOT NULL, kernel VARCHAR(16) NOT NULL, seconds FLOAT NOT NULL, score FLOAT NOT NULL, "
            "max_score FLOAT NOT NULL, withheld BOOLEAN NOT NULL, graded_at DATETIME NOT NULL, "
            "PRIMARY KEY (course_id, assignment, student))"))
        connection.execute(sa.text(
            "INSERT INTO autograder_submissions VALUES ('c', 'a', 'old', 'abc', 'graded', '[]', 'ok', 1.0, 5.0, 10.0, 0, "
            "'2026-01-01 00:00:00.000000')"))
    engine.dispose()


def test_an_existing_records_table_gains_the_fingerprint_column_and_keeps_its_rows(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    _old_table(db_url)
    [old] = records.load(db_url, "c", "a")
    assert (old.student, old.content_hash, old.score, old.fingerprint) == ("old", "abc", 5.0, {})
    records.save(db_url, "c", records.SubmissionRecord("a", "new", content_hash="def", fingerprint={"source": "1"}))
    records.save(db_url, "c", records.SubmissionRecord("a", "old", content_hash="abc", score=6.0,
                                                       fingerprint={"source": "2"}))  # an upsert, not a second row
    loaded = {r.student: r for r in records.load(db_url, "c", "a")}
    assert sorted(loaded) == ["new", "old"]
    assert loaded["old"].score == 6.0 and loaded["old"].fingerprint == {"source": "2"}
    assert loaded["new"].fingerprint == {"source": "1"}
    # an old record (no fingerprint) is regraded once, saying why
    assert batch.why_regrade(old, {"submission": "abc", "source": "x"}) == "graded before fingerprints were kept"


def test_why_regrade_names_every_changed_part():
    spec = {part: str(i) for i, part in enumerate(batch.PARTS)}
    spec["submission"] = "s"

    def record(content_hash="s", **changes):
        return records.SubmissionRecord("a", "x", content_hash=content_hash, fingerprint={**spec, **changes})

    assert batch.why_regrade(record(), spec) == ""
    assert batch.why_regrade(None, spec) == batch.NEW
    assert batch.why_regrade(record(content_hash=""), spec) == "earlier grading did not finish"
    assert batch.why_regrade(record(content_hash="other", submission="other"), spec) == "submission changed"
    assert batch.why_regrade(record(source="old", release="old"), spec) == "source and release changed"
    assert batch.why_regrade(record(**{"grading code": "old"}), spec) == "grading code changed"
    assert batch.why_regrade(record(environment="old"), spec) == "environment changed"
    assert batch.why_regrade(record(data="old", **{"gradebook copy": "old"}), spec) == "gradebook copy and data changed"
    # a record kept before the spec covered the environment, the data and the gradebook copy: regraded once, saying so
    old = {k: v for k, v in spec.items() if k not in ("environment", "data", "gradebook copy")}
    assert batch.why_regrade(records.SubmissionRecord("a", "x", content_hash="s", fingerprint={**old, "nbgrader": "0.9"}),
                             spec) == "graded before the fingerprint covered every input"
    # bookkeeping kept beside the parts (the hand grades a feedback page shows) decides nothing
    assert batch.why_regrade(record(**{"hand grades": "digest"}), spec) == ""


def test_grading_spec_follows_each_part(tmp_path):
    source, release, config, copy = {"a.ipynb": b"1"}, {"a.ipynb": b"2"}, "c = 1", {"a": {"grade": {"t": [1.0, "code"]}}}
    engine = batch.engine_spec()
    spec = batch.grading_spec(source, release, config, None, copy, (), engine)
    assert set(spec) == set(batch.PARTS) - {"submission", "extension", "variant override"}  # the student's own
    assert batch.grading_spec(source, release, config, None, copy) == spec  # this process's engine by default
    changed = {
        "source": batch.grading_spec({"a.ipynb": b"1!"}, release, config, None, copy, (), engine),
        "release": batch.grading_spec(source, {"a.ipynb": b"2!"}, config, None, copy, (), engine),
        "config": batch.grading_spec(source, release, "c = 2", None, copy, (), engine),
        "gradebook copy": batch.grading_spec(source, release, config, None, {"a": {"grade": {"t": [2.0, "code"]}}}, (), engine),
        "due date": batch.grading_spec(source, release, config, datetime(2026, 12, 1, 23, 59), copy, (), engine),
        "variant version": batch.grading_spec(source, release, config, None, copy, (), engine, "2"),
    }
    for part, other in changed.items():
        assert [p for p in spec if spec[p] != other[p]] == [part], part
    overrides = batch.grading_spec(source, release, config, None, copy, (("Sandbox.enabled", False),), engine)
    assert [p for p in spec if spec[p] != overrides[p]] == ["config"]  # the config that reaches grading
    for part in batch.ENGINE_PARTS:
        other = batch.grading_spec(source, release, config, None, copy, (), {**engine, part: "other"})
        assert [p for p in spec if spec[p] != other[p]] == [part]
    one_day = batch.fingerprint({"a.ipynb": b"x"}, spec, extension_seconds=86400)
    assert one_day["extension"] != batch.fingerprint({"a.ipynb": b"x"}, spec)["extension"]
    as_other = batch.fingerprint({"a.ipynb": b"x"}, spec, variant_override="ana~2")  # autograder variant --reissue
    assert [p for p in as_other if as_other[p] != batch.fingerprint({"a.ipynb": b"x"}, spec)[p]] == ["variant override"]
    graded = records.SubmissionRecord("a", "x", content_hash=one_day["submission"], fingerprint=one_day)
    assert batch.why_regrade(graded, {**one_day, "extension": "0"}) == "extension changed"


def _package_copy(tmp_path):
    copy = tmp_path / "autograder"
    shutil.copytree(REPO / "autograder", copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def test_every_file_of_the_package_moves_the_grading_code_hash(tmp_path):
    """Each file of the package in turn (a copy of it, hashed by the same function): one byte more moves the hash."""
    copy = _package_copy(tmp_path)
    files = sorted(p for p in copy.rglob("*") if p.is_file())
    assert len(files) == len(batch.package_files(copy)) > 90  # every file, templates and data files included
    assert batch.package_files(copy) == batch.package_files(REPO / "autograder")  # the installed package's own files
    base = batch.grading_code_hash(copy)
    unmoved = []
    for path in files:
        original = path.read_bytes()
        path.write_bytes(original + b"\n")
        if batch.grading_code_hash(copy) == base:
            unmoved.append(str(path.relative_to(copy)))
        path.write_bytes(original)
    assert unmoved == [], f"changing these files does not change the fingerprint: {unmoved}"
    assert batch.grading_code_hash(copy) == base
    # a new module (an import the checks could start to make), a removed one, a renamed one
    (copy / "integrity" / "new.py").write_text("")
    assert batch.grading_code_hash(copy) != base
    (copy / "integrity" / "new.py").unlink()
    (copy / "mistakes.py").rename(copy / "mistakes2.py")
    assert batch.grading_code_hash(copy) != base
    (copy / "mistakes2.py").rename(copy / "mistakes.py")
    # what is left out, and why: Python's bytecode caches only
    (copy / "__pycache__").mkdir()
    (copy / "__pycache__" / "cli.cpython-311.pyc").write_bytes(b"bytecode")
    (copy / "stray.pyc").write_bytes(b"bytecode")
    assert batch.grading_code_hash(copy) == base
    assert set(batch.EXCLUDED) == {"__pycache__/", "*.pyc"}


def test_an_assignment_s_grading_code_is_the_engine_and_its_own_package_only(tmp_path):
    """Editing one assignment's check regrades that assignment only; editing the engine regrades every one."""
    copy = _package_copy(tmp_path)
    names = sorted(p.name for p in (copy / "assignments").iterdir() if (p / "__init__.py").is_file())
    assert len(names) >= 2
    base = {name: batch.grading_code_hash(copy, name) for name in names}
    for name in names:
        own = set(batch.package_files(copy, name))
        assert {f for f in own if f.startswith("assignments/") and f.count("/") > 1} == {
            f for f in batch.package_files(copy) if f.startswith(f"assignments/{name}/")}, "its own package, whole"
        check = sorted((copy / "assignments" / name / "checks").glob("*.py"))[-1]
        original = check.read_bytes()
        check.write_bytes(original + b"\n")
        moved = {other for other in names if batch.grading_code_hash(copy, other) != base[other]}
        check.write_bytes(original)
        assert moved == {name}, f"editing {check.relative_to(copy)} moved the grading code of {sorted(moved)}"
    engine_file = copy / "grading" / "grade_one.py"
    engine_file.write_bytes(engine_file.read_bytes() + b"\n")
    assert all(batch.grading_code_hash(copy, name) != base[name] for name in names), "the engine grades every assignment"


def test_the_data_file_moves_the_data_hash_and_is_hashed_once_per_version(tmp_path, monkeypatch):
    home = tmp_path / "data"
    home.mkdir()
    [name] = batch.data_files("tfidf_distances")
    assert name == "20news-bydate_py3.pkz"
    assert batch.data_files("artificial_neurons") == [], "an assignment that reads no data file"
    assert batch.data_files() == [name]
    missing = batch.data_hash(home)
    (home / name).write_bytes(b"x" * 1000)
    base = batch.data_hash(home)
    assert base != missing
    (home / name).write_bytes(b"y" * 1000)  # same size, new content (and mtime)
    os.utime(home / name, ns=(1, 10**18))
    assert batch.data_hash(home) != base
    monkeypatch.setenv("SCIKIT_LEARN_DATA", str(home))
    assert batch.engine_spec()["data"] == batch.data_hash(home)
    # memoised per (path, size, mtime_ns): the same version is not read again
    reads = []
    real_open = open
    monkeypatch.setattr("builtins.open", lambda *a, **k: reads.append(a[0]) or real_open(*a, **k))
    batch.data_hash(home)
    assert reads == []
    os.utime(home / name, ns=(1, 2 * 10**18))
    batch.data_hash(home)
    assert reads == [str(home / name)]


def test_the_environment_hash_holds_python_and_every_distribution(tmp_path, monkeypatch):
    installed = batch.installed_distributions()
    for name in ("scikit-learn", "numpy", "scipy", "pandas", "ipykernel", "nbgrader", "python"):
        assert installed.get(name), name
    assert installed["python"] == sys.version
    base = batch.environment_hash()
    site = tmp_path / "site"
    (site / "fake_dist-1.0.dist-info").mkdir(parents=True)
    (site / "fake_dist-1.0.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: fake-dist\nVersion: 1.0\n")
    monkeypatch.setattr(sys, "path", sys.path + [str(site)])
    installed_one = batch.environment_hash()
    assert installed_one != base  # a package installed
    (site / "fake_dist-1.0.dist-info").rename(site / "fake_dist-1.1.dist-info")
    (site / "fake_dist-1.1.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: fake-dist\nVersion: 1.1\n")
    assert batch.environment_hash() not in (base, installed_one)  # upgraded
    monkeypatch.setattr(sys, "version", sys.version + " (another build)")
    assert batch.installed_distributions()["python"].endswith("(another build)")


def test_a_worker_names_the_part_of_its_engine_that_differs(monkeypatch):
    mine = batch.engine_spec()
    assert batch.engine_mismatch(mine) == ""
    for part in batch.ENGINE_PARTS:
        why = batch.engine_mismatch({**mine, part: "0" * 64})
        assert why.startswith(f"this worker's {part} differs from the coordinator's") and "restart the workers" in why
    # files changed under a running worker: it would grade with code older than its files (and its kernels')
    monkeypatch.setitem(batch._STARTED, None, "0" * 64)
    assert "changed on disk since the worker process started" in batch.engine_mismatch(mine)


def _test_cell(*outputs, solution=False):
    cell = nbformat.v4.new_code_cell("check_something(answer)")
    cell.metadata["nbgrader"] = {"grade": True, "solution": solution, "grade_id": "test_x", "points": 2}
    cell.outputs = [nbformat.v4.new_output("error", ename=e, evalue=v, traceback=tb) for e, v, tb in outputs]
    return cell


def test_grader_faults_are_told_from_student_mistakes():
    infrastructure = ("GradingInfrastructureError", f"{REASON_PREFIX} the reference computation x failed", [])
    missing = ("ModuleNotFoundError", "No module named 'autograder'", [])
    missing_sub = ("ModuleNotFoundError", "No module named 'autograder.assignments.x.checks'", [])
    inside = ("ModuleNotFoundError", "No module named 'numpy'", ['File "/opt/autograder-package/autograder/assignments/x/checks/x.py"'])
    assert grader_fault(_test_cell(infrastructure)).startswith(f"{REASON_PREFIX} the reference computation x failed")
    for error in (missing, missing_sub, inside):
        reason = grader_fault(_test_cell(error))
        assert reason.startswith(REASON_PREFIX) and "pip install -e" in reason, reason  # names the fix
    # the student's own mistakes: a wrong answer, a missing module of their own, the same error outside a test cell
    assert grader_fault(_test_cell(("AnswerError", "tfidf rows should have unit L2 norm", []))) == ""
    assert grader_fault(_test_cell(("ModuleNotFoundError", "No module named 'autograder_helpers'", []))) == ""
    assert grader_fault(_test_cell(("ModuleNotFoundError", "No module named 'torch'", ["<ipython-input-3>"]))) == ""
    assert grader_fault(_test_cell(missing, solution=True)) == ""
    nb = nbformat.v4.new_notebook(cells=[_test_cell(), _test_cell(missing)])
    assert [grade_id for grade_id, _ in grader_faults(nb)] == ["test_x"]


def test_stop_on_grader_fault_raises_with_the_reason_and_passes_clean_notebooks():
    from autograder.errors import GradingInfrastructureError

    step = StopOnGraderFault()
    clean = nbformat.v4.new_notebook(cells=[_test_cell(("AnswerError", "wrong", []))])
    assert step.preprocess(clean, {})[0] is clean
    broken = nbformat.v4.new_notebook(cells=[_test_cell(("ModuleNotFoundError", "No module named 'autograder'", []))])
    try:
        step.preprocess(broken, {})
    except GradingInfrastructureError as error:
        assert str(error).startswith(REASON_PREFIX) and "earlier grade is kept" in str(error)
    else:
        raise AssertionError("a grader fault must stop the submission")


def test_the_course_pipeline_stops_on_grader_faults_before_grades_are_saved():
    """Plain `nbgrader autograde` uses nbgrader_config.py: the stop sits between Execute and SaveAutoGrades."""
    from nbgrader.preprocessors import Execute, SaveAutoGrades

    steps = list(course.load_config(REPO).Autograde.autograde_preprocessors)
    execute = next(i for i, s in enumerate(steps) if isinstance(s, type) and issubclass(s, Execute))
    assert steps.index(StopOnGraderFault) == execute + 1 < steps.index(SaveAutoGrades)


def test_grade_and_demo_stop_at_once_without_the_data(tmp_path):
    """The README's promise: without the data an assignment reads, the grading commands stop before anything is
    done, naming the data and the fix (an assignment that reads none grades: tests/test_assignment_packages.py)."""
    root = course.copy_course(REPO, tmp_path / "course")
    submitted = root / "submitted" / "ada" / "tfidf_distances"
    submitted.mkdir(parents=True)
    (submitted / "tfidf_distances.ipynb").write_bytes((REPO / "release" / "tfidf_distances" / "tfidf_distances.ipynb").read_bytes())
    env = checkout_env(dict(os.environ, SCIKIT_LEARN_DATA=str(tmp_path / "no-data-here")))
    for args, cwd in ((["grade", "tfidf_distances"], root), (["demo", "--dir", str(tmp_path / "demo")], REPO)):
        result = subprocess.run([*checkout_python(), "-m", "autograder", *args], cwd=cwd, env=env, capture_output=True,
                                text=True, timeout=300)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert "20 Newsgroups data not found" in result.stderr and "SCIKIT_LEARN_DATA" in result.stderr
    assert not (root / "gradebook.db").exists() and not (root / "autograded").exists()  # nothing was graded
    assert not (tmp_path / "demo").exists()


def test_a_kernel_whose_extension_failed_refuses_every_cell(monkeypatch):
    """The extension could not prepare the kernel: every cell raises the grader's error, never a plain failure."""
    from IPython.core.interactiveshell import InteractiveShell

    from autograder.kernel import quiet_kernel
    from autograder.errors import GradingInfrastructureError
    from autograder.kernel import integrity as runtime

    monkeypatch.setattr(sys, "stderr", sys.stderr)  # the extension reroutes it
    monkeypatch.setattr(runtime, "take_snapshot", lambda ipython: 1 / 0)
    shell = InteractiveShell()
    quiet_kernel.load_ipython_extension(shell)
    outcome = shell.run_cell("answer = 42", store_history=False)
    assert isinstance(outcome.error_in_exec, GradingInfrastructureError)
    assert str(outcome.error_in_exec).startswith(REASON_PREFIX) and "ZeroDivisionError" in str(outcome.error_in_exec)
    assert "answer" not in shell.user_ns
    cell = _test_cell(("GradingInfrastructureError", str(outcome.error_in_exec), []))
    assert grader_fault(cell) == str(outcome.error_in_exec)
