"""Tamper detection: a static scan of a submission's code and runtime checks inside the grading kernel.

Student code runs in the kernel that runs the hidden tests, so it could patch what the tests use
(``np.allclose``, ``isinstance``, the checks), hook IPython to rewrite outputs, trace the
checks' frames to read expected values, hand over objects whose comparisons lie, read course files or
start processes. The sandbox (``autograder.sandbox``) makes most of it impossible; this module makes
the attempts visible, so that the grading coordinator marks the submission ``flagged`` and withholds its
score (``reasons`` = the findings).

Two trust domains: ``scan.py`` runs on the grading host, ``autograder.kernel.integrity`` inside the student's
kernel; ``autograder.kernel.findings`` is what they share.

* ``scan_notebook(nb)`` parses every code cell (IPython syntax included) and reports constructs no honest
  answer needs: patching modules or builtins, trace/profile/audit hooks, IPython hooks, frame and
  garbage-collector introspection, dynamic code (exec/eval/__import__), comparison-defining classes,
  process, network and course-file access.
* ``module_findings`` does the same for the Python modules a submission ships beside its notebooks that the
  notebooks import (``modules.py``: a notebook's ``import helper`` runs them in the grading kernel), and reports
  compiled or native ones, which the scan cannot read, as findings themselves.
* ``take_snapshot()`` (run by the grading kernel's extension ``autograder.kernel.quiet_kernel`` before any
  student cell) remembers the original functions; ``runtime_findings()`` compares the kernel's state with
  it and inspects the user namespace; the audit hook installed with the snapshot records processes
  started, sockets opened and files opened outside the working directory by notebook code.

Honest code (warnings, prints to stderr, numpy, pandas, scipy, scikit-learn, math) has no findings.
"""


from ..kernel.findings import RUNTIME_MARKER, Finding, findings_from_outputs
from .modules import module_findings, notebook_imports
from .scan import scan_notebook, scan_source

__all__ = ["RUNTIME_MARKER", "Finding", "findings_from_outputs", "module_findings", "scan_notebook", "scan_source",
           "submission_findings"]

def submission_findings(notebooks: dict, source: dict, release: dict, files: dict | None = None) -> list:
    """``notebook: integrity: finding`` lines of a graded submission (``name -> nbformat notebook``): the static
    scan, with the assignment's ``source`` and ``release`` notebooks (``name -> bytes``) trusted, and the runtime
    findings the checks printed; with ``files`` (the submission's, ``path -> bytes``), the scan of the modules it
    ships (``module_findings``)."""
    import nbformat

    from ..sandbox.workfolder import environment_modules

    shipped = module_findings(files or {}, notebook_imports(notebooks.values()), (source, release), environment_modules())
    lines = [f"{f.cell}: integrity: {f.kind}: " + (f"line {f.line}: " if f.line else "") + f.message for f in shipped]
    for name, nb in sorted(notebooks.items()):
        trusted = [nbformat.reads(files[name].decode("utf-8"), as_version=4) for files in (source, release) if name in files]
        try:
            findings = scan_notebook(nb, trusted=trusted) + findings_from_outputs(nb)
        except Exception as error:  # noqa: BLE001 - a scan that cannot finish is itself suspicious
            lines.append(f"{name}: the integrity scan failed ({type(error).__name__}: {error}); review it by hand")
            continue
        for finding in findings:
            line = f"{name}: integrity: {finding}"
            if line not in lines:
                lines.append(line)
    return lines
