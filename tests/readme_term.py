"""The terms README.md describes, run from its own command lines, for tests/test_readme_commands.py and
tests/test_readme_plain_nbgrader.py.

Each term has a course copy of its own whose nbgrader_config.py names a fresh exchange folder (``c.Exchange.root``),
so the README's lines run as written; students are folders of their own whose ``~/.jupyter/nbgrader_config.py`` names
the course, the exchange and their id, and they run nbgrader's own student commands. The plain nbgrader term runs
the README's "same steps with plain nbgrader" and the student's side, which name tfidf_distances; the ``autograder``
term runs the instructor's table and the due-date, extension, LMS and export lines on artificial_neurons (the
assignment those lines name). Every command goes through ``Term.run``, which records its key and options: the tests
then check that every command the README shows was run, and ``KEYS`` says which term runs which.
"""

import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook

from autograder import course
from autograder.assignments.samples import make_submission, samples_for

from .conftest import REPO, checkout_env
from .readme_commands import Shown, command_key, instantiate, shown

# which term runs the README's commands of each key (every option the README shows for them, but those in ELSEWHERE)
KEYS = {
    "autograder": {"autograder build", "autograder release", "autograder extend", "autograder collect",
                   "autograder grade", "autograder return", "autograder export", "autograder report",
                   "autograder similarity", "nbgrader export", "nbgrader db assignment add"},
    "plain": {"nbgrader generate_assignment", "nbgrader release_assignment", "nbgrader fetch_assignment",
              "nbgrader validate", "nbgrader submit", "nbgrader collect", "nbgrader autograde",
              "nbgrader generate_feedback", "nbgrader release_feedback", "nbgrader fetch_feedback"},
}
# key or (key, option) -> (the test that runs it, a string that test holds where it does)
ELSEWHERE = {
    "autograder demo": ("tests/test_demo.py", "demo(REPO"),  # a whole term (about a minute): run once, there
    "jupyter server extension enable": ("tests/test_formgrader.py", "nbgrader.server_extensions.formgrader"),
    "jupyter server": ("tests/test_formgrader.py", '"server"'),
    "dask scheduler": ("tests/test_dask.py", "LocalCluster"),  # a cluster's processes, in one
    "dask worker": ("tests/test_dask.py", "LocalCluster"),
    ("autograder grade", "--scheduler"): ("tests/test_dask.py", "scheduler"),
    ("nbgrader validate", "--invert"): ("tests/test_release.py", '"--invert"'),
    # scaffolds into the autograder package it runs: tested in a copy of the checkout, built and graded there
    "autograder new": ("tests/test_scaffold.py", '"-m", "autograder", "new"'),
    "autograder variant": ("tests/test_variants.py", '"variant", "artificial_neurons", "ana", "--json"'),
    ("autograder variant", "--as"): ("tests/test_variants_steering.py", '"--as", "ana"'),
    ("autograder variant", "--reissue"): ("tests/test_variants_steering.py", '"--reissue"'),
    ("autograder variant", "--clear"): ("tests/test_variants_steering.py", '"--clear"'),
}
# setting up the environment and running the suite itself: not the course's commands, never run by a test
SETUP = {"pip install", "export", "rm", "python -m pytest", "python -m pip", "python -m venv"}

PLAIN, TERM = "tfidf_distances", "artificial_neurons"  # the assignments of the two terms
MISTAKE = "consistent_argument_order"  # what 1001 hands in (jdoe: the solution)
BIN = Path(sys.executable).parent  # where this environment's `autograder` and `nbgrader` are


