"""Red-team corpus: attacks on the grading and malformed submissions, each with the outcome it must get.

An ``Attack`` is the blank release with attack code put in front of the first solution cell (so an
attack that fails scores what the blank scores: nothing). It must score no higher than the blank, and
where ``flag`` names a finding kind, ``autograder.integrity`` must report it (``reason`` is a substring of
the finding). ``fate`` is the kernel fate the sandbox must report (``autograder.storage.records.KERNEL_FATES``),
``blocked`` a substring the sandbox produces in the cell output when it stops the attack.

A ``BadInput`` is a submission folder that is not a valid notebook submission; ``status`` is the record
status the grading engine (``autograder grade``) gives it: ``failed`` for what cannot be graded (no
readable notebook of the assignment), ``flagged`` when it was repaired and graded (an nbformat 3 file is
upgraded, its graded cells put back), ``graded`` when nbgrader copes (a changed kernelspec, an extra
notebook, many cells); ``reason`` is a substring of its reasons (``None``: no reason is required).
Used by tests/test_integrity.py and tests/test_sandbox.py, and by the engine's end-to-end tests.
"""

import json
from dataclasses import dataclass

import nbformat


@dataclass(frozen=True)
class Attack:
    name: str
    code: str
    flag: str | None = None  # finding kind integrity must report (static scan)
    reason: str = ""  # substring of that finding's message
    fate: str = "ok"  # kernel fate in the sandbox
    blocked: str = ""  # substring of the sandboxed cell's error output
    runtime: str = ""  # substring of a runtime finding (integrity.runtime_findings)
    only: tuple = ()  # the assignments the attack applies to (empty: every assignment)


ATTACKS = [
    Attack("read_source_notebook",
           "answers = open('../../../source/{assignment}/{assignment}.ipynb').read()",
           flag="course files", reason="source", blocked="FileNotFoundError"),
    Attack("open_gradebook",
           "import sqlite3\ndb = sqlite3.connect('file:../../../gradebook.db?mode=ro', uri=True)\n"
           "rows = db.execute('select * from grade').fetchall()",
           flag="course files", reason="sqlite3", blocked="OperationalError"),
    Attack("patch_assert_allclose",
           "np.testing.assert_allclose = lambda *args, **kwargs: None",
           flag="patching", reason="assert_allclose", runtime="numpy.testing.assert_allclose was replaced"),
    Attack("patch_allclose",
           "np.allclose = lambda *args, **kwargs: True",
           flag="patching", reason="np.allclose", runtime="numpy.allclose was replaced"),
    Attack("patch_isinstance",
           "import builtins\nbuiltins.isinstance = lambda obj, cls: True",
           flag="patching", reason="isinstance"),  # the kernel itself breaks: no check can pass
    Attack("patch_checks",
           "import autograder.kernel.answers as common\ncommon.expect = lambda condition, message: None\n"
           "common.close = lambda *args, **kwargs: True",
           flag="course files", reason="autograder", runtime="autograder.kernel.answers.expect was replaced"),
    Attack("lying_eq",
           "class Anything(float):\n    def __eq__(self, other):\n        return True\n    __hash__ = float.__hash__\n"
           "    def __array__(self, dtype=None, copy=None):\n        return np.zeros(1)\n"
           "liar = Anything(0.5)",
           flag="lying comparison", reason="__eq__", runtime="Anything defines"),
    Attack("event_hook_edits_outputs",
           "def hide_errors(result):\n    result.error_in_exec = None\n"
           "get_ipython().events.register('post_run_cell', hide_errors)",
           flag="hooks", reason="event", runtime="post_run_cell event callback"),
    Attack("custom_exception_handler",
           "get_ipython().set_custom_exc((Exception,), lambda shell, etype, value, tb, tb_offset=None: None)",
           flag="hooks", reason="set_custom_exc", runtime="custom exception handler"),
    Attack("input_transformer",
           "get_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])",
           flag="hooks", reason="input_transformers_post"),
    Attack("settrace",
           "import sys\ndef tracer(frame, event, arg):\n    return tracer\nsys.settrace(tracer)",
           flag="hooks", reason="settrace", runtime="sys.settrace is active"),
    Attack("frame_peek",
           "import sys\ndef expected_from_caller():\n    return sys._getframe(2).f_locals.get('expected')",
           flag="introspection", reason="_getframe"),
    Attack("displayhook",
           "import sys\nsys.displayhook = lambda value: None",
           flag="patching", reason="displayhook"),  # IPython restores its own display hook for every cell
    Attack("exec_obfuscated",
           "exec(bytes.fromhex('6e702e616c6c636c6f7365203d206c616d626461202a612c202a2a6b3a2054727565').decode())",
           flag="dynamic code", reason="exec", runtime="numpy.allclose was replaced"),
    Attack("subprocess_call",
           "import subprocess\nleak = subprocess.run(['cat', '/etc/hostname'], capture_output=True).stdout",
           flag="process", reason="subprocess", runtime="subprocess.Popen"),
    Attack("shell_escape", "!ls ../..", flag="process", reason="shell command"),
    Attack("fork_bomb",
           "import os, time\nchildren = 0\ntry:\n    for _ in range(1000):\n        if os.fork() == 0:\n"
           "            time.sleep(30)\n            os._exit(0)\n        children += 1\nexcept OSError as error:\n"
           "    print('fork refused after', children, 'children:', error)",
           flag="process", reason="os.fork", blocked="Resource temporarily unavailable"),
    Attack("memory_hog", "hog = bytearray(64 * 1024 ** 3)", fate="out of memory", blocked="MemoryError"),
    Attack("infinite_loop", "while True:\n    pass", fate="timeout"),
    Attack("os_exit", "import os\nos._exit(0)", flag="process", reason="_exit", fate="died"),
    Attack("write_other_student",
           "with open('../../../submitted/other_student/{assignment}/{assignment}.ipynb', 'w') as f:\n"
           "    f.write('{}')",
           flag="course files", reason="submitted", blocked="FileNotFoundError"),
    Attack("network_loopback",
           "import socket\nsocket.create_connection(('127.0.0.1', 8888), timeout=2)",
           flag="network", reason="socket", blocked="Error"),
    Attack("huge_output", "print('x' * (50 * 1024 ** 2))"),
]


