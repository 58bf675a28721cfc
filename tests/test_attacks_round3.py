"""Red team, round 3: the kernel's side of the package after the restructure (``KERNEL_PARTS`` bound alone, the
answer modules masked). Each test is an attack that worked on the commit before its fix.

The package a grading kernel sees is compiled as it is on a grading server: pip byte-compiles every module of a
wheel when it installs it, and a grader run without ``PYTHONDONTWRITEBYTECODE`` writes ``__pycache__`` beside
the modules it imports (the test suite and ``autograder demo`` import the samples).
"""

import compileall
import json
import shutil
from pathlib import Path

import pytest

from autograder import sandbox
from autograder.assignments.spec import ANSWER_MODULES
from autograder.sandbox import bwrap

from .conftest import REPO
from .sandbox_helpers import execute, output_text

pytestmark = [
    pytest.mark.nbgrader,
    pytest.mark.skipif(not sandbox.sandbox_available()[0], reason=f"bubblewrap unusable: {sandbox.sandbox_available()[1]}"),
]

MARKER = "ROUND3-READABLE:"

# Student code: every file under ``root`` that the kernel can read and that is not empty (a mask reads empty)
READABLE = """
import json, os
def readable(root):
    found = []
    for folder, dirs, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            try:
                with open(path, 'rb') as handle:
                    if handle.read(1):
                        found.append(os.path.relpath(path, root))
            except OSError:
                pass
    return sorted(found)
print({marker!r} + json.dumps({{root: readable(root) for root in {roots!r}}}))
"""


@pytest.fixture()
def compiled_package(tmp_path, monkeypatch):
    """A copy of the package, byte-compiled as pip installs it, in a folder like site-packages; the sandbox
    grades with it (its ``package_path``)."""
    site = tmp_path / "site-packages"
    package = site / "autograder"
    shutil.copytree(REPO / "autograder", package, ignore=shutil.ignore_patterns("__pycache__"))
    assert compileall.compile_dir(str(package), quiet=1)
    monkeypatch.setattr(bwrap, "package_path", lambda: str(package))
    return package


def _readable(scratch, roots, **settings) -> dict:
    notebook, error, _, _ = execute([READABLE.format(marker=MARKER, roots=[str(r) for r in roots])], scratch, **settings)
    text = output_text(notebook)
    assert error is None and MARKER in text, text
    return json.loads(text.split(MARKER, 1)[1].splitlines()[0])


def _answer_files(files) -> list:
    """The files of an assignment's package (``assignments/<a>/...``) named after an answer module, compiled or not."""
    return [f for f in files if Path(f).parts[0] == "assignments" and Path(f).parts[1] != "__pycache__"
            and any(part.split(".")[0] in ANSWER_MODULES for part in Path(f).parts[2:])]


def test_the_bytecode_of_the_answer_modules_is_masked_like_their_source(tmp_path, compiled_package):
    """``assignments/<a>/__pycache__/samples.cpython-3XX.pyc`` held every sample's code (the honest answers):
    ``marshal.loads`` of it, ``exec``, and ``SAMPLES`` was back in the kernel, though ``samples.py`` was /dev/null."""
    assert list(compiled_package.glob("assignments/*/__pycache__/samples.*.pyc")), "the copy was not byte-compiled"
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    mount = f"{bwrap.PACKAGE_MOUNT}/autograder"
    found = _readable(scratch, [mount])[mount]
    assert found, "the kernel read nothing of its package: the probe is broken"
    assert _answer_files(found) == [], "answer modules readable in the kernel"


def test_a_regular_install_shows_the_kernel_no_engine_bytecode_and_no_answers(tmp_path, compiled_package):
    """A wheel install: the package also lies in site-packages, inside the bound environment. Every engine part
    and the answer modules were masked there, but not the package's top-level ``__pycache__`` (the engine's
    ``cli``, ``course``, ``demo``... compiled), nor the answers' bytecode."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    site = compiled_package.parent
    found = _readable(scratch, [compiled_package], readable_paths=[str(site)])[str(compiled_package)]
    assert "kernel/answers.py" in found, "the probe did not read the bound site-packages copy"
    engine = [f for f in found if Path(f).parts[0] not in bwrap.KERNEL_PARTS
              and not (Path(f).parts[0] == "__pycache__" and Path(f).name.startswith("__init__."))]
    assert engine == [], "engine files readable in the kernel"
    assert _answer_files(found) == [], "answer modules readable in the kernel"