@dataclass
class Ran:
    words: list
    returncode: int
    stdout: str
    stderr: str
    started: float  # time.time() before it started
    seconds: float = 0.0

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@dataclass
class Term:
    base: Path
    root: Path
    exchange: Path
    course_id: str
    commands: list  # readme_commands.Shown, every command the README shows
    ran: list = field(default_factory=list)  # (key, options) of every command run
    steps: dict = field(default_factory=dict)  # step name -> Ran
    seen: dict = field(default_factory=dict)  # what a step left, read right after it (due dates...)

    def run(self, step: str, words: list, cwd: Path | None = None, env: dict | None = None) -> Ran:
        """Run the real program ``words[0]`` of this environment in ``cwd`` (the course folder by default)."""
        import time

        tokens = tuple(words)
        self.ran.append((command_key(tokens), Shown(" ".join(words), 0, "run", tokens).flags))
        program = shutil.which(words[0], path=str(BIN)) or words[0]
        started = time.time()
        done = subprocess.run([program, *words[1:]], cwd=cwd or self.root, env=env or checkout_env(),
                              capture_output=True, text=True, timeout=900)
        self.steps[step] = Ran(list(words), done.returncode, done.stdout, done.stderr, started, time.time() - started)
        return self.steps[step]

    def shown(self, key: str, where: str | None = None, synopsis: bool | None = None, has: str = "") -> Shown:
        """The README's command of ``key`` (in ``where``, a synopsis or a line to run, containing ``has``): the one with
        the most options when several match."""
        matches = [c for c in self.commands if c.key == key and (where is None or c.where == where)
                   and (synopsis is None or c.synopsis == synopsis) and has in c.text]
        assert matches, f"README.md shows no {key!r} command{f' in its {where}' if where else ''} containing {has!r}"
        return max(matches, key=lambda c: (len(c.flags), -c.line))

    def student(self, name: str, step: str, words: list, cwd: Path | None = None) -> Ran:
        """A student's own nbgrader command, in their own folder (their HOME, with their nbgrader_config.py)."""
        home = self.base / "students" / name
        env = {k: v for k, v in checkout_env().items() if not k.startswith("JUPYTER")}
        env["HOME"] = str(home)
        return self.run(step, words, cwd=cwd or home, env=env)

    def duedate(self, student: str | None = None):
        with Gradebook(f"sqlite:///{self.root / 'gradebook.db'}", course_id=self.course_id) as gb:
            if student is None:
                return gb.find_assignment(TERM).duedate
            return gb.find_submission(TERM, student).extension


def student_home(term: Term, name: str) -> Path:
    home = term.base / "students" / name
    (home / ".jupyter").mkdir(parents=True)
    (home / ".jupyter" / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.course_id = {term.course_id!r}\nc.Exchange.root = {str(term.exchange)!r}\n"
        f"c.Exchange.cache = {str(home / 'cache')!r}\nc.CourseDirectory.student_id = {name!r}\n")
    return home


def submission(assignment: str, sample: str) -> str:
    source_nb = nbformat.read(REPO / "source" / assignment / f"{assignment}.ipynb", 4)
    release_nb = nbformat.read(REPO / "release" / assignment / f"{assignment}.ipynb", 4)
    return nbformat.writes(make_submission(source_nb, release_nb, next(s for s in samples_for(assignment) if s.name == sample)))


def handin_csv(readme: Path) -> str:
    """The hand-in times CSV the README shows in comments under its ``collect --times`` line."""
    lines = readme.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("# handin.csv:"))
    rows = [lines[start].split(":", 1)[1].strip()]
    for line in lines[start + 1:]:
        if not line.startswith("    #"):
            break
        rows.append(line.strip()[1:].strip())
    return "\n".join(rows) + "\n"


def plain_nbgrader_term(base: Path) -> Term:
    """The plain nbgrader steps the README lists, and the student's side as it writes it (tfidf_distances)."""
    term = new_term(base)
    for verb in ("generate_assignment", "release_assignment"):
        term.run(verb, instantiate(term.shown(f"nbgrader {verb}"), A=PLAIN))
    jdoe = term.base / "students" / "jdoe"
    term.student("jdoe", "fetch_assignment", instantiate(term.shown("nbgrader fetch_assignment", has=PLAIN)))
    if (jdoe / PLAIN / f"{PLAIN}.ipynb").is_file():
        (jdoe / PLAIN / f"{PLAIN}.ipynb").write_text(submission(PLAIN, "solution"))
    term.student("jdoe", "validate", instantiate(term.shown("nbgrader validate", has=PLAIN)), cwd=jdoe / PLAIN)
    term.student("jdoe", "submit", instantiate(term.shown("nbgrader submit", has=PLAIN)))
    for verb in ("collect", "autograde", "generate_feedback", "release_feedback"):
        term.run(verb, instantiate(term.shown(f"nbgrader {verb}", synopsis=True), A=PLAIN))
    term.seen["release_feedback"] = sorted((term.exchange / term.course_id / "feedback").glob("*.html"))
    term.student("jdoe", "fetch_feedback", instantiate(term.shown("nbgrader fetch_feedback", has=PLAIN)))
    timings(term)
    return term


