"""The summary at the top of a student's feedback page: each task by its heading, its score, what was wrong.

For ``nbgrader generate_feedback`` (registered in nbgrader_config.py after ``GetGrades``, ``HideHiddenTests``
and ``ScrubPaths``), read by the course's feedback template (``autograder/templates/feedback/course_feedback.html.j2``).
A task is a heading of the notebook with the graded cells under it (``autograder.report.tasks``); its score is
their sum. A failed test's message is the one the student's error output holds (what
``autograder.mistakes.cell_mistake`` reads, the mistake tag removed). A hand-graded answer that has no
score yet (no manual score and no automatic score) is *awaiting grading* (``nbgrader.awaiting`` on the
cell), not 0, and makes the total provisional. nbgrader's ``needs_manual_grade`` does not decide it: nbgrader
sets it again on every regrade of a cell a person has graded ("look again"), and that grade still stands.
A cell with a manual score is *graded by hand* (``nbgrader.hand_graded``).
"""

from nbgrader import utils
from nbgrader.api import Gradebook
from nbgrader.preprocessors import NbGraderPreprocessor

from ..mistakes import cell_mistake
from ..report.tasks import labels
from ..variants import shown_variant

TOLERANCE = 1e-9


def _is_manual(cell) -> bool:
    """Graded by a person: a written answer, a task, or an answer cell that is itself graded."""
    return utils.is_task(cell) or (utils.is_grade(cell) and (cell.cell_type == "markdown" or utils.is_solution(cell)))


def _message(cell) -> str:
    found = cell_mistake(cell.get("outputs", []))
    if found is not None:
        code, message = found
        if code.startswith("error:"):  # not a check's verdict: the code raised, say what
            return f"{code[len('error:'):]}: {message}" if message else f"{code[len('error:'):]} raised"
        return message or "the test failed without a message"
    stderr = "".join(o.get("text", "") for o in cell.get("outputs", [])
                     if o.get("output_type") == "stream" and o.get("name") == "stderr").strip()
    return stderr or "this test did not pass"


class FeedbackSummary(NbGraderPreprocessor):
    """Put ``resources["course_feedback"]``: the tasks with their scores and messages, and whether the total is final."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            submitted = gb.find_submission_notebook(info["notebook"], info["assignment"], info["student"])
            waiting = {grade.name for grade in submitted.grades if grade.manual_score is None and grade.auto_score is None}
            by_hand = {grade.name for grade in submitted.grades if grade.manual_score is not None}
        names = labels(nb)
        tasks, by_heading = [], {}
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if not (utils.is_grade(cell) or utils.is_task(cell)) or "score" not in meta:
                continue
            grade_id = meta["grade_id"]
            heading = names[grade_id].heading if grade_id in names else ""
            task = by_heading.get(heading)
            if task is None:
                task = by_heading[heading] = {"heading": heading or grade_id, "anchor": grade_id, "score": 0.0,
                                              "points": 0.0, "awaiting": 0.0, "graded": 0, "by_hand": 0,
                                              "problems": []}
                tasks.append(task)
            points, score = float(meta.get("points") or 0.0), float(meta.get("score") or 0.0)
            task["points"] += points
            meta["awaiting"] = _is_manual(cell) and grade_id in waiting
            if meta["awaiting"]:
                task["awaiting"] += points
                continue
            task["graded"] += 1
            meta["hand_graded"] = grade_id in by_hand
            task["by_hand"] += meta["hand_graded"]
            task["score"] += score
            if score < points - TOLERANCE and not _is_manual(cell):
                task["problems"].append({"anchor": grade_id, "title": names[grade_id].title if grade_id in names else "",
                                         "message": _message(cell)})
        awaiting = sum(t["awaiting"] for t in tasks)
        resources["course_feedback"] = {"tasks": tasks, "awaiting": awaiting, "provisional": awaiting > 0,
                                        "variant": shown_variant(nb)}  # the variant the answers were graded with
        return nb, resources

    def preprocess_cell(self, cell, resources, index):
        return cell, resources