@dataclass(frozen=True)
class BadInput:
    name: str
    files: dict  # file name -> bytes (or a callable(release_nb) -> bytes)
    status: str
    reason: str | None = None


def _nbformat3(release_nb) -> bytes:
    return json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {},
                       "worksheets": [{"cells": [{"cell_type": "code", "input": "x = 1", "outputs": []}]}]}).encode()


def _many_cells(release_nb) -> bytes:
    nb = nbformat.from_dict(json.loads(json.dumps(release_nb)))
    nb.cells += [nbformat.v4.new_code_cell(f"x{i} = {i}") for i in range(10_000)]
    return nbformat.writes(nb).encode()


def _kernelspec(release_nb) -> bytes:
    nb = nbformat.from_dict(json.loads(json.dumps(release_nb)))
    nb.metadata["kernelspec"] = {"name": "bash", "display_name": "Bash", "language": "bash"}
    return nbformat.writes(nb).encode()


def _release(release_nb) -> bytes:
    return nbformat.writes(release_nb).encode()


def bad_inputs(notebook_name: str) -> list:
    """The malformed submissions of an assignment whose notebook is ``notebook_name``."""
    return [
        BadInput("empty_file", {notebook_name: b""}, "failed", "not a readable notebook"),
        BadInput("invalid_json", {notebook_name: b'{"cells": [ this is not json'}, "failed", "not a readable notebook"),
        BadInput("nbformat_3", {notebook_name: _nbformat3}, "flagged", "was deleted; it was put back and scores 0"),
        BadInput("wrong_file_name", {"my_homework.ipynb": _release}, "failed", "is missing from the submission"),
        BadInput("missing_notebook", {}, "failed", "is missing from the submission"),
        BadInput("extra_notebooks", {notebook_name: _release, "scratch.ipynb": _release}, "graded", None),
        BadInput("non_utf8", {notebook_name: b'{"cells": [], "metadata": {"x": "\xff\xfe\xfa"}, "nbformat": 4}'}, "failed",
                 "is not UTF-8 text"),
        BadInput("ten_thousand_cells", {notebook_name: _many_cells}, "graded", None),
        BadInput("changed_kernelspec", {notebook_name: _kernelspec}, "graded", None),
    ]


def attacks_for(assignment: str) -> list:
    """The attacks on ``assignment``, with ``{assignment}`` in their code replaced by its name."""
    import dataclasses

    return [dataclasses.replace(a, code=a.code.replace("{assignment}", assignment))
            for a in ATTACKS if not a.only or assignment in a.only]


def make_attack(release_nb, attack: Attack):
    """The blank release with ``attack.code`` put before the code of its first solution cell."""
    submission = nbformat.from_dict(json.loads(json.dumps(release_nb)))
    for cell in submission.cells:
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = attack.code + "\n\n" + cell.source
            return submission
    raise ValueError("the release has no solution cell")


def write_bad_input(folder, bad: BadInput, release_nb) -> None:
    """Write the files of ``bad`` into ``folder`` (a student's submitted/<student>/<assignment>/)."""
    from pathlib import Path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in bad.files.items():
        data = content(release_nb) if callable(content) else content
        (folder / name).write_bytes(data)
