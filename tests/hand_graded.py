"""A small class graded by the real `autograder grade`, before anyone grades by hand; copied per test module.

Two students hand in tfidf_distances: alice the instructor's solution, bob the unsmoothed-idf mistake; both
wrote the written answer (``heatmap_explanation``), which waits for a person. The class is graded once per
test session (`autograder grade --workers 2`, feedback included); each module that grades by hand works on
its own copy of that course folder (gradebook, autograded/ and feedback/ included).
"""

import functools
import re
import shutil
import subprocess
import sys
from pathlib import Path

from nbgrader.api import Gradebook

from autograder import course
from autograder.assignments.samples import submit_class

from .conftest import REPO, nbgrader

ASSIGNMENT = "tfidf_distances"
WRITTEN = "heatmap_explanation"  # the written answer a TA grades by hand
ROSTER = {"alice": "solution", "bob": "unsmoothed_idf"}


def autograder(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run the real ``autograder`` command in the course folder ``root``."""
    result = subprocess.run([sys.executable, "-m", "autograder", *args], cwd=root, capture_output=True, text=True,
                            timeout=900)
    if check and result.returncode != 0:
        raise AssertionError(f"autograder {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


@functools.cache
def _graded(base: Path) -> Path:
    root = course.copy_course(REPO, Path(base) / "course")
    nbgrader(root, "generate_assignment", ASSIGNMENT, "--force")
    submit_class(root, ASSIGNMENT, ROSTER)
    autograder(root, "grade", ASSIGNMENT, "--workers", "2")
    return root


def graded_copy(base: Path, name: str) -> Path:
    """A copy (in ``base/name``) of the class graded once per session in ``base/hand-graded-class``."""
    original = _graded(Path(base) / "hand-graded-class")
    return Path(shutil.copytree(original, Path(base) / name / "course", symlinks=True))


def db_url(root: Path) -> str:
    return f"sqlite:///{root / 'gradebook.db'}"


def course_id(root: Path) -> str:
    return course.load_config(root).CourseDirectory.course_id


def grade_of(root: Path, student: str, grade_id: str = WRITTEN):
    """``(auto_score, manual_score, needs_manual_grade, score)`` of one cell, read through nbgrader's Gradebook."""
    with Gradebook(db_url(root), course_id=course_id(root)) as gb:
        grade = gb.find_grade(grade_id, ASSIGNMENT, ASSIGNMENT, student)
        return grade.auto_score, grade.manual_score, grade.needs_manual_grade, float(grade.score)


def feedback_page(root: Path, student: str) -> Path:
    return root / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html"


def summary_rows(html: str) -> dict:
    """``task heading -> text of its score cell`` from the feedback page's summary table."""
    block = html.split('id="course-summary"', 1)[1].split("</table>", 1)[0]
    rows = {}
    for row in re.findall(r"<tr class=\"task[^\"]*\">(.*?)</tr>", block, re.S):
        heading = re.sub(r"<[^>]+>", "", re.search(r"<a href=\"#[^\"]+\">(.*?)</a>", row, re.S).group(1)).strip()
        score = re.search(r"<td class=\"score\">(.*?)</td>", row, re.S).group(1)
        rows[heading] = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", score)).strip()
    return rows


def written_heading(html: str) -> str:
    """The summary heading of the written answer's task (the one linking to its anchor)."""
    block = html.split('id="course-summary"', 1)[1].split("</table>", 1)[0]
    return re.sub(r"<[^>]+>", "", re.search(rf"<a href=\"#{WRITTEN}\">(.*?)</a>", block, re.S).group(1)).strip()


def assert_shows_hand_grade(html: str, score: float, total: float, max_score: float) -> None:
    rows = summary_rows(html)
    assert rows[written_heading(html)] == f"{score:g} / 2 (graded by hand)", rows
    assert "awaiting grading" not in html
    assert "(provisional)" not in html and "Provisional total" not in html
    assert re.search(rf"{ASSIGNMENT}: {total:g} / {max_score:g}\s*</h4>", html), "the total is final"
