"""Feedback without the grading machine's paths: for ``nbgrader generate_feedback`` (nbgrader_config.py).

Outputs printed while grading name files of the grading machine: a warning from scikit-learn quotes
``/srv/venv/lib/python3.11/site-packages/sklearn/...py:606``, a traceback the sandbox's copy of
``autograder``, a temporary grading folder. In every output's text this preprocessor shortens each
absolute path to what a student can place: the part after ``site-packages/`` (``sklearn/...``), from
``autograder/`` on, the standard library's ``pythonX.Y/...``, or else the file name alone.
"""

import re

from nbgrader.preprocessors import NbGraderPreprocessor

# an absolute path of two or more parts, not inside a URL (no ':' or '/' or word character just before)
_PATH = re.compile(r"(?<![\w:/.~-])(/[\w.+@~-]+(?:/[\w.+@~-]*)+)")
_KEEP_AFTER = (re.compile(r".*/(?:site|dist)-packages/"), re.compile(r".*?/(?=autograder/)"),
               re.compile(r".*/lib/(?=python\d+(?:\.\d+)?/)"))


def shorten(path: str) -> str:
    """What is left of one absolute path (see the module's docstring)."""
    for pattern in _KEEP_AFTER:
        match = pattern.match(path)
        if match:
            return path[match.end():]
    return path.rstrip("/").rsplit("/", 1)[-1]


def scrub(text: str) -> str:
    return _PATH.sub(lambda m: shorten(m.group(1)), text)


class ScrubPaths(NbGraderPreprocessor):  # nbgrader's base: enabled by default (nbconvert's is not)
    """Shorten the grading machine's absolute paths in every output's text (streams, errors, plain text)."""

    def preprocess_cell(self, cell, resources, cell_index):
        for output in cell.get("outputs", []):
            if "text" in output:
                output.text = scrub("".join(output.text) if isinstance(output.text, list) else output.text)
            if output.get("output_type") == "error":
                output.evalue = scrub(output.get("evalue", ""))
                output.traceback = [scrub(line) for line in output.get("traceback", [])]
            data = output.get("data", {})
            for mime in ("text/plain", "text/markdown"):
                if mime in data:
                    value = data[mime]
                    data[mime] = scrub("".join(value) if isinstance(value, list) else value)
        return cell, resources
