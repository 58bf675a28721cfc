"""The course's late policy: an nbgrader ``LateSubmissionPlugin`` configured in nbgrader_config.py.

    c.AssignLatePenalties.plugin_class = LatePolicy
    c.LatePolicy.percent_per_day = 10    # each started day late costs 10% of the score
    c.LatePolicy.grace_minutes = 15      # up to 15 minutes late counts as on time
    c.LatePolicy.max_days_late = 5       # later than 5 days: the score is 0

nbgrader's ``AssignLatePenalties`` (a step of every ``Autograde``, plain ``nbgrader autograde`` as well
as each worker of ``autograder grade``) calls ``late_submission_penalty`` for each notebook of a late
submission with that notebook's score and the submission's seconds late. nbgrader counts those seconds
from the student's own due date: the assignment's ``duedate`` plus the student's ``extension``
(``SubmittedAssignment.duedate``), so an extension needs nothing here.

The arithmetic is in plain functions (``days_started``, ``penalty``) so that it can be tested and reused
without nbgrader. A penalty is a plain float between 0 and the score: never negative, never more than
the score (nbgrader would clamp it too, with a warning).
"""

import math

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Float, TraitError, validate

SECONDS_PER_DAY = 24 * 3600


def days_started(seconds_late: float) -> int:
    """Days late, a started day counting as a whole one: 0 s -> 0, 1 s -> 1, 1.5 days -> 2."""
    seconds_late = float(seconds_late)
    return 0 if seconds_late <= 0 else math.ceil(seconds_late / SECONDS_PER_DAY)


def penalty(score: float, seconds_late: float, percent_per_day: float = 0.0, grace_minutes: float = 0.0,
            max_days_late: float | None = None) -> float:
    """The points to take off ``score`` for a submission ``seconds_late`` after the student's due date.

    - up to ``grace_minutes`` late (inclusive) counts as on time: 0;
    - more than ``max_days_late`` days late (``None``: no limit): the whole score (the final score is 0);
    - otherwise ``percent_per_day`` percent of the score for each started day late, lateness counted
      from the due date (the grace only decides whether a submission is late at all), at most the score.
    """
    score, seconds_late = max(0.0, float(score)), float(seconds_late)
    if seconds_late <= float(grace_minutes) * 60:
        return 0.0
    if max_days_late is not None and seconds_late > float(max_days_late) * SECONDS_PER_DAY:
        return score
    return float(min(score, score * float(percent_per_day) / 100.0 * days_started(seconds_late)))


class LatePolicy(LateSubmissionPlugin):
    """Late penalties: a percent of the score per started day late, a grace period, a last day."""

    percent_per_day = Float(
        0.0,
        help="Percent of the score each started day late costs (0: no penalty, nbgrader's default).",
    ).tag(config=True)

    grace_minutes = Float(
        0.0,
        help="Up to this many minutes after the due date (plus extension) a submission counts as on time.",
    ).tag(config=True)

    max_days_late = Float(
        None,
        allow_none=True,
        help="A submission more than this many days late scores 0 (None: no limit).",
    ).tag(config=True)

    @validate("percent_per_day")
    def _percent(self, proposal):
        if not 0 <= proposal["value"] <= 100:
            raise TraitError(f"LatePolicy.percent_per_day must be between 0 and 100, not {proposal['value']}")
        return proposal["value"]

    @validate("grace_minutes", "max_days_late")
    def _not_negative(self, proposal):
        if proposal["value"] is not None and proposal["value"] < 0:
            raise TraitError(f"LatePolicy.{proposal['trait'].name} must be 0 or more, not {proposal['value']}")
        return proposal["value"]

    @property
    def active(self) -> bool:
        """False when the policy takes nothing off (nbgrader's own behaviour: no penalty at all)."""
        return self.percent_per_day > 0 or self.max_days_late is not None

    def penalty(self, score: float, seconds_late: float) -> float:
        return penalty(score, seconds_late, self.percent_per_day, self.grace_minutes, self.max_days_late)

    def late_submission_penalty(self, student_id: str, score: float, total_seconds_late: float):
        if not self.active:
            return None  # as nbgrader's default plugin: no penalty recorded
        points = self.penalty(score or 0.0, total_seconds_late or 0.0)
        self.log.info("Late policy: %s is %.0f s late (%d started days): penalty %g of %g",
                      student_id, total_seconds_late, days_started(total_seconds_late), points, score or 0.0)
        return float(points)


# A submission without a hand-in time (an LMS download has no timestamp.txt) cannot be late for nbgrader: named
# in the grade summary and in the student's reasons (exports, report) whenever a late policy would apply.
NO_HANDIN_TIME = ("no hand-in time: late policy not applied (give the LMS's times: autograder collect "
                  "ASSIGNMENT --zip DIR --times CSV)")


def policy_applies(config) -> bool:
    """Whether the course's late-penalty plugin (``c.AssignLatePenalties.plugin_class`` of ``config``) can take
    points off: not nbgrader's default plugin, and not a ``LatePolicy`` that charges nothing."""
    from traitlets.utils.importstring import import_item

    section = config.AssignLatePenalties if "AssignLatePenalties" in config else {}
    plugin = section.get("plugin_class", LateSubmissionPlugin)
    plugin = import_item(plugin) if isinstance(plugin, str) else plugin
    if plugin is LateSubmissionPlugin:
        return False
    return bool(getattr(plugin(config=config), "active", True))
