"""What a grading worker receives and returns: plain picklable data, files as bytes.

No shared filesystem is assumed between the coordinator and the workers (a local process pool today,
Dask workers tomorrow): a ``GradeJob`` carries every file the worker needs and a ``GradeResult``
carries everything the coordinator writes back (grades, comments, the autograded files).
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class GradeJob:
    """One student's submission of one assignment, with everything needed to grade it anywhere."""

    course_id: str
    assignment: str
    student: str
    submission: dict  # path relative to submitted/<student>/<assignment>/ -> bytes
    source: dict  # path relative to source/<assignment>/ -> bytes (notebooks and data files)
    release: dict  # notebook name -> bytes of the student version (to restore deleted cells)
    config_text: str  # the course's nbgrader_config.py
    template_db: bytes  # SQLite gradebook holding the assignment's notebooks and cells, no submissions
    timestamp: str = ""  # content of timestamp.txt, "" if none
    overrides: tuple = ()  # extra nbgrader config as ("Class.trait", value) pairs
    feedback: bool = True  # also run nbgrader's GenerateFeedback on the graded submission
    extension_seconds: float = 0.0  # the student's extension (the worker's gradebook has no students)
    engine: dict = field(default_factory=dict)  # the coordinator's fingerprint.engine_spec(): the worker refuses another
    refused: tuple = ()  # "path: why" of what submitted/ held that is not a regular file (links...): never read


@dataclass(frozen=True)
class CellResult:
    """One graded cell (grade cell or task cell) as nbgrader's SaveAutoGrades left it."""

    notebook: str
    grade_id: str
    auto_score: float | None
    max_score: float
    needs_manual_grade: bool
    executed: bool  # SaveAutoGrades saw the cell (else nbgrader set the grade without running it)


@dataclass(frozen=True)
class CommentResult:
    """The automatic comment nbgrader stores for a solution or task cell ("No response." or None)."""

    notebook: str
    grade_id: str
    auto_comment: str | None


@dataclass
class GradeResult:
    """How a submission was graded: what the coordinator writes into the gradebook and autograded/."""

    assignment: str
    student: str
    status: str = "graded"  # graded | flagged | failed
    reasons: list = field(default_factory=list)
    kernel: str = "ok"  # ok | timeout | died | out of memory | not run
    seconds: float = 0.0
    cells: list = field(default_factory=list)  # CellResult
    comments: list = field(default_factory=list)  # CommentResult
    late_penalties: dict = field(default_factory=dict)  # notebook -> penalty or None
    autograded: dict = field(default_factory=dict)  # path relative to autograded/<student>/<assignment>/ -> bytes
    log_tail: str = ""
    withheld: bool = False  # tampering suspected (integrity findings): the score waits for a person
    feedback: dict = field(default_factory=dict)  # path relative to feedback/<student>/<assignment>/ -> bytes
    feedback_scores: dict = field(default_factory=dict)  # grade_id -> the score the feedback shows
    infrastructure: str = ""  # why the grading side failed ("grading infrastructure: ..."): no grade is written
    timings: dict = field(default_factory=dict)  # phase -> seconds (grade_one.PHASES), where the worker's time went
    kernels: list = field(default_factory=list)  # {"pid", "kernel_id", "prepared"} of each kernel that ran a notebook
    outcomes: list = field(default_factory=list)  # autograder.storage.outcomes.Outcome of each graded test cell
    unreadable: dict = field(default_factory=dict)  # notebook name -> what is wrong with the file (grading.unreadable)
    variant: dict = field(default_factory=dict)  # the variant graded (variant_steering.graded), set by the coordinator

    @property
    def score(self) -> float:
        return float(sum(cell.auto_score or 0.0 for cell in self.cells))

    @property
    def max_score(self) -> float:
        return float(sum(cell.max_score for cell in self.cells))
