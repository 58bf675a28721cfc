"""Feedback without hidden tests: for ``nbgrader generate_feedback`` (registered in nbgrader_config.py).

nbgrader's feedback is made from the autograded notebook, which holds the hidden tests verbatim, and
the tracebacks of failed tests quote the lines around the failure. This preprocessor removes every
``BEGIN/END HIDDEN TESTS`` region (nbgrader's ``ClearHiddenTests``, in any cell) and, in test cells and
cells that had a hidden region, reduces each error traceback to ``ErrorName: message``: the student
still reads what went wrong (an ``AnswerError`` names the likely mistake) but no test code, and not the
``[mistake: code]`` tag the message carries for the instructor's reports (``autograder.mistakes``).
"""

from nbgrader import utils
from nbgrader.preprocessors import ClearHiddenTests
from traitlets import Bool

from ..mistakes import display_message


class HideHiddenTests(ClearHiddenTests):
    """Remove hidden test regions and reduce test tracebacks to ``ErrorName: message``."""

    enforce_metadata = Bool(False, help="Feedback must not fail on a hidden region outside a test cell.").tag(config=True)

    def preprocess_cell(self, cell, resources, cell_index):
        removed = self._remove_hidden_test_region(cell)
        if cell.cell_type == "code" and (removed or utils.is_grade(cell)):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output.evalue = display_message(output.get("evalue", ""))
                    output.traceback = [f"{output.get('ename', 'Error')}: {output.evalue}"]
        return cell, resources