def autograder_term(base: Path) -> Term:
    """The instructor's table, the due-date, extension, LMS and export lines, on artificial_neurons."""
    term = new_term(base)
    values = {"ASSIGNMENT": TERM, "A": TERM}
    term.run("build", instantiate(term.shown("autograder build", where="table"), **values))
    term.run("release", instantiate(term.shown("autograder release", where="code")))
    term.seen["release"] = term.duedate()
    synopsis = term.shown("autograder release", where="table")
    term.run("release again", instantiate(synopsis, DIR=term.exchange, DATE="2027-01-01 00:00:00 UTC", **values))
    term.seen["release again"] = term.duedate()
    term.run("release nowhere", instantiate(synopsis, DIR=term.base / "nowhere", DATE="2027-01-01 00:00:00 UTC", **values))
    term.seen["release nowhere"] = term.duedate()
    term.run("db assignment add", instantiate(term.shown("nbgrader db assignment add", where="code")))
    term.seen["db assignment add"] = term.duedate()
    term.run("extend new", instantiate(term.shown("autograder extend", where="table"), STUDENT="newcomer", N=1, H=6,
                                       **values))
    jdoe = term.base / "students" / "jdoe"
    term.student("jdoe", "fetch", ["nbgrader", "fetch_assignment", TERM])
    if (jdoe / TERM / f"{TERM}.ipynb").is_file():
        (jdoe / TERM / f"{TERM}.ipynb").write_text(submission(TERM, "solution"))
    term.student("jdoe", "submit", ["nbgrader", "submit", TERM])
    term.run("collect", instantiate(term.shown("autograder collect", where="table"), **values))
    downloads = term.base / "Downloads" / "submissions"
    downloads.mkdir(parents=True)
    (downloads / f"doejane_1001_555_{TERM}.ipynb").write_text(submission(TERM, MISTAKE))  # Canvas's file name
    (term.root / "handin.csv").write_text(handin_csv(REPO / "README.md"))
    term.run("collect zip", instantiate(term.shown("autograder collect", where="code"), {"~/Downloads/submissions": downloads}))
    term.run("grade", instantiate(term.shown("autograder grade", where="table"), N=2,
                                  URL=f"sqlite:///{term.root / 'gradebook.db'}", **values))
    term.run("extend graded", instantiate(term.shown("autograder extend", where="code")))
    term.seen["extend graded"] = term.duedate("jdoe")
    term.run("grade again", instantiate(term.shown("autograder grade", where="text", synopsis=True), **values))
    term.run("return", instantiate(term.shown("autograder return", where="table"), DIR=term.exchange, S="jdoe", **values))
    term.student("jdoe", "fetch_feedback term", ["nbgrader", "fetch_feedback", TERM])
    term.run("export", instantiate(term.shown("autograder export", where="table"), **values))
    for exporter in ("QuestionsExport", "MistakesExport", "CanvasExport"):
        term.run(exporter, instantiate(term.shown("nbgrader export", where="code", has=exporter)))
    term.run("nbgrader export", instantiate(term.shown("nbgrader export", where="text")))
    term.run("report", instantiate(term.shown("autograder report", where="table"), **values))
    term.run("similarity", instantiate(term.shown("autograder similarity", synopsis=True), X=0.5, **values))
    timings(term)
    return term


def new_term(base: Path) -> Term:
    """A course copy whose nbgrader_config.py names a new, empty exchange folder; jdoe's home."""
    root = course.copy_course(REPO, base / "course")
    exchange = base / "exchange"
    exchange.mkdir()
    with open(root / course.CONFIG_FILE, "a") as config:
        config.write(f"\nc.Exchange.root = {str(exchange)!r}  # the term's exchange (tests/readme_term.py)\n")
    term = Term(base, root, exchange, course.load_config(root).CourseDirectory.course_id, shown(REPO / "README.md"))
    student_home(term, "jdoe")
    return term


def timings(term: Term) -> str:
    """Seconds per step, slowest first (written beside the term: what to look at when the module gets slow)."""
    text = "\n".join(f"{ran.seconds:6.1f}  {step}" for step, ran in sorted(term.steps.items(), key=lambda s: -s[1].seconds))
    (term.base / "timings.txt").write_text(text + "\n")
    return text


def ok(term: Term, step: str):
    ran = term.steps[step]
    assert ran.returncode == 0, f"{' '.join(ran.words)} exited {ran.returncode}:\n{ran.output}"
    return ran


def fresh(path, ran) -> bool:
    """``path`` was written by the command ``ran``."""
    return path.is_file() and path.stat().st_mtime >= ran.started - 1
