"""Feedback for graded students through nbgrader's ``GenerateFeedback`` (HTML in feedback/<student>/<a>/).

The course's nbgrader_config.py sets ``GenerateFeedback.preprocessors`` (``preprocessors()``: hidden tests
hidden, the grading machine's paths shortened, the summary of tasks) and ``GenerateFeedback.exporter_class =
FeedbackExporter``, which carries the course's feedback template (``TEMPLATE_FILE`` in ``template_basedirs()``,
built on nbgrader's own ``feedback`` template), so ``nbgrader generate_feedback`` and ``autograder grade`` make
the same page. The template is the feedback exporter's alone: nbconvert's ``HTMLExporter`` elsewhere (formgrader's
grading page, ``jupyter nbconvert``) keeps its own. Math is MathML made with the page (``math_html``; the template
folder's ``mathjax.html.j2`` leaves MathJax out), so the page reads offline.
"""

from pathlib import Path

from jinja2 import BytecodeCache, pass_context
from nbconvert.exporters import HTMLExporter
from traitlets.config import Config

# nbgrader's API (autograder grade's workers, formgrader) forces HTMLExporter.template_name = "feedback": the
# course's template lives in a "feedback" folder of its own (autograder/templates/feedback/), searched before
# nbgrader's, under another file name; it extends index.html.j2, which only nbgrader's feedback folder has.
TEMPLATE = "feedback"
TEMPLATE_FILE = "course_feedback.html.j2"


def template_basedirs() -> list[str]:
    """Where nbconvert finds the course's feedback template and nbgrader's ``feedback`` template it extends."""
    import nbgrader

    nbgrader_templates = Path(nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates"
    return [str(Path(__file__).resolve().parents[1] / "templates"), str(nbgrader_templates)]


def preprocessors() -> list:
    """``GenerateFeedback``'s pipeline: grades from the gradebook, hidden tests out, paths shortened, summary."""
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import GetGrades

    from ..preprocessors import FeedbackSummary, HideHiddenTests, ScrubPaths

    return [GetGrades, HideHiddenTests, ScrubPaths, FeedbackSummary, CSSHTMLHeaderPreprocessor]

from .. import course


class _CompiledTemplates(BytecodeCache):
    """Compiled feedback templates kept in memory for the life of the process. Jinja2 keys each entry by the
    template's name and file and checks it against the source's checksum, so an edited template is compiled again."""

    def __init__(self):
        self._store: dict = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self._store:
            bucket.bytecode_from_string(self._store[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self._store[bucket.key] = bucket.bytecode_to_string()


_COMPILED = _CompiledTemplates()


class FeedbackExporter(HTMLExporter):
    """The course's feedback page: nbconvert's HTMLExporter with the course's feedback template.

    The template settings are this class's own configuration section (``c.FeedbackExporter``), which takes
    precedence over ``c.HTMLExporter`` (where nbgrader puts its own ``feedback`` template folder): configuring
    HTMLExporter itself would also reach formgrader's grading page, which then fails (TemplateNotFound). A
    ``c.FeedbackExporter.*`` setting in nbgrader_config.py still overrides these; every other ``c.HTMLExporter``
    setting applies. Templates are compiled once per process: nbgrader makes a new exporter for every feedback
    page, and compiling the feedback template and those it extends cost a grading worker about 0.3 s per
    submission."""

    def __init__(self, config=None, **kwargs):
        if config is None and kwargs.get("parent") is not None:
            config = kwargs["parent"].config
        own = Config()
        own.FeedbackExporter.template_name = TEMPLATE
        own.FeedbackExporter.template_file = TEMPLATE_FILE
        own.FeedbackExporter.extra_template_basedirs = template_basedirs()
        if config is not None:
            own.merge(config)  # the configuration's own FeedbackExporter settings win
        super().__init__(config=own, **kwargs)

    def _create_environment(self):
        environment = super()._create_environment()
        environment.bytecode_cache = _COMPILED
        return environment

    @pass_context
    def markdown2html(self, context, source):
        """nbconvert's markdown filter (same settings, same parser) with formulas as MathML (``math_html``): the
        page needs no MathJax, which nbconvert loads from a CDN, and reads offline."""
        from .math_html import markdown_to_html

        cell = context.get("cell", {})
        return markdown_to_html(
            source, attachments=cell.get("attachments", {}), embed_images=self.embed_images,
            path=context.get("resources", {}).get("metadata", {}).get("path", ""),
            anchor_link_text=self.anchor_link_text, exclude_anchor_links=self.exclude_anchor_links, **self.lexer_options)


def generate(root: Path, assignment: str, students, db_url: str) -> dict:
    """Generate feedback for each of ``students``; returns ``student -> error text`` for those that failed."""
    failures = {}
    with course.inside(root):
        api = course.nbgrader_api(root, **{"CourseDirectory.db_url": db_url})
        for student in students:
            outcome = api.generate_feedback(assignment, student, force=True)
            if not outcome["success"]:
                failures[student] = ((outcome.get("log") or "") + "\n" + (outcome.get("error") or "")).strip()
    return failures
